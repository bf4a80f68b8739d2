//! Masks as COCO run-length encodings, as pycocotools keeps them: the picture read column
//! by column (x outer, y inner: Fortran order), `counts` the lengths of alternating runs,
//! background first (a mask starting with foreground starts with a run of 0).
//!
//! Polygons become masks by pycocotools' own method (`rleFrPoly`, used by `frPyObjects`),
//! ported line by line: the outline is walked at 5× resolution, the points where it crosses
//! a pixel column's centre are kept (rounded down the column: `ceil`), and the runs are read
//! between those crossings. A pixel is in the mask when its centre is inside the outline,
//! with pycocotools' rounding at the edges. Holes are rasterised the same way and taken out;
//! several parts are united, as pycocotools' `merge` does.

use super::polygon::{Polygon, Pt};
use crate::error::{Result, invalid};

/// A run-length encoded mask of a `height × width` picture.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rle {
    /// Picture height in pixels.
    pub height: u32,
    /// Picture width in pixels.
    pub width: u32,
    /// Alternating run lengths, background first, column-major; they add up to
    /// `height × width`.
    pub counts: Vec<u32>,
}

/// Appends runs, merging neighbours of the same value.
struct Runs(Vec<u32>);

impl Runs {
    fn push(&mut self, on: bool, n: u32) {
        if n == 0 {
            return;
        }
        match self.0.len() {
            0 if on => self.0.extend([0, n]),
            0 => self.0.push(n),
            len => {
                let last_on = len % 2 == 0;
                if last_on == on {
                    self.0[len - 1] += n;
                } else {
                    self.0.push(n);
                }
            }
        }
    }
}

impl Rle {
    /// Checks the counts add up to the picture.
    pub fn new(height: u32, width: u32, counts: Vec<u32>) -> Result<Self> {
        let total: u64 = counts.iter().map(|&c| u64::from(c)).sum();
        if total != u64::from(height) * u64::from(width) {
            return Err(invalid(
                "counts",
                format!(
                    "the runs cover {total} pixels, the {width}×{height} picture has {}",
                    u64::from(height) * u64::from(width)
                ),
            ));
        }
        Ok(Self {
            height,
            width,
            counts,
        })
    }

    /// An empty mask.
    pub fn empty(height: u32, width: u32) -> Self {
        let n = height * width;
        Self {
            height,
            width,
            counts: if n > 0 { vec![n] } else { Vec::new() },
        }
    }

    /// Encodes a mask given row by row (`mask[y * width + x]`, non-zero = in).
    pub fn encode(height: u32, width: u32, mask: &[u8]) -> Result<Self> {
        let (h, w) = (height as usize, width as usize);
        if mask.len() != h * w {
            return Err(invalid(
                "mask",
                format!("{} pixels for a {width}×{height} picture", mask.len()),
            ));
        }
        let mut runs = Runs(Vec::new());
        for x in 0..w {
            for y in 0..h {
                runs.push(mask[y * w + x] != 0, 1);
            }
        }
        Ok(Self {
            height,
            width,
            counts: runs.0,
        })
    }

    /// The mask row by row (`[y * width + x]`, 1 = in).
    pub fn decode(&self) -> Vec<u8> {
        let (h, w) = (self.height as usize, self.width as usize);
        let mut out = vec![0u8; h * w];
        let mut at = 0usize;
        for (i, &c) in self.counts.iter().enumerate() {
            if i % 2 == 1 {
                for p in at..at + c as usize {
                    let (x, y) = (p / h.max(1), p % h.max(1));
                    if x < w {
                        out[y * w + x] = 1;
                    }
                }
            }
            at += c as usize;
        }
        out
    }

    /// Pixels in the mask.
    pub fn area(&self) -> u64 {
        self.counts
            .iter()
            .skip(1)
            .step_by(2)
            .map(|&c| u64::from(c))
            .sum()
    }

