//! Agreement metrics against published test vectors.
//!
//! Source of the expected values: `iaa_test_vectors.json` in the project's shared datasets
//! (values computed by NLTK, scikit-learn, statsmodels and the `krippendorff` package on
//! textbook data: Artstein & Poesio 2008, Computational Linguistics 34(4), the 2-coder example;
//! Krippendorff 2011, "Computing Krippendorff's alpha-reliability", the 4-coder example with
//! missing values; the Fleiss' kappa example table from Fleiss 1971 as used on Wikipedia).
//! The small data sets are copied below as literals.

use mudou_consensus::agreement::{
    cohen_kappa, fleiss_kappa_counts, krippendorff_alpha_counts, krippendorff_alpha_reliability,
    order_agreement, pairwise_agreement,
};
use mudou_consensus::{Label, Labels};

const TOL: f64 = 1e-6;

/// Artstein & Poesio (2008), 100 items, 2 coders, classes stat=0, ireq=1, chck=2:
/// (a, b, count) of the contingency table.
const AP_TABLE: &[(u32, u32, usize)] = &[(0, 0, 46), (1, 1, 32), (2, 2, 10), (1, 2, 6), (1, 0, 6)];

fn ap_pairs() -> Vec<(u32, u32)> {
    AP_TABLE
        .iter()
        .flat_map(|&(a, b, n)| std::iter::repeat_n((a, b), n))
        .collect()
}

#[test]
fn cohen_kappa_artstein_poesio() {
    let k = cohen_kappa(&ap_pairs(), 3).unwrap().unwrap();
    assert!((k - 0.8013245033112583).abs() < TOL, "{k}");
}

#[test]
fn krippendorff_alpha_artstein_poesio() {
    let pairs = ap_pairs();
    let mut counts = vec![0u32; pairs.len() * 3];
    for (u, (a, b)) in pairs.iter().enumerate() {
        counts[u * 3 + *a as usize] += 1;
        counts[u * 3 + *b as usize] += 1;
    }
    let a = krippendorff_alpha_counts(&counts, 3).unwrap().unwrap();
    assert!((a - 0.8005345806882727).abs() < TOL, "{a}");
}

fn rel(rows: &[&[i32]]) -> Vec<Vec<Option<u32>>> {
    // Values 1..=5 -> classes 0..=4; 0 = missing.
    rows.iter()
        .map(|r| r.iter().map(|&v| (v > 0).then(|| (v - 1) as u32)).collect())
        .collect()
}

#[test]
fn krippendorff_alpha_2011_missing_values() {
    let data = rel(&[
        &[1, 2, 3, 3, 2, 1, 4, 1, 2, 0, 0, 0],
        &[1, 2, 3, 3, 2, 2, 4, 1, 2, 5, 0, 3],
        &[0, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 0],
        &[1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, 0],
    ]);
    let a = krippendorff_alpha_reliability(&data, 5).unwrap().unwrap();
    assert!((a - 0.743421052631579).abs() < TOL, "{a}");
}

#[test]
fn krippendorff_alpha_wikipedia_3coders() {
    let data = rel(&[
        &[0, 0, 0, 0, 0, 3, 4, 1, 2, 1, 1, 3, 3, 0, 3],
        &[1, 0, 2, 1, 3, 3, 4, 3, 0, 0, 0, 0, 0, 0, 0],
        &[0, 0, 2, 1, 3, 4, 4, 0, 2, 1, 1, 3, 3, 0, 4],
    ]);
    let a = krippendorff_alpha_reliability(&data, 5).unwrap().unwrap();
    assert!((a - 0.691358024691358).abs() < TOL, "{a}");
}

const FLEISS: [[u32; 5]; 10] = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
];

#[test]
fn fleiss_kappa_wikipedia() {
    let counts: Vec<u32> = FLEISS.iter().flatten().copied().collect();
    let k = fleiss_kappa_counts(&counts, 5).unwrap().unwrap();
    assert!((k - 0.20993070442195522).abs() < TOL, "{k}");
    let a = krippendorff_alpha_counts(&counts, 5).unwrap().unwrap();
    assert!((a - 0.21557405653322692).abs() < TOL, "{a}");
}

#[test]
fn order_agreement_from_labels_matches_table_forms() {
    // The Fleiss table as labels: 14 raters per subject (rater ids 0..14 per subject).
    let mut labels = Vec::new();
    for (t, row) in FLEISS.iter().enumerate() {
        let mut r = 0;
        for (c, &n) in row.iter().enumerate() {
            for _ in 0..n {
                labels.push(Label::new(t as u32, r, c as u32));
                r += 1;
            }
        }
    }
    let labels = Labels::new(10, 14, 5, &labels).unwrap();
    let o = order_agreement(&labels);
    assert!((o.fleiss_kappa.unwrap() - 0.20993070442195522).abs() < TOL);
    assert!((o.krippendorff_alpha.unwrap() - 0.21557405653322692).abs() < TOL);
}

#[test]
fn crowdkit_docstring_alpha_and_pairs() {
    // Workers A, B; tasks X, Y, Z; Yes=0, No=1.
    let labels = [
        Label::new(0, 0, 0),
        Label::new(0, 1, 0),
        Label::new(1, 0, 1),
        Label::new(1, 1, 1),
        Label::new(2, 0, 0),
        Label::new(2, 1, 1),
    ];
    let labels = Labels::new(3, 2, 2, &labels).unwrap();
    let o = order_agreement(&labels);
    assert!((o.krippendorff_alpha.unwrap() - 0.4444444444444444).abs() < TOL);
    let pairs = pairwise_agreement(&labels, 1);
    assert_eq!(pairs.len(), 1);
    assert_eq!(
        (pairs[0].worker_a, pairs[0].worker_b, pairs[0].n_items),
        (0, 1, 3)
    );
    assert!((pairs[0].observed - 2.0 / 3.0).abs() < 1e-12);
    // A: Yes,No,Yes; B: Yes,No,No -> po = 2/3, pe = (2/3*1/3 + 1/3*2/3) = 4/9 -> kappa 0.4
    assert!((pairs[0].kappa.unwrap() - 0.4).abs() < 1e-12);
}

#[test]
fn degenerate_inputs_are_none_not_nan() {
    assert_eq!(cohen_kappa(&[(0, 0), (0, 0)], 2).unwrap(), None);
    assert_eq!(cohen_kappa(&[], 2).unwrap(), None);
    assert_eq!(krippendorff_alpha_counts(&[1, 0, 0, 1], 2).unwrap(), None);
    assert!(cohen_kappa(&[(0, 3)], 2).is_err());
}
