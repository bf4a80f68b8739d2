//! Bradley–Terry: `P(i beats j) = π_i / (π_i + π_j)`, one strength per object.

use super::graph::{Block, Components, Layout, PairGraph, centred_with_errors};
use super::{Comparisons, Outcome, Scores, TieMode, check_common};
use crate::error::Result;

/// Bradley–Terry options.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BtOptions {
    /// How ties count (default: half a win each).
    pub ties: TieMode,
    /// Virtual wins and, as many, virtual losses of every object against a phantom object of
    /// strength 1 (a prior that keeps undefeated and never-winning objects finite and pulls
    /// thinly compared objects towards the middle). Must be > 0. Default 0.5.
    pub prior: f64,
    /// Cap on solver sweeps.
    pub max_iter: u32,
    /// Stop when no log-strength moves by more than this in a sweep.
    pub tol: f64,
    /// Normal quantile of the intervals (1.96: 95%).
    pub z: f64,
}

impl Default for BtOptions {
    fn default() -> Self {
        Self {
            ties: TieMode::Half,
            prior: 0.5,
            max_iter: 10_000,
            tol: 1e-10,
            z: 1.96,
        }
    }
}

impl BtOptions {
    /// crowd-kit's data rule: ties dropped (the rest as the default).
    pub fn crowdkit() -> Self {
        Self {
            ties: TieMode::Drop,
            ..Self::default()
        }
    }

    pub(crate) fn check(&self) -> Result<()> {
        check_common(self.prior, self.max_iter, self.tol, self.z)
    }
}

/// Fits Bradley–Terry by maximum a posteriori (the phantom prior of [`BtOptions::prior`]).
/// Deterministic; results do not depend on the number of threads.
pub fn bradley_terry(c: &Comparisons, opts: &BtOptions) -> Result<Scores> {
    opts.check()?;
    let ends: Vec<(u32, u32)> = c.as_slice().iter().map(|x| (x.left, x.right)).collect();
    let (g, pair_of, _, _) = PairGraph::build(c.n_objects() as usize, &ends);
    let mut wins = vec![[0.0f64; 2]; g.pairs.len()];
    for (x, &p) in c.as_slice().iter().zip(&pair_of) {
        let w = &mut wins[p as usize];
        let left_is_a = x.left < x.right;
        match (x.outcome, opts.ties) {
            (Outcome::Left, _) => w[usize::from(!left_is_a)] += 1.0,
            (Outcome::Right, _) => w[usize::from(left_is_a)] += 1.0,
            (Outcome::Tie, TieMode::Half) => {
                w[0] += 0.5;
                w[1] += 0.5;
            }
            (Outcome::Tie, TieMode::Drop) => {}
        }
    }
    // The distinct pairs are the graph's edges: the same components as `c.components()`.
    let comps = Components::new(g.n, g.pairs.iter().copied());
    let layout = Layout::new(&comps);
    let mut theta = vec![0.0; g.n];
    let iterations = g.solve_bt(
        &wins,
        opts.prior,
        &mut theta,
        opts.max_iter,
        opts.tol,
        &layout,
    );
    let (scores, se) = bt_errors(&g, &wins, opts.prior, &theta, &layout);
    Ok(Scores::assemble(
        scores,
        se,
        opts.z,
        comps,
        iterations,
        Vec::new(),
    ))
}

