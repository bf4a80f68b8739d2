//! Batch categorical aggregation: majority vote, weighted majority vote, Wawa, Dawid–Skene,
//! one-coin Dawid–Skene, GLAD and MACE.
//!
//! Every method takes validated [`Labels`] and returns an [`Aggregation`]: per task the chosen
//! class and the posterior over classes, per worker its skill model, and the iterations used.
//! Ties in the final argmax go to the lowest class index (and are listed in
//! [`Aggregation::ties`]).

mod ds;
mod glad;
mod mace;
mod mv;

use std::fmt;
use std::str::FromStr;

pub use ds::{dawid_skene, one_coin_dawid_skene};
pub use glad::glad;
pub use mace::mace;
pub use mv::{majority_vote, wawa, weighted_majority_vote};

use rayon::prelude::*;

use crate::data::{Label, Labels};
use crate::error::{Error, Result};

/// Probabilities are clipped below at this value where logs are taken (as crowd-kit does).
pub(crate) const EPS: f64 = 1e-10;

/// Below this many labels the work stays on the calling thread (rayon overhead dominates).
pub(crate) const PAR_LABELS: usize = 32_768;

/// What the batch methods learn about each worker.
#[derive(Debug, Clone, PartialEq)]
pub enum WorkerModel {
    /// One number per worker: a weight (weighted MV), agreement with MV (Wawa, MV) or
    /// probability of answering correctly (one-coin DS).
    Skill(Vec<f64>),
    /// Dawid–Skene confusion matrices, `n_workers × K × K`, indexed
    /// `[worker][observed][true]`: each true-class column sums to one over the observed
    /// classes the worker used (classes a worker never used have probability 0).
    Confusion(Vec<f64>),
    /// GLAD: worker ability `alpha` (higher is better, negative is adversarial) and task
    /// log-difficulty parameter `beta` (the model uses `exp(beta)`; higher is easier).
    Glad {
        /// Per worker ability.
        alpha: Vec<f64>,
        /// Per task `beta` (`1/difficulty = exp(beta)`).
        beta: Vec<f64>,
    },
    /// MACE: per worker probability of spamming and the spamming strategy (`n_workers × K`,
    /// the distribution of answers given when spamming).
    Mace {
        /// Per worker probability that an answer is a spam answer (not looking at the item).
        spam: Vec<f64>,
        /// Per worker spamming distribution over classes, row-major `n_workers × K`.
        strategy: Vec<f64>,
    },
}

/// The result of a batch aggregation.
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregation {
    /// Number of classes (row length of [`Aggregation::posteriors`]).
    pub n_classes: usize,
    /// Chosen class per task (the argmax of its posterior, lowest index on ties).
    pub labels: Vec<u32>,
    /// Posterior over classes per task, row-major `n_tasks × n_classes`; rows sum to 1.
    pub posteriors: Vec<f64>,
    /// Tasks whose top posterior value is shared by more than one class.
    pub ties: Vec<u32>,
    /// Per-worker skill model.
    pub workers: WorkerModel,
    /// Class prior used or learned (length `n_classes`).
    pub prior: Vec<f64>,
    /// EM iterations used (0 for the one-pass methods).
    pub iterations: u32,
    /// Whether the convergence tolerance was reached before the iteration cap.
    pub converged: bool,
}

impl Aggregation {
    /// Number of tasks.
    pub fn n_tasks(&self) -> usize {
        self.labels.len()
    }
    /// Posterior of task `t` (empty when out of range).
    pub fn posterior(&self, t: usize) -> &[f64] {
        let k = self.n_classes;
        self.posteriors.get(t * k..(t + 1) * k).unwrap_or(&[])
    }
    /// Confidence of task `t`: the posterior probability of its chosen class.
    pub fn confidence(&self, t: usize) -> f64 {
        match self.labels.get(t) {
            Some(&c) => self.posterior(t)[c as usize],
            None => 0.0,
        }
    }
}

/// Options shared by the EM methods (Dawid–Skene, one-coin DS). Defaults are crowd-kit's:
/// at most 100 iterations, stop when the per-label objective improves by less than `1e-5`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EmOptions {
    /// Iteration cap.
    pub max_iter: u32,
    /// Stop when the objective (per label) improves by less than this.
    pub tol: f64,
}

