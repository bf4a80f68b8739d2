// Box geometry for the box editor, all in the image's own pixels (the original's width ×
// height, as the API stores boxes), and the view transform between image and screen.
// Pure functions: the editor calls them on every pointer move.

import type { Box } from './types';

/** The shortest side a box may have, in image pixels (the server's rule, `min_box_side` in
 * crates/mudou-domain/src/kinds/boxes.rs): 8, or a quarter of a picture smaller than 32 px. */
export const MIN_SIDE = 8;

/** The shortest box side in a W×H picture. */
export function minSide(W: number, H: number): number {
  return W > 0 && H > 0 ? Math.min(MIN_SIDE, Math.min(W, H) / 4) : MIN_SIDE;
}

/** Whether a box is big enough to keep (a tap or a slip draws a box of a pixel or two). */
export function bigEnough(b: Box, W: number, H: number): boolean {
  const m = minSide(W, H);
  return b.w >= m && b.h >= m;
}

export type Handle = 'nw' | 'n' | 'ne' | 'e' | 'se' | 's' | 'sw' | 'w';
export const HANDLES: Handle[] = ['nw', 'n', 'ne', 'e', 'se', 's', 'sw', 'w'];

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** The box spanned by two corners (in any order), clipped to the W×H image. */
export function boxFromCorners(label: string, x0: number, y0: number, x1: number, y1: number, W: number, H: number): Box {
  const ax = clamp(Math.min(x0, x1), 0, W);
  const bx = clamp(Math.max(x0, x1), 0, W);
  const ay = clamp(Math.min(y0, y1), 0, H);
  const by = clamp(Math.max(y0, y1), 0, H);
  return { label, x: ax, y: ay, w: bx - ax, h: by - ay };
}

/** A box kept inside the image with at least minSide per side (moved in if it sticks out). */
export function clampBox(b: Box, W: number, H: number): Box {
  const m = minSide(W, H);
  const w = clamp(b.w, Math.min(m, W), W);
  const h = clamp(b.h, Math.min(m, H), H);
  return { ...b, x: clamp(b.x, 0, W - w), y: clamp(b.y, 0, H - h), w, h };
}

/** The box moved by (dx, dy), stopping at the image's edges; its size never changes. */
export function moveBox(b: Box, dx: number, dy: number, W: number, H: number): Box {
  return { ...b, x: clamp(b.x + dx, 0, W - b.w), y: clamp(b.y + dy, 0, H - b.h) };
}

/** The box with one handle dragged to (px, py). Dragging past the opposite side flips it;
 * it stays inside the image and at least minSide wide and high. */
export function resizeBox(b: Box, handle: Handle, px: number, py: number, W: number, H: number): Box {
  let x0 = b.x;
  let y0 = b.y;
  let x1 = b.x + b.w;
  let y1 = b.y + b.h;
  const x = clamp(px, 0, W);
  const y = clamp(py, 0, H);
  if (handle.includes('w')) x0 = x;
  if (handle.includes('e')) x1 = x;
  if (handle.includes('n')) y0 = y;
  if (handle.includes('s')) y1 = y;
  const out = boxFromCorners(b.label, x0, y0, x1, y1, W, H);
  if (!bigEnough(out, W, H)) return clampBox(out, W, H);
  return out;
}

/** Where a handle sits on a box. */
export function handlePoint(b: Box, h: Handle): [number, number] {
  const cx = b.x + b.w / 2;
  const cy = b.y + b.h / 2;
  const x = h.includes('w') ? b.x : h.includes('e') ? b.x + b.w : cx;
  const y = h.includes('n') ? b.y : h.includes('s') ? b.y + b.h : cy;
  return [x, y];
}

export type Hit = { index: number; part: Handle | 'move' } | null;

/** What is under the point: a handle of the selected box first (within `tol` image pixels),
 * then the smallest box containing the point (so a small box inside a big one can be picked). */
export function hitTest(boxes: Box[], px: number, py: number, tol: number, selected: number | null): Hit {
  if (selected !== null && boxes[selected]) {
    const b = boxes[selected];
    for (const h of HANDLES) {
      const [hx, hy] = handlePoint(b, h);
      if (Math.abs(px - hx) <= tol && Math.abs(py - hy) <= tol) return { index: selected, part: h };
    }
  }
  let best: Hit = null;
  let bestArea = Infinity;
  boxes.forEach((b, i) => {
    if (px >= b.x - tol / 2 && px <= b.x + b.w + tol / 2 && py >= b.y - tol / 2 && py <= b.y + b.h + tol / 2) {
      const area = b.w * b.h;
      if (area < bestArea) {
        bestArea = area;
        best = { index: i, part: 'move' };
      }
    }
  });
  return best;
}

