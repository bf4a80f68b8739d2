//! Worker quality report.

use mudou_consensus::quality::{QualityOptions, wilson_interval, worker_quality};
use mudou_consensus::synth::{SynthConfig, WorkerKind, generate};
use mudou_consensus::{Labels, MaceOptions, mace};

#[test]
fn wilson_interval_known_value() {
    // 8 of 10 at 95%: (0.4902, 0.9433)
    let (lo, hi) = wilson_interval(8, 10, 1.96).unwrap();
    assert!(
        (lo - 0.4902).abs() < 1e-4 && (hi - 0.9433).abs() < 1e-4,
        "{lo} {hi}"
    );
    assert_eq!(wilson_interval(0, 0, 1.96), None);
}

#[test]
fn spammers_and_speeders_are_flagged() {
    let cfg = SynthConfig {
        n_tasks: 3000,
        n_classes: 4,
        n_workers: 60,
        overlap: 5,
        seed: 3,
        ..Default::default()
    };
    let crowd = generate(&cfg).unwrap();
    let labels = Labels::new(3000, 60, 4, &crowd.labels).unwrap();
    let agg = mace(&labels, &MaceOptions::default()).unwrap();
    // Worker 0 is very fast; everyone else takes ~10 s.
    let seconds: Vec<f32> = crowd
        .labels
        .iter()
        .map(|l| if l.worker == 0 { 0.5 } else { 10.0 })
        .collect();
    let gold: Vec<(u32, u32)> = (0..300).map(|t| (t, crowd.truth[t as usize])).collect();
    let q = worker_quality(
        &labels,
        &agg,
        &gold,
        Some(&seconds),
        &QualityOptions::default(),
    )
    .unwrap();
    assert!(q[0].too_fast);
    assert!(q.iter().skip(1).all(|w| !w.too_fast));
    for (w, kind) in crowd.kinds.iter().enumerate() {
        match kind {
            WorkerKind::Spammer => assert!(q[w].spam_like, "spammer {w} not flagged"),
            WorkerKind::Good => {
                assert!(!q[w].spam_like, "good worker {w} flagged");
                assert!(q[w].gold_accuracy.unwrap() > 0.6);
            }
            _ => {}
        }
        assert_eq!(q[w].median_seconds, Some(if w == 0 { 0.5 } else { 10.0 }));
    }
}
