// Every annotator's shapes over the picture in their colour; beside it, the consensus (dashed)
// and gold (dotted, amber) on the picture again; each answer in words below.

import type { ReviewProps } from '../index';
import { ReviewRows } from '../shared';
import { kindOf } from '../index';
import { pathOf, type ShapeKind, type ShapeObject } from './geometry';
import { t } from '../../i18n';

function list(v: unknown): ShapeObject[] {
  return Array.isArray(v) ? (v as ShapeObject[]).filter((o) => o && Array.isArray(o.points)) : [];
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
  const kind = p.q.kind as ShapeKind;
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
  const hasAgreed = list(p.consensus).length > 0 || list(p.gold).length > 0;
  const pictures =
    f?.screen_url && W > 0 && H > 0 ? (
      <div class="q-review-pics">
        {pic(
          'review-annotators',
          p.answers.map((a, i) => list(a.value).map((o, j) => <ShapeMark key={`${i}-${j}`} kind={kind} o={o} colour={a.colour} width={w} edges={edges} />)),
        )}
        {hasAgreed &&
          pic('review-agreed', [
            ...list(p.consensus).map((o, j) => <ShapeMark key={'c' + j} kind={kind} o={o} colour="#222222" width={w} dash={`${w * 4} ${w * 2.5}`} edges={edges} />),
            ...list(p.gold).map((o, j) => <ShapeMark key={'g' + j} kind={kind} o={o} colour="#f9a825" width={w * 1.2} dash={`${w} ${w * 2}`} edges={edges} />),
          ])}
      </div>
    ) : null;
  return <ReviewRows {...p} text={(v) => kindOf(p.q.kind)!.text(p.q, v, p.lang)} extra={pictures} />;
}
