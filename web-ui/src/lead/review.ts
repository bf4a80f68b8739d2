// The lead's screens without the DOM: the API's shapes, answers in words, boxes to draw,
// sorting the quality table, alerts in words. Tested in review.test.ts.

import { getLang, t, type Key } from '../i18n';
import type { SkillLevel } from '../api';
import { yuan } from '../util';

import type { ItemField, Template } from '../kinds/types';

export type TaskType = 'single_choice' | 'multi_label' | 'bbox' | 'text_classification' | 'template';

export interface LabelDef {
  key: string;
  name_zh: string;
  name_en: string;
  colour: string;
  hotkey?: string | null;
}

export interface Box {
  label: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

/** An answer in an order's shape. */
export type AnswerValue = { label?: string; labels?: string[]; boxes?: Box[] } | null | undefined;

export interface QueueOrder {
  id: number;
  name: string;
  state: string;
  deadline: number | null;
  task_type: TaskType;
  labels: LabelDef[];
  /** The order's template (absent on an older server). */
  template?: Template;
}

export interface ReasonOut {
  reason: 'escalated' | 'skipped' | 'gold_failure' | 'client_flag';
  note: string | null;
  label_id: number | null;
  created_at: number;
}

export interface AnswerOut {
  label_id: number;
  annotator_id: number;
  annotator_name: string;
  colour: string;
  answer: AnswerValue;
  skip_reason: string | null;
  seconds: number;
  created_at: number;
  excluded: boolean;
  agrees: boolean | null;
  /** A written answer's flags (copied_prompt, unchanged, same_as_other). */
  flags?: string[];
}

export interface ReviewItem {
  order_id: number;
  item_id: number;
  kind: 'image' | 'text';
  thumb_url: string | null;
  screen_url: string | null;
  text: string | null;
  width: number | null;
  height: number | null;
  /** The item's fields by name (absent on an older server). */
  fields?: ItemField[];
  is_gold: boolean;
  gold: AnswerValue;
  state: string;
  consensus: AnswerValue;
  confidence: number | null;
  final_answer: boolean;
  labels_count: number;
  needed: number;
  skips: number;
  since: number;
  reasons: ReasonOut[];
  answers: AnswerOut[];
}

export interface QueueOut {
  orders: QueueOrder[];
  items: ReviewItem[];
}

export interface QueueOrderCount {
  order_id: number;
  order_name: string;
  deadline: number | null;
  escalated: number;
  skipped: number;
  gold_failure: number;
  client_flag: number;
}

export interface TrendDay {
  day: number;
  date: string;
  labels: number;
  gold_total: number;
  gold_correct: number;
  gold_accuracy: number | null;
  judged: number;
  agreement: number | null;
}

export interface PauseBrief {
  id: number;
  order_id: number | null;
  order_name: string | null;
  reason: string;
}

export interface WorkerRow {
  annotator_id: number;
  display_name: string;
  photo_url: string | null;
  level: SkillLevel;
  disabled: boolean;
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
  median_seconds: number | null;
  items_per_hour: number | null;
  active_hours: number;
  too_fast: boolean;
  spam_like: boolean;
  trend: TrendDay[];
  pauses: PauseBrief[];
  qualifications: string[];
}

export interface PauseOut {
  id: number;
  annotator_id: number;
  annotator_name: string;
  order_id: number | null;
  order_name: string | null;
  reason: string;
  note: string | null;
  figures: Record<string, number | null> | null;
  created_by: number | null;
  created_at: number;
  live: boolean;
  lifted_at: number | null;
  lifted_by: number | null;
  exclude_pending: boolean;
  excluded_at: number | null;
  excluded_labels: number;
}

export interface AlertOut {
  id: number;
  text: string;
  about_id: number | null;
  about_name: string | null;
  order_id: number | null;
  order_name: string | null;
  pause_id: number | null;
  data: {
    event?: string;
    reason?: string;
    figures?: Record<string, number | null>;
    from?: string;
    to?: string;
    /** `wage_low`: the order's real earning per hour at the centre, and the centre's floor. */
    fen_per_hour?: number;
    floor_fen?: number;
    /** `blind_accept`: planted (known-wrong) model suggestions shown, and accepted as they were. */
    shown?: number;
    accepted?: number;
  } | null;
  created_at: number;
  read_at: number | null;
}

/** A label's name in the language shown. */
export function labelName(labels: LabelDef[], key: string, lang: string): string {
  const l = labels.find((x) => x.key === key);
  if (!l) return key;
  return lang === 'en' ? l.name_en : l.name_zh;
}

/** An answer in words: the label, the labels, or the number of boxes by label. */
export function answerText(a: AnswerValue, labels: LabelDef[], lang: string): string {
  if (!a) return '—';
  if (typeof a.label === 'string') return labelName(labels, a.label, lang);
  if (Array.isArray(a.labels)) return a.labels.length ? a.labels.map((k) => labelName(labels, k, lang)).join('、') : '∅';
  if (Array.isArray(a.boxes)) {
    if (a.boxes.length === 0) return t('no_boxes_answer');
    const counts = new Map<string, number>();
    for (const b of a.boxes) counts.set(b.label, (counts.get(b.label) ?? 0) + 1);
    return [...counts].map(([k, n]) => `${labelName(labels, k, lang)} ×${n}`).join('、');
  }
  return formShort(a);
}

/** A template's answer without its template at hand: each question's key and answer. */
export function formShort(a: unknown): string {
  if (!a || typeof a !== 'object') return '—';
  const parts = Object.entries(a as Record<string, unknown>).map(([k, v]) => {
    if (Array.isArray(v)) return `${k}: ${v.every((x) => typeof x === 'string') ? v.join('、') || '∅' : `×${v.length}`}`;
    return `${k}: ${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`;
  });
  return parts.length ? parts.join(' · ') : '—';
}

/** Boxes of an answer, only well-formed ones. */
export function boxesOf(a: AnswerValue): Box[] {
  if (!a || !Array.isArray(a.boxes)) return [];
  return a.boxes.filter(
    (b) => b && typeof b.x === 'number' && typeof b.y === 'number' && typeof b.w === 'number' && typeof b.h === 'number',
  );
}

/** An answer as the API takes it back (boxes without the consensus's extra fields). */
export function cleanAnswer(a: AnswerValue): AnswerValue {
  if (!a) return a;
  if (Array.isArray(a.boxes)) return { boxes: boxesOf(a).map(({ label, x, y, w, h }) => ({ label, x, y, w, h })) };
  if (Array.isArray(a.labels)) return { labels: [...a.labels] };
  return { label: a.label };
}

/** Whether a form's consensus has no shape for a drawing question some annotator drew on:
 * the annotators' shapes did not match (a disagreement), so there is nothing agreed to
 * accept — accepting would settle the item as "nothing to draw". */
export function nothingAgreed(consensus: unknown, answers: unknown[]): boolean {
  if (!consensus || typeof consensus !== 'object' || Array.isArray(consensus)) return false;
  return Object.entries(consensus as Record<string, unknown>).some(
    ([k, v]) =>
      Array.isArray(v) &&
      v.length === 0 &&
      answers.some((a) => {
        const x = a && typeof a === 'object' ? (a as Record<string, unknown>)[k] : undefined;
        return Array.isArray(x) && x.length > 0;
      }),
  );
}

/** A share as a whole percentage, or '—'. */
export function pct(v: number | null | undefined): string {
  return typeof v === 'number' && Number.isFinite(v) ? `${Math.round(v * 100)}%` : '—';
}

export type SortKey =
  | 'display_name'
  | 'level'
  | 'labels'
  | 'gold_accuracy'
  | 'agreement'
  | 'skill'
  | 'median_seconds'
  | 'items_per_hour'
  | 'flags';

const LEVEL_RANK: Record<string, number> = { trainee: 0, standard: 1, expert: 2 };

function sortValue(w: WorkerRow, key: SortKey): number | string | null {
  switch (key) {
    case 'display_name':
      return w.display_name;
    case 'level':
      return LEVEL_RANK[w.level] ?? 0;
    case 'flags':
      return Number(w.too_fast) + Number(w.spam_like) + w.pauses.length;
    default:
      return w[key];
  }
}

/** The quality table sorted by one column; people without a figure go last either way. */
export function sortWorkers(rows: WorkerRow[], key: SortKey, dir: 'asc' | 'desc'): WorkerRow[] {
  const sign = dir === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const va = sortValue(a, key);
    const vb = sortValue(b, key);
    if (va === null && vb === null) return a.display_name.localeCompare(b.display_name, 'zh-CN');
    if (va === null) return 1;
    if (vb === null) return -1;
    const c = typeof va === 'string' ? va.localeCompare(vb as string, 'zh-CN') : va - (vb as number);
    return c === 0 ? a.display_name.localeCompare(b.display_name, 'zh-CN') : sign * c;
  });
}

