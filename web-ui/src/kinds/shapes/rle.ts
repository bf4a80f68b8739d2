// COCO run-length masks as pycocotools keeps them (crates/mudou-consensus/src/shapes/rle.rs):
// the picture read column by column (x outer, y inner), runs alternating background and
// foreground starting with background; `counts` compressed as pycocotools' `rleToString`
// (each count, minus the one two before it from the third on, in 5-bit groups with a
// continuation bit, +48 as a character).

export interface Rle {
  /** [height, width] */
  size: [number, number];
  counts: string;
}

/** A mask (row-major, one byte a pixel, non-zero set) as run lengths, column-major. */
export function runsOf(mask: Uint8Array, width: number, height: number): number[] {
  const runs: number[] = [];
  let cur = 0;
  let n = 0;
  for (let x = 0; x < width; x++)
    for (let y = 0; y < height; y++) {
      const v = mask[y * width + x] ? 1 : 0;
      if (v !== cur) {
        runs.push(n);
        n = 0;
        cur = v;
      }
      n++;
    }
  runs.push(n);
  return runs;
}

/** Run lengths as pycocotools' compressed string. */
export function countsToString(cnts: number[]): string {
  let s = '';
  for (let i = 0; i < cnts.length; i++) {
    let x = cnts[i];
    if (i > 2) x -= cnts[i - 2];
    let more = true;
    while (more) {
      let c = ((x % 32) + 32) % 32;
      x = Math.floor(x / 32);
      more = c & 0x10 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      s += String.fromCharCode(c + 48);
    }
  }
  return s;
}

/** pycocotools' compressed string as run lengths; null when it does not read. */
export function stringToCounts(s: string): number[] | null {
  const cnts: number[] = [];
  let p = 0;
  while (p < s.length) {
    let x = 0;
    let k = 0;
    let more = true;
    while (more) {
      if (p >= s.length) return null;
      const c = s.charCodeAt(p) - 48;
      if (c < 0 || c > 63) return null;
      x += (c & 0x1f) * 2 ** (5 * k);
      more = (c & 0x20) !== 0;
      p++;
      k++;
      if (!more && c & 0x10) x -= 2 ** (5 * k);
    }
    if (cnts.length > 2) x += cnts[cnts.length - 2];
    cnts.push(x);
  }
  return cnts;
}

/** A mask (row-major) as COCO RLE. */
export function encodeMask(mask: Uint8Array, width: number, height: number): Rle {
  return { size: [height, width], counts: countsToString(runsOf(mask, width, height)) };
}

/** COCO RLE (compressed string or a list of counts) as a row-major mask; null when the runs
 * do not cover the picture exactly. */
export function decodeMask(rle: { size: [number, number]; counts: string | number[] }): Uint8Array | null {
  const [height, width] = rle.size;
  const cnts = typeof rle.counts === 'string' ? stringToCounts(rle.counts) : rle.counts;
  if (!cnts || !(width > 0 && height > 0)) return null;
  const out = new Uint8Array(width * height);
  let i = 0;
  let v = 0;
  for (const n of cnts) {
    if (n < 0 || i + n > width * height) return null;
    if (v)
      for (let j = i; j < i + n; j++) {
        const x = Math.floor(j / height);
        out[(j - x * height) * width + x] = 1;
      }
    i += n;
    v ^= 1;
  }
  return i === width * height ? out : null;
}

/** How many pixels a mask sets. */
export function area(mask: Uint8Array): number {
  let n = 0;
  for (const v of mask) n += v ? 1 : 0;
  return n;
}
