//! Lines (polylines): how close two are along their whole length.
//!
//! Both lines are sampled at equal arc-length steps (at most a quarter of the tolerance
//! apart, between 8 and 256 samples); each sample's distance to the other line (`geo`'s
//! Euclidean point–line-string distance) is averaged, both ways, and the two means averaged:
//! a symmetric mean distance that does not care which end a line was started from. With a
//! tolerance `t` in pixels the similarity is `max(0, 1 − d / t)`: 1 for the same line, 0.5
//! when the lines are on average half the tolerance apart, 0 at the tolerance and beyond.

use geo::{Coord, Distance, Euclidean, LineString, Point};

use super::polygon::Pt;

/// A line made ready for many comparisons: its `geo` form, length and bounding box.
#[derive(Debug, Clone)]
pub struct PreparedLine {
    line: LineString<f64>,
    points: Vec<Pt>,
    length: f64,
    bbox: [f64; 4],
}

impl PreparedLine {
    /// A line through `points` (two or more).
    pub fn new(points: &[Pt]) -> Self {
        let line = LineString::new(points.iter().map(|p| Coord { x: p[0], y: p[1] }).collect());
        let length = points
            .windows(2)
            .map(|w| (w[1][0] - w[0][0]).hypot(w[1][1] - w[0][1]))
            .sum();
        let mut bbox = [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ];
        for p in points {
            bbox = [
                bbox[0].min(p[0]),
                bbox[1].min(p[1]),
                bbox[2].max(p[0]),
                bbox[3].max(p[1]),
            ];
        }
        Self {
            line,
            points: points.to_vec(),
            length,
            bbox,
        }
    }

    /// Its length in pixels.
    pub fn length(&self) -> f64 {
        self.length
    }

    /// `n ≥ 2` points at equal steps along the line, both ends included.
    fn samples(&self, n: usize) -> Vec<Point<f64>> {
        let Some(&first) = self.points.first() else {
            return Vec::new();
        };
        if self.length <= 0.0 || self.points.len() < 2 {
            return vec![Point::new(first[0], first[1])];
        }
        let step = self.length / (n - 1) as f64;
        let mut out = Vec::with_capacity(n);
        let (mut seg, mut seg_start) = (0usize, 0.0f64);
        for i in 0..n {
            let target = (i as f64 * step).min(self.length);
            loop {
                let (a, b) = (self.points[seg], self.points[seg + 1]);
                let len = (b[0] - a[0]).hypot(b[1] - a[1]);
                if target <= seg_start + len || seg + 2 >= self.points.len() {
                    let t = if len > 0.0 {
                        ((target - seg_start) / len).clamp(0.0, 1.0)
                    } else {
                        0.0
                    };
                    out.push(Point::new(
                        a[0] + t * (b[0] - a[0]),
                        a[1] + t * (b[1] - a[1]),
                    ));
                    break;
                }
                seg_start += len;
                seg += 1;
            }
        }
        out
    }

    fn mean_distance_to(&self, other: &PreparedLine, tolerance: f64) -> f64 {
        let n = ((self.length / (tolerance / 4.0)).ceil() as usize + 1).clamp(8, 256);
        let s = self.samples(n);
        s.iter()
            .map(|p| Euclidean.distance(p, &other.line))
            .sum::<f64>()
            / s.len().max(1) as f64
    }

    /// The symmetric mean distance between the two lines (see the module's words).
    pub fn distance(&self, other: &PreparedLine, tolerance: f64) -> f64 {
        (self.mean_distance_to(other, tolerance) + other.mean_distance_to(self, tolerance)) / 2.0
    }

    /// `max(0, 1 − distance / tolerance)`; lines whose boxes are a tolerance apart are 0
    /// without sampling.
    pub fn similarity(&self, other: &PreparedLine, tolerance: f64) -> f64 {
        if tolerance.is_nan()
            || tolerance <= 0.0
            || self.points.is_empty()
            || other.points.is_empty()
        {
            return 0.0;
        }
        let (a, b) = (self.bbox, other.bbox);
        let gap_x = (a[0] - b[2]).max(b[0] - a[2]).max(0.0);
        let gap_y = (a[1] - b[3]).max(b[1] - a[3]).max(0.0);
        if gap_x.hypot(gap_y) >= tolerance {
            return 0.0;
        }
        (1.0 - self.distance(other, tolerance) / tolerance).clamp(0.0, 1.0)
    }
}

/// [`PreparedLine::similarity`] of two lines given as points.
pub fn line_similarity(a: &[Pt], b: &[Pt], tolerance: f64) -> f64 {
    PreparedLine::new(a).similarity(&PreparedLine::new(b), tolerance)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_lines_are_their_gap_apart() {
        let a = [[0.0, 0.0], [100.0, 0.0]];
        let b = [[0.0, 4.0], [100.0, 4.0]];
        let (pa, pb) = (PreparedLine::new(&a), PreparedLine::new(&b));
        assert!((pa.distance(&pb, 10.0) - 4.0).abs() < 1e-9);
        assert!((line_similarity(&a, &b, 10.0) - 0.6).abs() < 1e-9);
        assert!((line_similarity(&a, &a, 10.0) - 1.0).abs() < 1e-12);
        assert_eq!(
            line_similarity(&a, &[[0.0, 50.0], [100.0, 50.0]], 10.0),
            0.0
        );
    }

    #[test]
    fn direction_and_vertices_do_not_matter() {
        let a = [[0.0, 0.0], [50.0, 0.0], [100.0, 0.0]];
        let b = [[100.0, 0.0], [0.0, 0.0]];
        assert!((line_similarity(&a, &b, 10.0) - 1.0).abs() < 1e-9);
    }

    #[test]
    fn a_shorter_line_is_not_the_same() {
        // Half of the line: the half's samples lie on the whole, the whole's other half is
        // on average 25 px from the half's end.
        let whole = [[0.0, 0.0], [100.0, 0.0]];
        let half = [[0.0, 0.0], [50.0, 0.0]];
        let s = line_similarity(&whole, &half, 20.0);
        assert!(s < 0.75 && s > 0.0, "{s}");
        assert!((s - line_similarity(&half, &whole, 20.0)).abs() < 1e-12);
    }
}
