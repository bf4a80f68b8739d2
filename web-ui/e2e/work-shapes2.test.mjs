// The rotated-box and mask questions end to end (issue 28): the demo's 斜框 order asks a
// `rotated_box` question, 涂色 a `mask` one. 杨洋 draws a box by mouse at 1366 px, turns it by
// its handle and moves it, with undo/redo; on a 360 px touch phone she pinches the picture to
// its full resolution, pans it with two fingers and draws and turns a box by finger. She
// paints a mask with the brush at both sizes, makes the brush bigger, erases a part, undoes
// and redoes (on the phone after zooming in with the buttons). On the phone Done stays in
// view with no sideways scroll. The client's JSONL export holds each answer as stored: the
// mask's RLE is the picture's size and has the painted pixels, the box its angle. The lead's
// review shows each annotator's shapes in their colour on the demo's disagreeing items, and
// the lead settles the rotated-box one by drawing the right box. The demo's 画边线 order asks a
// `polyline` question: 杨洋 draws a bottom edge by mouse (three clicks, Enter ends it) and a top
// edge (a click, then a double click ends it) at 1366 px, and a line by finger at 360 px
// (taps, the finish button); the export holds the points in the picture's own pixels.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BASE, LAPTOP, PHONE, loginStaff, openBrowser, shot } from './lib.mjs';
import { apiSession, keepOnly, labelledRow, exportJsonl, loginAnnotator, returnOtherUnits, shownItem, startWork, waitNextItem } from './work-lib.mjs';

let client;
let turned;
let painted;
const paused = [];

/** Only `order` open: every other open order paused (opened again after). */
const only = (order) => keepOnly(client, order, paused);

before(async () => {
  client = await apiSession('client', 'mudou-client');
  const { items } = await client('GET', '/orders');
  turned = items.find((o) => o.spec.name === '斜框');
  painted = items.find((o) => o.spec.name === '涂色');
  assert.ok(turned && painted, 'the demo seeds 斜框 and 涂色');
  assert.equal(turned.spec.template.questions[0].kind, 'rotated_box');
  assert.equal(painted.spec.template.questions[0].kind, 'mask');
});
after(async () => {
  for (const id of paused) await client('POST', `/orders/${id}/resume`).catch(() => {});
});

/** The item's export row once it has a label (waits for it to arrive). */
const rowOf = (orderId, id) => labelledRow(client, orderId, id);

/** Page px of a point of the picture (its own pixels) on the stage shown in `scope`, however
 * it is zoomed and panned; `s`: screen px per picture px. */
async function mapper(page, scope = '[data-testid=work]') {
  const q = page.locator(`${scope} [data-testid=q-shapes]`).first();
  const field = await q.locator('img.box-img').evaluate((img) => ({ w: Number(img.getAttribute('width')), h: Number(img.getAttribute('height')) }));
  const cv = await q.locator('.box-canvas').boundingBox();
  return {
    ...field,
    s: cv.width / field.w,
    at: (x, y) => [cv.x + (x / field.w) * cv.width, cv.y + (y / field.h) * cv.height],
    of: (px, py) => [((px - cv.x) / cv.width) * field.w, ((py - cv.y) / cv.height) * field.h],
  };
}

/** A mouse drag through the points (page px). */
async function mouseDrag(page, from, to) {
  await page.mouse.move(...from);
  await page.mouse.down();
  await page.mouse.move(...to, { steps: 8 });
  await page.mouse.up();
}

/** Fingers on the touch screen (the debugging protocol's touch events, which Chromium turns
 * into pointer events of type touch): `paths[f]` the page points finger f goes through. */
async function fingers(page, paths) {
  const cdp = await page.context().newCDPSession(page);
  const at = (k) => paths.map((p, id) => ({ x: p[k][0], y: p[k][1], id }));
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: at(0) });
  const n = Math.max(...paths.map((p) => p.length));
  for (let k = 1; k < n; k++) {
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: paths.map((p, id) => ({ x: p[Math.min(k, p.length - 1)][0], y: p[Math.min(k, p.length - 1)][1], id })) });
    await page.waitForTimeout(16);
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await cdp.detach();
  // a tap right after is not taken for the second tap of a double tap (which gives no click)
  await page.waitForTimeout(450);
}

