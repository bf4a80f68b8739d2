// The drawing stage of the polygon, polyline and keypoints questions: the picture with the
// objects as SVG over it, zoomed and panned (wheel, two fingers, the buttons; the original file
// is fetched once zoomed past the screen rendition), undo/redo (buttons, Ctrl+Z,
// Ctrl+Shift+Z), tools (draw, edit, hole), class buttons (their hotkeys), delete (key, button,
// or a long press on a point). A new point snaps to a neighbour's within a few screen pixels,
// so shared borders have no gap. The resting objects are one <canvas> bitmap (./canvas.ts),
// redrawn when they, the chosen object or the view change (zoom and pan: once a frame at
// most); the chosen object, its handles and the draft are SVG over it, so dragging a point
// redraws only that object. Picking an object reads the answer (`hitObject`), not the DOM.

import { memo } from 'preact/compat';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { EditorProps } from '../index';
import { optionName } from '../types';
import { optionColour } from '../shared';
import { AttributeForm } from '../boxes/Editor';
import { boxControls } from '../boxes/controls';
import { t, type Lang } from '../../i18n';
import { Icon, type IconName } from '../../components/Icon';
import { fitView, panBy, pinch, toImage, zoomAt, type View } from '../../work/geometry';
import { phoneSuffices, pictureUrl, setPictureBox } from '../../work/prefetch';
import type { KeyAction } from '../../work/hotkeys';
import {
  clampPt,
  dist,
  hitObject,
  hitPoint,
  History,
  normaliseObjects,
  pathOf,
  snapPoint,
  withoutPoint,
  type PointRef,
  type Pt,
  type ShapeKind,
  type ShapeObject,
} from './geometry';
import { drawScene, needsRedraw, type Scene } from './canvas';
import './shapes.css';

export type Tool = 'draw' | 'edit' | 'hole';

interface Draft {
  points: number[][];
  /** Drawing a hole of this polygon. */
  hole?: number;
}

interface Doc {
  objects: ShapeObject[];
  draft: Draft | null;
}

type Drag =
  | { kind: 'tap'; sx: number; sy: number; moved: boolean; pan: boolean; lx: number; ly: number }
  | { kind: 'point'; ref: PointRef; moved: boolean; sx: number; sy: number }
  | { kind: 'object'; index: number; ix: number; iy: number; orig: ShapeObject; moved: boolean }
  | { kind: 'pinch'; a: [number, number]; b: [number, number]; ids: [number, number] };

/** A skeleton-less kind's edges: one array, so memoised shapes see the same. */
const NO_EDGES: [number, number][] = [];
/** Screen pixels a press may move and still be a tap. */
const TAP_PX = 6;
/** Screen pixels within which a new point snaps to a neighbour's (a finger: more). */
const SNAP_PX = 8;
const SNAP_TOUCH_PX = 16;
/** A long press on a point deletes it. */
const LONG_PRESS_MS = 650;
/** The original's file: the screen rendition's URL with its variant named `original`. */
export function originalUrl(screen: string | null | undefined): string | null {
  return screen && /\/media\/[0-9a-f]{64}\/screen$/.test(screen) ? screen.slice(0, -'screen'.length) + 'original' : null;
}
/** The screen rendition's longest side. */
const SCREEN_SIDE = 1600;

const ObjectShape = memo(function ObjectShape({
  kind,
  o,
  colour,
  selected,
  scale,
  edges,
  index,
}: {
  kind: ShapeKind;
  o: ShapeObject;
  colour: string;
  selected: boolean;
  scale: number;
  edges: [number, number][];
  index: number;
}) {
  const w = 2.5 / scale;
  const common = { 'data-testid': 'shape', 'data-index': index, 'data-label': o.label, 'data-points': o.points.length };
  if (kind === 'keypoints') {
    const r = (selected ? 6 : 4.5) / scale;
    return (
      <g {...common}>
        {edges.map(([a, b], i) => {
          const p = o.points[a];
          const q = o.points[b];
          return p && q && p[2] > 0 && q[2] > 0 ? <line key={i} x1={p[0]} y1={p[1]} x2={q[0]} y2={q[1]} stroke={colour} stroke-width={w} /> : null;
        })}
        {o.points.map((p, i) =>
          p[2] > 0 ? <circle key={i} cx={p[0]} cy={p[1]} r={r} fill={p[2] === 2 ? colour : '#fff'} stroke={selected ? '#fff' : colour} stroke-width={w} /> : null,
        )}
      </g>
    );
  }
  const d = kind === 'polygon' ? pathOf([o.points, ...(o.holes ?? [])], true) : pathOf([o.points], false);
  return (
    <g {...common}>
      <path d={d} fill="none" stroke="#fff" stroke-width={w * 2.2} stroke-linejoin="round" />
      <path
        d={d}
        fill={kind === 'polygon' ? colour + (selected ? '66' : '33') : 'none'}
        fill-rule="evenodd"
        stroke={colour}
        stroke-width={w}
        stroke-linejoin="round"
      />
    </g>
  );
});

/** The objects as chips (choose one); drawn again only when the labels or the choice change,
 * not while a point is dragged. */
