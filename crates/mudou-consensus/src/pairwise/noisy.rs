//! Noisy Bradley–Terry: crowd-kit's `NoisyBradleyTerry` model, fitted by EM.
//!
//! Worker `k` answers a pair `(l, r)` by the objects' strengths with probability `s_k` (its
//! skill), otherwise picks "left" with probability `b_k` (its bias):
//! `P(left) = s_k σ(θ_l − θ_r) + (1 − s_k) b_k`. crowd-kit maximises that likelihood with
//! L-BFGS from a random start; here the hidden choice (strengths or coin) is the EM latent:
//! the E-step gives each answer the posterior `r` that it followed the strengths, the M-step
//! refits Bradley–Terry with `r` as the answer's weight (warm-started) and each worker's skill
//! and bias from their answers' `r`, with Beta priors.

use rayon::prelude::*;

use super::bt::{BtOptions, bt_errors};
use super::graph::{Components, Layout, PairGraph};
use super::{Comparisons, Outcome, Scores, TieMode, WorkerReliability, sigmoid};
use crate::error::{Result, invalid};

/// Noisy Bradley–Terry options.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NoisyBtOptions {
    /// The Bradley–Terry part: ties, prior on strengths, inner solver, interval quantile.
    pub bt: BtOptions,
    /// EM iterations cap.
    pub max_iter: u32,
    /// Stop when an iteration raises the log-likelihood by less than this per answer (or when
    /// no strength, skill or bias moves by more than 1e-9).
    pub tol: f64,
    /// Beta prior on skill as pseudo-answers `(by strength, by coin)`; each ≥ 1. Default (2, 1).
    pub skill_prior: (f64, f64),
    /// Beta prior on bias as pseudo-answers `(left, right)` among coin answers; each ≥ 1.
    /// Default (2, 2).
    pub bias_prior: (f64, f64),
    /// Skill every worker starts from.
    pub initial_skill: f64,
}

impl Default for NoisyBtOptions {
    fn default() -> Self {
        Self {
            bt: BtOptions {
                tol: 1e-9,
                ..BtOptions::default()
            },
            max_iter: 200,
            tol: 1e-6,
            skill_prior: (2.0, 1.0),
            bias_prior: (2.0, 2.0),
            initial_skill: 0.8,
        }
    }
}

impl NoisyBtOptions {
    /// crowd-kit's data rule: ties dropped (the rest as the default).
    pub fn crowdkit() -> Self {
        let d = Self::default();
        Self {
            bt: BtOptions {
                ties: TieMode::Drop,
                ..d.bt
            },
            ..d
        }
    }

    fn check(&self) -> Result<()> {
        self.bt.check()?;
        if self.max_iter == 0 {
            return Err(invalid("max_iter", "must be at least 1"));
        }
        if !(self.tol.is_finite() && self.tol >= 0.0) {
            return Err(invalid("tol", "must be finite and >= 0"));
        }
        for (name, (a, b)) in [
            ("skill_prior", self.skill_prior),
            ("bias_prior", self.bias_prior),
        ] {
            if !(a.is_finite() && b.is_finite() && a >= 1.0 && b >= 1.0) {
                return Err(invalid(name, "both pseudo-counts must be finite and >= 1"));
            }
        }
        if !(self.initial_skill > 0.0 && self.initial_skill < 1.0) {
            return Err(invalid("initial_skill", "must be in (0, 1)"));
        }
        Ok(())
    }
}

/// One answer as seen from its pair `(a, b)`, `a < b`.
#[derive(Clone, Copy)]
struct Answer {
    worker: u32,
    /// Whether `a` was shown on the left.
    a_left: bool,
    outcome: Outcome,
}

/// Per-worker sums of one E-step: `[answers, by-strength weight, coin weight, coin-left weight]`.
type WorkerSums = Vec<[f64; 4]>;

/// Comparisons per parallel chunk (chunks end on pair boundaries; fixed, so the sums are the
/// same on any number of threads).
const CHUNK: usize = 1 << 15;

/// Stop when no parameter moves by more than this.
const PARAM_TOL: f64 = 1e-9;

