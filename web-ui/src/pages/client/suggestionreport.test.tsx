import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setFetch } from '../../api';
import { setLang } from '../../i18n';
import { SuggestionReport, secs, type SuggestionReportData } from './SuggestionReport';

async function settle(sel = '[data-testid=suggestion-report] .sr, [data-testid=sr-empty]') {
  for (let i = 0; i < 200 && !root.querySelector(sel); i++)
    await act(async () => {
      await new Promise((r) => setTimeout(r, 10));
    });
}

const timing = (labels: number, median_ms: number | null, mean_ms: number | null = median_ms) => ({ labels, median_ms, mean_ms });

const report = (over: Partial<SuggestionReportData> = {}): SuggestionReportData => ({
  suggestions: { import: 6, backend: 0, planted: 1, items: 8, items_with: 7, items_without: 1 },
  outcomes: {
    model: { shown: 12, accepted: 7, fixed: 0, rejected: 5, accepted_share: 0.5833, fixed_share: 0, rejected_share: 0.4167 },
    planted: { shown: 2, accepted: 1, fixed: 0, rejected: 1, accepted_share: 0.5, fixed_share: 0, rejected_share: 0.5 },
  },
  accuracy: {
    overall: { settled: 6, agreed: 4, accuracy: 0.6667 },
    consensus: { settled: 4, agreed: 2, accuracy: 0.5 },
    review: { settled: 1, agreed: 1, accuracy: 1 },
    gold: { settled: 1, agreed: 1, accuracy: 1 },
    versions: [
      { model: 'shapenet', model_version: 'v1', settled: 4, agreed: 3, accuracy: 0.75 },
      { model: 'shapenet', model_version: 'v2', settled: 2, agreed: 1, accuracy: 0.5 },
    ],
  },
  seconds: {
    with: timing(12, 3750, 3792),
    without: timing(2, 8500),
    planted: timing(2, 3750),
    accepted: timing(7, 2500),
    fixed: timing(0, null),
    rejected: timing(5, 5000),
    median_ratio: 0.4412,
  },
  pay: {
    checks: { labels: 8, paid_fen: 24, pending_fen: 0 },
    fixes: { labels: 6, paid_fen: 54, pending_fen: 0 },
    plain: { labels: 2, paid_fen: 20, pending_fen: 10 },
    total_paid_fen: 98,
  },
  ...over,
});

const empty = (): SuggestionReportData => ({
  ...report(),
  suggestions: { import: 0, backend: 0, planted: 0, items: 8, items_with: 0, items_without: 8 },
  outcomes: {
    model: { shown: 0, accepted: 0, fixed: 0, rejected: 0, accepted_share: null, fixed_share: null, rejected_share: null },
    planted: { shown: 0, accepted: 0, fixed: 0, rejected: 0, accepted_share: null, fixed_share: null, rejected_share: null },
  },
});

