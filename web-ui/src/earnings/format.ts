// Pure helpers of the earnings and dashboard pages (tested in format.test.ts).

import type { Lang } from '../i18n';
import type { EarnKey } from './words';

/** Money as speech reads it best: "42元6角" (zh), "42 yuan 60" (en). */
export function spokenYuan(fen: number, lang: Lang): string {
  const sign = fen < 0 ? (lang === 'en' ? 'minus ' : '负') : '';
  const abs = Math.abs(Math.trunc(fen));
  const y = Math.floor(abs / 100);
  const jiao = Math.floor((abs % 100) / 10);
  const f = abs % 10;
  if (lang === 'en') return `${sign}${y} yuan${abs % 100 ? ' ' + String(abs % 100).padStart(2, '0') : ''}`;
  let s = `${y}元`;
  if (jiao) s += `${jiao}角`;
  if (f) s += `${jiao ? '' : '零'}${f}分`;
  return sign + s;
}

/** The words for why a label is not paid. */
export function reasonKey(reason: string | null | undefined): EarnKey {
  if (!reason) return 'pay_reason_differs';
  if (reason.startsWith('paused')) return 'pay_reason_paused';
  switch (reason) {
    case 'rejected':
      return 'pay_reason_rejected';
    case 'answer_changed':
      return 'pay_reason_answer_changed';
    case 'skipped':
      return 'pay_reason_skipped';
    default:
      return 'pay_reason_differs';
  }
}

/** The rule behind a `paused:<rule>` reason, as words' key (null for other reasons). */
export function pauseRuleKey(reason: string | null | undefined): EarnKey | null {
  const m = /^paused:(too_fast|gold_accuracy|spam|lead)$/.exec(reason ?? '');
  return m ? (`pay_rule_${m[1]}` as EarnKey) : null;
}

export interface BoxShape {
  label: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Every box in an answer: `{boxes: [...]}`, or a template's box questions' lists. */
export function boxesIn(answer: unknown): BoxShape[] {
  const isBox = (b: unknown): b is BoxShape =>
    !!b && typeof b === 'object' && ['x', 'y', 'w', 'h'].every((k) => typeof (b as Record<string, unknown>)[k] === 'number');
  if (!answer || typeof answer !== 'object') return [];
  const out: BoxShape[] = [];
  for (const v of Object.values(answer as Record<string, unknown>))
    if (Array.isArray(v)) for (const b of v) if (isBox(b)) out.push({ ...b, label: String(b.label ?? '') });
  return out;
}

/** Groups of rows by a key, the biggest group first (ties in first-seen order). */
export function groupBy<T>(rows: T[], key: (r: T) => string): { key: string; rows: T[] }[] {
  const m = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    m.set(k, [...(m.get(k) ?? []), r]);
  }
  return [...m].map(([k, rs]) => ({ key: k, rows: rs })).sort((a, b) => b.rows.length - a.rows.length);
}

export interface LabelName {
  name_zh: string;
  name_en: string;
  colour: string;
}

export interface AnswerPart {
  name: string;
  colour: string | null;
}

/** An answer as label names with their colours: `{label}`, `{labels}` or `{boxes}` (each
 * box's label, counted). Empty for no answer. */
export function answerParts(
  answer: unknown,
  names: Record<string, LabelName>,
  lang: Lang,
): { parts: AnswerPart[]; boxes: number | null } {
  const a = (answer ?? null) as { label?: unknown; labels?: unknown; boxes?: unknown } | null;
  const one = (k: unknown): AnswerPart => {
    const key = String(k);
    const n = names[key];
    return { name: n ? (lang === 'en' ? n.name_en : n.name_zh) : key, colour: n?.colour ?? null };
  };
  if (!a || typeof a !== 'object') return { parts: [], boxes: null };
  if (typeof a.label === 'string') return { parts: [one(a.label)], boxes: null };
  if (Array.isArray(a.labels)) return { parts: a.labels.map(one), boxes: null };
  if (Array.isArray(a.boxes)) {
    const count = new Map<string, number>();
    for (const b of a.boxes as { label?: unknown }[]) count.set(String(b?.label), (count.get(String(b?.label)) ?? 0) + 1);
    const parts = [...count.entries()].map(([k, n]) => {
      const p = one(k);
      return { ...p, name: n > 1 ? `${p.name}×${n}` : p.name };
    });
    return { parts, boxes: a.boxes.length };
  }
  // a template's answer: each question's answer, shortly (its option keys as names when known)
  const parts: AnswerPart[] = [];
  for (const [q, v] of Object.entries(a as Record<string, unknown>)) {
    if (typeof v === 'string') parts.push({ ...one(v), name: `${q}: ${one(v).name}` });
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) parts.push({ name: `${q}: ${v.map((x) => one(x).name).join('、') || '∅'}`, colour: null });
    else if (Array.isArray(v)) parts.push({ name: `${q}: ×${v.length}`, colour: null });
    else parts.push({ name: `${q}: ${String(v)}`, colour: null });
  }
  return { parts, boxes: null };
}

/** A bonus entry's figures, from its reason (JSON written by the pay run). */
export function bonusFigures(reason: string | null | undefined): { c: number; s: number; pct: number } | null {
  if (!reason) return null;
  try {
    const r = JSON.parse(reason) as Record<string, unknown>;
    const c = Number(r.gold_correct);
    const s = Number(r.gold_seen);
    const pct = Number(r.bonus_pct);
    return [c, s, pct].every(Number.isFinite) ? { c, s, pct } : null;
  } catch {
    return null;
  }
}

/** A round upper bound for a chart's axis: 1, 2, 5 × 10ⁿ. */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

/** The `n` first and last of `rows` by `value` (rows without a value are left out), without
 * overlap when there are few. */
export function topBottom<T>(rows: T[], value: (r: T) => number | null | undefined, n: number): { top: T[]; bottom: T[] } {
  const scored = rows
    .map((r) => ({ r, v: value(r) }))
    .filter((x): x is { r: T; v: number } => typeof x.v === 'number' && Number.isFinite(x.v))
    .sort((a, b) => b.v - a.v);
  const top = scored.slice(0, n).map((x) => x.r);
  const rest = scored.slice(top.length);
  const bottom = rest.slice(-n).reverse().map((x) => x.r);
  return { top, bottom };
}

/** A share as a whole percent, or a dash. */
export function percent(v: number | null | undefined): string {
  return typeof v === 'number' && Number.isFinite(v) ? `${Math.round(v * 100)}%` : '—';
}

/** `YYYY-MM` of a time in the browser's zone (the centre's, in practice). */
export function monthOf(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`;
}

/** Yuan as typed (e.g. "-12.5", "3") to integer fen; null when it is not money. */
export function fenFromYuan(s: string): number | null {
  const m = /^\s*(-)?\s*(\d{1,7})(?:\.(\d{1,2}))?\s*$/.exec(s.replace(/[¥,，]/g, ''));
  if (!m) return null;
  const fen = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0'));
  return m[1] ? -fen : fen;
}
