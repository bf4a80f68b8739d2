// The quality page: every annotator of the centre (sortable), and one annotator's page with
// figures per order, the confusion matrix, their pauses, and what a lead does about it.

import { useState } from 'preact/hooks';
import { api, type Items, type SkillLevel } from '../../api';
import { getLang, t, type Key } from '../../i18n';
import { shortTime } from '../../util';
import { Icon } from '../../components/Icon';
import { Avatar, Button, ConfirmButton, ErrorNote, Field, LoadState, Note, Section, useLoad, useSay } from '../../components/ui';
import {
  labelName,
  pauseText,
  pct,
  sortWorkers,
  type LabelDef,
  type PauseOut,
  type SortKey,
  type TrendDay,
  type WorkerRow,
} from '../../lead/review';
import { BackLink, go } from '../client/nav';
import { AxisAlpha, fromLead, type LeadAxes } from '../../components/AxisAlpha';
import { FeedbackForm } from './FeedbackForm';

interface QualityPage {
  days: number;
  since: number;
  workers: WorkerRow[];
}

export interface WorkerOrder {
  order_id: number;
  order_name: string;
  task_type: string;
  labels: number;
  skips: number;
  gold_total: number;
  gold_correct: number;
  gold_accuracy: number | null;
  gold_low: number | null;
  gold_high: number | null;
  judged: number;
  agreement: number | null;
  skill: number | null;
  /** How far the live consensus trusts this worker on the order now. */
  live_skill: { accuracy: number; low: number; high: number; evidence: number };
  kappa: number | null;
  median_seconds: number | null;
  too_fast: boolean;
  spam_like: boolean;
  classes: string[];
  confusion: number[][];
  /** Pairwise questions: how often the worker picked the answer shown on the left. */
  position_bias?: { picked: number; left: number; left_share: number | null } | null;
  /** An order whose items are read: answers faster than their texts can be skimmed. */
  reading?: { answers: number; too_fast: number; share: number | null; too_fast_share: number; pause_share: number } | null;
  /** Questions of several parts (a rubric's axes): the order's agreement on each. */
  axes?: LeadAxes[];
  /** What the worker did with the model's suggestions, planted (known-wrong) ones apart. */
  suggestions?: WorkerSuggestions | null;
}

export interface WorkerSuggestions {
  shown: number;
  accepted: number;
  accepted_share: number | null;
  planted_shown: number;
  planted_accepted: number;
  /** The share of planted suggestions not accepted as they were. */
  planted_accuracy: number | null;
  flagged: boolean;
  flagged_at: number | null;
}

interface WorkerPage {
  worker: WorkerRow;
  orders: WorkerOrder[];
  rules_paused: PauseOut[];
}

export interface LeadOrder {
  id: number;
  name: string;
  state: string;
  task_type: string;
  deadline: number | null;
  labels: LabelDef[];
}

const COLUMNS: { key: SortKey; label: Key }[] = [
  { key: 'display_name', label: 'col_name' },
  { key: 'level', label: 'col_level' },
  { key: 'labels', label: 'col_labels' },
  { key: 'gold_accuracy', label: 'col_gold' },
  { key: 'agreement', label: 'col_agreement' },
  { key: 'skill', label: 'col_skill' },
  { key: 'median_seconds', label: 'col_seconds' },
  { key: 'items_per_hour', label: 'col_per_hour' },
];

function interval(w: { gold_low: number | null; gold_high: number | null }): string | null {
  if (w.gold_low == null || w.gold_high == null) return null;
  return t('interval_is', { lo: Math.round(w.gold_low * 100), hi: Math.round(w.gold_high * 100) });
}

/** Labels per day as small bars, darker where the gold accuracy was lower. */
export function Trend({ days }: { days: TrendDay[] }) {
  const max = Math.max(1, ...days.map((d) => d.labels));
  const summary = days
    .filter((d) => d.labels > 0)
    .map((d) => `${d.date}: ${d.labels}${d.gold_accuracy != null ? ` (${pct(d.gold_accuracy)})` : ''}`)
    .join('; ');
  return (
    <svg class="trend" viewBox={`0 0 ${days.length * 8} 30`} role="img" aria-label={`${t('trend_label')}: ${summary || '0'}`}>
      {days.map((d, i) => {
        const h = d.labels === 0 ? 1 : Math.max(2, Math.round((d.labels / max) * 28));
        const bad = d.gold_accuracy != null && d.gold_accuracy < 0.7;
        return (
          <rect key={d.day} x={i * 8 + 1} y={30 - h} width={6} height={h} class={bad ? 'trend-bad' : d.labels ? 'trend-bar' : 'trend-none'}>
            <title>{`${d.date}: ${d.labels}${d.gold_accuracy != null ? ` · ${pct(d.gold_accuracy)}` : ''}`}</title>
          </rect>
        );
      })}
    </svg>
  );
}

