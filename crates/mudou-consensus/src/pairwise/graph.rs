//! The comparison graph shared by the pairwise models: distinct pairs, per-object adjacency,
//! connected components, the Bradley–Terry solver and the Fisher-information intervals.

use rayon::prelude::*;

/// Above this many adjacency entries the per-object updates run on every core.
const PAR_ADJ: usize = 1 << 16;

/// Components up to this size get exact intervals (dense inverse of the Fisher information);
/// larger ones use `1 / H_ii`, which is too narrow (see [`super::Scores::std_err`]).
pub const DENSE_CI_LIMIT: usize = 2048;

/// Connected components of a graph over dense object indices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Components {
    /// Component of each object, numbered in order of each component's smallest object.
    pub of: Vec<u32>,
    /// Objects per component.
    pub sizes: Vec<u32>,
}

impl Components {
    /// The components of the graph on `n` objects with these edges (an object without an edge is
    /// a component of its own).
    pub fn new(n: usize, edges: impl IntoIterator<Item = (u32, u32)>) -> Self {
        let mut parent: Vec<u32> = (0..n as u32).collect();
        let mut size = vec![1u32; n];
        fn find(parent: &mut [u32], mut x: u32) -> u32 {
            while parent[x as usize] != x {
                let up = parent[parent[x as usize] as usize];
                parent[x as usize] = up;
                x = up;
            }
            x
        }
        for (a, b) in edges {
            let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
            if ra != rb {
                let (big, small) = if size[ra as usize] >= size[rb as usize] {
                    (ra, rb)
                } else {
                    (rb, ra)
                };
                parent[small as usize] = big;
                size[big as usize] += size[small as usize];
            }
        }
        let mut id_of_root = vec![u32::MAX; n];
        let mut of = vec![0u32; n];
        let mut sizes = Vec::new();
        for i in 0..n as u32 {
            let r = find(&mut parent, i) as usize;
            if id_of_root[r] == u32::MAX {
                id_of_root[r] = sizes.len() as u32;
                sizes.push(0);
            }
            of[i as usize] = id_of_root[r];
            sizes[id_of_root[r] as usize] += 1;
        }
        Self { of, sizes }
    }

    /// Number of components.
    pub fn len(&self) -> usize {
        self.sizes.len()
    }

    /// Whether there are no objects at all.
    pub fn is_empty(&self) -> bool {
        self.sizes.is_empty()
    }

    /// The objects of each component, in index order.
    pub fn members(&self) -> Vec<Vec<u32>> {
        let mut m: Vec<Vec<u32>> = self
            .sizes
            .iter()
            .map(|&s| Vec::with_capacity(s as usize))
            .collect();
        for (i, &c) in self.of.iter().enumerate() {
            m[c as usize].push(i as u32);
        }
        m
    }
}

/// Distinct unordered pairs `(a, b)`, `a < b`, with each object's incident pairs.
#[derive(Debug, Clone)]
pub(crate) struct PairGraph {
    pub n: usize,
    pub pairs: Vec<(u32, u32)>,
    /// `adj[adj_start[i]..adj_start[i + 1]]`: `(pair, other object)` for object `i`.
    pub adj_start: Vec<u32>,
    pub adj: Vec<(u32, u32)>,
}

