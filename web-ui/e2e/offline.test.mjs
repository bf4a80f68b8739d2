// The app shell offline (issue 26, item 3): answers given without network, then a reload
// without network opens the app from the service worker (web-ui/sw/sw.js) — not the browser's
// error page — in Chinese, with what waits to upload; when the network is back the answers are
// sent, and the client's export has each exactly once. On a 360×640 touch phone and at 1366×768.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LAPTOP, PHONE, openBrowser, shot } from './lib.mjs';
import {
  apiSession,
  checkExactlyOnce,
  exportJsonl,
  loginAnnotator,
  onlyOpen,
  returnOtherUnits,
  shownItem,
  startWork,
  waitNextItem,
} from './work-lib.mjs';

let client;
before(async () => {
  client = await apiSession('client', 'mudou-client');
});

for (const [size, viewport, touch, who, pin] of [
  ['phone', PHONE, true, '李娜', '2222'],
  ['laptop', LAPTOP, false, '张丽', '3333'],
]) {
  describe(`offline at ${viewport.width}px`, () => {
    let b;
    let restore = async () => {};
    before(async () => {
      b = await openBrowser(viewport, { touch });
    });
    after(async () => {
      await restore();
      await b.context.setOffline(false).catch(() => {});
      await b.close();
    });

    it(`${who} reloads without network: the workbench opens with what waits, and sends it later`, async () => {
      const { context, page } = b;
      const only = await onlyOpen(client, 'single_choice');
      restore = only.restore;
      await loginAnnotator(page, who, pin);
      await returnOtherUnits(page, only.order.id);
      await startWork(page);
      await page.locator('[data-testid=item-img][data-loaded]').waitFor();
      // the service worker takes the page over a few seconds after it loaded
      await page.waitForFunction(() => navigator.serviceWorker?.controller?.state === 'activated', null, { timeout: 30_000 });
      const caches = await page.evaluate(async () => {
        const names = await self.caches.keys();
        const kept = await (await self.caches.open(names[0])).keys();
        return { names, kept: kept.map((r) => new URL(r.url).pathname) };
      });
      assert.equal(caches.names.length, 1, `one shell cache: ${caches.names}`);
      assert.ok(caches.kept.includes('/index.html'), `the page is kept: ${caches.kept}`);
      assert.ok(caches.kept.some((p) => p.startsWith('/assets/') && p.endsWith('.js')), `the script is kept: ${caches.kept}`);
      assert.ok(!caches.kept.some((p) => p.startsWith('/api/')), 'no API answer is kept');

      await context.setOffline(true);
      const expected = new Map();
      for (let i = 0; i < 2; i++) {
        const { id } = await shownItem(page);
        const btn = page.getByTestId('label-btn').nth(i);
        const label = await btn.getAttribute('data-key');
        if (touch) await btn.tap();
        else await btn.click();
        expected.set(id, { label });
        await waitNextItem(page, id);
      }
      await page.locator('[data-testid=pending-badge][data-count="2"]').waitFor();

      // a reload without network: the kept shell, not the browser's error page
      const res = await page.reload();
      assert.ok(res, 'the reload has an answer');
      assert.equal(res.fromServiceWorker(), true, 'the page came from the service worker');
      await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
      const badge = page.locator('[data-testid=pending-badge][data-count="2"]');
      await badge.waitFor();
      assert.match(await badge.textContent(), /待上传/);
      // the work screen says the server cannot be reached, in Chinese, and offers home
      await page.getByText('连不上服务器').first().waitFor();
      await shot(page, `${size}-zh-offline-work`);
      const home = page.getByRole('button', { name: '回首页' });
      if (touch) await home.tap();
      else await home.click();
      await page.getByTestId('greeting').waitFor();
      await badge.waitFor();
      await shot(page, `${size}-zh-offline-home`);
      assert.deepEqual(await page.evaluate(() => navigator.onLine), false);

      // the network is back: the answers go by themselves
      await context.setOffline(false);
      await page.getByTestId('pending-badge').waitFor({ state: 'detached', timeout: 30_000 });
      checkExactlyOnce(await exportJsonl(client, only.order.id), expected);
      assert.deepEqual(b.errors, []);
    });
  });
}
