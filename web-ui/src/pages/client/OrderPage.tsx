// One order: its state and actions, progress drawn in plain SVG, units, and the estimated cost.

import { DoctorCard } from '../../medical/Doctor';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type Items } from '../../api';
import { getLang, t, type Key } from '../../i18n';
import { shortTime, yuan } from '../../util';
import { Icon, type IconName } from '../../components/Icon';
import { Button, ConfirmButton, ErrorNote, LoadState, Note, useLoad, useSay } from '../../components/ui';
import { costSoFarFen, orderActions, progressParts, type Order, type OrderState, type Unit } from '../../orders';
import type { Dataset } from './Dataset';
import { BackLink, go } from './nav';
import { GoldPicker } from './GoldPicker';
import { InstructionsPanel } from './InstructionsPanel';
import { QuestionEffect } from './QuestionEffect';
import { Leaderboard, comparesResponses } from './Leaderboard';
import { SuggestionReport } from './SuggestionReport';
import { ModelBackend } from './ModelBackend';
import { useLeadModule } from '../lead/lazy';
import { WageLine } from './WageLine';
import { wageLine, wageRequestOfSpec, type WageCheck } from '../../wage';

const STATE_ICON: Record<OrderState, IconName> = {
  draft: 'edit',
  open: 'play',
  paused: 'pause',
  done: 'done',
  cancelled: 'ban',
};

export function StateBadge({ state }: { state: OrderState }) {
  return (
    <span class={'badge state state-' + state} data-testid="order-state" data-state={state}>
      <Icon name={STATE_ICON[state] ?? 'info'} size={14} />
      {t(('state_' + state) as Key)}
    </span>
  );
}

