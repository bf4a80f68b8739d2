//! Conversations for LLM data work: a JSONL file whose lines are a prompt (one or more chat
//! turns) and zero or more candidate responses, in the common shapes, normalised to one
//! [`Conversation`] per line.
//!
//! Where the prompt comes from (the first that is there):
//! - `messages`: OpenAI-style `[{"role": "system"|"user"|"assistant", "content"}]` (a
//!   `content` may also be a list of `{"type": "text", "text"}` parts). When no other key
//!   gives responses and the last turn is the assistant's, that turn is response 1 and the
//!   prompt is every turn before it; a list ending in a user turn is a prompt alone (a
//!   writing task).
//! - `prompt`: a string (one user turn; a transcript written `Human: … Assistant: …`, as
//!   in HH-RLHF, is split into its turns) or a list of messages.
//! - `instruction` with optional `input`: one user turn, `instruction\n\ninput`.
//! - `system` (a string) is put first as a system turn when the prompt has none.
//!
//! Where the responses come from (the first that is there):
//! - `responses`: a list of strings or `{"text"|"content", "model"}` objects; `preferred`
//!   (or `chosen`) as a 0-based index says which one is preferred.
//! - `response_a` / `response_b`, with `model_a` / `model_b`.
//! - `chosen` / `rejected` (strings, or message lists whose last turn is the answer): two
//!   responses in an order fixed by a hash of the line's content, so the chosen one is
//!   first only about half of the time; `preferred` then names the chosen one.
//! - `output` (or `response`, `completion`): one response.
//!
//! `id` names the item (unique within the file), `tag` is its tag; every other key is kept
//! as metadata. A line is refused, with its number and the reason, when it is not a JSON
//! object, has no user turn, is longer than [`MAX_LINE_BYTES`], has a turn or response
//! longer than [`MAX_MESSAGE_BYTES`], more than [`MAX_MESSAGES`] turns or more than
//! [`MAX_RESPONSES`] responses; the other lines are taken. How many responses a line has is
//! not checked here (a comparison needs two; that is the order's business).

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::MediaError;
use crate::manifest::decode_text;

/// The longest line (one conversation), in bytes.
pub const MAX_LINE_BYTES: usize = 256 << 10;
/// The longest turn or response, in bytes.
pub const MAX_MESSAGE_BYTES: usize = 64 << 10;
/// The most turns of a prompt (system turns included).
pub const MAX_MESSAGES: usize = 50;
/// The most responses of a line (with the prompt, a record's 8 fields).
pub const MAX_RESPONSES: usize = 7;

/// Who speaks a turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
}

/// One turn of a conversation, as a `prompt` field's JSON holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub role: Role,
    pub content: String,
}

/// One candidate response and, when known, the model that wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub text: String,
    pub model: Option<String>,
}

/// One line of a conversations file, normalised.
#[derive(Debug, Clone, PartialEq)]
pub struct Conversation {
    /// 1-based line in the file.
    pub line: u64,
    pub id: Option<String>,
    pub tag: Option<String>,
    /// Every turn up to and including the last user turn (system turns included).
    pub prompt: Vec<Message>,
    pub responses: Vec<Response>,
    /// The 0-based index in `responses` of the preferred one, when the data says.
    pub preferred: Option<usize>,
    /// Every other key of the line.
    pub meta: BTreeMap<String, Value>,
}

impl Conversation {
    /// The name of the field of response `i` (0-based): `response_1`, `response_2`, …
    pub fn response_field(i: usize) -> String {
        format!("response_{}", i + 1)
    }
}

/// The prompt as a `prompt` field's text: a JSON array of `{"role", "content"}`.
pub fn prompt_json(messages: &[Message]) -> String {
    serde_json::to_string(messages).unwrap_or_else(|_| "[]".into())
}

/// Reads a `prompt` field's text back (`None` if it is not a list of turns).
pub fn parse_prompt_json(text: &str) -> Option<Vec<Message>> {
    serde_json::from_str(text).ok()
}

