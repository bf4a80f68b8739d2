//! Criterion benchmarks: batch methods on the synthetic crowd (1M labels for MV / Wawa / DS /
//! one-coin DS, 50k for GLAD and MACE) and the incremental per-submit update.
//!
//! `cargo bench -p mudou-consensus --bench consensus` (add a filter such as `incremental`).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mudou_consensus::synth::{SynthConfig, generate};
use mudou_consensus::{
    EmOptions, GladOptions, ItemState, Labels, MaceOptions, OverlapPolicy, SkillModel, dawid_skene,
    glad, item_posterior, mace, majority_vote, one_coin_dawid_skene, wawa,
};

fn labels(n_tasks: u32) -> Labels {
    let cfg = SynthConfig {
        n_tasks,
        ..SynthConfig::default()
    };
    let crowd = generate(&cfg).expect("synthetic crowd");
    Labels::new(cfg.n_tasks, cfg.n_workers, cfg.n_classes, &crowd.labels).expect("valid")
}

fn batch(c: &mut Criterion) {
    let big = labels(200_000);
    let mut g = c.benchmark_group("batch_1M_labels");
    g.sample_size(10);
    g.throughput(Throughput::Elements(big.len() as u64));
    g.bench_function("index_build", |b| {
        let raw = big.as_slice().to_vec();
        b.iter(|| Labels::new(200_000, 1_000, 4, black_box(&raw)).unwrap())
    });
    g.bench_function("mv", |b| b.iter(|| majority_vote(black_box(&big)).unwrap()));
    g.bench_function("wawa", |b| b.iter(|| wawa(black_box(&big)).unwrap()));
    g.bench_function("ds", |b| {
        b.iter(|| dawid_skene(black_box(&big), &EmOptions::default()).unwrap())
    });
    g.bench_function("onecoin", |b| {
        b.iter(|| one_coin_dawid_skene(black_box(&big), &EmOptions::default()).unwrap())
    });
    g.finish();

    let small = labels(10_000);
    let mut g = c.benchmark_group("batch_50k_labels");
    g.sample_size(10);
    g.throughput(Throughput::Elements(small.len() as u64));
    g.bench_function("glad", |b| {
        b.iter(|| glad(black_box(&small), &GladOptions::default()).unwrap())
    });
    g.bench_function("mace", |b| {
        b.iter(|| mace(black_box(&small), &MaceOptions::default()).unwrap())
    });
    g.finish();
}

fn incremental(c: &mut Criterion) {
    let data = labels(20_000);
    let agg = dawid_skene(&data, &EmOptions::default()).unwrap();
    let model = SkillModel::from_aggregation(&agg, 0.01).unwrap();
    let policy = OverlapPolicy::Dynamic {
        min: 2,
        max: 7,
        target: 0.95,
    };
    let all = data.as_slice();
    let mut g = c.benchmark_group("incremental");
    g.throughput(Throughput::Elements(all.len() as u64));
    // One ItemState per item, allocated once outside the timed loop (steady state).
    let mut states: Vec<ItemState> = (0..data.n_tasks())
        .map(|_| ItemState::new(&model))
        .collect();
    g.bench_function("add_label", |b| {
        b.iter(|| {
            for s in states.iter_mut() {
                s.reset(&model);
            }
            for l in all {
                states[l.task as usize]
                    .add(&model, l.worker, l.class)
                    .unwrap();
            }
            black_box(states.len())
        })
    });
    g.bench_function("add_label_and_decide", |b| {
        b.iter(|| {
            for s in states.iter_mut() {
                s.reset(&model);
            }
            let mut resolved = 0u32;
            for l in all {
                let s = &mut states[l.task as usize];
                s.add(&model, l.worker, l.class).unwrap();
                resolved += u32::from(!matches!(
                    s.decide(&policy),
                    mudou_consensus::Decision::NeedMore
                ));
            }
            black_box(resolved)
        })
    });
    g.bench_function("add_label_and_decide_with", |b| {
        b.iter(|| {
            for s in states.iter_mut() {
                s.reset(&model);
            }
            let mut resolved = 0u32;
            for l in all {
                let s = &mut states[l.task as usize];
                s.add(&model, l.worker, l.class).unwrap();
                resolved += u32::from(!matches!(
                    s.decide_with(&model, &policy),
                    mudou_consensus::Decision::NeedMore
                ));
            }
            black_box(resolved)
        })
    });
    let pairs: Vec<Vec<(u32, u32)>> = (0..data.n_tasks())
        .map(|t| data.task(t).iter().map(|l| (l.worker, l.class)).collect())
        .collect();
    g.bench_function("recompute_item_from_labels", |b| {
        let mut out = vec![0.0; model.n_classes()];
        b.iter(|| {
            let mut acc = 0.0;
            for p in &pairs {
                acc += item_posterior(&model, black_box(p), &mut out).unwrap().1;
            }
            black_box(acc)
        })
    });
    g.finish();
}

criterion_group!(benches, batch, incremental);
criterion_main!(benches);
