//! Reading takes time (issue 27, part 2): an item with texts to read (a conversation, LLM
//! responses in Markdown, a text) cannot be judged faster than its words can be skimmed.
//! The expected minimum time is the item's Chinese (CJK) characters and other words, each
//! at its own reading speed; an answer faster than a fraction of it is too fast to have
//! read the item. The same speeds give an order's expected time per item for its pay.
//!
//! Defaults (an order's `reading` overrides them): skimming, not careful reading — about
//! 500 Chinese characters a minute (careful reading is about 260–300) and 300 English words
//! a minute (careful reading about 240); an answer under 30% of that time is too fast, the
//! same share the crowd-pace rule uses. Pure: texts come in as arguments.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::validate::ValidationError;
use crate::{FieldKind, OrderSpec, TaskType, Template};

/// Default skimming speed for Chinese (and Japanese, Korean) characters, per minute.
pub const DEFAULT_CJK_PER_MINUTE: u32 = 500;
/// Default skimming speed for other words (a run of letters or digits), per minute.
pub const DEFAULT_WORDS_PER_MINUTE: u32 = 300;
/// Default share of the reading time under which an answer is too fast.
pub const DEFAULT_TOO_FAST_SHARE: f64 = 0.3;
/// Default share of a worker's latest answers that may be too fast before the rule pauses.
pub const DEFAULT_PAUSE_SHARE: f64 = 0.5;

const MINUTE_MS: f64 = 60_000.0;

/// How fast an order's texts may be read (each part optional in the spec: the defaults).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reading {
    /// Chinese characters a minute (50 to 5000; default 500).
    #[serde(default = "default_cjk")]
    pub cjk_per_minute: u32,
    /// Other words a minute (30 to 3000; default 300).
    #[serde(default = "default_words")]
    pub words_per_minute: u32,
    /// An answer faster than this share of the reading time is too fast (0.05 to 1; 0.3).
    #[serde(default = "default_too_fast")]
    pub too_fast_share: f64,
    /// The rule pauses a worker when at least this share of their latest answers were too
    /// fast (0.1 to 1; 0.5).
    #[serde(default = "default_pause")]
    pub pause_share: f64,
}

fn default_cjk() -> u32 {
    DEFAULT_CJK_PER_MINUTE
}
fn default_words() -> u32 {
    DEFAULT_WORDS_PER_MINUTE
}
fn default_too_fast() -> f64 {
    DEFAULT_TOO_FAST_SHARE
}
fn default_pause() -> f64 {
    DEFAULT_PAUSE_SHARE
}

impl Default for Reading {
    fn default() -> Self {
        Reading {
            cjk_per_minute: DEFAULT_CJK_PER_MINUTE,
            words_per_minute: DEFAULT_WORDS_PER_MINUTE,
            too_fast_share: DEFAULT_TOO_FAST_SHARE,
            pause_share: DEFAULT_PAUSE_SHARE,
        }
    }
}

impl Reading {
    /// Checks the speeds and shares; errors name `reading.…`.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if !(50..=5000).contains(&self.cjk_per_minute) {
            return Err(ValidationError::at(
                "reading.cjk_per_minute",
                "50 to 5000 characters a minute",
            ));
        }
        if !(30..=3000).contains(&self.words_per_minute) {
            return Err(ValidationError::at(
                "reading.words_per_minute",
                "30 to 3000 words a minute",
            ));
        }
        if !(self.too_fast_share.is_finite() && (0.05..=1.0).contains(&self.too_fast_share)) {
            return Err(ValidationError::at(
                "reading.too_fast_share",
                "a share from 0.05 to 1",
            ));
        }
        if !(self.pause_share.is_finite() && (0.1..=1.0).contains(&self.pause_share)) {
            return Err(ValidationError::at(
                "reading.pause_share",
                "a share from 0.1 to 1",
            ));
        }
        Ok(())
    }

    /// The time it takes to skim `t`, in milliseconds.
    pub fn ms(&self, t: Text) -> i64 {
        let ms = t.cjk as f64 / self.cjk_per_minute as f64 * MINUTE_MS
            + t.words as f64 / self.words_per_minute as f64 * MINUTE_MS;
        ms.round() as i64
    }

    /// Whether an answer given in `client_ms` was too fast to have read `t`. An item with
    /// nothing to read is never too fast by this rule.
    pub fn too_fast(&self, t: Text, client_ms: i64) -> bool {
        let need = self.ms(t);
        need > 0 && (client_ms as f64) < self.too_fast_share * need as f64
    }

    /// Whether a worker's latest answers (each: too fast or not) break the rule: at least
    /// `min` of them, and at least `pause_share` of them too fast.
    pub fn breaks_rule(&self, fast: usize, answers: usize, min: usize) -> bool {
        answers >= min.max(1) && fast as f64 >= self.pause_share * answers as f64
    }
}

