//! A ranking of an item's answers (an LLM's responses), best first, by field:
//! `{"order": [["response_3"], ["response_1", "response_2"]]}`. Each group is one place;
//! a group of two or more is a tie, allowed only with `settings.ties`. The fields ranked
//! are `settings.rank`: 2 to 7 Markdown fields of the template.
//!
//! - Consensus: a weighted Borda count. Each answer gives every field one point per field it
//!   ranks below it and half a point per field tied with it; each rater weighs as much as
//!   the log-odds of their getting one pairwise preference right ([`Voters::weight_of`] with
//!   two options, since a Borda point is a pairwise preference). The agreed order sorts the
//!   fields by points; equal points make a tie. The top is clear when the raters agree on
//!   it: the confidence is the weighted share of raters whose best group is exactly the
//!   agreed best group. The answers settle when that share is more than half: one answer is
//!   agreed with itself (confidence 1), so with overlap 1 an item resolves as any kind's
//!   does; two raters who put different answers first give a tie at the top, confidence 0,
//!   and the item never resolves on them: it asks for more labels, then goes to a lead.
//! - Score against gold: Kendall's tau-b between the answer and the gold ranking, mapped to
//!   0..1 by `(tau + 1) / 2`. It passes at 0.8 or more: for three answers only the exact
//!   order; for four, one swapped neighbouring pair (0.83); for five, up to two (0.8): the
//!   best answers still come near the top, while a reversed pair among three does not.
//! - Agreement: the mean Kendall's tau-b over every pair of answers on the same item, over
//!   the order (−1 reversed … 1 the same; `None` when no item has two answers).

use std::collections::HashSet;

use serde_json::{Value, json};

use super::{Agreed, QuestionKind, Voters, bad};
use crate::ValidationError;
use crate::template::{FieldDef, FieldKind, Question, Settings};

pub(crate) struct Ranking;

/// The fewest and most answers ranked.
const MIN_RANKED: usize = 2;
const MAX_RANKED: usize = 7;

/// The score a ranking passes at (see the module's words).
const PASS: f64 = 0.8;

impl Ranking {
    /// Each ranked field's place (0 best; tied fields share a place), in `settings.rank`'s
    /// order; `None` unless the answer is a full ranking of exactly those fields.
    fn places(q: &Question, answer: &Value) -> Option<Vec<usize>> {
        let fields = &q.settings.rank;
        let groups = answer.get("order")?.as_array()?;
        let mut place = vec![usize::MAX; fields.len()];
        for (g, group) in groups.iter().enumerate() {
            let group = group.as_array()?;
            if group.is_empty() {
                return None;
            }
            for f in group {
                let i = fields.iter().position(|x| Some(x.as_str()) == f.as_str())?;
                if place[i] != usize::MAX {
                    return None;
                }
                place[i] = g;
            }
        }
        place.iter().all(|p| *p != usize::MAX).then_some(place)
    }

    /// Borda points of each field from its places: one per field below, a half per tie.
    fn borda(places: &[usize]) -> Vec<f64> {
        places
            .iter()
            .map(|p| {
                places
                    .iter()
                    .map(|o| {
                        if o > p {
                            1.0
                        } else if o == p {
                            0.5
                        } else {
                            0.0
                        }
                    })
                    .sum::<f64>()
                    - 0.5
            })
            .collect()
    }

    /// An order (groups best first) from places.
    fn order(q: &Question, places: &[usize]) -> Value {
        let mut distinct: Vec<usize> = places.to_vec();
        distinct.sort_unstable();
        distinct.dedup();
        let groups: Vec<Vec<&str>> = distinct
            .iter()
            .map(|d| {
                q.settings
                    .rank
                    .iter()
                    .zip(places)
                    .filter(|(_, p)| *p == d)
                    .map(|(f, _)| f.as_str())
                    .collect()
            })
            .collect();
        json!({ "order": groups })
    }
}

