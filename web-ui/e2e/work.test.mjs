// The annotator's workbench as people use it, against the real server (`mudou demo`): log in
// on the roster, label a choice unit by keyboard (going back to change an answer), lose the
// network midway and label on, draw and adjust boxes with the mouse, and check through the
// client's export that every label arrived exactly once. Screenshots in both languages at
// laptop and phone sizes.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LAPTOP, PHONE, SCREENS, openBrowser, shot, text } from './lib.mjs';
import {
  apiSession,
  checkExactlyOnce,
  exportJsonl,
  loginAnnotator,
  median,
  onlyOpen,
  returnOtherUnits,
  shownItem,
  startWork,
  waitNextItem,
} from './work-lib.mjs';

console.log(`screenshots: ${SCREENS}`);

async function setLang(page, lang) {
  await page.evaluate((l) => localStorage.setItem('mudou.lang', l), lang);
}

/** Both languages at both sizes of the current screen, under `name`. */
async function shots4(page, name) {
  for (const lang of ['zh', 'en']) {
    await setLang(page, lang === 'zh' ? 'zh-CN' : 'en');
    await page.reload();
    await page.waitForFunction((l) => document.documentElement.lang === l, lang === 'zh' ? 'zh-CN' : 'en');
    await page.getByTestId('item-img').or(page.getByTestId('item-text')).first().waitFor();
    await shot(page, `laptop-${lang}-${name}`);
    await page.setViewportSize(PHONE);
    await shot(page, `phone-${lang}-${name}`);
    await page.setViewportSize(LAPTOP);
  }
  await setLang(page, 'zh-CN');
  await page.reload();
  await page.getByTestId('work').waitFor();
}

let client;
before(async () => {
  client = await apiSession('client', 'mudou-client');
});

