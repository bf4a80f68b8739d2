import { render } from 'preact';
import { useRef } from 'preact/hooks';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setFetch } from '../api';
import { setLang } from '../i18n';
import { AnswerForm } from '../pages/lead/Questions';
import { Markup, type MarkupControl } from './Markup';
import { extend, paintShape, type Shape } from './markup';

// jsdom has no 2D canvas: a context that writes down what is painted since the last clear
// stands in for the pixels, and toBlob exports that record (Chromium paints for real in
// e2e/work-questions.test.mjs).
class RecordingCtx {
  ops: string[] = [];
  strokeStyle = '';
  fillStyle = '';
  lineWidth = 1;
  lineCap = 'butt';
  lineJoin = 'miter';
  clearRect() {
    this.ops = [];
  }
  fillRect() {
    this.ops.push('fill');
  }
  drawImage() {
    this.ops.push('image');
  }
  beginPath() {
    this.ops.push('begin');
  }
  moveTo(x: number, y: number) {
    this.ops.push(`move ${x},${y}`);
  }
  lineTo(x: number, y: number) {
    this.ops.push(`line ${x},${y}`);
  }
  ellipse(x: number, y: number, rx: number, ry: number) {
    this.ops.push(`ellipse ${x},${y} ${rx}x${ry}`);
  }
  stroke() {
    this.ops.push(`stroke ${this.strokeStyle} ${this.lineWidth}`);
  }
}

let root: HTMLElement;
let ctx: RecordingCtx;
beforeEach(() => {
  setLang('zh-CN');
  root = document.createElement('div');
  document.body.appendChild(root);
  ctx = new RecordingCtx();
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockImplementation((() => ctx) as never);
  HTMLCanvasElement.prototype.toBlob = function (cb: BlobCallback, type?: string) {
    cb(new Blob([JSON.stringify(ctx.ops)], { type: type ?? 'image/png' }));
  };
});
afterEach(() => {
  render(null, root);
  root.remove();
  vi.restoreAllMocks();
});

