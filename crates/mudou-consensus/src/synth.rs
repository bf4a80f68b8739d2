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
/// Settings of a synthetic pairwise crowd: components (e.g. prompts) of objects (e.g. answers)
/// with hidden strengths, compared by workers of the four kinds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairwiseSynthConfig {
    /// Components (objects are only compared inside their own).
    pub n_components: u32,
    /// Objects per component (≥ 2).
    pub objects_per_component: u32,
    /// Workers (≥ 1).
    pub n_workers: u32,
    /// Comparisons to draw.
    pub n_comparisons: u32,
    /// An honest answer is a tie with probability 1/2 when the strengths differ by less than this.
    pub tie_margin: f64,
    /// RNG seed.
    pub seed: u64,
    /// Shares of good, mediocre, spammer and adversarial workers (normalised).
    pub mix: [f64; 4],
}

impl Default for PairwiseSynthConfig {
    /// 1,000,000 comparisons of 2,000 objects in 100 components of 20, 1,000 workers.
    fn default() -> Self {
        Self {
            n_components: 100,
            objects_per_component: 20,
            n_workers: 1_000,
            n_comparisons: 1_000_000,
            tie_margin: 0.1,
            seed: 42,
            mix: [0.55, 0.25, 0.12, 0.08],
        }
    }
}

/// A generated pairwise crowd.
#[derive(Debug, Clone, PartialEq)]
pub struct PairwiseSynth {
    /// Objects (`n_components × objects_per_component`; component `c` holds objects
    /// `c·k .. (c + 1)·k`).
    pub n_objects: u32,
    /// The comparisons, in draw order.
    pub comparisons: Vec<crate::pairwise::Comparison>,
    /// Hidden log-strength of each object (standard normal).
    pub truth: Vec<f64>,
    /// Kind of each worker.
    pub kinds: Vec<WorkerKind>,
}

/// Draws a pairwise crowd. Good workers answer by the strengths, sharpened (`P(left) =
/// σ(κ Δ)`, κ in 1.5–3); mediocre ones do so with probability 0.5–0.7 and flip a fair coin
/// otherwise; spammers always say "left" or flip a coin; adversarial workers answer
/// `σ(−Δ)`. Honest answers on close pairs (|Δ| < `tie_margin`) are ties half the time.
pub fn generate_pairwise(cfg: &PairwiseSynthConfig) -> Result<PairwiseSynth> {
    use crate::pairwise::{Comparison, Outcome};
    if cfg.objects_per_component < 2 || cfg.n_components == 0 {
        return Err(invalid(
            "objects_per_component",
            "need components of at least 2 objects",
        ));
    }
    if cfg.n_workers == 0 {
        return Err(invalid("n_workers", "must be at least 1"));
    }
    let n_objects = cfg
        .n_components
        .checked_mul(cfg.objects_per_component)
        .ok_or_else(|| invalid("n_components", "too many objects"))?;
    let total: f64 = cfg.mix.iter().sum();
    if !(total.is_finite() && total > 0.0) || cfg.mix.iter().any(|m| m.is_nan() || *m < 0.0) {
        return Err(invalid(
            "mix",
            "shares must be non-negative with a positive sum",
        ));
    }
    if !(cfg.tie_margin.is_finite() && cfg.tie_margin >= 0.0) {
        return Err(invalid("tie_margin", "must be finite and >= 0"));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let truth: Vec<f64> = (0..n_objects)
        .map(|_| {
            // Box–Muller.
            let u: f64 = rng.random_range(f64::EPSILON..1.0);
            let v: f64 = rng.random_range(0.0..1.0);
            (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
        })
        .collect();
    let kinds_all = [
        WorkerKind::Good,
        WorkerKind::Mediocre,
        WorkerKind::Spammer,
        WorkerKind::Adversarial,
    ];
    // Per worker: kind, sharpness or honesty, and for spammers whether they always say left.
    let workers: Vec<(WorkerKind, f64, bool)> = (0..cfg.n_workers)
        .map(|_| {
            let mut x = rng.random_range(0.0..total);
            let mut kind = WorkerKind::Good;
            for (k, m) in kinds_all.iter().zip(cfg.mix) {
                if x < m {
                    kind = *k;
                    break;
                }
                x -= m;
            }
            let p = match kind {
                WorkerKind::Good => rng.random_range(1.5..3.0),
                WorkerKind::Mediocre => rng.random_range(0.5..0.7),
                _ => 1.0,
            };
            (kind, p, rng.random_bool(0.5))
        })
        .collect();
    let k = cfg.objects_per_component;
    let sig = |x: f64| 1.0 / (1.0 + (-x).exp());
    let mut comparisons = Vec::with_capacity(cfg.n_comparisons as usize);
    for _ in 0..cfg.n_comparisons {
        let c = rng.random_range(0..cfg.n_components);
        let a = rng.random_range(0..k);
        let mut b = rng.random_range(0..k - 1);
        if b >= a {
            b += 1;
        }
        let (l, r) = (c * k + a, c * k + b);
        let w = rng.random_range(0..cfg.n_workers);
        let (kind, p, always_left) = workers[w as usize];
        let d = truth[l as usize] - truth[r as usize];
        let honest = |rng: &mut ChaCha8Rng, kappa: f64| {
            if d.abs() < cfg.tie_margin && rng.random_bool(0.5) {
                Outcome::Tie
            } else if rng.random_bool(sig(kappa * d)) {
                Outcome::Left
            } else {
                Outcome::Right
            }
        };
        let coin = |rng: &mut ChaCha8Rng| {
            if rng.random_bool(0.5) {
                Outcome::Left
            } else {
                Outcome::Right
            }
        };
        let outcome = match kind {
            WorkerKind::Good => honest(&mut rng, p),
            WorkerKind::Mediocre => {
                if rng.random_bool(p) {
                    honest(&mut rng, 1.0)
                } else {
                    coin(&mut rng)
                }
            }
            WorkerKind::Spammer if always_left => Outcome::Left,
            WorkerKind::Spammer => coin(&mut rng),
            WorkerKind::Adversarial => honest(&mut rng, -1.0),
        };
        comparisons.push(Comparison::new(w, l, r, outcome));
    }
    Ok(PairwiseSynth {
        n_objects,
        comparisons,
        truth,
        kinds: workers.into_iter().map(|w| w.0).collect(),
    })
}
