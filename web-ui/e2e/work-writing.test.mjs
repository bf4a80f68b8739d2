// Writing (issue 27): the demo's 写回答 order asks a `writing` question. 陈杰 writes an answer
// on a phone (360 px: a big text box, a live count, a Markdown preview); the lead, at 1366 px,
// accepts it, and edits a simulated answer that copied its prompt (flagged in the review),
// seeing the changes as a diff. The export then holds both as final answers.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BASE, LAPTOP, PHONE, loginStaff, openBrowser, shot } from './lib.mjs';
import { apiSession, exportJsonl, loginAnnotator, returnOtherUnits, shownItem, startWork, waitNextItem } from './work-lib.mjs';

let client;
let order;
const paused = [];

before(async () => {
  client = await apiSession('client', 'mudou-client');
  const { items } = await client('GET', '/orders');
  order = items.find((o) => o.spec.name === '写回答');
  assert.ok(order, 'the demo seeds 写回答');
  assert.equal(order.spec.template.questions[0].kind, 'writing');
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

async function row(id, ready = (r) => r?.labels?.length) {
  let r;
  for (let i = 0; i < 40 && !ready(r); i++) {
    r = (await exportJsonl(client, order.id)).find((x) => x.item_id === id);
    if (!ready(r)) await new Promise((res) => setTimeout(res, 500));
  }
  assert.ok(ready(r), JSON.stringify(r));
  return r;
}

const WRITTEN = '夏威夷之旅最难忘的是文化体验：\n\n- 在卢奥宴会上学跳草裙舞\n- 参观**珍珠港**纪念馆\n\n必游景点还有威基基海滩和钻石头山。';

describe('a writing question', () => {
  let written;
  it('陈杰 writes an answer on a phone: a big box, a live count, a Markdown preview', async () => {
    const b = await openBrowser(PHONE);
    try {
      const { page } = b;
      await loginAnnotator(page, '陈杰', '5555');
      await returnOtherUnits(page, order.id);
      await startWork(page);
      await page.getByTestId('template-form').waitFor();
      written = await shownItem(page);
      const box = page.getByTestId('writing-input');
      const bb = await box.boundingBox();
      assert.ok(bb.x >= 0 && bb.x + bb.width <= PHONE.width && bb.height >= 150, `a big box that fits: ${JSON.stringify(bb)}`);
      await box.fill('太短');
      assert.match(await page.getByTestId('writing-count').textContent(), /^2 字（20–4000）/);
      await box.fill(WRITTEN);
      assert.match(await page.getByTestId('writing-count').textContent(), new RegExp(`^${[...WRITTEN].length} 字`));
      await page.getByTestId('wr-preview').click();
      await page.locator('[data-testid=wr-md][data-md=ready] strong').filter({ hasText: '珍珠港' }).waitFor();
      assert.equal(await page.locator('[data-testid=wr-md] li').count(), 2);
      const overflow = await page.evaluate(() => ({ doc: document.documentElement.scrollWidth, w: window.innerWidth }));
      assert.ok(overflow.doc <= overflow.w, `no sideways scroll: ${JSON.stringify(overflow)}`);
      await shot(page, 'phone-zh-work-writing');
      await page.getByTestId('wr-write').click();
      await page.getByTestId('q-submit').click();
      await waitNextItem(page, written.id);
      await page.getByTestId('pending-badge').waitFor({ state: 'detached', timeout: 20_000 });
      const r = await row(written.id);
      assert.equal(r.labels[0].answer.answer, WRITTEN);
      assert.equal(r.state, 'escalated', 'a written answer waits for review');
      assert.deepEqual(b.errors, []);
    } finally {
      await b.close();
    }
  });

  it('the lead accepts it at 1366 px, and edits a copied answer seeing the changes', async () => {
    const b = await openBrowser(LAPTOP);
    try {
      const { page } = b;
      await loginStaff(page, 'lead');
      await page.goto(`${BASE}/#/review?order=${order.id}`);
      const mine = page.locator(`[data-testid=review-item][data-order="${order.id}"][data-item="${written.id}"]`);
      await mine.waitFor();
      await mine.locator('[data-testid=wr-answer-md] strong').filter({ hasText: '珍珠港' }).waitFor();
      assert.equal(await mine.getByTestId('send-back').textContent(), '退回重写');
      await mine.getByTestId('accept').click();
      await mine.getByTestId('decided').waitFor();

      // The simulated answer that copied its prompt: flagged, then edited.
      const copied = page
        .locator(`[data-testid=review-item][data-order="${order.id}"]`)
        .filter({ has: page.locator('[data-testid=wr-flag][data-flag=copied_prompt]') })
        .first();
      await copied.waitFor();
      assert.equal((await copied.getByTestId('wr-flag').first().textContent()).trim(), '抄了问题');
      const item = Number(await copied.getAttribute('data-item'));
      await copied.getByTestId('override').click();
      const editor = copied.getByTestId('template-override').getByTestId('writing-input');
      const before = await editor.inputValue();
      assert.ok(before.length > 0, 'the edit starts from the written answer');
      const edited = `${before}\n\n（组长补充：请按要求用自己的话写，以下是示范。）`;
      await editor.fill(edited);
      await copied.getByTestId('wr-changes').click();
      await copied.locator('[data-testid=wr-diff][data-diff=ready]').waitFor();
      assert.match(await copied.locator('[data-testid=wr-diff] ins').first().textContent(), /组长补充/);
      await shot(page, 'laptop-zh-review-writing');
      await copied.getByTestId('template-override').getByTestId('q-submit').click();
      await copied.getByTestId('decided').waitFor();
      const overflow = await page.evaluate(() => ({ doc: document.documentElement.scrollWidth, w: window.innerWidth }));
      assert.ok(overflow.doc <= overflow.w, `no sideways scroll: ${JSON.stringify(overflow)}`);

      const ok = (r) => r?.state === 'resolved';
      assert.equal((await row(written.id, ok)).answer.answer, WRITTEN);
      assert.equal((await row(item, ok)).answer.answer, edited);
      assert.deepEqual(b.errors, []);
    } finally {
      await b.close();
    }
  });
});
