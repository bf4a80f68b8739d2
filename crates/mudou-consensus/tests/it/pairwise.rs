//! Pairwise models: accuracy on the real comparison sets against crowd-kit 1.4.2's reference
//! figures (`datasets/pairwise/README.md`, `../shared/datasets/pairwise/README.md`), recovery of
//! a known order on synthetic crowds, and properties (relabelling, input order, PL = BT on
//! pairs, no panic on random valid input).

use std::path::{Path, PathBuf};

use mudou_consensus::Interner;
use mudou_consensus::pairwise::{
    self, BtOptions, Comparison, Comparisons, NoisyBtOptions, Outcome, PairwiseMethod, PlOptions,
    Rankings, Scores, TieMode, bradley_terry, noisy_bradley_terry, plackett_luce,
    spearman_by_component,
};
use mudou_consensus::synth::{PairwiseSynthConfig, generate_pairwise};
use proptest::prelude::*;

fn pairwise_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../datasets/pairwise"
    ))
}

struct Set {
    cmp: Comparisons,
    objects: Interner,
    /// −rank per object (higher = better), `None` without gold.
    gold: Vec<Option<f64>>,
}

fn load(dir: &Path) -> Set {
    let mut rdr = csv::Reader::from_path(dir.join("comparisons.csv")).expect("comparisons.csv");
    let (mut objects, mut workers) = (Interner::new(), Interner::new());
    let mut items = Vec::new();
    for rec in rdr.records() {
        let rec = rec.expect("record");
        let outcome = match &rec[3] {
            "left" => Outcome::Left,
            "right" => Outcome::Right,
            "tie" => Outcome::Tie,
            other => panic!("label {other}"),
        };
        let w = workers.intern(&rec[0]);
        let (l, r) = (objects.intern(&rec[1]), objects.intern(&rec[2]));
        items.push(Comparison::new(w, l, r, outcome));
    }
    let cmp = Comparisons::new(objects.len() as u32, workers.len() as u32, items).unwrap();
    let mut gold = vec![None; objects.len()];
    let mut rdr = csv::Reader::from_path(dir.join("gold.csv")).expect("gold.csv");
    for rec in rdr.records() {
        let rec = rec.expect("record");
        if let Some(o) = objects.get(&rec[0]) {
            gold[o as usize] = Some(-rec[1].parse::<f64>().expect("rank"));
        }
    }
    Set { cmp, objects, gold }
}

fn rho(set: &Set, s: &Scores) -> f64 {
    spearman_by_component(&s.scores, &set.gold, &s.component)
        .expect("components with gold")
        .rho
}

/// crowd-kit 1.4.2's Spearman ρ (ties dropped): BradleyTerry(n_iter=100), NoisyBradleyTerry().
const REFERENCES: &[(&str, f64, f64)] = &[
    ("sigir2010_music", 0.7847, 0.8631),
    ("ukpconvarg1", 0.9055, 0.9056),
];

#[test]
fn real_sets_at_least_as_accurate_as_crowdkit() {
    for &(name, ck_bt, ck_nbt) in REFERENCES {
        let set = load(&pairwise_dir().join(name));
        assert!(set.objects.len() > 100);
        let bt = bradley_terry(&set.cmp, &BtOptions::default()).unwrap();
        let bt_drop = bradley_terry(&set.cmp, &BtOptions::crowdkit()).unwrap();
        let nbt = noisy_bradley_terry(&set.cmp, &NoisyBtOptions::default()).unwrap();
        let nbt_drop = noisy_bradley_terry(&set.cmp, &NoisyBtOptions::crowdkit()).unwrap();
        let r = [&bt, &bt_drop, &nbt, &nbt_drop].map(|s| rho(&set, s));
        eprintln!(
            "{name}: BT {:.4} (ties dropped {:.4}; crowd-kit {ck_bt}), NoisyBT {:.4} (ties dropped \
             {:.4}; crowd-kit {ck_nbt}); {} components; NoisyBT {} iterations",
            r[0], r[1], r[2], r[3], bt.n_components, nbt.iterations
        );
        // The defaults (ties as half a win each) beat crowd-kit on both sets, and so does noisy
        // Bradley–Terry with crowd-kit's data rule (ties dropped).
        for (what, got, want) in [
            ("BT", r[0], ck_bt),
            ("NoisyBT", r[2], ck_nbt),
            ("NoisyBT, ties dropped", r[3], ck_nbt),
        ] {
            assert!(got >= want, "{name} {what}: {got:.4} < crowd-kit {want}");
        }
        // Bradley–Terry with ties dropped is the same model as crowd-kit's BradleyTerry fitted to
        // convergence; crowd-kit's stops after two MM steps from equal strengths (its stopping
        // test compares an array with itself), which on ukpconvarg1 happens to rank better
        // (0.9055 against the converged 0.9023; RESULTS.md). Our figure is pinned, not claimed
        // to reach crowd-kit's there.
        let floor = if name == "ukpconvarg1" { 0.9020 } else { ck_bt };
        assert!(
            r[1] >= floor,
            "{name} BT, ties dropped: {:.4} < {floor}",
            r[1]
        );
        for s in [&bt, &nbt] {
            for i in 0..s.scores.len() {
                assert!(s.std_err[i].is_finite() && s.std_err[i] > 0.0);
                assert!(s.ci_low[i] < s.scores[i] && s.scores[i] < s.ci_high[i]);
            }
        }
        assert_eq!(nbt.workers.len(), set.cmp.n_workers() as usize);
    }
}

