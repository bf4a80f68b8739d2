//! Writing: an answer written to the prompt (the question's `field`, a conversation or a
//! text), or a given answer rewritten (`settings.rewrite` names the text or Markdown field
//! whose text is the original; the editor starts from it). The answer is the text:
//! `"北京是中国的首都。"`, trimmed, line ends made `\n`, `min_chars` to `max_chars`
//! characters (default 1 to 4000, at most 8000).
//!
//! A written answer is never settled by vote: two people never write the same words, and a
//! count of alike texts says nothing of quality. The live consensus names the newest answer
//! and never settles, so an item goes to the lead's review queue as soon as it has the
//! answers its overlap asks (overlap 1: after one). There the lead accepts it, edits it (the
//! edited text is final, the writer is paid) or sends it back (the answer is rejected, its
//! pay reversed, and the item is written again): [`QuestionKind::by_review`].
//!
//! Flags the review shows ([`written_flags`]): copied from the prompt, unchanged from the
//! original (a rewrite with no real change), and the same text as another worker's answer
//! on the order.

use std::collections::HashSet;

use serde_json::{Value, json};

use super::free_text::normalise;
use super::{Agreed, QuestionKind, Voters, bad};
use crate::ValidationError;
use crate::similar::{dice, tokens};
use crate::template::{FieldDef, FieldKind, Question, Template};

pub(crate) struct Writing;

/// The default and largest limit of a written answer, in characters.
const DEFAULT_MAX: u32 = 4000;
const MAX_CHARS: u32 = 8000;
/// Dice similarity (character bigrams / words) from which an answer counts as the prompt or
/// the original copied.
pub const COPIED_AT: f64 = 0.9;

impl Writing {
    fn limits(q: &Question) -> (u32, u32) {
        (
            q.settings.min_chars.unwrap_or(1),
            q.settings.max_chars.unwrap_or(DEFAULT_MAX),
        )
    }
}

impl QuestionKind for Writing {
    fn check(
        &self,
        q: &Question,
        at: &str,
        _hotkeys: &mut HashSet<char>,
    ) -> Result<(), ValidationError> {
        let s = &q.settings;
        if !q.options.is_empty() {
            return Err(ValidationError::at(
                format!("{at}.options"),
                "a writing question has no options",
            ));
        }
        let (min, max) = Self::limits(q);
        let others = s.min.is_some()
            || s.max.is_some()
            || s.step.is_some()
            || s.unit.is_some()
            || s.tolerance.is_some()
            || s.strength.is_some()
            || s.ties
            || !s.attributes.is_empty()
            || !s.pair.is_empty()
            || !s.rank.is_empty()
            || !s.steps.is_empty()
            || !s.examples.is_empty();
        if others || !(1..=MAX_CHARS).contains(&max) || min < 1 || min > max {
            return Err(ValidationError::at(
                format!("{at}.settings"),
                format!(
                    "a writing question takes min_chars and max_chars (1 ≤ min ≤ max ≤ {MAX_CHARS}) and rewrite"
                ),
            ));
        }
        if !q.required {
            return Err(ValidationError::at(
                format!("{at}.required"),
                "a writing question is required (its answer is what the order makes)",
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
        if let Some(name) = &q.settings.rewrite {
            let ok = fields.iter().any(|f| {
                &f.name == name && matches!(f.kind, FieldKind::Text | FieldKind::Markdown)
            });
            if !ok {
                return Err(ValidationError::at(
                    format!("{at}.settings.rewrite"),
                    format!("{name:?} is not a text or Markdown field of this template"),
                ));
            }
        }
        if let Some(name) = &q.field
            && fields
                .iter()
                .any(|f| &f.name == name && f.kind == FieldKind::Image)
        {
            return Err(ValidationError::at(
                format!("{at}.field"),
                "a writing question's prompt is a conversation or a text",
            ));
        }
        Ok(())
    }

    fn by_review(&self) -> bool {
        true
    }

    fn parse(
        &self,
        q: &Question,
        value: &Value,
        _image: Option<(i64, i64)>,
    ) -> Result<Value, ValidationError> {
        let s = value
            .as_str()
            .ok_or_else(|| bad("a written answer is a text"))?;
        let s = s.replace("\r\n", "\n").replace('\r', "\n");
        let s = s.trim();
        if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
            return Err(bad("the text has control characters"));
        }
        let n = s.chars().count();
        let (min, max) = Self::limits(q);
        if n == 0 {
            return Err(bad("the answer is empty"));
        }
        if n < min as usize {
            return Err(bad(format!("the answer has at least {min} characters")));
        }
        if n > max as usize {
            return Err(bad(format!("the answer has at most {max} characters")));
        }
        Ok(Value::from(s))
    }

    /// How alike the texts are (Dice over character bigrams and words; the same normalised
    /// text scores 1).
    fn score(&self, _q: &Question, answer: &Value, gold: &Value) -> f64 {
        match (answer.as_str(), gold.as_str()) {
            (Some(a), Some(g)) if normalise(a) == normalise(g) => 1.0,
            (Some(a), Some(g)) => dice(&tokens(a), &tokens(g)),
            _ => 0.0,
        }
    }

    /// Never settles by vote: the newest answer, for the lead to accept, edit or send back.
    fn consensus(&self, _q: &Question, answers: &[Value], _voters: Voters<'_>) -> Agreed {
        Agreed {
            answer: answers.iter().rev().find(|a| a.is_string()).cloned(),
            confidence: 0.0,
            settles: false,
        }
    }

    /// Written answers have no agreement to measure.
    fn agreement(&self, _q: &Question, _items: &[Vec<Value>]) -> Option<f64> {
        None
    }

    fn cell(&self, _q: &Question, answer: &Value) -> String {
        answer.as_str().unwrap_or_default().to_owned()
    }
}

/// Why a written answer is flagged for the reviewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WritingFlag {
    /// The answer is (almost) the prompt's words, or contained in them.
    CopiedPrompt,
    /// A rewrite that changed (almost) nothing of the original.
    Unchanged,
    /// The same normalised text as another worker's answer on the order.
    SameAsOther,
}

impl WritingFlag {
    pub fn as_str(self) -> &'static str {
        match self {
            WritingFlag::CopiedPrompt => "copied_prompt",
            WritingFlag::Unchanged => "unchanged",
            WritingFlag::SameAsOther => "same_as_other",
        }
    }
}