/// Kendall's tau-b between two rankings given as places (ties allowed). Both all tied
/// count as the same (1); one all tied and the other not as unrelated (0).
pub(crate) fn kendall_tau_b(a: &[usize], b: &[usize]) -> f64 {
    let (mut concordant, mut discordant, mut ties_a, mut ties_b) = (0f64, 0f64, 0f64, 0f64);
    for i in 0..a.len() {
        for j in i + 1..a.len() {
            let da = a[i].cmp(&a[j]);
            let db = b[i].cmp(&b[j]);
            match (da.is_eq(), db.is_eq()) {
                (true, true) => {}
                (true, false) => ties_a += 1.0,
                (false, true) => ties_b += 1.0,
                (false, false) if da == db => concordant += 1.0,
                (false, false) => discordant += 1.0,
            }
        }
    }
    let n_a = concordant + discordant + ties_b; // pairs a orders
    let n_b = concordant + discordant + ties_a; // pairs b orders
    if n_a == 0.0 && n_b == 0.0 {
        return 1.0;
    }
    if n_a == 0.0 || n_b == 0.0 {
        return 0.0;
    }
    (concordant - discordant) / (n_a * n_b).sqrt()
}

impl QuestionKind for Ranking {
    /// Placing each ranked response once they are read.
    fn answer_seconds(&self, q: &Question) -> u32 {
        2 + 3 * q.settings.rank.len() as u32
    }

    fn check(
        &self,
        q: &Question,
        at: &str,
        _hotkeys: &mut HashSet<char>,
    ) -> Result<(), ValidationError> {
        if !q.options.is_empty() {
            return Err(ValidationError::at(
                format!("{at}.options"),
                "a ranking ranks fields (settings.rank), not options",
            ));
        }
        let only = Settings {
            rank: q.settings.rank.clone(),
            ties: q.settings.ties,
            ..Settings::default()
        };
        if q.settings != only {
            return Err(ValidationError::at(
                format!("{at}.settings"),
                "a ranking takes only rank (the fields ranked) and ties",
            ));
        }
        Ok(())
    }

