// A rating: step 1..N of ordered words, each with its icon (`4` of five). A condition names a
// step by its option key.

import type { QuestionKindUI } from '../index';
import { optionName } from '../types';
import { titleAndOptions } from '../shared';
import { RatingEditor, RatingReview } from './Editor';

const stepOf = (q: { options?: unknown[] }, v: unknown): number | null =>
  typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= (q.options?.length ?? 0) ? v : null;

export const rating: QuestionKindUI = {
  name: 'rating',
  icon: 'star',
  Editor: RatingEditor,
  Review: RatingReview,
  check: (q, v) => (stepOf(q, v) === null ? { key: 'q_range', vars: { min: 1, max: q.options?.length ?? 0 } } : null),
  readAloud: titleAndOptions,
  text: (q, v, lang) => {
    const s = stepOf(q, v);
    if (s === null) return String(v);
    const o = q.options![s - 1];
    return `${s}/${q.options!.length} ${optionName(o, lang)}`;
  },
  chosen: (q, v) => {
    const s = stepOf(q, v);
    return s === null ? [] : [q.options![s - 1].key];
  },
  conditions: true,
  pick: (q, _v, option) => {
    const i = (q.options ?? []).findIndex((o) => o.key === option);
    return i < 0 ? undefined : i + 1;
  },
  oneTap: true,
  settings: ['tolerance'],
  minOptions: 2,
};