impl Default for EmOptions {
    fn default() -> Self {
        Self {
            max_iter: 100,
            tol: 1e-5,
        }
    }
}

impl EmOptions {
    pub(crate) fn check(&self) -> Result<()> {
        if self.tol.is_nan() {
            return Err(crate::error::invalid("tol", "must not be NaN"));
        }
        Ok(())
    }
}

/// The aggregation methods, for callers that pick one at run time (the CLI, the server).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// Majority vote.
    MajorityVote,
    /// Worker agreement with aggregate (MV weighted by agreement with MV).
    Wawa,
    /// Dawid–Skene.
    DawidSkene,
    /// One-coin Dawid–Skene.
    OneCoinDawidSkene,
    /// GLAD.
    Glad,
    /// MACE.
    Mace,
}

impl Method {
    /// All methods, in the order of the CLI help.
    pub const ALL: [Method; 6] = [
        Method::MajorityVote,
        Method::Wawa,
        Method::DawidSkene,
        Method::OneCoinDawidSkene,
        Method::Glad,
        Method::Mace,
    ];

    /// The short name used on the command line (`mv`, `wawa`, `ds`, `onecoin`, `glad`, `mace`).
    pub fn as_str(self) -> &'static str {
        match self {
            Method::MajorityVote => "mv",
            Method::Wawa => "wawa",
            Method::DawidSkene => "ds",
            Method::OneCoinDawidSkene => "onecoin",
            Method::Glad => "glad",
            Method::Mace => "mace",
        }
    }

    /// Runs the method with its default options.
    pub fn run(self, labels: &Labels) -> Result<Aggregation> {
        match self {
            Method::MajorityVote => majority_vote(labels),
            Method::Wawa => wawa(labels),
            Method::DawidSkene => dawid_skene(labels, &EmOptions::default()),
            Method::OneCoinDawidSkene => one_coin_dawid_skene(labels, &EmOptions::default()),
            Method::Glad => glad(labels, &GladOptions::default()),
            Method::Mace => mace(labels, &MaceOptions::default()),
        }
    }

    /// Runs the method with crowd-kit 1.4.2's default settings ([`GladOptions::crowdkit`],
    /// [`MaceOptions::crowdkit`]; the other methods' defaults already are crowd-kit's), to
    /// compare the two like for like.
    pub fn run_crowdkit(self, labels: &Labels) -> Result<Aggregation> {
        match self {
            Method::Glad => glad(labels, &GladOptions::crowdkit()),
            Method::Mace => mace(labels, &MaceOptions::crowdkit()),
            _ => self.run(labels),
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Method {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Method::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                crate::error::invalid(
                    "method",
                    format!(
                        "unknown method {s:?}; expected one of mv, wawa, ds, onecoin, glad, mace"
                    ),
                )
            })
    }
}

/// GLAD options. Defaults follow crowd-kit (100 EM iterations, `tol = 1e-5`, N(1, 1) priors on
/// `alpha` and `beta`, uniform class prior); the M-step is a few rounds of per-parameter Newton
/// steps instead of scipy's conjugate gradient.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GladOptions {
    /// Iteration cap.
    pub max_iter: u32,
    /// Stop when the per-row objective improves by less than this.
    pub tol: f64,
    /// Newton rounds (alpha then beta) per M-step, at most.
    pub m_step_rounds: u32,
    /// Stop the M-step's rounds early when no component of the gradient exceeds this
    /// (scipy's `gtol`, as crowd-kit's conjugate-gradient M-step; `0.0`: always all rounds).
    pub m_step_gtol: f64,
}

impl Default for GladOptions {
    fn default() -> Self {
        Self {
            max_iter: 100,
            tol: 1e-5,
            m_step_rounds: 2,
            m_step_gtol: 0.0,
        }
    }
}

impl GladOptions {
    /// crowd-kit 1.4.2's `GLAD()` defaults: at most 100 EM iterations, stop when the per-row
    /// objective gains less than `1e-5`, and an M-step optimised as crowd-kit's (at most 25
    /// rounds, until no gradient component exceeds `1e-2`: its conjugate gradient's
    /// `maxiter=25`, `tol=1e-2`) instead of our two Newton rounds.
    pub fn crowdkit() -> Self {
        Self {
            max_iter: 100,
            tol: 1e-5,
            m_step_rounds: 25,
            m_step_gtol: 1e-2,
        }
    }
}

