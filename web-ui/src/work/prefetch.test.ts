import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// A stand-in for the browser's Image: records when a download starts (src set) and lets the
// test finish it.
class FakeImage {
  static made: FakeImage[] = [];
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  decoding = '';
  attrs: Record<string, string> = {};
  src = '';
  constructor() {
    FakeImage.made.push(this);
  }
  setAttribute(k: string, v: string) {
    this.attrs[k] = v;
  }
  decode() {
    return Promise.resolve();
  }
}

const started = () => FakeImage.made.filter((i) => i.src).map((i) => [i.src, i.attrs.fetchpriority]);
const settle = () => new Promise((r) => setTimeout(r, 0));

describe('prefetch', () => {
  let mod: typeof import('./prefetch');
  beforeEach(async () => {
    FakeImage.made = [];
    vi.stubGlobal('Image', FakeImage);
    vi.resetModules();
    mod = await import('./prefetch');
  });
  afterEach(() => vi.unstubAllGlobals());

  it('starts the current picture at once and the next ones a few at a time', async () => {
    const ahead = mod.prefetch(['/n1', '/n2', '/n3', '/n4']);
    expect(started()).toEqual([
      ['/n1', 'low'],
      ['/n2', 'low'],
    ]);
    expect(mod.MAX_PARALLEL).toBe(2);
    // the picture in front of the person does not wait for the queue
    const now = mod.prefetch(['/now'], 'high');
    expect(started()).toContainEqual(['/now', 'high']);
    expect(started()).toHaveLength(3);
    // a queued one wanted now jumps the queue, at high priority
    void mod.prefetch(['/n4'], 'high');
    expect(started()).toContainEqual(['/n4', 'high']);
    expect(started()).toHaveLength(4);
    FakeImage.made.find((i) => i.src === '/now')!.onload!();
    expect(await now).toEqual([true]);
    expect(mod.isReady('/now')).toBe(true);
    // a slot frees when one of the first two settles: then /n3 starts
    expect(started().map((s) => s[0])).not.toContain('/n3');
    FakeImage.made.find((i) => i.src === '/n1')!.onerror!();
    await settle();
    expect(started()).toContainEqual(['/n3', 'low']);
    for (const i of FakeImage.made) if (i.src !== '/n1') i.onload!();
    expect(await ahead).toEqual([false, true, true, true]);
    expect(mod.isReady('/n1')).toBe(false);
  });

  it('lookahead lists the current and the next items with pictures', () => {
    const items = [{ screen_url: '/a' }, { screen_url: null }, { screen_url: '/c' }, { screen_url: '/d' }];
    expect(mod.lookahead(items, 0, 2)).toEqual(['/a', '/c', '/d']);
    expect(mod.lookahead(items, 1, 5)).toEqual(['/c', '/d']);
  });
});

describe('which rendition', () => {
  let mod: typeof import('./prefetch');
  beforeEach(async () => {
    vi.resetModules();
    mod = await import('./prefetch');
  });
  const sha = 'ab'.repeat(32);
  const pic = (width: number | null, height: number | null) => ({ screen_url: `/api/v1/media/${sha}/screen`, thumb_url: `/api/v1/media/${sha}/thumb`, width, height });
  const phone = `/api/v1/media/${sha}/phone`;
  const screen = `/api/v1/media/${sha}/screen`;

  it('the phone one when it fills the picture box at the pixel ratio, else the screen one', () => {
    // a 3000×2000 photo in a phone's 344×400 box: 344 CSS px wide, 688 device px at DPR 2
    expect(mod.pictureUrl(pic(3000, 2000), [344, 400], 2)).toBe(phone);
    // DPR 3 counts as 2 (MAX_DPR)
    expect(mod.pictureUrl(pic(3000, 2000), [344, 400], 3)).toBe(phone);
    // a desktop's 1000×600 box: 900 CSS px wide at DPR 1 → the screen one
    expect(mod.pictureUrl(pic(3000, 2000), [1000, 600], 1)).toBe(screen);
    // a tall photo: the box's height decides (400 × 2 = 800 fits; the whole window would not)
    expect(mod.pictureUrl(pic(2000, 3000), [344, 400], 2)).toBe(phone);
    expect(mod.pictureUrl(pic(2000, 3000), [360, 640], 2)).toBe(screen);
    // a small original: both renditions are its own size
    expect(mod.pictureUrl(pic(600, 400), [1366, 700], 1)).toBe(phone);
    // the size not known, or not a media URL: the screen one
    expect(mod.pictureUrl(pic(null, null), [344, 400], 2)).toBe(screen);
    expect(mod.pictureUrl({ screen_url: '/x.jpg', width: 3000, height: 2000 }, [344, 400], 2)).toBe('/x.jpg');
    expect(mod.pictureUrl({ screen_url: null, thumb_url: '/t.jpg', width: 3000, height: 2000 })).toBe('/t.jpg');
  });

  it('lookahead fetches what the picture box will show', () => {
    vi.stubGlobal('devicePixelRatio', 2);
    mod.setPictureBox(344, 400);
    expect(mod.lookahead([pic(3000, 2000), pic(null, null)], 0)).toEqual([phone, screen]);
    mod.setPictureBox(1000, 600);
    expect(mod.lookahead([pic(3000, 2000)], 0)).toEqual([screen]);
    vi.unstubAllGlobals();
  });
});