impl PairGraph {
    /// Builds the graph of `ends` (`left`, `right`; never equal). Returns the graph, the pair of
    /// each input, and the inputs' indices grouped by pair (`by_pair[pair_start[p]..pair_start[p + 1]]`).
    pub fn build(n: usize, ends: &[(u32, u32)]) -> (Self, Vec<u32>, Vec<u32>, Vec<u32>) {
        // Two stable counting sorts (by the larger end, then by the smaller) group the inputs by
        // pair, pairs in (a, b) order, in O(m + n).
        let counting = |key: &dyn Fn(u32) -> u32, input: &mut dyn Iterator<Item = u32>| {
            let items: Vec<u32> = input.collect();
            let mut start = vec![0u32; n + 1];
            for &c in &items {
                start[key(c) as usize + 1] += 1;
            }
            for i in 0..n {
                start[i + 1] += start[i];
            }
            let mut out = vec![0u32; items.len()];
            for &c in &items {
                let k = key(c) as usize;
                out[start[k] as usize] = c;
                start[k] += 1;
            }
            out
        };
        let hi = |c: u32| {
            let (l, r) = ends[c as usize];
            l.max(r)
        };
        let lo = |c: u32| {
            let (l, r) = ends[c as usize];
            l.min(r)
        };
        let by_hi = counting(&hi, &mut (0..ends.len() as u32));
        let by_pair = counting(&lo, &mut by_hi.into_iter());
        let mut pair_of = vec![0u32; ends.len()];
        let mut pairs: Vec<(u32, u32)> = Vec::new();
        let mut pair_start: Vec<u32> = Vec::new();
        let mut prev = (u32::MAX, u32::MAX);
        for (k, &c) in by_pair.iter().enumerate() {
            let ab = (lo(c), hi(c));
            if ab != prev {
                pair_start.push(k as u32);
                pairs.push(ab);
                prev = ab;
            }
            pair_of[c as usize] = (pairs.len() - 1) as u32;
        }
        pair_start.push(by_pair.len() as u32);
        let mut adj_start = vec![0u32; n + 1];
        for &(a, b) in &pairs {
            adj_start[a as usize + 1] += 1;
            adj_start[b as usize + 1] += 1;
        }
        for i in 0..n {
            adj_start[i + 1] += adj_start[i];
        }
        let mut fill = adj_start.clone();
        let mut adj = vec![(0u32, 0u32); pairs.len() * 2];
        for (p, &(a, b)) in pairs.iter().enumerate() {
            adj[fill[a as usize] as usize] = (p as u32, b);
            fill[a as usize] += 1;
            adj[fill[b as usize] as usize] = (p as u32, a);
            fill[b as usize] += 1;
        }
        (
            Self {
                n,
                pairs,
                adj_start,
                adj,
            },
            pair_of,
            by_pair,
            pair_start,
        )
    }

    fn neighbours(&self, i: usize) -> &[(u32, u32)] {
        &self.adj[self.adj_start[i] as usize..self.adj_start[i + 1] as usize]
    }

    /// Fits Bradley–Terry log-strengths `theta` (warm start, updated in place) to the pair win
    /// weights `wins[p] = [wins of a over b, wins of b over a]`, with `alpha` virtual wins and
    /// `alpha` virtual losses of every object against a phantom of strength 1 (log 0): the
    /// maximum of `Σ_p wins·ln P + α Σ_i [ln σ(θ_i) + ln σ(−θ_i)]`, a strictly concave function.
    /// Components of up to [`DENSE_CI_LIMIT`] objects: Newton's method with a dense Hessian and
    /// a backtracking line search (a handful of steps); larger ones: Newman's iteration (JMLR
    /// 2023), a faster relative of Zermelo's/Hunter's MM with the same fixed point. Stops when
    /// no `θ_i` moves by more than `tol`; returns the most steps any component took.
    pub fn solve_bt(
        &self,
        wins: &[[f64; 2]],
        alpha: f64,
        theta: &mut [f64],
        max_iter: u32,
        tol: f64,
        layout: &Layout,
    ) -> u32 {
        let solved: Vec<Option<(Vec<f64>, u32)>> = layout
            .members
            .par_iter()
            .map(|m| {
                if m.len() <= DENSE_CI_LIMIT {
                    self.newton(m, &layout.local, wins, alpha, theta, max_iter, tol)
                } else {
                    None
                }
            })
            .collect();
        let mut steps = 0;
        let mut rest = false;
        for (m, r) in layout.members.iter().zip(solved) {
            match r {
                Some((th, it)) => {
                    steps = steps.max(it);
                    for (&i, t) in m.iter().zip(th) {
                        theta[i as usize] = t;
                    }
                }
                None => rest = true,
            }
        }
        if rest {
            steps = steps.max(self.newman(wins, alpha, theta, max_iter, tol));
        }
        steps
    }

