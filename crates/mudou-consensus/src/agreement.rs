//! Agreement between annotators: Cohen's kappa (two raters), Fleiss' kappa and Krippendorff's
//! alpha (nominal, missing data allowed), per order and per pair of workers.
//!
//! Undefined values (e.g. every rater always used one class, so chance agreement is 1) are
//! `None` rather than NaN.

use std::collections::BTreeMap;

use crate::data::Labels;
use crate::error::{Error, Result};

/// Cohen's kappa of two raters over the same items: `pairs[i] = (class by a, class by b)`.
/// `None` when there are no pairs or chance agreement is 1.
pub fn cohen_kappa(pairs: &[(u32, u32)], n_classes: usize) -> Result<Option<f64>> {
    if n_classes == 0 {
        return Err(Error::NoClasses);
    }
    let mut table = vec![0u64; n_classes * n_classes];
    for (index, &(a, b)) in pairs.iter().enumerate() {
        for c in [a, b] {
            if c as usize >= n_classes {
                return Err(Error::ClassOutOfRange {
                    index,
                    class: c,
                    n_classes: n_classes as u32,
                });
            }
        }
        table[a as usize * n_classes + b as usize] += 1;
    }
    Ok(kappa_from_table(&table, n_classes))
}

/// Cohen's kappa from a `K × K` contingency table (rows: rater a, columns: rater b).
pub(crate) fn kappa_from_table(table: &[u64], k: usize) -> Option<f64> {
    let n: u64 = table.iter().sum();
    if n == 0 {
        return None;
    }
    let n = n as f64;
    let mut po = 0.0;
    let mut pe = 0.0;
    for c in 0..k {
        po += table[c * k + c] as f64;
        let row: u64 = table[c * k..(c + 1) * k].iter().sum();
        let col: u64 = (0..k).map(|r| table[r * k + c]).sum();
        pe += row as f64 * col as f64;
    }
    po /= n;
    pe /= n * n;
    if (1.0 - pe).abs() < 1e-15 {
        None
    } else {
        Some((po - pe) / (1.0 - pe))
    }
}

/// Checks a units × classes count table: some classes, whole rows.
fn check_table(counts: &[u32], n_classes: usize) -> Result<()> {
    if n_classes == 0 {
        return Err(Error::NoClasses);
    }
    if !counts.len().is_multiple_of(n_classes) {
        return Err(Error::LengthMismatch {
            what: "counts",
            got: counts.len(),
            expected: counts.len() / n_classes * n_classes,
        });
    }
    Ok(())
}

/// Fleiss' kappa from a subjects × categories count table (row-major, `n_classes` columns).
/// Rows may have different totals (the generalised form); rows with fewer than two ratings are
/// skipped. With equal totals this is the textbook (and statsmodels) value.
pub fn fleiss_kappa_counts(counts: &[u32], n_classes: usize) -> Result<Option<f64>> {
    check_table(counts, n_classes)?;
    let mut cat = vec![0.0f64; n_classes];
    let mut total = 0.0;
    let mut p_sum = 0.0;
    let mut n_sub = 0usize;
    for row in counts.chunks_exact(n_classes) {
        let n: f64 = row.iter().map(|&v| f64::from(v)).sum();
        if n < 2.0 {
            continue;
        }
        let sq: f64 = row.iter().map(|&v| f64::from(v) * f64::from(v)).sum();
        p_sum += (sq - n) / (n * (n - 1.0));
        n_sub += 1;
        for (c, &v) in cat.iter_mut().zip(row) {
            *c += f64::from(v);
        }
        total += n;
    }
    if n_sub == 0 {
        return Ok(None);
    }
    let p_bar = p_sum / n_sub as f64;
    let p_e: f64 = cat.iter().map(|c| (c / total) * (c / total)).sum();
    if (1.0 - p_e).abs() < 1e-15 {
        return Ok(None);
    }
    Ok(Some((p_bar - p_e) / (1.0 - p_e)))
}

