//! Which orders an annotator may work on now, and in which order to try them.
//!
//! Eligibility: the order's centres, the annotator's pauses (a lead's or a quality
//! rule's), skill level and qualifications. A qualification is a task type (`bbox`, …)
//! or a named skill (`medical`): an order requires the one it names, and its own task
//! type whenever a training order for that type is open to the annotator — so a new
//! annotator trains first and real work of that type opens when they pass. Training
//! orders go only to those who lack what they grant, and before any other work.
//!
//! Fairness: among eligible orders, each gets a share of annotators in proportion to its
//! weight (priority, deadline, age), drawn at random per request. Weights don't depend on
//! an order's size, so one big order cannot starve the small ones; a higher priority or
//! a near deadline gets more people but never all of them. The draw keeps no state (it is
//! seeded by who asks and how far their work has gone), so any number of server processes
//! share the work the same way, and a given history is reproducible.

use std::sync::Arc;

use crate::{OrderSpec, SkillLevel};

/// An order that is open for work.
#[derive(Debug, Clone)]
pub struct OpenOrder {
    pub id: i64,
    pub org_id: i64,
    pub name: String,
    pub priority: i64,
    pub deadline: Option<i64>,
    pub published_at: Option<i64>,
}

/// An annotator's standing for dispatch.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Standing {
    pub level: Option<SkillLevel>,
    /// The reason of a pause on all work, if there is one.
    pub paused_everywhere: Option<String>,
    /// Orders the annotator is paused on, with the reason.
    pub paused_orders: Vec<(i64, String)>,
    pub qualifications: Vec<String>,
    /// The id of the annotator's latest assignment (0 for none): it moves on with each
    /// unit, so it seeds a fresh, reproducible draw of orders.
    pub last_assignment: i64,
}

/// An order worth trying, with its spec.
#[derive(Clone)]
pub struct Candidate {
    pub order_id: i64,
    pub name: Arc<str>,
    pub spec: Arc<OrderSpec>,
    pub weight: f64,
}