/// One line of a conversations file: its 1-based number and what it holds or why it is
/// refused.
pub type ConversationLine = (u64, Result<Conversation, MediaError>);

/// Parses a conversations file. The whole file is refused only when its bytes are not text;
/// otherwise each line is a conversation or the reason it is refused (blank lines are
/// skipped). Refusals are [`MediaError::BadConversation`] or [`MediaError::TooLarge`].
pub fn parse_conversations(
    file_name: &str,
    bytes: &[u8],
) -> Result<Vec<ConversationLine>, MediaError> {
    let text = decode_text(bytes).map_err(|message| MediaError::BadConversation {
        file: file_name.to_owned(),
        line: 1,
        message,
    })?;
    let mut ids: HashMap<String, u64> = HashMap::new();
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i as u64 + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let bad = |message: String| MediaError::BadConversation {
            file: file_name.to_owned(),
            line,
            message,
        };
        let result = if raw.len() > MAX_LINE_BYTES {
            Err(MediaError::TooLarge {
                what: format!(
                    "{file_name}, line {line}: {} bytes; a line is at most {MAX_LINE_BYTES}",
                    raw.len()
                ),
            })
        } else {
            match serde_json::from_str::<Value>(raw) {
                Err(e) => Err(bad(format!("not JSON: {e}"))),
                Ok(Value::Object(map)) => one(map, line).map_err(|e| match e {
                    LineError::Bad(m) => bad(m),
                    LineError::Large(what) => MediaError::TooLarge {
                        what: format!("{file_name}, line {line}: {what}"),
                    },
                }),
                Ok(other) => Err(bad(format!(
                    "expected a JSON object, found {}",
                    kind_of(&other)
                ))),
            }
        };
        let result = result.and_then(|c| match &c.id {
            Some(id) => match ids.get(id) {
                Some(first) => Err(bad(format!(
                    "id `{id}` is used twice (first on line {first})"
                ))),
                None => {
                    ids.insert(id.clone(), line);
                    Ok(c)
                }
            },
            None => Ok(c),
        });
        out.push((line, result));
    }
    Ok(out)
}

enum LineError {
    Bad(String),
    Large(String),
}

type LineResult<T> = Result<T, LineError>;

