//! What model suggestions did on an order (issue 29, the client's report): how many items
//! had one and where they came from; what annotators did with those they were shown
//! (accepted as is, fixed, rejected; planted known-wrong ones apart, since they are meant
//! to be rejected); how often the model was right against the final answers (resolved
//! consensus, a lead's decision, a gold item's known answer), per model version; the
//! annotators' time per item with a suggestion and without, and per outcome; and the pay
//! for checks, fixes and plain labels.
//!
//! Pure arithmetic over the facts the store gathers (`mudou-store/src/suggest_report.rs`).
//! Every share is `None` when there is nothing to divide by.

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::OrderSpec;
use crate::question_effect::{median, share};
use crate::suggest::Outcome;

/// What a label's annotator was shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// No suggestion: a plain label.
    Nothing,
    /// A model's suggestion (imported or from a backend).
    Model,
    /// A planted, known-wrong suggestion on a gold item.
    Planted,
}

/// One answered label (skips are left out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LabelFact {
    pub shown: Shown,
    /// What the annotator did with it (`None` without a suggestion).
    pub outcome: Option<Outcome>,
    /// The annotator's time on the item, as the browser measured.
    pub client_ms: i64,
    /// Fen in the ledger for the label (pieces, their reversals, adjustments).
    pub paid_fen: i64,
    /// Fen it earns once accepted, not yet in the ledger (a pay-on-acceptance order).
    pub pending_fen: i64,
}

/// How a settled item got its final answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    /// The live consensus resolved it.
    Consensus,
    /// A lead accepted or overrode it.
    Review,
    /// A gold item: the client's known answer.
    Gold,
}

/// A settled item that has a (non-planted) suggestion.
#[derive(Debug, Clone, PartialEq)]
pub struct SettledFact {
    pub suggestion: Value,
    pub model: String,
    pub model_version: Option<String>,
    pub final_answer: Value,
    pub how: Settled,
}

/// Everything the report is made from, in the viewer's scope.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportFacts {
    /// The order's items (a lead: those their centre answered).
    pub items: i64,
    /// Of those, the items with a suggestion.
    pub items_with: i64,
    /// Suggestions by source.
    pub import: i64,
    pub backend: i64,
    pub planted: i64,
    pub labels: Vec<LabelFact>,
    pub settled: Vec<SettledFact>,
}

/// Suggestions stored for the order's items.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SuggestionCounts {
    pub import: i64,
    pub backend: i64,
    pub planted: i64,
    pub items: i64,
    pub items_with: i64,
    pub items_without: i64,
}

/// What annotators did with the suggestions they were shown.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Outcomes {
    /// Labels shown a suggestion (answered).
    pub shown: i64,
    pub accepted: i64,
    pub fixed: i64,
    pub rejected: i64,
    /// Shares of `shown` (0 to 1, four decimals).
    pub accepted_share: Option<f64>,
    pub fixed_share: Option<f64>,
    pub rejected_share: Option<f64>,
}

/// The two kinds of suggestion shown.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct OutcomeReport {
    /// The model's suggestions.
    pub model: Outcomes,
    /// Planted, known-wrong ones (meant to be rejected).
    pub planted: Outcomes,
}

/// The model's accuracy over settled items.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Accuracy {
    /// Settled items with a model suggestion, and how many it agrees with by the order's
    /// pass mark.
    pub settled: i64,
    pub agreed: i64,
    pub accuracy: Option<f64>,
}

/// The accuracy of one model version.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct VersionAccuracy {
    pub model: String,
    pub model_version: Option<String>,
    pub settled: i64,
    pub agreed: i64,
    pub accuracy: Option<f64>,
}

/// The model against the final answers.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AccuracyReport {
    pub overall: Accuracy,
    /// By how the item settled.
    pub consensus: Accuracy,
    pub review: Accuracy,
    pub gold: Accuracy,
    /// Per model and version (by model, then version; no version first).
    pub versions: Vec<VersionAccuracy>,
}

/// Time per item of a group of labels.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Timing {
    pub labels: i64,
    /// The median and mean of `client_ms` (the mean rounded to the millisecond).
    pub median_ms: Option<i64>,
    pub mean_ms: Option<i64>,
}