/// Krippendorff's alpha (nominal) from per-unit value counts (row-major, `n_classes` columns);
/// units with fewer than two values are not pairable and are skipped (missing data).
pub fn krippendorff_alpha_counts(counts: &[u32], n_classes: usize) -> Result<Option<f64>> {
    check_table(counts, n_classes)?;
    let mut n_c = vec![0.0f64; n_classes];
    let mut d_o = 0.0;
    for row in counts.chunks_exact(n_classes) {
        let m: f64 = row.iter().map(|&v| f64::from(v)).sum();
        if m < 2.0 {
            continue;
        }
        let sq: f64 = row.iter().map(|&v| f64::from(v) * f64::from(v)).sum();
        d_o += (m * m - sq) / (m - 1.0);
        for (c, &v) in n_c.iter_mut().zip(row) {
            *c += f64::from(v);
        }
    }
    let n: f64 = n_c.iter().sum();
    let denom = n * n - n_c.iter().map(|c| c * c).sum::<f64>();
    if n < 2.0 || denom <= 0.0 {
        return Ok(None);
    }
    Ok(Some(1.0 - (n - 1.0) * d_o / denom))
}

/// Krippendorff's alpha with the ordinal metric, from per-unit value counts (row-major,
/// `n_classes` columns, classes in order: a rating's steps). Units with fewer than two
/// values are skipped. The ordinal distance between classes `c < k` is
/// `(Σ_{g=c}^{k} n_g − (n_c + n_k)/2)²`, with `n_g` the pairable values of class `g`.
pub fn krippendorff_alpha_ordinal(counts: &[u32], n_classes: usize) -> Result<Option<f64>> {
    check_table(counts, n_classes)?;
    let k = n_classes;
    // The coincidence matrix: o[c][d] = Σ_u n_uc (n_ud − [c = d]) / (m_u − 1).
    let mut o = vec![0.0f64; k * k];
    for row in counts.chunks_exact(k) {
        let m: f64 = row.iter().map(|&v| f64::from(v)).sum();
        if m < 2.0 {
            continue;
        }
        for c in 0..k {
            for d in 0..k {
                let same = if c == d { 1.0 } else { 0.0 };
                o[c * k + d] += f64::from(row[c]) * (f64::from(row[d]) - same) / (m - 1.0);
            }
        }
    }
    let n_c: Vec<f64> = (0..k).map(|c| (0..k).map(|d| o[c * k + d]).sum()).collect();
    let n: f64 = n_c.iter().sum();
    if n < 2.0 {
        return Ok(None);
    }
    let delta = |c: usize, d: usize| {
        let (lo, hi) = (c.min(d), c.max(d));
        let s: f64 = n_c[lo..=hi].iter().sum::<f64>() - (n_c[lo] + n_c[hi]) / 2.0;
        s * s
    };
    let mut d_o = 0.0;
    let mut d_e = 0.0;
    for c in 0..k {
        for d in 0..k {
            let dd = delta(c, d);
            d_o += o[c * k + d] * dd;
            d_e += n_c[c] * n_c[d] * dd;
        }
    }
    if d_e <= 0.0 {
        return Ok(None);
    }
    Ok(Some(1.0 - (n - 1.0) * d_o / d_e))
}

/// Krippendorff's alpha with the interval metric (`(a − b)²`) over units of numbers; units
/// with fewer than two values are skipped. `None` when nothing is pairable or every value
/// is the same.
pub fn krippendorff_alpha_interval(units: &[Vec<f64>]) -> Option<f64> {
    let mut n = 0.0f64;
    let mut sum = 0.0f64;
    let mut sum_sq = 0.0f64;
    let mut d_o = 0.0f64;
    for u in units {
        let vals: Vec<f64> = u.iter().copied().filter(|v| v.is_finite()).collect();
        let m = vals.len() as f64;
        if m < 2.0 {
            continue;
        }
        // Σ_{i≠j} (v_i − v_j)² = 2m Σv² − 2(Σv)².
        let s: f64 = vals.iter().sum();
        let sq: f64 = vals.iter().map(|v| v * v).sum();
        d_o += (2.0 * m * sq - 2.0 * s * s) / (m - 1.0);
        n += m;
        sum += s;
        sum_sq += sq;
    }
    if n < 2.0 {
        return None;
    }
    let d_e = (2.0 * n * sum_sq - 2.0 * sum * sum) / (n * (n - 1.0));
    let d_o = d_o / n;
    (d_e > 0.0).then(|| 1.0 - d_o / d_e)
}

