import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setLang } from '../../i18n';
import { TemplateForm } from '../../pages/work/TemplateForm';
import { checkTemplate, cleanTemplate, newQuestion } from '../builder';
import { kindOf } from '../index';
import type { Template } from '../types';
import { shownOrder, valid } from './order';
import { PairwiseReview } from './Editor';

let root: HTMLElement;
const $ = (sel: string) => root.querySelector(sel) as HTMLElement | null;
const $$ = (sel: string) => [...root.querySelectorAll(sel)] as HTMLElement[];
async function settle(n = 6) {
  for (let i = 0; i < n; i++)
    await act(async () => {
      await new Promise((r) => setTimeout(r, 0));
    });
}
function press(key: string) {
  window.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }));
}

const template: Template = {
  layout: 'side_by_side',
  fields: [
    { name: 'prompt', kind: 'conversation', title_zh: '问题' },
    { name: 'response_1', kind: 'markdown', title_zh: '回答 1' },
    { name: 'response_2', kind: 'markdown', title_zh: '回答 2' },
  ],
  questions: [
    {
      key: 'better',
      kind: 'pairwise',
      title_zh: '哪个回答更好？',
      settings: { strength: true },
      options: [
        { key: 'correct', name_zh: '正确', name_en: 'Correct' },
        { key: 'helpful', name_zh: '有用', name_en: 'Helpful' },
      ],
    },
  ],
};
const q = template.questions[0];
const item = {
  kind: 'text',
  fields: [
    { name: 'prompt', kind: 'conversation' as const, text: JSON.stringify([{ role: 'user', content: '1+1?' }]) },
    { name: 'response_1', kind: 'markdown' as const, text: '答案是 **2**', model: 'qwen' },
    { name: 'response_2', kind: 'markdown' as const, text: '答案是 3' },
  ],
};
/** A seed whose shuffle swaps the pair, and one that keeps it. */
const seedFor = (swapped: boolean) => {
  for (let i = 0; ; i++) if ((shownOrder(q, `u${i}:7`)[0] === 'response_2') === swapped) return `u${i}:7`;
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

describe('the pairwise order', () => {
  it('is the same every time for a user and item, and differs across them', () => {
    const seeds = Array.from({ length: 40 }, (_, i) => `${i}:${i * 7}`);
    for (const s of seeds) expect(shownOrder(q, s)).toEqual(shownOrder(q, s));
    const swapped = seeds.filter((s) => shownOrder(q, s)[0] === 'response_2').length;
    expect(swapped).toBeGreaterThan(5);
    expect(swapped).toBeLessThan(35);
    for (const s of seeds) expect([...shownOrder(q, s)].sort()).toEqual(['response_1', 'response_2']);
  });
  it('checks answers as the server does', () => {
    expect(valid(q, { winner: 'response_2', strength: 2, reasons: { correct: 'tie' }, shown: ['response_2', 'response_1'] })).toBe(true);
    expect(valid(q, { winner: 'response_3', shown: ['response_1', 'response_2'] })).toBe(false);
    expect(valid(q, { winner: 'tie', strength: 1, shown: ['response_1', 'response_2'] })).toBe(false);
    expect(valid(q, { winner: 'tie', shown: ['response_1', 'response_1'] })).toBe(false);
    expect(valid(q, { winner: 'tie', reasons: { style: 'tie' }, shown: ['response_1', 'response_2'] })).toBe(false);
  });
});

describe('the pairwise question on the workbench', () => {
  it('shows the answers swapped as A and B, and the answer names the field picked by hotkey', async () => {
    let given: unknown = null;
    const seed = seedFor(true);
    await act(async () => render(<TemplateForm template={template} item={item} narrow={false} seed={seed} onSubmit={(a) => (given = a)} />, root));
    await settle();
    const pair = $$('[data-testid="llm-pair"] [data-testid="tpl-field"]');
    expect(pair.map((f) => [f.dataset.field, f.dataset.side])).toEqual([
      ['response_2', 'A'],
      ['response_1', 'B'],
    ]);
    expect(pair[0].querySelector('figcaption')!.textContent).toBe('回答 A');
    expect($('[data-testid="pairwise"]')!.dataset.shown).toBe('response_2,response_1');
    press('1'); // A: the left one, response_2
    await settle();
    expect($('[data-outcome="a"]')!.getAttribute('aria-pressed')).toBe('true');
    $('[data-testid="pw-strength-btn"][data-strength="2"]')!.click();
    await settle();
    $('[data-testid="pw-reason"][data-axis="correct"][data-pick="response_2"]')!.click();
    await settle();
    press('Enter');
    await settle();
    expect(given).toEqual({ better: { winner: 'response_2', strength: 2, reasons: { correct: 'response_2' }, shown: ['response_2', 'response_1'] } });
  });

  it('keeps the order and names the field when tapped on a phone', async () => {
    let given: unknown = null;
    const seed = seedFor(false);
    await act(async () => render(<TemplateForm template={template} item={item} narrow={true} seed={seed} onSubmit={(a) => (given = a)} />, root));
    await settle();
    expect($$('[data-testid="tpl-field"]').map((f) => f.dataset.field)).toEqual(['prompt', 'response_1', 'response_2']);
    await act(async () => $('[data-outcome="b"]')!.click());
    await settle();
    await act(async () => $('[data-testid="q-submit"]')!.click());
    await settle();
    expect(given).toEqual({ better: { winner: 'response_2', shown: ['response_1', 'response_2'] } });
    // tie: strength is not asked
    render(null, root);
    await act(async () => render(<TemplateForm template={template} item={item} narrow={true} seed={seed} onSubmit={(a) => (given = a)} />, root));
    await act(async () => $('[data-outcome="tie"]')!.click());
    await settle();
    expect($('[data-testid="pw-strength"]')).toBeNull();
  });

  it('shows each annotator the lead reviews by the field they picked, not A/B', async () => {
    await act(async () =>
      render(
        <PairwiseReview
          q={q}
          lang="zh-CN"
          answers={[
            { who: '小王', colour: '#f00', value: { winner: 'response_2', strength: 2, shown: ['response_2', 'response_1'] } },
            { who: '小李', colour: '#00f', value: { winner: 'response_2', shown: ['response_1', 'response_2'] } },
            { who: '小张', colour: '#0f0', value: { winner: 'both_bad', shown: ['response_1', 'response_2'] } },
          ]}
          consensus={{ winner: 'response_2' }}
        />,
        root,
      ),
    );
    const rows = $$('[data-testid="q-review-answer"]').map((r) => r.textContent);
    expect(rows[0]).toContain('response_2 (明显更好)');
    expect(rows[1]).toContain('response_2');
    expect(rows[2]).toContain('都不好');
    expect($('[data-testid="q-review-consensus"]')!.textContent).toContain('response_2');
  });
});

describe('the builder', () => {
  it('adds a pairwise question that checks its fields', () => {
    const t: Template = { ...template, questions: [] };
    const nq = newQuestion(t, 'pairwise');
    expect(kindOf(nq.kind)).toBeDefined();
    const withQ = { ...t, questions: [{ ...nq, title_zh: '哪个好？', options: [{ key: 'correct', name_zh: '正确' }] }] };
    expect(checkTemplate(withQ)).toBeNull();
    expect(cleanTemplate(withQ).questions[0].options).toHaveLength(1);
    const noMd = { ...withQ, fields: [template.fields[0]] };
    expect(checkTemplate(noMd)?.field).toBe('template.questions[0].settings.pair');
  });
});
