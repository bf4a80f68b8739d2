// Draw on the item's picture to answer a question: pen, circle or arrow in one of three
// bright colours, undo, clear; mouse, pen and finger alike (pointer events). The drawing is
// made on the picture's own pixels (the canvas is the picture's size, shown scaled) and
// exported as a PNG.

import { useEffect, useRef, useState } from 'preact/hooks';
import { t, type Key } from '../i18n';
import { Icon, type IconName } from './Icon';
import { COLOURS, extend, lineWidth, paint, type Colour, type Ctx, type Shape, type Tool } from './markup';

/** What the form holding the drawing asks of it. */
export interface MarkupControl {
  /** Shapes drawn. */
  count(): number;
  /** The picture with the drawing, as a PNG (null when the browser cannot make one). */
  toBlob(): Promise<Blob | null>;
}

const TOOLS: { tool: Tool; icon: IconName; key: Key }[] = [
  { tool: 'pen', icon: 'pen', key: 'mk_pen' },
  { tool: 'circle', icon: 'circle', key: 'mk_circle' },
  { tool: 'arrow', icon: 'arrow', key: 'mk_arrow' },
];
const COLOUR_KEYS: Record<Colour, Key> = { '#ff1744': 'mk_red', '#ffea00': 'mk_yellow', '#00e5ff': 'mk_cyan' };
/** The canvas' size until the picture has loaded (or when it cannot). */
const FALLBACK = { w: 800, h: 600 };

export function Markup({ src, control, onChange }: { src: string; control: { current: MarkupControl | null }; onChange?: (n: number) => void }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const img = useRef<HTMLImageElement>(null);
  const [loaded, setLoaded] = useState(false);
  const [size, setSize] = useState(FALLBACK);
  const [tool, setTool] = useState<Tool>('pen');
  const [colour, setColour] = useState<Colour>(COLOURS[0]);
  const [shapes, setShapes] = useState<Shape[]>([]);
  const drawing = useRef<{ id: number; shape: Shape } | null>(null);
  const shapesRef = useRef(shapes);
  shapesRef.current = shapes;

  function ctx(): Ctx | null {
    return (canvas.current?.getContext('2d') as Ctx | null) ?? null;
  }
  function redraw(list: Shape[]) {
    const c = ctx();
    if (c) paint(c, loaded ? img.current : null, size.w, size.h, list);
  }
  useEffect(() => redraw(shapes), [shapes, loaded, size]);
  useEffect(() => onChange?.(shapes.length), [shapes.length]);
  control.current = {
    count: () => shapesRef.current.length,
    toBlob: () =>
      new Promise((resolve) => {
        const c = canvas.current;
        if (!c) return resolve(null);
        // paint what is drawn now (a drag not yet ended too)
        redraw(drawing.current ? [...shapesRef.current, drawing.current.shape] : shapesRef.current);
        c.toBlob((b) => resolve(b), 'image/png');
      }),
  };

  function at(e: PointerEvent): [number, number] {
    const c = canvas.current!;
    const r = c.getBoundingClientRect();
    const sx = r.width > 0 ? c.width / r.width : 1;
    const sy = r.height > 0 ? c.height / r.height : 1;
    return [Math.round((e.clientX - r.left) * sx), Math.round((e.clientY - r.top) * sy)];
  }
  function down(e: PointerEvent) {
    if (drawing.current) return; // one finger draws; a second one is ignored
    e.preventDefault();
    canvas.current?.setPointerCapture?.(e.pointerId);
    const p = at(e);
    drawing.current = { id: e.pointerId, shape: { tool, colour, width: lineWidth(size.w, size.h), points: [p] } };
    redraw([...shapesRef.current, drawing.current.shape]);
  }
  function move(e: PointerEvent) {
    const d = drawing.current;
    if (!d || d.id !== e.pointerId) return;
    e.preventDefault();
    d.shape = extend(d.shape, at(e));
    redraw([...shapesRef.current, d.shape]);
  }
  function up(e: PointerEvent) {
    const d = drawing.current;
    if (!d || d.id !== e.pointerId) return;
    drawing.current = null;
    if (e.type !== 'pointercancel') setShapes([...shapesRef.current, d.shape]);
    else redraw(shapesRef.current);
  }

  return (
    <div class="markup" data-testid="markup">
      <div class="markup-tools" role="toolbar" aria-label={t('mk_draw')}>
        {TOOLS.map((x) => (
          <button
            type="button"
            key={x.tool}
            class={'btn btn-secondary markup-tool' + (tool === x.tool ? ' on' : '')}
            aria-pressed={tool === x.tool}
            data-testid={'markup-' + x.tool}
            onClick={() => setTool(x.tool)}
          >
            <Icon name={x.icon} />
            <span>{t(x.key)}</span>
          </button>
        ))}
        {COLOURS.map((c) => (
          <button
            type="button"
            key={c}
            class={'btn btn-secondary markup-colour' + (colour === c ? ' on' : '')}
            aria-pressed={colour === c}
            aria-label={t(COLOUR_KEYS[c])}
            title={t(COLOUR_KEYS[c])}
            data-testid={'markup-colour-' + c.slice(1)}
            style={{ '--swatch': c }}
            onClick={() => setColour(c)}
          >
            <span class="markup-swatch" aria-hidden="true" />
          </button>
        ))}
        <button type="button" class="btn btn-secondary" data-testid="markup-undo" disabled={shapes.length === 0} onClick={() => setShapes(shapes.slice(0, -1))}>
          <Icon name="undo" />
          <span>{t('mk_undo')}</span>
        </button>
        <button type="button" class="btn btn-secondary" data-testid="markup-clear" disabled={shapes.length === 0} onClick={() => setShapes([])}>
          <Icon name="trash" />
          <span>{t('mk_clear')}</span>
        </button>
      </div>
      <img
        ref={img}
        src={src}
        alt=""
        hidden
        data-testid="markup-source"
        onLoad={() => {
          const i = img.current!;
          setSize(i.naturalWidth > 0 ? { w: i.naturalWidth, h: i.naturalHeight } : FALLBACK);
          setLoaded(i.naturalWidth > 0);
        }}
      />
      <canvas
        ref={canvas}
        class="markup-canvas"
        width={size.w}
        height={size.h}
        data-testid="markup-canvas"
        data-shapes={shapes.length}
        data-ready={loaded ? '' : undefined}
        aria-label={t('mk_hint')}
        role="img"
        onPointerDown={down}
        onPointerMove={move}
        onPointerUp={up}
        onPointerCancel={up}
      />
      <p class="muted markup-hint">{t('mk_hint')}</p>
    </div>
  );
}
