// Pairwise preference (issue 27): the demo's 回答比较 order asks a `pairwise` question. 陈杰
// sees the two answers in an order of his own (A left, B right at 1366 px; A over B at
// 360 px), picks by hotkey on the laptop and by tap on the phone; the export stores the FIELD
// picked and the order he saw (`shown`), never "A" or "B".

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BASE, LAPTOP, PHONE, openBrowser, shot } from './lib.mjs';
import { apiSession, exportJsonl, loginAnnotator, returnOtherUnits, shownItem, startWork, waitNextItem } from './work-lib.mjs';

let client;
let order;
const paused = [];

before(async () => {
  client = await apiSession('client', 'mudou-client');
  const { items } = await client('GET', '/orders');
  order = items.find((o) => o.spec.name === '回答比较');
  assert.ok(order, 'the demo seeds 回答比较');
  assert.equal(order.spec.template.questions[0].kind, 'pairwise');
  for (const x of items)
    if (x.id !== order.id && x.state === 'open') {
      await client('POST', `/orders/${x.id}/pause`);
      paused.push(x.id);
    }
  if (order.state === 'paused') await client('POST', `/orders/${order.id}/resume`);
});
after(async () => {
  for (const id of paused) await client('POST', `/orders/${id}/resume`).catch(() => {});
});

async function labelOf(id) {
  let row;
  for (let i = 0; i < 40 && !row?.labels?.length; i++) {
    row = (await exportJsonl(client, order.id)).find((r) => r.item_id === id);
    if (!row?.labels?.length) await new Promise((r) => setTimeout(r, 500));
  }
  assert.ok(row?.labels?.length, JSON.stringify(row));
  return row.labels[row.labels.length - 1].answer.better;
}

describe('a pairwise question', () => {
  it('陈杰 picks B by hotkey at 1366 px and A by tap at 360 px; the export names the fields', async () => {
    const b = await openBrowser(LAPTOP);
    try {
      const { page } = b;
      await loginAnnotator(page, '陈杰', '5555');
      await returnOtherUnits(page, order.id);
      await startWork(page);
      const form = page.getByTestId('template-form');
      await form.waitFor();
      assert.equal(await form.getAttribute('data-narrow'), 'false');
      const first = await shownItem(page);
      const pw = page.getByTestId('pairwise');
      const shown1 = (await pw.getAttribute('data-shown')).split(',');
      assert.deepEqual([...shown1].sort(), ['response_1', 'response_2']);
      // A is the left one, B the right one, captioned so
      const A = page.locator('[data-testid=llm-pair] [data-testid=tpl-field][data-side=A]');
      const B = page.locator('[data-testid=llm-pair] [data-testid=tpl-field][data-side=B]');
      assert.equal(await A.getAttribute('data-field'), shown1[0]);
      assert.equal(await B.getAttribute('data-field'), shown1[1]);
      const [a, bb] = [await A.boundingBox(), await B.boundingBox()];
      assert.ok(Math.abs(a.y - bb.y) < 2 && bb.x >= a.x + a.width - 1, `A left of B: ${JSON.stringify([a, bb])}`);
      assert.equal((await A.locator('figcaption').textContent()).trim(), '回答 A');
      // four big buttons with icons and keys
      const outs = page.getByTestId('pw-outcome');
      assert.equal(await outs.count(), 4);
      for (let i = 0; i < 4; i++) {
        const box = await outs.nth(i).boundingBox();
        assert.ok(box.height >= 44, `big target: ${box.height}`);
        assert.equal(await outs.nth(i).getAttribute('aria-keyshortcuts'), String(i + 1));
      }
      await page.keyboard.press('2'); // B
      await page.waitForSelector('[data-testid=pw-outcome][data-outcome=b][aria-pressed=true]');
      await page.locator('[data-testid=pw-strength-btn][data-strength="1"]').click();
      await shot(page, 'laptop-zh-work-pairwise');
      await page.keyboard.press('Enter');
      await waitNextItem(page, first.id);

      // a phone: A over B, a tap on A
      await page.setViewportSize(PHONE);
      await page.waitForFunction(() => document.querySelector('[data-testid=template-form]')?.getAttribute('data-narrow') === 'true');
      const second = await shownItem(page);
      const shown2 = (await page.getByTestId('pairwise').getAttribute('data-shown')).split(',');
      const [p1, p2] = [await A.boundingBox(), await B.boundingBox()];
      assert.ok(p2.y >= p1.y + p1.height - 1, `stacked: ${JSON.stringify([p1, p2])}`);
      const overflow = await page.evaluate(() => ({ doc: document.documentElement.scrollWidth, w: window.innerWidth }));
      assert.ok(overflow.doc <= overflow.w, `no sideways scroll: ${JSON.stringify(overflow)}`);
      const tapA = page.locator('[data-testid=pw-outcome][data-outcome=a]');
      const box = await tapA.boundingBox();
      assert.ok(box.x >= 0 && box.x + box.width <= PHONE.width && box.height >= 44, `fits the phone: ${JSON.stringify(box)}`);
      await tapA.click();
      await page.waitForSelector('[data-testid=pw-outcome][data-outcome=a][aria-pressed=true]');
      await shot(page, 'phone-zh-work-pairwise');
      await page.getByTestId('q-submit').click();
      await waitNextItem(page, second.id);
      await page.getByTestId('pending-badge').waitFor({ state: 'detached', timeout: 20_000 });

      assert.deepEqual(await labelOf(first.id), { winner: shown1[1], strength: 1, shown: shown1 });
      assert.deepEqual(await labelOf(second.id), { winner: shown2[0], shown: shown2 });
      assert.deepEqual(b.errors, []);
    } finally {
      await b.close();
    }
  });
});