describe('choice unit by keyboard, with the network lost midway', () => {
  let b;
  let restore = async () => {};
  before(async () => {
    b = await openBrowser(LAPTOP);
  });
  after(async () => {
    await restore();
    await b.close();
  });

  it('王芳 labels a unit, goes back to change an answer, labels on offline, and every label arrives once', async () => {
    const { page, context } = b;
    const only = await onlyOpen(client, 'single_choice');
    restore = only.restore;
    await loginAnnotator(page, '王芳', '1111');
    const left = await returnOtherUnits(page, only.order.id);
    console.log(`unit: ${JSON.stringify({ status: left.status, reason: left.reason, order: left.assignment?.order.id, want: only.order.id })}`);
    await shot(page, 'laptop-zh-work-home');
    await page.setViewportSize(PHONE);
    await shot(page, 'phone-zh-work-home');
    await page.setViewportSize(LAPTOP);

    await startWork(page);
    assert.match(new URL(page.url()).hash, /^#\/work/);
    await page.locator('[data-testid=item-img][data-loaded]').waitFor();
    const n = Number((await text(page.getByTestId('progress'))).split('/')[1]);
    assert.ok(n >= 2, `a unit of ${n} items`);
    // label buttons: ≥ 64 px, with the hotkey number and an example picture
    const btn = page.getByTestId('label-btn').first();
    const box = await btn.boundingBox();
    assert.ok(box.height >= 64, `label button ${box.height}px high`);
    assert.equal(await text(btn.locator('.label-key')), '1');
    assert.equal(await btn.locator('img.label-thumb').count(), 1);
    await shots4(page, 'work-choice');

    // help: instructions and an example picture per label
    await page.keyboard.press('F1');
    await page.getByTestId('help-dialog').waitFor();
    assert.match(await text(page.getByTestId('instructions')), /最大的那个形状/);
    assert.equal(await page.locator('.help-label-pics img').count(), 4);
    await shot(page, 'laptop-zh-work-help');
    await page.setViewportSize(PHONE);
    await shot(page, 'phone-zh-work-help');
    await page.setViewportSize(LAPTOP);
    await page.keyboard.press('Escape');
    await page.getByTestId('help-dialog').waitFor({ state: 'detached' });

    await page.evaluate(() => {
      window.__keys = [];
      window.addEventListener('keydown', () => window.__keys.push(performance.now()), true);
    });
    const keys = ['1', '2', '3', '4'];
    const expected = new Map();
    const delays = [];
    const prefetched = [];
    const earnings = [];
    let offlineAt = -1;
    let offlineShot = false;
    let k = 0;
    const given = () => [...expected.keys()].filter((x) => x !== -1).length;
    while (given() < n) {
      const { id, index } = await shownItem(page);
      if (index === 2 && offlineAt < 0) {
        // the network goes: labels go on, saved on this PC
        await context.setOffline(true);
        offlineAt = given();
      }
      if (index === 4 && !expected.has(id) && offlineAt >= 0 && (await page.getByTestId('skip').count())) {
        await page.getByTestId('skip').click();
        await page.getByTestId('skip-reasons').waitFor();
        await shot(page, 'laptop-zh-work-skip');
        await page.getByTestId('skip-unclear').click();
        expected.set(id, { skip: 'unclear' });
        await waitNextItem(page, id);
        continue;
      }
      const key = keys[k++ % keys.length];
      const label = await page.locator(`[data-testid=label-btn][aria-keyshortcuts="${key}"]`).getAttribute('data-key');
      await page.keyboard.press(key);
      expected.set(id, { label });
      await waitNextItem(page, id);
      if (index === 1 && !expected.has(-1)) {
        // back to the first item: its answer shows; change it
        expected.set(-1, true);
        await page.keyboard.press('ArrowLeft');
        await page.keyboard.press('ArrowLeft');
        const first = await shownItem(page);
        assert.equal(first.index, 0);
        const was = expected.get(first.id).label;
        assert.equal(await page.locator(`[data-testid=label-btn][data-key="${was}"]`).getAttribute('aria-pressed'), 'true');
        await page.keyboard.press('4');
        expected.set(first.id, { label: await page.locator('[data-testid=label-btn][aria-keyshortcuts="4"]').getAttribute('data-key') });
        await waitNextItem(page, first.id);
        // back on the first item not yet answered
        assert.equal((await shownItem(page)).index, 2);
      }
      if (given() >= n) break;
      earnings.push(Number(await page.getByTestId('work-earnings').getAttribute('data-fen')));
      // the next picture: fetched ahead, shown how long after the key?
      const t = await page.evaluate(async () => {
        let img = null;
        for (let i = 0; i < 400 && !img?.getAttribute('data-loaded'); i++) {
          img = document.querySelector('[data-testid=item-img]');
          await new Promise((r) => setTimeout(r, 5));
        }
        const res = performance.getEntriesByName(img.src)[0];
        return { loaded: Number(img.getAttribute('data-loaded')), key: window.__keys[window.__keys.length - 1], fetchedAt: res?.startTime ?? null };
      });
      delays.push(t.loaded - t.key);
      prefetched.push(t.fetchedAt !== null && t.fetchedAt < t.key);
      if (offlineAt >= 0 && !offlineShot && given() - offlineAt >= 2) {
        offlineShot = true;
        const badge = page.getByTestId('pending-badge');
        await badge.waitFor();
        assert.ok(Number(await badge.getAttribute('data-count')) >= 2, 'answers wait while offline');
        assert.match(await text(badge), /待上传 \d+/);
        await shot(page, 'laptop-zh-work-offline');
        await page.setViewportSize(PHONE);
        await shot(page, 'phone-zh-work-offline');
        await page.setViewportSize(LAPTOP);
      }
    }
    expected.delete(-1);
    // the last answer was given offline: the unit waits, saying so
    if ((await page.getByTestId('unit-done').count()) && (await page.getByTestId('pending-badge').count())) {
      await shot(page, 'laptop-zh-work-unit-offline');
    }
    await context.setOffline(false);
    // back online: everything goes, the unit is submitted, the next one (or none) follows
    await page.getByTestId('pending-badge').waitFor({ state: 'detached', timeout: 40_000 });
    await page.getByTestId('work').or(page.getByTestId('greeting')).first().waitFor({ timeout: 20_000 });

    console.log(
      `prefetch: next picture shown ${delays.map((d) => d.toFixed(0)).join(', ')} ms after the key ` +
        `(median ${median(delays).toFixed(1)} ms, max ${Math.max(...delays).toFixed(1)} ms); ` +
        `fetched before the key: ${prefetched.filter(Boolean).length}/${prefetched.length}`,
    );
    assert.ok(offlineShot, 'labelled on while offline');
    assert.ok(prefetched.every(Boolean), `every next picture was fetched ahead: ${prefetched}`);
    // the counter rose with each answer (piece rate 5 fen), never with a skip
    for (let i = 1; i < earnings.length; i++) assert.ok(earnings[i] >= earnings[i - 1], `earnings ${earnings}`);
    assert.ok(earnings[earnings.length - 1] > earnings[0], `earnings ${earnings}`);

    const rows = await exportJsonl(client, only.order.id);
    checkExactlyOnce(rows, expected);

    // home: today's count and earnings from the server (GET /me/earnings)
    if (await page.getByTestId('go-home').count()) await page.getByTestId('go-home').click();
    await page.getByTestId('greeting').waitFor();
    const answers = [...expected.values()].filter((v) => !('skip' in v)).length;
    await page.waitForFunction(
      (n) => Number(document.querySelector('[data-testid=today-count] .stat-value')?.textContent) >= n,
      answers,
    );
    assert.match(await text(page.getByTestId('today-earnings')), /¥\d+\.\d\d/);
    await shot(page, 'laptop-zh-work-home-after');
    assert.deepEqual(b.errors, []);
  });
});

describe('boxes with the mouse', () => {
  let b;
  let restore = async () => {};
  before(async () => {
    b = await openBrowser(LAPTOP);
  });
  after(async () => {
    await restore();
    await b.close();
  });

  /** Page coordinates of an image pixel. */
  async function at(page, ix, iy) {
    const c = await page.locator('.box-canvas').boundingBox();
    const scale = Number(await page.getByTestId('box-stage').getAttribute('data-scale'));
    return [c.x + ix * scale, c.y + iy * scale];
  }
  async function dragImg(page, from, to) {
    const [x0, y0] = await at(page, ...from);
    const [x1, y1] = await at(page, ...to);
    await page.mouse.move(x0, y0);
    await page.mouse.down();
    await page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, { steps: 4 });
    await page.mouse.move(x1, y1, { steps: 4 });
    await page.mouse.up();
  }
  async function boxes(page) {
    return page.getByTestId('box').evaluateAll((gs) =>
      gs.map((g) => ({ label: g.dataset.label, x: +g.dataset.x, y: +g.dataset.y, w: +g.dataset.w, h: +g.dataset.h })),
    );
  }
  const near = (a, b, what) => assert.ok(Math.abs(a - b) <= 2, `${what}: ${a} ≈ ${b}`);
  // A box as the answer stores it: each edge on a whole pixel (so a size is the difference
  // of two rounded edges, not a rounded size).
  const whole = (b) => ({
    label: b.label,
    x: Math.round(b.x),
    y: Math.round(b.y),
    w: Math.round(b.x + b.w) - Math.round(b.x),
    h: Math.round(b.y + b.h) - Math.round(b.y),
  });

  it('王芳 draws, resizes, moves, re-classes, deletes and undoes boxes, zooms and brightens; each item once', async () => {
    const { page } = b;
    const only = await onlyOpen(client, 'bbox');
    restore = only.restore;
    await loginAnnotator(page, '王芳', '1111');
    await returnOtherUnits(page, only.order.id);
    await startWork(page);
    await page.getByTestId('box-stage').waitFor();
    await page.locator('[data-testid=item-img][data-loaded]').waitFor();
    await shots4(page, 'work-boxes-start');
    await page.locator('[data-testid=item-img][data-loaded]').waitFor();
    const W = 480;
    const H = 360;
    const expected = new Map();

    // draw
    await dragImg(page, [50, 50], [150, 130]);
    let bs = await boxes(page);
    assert.equal(bs.length, 1);
    near(bs[0].x, 50, 'x');
    near(bs[0].y, 50, 'y');
    near(bs[0].w, 100, 'w');
    near(bs[0].h, 80, 'h');
    assert.equal(bs[0].label, 'circle');
    // class by hotkey: the chosen box becomes a square
    await page.keyboard.press('2');
    assert.equal((await boxes(page))[0].label, 'square');
    // resize by the bottom-right handle
    await dragImg(page, [150, 130], [200, 160]);
    bs = await boxes(page);
    near(bs[0].w, 150, 'w after resize');
    near(bs[0].h, 110, 'h after resize');
    // move by the body
    await dragImg(page, [100, 100], [120, 110]);
    bs = await boxes(page);
    near(bs[0].x, 70, 'x after move');
    near(bs[0].y, 60, 'y after move');
    // dragged far out: it stops at the edge
    await dragImg(page, [120, 110], [470, 110]);
    bs = await boxes(page);
    near(bs[0].x + bs[0].w, W, 'right edge');
    // a second box, deleted with the Delete key (Escape first: with a box chosen, a number
    // key changes that box's class)
    await page.keyboard.press('Escape');
    await page.keyboard.press('3');
    await dragImg(page, [20, 200], [90, 300]);
    assert.equal((await boxes(page)).length, 2);
    assert.equal((await boxes(page))[1].label, 'triangle');
    await shot(page, 'laptop-zh-work-boxes');
    await page.setViewportSize(PHONE);
    await page.locator('[data-testid=item-img][data-loaded]').waitFor();
    await shot(page, 'phone-zh-work-boxes');
    await page.setViewportSize(LAPTOP);
    await page.keyboard.press('Delete');
    assert.equal((await boxes(page)).length, 1);
    // undo brings it back (Ctrl+Z), and the undo button takes it away again… as a delete
    await page.keyboard.press('Control+z');
    assert.equal((await boxes(page)).length, 2);
    await page.getByTestId('box-delete').nth(1).click();
    assert.equal((await boxes(page)).length, 1);
    // zoom with the wheel about the pointer, then back to the whole picture
    await page.getByTestId('zoom-fit').click();
    await page.waitForTimeout(100);
    const s0 = Number(await page.getByTestId('box-stage').getAttribute('data-scale'));
    const [cx, cy] = await at(page, 240, 180);
    await page.mouse.move(cx, cy);
    await page.mouse.wheel(0, -400);
    await page.waitForFunction((s) => Number(document.querySelector('[data-testid=box-stage]').dataset.scale) > s * 1.2, s0);
    await page.getByTestId('zoom-fit').click();
    await page
      .waitForFunction((s) => Math.abs(Number(document.querySelector('[data-testid=box-stage]').dataset.scale) - s) < 1e-3, s0, { timeout: 3000 })
      .catch(async () => assert.fail(`fit: ${await page.getByTestId('box-stage').getAttribute('data-scale')} vs ${s0}`));
    // brighter and more contrast for a dark picture
    await page.getByTestId('brightness').focus();
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
    assert.match(await page.locator('.box-img').getAttribute('style'), /brightness\(150%\)/);
    await page.getByTestId('contrast').focus();
    await page.keyboard.press('ArrowRight');
    assert.match(await page.locator('.box-img').getAttribute('style'), /contrast\(110%\)/);
    await page.getByTestId('box-stage').click({ position: { x: 5, y: 5 } }); // a tap: nothing drawn, nothing chosen
    bs = await boxes(page);
    assert.equal(bs.length, 1);
    const first = await shownItem(page);
    await page.keyboard.press('Enter');
    expected.set(first.id, { boxes: bs.map((x) => whole(x)) });
    await waitNextItem(page, first.id);

    // the rest of the unit: one box each (the last one by the Done button)
    let asked = false;
    while (await page.getByTestId('box-stage').count()) {
      const { id } = await shownItem(page);
      await page.locator('[data-testid=item-img][data-loaded]').waitFor();
      if (!asked) {
        // Done with no box asks once more
        asked = true;
        await page.getByTestId('confirm').click();
        await page.getByTestId('no-boxes-sure').waitFor();
        assert.equal((await shownItem(page)).id, id);
      }
      await dragImg(page, [10, 20], [110, 90]);
      const got = await boxes(page);
      assert.equal(got.length, 1);
      expected.set(id, { boxes: got.map((x) => whole(x)) });
      await page.getByTestId('confirm').click();
      await waitNextItem(page, id);
    }
    await page.getByTestId('work').or(page.getByTestId('greeting')).first().waitFor({ timeout: 20_000 });
    await page.getByTestId('pending-badge').waitFor({ state: 'detached' });

    const rows = await exportJsonl(client, only.order.id);
    checkExactlyOnce(rows, expected);
    assert.deepEqual(b.errors, []);
    void H;
  });
});
