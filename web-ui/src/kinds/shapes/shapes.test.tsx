// The drawing kinds: geometry helpers, undo/redo, the answers each editor gives for taps on
// the stage, and the builder's skeleton.
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setLang } from '../../i18n';
import { boxControls } from '../boxes/controls';
import { checkTemplate, cleanTemplate, newQuestion, parseEdges, skeletonProblem } from '../builder';
import { kindOf } from '../index';
import type { ItemField, Question, Template } from '../types';
import { ShapesEditor } from './Editor';
import { MaskEditor, paint } from './MaskEditor';
import { area, decodeMask } from './rle';
import { RotatedBoxEditor } from './RotatedBoxEditor';
import { angleTowards, boxInside, corners, normAngle } from './rotated';
import { drawScene, needsRedraw, type Paint, type Scene } from './canvas';
import { History, hitObject, inRing, normaliseObjects, objectProblem, selfCrossing, snapPoint, withoutPoint, type ShapeObject } from './geometry';

const sq = (x: number, y: number, s: number): number[][] => [
  [x, y],
  [x + s, y],
  [x + s, y + s],
  [x, y + s],
];

describe('geometry', () => {
  it('snaps to the nearest point of another object within the tolerance', () => {
    const objs: ShapeObject[] = [{ label: 'a', points: sq(0, 0, 100) }, { label: 'a', points: sq(200, 0, 100) }];
    expect(snapPoint(objs, [103, 2], 5)).toEqual([100, 0]);
    expect(snapPoint(objs, [110, 2], 5)).toBeNull();
    // not to the object skipped
    expect(snapPoint(objs, [103, 2], 5, 0)).toBeNull();
    // absent keypoints are not snapped to
    expect(snapPoint([{ label: 'p', points: [[0, 0, 0]] }], [1, 1], 5)).toBeNull();
  });

  it('tells inside from outside, holes and crossings', () => {
    expect(inRing(sq(0, 0, 10), [5, 5])).toBe(true);
    expect(inRing(sq(0, 0, 10), [15, 5])).toBe(false);
    const donut: ShapeObject = { label: 'a', points: sq(0, 0, 100), holes: [sq(40, 40, 20) as [number, number][]] };
    expect(hitObject('polygon', [donut], [10, 10], 2)).toBe(0);
    expect(hitObject('polygon', [donut], [50, 50], 2)).toBeNull();
    expect(selfCrossing(sq(0, 0, 10))).toBe(false);
    expect(
      selfCrossing([
        [0, 0],
        [10, 10],
        [10, 0],
        [0, 10],
      ]),
    ).toBe(true);
    expect(hitObject('polyline', [{ label: 'l', points: [[0, 0], [100, 0]] }], [50, 3], 4)).toBe(0);
    expect(hitObject('polyline', [{ label: 'l', points: [[0, 0], [100, 0]] }], [50, 9], 4)).toBeNull();
  });

  it('checks objects as the server does', () => {
    expect(objectProblem('polygon', { label: 'a', points: sq(0, 0, 10) }, 100, 100)).toBeNull();
    expect(objectProblem('polygon', { label: 'a', points: sq(0, 0, 10).slice(0, 2) }, 100, 100)).toBe('points');
    expect(objectProblem('polygon', { label: 'a', points: sq(95, 0, 10) }, 100, 100)).toBe('points');
    expect(objectProblem('polygon', { label: 'a', points: sq(0, 0, 10), holes: [sq(20, 20, 2) as [number, number][]] }, 100, 100)).toBe('hole');
    expect(objectProblem('polyline', { label: 'a', points: [[1, 1]] }, 100, 100)).toBe('points');
    expect(objectProblem('keypoints', { label: 'p', points: [[1, 1, 2], [0, 0, 0]] }, 100, 100, 2)).toBeNull();
    expect(objectProblem('keypoints', { label: 'p', points: [[1, 1, 2]] }, 100, 100, 2)).toBe('points');
    expect(objectProblem('keypoints', { label: 'p', points: [[0, 0, 0], [0, 0, 0]] }, 100, 100, 2)).toBe('points');
    expect(objectProblem('keypoints', { label: 'p', points: [[1, 1, 3], [0, 0, 0]] }, 100, 100, 2)).toBe('points');
  });

  it('normalises: absent keypoints at 0,0, no empty holes, attributes always', () => {
    expect(normaliseObjects('keypoints', [{ label: 'p', points: [[5, 6, 0], [1, 2, 1]] }])).toEqual([{ label: 'p', points: [[0, 0, 0], [1, 2, 1]], attributes: {} }]);
    expect(normaliseObjects('polygon', [{ label: 'a', points: sq(0, 0, 1), holes: [] }])).toEqual([{ label: 'a', points: sq(0, 0, 1), attributes: {} }]);
  });

  it('keeps an undo/redo history; a new change drops the redo', () => {
    const h = new History<number>();
    h.push(1);
    h.push(2);
    expect(h.undo(3)).toBe(2);
    expect(h.undo(2)).toBe(1);
    expect(h.canUndo).toBe(false);
    expect(h.redo(1)).toBe(2);
    expect(h.canRedo).toBe(true);
    h.push(2);
    expect(h.canRedo).toBe(false);
    expect(h.undo(5)).toBe(2);
    expect(withoutPoint([1, 2, 3], 0, 3)).toBeNull();
    expect(withoutPoint([1, 2, 3, 4], 1, 3)).toEqual([1, 3, 4]);
  });
});

