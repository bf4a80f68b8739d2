//! The fair-wage check (issue 30): an order's expected hourly earning against the floors of
//! the centres it may go to (asked while a client types the rate, and again when it is
//! published: refused when a centre's policy says so), and the sweep that tells leads and
//! admins when an open order's real earning per hour falls under a centre's floor.

use std::time::Duration;

use mudou_domain::reading::{self, Reading, Text};
use mudou_domain::template::Template;
use mudou_domain::wage::{
    self, Pace, PaceBasis, WagePolicy, choose_pace_reading, enough_evidence, expected_fen_per_hour,
    fen_per_hour,
};
use mudou_domain::{DatasetId, ErrorCode, Fen, OrderId, OrderSpec, OrgId, TaskType};
use mudou_store::{WageCandidate, now_millis};
use serde_json::json;

use crate::{AppError, AppResult, Services};

/// How often the sweep looks at open orders' earnings.
pub const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// The rates the check needs (a draft's, or what the client is typing).
#[derive(Debug, Clone)]
pub struct Rates {
    pub task_type: TaskType,
    pub piece_rate_fen: i64,
    pub box_rate_fen: i64,
    pub box_pay_cap: u32,
    /// Empty: every centre.
    pub eligible_centres: Vec<i64>,
    /// The fields and questions (an order whose items are read: its time per item).
    pub template: Option<Template>,
    /// The order's reading speeds (the defaults when none).
    pub reading: Option<Reading>,
    /// The dataset whose texts give the time per item (else the order's, with `order_id`).
    pub dataset_id: Option<i64>,
    /// Items per unit, for the time per unit (default 20).
    pub unit_size: Option<u32>,
}

impl From<&OrderSpec> for Rates {
    fn from(s: &OrderSpec) -> Self {
        Rates {
            task_type: s.task_type,
            piece_rate_fen: s.piece_rate_fen,
            box_rate_fen: s.box_rate_fen,
            box_pay_cap: s.box_pay_cap,
            eligible_centres: s.eligible_centres.clone(),
            template: s.template.clone(),
            reading: s.reading,
            dataset_id: None,
            unit_size: Some(s.unit_size),
        }
    }
}

/// One centre the order may go to that has a floor.
#[derive(Debug, Clone, PartialEq)]
pub struct CentreFloor {
    pub centre_id: i64,
    pub name: String,
    pub floor_fen: i64,
    pub policy: WagePolicy,
    /// The expected earning is under this floor.
    pub under: bool,
}

/// What an order is expected to earn an hour, from what, against which floors.
#[derive(Debug, Clone, PartialEq)]
pub struct WageCheck {
    pub expected_fen_per_hour: i64,
    pub pay_per_answer_fen: i64,
    pub basis: PaceBasis,
    /// The answers and the time the pace comes from (for `assumed`: one answer in
    /// `ASSUMED_SECONDS_PER_ANSWER` seconds).
    pub basis_answers: i64,
    pub basis_active_ms: i64,
    pub answers_per_hour: f64,
    pub centres: Vec<CentreFloor>,
    /// Under at least one floor.
    pub under: bool,
    /// Under the floor of a centre whose policy refuses.
    pub refused: bool,
    /// An order whose items are read, with a dataset: the expected time per item and unit.
    pub reading: Option<ReadingEstimate>,
}

/// Dataset items whose texts are measured for the time per item (the first by id).
pub const READING_SAMPLE_ITEMS: i64 = 2000;

/// The expected time of a read order's items, from its dataset's median item.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadingEstimate {
    /// Items measured (those with something to read).
    pub items: i64,
    /// The median item's Chinese characters and other words.
    pub median: Text,
    /// Reading it, answering its questions, both, and a unit of such items (ms).
    pub read_ms: i64,
    pub answer_ms: i64,
    pub item_ms: i64,
    pub unit_ms: i64,
    pub speeds: Reading,
}

