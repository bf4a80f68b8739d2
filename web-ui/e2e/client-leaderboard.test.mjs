// The model leaderboard and the LLM downloads on the client's order page (issue 27): the
// demo's 回答比较 order (a pairwise question) shows the leaderboard card with its two methods
// as big buttons, offers the preference and leaderboard downloads (not ranking or ratings,
// which it cannot fill), and the page fits a 360 px phone and a 1366 px laptop, in Chinese
// and English. The preference file the button points at is JSONL in TRL's form.

import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { BASE, LAPTOP, PHONE, loginStaff, openBrowser, shot } from './lib.mjs';
import { apiSession } from './work-lib.mjs';

let order;

before(async () => {
  const client = await apiSession('client', 'mudou-client');
  const { items } = await client('GET', '/orders');
  order = items.find((o) => o.spec.name === '回答比较');
  assert.ok(order, 'the demo seeds 回答比较');
});

describe('the model leaderboard card', () => {
  for (const [label, screen] of [
    ['laptop', LAPTOP],
    ['phone', PHONE],
  ])
    it(`shows on the comparison order at ${screen.width} px with the downloads that fit`, async () => {
      const b = await openBrowser(screen);
      try {
        const { page } = b;
        await loginStaff(page, 'client');
        for (const lang of ['zh', 'en']) {
          if (lang === 'en') await page.evaluate(() => localStorage.setItem('mudou.lang', 'en'));
          await page.goto(`${BASE}/#/orders/${order.id}`);
          await page.reload();
          const card = page.getByTestId('leaderboard');
          await card.waitFor();
          await card.locator('[data-testid=lb-row], [data-testid=lb-empty]').first().waitFor();
          assert.equal((await card.locator('h2').textContent()).trim(), lang === 'zh' ? '模型排行' : 'Model leaderboard');
          for (const m of ['bt', 'noisy-bt']) {
            const btn = page.getByTestId(`lb-${m}`);
            const box = await btn.boundingBox();
            assert.ok(box.height >= 44, `a big target: ${box.height}`);
            assert.equal(await btn.locator('svg').count(), 1, 'with an icon');
          }
          await page.getByTestId('lb-noisy-bt').click();
          await page.waitForSelector('[data-testid=lb-noisy-bt][aria-pressed=true]');
          await card.locator('[data-testid=lb-row], [data-testid=lb-empty]').first().waitFor();
          const downloads = page.getByTestId('downloads');
          assert.equal(await downloads.getByTestId('download-preference').count(), 1);
          assert.equal(await downloads.getByTestId('download-leaderboard').count(), 1);
          assert.equal(await downloads.getByTestId('download-ranking').count(), 0);
          assert.equal(await downloads.getByTestId('download-ratings').count(), 0);
          const width = await page.evaluate(() => document.scrollingElement.scrollWidth);
          const wide = await page.evaluate((w) => {
            const out = [];
            for (const e of document.querySelectorAll('body *')) {
              const r = e.getBoundingClientRect();
              if (r.right > w + 1 && (!e.closest('.table-scroll') || e.classList.contains('table-scroll')) && out.length < 8) out.push(`${e.tagName}.${e.className?.baseVal ?? e.className} ${e.getAttribute('data-testid') ?? ''} ${Math.round(r.right)} in ${e.closest('section')?.getAttribute('data-testid')}`);
            }
            return out;
          }, screen.width);
          assert.ok(width <= screen.width, `the page is ${width} px wide on a ${screen.width} px screen: ${wide.join(' | ')}`);
          await card.scrollIntoViewIfNeeded();
          await shot(page, `${label}-${lang}-client-leaderboard`);
          // the button's file: JSONL in TRL's form (or empty before anything settled)
          const href = await downloads.getByTestId('download-preference').getAttribute('href');
          const got = await page.evaluate(async (u) => {
            const r = await fetch(u, { credentials: 'same-origin' });
            return { status: r.status, text: await r.text() };
          }, href);
          assert.equal(got.status, 200);
          for (const line of got.text.split('\n').filter(Boolean)) {
            const l = JSON.parse(line);
            for (const k of ['prompt', 'chosen', 'rejected', 'id', 'item_id']) assert.ok(k in l, `${k} in ${line.slice(0, 200)}`);
          }
        }
        await page.evaluate(() => localStorage.removeItem('mudou.lang'));
      } finally {
        await b.close();
      }
    });
});