/// Fits noisy Bradley–Terry. Scores, intervals and components as [`super::bradley_terry`]
/// (intervals from the Bradley–Terry information with every answer weighted by its posterior of
/// following the strengths, i.e. given the fitted worker parameters); `workers` holds each
/// worker's skill and bias. Deterministic, independent of the number of threads.
pub fn noisy_bradley_terry(c: &Comparisons, opts: &NoisyBtOptions) -> Result<Scores> {
    opts.check()?;
    let n_workers = c.n_workers() as usize;
    let ends: Vec<(u32, u32)> = c.as_slice().iter().map(|x| (x.left, x.right)).collect();
    let (g, _, by_pair, pair_start) = PairGraph::build(c.n_objects() as usize, &ends);
    drop(ends);
    let drop_ties = opts.bt.ties == TieMode::Drop;
    // Answers in pair order, and chunk boundaries (in pairs).
    let answers: Vec<Answer> = by_pair
        .iter()
        .map(|&i| {
            let x = c.as_slice()[i as usize];
            Answer {
                worker: x.worker,
                a_left: x.left < x.right,
                outcome: x.outcome,
            }
        })
        .collect();
    drop(by_pair);
    let mut chunks = vec![0usize];
    for p in 0..g.pairs.len() {
        if pair_start[p + 1] as usize - pair_start[*chunks.last().unwrap_or(&0)] as usize >= CHUNK {
            chunks.push(p + 1);
        }
    }
    if *chunks.last().unwrap_or(&0) != g.pairs.len() {
        chunks.push(g.pairs.len());
    }

    let mut answers_of = vec![0u32; n_workers];
    for a in &answers {
        if !(drop_ties && a.outcome == Outcome::Tie) {
            answers_of[a.worker as usize] += 1;
        }
    }

    let mut theta = vec![0.0; g.n];
    let mut wins = vec![[0.0f64; 2]; g.pairs.len()];
    // Start: plain Bradley–Terry on the same answers.
    for (p, w) in wins.iter_mut().enumerate() {
        for a in &answers[pair_start[p] as usize..pair_start[p + 1] as usize] {
            add_answer(w, a, drop_ties);
        }
    }
    // The distinct pairs are the graph's edges: the same components as `c.components()`.
    let comps = Components::new(g.n, g.pairs.iter().copied());
    let layout = Layout::new(&comps);
    g.solve_bt(
        &wins,
        opts.bt.prior,
        &mut theta,
        opts.bt.max_iter,
        opts.bt.tol,
        &layout,
    );
    let total_weight: f64 = answers
        .iter()
        .map(|a| match a.outcome {
            Outcome::Tie if drop_ties => 0.0,
            _ => 1.0,
        })
        .sum::<f64>()
        .max(1.0);
    let mut last_ll = f64::NEG_INFINITY;
    let mut skill = vec![opts.initial_skill; n_workers];
    let mut bias = vec![0.5; n_workers];
    let (sa, sb) = opts.skill_prior;
    let (ba, bb) = opts.bias_prior;

    let mut iterations = 0;
    while iterations < opts.max_iter {
        iterations += 1;
        // E-step per chunk: pair wins weighted by r, and per-worker sums.
        let ranges: Vec<(usize, usize)> = chunks.windows(2).map(|w| (w[0], w[1])).collect();
        let mut wins_chunks: Vec<&mut [[f64; 2]]> = Vec::with_capacity(ranges.len());
        {
            let mut rest: &mut [[f64; 2]] = &mut wins;
            for &(from, to) in &ranges {
                let (head, tail) = rest.split_at_mut(to - from);
                wins_chunks.push(head);
                rest = tail;
            }
        }
        let sums: Vec<(WorkerSums, f64)> = wins_chunks
            .into_par_iter()
            .zip(ranges.par_iter())
            .map(|(w_chunk, &(from, _))| {
                let mut ws: WorkerSums = vec![[0.0; 4]; n_workers];
                let mut ll = 0.0;
                for (k, w) in w_chunk.iter_mut().enumerate() {
                    let p = from + k;
                    let (a, b) = g.pairs[p];
                    let pa = sigmoid(theta[a as usize] - theta[b as usize]);
                    *w = [0.0, 0.0];
                    for ans in &answers[pair_start[p] as usize..pair_start[p + 1] as usize] {
                        let k = ans.worker as usize;
                        let (s, bl) = (skill[k], bias[k]);
                        // P(a wins by coin) is the bias if a was on the left.
                        let coin_a = if ans.a_left { bl } else { 1.0 - bl };
                        let mut side = |a_wins: bool, weight: f64, w: &mut [f64; 2]| {
                            let (pbt, pcoin) = if a_wins {
                                (pa, coin_a)
                            } else {
                                (1.0 - pa, 1.0 - coin_a)
                            };
                            let honest = s * pbt;
                            let both = honest + (1.0 - s) * pcoin;
                            ll += weight * both.ln();
                            let r = honest / both;
                            let r = if r.is_finite() { r } else { 0.5 };
                            w[usize::from(!a_wins)] += weight * r;
                            let e = &mut ws[k];
                            e[0] += weight;
                            e[1] += weight * r;
                            e[2] += weight * (1.0 - r);
                            // The coin said "left" when the winner was the left object.
                            if a_wins == ans.a_left {
                                e[3] += weight * (1.0 - r);
                            }
                        };
                        match ans.outcome {
                            Outcome::Tie if drop_ties => {}
                            Outcome::Tie => {
                                side(true, 0.5, w);
                                side(false, 0.5, w);
                            }
                            Outcome::Left => side(ans.a_left, 1.0, w),
                            Outcome::Right => side(!ans.a_left, 1.0, w),
                        }
                    }
                }
                (ws, ll)
            })
            .collect();
        let ll: f64 = sums.iter().map(|s| s.1).sum();
        // M-step: workers (sums combined in chunk order), then the strengths.
        let mut delta = 0.0f64;
        for k in 0..n_workers {
            let mut e = [0.0; 4];
            for (part, _) in &sums {
                for (x, y) in e.iter_mut().zip(&part[k]) {
                    *x += y;
                }
            }
            let s = ((e[1] + sa - 1.0) / (e[0] + sa + sb - 2.0)).clamp(1e-6, 1.0 - 1e-6);
            let b = ((e[3] + ba - 1.0) / (e[2] + ba + bb - 2.0)).clamp(1e-6, 1.0 - 1e-6);
            let (s, b) = (
                if s.is_finite() { s } else { skill[k] },
                if b.is_finite() { b } else { bias[k] },
            );
            delta = delta.max((s - skill[k]).abs()).max((b - bias[k]).abs());
            skill[k] = s;
            bias[k] = b;
        }
        let before = theta.clone();
        g.solve_bt(
            &wins,
            opts.bt.prior,
            &mut theta,
            opts.bt.max_iter,
            opts.bt.tol,
            &layout,
        );
        for (a, b) in theta.iter().zip(&before) {
            delta = delta.max((a - b).abs());
        }
        // `ll` is the log-likelihood of the parameters this E-step started from.
        let gain = (ll - last_ll) / total_weight;
        last_ll = ll;
        if delta < PARAM_TOL || gain < opts.tol {
            break;
        }
    }
    let (scores, se) = bt_errors(&g, &wins, opts.bt.prior, &theta, &layout);
    let workers = (0..n_workers)
        .map(|k| WorkerReliability {
            skill: skill[k],
            bias: bias[k],
            answers: answers_of[k],
        })
        .collect();
    Ok(Scores::assemble(
        scores, se, opts.bt.z, comps, iterations, workers,
    ))
}

/// Adds one answer to its pair's wins (a tie: half each way unless dropped).
fn add_answer(w: &mut [f64; 2], a: &Answer, drop_ties: bool) {
    match a.outcome {
        Outcome::Tie if drop_ties => {}
        Outcome::Tie => {
            w[0] += 0.5;
            w[1] += 0.5;
        }
        Outcome::Left => w[usize::from(!a.a_left)] += 1.0,
        Outcome::Right => w[usize::from(a.a_left)] += 1.0,
    }
}
