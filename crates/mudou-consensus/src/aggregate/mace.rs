//! MACE (Hovy et al. 2013): each answer is either given knowingly (the true class) or by
//! spamming (a draw from the worker's own strategy distribution). Variational Bayes as in
//! crowd-kit's default (`method="vb"`, Beta(0.5, 0.5) on spamming), with a stronger
//! Dirichlet prior on strategies than crowd-kit's 10 (1000 by default, see
//! [`MaceOptions::strategy_prior`]), and seeded restarts (the best marginal likelihood wins).
//! `MaceOptions { em: true, .. }` runs plain EM instead.
//!
//! The E-step is O(labels + tasks × K): per answer two logs taken from a per-worker table, and
//! the spamming posterior of an answer has the closed form
//! `1 − p + p · sθ/(sθ + k)` with `p` the posterior of the answered class.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{
    Aggregation, MaceOptions, WorkerModel, decide_all, for_each_task, for_each_worker,
    mean_posterior, scatter_workers,
};
use crate::data::Labels;
use crate::error::{Result, invalid};
use rayon::prelude::*;

/// MACE with the given options.
pub fn mace(labels: &Labels, opts: &MaceOptions) -> Result<Aggregation> {
    if opts.tol.is_nan() {
        return Err(invalid("tol", "must not be NaN"));
    }
    if !(opts.spam_prior.0 > 0.0 && opts.spam_prior.1 > 0.0 && opts.strategy_prior > 0.0) {
        return Err(invalid("priors", "must be positive"));
    }
    let k = labels.n_classes();
    let n_t = labels.n_tasks();
    let n_w = labels.n_workers();
    let n = labels.len().max(1) as f64;
    // Per worker: [spam, know, theta_0..theta_k] (variational, sub-normalised).
    let width = k + 2;
    let mut params = vec![0.0; n_w * width];
    // Per worker per class: [ln(s·θ_l), ln(s·θ_l + know)].
    let mut logs = vec![0.0; n_w * k * 2];
    let mut post = vec![0.0; n_t * k];
    let mut counts = vec![0.0; n_w * width];

    let mut best: Option<(f64, Vec<f64>, Vec<f64>)> = None;
    let mut total_iters = 0u32;
    let mut all_converged = true;
    for r in 0..opts.restarts.max(1) {
        let mut rng = ChaCha8Rng::seed_from_u64(opts.seed.wrapping_add(u64::from(r)));
        for row in params.chunks_exact_mut(width) {
            let (a, b): (f64, f64) = (rng.random_range(1.0..2.5), rng.random_range(1.0..2.5));
            row[0] = a / (a + b);
            row[1] = b / (a + b);
            let th = &mut row[2..];
            th.iter_mut().for_each(|v| *v = rng.random_range(1.0..2.5));
            let s: f64 = th.iter().sum();
            th.iter_mut().for_each(|v| *v /= s);
        }
        if r == 0 && opts.vote_start {
            // First restart: start from majority-vote shares with neutral parameters.
            for row in params.chunks_exact_mut(width) {
                row[0] = 0.5;
                row[1] = 0.5;
                row[2..].iter_mut().for_each(|v| *v = 1.0 / k as f64);
            }
            for_each_task(labels, &mut post, k, |_, ls, row| {
                row.iter_mut().for_each(|v| *v = 0.0);
                for l in ls {
                    row[l.class as usize] += 1.0;
                }
                let n = ls.len().max(1) as f64;
                row.iter_mut().for_each(|v| *v /= n);
            });
            m_step(labels, &post, opts, &mut params, &mut counts);
        }
        fill_logs(&params, k, &mut logs);
        let mut log_prior = vec![-(k as f64).ln(); k];
        let mut lml = fused_pass(labels, &logs, &log_prior, &params, &mut post, &mut counts) / n;
        let mut converged = false;
        for _ in 0..opts.max_iter {
            update_params(labels, &counts, opts, &mut params);
            fill_logs(&params, k, &mut logs);
            if opts.prior_weight > 0.0 {
                mean_posterior(&post, k, &mut log_prior);
                let u = 1.0 / k as f64;
                let lam = opts.prior_weight.min(1.0);
                log_prior
                    .iter_mut()
                    .for_each(|p| *p = ((1.0 - lam) * u + lam * *p).max(super::EPS).ln());
            }
            let new = fused_pass(labels, &logs, &log_prior, &params, &mut post, &mut counts) / n;
            total_iters += 1;
            let gain = new - lml;
            lml = new;
            if gain.abs() < opts.tol {
                converged = true;
                break;
            }
        }
        all_converged &= converged;
        if best.as_ref().is_none_or(|(b, _, _)| lml > *b) {
            best = Some((lml, params.clone(), post.clone()));
        }
    }
    let (_, params, post) = best.unwrap_or_default();
    let mut spam = Vec::with_capacity(n_w);
    let mut strategy = Vec::with_capacity(n_w * k);
    for row in params.chunks_exact(width) {
        let z = row[0] + row[1];
        spam.push(if z > 0.0 { row[0] / z } else { 0.5 });
        let s: f64 = row[2..].iter().sum();
        strategy.extend(row[2..].iter().map(|v| if s > 0.0 { v / s } else { 0.0 }));
    }
    let (chosen, ties) = decide_all(&post, k);
    let mut prior = vec![0.0; k];
    mean_posterior(&post, k, &mut prior);
    Ok(Aggregation {
        n_classes: k,
        labels: chosen,
        posteriors: post,
        ties,
        workers: WorkerModel::Mace { spam, strategy },
        prior,
        iterations: total_iters,
        converged: all_converged,
    })
}

