//! Worker and order quality from the consensus engine (`mudou-consensus`): each order's
//! labels become dense `(task, worker, class)` triples; one-coin Dawid–Skene estimates each
//! worker's skill; `quality::worker_quality` gives agreement, kappa, confusion, median
//! seconds and the too-fast / spam-like flags against the items' final answers (or gold);
//! `agreement::order_agreement` gives Fleiss' kappa and Krippendorff's alpha.
//!
//! Single-choice and text orders are one question per item; multi-label orders one yes/no
//! question per item and label. Box orders have no classes to confuse: their figures come
//! from the verdicts kept by the label effects.

use std::collections::{BTreeMap, HashMap};

use mudou_consensus::agreement::{OrderAgreement, order_agreement};
use mudou_consensus::quality::{
    QualityOptions, WorkerQuality, is_too_fast, median, worker_quality,
};
use mudou_consensus::{
    Aggregation, EmOptions, Label, Labels, WorkerModel, majority_vote, one_coin_dawid_skene,
};
use serde_json::Value;

use crate::{ItemState, OrderSpec};

/// A label as the quality engine reads it.
#[derive(Debug, Clone)]
pub struct QualityLabel {
    pub item_id: i64,
    pub annotator_id: i64,
    pub answer: String,
    pub client_ms: i64,
}

/// An item's gold or final answer, as the quality engine reads it.
#[derive(Debug, Clone)]
pub struct QualityItem {
    pub item_id: i64,
    pub is_gold: bool,
    pub gold: Option<String>,
    pub state: ItemState,
    pub answer: Option<String>,
    pub confidence: Option<f64>,
    /// The dataset's known answer (manifest), when the item is not gold in this order.
    pub known: Option<String>,
}

/// The engine reads at most about this many answers of one order (whole items, the latest):
/// beyond, its figures come from this sample.
pub const SAMPLE_ANSWERS: i64 = 100_000;

/// The classes of an order's questions: the label keys, or no/yes per label (multi-label).
pub fn classes(spec: &OrderSpec) -> Vec<String> {
    spec.task_type.kind().classes(spec)
}

/// Whether the engine can judge the order (it has classes to confuse).
pub fn categorical(spec: &OrderSpec) -> bool {
    !classes(spec).is_empty()
}

/// The class of each question an answer answers: `(question within the item, class)`.
fn answer_classes(spec: &OrderSpec, answer: &Value) -> Vec<(u32, u32)> {
    spec.task_type.kind().answer_classes(spec, answer)
}

/// What the engine found for one worker on one order.
#[derive(Debug, Clone)]
pub struct WorkerOnOrder {
    pub quality: WorkerQuality,
    /// One-coin Dawid–Skene: the probability that an answer is right.
    pub skill: Option<f64>,
}

/// What the engine found on one order.
#[derive(Debug, Clone)]
pub struct OrderEngine {
    pub classes: Vec<String>,
    pub workers: HashMap<i64, WorkerOnOrder>,
    pub agreement: OrderAgreement,
    /// Mean over questions of the engine's posterior probability of its chosen class.
    pub model_accuracy: Option<f64>,
    /// `[final class][answered class]` over every answer of the order.
    pub confusion: Vec<Vec<u64>>,
    /// Seconds per answer, by worker (all answers, whatever the task type).
    pub seconds: HashMap<i64, Vec<f64>>,
}