/// What an item gives to read: Chinese (CJK) characters and other words.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Text {
    pub cjk: u64,
    pub words: u64,
}

impl std::ops::Add for Text {
    type Output = Text;
    fn add(self, o: Text) -> Text {
        Text {
            cjk: self.cjk + o.cjk,
            words: self.words + o.words,
        }
    }
}

impl Text {
    pub fn is_empty(&self) -> bool {
        self.cjk == 0 && self.words == 0
    }
}

/// Whether `c` is read as one character of its own (Han, kana, Hangul syllables, and the
/// fullwidth forms used with them) rather than as part of a word.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF        // Hiragana, Katakana
        | 0x3400..=0x4DBF      // CJK Extension A
        | 0x4E00..=0x9FFF      // CJK Unified Ideographs
        | 0xAC00..=0xD7AF      // Hangul syllables
        | 0xF900..=0xFAFF      // CJK Compatibility Ideographs
        | 0x20000..=0x2FA1F) // Extensions B–F, compatibility supplement
}

/// Counts a plain text: each CJK character, and each run of other letters or digits
/// (`don't` and `v1.2` read as one word: `'` and `.` between letters join).
pub fn count(s: &str) -> Text {
    let mut t = Text::default();
    let mut in_word = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if is_cjk(c) {
            t.cjk += 1;
            in_word = false;
        } else if c.is_alphanumeric() {
            if !in_word {
                t.words += 1;
                in_word = true;
            }
        } else if in_word
            && matches!(c, '\'' | '’' | '.' | '-' | '_')
            && chars
                .peek()
                .is_some_and(|n| n.is_alphanumeric() && !is_cjk(*n))
        {
            // Joins the word it is inside of.
        } else {
            in_word = false;
        }
    }
    t
}

/// What one field gives to read: a text or Markdown as written, a conversation's turns'
/// contents (its JSON keys and roles are not read); pictures nothing.
pub fn field_text(kind: FieldKind, text: &str) -> Text {
    match kind {
        FieldKind::Image | FieldKind::Series => Text::default(),
        FieldKind::Text | FieldKind::Markdown => count(text),
        FieldKind::Conversation => match serde_json::from_str::<serde_json::Value>(text) {
            Ok(serde_json::Value::Array(turns)) => turns
                .iter()
                .filter_map(|t| t.get("content").and_then(|c| c.as_str()))
                .map(count)
                .fold(Text::default(), |a, b| a + b),
            _ => count(text),
        },
    }
}

/// The order's reading speeds: its own, or the defaults.
pub fn of(spec: &OrderSpec) -> Reading {
    spec.reading.unwrap_or_default()
}

/// Whether an order's items are read: a template showing a text, conversation or Markdown
/// field, or a text-classification order. Other orders keep the crowd-pace rule only.
pub fn reads_texts(spec: &OrderSpec) -> bool {
    reads(spec.task_type, spec.template.as_ref())
}

/// [`reads_texts`] of a task type and template (an order form being typed).
pub fn reads(task_type: TaskType, template: Option<&Template>) -> bool {
    match (template, task_type) {
        (Some(t), _) => t.fields.iter().any(|f| f.kind != FieldKind::Image),
        (None, TaskType::TextClassification) => true,
        _ => false,
    }
}

/// Seconds to answer an item once read: its questions' own times
/// ([`crate::kinds::QuestionKind::answer_seconds`]), 3 for a one-question order.
pub fn answer_seconds(spec: &OrderSpec) -> u32 {
    template_answer_seconds(spec.template.as_ref())
}

