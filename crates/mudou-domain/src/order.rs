//! What a client orders: the task type, the label set, the overlap policy and the
//! pay, with the rules that make an order make sense, and the answers a label may carry.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::template::{FieldDef, FieldKind, Layout, OptionDef, Question, Settings, Template};
use crate::{SkillLevel, ValidationError};

/// The kind of work an order asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskType {
    /// One label per image.
    SingleChoice,
    /// Any number of labels per image.
    MultiLabel,
    /// Boxes around objects, each with a label.
    Bbox,
    /// One label per text.
    TextClassification,
    /// Any fields and questions: the order's `template` says which.
    Template,
}

impl TaskType {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskType::SingleChoice => "single_choice",
            TaskType::MultiLabel => "multi_label",
            TaskType::Bbox => "bbox",
            TaskType::TextClassification => "text_classification",
            TaskType::Template => "template",
        }
    }
    /// Whether items must be images (else texts); a template's fields say for themselves.
    pub fn wants_images(self) -> bool {
        !matches!(self, TaskType::TextClassification)
    }
    /// The item kind this task labels: `image` or `text`.
    pub fn item_kind(self) -> &'static str {
        if self.wants_images() { "image" } else { "text" }
    }
}

/// One label of an order's label set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LabelDef {
    /// Stable key stored in answers and exports, e.g. `cat`.
    pub key: String,
    pub name_zh: String,
    pub name_en: String,
    /// `#rrggbb`.
    pub colour: String,
    /// A key on the keyboard: `1`–`9`, `0`, or a letter.
    pub hotkey: Option<char>,
    /// Items of the dataset that show this label well.
    #[serde(default)]
    pub examples: Vec<i64>,
}

/// How many labels each item gets.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Overlap {
    /// Exactly `n` labels per item.
    Fixed { n: u32 },
    /// At least `min`, at most `max`, stopping once the consensus reaches `target` confidence.
    Dynamic { min: u32, max: u32, target: f64 },
}

impl Overlap {
    /// Labels every item gets before consensus may stop asking.
    pub fn initial(&self) -> u32 {
        match *self {
            Overlap::Fixed { n } => n,
            Overlap::Dynamic { min, .. } => min,
        }
    }
    /// The most labels an item may ever get.
    pub fn max(&self) -> u32 {
        match *self {
            Overlap::Fixed { n } => n,
            Overlap::Dynamic { max, .. } => max,
        }
    }
}

/// When a label earns its piece rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum PayOn {
    /// When it agrees with the final answer or a lead accepts it.
    #[default]
    Accepted,
    /// As soon as it is submitted.
    Submit,
}

pub const MAX_OVERLAP: u32 = 15;
pub const MAX_UNIT_SIZE: u32 = 200;

/// Everything a client sets on an order (checked by [`OrderSpec::validate`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderSpec {
    pub name: String,
    pub task_type: TaskType,
    /// The label set of the four one-question task types (a template's options live on
    /// its questions).
    #[serde(default)]
    pub labels: Vec<LabelDef>,
    /// The fields shown and the questions asked (task type `template`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<Template>,
    /// Short instructions shown (and read aloud) to annotators.
    #[serde(default)]
    pub instructions: String,
    /// Items that illustrate the instructions.
    #[serde(default)]
    pub instruction_examples: Vec<i64>,
    pub overlap: Overlap,
    /// Share of each unit that is gold (0 to 0.5).
    #[serde(default)]
    pub gold_share: f64,
    /// Use at most this many of the manifest's known answers as gold; the other items
    /// with known answers are labelled like any other. `None`: all of them.
    #[serde(default)]
    pub max_gold_items: Option<u32>,
    /// Items per work unit (default 20).
    #[serde(default = "default_unit_size")]
    pub unit_size: u32,
    /// Pay per accepted label, in fen.
    pub piece_rate_fen: i64,
    /// Box orders: pay per box instead, in fen (0 = per label only).
    #[serde(default)]
    pub box_rate_fen: i64,
    /// Box orders: at most this many boxes paid per label.
    #[serde(default)]
    pub box_pay_cap: u32,
    #[serde(default)]
    pub pay_on: PayOn,
    /// Unix milliseconds.
    pub deadline: Option<i64>,
    /// Higher goes first (0 to 10, default 5).
    #[serde(default = "default_priority")]
    pub priority: i32,
    /// Centres whose annotators may work on it; empty means every centre.
    #[serde(default)]
    pub eligible_centres: Vec<i64>,
    /// A qualification the annotator must hold (e.g. `medical`).
    pub required_qualification: Option<String>,
    /// The lowest skill level allowed.
    pub required_level: Option<SkillLevel>,
    /// Set for a training order: every item is gold, each answer is shown right or wrong
    /// at once, and passing a unit earns a qualification.
    #[serde(default)]
    pub training: Option<Training>,
    /// Reading speeds for orders with texts (the defaults when absent): the too-fast rule
    /// and the expected time per item (`mudou_domain::reading`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reading: Option<crate::reading::Reading>,
    /// Model suggestions for annotators to check and fix (`mudou_domain::suggest`): which
    /// questions, pay for a check and a fix, planted wrong ones, trust in the model's vote.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggestions: Option<crate::suggest::SuggestionPolicy>,
    /// The expert ladder (`mudou_domain::medical`): escalated items go to the centres'
    /// medical experts, then to the client's doctor, not to a lead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medical: Option<crate::medical::MedicalPolicy>,
}

