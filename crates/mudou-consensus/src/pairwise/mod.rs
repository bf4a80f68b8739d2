//! Pairwise comparisons and rankings: a score per object from "which is better?" answers.
//!
//! - [`bradley_terry`]: Bradley–Terry, fitted by Newman's iteration (same fixed point as
//!   Hunter's MM), ties as half a win each ([`TieMode::Half`], the default) or dropped
//!   ([`TieMode::Drop`], crowd-kit's rule), a phantom prior (`prior` virtual wins and losses of
//!   every object against a fixed object of strength 1) so that objects that never lose or never
//!   win stay finite.
//! - [`noisy_bradley_terry`]: crowd-kit's NoisyBradleyTerry model (each worker answers by the
//!   Bradley–Terry model with probability `skill`, otherwise picks left with probability `bias`),
//!   fitted by EM with Beta priors on the worker parameters.
//! - [`plackett_luce`] (Hunter's MM) and [`borda`] for rankings of several objects per task.
//! - [`leaderboard`]: the same models over the models (systems) that produced the objects.
//! - [`spearman`], [`spearman_by_component`]: rank correlation with a reference order.
//!
//! Scores are natural-log strengths, centred to mean 0 inside each connected component of the
//! comparison graph: objects are only comparable inside their component ([`Components`]).
//! Standard errors come from the Fisher information (the negative Hessian of the penalised
//! log-likelihood at the fit), inverted per component, for the centred scores; intervals are
//! `score ± z·se`.

mod bt;
mod eval;
mod graph;
mod noisy;
mod ranking;

use std::fmt;
use std::str::FromStr;

pub use bt::{BtOptions, bradley_terry};
pub use eval::{ComponentCorrelation, spearman, spearman_by_component};
pub use graph::{Components, DENSE_CI_LIMIT};
pub use noisy::{NoisyBtOptions, noisy_bradley_terry};
pub use ranking::{BordaScores, PlOptions, Rankings, borda, plackett_luce};

use crate::error::{Error, Result, invalid};

/// What a worker answered about a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The left object is better.
    Left,
    /// The right object is better.
    Right,
    /// The worker said they are equal.
    Tie,
}

/// One worker's answer about one pair of objects (dense indices).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Comparison {
    /// Worker index, `< n_workers`.
    pub worker: u32,
    /// Object shown on the left, `< n_objects`.
    pub left: u32,
    /// Object shown on the right, `< n_objects`, not `left`.
    pub right: u32,
    /// The answer.
    pub outcome: Outcome,
}

impl Comparison {
    /// Shorthand constructor.
    pub const fn new(worker: u32, left: u32, right: u32, outcome: Outcome) -> Self {
        Self {
            worker,
            left,
            right,
            outcome,
        }
    }
}

/// How ties enter Bradley–Terry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TieMode {
    /// A tie is half a win for each side (a tie still says the two are close).
    #[default]
    Half,
    /// Ties are ignored, as crowd-kit's `BradleyTerry` and `NoisyBradleyTerry` require.
    Drop,
}

/// Validated comparisons over `n_objects` objects and `n_workers` workers.
#[derive(Debug, Clone)]
pub struct Comparisons {
    n_objects: u32,
    n_workers: u32,
    items: Vec<Comparison>,
}

impl Comparisons {
    /// Validates `items`: indices in range, never an object against itself, fewer than
    /// `u32::MAX` comparisons.
    pub fn new(n_objects: u32, n_workers: u32, items: Vec<Comparison>) -> Result<Self> {
        if items.len() >= u32::MAX as usize {
            return Err(invalid("comparisons", "more than u32::MAX comparisons"));
        }
        for (index, c) in items.iter().enumerate() {
            for object in [c.left, c.right] {
                if object >= n_objects {
                    return Err(Error::ObjectOutOfRange {
                        index,
                        object,
                        n_objects,
                    });
                }
            }
            if c.left == c.right {
                return Err(Error::SelfComparison {
                    index,
                    object: c.left,
                });
            }
            if c.worker >= n_workers {
                return Err(Error::WorkerOutOfRange {
                    index,
                    worker: c.worker,
                    n_workers,
                });
            }
        }
        Ok(Self {
            n_objects,
            n_workers,
            items,
        })
    }

    /// Number of objects.
    pub fn n_objects(&self) -> u32 {
        self.n_objects
    }

    /// Number of workers.
    pub fn n_workers(&self) -> u32 {
        self.n_workers
    }

    /// The comparisons, in input order.
    pub fn as_slice(&self) -> &[Comparison] {
        &self.items
    }

    /// Number of comparisons.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The connected components of the comparison graph (ties included: a tie also says the two
    /// objects were put side by side).
    pub fn components(&self) -> Components {
        Components::new(
            self.n_objects as usize,
            self.items.iter().map(|c| (c.left, c.right)),
        )
    }
}

/// What a worker's answers say about them (noisy Bradley–Terry).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WorkerReliability {
    /// Probability that the worker answers by the objects' strengths (crowd-kit's `skills_`).
    pub skill: f64,
    /// Probability of answering "left" when not (crowd-kit's `biases_`).
    pub bias: f64,
    /// Answers the worker gave (ties count once).
    pub answers: u32,
}

