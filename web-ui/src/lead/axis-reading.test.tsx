// The lead's worker page for LLM orders (issue 27, parts 2 and 3): a rubric's agreement per
// axis as bars with the axis names, and the answers too fast to have read their texts; the
// client's quality report draws the same axes from its `questions[].parts`.
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setLang } from '../i18n';
import { AxisAlpha, barWidth, fromLead, fromReport } from '../components/AxisAlpha';
import { OrderFigures, type WorkerOrder } from '../pages/lead/Quality';
import type { Template } from '../kinds/types';

let root: HTMLElement;
const $$ = (sel: string) => Array.from(root.querySelectorAll(sel)) as HTMLElement[];
beforeEach(() => {
  setLang('zh-CN');
  root = document.createElement('div');
  document.body.appendChild(root);
});
afterEach(() => {
  render(null, root);
  root.remove();
  setLang('zh-CN');
});

const axes = [
  {
    key: 'grade',
    title_zh: '打分',
    title_en: 'Grade',
    parts: [
      { key: 'helpful', name_zh: '有用', name_en: 'Helpful', krippendorff_alpha: 0.91 },
      { key: 'correct', name_zh: '正确', name_en: 'Correct', krippendorff_alpha: -0.2 },
      { key: 'safe', name_zh: '无害', name_en: '', krippendorff_alpha: null },
    ],
  },
];

function order(over: Partial<WorkerOrder>): WorkerOrder {
  return {
    order_id: 3,
    order_name: '回答评分',
    task_type: 'template',
    labels: 30,
    skips: 0,
    gold_total: 0,
    gold_correct: 0,
    gold_accuracy: null,
    gold_low: null,
    gold_high: null,
    judged: 0,
    agreement: null,
    skill: null,
    live_skill: { accuracy: 0.8, low: 0.6, high: 0.9, evidence: 3 },
    kappa: null,
    median_seconds: 2,
    too_fast: true,
    spam_like: false,
    classes: [],
    confusion: [],
    ...over,
  };
}

describe('agreement per axis', () => {
  it('draws a bar per axis with its name and α, low ones marked', async () => {
    await act(() => render(<AxisAlpha questions={fromLead(axes, 'zh-CN')} />, root));
    const rows = $$('[data-testid=axis-row]');
    expect(rows.map((r) => r.querySelector('th')!.textContent)).toEqual(['有用', '正确', '无害']);
    expect(rows.map((r) => r.dataset.low)).toEqual(['no', 'yes', 'no']);
    expect(rows[0].textContent).toContain('0.91');
    expect(rows[2].textContent).toContain('人数不够');
    expect((rows[0].querySelector('.axis-fill') as HTMLElement).style.width).toBe('91%');
    expect($$('[data-testid=axis-alpha] caption')[0].textContent).toContain('各项评分一致性：打分');
    expect(barWidth(-0.2)).toBe(0);
    expect(barWidth(1.4)).toBe(100);
    expect(barWidth(null)).toBe(0);
  });

  it('names the axes in English, falling back to the Chinese name', () => {
    const q = fromLead(axes, 'en')[0];
    expect(q.title).toBe('Grade');
    expect(q.parts.map((p) => p.name)).toEqual(['Helpful', 'Correct', '无害']);
  });

  it("takes the client's report parts with names from the template, and skips questions without parts", () => {
    const template: Template = {
      layout: 'stacked',
      fields: [{ name: 'response_1', kind: 'markdown' }],
      questions: [
        { key: 'better', kind: 'pairwise', title_zh: '哪个好' },
        { key: 'grade', kind: 'rubric', title_zh: '打分', title_en: 'Grade', options: [{ key: 'helpful', name_zh: '有用', name_en: 'Helpful' }] },
      ],
    };
    const got = fromReport(
      [
        { key: 'better', kind: 'pairwise', krippendorff_alpha: 0.5 },
        { key: 'grade', kind: 'rubric', krippendorff_alpha: 0.7, parts: [{ key: 'helpful', krippendorff_alpha: 0.7 }] },
      ],
      template,
      'en',
    );
    expect(got).toEqual([{ key: 'grade', title: 'Grade', parts: [{ key: 'helpful', name: 'Helpful', alpha: 0.7 }] }]);
  });
});

describe("the lead's order figures of a read order", () => {
  it('say how many answers were too fast to have read, and show the axes', async () => {
    const o = order({ reading: { answers: 20, too_fast: 18, share: 0.9, too_fast_share: 0.3, pause_share: 0.5 }, axes });
    await act(() => render(<OrderFigures o={o} labels={[]} open={true} />, root));
    const line = root.querySelector('[data-testid=read-hurried]') as HTMLElement;
    expect(line.textContent).toContain('太快，来不及读：18/20 条（90%）');
    expect(line.textContent).toContain('不到读完文字所需时间的 30%');
    expect(line.querySelector('svg, .icon')).not.toBeNull();
    expect($$('[data-testid=axis-row]').length).toBe(3);
    render(null, root);
    setLang('en');
    await act(() => render(<OrderFigures o={order({ reading: { answers: 20, too_fast: 0, share: 0, too_fast_share: 0.3, pause_share: 0.5 } })} labels={[]} open={true} />, root));
    expect(root.querySelector('[data-testid=read-hurried]')!.textContent).toContain('Too fast to have read: 0 of 20 (0%)');
    expect(root.querySelector('[data-testid=axis-alpha]')).toBeNull();
  });
});
