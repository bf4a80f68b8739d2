//! Short free text (a sign transcribed, a receipt's total typed in): `"新华书店"`.
//!
//! Answers are compared normalised: full-width letters and digits made half-width, case,
//! spaces and punctuation dropped. The consensus is the normalised answer more than half
//! the answers give (at least two, unless one label was asked); otherwise the item goes to
//! review. A gold answer scores by character error rate, which suits Chinese (no words to
//! split).

use std::collections::HashSet;

use serde_json::Value;

use super::{Agreed, QuestionKind, Voters, bad, nominal_alpha};
use crate::ValidationError;
use crate::template::Question;

pub(crate) struct FreeText;

/// The default and largest limit of a free text, in characters.
const DEFAULT_CHARS: u32 = 100;
const MAX_CHARS: u32 = 2000;

/// A text as compared: half-width, lower case, without spaces or punctuation.
pub fn normalise(s: &str) -> String {
    s.chars()
        .map(|c| match c as u32 {
            0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            0x3000 => ' ',
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .filter(|c| !c.is_whitespace() && !is_punctuation(*c))
        .collect()
}

fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation()
        || matches!(c as u32,
            0x2000..=0x206F     // general punctuation: dashes, quotes, …
            | 0x3001..=0x303F   // CJK: 、。〈〉《》「」『』【】〜
            | 0xFE30..=0xFE4F   // CJK compatibility forms
            | 0xFF5F..=0xFF65   // half-width CJK punctuation
            | 0x00A1..=0x00BF   // Latin-1 punctuation and signs
        )
}

/// Levenshtein distance in characters.
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Character error rate of `answer` against `gold`, both normalised (0 = the same).
pub fn character_error_rate(answer: &str, gold: &str) -> f64 {
    let a: Vec<char> = normalise(answer).chars().collect();
    let g: Vec<char> = normalise(gold).chars().collect();
    if g.is_empty() {
        return if a.is_empty() { 0.0 } else { 1.0 };
    }
    edit_distance(&a, &g) as f64 / g.len() as f64
}

impl FreeText {
    fn limit(q: &Question) -> u32 {
        q.settings.max_chars.unwrap_or(DEFAULT_CHARS)
    }
}

impl QuestionKind for FreeText {
    /// A few words typed.
    fn answer_seconds(&self, _q: &Question) -> u32 {
        20
    }

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
                "a text question has no options",
            ));
        }
        let t = s.tolerance.unwrap_or(0.0);
        if s.min.is_some()
            || s.max.is_some()
            || s.step.is_some()
            || s.unit.is_some()
            || !s.attributes.is_empty()
            || !(0.0..1.0).contains(&t)
            || !(1..=MAX_CHARS).contains(&Self::limit(q))
        {
            return Err(ValidationError::at(
                format!("{at}.settings"),
                format!(
                    "a text takes max_chars (1 to {MAX_CHARS}) and a tolerance (an error rate below 1)"
                ),
            ));
        }
        Ok(())
    }

    fn parse(
        &self,
        q: &Question,
        value: &Value,
        _image: Option<(i64, i64)>,
    ) -> Result<Value, ValidationError> {
        let s = value.as_str().ok_or_else(|| bad("the answer is a text"))?;
        let s = s.trim();
        if s.chars().any(|c| c.is_control() && c != '\n') {
            return Err(bad("the text has control characters"));
        }
        let n = s.chars().count();
        if n == 0 {
            return Err(bad("the text is empty"));
        }
        if n > Self::limit(q) as usize {
            return Err(bad(format!(
                "the text is at most {} characters",
                Self::limit(q)
            )));
        }
        Ok(Value::from(s))
    }

    fn score(&self, _q: &Question, answer: &Value, gold: &Value) -> f64 {
        match (answer.as_str(), gold.as_str()) {
            (Some(a), Some(g)) => (1.0 - character_error_rate(a, g)).max(0.0),
            _ => 0.0,
        }
    }

    fn passes(&self, q: &Question, score: f64) -> bool {
        1.0 - score <= q.settings.tolerance.unwrap_or(0.0) + 1e-9
    }

    fn consensus(&self, _q: &Question, answers: &[Value], _voters: Voters<'_>) -> Agreed {
        let texts: Vec<&str> = answers.iter().filter_map(Value::as_str).collect();
        if texts.is_empty() {
            return Agreed {
                answer: None,
                confidence: 0.0,
                settles: true,
            };
        }
        // Groups of the same normalised text, in order of first appearance.
        let mut groups: Vec<(String, &str, usize)> = Vec::new();
        for t in &texts {
            let n = normalise(t);
            match groups.iter_mut().find(|g| g.0 == n) {
                Some(g) => g.2 += 1,
                None => groups.push((n, t, 1)),
            }
        }
        let best = groups
            .iter()
            .max_by_key(|g| g.2)
            .map(|g| (g.1, g.2))
            .unwrap_or(("", 0));
        let n = texts.len();
        let settles = best.1 * 2 > n && (best.1 >= 2 || n == 1);
        Agreed {
            answer: Some(Value::from(best.0)),
            confidence: best.1 as f64 / n as f64,
            settles,
        }
    }

    /// Nominal alpha over the normalised texts.
    fn agreement(&self, _q: &Question, items: &[Vec<Value>]) -> Option<f64> {
        let mut names: Vec<String> = Vec::new();
        let index: Vec<Vec<Value>> = items
            .iter()
            .map(|answers| {
                answers
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|t| {
                        let n = normalise(t);
                        let i = match names.iter().position(|x| *x == n) {
                            Some(i) => i,
                            None => {
                                names.push(n);
                                names.len() - 1
                            }
                        };
                        Value::from(i)
                    })
                    .collect()
            })
            .collect();
        nominal_alpha(names.len(), &index, |v| v.as_u64().map(|i| i as usize))
    }

    fn cell(&self, _q: &Question, answer: &Value) -> String {
        answer.as_str().unwrap_or_default().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalising_drops_width_case_spaces_and_punctuation() {
        assert_eq!(normalise("ＡＢＣ　１２３"), "abc123");
        assert_eq!(normalise("新华 书店。"), "新华书店");
        assert_eq!(normalise("“合计：¥12.50”"), "合计1250");
        assert_eq!(normalise("Hello, World!"), "helloworld");
    }

    #[test]
    fn error_rate_counts_characters() {
        assert_eq!(character_error_rate("新华书店", "新华书店"), 0.0);
        assert_eq!(character_error_rate("新华书", "新华书店"), 0.25);
        assert_eq!(character_error_rate("新华书局", "新华书店"), 0.25);
        assert_eq!(character_error_rate("", ""), 0.0);
        assert_eq!(character_error_rate("x", ""), 1.0);
    }
}