    /// Walks both masks' runs together, handing each stretch (its length, whether it is in
    /// `self`, whether in `other`) to `f`.
    fn walk(&self, other: &Rle, mut f: impl FnMut(u32, bool, bool)) {
        let (a, b) = (&self.counts, &other.counts);
        let (mut ia, mut ib) = (0usize, 0usize);
        let (mut ra, mut rb) = (
            a.first().copied().unwrap_or(0),
            b.first().copied().unwrap_or(0),
        );
        loop {
            while ra == 0 && ia + 1 < a.len() {
                ia += 1;
                ra = a[ia];
            }
            while rb == 0 && ib + 1 < b.len() {
                ib += 1;
                rb = b[ib];
            }
            if ra == 0 || rb == 0 {
                break;
            }
            let c = ra.min(rb);
            f(c, ia % 2 == 1, ib % 2 == 1);
            ra -= c;
            rb -= c;
        }
    }

    fn combine(&self, other: &Rle, op: impl Fn(bool, bool) -> bool) -> Rle {
        let mut out = Runs(Vec::new());
        self.walk(other, |c, a, b| out.push(op(a, b), c));
        Rle {
            height: self.height,
            width: self.width,
            counts: out.0,
        }
    }

    /// Pixels in either mask (the pictures' sizes must match).
    pub fn union(&self, other: &Rle) -> Rle {
        self.combine(other, |a, b| a || b)
    }

    /// Pixels in both masks.
    pub fn intersection(&self, other: &Rle) -> Rle {
        self.combine(other, |a, b| a && b)
    }

    /// Pixels in this mask and not in `other`.
    pub fn difference(&self, other: &Rle) -> Rle {
        self.combine(other, |a, b| a && !b)
    }

    /// Intersection over union; 0 when both are empty or the sizes differ.
    pub fn iou(&self, other: &Rle) -> f64 {
        if (self.height, self.width) != (other.height, other.width) {
            return 0.0;
        }
        iou_of(self.area(), other.area(), self.intersection_area(other))
    }

    /// Pixels in both masks (the pictures' sizes must match), without building the mask.
    pub fn intersection_area(&self, other: &Rle) -> u64 {
        let mut inter = 0u64;
        self.walk(other, |c, a, b| {
            if a && b {
                inter += u64::from(c);
            }
        });
        inter
    }

    /// The smallest box of whole pixels holding the mask, `[x0, y0, x1, y1]` inclusive;
    /// `None` when empty.
    pub fn bbox(&self) -> Option<[u32; 4]> {
        let h = u64::from(self.height.max(1));
        let mut b: Option<[u64; 4]> = None;
        let mut at = 0u64;
        for (i, &c) in self.counts.iter().enumerate() {
            if i % 2 == 1 && c > 0 {
                let (first, last) = (at, at + u64::from(c) - 1);
                let (x0, x1) = (first / h, last / h);
                // A run over a column's end covers its last row and the next one's first.
                let (y0, y1) = if x0 == x1 {
                    (first % h, last % h)
                } else {
                    (0, h - 1)
                };
                b = Some(match b {
                    None => [x0, y0, x1, y1],
                    Some(o) => [o[0].min(x0), o[1].min(y0), o[2].max(x1), o[3].max(y1)],
                });
            }
            at += u64::from(c);
        }
        b.map(|b| b.map(|v| v as u32))
    }

    /// The pixels at least `need` of `masks` cover (a vote; `need = masks.len() / 2 + 1` is a
    /// strict majority). All masks must be of one size; `None` when there are none or the
    /// sizes differ.
    pub fn vote(masks: &[&Rle], need: usize) -> Option<Rle> {
        let first = masks.first()?;
        let (h, w) = (first.height, first.width);
        if masks.iter().any(|m| (m.height, m.width) != (h, w)) {
            return None;
        }
        // +1 where a run of some mask starts, −1 where it ends, swept in order.
        let mut events: Vec<(u64, i32)> = Vec::new();
        for m in masks {
            let mut at = 0u64;
            for (i, &c) in m.counts.iter().enumerate() {
                if i % 2 == 1 && c > 0 {
                    events.push((at, 1));
                    events.push((at + u64::from(c), -1));
                }
                at += u64::from(c);
            }
        }
        events.sort_unstable();
        let total = u64::from(h) * u64::from(w);
        let mut out = Runs(Vec::new());
        let (mut depth, mut at) = (0i64, 0u64);
        for (pos, d) in events {
            if pos > at {
                out.push(depth >= need as i64, (pos - at) as u32);
                at = pos;
            }
            depth += i64::from(d);
        }
        if total > at {
            out.push(false, (total - at) as u32);
        }
        Some(Rle {
            height: h,
            width: w,
            counts: out.0,
        })
    }

