//! How far the live consensus trusts each worker: a one-coin skill per worker and order,
//! estimated from their gold answers and their agreement with settled answers, starting
//! from what their earlier orders of the same kind showed.
//!
//! The estimate is a Beta posterior on "this worker answers right". Its prior is centred on
//! the worker's record on earlier orders of the same kind (itself pulled towards
//! [`crate::live::DEFAULT_ACCURACY`] while that record is short) and weighs
//! [`PRIOR_WEIGHT`] answers, so a new order starts informed and this order's own evidence
//! takes over within a few dozen answers. A gold answer counts as one answer; agreeing or
//! not with an item's settled answer counts [`AGREEMENT_WEIGHT`] of one, since the settled
//! answer is itself a vote (the worker's own among them) and may be wrong.

use serde::Serialize;
use utoipa::ToSchema;

use crate::live::DEFAULT_ACCURACY;

/// How many answers the prior is worth.
pub const PRIOR_WEIGHT: f64 = 10.0;
/// What one agreement (or disagreement) with a settled answer is worth, against a gold one.
pub const AGREEMENT_WEIGHT: f64 = 0.5;
/// The most the live consensus trusts anyone: nobody is taken as never wrong.
pub const MAX_VOTE_ACCURACY: f64 = 0.98;

/// Counts of a worker's checked answers (on one order, or on earlier orders of a kind).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Checked {
    pub gold_total: i64,
    pub gold_correct: i64,
    /// Answers on items with a settled answer, and how many agree with it.
    pub judged: i64,
    pub agreed: i64,
}

impl Checked {
    /// `(right, seen)` in answer-equivalents.
    fn evidence(&self) -> (f64, f64) {
        let clamp = |n: i64| n.max(0) as f64;
        let right = clamp(self.gold_correct) + AGREEMENT_WEIGHT * clamp(self.agreed);
        let seen = clamp(self.gold_total) + AGREEMENT_WEIGHT * clamp(self.judged);
        (right.min(seen), seen)
    }

    /// These counts less `other`'s (a kind's totals less one order's).
    pub fn minus(&self, other: &Checked) -> Checked {
        Checked {
            gold_total: self.gold_total - other.gold_total,
            gold_correct: self.gold_correct - other.gold_correct,
            judged: self.judged - other.judged,
            agreed: self.agreed - other.agreed,
        }
    }
}

/// What is known of a worker when one of their answers is weighed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkerRecord {
    /// On this order.
    pub order: Checked,
    /// On their other orders of the same kind.
    pub history: Checked,
}

/// A worker's estimated chance of answering right, with a 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct Skill {
    pub accuracy: f64,
    pub low: f64,
    pub high: f64,
    /// Checked answers behind the estimate on this order (gold plus weighted agreements).
    pub evidence: f64,
}

impl WorkerRecord {
    /// The worker's skill on this order.
    pub fn skill(&self) -> Skill {
        let (hr, hn) = self.history.evidence();
        let prior_mean =
            (DEFAULT_ACCURACY * PRIOR_WEIGHT + hr) / (PRIOR_WEIGHT + hn).max(f64::MIN_POSITIVE);
        let (r, n) = self.order.evidence();
        let a = prior_mean * PRIOR_WEIGHT + r;
        let b = (1.0 - prior_mean) * PRIOR_WEIGHT + (n - r);
        let (low, high) = beta_interval(a, b);
        Skill {
            accuracy: a / (a + b),
            low,
            high,
            evidence: n,
        }
    }
}

/// A central 95% interval of Beta(a, b), by the normal approximation on the log-odds
/// scale (which keeps it inside 0–1 and skewed the right way near the edges).
fn beta_interval(a: f64, b: f64) -> (f64, f64) {
    let logit = (a / b).ln();
    let sd = (1.0 / a + 1.0 / b).sqrt();
    let inv = |x: f64| 1.0 / (1.0 + (-x).exp());
    (inv(logit - 1.96 * sd), inv(logit + 1.96 * sd))
}

