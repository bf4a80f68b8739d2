// The annotator's phone on a county link (issue 26, item 2): Chromium as a 360×640 touch phone
// (DPR 3, a phone's user agent, 4× slower CPU as Lighthouse's phone profile) on 400 kbit/s with
// 400 ms latency (CDP Network.emulateNetworkConditions), cold cache (a fresh profile each run, no
// service worker). Measures, as medians of N runs:
//   (a) cold page load → first item: a reload of the work screen (`/#/work`) until the item's
//       picture has loaded (the <img>'s load event, naturalWidth > 0), from navigation start;
//   (b) Start → first picture: on the home screen (loaded, the network quiet), a tap on Start
//       until the first item's picture has loaded;
// and the bytes that went over the wire for each. "after" is this build (precompressed files,
// the current picture first); "before" is the same server with `Accept-Encoding: identity`
// (the previous server sent every file raw) and, with `--before-dist DIR`, the previous UI
// build (its files served as the previous server did, through a small proxy here).
//
// With `--photos`, two more: the same UI on an order of large pictures (2400×1800, made here
// from the same shapes, scaled up with a little grain as a camera's), once as before (the
// 1600 px screen picture: the page's requests for the phone picture rewritten to it) and once
// as this build asks (the 800 px phone picture, as the picture box × pixel ratio needs).
// `--no-before` leaves the "before" mode out.
//
//   node benches/phone/run.mjs [--runs 3] [--before-dist /tmp/old/web-ui/dist] [--cpu 4]
//                              [--photos] [--no-before] [--out benches/phone/RESULTS.md]
//   MUDOU_BIN (default target/debug/mudou), CHROMIUM (default /usr/bin/chromium)

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';
import { createServer as netServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { apiSession } from '../../web-ui/e2e/work-lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const { chromium } = createRequire(join(root, 'web-ui', 'package.json'))('playwright-core');

const argv = process.argv.slice(2);
const opt = (name, def) => {
  const i = argv.indexOf('--' + name);
  return i >= 0 ? argv[i + 1] : def;
};
const RUNS = Number(opt('runs', '3'));
const CPU = Number(opt('cpu', '4'));
const BEFORE_DIST = opt('before-dist', '');
const PHOTOS = argv.includes('--photos');
const NO_BEFORE = argv.includes('--no-before');
const OUT = resolve(root, opt('out', 'benches/phone/RESULTS.md'));
const BIN = resolve(root, process.env.MUDOU_BIN ?? 'target/debug/mudou');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const NET = { offline: false, latency: 400, downloadThroughput: (400 * 1000) / 8, uploadThroughput: (400 * 1000) / 8 };
const PHONE_UA =
  'Mozilla/5.0 (Linux; Android 11; Redmi 9A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36';
const STEP_TIMEOUT = 90_000;
const ANNOTATOR = ['王芳', '1111'];

const deadline = setTimeout(() => {
  console.error('bench: gave up after 20 minutes');
  process.exit(2);
}, 20 * 60_000);

const freePort = () =>
  new Promise((ok, err) => {
    const s = netServer();
    s.on('error', err);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });

// ---- the server
if (!existsSync(BIN)) throw new Error(`no server binary at ${BIN} (cargo build -p mudou)`);
if (!existsSync(join(root, 'web-ui', 'dist', 'index.html'))) throw new Error('no web-ui/dist (npm --prefix web-ui run build)');
const port = await freePort();
const dataDir = mkdtempSync(join(tmpdir(), 'mudou-bench-phone-'));
const server = spawn(BIN, ['demo', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'pipe'],
  env: { ...process.env, RUST_LOG: 'warn' },
});
let serverOut = '';
server.stdout.setEncoding('utf8').on('data', (c) => (serverOut += c));
server.stderr.setEncoding('utf8').on('data', (c) => (serverOut += c));
const cleanups = [];
function stop() {
  for (const f of cleanups.splice(0)) {
    try {
      f();
    } catch {
      // best effort
    }
  }
  if (server.exitCode === null) server.kill('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
}
process.on('exit', stop);
const BASE = `http://127.0.0.1:${port}`;
for (let t = Date.now(); ; ) {
  if (Date.now() - t > 120_000 || server.exitCode !== null) throw new Error(`the server did not start\n${serverOut}`);
  try {
    if ((await fetch(BASE + '/readyz')).ok && /^enroll: /m.test(serverOut)) break;
  } catch {
    // not yet
  }
  await new Promise((r) => setTimeout(r, 250));
}

// ---- the previous UI, served as the previous server did (raw; assets/ immutable), API proxied
let BEFORE_BASE = BASE;
if (BEFORE_DIST) {
  const dist = resolve(BEFORE_DIST);
  const types = { '.js': 'text/javascript', '.css': 'text/css', '.html': 'text/html; charset=utf-8', '.svg': 'image/svg+xml' };
  const proxy = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/^\/+/, '');
    if (!path.startsWith('api/') && !path.startsWith('..')) {
      let file = join(dist, path);
      const isFile = path && existsSync(file) && statSync(file).isFile();
      if (!isFile && (path.startsWith('assets/') || path.includes('.'))) {
        res.writeHead(404).end();
        return;
      }
      if (!isFile) file = join(dist, 'index.html');
      res.writeHead(200, {
        'content-type': types[extname(file)] ?? 'application/octet-stream',
        'cache-control': path.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      });
      res.end(readFileSync(file));
      return;
    }
    const up = httpRequest(
      { host: '127.0.0.1', port, path: req.url, method: req.method, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  });
  const p = await freePort();
  await new Promise((ok) => proxy.listen(p, '127.0.0.1', ok));
  cleanups.push(() => proxy.close());
  BEFORE_BASE = `http://127.0.0.1:${p}`;
}

