//! Any number of labels per image: `{"labels": ["cat", "outdoor"]}`. Each label is its
//! own yes/no question.

use serde_json::{Value, json};

use super::{Agreed, Kind, bad, known, posterior, strings};
use crate::{Answer, OrderSpec, ValidationError};

pub(crate) struct MultiLabel;

impl Kind for MultiLabel {
    fn min_labels(&self) -> usize {
        2
    }

    fn answer_key(&self) -> &'static str {
        "labels"
    }

    fn parse(
        &self,
        spec: &OrderSpec,
        value: &Value,
        _image: Option<(i64, i64)>,
    ) -> Result<Answer, ValidationError> {
        let arr = value.as_array().ok_or_else(|| bad("labels is a list"))?;
        let mut out: Vec<String> = Vec::with_capacity(arr.len());
        for v in arr {
            let k = v.as_str().ok_or_else(|| bad("each label is a string"))?;
            known(spec, k)?;
            if out.iter().any(|o| o == k) {
                return Err(bad(format!("{k:?} is given twice")));
            }
            out.push(k.to_owned());
        }
        // One order for the same set, whatever order it was picked in.
        out.sort_by_key(|k| spec.label_index(k));
        Ok(Answer::Multi { labels: out })
    }

    fn manifest_gold(&self, gold: &Value) -> Option<Value> {
        match gold.get("labels").and_then(Value::as_array) {
            Some(ls) if !ls.is_empty() => Some(json!({"labels": ls})),
            _ => gold
                .get("label")
                .filter(|v| v.is_string())
                .map(|l| json!({"labels": [l]})),
        }
    }

    fn classes(&self, _spec: &OrderSpec) -> Vec<String> {
        vec!["no".into(), "yes".into()]
    }

    fn answer_classes(&self, spec: &OrderSpec, answer: &Value) -> Vec<(u32, u32)> {
        if !answer["labels"].is_array() {
            return Vec::new();
        }
        spec.labels
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let yes = strings(&answer["labels"]).any(|x| x == l.key);
                (i as u32, yes as u32)
            })
            .collect()
    }

    fn consensus(&self, spec: &OrderSpec, answers: &[Value], workers: &[u32]) -> Agreed {
        // The item is as sure as its least sure label.
        let mut chosen = Vec::new();
        let mut least = 1.0f64;
        for l in &spec.labels {
            let pairs: Vec<(u32, u32)> = answers
                .iter()
                .zip(workers)
                .map(|(a, w)| (*w, strings(&a["labels"]).any(|x| x == l.key) as u32))
                .collect();
            let (c, conf) = posterior(2, &pairs);
            if c == 1 {
                chosen.push(l.key.clone());
            }
            least = least.min(conf);
        }
        Agreed {
            answer: Some(json!({ "labels": chosen })),
            confidence: if answers.is_empty() { 0.0 } else { least },
            settles: true,
        }
    }

    fn keys(&self, answer: &Value) -> Vec<String> {
        strings(&answer["labels"]).map(str::to_owned).collect()
    }

    fn answer_text(&self, answer: &Value) -> String {
        strings(&answer["labels"]).collect::<Vec<_>>().join(";")
    }
}
