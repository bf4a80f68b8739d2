//! Any number of labels per image: `{"labels": ["cat", "outdoor"]}`. Each label is its
//! own yes/no question.

use std::collections::HashSet;

use serde_json::{Value, json};

use super::{
    Agreed, Kind, QuestionKind, Voters, bad, check_plain_options, known, nominal_alpha, one_coin,
    posterior, strings,
};
use crate::template::Question;
use crate::{Answer, OrderSpec, ValidationError};

pub(crate) struct MultiLabel;

impl Kind for MultiLabel {
    fn min_labels(&self) -> usize {
        2
    }

    fn answer_key(&self) -> Option<&'static str> {
        Some("labels")
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

    fn manifest_gold(&self, _spec: &OrderSpec, gold: &Value) -> Option<Value> {
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

    fn consensus(&self, spec: &OrderSpec, answers: &[Value], voters: Voters<'_>) -> Agreed {
        // The item is as sure as its least sure label.
        let mut chosen = Vec::new();
        let mut least = 1.0f64;
        for l in &spec.labels {
            let pairs: Vec<(u32, u32)> = answers
                .iter()
                .zip(voters.index)
                .map(|(a, w)| (*w, strings(&a["labels"]).any(|x| x == l.key) as u32))
                .collect();
            let (c, conf) = posterior(2, &pairs, voters);
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

/// A template's multiple-choice question: any of the options, `["front", "side"]` (may be
/// empty: none of them).
pub(crate) struct MultiChoice;

impl MultiChoice {
    fn has(answer: &Value, key: &str) -> bool {
        strings(answer).any(|x| x == key)
    }
}

impl QuestionKind for MultiChoice {
    fn check(
        &self,
        q: &Question,
        at: &str,
        hotkeys: &mut HashSet<char>,
    ) -> Result<(), ValidationError> {
        check_plain_options(q, at, 1, hotkeys)
    }

    fn conditions(&self) -> bool {
        true
    }

    fn chosen(&self, _q: &Question, answer: &Value) -> Vec<String> {
        strings(answer).map(str::to_owned).collect()
    }

    fn parse(
        &self,
        q: &Question,
        value: &Value,
        _image: Option<(i64, i64)>,
    ) -> Result<Value, ValidationError> {
        let arr = value
            .as_array()
            .ok_or_else(|| bad("the answer is a list of option keys"))?;
        let mut out: Vec<&str> = Vec::with_capacity(arr.len());
        for v in arr {
            let k = v.as_str().ok_or_else(|| bad("each option is a key"))?;
            q.option_index(k)
                .ok_or_else(|| bad(format!("{k:?} is not one of this question's options")))?;
            if out.contains(&k) {
                return Err(bad(format!("{k:?} is given twice")));
            }
            out.push(k);
        }
        out.sort_by_key(|k| q.option_index(k));
        Ok(json!(out))
    }

    /// The share of options on which the answer and gold agree (chosen or not).
    fn score(&self, q: &Question, answer: &Value, gold: &Value) -> f64 {
        if !answer.is_array() || q.options.is_empty() {
            return 0.0;
        }
        let same = q
            .options
            .iter()
            .filter(|o| Self::has(answer, &o.key) == Self::has(gold, &o.key))
            .count();
        same as f64 / q.options.len() as f64
    }

    fn consensus(&self, q: &Question, answers: &[Value], voters: Voters<'_>) -> Agreed {
        let mut chosen = Vec::new();
        let mut least = 1.0f64;
        for o in &q.options {
            let pairs: Vec<(u32, u32)> = answers
                .iter()
                .zip(voters.index)
                .filter(|(a, _)| a.is_array())
                .map(|(a, w)| (*w, Self::has(a, &o.key) as u32))
                .collect();
            let (c, conf) = posterior(2, &pairs, voters);
            if c == 1 {
                chosen.push(o.key.clone());
            }
            least = least.min(conf);
        }
        Agreed {
            answer: Some(json!(chosen)),
            confidence: if answers.is_empty() { 0.0 } else { least },
            settles: true,
        }
    }

    /// Each option a yes/no question under one-coin Dawid–Skene over the order.
    fn batch(&self, q: &Question, items: &[Vec<(u32, Value)>], n_workers: usize) -> Vec<Agreed> {
        let mut chosen: Vec<Vec<String>> = vec![Vec::new(); items.len()];
        let mut least = vec![1.0f64; items.len()];
        for o in &q.options {
            let per = one_coin(2, items, n_workers, |a| {
                a.is_array().then(|| Self::has(a, &o.key) as usize)
            });
            for (i, r) in per.into_iter().enumerate() {
                if let Some((c, conf)) = r {
                    if c == 1 {
                        chosen[i].push(o.key.clone());
                    }
                    least[i] = least[i].min(conf);
                }
            }
        }
        items
            .iter()
            .zip(chosen.into_iter().zip(least))
            .map(|(answers, (keys, conf))| Agreed {
                answer: (!answers.is_empty()).then(|| json!(keys)),
                confidence: if answers.is_empty() { 0.0 } else { conf },
                settles: true,
            })
            .collect()
    }

    /// The mean over options of the yes/no alpha.
    fn agreement(&self, q: &Question, items: &[Vec<Value>]) -> Option<f64> {
        let alphas: Vec<f64> = q
            .options
            .iter()
            .filter_map(|o| {
                nominal_alpha(2, items, |a| {
                    a.is_array().then(|| Self::has(a, &o.key) as usize)
                })
            })
            .collect();
        (!alphas.is_empty()).then(|| alphas.iter().sum::<f64>() / alphas.len() as f64)
    }

    fn quality_options(&self, q: &Question) -> usize {
        q.options.len()
    }

    fn cell(&self, _q: &Question, answer: &Value) -> String {
        strings(answer).collect::<Vec<_>>().join(";")
    }
}