fn bad<T>(m: impl Into<String>) -> LineResult<T> {
    Err(LineError::Bad(m.into()))
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// A text within the size limit.
fn sized(what: &str, s: String) -> LineResult<String> {
    if s.len() > MAX_MESSAGE_BYTES {
        return Err(LineError::Large(format!(
            "{what} is {} bytes; a turn or response is at most {MAX_MESSAGE_BYTES}",
            s.len()
        )));
    }
    Ok(s)
}

/// A string value, or the text parts of an OpenAI content list joined.
fn content_text(what: &str, v: Value) -> LineResult<String> {
    match v {
        Value::String(s) => Ok(s),
        Value::Array(parts) => {
            let mut out = Vec::new();
            for p in parts {
                match p {
                    Value::String(s) => out.push(s),
                    Value::Object(mut o) => match o.remove("text") {
                        Some(Value::String(s)) => out.push(s),
                        _ => return bad(format!("{what}: only text parts are taken")),
                    },
                    other => {
                        return bad(format!(
                            "{what}: a part must be text, found {}",
                            kind_of(&other)
                        ));
                    }
                }
            }
            Ok(out.join("\n\n"))
        }
        other => bad(format!(
            "{what} must be a string, found {}",
            kind_of(&other)
        )),
    }
}

fn role_of(s: &str) -> Option<Role> {
    match s.trim().to_ascii_lowercase().as_str() {
        "system" => Some(Role::System),
        "user" | "human" => Some(Role::User),
        "assistant" | "gpt" | "bot" | "model" => Some(Role::Assistant),
        _ => None,
    }
}

fn messages(what: &str, v: Value) -> LineResult<Vec<Message>> {
    let Value::Array(list) = v else {
        return bad(format!(
            "`{what}` must be a list of {{\"role\", \"content\"}}, found {}",
            kind_of(&v)
        ));
    };
    let mut out = Vec::with_capacity(list.len());
    for (i, m) in list.into_iter().enumerate() {
        let at = format!("`{what}`[{i}]");
        let Value::Object(mut m) = m else {
            return bad(format!("{at} must be an object with `role` and `content`"));
        };
        let role = match m.remove("role") {
            Some(Value::String(r)) => role_of(&r).ok_or_else(|| {
                LineError::Bad(format!("{at}: role {r:?} is not system, user or assistant"))
            })?,
            _ => return bad(format!("{at} has no `role`")),
        };
        let content = match m.remove("content") {
            Some(v) => content_text(&format!("{at}.content"), v)?,
            None => return bad(format!("{at} has no `content`")),
        };
        out.push(Message {
            role,
            content: sized(&format!("{at}.content"), content)?,
        });
    }
    Ok(out)
}

/// `Human: … Assistant: …` transcripts (HH-RLHF) split into turns; any other text is one
/// user turn.
fn transcript(text: String) -> Vec<Message> {
    let t = text.trim_start();
    if !t.starts_with("Human:") || !t.contains("\n\nAssistant:") {
        return vec![Message {
            role: Role::User,
            content: text,
        }];
    }
    let mut out: Vec<Message> = Vec::new();
    let mut rest = t;
    let mut role = Role::User;
    rest = &rest["Human:".len()..];
    loop {
        let next_h = rest.find("\n\nHuman:");
        let next_a = rest.find("\n\nAssistant:");
        let (end, next_role, marker) = match (next_h, next_a) {
            (Some(h), Some(a)) if h < a => (h, Role::User, "\n\nHuman:"),
            (Some(h), None) => (h, Role::User, "\n\nHuman:"),
            (_, Some(a)) => (a, Role::Assistant, "\n\nAssistant:"),
            (None, None) => (rest.len(), role, ""),
        };
        let content = rest[..end].trim().to_owned();
        if !content.is_empty() {
            out.push(Message { role, content });
        }
        if marker.is_empty() {
            break;
        }
        rest = &rest[end + marker.len()..];
        role = next_role;
    }
    out
}

fn string_of(what: &str, v: Value) -> LineResult<String> {
    match v {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        other => bad(format!(
            "`{what}` must be a string, found {}",
            kind_of(&other)
        )),
    }
}

fn model_of(what: &str, v: Option<Value>) -> LineResult<Option<String>> {
    match v {
        None => Ok(None),
        Some(v) => {
            let s = string_of(what, v)?.trim().to_owned();
            if s.chars().count() > 200 {
                return bad(format!("`{what}` is longer than 200 characters"));
            }
            Ok((!s.is_empty()).then_some(s))
        }
    }
}

/// A response given as a string, or (`chosen`/`rejected` of some sets) a message list whose
/// last turn is the answer.
fn answer_text(what: &str, v: Value) -> LineResult<String> {
    match v {
        Value::Array(_) => {
            let list = messages(what, v)?;
            match list.into_iter().last() {
                Some(m) if m.role == Role::Assistant => Ok(m.content),
                _ => bad(format!("`{what}` must end in an assistant turn")),
            }
        }
        v => content_text(&format!("`{what}`"), v),
    }
}

fn index_of(what: &str, v: Value, n: usize) -> LineResult<usize> {
    match v.as_u64() {
        Some(i) if (i as usize) < n => Ok(i as usize),
        _ => bad(format!(
            "`{what}` must be the index of a response, 0 to {}",
            n.saturating_sub(1)
        )),
    }
}

fn one(map: Map<String, Value>, line: u64) -> LineResult<Conversation> {
    let mut f: BTreeMap<String, Value> = map
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| (k.trim().to_lowercase(), v))
        .collect();
    let id = match f.remove("id") {
        None => None,
        Some(v) => Some(string_of("id", v)?.trim().to_owned()).filter(|s| !s.is_empty()),
    };
    let tag = match f.remove("tag") {
        None => None,
        Some(v) => Some(string_of("tag", v)?.trim().to_owned()).filter(|s| !s.is_empty()),
    };

    // The responses first: whether `messages` ends in one depends on it.
    let mut preferred = None;
    let mut from_chosen = false;
    let mut responses: Option<Vec<Response>> = None;
    if let Some(v) = f.remove("responses") {
        let Value::Array(list) = v else {
            return bad("`responses` must be a list");
        };
        let mut out = Vec::with_capacity(list.len());
        for (i, r) in list.into_iter().enumerate() {
            let at = format!("responses[{i}]");
            let (text, model) = match r {
                Value::Object(mut o) => {
                    let text = o
                        .remove("text")
                        .or_else(|| o.remove("content"))
                        .or_else(|| o.remove("response"))
                        .ok_or_else(|| LineError::Bad(format!("`{at}` has no `text`")))?;
                    (
                        content_text(&format!("`{at}.text`"), text)?,
                        model_of(&format!("{at}.model"), o.remove("model"))?,
                    )
                }
                v => (content_text(&format!("`{at}`"), v)?, None),
            };
            out.push(Response { text, model });
        }
        for key in ["preferred", "chosen"] {
            if let Some(v) = f.remove(key) {
                preferred = Some(index_of(key, v, out.len())?);
                break;
            }
        }
        responses = Some(out);
    } else if f.contains_key("response_a") || f.contains_key("response_b") {
        let mut out = Vec::new();
        for side in ["a", "b"] {
            let key = format!("response_{side}");
            let Some(v) = f.remove(&key) else {
                return bad(format!("`{key}` is missing"));
            };
            out.push(Response {
                text: content_text(&format!("`{key}`"), v)?,
                model: model_of(&format!("model_{side}"), f.remove(&format!("model_{side}")))?,
            });
        }
        responses = Some(out);
    } else if f.contains_key("chosen") && f.contains_key("rejected") {
        let chosen = answer_text("chosen", f.remove("chosen").unwrap_or_default())?;
        let rejected = answer_text("rejected", f.remove("rejected").unwrap_or_default())?;
        responses = Some(vec![
            Response {
                text: chosen,
                model: None,
            },
            Response {
                text: rejected,
                model: None,
            },
        ]);
        preferred = Some(0);
        from_chosen = true;
    } else {
        for key in ["output", "response", "completion"] {
            if let Some(v) = f.remove(key) {
                responses = Some(vec![Response {
                    text: answer_text(key, v)?,
                    model: model_of("model", f.remove("model"))?,
                }]);
                break;
            }
        }
    }

    let mut prompt = if let Some(v) = f.remove("messages") {
        let mut list = messages("messages", v)?;
        if responses.is_none() && list.last().is_some_and(|m| m.role == Role::Assistant) {
            let last = list.pop().map(|m| m.content).unwrap_or_default();
            // An empty last answer is a missing one: the line is a prompt alone.
            if !last.trim().is_empty() {
                responses = Some(vec![Response {
                    text: last,
                    model: model_of("model", f.remove("model"))?,
                }]);
            }
        }
        list
    } else if let Some(v) = f.remove("prompt") {
        match v {
            Value::Array(_) => messages("prompt", v)?,
            v => transcript(content_text("`prompt`", v)?),
        }
    } else if let Some(v) = f.remove("instruction") {
        let instruction = content_text("`instruction`", v)?;
        let input = match f.remove("input") {
            None => String::new(),
            Some(v) => content_text("`input`", v)?,
        };
        let content = if input.trim().is_empty() {
            instruction
        } else {
            format!("{}\n\n{}", instruction.trim_end(), input.trim())
        };
        vec![Message {
            role: Role::User,
            content,
        }]
    } else {
        return bad("no prompt: give `messages`, `prompt` or `instruction`");
    };
    if let Some(v) = f.remove("system") {
        let s = content_text("`system`", v)?;
        if !s.trim().is_empty() && !prompt.iter().any(|m| m.role == Role::System) {
            prompt.insert(
                0,
                Message {
                    role: Role::System,
                    content: s,
                },
            );
        }
    }
    // The prompt ends with its last user turn.
    let Some(last_user) = prompt
        .iter()
        .rposition(|m| m.role == Role::User && !m.content.trim().is_empty())
    else {
        return bad("no prompt: no user turn with words");
    };
    if last_user + 1 < prompt.len() {
        return bad(
            "the prompt's turns after the last user turn have no place (give them as the responses)",
        );
    }
    if prompt.len() > MAX_MESSAGES {
        return Err(LineError::Large(format!(
            "{} turns; a prompt has at most {MAX_MESSAGES}",
            prompt.len()
        )));
    }
    for (i, m) in prompt.iter_mut().enumerate() {
        m.content = sized(&format!("turn {}", i + 1), std::mem::take(&mut m.content))?;
    }

    let mut responses = responses.unwrap_or_default();
    if responses.len() > MAX_RESPONSES {
        return Err(LineError::Large(format!(
            "{} responses; a line has at most {MAX_RESPONSES}",
            responses.len()
        )));
    }
    for (i, r) in responses.iter_mut().enumerate() {
        if r.text.trim().is_empty() {
            return bad(format!("response {} is empty", i + 1));
        }
        r.text = sized(&format!("response {}", i + 1), std::mem::take(&mut r.text))?;
    }
    // chosen/rejected: the chosen one first only when the hash says so.
    if from_chosen && swap_pair(&prompt, &responses) {
        responses.swap(0, 1);
        preferred = Some(1);
    }
    Ok(Conversation {
        line,
        id,
        tag,
        prompt,
        responses,
        preferred,
        meta: f,
    })
}

