// Writing: an answer written to the prompt, or a given answer rewritten (`settings.rewrite`
// names the field holding the original). The answer is the text, trimmed, `min_chars` to
// `max_chars` characters (default 1 to 4000). Mirrors crates/mudou-domain/src/kinds/writing.rs.

import type { QuestionKindUI } from '../index';
import type { Problem, Question } from '../types';
import { questionTitle } from '../types';
import { WritingEditor, WritingReview } from './Editor';

export const DEFAULT_MAX = 4000;

export function limits(q: Question): { min: number; max: number } {
  return { min: q.settings?.min_chars ?? 1, max: q.settings?.max_chars ?? DEFAULT_MAX };
}

/** A text as the server stores it: line ends `\n`, trimmed. */
export function tidy(s: string): string {
  return s.replace(/\r\n?/g, '\n').trim();
}

/** Characters as the server counts them (code points, after trimming). */
export function count(s: string): number {
  return [...tidy(s)].length;
}

export const writing: QuestionKindUI = {
  name: 'writing',
  icon: 'pen',
  Editor: WritingEditor,
  Review: WritingReview,
  isBlank: (_q, v) => typeof v === 'string' && tidy(v) === '',
  normalise: (_q, v) => (typeof v === 'string' ? tidy(v) : v),
  check: (q, v): Problem | null => {
    if (typeof v !== 'string') return { key: 'q_bad' };
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(tidy(v))) return { key: 'q_bad' };
    const n = count(v);
    const { min, max } = limits(q);
    if (n === 0) return { key: 'q_empty_text' };
    if (n < min) return { key: 'q_too_short', vars: { n, min } };
    if (n > max) return { key: 'q_too_long', vars: { n, max } };
    return null;
  },
  readAloud: (q, lang) => questionTitle(q, lang),
  text: (_q, v) => (typeof v === 'string' ? v : ''),
  chosen: () => [],
  conditions: false,
  settings: ['min_chars', 'max_chars'],
  minOptions: 0,
};
