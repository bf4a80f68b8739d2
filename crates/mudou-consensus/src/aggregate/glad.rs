//! GLAD (Whitehill et al. 2009): worker ability `alpha` and task difficulty `exp(beta)`;
//! P(answer correct) = σ(alpha · exp(beta)), wrong answers spread evenly over the other classes.
//!
//! EM as in crowd-kit 1.4 (uniform class prior, N(1, 1) priors on `alpha` and `beta`, same
//! objective and stopping rule), but the M-step is block-coordinate Newton ascent: every
//! `alpha_w` given `beta`, then every `beta_t` given `alpha`, each a one-dimensional problem,
//! so workers and tasks update independently (and in parallel) in O(labels).

use super::{
    Aggregation, GladOptions, WorkerModel, decide_all, for_each_task, scatter_workers,
    softmax_in_place, sum_over_tasks,
};
use crate::data::Labels;
use crate::error::{Result, invalid};

const MAX_STEP: f64 = 2.0;

/// GLAD with the given options.
pub fn glad(labels: &Labels, opts: &GladOptions) -> Result<Aggregation> {
    if opts.tol.is_nan() {
        return Err(invalid("tol", "must not be NaN"));
    }
    let k = labels.n_classes();
    let n_t = labels.n_tasks();
    let n_w = labels.n_workers();
    let mut alpha = vec![1.0; n_w];
    let mut beta = vec![1.0; n_t];
    let mut post = vec![1.0 / k as f64; n_t * k];
    let prior = vec![1.0 / k as f64; k];
    if k == 1 {
        return Ok(Aggregation {
            n_classes: 1,
            labels: vec![0; n_t],
            posteriors: post,
            ties: Vec::new(),
            workers: WorkerModel::Glad { alpha, beta },
            prior,
            iterations: 0,
            converged: true,
        });
    }
    let ln_km1 = ((k - 1) as f64).ln();
    let ln_prior = -(k as f64).ln();
    let rows = (labels.len() * k).max(1) as f64;
    let mut scratch = Vec::new();
    let mut gh = vec![0.0; n_w * 2];

    let mut q = f64::NEG_INFINITY;
    let mut iterations = 0;
    let mut converged = false;
    for it in 0..opts.max_iter {
        let last_q = q;
        e_step(labels, &alpha, &beta, ln_prior, ln_km1, &mut post);
        for _ in 0..opts.m_step_rounds.max(1) {
            let ga = update_alpha(labels, &beta, &post, &mut alpha, &mut gh);
            let gb = update_beta(labels, &alpha, &post, &mut beta, &mut scratch);
            // scipy's `gtol`: stop when no gradient component is larger (before the steps).
            if ga.max(gb) < opts.m_step_gtol {
                break;
            }
        }
        q = objective(labels, &alpha, &beta, &post, ln_km1, &mut scratch) / rows;
        iterations = it + 1;
        if q - last_q < opts.tol {
            converged = true;
            break;
        }
    }
    let (chosen, ties) = decide_all(&post, k);
    Ok(Aggregation {
        n_classes: k,
        labels: chosen,
        posteriors: post,
        ties,
        workers: WorkerModel::Glad { alpha, beta },
        prior,
        iterations,
        converged,
    })
}

/// `(log σ(x), log(1 - σ(x)))`, stable for large |x|.
#[inline]
fn log_sig(x: f64) -> (f64, f64) {
    // log σ(x) = -softplus(-x); log(1-σ(x)) = -softplus(x)
    (-softplus(-x), -softplus(x))
}

#[inline]
fn softplus(x: f64) -> f64 {
    if x > 30.0 {
        x
    } else if x < -30.0 {
        x.exp()
    } else {
        x.exp().ln_1p()
    }
}

#[inline]
fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

