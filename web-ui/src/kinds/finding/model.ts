// The `finding` kind's answer (contract §5, mirroring crates/mudou-domain/src/kinds/finding.rs):
// `{"findings": [{at: [x, y, z], diameter?, outline?, attrs}]}` in voxels of the question's
// series; `mm` and `diameter_mm` are the server's (placed from the geometry, never trusted
// from a browser), so the browser drops them before sending. An empty list is "nothing found".

import { getLang, type Lang } from '../../i18n';
import type { Problem, Question } from '../types';

export type Pt2 = [number, number];

/** The most points of an outline (the server's MAX_OUTLINE_POINTS). */
export const MAX_OUTLINE_POINTS = 500;
/** Findings this close (3D, mm) are the same one, unless the question says otherwise; a
 * question's `match_mm` is more than 0 and at most MAX_MATCH_MM (the server's bounds). */
export const DEFAULT_MATCH_MM = 5;
export const MAX_MATCH_MM = 100;
/** The most findings of one answer, unless the question says otherwise (1 to MAX_MAX_FINDINGS). */
export const DEFAULT_MAX_FINDINGS = 20;
export const MAX_MAX_FINDINGS = 100;

export interface Finding {
  at: [number, number, number];
  mm?: [number, number, number];
  diameter?: [Pt2, Pt2];
  diameter_mm?: number;
  outline?: Pt2[];
  attrs: Record<string, string>;
}

export interface FindingAnswer {
  findings: Finding[];
}

export interface FindingOption {
  key: string;
  zh: string;
  en?: string;
  hotkey?: string | null;
}

export interface FindingAttr {
  key: string;
  zh: string;
  en?: string;
  required?: boolean;
  options: FindingOption[];
}

export interface FindingSettings {
  attributes: FindingAttr[];
  outline: boolean;
  match_mm: number;
  max_findings: number;
}

/** The question's settings with their defaults (a name given as `name_zh`/`name_en`, the
 * other kinds' spelling, is read too). */
export function findingSettings(q: Question): FindingSettings {
  const s = (q.settings ?? {}) as Record<string, unknown>;
  const name = (o: Record<string, unknown>) => ({ zh: String(o.zh ?? o.name_zh ?? o.key ?? ''), en: (o.en ?? o.name_en) as string | undefined });
  const attrs = Array.isArray(s.attributes) ? (s.attributes as Record<string, unknown>[]) : [];
  return {
    attributes: attrs.map((a) => ({
      key: String(a.key),
      ...name(a),
      required: a.required === true,
      options: (Array.isArray(a.options) ? (a.options as Record<string, unknown>[]) : []).map((o) => ({ key: String(o.key), ...name(o), hotkey: (o.hotkey as string | null | undefined) ?? null })),
    })),
    outline: s.outline === true,
    match_mm: typeof s.match_mm === 'number' ? s.match_mm : DEFAULT_MATCH_MM,
    max_findings: typeof s.max_findings === 'number' ? s.max_findings : DEFAULT_MAX_FINDINGS,
  };
}

export function nameOf(o: { zh: string; en?: string }, lang: Lang): string {
  return lang === 'en' ? o.en || o.zh : o.zh;
}

export function findingsOf(v: unknown): Finding[] {
  const f = v && typeof v === 'object' ? (v as { findings?: unknown }).findings : undefined;
  return Array.isArray(f) ? (f as Finding[]).filter((x) => x && Array.isArray(x.at)) : [];
}

const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
const pt = (p: unknown) => Array.isArray(p) && p.length === 2 && p.every(num);

/** A present answer's problem, or null: the shape of each finding, every required attribute
 * chosen from its options, an outline only when the question allows one, not too many. */
export function checkFinding(q: Question, v: unknown): Problem | null {
  const s = findingSettings(q);
  if (!v || typeof v !== 'object' || !Array.isArray((v as FindingAnswer).findings)) return { key: 'q_bad' };
  const list = (v as FindingAnswer).findings;
  if (list.length > s.max_findings) return { key: 'fd_max', vars: { n: s.max_findings } };
  for (const f of list) {
    if (!f || !Array.isArray(f.at) || f.at.length !== 3 || !f.at.every(num) || !Number.isInteger(f.at[2]) || f.at.some((c) => c < 0)) return { key: 'q_bad' };
    if (f.diameter !== undefined && (!Array.isArray(f.diameter) || f.diameter.length !== 2 || !f.diameter.every(pt))) return { key: 'q_bad' };
    if (f.outline !== undefined && (!s.outline || !Array.isArray(f.outline) || f.outline.length < 3 || f.outline.length > MAX_OUTLINE_POINTS || !f.outline.every(pt))) return { key: 'q_bad' };
    const attrs = f.attrs ?? {};
    if (typeof attrs !== 'object') return { key: 'q_bad' };
    for (const [k, a] of Object.entries(attrs)) {
      const def = s.attributes.find((d) => d.key === k);
      if (!def || !def.options.some((o) => o.key === a)) return { key: 'q_bad' };
    }
    const missing = s.attributes.find((d) => d.required && !(d.key in attrs));
    if (missing) return { key: 'fd_attr_missing', vars: { name: nameOf(missing, getLang()) } };
  }
  return null;
}

/** The answer as a browser sends it: voxels only (the server places `mm`, `diameter_mm`). */
export function normaliseFinding(_q: Question, v: unknown): unknown {
  if (!v || typeof v !== 'object') return v;
  return {
    findings: findingsOf(v).map((f) => {
      const out: Finding = { at: [f.at[0], f.at[1], Math.round(f.at[2])], attrs: { ...(f.attrs ?? {}) } };
      if (f.diameter) out.diameter = f.diameter;
      if (f.outline && f.outline.length) out.outline = f.outline;
      return out;
    }),
  };
}

/** One finding in words: its number, slice, attributes and diameter. */
export function findingWords(q: Question, f: Finding, i: number, lang: Lang): string {
  const s = findingSettings(q);
  const attrs = s.attributes
    .map((d) => {
      const o = d.options.find((x) => x.key === f.attrs?.[d.key]);
      return o ? nameOf(o, lang) : null;
    })
    .filter(Boolean)
    .join(' ');
  const mm = typeof f.diameter_mm === 'number' ? ` ⌀${f.diameter_mm.toFixed(1)}mm` : '';
  return `#${i + 1}${lang === 'en' ? ' slice ' : ' 第'}${f.at[2] + 1}${lang === 'en' ? '' : '层'}${attrs ? ' ' + attrs : ''}${mm}`;
}

/** The index of the finding on slice `z` whose marker is within `tol` voxels of `p`, or −1. */
export function hitFinding(list: Finding[], p: Pt2, z: number, tol: number): number {
  let best = -1;
  let bestD = tol;
  list.forEach((f, i) => {
    if (Math.round(f.at[2]) !== z) return;
    const d = Math.hypot(f.at[0] - p[0], f.at[1] - p[1]);
    if (d <= bestD) {
      best = i;
      bestD = d;
    }
  });
  return best;
}
