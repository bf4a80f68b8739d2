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

describe("a box order's results", () => {
  it('draw the boxes on the thumbnail, in the picture\'s own coordinates', async () => {
    setFetch(async (input) => {
      const url = String(input);
      if (url.includes('/results'))
        return json(200, {
          items: [{ item_id: 6, kind: 'image', file_name: 'b.jpg', thumb_url: '/t', text: null, width: 400, height: 200,
                    state: 'resolved', answer: { boxes: [{ label: 'circle', x: 10, y: 20, w: 30, h: 40 }, { label: 'circle', x: 100, y: 50, w: 60, h: 70 }] },
                    confidence: 0.9, reviewed: false, flagged: false },
                  { item_id: 7, kind: 'image', file_name: 'c.jpg', thumb_url: '/t', text: null, width: 400, height: 200,
                    state: 'resolved', answer: { boxes: [] }, confidence: 0.9, reviewed: false, flagged: false }],
          next_after: null,
        });
      if (url.includes('/flags')) return json(200, { items: [] });
      return json(404, { error: { code: 'not_found', message: 'x' } });
    });
    const order = {
      id: 9, dataset_id: 3, state: 'open',
      spec: { name: 'b', task_type: 'bbox', labels: [{ key: 'circle', name_zh: '圆形', name_en: 'Circle', colour: '#123456' }] },
    } as unknown as Order;
    await act(() => render(<Results o={order} />, root));
    await settle();
    const [first, second] = Array.from(root.querySelectorAll('[data-testid="result-item"]'));
    expect(first.querySelector('.result-boxes')?.getAttribute('viewBox')).toBe('0 0 400 200');
    const rects = first.querySelectorAll('[data-testid="result-box"]');
    expect(rects.length).toBe(2);
    expect(rects[1].getAttribute('x')).toBe('100');
    expect(rects[1].getAttribute('stroke')).toBe('#123456');
    expect(first.textContent).toContain('圆形');
    expect(second.querySelector('.result-boxes')).toBeNull();
  });
});
