//! What questions and instruction changes did to an order's results (issue 30: "a client
//! sees the open and answered questions of their order and their effect on the results"):
//! per instructions version, the labels made under it, how many agree with their item's
//! final answer, gold accuracy, the confidence and escalations of the items it decided; the
//! items that were asked about and how they ended; what still waits for an answer.
//!
//! Pure arithmetic over counts the store gathers (shares, medians, changes). Every share is
//! `None` when there is nothing to divide by, never a division by zero.

use serde::Serialize;
use utoipa::ToSchema;

use crate::Millis;

/// Shares are given to four decimals (0.7143, not 0.714285…).
const SHARE_DECIMALS: f64 = 10_000.0;

/// `n / d` to four decimals; `None` when `d` is 0 (or either is negative).
pub fn share(n: i64, d: i64) -> Option<f64> {
    if d <= 0 || n < 0 {
        return None;
    }
    Some(round(n as f64 / d as f64))
}

fn round(x: f64) -> f64 {
    (x * SHARE_DECIMALS).round() / SHARE_DECIMALS
}

/// The median of durations (the mean of the two middle ones, rounded down, for an even
/// count); `None` for none.
pub fn median(values: &[i64]) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_unstable();
    let mid = v.len() / 2;
    Some(if v.len() % 2 == 1 {
        v[mid]
    } else {
        // No overflow: halves first.
        let (a, b) = (v[mid - 1], v[mid]);
        a / 2 + b / 2 + (a % 2 + b % 2).div_euclid(2)
    })
}

/// The change from `before` to `after` (to four decimals), when both are known.
pub fn change(before: Option<f64>, after: Option<f64>) -> Option<f64> {
    Some(round(after? - before?))
}

/// A version of the order's instructions as stored (version 1: the spec as published).
#[derive(Debug, Clone, PartialEq)]
pub struct VersionFacts {
    pub version: i64,
    pub created_at: Millis,
    /// The instructions' words in this version.
    pub instructions: String,
    /// The item this version added as an example, with its words.
    pub example_item_id: Option<i64>,
    pub example_words: Option<String>,
    /// The answered question on that item the example was made from, if there is one.
    pub question: Option<PromotedQuestion>,
}

/// The answered question a version's example came from.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PromotedQuestion {
    pub id: i64,
    /// The asker's reason (`unclear`, `no_label_fits`, …).
    pub reason: String,
    /// The asker's words, if any.
    pub text: Option<String>,
    /// The answer's words, if any.
    pub answer_text: Option<String>,
    pub asked_at: Millis,
    pub answered_at: Millis,
}

/// Labels made under one instructions version (`version`: the label's, 1 for labels stored
/// before versions existed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LabelCounts {
    pub version: i64,
    /// Answers (not skips).
    pub answers: i64,
    pub skips: i64,
    /// Answers on items now resolved that were checked against the final answer, and how
    /// many agree with it.
    pub judged: i64,
    pub agreed: i64,
    /// Answers on gold items, and how many were right.
    pub gold_total: i64,
    pub gold_correct: i64,
}

/// Items whose last answer was made under `version` and are now resolved or escalated.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct DecidedCounts {
    pub version: i64,
    pub resolved: i64,
    pub escalated: i64,
    /// The mean confidence of the resolved ones (`None`: none had one).
    pub mean_confidence: Option<f64>,
}

/// The questions in the caller's view of the order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QuestionFacts {
    pub asked: i64,
    pub answered: i64,
    /// Open questions that wait for the caller (a client: those forwarded to them; a lead:
    /// those not forwarded), and the oldest one's time.
    pub waiting_for_you: i64,
    pub oldest_waiting_at: Option<Millis>,
    /// The oldest open question's time.
    pub oldest_open_at: Option<Millis>,
    /// Milliseconds from asking to answer, one per answered question.
    pub answer_ms: Vec<i64>,
    /// Distinct items asked about, by their state now (gold items, which never settle by
    /// consensus, apart).
    pub items: i64,
    pub items_resolved: i64,
    pub items_escalated: i64,
    pub items_gold: i64,
    /// Answers on the asked items checked against their final answer, and agreeing.
    pub judged: i64,
    pub agreed: i64,
}

