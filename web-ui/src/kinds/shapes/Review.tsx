// Every annotator's shapes over the picture in their colour; beside it, the consensus (dashed)
// and gold (dotted, amber) on the picture again; each answer in words below.

import type { ReviewProps } from '../index';
import { ReviewRows } from '../shared';
import { kindOf } from '../index';
import { pathOf, type ShapeKind, type ShapeObject } from './geometry';
import { t } from '../../i18n';
import { decodeMask, type Rle } from './rle';
import { corners, type RBox } from './rotated';

/** A mask as a picture (a data URL) in a colour, or null (it does not read; no canvas). */
function maskPicture(rle: Rle, colour: string, alpha: number): string | null {
  const m = rle && Array.isArray(rle.size) ? decodeMask(rle) : null;
  if (!m || typeof document === 'undefined') return null;
  const [h, w] = rle.size;
  const c = document.createElement('canvas');
  c.width = w;
  c.height = h;
  const ctx = c.getContext?.('2d');
  if (!ctx) return null;
  const n = parseInt(colour.slice(1, 7), 16) || 0;
  const img = ctx.createImageData(w, h);
  for (let p = 0; p < m.length; p++)
    if (m[p]) img.data.set([(n >> 16) & 255, (n >> 8) & 255, n & 255, alpha], p * 4);
  ctx.putImageData(img, 0, 0);
  return c.toDataURL();
}

function masks(v: unknown): { rle: Rle }[] {
  return Array.isArray(v) ? (v as { rle: Rle }[]).filter((o) => o && o.rle) : [];
}

function MaskMarks({ v, colour, alpha, W, H }: { v: unknown; colour: string; alpha: number; W: number; H: number }) {
  return (
    <>
      {masks(v).map((o, j) => {
        const href = maskPicture(o.rle, colour, alpha);
        return href ? <image key={j} data-testid="review-shape" href={href} x={0} y={0} width={W} height={H} preserveAspectRatio="none" /> : null;
      })}
    </>
  );
}

function list(v: unknown): ShapeObject[] {
  if (!Array.isArray(v)) return [];
  // a rotated box is drawn as its four corners
  return (v as (ShapeObject & Partial<RBox>)[])
    .map((o) => (o && !Array.isArray(o.points) && typeof o.cx === 'number' ? { label: o.label, points: corners(o as RBox) } : o))
    .filter((o) => o && Array.isArray(o.points));
}

/** One object as SVG in a colour (`dash`: a dash pattern). */
export function ShapeMark({ kind, o, colour, width, dash, edges }: { kind: ShapeKind; o: ShapeObject; colour: string; width: number; dash?: string; edges: [number, number][] }) {
  if (kind === 'keypoints') {
    return (
      <g data-testid="review-shape">
        {edges.map(([a, b], i) => {
          const p = o.points[a];
          const q = o.points[b];
          return p && q && p[2] > 0 && q[2] > 0 ? <line key={i} x1={p[0]} y1={p[1]} x2={q[0]} y2={q[1]} stroke={colour} stroke-width={width} stroke-dasharray={dash} /> : null;
        })}
        {o.points.map((p, i) => (p[2] > 0 ? <circle key={i} cx={p[0]} cy={p[1]} r={width * 1.8} fill={p[2] === 2 ? colour : '#fff'} stroke={colour} stroke-width={width / 2} /> : null))}
      </g>
    );
  }
  const d = kind === 'polygon' ? pathOf([o.points, ...(o.holes ?? [])], true) : pathOf([o.points], false);
  return <path data-testid="review-shape" d={d} fill={kind === 'polygon' ? colour + '22' : 'none'} fill-rule="evenodd" stroke={colour} stroke-width={width} stroke-dasharray={dash} stroke-linejoin="round" />;
}

export function ShapesReview(p: ReviewProps) {
  const f = p.field;
  const W = f?.width ?? 0;
  const H = f?.height ?? 0;
  const kind = (p.q.kind === 'rotated_box' ? 'polygon' : p.q.kind) as ShapeKind | 'mask';
  const edges = p.q.settings?.skeleton?.edges ?? [];
  const w = Math.max(2, W / 300);
  const pic = (testid: string, children: preact.ComponentChildren) => (
    <div class="q-review-pic" data-testid={testid}>
      <img src={f!.screen_url!} alt={t('image_of_item', {}, p.lang)} width={W} height={H} />
      <svg viewBox={`0 0 ${W} ${H}`} aria-hidden="true" preserveAspectRatio="none">
        {children}
      </svg>
    </div>
  );
  const hasAgreed = list(p.consensus).length > 0 || list(p.gold).length > 0 || masks(p.consensus).length > 0 || masks(p.gold).length > 0;
  const pictures =
    f?.screen_url && W > 0 && H > 0 ? (
      <div class="q-review-pics">
        {pic(
          'review-annotators',
          kind === 'mask'
            ? p.answers.map((a, i) => <MaskMarks key={i} v={a.value} colour={a.colour} alpha={110} W={W} H={H} />)
            : p.answers.map((a, i) => list(a.value).map((o, j) => <ShapeMark key={`${i}-${j}`} kind={kind} o={o} colour={a.colour} width={w} edges={edges} />)),
        )}
        {hasAgreed &&
          pic('review-agreed', [
            ...(kind === 'mask' ? [<MaskMarks key="mc" v={p.consensus} colour="#222222" alpha={120} W={W} H={H} />, <MaskMarks key="mg" v={p.gold} colour="#f9a825" alpha={120} W={W} H={H} />] : []),
            ...list(p.consensus).map((o, j) => <ShapeMark key={'c' + j} kind={kind as ShapeKind} o={o} colour="#222222" width={w} dash={`${w * 4} ${w * 2.5}`} edges={edges} />),
            ...list(p.gold).map((o, j) => <ShapeMark key={'g' + j} kind={kind as ShapeKind} o={o} colour="#f9a825" width={w * 1.2} dash={`${w} ${w * 2}`} edges={edges} />),
          ])}
      </div>
    ) : null;
  return <ReviewRows {...p} text={(v) => kindOf(p.q.kind)!.text(p.q, v, p.lang)} extra={pictures} />;
}
