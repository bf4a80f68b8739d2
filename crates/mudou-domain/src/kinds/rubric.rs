//! A rubric: several axes (the options: helpful, correct, harmless, …), each rated on steps
//! `1..=settings.max` (default 5), optionally about one Markdown field.
//! `{"helpful": 4, "correct": 5}`. `settings.steps` gives the words of some or all steps,
//! `settings.examples` an example per axis, `settings.tolerance` how many steps apart
//! answers may be and still agree.
//!
//! Each axis is a rating of its own: its consensus is the raters' weighted median, as sure
//! as the weight within the tolerance of it (the item's confidence is its least sure
//! axis); the score against gold is one minus the mean distance over the axes in steps,
//! scaled to 0..1; agreement is the mean over the axes of Krippendorff's alpha with the
//! interval metric.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::rating::weighted_median;
use super::{Agreed, QuestionKind, Voters, bad, options_between};
use crate::ValidationError;
use crate::template::{FieldDef, FieldKind, Question, Settings, check_options};

pub(crate) struct Rubric;

/// The most steps and axes of a rubric.
const MAX_STEPS: u32 = 10;
const MAX_AXES: usize = 12;

impl Rubric {
    fn max(q: &Question) -> u32 {
        q.settings.max.map_or(5, |m| m as u32)
    }

    fn tolerance(q: &Question) -> f64 {
        q.settings.tolerance.unwrap_or(0.0)
    }

    fn step(q: &Question, v: Option<&Value>) -> Option<u32> {
        v?.as_u64()
            .filter(|s| (1..=Self::max(q) as u64).contains(s))
            .map(|s| s as u32)
    }
}

impl QuestionKind for Rubric {
    /// A step per axis once the text is read.
    fn answer_seconds(&self, q: &Question) -> u32 {
        3 * q.options.len().max(1) as u32
    }

    fn check(
        &self,
        q: &Question,
        at: &str,
        hotkeys: &mut HashSet<char>,
    ) -> Result<(), ValidationError> {
        options_between(q, at, 1)?;
        if q.options.len() > MAX_AXES {
            return Err(ValidationError::at(
                format!("{at}.options"),
                format!("a rubric has 1 to {MAX_AXES} axes"),
            ));
        }
        let s = &q.settings;
        let p = format!("{at}.settings");
        let only = Settings {
            max: s.max,
            tolerance: s.tolerance,
            steps: s.steps.clone(),
            examples: s.examples.clone(),
            ..Settings::default()
        };
        if *s != only {
            return Err(ValidationError::at(
                p,
                "a rubric takes only max, steps, examples and a tolerance",
            ));
        }
        if let Some(m) = s.max
            && (m.fract() != 0.0 || !(2.0..=MAX_STEPS as f64).contains(&m))
        {
            return Err(ValidationError::at(
                format!("{p}.max"),
                format!("a rubric has 2 to {MAX_STEPS} steps"),
            ));
        }
        let max = Self::max(q);
        let t = Self::tolerance(q);
        if t.fract() != 0.0 || !(0.0..max as f64).contains(&t) {
            return Err(ValidationError::at(
                format!("{p}.tolerance"),
                "a rubric's tolerance is in whole steps",
            ));
        }
        let mut values = HashSet::new();
        for (i, step) in s.steps.iter().enumerate() {
            let sp = format!("{p}.steps[{i}]");
            if !(1..=max).contains(&step.value) || !values.insert(step.value) {
                return Err(ValidationError::at(
                    format!("{sp}.value"),
                    format!("each step's words name one step, 1 to {max}, once"),
                ));
            }
            let zh = step.name_zh.trim().chars().count();
            if zh == 0 || zh > 20 || step.name_en.chars().count() > 30 {
                return Err(ValidationError::at(
                    format!("{sp}.name_zh"),
                    "a step's words are 1 to 20 characters (30 in English)",
                ));
            }
        }
        for (axis, example) in &s.examples {
            if q.option_index(axis).is_none() {
                return Err(ValidationError::at(
                    format!("{p}.examples.{axis}"),
                    format!("there is no axis {axis:?}"),
                ));
            }
            let n = example.trim().chars().count();
            if n == 0 || n > 300 {
                return Err(ValidationError::at(
                    format!("{p}.examples.{axis}"),
                    "an example is 1 to 300 characters",
                ));
            }
        }
        check_options(&q.options, &format!("{at}.options"), hotkeys)
    }

    fn check_fields(
        &self,
        q: &Question,
        at: &str,
        fields: &[FieldDef],
    ) -> Result<(), ValidationError> {
        if let Some(name) = &q.field
            && fields
                .iter()
                .any(|f| &f.name == name && !f.kind.fits(FieldKind::Markdown))
        {
            return Err(ValidationError::at(
                format!("{at}.field"),
                "a rubric is about a text or Markdown field",
            ));
        }
        Ok(())
    }