function Flags({ w }: { w: WorkerRow }) {
  return (
    <span class="flags">
      {w.too_fast && (
        <span class="badge badge-bad" data-testid="flag-too-fast">
          <Icon name="forward" size={14} />
          {t('too_fast')}
        </span>
      )}
      {w.spam_like && (
        <span class="badge badge-bad" data-testid="flag-spam">
          <Icon name="alert" size={14} />
          {t('spam_like')}
        </span>
      )}
      {w.pauses.length > 0 && (
        <span class="badge badge-paused" data-testid="flag-paused">
          <Icon name="pause" size={14} />
          {t('paused_badge')}
        </span>
      )}
    </span>
  );
}

export function QualityPageView() {
  const [days, setDays] = useState(14);
  const [sort, setSort] = useState<{ key: SortKey; dir: 'asc' | 'desc' }>({ key: 'flags', dir: 'desc' });
  const data = useLoad(() => api.get<QualityPage>(`/lead/quality?days=${days}`), [days]);
  return (
    <Section
      icon="chart"
      title={t('quality_title')}
      testid="quality"
      actions={
        <span class="btn-row">
          {[7, 14, 30].map((d) => (
            <button type="button" key={d} class={'tab' + (d === days ? ' on' : '')} aria-pressed={d === days} onClick={() => setDays(d)}>
              {t('days_n', { n: d })}
            </button>
          ))}
        </span>
      }
    >
      <LoadState state={data}>
        {(q) =>
          q.workers.length === 0 ? (
            <p class="muted">{t('no_people')}</p>
          ) : (
            <div class="table-scroll">
              <table class="quality-table" data-testid="quality-table">
                <thead>
                  <tr>
                    {COLUMNS.map((c) => (
                      <th key={c.key} scope="col" aria-sort={sort.key === c.key ? (sort.dir === 'asc' ? 'ascending' : 'descending') : undefined}>
                        <button
                          type="button"
                          class="sort-btn"
                          title={t('sort_by', { col: t(c.label) })}
                          data-testid={'sort-' + c.key}
                          onClick={() =>
                            setSort({ key: c.key, dir: sort.key === c.key && sort.dir === 'desc' ? 'asc' : 'desc' })
                          }
                        >
                          {t(c.label)}
                          {sort.key === c.key && <span aria-hidden="true">{sort.dir === 'asc' ? ' ▲' : ' ▼'}</span>}
                        </button>
                      </th>
                    ))}
                    <th scope="col">{t('col_trend')}</th>
                    <th scope="col">
                      <button type="button" class="sort-btn" data-testid="sort-flags" onClick={() => setSort({ key: 'flags', dir: sort.key === 'flags' && sort.dir === 'desc' ? 'asc' : 'desc' })}>
                        {t('col_flags')}
                      </button>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {sortWorkers(q.workers, sort.key, sort.dir).map((w) => (
                    <tr key={w.annotator_id} data-testid="quality-row" data-id={w.annotator_id}>
                      <th scope="row">
                        <a
                          href={`#/quality/${w.annotator_id}`}
                          class="person-link"
                          onClick={(e) => {
                            e.preventDefault();
                            go(`#/quality/${w.annotator_id}`);
                          }}
                        >
                          <Avatar id={w.annotator_id} name={w.display_name} photo={w.photo_url} size={32} />
                          {w.display_name}
                        </a>
                      </th>
                      <td>{t(('skill_' + w.level) as Key)}</td>
                      <td>{w.labels}</td>
                      <td title={interval(w) ?? undefined}>
                        {pct(w.gold_accuracy)}
                        {w.gold_total > 0 && (
                          <span class="muted small">
                            {' '}
                            {w.gold_correct}/{w.gold_total}
                          </span>
                        )}
                        {w.gold_low != null && w.gold_high != null && <IntervalBar lo={w.gold_low} hi={w.gold_high} />}
                      </td>
                      <td>{pct(w.agreement)}</td>
                      <td>{pct(w.skill)}</td>
                      <td>{w.median_seconds != null ? w.median_seconds.toFixed(1) : '—'}</td>
                      <td>{w.items_per_hour != null ? Math.round(w.items_per_hour) : '—'}</td>
                      <td>
                        <Trend days={w.trend} />
                      </td>
                      <td>
                        <Flags w={w} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </LoadState>
    </Section>
  );
}

function IntervalBar({ lo, hi }: { lo: number; hi: number }) {
  return (
    <svg class="interval" viewBox="0 0 100 8" role="img" aria-label={t('interval_is', { lo: Math.round(lo * 100), hi: Math.round(hi * 100) })}>
      <rect x="0" y="3" width="100" height="2" class="interval-track" />
      <rect x={lo * 100} y="0" width={Math.max(1, (hi - lo) * 100)} height="8" class={hi < 0.7 ? 'interval-bad' : 'interval-ok'} />
    </svg>
  );
}

export function WorkerPageView({ id }: { id: number }) {
  const data = useLoad(() => api.get<WorkerPage>(`/lead/quality/${id}`), [id]);
  const orders = useLoad(() => api.get<Items<LeadOrder>>('/lead/orders'));
  return (
    <>
      <BackLink to="#/quality" label={t('quality_title')} />
      <LoadState state={data}>
        {(p) => (
          <>
            <section class="card" aria-label={t('worker_page', { name: p.worker.display_name })} data-testid="worker-page">
              <div class="page-head">
                <h2 class="page-title">
                  <Avatar id={p.worker.annotator_id} name={p.worker.display_name} photo={p.worker.photo_url} size={44} />
                  <span>{t('worker_page', { name: p.worker.display_name })}</span>
                </h2>
                <Flags w={p.worker} />
              </div>
              <dl class="facts">
                <div>
                  <dt>{t('col_level')}</dt>
                  <dd>{t(('skill_' + p.worker.level) as Key)}</dd>
                </div>
                <div>
                  <dt>{t('col_gold')}</dt>
                  <dd>
                    {pct(p.worker.gold_accuracy)} {interval(p.worker) && <span class="muted small">{interval(p.worker)}</span>}
                  </dd>
                </div>
                <div>
                  <dt>{t('col_agreement')}</dt>
                  <dd>{pct(p.worker.agreement)}</dd>
                </div>
                <div>
                  <dt>{t('col_skill')}</dt>
                  <dd>{pct(p.worker.skill)}</dd>
                </div>
                <div>
                  <dt>{t('col_seconds')}</dt>
                  <dd>{p.worker.median_seconds != null ? p.worker.median_seconds.toFixed(1) : '—'}</dd>
                </div>
                <div>
                  <dt>{t('col_per_hour')}</dt>
                  <dd>{p.worker.items_per_hour != null ? Math.round(p.worker.items_per_hour) : '—'}</dd>
                </div>
                <div>
                  <dt>{t('col_trend')}</dt>
                  <dd>
                    <Trend days={p.worker.trend} />
                  </dd>
                </div>
              </dl>
              {p.rules_paused.length > 0 && (
                <ul class="rows" data-testid="worker-pauses">
                  {p.rules_paused.map((x) => (
                    <li class="row" key={x.id}>
                      <Icon name="pause" />
                      <div class="row-main">
                        <strong>{pauseText(x)}</strong>
                        <span class="muted">
                          {x.order_name ?? t('all_work')} · {shortTime(x.created_at, getLang())}
                          {x.lifted_at ? ` · ${t('lifted_at', { time: shortTime(x.lifted_at, getLang()) })}` : ''}
                        </span>
                      </div>
                    </li>
                  ))}
                </ul>
              )}
            </section>
            <PersonActions worker={p.worker} orders={orders.data?.items ?? []} onChanged={() => void data.reload()} />
            <LevelHistory annotatorId={p.worker.annotator_id} level={p.worker.level} />
            <Section icon="clipboard" title={t('per_order')} testid="worker-orders">
              <p class="muted">{t('since_order_began')}</p>
              {p.orders.map((o, i) => (
                <OrderFigures
                  key={o.order_id}
                  o={o}
                  open={i === p.orders.length - 1}
                  labels={orders.data?.items.find((x) => x.id === o.order_id)?.labels ?? []}
                />
              ))}
            </Section>
          </>
        )}
      </LoadState>
    </>
  );
}

/** A worker's answers with a model suggestion shown: accepted as is, and the planted
 * (known-wrong) ones caught; flagged when the lead was alerted for accepting without looking. */
export function SuggestionFigures({ s }: { s: WorkerSuggestions }) {
  const share = (x: number | null) => Math.round((x ?? 0) * 100);
  return (
    <div class={'suggestion-figures' + (s.flagged ? ' warn' : '')} data-testid="suggestion-figures" data-flagged={s.flagged ? 'yes' : 'no'}>
      <p>
        <Icon name="bot" size={18} />
        <span>{t('sug_shown', { shown: s.shown, accepted: s.accepted, pct: share(s.accepted_share) })}</span>
      </p>
      {s.planted_shown > 0 && (
        <p data-testid="suggestion-planted">
          <Icon name="bot" size={18} />
          <span>
            {t('sug_planted', { shown: s.planted_shown, accepted: s.planted_accepted, pct: share(s.planted_accuracy) })}
          </span>
          <span class="muted">{t('sug_planted_hint')}</span>
        </p>
      )}
      {s.flagged && (
        <p class="flag" data-testid="suggestion-flag">
          <Icon name="alert" size={18} />
          <strong>{t('sug_flagged')}</strong>
        </p>
      )}
    </div>
  );
}

export function OrderFigures({ o, labels, open }: { o: WorkerOrder; labels: LabelDef[]; open: boolean }) {
  const lang = getLang();
  const name = (k: string) => (k === 'yes' || k === 'no' ? k : labelName(labels, k, lang));
  return (
    <details class="order-figures" data-testid="worker-order" open={open}>
      <summary>
        <strong>{o.order_name}</strong>
      </summary>
      <p>
        {t('col_labels')} {o.labels} · {t('col_gold')} {pct(o.gold_accuracy)}
        {o.gold_total > 0 ? ` (${o.gold_correct}/${o.gold_total})` : ''} · {t('col_agreement')} {pct(o.agreement)} · {t('col_skill')}{' '}
        {pct(o.skill)}
        {o.kappa != null ? ` · ${t('kappa_is', { k: o.kappa.toFixed(2) })}` : ''}
      </p>
      <p class="live-skill" data-testid="live-skill">
        <span>
          {t('live_skill_is', { pct: Math.round(o.live_skill.accuracy * 100) })} ·{' '}
          {t('interval_is', { lo: Math.round(o.live_skill.low * 100), hi: Math.round(o.live_skill.high * 100) })}
        </span>
        <IntervalBar lo={o.live_skill.low} hi={o.live_skill.high} />
        <span class="muted">{t('live_skill_hint')}</span>
      </p>
      {o.position_bias && o.position_bias.picked > 0 && (
        <p class="position-bias" data-testid="position-bias">
          <Icon name="swap" size={18} />
          <span>
            {t('pw_bias', { pct: Math.round((o.position_bias.left_share ?? 0) * 100), left: o.position_bias.left, picked: o.position_bias.picked })}
          </span>
          <span class="muted">{t('pw_bias_hint')}</span>
        </p>
      )}
      {o.reading && o.reading.answers > 0 && (
        <p class={'read-hurried' + (o.reading.too_fast > 0 ? ' warn' : '')} data-testid="read-hurried" data-too-fast={o.reading.too_fast}>
          <Icon name="clock" size={18} />
          <span>{t('read_hurried', { n: o.reading.too_fast, total: o.reading.answers, pct: Math.round((o.reading.share ?? 0) * 100) })}</span>
          <span class="muted">{t('read_hurried_hint', { share: Math.round(o.reading.too_fast_share * 100) })}</span>
        </p>
      )}
      {o.suggestions && o.suggestions.shown > 0 && <SuggestionFigures s={o.suggestions} />}
      <AxisAlpha questions={fromLead(o.axes ?? [], getLang())} />
      {o.confusion.length > 0 && (
        <div class="table-scroll">
          <table class="confusion" data-testid="confusion" aria-label={t('confusion_label', { order: o.order_name })}>
            <caption>{t('confusion')}</caption>
            <thead>
              <tr>
                <td />
                {o.classes.map((c) => (
                  <th scope="col" key={c}>
                    {name(c)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {o.confusion.map((row, i) => (
                <tr key={o.classes[i]}>
                  <th scope="row">{name(o.classes[i])}</th>
                  {row.map((v, j) => (
                    <td key={j} class={v > 0 ? (i === j ? 'cm-hit' : 'cm-miss') : ''}>
                      {v}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </details>
  );
}

interface LevelChange {
  id: number;
  annotator_id: number;
  annotator_name: string;
  from_level: SkillLevel | null;
  to_level: SkillLevel;
  source: 'rule' | 'lead';
  note: string | null;
  created_at: number;
}

const levelWord = (l: SkillLevel | null) => (l ? t(('skill_' + l) as Key) : '—');

/** One annotator's level changes, by rule and by hand, newest first. */
function LevelHistory({ annotatorId, level }: { annotatorId: number; level: SkillLevel }) {
  // Read again when the level changes on this page.
  const changes = useLoad(() => api.get<Items<LevelChange>>('/lead/levels'), [annotatorId, level]);
  return (
    <Section icon="star" title={t('level_history')} testid="level-history">
      <LoadState state={changes}>
        {(c) => {
          const mine = c.items.filter((x) => x.annotator_id === annotatorId);
          return mine.length === 0 ? (
            <p class="muted">{t('level_history_none')}</p>
          ) : (
            <ul class="rows">
              {mine.map((x) => (
                <li class="row row-wrap" key={x.id} data-testid="level-change" data-to={x.to_level} data-source={x.source}>
                  <Icon name={x.source === 'rule' ? 'chart' : 'user'} />
                  <div class="row-main">
                    <strong>
                      {levelWord(x.from_level)} → {levelWord(x.to_level)}
                    </strong>
                    <span class="muted">
                      {t(x.source === 'rule' ? 'level_by_rule' : 'level_by_lead')} · {shortTime(x.created_at, getLang())}
                      {x.note ? ` · ${x.note}` : ''}
                    </span>
                  </div>
                </li>
              ))}
            </ul>
          );
        }}
      </LoadState>
    </Section>
  );
}

/** A qualification in words (the known keys), else its key as typed. */
export function qualificationName(key: string): string {
  const known: Record<string, Key> = {
    bbox: 'qual_bbox',
    medical: 'qual_medical',
    single_choice: 'qual_single_choice',
    multi_label: 'qual_multi_label',
    text_classification: 'qual_text_classification',
  };
  return known[key] ? t(known[key]) : key;
}

const QUAL_KEYS = ['single_choice', 'multi_label', 'bbox', 'text_classification', 'medical'];

/** What a lead typed as a key: a known qualification's word (either language) is its key. */
export function qualificationKey(typed: string): string {
  const v = typed.trim();
  const hit = QUAL_KEYS.find((k) => k === v || ['zh-CN', 'en'].some((l) => t(('qual_' + k) as Key, undefined, l as 'zh-CN' | 'en') === v));
  return hit ?? v;
}

interface Qualification {
  id: number;
  annotator_id: number;
  qualification: string;
  source: 'training' | 'lead';
}

/** A practice unit made of an annotator's mistakes (`/lead/annotators/{id}/practice`). */
interface PracticeUnit {
  id: number;
  created_at: number;
  finished_at: number | null;
  total: number;
  answered: number;
  right: number;
}

/** How the latest practice went (or how far it is). */
export function PracticeLine({ unit }: { unit: PracticeUnit | undefined }) {
  if (!unit) return null;
  return (
    <p class="muted small" data-testid="practice-last">
      <Icon name="book" size={16} />{' '}
      {unit.finished_at
        ? t('practice_last', { when: shortTime(unit.finished_at, getLang()), right: unit.right, total: unit.total })
        : t('practice_open', { answered: unit.answered, total: unit.total })}
    </p>
  );
}

/** Pause, level, qualifications, feedback and proposing as lead, for one annotator. */
function PersonActions({ worker, orders, onChanged }: { worker: WorkerRow; orders: LeadOrder[]; onChanged: () => void }) {
  const quals = useLoad(() => api.get<Items<Qualification>>('/lead/qualifications'));
  const [order, setOrder] = useState<string>('');
  const [note, setNote] = useState('');
  const [qual, setQual] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [say, setSay] = useSay();
  const [feedback, setFeedback] = useState(false);
  const practice = useLoad(
    () => api.get<Items<PracticeUnit>>(`/lead/annotators/${worker.annotator_id}/practice`),
    [worker.annotator_id],
  );

  async function run(f: () => Promise<unknown>, ok: () => string) {
    setError(null);
    setSay(null);
    try {
      await f();
      setSay(ok);
      onChanged();
      await quals.reload();
    } catch (e) {
      setError(e);
    }
  }

  const mine = (quals.data?.items ?? []).filter((q) => q.annotator_id === worker.annotator_id);
  return (
    <Section icon="user" title={worker.display_name} testid="person-actions">
      <div class="form-grid">
        <Field label={t('rules_for')}>
          <select value={order} onChange={(e) => setOrder(e.currentTarget.value)} data-testid="pause-order">
            <option value="">{t('all_work')}</option>
            {orders.map((o) => (
              <option key={o.id} value={String(o.id)}>
                {o.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t('pause_note')}>
          <input value={note} onInput={(e) => setNote(e.currentTarget.value)} maxLength={500} />
        </Field>
      </div>
      <div class="btn-row">
        <Button
          icon="pause"
          label={order ? t('pause_on_order') : t('pause_all')}
          data-testid="pause-person"
          onClick={() =>
            void run(
              () => api.post('/lead/pauses', { annotator_id: worker.annotator_id, order_id: order ? Number(order) : null, note }),
              () => t('paused_done'),
            )
          }
        />
        {(['trainee', 'standard', 'expert'] as SkillLevel[])
          .filter((l) => l !== worker.level)
          .map((l) => (
            <Button
              key={l}
              icon="star"
              label={`${t('set_level')}: ${t(('skill_' + l) as Key)}`}
              data-testid={'level-' + l}
              onClick={() =>
                void run(
                  () => api.post(`/lead/annotators/${worker.annotator_id}/level`, { level: l }),
                  () => t('level_saved', { level: t(('skill_' + l) as Key) }),
                )
              }
            />
          ))}
        <Button icon="message" label={t('feedback_to', { name: worker.display_name })} onClick={() => setFeedback(!feedback)} />
        <Button
          icon="book"
          label={t('practice_send')}
          data-testid="send-practice"
          onClick={() => {
            let n = 0;
            void run(
              async () => {
                n = (await api.post<{ total: number }>(`/lead/annotators/${worker.annotator_id}/practice`, {})).total;
              },
              () => t('practice_sent', { name: worker.display_name, n }),
            ).then(() => practice.reload());
          }}
        />
      </div>
      <PracticeLine unit={practice.data?.items[0]} />
      {feedback && <FeedbackForm annotatorId={worker.annotator_id} annotatorName={worker.display_name} onSent={() => setFeedback(false)} />}
      <h3 class="sub-head">{t('qualifications')}</h3>
      <ul class="label-chips" data-testid="qualifications">
        {mine.map((q) => (
          <li class="chip" key={q.id}>
            <Icon name="tag" size={16} />
            <span title={q.qualification}>{qualificationName(q.qualification)}</span>
            <span class="muted small">{t(q.source === 'training' ? 'source_training' : 'source_lead')}</span>
            <ConfirmButton
              icon="x"
              label={t('revoke_q')}
              question={t('revoke_confirm')}
              onConfirm={() => run(() => api.post(`/lead/qualifications/${q.id}/revoke`), () => t('revoked'))}
            />
          </li>
        ))}
      </ul>
      <form
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (!qual.trim()) return;
          void run(
            () => api.post('/lead/qualifications', { annotator_id: worker.annotator_id, qualification: qualificationKey(qual) }),
            () => t('grant'),
          ).then(() => setQual(''));
        }}
      >
        <Field label={t('qualification_key')}>
          <input value={qual} onInput={(e) => setQual(e.currentTarget.value)} list="qualification-keys" />
        </Field>
        <datalist id="qualification-keys">
          {QUAL_KEYS.map((k) => (
            <option key={k} value={qualificationName(k)} />
          ))}
        </datalist>
        <Button type="submit" icon="plus" label={t('grant')} />
      </form>
      <div class="btn-row">
        <ConfirmButton
          icon="users"
          label={t('propose_lead')}
          question={t('propose_lead') + '?'}
          testid="propose-lead"
          onConfirm={() => run(() => api.post('/lead/proposals', { annotator_id: worker.annotator_id, note: '' }), () => t('proposed'))}
        />
      </div>
      {say && <Note kind="ok" testid="person-note">{say()}</Note>}
      <ErrorNote error={error} />
    </Section>
  );
}
