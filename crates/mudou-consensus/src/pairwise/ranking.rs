//! Rankings of several objects per task: Plackett–Luce (Hunter's MM) and Borda.

use super::graph::{Components, Layout, centred_with_errors};
use super::{Scores, check_common};
use crate::error::{Error, Result};

/// Validated rankings: each one lists distinct objects, best first. A ranking may cover any
/// subset of the objects (partial rankings); one of fewer than two objects says nothing.
#[derive(Debug, Clone)]
pub struct Rankings {
    n_objects: u32,
    objects: Vec<u32>,
    starts: Vec<u32>,
}

impl Rankings {
    /// Validates the rankings: objects `< n_objects`, none twice in one ranking.
    pub fn new<R: AsRef<[u32]>>(
        n_objects: u32,
        rankings: impl IntoIterator<Item = R>,
    ) -> Result<Self> {
        let mut objects = Vec::new();
        let mut starts = vec![0u32];
        let mut seen = vec![u32::MAX; n_objects as usize];
        for (index, r) in rankings.into_iter().enumerate() {
            for &o in r.as_ref() {
                if o >= n_objects {
                    return Err(Error::ObjectOutOfRange {
                        index,
                        object: o,
                        n_objects,
                    });
                }
                if seen[o as usize] == index as u32 {
                    return Err(Error::SelfComparison { index, object: o });
                }
                seen[o as usize] = index as u32;
                objects.push(o);
            }
            if objects.len() >= u32::MAX as usize {
                return Err(crate::error::invalid(
                    "rankings",
                    "more than u32::MAX entries",
                ));
            }
            starts.push(objects.len() as u32);
        }
        Ok(Self {
            n_objects,
            objects,
            starts,
        })
    }

    /// Number of objects.
    pub fn n_objects(&self) -> u32 {
        self.n_objects
    }

    /// Number of rankings.
    pub fn len(&self) -> usize {
        self.starts.len() - 1
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Ranking `i`, best first.
    pub fn get(&self, i: usize) -> Option<&[u32]> {
        let (a, b) = (*self.starts.get(i)?, *self.starts.get(i + 1)?);
        Some(&self.objects[a as usize..b as usize])
    }

    /// Every ranking, best first.
    pub fn iter(&self) -> impl Iterator<Item = &[u32]> {
        self.starts
            .windows(2)
            .map(|w| &self.objects[w[0] as usize..w[1] as usize])
    }

    /// Objects ranked together are in one component.
    pub fn components(&self) -> Components {
        Components::new(
            self.n_objects as usize,
            self.iter().flat_map(|r| r.windows(2).map(|w| (w[0], w[1]))),
        )
    }
}

/// Plackett–Luce options (as [`super::BtOptions`], without ties).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlOptions {
    /// Virtual wins and losses of every object against a phantom of strength 1 (> 0).
    pub prior: f64,
    /// Cap on MM iterations.
    pub max_iter: u32,
    /// Stop when no log-strength moves by more than this.
    pub tol: f64,
    /// Normal quantile of the intervals.
    pub z: f64,
}

impl Default for PlOptions {
    fn default() -> Self {
        Self {
            prior: 0.5,
            max_iter: 100_000,
            tol: 1e-10,
            z: 1.96,
        }
    }
}

/// Fits Plackett–Luce (a ranking is a sequence of choices: the first from all its objects, the
/// second from the rest, … with `P(i chosen from S) = γ_i / Σ_S γ`) by Hunter's (2004) MM
/// algorithm, with the same phantom prior as [`super::bradley_terry`]; on rankings of two
/// objects it is Bradley–Terry. Intervals from the Plackett–Luce Fisher information.
pub fn plackett_luce(r: &Rankings, opts: &PlOptions) -> Result<Scores> {
    check_common(opts.prior, opts.max_iter, opts.tol, opts.z)?;
    let n = r.n_objects as usize;
    let alpha = opts.prior;
    let mut wins = vec![0.0f64; n];
    for rk in r.iter() {
        if rk.len() >= 2 {
            for &o in &rk[..rk.len() - 1] {
                wins[o as usize] += 1.0;
            }
        }
    }
    let mut gamma = vec![1.0f64; n];
    let mut den = vec![0.0f64; n];
    let mut suffix: Vec<f64> = Vec::new();
    let mut iterations = 0;
    while iterations < opts.max_iter {
        iterations += 1;
        for (d, g) in den.iter_mut().zip(&gamma) {
            *d = 2.0 * alpha / (g + 1.0);
        }
        for rk in r.iter().filter(|rk| rk.len() >= 2) {
            suffix_sums(rk, &gamma, &mut suffix);
            let mut cum = 0.0;
            for (pos, &o) in rk.iter().enumerate() {
                if pos + 1 < rk.len() {
                    cum += 1.0 / suffix[pos];
                }
                den[o as usize] += cum;
            }
        }
        let mut delta = 0.0f64;
        for i in 0..n {
            let v = (wins[i] + alpha) / den[i];
            if v.is_finite() && v > 0.0 {
                delta = delta.max((v.ln() - gamma[i].ln()).abs());
                gamma[i] = v;
            }
        }
        if delta < opts.tol {
            break;
        }
    }
    let theta: Vec<f64> = gamma.iter().map(|g| g.ln()).collect();
    let comps = r.components();
    // Rankings by component, for the information blocks.
    let mut by_comp: Vec<Vec<usize>> = vec![Vec::new(); comps.len()];
    for (i, rk) in r.iter().enumerate() {
        if rk.len() >= 2 {
            by_comp[comps.of[rk[0] as usize] as usize].push(i);
        }
    }
    let layout = Layout::new(&comps);
    let (scores, se) = centred_with_errors(&theta, &layout, alpha, |members, local, block| {
        let Some(&first) = members.first() else {
            return;
        };
        let mut suffix = Vec::new();
        for &ri in &by_comp[comps.of[first as usize] as usize] {
            let Some(rk) = r.get(ri) else { continue };
            suffix_sums(rk, &gamma, &mut suffix);
            // Stage t offers rk[t..]: information diag(p) − p pᵀ with p = γ / S_t. Summed over
            // stages t ≤ min(u, v, m − 2): (j, k) gets −γ_j γ_k C, the diagonal γ_j D − γ_j² C,
            // with C = Σ 1/S_t² and D = Σ 1/S_t.
            let m = rk.len();
            let (mut c, mut d) = (Vec::with_capacity(m), Vec::with_capacity(m));
            let (mut cc, mut dd) = (0.0, 0.0);
            for (t, &st) in suffix.iter().enumerate() {
                if t + 1 < m {
                    cc += 1.0 / (st * st);
                    dd += 1.0 / st;
                }
                c.push(cc);
                d.push(dd);
            }
            for (u, &j) in rk.iter().enumerate() {
                let gj = gamma[j as usize];
                let lj = local[j as usize] as usize;
                block.add(lj, lj, gj * d[u] - gj * gj * c[u]);
                for &k in &rk[u + 1..] {
                    let lk = local[k as usize] as usize;
                    let h = gj * gamma[k as usize] * c[u];
                    block.add(lj, lk, -h);
                    block.add(lk, lj, -h);
                }
            }
        }
    });
    Ok(Scores::assemble(
        scores,
        se,
        opts.z,
        comps,
        iterations,
        Vec::new(),
    ))
}

