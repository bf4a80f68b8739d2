//! Model suggestions ("label and repair"): a model's answer to some of an order's questions,
//! shown to the annotator to check and fix. Here, as pure functions: the order's policy
//! (which questions, pay for a check and for a fix, planted wrong suggestions, how far the
//! consensus trusts the model), the checks a suggestion passes before it is stored, what an
//! annotator did with one (accepted, fixed, rejected), and a known-wrong suggestion to plant
//! on a gold item.
//!
//! A suggestion is an answer object keyed by question, like a label's, holding only the
//! questions the model answers.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::{Answer, OrderSpec, ValidationError};

/// The highest accuracy a model's vote may be given (a model is never certain).
pub const MAX_TRUST: f64 = 0.99;

/// How an order uses model suggestions (`OrderSpec::suggestions`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct SuggestionPolicy {
    /// The questions (keys) a model answers; empty: every question.
    #[serde(default)]
    pub questions: Vec<String>,
    /// Pay for a suggestion accepted as it is (a check), in fen; `None`: the order's pay.
    #[serde(default)]
    pub check_rate_fen: Option<i64>,
    /// Pay for a suggestion changed (a fix), in fen; `None`: the order's pay.
    #[serde(default)]
    pub fix_rate_fen: Option<i64>,
    /// Share of gold items (0 to 1) that show a known-wrong suggestion, to catch
    /// acceptance without looking.
    #[serde(default)]
    pub plant_share: f64,
    /// How far the live consensus trusts the model: 0, it never votes; otherwise it votes
    /// as one more worker whose accuracy is its estimated one, at most this (≤ 0.99).
    #[serde(default)]
    pub trust: f64,
}

impl SuggestionPolicy {
    /// Checks the policy against the order it belongs to.
    pub fn validate(&self, spec: &OrderSpec) -> Result<(), ValidationError> {
        let bad = |m: String| ValidationError::new("suggestions", m);
        let template = spec.template();
        for k in &self.questions {
            if template.question(k).is_none() {
                return Err(bad(format!("question {k:?} is not one of the order's")));
            }
        }
        for r in [self.check_rate_fen, self.fix_rate_fen]
            .into_iter()
            .flatten()
        {
            if !(0..=100_000).contains(&r) {
                return Err(bad(
                    "a check or fix rate is 0 to 100000 fen per label".into()
                ));
            }
        }
        if !(0.0..=1.0).contains(&self.plant_share) {
            return Err(bad("the planted share is between 0 and 1".into()));
        }
        if !(0.0..=MAX_TRUST).contains(&self.trust) {
            return Err(bad(format!(
                "trust in the model is between 0 (never votes) and {MAX_TRUST}"
            )));
        }
        Ok(())
    }

    /// Whether the model answers question `key`.
    pub fn covers(&self, key: &str) -> bool {
        self.questions.is_empty() || self.questions.iter().any(|q| q == key)
    }
}

/// What an annotator did with the suggestion they were shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Submitted as it was (a check).
    Accepted,
    /// Changed, but still agreeing with it by the order's pass mark (a box nudged).
    Fixed,
    /// Answered otherwise: the model was wrong.
    Rejected,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Accepted => "accepted",
            Outcome::Fixed => "fixed",
            Outcome::Rejected => "rejected",
        }
    }
    pub fn parse(s: &str) -> Option<Outcome> {
        Some(match s {
            "accepted" => Outcome::Accepted,
            "fixed" => Outcome::Fixed,
            "rejected" => Outcome::Rejected,
            _ => return None,
        })
    }
}

/// Whether two answers of one question are the same (numbers compared as numbers, so a
/// coordinate sent back as `10.0` is still `10`).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0),
            _ => x == y,
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// What `answer` (a label's answer, as stored) did with `suggestion` (as stored): every
/// suggested question answered the same is a check; otherwise a fix when it still agrees
/// with the suggestion by the order's pass mark, else a rejection. A skip is `None`.
pub fn outcome(spec: &OrderSpec, suggestion: &Value, answer: Option<&Value>) -> Option<Outcome> {
    let answer = answer?;
    let s = suggestion.as_object()?;
    let unchanged = s
        .iter()
        .all(|(k, v)| answer.get(k).is_some_and(|a| same(a, v)));
    if unchanged {
        return Some(Outcome::Accepted);
    }
    // The answer with the suggested questions put back to the suggestion: compared with
    // the answer, only those questions can differ.
    let mut merged = answer.as_object().cloned().unwrap_or_default();
    for (k, v) in s {
        merged.insert(k.clone(), v.clone());
    }
    if spec.agrees(answer, &Value::Object(merged)) {
        Some(Outcome::Fixed)
    } else {
        Some(Outcome::Rejected)
    }
}

