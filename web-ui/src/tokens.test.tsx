import { describe, expect, it } from 'vitest';
import { render } from 'preact';
import { tokenRequest, TOKEN_DAYS, Tokens } from './pages/Client';
import { dictionaries } from './i18n';

describe('API token form', () => {
  it('sends the ticked scopes in order and the chosen days', () => {
    const body = tokenRequest(' 夜间导出 ', ['results:read', 'orders'], new Set(['orders', 'results:read']), 30);
    expect(body).toEqual({ name: '夜间导出', scopes: ['results:read', 'orders'], expires_in_days: 30 });
    expect(tokenRequest('x', ['admin', 'admin:users'], new Set(['admin']), 90).scopes).toEqual(['admin']);
  });

  it('offers no more than the server allows', () => {
    expect(Math.max(...TOKEN_DAYS)).toBe(365);
    expect(TOKEN_DAYS).toContain(90);
  });

  it('names every scope in both languages', () => {
    for (const k of ['scope_results_read', 'scope_orders', 'scope_admin', 'scope_admin_users', 'token_expiry'] as const) {
      expect(dictionaries['zh-CN'][k]).toBeTruthy();
      expect(dictionaries.en[k]).toBeTruthy();
    }
  });

  it('shows one checkbox per scope, all ticked, and the expiry choices', () => {
    const root = document.createElement('div');
    render(<Tokens scopes={['admin', 'admin:users']} />, root);
    const boxes = Array.from(root.querySelectorAll<HTMLInputElement>('input[name="scope"]'));
    expect(boxes.map((b) => [b.value, b.checked])).toEqual([
      ['admin', true],
      ['admin:users', true],
    ]);
    const days = Array.from(root.querySelectorAll('select[name="token_days"] option')).map((o) => o.getAttribute('value'));
    expect(days).toEqual(TOKEN_DAYS.map(String));
    render(null, root);
  });
});