/// How a training order is passed and what it grants.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Training {
    /// Share of a unit's items to get right to pass (more than 0.5, at most 1; default 0.8).
    #[serde(default = "default_pass_share")]
    pub pass_share: f64,
    /// The qualification passing grants; by default the order's task type (`bbox`, …),
    /// which opens real work of that type.
    #[serde(default)]
    pub grants: Option<String>,
}

fn default_pass_share() -> f64 {
    0.8
}

fn default_unit_size() -> u32 {
    20
}

fn default_priority() -> i32 {
    5
}

fn bad(field: &'static str, message: impl Into<String>) -> ValidationError {
    ValidationError::new(field, message)
}

fn is_colour(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s[1..].bytes().all(|b| b.is_ascii_hexdigit())
}

fn is_key(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 40
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

impl OrderSpec {
    /// Checks every rule an order must keep; the first broken one is reported.
    pub fn validate(&self, now: i64) -> Result<(), ValidationError> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(bad("name", "an order name is 1 to 100 characters"));
        }
        match (&self.template, self.task_type) {
            (Some(t), TaskType::Template) => {
                t.validate()?;
                if !self.labels.is_empty() {
                    return Err(bad(
                        "labels",
                        "a template order's options are on its questions; leave labels empty",
                    ));
                }
            }
            (None, TaskType::Template) => {
                return Err(bad("template", "task type template needs a template"));
            }
            (Some(_), _) => {
                return Err(bad(
                    "template",
                    "a template goes with task type template (the other task types are templates of one question)",
                ));
            }
            (None, _) => {}
        }
        if let Some(r) = &self.reading {
            r.validate()?;
        }
        if let Some(p) = &self.suggestions {
            p.validate(self)?;
        }
        self.check_medical()?;
        let min_labels = self.task_type.kind().min_labels();
        if self.labels.len() < min_labels || self.labels.len() > 50 {
            return Err(bad(
                "labels",
                format!("this task type needs {min_labels} to 50 labels"),
            ));
        }
        let mut keys = HashSet::new();
        let mut hotkeys = HashSet::new();
        for (i, l) in self.labels.iter().enumerate() {
            if !is_key(&l.key) {
                return Err(bad(
                    "labels",
                    format!(
                        "label {}: key {:?} must be letters, digits, '_', '-' or '.'",
                        i + 1,
                        l.key
                    ),
                ));
            }
            if !keys.insert(l.key.as_str()) {
                return Err(bad(
                    "labels",
                    format!("label key {:?} is used twice", l.key),
                ));
            }
            for (what, v) in [("name_zh", &l.name_zh), ("name_en", &l.name_en)] {
                let n = v.trim().chars().count();
                if n == 0 || n > 40 {
                    return Err(bad(
                        "labels",
                        format!("label {:?}: {what} is 1 to 40 characters", l.key),
                    ));
                }
            }
            if !is_colour(&l.colour) {
                return Err(bad(
                    "labels",
                    format!("label {:?}: colour must look like #1e88e5", l.key),
                ));
            }
            if let Some(h) = l.hotkey {
                if !h.is_ascii_alphanumeric() {
                    return Err(bad(
                        "labels",
                        format!("label {:?}: a hotkey is a digit or a letter", l.key),
                    ));
                }
                if !hotkeys.insert(h.to_ascii_lowercase()) {
                    return Err(bad("labels", format!("hotkey {h:?} is used twice")));
                }
            }
        }
        if self.instructions.chars().count() > 2000 {
            return Err(bad(
                "instructions",
                "instructions are at most 2000 characters: keep them short",
            ));
        }
        match self.overlap {
            Overlap::Fixed { n } if n == 0 || n > MAX_OVERLAP => {
                return Err(bad(
                    "overlap",
                    format!("overlap is 1 to {MAX_OVERLAP} labels per item"),
                ));
            }
            Overlap::Dynamic { min, max, target } => {
                if min == 0 || min > max || max > MAX_OVERLAP {
                    return Err(bad(
                        "overlap",
                        format!("dynamic overlap needs 1 ≤ min ≤ max ≤ {MAX_OVERLAP}"),
                    ));
                }
                if !(target > 0.5 && target < 1.0) {
                    return Err(bad(
                        "overlap",
                        "target confidence is between 0.5 and 1 (e.g. 0.95)",
                    ));
                }
            }
            _ => {}
        }
        if !(0.0..=0.5).contains(&self.gold_share) || self.gold_share.is_nan() {
            return Err(bad("gold_share", "the gold share is between 0 and 0.5"));
        }
        if self.unit_size == 0 || self.unit_size > MAX_UNIT_SIZE {
            return Err(bad(
                "unit_size",
                format!("a unit holds 1 to {MAX_UNIT_SIZE} items"),
            ));
        }
        if self.piece_rate_fen < 0 || self.box_rate_fen < 0 {
            return Err(bad("piece_rate_fen", "a price cannot be negative"));
        }
        if self.piece_rate_fen > 100_000 || self.box_rate_fen > 100_000 {
            return Err(bad(
                "piece_rate_fen",
                "a price above ¥1000 per label is surely a typo",
            ));
        }
        if !self.task_type.kind().pays_per_object(self)
            && (self.box_rate_fen != 0 || self.box_pay_cap != 0)
        {
            return Err(bad("box_rate_fen", "only box orders pay per box"));
        }
        if let Some(d) = self.deadline
            && d <= now
        {
            return Err(bad("deadline", "the deadline is in the past"));
        }
        if !(0..=10).contains(&self.priority) {
            return Err(bad("priority", "priority is 0 to 10"));
        }
        if let Some(t) = &self.training {
            if !(t.pass_share > 0.5 && t.pass_share <= 1.0) {
                return Err(bad(
                    "training",
                    "the pass share is more than 0.5 and at most 1 (e.g. 0.8)",
                ));
            }
            if t.grants.as_deref().is_some_and(|q| !is_key(q)) {
                return Err(bad(
                    "training",
                    "a qualification is a short key such as bbox or medical",
                ));
            }
        }
        if let Some(q) = &self.required_qualification
            && !is_key(q)
        {
            return Err(bad(
                "required_qualification",
                "a qualification is a short key such as bbox or medical",
            ));
        }
        if self.template.as_ref().is_some_and(|t| t.needs_volume())
            && self.required_qualification.as_deref() != Some("medical")
        {
            return Err(bad(
                "required_qualification",
                "an order with a finding question (a medical series) needs required_qualification \"medical\"",
            ));
        }
        Ok(())
    }

    /// The expert ladder's rules: its policy checked when the order has one.
    pub fn check_medical(&self) -> Result<(), ValidationError> {
        // An order asking for findings without the ladder is allowed: its disagreements go to
        // the centre's lead like any other order's (the finding kind still needs `medical`).
        if let Some(m) = &self.medical {
            m.validate(self)?;
        }
        Ok(())
    }

    /// What one accepted answer earns, in fen: the piece rate, or for box orders with a
    /// box rate, `box_rate_fen` per box up to `box_pay_cap` boxes (no cap when 0) instead;
    /// a template with boxes pays the piece rate and its boxes on top. A skip earns nothing.
    pub fn pay_for(&self, answer: Option<&Answer>) -> i64 {
        let Some(answer) = answer else { return 0 };
        let kind = self.task_type.kind();
        match kind.objects(self, answer) {
            Some(n) if self.box_rate_fen > 0 => {
                let n = n as i64;
                let paid = if self.box_pay_cap > 0 {
                    n.min(self.box_pay_cap as i64)
                } else {
                    n
                };
                let base = if kind.objects_on_top() {
                    self.piece_rate_fen
                } else {
                    0
                };
                base + paid * self.box_rate_fen
            }
            _ => self.piece_rate_fen,
        }
    }

    /// The qualification a training order grants (its task type unless it names one).
    pub fn grants(&self) -> Option<&str> {
        let t = self.training.as_ref()?;
        Some(t.grants.as_deref().unwrap_or(self.task_type.as_str()))
    }

    pub fn label_index(&self, key: &str) -> Option<usize> {
        self.labels.iter().position(|l| l.key == key)
    }

    /// Whether a stored answer counts as right against a gold (or reference) answer, by
    /// the order's kind: the same label, boxes by IoU, a template question by question.
    pub fn agrees(&self, answer: &serde_json::Value, gold: &serde_json::Value) -> bool {
        self.task_type.kind().agrees(self, answer, gold)
    }

    /// [`OrderSpec::agrees`] of two answers as stored (JSON texts).
    pub fn agrees_str(&self, answer: &str, gold: &str) -> bool {
        match (
            serde_json::from_str::<serde_json::Value>(answer),
            serde_json::from_str::<serde_json::Value>(gold),
        ) {
            (Ok(a), Ok(g)) => self.agrees(&a, &g),
            _ => false,
        }
    }

    /// Whether the order's answers settle only by a lead's review (it asks a question whose
    /// kind says so: a written answer).
    pub fn by_review(&self) -> bool {
        self.template
            .as_ref()
            .is_some_and(|t| t.questions.iter().any(|q| q.kind().by_review()))
    }

    /// The order's template: its own, or for the four one-question task types the template
    /// they amount to (one field, one question keyed like their answers).
    pub fn template(&self) -> std::borrow::Cow<'_, Template> {
        use std::borrow::Cow;
        if let Some(t) = &self.template {
            return Cow::Borrowed(t);
        }
        let (field, kind, key, title_zh, title_en) = match self.task_type {
            TaskType::SingleChoice | TaskType::Template => {
                ("image", "choice", "label", "选一个", "Pick one")
            }
            TaskType::TextClassification => ("text", "choice", "label", "选一个", "Pick one"),
            TaskType::MultiLabel => ("image", "multi_choice", "labels", "选所有", "Pick all"),
            TaskType::Bbox => ("image", "boxes", "boxes", "框出", "Draw boxes"),
        };
        Cow::Owned(Template {
            layout: Layout::One,
            fields: vec![FieldDef {
                name: field.into(),
                kind: if field == "image" {
                    FieldKind::Image
                } else {
                    FieldKind::Text
                },
                title_zh: String::new(),
                title_en: String::new(),
            }],
            questions: vec![Question {
                key: key.into(),
                kind: kind.into(),
                title_zh: title_zh.into(),
                title_en: title_en.into(),
                field: Some(field.into()),
                required: true,
                when: None,
                options: self
                    .labels
                    .iter()
                    .map(|l| OptionDef {
                        key: l.key.clone(),
                        name_zh: l.name_zh.clone(),
                        name_en: l.name_en.clone(),
                        colour: Some(l.colour.clone()),
                        hotkey: l.hotkey,
                        icon: None,
                    })
                    .collect(),
                settings: Settings::default(),
                read_aloud: String::new(),
            }],
        })
    }

    /// The kind of an item's first field (`image` or `text`): the kind of item the order
    /// labels.
    pub fn item_kind(&self) -> &'static str {
        match &self.template {
            // Conversations and Markdown texts are stored as text items.
            Some(t) => t.fields.first().map_or("image", |f| match f.kind {
                FieldKind::Image => "image",
                _ => "text",
            }),
            None => self.task_type.item_kind(),
        }
    }

    /// The fields every item of the order must have, with their kinds.
    pub fn fields(&self) -> Vec<(String, FieldKind)> {
        self.template()
            .fields
            .iter()
            .map(|f| (f.name.clone(), f.kind))
            .collect()
    }
}

