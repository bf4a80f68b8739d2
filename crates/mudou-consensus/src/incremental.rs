//! The per-submit path: add one label to an item given the current worker skill estimates, get
//! its new posterior, and decide whether the item needs another label.
//!
//! [`SkillModel`] holds, per worker, `ln P(observed | true)` for every pair of classes (built
//! from a batch [`Aggregation`] or set directly). [`ItemState`] keeps an item's unnormalised log
//! posterior; [`ItemState::add`] is O(K) and never allocates. When the skills change, recompute
//! an item from its labels with [`item_posterior`] (O(labels × K), no allocation either).

use crate::aggregate::{Aggregation, EPS, WorkerModel};
use crate::error::{Error, Result, invalid};

/// Per-worker log-likelihood tables and the class prior, for the incremental update.
#[derive(Debug, Clone, PartialEq)]
pub struct SkillModel {
    k: usize,
    log_prior: Vec<f64>,
    /// `n_workers × K(observed) × K(true)`: `ln P(observed | true)`.
    tables: Vec<f64>,
    /// The table used for workers the model does not know (new annotators).
    default_table: Vec<f64>,
    /// `K × K`, at `[c][o]`: the median over workers of `ln P(answer c | true c) −
    /// ln P(answer c | true o)`, the evidence a typical worker's answer `c` gives for `c`
    /// against `o` (from the default table when the model has no workers).
    gain: Vec<f64>,
}

impl SkillModel {
    /// Every worker (known or not) answers correctly with probability `accuracy` and spreads
    /// errors evenly; uniform class prior. A good starting model before any batch run.
    pub fn one_coin(n_workers: usize, n_classes: usize, accuracy: f64) -> Result<Self> {
        check_k(n_classes)?;
        check_prob("accuracy", accuracy)?;
        let prior = vec![1.0 / n_classes as f64; n_classes];
        let mut me = Self::empty(&prior, n_workers, n_classes, accuracy)?;
        let t = one_coin_table(n_classes, accuracy);
        for w in 0..n_workers {
            me.table_mut(w).copy_from_slice(&t);
        }
        me.recompute_typical();
        Ok(me)
    }

    /// From a class prior and per-worker one-coin accuracies (values are clipped to
    /// `[1e-10, 1 − 1e-10]`). Unknown workers get `default_accuracy`.
    pub fn from_accuracies(
        prior: &[f64],
        accuracies: &[f64],
        default_accuracy: f64,
    ) -> Result<Self> {
        let k = prior.len();
        check_k(k)?;
        let mut me = Self::empty(prior, accuracies.len(), k, default_accuracy)?;
        for (w, &a) in accuracies.iter().enumerate() {
            if !a.is_finite() {
                return Err(invalid("accuracies", "must be finite"));
            }
            let t = one_coin_table(k, a);
            me.table_mut(w).copy_from_slice(&t);
        }
        me.recompute_typical();
        Ok(me)
    }

    /// From a class prior and Dawid–Skene confusion matrices (`n_workers × K × K`, indexed
    /// `[worker][observed][true]`, as in [`WorkerModel::Confusion`]). Each true-class column is
    /// smoothed with `smoothing` pseudo-probability per observed class and renormalised, so a
    /// class a worker never used before does not make an item impossible.
    pub fn from_confusions(
        prior: &[f64],
        confusions: &[f64],
        smoothing: f64,
        default_accuracy: f64,
    ) -> Result<Self> {
        let k = prior.len();
        check_k(k)?;
        if !confusions.len().is_multiple_of(k * k) {
            return Err(Error::LengthMismatch {
                what: "confusions",
                got: confusions.len(),
                expected: confusions.len() / (k * k) * k * k,
            });
        }
        if !(smoothing.is_finite() && smoothing >= 0.0) {
            return Err(invalid("smoothing", "must be finite and non-negative"));
        }
        let n_w = confusions.len() / (k * k);
        let mut me = Self::empty(prior, n_w, k, default_accuracy)?;
        for w in 0..n_w {
            let m = &confusions[w * k * k..(w + 1) * k * k];
            me.write_confusion(w, m, smoothing)?;
        }
        me.recompute_typical();
        Ok(me)
    }