/// Runs the engine over one order's answers. `items` gives the gold and final answers.
pub fn order_engine(
    spec: &OrderSpec,
    labels: &[QualityLabel],
    items: &[QualityItem],
) -> OrderEngine {
    let mut seconds: HashMap<i64, Vec<f64>> = HashMap::new();
    for l in labels {
        seconds
            .entry(l.annotator_id)
            .or_default()
            .push(l.client_ms as f64 / 1000.0);
    }
    let classes = classes(spec);
    let k = classes.len();
    let empty = OrderEngine {
        classes: classes.clone(),
        workers: HashMap::new(),
        agreement: OrderAgreement {
            fleiss_kappa: None,
            krippendorff_alpha: None,
            observed_agreement: None,
        },
        model_accuracy: None,
        confusion: vec![vec![0; k]; k],
        seconds: seconds.clone(),
    };
    if !categorical(spec) || labels.is_empty() || k == 0 {
        return empty;
    }
    let mut task_of: HashMap<(i64, u32), u32> = HashMap::new();
    let mut worker_of: BTreeMap<i64, u32> = BTreeMap::new();
    let mut workers: Vec<i64> = Vec::new();
    let mut triples: Vec<Label> = Vec::new();
    let mut secs: Vec<f32> = Vec::new();
    for l in labels {
        let Ok(v) = serde_json::from_str::<Value>(&l.answer) else {
            continue;
        };
        let w = *worker_of.entry(l.annotator_id).or_insert_with(|| {
            workers.push(l.annotator_id);
            (workers.len() - 1) as u32
        });
        for (q, c) in answer_classes(spec, &v) {
            let n = task_of.len() as u32;
            let t = *task_of.entry((l.item_id, q)).or_insert(n);
            triples.push(Label::new(t, w, c));
            secs.push(l.client_ms as f32 / 1000.0);
        }
    }
    let n_tasks = task_of.len() as u32;
    let Ok(set) = Labels::new(n_tasks, workers.len() as u32, k as u32, &triples) else {
        return empty;
    };
    let Ok(mut agg) =
        one_coin_dawid_skene(&set, &EmOptions::default()).or_else(|_| majority_vote(&set))
    else {
        return empty;
    };
    let model_accuracy = (n_tasks > 0).then(|| {
        (0..n_tasks as usize)
            .map(|t| agg.confidence(t))
            .sum::<f64>()
            / n_tasks as f64
    });
    let skills = match &agg.workers {
        WorkerModel::Skill(s) => s.clone(),
        _ => Vec::new(),
    };
    // The consensus to judge workers by: gold where known, else the final answer, else the
    // engine's own estimate (items still open).
    let mut gold: Vec<(u32, u32)> = Vec::new();
    let by_item: HashMap<i64, &QualityItem> = items.iter().map(|i| (i.item_id, i)).collect();
    for (&(item, q), &t) in &task_of {
        let Some(it) = by_item.get(&item) else {
            continue;
        };
        let reference = if it.is_gold {
            it.gold.as_deref()
        } else {
            it.answer.as_deref()
        };
        let class = reference
            .and_then(|r| serde_json::from_str::<Value>(r).ok())
            .map(|v| answer_classes(spec, &v))
            .and_then(|cs| cs.into_iter().find(|(qq, _)| *qq == q).map(|(_, c)| c));
        if let Some(c) = class {
            if it.is_gold {
                gold.push((t, c));
            }
            // Open items keep the engine's estimate; resolved and gold items are settled.
            if it.is_gold || it.state == ItemState::Resolved {
                agg.labels[t as usize] = c;
            }
        }
    }
    let consensus: Aggregation = agg;
    let report = worker_quality(
        &set,
        &consensus,
        &gold,
        Some(&secs),
        &QualityOptions::default(),
    )
    .unwrap_or_default();
    let mut confusion = vec![vec![0u64; k]; k];
    for l in set.as_slice() {
        confusion[consensus.labels[l.task as usize] as usize][l.class as usize] += 1;
    }
    let workers_out = report
        .into_iter()
        .map(|q| {
            let id = workers[q.worker as usize];
            let skill = skills.get(q.worker as usize).copied();
            (id, WorkerOnOrder { quality: q, skill })
        })
        .collect();
    OrderEngine {
        classes,
        workers: workers_out,
        agreement: order_agreement(&set),
        model_accuracy,
        confusion,
        seconds,
    }
}

/// The engine's figures of one worker over several orders.
#[derive(Debug, Clone, Default)]
pub struct WorkerEngine {
    /// Label-weighted mean of the per-order skills.
    pub skill: Option<f64>,
    pub median_seconds: Option<f64>,
    pub too_fast: bool,
    pub spam_like: bool,
    /// Orders where the answers looked spam-like.
    pub spam_orders: Vec<i64>,
    pub answers: usize,
}

