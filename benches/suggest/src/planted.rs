//! Planted wrong suggestions against careless workers: every real worker of a crowd set
//! goes through their real tasks in the file's order; on the order's gold items a share
//! (`plant_share`, drawn per worker and item by `suggest::draw` as the server draws it)
//! shows a known-wrong suggestion (`suggest::plant`, another gold item's answer); after
//! each one, `suggest::flag_blind` says whether the worker is flagged.

use std::collections::HashSet;

use mudou_domain::suggest::{Outcome, draw, flag_blind, outcome, plant};
use serde_json::Value;

use crate::data::{CrowdSet, synthetic};

/// How a simulated worker treats what is suggested.
#[derive(Debug, Clone, Copy)]
pub enum Worker {
    /// Their own real answer, always.
    Careful,
    /// Takes the suggestion as it is with this probability, else their own real answer.
    Careless(f64),
}

/// One worker's walk.
#[derive(Debug, Clone, Copy, Default)]
pub struct Walk {
    pub labels: u32,
    pub planted_shown: u32,
    pub planted_accepted: u32,
    /// When flagged: labels so far, planted ones accepted so far, and wrong model
    /// suggestions (on the measured items) accepted so far — the damage done first.
    pub flagged: Option<(u32, u32, u32)>,
    pub wrong_accepted: u32,
    /// Their real answers on gold tasks, right / all (to judge a careful worker flagged).
    pub gold_right: u32,
    pub gold_seen: u32,
}

pub struct Plan<'a> {
    pub set: &'a CrowdSet,
    /// The order's gold items (task indices).
    pub gold: &'a HashSet<usize>,
    pub plant_share: f64,
    /// The synthetic model's accuracy on the measured items (what a careless worker's
    /// acceptance costs there).
    pub model_p: f64,
    pub seed: u64,
}

pub fn walk(plan: &Plan<'_>, w: usize, who: Worker) -> Walk {
    let set = plan.set;
    let spec = &set.spec;
    let donors: Vec<Value> = (0..set.keys.len()).map(|c| set.answer(c)).collect();
    let mut out = Walk::default();
    let s = plan.seed as i64;
    for &(t, own) in &set.by_worker[w] {
        out.labels += 1;
        let takes = match who {
            Worker::Careful => false,
            Worker::Careless(q) => draw(s ^ 0x7a4e, (w as i64) << 32 | t as i64) < q,
        };
        let truth = set.tasks[t].truth;
        if plan.gold.contains(&t) {
            out.gold_seen += 1;
            out.gold_right += u32::from(own == truth);
            if draw(w as i64 ^ (s << 20), t as i64) >= plan.plant_share {
                continue;
            }
            let gold = set.answer(truth);
            let Some(planted) = plant(spec, &gold, &donors, (s as u64) ^ (w as u64) ^ t as u64)
            else {
                continue;
            };
            out.planted_shown += 1;
            let answer = if takes {
                planted.clone()
            } else {
                set.answer(own)
            };
            if outcome(spec, &planted, Some(&answer)) == Some(Outcome::Accepted) {
                out.planted_accepted += 1;
            }
            if out.flagged.is_none() && flag_blind(out.planted_shown, out.planted_accepted) {
                out.flagged = Some((out.labels, out.planted_accepted, out.wrong_accepted));
            }
        } else if takes {
            let m = synthetic(truth, set.keys.len(), plan.model_p, plan.seed, t);
            out.wrong_accepted += u32::from(m != truth);
        }
    }
    out
}

/// The `q`-quantile of `v` (sorted in place), or `None` when empty.
pub fn quantile(v: &mut [u32], q: f64) -> Option<u32> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    Some(v[((v.len() - 1) as f64 * q).round() as usize])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::choice_spec;
    use crate::data::{CrowdSet, CrowdTask};

    /// A worker through 4 gold items, every one planted: careless, flagged at the second
    /// planted one accepted; careful and right, never; careful and wrong on two binary
    /// gold items (their answer is the planted one), flagged falsely.
    #[test]
    fn flags_after_two_accepted() {
        let keys = vec!["a".to_owned(), "b".to_owned()];
        let tasks: Vec<CrowdTask> = (0..4)
            .map(|i| CrowdTask {
                truth: i % 2,
                answers: vec![],
            })
            .collect();
        let set = CrowdSet {
            name: "t".into(),
            spec: choice_spec("t", &["a", "b"]).unwrap(),
            keys,
            tasks,
            by_worker: vec![
                vec![(0, 0), (1, 1), (2, 0), (3, 1)], // always right
                vec![(0, 1), (1, 0), (2, 0), (3, 1)], // wrong on the first two
            ],
        };
        let gold: HashSet<usize> = (0..4).collect();
        let plan = Plan {
            set: &set,
            gold: &gold,
            plant_share: 1.0,
            model_p: 1.0,
            seed: 3,
        };
        let c = walk(&plan, 0, Worker::Careless(1.0));
        assert_eq!((c.planted_shown, c.planted_accepted), (4, 4));
        assert_eq!(c.flagged, Some((2, 2, 0)));
        let right = walk(&plan, 0, Worker::Careful);
        assert_eq!((right.planted_accepted, right.flagged), (0, None));
        assert_eq!((right.gold_right, right.gold_seen), (4, 4));
        let wrong = walk(&plan, 1, Worker::Careful);
        assert_eq!(wrong.flagged, Some((2, 2, 0)));
        assert_eq!(wrong.gold_right, 2);
    }
}
