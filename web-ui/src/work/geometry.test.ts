import { describe, expect, it } from 'vitest';
import {
  boxFromCorners,
  clampBox,
  clampPan,
  fitView,
  handlePoint,
  hitTest,
  MIN_SIDE,
  bigEnough,
  minSide,
  moveBox,
  pinch,
  resizeBox,
  toAnswerBoxes,
  toImage,
  toScreen,
  zoomAt,
  zoomLimits,
} from './geometry';

const W = 480;
const H = 360;
const b = (x: number, y: number, w: number, h: number, label = 'car') => ({ label, x, y, w, h });

describe('box geometry (image pixels)', () => {
  it('makes a box from two corners in any order, clipped to the image', () => {
    expect(boxFromCorners('car', 100, 80, 20, 10, W, H)).toEqual(b(20, 10, 80, 70));
    expect(boxFromCorners('car', -30, -5, 50, 400, W, H)).toEqual(b(0, 0, 50, 360));
    expect(boxFromCorners('car', 470, 350, 999, 999, W, H)).toEqual(b(470, 350, 10, 10));
  });

  it('moves a box but never out of the image, keeping its size', () => {
    expect(moveBox(b(10, 10, 50, 40), 20, 5, W, H)).toEqual(b(30, 15, 50, 40));
    expect(moveBox(b(10, 10, 50, 40), -100, -100, W, H)).toEqual(b(0, 0, 50, 40));
    expect(moveBox(b(400, 300, 50, 40), 500, 500, W, H)).toEqual(b(430, 320, 50, 40));
  });

  it('resizes by each handle, flips past the opposite side, stays inside', () => {
    const box = b(100, 100, 50, 40);
    expect(resizeBox(box, 'se', 200, 180, W, H)).toEqual(b(100, 100, 100, 80));
    expect(resizeBox(box, 'nw', 90, 95, W, H)).toEqual(b(90, 95, 60, 45));
    expect(resizeBox(box, 'e', 120, 999, W, H)).toEqual(b(100, 100, 20, 40));
    expect(resizeBox(box, 'n', 0, 120, W, H)).toEqual(b(100, 120, 50, 20));
    // past the opposite side: it flips
    expect(resizeBox(box, 'w', 170, 0, W, H)).toEqual(b(150, 100, 20, 40));
    // out of the image: stops at the edge
    expect(resizeBox(box, 'se', 9999, 9999, W, H)).toEqual(b(100, 100, 380, 260));
    expect(resizeBox(box, 'nw', -50, -50, W, H)).toEqual(b(0, 0, 150, 140));
    // never thinner than MIN_SIDE
    const thin = resizeBox(box, 'e', 100, 0, W, H);
    expect(thin.w).toBe(MIN_SIDE);
    expect(thin.x + thin.w).toBeLessThanOrEqual(W);
  });

  it('clamps a box that sticks out', () => {
    expect(clampBox(b(470, -5, 30, 20), W, H)).toEqual(b(450, 0, 30, 20));
    expect(clampBox(b(0, 0, 900, 0.5), W, H)).toEqual(b(0, 0, 480, MIN_SIDE));
  });

  it('hits handles of the selected box first, then the smallest box under the point', () => {
    const boxes = [b(0, 0, 300, 300, 'big'), b(50, 50, 40, 40, 'small')];
    expect(hitTest(boxes, 60, 60, 4, null)).toEqual({ index: 1, part: 'move' });
    expect(hitTest(boxes, 200, 200, 4, null)).toEqual({ index: 0, part: 'move' });
    expect(hitTest(boxes, 400, 350, 4, null)).toBeNull();
    const [hx, hy] = handlePoint(boxes[0], 'se');
    expect([hx, hy]).toEqual([300, 300]);
    expect(hitTest(boxes, 302, 299, 4, 0)).toEqual({ index: 0, part: 'se' });
    expect(hitTest(boxes, 150, 1, 4, 0)).toEqual({ index: 0, part: 'n' });
  });

  it('gives the API whole pixels inside the image and drops empty boxes', () => {
    expect(toAnswerBoxes([b(10.4, 20.6, 50.2, 39.7), b(479.8, 0, 0.3, 10), b(-1, -1, 481.6, 362)], W, H)).toEqual([
      b(10, 21, 51, 39),
      b(0, 0, 480, 360),
    ]);
  });
});

describe('view transform', () => {
  it('fits and centres the image, and maps both ways', () => {
    const v = fitView(W, H, 960, 900);
    expect(v.scale).toBe(2);
    expect(v.tx).toBe(0);
    expect(v.ty).toBe(90);
    expect(toScreen(v, 100, 50)).toEqual([200, 190]);
    expect(toImage(v, 200, 190)).toEqual([100, 50]);
  });

  it('zooms about the pointer and keeps that image point under it', () => {
    const v = fitView(W, H, 480, 360);
    const z = zoomAt(v, 2, 120, 90, W, H, 480, 360);
    expect(z.scale).toBe(2);
    expect(toImage(z, 120, 90)).toEqual([120, 90]);
  });

  it('never zooms out past the fit nor beyond the limit, and keeps the image covering the view', () => {
    const v = fitView(W, H, 480, 360);
    const [lo, hi] = zoomLimits(W, H, 480, 360);
    expect(zoomAt(v, 0.1, 0, 0, W, H, 480, 360).scale).toBe(lo);
    expect(zoomAt(v, 1000, 0, 0, W, H, 480, 360).scale).toBe(hi);
    const z = zoomAt(v, 2, 0, 0, W, H, 480, 360);
    const panned = clampPan({ ...z, tx: 500, ty: -9999 }, W, H, 480, 360);
    expect(panned.tx).toBe(0);
    expect(panned.ty).toBe(360 - H * 2);
  });

  it('pinches: spreading two fingers zooms in about their midpoint', () => {
    const v = fitView(W, H, 480, 360);
    const p = pinch(v, [200, 180], [280, 180], [160, 180], [320, 180], W, H, 480, 360);
    expect(p.scale).toBeCloseTo(2);
    const [ix, iy] = toImage(p, 240, 180);
    expect(ix).toBeCloseTo(240);
    expect(iy).toBeCloseTo(180);
  });

  it('has the server\'s shortest side: 8 px, a quarter of a tiny picture; answers never under it', () => {
    expect(minSide(640, 480)).toBe(8);
    expect(minSide(16, 40)).toBe(4);
    expect(bigEnough(b(0, 0, 2, 2), W, H)).toBe(false);
    expect(bigEnough(b(0, 0, 8, 30), W, H)).toBe(true);
    expect(bigEnough(b(0, 0, 30, 7.9), W, H)).toBe(false);
    // 7.6 wide from 0.5 rounds to [1, 8): it grows to 8, inside the picture
    expect(toAnswerBoxes([b(0.5, 10, 7.6, 20)], W, H)).toEqual([b(1, 10, 8, 20)]);
    expect(toAnswerBoxes([b(475, 10, 8, 20)], W, H)).toEqual([b(472, 10, 8, 20)]);
  });
});
