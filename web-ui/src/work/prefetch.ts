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

/** The URLs to fetch ahead from `index`: the next `ahead` items' screen pictures, then their
 * thumbnails are not needed (the screen picture is what shows). */
export function lookahead<T extends { screen_url: string | null }>(items: T[], index: number, ahead = 5): string[] {
  const out: string[] = [];
  for (let i = index; i < items.length && out.length < ahead + 1; i++) {
    const u = items[i].screen_url;
    if (u) out.push(u);
  }
  return out;
}