/** Points from a to b in `n` steps. */
function line(a, b, n = 8) {
  return Array.from({ length: n + 1 }, (_, i) => [a[0] + ((b[0] - a[0]) * i) / n, a[1] + ((b[1] - a[1]) * i) / n]);
}

/** The centre of the first drawn box (the mean of its corners), in picture px. */
async function boxCentre(page) {
  const pts = (await page.locator('[data-testid=work] [data-testid=shape]').first().getAttribute('points')).split(' ').map((p) => p.split(',').map(Number));
  return [pts.reduce((s, p) => s + p[0], 0) / 4, pts.reduce((s, p) => s + p[1], 0) / 4];
}

/** Whether the mask overlay is painted at a picture pixel (its alpha), once it shows `want`
 * (the overlay is drawn after the change): false when it does not within a few seconds. */
async function painted_at(page, x, y, want = true) {
  return page
    .waitForFunction(
      ([x, y, want]) => {
        const c = document.querySelector('[data-testid=work] [data-testid=mask-canvas]');
        return c && c.getContext('2d').getImageData(Math.floor(x), Math.floor(y), 1, 1).data[3] > 0 === want;
      },
      [x, y, want],
      { timeout: 3000 },
    )
    .then(
      () => want,
      () => !want,
    );
}

/** pycocotools' compressed counts → run lengths. */
function runs(s) {
  const out = [];
  let p = 0;
  while (p < s.length) {
    let x = 0;
    let k = 0;
    let more = 1;
    while (more) {
      const c = s.charCodeAt(p) - 48;
      x |= (c & 0x1f) << (5 * k);
      more = c & 0x20;
      p++;
      k++;
      if (!more && c & 0x10) x |= -1 << (5 * k);
    }
    if (out.length > 2) x += out[out.length - 2];
    out.push(x);
  }
  return out;
}

/** A stored RLE mask as a lookup: in(x, y) for a picture pixel (column by column). */
function rleMask(rle) {
  const [h, w] = rle.size;
  const m = new Uint8Array(h * w);
  let i = 0;
  runs(rle.counts).forEach((n, k) => {
    if (k % 2) m.fill(1, i, i + n);
    i += n;
  });
  assert.equal(i, h * w, 'the runs cover the picture');
  return { at: (x, y) => m[Math.floor(x) * h + Math.floor(y)] === 1, area: m.reduce((a, b) => a + b, 0) };
}

/** No sideways scroll, and Done on screen once scrolled to, within the phone, big. */
async function doneInView(page) {
  const overflow = await page.evaluate(() => ({ doc: document.documentElement.scrollWidth, w: window.innerWidth }));
  assert.ok(overflow.doc <= overflow.w, `no sideways scroll: ${JSON.stringify(overflow)}`);
  const done = page.getByTestId('q-submit');
  await done.scrollIntoViewIfNeeded();
  const db = await done.boundingBox();
  assert.ok(db.x >= 0 && db.x + db.width <= PHONE.width && db.y >= 0 && db.y + db.height <= PHONE.height && db.height >= 44, `Done in view: ${JSON.stringify(db)}`);
  return done;
}

function close(got, want, tol, what) {
  assert.ok(Math.abs(got - want) <= tol, `${what}: ${got} ≈ ${want} (±${tol})`);
}

