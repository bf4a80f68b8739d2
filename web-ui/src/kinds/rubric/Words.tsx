// The order builder's editor of a rubric's words: for each step 1..max its words in Chinese
// and English (shown under the step's button), and for each axis (the question's options,
// named in the option list above) an example of what it means. Empty words are left out
// when the template is cleaned (`cleanTemplate`).

import { t } from '../../i18n';
import type { Question, Settings, StepDef } from '../types';
import { optionName } from '../types';
import { maxOf } from './index';

/** The steps with one step's words changed (a step's entry made or kept in value order). */
export function withStep(steps: StepDef[] | undefined, value: number, p: Partial<StepDef>): StepDef[] {
  const list = [...(steps ?? [])];
  const i = list.findIndex((s) => s.value === value);
  if (i >= 0) list[i] = { ...list[i], ...p };
  else list.push({ value, name_zh: '', name_en: '', ...p });
  return list.sort((a, b) => a.value - b.value);
}

/** The examples with one axis's example changed (empty: none for it). */
export function withExample(examples: Record<string, string> | undefined, axis: string, text: string): Record<string, string> {
  const out = { ...(examples ?? {}) };
  if (text) out[axis] = text;
  else delete out[axis];
  return out;
}

export function RubricWordsEditor({ q, pre, setS }: { q: Question; pre: string; setS: (p: Partial<Settings>) => void }) {
  const s = q.settings ?? {};
  const max = Math.max(1, Math.min(10, Math.floor(maxOf(q)) || 5));
  const step = (v: number) => (s.steps ?? []).find((x) => x.value === v);
  return (
    <div class="tb-options tb-rubric" data-testid="tb-rubric-words">
      <h4 class="sub-head">{t('tb_rubric_steps')}</h4>
      <ol class="tb-list">
        {Array.from({ length: max }, (_, i) => i + 1).map((v) => (
          <li class="tb-row" key={v} data-testid="tb-rubric-step" data-step={v}>
            <label class="field">
              <span class="field-label">{t('tb_rubric_step_zh', { n: v })}</span>
              <input
                name={`${pre}_step_${v}_zh`}
                maxLength={20}
                value={step(v)?.name_zh ?? ''}
                onInput={(e) => setS({ steps: withStep(s.steps, v, { name_zh: e.currentTarget.value }) })}
              />
            </label>
            <label class="field">
              <span class="field-label">{t('tb_rubric_step_en', { n: v })}</span>
              <input
                lang="en"
                name={`${pre}_step_${v}_en`}
                maxLength={30}
                value={step(v)?.name_en ?? ''}
                onInput={(e) => setS({ steps: withStep(s.steps, v, { name_en: e.currentTarget.value }) })}
              />
            </label>
          </li>
        ))}
      </ol>
      <h4 class="sub-head">{t('tb_rubric_examples')}</h4>
      <ol class="tb-list">
        {(q.options ?? []).map((o) => (
          <li class="tb-row" key={o.key} data-testid="tb-rubric-example" data-axis={o.key}>
            <label class="field">
              <span class="field-label">{t('tb_rubric_example', { axis: optionName(o, 'zh-CN') || o.key })}</span>
              <input
                name={`${pre}_example_${o.key}`}
                maxLength={300}
                value={s.examples?.[o.key] ?? ''}
                onInput={(e) => setS({ examples: withExample(s.examples, o.key, e.currentTarget.value) })}
              />
            </label>
          </li>
        ))}
      </ol>
    </div>
  );
}
