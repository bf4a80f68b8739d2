//! Polygons (holes allowed, several parts allowed) and rotated boxes: area, IoU, validity.
//! The geometry is `geo`'s: areas by its `Area`, intersections by its `BooleanOps`
//! (`i_overlay`), self-crossings by its `Validation`.

use geo::{Area, BooleanOps, BoundingRect, Coord, LineString, MultiPolygon, Validation};

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
        let (Some(a), Some(b)) = (self.bbox, other.bbox) else {
            return 0.0;
        };
        let w = a[2].min(b[2]) - a[0].max(b[0]);
        let h = a[3].min(b[3]) - a[1].max(b[1]);
        if w <= 0.0 || h <= 0.0 || self.area <= 0.0 || other.area <= 0.0 {
            return 0.0;
        }
        if self.area == other.area && self.bbox == other.bbox && self.shape == other.shape {
            return 1.0;
        }
        // `i_overlay` clips on a fixed-point grid: the area is right to about 1e-8 of it.
        let inter = self.shape.intersection(&other.shape).unsigned_area();
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