// ---- API sessions from node (to make enroll codes and leave only the picture order open)
const client = await apiSession('client', 'mudou-client', BASE);
const lead = await apiSession('lead', 'mudou-lead', BASE);

// A picture order whose pictures weigh what the issue names (30–60 kB as shown): the demo's
// shapes whose screen picture is that size, uploaded as a dataset of their own.
async function mediaSize(url) {
  const r = await fetch(BASE + url, { headers: { cookie: await clientCookie() } });
  return (await r.arrayBuffer()).byteLength;
}
let cookieJar = null;
async function clientCookie() {
  if (cookieJar) return cookieJar;
  const r = await fetch(BASE + '/api/v1/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'client', password: 'mudou-client' }),
  });
  cookieJar = r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  return cookieJar;
}
const { items: orders } = await client('GET', '/orders');
const demo = orders.find((o) => o.spec.name === '形状单选 Main shape');
if (!demo) throw new Error('the demo has no single-choice picture order');
const { items: shapes } = await client('GET', `/datasets/${demo.dataset_id}/items?limit=200`);
const chosen = [];
for (const it of shapes) {
  if (!it.screen_url) continue;
  const n = await mediaSize(it.screen_url);
  if (n >= 30_000 && n <= 60_000) chosen.push({ file: it.file_name, screen: n });
}
if (chosen.length < 12) throw new Error(`only ${chosen.length} demo pictures of 30–60 kB`);
const ds = await client('POST', '/datasets', { name: '手机测速 Phone bench' });
const form = new FormData();
for (const c of chosen) form.append('files', new Blob([readFileSync(join(root, 'datasets', 'shapes', c.file))], { type: 'image/jpeg' }), c.file);
const up = await fetch(`${BASE}/api/v1/datasets/${ds.id}/files`, { method: 'POST', headers: { cookie: await clientCookie() }, body: form });
if (!up.ok) throw new Error(`upload: ${up.status} ${await up.text()}`);
const spec = {
  ...demo.spec,
  name: '手机测速 Phone bench',
  labels: demo.spec.labels.map((l) => ({ ...l, examples: [] })),
  instruction_examples: [],
  gold_share: 0,
  max_gold_items: 0,
  overlap: { kind: 'fixed', n: 1 },
  priority: 9,
};
const order = await client('POST', '/orders', { dataset_id: ds.id, spec });
await client('POST', `/orders/${order.id}/publish`);
for (const o of orders) if (o.state === 'open') await client('POST', `/orders/${o.id}/pause`);
// Large pictures (--photos): each chosen shape scaled up to 2400×1800 by Chromium, with a
// fixed grain, as a JPEG (quality 0.9), and an order of them like the one above (paused
// until its modes run).
let photoOrder = null;
const photoSizes = { screen: [], phone: [] };
if (PHOTOS) {
  const maker = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  const pg = await maker.newPage();
  const photos = [];
  for (const c of chosen) {
    const b64 = readFileSync(join(root, 'datasets', 'shapes', c.file)).toString('base64');
    const out = await pg.evaluate(async (src) => {
      const bytes = Uint8Array.from(atob(src), (ch) => ch.charCodeAt(0));
      const bmp = await createImageBitmap(new Blob([bytes], { type: 'image/jpeg' }));
      const cv = new OffscreenCanvas(2400, 1800);
      const g = cv.getContext('2d');
      g.imageSmoothingQuality = 'high';
      g.drawImage(bmp, 0, 0, 2400, 1800);
      const px = g.getImageData(0, 0, 2400, 1800);
      let seed = 12345;
      for (let i = 0; i < px.data.length; i += 4) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        const n = (seed % 13) - 6;
        px.data[i] += n;
        px.data[i + 1] += n;
        px.data[i + 2] += n;
      }
      g.putImageData(px, 0, 0);
      const blob = await cv.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
      const buf = new Uint8Array(await blob.arrayBuffer());
      let s = '';
      for (let i = 0; i < buf.length; i += 0x8000) s += String.fromCharCode(...buf.subarray(i, i + 0x8000));
      return btoa(s);
    }, b64);
    photos.push({ file: c.file.replace('.jpg', '_2400.jpg'), bytes: Buffer.from(out, 'base64') });
  }
  await maker.close();
  const pds = await client('POST', '/datasets', { name: '手机测速大图 Phone bench photos' });
  const pform = new FormData();
  for (const ph of photos) pform.append('files', new Blob([ph.bytes], { type: 'image/jpeg' }), ph.file);
  const pup = await fetch(`${BASE}/api/v1/datasets/${pds.id}/files`, { method: 'POST', headers: { cookie: await clientCookie() }, body: pform });
  if (!pup.ok) throw new Error(`upload: ${pup.status} ${await pup.text()}`);
  photoOrder = await client('POST', '/orders', { dataset_id: pds.id, spec: { ...spec, name: '手机测速大图 Phone bench photos' } });
  await client('POST', `/orders/${photoOrder.id}/publish`);
  await client('POST', `/orders/${photoOrder.id}/pause`);
  const { items: pitems } = await client('GET', `/datasets/${pds.id}/items?limit=200`);
  for (const it of pitems) {
    photoSizes.screen.push(await mediaSize(it.screen_url));
    photoSizes.phone.push(await mediaSize(it.screen_url.replace(/\/screen$/, '/phone')));
  }
  const range = (xs) => `${Math.min(...xs)}–${Math.max(...xs)}`;
  console.log(`bench: ${photos.length} photos of 2400×1800, screen ${range(photoSizes.screen)} bytes, phone ${range(photoSizes.phone)} bytes`);
}
/** Leaves only `id` open of the two bench orders. */
let openNow = order.id;
async function only(id) {
  if (openNow === id) return;
  await client('POST', `/orders/${id}/resume`);
  await client('POST', `/orders/${openNow}/pause`);
  openNow = id;
}
const screenSizes = chosen.map((c) => c.screen);
console.log(
  `bench: ${chosen.length} pictures of ${Math.min(...screenSizes)}–${Math.max(...screenSizes)} bytes (screen size), order ${order.id}`,
);

