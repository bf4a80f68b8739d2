// Drawing on a picture, as data: the shapes a lead or client draws (freehand strokes,
// circles, arrows in a bright colour) and how they are painted on a 2D canvas. The
// component (Markup.tsx) keeps the list; undo drops the last shape, clear drops them all.

export type Tool = 'pen' | 'circle' | 'arrow';

/** Bright colours that stand out on most photos: red, yellow, cyan. */
export const COLOURS = ['#ff1744', '#ffea00', '#00e5ff'] as const;
export type Colour = (typeof COLOURS)[number];

export interface Shape {
  tool: Tool;
  colour: string;
  /** Line width in the picture's pixels. */
  width: number;
  /** Pen: every point; circle and arrow: the start and the end of the drag. */
  points: [number, number][];
}

/** The part of CanvasRenderingContext2D painting uses. */
export type Ctx = Pick<
  CanvasRenderingContext2D,
  'beginPath' | 'moveTo' | 'lineTo' | 'stroke' | 'ellipse' | 'drawImage' | 'clearRect' | 'fillRect'
> & {
  strokeStyle: CanvasRenderingContext2D['strokeStyle'];
  fillStyle: CanvasRenderingContext2D['fillStyle'];
  lineWidth: number;
  lineCap: CanvasLineCap;
  lineJoin: CanvasLineJoin;
};

/** A line as wide as a finger looks on the picture: about 1/100 of its longer side. */
export function lineWidth(w: number, h: number): number {
  return Math.max(6, Math.round(Math.max(w, h) / 100));
}

/** Paints one shape. */
export function paintShape(ctx: Ctx, s: Shape): void {
  const pts = s.points;
  if (pts.length === 0) return;
  ctx.strokeStyle = s.colour;
  ctx.lineWidth = s.width;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  ctx.beginPath();
  const [x0, y0] = pts[0];
  const [x1, y1] = pts[pts.length - 1];
  if (s.tool === 'pen') {
    ctx.moveTo(x0, y0);
    // one point (a tap) is a dot: a line of no length with round caps
    for (const [x, y] of pts.length === 1 ? pts : pts.slice(1)) ctx.lineTo(x, y);
  } else if (s.tool === 'circle') {
    const rx = Math.max(Math.abs(x1 - x0) / 2, s.width);
    const ry = Math.max(Math.abs(y1 - y0) / 2, s.width);
    ctx.ellipse((x0 + x1) / 2, (y0 + y1) / 2, rx, ry, 0, 0, Math.PI * 2);
  } else {
    ctx.moveTo(x0, y0);
    ctx.lineTo(x1, y1);
    const angle = Math.atan2(y1 - y0, x1 - x0);
    const head = Math.max(16, s.width * 4);
    for (const side of [-1, 1]) {
      const a = angle + Math.PI - side * (Math.PI / 7);
      ctx.moveTo(x1, y1);
      ctx.lineTo(x1 + head * Math.cos(a), y1 + head * Math.sin(a));
    }
  }
  ctx.stroke();
}

/** Paints the picture (when it loaded) and every shape over it. */
export function paint(ctx: Ctx, img: CanvasImageSource | null, w: number, h: number, shapes: Shape[]): void {
  ctx.clearRect(0, 0, w, h);
  if (img) ctx.drawImage(img, 0, 0, w, h);
  else {
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, w, h);
  }
  for (const s of shapes) paintShape(ctx, s);
}

/** A shape grown by one more point of the drag: the pen keeps every point (a tiny move is
 * dropped), circles and arrows keep the start and the latest point. */
export function extend(s: Shape, p: [number, number]): Shape {
  if (s.tool === 'pen') {
    const last = s.points[s.points.length - 1];
    if (last && Math.hypot(last[0] - p[0], last[1] - p[1]) < 1) return s;
    return { ...s, points: [...s.points, p] };
  }
  return { ...s, points: [s.points[0], p] };
}
