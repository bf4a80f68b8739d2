// A rubric: several axes (the options), each rated on steps 1..settings.max (default 5), with
// the rubric's words per step and an example per axis: `{helpful: 4, correct: 5}`. Mirrors
// crates/mudou-domain/src/kinds/rubric.rs.

import type { QuestionKindUI } from '../index';
import type { Lang } from '../../i18n';
import type { Question } from '../types';
import { required } from '../types';
import { titleAndOptions } from '../shared';
import { RubricEditor, RubricReview } from './Editor';

export function maxOf(q: Question): number {
  return q.settings?.max ?? 5;
}

/** The words of step `s`, if the rubric gives them. */
export function stepWord(q: Question, s: number, lang: Lang): string {
  const d = (q.settings?.steps ?? []).find((x) => x.value === s);
  if (!d) return '';
  return lang === 'en' ? d.name_en || d.name_zh : d.name_zh;
}

const steps = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

export function rubricText(q: Question, v: unknown): string {
  const a = steps(v);
  return (q.options ?? [])
    .filter((o) => typeof a[o.key] === 'number')
    .map((o) => `${o.key}=${a[o.key]}`)
    .join('; ');
}

/** Keys 1–9 (0 for 10) rate the first axis not yet rated: the new answer, or undefined. The
 * template form gives keys to the current question only (never while typing). */
export function rubricKey(q: Question, v: unknown, key: string): unknown {
  const n = key === '0' ? 10 : /^[1-9]$/.test(key) ? Number(key) : 0;
  const a = steps(v);
  const axis = (q.options ?? []).find((o) => typeof a[o.key] !== 'number')?.key;
  if (!n || n > maxOf(q) || !axis) return undefined;
  return { ...a, [axis]: n };
}

export const rubric: QuestionKindUI = {
  name: 'rubric',
  icon: 'chart',
  Editor: RubricEditor,
  Review: RubricReview,
  key: (q, v, key) => rubricKey(q, v, key),
  check: (q, v) => {
    const a = steps(v);
    const max = maxOf(q);
    for (const o of q.options ?? []) {
      const s = a[o.key];
      if (s === undefined || s === null) {
        if (required(q)) return { key: 'q_rubric_all' };
        continue;
      }
      if (typeof s !== 'number' || !Number.isInteger(s) || s < 1 || s > max) return { key: 'q_range', vars: { min: 1, max } };
    }
    return Object.keys(a).length ? null : { key: 'q_rubric_all' };
  },
  readAloud: titleAndOptions,
  text: (q, v) => rubricText(q, v),
  chosen: () => [],
  conditions: false,
  settings: ['max', 'tolerance', 'steps'],
  minOptions: 1,
};
