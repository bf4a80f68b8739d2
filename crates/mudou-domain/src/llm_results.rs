//! What an LLM order's answers say, read for trainers and for the model leaderboard: the
//! preference pairs a `pairwise` or `ranking` answer makes, a ranking's places, a rubric's
//! ratings, and the comparisons of every annotator's labels that Bradley–Terry (or the noisy
//! Bradley–Terry) turns into a score per response and per model with 95% intervals
//! ([`leaderboard`], over `mudou_consensus::pairwise::leaderboard`).
//!
//! Answers are whole stored answers, keyed by question (`{"better": {"winner": …}}`); the
//! responses are named by field (`response_1`, …), never by screen side.

use std::collections::{BTreeMap, HashMap};

use mudou_consensus::pairwise::{
    BtOptions, Comparison, Comparisons, NoisyBtOptions, Outcome, PairwiseMethod, Scores,
    leaderboard as model_board,
};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::template::{FieldKind, Question, Template};

/// The fields a pairwise question compares (its `settings.pair`, by default the first two
/// responses).
fn pair_of(q: &Question) -> [&str; 2] {
    match q.settings.pair.as_slice() {
        [a, b] => [a.as_str(), b.as_str()],
        _ => ["response_1", "response_2"],
    }
}

/// The template's questions that compare responses (`pairwise`, `ranking`).
pub fn comparing_questions(t: &Template) -> impl Iterator<Item = &Question> {
    t.questions
        .iter()
        .filter(|q| matches!(q.kind.as_str(), "pairwise" | "ranking"))
}

/// The template's `ranking` questions.
pub fn ranking_questions(t: &Template) -> impl Iterator<Item = &Question> {
    t.questions.iter().filter(|q| q.kind == "ranking")
}

/// The template's `rubric` questions.
pub fn rubric_questions(t: &Template) -> impl Iterator<Item = &Question> {
    t.questions.iter().filter(|q| q.kind == "rubric")
}

/// The field holding the prompt: the first `conversation` field, else the first `text`
/// field (a one-turn prompt).
pub fn prompt_field(t: &Template) -> Option<&str> {
    let by = |k: FieldKind| t.fields.iter().find(|f| f.kind == k);
    by(FieldKind::Conversation)
        .or_else(|| by(FieldKind::Text))
        .map(|f| f.name.as_str())
}

/// The response a rubric question rates: its `field`, else the template's only Markdown
/// field (`None` when it has several and the question names none).
pub fn rated_field<'a>(t: &'a Template, q: &'a Question) -> Option<&'a str> {
    if let Some(f) = q.field.as_deref() {
        return Some(f);
    }
    let mut md = t.fields.iter().filter(|f| f.kind == FieldKind::Markdown);
    match (md.next(), md.next()) {
        (Some(f), None) => Some(f.name.as_str()),
        _ => None,
    }
}

/// One preference: `chosen` was judged better than `rejected` (fields of the item).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preference {
    /// The question's key.
    pub question: String,
    pub chosen: String,
    pub rejected: String,
    /// How much better (1 slightly, 2 clearly), when the answer says.
    pub strength: Option<u64>,
    /// Whether the pair comes from a ranking (every ordered pair of its places).
    pub from_ranking: bool,
}

/// Each ranked field's place (0 best, tied fields share one) in `settings.rank` order;
/// `None` unless `answer` ranks exactly those fields.
fn places(q: &Question, answer: &Value) -> Option<Vec<usize>> {
    let fields = &q.settings.rank;
    let groups = answer.get("order")?.as_array()?;
    let mut place = vec![usize::MAX; fields.len()];
    for (g, group) in groups.iter().enumerate() {
        for f in group.as_array()? {
            let i = fields.iter().position(|x| Some(x.as_str()) == f.as_str())?;
            if place[i] != usize::MAX {
                return None;
            }
            place[i] = g;
        }
    }
    place.iter().all(|p| *p != usize::MAX).then_some(place)
}