fn copied(answer: &str, source: &str) -> bool {
    let (a, s) = (normalise(answer), normalise(source));
    if a.is_empty() || s.is_empty() {
        return false;
    }
    a == s || s.contains(&a) || dice(&tokens(answer), &tokens(source)) >= COPIED_AT
}

/// The flags of a written answer: `prompt` is the prompt's words (the user turns of a
/// conversation, [`prompt_messages`]), `original` the text rewritten, `others` the other
/// workers' answers on the same order.
pub fn written_flags<'a>(
    answer: &str,
    prompt: &str,
    original: Option<&str>,
    others: impl IntoIterator<Item = &'a str>,
) -> Vec<WritingFlag> {
    let mut out = Vec::new();
    if copied(answer, prompt) {
        out.push(WritingFlag::CopiedPrompt);
    }
    if original.is_some_and(|o| copied(answer, o)) {
        out.push(WritingFlag::Unchanged);
    }
    let mine = normalise(answer);
    if !mine.is_empty() && others.into_iter().any(|o| normalise(o) == mine) {
        out.push(WritingFlag::SameAsOther);
    }
    out
}

/// A prompt field's text as chat messages: a conversation's own turns (`[{"role", "content"}]`,
/// as stored), or a plain text as one user turn. `None` for an empty or unreadable prompt.
pub fn prompt_messages(kind: FieldKind, text: &str) -> Option<Vec<Value>> {
    if kind == FieldKind::Conversation {
        let turns: Vec<Value> = serde_json::from_str(text).ok()?;
        let out: Vec<Value> = turns
            .iter()
            .filter_map(|t| {
                let role = t.get("role")?.as_str()?;
                let content = t.get("content")?.as_str()?;
                Some(json!({"role": role, "content": content}))
            })
            .collect();
        return (!out.is_empty()).then_some(out);
    }
    let t = text.trim();
    (!t.is_empty()).then(|| vec![json!({"role": "user", "content": t})])
}

/// The first writing question of a template, with its prompt field's name (its `field`,
/// or the template's first conversation field, else its first text field).
fn writing_question(t: &Template) -> Option<(&Question, Option<&str>)> {
    let q = t.questions.iter().find(|q| q.kind == "writing")?;
    let prompt = q.field.as_deref().or_else(|| {
        [FieldKind::Conversation, FieldKind::Text]
            .iter()
            .find_map(|k| t.fields.iter().find(|f| f.kind == *k))
            .map(|f| f.name.as_str())
    });
    Some((q, prompt))
}

