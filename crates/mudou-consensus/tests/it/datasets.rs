//! Accuracy on real crowd data against crowd-kit 1.4.2's figures (measured on this kind of
//! machine, see `/work/shared/datasets/README.md` and `benches/peers/crowdkit/RESULTS.md`).
//! Every method must be within 0.5 percentage points of crowd-kit, or better.

use mudou_consensus::Method;

use crate::common::{load, project_dir, shared_dir};

/// crowd-kit 1.4.2 accuracy per method, in `Method::ALL` order: MV, Wawa, DS, OneCoinDS, GLAD, MACE.
/// `None`: crowd-kit did not finish (GLAD on adult_content2); our own figure is the floor there.
struct Reference {
    set: &'static str,
    shared: bool,
    crowdkit: [Option<f64>; 6],
}

const TOLERANCE: f64 = 0.005;

// MACE references: crowd-kit 1.4.2's figures from `/work/shared/datasets/README.md` (bluebirds,
// adult_content2, rte, temp, wsd, product, web, dog) and crowd-kit's run here on the rows as
// given (music_genre 0.7986, weather_cf 0.8900; benches/peers/crowdkit/RESULTS.md). crowd-kit's
// MACE pairs each worker with another worker's spamming strategy (it reads `groupby`-sorted
// counts by position against `factorize` codes), so its accuracy depends on row order. On
// zencrowd its run as given (0.8466) is that bug's luck: no MACE setting reaches it (RESULTS.md
// section 3); the reference there is crowd-kit's MACE on rows sorted by (worker, label), where
// the pairing is right (0.7912). Our default MACE differs from crowd-kit's in one prior
// (`strategy_prior` 1000 instead of 10); `mace_crowdkit_priors` checks that with crowd-kit's
// priors we reproduce crowd-kit's correctly paired (sorted-rows) figures.
const REFERENCES: &[Reference] = &[
    Reference {
        set: "bluebirds",
        shared: false,
        crowdkit: [
            Some(0.7593),
            Some(0.7593),
            Some(0.8889),
            Some(0.5833),
            Some(0.7222),
            Some(0.7500),
        ],
    },
    Reference {
        set: "adult_content2",
        shared: false,
        crowdkit: [
            Some(0.7628),
            Some(0.7658),
            Some(0.7658),
            Some(0.7087),
            None,
            Some(0.7628),
        ],
    },
    Reference {
        set: "music_genre",
        shared: false,
        crowdkit: [
            Some(0.7100),
            Some(0.7986),
            Some(0.7686),
            Some(0.7929),
            Some(0.7886),
            Some(0.7986),
        ],
    },
    Reference {
        set: "weather_cf",
        shared: false,
        crowdkit: [
            Some(0.9000),
            Some(0.8933),
            Some(0.8300),
            Some(0.8867),
            Some(0.8800),
            Some(0.8900),
        ],
    },
    Reference {
        set: "zencrowd",
        shared: false,
        crowdkit: [
            Some(0.8382),
            Some(0.8382),
            Some(0.8025),
            Some(0.8623),
            Some(0.8304),
            Some(0.7912),
        ],
    },
    Reference {
        set: "rte",
        shared: true,
        crowdkit: [
            Some(0.9187),
            Some(0.9213),
            Some(0.9275),
            Some(0.9250),
            Some(0.9250),
            Some(0.9250),
        ],
    },
    Reference {
        set: "temp",
        shared: true,
        crowdkit: [
            Some(0.9394),
            Some(0.9437),
            Some(0.9416),
            Some(0.9394),
            Some(0.9351),
            Some(0.9394),
        ],
    },
    Reference {
        set: "wsd",
        shared: true,
        crowdkit: [
            Some(0.9944),
            Some(0.9944),
            Some(0.9944),
            Some(0.9944),
            Some(0.9944),
            Some(0.9944),
        ],
    },
    Reference {
        set: "product",
        shared: true,
        crowdkit: [
            Some(0.8966),
            Some(0.8966),
            Some(0.9397),
            Some(0.9084),
            Some(0.9283),
            Some(0.9290),
        ],
    },
    Reference {
        set: "web",
        shared: true,
        crowdkit: [
            Some(0.7765),
            Some(0.8168),
            Some(0.8292),
            Some(0.7486),
            Some(0.8213),
            Some(0.8266),
        ],
    },
    Reference {
        set: "dog",
        shared: true,
        crowdkit: [
            Some(0.8178),
            Some(0.8290),
            Some(0.8426),
            Some(0.8302),
            Some(0.8340),
            Some(0.8302),
        ],
    },
];

/// Our own figures where crowd-kit has none (regression floor).
const OURS_GLAD_ADULT: f64 = 0.7598;

fn check(r: &Reference) {
    let dir = if r.shared {
        shared_dir()
    } else {
        project_dir()
    }
    .join(r.set);
    // The shared sets lie beside every checkout (../shared): missing is a failure, not a pass.
    assert!(
        dir.join("labels.csv").exists(),
        "{} not found at {}",
        r.set,
        dir.display()
    );
    let set = load(&dir);
    for (m, reference) in Method::ALL.into_iter().zip(r.crowdkit) {
        let agg = m.run(&set.data.labels).expect("aggregation");
        let acc = set.accuracy(&agg.labels);
        let floor = reference.unwrap_or(OURS_GLAD_ADULT) - TOLERANCE;
        println!("{} {m}: {acc:.4} (crowd-kit {reference:?})", r.set);
        assert!(
            acc >= floor,
            "{} {m}: accuracy {acc:.4} below {floor:.4}",
            r.set
        );
        // Posteriors are distributions.
        for t in 0..agg.n_tasks() {
            let s: f64 = agg.posterior(t).iter().sum();
            assert!(
                (s - 1.0).abs() < 1e-9,
                "{} {m}: task {t} sums to {s}",
                r.set
            );
        }
    }
}