    /// Newton's method on one component (`None`: the Hessian was not positive definite).
    #[allow(clippy::too_many_arguments)]
    fn newton(
        &self,
        m: &[u32],
        local: &[u32],
        wins: &[[f64; 2]],
        alpha: f64,
        theta: &[f64],
        max_iter: u32,
        tol: f64,
    ) -> Option<(Vec<f64>, u32)> {
        let n = m.len();
        let mut th: Vec<f64> = m.iter().map(|&i| theta[i as usize]).collect();
        // (i, j, wins of i over j, wins of j over i), local indices, each pair once.
        let mut edges: Vec<(u32, u32, f64, f64)> = Vec::new();
        for (li, &i) in m.iter().enumerate() {
            for &(p, j) in self.neighbours(i as usize) {
                if j < i {
                    continue;
                }
                let w = wins[p as usize];
                if w[0] + w[1] > 0.0 {
                    // The pair is (i, j) with i < j, so w[0] is i's wins.
                    edges.push((li as u32, local[j as usize], w[0], w[1]));
                }
            }
        }
        let objective = |th: &[f64]| -> f64 {
            let mut f = 0.0;
            for &(i, j, a, b) in &edges {
                let d = th[i as usize] - th[j as usize];
                f += a * ln_sigmoid(d) + b * ln_sigmoid(-d);
            }
            for &t in th {
                f += alpha * (ln_sigmoid(t) + ln_sigmoid(-t));
            }
            f
        };
        let mut g = vec![0.0; n];
        let mut h = vec![0.0; n * n];
        let mut cand = vec![0.0; n];
        let mut f0 = objective(&th);
        for it in 1..=max_iter {
            h.iter_mut().for_each(|x| *x = 0.0);
            for (k, &t) in th.iter().enumerate() {
                let s = super::sigmoid(t);
                g[k] = alpha * (1.0 - 2.0 * s);
                h[k * n + k] = 2.0 * alpha * s * (1.0 - s);
            }
            for &(i, j, a, b) in &edges {
                let (i, j) = (i as usize, j as usize);
                let p = super::sigmoid(th[i] - th[j]);
                let r = a - (a + b) * p;
                g[i] += r;
                g[j] -= r;
                let v = (a + b) * p * (1.0 - p);
                h[i * n + i] += v;
                h[j * n + j] += v;
                h[i * n + j] -= v;
                h[j * n + i] -= v;
            }
            if !cholesky_in_place(n, &mut h) {
                return None;
            }
            let step = cholesky_solve(n, &h, &g);
            let slope: f64 = g.iter().zip(&step).map(|(a, b)| a * b).sum();
            let mut t = 1.0;
            let f1 = loop {
                for k in 0..n {
                    cand[k] = th[k] + t * step[k];
                }
                let f1 = objective(&cand);
                if f1 >= f0 + 1e-4 * t * slope || t < 1e-9 {
                    break f1;
                }
                t *= 0.5;
            };
            let moved = step.iter().fold(0.0f64, |a, s| a.max((t * s).abs()));
            std::mem::swap(&mut th, &mut cand);
            f0 = f1;
            if moved < tol || !moved.is_finite() {
                return moved.is_finite().then_some((th, it));
            }
        }
        Some((th, max_iter))
    }

    /// Newman's iteration over the whole graph (see [`Self::solve_bt`]).
    fn newman(
        &self,
        wins: &[[f64; 2]],
        alpha: f64,
        theta: &mut [f64],
        max_iter: u32,
        tol: f64,
    ) -> u32 {
        let mut pi: Vec<f64> = theta.iter().map(|t| t.exp()).collect();
        let mut next = vec![0.0; self.n];
        let update = |i: usize, pi: &[f64]| -> f64 {
            let p = pi[i];
            let ph = alpha / (p + 1.0);
            let (mut num, mut den) = (ph, ph);
            for &(e, j) in self.neighbours(i) {
                let (a, _) = self.pairs[e as usize];
                let w = wins[e as usize];
                let (won, lost) = if a as usize == i {
                    (w[0], w[1])
                } else {
                    (w[1], w[0])
                };
                let pj = pi[j as usize];
                let inv = 1.0 / (p + pj);
                num += won * pj * inv;
                den += lost * inv;
            }
            let v = num / den;
            if v.is_finite() && v > 0.0 { v } else { p }
        };
        let mut it = 0;
        while it < max_iter {
            it += 1;
            if self.adj.len() >= PAR_ADJ {
                next.par_iter_mut()
                    .enumerate()
                    .for_each(|(i, x)| *x = update(i, &pi));
            } else {
                for (i, x) in next.iter_mut().enumerate() {
                    *x = update(i, &pi);
                }
            }
            let delta = next
                .iter()
                .zip(&pi)
                .map(|(a, b)| (a.ln() - b.ln()).abs())
                .fold(0.0f64, f64::max);
            std::mem::swap(&mut pi, &mut next);
            if delta < tol {
                break;
            }
        }
        for (t, p) in theta.iter_mut().zip(&pi) {
            *t = p.ln();
        }
        it
    }
}

/// The Fisher information of one component: dense up to [`DENSE_CI_LIMIT`] objects, otherwise
/// only its diagonal.
pub(crate) enum Block {
    Dense { n: usize, h: Vec<f64> },
    Diag(Vec<f64>),
}