const tick = () => new Promise((r) => setTimeout(r, 20));
/** Waits (up to 2 s) until `ok()` holds: effects run after the next paint. */
async function until(ok: () => boolean, what: string) {
  for (let i = 0; i < 200; i++) {
    if (ok()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${what} never happened`);
}
const shapesShown = (n: number) => () => $('markup-canvas').getAttribute('data-shapes') === String(n) && strokes().length === n;
const $ = (id: string) => root.querySelector(`[data-testid=${id}]`) as HTMLElement;
const strokes = () => ctx.ops.filter((o) => o.startsWith('stroke'));

function pointer(type: string, x: number, y: number) {
  const Ev = (window as { PointerEvent?: typeof MouseEvent }).PointerEvent ?? MouseEvent;
  $('markup-canvas').dispatchEvent(new Ev(type, { clientX: x, clientY: y, bubbles: true, cancelable: true }));
}
async function drag(from: [number, number], to: [number, number]) {
  pointer('pointerdown', ...from);
  pointer('pointermove', (from[0] + to[0]) / 2, (from[1] + to[1]) / 2);
  pointer('pointermove', ...to);
  const before = Number($('markup-canvas').getAttribute('data-shapes'));
  pointer('pointerup', ...to);
  await until(shapesShown(before + 1), 'the shape painted');
}

function Host({ got }: { got: (c: MarkupControl) => void }) {
  const control = useRef<MarkupControl | null>(null);
  return (
    <div>
      <Markup src="/api/v1/media/x/screen" control={control} />
      <button data-testid="grab" onClick={() => control.current && got(control.current)} />
    </div>
  );
}

describe('drawing on the picture', () => {
  it('paints strokes, circles and arrows, undoes and clears, and exports what is drawn', async () => {
    let control: MarkupControl | null = null;
    render(<Host got={(c) => (control = c)} />, root);
    $('grab').click();
    expect(control!.count()).toBe(0);
    expect(($('markup-undo') as HTMLButtonElement).disabled).toBe(true);
    // the picture loads: it is painted under the drawing
    $('markup-source').dispatchEvent(new Event('load'));
    await until(() => ctx.ops.includes('fill'), 'the picture painted');

    await drag([10, 20], [60, 80]);
    expect(control!.count()).toBe(1);
    expect(strokes()).toEqual(['stroke #ff1744 8']);
    expect(ctx.ops).toContain('move 10,20');
    expect(ctx.ops).toContain('line 60,80');
    const png = await control!.toBlob();
    expect(png!.type).toBe('image/png');
    expect(png!.size).toBeGreaterThan(0);
    expect(await png!.text()).toContain('stroke #ff1744');

    // a yellow circle, a cyan arrow
    $('markup-circle').click();
    $('markup-colour-ffea00').click();
    await until(() => $('markup-circle').getAttribute('aria-pressed') === 'true', 'the circle tool');
    await drag([100, 100], [200, 160]);
    $('markup-arrow').click();
    $('markup-colour-00e5ff').click();
    await until(() => $('markup-colour-00e5ff').getAttribute('aria-pressed') === 'true', 'the cyan colour');
    await drag([300, 300], [400, 300]);
    expect(control!.count()).toBe(3);
    expect(strokes()).toEqual(['stroke #ff1744 8', 'stroke #ffea00 8', 'stroke #00e5ff 8']);
    expect(ctx.ops).toContain('ellipse 150,130 50x30');
    expect($('markup-canvas').getAttribute('data-shapes')).toBe('3');

    // undo drops the last shape only; clear drops them all
    $('markup-undo').click();
    await until(shapesShown(2), 'the undo');
    expect(control!.count()).toBe(2);
    expect(strokes()).toEqual(['stroke #ff1744 8', 'stroke #ffea00 8']);
    expect(await (await control!.toBlob())!.text()).not.toContain('#00e5ff');
    $('markup-clear').click();
    await until(shapesShown(0), 'the clear');
    expect(control!.count()).toBe(0);
    expect(strokes()).toEqual([]);
  });

  it('keeps a second finger from drawing, and a cancelled touch draws nothing', async () => {
    let control: MarkupControl | null = null;
    render(<Host got={(c) => (control = c)} />, root);
    $('grab').click();
    pointer('pointerdown', 5, 5);
    pointer('pointercancel', 5, 5);
    await tick();
    expect(control!.count()).toBe(0);
  });

  it('grows a pen stroke point by point, a circle or arrow by its ends', () => {
    const pen: Shape = { tool: 'pen', colour: '#ff1744', width: 4, points: [[0, 0]] };
    expect(extend(extend(pen, [5, 5]), [5.5, 5]).points).toEqual([
      [0, 0],
      [5, 5],
    ]);
    const arrow: Shape = { ...pen, tool: 'arrow' };
    expect(extend(extend(arrow, [5, 5]), [9, 9]).points).toEqual([
      [0, 0],
      [9, 9],
    ]);
    const c = new RecordingCtx();
    paintShape(c as never, extend(arrow, [100, 0]));
    // the shaft and the two sides of the head
    expect(c.ops.filter((o) => o.startsWith('line'))).toHaveLength(3);
  });
});

describe('the answer form', () => {
  let sent: { url: string; body: Record<string, unknown> }[];
  beforeEach(() => {
    sent = [];
    setFetch((async (url: string, init?: RequestInit) => {
      sent.push({ url, body: JSON.parse(String(init?.body ?? '{}')) as Record<string, unknown> });
      return new Response('{}', { status: 200, headers: { 'Content-Type': 'application/json' } });
    }) as typeof fetch);
  });

  it('sends the picture drawn on, with no words needed', async () => {
    let done = 0;
    render(<AnswerForm path="/lead/questions/7/answer" picture="/api/v1/media/x/screen" onDone={() => done++} />, root);
    const send = () => $('answer-send') as HTMLButtonElement;
    expect(send().disabled).toBe(true);
    $('answer-draw').click();
    await until(() => root.querySelector('[data-testid=markup-canvas]') !== null, 'the canvas');
    expect(send().disabled).toBe(true);
    await drag([10, 10], [90, 90]);
    await until(() => !send().disabled, 'send enabled');
    send().click();
    await until(() => sent.length === 1 && done === 1, 'the answer sent');
    expect(sent[0].url).toBe('/api/v1/lead/questions/7/answer');
    const pic = sent[0].body.picture as { base64: string };
    expect(atob(pic.base64)).toContain('stroke #ff1744');
    expect(sent[0].body.text).toBeUndefined();
    expect(done).toBe(1);
  });

  it('offers no drawing for an item without a picture', () => {
    render(<AnswerForm path="/lead/questions/7/answer" picture={null} onDone={() => {}} />, root);
    expect(root.querySelector('[data-testid=answer-draw]')).toBeNull();
  });
});
