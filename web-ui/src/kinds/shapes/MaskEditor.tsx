// The mask question's editor: a brush and an eraser (their size in screen pixels) painting the
// chosen object's mask, kept at the picture's own pixel size (one byte a pixel) and shown as a
// tinted canvas over it; each stroke is one step of undo/redo; the answer is COCO RLE
// (column-major, pycocotools' compressed counts), given at the end of each stroke. The wheel,
// two fingers or the buttons zoom; the right button or two fingers pan.

import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { EditorProps } from '../index';
import { optionName } from '../types';
import { optionColour } from '../shared';
import { boxControls } from '../boxes/controls';
import { t } from '../../i18n';
import { Icon } from '../../components/Icon';
import { fitView, panBy, pinch, toImage, zoomAt, type View } from '../../work/geometry';
import type { KeyAction } from '../../work/hotkeys';
import { History } from './geometry';
import { area, decodeMask, encodeMask, type Rle } from './rle';
import './shapes.css';

interface MaskObject {
  label: string;
  mask: Uint8Array;
  attributes?: Record<string, string | boolean>;
}

/** A stored answer's objects as masks (those that do not read are left out). */
export function readMasks(v: unknown, W: number, H: number): MaskObject[] {
  if (!Array.isArray(v)) return [];
  const out: MaskObject[] = [];
  for (const o of v as { label: string; rle: Rle; attributes?: Record<string, string | boolean> }[]) {
    const m = o && o.rle && o.rle.size?.[0] === H && o.rle.size?.[1] === W ? decodeMask(o.rle) : null;
    if (m) out.push({ label: o.label, mask: m, attributes: o.attributes ?? {} });
  }
  return out;
}

/** Paints a disc of radius `r` (picture px) at x, y, or a line of them from the last point. */
export function paint(mask: Uint8Array, W: number, H: number, x0: number, y0: number, x1: number, y1: number, r: number, value: 0 | 1): void {
  const steps = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0) / Math.max(0.5, r / 2)));
  const r2 = r * r;
  for (let s = 0; s <= steps; s++) {
    const cx = x0 + ((x1 - x0) * s) / steps;
    const cy = y0 + ((y1 - y0) * s) / steps;
    const xa = Math.max(0, Math.floor(cx - r));
    const xb = Math.min(W - 1, Math.ceil(cx + r));
    const ya = Math.max(0, Math.floor(cy - r));
    const yb = Math.min(H - 1, Math.ceil(cy + r));
    for (let y = ya; y <= yb; y++)
      for (let x = xa; x <= xb; x++) {
        const dx = x + 0.5 - cx;
        const dy = y + 0.5 - cy;
        if (dx * dx + dy * dy <= r2) mask[y * W + x] = value;
      }
  }
}