/// The accuracy a worker's vote carries on a question of `k` options: their skill, kept
/// just above chance (a worker below chance adds almost nothing rather than voting
/// against their own answer) and below [`MAX_VOTE_ACCURACY`].
pub fn for_vote(accuracy: f64, k: usize) -> f64 {
    let chance = 1.0 / k.max(2) as f64;
    if accuracy.is_finite() {
        accuracy.clamp(chance + 0.01, MAX_VOTE_ACCURACY)
    } else {
        DEFAULT_ACCURACY
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(gold_total: i64, gold_correct: i64, judged: i64, agreed: i64) -> WorkerRecord {
        WorkerRecord {
            order: Checked {
                gold_total,
                gold_correct,
                judged,
                agreed,
            },
            history: Checked::default(),
        }
    }

    #[test]
    fn a_new_worker_starts_at_the_default() {
        let s = WorkerRecord::default().skill();
        assert!((s.accuracy - DEFAULT_ACCURACY).abs() < 1e-12);
        assert!(
            s.low < 0.6 && s.high > 0.9,
            "{s:?}: wide while nothing is known"
        );
    }

    #[test]
    fn careful_and_careless_workers_part_as_gold_answers_come_in() {
        let mut last_gap = 0.0;
        for n in [5, 10, 20, 40, 80] {
            let careful = record(n, n * 19 / 20, 0, 0).skill();
            let careless = record(n, n / 2, 0, 0).skill();
            let gap = careful.accuracy - careless.accuracy;
            assert!(gap > last_gap, "the gap grows with evidence: {gap} at {n}");
            last_gap = gap;
            assert!(careful.low <= careful.accuracy && careful.accuracy <= careful.high);
        }
        let careless = record(80, 40, 0, 0).skill();
        assert!(
            careless.accuracy < 0.6 && careless.high < 0.7,
            "{careless:?}"
        );
        let careful = record(80, 76, 0, 0).skill();
        assert!(careful.low > 0.85, "{careful:?}");
    }

    #[test]
    fn agreement_counts_less_than_gold() {
        let by_gold = record(20, 10, 0, 0).skill();
        let by_agreement = record(0, 0, 20, 10).skill();
        assert!(by_agreement.accuracy > by_gold.accuracy);
        assert!((by_agreement.evidence - 10.0).abs() < 1e-12);
    }

    #[test]
    fn history_sets_the_starting_point() {
        let strong = WorkerRecord {
            order: Checked::default(),
            history: Checked {
                gold_total: 200,
                gold_correct: 196,
                judged: 0,
                agreed: 0,
            },
        };
        let weak = WorkerRecord {
            history: Checked {
                gold_total: 200,
                gold_correct: 110,
                judged: 0,
                agreed: 0,
            },
            ..strong
        };
        assert!(strong.skill().accuracy > 0.95, "{:?}", strong.skill());
        assert!(weak.skill().accuracy < 0.6, "{:?}", weak.skill());
        // This order's evidence overrides a good record.
        let slipped = WorkerRecord {
            order: Checked {
                gold_total: 40,
                gold_correct: 20,
                judged: 0,
                agreed: 0,
            },
            ..strong
        };
        assert!(slipped.skill().accuracy < 0.7, "{:?}", slipped.skill());
    }

    #[test]
    fn votes_stay_between_chance_and_certainty() {
        assert_eq!(for_vote(1.0, 2), MAX_VOTE_ACCURACY);
        assert!((for_vote(0.1, 2) - 0.51).abs() < 1e-12);
        assert!((for_vote(0.1, 4) - 0.26).abs() < 1e-12);
        assert_eq!(for_vote(f64::NAN, 3), DEFAULT_ACCURACY);
        assert_eq!(for_vote(0.9, 3), 0.9);
    }

    #[test]
    fn bad_counts_never_leave_zero_to_one() {
        for r in [
            record(-3, 5, 2, 9),
            record(3, 5, 0, 0),
            record(i64::MAX / 4, 0, 0, 0),
        ] {
            let s = r.skill();
            assert!((0.0..=1.0).contains(&s.accuracy), "{s:?}");
            assert!(s.low.is_finite() && s.high.is_finite(), "{s:?}");
        }
    }
}
