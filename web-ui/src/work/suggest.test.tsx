// Model suggestions on the work screen: the item opens with the model's answer chosen or drawn
// and marked as the model's; Enter or "accept" takes it as it is; any change is a fix and the
// mark goes; "clear" starts from nothing; the label names the suggestion it was shown, through
// the IndexedDB outbox; training says at once when a wrong suggestion was accepted.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, setFetch } from '../api';
import { setLang } from '../i18n';
import { Workbench } from '../pages/work/Workbench';
import { FeedbackPanel } from '../pages/work/FeedbackPanel';
import { TemplateForm } from '../pages/work/TemplateForm';
import { shopTemplate } from '../kinds/examples';
import type { FormAnswer } from '../kinds/types';
import { idbStore, Outbox, type OutboxEntry, type SendOutcome } from './outbox';
import { uuid } from '../util';
import { inSuggestionOrder, sameAnswer } from './unit';
import type { Assignment, LabelBody, OrderBrief, TaskType, WorkItem } from './types';

const user = { id: 5, username: null, display_name: '王芳', role: 'annotator' as const, centre_id: 1, org_id: null, skill_level: 'trainee' as const };

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

const labels = [
  { key: 'good', name_zh: '好评', name_en: 'Good', colour: '#2e7d32', hotkey: '1', examples: [] },
  { key: 'bad', name_zh: '差评', name_en: 'Bad', colour: '#c62828', hotkey: '2', examples: [] },
  { key: 'neutral', name_zh: '一般', name_en: 'So-so', colour: '#616161', hotkey: '3', examples: [] },
];

function item(i: number, suggestion?: WorkItem['suggestion']): WorkItem {
  return {
    item_id: 100 + i,
    kind: 'image',
    thumb_url: `/api/v1/media/i${i}/thumb`,
    screen_url: `/api/v1/media/i${i}/screen`,
    text: null,
    width: 480,
    height: 360,
    answer: null,
    skip_reason: null,
    ...(suggestion ? { suggestion } : {}),
  };
}

function assignment(task: TaskType, items: WorkItem[], training = false): Assignment {
  return {
    id: 41,
    lease_expires_at: Date.now() + 600_000,
    training,
    order: { id: 4, name: '检查', task_type: task, labels, instructions: '', instruction_examples: [], piece_rate_fen: 4 },
    items,
  };
}

let root: HTMLElement;
let calls: { key: string; body: any }[];
let routes: Record<string, (body: any) => [number, unknown]>;

async function settle(n = 8) {
  for (let i = 0; i < n; i++)
    await act(async () => {
      await new Promise((r) => setTimeout(r, 0));
    });
}

function press(key: string) {
  window.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }));
}

const $ = (sel: string) => root.querySelector(sel);
const $$ = (sel: string) => [...root.querySelectorAll(sel)];
const posted = () => calls.filter((c) => c.key === 'POST /api/v1/work/labels').map((c) => c.body as LabelBody);

async function open(a: Assignment) {
  let next = 0;
  routes['GET /api/v1/work/next'] = () => (next++ === 0 ? [200, { status: 'assigned', assignment: a }] : [200, { status: 'nothing', reason: 'all_done' }]);
  routes['POST /api/v1/work/labels'] = () => [200, { label_id: 1, status: 'stored', item_state: 'open' }];
  routes[`POST /api/v1/work/assignments/${a.id}/submit`] = () => [200, { id: a.id, state: 'submitted', lease_expires_at: 0 }];
  await act(() => render(<Workbench user={user} initial={null} onHome={() => {}} />, root));
  await settle();
}

beforeEach(() => {
  setLang('zh-CN');
  root = document.createElement('div');
  document.body.appendChild(root);
  calls = [];
  routes = {};
  setFetch(async (url, init) => {
    const key = `${init?.method ?? 'GET'} ${String(url)}`;
    const body = init?.body ? JSON.parse(String(init.body)) : undefined;
    calls.push({ key, body });
    const h = routes[key];
    if (!h) return json(404, { error: { code: 'not_found', message: 'no route' } });
    const [status, out] = h(body);
    return json(status, out);
  });
});

afterEach(() => {
  render(null, root);
  root.remove();
});