    /// pycocotools' compressed form of the counts (`rleToString`: LEB128-like, 6 bits a
    /// character from `0`, each count after the second as a difference to the one two back).
    pub fn to_compressed(&self) -> String {
        let mut s = String::new();
        for (i, &c) in self.counts.iter().enumerate() {
            let mut x = i64::from(c);
            if i > 2 {
                x -= i64::from(self.counts[i - 2]);
            }
            loop {
                let mut ch = (x & 0x1f) as u8;
                x >>= 5;
                let more = if ch & 0x10 != 0 { x != -1 } else { x != 0 };
                if more {
                    ch |= 0x20;
                }
                s.push((ch + 48) as char);
                if !more {
                    break;
                }
            }
        }
        s
    }

    /// Reads pycocotools' compressed counts (`rleFrString`) for a `height × width` picture.
    pub fn from_compressed(height: u32, width: u32, s: &str) -> Result<Self> {
        let bytes = s.as_bytes();
        let mut counts: Vec<u32> = Vec::new();
        let mut p = 0usize;
        while p < bytes.len() {
            let (mut x, mut k, mut more) = (0i64, 0u32, true);
            while more {
                let Some(&b) = bytes.get(p) else {
                    return Err(invalid(
                        "counts",
                        "the compressed counts end inside a number",
                    ));
                };
                if !(48..48 + 64).contains(&b) || k > 12 {
                    return Err(invalid("counts", "not pycocotools' compressed counts"));
                }
                let c = i64::from(b - 48);
                x |= (c & 0x1f) << (5 * k);
                more = c & 0x20 != 0;
                p += 1;
                k += 1;
                if !more && c & 0x10 != 0 {
                    x |= -1i64 << (5 * k);
                }
            }
            let m = counts.len();
            if m > 2 {
                x += i64::from(counts[m - 2]);
            }
            let c =
                u32::try_from(x).map_err(|_| invalid("counts", "a run is negative or too long"))?;
            counts.push(c);
        }
        Rle::new(height, width, counts)
    }

    /// A polygon's mask as pycocotools draws it (see the module's words): holes taken out.
    pub fn from_polygon(p: &Polygon, height: u32, width: u32) -> Rle {
        let mut out = fr_poly(&p.exterior, height, width);
        for hole in &p.holes {
            out = out.difference(&fr_poly(hole, height, width));
        }
        out
    }

    /// Several polygons united (the parts of one object).
    pub fn from_polygons(parts: &[Polygon], height: u32, width: u32) -> Rle {
        parts
            .iter()
            .map(|p| Rle::from_polygon(p, height, width))
            .reduce(|a, b| a.union(&b))
            .unwrap_or_else(|| Rle::empty(height, width))
    }
}

/// IoU from the two areas and the one in common (0 when the union is empty).
fn iou_of(a: u64, b: u64, inter: u64) -> f64 {
    let union = a + b - inter;
    if union == 0 {
        0.0
    } else {
        inter as f64 / union as f64
    }
}

/// Masks of one picture made ready for many pairwise IoUs: each one's area and box read
/// once, so a pair whose boxes are apart costs nothing and [`MaskSet::iou_bound`] is
/// free.
#[derive(Debug, Clone)]
pub struct MaskSet<'a> {
    masks: Vec<&'a Rle>,
    areas: Vec<u64>,
    boxes: Vec<Option<[u32; 4]>>,
}

