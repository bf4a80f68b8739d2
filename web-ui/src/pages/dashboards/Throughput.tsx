// A centre's throughput for its lead (their own centre) and for admins (any centre, and all
// centres side by side): labels per hour today, per day over 30 days, the quality trend,
// the top and bottom annotators by throughput and quality, and the orders. Every table has
// its CSV download underneath.

import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { api, type Items } from '../../api';
import { t } from '../../i18n';
import { yuan } from '../../util';
import { Icon } from '../../components/Icon';
import { LoadState, Note, Section, useLoad } from '../../components/ui';
import { percent, topBottom } from '../../earnings/format';
import { BarChart, LineChart } from './charts';

export interface Bucket {
  centre_id: number;
  start: number;
  labels: number;
  skips: number;
  resolved: number;
  active: number;
  median_seconds: number | null;
  gold_seen: number;
  gold_correct: number;
  gold_accuracy: number | null;
  accepted: number;
  not_paid: number;
  agreement: number | null;
  pay_fen: number;
}

interface Annotator {
  annotator_id: number;
  display_name: string;
  labels: number;
  hours: number;
  labels_per_hour: number | null;
  mean_seconds: number | null;
  gold_accuracy: number | null;
  agreement: number | null;
  pay_fen: number;
  /** Effective hourly earning: pay ÷ time spent answering (fen an hour). */
  fen_per_hour?: number | null;
  floor_fen?: number | null;
  below_floor?: boolean;
}

interface OrderCost {
  order_id: number;
  name: string;
  state: string;
  labels: number;
  resolved: number;
  pay_fen: number;
  pay_per_resolved_fen: number | null;
  /** Real earning per hour so far (fen an hour). */
  fen_per_hour?: number | null;
  floor_fen?: number | null;
  below_floor?: boolean;
}

/** A warning over a table when some of its rows earn under the centre's minimum wage. */
function WageNote({
  rows,
  words,
}: {
  rows: { below_floor?: boolean; floor_fen?: number | null }[];
  words: 'wage_people_under' | 'wage_orders_under';
}) {
  const under = rows.filter((r) => r.below_floor);
  const floor = under.find((r) => r.floor_fen != null)?.floor_fen;
  if (under.length === 0 || floor == null) return null;
  return (
    <Note kind="error" testid={words}>
      {t(words, { n: under.length, floor: yuan(floor) })}
    </Note>
  );
}

/** An hourly earning, with a warning icon and words when it is under the centre's minimum wage. */
export function WageCell({ fen, below, floor }: { fen?: number | null; below?: boolean; floor?: number | null }) {
  if (fen === null || fen === undefined) return <td class="num">—</td>;
  return (
    <td
      class={'num' + (below ? ' wage-low' : '')}
      data-testid="wage-cell"
      data-below={below ? 'yes' : 'no'}
      title={below && floor != null ? t('wage_low_badge') + ' ' + yuan(floor) : undefined}
    >
      {below && <Icon name="alert" size={16} />}
      <span>{yuan(fen)}</span>
      {below && floor != null && <span class="sr-only">{t('wage_low_badge') + ' ' + yuan(floor)}</span>}
    </td>
  );
}

interface CentreRow extends Bucket {
  name: string;
  labels_per_annotator_day: number | null;
}

const two = (n: number) => String(n).padStart(2, '0');
export const hourLabel = (ms: number) => two(new Date(ms).getHours());
export const dayLabel = (ms: number) => {
  const d = new Date(ms);
  return `${two(d.getMonth() + 1)}-${two(d.getDate())}`;
};
const secs = (s: number | null) => (s === null ? '—' : s.toFixed(1));

/** A download link for a report as CSV. */
export function CsvLink({ href, testid }: { href: string; testid?: string }) {
  return (
    <a class="btn btn-plain csv-link" href={href} download data-testid={testid ?? 'csv'}>
      <Icon name="download" />
      <span>{t('tp_csv')}</span>
    </a>
  );
}

