import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setFetch } from '../api';
import { setLang } from '../i18n';
import { TemplateForm } from '../pages/work/TemplateForm';
import { Workbench } from '../pages/work/Workbench';
import { idbStore, Outbox, type OutboxEntry, type SendOutcome } from '../work/outbox';
import { uuid } from '../util';
import type { Answer, Assignment } from '../work/types';
import { shopTemplate } from './examples';
import type { FormAnswer } from './types';

let root: HTMLElement;
const $ = (sel: string) => root.querySelector(sel) as HTMLElement | null;
const $$ = (sel: string) => [...root.querySelectorAll(sel)] as HTMLElement[];
async function settle(n = 8) {
  for (let i = 0; i < n; i++)
    await act(async () => {
      await new Promise((r) => setTimeout(r, 0));
    });
}
function press(key: string) {
  window.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }));
}
function type(el: HTMLElement, value: string) {
  (el as HTMLInputElement).value = value;
  el.dispatchEvent(new Event('input', { bubbles: true }));
}
const item = { kind: 'image', screen_url: '/s.jpg', thumb_url: '/t.jpg', width: 200, height: 100, text: null };

beforeEach(() => {
  setLang('zh-CN');
  root = document.createElement('div');
  document.body.appendChild(root);
});
afterEach(() => {
  render(null, root);
  root.remove();
});

describe('the template form (laptop)', () => {
  it('shows questions live by their conditions, answers by hotkeys, drops hidden answers on submit', async () => {
    const got: FormAnswer[] = [];
    await act(() => render(<TemplateForm template={shopTemplate()} item={item} narrow={false} onSubmit={(a) => got.push(a)} />, root));
    const qs = () => $$('[data-testid=q-card]').map((c) => c.dataset.question);
    expect(qs()).toEqual(['class', 'stars', 'price', 'objects']);
    press('1'); // car
    await settle();
    expect(qs()).toEqual(['class', 'sides', 'stars', 'plate', 'price', 'objects']);
    expect($('[data-question=sides]')?.classList.contains('q-new')).toBe(true);
    press('w');
    press('q');
    await settle();
    expect($('[data-testid=opt-btn][data-question=sides][data-key=front]')?.getAttribute('aria-checked')).toBe('true');
    // the rating has no hotkeys of its own: 1–9 are taken by the class, so it is clicked
    $('[data-testid=rating-step][data-step="4"]')!.click();
    type($('[data-testid=text-input]')!, ' 粤B12345 ');
    type($('[data-testid=number-input]')!, '12.5');
    await settle();
    // required questions answered: Enter gives the answer
    press('Enter');
    await settle();
    expect(got).toEqual([{ class: 'car', sides: ['front', 'side'], stars: 4, plate: '粤B12345', price: 12.5 }]);
  });

  it('names each problem at its question and gives nothing until they are fixed', async () => {
    const got: FormAnswer[] = [];
    await act(() => render(<TemplateForm template={shopTemplate()} item={item} narrow={false} onSubmit={(a) => got.push(a)} />, root));
    press('1');
    await settle();
    type($('[data-testid=text-input]')!, '粤B123456789');
    type($('[data-testid=number-input]')!, '2000');
    await settle();
    expect($('[data-testid=text-count]')?.textContent).toBe('11/10 字');
    expect($('[data-testid=text-count]')?.classList.contains('over')).toBe(true);
    $('[data-testid=q-submit]')!.click();
    await settle();
    expect(got).toEqual([]);
    const problems = Object.fromEntries($$('[data-testid=q-card]').filter((c) => c.querySelector('[data-testid=q-problem]')).map((c) => [c.dataset.question, c.querySelector('[data-testid=q-problem]')!.textContent]));
    expect(problems).toEqual({ stars: '这一题要回答', plate: '太长了：11 个字，最多 10 个', price: '在 0 到 1000 之间' });
    // a bike hides the plate: its too-long answer no longer counts and is dropped
    press('2');
    $('[data-testid=rating-step][data-step="2"]')!.click();
    type($('[data-testid=number-input]')!, '3.5');
    await settle();
    $('[data-testid=q-submit]')!.click();
    await settle();
    expect(got).toEqual([{ class: 'bike', stars: 2, price: 3.5 }]);
  });

  it('shows a picture once: a field every question of which draws on it is left to the drawing', async () => {
    const field = { name: 'image', kind: 'image' as const, title_zh: '图片' };
    const polygon = { key: 'outline', kind: 'polygon' as const, title_zh: '描边', field: 'image', options: [{ key: 'road', name_zh: '路' }] };
    const only = { layout: 'one' as const, fields: [field], questions: [polygon] };
    await act(() => render(<TemplateForm template={only} item={item} narrow={false} onSubmit={() => {}} />, root));
    await settle();
    expect($$('[data-testid=tpl-field]')).toHaveLength(0);
    render(null, root);
    // a choice about the same picture still wants it beside the questions
    const choice = { key: 'kind', kind: 'choice' as const, title_zh: '路况', field: 'image', options: [{ key: 'dry', name_zh: '干' }, { key: 'wet', name_zh: '湿' }] };
    const both = { ...only, questions: [choice, polygon] };
    await act(() => render(<TemplateForm template={both} item={item} narrow={false} onSubmit={() => {}} />, root));
    await settle();
    expect($$('[data-testid=tpl-field]').map((f) => f.dataset.field)).toEqual(['image']);
  });
});

