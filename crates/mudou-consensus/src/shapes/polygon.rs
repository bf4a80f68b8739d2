//! Polygons (holes allowed, several parts allowed) and rotated boxes: area, IoU, validity.
//! The geometry is `geo`'s: areas by its `Area`, intersections by its `BooleanOps`
//! (`i_overlay`), self-crossings by its `Validation`.

use std::cell::RefCell;

use geo::{Area, BooleanOps, BoundingRect, Coord, LineString, MultiPolygon, Validation};
use i_overlay::core::fill_rule::FillRule;
use i_overlay::core::overlay::{IntOverlayOptions, Overlay, ShapeType};
use i_overlay::core::overlay_rule::OverlayRule;
use i_overlay::i_float::int::point::IntPoint;
use i_overlay::i_shape::flat::buffer::FlatContoursBuffer;

/// A point `[x, y]` in picture pixels (x to the right, y down).
pub type Pt = [f64; 2];

/// One polygon: its outer ring and its holes, each ring a list of points (not repeating the
/// first point at the end; a repeated closing point is accepted too).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Polygon {
    /// The outer ring.
    pub exterior: Vec<Pt>,
    /// The holes, each inside the outer ring.
    pub holes: Vec<Vec<Pt>>,
}

impl Polygon {
    /// A polygon without holes.
    pub fn new(exterior: Vec<Pt>) -> Self {
        Self {
            exterior,
            holes: Vec::new(),
        }
    }

    fn to_geo(&self) -> geo::Polygon<f64> {
        geo::Polygon::new(
            ring(&self.exterior),
            self.holes.iter().map(|h| ring(h)).collect(),
        )
    }
}

fn ring(points: &[Pt]) -> LineString<f64> {
    LineString::new(points.iter().map(|p| Coord { x: p[0], y: p[1] }).collect())
}

/// Why a polygon is refused, in words for the person who drew it.
pub fn polygon_problem(p: &Polygon) -> Option<String> {
    if p.exterior
        .iter()
        .chain(p.holes.iter().flatten())
        .any(|c| !(c[0].is_finite() && c[1].is_finite()))
    {
        return Some("a point is not a finite number".into());
    }
    let distinct = |r: &[Pt]| {
        let mut v: Vec<(u64, u64)> = r.iter().map(|c| (c[0].to_bits(), c[1].to_bits())).collect();
        v.sort_unstable();
        v.dedup();
        v.len()
    };
    if distinct(&p.exterior) < 3 {
        return Some("a polygon has at least 3 distinct points".into());
    }
    if let Some(i) = p.holes.iter().position(|h| distinct(h) < 3) {
        return Some(format!("hole {i} has at least 3 distinct points"));
    }
    let g = p.to_geo();
    if let Err(e) = g.check_validation() {
        return Some(match e {
            geo::algorithm::validation::InvalidPolygon::SelfIntersection(_) => {
                "the outline crosses itself".to_owned()
            }
            geo::algorithm::validation::InvalidPolygon::InteriorRingNotContainedInExteriorRing(
                _,
            ) => "a hole is not inside the outline".to_owned(),
            other => other.to_string(),
        });
    }
    if g.exterior().unsigned_area_ring() <= 0.0 {
        return Some("a polygon has an area: its points are not all on one line".into());
    }
    None
}

trait RingArea {
    fn unsigned_area_ring(&self) -> f64;
}

impl RingArea for LineString<f64> {
    fn unsigned_area_ring(&self) -> f64 {
        geo::Polygon::new(self.clone(), Vec::new()).unsigned_area()
    }
}

/// A shape made ready for many IoUs: its `geo` form, area and bounding box.
#[derive(Debug, Clone)]
pub struct PreparedShape {
    shape: MultiPolygon<f64>,
    area: f64,
    /// `[x0, y0, x1, y1]`, or `None` when empty.
    bbox: Option<[f64; 4]>,
}

