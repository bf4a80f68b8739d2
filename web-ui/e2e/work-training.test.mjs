// A new annotator as the issue tells it: logs in, gets the practice unit (the demo's training
// order: every item has a known answer), sees after each answer whether it was right with the
// right answer's picture, passes, and then labels a real single-choice unit; every label of
// both arrives exactly once.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LAPTOP, PHONE, openBrowser, shot, text } from './lib.mjs';
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

const SHAPES = ['circle', 'square', 'triangle', 'star']; // hotkeys 1–4 in the demo

describe('training, then real work', () => {
  let b;
  let restore = async () => {};
  let client;
  before(async () => {
    client = await apiSession('client', 'mudou-client');
    b = await openBrowser(LAPTOP);
  });
  after(async () => {
    await restore();
    await b.close();
  });

  it('陈杰 practises (one wrong, the rest right), passes, then labels a real unit', async () => {
    const { page } = b;
    const only = await onlyOpen(client, 'single_choice', 'training');
    restore = only.restore;
    const training = only.orders.training;
    assert.ok(training, 'the demo seeds a practice order');
    // the right answers, as the client knows them (the test's own cheat sheet)
    const gold = new Map((await exportJsonl(client, training.id)).map((r) => [r.item_id, r.gold?.label]));

    await loginAnnotator(page, '陈杰', '5555');
    await returnOtherUnits(page, training.id);
    await startWork(page);
    await page.getByTestId('training-badge').waitFor();
    await page.locator('[data-testid=item-img][data-loaded]').waitFor();
    const n = Number((await text(page.getByTestId('progress'))).split('/')[1]);
    const practised = new Map();
    for (let i = 0; i < n; i++) {
      const { id } = await shownItem(page);
      const right = gold.get(id);
      assert.ok(right, `item ${id} has a known answer`);
      const wrongFirst = i === 0;
      const label = wrongFirst ? SHAPES.find((s) => s !== right) : right;
      await page.keyboard.press(String(SHAPES.indexOf(label) + 1));
      practised.set(id, { label });
      const fb = page.locator('[data-testid=feedback][data-state=right], [data-testid=feedback][data-state=wrong]');
      await fb.waitFor();
      assert.equal(await fb.getAttribute('data-state'), wrongFirst ? 'wrong' : 'right');
      if (wrongFirst) {
        assert.match(await text(fb), /再看看/);
        // the right answer with its picture: this item and the right label's example
        assert.equal(await fb.locator('img').count(), 2);
        await shot(page, 'laptop-zh-work-training-wrong');
        await page.setViewportSize(PHONE);
        await shot(page, 'phone-zh-work-training-wrong');
        await page.setViewportSize(LAPTOP);
      } else if (i === 1) {
        assert.match(await text(fb), /答对了/);
        await shot(page, 'laptop-zh-work-training-right');
      }
      await page.keyboard.press('Enter');
      if (i < n - 1) await waitNextItem(page, id);
    }
    const result = page.getByTestId('training-result');
    await result.waitFor();
    assert.equal(await result.getAttribute('data-passed'), 'true', await text(result));
    assert.match(await text(result), new RegExp(`答对 ${n - 1} / ${n}`));
    await shot(page, 'laptop-zh-work-training-passed');
    await page.setViewportSize(PHONE);
    await shot(page, 'phone-zh-work-training-passed');
    await page.setViewportSize(LAPTOP);
    checkExactlyOnce(await exportJsonl(client, training.id), practised);

    // passed: real single-choice work is open to him now
    await page.getByTestId('training-go-on').click();
    await page.getByTestId('work').waitFor();
    await page.locator('[data-testid=item-img][data-loaded]').waitFor();
    assert.equal(await page.getByTestId('training-badge').count(), 0, 'a real unit');
    const m = Number((await text(page.getByTestId('progress'))).split('/')[1]);
    const real = new Map();
    for (let i = 0; i < m; i++) {
      const { id } = await shownItem(page);
      const key = String((i % 4) + 1);
      real.set(id, { label: SHAPES[i % 4] });
      await page.keyboard.press(key);
      await waitNextItem(page, id);
    }
    await page.getByTestId('work').or(page.getByTestId('greeting')).first().waitFor({ timeout: 20_000 });
    await page.getByTestId('pending-badge').waitFor({ state: 'detached' });
    checkExactlyOnce(await exportJsonl(client, only.order.id), real);
    assert.deepEqual(b.errors, []);
  });
});
