// Any number of options (none too): `["front", "side"]`, kept in the options' order.

import type { QuestionKindUI } from '../index';
import { optionName } from '../types';
import { titleAndOptions } from '../shared';
import { MultiEditor, MultiReview } from './Editor';
import { t } from '../../i18n';

const keys = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

export const multiChoice: QuestionKindUI = {
  name: 'multi_choice',
  icon: 'list',
  Editor: MultiEditor,
  Review: MultiReview,
  check: (q, v) => {
    if (!Array.isArray(v)) return { key: 'q_bad' };
    const ks = keys(v);
    if (ks.length !== v.length || new Set(ks).size !== ks.length) return { key: 'q_bad' };
    return ks.every((k) => (q.options ?? []).some((o) => o.key === k)) ? null : { key: 'q_bad' };
  },
  normalise: (q, v) => {
    const ks = keys(v);
    return (q.options ?? []).map((o) => o.key).filter((k) => ks.includes(k));
  },
  readAloud: titleAndOptions,
  text: (q, v, lang) => {
    const ks = keys(v);
    if (!ks.length) return t('q_none_chosen', {}, lang);
    return ks.map((k) => {
      const o = (q.options ?? []).find((x) => x.key === k);
      return o ? optionName(o, lang) : k;
    }).join('、');
  },
  chosen: (_q, v) => keys(v),
  conditions: true,
  pick: (q, v, option) => {
    const ks = keys(v);
    const next = ks.includes(option) ? ks.filter((k) => k !== option) : [...ks, option];
    return (q.options ?? []).map((o) => o.key).filter((k) => next.includes(k));
  },
  settings: [],
  minOptions: 1,
};
