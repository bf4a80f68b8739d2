import { useEffect, useState } from 'preact/hooks';
import type { EditorProps, ReviewProps } from '../index';
import { ReviewRows } from '../shared';
import { questionTitle } from '../types';
import { number, numberRange, readNumber } from './index';
import { t } from '../../i18n';
import { Icon } from '../../components/Icon';

/** A big numeric input (the phone's number pad), its unit, the range, and − / + by a step. */
export function NumberEditor({ q, value, onChange, lang, id, problem }: EditorProps) {
  const [text, setText] = useState(value === undefined || value === null ? '' : String(value));
  // an answer set from outside (back to an item) shows
  useEffect(() => {
    if (readNumber(text) !== value && !(text === '' && value === undefined)) setText(value === undefined || value === null ? '' : String(value));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [value]);
  const { min, max, step, unit } = numberRange(q);
  const by = step ?? 1;
  const bump = (d: number) => {
    const cur = typeof value === 'number' ? value : Number.isFinite(min) ? min : 0;
    let next = Math.min(max, Math.max(min, cur + d * by));
    const digits = String(by).split('.')[1]?.length ?? 0;
    next = Number(next.toFixed(digits));
    setText(String(next));
    onChange(next);
  };
  return (
    <div class="num-editor">
      <div class="num-row">
        <button type="button" class="btn btn-secondary num-bump" aria-label={t('q_less', {}, lang)} onClick={() => bump(-1)}>
          <Icon name="minus" size={28} />
        </button>
        <input
          id={id}
          class={'num-input' + (problem ? ' invalid' : '')}
          type="text"
          inputMode="decimal"
          autoComplete="off"
          enterKeyHint="next"
          aria-label={questionTitle(q, lang)}
          aria-invalid={problem ? 'true' : undefined}
          data-testid="number-input"
          data-question={q.key}
          value={text}
          onInput={(e) => {
            const s = e.currentTarget.value;
            setText(s);
            const v = readNumber(s);
            onChange(v === '' ? undefined : v);
          }}
        />
        {unit && <span class="num-unit">{unit}</span>}
        <button type="button" class="btn btn-secondary num-bump" aria-label={t('q_more', {}, lang)} onClick={() => bump(1)}>
          <Icon name="plus" size={28} />
        </button>
      </div>
      {Number.isFinite(min) && Number.isFinite(max) && (
        <p class="muted num-range">
          {t('q_range', { min, max }, lang)}
          {unit ? ` ${unit}` : ''}
        </p>
      )}
    </div>
  );
}

export function NumberReview(p: ReviewProps) {
  return <ReviewRows {...p} text={(v) => number.text(p.q, v, p.lang)} />;
}
