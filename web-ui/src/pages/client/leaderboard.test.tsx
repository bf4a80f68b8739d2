import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setFetch } from '../../api';
import { setLang } from '../../i18n';
import { exportFormats } from './OrderPage';
import { type Board, type ModelRow, Leaderboard, at, comparesResponses, scaleOf, signed } from './Leaderboard';

async function settle(sel: string) {
  for (let i = 0; i < 200 && !root.querySelector(sel); i++)
    await act(async () => {
      await new Promise((r) => setTimeout(r, 10));
    });
}

const row = (model: string, rank: number, score: number, half: number, extra: Partial<ModelRow> = {}): ModelRow => ({
  model,
  rank,
  score,
  ci_low: score - half,
  ci_high: score + half,
  wins: 20,
  losses: 0,
  ties: 2,
  comparisons: 22,
  component: 0,
  ...extra,
});

const board = (over: Partial<Board> = {}): Board => ({
  method: 'bt',
  comparisons: 32,
  model_comparisons: 32,
  annotators: 2,
  models: [
    row('qwen-strong', 1, 1.5, 0.5),
    row('glm-middle', 2, 0, 0.4, { wins: 10, losses: 10 }),
    row('tiny-weak', 3, -1.5, 0.5, { wins: 0, losses: 20, ties: 0, comparisons: 20 }),
  ],
  ...over,
});

let root: HTMLElement;
let asked: string[];
function serve(f: (url: string) => Board) {
  setFetch((async (url: string) => {
    asked.push(url);
    return new Response(JSON.stringify(f(url)), { status: 200, headers: { 'Content-Type': 'application/json' } });
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

describe('the scale', () => {
  it('holds every interval and zero, with room at the ends', () => {
    const s = scaleOf(board().models);
    expect(s[0]).toBeLessThan(-2);
    expect(s[1]).toBeGreaterThan(2);
    expect(at(0, s)).toBeCloseTo(50);
    expect(at(-2, s)).toBeGreaterThan(0);
    expect(at(99, s)).toBe(100);
    // all scores 0 with no width: still a scale, never NaN
    const flat = scaleOf([{ ci_low: 0, ci_high: 0 }]);
    expect(at(0, flat)).toBeCloseTo(50);
    expect(signed(1.234)).toBe('+1.23');
    expect(signed(-0.4)).toBe('−0.40');
    expect(signed(0)).toBe('0.00');
  });

  it('is offered only for orders that compare responses, and so are the LLM downloads', () => {
    const q = (kind: string) => ({ key: kind, kind, title_zh: kind });
    expect(comparesResponses({ template: null })).toBe(false);
    expect(comparesResponses({ template: { fields: [], questions: [q('rubric')] } as never })).toBe(false);
    expect(comparesResponses({ template: { fields: [], questions: [q('pairwise')] } as never })).toBe(true);
    const f = (kinds: string[]) => exportFormats('template', kinds).map((x) => x.format);
    expect(f([])).toEqual(['jsonl', 'csv', 'labelstudio']);
    expect(f(['pairwise'])).toEqual(['jsonl', 'csv', 'labelstudio', 'preference', 'leaderboard']);
    expect(f(['ranking', 'rubric'])).toEqual(['jsonl', 'csv', 'labelstudio', 'preference', 'ranking', 'ratings', 'leaderboard']);
    expect(f(['rubric'])).toEqual(['jsonl', 'csv', 'labelstudio', 'ratings']);
  });
});

describe('the leaderboard card', () => {
  it('draws each model best first, its dot inside its interval, and switches method', async () => {
    serve((url) => (url.includes('noisy-bt') ? board({ method: 'noisy-bt', models: [row('glm-middle', 1, 0.2, 0.1)] }) : board()));
    render(<Leaderboard orderId={7} />, root);
    await settle('[data-testid=lb-row]');
    expect(asked).toEqual(['/api/v1/orders/7/leaderboard?method=bt']);
    const rows = [...root.querySelectorAll<HTMLElement>('[data-testid=lb-row]')];
    expect(rows.map((r) => r.dataset.model)).toEqual(['qwen-strong', 'glm-middle', 'tiny-weak']);
    expect([...root.querySelectorAll('[data-testid=lb-score]')].map((e) => e.textContent)).toEqual(['+1.50', '0.00', '−1.50']);
    for (const r of rows) {
      const dot = Number(r.querySelector('[data-testid=lb-dot]')!.getAttribute('x1'));
      const line = r.querySelector('[data-testid=lb-interval]')!;
      const [lo, hi] = [Number(line.getAttribute('x1')), Number(line.getAttribute('x2'))];
      expect(lo).toBeLessThan(dot);
      expect(dot).toBeLessThan(hi);
      expect(Number.isFinite(dot)).toBe(true);
    }
    // the best model's dot is right of the worst's
    const x = (r: HTMLElement) => Number(r.querySelector('[data-testid=lb-dot]')!.getAttribute('x1'));
    expect(x(rows[0])).toBeGreaterThan(x(rows[2]));
    expect(rows[0].textContent).toContain('胜 20 · 负 0 · 平 2');
    expect(rows[0].querySelector('svg')!.getAttribute('aria-label')).toBe('第 1 名 qwen-strong：分数 +1.50，区间 +1.00 到 +2.00');
    expect(root.querySelector('[data-testid=lb-summary]')!.textContent).toContain('32 次模型之间的比较，2 位标注员');
    expect(root.querySelector('[data-testid=lb-bt]')!.getAttribute('aria-pressed')).toBe('true');
    // the noisy model: asked again with its method
    await act(async () => {
      (root.querySelector('[data-testid=lb-noisy-bt]') as HTMLButtonElement).click();
    });
    for (let i = 0; i < 200 && root.querySelectorAll('[data-testid=lb-row]').length !== 1; i++)
      await act(async () => {
        await new Promise((r) => setTimeout(r, 10));
      });
    expect(asked[asked.length - 1]).toBe('/api/v1/orders/7/leaderboard?method=noisy-bt');
    expect(root.querySelectorAll('[data-testid=lb-row]').length).toBe(1);
    expect(root.querySelector('[data-testid=lb-noisy-bt]')!.getAttribute('aria-pressed')).toBe('true');
  });

  it('says so when nothing was compared yet, in English too', async () => {
    setLang('en');
    serve(() => board({ comparisons: 0, model_comparisons: 0, annotators: 0, models: [] }));
    render(<Leaderboard orderId={8} />, root);
    await settle('[data-testid=lb-empty]');
    expect(root.querySelector('[data-testid=lb-empty]')!.textContent).toBe('No comparisons yet.');
    expect(root.textContent).toContain('Model leaderboard');
    expect(root.textContent).not.toContain('NaN');
  });
});
