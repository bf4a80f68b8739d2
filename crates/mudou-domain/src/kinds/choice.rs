//! One label per item (an image's or a text's): `{"label": "cat"}`.

use std::collections::HashSet;

use serde_json::{Value, json};

use super::{
    Agreed, Kind, QuestionKind, Voters, bad, check_plain_options, known, nominal_alpha, one_coin,
    posterior,
};
use crate::template::Question;
use crate::{Answer, OrderSpec, ValidationError};

pub(crate) struct Choice;

impl Choice {
    fn class(spec: &OrderSpec, answer: &Value) -> Option<usize> {
        answer["label"].as_str().and_then(|k| spec.label_index(k))
    }
}

impl Kind for Choice {
    fn min_labels(&self) -> usize {
        2
    }

    fn answer_key(&self) -> Option<&'static str> {
        Some("label")
    }

    fn parse(
        &self,
        spec: &OrderSpec,
        value: &Value,
        _image: Option<(i64, i64)>,
    ) -> Result<Answer, ValidationError> {
        let label = value.as_str().ok_or_else(|| bad("label is a string"))?;
        known(spec, label)?;
        Ok(Answer::Choice {
            label: label.to_owned(),
        })
    }

    fn manifest_gold(&self, _spec: &OrderSpec, gold: &Value) -> Option<Value> {
        gold.get("label")
            .filter(|v| v.is_string())
            .map(|l| json!({"label": l}))
    }

    fn classes(&self, spec: &OrderSpec) -> Vec<String> {
        spec.labels.iter().map(|l| l.key.clone()).collect()
    }

    fn answer_classes(&self, spec: &OrderSpec, answer: &Value) -> Vec<(u32, u32)> {
        Self::class(spec, answer)
            .map(|c| vec![(0, c as u32)])
            .unwrap_or_default()
    }

    fn one_question(&self) -> bool {
        true
    }

    fn consensus(&self, spec: &OrderSpec, answers: &[Value], voters: Voters<'_>) -> Agreed {
        let pairs: Vec<(u32, u32)> = answers
            .iter()
            .zip(voters.index)
            .filter_map(|(a, w)| Self::class(spec, a).map(|c| (*w, c as u32)))
            .collect();
        if pairs.is_empty() {
            return Agreed {
                answer: None,
                confidence: 0.0,
                settles: true,
            };
        }
        let (c, confidence) = posterior(spec.labels.len(), &pairs, voters);
        Agreed {
            answer: Some(json!({"label": spec.labels[c as usize].key})),
            confidence,
            settles: true,
        }
    }

    fn keys(&self, answer: &Value) -> Vec<String> {
        answer["label"]
            .as_str()
            .map(|s| vec![s.to_owned()])
            .unwrap_or_default()
    }

    fn answer_text(&self, answer: &Value) -> String {
        answer["label"].as_str().unwrap_or_default().to_owned()
    }
}

/// A template's choice question: one option, `"car"`.
pub(crate) struct ChoiceQuestion;

impl QuestionKind for ChoiceQuestion {
    fn check(
        &self,
        q: &Question,
        at: &str,
        hotkeys: &mut HashSet<char>,
    ) -> Result<(), ValidationError> {
        check_plain_options(q, at, 2, hotkeys)
    }

    fn conditions(&self) -> bool {
        true
    }

    fn chosen(&self, _q: &Question, answer: &Value) -> Vec<String> {
        answer
            .as_str()
            .map(|s| vec![s.to_owned()])
            .unwrap_or_default()
    }

    fn parse(
        &self,
        q: &Question,
        value: &Value,
        _image: Option<(i64, i64)>,
    ) -> Result<Value, ValidationError> {
        let key = value
            .as_str()
            .ok_or_else(|| bad("the answer is an option's key"))?;
        q.option_index(key)
            .ok_or_else(|| bad(format!("{key:?} is not one of this question's options")))?;
        Ok(Value::from(key))
    }

    fn score(&self, _q: &Question, answer: &Value, gold: &Value) -> f64 {
        (answer.as_str().is_some() && answer == gold) as u8 as f64
    }

    fn consensus(&self, q: &Question, answers: &[Value], voters: Voters<'_>) -> Agreed {
        let pairs: Vec<(u32, u32)> = answers
            .iter()
            .zip(voters.index)
            .filter_map(|(a, w)| {
                a.as_str()
                    .and_then(|k| q.option_index(k))
                    .map(|c| (*w, c as u32))
            })
            .collect();
        if pairs.is_empty() {
            return Agreed {
                answer: None,
                confidence: 0.0,
                settles: true,
            };
        }
        let (c, confidence) = posterior(q.options.len(), &pairs, voters);
        Agreed {
            answer: Some(Value::from(q.options[c as usize].key.clone())),
            confidence,
            settles: true,
        }
    }

    /// One-coin Dawid–Skene over the order: a careful worker's answer weighs more.
    fn batch(&self, q: &Question, items: &[Vec<(u32, Value)>], n_workers: usize) -> Vec<Agreed> {
        one_coin(q.options.len(), items, n_workers, |a| {
            a.as_str().and_then(|k| q.option_index(k))
        })
        .into_iter()
        .map(|r| match r {
            Some((c, confidence)) => Agreed {
                answer: Some(Value::from(q.options[c].key.clone())),
                confidence,
                settles: true,
            },
            None => Agreed {
                answer: None,
                confidence: 0.0,
                settles: true,
            },
        })
        .collect()
    }

    fn agreement(&self, q: &Question, items: &[Vec<Value>]) -> Option<f64> {
        nominal_alpha(q.options.len(), items, |a| {
            a.as_str().and_then(|k| q.option_index(k))
        })
    }

    fn quality_options(&self, q: &Question) -> usize {
        q.options.len()
    }

    fn cell(&self, _q: &Question, answer: &Value) -> String {
        answer.as_str().unwrap_or_default().to_owned()
    }
}
