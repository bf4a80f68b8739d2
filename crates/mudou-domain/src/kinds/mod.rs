//! The kinds of work, one module each, behind one interface ([`Kind`]).
//!
//! Everything that differs between kinds of work lives here and nowhere else: the shape of
//! an answer and its checks, how a manifest's known answer becomes a gold answer, what an
//! answer is paid by, the questions the quality engine scores, the live consensus over an
//! item's answers, and how an answer reads in a CSV cell. Code elsewhere asks
//! [`TaskType::kind`] instead of matching on the task type.
//!
//! Two faces share these modules:
//! - [`QuestionKind`], a kind of question a template asks (`choice`, `rating`, `number`, …):
//!   its settings and their checks, an answer's checks, the score against a gold answer,
//!   the live consensus and the agreement measure, pay units and CSV text. To add one: a
//!   module here implementing it, and its line in [`question_kind`] and [`QUESTION_KINDS`].
//! - [`Kind`], a task type's behaviour. The four task types of before keep theirs (their
//!   answers and figures must not change); every template order is [`form::Form`], which
//!   asks each question's kind.

mod boxes;
mod choice;
mod finding;
mod form;
mod free_text;
mod keypoints;
mod mask;
mod multi_label;
mod number;
mod pairwise;
mod polygon;
mod polyline;
mod ranking;
mod rating;
mod rotated_box;
mod rubric;
mod shapes;
mod writing;

use std::collections::HashSet;
use std::marker::PhantomData;

use serde_json::{Map, Value};

pub use finding::{FindingMatch, match_findings, place_findings};
pub use pairwise::{PositionBias, order_position_bias, position_bias};
pub use writing::{WritingFlag, answer_flags, prompt_messages, sft_messages, written_flags};

use crate::template::Question;
use crate::{Answer, OrderSpec, TaskType, ValidationError};

/// The kinds of question a template may ask, by name.
pub const QUESTION_KINDS: &[&str] = &[
    "choice",
    "multi_choice",
    "rating",
    "number",
    "text",
    "boxes",
    "pairwise",
    "ranking",
    "rubric",
    "writing",
    "polygon",
    "polyline",
    "keypoints",
    "rotated_box",
    "mask",
    "finding",
];

/// A kind of question by its name (the registry: one line per kind).
pub fn question_kind(name: &str) -> Option<&'static dyn QuestionKind> {
    Some(match name {
        "choice" => &choice::ChoiceQuestion,
        "multi_choice" => &multi_label::MultiChoice,
        "rating" => &rating::Rating,
        "number" => &number::Number,
        "text" => &free_text::FreeText,
        "boxes" => &boxes::BoxesQuestion,
        "pairwise" => &pairwise::Pairwise,
        "ranking" => &ranking::Ranking,
        "rubric" => &rubric::Rubric,
        "writing" => &writing::Writing,
        "polygon" => &shapes::ShapeQuestion::<polygon::PolygonShape>(PhantomData),
        "polyline" => &shapes::ShapeQuestion::<polyline::PolylineShape>(PhantomData),
        "keypoints" => &shapes::ShapeQuestion::<keypoints::KeypointsShape>(PhantomData),
        "rotated_box" => &shapes::ShapeQuestion::<rotated_box::RotatedBoxShape>(PhantomData),
        "mask" => &shapes::ShapeQuestion::<mask::MaskShape>(PhantomData),
        "finding" => &finding::Finding,
        _ => return None,
    })
}

/// One kind of question. Every method is pure; `q` has passed [`QuestionKind::check`].
pub trait QuestionKind: Send + Sync {
    /// Checks the question's options and settings; errors name a path under `at`. Hotkeys
    /// go into `hotkeys`, shared by the whole template.
    fn check(
        &self,
        q: &Question,
        at: &str,
        hotkeys: &mut HashSet<char>,
    ) -> Result<(), ValidationError>;

    /// Checks the question against the template's fields (after [`QuestionKind::check`]):
    /// the Markdown fields a pairwise question compares or a ranking ranks.
    fn check_fields(
        &self,
        _q: &Question,
        _at: &str,
        _fields: &[crate::template::FieldDef],
    ) -> Result<(), ValidationError> {
        Ok(())
    }

    /// Whether an answer settles only by a lead's review, never by vote (a written answer):
    /// accept and edit pay it, send back rejects it (see `mudou_app::review`).
    fn by_review(&self) -> bool {
        false
    }

    /// Seconds an answer takes once the item is read (the order's expected time per item,
    /// `mudou_domain::reading`): by default a quick choice.
    fn answer_seconds(&self, _q: &Question) -> u32 {
        3
    }

