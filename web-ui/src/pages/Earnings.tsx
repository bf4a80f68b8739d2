// The annotator's own earnings, shortest first: today, this week, this month (pending,
// confirmed, paid); a chart of the last days and one of the orders; the unpaid labels grouped
// by why, one picture each (boxes drawn on box items), each group opening to its labels; and
// the ledger's lines folded behind a tap (loaded only when opened).
// A speaker button reads today's earnings aloud (zh-CN speech synthesis where the browser
// has a voice).

import { useState } from 'preact/hooks';
import { api, type Items } from '../api';
import { getLang, t, type Key } from '../i18n';
import { yuan, shortTime } from '../util';
import { Icon, type IconName } from '../components/Icon';
import { Button, LoadState, useLoad } from '../components/ui';
import { SpeakButton } from './work/common';
import { answerParts, bonusFigures, boxesIn, groupBy, pauseRuleKey, reasonKey, spokenYuan, type LabelName } from '../earnings/format';

export interface EarningsSummary {
  today_fen: number;
  week_fen: number;
  month_fen: number;
  pending_fen: number;
  confirmed_fen: number;
  paid_fen: number;
  today_labels: number;
  today_pending_fen?: number;
  today_confirmed_fen?: number;
  today_not_paid?: number;
  week_labels?: number;
  month_labels?: number;
  period?: string;
}

interface OrderLine {
  order_id: number;
  name: string;
  piece_rate_fen: number;
  box_rate_fen: number;
  labels: number;
  skips: number;
  accepted: number;
  pending: number;
  not_paid: number;
  confirmed_fen: number;
  pending_fen: number;
}

interface Unpaid {
  label_id: number;
  order_name: string;
  kind: string;
  thumb_url: string | null;
  width?: number | null;
  height?: number | null;
  text: string | null;
  answer: unknown;
  right_answer: unknown;
  label_names: Record<string, LabelName>;
  reason: string;
  amount_fen: number;
  worked_at: number;
}

interface PayLine {
  id: number | null;
  kind: 'piece' | 'bonus' | 'adjustment' | 'reversal';
  amount_fen: number;
  order_name: string | null;
  period: string | null;
  reason: string | null;
  state: 'pending' | 'confirmed' | 'not_paid' | 'paid';
  paid_in: string | null;
  work_at: number;
}

interface Lines {
  pending: PayLine[];
  entries: PayLine[];
  next_before: number | null;
}

interface Day {
  day_start: number;
  date: string;
  fen: number;
  labels: number;
  not_paid: number;
}

type Range = 'today' | 'week' | 'month';

/** Days the chart shows. */
const DAYS = 14;

/** What the speaker button says about today. */
export function todaySpeech(e: EarningsSummary): string {
  const lang = getLang();
  let s = t('pay_speak', { money: spokenYuan(e.today_fen, lang), n: e.today_labels });
  if (e.today_pending_fen) s += ' ' + t('pay_speak_pending', { money: spokenYuan(e.today_pending_fen, lang) });
  return s;
}

function Money({ label, fen, testid, big }: { label: string; fen: number; testid: string; big?: boolean }) {
  return (
    <div class={'stat' + (big ? ' stat-big' : '')} data-testid={testid} data-fen={fen}>
      <span class="stat-label">{label}</span>
      <span class="stat-value">{yuan(fen)}</span>
    </div>
  );
}

export function EarningsPage({ onBack }: { onBack: () => void }) {
  const summary = useLoad(() => api.get<EarningsSummary>('/me/earnings'));
  const [range, setRange] = useState<Range>('today');
  return (
    <main class="earnings" data-testid="earnings-page">
      <div class="earnings-head">
        <Button icon="back" label={t('back')} kind="plain" onClick={onBack} data-testid="earnings-back" />
        <h1>
          <Icon name="coin" size={28} />
          <span>{t('my_earnings')}</span>
        </h1>
      </div>
      <LoadState state={summary}>
        {(e) => (
          <>
            <div class="stats stats-earnings" data-testid="earnings-summary">
              <Money label={t('pay_today')} fen={e.today_fen} testid="earn-today" big />
              <Money label={t('earn_week')} fen={e.week_fen} testid="earn-week" />
              <Money label={t('earn_month')} fen={e.month_fen} testid="earn-month" />
              <Money label={t('earn_confirmed')} fen={e.confirmed_fen} testid="earn-confirmed" />
              <Money label={t('earn_pending')} fen={e.pending_fen} testid="earn-pending" />
              <Money label={t('earn_paid')} fen={e.paid_fen} testid="earn-paid" />
            </div>
            <div class="earnings-speak">
              <span data-testid="today-line">
                {t('pay_today_money', { money: yuan(e.today_fen) })} · {t('today_done')} {e.today_labels}
              </span>
              <SpeakButton text={todaySpeech(e)} big testid="earnings-speak" />
            </div>
          </>
        )}
      </LoadState>
      <DaysChart />
      <div class="tabs" role="tablist" aria-label={t('pay_range_label')}>
        {(['today', 'week', 'month'] as Range[]).map((r) => (
          <button
            type="button"
            role="tab"
            key={r}
            class={'tab' + (range === r ? ' on' : '')}
            aria-selected={range === r}
            data-testid={'range-' + r}
            onClick={() => setRange(r)}
          >
            <Icon name="chart" />
            <span>{t(r === 'today' ? 'pay_today' : r === 'week' ? 'earn_week' : 'earn_month')}</span>
          </button>
        ))}
      </div>
      <ByOrder range={range} />
      <UnpaidList range={range} />
      <Ledger />
    </main>
  );
}