/// MACE options (variational Bayes, as crowd-kit's default `method="vb"`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MaceOptions {
    /// Random restarts; the one with the highest marginal likelihood wins.
    pub restarts: u32,
    /// Iteration cap per restart (crowd-kit: 50 and no tolerance; 100 with the tolerance here).
    pub max_iter: u32,
    /// Stop a restart when the per-label log marginal likelihood improves by less than this
    /// (crowd-kit has no tolerance and always runs `max_iter`; `0.0` reproduces that).
    pub tol: f64,
    /// Seed for the restarts' random initialisation.
    pub seed: u64,
    /// Beta prior on (spamming, knowing), crowd-kit's `alpha`/`beta` (0.5, 0.5).
    pub spam_prior: (f64, f64),
    /// Dirichlet prior on each worker's spamming strategy. Default 1000: strategies stay close
    /// to uniform unless a worker has thousands of answers. crowd-kit (and the MACE tool) use
    /// 10, which lets a worker's strategy follow its answer shares; on sets with a dominant
    /// class (product, 88/12) a good worker's answers then look like a biased spammer's and
    /// accuracy drops (product 0.834 with 10, 0.933 with 1000; see
    /// `benches/peers/crowdkit/RESULTS.md`). `10.0` reproduces crowd-kit's model.
    pub strategy_prior: f64,
    /// Start the first restart from majority-vote shares instead of random parameters.
    pub vote_start: bool,
    /// How far the class prior moves from uniform (crowd-kit's fixed prior, `0.0`) towards
    /// the learned mean posterior (`1.0`).
    pub prior_weight: f64,
    /// Plain EM (crowd-kit's `method="em"`: maximum likelihood with `0.01 / K` smoothing)
    /// instead of variational Bayes (the default, crowd-kit's `method="vb"`).
    pub em: bool,
}

impl MaceOptions {
    /// crowd-kit 1.4.2's `MACE()` defaults: variational Bayes, Beta(0.5, 0.5) on spamming, a
    /// strategy prior of 10, uniform class prior, 10 restarts from random starts of 50
    /// iterations each with no tolerance. (crowd-kit seeds every restart with the same
    /// `random_state`, so its 10 restarts are one; ours are seeded apart and the best marginal
    /// likelihood wins. crowd-kit also pairs workers with strategies by row order, see
    /// `benches/peers/crowdkit/RESULTS.md`; this is the model it means to fit.)
    pub fn crowdkit() -> Self {
        Self {
            restarts: 10,
            max_iter: 50,
            tol: 0.0,
            seed: 0,
            spam_prior: (0.5, 0.5),
            strategy_prior: 10.0,
            vote_start: false,
            prior_weight: 0.0,
            em: false,
        }
    }
}

impl Default for MaceOptions {
    fn default() -> Self {
        Self {
            restarts: 10,
            max_iter: 100,
            tol: 1e-6,
            seed: 0,
            spam_prior: (0.5, 0.5),
            strategy_prior: 1000.0,
            vote_start: true,
            prior_weight: 0.0,
            em: false,
        }
    }
}

/// Argmax with ties to the lowest index; returns (index, tied?).
pub(crate) fn argmax(row: &[f64]) -> (u32, bool) {
    let mut best = 0usize;
    let mut tied = false;
    for (i, &v) in row.iter().enumerate().skip(1) {
        if v > row[best] {
            best = i;
            tied = false;
        } else if v == row[best] {
            tied = true;
        }
    }
    (best as u32, tied)
}

/// Labels and ties from posteriors.
pub(crate) fn decide_all(posteriors: &[f64], k: usize) -> (Vec<u32>, Vec<u32>) {
    let mut labels = Vec::with_capacity(posteriors.len() / k.max(1));
    let mut ties = Vec::new();
    for (t, row) in posteriors.chunks_exact(k).enumerate() {
        let (c, tied) = argmax(row);
        labels.push(c);
        if tied {
            ties.push(t as u32);
        }
    }
    (labels, ties)
}

