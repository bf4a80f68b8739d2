// The fair-wage check as pure logic: the order form's rates → the check's request, and the
// server's answer → the line the client reads ("预计时薪 ¥18.00/小时", a warning under a
// centre's minimum wage). The order form only draws what these return.

import { parseYuan } from './money';
import { paysPerBox, type OrderForm, type OrderSpec, type TaskType } from './orders';
import { cleanTemplate } from './kinds/builder';
import type { Template } from './kinds/types';
import { t } from './i18n';
import { yuan } from './util';

export interface WageCheckRequest {
  task_type: TaskType;
  piece_rate_fen: number;
  box_rate_fen: number;
  box_pay_cap: number;
  eligible_centres: number[];
  order_id?: number;
  /** With a dataset, an order whose items are read gets its time per item from the texts. */
  dataset_id?: number;
  template?: Template;
  unit_size?: number;
}

/** The time a read order's items take (the dataset's median item), from the check. */
export interface ReadingEstimate {
  items: number;
  median_cjk: number;
  median_words: number;
  read_ms: number;
  answer_ms: number;
  item_ms: number;
  unit_ms: number;
  cjk_per_minute: number;
  words_per_minute: number;
}

export interface CentreFloor {
  centre_id: number;
  name: string;
  floor_fen: number;
  policy: 'warn' | 'refuse';
  under: boolean;
}

export interface WageCheck {
  expected_fen_per_hour: number;
  pay_per_answer_fen: number;
  basis: 'order' | 'history' | 'assumed' | 'reading';
  basis_answers: number;
  basis_active_ms: number;
  answers_per_hour: number;
  assumed_seconds_per_answer: number;
  centres: CentreFloor[];
  under: boolean;
  refused: boolean;
  reading?: ReadingEstimate | null;
}

/** The check's request for the rates typed so far; `null` while they cannot be read. */
export function wageRequest(
  f: Pick<OrderForm, 'task_type' | 'template' | 'piece_rate' | 'box_rate' | 'box_pay_cap' | 'eligible_centres'> &
    Partial<Pick<OrderForm, 'unit_size'>>,
  orderId: number | null,
  datasetId: number | null = null,
): WageCheckRequest | null {
  const piece = parseYuan(f.piece_rate);
  if (piece === null) return null;
  const perBox = paysPerBox(f);
  const box = perBox ? parseYuan(f.box_rate || '0') : 0;
  if (box === null) return null;
  const cap = perBox ? Number(f.box_pay_cap || '0') : 0;
  if (!Number.isInteger(cap) || cap < 0) return null;
  const eligible: number[] = [];
  for (const part of f.eligible_centres.split(/[\s,，、;]+/).filter(Boolean)) {
    const n = Number(part);
    if (!Number.isInteger(n) || n <= 0) return null;
    eligible.push(n);
  }
  const req: WageCheckRequest = {
    task_type: f.task_type,
    piece_rate_fen: piece,
    box_rate_fen: box,
    box_pay_cap: cap,
    eligible_centres: eligible,
  };
  if (orderId !== null) req.order_id = orderId;
  if (datasetId !== null && datasetId > 0) {
    req.dataset_id = datasetId;
    if (f.task_type === 'template') req.template = cleanTemplate(f.template);
    const unit = Number(f.unit_size);
    if (Number.isInteger(unit) && unit > 0) req.unit_size = unit;
  }
  return req;
}

/** What the line says: the expected earning, where it comes from, and the floors it is under. */
export interface WageLineText {
  main: string;
  basis: string;
  /** Empty when it is under no floor. */
  warning: string;
  under: boolean;
  refused: boolean;
  /** A read order: its expected reading time per unit and item; else empty. */
  reading: string;
}

export function wageLine(c: WageCheck): WageLineText {
  const main = t('wage_expected', { yuan: yuan(c.expected_fen_per_hour) });
  const basis =
    c.basis === 'assumed'
      ? t('wage_basis_assumed', { s: c.assumed_seconds_per_answer })
      : c.basis === 'reading' && c.reading
        ? t('wage_basis_reading', { s: Math.round(c.reading.item_ms / 1000) })
        : t(c.basis === 'order' ? 'wage_basis_order' : 'wage_basis_history', {
          n: c.basis_answers,
          h: (c.basis_active_ms / 3_600_000).toFixed(1),
          per_hour: Math.round(c.answers_per_hour),
        });
  const under = c.centres.filter((x) => x.under);
  let warning = '';
  if (under.length > 0) {
    const worst = under.reduce((a, b) => (b.floor_fen > a.floor_fen ? b : a));
    const names = under.map((x) => x.name).join('、');
    warning = t(c.refused ? 'wage_refused' : 'wage_under', { floor: yuan(worst.floor_fen), centres: names });
  }
  return { main, basis, warning, under: c.under, refused: c.refused, reading: readingLine(c.reading ?? null) };
}

/** Seconds or minutes, rounded, in words ("45 秒", "3.5 分钟"). */
export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 90) return t('dur_seconds', { n: s });
  const m = Math.round((ms / 60_000) * 10) / 10;
  return t('dur_minutes', { n: m });
}

/** The reading time per unit and per item of a read order; empty for others. */
export function readingLine(r: ReadingEstimate | null): string {
  if (!r) return '';
  return t('wage_reading', {
    unit: duration(r.unit_ms),
    item: duration(r.item_ms),
    read: duration(r.read_ms),
    answer: duration(r.answer_ms),
    cjk: r.median_cjk,
    words: r.median_words,
  });
}

/** The check's request for a saved order's rates (a draft about to be published). */
export function wageRequestOfSpec(spec: OrderSpec, orderId: number): WageCheckRequest {
  return {
    task_type: spec.task_type,
    piece_rate_fen: spec.piece_rate_fen,
    box_rate_fen: spec.box_rate_fen ?? 0,
    box_pay_cap: spec.box_pay_cap ?? 0,
    eligible_centres: spec.eligible_centres ?? [],
    order_id: orderId,
    // The server reads the order's dataset: a read order's time per item.
    ...(spec.template ? { template: spec.template } : {}),
    ...(spec.unit_size ? { unit_size: spec.unit_size } : {}),
  };
}
