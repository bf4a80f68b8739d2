// The fair-wage check in the browser, on a 360 px phone: the client's order form says
// "预计时薪 ¥xx/小时" as the rate is typed, with a warning under the demo centre's minimum
// wage (21 yuan an hour) that fits the screen; the lead's throughput tables show hourly
// earnings with the people under the floor marked.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { BASE, loginStaff, openBrowser, PHONE, shot, text } from './lib.mjs';

async function fitsWidth(page) {
  await page.waitForLoadState('networkidle').catch(() => {});
  const w = await page.evaluate(() => document.scrollingElement.scrollWidth);
  assert.ok(w <= PHONE.width, `the page is ${w} px wide on a ${PHONE.width} px phone`);
}

describe('fair wage on a phone', () => {
  const open = [];
  after(async () => {
    for (const b of open) await b.close();
  });

  it('warns on the order form while the rate is under the floor', async () => {
    const b = await openBrowser(PHONE, { touch: true });
    open.push(b);
    const { page, errors } = b;
    await loginStaff(page, 'client');
    await page.getByTestId('datasets').waitFor();
    await page.goto(BASE + '/#/orders/new');
    const form = page.getByTestId('order-form');
    await form.waitFor();
    const rate = form.locator('input[name=piece_rate]');
    await rate.fill('0.01');
    const line = page.getByTestId('wage-line');
    await page.locator('[data-testid=wage-line][data-under=yes]').waitFor();
    assert.match(await text(page.getByTestId('wage-expected')), /^预计时薪 ¥\d+\.\d\d\/小时$/);
    const warning = await text(page.getByTestId('wage-warning'));
    assert.match(warning, /低于最低时薪 ¥21\.00\/小时/);
    assert.ok(await line.locator('svg').count(), 'the warning has its icon');
    await line.scrollIntoViewIfNeeded();
    const box = await line.boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= PHONE.width, `the line fits: ${JSON.stringify(box)}`);
    await fitsWidth(page);
    await shot(page, 'phone-zh-order-form-wage-under');

    await rate.fill('5.00');
    await page.locator('[data-testid=wage-line][data-under=no]').waitFor();
    assert.equal(await page.getByTestId('wage-warning').count(), 0);
    await shot(page, 'phone-zh-order-form-wage-ok');
    assert.deepEqual(errors, []);
  });

  it("shows the lead each annotator's hourly earning, those under the floor marked", async () => {
    const b = await openBrowser(PHONE, { touch: true });
    open.push(b);
    const { page, errors } = b;
    await loginStaff(page, 'lead');
    await page.getByTestId('table-annotators').waitFor({ timeout: 30_000 });
    const cells = page.getByTestId('table-annotators').getByTestId('wage-cell');
    await cells.first().waitFor();
    assert.ok((await cells.count()) >= 1);
    const below = page.locator('[data-testid=table-annotators] [data-testid=wage-cell][data-below=yes]');
    if ((await below.count()) > 0) {
      await page.getByTestId('wage_people_under').waitFor();
      assert.match(await text(page.getByTestId('wage_people_under')), /低于最低时薪 ¥21\.00\/小时/);
    }
    await fitsWidth(page);
    await shot(page, 'phone-zh-lead-wage');
    assert.deepEqual(errors, []);
  });
});
