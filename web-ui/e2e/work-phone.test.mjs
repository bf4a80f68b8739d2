// The workbench on a 360×640 touch phone: text classification and multi-label by taps (in
// English too), a box drawn and a picture pinched by fingers, and a closed tab whose waiting
// answers are sent when the app opens again.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BASE, LAPTOP, PHONE, openBrowser, shot, text } from './lib.mjs';
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

async function bothLangShots(page, name) {
  for (const lang of ['zh', 'en']) {
    await page.evaluate((l) => localStorage.setItem('mudou.lang', l), lang === 'zh' ? 'zh-CN' : 'en');
    await page.reload();
    await page.getByTestId('work').waitFor();
    await page.waitForFunction((l) => document.documentElement.lang === l, lang === 'zh' ? 'zh-CN' : 'en');
    await page.getByTestId('item-img').or(page.getByTestId('item-text')).first().waitFor();
    await shot(page, `phone-${lang}-${name}`);
    await page.setViewportSize(LAPTOP);
    await shot(page, `laptop-${lang}-${name}`);
    await page.setViewportSize(PHONE);
  }
}

describe('on a phone, by touch', () => {
  let b;
  let restore = async () => {};
  before(async () => {
    b = await openBrowser(PHONE, { touch: true });
  });
  after(async () => {
    await restore();
    await b.close();
  });

  it('李娜 classifies texts with taps, goes back and changes one, partly in English; each once', async () => {
    const { page } = b;
    const only = await onlyOpen(client, 'text_classification');
    restore = only.restore;
    await loginAnnotator(page, '李娜', '2222');
    await returnOtherUnits(page, only.order.id);
    await startWork(page);
    await page.getByTestId('item-text').waitFor();
    const size = await page.locator('.work-text').evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    assert.ok(size >= 20, `a large font (${size}px)`);
    for (const btn of await page.getByTestId('label-btn').all()) {
      const bb = await btn.boundingBox();
      assert.ok(bb.height >= 64 && bb.width >= 64, `label button ${bb.width}×${bb.height}`);
    }
    await bothLangShots(page, 'work-text');
    const n = Number((await text(page.getByTestId('progress'))).split('/')[1]);
    const expected = new Map();
    let changed = false;
    while (expected.size < n) {
      const { id, index } = await shownItem(page);
      const btns = page.getByTestId('label-btn');
      const pick = btns.nth(expected.size % (await btns.count()));
      const key = await pick.getAttribute('data-key');
      await pick.tap();
      expected.set(id, { label: key });
      await waitNextItem(page, id);
      if (index === 2 && !changed) {
        changed = true;
        await page.getByTestId('prev').tap();
        const back = await shownItem(page);
        assert.equal(back.index, 2);
        assert.equal(await page.locator(`[data-testid=label-btn][data-key="${key}"]`).getAttribute('aria-pressed'), 'true');
        const other = page.locator(`[data-testid=label-btn]:not([data-key="${key}"])`).first();
        expected.set(back.id, { label: await other.getAttribute('data-key') });
        await other.tap();
        await waitNextItem(page, back.id);
      }
    }
    await page.getByTestId('unit-done').or(page.getByTestId('work')).first().waitFor();
    await page.getByTestId('pending-badge').waitFor({ state: 'detached', timeout: 20_000 });
    await page.getByTestId('work').or(page.getByTestId('greeting')).first().waitFor({ timeout: 20_000 });
    checkExactlyOnce(await exportJsonl(client, only.order.id), expected);
    assert.deepEqual(b.errors, []);
  });

  it('李娜 ticks several shapes per picture and confirms; each once', async () => {
    const { page } = b;
    await restore();
    const only = await onlyOpen(client, 'multi_label');
    restore = only.restore;
    await page.goto(BASE + '/');
    await page.getByTestId('greeting').waitFor();
    await returnOtherUnits(page, only.order.id);
    await startWork(page);
    await page.locator('[data-testid=item-img][data-loaded]').waitFor();
    await page.getByTestId('label-btn').nth(0).tap();
    await page.getByTestId('label-btn').nth(2).tap();
    assert.match(await text(page.getByTestId('confirm')), /2/);
    await bothLangShots(page, 'work-multi');
    const n = Number((await text(page.getByTestId('progress'))).split('/')[1]);
    const expected = new Map();
    while (expected.size < n) {
      const { id } = await shownItem(page);
      const btns = page.getByTestId('label-btn');
      const want = [];
      for (const i of [expected.size % 4, (expected.size + 1) % 4]) {
        const btn = btns.nth(i);
        if ((await btn.getAttribute('aria-pressed')) !== 'true') await btn.tap();
        want.push(await btn.getAttribute('data-key'));
      }
      // untick anything else left from the screenshots
      for (const btn of await btns.all())
        if ((await btn.getAttribute('aria-pressed')) === 'true' && !want.includes(await btn.getAttribute('data-key'))) await btn.tap();
      await page.getByTestId('confirm').tap();
      const order = ['circle', 'square', 'triangle', 'star'];
      expected.set(id, { labels: want.sort((a, b) => order.indexOf(a) - order.indexOf(b)) });
      await waitNextItem(page, id);
    }
    await page.getByTestId('pending-badge').waitFor({ state: 'detached', timeout: 20_000 });
    await page.getByTestId('work').or(page.getByTestId('greeting')).first().waitFor({ timeout: 20_000 });
    checkExactlyOnce(await exportJsonl(client, only.order.id), expected);
    assert.deepEqual(b.errors, []);
  });

  it('陈杰 draws a box with a finger and pinches to zoom', async () => {
    const c = await openBrowser(PHONE, { touch: true });
    try {
      const { page } = c;
      await restore();
      const only = await onlyOpen(client, 'bbox');
      restore = only.restore;
      await loginAnnotator(page, '陈杰', '5555');
      await returnOtherUnits(page, only.order.id);
      await startWork(page);
      await page.locator('[data-testid=item-img][data-loaded]').waitFor();
      const cdp = await page.context().newCDPSession(page);
      const touch = (type, pts) => cdp.send('Input.dispatchTouchEvent', { type, touchPoints: pts.map(([x, y], id) => ({ x, y, id })) });
      const cv = await page.locator('.box-canvas').boundingBox();
      const [x0, y0] = [cv.x + cv.width * 0.2, cv.y + cv.height * 0.2];
      const [x1, y1] = [cv.x + cv.width * 0.6, cv.y + cv.height * 0.7];
      await touch('touchStart', [[x0, y0]]);
      for (let i = 1; i <= 5; i++) await touch('touchMove', [[x0 + ((x1 - x0) * i) / 5, y0 + ((y1 - y0) * i) / 5]]);
      await touch('touchEnd', []);
      const boxes = await page.getByTestId('box').count();
      assert.equal(boxes, 1, 'a box drawn by finger');
      const w = Number(await page.getByTestId('box').first().getAttribute('data-w'));
      assert.ok(Math.abs(w - 480 * 0.4) < 4, `box width ${w}`);
      // two fingers spread: zoom in
      const s0 = Number(await page.getByTestId('box-stage').getAttribute('data-scale'));
      const [cx, cy] = [cv.x + cv.width / 2, cv.y + cv.height / 2];
      await touch('touchStart', [[cx - 20, cy]]);
      await touch('touchStart', [[cx - 20, cy], [cx + 20, cy]]);
      for (let i = 1; i <= 5; i++) await touch('touchMove', [[cx - 20 - i * 12, cy], [cx + 20 + i * 12, cy]]);
      await touch('touchEnd', []);
      const s1 = Number(await page.getByTestId('box-stage').getAttribute('data-scale'));
      assert.ok(s1 > s0 * 1.5, `pinch zoomed ${s0} → ${s1}`);
      assert.equal(await page.getByTestId('box').count(), 1, 'the pinch drew nothing');
      await shot(page, 'phone-zh-work-boxes-touch');
      assert.deepEqual(c.errors, []);
    } finally {
      await c.close();
    }
  });
});

