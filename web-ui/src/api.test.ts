import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { api, ApiError, errorText, onUnauthenticated, setFetch, WORDED_CODES } from './api';
import { setLang } from './i18n';

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

async function fail(p: Promise<unknown>): Promise<ApiError> {
  return p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e as ApiError,
  );
}

describe('api client', () => {
  let calls: { url: string; init: RequestInit }[];
  beforeEach(() => {
    calls = [];
    setLang('zh-CN');
  });
  afterEach(() => setFetch((...a) => fetch(...a)));

  function respond(res: Response | (() => never)) {
    setFetch(async (url, init) => {
      calls.push({ url: String(url), init: init ?? {} });
      if (typeof res === 'function') return res();
      return res;
    });
  }

  it('sends same-origin credentials and JSON', async () => {
    respond(json(200, { user: { id: 1 } }));
    const res = await api.post<{ user: { id: number } }>('/auth/login', { username: 'a', password: 'b' });
    expect(res.user.id).toBe(1);
    expect(calls[0].url).toBe('/api/v1/auth/login');
    expect(calls[0].init.credentials).toBe('same-origin');
    expect(calls[0].init.method).toBe('POST');
    expect((calls[0].init.headers as Record<string, string>)['Content-Type']).toBe('application/json');
    expect(JSON.parse(String(calls[0].init.body))).toEqual({ username: 'a', password: 'b' });
  });

  it('reads the error envelope with its extra fields', async () => {
    respond(json(401, { error: { code: 'invalid_pin', message: 'wrong pin', attempts_left: 3 } }));
    const e = await fail(api.post('/auth/pin', { user_id: 5, pin: '0000' }));
    expect(e).toBeInstanceOf(ApiError);
    expect(e.status).toBe(401);
    expect(e.code).toBe('invalid_pin');
    expect(e.attemptsLeft).toBe(3);
    expect(errorText(e)).toBe('密码不对，还能试 3 次');
  });

  it('turns retry_after_s into whole minutes', async () => {
    respond(json(429, { error: { code: 'locked', message: 'locked', retry_after_s: 61 } }));
    const e = await fail(api.post('/auth/pin', {}));
    expect(e.retryAfterS).toBe(61);
    expect(errorText(e)).toBe('已锁定，2 分钟后再试');
    setLang('en');
    expect(errorText(e)).toBe('Locked, try again in 2 min');
  });

  it('shows tries left for a wrong password, and minutes for a busy device', () => {
    expect(errorText(new ApiError(401, 'invalid_credentials', 'x', { attempts_left: 2 }))).toBe('用户名或密码不对，还能试 2 次');
    expect(errorText(new ApiError(429, 'rate_limited', 'x', { retry_after_s: 300 }))).toBe('试太多次了，5 分钟后再试');
    expect(errorText(new ApiError(429, 'rate_limited', 'x'))).toBe('试太多次了，请稍后再试');
    expect(errorText(new ApiError(429, 'rate_limited', 'x', { retry_after_s: 4 }))).toBe('试太多次了，4 秒后再试');
  });

  it('names the field of a validation error', () => {
    expect(errorText(new ApiError(400, 'validation', 'pin: bad', { field: 'pin' }))).toBe('请检查：数字密码');
    expect(errorText(new ApiError(400, 'validation', 'x', { field: 'colour' }))).toBe('请检查：colour');
    expect(errorText(new ApiError(400, 'validation', 'x'))).toBe('填写有误');
  });

  it('maps a non-JSON error body by status', async () => {
    respond(new Response('<html>not here</html>', { status: 404, headers: { 'Content-Type': 'text/html' } }));
    const e = await fail(api.get('/work/next'));
    expect(e.code).toBe('not_found');
    expect(errorText(e)).toBe('找不到');
  });

  it('maps 5xx without a body to a server error', async () => {
    respond(new Response('', { status: 502 }));
    const e = await fail(api.get('/session'));
    expect(e.code).toBe('server');
    expect(errorText(e)).toBe('服务器出错了');
  });

  it('reports a network failure', async () => {
    respond(() => {
      throw new TypeError('Failed to fetch');
    });
    const e = await fail(api.get('/device'));
    expect(e.code).toBe('network');
    expect(e.status).toBe(0);
    expect(errorText(e)).toBe('连不上服务器');
  });

  it('answers undefined for 204', async () => {
    respond(new Response(null, { status: 204 }));
    expect(await api.post('/auth/logout')).toBeUndefined();
  });

  it('falls back to the server message for unknown codes', async () => {
    respond(json(400, { error: { code: 'weird_thing', message: 'Something odd' } }));
    const e = await fail(api.get('/x'));
    expect(errorText(e)).toBe('Something odd');
  });

  it('translates every known code', () => {
    // the ones errorText words itself, and every one in its list
    const codes = ['invalid_credentials', 'invalid_pin', 'locked', 'validation', 'rate_limited', ...WORDED_CODES];
    for (const code of codes) {
      const text = errorText(new ApiError(400, code, 'English message'));
      expect(text, code).not.toBe('English message');
      expect(text, code).toMatch(/[\u4e00-\u9fff]/);
    }
  });

  it('tells listeners when a session ends, but not for a login attempt', async () => {
    const ended = vi.fn();
    const off = onUnauthenticated(ended);
    respond(json(401, { error: { code: 'invalid_credentials', message: 'no' } }));
    await api.post('/auth/login', {}).catch(() => {});
    respond(json(401, { error: { code: 'unauthenticated', message: 'no' } }));
    await api.get('/session').catch(() => {});
    expect(ended).not.toHaveBeenCalled();
    await api.get('/devices').catch(() => {});
    expect(ended).toHaveBeenCalledOnce();
    off();
  });
});
