// Pictures fetched before they are needed, so the next item shows at once. Media URLs are
// content-addressed and served `immutable`, so the browser's cache keeps them; we also keep
// the decoded images alive (the memory cache) and know which are ready.

const MAX_KEPT = 60;
/** Pictures fetched ahead at once: on a slow link more would only share the bandwidth, and
 * the picture in front of the person (`priority: 'high'`, never queued) would finish last. */
export const MAX_PARALLEL = 2;

export type Priority = 'high' | 'low';

interface Entry {
  img: HTMLImageElement;
  ready: Promise<boolean>;
  ok: boolean | null;
  /** Starts the download (once); null once started. */
  start: ((p: Priority) => void) | null;
  /** Holds (or waits for) one of the MAX_PARALLEL slots. */
  queued: boolean;
}

const kept = new Map<string, Entry>();
let running = 0;
const queue: Entry[] = [];

function pump(): void {
  while (running < MAX_PARALLEL && queue.length) {
    const e = queue.shift()!;
    if (e.start) {
      running++;
      e.start('low');
    }
  }
}

/** Starts loading (and decoding) each URL not already loading; resolves when all settled.
 * `high` starts at once (the current picture); `low` waits its turn, MAX_PARALLEL at a time. */
export function prefetch(urls: (string | null | undefined)[], priority: Priority = 'low'): Promise<boolean[]> {
  const out: Promise<boolean>[] = [];
  for (const url of urls) {
    if (!url) continue;
    let e = kept.get(url);
    if (!e) {
      const img = new Image();
      img.decoding = 'async';
      const entry: Entry = { img, ready: Promise.resolve(false), ok: null, start: null, queued: false };
      entry.ready = new Promise<boolean>((resolve) => {
        const settle = (ok: boolean) => {
          entry.ok = ok;
          if (!ok) kept.delete(url);
          if (entry.queued) {
            entry.queued = false;
            running--;
            pump();
          }
          resolve(ok);
        };
        img.onload = () => {
          // decode off the main thread where the browser can; a failed decode still loaded
          const done = () => settle(true);
          if (typeof img.decode === 'function') img.decode().then(done, done);
          else done();
        };
        img.onerror = () => settle(false);
      });
      entry.start = (p) => {
        entry.start = null;
        img.setAttribute('fetchpriority', p);
        img.src = url;
      };
      kept.set(url, entry);
      e = entry;
      if (priority === 'high') entry.start('high');
      else {
        entry.queued = true;
        queue.push(entry);
      }
      while (kept.size > MAX_KEPT) {
        const oldest = kept.keys().next().value as string;
        kept.delete(oldest);
      }
    } else {
      // most recently wanted last
      kept.delete(url);
      kept.set(url, e);
      // wanted now: out of the queue, started at once
      if (priority === 'high' && e.start) {
        const i = queue.indexOf(e);
        if (i >= 0) queue.splice(i, 1);
        e.queued = false;
        e.start('high');
      }
    }
    out.push(e.ready);
  }
  pump();
  return Promise.all(out);
}

/** Whether a URL is loaded and decoded. */
export function isReady(url: string): boolean {
  return kept.get(url)?.ok === true;
}

// ---- which rendition: the phone one (longest side 800 px) when it fills the picture box at
// the screen's pixel ratio, the screen one (1600 px) otherwise. Boxes and answers never depend
// on it: the picture is laid out at the original's width × height, whichever file fills it.

/** Longest side of the phone rendition (the server's mudou-media PHONE_MAX_SIDE). */
export const PHONE_SIDE = 800;
/** The pixel ratio counted at most: on a phone's screen, detail beyond 2 device pixels per
 * CSS pixel is hardly seen, while the bytes grow with its square (a DPR 3 phone would need a
 * picture 2.25 times the pixels). Zooming in (the box editor) asks for the larger one. */
export const MAX_DPR = 2;

export interface Picture {
  screen_url: string | null;
  thumb_url?: string | null;
  /** The original's size (null: not known). */
  width?: number | null;
  height?: number | null;
}

/** The work screen's picture box (CSS px) as last laid out; the window's until measured. */
let pictureBox: [number, number] | null = null;

/** Records the picture box's size (the work screen measures it); later choices use it. */
export function setPictureBox(w: number, h: number): void {
  if (w > 0 && h > 0) pictureBox = [w, h];
}

function box(): [number, number] {
  if (pictureBox) return pictureBox;
  if (typeof window === 'undefined') return [Infinity, Infinity];
  return [window.innerWidth, window.innerHeight];
}

function ratio(): number {
  return typeof window === 'undefined' ? 1 : window.devicePixelRatio || 1;
}

/** The phone rendition's URL beside a screen rendition's (`…/media/<sha>/screen`). */
export function phoneUrl(screenUrl: string): string | null {
  return /\/media\/[0-9a-f]{64}\/screen$/.test(screenUrl) ? screenUrl.slice(0, -'screen'.length) + 'phone' : null;
}

/** Whether the phone rendition shows a W×H original at `longest` CSS px on its longest side
 * without being stretched (at the pixel ratio `dpr`, counted between 1 and MAX_DPR). */
export function phoneSuffices(W: number, H: number, longest: number, dpr = ratio()): boolean {
  const side = Math.max(W, H);
  // a small original: both renditions are the original's own size
  if (side <= PHONE_SIDE) return true;
  return Math.ceil(longest * Math.min(MAX_DPR, Math.max(1, dpr))) <= PHONE_SIDE;
}

/** The URL the work screen shows for a picture in a `boxW`×`boxH` CSS px box (the picture
 * contained in it, never larger than the screen rendition): the phone rendition when it
 * suffices, else the screen one. Without the original's size, the screen one. */
export function pictureUrl(p: Picture, b: [number, number] = box(), dpr = ratio()): string | null {
  const screen = p.screen_url;
  if (!screen) return p.thumb_url ?? null;
  const phone = phoneUrl(screen);
  const W = p.width ?? 0;
  const H = p.height ?? 0;
  if (!phone || W <= 0 || H <= 0) return screen;
  const side = Math.max(W, H);
  const shown = Math.min(side * Math.min(b[0] / W, b[1] / H), Math.min(side, 1600));
  return phoneSuffices(W, H, shown, dpr) ? phone : screen;
}

/** The URLs to fetch ahead from `index`: the next `ahead` items' pictures, as the work screen
 * will show them ({@link pictureUrl}); their thumbnails are not needed. */
export function lookahead<T extends Picture>(items: T[], index: number, ahead = 5): string[] {
  const out: string[] = [];
  for (let i = index; i < items.length && out.length < ahead + 1; i++) {
    const u = items[i].screen_url ? pictureUrl(items[i]) : null;
    if (u) out.push(u);
  }
  return out;
}