impl PreparedShape {
    /// One or more polygons (the parts of one object; they should not overlap).
    pub fn new(parts: &[Polygon]) -> Self {
        let shape = MultiPolygon::new(parts.iter().map(Polygon::to_geo).collect());
        let area = shape.unsigned_area();
        let bbox = shape
            .bounding_rect()
            .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y]);
        Self { shape, area, bbox }
    }

    /// The area, holes taken out.
    pub fn area(&self) -> f64 {
        self.area
    }

    /// Intersection over union; 0 when either is empty or they are apart, 1 for the same
    /// points, otherwise right to about 1e-7.
    pub fn iou(&self, other: &PreparedShape) -> f64 {
        if let Some(v) = self.iou_without_clipping(other) {
            return v;
        }
        // `i_overlay` clips on a fixed-point grid: the area is right to about 1e-8 of it.
        self.iou_of(other, self.shape.intersection(&other.shape).unsigned_area())
    }

    /// The IoU when no clipping is needed: 0 for boxes apart or an empty shape, 1 for the
    /// same points.
    fn iou_without_clipping(&self, other: &PreparedShape) -> Option<f64> {
        let (Some(a), Some(b)) = (self.bbox, other.bbox) else {
            return Some(0.0);
        };
        let w = a[2].min(b[2]) - a[0].max(b[0]);
        let h = a[3].min(b[3]) - a[1].max(b[1]);
        if w <= 0.0 || h <= 0.0 || self.area <= 0.0 || other.area <= 0.0 {
            return Some(0.0);
        }
        if self.area == other.area && self.bbox == other.bbox && self.shape == other.shape {
            return Some(1.0);
        }
        None
    }

    /// The IoU given the area in common.
    fn iou_of(&self, other: &PreparedShape, inter: f64) -> f64 {
        let union = self.area + other.area - inter;
        if union > 0.0 {
            (inter / union).clamp(0.0, 1.0)
        } else {
            0.0
        }
    }

    /// An upper bound of [`PreparedShape::iou`] that costs no clipping: the intersection is
    /// at most the smaller area and the overlap of the bounding boxes.
    pub fn iou_bound(&self, other: &PreparedShape) -> f64 {
        let (Some(a), Some(b)) = (self.bbox, other.bbox) else {
            return 0.0;
        };
        let w = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
        let h = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
        let inter = (w * h).min(self.area).min(other.area);
        let union = self.area + other.area - inter;
        if union > 0.0 { inter / union } else { 0.0 }
    }
}

/// The objects of one picture made ready for many pairwise IoUs ([`ShapeSet::iou`], the
/// same as [`PreparedShape::iou`] to about 1e-6). `geo`'s `BooleanOps` puts each pair on a
/// fixed-point grid of its own and runs `i_overlay` on it, then builds `geo` polygons of
/// the result; here every object is put once on one grid for the whole picture and each
/// pair is intersected by `i_overlay` itself (the same engine, one overlay reused), the
/// area in common read exactly on the grid: no conversions, allocations or clean-up of a
/// result per pair (`benches/shapes/RESULTS.md`).
pub struct ShapeSet {
    shapes: Vec<PreparedShape>,
    /// Each object's rings on the grid; `None` when a point is not finite (such an object
    /// goes through `geo`).
    rings: Vec<Option<Vec<Vec<IntPoint>>>>,
    /// Grid units per pixel (a power of two).
    scale: f64,
    /// The overlay and its output, reused pair after pair.
    work: RefCell<(Overlay, FlatContoursBuffer)>,
}

