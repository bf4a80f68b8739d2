//! The kinds of work, one module each, behind one interface ([`Kind`]).
//!
//! Everything that differs between kinds of work lives here and nowhere else: the shape of
//! an answer and its checks, how a manifest's known answer becomes a gold answer, what an
//! answer is paid by, the questions the quality engine scores, the live consensus over an
//! item's answers, and how an answer reads in a CSV cell. Code elsewhere asks
//! [`TaskType::kind`] instead of matching on the task type.
//!
//! To add a kind: a module here implementing [`Kind`], a variant of [`TaskType`] and of
//! [`Answer`], and its arm in [`TaskType::kind`].

mod boxes;
mod choice;
mod multi_label;

use serde_json::{Map, Value};

use crate::{Answer, OrderSpec, TaskType, ValidationError};

/// The consensus of one item's answers, as a kind computes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Agreed {
    /// The agreed answer (JSON), if there is one.
    pub answer: Option<Value>,
    /// How sure the consensus is, 0 to 1.
    pub confidence: f64,
    /// Whether the answers agree enough to settle on at all. When `false` the item is never
    /// resolved: it asks for more labels, then goes to a lead.
    pub settles: bool,
}

/// One kind of work. Every method is pure.
pub trait Kind: Send + Sync {
    /// The fewest labels (classes) an order of this kind lists.
    fn min_labels(&self) -> usize;

    /// Whether an order of this kind may pay per drawn object (`box_rate_fen`).
    fn pays_per_object(&self) -> bool {
        false
    }

    /// How many objects an answer counts for per-object pay, when it has any.
    fn objects(&self, _answer: &Answer) -> Option<usize> {
        None
    }

    /// Whether an answer needs the picture's size to be checked.
    fn needs_image_size(&self) -> bool {
        false
    }

    /// Whether the order's results come in the object-detection formats (COCO, YOLO).
    fn exports_objects(&self) -> bool {
        false
    }

    /// The answer's only key, e.g. `label` in `{"label": "cat"}`.
    fn answer_key(&self) -> &'static str;

    /// Checks a submitted answer's value (under [`Kind::answer_key`]) against the order;
    /// `image` is the item's (width, height) when [`Kind::needs_image_size`].
    fn parse(
        &self,
        spec: &OrderSpec,
        value: &Value,
        image: Option<(i64, i64)>,
    ) -> Result<Answer, ValidationError>;

    /// The known answer a dataset's manifest brings, in this kind's answer shape.
    fn manifest_gold(&self, gold: &Value) -> Option<Value>;

    /// The classes of the questions the quality engine scores (empty: nothing to score).
    fn classes(&self, spec: &OrderSpec) -> Vec<String>;

    /// Each question an answer answers, as `(question within the item, class)`.
    fn answer_classes(&self, spec: &OrderSpec, answer: &Value) -> Vec<(u32, u32)>;

    /// Whether each item is one question whose classes are the labels (so per-label recall
    /// and precision mean something).
    fn one_question(&self) -> bool {
        false
    }

    /// The live consensus of an item's answers; `workers[i]` is a dense index of the
    /// worker who gave `answers[i]` (a missing or malformed answer is `Value::Null`).
    fn consensus(&self, spec: &OrderSpec, answers: &[Value], workers: &[u32]) -> Agreed;

    /// The label keys an answer uses (for per-label counts).
    fn keys(&self, answer: &Value) -> Vec<String>;

    /// An answer as a CSV cell.
    fn answer_text(&self, answer: &Value) -> String;

    /// An answer in a few words (a reviewer's list of labels).
    fn label_text(&self, answer: &Value) -> String {
        self.answer_text(answer)
    }
}

impl TaskType {
    /// This task type's kind of work.
    pub fn kind(self) -> &'static dyn Kind {
        match self {
            TaskType::SingleChoice | TaskType::TextClassification => &choice::Choice,
            TaskType::MultiLabel => &multi_label::MultiLabel,
            TaskType::Bbox => &boxes::Boxes,
        }
    }
}

/// The checks every kind shares: an answer is an object with only its kind's key.
pub(crate) fn the_value<'a>(value: &'a Value, key: &str) -> Result<&'a Value, ValidationError> {
    let obj: &Map<String, Value> = value
        .as_object()
        .ok_or_else(|| bad("an answer is a JSON object"))?;
    if obj.len() == 1
        && let Some(v) = obj.get(key)
    {
        return Ok(v);
    }
    Err(bad(format!("this order's answers are {{\"{key}\": …}}")))
}

