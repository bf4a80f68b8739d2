// The expert ladder's routes (contract §6) as typed functions: the expert tier's queue, one
// case and its decision (settle or refer to the doctor), and the doctor's queue on an order,
// one case and the final answer. Every decision carries a client_uuid (idempotent).

import { api } from '../api';
import type { FormAnswer, ItemField, Template } from '../kinds/types';

export interface ExpertQueueItem {
  order_id: number;
  item_id: number;
  order_name: string;
  /** How many annotators answered. */
  labels: number;
  /** Unix ms (or an ISO time) since the item waits. */
  waiting_since: number | string;
}

export interface LadderAnswer {
  label_id?: number;
  /** "A", "B", … (never a name). */
  who: string;
  answer: FormAnswer;
}

/** One case: the order's template and name, the item's fields, every annotator's answer (and,
 * for the doctor, the expert's). */
export interface LadderCase {
  order: { name?: string; template?: Template } & Partial<Template>;
  item: { fields?: ItemField[]; kind?: string; screen_url?: string | null; thumb_url?: string | null; width?: number | null; height?: number | null; text?: string | null };
  answers: LadderAnswer[];
  /** The expert's answer and note, when an expert referred it (the doctor's case). */
  expert?: { answer?: FormAnswer | null; note?: string | null; decision?: string } | null;
}

export type ExpertDecision = { client_uuid: string; decision: 'settle'; answer: FormAnswer; note?: string } | { client_uuid: string; decision: 'refer'; note?: string };

export interface DoctorQueueItem {
  item_id: number;
  labels?: number;
  waiting_since?: number | string;
  order_id?: number;
}

/** The template of a case's order (`{template, name}`, or the template's own fields beside the name). */
export function caseTemplate(c: LadderCase): Template {
  const o = c.order;
  if (o.template) return o.template;
  return { layout: o.layout, fields: o.fields ?? [], questions: o.questions ?? [] };
}

export function newUuid(): string {
  if (typeof crypto !== 'undefined' && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export const ladderApi = {
  expertQueue: () => api.get<{ items: ExpertQueueItem[] }>('/work/expert'),
  expertCase: (orderId: number, itemId: number) => api.get<LadderCase>(`/work/expert/${orderId}/${itemId}`),
  expertDecide: (orderId: number, itemId: number, body: ExpertDecision) => api.post<unknown>(`/work/expert/${orderId}/${itemId}`, body),
  doctorQueue: (orderId: number) => api.get<{ items: DoctorQueueItem[] }>(`/orders/${orderId}/medical/queue`),
  doctorCase: (orderId: number, itemId: number) => api.get<LadderCase>(`/orders/${orderId}/medical/queue/${itemId}`),
  doctorDecide: (orderId: number, itemId: number, body: { client_uuid: string; answer: FormAnswer; note?: string }) => api.post<unknown>(`/orders/${orderId}/medical/queue/${itemId}`, body),
};