export function OrderPage({ id }: { id: number }) {
  const order = useLoad(() => api.get<Order>(`/orders/${id}`), [id]);
  const units = useLoad(() => api.get<Items<Unit>>(`/orders/${id}/units`), [id]);
  const datasets = useLoad(() => api.get<Items<Dataset>>('/datasets'));
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [say, setSay] = useSay();
  const [wageWarn, setWageWarn] = useState<string | null>(null);
  // while people label, the numbers move: look again every 20 s (not while the tab is hidden)
  const live = order.data?.state === 'open';
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') void order.reload();
    }, 20_000);
    return () => clearInterval(timer);
  }, [live, order.reload]);

  async function act(action: string) {
    setBusy(action);
    setError(null);
    setSay(null);
    setWageWarn(null);
    try {
      if (action === 'sync') {
        const r = await api.post<{ added_items: number; added_units: number; skipped_items: number }>(`/orders/${id}/sync`);
        setSay(() => t('synced', { items: r.added_items, units: r.added_units, skipped: r.skipped_items }));
      } else if (action === 'publish') {
        const r = await api.post<Order & { wage?: WageCheck }>(`/orders/${id}/publish`);
        setSay(() => t('published_note'));
        if (r.wage?.under) setWageWarn(wageLine(r.wage).warning);
      } else {
        await api.post(`/orders/${id}/${action}`);
      }
      await Promise.all([order.reload(), units.reload()]);
    } catch (e) {
      setError(e);
      // someone (another tab) moved the order on meanwhile: show it as it is now
      if (e instanceof ApiError && e.code === 'order_state') void order.reload();
    } finally {
      setBusy(null);
    }
  }

  return (
    <main class="dash">
      <BackLink to="" label={t('all_orders')} />
      <LoadState state={order}>
        {(o) => {
          const ds = datasets.data?.items.find((d) => d.id === o.dataset_id);
          const actions = orderActions(o.state);
          return (
            <>
              <section class="card" aria-label={o.spec.name} data-testid="order-head">
                <div class="page-head">
                  <h2 class="page-title">
                    <Icon name="clipboard" />
                    <span data-testid="order-name">{o.spec.name}</span>
                  </h2>
                  <StateBadge state={o.state} />
                </div>
                <dl class="facts">
                  <div>
                    <dt>{t('task_type')}</dt>
                    <dd>{t(('task_' + o.spec.task_type) as Key)}</dd>
                  </div>
                  <div>
                    <dt>{t('dataset')}</dt>
                    <dd>
                      <a
                        href={`#/datasets/${o.dataset_id}`}
                        onClick={(e) => {
                          e.preventDefault();
                          go(`#/datasets/${o.dataset_id}`);
                        }}
                      >
                        {ds?.name ?? `#${o.dataset_id}`}
                      </a>
                    </dd>
                  </div>
                  <div>
                    <dt>{t('overlap')}</dt>
                    <dd>
                      {o.spec.overlap.kind === 'fixed'
                        ? t('overlap_fixed_is', { n: o.spec.overlap.n })
                        : t('overlap_dynamic_is', {
                            min: o.spec.overlap.min,
                            max: o.spec.overlap.max,
                            target: Math.round(o.spec.overlap.target * 100),
                          })}
                    </dd>
                  </div>
                  <div>
                    <dt>{t('piece_rate')}</dt>
                    <dd>
                      {yuan(o.spec.piece_rate_fen)}
                      {o.spec.task_type === 'bbox' && o.spec.box_rate_fen > 0 ? ` + ${t('per_box', { y: yuan(o.spec.box_rate_fen) })}` : ''}
                    </dd>
                  </div>
                  <div>
                    <dt>{t('labels')}</dt>
                    <dd class="label-chips">
                      {o.spec.labels.map((l) => (
                        <span class="chip" key={l.key}>
                          <span class="chip-dot" style={{ background: l.colour }} aria-hidden="true" />
                          {l.hotkey && <kbd>{l.hotkey}</kbd>}
                          {getLang() === 'en' ? l.name_en : l.name_zh}
                        </span>
                      ))}
                    </dd>
                  </div>
                  <div>
                    <dt>{t('gold')}</dt>
                    <dd>
                      {t('gold_is', {
                        share: Math.round(o.spec.gold_share * 100),
                        max: o.spec.max_gold_items == null ? t('no_limit') : o.spec.max_gold_items,
                      })}
                    </dd>
                  </div>
                  <div>
                    <dt>{t('unit_size')}</dt>
                    <dd>{o.spec.unit_size}</dd>
                  </div>
                  <div>
                    <dt>{t('deadline')}</dt>
                    <dd>{o.spec.deadline ? shortTime(o.spec.deadline, getLang()) : t('no_deadline')}</dd>
                  </div>
                  <div>
                    <dt>{o.published_at ? t('published') : t('created')}</dt>
                    <dd>{shortTime(o.published_at ?? o.created_at, getLang())}</dd>
                  </div>
                </dl>
                {o.spec.instructions && (
                  <div class="instructions">
                    <strong>{t('instructions')}</strong>
                    <p>{o.spec.instructions}</p>
                  </div>
                )}
                {actions.length > 0 && (
                  <div class="btn-row" data-testid="order-actions">
                    {actions.includes('publish') && (
                      <Button icon="send" kind="primary" label={t('publish')} busy={busy === 'publish'} data-testid="publish" onClick={() => void act('publish')} />
                    )}
                    {actions.includes('edit') && (
                      <Button icon="edit" label={t('edit')} data-testid="edit" onClick={() => go(`#/orders/${id}/edit`)} />
                    )}
                    {actions.includes('pause') && (
                      <Button icon="pause" label={t('pause')} busy={busy === 'pause'} data-testid="pause" onClick={() => void act('pause')} />
                    )}
                    {actions.includes('resume') && (
                      <Button icon="play" kind="primary" label={t('resume')} busy={busy === 'resume'} data-testid="resume" onClick={() => void act('resume')} />
                    )}
                    {actions.includes('sync') && (
                      <Button icon="refresh" label={t('sync')} busy={busy === 'sync'} data-testid="sync" onClick={() => void act('sync')} />
                    )}
                    {actions.includes('cancel') && (
                      <ConfirmButton icon="ban" label={t('cancel_order')} question={t('cancel_order_confirm')} testid="cancel-order" onConfirm={() => act('cancel')} />
                    )}
                  </div>
                )}
                {o.state === 'draft' && <WageLine request={wageRequestOfSpec(o.spec, o.id)} />}
                {say && <Note kind="ok" testid="order-note">{say()}</Note>}
                {wageWarn && <Note kind="error" testid="publish-wage-warning">{wageWarn}</Note>}
                <ErrorNote error={error} />
              </section>
              <Progress o={o} />
              {o.state !== 'cancelled' && o.state !== 'done' && <ModelBackend orderId={o.id} />}
              {o.state !== 'draft' && <InstructionsPanel o={o} />}
              {o.state !== 'draft' && <QuestionEffect orderId={o.id} />}
              {o.state !== 'draft' && comparesResponses(o.spec) && <Leaderboard orderId={o.id} />}
              {o.state !== 'draft' && <SuggestionReport orderId={o.id} enabled={!!o.spec.suggestions} />}
              {o.state !== 'draft' && (o.spec.template?.questions ?? []).some((q) => q.kind === 'writing') && <FollowUp o={o} />}
              {o.state !== 'draft' && (o.spec.template?.questions ?? []).some((q) => q.kind === 'finding') && <DoctorCard orderId={o.id} />}
              {o.state !== 'draft' && <Live id={o.id} live={o.state === 'open'} />}
              {o.state !== 'draft' && <Downloads o={o} />}
              {o.state !== 'draft' && <ReportAndResults o={o} />}
              {o.state === 'draft' && <GoldPicker order={o} />}
            </>
          );
        }}
      </LoadState>
      <section class="card" aria-label={t('units')} data-testid="units">
        <div class="card-head">
          <h2>
            <Icon name="users" />
            <span>{t('units')}</span>
          </h2>
        </div>
        <LoadState state={units}>{(u) => <Units units={u.items} />}</LoadState>
      </section>
    </main>
  );
}