describe('check and fix: one choice', () => {
  it('opens with the model’s label chosen and marked; Enter accepts it, another label rejects it, and each label names the suggestion', async () => {
    await open(
      assignment('text_classification', [
        item(0, { id: 7, answer: { label: 'bad' }, model: 'nb-words', model_version: 'v1', score: 0.834 }),
        item(1, { id: 8, answer: { label: 'good' }, model: 'nb-words', model_version: 'v1', score: null }),
        item(2),
      ]),
    );
    expect($('[data-testid=work]')?.getAttribute('data-item-id')).toBe('100');
    const bad = $('[data-testid=label-btn][data-key=bad]')!;
    expect(bad.getAttribute('aria-pressed')).toBe('true');
    expect(bad.getAttribute('data-model')).toBe('true');
    expect(bad.querySelector('[data-testid=model-badge]')).not.toBeNull();
    expect($('[data-testid=label-btn][data-key=good]')!.getAttribute('data-model')).toBeNull();
    // the robot mark with the model's score
    expect($('[data-testid=suggestion-bar] [data-testid=model-badge]')!.textContent).toContain('83%');
    expect($('[data-testid=sug-accept]')!.getAttribute('aria-keyshortcuts')).toBe('Enter');
    press('Enter');
    await settle();
    expect($('[data-testid=work]')?.getAttribute('data-item-id')).toBe('101');
    // the second item's suggestion is wrong: another label is the annotator's answer
    expect($('[data-testid=label-btn][data-key=good]')!.getAttribute('data-model')).toBe('true');
    press('3');
    await settle();
    expect($('[data-testid=work]')?.getAttribute('data-item-id')).toBe('102');
    // no suggestion: no mark, no accept, and Enter does nothing
    expect($('[data-testid=suggestion-bar]')).toBeNull();
    expect($('[data-testid=suggestion-changed]')).toBeNull();
    expect($$('[data-model=true]')).toHaveLength(0);
    press('Enter');
    await settle();
    expect(posted()).toHaveLength(2);
    press('1');
    await settle(20);
    expect(posted().map((b) => [b.item_id, b.answer, b.suggestion_id])).toEqual([
      [100, { label: 'bad' }, 7],
      [101, { label: 'neutral' }, 8],
      [102, { label: 'good' }, undefined],
    ]);
    expect('suggestion_id' in posted()[2]).toBe(false);
  });

  it('the accept button takes it as it is; clear starts from nothing but the label still names what was shown', async () => {
    await open(
      assignment('single_choice', [
        item(0, { id: 9, answer: { label: 'neutral' }, model: 'm', score: 0.5 }),
        item(1, { id: 10, answer: { label: 'neutral' }, model: 'm', score: 0.5 }),
      ]),
    );
    (root.querySelector('[data-testid=sug-accept]') as HTMLButtonElement).click();
    await settle();
    expect($('[data-testid=work]')?.getAttribute('data-item-id')).toBe('101');
    (root.querySelector('[data-testid=sug-clear]') as HTMLButtonElement).click();
    await settle();
    expect($('[data-testid=suggestion-bar]')).toBeNull();
    expect($$('[data-testid=label-btn][aria-pressed=true]')).toHaveLength(0);
    // Enter no longer accepts anything: the item is the annotator's to answer
    press('Enter');
    await settle();
    expect(posted()).toHaveLength(1);
    press('2');
    await settle(20);
    expect(posted().map((b) => [b.answer, b.suggestion_id])).toEqual([
      [{ label: 'neutral' }, 9],
      [{ label: 'bad' }, 10],
    ]);
  });
});

describe('check and fix: several labels', () => {
  it('starts ticked as the model said; a change is a fix and the mark goes; ticking back brings it again', async () => {
    await open(assignment('multi_label', [item(0, { id: 11, answer: { labels: ['good', 'neutral'] }, model: 'm', score: 0.9 })]));
    const ticked = () => $$('[data-testid=label-btn][aria-pressed=true]').map((b) => b.getAttribute('data-key'));
    expect(ticked()).toEqual(['good', 'neutral']);
    expect($('[data-testid=suggestion-bar]')).not.toBeNull();
    press('3');
    await settle();
    expect(ticked()).toEqual(['good']);
    expect($('[data-testid=suggestion-bar]')).toBeNull();
    // the bar's place is kept, saying the answer is the annotator's now
    expect($('[data-testid=suggestion-changed]')!.textContent).toContain('已改成你的答案');
    expect($$('[data-model=true]')).toHaveLength(0);
    // ticked back in another order: the model's answer again, sent in its own order
    press('3');
    await settle();
    expect($('[data-testid=suggestion-bar]')).not.toBeNull();
    press('Enter');
    await settle(20);
    expect(posted().map((b) => [b.answer, b.suggestion_id])).toEqual([[{ labels: ['good', 'neutral'] }, 11]]);
  });
});

