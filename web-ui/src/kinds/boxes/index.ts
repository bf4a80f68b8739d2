// Boxes drawn on a picture field, each of a class (the options) with a small form of
// attributes (yes/no, or one of a few). The editor is the workbench's BoxEditor, loaded when
// an order first needs it.

import type { QuestionKindUI } from '../index';
import type { AttributeDef, Question } from '../types';
import { optionName } from '../types';
import { titleAndOptions } from '../shared';
import { lazyEditor } from '../lazy';
import { t } from '../../i18n';
import { BoxesReview } from './Review';

export interface AnswerBox {
  label: string;
  x: number;
  y: number;
  w: number;
  h: number;
  attributes?: Record<string, string | boolean>;
}

export function attributeOk(a: AttributeDef, v: unknown): boolean {
  return a.options && a.options.length ? typeof v === 'string' && a.options.some((o) => o.key === v) : typeof v === 'boolean';
}

/** A box's problem, or null: a class of the question, a size, known attributes. */
export function boxProblem(q: Question, b: unknown, size?: { w: number; h: number } | null): boolean {
  if (!b || typeof b !== 'object') return true;
  const x = b as AnswerBox;
  if (!(q.options ?? []).some((o) => o.key === x.label)) return true;
  if (![x.x, x.y, x.w, x.h].every((n) => typeof n === 'number' && Number.isFinite(n))) return true;
  if (x.w <= 0 || x.h <= 0 || x.x < 0 || x.y < 0) return true;
  if (size && (x.x + x.w > size.w + 0.5 || x.y + x.h > size.h + 0.5)) return true;
  for (const [k, v] of Object.entries(x.attributes ?? {})) {
    const a = (q.settings?.attributes ?? []).find((d) => d.key === k);
    if (!a || !attributeOk(a, v)) return true;
  }
  return false;
}

export const boxes: QuestionKindUI = {
  name: 'boxes',
  icon: 'box',
  Editor: lazyEditor(() => import('./Editor').then((m) => m.BoxesEditor)),
  Review: BoxesReview,
  check: (q, v) => (!Array.isArray(v) || v.length > 500 || v.some((b) => boxProblem(q, b)) ? { key: 'q_bad' } : null),
  readAloud: titleAndOptions,
  text: (q, v, lang) => {
    if (!Array.isArray(v) || !v.length) return t('q_no_boxes', {}, lang);
    const counts = new Map<string, number>();
    for (const b of v as AnswerBox[]) counts.set(b.label, (counts.get(b.label) ?? 0) + 1);
    return [...counts]
      .map(([k, n]) => {
        const o = (q.options ?? []).find((x) => x.key === k);
        return `${o ? optionName(o, lang) : k} × ${n}`;
      })
      .join('、');
  },
  chosen: () => [],
  conditions: false,
  pick: (_q, v) => v,
  settings: ['attributes'],
  minOptions: 1,
  needsImage: true,
};
