// The fair-wage check as pure logic: the order form's rates → the check's request, and the
// server's answer → the line the client reads ("预计时薪 ¥18.00/小时", a warning under a
// centre's minimum wage). The order form only draws what these return.

import { parseYuan } from './money';
import { paysPerBox, type OrderForm, type OrderSpec, type TaskType } from './orders';
import { t } from './i18n';
import { yuan } from './util';

export interface WageCheckRequest {
  task_type: TaskType;
  piece_rate_fen: number;
  box_rate_fen: number;
  box_pay_cap: number;
  eligible_centres: number[];
  order_id?: number;
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
  basis: 'order' | 'history' | 'assumed';
  basis_answers: number;
  basis_active_ms: number;
  answers_per_hour: number;
  assumed_seconds_per_answer: number;
  centres: CentreFloor[];
  under: boolean;
  refused: boolean;
}

/** The check's request for the rates typed so far; `null` while they cannot be read. */
export function wageRequest(
  f: Pick<OrderForm, 'task_type' | 'template' | 'piece_rate' | 'box_rate' | 'box_pay_cap' | 'eligible_centres'>,
  orderId: number | null,
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
}

export function wageLine(c: WageCheck): WageLineText {
  const main = t('wage_expected', { yuan: yuan(c.expected_fen_per_hour) });
  const basis =
    c.basis === 'assumed'
      ? t('wage_basis_assumed', { s: c.assumed_seconds_per_answer })
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
  return { main, basis, warning, under: c.under, refused: c.refused };
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
  };
}
