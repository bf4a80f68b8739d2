// The client's template builder as pure logic: a new question of each kind, moving and
// removing questions (conditions follow the keys), checking a template as the server does
// (naming the path of the first problem, as a 422's `error.field` does), and which question
// a path belongs to.

import type { Key } from '../i18n';
import { KINDS, kindOf } from './index';
import { DEFAULT_MATCH_MM, MAX_MATCH_MM, MAX_MAX_FINDINGS } from './finding/model';
import type { AttributeDef, FieldDef, FieldKind, KindName, OptionDef, Question, Skeleton, Template } from './types';

const PALETTE = ['#1e88e5', '#e53935', '#43a047', '#fb8c00', '#8e24aa', '#00897b', '#6d4c41', '#3949ab', '#c0ca33', '#d81b60'];

export function isKey(s: string): boolean {
  return /^[A-Za-z0-9_.-]{1,40}$/.test(s);
}

/** A key not yet used: `q1`, `q2`, … */
export function freshKey(prefix: string, used: string[]): string {
  for (let i = 1; ; i++) if (!used.includes(prefix + i)) return prefix + i;
}

/** A new option with a fresh key; a question's options get a colour, an attribute's none. */
export function newOption(existing: OptionDef[], prefix = 'o', coloured = true): OptionDef {
  const o: OptionDef = { key: freshKey(prefix, existing.map((x) => x.key)), name_zh: '', name_en: '' };
  return coloured ? { ...o, colour: PALETTE[existing.length % PALETTE.length] } : o;
}

/** A new attribute of a drawn object (a box's "occluded", a finding's location). */
export function newAttribute(existing: AttributeDef[]): AttributeDef {
  return { key: freshKey('a', existing.map((a) => a.key)), name_zh: '', name_en: '', options: [] };
}

export function newQuestion(t: Template, kind: KindName): Question {
  const key = freshKey('q', t.questions.map((q) => q.key));
  return withKind({ key, kind, title_zh: '', title_en: '', required: true, field: null, options: [], settings: {} }, kind, t);
}

/** The question made another kind: options and settings that kind takes. */
export function withKind(q: Question, kind: KindName, t: Template): Question {
  const k = KINDS[kind];
  let options = k.minOptions ? [...(q.options ?? [])] : [];
  while (options.length < k.minOptions) options.push(newOption(options));
  if (kind === 'rating' && options.length < 3)
    options = [1, 2, 3].map((i) => ({ key: 's' + i, name_zh: ['差', '一般', '好'][i - 1], name_en: ['Bad', 'OK', 'Good'][i - 1] }));
  const settings: Question['settings'] = {};
  if (kind === 'number') Object.assign(settings, { min: 0, max: 100 });
  if (kind === 'ranking') Object.assign(settings, { rank: defaultRanked(t), ties: false });
  if (kind === 'rubric') {
    if (!options.some((o) => o.name_zh.trim())) options = RUBRIC_AXES.map((o) => ({ ...o }));
    Object.assign(settings, { max: 5, steps: RUBRIC_STEPS.map((s) => ({ ...s })) });
  }
  if (kind === 'keypoints') settings.skeleton = q.settings?.skeleton ?? defaultSkeleton();
  if (k.settings.includes('attributes')) settings.attributes = q.settings?.attributes ?? [];
  // a finding: the server's distance, no outline (max_findings blank: the server's default)
  if (kind === 'finding') Object.assign(settings, { match_mm: DEFAULT_MATCH_MM, outline: false });
  const image = t.fields.find((f) => f.kind === 'image');
  const series = t.fields.find((f) => f.kind === 'series');
  const field = k.needsImage ? (image?.name ?? null) : k.needsSeries ? (series?.name ?? null) : q.field ?? null;
  return { ...q, kind, options, settings, field };
}

