//! The per-submit update and the dynamic-overlap decision.

use mudou_consensus::{
    Decision, EmOptions, ItemState, Label, Labels, OverlapPolicy, SkillModel, dawid_skene,
    item_posterior,
};

#[test]
fn incremental_equals_batch_e_step_with_same_skills() {
    let crowd = mudou_consensus::synth::generate(&mudou_consensus::synth::SynthConfig {
        n_tasks: 500,
        n_classes: 3,
        n_workers: 40,
        overlap: 5,
        seed: 7,
        ..Default::default()
    })
    .unwrap();
    let labels = Labels::new(500, 40, 3, &crowd.labels).unwrap();
    let agg = dawid_skene(&labels, &EmOptions::default()).unwrap();
    let model = SkillModel::from_aggregation(&agg, 0.0).unwrap();
    let mut post = [0.0; 3];
    let mut same = 0;
    for t in 0..500 {
        let mut item = ItemState::new(&model);
        let mut pairs = Vec::new();
        for l in labels.task(t) {
            item.add(&model, l.worker, l.class).unwrap();
            pairs.push((l.worker, l.class));
        }
        item.posterior_into(&mut post).unwrap();
        let mut again = [0.0; 3];
        let (best, conf) = item_posterior(&model, &pairs, &mut again).unwrap();
        assert_eq!(item.best(), (best, conf));
        for c in 0..3 {
            assert!((post[c] - again[c]).abs() < 1e-12);
        }
        same += usize::from(best == agg.labels[t]);
    }
    // One E-step with the final skills reproduces the batch answers (bar a few ties / the
    // last iteration's change).
    assert!(same >= 495, "{same}");
}

#[test]
fn unknown_workers_use_the_default_table_and_bad_classes_are_errors() {
    let model = SkillModel::one_coin(2, 3, 0.8).unwrap();
    let mut item = ItemState::new(&model);
    item.add(&model, 99, 2).unwrap();
    assert_eq!(item.best().0, 2);
    assert!(item.add(&model, 0, 3).is_err());
    assert_eq!(item.n_labels(), 1);
    let other = SkillModel::one_coin(2, 4, 0.8).unwrap();
    assert!(item.add(&other, 0, 0).is_err());
}

#[test]
fn dynamic_overlap_decisions() {
    let p = OverlapPolicy::Dynamic {
        min: 2,
        max: 4,
        target: 0.95,
    };
    p.validate().unwrap();
    assert_eq!(p.decide(1, 0, 0.99), Decision::NeedMore);
    assert_eq!(
        p.decide(2, 1, 0.97),
        Decision::Resolved {
            class: 1,
            confidence: 0.97
        }
    );
    assert_eq!(p.decide(3, 1, 0.6), Decision::NeedMore);
    assert_eq!(
        p.decide(4, 1, 0.6),
        Decision::Escalate {
            class: 1,
            confidence: 0.6
        }
    );
    assert!(
        OverlapPolicy::Dynamic {
            min: 3,
            max: 2,
            target: 0.9
        }
        .validate()
        .is_err()
    );
    assert!(OverlapPolicy::Fixed(0).validate().is_err());
    assert_eq!(
        OverlapPolicy::Fixed(3).decide(2, 0, 1.0),
        Decision::NeedMore
    );

    // Two agreeing good workers resolve; a disagreement needs more.
    let model = SkillModel::one_coin(3, 2, 0.9).unwrap();
    let mut item = ItemState::new(&model);
    item.add(&model, 0, 1).unwrap();
    item.add(&model, 1, 1).unwrap();
    // posterior = 0.81 / (0.81 + 0.01) = 0.9878
    assert!(matches!(
        item.decide(&p),
        Decision::Resolved { class: 1, .. }
    ));
    let mut item = ItemState::new(&model);
    item.add(&model, 0, 1).unwrap();
    item.add(&model, 1, 0).unwrap();
    assert_eq!(item.decide(&p), Decision::NeedMore);
}

#[test]
fn confusion_model_from_each_method_builds() {
    let labels = [
        Label::new(0, 0, 0),
        Label::new(0, 1, 0),
        Label::new(1, 0, 1),
        Label::new(1, 1, 1),
        Label::new(1, 2, 0),
    ];
    let labels = Labels::new(2, 3, 2, &labels).unwrap();
    for m in mudou_consensus::Method::ALL {
        let agg = m.run(&labels).unwrap();
        let model = SkillModel::from_aggregation(&agg, 0.01).unwrap();
        let mut out = [0.0; 2];
        item_posterior(&model, &[(0, 1), (1, 1)], &mut out).unwrap();
        assert!((out.iter().sum::<f64>() - 1.0).abs() < 1e-12, "{m}");
        assert!(out[1] > 0.5, "{m}: {out:?}");
    }
}

