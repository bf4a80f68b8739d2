// A ranking of an item's responses, best first, by field: `{order: [["response_3"],
// ["response_1", "response_2"]]}`; a group of two or more is a tie (only with `settings.ties`).
// Mirrors crates/mudou-domain/src/kinds/ranking.rs.

import type { QuestionKindUI } from '../index';
import type { Question } from '../types';
import { questionTitle } from '../types';
import { RankingEditor, RankingReview } from './Editor';

export interface RankAnswer {
  order: string[][];
}

/** The fields ranked. */
export function ranked(q: Question): string[] {
  return q.settings?.rank ?? [];
}

/** The groups of an answer (empty when it is not one). */
export function groupsOf(v: unknown): string[][] {
  const o = (v as RankAnswer | null)?.order;
  return Array.isArray(o) ? o.filter((g) => Array.isArray(g) && g.length > 0) : [];
}

/** Whether `v` ranks every field exactly once (ties only where allowed). */
export function isFull(q: Question, v: unknown): boolean {
  const fields = ranked(q);
  const seen = groupsOf(v).flat();
  if (seen.length !== fields.length || new Set(seen).size !== seen.length) return false;
  if (!seen.every((f) => fields.includes(f))) return false;
  return q.settings?.ties === true || groupsOf(v).every((g) => g.length === 1);
}

/** An answer in words: `response_3 > response_1 = response_2`. */
export function rankText(v: unknown): string {
  return groupsOf(v)
    .map((g) => g.join(' = '))
    .join(' > ');
}

/** Picks `field` next (a new place, or the last place's tie), or takes it back when it is
 * already ranked. The answer is undefined once nothing is ranked. */
export function tap(v: unknown, field: string, same = false): RankAnswer | undefined {
  const groups = groupsOf(v).map((g) => [...g]);
  if (groups.some((g) => g.includes(field))) {
    const left = groups.map((g) => g.filter((f) => f !== field)).filter((g) => g.length);
    return left.length ? { order: left } : undefined;
  }
  if (same && groups.length) groups[groups.length - 1].push(field);
  else groups.push([field]);
  return { order: groups };
}

/** Moves `field` to the place of `target` (before it, in a place of its own); the fields not
 * yet ranked follow in their order, so the result is a whole ranking. */
export function moveTo(q: Question, v: unknown, field: string, target: string): RankAnswer {
  const groups = groupsOf(v).map((g) => [...g]);
  const taken = groups.flat();
  for (const f of ranked(q)) if (!taken.includes(f)) groups.push([f]);
  const without = groups.map((g) => g.filter((f) => f !== field)).filter((g) => g.length);
  const at = without.findIndex((g) => g.includes(target));
  without.splice(at < 0 ? without.length : at, 0, [field]);
  return { order: without };
}

/** Keys 1–N place response N next (a second time takes it back); U (or Ctrl+Z, given as
 * `undo`) takes back the last place. The new answer, or undefined. The template form gives keys to the current question
 * only (never while typing). */
export function rankingKey(q: Question, v: unknown, key: string): unknown {
  const names = ranked(q);
  const n = /^[1-9]$/.test(key) ? Number(key) : 0;
  if (n && n <= names.length) return tap(v, names[n - 1]) ?? null;
  if (key === 'u' || key === 'undo') {
    const groups = groupsOf(v);
    const last = groups[groups.length - 1];
    return last ? (tap(v, last[last.length - 1]) ?? null) : undefined;
  }
  return undefined;
}

export const ranking: QuestionKindUI = {
  name: 'ranking',
  icon: 'list',
  Editor: RankingEditor,
  Review: RankingReview,
  key: (q, v, key) => rankingKey(q, v, key),
  check: (q, v) => (isFull(q, v) ? null : { key: 'q_rank_all', vars: { n: ranked(q).length } }),
  readAloud: (q, lang) => questionTitle(q, lang),
  text: (_q, v) => rankText(v),
  chosen: () => [],
  conditions: false,
  settings: ['ties'],
  minOptions: 0,
};