/** A new keypoints question's skeleton: head, two hands, joined to the head. */
export function defaultSkeleton(): Skeleton {
  return {
    points: [
      { key: 'head', name_zh: '头', name_en: 'Head', sigma: 0.05 },
      { key: 'left', name_zh: '左手', name_en: 'Left hand', sigma: 0.07 },
      { key: 'right', name_zh: '右手', name_en: 'Right hand', sigma: 0.07 },
    ],
    edges: [
      [0, 1],
      [0, 2],
    ],
  };
}

/** A skeleton's problem as the server checks it (keys, names, sigmas, edges), or null: the
 * path under `settings.skeleton`. */
export function skeletonProblem(s: Skeleton | undefined): string | null {
  if (!s || !s.points.length || s.points.length > 100) return 'points';
  const keys = new Set<string>();
  for (const [i, p] of s.points.entries()) {
    if (!isKey(p.key) || keys.has(p.key)) return `points[${i}].key`;
    keys.add(p.key);
    if (!p.name_zh.trim() || [...p.name_zh.trim()].length > 40) return `points[${i}].name_zh`;
    if (!(Number.isFinite(p.sigma) && p.sigma > 0 && p.sigma <= 1)) return `points[${i}].sigma`;
  }
  const seen = new Set<string>();
  for (const [i, [a, b]] of s.edges.entries()) {
    const k = `${Math.min(a, b)}-${Math.max(a, b)}`;
    if (a === b || !Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0 || a >= s.points.length || b >= s.points.length || seen.has(k)) return `edges[${i}]`;
    seen.add(k);
  }
  return null;
}

/** Edges written as `0-1, 1-2` (indices from 0), or null when they do not read. */
export function parseEdges(s: string): [number, number][] | null {
  const parts = s.split(/[,，;\s]+/).filter(Boolean);
  const out: [number, number][] = [];
  for (const p of parts) {
    const m = /^(\d+)-(\d+)$/.exec(p);
    if (!m) return null;
    out.push([Number(m[1]), Number(m[2])]);
  }
  return out;
}

/** A ranking ranks every response field by default: the Markdown fields named `response_*`,
 * else every Markdown field. */
export function defaultRanked(t: Template): string[] {
  const md = t.fields.filter((f) => f.kind === 'markdown').map((f) => f.name);
  const responses = md.filter((n) => /^response_/.test(n));
  return (responses.length >= 2 ? responses : md).slice(0, 7);
}

/** A new rubric's axes and the words of its five steps. */
export const RUBRIC_AXES: OptionDef[] = [
  { key: 'helpful', name_zh: '有用', name_en: 'Helpful' },
  { key: 'correct', name_zh: '正确', name_en: 'Correct' },
  { key: 'harmless', name_zh: '无害', name_en: 'Harmless' },
  { key: 'fluent', name_zh: '通顺', name_en: 'Fluent' },
];
export const RUBRIC_STEPS = [
  { value: 1, name_zh: '很差', name_en: 'Poor' },
  { value: 2, name_zh: '较差', name_en: 'Weak' },
  { value: 3, name_zh: '一般', name_en: 'OK' },
  { value: 4, name_zh: '较好', name_en: 'Good' },
  { value: 5, name_zh: '很好', name_en: 'Great' },
];

export function moveQuestion(t: Template, i: number, d: -1 | 1): Template {
  const j = i + d;
  if (j < 0 || j >= t.questions.length) return t;
  const qs = [...t.questions];
  [qs[i], qs[j]] = [qs[j], qs[i]];
  return { ...t, questions: qs };
}

export function removeQuestion(t: Template, i: number): Template {
  const gone = t.questions[i]?.key;
  return {
    ...t,
    questions: t.questions.filter((_, j) => j !== i).map((q) => (q.when && q.when.question === gone ? { ...q, when: null } : q)),
  };
}

/** An option as the API takes it: names trimmed, empty extras left out. */
function cleanOption(o: OptionDef): OptionDef {
  return {
    key: o.key.trim(),
    name_zh: o.name_zh.trim(),
    name_en: (o.name_en ?? '').trim(),
    ...(o.colour ? { colour: o.colour.toLowerCase() } : {}),
    ...(o.hotkey && o.hotkey.trim() ? { hotkey: o.hotkey.trim().slice(0, 1).toLowerCase() } : {}),
    ...(o.icon && o.icon.trim() ? { icon: o.icon.trim() } : {}),
  };
}

