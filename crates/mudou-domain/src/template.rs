//! An order's template: the fields of an item it shows, how they are laid out, and the
//! questions asked about them.
//!
//! A template order's answer is a JSON object keyed by question: `{"class": "car",
//! "occluded": ["front"], "stars": 4}`. A question not asked (its condition does not hold) is
//! absent; an optional question left blank is absent too. Each question's kind is a module
//! in [`crate::kinds`] behind [`QuestionKind`]; this file holds what all of them share: the
//! template's shape and rules, the order of asking, and how per-question results combine
//! into one item's answer, consensus and score.
//!
//! The four task types of before are templates of one question whose key is the old
//! answer's key (`label`, `labels`, `boxes`), so their answers read the same either way
//! ([`crate::OrderSpec::template`]).

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::ValidationError;
use crate::kinds::{Agreed, QuestionKind, Voters, question_kind};

/// How an item's fields are laid out on the workbench.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// One field at a time (or the only one).
    #[default]
    One,
    /// Fields next to each other (one above the other on a phone).
    SideBySide,
    /// Two pictures in one place; a swipe or a key flips between them.
    Swipe,
    /// Fields one above the other.
    Stacked,
}

/// What a field of an item holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Image,
    Text,
    /// Chat turns: the field's text is a JSON array of `{"role": "system"|"user"|"assistant",
    /// "content"}` (an LLM prompt).
    Conversation,
    /// A text shown as Markdown (an LLM's response): code blocks and tables, never HTML.
    Markdown,
    /// A medical series: a stack of slices (de-identified DICOM), with its geometry in
    /// millimetres ([`crate::volume::VolumeGeometry`]).
    Series,
}

impl FieldKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Image => "image",
            FieldKind::Text => "text",
            FieldKind::Conversation => "conversation",
            FieldKind::Markdown => "markdown",
            FieldKind::Series => "series",
        }
    }

    /// Whether an item's field of kind `have` can be shown where a template wants `self`:
    /// the same kind, or a text and a Markdown text either way.
    pub fn fits(self, have: FieldKind) -> bool {
        self == have
            || matches!(
                (self, have),
                (FieldKind::Text, FieldKind::Markdown) | (FieldKind::Markdown, FieldKind::Text)
            )
    }
}

/// A named field every item of the order has.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldDef {
    /// The field's name in the dataset (a manifest column), e.g. `before`.
    pub name: String,
    pub kind: FieldKind,
    /// A caption shown over the field ("之前").
    #[serde(default)]
    pub title_zh: String,
    #[serde(default)]
    pub title_en: String,
}

/// One option of a choice, a step of a rating, a class of boxes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OptionDef {
    /// Stable key stored in answers and exports.
    pub key: String,
    #[serde(alias = "zh")]
    pub name_zh: String,
    #[serde(default, alias = "en")]
    pub name_en: String,
    /// `#rrggbb`.
    #[serde(default)]
    pub colour: Option<String>,
    /// A key on the keyboard; unique within the template.
    #[serde(default)]
    pub hotkey: Option<char>,
    /// A short picture for the option: an emoji or one of the UI's icon names.
    #[serde(default)]
    pub icon: Option<String>,
}

/// Ask a question only when an earlier question's answer is one of `any_of`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// The key of an earlier question.
    pub question: String,
    /// Option keys: of a choice, any chosen of a multiple choice, the step of a rating.
    pub any_of: Vec<String>,
}

/// A small form on each drawn object ("occluded", "truncated").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttributeDef {
    pub key: String,
    #[serde(alias = "zh")]
    pub name_zh: String,
    #[serde(default, alias = "en")]
    pub name_en: String,
    /// Its choices; none for a yes/no attribute (answered `true` or `false`).
    #[serde(default)]
    pub options: Vec<OptionDef>,
    /// Whether every object must give it (a finding's location).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub required: bool,
}

/// Settings some kinds take (each kind checks the ones it reads and refuses the others).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Number: the smallest and largest answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Number: answers are multiples of this from `min` (e.g. 0.01 for money).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<f64>,
    /// Number: the unit shown next to the answer (元, km/h).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// How far answers may be apart and still agree: number in its unit, rating in steps,
    /// free text as a character error rate (0 to 1). Default 0: exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<f64>,
    /// Free text: the most characters (default 100, at most 2000); writing: default 4000,
    /// at most 8000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_chars: Option<u32>,
    /// Writing: the fewest characters (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_chars: Option<u32>,
    /// Writing: the text or Markdown field whose text is the original to rewrite (none:
    /// write an answer to the prompt).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rewrite: Option<String>,
    /// Boxes: the small form asked for each object.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<AttributeDef>,
    /// Pairwise: the two Markdown fields compared (default `response_1`, `response_2`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pair: Vec<String>,
    /// Pairwise: also ask how much better (1 slightly, 2 clearly).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strength: Option<bool>,
    /// Ranking: the Markdown fields ranked, 2 to 7 (`["response_1", "response_2"]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rank: Vec<String>,
    /// Ranking: whether answers may tie (a group of two or more).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ties: bool,
    /// Rubric: the words of each step (`{"value": 1, "name_zh": "很差"}`), some or all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<StepDef>,
    /// Rubric: an example for an axis, by the axis's key.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub examples: std::collections::BTreeMap<String, String>,
    /// Keypoints: the skeleton every answer places (named points with their sigmas, edges).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skeleton: Option<Skeleton>,
    /// Finding: whether an outline polygon may be drawn on the finding's slice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outline: Option<bool>,
    /// Finding: two findings closer than this (3D, millimetres) are the same finding
    /// (default 5, at most 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_mm: Option<f64>,
    /// Finding: the most findings one answer may hold (1 to 100, default 20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_findings: Option<u32>,
}