/// Whether a chosen/rejected pair is shown rejected first: a bit of the SHA-256 of its
/// prompt and answers (stable across uploads, about half of the pairs).
fn swap_pair(prompt: &[Message], responses: &[Response]) -> bool {
    let mut h = Sha256::new();
    for m in prompt {
        h.update(m.content.as_bytes());
        h.update([0]);
    }
    for r in responses {
        h.update(r.text.as_bytes());
        h.update([0]);
    }
    h.finalize()[0] & 1 == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Vec<Result<Conversation, MediaError>> {
        parse_conversations("c.jsonl", s.as_bytes())
            .unwrap()
            .into_iter()
            .map(|(_, r)| r)
            .collect()
    }

    fn ok(s: &str) -> Conversation {
        let mut v = parse(s);
        assert_eq!(v.len(), 1);
        v.remove(0).unwrap()
    }

    fn refused(s: &str) -> MediaError {
        let mut v = parse(s);
        assert_eq!(v.len(), 1);
        v.remove(0).unwrap_err()
    }

    fn user(s: &str) -> Message {
        Message {
            role: Role::User,
            content: s.into(),
        }
    }

    #[test]
    fn messages_ending_in_an_assistant_turn() {
        let c = ok(
            r#"{"id": 7, "messages": [{"role":"system","content":"be brief"},{"role":"user","content":"hi"},{"role":"assistant","content":"hello"},{"role":"user","content":"2+2?"},{"role":"assistant","content":"4"}], "source": "x"}"#,
        );
        assert_eq!(c.id.as_deref(), Some("7"));
        assert_eq!(c.prompt.len(), 4);
        assert_eq!(c.prompt[0].role, Role::System);
        assert_eq!(c.prompt[3], user("2+2?"));
        assert_eq!(c.responses.len(), 1);
        assert_eq!(c.responses[0].text, "4");
        assert_eq!(c.meta["source"], "x");
        assert_eq!(c.preferred, None);
    }

    #[test]
    fn messages_ending_in_a_user_turn_is_a_writing_prompt() {
        let c = ok(
            r#"{"messages": [{"role":"user","content":[{"type":"text","text":"写一首诗"}]}], "followup_user_turns": ["再短一点"]}"#,
        );
        assert_eq!(c.prompt, vec![user("写一首诗")]);
        assert!(c.responses.is_empty());
        assert_eq!(c.meta["followup_user_turns"][0], "再短一点");
    }

    #[test]
    fn an_empty_last_answer_is_a_missing_one() {
        let c = ok(
            r#"{"messages": [{"role":"user","content":"a"},{"role":"assistant","content":""},{"role":"user","content":"b"},{"role":"assistant","content":"  "}]}"#,
        );
        assert_eq!(c.prompt.len(), 3);
        assert!(c.responses.is_empty());
        let lines = parse_conversations("c.jsonl", b"\n{\"prompt\": \"q\"}\n\n[]\n").unwrap();
        let numbers: Vec<u64> = lines.iter().map(|(n, _)| *n).collect();
        assert_eq!(numbers, [2, 4]);
    }

    #[test]
    fn instruction_input_output() {
        let c = ok(r#"{"instruction": "Translate.", "input": "你好", "output": "Hello"}"#);
        assert_eq!(c.prompt, vec![user("Translate.\n\n你好")]);
        assert_eq!(c.responses[0].text, "Hello");
        let c = ok(r#"{"instruction": "Say hi.", "input": "", "output": "Hi"}"#);
        assert_eq!(c.prompt, vec![user("Say hi.")]);
    }

    #[test]
    fn responses_with_models_and_preferred() {
        let c = ok(
            r#"{"prompt": "q", "system": "s", "responses": ["a", {"text": "b", "model": "m2"}, {"content": "c"}], "preferred": 1}"#,
        );
        assert_eq!(c.prompt[0].role, Role::System);
        assert_eq!(c.prompt[1], user("q"));
        assert_eq!(c.responses.len(), 3);
        assert_eq!(c.responses[1].model.as_deref(), Some("m2"));
        assert_eq!(c.responses[0].model, None);
        assert_eq!(c.preferred, Some(1));
        assert!(!c.meta.contains_key("preferred"));
    }

    #[test]
    fn response_a_and_b() {
        let c = ok(
            r#"{"prompt": "q", "response_a": "x", "response_b": "y", "model_a": "A", "model_b": "B", "winner": "model_a"}"#,
        );
        assert_eq!(c.responses[0].text, "x");
        assert_eq!(c.responses[1].model.as_deref(), Some("B"));
        assert_eq!(c.meta["winner"], "model_a");
        assert!(matches!(
            refused(r#"{"prompt": "q", "response_a": "x"}"#),
            MediaError::BadConversation { .. }
        ));
    }

    #[test]
    fn chosen_and_rejected_are_not_always_in_that_order() {
        let mut firsts = [0, 0];
        for i in 0..40 {
            let c = ok(&format!(
                r#"{{"prompt": "q{i}", "chosen": "good {i}", "rejected": "bad {i}"}}"#
            ));
            let p = c.preferred.unwrap();
            assert!(c.responses[p].text.starts_with("good"));
            assert!(c.responses[1 - p].text.starts_with("bad"));
            firsts[p] += 1;
            // The same line gives the same order.
            let again = ok(&format!(
                r#"{{"prompt": "q{i}", "chosen": "good {i}", "rejected": "bad {i}"}}"#
            ));
            assert_eq!(again.preferred, c.preferred);
        }
        assert!(firsts[0] > 5 && firsts[1] > 5, "{firsts:?}");
        // Message lists (Anthropic's raw shape): the last assistant turn is the answer.
        let c = ok(
            r#"{"prompt": [{"role":"user","content":"q"}], "chosen": [{"role":"user","content":"q"},{"role":"assistant","content":"yes"}], "rejected": [{"role":"assistant","content":"no"}]}"#,
        );
        assert_eq!(c.responses[c.preferred.unwrap()].text, "yes");
    }

    #[test]
    fn hh_transcripts_are_split_into_turns() {
        let c = ok(
            r#"{"prompt": "Human: what is a pen?\n\nAssistant: A tool.\n\nHuman: ok, and ink?", "responses": ["Liquid.", "Dunno."], "preferred": 0}"#,
        );
        assert_eq!(
            c.prompt,
            vec![
                user("what is a pen?"),
                Message {
                    role: Role::Assistant,
                    content: "A tool.".into()
                },
                user("ok, and ink?"),
            ]
        );
        assert_eq!(c.preferred, Some(0));
    }

    #[test]
    fn refusals_name_their_line_and_reason() {
        let text = "{\"prompt\": \"ok\"}\n\n[1, 2]\n{\"responses\": [\"a\", \"b\"]}\nnot json\n{\"messages\": [{\"role\": \"robot\", \"content\": \"x\"}]}\n{\"prompt\": \"q\", \"responses\": [\"a\", \"\"]}\n{\"messages\": [{\"role\": \"assistant\", \"content\": \"x\"}]}\n{\"prompt\": \"q\", \"responses\": [\"a\"], \"preferred\": 3}\n";
        let v = parse(text);
        assert_eq!(v.len(), 8);
        assert!(v[0].is_ok());
        let why = |i: usize| {
            let e = v[i].as_ref().unwrap_err();
            assert_eq!(e.code(), "bad_conversation", "{e}");
            e.to_string()
        };
        assert!(why(1).contains("line 3") && why(1).contains("expected a JSON object"));
        assert!(why(2).contains("line 4") && why(2).contains("no prompt"));
        assert!(why(3).contains("line 5") && why(3).contains("not JSON"));
        assert!(why(4).contains("robot"));
        assert!(why(5).contains("response 2 is empty"));
        assert!(why(6).contains("no user turn"));
        assert!(why(7).contains("preferred"));
    }

    #[test]
    fn limits() {
        let long = "x".repeat(MAX_MESSAGE_BYTES + 1);
        let e = refused(&format!(r#"{{"prompt": "q", "output": "{long}"}}"#));
        assert_eq!(e.code(), "too_large");
        assert!(e.to_string().contains("line 1"), "{e}");
        let e = refused(&format!(r#"{{"prompt": "{long}"}}"#));
        assert_eq!(e.code(), "too_large");
        let line = "y".repeat(MAX_LINE_BYTES);
        let e = refused(&format!(r#"{{"prompt": "{line}"}}"#));
        assert_eq!(e.code(), "too_large");
        assert!(e.to_string().contains("a line is at most"), "{e}");
        let turns: Vec<String> = (0..=MAX_MESSAGES)
            .map(|_| r#"{"role":"user","content":"u"}"#.to_owned())
            .collect();
        let e = refused(&format!(r#"{{"messages": [{}]}}"#, turns.join(",")));
        assert_eq!(e.code(), "too_large");
        let e = refused(r#"{"prompt": "q", "responses": ["1","2","3","4","5","6","7","8"]}"#);
        assert_eq!(e.code(), "too_large");
        assert!(e.to_string().contains("8 responses"));
        // Seven is fine.
        assert_eq!(
            ok(r#"{"prompt": "q", "responses": ["1","2","3","4","5","6","7"]}"#)
                .responses
                .len(),
            7
        );
    }

    #[test]
    fn ids_are_unique_and_the_rest_is_taken() {
        let v = parse(
            "{\"id\": \"a\", \"prompt\": \"1\"}\n{\"id\": \"a\", \"prompt\": \"2\"}\n{\"id\": \"b\", \"prompt\": \"3\"}\n",
        );
        assert!(v[0].is_ok() && v[2].is_ok());
        assert!(
            v[1].as_ref()
                .unwrap_err()
                .to_string()
                .contains("used twice")
        );
    }

    #[test]
    fn prompt_json_round_trips() {
        let p = vec![
            user("你好"),
            Message {
                role: Role::Assistant,
                content: "<b>x</b>".into(),
            },
        ];
        let s = prompt_json(&p);
        assert!(s.starts_with(r#"[{"role":"user","content":"你好"}"#), "{s}");
        assert_eq!(parse_prompt_json(&s).unwrap(), p);
    }
}