function num(v: number | null | undefined): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/** What an alert says, in the UI's words. */
export function alertText(a: AlertOut): string {
  const d = a.data ?? {};
  const f = d.figures ?? {};
  const name = a.about_name ?? '';
  const order = a.order_name ?? '';
  if (d.event === 'paused') {
    switch (d.reason) {
      case 'gold_accuracy':
        return t('alert_paused_gold_accuracy', {
          name,
          order,
          acc: Math.round(num(f.accuracy) * 100),
          right: num(f.gold_correct),
          total: num(f.gold_total),
          limit: Math.round(num(f.threshold) * 100),
        });
      case 'too_fast':
        return t('alert_paused_too_fast', { name, order, s: num(f.median_seconds).toFixed(1) });
      case 'spam':
        return t('alert_paused_spam', { name, order, acc: Math.round(num(f.agreement) * 100) });
    }
  }
  if (d.event === 'promoted' && d.from && d.to) {
    return t('alert_promoted', { name, from: t(('skill_' + d.from) as Key), to: t(('skill_' + d.to) as Key) });
  }
  if (d.event === 'wage_low') {
    return t('alert_wage_low', { order, real: yuan(num(d.fen_per_hour)), floor: yuan(num(d.floor_fen)) });
  }
  if (d.event === 'blind_accept') {
    return t('alert_blind_accept', { name, order, accepted: num(d.accepted), shown: num(d.shown) });
  }
  return t('alert_other', { text: a.text });
}

/** Why a pause was made, in a few words, with its figures. */
export function pauseText(p: Pick<PauseOut, 'reason' | 'figures' | 'note'>): string {
  const f = p.figures ?? {};
  const sep = getLang() === 'en' ? ': ' : '：';
  switch (p.reason) {
    case 'gold_accuracy':
      return `${t('reason_gold_accuracy')}${sep}${Math.round(num(f.accuracy) * 100)}% (${num(f.gold_correct)}/${num(f.gold_total)})`;
    case 'too_fast':
      return `${t('reason_too_fast')}${sep}${t('seconds_n', { n: num(f.median_seconds).toFixed(1) })}`;
    case 'spam':
      return `${t('reason_spam')}${sep}${Math.round(num(f.agreement) * 100)}%`;
    default:
      return p.note ? `${t('reason_lead')}${sep}${p.note}` : t('reason_lead');
  }
}

/** The reason words of a queue entry. */
export function reasonKey(r: ReasonOut['reason']): Key {
  return ('reason_' + r) as Key;
}
