//! The simulation of model suggestions (issue 29, "Measured"). Over the real crowd sets
//! (their real answers replayed in the file's order), the reviews (a real text classifier's
//! cross-validated predictions, simulated workers) and the shapes pictures (a trivial
//! detector, simulated drawers), with the domain's own live consensus
//! (`live::decide_with`, the model as `ItemLabels::model`) and suggestion rules
//! (`suggest::{outcome, plant, flag_blind, draw}`): labels and annotator seconds per
//! resolved item with and without suggestions beside the final accuracy, and how many
//! planted wrong suggestions a careless worker accepts before being flagged.
//!
//! Prints its tables to stdout; `RESULTS.md` is written by hand from them.

mod data;
mod detect;
mod planted;
mod sim;

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use mudou_domain::OrderSpec;
use mudou_domain::reading;
use mudou_domain::suggest::draw;
use rayon::prelude::*;

use data::{CrowdSet, Picture, Reviews};
use sim::{Config, Item, Tally, TimeModel};

const ALL_SETS: &str =
    "adult_content2,bluebirds,dog,music_genre,product,rte,temp,weather_cf,web,wsd,zencrowd";

/// Seconds of one unaided label on a crowd set (no durations in the data): a short
/// single choice. Only the ratios matter for the comparison.
const CROWD_T0: f64 = 5.0;
/// Seconds to draw one box unaided (extreme clicking, Papadopoulos et al., ICCV 2017: 7 s
/// a box), plus 3 s to look at the picture.
const BOX_T0: f64 = 7.0;
const LOOK_T0: f64 = 3.0;

struct Args {
    sets: Vec<String>,
    datasets: PathBuf,
    repo: PathBuf,
    seeds: u64,
    max_tasks: usize,
    gold_frac: f64,
    min: u32,
    max: u32,
    target: f64,
}

fn args() -> anyhow::Result<Args> {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut a = Args {
        sets: ALL_SETS.split(',').map(String::from).collect(),
        datasets: repo.join("../shared/datasets"),
        repo,
        seeds: 3,
        max_tasks: 1000,
        gold_frac: 0.1,
        min: 2,
        max: 5,
        target: 0.95,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut v = || it.next().with_context(|| format!("{k} wants a value"));
        match k.as_str() {
            "--sets" => a.sets = v()?.split(',').map(String::from).collect(),
            "--datasets" => a.datasets = PathBuf::from(v()?),
            "--seeds" => a.seeds = v()?.parse()?,
            "--max-tasks" => a.max_tasks = v()?.parse()?,
            "--gold-frac" => a.gold_frac = v()?.parse()?,
            "--target" => a.target = v()?.parse()?,
            "--max" => a.max = v()?.parse()?,
            "-h" | "--help" => {
                println!(
                    "suggest-bench [--sets a,b] [--datasets DIR] [--seeds 3] [--max-tasks 1000] \
                     [--gold-frac 0.1] [--target 0.95] [--max 5]"
                );
                std::process::exit(0);
            }
            _ => anyhow::bail!("unknown option {k}"),
        }
    }
    if !a.datasets.is_dir() {
        // The licence-clean copies in the repository.
        a.datasets = a.repo.join("datasets/crowd");
    }
    Ok(a)
}

fn cfg(a: &Args, suggest: bool, trust: f64, careless: f64, target: f64, seed: u64) -> Config {
    Config {
        suggest,
        trust,
        careless,
        min: a.min,
        max: a.max,
        target,
        seed,
        time: TimeModel::DEFAULT,
    }
}

fn fmt(t: &Tally) -> String {
    format!(
        "{:>6.1}% {:>5.2} {:>6.1} {:>5.1}%",
        100.0 * t.accuracy(),
        t.labels_per_resolved(),
        t.seconds_per_resolved(),
        100.0 * t.escalated_share()
    )
}

/// One order's runs over seeds, pooled.
struct Prepared {
    spec: OrderSpec,
    /// Per seed: the measured items and the model's estimated accuracy.
    per_seed: Vec<(Vec<Item>, f64)>,
}

