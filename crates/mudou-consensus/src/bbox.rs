//! Bounding-box consensus.
//!
//! Per item, workers are taken in order of decreasing skill; each worker's boxes are matched to
//! the clusters formed so far by an optimal assignment (Hungarian algorithm, cost `1 − IoU`,
//! same class only, IoU at least the threshold); unmatched boxes open new clusters. A cluster
//! backed by enough workers becomes a consensus box: the skill-weighted average of its boxes'
//! coordinates, with its support count and the mean IoU of its members against it. Objects
//! drawn by too few workers are kept apart as rejected (they are doubt, not nothing), and items
//! where workers drew different numbers of boxes are listed.

use crate::error::{Error, Result, invalid};

/// An axis-aligned box, `x0 ≤ x1`, `y0 ≤ y1` (any unit, e.g. pixels).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct BBox {
    /// Left.
    pub x0: f64,
    /// Top.
    pub y0: f64,
    /// Right.
    pub x1: f64,
    /// Bottom.
    pub y1: f64,
}

impl BBox {
    /// Shorthand constructor.
    pub const fn new(x0: f64, y0: f64, x1: f64, y1: f64) -> Self {
        Self { x0, y0, x1, y1 }
    }

    fn valid(&self) -> bool {
        [self.x0, self.y0, self.x1, self.y1]
            .iter()
            .all(|v| v.is_finite())
            && self.x0 <= self.x1
            && self.y0 <= self.y1
    }

    /// Area.
    pub fn area(&self) -> f64 {
        (self.x1 - self.x0).max(0.0) * (self.y1 - self.y0).max(0.0)
    }

    /// Intersection over union (0 for disjoint or empty boxes).
    pub fn iou(&self, o: &BBox) -> f64 {
        let w = (self.x1.min(o.x1) - self.x0.max(o.x0)).max(0.0);
        let h = (self.y1.min(o.y1) - self.y0.max(o.y0)).max(0.0);
        let inter = w * h;
        let union = self.area() + o.area() - inter;
        if union > 0.0 { inter / union } else { 0.0 }
    }
}

/// One box drawn by one worker on one item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoxLabel {
    /// Task index.
    pub task: u32,
    /// Worker index.
    pub worker: u32,
    /// Object class of the box.
    pub class: u32,
    /// The box.
    pub bbox: BBox,
}

/// Matching and support thresholds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoxOptions {
    /// Minimum IoU for two boxes to be the same object.
    pub iou_threshold: f64,
    /// Workers needed behind a consensus box; `None` = a strict majority of the workers who
    /// submitted the item.
    pub min_support: Option<u32>,
}

impl Default for BoxOptions {
    fn default() -> Self {
        Self {
            iou_threshold: 0.5,
            min_support: None,
        }
    }
}

/// A consensus box.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsensusBox {
    /// Task index.
    pub task: u32,
    /// Object class.
    pub class: u32,
    /// Skill-weighted average box.
    pub bbox: BBox,
    /// Number of workers who drew it.
    pub support: u32,
    /// Mean IoU of the workers' boxes with the consensus box.
    pub mean_iou: f64,
    /// The workers who drew it, ascending.
    pub workers: Vec<u32>,
}

/// An item where workers disagree on how many objects there are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountDisagreement {
    /// Task index.
    pub task: u32,
    /// `(worker, number of boxes)` for every worker who submitted the item, by worker.
    pub counts: Vec<(u32, u32)>,
}

/// The result of [`box_consensus`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BoxConsensus {
    /// Consensus boxes, by task then by support (descending).
    pub boxes: Vec<ConsensusBox>,
    /// Objects some workers drew but too few to pass the support threshold, by task then by
    /// support (descending). An item whose workers agree has none.
    pub rejected: Vec<ConsensusBox>,
    /// Items with differing box counts.
    pub count_disagreements: Vec<CountDisagreement>,
}

impl BoxConsensus {
    /// Whether every object of `task` was drawn by all `workers` who submitted it (no
    /// rejected object, every consensus box backed by every worker): unanimity, the only
    /// agreement a box item has. An unmatched box is disagreement even when the counts match.
    pub fn unanimous(&self, task: u32, workers: u32) -> bool {
        !self.rejected.iter().any(|b| b.task == task)
            && !self.count_disagreements.iter().any(|d| d.task == task)
            && self
                .boxes
                .iter()
                .filter(|b| b.task == task)
                .all(|b| b.support >= workers)
    }
}

struct Cluster {
    class: u32,
    members: Vec<(u32, BBox, f64)>,
    sum: [f64; 4],
    weight: f64,
}

