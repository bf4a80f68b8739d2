import type { EditorProps, ReviewProps } from '../index';
import { t } from '../../i18n';
import { Icon } from '../../components/Icon';
import './pairwise.css';
import { OptionIcon, ReviewRows } from '../shared';
import { optionName, questionTitle } from '../types';
import { pickOutcome, preferenceText } from './index';
import { asPreference, outcomeOf, OUTCOMES, pairOf, shownOrder, strengthAsked, type Outcome, type Preference } from './order';

const ICONS: Record<Outcome, string> = { a: '🅰️', b: '🅱️', tie: '🟰', both_bad: '👎' };

export function PairwiseEditor({ q, value, onChange, lang, seed }: EditorProps) {
  const v = asPreference(value);
  const shown = v?.shown ?? shownOrder(q, seed ?? '');
  const picked = outcomeOf(v);
  const pair = pairOf(q);
  const side = (field: string) => (field === shown[0] ? 'A' : field === shown[1] ? 'B' : '=');
  const set = (p: Preference) => onChange({ ...p });
  return (
    <div class="pw" data-testid="pairwise" data-shown={shown.join(',')}>
      <div class="label-grid opt-grid pw-outcomes" role="group" aria-label={questionTitle(q, lang)}>
        {OUTCOMES.map((o, i) => (
          <button
            key={o}
            type="button"
            class={'label-btn opt-btn pw-btn' + (picked === o ? ' on' : '')}
            aria-pressed={picked === o}
            aria-keyshortcuts={String(i + 1)}
            data-testid="pw-outcome"
            data-outcome={o}
            onClick={() => set(pickOutcome(q, v, o, seed ?? ''))}
          >
            <kbd class="label-key" aria-hidden="true">
              {i + 1}
            </kbd>
            <OptionIcon icon={ICONS[o]} size={28} />
            <span class="label-name">{t(('pw_' + o) as 'pw_a', {}, lang)}</span>
            {picked === o && <Icon name="check" size={22} />}
          </button>
        ))}
      </div>
      {strengthAsked(q) && v && pair.includes(v.winner) && (
        <div class="pw-strength" role="group" aria-label={t('pw_strength', {}, lang)} data-testid="pw-strength">
          <span class="pw-label">{t('pw_strength', {}, lang)}</span>
          {([1, 2] as const).map((s) => (
            <button
              key={s}
              type="button"
              class={'btn btn-secondary pw-small' + (v.strength === s ? ' on' : '')}
              aria-pressed={v.strength === s}
              data-testid="pw-strength-btn"
              data-strength={s}
              onClick={() => set({ ...v, strength: v.strength === s ? undefined : s })}
            >
              <Icon name={s === 1 ? 'up' : 'forward'} size={18} />
              <span>{t(s === 1 ? 'pw_slightly' : 'pw_clearly', {}, lang)}</span>
            </button>
          ))}
        </div>
      )}
      {(q.options ?? []).length > 0 && v && (
        <div class="pw-reasons" data-testid="pw-reasons">
          <span class="pw-label">{t('pw_reasons', {}, lang)}</span>
          {(q.options ?? []).map((o) => {
            const cur = v.reasons?.[o.key];
            return (
              <div key={o.key} class="pw-reason" role="group" aria-label={optionName(o, lang)}>
                <span class="pw-axis">
                  <OptionIcon icon={o.icon} size={18} />
                  {optionName(o, lang)}
                </span>
                {[shown[0], 'tie', shown[1]].map((x) => (
                  <button
                    key={x}
                    type="button"
                    class={'btn btn-secondary pw-small' + (cur === x ? ' on' : '')}
                    aria-pressed={cur === x}
                    aria-label={`${optionName(o, lang)}: ${x === 'tie' ? t('pw_reason_same', {}, lang) : side(x)}`}
                    data-testid="pw-reason"
                    data-axis={o.key}
                    data-pick={x}
                    onClick={() => {
                      const reasons = { ...(v.reasons ?? {}) };
                      if (cur === x) delete reasons[o.key];
                      else reasons[o.key] = x;
                      const next: Preference = { ...v, reasons };
                      if (!Object.keys(reasons).length) delete next.reasons;
                      set(next);
                    }}
                  >
                    {x === 'tie' ? '=' : side(x)}
                  </button>
                ))}
              </div>
            );
          })}
        </div>
      )}
    </div>
  );
}

/** Each annotator's pick as the FIELD they picked (never their A/B). */
export function PairwiseReview(p: ReviewProps) {
  return <ReviewRows {...p} text={(v) => preferenceText(v, p.lang)} />;
}
