// Drawing boxes: press and drag to draw (mouse, pen or one finger), drag a box to move it,
// its handles to resize it; the number keys pick the class (of the chosen box too); Delete
// removes it. Wheel or two fingers zoom, right/middle button or two fingers pan; brightness
// and contrast sliders help with dark pictures. Boxes stay inside the picture and are kept in
// the picture's own pixels.

import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { t } from '../../i18n';
import { Icon } from '../../components/Icon';
import { Note } from '../../components/ui';
import {
  bigEnough,
  boxFromCorners,
  fitView,
  HANDLES,
  handlePoint,
  hitTest,
  minSide,
  moveBox,
  panBy,
  pinch,
  resizeBox,
  toAnswerBoxes,
  toImage,
  zoomAt,
  type Handle,
  type View,
} from '../../work/geometry';
import type { KeyAction } from '../../work/hotkeys';
import { phoneSuffices, pictureUrl, setPictureBox } from '../../work/prefetch';
import type { Box, OrderBrief, WorkItem } from '../../work/types';
import { labelName } from './common';
import { LabelButton } from './Workbench';

export interface BoxControl {
  key(a: KeyAction): boolean;
  hasSelection(): boolean;
}

type Drag =
  | { kind: 'draw'; x0: number; y0: number; sx0: number; sy0: number }
  | { kind: 'move'; index: number; ix: number; iy: number; orig: Box; moved?: boolean }
  | { kind: 'resize'; index: number; handle: Handle; moved?: boolean }
  | { kind: 'pan'; sx: number; sy: number }
  | { kind: 'pinch'; a: [number, number]; b: [number, number]; ids: [number, number] };

/** Screen pixels a drag must cover before it draws a box (a shorter one is a tap). */
const DRAW_MIN_PX = 6;

