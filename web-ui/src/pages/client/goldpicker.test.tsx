import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setFetch } from '../../api';
import { setLang } from '../../i18n';
import { shopTemplate } from '../../kinds/examples';
import type { Order } from '../../orders';
import { GoldPicker } from './GoldPicker';

async function settle() {
  for (let i = 0; i < 12; i++)
    await act(async () => {
      await new Promise((r) => setTimeout(r, 0));
    });
}
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

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

describe("a template order's typed-in gold", () => {
  it('is answered with the workbench form and sent as the answer keyed by question', async () => {
    const puts: { url: string; body: unknown }[] = [];
    setFetch(async (input, init) => {
      const url = String(input);
      if (init?.method === 'PUT') {
        puts.push({ url, body: JSON.parse(String(init.body)) });
        return new Response(null, { status: 204 });
      }
      return json(200, {
        items: [{ id: 5, kind: 'image', file_name: 'a.jpg', tag: '', text: null, width: 200, height: 100, thumb_url: '/t', screen_url: '/s', gold: null }],
      });
    });
    const order = {
      id: 9, dataset_id: 3, state: 'draft',
      spec: { name: 't', task_type: 'template', labels: [], template: shopTemplate() },
    } as unknown as Order;
    await act(() => render(<GoldPicker order={order} />, root));
    $('[data-testid=open-gold]')!.click();
    await settle();
    $('[data-testid=gold-open-form]')!.click();
    await settle();
    $('[data-testid=opt-btn][data-question=class][data-key=bike]')!.click();
    $('[data-testid=rating-step][data-step="2"]')!.click();
    await settle();
    $('[data-testid=q-submit]')!.click();
    await settle();
    expect(puts).toEqual([{ url: expect.stringContaining('/orders/9/gold/5'), body: { answer: { class: 'bike', stars: 2 } } }]);
    expect($('[data-testid=gold-saved]')?.textContent).toContain('自行车');
    expect($('[data-testid=gold-form]')).toBeNull();
  });
});
