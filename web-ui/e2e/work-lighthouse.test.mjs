// Lighthouse's accessibility audit (npm `lighthouse`, driving Debian's Chromium) on the
// annotator's login, home and work screens, at laptop and phone sizes: each must score 100.
// The browser is logged in first (through playwright), then Lighthouse connects to the same
// browser over its debugging port and keeps its cookies. Then once more as a first visit on
// a phone: a fresh browser profile, Lighthouse's own mobile profile (form factor, screen
// emulation, user agent), and its storage reset (HTTP cache, service worker and Cache Storage
// cleared before each page; the login's cookies and the device's storage kept).

import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import lighthouse from 'lighthouse';
import * as constants from 'lighthouse/core/config/constants.js';
import { BASE, LAPTOP, PHONE, openBrowser } from './lib.mjs';
import { apiSession, enroll, loginAnnotator, onlyOpen, returnOtherUnits } from './work-lib.mjs';

const MIN_SCORE = 100;

const freePort = () =>
  new Promise((ok, err) => {
    const s = createServer();
    s.on('error', err);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });

const SIZES = {
  laptop: { formFactor: 'desktop', screenEmulation: { mobile: false, width: 1366, height: 768, deviceScaleFactor: 1, disabled: false } },
  phone: { formFactor: 'mobile', screenEmulation: { mobile: true, width: 360, height: 640, deviceScaleFactor: 2, disabled: false } },
  // Lighthouse's phone (its defaults, named here): a cold cache, see `audit`
  'phone, cold cache': {
    formFactor: 'mobile',
    screenEmulation: constants.screenEmulationMetrics.mobile,
    emulatedUserAgent: constants.userAgents.mobile,
  },
};
const COLD = new Set(['phone, cold cache']);

const scores = [];

async function audit(port, path, what, size) {
  const result = await lighthouse(
    BASE + path,
    {
      port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: ['accessibility'],
      // cold: also the list of requests, to see that the page's files came over the network
      ...(COLD.has(size) ? { onlyAudits: ['network-requests'] } : {}),
      // warm: keep everything (cookies, the enrolled device, the outbox, the cache). Cold: clear
      // what Lighthouse clears by default (the HTTP cache, service workers, Cache Storage),
      // which keeps the login's cookies and the device's storage.
      disableStorageReset: !COLD.has(size),
      ...SIZES[size],
    },
    undefined,
  );
  const lhr = result.lhr;
  const score = Math.round((lhr.categories.accessibility.score ?? 0) * 100);
  const failed = Object.values(lhr.audits)
    .filter((a) => a.score !== null && a.score < 1 && a.scoreDisplayMode === 'binary')
    .map((a) => `${a.id}: ${a.title}`);
  scores.push(`${what} (${size}) ${score}`);
  if (COLD.has(size)) {
    assert.equal(lhr.configSettings.formFactor, 'mobile');
    assert.equal(lhr.configSettings.disableStorageReset, false, 'a cold cache');
    assert.ok(lhr.environment.networkUserAgent.includes('Mobile'), lhr.environment.networkUserAgent);
  }
  assert.ok(lhr.finalDisplayedUrl.startsWith(BASE), lhr.finalDisplayedUrl);
  assert.ok(score >= MIN_SCORE, `${what} (${size}): accessibility ${score} < ${MIN_SCORE}\n  ${failed.join('\n  ')}`);
  return lhr;
}

describe('Lighthouse accessibility 100', () => {
  let b;
  let port;
  let restore = async () => {};
  before(async () => {
    port = await freePort();
    b = await openBrowser(LAPTOP, { args: [`--remote-debugging-port=${port}`] });
  });
  after(async () => {
    console.log(`lighthouse accessibility: ${scores.join(', ')}`);
    await restore();
    await b.close();
  });

  it('login (roster and keypad)', async () => {
    await enroll(b.page);
    await b.page.getByTestId('roster').waitFor();
    for (const size of ['laptop', 'phone']) await audit(port, '/login', 'login', size);
  });

  it('home and work screens', async () => {
    const client = await apiSession('client', 'mudou-client');
    const only = await onlyOpen(client, 'single_choice');
    restore = only.restore;
    await loginAnnotator(b.page, '张丽', '3333');
    await returnOtherUnits(b.page, only.order.id);
    for (const size of ['laptop', 'phone']) {
      const home = await audit(port, '/', 'home', size);
      assert.ok(JSON.stringify(home.audits['button-name']).includes('"score":1'), 'every button has a name');
      const work = await audit(port, '/#/work', 'work', size);
      // the page audited was the work screen, with a unit on it
      assert.ok(work.audits['image-alt'].score === 1, 'the picture has a text alternative');
    }
  });

  it('login and work screens on a phone, first visit (cold cache, fresh profile)', async () => {
    const port2 = await freePort();
    const p = await openBrowser(PHONE, { args: [`--remote-debugging-port=${port2}`], touch: true });
    try {
      await enroll(p.page);
      await p.page.getByTestId('roster').waitFor();
      await audit(port2, '/login', 'login', 'phone, cold cache');
      await loginAnnotator(p.page, '张丽', '3333');
      const work = await audit(port2, '/#/work', 'work', 'phone, cold cache');
      assert.ok(work.audits['image-alt'].score === 1, 'the picture has a text alternative');
      // the work screen was loaded afresh: its script came over the network, not from a cache
      const requests = work.audits['network-requests'].details.items;
      const script = requests.find((r) => /\/assets\/index-.*\.js$/.test(r.url));
      assert.ok(script && script.transferSize > 1000, JSON.stringify(script ?? requests.map((r) => r.url)));
    } finally {
      await p.close();
    }
  });
});