/// Combines per-order results per worker: skill weighted by labels, the median over all
/// answers, too-fast against the crowd's median, spam-like on any order.
pub fn combine(engines: &[(i64, &OrderEngine)]) -> HashMap<i64, WorkerEngine> {
    let opts = QualityOptions::default();
    let mut secs: HashMap<i64, Vec<f64>> = HashMap::new();
    let mut skill: HashMap<i64, (f64, f64)> = HashMap::new();
    let mut out: HashMap<i64, WorkerEngine> = HashMap::new();
    for (order_id, e) in engines {
        for (w, s) in &e.seconds {
            secs.entry(*w).or_default().extend(s.iter().copied());
        }
        for (w, r) in &e.workers {
            let o = out.entry(*w).or_default();
            if let Some(s) = r.skill {
                let n = f64::from(r.quality.n_labels);
                let acc = skill.entry(*w).or_default();
                acc.0 += s * n;
                acc.1 += n;
            }
            if r.quality.spam_like {
                o.spam_like = true;
                o.spam_orders.push(*order_id);
            }
        }
    }
    let mut medians: Vec<f64> = Vec::new();
    for (w, s) in secs.iter_mut() {
        let o = out.entry(*w).or_default();
        o.answers = s.len();
        o.median_seconds = median(s);
        if let Some(m) = o.median_seconds {
            medians.push(m);
        }
        if let Some((sum, n)) = skill.get(w).filter(|(_, n)| *n > 0.0) {
            o.skill = Some(sum / n);
        }
    }
    let crowd = median(&mut medians);
    for o in out.values_mut() {
        if let Some(m) = o.median_seconds
            && o.answers >= opts.min_labels as usize
        {
            o.too_fast = is_too_fast(m, crowd, &opts);
        }
    }
    out
}

/// How annotators agree on one question of an order, and what the batch consensus (every
/// worker's reliability estimated from all of their answers) says beside the live one.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct QuestionFigures {
    pub key: String,
    /// The question's kind (`choice`, `rating`, …).
    pub kind: String,
    /// Answers given to it (in the labels read).
    pub answers: usize,
    /// Items it was answered on by two or more people.
    pub items_compared: usize,
    /// Krippendorff's alpha with the kind's metric (nominal; ordinal for ratings; interval
    /// for numbers); `null` with too little to compare.
    pub krippendorff_alpha: Option<f64>,
    /// The batch consensus's mean confidence over the items answered (choice-like
    /// questions: one-coin Dawid–Skene; the others their live consensus).
    pub batch_confidence: Option<f64>,
    /// Resolved items whose final answer to this question differs from the batch
    /// consensus's: where weighing people by their record would answer otherwise.
    pub batch_differs: usize,
    /// Each part's own agreement, for a question of several parts (a rubric's axes, each by
    /// Krippendorff's interval alpha; `krippendorff_alpha` is their mean). Empty otherwise.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<PartAgreement>,
}

/// The agreement on one part of a question (a rubric's axis).
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct PartAgreement {
    pub key: String,
    pub krippendorff_alpha: Option<f64>,
}

