import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setFetch } from '../../api';
import { setLang } from '../../i18n';
import { shopTemplate } from '../../kinds/examples';
import type { Order } from '../../orders';
import { Results } from './Results';

async function settle() {
  for (let i = 0; i < 12; i++)
    await act(async () => {
      await new Promise((r) => setTimeout(r, 0));
    });
}
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

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

describe("a template order's results", () => {
  it('show each answer in the template\'s words', async () => {
    setFetch(async (input) => {
      const url = String(input);
      if (url.includes('/results'))
        return json(200, {
          items: [{ item_id: 5, kind: 'image', file_name: 'a.jpg', thumb_url: '/t', text: null, state: 'resolved',
                    answer: { class: 'bike', stars: 2 }, confidence: 0.9, reviewed: false, flagged: false }],
          next_after: null,
        });
      if (url.includes('/flags')) return json(200, { items: [] });
      return json(404, { error: { code: 'not_found', message: 'x' } });
    });
    const order = {
      id: 9, dataset_id: 3, state: 'open',
      spec: { name: 't', task_type: 'template', labels: [], template: shopTemplate() },
    } as unknown as Order;
    await act(() => render(<Results o={order} />, root));
    await settle();
    const shown = root.querySelector('.result-answer')?.textContent ?? '';
    expect(shown).toContain('自行车');
    expect(shown).not.toContain('bike');
  });
});
