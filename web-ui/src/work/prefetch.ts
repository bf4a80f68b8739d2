// Pictures fetched before they are needed, so the next item shows at once. Media URLs are
// content-addressed and served `immutable`, so the browser's cache keeps them; we also keep
// the decoded images alive (the memory cache) and know which are ready.

const MAX_KEPT = 60;

interface Entry {
  img: HTMLImageElement;
  ready: Promise<boolean>;
  ok: boolean | null;
}

const kept = new Map<string, Entry>();

/** Starts loading (and decoding) each URL not already loading; resolves when all settled. */
export function prefetch(urls: (string | null | undefined)[]): Promise<boolean[]> {
  const out: Promise<boolean>[] = [];
  for (const url of urls) {
    if (!url) continue;
    let e = kept.get(url);
    if (!e) {
      const img = new Image();
      img.decoding = 'async';
      const entry: Entry = { img, ready: Promise.resolve(false), ok: null };
      entry.ready = new Promise<boolean>((resolve) => {
        img.onload = () => {
          // decode off the main thread where the browser can; a failed decode still loaded
          const done = () => {
            entry.ok = true;
            resolve(true);
          };
          if (typeof img.decode === 'function') img.decode().then(done, done);
          else done();
        };
        img.onerror = () => {
          entry.ok = false;
          kept.delete(url);
          resolve(false);
        };
      });
      img.src = url;
      kept.set(url, entry);
      e = entry;
      while (kept.size > MAX_KEPT) {
        const oldest = kept.keys().next().value as string;
        kept.delete(oldest);
      }
    } else {
      // most recently wanted last
      kept.delete(url);
      kept.set(url, e);
    }
    out.push(e.ready);
  }
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
