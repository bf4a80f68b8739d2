//! The simulation itself: items answered one label at a time, in the order their workers
//! come, each label decided by the domain's live consensus (`live::decide_with`) with the
//! model as a voter when the order trusts it, each label's time by what the worker did
//! with the suggestion (`suggest::outcome`).

use mudou_domain::live::{ItemLabels, ModelVote, Trust, decide_with};
use mudou_domain::suggest::{self, Outcome, SuggestionPolicy};
use mudou_domain::{ItemState, OrderSpec, Overlap};
use serde_json::Value;

/// One item of an order, as the simulation sees it.
#[derive(Debug, Clone)]
pub struct Item {
    /// The true answer (the dataset's gold), only for scoring.
    pub gold: Value,
    /// The model's suggestion, if it made one.
    pub suggestion: Option<Value>,
    /// The workers who come to the item, in order, each with the answer they give unaided
    /// (for the crowd sets, their real answer).
    pub seq: Vec<(i64, Value)>,
    /// Seconds to answer it unaided.
    pub t0: f64,
}

/// Seconds of a label as a share of the unaided time `t0`, by what was done with the
/// suggestion shown.
#[derive(Debug, Clone, Copy)]
pub struct TimeModel {
    /// Accepted as it was (a check).
    pub check: f64,
    /// Changed but still agreeing with it (a nudge).
    pub fix: f64,
    /// Answered otherwise (read it, then answered from scratch).
    pub reject: f64,
}

impl TimeModel {
    pub const DEFAULT: TimeModel = TimeModel {
        check: 0.35,
        fix: 0.6,
        reject: 1.1,
    };

    pub fn seconds(&self, t0: f64, outcome: Option<Outcome>) -> f64 {
        t0 * match outcome {
            None => 1.0,
            Some(Outcome::Accepted) => self.check,
            Some(Outcome::Fixed) => self.fix,
            Some(Outcome::Rejected) => self.reject,
        }
    }
}

/// One run's settings.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// Whether workers are shown the model's suggestion.
    pub suggest: bool,
    /// The order's trust in the model's vote (0: it never votes).
    pub trust: f64,
    /// Share of workers who accept whatever is suggested.
    pub careless: f64,
    /// Dynamic overlap.
    pub min: u32,
    pub max: u32,
    pub target: f64,
    /// Picks the careless workers.
    pub seed: u64,
    pub time: TimeModel,
}

/// What a run cost and got, over the measured items.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Tally {
    pub items: u32,
    pub resolved: u32,
    pub escalated: u32,
    /// Still open when the item's real workers ran out.
    pub unfinished: u32,
    pub labels: u32,
    pub seconds: f64,
    /// Final answer (the current best one for an item not resolved) right by the order's
    /// pass mark against gold.
    pub correct: u32,
    pub correct_resolved: u32,
    pub accepted: u32,
    pub fixed: u32,
    pub rejected: u32,
}

impl Tally {
    pub fn add(&mut self, o: &Tally) {
        self.items += o.items;
        self.resolved += o.resolved;
        self.escalated += o.escalated;
        self.unfinished += o.unfinished;
        self.labels += o.labels;
        self.seconds += o.seconds;
        self.correct += o.correct;
        self.correct_resolved += o.correct_resolved;
        self.accepted += o.accepted;
        self.fixed += o.fixed;
        self.rejected += o.rejected;
    }
    pub fn accuracy(&self) -> f64 {
        self.correct as f64 / self.items.max(1) as f64
    }
    pub fn labels_per_resolved(&self) -> f64 {
        self.labels as f64 / self.resolved.max(1) as f64
    }
    pub fn seconds_per_resolved(&self) -> f64 {
        self.seconds / self.resolved.max(1) as f64
    }
    pub fn escalated_share(&self) -> f64 {
        (self.escalated + self.unfinished) as f64 / self.items.max(1) as f64
    }
}

/// The order a run decides with: `base` with the run's dynamic overlap and suggestion
/// policy.
pub fn order(base: &OrderSpec, cfg: &Config, plant_share: f64) -> OrderSpec {
    let mut s = base.clone();
    s.overlap = Overlap::Dynamic {
        min: cfg.min,
        max: cfg.max,
        target: cfg.target,
    };
    s.suggestions = cfg.suggest.then(|| SuggestionPolicy {
        trust: cfg.trust,
        plant_share,
        ..Default::default()
    });
    s
}

/// Whether worker `w` is one of the careless share in a run seeded `seed`.
pub fn careless(w: i64, seed: u64, share: f64) -> bool {
    share > 0.0 && suggest::draw(w, seed as i64 ^ 0x0ca5_e1e5) < share
}

