// Money: the API counts integer fen; people type yuan. Parsed from the decimal string, never
// through a float, so "0.3" is exactly 30 fen.

/** Fen from a yuan amount as typed: "0.3", "¥1.05", "1,000.50", " 2 元". Null when it is not a
 * non-negative amount with at most two decimals (e.g. "-1", "abc", "1.234", ""). */
export function parseYuan(input: string): number | null {
  let s = input.trim().replace(/^[¥￥]\s*/, '').replace(/\s*(元|RMB|CNY)$/i, '').trim();
  if (!s) return null;
  // thousands separators only between groups of three digits
  if (s.includes(',')) {
    if (!/^\d{1,3}(,\d{3})+(\.\d*)?$/.test(s)) return null;
    s = s.replace(/,/g, '');
  }
  const m = /^(\d*)(?:\.(\d{0,2}))?$/.exec(s);
  if (!m || (m[1] === '' && (m[2] ?? '') === '')) return null;
  const whole = m[1] === '' ? 0 : Number(m[1]);
  const frac = Number((m[2] ?? '').padEnd(2, '0') || '0');
  const fen = whole * 100 + frac;
  return Number.isSafeInteger(fen) ? fen : null;
}

/** Yuan as a plain decimal string for an input ("0.30"), from fen. */
export function fenToYuanInput(fen: number): string {
  const abs = Math.abs(Math.trunc(fen));
  return `${fen < 0 ? '-' : ''}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