/** The last days' label pay as bars (today last), with a sentence that sums them up. */
function DaysChart() {
  const days = useLoad(() => api.get<Items<Day>>(`/me/earnings/days?days=${DAYS}`));
  return (
    <section class="card" aria-labelledby="days-title" data-testid="earnings-days">
      <h2 id="days-title">
        <Icon name="chart" />
        <span>{t('pay_days', { n: DAYS })}</span>
      </h2>
      <LoadState state={days}>
        {(d) => {
          const max = Math.max(1, ...d.items.map((x) => x.fen));
          const total = d.items.reduce((n, x) => n + x.fen, 0);
          const last = d.items.length - 1;
          return (
            <>
              <p class="muted" data-testid="days-sum">
                {t('pay_days_sum', { n: d.items.length, money: yuan(total), max: yuan(Math.max(0, ...d.items.map((x) => x.fen))) })}
              </p>
              <ol class="day-bars">
                {d.items.map((x, i) => {
                  const date = i === last ? t('pay_day_today') : x.date.slice(5).replace('-', '/').replace(/^0/, '');
                  return (
                    <li
                      key={x.day_start}
                      class={'day' + (i === last ? ' today' : '')}
                      data-testid="day-bar"
                      data-fen={x.fen}
                      aria-label={t('pay_day_label', { date, money: yuan(x.fen), n: x.labels })}
                    >
                      <span class="day-amount" aria-hidden="true">
                        {i === last || (x.fen === max && x.fen > 0) ? yuan(x.fen).replace('¥', '') : ''}
                      </span>
                      <span class="day-track" aria-hidden="true">
                        <span class="day-fill" style={{ height: `${(100 * x.fen) / max}%` }} />
                      </span>
                      <span class="day-date" aria-hidden="true">
                        {i === last ? t('pay_day_today') : x.date.slice(8).replace(/^0/, '')}
                      </span>
                    </li>
                  );
                })}
              </ol>
            </>
          );
        }}
      </LoadState>
    </section>
  );
}

function ByOrder({ range }: { range: Range }) {
  const orders = useLoad(() => api.get<Items<OrderLine>>(`/me/earnings/orders?range=${range}`), [range]);
  return (
    <section class="card" aria-label={t('pay_by_order')} data-testid="earnings-orders">
      <h2>
        <Icon name="briefcase" />
        <span>{t('pay_by_order')}</span>
      </h2>
      <LoadState state={orders}>
        {(o) =>
          o.items.length === 0 ? (
            <p class="muted">{t('pay_nothing_yet')}</p>
          ) : (
            <ul class="order-bars">
              {(() => {
                const max = Math.max(1, ...o.items.map((x) => x.confirmed_fen + x.pending_fen));
                return o.items.map((x) => {
                  const fen = x.confirmed_fen + x.pending_fen;
                  return (
                    <li key={x.order_id} data-testid="order-line" class="order-bar-row">
                      <span class="order-bar-name">{x.name}</span>
                      <span class="order-bar-track" aria-hidden="true">
                        <span class="order-bar-fill" style={{ width: `${(100 * fen) / max}%` }} />
                      </span>
                      <strong class="num" data-testid="order-amount" data-fen={fen}>
                        {yuan(fen)}
                      </strong>
                      <span class="muted small order-bar-more">
                        {t('pay_n_items', { n: x.labels })} ·{' '}
                        {x.box_rate_fen > 0 ? t('pay_per_box', { money: yuan(x.box_rate_fen) }) : yuan(x.piece_rate_fen)}
                        {x.pending_fen > 0 && ` · ${t('earn_pending')} ${yuan(x.pending_fen)}`}
                        {x.not_paid > 0 && ` · ${t('pay_unpaid_title', { n: x.not_paid })}`}
                      </span>
                    </li>
                  );
                });
              })()}
            </ul>
          )
        }
      </LoadState>
    </section>
  );
}

