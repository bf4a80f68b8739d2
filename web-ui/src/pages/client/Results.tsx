// The client's results of an order, a page at a time, with a "doubtful" flag on each item
// (a lead of a centre that labelled it looks again), the flags and what became of them, and
// the order's quality report with its CSV download.

import { useState } from 'preact/hooks';
import { api, type Items } from '../../api';
import { getLang, t, type Key } from '../../i18n';
import { shortTime } from '../../util';
import { Icon } from '../../components/Icon';
import { Button, ErrorNote, Field, LoadState, Note, Section, useLoad } from '../../components/ui';
import { answerText, boxesOf, labelName, pct, type AnswerValue, type Box, type LabelDef } from '../../lead/review';
import type { Template } from '../../kinds/types';
import type { Order } from '../../orders';
import { answerWords } from '../../kinds/template';
import { ReportAxes, type QuestionAlpha } from '../../components/AxisAlpha';

interface ResultItem {
  item_id: number;
  kind: 'image' | 'text';
  file_name: string;
  thumb_url: string | null;
  text: string | null;
  width: number | null;
  height: number | null;
  state: 'open' | 'resolved' | 'escalated';
  answer: AnswerValue;
  confidence: number | null;
  reviewed: boolean;
  flagged: boolean;
}

interface ResultsOut {
  items: ResultItem[];
  next_after: number | null;
}

interface FlagOut {
  id: number;
  item_id: number;
  note: string | null;
  created_at: number;
  status: 'waiting' | 'decided';
  decision: 'accept' | 'override' | 'send_back' | null;
  answer: AnswerValue;
  state: string;
}

type StateFilter = '' | 'resolved' | 'escalated' | 'open';
const FILTERS: { id: StateFilter; label: Key }[] = [
  { id: '', label: 'state_filter_all' },
  { id: 'resolved', label: 'resolved' },
  { id: 'escalated', label: 'escalated' },
  { id: 'open', label: 'open_items' },
];

export function Results({ o }: { o: Order }) {
  const [filter, setFilter] = useState<StateFilter>('resolved');
  const [pages, setPages] = useState<number[]>([0]);
  const after = pages[pages.length - 1];
  const res = useLoad(
    () => api.get<ResultsOut>(`/orders/${o.id}/results?limit=24&after=${after}` + (filter ? `&state=${filter}` : '')),
    [o.id, filter, after],
  );
  const flags = useLoad(() => api.get<Items<FlagOut>>(`/orders/${o.id}/flags`), [o.id]);
  const labels: LabelDef[] = o.spec.labels;
  // A template order's answers in its own words (every question); the others by label.
  const tpl = o.spec.task_type === 'template' ? o.spec.template : undefined;
  const words = (a: AnswerValue) => (tpl ? answerWords(tpl, a, getLang()) : answerText(a, labels, getLang()));
  return (
    <Section icon="image" title={t('results')} testid="results">
      <p class="muted">{t('results_hint')}</p>
      <div class="tabs" role="group" aria-label={t('results')}>
        {FILTERS.map((f) => (
          <button
            type="button"
            key={f.id}
            class={'tab' + (filter === f.id ? ' on' : '')}
            aria-pressed={filter === f.id}
            onClick={() => {
              setFilter(f.id);
              setPages([0]);
            }}
          >
            {t(f.label)}
          </button>
        ))}
      </div>
      <LoadState state={res}>
        {(r) =>
          r.items.length === 0 ? (
            <p class="muted">{t('none_yet')}</p>
          ) : (
            <>
              <ul class="thumbs result-grid">
                {r.items.map((it) => (
                  <ResultCard
                    key={it.item_id}
                    orderId={o.id}
                    it={it}
                    words={words}
                    boxes={(a) => resultBoxes(a, tpl)}
                    colour={(k) => boxColour(k, labels, tpl)}
                    onFlagged={() => void Promise.all([res.reload(), flags.reload()])}
                  />
                ))}
              </ul>
              <div class="btn-row">
                {pages.length > 1 && <Button icon="back" label={t('back')} onClick={() => setPages(pages.slice(0, -1))} />}
                {r.next_after != null && (
                  <Button icon="forward" label={t('more_results')} onClick={() => setPages([...pages, r.next_after as number])} />
                )}
              </div>
            </>
          )
        }
      </LoadState>
      <LoadState state={flags}>
        {(f) =>
          f.items.length === 0 ? null : (
            <>
              <h3 class="sub-head">{t('flags_title')}</h3>
              <ul class="rows" data-testid="flags">
                {f.items.map((x) => (
                  <li class="row row-wrap" key={x.id} data-testid="flag-row" data-status={x.status}>
                    <Icon name={x.status === 'decided' ? 'check' : 'alert'} />
                    <div class="row-main">
                      <strong>#{x.item_id} {x.note ? `· ${x.note}` : ''}</strong>
                      <span class="muted">
                        {x.status === 'decided' && x.decision
                          ? t('flag_decided', { decision: t(('decided_' + x.decision) as Key) })
                          : t('flag_waiting')}
                        {x.answer ? ` · ${words(x.answer)}` : ''} · {shortTime(x.created_at, getLang())}
                      </span>
                    </div>
                  </li>
                ))}
              </ul>
            </>
          )
        }
      </LoadState>
    </Section>
  );
}