fn prompt_words(kind: FieldKind, text: &str) -> String {
    match prompt_messages(kind, text) {
        Some(turns) if kind == FieldKind::Conversation => turns
            .iter()
            .filter(|t| t["role"] != "assistant")
            .filter_map(|t| t["content"].as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        _ => text.to_owned(),
    }
}

/// The flags of each writing question's answer in a template order's answer (`answer` keyed
/// by question), as their names; `fields` looks an item's field up by name, `others` are the
/// other workers' answers on the order.
pub fn answer_flags<'a>(
    t: &Template,
    fields: &dyn Fn(&str) -> Option<(FieldKind, String)>,
    answer: &Value,
    others: impl Iterator<Item = &'a Value> + Clone,
) -> Vec<&'static str> {
    let Some((q, prompt)) = writing_question(t) else {
        return Vec::new();
    };
    let Some(text) = answer.get(&q.key).and_then(Value::as_str) else {
        return Vec::new();
    };
    let prompt = prompt
        .and_then(fields)
        .map(|(k, p)| prompt_words(k, &p))
        .unwrap_or_default();
    let original = q
        .settings
        .rewrite
        .as_deref()
        .and_then(fields)
        .map(|(_, o)| o);
    let others = others.filter_map(|o| o.get(&q.key).and_then(Value::as_str));
    written_flags(text, &prompt, original.as_deref(), others)
        .into_iter()
        .map(WritingFlag::as_str)
        .collect()
}