/// What worker `w` submits: unaided, their own answer; shown a suggestion, a careless
/// worker takes it as it is, a careful one takes it where it agrees with what they would
/// have answered (by the order's pass mark) and gives their own answer otherwise.
pub fn answer(
    spec: &OrderSpec,
    own: &Value,
    shown: Option<&Value>,
    careless_worker: bool,
) -> Value {
    match shown {
        None => own.clone(),
        Some(s) if careless_worker || spec.agrees(own, s) => s.clone(),
        Some(_) => own.clone(),
    }
}

/// The model's estimated accuracy: its answers right by the pass mark on the order's gold
/// items, add-one smoothed (what the order would know of it).
pub fn estimate(spec: &OrderSpec, gold_items: &[Item]) -> f64 {
    let (mut n, mut right) = (0u32, 0u32);
    for it in gold_items {
        if let Some(s) = &it.suggestion {
            n += 1;
            right += u32::from(spec.agrees(s, &it.gold));
        }
    }
    (right as f64 + 1.0) / (n as f64 + 2.0)
}

/// Runs one order over `items` (the measured ones), the model's vote carrying
/// `min(model_accuracy, trust)`.
pub fn run(base: &OrderSpec, items: &[Item], model_accuracy: f64, cfg: &Config) -> Tally {
    let spec = order(base, cfg, 0.0);
    let mut t = Tally::default();
    for it in items {
        t.add(&run_item(&spec, it, model_accuracy, cfg));
    }
    t
}