let root: HTMLElement;
let asked: string[];
function serve(body: SuggestionReportData) {
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

describe('the suggestions report card', () => {
  it('shows the shares as a bar, the model’s accuracy, time with and without, and the pay split', async () => {
    serve(report());
    render(<SuggestionReport orderId={5} />, root);
    await settle();
    expect(asked).toEqual(['/api/v1/orders/5/suggestions/report']);
    const card = root.querySelector('[data-testid=suggestion-report]')!;
    expect(card.textContent).toContain('模型预标注');
    expect(root.querySelector('[data-testid=sr-items]')!.textContent).toContain('8 条数据里 7 条有模型答案');
    expect(root.querySelector('[data-testid=sr-items]')!.textContent).toContain('放错的 1');
    // Shares: one bar of parts as wide as each share; an empty part is left out.
    const parts = root.querySelectorAll<HTMLElement>('.sr-bar .sr-part');
    expect([...parts].map((p) => [p.className, p.style.width])).toEqual([
      ['sr-part sr-accepted', '58.3%'],
      ['sr-part sr-rejected', '41.7%'],
    ]);
    expect(root.querySelector('.sr-bar')!.getAttribute('aria-label')).toBe('直接确认 58%，小改 0%，改成别的 42%');
    expect(root.querySelector('[data-testid=sr-accepted]')!.textContent).toContain('58%');
    expect(root.querySelector('[data-testid=sr-planted]')!.textContent).toContain('故意放错的：2 条里改对了 1 条，直接确认了 1 条');
    // Accuracy, per version when there are several.
    expect(root.querySelector('[data-testid=sr-accuracy-pct]')!.textContent).toBe('67%');
    expect(root.querySelector('[data-testid=sr-accuracy]')!.textContent).toContain('定了答案的 6 条里，模型对了 4 条');
    const versions = root.querySelectorAll('[data-testid=sr-versions] li');
    expect(versions.length).toBe(2);
    expect(versions[0].textContent).toContain('shapenet · 版本 v1');
    expect(versions[0].textContent).toContain('75%');
    expect(versions[0].querySelector('[role=meter]')!.getAttribute('aria-valuenow')).toBe('75');
    // Time: medians in seconds, and how much faster.
    expect(root.querySelector('[data-testid=sr-with]')!.textContent).toBe('3.8 秒');
    expect(root.querySelector('[data-testid=sr-without]')!.textContent).toBe('8.5 秒');
    expect(root.querySelector('[data-testid=sr-ratio]')!.textContent).toContain('有模型答案时快 56%');
    // Pay, in yuan, with what is still to pay.
    const pay = root.querySelector('[data-testid=sr-pay]')!.textContent!;
    expect(pay).toContain('共付 ¥0.98');
    expect(pay).toContain('确认 8 条 · 已付 ¥0.24');
    expect(pay).toContain('普通 2 条 · 已付 ¥0.20，待付 ¥0.10');
    const csv = root.querySelector<HTMLAnchorElement>('[data-testid=sr-csv]')!;
    expect(csv.getAttribute('href')).toBe('/api/v1/orders/5/suggestions/report?format=csv');
    expect(csv.querySelector('svg, .icon')).not.toBeNull();
    expect(card.textContent).not.toContain('NaN');
  });

  it('says it in English, and one version shows no list', async () => {
    setLang('en');
    const r = report();
    r.accuracy.versions = r.accuracy.versions.slice(0, 1);
    r.seconds.median_ratio = 1.25;
    serve(r);
    render(<SuggestionReport orderId={5} />, root);
    await settle();
    expect(root.textContent).toContain('Model suggestions');
    expect(root.textContent).toContain('7 of 8 items have a model answer');
    expect(root.querySelector('[data-testid=sr-versions]')).toBeNull();
    expect(root.querySelector('[data-testid=sr-ratio]')!.textContent).toContain('25% slower with a model answer');
  });

  it('gives an order without suggestions a calm empty state, or nothing when it sets no policy', async () => {
    serve(empty());
    render(<SuggestionReport orderId={5} />, root);
    await settle();
    expect(root.querySelector('[data-testid=sr-empty]')!.textContent).toContain('还没有模型答案');
    render(null, root);
    render(<SuggestionReport orderId={6} enabled={false} />, root);
    for (let i = 0; i < 20; i++)
      await act(async () => {
        await new Promise((r) => setTimeout(r, 5));
      });
    expect(asked).toContain('/api/v1/orders/6/suggestions/report');
    expect(root.querySelector('[data-testid=suggestion-report]')).toBeNull();
  });

  it('keeps unknown figures as dashes', async () => {
    const r = report();
    r.seconds = { ...r.seconds, with: timing(0, null), median_ratio: null };
    r.accuracy = { ...r.accuracy, overall: { settled: 0, agreed: 0, accuracy: null }, versions: [] };
    serve(r);
    render(<SuggestionReport orderId={5} />, root);
    await settle();
    expect(root.querySelector('[data-testid=sr-with]')!.textContent).toBe('—');
    expect(root.querySelector('[data-testid=sr-ratio]')).toBeNull();
    expect(root.querySelector('[data-testid=sr-accuracy]')!.textContent).toContain('还没有定了答案的数据可以比');
    expect(secs(1000)).toBe('1 秒');
    expect(secs(1250)).toBe('1.3 秒');
  });
});
