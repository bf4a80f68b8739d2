// Check and fix (issue 29): the demo's 检查评论 (reviews, suggested by a naive-Bayes model of
// the other reviews) and 检查框 (shapes, boxes from a pixel detector) open each item with the
// model's answer, marked with the robot. At 1366 px 陈杰 accepts a review's suggestion with
// Enter, rejects the next by choosing another label, fixes a box by dragging it with the mouse
// (the mark goes) and accepts the next boxes with Enter. On a 360 px touch phone 张丽 taps
// "accept" on a review, and drags a box with her finger and taps Done. Then, from the store,
// each label's outcome (accepted / fixed / rejected) and pay: the check rate for an accepted
// one, the fix rate otherwise; and each annotator's earnings went up by exactly that.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LAPTOP, PHONE, openBrowser, shot } from './lib.mjs';
import { apiSession, keepOnly, loginAnnotator, returnOtherUnits, shownItem, startWork, waitNextItem } from './work-lib.mjs';

let client;
let reviews;
let boxes;
const paused = [];
const only = (order) => keepOnly(client, order, paused);

before(async () => {
  client = await apiSession('client', 'mudou-client');
  const { items } = await client('GET', '/orders');
  reviews = items.find((o) => o.spec.name === '检查评论');
  boxes = items.find((o) => o.spec.name === '检查框');
  assert.ok(reviews && boxes, 'the demo seeds 检查评论 and 检查框');
  assert.equal(reviews.spec.suggestions.check_rate_fen, 2);
  assert.equal(boxes.spec.suggestions.fix_rate_fen, 10);
  // the client sees the models' suggestions, by their names
  const list = await client('GET', `/orders/${reviews.id}/suggestions`);
  assert.ok(list.length >= 30 && list.some((s) => s.model === 'nb-words' && s.source === 'import'), JSON.stringify(list.slice(0, 2)));
  const drawn = await client('GET', `/orders/${boxes.id}/suggestions`);
  assert.ok(drawn.length >= 50 && drawn.some((s) => s.model === 'bbox-pixels'));
});
after(async () => {
  for (const id of paused) await client('POST', `/orders/${id}/resume`).catch(() => {});
});

/** Rows of the demo's database (the e2e runner's data folder), read with the sqlite3 tool. */
function sql(query) {
  const dir = process.env.MUDOU_DATA_DIR;
  assert.ok(dir, 'the runner names the data folder (MUDOU_DATA_DIR)');
  const out = execFileSync('sqlite3', ['-json', '-readonly', join(dir, 'mudou.db'), query], { encoding: 'utf8' });
  return out.trim() ? JSON.parse(out) : [];
}

/** What `who` did with each suggestion of `orderId` on these items, and what it pays. */
function outcomes(who, orderId, itemIds) {
  return sql(
    `SELECT l.item_id AS item, l.suggestion_outcome AS outcome, l.suggestion_id AS sid, p.amount_fen AS fen, p.status AS status ` +
      `FROM labels l JOIN label_pay p ON p.label_id = l.id WHERE l.order_id = ${Number(orderId)} ` +
      `AND l.annotator_id = (SELECT id FROM users WHERE display_name = '${who.replace(/'/g, "''")}') AND l.item_id IN (${itemIds.map(Number).join(',')}) ORDER BY l.id`,
  );
}

/** Waits for the labels of these items to be stored (the outbox sends them in the background). */
async function stored(who, orderId, itemIds) {
  for (let i = 0; i < 40; i++) {
    const rows = outcomes(who, orderId, itemIds);
    if (rows.length === itemIds.length) return rows;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`labels of ${itemIds} not stored: ${JSON.stringify(outcomes(who, orderId, itemIds))}`);
}

/** The annotator's today's earnings (fen), in their own session. */
const todayFen = (page) => page.evaluate(async () => (await (await fetch('/api/v1/me/earnings', { credentials: 'same-origin' })).json()).today_fen);

/** Earnings move by what the stored labels pay (those not refused pay). */
async function earnedExactly(page, before, rows) {
  const want = rows.filter((r) => r.status !== 'not_paid').reduce((s, r) => s + r.fen, 0);
  let got = 0;
  for (let i = 0; i < 20; i++) {
    got = (await todayFen(page)) - before;
    if (got === want) break;
    await new Promise((r) => setTimeout(r, 300));
  }
  assert.equal(got, want, `earnings went up by what the labels pay: ${JSON.stringify(rows)}`);
}