/// Time per item with and without a suggestion.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TimingReport {
    /// Labels shown a model's suggestion.
    pub with: Timing,
    /// Labels shown none.
    pub without: Timing,
    /// Labels shown a planted one.
    pub planted: Timing,
    /// Of those shown a model's suggestion, by outcome.
    pub accepted: Timing,
    pub fixed: Timing,
    pub rejected: Timing,
    /// `with.median_ms / without.median_ms` (below 1: suggestions save time).
    pub median_ratio: Option<f64>,
}

/// Pay of a group of labels.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PayLine {
    pub labels: i64,
    /// Fen in the ledger.
    pub paid_fen: i64,
    /// Fen still to be paid once accepted.
    pub pending_fen: i64,
}

/// Pay split: a check is a suggestion accepted as is (the check rate); a fix one changed
/// or rejected (the fix rate); a plain label had none (the order's pay). Planted ones are
/// in the check or fix line by what was done with them, as they were paid.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PayReport {
    pub checks: PayLine,
    pub fixes: PayLine,
    pub plain: PayLine,
    pub total_paid_fen: i64,
}

/// What the suggestions did on an order.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SuggestionReport {
    pub suggestions: SuggestionCounts,
    pub outcomes: OutcomeReport,
    pub accuracy: AccuracyReport,
    pub seconds: TimingReport,
    pub pay: PayReport,
}

fn outcomes<'a>(labels: impl Iterator<Item = &'a LabelFact>) -> Outcomes {
    let (mut shown, mut accepted, mut fixed, mut rejected) = (0, 0, 0, 0);
    for l in labels {
        shown += 1;
        match l.outcome {
            Some(Outcome::Accepted) => accepted += 1,
            Some(Outcome::Fixed) => fixed += 1,
            Some(Outcome::Rejected) => rejected += 1,
            None => {}
        }
    }
    Outcomes {
        shown,
        accepted,
        fixed,
        rejected,
        accepted_share: share(accepted, shown),
        fixed_share: share(fixed, shown),
        rejected_share: share(rejected, shown),
    }
}

/// The mean, rounded to the nearest unit (halves away from zero); `None` for none.
pub fn mean(values: &[i64]) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    let sum: i128 = values.iter().map(|v| *v as i128).sum();
    let n = values.len() as i128;
    let q = (2 * sum.abs() + n) / (2 * n);
    Some((if sum < 0 { -q } else { q }) as i64)
}

fn timing<'a>(labels: impl Iterator<Item = &'a LabelFact>) -> Timing {
    let ms: Vec<i64> = labels.map(|l| l.client_ms).collect();
    Timing {
        labels: ms.len() as i64,
        median_ms: median(&ms),
        mean_ms: mean(&ms),
    }
}

fn pay_line<'a>(labels: impl Iterator<Item = &'a LabelFact>) -> PayLine {
    let mut p = PayLine {
        labels: 0,
        paid_fen: 0,
        pending_fen: 0,
    };
    for l in labels {
        p.labels += 1;
        p.paid_fen += l.paid_fen;
        p.pending_fen += l.pending_fen;
    }
    p
}

/// Whether the suggestion agrees with the final answer by the order's pass mark, on the
/// questions it answers: the final answer with those questions put to the suggestion's
/// must pass against the final answer.
pub fn suggestion_agrees(spec: &OrderSpec, suggestion: &Value, final_answer: &Value) -> bool {
    let Some(s) = suggestion.as_object() else {
        return false;
    };
    let mut merged = final_answer.as_object().cloned().unwrap_or_default();
    for (k, v) in s {
        merged.insert(k.clone(), v.clone());
    }
    spec.agrees(&Value::Object(merged), final_answer)
}

fn accuracy(settled: i64, agreed: i64) -> Accuracy {
    Accuracy {
        settled,
        agreed,
        accuracy: share(agreed, settled),
    }
}