fn fill_logs(params: &[f64], k: usize, logs: &mut [f64]) {
    let width = k + 2;
    for (row, out) in params.chunks_exact(width).zip(logs.chunks_exact_mut(2 * k)) {
        let (spam, know) = (row[0], row[1]);
        for l in 0..k {
            let st = spam * row[2 + l];
            out[2 * l] = st.ln();
            out[2 * l + 1] = (st + know).ln();
        }
    }
}

/// Posteriors into `post`; returns the log marginal likelihood Σ_t log p(answers of t).
/// One pass over the tasks: posteriors into `post` (E-step), the expected counts of the next
/// M-step into `counts` (with the same parameters, while each row is in cache), and the log
/// marginal likelihood Σ_t log p(answers of t) as the return value. Large inputs run in a fixed
/// number of task ranges reduced in order, so results do not depend on the thread count.
fn fused_pass(
    labels: &Labels,
    logs: &[f64],
    log_prior: &[f64],
    params: &[f64],
    post: &mut [f64],
    counts: &mut [f64],
) -> f64 {
    let k = labels.n_classes();
    let width = k + 2;
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
    let run = |ci: usize, rows: &mut [f64]| -> (Vec<f64>, f64) {
        let mut cnt = vec![0.0; cells];
        let mut lz = 0.0;
        for (i, row) in rows.chunks_exact_mut(k).enumerate() {
            let ls = labels.task(ci * per + i);
            let mut base = 0.0;
            row.copy_from_slice(log_prior);
            for l in ls {
                let j = (l.worker as usize * k + l.class as usize) * 2;
                base += logs[j];
                row[l.class as usize] += logs[j + 1] - logs[j];
            }
            let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let mut sum = 0.0;
            for v in row.iter_mut() {
                *v = (*v - max).exp();
                sum += *v;
            }
            lz += base + max + sum.ln();
            row.iter_mut().for_each(|v| *v /= sum);
            for l in ls {
                let w = l.worker as usize;
                let prm = &params[w * width..(w + 1) * width];
                let c = l.class as usize;
                let p = row[c];
                let st = prm[0] * prm[2 + c];
                let s_post = (1.0 - p) + p * st / (st + prm[1]);
                let acc = &mut cnt[w * width..(w + 1) * width];
                acc[0] += s_post;
                acc[1] += 1.0 - s_post;
                acc[2 + c] += s_post;
            }
        }
        (cnt, lz)
    };
    let parts: Vec<(Vec<f64>, f64)> = if chunks == 1 {
        vec![run(0, post)]
    } else {
        post.par_chunks_mut(per * k)
            .enumerate()
            .map(|(ci, rows)| run(ci, rows))
            .collect()
    };
    counts.iter_mut().for_each(|v| *v = 0.0);
    let mut lz = 0.0;
    for (cnt, z) in parts {
        for (o, v) in counts.iter_mut().zip(cnt) {
            *o += v;
        }
        lz += z;
    }
    lz
}