/** A 2D context that writes down what is drawn: each call, and the style at each fill/stroke. */
function recorder() {
  const log: string[] = [];
  const ctx = {
    fillStyle: '' as string,
    strokeStyle: '' as string,
    lineWidth: 1,
    lineJoin: 'miter',
    globalAlpha: 1,
    setTransform: (...a: number[]) => log.push(`transform ${a.map((x) => Math.round(x * 1000) / 1000).join(' ')}`),
    clearRect: () => log.push('clear'),
    beginPath: () => log.push('begin'),
    moveTo: (x: number, y: number) => log.push(`M${x} ${y}`),
    lineTo: (x: number, y: number) => log.push(`L${x} ${y}`),
    closePath: () => log.push('Z'),
    arc: (x: number, y: number, r: number) => log.push(`arc ${x} ${y} ${r}`),
    fill: (rule?: string) => log.push(`fill ${ctx.fillStyle} ${Math.round(ctx.globalAlpha * 100) / 100} ${rule ?? 'nonzero'}`),
    stroke: () => log.push(`stroke ${ctx.strokeStyle} ${Math.round(ctx.lineWidth * 1000) / 1000}`),
  };
  return { ctx: ctx as unknown as Paint & CanvasRenderingContext2D, log };
}

describe('canvas of the resting objects', () => {
  const objs: ShapeObject[] = [
    { label: 'road', points: sq(0, 0, 100), holes: [sq(40, 40, 20) as [number, number][]] },
    { label: 'field', points: sq(50, 50, 100) },
    { label: 'road', points: sq(300, 0, 10) },
  ];
  const scene = (over: Partial<Scene> = {}): Scene => ({
    kind: 'polygon',
    objects: objs,
    skip: null,
    view: { scale: 0.5, tx: 10, ty: 20 },
    w: 800,
    h: 400,
    dpr: 2,
    colours: '#1e88e5 #e53935',
    edges: [],
    ...over,
  });
  const colourOf = (l: string) => (l === 'road' ? '#1e88e5' : '#e53935');

  it('draws all but the chosen object, in order, holes left out, sharp at the density', () => {
    const { ctx, log } = recorder();
    expect(drawScene(ctx, scene({ skip: 1 }), colourOf)).toBe(2);
    // cleared in device px, then picture px → device px (dpr 2 × scale 0.5, moved by 2 × t)
    expect(log.slice(0, 3)).toEqual(['transform 1 0 0 1 0 0', 'clear', 'transform 1 0 0 1 20 40']);
    const text = log.join(',');
    // the first: outline and its hole as one path, a white halo, the fill 0x33 even-odd, the outline 2.5 screen px
    expect(text).toContain('begin,M0 0,L100 0,L100 100,L0 100,Z,M40 40,L60 40,L60 60,L40 60,Z,stroke #fff 11,fill #1e88e5 0.2 evenodd,stroke #1e88e5 5');
    // the chosen (second) not drawn; the third is
    expect(text).not.toContain('M50 50');
    expect(text).toContain('M300 0');
  });

  it('draws lines without a fill and keypoints as the SVG did', () => {
    const { ctx, log } = recorder();
    drawScene(ctx, scene({ kind: 'polyline', objects: [{ label: 'road', points: [[0, 0], [10, 10]] }], view: { scale: 1, tx: 0, ty: 0 }, dpr: 1 }), colourOf);
    expect(log.join(',')).toContain('begin,M0 0,L10 10,stroke #fff 5.5,stroke #1e88e5 2.5');
    expect(log.some((l) => l.startsWith('fill'))).toBe(false);
    const kp = recorder();
    const star: ShapeObject = { label: 'field', points: [[10, 10, 2], [20, 20, 1], [0, 0, 0]] };
    drawScene(kp.ctx, scene({ kind: 'keypoints', objects: [star], view: { scale: 1, tx: 0, ty: 0 }, dpr: 1, edges: [[0, 1], [0, 2]] }), colourOf);
    const text = kp.log.join(',');
    // the edge between two placed points only; a visible point filled in the colour, a hidden one white; none for an absent one
    expect(text).toContain('begin,M10 10,L20 20,stroke #e53935 2.5');
    expect(text).toContain('arc 10 10 4.5,fill #e53935 1 nonzero,stroke #e53935 2.5');
    expect(text).toContain('arc 20 20 4.5,fill #fff 1 nonzero');
    expect(text).not.toContain('arc 0 0');
  });

  it('is drawn again when a resting object, the view or the choice changes; not when the chosen one is dragged', () => {
    const before = scene({ skip: 1 });
    const dragged = objs.slice();
    dragged[1] = { ...objs[1], points: sq(60, 60, 100) };
    expect(needsRedraw(null, before)).toBe(true);
    expect(needsRedraw(before, scene({ skip: 1, objects: dragged }))).toBe(false);
    const other = objs.slice();
    other[0] = { ...objs[0], label: 'field' };
    expect(needsRedraw(before, scene({ skip: 1, objects: other }))).toBe(true);
    expect(needsRedraw(before, scene({ skip: 1, objects: objs.slice(0, 2) }))).toBe(true);
    expect(needsRedraw(before, scene({ skip: 0 }))).toBe(true);
    expect(needsRedraw(before, scene({ skip: 1, view: { scale: 0.5, tx: 11, ty: 20 } }))).toBe(true);
    expect(needsRedraw(before, scene({ skip: 1, dpr: 1 }))).toBe(true);
    expect(needsRedraw(before, scene({ skip: 1, colours: '#000000 #e53935' }))).toBe(true);
    expect(needsRedraw(scene({ kind: 'keypoints', edges: [[0, 1]] }), scene({ kind: 'keypoints', edges: [[0, 1]] }))).toBe(false);
    expect(needsRedraw(scene({ kind: 'keypoints', edges: [[0, 1]] }), scene({ kind: 'keypoints', edges: [[0, 2]] }))).toBe(true);
  });

  it('picks the topmost resting object under a press from the answer, not the DOM', () => {
    // two overlapping squares: the later one is on top where they overlap
    expect(hitObject('polygon', objs, [75, 75], 2)).toBe(1);
    expect(hitObject('polygon', objs, [10, 10], 2)).toBe(0);
    // in the first one's hole, the second one (under it there) is found
    expect(hitObject('polygon', objs, [55, 55], 2)).toBe(1);
    expect(hitObject('polygon', objs, [45, 45], 2)).toBeNull();
    expect(hitObject('polygon', objs, [305, 5], 2)).toBe(2);
    expect(hitObject('polygon', objs, [200, 5], 2)).toBeNull();
  });
});

