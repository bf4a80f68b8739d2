//! Writes a seeded synthetic crowd as CSV (crowd-kit's layout):
//! `DIR/labels.csv` (`task,worker,label`) and `DIR/gold.csv` (`task,label`).
//!
//! ```text
//! cargo run --release -p mudou-consensus --example synth -- DIR [ITEMS] [CLASSES] [WORKERS] [OVERLAP] [SEED]
//! ```
//! Defaults: 200000 items, 4 classes, 1000 workers, overlap 5 (1M labels), seed 42.

use std::io::Write;

use mudou_consensus::synth::{SynthConfig, generate};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = args.first().ok_or_else(|| {
        anyhow::anyhow!("usage: synth DIR [ITEMS] [CLASSES] [WORKERS] [OVERLAP] [SEED]")
    })?;
    let num = |i: usize, d: u64| -> anyhow::Result<u64> {
        Ok(match args.get(i) {
            Some(s) => s.parse()?,
            None => d,
        })
    };
    let d = SynthConfig::default();
    let cfg = SynthConfig {
        n_tasks: num(1, u64::from(d.n_tasks))? as u32,
        n_classes: num(2, u64::from(d.n_classes))? as u32,
        n_workers: num(3, u64::from(d.n_workers))? as u32,
        overlap: num(4, u64::from(d.overlap))? as u32,
        seed: num(5, d.seed)?,
        ..d
    };
    let crowd = generate(&cfg)?;
    std::fs::create_dir_all(dir)?;
    let mut out = std::io::BufWriter::new(std::fs::File::create(format!("{dir}/labels.csv"))?);
    writeln!(out, "task,worker,label")?;
    for l in &crowd.labels {
        writeln!(out, "t{},w{},{}", l.task, l.worker, l.class)?;
    }
    out.flush()?;
    let mut out = std::io::BufWriter::new(std::fs::File::create(format!("{dir}/gold.csv"))?);
    writeln!(out, "task,label")?;
    for (t, c) in crowd.truth.iter().enumerate() {
        writeln!(out, "t{t},{c}")?;
    }
    out.flush()?;
    eprintln!(
        "wrote {} labels on {} items ({} classes, {} workers) to {dir}",
        crowd.labels.len(),
        cfg.n_tasks,
        cfg.n_classes,
        cfg.n_workers
    );
    Ok(())
}
