// A pairwise question's pair, the left-to-right order one annotator sees it in (shuffled per
// annotator and item, the same every time), and its answer's checks (mirroring
// crates/mudou-domain/src/kinds/pairwise.rs). The answer names FIELDS, never sides.

import type { Question } from '../types';

export const OUTCOMES = ['a', 'b', 'tie', 'both_bad'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface Preference {
  winner: string;
  strength?: 1 | 2;
  reasons?: Record<string, string>;
  shown: string[];
}

/** The two fields compared. */
export function pairOf(q: Question): [string, string] {
  const p = (q.settings as { pair?: string[] } | undefined)?.pair;
  return p && p.length === 2 ? [p[0], p[1]] : ['response_1', 'response_2'];
}

/** FNV-1a of a string: a small, stable hash. */
export function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The order the pair is shown in for `seed` (the annotator and the item): left, right. */
export function shownOrder(q: Question, seed: string): [string, string] {
  const [a, b] = pairOf(q);
  return hash(`${seed}:${q.key}`) % 2 === 0 ? [a, b] : [b, a];
}

/** The field an outcome names, given what was shown (A is the left one). */
export function winnerOf(outcome: Outcome, shown: string[]): string {
  return outcome === 'a' ? shown[0] : outcome === 'b' ? shown[1] : outcome;
}

/** The side a stored winner was on for this annotator. */
export function outcomeOf(v: Preference | undefined): Outcome | null {
  if (!v) return null;
  if (v.winner === 'tie' || v.winner === 'both_bad') return v.winner;
  const i = v.shown.indexOf(v.winner);
  return i === 0 ? 'a' : i === 1 ? 'b' : null;
}

export function asPreference(v: unknown): Preference | undefined {
  return v && typeof v === 'object' && typeof (v as Preference).winner === 'string' && Array.isArray((v as Preference).shown) ? (v as Preference) : undefined;
}

export function strengthAsked(q: Question): boolean {
  return (q.settings as { strength?: boolean } | undefined)?.strength === true;
}

/** Whether an answer passes the server's checks. */
export function valid(q: Question, v: unknown): boolean {
  const p = asPreference(v);
  if (!p) return false;
  const pair = pairOf(q);
  const [l, r] = p.shown;
  if (p.shown.length !== 2 || !((l === pair[0] && r === pair[1]) || (l === pair[1] && r === pair[0]))) return false;
  if (![...pair, 'tie', 'both_bad'].includes(p.winner)) return false;
  if (p.strength !== undefined && (!strengthAsked(q) || !pair.includes(p.winner) || ![1, 2].includes(p.strength))) return false;
  const axes = (q.options ?? []).map((o) => o.key);
  for (const [k, x] of Object.entries(p.reasons ?? {})) if (!axes.includes(k) || ![...pair, 'tie'].includes(x)) return false;
  return true;
}
