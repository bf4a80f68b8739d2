// The drawing kinds beyond boxes: polygons (holes allowed), lines, and keypoints on a
// skeleton (crates/mudou-domain/src/kinds/{polygon,polyline,keypoints}.rs). An answer is a
// list of `{label, points, holes?, attributes}` in the picture's own pixels. One editor
// (./Editor.tsx, loaded on first use) and one review view serve all three.

import type { QuestionKindUI } from '../index';
import type { Question } from '../types';
import { optionName } from '../types';
import { titleAndOptions } from '../shared';
import { lazyEditor } from '../lazy';
import { attributeOk } from '../boxes';
import { t, type Lang } from '../../i18n';
import { ShapesReview } from './Review';
import { objectProblem, type ShapeKind, type ShapeObject } from './geometry';
import { decodeMask, type Rle } from './rle';

/** The most objects of one answer (the server's MAX_OBJECTS). */
export const MAX_OBJECTS = 500;

function check(kind: ShapeKind) {
  return (q: Question, v: unknown) => {
    if (!Array.isArray(v) || v.length > MAX_OBJECTS) return { key: 'q_bad' as const };
    const n = q.settings?.skeleton?.points.length ?? 0;
    for (const o of v as ShapeObject[]) {
      if (objectProblem(kind, o, 0, 0, n)) return { key: 'q_bad' as const };
      if (!(q.options ?? []).some((x) => x.key === o.label)) return { key: 'q_bad' as const };
      for (const [k, a] of Object.entries(o.attributes ?? {})) {
        const def = (q.settings?.attributes ?? []).find((d) => d.key === k);
        if (!def || !attributeOk(def, a)) return { key: 'q_bad' as const };
      }
    }
    return null;
  };
}

function text(q: Question, v: unknown, lang: Lang): string {
  if (!Array.isArray(v) || !v.length) return t('sh_none_yet', {}, lang);
  const counts = new Map<string, number>();
  for (const o of v as ShapeObject[]) counts.set(o.label, (counts.get(o.label) ?? 0) + 1);
  return [...counts]
    .map(([k, n]) => {
      const o = (q.options ?? []).find((x) => x.key === k);
      return t('sh_n_objects', { name: o ? optionName(o, lang) : k, n }, lang);
    })
    .join('、');
}

const Editor = lazyEditor(() => import('./Editor').then((m) => m.ShapesEditor));
const RotatedEditorLazy = lazyEditor(() => import('./RotatedBoxEditor').then((m) => m.RotatedBoxEditor));

/** A rotated-box answer's problem: a class of the question, numbers, a size of a pixel or more. */
function checkRotated(q: Question, v: unknown) {
  if (!Array.isArray(v) || v.length > MAX_OBJECTS) return { key: 'q_bad' as const };
  for (const o of v as Record<string, unknown>[]) {
    if (!o || typeof o !== 'object' || !(q.options ?? []).some((x) => x.key === o.label)) return { key: 'q_bad' as const };
    if (!['cx', 'cy', 'w', 'h', 'angle'].every((k) => typeof o[k] === 'number' && Number.isFinite(o[k]))) return { key: 'q_bad' as const };
    if ((o.w as number) < 1 || (o.h as number) < 1) return { key: 'q_bad' as const };
    for (const [k, a] of Object.entries((o.attributes as Record<string, unknown>) ?? {})) {
      const def = (q.settings?.attributes ?? []).find((d) => d.key === k);
      if (!def || !attributeOk(def, a)) return { key: 'q_bad' as const };
    }
  }
  return null;
}

const MaskEditorLazy = lazyEditor(() => import('./MaskEditor').then((m) => m.MaskEditor));

/** A mask answer's problem: each object a class of the question and a mask that reads and is
 * not empty (its size the picture's, when known). */
function checkMask(q: Question, v: unknown, size?: { w: number; h: number }) {
  if (!Array.isArray(v) || v.length > MAX_OBJECTS) return { key: 'q_bad' as const };
  for (const o of v as { label: string; rle: Rle; attributes?: Record<string, unknown> }[]) {
    if (!o || typeof o !== 'object' || !(q.options ?? []).some((x) => x.key === o.label)) return { key: 'q_bad' as const };
    const r = o.rle;
    if (!r || !Array.isArray(r.size) || r.size.length !== 2 || typeof r.counts !== 'string') return { key: 'q_bad' as const };
    if (size && (r.size[0] !== size.h || r.size[1] !== size.w)) return { key: 'q_bad' as const };
    const m = decodeMask(r);
    if (!m || !m.some((x) => x)) return { key: 'q_bad' as const };
    for (const [k, a] of Object.entries(o.attributes ?? {})) {
      const def = (q.settings?.attributes ?? []).find((d) => d.key === k);
      if (!def || !attributeOk(def, a)) return { key: 'q_bad' as const };
    }
  }
  return null;
}

function shapeKind(name: ShapeKind, icon: 'polygon' | 'polyline' | 'keypoints', settings: QuestionKindUI['settings']): QuestionKindUI {
  return {
    name,
    icon,
    Editor,
    Review: ShapesReview,
    check: check(name),
    readAloud: titleAndOptions,
    text,
    chosen: () => [],
    conditions: false,
    pick: (_q, v) => v,
    settings,
    minOptions: 1,
    needsImage: true,
  };
}

export const polygon = shapeKind('polygon', 'polygon', ['attributes']);
export const polyline = shapeKind('polyline', 'polyline', ['attributes', 'tolerance']);
export const keypoints = shapeKind('keypoints', 'keypoints', ['attributes', 'skeleton']);
export const mask: QuestionKindUI = {
  ...shapeKind('polygon', 'polygon', ['attributes']),
  name: 'mask',
  icon: 'image',
  Editor: MaskEditorLazy,
  check: (q, v) => checkMask(q, v),
};
export const rotatedBox: QuestionKindUI = {
  ...shapeKind('polygon', 'polygon', ['attributes']),
  name: 'rotated_box',
  icon: 'box',
  Editor: RotatedEditorLazy,
  check: checkRotated,
};