/// Everything the report is made from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EffectFacts {
    pub now: Millis,
    pub current_version: i64,
    /// Every stored version, any order.
    pub versions: Vec<VersionFacts>,
    pub labels: Vec<LabelCounts>,
    pub decided: Vec<DecidedCounts>,
    pub questions: QuestionFacts,
}

/// What changed in a version, and its figures.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct VersionEffect {
    pub version: i64,
    pub created_at: Millis,
    /// The words of the instructions changed in this version (false for version 1).
    pub new_words: bool,
    pub example_item_id: Option<i64>,
    pub example_words: Option<String>,
    /// The answered question its example was made from.
    pub question: Option<PromotedQuestion>,
    pub answers: i64,
    pub skips: i64,
    pub judged: i64,
    pub agreed: i64,
    /// `agreed / judged` (0 to 1), `None` before any answer under it was checked.
    pub agreement: Option<f64>,
    /// The earlier version the change is against: the latest before this one with an
    /// agreement.
    pub compared_with: Option<i64>,
    /// `agreement` minus that version's (−1 to 1).
    pub agreement_change: Option<f64>,
    pub gold_total: i64,
    pub gold_correct: i64,
    pub gold_accuracy: Option<f64>,
    /// Items whose last answer was under this version: resolved, escalated.
    pub items_resolved: i64,
    pub items_escalated: i64,
    /// The mean confidence of the resolved ones.
    pub mean_confidence: Option<f64>,
    /// `escalated / (resolved + escalated)`.
    pub escalation_share: Option<f64>,
}

/// The order's figures over every version.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct EffectTotals {
    pub answers: i64,
    pub judged: i64,
    pub agreed: i64,
    pub agreement: Option<f64>,
    pub gold_total: i64,
    pub gold_correct: i64,
    pub gold_accuracy: Option<f64>,
}

/// The items that were asked about, and how they ended.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AskedEffect {
    /// Questions asked, answered, still open.
    pub questions: i64,
    pub answered: i64,
    pub open: i64,
    /// The median time from asking to answer (ms).
    pub median_answer_ms: Option<i64>,
    /// Distinct items asked about: resolved, escalated, still open, gold (checked against
    /// their gold answer, never settled by consensus).
    pub items: i64,
    pub items_resolved: i64,
    pub items_escalated: i64,
    pub items_open: i64,
    pub items_gold: i64,
    pub judged: i64,
    pub agreed: i64,
    /// Agreement on the asked items, and its difference from the order's.
    pub agreement: Option<f64>,
    pub agreement_vs_order: Option<f64>,
}

/// What waits for an answer.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct OpenQuestions {
    pub open: i64,
    pub oldest_open_at: Option<Millis>,
    pub oldest_open_age_ms: Option<i64>,
    /// Open questions waiting for the caller: a client's forwarded ones, a lead's not
    /// forwarded.
    pub waiting_for_you: i64,
    pub oldest_waiting_age_ms: Option<i64>,
}

/// The effect of questions and instruction changes on an order's results.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct EffectReport {
    pub current_version: i64,
    /// Oldest first.
    pub versions: Vec<VersionEffect>,
    pub totals: EffectTotals,
    pub asked: AskedEffect,
    pub open: OpenQuestions,
}

