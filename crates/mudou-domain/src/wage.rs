//! The fair-wage check (issue 30): what an order is expected to earn an annotator per hour,
//! against each centre's local minimum hourly wage, and when an open order's real earning
//! per hour is known well enough to raise an alert. Pure: the figures come in as arguments.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{OrderSpec, TaskType};

/// The highest floor an admin may set: 1000 yuan an hour (anything above is a typo).
pub const MAX_HOURLY_WAGE_FEN: i64 = 100_000;
/// With no past work of the kind and none on the order: seconds an answer is assumed to take.
pub const ASSUMED_SECONDS_PER_ANSWER: i64 = 20;
/// Box-paid orders without labels of their own: boxes an answer is assumed to draw.
pub const ASSUMED_BOXES_PER_ANSWER: i64 = 1;
/// Answers on the order itself from which its own pace is used instead of past work.
pub const OWN_PACE_MIN_ANSWERS: i64 = 20;
/// Past answers of the kind from which their pace is used instead of the assumption.
pub const HISTORY_MIN_ANSWERS: i64 = 20;
/// An open order's real earning per hour is trusted (and alerted on) from one active hour
/// of work at a centre, or this many answers.
pub const ALERT_MIN_ACTIVE_MS: i64 = 3_600_000;
pub const ALERT_MIN_ANSWERS: i64 = 50;

const HOUR_MS: i64 = 3_600_000;

/// What publishing an order under a centre's floor does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WagePolicy {
    /// Published, with a warning.
    #[default]
    Warn,
    /// Not published: 422 `wage_below_floor`.
    Refuse,
}

impl WagePolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            WagePolicy::Warn => "warn",
            WagePolicy::Refuse => "refuse",
        }
    }

    /// The stored text (anything unknown reads as `warn`).
    pub fn parse(s: &str) -> WagePolicy {
        if s == "refuse" {
            WagePolicy::Refuse
        } else {
            WagePolicy::Warn
        }
    }
}

/// A floor as an admin typed it: `None` (no floor) or 1 to [`MAX_HOURLY_WAGE_FEN`] fen.
pub fn check_floor(fen: Option<i64>) -> Result<Option<i64>, &'static str> {
    match fen {
        None => Ok(None),
        Some(f) if f <= 0 => Err("min_hourly_wage_fen: more than 0 fen an hour, or null for none"),
        Some(f) if f > MAX_HOURLY_WAGE_FEN => {
            Err("min_hourly_wage_fen: at most 100000 fen (1000 yuan) an hour")
        }
        Some(f) => Ok(Some(f)),
    }
}

/// Answers made and the time spent making them (skips' time included: it is work too).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pace {
    pub answers: i64,
    pub active_ms: i64,
}

impl Pace {
    /// Answers per hour, when there is time to divide by.
    pub fn per_hour(self) -> Option<f64> {
        (self.active_ms > 0).then(|| self.answers as f64 * HOUR_MS as f64 / self.active_ms as f64)
    }
}

/// Where an expected earning's pace comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaceBasis {
    /// The order's own answers so far.
    Order,
    /// Past work of the same task type on other orders.
    History,
    /// Neither: [`ASSUMED_SECONDS_PER_ANSWER`] seconds an answer.
    Assumed,
    /// An order whose items are read, before its own answers: the time its dataset's median
    /// item takes to read and answer (`mudou_domain::reading`), before past work of the
    /// kind (a template's past work may be pictures).
    Reading,
}

/// The pace to expect: the order's own once it has [`OWN_PACE_MIN_ANSWERS`], else past work
/// of the kind once it has [`HISTORY_MIN_ANSWERS`], else the assumption.
pub fn choose_pace(own: Pace, history: Pace) -> (PaceBasis, Pace) {
    choose_pace_reading(own, history, None)
}

/// [`choose_pace`] for an order whose items are read: `reading_ms`, the expected time of its
/// median item, comes after its own answers and before past work of the kind.
pub fn choose_pace_reading(own: Pace, history: Pace, reading_ms: Option<i64>) -> (PaceBasis, Pace) {
    if own.answers >= OWN_PACE_MIN_ANSWERS && own.active_ms > 0 {
        (PaceBasis::Order, own)
    } else if let Some(ms) = reading_ms.filter(|ms| *ms > 0) {
        (
            PaceBasis::Reading,
            Pace {
                answers: 1,
                active_ms: ms,
            },
        )
    } else if history.answers >= HISTORY_MIN_ANSWERS && history.active_ms > 0 {
        (PaceBasis::History, history)
    } else {
        (
            PaceBasis::Assumed,
            Pace {
                answers: 1,
                active_ms: ASSUMED_SECONDS_PER_ANSWER * 1000,
            },
        )
    }
}