fn e_step(
    labels: &Labels,
    alpha: &[f64],
    beta: &[f64],
    ln_prior: f64,
    ln_km1: f64,
    post: &mut [f64],
) {
    let k = labels.n_classes();
    for_each_task(labels, post, k, |t, ls, row| {
        let eb = beta[t].exp();
        let mut base = ln_prior;
        row.iter_mut().for_each(|v| *v = 0.0);
        for l in ls {
            let (ls_, l1m) = log_sig(alpha[l.worker as usize] * eb);
            let wrong = l1m - ln_km1;
            base += wrong;
            row[l.class as usize] += ls_ - wrong;
        }
        row.iter_mut().for_each(|v| *v += base);
        softmax_in_place(row);
    });
}

/// One Newton step per worker; returns the largest |gradient| before the step.
fn update_alpha(
    labels: &Labels,
    beta: &[f64],
    post: &[f64],
    alpha: &mut [f64],
    gh: &mut [f64],
) -> f64 {
    let k = labels.n_classes();
    // Gradient and curvature per worker, from one sequential pass over the labels.
    scatter_workers(labels, 2, gh, |l, acc| {
        let t = l.task as usize;
        let eb = beta[t].exp();
        let s = sigmoid(alpha[l.worker as usize] * eb);
        let p = post[t * k + l.class as usize];
        acc[0] += (p - s) * eb;
        acc[1] += s * (1.0 - s) * eb * eb;
    });
    let mut max_grad = 0.0f64;
    for (a, g) in alpha.iter_mut().zip(gh.chunks_exact(2)) {
        let grad = g[0] - (*a - 1.0);
        let h = g[1] + 1.0;
        max_grad = max_grad.max(grad.abs());
        *a += (grad / h).clamp(-MAX_STEP, MAX_STEP);
    }
    max_grad
}

/// One Newton step per task; returns the largest |gradient| before the step.
fn update_beta(
    labels: &Labels,
    alpha: &[f64],
    post: &[f64],
    beta: &mut [f64],
    pairs: &mut Vec<f64>,
) -> f64 {
    let k = labels.n_classes();
    // Per task (new beta, |gradient|), computed in parallel from the old `beta`.
    pairs.clear();
    pairs.resize(beta.len() * 2, 0.0);
    {
        let beta: &[f64] = beta;
        for_each_task(labels, pairs, 2, |t, ls, out| {
            let bt = beta[t];
            let eb = bt.exp();
            let (mut g, mut h) = (-(bt - 1.0), 1.0);
            for l in ls {
                let x = alpha[l.worker as usize] * eb;
                let s = sigmoid(x);
                let p = post[t * k + l.class as usize];
                g += (p - s) * x;
                h += s * (1.0 - s) * x * x;
            }
            out[0] = bt + (g / h).clamp(-MAX_STEP, MAX_STEP);
            out[1] = g.abs();
        });
    }
    let mut max_grad = 0.0f64;
    for (b, pair) in beta.iter_mut().zip(pairs.chunks_exact(2)) {
        *b = pair[0];
        max_grad = max_grad.max(pair[1]);
    }
    max_grad
}

/// crowd-kit's Q: expected complete-data log-likelihood plus the Gaussian log-priors.
fn objective(
    labels: &Labels,
    alpha: &[f64],
    beta: &[f64],
    post: &[f64],
    ln_km1: f64,
    scratch: &mut Vec<f64>,
) -> f64 {
    let k = labels.n_classes();
    let half_ln_2pi = 0.5 * (2.0 * std::f64::consts::PI).ln();
    let ln_n = |z: f64| -0.5 * z * z - half_ln_2pi;
    let data = sum_over_tasks(labels, scratch, |t, ls| {
        let eb = beta[t].exp();
        let mut s = ln_n(beta[t] - 1.0);
        for l in ls {
            let (lsig, l1m) = log_sig(alpha[l.worker as usize] * eb);
            let p = post[t * k + l.class as usize];
            s += p * lsig + (1.0 - p) * (l1m - ln_km1);
        }
        s
    });
    data + alpha.iter().map(|a| ln_n(a - 1.0)).sum::<f64>()
}
