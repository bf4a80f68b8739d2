// A number within min..max in steps of `step` from min, with its unit (`12.5` 元).

import type { QuestionKindUI } from '../index';
import type { Problem, Question } from '../types';
import { NumberEditor, NumberReview } from './Editor';
import { questionTitle } from '../types';
import { t } from '../../i18n';

export function numberRange(q: Question): { min: number; max: number; step: number | null; unit: string } {
  const s = q.settings ?? {};
  return { min: s.min ?? -Infinity, max: s.max ?? Infinity, step: s.step ?? null, unit: s.unit ?? '' };
}

/** Typed text → a number ('' stays blank; "1,5" reads as 1.5). */
export function readNumber(s: string): number | string {
  const x = s.trim().replace(/，|,/g, '.').replace(/[。]/g, '.');
  if (!x) return '';
  return /^[-+]?(\d+\.?\d*|\.\d+)$/.test(x) ? Number(x) : s;
}

export const number: QuestionKindUI = {
  name: 'number',
  icon: 'hash',
  Editor: NumberEditor,
  Review: NumberReview,
  isBlank: (_q, v) => v === '' || v === undefined || v === null,
  check: (q, v) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return { key: 'q_not_number' };
    const { min, max, step } = numberRange(q);
    if (v < min || v > max) return { key: 'q_range', vars: { min, max } } as Problem;
    if (step) {
      const k = Math.round((v - min) / step);
      if (Math.abs(min + k * step - v) > step * 1e-6) return { key: 'q_step', vars: { step } } as Problem;
    }
    return null;
  },
  readAloud: (q, lang) => {
    const { min, max, unit } = numberRange(q);
    const range = Number.isFinite(min) && Number.isFinite(max) ? t('q_range', { min, max }, lang) : '';
    return [questionTitle(q, lang), range, unit].filter(Boolean).join('，');
  },
  text: (q, v) => `${v}${numberRange(q).unit ? ' ' + numberRange(q).unit : ''}`,
  chosen: () => [],
  conditions: false,
  settings: ['min', 'max', 'step', 'unit', 'tolerance'],
  minOptions: 0,
};