/** Resolved / escalated / open items as one stacked bar: colour plus pattern plus words. */
export function ProgressBar({ resolved, escalated, open, total }: { resolved: number; escalated: number; open: number; total: number }) {
  const W = 600;
  const H = 36;
  const w = (n: number) => (total > 0 ? (n / total) * W : 0);
  const pct = (n: number) => (total > 0 ? Math.round((n / total) * 100) : 0);
  const label = t('progress_aria', { r: resolved, e: escalated, o: open, total });
  return (
    <figure class="chart" data-testid="progress-chart">
      <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-label={label} class="bar-svg">
        <defs>
          <pattern id="hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
            <rect width="8" height="8" fill="#e9a23b" />
            <line x1="0" y1="0" x2="0" y2="8" stroke="#b36b00" stroke-width="3" />
          </pattern>
        </defs>
        <rect x="0" y="0" width={W} height={H} rx="8" fill="#ece6da" />
        <rect x="0" y="0" width={w(resolved)} height={H} fill="var(--primary)" />
        <rect x={w(resolved)} y="0" width={w(escalated)} height={H} fill="url(#hatch)" />
      </svg>
      <figcaption class="legend">
        <span>
          <i class="lg-key lg-resolved" aria-hidden="true" />
          {t('resolved')} <strong>{resolved}</strong> ({pct(resolved)}%)
        </span>
        <span>
          <i class="lg-key lg-escalated" aria-hidden="true" />
          {t('escalated')} <strong>{escalated}</strong>
        </span>
        <span>
          <i class="lg-key lg-open" aria-hidden="true" />
          {t('open_items')} <strong>{open}</strong>
        </span>
      </figcaption>
    </figure>
  );
}

function Progress({ o }: { o: Order }) {
  const p = progressParts(o.counts);
  const cost = costSoFarFen(o);
  if (o.state === 'draft')
    return (
      <section class="card" aria-label={t('progress')} data-testid="progress">
        <div class="card-head">
          <h2>
            <Icon name="chart" />
            <span>{t('progress')}</span>
          </h2>
        </div>
        <Note kind="info">{t('draft_progress_hint')}</Note>
      </section>
    );
  return (
    <section class="card" aria-label={t('progress')} data-testid="progress">
      <div class="card-head">
        <h2>
          <Icon name="chart" />
          <span>{t('progress')}</span>
        </h2>
        <span class="muted">{t('resolved_of', { n: p.resolved, total: p.total })}</span>
      </div>
      <ProgressBar {...p} />
      <div class="stats stats-4">
        <Stat icon="image" label={t('items_to_label')} value={String(o.counts.items)} testid="n-items" />
        <Stat icon="star" label={t('gold_items')} value={String(o.counts.gold_items)} testid="n-gold" />
        <Stat icon="check" label={t('labels_received')} value={String(o.counts.labels)} testid="n-labels" />
        <Stat icon="users" label={t('units')} value={String(o.counts.units)} testid="n-units" />
      </div>
      <div class="cost" data-testid="cost">
        <Icon name="coin" size={28} />
        <div>
          <span class="stat-label">{t('cost_so_far')}</span>
          <strong class="cost-value">{yuan(cost)}</strong>
          <span class="muted hint">{t('cost_estimate_hint', { n: o.counts.labels, rate: yuan(o.spec.piece_rate_fen) })}</span>
        </div>
      </div>
    </section>
  );
}

interface ProgressApi {
  gold_labels: number;
  gold_accuracy: number | null;
  labels_last_hour: number;
  labels_remaining: number;
  eta_seconds: number | null;
  /** A medical order: what its expert ladder cost so far (fen) and how many decisions. */
  expert_fen?: number;
  doctor_fen?: number;
  expert_decisions?: number;
  doctor_decisions?: number;
}