    /// Whether answers are drawn on a picture field (and checked against its size).
    fn needs_image(&self) -> bool {
        false
    }

    /// Whether answers are placed on a series field (in millimetres, by
    /// [`place_findings`]).
    fn needs_volume(&self) -> bool {
        false
    }

    /// Whether answers draw objects that may be paid one by one (`box_rate_fen`).
    fn draws_objects(&self) -> bool {
        self.needs_image()
    }

    /// Whether a later question's condition may look at this one's answer.
    fn conditions(&self) -> bool {
        false
    }

    /// The index of an option named in a condition.
    fn option_of(&self, q: &Question, key: &str) -> Option<usize> {
        q.option_index(key)
    }

    /// The option keys an answer chose (for conditions and the quality engine).
    fn chosen(&self, _q: &Question, _answer: &Value) -> Vec<String> {
        Vec::new()
    }

    /// Checks one answer; returns it normalised. `image` is the bound picture's size.
    fn parse(
        &self,
        q: &Question,
        value: &Value,
        image: Option<(i64, i64)>,
    ) -> Result<Value, ValidationError>;

    /// Checks a gold answer (typed in or from a manifest); by default like an answer.
    fn parse_gold(
        &self,
        q: &Question,
        value: &Value,
        image: Option<(i64, i64)>,
    ) -> Result<Value, ValidationError> {
        self.parse(q, value, image)
    }

    /// How well an answer matches a gold answer, 0 (wrong) to 1 (right).
    fn score(&self, q: &Question, answer: &Value, gold: &Value) -> f64;

    /// Whether a score counts as right (for verdicts, training feedback and pay on gold).
    fn passes(&self, _q: &Question, score: f64) -> bool {
        score >= 1.0 - 1e-9
    }

    /// The live consensus of the answers given to this question on one item;
    /// `voters.index[i]` is a dense index of who gave `answers[i]`.
    fn consensus(&self, q: &Question, answers: &[Value], voters: Voters<'_>) -> Agreed;

    /// The batch consensus over a whole order: each item's answer (`items[i]` its answers
    /// as `(worker, answer)`, workers dense `0..n_workers`), with each worker's reliability
    /// estimated from all of their answers. By default each item's live consensus.
    fn batch(&self, q: &Question, items: &[Vec<(u32, Value)>], _n_workers: usize) -> Vec<Agreed> {
        items
            .iter()
            .map(|answers| {
                let (a, w): (Vec<Value>, Vec<u32>) =
                    answers.iter().map(|(w, a)| (a.clone(), *w)).unzip();
                self.consensus(q, &a, Voters::equal(&w))
            })
            .collect()
    }

    /// Krippendorff's alpha over an order: each inner list is one item's answers (with
    /// the metric that suits the kind: nominal, ordinal or interval). `None` when there is
    /// not enough to say.
    fn agreement(&self, q: &Question, items: &[Vec<Value>]) -> Option<f64>;

    /// Each part's agreement, for a question of several parts (a rubric's axes), by key.
    fn agreement_parts(&self, _q: &Question, _items: &[Vec<Value>]) -> Vec<(String, Option<f64>)> {
        Vec::new()
    }

    /// Objects an answer draws (for per-object pay).
    fn objects(&self, _answer: &Value) -> Option<usize> {
        None
    }

    /// How many of the question's options the quality engine scores as yes/no questions.
    fn quality_options(&self, _q: &Question) -> usize {
        0
    }

    /// An answer as a CSV cell.
    fn cell(&self, q: &Question, answer: &Value) -> String;
}

/// The kind a question with an unknown name falls back to; [`crate::Template::validate`]
/// refuses such a template before it can be used.
pub(crate) struct Unknown;
pub(crate) static UNKNOWN: Unknown = Unknown;

impl QuestionKind for Unknown {
    fn check(&self, _: &Question, at: &str, _: &mut HashSet<char>) -> Result<(), ValidationError> {
        Err(ValidationError::at(
            format!("{at}.kind"),
            "not a kind of question",
        ))
    }
    fn parse(
        &self,
        _: &Question,
        _: &Value,
        _: Option<(i64, i64)>,
    ) -> Result<Value, ValidationError> {
        Err(bad("not a kind of question"))
    }
    fn score(&self, _: &Question, _: &Value, _: &Value) -> f64 {
        0.0
    }
    fn consensus(&self, _: &Question, _: &[Value], _: Voters<'_>) -> Agreed {
        Agreed {
            answer: None,
            confidence: 0.0,
            settles: false,
        }
    }
    fn agreement(&self, _: &Question, _: &[Vec<Value>]) -> Option<f64> {
        None
    }
    fn cell(&self, _: &Question, answer: &Value) -> String {
        answer.to_string()
    }
}

/// One-coin Dawid–Skene over an order's items whose answers map to classes `0..k`: each
/// item's likeliest class and its posterior. An item nobody answered gets `None`.
pub(crate) fn one_coin(
    k: usize,
    items: &[Vec<(u32, Value)>],
    n_workers: usize,
    class: impl Fn(&Value) -> Option<usize>,
) -> Vec<Option<(usize, f64)>> {
    use mudou_consensus::{Label, Labels, Method};
    // Items with at least one answer, renumbered densely.
    let mut tasks = Vec::new();
    let mut labels = Vec::new();
    for (i, answers) in items.iter().enumerate() {
        let mine: Vec<Label> = answers
            .iter()
            .filter_map(|(w, a)| {
                class(a)
                    .filter(|c| *c < k)
                    .map(|c| Label::new(tasks.len() as u32, *w, c as u32))
            })
            .collect();
        if !mine.is_empty() {
            tasks.push(i);
            labels.extend(mine);
        }
    }
    let mut out = vec![None; items.len()];
    let Ok(data) = Labels::new(
        tasks.len() as u32,
        n_workers.max(1) as u32,
        k.max(1) as u32,
        &labels,
    ) else {
        return out;
    };
    if let Ok(agg) = Method::OneCoinDawidSkene.run(&data) {
        for (t, &i) in tasks.iter().enumerate() {
            out[i] = Some((agg.labels[t] as usize, agg.confidence(t)));
        }
    }
    out
}

/// Nominal Krippendorff's alpha over items whose answers map to classes `0..k`.
pub(crate) fn nominal_alpha(
    k: usize,
    items: &[Vec<Value>],
    class: impl Fn(&Value) -> Option<usize>,
) -> Option<f64> {
    if k == 0 {
        return None;
    }
    let mut counts = vec![0u32; items.len() * k];
    for (i, answers) in items.iter().enumerate() {
        for c in answers.iter().filter_map(&class).filter(|c| *c < k) {
            counts[i * k + c] += 1;
        }
    }
    mudou_consensus::agreement::krippendorff_alpha_counts(&counts, k)
        .ok()
        .flatten()
}

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
    fn pays_per_object(&self, _spec: &OrderSpec) -> bool {
        false
    }