impl Block {
    fn new(n: usize) -> Self {
        if n <= DENSE_CI_LIMIT {
            Block::Dense {
                n,
                h: vec![0.0; n * n],
            }
        } else {
            Block::Diag(vec![0.0; n])
        }
    }

    /// Adds `v` at `(i, j)` (local indices); off-diagonal entries are dropped for `Diag`.
    pub fn add(&mut self, i: usize, j: usize, v: f64) {
        match self {
            Block::Dense { n, h } => h[i * *n + j] += v,
            Block::Diag(d) => {
                if i == j {
                    d[i] += v;
                }
            }
        }
    }

    /// Variances of `θ_i − mean(θ)` over the component (the scores are centred per
    /// component), from the inverse of this information matrix.
    fn centred_variances(self) -> Vec<f64> {
        match self {
            Block::Diag(d) => d.into_iter().map(|x| 1.0 / x).collect(),
            Block::Dense { n, mut h } => {
                let diag: Vec<f64> = (0..n).map(|i| h[i * n + i]).collect();
                if !cholesky_in_place(n, &mut h) {
                    return diag.into_iter().map(|x| 1.0 / x).collect();
                }
                // h's lower triangle is L (H = L Lᵀ). Invert L in place: Σ = L⁻ᵀ L⁻¹.
                invert_lower_in_place(n, &mut h);
                // diag Σ_ii = Σ_k (L⁻¹)_ki²; row sums r = L⁻ᵀ u with u = L⁻¹ 1; total = |u|².
                let mut u = vec![0.0; n];
                for (k, uk) in u.iter_mut().enumerate() {
                    *uk = h[k * n..k * n + k + 1].iter().sum();
                }
                let total: f64 = u.iter().map(|x| x * x).sum();
                let nf = n as f64;
                (0..n)
                    .map(|i| {
                        let (mut sii, mut ri) = (0.0, 0.0);
                        for k in i..n {
                            let l = h[k * n + i];
                            sii += l * l;
                            ri += l * u[k];
                        }
                        (sii - 2.0 * ri / nf + total / (nf * nf)).max(0.0)
                    })
                    .collect()
            }
        }
    }
}

/// `ln σ(x)` without overflow.
#[inline]
pub(crate) fn ln_sigmoid(x: f64) -> f64 {
    if x > 0.0 {
        -(-x).exp().ln_1p()
    } else {
        x - x.exp().ln_1p()
    }
}

/// Solves `L Lᵀ x = b` with the factor `L` in the lower triangle of `l`.
fn cholesky_solve(n: usize, l: &[f64], b: &[f64]) -> Vec<f64> {
    let mut y = b.to_vec();
    for i in 0..n {
        let mut s = y[i];
        for k in 0..i {
            s -= l[i * n + k] * y[k];
        }
        y[i] = s / l[i * n + i];
    }
    for i in (0..n).rev() {
        let mut s = y[i];
        for k in i + 1..n {
            s -= l[k * n + i] * y[k];
        }
        y[i] = s / l[i * n + i];
    }
    y
}

/// Cholesky factorisation of the symmetric matrix `a` (row-major, `n × n`): its lower triangle
/// becomes `L`. False when `a` is not (numerically) positive definite.
fn cholesky_in_place(n: usize, a: &mut [f64]) -> bool {
    for j in 0..n {
        let mut d = a[j * n + j];
        for k in 0..j {
            d -= a[j * n + k] * a[j * n + k];
        }
        if !(d > 0.0 && d.is_finite()) {
            return false;
        }
        let d = d.sqrt();
        a[j * n + j] = d;
        for i in j + 1..n {
            let (ri, rj) = (i * n, j * n);
            let mut s = a[ri + j];
            for k in 0..j {
                s -= a[ri + k] * a[rj + k];
            }
            a[ri + j] = s / d;
        }
    }
    true
}

/// Replaces the lower-triangular `L` in `a` by `L⁻¹` (lower triangle; the upper is ignored).
fn invert_lower_in_place(n: usize, a: &mut [f64]) {
    // Column by column of the inverse: X L = I solved row-wise, kept in a scratch row.
    let mut inv = vec![0.0; n * n];
    for i in 0..n {
        inv[i * n + i] = 1.0 / a[i * n + i];
        for j in (0..i).rev() {
            let mut s = 0.0;
            for k in j..i {
                s += a[i * n + k] * inv[k * n + j];
            }
            inv[i * n + j] = -s / a[i * n + i];
        }
    }
    for i in 0..n {
        a[i * n..i * n + i + 1].copy_from_slice(&inv[i * n..i * n + i + 1]);
    }
}