function cleanAttribute(a: AttributeDef): AttributeDef {
  return {
    key: a.key.trim(),
    name_zh: a.name_zh.trim(),
    name_en: (a.name_en ?? '').trim(),
    ...(a.required ? { required: true } : {}),
    options: (a.options ?? []).map(cleanOption),
  };
}

/** The template as the API takes it: names trimmed, empty extras left out. */
export function cleanTemplate(t: Template): Template {
  return {
    layout: t.layout ?? 'one',
    fields: t.fields.map((f) => ({ name: f.name.trim(), kind: f.kind, title_zh: (f.title_zh ?? '').trim(), title_en: (f.title_en ?? '').trim() })),
    questions: t.questions.map((q) => {
      const k = kindOf(q.kind);
      const s = q.settings ?? {};
      const settings: Record<string, unknown> = {};
      for (const name of k?.settings ?? []) {
        const v = s[name];
        if (name === 'attributes') {
          if (Array.isArray(v) && v.length) settings.attributes = (v as AttributeDef[]).map(cleanAttribute);
        } else if (name === 'unit') {
          if (typeof v === 'string' && v.trim()) settings.unit = v.trim();
        } else if (v === true) settings[name] = true; // a switch (ties, outline): off is the default
        else if (typeof v === 'number' && Number.isFinite(v)) settings[name] = v;
      }
      if (q.kind === 'ranking') settings.rank = s.rank?.length ? s.rank : defaultRanked(t);
      if (q.kind === 'rubric') {
        const max = typeof s.max === 'number' ? s.max : 5;
        const steps = (s.steps ?? []).filter((x) => x.value >= 1 && x.value <= max && x.name_zh.trim());
        if (steps.length) settings.steps = steps.map((x) => ({ value: x.value, name_zh: x.name_zh.trim(), name_en: (x.name_en ?? '').trim() }));
        const ex = Object.entries(s.examples ?? {}).filter(([k, v]) => v.trim() && (q.options ?? []).some((o) => o.key === k));
        if (ex.length) settings.examples = Object.fromEntries(ex.map(([k, v]) => [k, v.trim()]));
      }
      if (q.kind === 'writing' && s.rewrite) settings.rewrite = s.rewrite;
      if (q.kind === 'keypoints' && s.skeleton)
        settings.skeleton = {
          points: s.skeleton.points.map((p) => ({ key: p.key.trim(), name_zh: p.name_zh.trim(), name_en: (p.name_en ?? '').trim(), sigma: p.sigma })),
          edges: s.skeleton.edges,
        };
      if (q.kind === 'pairwise') {
        if (Array.isArray(s.pair) && s.pair.length === 2) settings.pair = s.pair;
        if (s.strength === true) settings.strength = true;
      }
      const out: Question = {
        key: q.key.trim(),
        kind: q.kind,
        title_zh: q.title_zh.trim(),
        title_en: (q.title_en ?? '').trim(),
        field: q.field || null,
        required: q.required !== false,
        when: q.when && q.when.question ? { question: q.when.question, any_of: q.when.any_of } : null,
        options: (k?.minOptions || k?.optionalOptions ? (q.options ?? []) : []).map(cleanOption),
        settings: settings as Question['settings'],
        read_aloud: (q.read_aloud ?? '').trim(),
      };
      return out;
    }),
  };
}

export interface TemplateProblem {
  /** The spec path, as the server names it: `template.questions[2].options`. */
  field: string;
  key: Key;
}

/** Every kind of field a template may show. */
export const FIELD_KINDS: FieldKind[] = ['image', 'text', 'conversation', 'markdown', 'series'];

/** The most attributes of a drawn object, and options of one (the server's, boxes.rs). */
const MAX_ATTRIBUTES = 10;
const MAX_ATTRIBUTE_OPTIONS = 20;

