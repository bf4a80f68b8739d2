// The client's views live in the URL's hash (`#/datasets/3`, `#/orders/5`): Back works and a
// reload stays on the same screen, while the path stays `/`.

import { Icon } from '../../components/Icon';

export type ClientView =
  | { page: 'home' }
  | { page: 'dataset'; id: number }
  | { page: 'new-order'; dataset: number | null }
  | { page: 'order'; id: number }
  | { page: 'edit-order'; id: number };

/** The view a hash names; anything unknown is the home. */
export function parseClientHash(hash: string): ClientView {
  const h = hash.replace(/^#\/?/, '');
  let m = /^datasets\/(\d+)$/.exec(h);
  if (m) return { page: 'dataset', id: Number(m[1]) };
  m = /^orders\/new(?:\?dataset=(\d+))?$/.exec(h);
  if (m) return { page: 'new-order', dataset: m[1] ? Number(m[1]) : null };
  m = /^orders\/(\d+)(\/edit)?$/.exec(h);
  if (m) return m[2] ? { page: 'edit-order', id: Number(m[1]) } : { page: 'order', id: Number(m[1]) };
  return { page: 'home' };
}

export function go(hash: string): void {
  if (location.hash === hash || (hash === '' && !location.hash)) return;
  if (hash === '') history.pushState(null, '', location.pathname);
  else history.pushState(null, '', hash);
  window.dispatchEvent(new HashChangeEvent('hashchange'));
  window.scrollTo?.(0, 0);
}

export function BackLink({ to, label }: { to: string; label: string }) {
  return (
    <a
      class="back-link"
      href={to || '/'}
      data-testid="back"
      onClick={(e) => {
        e.preventDefault();
        go(to);
      }}
    >
      <Icon name="back" />
      <span>{label}</span>
    </a>
  );
}

