// The JSON shapes of the annotator's API (crates/mudou-server/src/routes/work.rs, and the
// shapes of the dispatch, team-lead and earnings issues that land beside it).

import type { ItemField, Template } from '../kinds/types';

export type TaskType = 'single_choice' | 'multi_label' | 'bbox' | 'text_classification' | 'template';
export type SkipReason = 'unclear' | 'cannot_judge' | 'broken_file';

export interface LabelDef {
  key: string;
  name_zh: string;
  name_en: string;
  /** `#rrggbb` */
  colour: string;
  hotkey: string | null;
  examples: number[];
}

export interface ExampleItem {
  item_id: number;
  thumb_url: string | null;
  screen_url: string | null;
  text: string | null;
}

export interface OrderBrief {
  id: number;
  name: string;
  task_type: TaskType;
  labels: LabelDef[];
  instructions: string;
  instruction_examples: number[];
  piece_rate_fen: number;
  /** The pictures `labels[].examples` and `instruction_examples` point at (may be absent on
   * an older server). */
  examples?: ExampleItem[];
  /** A recording of the question made by the lead or the client, when there is one. */
  audio_url?: string | null;
  /** Each label's recorded read-aloud, by label key. */
  label_audio?: Record<string, string>;
  /** The version of the instructions in force. */
  instructions_version?: number;
  /** The instructions changed since this annotator last saw them: shown once, before the
   * next item. */
  new_example?: NewExample | null;
  /** The order's template (a one-question template for the task types of before); absent on
   * an older server. */
  template?: Template;
}

/** A new instructions version's example (picture first, then its words). */
export interface NewExample {
  version: number;
  item_id: number | null;
  words: string;
  thumb_url?: string | null;
  screen_url?: string | null;
  text?: string | null;
}

/** A box in the image's own pixels (the original's width × height). */
export interface Box {
  label: string;
  x: number;
  y: number;
  w: number;
  h: number;
  /** A template's box attributes (`{"occluded": true, "pose": "sitting"}`). */
  attributes?: Record<string, string | boolean>;
}

/** The answer of an order of before; a template order's answer (an object keyed by question,
 * `FormAnswer` in kinds/types.ts) travels in the same place, cast. */
export type Answer = { label: string } | { labels: string[] } | { boxes: Box[] };

export interface WorkItem {
  item_id: number;
  kind: string;
  thumb_url: string | null;
  screen_url: string | null;
  text: string | null;
  width: number | null;
  height: number | null;
  answer: Answer | null;
  skip_reason: SkipReason | null;
  /** The item's fields by name (one named `image` or `text` for an item of before); absent on
   * an older server. */
  fields?: ItemField[];
  /** A model's answer to check and fix: the item opens with it chosen or drawn, marked as
   * the model's; the label then names it (`suggestion_id`). */
  suggestion?: Suggestion;
}

/** A model's suggestion as the annotator sees it (keyed by question, like an answer; only
 * the questions the model answers). */
export interface Suggestion {
  id: number;
  answer: Answer;
  model: string;
  model_version?: string | null;
  /** The model's own score, 0 to 1, when it gave one. */
  score?: number | null;
}

export interface Assignment {
  id: number;
  order: OrderBrief;
  lease_expires_at: number;
  items: WorkItem[];
  /** A gold practice unit: each answer comes back with feedback. */
  training?: boolean;
}

export type NothingReason = 'paused' | 'not_qualified' | 'no_open_orders' | 'all_done' | 'busy';

export interface NextOut {
  status: 'assigned' | 'nothing';
  reason?: NothingReason | string;
  assignment?: Assignment;
}

export interface LabelBody {
  client_uuid: string;
  assignment_id: number;
  item_id: number;
  answer?: Answer;
  skip?: SkipReason;
  duration_ms: number;
  /** The model suggestion the item showed (its `suggestion.id`), whatever was done with it:
   * the server works out whether it was accepted, fixed or rejected. */
  suggestion_id?: number;
}

export interface Feedback {
  correct: boolean;
  answer: Answer;
  /** The model's suggestion was wrong and was accepted as it was. */
  accepted_wrong_suggestion?: boolean;
}

export interface LabelOut {
  label_id: number;
  status: 'stored' | 'replay' | 'changed';
  item_state: string;
  feedback?: Feedback;
  /** The caller's work on this order is paused now: the reason (`lead`, `too_fast`,
   * `gold_accuracy`, `spam`). */
  paused?: string;
}

/** The result of a submitted training unit. */
export interface TrainingResult {
  total: number;
  right: number;
  passed: boolean;
  /** What passing grants: a task type (`bbox`, …) or a named skill. */
  qualification: string;
}

/** The reply to heartbeat, submit and return. */
export interface LeaseOut {
  id: number;
  state: string;
  lease_expires_at: number;
  training?: TrainingResult;
}

export interface Earnings {
  today_fen: number;
  week_fen: number;
  month_fen: number;
  pending_fen: number;
  confirmed_fen: number;
  paid_fen: number;
  today_labels: number;
  /** The start of today in the centre's calendar (Unix ms). */
  today_start?: number;
}

export interface MessageItem {
  item_id: number;
  thumb_url: string | null;
  screen_url: string | null;
  text: string | null;
  answer: Answer | null;
}

export interface Message {
  id: number;
  from_name: string;
  text: string;
  created_at: number;
  read_at: number | null;
  item: MessageItem | null;
}

export interface Quality {
  stars: number | null;
  level: 'trainee' | 'standard' | 'expert';
  gold_answered: number;
}

/** The label keys an answer names, in order (for showing it). */
export function answerKeys(a: Answer | null | undefined): string[] {
  if (!a) return [];
  const x = a as Record<string, unknown>;
  if (typeof x.label === 'string') return [x.label];
  if (Array.isArray(x.labels)) return x.labels as string[];
  if (Array.isArray(x.boxes)) return (x.boxes as Box[]).map((b) => b.label);
  return [];
}

/** A live pause of the caller's work (`GET /me/pauses`). */
export interface Pause {
  id: number;
  order_id: number | null;
  order_name: string | null;
  reason: 'lead' | 'too_fast' | 'gold_accuracy' | 'spam' | string;
  by: 'lead' | 'rule';
  by_name: string | null;
  note: string | null;
  figures: Record<string, number | null> | null;
  created_at: number;
  /** Null while it holds (lifted ones are listed for a day). */
  lifted_at: number | null;
  unpaid_labels: number;
  unpaid_fen: number;
}

export interface Pauses {
  pauses: Pause[];
  leads: string[];
}
