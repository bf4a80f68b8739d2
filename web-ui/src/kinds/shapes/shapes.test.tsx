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
  beforeEach(() => {
    setLang('zh-CN');
    vi.spyOn(HTMLElement.prototype, 'getBoundingClientRect').mockReturnValue({ x: 0, y: 0, left: 0, top: 0, width: 1000, height: 500, right: 1000, bottom: 500, toJSON: () => ({}) } as DOMRect);
  });
  afterEach(() => vi.restoreAllMocks());

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