describe('check and fix: boxes', () => {
  beforeEach(() => {
    vi.spyOn(HTMLElement.prototype, 'getBoundingClientRect').mockReturnValue({ x: 0, y: 0, left: 0, top: 0, width: 960, height: 720, right: 960, bottom: 720, toJSON: () => ({}) } as DOMRect);
  });
  afterEach(() => vi.restoreAllMocks());
  it('opens with the model’s boxes drawn and marked; clear removes them; accept sends them as the model drew them', async () => {
    const boxes = [
      { label: 'good', x: 10, y: 20, w: 100, h: 80 },
      { label: 'bad', x: 200, y: 100, w: 50.5, h: 60 },
    ];
    await open(
      assignment('bbox', [
        item(0, { id: 12, answer: { boxes }, model: 'bbox-pixels', model_version: 'v1', score: 0.7 }),
        item(1, { id: 13, answer: { boxes }, model: 'bbox-pixels', model_version: 'v1', score: 0.7 }),
      ]),
    );
    const drawn = () => $$('[data-testid=box]').map((b) => [b.getAttribute('data-label'), Number(b.getAttribute('data-x')), Number(b.getAttribute('data-w'))]);
    expect(drawn()).toEqual([
      ['good', 10, 100],
      ['bad', 200, 50.5],
    ]);
    expect($('svg.box-svg')!.getAttribute('data-model')).toBe('true');
    expect($('[data-testid=box]')!.textContent).toContain('🤖');
    (root.querySelector('[data-testid=sug-clear]') as HTMLButtonElement).click();
    await settle();
    expect(drawn()).toEqual([]);
    expect($('[data-testid=suggestion-bar]')).toBeNull();
    expect($('svg.box-svg')?.getAttribute('data-model') ?? null).toBeNull();
    // back to the model's boxes on the next item, which are taken as they are
    (root.querySelector('[data-testid=skip]') as HTMLButtonElement).click();
    await settle();
    (root.querySelector('[data-testid=skip-unclear]') as HTMLButtonElement).click();
    await settle();
    expect($('[data-testid=work]')?.getAttribute('data-item-id')).toBe('101');
    expect(drawn()).toHaveLength(2);
    // back on the skipped one: the skip stands, no model boxes come back
    press('ArrowLeft');
    await settle();
    expect($('[data-testid=work]')?.getAttribute('data-item-id')).toBe('100');
    expect(drawn()).toEqual([]);
    expect($('[data-testid=suggestion-changed]')).not.toBeNull();
    press('ArrowRight');
    await settle();
    expect($('[data-testid=work]')?.getAttribute('data-item-id')).toBe('101');
    expect(drawn()).toHaveLength(2);
    (root.querySelector('[data-testid=sug-accept]') as HTMLButtonElement).click();
    await settle(20);
    expect(posted().map((b) => [b.item_id, b.skip ?? b.answer, b.suggestion_id])).toEqual([
      [100, 'unclear', 12],
      [101, { boxes }, 13],
    ]);
  });

  it('a box deleted is a change: the model’s mark goes and Enter gives the annotator’s boxes', async () => {
    const boxes = [
      { label: 'good', x: 10, y: 20, w: 100, h: 80 },
      { label: 'bad', x: 200, y: 100, w: 50, h: 60 },
    ];
    await open(assignment('bbox', [item(0, { id: 14, answer: { boxes }, model: 'bbox-pixels', score: 0.7 })]));
    (root.querySelectorAll('[data-testid=box-delete]')[1] as HTMLButtonElement).click();
    await settle();
    expect($('[data-testid=suggestion-bar]')).toBeNull();
    expect($('[data-testid=suggestion-changed]')).not.toBeNull();
    expect($('svg.box-svg')?.getAttribute('data-model') ?? null).toBeNull();
    press('Enter');
    await settle(20);
    expect(posted().map((b) => [b.answer, b.suggestion_id])).toEqual([[{ boxes: [boxes[0]] }, 14]]);
  });
});

describe('check and fix: a template', () => {
  it('opens with the model’s answers to its questions, each marked; a changed one loses its mark; Enter accepts; clear starts over', async () => {
    const got: FormAnswer[] = [];
    const cleared = vi.fn();
    const sug = { id: 20, answer: { class: 'car', stars: 4 } as never, model: 'm', score: 0.75 };
    const form = (s: typeof sug | null) => (
      <TemplateForm
        template={shopTemplate()}
        item={item(0)}
        narrow={false}
        initial={s ? (s.answer as FormAnswer) : null}
        suggestion={s}
        hadSuggestion
        onClearSuggestion={cleared}
        onSubmit={(a) => got.push(a)}
      />
    );
    await act(() => render(form(sug), root));
    await settle();
    const marked = () => $$('[data-testid=q-card].model').map((c) => c.getAttribute('data-question'));
    expect(marked()).toEqual(['class', 'stars']);
    expect($('[data-question=class] [data-testid=model-badge]')!.textContent).toContain('75%');
    expect($('[data-testid=opt-btn][data-question=class][data-key=car]')!.getAttribute('aria-pressed')).toBe('true');
    // the rating changed: that question is the annotator's now; the class still the model's
    ($('[data-testid=rating-step][data-step="2"]') as HTMLElement).click();
    await settle();
    expect(marked()).toEqual(['class']);
    expect($('[data-testid=suggestion-bar]')).not.toBeNull();
    (root.querySelector('[data-testid=sug-clear]') as HTMLButtonElement).click();
    expect(cleared).toHaveBeenCalledOnce();
    press('Enter');
    await settle();
    expect(got).toEqual([{ class: 'car', stars: 2 }]);
    // opened again without it (cleared): nothing chosen, the bar's place kept
    render(null, root);
    await act(() => render(form(null), root));
    await settle();
    expect(marked()).toEqual([]);
    expect($('[data-testid=suggestion-changed]')).not.toBeNull();
    expect($$('[data-testid=opt-btn][aria-pressed=true]')).toHaveLength(0);
  });
});

