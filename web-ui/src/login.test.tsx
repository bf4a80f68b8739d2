import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setFetch } from './api';
import { setLang } from './i18n';
import { LoginPage } from './pages/Login';

type Handler = (body: unknown) => [number, unknown];

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

let root: HTMLElement;
let requests: string[];
let routes: Record<string, Handler>;

async function settle() {
  for (let i = 0; i < 5; i++) {
    await act(async () => {
      await new Promise((r) => setTimeout(r, 0));
    });
  }
}

function press(key: string) {
  window.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true }));
}

const wang = { id: 5, display_name: '王芳', photo_url: null, locked: false };
const user = { id: 5, username: 'wangfang', display_name: '王芳', role: 'annotator', centre_id: 1, org_id: null, skill_level: 'trainee' };

beforeEach(() => {
  setLang('zh-CN');
  root = document.createElement('div');
  document.body.appendChild(root);
  requests = [];
  routes = {};
  setFetch(async (url, init) => {
    const key = `${init?.method ?? 'GET'} ${String(url)}`;
    requests.push(key);
    const h = routes[key];
    if (!h) return json(404, { error: { code: 'not_found', message: 'no route' } });
    const [status, body] = h(init?.body ? JSON.parse(String(init.body)) : undefined);
    return json(status, body);
  });
});

afterEach(() => {
  render(null, root);
  root.remove();
});