describe('rotated boxes and masks', () => {
  it('杨洋 draws, turns and moves a box by mouse at 1366 px; the export keeps its angle', async () => {
    await only(turned);
    const b = await openBrowser(LAPTOP);
    let item;
    let row;
    let want;
    let tol;
    try {
      const { page } = b;
      await loginAnnotator(page, '杨洋', '6666');
      await returnOtherUnits(page, turned.id);
      await startWork(page);
      await page.locator('[data-testid=q-shapes][data-kind=rotated_box] .box-canvas').waitFor();
      item = await shownItem(page);
      const m = await mapper(page);
      tol = 2 / m.s;
      // the class by its hotkey (2: 方形), then a box dragged out
      await page.keyboard.press('2');
      await page.waitForSelector('[data-testid=shape-class][data-key=square][aria-pressed=true]');
      await mouseDrag(page, m.at(m.w * 0.3, m.h * 0.3), m.at(m.w * 0.6, m.h * 0.55));
      const shape = page.locator('[data-testid=work] [data-testid=shape]');
      await shape.first().waitFor();
      assert.equal(await shape.count(), 1);
      assert.equal(await shape.first().getAttribute('data-angle'), '0');
      const c0 = [m.w * 0.45, m.h * 0.425];
      near2(await boxCentre(page), c0, tol);
      // turned 30° clockwise by its handle
      const hb = await page.locator('[data-testid=turn-handle] circle').boundingBox();
      const hc = [hb.x + hb.width / 2, hb.y + hb.height / 2];
      const c = m.at(...c0);
      const r = Math.hypot(hc[0] - c[0], hc[1] - c[1]);
      await mouseDrag(page, hc, [c[0] + r * Math.sin(Math.PI / 6), c[1] - r * Math.cos(Math.PI / 6)]);
      close(Number(await shape.first().getAttribute('data-angle')), 30, 1.5, 'turned');
      // moved by a drag inside it
      await mouseDrag(page, c, [c[0] + 60, c[1] + 30]);
      want = { cx: c0[0] + 60 / m.s, cy: c0[1] + 30 / m.s, w: m.w * 0.3, h: m.h * 0.25 };
      near2(await boxCentre(page), [want.cx, want.cy], tol);
      // undo puts it back, redo moves it again
      await page.keyboard.press('Control+z');
      await page.waitForFunction(
        ([x]) => {
          const p = document.querySelector('[data-testid=work] [data-testid=shape]').getAttribute('points').split(' ');
          return Math.abs(p.reduce((s, q) => s + Number(q.split(',')[0]), 0) / 4 - x) < 1;
        },
        [c0[0]],
      );
      close(Number(await shape.first().getAttribute('data-angle')), 30, 1.5, 'still turned');
      await page.keyboard.press('Control+Shift+z');
      await page.waitForFunction(
        ([x]) => {
          const p = document.querySelector('[data-testid=work] [data-testid=shape]').getAttribute('points').split(' ');
          return Math.abs(p.reduce((s, q) => s + Number(q.split(',')[0]), 0) / 4 - x) < 1;
        },
        [want.cx],
      );
      await shot(page, 'laptop-zh-work-rotated-box');
      await page.keyboard.press('Enter');
      await waitNextItem(page, item.id);
      await page.getByTestId('pending-badge').waitFor({ state: 'detached', timeout: 20_000 });
      // read with the browser still open: an answer still waiting in its outbox is sent
      row = await rowOf(turned.id, item.id);
      assert.deepEqual(b.errors, []);
    } finally {
      await b.close();
    }
        const got = row.labels[row.labels.length - 1].answer.turned;
    assert.equal(got.length, 1, JSON.stringify(got));
    assert.equal(got[0].label, 'square');
    close(got[0].angle, 30, 1.5, 'stored angle');
    close(got[0].cx, want.cx, tol, 'cx');
    close(got[0].cy, want.cy, tol, 'cy');
    close(got[0].w, want.w, tol, 'w');
    close(got[0].h, want.h, tol, 'h');
  });

  it('on a 360 px phone she pinches to full resolution, pans, and draws and turns a box by finger', async () => {
    await only(turned);
    const b = await openBrowser(PHONE, { touch: true });
    let item;
    let row;
    let want;
    let tol;
    try {
      const { page } = b;
      await loginAnnotator(page, '杨洋', '6666');
      await startWork(page);
      await page.locator('[data-testid=q-shapes][data-kind=rotated_box] .box-canvas').waitFor();
      item = await shownItem(page);
      const stage = page.locator('[data-testid=work] [data-testid=shape-stage]');
      await stage.scrollIntoViewIfNeeded();
      let sb = await stage.boundingBox();
      assert.ok(sb.x >= 0 && sb.x + sb.width <= PHONE.width, `the stage fits: ${JSON.stringify(sb)}`);
      const fit = await mapper(page);
      assert.ok(fit.s < 1, `the whole picture fits the phone first: ${fit.s}`);
      // two fingers apart: the picture at its own pixels (or more)
      const mid = [sb.x + sb.width / 2, sb.y + sb.height / 2];
      await fingers(page, [line([mid[0] - 20, mid[1]], [mid[0] - 110, mid[1]], 10), line([mid[0] + 20, mid[1]], [mid[0] + 110, mid[1]], 10)]);
      const zoomed = await mapper(page);
      assert.ok(zoomed.s >= 1, `full resolution: ${zoomed.s} screen px a picture px`);
      // two fingers moved together pan it
      const before = zoomed.at(0, 0);
      await fingers(page, [line([mid[0] - 40, mid[1]], [mid[0] - 10, mid[1] + 25], 6), line([mid[0] + 40, mid[1]], [mid[0] + 70, mid[1] + 25], 6)]);
      const m = await mapper(page);
      const after = m.at(0, 0);
      assert.ok(Math.abs(after[0] - before[0]) > 5 || Math.abs(after[1] - before[1]) > 5, `panned: ${before} → ${after}`);
      tol = 2 / m.s;
      // a box by finger in the middle of what is shown
      sb = await stage.boundingBox();
      const p0 = [sb.x + sb.width * 0.35, sb.y + sb.height * 0.45];
      const p1 = [sb.x + sb.width * 0.65, sb.y + sb.height * 0.7];
      await fingers(page, [line(p0, p1)]);
      const shape = page.locator('[data-testid=work] [data-testid=shape]');
      await shape.first().waitFor();
      const a = m.of(...p0);
      const z = m.of(...p1);
      const centre = [(a[0] + z[0]) / 2, (a[1] + z[1]) / 2];
      near2(await boxCentre(page), centre, tol);
      // turned by its handle with the finger, 20° anticlockwise
      const hb = await page.locator('[data-testid=turn-handle] circle').boundingBox();
      const hc = [hb.x + hb.width / 2, hb.y + hb.height / 2];
      const c = m.at(...centre);
      const r = Math.hypot(hc[0] - c[0], hc[1] - c[1]);
      await fingers(page, [line(hc, [c[0] - r * Math.sin(Math.PI / 9), c[1] - r * Math.cos(Math.PI / 9)])]);
      close(Number(await shape.first().getAttribute('data-angle')), -20, 2, 'turned by finger');
      want = { cx: centre[0], cy: centre[1], w: z[0] - a[0], h: z[1] - a[1] };
      await shot(page, 'phone-zh-work-rotated-box');
      const done = await doneInView(page);
      await done.tap();
      await waitNextItem(page, item.id);
      await page.getByTestId('pending-badge').waitFor({ state: 'detached', timeout: 20_000 });
      // read with the browser still open: an answer still waiting in its outbox is sent
      row = await rowOf(turned.id, item.id);
      assert.deepEqual(b.errors, []);
    } finally {
      await b.close();
    }
        const got = row.labels[row.labels.length - 1].answer.turned;
    assert.equal(got.length, 1, JSON.stringify(got));
    close(got[0].angle, -20, 2, 'stored angle');
    close(got[0].cx, want.cx, tol, 'cx');
    close(got[0].cy, want.cy, tol, 'cy');
    close(got[0].w, want.w, tol, 'w');
    close(got[0].h, want.h, tol, 'h');
  });

  it('杨洋 paints a mask at 1366 px: two brush sizes, the eraser, undo and redo; the RLE is the picture’s', async () => {
    await only(painted);
    const b = await openBrowser(LAPTOP);
    let item;
    let row;
    let m;
    let y1;
    let y2;
    let xe;
    let r2;
    try {
      const { page } = b;
      await loginAnnotator(page, '杨洋', '6666');
      await returnOtherUnits(page, painted.id);
      await startWork(page);
      await page.locator('[data-testid=q-shapes][data-kind=mask] .box-canvas').waitFor();
      item = await shownItem(page);
      m = await mapper(page);
      await page.keyboard.press('3');
      await page.waitForSelector('[data-testid=shape-class][data-key=triangle][aria-pressed=true]');
      // a thin stroke (the brush's 16 px), then a thick one (40 px)
      y1 = m.h * 0.4;
      y2 = m.h * 0.7;
      await mouseDrag(page, m.at(m.w * 0.2, y1), m.at(m.w * 0.5, y1));
      assert.equal(await page.locator('[data-testid=mask-size]').inputValue(), '16');
      await page.locator('[data-testid=mask-size]').evaluate((el) => {
        el.value = '40';
        el.dispatchEvent(new Event('input', { bubbles: true }));
      });
      await mouseDrag(page, m.at(m.w * 0.2, y2), m.at(m.w * 0.5, y2));
      r2 = 40 / 2 / m.s; // the thick brush's radius in picture px
      assert.ok(await painted_at(page, m.w * 0.3, y1));
      assert.ok(await painted_at(page, m.w * 0.3, y2 + r2 * 0.7), 'the thick stroke is thick');
      assert.ok(!(await painted_at(page, m.w * 0.3, y1 + r2 * 0.7, false)), 'the thin stroke is thin');
      // the eraser across the thin stroke
      await page.getByTestId('mask-eraser').click();
      await page.waitForSelector('[data-testid=mask-eraser][aria-pressed=true]');
      xe = m.w * 0.35;
      await mouseDrag(page, m.at(xe, y1 - 30), m.at(xe, y1 + 30));
      assert.ok(!(await painted_at(page, xe, y1, false)), 'erased');
      await page.locator('[data-testid=work] [data-testid=shape-undo]').click();
      assert.ok(await painted_at(page, xe, y1), 'undo brings it back');
      await page.locator('[data-testid=work] [data-testid=shape-redo]').click();
      assert.ok(!(await painted_at(page, xe, y1, false)), 'redo erases it again');
      assert.equal(await page.locator('[data-testid=shape-list] .box-chip').count(), 1);
      await shot(page, 'laptop-zh-work-mask');
      await page.getByTestId('q-submit').click();
      await waitNextItem(page, item.id);
      await page.getByTestId('pending-badge').waitFor({ state: 'detached', timeout: 20_000 });
      // read with the browser still open: an answer still waiting in its outbox is sent
      row = await rowOf(painted.id, item.id);
      assert.deepEqual(b.errors, []);
    } finally {
      await b.close();
    }
        const got = row.labels[row.labels.length - 1].answer.paint;
    assert.equal(got.length, 1, JSON.stringify(got).slice(0, 300));
    assert.equal(got[0].label, 'triangle');
    assert.deepEqual(got[0].rle.size, [row.height, row.width], 'the RLE is the picture’s size');
    assert.deepEqual([row.width, row.height], [m.w, m.h]);
    assert.equal(typeof got[0].rle.counts, 'string', 'stored compressed');
    const mask = rleMask(got[0].rle);
    assert.ok(mask.at(m.w * 0.25, y1) && mask.at(m.w * 0.45, y1), 'the thin stroke');
    assert.ok(!mask.at(xe, y1), 'the erased part');
    assert.ok(mask.at(m.w * 0.3, y2) && mask.at(m.w * 0.3, y2 + r2 * 0.7), 'the thick stroke');
    assert.ok(!mask.at(m.w * 0.3, y1 + r2 * 0.7) && !mask.at(m.w * 0.9, m.h * 0.1), 'nothing else');
  });

  it('on a 360 px phone she zooms in with the buttons and paints, erases and undoes by finger', async () => {
    await only(painted);
    const b = await openBrowser(PHONE, { touch: true });
    let item;
    let row;
    let m;
    let spot;
    let gone;
    try {
      const { page } = b;
      await loginAnnotator(page, '杨洋', '6666');
      await startWork(page);
      await page.locator('[data-testid=q-shapes][data-kind=mask] .box-canvas').waitFor();
      item = await shownItem(page);
      const stage = page.locator('[data-testid=work] [data-testid=shape-stage]');
      await stage.scrollIntoViewIfNeeded();
      const fit = await mapper(page);
      await page.locator('[data-testid=work] .zoom-tools button').first().tap();
      await page.locator('[data-testid=work] .zoom-tools button').first().tap();
      m = await mapper(page);
      assert.ok(m.s >= 1 && m.s > fit.s, `zoomed in to full resolution: ${fit.s} → ${m.s}`);
      // a stroke across the middle of what is shown, with a bigger brush
      await page.locator('[data-testid=mask-size]').evaluate((el) => {
        el.value = '30';
        el.dispatchEvent(new Event('input', { bubbles: true }));
      });
      await stage.scrollIntoViewIfNeeded();
      const sb2 = await stage.boundingBox();
      const yy = sb2.y + sb2.height / 2;
      await fingers(page, [line([sb2.x + sb2.width * 0.2, yy], [sb2.x + sb2.width * 0.8, yy])]);
      const m2 = await mapper(page);
      spot = m2.of(sb2.x + sb2.width * 0.3, yy);
      gone = m2.of(sb2.x + sb2.width * 0.6, yy);
      assert.ok(await painted_at(page, ...spot));
      assert.ok(await painted_at(page, ...gone));
      // the eraser by finger, undone and done again
      await page.getByTestId('mask-eraser').tap();
      await page.waitForSelector('[data-testid=mask-eraser][aria-pressed=true]');
      await stage.scrollIntoViewIfNeeded();
      const sb3 = await stage.boundingBox();
      const m3 = await mapper(page);
      const [gx, gy] = m3.at(...gone);
      assert.ok(sb3.y <= gy && gy <= sb3.y + sb3.height, 'the stroke is still shown');
      await fingers(page, [line([gx, gy - 25], [gx, gy + 25])]);
      assert.ok(!(await painted_at(page, ...gone, false)), 'erased');
      await page.locator('[data-testid=work] [data-testid=shape-undo]').tap();
      assert.ok(await painted_at(page, ...gone), 'undone');
      await page.locator('[data-testid=work] [data-testid=shape-redo]').tap();
      assert.ok(!(await painted_at(page, ...gone, false)), 'redone');
      await shot(page, 'phone-zh-work-mask');
      const done = await doneInView(page);
      await done.tap();
      await waitNextItem(page, item.id);
      await page.getByTestId('pending-badge').waitFor({ state: 'detached', timeout: 20_000 });
      // read with the browser still open: an answer still waiting in its outbox is sent
      row = await rowOf(painted.id, item.id);
      assert.deepEqual(b.errors, []);
    } finally {
      await b.close();
    }
        const got = row.labels[row.labels.length - 1].answer.paint;
    assert.equal(got.length, 1);
    assert.deepEqual(got[0].rle.size, [row.height, row.width]);
    const mask = rleMask(got[0].rle);
    assert.ok(mask.at(...spot), 'the stroke');
    assert.ok(!mask.at(...gone), 'the erased part');
  });

  it('the lead sees each annotator’s boxes and masks in their colour on the disagreements and settles the box', async () => {
    const lead = await apiSession('lead', 'mudou-lead');
    const waiting = async (order) => {
      const q = await lead('GET', `/lead/review?order_id=${order.id}`);
      const it = q.items.find((x) => x.answers.filter((a) => a.answer).length >= 2);
      assert.ok(it, `a disagreement of ${order.spec.name} waits: ${JSON.stringify(q.items).slice(0, 300)}`);
      return it;
    };
    const box = await waiting(turned);
    const mask = await waiting(painted);
    const b = await openBrowser(LAPTOP);
    let drawn;
    try {
      const { page } = b;
      await loginStaff(page, 'lead');
      // the mask: one picture per annotator, each in their colour
      await page.goto(`${BASE}/#/review?order=${painted.id}`);
      const mcard = page.locator(`[data-testid=review-item][data-item="${mask.item_id}"][data-order="${painted.id}"]`);
      const mq = mcard.locator('[data-testid=q-review][data-question=paint]');
      await mq.waitFor();
      const layers = mq.locator('[data-testid=review-annotators] [data-testid=review-shape]');
      await layers.nth(1).waitFor();
      assert.ok((await layers.count()) >= 2, 'both annotators’ masks');
      const hrefs = await layers.evaluateAll((xs) => xs.map((x) => x.getAttribute('href')));
      assert.equal(new Set(hrefs).size, hrefs.length, 'each mask drawn in its own colour');
      await shot(page, 'laptop-zh-lead-review-mask');
      assert.ok(await mcard.getByTestId('accept').isDisabled(), 'no empty consensus to accept');

      // the box: each annotator's outline in their colour, the colours of their rows
      await page.goto(`${BASE}/#/review?order=${turned.id}`);
      const card = page.locator(`[data-testid=review-item][data-item="${box.item_id}"][data-order="${turned.id}"]`);
      const q = card.locator('[data-testid=q-review][data-question=turned]');
      await q.waitFor();
      const outlines = q.locator('[data-testid=review-annotators] [data-testid=review-shape]');
      assert.ok((await outlines.count()) >= 2, 'both annotators’ boxes');
      const strokes = new Set(await outlines.evaluateAll((xs) => xs.map((x) => x.getAttribute('stroke'))));
      assert.ok(strokes.size >= 2, `in two colours: ${[...strokes]}`);
      const dots = await card.locator('[data-testid=review-answer] .chip-dot').evaluateAll((xs) => xs.map((x) => getComputedStyle(x).backgroundColor));
      const rgb = (hex) => `rgb(${parseInt(hex.slice(1, 3), 16)}, ${parseInt(hex.slice(3, 5), 16)}, ${parseInt(hex.slice(5, 7), 16)})`;
      for (const s of strokes) assert.ok(dots.includes(rgb(s)), `${s} is an annotator’s colour (${dots})`);
      await shot(page, 'laptop-zh-lead-review-rotated-box');
      // nothing agreed to accept (accepting would settle it as "nothing to draw"): the lead
      // draws the right box over the picture
      assert.ok(await card.getByTestId('accept').isDisabled(), 'no empty consensus to accept');
      await card.getByTestId('override').click();
      const form = card.getByTestId('template-override');
      await form.locator('[data-testid=q-shapes][data-kind=rotated_box] .box-canvas').waitFor();
      await form.scrollIntoViewIfNeeded();
      const m = await mapper(page, `[data-item="${box.item_id}"] [data-testid=template-override]`);
      await mouseDrag(page, m.at(m.w * 0.25, m.h * 0.25), m.at(m.w * 0.55, m.h * 0.6));
      drawn = { cx: m.w * 0.4, cy: m.h * 0.425, tol: 3 / m.s };
      await form.locator('[data-testid=shape]').first().waitFor();
      await form.getByTestId('q-submit').click();
      await card.getByTestId('decided').waitFor();
      assert.match(await card.getByTestId('decided').textContent(), /已改判/);
      assert.deepEqual(b.errors, []);
    } finally {
      await b.close();
    }
    const row = (await exportJsonl(client, turned.id)).find((r) => r.item_id === box.item_id);
    assert.equal(row.answer?.turned?.length, 1, JSON.stringify(row).slice(0, 400));
    close(row.answer.turned[0].cx, drawn.cx, drawn.tol, 'the lead’s box');
    close(row.answer.turned[0].cy, drawn.cy, drawn.tol, 'the lead’s box');
  });
});