/** A list of options' first problem as the server checks it (template.rs `check_options`):
 * keys, names, and hotkeys — unique in the whole template (`hotkeys`), or none at all (null). The
 * path is under the list. */
function optionsProblem(opts: OptionDef[], hotkeys: Set<string> | null): TemplateProblem | null {
  const seen = new Set<string>();
  for (const [j, o] of opts.entries()) {
    if (!isKey(o.key) || seen.has(o.key)) return { field: `[${j}].key`, key: 'err_tpl_key' };
    seen.add(o.key);
    if (!o.name_zh.trim() || [...o.name_zh.trim()].length > 40) return { field: `[${j}].name_zh`, key: 'err_tpl_options' };
    if (o.hotkey) {
      const h = o.hotkey.toLowerCase();
      if (!hotkeys || !/^[a-z0-9]$/.test(h) || hotkeys.has(h)) return { field: hotkeys ? `[${j}].hotkey` : '', key: 'err_tpl_hotkey' };
      hotkeys.add(h);
    }
  }
  return null;
}

/** The first problem of a drawn object's attributes, as the server checks them (boxes.rs
 * `check_attributes`; a finding's must each have options): the path under `settings`. */
function attributesProblem(attrs: AttributeDef[], needOptions: boolean): TemplateProblem | null {
  if (attrs.length > MAX_ATTRIBUTES) return { field: 'attributes', key: 'err_tpl_attrs_many' };
  const keys = new Set<string>();
  for (const [i, a] of attrs.entries()) {
    const p = `attributes[${i}]`;
    if (!isKey(a.key) || keys.has(a.key)) return { field: `${p}.key`, key: 'err_tpl_key' };
    keys.add(a.key);
    if (!a.name_zh.trim() || [...a.name_zh].length > 40) return { field: `${p}.name_zh`, key: 'err_tpl_attr_name' };
    const opts = a.options ?? [];
    if (opts.length === 1 || opts.length > MAX_ATTRIBUTE_OPTIONS) return { field: `${p}.options`, key: 'err_tpl_attr_options' };
    const o = optionsProblem(opts, null);
    if (o) return { field: `${p}.options${o.field}`, key: o.key };
  }
  const bare = needOptions ? attrs.findIndex((a) => !(a.options ?? []).length) : -1;
  return bare < 0 ? null : { field: `attributes[${bare}].options`, key: 'err_tpl_attr_options' };
}

/** A finding question's settings' first problem as the server checks them (finding.rs): the
 * distance, the most findings, the attributes (each a list of options). Path under `settings`. */
function findingProblem(s: NonNullable<Question['settings']>): TemplateProblem | null {
  const m = s.match_mm;
  if (m !== undefined && !(Number.isFinite(m) && m > 0 && m <= MAX_MATCH_MM)) return { field: 'match_mm', key: 'err_tpl_match_mm' };
  const n = s.max_findings;
  if (n !== undefined && !(Number.isInteger(n) && n >= 1 && n <= MAX_MAX_FINDINGS)) return { field: 'max_findings', key: 'err_tpl_max_findings' };
  return attributesProblem(s.attributes ?? [], true);
}

