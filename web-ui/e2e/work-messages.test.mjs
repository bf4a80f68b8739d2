// The annotator's home with the team lead's side (issue 7's API): a message about an item she
// labelled shows with its picture, the right answer in words and a "got it" button that the
// lead sees as read; her stars or level; and a lead's pause, which Start explains.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BASE, LAPTOP, PHONE, openBrowser, shot, text } from './lib.mjs';
import { apiSession, loginAnnotator, onlyOpen, returnOtherUnits, shownItem, startWork, waitNextItem } from './work-lib.mjs';

describe('messages from the lead, stars, and a pause', () => {
  let b;
  let restore = async () => {};
  before(async () => {
    b = await openBrowser(LAPTOP);
  });
  after(async () => {
    await restore();
    await b.close();
  });

  it('张丽 reads a message about her answer, marks it read, and is told she is paused', async () => {
    const { page } = b;
    const client = await apiSession('client', 'mudou-client');
    const lead = await apiSession('lead', 'mudou-lead');
    const only = await onlyOpen(client, 'single_choice');
    restore = only.restore;
    const { items: people } = await lead('GET', '/centre/annotators');
    const zhang = people.find((p) => p.display_name === '张丽');

    // she labels one item (a circle, she says)
    await loginAnnotator(page, '张丽', '3333');
    await returnOtherUnits(page, only.order.id);
    await startWork(page);
    await page.locator('[data-testid=item-img][data-loaded]').waitFor();
    const { id: itemId } = await shownItem(page);
    await page.keyboard.press('1');
    await waitNextItem(page, itemId);
    await page.getByTestId('go-home').click();
    await page.getByTestId('greeting').waitFor();
    await page.getByTestId('pending-badge').waitFor({ state: 'detached' });

    // the lead answers with the item and the right answer
    const sent = await lead('POST', '/lead/feedback', {
      annotator_id: zhang.id,
      text: '这张最大的是方形，不是圆形。看最大的那个。',
      order_id: only.order.id,
      item_id: itemId,
      answer: { label: 'square' },
    });
    await page.reload();
    const msg = page.getByTestId('message').filter({ hasText: '最大的是方形' });
    await msg.waitFor();
    assert.match(await text(msg), /赵组长/);
    // the right answer in words (the device knows the order's label names) and the picture
    assert.match(await text(msg), /正确答案：方形/);
    assert.equal(await msg.locator('img.message-thumb').count(), 1);
    await page.locator('img.message-thumb').first().evaluate((img) => img.decode());
    await shot(page, 'laptop-zh-work-home-message');
    await page.setViewportSize(PHONE);
    await shot(page, 'phone-zh-work-home-message');
    await page.getByTestId('lang-toggle').click();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    await msg.getByText('Right answer: Square').waitFor();
    await shot(page, 'phone-en-work-home-message');
    await page.setViewportSize(LAPTOP);
    await shot(page, 'laptop-en-work-home-message');
    await page.getByTestId('lang-toggle').click();
    await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
    // quality: stars once she has enough gold answers, her level in words until then
    const q = page.getByTestId('quality');
    await q.waitFor();
    assert.match((await q.getAttribute('aria-label')) ?? '', /质量/);

    // got it: the lead sees it read
    await msg.getByRole('button', { name: '知道了' }).click();
    await page.locator('[data-testid=message].read').filter({ hasText: '最大的是方形' }).waitFor();
    const { items: mine } = await lead('GET', `/lead/feedback?annotator_id=${zhang.id}`);
    const seen = mine.find((m) => m.id === sent.id);
    assert.ok(seen?.read_at, `the lead sees it read: ${JSON.stringify(seen)}`);

    // paused by the lead: Start says so, with a picture
    const pause = await lead('POST', '/lead/pauses', { annotator_id: zhang.id, note: '先休息' });
    try {
      await page.getByTestId('start').click();
      const none = page.getByTestId('no-work');
      await none.waitFor();
      assert.equal(await none.getAttribute('data-reason'), 'paused');
      assert.match(await text(none), /组长让你先休息一下/);
      await shot(page, 'laptop-zh-work-paused');
      await page.setViewportSize(PHONE);
      await shot(page, 'phone-zh-work-paused');
      await page.setViewportSize(LAPTOP);
    } finally {
      await lead('POST', `/lead/pauses/${pause.id}/lift`);
    }
    await page.getByTestId('start').click();
    await page.getByTestId('work').waitFor();
    assert.deepEqual(b.errors, []);
    void BASE;
  });
});
