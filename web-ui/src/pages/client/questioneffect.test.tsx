import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setFetch } from '../../api';
import { setLang } from '../../i18n';
import { type EffectReport, type VersionEffect, QuestionEffect, pct, points, span } from './QuestionEffect';

/** Lets the card load: until `sel` shows (at most 2 s). */
async function settle(sel = '[data-testid=effect-open]') {
  for (let i = 0; i < 200 && !root.querySelector(sel); i++)
    await act(async () => {
      await new Promise((r) => setTimeout(r, 10));
    });
}

const version = (n: number, agreement: number | null, change: number | null, extra: Partial<VersionEffect> = {}): VersionEffect => ({
  version: n,
  created_at: 1_700_000_000_000 + n * 86_400_000,
  new_words: false,
  example_item_id: null,
  example_words: null,
  question: null,
  answers: 40,
  skips: 0,
  judged: 28,
  agreed: 20,
  agreement,
  compared_with: change === null ? null : n - 1,
  agreement_change: change,
  gold_total: 0,
  gold_correct: 0,
  gold_accuracy: null,
  items_resolved: 10,
  items_escalated: 2,
  mean_confidence: 0.8,
  escalation_share: 0.1667,
  ...extra,
});

const report = (over: Partial<EffectReport> = {}): EffectReport => ({
  current_version: 3,
  versions: [
    version(1, 0.71, null, { gold_accuracy: 0.9, gold_total: 10, gold_correct: 9 }),
    version(2, 0.75, 0.04, { new_words: true }),
    version(3, 0.84, 0.09, {
      example_item_id: 42,
      example_words: '模糊的图选看不清',
      question: { id: 7, reason: 'unclear', text: '图太模糊了', answer_text: '选看不清', asked_at: 1, answered_at: 2 },
    }),
  ],
  totals: { answers: 120, judged: 84, agreed: 65, agreement: 0.7738, gold_total: 10, gold_correct: 9, gold_accuracy: 0.9 },
  asked: {
    questions: 3,
    answered: 2,
    open: 1,
    median_answer_ms: 90 * 60_000,
    items: 4,
    items_resolved: 1,
    items_escalated: 1,
    items_open: 1,
    items_gold: 1,
    judged: 4,
    agreed: 2,
    agreement: 0.5,
    agreement_vs_order: -0.2738,
  },
  open: { open: 1, oldest_open_at: 5, oldest_open_age_ms: 3 * 3_600_000, waiting_for_you: 1, oldest_waiting_age_ms: 3 * 3_600_000 },
  ...over,
});

let root: HTMLElement;
let asked: string[];
function serve(body: EffectReport) {
  setFetch((async (url: string) => {
    asked.push(url);
    return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
  }) as typeof fetch);
}
beforeEach(() => {
  setLang('zh-CN');
  root = document.createElement('div');
  document.body.appendChild(root);
  asked = [];
});
afterEach(() => {
  render(null, root);
  root.remove();
});

