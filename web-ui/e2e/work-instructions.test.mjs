// Living instructions on a 360 px phone: the client adds one of the order's pictures as a new
// example after publish; 韩梅 (a worker of this test's own, on an order of its own, so other
// tests' people and orders are untouched) sees "新例子" — the picture first, then its words —
// before her next item, once. Then the whole loop of a question: she asks about an item by
// voice (Chromium's fake microphone), the lead forwards it, the client answers on the order
// page (1366 px) and makes the answer an example in one step, and she sees it at her next item.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BASE, LAPTOP, PHONE, openBrowser, shot, text } from './lib.mjs';
import { apiSession, loginAnnotator, onlyOpen, returnOtherUnits, shownItem, startWork } from './work-lib.mjs';

describe('a new example after publish (新例子)', () => {
  let b;
  let cleanup = async () => {};
  // shared by the two tests: the API sessions and the test's own order
  let client;
  let lead;
  let mine;
  before(async () => {
    b = await openBrowser(PHONE, { args: ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'] });
  });
  after(async () => {
    await cleanup();
    await b.close();
  });

  it('韩梅 sees the new example once, at her next item', async () => {
    const { page } = b;
    client = await apiSession('client', 'mudou-client');
    lead = await apiSession('lead', 'mudou-lead');
    const only = await onlyOpen(client, 'single_choice');
    // an order of this test's own, like the demo's single-choice one; the demo's waits meanwhile
    const spec = { ...only.order.spec, name: `新例子试用 ${Date.now() % 100000}` };
    mine = await client('POST', '/orders', { dataset_id: only.order.dataset_id, spec });
    await client('POST', `/orders/${mine.id}/publish`);
    await client('POST', `/orders/${only.order.id}/pause`);
    cleanup = async () => {
      await client('POST', `/orders/${mine.id}/cancel`).catch(() => {});
      await client('POST', `/orders/${only.order.id}/resume`).catch(() => {});
      await only.restore();
    };
    const han = await lead('POST', '/centre/annotators', { display_name: '韩梅', pin: '7474', skill_level: 'standard' });
    await lead('POST', '/lead/qualifications', { annotator_id: han.id, qualification: 'single_choice' }).catch(() => {});

    // her first unit of the order: nothing "new" (every example is in the help)
    await loginAnnotator(page, '韩梅', '7474');
    await returnOtherUnits(page, mine.id);
    await startWork(page);
    assert.equal(await page.getByTestId('new-example').count(), 0);

    // the client adds a picture of the order as an example, with words, in one step
    const { items } = await client('GET', `/datasets/${only.order.dataset_id}/items?after=0&limit=5`);
    const version = await client('POST', `/orders/${mine.id}/instructions`, {
      example_item_id: items[0].id,
      example_words: '这个也算：看最大的那个',
    });
    assert.ok(version.version >= 2);

    // her next item: the card first, picture then words, with a speaker
    await page.getByTestId('go-home').click();
    await page.getByTestId('greeting').waitFor();
    await page.getByTestId('start').click();
    const card = page.getByTestId('new-example');
    await card.waitFor();
    assert.equal(await card.getAttribute('data-version'), String(version.version));
    const pic = page.getByTestId('new-example-pic');
    await pic.waitFor();
    await pic.evaluate((el) => el.decode());
    assert.ok(await pic.evaluate((el) => el.naturalWidth > 0), 'the picture loads');
    assert.match(await text(page.getByTestId('new-example-words')), /这个也算：看最大的那个/);
    assert.ok(await page.getByTestId('new-example-speak').count(), 'a speaker beside the words');
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(wide <= PHONE.width, `no sideways scrolling at 360 px: ${wide}`);
    const ok = page.getByTestId('new-example-ok');
    const bb = await ok.boundingBox();
    assert.ok(bb.height >= 48, `a big "got it": ${bb.height}`);
    await shot(page, 'phone-zh-work-new-example');
    await ok.click();
    await page.getByTestId('work').waitFor();

    // once: the next time, straight to work
    await page.getByTestId('go-home').click();
    await page.getByTestId('greeting').waitFor();
    await startWork(page);
    assert.equal(await page.getByTestId('new-example').count(), 0);
    assert.deepEqual(b.errors, []);
  });

  it('the whole loop: asked by voice, forwarded, answered by the client, made an example, seen next', async () => {
    const { page } = b;
    // 韩梅 is at work on the order: she asks about the picture in front of her by voice
    await page.locator('[data-testid=item-img][data-loaded]').waitFor();
    const { id } = await shownItem(page);
    await page.getByTestId('ask').click();
    await page.getByTestId('ask-sheet').waitFor();
    await page.getByTestId('ask-record').click();
    await page.getByTestId('ask-seconds').waitFor();
    await page.waitForTimeout(1500);
    await page.getByTestId('ask-stop').click();
    await page.getByTestId('ask-recorded').waitFor();
    await page.getByTestId('ask-reason-rule_unclear').click();
    await page.getByTestId('ask-send').click();
    await page.getByTestId('ask-sent').waitFor();

    // the lead forwards it to the client
    const { questions } = await lead('GET', '/lead/questions');
    const q = questions.find((x) => x.asker_name === '韩梅' && x.item.item_id === id);
    assert.ok(q && q.voice_url && q.voice_ms > 500, `her voice question: ${JSON.stringify(q)}`);
    await lead('POST', `/lead/questions/${q.id}/forward`);

    // the client, at 1366 px: the order page's questions; answers in words, then one step
    // makes the answer an example of the instructions
    const cb = await openBrowser(LAPTOP);
    try {
      const cp = cb.page;
      await cp.goto(BASE + '/login');
      await cp.getByTestId('password-form').waitFor();
      await cp.locator('input[name=username]').fill('client');
      await cp.locator('input[name=password]').fill('mudou-client');
      await cp.getByTestId('sign-in').click();
      await cp.getByTestId('datasets').waitFor();
      await cp.goto(`${BASE}/#/orders/${mine.id}`);
      const row = cp.locator(`[data-testid=order-question][data-id="${q.id}"]`);
      await row.waitFor();
      await row.getByTestId('answer-text').fill('规则里没写的：看最大的那个图形');
      await row.getByTestId('answer-send').click();
      await row.getByTestId('promote').click();
      await row.getByTestId('promoted').waitFor();
      await shot(cp, 'laptop-zh-client-question-promoted');
      assert.deepEqual(cb.errors, []);
    } finally {
      await cb.close();
    }

    // her next item: the new example, with the client's words
    await page.getByTestId('go-home').click();
    await page.getByTestId('greeting').waitFor();
    await page.getByTestId('start').click();
    await page.getByTestId('new-example').waitFor();
    assert.match(await text(page.getByTestId('new-example-words')), /看最大的那个图形/);
    await page.getByTestId('new-example-ok').click();
    await page.getByTestId('work').waitFor();
    assert.deepEqual(b.errors, []);
  });
});