/// In-place softmax of log values (max-subtracted); a row of all `-inf` becomes uniform.
pub(crate) fn softmax_in_place(row: &mut [f64]) {
    let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !max.is_finite() {
        let u = 1.0 / row.len() as f64;
        row.iter_mut().for_each(|v| *v = u);
        return;
    }
    let mut sum = 0.0;
    for v in row.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    for v in row.iter_mut() {
        *v /= sum;
    }
}

/// Runs `f(task, labels_of_task, out_row)` for every task, writing `k` values per task, in
/// parallel when the input is large. Deterministic: each row depends only on its task.
pub(crate) fn for_each_task<F>(labels: &Labels, out: &mut [f64], k: usize, f: F)
where
    F: Fn(usize, &[Label], &mut [f64]) + Sync + Send,
{
    if labels.len() < PAR_LABELS {
        for (t, row) in out.chunks_exact_mut(k).enumerate() {
            f(t, labels.task(t), row);
        }
    } else {
        out.par_chunks_exact_mut(k)
            .enumerate()
            .with_min_len(512)
            .for_each(|(t, row)| f(t, labels.task(t), row));
    }
}

/// Runs `f(worker, out_row)` for every worker, writing `width` values per worker, in parallel
/// when the input is large.
pub(crate) fn for_each_worker<F>(labels: &Labels, out: &mut [f64], width: usize, f: F)
where
    F: Fn(usize, &mut [f64]) + Sync + Send,
{
    if width == 0 {
        return;
    }
    if labels.len() < PAR_LABELS {
        for (w, row) in out.chunks_exact_mut(width).enumerate() {
            f(w, row);
        }
    } else {
        out.par_chunks_exact_mut(width)
            .enumerate()
            .with_min_len(16)
            .for_each(|(w, row)| f(w, row));
    }
}

/// Accumulates per-worker rows (`width` values per worker) from a pass over the labels in task
/// order: `f(label, row_of_that_worker)`. The pass is sequential in memory (labels are grouped by
/// task), which matters far more than the thread count: walking each worker's labels instead
/// means a cache miss per label. Large inputs are cut into a fixed number of task ranges summed
/// in order, so results do not depend on the number of threads.
pub(crate) fn scatter_workers<F>(labels: &Labels, width: usize, out: &mut [f64], f: F)
where
    F: Fn(&Label, &mut [f64]) + Sync + Send,
{
    out.iter_mut().for_each(|v| *v = 0.0);
    if width == 0 {
        return;
    }
    let all = labels.as_slice();
    let cells = labels.n_workers() * width;
    let chunks = if labels.len() < PAR_LABELS {
        1
    } else if cells <= 1 << 20 {
        8
    } else {
        2
    };
    if chunks == 1 {
        for l in all {
            let w = l.worker as usize;
            f(l, &mut out[w * width..(w + 1) * width]);
        }
        return;
    }
    let per = all.len().div_ceil(chunks);
    let partial: Vec<Vec<f64>> = all
        .par_chunks(per)
        .map(|part| {
            let mut buf = vec![0.0; cells];
            for l in part {
                let w = l.worker as usize;
                f(l, &mut buf[w * width..(w + 1) * width]);
            }
            buf
        })
        .collect();
    for buf in partial {
        for (o, v) in out.iter_mut().zip(buf) {
            *o += v;
        }
    }
}

/// Sum over tasks of `f(task)`, computed per task (in parallel when large) then summed in task
/// order, so the result does not depend on the thread count.
pub(crate) fn sum_over_tasks<F>(labels: &Labels, scratch: &mut Vec<f64>, f: F) -> f64
where
    F: Fn(usize, &[Label]) -> f64 + Sync + Send,
{
    scratch.clear();
    scratch.resize(labels.n_tasks(), 0.0);
    for_each_task(labels, scratch, 1, |t, ls, out| out[0] = f(t, ls));
    scratch.iter().sum()
}

/// Class prior = mean of the posteriors.
pub(crate) fn mean_posterior(posteriors: &[f64], k: usize, prior: &mut [f64]) {
    prior.iter_mut().for_each(|p| *p = 0.0);
    let n = posteriors.len() / k.max(1);
    for row in posteriors.chunks_exact(k) {
        for (p, v) in prior.iter_mut().zip(row) {
            *p += v;
        }
    }
    if n > 0 {
        prior.iter_mut().for_each(|p| *p /= n as f64);
    }
}