impl ShapeSet {
    /// The objects, each of one or more polygons.
    pub fn new<'a>(objects: impl IntoIterator<Item = &'a [Polygon]>) -> Self {
        let objects: Vec<&[Polygon]> = objects.into_iter().collect();
        let finite = |c: &&Pt| c[0].is_finite() && c[1].is_finite();
        let points = || {
            objects
                .iter()
                .flat_map(|o| o.iter())
                .flat_map(|p| p.exterior.iter().chain(p.holes.iter().flatten()))
        };
        let mut b = [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ];
        for c in points().filter(finite) {
            b = [
                b[0].min(c[0]),
                b[1].min(c[1]),
                b[2].max(c[0]),
                b[3].max(c[1]),
            ];
        }
        // Centred as `i_float`'s adapter does, the largest half side at 2^26 grid units at
        // most (the adapter's 2^29 is finer than needed): the crossing of two edges of tens
        // of pixels then stays within `i_overlay`'s 64-bit division, not its 128-bit loop
        // (a third of the time). A pixel is 2^15 units or more on pictures up to 4096 px;
        // IoUs come out right to about 1e-6.
        let (cx, cy) = ((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0);
        let half = ((b[2] - b[0]) / 2.0).max((b[3] - b[1]) / 2.0);
        let scale = if half.is_finite() && half > 0.0 {
            (26.0 - half.log2().floor()).exp2()
        } else {
            1.0
        };
        let to_grid = |r: &[Pt]| -> Vec<IntPoint> {
            let r = match r {
                [first, rest @ .., last] if first == last && !rest.is_empty() => &r[..r.len() - 1],
                _ => r,
            };
            r.iter()
                .map(|c| {
                    IntPoint::new(
                        ((c[0] - cx) * scale).round() as i32,
                        ((c[1] - cy) * scale).round() as i32,
                    )
                })
                .collect()
        };
        let rings = objects
            .iter()
            .map(|o| {
                let all_finite = o
                    .iter()
                    .flat_map(|p| p.exterior.iter().chain(p.holes.iter().flatten()))
                    .all(|c| finite(&c));
                all_finite.then(|| {
                    o.iter()
                        .flat_map(|p| std::iter::once(&p.exterior).chain(&p.holes))
                        .map(|r| to_grid(r))
                        .collect()
                })
            })
            .collect();
        let shapes = objects.iter().map(|o| PreparedShape::new(o)).collect();
        Self {
            shapes,
            rings,
            scale,
            work: RefCell::new((
                Overlay::new_custom(64, IntOverlayOptions::default(), Default::default()),
                FlatContoursBuffer::default(),
            )),
        }
    }

    /// How many objects.
    pub fn len(&self) -> usize {
        self.shapes.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.shapes.is_empty()
    }

    /// Object `i` made ready alone.
    pub fn shape(&self, i: usize) -> &PreparedShape {
        &self.shapes[i]
    }

    /// IoU of objects `i` and `j`, as [`PreparedShape::iou`].
    pub fn iou(&self, i: usize, j: usize) -> f64 {
        let (a, b) = (&self.shapes[i], &self.shapes[j]);
        if let Some(v) = a.iou_without_clipping(b) {
            return v;
        }
        let (Some(ra), Some(rb)) = (&self.rings[i], &self.rings[j]) else {
            return a.iou(b);
        };
        let mut work = self.work.borrow_mut();
        let (overlay, out) = &mut *work;
        overlay.clear();
        for r in ra {
            overlay.add_contour(r, ShapeType::Subject);
        }
        for r in rb {
            overlay.add_contour(r, ShapeType::Clip);
        }
        // Even-odd, as `geo`'s `BooleanOps`; `overlay_into` leaves the output alone when
        // nothing is left to clip.
        out.points.clear();
        out.ranges.clear();
        overlay.overlay_into(OverlayRule::Intersect, FillRule::EvenOdd, out);
        // Outlines and holes turn opposite ways: their signed areas add up to the region's.
        let twice: i128 = out
            .ranges
            .iter()
            .map(|r| twice_signed_area(&out.points[r.clone()]))
            .sum();
        a.iou_of(
            b,
            twice.unsigned_abs() as f64 / 2.0 / (self.scale * self.scale),
        )
    }

    /// [`PreparedShape::iou_bound`] of objects `i` and `j`.
    pub fn iou_bound(&self, i: usize, j: usize) -> f64 {
        self.shapes[i].iou_bound(&self.shapes[j])
    }
}

/// Twice the signed area of a ring on the grid, exactly (taken from its first point so the
/// products stay small).
fn twice_signed_area(ring: &[IntPoint]) -> i128 {
    let Some(&o) = ring.first() else {
        return 0;
    };
    let d = |p: &IntPoint| {
        (
            i64::from(p.x) - i64::from(o.x),
            i64::from(p.y) - i64::from(o.y),
        )
    };
    ring.windows(2)
        .map(|w| {
            let ((x0, y0), (x1, y1)) = (d(&w[0]), d(&w[1]));
            i128::from(x0) * i128::from(y1) - i128::from(x1) * i128::from(y0)
        })
        .sum()
}

/// IoU of two polygons (holes taken out).
pub fn polygon_iou(a: &Polygon, b: &Polygon) -> f64 {
    PreparedShape::new(std::slice::from_ref(a)).iou(&PreparedShape::new(std::slice::from_ref(b)))
}

/// IoU of two objects of several parts each.
pub fn multi_polygon_iou(a: &[Polygon], b: &[Polygon]) -> f64 {
    PreparedShape::new(a).iou(&PreparedShape::new(b))
}

/// A box of centre `(cx, cy)`, width `w`, height `h`, turned by `angle` degrees clockwise on
/// the picture (y down), as drawn by the editor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RotatedBox {
    /// Centre x.
    pub cx: f64,
    /// Centre y.
    pub cy: f64,
    /// Width (along the box's own x axis).
    pub w: f64,
    /// Height.
    pub h: f64,
    /// Degrees, clockwise on the screen.
    pub angle: f64,
}

impl RotatedBox {
    /// Its four corners, clockwise on the screen from the top left before the turn.
    pub fn corners(&self) -> [Pt; 4] {
        let (s, c) = self.angle.to_radians().sin_cos();
        let (hw, hh) = (self.w / 2.0, self.h / 2.0);
        [(-hw, -hh), (hw, -hh), (hw, hh), (-hw, hh)].map(|(x, y)| {
            // In y-down picture coordinates this turns clockwise on the screen.
            [self.cx + x * c - y * s, self.cy + x * s + y * c]
        })
    }

