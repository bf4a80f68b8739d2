// The order form's reading time for LLM orders (issue 27, part 4): the wage check's request
// carries the dataset and template, and the line says the expected reading time per unit.
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setFetch } from './api';
import { setLang } from './i18n';
import { emptyOrderForm } from './orders';
import { WAGE_DEBOUNCE_MS, WageLine } from './pages/client/WageLine';
import { duration, readingLine, wageLine, wageRequest, type ReadingEstimate, type WageCheck } from './wage';

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

const estimate: ReadingEstimate = {
  items: 30,
  median_cjk: 640,
  median_words: 40,
  read_ms: 84_800,
  answer_ms: 4_000,
  item_ms: 88_800,
  unit_ms: 888_000,
  cjk_per_minute: 500,
  words_per_minute: 300,
};

function check(over: Partial<WageCheck>): WageCheck {
  return {
    expected_fen_per_hour: 2027,
    pay_per_answer_fen: 50,
    basis: 'reading',
    basis_answers: 1,
    basis_active_ms: 88_800,
    answers_per_hour: 40.5,
    assumed_seconds_per_answer: 20,
    centres: [],
    under: false,
    refused: false,
    reading: estimate,
    ...over,
  };
}

let root: HTMLElement;
beforeEach(() => {
  setLang('zh-CN');
  root = document.createElement('div');
  document.body.appendChild(root);
});
afterEach(() => {
  render(null, root);
  root.remove();
});

describe('reading time on the order form', () => {
  it('asks with the dataset, the template and the unit size only when a dataset is chosen', () => {
    const f = { ...emptyOrderForm(), task_type: 'template' as const, piece_rate: '0.50', unit_size: '10' };
    const none = wageRequest(f, null);
    expect(none).not.toHaveProperty('dataset_id');
    expect(none).not.toHaveProperty('template');
    const req = wageRequest(f, null, 4);
    expect(req).toMatchObject({ task_type: 'template', piece_rate_fen: 50, dataset_id: 4, unit_size: 10 });
    expect(req?.template?.fields).toEqual(f.template.fields);
    // A one-question order sends no template; a unit size that cannot be read, none.
    const text = wageRequest({ ...emptyOrderForm(), task_type: 'text_classification', piece_rate: '0.1', unit_size: '十' }, null, 4);
    expect(text).toMatchObject({ dataset_id: 4 });
    expect(text).not.toHaveProperty('template');
    expect(text).not.toHaveProperty('unit_size');
  });

  it('says the time per unit and per item, in Chinese and English', () => {
    expect(duration(45_000)).toBe('45 秒');
    expect(duration(888_000)).toBe('14.8 分钟');
    const l = wageLine(check({}));
    expect(l.basis).toBe('按数据的文字长度估算：每条约 89 秒');
    expect(l.reading).toContain('预计每单元约 14.8 分钟');
    expect(l.reading).toContain('读 85 秒');
    expect(l.reading).toContain('640 字');
    expect(readingLine(null)).toBe('');
    expect(wageLine(check({ basis: 'history', reading: null })).reading).toBe('');
    setLang('en');
    expect(readingLine(estimate)).toContain('About 14.8 min a unit (89 s an item: read 85 s, answer 4 s');
    expect(wageLine(check({})).basis).toBe('From the texts’ length: about 89 s an item');
  });

  it('draws the reading line with its icon when the check gives one', async () => {
    setFetch(async (input) => {
      if (String(input).endsWith('/orders/wage-check')) return json(200, check({}));
      return json(404, { error: { code: 'not_found', message: 'no' } });
    });
    const req = wageRequest({ ...emptyOrderForm(), task_type: 'template', piece_rate: '0.50' }, null, 4);
    await act(() => render(<WageLine request={req} />, root));
    await act(async () => {
      await new Promise((r) => setTimeout(r, WAGE_DEBOUNCE_MS + 50));
    });
    for (let i = 0; i < 5; i++) await act(async () => new Promise((r) => setTimeout(r, 0)));
    const line = root.querySelector('[data-testid=wage-reading]');
    expect(line?.textContent).toContain('预计每单元约 14.8 分钟');
    expect(line?.querySelector('svg, .icon')).not.toBeNull();
  });
});