impl Prepared {
    fn run(&self, c: impl Fn(u64) -> Config) -> Tally {
        let mut t = Tally::default();
        for (seed, (items, est)) in self.per_seed.iter().enumerate() {
            t.add(&sim::run(&self.spec, items, *est, &c(seed as u64)));
        }
        t
    }
    fn model_accuracy(&self) -> f64 {
        let (mut n, mut r) = (0, 0);
        for (items, _) in &self.per_seed {
            for it in items {
                if let Some(s) = &it.suggestion {
                    n += 1;
                    r += usize::from(self.spec.agrees(s, &it.gold));
                }
            }
        }
        r as f64 / n.max(1) as f64
    }
    fn estimate(&self) -> f64 {
        self.per_seed.iter().map(|(_, e)| e).sum::<f64>() / self.per_seed.len().max(1) as f64
    }
}

/// The targets tried for the equal-accuracy comparison: text and choice orders, and box
/// orders (whose confidence is the boxes' support times their mean IoU, so a target near 1
/// is out of reach for drawers who never draw the same box twice; the demo's box order
/// uses 0.8).
const TARGETS: [f64; 5] = [0.9, 0.95, 0.97, 0.98, 0.99];
const BOX_TARGET: f64 = 0.8;
const BOX_TARGETS: [f64; 5] = [0.7, 0.75, 0.8, 0.85, 0.9];
const TRUSTS: [f64; 3] = [0.0, 0.8, 0.9];

/// The table of one order and model: no suggestions, then each trust at the order's
/// target, then each voting trust at the cheapest target whose accuracy is within 0.5
/// point of the no-suggestion run (or better).
fn compare(a: &Args, name: &str, p: &Prepared) -> Vec<String> {
    compare_at(a, name, p, a.target, &TARGETS).0
}

/// [`compare`] at the order's `target`, trying `targets` for equal accuracy; also returns
/// the no-suggestion run and each trust's run at `target`.
fn compare_at(
    a: &Args,
    name: &str,
    p: &Prepared,
    target: f64,
    targets: &[f64],
) -> (Vec<String>, Tally, Vec<Tally>) {
    let base = p.run(|s| cfg(a, false, 0.0, 0.0, target, s));
    // Without suggestions too, a lower target may keep the accuracy for fewer labels: the
    // cheapest one within 0.5 point is the fairer baseline.
    let base_eq = targets
        .par_iter()
        .map(|&tg| (tg, p.run(|s| cfg(a, false, 0.0, 0.0, tg, s))))
        .collect::<Vec<_>>()
        .into_iter()
        .filter(|(_, t)| t.accuracy() >= base.accuracy() - 0.005)
        .min_by(|x, y| {
            x.1.seconds_per_resolved()
                .total_cmp(&y.1.seconds_per_resolved())
        })
        .unwrap_or((target, base));
    let mut out = vec![format!(
        "{name:<16} model {:>5.1}% (est. {:>4.2})  none        @{:.2} {}",
        100.0 * p.model_accuracy(),
        p.estimate(),
        target,
        fmt(&base)
    )];
    out.push(format!(
        "{:<40}  none      = @{:.2} {}",
        "",
        base_eq.0,
        fmt(&base_eq.1)
    ));
    let runs: Vec<(f64, f64, Tally)> = TRUSTS
        .iter()
        .flat_map(|&tr| targets.iter().map(move |&tg| (tr, tg)))
        .filter(|(tr, tg)| *tr > 0.0 || *tg == target)
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|(tr, tg)| (tr, tg, p.run(|s| cfg(a, true, tr, 0.0, tg, s))))
        .collect();
    let mut at_target = Vec::new();
    for &tr in &TRUSTS {
        let at = runs
            .iter()
            .find(|(x, tg, _)| *x == tr && *tg == target)
            .map(|r| r.2)
            .unwrap_or_default();
        at_target.push(at);
        out.push(format!(
            "{:<40}  trust {tr:.1}   @{:.2} {}  checks {:>4.1}%",
            "",
            target,
            fmt(&at),
            100.0 * at.accepted as f64 / (at.accepted + at.fixed + at.rejected).max(1) as f64
        ));
        if tr == 0.0 {
            continue;
        }
        let eq = runs
            .iter()
            .filter(|(x, _, t)| *x == tr && t.accuracy() >= base.accuracy() - 0.005)
            .min_by(|x, y| {
                x.2.seconds_per_resolved()
                    .total_cmp(&y.2.seconds_per_resolved())
            });
        match eq {
            Some((_, tg, t)) => out.push(format!(
                "{:<40}  trust {tr:.1} = @{tg:.2} {}  labels {:+.0}%, seconds {:+.0}% (against none = : {:+.0}%, {:+.0}%)",
                "",
                fmt(t),
                100.0 * (t.labels_per_resolved() / base.labels_per_resolved() - 1.0),
                100.0 * (t.seconds_per_resolved() / base.seconds_per_resolved() - 1.0),
                100.0 * (t.labels_per_resolved() / base_eq.1.labels_per_resolved() - 1.0),
                100.0 * (t.seconds_per_resolved() / base_eq.1.seconds_per_resolved() - 1.0),
            )),
            None => out.push(format!(
                "{:<40}  trust {tr:.1} = no target reaches {:.1}% - 0.5",
                "",
                100.0 * base.accuracy()
            )),
        }
    }
    (out, base, at_target)
}

