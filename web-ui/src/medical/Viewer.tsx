// The medical viewer (issue 31 item 3): one slice of a series on a canvas at the volume's own
// resolution, window/level applied here (presets as big named buttons, drag in the window
// tool), slices by wheel, ↑/↓, PageUp/PageDown (×10) and a big slider; zoom (Ctrl+wheel, two
// fingers, buttons) and pan to full resolution, crisp pixels when zoomed; a thin-slab MIP; a
// ruler in mm and a mm scale bar. A slice change draws into one kept ImageData through a
// lookup table (./volume.ts) in a requestAnimationFrame — no re-render per pixel. A caller (the
// finding editor) adds tools of its own: taps and lines in voxels, and SVG drawn over the slice.

import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { t, type Lang } from '../i18n';
import { Icon, type IconName } from '../components/Icon';
import { fitView, panBy, pinch, toImage, zoomAt, type View } from '../work/geometry';
import {
  distanceMm,
  dragWindow,
  mip,
  openVolume,
  PRESETS,
  renderInto,
  slabHalf,
  windowLut,
  type Values,
  type VolumeLoader,
  type Window,
} from './volume';
import './viewer.css';

export interface ViewerTool {
  key: string;
  icon: IconName;
  label: string;
  /** A drag draws a line (onLine); else a tap is a point (onTap). */
  line?: boolean;
}

export type Pt2 = [number, number];

export interface ViewerProps {
  /** The volume blob's SHA-256 (the item field's `sha256`). */
  sha: string;
  lang: Lang;
  /** A loader already open (tests, or a screen showing the same volume twice). */
  loader?: VolumeLoader | null;
  /** A slice to go to (when it changes, the viewer goes there). */
  goTo?: { z: number } | null;
  onSlice?: (z: number) => void;
  /** The volume once its header is read (its geometry, for a caller measuring in mm). */
  onLoad?: (loader: VolumeLoader) => void;
  tools?: ViewerTool[];
  /** The tool chosen at first (default: the first of `tools`, else window). */
  initialTool?: string;
  onTap?: (tool: string, p: Pt2, z: number) => void;
  onLine?: (tool: string, a: Pt2, b: Pt2, z: number) => void;
  /** SVG over the slice, in voxel units (x: column, y: row); `unit` is one screen pixel in voxels. */
  overlay?: (z: number, unit: number) => ComponentChildren;
  /** Listen to ↑/↓/PageUp/PageDown on the page (one viewer per screen). */
  keys?: boolean;
  testid?: string;
}

type BuiltIn = 'window' | 'pan' | 'ruler';
const BUILT_IN: { key: BuiltIn; icon: IconName; word: 'mv_tool_window' | 'mv_tool_pan' | 'mv_tool_ruler' }[] = [
  { key: 'window', icon: 'contrast', word: 'mv_tool_window' },
  { key: 'pan', icon: 'swap', word: 'mv_tool_pan' },
  { key: 'ruler', icon: 'polyline', word: 'mv_tool_ruler' },
];

const SLABS = [5, 10, 15, 20, 30];

/** A length for the scale bar: 1, 2 or 5 × 10ⁿ mm, about `target` screen pixels long. */
export function scaleBarMm(mmPerPx: number, target = 100): number {
  const want = mmPerPx * target;
  const p = Math.pow(10, Math.floor(Math.log10(want)));
  for (const m of [5, 2, 1]) if (m * p <= want) return m * p;
  return p;
}

/** Volumes open on the page, shared by every viewer showing the same one (an expert's review
 * and editor load the series once), kept while any viewer uses them. */
const open = new Map<string, { loader: Promise<VolumeLoader>; users: number; failed: boolean }>();

function acquire(sha: string, first?: number): { loader: Promise<VolumeLoader>; release: () => void } {
  let e = open.get(sha);
  if (!e || e.failed) {
    const entry = { loader: openVolume(sha, { first }), users: 0, failed: false };
    entry.loader.then(
      (v) => v.run().catch(() => (entry.failed = true)),
      () => (entry.failed = true),
    );
    e = entry;
    open.set(sha, e);
  }
  const entry = e;
  entry.users++;
  return {
    loader: entry.loader,
    release: () => {
      entry.users--;
      // the last viewer gone: stop loading after a moment (the next item may show it again)
      setTimeout(() => {
        if (entry.users > 0 || open.get(sha) !== entry) return;
        open.delete(sha);
        void entry.loader.then((v) => v.stop(), () => {});
      }, 1000);
    },
  };
}