describe('the template form (phone)', () => {
  it('asks one question at a time with a dot each; a tap moves on; Back and Next', async () => {
    const got: FormAnswer[] = [];
    await act(() => render(<TemplateForm template={shopTemplate()} item={item} narrow onSubmit={(a) => got.push(a)} />, root));
    const shown = () => $$('[data-testid=q-card]').map((c) => c.dataset.question);
    expect(shown()).toEqual(['class']);
    expect($$('[data-testid=q-dot]').length).toBe(4);
    $('[data-testid=q-next]')!.click(); // required: stays, says so
    await settle();
    expect(shown()).toEqual(['class']);
    expect($('[data-testid=q-problem]')?.textContent).toBe('这一题要回答');
    $('[data-testid=opt-btn][data-key=car]')!.click();
    await settle();
    expect(shown()).toEqual(['sides']);
    expect($$('[data-testid=q-dot]').length).toBe(6);
    $('[data-testid=opt-btn][data-key=side]')!.click();
    await settle();
    expect(shown()).toEqual(['sides']); // several may be picked
    $('[data-testid=q-back]')!.click();
    await settle();
    expect(shown()).toEqual(['class']);
    expect($('[data-testid=opt-btn][data-key=car]')?.getAttribute('aria-pressed')).toBe('true');
    $('[data-testid=q-next]')!.click();
    await settle();
    $('[data-testid=q-next]')!.click();
    await settle();
    expect(shown()).toEqual(['stars']);
    $('[data-testid=rating-step][data-step="5"]')!.click();
    await settle();
    expect(shown()).toEqual(['plate']);
    $('[data-testid=q-next]')!.click(); // optional: may stay blank
    await settle();
    type($('[data-testid=number-input]')!, '99');
    await settle();
    $('[data-testid=q-next]')!.click();
    await settle();
    expect(shown()).toEqual(['objects']);
    $('[data-testid=q-submit]')!.click();
    await settle();
    expect(got).toEqual([{ class: 'car', sides: ['side'], stars: 5, price: 99 }]);
  });
});

describe('the workbench with a template order', () => {
  const user = { id: 5, username: null, display_name: '王芳', role: 'annotator' as const, centre_id: 1, org_id: null, skill_level: 'trainee' as const };
  it('sends the whole answer object through the outbox, and skips with a reason', async () => {
    const assignment: Assignment = {
      id: 41,
      lease_expires_at: Date.now() + 600_000,
      order: { id: 9, name: '店铺照片', task_type: 'template', labels: [], instructions: '', instruction_examples: [], piece_rate_fen: 10, template: shopTemplate() },
      items: [100, 101].map((id) => ({ item_id: id, kind: 'image', thumb_url: null, screen_url: `/s${id}`, text: null, width: 200, height: 100, answer: null, skip_reason: null })),
    };
    const calls: { key: string; body: any }[] = [];
    let next = 0;
    setFetch(async (url, init) => {
      const key = `${init?.method ?? 'GET'} ${String(url)}`;
      calls.push({ key, body: init?.body ? JSON.parse(String(init.body)) : undefined });
      const reply = (s: number, b: unknown) => new Response(JSON.stringify(b), { status: s, headers: { 'Content-Type': 'application/json' } });
      if (key === 'GET /api/v1/work/next') return reply(200, next++ === 0 ? { status: 'assigned', assignment } : { status: 'nothing', reason: 'all_done' });
      if (key === 'POST /api/v1/work/labels') return reply(200, { label_id: 1, status: 'stored', item_state: 'open' });
      if (key === 'POST /api/v1/work/assignments/41/submit') return reply(200, { id: 41, state: 'submitted', lease_expires_at: 0 });
      return reply(404, { error: { code: 'not_found', message: '' } });
    });
    const onHome = vi.fn();
    await act(() => render(<Workbench user={user} initial={null} onHome={onHome} />, root));
    await settle();
    expect($('[data-testid=template-form]')).toBeTruthy();
    press('1');
    await settle();
    $('[data-testid=rating-step][data-step="3"]')!.click();
    await settle();
    press('Enter');
    await settle(12);
    expect($('[data-testid=work]')?.getAttribute('data-item-id')).toBe('101');
    $('[data-testid=skip]')!.click();
    await settle();
    $('[data-testid=skip-unclear]')!.click();
    await settle(20);
    const posted = calls.filter((c) => c.key === 'POST /api/v1/work/labels').map((c) => c.body);
    expect(posted.map((b) => [b.item_id, b.answer ?? b.skip])).toEqual([
      [100, { class: 'car', stars: 3 }],
      [101, 'unclear'],
    ]);
    expect(onHome).toHaveBeenCalledWith('all_done');
  });
});

