//! Does dynamic overlap pay? Simulates annotators whose confusion matrices are estimated by
//! Dawid–Skene from the real datasets, and compares fixed overlap 5 with dynamic overlap
//! (min 2, max 7, target confidence 0.95): labels used per item and final accuracy.
//!
//! ```text
//! cargo run --release -p mudou-consensus --example overlap_sim [-- ITEMS_PER_SET]
//! ```
//! Per set: workers with at least 20 labels form the pool (drawn in proportion to how much
//! they labelled); each simulated item has a true class drawn from the DS class prior; each
//! answer is drawn from the worker's DS confusion column (smoothed). Both policies use the same
//! aggregator, the incremental posterior with those skills (what the server does on submit),
//! and see the same answers in the same order: dynamic overlap just stops earlier or later.

use std::path::{Path, PathBuf};

use mudou_consensus::synth::draw_answer;
use mudou_consensus::{
    Decision, EmOptions, ItemState, LabelsBuilder, OverlapPolicy, SkillModel, WorkerModel,
    dawid_skene,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const SMOOTHING: f64 = 0.01;
const MIN_LABELS: usize = 20;

fn main() -> anyhow::Result<()> {
    let items: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(20_000);
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let mut dirs: Vec<(String, PathBuf)> = Vec::new();
    for (base, names) in [
        (
            root.join("datasets/crowd"),
            &[
                "bluebirds",
                "adult_content2",
                "music_genre",
                "weather_cf",
                "zencrowd",
            ][..],
        ),
        (
            root.join("../shared/datasets"),
            &["rte", "temp", "wsd", "product", "web", "dog"][..],
        ),
    ] {
        for n in names {
            let d = base.join(n);
            if d.join("labels.csv").exists() {
                dirs.push((n.to_string(), d));
            }
        }
    }
    let policies = [(2, 7, 0.95), (2, 5, 0.95), (2, 7, 0.90)];
    for (i, &(min, max, target)) in policies.iter().enumerate() {
        if i > 0 {
            println!();
        }
        let dynamic = OverlapPolicy::Dynamic { min, max, target };
        table(&dirs, items, &dynamic, (min, max, target))?;
    }
    Ok(())
}

fn table(
    dirs: &[(String, PathBuf)],
    items: usize,
    dynamic: &OverlapPolicy,
    (min, max, target): (u32, u32, f64),
) -> anyhow::Result<()> {
    println!(
        "Dynamic overlap (min {min}, max {max}, target {target:.2}) vs fixed overlap 5; {items} simulated items per set"
    );
    println!(
        "(workers and their confusion matrices estimated by Dawid-Skene from each real set)\n"
    );
    println!(
        "| set | pool | fixed 5: labels/item | fixed 5: accuracy | dynamic: labels/item | dynamic: accuracy | labels vs fixed | escalated |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let (mut tot_fixed_l, mut tot_dyn_l, mut tot_fixed_hit, mut tot_dyn_hit, mut tot_n) =
        (0.0, 0.0, 0.0, 0.0, 0.0);
    for (name, dir) in dirs {
        let r = simulate(dir, items, dynamic)?;
        let Some(r) = r else {
            println!("| {name} | too few workers with {MIN_LABELS}+ labels | | | | | | |");
            continue;
        };
        println!(
            "| {name} | {} | {:.2} | {:.4} | {:.2} | {:.4} | {:.0}% | {:.1}% |",
            r.pool,
            r.fixed_labels,
            r.fixed_acc,
            r.dyn_labels,
            r.dyn_acc,
            100.0 * r.dyn_labels / r.fixed_labels,
            100.0 * r.escalated
        );
        tot_fixed_l += r.fixed_labels;
        tot_dyn_l += r.dyn_labels;
        tot_fixed_hit += r.fixed_acc;
        tot_dyn_hit += r.dyn_acc;
        tot_n += 1.0;
    }
    if tot_n > 0.0 {
        println!(
            "| **mean** | | {:.2} | {:.4} | {:.2} | {:.4} | {:.0}% | |",
            tot_fixed_l / tot_n,
            tot_fixed_hit / tot_n,
            tot_dyn_l / tot_n,
            tot_dyn_hit / tot_n,
            100.0 * tot_dyn_l / tot_fixed_l
        );
    }
    Ok(())
}

struct SimResult {
    pool: usize,
    fixed_labels: f64,
    fixed_acc: f64,
    dyn_labels: f64,
    dyn_acc: f64,
    escalated: f64,
}

fn simulate(
    dir: &Path,
    items: usize,
    dynamic: &OverlapPolicy,
) -> anyhow::Result<Option<SimResult>> {
    let mut rdr = csv::Reader::from_path(dir.join("labels.csv"))?;
    let h = rdr.headers()?.clone();
    let col = |n: &str| h.iter().position(|c| c == n).unwrap_or(0);
    let (ti, wi, li) = (col("task"), col("worker"), col("label"));
    let mut b = LabelsBuilder::new();
    for rec in rdr.records() {
        let rec = rec?;
        b.push(&rec[ti], &rec[wi], &rec[li]);
    }
    let data = b.finish()?;
    let labels = &data.labels;
    let k = labels.n_classes();
    let agg = dawid_skene(labels, &EmOptions::default())?;
    let WorkerModel::Confusion(conf) = &agg.workers else {
        anyhow::bail!("DS returns confusions");
    };
    // Pool: workers with enough labels; sampling matrices [true][answer], smoothed.
    let mut pool: Vec<(usize, f64)> = Vec::new();
    let mut sampling: Vec<Vec<f64>> = Vec::new();
    let mut model_conf: Vec<f64> = Vec::new();
    for w in 0..labels.n_workers() {
        let n = labels.worker_label_indices(w).len();
        if n < MIN_LABELS {
            continue;
        }
        let m = &conf[w * k * k..(w + 1) * k * k]; // [observed][true]
        let mut s = vec![0.0; k * k];
        for tru in 0..k {
            let z: f64 = (0..k).map(|o| m[o * k + tru] + SMOOTHING).sum();
            for o in 0..k {
                s[tru * k + o] = (m[o * k + tru] + SMOOTHING) / z;
            }
        }
        pool.push((pool.len(), n as f64));
        sampling.push(s);
        model_conf.extend_from_slice(m);
    }
    if pool.len() < 7 {
        return Ok(None);
    }
    let model = SkillModel::from_confusions(&agg.prior, &model_conf, SMOOTHING, 0.7)?;
    let total: f64 = pool.iter().map(|p| p.1).sum();
    let mut rng = ChaCha8Rng::seed_from_u64(2024);
    let fixed = OverlapPolicy::Fixed(5);
    let (mut fixed_hit, mut dyn_hit, mut fixed_l, mut dyn_l, mut esc) =
        (0usize, 0usize, 0usize, 0usize, 0usize);
    let mut chosen: Vec<usize> = Vec::with_capacity(7);
    let mut answers: Vec<u32> = Vec::with_capacity(7);
    let mut fixed_state = ItemState::new(&model);
    let mut dyn_state = ItemState::new(&model);
    for _ in 0..items {
        // True class from the DS prior.
        let mut x: f64 = rng.random_range(0.0..1.0);
        let mut truth = (k - 1) as u32;
        for (c, p) in agg.prior.iter().enumerate() {
            if x < *p {
                truth = c as u32;
                break;
            }
            x -= p;
        }
        // Up to 7 distinct workers, drawn by activity; their answers.
        chosen.clear();
        answers.clear();
        while chosen.len() < 7 {
            let mut y = rng.random_range(0.0..total);
            let mut w = pool.len() - 1;
            for (i, p) in pool.iter().enumerate() {
                if y < p.1 {
                    w = i;
                    break;
                }
                y -= p.1;
            }
            if !chosen.contains(&w) {
                chosen.push(w);
                answers.push(draw_answer(&sampling[w], k, truth, &mut rng));
            }
        }
        fixed_state.reset(&model);
        dyn_state.reset(&model);
        let mut fixed_done = None;
        let mut dyn_done = None;
        for (i, (&w, &a)) in chosen.iter().zip(&answers).enumerate() {
            if fixed_done.is_none() {
                fixed_state.add(&model, w as u32, a)?;
                if let Decision::Resolved { class, .. } = fixed_state.decide(&fixed) {
                    fixed_done = Some((class, i + 1));
                }
            }
            if dyn_done.is_none() {
                dyn_state.add(&model, w as u32, a)?;
                match dyn_state.decide(dynamic) {
                    Decision::Resolved { class, .. } => dyn_done = Some((class, i + 1, false)),
                    Decision::Escalate { class, .. } => dyn_done = Some((class, i + 1, true)),
                    Decision::NeedMore => {}
                }
            }
        }
        let (fc, fl) = fixed_done.unwrap_or((fixed_state.best().0, 5));
        let (dc, dl, de) = dyn_done.unwrap_or((dyn_state.best().0, 7, true));
        fixed_hit += usize::from(fc == truth);
        dyn_hit += usize::from(dc == truth);
        fixed_l += fl;
        dyn_l += dl;
        esc += usize::from(de);
    }
    let n = items as f64;
    Ok(Some(SimResult {
        pool: pool.len(),
        fixed_labels: fixed_l as f64 / n,
        fixed_acc: fixed_hit as f64 / n,
        dyn_labels: dyn_l as f64 / n,
        dyn_acc: dyn_hit as f64 / n,
        escalated: esc as f64 / n,
    }))
}
