// Which of two answers is better (A, B, tie, both bad), with how much and why when the
// template asks. A/B are sides on this annotator's screen; the answer names the FIELDS
// (`{"winner": "response_2", "shown": ["response_2", "response_1"]}`), never the sides.

import type { QuestionKindUI } from '../index';
import { t, type Lang } from '../../i18n';
import { questionTitle } from '../types';
import { PairwiseEditor, PairwiseReview } from './Editor';
import { asPreference, OUTCOMES, shownOrder, valid, winnerOf, type Preference } from './order';

/** An answer in words: the field picked (or tie / both bad), and how much. */
export function preferenceText(v: unknown, lang?: Lang): string {
  const p = asPreference(v) ?? (v && typeof v === 'object' && typeof (v as Preference).winner === 'string' ? (v as Preference) : undefined);
  if (!p) return String(v);
  const w = p.winner === 'tie' ? t('pw_tie', {}, lang) : p.winner === 'both_bad' ? t('pw_both_bad', {}, lang) : p.winner;
  const s = p.strength === 2 ? ` (${t('pw_clearly', {}, lang)})` : p.strength === 1 ? ` (${t('pw_slightly', {}, lang)})` : '';
  return w + s;
}

/** The answer after a key 1–4 (A, B, tie, both bad), keeping its reasons. */
export function pickOutcome(q: Parameters<typeof shownOrder>[0], v: unknown, outcome: (typeof OUTCOMES)[number], seed: string): Preference {
  const prev = asPreference(v);
  const shown = prev?.shown ?? shownOrder(q, seed);
  const winner = winnerOf(outcome, shown);
  const out: Preference = { winner, shown };
  if (prev?.strength && prev.winner === winner) out.strength = prev.strength;
  if (prev?.reasons && Object.keys(prev.reasons).length) out.reasons = prev.reasons;
  return out;
}

export const pairwise: QuestionKindUI = {
  name: 'pairwise',
  icon: 'swap',
  Editor: PairwiseEditor,
  Review: PairwiseReview,
  check: (q, v) => (valid(q, v) ? null : { key: 'q_bad' }),
  readAloud: (q, lang) => `${questionTitle(q, lang)}：${OUTCOMES.map((o) => t(('pw_' + o) as 'pw_a', {}, lang)).join('，')}`,
  text: (_q, v, lang) => preferenceText(v, lang),
  chosen: (_q, v) => {
    const p = asPreference(v);
    return p ? [p.winner] : [];
  },
  conditions: true,
  // a gold preference names the better field only: no sides shown, strength or reasons
  gold: (_q, v) => {
    const p = asPreference(v);
    return p ? { winner: p.winner } : v;
  },
  key: (q, v, key, seed) => {
    const i = ['1', '2', '3', '4'].indexOf(key);
    return i < 0 ? undefined : pickOutcome(q, v, OUTCOMES[i], seed);
  },
  settings: [],
  minOptions: 0,
  optionalOptions: true,
};
