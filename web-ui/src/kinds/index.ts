// The kinds of question a template asks, as plug-ins: each folder under kinds/ holds one
// kind's answer editor, its review view (every annotator's answer side by side), its words
// read aloud and its answer checks (mirroring crates/mudou-domain/src/kinds/*.rs). Adding a
// kind is a folder and one line in KINDS.

import type { ComponentType } from 'preact';
import type { Lang } from '../i18n';
import type { IconName } from '../components/Icon';
import type { ItemField, KindName, Problem, Question, Settings } from './types';
import { choice } from './choice';
import { multiChoice } from './multi_choice';
import { rating } from './rating';
import { number } from './number';
import { text } from './text';
import { boxes } from './boxes';
import { pairwise } from './pairwise';
import { ranking } from './ranking';
import { rubric } from './rubric';
import { writing } from './writing';
import { keypoints, mask, polygon, polyline, rotatedBox } from './shapes';
import { finding } from './finding';

export interface EditorProps {
  q: Question;
  value: unknown;
  onChange: (v: unknown) => void;
  /** The field the question is about (boxes are drawn on its picture). */
  field?: ItemField;
  /** Every field of the item (a ranking's cards name its responses). */
  fields?: ItemField[];
  lang: Lang;
  problem?: Problem | null;
  /** Ids for labels (unique on the page). */
  id: string;
  /** Who answers which item (a pairwise question shuffles its sides by it). */
  seed?: string;
}

export interface ReviewAnswer {
  who: string;
  colour: string;
  value: unknown;
  /** A written answer's flags (copied_prompt, unchanged, same_as_other). */
  flags?: string[];
}

export interface ReviewProps {
  q: Question;
  answers: ReviewAnswer[];
  consensus?: unknown;
  gold?: unknown;
  field?: ItemField;
  /** Every field of the item (a rewrite's original). */
  fields?: ItemField[];
  lang: Lang;
}

export interface QuestionKindUI {
  name: KindName;
  icon: IconName;
  Editor: ComponentType<EditorProps>;
  Review: ComponentType<ReviewProps>;
  /** A present answer's problem, or null (required is checked by the template). */
  check(q: Question, v: unknown): Problem | null;
  /** An answer that counts as not given (an empty text). */
  isBlank?(q: Question, v: unknown): boolean;
  /** The answer as the server stores it (a trimmed text, options in order). */
  normalise?(q: Question, v: unknown): unknown;
  /** The title and option names, for the speaker button. */
  readAloud(q: Question, lang: Lang): string;
  /** An answer in words. */
  text(q: Question, v: unknown, lang: Lang): string;
  /** The option keys an answer names (for conditions on it). */
  chosen(q: Question, v: unknown): string[];
  /** Whether a later question may be asked on this one's answer. */
  conditions: boolean;
  /** A key of the kind's own (not an option's hotkey), given to the current question only:
   * the new answer, null to clear it, or undefined when the key is not the kind's. */
  key?(q: Question, v: unknown, key: string, seed: string): unknown;
  /** An answer as a gold answer (a pairwise preference: its winner only). */
  gold?(q: Question, v: unknown): unknown;
  /** Its options may be none (a pairwise question's axes of reasons). */
  optionalOptions?: boolean;
  /** A hotkey picked `option`: the new answer. */
  pick?(q: Question, v: unknown, option: string): unknown;
  /** One tap answers it: the phone moves on to the next question. */
  oneTap?: boolean;
  /** The settings the builder offers. */
  settings: (keyof Settings)[];
  /** How many options it needs (0: none). */
  minOptions: number;
  /** Whether it is drawn on a picture field. */
  needsImage?: boolean;
  /** Whether it is drawn on a medical series field (in the viewer). */
  needsSeries?: boolean;
}

/** The registry: one line per kind. */
export const KINDS: Record<KindName, QuestionKindUI> = {
  choice,
  multi_choice: multiChoice,
  rating,
  number,
  text,
  boxes,
  pairwise,
  ranking,
  rubric,
  writing,
  polygon,
  polyline,
  keypoints,
  mask,
  rotated_box: rotatedBox,
  finding,
};

export const KIND_NAMES = Object.keys(KINDS) as KindName[];

export function kindOf(name: string): QuestionKindUI | undefined {
  return (KINDS as Record<string, QuestionKindUI>)[name];
}
