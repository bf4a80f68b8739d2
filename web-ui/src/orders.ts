// The client's orders and uploads, as pure logic: the order form ⇄ the API's spec, the upload's
// parts and the summary of its outcome. The pages only draw what these return.

import { fenToYuanInput, parseYuan } from './money';
import type { Key } from './i18n';
import type { Template } from './kinds/types';
import { checkTemplate, cleanTemplate, starterTemplate } from './kinds/builder';
import type { SuggestionPolicy } from './pages/client/SuggestionsSection';
import type { MedicalPolicy } from './api';

export type TaskType = 'single_choice' | 'multi_label' | 'bbox' | 'text_classification' | 'template';
export const TASK_TYPES: TaskType[] = ['single_choice', 'multi_label', 'bbox', 'text_classification', 'template'];
export type OrderState = 'draft' | 'open' | 'paused' | 'done' | 'cancelled';
export type Level = 'trainee' | 'standard' | 'expert';

export interface LabelSpec {
  key: string;
  name_zh: string;
  name_en: string;
  colour: string;
  hotkey: string | null;
  examples: number[];
}

export type Overlap = { kind: 'fixed'; n: number } | { kind: 'dynamic'; min: number; max: number; target: number };

export interface OrderSpec {
  name: string;
  task_type: TaskType;
  labels: LabelSpec[];
  instructions: string;
  instruction_examples: number[];
  overlap: Overlap;
  gold_share: number;
  max_gold_items: number | null;
  unit_size: number;
  piece_rate_fen: number;
  box_rate_fen: number;
  box_pay_cap: number;
  pay_on: 'accepted' | 'submit';
  deadline: number | null;
  priority: number;
  eligible_centres: number[];
  required_qualification: string | null;
  required_level: Level | null;
  /** A template order's fields and questions (task type `template`; its labels stay empty). */
  template?: Template | null;
  /** Model suggestions for annotators to check and fix (`mudou_domain::suggest`). */
  suggestions?: SuggestionPolicy | null;
  /** The expert ladder of a medical order (`mudou_domain::medical`). */
  medical?: MedicalPolicy | null;
}

export interface OrderCounts {
  items: number;
  resolved: number;
  escalated: number;
  gold_items: number;
  labels: number;
  units: number;
}

export interface Order {
  id: number;
  dataset_id: number;
  state: OrderState;
  spec: OrderSpec;
  created_at: number;
  published_at: number | null;
  counts: OrderCounts;
}

export interface Unit {
  id: number;
  seq: number;
  kind: string;
  slots: number;
  items: number;
}

/** A label row as typed (everything a string). */
export interface LabelRow {
  key: string;
  name_zh: string;
  name_en: string;
  colour: string;
  hotkey: string;
  examples: number[];
}

/** The order form as typed: strings for inputs, so half-typed numbers survive. */
export interface OrderForm {
  name: string;
  task_type: TaskType;
  labels: LabelRow[];
  instructions: string;
  instruction_examples: number[];
  overlap_kind: 'fixed' | 'dynamic';
  overlap_n: string;
  overlap_min: string;
  overlap_max: string;
  /** Target confidence in percent, e.g. "95". */
  overlap_target: string;
  /** Percent, 0–50. */
  gold_share: string;
  max_gold_items: string;
  unit_size: string;
  piece_rate: string;
  box_rate: string;
  box_pay_cap: string;
  pay_on: 'accepted' | 'submit';
  /** A `datetime-local` value, or ''. */
  deadline: string;
  priority: string;
  eligible_centres: string;
  required_qualification: string;
  required_level: '' | Level;
  /** The template builder's template (used when task_type is `template`). */
  template: Template;
}

export const PALETTE = ['#1e88e5', '#e53935', '#43a047', '#fb8c00', '#8e24aa', '#00897b', '#6d4c41', '#3949ab', '#c0ca33', '#d81b60'];

