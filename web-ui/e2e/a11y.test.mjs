// Accessibility: axe-core (WCAG 2 A/AA rules) finds no serious or critical problem on the
// login, PIN, home, lead and client screens, in Chinese and in English.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BASE, LAPTOP, loadAxe, loginStaff, openBrowser, PHONE } from './lib.mjs';

async function audit(page, what) {
  await loadAxe(page);
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }),
  );
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const report = bad.map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.map((n) => n.target.join(' ')).join('\n    ')}`);
  assert.deepEqual(report, [], `${what}:\n${report.join('\n')}`);
}

async function both(page, what) {
  for (const lang of ['zh-CN', 'en']) {
    if ((await page.evaluate(() => document.documentElement.lang)) !== lang) {
      await page.getByTestId('lang-toggle').click();
      await page.waitForFunction((l) => document.documentElement.lang === l, lang);
    }
    await audit(page, `${what} (${lang})`);
  }
  await page.getByTestId('lang-toggle').click();
  await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
}

describe('accessibility', () => {
  let b;
  before(async () => {
    b = await openBrowser(LAPTOP);
  });
  after(async () => b.close());

  it('password login', async () => {
    const { page } = b;
    await page.goto(BASE + '/login');
    await page.getByTestId('password-form').waitFor();
    await both(page, 'password login');
  });

  it('lead home, roster, PIN pad and annotator home', async () => {
    const { page } = b;
    await page.locator('input[name=username]').fill('lead');
    await page.locator('input[name=password]').fill('mudou-lead');
    await page.getByTestId('sign-in').click();
    await page.getByTestId('annotator-row').first().waitFor();
    await page.getByTestId('enroll-this').click();
    await page.getByTestId('device-enrolled').waitFor();
    await page.getByTestId('make-code').click();
    await page.getByTestId('code').waitFor();
    await both(page, 'lead home');

    await page.getByTestId('logout').click();
    await page.getByTestId('roster').waitFor();
    await both(page, 'roster');
    await page.getByTestId('roster-tile').filter({ hasText: '王芳' }).click();
    await page.getByTestId('pin-pane').waitFor();
    await page.keyboard.type('9');
    await both(page, 'PIN pad');
    await page.setViewportSize(PHONE);
    await audit(page, 'PIN pad on a phone');
    await page.setViewportSize(LAPTOP);
    await page.keyboard.press('Backspace');
    await page.keyboard.type('1111');
    await page.keyboard.press('Enter');
    await page.getByTestId('greeting').waitFor();
    await both(page, 'annotator home');
    // the work screen (its language is switched on the home screen)
    await page.getByTestId('start').click();
    await page.getByTestId('work').waitFor();
    await page.locator('[data-testid=item-img][data-loaded], [data-testid=item-text]').first().waitFor();
    await audit(page, 'work screen (zh-CN)');
    await page.getByTestId('help').click();
    await page.getByTestId('help-dialog').waitFor();
    await audit(page, 'instructions (zh-CN)');
    await page.getByTestId('help-close').click();
    await page.getByTestId('go-home').click();
    await page.getByTestId('greeting').waitFor();
    assert.deepEqual(b.errors, []);
  });

  it('client home, dataset, order form and order page', async () => {
    const c = await openBrowser(LAPTOP);
    try {
      const { page } = c;
      await loginStaff(page, 'client');
      await page.getByTestId('dataset-row').first().waitFor();
      await page.getByTestId('orders').waitFor();
      await both(page, 'client home');
      await page.getByTestId('dataset-row').first().click();
      await page.getByTestId('thumb').first().waitFor();
      await both(page, 'client dataset');
      await page.getByTestId('order-this').click();
      await page.getByTestId('order-form').waitFor();
      await page.locator('input[name=order_name]').fill('无障碍检查');
      await page.locator('input[name=label_zh_0]').fill('圆形');
      await page.locator('input[name=label_zh_1]').fill('方形');
      await page.getByTestId('more-options').locator('summary').click();
      await page.getByTestId('examples-group').locator('summary').click();
      await page.getByTestId('example-item').first().waitFor();
      await both(page, 'client order form');
      await page.setViewportSize(PHONE);
      await audit(page, 'client order form on a phone');
      await page.setViewportSize(LAPTOP);
      await page.getByTestId('save-order').click();
      await page.getByTestId('progress').waitFor();
      await both(page, 'client order page (draft)');
      await page.getByTestId('open-gold').click();
      await page.getByTestId('gold-item').first().waitFor();
      await audit(page, 'gold picker');
      assert.deepEqual(c.errors, []);
    } finally {
      await c.close();
    }
  });
});
