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
