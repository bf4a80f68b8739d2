//! Property tests: valid random input never panics, posteriors are distributions, majority vote
//! does not depend on input order, the incremental update does not depend on label order.

use mudou_consensus::{
    GladOptions, ItemState, Label, Labels, MaceOptions, Method, SkillModel, glad, mace,
};
use proptest::prelude::*;

fn input() -> impl Strategy<Value = (u32, u32, u32, Vec<Label>)> {
    (1u32..12, 1u32..6, 1u32..5).prop_flat_map(|(nt, nw, k)| {
        let label = (0..nt, 0..nw, 0..k).prop_map(|(t, w, c)| Label::new(t, w, c));
        let first = proptest::collection::vec((0..nw, 0..k), nt as usize);
        (
            Just(nt),
            Just(nw),
            Just(k),
            first,
            proptest::collection::vec(label, 0..40),
        )
            .prop_map(|(nt, nw, k, first, rest)| {
                // Every task gets at least one label.
                let mut v: Vec<Label> = first
                    .into_iter()
                    .enumerate()
                    .map(|(t, (w, c))| Label::new(t as u32, w, c))
                    .collect();
                v.extend(rest);
                (nt, nw, k, v)
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_method_returns_distributions((nt, nw, k, ls) in input()) {
        let labels = Labels::new(nt, nw, k, &ls).unwrap();
        for m in Method::ALL {
            let agg = match m {
                Method::Mace => mace(&labels, &MaceOptions { restarts: 2, ..Default::default() }).unwrap(),
                Method::Glad => glad(&labels, &GladOptions { max_iter: 20, ..Default::default() }).unwrap(),
                _ => m.run(&labels).unwrap(),
            };
            prop_assert_eq!(agg.labels.len(), nt as usize);
            for t in 0..nt as usize {
                let p = agg.posterior(t);
                prop_assert!(p.iter().all(|v| v.is_finite() && *v >= 0.0), "{m}: {p:?}");
                prop_assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9, "{m}: {p:?}");
                let max = p.iter().copied().fold(f64::MIN, f64::max);
                prop_assert_eq!(p[agg.labels[t] as usize], max);
            }
        }
    }

    #[test]
    fn majority_vote_ignores_input_order((nt, nw, k, ls) in input(), seed in any::<u64>()) {
        let a = Method::MajorityVote.run(&Labels::new(nt, nw, k, &ls).unwrap()).unwrap();
        let mut shuffled = ls.clone();
        // Deterministic shuffle from the seed.
        let mut s = seed | 1;
        for i in (1..shuffled.len()).rev() {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            shuffled.swap(i, (s % (i as u64 + 1)) as usize);
        }
        let b = Method::MajorityVote.run(&Labels::new(nt, nw, k, &shuffled).unwrap()).unwrap();
        prop_assert_eq!(a.labels, b.labels);
        prop_assert_eq!(a.ties, b.ties);
        prop_assert_eq!(a.posteriors, b.posteriors);
    }

    #[test]
    fn incremental_is_order_independent(
        k in 2u32..6,
        answers in proptest::collection::vec((0u32..10, 0u32..6), 1..15),
        acc in 0.0f64..=1.0,
    ) {
        let model = SkillModel::one_coin(8, k as usize, acc).unwrap();
        let answers: Vec<(u32, u32)> = answers.into_iter().map(|(w, c)| (w, c % k)).collect();
        let mut fwd = ItemState::new(&model);
        let mut rev = ItemState::new(&model);
        for &(w, c) in &answers { fwd.add(&model, w, c).unwrap(); }
        for &(w, c) in answers.iter().rev() { rev.add(&model, w, c).unwrap(); }
        let (mut p, mut q) = (vec![0.0; k as usize], vec![0.0; k as usize]);
        fwd.posterior_into(&mut p).unwrap();
        rev.posterior_into(&mut q).unwrap();
        for (a, b) in p.iter().zip(&q) {
            prop_assert!((a - b).abs() < 1e-9);
            prop_assert!(a.is_finite());
        }
    }

    #[test]
    fn out_of_range_input_is_an_error_not_a_panic(t in 0u32..5, w in 0u32..5, c in 0u32..5) {
        let r = Labels::new(3, 3, 3, &[Label::new(t, w, c)]);
        if t < 3 && w < 3 && c < 3 {
            // Only valid when the other tasks have labels too.
            prop_assert!(r.is_err() || t == 0);
        } else {
            prop_assert!(r.is_err());
        }
    }
}
