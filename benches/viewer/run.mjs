// The medical viewer on a centre's link (issue 31: "time to the first slice on a centre link
// (throttled to 10 Mbit/s in Chromium); slices per second while scrolling after load (target
// ≥ 30)"). Debian Chromium (headless, flags as web-ui/e2e/lib.mjs) at 1366×768 opens the viewer
// alone (harness/, a production build served here, the volume routes forwarded to the server
// with a logged-in session) on one series, the network throttled through CDP to 10 Mbit/s down
// and up with 20 ms latency, cold cache. Measures:
//   (a) first slice: from the viewer mounted (as an item opens) to the first slice drawn with
//       its real values (the header, then the shown slice alone, then the rest outward);
//   (b) whole series: until every slice is in;
//   (c) scrolling after load: one ↓/↑ key per animation frame for --seconds, the slices drawn
//       per second (a slice counts when the canvas shows a new one), and each draw's cost;
//       then the same with the 10 mm MIP slab on.
//
//   node benches/viewer/run.mjs --url http://127.0.0.1:8080 [--user client] [--password mudou-client]
//        [--sha <volume sha256>] [--seconds 3] [--mbit 10] [--cpu 1] [--out benches/viewer/RESULTS.md]
//   node benches/viewer/run.mjs --synthetic 300      (no server: a made-up 512×512 CT of N slices)
//   MUDOU_URL, MUDOU_USER, MUDOU_PASSWORD, CHROMIUM (default /usr/bin/chromium)
//
// Without --sha, the first item with a `series` field in the user's datasets is used (a client
// user; the demo's client is `client` / `mudou-client`).

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir, cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const web = join(root, 'web-ui');
const req = createRequire(join(web, 'package.json'));
const { chromium } = req('playwright-core');
const vite = await import(pathToFileURL(req.resolve('vite')).href);
const presetMod = await import(pathToFileURL(req.resolve('@preact/preset-vite')).href);
const preact = typeof presetMod.default === 'function' ? presetMod.default : presetMod.default.default;

const argv = process.argv.slice(2);
const opt = (name, def) => {
  const i = argv.indexOf('--' + name);
  return i >= 0 ? argv[i + 1] : def;
};
const URL_ = opt('url', process.env.MUDOU_URL ?? '');
const USER = opt('user', process.env.MUDOU_USER ?? 'client');
const PASSWORD = opt('password', process.env.MUDOU_PASSWORD ?? 'mudou-client');
const SYNTH = opt('synthetic', '');
const SECONDS = Number(opt('seconds', '3'));
const MBIT = Number(opt('mbit', '10'));
const CPU = Number(opt('cpu', '1'));
const OUT = resolve(root, opt('out', 'benches/viewer/RESULTS.md'));
if (!URL_ && !SYNTH) throw new Error('give --url of a running server (and --user/--password), or --synthetic N');

const deadline = setTimeout(() => {
  console.error('bench: gave up after 20 minutes');
  process.exit(2);
}, 20 * 60_000);

// ---- where the volume comes from: a logged-in session on the server, or a made-up one here
const jar = new Map();
async function call(method, path, body) {
  const r = await fetch(URL_ + '/api/v1' + path, {
    method,
    headers: { accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}), cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
    body: body ? JSON.stringify(body) : undefined,
  });
  for (const c of r.headers.getSetCookie?.() ?? []) {
    const [kv] = c.split(';');
    const i = kv.indexOf('=');
    jar.set(kv.slice(0, i).trim(), kv.slice(i + 1).trim());
  }
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

let sha = opt('sha', '');
let synth = null;
if (SYNTH) {
  synth = syntheticCt(Number(SYNTH));
  sha = 'synthetic';
} else {
  await call('POST', '/auth/login', { username: USER, password: PASSWORD });
  if (!sha) {
    for (const d of (await call('GET', '/datasets')).items ?? []) {
      let after = 0;
      for (;;) {
        const page = (await call('GET', `/datasets/${d.id}/items?limit=1000&after=${after}`)).items ?? [];
        const f = page.flatMap((it) => it.fields ?? []).find((x) => x.kind === 'series' && x.sha256);
        if (f) {
          sha = f.sha256;
          break;
        }
        if (page.length < 1000) break;
        after = page[page.length - 1].id;
      }
      if (sha) break;
    }
  }
  if (!sha) throw new Error(`no item with a series field in ${USER}'s datasets (give --sha)`);
}