// ---- the phone
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

async function phone() {
  const dir = mkdtempSync(join(tmpdir(), 'mudou-bench-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 360, height: 640 },
    deviceScaleFactor: 3,
    isMobile: true,
    hasTouch: true,
    userAgent: PHONE_UA,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    // a first visit has none; and a worker's own downloads would escape the page's throttling
    serviceWorkers: 'block',
    timeout: 60_000,
  });
  context.setDefaultTimeout(STEP_TIMEOUT);
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function login(page, base) {
  const code = await lead('POST', '/devices/codes', {});
  await page.goto(base + code.path);
  await page.waitForURL('**/login');
  await page.getByTestId('roster-tile').filter({ hasText: ANNOTATOR[0] }).click();
  for (const d of ANNOTATOR[1]) await page.locator(`.keypad [data-key="${d}"]`).click();
  await page.locator('.keypad [data-key="ok"]').click();
  await page.getByTestId('greeting').waitFor();
}

/** Throttles the page (cold cache), counts the bytes on the wire and the requests in flight. */
async function throttle(page, mode) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.clearBrowserCache');
  await cdp.send('Network.emulateNetworkConditions', NET);
  if (CPU > 1) await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU });
  if (mode.identity) await cdp.send('Network.setExtraHTTPHeaders', { headers: { 'Accept-Encoding': 'identity' } });
  const net = { bytes: 0, inflight: new Set(), urls: new Map(), encodings: new Map(), lastChange: Date.now() };
  cdp.on('Network.requestWillBeSent', (e) => {
    net.inflight.add(e.requestId);
    net.urls.set(e.requestId, e.request.url);
    net.lastChange = Date.now();
  });
  cdp.on('Network.responseReceived', (e) => {
    const enc = Object.entries(e.response.headers).find(([k]) => k.toLowerCase() === 'content-encoding');
    net.encodings.set(e.requestId, enc ? enc[1] : 'identity');
  });
  const done = (e) => {
    net.inflight.delete(e.requestId);
    net.lastChange = Date.now();
  };
  cdp.on('Network.loadingFinished', (e) => {
    net.bytes += e.encodedDataLength;
    net.sizes = net.sizes ?? new Map();
    net.sizes.set(e.requestId, e.encodedDataLength);
    done(e);
  });
  cdp.on('Network.loadingFailed', done);
  return net;
}

