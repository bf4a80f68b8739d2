//! A pairwise preference: which of two responses of an item (two Markdown fields, by default
//! `response_1` and `response_2`) is better, or a tie, or both bad. The answer names FIELDS,
//! never screen positions: `{"winner": "response_2", "strength": 2, "reasons": {"correct":
//! "response_2"}, "shown": ["response_2", "response_1"]}`, where `shown` is the left-to-right
//! order this annotator saw (the workbench shuffles it per annotator and item). `strength`
//! (1 slightly, 2 clearly) only when the settings ask for it; `reasons` answer each axis the
//! options list (helpful, correct, …) with one of the pair or `tie`.

use std::collections::HashSet;

use serde_json::{Map, Value, json};

use super::{Agreed, QuestionKind, Voters, bad, nominal_alpha, one_coin, posterior};
use crate::ValidationError;
use crate::template::{Question, check_options};

pub(crate) struct Pairwise;

/// The outcomes besides the two responses.
const TIE: &str = "tie";
const BOTH_BAD: &str = "both_bad";
/// The keys the outcomes take on the workbench (A, B, tie, both bad).
const HOTKEYS: [char; 4] = ['1', '2', '3', '4'];
/// The most axes of reasons.
const MAX_AXES: usize = 8;

impl Pairwise {
    /// The two fields compared.
    fn pair(q: &Question) -> [&str; 2] {
        match q.settings.pair.as_slice() {
            [a, b] => [a.as_str(), b.as_str()],
            _ => ["response_1", "response_2"],
        }
    }

    /// The outcome's class: 0 and 1 the pair, 2 a tie, 3 both bad.
    fn class_of(q: &Question, winner: &str) -> Option<usize> {
        let [a, b] = Self::pair(q);
        [a, b, TIE, BOTH_BAD].iter().position(|o| *o == winner)
    }

    fn outcome(q: &Question, c: usize) -> &str {
        let [a, b] = Self::pair(q);
        [a, b, TIE, BOTH_BAD][c]
    }

    fn class(q: &Question, answer: &Value) -> Option<usize> {
        answer["winner"].as_str().and_then(|w| Self::class_of(q, w))
    }
}

impl QuestionKind for Pairwise {
    /// A side (and how strongly) once both are read.
    fn answer_seconds(&self, q: &Question) -> u32 {
        if q.settings.strength == Some(true) {
            5
        } else {
            4
        }
    }

    fn check_fields(
        &self,
        q: &Question,
        at: &str,
        fields: &[crate::template::FieldDef],
    ) -> Result<(), ValidationError> {
        for name in Self::pair(q) {
            if !fields
                .iter()
                .any(|f| f.name == name && f.kind == crate::template::FieldKind::Markdown)
            {
                return Err(ValidationError::at(
                    format!("{at}.settings.pair"),
                    format!("{name:?} is not a Markdown field of this template"),
                ));
            }
        }
        Ok(())
    }

    fn check(
        &self,
        q: &Question,
        at: &str,
        hotkeys: &mut HashSet<char>,
    ) -> Result<(), ValidationError> {
        let s = &q.settings;
        let pair_ok = s.pair.is_empty() || (s.pair.len() == 2 && s.pair[0] != s.pair[1]);
        if !pair_ok {
            return Err(ValidationError::at(
                format!("{at}.settings.pair"),
                "a pairwise question compares two different fields",
            ));
        }
        if s.min.is_some()
            || s.max.is_some()
            || s.step.is_some()
            || s.unit.is_some()
            || s.tolerance.is_some()
            || s.max_chars.is_some()
            || !s.attributes.is_empty()
        {
            return Err(ValidationError::at(
                format!("{at}.settings"),
                "a pairwise question takes only pair and strength",
            ));
        }
        if q.field.is_some() {
            return Err(ValidationError::at(
                format!("{at}.field"),
                "a pairwise question names its fields in settings.pair",
            ));
        }
        if q.options.len() > MAX_AXES {
            return Err(ValidationError::at(
                format!("{at}.options"),
                format!("a pairwise question asks reasons on at most {MAX_AXES} axes"),
            ));
        }
        if let Some(o) = q.options.iter().find(|o| o.hotkey.is_some()) {
            return Err(ValidationError::at(
                format!("{at}.options"),
                format!("axis {:?} takes no hotkey", o.key),
            ));
        }
        check_options(&q.options, &format!("{at}.options"), hotkeys)?;
        for k in HOTKEYS {
            if !hotkeys.insert(k) {
                return Err(ValidationError::at(
                    format!("{at}.kind"),
                    format!("a pairwise question takes the keys 1 to 4; {k:?} is already used"),
                ));
            }
        }
        Ok(())
    }