describe('a closed tab', () => {
  let b;
  let restore = async () => {};
  before(async () => {
    b = await openBrowser(LAPTOP);
  });
  after(async () => {
    await restore();
    await b.close();
  });

  it('刘静 answers offline, closes the tab; opening the app again sends the answers once', async () => {
    const { context } = b;
    let page = b.page;
    const only = await onlyOpen(client, 'single_choice');
    restore = only.restore;
    await loginAnnotator(page, '刘静', '4444');
    await returnOtherUnits(page, only.order.id);
    await startWork(page);
    await page.locator('[data-testid=item-img][data-loaded]').waitFor();
    await context.setOffline(true);
    const expected = new Map();
    for (const key of ['1', '3']) {
      const { id } = await shownItem(page);
      const label = await page.locator(`[data-testid=label-btn][aria-keyshortcuts="${key}"]`).getAttribute('data-key');
      await page.keyboard.press(key);
      expected.set(id, { label });
      await waitNextItem(page, id);
    }
    // both wait (the badge counts them as they are saved)
    await page.locator('[data-testid=pending-badge][data-count="2"]').waitFor();
    // the answers are in IndexedDB before anything was sent
    const stored = await page.evaluate(
      () =>
        new Promise((ok, err) => {
          const r = indexedDB.open('mudou', 1);
          r.onsuccess = () => {
            const q = r.result.transaction('outbox').objectStore('outbox').getAll();
            q.onsuccess = () => ok(q.result.map((e) => e.item_id));
            q.onerror = () => err(q.error);
          };
          r.onerror = () => err(r.error);
        }),
    );
    assert.deepEqual(stored.sort(), [...expected.keys()].sort());
    await page.close();
    await context.setOffline(false);

    page = await context.newPage();
    await page.goto(BASE + '/');
    await page.getByTestId('greeting').waitFor();
    await page.waitForFunction(async () => {
      const r = await fetch('/api/v1/work/next', { credentials: 'same-origin' });
      const j = await r.json();
      return j.assignment && j.assignment.items.filter((i) => i.answer).length === 2;
    });
    await page.getByTestId('pending-badge').waitFor({ state: 'detached' });
    // the unit opens on the first item not yet answered
    await startWork(page);
    assert.equal((await shownItem(page)).index, 2);
    checkExactlyOnce(await exportJsonl(client, only.order.id), expected);
  });
});
