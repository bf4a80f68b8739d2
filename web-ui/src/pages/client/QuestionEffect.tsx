// "Effect of questions": what the questions and the instruction changes did to the order's
// results (GET /orders/{id}/instructions/effect). A row per instructions version with its
// agreement as a bar and the change against the version before; the items asked about and
// how they ended; the questions still open and what waits for the client.

import { api } from '../../api';
import { getLang, t, type Key } from '../../i18n';
import { shortTime } from '../../util';
import { Icon } from '../../components/Icon';
import { LoadState, Section, useLoad } from '../../components/ui';

export interface PromotedQuestion {
  id: number;
  reason: string;
  text: string | null;
  answer_text: string | null;
  asked_at: number;
  answered_at: number;
}

export interface VersionEffect {
  version: number;
  created_at: number;
  new_words: boolean;
  example_item_id: number | null;
  example_words: string | null;
  question: PromotedQuestion | null;
  answers: number;
  skips: number;
  judged: number;
  agreed: number;
  agreement: number | null;
  compared_with: number | null;
  agreement_change: number | null;
  gold_total: number;
  gold_correct: number;
  gold_accuracy: number | null;
  items_resolved: number;
  items_escalated: number;
  mean_confidence: number | null;
  escalation_share: number | null;
}

export interface EffectReport {
  current_version: number;
  versions: VersionEffect[];
  totals: { answers: number; judged: number; agreed: number; agreement: number | null; gold_total: number; gold_correct: number; gold_accuracy: number | null };
  asked: {
    questions: number;
    answered: number;
    open: number;
    median_answer_ms: number | null;
    items: number;
    items_resolved: number;
    items_escalated: number;
    items_open: number;
    items_gold: number;
    judged: number;
    agreed: number;
    agreement: number | null;
    agreement_vs_order: number | null;
  };
  open: { open: number; oldest_open_at: number | null; oldest_open_age_ms: number | null; waiting_for_you: number; oldest_waiting_age_ms: number | null };
}

/** A share (0–1) as a whole percent, "—" when unknown. */
export function pct(x: number | null): string {
  return x === null ? '—' : `${Math.round(x * 100)}%`;
}

/** A change of a share in percentage points, signed: "+13", "−4", "0". */
export function points(x: number): string {
  const n = Math.round(x * 100);
  return n > 0 ? `+${n}` : n < 0 ? `−${-n}` : '0';
}

/** A duration in the largest whole unit that fits: minutes, hours or days. */
export function span(ms: number): string {
  const min = Math.max(0, Math.round(ms / 60_000));
  if (min < 60) return t('eff_minutes', { n: min });
  const h = Math.round(min / 60);
  if (h < 48) return t('eff_hours', { n: h });
  return t('eff_days', { n: Math.round(h / 24) });
}

/** Why a version was made, in a few words. */
function why(v: VersionEffect): string {
  if (v.question) {
    const asked = v.question.text ?? t(`ask_reason_${v.question.reason}` as Key);
    return t('eff_from_question', { q: asked });
  }
  if (v.example_words) return t('eff_example', { words: v.example_words });
  if (v.new_words) return t('eff_new_words');
  return v.version === 1 ? t('eff_first') : t('eff_changed');
}

function Change({ v }: { v: VersionEffect }) {
  // An empty slot keeps every row's bar the same length.
  if (v.agreement_change === null || v.compared_with === null) return <span class="effect-change" />;
  const d = v.agreement_change;
  const dir = d > 0.005 ? 'up' : d < -0.005 ? 'down' : 'same';
  return (
    <span
      class={`effect-change effect-${dir}`}
      data-testid="effect-change"
      title={t('eff_vs', { n: v.compared_with })}
      aria-label={t(dir === 'up' ? 'eff_rose' : dir === 'down' ? 'eff_fell' : 'eff_same', { p: Math.abs(Math.round(d * 100)), n: v.compared_with })}
    >
      {dir !== 'same' && <Icon name={dir} />}
      {points(d)}
    </span>
  );
}