impl<'a> MaskSet<'a> {
    /// The masks.
    pub fn new(masks: impl IntoIterator<Item = &'a Rle>) -> Self {
        let masks: Vec<&Rle> = masks.into_iter().collect();
        Self {
            areas: masks.iter().map(|m| m.area()).collect(),
            boxes: masks.iter().map(|m| m.bbox()).collect(),
            masks,
        }
    }

    /// Pixels in mask `i`.
    pub fn area(&self, i: usize) -> u64 {
        self.areas[i]
    }

    /// Pixels both boxes hold (0 when either mask is empty or they differ in size).
    fn box_overlap(&self, i: usize, j: usize) -> u64 {
        let (a, b) = (self.masks[i], self.masks[j]);
        if (a.height, a.width) != (b.height, b.width) {
            return 0;
        }
        let (Some(p), Some(q)) = (self.boxes[i], self.boxes[j]) else {
            return 0;
        };
        let w = i64::from(p[2].min(q[2])) - i64::from(p[0].max(q[0])) + 1;
        let h = i64::from(p[3].min(q[3])) - i64::from(p[1].max(q[1])) + 1;
        if w <= 0 || h <= 0 { 0 } else { (w * h) as u64 }
    }

    /// IoU of masks `i` and `j`, the same as [`Rle::iou`].
    pub fn iou(&self, i: usize, j: usize) -> f64 {
        let inter = if self.box_overlap(i, j) == 0 {
            0
        } else {
            self.masks[i].intersection_area(self.masks[j])
        };
        iou_of(self.areas[i], self.areas[j], inter)
    }

    /// An upper bound of [`MaskSet::iou`]: the pixels in common are at most the smaller
    /// area and the boxes' overlap.
    pub fn iou_bound(&self, i: usize, j: usize) -> f64 {
        let most = self.box_overlap(i, j).min(self.areas[i]).min(self.areas[j]);
        iou_of(self.areas[i], self.areas[j], most)
    }
}

