// The order form's "model suggestions" section: whether annotators check and fix a model's
// answers, the pay for a confirm and for a fix (yuan, sent as fen), the share of gold items
// showing a planted wrong answer, how far the consensus trusts the model (0: it never votes),
// and which questions the model answers. Sent as `spec.suggestions`
// (`mudou_domain::suggest::SuggestionPolicy`); the server checks it again and names the field
// `suggestions`.

import type { ComponentChildren } from 'preact';
import { getLang, t, type Key } from '../../i18n';
import { Icon } from '../../components/Icon';
import { parseYuan } from '../../money';
import { yuan } from '../../util';

/** `spec.suggestions` as the API takes it. */
export interface SuggestionPolicy {
  questions: string[];
  check_rate_fen: number | null;
  fix_rate_fen: number | null;
  /** 0 to 1. */
  plant_share: number;
  /** 0 to 0.99. */
  trust: number;
}

/** The section as typed: strings for inputs, so half-typed numbers survive. */
export interface SuggestForm {
  on: boolean;
  questions: string[];
  /** Yuan, '' for the order's piece rate. */
  check_rate: string;
  fix_rate: string;
  /** Percent. */
  plant_share: string;
  trust: string;
}

/** A question the model may answer, as the picker lists it. */
export interface SuggestQuestion {
  key: string;
  title_zh: string;
  title_en?: string;
}

/** The highest check or fix rate, in fen (the server's bound). */
export const MAX_RATE_FEN = 100_000;

export function emptySuggestForm(): SuggestForm {
  return { on: false, questions: [], check_rate: '', fix_rate: '', plant_share: '0', trust: '0' };
}

const fenText = (fen: number | null) => (fen === null ? '' : yuan(fen).replace(/^¥/, ''));
/** A share (0–1) as percent text, without float noise (0.07 → "7"). */
const pctText = (x: number) => String(Math.round(x * 10_000) / 100);

/** The section's state for an order's spec (an edit keeps what was set). */
export function suggestFormFromSpec(p: SuggestionPolicy | null | undefined): SuggestForm {
  if (!p) return emptySuggestForm();
  return {
    on: true,
    questions: [...(p.questions ?? [])],
    check_rate: fenText(p.check_rate_fen ?? null),
    fix_rate: fenText(p.fix_rate_fen ?? null),
    plant_share: pctText(p.plant_share ?? 0),
    trust: pctText(p.trust ?? 0),
  };
}

export interface SuggestProblem {
  field: string;
  key: Key;
}

function percent(s: string, max: number): number | null {
  const v = s.trim() === '' ? 0 : Number(s.trim().replace(/%$/, ''));
  return Number.isFinite(v) && v >= 0 && v <= max ? v / 100 : null;
}

/** The policy to send (`null`: the order takes no suggestions), or the first problem, named
 * by the field it is about (`suggestions.check_rate_fen`, …). Questions no longer in the
 * order are dropped. */
export function buildSuggestions(
  f: SuggestForm,
  questionKeys: string[],
): { policy: SuggestionPolicy | null } | { problem: SuggestProblem } {
  if (!f.on) return { policy: null };
  const rate = (s: string, field: string): number | null | SuggestProblem => {
    if (s.trim() === '') return null;
    const fen = parseYuan(s);
    return fen === null || fen > MAX_RATE_FEN ? { field, key: 'err_sug_rate' } : fen;
  };
  const check = rate(f.check_rate, 'suggestions.check_rate_fen');
  if (check !== null && typeof check === 'object') return { problem: check };
  const fix = rate(f.fix_rate, 'suggestions.fix_rate_fen');
  if (fix !== null && typeof fix === 'object') return { problem: fix };
  const plant = percent(f.plant_share, 100);
  if (plant === null) return { problem: { field: 'suggestions.plant_share', key: 'err_sug_plant' } };
  const trust = percent(f.trust, 99);
  if (trust === null) return { problem: { field: 'suggestions.trust', key: 'err_sug_trust' } };
  return {
    policy: {
      questions: f.questions.filter((q) => questionKeys.includes(q)),
      check_rate_fen: check,
      fix_rate_fen: fix,
      plant_share: plant,
      trust,
    },
  };
}