function Chips({ answer, names }: { answer: unknown; names: Record<string, LabelName> }) {
  const { parts, boxes } = answerParts(answer, names, getLang());
  if (parts.length === 0 && !boxes) return <span class="muted">{t('pay_nothing')}</span>;
  return (
    <span class="chips">
      {parts.map((p, i) => (
        <span class="chip" key={i}>
          <span class="swatch" style={{ background: p.colour ?? '#999' }} aria-hidden="true" />
          {p.name}
        </span>
      ))}
      {boxes !== null && <span class="muted small">{t('pay_boxes', { n: boxes })}</span>}
    </span>
  );
}

/** Why a label is not paid, in words (a pause says which rule). */
function reasonText(reason: string): string {
  const rule = pauseRuleKey(reason);
  return t(reasonKey(reason) as Key) + (rule ? `（${t(rule as Key)}）` : '');
}

/** An unpaid item's picture (or text), with the boxes drawn on a box item: dashed the
 * worker's, solid the right ones. */
function UnpaidPicture({ x }: { x: Unpaid }) {
  if (!x.thumb_url) return <span class="unpaid-text">{x.text}</span>;
  const mine = boxesIn(x.answer);
  const right = boxesIn(x.right_answer);
  const W = x.width ?? 0;
  const H = x.height ?? 0;
  const colour = (k: string) => x.label_names[k]?.colour ?? '#1e88e5';
  const drawn = W > 0 && H > 0 && mine.length + right.length > 0;
  return (
    <figure class="unpaid-pic" style={W > 0 && H > 0 ? { aspectRatio: `${W} / ${H}` } : undefined} data-testid="unpaid-pic">
      <img src={x.thumb_url} alt={drawn ? t('pay_pic_yours') : t('fb_this_item')} loading="lazy" />
      {drawn && (
        <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" aria-hidden="true" data-testid="unpaid-boxes">
          {right.map((b, i) => (
            <rect key={'r' + i} class="box-right" x={b.x} y={b.y} width={b.w} height={b.h} vector-effect="non-scaling-stroke" data-testid="box-right" />
          ))}
          {mine.map((b, i) => (
            <rect key={'m' + i} class="box-mine" x={b.x} y={b.y} width={b.w} height={b.h} stroke={colour(b.label)} vector-effect="non-scaling-stroke" data-testid="box-mine" />
          ))}
        </svg>
      )}
    </figure>
  );
}

function UnpaidRow({ x }: { x: Unpaid }) {
  return (
    <li class="row unpaid-row" data-testid="unpaid-row" data-reason={x.reason}>
      {x.thumb_url ? <img class="unpaid-thumb" src={x.thumb_url} alt="" loading="lazy" /> : <span class="unpaid-text">{x.text}</span>}
      <div class="row-main">
        <strong data-testid="unpaid-reason">
          <Icon name="info" size={18} /> {reasonText(x.reason)}
        </strong>
        <span>
          {t('pay_you_chose')}: <Chips answer={x.answer} names={x.label_names} />
        </span>
        <span data-testid="unpaid-right">
          {t('pay_right')}: <Chips answer={x.right_answer} names={x.label_names} />
        </span>
        <span class="muted small">
          {x.order_name} · {shortTime(x.worked_at, getLang())} · {t('pay_would_earn', { money: yuan(x.amount_fen) })}
        </span>
      </div>
    </li>
  );
}

/** One reason: how many and what they cost, one picture, the labels behind a tap. */
function UnpaidGroup({ reason, rows }: { reason: string; rows: Unpaid[] }) {
  const [open, setOpen] = useState(false);
  const lost = rows.reduce((n, x) => n + x.amount_fen, 0);
  const first = rows[0];
  const id = `unpaid-${reason.replace(/[^a-z_]/gi, '-')}`;
  return (
    <article class="unpaid-group" data-testid="unpaid-group" data-reason={reason} data-count={rows.length} aria-labelledby={id}>
      <UnpaidPicture x={first} />
      <div class="unpaid-group-main">
        <h3 id={id} data-testid="unpaid-group-reason">
          {reasonText(reason)}
        </h3>
        <p class="unpaid-group-n">{t('pay_group_n', { n: rows.length, money: yuan(lost) })}</p>
        <p class="small">
          {t('pay_you_chose')}: <Chips answer={first.answer} names={first.label_names} />
        </p>
        <p class="small">
          {t('pay_right')}: <Chips answer={first.right_answer} names={first.label_names} />
        </p>
        <button type="button" class="btn btn-secondary" aria-expanded={open} data-testid="unpaid-more" onClick={() => setOpen((o) => !o)}>
          <Icon name={open ? 'up' : 'more'} />
          <span>{open ? t('pay_group_less') : t('pay_group_more', { n: rows.length })}</span>
        </button>
      </div>
      {open && (
        <ul class="rows unpaid">
          {rows.map((x) => (
            <UnpaidRow key={x.label_id} x={x} />
          ))}
        </ul>
      )}
    </article>
  );
}