fn crowd_prepared(a: &Args, set: &CrowdSet, p: f64) -> Prepared {
    let per_seed = (0..a.seeds)
        .map(|seed| {
            let (gold, measured) = data::split(set.tasks.len(), a.gold_frac, a.max_tasks, seed);
            let model = |t: usize| data::synthetic(set.tasks[t].truth, set.keys.len(), p, seed, t);
            let gold_items = data::crowd_items(set, &gold, &model, CROWD_T0);
            let est = sim::estimate(&set.spec, &gold_items);
            (data::crowd_items(set, &measured, &model, CROWD_T0), est)
        })
        .collect();
    Prepared {
        spec: set.spec.clone(),
        per_seed,
    }
}

/// Simulated workers for the reviews and the shapes (no real crowd answers there): a pool
/// of 12, each item answered by 5 of them in a seeded order.
fn pool_order(seed: u64, item: usize) -> Vec<i64> {
    let mut w: Vec<i64> = (0..12).collect();
    w.sort_by(|x, y| {
        draw(seed as i64 ^ (item as i64) << 8, *x)
            .total_cmp(&draw(seed as i64 ^ (item as i64) << 8, *y))
    });
    w.truncate(5);
    w
}

/// A simulated worker's accuracy: 0.7 to 0.95, fixed per worker.
fn pool_accuracy(w: i64) -> f64 {
    0.7 + 0.25 * draw(0x7e57, w)
}

fn reviews_prepared(a: &Args, r: &Reviews) -> Prepared {
    let k = r.keys.len();
    let per_seed = (0..a.seeds.max(1) * 10)
        .map(|seed| {
            let (gold, measured) = data::split(r.rows.len(), a.gold_frac, usize::MAX, seed);
            let item = |i: usize| {
                let (text, truth, pred) = &r.rows[i];
                let seq = pool_order(seed, i)
                    .into_iter()
                    .map(|w| {
                        let c = data::synthetic(
                            *truth,
                            k,
                            pool_accuracy(w),
                            seed ^ (w as u64) << 16,
                            i,
                        );
                        (w, serde_json::json!({ "label": r.keys[c] }))
                    })
                    .collect();
                let t0 = reading::item_ms(&r.spec, reading::count(text)) as f64 / 1000.0;
                Item {
                    gold: serde_json::json!({ "label": r.keys[*truth] }),
                    suggestion: Some(serde_json::json!({ "label": r.keys[*pred] })),
                    seq,
                    t0,
                }
            };
            let gold_items: Vec<Item> = gold.iter().map(|&i| item(i)).collect();
            let est = sim::estimate(&r.spec, &gold_items);
            (measured.iter().map(|&i| item(i)).collect(), est)
        })
        .collect();
    Prepared {
        spec: r.spec.clone(),
        per_seed,
    }
}

/// A simulated drawer's boxes for a picture: each gold box with each edge off by up to 5%
/// of its side, the wrong shape named 3% of the time, a small (not the main) shape missed
/// 5% of the time.
fn drawn(p: &Picture, w: i64, seed: u64, i: usize) -> serde_json::Value {
    let s = (seed as i64) << 24 ^ (i as i64) << 8 ^ w;
    let mut boxes = Vec::new();
    for (j, (l, x, y, bw, bh)) in p.boxes.iter().enumerate() {
        let u = |n: i64| draw(s, (j as i64) << 4 | n);
        if j > 0 && u(0) < 0.05 {
            continue;
        }
        let label = if u(1) < 0.03 {
            data::SHAPES[(data::SHAPES.iter().position(|c| c == l).unwrap_or(0)
                + 1
                + (u(2) * 3.0) as usize)
                % 4]
            .to_owned()
        } else {
            l.clone()
        };
        let e = |n: i64, side: f64| ((u(n) - 0.5) * 0.1 * side).round();
        let (x0, y0) = (x + e(3, *bw), y + e(4, *bh));
        let (x1, y1) = (x + bw + e(5, *bw), y + bh + e(6, *bh));
        boxes.push((label, x0, y0, (x1 - x0).max(1.0), (y1 - y0).max(1.0)));
    }
    data::boxes_answer(&boxes)
}

