import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setFetch } from '../api';
import { setLang } from '../i18n';
import { ReviewPage } from '../pages/lead/Review';
import type { Box, QueueOut } from './review';

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

async function settle() {
  for (let i = 0; i < 20; i++) {
    await act(async () => {
      await new Promise((r) => setTimeout(r, 0));
    });
  }
}

const labels = [
  { key: 'car', name_zh: '车', name_en: 'Car', colour: '#1e88e5', hotkey: '1' },
  { key: 'person', name_zh: '人', name_en: 'Person', colour: '#e53935', hotkey: '2' },
];

function answer(id: number, who: string, colour: string, boxes: Box[]) {
  return {
    label_id: id,
    annotator_id: id + 100,
    annotator_name: who,
    colour,
    answer: { boxes },
    skip_reason: null,
    seconds: 4.2,
    created_at: 1,
    excluded: false,
    agrees: null,
  };
}

function queue(): QueueOut {
  return {
    orders: [{ id: 5, name: '车辆框选', state: 'open', deadline: 1_800_000_000_000, task_type: 'bbox', labels }],
    items: [
      {
        order_id: 5,
        item_id: 42,
        kind: 'image',
        thumb_url: '/api/v1/media/abc/thumb',
        screen_url: '/api/v1/media/abc/screen',
        text: null,
        width: 800,
        height: 600,
        is_gold: false,
        gold: null,
        state: 'escalated',
        consensus: { boxes: [{ label: 'car', x: 10, y: 10, w: 100, h: 50 }] },
        confidence: 0.4,
        final_answer: false,
        labels_count: 2,
        needed: 2,
        skips: 0,
        since: 1,
        reasons: [{ reason: 'escalated', note: null, label_id: null, created_at: 1 }],
        answers: [
          answer(1, '王芳', '#e6194b', [{ label: 'car', x: 10, y: 10, w: 100, h: 50 }]),
          answer(2, '李娜', '#3cb44b', [
            { label: 'car', x: 12, y: 11, w: 98, h: 50 },
            { label: 'person', x: 300, y: 200, w: 40, h: 90 },
          ]),
        ],
      },
    ],
  };
}

let root: HTMLElement;
let calls: { key: string; body: unknown }[];

beforeEach(() => {
  setLang('zh-CN');
  root = document.createElement('div');
  document.body.appendChild(root);
  calls = [];
  setFetch(async (url, init) => {
    const key = `${init?.method ?? 'GET'} ${String(url)}`;
    calls.push({ key, body: init?.body ? JSON.parse(String(init.body)) : null });
    if (key.startsWith('GET /api/v1/lead/review?')) return json(200, queue());
    if (key === 'GET /api/v1/lead/review/orders')
      return json(200, { items: [{ order_id: 5, order_name: '车辆框选', deadline: null, escalated: 1, skipped: 0, gold_failure: 0, client_flag: 0 }] });
    if (key === 'POST /api/v1/lead/review/5/items/42/decision') {
      const body = JSON.parse(String(init?.body));
      return json(200, { id: 1, decision: body.decision, answer: body.answer ?? null });
    }
    return json(404, { error: { code: 'not_found', message: key } });
  });
});

afterEach(() => {
  render(null, root);
  root.remove();
});

describe('review queue', () => {
  it('draws every annotator’s boxes in their colour, and the consensus dashed', async () => {
    render(<ReviewPage order={null} />, root);
    await settle();
    const card = root.querySelector('[data-testid=review-item]');
    expect(card?.getAttribute('data-item')).toBe('42');
    const rects = [...root.querySelectorAll('svg.review-boxes rect[stroke]')];
    const strokes = rects.map((r) => r.getAttribute('stroke'));
    expect(strokes.filter((s) => s === '#e6194b')).toHaveLength(1);
    expect(strokes.filter((s) => s === '#3cb44b')).toHaveLength(2);
    expect(rects.some((r) => r.getAttribute('stroke-dasharray'))).toBe(true);
    expect(root.querySelector('svg.review-boxes')?.getAttribute('viewBox')).toBe('0 0 800 600');
    expect(root.textContent).toContain('意见不一');
    expect(root.textContent).toContain('把握 40%');
    expect(root.textContent).toContain('车 ×1、人 ×1');
    // hiding one annotator hides their boxes
    const legend = root.querySelectorAll<HTMLInputElement>('.box-legend input');
    await act(async () => legend[1].click());
    expect([...root.querySelectorAll('svg.review-boxes rect[stroke="#3cb44b"]')]).toHaveLength(0);
  });

  it('overrides a box item with one annotator’s boxes, which then stay on the card', async () => {
    render(<ReviewPage order={null} />, root);
    await settle();
    await act(async () => root.querySelector<HTMLButtonElement>('[data-testid=override]')?.click());
    const useLina = [...root.querySelectorAll<HTMLButtonElement>('.override button')].find((b) => b.textContent?.includes('李娜'));
    await act(async () => useLina?.click());
    await settle();
    const post = calls.find((c) => c.key === 'POST /api/v1/lead/review/5/items/42/decision');
    expect(post?.body).toEqual({
      decision: 'override',
      answer: {
        boxes: [
          { label: 'car', x: 12, y: 11, w: 98, h: 50 },
          { label: 'person', x: 300, y: 200, w: 40, h: 90 },
        ],
      },
    });
    expect(root.querySelector('[data-testid=decided]')?.textContent).toContain('已改判');
    expect(root.querySelector('[data-testid=review-item]')).not.toBeNull();
  });

  it('sends an item back for two more labels', async () => {
    render(<ReviewPage order={5} />, root);
    await settle();
    expect(calls.some((c) => c.key === 'GET /api/v1/lead/review?limit=10&order_id=5')).toBe(true);
    await act(async () => root.querySelector<HTMLButtonElement>('[data-testid=send-back]')?.click());
    await settle();
    const post = calls.find((c) => c.key.startsWith('POST'));
    expect(post?.body).toEqual({ decision: 'send_back', extra_labels: 2 });
    expect(root.querySelector('[data-testid=decided]')?.textContent).toContain('已退回');
  });
});
