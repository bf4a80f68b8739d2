//! When two questions on an order ask the same thing, so that one answer can reach everyone
//! who asked it.
//!
//! Two questions are alike only with the same reason. When both have words, the words must
//! be alike too: the Dice coefficient of their tokens is at least [`SIMILAR_AT`]. Chinese is
//! cut into character bigrams (a lone character stands for itself), so no dictionary is
//! needed; other scripts into lowercase words without the few English words that say
//! nothing (`a`, `the`, `is`, …). When either question has no words (a voice note, or only
//! the reason picture), all that is known is the reason: [`Likeness::Reason`], which the
//! ask sheet may show (the annotator chooses) but nothing is pushed on it.

use std::collections::BTreeSet;

/// Dice coefficient of the tokens from which two questions' words count as alike.
pub const SIMILAR_AT: f64 = 0.45;

/// Dice coefficient from which an answer is pushed to the home of someone who asked alike
/// words. Higher than [`SIMILAR_AT`]: in short Chinese questions one changed character
/// (猫 for 狗) changes two bigrams, so "这个是猫吗" and "这个是狗吗" are alike at 0.5. The ask
/// sheet may offer such a pair (the annotator reads both and chooses); nothing is pushed on it.
pub const PUSH_AT: f64 = 0.6;

/// How two questions are alike.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Likeness {
    /// The same reason and alike words: the Dice coefficient (from [`SIMILAR_AT`] to 1).
    Words(f64),
    /// The same reason; at least one has no words to compare.
    Reason,
}

impl Likeness {
    /// Whether an answer to one question is pushed to whoever asked the other: alike words,
    /// at least [`PUSH_AT`] alike.
    pub fn pushes(self) -> bool {
        matches!(self, Likeness::Words(d) if d >= PUSH_AT)
    }

    /// A number to rank by: alike words first (the more alike the higher), then the reason.
    pub fn rank(self) -> f64 {
        match self {
            Likeness::Words(d) => 1.0 + d,
            Likeness::Reason => 0.0,
        }
    }
}

/// A question as far as likeness goes: its reason key and its words.
#[derive(Debug, Clone, Copy)]
pub struct Asked<'a> {
    pub reason: &'a str,
    pub text: Option<&'a str>,
}

/// How `a` and `b` are alike, if they are: the same reason, and alike words when both have
/// words. The reason `other` says nothing by itself, so two `other` questions are alike only
/// by their words.
pub fn likeness(a: Asked<'_>, b: Asked<'_>) -> Option<Likeness> {
    if a.reason != b.reason {
        return None;
    }
    let ta = a.text.map(tokens).filter(|t| !t.is_empty());
    let tb = b.text.map(tokens).filter(|t| !t.is_empty());
    match (ta, tb) {
        (Some(ta), Some(tb)) => {
            let d = dice(&ta, &tb);
            (d >= SIMILAR_AT).then_some(Likeness::Words(d))
        }
        _ if a.reason == "other" => None,
        _ => Some(Likeness::Reason),
    }
}

/// English words too common to say what a question is about.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "do", "does", "i", "in", "is", "it", "of", "on", "or", "should",
    "the", "this", "that", "to", "what", "which", "with",
];

/// Whether `c` is written with Chinese (or Japanese, Korean) characters: cut into bigrams.
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF
        | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// The tokens of some words: character bigrams of each run of Chinese characters (a run of
/// one is itself), and each other word lowercased, without [`STOP_WORDS`]. Punctuation and
/// spaces only split.
pub fn tokens(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut cjk: Vec<char> = Vec::new();
    let mut word = String::new();
    let flush_cjk = |cjk: &mut Vec<char>, out: &mut BTreeSet<String>| {
        match cjk.len() {
            0 => {}
            1 => {
                out.insert(cjk[0].to_string());
            }
            _ => out.extend(cjk.windows(2).map(|w| w.iter().collect::<String>())),
        }
        cjk.clear();
    };
    let flush_word = |word: &mut String, out: &mut BTreeSet<String>| {
        if !word.is_empty() && !STOP_WORDS.contains(&word.as_str()) {
            out.insert(std::mem::take(word));
        }
        word.clear();
    };
    for c in text.chars() {
        if is_cjk(c) {
            flush_word(&mut word, &mut out);
            cjk.push(c);
        } else if c.is_alphanumeric() {
            flush_cjk(&mut cjk, &mut out);
            word.extend(c.to_lowercase());
        } else {
            flush_cjk(&mut cjk, &mut out);
            flush_word(&mut word, &mut out);
        }
    }
    flush_cjk(&mut cjk, &mut out);
    flush_word(&mut word, &mut out);
    out
}

