//! Does dynamic overlap pay? Simulates annotators whose confusion matrices are estimated by
//! Dawid–Skene from the real datasets, and compares fixed overlap 5 with dynamic overlap
//! (min 2, max 7, target confidence 0.95): labels used per item and final accuracy.
//!
//! ```text
//! [SIM_SEED=2024] cargo run --release -p mudou-consensus --example overlap_sim [-- ITEMS_PER_SET]
//! ```
//! Per set: workers with at least 20 labels form the pool (drawn in proportion to how much
//! they labelled); each simulated item has a true class drawn from the DS class prior; each
//! answer is drawn from the worker's DS confusion column (smoothed). These true matrices only
//! generate answers. The simulated server sees nothing but the answers: it starts from a
//! one-coin prior (every worker 70% right, uniform classes), re-estimates every worker's
//! confusion matrix and the class prior by Dawid–Skene on the labels collected so far (after
//! 200 items, then every 1,000), and decides each item on submit with the incremental
//! posterior under that model. Both policies see the same answers in the same order (dynamic
//! overlap stops earlier or later) and both final answers are one Dawid–Skene batch run over
//! all the labels the policy collected. Two tables: the early-escalation rule
//! (`ItemState::decide_with`) and the plain target/max rule (`ItemState::decide`).

use std::path::{Path, PathBuf};

use mudou_consensus::synth::draw_answer;
use mudou_consensus::{
    Decision, EmOptions, ItemState, Label, Labels, LabelsBuilder, OverlapPolicy, SkillModel,
    WorkerModel, dawid_skene,
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
    let (min, max, target) = (2, 7, 0.95);
    let dynamic = OverlapPolicy::Dynamic { min, max, target };
    for (i, early) in [true, false].into_iter().enumerate() {
        if i > 0 {
            println!();
        }
        table(&dirs, items, &dynamic, (min, max, target), early)?;
    }
    Ok(())
}