/** The first problem of a template, as the server would name it; null when it is fine. */
export function checkTemplate(t: Template): TemplateProblem | null {
  const bad = (field: string, key: Key) => ({ field, key });
  if (!t.fields.length || t.fields.length > 8) return bad('template.fields', 'err_tpl_fields');
  const names = new Set<string>();
  for (const [i, f] of t.fields.entries()) {
    if (!isKey(f.name) || names.has(f.name)) return bad(`template.fields[${i}].name`, 'err_tpl_fields');
    if (!FIELD_KINDS.includes(f.kind)) return bad(`template.fields[${i}].kind`, 'err_tpl_fields');
    names.add(f.name);
  }
  if (t.layout === 'swipe' && (t.fields.length !== 2 || t.fields.some((f) => f.kind !== 'image'))) return bad('template.layout', 'err_tpl_swipe');
  if (!t.questions.length || t.questions.length > 30) return bad('template.questions', 'err_tpl_questions');
  const keys = new Set<string>();
  const hotkeys = new Set<string>();
  let anyRequired = false;
  for (const [i, q] of t.questions.entries()) {
    const p = `template.questions[${i}]`;
    if (!isKey(q.key) || keys.has(q.key)) return bad(`${p}.key`, 'err_tpl_key');
    keys.add(q.key);
    const k = kindOf(q.kind);
    if (!k) return bad(`${p}.kind`, 'err_tpl_key');
    if (!q.title_zh.trim()) return bad(`${p}.title_zh`, 'err_tpl_title');
    if (q.field) {
      const f = t.fields.find((x) => x.name === q.field);
      if (!f || (k.needsImage && f.kind !== 'image') || (k.needsSeries && f.kind !== 'series')) return bad(`${p}.field`, k.needsSeries ? 'err_tpl_field_series' : 'err_tpl_field');
    } else if (k.needsImage || k.needsSeries) return bad(`${p}.field`, k.needsSeries ? 'err_tpl_field_series' : 'err_tpl_field');
    if (q.when) {
      const j = t.questions.findIndex((x) => x.key === q.when!.question);
      if (j < 0 || j >= i || !kindOf(t.questions[j].kind)?.conditions) return bad(`${p}.when.question`, 'err_tpl_when');
      const opts = t.questions[j].options ?? [];
      if (!q.when.any_of.length || q.when.any_of.some((v) => !opts.some((o) => o.key === v))) return bad(`${p}.when.any_of`, 'err_tpl_when');
    }
    const opts = q.options ?? [];
    const max = q.kind === 'rating' ? 10 : q.kind === 'rubric' ? 12 : 50;
    if ((k.minOptions && (opts.length < k.minOptions || opts.length > max)) || (!k.minOptions && !k.optionalOptions && opts.length)) return bad(`${p}.options`, 'err_tpl_options');
    if (q.kind === 'pairwise') {
      // compares two Markdown fields; the keys 1–4 are its own
      const pair = q.settings?.pair && q.settings.pair.length === 2 ? q.settings.pair : ['response_1', 'response_2'];
      if (pair[0] === pair[1] || pair.some((n) => !t.fields.some((f) => f.name === n && f.kind === 'markdown'))) return bad(`${p}.settings.pair`, 'err_tpl_pair');
      if (opts.length > 8 || opts.some((o) => o.hotkey)) return bad(`${p}.options`, 'err_tpl_options');
      for (const h of ['1', '2', '3', '4']) {
        if (hotkeys.has(h)) return bad(`${p}.kind`, 'err_tpl_hotkey');
        hotkeys.add(h);
      }
    }
    const op = optionsProblem(opts, hotkeys);
    if (op) return bad(`${p}.options${op.field}`, op.key);
    const s = q.settings ?? {};
    if (q.kind === 'number') {
      if (typeof s.min !== 'number' || typeof s.max !== 'number' || !(s.min < s.max)) return bad(`${p}.settings`, 'err_tpl_settings');
      if (s.step !== undefined && !(s.step > 0 && s.step <= s.max - s.min)) return bad(`${p}.settings`, 'err_tpl_settings');
    }
    if (q.kind === 'ranking') {
      const rank = s.rank?.length ? s.rank : defaultRanked(t);
      if (rank.length < 2 || rank.length > 7 || new Set(rank).size !== rank.length) return bad(`${p}.settings.rank`, 'err_tpl_settings');
      for (const [j, n] of rank.entries()) if (t.fields.find((f) => f.name === n)?.kind !== 'markdown') return bad(`${p}.settings.rank[${j}]`, 'err_tpl_settings');
    }
    if (q.kind === 'rubric') {
      const max = s.max ?? 5;
      if (!Number.isInteger(max) || max < 2 || max > 10) return bad(`${p}.settings.max`, 'err_tpl_settings');
      if (s.tolerance !== undefined && !(Number.isInteger(s.tolerance) && s.tolerance >= 0 && s.tolerance < max)) return bad(`${p}.settings.tolerance`, 'err_tpl_settings');
      if (q.field && !['markdown', 'text'].includes(t.fields.find((f) => f.name === q.field)?.kind ?? '')) return bad(`${p}.field`, 'err_tpl_field');
    }
    if (q.kind === 'writing') {
      const { min_chars: lo = 1, max_chars: hi = 4000 } = s;
      if (!(Number.isInteger(lo) && Number.isInteger(hi) && lo >= 1 && lo <= hi && hi <= 8000)) return bad(`${p}.settings`, 'err_tpl_settings');
      if (s.rewrite && !['markdown', 'text'].includes(t.fields.find((f) => f.name === s.rewrite)?.kind ?? '')) return bad(`${p}.settings.rewrite`, 'err_tpl_rewrite');
      if (q.required === false) return bad(`${p}.required`, 'err_tpl_settings');
    }
    if (q.kind === 'text' && s.max_chars !== undefined && !(s.max_chars >= 1 && s.max_chars <= 2000 && Number.isInteger(s.max_chars))) return bad(`${p}.settings`, 'err_tpl_settings');
    if (q.kind === 'rating' && s.tolerance !== undefined && !(Number.isInteger(s.tolerance) && s.tolerance >= 0 && s.tolerance < opts.length)) return bad(`${p}.settings`, 'err_tpl_settings');
    if (q.kind === 'keypoints') {
      const sp = skeletonProblem(s.skeleton);
      if (sp) return bad(`${p}.settings.skeleton.${sp}`, 'err_tpl_settings');
    }
    if (q.kind === 'polyline' && s.tolerance !== undefined && !(s.tolerance > 0 && s.tolerance <= 1000)) return bad(`${p}.settings.tolerance`, 'err_tpl_settings');
    const ap = q.kind === 'finding' ? findingProblem(s) : attributesProblem(s.attributes ?? [], false);
    if (ap) return bad(`${p}.settings.${ap.field}`, ap.key);
    anyRequired ||= q.required !== false && !q.when;
  }
  if (!anyRequired) return bad('template.questions', 'err_tpl_questions');
  return null;
}