const ObjectList = memo(
  function ObjectList({
    kind,
    labels,
    selected,
    lang,
    colourOf,
    nameOf,
    choose,
  }: {
    kind: ShapeKind;
    /** The objects' labels, one a line. */
    labels: string;
    selected: number | null;
    lang: Lang;
    colourOf: (k: string) => string;
    nameOf: (k: string) => string;
    choose: (i: number) => void;
  }) {
    const list = labels ? labels.split('\n') : [];
    const seen = new Map<string, number>();
    return (
      <ul class="box-list" aria-label={t('box_list', {}, lang)} data-testid="shape-list">
        {list.length === 0 && <li class="muted">{t('sh_none_yet', {}, lang)}</li>}
        {list.map((label, i) => {
          const n = (seen.get(label) ?? 0) + 1;
          seen.set(label, n);
          return (
            <li key={i} class={'box-chip' + (i === selected ? ' on' : '')} style={{ '--c': colourOf(label) }}>
              <button type="button" class="chip-select" aria-pressed={i === selected} onClick={() => choose(i)}>
                <Icon name={kind === 'keypoints' ? 'keypoints' : kind === 'polyline' ? 'polyline' : 'polygon'} size={18} />
                {`${nameOf(label)} ${n}`}
              </button>
            </li>
          );
        })}
      </ul>
    );
  },
  (a, b) => a.labels === b.labels && a.selected === b.selected && a.lang === b.lang && a.kind === b.kind,
);