/// A score per object with its uncertainty.
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    /// Log-strength, centred to mean 0 inside each component; higher is better.
    pub scores: Vec<f64>,
    /// Standard error of each score (Fisher information, inverted per component). In a
    /// component of more than [`DENSE_CI_LIMIT`] objects it is `1/sqrt(H_ii)`, a lower bound.
    pub std_err: Vec<f64>,
    /// `score − z·std_err`.
    pub ci_low: Vec<f64>,
    /// `score + z·std_err`.
    pub ci_high: Vec<f64>,
    /// Component of each object (scores compare only inside one).
    pub component: Vec<u32>,
    /// Number of components.
    pub n_components: u32,
    /// Sweeps of the solver (outer EM iterations for noisy Bradley–Terry).
    pub iterations: u32,
    /// Per worker (noisy Bradley–Terry only; empty otherwise).
    pub workers: Vec<WorkerReliability>,
}

impl Scores {
    fn assemble(
        scores: Vec<f64>,
        std_err: Vec<f64>,
        z: f64,
        comps: Components,
        iterations: u32,
        workers: Vec<WorkerReliability>,
    ) -> Self {
        let ci_low = scores
            .iter()
            .zip(&std_err)
            .map(|(s, e)| s - z * e)
            .collect();
        let ci_high = scores
            .iter()
            .zip(&std_err)
            .map(|(s, e)| s + z * e)
            .collect();
        Self {
            scores,
            std_err,
            ci_low,
            ci_high,
            n_components: comps.len() as u32,
            component: comps.of,
            iterations,
            workers,
        }
    }

    /// Objects ordered best first (by score; ties by index), optionally only component `c`.
    pub fn order(&self, component: Option<u32>) -> Vec<u32> {
        let mut o: Vec<u32> = (0..self.scores.len() as u32)
            .filter(|&i| component.is_none_or(|c| self.component[i as usize] == c))
            .collect();
        o.sort_by(|&a, &b| {
            self.scores[b as usize]
                .total_cmp(&self.scores[a as usize])
                .then(a.cmp(&b))
        });
        o
    }
}

/// A pairwise model chosen at run time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PairwiseMethod {
    /// [`bradley_terry`].
    Bt(BtOptions),
    /// [`noisy_bradley_terry`].
    NoisyBt(NoisyBtOptions),
}

impl PairwiseMethod {
    /// Runs the model.
    pub fn run(&self, c: &Comparisons) -> Result<Scores> {
        match self {
            PairwiseMethod::Bt(o) => bradley_terry(c, o),
            PairwiseMethod::NoisyBt(o) => noisy_bradley_terry(c, o),
        }
    }

    /// The same model with ties handled by `ties`.
    pub fn with_ties(self, ties: TieMode) -> Self {
        match self {
            PairwiseMethod::Bt(o) => PairwiseMethod::Bt(BtOptions { ties, ..o }),
            PairwiseMethod::NoisyBt(o) => PairwiseMethod::NoisyBt(NoisyBtOptions {
                bt: BtOptions { ties, ..o.bt },
                ..o
            }),
        }
    }

    /// `bt` or `noisy-bt`.
    pub fn as_str(&self) -> &'static str {
        match self {
            PairwiseMethod::Bt(_) => "bt",
            PairwiseMethod::NoisyBt(_) => "noisy-bt",
        }
    }
}

impl fmt::Display for PairwiseMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PairwiseMethod {
    type Err = Error;
    /// `bt` or `noisy-bt` (also `noisybt`, `noisy_bt`), with default options.
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "bt" | "bradley-terry" => Ok(PairwiseMethod::Bt(BtOptions::default())),
            "noisy-bt" | "noisybt" | "noisy_bt" => {
                Ok(PairwiseMethod::NoisyBt(NoisyBtOptions::default()))
            }
            _ => Err(invalid(
                "method",
                format!("unknown pairwise method {s:?}; expected bt or noisy-bt"),
            )),
        }
    }
}

/// A leaderboard of the models (systems) that produced the objects: every comparison between
/// objects of two different models becomes a comparison between the models (same worker, same
/// answer) and `method` is fitted on those, as Chatbot Arena does. Comparisons of two objects of
/// the same model say nothing about the models and are left out. `model_of[o] < n_models` for
/// every object.
pub fn leaderboard(
    c: &Comparisons,
    model_of: &[u32],
    n_models: u32,
    method: &PairwiseMethod,
) -> Result<Scores> {
    if model_of.len() != c.n_objects() as usize {
        return Err(Error::LengthMismatch {
            what: "model_of",
            got: model_of.len(),
            expected: c.n_objects() as usize,
        });
    }
    if let Some((object, &m)) = model_of.iter().enumerate().find(|(_, m)| **m >= n_models) {
        return Err(invalid(
            "model_of",
            format!("object {object} has model {m}; there are {n_models} models"),
        ));
    }
    let items = c
        .as_slice()
        .iter()
        .filter_map(|x| {
            let (l, r) = (model_of[x.left as usize], model_of[x.right as usize]);
            (l != r).then_some(Comparison::new(x.worker, l, r, x.outcome))
        })
        .collect();
    method.run(&Comparisons::new(n_models, c.n_workers(), items)?)
}

pub(crate) fn check_common(prior: f64, max_iter: u32, tol: f64, z: f64) -> Result<()> {
    if !(prior.is_finite() && prior > 0.0) {
        return Err(invalid("prior", "must be finite and > 0"));
    }
    if max_iter == 0 {
        return Err(invalid("max_iter", "must be at least 1"));
    }
    if !(tol.is_finite() && tol >= 0.0) {
        return Err(invalid("tol", "must be finite and >= 0"));
    }
    if !(z.is_finite() && z >= 0.0) {
        return Err(invalid("z", "must be finite and >= 0"));
    }
    Ok(())
}

#[inline]
pub(crate) fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}