/// [`answer_seconds`] of a template (none: a one-question order).
pub fn template_answer_seconds(template: Option<&Template>) -> u32 {
    match template {
        Some(t) => t
            .questions
            .iter()
            .filter_map(|q| crate::kinds::question_kind(&q.kind).map(|k| k.answer_seconds(q)))
            .sum::<u32>()
            .max(1),
        None => 3,
    }
}

/// The expected time of one item of the order, in milliseconds: reading `t` at the order's
/// speeds, then answering its questions.
pub fn item_ms(spec: &OrderSpec, t: Text) -> i64 {
    of(spec).ms(t) + answer_seconds(spec) as i64 * 1000
}

/// A worker's answers on texts and how many of them were too fast to have been read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Hurried {
    /// Answers on items with something to read.
    pub answers: u32,
    /// Of those, answers faster than the reading rule allows.
    pub too_fast: u32,
}

impl Hurried {
    /// Counts `(milliseconds taken, the item's text)` answers; items with nothing to read
    /// are left out.
    pub fn count(r: &Reading, answers: impl IntoIterator<Item = (i64, Text)>) -> Hurried {
        let mut h = Hurried::default();
        for (ms, t) in answers {
            if r.ms(t) > 0 {
                h.answers += 1;
                h.too_fast += r.too_fast(t, ms) as u32;
            }
        }
        h
    }

    /// The share of answers too fast, once there is one.
    pub fn share(&self) -> Option<f64> {
        (self.answers > 0).then(|| self.too_fast as f64 / self.answers as f64)
    }
}

