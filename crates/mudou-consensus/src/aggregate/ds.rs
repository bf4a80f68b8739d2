//! Dawid–Skene (full confusion matrices) and one-coin Dawid–Skene, by EM.
//!
//! The iteration follows crowd-kit 1.4 step for step, so that both stop after the same number
//! of iterations on the same data: start from majority-vote shares, M-step, then repeat
//! E-step → prior → M-step → objective until the per-label evidence lower bound improves by
//! less than `tol`. Probabilities are clipped at `1e-10` before logs are taken, and a worker's
//! confusion column is normalised over the classes that worker actually used.

use rayon::prelude::*;

use super::{
    Aggregation, EPS, EmOptions, WorkerModel, decide_all, for_each_task, for_each_worker,
    mean_posterior, scatter_workers,
};
use crate::data::Labels;
use crate::error::Result;

/// Dawid–Skene with a full `K × K` confusion matrix per worker.
pub fn dawid_skene(labels: &Labels, opts: &EmOptions) -> Result<Aggregation> {
    em(labels, opts, false)
}

/// One-coin Dawid–Skene: one accuracy per worker, errors spread evenly over the other classes.
pub fn one_coin_dawid_skene(labels: &Labels, opts: &EmOptions) -> Result<Aggregation> {
    em(labels, opts, true)
}

fn em(labels: &Labels, opts: &EmOptions, one_coin: bool) -> Result<Aggregation> {
    opts.check()?;
    let k = labels.n_classes();
    let n_w = labels.n_workers();
    let n = labels.len().max(1) as f64;

    // Initialise from majority-vote shares.
    let mut post = vec![0.0; labels.n_tasks() * k];
    for_each_task(labels, &mut post, k, |_, ls, row| {
        for l in ls {
            row[l.class as usize] += 1.0;
        }
        let total = ls.len().max(1) as f64;
        row.iter_mut().for_each(|v| *v /= total);
    });
    let mut prior = vec![0.0; k];
    mean_posterior(&post, k, &mut prior);
    let mut err = vec![0.0; n_w * k * k];
    let mut skills = vec![0.0; n_w];
    let mut log_err = vec![0.0; n_w * k * k];
    let mut log_prior = vec![0.0; k];

    let mut counts = vec![0.0; n_w * k * k];
    accumulate_counts(labels, &post, &mut counts);
    normalize(labels, &counts, &mut err, &mut skills, one_coin);
    log_table(&err, &mut log_err);

    let n_t = labels.n_tasks().max(1) as f64;
    let mut loss = f64::NEG_INFINITY;
    let mut iterations = 0;
    let mut converged = false;
    for it in 0..opts.max_iter {
        for (lp, p) in log_prior.iter_mut().zip(&prior) {
            *lp = p.max(EPS).ln();
        }
        // E-step fused with the M-step counts and the objective's per-task terms.
        let stats = fused_pass(labels, &log_prior, &log_err, &mut post, &mut counts);
        for (p, s) in prior.iter_mut().zip(&stats.prior_sum) {
            *p = s / n_t;
        }
        normalize(labels, &counts, &mut err, &mut skills, one_coin);
        log_table(&err, &mut log_err);
        for (lp, p) in log_prior.iter_mut().zip(&prior) {
            *lp = p.max(EPS).ln();
        }
        // crowd-kit's evidence lower bound, Σ_labels Σ_c p(c)(log e[w][obs][c] + log π_c) + H(p),
        // regrouped: the label sum of p·log e is Σ over the count tables of count·log e.
        let joint: f64 = counts
            .iter()
            .zip(&log_err)
            .filter(|(c, _)| **c != 0.0)
            .map(|(c, l)| c * l)
            .sum();
        let prior_term: f64 = stats
            .weighted
            .iter()
            .zip(&log_prior)
            .map(|(a, l)| a * l)
            .sum();
        let new_loss = (joint + prior_term + stats.entropy) / n;
        iterations = it + 1;
        if new_loss - loss < opts.tol {
            converged = true;
            break;
        }
        loss = new_loss;
    }

    let (chosen, ties) = decide_all(&post, k);
    Ok(Aggregation {
        n_classes: k,
        labels: chosen,
        posteriors: post,
        ties,
        workers: if one_coin {
            WorkerModel::Skill(skills)
        } else {
            WorkerModel::Confusion(err)
        },
        prior,
        iterations,
        converged,
    })
}