fn shapes_prepared(
    a: &Args,
    spec: &OrderSpec,
    pics: &[Picture],
    det: &[Vec<detect::DetBox>],
) -> Prepared {
    let per_seed = (0..a.seeds.max(1) * 10)
        .map(|seed| {
            let (gold, measured) = data::split(pics.len(), a.gold_frac, usize::MAX, seed);
            let item = |i: usize| Item {
                gold: data::boxes_answer(&pics[i].boxes),
                suggestion: Some(data::boxes_answer(&det[i])),
                seq: pool_order(seed, i)
                    .into_iter()
                    .map(|w| (w, drawn(&pics[i], w, seed, i)))
                    .collect(),
                t0: LOOK_T0 + BOX_T0 * pics[i].boxes.len() as f64,
            };
            let gold_items: Vec<Item> = gold.iter().map(|&i| item(i)).collect();
            let est = sim::estimate(spec, &gold_items);
            (measured.iter().map(|&i| item(i)).collect(), est)
        })
        .collect();
    Prepared {
        spec: spec.clone(),
        per_seed,
    }
}

fn iou(a: &detect::DetBox, b: &detect::DetBox) -> f64 {
    let ix = (a.1 + a.3).min(b.1 + b.3) - a.1.max(b.1);
    let iy = (a.2 + a.4).min(b.2 + b.4) - a.2.max(b.2);
    let i = ix.max(0.0) * iy.max(0.0);
    i / (a.3 * a.4 + b.3 * b.4 - i)
}

fn header() {
    println!(
        "{:<16} {:<23}  {:<11} {:>5} {:>7} {:>5} {:>6} {:>6}",
        "set", "model", "suggestions", "tgt", "acc", "L/res", "s/res", "esc"
    );
}

