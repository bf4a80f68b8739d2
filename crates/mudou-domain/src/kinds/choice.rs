//! One label per item (an image's or a text's): `{"label": "cat"}`.

use serde_json::{Value, json};

use super::{Agreed, Kind, bad, known, posterior};
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

    fn answer_key(&self) -> &'static str {
        "label"
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

    fn manifest_gold(&self, gold: &Value) -> Option<Value> {
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

    fn consensus(&self, spec: &OrderSpec, answers: &[Value], workers: &[u32]) -> Agreed {
        let pairs: Vec<(u32, u32)> = answers
            .iter()
            .zip(workers)
            .filter_map(|(a, w)| Self::class(spec, a).map(|c| (*w, c as u32)))
            .collect();
        if pairs.is_empty() {
            return Agreed {
                answer: None,
                confidence: 0.0,
                settles: true,
            };
        }
        let (c, confidence) = posterior(spec.labels.len(), &pairs);
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