    /// Every axis a whole step in `1..=max` (axes may be left out only of an optional
    /// question); no other keys.
    fn parse(
        &self,
        q: &Question,
        value: &Value,
        _image: Option<(i64, i64)>,
    ) -> Result<Value, ValidationError> {
        let max = Self::max(q);
        let obj = value
            .as_object()
            .ok_or_else(|| bad("a rubric is {\"axis\": step, …}"))?;
        if let Some(k) = obj.keys().find(|k| q.option_index(k).is_none()) {
            return Err(bad(format!("{k:?} is not one of this rubric's axes")));
        }
        let mut out = Map::new();
        for axis in &q.options {
            match obj.get(&axis.key).filter(|v| !v.is_null()) {
                None if q.required => {
                    return Err(bad(format!("rate {:?} too", axis.key)));
                }
                None => {}
                Some(v) => {
                    let s = Self::step(q, Some(v)).ok_or_else(|| {
                        bad(format!(
                            "{:?} is rated with a whole step from 1 to {max}",
                            axis.key
                        ))
                    })?;
                    out.insert(axis.key.clone(), Value::from(s));
                }
            }
        }
        if out.is_empty() {
            return Err(bad("rate at least one axis"));
        }
        Ok(Value::Object(out))
    }

    /// One minus the mean distance over the axes gold rates, in steps scaled to 0..1 (an
    /// axis the answer leaves out counts as the farthest).
    fn score(&self, q: &Question, answer: &Value, gold: &Value) -> f64 {
        let span = (Self::max(q).max(2) - 1) as f64;
        let mut sum = 0.0;
        let mut n = 0usize;
        for axis in &q.options {
            let Some(g) = Self::step(q, gold.get(&axis.key)) else {
                continue;
            };
            n += 1;
            if let Some(a) = Self::step(q, answer.get(&axis.key)) {
                sum += 1.0 - a.abs_diff(g) as f64 / span;
            }
        }
        if n == 0 { 0.0 } else { sum / n as f64 }
    }

    /// Passes when the mean distance over the axes is within the tolerance.
    fn passes(&self, q: &Question, score: f64) -> bool {
        let span = (Self::max(q).max(2) - 1) as f64;
        (1.0 - score) * span <= Self::tolerance(q) + 1e-9
    }

    fn consensus(&self, q: &Question, answers: &[Value], voters: Voters<'_>) -> Agreed {
        let k = Self::max(q) as usize;
        let mut out = Map::new();
        let mut confidence = 1.0f64;
        for axis in &q.options {
            let weighted: Vec<(f64, f64)> = answers
                .iter()
                .zip(voters.index)
                .filter_map(|(a, w)| {
                    Some((
                        Self::step(q, a.get(&axis.key))? as f64,
                        voters.weight_of(*w, k),
                    ))
                })
                .collect();
            let Some(m) = weighted_median(&weighted) else {
                continue;
            };
            let total: f64 = weighted.iter().map(|(_, w)| w).sum();
            let near: f64 = weighted
                .iter()
                .filter(|(s, _)| (*s - m).abs() <= Self::tolerance(q) + 1e-9)
                .map(|(_, w)| w)
                .sum();
            confidence = confidence.min(near / total);
            out.insert(axis.key.clone(), Value::from(m as u64));
        }
        if out.is_empty() {
            return Agreed {
                answer: None,
                confidence: 0.0,
                settles: true,
            };
        }
        Agreed {
            answer: Some(Value::Object(out)),
            confidence,
            settles: true,
        }
    }

    fn agreement(&self, q: &Question, items: &[Vec<Value>]) -> Option<f64> {
        let alphas: Vec<f64> = per_axis(q, items).into_iter().flatten().collect();
        (!alphas.is_empty()).then(|| alphas.iter().sum::<f64>() / alphas.len() as f64)
    }

    fn agreement_parts(&self, q: &Question, items: &[Vec<Value>]) -> Vec<(String, Option<f64>)> {
        q.options
            .iter()
            .map(|o| o.key.clone())
            .zip(per_axis(q, items))
            .collect()
    }

