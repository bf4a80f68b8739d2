import { useRef } from 'preact/hooks';
import type { EditorProps, ReviewProps } from '../index';
import { ReviewRows } from '../shared';
import { optionName } from '../types';
import { maxOf, rubricText, stepWord } from './index';
import { t } from '../../i18n';
import '../ranking/ranking.css';

/** One row per axis: its name, its example, and a big button per step with the rubric's
 * words under it. Keys 1–max rate the first axis not yet rated (`rubricKey`, given by the
 * template form to the current question only). */
export function RubricEditor({ q, value, onChange, lang, id }: EditorProps) {
  const max = maxOf(q);
  const a = (value && typeof value === 'object' ? value : {}) as Record<string, number>;
  const axes = q.options ?? [];
  const current = axes.find((o) => typeof a[o.key] !== 'number')?.key ?? null;
  // the answer as last changed (keys may come faster than renders)
  const latest = useRef(a);
  latest.current = a;
  const set = (axis: string, s: number) => {
    latest.current = { ...latest.current, [axis]: s };
    onChange(latest.current);
  };
  return (
    <div class="rubric" data-testid="rubric" data-question={q.key}>
      {axes.map((o) => {
        const example = q.settings?.examples?.[o.key];
        const rowId = `${id}-${o.key}`;
        return (
          <div key={o.key} class={'rubric-axis' + (current === o.key ? ' current' : '')} data-testid="rubric-axis" data-axis={o.key}>
            <strong class="rubric-name" id={rowId}>
              {optionName(o, lang)}
            </strong>
            {example && <p class="rubric-example">{t('rubric_example', { text: example })}</p>}
            <div class="rubric-steps" role="radiogroup" aria-labelledby={rowId} style={{ '--n': max }}>
              {Array.from({ length: max }, (_, i) => i + 1).map((s) => {
                const word = stepWord(q, s, lang);
                return (
                  <button
                    type="button"
                    key={s}
                    role="radio"
                    aria-checked={a[o.key] === s}
                    class={'rubric-step' + (a[o.key] === s ? ' on' : '')}
                    data-testid="rubric-step"
                    data-axis={o.key}
                    data-step={s}
                    aria-keyshortcuts={current === o.key && s <= 10 ? String(s % 10) : undefined}
                    onClick={() => set(o.key, s)}
                  >
                    <span class="n">{s}</span>
                    {word && <span class="w">{word}</span>}
                  </button>
                );
              })}
            </div>
          </div>
        );
      })}
    </div>
  );
}

export function RubricReview(p: ReviewProps) {
  return <ReviewRows {...p} text={(v) => rubricText(p.q, v)} />;
}
