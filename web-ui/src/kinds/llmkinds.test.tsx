import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setLang } from '../i18n';
import { TemplateForm } from '../pages/work/TemplateForm';
import { checkTemplate, cleanTemplate, newQuestion } from './builder';
import { KINDS } from './index';
import { isFull, moveTo, tap } from './ranking';
import type { FormAnswer, Template } from './types';

let root: HTMLElement;
const $ = (sel: string) => root.querySelector(sel) as HTMLElement | null;
const $$ = (sel: string) => [...root.querySelectorAll(sel)] as HTMLElement[];
async function settle(n = 6) {
  for (let i = 0; i < n; i++)
    await act(async () => {
      await new Promise((r) => setTimeout(r, 0));
    });
}
function press(key: string, ctrl = false) {
  window.dispatchEvent(new KeyboardEvent('keydown', { key, ctrlKey: ctrl, bubbles: true, cancelable: true }));
}

const fields = [
  { name: 'prompt', kind: 'conversation' as const, text: JSON.stringify([{ role: 'user', content: '1 + 1 = ?' }]) },
  { name: 'response_1', kind: 'markdown' as const, text: '**2**', model: 'qwen' },
  { name: 'response_2', kind: 'markdown' as const, text: '是 2。' },
  { name: 'response_3', kind: 'markdown' as const, text: '不知道' },
];
const item = { kind: 'text', text: null, fields };

function rankTemplate(ties = false): Template {
  return {
    layout: 'side_by_side',
    fields: fields.map((f) => ({ name: f.name, kind: f.kind, title_zh: '', title_en: '' })),
    questions: [{ key: 'rank', kind: 'ranking', title_zh: '从好到差排序', settings: { rank: ['response_1', 'response_2', 'response_3'], ties } }],
  };
}

const rubricTemplate: Template = {
  layout: 'stacked',
  fields: fields.slice(0, 2).map((f) => ({ name: f.name, kind: f.kind })),
  questions: [
    {
      key: 'grade',
      kind: 'rubric',
      title_zh: '打分',
      field: 'response_1',
      options: [
        { key: 'helpful', name_zh: '有用', name_en: 'Helpful' },
        { key: 'correct', name_zh: '正确', name_en: 'Correct' },
      ],
      settings: { max: 4, steps: [{ value: 1, name_zh: '很差' }, { value: 4, name_zh: '很好' }], examples: { helpful: '回答了问题' } },
    },
  ],
};

beforeEach(() => {
  setLang('zh-CN');
  root = document.createElement('div');
  document.body.appendChild(root);
});
afterEach(() => {
  render(null, root);
  root.remove();
});

const ranks = () => Object.fromEntries($$('[data-testid=rank-card]').map((c) => [c.dataset.field, c.dataset.rank]));

describe('ranking', () => {
  it('taps give the next place, a second tap takes it back, and a whole ranking is given', async () => {
    const got: FormAnswer[] = [];
    await act(() => render(<TemplateForm template={rankTemplate()} item={item} narrow={true} onSubmit={(a) => got.push(a)} />, root));
    const card = (f: string) => $(`[data-testid=rank-card][data-field=${f}]`)!;
    expect(card('response_1').textContent).toContain('qwen');
    card('response_3').click();
    await settle();
    card('response_1').click();
    await settle();
    expect(ranks()).toEqual({ response_3: '1', response_1: '2', response_2: '' });
    // take back: response_1 leaves its place
    card('response_1').click();
    await settle();
    expect(ranks()).toEqual({ response_3: '1', response_1: '', response_2: '' });
    // an unfinished ranking is not given
    $('[data-testid=q-submit]')?.click();
    press('Enter');
    await settle();
    expect(got).toEqual([]);
    card('response_2').click();
    await settle();
    card('response_1').click();
    await settle();
    expect(ranks()).toEqual({ response_3: '1', response_2: '2', response_1: '3' });
    // the ranked cards come first, in their places
    expect($$('[data-testid=rank-card]').map((c) => c.dataset.field)).toEqual(['response_3', 'response_2', 'response_1']);
    press('Enter');
    await settle();
    const last = got[got.length - 1];
    expect(last).toEqual({ rank: { order: [['response_3'], ['response_2'], ['response_1']] } });
  });

  it('keys pick in order, U takes the last place back, and a drag reorders', async () => {
    const got: FormAnswer[] = [];
    await act(() => render(<TemplateForm template={rankTemplate()} item={item} narrow={false} onSubmit={(a) => got.push(a)} />, root));
    press('2');
    press('3');
    await settle();
    expect(ranks()).toEqual({ response_2: '1', response_3: '2', response_1: '' });
    press('u');
    await settle();
    expect(ranks()).toEqual({ response_2: '1', response_3: '', response_1: '' });
    press('1');
    press('3');
    await settle();
    press('u');
    await settle();
    expect(ranks()).toEqual({ response_2: '1', response_1: '2', response_3: '' });
    $('[data-testid=rank-undo]')!.click();
    await settle();
    expect(ranks()).toEqual({ response_2: '1', response_1: '', response_3: '' });
    // drag response_3 onto response_2: it takes the first place; the rest follow
    const drag = (from: string, to: string) => {
      const data = new Map<string, string>();
      const dt = { setData: (k: string, v: string) => data.set(k, v), getData: (k: string) => data.get(k) ?? '' };
      const ev = (type: string) => Object.assign(new Event(type, { bubbles: true, cancelable: true }), { dataTransfer: dt });
      $(`[data-testid=rank-card][data-field=${from}]`)!.dispatchEvent(ev('dragstart'));
      $(`[data-testid=rank-card][data-field=${to}]`)!.dispatchEvent(ev('drop'));
    };
    drag('response_3', 'response_2');
    await settle();
    expect(ranks()).toEqual({ response_3: '1', response_2: '2', response_1: '3' });
    press('Enter');
    await settle();
    expect(got).toEqual([{ rank: { order: [['response_3'], ['response_2'], ['response_1']] } }]);
  });

  it('ties with "same as last" only where the ranking allows them', async () => {
    const got: FormAnswer[] = [];
    await act(() => render(<TemplateForm template={rankTemplate(true)} item={item} narrow={true} onSubmit={(a) => got.push(a)} />, root));
    $('[data-testid=rank-card][data-field=response_2]')!.click();
    await settle();
    $('[data-testid=rank-card][data-field=response_1]')!.click();
    await settle();
    $('[data-testid=rank-same]')!.click();
    await settle();
    $('[data-testid=rank-card][data-field=response_3]')!.click();
    await settle();
    expect(ranks()).toEqual({ response_2: '1', response_1: '2', response_3: '2' });
    press('Enter');
    await settle();
    expect(got[got.length - 1]).toEqual({ rank: { order: [['response_2'], ['response_1', 'response_3']] } });
    render(null, root);
    await act(() => render(<TemplateForm template={rankTemplate(false)} item={item} narrow={true} onSubmit={() => undefined} />, root));
    expect($('[data-testid=rank-same]')).toBeNull();
  });

  it('checks permutations as the server does', () => {
    const q = rankTemplate().questions[0];
    expect(isFull(q, { order: [['response_1'], ['response_2'], ['response_3']] })).toBe(true);
    expect(isFull(q, { order: [['response_1'], ['response_1'], ['response_3']] })).toBe(false);
    expect(isFull(q, { order: [['response_1', 'response_2'], ['response_3']] })).toBe(false);
    expect(isFull({ ...q, settings: { ...q.settings, ties: true } }, { order: [['response_1', 'response_2'], ['response_3']] })).toBe(true);
    expect(KINDS.ranking.check(q, { order: [['response_1']] })).toEqual({ key: 'q_rank_all', vars: { n: 3 } });
    expect(tap({ order: [['response_1']] }, 'response_1')).toBeUndefined();
    expect(moveTo(q, undefined, 'response_3', 'response_1')).toEqual({ order: [['response_3'], ['response_1'], ['response_2']] });
    expect(KINDS.ranking.text(q, { order: [['response_3'], ['response_1', 'response_2']] }, 'zh-CN')).toBe('response_3 > response_1 = response_2');
  });
});