fn synth(cfg: PairwiseSynthConfig) -> (Comparisons, Vec<Option<f64>>) {
    let s = generate_pairwise(&cfg).unwrap();
    let cmp = Comparisons::new(s.n_objects, cfg.n_workers, s.comparisons).unwrap();
    (cmp, s.truth.into_iter().map(Some).collect())
}

#[test]
fn synthetic_order_is_recovered_and_noisy_bt_beats_bt_with_spammers() {
    let (cmp, truth) = synth(PairwiseSynthConfig {
        n_components: 20,
        objects_per_component: 15,
        n_workers: 200,
        n_comparisons: 40_000,
        ..Default::default()
    });
    let bt = bradley_terry(&cmp, &BtOptions::default()).unwrap();
    let nbt = noisy_bradley_terry(&cmp, &NoisyBtOptions::default()).unwrap();
    assert_eq!(bt.n_components, 20);
    let r_bt = spearman_by_component(&bt.scores, &truth, &bt.component)
        .unwrap()
        .rho;
    let r_nbt = spearman_by_component(&nbt.scores, &truth, &nbt.component)
        .unwrap()
        .rho;
    eprintln!("synthetic: BT {r_bt:.4}, NoisyBT {r_nbt:.4}");
    assert!(r_bt > 0.9, "{r_bt}");
    assert!(r_nbt >= r_bt, "{r_nbt} < {r_bt}");
    // The 95% intervals of the centred scores cover the centred truth about 95% of the time.
    let mut covered = 0;
    for c in 0..20u32 {
        let objs: Vec<usize> = (0..truth.len())
            .filter(|&i| nbt.component[i] == c)
            .collect();
        let mean = objs.iter().map(|&i| truth[i].unwrap()).sum::<f64>() / objs.len() as f64;
        // Strengths are identified up to scale by the workers' sharpness: compare after the
        // least-squares scale of the fit onto the truth.
        let (mut sxy, mut sxx) = (0.0, 0.0);
        for &i in &objs {
            sxy += nbt.scores[i] * (truth[i].unwrap() - mean);
            sxx += nbt.scores[i] * nbt.scores[i];
        }
        let k = sxy / sxx;
        for &i in &objs {
            let t = (truth[i].unwrap() - mean) / k;
            covered += usize::from(nbt.ci_low[i] <= t && t <= nbt.ci_high[i]);
        }
    }
    let share = covered as f64 / truth.len() as f64;
    eprintln!("synthetic: interval coverage {share:.3}");
    assert!(share > 0.8, "{share}");
    // Skills: the spammers and adversarial workers get lower skill than the good ones.
    let s = generate_pairwise(&PairwiseSynthConfig {
        n_components: 20,
        objects_per_component: 15,
        n_workers: 200,
        n_comparisons: 40_000,
        ..Default::default()
    })
    .unwrap();
    let mean_skill = |kind| {
        let v: Vec<f64> = (0..200)
            .filter(|&w| s.kinds[w] == kind)
            .map(|w| nbt.workers[w].skill)
            .collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    use mudou_consensus::synth::WorkerKind;
    assert!(mean_skill(WorkerKind::Good) > mean_skill(WorkerKind::Mediocre));
    assert!(mean_skill(WorkerKind::Mediocre) > mean_skill(WorkerKind::Spammer));
}

#[test]
fn leaderboard_ranks_models() {
    // Three models answer every prompt; model m's answers are m standard deviations better.
    let (prompts, per) = (60u32, 3u32);
    let truth: Vec<f64> = (0..prompts * per)
        .map(|o| f64::from(o % per) + ((o * 7919 % 13) as f64 / 13.0 - 0.5))
        .collect();
    let mut x = 99u64;
    let mut items = Vec::new();
    for p in 0..prompts {
        for _ in 0..12 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let (a, b) = ((x >> 33) as u32 % per, (x >> 40) as u32 % per);
            if a == b {
                continue;
            }
            let (l, r) = (p * per + a, p * per + b);
            let u = (x >> 11) as f64 / (1u64 << 53) as f64;
            let pl = 1.0 / (1.0 + (truth[r as usize] - truth[l as usize]).exp());
            let o = if u < pl {
                Outcome::Left
            } else {
                Outcome::Right
            };
            items.push(Comparison::new((x % 5) as u32, l, r, o));
        }
    }
    let cmp = Comparisons::new(prompts * per, 5, items).unwrap();
    let model_of: Vec<u32> = (0..prompts * per).map(|o| o % per).collect();
    let lb = pairwise::leaderboard(
        &cmp,
        &model_of,
        per,
        &PairwiseMethod::Bt(BtOptions::default()),
    )
    .unwrap();
    assert_eq!(lb.order(None), [2, 1, 0]);
    assert_eq!(lb.n_components, 1);
    assert!(lb.ci_low[2] > lb.ci_high[0]);
    assert!(
        pairwise::leaderboard(
            &cmp,
            &model_of[1..],
            per,
            &PairwiseMethod::Bt(BtOptions::default())
        )
        .is_err()
    );
    assert!(
        pairwise::leaderboard(
            &cmp,
            &model_of,
            2,
            &PairwiseMethod::Bt(BtOptions::default())
        )
        .is_err()
    );
}

