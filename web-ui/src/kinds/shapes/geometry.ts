// The drawing kinds' pure parts (polygon, polyline, keypoints; the server's checks are in
// crates/mudou-domain/src/kinds/{shapes,polygon,polyline,keypoints}.rs): the answer's objects,
// snapping a point to a neighbour's, hit tests, an SVG path per object, the checks of an
// answer, and an undo/redo history. All in the picture's own pixels.

export type Pt = [number, number];
/** A keypoint: x, y, and 0 absent / 1 hidden / 2 visible. */
export type Kp = [number, number, number];

export interface ShapeObject {
  label: string;
  /** A polygon's outline, a line's points, or a skeleton's `[x, y, v]` in order. */
  points: number[][];
  /** A polygon's holes. */
  holes?: Pt[][];
  attributes?: Record<string, string | boolean>;
}

export type ShapeKind = 'polygon' | 'polyline' | 'keypoints';

export function dist(a: readonly number[], b: readonly number[]): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1]);
}

/** A point rounded to a tenth of a pixel and kept inside the picture. */
export function clampPt(x: number, y: number, W: number, H: number): Pt {
  const r = (n: number) => Math.round(n * 10) / 10;
  return [r(Math.min(Math.max(x, 0), W)), r(Math.min(Math.max(y, 0), H))];
}

/** The nearest point of another object within `tol` pixels (of the picture), or null: a new
 * point put there makes a shared border with no gap. `skip` is an object not to snap to. */
export function snapPoint(objects: ShapeObject[], p: Pt, tol: number, skip = -1, extra: Pt[] = []): Pt | null {
  let best: Pt | null = null;
  let bd = tol;
  const see = (q: readonly number[]) => {
    if (q.length > 2 && q[2] === 0) return;
    const d = dist(p, q);
    if (d <= bd) {
      bd = d;
      best = [q[0], q[1]];
    }
  };
  objects.forEach((o, i) => {
    if (i === skip) return;
    o.points.forEach(see);
    o.holes?.forEach((h) => h.forEach(see));
  });
  extra.forEach(see);
  return best;
}

/** Whether `p` is inside the ring (even-odd). */
export function inRing(ring: readonly (readonly number[])[], p: Pt): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** The distance from `p` to the segment a–b. */
export function segDist(p: Pt, a: readonly number[], b: readonly number[]): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len = dx * dx + dy * dy;
  const t = len ? Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len)) : 0;
  return Math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy);
}

/** Which ring a point index names: -1 the outline, else a hole. */
export interface PointRef {
  object: number;
  ring: number;
  point: number;
}

/** The point of an object within `tol`, nearest first (the selected object tried first). */
export function hitPoint(objects: ShapeObject[], p: Pt, tol: number, first: number | null): PointRef | null {
  const order = first !== null && objects[first] ? [first, ...objects.keys()].filter((i, k) => k === 0 || i !== first) : [...objects.keys()];
  for (const i of order) {
    const o = objects[i];
    const rings: (readonly (readonly number[])[])[] = [o.points, ...(o.holes ?? [])];
    let best: PointRef | null = null;
    let bd = tol;
    rings.forEach((r, ri) =>
      r.forEach((q, pi) => {
        if (q.length > 2 && q[2] === 0) return;
        const d = dist(p, q);
        if (d <= bd) {
          bd = d;
          best = { object: i, ring: ri - 1, point: pi };
        }
      }),
    );
    if (best) return best;
  }
  return null;
}

/** The topmost object under `p`: inside a polygon (not in its holes), near a line, near a
 * keypoint or edge of a skeleton. */
export function hitObject(kind: ShapeKind, objects: ShapeObject[], p: Pt, tol: number, edges: [number, number][] = []): number | null {
  for (let i = objects.length - 1; i >= 0; i--) {
    const o = objects[i];
    if (kind === 'polygon') {
      if (inRing(o.points, p) && !(o.holes ?? []).some((h) => inRing(h, p))) return i;
    } else if (kind === 'polyline') {
      for (let j = 1; j < o.points.length; j++) if (segDist(p, o.points[j - 1], o.points[j]) <= tol) return i;
    } else {
      if (o.points.some((q) => q[2] > 0 && dist(p, q) <= tol)) return i;
      for (const [a, b] of edges) {
        const pa = o.points[a];
        const pb = o.points[b];
        if (pa && pb && pa[2] > 0 && pb[2] > 0 && segDist(p, pa, pb) <= tol) return i;
      }
    }
  }
  return null;
}

/** An SVG path of rings (closed) or of a line (open). */
export function pathOf(rings: readonly (readonly (readonly number[])[])[], closed: boolean): string {
  let d = '';
  for (const r of rings) {
    if (!r.length) continue;
    d += 'M' + r.map((q) => `${q[0]} ${q[1]}`).join('L');
    if (closed) d += 'Z';
  }
  return d;
}

