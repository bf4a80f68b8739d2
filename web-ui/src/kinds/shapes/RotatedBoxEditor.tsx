// The rotated-box question's editor: press and drag to draw a box, drag a chosen box to move
// it, and the round handle above it to turn it (degrees clockwise, as the server keeps them).
// A change that would take a corner outside the picture is not made. Undo/redo, classes by
// their hotkeys, delete; the wheel, two fingers or the buttons zoom; the right button pans.

import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { EditorProps } from '../index';
import { optionName } from '../types';
import { optionColour } from '../shared';
import { boxControls } from '../boxes/controls';
import { t } from '../../i18n';
import { Icon } from '../../components/Icon';
import { fitView, panBy, pinch, toImage, zoomAt, type View } from '../../work/geometry';
import type { KeyAction } from '../../work/hotkeys';
import { History, inRing, type Pt } from './geometry';
import { angleTowards, boxInside, corners, normAngle, type RBox } from './rotated';

export { corners, type RBox };
import './shapes.css';

const r1 = (n: number) => Math.round(n * 10) / 10;

type Drag =
  | { kind: 'draw'; x0: number; y0: number }
  | { kind: 'move'; i: number; ix: number; iy: number; orig: RBox; moved: boolean }
  | { kind: 'turn'; i: number; moved: boolean }
  | { kind: 'pan'; sx: number; sy: number }
  | { kind: 'pinch'; a: [number, number]; b: [number, number]; ids: [number, number] };