/** Every box of an answer: a box order's `boxes`, and each box question of a template. */
export function resultBoxes(a: AnswerValue, tpl?: Template | null): Box[] {
  if (!a || typeof a !== 'object') return [];
  const out = boxesOf(a);
  for (const q of tpl?.questions ?? []) {
    if (q.kind !== 'boxes' || q.key === 'boxes') continue;
    const v = (a as Record<string, unknown>)[q.key];
    const list = Array.isArray(v) ? v : v && typeof v === 'object' && Array.isArray((v as { boxes?: unknown }).boxes) ? (v as { boxes: Box[] }).boxes : [];
    out.push(...boxesOf({ boxes: list as Box[] }));
  }
  return out;
}

const BOX_COLOURS = ['#1e88e5', '#e53935', '#43a047', '#fb8c00', '#8e24aa', '#00897b'];

/** A class's colour: the order's own, else one of a few by the class's place. */
function boxColour(key: string, labels: LabelDef[], tpl?: Template | null): string {
  const own = labels.find((l) => l.key === key)?.colour;
  if (own) return own;
  const keys = (tpl?.questions ?? []).flatMap((q) => (q.kind === 'boxes' ? (q.options ?? []).map((o) => o.key) : []));
  const i = Math.max(0, keys.indexOf(key));
  return BOX_COLOURS[i % BOX_COLOURS.length];
}

/** The thumbnail with the answer's boxes on it (drawn like the picture: contained, centred). */
function BoxedThumb({ it, boxes, colour }: { it: ResultItem; boxes: Box[]; colour: (k: string) => string }) {
  const w = it.width ?? 0;
  const h = it.height ?? 0;
  const stroke = Math.max(2, Math.round(Math.max(w, h) / 100));
  return (
    <div class="result-thumb">
      <img src={it.thumb_url as string} alt={it.file_name} loading="lazy" />
      {boxes.length > 0 && w > 0 && h > 0 && (
        <svg class="result-boxes" viewBox={`0 0 ${w} ${h}`} preserveAspectRatio="xMidYMid meet" aria-hidden="true" data-testid="result-boxes">
          {boxes.map((b, i) => (
            <g key={i}>
              <rect x={b.x} y={b.y} width={b.w} height={b.h} fill="none" stroke="#000000" stroke-width={stroke + 2} opacity="0.45" />
              <rect data-testid="result-box" data-label={b.label} x={b.x} y={b.y} width={b.w} height={b.h} fill="none" stroke={colour(b.label)} stroke-width={stroke} />
            </g>
          ))}
        </svg>
      )}
    </div>
  );
}