/// Centred scores and standard errors from the Bradley–Terry information with pair weights
/// `wins` (each pair's information is `n π_a π_b / (π_a + π_b)²`, `n` its total weight).
pub(crate) fn bt_errors(
    g: &PairGraph,
    wins: &[[f64; 2]],
    alpha: f64,
    theta: &[f64],
    layout: &Layout,
) -> (Vec<f64>, Vec<f64>) {
    let pi: Vec<f64> = theta.iter().map(|t| t.exp()).collect();
    centred_with_errors(theta, layout, alpha, |members, local, block: &mut Block| {
        for &i in members {
            let i = i as usize;
            for k in g.adj_start[i] as usize..g.adj_start[i + 1] as usize {
                let (p, j) = g.adj[k];
                let j = j as usize;
                if j < i {
                    continue; // each pair once, from its smaller end
                }
                let w = wins[p as usize];
                let s = pi[i] + pi[j];
                let h = (w[0] + w[1]) * pi[i] * pi[j] / (s * s);
                let (li, lj) = (local[i] as usize, local[j] as usize);
                block.add(li, li, h);
                block.add(lj, lj, h);
                block.add(li, lj, -h);
                block.add(lj, li, -h);
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pairwise::Comparison;

    fn cmp(items: &[(u32, u32, Outcome)]) -> Comparisons {
        let n = items.iter().map(|x| x.0.max(x.1) + 1).max().unwrap_or(0);
        Comparisons::new(
            n,
            1,
            items
                .iter()
                .map(|&(l, r, o)| Comparison::new(0, l, r, o))
                .collect(),
        )
        .unwrap()
    }

    #[test]
    fn two_objects_closed_form() {
        // 3 wins of 0 over 1, 1 of 1 over 0, prior a: the stationary point of
        // 3 ln σ(d) + ln σ(−d) + a Σ_i [ln σ(θ_i) + ln σ(−θ_i)] is symmetric, θ_0 = −θ_1 = t with
        // 3 σ(−2t) − σ(2t) + a (σ(−t) − σ(t)) = 0. Check that equation holds at the fit.
        let c = cmp(&[
            (0, 1, Outcome::Left),
            (1, 0, Outcome::Right),
            (0, 1, Outcome::Left),
            (0, 1, Outcome::Right),
        ]);
        let o = BtOptions::default();
        let s = bradley_terry(&c, &o).unwrap();
        let t = s.scores[0];
        assert!((s.scores[1] + t).abs() < 1e-12);
        let sg = super::super::sigmoid;
        let grad = 3.0 * sg(-2.0 * t) - sg(2.0 * t) + o.prior * (sg(-t) - sg(t));
        assert!(grad.abs() < 1e-9, "{grad}");
        assert!(t > 0.0 && s.ci_low[0] < t && t < s.ci_high[0]);
        assert_eq!(s.n_components, 1);
    }

    #[test]
    fn undefeated_stays_finite_and_ties_count_half() {
        let c = cmp(&[
            (0, 1, Outcome::Left),
            (0, 1, Outcome::Left),
            (1, 2, Outcome::Tie),
            (3, 4, Outcome::Tie),
        ]);
        let s = bradley_terry(&c, &BtOptions::default()).unwrap();
        assert!(s.scores.iter().all(|x| x.is_finite()));
        assert!(s.std_err.iter().all(|x| x.is_finite() && *x > 0.0));
        // 2 only tied with the twice-beaten 1: between 1 and 0.
        assert!(s.scores[0] > s.scores[2] && s.scores[2] > s.scores[1]);
        assert_eq!(s.component, [0, 0, 0, 1, 1]);
        assert!(s.scores[3].abs() < 1e-12 && s.scores[4].abs() < 1e-12);
        // Dropping ties: 2 says nothing and sits at the phantom's strength, higher than when its
        // tie with 1 pulled it down.
        let d = bradley_terry(&c, &BtOptions::crowdkit()).unwrap();
        assert!(d.scores[0] - d.scores[2] < s.scores[0] - s.scores[2]);
        assert_eq!(d.component, s.component);
    }

    #[test]
    fn bad_options_are_errors() {
        let c = cmp(&[(0, 1, Outcome::Left)]);
        for o in [
            BtOptions {
                prior: 0.0,
                ..Default::default()
            },
            BtOptions {
                prior: f64::NAN,
                ..Default::default()
            },
            BtOptions {
                max_iter: 0,
                ..Default::default()
            },
            BtOptions {
                z: -1.0,
                ..Default::default()
            },
        ] {
            assert!(bradley_terry(&c, &o).is_err());
        }
        let empty = Comparisons::new(3, 0, vec![]).unwrap();
        let s = bradley_terry(&empty, &BtOptions::default()).unwrap();
        assert_eq!(s.scores, [0.0; 3]);
        assert_eq!(s.n_components, 3);
    }
}
