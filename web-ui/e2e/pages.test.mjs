// The lead's, admin's and client's pages on a cheap phone (360 px, touch) and a laptop (1366 px),
// in Chinese (issue 26): no page wider than the screen (wide tables scroll in their own box), the
// quality table whole on a laptop; the person page's orders with a turning arrow, its level
// history and qualifications in words; the admin's bonus tiers, adjustments and a pay run's
// lines; the client's Label Studio import; a client's flag first in the lead's queue; devices
// named phone or computer; the PIN pad opening over the roster without moving it; demo names
// without English.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BASE, LAPTOP, loadAxe, loginStaff, openBrowser, PHONE, shot, text } from './lib.mjs';
import { apiSession } from './work-lib.mjs';

async function logout(page) {
  await page.getByTestId('logout').click();
  await page.waitForURL('**/login');
}

/** The page is no wider than the screen; returns the tables that scroll in their own box. */
async function fits(page, width, what) {
  await page.waitForLoadState('networkidle').catch(() => {});
  const r = await page.evaluate(() => ({
    page: document.scrollingElement.scrollWidth,
    scrolling: [...document.querySelectorAll('.table-scroll')]
      .filter((x) => x.scrollWidth > x.clientWidth + 1)
      .map((x) => x.querySelector('table')?.className ?? '?'),
  }));
  assert.ok(r.page <= width, `${what}: the page is ${r.page} px wide on a ${width} px screen`);
  return r.scrolling;
}

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

/** Every tile's box, to compare before and after the PIN pad opens. */
const tileBoxes = (page) =>
  page.getByTestId('roster-tile').evaluateAll((tiles) =>
    tiles.map((t) => {
      const b = t.getBoundingClientRect();
      return [Math.round(b.x), Math.round(b.y + window.scrollY), Math.round(b.width), Math.round(b.height)];
    }),
  );