fn table(
    dirs: &[(String, PathBuf)],
    items: usize,
    dynamic: &OverlapPolicy,
    (min, max, target): (u32, u32, f64),
    early: bool,
) -> anyhow::Result<()> {
    println!(
        "Dynamic overlap (min {min}, max {max}, target {target:.2}) vs fixed overlap 5; {items} simulated items per set"
    );
    println!(
        "(simulated workers: Dawid-Skene confusion matrices of each real set's workers; server skills: Dawid-Skene on the labels collected so far)"
    );
    println!(
        "decision rule: {}\n",
        if early {
            "ItemState::decide_with (target, max, and early escalation when the target is out of reach)"
        } else {
            "ItemState::decide (target and max only)"
        }
    );
    println!(
        "| set | pool | fixed 5: labels/item | fixed 5: accuracy | dynamic: labels/item | dynamic: accuracy | labels vs fixed | escalated |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let (mut tot_fixed_l, mut tot_dyn_l, mut tot_fixed_hit, mut tot_dyn_hit, mut tot_n) =
        (0.0, 0.0, 0.0, 0.0, 0.0);
    for (name, dir) in dirs {
        let r = simulate(dir, items, dynamic, early)?;
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

/// One simulated item: its true class and the (worker, answer) sequence offered to it.
struct Item {
    truth: u32,
    offers: [(u32, u32); MAX_OFFERS],
}

const MAX_OFFERS: usize = 7;
/// The server re-estimates skills (Dawid–Skene on the labels it has collected so far) after
/// this many items, then every `REFIT_EVERY` items.
const FIRST_REFIT: usize = 200;
const REFIT_EVERY: usize = 1000;

fn simulate(
    dir: &Path,
    items: usize,
    dynamic: &OverlapPolicy,
    early: bool,
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
    }
    if pool.len() < MAX_OFFERS {
        return Ok(None);
    }
    let total: f64 = pool.iter().map(|p| p.1).sum();
    let seed = std::env::var("SIM_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2024);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // The simulated crowd: every item's truth (from the DS class prior) and the first 7
    // distinct workers who would pick it up (drawn by activity) with their answers. Both
    // policies see the same answers in the same order: dynamic overlap stops earlier or later.
    let mut sim = Vec::with_capacity(items);
    for _ in 0..items {
        let mut x: f64 = rng.random_range(0.0..1.0);
        let mut truth = (k - 1) as u32;
        for (c, p) in agg.prior.iter().enumerate() {
            if x < *p {
                truth = c as u32;
                break;
            }
            x -= p;
        }
        let mut offers = [(0u32, 0u32); MAX_OFFERS];
        let mut n = 0;
        while n < MAX_OFFERS {
            let mut y = rng.random_range(0.0..total);
            let mut w = pool.len() - 1;
            for (i, p) in pool.iter().enumerate() {
                if y < p.1 {
                    w = i;
                    break;
                }
                y -= p.1;
            }
            if !offers[..n].iter().any(|o| o.0 == w as u32) {
                offers[n] = (w as u32, draw_answer(&sampling[w], k, truth, &mut rng));
                n += 1;
            }
        }
        sim.push(Item { truth, offers });
    }
    let fixed = run_policy(&sim, pool.len(), k, &OverlapPolicy::Fixed(5), early)?;
    let dynamic = run_policy(&sim, pool.len(), k, dynamic, early)?;
    let n = items as f64;
    Ok(Some(SimResult {
        pool: pool.len(),
        fixed_labels: fixed.labels as f64 / n,
        fixed_acc: fixed.hits as f64 / n,
        dyn_labels: dynamic.labels as f64 / n,
        dyn_acc: dynamic.hits as f64 / n,
        escalated: dynamic.escalated as f64 / n,
    }))
}

struct PolicyRun {
    labels: usize,
    hits: usize,
    escalated: usize,
}

/// Runs one policy the way the server would: items are labelled in arrival order; each label
/// updates the item's posterior under the server's current skill model; the model starts as a
/// one-coin prior (every worker 70% right, uniform classes) and is re-estimated by Dawid–Skene
/// from the labels collected so far (never from the simulator's true matrices). The final
/// answers are one Dawid–Skene batch run over all labels the policy collected.
fn run_policy(
    sim: &[Item],
    n_workers: usize,
    k: usize,
    policy: &OverlapPolicy,
    early: bool,
) -> anyhow::Result<PolicyRun> {
    let default_acc = 0.7f64.max(1.0 / k as f64 + 0.1).min(0.95);
    let mut model = SkillModel::one_coin(n_workers, k, default_acc)?;
    let mut collected: Vec<Label> = Vec::with_capacity(sim.len() * 5);
    let mut state = ItemState::new(&model);
    let mut escalated = 0usize;
    let mut next_refit = FIRST_REFIT;
    for (t, item) in sim.iter().enumerate() {
        if t == next_refit {
            let l = Labels::new(t as u32, n_workers as u32, k as u32, &collected)?;
            let agg = dawid_skene(&l, &EmOptions::default())?;
            model = SkillModel::from_aggregation(&agg, SMOOTHING)?;
            next_refit = if t < REFIT_EVERY {
                REFIT_EVERY
            } else {
                t + REFIT_EVERY
            };
        }
        state.reset(&model);
        for &(w, a) in &item.offers {
            state.add(&model, w, a)?;
            collected.push(Label {
                task: t as u32,
                worker: w,
                class: a,
            });
            let decision = if early {
                state.decide_with(&model, policy)
            } else {
                state.decide(policy)
            };
            match decision {
                Decision::NeedMore => {}
                Decision::Resolved { .. } => break,
                Decision::Escalate { .. } => {
                    escalated += 1;
                    break;
                }
            }
        }
    }
    let l = Labels::new(sim.len() as u32, n_workers as u32, k as u32, &collected)?;
    let agg = dawid_skene(&l, &EmOptions::default())?;
    let hits = sim
        .iter()
        .zip(&agg.labels)
        .filter(|(i, c)| i.truth == **c)
        .count();
    Ok(PolicyRun {
        labels: collected.len(),
        hits,
        escalated,
    })
}