/// Each component's objects and every object's index inside its component.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub members: Vec<Vec<u32>>,
    pub local: Vec<u32>,
}

impl Layout {
    pub fn new(comps: &Components) -> Self {
        let members = comps.members();
        let mut local = vec![0u32; comps.of.len()];
        for m in &members {
            for (k, &i) in m.iter().enumerate() {
                local[i as usize] = k as u32;
            }
        }
        Self { members, local }
    }
}

/// Centres `theta` per component and gives each object's standard error from the information
/// matrix that `fill` builds per component (`fill(component, local index of every object,
/// block)`), plus `2 α π/(π + 1)²` on the diagonal for the phantom's virtual games.
pub(crate) fn centred_with_errors(
    theta: &[f64],
    layout: &Layout,
    alpha: f64,
    fill: impl Fn(&[u32], &[u32], &mut Block) + Sync,
) -> (Vec<f64>, Vec<f64>) {
    let (members, local) = (&layout.members, &layout.local);
    let n = theta.len();
    let per: Vec<(f64, Vec<f64>)> = members
        .par_iter()
        .map(|m| {
            let mean = m.iter().map(|&i| theta[i as usize]).sum::<f64>() / m.len() as f64;
            let mut b = Block::new(m.len());
            for (k, &i) in m.iter().enumerate() {
                let p = theta[i as usize].exp();
                b.add(k, k, 2.0 * alpha * p / ((p + 1.0) * (p + 1.0)));
            }
            fill(m, local, &mut b);
            (mean, b.centred_variances())
        })
        .collect();
    let mut centred = vec![0.0; n];
    let mut se = vec![0.0; n];
    for (m, (mean, var)) in members.iter().zip(per) {
        for (&i, v) in m.iter().zip(var) {
            centred[i as usize] = theta[i as usize] - mean;
            se[i as usize] = v.sqrt();
        }
    }
    (centred, se)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_number_by_smallest_object() {
        let c = Components::new(6, [(4, 5), (0, 2), (2, 4)]);
        assert_eq!(c.of, [0, 1, 0, 2, 0, 0]);
        assert_eq!(c.sizes, [4, 1, 1]);
        assert_eq!(c.members(), vec![vec![0, 2, 4, 5], vec![1], vec![3]]);
        assert!(Components::new(0, []).is_empty());
    }

    #[test]
    fn pairs_are_grouped() {
        let ends = [(3, 1), (1, 3), (0, 2), (2, 0), (1, 2)];
        let (g, pair_of, by_pair, start) = PairGraph::build(4, &ends);
        assert_eq!(g.pairs, [(0, 2), (1, 2), (1, 3)]);
        assert_eq!(pair_of, [2, 2, 0, 0, 1]);
        assert_eq!(start, [0, 2, 3, 5]);
        for p in 0..3 {
            for &c in &by_pair[start[p] as usize..start[p + 1] as usize] {
                assert_eq!(pair_of[c as usize], p as u32);
            }
        }
        assert_eq!(g.neighbours(2), [(0, 0), (1, 1)]);
    }

    #[test]
    fn dense_inverse_matches_a_direct_solve() {
        // H = [[3, -1, 0], [-1, 2.5, -1], [0, -1, 1.5]]; its inverse computed by hand (adjugate).
        let h = [3.0, -1.0, 0.0, -1.0, 2.5, -1.0, 0.0, -1.0, 1.5];
        let det = 3.0 * (2.5 * 1.5 - 1.0) - 1.5; // 6.75
        let inv = [
            (2.5 * 1.5 - 1.0) / det,
            1.5 / det,
            1.0 / det,
            1.5 / det,
            4.5 / det,
            3.0 / det,
            1.0 / det,
            3.0 / det,
            (7.5 - 1.0) / det,
        ];
        let b = Block::Dense {
            n: 3,
            h: h.to_vec(),
        };
        let v = b.centred_variances();
        let total: f64 = inv.iter().sum();
        for i in 0..3 {
            let r: f64 = inv[i * 3..i * 3 + 3].iter().sum();
            let want = inv[i * 3 + i] - 2.0 * r / 3.0 + total / 9.0;
            assert!((v[i] - want).abs() < 1e-12, "{i}: {} vs {want}", v[i]);
        }
    }
}
