//! Runs our methods on a `task,worker,label` CSV (+ optional gold `task,label`) and prints one
//! tab-separated line per method: method, accuracy, fit seconds, iterations, tasks, labels.
//! Used by `benches/peers/crowdkit/run.sh` (the Rust side of the crowd-kit comparison).
//!
//! ```text
//! cargo run --release -p mudou-consensus --example peer -- LABELS.csv [GOLD.csv] [mv,wawa,ds,onecoin,glad,mace | agreement]
//! ```
//! `agreement` prints Fleiss' kappa and Krippendorff's alpha of the whole set instead.
//! Timing covers the fit only (the CSV is parsed and interned before the clock starts), the
//! same as the Python side, which times `fit_predict` on a loaded DataFrame.

use std::collections::HashMap;
use std::time::Instant;

use mudou_consensus::{GladOptions, LabelsBuilder, MaceOptions, Method, StringLabels};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let labels_path = args
        .first()
        .ok_or_else(|| anyhow::anyhow!("usage: peer LABELS [GOLD] [METHODS]"))?;
    let gold_path = args.get(1).filter(|s| !s.is_empty() && s.as_str() != "-");
    if args.get(2).map(String::as_str) == Some("agreement") {
        let data = load(labels_path)?;
        let o = mudou_consensus::agreement::order_agreement(&data.labels);
        let f = |v: Option<f64>| v.map_or("nan".to_string(), |v| format!("{v:.10}"));
        println!("fleiss\t{}", f(o.fleiss_kappa));
        println!("alpha\t{}", f(o.krippendorff_alpha));
        return Ok(());
    }
    let methods: Vec<Method> = match args.get(2) {
        Some(m) => m.split(',').map(|s| s.parse()).collect::<Result<_, _>>()?,
        None => Method::ALL.to_vec(),
    };
    let mace_restarts: Option<u32> = std::env::var("MACE_RESTARTS")
        .ok()
        .and_then(|v| v.parse().ok());
    // MACE_STRATEGY_PRIOR=10 runs crowd-kit's strategy prior instead of ours (1000).
    let mace_strategy: Option<f64> = std::env::var("MACE_STRATEGY_PRIOR")
        .ok()
        .and_then(|v| v.parse().ok());
    // GLAD_ROUNDS / GLAD_GTOL: GLAD's M-step rounds and gradient tolerance (experiments).
    let glad_rounds: Option<u32> = std::env::var("GLAD_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok());
    let glad_gtol: Option<f64> = std::env::var("GLAD_GTOL").ok().and_then(|v| v.parse().ok());
    // PEER_PRESET=crowdkit runs crowd-kit 1.4.2's default settings (`Method::run_crowdkit`).
    let crowdkit = std::env::var("PEER_PRESET").is_ok_and(|v| v == "crowdkit");
    let data = load(labels_path)?;
    let gold = match gold_path {
        Some(p) => load_gold(p)?,
        None => HashMap::new(),
    };
    // Start the thread pool before the clock (a server's pool is warm; crowd-kit is imported).
    rayon::broadcast(|_| ());
    for m in methods {
        let t0 = Instant::now();
        let agg = match m {
            Method::Mace if mace_restarts.is_some() || mace_strategy.is_some() => {
                let d = MaceOptions::default();
                mudou_consensus::mace(
                    &data.labels,
                    &MaceOptions {
                        restarts: mace_restarts.unwrap_or(d.restarts),
                        strategy_prior: mace_strategy.unwrap_or(d.strategy_prior),
                        ..d
                    },
                )?
            }
            Method::Glad if glad_rounds.is_some() || glad_gtol.is_some() => {
                let d = if crowdkit {
                    GladOptions::crowdkit()
                } else {
                    GladOptions::default()
                };
                mudou_consensus::glad(
                    &data.labels,
                    &GladOptions {
                        m_step_rounds: glad_rounds.unwrap_or(d.m_step_rounds),
                        m_step_gtol: glad_gtol.unwrap_or(d.m_step_gtol),
                        ..d
                    },
                )?
            }
            _ if crowdkit => m.run_crowdkit(&data.labels)?,
            _ => m.run(&data.labels)?,
        };
        let secs = t0.elapsed().as_secs_f64();
        let (mut hit, mut n) = (0usize, 0usize);
        for (t, name) in data.tasks.names().iter().enumerate() {
            if let Some(g) = gold.get(name) {
                n += 1;
                hit += usize::from(data.classes.name(agg.labels[t]) == Some(g.as_str()));
            }
        }
        let acc = if n == 0 {
            f64::NAN
        } else {
            hit as f64 / n as f64
        };
        println!(
            "{}\t{:.4}\t{:.4}\t{}\t{}\t{}",
            m,
            acc,
            secs,
            agg.iterations,
            data.labels.n_tasks(),
            data.labels.len()
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
    let h = rdr.headers()?.clone();
    let ti = h.iter().position(|c| c == "task").unwrap_or(0);
    let li = h.iter().position(|c| c == "label").unwrap_or(1);
    let mut out = HashMap::new();
    for rec in rdr.records() {
        let rec = rec?;
        out.insert(rec[ti].to_string(), rec[li].to_string());
    }
    Ok(out)
}