    fn conditions(&self) -> bool {
        true
    }

    fn option_of(&self, q: &Question, key: &str) -> Option<usize> {
        Self::class_of(q, key)
    }

    fn chosen(&self, _q: &Question, answer: &Value) -> Vec<String> {
        answer["winner"]
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
        let obj = value
            .as_object()
            .ok_or_else(|| bad("a preference is {\"winner\", \"shown\", …}"))?;
        if let Some(k) = obj
            .keys()
            .find(|k| !["winner", "strength", "reasons", "shown"].contains(&k.as_str()))
        {
            return Err(bad(format!("a preference has no {k:?}")));
        }
        let pair = Self::pair(q);
        let winner = obj
            .get("winner")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("winner is one of the two fields, \"tie\" or \"both_bad\""))?;
        if Self::class_of(q, winner).is_none() {
            return Err(bad(format!(
                "{winner:?} is not {:?}, {:?}, \"tie\" or \"both_bad\"",
                pair[0], pair[1]
            )));
        }
        let shown: Vec<&str> = match obj.get("shown").and_then(Value::as_array) {
            Some(list) => list.iter().filter_map(Value::as_str).collect(),
            None => Vec::new(),
        };
        let permutation = shown.len() == 2
            && obj["shown"].as_array().is_some_and(|l| l.len() == 2)
            && ((shown[0] == pair[0] && shown[1] == pair[1])
                || (shown[0] == pair[1] && shown[1] == pair[0]));
        if !permutation {
            return Err(bad(format!(
                "shown is the order the two fields were seen: [{:?}, {:?}] either way",
                pair[0], pair[1]
            )));
        }
        let mut out = Map::new();
        out.insert("winner".into(), Value::from(winner));
        match obj.get("strength").filter(|v| !v.is_null()) {
            None => {}
            Some(v) => {
                let n = v.as_u64().filter(|n| (1..=2).contains(n));
                match n {
                    Some(n) if q.settings.strength == Some(true) && pair.contains(&winner) => {
                        out.insert("strength".into(), Value::from(n));
                    }
                    Some(_) => {
                        return Err(bad(
                            "strength is asked only when one response wins and the question asks it",
                        ));
                    }
                    None => return Err(bad("strength is 1 (slightly) or 2 (clearly)")),
                }
            }
        }
        match obj.get("reasons").filter(|v| !v.is_null()) {
            None => {}
            Some(v) => {
                let reasons = v
                    .as_object()
                    .ok_or_else(|| bad("reasons are {axis: field or \"tie\"}"))?;
                let mut r = Map::new();
                for o in &q.options {
                    let Some(x) = reasons.get(&o.key).filter(|x| !x.is_null()) else {
                        continue;
                    };
                    let x = x.as_str().filter(|x| pair.contains(x) || *x == TIE);
                    let Some(x) = x else {
                        return Err(bad(format!(
                            "the reason {:?} is {:?}, {:?} or \"tie\"",
                            o.key, pair[0], pair[1]
                        )));
                    };
                    r.insert(o.key.clone(), Value::from(x));
                }
                if let Some(k) = reasons.keys().find(|k| q.option_index(k).is_none()) {
                    return Err(bad(format!("{k:?} is not one of this question's reasons")));
                }
                if !r.is_empty() {
                    out.insert("reasons".into(), Value::Object(r));
                }
            }
        }
        out.insert("shown".into(), json!(shown));
        Ok(Value::Object(out))
    }

    /// A gold answer names only the winner: `{"winner": "response_1"}` (no one saw it).
    fn parse_gold(
        &self,
        q: &Question,
        value: &Value,
        _image: Option<(i64, i64)>,
    ) -> Result<Value, ValidationError> {
        let w = value.get("winner").and_then(Value::as_str);
        match w {
            Some(w) if value.as_object().is_some_and(|o| o.len() == 1) => {
                if Self::class_of(q, w).is_none() {
                    return Err(bad(format!(
                        "{w:?} is not one of the pair, \"tie\" or \"both_bad\""
                    )));
                }
                Ok(json!({"winner": w}))
            }
            _ => Err(bad(
                "a gold preference is {\"winner\": field, \"tie\" or \"both_bad\"}",
            )),
        }
    }

    fn score(&self, q: &Question, answer: &Value, gold: &Value) -> f64 {
        match (Self::class(q, answer), Self::class(q, gold)) {
            (Some(a), Some(g)) => (a == g) as u8 as f64,
            _ => 0.0,
        }
    }

    fn consensus(&self, q: &Question, answers: &[Value], voters: Voters<'_>) -> Agreed {
        let pairs: Vec<(u32, u32)> = answers
            .iter()
            .zip(voters.index)
            .filter_map(|(a, w)| Self::class(q, a).map(|c| (*w, c as u32)))
            .collect();
        if pairs.is_empty() {
            return Agreed {
                answer: None,
                confidence: 0.0,
                settles: true,
            };
        }
        let (c, confidence) = posterior(4, &pairs, voters);
        Agreed {
            answer: Some(json!({"winner": Self::outcome(q, c as usize)})),
            confidence,
            settles: true,
        }
    }

    fn batch(&self, q: &Question, items: &[Vec<(u32, Value)>], n_workers: usize) -> Vec<Agreed> {
        one_coin(4, items, n_workers, |a| Self::class(q, a))
            .into_iter()
            .map(|r| match r {
                Some((c, confidence)) => Agreed {
                    answer: Some(json!({"winner": Self::outcome(q, c)})),
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
        nominal_alpha(4, items, |a| Self::class(q, a))
    }

    fn cell(&self, _q: &Question, answer: &Value) -> String {
        let winner = answer["winner"].as_str().unwrap_or_default();
        match answer["strength"].as_u64() {
            Some(1) => format!("{winner} (slightly)"),
            Some(2) => format!("{winner} (clearly)"),
            _ => winner.to_owned(),
        }
    }
}

/// How often a worker picked the response shown on the LEFT (or on top), among their
/// answers that picked one response (ties and both-bad left out).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PositionBias {
    /// Answers that picked the left one.
    pub left: u32,
    /// Answers that picked either one.
    pub picked: u32,
}

impl PositionBias {
    /// The share of picks that went left; `None` before any pick.
    pub fn share(&self) -> Option<f64> {
        (self.picked > 0).then(|| self.left as f64 / self.picked as f64)
    }
}

/// The position bias of one worker's pairwise answers (each as stored, with `shown`).
pub fn position_bias<'a>(answers: impl IntoIterator<Item = &'a Value>) -> PositionBias {
    let mut out = PositionBias { left: 0, picked: 0 };
    for a in answers {
        let (Some(w), Some(shown)) = (a["winner"].as_str(), a["shown"].as_array()) else {
            continue;
        };
        let Some(i) = shown.iter().position(|s| s.as_str() == Some(w)) else {
            continue;
        };
        out.picked += 1;
        out.left += (i == 0) as u32;
    }
    out
}

