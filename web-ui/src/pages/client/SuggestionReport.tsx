// "Model suggestions" on the client's order page (GET /orders/{id}/suggestions/report): how
// many items had a model's answer, what annotators did with them (shares as one bar: confirmed,
// fixed, replaced; planted wrong ones apart), how often the model was right against the final
// answers (per version when there are several), time per item with and without, and the pay
// for confirms, fixes and plain labels; the same figures as a CSV.

import { api } from '../../api';
import { t } from '../../i18n';
import { yuan } from '../../util';
import { Icon } from '../../components/Icon';
import { LoadState, Section, useLoad } from '../../components/ui';
import { pct } from './QuestionEffect';

export interface Outcomes {
  shown: number;
  accepted: number;
  fixed: number;
  rejected: number;
  accepted_share: number | null;
  fixed_share: number | null;
  rejected_share: number | null;
}

export interface Accuracy {
  settled: number;
  agreed: number;
  accuracy: number | null;
}

export interface VersionAccuracy extends Accuracy {
  model: string;
  model_version: string | null;
}

export interface Timing {
  labels: number;
  median_ms: number | null;
  mean_ms: number | null;
}

export interface PayLine {
  labels: number;
  paid_fen: number;
  pending_fen: number;
}

export interface SuggestionReportData {
  suggestions: { import: number; backend: number; planted: number; items: number; items_with: number; items_without: number };
  outcomes: { model: Outcomes; planted: Outcomes };
  accuracy: { overall: Accuracy; consensus: Accuracy; review: Accuracy; gold: Accuracy; versions: VersionAccuracy[] };
  seconds: {
    with: Timing;
    without: Timing;
    planted: Timing;
    accepted: Timing;
    fixed: Timing;
    rejected: Timing;
    median_ratio: number | null;
  };
  pay: { checks: PayLine; fixes: PayLine; plain: PayLine; total_paid_fen: number };
}

/** Milliseconds as seconds to one decimal ("3.5 秒"), "—" when unknown. */
export function secs(ms: number | null): string {
  if (ms === null) return '—';
  const s = Math.round(ms / 100) / 10;
  return t('sr_secs', { s: Number.isInteger(s) ? String(s) : s.toFixed(1) });
}

/** Whether the report has anything to show. */
export function hasSuggestions(r: SuggestionReportData): boolean {
  return r.suggestions.items_with > 0 || r.outcomes.model.shown > 0 || r.outcomes.planted.shown > 0;
}

