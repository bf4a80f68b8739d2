// One option of several: `"car"`. One tap answers; a later question may depend on it.

import type { QuestionKindUI } from '../index';
import { optionName } from '../types';
import { titleAndOptions } from '../shared';
import { ChoiceEditor, ChoiceReview } from './Editor';

export const choice: QuestionKindUI = {
  name: 'choice',
  icon: 'check',
  Editor: ChoiceEditor,
  Review: ChoiceReview,
  check: (q, v) => (typeof v === 'string' && (q.options ?? []).some((o) => o.key === v) ? null : { key: 'q_bad' }),
  readAloud: titleAndOptions,
  text: (q, v, lang) => {
    const o = (q.options ?? []).find((x) => x.key === v);
    return o ? optionName(o, lang) : String(v);
  },
  chosen: (_q, v) => (typeof v === 'string' ? [v] : []),
  conditions: true,
  pick: (_q, _v, option) => option,
  oneTap: true,
  settings: [],
  minOptions: 2,
};