describe('builder', () => {
  it('gives a keypoints question a skeleton and checks it', () => {
    const t: Template = { layout: 'one', fields: [{ name: 'image', kind: 'image' }], questions: [] };
    const q = newQuestion(t, 'keypoints');
    q.title_zh = '点';
    q.options = [{ key: 'star', name_zh: '星' }];
    expect(q.field).toBe('image');
    expect(q.settings?.skeleton?.points).toHaveLength(3);
    const tpl = { ...t, questions: [q] };
    expect(checkTemplate(tpl)).toBeNull();
    expect(cleanTemplate(tpl).questions[0].settings?.skeleton?.edges).toEqual([
      [0, 1],
      [0, 2],
    ]);
    const bad = { ...q, settings: { ...q.settings, skeleton: { ...q.settings!.skeleton!, edges: [[0, 5]] as [number, number][] } } };
    expect(checkTemplate({ ...t, questions: [bad] })?.field).toBe('template.questions[0].settings.skeleton.edges[0]');
    expect(skeletonProblem({ points: [{ key: 'a', name_zh: 'A', sigma: 0 }], edges: [] })).toBe('points[0].sigma');
    expect(parseEdges('0-1, 1-2，2-0')).toEqual([
      [0, 1],
      [1, 2],
      [2, 0],
    ]);
    expect(parseEdges('0-x')).toBeNull();
  });

  it('checks a line tolerance', () => {
    const t: Template = { layout: 'one', fields: [{ name: 'image', kind: 'image' }], questions: [] };
    const q = { ...newQuestion(t, 'polyline'), title_zh: '线', options: [{ key: 'lane', name_zh: '车道线' }] };
    expect(checkTemplate({ ...t, questions: [q] })).toBeNull();
    expect(checkTemplate({ ...t, questions: [{ ...q, settings: { tolerance: 0 } }] })?.field).toBe('template.questions[0].settings.tolerance');
  });
});