    /// Whether per-object pay comes on top of the piece rate (a template: the piece rate
    /// pays its questions, each box comes on top) rather than instead of it (boxes).
    fn objects_on_top(&self) -> bool {
        false
    }

    /// How many objects an answer counts for per-object pay, when it has any.
    fn objects(&self, _spec: &OrderSpec, _answer: &Answer) -> Option<usize> {
        None
    }

    /// Whether an answer needs the picture's size to be checked.
    fn needs_image_size(&self, _spec: &OrderSpec) -> bool {
        false
    }

    /// Whether the order's results come in the object-detection formats (COCO, YOLO).
    fn exports_objects(&self, _spec: &OrderSpec) -> bool {
        false
    }

    /// The answer's only key, e.g. `label` in `{"label": "cat"}`; `None` when the answer
    /// is an object keyed by question (a template order).
    fn answer_key(&self) -> Option<&'static str>;

    /// Checks a submitted answer's value (under [`Kind::answer_key`], or the whole answer
    /// when there is none) against the order; `image` is the item's (width, height) when
    /// [`Kind::needs_image_size`].
    fn parse(
        &self,
        spec: &OrderSpec,
        value: &Value,
        image: Option<(i64, i64)>,
    ) -> Result<Answer, ValidationError>;

    /// Checks a gold answer (typed in or from a manifest) and returns it as stored. A
    /// template's gold may answer only some questions; the other kinds' gold is a whole
    /// answer.
    fn parse_gold(
        &self,
        spec: &OrderSpec,
        value: &Value,
        sizes: &[(String, (i64, i64))],
    ) -> Result<Value, ValidationError> {
        Answer::parse_sized(spec, value, sizes).map(|a| a.to_json())
    }

    /// [`Kind::parse`] with the size of every picture field of the item, by field name, in
    /// the item's order. A kind of one picture reads the first; a template each field's own.
    fn parse_sized(
        &self,
        spec: &OrderSpec,
        value: &Value,
        sizes: &[(String, (i64, i64))],
    ) -> Result<Answer, ValidationError> {
        self.parse(spec, value, sizes.first().map(|(_, s)| *s))
    }

    /// The known answer a dataset's manifest brings, in this kind's answer shape.
    fn manifest_gold(&self, _spec: &OrderSpec, gold: &Value) -> Option<Value>;