/// pycocotools' `rleFrPoly` (maskApi.c), ported: the same integer steps and roundings.
fn fr_poly(xy: &[Pt], h: u32, w: u32) -> Rle {
    let k = xy.len();
    if k == 0 || h == 0 || w == 0 {
        return Rle::empty(h, w);
    }
    let scale = 5.0;
    // C's (int) cast truncates toward zero, as `as i64` does.
    let mut x: Vec<i64> = xy.iter().map(|p| (scale * p[0] + 0.5) as i64).collect();
    let mut y: Vec<i64> = xy.iter().map(|p| (scale * p[1] + 0.5) as i64).collect();
    x.push(x[0]);
    y.push(y[0]);
    // The walk's points (u, v) go by one at a time (pycocotools stores the whole walk, then
    // reads it): each step between two points of different u that crosses a column's
    // centre gives a crossing. Within an edge walked along x, only every fifth step can.
    let (hf, wf) = (f64::from(h), f64::from(w));
    // About one crossing for every 5 units walked along x, and the end.
    let along_x: i64 = x.windows(2).map(|p| (p[1] - p[0]).abs()).sum();
    let mut a: Vec<u64> = Vec::with_capacity((along_x / 5).max(0) as usize + k + 2);
    // The step from (u0, v0) to (u1, v1), u0 ≠ u1; `xs` the smaller u.
    let mut cross = |xs: i64, v0: i64, v1: i64| {
        // pycocotools: xd = (xs + 0.5) / 5 − 0.5 must be a whole number, i.e. xs = 5k + 2
        // (the float sum and quotient are exact there, and elsewhere a fifth or more from
        // whole, for any picture under 2^47 px).
        if xs.rem_euclid(5) != 2 {
            return;
        }
        let xd = ((xs as f64 + 0.5) / scale - 0.5) as i64;
        if xd < 0 || xd as f64 > wf - 1.0 {
            return;
        }
        let yd = ((v0.min(v1) as f64 + 0.5) / scale - 0.5).clamp(0.0, hf);
        // `ceil` of a number in [0, h], without the library call.
        let whole = yd as u64;
        let yd = whole + u64::from((whole as f64) < yd);
        a.push(xd as u64 * u64::from(h) + yd);
    };
    let mut prev: Option<(i64, i64)> = None;
    for j in 0..k {
        let (mut xs, mut xe, mut ys, mut ye) = (x[j], x[j + 1], y[j], y[j + 1]);
        let dx = (xe - xs).abs();
        let dy = (ys - ye).abs();
        let flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
        if flip {
            std::mem::swap(&mut xs, &mut xe);
            std::mem::swap(&mut ys, &mut ye);
        }
        let s = if dx >= dy {
            if dx == 0 {
                0.0
            } else {
                (ye - ys) as f64 / dx as f64
            }
        } else {
            (xe - xs) as f64 / dy as f64
        };
        // The walk goes t = 0..=d, or d..=0 when flipped.
        let ends = |d: i64| if flip { (d, 0) } else { (0, d) };
        if dx >= dy {
            let v = |t: i64| (ys as f64 + s * t as f64 + 0.5) as i64;
            let (t0, t1) = ends(dx);
            if let Some((pu, pv)) = prev
                && pu != t0 + xs
            {
                cross(pu.min(t0 + xs), pv, v(t0));
            }
            // Neighbours t and t + 1: u = xs + t and xs + t + 1, the smaller xs + t.
            let mut t = (2 - xs).rem_euclid(5);
            while t < dx {
                cross(xs + t, v(t), v(t + 1));
                t += 5;
            }
            prev = Some((t1 + xs, v(t1)));
        } else {
            // Along y, u = xs + s·t (rounded) moves by at most one a step and only one way:
            // jump from one column centre (u = 5k + 2) to the next instead of walking.
            let u = |t: i64| (xs as f64 + s * t as f64 + 0.5) as i64;
            let (t0, t1) = ends(dy);
            let u0 = u(t0);
            if let Some((pu, pv)) = prev
                && pu != u0
            {
                cross(pu.min(u0), pv, t0 + ys);
            }
            let (ua, ub) = (u(0), u(dy));
            if ua != ub {
                let rising = ub > ua;
                // The first target: the least c ≥ ua (rising) or the greatest c < ua
                // (falling) with c = 5k + 2.
                let mut c = if rising {
                    ua + (2 - ua).rem_euclid(5)
                } else {
                    ua - 1 - (ua - 3).rem_euclid(5)
                };
                // u(lo) ≤ c when rising, > c when falling.
                let mut lo = 0;
                while (rising && c < ub) || (!rising && c >= ub) {
                    // The first t past lo beyond c (u > c rising, u ≤ c falling): from the
                    // line's own estimate, then step by step on the exact u (monotone in t).
                    let past = |t: i64| if rising { u(t) > c } else { u(t) <= c };
                    let est = ((c as f64 + 0.5 - xs as f64) / s) as i64;
                    let mut t = est.clamp(lo + 1, dy);
                    while t > lo + 1 && past(t - 1) {
                        t -= 1;
                    }
                    while !past(t) {
                        t += 1;
                    }
                    // The step t − 1 → t; its smaller u must be c itself.
                    if (if rising { u(t - 1) } else { u(t) }) == c {
                        cross(c, t - 1 + ys, t + ys);
                    }
                    lo = t - 1;
                    c += if rising { 5 } else { -5 };
                }
            }
            prev = Some((u(t1), t1 + ys));
        }
    }
    runs_from_crossings(a, h, w)
}

