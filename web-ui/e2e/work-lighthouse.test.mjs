// Lighthouse's accessibility audit (npm `lighthouse`, driving Debian's Chromium) on the
// annotator's login, home and work screens, at laptop and phone sizes: each must score at
// least 95. The browser is logged in first (through playwright), then Lighthouse connects to
// the same browser over its debugging port and keeps its cookies.

import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import lighthouse from 'lighthouse';
import { BASE, LAPTOP, openBrowser } from './lib.mjs';
import { apiSession, enroll, loginAnnotator, onlyOpen, returnOtherUnits } from './work-lib.mjs';

const MIN_SCORE = 95;

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
};

const scores = [];

async function audit(port, path, what, size) {
  const result = await lighthouse(
    BASE + path,
    {
      port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: ['accessibility'],
      // keep the login (cookies, the enrolled device, the outbox)
      disableStorageReset: true,
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
  assert.ok(lhr.finalDisplayedUrl.startsWith(BASE), lhr.finalDisplayedUrl);
  assert.ok(score >= MIN_SCORE, `${what} (${size}): accessibility ${score} < ${MIN_SCORE}\n  ${failed.join('\n  ')}`);
  return lhr;
}

describe('Lighthouse accessibility ≥ 95', () => {
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
});