// The stage is 1000×500 at the page's top left; the picture 2000×1000, so 1 screen px = 2 px.
const field: ItemField = { name: 'image', kind: 'image', screen_url: '/p/screen', thumb_url: null, width: 2000, height: 1000 };
const at = (ix: number, iy: number): [number, number] => [ix / 2, iy / 2];

function pointer(type: string, [x, y]: [number, number], id = 1, kind = 'mouse'): Event {
  const e = new MouseEvent(type, { bubbles: true, clientX: x, clientY: y, button: 0 });
  Object.defineProperty(e, 'pointerId', { value: id });
  Object.defineProperty(e, 'pointerType', { value: kind });
  return e;
}

async function mount(q: Question, value?: unknown) {
  const root = document.createElement('div');
  document.body.appendChild(root);
  const got: { v: unknown } = { v: value };
  await act(async () => {
    render(<ShapesEditor q={q} value={value} onChange={(v) => (got.v = v)} field={field} lang="zh-CN" id="t" />, root);
  });
  await act(async () => {
    await new Promise((r) => setTimeout(r, 20));
  });
  const stage = root.querySelector('[data-testid=shape-stage]')!;
  const tap = async (ix: number, iy: number, kind = 'mouse') =>
    act(() => {
      stage.dispatchEvent(pointer('pointerdown', at(ix, iy), 1, kind));
      stage.dispatchEvent(pointer('pointerup', at(ix, iy), 1, kind));
    });
  const click = async (testid: string) => act(() => (root.querySelector(`[data-testid=${testid}]`) as HTMLButtonElement).click());
  const control = () => boxControls.get(q.key)!.current!;
  return { root, got, stage, tap, click, control, done: () => (render(null, root), root.remove()) };
}