describe('login page', () => {
  it('shows only the password form when not enrolled, and never asks for the roster', async () => {
    routes['GET /api/v1/device'] = () => [200, { enrolled: false }];
    await act(() => render(<LoginPage onLoggedIn={() => {}} />, root));
    await settle();
    expect(root.querySelector('[data-testid=password-form]')).not.toBeNull();
    expect(root.querySelector('[data-testid=roster]')).toBeNull();
    expect(root.textContent).toContain('标注员请在组长登记过的中心电脑或手机上登录');
    expect(requests).toEqual(['GET /api/v1/device']);
  });

  it('logs an annotator in by roster and keyboard PIN', async () => {
    routes['GET /api/v1/device'] = () => [200, { enrolled: true, device: { id: 1, name: 'PC' }, centre: { id: 1, name: '示范县数字就业中心' } }];
    routes['GET /api/v1/device/roster'] = () => [200, { centre: { id: 1, name: '示范县数字就业中心' }, annotators: [wang] }];
    const sent: unknown[] = [];
    routes['POST /api/v1/auth/pin'] = (b) => {
      sent.push(b);
      return [200, { user }];
    };
    const onLoggedIn = vi.fn();
    await act(() => render(<LoginPage onLoggedIn={onLoggedIn} />, root));
    await settle();
    expect(root.textContent).toContain('示范县数字就业中心');
    const tile = root.querySelector<HTMLButtonElement>('[data-testid=roster-tile]')!;
    expect(tile.textContent).toContain('王芳');
    await act(() => tile.click());
    for (const k of ['1', '1', 'x', '1', '9', 'Backspace', '1']) await act(() => press(k));
    expect(root.querySelector('[data-testid=pin-dots]')!.getAttribute('data-count')).toBe('4');
    await act(() => press('Enter'));
    await settle();
    expect(sent).toEqual([{ user_id: 5, pin: '1111' }]);
    expect(onLoggedIn).toHaveBeenCalledWith(user);
  });

  it('submits a complete PIN on Enter even when the language switch has the focus', async () => {
    routes['GET /api/v1/device'] = () => [200, { enrolled: true, device: { id: 1, name: 'PC' }, centre: { id: 1, name: 'C' } }];
    routes['GET /api/v1/device/roster'] = () => [200, { centre: { id: 1, name: 'C' }, annotators: [wang] }];
    const sent: unknown[] = [];
    routes['POST /api/v1/auth/pin'] = (b) => {
      sent.push(b);
      return [200, { user }];
    };
    await act(() => render(<LoginPage onLoggedIn={() => {}} />, root));
    await settle();
    await act(() => root.querySelector<HTMLButtonElement>('[data-testid=roster-tile]')!.click());
    const toggle = root.querySelector<HTMLButtonElement>('[data-testid=lang-toggle]')!;
    const enter = () => toggle.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }));
    // incomplete: Enter belongs to the focused button
    await act(() => press('1'));
    let ev = enter();
    expect(ev).toBe(true);
    for (const k of ['1', '1', '1']) await act(() => press(k));
    ev = enter();
    expect(ev).toBe(false); // default prevented: the PIN is sent instead
    await settle();
    expect(sent).toEqual([{ user_id: 5, pin: '1111' }]);
  });

  it('shows a wrong PIN with attempts left, and a lock with minutes', async () => {
    routes['GET /api/v1/device'] = () => [200, { enrolled: true, device: { id: 1, name: 'PC' }, centre: { id: 1, name: 'C' } }];
    routes['GET /api/v1/device/roster'] = () => [200, { centre: { id: 1, name: 'C' }, annotators: [wang] }];
    let n = 0;
    routes['POST /api/v1/auth/pin'] = () =>
      ++n === 1
        ? [401, { error: { code: 'invalid_pin', message: 'wrong', attempts_left: 4 } }]
        : [429, { error: { code: 'locked', message: 'locked', retry_after_s: 900 } }];
    await act(() => render(<LoginPage onLoggedIn={() => {}} />, root));
    await settle();
    await act(() => root.querySelector<HTMLButtonElement>('[data-testid=roster-tile]')!.click());
    const key = (k: string) => root.querySelector<HTMLButtonElement>(`[data-key="${k}"]`)!;
    // the OK key waits for 4 digits
    await act(() => key('9').click());
    expect(key('ok').disabled).toBe(true);
    for (const k of ['9', '9', '9']) await act(() => key(k).click());
    expect(key('ok').disabled).toBe(false);
    await act(() => key('ok').click());
    await settle();
    expect(root.querySelector('[data-testid=pin-error]')!.textContent).toBe('密码不对，还能试 4 次');
    expect(root.querySelector('[data-testid=pin-dots]')!.getAttribute('data-count')).toBe('0');
    for (const k of ['9', '9', '9', '9']) await act(() => key(k).click());
    await act(() => key('ok').click());
    await settle();
    expect(root.querySelector('[data-testid=pin-error]')!.textContent).toBe('已锁定，15 分钟后再试');
    expect(root.querySelector('.badge-locked')).not.toBeNull();
  });

  it('switches to the staff password form and back', async () => {
    routes['GET /api/v1/device'] = () => [200, { enrolled: true, device: { id: 1, name: 'PC' }, centre: { id: 1, name: 'C' } }];
    routes['GET /api/v1/device/roster'] = () => [200, { centre: { id: 1, name: 'C' }, annotators: [wang] }];
    routes['POST /api/v1/auth/login'] = () => [401, { error: { code: 'invalid_credentials', message: 'no' } }];
    await act(() => render(<LoginPage onLoggedIn={() => {}} />, root));
    await settle();
    await act(() => root.querySelector<HTMLButtonElement>('[data-testid=staff-login]')!.click());
    const form = root.querySelector<HTMLFormElement>('[data-testid=password-form]')!;
    const [u, p] = Array.from(form.querySelectorAll('input'));
    act(() => {
      u.value = 'lead';
      u.dispatchEvent(new Event('input', { bubbles: true }));
      p.value = 'bad';
      p.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await act(() => {
      form.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
    });
    await settle();
    expect(root.querySelector('[data-testid=login-error]')!.textContent).toBe('用户名或密码不对');
    await act(() => root.querySelector<HTMLButtonElement>('[data-testid=annotator-login]')!.click());
    await settle();
    expect(root.querySelector('[data-testid=roster]')).not.toBeNull();
  });
});