describe('polylines', () => {
  let edges;
  before(async () => {
    const { items } = await client('GET', '/orders');
    edges = items.find((o) => o.spec.name === '画边线');
    assert.ok(edges, 'the demo seeds 画边线');
    assert.equal(edges.spec.template.questions[0].kind, 'polyline');
  });

  /** Each point within `tol` picture px of the wanted one. */
  function nearAll(got, want, tol) {
    assert.equal(got.length, want.length, JSON.stringify(got));
    got.forEach((p, i) => near2(p, want[i], tol));
  }

  it('杨洋 draws two lines by mouse at 1366 px, ended by Enter and by a double click', async () => {
    await only(edges);
    const b = await openBrowser(LAPTOP);
    let item;
    let row;
    let bottom;
    let top;
    let tol;
    try {
      const { page } = b;
      await loginAnnotator(page, '杨洋', '6666');
      await returnOtherUnits(page, edges.id);
      await startWork(page);
      await page.locator('[data-testid=q-shapes][data-kind=polyline] .box-canvas').waitFor();
      item = await shownItem(page);
      const m = await mapper(page);
      tol = 1.5 / m.s;
      // the bottom edge (1: 底边): three clicks, Enter ends the line
      await page.keyboard.press('1');
      await page.waitForSelector('[data-testid=shape-class][data-key=bottom][aria-pressed=true]');
      bottom = [
        [m.w * 0.2, m.h * 0.8],
        [m.w * 0.5, m.h * 0.82],
        [m.w * 0.8, m.h * 0.8],
      ];
      for (const p of bottom) await page.mouse.click(...m.at(...p));
      assert.equal(await page.getByTestId('draft').getAttribute('data-points'), '3');
      await page.keyboard.press('Enter');
      await page.getByTestId('draft').waitFor({ state: 'detached' });
      const chips = page.locator('[data-testid=work] [data-testid=shape-list] .box-chip');
      await page.waitForFunction(() => document.querySelectorAll('[data-testid=work] [data-testid=shape-list] .box-chip').length === 1);
      // the top edge (2: 顶边, after Escape lets the drawn line go): a click, then a double
      // click on the last point ends it
      await page.keyboard.press('Escape');
      await page.keyboard.press('2');
      await page.waitForSelector('[data-testid=shape-class][data-key=top][aria-pressed=true]');
      top = [
        [m.w * 0.25, m.h * 0.2],
        [m.w * 0.75, m.h * 0.25],
      ];
      await page.mouse.click(...m.at(...top[0]));
      await page.mouse.dblclick(...m.at(...top[1]));
      await page.waitForFunction(() => document.querySelectorAll('[data-testid=work] [data-testid=shape-list] .box-chip').length === 2);
      assert.equal(await page.getByTestId('draft').count(), 0);
      assert.equal(await chips.count(), 2);
      await shot(page, 'laptop-zh-work-polyline');
      await page.keyboard.press('Enter');
      await waitNextItem(page, item.id);
      await page.getByTestId('pending-badge').waitFor({ state: 'detached', timeout: 20_000 });
      // read with the browser still open: an answer still waiting in its outbox is sent
      row = await rowOf(edges.id, item.id);
      assert.deepEqual(b.errors, []);
    } finally {
      await b.close();
    }
    const got = row.labels[row.labels.length - 1].answer.edges;
    assert.equal(got.length, 2, JSON.stringify(got));
    const byLabel = Object.fromEntries(got.map((l) => [l.label, l.points]));
    nearAll(byLabel.bottom, bottom, tol);
    nearAll(byLabel.top, top, tol);
  });

  it('on a 360 px phone she taps a line and ends it with the finish button; Done in view', async () => {
    await only(edges);
    const b = await openBrowser(PHONE, { touch: true });
    let item;
    let row;
    let want;
    let tol;
    try {
      const { page } = b;
      await loginAnnotator(page, '杨洋', '6666');
      await startWork(page);
      await page.locator('[data-testid=q-shapes][data-kind=polyline] .box-canvas').waitFor();
      item = await shownItem(page);
      const stage = page.locator('[data-testid=work] [data-testid=shape-stage]');
      await stage.scrollIntoViewIfNeeded();
      const sb = await stage.boundingBox();
      assert.ok(sb.x >= 0 && sb.x + sb.width <= PHONE.width, `the stage fits: ${JSON.stringify(sb)}`);
      const m = await mapper(page);
      tol = 1.5 / m.s;
      want = [
        [m.w * 0.15, m.h * 0.6],
        [m.w * 0.5, m.h * 0.7],
        [m.w * 0.85, m.h * 0.6],
      ];
      for (const p of want) {
        await page.touchscreen.tap(...m.at(...p));
        await page.waitForTimeout(450); // not a double tap
      }
      assert.equal(await page.getByTestId('draft').getAttribute('data-points'), '3');
      const finish = page.getByTestId('shape-finish');
      const fb = await finish.boundingBox();
      assert.ok(fb.height >= 44 && fb.width >= 44, `a big finish button: ${JSON.stringify(fb)}`);
      await finish.tap();
      await page.getByTestId('draft').waitFor({ state: 'detached' });
      await page.waitForFunction(() => document.querySelectorAll('[data-testid=work] [data-testid=shape-list] .box-chip').length === 1);
      await shot(page, 'phone-zh-work-polyline');
      const done = await doneInView(page);
      await done.tap();
      await waitNextItem(page, item.id);
      await page.getByTestId('pending-badge').waitFor({ state: 'detached', timeout: 20_000 });
      row = await rowOf(edges.id, item.id);
      assert.deepEqual(b.errors, []);
    } finally {
      await b.close();
    }
    const got = row.labels[row.labels.length - 1].answer.edges;
    assert.equal(got.length, 1, JSON.stringify(got));
    // the first class is chosen until another is
    assert.equal(got[0].label, 'bottom');
    nearAll(got[0].points, want, tol);
  });
});

/** Two points within `tol`. */
function near2(got, want, tol) {
  close(got[0], want[0], tol, 'x');
  close(got[1], want[1], tol, 'y');
}