/// One item: labels until the live consensus resolves or escalates it, or its workers run
/// out.
pub fn run_item(spec: &OrderSpec, it: &Item, model_accuracy: f64, cfg: &Config) -> Tally {
    let shown = it.suggestion.as_ref().filter(|_| cfg.suggest);
    let model = shown.filter(|_| cfg.trust > 0.0).map(|s| ModelVote {
        answer: s.to_string(),
        accuracy: model_accuracy.min(cfg.trust),
    });
    let mut t = Tally {
        items: 1,
        ..Default::default()
    };
    let mut labels = ItemLabels {
        needed: cfg.min as i64,
        skips: 0,
        gold: None,
        answers: Vec::new(),
        records: Vec::new(),
        model,
    };
    let mut last = None;
    for (w, own) in &it.seq {
        let a = answer(
            spec,
            own,
            shown,
            shown.is_some() && careless(*w, cfg.seed, cfg.careless),
        );
        let outcome = shown.and_then(|s| suggest::outcome(spec, s, Some(&a)));
        match outcome {
            Some(Outcome::Accepted) => t.accepted += 1,
            Some(Outcome::Fixed) => t.fixed += 1,
            Some(Outcome::Rejected) => t.rejected += 1,
            None => {}
        }
        t.labels += 1;
        t.seconds += cfg.time.seconds(it.t0, outcome);
        labels.answers.push((*w, a.to_string()));
        let u = decide_with(spec, &labels, Trust::Equal);
        labels.needed = u.needed;
        let state = u.state;
        last = Some(u);
        if state != ItemState::Open {
            break;
        }
    }
    let Some(u) = last else {
        t.unfinished = 1;
        return t;
    };
    let right = u
        .answer
        .as_deref()
        .and_then(|a| serde_json::from_str::<Value>(a).ok())
        .is_some_and(|a| spec.agrees(&a, &it.gold));
    t.correct = u32::from(right);
    match u.state {
        ItemState::Resolved => {
            t.resolved = 1;
            t.correct_resolved = u32::from(right);
        }
        ItemState::Escalated => t.escalated = 1,
        _ => t.unfinished = 1,
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    pub fn choice(keys: &[&str]) -> OrderSpec {
        crate::data::choice_spec("t", keys).unwrap()
    }

    fn l(k: &str) -> Value {
        json!({ "label": k })
    }

    fn cfg(suggest: bool, trust: f64, careless: f64) -> Config {
        Config {
            suggest,
            trust,
            careless,
            min: 2,
            max: 5,
            target: 0.95,
            seed: 1,
            time: TimeModel::DEFAULT,
        }
    }

    /// Three hand-made items, counted by hand.
    ///
    /// 1. Gold cat, model cat; workers 1 cat, 2 cat, 3 cat.
    /// 2. Gold dog, model cat (wrong); workers 4 dog, 5 dog, 6 dog.
    /// 3. Gold cat, no suggestion; workers 7 cat, 8 dog, 9 cat, 10 cat, 11 cat.
    ///
    /// Min 2, max 5, target 0.95, everyone at the live consensus's default 0.8: two
    /// agreeing people give 0.8²/(0.8²+0.2²) = 0.941 < 0.95, three 0.985, so items 1 and 2
    /// take 3 labels; item 3 is 0.5, 0.8, 0.941 (3 cats to 1 dog), 0.985 at its fifth.
    #[test]
    fn accounting_on_three_items() {
        let s = choice(&["cat", "dog"]);
        let items = vec![
            Item {
                gold: l("cat"),
                suggestion: Some(l("cat")),
                seq: vec![(1, l("cat")), (2, l("cat")), (3, l("cat"))],
                t0: 10.0,
            },
            Item {
                gold: l("dog"),
                suggestion: Some(l("cat")),
                seq: vec![(4, l("dog")), (5, l("dog")), (6, l("dog"))],
                t0: 10.0,
            },
            Item {
                gold: l("cat"),
                suggestion: None,
                seq: vec![
                    (7, l("cat")),
                    (8, l("dog")),
                    (9, l("cat")),
                    (10, l("cat")),
                    (11, l("cat")),
                ],
                t0: 10.0,
            },
        ];
        let close = |a: f64, b: f64| (a - b).abs() < 1e-9;

        // No suggestions: 3 + 3 + 5 labels at 10 s; all right.
        let t = run(&s, &items, 0.9, &cfg(false, 0.0, 0.0));
        assert_eq!(
            (t.items, t.resolved, t.labels, t.correct),
            (3, 3, 11, 3),
            "{t:?}"
        );
        assert!(close(t.seconds, 110.0), "{t:?}");
        assert_eq!((t.accepted, t.fixed, t.rejected), (0, 0, 0));

        // Shown, not voting: the same labels; item 1's 3 checks at 3.5 s, item 2's 3
        // rejections at 11 s, item 3's 5 unaided at 10 s.
        let t = run(&s, &items, 0.9, &cfg(true, 0.0, 0.0));
        assert_eq!((t.resolved, t.labels, t.correct), (3, 11, 3), "{t:?}");
        assert_eq!((t.accepted, t.fixed, t.rejected), (3, 0, 3));
        assert!(close(t.seconds, 3.0 * 3.5 + 3.0 * 11.0 + 50.0), "{t:?}");

        // Trusted at 0.9: the model and worker 1 settle item 1 at one label (the model
        // counts toward the min: 0.8·0.9/(0.8·0.9 + 0.2·0.1) = 0.973). Item 2: the model
        // says cat; three dogs weigh 0.8³·0.1/(0.8³·0.1 + 0.2³·0.9) = 0.877 < 0.95, but
        // the people alone would resolve dog at 3 (0.985), so it resolves there: a model
        // never costs a label. Item 3 has no suggestion: 5 labels.
        let c = cfg(true, 0.9, 0.0);
        let spec = order(&s, &c, 0.0);
        let one = run_item(&spec, &items[0], 0.9, &c);
        assert_eq!(
            (one.labels, one.resolved, one.correct),
            (1, 1, 1),
            "{one:?}"
        );
        let two = run_item(&spec, &items[1], 0.9, &c);
        assert_eq!(
            (two.labels, two.resolved, two.correct),
            (3, 1, 1),
            "{two:?}"
        );
        let t = run(&s, &items, 0.9, &c);
        assert_eq!(
            (t.labels, t.resolved, t.correct),
            (1 + 3 + 5, 3, 3),
            "{t:?}"
        );
        assert!(close(t.seconds, 3.5 + 33.0 + 50.0), "{t:?}");

        // The model's vote carries min(estimate, trust): estimated at 0.6, it cannot settle
        // item 1 with one person (0.8·0.6/(0.8·0.6 + 0.2·0.4) = 0.857).
        let weak = run_item(&spec, &items[0], 0.6, &c);
        assert_eq!((weak.labels, weak.resolved), (2, 1), "{weak:?}");

        // Everyone careless, trusted at 0.9: item 1 settles at one check; item 2's first
        // worker accepts the wrong cat and the model agrees: settled wrong at one label.
        let t = run(&s, &items, 0.9, &cfg(true, 0.9, 1.0));
        assert_eq!(
            (t.labels, t.resolved, t.correct),
            (1 + 1 + 5, 3, 2),
            "{t:?}"
        );
        assert_eq!((t.accepted, t.rejected), (2, 0));
        assert!(close(t.seconds, 3.5 + 3.5 + 50.0), "{t:?}");
        assert!(close(t.accuracy(), 2.0 / 3.0));
        assert!(close(t.labels_per_resolved(), 7.0 / 3.0));
    }

    #[test]
    fn time_model() {
        let m = TimeModel::DEFAULT;
        assert_eq!(m.seconds(10.0, None), 10.0);
        assert!((m.seconds(10.0, Some(Outcome::Accepted)) - 3.5).abs() < 1e-9);
        assert!((m.seconds(10.0, Some(Outcome::Rejected)) - 11.0).abs() < 1e-9);
    }
}
