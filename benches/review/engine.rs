//! The quality engine's time per order: one-coin Dawid–Skene and `worker_quality` over a
//! sample of an order's answers (the quality page and the client's report read at most
//! `SAMPLE_ANSWERS` answers of an order). Part of `cargo xtask bench review`.

use std::time::Instant;

use mudou_consensus::synth::{SynthConfig, generate};
use mudou_domain::quality::{SAMPLE_ANSWERS, order_engine};
use mudou_domain::{ItemState, OrderSpec};
use mudou_store::{QualityItem, QualityLabel};

fn main() {
    let keys = ["good", "bad", "neutral", "spam"];
    let spec: OrderSpec = serde_json::from_value(serde_json::json!({
        "name": "bench", "task_type": "text_classification",
        "labels": keys.iter().map(|k| serde_json::json!({"key": k, "name_zh": k, "name_en": k, "colour": "#000000", "hotkey": null})).collect::<Vec<_>>(),
        "overlap": {"kind": "fixed", "n": 3}, "piece_rate_fen": 1, "deadline": null,
        "required_qualification": null, "required_level": null
    }))
    .expect("a spec");
    println!("\nquality engine on one order's answers (median of 5 runs):");
    for answers in [10_000, SAMPLE_ANSWERS] {
        let crowd = generate(&SynthConfig {
            n_tasks: (answers / 3) as u32,
            n_classes: 4,
            n_workers: 80,
            overlap: 3,
            seed: 5,
            mix: [0.7, 0.2, 0.1, 0.0],
        })
        .expect("a crowd");
        let labels: Vec<QualityLabel> = crowd
            .labels
            .iter()
            .map(|l| QualityLabel {
                item_id: i64::from(l.task),
                annotator_id: i64::from(l.worker),
                answer: format!(r#"{{"label":"{}"}}"#, keys[l.class as usize]),
                client_ms: 4000,
            })
            .collect();
        let items: Vec<QualityItem> = (0..crowd.truth.len())
            .map(|t| QualityItem {
                item_id: t as i64,
                is_gold: t % 20 == 0,
                gold: (t % 20 == 0)
                    .then(|| format!(r#"{{"label":"{}"}}"#, keys[crowd.truth[t] as usize])),
                state: ItemState::Resolved,
                answer: Some(format!(
                    r#"{{"label":"{}"}}"#,
                    keys[crowd.truth[t] as usize]
                )),
                confidence: Some(0.9),
                known: None,
            })
            .collect();
        let mut ts = Vec::new();
        for _ in 0..5 {
            let t = Instant::now();
            std::hint::black_box(order_engine(&spec, &labels, &items));
            ts.push(t.elapsed());
        }
        ts.sort();
        println!(
            "{:>8} answers, 80 workers: {:>8.1} ms",
            labels.len(),
            ts[2].as_secs_f64() * 1000.0
        );
    }
}
