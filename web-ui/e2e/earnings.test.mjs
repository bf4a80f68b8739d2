// Earnings and throughput in the browser, after the demo's simulated days of work: an
// annotator sees what they earned and why (and hears today's line read aloud), a lead sees
// the centre's throughput charts with a CSV under every table and records an adjustment, an
// admin closes the month, downloads the payroll whose totals match the ledger, and closing
// again changes nothing. Both languages, laptop and phone; axe on the new screens.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LAPTOP, loadAxe, loginStaff, openBrowser, PHONE, shot, text } from './lib.mjs';
import { apiSession, loginAnnotator } from './work-lib.mjs';

async function axe(page, what) {
  await loadAxe(page);
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }),
  );
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const report = bad.map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.map((n) => n.target.join(' ')).join('\n    ')}`);
  assert.deepEqual(report, [], `${what}:\n${report.join('\n')}`);
}

/** A voice for zh-CN and en that records what it is asked to say (headless Chromium has none). */
const FAKE_VOICE = () => {
  window.__spoken = [];
  const voices = [
    { lang: 'zh-CN', name: 'test zh', default: true, localService: true, voiceURI: 'zh' },
    { lang: 'en-US', name: 'test en', default: false, localService: true, voiceURI: 'en' },
  ];
  const target = new EventTarget();
  const synth = {
    speaking: false,
    getVoices: () => voices,
    speak(u) {
      window.__spoken.push({ text: u.text, lang: u.lang });
      setTimeout(() => u.onend?.(new Event('end')), 10);
    },
    cancel() {},
    addEventListener: target.addEventListener.bind(target),
    removeEventListener: target.removeEventListener.bind(target),
  };
  Object.defineProperty(window, 'speechSynthesis', { value: synth, configurable: true });
  // (a real utterance takes only real voices)
  window.SpeechSynthesisUtterance = class {
    constructor(text) {
      Object.assign(this, { text, lang: '', voice: null, rate: 1, onend: null, onerror: null });
    }
  };
};

const inPage = (page, path) =>
  page.evaluate(async (p) => (await fetch('/api/v1' + p, { credentials: 'same-origin' })).json(), path);

async function csvOk(page, href) {
  const res = await page.request.get(new URL(href, page.url()).href);
  assert.equal(res.status(), 200, href);
  assert.match(res.headers()['content-type'] ?? '', /text\/csv/, href);
  const body = await res.text();
  assert.ok(body.startsWith('\ufeff'), `${href}: a BOM for spreadsheets`);
  return body.replace(/^\ufeff/, '');
}

describe('an annotator sees exactly what they earned and why', () => {
  let b;
  before(async () => {
    b = await openBrowser(LAPTOP);
    await b.context.addInitScript(FAKE_VOICE);
  });
  after(async () => b.close());

  it('shows today, week and month, per order, every unpaid label with its reason and the right answer', async () => {
    const { page } = b;
    // 杨洋 is the demo's careless, too-fast worker: plenty of unpaid labels.
    await loginAnnotator(page, '杨洋', '6666');
    await page.getByTestId('my-earnings').click();
    await page.getByTestId('earnings-page').waitFor();
    const api = await inPage(page, '/me/earnings');
    // (Not month_fen: in the first hours of a month this month's few labels may all be unpaid.)
    assert.ok(api.confirmed_fen > 0 && api.today_labels > 0, JSON.stringify(api));
    for (const [testid, key] of [
      ['earn-today', 'today_fen'],
      ['earn-week', 'week_fen'],
      ['earn-month', 'month_fen'],
      ['earn-confirmed', 'confirmed_fen'],
      ['earn-pending', 'pending_fen'],
      ['earn-paid', 'paid_fen'],
    ]) {
      assert.equal(Number(await page.getByTestId(testid).getAttribute('data-fen')), api[key], testid);
    }
    const yuan = (f) => `¥${Math.floor(f / 100)}.${String(f % 100).padStart(2, '0')}`;
    assert.match(await text(page.getByTestId('earn-today')), new RegExp(yuan(api.today_fen).replace('.', '\\.')));

    // The speaker reads today's line in Chinese.
    await page.getByTestId('earnings-speak').click();
    await page.waitForFunction(() => window.__spoken.length > 0);
    const said = await page.evaluate(() => window.__spoken[0]);
    assert.equal(said.lang, 'zh-CN');
    assert.match(said.text, /^今天收入 \d+元/);
    assert.ok(said.text.includes(`完成 ${api.today_labels} 个`), said.text);

    // Per order: the amounts are the API's. Over the week or the month, whichever holds more
    // of this worker's labels: early in a month most of the demo's history is in the one before.
    const range = api.month_labels >= api.week_labels ? 'month' : 'week';
    await page.getByTestId(`range-${range}`).click();
    const orders = await inPage(page, `/me/earnings/orders?range=${range}`);
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=order-line]').length === n, orders.items.length);
    const shown = await page.getByTestId('order-amount').evaluateAll((els) => els.map((e) => Number(e.dataset.fen)));
    assert.deepEqual(
      shown,
      orders.items.map((o) => o.confirmed_fen + o.pending_fen),
    );

    // Every unpaid label with its reason and the right answer.
    const unpaid = await inPage(page, `/me/earnings/unpaid?range=${range}`);
    assert.ok(unpaid.items.length > 5, 'a careless worker has unpaid labels');
    // grouped by reason, one picture each, the labels behind a tap
    await page.getByTestId('unpaid-group').first().waitFor();
    const groups = await page.getByTestId('unpaid-group').evaluateAll((els) => els.map((e) => [e.dataset.reason, Number(e.dataset.count)]));
    const counts = {};
    for (const u of unpaid.items) counts[u.reason] = (counts[u.reason] ?? 0) + 1;
    assert.deepEqual(Object.fromEntries(groups), counts);
    assert.equal(await page.getByTestId('unpaid-row').count(), 0);
    for (const more of await page.getByTestId('unpaid-more').all()) await more.click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=unpaid-row]').length === n, unpaid.items.length);
    const first = page.getByTestId('unpaid-row').first();
    assert.match(await text(first.getByTestId('unpaid-reason')), /和最终答案不同|组长复核没通过|暂停前这段时间做的/);
    assert.match(await text(first.getByTestId('unpaid-right')), /正确: \S/);
    await shot(page, 'laptop-zh-earnings');

    // The ledger's lines carry their state, behind a tap.
    assert.equal(await page.getByTestId('pay-line').count(), 0);
    await page.getByTestId('ledger-open').click();
    await page.getByTestId('pay-line').first().waitFor();
    const states = await page.getByTestId('pay-line').evaluateAll((els) => [...new Set(els.map((e) => e.dataset.state))]);
    assert.ok(states.includes('confirmed') || states.includes('paid'), `${states}`);
    await axe(page, 'earnings (zh)');

    await page.getByTestId('lang-toggle').click();
    await page.getByText('Today', { exact: false }).first().waitFor();
    await page.getByTestId('earnings-speak').click();
    await page.waitForFunction(() => window.__spoken.some((s) => s.lang === 'en'));
    assert.match((await page.evaluate(() => window.__spoken.find((s) => s.lang === 'en'))).text, /^Today you earned \d+ yuan/);
    await shot(page, 'laptop-en-earnings');
    await axe(page, 'earnings (en)');
    await page.setViewportSize(PHONE);
    await shot(page, 'phone-en-earnings');
    await page.getByTestId('lang-toggle').click();
    await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
    await shot(page, 'phone-zh-earnings');
    await page.setViewportSize(LAPTOP);
    await page.getByTestId('earnings-back').click();
    await page.getByTestId('greeting').waitFor();
    assert.deepEqual(b.errors, []);
  });
});

describe('a lead sees the centre throughput', () => {
  let b;
  before(async () => {
    b = await openBrowser(LAPTOP);
  });
  after(async () => b.close());

  it('charts per hour, per day and quality; top and bottom people; a CSV under every table; an adjustment', async () => {
    const { page } = b;
    await loginStaff(page, 'lead');
    await page.getByTestId('lead-dashboards').waitFor();
    await page.getByTestId('chart-hours').waitFor();
    assert.equal(await page.getByTestId('chart-hours').locator('rect.chart-bar').count(), 24);
    assert.equal(await page.getByTestId('chart-days').locator('rect.chart-bar').count(), 30);
    const busyDays = await page
      .getByTestId('chart-days')
      .locator('rect.chart-bar')
      .evaluateAll((els) => els.filter((e) => Number(e.dataset.value) > 0).length);
    assert.ok(busyDays >= 5, `the simulated days show: ${busyDays}`);
    assert.ok((await page.getByTestId('chart-quality').locator('circle').count()) >= 10);
    for (const id of ['top-throughput', 'bottom-throughput', 'top-quality', 'bottom-quality']) {
      assert.ok((await page.getByTestId(id).locator('li').count()) >= 1, id);
    }
    // the careless worker is among the lowest quality
    assert.match(await text(page.getByTestId('bottom-quality')), /杨洋/);
    for (const id of ['table-hours-csv', 'table-days-csv', 'table-annotators-csv', 'table-orders-csv']) {
      const body = await csvOk(page, await page.getByTestId(id).getAttribute('href'));
      assert.ok(body.split('\n').length > 2, id);
    }
    await shot(page, 'laptop-zh-lead-throughput');
    await axe(page, 'lead throughput');

    await page.getByTestId('tab-pay').click();
    await page.getByTestId('owed-table').waitFor();
    await page.getByTestId('adj-who').selectOption({ label: '王芳' });
    await page.getByTestId('adj-amount').fill('5');
    await page.getByTestId('adj-reason').fill('夜班补贴');
    await page.getByTestId('adj-add').click();
    await page.getByTestId('adjustment-row').filter({ hasText: '夜班补贴' }).waitFor();
    assert.match(await text(page.getByTestId('adjustment-row').first()), /王芳 · ¥5\.00/);
    await shot(page, 'laptop-zh-lead-pay');
    await axe(page, 'lead pay');
    assert.deepEqual(b.errors, []);
  });
});

describe('an admin closes the month', () => {
  let b;
  before(async () => {
    b = await openBrowser(LAPTOP);
  });
  after(async () => b.close());

  it('downloads a payroll that matches the ledger; a second run changes nothing', async () => {
    const { page } = b;
    await loginStaff(page, 'admin');
    await page.getByTestId('tab-throughput').click();
    await page.getByTestId('table-centres').waitFor();
    assert.equal(await page.getByTestId('centre-row').count(), 2, 'both demo centres compared');
    await csvOk(page, await page.getByTestId('table-centres-csv').getAttribute('href'));
    await page.getByTestId('chart-hours').waitFor();
    await shot(page, 'laptop-zh-admin-throughput');
    await axe(page, 'admin throughput');

    await page.getByTestId('tab-payroll').click();
    await page.getByTestId('payroll-centre').selectOption({ label: '示范县数字就业中心' });
    await page.getByTestId('payroll-preview').waitFor();
    const owed = Number(await page.getByTestId('payroll-preview-total').getAttribute('data-fen'));
    assert.ok(owed > 0);
    await page.getByTestId('payroll-close').click();
    await page.getByTestId('payroll-said').getByText('已结算').waitFor();
    const run = page.getByTestId('pay-run').first();
    await run.waitFor();
    const total = Number(await run.getAttribute('data-total'));
    // The month's preview already holds the bonus of careful workers: closing pays just that.
    assert.equal(total, owed, 'the preview showed the bonus closing pays');
    const href = await run.getByTestId('payroll-download').getAttribute('href');
    const csv = await csvOk(page, href);
    const rows = csv.trim().split('\n').map((l) => l.split(','));
    assert.deepEqual(rows[0], ['worker', 'id', 'labels', 'gross', 'adjustments', 'total']);
    const fen = (s) => Math.round(Number(s) * 100);
    const sum = rows.slice(1).reduce((s, r) => s + fen(r[5]), 0);
    assert.equal(sum, total, 'the payroll adds up to the run, to the fen');
    for (const r of rows.slice(1)) assert.equal(fen(r[3]) + fen(r[4]), fen(r[5]), r.join(','));
    // The ledger agrees: every entry of the centre, each worker's balance, is in the run.
    const adminApi = await apiSession('admin', 'mudou-admin');
    const runs = await adminApi('GET', '/admin/pay-runs');
    const detail = await adminApi('GET', `/admin/pay-runs/${runs.items[0].id}`);
    assert.equal(detail.lines.reduce((s, l) => s + l.total_fen, 0), sum);
    const left = await adminApi('GET', `/admin/payroll-preview?centre_id=${runs.items[0].centre_id}`);
    assert.deepEqual(left.items, [], 'nothing owed is left behind');
    await shot(page, 'laptop-zh-admin-payroll');
    await axe(page, 'admin payroll');

    // Again: nothing changes.
    await page.getByTestId('payroll-close').click();
    await page.getByTestId('payroll-said').getByText('什么都没变').waitFor();
    assert.equal(await page.getByTestId('pay-run').count(), runs.items.length);
    assert.equal(await csvOk(page, href), csv);
    assert.deepEqual(await adminApi('GET', `/admin/pay-runs/${runs.items[0].id}`), detail);
    assert.deepEqual(b.errors, []);
  });
});
