// A ranking's and a rubric's digit keys reach the current question only, through the template
// form (as a pairwise question's do): two such questions on one item do not both take a key,
// and a key typed in a text box is a character, not an answer.
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setLang } from '../i18n';
import { TemplateForm } from '../pages/work/TemplateForm';
import { rankingKey } from './ranking';
import { rubricKey } from './rubric';
import type { FormAnswer, Question, Template } from './types';

let root: HTMLElement;
const $ = (sel: string) => root.querySelector(sel) as HTMLElement | null;
async function settle(n = 6) {
  for (let i = 0; i < n; i++)
    await act(async () => {
      await new Promise((r) => setTimeout(r, 0));
    });
}
function press(key: string, target: EventTarget = window, ctrlKey = false) {
  target.dispatchEvent(new KeyboardEvent('keydown', { key, ctrlKey, bubbles: true, cancelable: true }));
}

const fields = [
  { name: 'prompt', kind: 'conversation' as const, text: JSON.stringify([{ role: 'user', content: '1 + 1 = ?' }]) },
  { name: 'response_1', kind: 'markdown' as const, text: '**2**' },
  { name: 'response_2', kind: 'markdown' as const, text: '是 2。' },
];
const item = { kind: 'text', text: null, fields };
const rank: Question = { key: 'rank', kind: 'ranking', title_zh: '排序', settings: { rank: ['response_1', 'response_2'] } };
const grade: Question = {
  key: 'grade',
  kind: 'rubric',
  title_zh: '打分',
  options: [
    { key: 'helpful', name_zh: '有用' },
    { key: 'correct', name_zh: '正确' },
  ],
  settings: { max: 5 },
};
const note: Question = { key: 'note', kind: 'text', title_zh: '备注', required: false };
const template: Template = {
  layout: 'stacked',
  fields: fields.map((f) => ({ name: f.name, kind: f.kind })),
  questions: [rank, grade, note],
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

describe('digit keys of a ranking and a rubric', () => {
  it('are pure: the current answer and a key give the next answer', () => {
    expect(rankingKey(rank, undefined, '2')).toEqual({ order: [['response_2']] });
    expect(rankingKey(rank, { order: [['response_2']] }, '1')).toEqual({ order: [['response_2'], ['response_1']] });
    expect(rankingKey(rank, { order: [['response_2']] }, 'u')).toBeNull();
    expect(rankingKey(rank, undefined, 'u')).toBeUndefined();
    expect(rankingKey(rank, { order: [['response_2'], ['response_1']] }, 'undo')).toEqual({ order: [['response_2']] });
    expect(rankingKey(rank, undefined, '3')).toBeUndefined();
    expect(rubricKey(grade, undefined, '4')).toEqual({ helpful: 4 });
    expect(rubricKey(grade, { helpful: 4 }, '2')).toEqual({ helpful: 4, correct: 2 });
    expect(rubricKey(grade, { helpful: 4, correct: 2 }, '1')).toBeUndefined();
    expect(rubricKey(grade, undefined, '6')).toBeUndefined();
  });

  it('go to the current question only, and never while typing', async () => {
    const got: FormAnswer[] = [];
    await act(() => render(<TemplateForm template={template} item={item} narrow={false} onSubmit={(a) => got.push(a)} />, root));
    // The ranking is first: 2 then 1 rank it; the rubric took neither key.
    press('2');
    await settle();
    expect($('[data-testid=rubric-step][data-step="2"][aria-checked=true]')).toBeNull();
    // Ctrl+Z takes the last place back while the ranking is the current question.
    press('z', window, true);
    await settle();
    expect($('[data-testid=rank-card][data-field=response_2]')!.dataset.rank).toBe('');
    press('2');
    press('1');
    await settle();
    expect($('[data-testid=rank-card][data-field=response_2]')!.dataset.rank).toBe('1');
    expect($('[data-testid=rank-card][data-field=response_1]')!.dataset.rank).toBe('2');
    expect($('[data-testid=rubric-step][aria-checked=true]')).toBeNull();
    // Now the rubric is current: 4 and 3 rate its axes, the ranking stays as it is.
    press('4');
    press('3');
    await settle();
    expect($('[data-testid=rubric-step][data-axis=helpful][data-step="4"]')!.getAttribute('aria-checked')).toBe('true');
    expect($('[data-testid=rubric-step][data-axis=correct][data-step="3"]')!.getAttribute('aria-checked')).toBe('true');
    expect($('[data-testid=rank-card][data-field=response_1]')!.dataset.rank).toBe('2');
    // A digit typed into the note is a character.
    const box = root.querySelector('textarea, input[type=text], input:not([type])') as HTMLElement;
    expect(box).not.toBeNull();
    press('5', box);
    await settle();
    expect($('[data-testid=rubric-step][data-step="5"][aria-checked=true]')).toBeNull();
    press('Enter');
    await settle();
    expect(got).toEqual([{ rank: { order: [['response_2'], ['response_1']] }, grade: { helpful: 4, correct: 3 } }]);
  });
});
