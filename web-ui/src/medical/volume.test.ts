import { describe, expect, it } from 'vitest';
import {
  contains,
  distanceMm,
  dragWindow,
  grey,
  loadingOrder,
  mip,
  nextChunk,
  openVolume,
  parseMdv1,
  renderInto,
  seriesSha,
  slabHalf,
  toPatient,
  windowLut,
  type Dtype,
  type VolumeHeader,
} from './volume';
import { geometry, mdv1, server } from './synthetic';

describe('MDV1', () => {
  it('reads the header and values of every dtype, little-endian', () => {
    const g = geometry(3, 2, 4);
    for (const dtype of ['i16', 'u16', 'f32'] as Dtype[]) {
      const f = (x: number, y: number, z: number) => (dtype === 'i16' ? -1000 + 100 * z + 10 * y + x : dtype === 'u16' ? 60000 + 100 * z + 10 * y + x : 0.5 + z + y / 10 + x / 100);
      const { header, values } = parseMdv1(mdv1(dtype, g, f));
      expect(header.dtype).toBe(dtype);
      expect(header.geometry.slices).toBe(4);
      expect(values.length).toBe(24);
      // slice 2, row 1, column 2
      expect(values[2 * 6 + 1 * 3 + 2]).toBeCloseTo(f(2, 1, 2), 5);
    }
  });

  it('refuses what is not MDV1 or is cut short', () => {
    expect(() => parseMdv1(new TextEncoder().encode('DICM....').buffer)).toThrow(/not an MDV1/);
    const buf = mdv1('i16', geometry(4, 4, 2), () => 0);
    expect(() => parseMdv1(buf.slice(0, buf.byteLength - 2))).toThrow(/truncated/);
  });
});

describe('window and level', () => {
  it('maps centre ± width/2 to black and white, the centre to mid-grey', () => {
    const brain = { center: 40, width: 80 };
    expect(grey(0, brain)).toBe(0);
    expect(grey(-1000, brain)).toBe(0);
    expect(grey(80, brain)).toBe(255);
    expect(grey(3000, brain)).toBe(255);
    expect(grey(40, brain)).toBe(128);
    expect(grey(20, brain)).toBe(64);
    // MONOCHROME1: high values dark
    expect(grey(80, brain, true)).toBe(0);
    expect(grey(0, brain, true)).toBe(255);
  });

  it('draws i16 through the table and f32 by the loop to the same greys', () => {
    const w = { center: 300, width: 600 };
    const hu = [-1024, 0, 150, 300, 450, 600, 3071];
    const out = new Uint32Array(hu.length);
    renderInto(Int16Array.from(hu), out, w, false, windowLut('i16', w, false));
    const bytes = new Uint8Array(out.buffer);
    expect([...hu.keys()].map((i) => bytes[i * 4])).toEqual(hu.map((v) => grey(v, w)));
    expect([...hu.keys()].every((i) => bytes[i * 4 + 3] === 255 && bytes[i * 4 + 1] === bytes[i * 4])).toBe(true);
    const out2 = new Uint32Array(hu.length);
    renderInto(Float32Array.from(hu), out2, w, false);
    expect([...out2]).toEqual([...out]);
    // u16 and inverted
    const u = [0, 100, 65535];
    const out3 = new Uint32Array(3);
    const w2 = { center: 100, width: 200 };
    renderInto(Uint16Array.from(u), out3, w2, true, windowLut('u16', w2, true));
    expect([...new Uint8Array(out3.buffer)].filter((_, i) => i % 4 === 0)).toEqual(u.map((v) => grey(v, w2, true)));
  });

  it('drags level up/down and width left/right', () => {
    const w = dragWindow({ center: 40, width: 80 }, 10, -5, [-1024, 3071]);
    expect(w.center).toBeGreaterThan(40);
    expect(w.width).toBeGreaterThan(80);
    expect(dragWindow({ center: 40, width: 3 }, -1000, 0, [0, 100]).width).toBe(1);
  });
});

describe('maximum intensity projection', () => {
  it('takes the brightest value over ±k slices, clamped to the volume', () => {
    const g = geometry(2, 2, 5);
    // a bright voxel at (1, 0) on slice 3 only; background rises with z
    const { values } = parseMdv1(mdv1('i16', g, (x, y, z) => (x === 1 && y === 0 && z === 3 ? 900 : z)));
    const vol = { values, perSlice: 4, slices: 5 };
    const out = new Int16Array(4);
    expect([...mip(vol, 2, 1, out)]).toEqual([3, 900, 3, 3]);
    expect([...mip(vol, 0, 1, out)]).toEqual([1, 1, 1, 1]);
    expect([...mip(vol, 4, 0, out)]).toEqual([4, 4, 4, 4]);
    // slices not loaded yet are skipped
    expect([...mip({ ...vol, loaded: [1, 1, 1, 0, 0] }, 3, 1, out)]).toEqual([2, 2, 2, 2]);
    // 5 mm slab at 1.25 mm per slice: 2 slices each side
    expect(slabHalf(g, 5)).toBe(2);
    expect(slabHalf(g, 0)).toBe(0);
  });
});

