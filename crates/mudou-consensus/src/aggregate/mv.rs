//! Majority vote, weighted majority vote and Wawa.

use super::{Aggregation, WorkerModel, decide_all, for_each_task, mean_posterior, scatter_workers};
use crate::data::Labels;
use crate::error::{Error, Result};

/// Plain majority vote. The posterior is the share of votes per class; ties go to the lowest
/// class index and are listed in [`Aggregation::ties`]. The worker skill is the share of the
/// worker's answers that agree with the result.
pub fn majority_vote(labels: &Labels) -> Result<Aggregation> {
    let ones = vec![1.0; labels.n_workers()];
    let mut agg = weighted(labels, &ones)?;
    agg.workers = WorkerModel::Skill(agreement_with(labels, &agg.labels));
    Ok(agg)
}

/// Majority vote where each worker's vote counts `weights[worker]` (e.g. a skill from gold
/// items). Weights must be finite and non-negative; a task whose voters all weigh 0 falls back
/// to plain counts.
pub fn weighted_majority_vote(labels: &Labels, weights: &[f64]) -> Result<Aggregation> {
    if weights.len() != labels.n_workers() {
        return Err(Error::LengthMismatch {
            what: "weights",
            got: weights.len(),
            expected: labels.n_workers(),
        });
    }
    if weights.iter().any(|w| !w.is_finite() || *w < 0.0) {
        return Err(crate::error::invalid(
            "weights",
            "must be finite and non-negative",
        ));
    }
    weighted(labels, weights)
}

/// Wawa (worker agreement with aggregate): majority vote, then each worker weighted by the
/// share of their distinct answers that agree with it, then a weighted majority vote.
pub fn wawa(labels: &Labels) -> Result<Aggregation> {
    let mv = majority_vote(labels)?;
    let skills = agreement_distinct(labels, &mv.labels);
    let mut agg = weighted(labels, &skills)?;
    agg.workers = WorkerModel::Skill(skills);
    Ok(agg)
}

fn weighted(labels: &Labels, weights: &[f64]) -> Result<Aggregation> {
    let k = labels.n_classes();
    let mut post = vec![0.0; labels.n_tasks() * k];
    for_each_task(labels, &mut post, k, |_, ls, row| {
        let mut total = 0.0;
        for l in ls {
            let w = weights[l.worker as usize];
            row[l.class as usize] += w;
            total += w;
        }
        if total > 0.0 {
            row.iter_mut().for_each(|v| *v /= total);
        } else {
            // Every voter weighs zero: fall back to plain counts.
            row.iter_mut().for_each(|v| *v = 0.0);
            for l in ls {
                row[l.class as usize] += 1.0;
            }
            let n = ls.len().max(1) as f64;
            row.iter_mut().for_each(|v| *v /= n);
        }
    });
    let (chosen, ties) = decide_all(&post, k);
    let mut prior = vec![0.0; k];
    mean_posterior(&post, k, &mut prior);
    Ok(Aggregation {
        n_classes: k,
        labels: chosen,
        posteriors: post,
        ties,
        workers: WorkerModel::Skill(weights.to_vec()),
        prior,
        iterations: 0,
        converged: true,
    })
}

/// Share of each worker's answers equal to `reference` (0 for workers without answers).
pub(crate) fn agreement_with(labels: &Labels, reference: &[u32]) -> Vec<f64> {
    let mut acc = vec![0.0; labels.n_workers() * 2];
    scatter_workers(labels, 2, &mut acc, |l, a| {
        a[0] += f64::from(u8::from(reference[l.task as usize] == l.class));
        a[1] += 1.0;
    });
    acc.chunks_exact(2)
        .map(|a| if a[1] > 0.0 { a[0] / a[1] } else { 0.0 })
        .collect()
}

/// Like [`agreement_with`] but identical repeated answers (same task, worker and class) count
/// once, as crowd-kit's `get_accuracy` does.
fn agreement_distinct(labels: &Labels, reference: &[u32]) -> Vec<f64> {
    let width = labels.n_workers() * 2;
    // Counts over a range of tasks; the sums are whole numbers, so adding the ranges'
    // counts in any order gives the same result.
    let count = |range: std::ops::Range<usize>| {
        let mut acc = vec![0.0; width];
        for t in range {
            let ls = labels.task(t);
            for (i, l) in ls.iter().enumerate() {
                if ls[..i]
                    .iter()
                    .any(|p| p.worker == l.worker && p.class == l.class)
                {
                    continue;
                }
                let a = &mut acc[l.worker as usize * 2..l.worker as usize * 2 + 2];
                a[0] += f64::from(u8::from(reference[t] == l.class));
                a[1] += 1.0;
            }
        }
        acc
    };
    let n = reference.len();
    let acc = if labels.len() < super::PAR_LABELS {
        count(0..n)
    } else {
        use rayon::prelude::*;
        let per = n.div_ceil(8).max(1);
        (0..n.div_ceil(per))
            .into_par_iter()
            .map(|c| count(c * per..((c + 1) * per).min(n)))
            .reduce(
                || vec![0.0; width],
                |mut a, b| {
                    a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                    a
                },
            )
    };
    acc.chunks_exact(2)
        .map(|a| if a[1] > 0.0 { a[0] / a[1] } else { 0.0 })
        .collect()
}