export function SuggestionsSection({
  value,
  onChange,
  questions,
  errorFor,
}: {
  value: SuggestForm;
  onChange: (v: SuggestForm) => void;
  /** The order's questions (one for the one-question task types: no picker then). */
  questions: SuggestQuestion[];
  /** The problem shown under a field, if it has one. */
  errorFor: (field: string) => ComponentChildren;
}) {
  const set = <K extends keyof SuggestForm>(k: K, v: SuggestForm[K]) => onChange({ ...value, [k]: v });
  const rateHint = (s: string) => {
    const fen = s.trim() === '' ? null : parseYuan(s);
    return fen === null ? t('sug_rate_hint') : t('price_is', { fen, yuan: yuan(fen) });
  };
  const en = getLang() === 'en';
  const showErrors = ['suggestions', 'suggestions.check_rate_fen', 'suggestions.fix_rate_fen', 'suggestions.plant_share', 'suggestions.trust'];
  const erred = showErrors.some((f) => errorFor(f));
  return (
    <details class="group more-options" id="f-suggestions" data-testid="suggestions-group" open={value.on || erred}>
      <summary>
        <Icon name="bot" />
        <span>{t('sug_title')}</span>
      </summary>
      <p class="muted hint">{t('sug_hint')}</p>
      <label class="check">
        <input type="checkbox" name="suggestions_on" checked={value.on} onChange={(e) => set('on', e.currentTarget.checked)} />
        <span>{t('sug_use')}</span>
      </label>
      {value.on && (
        <>
          <div class="form-grid">
            <div id="f-suggestions.check_rate_fen">
              <label class="field">
                <span class="field-label">{t('sug_check_rate')}</span>
                <span class="money-input">
                  <span aria-hidden="true">¥</span>
                  <input name="check_rate" inputMode="decimal" value={value.check_rate} onInput={(e) => set('check_rate', e.currentTarget.value)} />
                </span>
                <span class="muted hint">{rateHint(value.check_rate)}</span>
              </label>
              {errorFor('suggestions.check_rate_fen')}
            </div>
            <div id="f-suggestions.fix_rate_fen">
              <label class="field">
                <span class="field-label">{t('sug_fix_rate')}</span>
                <span class="money-input">
                  <span aria-hidden="true">¥</span>
                  <input name="fix_rate" inputMode="decimal" value={value.fix_rate} onInput={(e) => set('fix_rate', e.currentTarget.value)} />
                </span>
                <span class="muted hint">{rateHint(value.fix_rate)}</span>
              </label>
              {errorFor('suggestions.fix_rate_fen')}
            </div>
            <div id="f-suggestions.plant_share">
              <label class="field">
                <span class="field-label">{t('sug_plant_share')}</span>
                <span class="money-input suffix">
                  <input name="plant_share" inputMode="decimal" value={value.plant_share} onInput={(e) => set('plant_share', e.currentTarget.value)} />
                  <span aria-hidden="true">%</span>
                </span>
                <span class="muted hint">{t('sug_plant_hint')}</span>
              </label>
              {errorFor('suggestions.plant_share')}
            </div>
            <div id="f-suggestions.trust">
              <label class="field">
                <span class="field-label">{t('sug_trust')}</span>
                <span class="money-input suffix">
                  <input name="trust" inputMode="decimal" value={value.trust} onInput={(e) => set('trust', e.currentTarget.value)} />
                  <span aria-hidden="true">%</span>
                </span>
                <span class="muted hint">{t('sug_trust_hint')}</span>
              </label>
              {errorFor('suggestions.trust')}
            </div>
          </div>
          <fieldset class="group" data-testid="suggest-questions">
            <legend>{t('sug_questions')}</legend>
            {questions.length > 1 ? (
              <>
                <div class="choices">
                  {questions.map((q) => {
                    const on = value.questions.includes(q.key);
                    return (
                      <label class={'choice' + (on ? ' on' : '')} key={q.key}>
                        <input
                          type="checkbox"
                          name={`suggest_q_${q.key}`}
                          checked={on}
                          onChange={(e) =>
                            set(
                              'questions',
                              e.currentTarget.checked ? [...value.questions, q.key] : value.questions.filter((k) => k !== q.key),
                            )
                          }
                        />
                        <span>{(en && q.title_en) || q.title_zh || q.key}</span>
                      </label>
                    );
                  })}
                </div>
                <p class="muted hint">{t('sug_questions_all')}</p>
              </>
            ) : (
              <p class="muted hint">{t('sug_questions_one')}</p>
            )}
          </fieldset>
        </>
      )}
      {errorFor('suggestions')}
    </details>
  );
}