/** A made-up axial CT: air, a head of soft tissue with noise, a skull, a few bright vessels. */
function syntheticCt(slices) {
  const C = 512;
  const R = 512;
  const geometry = { columns: C, rows: R, slices, spacing: [0.45, 0.45], slice_step: 0.625, thickness: 0.625, origin: [-115, -115, 0], row_dir: [1, 0, 0], col_dir: [0, 1, 0], slice_dir: [0, 0, 1] };
  const header = { geometry, dtype: 'i16', modality: 'CT', invert: false, window: { center: 40, width: 400 }, range: [-1024, 1500], bytes_per_slice: C * R * 2 };
  const data = new Int16Array(C * R * slices);
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let z = 0; z < slices; z++) {
    const s = 1 - Math.abs(z / slices - 0.5) * 0.8;
    for (let y = 0; y < R; y++)
      for (let x = 0; x < C; x++) {
        const dx = (x - 256) / (200 * s);
        const dy = (y - 256) / (230 * s);
        const r = Math.hypot(dx, dy);
        let v = -1000 + Math.round(rnd() * 20);
        if (r < 1) v = r > 0.93 ? 900 + Math.round(rnd() * 300) : 35 + Math.round((rnd() - 0.5) * 30);
        if (Math.hypot(x - 256 - 40 * Math.sin(z / 20), y - 300) < 4 || Math.hypot(x - 200, y - 230 + 30 * Math.cos(z / 25)) < 3) v = 350 + Math.round(rnd() * 80);
        data[z * C * R + y * C + x] = v;
      }
  }
  return { header, bytes: Buffer.from(data.buffer) };
}