/// The reading estimate of `rates` on a dataset (already checked to be the caller's).
async fn reading_estimate(
    svc: &Services,
    rates: &Rates,
    dataset_id: i64,
) -> AppResult<Option<ReadingEstimate>> {
    if !reading::reads(rates.task_type, rates.template.as_ref()) {
        return Ok(None);
    }
    let speeds = rates.reading.unwrap_or_default();
    if speeds.validate().is_err() {
        return Ok(None);
    }
    let texts = svc
        .store
        .dataset_texts(dataset_id, READING_SAMPLE_ITEMS)
        .await?;
    let items = texts.len() as i64;
    let Some(median) = reading::median_text(texts, &speeds) else {
        return Ok(None);
    };
    let read_ms = speeds.ms(median);
    let answer_ms = reading::template_answer_seconds(rates.template.as_ref()) as i64 * 1000;
    let item_ms = read_ms + answer_ms;
    let unit = rates
        .unit_size
        .unwrap_or(20)
        .clamp(1, mudou_domain::MAX_UNIT_SIZE) as i64;
    Ok(Some(ReadingEstimate {
        items,
        median,
        read_ms,
        answer_ms,
        item_ms,
        unit_ms: item_ms * unit,
        speeds,
    }))
}

fn check_rates(r: &Rates) -> AppResult<()> {
    for (field, v) in [
        ("piece_rate_fen", r.piece_rate_fen),
        ("box_rate_fen", r.box_rate_fen),
    ] {
        if !(0..=100_000).contains(&v) {
            return Err(
                AppError::validation(format!("{field}: 0 to 100000 fen (1000 yuan)"))
                    .with("field", field),
            );
        }
    }
    if r.eligible_centres.len() > 1000 {
        return Err(AppError::validation("eligible_centres: at most 1000")
            .with("field", "eligible_centres"));
    }
    Ok(())
}

/// The check for `rates`; with `order_id` (one of `org_id`'s orders), its own answers count
/// once it has enough of them.
pub async fn check(
    svc: &Services,
    org_id: OrgId,
    rates: &Rates,
    order_id: Option<OrderId>,
) -> AppResult<WageCheck> {
    check_rates(rates)?;
    let mut dataset_id = rates.dataset_id;
    let own = match order_id {
        Some(id) => {
            let o = svc
                .store
                .get_order(org_id, id)
                .await
                .map_err(AppError::not_found_as("order"))?;
            dataset_id = dataset_id.or(Some(o.dataset_id));
            let p = svc.store.order_pace(id, None).await?;
            Pace {
                answers: p.answers,
                active_ms: p.active_ms,
            }
        }
        None => Pace::default(),
    };
    let reading = match dataset_id {
        Some(ds) => {
            svc.store
                .get_dataset(org_id, DatasetId::new(ds))
                .await
                .map_err(AppError::not_found_as("dataset"))?;
            reading_estimate(svc, rates, ds).await?
        }
        None => None,
    };
    let (answers, ms) = svc
        .store
        .kind_pace(rates.task_type.as_str(), order_id)
        .await?;
    let history = Pace {
        answers,
        active_ms: ms,
    };
    let (basis, pace) = choose_pace_reading(own, history, reading.as_ref().map(|r| r.item_ms));
    let pay = wage::pay_per_answer(
        rates.task_type,
        rates.piece_rate_fen,
        rates.box_rate_fen,
        rates.box_pay_cap,
    );
    let expected = expected_fen_per_hour(pay, pace);
    let centres: Vec<CentreFloor> = svc
        .store
        .list_centres()
        .await?
        .into_iter()
        .filter(|c| rates.eligible_centres.is_empty() || rates.eligible_centres.contains(&c.id))
        .filter_map(|c| {
            let floor = c.min_hourly_wage_fen?;
            Some(CentreFloor {
                centre_id: c.id,
                name: c.name,
                floor_fen: floor,
                policy: WagePolicy::parse(&c.wage_policy),
                under: expected < floor,
            })
        })
        .collect();
    Ok(WageCheck {
        expected_fen_per_hour: expected,
        pay_per_answer_fen: pay,
        basis,
        basis_answers: pace.answers,
        basis_active_ms: pace.active_ms,
        answers_per_hour: pace.per_hour().unwrap_or(0.0),
        under: centres.iter().any(|c| c.under),
        refused: centres
            .iter()
            .any(|c| c.under && c.policy == WagePolicy::Refuse),
        centres,
        reading,
    })
}