/// A keypoints question's skeleton: the points in order, and the edges drawn between them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Skeleton {
    pub points: Vec<SkeletonPoint>,
    /// Pairs of point indices, e.g. `[[0, 1], [1, 2]]`.
    #[serde(default)]
    pub edges: Vec<[u32; 2]>,
}

/// One named point of a skeleton.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SkeletonPoint {
    pub key: String,
    pub name_zh: String,
    #[serde(default)]
    pub name_en: String,
    /// How far people place this point apart, as COCO's per-point sigma (a nose 0.026, a
    /// hip 0.107): OKS compares by it.
    pub sigma: f64,
}

/// The words of one step of a rubric.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepDef {
    pub value: u32,
    pub name_zh: String,
    #[serde(default)]
    pub name_en: String,
}

/// One question of a template.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// Stable key of the answer, e.g. `class`.
    pub key: String,
    /// One of [`crate::kinds::QUESTION_KINDS`]: `choice`, `rating`, `boxes`, `polygon`, ….
    pub kind: String,
    /// The question in a few words ("是什么车?").
    pub title_zh: String,
    #[serde(default)]
    pub title_en: String,
    /// The field the question is about; none for the item as a whole.
    #[serde(default)]
    pub field: Option<String>,
    /// A required question must be answered whenever it is asked (default true).
    #[serde(default = "yes")]
    pub required: bool,
    /// Ask only when an earlier answer is one of these.
    #[serde(default)]
    pub when: Option<Condition>,
    /// Choices, rating steps, box classes.
    #[serde(default)]
    pub options: Vec<OptionDef>,
    #[serde(default)]
    pub settings: Settings,
    /// What the speaker button says; the title and options by default.
    #[serde(default)]
    pub read_aloud: String,
}

fn yes() -> bool {
    true
}

impl Question {
    /// This question's kind (checked by [`Template::validate`]).
    pub fn kind(&self) -> &'static dyn QuestionKind {
        question_kind(&self.kind).unwrap_or(&crate::kinds::UNKNOWN)
    }

    pub fn option_index(&self, key: &str) -> Option<usize> {
        self.options.iter().position(|o| o.key == key)
    }
}

/// The most questions in a template.
pub const MAX_QUESTIONS: usize = 30;
/// The most fields of an item.
pub const MAX_FIELDS: usize = 8;
/// The most options of a question.
pub const MAX_OPTIONS: usize = 50;

/// An order's fields, layout and questions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Template {
    #[serde(default)]
    pub layout: Layout,
    pub fields: Vec<FieldDef>,
    pub questions: Vec<Question>,
}

