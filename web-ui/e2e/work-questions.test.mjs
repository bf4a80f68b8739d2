// Questions on an item, on a 360 px phone with Chromium's fake microphone: 白露 (a worker of
// this test's own: the demo's people are trained, paused and paid by other tests) records a
// voice question about the picture in front of her and keeps the item; the lead finds it in
// the Questions tab (1366 px) with its voice note and answers in words and by drawing on the
// picture with the mouse (a red stroke, a yellow circle; an arrow undone); her home shows the
// answer with a badge, the drawn picture with the red stroke where the lead drew it.

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
      // draw on the item's picture with the mouse
      await row.getByTestId('answer-draw').click();
      const canvas = row.locator('[data-testid=markup-canvas][data-ready]');
      await canvas.waitFor();
      await canvas.scrollIntoViewIfNeeded();
      const box = await canvas.boundingBox();
      const vh = LAPTOP.height;
      // where on the canvas (as fractions) a drag goes, kept within the window
      const yIn = (f) => Math.min(box.y + box.height * f, vh - 20);
      async function drag(x0, y0, x1, y1) {
        await lp.mouse.move(box.x + box.width * x0, yIn(y0));
        await lp.mouse.down();
        for (let i = 1; i <= 8; i++) await lp.mouse.move(box.x + box.width * (x0 + ((x1 - x0) * i) / 8), yIn(y0 + ((y1 - y0) * i) / 8));
        await lp.mouse.up();
      }
      const shapes = async () => Number(await row.getByTestId('markup-canvas').getAttribute('data-shapes'));
      await drag(0.2, 0.5, 0.8, 0.5);
      assert.equal(await shapes(), 1);
      const redAt = (yIn(0.5) - box.y) / box.height;
      await row.getByTestId('markup-circle').click();
      await row.getByTestId('markup-colour-ffea00').click();
      await drag(0.3, 0.1, 0.7, 0.25);
      await row.getByTestId('markup-arrow').click();
      await drag(0.1, 0.9, 0.3, 0.7);
      assert.equal(await shapes(), 3);
      await row.getByTestId('markup-undo').click();
      assert.equal(await shapes(), 2);
      await row.getByTestId('answer-text').fill('看最大的那个图形');
      await shot(lp, 'laptop-zh-lead-questions');
      await row.getByTestId('answer-send').click();
      await row.getByTestId('question-answer').waitFor();
      await row.getByTestId('question-answer-picture').waitFor();
      assert.deepEqual(lb.errors, []);
      const answered = (await lead('GET', '/lead/questions')).questions.find((x) => x.id === q.id);
      assert.equal(answered.answer.picture_url, `/api/v1/questions/${q.id}/answer/picture`);
      q.redAt = redAt;
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
    // the picture the lead drew on: red where the stroke went, across the middle
    const pic = card.getByTestId('question-answer-picture');
    await pic.waitFor();
    const px = await pic.evaluate(async (el, yf) => {
      await el.decode();
      const c = document.createElement('canvas');
      c.width = el.naturalWidth;
      c.height = el.naturalHeight;
      const g = c.getContext('2d');
      g.drawImage(el, 0, 0);
      return Array.from(g.getImageData(Math.round(c.width * 0.5), Math.round(c.height * yf), 1, 1).data);
    }, q.redAt);
    assert.ok(px[0] > 200 && px[1] < 80 && px[2] < 120, `a red stroke in the answer's picture: ${px}`);
    await shot(page, 'phone-zh-work-home-questions');
    const wideHome = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(wideHome <= PHONE.width, `no sideways scrolling at 360 px: ${wideHome}`);
    await page.getByTestId('q-seen').click();
    await page.getByTestId('q-new').waitFor({ state: 'detached' });
    assert.deepEqual(b.errors, []);
  });

  it('the lead answers on a 360 px phone by drawing with a finger, no words', async () => {
    const { page } = b;
    const lead = await apiSession('lead', 'mudou-lead');
    // 白露 asks once more, about the item she holds (through her own session)
    const qid = await page.evaluate(async () => {
      const next = await (await fetch('/api/v1/work/next')).json();
      const a = next.assignment;
      const r = await fetch('/api/v1/work/questions', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ assignment_id: a.id, item_id: a.items[0].item_id, reason: 'unclear', text: '边上那个算吗', while_open: 'hold' }),
      });
      return (await r.json()).id;
    });
    assert.ok(Number.isInteger(qid), `asked: ${qid}`);
    const lb = await openBrowser(PHONE, { touch: true });
    try {
      const lp = lb.page;
      await lp.goto(BASE + '/login');
      await lp.getByTestId('password-form').waitFor();
      await lp.locator('input[name=username]').fill('lead');
      await lp.locator('input[name=password]').fill('mudou-lead');
      await lp.getByTestId('sign-in').click();
      await lp.getByTestId('lead-tab-questions').click();
      const row = lp.locator(`[data-testid=lead-question][data-id="${qid}"]`);
      await row.waitFor();
      await row.getByTestId('answer-draw').click();
      const canvas = row.locator('[data-testid=markup-canvas][data-ready]');
      await canvas.waitFor();
      await canvas.scrollIntoViewIfNeeded();
      const box = await canvas.boundingBox();
      const y = Math.min(box.y + box.height / 2, PHONE.height - 20);
      // a finger drags across the picture (touch events: Chromium makes them pointer events)
      const cdp = await lb.context.newCDPSession(lp);
      const touch = (type, x) => cdp.send('Input.dispatchTouchEvent', { type, touchPoints: type === 'touchEnd' ? [] : [{ x, y }] });
      await touch('touchStart', box.x + box.width * 0.15);
      for (let i = 1; i <= 8; i++) await touch('touchMove', box.x + box.width * (0.15 + 0.08 * i));
      await touch('touchEnd');
      await lp.waitForFunction((id) => document.querySelector(`[data-testid=lead-question][data-id="${id}"] [data-testid=markup-canvas]`)?.getAttribute('data-shapes') === '1', qid);
      const wide = await lp.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(wide <= PHONE.width, `no sideways scrolling at 360 px: ${wide}`);
      await shot(lp, 'phone-zh-lead-draw');
      await row.getByTestId('answer-send').click();
      await row.getByTestId('question-answer-picture').waitFor();
      assert.deepEqual(lb.errors, []);
    } finally {
      await lb.close();
    }
    const answered = (await lead('GET', '/lead/questions')).questions.find((x) => x.id === qid);
    assert.equal(answered.answer.text, null);
    assert.equal(answered.answer.picture_url, `/api/v1/questions/${qid}/answer/picture`);
    // her home shows the drawn picture as the answer
    await page.reload();
    const card = page.getByTestId('my-questions').locator(`[data-testid=question][data-id="${qid}"]`);
    await card.getByTestId('question-answer-picture').waitFor();
    const loaded = await card.getByTestId('question-answer-picture').evaluate(async (el) => {
      await el.decode();
      return el.naturalWidth;
    });
    assert.ok(loaded > 0, 'the picture loads for her');
    assert.deepEqual(b.errors, []);
  });
});