/// Krippendorff's alpha (nominal) from reliability data: `data[coder][unit]`, `None` = missing.
pub fn krippendorff_alpha_reliability(
    data: &[Vec<Option<u32>>],
    n_classes: usize,
) -> Result<Option<f64>> {
    let n_units = data.iter().map(Vec::len).max().unwrap_or(0);
    let mut counts = vec![0u32; n_units * n_classes];
    for row in data {
        for (u, v) in row.iter().enumerate() {
            if let Some(c) = *v {
                if c as usize >= n_classes {
                    return Err(Error::ClassOutOfRange {
                        index: u,
                        class: c,
                        n_classes: n_classes as u32,
                    });
                }
                counts[u * n_classes + c as usize] += 1;
            }
        }
    }
    krippendorff_alpha_counts(&counts, n_classes)
}

fn task_counts(labels: &Labels) -> Vec<u32> {
    let k = labels.n_classes();
    let mut counts = vec![0u32; labels.n_tasks() * k];
    for l in labels.as_slice() {
        counts[l.task as usize * k + l.class as usize] += 1;
    }
    counts
}

/// Agreement over a whole order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OrderAgreement {
    /// Fleiss' kappa (generalised to varying numbers of labels per item).
    pub fleiss_kappa: Option<f64>,
    /// Krippendorff's alpha, nominal.
    pub krippendorff_alpha: Option<f64>,
    /// Share of agreeing pairs among all pairs of labels on the same item.
    pub observed_agreement: Option<f64>,
}

/// Fleiss' kappa, Krippendorff's alpha and raw pairwise agreement over all items.
pub fn order_agreement(labels: &Labels) -> OrderAgreement {
    let k = labels.n_classes();
    let counts = task_counts(labels);
    let (mut agree, mut pairs) = (0.0, 0.0);
    for row in counts.chunks_exact(k) {
        let m: f64 = row.iter().map(|&v| f64::from(v)).sum();
        pairs += m * (m - 1.0) / 2.0;
        agree += row
            .iter()
            .map(|&v| f64::from(v) * (f64::from(v) - 1.0) / 2.0)
            .sum::<f64>();
    }
    OrderAgreement {
        fleiss_kappa: fleiss_kappa_counts(&counts, k).ok().flatten(),
        krippendorff_alpha: krippendorff_alpha_counts(&counts, k).ok().flatten(),
        observed_agreement: (pairs > 0.0).then(|| agree / pairs),
    }
}

/// Agreement of one pair of workers over the items both labelled.
#[derive(Debug, Clone, PartialEq)]
pub struct PairAgreement {
    /// First worker (the smaller index).
    pub worker_a: u32,
    /// Second worker.
    pub worker_b: u32,
    /// Items both labelled.
    pub n_items: u32,
    /// Share of those items where they gave the same class.
    pub observed: f64,
    /// Cohen's kappa (`None` when undefined).
    pub kappa: Option<f64>,
}