/** When the order should be done, in words. */
export function etaText(p: Pick<ProgressApi, 'eta_seconds' | 'labels_remaining'>): string {
  if (p.labels_remaining === 0) return t('eta_done');
  if (p.eta_seconds === null) return t('eta_unknown');
  const m = Math.max(1, Math.round(p.eta_seconds / 60));
  return m >= 90 ? t('eta_hours', { h: Math.round(m / 60) }) : t('eta_minutes', { m });
}

/** Gold accuracy, the recent rate and the ETA from `/orders/{id}/progress`. */
function Live({ id, live }: { id: number; live: boolean }) {
  const p = useLoad(() => api.get<ProgressApi>(`/orders/${id}/progress`), [id]);
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') void p.reload();
    }, 20_000);
    return () => clearInterval(timer);
  }, [live, p.reload]);
  if (!p.data) return null;
  const d = p.data;
  const gold = d.gold_accuracy === null ? '—' : `${Math.round(d.gold_accuracy * 100)}% (${d.gold_labels})`;
  return (
    <section class="card" aria-label={t('eta')} data-testid="live">
      <div class="stats stats-3">
        <Stat icon="star" label={t('gold_accuracy')} value={gold} testid="gold-accuracy" />
        <Stat icon="chart" label={t('labels_last_hour')} value={String(d.labels_last_hour)} testid="last-hour" />
        <Stat icon="forward" label={t('eta')} value={etaText(d)} testid="eta" />
      </div>
      {(d.expert_decisions ?? 0) + (d.doctor_decisions ?? 0) > 0 && (
        <p class="muted hint" data-testid="ladder-cost">
          <Icon name="users" size={18} />{' '}
          {t('med_cost', {
            experts: d.expert_decisions ?? 0,
            expert: yuan(d.expert_fen ?? 0),
            doctors: d.doctor_decisions ?? 0,
            doctor: yuan(d.doctor_fen ?? 0),
          })}
        </p>
      )}
    </section>
  );
}

/** The question kinds a COCO export writes (`mudou_domain::formats::coco`). */
const COCO_KINDS = ['boxes', 'polygon', 'rotated_box', 'mask', 'keypoints'];
/** The question kinds drawn on a picture. */
const DRAWING_KINDS = ['boxes', 'polygon', 'polyline', 'keypoints', 'rotated_box', 'mask'];

/** Links to every export this order's task type has; the LLM formats when its template asks
 * the questions they read (`kinds`: the template's question kinds). */
export function exportFormats(taskType: string, kinds: string[] = []): { format: string; key: Key }[] {
  const all: { format: string; key: Key }[] = [
    { format: 'jsonl', key: 'download_jsonl' },
    { format: 'csv', key: 'download_csv' },
    { format: 'labelstudio', key: 'download_labelstudio' },
  ];
  // COCO carries every drawing kind but lines (the server refuses a polyline-only order);
  // YOLO the first drawing question but a polyline; CVAT the first drawing question.
  if (taskType === 'bbox' || kinds.some((k) => COCO_KINDS.includes(k))) {
    all.push({ format: 'coco', key: 'download_coco' }, { format: 'coco&source=gold', key: 'download_coco_gold' });
  }
  const drawing = taskType === 'bbox' ? 'boxes' : kinds.find((k) => DRAWING_KINDS.includes(k));
  if (drawing && drawing !== 'polyline') all.push({ format: 'yolo', key: 'download_yolo' });
  if (drawing) all.push({ format: 'cvat', key: 'download_cvat' });
  const compares = kinds.includes('pairwise') || kinds.includes('ranking');
  if (compares) all.push({ format: 'preference', key: 'download_preference' });
  if (kinds.includes('ranking')) all.push({ format: 'ranking', key: 'download_ranking' });
  if (kinds.includes('rubric')) all.push({ format: 'ratings', key: 'download_ratings' });
  if (compares) all.push({ format: 'leaderboard', key: 'download_leaderboard' });
  if (kinds.includes('writing')) all.push({ format: 'sft', key: 'download_sft' });
  return all;
}

/** A writing order's answers sent on to be rated: a dataset of the settled answers (the prompt
 * and the answer as `response_1`), on which the client then orders a rating as on any dataset. */