#[test]
fn early_escalation_when_the_target_is_out_of_reach() {
    // Every worker 70% right on 2 classes: one answer moves the log-odds by ln(7/3) ≈ 0.85;
    // the target 0.95 needs log-odds ln 19 ≈ 2.94.
    let model = SkillModel::one_coin(10, 2, 0.7).unwrap();
    let policy = OverlapPolicy::Dynamic {
        min: 2,
        max: 7,
        target: 0.95,
    };
    let item = |answers: &[u32]| {
        let mut s = ItemState::new(&model);
        for (w, &a) in answers.iter().enumerate() {
            s.add(&model, w as u32, a).unwrap();
        }
        s
    };
    // 3–2 after 5: net one answer (0.85) + two more agreeing (1.69) = 2.54 < 2.94: hopeless.
    let s = item(&[0, 1, 0, 1, 0]);
    assert_eq!(s.decide(&policy), Decision::NeedMore);
    assert!(matches!(
        s.decide_with(&model, &policy),
        Decision::Escalate { class: 0, .. }
    ));
    // 4–1 after 5: 2.54 now, 4.24 reachable: keep going.
    let s = item(&[0, 1, 0, 0, 0]);
    assert_eq!(s.decide_with(&model, &policy), Decision::NeedMore);
    // 2–2 after 4: three labels to go, beyond the look-ahead horizon: keep going.
    const { assert!(mudou_consensus::FUTILITY_HORIZON < 3) };
    let s = item(&[0, 1, 0, 1]);
    assert_eq!(s.decide_with(&model, &policy), Decision::NeedMore);
    // 3–3 after 6: one to go, 0.85 reachable: escalate; at 7 both rules escalate.
    let s = item(&[0, 1, 0, 1, 0, 1]);
    assert!(matches!(
        s.decide_with(&model, &policy),
        Decision::Escalate { .. }
    ));
    let s = item(&[0, 1, 0, 1, 0, 1, 1]);
    assert_eq!(s.decide_with(&model, &policy), s.decide(&policy));
    // Resolved and fixed-overlap decisions are unchanged.
    let s = item(&[1, 1, 1, 1]);
    assert!(matches!(
        s.decide_with(&model, &policy),
        Decision::Resolved { class: 1, .. }
    ));
    for n in 1..=5 {
        let s = item(&[0, 1, 0, 1, 0][..n]);
        let fixed = OverlapPolicy::Fixed(5);
        assert_eq!(s.decide_with(&model, &fixed), s.decide(&fixed));
    }
}

#[test]
fn typical_evidence_follows_worker_updates() {
    // A model of strong workers reaches the target where weak ones cannot; updating every
    // worker one by one must give the same decisions as building the model at once.
    let strong = [0.97, 0.03, 0.03, 0.97]; // [observed][true]
    let weak = [0.6, 0.4, 0.4, 0.6];
    let policy = OverlapPolicy::Dynamic {
        min: 2,
        max: 7,
        target: 0.95,
    };
    let built = SkillModel::from_confusions(&[0.5, 0.5], &strong.repeat(6), 0.0, 0.7).unwrap();
    let mut updated = SkillModel::from_confusions(&[0.5, 0.5], &weak.repeat(6), 0.0, 0.7).unwrap();
    // 3–3 after 6, one label to go: out of reach with weak workers, not with strong ones.
    let mut s = ItemState::new(&updated);
    for (w, a) in [0u32, 1, 0, 1, 0, 1].into_iter().enumerate() {
        s.add(&updated, w as u32, a).unwrap();
    }
    assert!(matches!(
        s.decide_with(&updated, &policy),
        Decision::Escalate { .. }
    ));
    for w in 0..6 {
        updated.set_worker_confusion(w, &strong, 0.0).unwrap();
    }
    assert_eq!(updated, built);
    let mut s = ItemState::new(&built);
    for (w, a) in [0u32, 1, 0, 1, 0, 1].into_iter().enumerate() {
        s.add(&built, w as u32, a).unwrap();
    }
    assert_eq!(s.decide_with(&built, &policy), Decision::NeedMore);
}