describe('check and fix: the outbox', () => {
  it('keeps the suggestion id through IndexedDB: a retry after a reload sends the same body', async () => {
    const factory = new IDBFactory();
    const got: OutboxEntry[] = [];
    let down = true;
    const send = async (e: OutboxEntry): Promise<SendOutcome> => {
      if (down) return { kind: 'retry', error: new ApiError(0, 'network', 'offline') };
      got.push(e);
      return { kind: 'ok', result: { label_id: 1, status: 'stored', item_state: 'open' } };
    };
    const first = new Outbox(idbStore(factory, 'sug-test'), send);
    first.setUser(3);
    const body: LabelBody = { client_uuid: uuid(), assignment_id: 7, item_id: 9, answer: { label: 'bad' }, duration_ms: 800, suggestion_id: 55 };
    await first.enqueueLabel(3, body);
    await first.flush();
    first.stop();
    down = false;
    const second = new Outbox(idbStore(factory, 'sug-test'), send);
    await second.load();
    second.setUser(3);
    await second.flush();
    expect(got.map((e) => e.body)).toEqual([body]);
    expect(got[0].body?.suggestion_id).toBe(55);
  });
});

describe('check and fix: training', () => {
  it('says at once, with the robot and a sound, that the model was wrong and was accepted', async () => {
    const played = vi.fn();
    class FakeCtx {
      state = 'running';
      currentTime = 0;
      destination = {};
      createOscillator() {
        played();
        return { type: '', frequency: { value: 0 }, connect: (g: unknown) => g, start() {}, stop() {} };
      }
      createGain() {
        return { gain: { setValueAtTime() {}, exponentialRampToValueAtTime() {} }, connect: (d: unknown) => d };
      }
    }
    vi.stubGlobal('AudioContext', FakeCtx);
    const order = { id: 1, name: '练习', task_type: 'single_choice', labels, instructions: '', instruction_examples: [], piece_rate_fen: 0 } as OrderBrief;
    act(() => render(
      <FeedbackPanel
        order={order}
        item={item(0)}
        given={{ answer: { label: 'bad' }, skip: null }}
        result={{ correct: false, answer: { label: 'good' }, accepted_wrong_suggestion: true }}
        arrived
        onNext={() => {}}
      />,
      root,
    ));
    const note = $('[data-testid=feedback-model-wrong]')!;
    expect(note.textContent).toContain('模型建议是错的，先看清再接受');
    expect(note.getAttribute('role')).toBe('alert');
    expect(played).toHaveBeenCalled();
    vi.unstubAllGlobals();
    setLang('en');
    render(null, root);
    render(
      <FeedbackPanel order={order} item={item(0)} given={{ answer: { label: 'bad' }, skip: null }} result={{ correct: false, answer: { label: 'good' } }} arrived onNext={() => {}} />,
      root,
    );
    expect($('[data-testid=feedback-model-wrong]')).toBeNull();
  });
});

describe('answers compared for the mark', () => {
  it('numbers as numbers, labels in any order, objects key by key', () => {
    expect(sameAnswer({ boxes: [{ x: 10, y: 1 }] }, { boxes: [{ y: 1, x: 10.0 }] })).toBe(true);
    expect(sameAnswer({ labels: ['a', 'b'] }, { labels: ['b', 'a'] })).toBe(true);
    expect(sameAnswer({ labels: ['a'] }, { labels: ['a', 'b'] })).toBe(false);
    expect(sameAnswer({ label: 'a' }, { label: 'b' })).toBe(false);
    const s = { id: 1, answer: { labels: ['b', 'a'] }, model: 'm' };
    expect(inSuggestionOrder(['a', 'b'], s)).toEqual(['b', 'a']);
    expect(inSuggestionOrder(['a'], s)).toEqual(['a']);
  });
});