    /// Builds a model from a batch result: confusion matrices (Dawid–Skene), accuracies
    /// (one-coin DS, MV, Wawa), GLAD abilities at the average difficulty, or MACE's
    /// knowing/spamming mixture. `smoothing` as in [`SkillModel::from_confusions`].
    pub fn from_aggregation(agg: &Aggregation, smoothing: f64) -> Result<Self> {
        let k = agg.n_classes;
        let default_accuracy = 0.7f64.max(1.0 / k as f64 + 0.1).min(0.95);
        match &agg.workers {
            WorkerModel::Confusion(c) => {
                Self::from_confusions(&agg.prior, c, smoothing, default_accuracy)
            }
            WorkerModel::Skill(s) => {
                let acc: Vec<f64> = s.iter().map(|a| a.clamp(0.0, 1.0)).collect();
                Self::from_accuracies(&agg.prior, &acc, default_accuracy)
            }
            WorkerModel::Glad { alpha, beta } => {
                let mean_beta = if beta.is_empty() {
                    1.0
                } else {
                    beta.iter().sum::<f64>() / beta.len() as f64
                };
                let eb = mean_beta.exp();
                let acc: Vec<f64> = alpha
                    .iter()
                    .map(|a| 1.0 / (1.0 + (-a * eb).exp()))
                    .collect();
                Self::from_accuracies(&agg.prior, &acc, default_accuracy)
            }
            WorkerModel::Mace { spam, strategy } => {
                let n_w = spam.len();
                let mut conf = vec![0.0; n_w * k * k];
                for w in 0..n_w {
                    for obs in 0..k {
                        for tru in 0..k {
                            let know = if obs == tru { 1.0 - spam[w] } else { 0.0 };
                            conf[(w * k + obs) * k + tru] = know + spam[w] * strategy[w * k + obs];
                        }
                    }
                }
                Self::from_confusions(&agg.prior, &conf, smoothing, default_accuracy)
            }
        }
    }

    fn empty(prior: &[f64], n_workers: usize, k: usize, default_accuracy: f64) -> Result<Self> {
        check_prob("default_accuracy", default_accuracy)?;
        if prior.iter().any(|p| !p.is_finite() || *p < 0.0) || prior.iter().sum::<f64>() <= 0.0 {
            return Err(invalid(
                "prior",
                "must be finite, non-negative and not all zero",
            ));
        }
        let z: f64 = prior.iter().sum();
        Ok(Self {
            k,
            log_prior: prior.iter().map(|p| (p / z).max(EPS).ln()).collect(),
            tables: vec![0.0; n_workers * k * k],
            default_table: one_coin_table(k, default_accuracy),
            gain: vec![0.0; k * k],
        })
    }

    fn table_mut(&mut self, w: usize) -> &mut [f64] {
        let kk = self.k * self.k;
        &mut self.tables[w * kk..(w + 1) * kk]
    }

    /// Replaces worker `w`'s confusion matrix (`K × K`, `[observed][true]`), growing the model
    /// when `w` is new (workers in between get the default table). Refreshes the typical-worker
    /// evidence used by [`ItemState::decide_with`]: O(workers × K² × log workers), so to replace
    /// many workers build a new model with [`SkillModel::from_confusions`] instead.
    pub fn set_worker_confusion(
        &mut self,
        w: usize,
        confusion: &[f64],
        smoothing: f64,
    ) -> Result<()> {
        self.write_confusion(w, confusion, smoothing)?;
        self.recompute_typical();
        Ok(())
    }

    /// Refreshes `gain` from every worker's table. O(workers × K² × log workers).
    fn recompute_typical(&mut self) {
        let k = self.k;
        let kk = k * k;
        let n = self.n_workers();
        let mut v = Vec::with_capacity(n.max(1));
        for c in 0..k {
            for o in 0..k {
                v.clear();
                v.extend(
                    self.tables
                        .chunks_exact(kk)
                        .map(|t| t[c * k + c] - t[c * k + o]),
                );
                if v.is_empty() {
                    let t = &self.default_table;
                    v.push(t[c * k + c] - t[c * k + o]);
                }
                v.sort_by(f64::total_cmp);
                self.gain[c * k + o] = v[v.len() / 2];
            }
        }
    }

    fn write_confusion(&mut self, w: usize, confusion: &[f64], smoothing: f64) -> Result<()> {
        let k = self.k;
        check_confusion(k, confusion)?;
        while self.n_workers() <= w {
            let d = self.default_table.clone();
            self.tables.extend_from_slice(&d);
        }
        let t = self.table_mut(w);
        for tru in 0..k {
            let col: f64 = (0..k).map(|obs| confusion[obs * k + tru] + smoothing).sum();
            for obs in 0..k {
                let p = if col > 0.0 {
                    (confusion[obs * k + tru] + smoothing) / col
                } else {
                    1.0 / k as f64
                };
                t[obs * k + tru] = p.max(EPS).ln();
            }
        }
        Ok(())
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.k
    }

    /// Number of workers with their own table.
    pub fn n_workers(&self) -> usize {
        self.tables.len() / (self.k * self.k)
    }

    /// `ln P(observed | true = c)` for every `c` (the default table for unknown workers).
    #[inline]
    fn row(&self, worker: u32, observed: u32) -> &[f64] {
        let (k, w, o) = (self.k, worker as usize, observed as usize);
        let kk = k * k;
        if w < self.n_workers() {
            &self.tables[w * kk + o * k..w * kk + (o + 1) * k]
        } else {
            &self.default_table[o * k..(o + 1) * k]
        }
    }
}