/// The preference pairs of one answer (keyed by question): a pairwise answer that picked one
/// of its pair gives one (a tie or both-bad gives none); a ranking gives every pair of fields
/// in different places, the better first (tied fields give none).
pub fn preferences(t: &Template, answer: &Value) -> Vec<Preference> {
    let mut out = Vec::new();
    for q in comparing_questions(t) {
        let a = &answer[q.key.as_str()];
        if q.kind == "pairwise" {
            let [x, y] = pair_of(q);
            let (chosen, rejected) = match a["winner"].as_str() {
                Some(w) if w == x => (x, y),
                Some(w) if w == y => (y, x),
                _ => continue,
            };
            out.push(Preference {
                question: q.key.clone(),
                chosen: chosen.into(),
                rejected: rejected.into(),
                strength: a["strength"].as_u64(),
                from_ranking: false,
            });
        } else if let Some(p) = places(q, a) {
            let rank = &q.settings.rank;
            let mut order: Vec<usize> = (0..rank.len()).collect();
            order.sort_by_key(|&i| (p[i], i));
            for (n, &i) in order.iter().enumerate() {
                for &j in &order[n + 1..] {
                    if p[i] < p[j] {
                        out.push(Preference {
                            question: q.key.clone(),
                            chosen: rank[i].clone(),
                            rejected: rank[j].clone(),
                            strength: None,
                            from_ranking: true,
                        });
                    }
                }
            }
        }
    }
    out
}

/// The strength a settled pick carries: the median (the lower of the middle two) of the
/// strengths given by the answers that picked the same field; `None` when none gave one.
pub fn settled_strength<'a>(
    question: &str,
    chosen: &str,
    answers: impl IntoIterator<Item = &'a Value>,
) -> Option<u64> {
    let mut s: Vec<u64> = answers
        .into_iter()
        .map(|a| &a[question])
        .filter(|a| a["winner"].as_str() == Some(chosen))
        .filter_map(|a| a["strength"].as_u64())
        .collect();
    s.sort_unstable();
    (!s.is_empty()).then(|| s[(s.len() - 1) / 2])
}

/// A ranking answer's fields, best first, each with its 1-based rank (tied fields share the
/// rank of their place: 1, 2, 2, 4). `None` unless the answer ranks the question's fields.
pub fn ranked(q: &Question, answer: &Value) -> Option<Vec<(String, u32)>> {
    let p = places(q, answer)?;
    let rank = &q.settings.rank;
    let mut order: Vec<usize> = (0..rank.len()).collect();
    order.sort_by_key(|&i| (p[i], i));
    let mut out = Vec::with_capacity(order.len());
    for (n, &i) in order.iter().enumerate() {
        let r = match n {
            0 => 1,
            _ if p[i] == p[order[n - 1]] => out.last().map_or(1, |(_, r): &(String, u32)| *r),
            _ => n as u32 + 1,
        };
        out.push((rank[i].clone(), r));
    }
    Some(out)
}

/// A rubric answer's steps by axis, in the question's axis order (axes not answered left out).
pub fn ratings(q: &Question, answer: &Value) -> BTreeMap<String, u64> {
    q.options
        .iter()
        .filter_map(|o| Some((o.key.clone(), answer.get(&o.key)?.as_u64()?)))
        .collect()
}

/// One annotator's label as the leaderboard reads it.
#[derive(Debug, Clone)]
pub struct LabelAnswer {
    pub item_id: i64,
    pub annotator_id: i64,
    /// The whole stored answer, keyed by question.
    pub answer: Value,
}

/// A comparison between two responses of an item (left as the annotator saw it, when known).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Compared<'a> {
    item_id: i64,
    annotator_id: i64,
    left: &'a str,
    right: &'a str,
    outcome: Outcome,
}