function hexRgb(c: string): [number, number, number] {
  const m = /^#([0-9a-f]{6})$/i.exec(c);
  const n = m ? parseInt(m[1], 16) : 0x1e88e5;
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

type Drag = { kind: 'paint'; last: [number, number] } | { kind: 'pan'; sx: number; sy: number } | { kind: 'pinch'; a: [number, number]; b: [number, number]; ids: [number, number] };

export function MaskEditor({ q, value, onChange, field, lang }: EditorProps) {
  const labels = q.options ?? [];
  const W = field?.width ?? 0;
  const H = field?.height ?? 0;
  const stageRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [size, setSize] = useState<[number, number]>([0, 0]);
  const [view, setView] = useState<View | null>(null);
  const [objects, setObjects] = useState<MaskObject[]>(() => readMasks(value, W, H));
  const [selected, setSelected] = useState<number | null>(objects.length ? 0 : null);
  const [active, setActive] = useState(labels[0]?.key ?? '');
  const [erase, setErase] = useState(false);
  const [brush, setBrush] = useState(16);
  const history = useRef(new History<MaskObject[]>());
  const [, bump] = useState(0);
  const drag = useRef<Drag | null>(null);
  const pointers = useRef(new Map<number, [number, number]>());
  const st = useRef({ objects, selected, active, view, size, erase, brush });
  st.current = { objects, selected, active, view, size, erase, brush };
  const colourOf = (key: string) => optionColour(q, Math.max(0, labels.findIndex((o) => o.key === key)));

  const emit = (list: MaskObject[]) =>
    onChange(list.filter((o) => area(o.mask) > 0).map((o) => ({ label: o.label, rle: encodeMask(o.mask, W, H), attributes: o.attributes ?? {} })));

  // every object's mask drawn on the overlay canvas, in its class's colour
  const redraw = () => {
    const c = canvasRef.current;
    const ctx = c?.getContext('2d');
    if (!c || !ctx || !(W > 0 && H > 0)) return;
    const img = ctx.createImageData(W, H);
    st.current.objects.forEach((o, i) => {
      const [r, g, b] = hexRgb(colourOf(o.label));
      const a = i === st.current.selected ? 150 : 100;
      for (let p = 0; p < o.mask.length; p++)
        if (o.mask[p]) {
          img.data[p * 4] = r;
          img.data[p * 4 + 1] = g;
          img.data[p * 4 + 2] = b;
          img.data[p * 4 + 3] = a;
        }
    });
    ctx.putImageData(img, 0, 0);
  };
  useEffect(redraw, [objects, selected, view !== null]);

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

  const set = (list: MaskObject[], keep = true) => {
    if (keep) history.current.push(st.current.objects);
    st.current = { ...st.current, objects: list };
    setObjects(list);
  };
  const undo = () => {
    const p = history.current.undo(st.current.objects);
    if (!p) return false;
    set(p, false);
    setSelected(p.length ? Math.min(st.current.selected ?? 0, p.length - 1) : null);
    emit(p);
    return true;
  };
  const redo = () => {
    const p = history.current.redo(st.current.objects);
    if (!p) return false;
    set(p, false);
    emit(p);
    return true;
  };
  const newObject = () => {
    const list = [...st.current.objects, { label: st.current.active, mask: new Uint8Array(W * H), attributes: {} }];
    set(list);
    setSelected(list.length - 1);
    setErase(false);
  };
  const remove = () => {
    const sel = st.current.selected;
    if (sel === null || !st.current.objects[sel]) return false;
    const list = st.current.objects.filter((_, i) => i !== sel);
    set(list);
    setSelected(list.length ? list.length - 1 : null);
    emit(list);
    return true;
  };
  const setClass = (key: string) => {
    setActive(key);
    const sel = st.current.selected;
    if (sel !== null && st.current.objects[sel] && st.current.objects[sel].label !== key) {
      const list = st.current.objects.map((o, i) => (i === sel ? { ...o, label: key } : o));
      set(list);
      emit(list);
    }
  };

  const control = useRef<{ key(a: KeyAction): boolean; hasSelection(): boolean; char?(k: string): boolean } | null>(null);
  control.current = {
    hasSelection: () => st.current.selected !== null,
    char: (k) => {
      if (k === 'b') setErase(false);
      else if (k === 'e') setErase(true);
      else if (k === 'n') newObject();
      else return false;
      return true;
    },
    key: (a) => {
      if (a.type === 'label') setClass(a.key);
      else if (a.type === 'undo') return undo();
      else if (a.type === 'redo') return redo();
      else if (a.type === 'delete') return remove();
      else return false;
      return true;
    },
  };
  boxControls.set(q.key, control as never);

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
      // the first finger's stroke is taken back: two fingers zoom
      if (drag.current?.kind === 'paint') undo();
      drag.current = { kind: 'pinch', a, b, ids: [ia, ib] };
      return;
    }
    if (e.button === 1 || e.button === 2) {
      drag.current = { kind: 'pan', sx: p[0], sy: p[1] };
      return;
    }
    let { selected: sel, objects: list } = st.current;
    if (sel === null || !list[sel]) {
      newObject();
      sel = st.current.objects.length - 1;
      list = st.current.objects;
    } else set(list.map((o) => o)); // a stroke: one step of undo
    const [ix, iy] = toImage(v, p[0], p[1]);
    const o = st.current.objects[sel];
    const mask = o.mask.slice();
    paint(mask, W, H, ix, iy, ix, iy, st.current.brush / v.scale / 2, st.current.erase ? 0 : 1);
    const next = st.current.objects.map((x, i) => (i === sel ? { ...x, mask } : x));
    st.current = { ...st.current, objects: next, selected: sel };
    setObjects(next);
    setSelected(sel);
    drag.current = { kind: 'paint', last: [ix, iy] };
  }
  function onMove(e: PointerEvent) {
    const d = drag.current;
    const v = st.current.view;
    if (!pointers.current.has(e.pointerId) || !d || !v) return;
    const p = local(e);
    pointers.current.set(e.pointerId, p);
    const sz = st.current.size;
    if (d.kind === 'pan') {
      setView(panBy(v, p[0] - d.sx, p[1] - d.sy, W, H, sz[0], sz[1]));
      drag.current = { kind: 'pan', sx: p[0], sy: p[1] };
    } else if (d.kind === 'pinch') {
      const a1 = pointers.current.get(d.ids[0]);
      const b1 = pointers.current.get(d.ids[1]);
      if (!a1 || !b1) return;
      setView(pinch(v, d.a, d.b, a1, b1, W, H, sz[0], sz[1]));
      drag.current = { ...d, a: a1, b: b1 };
    } else {
      const sel = st.current.selected!;
      const [ix, iy] = toImage(v, p[0], p[1]);
      // painted in place during the stroke (its copy was made at the press)
      paint(st.current.objects[sel].mask, W, H, d.last[0], d.last[1], ix, iy, st.current.brush / v.scale / 2, st.current.erase ? 0 : 1);
      d.last = [ix, iy];
      redraw();
    }
  }
  function onUp(e: PointerEvent) {
    if (!pointers.current.delete(e.pointerId)) return;
    const d = drag.current;
    drag.current = null;
    if (d?.kind === 'paint') {
      bump((n) => n + 1);
      emit(st.current.objects);
    }
  }

  const v = view;
  const sel = selected !== null ? objects[selected] : null;
  return (
    <div class="q-boxes q-shapes" data-testid="q-shapes" data-kind="mask" data-question={q.key}>
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
            <canvas ref={canvasRef} class="box-svg mask-canvas" data-testid="mask-canvas" width={W} height={H} style={{ width: W + 'px', height: H + 'px' }} />
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
          <button type="button" class={'btn btn-secondary' + (!erase ? ' on' : '')} aria-pressed={!erase} aria-keyshortcuts="B" data-testid="mask-brush" onClick={() => setErase(false)}>
            <Icon name="pen" />
            <span>{t('sh_brush', {}, lang)}</span>
          </button>
          <button type="button" class={'btn btn-secondary' + (erase ? ' on' : '')} aria-pressed={erase} aria-keyshortcuts="E" data-testid="mask-eraser" onClick={() => setErase(true)}>
            <Icon name="backspace" />
            <span>{t('sh_eraser', {}, lang)}</span>
          </button>
          <label class="slider">
            <Icon name="circle" size={20} />
            <span class="sr-only">{t('sh_brush_size', {}, lang)}</span>
            <input type="range" min={4} max={80} step={2} value={brush} aria-label={t('sh_brush_size', {}, lang)} data-testid="mask-size" onInput={(e) => setBrush(Number(e.currentTarget.value))} />
          </label>
          <button type="button" class="btn btn-plain" aria-keyshortcuts="N" data-testid="mask-new" onClick={newObject}>
            <Icon name="plus" />
            <span>{t('sh_new_object', {}, lang)}</span>
          </button>
          <button type="button" class="btn btn-plain" data-testid="shape-undo" disabled={!history.current.canUndo} onClick={() => undo()}>
            <Icon name="undo" />
            <span>{t('undo', {}, lang)}</span>
          </button>
          <button type="button" class="btn btn-plain" data-testid="shape-redo" disabled={!history.current.canRedo} onClick={() => redo()}>
            <Icon name="redo" />
            <span>{t('sh_redo', {}, lang)}</span>
          </button>
          <button type="button" class="btn btn-plain" data-testid="shape-delete" disabled={!sel} onClick={() => remove()}>
            <Icon name="trash" />
            <span>{t('sh_delete', {}, lang)}</span>
          </button>
        </div>
        <ul class="box-list" aria-label={t('box_list', {}, lang)} data-testid="shape-list">
          {objects.length === 0 && <li class="muted">{t('sh_none_yet', {}, lang)}</li>}
          {objects.map((o, i) => (
            <li key={i} class={'box-chip' + (i === selected ? ' on' : '')} style={{ '--c': colourOf(o.label) }}>
              <button type="button" class="chip-select" aria-pressed={i === selected} onClick={() => setSelected(i)}>
                <Icon name="image" size={18} />
                {`${optionName(labels.find((x) => x.key === o.label) ?? { name_zh: o.label }, lang)} ${i + 1}`}
              </button>
            </li>
          ))}
        </ul>
        {value === undefined && objects.length === 0 && (
          <button type="button" class="btn btn-plain opt-none" data-testid="shapes-none" onClick={() => onChange([])}>
            <Icon name="ban" />
            <span>{t('sh_nothing', {}, lang)}</span>
          </button>
        )}
        <p class="muted box-hint">{t('sh_hint_mask', {}, lang)}</p>
      </div>
    </div>
  );
}
