import type { EditorProps, ReviewProps } from '../index';
import { OptionIcon, optionColour, ReviewRows } from '../shared';
import { optionName, questionTitle } from '../types';
import { rating } from './index';
import { Icon } from '../../components/Icon';
import { t } from '../../i18n';

/** Each step a big button with its word and icon; the chosen one and those below are filled. */
export function RatingEditor({ q, value, onChange, lang }: EditorProps) {
  const n = q.options?.length ?? 0;
  const v = typeof value === 'number' ? value : 0;
  return (
    <div class="rating-row" role="radiogroup" aria-label={questionTitle(q, lang)}>
      {(q.options ?? []).map((o, i) => {
        const step = i + 1;
        return (
          <button
            type="button"
            key={o.key}
            role="radio"
            aria-checked={v === step}
            class={'rating-step' + (v === step ? ' on' : '') + (step <= v ? ' filled' : '')}
            style={{ '--c': optionColour(q, Math.round((i * 9) / Math.max(1, n - 1)) % 10) }}
            aria-keyshortcuts={o.hotkey ?? undefined}
            data-testid="rating-step"
            data-question={q.key}
            data-step={step}
            data-key={o.key}
            onClick={() => onChange(step)}
          >
            {o.hotkey && (
              <kbd class="label-key" aria-hidden="true">
                {o.hotkey.toUpperCase()}
              </kbd>
            )}
            {o.icon ? <OptionIcon icon={o.icon} size={32} /> : <Icon name="star" size={32} />}
            <span class="rating-word">{optionName(o, lang)}</span>
            <span class="rating-n">{t('q_step_of', { i: step, n }, lang)}</span>
          </button>
        );
      })}
    </div>
  );
}

export function RatingReview(p: ReviewProps) {
  return <ReviewRows {...p} text={(v) => rating.text(p.q, v, p.lang)} />;
}
