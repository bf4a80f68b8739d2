// The resting objects of the polygon, polyline and keypoints stage drawn on one <canvas>
// (issue 28): hundreds of SVG paths cost Chromium style, paint and composite on every frame of
// a drag, one bitmap does not. The chosen object, its handles and the draft stay SVG
// (Editor.tsx). Pure parts: what a redraw is needed for, and the drawing itself on any 2D
// context (tests pass a recorder). Picking a resting object reads the answer, not the DOM
// (`hitObject` in ./geometry.ts).

import type { View } from '../../work/geometry';
import type { ShapeKind, ShapeObject } from './geometry';

/** The 2D context calls the drawing makes (a CanvasRenderingContext2D has them all). */
export type Paint = Pick<
  CanvasRenderingContext2D,
  'setTransform' | 'clearRect' | 'beginPath' | 'moveTo' | 'lineTo' | 'closePath' | 'arc' | 'fill' | 'stroke' | 'fillStyle' | 'strokeStyle' | 'lineWidth' | 'lineJoin' | 'globalAlpha'
>;

/** What the bitmap shows: the objects (all but `skip`) under a view, at a size and density. */
export interface Scene {
  kind: ShapeKind;
  objects: readonly ShapeObject[];
  /** The chosen object (drawn as SVG over the canvas), or null. */
  skip: number | null;
  view: View;
  /** The stage's CSS size and the device pixel ratio (the bitmap is `w·dpr × h·dpr`). */
  w: number;
  h: number;
  dpr: number;
  /** The class colours (`#rrggbb`) and the skeleton's edges; changing them redraws. */
  colours: string;
  edges: readonly (readonly [number, number])[];
}

function sameEdges(a: Scene['edges'], b: Scene['edges']): boolean {
  return a === b || (a.length === b.length && a.every((e, i) => e[0] === b[i][0] && e[1] === b[i][1]));
}

/** Whether the bitmap of `prev` no longer shows `next`: the view, size, density, chosen
 * object, colours or a resting object changed. Dragging a point of the chosen object changes
 * only that object (a new array, the others the same objects), so it needs no redraw. */
export function needsRedraw(prev: Scene | null, next: Scene): boolean {
  if (!prev) return true;
  if (prev.kind !== next.kind || prev.skip !== next.skip || prev.w !== next.w || prev.h !== next.h || prev.dpr !== next.dpr) return true;
  if (prev.view.scale !== next.view.scale || prev.view.tx !== next.view.tx || prev.view.ty !== next.view.ty) return true;
  if (prev.colours !== next.colours || !sameEdges(prev.edges, next.edges)) return true;
  if (prev.objects === next.objects) return false;
  if (prev.objects.length !== next.objects.length) return true;
  for (let i = 0; i < next.objects.length; i++) if (i !== next.skip && prev.objects[i] !== next.objects[i]) return true;
  return false;
}

/** The SVG look of a resting object, in screen px: outline width, keypoint radius, the white
 * halo under a polygon's or line's stroke (× the width), the fill's opacity (`33` of `ff`). */
export const LOOK = { width: 2.5, radius: 4.5, halo: 2.2, fill: 0x33 / 0xff };

function trace(ctx: Paint, ring: readonly (readonly number[])[], closed: boolean) {
  if (!ring.length) return;
  ctx.moveTo(ring[0][0], ring[0][1]);
  for (let i = 1; i < ring.length; i++) ctx.lineTo(ring[i][0], ring[i][1]);
  if (closed) ctx.closePath();
}

/** Draws the scene's objects in order (a later one over an earlier, as the SVG did), in the
 * picture's own pixels under the view, sharp at the device's density. Returns how many. */
export function drawScene(ctx: Paint, s: Scene, colourOf: (label: string) => string): number {
  const { scale, tx, ty } = s.view;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, s.w * s.dpr, s.h * s.dpr);
  ctx.setTransform(s.dpr * scale, 0, 0, s.dpr * scale, s.dpr * tx, s.dpr * ty);
  ctx.lineJoin = 'round';
  const w = LOOK.width / scale;
  let n = 0;
  s.objects.forEach((o, i) => {
    if (i === s.skip) return;
    const colour = colourOf(o.label);
    n++;
    if (s.kind === 'keypoints') {
      ctx.lineWidth = w;
      ctx.strokeStyle = colour;
      ctx.beginPath();
      for (const [a, b] of s.edges) {
        const p = o.points[a];
        const q = o.points[b];
        if (p && q && p[2] > 0 && q[2] > 0) {
          ctx.moveTo(p[0], p[1]);
          ctx.lineTo(q[0], q[1]);
        }
      }
      ctx.stroke();
      const r = LOOK.radius / scale;
      for (const p of o.points) {
        if (!(p[2] > 0)) continue;
        ctx.beginPath();
        ctx.arc(p[0], p[1], r, 0, 2 * Math.PI);
        ctx.fillStyle = p[2] === 2 ? colour : '#fff';
        ctx.fill();
        ctx.stroke();
      }
      return;
    }
    const closed = s.kind === 'polygon';
    ctx.beginPath();
    trace(ctx, o.points, closed);
    if (closed) for (const h of o.holes ?? []) trace(ctx, h, true);
    // the white halo, the fill (holes left out: even-odd), the class colour's outline
    ctx.lineWidth = w * LOOK.halo;
    ctx.strokeStyle = '#fff';
    ctx.stroke();
    if (closed) {
      ctx.globalAlpha = LOOK.fill;
      ctx.fillStyle = colour;
      ctx.fill('evenodd');
      ctx.globalAlpha = 1;
    }
    ctx.lineWidth = w;
    ctx.strokeStyle = colour;
    ctx.stroke();
  });
  return n;
}
