import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setFetch } from './api';
import { setLang } from './i18n';
import { OrderPage } from './pages/client/OrderPage';
import { buildSpec, emptyOrderForm } from './orders';

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

let root: HTMLElement;
let calls: string[];
let state: string;
let progress: Record<string, unknown> | null;

function order() {
  const f = emptyOrderForm();
  f.name = '猫狗';
  f.labels[0].name_zh = '猫';
  f.labels[1].name_zh = '狗';
  f.piece_rate = '0.12';
  const r = buildSpec(f);
  if (!('spec' in r)) throw new Error('bad form');
  return {
    id: 9,
    dataset_id: 2,
    state,
    spec: r.spec,
    created_at: 1_700_000_000_000,
    published_at: 1_700_000_100_000,
    counts: { items: 200, resolved: 120, escalated: 10, gold_items: 20, labels: 415, units: 12 },
  };
}

beforeEach(() => {
  setLang('zh-CN');
  root = document.createElement('div');
  document.body.appendChild(root);
  calls = [];
  state = 'open';
  progress = null;
  setFetch(async (url, init) => {
    const key = `${init?.method ?? 'GET'} ${String(url)}`;
    calls.push(key);
    if (key === 'GET /api/v1/orders/9') return json(200, order());
    if (key === 'GET /api/v1/orders/9/progress' && progress) return json(200, progress);
    if (key === 'GET /api/v1/orders/9/units') return json(200, { items: [{ id: 1, seq: 1, kind: 'base', slots: 3, items: 20 }] });
    if (key === 'GET /api/v1/datasets') return json(200, { items: [{ id: 2, name: '宠物', item_count: 220 }] });
    if (key === 'POST /api/v1/orders/9/pause') {
      state = 'paused';
      return json(200, order());
    }
    return json(404, { error: { code: 'not_found', message: key } });
  });
});

afterEach(() => {
  render(null, root);
  root.remove();
});

describe('order page', () => {
  it('draws progress, counts and the estimated cost from the counts', async () => {
    render(<OrderPage id={9} />, root);
    await settle();
    for (let i = 0; i < 50 && !root.querySelector('[data-testid=units-summary]'); i++) await settle();
    const q = (id: string) => root.querySelector(`[data-testid=${id}]`)!;
    expect(q('order-name').textContent).toBe('猫狗');
    expect(q('n-labels').textContent).toContain('415');
    // 415 labels × 12 fen = 4980 fen
    expect(q('cost').textContent).toContain('¥49.80');
    const svg = q('progress-chart').querySelector('svg')!;
    expect(svg.getAttribute('aria-label')).toBe('已定 120，需复核 10，未完成 70，共 200');
    const bars = svg.querySelectorAll(':scope > rect');
    expect(Number(bars[1].getAttribute('width'))).toBeCloseTo(360); // 120/200 of 600
    expect(Number(bars[2].getAttribute('width'))).toBeCloseTo(30);
    expect(q('units-summary').textContent).toContain('1 个任务包');
    expect(root.textContent).toContain('宠物');
  });

  it('tells what a medical order’s experts and doctor cost', async () => {
    const base = { gold_labels: 0, gold_accuracy: null, labels_last_hour: 0, labels_remaining: 0, eta_seconds: null };
    progress = { ...base, expert_fen: 600, doctor_fen: 2000, expert_decisions: 2, doctor_decisions: 1 };
    render(<OrderPage id={9} />, root);
    for (let i = 0; i < 50 && !root.querySelector('[data-testid=live]'); i++) await settle();
    const line = root.querySelector('[data-testid=ladder-cost]')!;
    expect(line.textContent).toBe(' 专家决定 2 次，共 ¥6.00；医生决定 1 次，共 ¥20.00');
    expect(line.querySelector('svg')).not.toBeNull();
    render(null, root);
    progress = { ...base, expert_fen: 0, doctor_fen: 0, expert_decisions: 0, doctor_decisions: 0 };
    render(<OrderPage id={9} />, root);
    for (let i = 0; i < 50 && !root.querySelector('[data-testid=live]'); i++) await settle();
    expect(root.querySelector('[data-testid=live]')).not.toBeNull();
    expect(root.querySelector('[data-testid=ladder-cost]')).toBeNull();
  });

  it('offers the actions of the state and pauses', async () => {
    render(<OrderPage id={9} />, root);
    await settle();
    expect(root.querySelector('[data-testid=publish]')).toBeNull();
    expect(root.querySelector('[data-testid=resume]')).toBeNull();
    (root.querySelector('[data-testid=pause]') as HTMLButtonElement).click();
    await settle();
    expect(calls).toContain('POST /api/v1/orders/9/pause');
    expect(root.querySelector('[data-testid=resume]')).not.toBeNull();
    expect(root.querySelector('[data-state=paused]')).not.toBeNull();
  });
});