// ---- the harness, a production build, and a server of it forwarding /api/v1/volumes
const outDir = mkdtempSync(join(tmpdir(), 'mudou-viewer-bench-'));
await vite.build({
  configFile: false,
  root: join(here, 'harness'),
  logLevel: 'warn',
  plugins: [preact({ devToolsEnabled: false, prefreshEnabled: false })],
  resolve: { alias: { preact: join(web, 'node_modules', 'preact') } },
  build: { outDir, emptyOutDir: true, target: 'es2019' },
});
const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
let wire = 0;
const server = createServer((rq, rs) => {
  const u = new URL(rq.url, 'http://x');
  if (u.pathname.startsWith('/api/')) {
    if (synth) {
      const gz = /gzip/.test(rq.headers['accept-encoding'] ?? '');
      const send = (type, body) => {
        const out = gz ? gzipSync(body, { level: 1 }) : body;
        wire += out.length;
        rs.writeHead(200, { 'content-type': type, ...(gz ? { 'content-encoding': 'gzip' } : {}), 'cache-control': 'private, max-age=3600' });
        rs.end(out);
      };
      if (u.pathname === '/api/v1/volumes/synthetic') return send('application/json', Buffer.from(JSON.stringify(synth.header)));
      if (u.pathname === '/api/v1/volumes/synthetic/slices') {
        const a = Number(u.searchParams.get('from'));
        const b = Number(u.searchParams.get('to'));
        const n = synth.header.bytes_per_slice;
        return send('application/octet-stream', synth.bytes.subarray(a * n, b * n));
      }
      rs.writeHead(404).end();
      return;
    }
    const target = new URL(URL_);
    const up = httpRequest(
      { host: target.hostname, port: target.port, path: rq.url, method: rq.method, headers: { ...rq.headers, host: target.host, cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } },
      (r) => {
        rs.writeHead(r.statusCode, r.headers);
        r.on('data', (c) => (wire += c.length));
        r.pipe(rs);
      },
    );
    up.on('error', () => rs.writeHead(502).end());
    rq.pipe(up);
    return;
  }
  const file = join(outDir, u.pathname === '/' ? 'index.html' : decodeURIComponent(u.pathname));
  if (!file.startsWith(outDir) || !existsSync(file)) {
    rs.writeHead(404);
    return rs.end();
  }
  rs.writeHead(200, { 'content-type': types[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream' });
  rs.end(readFileSync(file));
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}`;

const dir = mkdtempSync(join(tmpdir(), 'mudou-chromium-'));
const context = await chromium.launchPersistentContext(dir, {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  viewport: { width: 1366, height: 768 },
  locale: 'zh-CN',
});
const page = context.pages()[0] ?? (await context.newPage());
const errors = [];
page.on('pageerror', (e) => errors.push(String(e)));
const cdp = await context.newCDPSession(page);
if (CPU > 1) await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU });
// the page itself loads unthrottled (cached in a centre after the first time); the series over the link
await page.goto(base + '/?sha=none');
await cdp.send('Network.enable');
await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 20, downloadThroughput: (MBIT * 1e6) / 8, uploadThroughput: (MBIT * 1e6) / 8 });
wire = 0;
// watch the canvas: when the first real slice is drawn, and when the last slice arrives
await page.addInitScript(() => {
  const w = window;
  w.benchMarks = {};
  new MutationObserver(() => {
    const c = document.querySelector('[data-testid=vw-canvas]');
    if (c && c.dataset.loaded === 'true' && !w.benchMarks.first) w.benchMarks.first = performance.now() - w.benchT0;
    if (c && !document.querySelector('[data-testid=vw-loading]') && !w.benchMarks.all) w.benchMarks.all = performance.now() - w.benchT0;
  }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-loaded', 'data-drawn'] });
});
await page.goto(base + '/?sha=' + encodeURIComponent(sha));
await page.waitForFunction(() => window.benchMarks?.first, null, { timeout: 120_000 });
const first = await page.evaluate(() => window.benchMarks.first);
console.log(`first slice drawn after ${first.toFixed(0)} ms`);
await page.waitForFunction(() => window.benchMarks?.all, null, { timeout: 15 * 60_000, polling: 500 });
const all = await page.evaluate(() => window.benchMarks.all);
const allWire = wire;
const info = await page.evaluate(() => ({ slices: Number(document.querySelector('[data-testid=viewer]').dataset.slices), z: Number(document.querySelector('[data-testid=viewer]').dataset.z) }));
console.log(`all ${info.slices} slices in after ${(all / 1000).toFixed(1)} s (${(allWire / 1048576).toFixed(1)} MiB)`);

/** One ↓ (or ↑ at the end) per frame for `seconds`: slices shown per second and draw costs. */
const scroll = (seconds) =>
  page.evaluate(
    (seconds) =>
      new Promise((done) => {
        const c = document.querySelector('[data-testid=vw-canvas]');
        const n = Number(document.querySelector('[data-testid=viewer]').dataset.slices);
        let dir = 1;
        let last = c.dataset.z;
        let shown = 0;
        let start = 0;
        let frames = 0;
        const costs = [];
        const tick = (t) => {
          if (!start) start = t;
          frames++;
          if (c.dataset.z !== last) {
            shown++;
            last = c.dataset.z;
            costs.push(Number(c.dataset.ms));
          }
          if (t - start > seconds * 1000) return done({ shown, frames, ms: t - start, costs });
          const z = Number(c.dataset.z);
          if (z >= n - 1) dir = -1;
          if (z <= 0) dir = 1;
          window.dispatchEvent(new KeyboardEvent('keydown', { key: dir > 0 ? 'ArrowDown' : 'ArrowUp', bubbles: true }));
          requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      }),
    seconds,
  );
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN;
};
const r1 = (x) => Math.round(x * 10) / 10;
const plain = await scroll(SECONDS);
await page.getByTestId('vw-mip').click();
const slab = await scroll(SECONDS);
const rate = (s) => r1((s.shown * 1000) / s.ms);
const fps = (s) => r1((s.frames * 1000) / s.ms);
console.log(`scrolling: ${rate(plain)} slices/s at ${fps(plain)} frames/s (draw p50 ${pct(plain.costs, 0.5)} ms, p95 ${pct(plain.costs, 0.95)} ms); MIP 10 mm: ${rate(slab)} slices/s at ${fps(slab)} frames/s (draw p50 ${pct(slab.costs, 0.5)} ms, p95 ${pct(slab.costs, 0.95)} ms)`);
await page.screenshot({ path: join(tmpdir(), 'mudou-viewer-bench.png') });
await context.close();
rmSync(dir, { recursive: true, force: true });
rmSync(outDir, { recursive: true, force: true });
server.close();
clearTimeout(deadline);
if (errors.length) throw new Error('page errors: ' + errors.join('\n'));

const cpu = `${cpus()[0]?.model ?? ''} × ${cpus().length}, load average ${loadavg()[0].toFixed(1)}`;
const HISTORY = '<!-- history: kept by run.mjs -->';
const old = existsSync(OUT) ? readFileSync(OUT, 'utf8') : '';
const kept = old.includes(HISTORY) ? old.slice(old.indexOf(HISTORY)) : '';
const source = synth ? `a synthetic 512×512 CT of ${info.slices} slices made by the script (i16, gzip level 1 on the wire)` : `series ${sha.slice(0, 12)}… (${info.slices} slices) from ${URL_} as ${USER}`;
writeFileSync(
  OUT,
  `# The medical viewer on a centre's link

\`node benches/viewer/run.mjs ${argv.join(' ')}\` — Debian Chromium (headless, no GPU) at 1366×768, the viewer alone
(benches/viewer/harness, a production build) on ${source}; the network throttled through CDP to ${MBIT} Mbit/s
down and up, 20 ms latency, cache off. CPU: ${cpu}${CPU > 1 ? `, throttled ×${CPU}` : ''}; the machine shared with other work.

| | result |
|---|---:|
| first slice drawn (from the viewer mounted) | ${first.toFixed(0)} ms |
| whole series in | ${(all / 1000).toFixed(1)} s (${(allWire / 1048576).toFixed(1)} MiB) |
| scrolling after load (one key per frame) | ${rate(plain)} slices/s at ${fps(plain)} frames/s — draw p50 ${pct(plain.costs, 0.5)} ms, p95 ${pct(plain.costs, 0.95)} ms |
| scrolling with the 10 mm MIP slab | ${rate(slab)} slices/s at ${fps(slab)} frames/s — draw p50 ${pct(slab.costs, 0.5)} ms, p95 ${pct(slab.costs, 0.95)} ms |

Target ≥ 30 slices/s while scrolling: ${rate(plain) >= 30 ? 'met' : 'NOT met'}.

How: the header, then the shown slice alone, then chunks of 8 slices two at a time outward from whichever slice is on
screen (web-ui/src/medical/volume.ts \`nextChunk\`); a slice change draws in the next animation frame into one kept
ImageData through a 65 536-entry lookup table (window/level), no re-render per pixel (web-ui/src/medical/Viewer.tsx).
${kept ? '\n' + kept : ''}`,
);
console.log('wrote', OUT);
