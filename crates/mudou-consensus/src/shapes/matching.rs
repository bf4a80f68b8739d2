//! Matching the objects several annotators drew on one picture, and the item's agreement.
//!
//! Per class, annotators are taken in the order given (e.g. by decreasing skill); each one's
//! objects are matched to the clusters formed so far by an optimal assignment
//! ([`crate::bbox::assign`], the Hungarian algorithm; cost `1 − s`, `s` the object's mean
//! similarity to the cluster's members, pairs under the threshold never matched); objects
//! left over open new clusters. An annotator's objects go to different clusters, so a
//! cluster never holds two objects of one annotator. (Matching all annotators at once is a
//! multi-dimensional assignment, NP-hard; this is the usual one-annotator-at-a-time form.)
//!
//! A cluster backed by enough annotators (a strict majority by default) is an object of the
//! consensus; each annotator who is not in it *missed* it. A cluster backed by too few holds
//! *extra* objects. The item's agreement is the mean similarity within the kept clusters
//! times the F1 of the counts: `2·matched / (drawn + kept · annotators)`.

use std::cell::RefCell;
use std::collections::HashMap;

use crate::bbox::assign;
use crate::error::{Result, invalid};

/// Thresholds of [`match_objects`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MatchOptions {
    /// The least similarity (IoU, line similarity, OKS) for two objects to be one.
    pub threshold: f64,
    /// Annotators needed behind an object; `None`: a strict majority of those who answered.
    pub min_support: Option<u32>,
}

impl Default for MatchOptions {
    fn default() -> Self {
        Self {
            threshold: 0.5,
            min_support: None,
        }
    }
}

/// One object as drawn: who drew it and its class. Its shape stays with the caller, who
/// compares two objects by their indices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Drawn {
    /// The annotator.
    pub worker: u32,
    /// The object's class.
    pub class: u32,
}

/// Matched objects: one per annotator at most.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    /// The class.
    pub class: u32,
    /// Indices into the objects, in the order their annotators were taken.
    pub members: Vec<usize>,
    /// The annotators, ascending.
    pub workers: Vec<u32>,
    /// The mean similarity of the members' pairs (1 for a lone object).
    pub mean_similarity: f64,
    /// The member with the highest mean similarity to the others (the first of a tie).
    pub best: usize,
}

impl Cluster {
    /// How many annotators drew it.
    pub fn support(&self) -> u32 {
        self.members.len() as u32
    }
}

/// The outcome of [`match_objects`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Matching {
    /// Objects of the consensus, by class then by support (descending).
    pub clusters: Vec<Cluster>,
    /// Objects too few annotators drew, the same order.
    pub rejected: Vec<Cluster>,
    /// Annotators who answered (those only seen in the objects added), ascending.
    pub workers: Vec<u32>,
    /// Kept objects an annotator did not draw, summed over annotators.
    pub missing: u32,
    /// Objects drawn that no kept object holds.
    pub extra: u32,
    /// The mean of the kept clusters' [`Cluster::mean_similarity`] (over those with two or
    /// more members; 1 when there are none).
    pub similarity: f64,
    /// F1 of the counts, `2·matched / (drawn + kept · annotators)` (1 when nobody drew).
    pub f1: f64,
    /// `similarity × f1`, 0 to 1.
    pub agreement: f64,
}

impl Matching {
    /// Whether every annotator drew every kept object and nothing else.
    pub fn unanimous(&self) -> bool {
        self.missing == 0 && self.extra == 0
    }
}

/// Matches `objects` drawn on one picture by `workers` (everyone who answered, objects or
/// not); `similarity(i, j)` compares objects `i` and `j` (symmetric, 0 to 1; asked at most
/// once a pair).
pub fn match_objects(
    workers: &[u32],
    objects: &[Drawn],
    similarity: impl Fn(usize, usize) -> f64,
    opts: &MatchOptions,
) -> Result<Matching> {
    match_objects_bounded(workers, objects, similarity, |_, _| 1.0, opts)
}