describe('the effect of questions', () => {
  it('shows a row per version with its agreement bar and the change against the one before', async () => {
    serve(report());
    render(<QuestionEffect orderId={5} />, root);
    await settle();
    expect(asked).toEqual(['/api/v1/orders/5/instructions/effect']);
    const rows = root.querySelectorAll('[data-testid=effect-version]');
    expect(rows.length).toBe(3);
    expect([...root.querySelectorAll('[data-testid=effect-agreement]')].map((e) => e.textContent)).toEqual(['71%', '75%', '84%']);
    const bars = root.querySelectorAll<HTMLElement>('.effect-bar span');
    expect(bars[2].style.width).toBe('84%');
    expect(root.querySelectorAll('.effect-bar')[0].getAttribute('aria-valuenow')).toBe('71');
    // Version 1 has nothing before it; version 3 rose by 9 points, shown up and green.
    expect(rows[0].querySelector('[data-testid=effect-change]')).toBeNull();
    expect(rows[0].querySelector('.effect-change')).not.toBeNull();
    const up = rows[2].querySelector('[data-testid=effect-change]')!;
    expect(up.textContent).toBe('+9');
    expect(up.classList.contains('effect-up')).toBe(true);
    expect(up.getAttribute('aria-label')).toBe('比第 2 版高 9 个百分点');
    // Why each version was made.
    expect(rows[0].textContent).toContain('发布时的说明');
    expect(rows[0].textContent).toContain('金标准对 90%');
    expect(rows[1].textContent).toContain('改了说明文字');
    expect(rows[2].textContent).toContain('来自问题：图太模糊了');
    expect(rows[2].textContent).toContain('现在用的');
    expect(rows[2].textContent).toContain('转组长 17%');
    // What waits, and the asked items.
    expect(root.querySelector('[data-testid=effect-open]')!.textContent).toContain('1 个问题等你回答，最早的等了 3 小时');
    const a = root.querySelector('[data-testid=effect-asked]')!.textContent!;
    expect(a).toContain('问了 3 个问题：答了 2 个，还有 1 个');
    expect(a).toContain('一般 2 小时内回答');
    expect(a).toContain('4 条数据：定了 1 条，转组长 1 条，还在做 1 条，金标准 1 条');
    expect(a).toContain('这些数据一致 50%（全单 77%）');
  });

  it('marks a fall in red and says it in English', async () => {
    setLang('en');
    serve(report({ versions: [version(1, 0.8, null), version(2, 0.7, -0.1)] }));
    render(<QuestionEffect orderId={9} />, root);
    await settle();
    const down = root.querySelector('[data-testid=effect-change]')!;
    expect(down.textContent).toBe('−10');
    expect(down.classList.contains('effect-down')).toBe(true);
    expect(down.getAttribute('aria-label')).toBe('10 points below version 1');
    expect(root.textContent).toContain('Effect of questions');
  });

  it('gives an empty order a calm empty state, never NaN', async () => {
    serve(
      report({
        current_version: 1,
        versions: [version(1, null, null, { answers: 0, judged: 0, agreed: 0, mean_confidence: null, escalation_share: null })],
        totals: { answers: 0, judged: 0, agreed: 0, agreement: null, gold_total: 0, gold_correct: 0, gold_accuracy: null },
        asked: { ...report().asked, questions: 0, answered: 0, open: 0, median_answer_ms: null, items: 0, agreement: null, agreement_vs_order: null },
        open: { open: 0, oldest_open_at: null, oldest_open_age_ms: null, waiting_for_you: 0, oldest_waiting_age_ms: null },
      }),
    );
    render(<QuestionEffect orderId={5} />, root);
    await settle();
    expect(root.querySelector('[data-testid=effect-empty]')).not.toBeNull();
    expect(root.querySelector('[data-testid=effect-asked]')).toBeNull();
    expect(root.querySelector('[data-testid=effect-open]')!.textContent).toContain('没有等回答的问题');
    expect(root.textContent).not.toContain('NaN');
    // No agreement: no meter without a value (an empty bar, hidden from screen readers).
    render(null, root);
    serve(report({ versions: [version(1, null, null)] }));
    render(<QuestionEffect orderId={6} />, root);
    await settle('[data-testid=effect-version]');
    expect(root.querySelector('[role=meter]')).toBeNull();
    expect(root.querySelector('[data-testid=effect-agreement]')!.textContent).toBe('—');
  });

  it('formats shares, points and spans', () => {
    setLang('zh-CN');
    expect(pct(null)).toBe('—');
    expect(pct(0.8125)).toBe('81%');
    expect(points(0.125)).toBe('+13');
    expect(points(-0.04)).toBe('−4');
    expect(points(0)).toBe('0');
    expect(span(59_000)).toBe('1 分钟');
    expect(span(3 * 3_600_000)).toBe('3 小时');
    expect(span(3 * 86_400_000)).toBe('3 天');
  });
});