for (const [screen, touch, label] of [
  [PHONE, true, 'phone'],
  [LAPTOP, false, 'laptop'],
]) {
  describe(`lead, admin and client pages on a ${label} (${screen.width} px)`, () => {
    let b;
    let admin;
    let client;
    before(async () => {
      b = await openBrowser(screen, { touch });
      admin = await apiSession('admin', 'mudou-admin');
      client = await apiSession('client', 'mudou-client');
    });
    after(async () => b?.close());

    it('no page is wider than the screen; wide tables scroll in their own box', async () => {
      const { page } = b;
      await loginStaff(page, 'lead');
      for (const h of ['', '#/review', '#/quality', '#/messages', '#/pauses']) {
        await page.goto(`${BASE}/${h}`);
        await page.locator('main .card').first().waitFor();
        const scrolling = await fits(page, screen.width, `lead ${h || 'home'}`);
        if (h === '#/quality') {
          await page.getByTestId('quality-table').waitFor();
          const s = await fits(page, screen.width, 'lead quality');
          if (screen === LAPTOP) assert.deepEqual(s, [], 'the quality table is whole at 1366 px');
          else assert.ok(s.includes('quality-table'), 'on a phone the quality table scrolls in its box');
        }
        void scrolling;
      }
      await shot(page, `${label}-zh-lead-home-fits`);
      await logout(page);
      await loginStaff(page, 'admin');
      for (const tab of ['centres', 'orgs', 'users', 'throughput', 'payroll', 'proposals', 'tokens']) {
        await page.getByTestId('tab-' + tab).click();
        await page.waitForTimeout(300);
        await fits(page, screen.width, `admin ${tab}`);
      }
      await page.getByTestId('tab-throughput').click();
      await page.getByTestId('table-centres').waitFor();
      await fits(page, screen.width, 'admin throughput');
      // Table headers keep their words on one line (not one character per line).
      const headers = await page.locator('[data-testid=table-centres] th').evaluateAll((ths) =>
        ths.map((th) => [th.textContent, th.getBoundingClientRect().height]),
      );
      for (const [words, h] of headers) assert.ok(h < 60, `header ${words} is ${h} px tall`);
      await shot(page, `${label}-zh-admin-throughput-fits`);
      await logout(page);
      await loginStaff(page, 'client');
      await fits(page, screen.width, 'client home');
      const { items: orders } = await client('GET', '/orders');
      for (const o of orders) {
        await page.goto(`${BASE}/#/orders/${o.id}`);
        await page.getByTestId('order-page').or(page.locator('main .card').first()).first().waitFor();
        await page.waitForTimeout(200);
        await fits(page, screen.width, `client order ${o.spec.name}`);
      }
      const { items: datasets } = await client('GET', '/datasets');
      for (const d of datasets) {
        await page.goto(`${BASE}/#/datasets/${d.id}`);
        await page.getByTestId('ls-import').waitFor();
        await fits(page, screen.width, `client dataset ${d.name}`);
      }
      await page.goto(`${BASE}/#/orders/new`);
      await page.waitForTimeout(300);
      await fits(page, screen.width, 'client new order');
      await logout(page);
      assert.deepEqual(b.errors, []);
    });

    it('demo orders and datasets are named in Chinese, qualifications in words', async () => {
      const { page } = b;
      await loginStaff(page, 'client');
      // (the list loads after the page)
      await page.waitForFunction(() => document.querySelectorAll('[data-testid=order-row]').length >= 8, null, { timeout: 15_000 });
      const names = await page.getByTestId('order-row').locator('strong').allTextContents();
      assert.ok(names.length >= 8, names.join(' | '));
      // Other browser tests add orders named like the demo's with a time stamp (`形状单选 mxc0luka`).
      const own = names.map((n) => n.replace(/ [0-9a-z]{6,}$/, ''));
      for (const n of own) assert.doesNotMatch(n, /[A-Za-z]{2,}/, `an English order name: ${n}`);
      const sets = await page.getByTestId('dataset-row').allTextContents();
      for (const n of sets) assert.doesNotMatch(n, /(Shapes|Reviews|Pairs)/, `an English dataset name: ${n}`);
      await logout(page);
    });

    it("the lead's person page: a turning arrow on each order, the level history, qualifications in words", async () => {
      const { page } = b;
      await loginStaff(page, 'lead');
      await page.goto(`${BASE}/#/quality`);
      await page.getByTestId('quality-row').first().locator('a').click();
      await page.getByTestId('worker-page').waitFor();
      const orders = page.getByTestId('worker-order');
      await orders.first().waitFor();
      const arrow = (d) =>
        d.evaluate((el) => {
          const s = getComputedStyle(el.querySelector('summary'), '::before');
          return { content: s.content, transform: s.transform, open: el.open };
        });
      const closed = (await orders.count()) > 1 ? orders.first() : orders.last();
      if (await closed.evaluate((el) => el.open)) await closed.locator('summary').click();
      const a = await arrow(closed);
      assert.equal(a.open, false);
      assert.notEqual(a.content, 'none', 'the summary draws an arrow');
      await closed.locator('summary').click();
      await page.waitForTimeout(250);
      const c = await arrow(closed);
      assert.equal(c.open, true);
      assert.notEqual(c.transform, a.transform, 'the arrow turns when open');
      // The open order says how far the live consensus trusts this person, with an interval.
      const live = closed.getByTestId('live-skill');
      assert.match(await live.innerText(), /共识里的分量：答对把握 \d+%[\s\S]*95% 区间 \d+–\d+%/);
      assert.equal(await live.locator('svg.interval').count(), 1);

      // Level history: a change by hand is listed at once, by a lead, newest first.
      const levelNow = await page.locator('[data-testid=person-actions] [data-testid^=level-]').evaluateAll((bs) =>
        bs.map((x) => x.getAttribute('data-testid').slice(6)),
      );
      const target = levelNow.includes('expert') ? 'expert' : levelNow[0];
      const before = await page.getByTestId('level-change').count();
      await page.getByTestId('level-' + target).click();
      await page.getByTestId('person-note').waitFor();
      await page.getByTestId('level-change').nth(before).waitFor();
      const first = page.getByTestId('level-change').first();
      assert.equal(await first.getAttribute('data-to'), target);
      assert.equal(await first.getAttribute('data-source'), 'lead');
      assert.match(await text(first), /→/);
      assert.match(await text(first), /组长改的/);
      // Put the level back as it was (other tests dispatch on it).
      const back = ['trainee', 'standard', 'expert'].find((l) => !levelNow.includes(l));
      await page.getByTestId('level-' + back).click();
      await page.getByTestId('level-change').nth(before + 1).waitFor();

      // Qualifications: the field says its examples in Chinese; a typed word is its key.
      const field = page.locator('[data-testid=person-actions] .field').filter({ has: page.locator('input[list=qualification-keys]') });
      assert.doesNotMatch(await text(field), /bbox|medical/);
      assert.match(await text(field), /画框/);
      await fits(page, screen.width, 'person page');
      if (screen === LAPTOP) await audit(page, 'person page');
      await shot(page, `${label}-zh-lead-person`);
      await logout(page);
      assert.deepEqual(b.errors, []);
    });

    it("the admin sets bonus tiers, adjusts a worker's pay and opens a pay run's lines", async () => {
      const { page } = b;
      const { items: centres } = await admin('GET', '/admin/centres');
      const other = centres.find((c) => c.name.startsWith('邻县')) ?? centres[centres.length - 1];
      const kept = await admin('GET', `/admin/centres/${other.id}/bonus`);
      // A pay run to open: the neighbour centre's long-ago month if none is closed yet.
      let { items: runs } = await admin('GET', '/admin/pay-runs');
      if (runs.length === 0) {
        await admin('POST', '/admin/pay-runs', { centre_id: other.id, period: '2001-01' });
        runs = (await admin('GET', '/admin/pay-runs')).items;
      }
      await loginStaff(page, 'admin');
      await page.getByTestId('tab-payroll').click();
      await page.getByTestId('payroll-centre').selectOption(String(other.id));

      // Bonus tiers
      const bonus = page.getByTestId('bonus');
      await bonus.getByTestId('bonus-min-gold').waitFor();
      const tiers = await bonus.getByTestId('bonus-tier').count();
      await bonus.getByTestId('bonus-add').click();
      await bonus.getByTestId('bonus-tier').nth(tiers).waitFor();
      await bonus.getByTestId('bonus-acc').nth(tiers).fill('99');
      await bonus.getByTestId('bonus-pct').nth(tiers).fill('7');
      await bonus.getByTestId('bonus-min-gold').fill('3');
      await bonus.getByTestId('bonus-save').click();
      await bonus.getByTestId('bonus-saved').waitFor();
      const saved = await admin('GET', `/admin/centres/${other.id}/bonus`);
      assert.equal(saved.min_gold, 3);
      assert.ok(saved.tiers.some((x) => x.min_accuracy_pct === 99 && x.bonus_pct === 7), JSON.stringify(saved));

      // Adjustments: add, see it listed, take it back.
      const adjust = page.getByTestId('admin-adjust');
      const people = await adjust.getByTestId('adj-who').locator('option').count();
      assert.ok(people > 0, 'the centre has annotators to pay');
      await adjust.getByTestId('adj-amount').fill('1.50');
      await adjust.getByTestId('adj-reason').fill('夜班补贴 e2e');
      await adjust.getByTestId('adj-add').click();
      const row = adjust.getByTestId('adjustment-row').filter({ hasText: '夜班补贴 e2e' }).first();
      await row.waitFor();
      assert.equal(await row.getAttribute('data-fen'), '150');
      const listed = await admin('GET', `/admin/adjustments?centre_id=${other.id}`);
      assert.ok(listed.items.some((x) => x.reason === '夜班补贴 e2e' && x.amount_fen === 150));
      await row.getByRole('button', { name: '撤回' }).click();
      await row.locator('input').fill('写错了');
      await row.getByRole('button', { name: '撤回' }).click();
      await row.getByText('已撤回：写错了').waitFor();

      // A pay run's lines, as the run holds them.
      const run = page.getByTestId('pay-run').first();
      await run.getByTestId('payrun-details').click();
      const detail = await admin('GET', `/admin/pay-runs/${runs[0].id}`);
      const lines = run.getByTestId('payrun-lines');
      await lines.waitFor();
      if (detail.lines.length > 0) {
        await lines.getByTestId('payroll-row').first().waitFor();
        assert.equal(await lines.getByTestId('payroll-row').count(), detail.lines.length);
      } else {
        await lines.getByText('没有').first().waitFor();
      }
      assert.equal(await run.getByTestId('payrun-details').getAttribute('aria-expanded'), 'true');
      await fits(page, screen.width, 'admin payroll');
      if (screen === LAPTOP) await audit(page, 'admin payroll');
      await shot(page, `${label}-zh-admin-payroll-bonus`);
      await admin('PUT', `/admin/centres/${other.id}/bonus`, kept);
      await logout(page);
      assert.deepEqual(b.errors, []);
    });

    it('the client imports a Label Studio export into a dataset', async () => {
      const { page } = b;
      const { items: datasets } = await client('GET', '/datasets');
      const shapes = datasets.find((d) => d.name === '形状示例');
      assert.ok(shapes, datasets.map((d) => d.name).join(', '));
      const { items } = await client('GET', `/datasets/${shapes.id}/items?after=0&limit=5`);
      // Its known answer again (other tests order on these pictures and their gold).
      const pic = items.find((x) => x.kind === 'image' && x.gold?.label);
      const tasks = [
        {
          id: 1,
          data: { image: `/data/upload/1/0a1b2c3d-${pic.file_name}` },
          annotations: [{ result: [{ from_name: 'label', to_name: 'image', type: 'choices', value: { choices: [pic.gold.label] } }] }],
        },
        { id: 2, data: { image: '/data/upload/1/nowhere-no_such_picture.jpg' }, annotations: [] },
      ];
      const dir = mkdtempSync(join(tmpdir(), 'mudou-ls-'));
      const file = join(dir, 'export.json');
      writeFileSync(file, JSON.stringify(tasks));
      const bad = join(dir, 'not-an-export.json');
      writeFileSync(bad, '{"hello": 1}');

      await loginStaff(page, 'client');
      await page.goto(`${BASE}/#/datasets/${shapes.id}`);
      const panel = page.getByTestId('ls-import');
      await panel.waitFor();
      await panel.getByTestId('ls-file').setInputFiles(bad);
      await panel.getByTestId('ls-send').click();
      await panel.getByText('这不是 Label Studio 导出的 JSON 文件').waitFor();
      await panel.getByTestId('ls-file').setInputFiles(file);
      await panel.getByTestId('ls-send').click();
      const said = await text(panel.getByTestId('ls-result'));
      assert.match(said, /已导入 1 条/);
      assert.match(said, /跳过 1 条/);
      await panel.getByTestId('ls-skipped').getByText('第 2 条').waitFor();
      const item = (await client('GET', `/datasets/${shapes.id}/items?after=${pic.id - 1}&limit=1`)).items[0];
      assert.equal(item.id, pic.id);
      assert.equal(item.gold.label, pic.gold.label, "the annotation is the picture's known answer");
      assert.deepEqual(item.gold.boxes, pic.gold.boxes, 'what the import does not answer stays');
      await fits(page, screen.width, 'dataset with an import');
      if (screen === LAPTOP) await audit(page, 'dataset page');
      await shot(page, `${label}-zh-client-ls-import`);
      await logout(page);
      assert.deepEqual(b.errors, []);
    });

    it("a client's flag comes first in the lead's queue", async () => {
      const { page } = b;
      const { items: orders } = await client('GET', '/orders');
      const o = orders.find((x) => x.spec.task_type === 'text_classification' && x.state === 'open' && x.counts.resolved > 0);
      assert.ok(o, 'a history order with results');
      await loginStaff(page, 'client');
      await page.goto(`${BASE}/#/orders/${o.id}`);
      const unflagged = page.getByTestId('result-item').filter({ has: page.getByTestId('flag') }).first();
      await unflagged.waitFor();
      const item = Number(await unflagged.getAttribute('data-item'));
      const card = page.locator(`[data-testid=result-item][data-item="${item}"]`);
      await card.getByTestId('flag').click();
      await card.locator('input[name=flag_note]').fill('这条好像不对');
      await card.getByTestId('flag-send').click();
      await page.locator(`[data-testid=result-item][data-item="${item}"] [data-testid=flagged]`).waitFor();
      await logout(page);
      await loginStaff(page, 'lead');
      await page.goto(`${BASE}/#/review`);
      const first = page.getByTestId('review-item').first();
      await first.waitFor();
      assert.match(await text(first.getByTestId('review-reason').first()), /客户标记/);
      const firstReasons = await first.getByTestId('review-reason').allTextContents();
      assert.ok(firstReasons.some((r) => /客户标记/.test(r)), firstReasons.join(' '));
      await fits(page, screen.width, 'review queue');
      await logout(page);
    });

    it('devices are named by their kind; the PIN pad opens over the roster without moving it', async () => {
      const { page } = b;
      let device = b;
      let extra = null;
      if (screen === PHONE) {
        // The lead's laptop makes a code; this phone opens it.
        extra = await openBrowser(LAPTOP);
        await loginStaff(extra.page, 'lead');
        await extra.page.getByTestId('make-code').click();
        const link = await text(extra.page.getByTestId('code-link'));
        await page.goto(link);
        await page.waitForURL('**/login');
        await extra.page.reload();
        const rows = extra.page.getByTestId('device-row').filter({ hasText: '手机' });
        await rows.first().waitFor();
        assert.equal(await rows.first().getAttribute('data-kind'), 'phone');
        await extra.page.getByTestId('device-row').first().waitFor();
        const names = await extra.page.getByTestId('device-row').locator('strong').allTextContents();
        assert.ok(names.includes('手机'), names.join(', '));
      } else {
        // The lead enrols this laptop from their home page: a computer.
        await loginStaff(page, 'lead');
        const input = page.locator('input[name=device_name]');
        // (this device's state loads after the page: wait for it before asking)
        await page.getByTestId('device-enrolled').or(input).first().waitFor();
        if (await input.count()) {
          assert.equal(await input.inputValue(), '中心电脑');
          await page.getByTestId('enroll-this').click();
          await page.getByTestId('device-enrolled').waitFor();
        }
        const mine = page.getByTestId('device-row').filter({ hasText: '中心电脑' }).first();
        await mine.waitFor();
        assert.equal(await mine.getAttribute('data-kind'), 'pc');
        await logout(page);
      }
      const p = device.page;
      // Back from the staff's password form to the roster, if the page remembered it.
      const back = p.getByTestId('annotator-login');
      if (await back.isVisible().catch(() => false)) await back.click();
      await p.getByTestId('roster-tile').first().waitFor();
      const was = await tileBoxes(p);
      const tile = p.getByTestId('roster-tile').nth(Math.min(1, was.length - 1));
      if (touch) await tile.tap();
      else await tile.click();
      const pane = p.getByTestId('pin-pane');
      await pane.waitFor();
      await p.waitForTimeout(200);
      assert.deepEqual(await tileBoxes(p), was, 'the roster keeps its layout when the PIN pad opens');
      const box = await pane.boundingBox();
      assert.ok(box.x >= 0 && box.x + box.width <= screen.width + 1, `the pad is on screen: ${JSON.stringify(box)}`);
      assert.ok(box.y + box.height <= screen.height + 1, `the whole pad is visible: ${JSON.stringify(box)}`);
      const ok = await p.locator('.keypad [data-key=ok]').boundingBox();
      assert.ok(ok.height >= 48 && ok.width >= 48);
      await fits(p, screen.width, 'login with the PIN pad');
      await shot(p, `${label}-zh-login-pin-sheet`);
      await p.getByTestId('not-me').click();
      await pane.waitFor({ state: 'detached' });
      assert.deepEqual(await tileBoxes(p), was);
      await extra?.close();
      assert.deepEqual(b.errors, []);
    });
  });
}
