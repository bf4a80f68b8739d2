//! Dawid–Skene (full confusion matrices) and one-coin Dawid–Skene, by EM.
//!
//! The iteration follows crowd-kit 1.4 step for step, so that both stop after the same number
//! of iterations on the same data: start from majority-vote shares, M-step, then repeat
//! E-step → prior → M-step → objective until the per-label evidence lower bound improves by
//! less than `tol`. Probabilities are clipped at `1e-10` before logs are taken, and a worker's
//! confusion column is normalised over the classes that worker actually used.

use super::{
    Aggregation, EPS, EmOptions, WorkerModel, decide_all, for_each_task, for_each_worker,
    mean_posterior, softmax_in_place, sum_over_tasks,
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
    let mut scratch = Vec::new();

    m_step(labels, &post, &mut err, &mut skills, one_coin);
    log_table(&err, &mut log_err);

    let mut loss = f64::NEG_INFINITY;
    let mut iterations = 0;
    let mut converged = false;
    for it in 0..opts.max_iter {
        for (lp, p) in log_prior.iter_mut().zip(&prior) {
            *lp = p.max(EPS).ln();
        }
        e_step(labels, &log_prior, &log_err, &mut post);
        mean_posterior(&post, k, &mut prior);
        m_step(labels, &post, &mut err, &mut skills, one_coin);
        log_table(&err, &mut log_err);
        for (lp, p) in log_prior.iter_mut().zip(&prior) {
            *lp = p.max(EPS).ln();
        }
        let new_loss = elbo(labels, &post, &log_prior, &log_err, &mut scratch) / n;
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

/// Confusion rows `[observed][true]` per worker from the posteriors.
fn m_step(labels: &Labels, post: &[f64], err: &mut [f64], skills: &mut [f64], one_coin: bool) {
    let k = labels.n_classes();
    for_each_worker(labels, err, k * k, |w, m| {
        m.iter_mut().for_each(|v| *v = 0.0);
        let mut n = 0usize;
        let mut correct = 0.0;
        for l in labels.worker(w) {
            let p = &post[l.task as usize * k..(l.task as usize + 1) * k];
            let row = &mut m[l.class as usize * k..(l.class as usize + 1) * k];
            for (r, v) in row.iter_mut().zip(p) {
                *r += v;
            }
            correct += p[l.class as usize];
            n += 1;
        }
        if one_coin {
            let s = if n == 0 { 0.0 } else { correct / n as f64 };
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
        for (w, s) in skills.iter_mut().enumerate() {
            let mut n = 0usize;
            let mut correct = 0.0;
            for l in labels.worker(w) {
                correct += post[l.task as usize * k + l.class as usize];
                n += 1;
            }
            *s = if n == 0 { 0.0 } else { correct / n as f64 };
        }
    }
}

fn log_table(err: &[f64], log_err: &mut [f64]) {
    for (l, e) in log_err.iter_mut().zip(err) {
        *l = if *e > 0.0 { e.ln() } else { f64::NEG_INFINITY };
    }
}

fn e_step(labels: &Labels, log_prior: &[f64], log_err: &[f64], post: &mut [f64]) {
    let k = labels.n_classes();
    for_each_task(labels, post, k, |_, ls, row| {
        row.copy_from_slice(log_prior);
        for l in ls {
            let base = (l.worker as usize * k + l.class as usize) * k;
            for (r, v) in row.iter_mut().zip(&log_err[base..base + k]) {
                *r += v;
            }
        }
        softmax_in_place(row);
    });
}

/// crowd-kit's evidence lower bound: Σ_labels Σ_c p(c)(log e[w][obs][c] + log π_c) + H(p).
fn elbo(
    labels: &Labels,
    post: &[f64],
    log_prior: &[f64],
    log_err: &[f64],
    scratch: &mut Vec<f64>,
) -> f64 {
    let k = labels.n_classes();
    sum_over_tasks(labels, scratch, |t, ls| {
        let p = &post[t * k..(t + 1) * k];
        let mut s = 0.0;
        for l in ls {
            let base = (l.worker as usize * k + l.class as usize) * k;
            for c in 0..k {
                s += p[c] * (log_err[base + c] + log_prior[c]);
            }
        }
        for &pc in p {
            let q = pc.max(EPS);
            s -= q * q.ln();
        }
        s
    })
}