function UnpaidList({ range }: { range: Range }) {
  const unpaid = useLoad(() => api.get<Items<Unpaid>>(`/me/earnings/unpaid?range=${range}`), [range]);
  return (
    <LoadState state={unpaid}>
      {(u) => (
        <section class="card" aria-label={t('pay_unpaid_title', { n: u.items.length })} data-testid="earnings-unpaid">
          <h2>
            <Icon name="alert" />
            <span>{t('pay_unpaid_title', { n: u.items.length })}</span>
          </h2>
          {u.items.length === 0 ? (
            <p class="muted" data-testid="unpaid-none">
              <Icon name="check" size={18} /> {t('pay_unpaid_none')}
            </p>
          ) : (
            <div class="unpaid-groups">
              {groupBy(u.items, (x) => x.reason).map((g) => (
                <UnpaidGroup key={g.key} reason={g.key} rows={g.rows} />
              ))}
            </div>
          )}
        </section>
      )}
    </LoadState>
  );
}

/** The ledger's lines, folded: loaded when opened. */
function Ledger() {
  const [open, setOpen] = useState(false);
  return (
    <details class="card ledger" data-testid="earnings-lines" onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)}>
      <summary data-testid="ledger-open">
        <Icon name="clipboard" />
        <span>{t('pay_lines_open')}</span>
      </summary>
      {open && <LinesList />}
    </details>
  );
}

const STATE_ICON: Record<PayLine['state'], IconName> = {
  pending: 'refresh',
  confirmed: 'check',
  not_paid: 'ban',
  paid: 'coin',
};

function lineWhat(l: PayLine): string {
  if (l.kind === 'bonus') {
    const b = bonusFigures(l.reason);
    return t('pay_kind_bonus') + (b ? ' · ' + t('pay_bonus_reason', { c: b.c, s: b.s, pct: b.pct }) : '');
  }
  const kind = t(('pay_kind_' + l.kind) as Key);
  const why =
    l.kind === 'piece' && l.state === 'not_paid'
      ? reasonText(l.reason ?? '')
      : l.kind === 'reversal' && l.reason && !l.reason.includes(' ') && /^[a-z_:]+$/.test(l.reason)
        ? t(reasonKey(l.reason) as Key)
        : l.reason;
  return [kind, l.order_name, why].filter(Boolean).join(' · ');
}

function LinesList() {
  const [pages, setPages] = useState<Lines[]>([]);
  const first = useLoad(() => api.get<Lines>('/me/earnings/entries?limit=50'));
  const [busy, setBusy] = useState(false);
  const all = first.data ? [first.data, ...pages] : pages;
  const next = all.length ? all[all.length - 1].next_before : null;
  return (
    <div aria-label={t('pay_lines')} role="region">
      <LoadState state={first}>
        {() => (
          <>
            {all.every((p) => p.pending.length + p.entries.length === 0) && (
              <p class="muted" data-testid="lines-none">
                {t('pay_lines_none')}
              </p>
            )}
            <ul class="rows lines">
              {all.flatMap((p) => [...p.pending, ...p.entries]).map((l, i) => (
                <li class="row line" key={(l.id ?? 'p') + ':' + i} data-testid="pay-line" data-state={l.state} data-kind={l.kind}>
                  <span class={'badge state-' + l.state}>
                    <Icon name={STATE_ICON[l.state]} size={16} />
                    {t(('pay_state_' + l.state) as Key)}
                  </span>
                  <div class="row-main">
                    <span>{lineWhat(l)}</span>
                    <span class="muted small">
                      {shortTime(l.work_at, getLang())}
                      {l.paid_in ? ' · ' + t('pay_paid_in', { period: l.paid_in }) : ''}
                    </span>
                  </div>
                  <span class={'num money' + (l.amount_fen < 0 ? ' neg' : '')}>{yuan(l.amount_fen)}</span>
                </li>
              ))}
            </ul>
            {next !== null && (
              <Button
                icon="more"
                label={t('pay_lines_more')}
                busy={busy}
                onClick={async () => {
                  setBusy(true);
                  try {
                    const more = await api.get<Lines>(`/me/earnings/entries?limit=50&before=${next}`);
                    setPages((p) => [...p, more]);
                  } finally {
                    setBusy(false);
                  }
                }}
              />
            )}
          </>
        )}
      </LoadState>
    </div>
  );
}