/// [`match_objects`] with a prefilter: `bound(i, j)` is a cheap upper bound of
/// `similarity(i, j)` (e.g. from bounding boxes and areas). Where the mean of the bounds of
/// an object to a cluster's members is under the threshold, the object cannot join that
/// cluster and its similarities to them are never asked. The result is the same as
/// [`match_objects`]'s whenever `bound ≥ similarity` holds (a proptest checks it).
pub fn match_objects_bounded(
    workers: &[u32],
    objects: &[Drawn],
    similarity: impl Fn(usize, usize) -> f64,
    bound: impl Fn(usize, usize) -> f64,
    opts: &MatchOptions,
) -> Result<Matching> {
    if !(opts.threshold.is_finite() && opts.threshold > 0.0 && opts.threshold <= 1.0) {
        return Err(invalid("threshold", "must be in (0, 1]"));
    }
    // Each pair's similarity, asked once: a dense table while it stays small (hashing
    // showed in the profile), a map beyond.
    let n_obj = objects.len();
    let dense = n_obj <= 1024;
    let table: RefCell<Vec<f64>> = RefCell::new(if dense {
        vec![f64::NAN; n_obj * n_obj]
    } else {
        Vec::new()
    });
    let map: RefCell<HashMap<(usize, usize), f64>> = RefCell::new(HashMap::new());
    let sim = |i: usize, j: usize| -> f64 {
        if i == j {
            return 1.0;
        }
        let key = (i.min(j), i.max(j));
        if dense {
            let v = table.borrow()[key.0 * n_obj + key.1];
            if !v.is_nan() {
                return v;
            }
        } else if let Some(&s) = map.borrow().get(&key) {
            return s;
        }
        let s = similarity(key.0, key.1);
        let s = if s.is_finite() {
            s.clamp(0.0, 1.0)
        } else {
            0.0
        };
        if dense {
            table.borrow_mut()[key.0 * n_obj + key.1] = s;
            return s;
        }
        map.borrow_mut().insert(key, s);
        s
    };
    // A known similarity, else the bound (NaN counts as no bound).
    let upper = |i: usize, j: usize| -> f64 {
        let key = (i.min(j), i.max(j));
        let known = if i == j {
            Some(1.0)
        } else if dense {
            Some(table.borrow()[key.0 * n_obj + key.1]).filter(|v| !v.is_nan())
        } else {
            map.borrow().get(&key).copied()
        };
        known.unwrap_or_else(|| {
            let b = bound(key.0, key.1);
            if b.is_nan() { 1.0 } else { b.clamp(0.0, 1.0) }
        })
    };

    let mut order: Vec<u32> = Vec::new();
    for &w in workers.iter().chain(objects.iter().map(|o| &o.worker)) {
        if !order.contains(&w) {
            order.push(w);
        }
    }
    let n = order.len() as u32;
    let need = opts.min_support.unwrap_or(n / 2 + 1).max(1);
    let mut classes: Vec<u32> = objects.iter().map(|o| o.class).collect();
    classes.sort_unstable();
    classes.dedup();

    let mut all: Vec<Cluster> = Vec::new();
    for &class in &classes {
        let mut clusters: Vec<Vec<usize>> = Vec::new();
        for &w in &order {
            let mine: Vec<usize> = (0..objects.len())
                .filter(|&i| objects[i].worker == w && objects[i].class == class)
                .collect();
            let (rows, cols) = (mine.len(), clusters.len());
            let mut assigned = vec![None; rows];
            if rows > 0 && cols > 0 {
                let mut cost = vec![2.0; rows * cols];
                for (r, &i) in mine.iter().enumerate() {
                    for (c, members) in clusters.iter().enumerate() {
                        // The bounds' mean is at least the similarities' mean (each term is
                        // at least as large, summed in the same order).
                        let most = members.iter().map(|&j| upper(i, j)).sum::<f64>()
                            / members.len() as f64;
                        if most < opts.threshold {
                            continue;
                        }
                        let s =
                            members.iter().map(|&j| sim(i, j)).sum::<f64>() / members.len() as f64;
                        if s >= opts.threshold {
                            cost[r * cols + c] = 1.0 - s;
                        }
                    }
                }
                for (r, c) in assign(&cost, rows, cols) {
                    if cost[r * cols + c] <= 1.0 {
                        assigned[r] = Some(c);
                    }
                }
            }
            for (r, &i) in mine.iter().enumerate() {
                match assigned[r] {
                    Some(c) => clusters[c].push(i),
                    None => clusters.push(vec![i]),
                }
            }
        }
        for members in clusters {
            let k = members.len();
            let means: Vec<f64> = members
                .iter()
                .map(|&i| {
                    if k < 2 {
                        1.0
                    } else {
                        members
                            .iter()
                            .filter(|&&j| j != i)
                            .map(|&j| sim(i, j))
                            .sum::<f64>()
                            / (k - 1) as f64
                    }
                })
                .collect();
            let mut best = 0;
            for (p, m) in means.iter().enumerate() {
                if *m > means[best] {
                    best = p;
                }
            }
            let mean_similarity = means.iter().sum::<f64>() / k as f64;
            let mut ws: Vec<u32> = members.iter().map(|&i| objects[i].worker).collect();
            ws.sort_unstable();
            all.push(Cluster {
                class,
                best: members[best],
                members,
                workers: ws,
                mean_similarity,
            });
        }
    }
    let (mut kept, mut rejected): (Vec<Cluster>, Vec<Cluster>) =
        all.into_iter().partition(|c| c.support() >= need);
    kept.sort_by_key(|c| (c.class, std::cmp::Reverse(c.support())));
    rejected.sort_by_key(|c| (c.class, std::cmp::Reverse(c.support())));

    let matched: u32 = kept.iter().map(Cluster::support).sum();
    let missing = kept.len() as u32 * n - matched;
    let extra = objects.len() as u32 - matched;
    let denominator = objects.len() as f64 + kept.len() as f64 * f64::from(n);
    let f1 = if denominator > 0.0 {
        2.0 * f64::from(matched) / denominator
    } else {
        1.0
    };
    let shared: Vec<f64> = kept
        .iter()
        .filter(|c| c.members.len() > 1)
        .map(|c| c.mean_similarity)
        .collect();
    let similarity = if shared.is_empty() {
        1.0
    } else {
        shared.iter().sum::<f64>() / shared.len() as f64
    };
    order.sort_unstable();
    Ok(Matching {
        clusters: kept,
        rejected,
        workers: order,
        missing,
        extra,
        similarity,
        f1,
        agreement: similarity * f1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Objects as points on a line; similarity falls with distance.
    fn run(workers: &[u32], objs: &[(u32, u32, f64)], threshold: f64) -> Matching {
        let drawn: Vec<Drawn> = objs
            .iter()
            .map(|o| Drawn {
                worker: o.0,
                class: o.1,
            })
            .collect();
        let sim = |i: usize, j: usize| (1.0 - (objs[i].2 - objs[j].2).abs() / 10.0).max(0.0);
        match_objects(
            workers,
            &drawn,
            sim,
            &MatchOptions {
                threshold,
                min_support: None,
            },
        )
        .unwrap()
    }

    #[test]
    fn agreeing_annotators() {
        let m = run(
            &[0, 1, 2],
            &[
                (0, 0, 0.0),
                (1, 0, 1.0),
                (2, 0, 0.0),
                (0, 0, 50.0),
                (1, 0, 50.0),
                (2, 0, 50.0),
            ],
            0.5,
        );
        assert_eq!(m.clusters.len(), 2);
        assert!(m.unanimous());
        assert_eq!(m.f1, 1.0);
        // Cluster at 0: pairs 0.9, 1.0, 0.9; at 50: all 1.
        assert!((m.similarity - (2.8 / 3.0 + 1.0) / 2.0).abs() < 1e-12);
        // The best of (0, 1, 0) is one of the two at 0.
        let c = m.clusters.iter().find(|c| c.members.contains(&0)).unwrap();
        assert_eq!(c.best, 0);
    }

    #[test]
    fn missing_and_extra_objects() {
        // Worker 2 misses the object at 50 and draws one at 90 nobody else drew.
        let m = run(
            &[0, 1, 2],
            &[
                (0, 0, 0.0),
                (1, 0, 0.0),
                (2, 0, 0.0),
                (0, 0, 50.0),
                (1, 0, 50.0),
                (2, 0, 90.0),
            ],
            0.5,
        );
        assert_eq!((m.clusters.len(), m.rejected.len()), (2, 1));
        assert_eq!((m.missing, m.extra), (1, 1));
        assert!(!m.unanimous());
        assert!((m.f1 - 10.0 / 12.0).abs() < 1e-12);
        // Classes never mix; a worker who drew nothing counts.
        let m = run(&[0, 1, 2], &[(0, 0, 0.0), (1, 1, 0.0)], 0.5);
        assert_eq!((m.clusters.len(), m.rejected.len()), (0, 2));
        assert_eq!(m.workers, vec![0, 1, 2]);
        let m = run(&[0, 1], &[], 0.5);
        assert_eq!((m.agreement, m.unanimous()), (1.0, true));
    }

    #[test]
    fn the_bound_spares_similarities() {
        // Three annotators, objects at 0 and at 50: with a bound that knows objects 10 or
        // more apart are nothing alike, those pairs are never compared; the outcome is the
        // same.
        let objs: [(u32, f64); 6] = [
            (0, 0.0),
            (0, 50.0),
            (1, 0.0),
            (1, 50.0),
            (2, 1.0),
            (2, 50.0),
        ];
        let drawn: Vec<Drawn> = objs
            .iter()
            .map(|o| Drawn {
                worker: o.0,
                class: 0,
            })
            .collect();
        let calls = std::cell::Cell::new(0);
        let sim = |i: usize, j: usize| {
            calls.set(calls.get() + 1);
            (1.0 - (objs[i].1 - objs[j].1).abs() / 10.0).max(0.0)
        };
        let opts = MatchOptions::default();
        let all = match_objects(&[0, 1, 2], &drawn, sim, &opts).unwrap();
        let asked_all = calls.replace(0);
        let far = |i: usize, j: usize| {
            if (objs[i].1 - objs[j].1).abs() >= 10.0 {
                0.0
            } else {
                1.0
            }
        };
        let bounded = match_objects_bounded(&[0, 1, 2], &drawn, sim, far, &opts).unwrap();
        assert_eq!(all, bounded);
        // Each cluster's three pairs, no more.
        assert_eq!((asked_all, calls.get()), (12, 6));
    }

    #[test]
    fn the_assignment_is_optimal() {
        // Greedy would give worker 1's object at 4 to the cluster at 0 (first seen); the
        // optimum pairs 4 ↔ 5 and 1 ↔ 0.
        let m = run(
            &[0, 1],
            &[(0, 0, 0.0), (0, 0, 5.0), (1, 0, 4.0), (1, 0, 1.0)],
            0.5,
        );
        assert!(m.unanimous());
        let pairs: Vec<Vec<usize>> = m.clusters.iter().map(|c| c.members.clone()).collect();
        assert!(
            pairs.contains(&vec![0, 3]) && pairs.contains(&vec![1, 2]),
            "{pairs:?}"
        );
        assert!(
            match_objects(
                &[0],
                &[],
                |_, _| 1.0,
                &MatchOptions {
                    threshold: 0.0,
                    min_support: None
                }
            )
            .is_err()
        );
    }
}
