//! Keypoints on a skeleton: COCO's object keypoint similarity (OKS).
//!
//! `OKS = Σᵢ exp(−dᵢ² / (2 s (2σᵢ)²)) / n` over the gold object's labelled points (`v > 0`),
//! `s` the object's area and `σᵢ` the point's sigma (COCO: `vars = (2σ)²`,
//! `e = d² / vars / (area + ε) / 2`). A point the other object leaves absent adds 0.

/// One keypoint: `[x, y]` and its flag `v`: 0 absent, 1 there but hidden, 2 visible.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Keypoint {
    /// x in pixels.
    pub x: f64,
    /// y in pixels.
    pub y: f64,
    /// 0 absent, 1 hidden, 2 visible.
    pub v: u8,
}

/// The area COCO's formula scales by, when the object has no outline: the bounding box of
/// its labelled points, each side taken as at least half the longer one (a standing person's
/// points are nearly on a line, and a box of no width would make any distance fatal); 0 when
/// fewer than two points are labelled.
pub fn keypoints_area(points: &[Keypoint]) -> f64 {
    let mut b = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    let mut n = 0;
    for p in points.iter().filter(|p| p.v > 0) {
        b = [b[0].min(p.x), b[1].min(p.y), b[2].max(p.x), b[3].max(p.y)];
        n += 1;
    }
    if n < 2 {
        return 0.0;
    }
    let (w, h) = (b[2] - b[0], b[3] - b[1]);
    let half = w.max(h) / 2.0;
    w.max(half) * h.max(half)
}

/// COCO's OKS of `dt` against `gt` (same skeleton), with per-point `sigmas` and the gold
/// object's `area`. A gold object with no labelled point: 1 when `dt` has none either, else 0.
pub fn oks(gt: &[Keypoint], dt: &[Keypoint], sigmas: &[f64], area: f64) -> f64 {
    let n = gt.len().min(dt.len()).min(sigmas.len());
    let labelled = gt[..n].iter().filter(|p| p.v > 0).count();
    if labelled == 0 {
        return if dt[..n].iter().any(|p| p.v > 0) {
            0.0
        } else {
            1.0
        };
    }
    let mut sum = 0.0;
    for i in 0..n {
        let (g, d) = (gt[i], dt[i]);
        if g.v == 0 || d.v == 0 {
            continue;
        }
        let var = (2.0 * sigmas[i]).powi(2);
        let e = ((d.x - g.x).powi(2) + (d.y - g.y).powi(2)) / var / (area + f64::EPSILON) / 2.0;
        sum += (-e).exp();
    }
    sum / labelled as f64
}

/// OKS made symmetric for comparing two annotators (neither is gold): the mean of each
/// against the other, each scaled by its own [`keypoints_area`] (at least 1 px²).
pub fn oks_symmetric(a: &[Keypoint], b: &[Keypoint], sigmas: &[f64]) -> f64 {
    let (sa, sb) = (keypoints_area(a).max(1.0), keypoints_area(b).max(1.0));
    (oks(a, b, sigmas, sa) + oks(b, a, sigmas, sb)) / 2.0
}

/// Skeletons of one picture made ready for many [`oks_symmetric`]s: each one's area and
/// the box of its labelled points read once, for a free upper bound
/// ([`SkeletonSet::oks_bound`]) that lets the matching skip skeletons far apart.
#[derive(Debug, Clone)]
pub struct SkeletonSet<'a> {
    skeletons: Vec<&'a [Keypoint]>,
    sigmas: &'a [f64],
    /// [`keypoints_area`], at least 1 px², as [`oks_symmetric`] takes it.
    areas: Vec<f64>,
    /// The box of the labelled points; `None` when there are none.
    boxes: Vec<Option<[f64; 4]>>,
    /// The largest `(2σ)²`.
    var_max: f64,
}

impl<'a> SkeletonSet<'a> {
    /// The skeletons, compared with per-point `sigmas`.
    pub fn new(skeletons: impl IntoIterator<Item = &'a [Keypoint]>, sigmas: &'a [f64]) -> Self {
        let skeletons: Vec<&[Keypoint]> = skeletons.into_iter().collect();
        let boxes = skeletons
            .iter()
            .map(|k| {
                k.iter()
                    .filter(|p| p.v > 0)
                    .fold(None, |b: Option<[f64; 4]>, p| {
                        Some(match b {
                            None => [p.x, p.y, p.x, p.y],
                            Some(b) => [b[0].min(p.x), b[1].min(p.y), b[2].max(p.x), b[3].max(p.y)],
                        })
                    })
            })
            .collect();
        Self {
            areas: skeletons
                .iter()
                .map(|k| keypoints_area(k).max(1.0))
                .collect(),
            boxes,
            var_max: sigmas.iter().map(|s| (2.0 * s).powi(2)).fold(0.0, f64::max),
            skeletons,
            sigmas,
        }
    }

    /// [`oks_symmetric`] of skeletons `i` and `j`.
    pub fn oks(&self, i: usize, j: usize) -> f64 {
        let (a, b) = (self.skeletons[i], self.skeletons[j]);
        (oks(a, b, self.sigmas, self.areas[i]) + oks(b, a, self.sigmas, self.areas[j])) / 2.0
    }