    /// `helpful=4; correct=5`.
    fn cell(&self, q: &Question, answer: &Value) -> String {
        q.options
            .iter()
            .filter_map(|axis| {
                answer
                    .get(&axis.key)
                    .and_then(Value::as_u64)
                    .map(|s| format!("{}={s}", axis.key))
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Krippendorff's interval alpha of each axis over an order's items.
pub(crate) fn per_axis(q: &Question, items: &[Vec<Value>]) -> Vec<Option<f64>> {
    q.options
        .iter()
        .map(|axis| {
            let units: Vec<Vec<f64>> = items
                .iter()
                .map(|answers| {
                    answers
                        .iter()
                        .filter_map(|a| Rubric::step(q, a.get(&axis.key)).map(f64::from))
                        .collect()
                })
                .collect();
            mudou_consensus::agreement::krippendorff_alpha_interval(&units)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::template::Template;

    fn template() -> Template {
        serde_json::from_value(json!({
            "fields": [
                {"name": "prompt", "kind": "conversation"},
                {"name": "response_1", "kind": "markdown"}],
            "questions": [{"key": "grade", "kind": "rubric", "title_zh": "评分",
                "field": "response_1",
                "options": [
                    {"key": "helpful", "name_zh": "有用", "name_en": "Helpful"},
                    {"key": "correct", "name_zh": "正确", "name_en": "Correct"}],
                "settings": {"max": 5, "tolerance": 1,
                    "steps": [{"value": 1, "name_zh": "很差", "name_en": "Poor"},
                              {"value": 5, "name_zh": "很好", "name_en": "Great"}],
                    "examples": {"helpful": "回答了问题"}}}]
        }))
        .unwrap()
    }

    #[test]
    fn check_validates_settings() {
        template().validate().unwrap();
        let path = |f: &dyn Fn(&mut Template)| {
            let mut t = template();
            f(&mut t);
            t.validate().unwrap_err().field.into_owned()
        };
        let at = "template.questions[0]";
        assert_eq!(
            path(&|t| t.questions[0].settings.max = Some(11.0)),
            format!("{at}.settings.max")
        );
        assert_eq!(
            path(&|t| t.questions[0].settings.steps[1].value = 6),
            format!("{at}.settings.steps[1].value")
        );
        assert_eq!(
            path(&|t| t.questions[0].settings.steps[1].value = 1),
            format!("{at}.settings.steps[1].value")
        );
        assert_eq!(
            path(&|t| {
                t.questions[0]
                    .settings
                    .examples
                    .insert("nope".into(), "x".into());
            }),
            format!("{at}.settings.examples.nope")
        );
        assert_eq!(
            path(&|t| t.questions[0].settings.unit = Some("x".into())),
            format!("{at}.settings")
        );
        assert_eq!(
            path(&|t| t.questions[0].field = Some("prompt".into())),
            format!("{at}.field")
        );
    }

    #[test]
    fn parse_requires_every_axis_in_range() {
        let t = template();
        let q = &t.questions[0];
        assert_eq!(
            Rubric
                .parse(q, &json!({"helpful": 4, "correct": 5}), None)
                .unwrap(),
            json!({"helpful": 4, "correct": 5})
        );
        for bad in [
            json!({"helpful": 6, "correct": 5}),
            json!({"helpful": 0, "correct": 5}),
            json!({"helpful": 2.5, "correct": 5}),
            json!({"helpful": 4}),
            json!({"helpful": 4, "correct": 5, "fluent": 3}),
            json!(4),
        ] {
            assert!(Rubric.parse(q, &bad, None).is_err(), "{bad}");
        }
        let mut optional = q.clone();
        optional.required = false;
        assert_eq!(
            Rubric
                .parse(&optional, &json!({"helpful": 4}), None)
                .unwrap(),
            json!({"helpful": 4})
        );
        let e = t
            .parse(&json!({"grade": {"helpful": 9, "correct": 1}}), &|_| None)
            .unwrap_err();
        assert_eq!(e.field, "answer.grade");
    }

    #[test]
    fn consensus_score_agreement_cells() {
        let t = template();
        let q = &t.questions[0];
        let a = json!({"helpful": 4, "correct": 5});
        let b = json!({"helpful": 5, "correct": 1});
        let c = json!({"helpful": 4, "correct": 4});
        let one = Rubric.consensus(q, std::slice::from_ref(&a), Voters::equal(&[0]));
        assert_eq!(one.answer, Some(a.clone()));
        assert_eq!(one.confidence, 1.0);
        let three = Rubric.consensus(
            q,
            &[a.clone(), b.clone(), c.clone()],
            Voters::equal(&[0, 1, 2]),
        );
        assert_eq!(three.answer, Some(json!({"helpful": 4, "correct": 4})));
        // helpful: all within one step of 4; correct: 5 and 4 near, 1 far
        assert!((three.confidence - 2.0 / 3.0).abs() < 1e-9, "{three:?}");
        assert_eq!(Rubric.score(q, &a, &a), 1.0);
        let s = Rubric.score(q, &c, &a); // one step on one axis of two: 1 - 0.25/2
        assert!((s - 0.875).abs() < 1e-12);
        assert!(Rubric.passes(q, s));
        let s = Rubric.score(q, &b, &a); // 1 + 4 steps
        assert!(!Rubric.passes(q, s));
        assert_eq!(Rubric.score(q, &json!({}), &a), 0.0);
        assert_eq!(
            Rubric.agreement(q, &[vec![a.clone(), a.clone()], vec![c.clone(), c.clone()]]),
            Some(1.0)
        );
        let per = per_axis(q, &[vec![a.clone(), b.clone()], vec![c.clone(), c.clone()]]);
        assert_eq!(per.len(), 2);
        let mean = Rubric
            .agreement(q, &[vec![a.clone(), b.clone()], vec![c.clone(), c.clone()]])
            .unwrap();
        let want = per.iter().flatten().sum::<f64>() / 2.0;
        assert!((mean - want).abs() < 1e-12);
        assert!(mean < 0.5);
        assert_eq!(Rubric.cell(q, &a), "helpful=4; correct=5");
    }
}