/** Opens a volume by its SHA-256 and loads it; the loader, or an error. */
export function useVolume(sha: string, given?: VolumeLoader | null, first?: number): { loader: VolumeLoader | null; error: boolean; loaded: number; retry: () => void } {
  const [loader, setLoader] = useState<VolumeLoader | null>(given ?? null);
  const [error, setError] = useState(false);
  const [loaded, setLoaded] = useState(0);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (given) {
      setLoader(given);
      setLoaded(given.count());
      return given.on(() => setLoaded(given.count()));
    }
    let alive = true;
    let off = () => {};
    setError(false);
    const { loader: pending, release } = acquire(sha, first);
    pending.then(
      (v) => {
        if (!alive) return;
        setLoader(v);
        setLoaded(v.count());
        if (v.error) setError(true);
        off = v.on(() => {
          if (!alive) return;
          setLoaded(v.count());
          if (v.error) setError(true);
        });
      },
      () => alive && setError(true),
    );
    return () => {
      alive = false;
      off();
      release();
    };
  }, [sha, given, attempt]);
  return { loader, error, loaded, retry: () => setAttempt((n) => n + 1) };
}

export function Viewer(p: ViewerProps) {
  // the slice asked for first (a finding's) is the one fetched first
  const { loader, error, loaded, retry } = useVolume(p.sha, p.loader, p.goTo?.z);
  if (error) {
    return (
      <div class="vw" data-testid={p.testid ?? 'viewer'}>
        <p class="field-error" role="alert">
          <Icon name="alert" />
          <span>{t('mv_failed', {}, p.lang)}</span>
        </p>
        <button type="button" class="btn btn-secondary vw-tool" data-testid="vw-retry" onClick={retry}>
          <Icon name="refresh" />
          <span>{t('retry', {}, p.lang)}</span>
        </button>
      </div>
    );
  }
  if (!loader) {
    return (
      <div class="vw" data-testid={p.testid ?? 'viewer'}>
        <div class="vw-stage vw-wait" role="status">
          {t('loading', {}, p.lang)}
        </div>
      </div>
    );
  }
  return <Stage {...p} loader={loader} loaded={loaded} />;
}