    /// An upper bound of [`SkeletonSet::oks`]: every pair of points is at least the
    /// distance `D` between the boxes apart, so each term of each side's OKS is at most
    /// `exp(−D² / max(2σ)² / area / 2)`.
    pub fn oks_bound(&self, i: usize, j: usize) -> f64 {
        // The boxes hold every point only when the skeletons and sigmas are of one length.
        let n = self.sigmas.len();
        if self.skeletons[i].len() != n || self.skeletons[j].len() != n {
            return 1.0;
        }
        let (Some(a), Some(b)) = (self.boxes[i], self.boxes[j]) else {
            return 1.0;
        };
        let dx = (b[0] - a[2]).max(a[0] - b[2]).max(0.0);
        let dy = (b[1] - a[3]).max(a[1] - b[3]).max(0.0);
        let d2 = dx * dx + dy * dy;
        if d2 == 0.0 || self.var_max <= 0.0 {
            return 1.0;
        }
        let side = |area: f64| (-(d2 / self.var_max / (area + f64::EPSILON) / 2.0)).exp();
        // A hair over, for the rounding of the sums.
        ((side(self.areas[i]) + side(self.areas[j])) / 2.0 + 1e-9).min(1.0)
    }
}

/// The merged object of matched annotations: each point the mean of the members that
/// labelled it (`v > 0`), its flag the most given among the members (ties to the larger
/// flag); a point most left absent is absent at `(0, 0)`.
pub fn merge_keypoints(members: &[&[Keypoint]]) -> Vec<Keypoint> {
    let n = members.iter().map(|m| m.len()).min().unwrap_or(0);
    (0..n)
        .map(|i| {
            let mut votes = [0usize; 3];
            // The mean as an offset from the first labelled point: exactly that point when
            // everyone put it in the same place.
            let (mut sx, mut sy, mut k) = (0.0, 0.0, 0usize);
            let mut origin = None;
            for m in members {
                let p = m[i];
                votes[usize::from(p.v.min(2))] += 1;
                if p.v > 0 {
                    let (ox, oy) = *origin.get_or_insert((p.x, p.y));
                    sx += p.x - ox;
                    sy += p.y - oy;
                    k += 1;
                }
            }
            let (ox, oy) = origin.unwrap_or((0.0, 0.0));
            let v = (0..3u8)
                .rev()
                .max_by_key(|&v| (votes[usize::from(v)], v))
                .unwrap_or(0);
            if v == 0 || k == 0 {
                Keypoint {
                    x: 0.0,
                    y: 0.0,
                    v: 0,
                }
            } else {
                Keypoint {
                    x: ox + sx / k as f64,
                    y: oy + sy / k as f64,
                    v,
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kp(x: f64, y: f64, v: u8) -> Keypoint {
        Keypoint { x, y, v }
    }

    #[test]
    fn coco_formula() {
        let gt = [kp(0.0, 0.0, 2), kp(10.0, 0.0, 2), kp(0.0, 0.0, 0)];
        let sig = [0.1, 0.1, 0.1];
        assert!((oks(&gt, &gt, &sig, 100.0) - 1.0).abs() < 1e-12);
        // One point 2 px off: exp(−4 / 0.04 / 100 / 2) = exp(−0.5); the absent gold point
        // does not count.
        let dt = [kp(0.0, 2.0, 2), kp(10.0, 0.0, 1), kp(5.0, 5.0, 2)];
        let want = ((-0.5f64).exp() + 1.0) / 2.0;
        assert!((oks(&gt, &dt, &sig, 100.0) - want).abs() < 1e-12);
        // A point the other leaves absent adds nothing.
        let missing = [kp(0.0, 0.0, 2), kp(0.0, 0.0, 0), kp(0.0, 0.0, 0)];
        assert!((oks(&gt, &missing, &sig, 100.0) - 0.5).abs() < 1e-12);
        assert_eq!(
            oks(&[kp(0.0, 0.0, 0)], &[kp(0.0, 0.0, 0)], &[0.1], 1.0),
            1.0
        );
        assert_eq!(
            oks(&[kp(0.0, 0.0, 0)], &[kp(0.0, 0.0, 2)], &[0.1], 1.0),
            0.0
        );
    }

    #[test]
    fn area_of_a_standing_skeleton() {
        // Points on a vertical line 100 px long: a 50 × 100 box.
        let up = [kp(10.0, 0.0, 2), kp(10.0, 100.0, 1), kp(99.0, 99.0, 0)];
        assert_eq!(keypoints_area(&up), 5000.0);
        assert_eq!(keypoints_area(&[kp(1.0, 1.0, 2)]), 0.0);
        assert_eq!(
            keypoints_area(&[kp(0.0, 0.0, 2), kp(40.0, 30.0, 2)]),
            1200.0
        );
    }

    #[test]
    fn symmetric_and_merge() {
        let a = [kp(0.0, 0.0, 2), kp(10.0, 10.0, 2), kp(3.0, 3.0, 1)];
        let b = [kp(1.0, 0.0, 2), kp(10.0, 12.0, 1), kp(0.0, 0.0, 0)];
        let sig = [0.05, 0.05, 0.05];
        assert!((oks_symmetric(&a, &b, &sig) - oks_symmetric(&b, &a, &sig)).abs() < 1e-12);
        let c = [kp(2.0, 0.0, 2), kp(10.0, 14.0, 1), kp(0.0, 0.0, 0)];
        let m = merge_keypoints(&[&a, &b, &c]);
        assert_eq!(m[0], kp(1.0, 0.0, 2));
        assert_eq!(m[1], kp(10.0, 12.0, 1));
        assert_eq!(m[2], kp(0.0, 0.0, 0));
        assert_eq!(merge_keypoints(&[&a, &a]), a.to_vec());
    }
}