fn suffix_sums(rk: &[u32], gamma: &[f64], out: &mut Vec<f64>) {
    out.clear();
    out.resize(rk.len(), 0.0);
    let mut s = 0.0;
    for (t, &o) in rk.iter().enumerate().rev() {
        s += gamma[o as usize];
        out[t] = s;
    }
}

/// Borda counts, normalised: in a ranking of `m` objects the one at position `p` (0 = best)
/// gets `(m − 1 − p) / (m − 1)`; an object's score is its mean over the rankings (of at least
/// two objects) it appears in, 0.5 when it appears in none.
#[derive(Debug, Clone, PartialEq)]
pub struct BordaScores {
    /// Mean normalised points, in `[0, 1]`.
    pub scores: Vec<f64>,
    /// Rankings (of at least two objects) each object appears in.
    pub appearances: Vec<u32>,
    /// Component of each object.
    pub component: Vec<u32>,
    /// Number of components.
    pub n_components: u32,
}

/// Borda count over rankings of possibly different lengths (see [`BordaScores`]).
pub fn borda(r: &Rankings) -> BordaScores {
    let n = r.n_objects as usize;
    let mut sum = vec![0.0f64; n];
    let mut appearances = vec![0u32; n];
    for rk in r.iter().filter(|rk| rk.len() >= 2) {
        let m1 = (rk.len() - 1) as f64;
        for (p, &o) in rk.iter().enumerate() {
            sum[o as usize] += (m1 - p as f64) / m1;
            appearances[o as usize] += 1;
        }
    }
    let scores = sum
        .iter()
        .zip(&appearances)
        .map(|(s, &a)| if a == 0 { 0.5 } else { s / f64::from(a) })
        .collect();
    let comps = r.components();
    BordaScores {
        scores,
        appearances,
        n_components: comps.len() as u32,
        component: comps.of,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rankings_validate() {
        assert!(matches!(
            Rankings::new(3, [vec![0, 1], vec![2, 3]]),
            Err(Error::ObjectOutOfRange { index: 1, .. })
        ));
        assert!(matches!(
            Rankings::new(3, [vec![0, 1, 0]]),
            Err(Error::SelfComparison {
                index: 0,
                object: 0
            })
        ));
        let r = Rankings::new(4, [vec![0, 1, 2], vec![3], vec![]]).unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(r.get(1), Some(&[3][..]));
        assert_eq!(r.get(3), None);
        assert_eq!(r.components().of, [0, 0, 0, 1]);
    }

    #[test]
    fn borda_points() {
        let r = Rankings::new(4, [vec![0, 1, 2], vec![1, 0], vec![3]]).unwrap();
        let b = borda(&r);
        assert_eq!(b.scores, [0.5, 0.75, 0.0, 0.5]);
        assert_eq!(b.appearances, [2, 2, 1, 0]);
        assert_eq!(b.n_components, 2);
    }

    #[test]
    fn plackett_luce_orders_and_is_finite() {
        let r = Rankings::new(
            4,
            [
                vec![0, 1, 2, 3],
                vec![0, 2, 1, 3],
                vec![1, 0, 3, 2],
                vec![0, 1, 3],
            ],
        )
        .unwrap();
        let s = plackett_luce(&r, &PlOptions::default()).unwrap();
        assert_eq!(s.order(None), [0, 1, 2, 3]);
        assert!(s.std_err.iter().all(|e| e.is_finite() && *e > 0.0));
        assert!((s.scores.iter().sum::<f64>()).abs() < 1e-12);
        assert!(
            plackett_luce(
                &r,
                &PlOptions {
                    prior: -1.0,
                    ..Default::default()
                }
            )
            .is_err()
        );
    }
}
