// Rubric rating (issue 27): the demo's 回答打分 order grades one LLM answer on four axes
// (helpful, correct, harmless, fluent), each in five steps with the rubric's words under them.
// 张丽 grades an item by taps at 360 px (big steps that fit, no sideways scroll); 刘静 grades
// the same item by number keys at 1366 px (each key rates the first axis not yet rated); the
// two agree within the rubric's tolerance, so the item settles and the export carries the
// grade per axis.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LAPTOP, PHONE, openBrowser, shot } from './lib.mjs';
import { apiSession, exportJsonl, loginAnnotator, returnOtherUnits, shownItem, startWork, waitNextItem } from './work-lib.mjs';

let client;
let order;
const paused = [];

before(async () => {
  client = await apiSession('client', 'mudou-client');
  const { items } = await client('GET', '/orders');
  order = items.find((o) => o.spec.name === '回答打分');
  assert.ok(order, 'the demo seeds 回答打分');
  for (const x of items)
    if (x.id !== order.id && x.state === 'open') {
      await client('POST', `/orders/${x.id}/pause`);
      paused.push(x.id);
    }
});
after(async () => {
  for (const id of paused) await client('POST', `/orders/${id}/resume`).catch(() => {});
});

const grades = (page) =>
  page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll('[data-testid=rubric-step][aria-checked=true]')].map((b) => [b.dataset.axis, Number(b.dataset.step)]),
    ),
  );

let graded;

describe('rubric rating', () => {
  it('张丽 grades an answer by taps at 360 px', async () => {
    const b = await openBrowser(PHONE);
    try {
      const { page } = b;
      await loginAnnotator(page, '张丽', '3333');
      await returnOtherUnits(page, order.id);
      await startWork(page);
      await page.getByTestId('template-form').waitFor();
      assert.equal(await page.getByTestId('template-form').getAttribute('data-narrow'), 'true');
      const { id } = await shownItem(page);
      graded = id;
      await page.getByTestId('rubric').waitFor();
      assert.deepEqual(
        await page.locator('[data-testid=rubric-axis]').evaluateAll((xs) => xs.map((x) => x.dataset.axis)),
        ['helpful', 'correct', 'harmless', 'fluent'],
      );
      // the rubric's words under its steps, and the example of a hard axis
      const step = (axis, s) => page.locator(`[data-testid=rubric-step][data-axis=${axis}][data-step="${s}"]`);
      assert.match(await step('helpful', 1).innerText(), /差/);
      assert.match(await step('helpful', 5).innerText(), /好/);
      assert.match(await page.locator('[data-testid=rubric-axis][data-axis=harmless]').innerText(), /不教人做坏事/);
      // every step a big target inside the screen
      for (const s of [1, 5]) {
        const bb = await step('fluent', s).boundingBox();
        assert.ok(bb.height >= 44 && bb.x >= 0 && bb.x + bb.width <= PHONE.width, `step ${s}: ${JSON.stringify(bb)}`);
      }
      for (const [axis, s] of [['helpful', 4], ['correct', 5], ['harmless', 5], ['fluent', 2]]) await step(axis, s).click();
      await step('fluent', 4).click(); // changed her mind
      assert.deepEqual(await grades(page), { helpful: 4, correct: 5, harmless: 5, fluent: 4 });
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no sideways scroll at 360 px');
      await shot(page, 'phone-zh-work-rubric');
      await page.getByTestId('q-submit').click();
      await waitNextItem(page, id);
      await page.getByTestId('pending-badge').waitFor({ state: 'detached', timeout: 20_000 });
      assert.deepEqual(b.errors, []);
    } finally {
      await b.close();
    }
  });

  it('刘静 grades the same answer by keys at 1366 px; the settled grade is exported per axis', async () => {
    assert.ok(graded, 'the item of the test before');
    const b = await openBrowser(LAPTOP);
    try {
      const { page } = b;
      await loginAnnotator(page, '刘静', '4444');
      await returnOtherUnits(page, order.id);
      await startWork(page);
      await page.getByTestId('template-form').waitFor();
      assert.equal(await page.getByTestId('template-form').getAttribute('data-narrow'), 'false');
      // to the item 张丽 graded (the same unit, maybe in another order)
      for (let i = 0; i < 5; i++) {
        await page.getByTestId('rubric').waitFor();
        const { id } = await shownItem(page);
        if (id === graded) break;
        for (const k of ['3', '3', '3', '3']) await page.keyboard.press(k);
        await page.keyboard.press('Enter');
        await waitNextItem(page, id);
      }
      assert.equal((await shownItem(page)).id, graded);
      // each key rates the first axis not yet rated; a key above the rubric's top does nothing
      await page.keyboard.press('5');
      await page.keyboard.press('9');
      assert.deepEqual(await grades(page), { helpful: 5 });
      for (const k of ['4', '5', '3']) await page.keyboard.press(k);
      assert.deepEqual(await grades(page), { helpful: 5, correct: 4, harmless: 5, fluent: 3 });
      await shot(page, 'laptop-zh-work-rubric');
      await page.keyboard.press('Enter');
      await waitNextItem(page, graded);
      await page.getByTestId('pending-badge').waitFor({ state: 'detached', timeout: 20_000 });
      let row;
      for (let i = 0; i < 40 && row?.labels?.length !== 2; i++) {
        row = (await exportJsonl(client, order.id)).find((r) => r.item_id === graded);
        if (row?.labels?.length !== 2) await new Promise((r) => setTimeout(r, 500));
      }
      assert.equal(row.labels.length, 2, JSON.stringify(row));
      const mine = row.labels.map((l) => l.answer.grade).sort((x, y) => x.fluent - y.fluent);
      assert.deepEqual(mine, [
        { helpful: 5, correct: 4, harmless: 5, fluent: 3 },
        { helpful: 4, correct: 5, harmless: 5, fluent: 4 },
      ]);
      // within the tolerance (1) on every axis: settled
      assert.equal(row.state, 'resolved', JSON.stringify(row));
      assert.deepEqual(Object.keys(row.answer.grade).sort(), ['correct', 'fluent', 'harmless', 'helpful']);
      assert.deepEqual(b.errors, []);
    } finally {
      await b.close();
    }
  });
});