async function quiet(net, ms = 1500) {
  const start = Date.now();
  while (net.inflight.size || Date.now() - net.lastChange < ms) {
    if (Date.now() - start > STEP_TIMEOUT) throw new Error('the network never went quiet');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const LOADED = '[data-testid=item-img][data-loaded]';

async function firstPicture(page) {
  await page.locator(LOADED).waitFor({ timeout: STEP_TIMEOUT });
  return page.locator(LOADED).evaluate((img) => ({
    at: Number(img.getAttribute('data-loaded')),
    ok: img.complete && img.naturalWidth > 0,
    src: new URL(img.src).pathname,
  }));
}

/** A media URL without its variant (the photo modes rewrite one variant to another). */
const picturePath = (u) => {
  const p = new URL(u, 'http://x').pathname;
  return /^\/api\/v1\/media\//.test(p) ? p.replace(/\/[a-z]+$/, '') : p;
};

function pictureBytes(net, src) {
  for (const [id, url] of net.urls) if (picturePath(url) === picturePath(src) && net.sizes?.has(id)) return net.sizes.get(id);
  return null;
}

/** The photo modes go through one route each (so both pay for the interception alike); "as
 * before" sends the page's requests for the phone picture to the screen one. */
async function pictureRoute(context, mode) {
  if (!mode.route) return;
  await context.route(/\/api\/v1\/media\/[0-9a-f]{64}\/phone$/, (r) =>
    mode.route === 'screen' ? r.continue({ url: r.request().url().replace(/\/phone$/, '/screen') }) : r.continue(),
  );
}

function scriptEncoding(net) {
  for (const [id, url] of net.urls) if (/\/assets\/index-.*\.js$/.test(url)) return net.encodings.get(id) ?? '?';
  return '?';
}

/** Logs the annotator in on a browser of its own and hands back its cookies (the device's and
 * the session's), so the measured browser starts with an empty cache; `lease` also takes the
 * unit (its JSON only, no picture), so a reload of the work screen comes back to it. */
async function loggedIn(mode, lease) {
  const b = await phone();
  try {
    await login(b.page, mode.base);
    await only(mode.order);
    // a live unit of the other order goes back, so Start (or the reload) brings this one
    for (let i = 0; i < 5; i++) {
      const res = await b.page.evaluate(async () => (await fetch('/api/v1/work/next', { credentials: 'same-origin' })).json());
      if (res.status !== 'assigned' || res.assignment.order.id === mode.order) break;
      await b.page.evaluate(async (id) => fetch(`/api/v1/work/assignments/${id}/return`, { method: 'POST', credentials: 'same-origin' }), res.assignment.id);
    }
    if (lease) {
      const res = await b.page.evaluate(async () => (await fetch('/api/v1/work/next', { credentials: 'same-origin' })).json());
      if (res.status !== 'assigned') throw new Error(`no unit: ${JSON.stringify(res)}`);
    }
    return await b.context.cookies();
  } finally {
    await b.close();
  }
}

/** (a) cold page load → first item. */
async function coldLoad(mode) {
  const cookies = await loggedIn(mode, true);
  const b = await phone();
  try {
    await b.context.addCookies(cookies);
    await pictureRoute(b.context, mode);
    const net = await throttle(b.page, mode);
    await b.page.goto(mode.base + '/#/work', { waitUntil: 'commit', timeout: STEP_TIMEOUT });
    const pic = await firstPicture(b.page);
    if (!pic.ok) throw new Error('the picture did not decode');
    return { ms: pic.at, bytes: net.bytes, picture: pictureBytes(net, pic.src), enc: scriptEncoding(net) };
  } finally {
    await b.close();
  }
}

/** (b) tap Start → first picture. */
async function startToPicture(mode) {
  const cookies = await loggedIn(mode, false);
  const b = await phone();
  try {
    await b.context.addCookies(cookies);
    await pictureRoute(b.context, mode);
    const net = await throttle(b.page, mode);
    await b.page.goto(mode.base + '/', { timeout: STEP_TIMEOUT });
    await b.page.getByTestId('greeting').waitFor();
    await quiet(net);
    const before = net.bytes;
    const t0 = await b.page.evaluate(() => performance.now());
    await b.page.getByTestId('start').tap();
    const pic = await firstPicture(b.page);
    if (!pic.ok) throw new Error('the picture did not decode');
    // what else went over the wire while the picture loaded (prefetches, the kinds' code…)
    const during = net.bytes - before;
    return { ms: pic.at - t0, bytes: during, picture: pictureBytes(net, pic.src), enc: scriptEncoding(net) };
  } finally {
    await b.close();
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const kb = (n) => (n == null ? '?' : (n / 1000).toFixed(1) + ' kB');
const sec = (ms) => (ms / 1000).toFixed(2) + ' s';

const modes = [
  ...(NO_BEFORE
    ? []
    : [{ name: BEFORE_DIST ? 'before (previous UI, files raw)' : 'before (files raw: Accept-Encoding identity)', base: BEFORE_BASE, identity: true, order: order.id }]),
  { name: PHOTOS ? 'this build, 480×360 shapes (phone = screen picture)' : 'after (precompressed, current picture first)', base: BASE, identity: false, order: order.id },
  ...(PHOTOS
    ? [
        { name: '2400×1800 photos, the 1600 px screen picture (as before)', base: BASE, identity: false, order: photoOrder.id, route: 'screen' },
        { name: '2400×1800 photos, the 800 px phone picture (this build)', base: BASE, identity: false, order: photoOrder.id, route: 'phone' },
      ]
    : []),
];
const results = new Map(modes.map((m) => [m.name, { load: [], start: [] }]));
try {
  for (let i = 0; i < RUNS; i++) {
    for (const m of modes) {
      const r = results.get(m.name);
      const a = await coldLoad(m);
      r.load.push(a);
      const s = await startToPicture(m);
      r.start.push(s);
      console.log(
        `run ${i + 1} ${m.name}: cold load → first item ${sec(a.ms)} (${kb(a.bytes)}, script ${a.enc}); ` +
          `Start → picture ${sec(s.ms)} (picture ${kb(s.picture)}, ${kb(s.bytes)} in all)`,
      );
    }
  }
} finally {
  clearTimeout(deadline);
}

const rows = [];
for (const m of modes) {
  const r = results.get(m.name);
  rows.push(
    `| ${m.name} | ${sec(median(r.load.map((x) => x.ms)))} | ${kb(median(r.load.map((x) => x.bytes)))} | ` +
      `${sec(median(r.start.map((x) => x.ms)))} | ${kb(median(r.start.map((x) => x.picture ?? 0)))} | ${kb(median(r.start.map((x) => x.bytes)))} |`,
  );
}
const when = new Date().toISOString().slice(0, 10);
const table = [
  `Chromium (${CHROMIUM}) as a phone: 360×640, DPR 3, touch, phone UA, CPU ×${CPU}; ` +
    `${NET.downloadThroughput * 8 / 1000} kbit/s down and up, ${NET.latency} ms latency; cold cache; ` +
    `server \`${relativeBin()}\`; ${RUNS} runs each, medians.` +
    (PHOTOS
      ? ` Photos: ${chosen.length} of 2400×1800; their screen pictures ${(Math.min(...photoSizes.screen) / 1000).toFixed(1)}–${(Math.max(...photoSizes.screen) / 1000).toFixed(1)} kB, phone pictures ${(Math.min(...photoSizes.phone) / 1000).toFixed(1)}–${(Math.max(...photoSizes.phone) / 1000).toFixed(1)} kB.`
      : ''),
  '',
  '| | cold load → first item | bytes | Start → first picture | the picture | bytes while it loads |',
  '|---|---|---|---|---|---|',
  ...rows,
  '',
  'Each run:',
  '',
  ...modes.flatMap((m) =>
    results.get(m.name).load.map(
      (a, i) =>
        `- ${m.name}, run ${i + 1}: load ${sec(a.ms)} (${kb(a.bytes)}, main script ${a.enc}), ` +
        `Start ${sec(results.get(m.name).start[i].ms)} (picture ${kb(results.get(m.name).start[i].picture)})`,
    ),
  ),
].join('\n');

function relativeBin() {
  return BIN.startsWith(root) ? BIN.slice(root.length + 1) : BIN;
}

console.log('\n' + table);
const head = `# The annotator's phone on a county link (benches/phone)\n\nGoal (issue 26): Start → first picture ≤ 3 s for a 30–60 kB picture; cold page load → first item ≤ 6 s.\nRun: \`node benches/phone/run.mjs --runs ${RUNS}${BEFORE_DIST ? ' --before-dist <previous build>' : ''}${PHOTOS ? ' --photos' : ''}\` (see the file's head).\n`;
let old = existsSync(OUT) ? readFileSync(OUT, 'utf8') : head;
if (!old.startsWith('# ')) old = head + old;
writeFileSync(OUT, `${old.trimEnd()}\n\n## ${when}\n\n${table}\n`);
console.log(`\nbench: written to ${OUT}`);
stop();
process.exit(0);
