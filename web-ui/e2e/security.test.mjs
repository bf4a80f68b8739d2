// The browser defences of crates/mudou-server/src/browser.rs, in a real browser: the security
// headers on every kind of answer, the main pages of every role breaking none of the
// Content-Security-Policy (lib.mjs counts each violation as a page error), the policy really
// enforced, and another site's page unable to post with a logged-in browser.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { BASE, LAPTOP, loginStaff, openBrowser } from './lib.mjs';
import { loginAnnotator, startWork } from './work-lib.mjs';

/** Goes to each path (`#/…` views included) and waits until the page is quiet. */
async function visit(page, paths) {
  for (const p of paths) {
    await page.goto(BASE + p);
    await page.getByTestId('topbar').waitFor();
    await page.waitForLoadState('networkidle');
  }
}

const SHAPES = fileURLToPath(new URL('../../datasets/shapes/', import.meta.url));

describe('security headers', () => {
  it('come with every kind of answer, and HSTS not over plain HTTP', async () => {
    for (const [what, path, init] of [
      ['web app', '/', {}],
      ['web app route', '/login', {}],
      ['asset', '/favicon.svg', {}],
      ['missing asset', '/assets/missing.js', {}],
      ['API', '/api/v1/device', {}],
      ['API error', '/api/v1/nothing-here', {}],
      ['refused post', '/api/v1/auth/logout', { method: 'POST', headers: { origin: 'http://evil.example' } }],
    ]) {
      const r = await fetch(BASE + path, init);
      const csp = r.headers.get('content-security-policy') ?? '';
      assert.match(csp, /default-src 'self'/, `${what}: ${csp}`);
      assert.match(csp, /script-src 'self';/, what);
      assert.match(csp, /frame-ancestors 'none'/, what);
      assert.doesNotMatch(csp, /unsafe/, what);
      assert.equal(r.headers.get('x-frame-options'), 'DENY', what);
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff', what);
      assert.equal(r.headers.get('referrer-policy'), 'same-origin', what);
      assert.equal(r.headers.get('strict-transport-security'), null, what);
      await r.arrayBuffer();
    }
  });
});