    /// The box as a polygon.
    pub fn polygon(&self) -> Polygon {
        Polygon::new(self.corners().to_vec())
    }
}

/// IoU of two rotated boxes, through their polygons.
pub fn rotated_box_iou(a: &RotatedBox, b: &RotatedBox) -> f64 {
    polygon_iou(&a.polygon(), &b.polygon())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x: f64, y: f64, s: f64) -> Polygon {
        Polygon::new(vec![[x, y], [x + s, y], [x + s, y + s], [x, y + s]])
    }

    #[test]
    fn iou_of_squares() {
        let a = square(0.0, 0.0, 2.0);
        let b = square(1.0, 0.0, 2.0);
        assert!((polygon_iou(&a, &b) - 2.0 / 6.0).abs() < 1e-9);
        assert!((polygon_iou(&a, &a) - 1.0).abs() < 1e-12);
        assert_eq!(polygon_iou(&a, &square(5.0, 5.0, 1.0)), 0.0);
        // Touching along an edge: no area in common.
        assert_eq!(polygon_iou(&a, &square(2.0, 0.0, 2.0)), 0.0);
    }

    #[test]
    fn holes_are_taken_out() {
        let mut donut = square(0.0, 0.0, 4.0);
        donut
            .holes
            .push(vec![[1.0, 1.0], [3.0, 1.0], [3.0, 3.0], [1.0, 3.0]]);
        assert!((PreparedShape::new(std::slice::from_ref(&donut)).area() - 12.0).abs() < 1e-9);
        // The hole's square against the donut: nothing in common.
        assert!(polygon_iou(&donut, &square(1.0, 1.0, 2.0)) < 1e-9);
        // The full square covers the donut: 12 / 16.
        assert!((polygon_iou(&donut, &square(0.0, 0.0, 4.0)) - 0.75).abs() < 1e-9);
        assert_eq!(polygon_problem(&donut), None);
    }

    #[test]
    fn two_parts_count_as_one_object() {
        let a = [square(0.0, 0.0, 1.0), square(10.0, 0.0, 1.0)];
        let b = [square(0.0, 0.0, 1.0)];
        assert!((multi_polygon_iou(&a, &b) - 0.5).abs() < 1e-9);
        assert!((multi_polygon_iou(&a, &a) - 1.0).abs() < 1e-9);
    }

    #[test]
    fn problems_are_named() {
        let bowtie = Polygon::new(vec![[0.0, 0.0], [2.0, 2.0], [2.0, 0.0], [0.0, 2.0]]);
        assert_eq!(
            polygon_problem(&bowtie).as_deref(),
            Some("the outline crosses itself")
        );
        let line = Polygon::new(vec![[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]]);
        assert!(polygon_problem(&line).is_some());
        let two = Polygon::new(vec![[0.0, 0.0], [1.0, 1.0], [0.0, 0.0]]);
        assert!(polygon_problem(&two).unwrap().contains("3 distinct"));
        let mut outside = square(0.0, 0.0, 2.0);
        outside.holes.push(vec![[5.0, 5.0], [6.0, 5.0], [6.0, 6.0]]);
        assert_eq!(
            polygon_problem(&outside).as_deref(),
            Some("a hole is not inside the outline")
        );
        assert_eq!(polygon_problem(&square(0.0, 0.0, 1.0)), None);
        let nan = Polygon::new(vec![[0.0, f64::NAN], [1.0, 0.0], [1.0, 1.0]]);
        assert!(polygon_problem(&nan).is_some());
    }

    #[test]
    fn rotated_boxes() {
        let a = RotatedBox {
            cx: 0.0,
            cy: 0.0,
            w: 2.0,
            h: 2.0,
            angle: 0.0,
        };
        let b = RotatedBox { angle: 90.0, ..a };
        assert!((rotated_box_iou(&a, &b) - 1.0).abs() < 1e-9);
        // A square turned by 45° over itself: the octagon's area is 8(√2 − 1).
        let c = RotatedBox { angle: 45.0, ..a };
        let inter = 8.0 * (2f64.sqrt() - 1.0);
        assert!((rotated_box_iou(&a, &c) - inter / (8.0 - inter)).abs() < 1e-9);
        // Clockwise on the screen: the right-hand middle of a long box goes down.
        let long = RotatedBox {
            cx: 0.0,
            cy: 0.0,
            w: 4.0,
            h: 0.0,
            angle: 90.0,
        };
        let k = long.corners();
        assert!((k[1][0]).abs() < 1e-9 && (k[1][1] - 2.0).abs() < 1e-9);
    }
}
