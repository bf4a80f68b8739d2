import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setFetch } from './api';
import { setLang } from './i18n';
import { emptyOrderForm } from './orders';
import { OrderFormPage } from './pages/client/OrderForm';
import { WAGE_DEBOUNCE_MS } from './pages/client/WageLine';
import { wageLine, wageRequest, type WageCheck } from './wage';
import { alertText, type AlertOut } from './lead/review';

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

async function settle(ms = 0) {
  await act(async () => {
    await new Promise((r) => setTimeout(r, ms));
  });
  for (let i = 0; i < 10; i++)
    await act(async () => {
      await new Promise((r) => setTimeout(r, 0));
    });
}

function check(over: Partial<WageCheck>): WageCheck {
  return {
    expected_fen_per_hour: 1200,
    pay_per_answer_fen: 10,
    basis: 'history',
    basis_answers: 240,
    basis_active_ms: 7_200_000,
    answers_per_hour: 120,
    assumed_seconds_per_answer: 20,
    centres: [{ centre_id: 1, name: '示范中心', floor_fen: 2000, policy: 'warn', under: true }],
    under: true,
    refused: false,
    ...over,
  };
}

let root: HTMLElement;
const $ = (sel: string) => root.querySelector(sel) as HTMLElement | null;
beforeEach(() => {
  setLang('zh-CN');
  root = document.createElement('div');
  document.body.appendChild(root);
});
afterEach(() => {
  render(null, root);
  root.remove();
});

describe('the fair-wage check', () => {
  it('asks with the rates typed, and nothing while the rate cannot be read', () => {
    const f = emptyOrderForm();
    f.piece_rate = '0.10';
    f.eligible_centres = '1, 3';
    expect(wageRequest(f, null)).toEqual({
      task_type: 'single_choice',
      piece_rate_fen: 10,
      box_rate_fen: 0,
      box_pay_cap: 0,
      eligible_centres: [1, 3],
    });
    expect(wageRequest(f, 7)?.order_id).toBe(7);
    expect(wageRequest({ ...f, piece_rate: '一毛' }, null)).toBeNull();
    expect(wageRequest({ ...f, eligible_centres: 'A' }, null)).toBeNull();
    const box = { ...f, task_type: 'bbox' as const, box_rate: '0.05', box_pay_cap: '3' };
    expect(wageRequest(box, null)).toMatchObject({ box_rate_fen: 5, box_pay_cap: 3 });
  });

  it('says the expected hourly earning, its basis, and the floor it is under', () => {
    const l = wageLine(check({}));
    expect(l.main).toBe('预计时薪 ¥12.00/小时');
    expect(l.basis).toContain('240');
    expect(l.warning).toContain('¥20.00');
    expect(l.warning).toContain('示范中心');
    const ok = wageLine(check({ expected_fen_per_hour: 2400, under: false, centres: [{ centre_id: 1, name: '示范中心', floor_fen: 2000, policy: 'warn', under: false }] }));
    expect(ok.warning).toBe('');
    expect(wageLine(check({ basis: 'assumed' })).basis).toContain('20 秒');
    expect(wageLine(check({ refused: true })).warning).toContain('不能发布');
    setLang('en');
    expect(wageLine(check({})).main).toBe('Expected ¥12.00/hour');
  });

  it("words a lead's wage alert with the order's real hourly pay and the floor", () => {
    const a = {
      id: 1,
      text: 'order x pays ¥18.36/h',
      about_id: null,
      about_name: null,
      order_id: 4,
      order_name: '评价分类',
      pause_id: null,
      data: { event: 'wage_low', fen_per_hour: 1836, floor_fen: 2100 },
      created_at: 1,
      read_at: null,
    } as unknown as AlertOut;
    expect(alertText(a)).toBe('评价分类：实际时薪 ¥18.36/小时，低于最低时薪 ¥21.00/小时');
  });

  it('shows on the order form as the rate changes, with a warning under the floor', async () => {
    const asked: unknown[] = [];
    setFetch(async (input, init) => {
      const url = String(input);
      if (url.endsWith('/datasets')) return json(200, { items: [{ id: 2, org_id: 1, name: '猫狗', item_count: 40, created_at: 1 }] });
      if (url.endsWith('/orders/wage-check')) {
        const body = JSON.parse(String(init?.body));
        asked.push(body);
        const expected = body.piece_rate_fen * 120;
        const under = expected < 2000;
        return json(200, check({
          expected_fen_per_hour: expected,
          under,
          centres: [{ centre_id: 1, name: '示范中心', floor_fen: 2000, policy: 'warn', under }],
        }));
      }
      return json(404, { error: { code: 'not_found', message: 'no' } });
    });
    await act(() => render(<OrderFormPage datasetId={2} orderId={null} />, root));
    await settle();
    const rate = root.querySelector('input[name=piece_rate]') as HTMLInputElement;
    await act(() => {
      rate.value = '0.10';
      rate.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await settle(WAGE_DEBOUNCE_MS + 50);
    expect($('[data-testid=wage-expected]')?.textContent).toBe('预计时薪 ¥12.00/小时');
    expect($('[data-testid=wage-line]')?.dataset.under).toBe('yes');
    expect($('[data-testid=wage-warning]')?.textContent).toContain('低于最低时薪 ¥20.00/小时');
    expect($('[data-testid=wage-line] svg, [data-testid=wage-line] .icon')).not.toBeNull();

    await act(() => {
      rate.value = '0.20';
      rate.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await settle(WAGE_DEBOUNCE_MS + 50);
    expect(asked.length).toBe(2);
    expect($('[data-testid=wage-expected]')?.textContent).toBe('预计时薪 ¥24.00/小时');
    expect($('[data-testid=wage-line]')?.dataset.under).toBe('no');
    expect($('[data-testid=wage-warning]')).toBeNull();
    expect(asked[asked.length - 1]).toMatchObject({ task_type: 'single_choice', piece_rate_fen: 20 });
  });
});