/// What a label earns when the annotator was shown a suggestion: the check rate for one
/// accepted as it is, the fix rate otherwise, each falling back to the order's pay.
pub fn pay_for(spec: &OrderSpec, answer: Option<&Answer>, outcome: Option<Outcome>) -> i64 {
    let base = spec.pay_for(answer);
    let Some(p) = &spec.suggestions else {
        return base;
    };
    match outcome {
        Some(Outcome::Accepted) => p.check_rate_fen.unwrap_or(base),
        Some(Outcome::Fixed | Outcome::Rejected) => p.fix_rate_fen.unwrap_or(base),
        None => base,
    }
}

/// Checks a suggestion against the order: an object of questions the policy lets the
/// model answer, each answer fitting its question (drawn ones inside the item's pictures,
/// `sizes` by field name, the first for a question without a field). Returns it
/// normalised as a label's answer would be.
pub fn check(
    spec: &OrderSpec,
    value: &Value,
    sizes: &[(String, (i64, i64))],
) -> Result<Value, ValidationError> {
    let bad = |m: String| ValidationError::new("answer", m);
    let obj = value
        .as_object()
        .ok_or_else(|| bad("a suggestion is an object keyed by question".into()))?;
    if obj.is_empty() {
        return Err(bad("a suggestion answers at least one question".into()));
    }
    let covers = |k: &str| spec.suggestions.as_ref().is_none_or(|p| p.covers(k));
    let template = spec.template();
    for k in obj.keys() {
        if template.question(k).is_none() {
            return Err(bad(format!("{k:?} is not a question of this order")));
        }
        if !covers(k) {
            return Err(bad(format!("the order takes no suggestions for {k:?}")));
        }
    }
    if spec.template.is_none() {
        // The one-question task types: the answer is the whole answer.
        return Ok(Answer::parse_sized(spec, value, sizes)?.to_json());
    }
    let mut out = Map::new();
    for (k, v) in obj {
        let q = template.question(k).expect("checked above");
        let size = match &q.field {
            Some(f) => sizes.iter().find(|(n, _)| n == f).map(|(_, s)| *s),
            None => sizes.first().map(|(_, s)| *s),
        };
        let v = q
            .kind()
            .parse(q, v, size)
            .map_err(|e| ValidationError::new("answer", format!("{k}: {}", e.message)))?;
        out.insert(k.clone(), v);
    }
    Ok(Value::Object(out))
}

/// A known-wrong suggestion for a gold item whose known answer is `gold`: the known answer
/// (restricted to the suggested questions) of another item, `donors`, that the order's
/// pass mark says is wrong here, chosen by `seed` — a plausible answer, just not this
/// item's. `None` when no donor is wrong here.
pub fn plant(spec: &OrderSpec, gold: &Value, donors: &[Value], seed: u64) -> Option<Value> {
    let covered = |v: &Value| -> Option<Value> {
        let o = v.as_object()?;
        let m: Map<String, Value> = o
            .iter()
            .filter(|(k, v)| !v.is_null() && spec.suggestions.as_ref().is_none_or(|p| p.covers(k)))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        (!m.is_empty()).then_some(Value::Object(m))
    };
    let wrong: Vec<Value> = donors
        .iter()
        .filter_map(covered)
        .filter(|d| {
            !spec.agrees(d, gold) && outcome(spec, d, Some(gold)) == Some(Outcome::Rejected)
        })
        .collect();
    if wrong.is_empty() {
        return None;
    }
    Some(wrong[(seed % wrong.len() as u64) as usize].clone())
}

/// Planted wrong suggestions accepted, at least, before a worker is flagged to their lead.
pub const BLIND_FLAG_AFTER: u32 = 2;

/// Whether a worker who was shown `shown` planted (known-wrong) suggestions and accepted
/// `accepted` of them as they were is flagged to their lead for accepting without looking:
/// at least [`BLIND_FLAG_AFTER`] accepted, and at least half of those shown. (One slip is
/// human; accepting most of the wrong ones is not looking.)
pub fn flag_blind(shown: u32, accepted: u32) -> bool {
    accepted >= BLIND_FLAG_AFTER && accepted * 2 >= shown
}

