// The lead's path, as a new user would take it, on the demo's simulated history: the client
// flags a doubtful result on a demo order's page; the lead works through the review queue of
// that order (the gold stands on a gold failure, the flagged item is overridden), sends the
// annotator a message about the item with the right answer marked; the annotator sees it on
// their home and reads it, and the lead sees that it was read; the careless simulated worker
// has been paused automatically, with the reason shown. Both languages, laptop and phone.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BASE, LAPTOP, loadAxe, loginStaff, openBrowser, PHONE, shot, text } from './lib.mjs';
import { apiSession, loginAnnotator } from './work-lib.mjs';

// The demo's annotators (crates/mudou/src/demo.rs) and the careless one of its history.
const PINS = { 王芳: '1111', 李娜: '2222', 张丽: '3333', 刘静: '4444', 陈杰: '5555', 杨洋: '6666' };
const CARELESS = '杨洋';

/** axe-core (WCAG 2.1 A/AA): no serious or critical problem on the page as it is. */
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

async function switchLang(page, lang) {
  const on = await page.evaluate(() => document.documentElement.lang);
  if (on !== lang) await page.getByTestId('lang-toggle').click();
  await page.waitForFunction((l) => document.documentElement.lang === l, lang);
}

describe('lead review', () => {
  let client;
  let lead;
  let annotator;
  let order;
  let flagged;
  let answerer;
  let message;

  before(async () => {
    // a single-choice order of the demo's history, done by the simulated annotators
    const api = await apiSession('client', 'mudou-client');
    const { items } = await api('GET', '/orders');
    order = items.find((o) => o.spec.task_type === 'single_choice' && o.spec.name.includes('往期'));
    assert.ok(order, `a history order among ${items.map((o) => o.spec.name)}`);
    client = await openBrowser(LAPTOP);
    lead = await openBrowser(LAPTOP);
    annotator = await openBrowser(LAPTOP);
  });
  after(async () => {
    await Promise.all([client?.close(), lead?.close(), annotator?.close()]);
  });

  it('the client flags a doubtful result on the order page', async () => {
    const { page } = client;
    await loginStaff(page, 'client');
    await page.goto(`${BASE}/#/orders/${order.id}`);
    const results = page.getByTestId('results');
    await results.waitFor();
    await page.getByTestId('quality-report').waitFor();
    assert.match(await text(page.getByTestId('report-gold')), /%/);
    const first = results.getByTestId('result-item').first();
    await first.waitFor();
    flagged = Number(await first.getAttribute('data-item'));
    await first.getByTestId('flag').click();
    await first.locator('input[name=flag_note]').fill('形状好像认错了');
    await first.getByTestId('flag-send').click();
    await results.locator(`[data-testid=result-item][data-item="${flagged}"] [data-testid=flagged]`).waitFor();
    await page.getByTestId('flag-row').first().waitFor();
    assert.equal(await page.getByTestId('flag-row').first().getAttribute('data-status'), 'waiting');
    const csv = await page.evaluate(async (id) => {
      const r = await fetch(`/api/v1/orders/${id}/quality?format=csv`, { credentials: 'same-origin' });
      return { ok: r.ok, type: r.headers.get('content-type'), body: await r.text() };
    }, order.id);
    assert.ok(csv.ok && csv.type.startsWith('text/csv') && csv.body.includes('fleiss_kappa'), csv.type);
    await shot(page, 'laptop-zh-client-results');
    await audit(page, 'client order page with results and report');
    assert.deepEqual(client.errors, []);
  });

  it('the lead works through the review queue: the gold stands, the flagged item is overridden', async () => {
    const { page } = lead;
    await loginStaff(page, 'lead');
    // home says what waits; the review tab has the count
    await page.getByTestId('summary-review').waitFor();
    await page.getByTestId('summary-review').click();
    await page.getByTestId('review-orders').waitFor();
    const chip = page.getByTestId('review-order').filter({ hasText: order.spec.name });
    await chip.click();
    await page.waitForURL(`**/#/review?order=${order.id}`);
    // the same item may wait in another order of its dataset too: this order's card
    const card = page.locator(`[data-testid=review-item][data-item="${flagged}"][data-order="${order.id}"]`);
    await card.waitFor();
    await shot(page, 'laptop-zh-lead-review');
    await audit(page, 'review queue');
    await page.setViewportSize(PHONE);
    await shot(page, 'phone-zh-lead-review');
    await page.setViewportSize(LAPTOP);
    assert.match(await text(card.getByTestId('review-reason')), /客户标记/);
    assert.match(await text(card), /形状好像认错了/);
    const answers = card.getByTestId('review-answer');
    assert.ok((await answers.count()) >= 1);
    assert.match(await text(card.getByTestId('review-consensus')), /共识：/);

    // a gold failure of the same order: the gold answer stands
    const gold = page.locator(`[data-testid=review-item][data-order="${order.id}"]`).filter({ has: page.getByTestId('review-reason').filter({ hasText: '金标准答错' }) }).first();
    if (await gold.count()) {
      await gold.getByTestId('accept').click();
      await gold.getByTestId('decided').waitFor();
    }

    // override the flagged item with another label than the consensus
    const api = await apiSession('lead', 'mudou-lead');
    const q = await api('GET', `/lead/review?order_id=${order.id}&reason=client_flag`);
    const it = q.items.find((x) => x.item_id === flagged);
    const keys = q.orders[0].labels.map((l) => l.key);
    const newKey = keys.find((k) => k !== it.consensus.label);
    await card.getByTestId('override').click();
    await card.locator(`[data-testid=override-label][data-key="${newKey}"]`).click();
    await card.getByTestId('decided').waitFor();
    assert.match(await text(card.getByTestId('decided')), /已改判/);

    // a message to the first annotator about the item, with the lead's answer marked
    answerer = await text(answers.first().locator('.answer-who strong'));
    await answers.first().getByTestId('feedback-open').click();
    const form = card.getByTestId('feedback-form');
    await form.waitFor();
    message = '这张请再仔细看看形状。';
    await form.locator('textarea[name=feedback]').fill(message);
    await form.getByTestId('feedback-send').click();
    await form.getByTestId('feedback-sent').waitFor();
    assert.match(await text(form.getByTestId('feedback-sent')), new RegExp(answerer));
    await shot(page, 'laptop-zh-lead-review-decided');

    // the client sees the lead's decision on the flag
    await client.page.reload();
    await client.page.getByTestId('flag-row').first().waitFor();
    assert.equal(await client.page.getByTestId('flag-row').first().getAttribute('data-status'), 'decided');
    assert.deepEqual(lead.errors, []);
  });

  it('the annotator sees the message on their home and reads it; the lead sees it was read', async () => {
    const { page } = annotator;
    assert.ok(PINS[answerer], `a demo annotator: ${answerer}`);
    await loginAnnotator(page, answerer, PINS[answerer]);
    const box = page.getByTestId('messages');
    await box.waitFor();
    const msg = box.getByTestId('message').filter({ hasText: message });
    await msg.waitFor();
    assert.match(await text(msg), /正确答案：/);
    await shot(page, 'laptop-zh-annotator-message');
    await msg.getByRole('button', { name: '知道了' }).click();
    await page.waitForFunction(
      (m) => [...document.querySelectorAll('[data-testid=message]')].some((e) => e.textContent.includes(m) && e.classList.contains('read')),
      message,
    );

    const lp = lead.page;
    await lp.getByTestId('lead-tab-messages').click();
    const sent = lp.getByTestId('sent-message').filter({ hasText: message });
    await sent.waitFor();
    await sent.getByTestId('read-receipt').waitFor();
    assert.match(await text(sent.getByTestId('read-receipt')), /已读/);
    await shot(lp, 'laptop-zh-lead-messages');
    await audit(lp, 'lead messages');
  });

  it('the careless simulated worker was paused automatically, with the reason shown', async () => {
    const { page } = lead;
    await page.getByTestId('lead-tab-pauses').click();
    const row = page.getByTestId('pause-row').filter({ hasText: CARELESS }).first();
    await row.waitFor();
    const reason = await row.getAttribute('data-reason');
    assert.ok(['too_fast', 'gold_accuracy', 'spam'].includes(reason), `paused by a rule, not by hand: ${reason}`);
    assert.match(await text(row.getByTestId('pause-reason')), /太快|金标准正确率太低|像乱答/);
    await shot(page, 'laptop-zh-lead-pauses');
    await audit(page, 'pauses and rules');
    // the rule told the lead
    await page.getByTestId('lead-tab-messages').click();
    const alert = page.getByTestId('alert').filter({ hasText: CARELESS }).first();
    await alert.waitFor();
    assert.match(await text(alert), /被暂停/);
    // and the quality page flags the worker
    await page.getByTestId('lead-tab-quality').click();
    const q = page.getByTestId('quality-row').filter({ hasText: CARELESS });
    await q.waitFor();
    await q.getByTestId('flag-paused').waitFor();
    await shot(page, 'laptop-zh-lead-quality');
    await audit(page, 'quality page');
    await page.getByTestId('sort-gold_accuracy').click();
    await q.locator('a').click();
    await page.getByTestId('worker-page').waitFor();
    await page.locator('[data-testid=worker-order][open] [data-testid=confusion]').first().waitFor();
    await shot(page, 'laptop-zh-lead-worker');
    await audit(page, 'worker page');
    // the same in English, on a phone
    await switchLang(page, 'en');
    await page.getByTestId('lead-tab-pauses').click();
    const en = page.getByTestId('pause-row').filter({ hasText: CARELESS }).first();
    assert.match(await text(en.getByTestId('pause-reason')), /Too fast|Gold accuracy too low|Spam-like/);
    await page.setViewportSize(PHONE);
    await shot(page, 'phone-en-lead-pauses');
    await page.getByTestId('lead-tab-review').click();
    await page.getByTestId('review-orders').waitFor();
    await shot(page, 'phone-en-lead-review');
    await page.setViewportSize(LAPTOP);
    await switchLang(page, 'zh-CN');
    assert.deepEqual(lead.errors, []);
  });
});