describe('rubric', () => {
  it('rates each axis with big step buttons and their words, by tap or key', async () => {
    const got: FormAnswer[] = [];
    await act(() => render(<TemplateForm template={rubricTemplate} item={item} narrow={false} onSubmit={(a) => got.push(a)} />, root));
    expect($$('[data-testid=rubric-axis]').map((a) => a.dataset.axis)).toEqual(['helpful', 'correct']);
    const steps = $$('[data-testid=rubric-step][data-axis=helpful]');
    expect(steps.map((s) => s.textContent)).toEqual(['1很差', '2', '3', '4很好']);
    expect($('[data-testid=rubric]')!.textContent).toContain('例：回答了问题');
    press('3'); // the first axis not rated
    await settle();
    expect($('[data-testid=rubric-step][data-axis=helpful][data-step="3"]')!.getAttribute('aria-checked')).toBe('true');
    press('Enter');
    await settle();
    expect(got).toEqual([]);
    expect($('[data-testid=q-problem]')?.textContent).toBe('每一项都要打分');
    $('[data-testid=rubric-step][data-axis=correct][data-step="4"]')!.click();
    await settle();
    press('9'); // past max: nothing
    press('Enter');
    await settle();
    expect(got).toEqual([{ grade: { helpful: 3, correct: 4 } }]);
    const q = rubricTemplate.questions[0];
    expect(KINDS.rubric.check(q, { helpful: 5, correct: 1 })?.key).toBe('q_range');
    expect(KINDS.rubric.text(q, { helpful: 3, correct: 4 }, 'zh-CN')).toBe('helpful=3; correct=4');
  });
});

describe('the builder', () => {
  it('makes a ranking of the response fields and a rubric with axes and words', () => {
    const t: Template = { layout: 'side_by_side', fields: rankTemplate().fields, questions: [] };
    const r = newQuestion(t, 'ranking');
    r.title_zh = '排序';
    expect(r.settings).toEqual({ rank: ['response_1', 'response_2', 'response_3'], ties: false });
    const g = newQuestion({ ...t, questions: [r] }, 'rubric');
    g.title_zh = '打分';
    expect(g.options!.map((o) => o.key)).toEqual(['helpful', 'correct', 'harmless', 'fluent']);
    const done = cleanTemplate({ ...t, questions: [r, g] });
    expect(done.questions[0].settings).toEqual({ rank: ['response_1', 'response_2', 'response_3'] });
    expect(done.questions[1].settings?.max).toBe(5);
    expect(done.questions[1].settings?.steps?.length).toBe(5);
    expect(checkTemplate(done)).toBeNull();
    const wrong = { ...done, questions: [{ ...done.questions[0], settings: { rank: ['prompt', 'response_1'] } }] };
    expect(checkTemplate(wrong)?.field).toBe('template.questions[0].settings.rank[0]');
    const big = { ...done, questions: [{ ...done.questions[1], settings: { max: 11 } }] };
    expect(checkTemplate(big)?.field).toBe('template.questions[0].settings.max');
  });
});