describe('millimetres', () => {
  it('maps voxels to patient mm as mudou_domain::volume does', () => {
    const g = geometry(512, 512, 300);
    expect(toPatient(g, [0, 0, 0])).toEqual([-128, -128, 10]);
    expect(toPatient(g, [10, 4, 2])).toEqual([-123, -126, 12.5]);
    expect(distanceMm(g, [0, 0, 0], [3, 0, 4])).toBeCloseTo(Math.hypot(1.5, 5), 9);
    // a 20-pixel ruler on one slice is 10 mm
    expect(distanceMm(g, [100, 100, 7], [112, 116, 7])).toBeCloseTo(10, 9);
    expect(contains(g, [511.9, 0, 299])).toBe(true);
    expect(contains(g, [512, 0, 0])).toBe(false);
    expect(contains(g, [0, -0.1, 0])).toBe(false);
    expect(contains(g, [0, 0, 300])).toBe(false);
    expect(contains(g, [NaN, 0, 0])).toBe(false);
  });
});

describe('a series field', () => {
  it('names its volume by sha256, else by its media URL', () => {
    const sha = 'ab'.repeat(32);
    expect(seriesSha({ sha256: sha })).toBe(sha);
    expect(seriesSha({ volume_url: `/api/v1/volumes/${sha}` })).toBe(sha);
    expect(seriesSha({ screen_url: `/api/v1/media/${sha}/screen` })).toBe(sha);
    expect(seriesSha({ thumb_url: '/api/v1/media/nothex/thumb' })).toBeNull();
    expect(seriesSha(null)).toBeNull();
  });
});

describe('loading order', () => {
  it('fetches the first slice alone, then chunks alternating outward from it', () => {
    expect(loadingOrder(20, 10, 4)).toEqual([
      [10, 11],
      [11, 15],
      [6, 10],
      [15, 19],
      [2, 6],
      [19, 20],
      [0, 2],
    ]);
    // every slice exactly once
    const seen = new Uint8Array(300);
    for (const [a, b] of loadingOrder(300, 45, 8)) for (let s = a; s < b; s++) seen[s]++;
    expect(seen.every((n) => n === 1)).toBe(true);
  });

  it('follows the slice on screen when it moves', () => {
    const loaded = new Uint8Array(100);
    loaded.fill(1, 40, 60);
    expect(nextChunk(loaded, 50, 8)).toEqual([60, 68]);
    expect(nextChunk(loaded, 5, 8)).toEqual([5, 6]);
    loaded[5] = 1;
    expect(nextChunk(loaded, 5, 8)).toEqual([6, 14]);
    expect(nextChunk(new Uint8Array(3).fill(1), 1, 8)).toBeNull();
  });

  it('loads a volume over the routes, the shown slice first', async () => {
    const g = geometry(4, 3, 30);
    const buf = mdv1('i16', g, (x, y, z) => z * 100 + y * 10 + x);
    const s = server(buf);
    const v = await openVolume('abc', { first: 12, fetcher: s.fetcher, chunk: 5, parallel: 1 });
    expect((v.header as VolumeHeader).bytes_per_slice).toBe(24);
    const arrived: number[] = [];
    v.on((a) => arrived.push(a));
    await v.run();
    expect(s.asked[0]).toEqual([12, 13]);
    expect(s.asked[1]).toEqual([13, 18]);
    expect(s.asked[2]).toEqual([7, 12]);
    expect(v.done()).toBe(true);
    expect(arrived[0]).toBe(12);
    expect(v.slice(29)[2 * 4 + 3]).toBe(2923);
    expect(v.slice(0)[0]).toBe(0);
    expect(Array.from(v.values)).toEqual(Array.from(parseMdv1(buf).values));
  });

  it('says when a range fails and refuses a short answer', async () => {
    const g = geometry(4, 3, 4);
    const s = server(mdv1('u16', g, () => 7));
    const short = async (u: string) => (u.includes('slices') ? new Response(new ArrayBuffer(3)) : s.fetcher(u));
    const v = await openVolume('abc', { fetcher: short });
    await expect(v.run()).rejects.toThrow(/bytes/);
    expect(v.error).not.toBeNull();
    expect(v.has(2)).toBe(false);
    await expect(openVolume('nope', { fetcher: s.fetcher })).rejects.toThrow(/404/);
  });
});