fn main() -> anyhow::Result<()> {
    let a = args()?;
    let started = Instant::now();
    println!(
        "suggest-bench: dynamic overlap min {} max {} target {}; gold items {:.0}% of each set; {} seeds; \
         time model: unaided t0, check {}·t0, fix {}·t0, reject {}·t0",
        a.min,
        a.max,
        a.target,
        100.0 * a.gold_frac,
        a.seeds,
        TimeModel::DEFAULT.check,
        TimeModel::DEFAULT.fix,
        TimeModel::DEFAULT.reject
    );
    println!(
        "columns: acc = final answer right against gold over all measured items (escalated ones \
         with their best answer); L/res, s/res = labels and annotator seconds per resolved item; \
         esc = escalated or out of real answers\n"
    );

    // ---- the crowd sets, a synthetic model
    let mut sets = Vec::new();
    for name in &a.sets {
        match data::load_crowd(&a.datasets, name) {
            Ok(s) => sets.push(s),
            Err(e) => eprintln!("{name}: skipped ({e:#})"),
        }
    }
    println!(
        "== crowd sets (real answers in the file's order; the model is SYNTHETIC: right with probability p per item, else another class alike)"
    );
    header();
    // Per model p: the no-suggestion runs and each trust's, all sets' items pooled.
    let mut pooled_p: Vec<(Tally, Vec<Tally>)> =
        vec![(Tally::default(), vec![Tally::default(); 3]); 3];
    for set in &sets {
        for (pi, p) in [0.6, 0.75, 0.9].into_iter().enumerate() {
            let prep = crowd_prepared(&a, set, p);
            let (lines, base, at) = compare_at(
                &a,
                &format!("{} p={p}", set.name),
                &prep,
                a.target,
                &TARGETS,
            );
            for line in lines {
                println!("{line}");
            }
            pooled_p[pi].0.add(&base);
            for (k, t) in at.iter().enumerate() {
                pooled_p[pi].1[k].add(t);
            }
        }
        eprintln!(
            "{}: done at {:.0} s",
            set.name,
            started.elapsed().as_secs_f64()
        );
    }
    println!(
        "\n-- all crowd sets' measured items pooled, at target {}",
        a.target
    );
    header();
    for (pi, p) in [0.6, 0.75, 0.9].into_iter().enumerate() {
        let (base, at) = &pooled_p[pi];
        println!(
            "{:<16} {:<23}  none        @{:.2} {}",
            "ALL",
            format!("p={p}"),
            a.target,
            fmt(base)
        );
        for (k, tr) in TRUSTS.iter().enumerate() {
            println!(
                "{:<40}  trust {tr:.1}   @{:.2} {}  labels {:+.0}%, seconds {:+.0}%",
                "",
                a.target,
                fmt(&at[k]),
                100.0 * (at[k].labels_per_resolved() / base.labels_per_resolved() - 1.0),
                100.0 * (at[k].seconds_per_resolved() / base.seconds_per_resolved() - 1.0),
            );
        }
    }
    // How the seconds saved depend on the time model (p = 0.75, trust 0.9, no careless).
    println!(
        "\n-- time model sensitivity: all crowd sets pooled, p=0.75, trust 0.9, target {}: seconds per resolved item against none",
        a.target
    );
    let preps: Vec<Prepared> = sets.iter().map(|s| crowd_prepared(&a, s, 0.75)).collect();
    for (check, reject) in [(0.2, 1.0), (0.35, 1.1), (0.5, 1.2), (0.7, 1.3)] {
        let tm = TimeModel {
            check,
            fix: (check + reject) / 2.0,
            reject,
        };
        let (mut none, mut shown, mut with) =
            (Tally::default(), Tally::default(), Tally::default());
        for prep in &preps {
            let run = |suggest, trust| {
                prep.run(|s| Config {
                    time: tm,
                    ..cfg(&a, suggest, trust, 0.0, a.target, s)
                })
            };
            none.add(&run(false, 0.0));
            shown.add(&run(true, 0.0));
            with.add(&run(true, 0.9));
        }
        let pct =
            |t: &Tally| 100.0 * (t.seconds_per_resolved() / none.seconds_per_resolved() - 1.0);
        println!(
            "check {check:.2}·t0, fix {:.2}·t0, reject {reject:.2}·t0: none {:>5.1} s, trust 0 {:>5.1} s ({:+.0}%), trust 0.9 {:>5.1} s ({:+.0}%)",
            tm.fix,
            none.seconds_per_resolved(),
            shown.seconds_per_resolved(),
            pct(&shown),
            with.seconds_per_resolved(),
            pct(&with)
        );
    }

    // ---- careless workers (accept whatever is suggested) on the crowd sets
    println!(
        "\n== careless workers (a share who accept every suggestion as it is), model p=0.75, target {}",
        a.target
    );
    println!(
        "{:<16} {:>8} {:>7}  {:>24} {:>24} {:>24}",
        "set", "careless", "none", "trust 0", "trust 0.8", "trust 0.9"
    );
    let mut pooled: Vec<[Tally; 4]> = vec![Default::default(); 3];
    for set in &sets {
        let prep = crowd_prepared(&a, set, 0.75);
        for (ci, share) in [0.0, 0.1, 0.3].into_iter().enumerate() {
            let none = prep.run(|s| cfg(&a, false, 0.0, share, a.target, s));
            let with: Vec<Tally> = TRUSTS
                .par_iter()
                .map(|&tr| prep.run(|s| cfg(&a, true, tr, share, a.target, s)))
                .collect();
            pooled[ci][0].add(&none);
            for (k, t) in with.iter().enumerate() {
                pooled[ci][k + 1].add(t);
            }
            let cell = |t: &Tally| {
                format!(
                    "{:>5.1}% {:>4.2}L {:>5.1}s",
                    100.0 * t.accuracy(),
                    t.labels_per_resolved(),
                    t.seconds_per_resolved()
                )
            };
            println!(
                "{:<16} {:>7.0}% {:>6.1}%  {:>24} {:>24} {:>24}",
                set.name,
                100.0 * share,
                100.0 * none.accuracy(),
                cell(&with[0]),
                cell(&with[1]),
                cell(&with[2])
            );
        }
    }
    for (ci, share) in [0.0, 0.1, 0.3].into_iter().enumerate() {
        let p = &pooled[ci];
        println!(
            "{:<16} {:>7.0}% {:>6.1}%  {:>5.1}% {:>5.1}% {:>5.1}%   (all sets' items pooled)",
            "ALL",
            100.0 * share,
            100.0 * p[0].accuracy(),
            100.0 * p[1].accuracy(),
            100.0 * p[2].accuracy(),
            100.0 * p[3].accuracy()
        );
    }

    // ---- the reviews: a real text classifier
    println!(
        "\n== reviews (36 Chinese shop reviews; the model: TF-IDF char 1-2 grams + logistic regression, 6-fold cross-validated, model.py; workers SIMULATED: 12, accuracy 0.70-0.95 each, 5 per item; t0 = mudou_domain::reading::item_ms)"
    );
    header();
    let reviews = data::load_reviews(&a.repo, &a.repo.join("benches/suggest/reviews_pred.csv"))?;
    for line in compare(&a, "reviews", &reviews_prepared(&a, &reviews)) {
        println!("{line}");
    }

    // ---- the shapes: a trivial detector
    let pics = data::load_shapes(&a.repo)?;
    let det: Vec<Vec<detect::DetBox>> = pics
        .par_iter()
        .map(|p| detect::detect_file(&a.repo.join("datasets/shapes").join(&p.file)))
        .collect::<anyhow::Result<_>>()?;
    let spec = data::shapes_spec()?;
    let (mut gold_boxes, mut found, mut named, mut extra, mut pass) = (0, 0, 0, 0, 0);
    let mut ious = Vec::new();
    for (p, d) in pics.iter().zip(&det) {
        gold_boxes += p.boxes.len();
        let mut used = vec![false; d.len()];
        for g in &p.boxes {
            let best = d
                .iter()
                .enumerate()
                .filter(|(j, _)| !used[*j])
                .max_by(|x, y| iou(x.1, g).total_cmp(&iou(y.1, g)));
            if let Some((j, b)) = best
                && iou(b, g) >= 0.5
            {
                used[j] = true;
                found += 1;
                named += usize::from(b.0 == g.0);
                ious.push(iou(b, g));
            }
        }
        extra += used.iter().filter(|u| !**u).count();
        pass += usize::from(spec.agrees(&data::boxes_answer(d), &data::boxes_answer(&p.boxes)));
    }
    let mean_iou = ious.iter().sum::<f64>() / ious.len().max(1) as f64;
    println!(
        "\n== shapes (60 pictures, {gold_boxes} gold boxes; the model: a trivial detector, detect.rs): \
         boxes found at IoU >= 0.5 {found}/{gold_boxes}, mean IoU {mean_iou:.3}, named right {named}/{found}, \
         extra boxes {extra}; whole picture right by the order's pass mark {pass}/60. Drawers SIMULATED \
         (edges off by up to 5%, 3% misnamed, 5% of small shapes missed); t0 = {LOOK_T0} s + {BOX_T0} s a box"
    );
    header();
    let (lines, _, _) = compare_at(
        &a,
        "shapes",
        &shapes_prepared(&a, &spec, &pics, &det),
        BOX_TARGET,
        &BOX_TARGETS,
    );
    for line in lines {
        println!("{line}");
    }

    // ---- planted wrong suggestions
    println!(
        "\n== planted wrong suggestions (every real worker of each set through their real tasks in order; \
         gold items {:.0}% of the tasks; flag: suggest::flag_blind, at least {} accepted and at least half of those shown)",
        100.0 * a.gold_frac,
        mudou_domain::suggest::BLIND_FLAG_AFTER
    );
    println!(
        "columns: flagd = careless workers flagged; taken = planted ones they had accepted when \
         flagged (median/p90); labels = their labels until flagged (median/p90); wrong = wrong \
         model suggestions (synthetic p=0.75) they accepted on measured items before that \
         (median/p90); uncau. = share of all careless labels given before a flag or by \
         workers never flagged; careful = the same workers answering as they really did"
    );
    planted_tables(&a, &sets);
    eprintln!("done in {:.0} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Per set, plant share and careless worker: how soon `flag_blind` catches them, and how
/// many careful workers (their real answers) it flags.
fn planted_tables(a: &Args, sets: &[CrowdSet]) {
    #[derive(Default)]
    struct Acc {
        workers: u32,
        flagged: u32,
        taken: Vec<u32>,
        labels_before: Vec<u32>,
        wrong_before: Vec<u32>,
        labels_all: u64,
        labels_unflagged: u64,
        careful_two: u32,
        careful_flagged: u32,
        careful_flagged_acc: Vec<f64>,
        /// Careful workers flagged whose real gold accuracy is at least 0.7.
        careful_flagged_good: u32,
    }
    let q_ = |v: &mut Vec<u32>, p| planted::quantile(v, p).map_or("-".into(), |x| x.to_string());
    let row = |name: &str, plant_share: f64, q: f64, acc: &mut Acc| {
        println!(
            "{:<15} {:>5.1} {:>4.1} {:>7} | {:>5.1}% {:>3}/{:<3} {:>4}/{:<4} {:>3}/{:<3} {:>5.1}% | {:>4} of {:>5} {}",
            name,
            plant_share,
            q,
            acc.workers,
            100.0 * acc.flagged as f64 / acc.workers.max(1) as f64,
            q_(&mut acc.taken, 0.5),
            q_(&mut acc.taken, 0.9),
            q_(&mut acc.labels_before, 0.5),
            q_(&mut acc.labels_before, 0.9),
            q_(&mut acc.wrong_before, 0.5),
            q_(&mut acc.wrong_before, 0.9),
            100.0 * acc.labels_unflagged as f64 / acc.labels_all.max(1) as f64,
            acc.careful_flagged,
            acc.careful_two,
            if acc.careful_flagged_acc.is_empty() {
                String::new()
            } else {
                format!(
                    "(their gold acc. {:.2}; {} of them >= 0.70)",
                    acc.careful_flagged_acc.iter().sum::<f64>()
                        / acc.careful_flagged_acc.len() as f64,
                    acc.careful_flagged_good
                )
            }
        );
    };
    println!(
        "{:<15} {:>5} {:>4} {:>7} | {:>6} {:>7} {:>9} {:>7} {:>6} | careful flagged / shown >= 2",
        "set", "plant", "q", "workers", "flagd", "taken", "labels", "wrong", "uncau.",
    );
    for plant_share in [0.2, 0.5] {
        for q in [1.0, 0.5] {
            let mut all = Acc::default();
            for set in sets {
                let mut acc = Acc::default();
                for seed in 0..a.seeds {
                    let (gold, _) = data::split(set.tasks.len(), a.gold_frac, usize::MAX, seed);
                    let gold: HashSet<usize> = gold.into_iter().collect();
                    let plan = planted::Plan {
                        set,
                        gold: &gold,
                        plant_share,
                        model_p: 0.75,
                        seed,
                    };
                    for w in 0..set.by_worker.len() {
                        acc.workers += 1;
                        let c = planted::walk(&plan, w, planted::Worker::Careless(q));
                        acc.labels_all += c.labels as u64;
                        match c.flagged {
                            Some((l, taken, wrong)) => {
                                acc.flagged += 1;
                                acc.labels_before.push(l);
                                acc.wrong_before.push(wrong);
                                acc.taken.push(taken);
                                acc.labels_unflagged += l as u64;
                            }
                            None => acc.labels_unflagged += c.labels as u64,
                        }
                        let f = planted::walk(&plan, w, planted::Worker::Careful);
                        acc.careful_two += u32::from(f.planted_shown >= 2);
                        if f.flagged.is_some() {
                            acc.careful_flagged += 1;
                            let g = f.gold_right as f64 / f.gold_seen.max(1) as f64;
                            acc.careful_flagged_acc.push(g);
                            acc.careful_flagged_good += u32::from(g >= 0.7);
                        }
                    }
                }
                row(&set.name, plant_share, q, &mut acc);
                all.workers += acc.workers;
                all.flagged += acc.flagged;
                all.taken.extend(acc.taken);
                all.labels_before.extend(acc.labels_before);
                all.wrong_before.extend(acc.wrong_before);
                all.labels_all += acc.labels_all;
                all.labels_unflagged += acc.labels_unflagged;
                all.careful_two += acc.careful_two;
                all.careful_flagged += acc.careful_flagged;
                all.careful_flagged_acc.extend(acc.careful_flagged_acc);
                all.careful_flagged_good += acc.careful_flagged_good;
            }
            row("ALL", plant_share, q, &mut all);
            println!();
        }
    }
}
