import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setFetch } from '../../api';
import { setLang } from '../../i18n';
import { FollowUp, exportFormats } from './OrderPage';

let root: HTMLElement;
let asked: { url: string; method: string }[];
function serve(status: number, body: unknown) {
  setFetch((async (url: string, init?: RequestInit) => {
    asked.push({ url, method: init?.method ?? 'GET' });
    return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
  }) as typeof fetch);
}
async function settle(sel: string) {
  for (let i = 0; i < 200 && !root.querySelector(sel); i++)
    await act(async () => {
      await new Promise((r) => setTimeout(r, 10));
    });
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

const order = { id: 12, dataset_id: 3, state: 'open', spec: { task_type: 'template' } } as never;

describe('a writing order', () => {
  it('offers the SFT download', () => {
    const f = (kinds: string[]) => exportFormats('template', kinds).map((x) => x.format);
    expect(f(['writing'])).toEqual(['jsonl', 'csv', 'labelstudio', 'sft']);
    expect(f(['pairwise'])).not.toContain('sft');
  });

  it('makes a rating dataset of its accepted answers and links to it', async () => {
    serve(201, { dataset_id: 44, name: '写回答 · 打分', items: 6 });
    render(<FollowUp o={order} />, root);
    await act(async () => {
      root.querySelector<HTMLButtonElement>('[data-testid=followup-make]')!.click();
    });
    await settle('[data-testid=followup-open]');
    expect(asked).toEqual([{ url: '/api/v1/orders/12/followup', method: 'POST' }]);
    const a = root.querySelector<HTMLAnchorElement>('[data-testid=followup-open]')!;
    expect(a.getAttribute('href')).toBe('#/datasets/44');
    expect(a.textContent).toContain('6');
  });

  it('says so when nothing is accepted yet', async () => {
    serve(409, { error: { code: 'order_state', message: 'nothing settled' } });
    render(<FollowUp o={order} />, root);
    await act(async () => {
      root.querySelector<HTMLButtonElement>('[data-testid=followup-make]')!.click();
    });
    await settle('[data-testid=followup-error]');
    expect(root.querySelector('[data-testid=followup-error]')!.textContent).toContain('还没有采用的回答');
    expect(root.querySelector('[data-testid=followup-make]')).not.toBeNull();
  });
});