/** Twice the signed area of a ring. */
export function area2(ring: readonly (readonly number[])[]): number {
  let s = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) s += (ring[j][0] - ring[i][0]) * (ring[j][1] + ring[i][1]);
  return s;
}

function cross(o: readonly number[], a: readonly number[], b: readonly number[]): number {
  return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

/** Whether segments a–b and c–d cross properly (touching ends do not count). */
export function segmentsCross(a: readonly number[], b: readonly number[], c: readonly number[], d: readonly number[]): boolean {
  const d1 = cross(c, d, a);
  const d2 = cross(c, d, b);
  const d3 = cross(a, b, c);
  const d4 = cross(a, b, d);
  return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0));
}

/** Whether a closed ring crosses itself. */
export function selfCrossing(ring: readonly (readonly number[])[]): boolean {
  const n = ring.length;
  for (let i = 0; i < n; i++) {
    const a = ring[i];
    const b = ring[(i + 1) % n];
    for (let j = i + 2; j < n; j++) {
      if (i === 0 && j === n - 1) continue;
      if (segmentsCross(a, b, ring[j], ring[(j + 1) % n])) return true;
    }
  }
  return false;
}

function finitePt(p: unknown, W: number, H: number, n = 2): boolean {
  return (
    Array.isArray(p) &&
    p.length === n &&
    p.every((x) => typeof x === 'number' && Number.isFinite(x)) &&
    (!(W > 0 && H > 0) || (p[0] >= 0 && p[1] >= 0 && p[0] <= W + 0.5 && p[1] <= H + 0.5))
  );
}

/** One object's geometry problem, or null. `W`, `H` 0: the picture's size is not known. */
export function objectProblem(kind: ShapeKind, o: ShapeObject, W: number, H: number, skeletonSize = 0): string | null {
  if (!o || typeof o !== 'object' || typeof o.label !== 'string' || !Array.isArray(o.points)) return 'shape';
  if (kind === 'polygon') {
    if (o.points.length < 3 || !o.points.every((p) => finitePt(p, W, H))) return 'points';
    if (Math.abs(area2(o.points)) < 1e-9 || selfCrossing(o.points)) return 'crossing';
    for (const h of o.holes ?? []) {
      if (!Array.isArray(h) || h.length < 3 || !h.every((p) => finitePt(p, W, H))) return 'hole';
      if (selfCrossing(h) || !h.every((p) => inRing(o.points, p as Pt))) return 'hole';
    }
    return null;
  }
  if (kind === 'polyline') return o.points.length >= 2 && o.points.every((p) => finitePt(p, W, H)) ? null : 'points';
  if (o.points.length !== skeletonSize) return 'points';
  for (const p of o.points) {
    if (!Array.isArray(p) || p.length !== 3 || ![0, 1, 2].includes(p[2] as number)) return 'points';
    if (p[2] > 0 && !finitePt(p.slice(0, 2), W, H)) return 'points';
  }
  return o.points.some((p) => p[2] > 0) ? null : 'points';
}

/** The answer as the server stores it: absent keypoints as `[0, 0, 0]`, no empty holes or
 * attributes. */
export function normaliseObjects(kind: ShapeKind, list: ShapeObject[]): ShapeObject[] {
  return list.map((o) => {
    const out: ShapeObject = {
      label: o.label,
      points: kind === 'keypoints' ? o.points.map((p) => (p[2] === 0 ? [0, 0, 0] : [p[0], p[1], p[2]])) : o.points.map((p) => [p[0], p[1]]),
      attributes: o.attributes ?? {},
    };
    if (kind === 'polygon' && o.holes?.length) out.holes = o.holes;
    return out;
  });
}

/** An undo/redo history of values (each change pushes the value before it). */
export class History<T> {
  private past: T[] = [];
  private future: T[] = [];
  constructor(private limit = 200) {}
  /** Before a change from `now`. */
  push(now: T): void {
    this.past.push(now);
    if (this.past.length > this.limit) this.past.shift();
    this.future = [];
  }
  undo(now: T): T | undefined {
    const v = this.past.pop();
    if (v !== undefined) this.future.push(now);
    return v;
  }
  redo(now: T): T | undefined {
    const v = this.future.pop();
    if (v !== undefined) this.past.push(now);
    return v;
  }
  get canUndo(): boolean {
    return this.past.length > 0;
  }
  get canRedo(): boolean {
    return this.future.length > 0;
  }
}

/** A ring with the point at `i` gone, or null when too few would be left. */
export function withoutPoint<P>(ring: P[], i: number, least: number): P[] | null {
  return ring.length - 1 < least ? null : ring.filter((_, j) => j !== i);
}
