// The app shell's service worker (木豆 offline): the page and its built files are kept on the
// device, so a reload without network opens the app (the workbench with what waits to upload)
// instead of the browser's error page. `scripts/postbuild.mjs` copies this file to dist/sw.js
// with the build's file list and version filled in.
//
// - Navigations: network first (a fresh page when online), the kept page when the network fails
//   or takes longer than NAV_TIMEOUT_MS.
// - The built files (hashed names, never changed): from the cache, else the network.
// - /api/ and anything else: not touched (answers go through the IndexedDB outbox, never here).

/* eslint-env serviceworker */
const VERSION = '__MUDOU_VERSION__';
const SHELL = __MUDOU_SHELL__;
const PREFIX = 'mudou-shell-';
const CACHE = PREFIX + VERSION;
const NAV_TIMEOUT_MS = 10000;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((c) => c.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith(PREFIX) && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

function kept(path) {
  return caches.open(CACHE).then((c) => c.match(path));
}

function navigate(request) {
  return new Promise((resolve) => {
    let done = false;
    const fallback = () =>
      kept('/index.html').then((r) => {
        if (!done) {
          done = true;
          resolve(r || Response.error());
        }
      });
    const timer = setTimeout(fallback, NAV_TIMEOUT_MS);
    fetch(request).then(
      (r) => {
        clearTimeout(timer);
        if (done) return;
        // a server error page is no better than the kept shell
        if (r.status >= 500) return fallback();
        done = true;
        resolve(r);
      },
      () => {
        clearTimeout(timer);
        fallback();
      },
    );
  });
}

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  const p = url.pathname;
  if (p.startsWith('/api/') || p === '/healthz' || p === '/readyz' || p === '/metrics') return;
  if (req.mode === 'navigate') {
    event.respondWith(navigate(req));
    return;
  }
  if (SHELL.includes(p)) event.respondWith(kept(p).then((r) => r || fetch(req)));
});
