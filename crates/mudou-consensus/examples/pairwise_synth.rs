//! Writes a seeded synthetic pairwise crowd as CSV (the layout of `../shared/datasets/pairwise`):
//! `DIR/comparisons.csv` (`worker,left,right,label`, label `left`/`right`/`tie`) and
//! `DIR/gold.csv` (`object,rank`, rank 1 = strongest inside its component).
//!
//! ```text
//! cargo run --release -p mudou-consensus --example pairwise_synth -- DIR [COMPARISONS] [COMPONENTS] [PER_COMPONENT] [WORKERS] [SEED]
//! ```
//! Defaults: 1,000,000 comparisons, 100 components of 20 objects, 1,000 workers, seed 42.

use std::io::Write;

use mudou_consensus::pairwise::Outcome;
use mudou_consensus::synth::{PairwiseSynthConfig, generate_pairwise};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = args.first().ok_or_else(|| {
        anyhow::anyhow!(
            "usage: pairwise_synth DIR [COMPARISONS] [COMPONENTS] [PER_COMPONENT] [WORKERS] [SEED]"
        )
    })?;
    let num = |i: usize, d: u64| -> anyhow::Result<u64> {
        Ok(match args.get(i) {
            Some(s) => s.parse()?,
            None => d,
        })
    };
    let d = PairwiseSynthConfig::default();
    let cfg = PairwiseSynthConfig {
        n_comparisons: num(1, d.n_comparisons.into())? as u32,
        n_components: num(2, d.n_components.into())? as u32,
        objects_per_component: num(3, d.objects_per_component.into())? as u32,
        n_workers: num(4, d.n_workers.into())? as u32,
        seed: num(5, d.seed)?,
        ..d
    };
    let crowd = generate_pairwise(&cfg)?;
    std::fs::create_dir_all(dir)?;
    let mut out = std::io::BufWriter::new(std::fs::File::create(format!("{dir}/comparisons.csv"))?);
    writeln!(out, "worker,left,right,label")?;
    for c in &crowd.comparisons {
        let label = match c.outcome {
            Outcome::Left => "left",
            Outcome::Right => "right",
            Outcome::Tie => "tie",
        };
        writeln!(out, "w{},o{},o{},{label}", c.worker, c.left, c.right)?;
    }
    out.flush()?;
    let mut out = std::io::BufWriter::new(std::fs::File::create(format!("{dir}/gold.csv"))?);
    writeln!(out, "object,rank")?;
    let k = cfg.objects_per_component as usize;
    for (c, objs) in crowd.truth.chunks(k).enumerate() {
        let mut order: Vec<usize> = (0..objs.len()).collect();
        order.sort_by(|&a, &b| objs[b].total_cmp(&objs[a]));
        let mut rank = vec![0usize; objs.len()];
        for (r, &i) in order.iter().enumerate() {
            rank[i] = r + 1;
        }
        for (i, r) in rank.iter().enumerate() {
            writeln!(out, "o{},{r}", c * k + i)?;
        }
    }
    out.flush()?;
    eprintln!(
        "wrote {} comparisons of {} objects ({} components, {} workers) to {dir}",
        crowd.comparisons.len(),
        crowd.n_objects,
        cfg.n_components,
        cfg.n_workers
    );
    Ok(())
}