/// Every comparison the labels make: a pairwise pick or tie (both-bad says nothing about
/// which is better: left out), with the sides as shown; a ranking's every pair of fields
/// (a tie where they share a place).
fn comparisons<'a>(t: &'a Template, labels: &'a [LabelAnswer]) -> Vec<Compared<'a>> {
    let mut out = Vec::new();
    for l in labels {
        for q in comparing_questions(t) {
            let a = &l.answer[q.key.as_str()];
            if q.kind == "pairwise" {
                let [x, y] = pair_of(q);
                let (left, right) = match a["shown"].as_array().map(Vec::as_slice) {
                    Some([s0, _]) if s0.as_str() == Some(y) => (y, x),
                    _ => (x, y),
                };
                let outcome = match a["winner"].as_str() {
                    Some(w) if w == left => Outcome::Left,
                    Some(w) if w == right => Outcome::Right,
                    Some("tie") => Outcome::Tie,
                    _ => continue,
                };
                out.push(Compared {
                    item_id: l.item_id,
                    annotator_id: l.annotator_id,
                    left,
                    right,
                    outcome,
                });
            } else if let Some(p) = places(q, a) {
                let rank = &q.settings.rank;
                for i in 0..rank.len() {
                    for j in i + 1..rank.len() {
                        let outcome = match p[i].cmp(&p[j]) {
                            std::cmp::Ordering::Less => Outcome::Left,
                            std::cmp::Ordering::Greater => Outcome::Right,
                            std::cmp::Ordering::Equal => Outcome::Tie,
                        };
                        out.push(Compared {
                            item_id: l.item_id,
                            annotator_id: l.annotator_id,
                            left: &rank[i],
                            right: &rank[j],
                            outcome,
                        });
                    }
                }
            }
        }
    }
    out
}

/// How the leaderboard is fitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum BoardMethod {
    /// Bradley–Terry (ties half a win each).
    #[default]
    Bt,
    /// Noisy Bradley–Terry: each annotator's reliability and left-bias estimated too.
    NoisyBt,
}

impl BoardMethod {
    fn model(self) -> PairwiseMethod {
        match self {
            BoardMethod::Bt => PairwiseMethod::Bt(BtOptions::default()),
            BoardMethod::NoisyBt => PairwiseMethod::NoisyBt(NoisyBtOptions::default()),
        }
    }
}

/// One model's place on the leaderboard.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ModelRow {
    pub model: String,
    /// 1 is best (by score).
    pub rank: u32,
    /// Log-strength, centred to mean 0 within its component; higher is better.
    pub score: f64,
    /// The 95% interval of the score.
    pub ci_low: f64,
    pub ci_high: f64,
    /// Comparisons this model won, lost and tied against another model.
    pub wins: u32,
    pub losses: u32,
    pub ties: u32,
    pub comparisons: u32,
    /// Models compare only within one component (models never compared, directly or
    /// through others, are in different ones).
    pub component: u32,
}

/// One response's score (responses compare only within their item, and their component).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ResponseRow {
    pub item_id: i64,
    pub field: String,
    pub model: Option<String>,
    pub score: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub comparisons: u32,
    pub component: u32,
}

/// The per-order leaderboard.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Leaderboard {
    pub method: BoardMethod,
    /// Comparisons read from the labels (pairwise picks and ties, ranking pairs).
    pub comparisons: u32,
    /// Of those, the ones between responses of two different known models.
    pub model_comparisons: u32,
    /// Annotators whose labels were read.
    pub annotators: u32,
    /// Best first.
    pub models: Vec<ModelRow>,
    /// By item, then field.
    pub responses: Vec<ResponseRow>,
}