#[test]
fn invalid_input_is_an_error() {
    use mudou_consensus::Error;
    let c = |l, r, w| Comparisons::new(3, 2, vec![Comparison::new(w, l, r, Outcome::Left)]);
    assert!(matches!(
        c(0, 3, 0),
        Err(Error::ObjectOutOfRange { object: 3, .. })
    ));
    assert!(matches!(
        c(1, 1, 0),
        Err(Error::SelfComparison { object: 1, .. })
    ));
    assert!(matches!(
        c(0, 1, 2),
        Err(Error::WorkerOutOfRange { worker: 2, .. })
    ));
    assert!("bt".parse::<PairwiseMethod>().is_ok());
    assert!("noisy-bt".parse::<PairwiseMethod>().is_ok());
    assert!("ds".parse::<PairwiseMethod>().is_err());
    let ok = c(0, 1, 0).unwrap();
    for o in [
        NoisyBtOptions {
            skill_prior: (0.5, 1.0),
            ..Default::default()
        },
        NoisyBtOptions {
            initial_skill: 1.0,
            ..Default::default()
        },
        NoisyBtOptions {
            max_iter: 0,
            ..Default::default()
        },
    ] {
        assert!(noisy_bradley_terry(&ok, &o).is_err());
    }
}

/// `(worker, left, offset to right, outcome)`.
type RawComparison = (u32, u32, u32, u8);

/// Random valid comparisons: up to 8 objects, 4 workers.
fn comparisons() -> impl Strategy<Value = (u32, u32, Vec<RawComparison>)> {
    (2u32..8, 1u32..4).prop_flat_map(|(n, nw)| {
        let one = (0..nw, 0..n, 1..n, 0u8..3);
        (Just(n), Just(nw), proptest::collection::vec(one, 0..40))
    })
}

fn build(n: u32, nw: u32, raw: &[RawComparison]) -> Comparisons {
    let items = raw
        .iter()
        .map(|&(w, l, d, o)| {
            let r = (l + d) % n;
            let o = [Outcome::Left, Outcome::Right, Outcome::Tie][o as usize];
            Comparison::new(w, l, r, o)
        })
        .collect();
    Comparisons::new(n, nw, items).unwrap()
}

