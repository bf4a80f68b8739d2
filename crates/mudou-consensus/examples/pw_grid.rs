use mudou_consensus::Interner;
use mudou_consensus::pairwise::*;
use std::time::Instant;
fn load(dir: &str) -> (Comparisons, Vec<Option<f64>>) {
    let mut rdr = csv::Reader::from_path(format!("{dir}/comparisons.csv")).unwrap();
    let (mut objects, mut workers) = (Interner::new(), Interner::new());
    let mut items = Vec::new();
    for rec in rdr.records() {
        let rec = rec.unwrap();
        let o = match &rec[3] {
            "left" => Outcome::Left,
            "right" => Outcome::Right,
            _ => Outcome::Tie,
        };
        let w = workers.intern(&rec[0]);
        let (l, r) = (objects.intern(&rec[1]), objects.intern(&rec[2]));
        items.push(Comparison::new(w, l, r, o));
    }
    let cmp = Comparisons::new(objects.len() as u32, workers.len() as u32, items).unwrap();
    let mut gold = vec![None; objects.len()];
    let mut rdr = csv::Reader::from_path(format!("{dir}/gold.csv")).unwrap();
    for rec in rdr.records() {
        let rec = rec.unwrap();
        if let Some(o) = objects.get(&rec[0]) {
            gold[o as usize] = Some(-rec[1].parse::<f64>().unwrap());
        }
    }
    (cmp, gold)
}
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (c, g) = load(&args[0]);
    let priors: Vec<f64> = args[1].split(',').map(|x| x.parse().unwrap()).collect();
    let noisy = args.get(2).map(|s| s == "1").unwrap_or(true);
    for &p in &priors {
        for ties in [TieMode::Half, TieMode::Drop] {
            let t = Instant::now();
            let s = bradley_terry(
                &c,
                &BtOptions {
                    prior: p,
                    ties,
                    ..Default::default()
                },
            )
            .unwrap();
            let rho = spearman_by_component(&s.scores, &g, &s.component)
                .unwrap()
                .rho;
            println!(
                "prior {p} {ties:?} BT rho {rho:.4} it {} {:.3}s",
                s.iterations,
                t.elapsed().as_secs_f64()
            );
            if noisy {
                let t = Instant::now();
                let d = NoisyBtOptions::default();
                let o = NoisyBtOptions {
                    bt: BtOptions {
                        prior: p,
                        ties,
                        ..d.bt
                    },
                    ..d
                };
                let s = noisy_bradley_terry(&c, &o).unwrap();
                let rho = spearman_by_component(&s.scores, &g, &s.component)
                    .unwrap()
                    .rho;
                println!(
                    "prior {p} {ties:?} NBT rho {rho:.4} it {} {:.3}s",
                    s.iterations,
                    t.elapsed().as_secs_f64()
                );
            }
        }
    }
}
