//! Criterion benchmarks: batch methods on the synthetic crowd (1M labels for MV / Wawa / DS /
//! one-coin DS, 50k for GLAD and MACE) and the incremental per-submit update.
//!
//! Also the consensus of one picture's polygons (5 annotators × 50 polygons of 20 points,
//! `shapes`; figures in `benches/shapes/RESULTS.md`).
//!
//! `cargo bench -p mudou-consensus --bench consensus` (add a filter such as `incremental`).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mudou_consensus::shapes::{
    Drawn, MatchOptions, Polygon, PreparedShape, match_polygons, match_polygons_raster,
};
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

/// One picture, 50 objects laid on a grid, each a star of 20 points; 5 annotators each
/// draw every object with their own few pixels of error.
fn picture(annotators: u32, objects: usize, points: usize) -> Vec<(u32, Polygon)> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(28);
    let truth: Vec<Vec<[f64; 2]>> = (0..objects)
        .map(|o| {
            let (cx, cy) = (
                100.0 + 180.0 * (o % 10) as f64,
                100.0 + 180.0 * (o / 10) as f64,
            );
            (0..points)
                .map(|i| {
                    let a = std::f64::consts::TAU * i as f64 / points as f64;
                    let r = rng.random_range(45.0..75.0);
                    [cx + r * a.cos(), cy + r * a.sin()]
                })
                .collect()
        })
        .collect();
    let mut out = Vec::new();
    for w in 0..annotators {
        for t in &truth {
            let ring = t
                .iter()
                .map(|p| {
                    [
                        p[0] + rng.random_range(-3.0..3.0),
                        p[1] + rng.random_range(-3.0..3.0),
                    ]
                })
                .collect();
            out.push((w, Polygon::new(ring)));
        }
    }
    out
}

fn shapes(c: &mut Criterion) {
    let drawn = picture(5, 50, 20);
    let objects: Vec<(Drawn, &[Polygon])> = drawn
        .iter()
        .map(|(w, p)| {
            (
                Drawn {
                    worker: *w,
                    class: 0,
                },
                std::slice::from_ref(p),
            )
        })
        .collect();
    let workers: Vec<u32> = (0..5).collect();
    let check = match_polygons(&workers, &objects, &MatchOptions::default()).unwrap();
    assert_eq!(check.clusters.len(), 50);
    assert!(check.unanimous());
    let mut g = c.benchmark_group("shapes");
    g.sample_size(20);
    let (a, b2) = (
        PreparedShape::new(std::slice::from_ref(&drawn[0].1)),
        PreparedShape::new(std::slice::from_ref(&drawn[50].1)),
    );
    g.bench_function("one_iou_20_points", |b| {
        b.iter(|| black_box(&a).iou(black_box(&b2)))
    });
    g.bench_function("polygons_5x50x20_per_item", |b| {
        b.iter(|| {
            let m = match_polygons(
                black_box(&workers),
                black_box(&objects),
                &MatchOptions::default(),
            )
            .unwrap();
            // The merged object of each cluster: its best member.
            black_box(m.clusters.iter().map(|c| c.best).sum::<usize>())
        })
    });
    g.bench_function("polygons_raster_5x50x20_per_item", |b| {
        b.iter(|| {
            let m = match_polygons_raster(
                black_box(&workers),
                black_box(&objects),
                &MatchOptions::default(),
            )
            .unwrap();
            black_box(m.clusters.iter().map(|c| c.best).sum::<usize>())
        })
    });
    g.finish();
    // The machine running the bench is often shared: the CPU time of this thread per item
    // says what the item costs when it has a core to itself.
    let cpu = || -> Option<u64> {
        std::fs::read_to_string("/proc/thread-self/schedstat")
            .ok()?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    };
    if let Some(start) = cpu() {
        let n = 200;
        for _ in 0..n {
            black_box(match_polygons(&workers, &objects, &MatchOptions::default()).unwrap());
        }
        if let Some(end) = cpu() {
            println!(
                "shapes/polygons_5x50x20_per_item: {:.2} ms of CPU time per item",
                (end - start) as f64 / n as f64 / 1e6
            );
        }
    }
    if let Some(start) = cpu() {
        let n = 200;
        for _ in 0..n {
            black_box(match_polygons_raster(&workers, &objects, &MatchOptions::default()).unwrap());
        }
        if let Some(end) = cpu() {
            println!(
                "shapes/polygons_raster_5x50x20_per_item: {:.2} ms of CPU time per item",
                (end - start) as f64 / n as f64 / 1e6
            );
        }
    }
    let raster = match_polygons_raster(&workers, &objects, &MatchOptions::default()).unwrap();
    assert_eq!(raster.clusters.len(), 50);
    assert!(raster.unanimous());
}

criterion_group!(benches, batch, incremental, shapes);
criterion_main!(benches);