/// A stable pseudo-random draw in `[0, 1)` for `(a, b)` (which gold items get a planted
/// suggestion), the same on every engine and run.
pub fn draw(a: i64, b: i64) -> f64 {
    let mut x = (a as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (b as u64).rotate_left(29);
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^= x >> 33;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// The prior of a model's accuracy on an order before any of its suggestions settled:
/// Beta(`MODEL_PRIOR.0`, `MODEL_PRIOR.1`), a mean of 0.8 worth five settled items.
pub const MODEL_PRIOR: (f64, f64) = (4.0, 1.0);

/// A model's estimated accuracy on an order: of its `judged` suggestions whose items
/// settled (a resolved consensus, a lead's decision, a gold answer), `agreed` agreed with
/// the settled answer; the posterior mean under [`MODEL_PRIOR`].
pub fn model_accuracy(judged: i64, agreed: i64) -> f64 {
    let (a, b) = MODEL_PRIOR;
    let judged = judged.max(0) as f64;
    let agreed = (agreed.max(0) as f64).min(judged);
    (agreed + a) / (judged + a + b)
}

/// The accuracy the model's vote carries on an order: its estimated one capped by the
/// order's `trust` (and [`MAX_TRUST`]); `None` when the order does not trust the model
/// (no policy, or trust 0): it then never votes.
pub fn vote_accuracy(policy: Option<&SuggestionPolicy>, estimated: f64) -> Option<f64> {
    let trust = policy?.trust.min(MAX_TRUST);
    (trust > 0.0).then(|| estimated.min(trust))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::TaskType;
    use crate::order::testing::spec;

    fn choice() -> OrderSpec {
        let mut s = spec(TaskType::SingleChoice, &["cat", "dog"]);
        s.suggestions = Some(SuggestionPolicy {
            check_rate_fen: Some(3),
            fix_rate_fen: Some(9),
            ..Default::default()
        });
        s
    }

    #[test]
    fn outcome_of_a_choice() {
        let s = choice();
        let sug = json!({"label": "cat"});
        assert_eq!(
            outcome(&s, &sug, Some(&json!({"label": "cat"}))),
            Some(Outcome::Accepted)
        );
        assert_eq!(
            outcome(&s, &sug, Some(&json!({"label": "dog"}))),
            Some(Outcome::Rejected)
        );
        assert_eq!(outcome(&s, &sug, None), None);
    }

    #[test]
    fn a_nudged_box_is_a_fix_a_moved_one_a_rejection() {
        let mut s = spec(TaskType::Bbox, &["car"]);
        s.suggestions = Some(SuggestionPolicy::default());
        let b = |x: f64| json!({"boxes": [{"label": s.labels[0].key, "x": x, "y": 10.0, "w": 100.0, "h": 80.0}]});
        let sug = b(10.0);
        assert_eq!(outcome(&s, &sug, Some(&b(10.0))), Some(Outcome::Accepted));
        assert_eq!(outcome(&s, &sug, Some(&b(14.0))), Some(Outcome::Fixed));
        assert_eq!(outcome(&s, &sug, Some(&b(300.0))), Some(Outcome::Rejected));
    }

    #[test]
    fn pay_by_outcome() {
        let s = choice();
        let a = Answer::parse(&s, &json!({"label": "cat"}), None).unwrap();
        assert_eq!(pay_for(&s, Some(&a), Some(Outcome::Accepted)), 3);
        assert_eq!(pay_for(&s, Some(&a), Some(Outcome::Rejected)), 9);
        assert_eq!(pay_for(&s, Some(&a), None), s.piece_rate_fen);
    }

    #[test]
    fn checks_refuse_what_does_not_fit() {
        let s = choice();
        assert!(check(&s, &json!({"label": "cat"}), &[]).is_ok());
        assert!(check(&s, &json!({"label": "zebra"}), &[]).is_err());
        assert!(check(&s, &json!({"nope": "cat"}), &[]).is_err());
        assert!(check(&s, &json!([]), &[]).is_err());
        assert!(check(&s, &json!({}), &[]).is_err());
    }

    #[test]
    fn planted_is_wrong_for_the_item() {
        let s = choice();
        let gold = json!({"label": "cat"});
        let donors = [json!({"label": "cat"}), json!({"label": "dog"})];
        for seed in 0..5 {
            assert_eq!(
                plant(&s, &gold, &donors, seed),
                Some(json!({"label": "dog"}))
            );
        }
        assert_eq!(plant(&s, &gold, &donors[..1], 0), None);
    }

    #[test]
    fn blind_acceptance_flags() {
        assert!(!flag_blind(1, 1));
        assert!(flag_blind(2, 2));
        assert!(flag_blind(4, 2));
        assert!(!flag_blind(5, 2));
        assert!(!flag_blind(10, 0));
    }

    #[test]
    fn policy_checks() {
        let s = choice();
        let mut p = SuggestionPolicy {
            trust: 1.5,
            ..Default::default()
        };
        assert!(p.validate(&s).is_err());
        p.trust = 0.9;
        assert!(p.validate(&s).is_ok());
        p.questions = vec!["nope".into()];
        assert!(p.validate(&s).is_err());
        let d: Vec<f64> = (0..1000).map(|i| draw(7, i)).collect();
        assert!(d.iter().all(|x| (0.0..1.0).contains(x)));
        let low = d.iter().filter(|x| **x < 0.5).count();
        assert!((400..600).contains(&low), "{low}");
    }

    #[test]
    fn the_models_accuracy_and_its_vote() {
        assert!((model_accuracy(0, 0) - 0.8).abs() < 1e-12);
        assert!((model_accuracy(10, 10) - 14.0 / 15.0).abs() < 1e-12);
        assert!(model_accuracy(20, 5) < 0.5);
        let mut p = SuggestionPolicy::default();
        assert_eq!(vote_accuracy(Some(&p), 0.9), None, "trust 0: never votes");
        p.trust = 0.85;
        assert_eq!(vote_accuracy(Some(&p), 0.9), Some(0.85));
        assert_eq!(vote_accuracy(Some(&p), 0.6), Some(0.6));
        assert_eq!(vote_accuracy(None, 0.9), None);
    }
}