export function BoxEditor({
  order,
  item,
  initial,
  control,
  onDone,
  footer,
  onChange,
  noDone,
  boxForm,
  modelMark,
}: {
  order: OrderBrief;
  item: WorkItem;
  initial: Box[];
  control: { current: BoxControl | null };
  onDone: (boxes: Box[]) => void;
  footer: ComponentChildren;
  /** Each change of the boxes (a template's question keeps its answer as it goes). */
  onChange?: (boxes: Box[]) => void;
  /** No Done button (a template's form has its own). */
  noDone?: boolean;
  /** A small form for the chosen box (a template's attributes). */
  boxForm?: (box: Box, set: (patch: Partial<Box>) => void) => ComponentChildren;
  /** The boxes are still the model's suggestion as it drew them: marked as the model's. */
  modelMark?: boolean;
}) {
  const stageRef = useRef<HTMLDivElement>(null);
  const [natural, setNatural] = useState<[number, number] | null>(null);
  const W = item.width ?? natural?.[0] ?? 0;
  const H = item.height ?? natural?.[1] ?? 0;
  const [size, setSize] = useState<[number, number]>([0, 0]);
  const [view, setView] = useState<View | null>(null);
  const [boxes, setBoxes] = useState<Box[]>(initial);
  const [selected, setSelected] = useState<number | null>(null);
  const [active, setActive] = useState(order.labels[0]?.key ?? '');
  const [preview, setPreviewState] = useState<Box | null>(null);
  // the box being drawn, also kept outside the render (a release may come before it)
  const previewRef = useRef<Box | null>(null);
  const setPreview = (b: Box | null) => {
    previewRef.current = b;
    setPreviewState(b);
  };
  // a box drawn too small is dropped, and this says why for a moment
  const [tooSmall, setTooSmall] = useState(false);
  useEffect(() => {
    if (!tooSmall) return;
    const id = setTimeout(() => setTooSmall(false), 4000);
    return () => clearTimeout(id);
  }, [tooSmall]);
  // the picture: the rendition that fills the stage (see pictureUrl), the screen one once
  // zoomed in past what the phone one holds, or when the phone one fails (offline). The
  // picture is laid out at W×H whichever file fills it, so boxes stay in the original's pixels.
  const screenSrc = item.screen_url ?? item.thumb_url ?? '';
  const [big, setBig] = useState(false);
  const [failed, setFailed] = useState<string[]>([]);
  const [bright, setBright] = useState(100);
  const [contrast, setContrast] = useState(100);
  const drag = useRef<Drag | null>(null);
  const pointers = useRef(new Map<number, [number, number]>());
  const st = useRef({ boxes, selected, active, view, W, H, size });
  st.current = { boxes, selected, active, view, W, H, size };

  // a template's answer follows the boxes (not on the first render: nothing changed yet)
  const changed = useRef(false);
  useEffect(() => {
    if (!changed.current) {
      changed.current = true;
      return;
    }
    if (W > 0 && H > 0) onChange?.(toAnswerBoxes(boxes, W, H));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [boxes]);

  // the stage's size, and the fitted view when it changes
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
  useEffect(() => {
    if (view && W > 0 && H > 0 && !big && !phoneSuffices(W, H, Math.max(W, H) * view.scale)) setBig(true);
  }, [view?.scale, W, H]);
  const fitted = pictureUrl(item, [size[0], size[1]]) ?? '';
  const wanted = big ? [screenSrc, fitted] : [fitted, screenSrc];
  const src = wanted.find((u) => !failed.includes(u)) ?? screenSrc;

  // the wheel zooms (a non-passive listener, so the page does not scroll)
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

  // undo: the boxes as they were before each change
  const history = useRef<Box[][]>([]);
  const [canUndo, setCanUndo] = useState(false);
  const remember = () => {
    history.current.push(st.current.boxes);
    if (history.current.length > 100) history.current.shift();
    setCanUndo(true);
    setAskEmpty(false);
  };
  const undo = () => {
    const prev = history.current.pop();
    if (!prev) return false;
    st.current = { ...st.current, boxes: prev, selected: null };
    setBoxes(prev);
    setSelected(null);
    setCanUndo(history.current.length > 0);
    return true;
  };
  // Done with no box asks once more: a picture with nothing to box is rare
  const [askEmpty, setAskEmpty] = useState(false);
  const setClass = (key: string) => {
    setActive(key);
    const { selected: sel, boxes: bs } = st.current;
    if (sel !== null && bs[sel] && bs[sel].label !== key) {
      remember();
      setBoxes((all) => all.map((b, i) => (i === sel ? { ...b, label: key } : b)));
    }
  };
  const remove = (i: number) => {
    remember();
    setBoxes((bs) => bs.filter((_, j) => j !== i));
    setSelected(null);
  };
  const done = () => {
    if (st.current.boxes.length === 0 && !askEmpty) {
      setAskEmpty(true);
      return;
    }
    onDone(toAnswerBoxes(st.current.boxes, st.current.W, st.current.H));
  };

  control.current = {
    hasSelection: () => st.current.selected !== null,
    key: (a) => {
      const { selected: sel, W: w, H: h } = st.current;
      switch (a.type) {
        case 'label':
          setClass(a.key);
          return true;
        case 'confirm':
          done();
          return true;
        case 'delete':
          if (sel === null) return false;
          remove(sel);
          return true;
        case 'escape':
          if (sel === null && !drag.current) return false;
          drag.current = null;
          setPreview(null);
          setSelected(null);
          return true;
        case 'undo':
          return undo();
        case 'nudge':
          if (sel === null) return false;
          remember();
          setBoxes((bs) => bs.map((b, i) => (i === sel ? moveBox(b, a.dx, a.dy, w, h) : b)));
          return true;
        default:
          return false;
      }
    },
  };
  useEffect(
    () => () => {
      control.current = null;
    },
    [],
  );

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
      // a second finger: pinch and pan instead (whatever the first one started is dropped)
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
    const tol = (e.pointerType === 'touch' ? 18 : 10) / v.scale;
    const hit = hitTest(st.current.boxes, ix, iy, tol, st.current.selected);
    if (hit) {
      setSelected(hit.index);
      setActive(st.current.boxes[hit.index].label);
      drag.current =
        hit.part === 'move'
          ? { kind: 'move', index: hit.index, ix, iy, orig: st.current.boxes[hit.index] }
          : { kind: 'resize', index: hit.index, handle: hit.part };
    } else {
      setSelected(null);
      drag.current = { kind: 'draw', x0: ix, y0: iy, sx0: p[0], sy0: p[1] };
    }
  }

  function onMove(e: PointerEvent) {
    const d = drag.current;
    const { view: v, W: w, H: h, size: sz } = st.current;
    if (!pointers.current.has(e.pointerId) || !d || !v) return;
    const p = local(e);
    pointers.current.set(e.pointerId, p);
    const [ix, iy] = toImage(v, p[0], p[1]);
    switch (d.kind) {
      case 'draw':
        if (Math.abs(p[0] - d.sx0) < DRAW_MIN_PX && Math.abs(p[1] - d.sy0) < DRAW_MIN_PX) setPreview(null);
        else setPreview(boxFromCorners(st.current.active, d.x0, d.y0, ix, iy, w, h));
        break;
      case 'move':
        if (!d.moved) {
          remember();
          d.moved = true;
        }
        setBoxes((bs) => bs.map((b, i) => (i === d.index ? moveBox(d.orig, ix - d.ix, iy - d.iy, w, h) : b)));
        break;
      case 'resize':
        if (!d.moved) {
          remember();
          d.moved = true;
        }
        setBoxes((bs) => bs.map((b, i) => (i === d.index ? resizeBox(b, d.handle, ix, iy, w, h) : b)));
        break;
      case 'pan':
        setView(panBy(v, p[0] - d.sx, p[1] - d.sy, w, h, sz[0], sz[1]));
        drag.current = { kind: 'pan', sx: p[0], sy: p[1] };
        break;
      case 'pinch': {
        const a1 = pointers.current.get(d.ids[0]);
        const b1 = pointers.current.get(d.ids[1]);
        if (!a1 || !b1) break;
        setView(pinch(v, d.a, d.b, a1, b1, w, h, sz[0], sz[1]));
        drag.current = { ...d, a: a1, b: b1 };
        break;
      }
    }
  }

  function onUp(e: PointerEvent) {
    if (!pointers.current.delete(e.pointerId)) return;
    const d = drag.current;
    const drawn = previewRef.current;
    if (d?.kind === 'draw' && drawn && drawn.w > 0 && drawn.h > 0 && !bigEnough(drawn, st.current.W, st.current.H)) {
      setTooSmall(true);
    } else if (d?.kind === 'draw' && drawn && drawn.w > 0 && drawn.h > 0) {
      setTooSmall(false);
      remember();
      const n = st.current.boxes.length;
      st.current = { ...st.current, boxes: [...st.current.boxes, drawn], selected: n };
      setBoxes((bs) => [...bs, drawn]);
      setSelected(n);
    }
    setPreview(null);
    drag.current = null;
  }

  const v = view;
  const shown = preview ? [...boxes, preview] : boxes;
  const handleR = v ? 7 / v.scale : 0;
  const stroke = v ? 2.5 / v.scale : 1;
  const font = v ? 14 / v.scale : 14;
  const nameOf = (key: string) => {
    const l = order.labels.find((x) => x.key === key);
    return l ? labelName(l) : key;
  };
  const colourOf = (key: string) => order.labels.find((x) => x.key === key)?.colour ?? '#1e88e5';
  const numberOf = (i: number) => boxes.slice(0, i + 1).filter((b) => b.label === boxes[i].label).length;

  return (
    <>
      <div
        class="box-stage"
        ref={stageRef}
        data-testid="box-stage"
        data-scale={v?.scale ?? ''}
        onPointerDown={onDown}
        onPointerMove={onMove}
        onPointerUp={onUp}
        onPointerCancel={onUp}
        onContextMenu={(e) => e.preventDefault()}
      >
        {v && W > 0 && (
          <div
            class="box-canvas"
            style={{ transform: `translate(${v.tx}px, ${v.ty}px) scale(${v.scale})`, width: W + 'px', height: H + 'px' }}
          >
            <img
              class="box-img"
              data-testid="item-img"
              src={src}
              alt={t('image_of_item')}
              draggable={false}
              width={W}
              height={H}
              style={{ filter: `brightness(${bright}%) contrast(${contrast}%)` }}
              onLoad={(e) => e.currentTarget.setAttribute('data-loaded', String(performance.now()))}
              onError={() => setFailed((f) => (f.includes(src) ? f : [...f, src]))}
            />
            <svg class={'box-svg' + (modelMark ? ' boxes-model' : '')} data-model={modelMark ? 'true' : undefined} viewBox={`0 0 ${W} ${H}`} width={W} height={H} aria-hidden="true">
              {shown.map((b, i) => {
                const c = colourOf(b.label);
                const isPreview = preview !== null && i === shown.length - 1;
                const sel = i === selected && !isPreview;
                const name = (modelMark && !isPreview ? '🤖 ' : '') + (isPreview ? nameOf(b.label) : `${nameOf(b.label)} ${numberOf(i)}`);
                return (
                  <g key={i} data-testid={isPreview ? 'box-preview' : 'box'} data-label={b.label} data-x={b.x} data-y={b.y} data-w={b.w} data-h={b.h}>
                    <rect x={b.x} y={b.y} width={b.w} height={b.h} fill={sel ? c + '33' : 'none'} stroke="#fff" stroke-width={stroke * 2.2} />
                    <rect
                      x={b.x}
                      y={b.y}
                      width={b.w}
                      height={b.h}
                      fill="none"
                      stroke={c}
                      stroke-width={stroke}
                      stroke-dasharray={isPreview ? `${stroke * 3} ${stroke * 2}` : modelMark ? `${stroke * 4} ${stroke * 1.5}` : undefined}
                    />
                    <text x={b.x + stroke * 2} y={Math.max(font, b.y - stroke * 2)} font-size={font} class="box-name" fill="#fff" stroke={c} stroke-width={font / 4} paint-order="stroke">
                      {name}
                    </text>
                    {sel &&
                      HANDLES.map((hd) => {
                        const [hx, hy] = handlePoint(b, hd);
                        return <circle key={hd} cx={hx} cy={hy} r={handleR} fill="#fff" stroke={c} stroke-width={stroke} data-handle={hd} />;
                      })}
                  </g>
                );
              })}
            </svg>
          </div>
        )}
        {W === 0 && (
          // the size is not known: load the picture once to learn it
          <img
            class="work-img"
            src={item.screen_url ?? item.thumb_url ?? ''}
            alt={t('image_of_item')}
            onLoad={(e) => setNatural([e.currentTarget.naturalWidth, e.currentTarget.naturalHeight])}
          />
        )}
        <p class="stage-toast" role="status" data-testid={tooSmall ? 'box-too-small' : undefined}>
          {tooSmall ? t('box_too_small', { n: Math.round(minSide(W, H)) }) : ''}
        </p>
        <div class="zoom-tools" onPointerDown={(e) => e.stopPropagation()}>
          <button type="button" class="btn btn-plain btn-icon" aria-label={t('zoom_in')} data-testid="zoom-in" onClick={() => v && setView(zoomAt(v, 1.5, size[0] / 2, size[1] / 2, W, H, size[0], size[1]))}>
            <Icon name="zoomIn" />
          </button>
          <button type="button" class="btn btn-plain btn-icon" aria-label={t('zoom_out')} data-testid="zoom-out" onClick={() => v && setView(zoomAt(v, 1 / 1.5, size[0] / 2, size[1] / 2, W, H, size[0], size[1]))}>
            <Icon name="zoomOut" />
          </button>
          <button type="button" class="btn btn-plain btn-icon" aria-label={t('zoom_fit')} data-testid="zoom-fit" onClick={() => setView(fitView(W, H, size[0], size[1]))}>
            <Icon name="fit" />
          </button>
        </div>
      </div>
      <div class="work-controls box-controls">
        <div class="label-grid" role="group" aria-label={t('box_class')} data-testid="labels">
          {order.labels.map((l, i) => (
            <LabelButton key={l.key} order={order} index={i} pressed={active === l.key} small onClick={() => setClass(l.key)} />
          ))}
        </div>
        <div class="box-row">
          <ul class="box-list" aria-label={t('box_list')} data-testid="box-list">
            {boxes.length === 0 && <li class="muted">{t('no_boxes')}</li>}
            {boxes.map((b, i) => (
              <li key={i} class={'box-chip' + (i === selected ? ' on' : '')} style={{ '--c': colourOf(b.label) }}>
                <button type="button" class="chip-select" aria-pressed={i === selected} onClick={() => setSelected(i === selected ? null : i)}>
                  <Icon name="box" size={18} />
                  {t('box_n', { name: nameOf(b.label), n: numberOf(i) })}
                </button>
                <button type="button" class="chip-delete" data-testid="box-delete" aria-label={`${t('box_delete')}：${t('box_n', { name: nameOf(b.label), n: numberOf(i) })}`} onClick={() => remove(i)}>
                  <Icon name="trash" size={18} />
                </button>
              </li>
            ))}
          </ul>
          <div class="adjust">
            <label class="slider">
              <Icon name="sun" size={20} />
              <span class="sr-only">{t('brightness')}</span>
              <input type="range" min={40} max={250} step={10} value={bright} aria-label={t('brightness')} data-testid="brightness" onInput={(e) => setBright(Number(e.currentTarget.value))} />
            </label>
            <label class="slider">
              <Icon name="contrast" size={20} />
              <span class="sr-only">{t('contrast')}</span>
              <input type="range" min={40} max={250} step={10} value={contrast} aria-label={t('contrast')} data-testid="contrast" onInput={(e) => setContrast(Number(e.currentTarget.value))} />
            </label>
            {(bright !== 100 || contrast !== 100) && (
              <button type="button" class="btn btn-plain btn-icon" aria-label={t('adjust_reset')} onClick={() => (setBright(100), setContrast(100))}>
                <Icon name="refresh" />
              </button>
            )}
          </div>
        </div>
        {boxForm && selected !== null && boxes[selected] && (
          <div class="box-form" data-testid="box-form">
            {boxForm(boxes[selected], (patch) => {
              remember();
              setBoxes((all) => all.map((b, i) => (i === selected ? { ...b, ...patch } : b)));
            })}
          </div>
        )}
        {askEmpty && (
          <Note kind="info" testid="no-boxes-sure">
            {t('no_boxes_sure')}
          </Note>
        )}
        <div class="work-actions">
          {footer}
          <button type="button" class="btn btn-plain" data-testid="undo" aria-keyshortcuts="Control+Z" disabled={!canUndo} onClick={() => undo()}>
            <Icon name="undo" />
            <span>{t('undo')}</span>
          </button>
          {!noDone && (
            <button type="button" class="btn btn-primary btn-confirm" data-testid="confirm" aria-keyshortcuts="Enter" onClick={done}>
              <Icon name="check" />
              {/* a phone has no Enter key to name: the short word there */}
              <span class="hide-narrow">{t('confirm_key')}</span>
              <span class="show-narrow">{t('done_short')}</span>
              <span class="badge badge-count">{boxes.length}</span>
            </button>
          )}
        </div>
        <p class="muted box-hint">{t('box_hint')}</p>
      </div>
    </>
  );
}
