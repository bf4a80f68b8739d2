// Handing a unit back from the work screen, against the real server (`mudou demo`): the button
// sits in the work bar (≥ 48 px, the bar not crowded at 360 px), a short question says what
// happens, "keep going" changes nothing, and "hand back" first sends the answers still waiting
// on the device (here: one given offline), then hands the unit back, then goes home. The
// client's export shows the answers given, once each, and none on the items not done; the unit
// is no longer the annotator's. At 360 px with touch and at 1366 px, zh-CN.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LAPTOP, PHONE, openBrowser, shot, text } from './lib.mjs';
import { apiSession, exportJsonl, loginAnnotator, onlyOpen, returnOtherUnits, shownItem, startWork, waitNextItem } from './work-lib.mjs';

let client;
before(async () => {
  client = await apiSession('client', 'mudou-client');
  // A worker of this test's own (the demo's people are paused, praised and paid by other
  // tests of the suite).
  const lead = await apiSession('lead', 'mudou-lead');
  const u = await lead('POST', '/centre/annotators', { display_name: '韩冬', pin: '8181', skill_level: 'standard' });
  for (const q of ['single_choice', 'multi_label', 'bbox']) {
    await lead('POST', '/lead/qualifications', { annotator_id: u.id, qualification: q }).catch(() => {});
  }
});

const sizes = [
  { name: 'laptop', viewport: LAPTOP, touch: false, who: ['韩冬', '8181'] },
  { name: 'phone', viewport: PHONE, touch: true, who: ['张丽', '3333'] },
];

/** The work bar: every control inside the window, none over another, in one row. */
async function barFits(page, when) {
  const bar = await page.getByTestId('work-bar').evaluate((el) => ({
    overflow: el.scrollWidth - el.clientWidth,
    height: el.getBoundingClientRect().height,
    width: window.innerWidth,
    kids: [...el.children].map((c) => c.getBoundingClientRect()).filter((r) => r.width > 0).map((r) => [r.left, r.right, r.top, r.bottom]),
  }));
  assert.ok(bar.overflow <= 0, `${when}: the work bar overflows by ${bar.overflow} px`);
  for (const [l, r] of bar.kids) assert.ok(l >= 0 && r <= bar.width + 0.5, `${when}: a bar control is cut off: ${l}..${r}`);
  const xs = [...bar.kids].sort((p, q) => p[0] - q[0]);
  for (let i = 1; i < xs.length; i++) assert.ok(xs[i][0] >= xs[i - 1][1] - 0.5, `${when}: bar controls overlap: ${JSON.stringify(xs)}`);
  assert.ok(bar.height <= 64, `${when}: the bar is one row (${bar.height} px high)`);
}