/// Expected counts from given posteriors (used once, for the majority-vote start), then the
/// parameter update.
fn m_step(
    labels: &Labels,
    post: &[f64],
    opts: &MaceOptions,
    params: &mut [f64],
    counts: &mut [f64],
) {
    let k = labels.n_classes();
    let width = k + 2;
    {
        let params: &[f64] = params;
        scatter_workers(labels, width, counts, |l, acc| {
            let row = &params[l.worker as usize * width..(l.worker as usize + 1) * width];
            let c = l.class as usize;
            let p = post[l.task as usize * k + c];
            let st = row[0] * row[2 + c];
            let s_post = (1.0 - p) + p * st / (st + row[1]);
            acc[0] += s_post;
            acc[1] += 1.0 - s_post;
            acc[2 + c] += s_post;
        });
    }
    update_params(labels, counts, opts, params);
}

/// Variational M-step: `exp(ψ(count + prior)) / exp(ψ(Σ count + prior))` per worker.
fn update_params(labels: &Labels, counts: &[f64], opts: &MaceOptions, params: &mut [f64]) {
    let k = labels.n_classes();
    let width = k + 2;
    let (pa, pb, ps) = (opts.spam_prior.0, opts.spam_prior.1, opts.strategy_prior);
    if opts.em {
        let sm = 0.01 / k as f64;
        for_each_worker(labels, params, width, |w, row| {
            let cnt = &counts[w * width..(w + 1) * width];
            let z = cnt[0] + cnt[1] + 2.0 * sm;
            row[0] = (cnt[0] + sm) / z;
            row[1] = (cnt[1] + sm) / z;
            let zs: f64 = cnt[2..].iter().sum::<f64>() + sm * k as f64;
            for c in 0..k {
                row[2 + c] = (cnt[2 + c] + sm) / zs;
            }
        });
        return;
    }
    for_each_worker(labels, params, width, |w, row| {
        let cnt = &counts[w * width..(w + 1) * width];
        let d_total = digamma(cnt[0] + cnt[1] + pa + pb).exp();
        row[0] = digamma(cnt[0] + pa).exp() / d_total;
        row[1] = digamma(cnt[1] + pb).exp() / d_total;
        let sum_strat: f64 = cnt[2..].iter().sum::<f64>() + ps * k as f64;
        let d_strat = digamma(sum_strat).exp();
        for c in 0..k {
            row[2 + c] = digamma(cnt[2 + c] + ps).exp() / d_strat;
        }
    });
}

/// The digamma function ψ(x) for x > 0 (recurrence up to 10, then the asymptotic series).
pub(crate) fn digamma(mut x: f64) -> f64 {
    let mut r = 0.0;
    while x < 10.0 {
        r -= 1.0 / x;
        x += 1.0;
    }
    let f = 1.0 / (x * x);
    r + x.ln()
        - 0.5 / x
        - f * (1.0 / 12.0 - f * (1.0 / 120.0 - f * (1.0 / 252.0 - f * (1.0 / 240.0 - f / 132.0))))
}

#[cfg(test)]
mod tests {
    use super::digamma;

    #[test]
    fn digamma_known_values() {
        // ψ(1) = −γ, ψ(0.5) = −γ − 2 ln 2
        let gamma = 0.577_215_664_901_532_9;
        assert!((digamma(1.0) + gamma).abs() < 1e-12);
        assert!((digamma(0.5) + gamma + 2.0 * 2f64.ln()).abs() < 1e-12);
        assert!((digamma(10.0) - 2.251_752_589_066_721).abs() < 1e-12);
    }
}