/** Boxes as the API takes them: whole pixels, inside the image, no empty ones, none under
 * the shortest side (a box rounding just under it grows to it). */
export function toAnswerBoxes(boxes: Box[], W: number, H: number): Box[] {
  const m = Math.ceil(minSide(W, H));
  // one side [a, b) in whole pixels, at least m long when the picture allows
  const side = (a: number, len: number, max: number): [number, number] => {
    let lo = clamp(Math.round(a), 0, max);
    let hi = clamp(Math.round(a + len), 0, max);
    if (hi > lo && hi - lo < m && max >= m) {
      hi = Math.min(max, lo + m);
      lo = hi - m;
    }
    return [lo, hi];
  };
  return boxes
    .map((b) => {
      const [x0, x1] = side(b.x, b.w, W);
      const [y0, y1] = side(b.y, b.h, H);
      const out: Box = { label: b.label, x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
      if (b.attributes && Object.keys(b.attributes).length) out.attributes = { ...b.attributes };
      return out;
    })
    .filter((b) => b.w > 0 && b.h > 0);
}

// ---- the view: screen = image × scale + (tx, ty) --------------------------------------

export interface View {
  scale: number;
  tx: number;
  ty: number;
}

/** The whole image centred in a vw×vh viewport. */
export function fitView(W: number, H: number, vw: number, vh: number): View {
  const scale = Math.max(1e-3, Math.min(vw / W, vh / H));
  return { scale, tx: (vw - W * scale) / 2, ty: (vh - H * scale) / 2 };
}

export function toImage(v: View, sx: number, sy: number): [number, number] {
  return [(sx - v.tx) / v.scale, (sy - v.ty) / v.scale];
}

export function toScreen(v: View, ix: number, iy: number): [number, number] {
  return [ix * v.scale + v.tx, iy * v.scale + v.ty];
}

/** Zoom limits: from the fitted size to 8× the image's own pixels (and at least 4× the fit). */
export function zoomLimits(W: number, H: number, vw: number, vh: number): [number, number] {
  const fit = fitView(W, H, vw, vh).scale;
  return [fit, Math.max(fit * 4, 8)];
}

/** Keeps the image covering the viewport when larger than it, and centred when smaller. */
export function clampPan(v: View, W: number, H: number, vw: number, vh: number): View {
  const iw = W * v.scale;
  const ih = H * v.scale;
  const tx = iw <= vw ? (vw - iw) / 2 : clamp(v.tx, vw - iw, 0);
  const ty = ih <= vh ? (vh - ih) / 2 : clamp(v.ty, vh - ih, 0);
  return { scale: v.scale, tx, ty };
}

/** Zooms by `factor` keeping the image point under (sx, sy) where it is. */
export function zoomAt(v: View, factor: number, sx: number, sy: number, W: number, H: number, vw: number, vh: number): View {
  const [lo, hi] = zoomLimits(W, H, vw, vh);
  const scale = clamp(v.scale * factor, lo, hi);
  const [ix, iy] = toImage(v, sx, sy);
  return clampPan({ scale, tx: sx - ix * scale, ty: sy - iy * scale }, W, H, vw, vh);
}

export function panBy(v: View, dx: number, dy: number, W: number, H: number, vw: number, vh: number): View {
  return clampPan({ ...v, tx: v.tx + dx, ty: v.ty + dy }, W, H, vw, vh);
}

type Pt = [number, number];

/** Two fingers moved from (a0, b0) to (a1, b1): zoom by the change of their distance about
 * their midpoint, and pan by the midpoint's move. */
export function pinch(v: View, a0: Pt, b0: Pt, a1: Pt, b1: Pt, W: number, H: number, vw: number, vh: number): View {
  const d0 = Math.hypot(a0[0] - b0[0], a0[1] - b0[1]);
  const d1 = Math.hypot(a1[0] - b1[0], a1[1] - b1[1]);
  const m0: Pt = [(a0[0] + b0[0]) / 2, (a0[1] + b0[1]) / 2];
  const m1: Pt = [(a1[0] + b1[0]) / 2, (a1[1] + b1[1]) / 2];
  const zoomed = d0 > 0 ? zoomAt(v, d1 / d0, m0[0], m0[1], W, H, vw, vh) : v;
  return panBy(zoomed, m1[0] - m0[0], m1[1] - m0[1], W, H, vw, vh);
}