/// Count tables `[worker][observed][true]`: the sum of the posteriors of the tasks where the
/// worker gave each answer.
fn accumulate_counts(labels: &Labels, post: &[f64], counts: &mut [f64]) {
    let k = labels.n_classes();
    scatter_workers(labels, k * k, counts, |l, m| {
        let t = l.task as usize;
        let p = &post[t * k..(t + 1) * k];
        let row = &mut m[l.class as usize * k..(l.class as usize + 1) * k];
        for (r, v) in row.iter_mut().zip(p) {
            *r += v;
        }
    });
}

/// M-step: confusion rows `[observed][true]` per worker from the count tables.
fn normalize(labels: &Labels, counts: &[f64], err: &mut [f64], skills: &mut [f64], one_coin: bool) {
    let k = labels.n_classes();
    err.copy_from_slice(counts);
    for_each_worker(labels, err, k * k, |_, m| {
        if one_coin {
            // Each label adds a posterior row summing to 1: the total is the label count.
            let n: f64 = m.iter().sum();
            let correct: f64 = (0..k).map(|c| m[c * k + c]).sum();
            let s = if n > 0.0 { correct / n } else { 0.0 };
            let off = if k > 1 {
                (1.0 - s) / (k - 1) as f64
            } else {
                0.0
            };
            for obs in 0..k {
                let row = &mut m[obs * k..(obs + 1) * k];
                if row.iter().sum::<f64>() <= 0.0 {
                    continue; // class never used by this worker
                }
                for (c, v) in row.iter_mut().enumerate() {
                    let x = if c == obs { s } else { off };
                    *v = x.clamp(EPS, 1.0 - EPS);
                }
            }
        } else {
            for obs in 0..k {
                let row = &mut m[obs * k..(obs + 1) * k];
                if row.iter().sum::<f64>() <= 0.0 {
                    continue; // class never used by this worker: stays 0
                }
                row.iter_mut().for_each(|v| *v = v.max(EPS));
            }
            for c in 0..k {
                let mut col = 0.0;
                for obs in 0..k {
                    col += m[obs * k + c];
                }
                if col > 0.0 {
                    for obs in 0..k {
                        m[obs * k + c] /= col;
                    }
                }
            }
        }
    });
    if one_coin {
        // The skill is the diagonal value (clipped), identical for every used row.
        for (w, s) in skills.iter_mut().enumerate() {
            let m = &err[w * k * k..(w + 1) * k * k];
            *s = (0..k)
                .find(|&obs| m[obs * k..(obs + 1) * k].iter().any(|v| *v > 0.0))
                .map_or(0.0, |obs| m[obs * k + obs]);
        }
    }
}

fn log_table(err: &[f64], log_err: &mut [f64]) {
    for (l, e) in log_err.iter_mut().zip(err) {
        *l = if *e > 0.0 { e.ln() } else { f64::NEG_INFINITY };
    }
}

/// Per-pass sums for the prior and the objective.
struct PassStats {
    /// Σ_t p_t (the prior is this over the number of tasks).
    prior_sum: Vec<f64>,
    /// Σ_t n_t p_t (the prior term of the objective counts every label).
    weighted: Vec<f64>,
    /// Σ_t H(p_t) with p clipped at `EPS`, as crowd-kit computes it.
    entropy: f64,
}