/** A table that opens on demand, with its CSV link always shown. */
function TableBox({ csv, children, open, testid }: { csv: string; children: ComponentChildren; open?: boolean; testid?: string }) {
  return (
    <div class="table-box" data-testid={testid}>
      <details open={open}>
        <summary>
          <Icon name="clipboard" size={18} /> {t('tp_table')}
        </summary>
        <div class="table-scroll">{children}</div>
      </details>
      <CsvLink href={csv} testid={testid && testid + '-csv'} />
    </div>
  );
}

function BucketTable({ rows, daily }: { rows: Bucket[]; daily: boolean }) {
  return (
    <table class="table">
      <thead>
        <tr>
          <th>{t(daily ? 'tp_col_date' : 'tp_col_time')}</th>
          <th class="num">{t('tp_col_labels')}</th>
          <th class="num">{t('tp_col_resolved')}</th>
          <th class="num">{t('tp_col_active')}</th>
          <th class="num">{t('tp_col_median')}</th>
          <th class="num">{t('tp_col_gold')}</th>
          <th class="num">{t('tp_col_agree')}</th>
          <th class="num">{t('tp_col_pay')}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((b) => (
          <tr key={b.start}>
            <td>{daily ? dayLabel(b.start) : hourLabel(b.start) + ':00'}</td>
            <td class="num">{b.labels}</td>
            <td class="num">{b.resolved}</td>
            <td class="num">{b.active}</td>
            <td class="num">{secs(b.median_seconds)}</td>
            <td class="num">{percent(b.gold_accuracy)}</td>
            <td class="num">{percent(b.agreement)}</td>
            <td class="num">{yuan(b.pay_fen)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function q(centreId: number | undefined, extra = ''): string {
  const parts = [centreId ? `centre_id=${centreId}` : '', extra].filter(Boolean);
  return parts.length ? '?' + parts.join('&') : '';
}

export function ThroughputDashboard({ centreId }: { centreId?: number }) {
  const hours = useLoad(() => api.get<Items<Bucket>>('/reports/hours' + q(centreId)), [centreId]);
  const days = useLoad(() => api.get<Items<Bucket>>('/reports/days' + q(centreId, 'days=30')), [centreId]);
  const people = useLoad(() => api.get<Items<Annotator>>('/reports/annotators' + q(centreId, 'days=7')), [centreId]);
  const orders = useLoad(() => api.get<Items<OrderCost>>('/reports/orders' + q(centreId)), [centreId]);
  const base = '/api/v1/reports/';
  return (
    <div class="dashboards" data-testid="throughput">
      <Section icon="chart" title={t('tp_hours_today')} testid="tp-hours">
        <LoadState state={hours}>
          {(h) => (
            <>
              <BarChart
                testid="chart-hours"
                every={3}
                summary={`${t('tp_hours_today')}: ${h.items.reduce((s, b) => s + b.labels, 0)}`}
                bars={h.items.map((b) => ({
                  label: hourLabel(b.start),
                  value: b.labels,
                  title: t('tp_chart_labels', { when: hourLabel(b.start) + ':00', n: b.labels }),
                }))}
              />
              <TableBox csv={base + 'hours' + q(centreId, 'format=csv')} testid="table-hours">
                <BucketTable rows={h.items.filter((b) => b.labels + b.skips + b.resolved > 0)} daily={false} />
              </TableBox>
            </>
          )}
        </LoadState>
      </Section>
      <Section icon="chart" title={t('tp_days')} testid="tp-days">
        <LoadState state={days}>
          {(d) => (
            <>
              <BarChart
                testid="chart-days"
                every={5}
                summary={`${t('tp_days')}: ${d.items.reduce((s, b) => s + b.labels, 0)}`}
                bars={d.items.map((b) => ({
                  label: dayLabel(b.start),
                  value: b.labels,
                  title: t('tp_chart_labels', { when: dayLabel(b.start), n: b.labels }),
                }))}
              />
              <TableBox csv={base + 'days' + q(centreId, 'days=30&format=csv')} testid="table-days">
                <BucketTable rows={d.items} daily />
              </TableBox>
            </>
          )}
        </LoadState>
      </Section>
      <Section icon="star" title={t('tp_quality')} testid="tp-quality">
        <LoadState state={days}>
          {(d) => (
            <LineChart
              testid="chart-quality"
              every={5}
              summary={t('tp_quality')}
              labels={d.items.map((b) => dayLabel(b.start))}
              series={[
                { name: t('tp_gold_acc'), values: d.items.map((b) => b.gold_accuracy) },
                { name: t('tp_agreement'), values: d.items.map((b) => b.agreement), dashed: true },
              ]}
            />
          )}
        </LoadState>
      </Section>
      <Section icon="users" title={t('tp_annotators')} testid="tp-annotators">
        <LoadState state={people}>
          {(p) => <People rows={p.items} csv={base + 'annotators' + q(centreId, 'days=7&format=csv')} />}
        </LoadState>
      </Section>
      <Section icon="briefcase" title={t('tp_orders')} testid="tp-orders">
        <LoadState state={orders}>
          {(o) => <Costs rows={o.items} csv={base + 'orders' + q(centreId, 'format=csv')} />}
        </LoadState>
      </Section>
    </div>
  );
}

function Ranked({ title, rows, show, testid }: { title: string; rows: Annotator[]; show: (a: Annotator) => string; testid: string }) {
  return (
    <div class="ranked" data-testid={testid}>
      <h3>{title}</h3>
      <ol>
        {rows.map((a) => (
          <li key={a.annotator_id}>
            <span>{a.display_name}</span>
            <span class="num">{show(a)}</span>
          </li>
        ))}
      </ol>
    </div>
  );
}

function People({ rows, csv }: { rows: Annotator[]; csv: string }) {
  if (rows.length === 0) return <p class="muted">{t('tp_empty')}</p>;
  const fast = topBottom(rows, (a) => a.labels, 3);
  const good = topBottom(rows, (a) => a.gold_accuracy ?? a.agreement, 3);
  const quality = (a: Annotator) => percent(a.gold_accuracy ?? a.agreement);
  return (
    <>
      <div class="ranked-grid">
        <Ranked title={t('tp_top')} rows={fast.top} show={(a) => String(a.labels)} testid="top-throughput" />
        <Ranked title={t('tp_bottom')} rows={fast.bottom} show={(a) => String(a.labels)} testid="bottom-throughput" />
        <Ranked title={t('tp_best')} rows={good.top} show={quality} testid="top-quality" />
        <Ranked title={t('tp_worst')} rows={good.bottom} show={quality} testid="bottom-quality" />
      </div>
      <WageNote rows={rows} words="wage_people_under" />
      <div class="table-box" data-testid="table-annotators">
        <div class="table-scroll">
          <table class="table">
            <thead>
              <tr>
                <th>{t('tp_col_name')}</th>
                <th class="num">{t('tp_col_labels')}</th>
                <th class="num">{t('tp_col_per_hour')}</th>
                <th class="num">{t('tp_col_median')}</th>
                <th class="num">{t('tp_col_gold')}</th>
                <th class="num">{t('tp_col_agree')}</th>
                <th class="num">{t('tp_col_pay')}</th>
                <th class="num">{t('wage_per_hour')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((a) => (
                <tr key={a.annotator_id} data-testid="tp-annotator-row">
                  <td>{a.display_name}</td>
                  <td class="num">{a.labels}</td>
                  <td class="num">{a.labels_per_hour === null ? '—' : a.labels_per_hour.toFixed(0)}</td>
                  <td class="num">{secs(a.mean_seconds)}</td>
                  <td class="num">{percent(a.gold_accuracy)}</td>
                  <td class="num">{percent(a.agreement)}</td>
                  <td class="num">{yuan(a.pay_fen)}</td>
                  <WageCell fen={a.fen_per_hour} below={a.below_floor} floor={a.floor_fen} />
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <CsvLink href={csv} testid="table-annotators-csv" />
      </div>
    </>
  );
}

/** Orders with what they cost (a centre's share for leads; the whole for clients). */
export function Costs({ rows, csv }: { rows: OrderCost[]; csv: string }) {
  return (
    <div class="table-box" data-testid="table-orders">
      <WageNote rows={rows} words="wage_orders_under" />
      {rows.length === 0 ? (
        <p class="muted">{t('tp_empty')}</p>
      ) : (
        <div class="table-scroll">
          <table class="table">
            <thead>
              <tr>
                <th>{t('pay_col_order')}</th>
                <th class="num">{t('tp_col_labels')}</th>
                <th class="num">{t('tp_col_resolved')}</th>
                <th class="num">{t('tp_col_pay')}</th>
                <th class="num">{t('cost_col_per_item')}</th>
                <th class="num">{t('wage_per_hour')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((o) => (
                <tr key={o.order_id}>
                  <td>{o.name}</td>
                  <td class="num">{o.labels}</td>
                  <td class="num">{o.resolved}</td>
                  <td class="num">{yuan(o.pay_fen)}</td>
                  <td class="num">{o.pay_per_resolved_fen === null ? '—' : yuan(Math.round(o.pay_per_resolved_fen))}</td>
                  <WageCell fen={o.fen_per_hour} below={o.below_floor} floor={o.floor_fen} />
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <CsvLink href={csv} testid="table-orders-csv" />
    </div>
  );
}

/** Every centre side by side (admins). */
export function CentresCompared() {
  const rows = useLoad(() => api.get<Items<CentreRow>>('/reports/centres?days=30'));
  return (
    <Section icon="building" title={t('tp_centres')} testid="tp-centres">
      <LoadState state={rows}>
        {(r) => (
          <div class="table-box" data-testid="table-centres">
            <div class="table-scroll">
              <table class="table">
                <thead>
                  <tr>
                    <th>{t('tp_centre')}</th>
                    <th class="num">{t('tp_col_labels')}</th>
                    <th class="num">{t('tp_col_resolved')}</th>
                    <th class="num">{t('tp_col_active')}</th>
                    <th class="num">{t('tp_col_per_day')}</th>
                    <th class="num">{t('tp_col_median')}</th>
                    <th class="num">{t('tp_col_gold')}</th>
                    <th class="num">{t('tp_col_agree')}</th>
                    <th class="num">{t('tp_col_pay')}</th>
                  </tr>
                </thead>
                <tbody>
                  {r.items.map((c) => (
                    <tr key={c.centre_id} data-testid="centre-row">
                      <td>{c.name}</td>
                      <td class="num">{c.labels}</td>
                      <td class="num">{c.resolved}</td>
                      <td class="num">{c.active}</td>
                      <td class="num">{c.labels_per_annotator_day === null ? '—' : c.labels_per_annotator_day.toFixed(0)}</td>
                      <td class="num">{secs(c.median_seconds)}</td>
                      <td class="num">{percent(c.gold_accuracy)}</td>
                      <td class="num">{percent(c.agreement)}</td>
                      <td class="num">{yuan(c.pay_fen)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <CsvLink href="/api/v1/reports/centres?days=30&format=csv" testid="table-centres-csv" />
          </div>
        )}
      </LoadState>
    </Section>
  );
}

/** An admin's view: every centre compared, then one centre in detail. */
export function AdminThroughput({ centres }: { centres: { id: number; name: string }[] }) {
  const [centre, setCentre] = useState<number | undefined>(centres[0]?.id);
  return (
    <div class="stack" data-testid="admin-throughput">
      <CentresCompared />
      <label class="field inline-field">
        <span class="field-label">{t('tp_centre')}</span>
        <select data-testid="tp-centre" value={centre} onChange={(e) => setCentre(Number(e.currentTarget.value))}>
          {centres.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
      </label>
      {centre !== undefined && <ThroughputDashboard key={centre} centreId={centre} />}
    </div>
  );
}

/** A client's orders with what each has cost so far (pay to the annotators). */
export function ClientCosts() {
  const rows = useLoad(() => api.get<Items<OrderCost>>('/reports/costs'));
  return (
    <Section icon="coin" title={t('cost_title')} testid="client-costs">
      <LoadState state={rows}>{(r) => <Costs rows={r.items} csv="/api/v1/reports/costs?format=csv" />}</LoadState>
    </Section>
  );
}