/// A box in image pixels.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BoxAnswer {
    pub label: String,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

/// An answer to one item, in the shape its order's task type asks for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum Answer {
    /// Single choice and text classification: `{"label": "cat"}`.
    Choice { label: String },
    /// Multi-label: `{"labels": ["cat", "outdoor"]}` (may be empty).
    Multi { labels: Vec<String> },
    /// Boxes: `{"boxes": [{"label": "car", "x": 10, "y": 20, "w": 50, "h": 40}]}` (may be empty).
    Boxes { boxes: Vec<BoxAnswer> },
    /// A template order's answer, keyed by question: `{"class": "car", "stars": 4}`.
    Form(serde_json::Map<String, serde_json::Value>),
}

impl Answer {
    /// Parses and checks an answer against the order; `image` is the item's (width, height).
    pub fn parse(
        spec: &OrderSpec,
        value: &serde_json::Value,
        image: Option<(i64, i64)>,
    ) -> Result<Answer, ValidationError> {
        let kind = spec.task_type.kind();
        match kind.answer_key() {
            Some(key) => kind.parse(spec, crate::kinds::the_value(value, key)?, image),
            None => kind.parse(spec, value, image),
        }
    }

    /// [`Answer::parse`] with the size of every picture field of the item, by name, in the
    /// item's order (the first is what `image` is to [`Answer::parse`]).
    pub fn parse_sized(
        spec: &OrderSpec,
        value: &serde_json::Value,
        sizes: &[(String, (i64, i64))],
    ) -> Result<Answer, ValidationError> {
        let kind = spec.task_type.kind();
        match kind.answer_key() {
            Some(key) => kind.parse_sized(spec, crate::kinds::the_value(value, key)?, sizes),
            None => kind.parse_sized(spec, value, sizes),
        }
    }

