// COCO RLE: encodings pycocotools made (`mask.encode` of the same arrays, pycocotools 2.0)
// read back and written again byte for byte; round trips of random masks.
import { describe, expect, it } from 'vitest';
import { area, countsToString, decodeMask, encodeMask, runsOf, stringToCounts } from './rle';

/** The 7×9 mask: [1:4, 2:6], row 5, (6, 8) and (0, 0) set (numpy's [row, column]). */
function small(): Uint8Array {
  const W = 9;
  const m = new Uint8Array(7 * W);
  for (let y = 1; y < 4; y++) for (let x = 2; x < 6; x++) m[y * W + x] = 1;
  for (let x = 0; x < 9; x++) m[5 * W + x] = 1;
  m[6 * W + 8] = 1;
  m[0] = 1;
  return m;
}

function big(): Uint8Array {
  const W = 400;
  const m = new Uint8Array(300 * W);
  for (let y = 50; y < 250; y++) for (let x = 100; x < 350; x++) m[y * W + x] = 1;
  for (let y = 120; y < 180; y++) for (let x = 150; x < 200; x++) m[y * W + x] = 0;
  return m;
}

describe('COCO RLE', () => {
  it('matches pycocotools on a small mask', () => {
    expect(encodeMask(small(), 9, 7)).toEqual({ size: [7, 9], counts: '014020L2ON12ON12ON12ON500001' });
    expect(decodeMask({ size: [7, 9], counts: '014020L2ON12ON12ON12ON500001' })).toEqual(small());
    // the first run is background: a mask set at (0, 0) starts with a 0
    expect(runsOf(small(), 9, 7)[0]).toBe(0);
  });

  it('matches pycocotools on a 400×300 mask with a hole (long runs, negative differences)', () => {
    const want = 'R[m0X6T3' + '0'.repeat(98) + 'nKhN0X1' + '0hN0X1'.repeat(49) + 'R4' + '0'.repeat(298) + 'Vc>';
    const got = encodeMask(big(), 400, 300);
    expect(got.counts).toBe(want);
    expect(decodeMask(got)).toEqual(big());
    expect(area(big())).toBe(47000);
  });

  it('round-trips random masks and lists of counts', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let t = 0; t < 20; t++) {
      const w = 1 + Math.floor(rnd() * 40);
      const h = 1 + Math.floor(rnd() * 40);
      const m = new Uint8Array(w * h).map(() => (rnd() < 0.3 ? 1 : 0));
      const r = encodeMask(m, w, h);
      expect(decodeMask(r)).toEqual(m);
      const cnts = runsOf(m, w, h);
      expect(stringToCounts(countsToString(cnts))).toEqual(cnts);
      expect(decodeMask({ size: [h, w], counts: cnts })).toEqual(m);
    }
    // runs that do not cover the picture are refused
    expect(decodeMask({ size: [2, 2], counts: [1, 2] })).toBeNull();
    expect(stringToCounts('\u0001')).toBeNull();
  });
});
