// The drawing kinds beyond boxes (issue 28): the demo's 形状描边 order asks a `polygon`
// question, 星星五角 a `keypoints` one (the star's five tips). 杨洋 draws a polygon by mouse at
// 1366 px (four clicks, then a click on the first point closes it; Enter gives the answer) and
// one by finger at 360 px on a touch phone (taps; the Close button), with no sideways scroll
// and the Done button in view; then places the star's tips (two visible, one hidden, two
// absent). The client's JSONL export has each answer exactly as the server stores it, in the
// picture's own pixels; the lead's review shows the polygon over the picture.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BASE, LAPTOP, PHONE, loginStaff, openBrowser, shot } from './lib.mjs';
import { apiSession, keepOnly, labelledRow, loginAnnotator, returnOtherUnits, shownItem, startWork, waitNextItem } from './work-lib.mjs';

let client;
let polygons;
let tips;
const paused = [];
/** Polygon items answered here (the lead reviews one). */
const drawn = [];

/** Only `order` open: every other open order paused (opened again after). */
const only = (order) => keepOnly(client, order, paused);

before(async () => {
  client = await apiSession('client', 'mudou-client');
  const { items } = await client('GET', '/orders');
  polygons = items.find((o) => o.spec.name === '形状描边');
  tips = items.find((o) => o.spec.name === '星星五角');
  assert.ok(polygons && tips, 'the demo seeds 形状描边 and 星星五角');
  assert.equal(polygons.spec.template.questions[0].kind, 'polygon');
  assert.equal(tips.spec.template.questions[0].kind, 'keypoints');
});
after(async () => {
  for (const id of paused) await client('POST', `/orders/${id}/resume`).catch(() => {});
});

/** The last answer of this item in the order's export (waits for it to arrive). */
async function answerOf(orderId, id, key) {
  const row = await labelledRow(client, orderId, id);
  return row.labels[row.labels.length - 1].answer[key];
}

/** Page px of a point of the picture (its own pixels), on the shown stage. */
async function mapper(page) {
  const field = await page.evaluate(() => {
    const img = document.querySelector('[data-testid=q-shapes] img.box-img');
    return { w: Number(img.getAttribute('width')), h: Number(img.getAttribute('height')) };
  });
  const cv = await page.locator('[data-testid=q-shapes] .box-canvas').boundingBox();
  return {
    ...field,
    at: (x, y) => [cv.x + (x / field.w) * cv.width, cv.y + (y / field.h) * cv.height],
  };
}

/** Within a couple of screen px (in the picture's pixels: `tol`). */
function near(got, want, tol) {
  assert.equal(got.length, want.length, JSON.stringify(got));
  got.forEach((p, i) => {
    assert.ok(Math.abs(p[0] - want[i][0]) <= tol && Math.abs(p[1] - want[i][1]) <= tol, `${JSON.stringify(got)} ≈ ${JSON.stringify(want)}`);
  });
}