    /// The classes of the questions the quality engine scores (empty: nothing to score).
    fn classes(&self, spec: &OrderSpec) -> Vec<String>;

    /// Each question an answer answers, as `(question within the item, class)`.
    fn answer_classes(&self, spec: &OrderSpec, answer: &Value) -> Vec<(u32, u32)>;

    /// Whether each item is one question whose classes are the labels (so per-label recall
    /// and precision mean something).
    fn one_question(&self) -> bool {
        false
    }

    /// The live consensus of an item's answers; `voters.index[i]` is a dense index of the
    /// worker who gave `answers[i]` (a missing or malformed answer is `Value::Null`), and
    /// `voters.accuracy` how far each is trusted.
    fn consensus(&self, spec: &OrderSpec, answers: &[Value], voters: Voters<'_>) -> Agreed;

    /// The label keys an answer uses (for per-label counts).
    fn keys(&self, answer: &Value) -> Vec<String>;

    /// An answer as a CSV cell.
    fn answer_text(&self, answer: &Value) -> String;

    /// How well a stored answer matches a gold (or reference) answer: whether it counts
    /// as right.
    fn agrees(&self, _spec: &OrderSpec, answer: &Value, gold: &Value) -> bool {
        match (Answer::from_stored(answer), Answer::from_stored(gold)) {
            (Some(a), Some(g)) => a.matches(&g),
            _ => false,
        }
    }

    /// The CSV columns an answer fills (one per question).
    fn columns(&self, _spec: &OrderSpec) -> Vec<String> {
        vec!["answer".into()]
    }

    /// An answer's CSV cells, one per [`Kind::columns`].
    fn cells(&self, _spec: &OrderSpec, answer: &Value) -> Vec<String> {
        vec![self.answer_text(answer)]
    }

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
            TaskType::Template => &form::Form,
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

/// Checks a question has `min` to [`crate::template::MAX_OPTIONS`] options.
pub(crate) fn options_between(q: &Question, at: &str, min: usize) -> Result<(), ValidationError> {
    let max = crate::template::MAX_OPTIONS;
    if q.options.len() < min || q.options.len() > max {
        return Err(ValidationError::at(
            format!("{at}.options"),
            format!("a {} question has {min} to {max} options", q.kind),
        ));
    }
    Ok(())
}

/// Checks a question takes no settings (kinds that read none).
pub(crate) fn no_settings(q: &Question, at: &str) -> Result<(), ValidationError> {
    if q.settings != crate::template::Settings::default() {
        return Err(ValidationError::at(
            format!("{at}.settings"),
            format!("a {} question takes no settings", q.kind),
        ));
    }
    Ok(())
}

/// The whole check of a question that reads only its options (`min` or more of them, no
/// settings): choice and multiple choice.
pub(crate) fn check_plain_options(
    q: &Question,
    at: &str,
    min: usize,
    hotkeys: &mut HashSet<char>,
) -> Result<(), ValidationError> {
    options_between(q, at, min)?;
    no_settings(q, at)?;
    crate::template::check_options(&q.options, &format!("{at}.options"), hotkeys)
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

/// Who gave each of an item's answers, and how far the live consensus trusts each of them.
#[derive(Debug, Clone, Copy)]
pub struct Voters<'a> {
    /// Per answer: its worker as a dense index (0, 1, … in order of their first answer).
    pub index: &'a [u32],
    /// Per dense worker: the chance they answer right ([`crate::skill`]); a worker past the
    /// end (or all of them, when empty) is assumed right with
    /// [`crate::live::DEFAULT_ACCURACY`].
    pub accuracy: &'a [f64],
}

impl<'a> Voters<'a> {
    /// Everyone at the default accuracy.
    pub fn equal(index: &'a [u32]) -> Self {
        Voters {
            index,
            accuracy: &[],
        }
    }

    /// The same people, for a subset of the answers (`index` taken from `self.index`).
    pub fn subset<'b>(&self, index: &'b [u32]) -> Voters<'b>
    where
        'a: 'b,
    {
        Voters {
            index,
            accuracy: self.accuracy,
        }
    }

    /// How much dense worker `w`'s answer weighs on a question of `k` options: the log-odds
    /// of their vote against one other option (the same for everyone at the default).
    pub fn weight_of(&self, w: u32, k: usize) -> f64 {
        let k = k.max(2);
        let a = crate::skill::for_vote(self.accuracy_of(w), k);
        (a * (k - 1) as f64 / (1.0 - a)).ln()
    }

    /// The accuracy of dense worker `w`.
    pub fn accuracy_of(&self, w: u32) -> f64 {
        self.accuracy
            .get(w as usize)
            .copied()
            .unwrap_or(crate::live::DEFAULT_ACCURACY)
    }
}

/// Posterior of a yes/no or K-way question from `(worker, class)` pairs, each worker right
/// with their accuracy in `voters` (one coin per worker): the likeliest class and its
/// probability.
pub(crate) fn posterior(k: usize, pairs: &[(u32, u32)], voters: Voters<'_>) -> (u32, f64) {
    use mudou_consensus::{SkillModel, item_posterior};
    let prior = vec![1.0 / k as f64; k];
    let mut out = vec![0.0; k];
    let accuracies: Vec<f64> = voters
        .accuracy
        .iter()
        .map(|&a| crate::skill::for_vote(a, k))
        .collect();
    SkillModel::from_accuracies(&prior, &accuracies, crate::live::DEFAULT_ACCURACY)
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
        assert_eq!(TaskType::Bbox.kind().objects(&s, &parsed), Some(1));
        assert_eq!(
            TaskType::Bbox.kind().label_text(&parsed.to_json()),
            "1 boxes"
        );
        let outside = json!({"boxes": [{"label": "car", "x": 8, "y": 2, "w": 3, "h": 4}]});
        assert!(crate::Answer::parse(&s, &outside, Some((10, 10))).is_err());
        assert!(crate::Answer::parse(&s, &json!({"label": "car"}), None).is_err());
    }