/// What one accepted answer is expected to earn, in fen: the piece rate, or for a box-paid
/// order its boxes (assumed [`ASSUMED_BOXES_PER_ANSWER`], within the cap) on top of the
/// piece rate where the kind pays both (as [`OrderSpec::pay_for`] pays).
pub fn pay_per_answer(
    task_type: TaskType,
    piece_rate_fen: i64,
    box_rate_fen: i64,
    box_pay_cap: u32,
) -> i64 {
    if box_rate_fen <= 0 {
        return piece_rate_fen;
    }
    let boxes = if box_pay_cap > 0 {
        ASSUMED_BOXES_PER_ANSWER.min(box_pay_cap as i64)
    } else {
        ASSUMED_BOXES_PER_ANSWER
    };
    let base = if task_type.kind().objects_on_top() {
        piece_rate_fen
    } else {
        0
    };
    base.saturating_add(boxes.saturating_mul(box_rate_fen))
}

/// [`pay_per_answer`] of an order's rates.
pub fn spec_pay_per_answer(spec: &OrderSpec) -> i64 {
    pay_per_answer(
        spec.task_type,
        spec.piece_rate_fen,
        spec.box_rate_fen,
        spec.box_pay_cap,
    )
}

/// Fen per hour from fen earned over `active_ms` of work (rounded down); `None` without time.
pub fn fen_per_hour(fen: i64, active_ms: i64) -> Option<i64> {
    (active_ms > 0).then(|| ((fen as i128 * HOUR_MS as i128) / active_ms as i128) as i64)
}

/// Expected fen per hour: the pay per answer at the pace's answers per hour.
pub fn expected_fen_per_hour(pay_per_answer: i64, pace: Pace) -> i64 {
    fen_per_hour(pay_per_answer.saturating_mul(pace.answers), pace.active_ms).unwrap_or(0)
}

/// Whether an open order's real figures at a centre are enough to judge its earning.
pub fn enough_evidence(answers: i64, active_ms: i64) -> bool {
    active_ms > 0 && (active_ms >= ALERT_MIN_ACTIVE_MS || answers >= ALERT_MIN_ANSWERS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(piece: i64, boxes: i64, cap: u32, task: &str) -> OrderSpec {
        serde_json::from_value(serde_json::json!({
            "name": "x", "task_type": task, "labels": [{"key": "a", "name_zh": "a", "name_en": "a", "colour": "#000000"}],
            "overlap": {"kind": "fixed", "n": 1}, "piece_rate_fen": piece, "box_rate_fen": boxes, "box_pay_cap": cap,
            "deadline": null, "required_qualification": null, "required_level": null
        }))
        .unwrap()
    }

    #[test]
    fn floors() {
        assert_eq!(check_floor(None), Ok(None));
        assert_eq!(check_floor(Some(2000)), Ok(Some(2000)));
        assert!(check_floor(Some(0)).is_err());
        assert!(check_floor(Some(-5)).is_err());
        assert!(check_floor(Some(MAX_HOURLY_WAGE_FEN + 1)).is_err());
        assert_eq!(WagePolicy::parse("refuse"), WagePolicy::Refuse);
        assert_eq!(WagePolicy::parse("warn"), WagePolicy::Warn);
    }

    #[test]
    fn expected_earnings() {
        // 120 answers in an hour at 10 fen: 1200 fen an hour.
        let pace = Pace {
            answers: 120,
            active_ms: HOUR_MS,
        };
        assert_eq!(expected_fen_per_hour(10, pace), 1200);
        assert_eq!(fen_per_hour(500, 0), None);
        assert_eq!(fen_per_hour(500, HOUR_MS / 2), Some(1000));
        // The order's own pace wins once it has enough answers; then history; then the assumption.
        let own = Pace {
            answers: 30,
            active_ms: 60_000,
        };
        let few = Pace {
            answers: 3,
            active_ms: 60_000,
        };
        assert_eq!(choose_pace(own, pace).0, PaceBasis::Order);
        assert_eq!(choose_pace(few, pace), (PaceBasis::History, pace));
        let (basis, assumed) = choose_pace(few, few);
        assert_eq!(basis, PaceBasis::Assumed);
        // 20 s an answer: 180 an hour.
        assert_eq!(expected_fen_per_hour(10, assumed), 1800);
        // A read order: its reading estimate before history, after its own answers.
        let (basis, read) = choose_pace_reading(few, pace, Some(90_000));
        assert_eq!(basis, PaceBasis::Reading);
        // 90 s an item: 40 an hour at 10 fen.
        assert_eq!(expected_fen_per_hour(10, read), 400);
        assert_eq!(
            choose_pace_reading(own, pace, Some(90_000)).0,
            PaceBasis::Order
        );
        assert_eq!(
            choose_pace_reading(few, pace, Some(0)).0,
            PaceBasis::History
        );
    }

    #[test]
    fn box_pay() {
        assert_eq!(spec_pay_per_answer(&spec(7, 0, 0, "single_choice")), 7);
        assert_eq!(spec_pay_per_answer(&spec(0, 12, 0, "bbox")), 12);
        assert!(enough_evidence(50, 1));
        assert!(enough_evidence(2, HOUR_MS));
        assert!(!enough_evidence(49, HOUR_MS - 1));
        assert!(!enough_evidence(100, 0));
    }
}