/// An answer's error.
pub(crate) fn bad(message: impl Into<String>) -> ValidationError {
    ValidationError::new("answer", message)
}

/// Checks that `key` is one of the order's labels.
pub(crate) fn known(spec: &OrderSpec, key: &str) -> Result<usize, ValidationError> {
    spec.label_index(key)
        .ok_or_else(|| bad(format!("{key:?} is not one of this order's labels")))
}

/// The strings of a JSON list (others skipped).
pub(crate) fn strings(v: &Value) -> impl Iterator<Item = &str> {
    v.as_array().into_iter().flatten().filter_map(Value::as_str)
}

/// Posterior of a yes/no or K-way question from `(worker, class)` pairs, each worker
/// assumed right with [`crate::live::DEFAULT_ACCURACY`]: the likeliest class and its
/// probability.
pub(crate) fn posterior(k: usize, pairs: &[(u32, u32)]) -> (u32, f64) {
    use mudou_consensus::{SkillModel, item_posterior};
    let prior = vec![1.0 / k as f64; k];
    let mut out = vec![0.0; k];
    SkillModel::from_accuracies(&prior, &[], crate::live::DEFAULT_ACCURACY)
        .and_then(|m| item_posterior(&m, pairs, &mut out))
        .unwrap_or((0, 1.0 / k as f64))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::TaskType;
    use crate::order::testing::spec;

    /// Each kind reads back, as keys and CSV text, the answer it accepted; and refuses
    /// another kind's answer.
    #[test]
    fn each_kind_reads_what_it_accepts() {
        let cases = [
            (TaskType::SingleChoice, json!({"label": "dog"}), "dog"),
            (TaskType::TextClassification, json!({"label": "cat"}), "cat"),
            (
                TaskType::MultiLabel,
                json!({"labels": ["dog", "cat"]}),
                "cat;dog",
            ),
        ];
        for (t, answer, text) in cases {
            let s = spec(t, &["cat", "dog"]);
            let parsed = crate::Answer::parse(&s, &answer, None).unwrap().to_json();
            assert_eq!(t.kind().answer_text(&parsed), text, "{t:?}");
            let mut keys = t.kind().keys(&parsed);
            keys.sort();
            assert_eq!(
                keys.join(";"),
                text.split(';').collect::<Vec<_>>().join(";")
            );
            assert!(crate::Answer::parse(&s, &json!({"boxes": []}), None).is_err());
        }
        let s = spec(TaskType::Bbox, &["car"]);
        let b = json!({"boxes": [{"label": "car", "x": 1, "y": 2, "w": 3, "h": 4}]});
        let parsed = crate::Answer::parse(&s, &b, Some((10, 10))).unwrap();
        assert_eq!(TaskType::Bbox.kind().objects(&parsed), Some(1));
        assert_eq!(
            TaskType::Bbox.kind().label_text(&parsed.to_json()),
            "1 boxes"
        );
        let outside = json!({"boxes": [{"label": "car", "x": 8, "y": 2, "w": 3, "h": 4}]});
        assert!(crate::Answer::parse(&s, &outside, Some((10, 10))).is_err());
        assert!(crate::Answer::parse(&s, &json!({"label": "car"}), None).is_err());
    }

    /// A manifest's known answer becomes an answer of the order's kind, or nothing.
    #[test]
    fn manifest_gold_takes_the_kinds_shape() {
        let one = json!({"label": "cat"});
        assert_eq!(
            TaskType::SingleChoice.kind().manifest_gold(&one),
            Some(json!({"label": "cat"}))
        );
        assert_eq!(
            TaskType::MultiLabel.kind().manifest_gold(&one),
            Some(json!({"labels": ["cat"]}))
        );
        assert_eq!(TaskType::Bbox.kind().manifest_gold(&one), None);
        let boxes =
            json!({"boxes": [{"label": "car", "x": 1, "y": 2, "w": 3, "h": 4, "score": 0.9}]});
        assert_eq!(
            TaskType::Bbox.kind().manifest_gold(&boxes),
            Some(json!({"boxes": [{"label": "car", "x": 1, "y": 2, "w": 3, "h": 4}]}))
        );
    }
}