describe('drawing questions', () => {
  it('杨洋 draws a polygon by mouse at 1366 px and by finger at 360 px; the export has both', async () => {
    await only(polygons);
    const laptop = await openBrowser(LAPTOP);
    let first;
    let want1;
    let tol1;
    let got1;
    try {
      const { page } = laptop;
      await loginAnnotator(page, '杨洋', '6666');
      await returnOtherUnits(page, polygons.id);
      await startWork(page);
      await page.getByTestId('q-shapes').waitFor();
      await page.locator('[data-testid=q-shapes] .box-canvas').waitFor();
      first = await shownItem(page);
      const m = await mapper(page);
      want1 = [
        [m.w * 0.2, m.h * 0.2],
        [m.w * 0.7, m.h * 0.25],
        [m.w * 0.65, m.h * 0.8],
        [m.w * 0.25, m.h * 0.7],
      ];
      const stage = await page.locator('[data-testid=q-shapes] .box-canvas').boundingBox();
      tol1 = (m.w / stage.width) * 1.5;
      // the class by its hotkey (2: 方形), then four clicks and the first point again
      await page.keyboard.press('2');
      await page.waitForSelector('[data-testid=shape-class][data-key=square][aria-pressed=true]');
      for (const [x, y] of want1) await page.mouse.click(...m.at(x, y));
      assert.equal(await page.getByTestId('draft').getAttribute('data-points'), '4');
      await page.mouse.click(...m.at(want1[0][0] + 1, want1[0][1] + 1));
      await page.locator('[data-testid=q-shapes] [data-testid=shape]').first().waitFor();
      assert.equal(await page.locator('[data-testid=q-shapes] [data-testid=shape]').count(), 1);
      // undo takes it away, redo brings it back
      await page.keyboard.press('Control+z');
      await page.waitForFunction(() => document.querySelectorAll('[data-testid=q-shapes] [data-testid=shape]').length === 0);
      await page.keyboard.press('Control+Shift+z');
      // back and at rest (none chosen): drawn on the resting objects' canvas, not as SVG
      await page.waitForFunction(() => document.querySelector('[data-testid=q-shapes] [data-testid=shape-canvas]')?.getAttribute('data-drawn') === '1');
      assert.equal(await page.locator('[data-testid=q-shapes] [data-testid=shape]').count(), 0);
      await shot(page, 'laptop-zh-work-polygon');
      await page.keyboard.press('Enter');
      await waitNextItem(page, first.id);
      await page.getByTestId('pending-badge').waitFor({ state: 'detached', timeout: 20_000 });
      // read with the browser still open: an answer still waiting in its outbox is sent
      got1 = await answerOf(polygons.id, first.id, 'outlines');
      assert.deepEqual(laptop.errors, []);
    } finally {
      await laptop.close();
    }
    drawn.push(first.id);
    assert.equal(got1.length, 1, JSON.stringify(got1));
    assert.equal(got1[0].label, 'square');
    near(got1[0].points, want1, tol1);

    // a phone: taps of a finger, the Close button
    const phone = await openBrowser(PHONE, { touch: true });
    let second;
    let want2;
    let tol2;
    let got2;
    try {
      const { page } = phone;
      await loginAnnotator(page, '杨洋', '6666');
      await startWork(page);
      await page.getByTestId('q-shapes').waitFor();
      await page.locator('[data-testid=q-shapes] .box-canvas').waitFor();
      second = await shownItem(page);
      assert.notEqual(second.id, first.id);
      const stageBox = await page.getByTestId('shape-stage').boundingBox();
      assert.ok(stageBox.x >= 0 && stageBox.x + stageBox.width <= PHONE.width, `the stage fits: ${JSON.stringify(stageBox)}`);
      await page.getByTestId('shape-stage').scrollIntoViewIfNeeded();
      const m = await mapper(page);
      const cv = await page.locator('[data-testid=q-shapes] .box-canvas').boundingBox();
      tol2 = (m.w / cv.width) * 1.5;
      want2 = [
        [m.w * 0.3, m.h * 0.3],
        [m.w * 0.8, m.h * 0.4],
        [m.w * 0.5, m.h * 0.85],
      ];
      for (const [x, y] of want2) {
        await page.touchscreen.tap(...m.at(x, y));
        await page.waitForTimeout(450); // not a double tap
      }
      assert.equal(await page.getByTestId('draft').getAttribute('data-points'), '3');
      const close = page.getByTestId('shape-finish');
      const cb = await close.boundingBox();
      assert.ok(cb.height >= 44 && cb.width >= 44, `a big Close: ${JSON.stringify(cb)}`);
      await close.tap();
      await page.locator('[data-testid=q-shapes] [data-testid=shape]').first().waitFor();
      const overflow = await page.evaluate(() => ({ doc: document.documentElement.scrollWidth, w: window.innerWidth }));
      assert.ok(overflow.doc <= overflow.w, `no sideways scroll: ${JSON.stringify(overflow)}`);
      // Done in view: on screen once scrolled to, within the phone's width, big
      const done = page.getByTestId('q-submit');
      await done.scrollIntoViewIfNeeded();
      const db = await done.boundingBox();
      assert.ok(db.x >= 0 && db.x + db.width <= PHONE.width && db.y >= 0 && db.y + db.height <= PHONE.height && db.height >= 44, `Done in view: ${JSON.stringify(db)}`);
      await shot(page, 'phone-zh-work-polygon');
      await done.tap();
      await waitNextItem(page, second.id);
      await page.getByTestId('pending-badge').waitFor({ state: 'detached', timeout: 20_000 });
      got2 = await answerOf(polygons.id, second.id, 'outlines');
      assert.deepEqual(phone.errors, []);
    } finally {
      await phone.close();
    }
    drawn.push(second.id);
    assert.equal(got2.length, 1, JSON.stringify(got2));
    assert.equal(got2[0].label, 'circle');
    near(got2[0].points, want2, tol2);
  });

  it('杨洋 places a star’s tips, one hidden, two absent; the export keeps the flags', async () => {
    await only(tips);
    const b = await openBrowser(LAPTOP);
    let item;
    let want;
    let tol;
    let got;
    try {
      const { page } = b;
      await loginAnnotator(page, '杨洋', '6666');
      await returnOtherUnits(page, tips.id);
      await startWork(page);
      await page.getByTestId('q-shapes').waitFor();
      await page.locator('[data-testid=q-shapes] .box-canvas').waitFor();
      item = await shownItem(page);
      const m = await mapper(page);
      const cv = await page.locator('[data-testid=q-shapes] .box-canvas').boundingBox();
      tol = (m.w / cv.width) * 1.5;
      const next = page.getByTestId('kp-next');
      assert.match(await next.textContent(), /上/);
      want = [
        [m.w * 0.5, m.h * 0.1],
        [m.w * 0.9, m.h * 0.4],
      ];
      await page.mouse.click(...m.at(...want[0]));
      assert.match(await next.textContent(), /右上/);
      // (a button below the picture may scroll the page: the picture is found again after)
      await page.getByTestId('kp-vis-1').click(); // the next one hidden
      await page.mouse.click(...(await mapper(page)).at(...want[1]));
      assert.match(await next.textContent(), /右下/);
      await page.getByTestId('kp-vis-2').click();
      want.push([m.w * 0.7, m.h * 0.9]);
      await page.mouse.click(...(await mapper(page)).at(...want[2]));
      await page.getByTestId('kp-vis-0').click(); // 左下 absent
      await page.getByTestId('kp-vis-0').click(); // 左上 absent: the star is done
      await page.locator('[data-testid=q-shapes] [data-testid=shape]').first().waitFor();
      // its point names shown by each placed point
      const names = await page.locator('[data-testid=handles] text').allTextContents();
      assert.deepEqual(names, ['上', '右上', '右下']);
      await shot(page, 'laptop-zh-work-keypoints');
      await page.keyboard.press('Enter');
      await waitNextItem(page, item.id);
      await page.getByTestId('pending-badge').waitFor({ state: 'detached', timeout: 20_000 });
      got = await answerOf(tips.id, item.id, 'tips');
      assert.deepEqual(b.errors, []);
    } finally {
      await b.close();
    }
    assert.equal(got.length, 1, JSON.stringify(got));
    assert.equal(got[0].label, 'star');
    const pts = got[0].points;
    assert.deepEqual(
      pts.map((p) => p[2]),
      [2, 1, 2, 0, 0],
    );
    near(
      pts.slice(0, 3).map((p) => [p[0], p[1]]),
      want,
      tol,
    );
    assert.deepEqual(pts.slice(3), [
      [0, 0, 0],
      [0, 0, 0],
    ]);
  });

  it('the lead sees the polygon over the picture in the review', async () => {
    // the client flags an item drawn here (a gold item is the client's own and cannot be)
    let item = null;
    for (const id of drawn) {
      try {
        await client('POST', `/orders/${polygons.id}/items/${id}/flag`, { note: '边不对' });
        item = id;
        break;
      } catch (e) {
        if (!/gold/.test(String(e))) throw e;
      }
    }
    assert.ok(item, 'an item drawn here that is not gold');
    const b = await openBrowser(LAPTOP);
    try {
      const { page } = b;
      await loginStaff(page, 'lead');
      await page.goto(`${BASE}/#/review?order=${polygons.id}`);
      const card = page.locator(`[data-testid=review-item][data-item="${item}"]`);
      await card.waitFor();
      const q = card.locator('[data-testid=q-review][data-question=outlines]');
      await q.waitFor();
      assert.ok((await q.locator('[data-testid=review-annotators] [data-testid=review-shape]').count()) >= 1, 'the polygon drawn over the picture');
      assert.ok((await q.getByTestId('q-review-answer').count()) >= 1);
      await shot(page, 'laptop-zh-lead-review-polygon');
      assert.deepEqual(b.errors, []);
    } finally {
      await b.close();
    }
  });
});
