// Questions on an item, on a 360 px phone with Chromium's fake microphone: 白露 (a worker of
// this test's own: the demo's people are trained, paused and paid by other tests) records a
// voice question about the picture in front of her and keeps the item; the lead finds it in
// the Questions tab (1366 px) with its voice note and answers in words; her home shows the answer with a badge.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BASE, LAPTOP, PHONE, openBrowser, shot, text } from './lib.mjs';
import { apiSession, loginAnnotator, onlyOpen, returnOtherUnits, shownItem, startWork } from './work-lib.mjs';

describe('questions on an item (问一问)', () => {
  let b;
  let restore = async () => {};
  before(async () => {
    b = await openBrowser(PHONE, { args: ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'] });
  });
  after(async () => {
    await restore();
    await b.close();
  });

  it('白露 asks by voice, the lead answers in words, she sees it at home', async () => {
    const { page } = b;
    const client = await apiSession('client', 'mudou-client');
    const lead = await apiSession('lead', 'mudou-lead');
    const only = await onlyOpen(client, 'single_choice');
    restore = only.restore;
    const bl = await lead('POST', '/centre/annotators', { display_name: '白露', pin: '7474', skill_level: 'standard' });
    await lead('POST', '/lead/qualifications', { annotator_id: bl.id, qualification: 'single_choice' }).catch(() => {});

    await loginAnnotator(page, '白露', '7474');
    await returnOtherUnits(page, only.order.id);
    await startWork(page);
    await page.locator('[data-testid=item-img][data-loaded]').waitFor();
    const { id } = await shownItem(page);

    // the ask sheet: record about 2 s, stop, pick a reason picture, keep the item, send
    await page.getByTestId('ask').click();
    await page.getByTestId('ask-sheet').waitFor();
    await page.getByTestId('ask-record').click();
    await page.getByTestId('ask-seconds').waitFor();
    await page.waitForTimeout(2200);
    assert.match(await text(page.getByTestId('ask-seconds')), /正在录音 [12] 秒/);
    await page.getByTestId('ask-stop').click();
    await page.getByTestId('ask-recorded').waitFor();
    await page.getByTestId('ask-reason-several_fit').click();
    await shot(page, 'phone-zh-work-ask');
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(wide <= PHONE.width, `no sideways scrolling at 360 px: ${wide}`);
    await page.getByTestId('ask-send').click();
    await page.getByTestId('ask-sent').waitFor();

    // the lead's queue has it, with its voice note, on this item; the lead answers in words
    const { questions } = await lead('GET', '/lead/questions');
    const q = questions.find((x) => x.asker_name === '白露' && x.item.item_id === id);
    assert.ok(q, 'the question is in the centre queue');
    assert.equal(q.reason, 'several_fit');
    assert.ok(q.voice_url && q.voice_ms > 500, `a voice note: ${JSON.stringify(q)}`);
    assert.equal(q.hold, true);
    // the lead, at 1366 px: the Questions tab, the question with its voice note, answer in words
    const lb = await openBrowser(LAPTOP);
    try {
      const lp = lb.page;
      await lp.goto(BASE + '/login');
      await lp.getByTestId('password-form').waitFor();
      await lp.locator('input[name=username]').fill('lead');
      await lp.locator('input[name=password]').fill('mudou-lead');
      await lp.getByTestId('sign-in').click();
      await lp.getByTestId('lead-tab-questions').click();
      const row = lp.locator(`[data-testid=lead-question][data-id="${q.id}"]`);
      await row.waitFor();
      assert.ok((await row.locator('audio').count()) >= 1, 'the voice note plays');
      await row.getByTestId('answer-text').fill('看最大的那个图形');
      await shot(lp, 'laptop-zh-lead-questions');
      await row.getByTestId('answer-send').click();
      await row.getByTestId('question-answer').waitFor();
      assert.deepEqual(lb.errors, []);
    } finally {
      await lb.close();
    }

    // her home: the answer, with a badge of new answers
    await page.getByTestId('go-home').click();
    await page.getByTestId('greeting').waitFor();
    const mine = page.getByTestId('my-questions');
    await mine.waitFor();
    await page.getByTestId('q-new').waitFor();
    const card = mine.locator(`[data-testid=question][data-id="${q.id}"]`);
    assert.match(await text(card.getByTestId('question-answer')), /看最大的那个图形/);
    await shot(page, 'phone-zh-work-home-questions');
    const wideHome = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(wideHome <= PHONE.width, `no sideways scrolling at 360 px: ${wideHome}`);
    await page.getByTestId('q-seen').click();
    await page.getByTestId('q-new').waitFor({ state: 'detached' });
    assert.deepEqual(b.errors, []);
  });
});
