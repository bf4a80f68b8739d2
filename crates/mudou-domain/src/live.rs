//! The consensus on the way in: after each label, the item's answer, its confidence and
//! whether it needs another label, computed from all its answers. What an answer means is
//! the kind's ([`crate::kinds`]); the state an item moves to is decided here, the same for
//! every kind.

use mudou_consensus::{Decision, OverlapPolicy};
use serde_json::Value;

use crate::kinds::Voters;
use crate::skill::WorkerRecord;
use crate::{ItemState, OrderSpec, Overlap};

/// The accuracy assumed for an annotator before their skill is estimated.
pub const DEFAULT_ACCURACY: f64 = 0.8;
/// Skips after which an item goes to the lead's review queue.
pub const MAX_SKIPS: i64 = 3;

/// The facts of an item the consensus engine decides on.
#[derive(Debug, Clone)]
pub struct ItemLabels {
    pub needed: i64,
    pub skips: i64,
    /// A gold item's known answer (JSON): the engine then only checks answers against it.
    pub gold: Option<String>,
    /// `(annotator_id, answer JSON)` of every real answer, oldest first.
    pub answers: Vec<(i64, String)>,
    /// What is known of each answer's worker (parallel to `answers`; empty when unknown:
    /// everyone is then trusted alike, at [`DEFAULT_ACCURACY`]).
    pub records: Vec<WorkerRecord>,
    /// The model's suggestion as one more voter, when the order trusts it
    /// (`SuggestionPolicy::trust` > 0) and the item has one.
    pub model: Option<ModelVote>,
}

/// A model's answer voting in the live consensus.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelVote {
    /// The suggestion (JSON), keyed by question like a label's answer.
    pub answer: String,
    /// The accuracy its vote carries: its estimated one, capped by the order's trust.
    pub accuracy: f64,
}

/// What the consensus engine decided for an item.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsensusUpdate {
    pub state: ItemState,
    pub answer: Option<String>,
    pub confidence: Option<f64>,
    /// Labels the item should get now.
    pub needed: i64,
    /// Per answer of [`ItemLabels::answers`]: whether it agrees with the final answer
    /// (for a gold item, with the gold answer). Empty while the item is open.
    pub agrees: Vec<bool>,
}

fn policy(o: &Overlap) -> OverlapPolicy {
    match *o {
        Overlap::Fixed { n } => OverlapPolicy::Fixed(n),
        Overlap::Dynamic { min, max, target } => OverlapPolicy::Dynamic { min, max, target },
    }
}

/// Dense worker indices in order of appearance.
fn worker_index(answers: &[(i64, String)]) -> Vec<u32> {
    let mut seen: Vec<i64> = Vec::new();
    answers
        .iter()
        .map(|(w, _)| match seen.iter().position(|s| s == w) {
            Some(i) => i as u32,
            None => {
                seen.push(*w);
                (seen.len() - 1) as u32
            }
        })
        .collect()
}

/// Whether each answer agrees with `reference` (a consensus or gold answer, as JSON), by
/// the order's kind.
fn agreement(spec: &OrderSpec, answers: &[Value], reference: &str) -> Vec<bool> {
    let Ok(reference) = serde_json::from_str::<Value>(reference) else {
        return vec![false; answers.len()];
    };
    answers.iter().map(|a| spec.agrees(a, &reference)).collect()
}

/// Decides an item's state after its answers changed, each worker weighed by their skill
/// on the order ([`crate::skill`]). For a gold item it only checks the answers against the
/// gold answer.
pub fn decide(spec: &OrderSpec, item: &ItemLabels) -> ConsensusUpdate {
    decide_with(spec, item, Trust::Skills)
}

/// How far the live consensus trusts each worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trust {
    /// By their estimated skill ([`ItemLabels::records`]). An item still resolves wherever
    /// [`Trust::Equal`] would resolve it on the same answer: skills can settle an item
    /// sooner and pick a better answer, never ask for more labels.
    Skills,
    /// Everyone alike, at [`DEFAULT_ACCURACY`] (the measure the skills are compared with).
    Equal,
}

/// Each dense worker's accuracy, from the answers' records (empty when unknown).
fn accuracies(item: &ItemLabels, workers: &[u32], trust: Trust) -> Vec<f64> {
    if trust == Trust::Equal || item.records.len() != item.answers.len() {
        return Vec::new();
    }
    let n = workers.iter().map(|&w| w as usize + 1).max().unwrap_or(0);
    let mut out = vec![DEFAULT_ACCURACY; n];
    for (&w, r) in workers.iter().zip(&item.records) {
        out[w as usize] = r.skill().accuracy;
    }
    out
}