fn check_confusion(k: usize, confusion: &[f64]) -> Result<()> {
    if confusion.len() != k * k {
        return Err(Error::LengthMismatch {
            what: "confusion",
            got: confusion.len(),
            expected: k * k,
        });
    }
    if confusion.iter().any(|v| !v.is_finite() || *v < 0.0) {
        return Err(invalid("confusion", "must be finite and non-negative"));
    }
    Ok(())
}

fn check_k(k: usize) -> Result<()> {
    if k == 0 {
        Err(Error::NoClasses)
    } else {
        Ok(())
    }
}

fn check_prob(name: &'static str, p: f64) -> Result<()> {
    if (0.0..=1.0).contains(&p) {
        Ok(())
    } else {
        Err(invalid(name, "must be a probability in [0, 1]"))
    }
}

fn one_coin_table(k: usize, accuracy: f64) -> Vec<f64> {
    let a = accuracy.clamp(EPS, 1.0 - EPS);
    let off = if k > 1 {
        ((1.0 - a) / (k - 1) as f64).max(EPS)
    } else {
        EPS
    };
    let mut t = vec![0.0; k * k];
    for obs in 0..k {
        for tru in 0..k {
            t[obs * k + tru] = if obs == tru { a.ln() } else { off.ln() };
        }
    }
    t
}

/// One item's running state: the unnormalised log posterior and the label count.
/// Allocates once (K floats) at creation; [`ItemState::add`] never allocates.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemState {
    log_post: Vec<f64>,
    n_labels: u32,
}

impl ItemState {
    /// A fresh item: the model's prior, no labels.
    pub fn new(model: &SkillModel) -> Self {
        Self {
            log_post: model.log_prior.clone(),
            n_labels: 0,
        }
    }

    /// Empties the state for reuse with `model` (no allocation when the class count is the same).
    pub fn reset(&mut self, model: &SkillModel) {
        self.log_post.clear();
        self.log_post.extend_from_slice(&model.log_prior);
        self.n_labels = 0;
    }

    /// Adds one label. O(K), no allocation. Errors when `class` is out of range or the state
    /// was made for a model with another number of classes.
    #[inline]
    pub fn add(&mut self, model: &SkillModel, worker: u32, class: u32) -> Result<()> {
        if self.log_post.len() != model.k {
            return Err(Error::LengthMismatch {
                what: "item state classes",
                got: self.log_post.len(),
                expected: model.k,
            });
        }
        if class as usize >= model.k {
            return Err(Error::ClassOutOfRange {
                index: self.n_labels as usize,
                class,
                n_classes: model.k as u32,
            });
        }
        for (lp, v) in self.log_post.iter_mut().zip(model.row(worker, class)) {
            *lp += v;
        }
        self.n_labels = self.n_labels.saturating_add(1);
        Ok(())
    }

    /// Labels added so far.
    pub fn n_labels(&self) -> u32 {
        self.n_labels
    }

    /// Writes the normalised posterior into `out` (length K).
    pub fn posterior_into(&self, out: &mut [f64]) -> Result<()> {
        if out.len() != self.log_post.len() {
            return Err(Error::LengthMismatch {
                what: "out",
                got: out.len(),
                expected: self.log_post.len(),
            });
        }
        out.copy_from_slice(&self.log_post);
        crate::aggregate::softmax_in_place(out);
        Ok(())
    }

    /// The most probable class (lowest index on ties) and its posterior probability.
    pub fn best(&self) -> (u32, f64) {
        best_of_log(&self.log_post)
    }

    /// The dynamic-overlap decision for this item under `policy`.
    pub fn decide(&self, policy: &OverlapPolicy) -> Decision {
        let (class, confidence) = self.best();
        policy.decide(self.n_labels, class, confidence)
    }

    /// Like [`ItemState::decide`], with an early stop for items that cannot make it: under a
    /// dynamic policy, an item still below the target with at most [`FUTILITY_HORIZON`] labels
    /// to go is escalated at once when even `max − labels` further answers all agreeing with
    /// one class, each carrying the evidence of a typical worker of `model` (per pair of
    /// classes, the median over its workers), would not lift that class to the target. Such
    /// items would almost surely reach `max` and be escalated anyway; stopping them saves
    /// those labels. O(K²), no allocation.
    pub fn decide_with(&self, model: &SkillModel, policy: &OverlapPolicy) -> Decision {
        let (class, confidence) = self.best();
        let decision = policy.decide(self.n_labels, class, confidence);
        let OverlapPolicy::Dynamic { min, target, max } = *policy else {
            return decision;
        };
        if decision != Decision::NeedMore
            || self.n_labels < min
            || self.n_labels.saturating_add(FUTILITY_HORIZON) < max
            || self.log_post.len() != model.k
        {
            return decision;
        }
        let k = model.k;
        let r = f64::from(max - self.n_labels);
        let lp = &self.log_post;
        let g = &model.gain;
        // Best reachable posterior over the candidate classes c: the next r answers all say c.
        let reachable = (0..k)
            .map(|c| {
                let z: f64 = (0..k)
                    .map(|o| (lp[o] - lp[c] - r * g[c * k + o]).exp())
                    .sum();
                1.0 / z
            })
            .fold(0.0, f64::max);
        if reachable < target {
            Decision::Escalate { class, confidence }
        } else {
            decision
        }
    }
}