impl Cluster {
    fn mean(&self) -> BBox {
        if self.weight > 0.0 {
            let w = self.weight;
            BBox::new(
                self.sum[0] / w,
                self.sum[1] / w,
                self.sum[2] / w,
                self.sum[3] / w,
            )
        } else {
            let n = self.members.len().max(1) as f64;
            let mut s = [0.0; 4];
            for (_, b, _) in &self.members {
                s[0] += b.x0;
                s[1] += b.y0;
                s[2] += b.x1;
                s[3] += b.y1;
            }
            BBox::new(s[0] / n, s[1] / n, s[2] / n, s[3] / n)
        }
    }
    fn push(&mut self, worker: u32, b: BBox, w: f64) {
        self.members.push((worker, b, w));
        self.sum[0] += w * b.x0;
        self.sum[1] += w * b.y0;
        self.sum[2] += w * b.x1;
        self.sum[3] += w * b.y1;
        self.weight += w;
    }
}

/// Box consensus. `submissions` lists `(task, worker)` for every worker who submitted an item,
/// including those who drew no box (they count for support and box counts); workers that only
/// appear in `boxes` are added. `skills[worker]` weighs coordinates and orders matching
/// (default 1).
pub fn box_consensus(
    submissions: &[(u32, u32)],
    boxes: &[BoxLabel],
    skills: Option<&[f64]>,
    opts: &BoxOptions,
) -> Result<BoxConsensus> {
    if !(opts.iou_threshold.is_finite() && opts.iou_threshold > 0.0 && opts.iou_threshold <= 1.0) {
        return Err(invalid("iou_threshold", "must be in (0, 1]"));
    }
    for (index, b) in boxes.iter().enumerate() {
        if !b.bbox.valid() {
            return Err(Error::InvalidBox { index });
        }
    }
    if skills.is_some_and(|s| s.iter().any(|v| !v.is_finite() || *v < 0.0)) {
        return Err(invalid("skills", "must be finite and non-negative"));
    }
    let skill = |w: u32| {
        skills
            .and_then(|s| s.get(w as usize).copied())
            .unwrap_or(1.0)
    };

    let mut subs: Vec<(u32, u32)> = submissions.to_vec();
    subs.extend(boxes.iter().map(|b| (b.task, b.worker)));
    subs.sort_unstable();
    subs.dedup();
    let mut order: Vec<usize> = (0..boxes.len()).collect();
    order.sort_by_key(|&i| (boxes[i].task, boxes[i].worker, i));

    let mut out = BoxConsensus::default();
    let mut bi = 0usize;
    let mut si = 0usize;
    while si < subs.len() {
        let task = subs[si].0;
        let s_end = subs[si..]
            .iter()
            .position(|s| s.0 != task)
            .map_or(subs.len(), |p| si + p);
        let mut workers: Vec<u32> = subs[si..s_end].iter().map(|s| s.1).collect();
        si = s_end;
        while bi < order.len() && boxes[order[bi]].task < task {
            bi += 1;
        }
        let b_start = bi;
        while bi < order.len() && boxes[order[bi]].task == task {
            bi += 1;
        }
        let task_boxes: Vec<&BoxLabel> = order[b_start..bi].iter().map(|&i| &boxes[i]).collect();

        let counts: Vec<(u32, u32)> = workers
            .iter()
            .map(|&w| {
                (
                    w,
                    task_boxes.iter().filter(|b| b.worker == w).count() as u32,
                )
            })
            .collect();
        if counts.windows(2).any(|p| p[0].1 != p[1].1) {
            out.count_disagreements
                .push(CountDisagreement { task, counts });
        }

        workers.sort_by(|a, b| skill(*b).total_cmp(&skill(*a)).then(a.cmp(b)));
        let mut clusters: Vec<Cluster> = Vec::new();
        for &w in &workers {
            let mine: Vec<&BoxLabel> = task_boxes
                .iter()
                .copied()
                .filter(|b| b.worker == w)
                .collect();
            if mine.is_empty() {
                continue;
            }
            let means: Vec<BBox> = clusters.iter().map(Cluster::mean).collect();
            let (n, m) = (mine.len(), clusters.len());
            let mut assigned = vec![None; n];
            if m > 0 {
                // cost[i][j]: box i of this worker vs cluster j.
                let mut cost = vec![0.0; n * m];
                for i in 0..n {
                    for j in 0..m {
                        let iou = if clusters[j].class == mine[i].class {
                            mine[i].bbox.iou(&means[j])
                        } else {
                            0.0
                        };
                        cost[i * m + j] = if iou >= opts.iou_threshold {
                            1.0 - iou
                        } else {
                            2.0
                        };
                    }
                }
                let pairs = assign(&cost, n, m);
                for (i, j) in pairs {
                    if cost[i * m + j] <= 1.0 {
                        assigned[i] = Some(j);
                    }
                }
            }
            for (i, b) in mine.iter().enumerate() {
                match assigned[i] {
                    Some(j) => clusters[j].push(w, b.bbox, skill(w)),
                    None => {
                        let mut c = Cluster {
                            class: b.class,
                            members: Vec::new(),
                            sum: [0.0; 4],
                            weight: 0.0,
                        };
                        c.push(w, b.bbox, skill(w));
                        clusters.push(c);
                    }
                }
            }
        }
        let need = opts
            .min_support
            .unwrap_or(workers.len() as u32 / 2 + 1)
            .max(1);
        let (mut found, mut rejected): (Vec<ConsensusBox>, Vec<ConsensusBox>) = clusters
            .into_iter()
            .map(|c| {
                let bbox = c.mean();
                let mean_iou = c.members.iter().map(|(_, b, _)| b.iou(&bbox)).sum::<f64>()
                    / c.members.len() as f64;
                let mut ws: Vec<u32> = c.members.iter().map(|m| m.0).collect();
                ws.sort_unstable();
                ConsensusBox {
                    task,
                    class: c.class,
                    bbox,
                    support: c.members.len() as u32,
                    mean_iou,
                    workers: ws,
                }
            })
            .partition(|b| b.support >= need);
        found.sort_by_key(|b| std::cmp::Reverse(b.support));
        rejected.sort_by_key(|b| std::cmp::Reverse(b.support));
        out.boxes.extend(found);
        out.rejected.extend(rejected);
    }
    Ok(out)
}