    /// Reads an answer as stored: a label's answer, a consensus (whose boxes carry extra
    /// fields such as `support`) or a gold answer. `None` when it is none of these.
    pub fn from_stored(v: &serde_json::Value) -> Option<Answer> {
        if let Some(boxes) = v.get("boxes").and_then(serde_json::Value::as_array) {
            let boxes = boxes
                .iter()
                .map(|b| {
                    Some(BoxAnswer {
                        label: b["label"].as_str()?.to_owned(),
                        x: b["x"].as_f64()?,
                        y: b["y"].as_f64()?,
                        w: b["w"].as_f64()?,
                        h: b["h"].as_f64()?,
                    })
                })
                .collect::<Option<Vec<_>>>()?;
            return Some(Answer::Boxes { boxes });
        }
        serde_json::from_value(v.clone()).ok()
    }

    /// [`Answer::from_stored`] of a JSON text.
    pub fn from_stored_str(s: &str) -> Option<Answer> {
        serde_json::from_str::<serde_json::Value>(s)
            .ok()
            .and_then(|v| Answer::from_stored(&v))
    }

    /// Whether this answer agrees with a gold answer: the same label, the same set of labels,
    /// or for boxes the same number, each gold box matched by one of the same label with
    /// IoU ≥ 0.5.
    pub fn matches(&self, gold: &Answer) -> bool {
        match (self, gold) {
            (Answer::Choice { label: a }, Answer::Choice { label: b }) => a == b,
            (Answer::Multi { labels: a }, Answer::Multi { labels: b }) => {
                let mut a = a.clone();
                let mut b = b.clone();
                a.sort();
                b.sort();
                a == b
            }
            (Answer::Form(a), Answer::Form(b)) => a == b,
            (Answer::Boxes { boxes: a }, Answer::Boxes { boxes: b }) => {
                if a.len() != b.len() {
                    return false;
                }
                let mut used = vec![false; a.len()];
                b.iter().all(|g| {
                    let hit = a
                        .iter()
                        .enumerate()
                        .filter(|(i, x)| !used[*i] && x.label == g.label)
                        .max_by(|x, y| iou(x.1, g).total_cmp(&iou(y.1, g)));
                    match hit {
                        Some((i, x)) if iou(x, g) >= 0.5 => {
                            used[i] = true;
                            true
                        }
                        _ => false,
                    }
                })
            }
            _ => false,
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

fn iou(a: &BoxAnswer, b: &BoxAnswer) -> f64 {
    let x0 = a.x.max(b.x);
    let y0 = a.y.max(b.y);
    let x1 = (a.x + a.w).min(b.x + b.w);
    let y1 = (a.y + a.h).min(b.y + b.h);
    let inter = (x1 - x0).max(0.0) * (y1 - y0).max(0.0);
    let union = a.w * a.h + b.w * b.h - inter;
    if union > 0.0 { inter / union } else { 0.0 }
}

/// Orders for tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// A valid order of `task_type` with these label keys, one label per item, paid 1 fen.
    pub(crate) fn spec(task_type: TaskType, keys: &[&str]) -> OrderSpec {
        OrderSpec {
            name: "t".into(),
            task_type,
            template: None,
            labels: keys
                .iter()
                .map(|k| LabelDef {
                    key: (*k).into(),
                    name_zh: (*k).into(),
                    name_en: (*k).into(),
                    colour: "#000000".into(),
                    hotkey: None,
                    examples: vec![],
                })
                .collect(),
            instructions: String::new(),
            instruction_examples: vec![],
            overlap: Overlap::Fixed { n: 1 },
            gold_share: 0.0,
            max_gold_items: None,
            unit_size: 20,
            piece_rate_fen: 1,
            box_rate_fen: 0,
            box_pay_cap: 0,
            pay_on: PayOn::Accepted,
            deadline: None,
            priority: 5,
            eligible_centres: vec![],
            required_qualification: None,
            required_level: None,
            training: None,
            reading: None,
            suggestions: None,
            medical: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn answers_match_gold() {
        let b = |l: &str, x: f64| BoxAnswer {
            label: l.into(),
            x,
            y: 0.0,
            w: 10.0,
            h: 10.0,
        };
        let gold = Answer::Boxes {
            boxes: vec![b("cat", 0.0), b("dog", 50.0)],
        };
        assert!(
            Answer::Boxes {
                boxes: vec![b("dog", 51.0), b("cat", 1.0)]
            }
            .matches(&gold)
        );
        assert!(
            !Answer::Boxes {
                boxes: vec![b("dog", 51.0), b("cat", 8.0)]
            }
            .matches(&gold),
            "IoU too low"
        );
        assert!(
            !Answer::Boxes {
                boxes: vec![b("cat", 0.0)]
            }
            .matches(&gold)
        );
        let m = |v: &[&str]| Answer::Multi {
            labels: v.iter().map(|s| s.to_string()).collect(),
        };
        assert!(m(&["a", "b"]).matches(&m(&["b", "a"])));
        assert!(!m(&["a"]).matches(&m(&["a", "b"])));
        assert!(
            Answer::Choice { label: "x".into() }.matches(&Answer::Choice { label: "x".into() })
        );
    }

    pub fn spec(task_type: TaskType) -> OrderSpec {
        let mut s = OrderSpec {
            name: "猫狗".into(),
            overlap: Overlap::Fixed { n: 3 },
            gold_share: 0.1,
            piece_rate_fen: 30,
            ..testing::spec(task_type, &["cat", "dog"])
        };
        for (l, hot) in s.labels.iter_mut().zip(['1', '2']) {
            l.colour = "#1e88e5".into();
            l.hotkey = Some(hot);
        }
        s
    }

    #[test]
    fn order_rules() {
        assert!(spec(TaskType::SingleChoice).validate(0).is_ok());
        type Breaker = Box<dyn Fn(&mut OrderSpec)>;
        let broken: Vec<(&str, Breaker)> = vec![
            ("overlap", Box::new(|s| s.overlap = Overlap::Fixed { n: 0 })),
            (
                "overlap",
                Box::new(|s| {
                    s.overlap = Overlap::Dynamic {
                        min: 3,
                        max: 2,
                        target: 0.9,
                    }
                }),
            ),
            (
                "overlap",
                Box::new(|s| {
                    s.overlap = Overlap::Dynamic {
                        min: 2,
                        max: 5,
                        target: 1.0,
                    }
                }),
            ),
            ("labels", Box::new(|s| s.labels[1].hotkey = Some('1'))),
            ("labels", Box::new(|s| s.labels[1].key = "cat".into())),
            ("labels", Box::new(|s| s.labels[0].colour = "blue".into())),
            ("labels", Box::new(|s| s.labels.truncate(1))),
            ("piece_rate_fen", Box::new(|s| s.piece_rate_fen = -1)),
            ("gold_share", Box::new(|s| s.gold_share = 0.9)),
            ("gold_share", Box::new(|s| s.gold_share = f64::NAN)),
            ("unit_size", Box::new(|s| s.unit_size = 0)),
            ("deadline", Box::new(|s| s.deadline = Some(5))),
            ("box_rate_fen", Box::new(|s| s.box_rate_fen = 5)),
            ("name", Box::new(|s| s.name = " ".into())),
        ];
        for (field, f) in broken {
            let mut s = spec(TaskType::SingleChoice);
            f(&mut s);
            assert_eq!(s.validate(10).unwrap_err().field, field, "{s:?}");
        }
        let mut b = spec(TaskType::Bbox);
        b.labels.truncate(1);
        assert!(b.validate(0).is_ok(), "a box order may have one class");
        b.training = Some(Training {
            pass_share: 0.8,
            grants: None,
        });
        assert!(b.validate(0).is_ok());
        assert_eq!(b.grants(), Some("bbox"));
        b.training = Some(Training {
            pass_share: 0.4,
            grants: None,
        });
        assert_eq!(b.validate(0).unwrap_err().field, "training");
        b.training = Some(Training {
            pass_share: 0.9,
            grants: Some("医学".into()),
        });
        assert_eq!(b.validate(0).unwrap_err().field, "training");
        let t: OrderSpec = serde_json::from_value(serde_json::json!({
            "name": "t", "task_type": "single_choice", "labels": [],
            "overlap": {"kind": "fixed", "n": 1}, "piece_rate_fen": 0,
            "required_qualification": null, "required_level": null, "deadline": null,
            "training": {"grants": "medical"}}))
        .unwrap();
        assert_eq!(t.grants(), Some("medical"));
        assert_eq!(
            t.training.map(|t| t.pass_share),
            Some(0.8),
            "the default pass share"
        );
    }

    #[test]
    fn pay_per_label_and_per_box_up_to_the_cap() {
        let s = spec(TaskType::SingleChoice);
        let cat = Answer::Choice {
            label: "cat".into(),
        };
        assert_eq!(s.pay_for(Some(&cat)), 30);
        assert_eq!(s.pay_for(None), 0, "a skip earns nothing");
        let mut b = spec(TaskType::Bbox);
        b.piece_rate_fen = 5;
        b.box_rate_fen = 10;
        b.box_pay_cap = 2;
        let bx = |n: usize| Answer::Boxes {
            boxes: (0..n)
                .map(|i| BoxAnswer {
                    label: "cat".into(),
                    x: i as f64,
                    y: 0.0,
                    w: 1.0,
                    h: 1.0,
                })
                .collect(),
        };
        assert_eq!(b.pay_for(Some(&bx(0))), 0);
        assert_eq!(b.pay_for(Some(&bx(1))), 10);
        assert_eq!(b.pay_for(Some(&bx(5))), 20, "capped at two boxes");
        b.box_pay_cap = 0;
        assert_eq!(b.pay_for(Some(&bx(5))), 50, "no cap");
        b.box_rate_fen = 0;
        assert_eq!(
            b.pay_for(Some(&bx(5))),
            5,
            "per label when there is no box rate"
        );
    }

    #[test]
    fn answers() {
        let s = spec(TaskType::SingleChoice);
        assert_eq!(
            Answer::parse(&s, &json!({"label": "cat"}), None).unwrap(),
            Answer::Choice {
                label: "cat".into()
            }
        );
        assert!(Answer::parse(&s, &json!({"label": "cow"}), None).is_err());
        assert!(Answer::parse(&s, &json!({"labels": ["cat"]}), None).is_err());
        assert!(Answer::parse(&s, &json!("cat"), None).is_err());
        let m = spec(TaskType::MultiLabel);
        assert_eq!(
            Answer::parse(&m, &json!({"labels": ["dog", "cat"]}), None).unwrap(),
            Answer::Multi {
                labels: vec!["cat".into(), "dog".into()]
            }
        );
        assert!(Answer::parse(&m, &json!({"labels": ["dog", "dog"]}), None).is_err());
        let b = spec(TaskType::Bbox);
        let ok = json!({"boxes": [{"label": "cat", "x": 1, "y": 2, "w": 30, "h": 40}]});
        assert!(Answer::parse(&b, &ok, Some((100, 100))).is_ok());
        assert!(
            Answer::parse(&b, &ok, Some((20, 100))).is_err(),
            "outside the image"
        );
        let neg = json!({"boxes": [{"label": "cat", "x": 1, "y": 2, "w": -3, "h": 40}]});
        assert!(Answer::parse(&b, &neg, None).is_err());
        assert_eq!(
            Answer::parse(&b, &json!({"boxes": []}), None).unwrap(),
            Answer::Boxes { boxes: vec![] }
        );
        let round = Answer::parse(&b, &ok, None).unwrap().to_json();
        assert_eq!(round["boxes"][0]["w"], 30.0);
    }
}
