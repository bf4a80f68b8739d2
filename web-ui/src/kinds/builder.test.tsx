import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setFetch } from '../api';
import { setLang } from '../i18n';
import { buildSpec, emptyOrderForm, formFromSpec } from '../orders';
import { TemplateBuilder } from '../pages/client/TemplateBuilder';
import { checkTemplate, cleanTemplate, moveQuestion, newQuestion, questionOfPath, removeQuestion, starterTemplate, withKind } from './builder';
import { shopTemplate } from './examples';
import type { Template } from './types';

describe('the template builder', () => {
  it('builds a valid spec for a template order: labels empty, the template cleaned', () => {
    const f = { ...emptyOrderForm(), name: '店铺照片', task_type: 'template' as const, template: shopTemplate() };
    const out = buildSpec(f);
    if (!('spec' in out)) throw new Error(JSON.stringify(out));
    expect(out.spec.task_type).toBe('template');
    expect(out.spec.labels).toEqual([]);
    expect(out.spec.template!.questions.map((q) => q.key)).toEqual(['class', 'sides', 'stars', 'plate', 'price', 'objects']);
    expect(out.spec.template!.questions[4].settings).toEqual({ min: 0, max: 1000, step: 0.01, unit: '元', tolerance: 0.5 });
    expect(out.spec.template!.questions[0]).toMatchObject({ required: true, when: null, field: 'image' });
    expect(out.spec.template!.questions[1].when).toEqual({ question: 'class', any_of: ['car'] });
    // a boxes question pays per box too
    const withRate = buildSpec({ ...f, box_rate: '0.02', box_pay_cap: '10' });
    if (!('spec' in withRate)) throw new Error('no spec');
    expect([withRate.spec.box_rate_fen, withRate.spec.box_pay_cap]).toEqual([2, 10]);
    // and reads back into the form
    expect(formFromSpec(out.spec).template).toEqual(out.spec.template);
    // the starter template is valid as it is, once its options have names
    const s = starterTemplate();
    s.questions[0].title_zh = '是什么';
    s.questions[0].options = s.questions[0].options!.map((o, i) => ({ ...o, name_zh: '选项' + i }));
    expect(checkTemplate(cleanTemplate(s))).toBeNull();
  });

  it('names the path of the first problem, as the server does', () => {
    const broken = (f: (t: Template) => void) => {
      const t = shopTemplate();
      f(t);
      return checkTemplate(cleanTemplate(t))?.field;
    };
    expect(broken(() => {})).toBeUndefined();
    expect(broken((t) => (t.questions[0].options = []))).toBe('template.questions[0].options');
    expect(broken((t) => (t.questions[1].options![0].hotkey = '1'))).toBe('template.questions[1].options[0].hotkey');
    expect(broken((t) => (t.questions[1].when = { question: 'stars', any_of: ['s1'] }))).toBe('template.questions[1].when.question');
    expect(broken((t) => (t.questions[1].when = { question: 'class', any_of: ['boat'] }))).toBe('template.questions[1].when.any_of');
    expect(broken((t) => (t.questions[4].settings = { min: 5, max: 1 }))).toBe('template.questions[4].settings');
    expect(broken((t) => (t.questions[5].field = null))).toBe('template.questions[5].field');
    expect(broken((t) => (t.questions[1].key = 'class'))).toBe('template.questions[1].key');
    expect(broken((t) => (t.fields = []))).toBe('template.fields');
    expect(broken((t) => (t.layout = 'swipe'))).toBe('template.layout');
    expect(broken((t) => t.questions.forEach((q) => (q.required = false)))).toBe('template.questions');
    const f = { ...emptyOrderForm(), name: 'x', task_type: 'template' as const, template: shopTemplate() };
    f.template.questions[2].title_zh = ' ';
    expect(buildSpec(f)).toEqual({ problem: { field: 'template.questions[2].title_zh', key: 'err_tpl_title' } });
  });

  it('maps a path to its question', () => {
    expect(questionOfPath('template.questions[2].options')).toBe(2);
    expect(questionOfPath('template.questions[12]')).toBe(12);
    expect(questionOfPath('template.fields[0].name')).toBeNull();
    expect(questionOfPath('name')).toBeNull();
  });

  it('adds, changes kind, moves and removes questions; a removed question takes its conditions with it', () => {
    let t = shopTemplate();
    const q = newQuestion(t, 'number');
    expect(q.key).toBe('q1');
    expect(q.settings).toEqual({ min: 0, max: 100 });
    const r = withKind(q, 'rating', t);
    expect(r.options!.length).toBe(3);
    const b = withKind(q, 'boxes', t);
    expect(b.field).toBe('image');
    t = moveQuestion(t, 1, -1);
    expect(t.questions.slice(0, 2).map((x) => x.key)).toEqual(['sides', 'class']);
    expect(checkTemplate(cleanTemplate(t))?.field).toBe('template.questions[0].when.question');
    t = removeQuestion(moveQuestion(t, 0, 1), 0);
    expect(t.questions.find((x) => x.key === 'sides')!.when).toBeNull();
    expect(t.questions.find((x) => x.key === 'plate')!.when).toBeNull();
  });
});