export function FollowUp({ o }: { o: Order }) {
  const [busy, setBusy] = useState(false);
  const [made, setMade] = useState<{ dataset_id: number; items: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const make = async () => {
    setBusy(true);
    setError(null);
    try {
      setMade(await api.post<{ dataset_id: number; name: string; items: number }>(`/orders/${o.id}/followup`));
    } catch (e) {
      setError(e instanceof ApiError && e.status === 409 ? t('followup_none') : e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card stack" aria-label={t('followup_title')} data-testid="followup">
      <h2 class="sub-head">
        <Icon name="star" />
        {t('followup_title')}
      </h2>
      <p class="muted">{t('followup_hint')}</p>
      {made ? (
        <a class="btn btn-primary" href={`#/datasets/${made.dataset_id}`} data-testid="followup-open">
          <Icon name="play" />
          <span>{t('followup_made', { n: made.items })}</span>
        </a>
      ) : (
        <button type="button" class="btn btn-primary" disabled={busy} onClick={() => void make()} data-testid="followup-make">
          <Icon name="star" />
          <span>{t('followup_make')}</span>
        </button>
      )}
      {error && (
        <p class="error" role="alert" data-testid="followup-error">
          {error}
        </p>
      )}
    </section>
  );
}

function Downloads({ o }: { o: Order }) {
  const [all, setAll] = useState(false);
  const include = all ? '&include=all' : '';
  return (
    <section class="card" aria-label={t('downloads')} data-testid="downloads">
      <div class="card-head">
        <h2>
          <Icon name="download" />
          <span>{t('downloads')}</span>
        </h2>
      </div>
      <div class="btn-row">
        {exportFormats(
          o.spec.task_type,
          (o.spec.template?.questions ?? []).map((q) => q.kind),
        ).map((f) => (
          <a
            key={f.format}
            class="btn btn-secondary"
            href={`/api/v1/orders/${o.id}/export?format=${f.format}${f.format.includes('source=gold') || f.format === 'leaderboard' ? '' : include}`}
            download
            data-testid={`download-${f.format.replace('&source=gold', '-gold')}`}
          >
            <Icon name="download" />
            <span>{t(f.key)}</span>
          </a>
        ))}
      </div>
      <label class="check">
        <input type="checkbox" checked={all} onChange={() => setAll(!all)} data-testid="download-include-all" />
        {t('download_unsettled')}
      </label>
      {!all && <p class="muted">{t('download_settled_only')}</p>}
    </section>
  );
}

function Stat({ icon, label, value, testid }: { icon: IconName; label: string; value: string; testid: string }) {
  return (
    <div class="stat" data-testid={testid}>
      <Icon name={icon} size={28} />
      <span class="stat-label">{label}</span>
      <span class="stat-value">{value}</span>
    </div>
  );
}

/** Units as small columns: height is the item count, the number above is how many people. */
function Units({ units }: { units: Unit[] }) {
  if (units.length === 0) return <p class="muted">{t('no_units')}</p>;
  const slots = units.reduce((n, u) => n + u.slots, 0);
  const items = units.reduce((n, u) => n + u.items, 0);
  const max = Math.max(...units.map((u) => u.items), 1);
  const shown = units.slice(0, 120);
  const bw = 14;
  const gap = 4;
  const H = 80;
  const W = shown.length * (bw + gap);
  return (
    <>
      <p data-testid="units-summary">{t('units_summary', { n: units.length, items, slots })}</p>
      <div class="units-scroll">
        <svg
          class="units-svg"
          width={W}
          height={H + 18}
          viewBox={`0 0 ${W} ${H + 18}`}
          role="img"
          aria-label={t('units_summary', { n: units.length, items, slots })}
        >
          {shown.map((u, i) => {
            const h = Math.max(2, (u.items / max) * H);
            return (
              <g key={u.id}>
                <title>{t('unit_tip', { seq: u.seq, items: u.items, slots: u.slots })}</title>
                <rect x={i * (bw + gap)} y={H - h + 18} width={bw} height={h} rx="3" fill="var(--info)" />
                <text x={i * (bw + gap) + bw / 2} y={H - h + 14} text-anchor="middle" font-size="10" fill="var(--muted)">
                  {u.slots}
                </text>
              </g>
            );
          })}
        </svg>
      </div>
      <p class="muted hint">{t('units_hint')}</p>
    </>
  );
}

/** The quality report and the results with their flags (loaded on first use). */
function ReportAndResults({ o }: { o: Order }) {
  const m = useLeadModule();
  if (!m) return null;
  return (
    <>
      <m.OrderQuestions orderId={o.id} />
      <m.QualityReport o={o} />
      <m.Results o={o} />
    </>
  );
}
