// Model suggestions on the client's side (issue 29): a model's answers imported for an open
// 形状单选（往期） order of the demo show on its page as the suggestions card (items with one, the model's accuracy
// against the settled items per version, time, pay, the CSV); the order form's suggestions
// section (robot icon) opens, takes rates in yuan and refuses a trust over 99 under its field.
// Both fit a 360 px phone and a 1366 px laptop, in Chinese and English.

import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { join } from 'node:path';
import { BASE, LAPTOP, PHONE, SCREENS, loginStaff, openBrowser, shot } from './lib.mjs';
import { apiSession } from './work-lib.mjs';

let order;
let jsonl;

before(async () => {
  const client = await apiSession('client', 'mudou-client');
  const { items } = await client('GET', '/orders');
  // an open order of the demo's past work: labelled, partly resolved
  order = items.find((o) => o.spec.name.startsWith('形状单选（往期）') && o.state === 'open');
  assert.ok(order, 'the demo seeds an open 形状单选（往期）');
  assert.ok(order.counts.labels > 0 && order.counts.resolved > 0);
  const listed = await client('GET', `/datasets/${order.dataset_id}/items?limit=24`);
  const keys = order.spec.labels.map((l) => l.key);
  jsonl = listed.items
    .map((it, i) => JSON.stringify({ item_id: it.id, answer: { label: keys[i % keys.length] }, model_version: i % 2 ? 'v2' : 'v1' }))
    .join('\n');
});

/** Elements wider than the screen (none on a page that fits). */
async function tooWide(page, width) {
  return page.evaluate((w) => {
    const out = [];
    for (const e of document.querySelectorAll('body *')) {
      const r = e.getBoundingClientRect();
      if (r.right > w + 1 && !e.closest('.table-scroll') && out.length < 8) out.push(`${e.tagName}.${e.className?.baseVal ?? e.className} ${Math.round(r.right)}`);
    }
    return out;
  }, width);
}

describe('model suggestions, client side', () => {
  for (const [label, screen] of [
    ['laptop', LAPTOP],
    ['phone', PHONE],
  ])
    it(`shows the report card and the form section at ${screen.width} px`, async () => {
      const b = await openBrowser(screen);
      try {
        const { page } = b;
        await loginStaff(page, 'client');
        await page.goto(`${BASE}/#/orders/${order.id}`);
        const stored = await page.evaluate(
          async ([id, body]) => {
            const r = await fetch(`/api/v1/orders/${id}/suggestions?model=shapenet`, {
              method: 'POST',
              credentials: 'same-origin',
              headers: { 'content-type': 'text/plain' },
              body,
            });
            return { status: r.status, body: await r.json() };
          },
          [order.id, jsonl],
        );
        assert.equal(stored.status, 200, JSON.stringify(stored.body));
        assert.equal(stored.body.stored, 24);
        for (const lang of ['zh', 'en']) {
          if (lang === 'en') await page.evaluate(() => localStorage.setItem('mudou.lang', 'en'));
          await page.goto(`${BASE}/#/orders/${order.id}`);
          await page.reload();
          const card = page.getByTestId('suggestion-report');
          await card.waitFor();
          await card.getByTestId('sr-items').waitFor();
          assert.equal((await card.locator('h2').textContent()).trim(), lang === 'zh' ? '模型预标注' : 'Model suggestions');
          assert.match(await card.getByTestId('sr-items').textContent(), lang === 'zh' ? /条数据里 24 条有模型答案/ : /24 of \d+ items have a model answer/);
          // the demo's order has settled items: the model is judged against them, per version
          assert.equal(await card.getByTestId('sr-versions').locator('li').count(), 2);
          assert.match(await card.getByTestId('sr-accuracy-pct').textContent(), /^\d+%$/);
          // its labels were made before: all plain, with their time
          assert.match(await card.getByTestId('sr-without').textContent(), lang === 'zh' ? /^[\d.]+ 秒$/ : /^[\d.]+ s$/);
          const csv = card.getByTestId('sr-csv');
          assert.equal(await csv.locator('svg').count(), 1, 'with an icon');
          const box = await csv.boundingBox();
          assert.ok(box.height >= 44, `a big target: ${box.height}`);
          const got = await page.evaluate(async (u) => {
            const r = await fetch(u, { credentials: 'same-origin' });
            return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
          }, await csv.getAttribute('href'));
          assert.equal(got.status, 200);
          assert.match(got.type, /^text\/csv/);
          assert.match(got.text, /^\uFEFF?section,group,figure,value/);
          assert.match(got.text, /\nsuggestions,,import,24/);
          const width = await page.evaluate(() => document.scrollingElement.scrollWidth);
          assert.ok(width <= screen.width, `the page is ${width} px wide: ${(await tooWide(page, screen.width)).join(' | ')}`);
          await card.scrollIntoViewIfNeeded();
          await shot(page, `${label}-${lang}-client-suggestions`);
          await card.screenshot({ path: join(SCREENS, `${label}-${lang}-client-suggestions-card.png`) });

          // The order form's section: closed until used, opens with its fields.
          await page.goto(`${BASE}/#/orders/new?dataset=${order.dataset_id}`);
          const group = page.getByTestId('suggestions-group');
          await group.waitFor();
          assert.equal(await group.locator('summary svg').count(), 1, 'a robot icon');
          await group.locator('summary').click();
          await page.locator('input[name=suggestions_on]').check();
          await page.locator('input[name=check_rate]').fill('0.03');
          await page.locator('input[name=trust]').fill('120');
          await page.locator('input[name=order_name]').fill('预标注试试');
          await page.locator('input[name=label_zh_0]').fill('圆');
          await page.locator('input[name=label_zh_1]').fill('方');
          await page.getByTestId('save-order').click();
          await page.getByTestId('error-suggestions.trust').waitFor();
          const w2 = await page.evaluate(() => document.scrollingElement.scrollWidth);
          assert.ok(w2 <= screen.width, `the form is ${w2} px wide: ${(await tooWide(page, screen.width)).join(' | ')}`);
          await page.getByTestId('error-suggestions.trust').scrollIntoViewIfNeeded();
          await shot(page, `${label}-${lang}-order-form-suggestions`);
          await group.screenshot({ path: join(SCREENS, `${label}-${lang}-order-form-suggestions-section.png`) });
        }
        await page.evaluate(() => localStorage.removeItem('mudou.lang'));
      } finally {
        await b.close();
      }
    });
});