/** The label the model chose on the item shown (its robot mark). */
async function modelLabel(page) {
  const b = page.locator('[data-testid=work] [data-testid=label-btn][data-model=true]');
  await b.first().waitFor();
  assert.equal(await b.count(), 1);
  return b.first().getAttribute('data-key');
}

/** Page px of the first box's centre (the stage's own scale), and that box. */
async function firstBoxCentre(page) {
  await page.locator('[data-testid=work] .box-canvas').scrollIntoViewIfNeeded();
  const c = await page.locator('[data-testid=work] .box-canvas').boundingBox();
  const s = Number(await page.getByTestId('box-stage').getAttribute('data-scale'));
  const g = page.locator('[data-testid=work] [data-testid=box]').first();
  const [x, y, w, h] = await Promise.all(['data-x', 'data-y', 'data-w', 'data-h'].map(async (k) => Number(await g.getAttribute(k))));
  return { at: [c.x + (x + w / 2) * s, c.y + (y + h / 2) * s], s, box: { x, y, w, h } };
}

describe('check and fix', () => {
  it('陈杰 at 1366 px: Enter accepts a review, another label rejects one; a box dragged is a fix, Enter accepts the next', async () => {
    const b = await openBrowser(LAPTOP);
    const { page, errors } = b;
    let before = 0;
    const textDone = [];
    const boxDone = [];
    try {
      await only(reviews);
      await loginAnnotator(page, '陈杰', '5555');
      await returnOtherUnits(page, reviews.id);
      before = await todayFen(page);
      await startWork(page);
      // the review opens with the model's label chosen, the robot mark and its score
      const first = await shownItem(page);
      const chosen = await modelLabel(page);
      assert.equal(await page.locator(`[data-testid=label-btn][data-key=${chosen}]`).getAttribute('aria-pressed'), 'true');
      await page.getByTestId('suggestion-bar').waitFor();
      assert.match(await page.locator('[data-testid=suggestion-bar] [data-testid=model-badge]').innerText(), /\d+%/);
      await shot(page, 'suggest-text-1366');
      await page.keyboard.press('Enter');
      await waitNextItem(page, first.id);
      textDone.push(first.id);
      // the next: another label than the model's is a rejection
      const second = await shownItem(page);
      const wrong = await modelLabel(page);
      const other = ['good', 'bad', 'neutral'].find((k) => k !== wrong);
      await page.locator(`[data-testid=label-btn][data-key=${other}]`).click();
      await waitNextItem(page, second.id);
      textDone.push(second.id);
      const textRows = await stored('陈杰', reviews.id, textDone);
      assert.deepEqual(
        textRows.map((r) => [r.item, r.outcome, r.fen]),
        [
          [first.id, 'accepted', 2],
          [second.id, 'rejected', 5],
        ],
      );
      assert.ok(textRows.every((r) => r.sid > 0));

      // the boxes: drawn by the model, dashed and marked
      await only(boxes);
      await page.getByTestId('go-home').click();
      await returnOtherUnits(page, boxes.id);
      await startWork(page);
      const pic = await shownItem(page);
      await page.locator('[data-testid=work] svg.box-svg[data-model=true]').waitFor();
      await page.getByTestId('suggestion-bar').waitFor();
      await page.locator('[data-testid=work] img.box-img[data-loaded]').waitFor();
      await shot(page, 'suggest-boxes-1366');
      // drag the first box 6 picture px to the right: a fix, and the mark goes
      const c = await firstBoxCentre(page);
      await page.mouse.move(...c.at);
      await page.mouse.down();
      await page.mouse.move(c.at[0] + 6 * c.s, c.at[1], { steps: 6 });
      await page.mouse.up();
      await page.locator('[data-testid=work] svg.box-svg[data-model=true]').waitFor({ state: 'detached' });
      assert.equal(await page.getByTestId('suggestion-bar').count(), 0);
      await page.getByTestId('suggestion-changed').waitFor();
      const moved = Number(await page.locator('[data-testid=work] [data-testid=box]').first().getAttribute('data-x'));
      assert.ok(Math.abs(moved - (c.box.x + 6)) <= 1.5, `moved to ${moved}, from ${c.box.x}`);
      await page.keyboard.press('Enter');
      await waitNextItem(page, pic.id);
      boxDone.push(pic.id);
      // the next picture's boxes, accepted as they are with Enter
      const pic2 = await shownItem(page);
      await page.locator('[data-testid=work] svg.box-svg[data-model=true]').waitFor();
      await page.keyboard.press('Enter');
      await waitNextItem(page, pic2.id);
      boxDone.push(pic2.id);
      const boxRows = await stored('陈杰', boxes.id, boxDone);
      assert.deepEqual(
        boxRows.map((r) => [r.item, r.outcome, r.fen]),
        [
          [pic.id, 'fixed', 10],
          [pic2.id, 'accepted', 4],
        ],
      );
      await earnedExactly(page, before, [...textRows, ...boxRows]);
      assert.deepEqual(errors, []);
    } finally {
      await b.close();
    }
  });

  it('张丽 on a 360 px phone: taps accept on a review, drags a box with her finger and taps Done', async () => {
    const b = await openBrowser(PHONE, { touch: true });
    const { page, errors } = b;
    try {
      await only(reviews);
      await loginAnnotator(page, '张丽', '3333');
      await returnOtherUnits(page, reviews.id);
      const before = await todayFen(page);
      await startWork(page);
      const first = await shownItem(page);
      await modelLabel(page);
      const accept = page.getByTestId('sug-accept');
      // a big target, in view without scrolling sideways
      const ab = await accept.boundingBox();
      assert.ok(ab.height >= 48 && ab.x >= 0 && ab.x + ab.width <= 360, JSON.stringify(ab));
      await shot(page, 'suggest-text-360');
      await accept.tap();
      await waitNextItem(page, first.id);
      const textRows = await stored('张丽', reviews.id, [first.id]);
      assert.deepEqual(textRows.map((r) => [r.outcome, r.fen]), [['accepted', 2]]);

      await only(boxes);
      await page.getByTestId('go-home').tap();
      await returnOtherUnits(page, boxes.id);
      await startWork(page);
      const pic = await shownItem(page);
      await page.locator('[data-testid=work] svg.box-svg[data-model=true]').waitFor();
      await page.locator('[data-testid=work] img.box-img[data-loaded]').waitFor();
      const c = await firstBoxCentre(page);
      const to = [c.at[0] + 8 * c.s, c.at[1] + 4 * c.s];
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: c.at[0], y: c.at[1], id: 0 }] });
      for (let k = 1; k <= 8; k++) {
        const p = [c.at[0] + ((to[0] - c.at[0]) * k) / 8, c.at[1] + ((to[1] - c.at[1]) * k) / 8];
        await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x: p[0], y: p[1], id: 0 }] });
        await page.waitForTimeout(16);
      }
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
      await cdp.detach();
      await page.locator('[data-testid=work] svg.box-svg[data-model=true]').waitFor({ state: 'detached' });
      await shot(page, 'suggest-boxes-360');
      // no sideways scroll, and Done in view under the thumb
      const wide = await page.evaluate(() =>
        [...document.querySelectorAll('body *')]
          .filter((e) => e.getBoundingClientRect().right > 361 && !e.closest('.label-grid, .box-list, .box-canvas'))
          .slice(0, 6)
          .map((e) => `${e.tagName}.${e.className?.baseVal ?? e.className} ${Math.round(e.getBoundingClientRect().right)}`),
      );
      assert.deepEqual(wide, [], 'no sideways scroll');
      const done = await page.getByTestId('confirm').boundingBox();
      assert.ok(done && done.y + done.height <= 640 && done.x + done.width <= 360, JSON.stringify(done));
      await page.getByTestId('confirm').tap();
      await waitNextItem(page, pic.id);
      const boxRows = await stored('张丽', boxes.id, [pic.id]);
      assert.deepEqual(boxRows.map((r) => [r.outcome, r.fen]), [['fixed', 10]]);
      await earnedExactly(page, before, [...textRows, ...boxRows]);
      assert.deepEqual(errors, []);
    } finally {
      await b.close();
    }
  });
});
