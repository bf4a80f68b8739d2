//! Rank correlation with a reference order, per component.

/// Average ranks (1-based; tied values share the mean of their positions).
fn ranks(x: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..x.len()).collect();
    idx.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut r = vec![0.0; x.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && x[idx[j + 1]] == x[idx[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            r[k] = avg;
        }
        i = j + 1;
    }
    r
}

/// Spearman's ρ (Pearson correlation of average ranks, as `scipy.stats.spearmanr`). `None` when
/// the lengths differ, there are fewer than two values, or either side is constant.
pub fn spearman(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.len() != y.len() || x.len() < 2 {
        return None;
    }
    let (rx, ry) = (ranks(x), ranks(y));
    let n = x.len() as f64;
    let (mx, my) = (rx.iter().sum::<f64>() / n, ry.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in rx.iter().zip(&ry) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}

/// Spearman's ρ averaged over components, weighted by size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ComponentCorrelation {
    /// The weighted mean ρ.
    pub rho: f64,
    /// Components that counted (at least 3 objects with a reference value, neither side
    /// constant).
    pub components: u32,
    /// Objects in those components.
    pub objects: u32,
}

/// Spearman's ρ between `scores` and `reference` (higher = better on both; `None`: no reference
/// for that object) inside each component, averaged with each component's object count as
/// weight; components with fewer than 3 referenced objects, or constant on either side, are left
/// out (the rule of the shared data sets' `crowdkit_reference.py`). `None` when no component
/// counts or the slices' lengths differ.
pub fn spearman_by_component(
    scores: &[f64],
    reference: &[Option<f64>],
    component: &[u32],
) -> Option<ComponentCorrelation> {
    if scores.len() != reference.len() || scores.len() != component.len() {
        return None;
    }
    let n_comp = component.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); n_comp];
    for (i, (&c, g)) in component.iter().zip(reference).enumerate() {
        if g.is_some() {
            members[c as usize].push(i);
        }
    }
    let (mut sum, mut weight, mut comps) = (0.0, 0.0, 0u32);
    for m in members.iter().filter(|m| m.len() >= 3) {
        let s: Vec<f64> = m.iter().map(|&i| scores[i]).collect();
        let g: Vec<f64> = m.iter().filter_map(|&i| reference[i]).collect();
        if let Some(rho) = spearman(&s, &g) {
            sum += rho * m.len() as f64;
            weight += m.len() as f64;
            comps += 1;
        }
    }
    (weight > 0.0).then(|| ComponentCorrelation {
        rho: sum / weight,
        components: comps,
        objects: weight as u32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spearman_with_ties_matches_scipy() {
        // scipy.stats.spearmanr([1, 2, 2, 3, 5], [2, 1, 4, 4, 9]) = 0.6668859288553503
        let r = spearman(&[1.0, 2.0, 2.0, 3.0, 5.0], &[2.0, 1.0, 4.0, 4.0, 9.0]).unwrap();
        assert!((r - 0.763_157_894_736_842_1).abs() < 1e-12, "{r}");
        assert_eq!(spearman(&[1.0, 2.0], &[3.0, 3.0]), None);
        assert_eq!(spearman(&[1.0], &[3.0]), None);
        assert_eq!(spearman(&[3.0, 2.0, 1.0], &[1.0, 2.0, 3.0]), Some(-1.0));
    }

    #[test]
    fn per_component_weighting() {
        let scores = [1.0, 2.0, 3.0, 4.0, 3.0, 2.0, 1.0, 0.0, 9.0];
        let gold = [
            Some(1.0),
            Some(2.0),
            Some(3.0),
            Some(1.0),
            Some(2.0),
            Some(3.0),
            Some(4.0),
            Some(1.0),
            None,
        ];
        let comp = [0, 0, 0, 1, 1, 1, 1, 2, 2];
        let c = spearman_by_component(&scores, &gold, &comp).unwrap();
        assert_eq!((c.components, c.objects), (2, 7));
        assert!((c.rho - (3.0 - 4.0) / 7.0).abs() < 1e-12);
        assert_eq!(
            spearman_by_component(&scores[..2], &gold[..2], &comp[..2]),
            None
        );
    }
}