/** The outcome shares as one bar of three parts, with a legend. */
function OutcomeBar({ o }: { o: Outcomes }) {
  const parts = [
    { key: 'accepted', share: o.accepted_share, n: o.accepted, label: t('sr_accepted'), icon: 'check' as const },
    { key: 'fixed', share: o.fixed_share, n: o.fixed, label: t('sr_fixed'), icon: 'edit' as const },
    { key: 'rejected', share: o.rejected_share, n: o.rejected, label: t('sr_rejected'), icon: 'swap' as const },
  ];
  return (
    <div class="sr-outcomes" data-testid="sr-outcomes">
      <div class="sr-bar" role="img" aria-label={parts.map((p) => `${p.label} ${pct(p.share)}`).join('，')}>
        {parts.map((p) =>
          p.share ? <span key={p.key} class={`sr-part sr-${p.key}`} style={{ width: `${Math.round(p.share * 1000) / 10}%` }} /> : null,
        )}
      </div>
      <ul class="sr-legend">
        {parts.map((p) => (
          <li key={p.key} data-testid={`sr-${p.key}`}>
            <span class={`sr-dot sr-${p.key}`} aria-hidden="true" />
            <Icon name={p.icon} size={18} />
            <span>
              {p.label} <strong>{pct(p.share)}</strong> <span class="muted">({p.n})</span>
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}

function Meter({ share, label }: { share: number | null; label: string }) {
  const width = share === null ? 0 : Math.round(share * 100);
  return share === null ? (
    <div class="effect-bar" aria-hidden="true" />
  ) : (
    <div class="effect-bar" role="meter" aria-valuemin={0} aria-valuemax={100} aria-valuenow={width} aria-label={label}>
      <span style={{ width: `${width}%` }} />
    </div>
  );
}

function Body({ r, orderId }: { r: SuggestionReportData; orderId: number }) {
  const s = r.suggestions;
  const m = r.outcomes.model;
  const p = r.outcomes.planted;
  const a = r.accuracy;
  const sec = r.seconds;
  const ratio = sec.median_ratio;
  const pay = r.pay;
  const payLine = (l: PayLine) =>
    t('sr_pay_line', { n: l.labels, paid: yuan(l.paid_fen) }) + (l.pending_fen > 0 ? t('sr_pending', { pending: yuan(l.pending_fen) }) : '');
  return (
    <div class="stack sr">
      <p data-testid="sr-items">
        <Icon name="bot" /> {t('sr_items', { n: s.items, with: s.items_with })}
        <br />
        <span class="muted">{t('sr_sources', { import: s.import, backend: s.backend, planted: s.planted })}</span>
      </p>

      <div class="sr-block">
        <h3>
          <Icon name="check" /> {t('sr_outcomes')} <span class="muted">· {t('sr_shown', { n: m.shown })}</span>
        </h3>
        {m.shown === 0 ? <p class="muted">{t('sr_no_shown')}</p> : <OutcomeBar o={m} />}
        {p.shown > 0 && (
          <p class="muted" data-testid="sr-planted">
            <Icon name="shield" /> {t('sr_planted', { n: p.shown, rejected: p.rejected + p.fixed, accepted: p.accepted })}
          </p>
        )}
      </div>

      <div class="sr-block" data-testid="sr-accuracy">
        <h3>
          <Icon name="star" /> {t('sr_accuracy')}
        </h3>
        {a.overall.settled === 0 ? (
          <p class="muted">{t('sr_accuracy_none')}</p>
        ) : (
          <>
            <div class="effect-bar-line">
              <Meter share={a.overall.accuracy} label={t('sr_accuracy')} />
              <span class="effect-pct" data-testid="sr-accuracy-pct">
                {pct(a.overall.accuracy)}
              </span>
            </div>
            <p class="muted">
              {t('sr_accuracy_line', { n: a.overall.settled, agreed: a.overall.agreed })} ·{' '}
              {t('sr_by_how', { consensus: pct(a.consensus.accuracy), review: pct(a.review.accuracy), gold: pct(a.gold.accuracy) })}
            </p>
            {a.versions.length > 1 && (
              <ul class="sr-versions" data-testid="sr-versions">
                {a.versions.map((v) => (
                  <li key={`${v.model}/${v.model_version ?? ''}`}>
                    <span class="sr-version-name">
                      {v.model} · {v.model_version ? t('sr_version', { v: v.model_version }) : t('sr_no_version')}
                    </span>
                    <Meter share={v.accuracy} label={`${v.model} ${v.model_version ?? ''}`} />
                    <strong>{pct(v.accuracy)}</strong>
                    <span class="muted">({v.agreed}/{v.settled})</span>
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
      </div>

      <div class="sr-block" data-testid="sr-seconds">
        <h3>
          <Icon name="clock" /> {t('sr_seconds')}
        </h3>
        <div class="stats sr-times">
          <div class="stat">
            <Icon name="bot" size={28} />
            <span class="stat-label">{t('sr_with')}</span>
            <span class="stat-value" data-testid="sr-with">
              {secs(sec.with.median_ms)}
            </span>
            <span class="sr-stat-note muted">{t('sr_median_mean', { median: secs(sec.with.median_ms), mean: secs(sec.with.mean_ms) })}</span>
          </div>
          <div class="stat">
            <Icon name="user" size={28} />
            <span class="stat-label">{t('sr_without')}</span>
            <span class="stat-value" data-testid="sr-without">
              {secs(sec.without.median_ms)}
            </span>
            <span class="sr-stat-note muted">{t('sr_median_mean', { median: secs(sec.without.median_ms), mean: secs(sec.without.mean_ms) })}</span>
          </div>
        </div>
        {ratio !== null && ratio !== 1 && (
          <p class={ratio < 1 ? 'effect-up' : 'effect-down'} data-testid="sr-ratio">
            <Icon name={ratio < 1 ? 'down' : 'up'} /> {t(ratio < 1 ? 'sr_faster' : 'sr_slower', { p: pct(Math.abs(1 - ratio)) })}
          </p>
        )}
        {sec.with.labels > 0 && (
          <p class="muted">
            {t('sr_per_outcome', { accepted: secs(sec.accepted.median_ms), fixed: secs(sec.fixed.median_ms), rejected: secs(sec.rejected.median_ms) })}
          </p>
        )}
      </div>

      <div class="sr-block" data-testid="sr-pay">
        <h3>
          <Icon name="coin" /> {t('sr_pay')} <span class="muted">· {t('sr_total', { paid: yuan(pay.total_paid_fen) })}</span>
        </h3>
        <ul class="sr-pay">
          <li>
            <strong>{t('sr_checks')}</strong> <span>{payLine(pay.checks)}</span>
          </li>
          <li>
            <strong>{t('sr_fixes')}</strong> <span>{payLine(pay.fixes)}</span>
          </li>
          <li>
            <strong>{t('sr_plain')}</strong> <span>{payLine(pay.plain)}</span>
          </li>
        </ul>
      </div>

      <div class="btn-row">
        <a class="btn btn-secondary" href={`/api/v1/orders/${orderId}/suggestions/report?format=csv`} download data-testid="sr-csv">
          <Icon name="download" />
          <span>{t('sr_csv')}</span>
        </a>
      </div>
    </div>
  );
}

/** The card; with `enabled` false (the order sets no suggestion policy) it shows only when
 * the order has suggestions anyway. */
export function SuggestionReport({ orderId, enabled = true }: { orderId: number; enabled?: boolean }) {
  const report = useLoad(() => api.get<SuggestionReportData>(`/orders/${orderId}/suggestions/report`), [orderId]);
  if (!enabled && (report.data === undefined || !hasSuggestions(report.data))) return null;
  return (
    <Section icon="bot" title={t('sr_title')} testid="suggestion-report">
      <LoadState state={report}>
        {(r) =>
          hasSuggestions(r) ? (
            <Body r={r} orderId={orderId} />
          ) : (
            <p class="muted" data-testid="sr-empty">
              {t('sr_none')}
            </p>
          )
        }
      </LoadState>
    </Section>
  );
}
