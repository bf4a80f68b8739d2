// A tiny history router: the server answers index.html for unknown non-API paths.

const listeners = new Set<() => void>();

export function currentPath(): string {
  return location.pathname.replace(/\/+$/, '') || '/';
}

export function navigate(path: string, replace = false): void {
  if (path === location.pathname + location.hash) return;
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  listeners.forEach((f) => f());
}

export function onRouteChange(f: () => void): () => void {
  listeners.add(f);
  const pop = () => f();
  window.addEventListener('popstate', pop);
  return () => {
    listeners.delete(f);
    window.removeEventListener('popstate', pop);
  };
}

/** The enrollment code from a link like `/enroll#code=ABCD-1234`, or null. */
export function enrollCodeFromHash(hash: string): string | null {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const code = params.get('code')?.trim();
  return code ? code : null;
}
