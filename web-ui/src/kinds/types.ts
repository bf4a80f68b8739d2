// A template order's shapes (crates/mudou-domain/src/template.rs): the fields of an item, how
// they are laid out, and the questions asked about them. A template's answer is an object keyed
// by question; a question not asked (its condition does not hold) is absent.

import type { Lang } from '../i18n';

export type KindName = 'choice' | 'multi_choice' | 'rating' | 'number' | 'text' | 'boxes' | 'pairwise' | 'ranking' | 'rubric' | 'polygon' | 'polyline' | 'keypoints' | 'mask' | 'rotated_box' | 'writing' | 'finding';
export type Layout = 'one' | 'side_by_side' | 'swipe' | 'stacked';

export interface OptionDef {
  key: string;
  name_zh: string;
  name_en?: string;
  /** `#rrggbb` */
  colour?: string | null;
  hotkey?: string | null;
  /** An emoji or one of the UI's icon names. */
  icon?: string | null;
}

export interface AttributeDef {
  key: string;
  name_zh: string;
  name_en?: string;
  /** None: a yes/no attribute, answered true or false (a finding's attributes have options). */
  options?: OptionDef[];
  /** Every object must give it (a finding's location). */
  required?: boolean;
}

export interface Settings {
  min?: number;
  max?: number;
  step?: number;
  unit?: string;
  tolerance?: number;
  max_chars?: number;
  /** Writing: the fewest characters. */
  min_chars?: number;
  /** Writing: the text or Markdown field holding the original to rewrite. */
  rewrite?: string;
  attributes?: AttributeDef[];
  /** Pairwise: the two Markdown fields compared (default response_1, response_2). */
  pair?: string[];
  /** Pairwise: also ask how much better. */
  strength?: boolean;
  /** Ranking: the Markdown fields ranked (2 to 7). */
  rank?: string[];
  /** Ranking: whether answers may tie. */
  ties?: boolean;
  /** Rubric: the words of some or all steps. */
  steps?: StepDef[];
  /** Rubric: an example per axis, by the axis's key. */
  examples?: Record<string, string>;
  /** Keypoints: the named points every answer places, in order, and the edges drawn. */
  skeleton?: Skeleton;
  /** Finding: an outline polygon may be drawn on the finding's slice. */
  outline?: boolean;
  /** Finding: findings closer than this (3D, mm) are the same one. */
  match_mm?: number;
  /** Finding: the most findings of one answer. */
  max_findings?: number;
}

/** A keypoints question's skeleton (mudou_domain::template::Skeleton). */
export interface Skeleton {
  points: SkeletonPoint[];
  /** Pairs of point indices. */
  edges: [number, number][];
}

export interface SkeletonPoint {
  key: string;
  name_zh: string;
  name_en?: string;
  /** COCO's per-point sigma (0 < σ ≤ 1): how far apart people place it. */
  sigma: number;
}

/** The words of one step of a rubric. */
export interface StepDef {
  value: number;
  name_zh: string;
  name_en?: string;
}

export interface Condition {
  question: string;
  any_of: string[];
}

export interface Question {
  key: string;
  kind: KindName | string;
  title_zh: string;
  title_en?: string;
  field?: string | null;
  /** Default true. */
  required?: boolean;
  when?: Condition | null;
  options?: OptionDef[];
  settings?: Settings;
  read_aloud?: string;
}

/** What a field holds: a picture, words, chat turns (a JSON list of `{role, content}`), or
 * Markdown words. */
export type FieldKind = 'image' | 'text' | 'conversation' | 'markdown' | 'series';

export interface FieldDef {
  name: string;
  kind: FieldKind;
  title_zh?: string;
  title_en?: string;
}

export interface Template {
  layout?: Layout;
  fields: FieldDef[];
  questions: Question[];
}

/** One field of an item as the work and review APIs give it. */
export interface ItemField {
  name: string;
  kind: FieldKind;
  text?: string | null;
  /** Who wrote a response (an LLM's name), when the data says. */
  model?: string | null;
  thumb_url?: string | null;
  screen_url?: string | null;
  width?: number | null;
  height?: number | null;
  /** A series field (medical): its volume blob's SHA-256 and geometry (contract §3). */
  sha256?: string | null;
  volume?: import('../medical/volume').VolumeGeometry | null;
  /** A series field's volume, as the item APIs give it: `/api/v1/volumes/{sha}`. */
  volume_url?: string | null;
}

/** A template's answer: keyed by question. */
export type FormAnswer = Record<string, unknown>;

/** A problem with one question's answer, as a dictionary key and its numbers. */
export interface Problem {
  key: 'q_required' | 'q_range' | 'q_step' | 'q_too_long' | 'q_not_number' | 'q_bad' | 'q_empty_text' | 'q_rank_all' | 'q_rubric_all' | 'q_too_short' | 'fd_attr_missing' | 'fd_max';
  vars?: Record<string, string | number>;
}

export function optionName(o: { name_zh: string; name_en?: string }, lang: Lang): string {
  return lang === 'en' ? o.name_en || o.name_zh : o.name_zh;
}

export function questionTitle(q: Question, lang: Lang): string {
  return lang === 'en' ? q.title_en || q.title_zh : q.title_zh;
}

export function fieldTitle(f: FieldDef, lang: Lang): string {
  return (lang === 'en' ? f.title_en || f.title_zh : f.title_zh) || '';
}

export function required(q: Question): boolean {
  return q.required !== false;
}