/// The runs of an `h` × `w` mask from the column-major pixel positions `a` where the
/// outline crosses a column (pycocotools' last step of `rleFrPoly`: sorted, differenced,
/// zero-length runs folded into the run before).
fn runs_from_crossings(mut a: Vec<u64>, h: u32, w: u32) -> Rle {
    a.push(u64::from(h) * u64::from(w));
    a.sort_unstable();
    let mut prev = 0u64;
    for e in a.iter_mut() {
        let t = *e;
        *e -= prev;
        prev = t;
    }
    let mut b: Vec<u32> = vec![a[0] as u32];
    let mut j = 1;
    while j < a.len() {
        if a[j] > 0 {
            b.push(a[j] as u32);
            j += 1;
        } else {
            j += 1;
            if j < a.len() {
                if let Some(last) = b.last_mut() {
                    *last += a[j] as u32;
                }
                j += 1;
            }
        }
    }
    Rle {
        height: h,
        width: w,
        counts: b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The first port of `rleFrPoly`, line by line (the whole walk stored, then read), to
    /// hold the faster one to.
    fn fr_poly_as_pycocotools(xy: &[Pt], h: u32, w: u32) -> Rle {
        let k = xy.len();
        if k == 0 || h == 0 || w == 0 {
            return Rle::empty(h, w);
        }
        let scale = 5.0;
        // C's (int) cast truncates toward zero, as `as i64` does.
        let mut x: Vec<i64> = xy.iter().map(|p| (scale * p[0] + 0.5) as i64).collect();
        let mut y: Vec<i64> = xy.iter().map(|p| (scale * p[1] + 0.5) as i64).collect();
        x.push(x[0]);
        y.push(y[0]);
        let mut u: Vec<i64> = Vec::new();
        let mut v: Vec<i64> = Vec::new();
        for j in 0..k {
            let (mut xs, mut xe, mut ys, mut ye) = (x[j], x[j + 1], y[j], y[j + 1]);
            let dx = (xe - xs).abs();
            let dy = (ys - ye).abs();
            let flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
            if flip {
                std::mem::swap(&mut xs, &mut xe);
                std::mem::swap(&mut ys, &mut ye);
            }
            let s = if dx >= dy {
                if dx == 0 {
                    0.0
                } else {
                    (ye - ys) as f64 / dx as f64
                }
            } else {
                (xe - xs) as f64 / dy as f64
            };
            if dx >= dy {
                for d in 0..=dx {
                    let t = if flip { dx - d } else { d };
                    u.push(t + xs);
                    v.push((ys as f64 + s * t as f64 + 0.5) as i64);
                }
            } else {
                for d in 0..=dy {
                    let t = if flip { dy - d } else { d };
                    v.push(t + ys);
                    u.push((xs as f64 + s * t as f64 + 0.5) as i64);
                }
            }
        }
        // Points along the y-boundary, down-sampled.
        let (hf, wf) = (f64::from(h), f64::from(w));
        let mut a: Vec<u64> = Vec::new();
        for j in 1..u.len() {
            if u[j] == u[j - 1] {
                continue;
            }
            let xd = (if u[j] < u[j - 1] { u[j] } else { u[j] - 1 }) as f64;
            let xd = (xd + 0.5) / scale - 0.5;
            if xd.floor() != xd || xd < 0.0 || xd > wf - 1.0 {
                continue;
            }
            let yd = (if v[j] < v[j - 1] { v[j] } else { v[j - 1] }) as f64;
            let yd = ((yd + 0.5) / scale - 0.5).clamp(0.0, hf).ceil();
            a.push(xd as u64 * u64::from(h) + yd as u64);
        }
        super::runs_from_crossings(a, h, w)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Random outlines (crossing themselves, off the picture, on a line, tiny or long):
        /// the same runs as the line-by-line port.
        #[test]
        fn rasterising_is_the_line_by_line_port(
            points in proptest::collection::vec((-30.0f64..130.0, -30.0f64..130.0), 0..12),
            h in 1u32..90,
            w in 1u32..90,
            grid in proptest::bool::ANY,
        ) {
            // Half the cases on a grid of 0.2 px, where the walk meets column centres exactly.
            let xy: Vec<Pt> = points
                .iter()
                .map(|p| if grid { [(p.0 * 5.0).round() / 5.0, (p.1 * 5.0).round() / 5.0] } else { [p.0, p.1] })
                .collect();
            prop_assert_eq!(fr_poly(&xy, h, w), fr_poly_as_pycocotools(&xy, h, w));
        }
    }

    #[test]
    fn encode_decode_round_trip() {
        // 3 rows × 4 columns; column-major runs.
        let mask = [0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0];
        let r = Rle::encode(3, 4, &mask).unwrap();
        // Columns: x0 = [0,0,0], x1 = [1,1,0], x2 = [1,1,0], x3 = [0,0,0].
        assert_eq!(r.counts, vec![3, 2, 1, 2, 4]);
        assert_eq!(r.decode(), mask.to_vec());
        assert_eq!(r.area(), 4);
        let full = Rle::encode(2, 2, &[1, 1, 1, 1]).unwrap();
        assert_eq!(full.counts, vec![0, 4]);
        assert!(Rle::new(2, 2, vec![1, 2]).is_err());
        assert!(Rle::encode(2, 2, &[1]).is_err());
    }

    #[test]
    fn iou_and_set_operations() {
        let a = Rle::encode(2, 3, &[1, 1, 0, 1, 1, 0]).unwrap();
        let b = Rle::encode(2, 3, &[0, 1, 1, 0, 1, 1]).unwrap();
        assert_eq!(a.intersection(&b).area(), 2);
        assert_eq!(a.union(&b).area(), 6);
        assert_eq!(a.difference(&b).area(), 2);
        assert!((a.iou(&b) - 2.0 / 6.0).abs() < 1e-12);
        assert_eq!(a.iou(&a), 1.0);
        assert_eq!(a.iou(&Rle::empty(2, 3)), 0.0);
        assert_eq!(a.iou(&Rle::empty(3, 2)), 0.0);
    }

    #[test]
    fn majority_vote() {
        let a = Rle::encode(1, 4, &[1, 1, 0, 0]).unwrap();
        let b = Rle::encode(1, 4, &[0, 1, 1, 0]).unwrap();
        let c = Rle::encode(1, 4, &[0, 1, 0, 1]).unwrap();
        let v = Rle::vote(&[&a, &b, &c], 2).unwrap();
        assert_eq!(v.decode(), vec![0, 1, 0, 0]);
        assert_eq!(Rle::vote(&[&a, &a, &b], 2).unwrap(), a);
        assert_eq!(Rle::vote(&[&a, &b, &c], 1).unwrap().area(), 4);
        assert!(Rle::vote(&[&a, &Rle::empty(2, 2)], 1).is_none());
    }

    #[test]
    fn compressed_counts_round_trip() {
        let r = Rle::new(10, 10, vec![5, 20, 3, 40, 1, 31]).unwrap();
        let s = r.to_compressed();
        assert_eq!(Rle::from_compressed(10, 10, &s).unwrap(), r);
        // A count smaller than the one two back encodes a negative difference.
        let r = Rle::new(100, 100, vec![0, 9000, 10, 500, 490]).unwrap();
        assert_eq!(
            Rle::from_compressed(100, 100, &r.to_compressed()).unwrap(),
            r
        );
        assert!(Rle::from_compressed(10, 10, "\u{7f}").is_err());
        assert!(Rle::from_compressed(10, 10, &r.to_compressed()).is_err());
    }

    #[test]
    fn a_square_polygon_covers_its_pixels() {
        // Pixel centres 2..=5 on both axes are inside [1.5, 5.5]: a 4 × 4 block.
        let sq = Polygon::new(vec![[1.5, 1.5], [5.5, 1.5], [5.5, 5.5], [1.5, 5.5]]);
        let r = Rle::from_polygon(&sq, 8, 8);
        let m = r.decode();
        assert_eq!(r.area(), 16);
        for y in 0..8 {
            for x in 0..8 {
                let inside = (2..=5).contains(&x) && (2..=5).contains(&y);
                assert_eq!(m[y * 8 + x] == 1, inside, "({x}, {y})");
            }
        }
        let mut donut = Polygon::new(vec![[0.0, 0.0], [8.0, 0.0], [8.0, 8.0], [0.0, 8.0]]);
        donut
            .holes
            .push(vec![[1.5, 1.5], [5.5, 1.5], [5.5, 5.5], [1.5, 5.5]]);
        let d = Rle::from_polygon(&donut, 8, 8);
        assert_eq!(d.intersection(&r).area(), 0);
        assert_eq!(
            d.area() + r.area(),
            Rle::from_polygon(&Polygon::new(donut.exterior.clone()), 8, 8).area()
        );
    }
}