const polygonQ: Question = { key: 'area', kind: 'polygon', title_zh: '圈出', field: 'image', options: [{ key: 'road', name_zh: '路' }, { key: 'field', name_zh: '田', hotkey: 'f' }] };

describe('shapes editor', () => {
  /** What the resting objects' canvas drew last (jsdom has no canvas: a recorder stands in). */
  let painted: ReturnType<typeof recorder>;
  beforeEach(() => {
    setLang('zh-CN');
    vi.spyOn(HTMLElement.prototype, 'getBoundingClientRect').mockReturnValue({ x: 0, y: 0, left: 0, top: 0, width: 1000, height: 500, right: 1000, bottom: 500, toJSON: () => ({}) } as DOMRect);
    vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockImplementation(() => (painted = recorder()).ctx as never);
  });
  afterEach(() => vi.restoreAllMocks());

  it('draws the resting polygons on the canvas; a press inside one chooses it (the topmost), then it is SVG', async () => {
    const objs = [
      { label: 'road', points: sq(100, 100, 400), attributes: {} },
      { label: 'field', points: sq(300, 300, 400), attributes: {} },
      { label: 'road', points: sq(1200, 100, 200), attributes: {} },
    ];
    const m = await mount(polygonQ, objs);
    const canvas = m.root.querySelector('[data-testid=shape-canvas]') as HTMLCanvasElement;
    expect(canvas.getAttribute('data-drawn')).toBe('3');
    expect(m.root.querySelectorAll('[data-testid=shape]')).toHaveLength(0);
    // the canvas is the stage's size (1000×500 CSS px) at the device's density
    expect(canvas.style.width).toBe('1000px');
    expect(canvas.width).toBe(Math.round(1000 * (window.devicePixelRatio || 1)));
    // the list of objects stays (keyboard and screen-reader users choose there)
    expect(m.root.querySelectorAll('[data-testid=shape-list] .chip-select')).toHaveLength(3);
    await m.click('tool-edit');
    await m.tap(450, 450); // inside both squares: the later (on top) is chosen
    const chosen = m.root.querySelectorAll('[data-testid=shape]');
    expect(chosen).toHaveLength(1);
    expect(chosen[0].getAttribute('data-index')).toBe('1');
    expect(canvas.getAttribute('data-drawn')).toBe('2');
    expect(painted.log.join(',')).not.toContain('M300 300');
    expect(m.root.querySelectorAll('[data-testid=shape-list] .chip-select')[1].getAttribute('aria-pressed')).toBe('true');
    // a press outside every polygon chooses none: all three on the canvas again
    await m.tap(1900, 900);
    expect(m.root.querySelectorAll('[data-testid=shape]')).toHaveLength(0);
    expect(canvas.getAttribute('data-drawn')).toBe('3');
    m.done();
  });

  it('draws a polygon closed on its first point, in the picture pixels', async () => {
    const m = await mount(polygonQ);
    await m.tap(100, 100);
    await m.tap(500, 100);
    await m.tap(500, 400);
    expect(m.got.v).toBeUndefined();
    await m.tap(104, 102); // within a few screen px of the first point: closes
    expect(m.got.v).toEqual([{ label: 'road', points: [[100, 100], [500, 100], [500, 400]], attributes: {} }]);
    expect(kindOf('polygon')!.check(polygonQ, m.got.v)).toBeNull();
    m.done();
  });

  it('snaps a neighbour’s shared border, closes by Enter, picks the class, undoes and redoes', async () => {
    const first = [{ label: 'road', points: [[100, 100], [500, 100], [500, 400]], attributes: {} }];
    const m = await mount(polygonQ, first);
    await act(() => void m.control().key({ type: 'label', key: 'field' }));
    await m.tap(506, 96); // 3 screen px off the neighbour's corner: snapped onto it
    await m.tap(506, 404);
    await m.tap(900, 250);
    expect(m.control().hasSelection()).toBe(true);
    await act(() => void m.control().key({ type: 'confirm' }));
    const two = m.got.v as ShapeObject[];
    expect(two).toHaveLength(2);
    expect(two[1]).toEqual({ label: 'field', points: [[500, 100], [500, 400], [900, 250]], attributes: {} });
    await act(() => void m.control().key({ type: 'undo' }));
    expect(m.got.v).toEqual(first);
    await act(() => void m.control().key({ type: 'redo' }));
    expect(m.got.v).toEqual(two);
    // choose the second from the list, delete it by the button
    await act(() => (m.root.querySelectorAll('.chip-select')[1] as HTMLButtonElement).click());
    await m.click('shape-delete');
    expect(m.got.v).toEqual(first);
    m.done();
  });

  it('adds a hole inside the chosen polygon', async () => {
    const m = await mount(polygonQ, [{ label: 'road', points: sq(0, 0, 1000), attributes: {} }]);
    await m.click('tool-edit');
    await m.tap(50, 50); // chooses it
    await m.click('tool-hole');
    await m.tap(200, 200);
    await m.tap(400, 200);
    await m.tap(400, 400);
    await m.click('shape-finish');
    const v = m.got.v as ShapeObject[];
    expect(v[0].holes).toEqual([
      [
        [200, 200],
        [400, 200],
        [400, 400],
      ],
    ]);
    expect(kindOf('polygon')!.check(polygonQ, v)).toBeNull();
    m.done();
  });

  it('moves a point by dragging and deletes one by a long press', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const m = await mount(polygonQ, [{ label: 'road', points: sq(100, 100, 400), attributes: {} }]);
    await m.click('tool-edit');
    await act(() => {
      m.stage.dispatchEvent(pointer('pointerdown', at(500, 100)));
      m.stage.dispatchEvent(pointer('pointermove', at(560, 120)));
      m.stage.dispatchEvent(pointer('pointermove', at(600, 140)));
      m.stage.dispatchEvent(pointer('pointerup', at(600, 140)));
    });
    expect((m.got.v as ShapeObject[])[0].points[1]).toEqual([600, 140]);
    await act(() => {
      m.stage.dispatchEvent(pointer('pointerdown', at(100, 500), 2, 'touch'));
      vi.advanceTimersByTime(800);
    });
    await act(() => void m.stage.dispatchEvent(pointer('pointerup', at(100, 500), 2, 'touch')));
    expect((m.got.v as ShapeObject[])[0].points).toEqual([
      [100, 100],
      [600, 140],
      [500, 500],
    ]);
    vi.useRealTimers();
    m.done();
  });

  it('ends a line on Enter', async () => {
    const q: Question = { key: 'lane', kind: 'polyline', title_zh: '线', field: 'image', options: [{ key: 'lane', name_zh: '车道线' }] };
    const m = await mount(q);
    await m.tap(0, 0);
    await m.tap(1000, 500);
    await m.tap(2000, 1000);
    await act(() => void m.control().key({ type: 'confirm' }));
    expect(m.got.v).toEqual([{ label: 'lane', points: [[0, 0], [1000, 500], [2000, 1000]], attributes: {} }]);
    // Enter with nothing being drawn is the form's (next / give)
    expect(m.control().key({ type: 'confirm' })).toBe(false);
    m.done();
  });

  it('places keypoints in order, hidden and absent ones marked, names shown', async () => {
    const q: Question = {
      key: 'pose',
      kind: 'keypoints',
      title_zh: '点',
      field: 'image',
      options: [{ key: 'star', name_zh: '星' }],
      settings: {
        skeleton: {
          points: [
            { key: 'a', name_zh: '上', sigma: 0.05 },
            { key: 'b', name_zh: '左', sigma: 0.05 },
            { key: 'c', name_zh: '右', sigma: 0.05 },
          ],
          edges: [
            [0, 1],
            [0, 2],
          ],
        },
      },
    };
    const m = await mount(q);
    expect(m.root.querySelector('[data-testid=kp-next]')!.textContent).toContain('上');
    await m.tap(1000, 100);
    expect(m.root.querySelector('[data-testid=kp-next]')!.textContent).toContain('左');
    await m.click('kp-vis-1');
    await m.tap(600, 800);
    await m.click('kp-vis-0');
    expect(m.got.v).toEqual([{ label: 'star', points: [[1000, 100, 2], [600, 800, 1], [0, 0, 0]], attributes: {} }]);
    expect(kindOf('keypoints')!.check(q, m.got.v)).toBeNull();
    expect(kindOf('keypoints')!.text(q, m.got.v, 'zh-CN')).toBe('星 × 1');
    m.done();
  });
});

