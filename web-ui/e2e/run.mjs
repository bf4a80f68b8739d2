// Browser tests against the real server: starts `mudou demo` on a free port with a fresh data
// folder, waits until it is ready, runs the e2e/*.test.mjs files with node's test runner
// (Debian's Chromium through playwright-core), and always stops the server.
//
//   MUDOU_BIN   the server binary (default ../target/debug/mudou, relative to web-ui/)
//   CHROMIUM    the browser (default /usr/bin/chromium)
//   E2E_ONLY    run only the test files whose name contains this (or one of these, comma-separated)

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const webUi = resolve(here, '..');
const bin = resolve(webUi, process.env.MUDOU_BIN ?? '../target/debug/mudou');
const chromium = process.env.CHROMIUM ?? '/usr/bin/chromium';

function fail(msg) {
  console.error(`e2e: ${msg}`);
  process.exit(1);
}

if (!existsSync(bin)) fail(`no server binary at ${bin} (build it with \`cargo build -p mudou\` or set MUDOU_BIN)`);
if (!existsSync(chromium)) fail(`no browser at ${chromium} (apt-get install -y chromium, or set CHROMIUM)`);
if (!existsSync(join(webUi, 'dist', 'index.html'))) {
  console.log('e2e: building the UI first');
  const b = spawnSync('npm', ['run', 'build'], { cwd: webUi, stdio: 'inherit' });
  if (b.status !== 0) fail('npm run build failed');
}

const freePort = () =>
  new Promise((ok, err) => {
    const s = createServer();
    s.on('error', err);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });

const port = await freePort();
const dataDir = mkdtempSync(join(tmpdir(), 'mudou-e2e-'));
const server = spawn(bin, ['demo', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir], {
  cwd: resolve(webUi, '..'),
  stdio: ['ignore', 'pipe', 'pipe'],
  env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'warn' },
});

let stopped = false;
function stopServer() {
  if (stopped) return;
  stopped = true;
  if (server.exitCode === null && server.signalCode === null) server.kill('SIGTERM');
  try {
    rmSync(dataDir, { recursive: true, force: true });
  } catch {
    // best effort
  }
}
process.on('exit', stopServer);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    stopServer();
    process.exit(130);
  });
}

let enrollLink = null;
let out = '';
server.stdout.setEncoding('utf8');
server.stdout.on('data', (chunk) => {
  out += chunk;
  const m = out.match(/^enroll: (\S+)$/m);
  if (m) enrollLink = m[1];
});
let errText = '';
server.stderr.setEncoding('utf8');
server.stderr.on('data', (c) => {
  errText += c;
  if (errText.length > 20000) errText = errText.slice(-20000);
});
server.on('exit', (code, sig) => {
  if (!stopped) console.error(`e2e: the server exited early (${code ?? sig})\n${out}\n${errText}`);
});

const base = `http://127.0.0.1:${port}`;
const deadline = Date.now() + 120_000;
let ready = false;
while (Date.now() < deadline && server.exitCode === null) {
  try {
    const r = await fetch(`${base}/readyz`);
    if (r.ok && enrollLink) {
      ready = true;
      break;
    }
  } catch {
    // not listening yet
  }
  await new Promise((r) => setTimeout(r, 250));
}
if (!ready) {
  stopServer();
  fail(`the server did not get ready (enroll link: ${enrollLink ?? 'not printed'})\n${out}\n${errText}`);
}
console.log(`e2e: server ${base} (${bin}), enroll link ${enrollLink}`);

const files = readdirSync(here)
  .filter((f) => f.endsWith('.test.mjs'))
  // E2E_ONLY=client runs only the files whose name contains it
  .filter((f) => !process.env.E2E_ONLY || process.env.E2E_ONLY.split(',').some((p) => f.includes(p)))
  .sort()
  .map((f) => join(here, f));
const screens = resolve(webUi, 'test-results', 'screens');
const tests = spawn(process.execPath, ['--test', '--test-concurrency=1', ...files], {
  cwd: webUi,
  stdio: 'inherit',
  env: { ...process.env, MUDOU_URL: base, MUDOU_ENROLL_LINK: enrollLink, CHROMIUM: chromium, SCREENS_DIR: screens, MUDOU_DATA_DIR: dataDir },
});
const code = await new Promise((ok) => tests.on('exit', (c, s) => ok(c ?? (s ? 1 : 0))));
stopServer();
console.log(`e2e: screenshots in ${screens}`);
process.exit(code);