/// The Dice coefficient of two token sets: twice the shared ones over both counts (0 when
/// both are empty).
pub fn dice(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f64 {
    let total = a.len() + b.len();
    if total == 0 {
        return 0.0;
    }
    2.0 * a.intersection(b).count() as f64 / total as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(reason: &'static str, text: &'static str) -> Asked<'static> {
        Asked {
            reason,
            text: Some(text),
        }
    }

    fn d(a: &str, b: &str) -> f64 {
        dice(&tokens(a), &tokens(b))
    }

    #[test]
    fn chinese_is_cut_into_bigrams() {
        let t = tokens("这是猫，还是狗？");
        let want: BTreeSet<String> = ["这是", "是猫", "还是", "是狗"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(t, want);
        assert_eq!(tokens("猫?"), BTreeSet::from(["猫".to_owned()]));
        // Mixed: Chinese bigrams and English words, case folded, stop words left out.
        assert_eq!(
            tokens("是 Cat 吗 the 3号"),
            ["是", "cat", "吗", "3", "号"]
                .iter()
                .map(|s| s.to_string())
                .collect()
        );
    }

    #[test]
    fn alike_chinese_questions_are_alike() {
        assert!(d("这是猫还是狗", "是猫还是狗？") > 0.85);
        assert!(d("图片太模糊看不清", "看不清楚，图片") >= SIMILAR_AT);
        assert!(d("猫还是狗", "车还是人") < SIMILAR_AT);
        assert!(d("半只猫算不算猫", "只露出一半的猫算吗") < 0.5);
        assert_eq!(
            likeness(
                words("several_fit", "这是猫还是狗"),
                words("several_fit", "猫还是狗？")
            )
            .map(|l| matches!(l, Likeness::Words(_))),
            Some(true)
        );
        // Alike words, another reason: not alike.
        assert_eq!(
            likeness(
                words("unclear", "这是猫还是狗"),
                words("several_fit", "这是猫还是狗")
            ),
            None
        );
        assert_eq!(
            likeness(
                words("several_fit", "猫还是狗"),
                words("several_fit", "车还是人")
            ),
            None
        );
    }

    #[test]
    fn one_changed_word_is_offered_not_pushed() {
        let cat_dog = likeness(
            words("several_fit", "这个是猫吗"),
            words("several_fit", "这个是狗吗"),
        )
        .unwrap();
        assert!(matches!(cat_dog, Likeness::Words(_)));
        assert!(!cat_dog.pushes(), "{cat_dog:?}");
        let same = likeness(
            words("several_fit", "这是猫还是狗"),
            words("several_fit", "猫还是狗？"),
        )
        .unwrap();
        assert!(same.pushes(), "{same:?}");
        let blurry = likeness(
            words("unclear", "图片模糊看不清怎么办"),
            words("unclear", "看不清怎么办"),
        )
        .unwrap();
        assert!(blurry.pushes(), "{blurry:?}");
    }

    #[test]
    fn alike_english_questions_are_alike() {
        assert!(d("Is this a cat or a dog?", "cat or dog") > 0.9);
        assert!(
            d(
                "The car is half hidden, does it count?",
                "does a half hidden car count"
            ) >= SIMILAR_AT
        );
        assert!(d("Is the car blue or green?", "cat or dog?") < SIMILAR_AT);
        assert_eq!(d("", "cat"), 0.0);
        assert_eq!(dice(&BTreeSet::new(), &BTreeSet::new()), 0.0);
        let l = likeness(
            words("no_label_fits", "Which label for a fox?"),
            words("no_label_fits", "label for fox"),
        );
        assert!(matches!(l, Some(Likeness::Words(x)) if x > 0.9));
    }

    #[test]
    fn without_words_only_the_reason_is_known() {
        let voice = |reason| Asked { reason, text: None };
        assert_eq!(
            likeness(voice("unclear"), words("unclear", "看不清")),
            Some(Likeness::Reason)
        );
        assert_eq!(
            likeness(voice("unclear"), voice("unclear")),
            Some(Likeness::Reason)
        );
        // Punctuation only is no words.
        assert_eq!(
            likeness(words("rule_unclear", "？？"), voice("rule_unclear")),
            Some(Likeness::Reason)
        );
        assert_eq!(likeness(voice("unclear"), voice("several_fit")), None);
        // "Other" says nothing by itself.
        assert_eq!(likeness(voice("other"), voice("other")), None);
        assert!(matches!(
            likeness(
                words("other", "水印算不算"),
                words("other", "水印算不算文字")
            ),
            Some(Likeness::Words(_))
        ));
        // Words rank above the reason alone.
        assert!(!Likeness::Reason.pushes());
        assert!(Likeness::Words(SIMILAR_AT).rank() > Likeness::Reason.rank());
    }
}