function Stage(p: ViewerProps & { loader: VolumeLoader; loaded: number }) {
  const { loader, lang } = p;
  const h = loader.header;
  const g = h.geometry;
  const W = g.columns;
  const aspect = g.spacing[1] / g.spacing[0];
  const H = g.rows * aspect; // display height in column-pixel units (non-square pixels)
  const n = g.slices;
  const [z, setZState] = useState(loader.focus);
  const [win, setWin] = useState<Window>(h.window);
  const [slab, setSlab] = useState<number | null>(null);
  const tools = p.tools ?? [];
  const [tool, setTool] = useState<string>(p.initialTool ?? tools[0]?.key ?? 'window');
  const [view, setView] = useState<View>({ scale: 1, tx: 0, ty: 0 });
  const [size, setSize] = useState<[number, number]>([0, 0]);
  const [ruler, setRuler] = useState<{ a: Pt2; b: Pt2; z: number } | null>(null);
  const [line, setLine] = useState<{ a: Pt2; b: Pt2 } | null>(null);
  useEffect(() => p.onLoad?.(loader), [loader]);
  const stage = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const st = useRef({ z, win, slab, view, size, tool });
  st.current = { z, win, slab, view, size, tool };

  // one ImageData, one RGBA view of it, one lookup table, one MIP buffer: kept for the volume
  const bufs = useMemo(() => {
    const img = typeof ImageData !== 'undefined' ? new ImageData(W, g.rows) : null;
    const Ctor = h.dtype === 'i16' ? Int16Array : h.dtype === 'u16' ? Uint16Array : Float32Array;
    return {
      img,
      px: img ? new Uint32Array(img.data.buffer) : new Uint32Array(W * g.rows),
      lut: h.dtype === 'f32' ? null : new Uint32Array(65536),
      lutFor: '' as string,
      slab: new Ctor(W * g.rows) as Values,
      frame: 0,
      drawn: 0,
    };
  }, [loader]);

  const draw = () => {
    bufs.frame = 0;
    const t0 = typeof performance !== 'undefined' ? performance.now() : 0;
    const c = canvas.current;
    const ctx = c?.getContext?.('2d');
    const { z: zz, win: w, slab: s } = st.current;
    const key = `${w.center}/${w.width}`;
    if (bufs.lut && bufs.lutFor !== key) {
      windowLut(h.dtype as 'i16' | 'u16', w, h.invert, bufs.lut);
      bufs.lutFor = key;
    }
    const values = s ? mip(loader, zz, slabHalf(g, s), bufs.slab) : loader.slice(zz);
    renderInto(values, bufs.px, w, h.invert, bufs.lut);
    if (ctx && bufs.img) ctx.putImageData(bufs.img, 0, 0);
    bufs.drawn++;
    if (c) {
      c.dataset.z = String(zz);
      c.dataset.drawn = String(bufs.drawn);
      c.dataset.loaded = loader.has(zz) ? 'true' : 'false';
      // what the last slice cost to draw (ms): the bench reads it
      if (t0) c.dataset.ms = (performance.now() - t0).toFixed(2);
    }
  };
  const schedule = () => {
    if (bufs.frame) return;
    bufs.frame = typeof requestAnimationFrame === 'function' ? requestAnimationFrame(draw) : (setTimeout(draw, 0) as unknown as number);
  };
  useEffect(() => () => {
    if (bufs.frame && typeof cancelAnimationFrame === 'function') cancelAnimationFrame(bufs.frame);
  }, [bufs]);
  // a window drag may move many times a frame: drawn once a frame; a slice change is drawn at
  // once (in setZ), so every key or wheel step shows its slice in the very next paint
  useLayoutEffect(schedule, [win, slab, bufs]);
  // a range arriving that the shown slice (or slab) needs draws again
  useEffect(
    () =>
      loader.on((a, b) => {
        const { z: zz, slab: s } = st.current;
        const k = s ? slabHalf(g, s) : 0;
        if (b > zz - k && a <= zz + k) schedule();
      }),
    [loader, bufs],
  );

  const setZ = (next: number) => {
    const v = Math.max(0, Math.min(n - 1, Math.round(next)));
    if (v === st.current.z) return;
    st.current.z = v;
    loader.focus = v;
    if (bufs.frame && typeof cancelAnimationFrame === 'function') cancelAnimationFrame(bufs.frame);
    draw();
    setZState(v);
    p.onSlice?.(v);
  };
  useEffect(() => {
    if (p.goTo) setZ(p.goTo.z);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [p.goTo]);

  // the stage's size, and the picture fitted to it at first
  useLayoutEffect(() => {
    const el = stage.current;
    if (!el) return;
    const fit = () => {
      const r = el.getBoundingClientRect();
      const s: [number, number] = [r.width, r.height];
      if (s[0] === st.current.size[0] && s[1] === st.current.size[1]) return;
      setSize(s);
      setView(fitView(W, H, s[0] || W, s[1] || H));
    };
    fit();
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(fit);
    ro.observe(el);
    return () => ro.disconnect();
  }, [W, H]);

  const vw = size[0] || W;
  const vh = size[1] || H;
  const zoom = (f: number, sx = vw / 2, sy = vh / 2) => setView((v) => zoomAt(v, f, sx, sy, W, H, vw, vh));

  /** A screen point (client coordinates) in voxels. */
  const voxel = (cx: number, cy: number): Pt2 => {
    const r = stage.current!.getBoundingClientRect();
    const [ix, iy] = toImage(st.current.view, cx - r.left, cy - r.top);
    return [Math.max(0, Math.min(W - 0.001, ix)), Math.max(0, Math.min(g.rows - 0.001, iy / aspect))];
  };

  // wheel: slices; with Ctrl (a trackpad's pinch too), zoom at the pointer
  useEffect(() => {
    const el = stage.current;
    if (!el) return;
    let acc = 0;
    const f = (e: WheelEvent) => {
      e.preventDefault();
      if (e.ctrlKey || e.metaKey) {
        const r = el.getBoundingClientRect();
        const [w0, h0] = st.current.size;
        setView((v) => zoomAt(v, Math.exp(-e.deltaY / 300), e.clientX - r.left, e.clientY - r.top, W, H, w0 || W, h0 || H));
        return;
      }
      acc += e.deltaMode === 1 ? e.deltaY * 40 : e.deltaY;
      const steps = Math.trunc(acc / 50) || (Math.abs(acc) >= 1 && e.deltaMode !== 0 ? Math.sign(acc) : 0);
      if (steps) {
        acc = 0;
        setZ(st.current.z + steps);
      }
    };
    el.addEventListener('wheel', f, { passive: false });
    return () => el.removeEventListener('wheel', f);
  });

  // keys: ↑/↓ a slice, PageUp/PageDown ten
  useEffect(() => {
    if (p.keys === false) return;
    const f = (e: KeyboardEvent) => {
      const tag = (e.target as HTMLElement | null)?.tagName;
      if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || e.ctrlKey || e.metaKey || e.altKey) return;
      const d = e.key === 'ArrowUp' ? -1 : e.key === 'ArrowDown' ? 1 : e.key === 'PageUp' ? -10 : e.key === 'PageDown' ? 10 : 0;
      if (!d) return;
      e.preventDefault();
      setZ(st.current.z + d);
    };
    window.addEventListener('keydown', f);
    return () => window.removeEventListener('keydown', f);
  });

  // pointers: one drags by the tool, two pinch (any tool)
  const pts = useRef(new Map<number, Pt2>());
  const drag = useRef<{ start: Pt2; last: Pt2; vox: Pt2; moved: boolean; pinch?: [Pt2, Pt2] } | null>(null);
  const down = (e: PointerEvent) => {
    (e.currentTarget as HTMLElement).setPointerCapture?.(e.pointerId);
    pts.current.set(e.pointerId, [e.clientX, e.clientY]);
    if (pts.current.size === 2) {
      const [a, b] = [...pts.current.values()];
      drag.current = { start: a, last: a, vox: [0, 0], moved: true, pinch: [a, b] };
      setLine(null);
      return;
    }
    drag.current = { start: [e.clientX, e.clientY], last: [e.clientX, e.clientY], vox: voxel(e.clientX, e.clientY), moved: false };
  };
  const move = (e: PointerEvent) => {
    if (!pts.current.has(e.pointerId)) return;
    const prev = pts.current.get(e.pointerId)!;
    pts.current.set(e.pointerId, [e.clientX, e.clientY]);
    const d = drag.current;
    if (!d) return;
    if (d.pinch && pts.current.size === 2) {
      const [a1, b1] = [...pts.current.values()];
      const r = stage.current!.getBoundingClientRect();
      const rel = (q: Pt2): Pt2 => [q[0] - r.left, q[1] - r.top];
      const [a0, b0] = d.pinch;
      setView((v) => pinch(v, rel(a0), rel(b0), rel(a1), rel(b1), W, H, vw, vh));
      d.pinch = [a1, b1];
      return;
    }
    if (Math.hypot(e.clientX - d.start[0], e.clientY - d.start[1]) > 4) d.moved = true;
    const dx = e.clientX - prev[0];
    const dy = e.clientY - prev[1];
    const tl = st.current.tool;
    const lineTool = tl === 'ruler' || tools.find((x) => x.key === tl)?.line;
    if (tl === 'window') setWin((w) => dragWindow(w, dx, dy, h.range));
    else if (tl === 'pan' || (!lineTool && d.moved)) setView((v) => panBy(v, dx, dy, W, H, vw, vh));
    else if (lineTool && d.moved) setLine({ a: d.vox, b: voxel(e.clientX, e.clientY) });
  };
  const up = (e: PointerEvent) => {
    pts.current.delete(e.pointerId);
    const d = drag.current;
    if (!d || pts.current.size > 0) return;
    drag.current = null;
    if (d.pinch) return;
    const tl = st.current.tool;
    const custom = tools.find((x) => x.key === tl);
    const zz = st.current.z;
    if ((tl === 'ruler' || custom?.line) && d.moved) {
      const b = voxel(e.clientX, e.clientY);
      setLine(null);
      if (tl === 'ruler') setRuler({ a: d.vox, b, z: zz });
      else p.onLine?.(tl, d.vox, b, zz);
      return;
    }
    if (custom && !custom.line && !d.moved) p.onTap?.(tl, d.vox, zz);
  };
  const cancel = (e: PointerEvent) => {
    pts.current.delete(e.pointerId);
    drag.current = null;
    setLine(null);
  };

  const unit = 1 / Math.max(1e-6, view.scale); // one screen pixel in column pixels
  const mmPerPx = g.spacing[0] * unit;
  const bar = scaleBarMm(mmPerPx);
  const crisp = view.scale > 1;
  const layer = { transform: `translate(${view.tx}px, ${view.ty}px) scale(${view.scale})`, width: `${W}px`, height: `${H}px` };
  const rulerMm = ruler && ruler.z === z ? distanceMm(g, [ruler.a[0], ruler.a[1], z], [ruler.b[0], ruler.b[1], z]) : null;
  const liveMm = line ? distanceMm(g, [line.a[0], line.a[1], z], [line.b[0], line.b[1], z]) : null;
  const slabMm = slab ?? 10;
  const toolButton = (key: string, icon: IconName, label: string) => (
    <button key={key} type="button" class={'btn btn-secondary vw-tool' + (tool === key ? ' on' : '')} aria-pressed={tool === key} data-testid={'vw-tool-' + key} onClick={() => setTool(key)}>
      <Icon name={icon} />
      <span>{label}</span>
    </button>
  );
  const presetOn = (c: number, w: number) => win.center === c && win.width === w;

  return (
    <div class="vw" data-testid={p.testid ?? 'viewer'} data-z={z} data-slices={n}>
      <div class="vw-row" role="group" aria-label={t('mv_presets', {}, lang)}>
        {PRESETS.map((pr) => (
          <button
            key={pr.key}
            type="button"
            class={'btn btn-secondary vw-preset' + (presetOn(pr.center, pr.width) ? ' on' : '')}
            aria-pressed={presetOn(pr.center, pr.width)}
            data-testid={'vw-preset-' + pr.key}
            onClick={() => setWin({ center: pr.center, width: pr.width })}
          >
            <strong>{t(('mv_preset_' + pr.key) as 'mv_preset_brain', {}, lang)}</strong>
            <small>
              {pr.center}/{pr.width}
            </small>
          </button>
        ))}
        <button type="button" class={'btn btn-secondary vw-preset' + (presetOn(h.window.center, h.window.width) ? ' on' : '')} data-testid="vw-preset-default" onClick={() => setWin(h.window)}>
          <strong>{t('mv_preset_default', {}, lang)}</strong>
          <small>
            {Math.round(h.window.center)}/{Math.round(h.window.width)}
          </small>
        </button>
      </div>
      <div class="vw-row" role="group" aria-label={t('mv_tools', {}, lang)}>
        {tools.map((x) => toolButton(x.key, x.icon, x.label))}
        {BUILT_IN.map((x) => toolButton(x.key, x.icon, t(x.word, {}, lang)))}
        <button type="button" class="btn btn-secondary vw-tool" aria-label={t('mv_zoom_out', {}, lang)} data-testid="vw-zoom-out" onClick={() => zoom(1 / 1.5)}>
          <Icon name="minus" />
        </button>
        <button type="button" class="btn btn-secondary vw-tool" aria-label={t('mv_zoom_in', {}, lang)} data-testid="vw-zoom-in" onClick={() => zoom(1.5)}>
          <Icon name="plus" />
        </button>
        <button type="button" class="btn btn-secondary vw-tool" aria-label={t('mv_fit', {}, lang)} data-testid="vw-fit" onClick={() => setView(fitView(W, H, vw, vh))}>
          <Icon name="fit" />
        </button>
        <button type="button" class={'btn btn-secondary vw-tool' + (slab ? ' on' : '')} aria-pressed={!!slab} title={t('mv_mip', {}, lang)} data-testid="vw-mip" onClick={() => setSlab(slab ? null : slabMm)}>
          <Icon name="eye" />
          <span>{t('mv_mip_short', {}, lang)}</span>
        </button>
        {slab !== null && (
          <select class="vw-slab" aria-label={t('mv_mip', {}, lang)} data-testid="vw-slab" value={String(slab)} onChange={(e) => setSlab(Number((e.currentTarget as HTMLSelectElement).value))}>
            {SLABS.map((mm) => (
              <option key={mm} value={String(mm)}>
                {t('mv_mip_mm', { mm }, lang)}
              </option>
            ))}
          </select>
        )}
      </div>
      <div
        class={'vw-stage vw-tool-' + tool}
        ref={stage}
        data-testid="vw-stage"
        onPointerDown={down}
        onPointerMove={move}
        onPointerUp={up}
        onPointerCancel={cancel}
        onContextMenu={(e) => e.preventDefault()}
      >
        <div class="vw-layer" style={layer}>
          <canvas ref={canvas} class={'vw-canvas' + (crisp ? ' vw-crisp' : '')} width={W} height={g.rows} data-testid="vw-canvas" role="img" aria-label={t('mv_image', { i: z + 1, n }, lang)} />
          <svg class="vw-over" viewBox={`0 0 ${W} ${g.rows}`} preserveAspectRatio="none" aria-hidden="true">
            {p.overlay?.(z, unit)}
            {ruler && ruler.z === z && <Line a={ruler.a} b={ruler.b} unit={unit} colour="#ffeb3b" label={t('mv_ruler_mm', { mm: rulerMm!.toFixed(1) }, lang)} />}
            {line && <Line a={line.a} b={line.b} unit={unit} colour="#4fc3f7" label={t('mv_ruler_mm', { mm: liveMm!.toFixed(1) }, lang)} />}
          </svg>
        </div>
        <div class="vw-badge vw-badge-tl" data-testid="vw-slice-badge">
          {t('mv_slice_of', { i: z + 1, n }, lang)}
          {slab ? ` · MIP ${slab} mm` : ''}
        </div>
        <div class="vw-badge vw-badge-tr">{t('mv_wl', { c: Math.round(win.center), w: Math.round(win.width) }, lang)}</div>
        {p.loaded < n && (
          <div class="vw-badge vw-badge-bl" role="status" data-testid="vw-loading">
            {t('mv_loading', { i: p.loaded, n }, lang)}
          </div>
        )}
        <div class="vw-scale" data-testid="vw-scale">
          <span class="vw-scale-bar" style={{ width: `${bar / mmPerPx}px` }} />
          <span>{bar >= 1 ? bar : bar.toFixed(1)} mm</span>
        </div>
        {rulerMm !== null && (
          <div class="vw-badge vw-badge-br" data-testid="vw-ruler-mm">
            {t('mv_ruler_mm', { mm: rulerMm.toFixed(1) }, lang)}
          </div>
        )}
      </div>
      <div class="vw-slider">
        <button type="button" class="btn btn-secondary vw-tool" aria-label={t('mv_slice_up', {}, lang)} aria-keyshortcuts="ArrowUp" data-testid="vw-prev" onClick={() => setZ(z - 1)}>
          <Icon name="up" />
        </button>
        <input
          type="range"
          min={1}
          max={n}
          step={1}
          value={z + 1}
          aria-label={t('mv_slice', {}, lang)}
          aria-valuetext={t('mv_slice_of', { i: z + 1, n }, lang)}
          data-testid="vw-slider"
          onInput={(e) => setZ(Number((e.currentTarget as HTMLInputElement).value) - 1)}
        />
        <button type="button" class="btn btn-secondary vw-tool" aria-label={t('mv_slice_down', {}, lang)} aria-keyshortcuts="ArrowDown" data-testid="vw-next" onClick={() => setZ(z + 1)}>
          <Icon name="down" />
        </button>
        <output class="vw-count" data-testid="vw-count">
          {t('mv_slice_of', { i: z + 1, n }, lang)}
        </output>
      </div>
    </div>
  );
}

/** A measured line in voxel units with its length beside it. */
export function Line({ a, b, unit, colour, label }: { a: Pt2; b: Pt2; unit: number; colour: string; label?: string }) {
  return (
    <g class="vw-line">
      <line x1={a[0]} y1={a[1]} x2={b[0]} y2={b[1]} stroke={colour} stroke-width={2 * unit} />
      <circle cx={a[0]} cy={a[1]} r={3 * unit} fill={colour} />
      <circle cx={b[0]} cy={b[1]} r={3 * unit} fill={colour} />
      {label && (
        <text x={b[0] + 6 * unit} y={b[1] - 6 * unit} font-size={14 * unit} fill={colour} stroke="#000" stroke-width={3 * unit} paint-order="stroke">
          {label}
        </text>
      )}
    </g>
  );
}