describe('the pages break none of the Content-Security-Policy', () => {
  const browsers = [];
  after(async () => {
    for (const b of browsers) await b.close();
  });
  async function open() {
    const b = await openBrowser(LAPTOP);
    browsers.push(b);
    return b;
  }

  it('login, and the client: datasets, pictures, an upload, orders', async () => {
    const b = await open();
    const { page } = b;
    await page.goto(BASE + '/');
    await page.getByTestId('password-form').waitFor();
    await page.waitForLoadState('networkidle');
    await loginStaff(page, 'client');
    const row = page.getByTestId('dataset-row').filter({ hasText: '形状示例' });
    await row.click();
    const img = page.locator('[data-testid=thumb] img').first();
    await img.evaluate((el) => (el.complete ? null : new Promise((ok) => el.addEventListener('load', ok, { once: true }))));
    assert.ok((await img.evaluate((el) => el.naturalWidth)) > 0, 'the thumbnails load');
    // An upload (multipart, through the app's own XHR) passes the same-origin check.
    await page.getByTestId('back').click();
    await page.locator('input[name=dataset_name]').fill(`CSP ${Date.now().toString(36)}`);
    await page.getByTestId('create-dataset').click();
    await page.waitForURL(/#\/datasets\/\d+$/);
    await page.getByTestId('file-input').setInputFiles({
      name: 'shape.jpg',
      mimeType: 'image/jpeg',
      buffer: readFileSync(join(SHAPES, 'shape_010.jpg')),
    });
    await page.getByTestId('upload-start').click();
    await page.getByTestId('outcome').waitFor({ timeout: 60_000 });
    assert.equal(await page.locator('[data-testid=outcome-row][data-status=accepted]').count(), 1);
    await page.getByTestId('thumb').first().waitFor();
    await page.waitForLoadState('networkidle');
    // An order's page, with its charts.
    const { items } = await page.evaluate(async () => (await fetch('/api/v1/orders')).json());
    assert.ok(items.length > 0);
    await visit(page, ['/#/orders/' + items[0].id, '/#/orders/new']);
    assert.deepEqual(b.errors, []);
  });

  it('the lead and the admin: homes, review, quality, messages, pay', async () => {
    const lead = await open();
    await loginStaff(lead.page, 'lead');
    await visit(lead.page, ['/', '/#/review', '/#/quality', '/#/messages', '/#/pauses']);
    assert.deepEqual(lead.errors, []);
    const admin = await open();
    await loginStaff(admin.page, 'admin');
    await visit(admin.page, ['/']);
    assert.deepEqual(admin.errors, []);
  });

  it('the annotator: roster, PIN, the workbench with its picture', async () => {
    const b = await open();
    const { page } = b;
    await loginAnnotator(page, '王芳', '1111');
    await page.waitForLoadState('networkidle');
    await startWork(page);
    await page.getByTestId('item-img').or(page.getByTestId('item-text')).first().waitFor();
    await page.waitForLoadState('networkidle');
    assert.deepEqual(b.errors, []);
    // hand the unit back, through the app's own session (a same-origin POST)
    const back = await page.evaluate(async () => {
      const next = await (await fetch('/api/v1/work/next')).json();
      if (next.status !== 'assigned') return 'none';
      const r = await fetch(`/api/v1/work/assignments/${next.assignment.id}/return`, { method: 'POST' });
      return r.status;
    });
    assert.ok(back === 'none' || back < 300, `hand back: ${back}`);
  });

  it('is enforced: an inline script or style attribute is refused, and reported', async () => {
    const b = await open();
    const { page } = b;
    await page.goto(BASE + '/login');
    await page.getByTestId('password-form').waitFor();
    const ran = await page.evaluate(async () => {
      const s = document.createElement('script');
      s.textContent = 'window.__inlineRan = true;';
      document.body.appendChild(s);
      const d = document.createElement('div');
      d.setAttribute('style', 'color: red');
      document.body.appendChild(d);
      await new Promise((ok) => setTimeout(ok, 200));
      return window.__inlineRan === true;
    });
    assert.equal(ran, false, 'an inline script ran');
    // a string run as code (eval's kin) outside the test's own evaluation
    const evaled = await page.evaluate(async () => {
      setTimeout('window.__evalRan = true', 0);
      await new Promise((ok) => setTimeout(ok, 200));
      return window.__evalRan === true;
    });
    assert.equal(evaled, false, 'a string ran as code');
    const seen = b.errors.join('\n');
    assert.match(seen, /script-src\S* refused inline/, seen);
    assert.match(seen, /style-src\S* refused inline/, seen);
    assert.match(seen, /script-src\S* refused eval/, seen);
  });
});

describe("another site's page", () => {
  let evil;
  let evilUrl;
  let b;
  before(async () => {
    // A page on another origin (and site: localhost is not 127.0.0.1) that posts to Mudou.
    evil = createServer((req, res) => {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(`<!doctype html><title>evil</title>
<form id="f" method="post" action="${BASE}/api/v1/auth/logout"><button>win a prize</button></form>`);
    });
    await new Promise((ok) => evil.listen(0, '127.0.0.1', ok));
    evilUrl = `http://localhost:${evil.address().port}/`;
    b = await openBrowser(LAPTOP);
  });
  after(async () => {
    await b.close();
    await new Promise((ok) => evil.close(ok));
  });

  it('cannot post with a logged-in browser: 403 cross_origin, and the session lives on', async () => {
    const { page } = b;
    await loginStaff(page, 'client');
    await page.goto(evilUrl);
    // a script's request (no-cors, as another site would have to send it: its answer is opaque) …
    const seen = page.waitForResponse((r) => r.url() === `${BASE}/api/v1/auth/logout`);
    await page.evaluate((url) => fetch(url, { method: 'POST', mode: 'no-cors', credentials: 'include' }).catch(() => {}), `${BASE}/api/v1/auth/logout`);
    const r = await seen;
    assert.equal(r.status(), 403);
    // … and a form, the classic way.
    const nav = page.waitForResponse((x) => x.url() === `${BASE}/api/v1/auth/logout`);
    await page.locator('#f button').click();
    const f = await nav;
    assert.equal(f.status(), 403);
    assert.equal((await f.json()).error.code, 'cross_origin');
    // Mudou's own page still has its session.
    await page.goto(BASE + '/');
    await page.getByTestId('topbar').waitFor();
    const me = await page.evaluate(async () => (await fetch('/api/v1/session')).status);
    assert.equal(me, 200);
  });
});