describe('mask editor', () => {
  beforeEach(() => {
    setLang('zh-CN');
    vi.spyOn(HTMLElement.prototype, 'getBoundingClientRect').mockReturnValue({ x: 0, y: 0, left: 0, top: 0, width: 100, height: 50, right: 100, bottom: 50, toJSON: () => ({}) } as DOMRect);
    // jsdom has no canvas: the overlay is not drawn, the mask is still painted
    vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(null);
  });
  afterEach(() => vi.restoreAllMocks());

  it('paints a disc, erases part of it, undoes; the answer is COCO RLE of the picture size', async () => {
    const small: ItemField = { name: 'image', kind: 'image', screen_url: '/p/screen', thumb_url: null, width: 200, height: 100 };
    const q: Question = { key: 'spot', kind: 'mask', title_zh: '涂', field: 'image', options: [{ key: 'spot', name_zh: '斑' }] };
    const root = document.createElement('div');
    document.body.appendChild(root);
    let got: unknown;
    await act(async () => {
      render(<MaskEditor q={q} value={undefined} onChange={(v) => (got = v)} field={small} lang="zh-CN" id="m" />, root);
    });
    await act(async () => {
      await new Promise((r) => setTimeout(r, 20));
    });
    const stage = root.querySelector('[data-testid=shape-stage]')!;
    // 1 screen px = 2 picture px; the brush 16 screen px wide: a radius of 16 picture px
    await act(() => {
      stage.dispatchEvent(pointer('pointerdown', [25, 25]));
      stage.dispatchEvent(pointer('pointermove', [35, 25]));
      stage.dispatchEvent(pointer('pointerup', [35, 25]));
    });
    const list = got as { label: string; rle: { size: [number, number]; counts: string } }[];
    expect(list).toHaveLength(1);
    expect(list[0].rle.size).toEqual([100, 200]);
    const m = decodeMask(list[0].rle)!;
    expect(m[50 * 200 + 60]).toBe(1); // the stroke's middle
    expect(m[50 * 200 + 20]).toBe(0); // left of it
    const before = area(m);
    // a capsule 20 px long, radius 16: about π·16² + 32·20 ≈ 1444 px
    expect(Math.abs(before - (Math.PI * 256 + 640))).toBeLessThan(60);
    expect(kindOf('mask')!.check(q, got)).toBeNull();
    await act(() => (root.querySelector('[data-testid=mask-eraser]') as HTMLButtonElement).click());
    await act(() => {
      stage.dispatchEvent(pointer('pointerdown', [30, 25]));
      stage.dispatchEvent(pointer('pointerup', [30, 25]));
    });
    const erased = decodeMask((got as typeof list)[0].rle)!;
    expect(erased[50 * 200 + 60]).toBe(0);
    expect(area(erased)).toBeLessThan(before);
    await act(() => (root.querySelector('[data-testid=shape-undo]') as HTMLButtonElement).click());
    expect(area(decodeMask((got as typeof list)[0].rle)!)).toBe(before);
    // an empty mask or another size is refused
    expect(kindOf('mask')!.check(q, [{ label: 'spot', rle: { size: [100, 200], counts: String.fromCharCode(48 + 0) } }])).not.toBeNull();
    render(null, root);
    root.remove();
  });

  it('paints discs by pixel centres, and erases them', () => {
    const m = new Uint8Array(10 * 10);
    paint(m, 10, 10, 5, 5, 5, 5, 2, 1);
    expect(area(m)).toBe(12);
    paint(m, 10, 10, 5, 5, 5, 5, 1, 0);
    expect(area(m)).toBe(8);
  });
});

