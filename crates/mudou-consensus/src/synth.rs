//! A seeded synthetic crowd for tests and benchmarks: N items, K classes, W workers of four
//! kinds (good, mediocre, spammer, adversarial), each item labelled by R distinct workers.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::data::Label;
use crate::error::{Result, invalid};

/// What kind of annotator a synthetic worker is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WorkerKind {
    /// Correct 80–95% of the time, errors spread evenly.
    Good,
    /// Correct 50–70% of the time.
    Mediocre,
    /// Ignores the item: always one class, or uniformly random.
    Spammer,
    /// Systematically confuses each class with the next one.
    Adversarial,
}

/// Generator settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SynthConfig {
    /// Items.
    pub n_tasks: u32,
    /// Classes (≥ 2).
    pub n_classes: u32,
    /// Workers (≥ overlap).
    pub n_workers: u32,
    /// Labels per item (distinct workers).
    pub overlap: u32,
    /// RNG seed.
    pub seed: u64,
    /// Shares of good, mediocre, spammer and adversarial workers (normalised).
    pub mix: [f64; 4],
}

impl Default for SynthConfig {
    /// 200,000 items × 5 labels, K = 4, 1,000 workers: the 1M-label benchmark size.
    fn default() -> Self {
        Self {
            n_tasks: 200_000,
            n_classes: 4,
            n_workers: 1_000,
            overlap: 5,
            seed: 42,
            mix: [0.55, 0.25, 0.12, 0.08],
        }
    }
}

/// A generated crowd: labels, the truth, and each worker's kind and confusion matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthCrowd {
    /// Number of classes.
    pub n_classes: usize,
    /// Labels, `overlap` per item, items in order.
    pub labels: Vec<Label>,
    /// True class per item.
    pub truth: Vec<u32>,
    /// Kind per worker.
    pub kinds: Vec<WorkerKind>,
    /// `n_workers × K × K`, `[worker][true][answer]`: probability of each answer.
    pub confusions: Vec<f64>,
}

/// Random confusion matrix (`[true][answer]`) for a worker of `kind`.
pub fn confusion_for(kind: WorkerKind, k: usize, rng: &mut impl Rng) -> Vec<f64> {
    let mut m = vec![0.0; k * k];
    let spread = |m: &mut [f64], t: usize, p_true: f64| {
        for a in 0..k {
            m[t * k + a] = if a == t {
                p_true
            } else {
                (1.0 - p_true) / (k - 1) as f64
            };
        }
    };
    match kind {
        WorkerKind::Good => {
            let acc = rng.random_range(0.80..0.95);
            (0..k).for_each(|t| spread(&mut m, t, acc));
        }
        WorkerKind::Mediocre => {
            let acc = rng.random_range(0.50..0.70);
            (0..k).for_each(|t| spread(&mut m, t, acc));
        }
        WorkerKind::Spammer => {
            if rng.random_bool(0.5) {
                let c = rng.random_range(0..k);
                (0..k).for_each(|t| m[t * k + c] = 1.0);
            } else {
                m.iter_mut().for_each(|v| *v = 1.0 / k as f64);
            }
        }
        WorkerKind::Adversarial => {
            let p = rng.random_range(0.55..0.8);
            for t in 0..k {
                let next = (t + 1) % k;
                for a in 0..k {
                    m[t * k + a] = if a == next {
                        p
                    } else if a == t {
                        (1.0 - p) * 0.6
                    } else {
                        (1.0 - p) * 0.4 / (k - 2).max(1) as f64
                    };
                }
                if k == 2 {
                    m[t * k + t] = 1.0 - p;
                }
            }
        }
    }
    m
}

/// Draws an answer from row `truth` of a `[true][answer]` confusion matrix.
pub fn draw_answer(confusion: &[f64], k: usize, truth: u32, rng: &mut impl Rng) -> u32 {
    let row = &confusion[truth as usize * k..(truth as usize + 1) * k];
    let mut x: f64 = rng.random_range(0.0..1.0);
    for (a, p) in row.iter().enumerate() {
        if x < *p {
            return a as u32;
        }
        x -= p;
    }
    (k - 1) as u32
}

/// Generates a crowd. Class frequencies are mildly skewed (class `c` ∝ 0.8^c).
pub fn generate(cfg: &SynthConfig) -> Result<SynthCrowd> {
    if cfg.n_classes < 2 {
        return Err(invalid("n_classes", "need at least 2"));
    }
    if cfg.overlap == 0 || cfg.overlap > cfg.n_workers {
        return Err(invalid("overlap", "need 1 <= overlap <= n_workers"));
    }
    let total: f64 = cfg.mix.iter().sum();
    if total.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater)
        || cfg.mix.iter().any(|v| !v.is_finite() || *v < 0.0)
    {
        return Err(invalid(
            "mix",
            "shares must be non-negative and not all zero",
        ));
    }
    let k = cfg.n_classes as usize;
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let mut kinds = Vec::with_capacity(cfg.n_workers as usize);
    let mut confusions = Vec::with_capacity(cfg.n_workers as usize * k * k);
    let kinds_all = [
        WorkerKind::Good,
        WorkerKind::Mediocre,
        WorkerKind::Spammer,
        WorkerKind::Adversarial,
    ];
    for _ in 0..cfg.n_workers {
        let mut x = rng.random_range(0.0..total);
        let mut kind = WorkerKind::Good;
        for (kk, share) in kinds_all.iter().zip(cfg.mix) {
            if x < share {
                kind = *kk;
                break;
            }
            x -= share;
        }
        kinds.push(kind);
        confusions.extend(confusion_for(kind, k, &mut rng));
    }
    let weights: Vec<f64> = (0..k).map(|c| 0.8f64.powi(c as i32)).collect();
    let wsum: f64 = weights.iter().sum();
    let mut truth = Vec::with_capacity(cfg.n_tasks as usize);
    let mut labels = Vec::with_capacity(cfg.n_tasks as usize * cfg.overlap as usize);
    let mut chosen: Vec<u32> = Vec::with_capacity(cfg.overlap as usize);
    for t in 0..cfg.n_tasks {
        let mut x = rng.random_range(0.0..wsum);
        let mut c = k - 1;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                c = i;
                break;
            }
            x -= w;
        }
        truth.push(c as u32);
        chosen.clear();
        while chosen.len() < cfg.overlap as usize {
            let w = rng.random_range(0..cfg.n_workers);
            if !chosen.contains(&w) {
                chosen.push(w);
            }
        }
        for &w in &chosen {
            let m = &confusions[w as usize * k * k..(w as usize + 1) * k * k];
            labels.push(Label::new(t, w, draw_answer(m, k, c as u32, &mut rng)));
        }
    }
    Ok(SynthCrowd {
        n_classes: k,
        labels,
        truth,
        kinds,
        confusions,
    })
}