/** The first hotkey 1..9 (then 0) no other row uses; '' when all are taken. */
export function suggestHotkey(used: string[]): string {
  const taken = new Set(used.map((h) => h.toLowerCase()));
  for (const k of ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0']) if (!taken.has(k)) return k;
  return '';
}

export function newLabelRow(existing: LabelRow[]): LabelRow {
  const used = new Set(existing.map((l) => l.colour.toLowerCase()));
  const colour = PALETTE.find((c) => !used.has(c)) ?? PALETTE[existing.length % PALETTE.length];
  return { key: '', name_zh: '', name_en: '', colour, hotkey: suggestHotkey(existing.map((l) => l.hotkey)), examples: [] };
}

export function emptyOrderForm(): OrderForm {
  const a = newLabelRow([]);
  const b = newLabelRow([a]);
  return {
    name: '',
    task_type: 'single_choice',
    labels: [a, b],
    instructions: '',
    instruction_examples: [],
    overlap_kind: 'fixed',
    overlap_n: '3',
    overlap_min: '2',
    overlap_max: '5',
    overlap_target: '95',
    gold_share: '10',
    max_gold_items: '',
    unit_size: '20',
    piece_rate: '0.10',
    box_rate: '0.00',
    box_pay_cap: '0',
    pay_on: 'accepted',
    deadline: '',
    priority: '5',
    eligible_centres: '',
    required_qualification: '',
    required_level: '',
    template: starterTemplate(),
  };
}

/** A label key from its English name: "Traffic light" → "traffic_light". */
export function keyFromName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 40);
}

/** A form problem: the spec field it belongs to (as the API names it) and the message key. */
export interface FormProblem {
  field: string;
  key: Key;
}

function int(s: string): number | null {
  const t = s.trim();
  if (!/^\d+$/.test(t)) return null;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : null;
}

function percent(s: string): number | null {
  const t = s.trim().replace(/%$/, '');
  if (!/^\d+(\.\d+)?$/.test(t)) return null;
  return Number(t) / 100;
}

/** Local `datetime-local` text → Unix ms (or null for empty / unreadable). */
export function deadlineMillis(s: string): number | null {
  if (!s.trim()) return null;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? null : d.getTime();
}