fn methods() -> [PairwiseMethod; 4] {
    [
        PairwiseMethod::Bt(BtOptions::default()),
        PairwiseMethod::Bt(BtOptions::crowdkit()),
        PairwiseMethod::NoisyBt(NoisyBtOptions::default()),
        PairwiseMethod::NoisyBt(NoisyBtOptions::crowdkit()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn valid_input_gives_finite_centred_scores((n, nw, raw) in comparisons()) {
        let c = build(n, nw, &raw);
        for m in methods() {
            let s = m.run(&c).unwrap();
            for i in 0..n as usize {
                prop_assert!(s.scores[i].is_finite() && s.std_err[i].is_finite());
                prop_assert!(s.ci_low[i] <= s.scores[i] && s.scores[i] <= s.ci_high[i]);
            }
            for comp in 0..s.n_components {
                let sum: f64 = (0..n as usize).filter(|&i| s.component[i] == comp).map(|i| s.scores[i]).sum();
                prop_assert!(sum.abs() < 1e-9, "{m}: component {comp} sums to {sum}");
            }
            for w in &s.workers {
                prop_assert!(w.skill > 0.0 && w.skill < 1.0 && w.bias > 0.0 && w.bias < 1.0);
            }
        }
    }

    #[test]
    fn scores_follow_relabelling_and_input_order(
        (n, nw, raw) in comparisons(),
        seed in 0u64..1000,
    ) {
        let c = build(n, nw, &raw);
        // A permutation of objects and of workers, and the input reversed.
        let perm = |k: u32, s: u64| -> Vec<u32> {
            let mut p: Vec<u32> = (0..k).collect();
            let mut x = s.wrapping_add(1);
            for i in (1..k as usize).rev() {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                p.swap(i, (x >> 33) as usize % (i + 1));
            }
            p
        };
        let (po, pw) = (perm(n, seed), perm(nw, seed ^ 77));
        let items = c.as_slice().iter().rev().map(|x| {
            Comparison::new(pw[x.worker as usize], po[x.left as usize], po[x.right as usize], x.outcome)
        }).collect();
        let c2 = Comparisons::new(n, nw, items).unwrap();
        for m in methods() {
            let (a, b) = (m.run(&c).unwrap(), m.run(&c2).unwrap());
            for (i, &j) in po.iter().enumerate() {
                let j = j as usize;
                prop_assert!((a.scores[i] - b.scores[j]).abs() < 1e-6, "{m}: {} vs {}", a.scores[i], b.scores[j]);
                prop_assert!((a.std_err[i] - b.std_err[j]).abs() < 1e-6);
            }
            for (k, w) in a.workers.iter().enumerate() {
                prop_assert!((w.skill - b.workers[pw[k] as usize].skill).abs() < 1e-6);
            }
        }
    }

    #[test]
    fn plackett_luce_on_pairs_is_bradley_terry((n, nw, raw) in comparisons()) {
        let c = build(n, nw, &raw);
        let bt = bradley_terry(&c, &BtOptions { ties: TieMode::Drop, tol: 1e-12, ..Default::default() }).unwrap();
        let pairs: Vec<[u32; 2]> = c.as_slice().iter().filter_map(|x| match x.outcome {
            Outcome::Left => Some([x.left, x.right]),
            Outcome::Right => Some([x.right, x.left]),
            Outcome::Tie => None,
        }).collect();
        let pl = plackett_luce(&Rankings::new(n, &pairs).unwrap(), &PlOptions { tol: 1e-12, ..Default::default() }).unwrap();
        // Components: PL sees only decisive pairs, BT also ties; compare raw strengths via the
        // order within PL's components.
        for i in 0..n as usize {
            for j in 0..n as usize {
                if pl.component[i] == pl.component[j] && bt.component[i] == bt.component[j] {
                    let (d_bt, d_pl) = (bt.scores[i] - bt.scores[j], pl.scores[i] - pl.scores[j]);
                    prop_assert!((d_bt - d_pl).abs() < 1e-6, "{d_bt} vs {d_pl}");
                }
            }
        }
        if bt.n_components == pl.n_components {
            for i in 0..n as usize {
                prop_assert!((bt.std_err[i] - pl.std_err[i]).abs() < 1e-6);
            }
        }
    }
}