/// Minimum-cost assignment for an `n × m` cost matrix (row-major); returns `(row, col)` pairs,
/// `min(n, m)` of them. Hungarian algorithm with potentials, O(min² · max).
pub fn assign(cost: &[f64], n: usize, m: usize) -> Vec<(usize, usize)> {
    if n == 0 || m == 0 {
        return Vec::new();
    }
    if n > m {
        let mut t = vec![0.0; n * m];
        for i in 0..n {
            for j in 0..m {
                t[j * n + i] = cost[i * m + j];
            }
        }
        return assign(&t, m, n).into_iter().map(|(j, i)| (i, j)).collect();
    }
    // Rows 1..=n, columns 1..=m; index 0 is the virtual start.
    let inf = f64::INFINITY;
    let mut u = vec![0.0; n + 1];
    let mut v = vec![0.0; m + 1];
    let mut row_of = vec![0usize; m + 1];
    let mut way = vec![0usize; m + 1];
    for i in 1..=n {
        row_of[0] = i;
        let mut j0 = 0usize;
        let mut minv = vec![inf; m + 1];
        let mut used = vec![false; m + 1];
        loop {
            used[j0] = true;
            let i0 = row_of[j0];
            let mut delta = inf;
            let mut j1 = 0usize;
            for j in 1..=m {
                if used[j] {
                    continue;
                }
                let cur = cost[(i0 - 1) * m + (j - 1)] - u[i0] - v[j];
                if cur < minv[j] {
                    minv[j] = cur;
                    way[j] = j0;
                }
                if minv[j] < delta {
                    delta = minv[j];
                    j1 = j;
                }
            }
            if j1 == 0 {
                break; // no free column reachable (cannot happen when n <= m)
            }
            for j in 0..=m {
                if used[j] {
                    u[row_of[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
            if row_of[j0] == 0 {
                break;
            }
        }
        loop {
            let j1 = way[j0];
            row_of[j0] = row_of[j1];
            j0 = j1;
            if j0 == 0 {
                break;
            }
        }
    }
    let mut pairs: Vec<(usize, usize)> = (1..=m)
        .filter(|&j| row_of[j] != 0)
        .map(|j| (row_of[j] - 1, j - 1))
        .collect();
    pairs.sort_unstable();
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hungarian_finds_the_optimum() {
        // Greedy would take (0,0)=1 then (1,1)=10; optimum is (0,1)+(1,0) = 2+2.
        let cost = [1.0, 2.0, 2.0, 10.0];
        assert_eq!(assign(&cost, 2, 2), vec![(0, 1), (1, 0)]);
        // Rectangular both ways.
        let cost = [5.0, 1.0, 9.0];
        assert_eq!(assign(&cost, 1, 3), vec![(0, 1)]);
        assert_eq!(assign(&cost, 3, 1), vec![(1, 0)]);
    }

    #[test]
    fn iou_basics() {
        let a = BBox::new(0.0, 0.0, 2.0, 2.0);
        let b = BBox::new(1.0, 0.0, 3.0, 2.0);
        assert!((a.iou(&b) - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(a.iou(&BBox::new(5.0, 5.0, 6.0, 6.0)), 0.0);
        assert_eq!(a.iou(&a), 1.0);
    }
}
