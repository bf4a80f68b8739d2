// A rotated box's geometry (crates/mudou-consensus/src/shapes/polygon.rs `RotatedBox`): its
// corners in the picture's y-down pixels, the angle clockwise in degrees.

import type { Pt } from './geometry';

export interface RBox {
  label: string;
  cx: number;
  cy: number;
  w: number;
  h: number;
  /** Degrees clockwise, in (-180, 180]. */
  angle: number;
  attributes?: Record<string, string | boolean>;
}

/** A box's corners (top-left, top-right, bottom-right, bottom-left before turning). */
export function corners(b: RBox): Pt[] {
  const a = (b.angle * Math.PI) / 180;
  const [s, c] = [Math.sin(a), Math.cos(a)];
  return [
    [-b.w / 2, -b.h / 2],
    [b.w / 2, -b.h / 2],
    [b.w / 2, b.h / 2],
    [-b.w / 2, b.h / 2],
  ].map(([x, y]) => [b.cx + x * c - y * s, b.cy + x * s + y * c]);
}

/** Whether every corner is inside the W×H picture. */
export function boxInside(b: RBox, W: number, H: number): boolean {
  return b.w >= 1 && b.h >= 1 && corners(b).every(([x, y]) => x >= -0.01 && y >= -0.01 && x <= W + 0.01 && y <= H + 0.01);
}

/** An angle in (-180, 180], to a tenth of a degree. */
export function normAngle(a: number): number {
  let x = a % 360;
  if (x > 180) x -= 360;
  if (x <= -180) x += 360;
  return Math.round(x * 10) / 10;
}

/** The angle that points the box's top at (x, y). */
export function angleTowards(b: RBox, x: number, y: number): number {
  return normAngle((Math.atan2(y - b.cy, x - b.cx) * 180) / Math.PI + 90);
}

