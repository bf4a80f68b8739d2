//! The fair-wage check (issue 30): an order's expected hourly earning against the floors of
//! the centres it may go to (asked while a client types the rate, and again when it is
//! published: refused when a centre's policy says so), and the sweep that tells leads and
//! admins when an open order's real earning per hour falls under a centre's floor.

use std::time::Duration;

use mudou_domain::wage::{
    self, Pace, PaceBasis, WagePolicy, choose_pace, enough_evidence, expected_fen_per_hour,
    fen_per_hour,
};
use mudou_domain::{ErrorCode, Fen, OrderId, OrderSpec, OrgId, TaskType};
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
}

impl From<&OrderSpec> for Rates {
    fn from(s: &OrderSpec) -> Self {
        Rates {
            task_type: s.task_type,
            piece_rate_fen: s.piece_rate_fen,
            box_rate_fen: s.box_rate_fen,
            box_pay_cap: s.box_pay_cap,
            eligible_centres: s.eligible_centres.clone(),
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
    let own = match order_id {
        Some(id) => {
            svc.store
                .get_order(org_id, id)
                .await
                .map_err(AppError::not_found_as("order"))?;
            let p = svc.store.order_pace(id, None).await?;
            Pace {
                answers: p.answers,
                active_ms: p.active_ms,
            }
        }
        None => Pace::default(),
    };
    let (answers, ms) = svc
        .store
        .kind_pace(rates.task_type.as_str(), order_id)
        .await?;
    let history = Pace {
        answers,
        active_ms: ms,
    };
    let (basis, pace) = choose_pace(own, history);
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
