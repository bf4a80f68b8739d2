//! A rating: one of 1..N ordered steps, each with a word and an icon (`4` of five stars).
//! Answers are ordered, so the consensus is their (weighted) median and the agreement is
//! Krippendorff's alpha with the ordinal metric.

use std::collections::HashSet;

use serde_json::Value;

use super::{Agreed, QuestionKind, Voters, bad, options_between};
use crate::ValidationError;
use crate::template::{Question, check_options};

pub(crate) struct Rating;

/// The most steps of a rating.
const MAX_STEPS: usize = 10;

impl Rating {
    fn step(q: &Question, v: &Value) -> Option<usize> {
        v.as_u64()
            .map(|s| s as usize)
            .filter(|s| (1..=q.options.len()).contains(s))
    }

    fn tolerance(q: &Question) -> f64 {
        q.settings.tolerance.unwrap_or(0.0)
    }
}

/// The weighted median of `values` (the lower one on a tie of halves).
pub(crate) fn weighted_median(values: &[(f64, f64)]) -> Option<f64> {
    let mut v: Vec<(f64, f64)> = values
        .iter()
        .copied()
        .filter(|(x, w)| x.is_finite() && *w > 0.0)
        .collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = v.iter().map(|(_, w)| w).sum();
    let mut acc = 0.0;
    for (x, w) in &v {
        acc += w;
        if acc >= total / 2.0 - 1e-12 {
            return Some(*x);
        }
    }
    v.last().map(|(x, _)| *x)
}

impl QuestionKind for Rating {
    fn check(
        &self,
        q: &Question,
        at: &str,
        hotkeys: &mut HashSet<char>,
    ) -> Result<(), ValidationError> {
        if q.options.len() < 2 || q.options.len() > MAX_STEPS {
            return Err(ValidationError::at(
                format!("{at}.options"),
                format!("a rating has 2 to {MAX_STEPS} steps, each with a word"),
            ));
        }
        options_between(q, at, 2)?;
        let s = &q.settings;
        let t = s.tolerance.unwrap_or(0.0);
        if s.min.is_some()
            || s.max.is_some()
            || s.step.is_some()
            || s.unit.is_some()
            || s.max_chars.is_some()
            || !s.attributes.is_empty()
            || !(0.0..q.options.len() as f64).contains(&t)
            || t.fract() != 0.0
        {
            return Err(ValidationError::at(
                format!("{at}.settings"),
                "a rating takes only a tolerance, in whole steps",
            ));
        }
        check_options(&q.options, &format!("{at}.options"), hotkeys)
    }

    fn conditions(&self) -> bool {
        true
    }

    fn option_of(&self, q: &Question, key: &str) -> Option<usize> {
        q.option_index(key)
    }

    /// The step's option key (so a condition names the step by its key).
    fn chosen(&self, q: &Question, answer: &Value) -> Vec<String> {
        Self::step(q, answer)
            .map(|s| vec![q.options[s - 1].key.clone()])
            .unwrap_or_default()
    }

    fn parse(
        &self,
        q: &Question,
        value: &Value,
        _image: Option<(i64, i64)>,
    ) -> Result<Value, ValidationError> {
        Self::step(q, value).map(Value::from).ok_or_else(|| {
            bad(format!(
                "a rating is a whole step from 1 to {}",
                q.options.len()
            ))
        })
    }

    fn score(&self, q: &Question, answer: &Value, gold: &Value) -> f64 {
        match (Self::step(q, answer), Self::step(q, gold)) {
            (Some(a), Some(g)) => 1.0 - a.abs_diff(g) as f64 / (q.options.len().max(2) - 1) as f64,
            _ => 0.0,
        }
    }

    fn passes(&self, q: &Question, score: f64) -> bool {
        let steps = (q.options.len().max(2) - 1) as f64;
        (1.0 - score) * steps <= Self::tolerance(q) + 1e-9
    }

    /// The median step, each rater weighed by their skill; as sure as the weight of the
    /// ratings within the tolerance of it.
    fn consensus(&self, q: &Question, answers: &[Value], voters: Voters<'_>) -> Agreed {
        let k = q.options.len();
        let weighted: Vec<(f64, f64)> = answers
            .iter()
            .zip(voters.index)
            .filter_map(|(a, w)| Some((Self::step(q, a)? as f64, voters.weight_of(*w, k))))
            .collect();
        let Some(m) = weighted_median(&weighted) else {
            return Agreed {
                answer: None,
                confidence: 0.0,
                settles: true,
            };
        };
        let total: f64 = weighted.iter().map(|(_, w)| w).sum();
        let near: f64 = weighted
            .iter()
            .filter(|(s, _)| (*s - m).abs() <= Self::tolerance(q) + 1e-9)
            .map(|(_, w)| w)
            .sum();
        Agreed {
            answer: Some(Value::from(m as u64)),
            confidence: near / total,
            settles: true,
        }
    }

    fn agreement(&self, q: &Question, items: &[Vec<Value>]) -> Option<f64> {
        let k = q.options.len();
        let mut counts = vec![0u32; items.len() * k];
        for (i, answers) in items.iter().enumerate() {
            for s in answers.iter().filter_map(|a| Self::step(q, a)) {
                counts[i * k + s - 1] += 1;
            }
        }
        mudou_consensus::agreement::krippendorff_alpha_ordinal(&counts, k)
            .ok()
            .flatten()
    }

    fn cell(&self, _q: &Question, answer: &Value) -> String {
        answer.as_u64().map(|s| s.to_string()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_median_takes_the_middle_by_weight() {
        assert_eq!(
            weighted_median(&[(1.0, 1.0), (5.0, 1.0), (4.0, 1.0)]),
            Some(4.0)
        );
        assert_eq!(
            weighted_median(&[(1.0, 3.0), (5.0, 1.0), (4.0, 1.0)]),
            Some(1.0)
        );
        assert_eq!(weighted_median(&[(2.0, 1.0), (3.0, 1.0)]), Some(2.0));
        assert_eq!(weighted_median(&[]), None);
    }

    /// A rater the live consensus trusts outweighs two it does not; with everyone alike
    /// the two win.
    #[test]
    fn skilled_raters_weigh_more() {
        let q: Question = serde_json::from_value(serde_json::json!({
            "key": "stars", "kind": "rating", "title_zh": "几颗星",
            "options": (1..=5).map(|i| serde_json::json!({"key": i.to_string(), "name_zh": i.to_string()}))
                .collect::<Vec<_>>()
        }))
        .unwrap();
        let answers = [Value::from(2), Value::from(2), Value::from(5)];
        let alike = Rating.consensus(&q, &answers, Voters::equal(&[0, 1, 2]));
        assert_eq!(alike.answer, Some(Value::from(2)));
        assert!((alike.confidence - 2.0 / 3.0).abs() < 1e-9);
        let skilled = Voters {
            index: &[0, 1, 2],
            accuracy: &[0.3, 0.3, 0.95],
        };
        let c = Rating.consensus(&q, &answers, skilled);
        assert_eq!(c.answer, Some(Value::from(5)), "{c:?}");
        assert!(c.confidence > 0.75, "{c:?}");
    }
}