describe('the builder page', () => {
  let root: HTMLElement;
  beforeEach(() => {
    setLang('zh-CN');
    root = document.createElement('div');
    document.body.appendChild(root);
    setFetch(async () => new Response(JSON.stringify({ items: [] }), { status: 200, headers: { 'Content-Type': 'application/json' } }));
  });
  afterEach(() => {
    render(null, root);
    root.remove();
  });
  it('shows a 422 next to the question its path names, and previews with the workbench form', async () => {
    let tpl = shopTemplate();
    const err = { field: 'template.questions[2].options', text: '问题 3 不对', detail: 'a rating has 2 to 10 steps' };
    await act(() => render(<TemplateBuilder value={tpl} onChange={(x) => (tpl = x)} error={err} datasetId={null} />, root));
    await act(async () => {
      await new Promise((r) => setTimeout(r, 0));
    });
    const cards = [...root.querySelectorAll('[data-testid=tb-question]')];
    expect(cards.length).toBe(6);
    const withError = cards.filter((c) => c.querySelector('[role=alert]'));
    expect(withError.map((c) => c.getAttribute('data-index'))).toEqual(['2']);
    expect(withError[0].textContent).toContain('a rating has 2 to 10 steps');
    // the preview is the workbench's own form
    const preview = root.querySelector('[data-testid=tb-preview] [data-testid=template-form]');
    expect(preview).toBeTruthy();
    expect([...preview!.querySelectorAll('[data-testid=q-card]')].map((c) => c.getAttribute('data-question'))).toEqual(['class', 'stars', 'price', 'objects']);
    // moving a question up changes the template
    (cards[3].querySelector('[data-testid=tb-up]') as HTMLButtonElement).click();
    expect(tpl.questions[2].key).toBe('plate');
  });
});

describe('the builder keeps typed numbers with their question', () => {
  let root: HTMLElement;
  beforeEach(() => {
    setLang('zh-CN');
    root = document.createElement('div');
    document.body.appendChild(root);
    setFetch(async () => new Response(JSON.stringify({ items: [] }), { status: 200, headers: { 'Content-Type': 'application/json' } }));
  });
  afterEach(() => {
    render(null, root);
    root.remove();
  });
  it('a moved question shows its own settings', async () => {
    let tpl: Template = shopTemplate();
    const draw = () => act(() => render(<TemplateBuilder value={tpl} onChange={(x) => ((tpl = x), void draw())} error={null} datasetId={null} />, root));
    await draw();
    const max = () => (root.querySelector('input[name=tbq4_max]') as HTMLInputElement | null)?.value;
    expect(max()).toBe('1000');
    (root.querySelectorAll('[data-testid=tb-question]')[4].querySelector('[data-testid=tb-up]') as HTMLButtonElement).click();
    await draw();
    expect(max()).toBeUndefined(); // question 5 is the text now
    expect((root.querySelector('input[name=tbq3_max]') as HTMLInputElement).value).toBe('1000');
    expect((root.querySelector('input[name=tbq4_max_chars]') as HTMLInputElement).value).toBe('10');
  });
});