/// Scores the responses and the models that wrote them from every annotator's labels:
/// `method` over the comparisons of responses (each response an object), and
/// `mudou_consensus::pairwise::leaderboard` over the comparisons between responses of two
/// different models (responses whose model is unknown count for the responses only).
/// `models` gives each item's model by field.
pub fn leaderboard(
    t: &Template,
    labels: &[LabelAnswer],
    models: &HashMap<i64, HashMap<String, String>>,
    method: BoardMethod,
) -> Result<Leaderboard, String> {
    let cmp = comparisons(t, labels);
    let mut objects: BTreeMap<(i64, &str), u32> = BTreeMap::new();
    for c in &cmp {
        objects.entry((c.item_id, c.left)).or_insert(0);
        objects.entry((c.item_id, c.right)).or_insert(0);
    }
    for (i, v) in objects.values_mut().enumerate() {
        *v = i as u32;
    }
    let mut workers: HashMap<i64, u32> = HashMap::new();
    for c in &cmp {
        let n = workers.len() as u32;
        workers.entry(c.annotator_id).or_insert(n);
    }
    let model_of = |item: i64, field: &str| models.get(&item).and_then(|m| m.get(field));
    let mut names: Vec<&str> = objects
        .keys()
        .filter_map(|(i, f)| model_of(*i, f).map(String::as_str))
        .collect();
    names.sort_unstable();
    names.dedup();
    let model_index: HashMap<&str, u32> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (*n, i as u32))
        .collect();
    let all: Vec<Comparison> = cmp
        .iter()
        .map(|c| {
            Comparison::new(
                workers[&c.annotator_id],
                objects[&(c.item_id, c.left)],
                objects[&(c.item_id, c.right)],
                c.outcome,
            )
        })
        .collect();
    let n_workers = workers.len() as u32;
    let method_model = method.model();
    let responses = if cmp.is_empty() {
        None
    } else {
        let c = Comparisons::new(objects.len() as u32, n_workers, all.clone())
            .map_err(|e| e.to_string())?;
        Some(method_model.run(&c).map_err(|e| e.to_string())?)
    };
    // The models' board: only responses of known models are objects of it.
    let known: Vec<(&(i64, &str), u32)> = objects
        .keys()
        .filter_map(|k| model_of(k.0, k.1).map(|m| (k, model_index[m.as_str()])))
        .collect();
    let local: HashMap<(i64, &str), u32> = known
        .iter()
        .enumerate()
        .map(|(i, (k, _))| (**k, i as u32))
        .collect();
    let local_model: Vec<u32> = known.iter().map(|(_, m)| *m).collect();
    let mut tally = vec![[0u32; 3]; names.len()];
    let between: Vec<Comparison> = cmp
        .iter()
        .zip(&all)
        .filter_map(|(c, x)| {
            let l = *local.get(&(c.item_id, c.left))?;
            let r = *local.get(&(c.item_id, c.right))?;
            let (ml, mr) = (local_model[l as usize], local_model[r as usize]);
            if ml == mr {
                return None;
            }
            let (ml, mr) = (ml as usize, mr as usize);
            match c.outcome {
                Outcome::Left => {
                    tally[ml][0] += 1;
                    tally[mr][1] += 1;
                }
                Outcome::Right => {
                    tally[mr][0] += 1;
                    tally[ml][1] += 1;
                }
                Outcome::Tie => {
                    tally[ml][2] += 1;
                    tally[mr][2] += 1;
                }
            }
            Some(Comparison::new(x.worker, l, r, c.outcome))
        })
        .collect();
    let model_comparisons = between.len() as u32;
    let mut rows = Vec::new();
    if !between.is_empty() {
        let c =
            Comparisons::new(known.len() as u32, n_workers, between).map_err(|e| e.to_string())?;
        let s = model_board(&c, &local_model, names.len() as u32, &method_model)
            .map_err(|e| e.to_string())?;
        for (rank, m) in s.order(None).into_iter().enumerate() {
            let i = m as usize;
            let [wins, losses, ties] = tally[i];
            // A model known only from comparisons with itself has nothing on the board.
            if wins + losses + ties == 0 {
                continue;
            }
            rows.push(ModelRow {
                model: names[i].to_owned(),
                rank: rank as u32 + 1,
                score: s.scores[i],
                ci_low: s.ci_low[i],
                ci_high: s.ci_high[i],
                wins,
                losses,
                ties,
                comparisons: wins + losses + ties,
                component: s.component[i],
            });
        }
        // Ranks without the gaps of models left out.
        for (n, r) in rows.iter_mut().enumerate() {
            r.rank = n as u32 + 1;
        }
    }
    let mut per_object = vec![0u32; objects.len()];
    for x in &all {
        per_object[x.left as usize] += 1;
        per_object[x.right as usize] += 1;
    }
    let responses = match responses {
        Some(Scores {
            scores,
            ci_low,
            ci_high,
            component,
            ..
        }) => objects
            .iter()
            .map(|((item, field), &o)| {
                let o = o as usize;
                ResponseRow {
                    item_id: *item,
                    field: (*field).to_owned(),
                    model: model_of(*item, field).cloned(),
                    score: scores[o],
                    ci_low: ci_low[o],
                    ci_high: ci_high[o],
                    comparisons: per_object[o],
                    component: component[o],
                }
            })
            .collect(),
        None => Vec::new(),
    };
    Ok(Leaderboard {
        method,
        comparisons: cmp.len() as u32,
        model_comparisons,
        annotators: n_workers,
        models: rows,
        responses,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn template() -> Template {
        serde_json::from_value(json!({
            "layout": "side_by_side",
            "fields": [
                {"name": "prompt", "kind": "conversation"},
                {"name": "response_1", "kind": "markdown"},
                {"name": "response_2", "kind": "markdown"},
                {"name": "response_3", "kind": "markdown"}],
            "questions": [
                {"key": "better", "kind": "pairwise", "title_zh": "哪个好?",
                 "settings": {"pair": ["response_1", "response_2"], "strength": true}},
                {"key": "rank", "kind": "ranking", "title_zh": "排序",
                 "settings": {"rank": ["response_1", "response_2", "response_3"], "ties": true}},
                {"key": "score", "kind": "rubric", "title_zh": "打分", "field": "response_1",
                 "options": [{"key": "helpful", "name_zh": "有用"}, {"key": "correct", "name_zh": "正确"}]}]
        }))
        .unwrap()
    }

    #[test]
    fn preferences_of_a_pick_and_a_ranking() {
        let t = template();
        t.validate().unwrap();
        let a = json!({
            "better": {"winner": "response_2", "strength": 2, "shown": ["response_1", "response_2"]},
            "rank": {"order": [["response_3"], ["response_1", "response_2"]]}
        });
        let p = preferences(&t, &a);
        let got: Vec<(&str, &str, Option<u64>, bool)> = p
            .iter()
            .map(|p| {
                (
                    p.chosen.as_str(),
                    p.rejected.as_str(),
                    p.strength,
                    p.from_ranking,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("response_2", "response_1", Some(2), false),
                ("response_3", "response_1", None, true),
                ("response_3", "response_2", None, true),
            ]
        );
        // ties and both-bad give no pair
        for w in ["tie", "both_bad"] {
            let a = json!({"better": {"winner": w, "shown": ["response_1", "response_2"]}});
            assert!(preferences(&t, &a).is_empty());
        }
        // a broken ranking gives none
        let a = json!({"rank": {"order": [["response_3"], ["response_3"]]}});
        assert!(preferences(&t, &a).is_empty());
    }

    #[test]
    fn ranks_share_a_place_and_skip_after() {
        let t = template();
        let q = &t.questions[1];
        let r = ranked(
            q,
            &json!({"order": [["response_2", "response_3"], ["response_1"]]}),
        )
        .unwrap();
        assert_eq!(
            r,
            vec![
                ("response_2".into(), 1),
                ("response_3".into(), 1),
                ("response_1".into(), 3)
            ]
        );
        assert!(ranked(q, &json!({"order": [["response_2"]]})).is_none());
        let rubric = &t.questions[2];
        assert_eq!(rated_field(&t, rubric), Some("response_1"));
        let r = ratings(rubric, &json!({"helpful": 4, "correct": 5}));
        assert_eq!(
            r.into_iter().collect::<Vec<_>>(),
            vec![("correct".into(), 5), ("helpful".into(), 4)]
        );
    }

    #[test]
    fn settled_strength_is_the_lower_median_of_the_winners() {
        let a = [
            json!({"better": {"winner": "response_2", "strength": 2}}),
            json!({"better": {"winner": "response_2", "strength": 1}}),
            json!({"better": {"winner": "response_1", "strength": 2}}),
            json!({"better": {"winner": "response_2"}}),
        ];
        assert_eq!(settled_strength("better", "response_2", &a), Some(1));
        assert_eq!(settled_strength("better", "tie", &a), None);
    }

    fn models(items: &[i64]) -> HashMap<i64, HashMap<String, String>> {
        items
            .iter()
            .map(|&i| {
                // The strong model writes response_1 on even items and response_2 on odd.
                let (a, b) = if i % 2 == 0 {
                    ("strong", "weak")
                } else {
                    ("weak", "strong")
                };
                let mut m = HashMap::new();
                m.insert("response_1".to_owned(), a.to_owned());
                m.insert("response_2".to_owned(), b.to_owned());
                m.insert("response_3".to_owned(), "middle".to_owned());
                (i, m)
            })
            .collect()
    }

    #[test]
    fn a_model_that_always_wins_ranks_first() {
        let t = template();
        let items: Vec<i64> = (1..=12).collect();
        let m = models(&items);
        let mut labels = Vec::new();
        for &i in &items {
            let strong = if i % 2 == 0 {
                "response_1"
            } else {
                "response_2"
            };
            let weak = if i % 2 == 0 {
                "response_2"
            } else {
                "response_1"
            };
            for w in 0..2 {
                // shown either way: the side never matters, the field does
                let shown = if w == 0 {
                    ["response_1", "response_2"]
                } else {
                    ["response_2", "response_1"]
                };
                labels.push(LabelAnswer {
                    item_id: i,
                    annotator_id: 100 + w,
                    answer: json!({
                        "better": {"winner": strong, "shown": shown},
                        "rank": {"order": [[strong], ["response_3"], [weak]]}
                    }),
                });
            }
        }
        for method in [BoardMethod::Bt, BoardMethod::NoisyBt] {
            let b = leaderboard(&t, &labels, &m, method).unwrap();
            let names: Vec<&str> = b.models.iter().map(|r| r.model.as_str()).collect();
            assert_eq!(names, ["strong", "middle", "weak"], "{method:?}");
            let s = &b.models[0];
            assert_eq!((s.rank, s.losses, s.ties), (1, 0, 0));
            // per item: the pick (1) + the ranking's two pairs with strong in them (2), twice
            assert_eq!(s.wins, 12 * 2 * 3);
            assert_eq!(b.models[2].wins, 0);
            for r in &b.models {
                assert!(r.ci_low <= r.score && r.score <= r.ci_high, "{r:?}");
                assert_eq!(r.comparisons, r.wins + r.losses + r.ties);
            }
            assert!(b.models[0].score > b.models[1].score && b.models[1].score > b.models[2].score);
            assert_eq!(b.annotators, 2);
            // 12 items × 2 annotators × (1 pick + 3 ranking pairs)
            assert_eq!(b.comparisons, 12 * 2 * 4);
            assert_eq!(b.model_comparisons, b.comparisons);
            assert_eq!(b.responses.len(), 12 * 3);
            for r in &b.responses {
                assert!(r.ci_low <= r.score && r.score <= r.ci_high);
                let best = r.model.as_deref() == Some("strong");
                let others = b
                    .responses
                    .iter()
                    .filter(|o| o.item_id == r.item_id && o.field != r.field);
                if best {
                    assert!(others.into_iter().all(|o| o.score < r.score));
                }
            }
        }
    }

    #[test]
    fn both_bad_unknown_models_and_no_labels() {
        let t = template();
        let labels = vec![
            LabelAnswer {
                item_id: 1,
                annotator_id: 1,
                answer: json!({"better": {"winner": "both_bad", "shown": ["response_1", "response_2"]}}),
            },
            LabelAnswer {
                item_id: 2,
                annotator_id: 1,
                answer: json!({"better": {"winner": "tie", "shown": ["response_2", "response_1"]}}),
            },
        ];
        let b = leaderboard(&t, &labels, &HashMap::new(), BoardMethod::Bt).unwrap();
        assert_eq!(b.comparisons, 1, "both-bad says nothing");
        assert_eq!(b.model_comparisons, 0);
        assert!(b.models.is_empty());
        assert_eq!(b.responses.len(), 2);
        assert!((b.responses[0].score - b.responses[1].score).abs() < 1e-9);
        let b = leaderboard(&t, &[], &HashMap::new(), BoardMethod::NoisyBt).unwrap();
        assert_eq!(
            (b.comparisons, b.models.len(), b.responses.len()),
            (0, 0, 0)
        );
    }
}
