import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setFetch } from '../../api';
import { setLang } from '../../i18n';
import { type BackendState, ModelBackend, mw } from './ModelBackend';

async function settle(sel: string, text?: string) {
  const done = () => {
    const el = root.querySelector(sel);
    return el !== null && (text === undefined || el.textContent === text);
  };
  for (let i = 0; i < 200 && !done(); i++)
    await act(async () => {
      await new Promise((r) => setTimeout(r, 10));
    });
}

const state = (over: Partial<BackendState> = {}): BackendState => ({
  url: 'http://127.0.0.1:9090',
  has_token: true,
  questions: null,
  batch_size: 8,
  timeout_ms: 10000,
  model_version: 'v7',
  state: 'ok',
  failures: 0,
  open_until: null,
  last_error: null,
  last_error_at: null,
  last_success_at: 1_700_000_000_000,
  asked: 12,
  stored: 10,
  dropped: 2,
  trained: 3,
  ...over,
});

let root: HTMLElement;
let calls: { method: string; url: string; body: unknown }[];
let current: BackendState | null;
let refuse: string | null;

function json(v: unknown, status = 200) {
  return new Response(JSON.stringify(v), { status, headers: { 'Content-Type': 'application/json' } });
}

beforeEach(() => {
  setLang('zh-CN');
  root = document.createElement('div');
  document.body.appendChild(root);
  calls = [];
  current = null;
  refuse = null;
  setFetch((async (url: string, init?: RequestInit) => {
    const method = init?.method ?? 'GET';
    const body = init?.body ? JSON.parse(init.body as string) : undefined;
    calls.push({ method, url, body });
    if (method === 'GET')
      return current ? json(current) : json({ error: { code: 'not_found', message: 'model backend not found' } }, 404);
    if (method === 'PUT') {
      if (refuse) return json({ error: { code: 'validation', message: refuse } }, 422);
      current = state({ url: body.url, has_token: body.token !== undefined || (current?.has_token ?? false) });
      return json(current);
    }
    if (method === 'POST') return json(current, 202);
    if (method === 'DELETE') {
      current = null;
      return new Response(null, { status: 204 });
    }
    return json({}, 500);
  }) as typeof fetch);
});
afterEach(() => {
  render(null, root);
  root.remove();
});

function type(sel: string, v: string) {
  const el = root.querySelector<HTMLInputElement>(sel)!;
  el.value = v;
  el.dispatchEvent(new Event('input', { bubbles: true }));
}

async function click(sel: string) {
  await act(async () => {
    root.querySelector<HTMLButtonElement>(sel)!.click();
  });
}

describe('ModelBackend', () => {
  it('saves an address and token (a password field), then shows state and counts', async () => {
    render(<ModelBackend orderId={5} />, root);
    await settle('[data-testid=mb-none]');
    expect(root.textContent).toContain('还没有设模型');
    expect(root.querySelector<HTMLInputElement>('[data-testid=mb-token]')!.type).toBe('password');
    expect(root.querySelector('[data-testid=mb-ask]')).toBeNull();
    await act(async () => {
      type('[data-testid=mb-url]', 'http://10.0.0.2:9090');
      type('[data-testid=mb-token]', 's3cret');
    });
    await click('[data-testid=mb-save]');
    await settle('[data-testid=mb-counts]');
    const put = calls.find((c) => c.method === 'PUT')!;
    expect(put.url).toBe('/api/v1/orders/5/model-backend');
    expect(put.body).toEqual({ url: 'http://10.0.0.2:9090', token: 's3cret' });
    expect(root.querySelector('[data-testid=mb-said]')!.textContent).toBe(mw('saved'));
    expect(root.querySelector('[data-testid=mb-state]')!.getAttribute('data-state')).toBe('ok');
    expect(root.querySelector('[data-testid=mb-counts]')!.textContent).toBe('已问 12 条 · 存下 10 条 · 丢弃 2 条 · 回传 3 条');
    // The token is cleared from the field, and the placeholder says one is kept.
    const tok = root.querySelector<HTMLInputElement>('[data-testid=mb-token]')!;
    expect(tok.value).toBe('');
    expect(tok.placeholder).toBe(mw('token_kept'));
    // Every action has its icon.
    for (const b of root.querySelectorAll('button')) expect(b.querySelector('svg')).not.toBeNull();
  });

  it('keeps the token when saving again without one, and asks now', async () => {
    current = state();
    render(<ModelBackend orderId={5} />, root);
    await settle('[data-testid=mb-ask]');
    await click('[data-testid=mb-save]');
    await settle('[data-testid=mb-said]');
    expect(calls.find((c) => c.method === 'PUT')!.body).toEqual({ url: 'http://127.0.0.1:9090' });
    await click('[data-testid=mb-ask]');
    await settle('[data-testid=mb-said]', mw('asked_now'));
    const post = calls.find((c) => c.method === 'POST')!;
    expect(post.url).toBe('/api/v1/orders/5/model-backend/predict');
    expect(root.querySelector('[data-testid=mb-said]')!.textContent).toBe(mw('asked_now'));
  });

  it('shows a failing backend, its error, and a refused save', async () => {
    current = state({ state: 'circuit_open', failures: 3, last_error: '/predict: cannot connect', last_error_at: 1_700_000_000_000 });
    refuse = 'the backend did not answer: /health: cannot connect';
    render(<ModelBackend orderId={5} />, root);
    await settle('[data-testid=mb-error]');
    expect(root.querySelector('[data-testid=mb-state]')!.textContent).toBe('暂停呼叫（稍后自动再试）');
    expect(root.querySelector('[data-testid=mb-error]')!.textContent).toContain('/predict: cannot connect');
    await click('[data-testid=mb-save]');
    await settle('[data-testid=mb-failed]');
    expect(root.querySelector('[data-testid=mb-failed]')!.textContent).toBe('没有保存: the backend did not answer: /health: cannot connect');
  });

  it('speaks English when asked', async () => {
    setLang('en');
    current = state({ state: 'failing' });
    render(<ModelBackend orderId={5} />, root);
    await settle('[data-testid=mb-state]');
    expect(root.textContent).toContain('Model suggestions');
    expect(root.querySelector('[data-testid=mb-state]')!.textContent).toBe('Failing');
    expect(root.querySelector('[data-testid=mb-counts]')!.textContent).toBe('Asked 12 · stored 10 · dropped 2 · told 3');
  });

  it('removes the backend after a confirmation', async () => {
    current = state();
    render(<ModelBackend orderId={5} />, root);
    await settle('[data-testid=mb-remove]');
    await click('[data-testid=mb-remove]');
    await click('[data-testid=mb-remove-yes]');
    await settle('[data-testid=mb-none]');
    expect(calls.some((c) => c.method === 'DELETE' && c.url === '/api/v1/orders/5/model-backend')).toBe(true);
  });
});
