// Helpers for the browser tests: a fresh Chromium profile per "person", screenshots.

import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const BASE = process.env.MUDOU_URL ?? 'http://127.0.0.1:8080';
export const ENROLL_LINK = process.env.MUDOU_ENROLL_LINK ?? '';
export const SCREENS = process.env.SCREENS_DIR ?? join(process.cwd(), 'test-results', 'screens');
mkdirSync(SCREENS, { recursive: true });

export const PHONE = { width: 360, height: 640 };
export const LAPTOP = { width: 1366, height: 768 };

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** A fresh browser profile (own cookies and localStorage), with one page. `opts.touch` makes a
 * touch screen (taps and touch events, as on a phone); `opts.args` adds Chromium flags. */
export async function openBrowser(viewport = LAPTOP, opts = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'mudou-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [...ARGS, ...(opts.args ?? [])],
    viewport,
    hasTouch: !!opts.touch,
    locale: 'zh-CN',
    // Where the users are: the centres' calendar (day, week, month) is China's, and so is the
    // month an admin's browser offers to close. (The machines running this are on UTC, so
    // between 00:00 and 08:00 in China the browser's month was another than the centre's.)
    timezoneId: 'Asia/Shanghai',
    timeout: 60_000,
  });
  context.setDefaultTimeout(15_000);
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // Content-Security-Policy violations (the server's policy, crates/mudou-server/src/browser.rs)
  // count as errors: every test that checks `errors` also checks that the pages it went through
  // break none of it. Each page reports its own (`securitypolicyviolation`), and the console
  // says what a page cannot report itself.
  await context.exposeBinding('__mudouCspViolation', (_source, v) => errors.push(`CSP violation: ${v}`));
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      // eslint-disable-next-line no-undef
      window.__mudouCspViolation(
        `${e.effectiveDirective} refused ${e.blockedURI || 'inline'} at ${e.sourceFile || e.documentURI}:${e.lineNumber} ${e.sample}`,
      );
    });
  });
  context.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) errors.push(`CSP (console): ${m.text()}`);
  });
  return {
    context,
    page,
    errors,
    async close() {
      await context.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Loads axe-core into the page. Evaluated through the debugging protocol rather than added as a
 * <script> element, which the server's Content-Security-Policy refuses (no inline script). */
export async function loadAxe(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE);
}

export async function shot(page, name) {
  // let fonts and layout settle
  await page.evaluate(() => document.fonts?.ready);
  // from the top, so a sticky bar is drawn where it belongs in a full-page picture
  await page.evaluate(() => window.scrollTo(0, 0));
  const path = join(SCREENS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Types a PIN on the on-screen keypad and presses ✓. */
export async function tapPin(page, pin) {
  for (const d of pin) await page.locator(`.keypad [data-key="${d}"]`).click();
  await page.locator('.keypad [data-key="ok"]').click();
}

/** The demo's staff passwords. */
export const STAFF = { lead: 'mudou-lead', client: 'mudou-client', admin: 'mudou-admin' };

/** Logs a staff member in with the password form and waits for the top bar. A session left by
 * a failed test is logged out first (not by clearing cookies: the device's enrolment is one);
 * on an enrolled device, whose login page shows the roster, the staff form is opened. */
export async function loginStaff(page, who, password = STAFF[who]) {
  await page.goto(BASE + '/login');
  await page.waitForLoadState('networkidle').catch(() => {});
  if (await page.getByTestId('logout').isVisible().catch(() => false)) {
    await page.getByTestId('logout').click();
    await page.waitForURL('**/login');
  }
  const staff = page.getByTestId('staff-login');
  if (await staff.isVisible().catch(() => false)) await staff.click();
  await page.locator('input[name=username]').fill(who);
  await page.locator('input[name=password]').fill(password);
  await page.getByTestId('sign-in').click();
  await page.getByTestId('topbar').waitFor();
}

export async function text(locator) {
  return (await locator.textContent())?.trim() ?? '';
}