fn best_of_log(lp: &[f64]) -> (u32, f64) {
    let mut best = 0usize;
    for (i, v) in lp.iter().enumerate() {
        if *v > lp[best] {
            best = i;
        }
    }
    let m = lp[best];
    let z: f64 = lp.iter().map(|v| (v - m).exp()).sum();
    (
        best as u32,
        if z > 0.0 && z.is_finite() {
            1.0 / z
        } else {
            0.0
        },
    )
}

/// Recomputes an item's posterior from its `(worker, class)` labels into `out` (length K),
/// without allocating. Returns the most probable class and its probability.
pub fn item_posterior(
    model: &SkillModel,
    labels: &[(u32, u32)],
    out: &mut [f64],
) -> Result<(u32, f64)> {
    if out.len() != model.k {
        return Err(Error::LengthMismatch {
            what: "out",
            got: out.len(),
            expected: model.k,
        });
    }
    out.copy_from_slice(&model.log_prior);
    for (index, &(w, c)) in labels.iter().enumerate() {
        if c as usize >= model.k {
            return Err(Error::ClassOutOfRange {
                index,
                class: c,
                n_classes: model.k as u32,
            });
        }
        for (o, v) in out.iter_mut().zip(model.row(w, c)) {
            *o += v;
        }
    }
    let best = best_of_log(out);
    crate::aggregate::softmax_in_place(out);
    Ok(best)
}

/// How many labels before `max` the early stop of [`ItemState::decide_with`] looks ahead
/// (further ahead, the typical-worker bound is too crude and stops items that would resolve).
pub const FUTILITY_HORIZON: u32 = 2;

/// How many labels an item gets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OverlapPolicy {
    /// Exactly this many labels, then resolved.
    Fixed(u32),
    /// At least `min`; resolved as soon as the confidence reaches `target`; escalated to review
    /// when `max` labels are in without reaching it.
    Dynamic {
        /// Minimum labels before an item can resolve.
        min: u32,
        /// Maximum labels; beyond this the item is escalated.
        max: u32,
        /// Posterior probability needed to resolve.
        target: f64,
    },
}

/// The state of an item after a label: the project's open / resolved / escalated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decision {
    /// Needs another label.
    NeedMore,
    /// Done: the answer and its confidence.
    Resolved {
        /// Chosen class.
        class: u32,
        /// Its posterior probability.
        confidence: f64,
    },
    /// Maximum overlap reached without the target confidence: send to review.
    Escalate {
        /// Best class so far.
        class: u32,
        /// Its posterior probability.
        confidence: f64,
    },
}

impl OverlapPolicy {
    /// Checks the policy: `min ≥ 1`, `min ≤ max`, `target` a probability.
    pub fn validate(&self) -> Result<()> {
        match *self {
            OverlapPolicy::Fixed(0) => Err(invalid("overlap", "fixed overlap must be at least 1")),
            OverlapPolicy::Fixed(_) => Ok(()),
            OverlapPolicy::Dynamic { min, max, target } => {
                if min == 0 || min > max {
                    Err(invalid("overlap", "need 1 <= min <= max"))
                } else if !(0.0..=1.0).contains(&target) {
                    Err(invalid("target", "must be a probability in [0, 1]"))
                } else {
                    Ok(())
                }
            }
        }
    }

    /// The decision for an item with `n_labels` labels whose best class has `confidence`.
    pub fn decide(&self, n_labels: u32, class: u32, confidence: f64) -> Decision {
        match *self {
            OverlapPolicy::Fixed(n) => {
                if n_labels >= n {
                    Decision::Resolved { class, confidence }
                } else {
                    Decision::NeedMore
                }
            }
            OverlapPolicy::Dynamic { min, max, target } => {
                if n_labels < min {
                    Decision::NeedMore
                } else if confidence >= target {
                    Decision::Resolved { class, confidence }
                } else if n_labels >= max {
                    Decision::Escalate { class, confidence }
                } else {
                    Decision::NeedMore
                }
            }
        }
    }
}
