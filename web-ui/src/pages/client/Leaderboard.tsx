// The order's model leaderboard (GET /orders/{id}/leaderboard): every annotator's pairwise
// picks and rankings fitted with Bradley–Terry (or the noisy Bradley–Terry, which also
// weighs each annotator's reliability). A row per model, best first: its score as a dot on
// its 95% interval, drawn in plain SVG on one scale for every row, with wins, losses and ties.

import { useState } from 'preact/hooks';
import { api } from '../../api';
import { t } from '../../i18n';
import { Icon } from '../../components/Icon';
import { LoadState, Section, useLoad } from '../../components/ui';
import type { OrderSpec } from '../../orders';

export type BoardMethod = 'bt' | 'noisy-bt';

export interface ModelRow {
  model: string;
  rank: number;
  score: number;
  ci_low: number;
  ci_high: number;
  wins: number;
  losses: number;
  ties: number;
  comparisons: number;
  component: number;
}

export interface Board {
  method: BoardMethod;
  comparisons: number;
  model_comparisons: number;
  annotators: number;
  models: ModelRow[];
}

/** Whether an order asks a question the leaderboard reads (pairwise or ranking). */
export function comparesResponses(spec: Pick<OrderSpec, 'template'>): boolean {
  return (spec.template?.questions ?? []).some((q) => q.kind === 'pairwise' || q.kind === 'ranking');
}

/** The scale every row shares: from the lowest interval end to the highest, with zero in
 * it and a little room at both ends; never empty. */
export function scaleOf(rows: Pick<ModelRow, 'ci_low' | 'ci_high'>[]): [number, number] {
  let lo = Math.min(0, ...rows.map((r) => r.ci_low));
  let hi = Math.max(0, ...rows.map((r) => r.ci_high));
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi - lo < 1e-9) {
    lo = -1;
    hi = 1;
  }
  const pad = (hi - lo) * 0.05;
  return [lo - pad, hi + pad];
}

/** Where `x` falls on the scale, 0 to 100. */
export function at(x: number, [lo, hi]: [number, number]): number {
  return Math.min(100, Math.max(0, ((x - lo) / (hi - lo)) * 100));
}

/** A score with its sign: "+1.23", "−0.40". */
export function signed(x: number): string {
  const s = Math.abs(x).toFixed(2);
  return x > 0.005 ? `+${s}` : x < -0.005 ? `−${s}` : s;
}

function Row({ r, scale }: { r: ModelRow; scale: [number, number] }) {
  const [x, lo, hi, zero] = [at(r.score, scale), at(r.ci_low, scale), at(r.ci_high, scale), at(0, scale)];
  const label = t('lb_row_aria', { rank: r.rank, model: r.model, score: signed(r.score), lo: signed(r.ci_low), hi: signed(r.ci_high) });
  return (
    <li class="lb-row" data-testid="lb-row" data-model={r.model}>
      <div class="lb-row-head">
        <strong class="lb-rank">{r.rank}</strong>
        <span class="lb-model">{r.model}</span>
        <span class="lb-score" data-testid="lb-score">
          {signed(r.score)}
        </span>
      </div>
      <svg class="lb-svg" viewBox="0 0 100 20" preserveAspectRatio="none" role="img" aria-label={label}>
        <rect x="0" y="6" width="100" height="8" rx="4" fill="var(--primary-soft)" />
        <line x1={zero} x2={zero} y1="0" y2="20" stroke="var(--line)" stroke-width="2" vector-effect="non-scaling-stroke" />
        <line data-testid="lb-interval" x1={lo} x2={hi} y1="10" y2="10" stroke="var(--primary-dark)" stroke-width="4" stroke-linecap="round" vector-effect="non-scaling-stroke" />
        <line data-testid="lb-dot" x1={x} x2={x} y1="10" y2="10" stroke="var(--primary)" stroke-width="16" stroke-linecap="round" vector-effect="non-scaling-stroke" />
      </svg>
      <p class="muted lb-facts">
        {t('lb_record', { w: r.wins, l: r.losses, t: r.ties })} · {t('lb_interval', { lo: signed(r.ci_low), hi: signed(r.ci_high) })}
      </p>
    </li>
  );
}

export function Leaderboard({ orderId }: { orderId: number }) {
  const [method, setMethod] = useState<BoardMethod>('bt');
  const board = useLoad(() => api.get<Board>(`/orders/${orderId}/leaderboard?method=${method}`), [orderId, method]);
  const methods: { m: BoardMethod; key: 'lb_bt' | 'lb_noisy' }[] = [
    { m: 'bt', key: 'lb_bt' },
    { m: 'noisy-bt', key: 'lb_noisy' },
  ];
  return (
    <Section icon="chart" title={t('lb_title')} testid="leaderboard">
      {/* under the title, not beside it: on a phone the two would not fit one line */}
      <div class="tabs lb-methods">
        {methods.map(({ m, key }) => (
          <button type="button" key={m} class={'tab' + (m === method ? ' on' : '')} aria-pressed={m === method} data-testid={`lb-${m}`} onClick={() => setMethod(m)}>
            <Icon name={m === 'bt' ? 'chart' : 'users'} />
            {t(key)}
          </button>
        ))}
      </div>
      <LoadState state={board}>
        {(b) => {
          if (b.models.length === 0)
            return (
              <p class="muted" data-testid="lb-empty">
                {t('lb_empty')}
              </p>
            );
          const scale = scaleOf(b.models);
          const parts = new Set(b.models.map((r) => r.component)).size;
          return (
            <div class="stack">
              <p class="muted" data-testid="lb-summary">
                <Icon name="info" /> {t('lb_summary', { n: b.model_comparisons, a: b.annotators })} {t('lb_hint')}
              </p>
              {parts > 1 && <p class="muted">{t('lb_parts')}</p>}
              <ol class="lb-rows">
                {b.models.map((r) => (
                  <Row key={r.model} r={r} scale={scale} />
                ))}
              </ol>
            </div>
          );
        }}
      </LoadState>
    </Section>
  );
}
