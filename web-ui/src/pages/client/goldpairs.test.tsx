// Gold pairs (issue 27, part 1): a client marks the better response of a pairwise item with
// the workbench form; the sides are named (A · 回答 1 …) so it is clear which response is
// which, and the gold sent is the winner field alone (no sides shown, strength or reasons:
// the server refuses those in gold), with the ranking's order as given.
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setFetch } from '../../api';
import { setLang } from '../../i18n';
import type { Template } from '../../kinds/types';
import type { Order } from '../../orders';
import { GoldPicker, goldOfForm } from './GoldPicker';

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

const template: Template = {
  layout: 'side_by_side',
  fields: [
    { name: 'prompt', kind: 'conversation', title_zh: '问题' },
    { name: 'response_1', kind: 'markdown', title_zh: '回答 1' },
    { name: 'response_2', kind: 'markdown', title_zh: '回答 2' },
  ],
  questions: [
    { key: 'better', kind: 'pairwise', title_zh: '哪个更好？', settings: { pair: ['response_1', 'response_2'], strength: true } },
    { key: 'rank', kind: 'ranking', title_zh: '排序', settings: { rank: ['response_1', 'response_2'] } },
  ],
};

describe('gold pairs', () => {
  it('keep only the winner of a preference', () => {
    expect(
      goldOfForm(template, {
        better: { winner: 'response_2', shown: ['response_1', 'response_2'], strength: 2, reasons: {} },
        rank: { order: [['response_2'], ['response_1']] },
      }),
    ).toEqual({ better: { winner: 'response_2' }, rank: { order: [['response_2'], ['response_1']] } });
  });

  it('name each side for the client and send the winner field as gold', async () => {
    const puts: { url: string; body: unknown }[] = [];
    setFetch(async (input, init) => {
      const url = String(input);
      if (init?.method === 'PUT') {
        puts.push({ url, body: JSON.parse(String(init.body)) });
        return new Response(null, { status: 204 });
      }
      return json(200, {
        items: [
          {
            id: 5, kind: 'text', file_name: 'dpo:1', tag: '', text: null, thumb_url: null, screen_url: null, gold: null,
            fields: [
              { name: 'prompt', kind: 'conversation', text: JSON.stringify([{ role: 'user', content: '1+1?' }]) },
              { name: 'response_1', kind: 'markdown', text: '2', model: 'qwen' },
              { name: 'response_2', kind: 'markdown', text: '3' },
            ],
          },
        ],
      });
    });
    const order = { id: 9, dataset_id: 3, state: 'draft', spec: { name: 't', task_type: 'template', labels: [], template } } as unknown as Order;
    await act(() => render(<GoldPicker order={order} />, root));
    $('[data-testid=open-gold]')!.click();
    await settle();
    $('[data-testid=gold-open-form]')!.click();
    await settle();
    // Each side's caption names its field (and model), whichever side it is drawn on.
    const caption = (f: string) => $(`[data-testid=llm-pair] [data-field=${f}] figcaption`)!.textContent;
    const side2 = $('[data-testid=llm-pair] [data-field=response_2]')!.dataset.side!;
    expect(caption('response_2')).toBe(`回答 ${side2} · 回答 2`);
    expect(caption('response_1')).toBe(`回答 ${side2 === 'A' ? 'B' : 'A'} · 回答 1 (qwen)`);
    // response_2 is better: its side's button.
    $(`[data-testid=pw-outcome][data-outcome=${side2.toLowerCase()}]`)!.click();
    await settle();
    $('[data-testid=rank-card][data-field=response_2]')!.click();
    await settle();
    $('[data-testid=rank-card][data-field=response_1]')!.click();
    await settle();
    $('[data-testid=q-submit]')!.click();
    await settle();
    expect(puts).toEqual([
      {
        url: expect.stringContaining('/orders/9/gold/5'),
        body: { answer: { better: { winner: 'response_2' }, rank: { order: [['response_2'], ['response_1']] } } },
      },
    ]);
  });
});