describe('rotated box editor', () => {
  beforeEach(() => {
    setLang('zh-CN');
    vi.spyOn(HTMLElement.prototype, 'getBoundingClientRect').mockReturnValue({ x: 0, y: 0, left: 0, top: 0, width: 1000, height: 500, right: 1000, bottom: 500, toJSON: () => ({}) } as DOMRect);
  });
  afterEach(() => vi.restoreAllMocks());

  it('turns clockwise as the server does, and keeps corners inside', () => {
    const b = { label: 'ship', cx: 50, cy: 50, w: 40, h: 20, angle: 90 };
    near2(corners(b)[0], [60, 30]);
    expect(normAngle(270)).toBe(-90);
    expect(normAngle(-180)).toBe(180);
    expect(angleTowards(b, 80, 50)).toBe(90); // the top pointed right: a quarter turn clockwise
    expect(boxInside(b, 100, 100)).toBe(true);
    expect(boxInside({ ...b, cx: 5 }, 100, 100)).toBe(false);
  });

  it('draws a box by dragging, turns it by its handle, undoes', async () => {
    const q: Question = { key: 'ships', kind: 'rotated_box', title_zh: '船', field: 'image', options: [{ key: 'ship', name_zh: '船' }] };
    const root = document.createElement('div');
    document.body.appendChild(root);
    let got: unknown;
    await act(async () => {
      render(<RotatedBoxEditor q={q} value={undefined} onChange={(v) => (got = v)} field={field} lang="zh-CN" id="r" />, root);
    });
    await act(async () => {
      await new Promise((r) => setTimeout(r, 20));
    });
    const stage = root.querySelector('[data-testid=shape-stage]')!;
    await act(() => {
      stage.dispatchEvent(pointer('pointerdown', at(800, 400)));
      stage.dispatchEvent(pointer('pointermove', at(1000, 500)));
      stage.dispatchEvent(pointer('pointermove', at(1200, 600)));
      stage.dispatchEvent(pointer('pointerup', at(1200, 600)));
    });
    expect(got).toEqual([{ label: 'ship', cx: 1000, cy: 500, w: 400, h: 200, angle: 0, attributes: {} }]);
    // the handle: 28 screen px (56 picture px) above the top edge's middle
    await act(() => {
      stage.dispatchEvent(pointer('pointerdown', at(1000, 400 - 56)));
      stage.dispatchEvent(pointer('pointermove', at(1100, 500)));
      stage.dispatchEvent(pointer('pointermove', at(1300, 500)));
      stage.dispatchEvent(pointer('pointerup', at(1300, 500)));
    });
    expect((got as { angle: number }[])[0].angle).toBe(90);
    expect(kindOf('rotated_box')!.check(q, got)).toBeNull();
    await act(() => (root.querySelector('[data-testid=shape-undo]') as HTMLButtonElement).click());
    expect((got as { angle: number }[])[0].angle).toBe(0);
    render(null, root);
    root.remove();
  });
});

function near2(a: number[], b: number[]) {
  expect(Math.abs(a[0] - b[0]) + Math.abs(a[1] - b[1])).toBeLessThan(1e-9);
}