export function RotatedBoxEditor({ q, value, onChange, field, lang }: EditorProps) {
  const labels = q.options ?? [];
  const W = field?.width ?? 0;
  const H = field?.height ?? 0;
  const stageRef = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState<[number, number]>([0, 0]);
  const [view, setView] = useState<View | null>(null);
  const [boxes, setBoxes] = useState<RBox[]>(() => (Array.isArray(value) ? (value as RBox[]) : []));
  const [selected, setSelected] = useState<number | null>(null);
  const [active, setActive] = useState(labels[0]?.key ?? '');
  const [preview, setPreview] = useState<RBox | null>(null);
  const history = useRef(new History<RBox[]>());
  const drag = useRef<Drag | null>(null);
  const pointers = useRef(new Map<number, [number, number]>());
  const st = useRef({ boxes, selected, active, view, size, preview });
  st.current = { boxes, selected, active, view, size, preview };
  const colourOf = (key: string) => optionColour(q, Math.max(0, labels.findIndex((o) => o.key === key)));
  const emit = (list: RBox[]) => onChange(list.map((b) => ({ label: b.label, cx: r1(b.cx), cy: r1(b.cy), w: r1(b.w), h: r1(b.h), angle: normAngle(b.angle), attributes: b.attributes ?? {} })));

  useLayoutEffect(() => {
    const el = stageRef.current;
    if (!el) return;
    const measure = () => {
      const r = el.getBoundingClientRect();
      setSize([r.width, r.height]);
    };
    measure();
    const ro = typeof ResizeObserver === 'function' ? new ResizeObserver(measure) : null;
    ro?.observe(el);
    return () => ro?.disconnect();
  }, []);
  useEffect(() => {
    if (W > 0 && H > 0 && size[0] > 0 && size[1] > 0) setView(fitView(W, H, size[0], size[1]));
  }, [W, H, size[0], size[1]]);
  useEffect(() => {
    const el = stageRef.current;
    if (!el) return;
    const onWheel = (e: WheelEvent) => {
      const { view: v, size: sz } = st.current;
      if (!v) return;
      e.preventDefault();
      const r = el.getBoundingClientRect();
      setView(zoomAt(v, Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015)), e.clientX - r.left, e.clientY - r.top, W, H, sz[0], sz[1]));
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, [W, H]);

  const commit = (list: RBox[], keep = true) => {
    if (keep) history.current.push(st.current.boxes);
    st.current = { ...st.current, boxes: list };
    setBoxes(list);
  };
  const step = (dir: 'undo' | 'redo') => {
    const p = dir === 'undo' ? history.current.undo(st.current.boxes) : history.current.redo(st.current.boxes);
    if (!p) return false;
    commit(p, false);
    setSelected(null);
    emit(p);
    return true;
  };
  const remove = () => {
    const sel = st.current.selected;
    if (sel === null) return false;
    const list = st.current.boxes.filter((_, i) => i !== sel);
    commit(list);
    setSelected(null);
    emit(list);
    return true;
  };
  const setClass = (key: string) => {
    setActive(key);
    const sel = st.current.selected;
    if (sel !== null && st.current.boxes[sel] && st.current.boxes[sel].label !== key) {
      const list = st.current.boxes.map((b, i) => (i === sel ? { ...b, label: key } : b));
      commit(list);
      emit(list);
    }
  };
  const control = useRef<{ key(a: KeyAction): boolean; hasSelection(): boolean } | null>(null);
  control.current = {
    hasSelection: () => st.current.selected !== null,
    key: (a) => {
      if (a.type === 'label') setClass(a.key);
      else if (a.type === 'undo' || a.type === 'redo') return step(a.type);
      else if (a.type === 'delete') return remove();
      else if (a.type === 'escape' && st.current.selected !== null) setSelected(null);
      else return false;
      return true;
    },
  };
  boxControls.set(q.key, control as never);

  const handleOf = (b: RBox, scale: number): Pt => {
    const a = (b.angle * Math.PI) / 180;
    const d = b.h / 2 + 28 / scale;
    return [b.cx + d * Math.sin(a), b.cy - d * Math.cos(a)];
  };
  const local = (e: PointerEvent): [number, number] => {
    const r = stageRef.current!.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  };
  function onDown(e: PointerEvent) {
    const v = st.current.view;
    if (!v) return;
    (e.currentTarget as HTMLElement).setPointerCapture?.(e.pointerId);
    const p = local(e);
    pointers.current.set(e.pointerId, p);
    if (pointers.current.size >= 2) {
      const [[ia, a], [ib, b]] = [...pointers.current.entries()];
      drag.current = { kind: 'pinch', a, b, ids: [ia, ib] };
      setPreview(null);
      return;
    }
    if (e.button === 1 || e.button === 2) {
      drag.current = { kind: 'pan', sx: p[0], sy: p[1] };
      return;
    }
    const [ix, iy] = toImage(v, p[0], p[1]);
    const tol = (e.pointerType === 'touch' ? 20 : 12) / v.scale;
    const { boxes: list, selected: sel } = st.current;
    if (sel !== null && list[sel]) {
      const [hx, hy] = handleOf(list[sel], v.scale);
      if (Math.hypot(ix - hx, iy - hy) <= tol) {
        drag.current = { kind: 'turn', i: sel, moved: false };
        return;
      }
    }
    for (let i = list.length - 1; i >= 0; i--)
      if (inRing(corners(list[i]), [ix, iy])) {
        setSelected(i);
        setActive(list[i].label);
        drag.current = { kind: 'move', i, ix, iy, orig: list[i], moved: false };
        return;
      }
    setSelected(null);
    drag.current = { kind: 'draw', x0: Math.min(Math.max(ix, 0), W), y0: Math.min(Math.max(iy, 0), H) };
  }
  function onMove(e: PointerEvent) {
    const d = drag.current;
    const { view: v, size: sz, boxes: list } = st.current;
    if (!pointers.current.has(e.pointerId) || !d || !v) return;
    const p = local(e);
    pointers.current.set(e.pointerId, p);
    const [ix, iy] = toImage(v, p[0], p[1]);
    if (d.kind === 'pan') {
      setView(panBy(v, p[0] - d.sx, p[1] - d.sy, W, H, sz[0], sz[1]));
      drag.current = { kind: 'pan', sx: p[0], sy: p[1] };
    } else if (d.kind === 'pinch') {
      const a1 = pointers.current.get(d.ids[0]);
      const b1 = pointers.current.get(d.ids[1]);
      if (!a1 || !b1) return;
      setView(pinch(v, d.a, d.b, a1, b1, W, H, sz[0], sz[1]));
      drag.current = { ...d, a: a1, b: b1 };
    } else if (d.kind === 'draw') {
      const x = Math.min(Math.max(ix, 0), W);
      const y = Math.min(Math.max(iy, 0), H);
      const b = { label: st.current.active, cx: (d.x0 + x) / 2, cy: (d.y0 + y) / 2, w: Math.abs(x - d.x0), h: Math.abs(y - d.y0), angle: 0, attributes: {} };
      st.current = { ...st.current, preview: b };
      setPreview(b);
    } else {
      const b = list[d.i];
      const next = d.kind === 'move' ? { ...b, cx: d.orig.cx + ix - d.ix, cy: d.orig.cy + iy - d.iy } : { ...b, angle: angleTowards(b, ix, iy) };
      if (!boxInside(next, W, H)) return;
      if (!d.moved) {
        history.current.push(list);
        d.moved = true;
      }
      const all = list.slice();
      all[d.i] = next;
      st.current = { ...st.current, boxes: all };
      setBoxes(all);
    }
  }
  function onUp(e: PointerEvent) {
    if (!pointers.current.delete(e.pointerId)) return;
    const d = drag.current;
    drag.current = null;
    const v = st.current.view;
    if (d?.kind === 'draw') {
      const b = st.current.preview;
      setPreview(null);
      st.current = { ...st.current, preview: null };
      if (b && v && b.w * v.scale >= 6 && b.h * v.scale >= 6 && boxInside(b, W, H)) {
        const list = [...st.current.boxes, b];
        commit(list);
        setSelected(list.length - 1);
        emit(list);
      }
    } else if ((d?.kind === 'move' || d?.kind === 'turn') && d.moved) emit(st.current.boxes);
  }

  const v = view;
  const scale = v?.scale ?? 1;
  const sw = 2.5 / scale;
  const shown = preview ? [...boxes, preview] : boxes;
  const sel = selected !== null ? boxes[selected] : null;
  return (
    <div class="q-boxes q-shapes" data-testid="q-shapes" data-kind="rotated_box" data-question={q.key}>
      <div
        class="box-stage"
        ref={stageRef}
        data-testid="shape-stage"
        onPointerDown={onDown}
        onPointerMove={onMove}
        onPointerUp={onUp}
        onPointerCancel={onUp}
        onContextMenu={(e) => e.preventDefault()}
      >
        {v && W > 0 && (
          <div class="box-canvas" style={{ transform: `translate(${v.tx}px, ${v.ty}px) scale(${v.scale})`, width: W + 'px', height: H + 'px' }}>
            <img class="box-img" data-testid="item-img" src={field?.screen_url ?? field?.thumb_url ?? ''} alt={t('image_of_item', {}, lang)} draggable={false} width={W} height={H} />
            <svg class="box-svg" viewBox={`0 0 ${W} ${H}`} width={W} height={H} aria-hidden="true">
              {shown.map((b, i) => (
                <polygon
                  key={i}
                  data-testid="shape"
                  data-angle={b.angle}
                  points={corners(b)
                    .map((c) => c.join(','))
                    .join(' ')}
                  fill={colourOf(b.label) + (i === selected ? '55' : '22')}
                  stroke={colourOf(b.label)}
                  stroke-width={sw}
                  stroke-dasharray={preview && i === shown.length - 1 ? `${sw * 3} ${sw * 2}` : undefined}
                />
              ))}
              {sel &&
                v &&
                (() => {
                  const [hx, hy] = handleOf(sel, v.scale);
                  const a = (sel.angle * Math.PI) / 180;
                  const tx = sel.cx + (sel.h / 2) * Math.sin(a);
                  const ty = sel.cy - (sel.h / 2) * Math.cos(a);
                  return (
                    <g data-testid="turn-handle">
                      <line x1={tx} y1={ty} x2={hx} y2={hy} stroke={colourOf(sel.label)} stroke-width={sw} />
                      <circle cx={hx} cy={hy} r={9 / v.scale} fill="#fff" stroke={colourOf(sel.label)} stroke-width={sw} />
                    </g>
                  );
                })()}
            </svg>
          </div>
        )}
        <div class="zoom-tools" onPointerDown={(e) => e.stopPropagation()}>
          <button type="button" class="btn btn-plain btn-icon" aria-label={t('zoom_in', {}, lang)} onClick={() => v && setView(zoomAt(v, 1.5, size[0] / 2, size[1] / 2, W, H, size[0], size[1]))}>
            <Icon name="zoomIn" />
          </button>
          <button type="button" class="btn btn-plain btn-icon" aria-label={t('zoom_out', {}, lang)} onClick={() => v && setView(zoomAt(v, 1 / 1.5, size[0] / 2, size[1] / 2, W, H, size[0], size[1]))}>
            <Icon name="zoomOut" />
          </button>
          <button type="button" class="btn btn-plain btn-icon" aria-label={t('zoom_fit', {}, lang)} onClick={() => setView(fitView(W, H, size[0], size[1]))}>
            <Icon name="fit" />
          </button>
        </div>
      </div>
      <div class="work-controls box-controls shape-controls">
        <div class="label-grid" role="group" aria-label={t('box_class', {}, lang)}>
          {labels.map((o, i) => (
            <button
              type="button"
              key={o.key}
              class={'btn btn-secondary shape-class' + (active === o.key ? ' on' : '')}
              style={{ '--c': optionColour(q, i) }}
              aria-pressed={active === o.key}
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
          <button type="button" class="btn btn-plain" data-testid="shape-undo" disabled={!history.current.canUndo} onClick={() => step('undo')}>
            <Icon name="undo" />
            <span>{t('undo', {}, lang)}</span>
          </button>
          <button type="button" class="btn btn-plain" data-testid="shape-redo" disabled={!history.current.canRedo} onClick={() => step('redo')}>
            <Icon name="redo" />
            <span>{t('sh_redo', {}, lang)}</span>
          </button>
          <button type="button" class="btn btn-plain" data-testid="shape-delete" disabled={!sel} onClick={() => remove()}>
            <Icon name="trash" />
            <span>{t('sh_delete', {}, lang)}</span>
          </button>
        </div>
        {value === undefined && boxes.length === 0 && (
          <button type="button" class="btn btn-plain opt-none" data-testid="shapes-none" onClick={() => onChange([])}>
            <Icon name="ban" />
            <span>{t('sh_nothing', {}, lang)}</span>
          </button>
        )}
        <p class="muted box-hint">{t('sh_hint_rotated', {}, lang)}</p>
      </div>
    </div>
  );
}