export function ShapesEditor({ q, value, onChange, field, lang }: EditorProps) {
  const kind = q.kind as ShapeKind;
  const skeleton = q.settings?.skeleton;
  const nPoints = skeleton?.points.length ?? 0;
  const edges = skeleton?.edges ?? NO_EDGES;
  const labels = q.options ?? [];
  const stageRef = useRef<HTMLDivElement>(null);
  const [natural, setNatural] = useState<[number, number] | null>(null);
  const W = field?.width ?? natural?.[0] ?? 0;
  const H = field?.height ?? natural?.[1] ?? 0;
  const [size, setSize] = useState<[number, number]>([0, 0]);
  const [view, setView] = useState<View | null>(null);
  const [doc, setDoc] = useState<Doc>(() => ({ objects: Array.isArray(value) ? (value as ShapeObject[]) : [], draft: null }));
  const [selected, setSelected] = useState<number | null>(null);
  const [selPoint, setSelPoint] = useState<PointRef | null>(null);
  const [tool, setTool] = useState<Tool>('draw');
  const [active, setActive] = useState(labels[0]?.key ?? '');
  const [nextVis, setNextVis] = useState<1 | 2>(2);
  const [, bump] = useState(0);
  const history = useRef(new History<Doc>());
  const drag = useRef<Drag | null>(null);
  const pointers = useRef(new Map<number, [number, number]>());
  const longPress = useRef<ReturnType<typeof setTimeout> | null>(null);
  const lastAdd = useRef<{ at: number; p: Pt } | null>(null);
  const st = useRef({ doc, selected, selPoint, tool, active, view, W, H, size, nextVis });
  st.current = { doc, selected, selPoint, tool, active, view, W, H, size, nextVis };

  const colourOf = (key: string) => {
    const i = labels.findIndex((o) => o.key === key);
    return optionColour(q, Math.max(0, i));
  };

  // the answer follows the objects once a change is done (not while a point is dragged)
  const emitted = useRef(doc.objects);
  const emit = (objects: ShapeObject[]) => {
    if (objects === emitted.current) return;
    emitted.current = objects;
    onChange(normaliseObjects(kind, objects));
  };
  useEffect(() => {
    if (!drag.current) emit(doc.objects);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [doc.objects]);

  // the stage's size and the fitted view
  useLayoutEffect(() => {
    const el = stageRef.current;
    if (!el) return;
    const measure = () => {
      const r = el.getBoundingClientRect();
      setSize([r.width, r.height]);
      setPictureBox(r.width, r.height);
    };
    measure();
    const ro = typeof ResizeObserver === 'function' ? new ResizeObserver(measure) : null;
    ro?.observe(el);
    return () => ro?.disconnect();
  }, []);
  useEffect(() => {
    if (W > 0 && H > 0 && size[0] > 0 && size[1] > 0) setView(fitView(W, H, size[0], size[1]));
  }, [W, H, size[0], size[1]]);

  // the picture: the rendition that fills the stage, the screen one past the phone one, the
  // original past the screen one (each kept once fetched)
  const [level, setLevel] = useState(0);
  const [failed, setFailed] = useState<string[]>([]);
  useEffect(() => {
    if (!view || !(W > 0 && H > 0)) return;
    const shown = Math.max(W, H) * view.scale;
    const dpr = typeof window !== 'undefined' ? window.devicePixelRatio || 1 : 1;
    const want = shown * dpr > SCREEN_SIDE && Math.max(W, H) > SCREEN_SIDE ? 2 : !phoneSuffices(W, H, shown) ? 1 : 0;
    if (want > level) setLevel(want);
  }, [view?.scale, W, H]);
  const screen = field?.screen_url ?? field?.thumb_url ?? '';
  const fitted =
    (field && pictureUrl({ screen_url: field.screen_url ?? null, thumb_url: field.thumb_url ?? null, width: field.width ?? null, height: field.height ?? null }, [size[0], size[1]])) ?? screen;
  const wanted = [originalUrl(field?.screen_url), screen, fitted].slice(2 - level).filter((u): u is string => !!u);
  const src = wanted.find((u) => !failed.includes(u)) ?? screen;

  // the wheel zooms (not passive, so the page does not scroll)
  useEffect(() => {
    const el = stageRef.current;
    if (!el) return;
    const onWheel = (e: WheelEvent) => {
      const { view: v, W: w, H: h, size: sz } = st.current;
      if (!v) return;
      e.preventDefault();
      const r = el.getBoundingClientRect();
      const f = Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015));
      setView(zoomAt(v, f, e.clientX - r.left, e.clientY - r.top, w, h, sz[0], sz[1]));
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, []);

  // the resting objects' bitmap: drawn at once when the objects or the chosen one change (a
  // tap, undo; a drag of the chosen object changes none of the others, so nothing is drawn);
  // a new view (wheel, pinch, pan) is drawn at the next frame, the old bitmap moved with the
  // picture by CSS meanwhile (so many wheel events a frame draw once)
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const drawn = useRef<{ on: HTMLCanvasElement; scene: Scene } | null>(null);
  /** What this canvas shows (a canvas made anew shows nothing yet). */
  const shown = (c: HTMLCanvasElement) => (drawn.current?.on === c ? drawn.current.scene : null);
  const frame = useRef<number | null>(null);
  const colours = labels.map((_, i) => optionColour(q, i)).join(' ');
  const colourRef = useRef(colourOf);
  colourRef.current = colourOf;
  const sceneNow = (): Scene | null => {
    const { doc: d, selected: sel, view: vw, size: sz } = st.current;
    if (!vw || !(sz[0] > 0 && sz[1] > 0)) return null;
    const dpr = typeof window !== 'undefined' ? window.devicePixelRatio || 1 : 1;
    return { kind, objects: d.objects, skip: sel, view: vw, w: sz[0], h: sz[1], dpr, colours, edges };
  };
  const paint = () => {
    const c = canvasRef.current;
    const s = sceneNow();
    if (!c || !s || !needsRedraw(shown(c), s)) return;
    const bw = Math.round(s.w * s.dpr);
    const bh = Math.round(s.h * s.dpr);
    if (c.width !== bw) c.width = bw;
    if (c.height !== bh) c.height = bh;
    c.style.width = s.w + 'px';
    c.style.height = s.h + 'px';
    const ctx = c.getContext('2d');
    if (!ctx) return;
    const n = drawScene(ctx, s, colourRef.current);
    drawn.current = { on: c, scene: s };
    c.style.transform = '';
    c.dataset.drawn = String(n);
  };
  const paintRef = useRef(paint);
  paintRef.current = paint;
  useLayoutEffect(() => {
    const c = canvasRef.current;
    const s = sceneNow();
    const d = c && shown(c);
    if (!c || !s || !needsRedraw(d, s)) return;
    const sameView = d && d.view.scale === s.view.scale && d.view.tx === s.view.tx && d.view.ty === s.view.ty && d.w === s.w && d.h === s.h;
    if (!d || sameView) {
      paint();
      return;
    }
    // until the next frame: the drawn bitmap follows the picture (scaled, moved)
    const k = s.view.scale / d.view.scale;
    c.style.transform = `translate(${s.view.tx - k * d.view.tx}px, ${s.view.ty - k * d.view.ty}px) scale(${k})`;
    if (frame.current === null) {
      const raf = typeof requestAnimationFrame === 'function' ? requestAnimationFrame : (f: () => void) => setTimeout(f, 16) as unknown as number;
      frame.current = raf(() => {
        frame.current = null;
        paintRef.current();
      });
    }
  });
  useEffect(() => {
    // a new density (the page zoomed, the window on another screen): drawn again
    const onResize = () => paintRef.current();
    window.addEventListener('resize', onResize);
    return () => {
      window.removeEventListener('resize', onResize);
      if (frame.current !== null && typeof cancelAnimationFrame === 'function') cancelAnimationFrame(frame.current);
    };
  }, []);

  /** A change the history keeps. */
  const change = (next: Doc) => {
    history.current.push(st.current.doc);
    st.current = { ...st.current, doc: next };
    setDoc(next);
  };
  const undo = () => {
    const prev = history.current.undo(st.current.doc);
    if (!prev) return false;
    st.current = { ...st.current, doc: prev };
    setDoc(prev);
    setSelected(null);
    setSelPoint(null);
    return true;
  };
  const redo = () => {
    const next = history.current.redo(st.current.doc);
    if (!next) return false;
    st.current = { ...st.current, doc: next };
    setDoc(next);
    setSelected(null);
    setSelPoint(null);
    return true;
  };

  const least = (ring: number) => (kind === 'polyline' ? 2 : ring >= 0 ? 3 : 3);
  const finish = (): boolean => {
    const { doc: d, active: label } = st.current;
    const dr = d.draft;
    if (!dr) return false;
    if (dr.hole !== undefined) {
      if (dr.points.length < 3) return false;
      const objects = d.objects.map((o, i) => (i === dr.hole ? { ...o, holes: [...(o.holes ?? []), dr.points as Pt[]] } : o));
      change({ objects, draft: null });
      setSelected(dr.hole);
      setTool('draw');
      return true;
    }
    let points = dr.points;
    if (kind === 'keypoints') {
      if (!points.some((p) => p[2] > 0)) return false;
      points = [...points, ...Array.from({ length: Math.max(0, nPoints - points.length) }, () => [0, 0, 0])];
    } else if (points.length < least(-1)) return false;
    const objects = [...d.objects, { label, points, attributes: {} }];
    change({ objects, draft: null });
    setSelected(objects.length - 1);
    return true;
  };

  const addPoint = (ix: number, iy: number, touch: boolean) => {
    const { doc: d, view: v, W: w, H: h, tool: tl, selected: sel, nextVis: vis } = st.current;
    if (!v) return;
    const tol = (touch ? SNAP_TOUCH_PX : SNAP_PX) / v.scale;
    const dr = d.draft;
    let p = clampPt(ix, iy, w, h);
    if (kind === 'keypoints') {
      const pts = [...(dr?.points ?? []), [p[0], p[1], vis]];
      const next = { objects: d.objects, draft: { points: pts } };
      change(next);
      if (pts.length >= nPoints) finish();
      return;
    }
    if (tl === 'hole' && !dr && (sel === null || !d.objects[sel])) return;
    const own = dr?.points ?? [];
    // closing: a tap on the first point of a ring of three or more
    if (kind === 'polygon' && own.length >= 3 && dist(p, own[0]) <= tol) {
      finish();
      return;
    }
    // a polyline ends with a second tap on its last point (a double click or tap)
    const now = Date.now();
    if (kind === 'polyline' && own.length >= 2 && lastAdd.current && now - lastAdd.current.at < 400 && dist(p, lastAdd.current.p) <= tol) {
      finish();
      return;
    }
    const s = snapPoint(d.objects, p, tol, -1, own.slice(1) as Pt[]);
    if (s) p = s;
    lastAdd.current = { at: now, p };
    const hole = dr ? dr.hole : tl === 'hole' ? (sel ?? undefined) : undefined;
    change({ objects: d.objects, draft: { points: [...own, p], ...(hole !== undefined ? { hole } : {}) } });
  };

  /** Delete: the chosen point, else the chosen object, else the draft's last point. */
  const remove = (): boolean => {
    const { doc: d, selected: sel, selPoint: sp } = st.current;
    if (d.draft) {
      const pts = d.draft.points.slice(0, -1);
      change({ objects: d.objects, draft: pts.length ? { ...d.draft, points: pts } : null });
      return true;
    }
    if (sp && d.objects[sp.object]) {
      const o = d.objects[sp.object];
      let next: ShapeObject | null = o;
      if (kind === 'keypoints') next = { ...o, points: o.points.map((p, i) => (i === sp.point ? [0, 0, 0] : p)) };
      else if (sp.ring < 0) {
        const pts = withoutPoint(o.points, sp.point, least(-1));
        next = pts ? { ...o, points: pts } : null;
      } else {
        const h = withoutPoint(o.holes![sp.ring], sp.point, 3);
        next = { ...o, holes: h ? o.holes!.map((r, i) => (i === sp.ring ? h : r)) : o.holes!.filter((_, i) => i !== sp.ring) };
      }
      change({ objects: next ? d.objects.map((x, i) => (i === sp.object ? next! : x)) : d.objects.filter((_, i) => i !== sp.object), draft: null });
      setSelPoint(null);
      if (!next) setSelected(null);
      return true;
    }
    if (sel !== null && d.objects[sel]) {
      change({ objects: d.objects.filter((_, i) => i !== sel), draft: null });
      setSelected(null);
      return true;
    }
    return false;
  };

  const setClass = (key: string) => {
    setActive(key);
    const { selected: sel, doc: d } = st.current;
    if (sel !== null && d.objects[sel] && d.objects[sel].label !== key) change({ objects: d.objects.map((o, i) => (i === sel ? { ...o, label: key } : o)), draft: d.draft });
  };

  const setVisibility = (v: 0 | 1 | 2) => {
    const { doc: d, selPoint: sp } = st.current;
    if (!sp || kind !== 'keypoints') {
      if (v === 0) {
        const pts = [...(d.draft?.points ?? []), [0, 0, 0]];
        change({ objects: d.objects, draft: { points: pts } });
        if (pts.length >= nPoints) finish();
      } else setNextVis(v);
      return;
    }
    const o = d.objects[sp.object];
    change({ objects: d.objects.map((x, i) => (i === sp.object ? { ...o, points: o.points.map((p, j) => (j === sp.point ? (v === 0 ? [0, 0, 0] : [p[0], p[1], v]) : p)) } : x)), draft: null });
  };

  const control = useRef<{ key(a: KeyAction): boolean; hasSelection(): boolean; char?(k: string): boolean; wantsEnter?(): boolean } | null>(null);
  control.current = {
    hasSelection: () => st.current.selected !== null || st.current.doc.draft !== null,
    wantsEnter: () => st.current.doc.draft !== null,
    char: (k) => {
      const tools: Record<string, Tool> = { n: 'draw', e: 'edit', h: 'hole' };
      const tl = tools[k];
      if (!tl || (tl === 'hole' && kind !== 'polygon')) return false;
      chooseTool(tl);
      return true;
    },
    key: (a) => {
      switch (a.type) {
        case 'label':
          setClass(a.key);
          return true;
        case 'confirm':
          return finish();
        case 'delete':
          return remove();
        case 'escape': {
          const had = st.current.doc.draft !== null || st.current.selected !== null;
          if (st.current.doc.draft) change({ objects: st.current.doc.objects, draft: null });
          setSelected(null);
          setSelPoint(null);
          return had;
        }
        case 'undo':
          return undo();
        case 'redo':
          return redo();
        default:
          return false;
      }
    },
  };
  boxControls.set(q.key, control as never);
  useEffect(
    () => () => {
      control.current = null;
    },
    [],
  );

  const chooseTool = (tl: Tool) => {
    const { doc: d, selected: sel } = st.current;
    if (d.draft) finish() || change({ objects: st.current.doc.objects, draft: null });
    if (tl === 'hole' && (sel === null || !d.objects[sel])) {
      setTool('hole');
      return;
    }
    setTool(tl);
    setSelPoint(null);
  };

  const local = (e: PointerEvent): [number, number] => {
    const r = stageRef.current!.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  };
  const clearLong = () => {
    if (longPress.current) clearTimeout(longPress.current);
    longPress.current = null;
  };

  function onDown(e: PointerEvent) {
    const v = st.current.view;
    if (!v) return;
    (e.currentTarget as HTMLElement).setPointerCapture?.(e.pointerId);
    const p = local(e);
    pointers.current.set(e.pointerId, p);
    clearLong();
    if (pointers.current.size >= 2) {
      const [[ia, a], [ib, b]] = [...pointers.current.entries()];
      drag.current = { kind: 'pinch', a, b, ids: [ia, ib] };
      return;
    }
    if (e.button === 1 || e.button === 2) {
      drag.current = { kind: 'tap', sx: p[0], sy: p[1], lx: p[0], ly: p[1], moved: true, pan: true };
      return;
    }
    const [ix, iy] = toImage(v, p[0], p[1]);
    const touch = e.pointerType === 'touch';
    const tol = (touch ? 18 : 9) / v.scale;
    const { doc: d, tool: tl, selected: sel } = st.current;
    // editing: a point (of the chosen object first) is dragged; held, it is deleted. Drawing,
    // a tap on a neighbour's point is a new point there (snapped), not a drag.
    if (tl === 'edit') {
      const ref = hitPoint(d.objects, [ix, iy], tol, sel);
      if (ref) {
        setSelected(ref.object);
        setSelPoint(ref);
        drag.current = { kind: 'point', ref, moved: false, sx: p[0], sy: p[1] };
        longPress.current = setTimeout(() => {
          if (drag.current?.kind === 'point' && !drag.current.moved) {
            drag.current = null;
            st.current = { ...st.current, selPoint: ref };
            remove();
          }
        }, LONG_PRESS_MS);
        return;
      }
    }
    if (tl === 'edit') {
      const hit = hitObject(kind, d.objects, [ix, iy], tol, edges);
      if (hit !== null) {
        setSelected(hit);
        setSelPoint(null);
        setActive(d.objects[hit].label);
        drag.current = { kind: 'object', index: hit, ix, iy, orig: d.objects[hit], moved: false };
        return;
      }
      setSelected(null);
      setSelPoint(null);
    }
    // a tap adds a point (drawing) or chooses nothing; a drag pans
    drag.current = { kind: 'tap', sx: p[0], sy: p[1], lx: p[0], ly: p[1], moved: false, pan: false };
  }

  function onMove(e: PointerEvent) {
    const dg = drag.current;
    const { view: v, W: w, H: h, size: sz, doc: d } = st.current;
    if (!pointers.current.has(e.pointerId) || !dg || !v) return;
    const p = local(e);
    pointers.current.set(e.pointerId, p);
    const [ix, iy] = toImage(v, p[0], p[1]);
    switch (dg.kind) {
      case 'tap':
        if (!dg.moved && Math.hypot(p[0] - dg.sx, p[1] - dg.sy) > TAP_PX) dg.moved = true;
        if (dg.moved) {
          setView(panBy(v, p[0] - dg.lx, p[1] - dg.ly, w, h, sz[0], sz[1]));
          dg.lx = p[0];
          dg.ly = p[1];
        }
        break;
      case 'point': {
        if (!dg.moved) {
          if (Math.hypot(p[0] - dg.sx, p[1] - dg.sy) < 3) break;
          clearLong();
          history.current.push(d);
          dg.moved = true;
        }
        const { object: oi, ring, point } = dg.ref;
        let np: Pt = clampPt(ix, iy, w, h);
        const s = snapPoint(d.objects, np, (e.pointerType === 'touch' ? SNAP_TOUCH_PX : SNAP_PX) / v.scale, oi);
        if (s) np = s;
        const o = d.objects[oi];
        const put = (ring2: number[][]) => ring2.map((q2, j) => (j === point ? (kind === 'keypoints' ? [np[0], np[1], q2[2]] : np) : q2));
        const moved: ShapeObject = ring < 0 ? { ...o, points: put(o.points) } : { ...o, holes: o.holes!.map((r, j) => (j === ring ? (put(r) as Pt[]) : r)) };
        const objects = d.objects.slice();
        objects[oi] = moved;
        const next = { objects, draft: null };
        st.current = { ...st.current, doc: next };
        setDoc(next);
        break;
      }
      case 'object': {
        if (!dg.moved) {
          history.current.push(d);
          dg.moved = true;
        }
        const pts = [...dg.orig.points, ...(dg.orig.holes ?? []).flat()].filter((q2) => q2.length < 3 || q2[2] > 0);
        const minX = Math.min(...pts.map((q2) => q2[0]));
        const maxX = Math.max(...pts.map((q2) => q2[0]));
        const minY = Math.min(...pts.map((q2) => q2[1]));
        const maxY = Math.max(...pts.map((q2) => q2[1]));
        const dx = Math.min(Math.max(ix - dg.ix, -minX), w - maxX);
        const dy = Math.min(Math.max(iy - dg.iy, -minY), h - maxY);
        const sh = (q2: number[]) => (q2.length > 2 && q2[2] === 0 ? q2 : q2.length > 2 ? [q2[0] + dx, q2[1] + dy, q2[2]] : [q2[0] + dx, q2[1] + dy]);
        const o: ShapeObject = { ...dg.orig, points: dg.orig.points.map(sh), ...(dg.orig.holes ? { holes: dg.orig.holes.map((r) => r.map(sh) as Pt[]) } : {}) };
        const objects = d.objects.slice();
        objects[dg.index] = o;
        const next = { objects, draft: null };
        st.current = { ...st.current, doc: next };
        setDoc(next);
        break;
      }
      case 'pinch': {
        const a1 = pointers.current.get(dg.ids[0]);
        const b1 = pointers.current.get(dg.ids[1]);
        if (!a1 || !b1) break;
        setView(pinch(v, dg.a, dg.b, a1, b1, w, h, sz[0], sz[1]));
        drag.current = { ...dg, a: a1, b: b1 };
        break;
      }
    }
  }

  function onUp(e: PointerEvent) {
    if (!pointers.current.delete(e.pointerId)) return;
    clearLong();
    const dg = drag.current;
    drag.current = pointers.current.size ? { kind: 'tap', sx: 0, sy: 0, lx: 0, ly: 0, moved: true, pan: true } : null;
    if (pointers.current.size) {
      const [p] = [...pointers.current.values()];
      drag.current = { kind: 'tap', sx: p[0], sy: p[1], lx: p[0], ly: p[1], moved: true, pan: true };
    }
    const v = st.current.view;
    if (dg?.kind === 'tap' && !dg.moved && !dg.pan && v && e.type === 'pointerup') {
      const { tool: tl } = st.current;
      if (tl === 'draw' || tl === 'hole') {
        const [ix, iy] = toImage(v, dg.sx, dg.sy);
        addPoint(ix, iy, e.pointerType === 'touch');
      }
    }
    if (dg?.kind === 'point' && !dg.moved) bump((n) => n + 1);
    if (!drag.current) emit(st.current.doc.objects);
  }

  const v = view;
  const { objects, draft } = doc;
  const nameOf = (key: string) => {
    const o = labels.find((x) => x.key === key);
    return o ? optionName(o, lang) : key;
  };
  const scale = v?.scale ?? 1;
  const handleR = 6 / scale;
  const stroke = 2 / scale;
  const font = 14 / scale;
  const sel = selected !== null ? objects[selected] : null;
  const nextName = kind === 'keypoints' && skeleton ? skeleton.points[draft?.points.length ?? 0] : undefined;
  const attrs = q.settings?.attributes ?? [];
  const ac = colourOf(active);

  // a tool's button: called as a function (not a component made anew each render, which
  // Preact would take out and put back on every move of a drag)
  const toolBtn = ({ tl, icon, word, hk }: { tl: Tool; icon: IconName; word: string; hk: string }) => (
    <button type="button" class={'btn btn-secondary tool-btn' + (tool === tl ? ' on' : '')} aria-pressed={tool === tl} aria-keyshortcuts={hk} data-testid={'tool-' + tl} onClick={() => chooseTool(tl)}>
      <Icon name={icon} />
      <span>{word}</span>
    </button>
  );

  return (
    <div class="q-boxes q-shapes" data-testid="q-shapes" data-kind={kind} data-question={q.key}>
      <div
        class="box-stage"
        ref={stageRef}
        data-testid="shape-stage"
        data-scale={v?.scale ?? ''}
        data-src={src}
        data-tool={tool}
        onPointerDown={onDown}
        onPointerMove={onMove}
        onPointerUp={onUp}
        onPointerCancel={onUp}
        onDblClick={() => kind === 'polyline' && finish()}
        onContextMenu={(e) => e.preventDefault()}
      >
        {v && W > 0 && (
          <div class="box-canvas" style={{ transform: `translate(${v.tx}px, ${v.ty}px) scale(${v.scale})`, width: W + 'px', height: H + 'px' }}>
            <img
              class="box-img"
              data-testid="item-img"
              src={src}
              alt={t('image_of_item', {}, lang)}
              draggable={false}
              width={W}
              height={H}
              onError={() => setFailed((f) => (f.includes(src) ? f : [...f, src]))}
            />
          </div>
        )}
        {/* two layers over the picture: the objects at rest on a canvas of the stage's size
            (drawn by `paint`, its size and transform set there), and the chosen one with its
            handles and the draft as SVG (its own composited layer: a drag repaints only it) */}
        {v && W > 0 && <canvas ref={canvasRef} class="shape-rest" data-testid="shape-canvas" aria-hidden="true" />}
        {v && W > 0 && (
          <div class="shape-over" style={{ transform: `translate(${v.tx}px, ${v.ty}px) scale(${v.scale})`, width: W + 'px', height: H + 'px' }}>
            <svg class="box-svg shape-layer" viewBox={`0 0 ${W} ${H}`} width={W} height={H} aria-hidden="true">
              {sel && <ObjectShape kind={kind} o={sel} colour={colourOf(sel.label)} selected scale={scale} edges={edges} index={selected!} />}
              {sel && (
                <g data-testid="handles">
                  {[sel.points, ...(sel.holes ?? [])].map((r, ri) =>
                    r.map((p, pi) =>
                      p.length > 2 && p[2] === 0 ? null : (
                        <circle
                          key={`${ri}-${pi}`}
                          cx={p[0]}
                          cy={p[1]}
                          r={selPoint && selPoint.ring === ri - 1 && selPoint.point === pi ? handleR * 1.4 : handleR}
                          fill={selPoint && selPoint.ring === ri - 1 && selPoint.point === pi ? colourOf(sel.label) : '#fff'}
                          stroke={colourOf(sel.label)}
                          stroke-width={stroke}
                        />
                      ),
                    ),
                  )}
                  {kind === 'keypoints' &&
                    skeleton &&
                    sel.points.map((p, i) =>
                      p[2] > 0 ? (
                        <text key={'n' + i} x={p[0] + handleR * 1.5} y={p[1] - handleR} font-size={font} class="box-name" fill="#fff" stroke="#000" stroke-width={font / 5} paint-order="stroke">
                          {optionName(skeleton.points[i], lang)}
                        </text>
                      ) : null,
                    )}
                </g>
              )}
              {draft && (
                <g data-testid="draft" data-points={draft.points.length}>
                  {kind !== 'keypoints' && (
                    <path d={pathOf([draft.points], false)} fill="none" stroke={ac} stroke-width={stroke} stroke-dasharray={`${stroke * 3} ${stroke * 2}`} />
                  )}
                  {kind === 'keypoints' &&
                    edges.map(([a, b], i) => {
                      const p = draft.points[a];
                      const p2 = draft.points[b];
                      return p && p2 && p[2] > 0 && p2[2] > 0 ? <line key={i} x1={p[0]} y1={p[1]} x2={p2[0]} y2={p2[1]} stroke={ac} stroke-width={stroke} /> : null;
                    })}
                  {draft.points.map((p, i) =>
                    p.length > 2 && p[2] === 0 ? null : (
                      <circle key={i} cx={p[0]} cy={p[1]} r={i === 0 && kind === 'polygon' ? handleR * 1.5 : handleR} fill={i === 0 ? ac : '#fff'} stroke={ac} stroke-width={stroke} />
                    ),
                  )}
                  {kind === 'keypoints' &&
                    skeleton &&
                    draft.points.map((p, i) =>
                      p[2] > 0 ? (
                        <text key={'n' + i} x={p[0] + handleR * 1.5} y={p[1] - handleR} font-size={font} class="box-name" fill="#fff" stroke="#000" stroke-width={font / 5} paint-order="stroke">
                          {optionName(skeleton.points[i], lang)}
                        </text>
                      ) : null,
                    )}
                </g>
              )}
            </svg>
          </div>
        )}
        {W === 0 && <img class="work-img" src={screen} alt={t('image_of_item', {}, lang)} onLoad={(e) => setNatural([e.currentTarget.naturalWidth, e.currentTarget.naturalHeight])} />}
        {nextName && (
          <p class="stage-toast shape-next" role="status" data-testid="kp-next">
            {t('sh_place', { name: optionName(nextName, lang) }, lang)}
          </p>
        )}
        <div class="zoom-tools" onPointerDown={(e) => e.stopPropagation()}>
          <button type="button" class="btn btn-plain btn-icon" aria-label={t('zoom_in', {}, lang)} data-testid="zoom-in" onClick={() => v && setView(zoomAt(v, 1.5, size[0] / 2, size[1] / 2, W, H, size[0], size[1]))}>
            <Icon name="zoomIn" />
          </button>
          <button type="button" class="btn btn-plain btn-icon" aria-label={t('zoom_out', {}, lang)} data-testid="zoom-out" onClick={() => v && setView(zoomAt(v, 1 / 1.5, size[0] / 2, size[1] / 2, W, H, size[0], size[1]))}>
            <Icon name="zoomOut" />
          </button>
          <button type="button" class="btn btn-plain btn-icon" aria-label={t('zoom_fit', {}, lang)} data-testid="zoom-fit" onClick={() => setView(fitView(W, H, size[0], size[1]))}>
            <Icon name="fit" />
          </button>
        </div>
      </div>
      <div class="work-controls box-controls shape-controls">
        <div class="label-grid" role="group" aria-label={t('box_class', {}, lang)} data-testid="labels">
          {labels.map((o, i) => (
            <button
              type="button"
              key={o.key}
              class={'btn btn-secondary shape-class' + (active === o.key ? ' on' : '')}
              style={{ '--c': optionColour(q, i) }}
              aria-pressed={active === o.key}
              aria-keyshortcuts={o.hotkey ?? undefined}
              data-testid="shape-class"
              data-key={o.key}
              onClick={() => setClass(o.key)}
            >
              <span class="swatch" aria-hidden="true" />
              <span class="label-name">{optionName(o, lang)}</span>
              {o.hotkey && <kbd>{o.hotkey}</kbd>}
            </button>
          ))}
        </div>
        <div class="tool-row" role="toolbar" aria-label={t('sh_tools', {}, lang)}>
          {toolBtn({ tl: 'draw', icon: 'pen', word: t('sh_draw', {}, lang), hk: 'N' })}
          {toolBtn({ tl: 'edit', icon: 'edit', word: t('sh_edit', {}, lang), hk: 'E' })}
          {kind === 'polygon' && toolBtn({ tl: 'hole', icon: 'circle', word: t('sh_hole', {}, lang), hk: 'H' })}
          {draft && kind !== 'keypoints' && (
            <button type="button" class="btn btn-primary" data-testid="shape-finish" aria-keyshortcuts="Enter" disabled={draft.points.length < (kind === 'polyline' ? 2 : 3)} onClick={() => finish()}>
              <Icon name="check" />
              <span>{kind === 'polygon' ? t('sh_close', {}, lang) : t('sh_end', {}, lang)}</span>
            </button>
          )}
          <button type="button" class="btn btn-plain" data-testid="shape-undo" aria-keyshortcuts="Control+Z" disabled={!history.current.canUndo} onClick={() => undo()}>
            <Icon name="undo" />
            <span>{t('undo', {}, lang)}</span>
          </button>
          <button type="button" class="btn btn-plain" data-testid="shape-redo" aria-keyshortcuts="Control+Shift+Z" disabled={!history.current.canRedo} onClick={() => redo()}>
            <Icon name="redo" />
            <span>{t('sh_redo', {}, lang)}</span>
          </button>
          <button type="button" class="btn btn-plain" data-testid="shape-delete" aria-keyshortcuts="Delete" disabled={!draft && selected === null} onClick={() => remove()}>
            <Icon name="trash" />
            <span>{selPoint ? t('sh_delete_point', {}, lang) : t('sh_delete', {}, lang)}</span>
          </button>
        </div>
        {kind === 'keypoints' && (
          <div class="tool-row" role="group" aria-label={t('sh_visibility', {}, lang)} data-testid="kp-visibility">
            {([2, 1, 0] as const).map((vv) => {
              const cur = selPoint && sel ? sel.points[selPoint.point]?.[2] : nextVis;
              return (
                <button
                  type="button"
                  key={vv}
                  class={'btn btn-secondary' + (cur === vv ? ' on' : '')}
                  aria-pressed={cur === vv}
                  data-testid={'kp-vis-' + vv}
                  onClick={() => setVisibility(vv)}
                >
                  <Icon name={vv === 2 ? 'eye' : vv === 1 ? 'eyeOff' : 'ban'} />
                  <span>{t(vv === 2 ? 'sh_visible' : vv === 1 ? 'sh_hidden' : 'sh_absent', {}, lang)}</span>
                </button>
              );
            })}
          </div>
        )}
        <ObjectList
          kind={kind}
          labels={objects.map((o) => o.label).join('\n')}
          selected={selected}
          lang={lang}
          colourOf={colourOf}
          nameOf={nameOf}
          choose={(i) => (setSelected(i === st.current.selected ? null : i), setSelPoint(null))}
        />
        {attrs.length > 0 && sel && (
          <div class="box-form" data-testid="shape-form">
            <AttributeForm attrs={attrs} box={sel} lang={lang} set={(patch) => change({ objects: objects.map((o, i) => (i === selected ? { ...o, ...patch } : o)), draft })} />
          </div>
        )}
        {value === undefined && objects.length === 0 && !draft && (
          <button type="button" class="btn btn-plain opt-none" data-testid="shapes-none" data-question={q.key} onClick={() => onChange([])}>
            <Icon name="ban" />
            <span>{t('sh_nothing', {}, lang)}</span>
          </button>
        )}
        <p class="muted box-hint">{t(kind === 'polygon' ? 'sh_hint_polygon' : kind === 'polyline' ? 'sh_hint_polyline' : 'sh_hint_keypoints', {}, lang)}</p>
      </div>
    </div>
  );
}

export type { Lang };