    /// A box of a pixel or two (a tap, a slip) is refused with words that say why; a picture
    /// smaller than 32 px takes boxes down to a quarter of its side.
    #[test]
    fn boxes_have_a_minimum_side() {
        let s = spec(TaskType::Bbox, &["car"]);
        let tiny = json!({"boxes": [{"label": "car", "x": 10, "y": 10, "w": 2, "h": 2}]});
        let e = crate::Answer::parse(&s, &tiny, Some((640, 480))).unwrap_err();
        assert!(e.message.contains("at least 8"), "{}", e.message);
        let thin = json!({"boxes": [{"label": "car", "x": 10, "y": 10, "w": 80, "h": 7.5}]});
        assert!(crate::Answer::parse(&s, &thin, Some((640, 480))).is_err());
        let ok = json!({"boxes": [{"label": "car", "x": 10, "y": 10, "w": 8, "h": 8}]});
        crate::Answer::parse(&s, &ok, Some((640, 480))).unwrap();
        crate::Answer::parse(&s, &ok, None).unwrap();
        let small = json!({"boxes": [{"label": "car", "x": 1, "y": 1, "w": 4, "h": 4}]});
        crate::Answer::parse(&s, &small, Some((16, 16))).unwrap();
        assert_eq!(super::boxes::min_box_side(Some((16, 40))), 4.0);
        assert_eq!(super::boxes::min_box_side(None), 8.0);
        // a template's box question too
        let t: crate::template::Question =
            serde_json::from_value(json!({"key": "b", "kind": "boxes",
            "title_zh": "框出车", "field": "image", "options": [{"key": "car", "name_zh": "车"}]}))
            .unwrap();
        let q = super::question_kind("boxes").unwrap();
        assert!(
            q.parse(
                &t,
                &json!([{"label": "car", "x": 1, "y": 1, "w": 2, "h": 2}]),
                Some((640, 480))
            )
            .is_err()
        );
        q.parse(
            &t,
            &json!([{"label": "car", "x": 1, "y": 1, "w": 9, "h": 9}]),
            Some((640, 480)),
        )
        .unwrap();
    }

    /// A manifest's known answer becomes an answer of the order's kind, or nothing.
    #[test]
    fn manifest_gold_takes_the_kinds_shape() {
        let s = spec(TaskType::Bbox, &["car"]);
        let one = json!({"label": "cat"});
        assert_eq!(
            TaskType::SingleChoice.kind().manifest_gold(&s, &one),
            Some(json!({"label": "cat"}))
        );
        assert_eq!(
            TaskType::MultiLabel.kind().manifest_gold(&s, &one),
            Some(json!({"labels": ["cat"]}))
        );
        assert_eq!(TaskType::Bbox.kind().manifest_gold(&s, &one), None);
        let boxes =
            json!({"boxes": [{"label": "car", "x": 1, "y": 2, "w": 3, "h": 4, "score": 0.9}]});
        assert_eq!(
            TaskType::Bbox.kind().manifest_gold(&s, &boxes),
            Some(json!({"boxes": [{"label": "car", "x": 1, "y": 2, "w": 3, "h": 4}]}))
        );
    }
}