for (const size of sizes) {
  describe(`hand a unit back (${size.name})`, () => {
    let b;
    let restore = async () => {};
    before(async () => {
      b = await openBrowser(size.viewport, { touch: size.touch });
    });
    after(async () => {
      await restore();
      await b.close();
    });

    it(`${size.who[0]} answers two items (one offline), hands the unit back, and the answers arrive first`, async () => {
      const { page, context, errors } = b;
      const only = await onlyOpen(client, 'multi_label');
      restore = only.restore;
      await loginAnnotator(page, size.who[0], size.who[1]);
      await returnOtherUnits(page, only.order.id);
      await startWork(page);
      const n = Number((await text(page.getByTestId('progress'))).split('/')[1]);
      assert.ok(n >= 3, `a unit of ${n} items`);
      const assignmentId = await page.evaluate(async () => (await (await fetch('/api/v1/work/next')).json()).assignment.id);

      // the button: in the bar, next to home, a big target, and the bar still fits
      const btn = page.getByTestId('hand-back');
      const box = await btn.boundingBox();
      assert.ok(box.width >= 48 && box.height >= 48, `hand-back target ${box.width}×${box.height}`);
      assert.equal(await btn.getAttribute('aria-label'), '交回这组');
      assert.equal(await btn.locator('svg').count(), 1, 'it has an icon');
      await barFits(page, 'at the start');
      // the answer buttons keep their size
      const lb = await page.getByTestId('label-btn').first().boundingBox();
      assert.ok(lb.height >= 64, `label button ${lb.height} px high`);

      // "keep going" changes nothing
      await btn.click();
      const dlg = page.getByTestId('handback-dialog');
      await dlg.waitFor();
      assert.match(await text(dlg), /已答的 0 张留下，照常算钱；没答的 \d+ 张交给别人/);
      await page.getByTestId('handback-no').click();
      await dlg.waitFor({ state: 'detached' });
      await page.getByTestId('work').waitFor();
      // Escape closes it too (on the laptop)
      if (!size.touch) {
        await btn.click();
        await dlg.waitFor();
        // the focus is on "keep going", the safe choice
        assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'handback-no');
        await page.keyboard.press('Escape');
        await dlg.waitFor({ state: 'detached' });
      }

      // two answers: the first sent, the second kept on the device (no network)
      const sent = [];
      page.on('request', (r) => {
        if (r.method() === 'POST' && /\/api\/v1\/work\/(labels|assignments\/\d+\/return)$/.test(r.url())) sent.push(r.url().endsWith('/labels') ? 'label' : 'return');
      });
      const expected = new Map();
      const answer = async (i) => {
        const { id } = await shownItem(page);
        const key = await page.getByTestId('label-btn').nth(i).getAttribute('data-key');
        await page.getByTestId('label-btn').nth(i).click();
        await page.getByTestId('confirm').click();
        expected.set(id, [key]);
        await waitNextItem(page, id);
      };
      await answer(0);
      await page.waitForFunction(() => !document.querySelector('[data-testid=pending-badge]'), null, { timeout: 15_000 }).catch(() => {});
      await context.setOffline(true);
      await answer(1);
      // with an answer waiting on the device the bar shows one more badge, and still fits
      await page.getByTestId('pending-badge').waitFor();
      await barFits(page, 'with an answer waiting');
      await btn.click();
      await dlg.waitFor();
      const ask = await text(dlg);
      assert.match(ask, new RegExp(`已答的 2 张留下，照常算钱；没答的 ${n - 2} 张交给别人`));
      await shot(page, `${size.name}-zh-work-handback-ask`);
      const yes = await page.getByTestId('handback-yes').boundingBox();
      assert.ok(yes.height >= 48, `the yes button is ${yes.height} px high`);
      await page.getByTestId('handback-yes').click();
      // offline: it waits, says why, and has not asked the server to take the unit back
      await page.getByTestId('handing-back').waitFor();
      await page.getByTestId('handback-offline').waitFor();
      await shot(page, `${size.name}-zh-work-handback-waiting`);
      assert.ok(!sent.includes('return'), `no hand-back before the answers: ${sent}`);
      await context.setOffline(false);
      // the answer goes, then the unit, then home
      await page.getByTestId('greeting').waitFor({ timeout: 30_000 });
      const lastLabel = sent.lastIndexOf('label');
      const ret = sent.indexOf('return');
      assert.ok(ret > lastLabel && lastLabel >= 0, `the answers went before the hand-back: ${sent}`);
      assert.deepEqual(errors, []);

      // the server: the unit is no longer this annotator's, the answers are there once each
      const next = await page.evaluate(async () => (await fetch('/api/v1/work/next')).json());
      assert.notEqual(next.assignment?.id, assignmentId, 'the handed-back unit is not offered again as the same lease');
      if (next.assignment) await page.evaluate(async (id) => fetch(`/api/v1/work/assignments/${id}/return`, { method: 'POST' }), next.assignment.id);
      const rows = await exportJsonl(client, only.order.id);
      const byItem = new Map(rows.map((r) => [r.item_id, r]));
      let who = null;
      for (const [id, want] of expected) {
        const r = byItem.get(id);
        assert.ok(r, `item ${id} is in the export`);
        const mine = r.labels.filter((l) => JSON.stringify(l.answer?.labels) === JSON.stringify(want));
        assert.ok(mine.length >= 1, `item ${id}: the answer ${want} arrived: ${JSON.stringify(r.labels)}`);
        who = who ?? mine[0].annotator;
        assert.equal(r.labels.filter((l) => l.annotator === who).length, 1, `item ${id}: one label of ${who}`);
      }
    });
  });
}