/// A settled item of a writing order as one supervised fine-tuning example: the prompt's
/// own turns (a conversation's, or a text as one user turn) and the final written answer as
/// the assistant's turn. `None` when the order asks no writing question or the item has no
/// written answer.
pub fn sft_messages(
    t: &Template,
    fields: &dyn Fn(&str) -> Option<(FieldKind, String)>,
    answer: &Value,
) -> Option<Vec<Value>> {
    let (q, prompt) = writing_question(t)?;
    let text = answer.get(&q.key)?.as_str()?;
    let mut out = prompt
        .and_then(fields)
        .and_then(|(k, p)| prompt_messages(k, &p))
        .unwrap_or_default();
    // A prompt that ends with an answer (a conversation with the response to rewrite) ends
    // with the written one instead.
    if out.last().is_some_and(|m| m["role"] == "assistant") {
        out.pop();
    }
    out.push(json!({"role": "assistant", "content": text}));
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(settings: Value) -> Question {
        serde_json::from_value(
            json!({"key": "answer", "kind": "writing", "title_zh": "写回答",
            "field": "prompt", "settings": settings}),
        )
        .unwrap()
    }

    fn template(settings: Value) -> Result<(), ValidationError> {
        let t: Template = serde_json::from_value(json!({
            "fields": [{"name": "prompt", "kind": "conversation"},
                       {"name": "response_1", "kind": "markdown"},
                       {"name": "photo", "kind": "image"}],
            "questions": [{"key": "answer", "kind": "writing", "title_zh": "写回答",
                           "field": "prompt", "settings": settings}]}))
        .unwrap();
        t.validate()
    }

    #[test]
    fn answers_are_trimmed_and_within_limits() {
        let q = question(json!({"min_chars": 3, "max_chars": 10}));
        let w = &Writing;
        assert_eq!(
            w.parse(&q, &json!("  北京是首都\r\n。 "), None).unwrap(),
            json!("北京是首都\n。")
        );
        assert!(
            w.parse(&q, &json!("   "), None)
                .unwrap_err()
                .message
                .contains("empty")
        );
        assert!(
            w.parse(&q, &json!("北京"), None)
                .unwrap_err()
                .message
                .contains("at least 3")
        );
        assert!(
            w.parse(&q, &json!("一二三四五六七八九十十"), None)
                .unwrap_err()
                .message
                .contains("at most 10")
        );
        w.parse(&q, &json!("一二三四五六七八九十"), None).unwrap();
        assert!(w.parse(&q, &json!(42), None).is_err());
        assert!(w.parse(&q, &json!("a\u{0}b"), None).is_err());
        // the default limit is 4000
        let d = question(json!({}));
        w.parse(&d, &json!("字".repeat(4000)), None).unwrap();
        assert!(w.parse(&d, &json!("字".repeat(4001)), None).is_err());
    }

    #[test]
    fn settings_and_fields_are_checked() {
        template(json!({})).unwrap();
        template(json!({"rewrite": "response_1", "max_chars": 8000})).unwrap();
        assert!(template(json!({"max_chars": 8001})).is_err());
        assert!(template(json!({"min_chars": 10, "max_chars": 5})).is_err());
        assert!(template(json!({"min": 1})).is_err());
        let e = template(json!({"rewrite": "nope"})).unwrap_err();
        assert_eq!(e.field, "template.questions[0].settings.rewrite");
        assert!(template(json!({"rewrite": "photo"})).is_err());
        assert!(
            template(json!({"rewrite": "prompt"})).is_err(),
            "a conversation is no original"
        );
    }

    #[test]
    fn never_settles_by_vote_and_names_the_newest() {
        let q = question(json!({}));
        let a = Writing.consensus(&q, &[json!("一"), json!("二")], Voters::equal(&[0, 1]));
        assert_eq!(a.answer, Some(json!("二")));
        assert!(!a.settles);
        let same = Writing.consensus(&q, &[json!("一"), json!("一")], Voters::equal(&[0, 1]));
        assert!(!same.settles, "even the same words settle only by review");
        assert!(Writing.by_review());
        assert_eq!(Writing.score(&q, &json!("北京。"), &json!("北京")), 1.0);
        assert!(Writing.score(&q, &json!("上海很大"), &json!("北京")) < 0.5);
    }

    #[test]
    fn flags_copied_unchanged_and_same() {
        let prompt = "请介绍一下北京的历史和文化";
        assert_eq!(
            written_flags("北京的历史和文化", prompt, None, []),
            [WritingFlag::CopiedPrompt]
        );
        assert!(written_flags("北京有三千多年的建城史，是六朝古都。", prompt, None, []).is_empty());
        let original = "Beijing is the capital of China and has a long history.";
        assert_eq!(
            written_flags(
                "Beijing is the capital of China, and has a long history!",
                "Tell me",
                Some(original),
                []
            ),
            [WritingFlag::Unchanged]
        );
        assert!(
            written_flags(
                "China's capital, Beijing, goes back three thousand years.",
                "Tell me",
                Some(original),
                []
            )
            .is_empty()
        );
        assert_eq!(
            written_flags("好的。", "问", None, ["别的", "好的"]),
            [WritingFlag::SameAsOther]
        );
        assert_eq!(WritingFlag::SameAsOther.as_str(), "same_as_other");
    }

    #[test]
    fn prompts_become_messages() {
        let conv = r#"[{"role":"system","content":"你是助手"},{"role":"user","content":"你好"}]"#;
        let m = prompt_messages(FieldKind::Conversation, conv).unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m[1], json!({"role": "user", "content": "你好"}));
        assert_eq!(
            prompt_messages(FieldKind::Text, " 写一首诗 ").unwrap(),
            vec![json!({"role": "user", "content": "写一首诗"})]
        );
        assert!(prompt_messages(FieldKind::Conversation, "not json").is_none());
        assert!(prompt_messages(FieldKind::Text, "  ").is_none());
    }

    #[test]
    fn template_answers_give_flags_and_sft_lines() {
        let t: Template = serde_json::from_value(json!({
            "fields": [{"name": "prompt", "kind": "conversation"},
                       {"name": "response_1", "kind": "markdown"}],
            "questions": [{"key": "better", "kind": "writing", "title_zh": "改写",
                           "field": "prompt", "settings": {"rewrite": "response_1"}}]}))
        .unwrap();
        t.validate().unwrap();
        let conv = r#"[{"role":"user","content":"天空为什么是蓝色的？"}]"#.to_owned();
        let fields = |name: &str| match name {
            "prompt" => Some((FieldKind::Conversation, conv.clone())),
            "response_1" => Some((FieldKind::Markdown, "因为瑞利散射。".to_owned())),
            _ => None,
        };
        let mine = json!({"better": "因为瑞利散射。"});
        let other = json!({"better": "因为 瑞利散射"});
        assert_eq!(
            answer_flags(&t, &fields, &mine, [&other].into_iter()),
            ["unchanged", "same_as_other"]
        );
        let good =
            json!({"better": "阳光里的蓝光波长短，被空气分子散射得最多，所以天空看起来是蓝色的。"});
        assert!(answer_flags(&t, &fields, &good, [&other].into_iter()).is_empty());
        let m = sft_messages(&t, &fields, &good).unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m[0]["role"], "user");
        assert_eq!(
            m[1],
            json!({"role": "assistant", "content": good["better"]})
        );
        assert!(sft_messages(&t, &fields, &json!({})).is_none());
    }
}
