// After `vite build`: writes dist/sw.js (the app shell's service worker, sw/sw.js, with the
// build's files and a version), then a Brotli (.br) and a gzip (.gz) copy beside every text
// file in dist/, which the server sends to browsers that accept them
// (crates/mudou-server/src/web.rs). Node's own zlib: no dependency.

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const dist = resolve(here, '..', 'dist');
const COMPRESS = /\.(js|mjs|css|html|svg|json|webmanifest|txt)$/;

function walk(dir) {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

// copies of an earlier build (vite empties dist/, but a second run of this script must not
// compress its own output)
for (const f of walk(dist)) if (/\.(br|gz)$/.test(f)) rmSync(f);

const files = walk(dist)
  .map((f) => '/' + relative(dist, f).split('\\').join('/'))
  .filter((p) => !p.startsWith('/.vite/') && p !== '/sw.js')
  .sort();
// the shell: the page and every built file (lazily loaded ones too, so each screen opens offline)
const shell = files.filter((p) => p === '/index.html' || p.startsWith('/assets/') || p === '/favicon.svg');
const version = createHash('sha256')
  .update(shell.map((p) => p + ':' + createHash('sha256').update(readFileSync(join(dist, p))).digest('hex')).join('\n'))
  .digest('hex')
  .slice(0, 16);
const sw = readFileSync(resolve(here, '..', 'sw', 'sw.js'), 'utf8')
  .replace("'__MUDOU_VERSION__'", JSON.stringify(version))
  .replace('__MUDOU_SHELL__', JSON.stringify(shell));
writeFileSync(join(dist, 'sw.js'), sw);

let raw = 0;
let br = 0;
let gz = 0;
for (const f of walk(dist)) {
  if (!COMPRESS.test(f)) continue;
  const data = readFileSync(f);
  const b = brotliCompressSync(data, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
    },
  });
  const g = gzipSync(data, { level: 9 });
  raw += data.length;
  // a copy that is not smaller is not kept: the server sends the original then
  if (b.length < data.length) {
    writeFileSync(f + '.br', b);
    br += b.length;
  } else br += data.length;
  if (g.length < data.length) {
    writeFileSync(f + '.gz', g);
    gz += g.length;
  } else gz += data.length;
}
const kb = (n) => (n / 1024).toFixed(1) + ' kB';
console.log(`postbuild: sw.js ${version} (${shell.length} files kept offline); text ${kb(raw)} → br ${kb(br)}, gzip ${kb(gz)}`);