/// Stable keys: letters, digits, `_`, `-`, `.`; 1 to 40 bytes.
pub(crate) fn is_key(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 40
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

pub(crate) fn is_colour(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s[1..].bytes().all(|b| b.is_ascii_hexdigit())
}

fn words(path: &str, what: &str, v: &str, max: usize) -> Result<(), ValidationError> {
    let n = v.trim().chars().count();
    if n == 0 || n > max {
        return Err(ValidationError::at(
            path,
            format!("{what} is 1 to {max} characters"),
        ));
    }
    Ok(())
}

/// Checks a list of options: keys, names, colours; hotkeys go into `hotkeys` (shared by the
/// whole template, since a laptop shows every question at once).
pub(crate) fn check_options(
    options: &[OptionDef],
    at: &str,
    hotkeys: &mut HashSet<char>,
) -> Result<(), ValidationError> {
    let mut keys = HashSet::new();
    for (i, o) in options.iter().enumerate() {
        let p = format!("{at}[{i}]");
        if !is_key(&o.key) {
            return Err(ValidationError::at(
                format!("{p}.key"),
                format!("key {:?} must be letters, digits, '_', '-' or '.'", o.key),
            ));
        }
        if !keys.insert(o.key.as_str()) {
            return Err(ValidationError::at(
                format!("{p}.key"),
                format!("key {:?} is used twice", o.key),
            ));
        }
        words(&format!("{p}.name_zh"), "a name", &o.name_zh, 40)?;
        if o.name_en.chars().count() > 40 {
            return Err(ValidationError::at(
                format!("{p}.name_en"),
                "a name is at most 40 characters",
            ));
        }
        if let Some(c) = &o.colour
            && !is_colour(c)
        {
            return Err(ValidationError::at(
                format!("{p}.colour"),
                "a colour looks like #1e88e5",
            ));
        }
        if o.icon.as_ref().is_some_and(|i| i.chars().count() > 20) {
            return Err(ValidationError::at(
                format!("{p}.icon"),
                "an icon is an emoji or an icon name",
            ));
        }
        if let Some(h) = o.hotkey {
            if !h.is_ascii_alphanumeric() {
                return Err(ValidationError::at(
                    format!("{p}.hotkey"),
                    "a hotkey is a digit or a letter",
                ));
            }
            if !hotkeys.insert(h.to_ascii_lowercase()) {
                return Err(ValidationError::at(
                    format!("{p}.hotkey"),
                    format!("hotkey {h:?} is used twice"),
                ));
            }
        }
    }
    Ok(())
}

impl Template {
    /// Checks the template; errors name the path (`template.questions[2].options`).
    pub fn validate(&self) -> Result<(), ValidationError> {
        let at = "template";
        if self.fields.is_empty() || self.fields.len() > MAX_FIELDS {
            return Err(ValidationError::at(
                format!("{at}.fields"),
                format!("a template shows 1 to {MAX_FIELDS} fields"),
            ));
        }
        let mut names = HashSet::new();
        for (i, f) in self.fields.iter().enumerate() {
            if !is_key(&f.name) {
                return Err(ValidationError::at(
                    format!("{at}.fields[{i}].name"),
                    format!(
                        "field name {:?} must be letters, digits, '_', '-' or '.'",
                        f.name
                    ),
                ));
            }
            if !names.insert(f.name.as_str()) {
                return Err(ValidationError::at(
                    format!("{at}.fields[{i}].name"),
                    format!("field {:?} is listed twice", f.name),
                ));
            }
            if f.title_zh.chars().count() > 40 || f.title_en.chars().count() > 40 {
                return Err(ValidationError::at(
                    format!("{at}.fields[{i}].title_zh"),
                    "a caption is at most 40 characters",
                ));
            }
        }
        if self.layout == Layout::Swipe
            && (self.fields.len() != 2 || self.fields.iter().any(|f| f.kind != FieldKind::Image))
        {
            return Err(ValidationError::at(
                format!("{at}.layout"),
                "swiping flips between exactly two pictures",
            ));
        }
        if self.questions.is_empty() || self.questions.len() > MAX_QUESTIONS {
            return Err(ValidationError::at(
                format!("{at}.questions"),
                format!("a template asks 1 to {MAX_QUESTIONS} questions"),
            ));
        }
        let mut keys: HashMap<&str, usize> = HashMap::new();
        let mut hotkeys = HashSet::new();
        let mut any_required = false;
        for (i, q) in self.questions.iter().enumerate() {
            let p = format!("{at}.questions[{i}]");
            if !is_key(&q.key) {
                return Err(ValidationError::at(
                    format!("{p}.key"),
                    format!("key {:?} must be letters, digits, '_', '-' or '.'", q.key),
                ));
            }
            if keys.insert(q.key.as_str(), i).is_some() {
                return Err(ValidationError::at(
                    format!("{p}.key"),
                    format!("question {:?} is asked twice", q.key),
                ));
            }
            let Some(kind) = question_kind(&q.kind) else {
                return Err(ValidationError::at(
                    format!("{p}.kind"),
                    format!(
                        "{:?} is not a kind of question; one of {}",
                        q.kind,
                        crate::kinds::QUESTION_KINDS.join(", ")
                    ),
                ));
            };
            words(&format!("{p}.title_zh"), "a question", &q.title_zh, 80)?;
            if q.title_en.chars().count() > 80 || q.read_aloud.chars().count() > 300 {
                return Err(ValidationError::at(
                    format!("{p}.title_en"),
                    "a question is at most 80 characters (300 read aloud)",
                ));
            }
            match &q.field {
                Some(name) => {
                    let Some(f) = self.fields.iter().find(|f| &f.name == name) else {
                        return Err(ValidationError::at(
                            format!("{p}.field"),
                            format!("there is no field {name:?}"),
                        ));
                    };
                    if kind.needs_image() && f.kind != FieldKind::Image {
                        return Err(ValidationError::at(
                            format!("{p}.field"),
                            format!("{} are drawn on a picture field", q.kind),
                        ));
                    }
                    if kind.needs_volume() && f.kind != FieldKind::Series {
                        return Err(ValidationError::at(
                            format!("{p}.field"),
                            format!("{} questions are placed on a series field", q.kind),
                        ));
                    }
                }
                None if kind.needs_image() => {
                    return Err(ValidationError::at(
                        format!("{p}.field"),
                        "name the picture the boxes are drawn on",
                    ));
                }
                None if kind.needs_volume() => {
                    return Err(ValidationError::at(
                        format!("{p}.field"),
                        "name the series the findings are placed on",
                    ));
                }
                None => {}
            }
            if let Some(c) = &q.when {
                match keys.get(c.question.as_str()) {
                    Some(&j) if j < i => {
                        let earlier = &self.questions[j];
                        if !earlier.kind().conditions() {
                            return Err(ValidationError::at(
                                format!("{p}.when.question"),
                                format!(
                                    "a condition can look at a choice or a rating, not {}",
                                    earlier.kind
                                ),
                            ));
                        }
                        if c.any_of.is_empty()
                            || c.any_of
                                .iter()
                                .any(|v| earlier.kind().option_of(earlier, v).is_none())
                        {
                            return Err(ValidationError::at(
                                format!("{p}.when.any_of"),
                                format!("name one or more answers of {:?}", c.question),
                            ));
                        }
                    }
                    _ => {
                        return Err(ValidationError::at(
                            format!("{p}.when.question"),
                            format!(
                                "a condition looks at an earlier question; {:?} is not before this one",
                                c.question
                            ),
                        ));
                    }
                }
            }
            kind.check(q, &p, &mut hotkeys)?;
            kind.check_fields(q, &p, &self.fields)?;
            any_required |= q.required && q.when.is_none();
        }
        if !any_required {
            return Err(ValidationError::at(
                format!("{at}.questions"),
                "at least one question is always asked and required",
            ));
        }
        Ok(())
    }

    /// The question of a key.
    pub fn question(&self, key: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.key == key)
    }

    /// Whether `q` is asked, given the answers so far (keyed by question).
    pub fn asked(&self, q: &Question, answers: &Map<String, Value>) -> bool {
        let Some(c) = &q.when else { return true };
        let Some(earlier) = self.question(&c.question) else {
            return false;
        };
        if !self.asked(earlier, answers) {
            return false;
        }
        answers.get(&c.question).is_some_and(|a| {
            earlier
                .kind()
                .chosen(earlier, a)
                .iter()
                .any(|v| c.any_of.iter().any(|x| x == v))
        })
    }

    /// Checks an answer to the whole template and returns it normalised; `image` is the
    /// size of each picture field by name.
    pub fn parse(
        &self,
        value: &Value,
        image: &dyn Fn(&str) -> Option<(i64, i64)>,
    ) -> Result<Value, ValidationError> {
        let obj = value
            .as_object()
            .ok_or_else(|| ValidationError::new("answer", "an answer is a JSON object"))?;
        if let Some(k) = obj.keys().find(|k| self.question(k).is_none()) {
            return Err(ValidationError::at(
                format!("answer.{k}"),
                format!("this order asks no question {k:?}"),
            ));
        }
        let mut out = Map::new();
        for q in &self.questions {
            let v = obj.get(&q.key).filter(|v| !v.is_null());
            let asked = self.asked(q, &out);
            match v {
                Some(_) if !asked => {
                    return Err(ValidationError::at(
                        format!("answer.{}", q.key),
                        format!("{:?} is not asked for this answer", q.key),
                    ));
                }
                None if asked && q.required => {
                    return Err(ValidationError::at(
                        format!("answer.{}", q.key),
                        format!("{:?} must be answered", q.key),
                    ));
                }
                None => {}
                Some(v) => {
                    let size = q.field.as_deref().and_then(image);
                    let parsed = q
                        .kind()
                        .parse(q, v, size)
                        .map_err(|e| ValidationError::at(format!("answer.{}", q.key), e.message))?;
                    out.insert(q.key.clone(), parsed);
                }
            }
        }
        Ok(Value::Object(out))
    }

    /// How well `answer` matches `gold`, 0 to 1: the mean over the questions gold answers.
    pub fn score(&self, answer: &Value, gold: &Value) -> f64 {
        let mut sum = 0.0;
        let mut n = 0usize;
        for q in &self.questions {
            let Some(g) = gold.get(&q.key).filter(|g| !g.is_null()) else {
                continue;
            };
            n += 1;
            if let Some(a) = answer.get(&q.key).filter(|a| !a.is_null()) {
                sum += q.kind().score(q, a, g).clamp(0.0, 1.0);
            }
        }
        if n == 0 { 0.0 } else { sum / n as f64 }
    }

    /// Whether `answer` agrees with `gold` on every question gold answers (each kind's own
    /// pass mark: the same option, a number within tolerance, a text within its error rate).
    pub fn agrees(&self, answer: &Value, gold: &Value) -> bool {
        let mut any = false;
        for q in &self.questions {
            let Some(g) = gold.get(&q.key).filter(|g| !g.is_null()) else {
                continue;
            };
            any = true;
            let Some(a) = answer.get(&q.key).filter(|a| !a.is_null()) else {
                return false;
            };
            if !q.kind().passes(q, q.kind().score(q, a, g)) {
                return false;
            }
        }
        any
    }

    /// The live consensus of one item's answers, question by question. The item settles
    /// when every question asked (by the agreed answers) and required settles; its
    /// confidence is the least of theirs.
    pub fn consensus(&self, answers: &[Value], voters: Voters<'_>) -> Agreed {
        let mut out = Map::new();
        let mut confidence = 1.0f64;
        let mut settles = true;
        let mut any = false;
        for q in &self.questions {
            if !self.asked(q, &out) {
                continue;
            }
            let (qa, qw): (Vec<Value>, Vec<u32>) = answers
                .iter()
                .zip(voters.index)
                .filter_map(|(a, w)| {
                    a.get(&q.key)
                        .filter(|v| !v.is_null())
                        .map(|v| (v.clone(), *w))
                })
                .unzip();
            if qa.is_empty() {
                if q.required && !answers.is_empty() {
                    // Asked by the agreed answers but answered by nobody: the answers
                    // disagree upstream (someone else's branch); ask more.
                    confidence = 0.0;
                }
                continue;
            }
            let a = q.kind().consensus(q, &qa, voters.subset(&qw));
            if let Some(v) = a.answer {
                out.insert(q.key.clone(), v);
                any = true;
            }
            if q.required {
                confidence = confidence.min(a.confidence);
                settles &= a.settles;
            }
        }
        Agreed {
            answer: any.then_some(Value::Object(out)),
            confidence: if answers.is_empty() { 0.0 } else { confidence },
            settles,
        }
    }

    /// The quality engine's yes/no questions: one per option of each choice-like question,
    /// `(question index, 0 = not chosen / 1 = chosen)`.
    pub fn answer_classes(&self, answer: &Value) -> Vec<(u32, u32)> {
        let mut out = Vec::new();
        let mut offset = 0u32;
        for q in &self.questions {
            let n = q.kind().quality_options(q);
            if n > 0
                && let Some(a) = answer.get(&q.key).filter(|v| !v.is_null())
            {
                let chosen = q.kind().chosen(q, a);
                for (i, o) in q.options.iter().take(n).enumerate() {
                    out.push((offset + i as u32, chosen.contains(&o.key) as u32));
                }
            }
            offset += n as u32;
        }
        out
    }

    /// Objects drawn in an answer (for per-object pay).
    pub fn objects(&self, answer: &Value) -> Option<usize> {
        let mut any = false;
        let mut n = 0;
        for q in &self.questions {
            if let Some(k) = answer.get(&q.key).and_then(|a| q.kind().objects(a)) {
                any = true;
                n += k;
            }
        }
        any.then_some(n)
    }

    /// The CSV columns, one per question.
    pub fn columns(&self) -> Vec<String> {
        self.questions.iter().map(|q| q.key.clone()).collect()
    }

    /// An answer's CSV cells, one per question (empty when not answered).
    pub fn cells(&self, answer: &Value) -> Vec<String> {
        self.questions
            .iter()
            .map(|q| match answer.get(&q.key).filter(|v| !v.is_null()) {
                Some(a) => q.kind().cell(q, a),
                None => String::new(),
            })
            .collect()
    }

    /// The picture fields answers are drawn on.
    pub fn needs_image_size(&self) -> bool {
        self.questions.iter().any(|q| q.kind().needs_image())
    }

    /// Whether answers are placed on a series (findings): their millimetres come from
    /// the item's volumes ([`crate::kinds::place_findings`]).
    pub fn needs_volume(&self) -> bool {
        self.questions.iter().any(|q| q.kind().needs_volume())
    }

    /// Whether answers draw objects paid one by one (`box_rate_fen`).
    pub fn pays_per_object(&self) -> bool {
        self.questions.iter().any(|q| q.kind().draws_objects())
    }

    /// The words a speaker button reads for a question.
    pub fn read_aloud(&self, q: &Question) -> String {
        if !q.read_aloud.trim().is_empty() {
            return q.read_aloud.clone();
        }
        let opts: Vec<&str> = q.options.iter().map(|o| o.name_zh.as_str()).collect();
        if opts.is_empty() {
            q.title_zh.clone()
        } else {
            format!("{}：{}", q.title_zh, opts.join("，"))
        }
    }
}

