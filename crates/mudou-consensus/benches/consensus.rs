//! Criterion benchmarks: batch methods on the synthetic crowd (1M labels for MV / Wawa / DS /
//! one-coin DS, 50k for GLAD and MACE) and the incremental per-submit update.
//!
//! Also the consensus of one picture's shapes (5 annotators × 50 polygons of 20 points, 50
//! masks, 50 skeletons of 17 points, `shapes`; figures in `benches/shapes/RESULTS.md`).
//!
//! `cargo bench -p mudou-consensus --bench consensus` (add a filter such as `incremental`).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mudou_consensus::shapes::{
    Drawn, Keypoint, MatchOptions, Matching, Polygon, PreparedShape, Rle, match_keypoints,
    match_masks, match_objects, match_polygons, match_polygons_raster, oks_symmetric,
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

/// Each annotator's copy of `truth`, every point moved by up to `noise` pixels.
fn copies(
    truth: &[Vec<[f64; 2]>],
    annotators: u32,
    noise: f64,
    rng: &mut impl rand::Rng,
) -> Vec<(u32, Vec<[f64; 2]>)> {
    let mut out = Vec::new();
    for w in 0..annotators {
        for t in truth {
            let moved = t
                .iter()
                .map(|p| {
                    [
                        p[0] + rng.random_range(-noise..noise),
                        p[1] + rng.random_range(-noise..noise),
                    ]
                })
                .collect();
            out.push((w, moved));
        }
    }
    out
}

/// 50 masks on a 480 × 360 picture (a 10 × 5 grid of 48 × 72 px cells, each a star of
/// radius 12–20 px rasterised as pycocotools does), drawn by 5 annotators a pixel or two
/// apart.
fn masks(annotators: u32, objects: usize) -> Vec<(u32, Rle)> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(29);
    let truth: Vec<Vec<[f64; 2]>> = (0..objects)
        .map(|o| {
            let (cx, cy) = (24.0 + 48.0 * (o % 10) as f64, 36.0 + 72.0 * (o / 10) as f64);
            (0..20)
                .map(|i| {
                    let a = std::f64::consts::TAU * i as f64 / 20.0;
                    let r = rng.random_range(12.0..20.0);
                    [cx + r * a.cos(), cy + r * a.sin()]
                })
                .collect()
        })
        .collect();
    copies(&truth, annotators, 2.0, &mut rng)
        .into_iter()
        .map(|(w, ring)| (w, Rle::from_polygon(&Polygon::new(ring), 360, 480)))
        .collect()
}

/// COCO's 17 person keypoints' sigmas.
const COCO_SIGMAS: [f64; 17] = [
    0.026, 0.025, 0.025, 0.035, 0.035, 0.079, 0.079, 0.072, 0.072, 0.062, 0.062, 0.107, 0.107,
    0.087, 0.087, 0.089, 0.089,
];

/// 50 people of 17 keypoints on a picture (a 10 × 5 grid of 180 px cells, each person's
/// points in a 60 × 140 px box), drawn by 5 annotators a few pixels apart.
fn skeletons(annotators: u32, objects: usize) -> Vec<(u32, Vec<Keypoint>)> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(30);
    let truth: Vec<Vec<[f64; 2]>> = (0..objects)
        .map(|o| {
            let (cx, cy) = (
                100.0 + 180.0 * (o % 10) as f64,
                100.0 + 180.0 * (o / 10) as f64,
            );
            (0..17)
                .map(|_| {
                    [
                        cx + rng.random_range(-30.0..30.0),
                        cy + rng.random_range(-70.0..70.0),
                    ]
                })
                .collect()
        })
        .collect();
    copies(&truth, annotators, 3.0, &mut rng)
        .into_iter()
        .map(|(w, pts)| {
            let k = pts
                .iter()
                .map(|p| Keypoint {
                    x: p[0],
                    y: p[1],
                    v: 2,
                })
                .collect();
            (w, k)
        })
        .collect()
}

