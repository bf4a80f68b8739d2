// The work screen's state for one leased unit, as a pure reducer: which item shows, what was
// answered (from the server, from the outbox, or just now), going back to change an answer
// while the unit is open, the training feedback step, and the end of the unit.

import type { Answer, Assignment, Feedback, LabelBody, SkipReason, Suggestion, WorkItem } from './types';

export interface Given {
  answer: Answer | null;
  skip: SkipReason | null;
}

export type Phase = 'answering' | 'feedback' | 'finished';

export interface UnitState {
  assignment: Assignment;
  index: number;
  /** What each answered or skipped item got, by item id. */
  given: Record<number, Given>;
  /** Multi-label: the labels ticked on each item so far (not yet confirmed). */
  ticks: Record<number, string[]>;
  /** Items answered on this page (each once, whatever changes follow): they move the earnings. */
  fresh: number[];
  phase: Phase;
  /** Training: the answer just given and, once the server replies (`arrived`), whether it
   * was right (`result`; null when the server gave no verdict). */
  feedback: { item_id: number; given: Given; result: Feedback | null; arrived: boolean } | null;
  /** When the current item was shown (ms), for the time spent on it. */
  shownAt: number;
  /** Items whose model suggestion the annotator cleared, to start from nothing. */
  cleared: Record<number, true>;
}

export type UnitAction =
  | { type: 'answer'; answer: Answer; now: number }
  | { type: 'skip'; reason: SkipReason; now: number }
  | { type: 'toggle'; key: string }
  | { type: 'clear' }
  | { type: 'back'; now: number }
  | { type: 'forward'; now: number }
  | { type: 'goto'; index: number; now: number }
  | { type: 'feedback'; item_id: number; result: Feedback | null }
  | { type: 'next'; now: number };

/** The state of a unit as the server and the outbox know it; it opens on the first item not
 * yet answered. */
export function initUnit(assignment: Assignment, queued: Map<number, LabelBody>, now: number): UnitState {
  const given: Record<number, Given> = {};
  const fresh: number[] = [];
  for (const it of assignment.items) {
    const q = queued.get(it.item_id);
    if (q) {
      given[it.item_id] = { answer: q.answer ?? null, skip: q.skip ?? null };
      if (q.answer && !it.answer) fresh.push(it.item_id);
    } else if (it.answer || it.skip_reason) {
      given[it.item_id] = { answer: it.answer, skip: it.skip_reason };
    }
  }
  const s: UnitState = {
    assignment,
    index: 0,
    given,
    ticks: {},
    fresh,
    phase: 'answering',
    feedback: null,
    shownAt: now,
    cleared: {},
  };
  const first = nextOpen(s, -1);
  return first === null ? { ...s, phase: 'finished', index: Math.max(0, assignment.items.length - 1) } : { ...s, index: first };
}

/** The first item after `from` (wrapping round) with nothing given; null when all are. */
export function nextOpen(s: UnitState, from: number): number | null {
  const n = s.assignment.items.length;
  for (let k = 1; k <= n; k++) {
    const i = (from + k + n) % n;
    if (!s.given[s.assignment.items[i].item_id]) return i;
  }
  return null;
}

export function current(s: UnitState) {
  return s.assignment.items[s.index];
}

export function answeredCount(s: UnitState): number {
  return s.assignment.items.filter((it) => s.given[it.item_id]).length;
}

/** This page's share of today's earnings: answers (not skips) given here × the piece rate. */
export function freshFen(s: UnitState): number {
  return s.fresh.filter((id) => s.given[id]?.answer).length * s.assignment.order.piece_rate_fen;
}

function advance(s: UnitState, now: number): UnitState {
  const next = nextOpen(s, s.index);
  if (next === null) return { ...s, phase: 'finished', feedback: null, shownAt: now };
  return { ...s, index: next, phase: 'answering', feedback: null, shownAt: now };
}

function record(s: UnitState, g: Given, now: number): UnitState {
  const it = current(s);
  const had = s.given[it.item_id];
  const fresh = g.answer && !had && !s.fresh.includes(it.item_id) ? [...s.fresh, it.item_id] : s.fresh;
  const ticks = { ...s.ticks };
  delete ticks[it.item_id];
  const next = { ...s, given: { ...s.given, [it.item_id]: g }, fresh, ticks };
  if (s.assignment.training) return { ...next, phase: 'feedback', feedback: { item_id: it.item_id, given: g, result: null, arrived: false } };
  return advance(next, now);
}

