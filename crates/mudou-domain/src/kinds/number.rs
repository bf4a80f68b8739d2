//! A number with a range and a unit (a receipt's total in 元, a speed in km/h): `12.5`.
//! The consensus is the median; answers agree within the question's tolerance.

use std::collections::HashSet;

use serde_json::Value;

use super::rating::weighted_median;
use super::{Agreed, QuestionKind, Voters, bad};
use crate::ValidationError;
use crate::template::Question;

pub(crate) struct Number;

impl Number {
    fn range(q: &Question) -> (f64, f64) {
        (q.settings.min.unwrap_or(0.0), q.settings.max.unwrap_or(0.0))
    }

    fn tolerance(q: &Question) -> f64 {
        q.settings.tolerance.unwrap_or(0.0)
    }

    fn near(q: &Question, a: f64, b: f64) -> bool {
        (a - b).abs() <= Self::tolerance(q) + 1e-9 * a.abs().max(b.abs()).max(1.0)
    }
}

impl QuestionKind for Number {
    fn check(
        &self,
        q: &Question,
        at: &str,
        _hotkeys: &mut HashSet<char>,
    ) -> Result<(), ValidationError> {
        let s = &q.settings;
        let p = format!("{at}.settings");
        if !q.options.is_empty() {
            return Err(ValidationError::at(
                format!("{at}.options"),
                "a number question has no options",
            ));
        }
        let (Some(min), Some(max)) = (s.min, s.max) else {
            return Err(ValidationError::at(
                p,
                "a number question needs min and max",
            ));
        };
        if !(min.is_finite() && max.is_finite() && min < max && max - min <= 1e12) {
            return Err(ValidationError::at(p, "min is below max (both finite)"));
        }
        if let Some(step) = s.step
            && !(step.is_finite() && step > 0.0 && step <= max - min)
        {
            return Err(ValidationError::at(
                p,
                "a step is positive and fits the range",
            ));
        }
        if let Some(t) = s.tolerance
            && !(t.is_finite() && t >= 0.0 && t <= max - min)
        {
            return Err(ValidationError::at(
                p,
                "a tolerance is 0 or more, within the range",
            ));
        }
        if s.unit.as_ref().is_some_and(|u| u.chars().count() > 10) {
            return Err(ValidationError::at(p, "a unit is at most 10 characters"));
        }
        if s.max_chars.is_some() || !s.attributes.is_empty() {
            return Err(ValidationError::at(
                p,
                "a number takes min, max, step, unit and tolerance",
            ));
        }
        Ok(())
    }

    fn parse(
        &self,
        q: &Question,
        value: &Value,
        _image: Option<(i64, i64)>,
    ) -> Result<Value, ValidationError> {
        let x = value
            .as_f64()
            .filter(|x| x.is_finite())
            .ok_or_else(|| bad("the answer is a number"))?;
        let (min, max) = Self::range(q);
        if x < min || x > max {
            return Err(bad(format!("the number is between {min} and {max}")));
        }
        if let Some(step) = q.settings.step {
            let k = ((x - min) / step).round();
            if ((min + k * step) - x).abs() > step * 1e-6 {
                return Err(bad(format!("the number goes in steps of {step}")));
            }
        }
        Ok(value.clone())
    }

    fn score(&self, q: &Question, answer: &Value, gold: &Value) -> f64 {
        let (Some(a), Some(g)) = (answer.as_f64(), gold.as_f64()) else {
            return 0.0;
        };
        if Self::near(q, a, g) {
            return 1.0;
        }
        let (min, max) = Self::range(q);
        (1.0 - (a - g).abs() / (max - min).max(f64::MIN_POSITIVE)).clamp(0.0, 1.0) * 0.99
    }

    /// Right only within the tolerance (every score outside it is below 0.99).
    fn passes(&self, _q: &Question, score: f64) -> bool {
        score >= 1.0 - 1e-9
    }

    /// The median, each answer weighed by its worker's skill; the item settles when more
    /// than half the weight lies within the tolerance of it.
    fn consensus(&self, q: &Question, answers: &[Value], voters: Voters<'_>) -> Agreed {
        let xs: Vec<(f64, f64)> = answers
            .iter()
            .zip(voters.index)
            .filter_map(|(a, w)| Some((a.as_f64()?, voters.weight_of(*w, 2))))
            .collect();
        let Some(m) = weighted_median(&xs) else {
            return Agreed {
                answer: None,
                confidence: 0.0,
                settles: true,
            };
        };
        let total: f64 = xs.iter().map(|(_, w)| w).sum();
        let near: f64 = xs
            .iter()
            .filter(|(x, _)| Self::near(q, *x, m))
            .map(|(_, w)| w)
            .sum();
        let share = near / total;
        let answer = answers
            .iter()
            .find(|a| a.as_f64() == Some(m))
            .cloned()
            .unwrap_or(Value::from(m));
        Agreed {
            answer: Some(answer),
            confidence: share,
            settles: share > 0.5,
        }
    }

    /// Krippendorff's alpha with the interval metric.
    fn agreement(&self, _q: &Question, items: &[Vec<Value>]) -> Option<f64> {
        let units: Vec<Vec<f64>> = items
            .iter()
            .map(|a| a.iter().filter_map(Value::as_f64).collect())
            .collect();
        mudou_consensus::agreement::krippendorff_alpha_interval(&units)
    }

    fn cell(&self, _q: &Question, answer: &Value) -> String {
        match answer {
            Value::Number(n) => n.to_string(),
            _ => String::new(),
        }
    }
}