/// The CPU time of this thread (ns), from `/proc/thread-self/schedstat`: what an item costs
/// when it has a core to itself, on a shared machine.
fn cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Prints the CPU time per item of `f`, over `n` items.
fn cpu_per_item(name: &str, n: u32, f: impl Fn() -> Matching) {
    let Some(start) = cpu_ns() else {
        return;
    };
    for _ in 0..n {
        black_box(f());
    }
    if let Some(end) = cpu_ns() {
        println!(
            "shapes/{name}: {:.3} ms of CPU time per item",
            (end - start) as f64 / f64::from(n) / 1e6
        );
    }
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
    let opts = MatchOptions::default();
    let ds: Vec<Drawn> = objects.iter().map(|o| o.0).collect();
    // Before: every pair through `geo`'s `BooleanOps`, no prefilter (the first version).
    let prepared: Vec<PreparedShape> = drawn
        .iter()
        .map(|(_, p)| PreparedShape::new(std::slice::from_ref(p)))
        .collect();
    let geo_way =
        || match_objects(&workers, &ds, |i, j| prepared[i].iou(&prepared[j]), &opts).unwrap();
    let exact = || match_polygons(&workers, &objects, &opts).unwrap();
    let raster = || match_polygons_raster(&workers, &objects, &opts).unwrap();
    let check = exact();
    assert_eq!(check.clusters.len(), 50);
    assert!(check.unanimous());
    let before = geo_way();
    assert_eq!(
        check
            .clusters
            .iter()
            .map(|c| (&c.members, c.best))
            .collect::<Vec<_>>(),
        before
            .clusters
            .iter()
            .map(|c| (&c.members, c.best))
            .collect::<Vec<_>>()
    );
    assert!((check.agreement - before.agreement).abs() < 1e-7);

    let mask_list = masks(5, 50);
    let mask_objects: Vec<(Drawn, &Rle)> = mask_list
        .iter()
        .map(|(w, m)| {
            (
                Drawn {
                    worker: *w,
                    class: 0,
                },
                m,
            )
        })
        .collect();
    let mds: Vec<Drawn> = mask_objects.iter().map(|o| o.0).collect();
    let masks_before = || {
        match_objects(
            &workers,
            &mds,
            |i, j| mask_objects[i].1.iou(mask_objects[j].1),
            &opts,
        )
        .unwrap()
    };
    let masks_after = || match_masks(&workers, &mask_objects, &opts).unwrap();
    let m = masks_after();
    assert_eq!(m.clusters.len(), 50);
    assert!(m.unanimous());
    assert_eq!(m, masks_before());

    let people = skeletons(5, 50);
    let people_objects: Vec<(Drawn, &[Keypoint])> = people
        .iter()
        .map(|(w, k)| {
            (
                Drawn {
                    worker: *w,
                    class: 0,
                },
                k.as_slice(),
            )
        })
        .collect();
    let kds: Vec<Drawn> = people_objects.iter().map(|o| o.0).collect();
    let keypoints_before = || {
        match_objects(
            &workers,
            &kds,
            |i, j| oks_symmetric(people_objects[i].1, people_objects[j].1, &COCO_SIGMAS),
            &opts,
        )
        .unwrap()
    };
    let keypoints_after =
        || match_keypoints(&workers, &people_objects, &COCO_SIGMAS, &opts).unwrap();
    let k = keypoints_after();
    assert_eq!(k.clusters.len(), 50);
    assert!(k.unanimous());
    assert_eq!(k, keypoints_before());

    let mut g = c.benchmark_group("shapes");
    g.sample_size(20);
    let (a, b2) = (&prepared[0], &prepared[50]);
    g.bench_function("one_iou_20_points", |b| {
        b.iter(|| black_box(a).iou(black_box(b2)))
    });
    // The merged object of each cluster is its best member, part of the matching.
    let runs: [(&str, &dyn Fn() -> Matching); 7] = [
        ("polygons_5x50x20_per_item_before", &geo_way),
        ("polygons_5x50x20_per_item", &exact),
        ("polygons_raster_5x50x20_per_item", &raster),
        ("masks_5x50_480x360_per_item_before", &masks_before),
        ("masks_5x50_480x360_per_item", &masks_after),
        ("keypoints_5x50x17_per_item_before", &keypoints_before),
        ("keypoints_5x50x17_per_item", &keypoints_after),
    ];
    for (name, f) in runs {
        g.bench_function(name, |b| b.iter(|| black_box(f())));
    }
    g.finish();
    // Interleaved, so a drift of the shared machine falls on both sides of each pair.
    for round in 0..2 {
        println!("CPU time per item, round {}:", round + 1);
        for (name, f) in runs {
            cpu_per_item(name, 100, f);
        }
    }
    let raster = raster();
    assert_eq!(raster.clusters.len(), 50);
    assert!(raster.unanimous());
}

criterion_group!(benches, batch, incremental, shapes);
criterion_main!(benches);