/// [`decide`], trusting workers as `trust` says.
pub fn decide_with(spec: &OrderSpec, item: &ItemLabels, trust: Trust) -> ConsensusUpdate {
    let answers: Vec<Value> = item
        .answers
        .iter()
        .map(|(_, a)| serde_json::from_str(a).unwrap_or(Value::Null))
        .collect();
    if let Some(gold) = &item.gold {
        return ConsensusUpdate {
            state: ItemState::Open,
            answer: None,
            confidence: None,
            needed: item.needed,
            agrees: agreement(spec, &answers, gold),
        };
    }
    let n = item.answers.len() as u32;
    let people = worker_index(&item.answers);
    let people_accuracy = accuracies(item, &people, trust);
    // The model votes as one more worker (after everyone), only beside a person's answer
    // and only where it answers every question they did.
    let model = item.model.as_ref().filter(|_| n > 0).and_then(|m| {
        let v: Value = serde_json::from_str(&m.answer).ok()?;
        let covers = answers.iter().all(|a| {
            a.as_object()
                .is_none_or(|o| o.iter().all(|(k, x)| x.is_null() || v.get(k).is_some()))
        });
        covers.then_some((v, m.accuracy))
    });
    let (all_answers, workers, accuracy) = match &model {
        None => (answers.clone(), people.clone(), people_accuracy.clone()),
        Some((v, acc)) => {
            let next = people.iter().map(|&w| w + 1).max().unwrap_or(0);
            let mut acc_all = if people_accuracy.is_empty() {
                vec![DEFAULT_ACCURACY; next as usize]
            } else {
                people_accuracy.clone()
            };
            acc_all.push(*acc);
            let mut a = answers.clone();
            a.push(v.clone());
            let mut w = people.clone();
            w.push(next);
            (a, w, acc_all)
        }
    };
    let voters = Voters {
        index: &workers,
        accuracy: &accuracy,
    };
    let kind = spec.task_type.kind();
    let agreed = kind.consensus(spec, &all_answers, voters);
    let confidence = agreed.confidence;
    let (initial, max) = (spec.overlap.initial(), spec.overlap.max());
    // Under a dynamic overlap the model counts as one of the answers (an item it and the
    // first person agree on may settle), never as one of the people the order pays for.
    let (n_policy, policy_of) = match (&model, spec.overlap) {
        (Some(_), Overlap::Dynamic { min, max, target }) => (
            n + 1,
            OverlapPolicy::Dynamic {
                min,
                max: max + 1,
                target,
            },
        ),
        _ => (n, policy(&spec.overlap)),
    };
    // Skills (and the model) settle an item sooner than plain agreement, never later: where
    // the people weighed alike would already resolve on the same answer, the item resolves,
    // with its weighted confidence (which may be below the target: the client's results
    // and export show it, and their flag sends the item to a lead). So an order never costs
    // more labels with skills or a model than without.
    // Worked out only where the weighted rule alone would not resolve (a closure: the
    // second consensus is not on every label's path).
    let plain_resolves = || {
        (!accuracy.is_empty()) && {
            let plain = kind.consensus(
                spec,
                &answers,
                Voters {
                    index: &people,
                    accuracy: &[],
                },
            );
            plain.settles
                && plain.answer == agreed.answer
                && matches!(
                    policy(&spec.overlap).decide(n, 0, plain.confidence),
                    Decision::Resolved { .. }
                )
        }
    };
    let state = if item.skips >= MAX_SKIPS && n < initial {
        ItemState::Escalated
    } else if !agreed.settles && n >= initial {
        // People disagree on what the answer is at all (a box not matched by everyone's):
        // ask more, or a lead. Never resolved, so nobody is paid on a false consensus.
        if n >= max {
            ItemState::Escalated
        } else {
            ItemState::Open
        }
    } else {
        // The answer carries the class; the policy needs only the count and the confidence.
        match policy_of.decide(n_policy, 0, confidence) {
            Decision::Resolved { .. } => ItemState::Resolved,
            _ if plain_resolves() => ItemState::Resolved,
            Decision::Escalate { .. } => ItemState::Escalated,
            Decision::NeedMore => ItemState::Open,
        }
    };
    let answer = agreed.answer.map(|a| a.to_string());
    if state == ItemState::Open {
        ConsensusUpdate {
            state,
            answer,
            confidence: (n > 0).then_some(confidence),
            needed: (n as i64 + 1).max(item.needed).min(max as i64),
            agrees: Vec::new(),
        }
    } else {
        let agrees = match (&answer, state) {
            (Some(a), ItemState::Resolved) => agreement(spec, &answers, a),
            _ => Vec::new(),
        };
        ConsensusUpdate {
            state,
            answer,
            confidence: Some(confidence),
            needed: item.needed.max(n as i64),
            agrees,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TaskType;
    use serde_json::json;

    fn spec(task_type: TaskType, overlap: Overlap) -> OrderSpec {
        OrderSpec {
            overlap,
            ..crate::order::testing::spec(task_type, &["cat", "dog"])
        }
    }

    fn labels(answers: &[(i64, &str)], needed: i64) -> ItemLabels {
        ItemLabels {
            needed,
            skips: 0,
            gold: None,
            answers: answers.iter().map(|(w, a)| (*w, a.to_string())).collect(),
            records: Vec::new(),
            model: None,
        }
    }

    fn with_model(answers: &[(i64, &str)], needed: i64, model: &str, accuracy: f64) -> ItemLabels {
        ItemLabels {
            model: Some(ModelVote {
                answer: model.to_string(),
                accuracy,
            }),
            ..labels(answers, needed)
        }
    }

    /// The model and the first person agreeing settle an item a dynamic overlap would
    /// otherwise ask a second person for; the model alone never does, disagreeing it never
    /// costs a label, and its answer never counts in who agrees.
    #[test]
    fn the_model_votes_beside_people() {
        let s = spec(
            TaskType::SingleChoice,
            Overlap::Dynamic {
                min: 2,
                max: 4,
                target: 0.9,
            },
        );
        let cat = r#"{"label":"cat"}"#;
        let dog = r#"{"label":"dog"}"#;
        assert_eq!(decide(&s, &labels(&[(1, cat)], 2)).state, ItemState::Open);
        let u = decide(&s, &with_model(&[(1, cat)], 2, cat, 0.95));
        assert_eq!(u.state, ItemState::Resolved);
        assert_eq!(u.answer.as_deref(), Some(cat));
        assert_eq!(u.agrees, [true]);
        // A weak model is not enough.
        assert_eq!(
            decide(&s, &with_model(&[(1, cat)], 2, cat, 0.55)).state,
            ItemState::Open
        );
        // Disagreeing: more people are asked, exactly as without a model.
        let u = decide(&s, &with_model(&[(1, cat)], 2, dog, 0.95));
        assert_eq!(u.state, ItemState::Open);
        let three = [(1, cat), (2, cat), (3, cat)];
        assert_eq!(decide(&s, &labels(&three, 3)).state, ItemState::Resolved);
        assert_eq!(
            decide(&s, &with_model(&three, 3, dog, 0.95)).state,
            ItemState::Resolved
        );
        // A fixed overlap still asks its n people.
        let f = spec(TaskType::SingleChoice, Overlap::Fixed { n: 2 });
        assert_eq!(
            decide(&f, &with_model(&[(1, cat)], 2, cat, 0.95)).state,
            ItemState::Open
        );
    }

    #[test]
    fn fixed_overlap_resolves_at_n() {
        let s = spec(TaskType::SingleChoice, Overlap::Fixed { n: 3 });
        let u = decide(
            &s,
            &labels(&[(1, r#"{"label":"cat"}"#), (2, r#"{"label":"cat"}"#)], 3),
        );
        assert_eq!((u.state, u.needed), (ItemState::Open, 3));
        let u = decide(
            &s,
            &labels(
                &[
                    (1, r#"{"label":"cat"}"#),
                    (2, r#"{"label":"cat"}"#),
                    (3, r#"{"label":"dog"}"#),
                ],
                3,
            ),
        );
        assert_eq!(u.state, ItemState::Resolved);
        assert_eq!(u.answer.as_deref(), Some(r#"{"label":"cat"}"#));
        assert!(u.confidence.unwrap() > 0.7);
        assert_eq!(u.agrees, [true, true, false], "the dog answer disagrees");
    }

    #[test]
    fn dynamic_overlap_asks_for_more_until_sure_or_max() {
        let s = spec(
            TaskType::SingleChoice,
            Overlap::Dynamic {
                min: 2,
                max: 4,
                target: 0.95,
            },
        );
        let u = decide(
            &s,
            &labels(&[(1, r#"{"label":"cat"}"#), (2, r#"{"label":"dog"}"#)], 2),
        );
        assert_eq!((u.state, u.needed), (ItemState::Open, 3));
        let agree = [
            (1, r#"{"label":"cat"}"#),
            (2, r#"{"label":"cat"}"#),
            (3, r#"{"label":"cat"}"#),
        ];
        assert_eq!(decide(&s, &labels(&agree, 3)).state, ItemState::Resolved);
        let split = [
            (1, r#"{"label":"cat"}"#),
            (2, r#"{"label":"dog"}"#),
            (3, r#"{"label":"cat"}"#),
            (4, r#"{"label":"dog"}"#),
        ];
        assert_eq!(decide(&s, &labels(&split, 4)).state, ItemState::Escalated);
    }

    fn record(gold_total: i64, gold_correct: i64) -> WorkerRecord {
        WorkerRecord {
            order: crate::skill::Checked {
                gold_total,
                gold_correct,
                judged: 0,
                agreed: 0,
            },
            history: Default::default(),
        }
    }

    #[test]
    fn skilled_workers_outweigh_careless_ones_as_gold_comes_in() {
        let s = spec(
            TaskType::SingleChoice,
            Overlap::Dynamic {
                min: 2,
                max: 5,
                target: 0.9,
            },
        );
        // Two careless workers say dog, one careful worker says cat.
        let answers = [
            (1, r#"{"label":"dog"}"#),
            (2, r#"{"label":"dog"}"#),
            (3, r#"{"label":"cat"}"#),
        ];
        let mut item = labels(&answers, 3);
        let equal = decide_with(&s, &item, Trust::Equal);
        assert_eq!(equal.answer.as_deref(), Some(r#"{"label":"dog"}"#));
        // Before any gold answer, skills are the default: the same decision.
        item.records = vec![WorkerRecord::default(); 3];
        assert_eq!(decide(&s, &item), equal);
        // As gold answers come in, the careless pair lose weight and the careful one wins.
        let mut answer_at = Vec::new();
        for n in [4, 10, 30] {
            item.records = vec![record(n, n / 2), record(n, n / 2), record(n, n)];
            answer_at.push(decide(&s, &item).answer);
        }
        assert_eq!(
            answer_at.last().unwrap().as_deref(),
            Some(r#"{"label":"cat"}"#)
        );
        assert_eq!(
            answer_at[0].as_deref(),
            Some(r#"{"label":"dog"}"#),
            "4 gold answers are not enough"
        );
        // Switched off, skills change nothing.
        assert_eq!(decide_with(&s, &item, Trust::Equal), equal);
    }

    #[test]
    fn a_strong_pair_settles_sooner_than_an_unknown_one() {
        let s = spec(
            TaskType::SingleChoice,
            Overlap::Dynamic {
                min: 2,
                max: 5,
                target: 0.97,
            },
        );
        let agree = [(1, r#"{"label":"cat"}"#), (2, r#"{"label":"cat"}"#)];
        let mut item = labels(&agree, 2);
        assert_eq!(decide(&s, &item).state, ItemState::Open, "0.8 each: 0.94");
        item.records = vec![record(50, 49), record(50, 48)];
        let u = decide(&s, &item);
        assert_eq!(u.state, ItemState::Resolved, "{u:?}");
        assert!(u.confidence.unwrap() > 0.97);
    }

    #[test]
    fn a_weak_pair_costs_no_more_labels_than_plain_agreement() {
        let s = spec(
            TaskType::SingleChoice,
            Overlap::Dynamic {
                min: 2,
                max: 5,
                target: 0.9,
            },
        );
        let agree = [(1, r#"{"label":"cat"}"#), (2, r#"{"label":"cat"}"#)];
        let mut item = labels(&agree, 2);
        let equal = decide_with(&s, &item, Trust::Equal);
        assert_eq!(equal.state, ItemState::Resolved, "0.8 each: 0.94");
        // Two careless workers agree: their answer is worth less than 0.9, yet the item
        // resolves as it would with everyone alike, with the honest confidence.
        item.records = vec![record(40, 26), record(40, 25)];
        let u = decide(&s, &item);
        assert_eq!(u.state, ItemState::Resolved, "{u:?}");
        assert_eq!(u.answer, equal.answer);
        assert!(u.confidence.unwrap() < 0.9, "{u:?}");
        assert_eq!(u.agrees, [true, true]);
        // A careful worker against a careless one: skills settle what plain agreement cannot.
        let split = [(1, r#"{"label":"cat"}"#), (2, r#"{"label":"dog"}"#)];
        let mut item = labels(&split, 2);
        assert_eq!(decide_with(&s, &item, Trust::Equal).state, ItemState::Open);
        item.records = vec![record(60, 60), record(60, 30)];
        let u = decide(&s, &item);
        assert_eq!(
            (u.state, u.answer.as_deref()),
            (ItemState::Resolved, Some(r#"{"label":"cat"}"#)),
            "{u:?}"
        );
    }

    #[test]
    fn skipped_too_often_goes_to_review() {
        let s = spec(TaskType::SingleChoice, Overlap::Fixed { n: 2 });
        let mut l = labels(&[], 2);
        l.skips = 3;
        assert_eq!(decide(&s, &l).state, ItemState::Escalated);
    }

    #[test]
    fn boxes_agree_or_ask_again() {
        let s = spec(
            TaskType::Bbox,
            Overlap::Dynamic {
                min: 2,
                max: 3,
                target: 0.5,
            },
        );
        let a = r#"{"boxes":[{"label":"cat","x":10,"y":10,"w":50,"h":50}]}"#;
        let b = r#"{"boxes":[{"label":"cat","x":12,"y":11,"w":49,"h":50}]}"#;
        let u = decide(&s, &labels(&[(1, a), (2, b)], 2));
        assert_eq!(u.state, ItemState::Resolved, "{u:?}");
        assert_eq!(u.agrees, [true, true], "both match the consensus box");
        let none = r#"{"boxes":[]}"#;
        let u = decide(&s, &labels(&[(1, a), (2, none)], 2));
        assert_eq!(
            (u.state, u.needed),
            (ItemState::Open, 3),
            "they disagree on how many cats there are"
        );
    }

    #[test]
    fn an_unmatched_box_is_disagreement_not_an_empty_consensus() {
        // One careful box, one tiny wrong box: the counts match, nothing matches.
        let s = spec(TaskType::Bbox, Overlap::Fixed { n: 2 });
        let good = r#"{"boxes":[{"label":"cat","x":10,"y":10,"w":50,"h":50}]}"#;
        let tiny = r#"{"boxes":[{"label":"cat","x":200,"y":200,"w":3,"h":3}]}"#;
        let u = decide(&s, &labels(&[(1, good), (2, tiny)], 2));
        assert_eq!(u.state, ItemState::Escalated, "{u:?}");
        assert!(u.confidence.unwrap() <= 0.5, "{u:?}");
        assert!(u.agrees.is_empty(), "nobody is judged on a false consensus");
        // Under a dynamic policy it asks for more first.
        let s = spec(
            TaskType::Bbox,
            Overlap::Dynamic {
                min: 2,
                max: 3,
                target: 0.5,
            },
        );
        let u = decide(&s, &labels(&[(1, good), (2, tiny)], 2));
        assert_eq!((u.state, u.needed), (ItemState::Open, 3), "{u:?}");
        // A third who draws the good box still leaves one object disputed: a lead decides.
        let u = decide(&s, &labels(&[(1, good), (2, tiny), (3, good)], 3));
        assert_eq!(u.state, ItemState::Escalated, "{u:?}");
    }

    mod boxes_prop {
        use super::*;
        use proptest::prelude::*;

        fn a_box() -> impl Strategy<Value = (bool, f64, f64, f64, f64)> {
            (
                any::<bool>(),
                0.0..500.0f64,
                0.0..500.0f64,
                1.0..200.0f64,
                1.0..200.0f64,
            )
        }

        fn answer(boxes: &[(bool, f64, f64, f64, f64)]) -> String {
            let b: Vec<Value> = boxes
                .iter()
                .map(|(cat, x, y, w, h)| {
                    json!({"label": if *cat { "cat" } else { "dog" }, "x": x, "y": y, "w": w, "h": h})
                })
                .collect();
            json!({ "boxes": b }).to_string()
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(400))]

            /// Whatever people draw, an item resolves only when every one of them drew the
            /// same objects, and then each of them agrees with the answer; the confidence is
            /// a probability.
            #[test]
            fn resolves_only_on_unanimity(
                drawn in prop::collection::vec(prop::collection::vec(a_box(), 0..4), 1..5),
            ) {
                let n = drawn.len() as u32;
                let s = spec(TaskType::Bbox, Overlap::Fixed { n });
                let answers: Vec<(i64, String)> =
                    drawn.iter().enumerate().map(|(w, b)| (w as i64 + 1, answer(b))).collect();
                let refs: Vec<(i64, &str)> = answers.iter().map(|(w, a)| (*w, a.as_str())).collect();
                let u = decide(&s, &labels(&refs, n as i64));
                let c = u.confidence.unwrap();
                prop_assert!((0.0..=1.0).contains(&c), "{:?}", u);
                if u.state == ItemState::Resolved {
                    let counts: Vec<usize> = drawn.iter().map(Vec::len).collect();
                    prop_assert!(counts.windows(2).all(|p| p[0] == p[1]), "{:?} {:?}", counts, u);
                    prop_assert_eq!(u.agrees.len(), drawn.len());
                }
                // Somebody's box that nobody else's overlaps at all is never a consensus.
                let lonely = drawn.len() > 1 && drawn.iter().enumerate().any(|(i, mine)| {
                    mine.iter().any(|(_, x, y, w, h)| {
                        drawn.iter().enumerate().filter(|(j, _)| *j != i).all(|(_, theirs)| {
                            theirs.iter().all(|(_, x2, y2, w2, h2)| {
                                x + w <= *x2 || x2 + w2 <= *x || y + h <= *y2 || y2 + h2 <= *y
                            })
                        })
                    })
                });
                if lonely {
                    prop_assert_ne!(u.state, ItemState::Resolved, "{:?}", u);
                    prop_assert!(c < 1.0, "{:?}", u);
                }
            }

            /// The same boxes from everyone, in any order and with small jitter, resolve, and
            /// everyone is paid as agreeing.
            #[test]
            fn the_same_boxes_resolve(
                boxes in prop::collection::vec(a_box(), 0..4),
                n in 2u32..5,
                jitter in 0.0..0.5f64,
            ) {
                // Boxes far apart, so that each is its own object.
                let boxes: Vec<_> = boxes
                    .iter()
                    .enumerate()
                    .map(|(i, (c, _, _, w, h))| (*c, i as f64 * 1000.0, 0.0, w.max(20.0), h.max(20.0)))
                    .collect();
                let answers: Vec<(i64, String)> = (0..n)
                    .map(|w| {
                        let mut mine: Vec<_> = boxes
                            .iter()
                            .map(|(c, x, y, bw, bh)| (*c, x + jitter * w as f64, *y, *bw, *bh))
                            .collect();
                        let turn = w as usize % mine.len().max(1);
                        mine.rotate_left(turn);
                        (w as i64 + 1, answer(&mine))
                    })
                    .collect();
                let refs: Vec<(i64, &str)> = answers.iter().map(|(w, a)| (*w, a.as_str())).collect();
                let u = decide(&spec(TaskType::Bbox, Overlap::Fixed { n }), &labels(&refs, n as i64));
                prop_assert_eq!(u.state, ItemState::Resolved, "{:?}", u);
                prop_assert!(u.agrees.iter().all(|a| *a), "{:?}", u);
            }
        }
    }

    #[test]
    fn gold_items_are_only_checked() {
        let s = spec(TaskType::SingleChoice, Overlap::Fixed { n: 1 });
        let mut l = labels(&[(1, r#"{"label":"cat"}"#), (2, r#"{"label":"dog"}"#)], 1);
        l.gold = Some(r#"{"label":"dog"}"#.into());
        let u = decide(&s, &l);
        assert_eq!(
            (u.state, u.answer, u.agrees),
            (ItemState::Open, None, vec![false, true])
        );
    }

    #[test]
    fn multi_label_takes_each_label_on_its_own() {
        let s = spec(TaskType::MultiLabel, Overlap::Fixed { n: 3 });
        let both = r#"{"labels":["cat","dog"]}"#;
        let cat = r#"{"labels":["cat"]}"#;
        let u = decide(&s, &labels(&[(1, both), (2, cat), (3, both)], 3));
        assert_eq!(
            (u.state, u.answer.as_deref()),
            (ItemState::Resolved, Some(r#"{"labels":["cat","dog"]}"#))
        );
    }
}