/** The question a spec path names (`template.questions[2].options` → 2), or null. */
export function questionOfPath(path: string): number | null {
  const m = /^(?:spec\.)?template\.questions\[(\d+)\]/.exec(path);
  return m ? Number(m[1]) : null;
}

/** A template to start from on a dataset's fields (a sample item's, in order): those fields by
 * name and kind, untitled (the first 8, as many as a template shows), and one question that fits
 * the first: a finding on a medical series, else a choice of two (hotkeys 1, 2) about it. No
 * fields: one picture field named `image`. */
export function starterFor(fields: Pick<FieldDef, 'name' | 'kind'>[]): Template {
  const own = fields.filter((f) => FIELD_KINDS.includes(f.kind)).slice(0, 8);
  const t: Template = {
    layout: 'one',
    fields: (own.length ? own : [{ name: 'image', kind: 'image' as const }]).map((f) => ({ name: f.name, kind: f.kind, title_zh: '', title_en: '' })),
    questions: [],
  };
  const first = t.fields[0];
  const q = newQuestion(t, first.kind === 'series' ? 'finding' : 'choice');
  q.field = first.name;
  q.options = (q.options ?? []).map((o, i) => ({ ...o, hotkey: String(i + 1) }));
  return { ...t, questions: [q] };
}

/** An empty template to start from before a dataset's item is seen: one picture field, one
 * choice question. */
export function starterTemplate(): Template {
  return starterFor([]);
}

/** The same template, field for field (as built here: the same order of keys). */
export function sameTemplate(a: Template, b: Template): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The template once a dataset's sample item shows its fields: that dataset's starter while the
 * template is still a starter as it was put in (`started`, or already this dataset's), else
 * null: the client's own work is kept. */
export function adaptStarter(t: Template, started: Template, fields: Pick<FieldDef, 'name' | 'kind'>[]): Template | null {
  const next = starterFor(fields);
  return sameTemplate(t, started) || sameTemplate(t, next) ? next : null;
}