function ResultCard({
  orderId,
  it,
  words,
  boxes,
  colour,
  onFlagged,
}: {
  orderId: number;
  it: ResultItem;
  words: (a: AnswerValue) => string;
  boxes: (a: AnswerValue) => Box[];
  colour: (k: string) => string;
  onFlagged: () => void;
}) {
  const [open, setOpen] = useState(false);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function send(ev: Event) {
    ev.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.post(`/orders/${orderId}/items/${it.item_id}/flag`, { note: note.trim() });
      setOpen(false);
      onFlagged();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  return (
    <li class="thumb result" data-testid="result-item" data-item={it.item_id}>
      {it.thumb_url ? <BoxedThumb it={it} boxes={boxes(it.answer)} colour={colour} /> : <p class="thumb-text">{it.text}</p>}
      <div class="thumb-meta">
        <strong class="result-answer">{words(it.answer)}</strong>
        {it.confidence != null && <span class="muted small">{t('confidence_is', { p: Math.round(it.confidence * 100) })}</span>}
        <span class="thumb-badges">
          {it.reviewed && (
            <span class="badge badge-ok">
              <Icon name="check" size={14} />
              {t('reviewed')}
            </span>
          )}
          {it.flagged && (
            <span class="badge badge-bad" data-testid="flagged">
              <Icon name="alert" size={14} />
              {t('flagged')}
            </span>
          )}
        </span>
        {!it.flagged && !open && (
          <Button icon="alert" kind="plain" label={t('flag')} data-testid="flag" onClick={() => setOpen(true)} />
        )}
        {open && (
          <form class="stack" onSubmit={send}>
            <Field label={t('flag_note')}>
              <input name="flag_note" maxLength={500} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
            </Field>
            <Button type="submit" icon="send" kind="primary" label={t('flag_send')} busy={busy} data-testid="flag-send" />
          </form>
        )}
        <ErrorNote error={error} />
      </div>
    </li>
  );
}

interface Estimate {
  n: number;
  correct: number;
  accuracy: number | null;
  low: number | null;
  high: number | null;
}

interface Report {
  items: number;
  resolved: number;
  escalated: number;
  share_escalated: number | null;
  reviewed: number;
  answers: number;
  sampled: boolean;
  sample_answers: number;
  annotators: number;
  gold: Estimate;
  known: Estimate;
  model_confidence: number | null;
  model_accuracy: number | null;
  fleiss_kappa: number | null;
  krippendorff_alpha: number | null;
  classes: { key: string; name_zh: string; name_en: string; final_count: number; answer_count: number; recall: number | null; precision: number | null }[];
  confusion_classes: string[];
  confusion: number[][];
  questions?: QuestionAlpha[];
}

function EstimateText({ e }: { e: Estimate }) {
  if (e.n === 0 || e.accuracy == null) return <span class="muted">{t('not_enough')}</span>;
  return (
    <>
      {pct(e.accuracy)}{' '}
      <span class="muted small">
        {e.low != null && e.high != null ? t('interval_is', { lo: Math.round(e.low * 100), hi: Math.round(e.high * 100) }) : ''} ·{' '}
        {t('n_checked', { n: e.n })}
      </span>
    </>
  );
}

export function QualityReport({ o }: { o: Order }) {
  const rep = useLoad(() => api.get<Report>(`/orders/${o.id}/quality`), [o.id]);
  const lang = getLang();
  const fix = (v: number | null) => (v == null ? '—' : v.toFixed(2));
  const className = (k: string) => labelName(o.spec.labels, k, lang);
  return (
    <Section
      icon="chart"
      title={t('quality_report')}
      testid="quality-report"
      actions={
        <a class="btn btn-secondary" href={`/api/v1/orders/${o.id}/quality?format=csv`} download data-testid="download-quality">
          <Icon name="download" />
          <span>{t('download_quality_csv')}</span>
        </a>
      }
    >
      <LoadState state={rep}>
        {(r) => (
          <>
            {r.sampled && <Note kind="info">{t('report_sampled', { n: r.sample_answers })}</Note>}
            <dl class="facts">
              <div>
                <dt>{t('acc_gold')}</dt>
                <dd data-testid="report-gold">
                  <EstimateText e={r.gold} />
                </dd>
              </div>
              <div>
                <dt>{t('acc_known')}</dt>
                <dd>
                  <EstimateText e={r.known} />
                </dd>
              </div>
              <div>
                <dt>{t('acc_model')}</dt>
                <dd>
                  {pct(r.model_accuracy)} <span class="muted small">{t('mean_confidence')} {pct(r.model_confidence)}</span>
                </dd>
              </div>
              <div>
                <dt>{t('fleiss')}</dt>
                <dd data-testid="report-kappa">{fix(r.fleiss_kappa)}</dd>
              </div>
              <div>
                <dt>{t('kripp')}</dt>
                <dd>{fix(r.krippendorff_alpha)}</dd>
              </div>
              <div>
                <dt>{t('share_escalated')}</dt>
                <dd>
                  {pct(r.share_escalated)} <span class="muted small">{t('reviewed_n', { n: r.reviewed })}</span>
                </dd>
              </div>
            </dl>
            <ReportAxes questions={r.questions ?? []} template={o.spec.template} />
            <div class="table-scroll">
              <table class="quality-table">
                <caption>{t('per_class')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('col_class')}</th>
                    <th scope="col">{t('col_final')}</th>
                    <th scope="col">{t('col_answers')}</th>
                    <th scope="col">{t('col_recall')}</th>
                    <th scope="col">{t('col_precision')}</th>
                  </tr>
                </thead>
                <tbody>
                  {r.classes.map((c) => (
                    <tr key={c.key}>
                      <th scope="row">{lang === 'en' ? c.name_en : c.name_zh}</th>
                      <td>{c.final_count}</td>
                      <td>{c.answer_count}</td>
                      <td>{pct(c.recall)}</td>
                      <td>{pct(c.precision)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {r.confusion.length > 0 && (
              <div class="table-scroll">
                <table class="confusion" data-testid="report-confusion">
                  <caption>{t('confusion')}</caption>
                  <thead>
                    <tr>
                      <td />
                      {r.confusion_classes.map((c) => (
                        <th scope="col" key={c}>
                          {className(c)}
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {r.confusion.map((row, i) => (
                      <tr key={r.confusion_classes[i]}>
                        <th scope="row">{className(r.confusion_classes[i])}</th>
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
          </>
        )}
      </LoadState>
    </Section>
  );
}