    fn check_fields(
        &self,
        q: &Question,
        at: &str,
        fields: &[FieldDef],
    ) -> Result<(), ValidationError> {
        let rank = &q.settings.rank;
        let p = format!("{at}.settings.rank");
        if rank.len() < MIN_RANKED || rank.len() > MAX_RANKED {
            return Err(ValidationError::at(
                p,
                format!("a ranking ranks {MIN_RANKED} to {MAX_RANKED} Markdown fields"),
            ));
        }
        let mut seen = HashSet::new();
        for (i, name) in rank.iter().enumerate() {
            if !seen.insert(name.as_str()) {
                return Err(ValidationError::at(
                    format!("{p}[{i}]"),
                    format!("field {name:?} is ranked twice"),
                ));
            }
            match fields.iter().find(|f| &f.name == name) {
                None => {
                    return Err(ValidationError::at(
                        format!("{p}[{i}]"),
                        format!("there is no field {name:?}"),
                    ));
                }
                Some(f) if f.kind != FieldKind::Markdown => {
                    return Err(ValidationError::at(
                        format!("{p}[{i}]"),
                        format!("a ranking ranks Markdown fields; {name:?} is not one"),
                    ));
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// Checks the answer is a permutation of the ranked fields in groups, ties only where
    /// allowed; returns it with each group in the template's order of fields.
    fn parse(
        &self,
        q: &Question,
        value: &Value,
        _image: Option<(i64, i64)>,
    ) -> Result<Value, ValidationError> {
        let n = q.settings.rank.len();
        let shape = value
            .as_object()
            .filter(|o| o.len() == 1 && o.contains_key("order"))
            .is_some();
        if !shape {
            return Err(bad(
                "a ranking is {\"order\": [[\"response_2\"], [\"response_1\"]]}, best first",
            ));
        }
        let Some(places) = Self::places(q, value) else {
            return Err(bad(format!(
                "a ranking that is not a permutation: name each of the {n} answers exactly once"
            )));
        };
        let groups = value["order"].as_array().map_or(0, Vec::len);
        if groups < n && !q.settings.ties {
            return Err(bad("this ranking allows no ties: one answer per place"));
        }
        Ok(Self::order(q, &places))
    }

    fn score(&self, q: &Question, answer: &Value, gold: &Value) -> f64 {
        match (Self::places(q, answer), Self::places(q, gold)) {
            (Some(a), Some(g)) => ((kendall_tau_b(&a, &g) + 1.0) / 2.0).clamp(0.0, 1.0),
            _ => 0.0,
        }
    }

    fn passes(&self, _q: &Question, score: f64) -> bool {
        score >= PASS - 1e-9
    }

    fn consensus(&self, q: &Question, answers: &[Value], voters: Voters<'_>) -> Agreed {
        let n = q.settings.rank.len();
        let ranked: Vec<(Vec<usize>, f64)> = answers
            .iter()
            .zip(voters.index)
            .filter_map(|(a, w)| {
                let weight = voters.weight_of(*w, 2).max(1e-6);
                Some((Self::places(q, a)?, weight))
            })
            .collect();
        if ranked.is_empty() {
            return Agreed {
                answer: None,
                confidence: 0.0,
                settles: true,
            };
        }
        let mut points = vec![0.0f64; n];
        for (places, weight) in &ranked {
            for (p, b) in points.iter_mut().zip(Self::borda(places)) {
                *p += weight * b;
            }
        }
        // Places from points: fields with (nearly) equal points share a place.
        let total: f64 = ranked.iter().map(|(_, w)| w).sum();
        let eps = 1e-9 * total.max(1.0);
        let mut sorted: Vec<f64> = points.clone();
        sorted.sort_by(|a, b| b.total_cmp(a));
        sorted.dedup_by(|a, b| (*a - *b).abs() <= eps);
        let places: Vec<usize> = points
            .iter()
            .map(|p| {
                sorted
                    .iter()
                    .position(|s| (s - p).abs() <= eps)
                    .unwrap_or(0)
            })
            .collect();
        let top: Vec<bool> = places.iter().map(|p| *p == 0).collect();
        let agree: f64 = ranked
            .iter()
            .filter(|(pl, _)| {
                let best = pl.iter().min().copied().unwrap_or(0);
                pl.iter().map(|p| *p == best).eq(top.iter().copied())
            })
            .map(|(_, w)| w)
            .sum();
        let confidence = agree / total;
        Agreed {
            answer: Some(Self::order(q, &places)),
            confidence,
            settles: confidence > 0.5 + 1e-9,
        }
    }

    fn agreement(&self, q: &Question, items: &[Vec<Value>]) -> Option<f64> {
        let mut sum = 0.0;
        let mut pairs = 0usize;
        for answers in items {
            let ranked: Vec<Vec<usize>> =
                answers.iter().filter_map(|a| Self::places(q, a)).collect();
            for i in 0..ranked.len() {
                for j in i + 1..ranked.len() {
                    sum += kendall_tau_b(&ranked[i], &ranked[j]);
                    pairs += 1;
                }
            }
        }
        (pairs > 0).then(|| sum / pairs as f64)
    }

    /// `response_3 > response_1 = response_2`.
    fn cell(&self, _q: &Question, answer: &Value) -> String {
        answer["order"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|g| super::strings(g).collect::<Vec<_>>().join(" = "))
            .collect::<Vec<_>>()
            .join(" > ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::Template;

    fn template(ties: bool) -> Template {
        serde_json::from_value(json!({
            "layout": "side_by_side",
            "fields": [
                {"name": "prompt", "kind": "conversation"},
                {"name": "response_1", "kind": "markdown"},
                {"name": "response_2", "kind": "markdown"},
                {"name": "response_3", "kind": "markdown"}],
            "questions": [{"key": "rank", "kind": "ranking", "title_zh": "排序",
                "settings": {"rank": ["response_1", "response_2", "response_3"], "ties": ties}}]
        }))
        .unwrap()
    }

    fn order(groups: &[&[&str]]) -> Value {
        json!({ "order": groups })
    }

    #[test]
    fn check_refuses_unknown_and_non_markdown_fields() {
        template(false).validate().unwrap();
        let mut t = template(false);
        t.questions[0].settings.rank[2] = "nope".into();
        let e = t.validate().unwrap_err();
        assert_eq!(e.field, "template.questions[0].settings.rank[2]");
        let mut t = template(false);
        t.questions[0].settings.rank[0] = "prompt".into();
        assert!(t.validate().unwrap_err().message.contains("Markdown"));
        let mut t = template(false);
        t.questions[0].settings.rank.truncate(1);
        assert!(t.validate().is_err());
        let mut t = template(false);
        t.questions[0].settings.rank[1] = "response_1".into();
        assert!(t.validate().unwrap_err().message.contains("twice"));
        let mut t = template(false);
        t.questions[0].settings.max = Some(3.0);
        assert_eq!(
            t.validate().unwrap_err().field,
            "template.questions[0].settings"
        );
    }

    #[test]
    fn parse_takes_permutations_only() {
        let t = template(false);
        let q = &t.questions[0];
        let ok = Ranking
            .parse(
                q,
                &order(&[&["response_3"], &["response_1"], &["response_2"]]),
                None,
            )
            .unwrap();
        assert_eq!(
            ok,
            order(&[&["response_3"], &["response_1"], &["response_2"]])
        );
        for bad in [
            order(&[&["response_3"], &["response_1"]]),
            order(&[&["response_3"], &["response_1"], &["response_1"]]),
            order(&[
                &["response_3"],
                &["response_1"],
                &["response_2"],
                &["response_4"],
            ]),
            order(&[&["response_3"], &[], &["response_1", "response_2"]]),
            json!({"order": [["response_3"], ["response_1"], [2]]}),
        ] {
            let e = Ranking.parse(q, &bad, None).unwrap_err();
            assert!(
                e.message.contains("not a permutation"),
                "{bad}: {}",
                e.message
            );
        }
        assert!(Ranking.parse(q, &json!(["response_1"]), None).is_err());
        let tie = order(&[&["response_3"], &["response_2", "response_1"]]);
        assert!(
            Ranking
                .parse(q, &tie, None)
                .unwrap_err()
                .message
                .contains("no ties")
        );
        let t = template(true);
        assert_eq!(
            Ranking.parse(&t.questions[0], &tie, None).unwrap(),
            order(&[&["response_3"], &["response_1", "response_2"]])
        );
        // through the whole template, under the question's key
        let e = t
            .parse(&json!({"rank": order(&[&["response_1"]])}), &|_| None)
            .unwrap_err();
        assert_eq!(e.field, "answer.rank");
    }

    #[test]
    fn tau_b_and_score() {
        assert_eq!(kendall_tau_b(&[0, 1, 2], &[0, 1, 2]), 1.0);
        assert_eq!(kendall_tau_b(&[0, 1, 2], &[2, 1, 0]), -1.0);
        assert!((kendall_tau_b(&[0, 1, 2], &[1, 0, 2]) - 1.0 / 3.0).abs() < 1e-12);
        // ties: a = (0, 1, 1), b = (0, 1, 2): 2 concordant, one tie in a
        let t = kendall_tau_b(&[0, 1, 1], &[0, 1, 2]);
        assert!((t - 2.0 / (2.0f64 * 3.0).sqrt()).abs() < 1e-12, "{t}");
        let tp = template(false);
        let q = &tp.questions[0];
        let gold = order(&[&["response_3"], &["response_1"], &["response_2"]]);
        assert_eq!(Ranking.score(q, &gold, &gold), 1.0);
        let swapped = order(&[&["response_1"], &["response_3"], &["response_2"]]);
        let s = Ranking.score(q, &swapped, &gold);
        assert!((s - 2.0 / 3.0).abs() < 1e-12);
        assert!(!Ranking.passes(q, s));
        assert!(Ranking.passes(q, 1.0));
        let reversed = order(&[&["response_2"], &["response_1"], &["response_3"]]);
        assert_eq!(Ranking.score(q, &reversed, &gold), 0.0);
        assert_eq!(Ranking.score(q, &json!("x"), &gold), 0.0);
        assert!(tp.agrees(&json!({"rank": gold.clone()}), &json!({"rank": gold})));
    }

    #[test]
    fn consensus_is_a_weighted_borda() {
        let t = template(true);
        let q = &t.questions[0];
        let a = order(&[&["response_3"], &["response_1"], &["response_2"]]);
        let b = order(&[&["response_3"], &["response_2"], &["response_1"]]);
        let c = order(&[&["response_1"], &["response_3"], &["response_2"]]);
        // one answer: itself, sure
        let one = Ranking.consensus(q, std::slice::from_ref(&a), Voters::equal(&[0]));
        assert_eq!(one.answer, Some(a.clone()));
        assert_eq!(one.confidence, 1.0);
        // two who agree on the top, not below: the top is clear, 1 and 2 tie
        let two = Ranking.consensus(q, &[a.clone(), b.clone()], Voters::equal(&[0, 1]));
        assert_eq!(
            two.answer,
            Some(order(&[&["response_3"], &["response_1", "response_2"]]))
        );
        assert_eq!(two.confidence, 1.0);
        // two who disagree on the top: a tie at the top, nobody agrees with it
        let split = Ranking.consensus(q, &[a.clone(), c.clone()], Voters::equal(&[0, 1]));
        assert_eq!(
            split.answer,
            Some(order(&[&["response_1", "response_3"], &["response_2"]]))
        );
        assert_eq!(split.confidence, 0.0);
        assert!(!split.settles && two.settles && one.settles);
        // a third decides; a trusted rater outweighs two careless ones
        let three = Ranking.consensus(
            q,
            &[a.clone(), c.clone(), b.clone()],
            Voters::equal(&[0, 1, 2]),
        );
        assert_eq!(three.answer, Some(a.clone()));
        assert!((three.confidence - 2.0 / 3.0).abs() < 1e-9);
        assert!(three.settles);
        let skilled = Voters {
            index: &[0, 1, 2],
            accuracy: &[0.55, 0.55, 0.97],
        };
        let s = Ranking.consensus(q, &[a.clone(), b.clone(), c.clone()], skilled);
        assert_eq!(s.answer.unwrap()["order"][0], json!(["response_1"]));
        let t2 = template(false);
        let e = Ranking.consensus(&t2.questions[0], &[json!("junk")], Voters::equal(&[0]));
        assert_eq!(e.answer, None);
    }

    #[test]
    fn agreement_and_cells() {
        let t = template(true);
        let q = &t.questions[0];
        let a = order(&[&["response_3"], &["response_1"], &["response_2"]]);
        let r = order(&[&["response_2"], &["response_1"], &["response_3"]]);
        assert_eq!(
            Ranking.agreement(q, &[vec![a.clone(), a.clone()]]),
            Some(1.0)
        );
        assert_eq!(
            Ranking.agreement(q, &[vec![a.clone(), a.clone()], vec![a.clone(), r.clone()]]),
            Some(0.0)
        );
        assert_eq!(Ranking.agreement(q, &[vec![a.clone()]]), None);
        let tie = order(&[&["response_3"], &["response_1", "response_2"]]);
        assert_eq!(
            Ranking.cell(q, &tie),
            "response_3 > response_1 = response_2"
        );
        assert_eq!(
            t.cells(&json!({ "rank": a })),
            vec!["response_3 > response_1 > response_2".to_owned()]
        );
    }
}
