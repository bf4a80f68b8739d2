//! Per-worker quality: gold accuracy with a Wilson interval, agreement with consensus (raw and
//! chance-corrected), confusion against consensus, median seconds per item, and the too-fast /
//! spam-like flags a team lead acts on.

use crate::aggregate::{Aggregation, WorkerModel};
use crate::agreement::kappa_from_table;
use crate::data::Labels;
use crate::error::{Error, Result, invalid};

/// Thresholds for the report and its flags.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QualityOptions {
    /// z of the Wilson interval (1.96 = 95%).
    pub z: f64,
    /// A worker needs this many labels before any flag is raised.
    pub min_labels: u32,
    /// Too fast: median seconds below this share of the median of all workers' medians …
    pub too_fast_ratio: f64,
    /// … or below this absolute number of seconds.
    pub too_fast_seconds: f64,
    /// Spam-like: MACE spamming probability at or above this …
    pub spam_probability: f64,
    /// … or Cohen's kappa against the consensus at or below this (answers that ignore the item).
    pub spam_kappa: f64,
}

impl Default for QualityOptions {
    fn default() -> Self {
        Self {
            z: 1.96,
            min_labels: 10,
            too_fast_ratio: 0.3,
            too_fast_seconds: 1.0,
            spam_probability: 0.5,
            spam_kappa: 0.1,
        }
    }
}

/// One worker's quality report.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerQuality {
    /// Worker index.
    pub worker: u32,
    /// Labels given.
    pub n_labels: u32,
    /// Gold items answered.
    pub gold_total: u32,
    /// Gold items answered correctly.
    pub gold_correct: u32,
    /// `gold_correct / gold_total`.
    pub gold_accuracy: Option<f64>,
    /// Wilson score interval of the gold accuracy.
    pub gold_interval: Option<(f64, f64)>,
    /// Share of labels equal to the consensus answer.
    pub agreement: Option<f64>,
    /// Cohen's kappa between the worker's labels and the consensus answers.
    pub kappa_vs_consensus: Option<f64>,
    /// Counts `K × K`, `[consensus class][worker's class]`.
    pub confusion: Vec<u32>,
    /// Median seconds per label (when seconds were given).
    pub median_seconds: Option<f64>,
    /// MACE's spamming probability (when the consensus came from MACE).
    pub spam_probability: Option<f64>,
    /// Much faster than the others.
    pub too_fast: bool,
    /// Answers look unrelated to the item.
    pub spam_like: bool,
}

/// The Wilson score interval for `correct` successes out of `total` at normal quantile `z`.
pub fn wilson_interval(correct: u32, total: u32, z: f64) -> Option<(f64, f64)> {
    if total == 0 || !z.is_finite() || z < 0.0 {
        return None;
    }
    let n = f64::from(total);
    let p = f64::from(correct.min(total)) / n;
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = z / denom * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Some(((centre - half).max(0.0), (centre + half).min(1.0)))
}