/// What to do for one request for work.
pub enum Plan {
    /// Try these orders in this order.
    Try(Vec<Candidate>),
    /// Nothing can be offered: `no_open_orders`, `paused` or `not_qualified`.
    Nothing(&'static str),
}

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

/// An order's share of annotators, relative to the others.
pub fn weight(spec: &OrderSpec, deadline: Option<i64>, published_at: Option<i64>, now: i64) -> f64 {
    // Each priority step doubles the share: 10 gets 32× the share of 5, yet 5 still gets some.
    let mut w = 2f64.powi(spec.priority - 5);
    if let Some(d) = deadline {
        w *= match d - now {
            left if left <= 0 => 8.0,
            left if left <= DAY_MS => 4.0,
            left if left <= 3 * DAY_MS => 2.0,
            _ => 1.0,
        };
    }
    // Older orders gain up to twice their share over two weeks.
    if let Some(p) = published_at {
        w *= 1.0 + ((now - p).max(0) as f64 / (14 * DAY_MS) as f64).min(1.0);
    }
    w
}

/// A 64-bit mix (splitmix64), for a stateless draw per request.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Decides what an annotator of `centre_id` with `standing` may be offered now.
/// `open` holds the open orders with their parsed specs and names; `seed` varies the draw.
pub fn plan(
    open: &[(OpenOrder, Arc<OrderSpec>, Arc<str>)],
    centre_id: i64,
    standing: &Standing,
    now: i64,
    seed: u64,
) -> Plan {
    if standing.paused_everywhere.is_some() {
        return Plan::Nothing("paused");
    }
    let holds = |q: &str| standing.qualifications.iter().any(|h| h == q);
    let level = standing.level.unwrap_or(SkillLevel::Trainee);
    let visible: Vec<_> = open
        .iter()
        .filter(|(_, s, _)| {
            s.eligible_centres.is_empty() || s.eligible_centres.contains(&centre_id)
        })
        .collect();
    if visible.is_empty() {
        return Plan::Nothing("no_open_orders");
    }
    // Task types this annotator can train for here: real work of those types waits for it.
    let trainable: Vec<&str> = visible.iter().filter_map(|(_, s, _)| s.grants()).collect();
    let (mut paused, mut unqualified) = (false, false);
    let mut out = Vec::new();
    for (o, spec, name) in visible {
        if standing.paused_orders.iter().any(|(id, _)| *id == o.id) {
            paused = true;
            continue;
        }
        let ok = match spec.grants() {
            Some(q) => !holds(q),
            None => {
                let level_ok = spec.required_level.is_none_or(|l| level >= l);
                let named_ok = spec.required_qualification.as_deref().is_none_or(holds);
                let kind = spec.task_type.as_str();
                let trained_ok = !trainable.contains(&kind) || holds(kind);
                if !(level_ok && named_ok && trained_ok) {
                    unqualified = true;
                }
                level_ok && named_ok && trained_ok
            }
        };
        if ok {
            out.push(Candidate {
                order_id: o.id,
                name: name.clone(),
                spec: spec.clone(),
                weight: weight(spec, o.deadline, o.published_at, now),
            });
        }
    }
    if out.is_empty() {
        return Plan::Nothing(if paused {
            "paused"
        } else if unqualified {
            "not_qualified"
        } else {
            // Only training this annotator has already passed.
            "all_done"
        });
    }
    // A weighted random order (Efraimidis–Spirakis): key = u^(1/w), largest first.
    let mut keyed: Vec<(f64, Candidate)> = out
        .into_iter()
        .map(|c| {
            let r = mix(seed ^ mix(c.order_id as u64));
            let u = ((r >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
            (u.ln() / c.weight, c)
        })
        .collect();
    // Learning comes first: training before any other work, then the draw.
    keyed.sort_by(|a, b| {
        (b.1.spec
            .training
            .is_some()
            .cmp(&a.1.spec.training.is_some()))
        .then(b.0.total_cmp(&a.0))
        .then(a.1.order_id.cmp(&b.1.order_id))
    });
    Plan::Try(keyed.into_iter().map(|(_, c)| c).collect())
}

/// A seed for one request: who asks, and how far their work has gone (their latest
/// assignment), so the same history always draws the same way.
pub fn seed(annotator_id: i64, last_assignment: i64) -> u64 {
    mix((annotator_id as u64).rotate_left(32) ^ last_assignment as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{TaskType, Training};

    fn spec(task_type: TaskType, priority: i32) -> OrderSpec {
        OrderSpec {
            priority,
            ..crate::order::testing::spec(task_type, &["a", "b"])
        }
    }

    fn open(id: i64, s: OrderSpec) -> (OpenOrder, Arc<OrderSpec>, Arc<str>) {
        (
            OpenOrder {
                id,
                org_id: 1,
                name: format!("o{id}"),
                priority: s.priority as i64,
                deadline: s.deadline,
                published_at: Some(0),
            },
            Arc::new(s),
            format!("o{id}").into(),
        )
    }

    fn first(p: Plan) -> i64 {
        match p {
            Plan::Try(c) => c[0].order_id,
            Plan::Nothing(r) => panic!("nothing: {r}"),
        }
    }

    fn reason(p: Plan) -> &'static str {
        match p {
            Plan::Nothing(r) => r,
            Plan::Try(c) => panic!("offered {}", c[0].order_id),
        }
    }

    /// How often each order comes first over many requests.
    fn shares(open: &[(OpenOrder, Arc<OrderSpec>, Arc<str>)], st: &Standing) -> Vec<(i64, f64)> {
        let n = 20_000;
        let mut count = std::collections::BTreeMap::new();
        for i in 0..n {
            *count
                .entry(first(plan(open, 1, st, 0, seed(i, 1_000))))
                .or_insert(0) += 1;
        }
        count
            .into_iter()
            .map(|(k, v)| (k, v as f64 / n as f64))
            .collect()
    }

    #[test]
    fn equal_orders_share_the_people_whatever_their_size() {
        let o = [
            open(1, spec(TaskType::SingleChoice, 5)),
            open(2, spec(TaskType::SingleChoice, 5)),
        ];
        let s = shares(&o, &Standing::default());
        assert!((s[0].1 - 0.5).abs() < 0.02, "{s:?}");
    }

    #[test]
    fn priority_and_deadline_get_more_but_never_all() {
        let o = [
            open(1, spec(TaskType::SingleChoice, 7)),
            open(2, spec(TaskType::SingleChoice, 5)),
        ];
        let s = shares(&o, &Standing::default());
        // 2² = 4 to 1.
        assert!((s[0].1 - 0.8).abs() < 0.02, "{s:?}");
        let mut urgent = spec(TaskType::SingleChoice, 5);
        urgent.deadline = Some(HOUR_MS);
        let o = [open(1, urgent), open(2, spec(TaskType::SingleChoice, 5))];
        let s = shares(&o, &Standing::default());
        assert!(
            (s[0].1 - 0.8).abs() < 0.02,
            "a deadline within a day counts 4×: {s:?}"
        );
    }

    #[test]
    fn pauses_centres_and_levels_are_kept() {
        let paused = Standing {
            paused_everywhere: Some("lead".into()),
            ..Default::default()
        };
        let o = [open(1, spec(TaskType::SingleChoice, 5))];
        assert_eq!(reason(plan(&o, 1, &paused, 0, 1)), "paused");
        let on_one = Standing {
            paused_orders: vec![(1, "gold_accuracy".into())],
            ..Default::default()
        };
        assert_eq!(reason(plan(&o, 1, &on_one, 0, 1)), "paused");
        let o2 = [
            open(1, spec(TaskType::SingleChoice, 5)),
            open(2, spec(TaskType::SingleChoice, 5)),
        ];
        for i in 0..50 {
            assert_eq!(
                first(plan(&o2, 1, &on_one, 0, i)),
                2,
                "never the paused order"
            );
        }
        let mut elsewhere = spec(TaskType::SingleChoice, 5);
        elsewhere.eligible_centres = vec![9];
        assert_eq!(
            reason(plan(&[open(1, elsewhere)], 1, &Standing::default(), 0, 1)),
            "no_open_orders"
        );
        let mut expert = spec(TaskType::Bbox, 5);
        expert.required_level = Some(SkillLevel::Expert);
        expert.required_qualification = Some("medical".into());
        let o = [open(1, expert)];
        assert_eq!(
            reason(plan(&o, 1, &Standing::default(), 0, 1)),
            "not_qualified"
        );
        let mut st = Standing {
            level: Some(SkillLevel::Expert),
            ..Default::default()
        };
        assert_eq!(
            reason(plan(&o, 1, &st, 0, 1)),
            "not_qualified",
            "still needs medical"
        );
        st.qualifications = vec!["medical".into()];
        assert_eq!(first(plan(&o, 1, &st, 0, 1)), 1);
    }

    #[test]
    fn training_comes_first_and_opens_its_task_type() {
        let mut train = spec(TaskType::Bbox, 5);
        train.training = Some(Training {
            pass_share: 0.8,
            grants: None,
        });
        let o = [
            open(1, spec(TaskType::Bbox, 5)),
            open(2, train),
            open(3, spec(TaskType::SingleChoice, 5)),
        ];
        let new = Standing::default();
        // Box work waits for the box training; choice work has no training, so it is open.
        let s = shares(&o, &new);
        assert!(s.iter().all(|(id, _)| *id != 1), "{s:?}");
        assert_eq!(s, [(2, 1.0)], "training first");
        let passed = Standing {
            qualifications: vec!["bbox".into()],
            ..Default::default()
        };
        let s = shares(&o, &passed);
        assert!(
            s.iter().all(|(id, _)| *id != 2),
            "no training once passed: {s:?}"
        );
        assert!(s.iter().any(|(id, _)| *id == 1));
    }
}