function localInput(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** The question kinds whose answers are objects drawn on a picture, counted for per-object pay
 * (mudou_domain's kinds' per-object count). */
const DRAWN_KINDS = ['boxes', 'polygon', 'polyline', 'keypoints', 'rotated_box', 'mask'];

/** Whether the order pays per box (drawn object) too: a box order, or a template with a
 * drawing question. */
export function paysPerBox(f: Pick<OrderForm, 'task_type' | 'template'>): boolean {
  return f.task_type === 'bbox' || (f.task_type === 'template' && f.template.questions.some((q) => DRAWN_KINDS.includes(q.kind)));
}

/** Builds the API's spec from the form, or names the first problem (checked here so the answer
 * is immediate; the server checks again and its 422 names the field the same way). */
export function buildSpec(f: OrderForm): { spec: OrderSpec } | { problem: FormProblem } {
  const bad = (field: string, key: Key) => ({ problem: { field, key } });
  const name = f.name.trim();
  if (!name) return bad('name', 'err_order_name');
  const isBox = f.task_type === 'bbox';
  const isTemplate = f.task_type === 'template';
  let template: Template | null = null;
  if (isTemplate) {
    template = cleanTemplate(f.template);
    const p = checkTemplate(template);
    if (p) return { problem: p };
  }
  const labels: LabelSpec[] = isTemplate ? [] : f.labels.map((l, i) => ({
    key: l.key.trim() || keyFromName(l.name_en) || `label_${i + 1}`,
    name_zh: l.name_zh.trim() || l.name_en.trim(),
    name_en: l.name_en.trim() || l.name_zh.trim(),
    colour: l.colour.toLowerCase(),
    hotkey: l.hotkey.trim() ? l.hotkey.trim().slice(0, 1) : null,
    examples: l.examples,
  }));
  if (!isTemplate && labels.length < (isBox ? 1 : 2)) return bad('labels', isBox ? 'err_labels_one' : 'err_labels_two');
  if (labels.some((l) => !l.name_zh)) return bad('labels', 'err_label_name');
  const keys = new Set(labels.map((l) => l.key));
  if (keys.size !== labels.length) return bad('labels', 'err_label_key_twice');
  const hot = labels.filter((l) => l.hotkey).map((l) => l.hotkey!.toLowerCase());
  if (new Set(hot).size !== hot.length) return bad('labels', 'err_hotkey_twice');

  let overlap: Overlap;
  if (f.overlap_kind === 'fixed') {
    const n = int(f.overlap_n);
    if (n === null || n < 1 || n > 15) return bad('overlap', 'err_overlap');
    overlap = { kind: 'fixed', n };
  } else {
    const min = int(f.overlap_min);
    const max = int(f.overlap_max);
    const target = percent(f.overlap_target);
    if (min === null || max === null || min < 1 || min > max || max > 15) return bad('overlap', 'err_overlap');
    if (target === null || target <= 0.5 || target >= 1) return bad('overlap', 'err_target');
    overlap = { kind: 'dynamic', min, max, target };
  }
  const gold_share = percent(f.gold_share || '0');
  if (gold_share === null || gold_share > 0.5) return bad('gold_share', 'err_gold_share');
  let max_gold_items: number | null = null;
  if (f.max_gold_items.trim()) {
    max_gold_items = int(f.max_gold_items);
    if (max_gold_items === null) return bad('max_gold_items', 'err_whole_number');
  }
  const unit_size = int(f.unit_size || '20');
  if (unit_size === null || unit_size < 1 || unit_size > 200) return bad('unit_size', 'err_unit_size');
  const piece_rate_fen = parseYuan(f.piece_rate);
  if (piece_rate_fen === null) return bad('piece_rate_fen', 'err_price');
  const perBox = paysPerBox(f);
  const box_rate_fen = perBox ? parseYuan(f.box_rate || '0') : 0;
  if (box_rate_fen === null) return bad('box_rate_fen', 'err_price');
  const box_pay_cap = perBox ? int(f.box_pay_cap || '0') : 0;
  if (box_pay_cap === null) return bad('box_pay_cap', 'err_whole_number');
  const deadline = deadlineMillis(f.deadline);
  if (f.deadline.trim() && deadline === null) return bad('deadline', 'err_deadline');
  const priority = int(f.priority || '5');
  if (priority === null || priority > 10) return bad('priority', 'err_priority');
  const eligible_centres: number[] = [];
  for (const part of f.eligible_centres.split(/[\s,，、;]+/).filter(Boolean)) {
    const n = int(part);
    if (n === null) return bad('eligible_centres', 'err_centre_ids');
    eligible_centres.push(n);
  }
  const q = f.required_qualification.trim();
  return {
    spec: {
      name,
      task_type: f.task_type,
      labels,
      instructions: f.instructions.trim(),
      instruction_examples: f.instruction_examples,
      overlap,
      gold_share,
      max_gold_items,
      unit_size,
      piece_rate_fen,
      box_rate_fen,
      box_pay_cap,
      pay_on: f.pay_on,
      deadline,
      priority,
      eligible_centres,
      required_qualification: q ? q : null,
      required_level: f.required_level || null,
      ...(template ? { template } : {}),
    },
  };
}

/** The form for editing a saved spec (the inverse of buildSpec). */
export function formFromSpec(s: OrderSpec): OrderForm {
  const base = emptyOrderForm();
  const pct = (x: number) => String(Math.round(x * 1000) / 10);
  return {
    ...base,
    name: s.name,
    task_type: s.task_type,
    labels: s.labels.map((l) => ({ ...l, hotkey: l.hotkey ?? '', examples: l.examples ?? [] })),
    instructions: s.instructions ?? '',
    instruction_examples: s.instruction_examples ?? [],
    overlap_kind: s.overlap.kind,
    overlap_n: s.overlap.kind === 'fixed' ? String(s.overlap.n) : base.overlap_n,
    overlap_min: s.overlap.kind === 'dynamic' ? String(s.overlap.min) : base.overlap_min,
    overlap_max: s.overlap.kind === 'dynamic' ? String(s.overlap.max) : base.overlap_max,
    overlap_target: s.overlap.kind === 'dynamic' ? pct(s.overlap.target) : base.overlap_target,
    gold_share: pct(s.gold_share ?? 0),
    max_gold_items: s.max_gold_items == null ? '' : String(s.max_gold_items),
    unit_size: String(s.unit_size ?? 20),
    piece_rate: fenToYuanInput(s.piece_rate_fen),
    box_rate: fenToYuanInput(s.box_rate_fen ?? 0),
    box_pay_cap: String(s.box_pay_cap ?? 0),
    pay_on: s.pay_on ?? 'accepted',
    deadline: s.deadline ? localInput(s.deadline) : '',
    priority: String(s.priority ?? 5),
    eligible_centres: (s.eligible_centres ?? []).join(', '),
    required_qualification: s.required_qualification ?? '',
    required_level: s.required_level ?? '',
    template: s.template ?? base.template,
  };
}

/** Which actions an order in this state offers. */
export function orderActions(state: OrderState): ('publish' | 'edit' | 'pause' | 'resume' | 'cancel' | 'sync')[] {
  switch (state) {
    case 'draft':
      return ['publish', 'edit', 'cancel'];
    case 'open':
      return ['pause', 'sync', 'cancel'];
    case 'paused':
      return ['resume', 'sync', 'cancel'];
    default:
      return [];
  }
}

/** The progress bar's parts (open = neither resolved nor escalated), never negative. */
export function progressParts(c: OrderCounts): { resolved: number; escalated: number; open: number; total: number } {
  const total = Math.max(0, c.items);
  const resolved = Math.min(total, Math.max(0, c.resolved));
  const escalated = Math.min(total - resolved, Math.max(0, c.escalated));
  return { resolved, escalated, open: total - resolved - escalated, total };
}

/** The estimated cost so far in fen: labels × piece rate (boxes not counted). */
export function costSoFarFen(o: Pick<Order, 'counts' | 'spec'>): number {
  return Math.max(0, o.counts.labels) * Math.max(0, o.spec.piece_rate_fen);
}

// ---- uploads ----

export interface FileOutcome {
  file_name: string;
  status: 'accepted' | 'duplicate' | 'rejected';
  item_id: number | null;
  code: string | null;
  message: string | null;
}

export interface UploadResult {
  files: FileOutcome[];
  accepted: number;
  duplicates: number;
  rejected: number;
}

/** The multipart part a chosen file goes in: text tables (CSV/JSONL that are not a manifest) go
 * in `texts`; images, ZIPs and the manifest in `files` (the server recognises them by content). */
export function partFor(fileName: string): 'files' | 'texts' {
  const base = (fileName.split(/[\\/]/).pop() ?? '').toLowerCase();
  if (base === 'manifest.csv' || base === 'manifest.jsonl') return 'files';
  return /\.(csv|jsonl|ndjson)$/.test(base) ? 'texts' : 'files';
}

/** Keys whose presence in a JSONL line's object says it is a conversation for LLM work
 * (see the server's `conversations` upload part), when it has no `text`. */
const CONVERSATION_KEYS = ['messages', 'prompt', 'instruction', 'responses', 'response_a', 'chosen'];

/** Whether the first line of a JSONL file is a conversation rather than a text item. */
export function looksLikeConversation(head: string): boolean {
  const first = head.replace(/^\uFEFF/, '').split('\n').find((l) => l.trim());
  if (!first) return false;
  try {
    const v = JSON.parse(first);
    if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
    const keys = Object.keys(v).map((k) => k.toLowerCase());
    return !keys.includes('text') && CONVERSATION_KEYS.some((k) => keys.includes(k));
  } catch {
    return false;
  }
}

/** The part a chosen file goes in, looking into a JSONL file's first line: conversations
 * (`messages`, `prompt` + `responses`, …) go in `conversations`; see [`partFor`] for the rest. */
export async function partForFile(f: Blob & { name: string }): Promise<'files' | 'texts' | 'conversations'> {
  const part = partFor(f.name);
  if (part !== 'texts' || !/\.(jsonl|ndjson)$/i.test(f.name)) return part;
  // a line may be long (up to 256 KiB); the first 300 KiB hold it
  const head = await f.slice(0, 300 << 10).text();
  return looksLikeConversation(head) ? 'conversations' : 'texts';
}

/** The rejection codes the UI has its own words for. */
export const REJECT_CODES = [
  'not_an_image',
  'unsupported_format',
  'too_large',
  'decompression_bomb',
  'zero_dimensions',
  'truncated',
  'corrupt',
  'zero_bytes',
  'unsafe_path',
  'symlink',
  'directory',
  'hidden_file',
  'duplicate_path',
  'encrypted',
  'unsupported_compression',
  'bad_archive',
  'too_many_entries',
  'bad_manifest',
  'bad_conversation',
  'decode_busy',
] as const;

/** The dictionary key for a rejection code, or null (then the server's message is shown). */
export function rejectKey(code: string | null | undefined): Key | null {
  return code && (REJECT_CODES as readonly string[]).includes(code) ? (('rej_' + code) as Key) : null;
}

export interface UploadSummary {
  accepted: number;
  duplicates: number;
  rejected: number;
  total: number;
  /** Rejected first (they need attention), then duplicates, then accepted; names in order. */
  files: FileOutcome[];
  /** How many were rejected for each code, most frequent first. */
  reasons: { code: string; n: number }[];
}

export function summariseUpload(r: UploadResult): UploadSummary {
  const files = Array.isArray(r.files) ? r.files : [];
  const count = (s: FileOutcome['status']) => files.filter((f) => f.status === s).length;
  const rank = { rejected: 0, duplicate: 1, accepted: 2 } as const;
  const sorted = files
    .map((f, i) => ({ f, i }))
    .sort((a, b) => (rank[a.f.status] ?? 3) - (rank[b.f.status] ?? 3) || a.i - b.i)
    .map((x) => x.f);
  const byCode = new Map<string, number>();
  for (const f of files) if (f.status === 'rejected') byCode.set(f.code ?? 'unknown', (byCode.get(f.code ?? 'unknown') ?? 0) + 1);
  return {
    accepted: typeof r.accepted === 'number' ? r.accepted : count('accepted'),
    duplicates: typeof r.duplicates === 'number' ? r.duplicates : count('duplicate'),
    rejected: typeof r.rejected === 'number' ? r.rejected : count('rejected'),
    total: files.length,
    files: sorted,
    reasons: [...byCode.entries()].map(([code, n]) => ({ code, n })).sort((a, b) => b.n - a.n || a.code.localeCompare(b.code)),
  };
}

/** Bytes as a short size: 1536 → "1.5 KB". */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** Words for an upload refused as a whole (by its error code), or null for the usual errors. */
export function uploadErrorKey(code: string): Key | null {
  const keys: Record<string, Key> = {
    payload_too_large: 'uperr_too_large',
    too_many_files: 'uperr_too_many',
    no_files: 'uperr_no_files',
    invalid_multipart: 'uperr_broken',
    unsupported_media_type: 'uperr_broken',
    bad_manifest: 'rej_bad_manifest',
  };
  return keys[code] ?? null;
}