/// Builds the report for every worker. `gold` lists `(task, true class)`; `seconds`, when
/// given, has one entry per label in the order the labels were passed to [`Labels::new`].
pub fn worker_quality(
    labels: &Labels,
    consensus: &Aggregation,
    gold: &[(u32, u32)],
    seconds: Option<&[f32]>,
    opts: &QualityOptions,
) -> Result<Vec<WorkerQuality>> {
    let k = labels.n_classes();
    let n_t = labels.n_tasks();
    if consensus.labels.len() != n_t || consensus.n_classes != k {
        return Err(Error::LengthMismatch {
            what: "consensus labels",
            got: consensus.labels.len(),
            expected: n_t,
        });
    }
    if let Some(s) = seconds.filter(|s| s.len() != labels.len()) {
        return Err(Error::LengthMismatch {
            what: "seconds",
            got: s.len(),
            expected: labels.len(),
        });
    }
    if !(opts.z.is_finite() && opts.z >= 0.0) {
        return Err(invalid("z", "must be finite and non-negative"));
    }
    let mut truth = vec![u32::MAX; n_t];
    for (index, &(t, c)) in gold.iter().enumerate() {
        if t as usize >= n_t {
            return Err(Error::TaskOutOfRange {
                index,
                task: t,
                n_tasks: n_t as u32,
            });
        }
        if c as usize >= k {
            return Err(Error::ClassOutOfRange {
                index,
                class: c,
                n_classes: k as u32,
            });
        }
        truth[t as usize] = c;
    }
    let spam = match &consensus.workers {
        WorkerModel::Mace { spam, .. } => Some(spam.as_slice()),
        _ => None,
    };
    let all = labels.as_slice();
    let mut out = Vec::with_capacity(labels.n_workers());
    let mut secs: Vec<f64> = Vec::new();
    for w in 0..labels.n_workers() {
        let mut q = WorkerQuality {
            worker: w as u32,
            n_labels: 0,
            gold_total: 0,
            gold_correct: 0,
            gold_accuracy: None,
            gold_interval: None,
            agreement: None,
            kappa_vs_consensus: None,
            confusion: vec![0; k * k],
            median_seconds: None,
            spam_probability: spam.and_then(|s| s.get(w).copied()),
            too_fast: false,
            spam_like: false,
        };
        secs.clear();
        let mut agree = 0u32;
        for &i in labels.worker_label_indices(w) {
            let l = all[i as usize];
            q.n_labels += 1;
            let cons = consensus.labels[l.task as usize];
            agree += u32::from(cons == l.class);
            q.confusion[cons as usize * k + l.class as usize] += 1;
            let g = truth[l.task as usize];
            if g != u32::MAX {
                q.gold_total += 1;
                q.gold_correct += u32::from(g == l.class);
            }
            if let Some(s) = seconds {
                let v = f64::from(s[labels.input_index(i as usize)]);
                if v.is_finite() {
                    secs.push(v);
                }
            }
        }
        if q.n_labels > 0 {
            q.agreement = Some(f64::from(agree) / f64::from(q.n_labels));
            let tab: Vec<u64> = q.confusion.iter().map(|&v| u64::from(v)).collect();
            q.kappa_vs_consensus = kappa_from_table(&tab, k);
        }
        if q.gold_total > 0 {
            q.gold_accuracy = Some(f64::from(q.gold_correct) / f64::from(q.gold_total));
            q.gold_interval = wilson_interval(q.gold_correct, q.gold_total, opts.z);
        }
        q.median_seconds = median(&mut secs);
        out.push(q);
    }
    // Flags, relative to the crowd.
    let mut medians: Vec<f64> = out.iter().filter_map(|q| q.median_seconds).collect();
    let crowd_median = median(&mut medians);
    for q in &mut out {
        if q.n_labels < opts.min_labels {
            continue;
        }
        if let Some(m) = q.median_seconds {
            q.too_fast = is_too_fast(m, crowd_median, opts);
        }
        let by_mace = q
            .spam_probability
            .is_some_and(|p| p >= opts.spam_probability);
        let by_kappa = match q.kappa_vs_consensus {
            Some(kv) => kv <= opts.spam_kappa,
            // Chance agreement is 1 (one class everywhere): judge by raw agreement.
            None => q.agreement.is_some_and(|a| a < 0.5),
        };
        q.spam_like = by_mace || by_kappa;
    }
    Ok(out)
}

/// The too-fast flag for a worker whose median is `median_seconds` per label, beside the
/// crowd's median (of the workers' medians): below `too_fast_ratio` of it, or below
/// `too_fast_seconds` whatever the crowd does. The same test [`worker_quality`] applies.
pub fn is_too_fast(median_seconds: f64, crowd_median: Option<f64>, opts: &QualityOptions) -> bool {
    let rel = crowd_median.is_some_and(|c| median_seconds < opts.too_fast_ratio * c);
    rel || median_seconds < opts.too_fast_seconds
}

/// The median of `v` (sorted in place), `None` when empty.
pub fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}