/// The fused pass for one task: E-step row, entropy and prior sums into `st`, counts into `cnt`.
#[inline(always)]
fn task_step(
    k: usize,
    row: &mut [f64],
    ls: &[crate::data::Label],
    log_prior: &[f64],
    log_err: &[f64],
    cnt: &mut [f64],
    st: &mut [f64],
) {
    let row = &mut row[..k];
    row.copy_from_slice(&log_prior[..k]);
    for l in ls {
        let base = (l.worker as usize * k + l.class as usize) * k;
        for (r, v) in row.iter_mut().zip(&log_err[base..base + k]) {
            *r += v;
        }
    }
    let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (mut sum, mut ed) = (0.0, 0.0);
    if max.is_finite() {
        for v in row.iter_mut() {
            let d = *v - max;
            *v = d.exp();
            sum += *v;
            ed += *v * d;
        }
    } else {
        row.iter_mut().for_each(|v| *v = 1.0);
        sum = k as f64;
    }
    // H = ln S − Σ e·d / S for p = e / S; then crowd-kit's clip of tiny p at EPS.
    let mut h = sum.ln() - ed / sum;
    let n_l = ls.len() as f64;
    for (c, v) in row.iter_mut().enumerate() {
        *v /= sum;
        if *v < EPS {
            h += -EPS * EPS.ln() + if *v > 0.0 { *v * v.ln() } else { 0.0 };
        }
        st[c] += *v;
        st[k + c] += n_l * *v;
    }
    st[2 * k] += h;
    for l in ls {
        let base = (l.worker as usize * k + l.class as usize) * k;
        for (c, v) in cnt[base..base + k].iter_mut().zip(row.iter()) {
            *c += v;
        }
    }
}

/// One pass over the tasks: E-step (posterior from the prior and the log confusions), then the
/// new count tables and the per-task terms of the objective, while the rows are in cache. Large
/// inputs run in a fixed number of task ranges, reduced in order (thread-count independent).
fn fused_pass(
    labels: &Labels,
    log_prior: &[f64],
    log_err: &[f64],
    post: &mut [f64],
    counts: &mut [f64],
) -> PassStats {
    let k = labels.n_classes();
    let n_t = labels.n_tasks();
    let cells = counts.len();
    let chunks = if labels.len() < super::PAR_LABELS {
        1
    } else if cells <= 1 << 20 {
        8
    } else {
        2
    };
    let per = n_t.div_ceil(chunks).max(1);
    let run = |ci: usize, rows: &mut [f64]| -> (Vec<f64>, Vec<f64>) {
        let mut cnt = vec![0.0; cells];
        // stats: prior_sum[k], weighted[k], entropy
        let mut st = vec![0.0; 2 * k + 1];
        for (i, row) in rows.chunks_exact_mut(k).enumerate() {
            let ls = labels.task(ci * per + i);
            // A literal k lets the compiler unroll the class loops for the common sizes.
            match k {
                2 => task_step(2, row, ls, log_prior, log_err, &mut cnt, &mut st),
                3 => task_step(3, row, ls, log_prior, log_err, &mut cnt, &mut st),
                4 => task_step(4, row, ls, log_prior, log_err, &mut cnt, &mut st),
                5 => task_step(5, row, ls, log_prior, log_err, &mut cnt, &mut st),
                _ => task_step(k, row, ls, log_prior, log_err, &mut cnt, &mut st),
            }
        }
        (cnt, st)
    };
    let parts: Vec<(Vec<f64>, Vec<f64>)> = if chunks == 1 {
        vec![run(0, post)]
    } else {
        post.par_chunks_mut(per * k)
            .enumerate()
            .map(|(ci, rows)| run(ci, rows))
            .collect()
    };
    counts.iter_mut().for_each(|v| *v = 0.0);
    let mut st = vec![0.0; 2 * k + 1];
    for (cnt, s) in parts {
        for (o, v) in counts.iter_mut().zip(cnt) {
            *o += v;
        }
        for (o, v) in st.iter_mut().zip(s) {
            *o += v;
        }
    }
    PassStats {
        prior_sum: st[..k].to_vec(),
        weighted: st[k..2 * k].to_vec(),
        entropy: st[2 * k],
    }
}
