//! MACE variants over the real datasets: one line per variant with the accuracy on each set,
//! `!` where it is more than 0.5 pp below crowd-kit's reference, the worst gap and the time.
//!
//! ```text
//! cargo run --release -p mudou-consensus --example mace_grid -- r=10 sp=10 "sp=10,pw=1" em=1
//! ```
//! Keys (comma-separated, unset keys keep `MaceOptions::default()`): `r` restarts, `it`
//! iteration cap, `tol`, `seed`, `a`/`b` Beta prior on spamming/knowing, `sp` strategy prior,
//! `vs` (1/0) first restart from majority vote, `pw` class-prior weight (0 uniform, 1 learned),
//! `em` (1/0) plain EM instead of variational Bayes. References: crowd-kit 1.4.2's figures in
//! `../shared/datasets/README.md`, and crowd-kit's run here on the rows as given for
//! music_genre, weather_cf and zencrowd (`benches/peers/crowdkit/RESULTS.md`).

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

use mudou_consensus::{LabelsBuilder, MaceOptions, StringLabels};

const SETS: &[&str] = &[
    "bluebirds",
    "adult_content2",
    "music_genre",
    "weather_cf",
    "zencrowd",
    "rte",
    "temp",
    "wsd",
    "product",
    "web",
    "dog",
];
const REF: &[f64] = &[
    0.75, 0.7628, 0.7986, 0.89, 0.8466, 0.925, 0.9394, 0.9944, 0.929, 0.8266, 0.8302,
];

fn main() -> anyhow::Result<()> {
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let data: Vec<(StringLabels, HashMap<String, String>)> = SETS
        .iter()
        .map(|s| {
            let mut d = root.join("datasets/crowd").join(s);
            if !d.join("labels.csv").exists() {
                d = root.join("../shared/datasets").join(s);
            }
            Ok((
                load(&d.join("labels.csv").to_string_lossy())?,
                load_gold(&d.join("gold.csv").to_string_lossy())?,
            ))
        })
        .collect::<anyhow::Result<_>>()?;
    println!("sets: {}", SETS.join(" "));
    for spec in std::env::args().skip(1) {
        let mut o = MaceOptions::default();
        for kv in spec.split(',') {
            let (k, v) = kv
                .split_once('=')
                .ok_or_else(|| anyhow::anyhow!("expected key=value, got {kv}"))?;
            match k {
                "r" => o.restarts = v.parse()?,
                "it" => o.max_iter = v.parse()?,
                "tol" => o.tol = v.parse()?,
                "seed" => o.seed = v.parse()?,
                "a" => o.spam_prior.0 = v.parse()?,
                "b" => o.spam_prior.1 = v.parse()?,
                "sp" => o.strategy_prior = v.parse()?,
                "vs" => o.vote_start = v == "1",
                "em" => o.em = v == "1",
                "pw" => o.prior_weight = v.parse()?,
                _ => anyhow::bail!("unknown key {k}"),
            }
        }
        let mut line = format!("{spec:28}");
        let mut worst = f64::INFINITY;
        let t0 = Instant::now();
        for ((d, gold), reference) in data.iter().zip(REF) {
            let agg = mudou_consensus::mace(&d.labels, &o)?;
            let (mut hit, mut n) = (0usize, 0usize);
            for (t, name) in d.tasks.names().iter().enumerate() {
                if let Some(g) = gold.get(name) {
                    n += 1;
                    hit += usize::from(d.classes.name(agg.labels[t]) == Some(g.as_str()));
                }
            }
            let acc = hit as f64 / n.max(1) as f64;
            worst = worst.min(acc - reference);
            let mark = if acc - reference < -0.005 { "!" } else { " " };
            line += &format!(" {acc:.4}{mark}");
        }
        println!(
            "{line}  worst {:+.4}  {:.1}s",
            worst,
            t0.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

fn load(path: &str) -> anyhow::Result<StringLabels> {
    let mut rdr = csv::Reader::from_path(path)?;
    let h = rdr.headers()?.clone();
    let col = |name: &str| {
        h.iter()
            .position(|c| c == name)
            .ok_or_else(|| anyhow::anyhow!("{path}: no column {name}"))
    };
    let (ti, wi, li) = (col("task")?, col("worker")?, col("label")?);
    let mut b = LabelsBuilder::new();
    for rec in rdr.records() {
        let rec = rec?;
        b.push(&rec[ti], &rec[wi], &rec[li]);
    }
    Ok(b.finish()?)
}

fn load_gold(path: &str) -> anyhow::Result<HashMap<String, String>> {
    let mut rdr = csv::Reader::from_path(path)?;
    let mut out = HashMap::new();
    for rec in rdr.records() {
        let rec = rec?;
        out.insert(rec[0].to_string(), rec[1].to_string());
    }
    Ok(out)
}