/// The median of the items' texts (by reading time at `r`), for an order's time per item.
pub fn median_text(mut texts: Vec<Text>, r: &Reading) -> Option<Text> {
    if texts.is_empty() {
        return None;
    }
    texts.sort_by_key(|t| r.ms(*t));
    Some(texts[texts.len() / 2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_characters_and_english_words_count_apart() {
        assert_eq!(count("你好，世界"), Text { cjk: 4, words: 0 });
        assert_eq!(
            count("Hello, world! It's v1.2 of the e-mail tool."),
            Text { cjk: 0, words: 8 }
        );
        // Mixed: the CJK characters each, the Latin runs as words.
        assert_eq!(count("用Python写一个sort函数"), Text { cjk: 6, words: 2 });
        assert_eq!(count("  \n\t…"), Text::default());
        assert_eq!(count("こんにちは 안녕"), Text { cjk: 7, words: 0 });
    }

    #[test]
    fn a_conversation_reads_its_contents_only() {
        let turns =
            r#"[{"role":"system","content":"你是助手"},{"role":"user","content":"two words"}]"#;
        assert_eq!(
            field_text(FieldKind::Conversation, turns),
            Text { cjk: 4, words: 2 }
        );
        // Not JSON: read as written.
        assert_eq!(
            field_text(FieldKind::Conversation, "plain words"),
            Text { cjk: 0, words: 2 }
        );
        assert_eq!(field_text(FieldKind::Image, "ignored"), Text::default());
        assert_eq!(
            field_text(FieldKind::Markdown, "## 标题\n- item"),
            Text { cjk: 2, words: 1 }
        );
    }

    #[test]
    fn reading_time_follows_the_speeds() {
        let r = Reading::default();
        // 500 characters at 500 a minute: one minute; 300 words at 300: another.
        assert_eq!(r.ms(Text { cjk: 500, words: 0 }), 60_000);
        assert_eq!(
            r.ms(Text {
                cjk: 500,
                words: 300
            }),
            120_000
        );
        assert_eq!(r.ms(Text::default()), 0);
        let slow = Reading {
            cjk_per_minute: 250,
            ..r
        };
        assert_eq!(slow.ms(Text { cjk: 500, words: 0 }), 120_000);
    }

    #[test]
    fn an_answer_under_the_share_is_too_fast() {
        let r = Reading::default();
        let t = Text {
            cjk: 1000,
            words: 0,
        }; // two minutes: 36 s is the line
        assert!(r.too_fast(t, 1_000));
        assert!(r.too_fast(t, 35_999));
        assert!(!r.too_fast(t, 36_000));
        assert!(!r.too_fast(t, 300_000));
        // Nothing to read: never too fast by this rule.
        assert!(!r.too_fast(Text::default(), 0));
    }

    #[test]
    fn hurried_answers_count_only_items_with_texts() {
        let r = Reading::default();
        let long = Text {
            cjk: 1000,
            words: 0,
        }; // 36 s is the line
        let h = Hurried::count(
            &r,
            [
                (2_000, long),
                (40_000, long),
                (500, Text::default()),
                (1_000, long),
            ],
        );
        assert_eq!(
            h,
            Hurried {
                answers: 3,
                too_fast: 2
            }
        );
        assert!((h.share().unwrap() - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(Hurried::default().share(), None);
    }

    #[test]
    fn the_rule_needs_enough_answers_and_a_share() {
        let r = Reading::default();
        assert!(!r.breaks_rule(5, 9, 10), "too few answers");
        assert!(r.breaks_rule(5, 10, 10));
        assert!(!r.breaks_rule(4, 10, 10));
        assert!(r.breaks_rule(20, 20, 20));
        assert!(!r.breaks_rule(0, 0, 0));
    }

    #[test]
    fn bad_settings_are_refused_with_their_path() {
        let ok = Reading::default();
        assert!(ok.validate().is_ok());
        for (bad, path) in [
            (
                Reading {
                    cjk_per_minute: 10,
                    ..ok
                },
                "reading.cjk_per_minute",
            ),
            (
                Reading {
                    words_per_minute: 9000,
                    ..ok
                },
                "reading.words_per_minute",
            ),
            (
                Reading {
                    too_fast_share: f64::NAN,
                    ..ok
                },
                "reading.too_fast_share",
            ),
            (
                Reading {
                    pause_share: 0.0,
                    ..ok
                },
                "reading.pause_share",
            ),
        ] {
            let e = bad.validate().unwrap_err();
            assert_eq!(e.field, path, "{e:?}");
        }
        let parsed: Reading = serde_json::from_str(r#"{"cjk_per_minute": 300}"#).unwrap();
        assert_eq!(parsed.words_per_minute, DEFAULT_WORDS_PER_MINUTE);
        assert_eq!(parsed.cjk_per_minute, 300);
    }

    fn llm_spec() -> OrderSpec {
        let template: crate::Template = serde_json::from_value(serde_json::json!({
            "layout": "side_by_side",
            "fields": [
                {"name": "prompt", "kind": "conversation"},
                {"name": "response_1", "kind": "markdown"},
                {"name": "response_2", "kind": "markdown"}],
            "questions": [
                {"key": "better", "kind": "pairwise", "title_zh": "哪个更好？",
                 "settings": {"pair": ["response_1", "response_2"]}},
                {"key": "axes", "kind": "rubric", "title_zh": "打分",
                 "options": [{"key": "helpful", "name_zh": "有用"}, {"key": "correct", "name_zh": "正确"}]}]
        }))
        .unwrap();
        OrderSpec {
            template: Some(template),
            ..crate::order::testing::spec(TaskType::Template, &[])
        }
    }

    #[test]
    fn an_llm_order_reads_and_answers_each_question() {
        let spec = llm_spec();
        assert!(reads_texts(&spec));
        // A pairwise side (4 s) and a rubric of two axes (3 s each).
        assert_eq!(answer_seconds(&spec), 10);
        assert_eq!(item_ms(&spec, Text { cjk: 500, words: 0 }), 70_000);
        let slow = OrderSpec {
            reading: Some(Reading {
                cjk_per_minute: 250,
                ..Reading::default()
            }),
            ..spec
        };
        assert_eq!(item_ms(&slow, Text { cjk: 500, words: 0 }), 130_000);
        let pictures = crate::order::testing::spec(TaskType::SingleChoice, &["a", "b"]);
        assert!(!reads_texts(&pictures));
        assert_eq!(answer_seconds(&pictures), 3);
        assert!(reads_texts(&crate::order::testing::spec(
            TaskType::TextClassification,
            &["a", "b"]
        )));
    }

    #[test]
    fn the_median_text_is_by_reading_time() {
        let r = Reading::default();
        let m = median_text(
            vec![
                Text { cjk: 10, words: 0 },
                Text { cjk: 0, words: 600 },
                Text { cjk: 500, words: 0 },
            ],
            &r,
        );
        assert_eq!(m, Some(Text { cjk: 500, words: 0 }));
        assert_eq!(median_text(vec![], &r), None);
    }
}
