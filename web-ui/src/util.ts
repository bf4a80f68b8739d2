// Small helpers shared by the pages.

const AVATAR_COLOURS = ['#b4441f', '#1f6f8b', '#6b4fa0', '#2e7d32', '#a0522d', '#ad1457', '#00695c', '#5d4037'];

/** A stable background colour for a person's circle (white text on it stays readable). */
export function avatarColour(id: number): string {
  return AVATAR_COLOURS[Math.abs(id) % AVATAR_COLOURS.length];
}

/** The first character of a name (a whole CJK character or surrogate pair), upper-cased. */
export function initial(name: string): string {
  const first = Array.from(name.trim())[0] ?? '?';
  return first.toUpperCase();
}

/** A number as a Unix time in milliseconds (the API's unit); small numbers are taken as seconds. */
export function toMillis(v: number): number {
  return v > 1e11 ? v : v * 1000;
}

/** Formats an ISO time or Unix time (ms or s) as a short local date-time; '' when absent. */
export function shortTime(v: unknown, lang: string): string {
  if (v === null || v === undefined || v === '') return '';
  const d = typeof v === 'number' ? new Date(toMillis(v)) : new Date(String(v));
  if (Number.isNaN(d.getTime())) return String(v);
  return d.toLocaleString(lang, { month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** Yuan from integer fen, e.g. 4260 → "¥42.60". */
export function yuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(fen));
  return `${sign}¥${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** People find their name faster in pinyin order (Intl's zh collation) than in code-point order. */
export function sortByName<T extends { display_name: string }>(list: T[]): T[] {
  return [...list].sort((a, b) => a.display_name.localeCompare(b.display_name, 'zh-CN'));
}

/** A random (v4) UUID: an answer's or a decision's `client_uuid`, made once so that sending it
 * again is the same write. `crypto.randomUUID` where there is one (it needs a secure context). */
export function uuid(): string {
  const c = globalThis.crypto as Crypto | undefined;
  if (c?.randomUUID) return c.randomUUID();
  const b = new Uint8Array(16);
  if (c?.getRandomValues) c.getRandomValues(b);
  else for (let i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
