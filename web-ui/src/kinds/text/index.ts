// A short text typed in (`"粤B12345"`): trimmed, at most `max_chars` (default 100).

import type { QuestionKindUI } from '../index';
import type { Question } from '../types';
import { questionTitle } from '../types';
import { TextEditor, TextReview } from './Editor';

export const DEFAULT_CHARS = 100;

export function textLimit(q: Question): number {
  return q.settings?.max_chars ?? DEFAULT_CHARS;
}

/** Characters as the server counts them (code points). */
export function charCount(s: string): number {
  return [...s.trim()].length;
}

export const text: QuestionKindUI = {
  name: 'text',
  icon: 'text',
  Editor: TextEditor,
  Review: TextReview,
  isBlank: (_q, v) => typeof v === 'string' && v.trim() === '',
  normalise: (_q, v) => (typeof v === 'string' ? v.trim() : v),
  check: (q, v) => {
    if (typeof v !== 'string') return { key: 'q_bad' };
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u0009\u000b-\u001f\u007f]/.test(v.trim())) return { key: 'q_bad' };
    if (!v.trim()) return { key: 'q_empty_text' };
    const n = charCount(v);
    return n > textLimit(q) ? { key: 'q_too_long', vars: { n, max: textLimit(q) } } : null;
  },
  readAloud: (q, lang) => questionTitle(q, lang),
  text: (_q, v) => String(v),
  chosen: () => [],
  conditions: false,
  settings: ['max_chars', 'tolerance'],
  minOptions: 0,
};