/// Cohen's kappa for every pair of workers sharing at least `min_items` items, sorted by
/// `(worker_a, worker_b)`. When a worker labelled an item twice, their first label counts.
pub fn pairwise_agreement(labels: &Labels, min_items: u32) -> Vec<PairAgreement> {
    let k = labels.n_classes();
    let mut tables: BTreeMap<(u32, u32), Vec<u64>> = BTreeMap::new();
    let mut seen: Vec<(u32, u32)> = Vec::new();
    for t in 0..labels.n_tasks() {
        seen.clear();
        for l in labels.task(t) {
            if !seen.iter().any(|(w, _)| *w == l.worker) {
                seen.push((l.worker, l.class));
            }
        }
        for i in 0..seen.len() {
            for j in i + 1..seen.len() {
                let (a, b) = if seen[i].0 < seen[j].0 {
                    (seen[i], seen[j])
                } else {
                    (seen[j], seen[i])
                };
                let tab = tables.entry((a.0, b.0)).or_insert_with(|| vec![0; k * k]);
                tab[a.1 as usize * k + b.1 as usize] += 1;
            }
        }
    }
    tables
        .into_iter()
        .filter_map(|((a, b), tab)| {
            let n: u64 = tab.iter().sum();
            if n < u64::from(min_items.max(1)) {
                return None;
            }
            let same: u64 = (0..k).map(|c| tab[c * k + c]).sum();
            Some(PairAgreement {
                worker_a: a,
                worker_b: b,
                n_items: n as u32,
                observed: same as f64 / n as f64,
                kappa: kappa_from_table(&tab, k),
            })
        })
        .collect()
}

#[cfg(test)]
mod metric_tests {
    use super::*;

    /// Krippendorff's own example ("Computing Krippendorff's Alpha-Reliability", 2011):
    /// four coders, twelve units, values 1 to 5, some missing.
    fn example() -> Vec<Vec<f64>> {
        let coders: [[Option<u8>; 12]; 4] = [
            [
                Some(1),
                Some(2),
                Some(3),
                Some(3),
                Some(2),
                Some(1),
                Some(4),
                Some(1),
                Some(2),
                None,
                None,
                None,
            ],
            [
                Some(1),
                Some(2),
                Some(3),
                Some(3),
                Some(2),
                Some(2),
                Some(4),
                Some(1),
                Some(2),
                Some(5),
                None,
                Some(3),
            ],
            [
                None,
                Some(3),
                Some(3),
                Some(3),
                Some(2),
                Some(3),
                Some(4),
                Some(2),
                Some(2),
                Some(5),
                Some(1),
                None,
            ],
            [
                Some(1),
                Some(2),
                Some(3),
                Some(3),
                Some(2),
                Some(4),
                Some(4),
                Some(1),
                Some(2),
                Some(5),
                Some(1),
                None,
            ],
        ];
        (0..12)
            .map(|u| coders.iter().filter_map(|c| c[u]).map(f64::from).collect())
            .collect()
    }

    #[test]
    fn ordinal_and_interval_alpha_match_krippendorffs_example() {
        let units = example();
        let mut counts = vec![0u32; 12 * 5];
        for (u, vals) in units.iter().enumerate() {
            for v in vals {
                counts[u * 5 + *v as usize - 1] += 1;
            }
        }
        let nominal = krippendorff_alpha_counts(&counts, 5).unwrap().unwrap();
        let ordinal = krippendorff_alpha_ordinal(&counts, 5).unwrap().unwrap();
        let interval = krippendorff_alpha_interval(&units).unwrap();
        assert!((nominal - 0.743).abs() < 5e-4, "nominal {nominal}");
        assert!((ordinal - 0.815).abs() < 5e-4, "ordinal {ordinal}");
        assert!((interval - 0.849).abs() < 5e-4, "interval {interval}");
    }

    #[test]
    fn perfect_agreement_is_one_and_nothing_pairable_is_none() {
        let counts = [2, 0, 0, 0, 3, 0, 0, 0, 2];
        assert_eq!(krippendorff_alpha_ordinal(&counts, 3).unwrap(), Some(1.0));
        assert_eq!(krippendorff_alpha_ordinal(&[1, 0, 0], 3).unwrap(), None);
        assert_eq!(krippendorff_alpha_interval(&[vec![1.0], vec![2.0]]), None);
        assert_eq!(
            krippendorff_alpha_interval(&[vec![1.0, 1.0], vec![4.0, 4.0]]),
            Some(1.0)
        );
    }
}