/// Templates for tests and the demo.
pub mod examples {
    use serde_json::json;

    use super::Template;

    /// A shop photo: its class, then (for cars only) the sides one sees and whether it is
    /// damaged, a star rating, the plate typed in, a price, and boxes with attributes.
    pub fn shop() -> Template {
        serde_json::from_value(json!({
            "layout": "one",
            "fields": [{"name": "image", "kind": "image"}],
            "questions": [
                {"key": "class", "kind": "choice", "title_zh": "是什么?", "field": "image",
                 "options": [
                    {"key": "car", "name_zh": "车", "hotkey": "1", "icon": "🚗"},
                    {"key": "bike", "name_zh": "自行车", "hotkey": "2", "icon": "🚲"},
                    {"key": "other", "name_zh": "其他", "hotkey": "3"}]},
                {"key": "sides", "kind": "multi_choice", "title_zh": "看到哪几面?",
                 "when": {"question": "class", "any_of": ["car"]}, "required": false,
                 "options": [
                    {"key": "front", "name_zh": "前", "hotkey": "q"},
                    {"key": "side", "name_zh": "侧", "hotkey": "w"}]},
                {"key": "stars", "kind": "rating", "title_zh": "照片清楚吗?",
                 "settings": {"tolerance": 1},
                 "options": [
                    {"key": "s1", "name_zh": "很差", "icon": "😣"},
                    {"key": "s2", "name_zh": "差", "icon": "🙁"},
                    {"key": "s3", "name_zh": "一般", "icon": "😐"},
                    {"key": "s4", "name_zh": "好", "icon": "🙂"},
                    {"key": "s5", "name_zh": "很好", "icon": "😀"}]},
                {"key": "plate", "kind": "text", "title_zh": "车牌号", "required": false,
                 "when": {"question": "class", "any_of": ["car"]},
                 "settings": {"max_chars": 10}},
                {"key": "price", "kind": "number", "title_zh": "价格", "required": false,
                 "settings": {"min": 0, "max": 1000, "step": 0.01, "unit": "元", "tolerance": 0.5}},
                {"key": "objects", "kind": "boxes", "title_zh": "框出人", "field": "image",
                 "required": false,
                 "options": [{"key": "person", "name_zh": "人", "hotkey": "p"}],
                 "settings": {"attributes": [
                    {"key": "occluded", "name_zh": "被挡住"},
                    {"key": "pose", "name_zh": "姿势", "options": [
                        {"key": "standing", "name_zh": "站"}, {"key": "sitting", "name_zh": "坐"}]}]}}
            ]
        }))
        .expect("the shop template reads")
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::examples::shop;
    use super::*;

    fn no_size(_: &str) -> Option<(i64, i64)> {
        Some((100, 100))
    }

    fn err_path(t: &Template) -> String {
        t.validate().unwrap_err().field.into_owned()
    }

    #[test]
    fn a_good_template_passes() {
        shop().validate().unwrap();
    }

    #[test]
    fn conversation_and_markdown_fields() {
        let t: Template = serde_json::from_value(json!({
            "layout": "side_by_side",
            "fields": [{"name": "prompt", "kind": "conversation"},
                       {"name": "response_1", "kind": "markdown"},
                       {"name": "response_2", "kind": "markdown"}],
            "questions": [{"key": "better", "kind": "choice", "title_zh": "哪个好?",
                "options": [{"key": "a", "name_zh": "A"}, {"key": "b", "name_zh": "B"}]},
                {"key": "why", "kind": "text", "field": "response_1", "title_zh": "为什么?", "required": false}]
        }))
        .unwrap();
        t.validate().unwrap();
        assert_eq!(
            serde_json::to_value(&t.fields[0]).unwrap()["kind"],
            "conversation"
        );
        // Boxes are drawn on pictures only; swiping flips pictures only.
        let mut boxes = t.clone();
        boxes.questions[1] = serde_json::from_value(json!({"key": "why", "kind": "boxes",
            "field": "response_1", "title_zh": "框", "options": [{"key": "x", "name_zh": "X"}]}))
        .unwrap();
        assert_eq!(err_path(&boxes), "template.questions[1].field");
        let mut swipe = t.clone();
        swipe.fields.truncate(2);
        swipe.layout = Layout::Swipe;
        assert_eq!(err_path(&swipe), "template.layout");
        // A text and a Markdown text stand in for each other; a conversation only for itself.
        assert!(FieldKind::Markdown.fits(FieldKind::Text));
        assert!(FieldKind::Text.fits(FieldKind::Markdown));
        assert!(!FieldKind::Conversation.fits(FieldKind::Text));
        assert!(!FieldKind::Markdown.fits(FieldKind::Conversation));
        assert!(!FieldKind::Image.fits(FieldKind::Markdown));
        assert!(
            serde_json::from_value::<FieldKind>(json!("html")).is_err(),
            "no HTML field"
        );
    }

    /// Each broken rule answers the path of what broke it.
    #[test]
    fn broken_templates_name_the_path() {
        type Breaker = Box<dyn Fn(&mut Template)>;
        let cases: Vec<(&str, Breaker)> = vec![
            (
                "template.questions[0].kind",
                Box::new(|t| t.questions[0].kind = "essay".into()),
            ),
            (
                "template.questions[0].field",
                Box::new(|t| t.questions[0].field = Some("photo".into())),
            ),
            (
                "template.questions[1].options[0].hotkey",
                Box::new(|t| t.questions[1].options[0].hotkey = Some('1')),
            ),
            (
                "template.questions[0].options",
                Box::new(|t| t.questions[0].options.clear()),
            ),
            (
                "template.questions[0].options",
                Box::new(|t| {
                    let o = t.questions[0].options[2].clone();
                    t.questions[0].options = (0..51)
                        .map(|i| OptionDef {
                            key: format!("o{i}"),
                            hotkey: None,
                            ..o.clone()
                        })
                        .collect();
                }),
            ),
            (
                "template.questions[1].when.question",
                Box::new(|t| t.questions[1].when.as_mut().unwrap().question = "stars".into()),
            ),
            (
                "template.questions[0].when.question",
                Box::new(|t| {
                    t.questions[0].when = Some(Condition {
                        question: "class".into(),
                        any_of: vec!["car".into()],
                    })
                }),
            ),
            (
                "template.questions[1].when.any_of",
                Box::new(|t| t.questions[1].when.as_mut().unwrap().any_of = vec!["boat".into()]),
            ),
            (
                "template.questions[3].when.question",
                Box::new(|t| {
                    t.questions[3].when = Some(Condition {
                        question: "price".into(),
                        any_of: vec!["1".into()],
                    })
                }),
            ),
            (
                "template.questions[4].settings",
                Box::new(|t| t.questions[4].settings.max = Some(-1.0)),
            ),
            (
                "template.questions[5].field",
                Box::new(|t| t.questions[5].field = None),
            ),
            (
                "template.questions[2].settings",
                Box::new(|t| t.questions[2].settings.tolerance = Some(0.5)),
            ),
            (
                "template.questions[5].settings.attributes[1].options",
                Box::new(|t| t.questions[5].settings.attributes[1].options.truncate(1)),
            ),
            (
                "template.questions[1].key",
                Box::new(|t| t.questions[1].key = "class".into()),
            ),
            ("template.fields", Box::new(|t| t.fields.clear())),
            ("template.layout", Box::new(|t| t.layout = Layout::Swipe)),
            (
                "template.questions",
                Box::new(|t| {
                    for q in &mut t.questions {
                        q.required = false;
                    }
                }),
            ),
        ];
        for (path, f) in cases {
            let mut t = shop();
            f(&mut t);
            assert_eq!(err_path(&t), path, "{t:?}");
        }
    }

    #[test]
    fn answers_follow_conditions_and_requirements() {
        let t = shop();
        let car =
            json!({"class": "car", "sides": ["side", "front"], "stars": 4, "plate": " 粤B12345 "});
        let got = t.parse(&car, &no_size).unwrap();
        assert_eq!(
            got["sides"],
            json!(["front", "side"]),
            "options in their order"
        );
        assert_eq!(got["plate"], json!("粤B12345"), "trimmed");
        let bike = json!({"class": "bike", "stars": 2});
        t.parse(&bike, &no_size).unwrap();
        let path = |v: Value| t.parse(&v, &no_size).unwrap_err().field.into_owned();
        assert_eq!(
            path(json!({"class": "bike", "stars": 2, "plate": "x"})),
            "answer.plate",
            "not asked"
        );
        assert_eq!(path(json!({"class": "bike"})), "answer.stars", "required");
        assert_eq!(path(json!({"class": "bike", "stars": 6})), "answer.stars");
        assert_eq!(
            path(json!({"class": "bike", "stars": 2, "price": 1000.5})),
            "answer.price"
        );
        assert_eq!(
            path(json!({"class": "bike", "stars": 2, "price": 3.333})),
            "answer.price",
            "steps of 0.01"
        );
        assert_eq!(
            path(json!({"class": "car", "stars": 2, "plate": "12345678901"})),
            "answer.plate",
            "over its limit"
        );
        assert_eq!(
            path(json!({"class": "bike", "stars": 2, "colour": "red"})),
            "answer.colour"
        );
        let boxes = |b: Value| json!({"class": "other", "stars": 3, "objects": b});
        t.parse(
            &boxes(json!([{"label": "person", "x": 1, "y": 1, "w": 10, "h": 10,
            "attributes": {"occluded": true, "pose": "sitting"}}])),
            &no_size,
        )
        .unwrap();
        assert_eq!(
            path(boxes(
                json!([{"label": "person", "x": 95, "y": 1, "w": 10, "h": 10}])
            )),
            "answer.objects",
            "outside"
        );
        assert_eq!(
            path(boxes(
                json!([{"label": "person", "x": 1, "y": 1, "w": 10, "h": 10,
            "attributes": {"pose": "lying"}}])
            )),
            "answer.objects"
        );
        assert_eq!(
            path(boxes(
                json!([{"label": "person", "x": 1, "y": 1, "w": 10, "h": 10,
            "attributes": {"occluded": "yes"}}])
            )),
            "answer.objects"
        );
        assert_eq!(
            t.objects(&t.parse(&boxes(json!([])), &no_size).unwrap()),
            Some(0)
        );
    }

    fn answers(list: &[Value]) -> (Vec<Value>, Vec<u32>) {
        (list.to_vec(), (0..list.len() as u32).collect())
    }

    #[test]
    fn consensus_is_per_question_and_the_item_settles_when_all_required_do() {
        let t = shop();
        let (a, w) = answers(&[
            json!({"class": "car", "sides": ["front"], "stars": 4, "plate": "粤B 12345"}),
            json!({"class": "car", "sides": ["front"], "stars": 5, "plate": "粤Ｂ12345"}),
            json!({"class": "car", "sides": ["front", "side"], "stars": 1, "plate": "粤B12345。"}),
        ]);
        let c = t.consensus(&a, Voters::equal(&w));
        let ans = c.answer.unwrap();
        assert_eq!(ans["class"], "car");
        assert_eq!(ans["sides"], json!(["front"]));
        assert_eq!(ans["stars"], 4, "the median");
        assert_eq!(ans["plate"], "粤B 12345", "normalised answers agree");
        assert!(c.settles);
        assert!(
            (c.confidence - 2.0 / 3.0).abs() < 1e-9,
            "stars within one step: 2 of 3"
        );

        let (a, w) = answers(&[
            json!({"class": "car", "stars": 3, "plate": "粤B12345"}),
            json!({"class": "car", "stars": 3, "plate": "粤B12346"}),
        ]);
        let c = t.consensus(&a, Voters::equal(&w));
        assert!(c.settles, "an optional text does not hold the item");
        let mut r = t.clone();
        r.questions[3].required = true;
        assert!(
            !r.consensus(&a, Voters::equal(&w)).settles,
            "a required text without agreement goes to review"
        );

        let (a, w) = answers(&[
            json!({"class": "bike", "stars": 3}),
            json!({"class": "bike", "stars": 3}),
        ]);
        let c = t.consensus(&a, Voters::equal(&w));
        assert_eq!(
            c.answer.unwrap(),
            json!({"class": "bike", "stars": 3}),
            "questions not asked are absent"
        );
        assert!(c.confidence > 0.9);
    }

    #[test]
    fn box_attributes_take_the_majority_of_matched_boxes() {
        let t = shop();
        let b = |x: f64, occluded: bool, pose: &str| {
            json!({"class": "other", "stars": 3, "objects": [
                {"label": "person", "x": x, "y": 10, "w": 40, "h": 40,
                 "attributes": {"occluded": occluded, "pose": pose}}]})
        };
        let (a, w) = answers(&[
            b(10.0, true, "sitting"),
            b(12.0, true, "standing"),
            b(11.0, false, "sitting"),
        ]);
        let c = t.consensus(&a, Voters::equal(&w));
        let objects = &c.answer.unwrap()["objects"];
        assert_eq!(objects.as_array().unwrap().len(), 1);
        assert_eq!(
            objects[0]["attributes"],
            json!({"occluded": true, "pose": "sitting"})
        );
        assert!(c.settles);
    }

    #[test]
    fn gold_scores_per_question() {
        let t = shop();
        let gold = json!({"class": "car", "stars": 4, "plate": "新华书店", "price": 12.0});
        let right = json!({"class": "car", "stars": 5, "plate": "新华书 店", "price": 12.4});
        assert!(
            t.agrees(&right, &gold),
            "a step off and 0.4 元 off are within tolerance"
        );
        assert!((t.score(&right, &gold) - (1.0 + 0.75 + 1.0 + 1.0) / 4.0).abs() < 1e-9);
        let wrong_text = json!({"class": "car", "stars": 4, "plate": "新华书局", "price": 12.0});
        assert!(!t.agrees(&wrong_text, &gold));
        assert!(
            (t.score(&wrong_text, &gold) - (3.0 + 0.75) / 4.0).abs() < 1e-9,
            "CER 1/4"
        );
        let wrong_class = json!({"class": "bike", "stars": 4});
        assert!(!t.agrees(&wrong_class, &gold));
        assert!(
            !t.agrees(&json!({}), &json!({})),
            "nothing to check is not agreement"
        );
    }

    #[test]
    fn quality_sees_each_option_as_a_yes_no_question() {
        let t = shop();
        let a = json!({"class": "bike", "sides": ["side"], "stars": 2});
        // class: car bike other (0..3); sides: front side (3..5); stars: none.
        assert_eq!(
            t.answer_classes(&a),
            vec![(0, 0), (1, 1), (2, 0), (3, 0), (4, 1)]
        );
    }

    #[test]
    fn csv_has_a_column_per_question() {
        let t = shop();
        assert_eq!(
            t.columns(),
            ["class", "sides", "stars", "plate", "price", "objects"]
        );
        let a = json!({"class": "car", "sides": ["front", "side"], "stars": 4, "price": 2.5});
        assert_eq!(t.cells(&a), ["car", "front;side", "4", "", "2.5", ""]);
    }

    #[test]
    fn the_old_task_types_are_templates_of_one_question() {
        use crate::TaskType;
        use crate::order::testing::spec;
        for (tt, key, kind) in [
            (TaskType::SingleChoice, "label", "choice"),
            (TaskType::TextClassification, "label", "choice"),
            (TaskType::MultiLabel, "labels", "multi_choice"),
            (TaskType::Bbox, "boxes", "boxes"),
        ] {
            let s = spec(tt, &["cat", "dog"]);
            let t = s.template();
            t.validate().unwrap();
            assert_eq!(
                (t.questions[0].key.as_str(), t.questions[0].kind.as_str()),
                (key, kind)
            );
            assert_eq!(t.fields[0].name, tt.item_kind());
        }
        let s = spec(TaskType::SingleChoice, &["cat", "dog"]);
        let t = s.template();
        let legacy = crate::Answer::parse(&s, &json!({"label": "dog"}), None)
            .unwrap()
            .to_json();
        assert_eq!(
            t.parse(&legacy, &no_size).unwrap(),
            legacy,
            "the same answer either way"
        );
    }

    /// The batch consensus weighs people by their record over the whole order: on an item
    /// where a careful and a careless worker disagree, the careful one wins.
    #[test]
    fn batch_consensus_trusts_the_careful() {
        let t = shop();
        let q = t.question("class").unwrap();
        let opts = ["car", "bike", "other"];
        let mut items: Vec<Vec<(u32, Value)>> = Vec::new();
        for i in 0..30 {
            let truth = opts[i % 3];
            let careless = opts[(i * 7 + 1) % 3];
            // Workers 0 and 1 are right; worker 2 answers at random.
            items.push(vec![
                (0, json!(truth)),
                (1, json!(truth)),
                (2, json!(careless)),
            ]);
        }
        // The item in question: only worker 0 and worker 2, disagreeing.
        items.push(vec![(2, json!("bike")), (0, json!("other"))]);
        let live = q
            .kind()
            .consensus(q, &[json!("bike"), json!("other")], Voters::equal(&[0, 1]));
        assert!(live.confidence <= 0.5 + 1e-9, "live: a tie");
        let batch = q.kind().batch(q, &items, 3);
        let last = batch.last().unwrap();
        assert_eq!(last.answer, Some(json!("other")));
        assert!(last.confidence > 0.8, "{}", last.confidence);
        let multi = t.question("sides").unwrap();
        let b = multi.kind().batch(
            multi,
            &[vec![(0, json!(["front"])), (1, json!(["front"]))]],
            2,
        );
        assert_eq!(b[0].answer, Some(json!(["front"])));
    }

    #[test]
    fn agreement_per_kind() {
        let t = shop();
        let q = |k: &str| t.question(k).unwrap();
        let same = vec![
            vec![json!(4), json!(4)],
            vec![json!(2), json!(2)],
            vec![json!(5), json!(5)],
        ];
        assert_eq!(q("stars").kind().agreement(q("stars"), &same), Some(1.0));
        let near = vec![
            vec![json!(4), json!(5)],
            vec![json!(1), json!(2)],
            vec![json!(5), json!(4)],
        ];
        let far = vec![
            vec![json!(1), json!(5)],
            vec![json!(5), json!(1)],
            vec![json!(2), json!(4)],
        ];
        let (n, f) = (
            q("stars").kind().agreement(q("stars"), &near).unwrap(),
            q("stars").kind().agreement(q("stars"), &far).unwrap(),
        );
        assert!(
            n > f,
            "ordinal: a step apart agrees more than four apart ({n} vs {f})"
        );
        let texts = vec![
            vec![json!("新华书店"), json!("新华 书店")],
            vec![json!("A1"), json!("ａ１")],
        ];
        assert_eq!(q("plate").kind().agreement(q("plate"), &texts), Some(1.0));
        let prices = vec![vec![json!(1.0), json!(1.0)], vec![json!(9.0), json!(9.0)]];
        assert_eq!(q("price").kind().agreement(q("price"), &prices), Some(1.0));
        let classes = vec![
            vec![json!("car"), json!("car")],
            vec![json!("bike"), json!("bike")],
        ];
        assert_eq!(q("class").kind().agreement(q("class"), &classes), Some(1.0));
    }
}