function VersionRow({ v, current }: { v: VersionEffect; current: boolean }) {
  const width = v.agreement === null ? 0 : Math.round(v.agreement * 100);
  return (
    <li class="effect-row" data-testid="effect-version">
      <div class="effect-row-head">
        <strong>
          {t('ins_version', { n: v.version })}
          {current && <span class="muted"> · {t('eff_now')}</span>}
        </strong>
        {v.created_at > 0 && <span class="muted">{shortTime(v.created_at, getLang())}</span>}
      </div>
      <p class="effect-why">
        <Icon name={v.question ? 'message' : v.example_item_id !== null ? 'image' : 'book'} /> {why(v)}
      </p>
      <div class="effect-bar-line">
        {v.agreement === null ? (
          <div class="effect-bar" aria-hidden="true" />
        ) : (
          <div class="effect-bar" role="meter" aria-valuemin={0} aria-valuemax={100} aria-valuenow={width} aria-label={t('eff_agreement')}>
            <span style={{ width: `${width}%` }} />
          </div>
        )}
        <span class="effect-pct" data-testid="effect-agreement">
          {pct(v.agreement)}
        </span>
        <Change v={v} />
      </div>
      <p class="muted effect-facts">
        {t('eff_labels', { n: v.answers })}
        {v.gold_accuracy !== null && <> · {t('eff_gold', { p: pct(v.gold_accuracy) })}</>}
        {v.mean_confidence !== null && <> · {t('eff_confidence', { p: pct(v.mean_confidence) })}</>}
        {v.escalation_share !== null && <> · {t('eff_escalated', { p: pct(v.escalation_share) })}</>}
      </p>
    </li>
  );
}

export function QuestionEffect({ orderId }: { orderId: number }) {
  const report = useLoad(() => api.get<EffectReport>(`/orders/${orderId}/instructions/effect`), [orderId]);
  return (
    <Section icon="chart" title={t('eff_title')} testid="question-effect">
      <LoadState state={report}>
        {(r) => (
          <div class="stack effect">
            <p class={r.open.waiting_for_you > 0 ? 'effect-waiting' : 'muted'} data-testid="effect-open">
              <Icon name={r.open.waiting_for_you > 0 ? 'alert' : 'message'} />{' '}
              {r.open.waiting_for_you > 0
                ? t('eff_waiting', { n: r.open.waiting_for_you, age: span(r.open.oldest_waiting_age_ms ?? 0) })
                : r.open.open > 0
                  ? t('eff_open', { n: r.open.open, age: span(r.open.oldest_open_age_ms ?? 0) })
                  : t('eff_none_open')}
            </p>
            {r.totals.answers === 0 ? (
              <p class="muted" data-testid="effect-empty">
                {t('eff_empty')}
              </p>
            ) : (
              <ol class="effect-versions">
                {r.versions.map((v) => (
                  <VersionRow key={v.version} v={v} current={v.version === r.current_version} />
                ))}
              </ol>
            )}
            {r.asked.questions > 0 && (
              <div class="effect-asked" data-testid="effect-asked">
                <h3>
                  <Icon name="help" /> {t('eff_asked_title')}
                </h3>
                <p>{t('eff_asked', { q: r.asked.questions, answered: r.asked.answered, open: r.asked.open })}</p>
                {r.asked.median_answer_ms !== null && <p>{t('eff_median', { time: span(r.asked.median_answer_ms) })}</p>}
                <p>
                  {t('eff_items', {
                    n: r.asked.items,
                    resolved: r.asked.items_resolved,
                    escalated: r.asked.items_escalated,
                    open: r.asked.items_open,
                  })}
                  {r.asked.items_gold > 0 && t('eff_items_gold', { n: r.asked.items_gold })}
                </p>
                {r.asked.agreement !== null && (
                  <p>
                    {t('eff_asked_agreement', { p: pct(r.asked.agreement), all: pct(r.totals.agreement) })}
                  </p>
                )}
              </div>
            )}
          </div>
        )}
      </LoadState>
    </Section>
  );
}