/// The position bias of one worker's answers to a template order, over its pairwise
/// questions (`answers` are whole stored answers, keyed by question); `None` when the order
/// asks no pairwise question.
pub fn order_position_bias<'a>(
    spec: &crate::OrderSpec,
    answers: impl IntoIterator<Item = &'a Value>,
) -> Option<PositionBias> {
    let keys: Vec<&str> = spec
        .template
        .as_ref()?
        .questions
        .iter()
        .filter(|q| q.kind == "pairwise")
        .map(|q| q.key.as_str())
        .collect();
    if keys.is_empty() {
        return None;
    }
    let answers: Vec<&Value> = answers.into_iter().collect();
    Some(position_bias(
        answers
            .iter()
            .flat_map(|a| keys.iter().map(move |k| &a[*k])),
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::Template;

    fn template(q: Value) -> Template {
        serde_json::from_value(json!({
            "layout": "side_by_side",
            "fields": [
                {"name": "prompt", "kind": "conversation"},
                {"name": "response_1", "kind": "markdown"},
                {"name": "response_2", "kind": "markdown"},
                {"name": "note", "kind": "text"}],
            "questions": [q]
        }))
        .unwrap()
    }

    fn question() -> Template {
        template(
            json!({"key": "better", "kind": "pairwise", "title_zh": "哪个回答更好？",
            "settings": {"strength": true},
            "options": [{"key": "correct", "name_zh": "正确"}, {"key": "helpful", "name_zh": "有用"}]}),
        )
    }

    fn ok(t: &Template, v: Value) -> Value {
        t.parse(&json!({"better": v}), &|_| None).unwrap()["better"].clone()
    }

    fn err(t: &Template, v: Value) -> String {
        t.parse(&json!({"better": v}), &|_| None)
            .unwrap_err()
            .message
    }

    #[test]
    fn check_names_markdown_fields() {
        question().validate().unwrap();
        let other = template(
            json!({"key": "better", "kind": "pairwise", "title_zh": "哪个?",
            "settings": {"pair": ["response_2", "note"]}}),
        );
        let e = other.validate().unwrap_err();
        assert_eq!(e.field, "template.questions[0].settings.pair");
        let missing = template(
            json!({"key": "better", "kind": "pairwise", "title_zh": "哪个?",
            "settings": {"pair": ["response_1", "response_9"]}}),
        );
        assert!(missing.validate().is_err());
        let same = template(
            json!({"key": "better", "kind": "pairwise", "title_zh": "哪个?",
            "settings": {"pair": ["response_1", "response_1"]}}),
        );
        assert!(same.validate().is_err());
        let swapped = template(
            json!({"key": "better", "kind": "pairwise", "title_zh": "哪个?",
            "settings": {"pair": ["response_2", "response_1"]}}),
        );
        swapped.validate().unwrap();
        let tolerance = template(
            json!({"key": "better", "kind": "pairwise", "title_zh": "哪个?",
            "settings": {"tolerance": 1}}),
        );
        assert!(tolerance.validate().is_err());
        // the keys 1-4 are the outcomes'
        let mut t = question();
        t.questions.push(
            serde_json::from_value(json!({"key": "c", "kind": "choice", "title_zh": "再问",
            "options": [{"key": "x", "name_zh": "X", "hotkey": "1"}, {"key": "y", "name_zh": "Y"}]}))
            .unwrap(),
        );
        assert!(t.validate().is_err());
    }

    #[test]
    fn parse_keeps_fields_and_refuses_others() {
        let t = question();
        let a = ok(
            &t,
            json!({"winner": "response_2", "strength": 2, "reasons": {"correct": "response_2", "helpful": "tie"},
                "shown": ["response_2", "response_1"]}),
        );
        assert_eq!(
            a,
            json!({"winner": "response_2", "strength": 2, "reasons": {"correct": "response_2", "helpful": "tie"},
                "shown": ["response_2", "response_1"]})
        );
        ok(
            &t,
            json!({"winner": "tie", "shown": ["response_1", "response_2"]}),
        );
        ok(
            &t,
            json!({"winner": "both_bad", "shown": ["response_1", "response_2"]}),
        );
        for bad in [
            json!({"winner": "response_3", "shown": ["response_1", "response_2"]}),
            json!({"winner": "a", "shown": ["response_1", "response_2"]}),
            json!({"winner": "response_1"}),
            json!({"winner": "response_1", "shown": ["response_1", "response_1"]}),
            json!({"winner": "response_1", "shown": ["response_1", "response_2", "response_2"]}),
            json!({"winner": "response_1", "shown": ["response_1", "prompt"]}),
            json!({"winner": "response_1", "strength": 3, "shown": ["response_1", "response_2"]}),
            json!({"winner": "tie", "strength": 1, "shown": ["response_1", "response_2"]}),
            json!({"winner": "response_1", "reasons": {"correct": "both_bad"}, "shown": ["response_1", "response_2"]}),
            json!({"winner": "response_1", "reasons": {"style": "tie"}, "shown": ["response_1", "response_2"]}),
            json!({"winner": "response_1", "left": 1, "shown": ["response_1", "response_2"]}),
            json!("response_1"),
        ] {
            err(&t, bad);
        }
        // no strength unless asked
        let plain = template(json!({"key": "better", "kind": "pairwise", "title_zh": "哪个?"}));
        plain.validate().unwrap();
        err(
            &plain,
            json!({"winner": "response_1", "strength": 1, "shown": ["response_1", "response_2"]}),
        );
    }

    #[test]
    fn consensus_score_agreement_cell() {
        let t = question();
        let q = &t.questions[0];
        let k = q.kind();
        let r2 =
            json!({"winner": "response_2", "strength": 2, "shown": ["response_2", "response_1"]});
        let r2b = json!({"winner": "response_2", "shown": ["response_1", "response_2"]});
        let tie = json!({"winner": "tie", "shown": ["response_1", "response_2"]});
        let c = k.consensus(
            q,
            &[r2.clone(), r2b.clone(), tie.clone()],
            Voters::equal(&[0, 1, 2]),
        );
        assert_eq!(c.answer, Some(json!({"winner": "response_2"})));
        assert!(c.confidence > 0.5);
        // a trusted worker's tie outweighs an untrusted pick
        let c = k.consensus(
            q,
            &[r2.clone(), tie.clone()],
            Voters {
                index: &[0, 1],
                accuracy: &[0.3, 0.95],
            },
        );
        assert_eq!(c.answer, Some(json!({"winner": "tie"})));
        let bb = json!({"winner": "both_bad", "shown": ["response_1", "response_2"]});
        let c = k.consensus(q, std::slice::from_ref(&bb), Voters::equal(&[0]));
        assert_eq!(c.answer, Some(json!({"winner": "both_bad"})));
        assert_eq!(k.score(q, &r2, &json!({"winner": "response_2"})), 1.0);
        assert_eq!(k.score(q, &tie, &json!({"winner": "response_2"})), 0.0);
        assert_eq!(k.score(q, &r2, &json!({"winner": "nonsense"})), 0.0);
        assert!(t.agrees(
            &json!({"better": r2b}),
            &json!({"better": {"winner": "response_2"}})
        ));
        assert_eq!(k.cell(q, &r2), "response_2 (clearly)");
        assert_eq!(k.cell(q, &tie), "tie");
        assert_eq!(k.chosen(q, &r2), vec!["response_2".to_string()]);
        let same = vec![vec![r2.clone(), r2.clone()], vec![tie.clone(), tie.clone()]];
        assert!((k.agreement(q, &same).unwrap() - 1.0).abs() < 1e-9);
        let apart = vec![vec![r2.clone(), tie.clone()], vec![tie.clone(), r2.clone()]];
        assert!(k.agreement(q, &apart).unwrap() < 0.0);
        let batch = k.batch(
            q,
            &[
                vec![(0, r2.clone()), (1, r2.clone())],
                vec![(0, bb.clone())],
                vec![],
            ],
            2,
        );
        assert_eq!(batch[0].answer, Some(json!({"winner": "response_2"})));
        assert_eq!(batch[1].answer, Some(json!({"winner": "both_bad"})));
        assert_eq!(batch[2].answer, None);
        // a condition may look at the winner
        assert_eq!(k.option_of(q, "both_bad"), Some(3));
        assert_eq!(k.option_of(q, "a"), None);
    }

    #[test]
    fn gold_names_only_the_winner() {
        let t = question();
        let q = &t.questions[0];
        let k = q.kind();
        assert_eq!(
            k.parse_gold(q, &json!({"winner": "response_1"}), None)
                .unwrap(),
            json!({"winner": "response_1"})
        );
        assert!(k.parse_gold(q, &json!({"winner": "a"}), None).is_err());
        assert!(
            k.parse_gold(q, &json!({"winner": "tie", "shown": ["x"]}), None)
                .is_err()
        );
        let mut spec = crate::order::testing::spec(crate::TaskType::Template, &[]);
        spec.template = Some(t.clone());
        let g = crate::TaskType::Template
            .kind()
            .parse_gold(&spec, &json!({"better": {"winner": "response_2"}}), &[])
            .unwrap();
        assert_eq!(g, json!({"better": {"winner": "response_2"}}));
    }

    #[test]
    fn position_bias_counts_left_picks() {
        let answers = [
            json!({"winner": "response_1", "shown": ["response_1", "response_2"]}),
            json!({"winner": "response_2", "shown": ["response_2", "response_1"]}),
            json!({"winner": "response_2", "shown": ["response_1", "response_2"]}),
            json!({"winner": "tie", "shown": ["response_1", "response_2"]}),
            json!({"winner": "both_bad", "shown": ["response_2", "response_1"]}),
            json!({"winner": "response_1"}),
        ];
        let b = position_bias(&answers);
        assert_eq!(b, PositionBias { left: 2, picked: 3 });
        assert!((b.share().unwrap() - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(position_bias(&[]).share(), None);
        let mut spec = crate::order::testing::spec(crate::TaskType::Template, &[]);
        assert_eq!(order_position_bias(&spec, &answers), None);
        spec.template = Some(question());
        let whole: Vec<Value> = answers.iter().map(|a| json!({"better": a})).collect();
        assert_eq!(
            order_position_bias(&spec, &whole),
            Some(PositionBias { left: 2, picked: 3 })
        );
    }
}