/// Puts the report together. Versions are every stored one, plus any a label names that is
/// not stored (version 1 of an order never changed), oldest first.
pub fn report(f: &EffectFacts) -> EffectReport {
    let mut numbers: Vec<i64> = f
        .versions
        .iter()
        .map(|v| v.version)
        .chain(f.labels.iter().map(|l| l.version))
        .chain(f.decided.iter().map(|d| d.version))
        .collect();
    numbers.sort_unstable();
    numbers.dedup();

    let mut versions: Vec<VersionEffect> = Vec::with_capacity(numbers.len());
    let mut last_words: Option<&str> = None;
    let mut last_agreement: Option<(i64, f64)> = None;
    for n in numbers {
        let facts = f.versions.iter().find(|v| v.version == n);
        let l = f
            .labels
            .iter()
            .filter(|l| l.version == n)
            .fold(LabelCounts::default(), |a, b| LabelCounts {
                version: n,
                answers: a.answers + b.answers,
                skips: a.skips + b.skips,
                judged: a.judged + b.judged,
                agreed: a.agreed + b.agreed,
                gold_total: a.gold_total + b.gold_total,
                gold_correct: a.gold_correct + b.gold_correct,
            });
        let d = f.decided.iter().find(|d| d.version == n);
        let (resolved, escalated) = d.map_or((0, 0), |d| (d.resolved, d.escalated));
        let agreement = share(l.agreed, l.judged);
        let (compared_with, agreement_change) = match (last_agreement, agreement) {
            (Some((v, before)), Some(now)) => (Some(v), change(Some(before), Some(now))),
            _ => (None, None),
        };
        if let Some(a) = agreement {
            last_agreement = Some((n, a));
        }
        let words = facts.map(|v| v.instructions.as_str());
        let new_words = match (last_words, words) {
            (Some(a), Some(b)) => a != b,
            _ => false,
        };
        if words.is_some() {
            last_words = words;
        }
        versions.push(VersionEffect {
            version: n,
            created_at: facts.map_or(0, |v| v.created_at),
            new_words,
            example_item_id: facts.and_then(|v| v.example_item_id),
            example_words: facts.and_then(|v| v.example_words.clone()),
            question: facts.and_then(|v| v.question.clone()),
            answers: l.answers,
            skips: l.skips,
            judged: l.judged,
            agreed: l.agreed,
            agreement,
            compared_with,
            agreement_change,
            gold_total: l.gold_total,
            gold_correct: l.gold_correct,
            gold_accuracy: share(l.gold_correct, l.gold_total),
            items_resolved: resolved,
            items_escalated: escalated,
            mean_confidence: d.and_then(|d| d.mean_confidence).map(round),
            escalation_share: share(escalated, resolved + escalated),
        });
    }

    let sum = |g: fn(&VersionEffect) -> i64| versions.iter().map(g).sum::<i64>();
    let totals = EffectTotals {
        answers: sum(|v| v.answers),
        judged: sum(|v| v.judged),
        agreed: sum(|v| v.agreed),
        agreement: share(sum(|v| v.agreed), sum(|v| v.judged)),
        gold_total: sum(|v| v.gold_total),
        gold_correct: sum(|v| v.gold_correct),
        gold_accuracy: share(sum(|v| v.gold_correct), sum(|v| v.gold_total)),
    };

    let q = &f.questions;
    let open = (q.asked - q.answered).max(0);
    let asked_agreement = share(q.agreed, q.judged);
    let asked = AskedEffect {
        questions: q.asked,
        answered: q.answered,
        open,
        median_answer_ms: median(&q.answer_ms),
        items: q.items,
        items_resolved: q.items_resolved,
        items_escalated: q.items_escalated,
        items_open: (q.items - q.items_resolved - q.items_escalated - q.items_gold).max(0),
        items_gold: q.items_gold,
        judged: q.judged,
        agreed: q.agreed,
        agreement: asked_agreement,
        agreement_vs_order: change(totals.agreement, asked_agreement),
    };
    let age = |at: Option<Millis>| at.map(|t| (f.now - t).max(0));
    EffectReport {
        current_version: f.current_version,
        versions,
        totals,
        asked,
        open: OpenQuestions {
            open,
            oldest_open_at: q.oldest_open_at,
            oldest_open_age_ms: age(q.oldest_open_at),
            waiting_for_you: q.waiting_for_you,
            oldest_waiting_age_ms: age(q.oldest_waiting_at),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(n: i64, words: &str, example: Option<i64>) -> VersionFacts {
        VersionFacts {
            version: n,
            created_at: n * 1000,
            instructions: words.into(),
            example_item_id: example,
            example_words: example.map(|_| "模糊的图选看不清".into()),
            question: None,
        }
    }

    fn labels(version: i64, judged: i64, agreed: i64) -> LabelCounts {
        LabelCounts {
            version,
            answers: judged + 1,
            skips: 1,
            judged,
            agreed,
            gold_total: 0,
            gold_correct: 0,
        }
    }

    #[test]
    fn shares_never_divide_by_zero() {
        assert_eq!(share(0, 0), None);
        assert_eq!(share(3, 0), None);
        assert_eq!(share(-1, 4), None);
        assert_eq!(share(3, 4), Some(0.75));
        assert_eq!(share(5, 7), Some(0.7143));
        assert_eq!(share(2, 3), Some(0.6667));
        assert_eq!(share(4, 4), Some(1.0));
    }

    #[test]
    fn medians_of_odd_even_and_none() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[7]), Some(7));
        assert_eq!(median(&[9, 1, 5]), Some(5));
        assert_eq!(median(&[4, 1, 3, 10]), Some(3));
        assert_eq!(median(&[1, 2]), Some(1));
        assert_eq!(median(&[i64::MAX, i64::MAX]), Some(i64::MAX));
    }

    #[test]
    fn changes_need_both_sides() {
        assert_eq!(change(Some(0.71), Some(0.84)), Some(0.13));
        assert_eq!(change(Some(0.84), Some(0.71)), Some(-0.13));
        assert_eq!(change(None, Some(0.5)), None);
        assert_eq!(change(Some(0.5), None), None);
    }

    #[test]
    fn an_order_with_nothing_gives_an_empty_valid_report() {
        let r = report(&EffectFacts {
            now: 5,
            current_version: 1,
            ..Default::default()
        });
        assert!(r.versions.is_empty());
        assert_eq!(r.totals.agreement, None);
        assert_eq!(r.totals.gold_accuracy, None);
        assert_eq!(r.asked.median_answer_ms, None);
        assert_eq!(r.asked.agreement, None);
        assert_eq!(r.asked.agreement_vs_order, None);
        assert_eq!(r.open.open, 0);
        assert_eq!(r.open.oldest_open_age_ms, None);
        // One version and no labels: its figures are zeros and unknowns.
        let r = report(&EffectFacts {
            now: 5,
            current_version: 1,
            versions: vec![version(1, "看图", None)],
            ..Default::default()
        });
        assert_eq!(r.versions.len(), 1);
        let v = &r.versions[0];
        assert_eq!((v.answers, v.judged, v.agreement), (0, 0, None));
        assert_eq!((v.escalation_share, v.mean_confidence), (None, None));
        assert_eq!((v.compared_with, v.agreement_change), (None, None));
        assert!(!v.new_words);
    }

    #[test]
    fn each_version_is_compared_with_the_last_one_that_had_an_agreement() {
        let mut v3 = version(3, "看图，模糊的选看不清", Some(42));
        v3.question = Some(PromotedQuestion {
            id: 9,
            reason: "unclear".into(),
            text: Some("图太模糊".into()),
            answer_text: Some("模糊的图选看不清".into()),
            asked_at: 100,
            answered_at: 400,
        });
        let f = EffectFacts {
            now: 10_000,
            current_version: 3,
            versions: vec![v3, version(1, "看图", None), version(2, "看图", Some(7))],
            labels: vec![
                labels(1, 7, 5),
                // Version 2: nothing checked yet.
                labels(2, 0, 0),
                labels(3, 25, 21),
            ],
            decided: vec![
                DecidedCounts {
                    version: 1,
                    resolved: 3,
                    escalated: 1,
                    mean_confidence: Some(0.812_345),
                },
                DecidedCounts {
                    version: 3,
                    resolved: 8,
                    escalated: 0,
                    mean_confidence: Some(0.9),
                },
            ],
            questions: QuestionFacts::default(),
        };
        let r = report(&f);
        let got: Vec<i64> = r.versions.iter().map(|v| v.version).collect();
        assert_eq!(got, vec![1, 2, 3]);
        let (v1, v2, v3) = (&r.versions[0], &r.versions[1], &r.versions[2]);
        assert_eq!(v1.agreement, Some(0.7143));
        assert_eq!(v1.escalation_share, Some(0.25));
        assert_eq!(v1.mean_confidence, Some(0.8123));
        assert_eq!((v1.compared_with, v1.agreement_change), (None, None));
        assert_eq!(v2.agreement, None);
        assert_eq!((v2.compared_with, v2.agreement_change), (None, None));
        assert_eq!(v2.escalation_share, None);
        assert!(!v2.new_words);
        assert_eq!(v2.example_item_id, Some(7));
        assert_eq!(v3.agreement, Some(0.84));
        assert_eq!(v3.compared_with, Some(1));
        assert_eq!(v3.agreement_change, Some(0.1257));
        assert_eq!(v3.escalation_share, Some(0.0));
        assert!(v3.new_words);
        assert_eq!(v3.question.as_ref().unwrap().id, 9);
        assert_eq!(r.totals.judged, 32);
        assert_eq!(r.totals.agreed, 26);
        assert_eq!(r.totals.agreement, Some(0.8125));
        assert_eq!(r.totals.answers, 8 + 1 + 26);
    }

    #[test]
    fn labels_under_a_version_not_stored_still_count_and_gold_is_its_own_share() {
        let f = EffectFacts {
            now: 0,
            current_version: 1,
            versions: Vec::new(),
            labels: vec![LabelCounts {
                version: 1,
                answers: 10,
                skips: 0,
                judged: 4,
                agreed: 3,
                gold_total: 4,
                gold_correct: 1,
            }],
            decided: Vec::new(),
            questions: QuestionFacts::default(),
        };
        let r = report(&f);
        assert_eq!(r.versions.len(), 1);
        assert_eq!(r.versions[0].created_at, 0);
        assert_eq!(r.versions[0].gold_accuracy, Some(0.25));
        assert_eq!(r.totals.gold_accuracy, Some(0.25));
        assert_eq!(r.totals.agreement, Some(0.75));
    }

    #[test]
    fn asked_items_against_the_order_and_what_waits() {
        let f = EffectFacts {
            now: 100_000,
            current_version: 1,
            versions: vec![version(1, "看图", None)],
            labels: vec![labels(1, 10, 8)],
            decided: Vec::new(),
            questions: QuestionFacts {
                asked: 5,
                answered: 3,
                waiting_for_you: 1,
                oldest_waiting_at: Some(70_000),
                oldest_open_at: Some(40_000),
                answer_ms: vec![60_000, 1_000, 5_000],
                items: 5,
                items_resolved: 2,
                items_escalated: 1,
                items_gold: 1,
                judged: 4,
                agreed: 2,
            },
        };
        let r = report(&f);
        assert_eq!(r.asked.open, 2);
        assert_eq!(r.asked.median_answer_ms, Some(5_000));
        assert_eq!(r.asked.items_open, 1);
        assert_eq!(r.asked.items_gold, 1);
        assert_eq!(r.asked.agreement, Some(0.5));
        assert_eq!(r.asked.agreement_vs_order, Some(-0.3));
        assert_eq!(r.open.open, 2);
        assert_eq!(r.open.oldest_open_age_ms, Some(60_000));
        assert_eq!(r.open.waiting_for_you, 1);
        assert_eq!(r.open.oldest_waiting_age_ms, Some(30_000));
    }
}