export function unitReducer(s: UnitState, a: UnitAction): UnitState {
  if (s.phase === 'finished') return s;
  switch (a.type) {
    case 'answer':
      if (s.phase !== 'answering') return s;
      return record(s, { answer: a.answer, skip: null }, a.now);
    case 'skip':
      if (s.phase !== 'answering') return s;
      return record(s, { answer: null, skip: a.reason }, a.now);
    case 'toggle': {
      if (s.phase !== 'answering') return s;
      const id = current(s).item_id;
      const before = ticksOf(s);
      const after = before.includes(a.key) ? before.filter((k) => k !== a.key) : [...before, a.key];
      return { ...s, ticks: { ...s.ticks, [id]: after } };
    }
    case 'clear': {
      // the suggestion's answer goes: the item starts from nothing
      if (s.phase !== 'answering') return s;
      const id = current(s).item_id;
      return { ...s, cleared: { ...s.cleared, [id]: true }, ticks: { ...s.ticks, [id]: [] } };
    }
    case 'back':
      if (s.phase !== 'answering' || s.index === 0) return s;
      return { ...s, index: s.index - 1, shownAt: a.now };
    case 'forward': {
      // only onto items already answered, or the first open one
      if (s.phase !== 'answering' || s.index >= s.assignment.items.length - 1) return s;
      if (!s.given[current(s).item_id]) return s;
      return { ...s, index: s.index + 1, shownAt: a.now };
    }
    case 'goto':
      if (s.phase !== 'answering' || a.index < 0 || a.index >= s.assignment.items.length) return s;
      return { ...s, index: a.index, shownAt: a.now };
    case 'feedback':
      if (s.phase !== 'feedback' || s.feedback?.item_id !== a.item_id) return s;
      return { ...s, feedback: { ...s.feedback, result: a.result, arrived: true } };
    case 'next':
      if (s.phase !== 'feedback') return s;
      return advance(s, a.now);
  }
}

/** The labels ticked on the current item (multi-label), starting from its answer, else from
 * the model's suggestion. */
export function ticksOf(s: UnitState): string[] {
  const it = current(s);
  const id = it.item_id;
  if (s.ticks[id]) return s.ticks[id];
  if (s.given[id]) return ticksFrom(s.given[id]);
  const sug = suggestionOf(s, it);
  return sug && 'labels' in sug.answer && Array.isArray(sug.answer.labels) ? [...sug.answer.labels] : [];
}

function ticksFrom(g: Given | undefined): string[] {
  return g?.answer && 'labels' in g.answer ? [...g.answer.labels] : [];
}

/** The item's model suggestion, unless the annotator cleared it. */
export function suggestionOf(s: UnitState, it: WorkItem): Suggestion | null {
  return it.suggestion && !s.cleared[it.item_id] ? it.suggestion : null;
}

/** Whether two answers (or answers of one question) are the same: numbers as numbers, a list
 * of labels in any order, objects key by key. The server's own comparison decides what was
 * done with a suggestion; this only says whether to keep showing the model's mark. */
export function sameAnswer(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    if (a.every((x) => typeof x === 'string') && b.every((x) => typeof x === 'string')) {
      const x = [...a].sort();
      const y = [...b].sort();
      return x.every((v, i) => v === y[i]);
    }
    return a.every((x, i) => sameAnswer(x, b[i]));
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const x = a as Record<string, unknown>;
    const y = b as Record<string, unknown>;
    const kx = Object.keys(x).filter((k) => x[k] !== undefined);
    const ky = Object.keys(y).filter((k) => y[k] !== undefined);
    return kx.length === ky.length && kx.every((k) => sameAnswer(x[k], y[k]));
  }
  return false;
}

/** Labels ticked (multi-label) in the suggestion's order when they are the suggestion's, so
 * that accepting it sends it back as it came. */
export function inSuggestionOrder(ticks: string[], sug: Suggestion | null): string[] {
  const labels = sug && 'labels' in sug.answer ? sug.answer.labels : null;
  return labels && sameAnswer(ticks, labels) ? [...labels] : ticks;
}