/// Puts the report together.
pub fn report(spec: &OrderSpec, f: &ReportFacts) -> SuggestionReport {
    let model = || f.labels.iter().filter(|l| l.shown == Shown::Model);
    let by = |o: Outcome| model().filter(move |l| l.outcome == Some(o));

    let mut overall = (0, 0);
    let mut how = [(0, 0); 3];
    let mut versions: Vec<VersionAccuracy> = Vec::new();
    for s in &f.settled {
        let ok = suggestion_agrees(spec, &s.suggestion, &s.final_answer) as i64;
        overall.0 += 1;
        overall.1 += ok;
        let h = &mut how[s.how as usize];
        h.0 += 1;
        h.1 += ok;
        let v = match versions
            .iter_mut()
            .find(|v| v.model == s.model && v.model_version == s.model_version)
        {
            Some(v) => v,
            None => {
                versions.push(VersionAccuracy {
                    model: s.model.clone(),
                    model_version: s.model_version.clone(),
                    settled: 0,
                    agreed: 0,
                    accuracy: None,
                });
                versions.last_mut().expect("just pushed")
            }
        };
        v.settled += 1;
        v.agreed += ok;
    }
    for v in &mut versions {
        v.accuracy = share(v.agreed, v.settled);
    }
    versions.sort_by(|a, b| (&a.model, &a.model_version).cmp(&(&b.model, &b.model_version)));

    let with = timing(model());
    let without = timing(f.labels.iter().filter(|l| l.shown == Shown::Nothing));
    let median_ratio = match (with.median_ms, without.median_ms) {
        (Some(w), Some(o)) if o > 0 => Some((w as f64 / o as f64 * 10_000.0).round() / 10_000.0),
        _ => None,
    };
    let shown = |l: &&LabelFact| l.shown != Shown::Nothing;
    let checks = pay_line(
        f.labels
            .iter()
            .filter(shown)
            .filter(|l| l.outcome == Some(Outcome::Accepted)),
    );
    let fixes = pay_line(
        f.labels
            .iter()
            .filter(shown)
            .filter(|l| l.outcome != Some(Outcome::Accepted)),
    );
    let plain = pay_line(f.labels.iter().filter(|l| l.shown == Shown::Nothing));
    SuggestionReport {
        suggestions: SuggestionCounts {
            import: f.import,
            backend: f.backend,
            planted: f.planted,
            items: f.items,
            items_with: f.items_with,
            items_without: (f.items - f.items_with).max(0),
        },
        outcomes: OutcomeReport {
            model: outcomes(model()),
            planted: outcomes(f.labels.iter().filter(|l| l.shown == Shown::Planted)),
        },
        accuracy: AccuracyReport {
            overall: accuracy(overall.0, overall.1),
            consensus: accuracy(how[0].0, how[0].1),
            review: accuracy(how[1].0, how[1].1),
            gold: accuracy(how[2].0, how[2].1),
            versions,
        },
        seconds: TimingReport {
            with,
            without,
            planted: timing(f.labels.iter().filter(|l| l.shown == Shown::Planted)),
            accepted: timing(by(Outcome::Accepted)),
            fixed: timing(by(Outcome::Fixed)),
            rejected: timing(by(Outcome::Rejected)),
            median_ratio,
        },
        pay: PayReport {
            total_paid_fen: checks.paid_fen + fixes.paid_fen + plain.paid_fen,
            checks,
            fixes,
            plain,
        },
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::TaskType;
    use crate::order::testing::spec;

    fn label(shown: Shown, outcome: Option<Outcome>, ms: i64, paid: i64) -> LabelFact {
        LabelFact {
            shown,
            outcome,
            client_ms: ms,
            paid_fen: paid,
            pending_fen: 0,
        }
    }

    fn settled(s: &str, version: Option<&str>, fin: &str, how: Settled) -> SettledFact {
        SettledFact {
            suggestion: json!({"label": s}),
            model: "m".into(),
            model_version: version.map(str::to_owned),
            final_answer: json!({"label": fin}),
            how,
        }
    }

    #[test]
    fn means_and_medians() {
        assert_eq!(mean(&[]), None);
        assert_eq!(mean(&[1, 2]), Some(2), "halves round up");
        assert_eq!(mean(&[1, 1, 2]), Some(1));
        assert_eq!(mean(&[-1, -2]), Some(-2));
        assert_eq!(mean(&[i64::MAX, i64::MAX]), Some(i64::MAX), "no overflow");
        assert_eq!(median(&[5, 1, 3]), Some(3));
    }

    #[test]
    fn an_empty_order_is_all_zeros_and_nones() {
        let s = spec(TaskType::SingleChoice, &["cat", "dog"]);
        let r = report(&s, &ReportFacts::default());
        assert_eq!(r.outcomes.model.shown, 0);
        assert_eq!(r.outcomes.model.accepted_share, None);
        assert_eq!(r.accuracy.overall.accuracy, None);
        assert!(r.accuracy.versions.is_empty());
        assert_eq!(r.seconds.with.median_ms, None);
        assert_eq!(r.seconds.median_ratio, None);
        assert_eq!(r.pay.total_paid_fen, 0);
    }

    #[test]
    fn figures_follow_the_labels() {
        let s = spec(TaskType::SingleChoice, &["cat", "dog"]);
        use Outcome::*;
        use Shown::*;
        let f = ReportFacts {
            items: 10,
            items_with: 7,
            import: 5,
            backend: 1,
            planted: 1,
            labels: vec![
                label(Model, Some(Accepted), 1000, 3),
                label(Model, Some(Accepted), 3000, 3),
                label(Model, Some(Fixed), 5000, 9),
                label(Model, Some(Rejected), 8000, 9),
                label(Planted, Some(Accepted), 500, 3),
                label(Planted, Some(Rejected), 7000, 9),
                label(Nothing, None, 6000, 10),
                label(Nothing, None, 10000, 0),
            ],
            settled: vec![
                settled("cat", Some("v1"), "cat", Settled::Consensus),
                settled("cat", Some("v1"), "dog", Settled::Consensus),
                settled("dog", Some("v2"), "dog", Settled::Review),
                settled("dog", None, "dog", Settled::Gold),
            ],
        };
        let r = report(&s, &f);
        assert_eq!(r.suggestions.items_without, 3);
        let m = &r.outcomes.model;
        assert_eq!((m.shown, m.accepted, m.fixed, m.rejected), (4, 2, 1, 1));
        assert_eq!(m.accepted_share, Some(0.5));
        assert_eq!(m.fixed_share, Some(0.25));
        let p = &r.outcomes.planted;
        assert_eq!((p.shown, p.accepted, p.rejected), (2, 1, 1));

        assert_eq!(r.accuracy.overall.settled, 4);
        assert_eq!(r.accuracy.overall.agreed, 3);
        assert_eq!(r.accuracy.overall.accuracy, Some(0.75));
        assert_eq!(r.accuracy.consensus.accuracy, Some(0.5));
        assert_eq!(r.accuracy.review.accuracy, Some(1.0));
        assert_eq!(r.accuracy.gold.settled, 1);
        let v: Vec<(Option<&str>, i64, i64)> = r
            .accuracy
            .versions
            .iter()
            .map(|v| (v.model_version.as_deref(), v.settled, v.agreed))
            .collect();
        assert_eq!(v, [(None, 1, 1), (Some("v1"), 2, 1), (Some("v2"), 1, 1)]);

        assert_eq!(r.seconds.with.labels, 4);
        assert_eq!(r.seconds.with.median_ms, Some(4000));
        assert_eq!(r.seconds.with.mean_ms, Some(4250));
        assert_eq!(r.seconds.without.median_ms, Some(8000));
        assert_eq!(r.seconds.median_ratio, Some(0.5));
        assert_eq!(r.seconds.planted.median_ms, Some(3750));
        assert_eq!(r.seconds.accepted.median_ms, Some(2000));
        assert_eq!(r.seconds.fixed.mean_ms, Some(5000));
        assert_eq!(r.seconds.rejected.labels, 1);

        assert_eq!(r.pay.checks.labels, 3);
        assert_eq!(r.pay.checks.paid_fen, 9);
        assert_eq!(r.pay.fixes.labels, 3);
        assert_eq!(r.pay.fixes.paid_fen, 27);
        assert_eq!(r.pay.plain.paid_fen, 10);
        assert_eq!(r.pay.total_paid_fen, 46);
    }

    #[test]
    fn a_partial_suggestion_is_judged_on_its_own_questions() {
        let mut s = spec(TaskType::Bbox, &["car"]);
        s.suggestions = Some(Default::default());
        let key = s.labels[0].key.clone();
        let b =
            |x: f64| json!({"boxes": [{"label": key, "x": x, "y": 10.0, "w": 100.0, "h": 80.0}]});
        assert!(suggestion_agrees(&s, &b(12.0), &b(10.0)), "a nudge agrees");
        assert!(!suggestion_agrees(&s, &b(300.0), &b(10.0)));
        assert!(!suggestion_agrees(&s, &json!("car"), &b(10.0)));
    }
}