/// Before an order is published: its check, or `wage_below_floor` when it is under the
/// floor of a centre that refuses such orders.
pub async fn guard_publish(
    svc: &Services,
    org_id: OrgId,
    order_id: OrderId,
    spec: &OrderSpec,
) -> AppResult<WageCheck> {
    let c = check(svc, org_id, &spec.into(), Some(order_id)).await?;
    if let Some(f) = c
        .centres
        .iter()
        .find(|f| f.under && f.policy == WagePolicy::Refuse)
    {
        return Err(AppError::new(
            ErrorCode::WageBelowFloor,
            format!(
                "the order is expected to pay {}/h, under the minimum wage of {} ({}/h): raise the rate, or leave the centre out",
                Fen(c.expected_fen_per_hour),
                f.name,
                Fen(f.floor_fen)
            ),
        )
        .with("centre_id", f.centre_id)
        .with("expected_fen_per_hour", c.expected_fen_per_hour)
        .with("floor_fen", f.floor_fen));
    }
    Ok(c)
}

/// The real earning per hour of an order at a centre, when there is enough to judge it.
pub fn real_fen_per_hour(answers: i64, active_ms: i64, pay_fen: i64) -> Option<i64> {
    if enough_evidence(answers, active_ms) {
        fen_per_hour(pay_fen, active_ms)
    } else {
        None
    }
}

/// Tells the leads of a centre and every admin, once per order and centre, when an open
/// order's real earning per hour there is under the centre's floor. Answers how many
/// alerts were raised.
pub async fn sweep(svc: &Services) -> AppResult<usize> {
    let now = now_millis();
    let mut raised = 0;
    for c in svc.store.wage_candidates().await? {
        let Some(real) = real_fen_per_hour(c.answers, c.active_ms, c.pay_fen) else {
            continue;
        };
        if real >= c.floor_fen {
            continue;
        }
        if raise(svc, &c, real, now).await? {
            raised += 1;
        }
    }
    Ok(raised)
}

async fn raise(svc: &Services, c: &WageCandidate, real: i64, now: i64) -> AppResult<bool> {
    let body = format!(
        "order {} pays {}/h at centre {}, under its minimum wage {}/h",
        c.order_name,
        Fen(real),
        c.centre_id,
        Fen(c.floor_fen)
    );
    let data = json!({
        "event": "wage_low",
        "centre_id": c.centre_id,
        "fen_per_hour": real,
        "floor_fen": c.floor_fen,
        "answers": c.answers,
        "active_ms": c.active_ms,
        "pay_fen": c.pay_fen,
    })
    .to_string();
    let new = svc
        .store
        .raise_wage_alert(c, real, &body, &data, now)
        .await?;
    if new {
        tracing::info!(
            order = c.order_id,
            centre = c.centre_id,
            fen_per_hour = real,
            floor = c.floor_fen,
            "an open order pays under the centre's minimum wage"
        );
    }
    Ok(new)
}

/// Runs [`sweep`] every [`SWEEP_EVERY`] until the task is dropped.
pub async fn sweep_loop(svc: Services) {
    let mut tick = tokio::time::interval(SWEEP_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = sweep(&svc).await {
            tracing::warn!(code = e.code.as_str(), message = %e.message, "wage sweep failed; trying again");
        }
    }
}
