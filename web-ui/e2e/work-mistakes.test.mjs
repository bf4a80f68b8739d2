// Mistakes returned to learn from, on a 360 px phone: 苏晴 (a worker of this test's own: the
// demo's people are trained, paused and paid by other tests) labels a picture, the lead decides
// it otherwise with a note; her home shows "学一学" with a badge, the list shows the picture
// first, her answer struck through and the right one; the lead sends practice made of it,
// which she answers and is told right at once.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PHONE, openBrowser, shot, text } from './lib.mjs';
import { apiSession, loginAnnotator, onlyOpen, returnOtherUnits, shownItem, startWork, waitNextItem } from './work-lib.mjs';

describe('learn from these (学一学)', () => {
  let b;
  let restore = async () => {};
  before(async () => {
    b = await openBrowser(PHONE);
  });
  after(async () => {
    await restore();
    await b.close();
  });

  it('苏晴 sees what the lead decided, with the right answer, and practises it', async () => {
    const { page } = b;
    const client = await apiSession('client', 'mudou-client');
    const lead = await apiSession('lead', 'mudou-lead');
    const only = await onlyOpen(client, 'single_choice');
    restore = only.restore;
    const su = await lead('POST', '/centre/annotators', { display_name: '苏晴', pin: '6363', skill_level: 'standard' });
    await lead('POST', '/lead/qualifications', { annotator_id: su.id, qualification: 'single_choice' }).catch(() => {});

    // she answers "circle" (key 1) to pictures until the lead can decide one (a gold
    // picture's answer is the client's, never overridden)
    await loginAnnotator(page, '苏晴', '6363');
    await returnOtherUnits(page, only.order.id);
    await startWork(page);
    let decided = null;
    for (let i = 0; i < 4 && !decided; i++) {
      await page.locator('[data-testid=item-img][data-loaded]').waitFor();
      const { id } = await shownItem(page);
      await page.keyboard.press('1');
      await waitNextItem(page, id);
      // wait until the answer is on the server
      await page.getByTestId('pending-badge').waitFor({ state: 'detached' });
      // the lead decides it once her label is on the server (the outbox may still be sending
      // it: a 404 says the item holds no label of hers yet); a gold picture's answer is the
      // client's, never overridden (409): then the next picture
      for (let t = 0; t < 20 && !decided; t++) {
        try {
          decided = await lead('POST', `/lead/review/${only.order.id}/items/${id}/decision`, {
            decision: 'override',
            answer: { label: 'square' },
            note: '最大的是方形，看最大的那个。',
          });
          decided.item_id = id;
        } catch (e) {
          assert.match(String(e), /: (409|404) /, 'only a gold picture, or one her label has not reached yet, is refused');
          if (/: 409 /.test(String(e))) break;
          await page.waitForTimeout(250);
        }
      }
    }
    assert.ok(decided, 'the lead decided one of her pictures');
    await page.getByTestId('go-home').click();
    await page.getByTestId('greeting').waitFor();

    // the way in, with a badge of new ones
    const open = page.getByTestId('open-mistakes');
    await open.waitFor();
    assert.ok(Number(await open.getAttribute('data-new')) >= 1);
    await page.getByTestId('mistakes-new').waitFor();
    await shot(page, 'phone-zh-work-home-mistakes');
    await open.click();

    // the list: this one first, picture first, her answer struck through, the right one
    const card = page.getByTestId('mistake').first();
    await card.waitFor();
    const img = card.getByTestId('mistake-img');
    await img.waitFor();
    await img.evaluate((el) => el.decode());
    assert.ok(await img.evaluate((el) => el.naturalWidth > 0), 'the picture loads');
    assert.equal(await card.locator('> :first-child').getAttribute('data-testid'), 'mistake-img');
    assert.match(await text(card.getByTestId('mistake-given').locator('s')), /圆形/);
    assert.match(await text(card.getByTestId('mistake-right')), /方形/);
    assert.match(await text(card.getByTestId('mistake-note')), /最大的是方形/);
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(wide <= PHONE.width, `no sideways scrolling at 360 px: ${wide}`);
    await shot(page, 'phone-zh-work-mistakes');
    await page.getByTestId('lang-toggle').click();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    await page.getByText('Learn from these').first().waitFor();
    assert.match(await text(card.getByTestId('mistake-right')), /Square/);
    await shot(page, 'phone-en-work-mistakes');
    await page.getByTestId('lang-toggle').click();
    await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');

    // seen: back home, the badge is gone
    await page.getByTestId('mistakes-back').click();
    await page.getByTestId('open-mistakes').waitFor();
    await page.getByTestId('mistakes-new').waitFor({ state: 'detached' });

    // the lead sends practice of her latest mistake: it comes first on her home
    const unit = await lead('POST', `/lead/annotators/${su.id}/practice`, { size: 1 });
    assert.equal(unit.total, 1);
    await page.reload();
    await page.getByTestId('practice-card').waitFor();
    await shot(page, 'phone-zh-work-home-practice');
    await page.getByTestId('practice-start').click();
    await page.getByTestId('practice').waitFor();
    await page.locator('[data-testid=label-btn][data-key=square]').click();
    const fb = page.getByTestId('feedback');
    await fb.waitFor();
    assert.equal(await fb.getAttribute('data-state'), 'right');
    await shot(page, 'phone-zh-work-practice-right');
    await page.getByTestId('feedback-next').click();
    await page.getByTestId('practice-done').waitFor();
    assert.match(await text(page.getByTestId('practice-done')), /对了 1 \/ 1/);
    const { items: units } = await lead('GET', `/lead/annotators/${su.id}/practice`);
    assert.equal(units[0].right, 1);
    assert.deepEqual(b.errors, []);
  });
});