describe('the outbox and a template answer', () => {
  it('keeps the whole answer object in IndexedDB across a reload and sends it as it was', async () => {
    const factory = new IDBFactory();
    const answer = { class: 'car', sides: ['front'], stars: 4, plate: '粤B12345', price: 12.5, objects: [{ label: 'person', x: 1, y: 2, w: 30, h: 20, attributes: { occluded: true, pose: 'sitting' } }] };
    const offline = async (): Promise<SendOutcome> => ({ kind: 'retry', error: new Error('offline') as never });
    const first = new Outbox(idbStore(factory, 'tpl-test'), offline);
    await first.load();
    first.setUser(1);
    await first.enqueueLabel(1, { client_uuid: uuid(), assignment_id: 7, item_id: 3, answer: answer as unknown as Answer, duration_ms: 900 });
    await first.flush();
    first.stop();
    // the page is closed; a new one opens the same store
    const got: OutboxEntry[] = [];
    const second = new Outbox(idbStore(factory, 'tpl-test'), async (e) => {
      got.push(e);
      return { kind: 'ok', result: { label_id: 1, status: 'stored', item_state: 'open' } };
    });
    await second.load();
    second.setUser(1);
    expect(second.queuedAnswers(7).get(3)?.answer).toEqual(answer);
    await second.flush();
    expect(got.length).toBe(1);
    expect(got[0].body).toMatchObject({ item_id: 3, answer });
  });
});

describe('layouts', () => {
  const two = (layout: 'swipe' | 'side_by_side' | 'stacked') => ({
    layout,
    fields: [
      { name: 'before', kind: 'image' as const, title_zh: '之前', title_en: 'Before' },
      { name: 'after', kind: 'image' as const, title_zh: '之后', title_en: 'After' },
    ],
    questions: [{ key: 'same', kind: 'choice', title_zh: '一样吗', options: [{ key: 'y', name_zh: '一样', hotkey: 'y' }, { key: 'n', name_zh: '不一样', hotkey: 'n' }] }],
  });
  const pair = { fields: [{ name: 'before', kind: 'image' as const, screen_url: '/b' }, { name: 'after', kind: 'image' as const, screen_url: '/a' }] };
  it('swipes between two pictures by the button or the Space key', async () => {
    await act(() => render(<TemplateForm template={two('swipe')} item={pair} narrow={false} onSubmit={() => {}} />, root));
    const shown = () => $$('[data-testid=tpl-field]').map((f) => f.dataset.field);
    expect(shown()).toEqual(['before']);
    $('[data-testid=tpl-flip]')!.click();
    await settle();
    expect(shown()).toEqual(['after']);
    press(' ');
    await settle();
    expect(shown()).toEqual(['before']);
    expect($('figcaption')?.textContent).toBe('之前');
  });
  it('shows both side by side or stacked', async () => {
    for (const layout of ['side_by_side', 'stacked'] as const) {
      await act(() => render(<TemplateForm key={layout} template={two(layout)} item={pair} narrow={false} onSubmit={() => {}} />, root));
      expect($$('[data-testid=tpl-field]').map((f) => f.querySelector('img')?.getAttribute('src'))).toEqual(['/b', '/a']);
      expect($('[data-testid=tpl-fields]')?.dataset.layout).toBe(layout);
    }
  });
});