#[test]
fn bluebirds() {
    check(&REFERENCES[0]);
}
#[test]
fn adult_content2() {
    check(&REFERENCES[1]);
}
#[test]
fn music_genre() {
    check(&REFERENCES[2]);
}
#[test]
fn weather_cf() {
    check(&REFERENCES[3]);
}
#[test]
fn zencrowd() {
    check(&REFERENCES[4]);
}
#[test]
fn shared_research_sets() {
    for r in REFERENCES.iter().filter(|r| r.shared) {
        check(r);
    }
}

#[test]
fn mace_crowdkit_priors() {
    // crowd-kit 1.4.2's MACE on rows sorted by (worker, label) (mace_order_check.py).
    let expected = [
        ("bluebirds", 0.8611),
        ("adult_content2", 0.7808),
        ("music_genre", 0.8000),
        ("weather_cf", 0.8867),
        ("zencrowd", 0.7912),
    ];
    let opts = mudou_consensus::MaceOptions {
        strategy_prior: 10.0,
        ..Default::default()
    };
    for (name, reference) in expected {
        let set = load(&project_dir().join(name));
        let agg = mudou_consensus::mace(&set.data.labels, &opts).unwrap();
        let acc = set.accuracy(&agg.labels);
        println!("{name} mace (crowd-kit priors): {acc:.4} (crowd-kit sorted rows {reference})");
        assert!(
            (acc - reference).abs() <= TOLERANCE,
            "{name}: {acc:.4} vs {reference}"
        );
    }
}

#[test]
fn em_iterations_match_crowdkit() {
    // crowd-kit 1.4.2 (`DawidSkene(n_iter=100)`, `OneCoinDawidSkene(n_iter=100)`,
    // `len(loss_history_)`): same objective, same tolerance, same iteration counts.
    let expected = [
        ("bluebirds", 2, 19),
        ("music_genre", 34, 25),
        ("weather_cf", 5, 6),
    ];
    for (name, ds_iters, onecoin_iters) in expected {
        let set = load(&project_dir().join(name));
        let ds = mudou_consensus::dawid_skene(&set.data.labels, &Default::default()).unwrap();
        let oc =
            mudou_consensus::one_coin_dawid_skene(&set.data.labels, &Default::default()).unwrap();
        assert!(ds.converged && oc.converged);
        assert_eq!(
            (ds.iterations, oc.iterations),
            (ds_iters, onecoin_iters),
            "{name}"
        );
    }
}

#[test]
fn crowdkit_settings_reproduce_crowdkit() {
    // `Method::run_crowdkit` against crowd-kit 1.4.2 with its defaults on ../shared/datasets
    // (benches/peers/crowdkit/parity.py). GLAD: crowd-kit's `GLAD()` accuracy and iteration count
    // (`len(loss_history_)`), reproduced on these sets (not on web and zencrowd, where crowd-kit's
    // conjugate-gradient M-step takes another path; RESULTS.md section 8). MACE: crowd-kit's
    // `MACE()` on rows sorted by (worker, label), where its worker <-> strategy pairing is right.
    let glad = [
        ("bluebirds", 0.7222, None),
        ("dog", 0.8340, Some(6)),
        ("music_genre", 0.7886, Some(2)),
        ("temp", 0.9351, Some(5)),
        ("weather_cf", 0.8800, Some(2)),
        ("wsd", 0.9944, Some(2)),
    ];
    let mace = [
        ("bluebirds", 0.8611),
        ("dog", 0.8302),
        ("music_genre", 0.8000),
        ("rte", 0.9263),
        ("temp", 0.9416),
        ("web", 0.8387),
        ("zencrowd", 0.7912),
    ];
    for (name, reference, iters) in glad {
        let set = load(&shared_dir().join(name));
        let agg = Method::Glad.run_crowdkit(&set.data.labels).unwrap();
        let acc = set.accuracy(&agg.labels);
        println!(
            "{name} glad (crowd-kit settings): {acc:.4} in {} iterations",
            agg.iterations
        );
        assert!(
            (acc - reference).abs() < 5e-5,
            "{name}: {acc:.4} vs {reference}"
        );
        if let Some(it) = iters {
            assert_eq!(agg.iterations, it, "{name}");
        }
    }
    for (name, reference) in mace {
        let set = load(&shared_dir().join(name));
        let agg = Method::Mace.run_crowdkit(&set.data.labels).unwrap();
        let acc = set.accuracy(&agg.labels);
        println!("{name} mace (crowd-kit settings): {acc:.4}");
        assert!(
            (acc - reference).abs() < 5e-5,
            "{name}: {acc:.4} vs {reference}"
        );
        // 10 restarts x 50 iterations, no tolerance.
        assert_eq!(agg.iterations, 500, "{name}");
    }
}
