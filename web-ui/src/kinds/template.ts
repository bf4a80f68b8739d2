// The template's rules on the client, mirroring the server's (template.rs): which questions are
// asked given the answers so far, the answer with the questions no longer asked dropped, and
// each asked question's problems (required, the kind's own checks).

import type { Lang } from '../i18n';
import { kindOf } from './index';
import type { FieldDef, FormAnswer, ItemField, Problem, Question, Template } from './types';
import { required } from './types';

export function questionOf(t: Template, key: string): Question | undefined {
  return t.questions.find((q) => q.key === key);
}

function present(v: unknown): boolean {
  return v !== undefined && v !== null;
}

/** Whether `q` is asked, given the answers so far (its condition's question must be asked too). */
export function isAsked(t: Template, q: Question, answers: FormAnswer, depth = 0): boolean {
  const c = q.when;
  if (!c) return true;
  const earlier = questionOf(t, c.question);
  if (!earlier || depth > t.questions.length) return false;
  if (t.questions.indexOf(earlier) >= t.questions.indexOf(q)) return false;
  if (!isAsked(t, earlier, answers, depth + 1)) return false;
  const a = answers[c.question];
  if (!present(a)) return false;
  const chosen = kindOf(earlier.kind)?.chosen(earlier, a) ?? [];
  return chosen.some((v) => c.any_of.includes(v));
}

/** The questions asked for these answers, in order. */
export function askedQuestions(t: Template, answers: FormAnswer): Question[] {
  return t.questions.filter((q) => isAsked(t, q, answers));
}

/** The answer to send: questions in order, only those asked and answered. */
export function cleanAnswer(t: Template, answers: FormAnswer): FormAnswer {
  const out: FormAnswer = {};
  for (const q of t.questions) {
    const v = answers[q.key];
    if (!present(v) || !isAsked(t, q, out)) continue;
    const k = kindOf(q.kind);
    if (k?.isBlank?.(q, v)) continue;
    out[q.key] = k?.normalise ? k.normalise(q, v) : v;
  }
  return out;
}

/** Each asked question's problem (a required one unanswered, or the kind's check). */
export function problems(t: Template, answers: FormAnswer): Record<string, Problem> {
  const clean = cleanAnswer(t, answers);
  const out: Record<string, Problem> = {};
  for (const q of askedQuestions(t, clean)) {
    const raw = answers[q.key];
    const k = kindOf(q.kind);
    const blank = !present(raw) || !!k?.isBlank?.(q, raw);
    if (blank) {
      if (required(q)) out[q.key] = { key: 'q_required' };
      continue;
    }
    const p = k?.check(q, raw);
    if (p) out[q.key] = p;
  }
  return out;
}

export function isComplete(t: Template, answers: FormAnswer): boolean {
  return Object.keys(problems(t, answers)).length === 0;
}

/** What the speaker button says for a question: its own words, else the title and options. */
export function readAloudText(q: Question, lang: Lang): string {
  if (q.read_aloud && q.read_aloud.trim()) return q.read_aloud;
  const k = kindOf(q.kind);
  return k ? k.readAloud(q, lang) : q.title_zh;
}

/** The item's fields by the template's names; an item of before has one field named by its
 * kind (`image` or `text`), which stands for the template's first field. */
export function fieldsOfItem(
  t: Template,
  item: {
    kind?: string;
    fields?: ItemField[];
    text?: string | null;
    thumb_url?: string | null;
    screen_url?: string | null;
    width?: number | null;
    height?: number | null;
  },
): { def: FieldDef; data: ItemField }[] {
  const given: ItemField[] =
    item.fields && item.fields.length
      ? item.fields
      : [
          {
            name: item.kind === 'text' ? 'text' : 'image',
            kind: item.kind === 'text' ? 'text' : 'image',
            text: item.text,
            thumb_url: item.thumb_url,
            screen_url: item.screen_url,
            width: item.width,
            height: item.height,
          },
        ];
  return t.fields.map((def, i) => ({
    def,
    data: given.find((g) => g.name === def.name) ?? (i === 0 || given.length === 1 ? { ...given[0], name: def.name } : given[i] ?? { name: def.name, kind: def.kind }),
  }));
}

/** The hotkey table of the asked questions: key → (question, option). */
export function hotkeyTable(qs: Question[]): Map<string, { q: Question; option: string }> {
  const m = new Map<string, { q: Question; option: string }>();
  for (const q of qs)
    for (const o of q.options ?? []) if (o.hotkey) m.set(o.hotkey.toLowerCase(), { q, option: o.key });
  return m;
}

/** The first asked question without an answer (or with a problem), else null. */
export function firstOpen(t: Template, answers: FormAnswer): Question | null {
  const ps = problems(t, answers);
  return askedQuestions(t, cleanAnswer(t, answers)).find((q) => ps[q.key] || answers[q.key] === undefined) ?? null;
}

// ---- the phone's stepper: one asked question at a time ----

export interface Stepper {
  /** The asked questions, in order. */
  list: Question[];
  /** The one shown (clamped into the list). */
  index: number;
  /** Its answer is fine (or it may stay blank): Next may go on. */
  canNext: boolean;
  /** The last asked question: Next submits. */
  last: boolean;
}

export function stepper(t: Template, answers: FormAnswer, index: number): Stepper {
  const list = askedQuestions(t, cleanAnswer(t, answers));
  const i = Math.max(0, Math.min(index, list.length - 1));
  const q = list[i];
  const ps = problems(t, answers);
  return { list, index: i, canNext: !!q && !ps[q.key], last: i >= list.length - 1 };
}

/** Where the stepper goes after `key` was answered: one tap (a choice, a rating) moves on to
 * the next asked question (which the answer may have just shown or hidden); else it stays. */
export function stepAfterAnswer(t: Template, answers: FormAnswer, key: string, index: number): number {
  const q = questionOf(t, key);
  const k = q && kindOf(q.kind);
  const list = askedQuestions(t, cleanAnswer(t, answers));
  const at = list.findIndex((x) => x.key === key);
  if (at < 0) return Math.min(index, Math.max(0, list.length - 1));
  if (!k?.oneTap || problems(t, answers)[key]) return at;
  return Math.min(at + 1, list.length - 1);
}

/** A whole answer in words: each answered question's title and answer. */
export function answerWords(t: Template, a: unknown, lang: Lang): string {
  if (!a || typeof a !== 'object') return '—';
  const obj = a as FormAnswer;
  const parts = t.questions
    .filter((q) => obj[q.key] !== undefined && obj[q.key] !== null)
    .map((q) => `${lang === 'en' ? q.title_en || q.title_zh : q.title_zh} ${kindOf(q.kind)?.text(q, obj[q.key], lang) ?? String(obj[q.key])}`);
  return parts.length ? parts.join(' · ') : '—';
}