/// Each question's agreement and batch consensus over an order's labels and items (old
/// task types: their one question).
pub fn question_figures(
    spec: &OrderSpec,
    labels: &[QualityLabel],
    items: &[QualityItem],
) -> Vec<QuestionFigures> {
    let template = spec.template();
    let mut workers: Vec<i64> = labels.iter().map(|l| l.annotator_id).collect();
    workers.sort_unstable();
    workers.dedup();
    let worker = |id: i64| workers.binary_search(&id).unwrap_or(0) as u32;
    let mut by_item: BTreeMap<i64, Vec<(u32, Value)>> = BTreeMap::new();
    for l in labels {
        if let Ok(v) = serde_json::from_str::<Value>(&l.answer) {
            by_item
                .entry(l.item_id)
                .or_default()
                .push((worker(l.annotator_id), v));
        }
    }
    let finals: HashMap<i64, Value> = items
        .iter()
        .filter(|i| !i.is_gold && i.state == ItemState::Resolved)
        .filter_map(|i| {
            let a = serde_json::from_str::<Value>(i.answer.as_deref()?).ok()?;
            Some((i.item_id, a))
        })
        .collect();
    let ids: Vec<i64> = by_item.keys().copied().collect();
    template
        .questions
        .iter()
        .map(|q| {
            let items: Vec<Vec<(u32, Value)>> = by_item
                .values()
                .map(|answers| {
                    answers
                        .iter()
                        .filter_map(|(w, a)| {
                            a.get(&q.key)
                                .filter(|v| !v.is_null())
                                .map(|v| (*w, v.clone()))
                        })
                        .collect()
                })
                .collect();
            let plain: Vec<Vec<Value>> = items
                .iter()
                .map(|a| a.iter().map(|(_, v)| v.clone()).collect())
                .collect();
            let batch = q.kind().batch(q, &items, workers.len());
            let answered: Vec<f64> = batch
                .iter()
                .zip(&items)
                .filter(|(b, a)| !a.is_empty() && b.answer.is_some())
                .map(|(b, _)| b.confidence)
                .collect();
            let batch_differs = ids
                .iter()
                .zip(&batch)
                .filter(|(id, b)| {
                    let final_answer = finals.get(id).and_then(|f| f.get(&q.key));
                    match (final_answer, &b.answer) {
                        (Some(f), Some(b)) => q.kind().score(q, f, b) < 1.0 - 1e-9,
                        _ => false,
                    }
                })
                .count();
            QuestionFigures {
                key: q.key.clone(),
                kind: q.kind.clone(),
                answers: plain.iter().map(Vec::len).sum(),
                items_compared: plain.iter().filter(|a| a.len() >= 2).count(),
                krippendorff_alpha: q.kind().agreement(q, &plain),
                batch_confidence: (!answered.is_empty())
                    .then(|| answered.iter().sum::<f64>() / answered.len() as f64),
                batch_differs,
                parts: q
                    .kind()
                    .agreement_parts(q, &plain)
                    .into_iter()
                    .map(|(key, krippendorff_alpha)| PartAgreement {
                        key,
                        krippendorff_alpha,
                    })
                    .collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use mudou_consensus::synth::{SynthConfig, generate};

    fn spec() -> OrderSpec {
        serde_json::from_value(serde_json::json!({
            "name": "t", "task_type": "single_choice",
            "labels": [
                {"key": "a", "name_zh": "a", "name_en": "a", "colour": "#000000", "hotkey": null},
                {"key": "b", "name_zh": "b", "name_en": "b", "colour": "#000000", "hotkey": null},
                {"key": "c", "name_zh": "c", "name_en": "c", "colour": "#000000", "hotkey": null}
            ],
            "overlap": {"kind": "fixed", "n": 3}, "piece_rate_fen": 1, "deadline": null,
            "required_qualification": null, "required_level": null
        }))
        .unwrap()
    }

    #[test]
    fn engine_tells_a_spammer_from_good_workers() {
        let crowd = generate(&SynthConfig {
            n_tasks: 400,
            n_classes: 3,
            n_workers: 6,
            overlap: 3,
            seed: 7,
            mix: [0.7, 0.0, 0.3, 0.0],
        })
        .unwrap();
        let s = spec();
        let key = |c: u32| s.labels[c as usize].key.clone();
        let labels: Vec<QualityLabel> = crowd
            .labels
            .iter()
            .map(|l| QualityLabel {
                item_id: i64::from(l.task),
                annotator_id: i64::from(l.worker) + 100,
                answer: format!(r#"{{"label":"{}"}}"#, key(l.class)),
                client_ms: 3000,
            })
            .collect();
        let items: Vec<QualityItem> = (0..400)
            .map(|t| QualityItem {
                item_id: t,
                is_gold: t < 40,
                gold: (t < 40)
                    .then(|| format!(r#"{{"label":"{}"}}"#, key(crowd.truth[t as usize]))),
                state: ItemState::Open,
                answer: None,
                confidence: None,
                known: None,
            })
            .collect();
        let e = order_engine(&s, &labels, &items);
        assert_eq!(e.workers.len(), 6);
        for (w, kind) in crowd.kinds.iter().enumerate() {
            let r = &e.workers[&(w as i64 + 100)];
            let spammer = *kind == mudou_consensus::synth::WorkerKind::Spammer;
            assert_eq!(r.quality.spam_like, spammer, "worker {w} {kind:?}: {r:?}");
            let skill = r.skill.unwrap();
            assert!(
                if spammer { skill < 0.6 } else { skill > 0.7 },
                "worker {w}: skill {skill}"
            );
        }
        assert!(e.agreement.fleiss_kappa.is_some());
        let total: u64 = e.confusion.iter().flatten().sum();
        assert_eq!(total, 1200);
    }

    #[test]
    fn each_question_has_its_agreement() {
        let spec = OrderSpec {
            task_type: crate::TaskType::Template,
            labels: vec![],
            template: Some(crate::template::examples::shop()),
            ..crate::order::testing::spec(crate::TaskType::SingleChoice, &[])
        };
        let l = |item: i64, a: &str| QualityLabel {
            item_id: item,
            annotator_id: 1,
            answer: a.into(),
            client_ms: 1000,
        };
        let labels = [
            l(1, r#"{"class":"car","stars":4}"#),
            l(1, r#"{"class":"car","stars":4}"#),
            l(2, r#"{"class":"bike","stars":1}"#),
            l(2, r#"{"class":"bike","stars":1}"#),
            l(3, r#"{"class":"car"}"#),
        ];
        let item = |id: i64, answer: &str| QualityItem {
            item_id: id,
            is_gold: false,
            gold: None,
            state: ItemState::Resolved,
            answer: Some(answer.into()),
            confidence: Some(0.9),
            known: None,
        };
        let finals = [
            item(1, r#"{"class":"car","stars":4}"#),
            item(2, r#"{"class":"car","stars":1}"#),
        ];
        let f = question_figures(&spec, &labels, &finals);
        let class = f.iter().find(|q| q.key == "class").unwrap();
        assert_eq!((class.answers, class.items_compared), (5, 2));
        assert_eq!(class.krippendorff_alpha, Some(1.0));
        assert_eq!(
            class.batch_differs, 1,
            "item 2: both said bike, its final says car"
        );
        assert!(class.batch_confidence.unwrap() > 0.5);
        let stars = f.iter().find(|q| q.key == "stars").unwrap();
        assert_eq!((stars.kind.as_str(), stars.answers), ("rating", 4));
        assert_eq!(stars.krippendorff_alpha, Some(1.0));
        let plate = f.iter().find(|q| q.key == "plate").unwrap();
        assert_eq!((plate.answers, plate.krippendorff_alpha), (0, None));
    }

    #[test]
    fn box_answers_match_by_iou() {
        let a = r#"{"boxes":[{"label":"a","x":10,"y":10,"w":50,"h":50}]}"#;
        let b =
            r#"{"boxes":[{"label":"a","x":11,"y":10,"w":50,"h":49,"support":2,"mean_iou":0.9}]}"#;
        let boxes = crate::order::testing::spec(crate::TaskType::Bbox, &["a"]);
        let choice = crate::order::testing::spec(crate::TaskType::SingleChoice, &["a", "b"]);
        assert!(boxes.agrees_str(a, b));
        assert!(!boxes.agrees_str(a, r#"{"boxes":[]}"#));
        assert!(choice.agrees_str(r#"{"label":"a"}"#, r#"{"label":"a"}"#));
        assert!(!choice.agrees_str(r#"{"label":"a"}"#, "not json"));
    }
}
