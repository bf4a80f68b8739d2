//! Pay: a worker's own earnings (today, this week, this month; per order; each unpaid label
//! with its reason and the right answer; the ledger's lines), adjustments by leads and
//! admins, the monthly quality bonus, and pay runs with their payroll CSV.
//!
//! Money is integer fen everywhere; the payroll file alone shows yuan (two decimals).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use mudou_domain::{Calendar, CentreId, ErrorCode, Fen, OrderSpec, UserId};
use mudou_store::{
    BonusPolicy, BonusTier, ClosePeriod, EarningsSummary, PayLine, PayRun, PayrollLine,
    PreviewMonth, StoreError, Windows, now_millis,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::types::{ErrorBody, Items, media_url};
use crate::auth::{AdminCaller, AnnotatorCaller, LeadCaller};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(my_earnings))
        .routes(routes!(my_orders))
        .routes(routes!(my_unpaid))
        .routes(routes!(my_days))
        .routes(routes!(my_lines))
        .routes(routes!(centre_earnings))
        .routes(routes!(lead_adjustments, lead_adjust))
        .routes(routes!(lead_reverse))
        .routes(routes!(admin_adjustments, admin_adjust))
        .routes(routes!(admin_reverse))
        .routes(routes!(list_pay_runs, close_pay_run))
        .routes(routes!(get_pay_run))
        .routes(routes!(payroll_csv))
        .routes(routes!(payroll_preview))
        .routes(routes!(get_bonus, put_bonus))
}

/// A centre's calendar (its zone; China's when the zone is unknown).
pub async fn calendar(state: &AppState, centre_id: CentreId) -> ApiResult<Calendar> {
    let c = state
        .store
        .get_centre(centre_id)
        .await
        .map_err(ApiError::not_found_as("centre"))?;
    Ok(Calendar::new(&c.timezone).unwrap_or_else(|_| Calendar::china()))
}

/// The bounds of a month named like `2026-11` in the centre's calendar; 422 otherwise.
fn month(cal: &Calendar, period: &str) -> ApiResult<(i64, i64)> {
    cal.month_bounds(period.trim()).ok_or_else(|| {
        ApiError::validation("period: a month such as 2026-11").with("field", "period")
    })
}

/// The windows of a worker's summary at `now`.
pub fn windows(cal: &Calendar, now: i64) -> Windows {
    Windows {
        today: cal.day_start(now),
        week: cal.week_start(now),
        month: cal.month_start(now),
    }
}

/// A worker's pay at a glance. Days, weeks (from Monday) and months are the centre's.
#[derive(Serialize, ToSchema)]
pub struct EarningsOut {
    /// Earned for today's work: accepted and pending label pay, plus bonuses and
    /// adjustments made today (fen). Labels not paid are not counted.
    pub today_fen: i64,
    pub week_fen: i64,
    pub month_fen: i64,
    /// Label pay waiting for consensus or review.
    pub pending_fen: i64,
    /// Confirmed and not yet paid: what the next pay run pays.
    pub confirmed_fen: i64,
    /// Paid in pay runs, all time.
    pub paid_fen: i64,
    /// Answers given today (skips not counted).
    pub today_labels: i64,
    /// Today's pay split: still pending, and confirmed.
    pub today_pending_fen: i64,
    pub today_confirmed_fen: i64,
    /// Today's labels that are not paid (see `/me/earnings/unpaid`).
    pub today_not_paid: i64,
    pub week_labels: i64,
    pub month_labels: i64,
    /// Starts of the windows (Unix ms) and the month (`YYYY-MM`).
    pub today_start: i64,
    pub week_start: i64,
    pub month_start: i64,
    pub period: String,
}

fn earnings_out(s: EarningsSummary, w: Windows, period: String) -> EarningsOut {
    EarningsOut {
        today_fen: s.today_fen,
        week_fen: s.week_fen,
        month_fen: s.month_fen,
        pending_fen: s.pending_fen,
        confirmed_fen: s.confirmed_fen,
        paid_fen: s.paid_fen,
        today_labels: s.today_labels,
        today_pending_fen: s.today_pending_fen,
        today_confirmed_fen: s.today_confirmed_fen,
        today_not_paid: s.today_not_paid,
        week_labels: s.week_labels,
        month_labels: s.month_labels,
        today_start: w.today,
        week_start: w.week,
        month_start: w.month,
        period,
    }
}

/// The caller's own earnings: today, this week, this month; pending, confirmed and paid.
#[utoipa::path(get, path = "/api/v1/me/earnings", tag = "earnings",
    responses((status = 200, body = EarningsOut), (status = 403, body = ErrorBody)))]
async fn my_earnings(
    State(state): State<AppState>,
    me: AnnotatorCaller,
) -> ApiResult<Json<EarningsOut>> {
    let now = now_millis();
    let cal = calendar(&state, me.centre_id).await?;
    let w = windows(&cal, now);
    let s = state.store.earnings_summary(me.caller.user.id, w).await?;
    Ok(Json(earnings_out(s, w, cal.period_of(now))))
}

/// Which stretch of work: today, this week or this month (the centre's calendar).
#[derive(Deserialize, ToSchema, Clone, Copy, Default, PartialEq, Eq, Debug)]
#[serde(rename_all = "lowercase")]
pub enum Range {
    Today,
    Week,
    #[default]
    Month,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RangeQuery {
    /// `today`, `week` or `month` (default).
    #[serde(default)]
    pub range: Range,
    /// Most rows to return (default 100, at most 500).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

fn bounds(cal: &Calendar, now: i64, r: Range) -> (i64, i64) {
    let from = match r {
        Range::Today => cal.day_start(now),
        Range::Week => cal.week_start(now),
        Range::Month => cal.month_start(now),
    };
    (from, i64::MAX)
}

#[derive(Serialize, ToSchema)]
pub struct OrderEarningsOut {
    pub order_id: i64,
    pub name: String,
    /// The order's pay per accepted label (box orders may pay per box instead).
    pub piece_rate_fen: i64,
    pub box_rate_fen: i64,
    /// Answers given, skips, and how they stand.
    pub labels: i64,
    pub skips: i64,
    pub accepted: i64,
    pub pending: i64,
    pub not_paid: i64,
    pub confirmed_fen: i64,
    pub pending_fen: i64,
}

/// The caller's work per order in the range, with what it earned.
#[utoipa::path(get, path = "/api/v1/me/earnings/orders", tag = "earnings", params(RangeQuery),
    responses((status = 200, body = Items<OrderEarningsOut>), (status = 403, body = ErrorBody)))]
async fn my_orders(
    State(state): State<AppState>,
    me: AnnotatorCaller,
    Query(q): Query<RangeQuery>,
) -> ApiResult<Json<Items<OrderEarningsOut>>> {
    let now = now_millis();
    let cal = calendar(&state, me.centre_id).await?;
    let (from, to) = bounds(&cal, now, q.range);
    let rows = state
        .store
        .earnings_by_order(me.caller.user.id, from, to)
        .await?;
    let items = rows
        .into_iter()
        .map(|r| {
            let spec: Option<OrderSpec> = serde_json::from_str(&r.spec).ok();
            OrderEarningsOut {
                order_id: r.order_id,
                name: r.name,
                piece_rate_fen: spec.as_ref().map_or(0, |s| s.piece_rate_fen),
                box_rate_fen: spec.as_ref().map_or(0, |s| s.box_rate_fen),
                labels: r.labels,
                skips: r.skips,
                accepted: r.accepted,
                pending: r.pending,
                not_paid: r.not_paid,
                confirmed_fen: r.confirmed_fen,
                pending_fen: r.pending_fen,
            }
        })
        .collect();
    Ok(Json(Items { items }))
}

/// A label's name in both languages, for showing answers.
#[derive(Serialize, ToSchema, Clone)]
pub struct LabelName {
    pub name_zh: String,
    pub name_en: String,
    pub colour: String,
}

#[derive(Serialize, ToSchema)]
pub struct UnpaidOut {
    pub label_id: i64,
    pub order_id: i64,
    pub order_name: String,
    pub item_id: i64,
    pub kind: String,
    pub thumb_url: Option<String>,
    pub screen_url: Option<String>,
    /// The picture's size in pixels (boxes are in them); `null` for a text.
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub text: Option<String>,
    /// The caller's answer.
    #[schema(value_type = Option<Object>)]
    pub answer: Option<Value>,
    /// The right answer: the final answer of the item.
    #[schema(value_type = Option<Object>)]
    pub right_answer: Option<Value>,
    /// Names of the labels these answers use, by key.
    pub label_names: BTreeMap<String, LabelName>,
    /// Why it is not paid: `differs` (from the final answer), `rejected` (in review),
    /// `paused:<rule>` (made while quality-paused).
    pub reason: String,
    /// What it would have earned.
    pub amount_fen: i64,
    pub worked_at: i64,
}

/// The caller's labels that are not paid, newest first, each with why and the right answer.
#[utoipa::path(get, path = "/api/v1/me/earnings/unpaid", tag = "earnings", params(RangeQuery),
    responses((status = 200, body = Items<UnpaidOut>), (status = 403, body = ErrorBody)))]
async fn my_unpaid(
    State(state): State<AppState>,
    me: AnnotatorCaller,
    Query(q): Query<RangeQuery>,
) -> ApiResult<Json<Items<UnpaidOut>>> {
    let now = now_millis();
    let cal = calendar(&state, me.centre_id).await?;
    let (from, to) = bounds(&cal, now, q.range);
    let limit = q.limit.unwrap_or(100).clamp(1, 500);
    let rows = state
        .store
        .unpaid_labels(me.caller.user.id, from, to, limit)
        .await?;
    let items = rows
        .into_iter()
        .filter_map(|r| {
            let spec: Option<OrderSpec> = serde_json::from_str(&r.spec).ok();
            // A practice answer earns nothing by design: it is never "unpaid".
            if spec.as_ref().is_some_and(|s| s.training.is_some()) {
                return None;
            }
            Some((r, spec))
        })
        .map(|(r, spec)| {
            let parse =
                |s: &Option<String>| s.as_deref().and_then(|a| serde_json::from_str(a).ok());
            let answer: Option<Value> = parse(&r.answer);
            let right: Option<Value> = parse(&r.right_answer);
            let label_names = spec
                .map(|s| {
                    let kind = s.task_type.kind();
                    let keys: Vec<String> = answer
                        .iter()
                        .chain(right.iter())
                        .flat_map(|v| kind.keys(v))
                        .collect();
                    s.labels
                        .into_iter()
                        .filter(|l| keys.contains(&l.key))
                        .map(|l| {
                            (
                                l.key,
                                LabelName {
                                    name_zh: l.name_zh,
                                    name_en: l.name_en,
                                    colour: l.colour,
                                },
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            let media = |v: &str| r.sha256.as_deref().map(|s| media_url(s, v));
            UnpaidOut {
                thumb_url: media("thumb"),
                screen_url: media("screen"),
                label_id: r.label_id,
                order_id: r.order_id,
                order_name: r.order_name,
                width: r.width,
                height: r.height,
                item_id: r.item_id,
                kind: r.kind,
                text: r.body,
                answer,
                right_answer: right,
                label_names,
                reason: r.reason,
                amount_fen: r.amount_fen,
                worked_at: r.worked_at,
            }
        })
        .collect();
    Ok(Json(Items { items }))
}

/// Days the earnings chart covers at most.
const MAX_DAYS: i64 = 31;

#[derive(Deserialize, IntoParams)]
pub struct DaysQuery {
    /// How many days back, today included (1–31; 14 when left out).
    pub days: Option<i64>,
}

/// One day of the caller's work.
#[derive(Serialize, ToSchema)]
pub struct DayOut {
    /// The day's start (Unix ms) and its date in the centre's calendar (`2026-12-06`).
    pub day_start: i64,
    pub date: String,
    /// Label pay, pending and confirmed (fen); answers given; answers not paid.
    pub fen: i64,
    pub labels: i64,
    pub not_paid: i64,
}

/// The caller's label pay per day for the last days (oldest first; every day listed, a day
/// without work with zeros).
#[utoipa::path(get, path = "/api/v1/me/earnings/days", tag = "earnings", params(DaysQuery),
    responses((status = 200, body = Items<DayOut>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn my_days(
    State(state): State<AppState>,
    me: AnnotatorCaller,
    Query(q): Query<DaysQuery>,
) -> ApiResult<Json<Items<DayOut>>> {
    let n = q.days.unwrap_or(14);
    if !(1..=MAX_DAYS).contains(&n) {
        return Err(ApiError::validation(format!("days: 1 to {MAX_DAYS}")).with("field", "days"));
    }
    let now = now_millis();
    let cal = calendar(&state, me.centre_id).await?;
    let today = cal.day_start(now);
    let starts: Vec<i64> = (0..n).rev().map(|k| cal.add_days(today, -k)).collect();
    let mut days: Vec<DayOut> = starts
        .iter()
        .map(|&d| DayOut {
            day_start: d,
            date: cal.date_string(d),
            fen: 0,
            labels: 0,
            not_paid: 0,
        })
        .collect();
    let slices = state
        .store
        .my_pay_slices(me.caller.user.id, starts[0])
        .await?;
    for s in slices {
        // the last day that starts at or before the slice (quarter hours never straddle a day)
        let Some(i) = starts.iter().rposition(|&d| d <= s.slot) else {
            continue;
        };
        days[i].fen += s.fen;
        days[i].labels += s.labels;
        days[i].not_paid += s.not_paid;
    }
    Ok(Json(Items { items: days }))
}

#[derive(Serialize, ToSchema)]
pub struct PayLineOut {
    /// The ledger entry's id; `null` for a label still pending (no entry yet).
    pub id: Option<i64>,
    /// `piece`, `bonus`, `adjustment` or `reversal`.
    pub kind: String,
    pub amount_fen: i64,
    pub label_id: Option<i64>,
    pub order_id: Option<i64>,
    pub order_name: Option<String>,
    /// For a reversal: the entry it takes back.
    pub reverses_id: Option<i64>,
    /// For a bonus: its month.
    pub period: Option<String>,
    /// Why (adjustments, reversals, unpaid pieces); a bonus's reason is JSON with its figures.
    pub reason: Option<String>,
    /// `pending` (waiting for consensus), `confirmed`, `not_paid` or `paid`.
    pub state: String,
    /// The month of the pay run that paid it.
    pub paid_in: Option<String>,
    pub work_at: i64,
    pub created_at: i64,
}

impl From<PayLine> for PayLineOut {
    fn from(l: PayLine) -> Self {
        PayLineOut {
            id: l.id,
            kind: l.kind,
            amount_fen: l.amount_fen,
            label_id: l.label_id,
            order_id: l.order_id,
            order_name: l.order_name,
            reverses_id: l.reverses_id,
            period: l.period,
            reason: l.reason,
            state: l.state,
            paid_in: l.paid_in,
            work_at: l.work_at,
            created_at: l.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PayLinesOut {
    /// Labels waiting for consensus or review (they have no ledger entry yet).
    pub pending: Vec<PayLineOut>,
    /// Ledger entries, newest first.
    pub entries: Vec<PayLineOut>,
    /// Pass as `before` for the next page; `null` at the end.
    pub next_before: Option<i64>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LinesQuery {
    /// Entries with an id below this one (paging).
    pub before: Option<i64>,
    /// Page size (default 100, at most 500).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// The caller's pay line by line: pending labels, then ledger entries with their state.
#[utoipa::path(get, path = "/api/v1/me/earnings/entries", tag = "earnings", params(LinesQuery),
    responses((status = 200, body = PayLinesOut), (status = 403, body = ErrorBody)))]
async fn my_lines(
    State(state): State<AppState>,
    me: AnnotatorCaller,
    Query(q): Query<LinesQuery>,
) -> ApiResult<Json<PayLinesOut>> {
    let limit = q.limit.unwrap_or(100).clamp(1, 500);
    let (pending, entries) = state
        .store
        .pay_lines(me.caller.user.id, q.before, limit)
        .await?;
    let next_before = (entries.len() as i64 == limit)
        .then(|| entries.last().and_then(|e| e.id))
        .flatten();
    Ok(Json(PayLinesOut {
        pending: if q.before.is_some() {
            Vec::new()
        } else {
            pending.into_iter().map(Into::into).collect()
        },
        entries: entries.into_iter().map(Into::into).collect(),
        next_before,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct WorkerPayOut {
    pub annotator_id: i64,
    pub display_name: String,
    /// Confirmed and unpaid (what a pay run now would pay).
    pub labels: i64,
    pub gross_fen: i64,
    pub adjustments_fen: i64,
    pub total_fen: i64,
}

impl From<PayrollLine> for WorkerPayOut {
    fn from(l: PayrollLine) -> Self {
        WorkerPayOut {
            annotator_id: l.annotator_id,
            display_name: l.display_name,
            labels: l.labels,
            gross_fen: l.gross_fen,
            adjustments_fen: l.adjustments_fen,
            total_fen: l.total_fen,
        }
    }
}

/// The lead's centre: what each worker is owed now (confirmed and unpaid).
#[utoipa::path(get, path = "/api/v1/centre/earnings", tag = "earnings",
    responses((status = 200, body = Items<WorkerPayOut>), (status = 403, body = ErrorBody)))]
async fn centre_earnings(
    State(state): State<AppState>,
    lead: LeadCaller,
) -> ApiResult<Json<Items<WorkerPayOut>>> {
    let rows = state
        .store
        .payroll_preview(lead.centre_id, i64::MAX, None)
        .await?;
    Ok(Json(Items {
        items: rows.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustmentRequest {
    pub annotator_id: i64,
    /// Positive to add, negative to take off (fen, not zero).
    pub amount_fen: i64,
    /// Why (shown to the worker), 1 to 200 characters.
    pub reason: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReverseRequest {
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct EntryCreated {
    pub id: i64,
}

const MAX_ADJUSTMENT_FEN: i64 = 10_000_000;

fn check_adjustment(req: &AdjustmentRequest) -> ApiResult<()> {
    if req.amount_fen == 0 || req.amount_fen.unsigned_abs() > MAX_ADJUSTMENT_FEN.unsigned_abs() {
        return Err(
            ApiError::validation("amount_fen: not zero, and at most ¥100,000 either way")
                .with("field", "amount_fen"),
        );
    }
    check_reason(&req.reason)
}

fn check_reason(r: &str) -> ApiResult<()> {
    let n = r.trim().chars().count();
    if n == 0 || n > 200 {
        return Err(
            ApiError::validation("reason: 1 to 200 characters, shown to the worker")
                .with("field", "reason"),
        );
    }
    Ok(())
}

fn entry_error(what: &'static str) -> impl Fn(StoreError) -> ApiError {
    move |e| match e {
        StoreError::NotFound => ApiError::not_found(what),
        StoreError::Conflict(m) => ApiError::conflict(m),
        StoreError::Invalid(m) => ApiError::validation(m),
        e => e.into(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct AdjustmentOut {
    pub id: i64,
    pub annotator_id: i64,
    pub display_name: String,
    pub amount_fen: i64,
    pub reason: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: i64,
    /// Set when it was taken back: the reversal's reason.
    pub reversed_reason: Option<String>,
    pub paid_in: Option<String>,
}

/// The centre's adjustments, newest first.
#[utoipa::path(get, path = "/api/v1/centre/adjustments", tag = "earnings",
    responses((status = 200, body = Items<AdjustmentOut>), (status = 403, body = ErrorBody)))]
async fn lead_adjustments(
    State(state): State<AppState>,
    lead: LeadCaller,
) -> ApiResult<Json<Items<AdjustmentOut>>> {
    adjustments_of(&state, lead.centre_id).await
}

/// A centre's adjustments (by its leads and by admins), newest first.
#[utoipa::path(get, path = "/api/v1/admin/adjustments", tag = "earnings", params(CentreQuery),
    responses((status = 200, body = Items<AdjustmentOut>), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn admin_adjustments(
    State(state): State<AppState>,
    _admin: AdminCaller,
    Query(q): Query<CentreQuery>,
) -> ApiResult<Json<Items<AdjustmentOut>>> {
    let Some(centre_id) = q.centre_id.map(CentreId::new) else {
        return Err(ApiError::validation("centre_id is needed").with("field", "centre_id"));
    };
    calendar(&state, centre_id).await?;
    adjustments_of(&state, centre_id).await
}

async fn adjustments_of(
    state: &AppState,
    centre_id: CentreId,
) -> ApiResult<Json<Items<AdjustmentOut>>> {
    let rows = state.store.adjustments(centre_id, 200).await?;
    Ok(Json(Items {
        items: rows
            .into_iter()
            .map(|a| AdjustmentOut {
                id: a.id,
                annotator_id: a.annotator_id,
                display_name: a.display_name,
                amount_fen: a.amount_fen,
                reason: a.reason,
                created_by: a.created_by,
                created_at: a.created_at,
                reversed_reason: a.reversed_reason,
                paid_in: a.paid_in,
            })
            .collect(),
    }))
}

/// Adds an adjustment for an annotator of the lead's centre (a new ledger entry).
#[utoipa::path(post, path = "/api/v1/centre/adjustments", tag = "earnings", request_body = AdjustmentRequest,
    responses((status = 201, body = EntryCreated), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn lead_adjust(
    State(state): State<AppState>,
    lead: LeadCaller,
    Json(req): Json<AdjustmentRequest>,
) -> ApiResult<(StatusCode, Json<EntryCreated>)> {
    check_adjustment(&req)?;
    let id = state
        .store
        .add_adjustment(
            Some(lead.centre_id),
            UserId::new(req.annotator_id),
            req.amount_fen,
            &req.reason,
            lead.caller.user.id,
            now_millis(),
        )
        .await
        .map_err(entry_error("annotator"))?;
    Ok((StatusCode::CREATED, Json(EntryCreated { id })))
}

/// Takes back an adjustment of the lead's centre (a reversal entry pointing at it).
#[utoipa::path(post, path = "/api/v1/centre/adjustments/{id}/reverse", tag = "earnings", params(("id" = i64, Path)),
    request_body = ReverseRequest,
    responses((status = 201, body = EntryCreated), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn lead_reverse(
    State(state): State<AppState>,
    lead: LeadCaller,
    Path(id): Path<i64>,
    Json(req): Json<ReverseRequest>,
) -> ApiResult<(StatusCode, Json<EntryCreated>)> {
    check_reason(&req.reason)?;
    let id = state
        .store
        .reverse_adjustment(
            Some(lead.centre_id),
            id,
            &req.reason,
            lead.caller.user.id,
            now_millis(),
        )
        .await
        .map_err(entry_error("adjustment"))?;
    Ok((StatusCode::CREATED, Json(EntryCreated { id })))
}

/// Adds an adjustment for any annotator.
#[utoipa::path(post, path = "/api/v1/admin/adjustments", tag = "earnings", request_body = AdjustmentRequest,
    responses((status = 201, body = EntryCreated), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn admin_adjust(
    State(state): State<AppState>,
    admin: AdminCaller,
    Json(req): Json<AdjustmentRequest>,
) -> ApiResult<(StatusCode, Json<EntryCreated>)> {
    check_adjustment(&req)?;
    let id = state
        .store
        .add_adjustment(
            None,
            UserId::new(req.annotator_id),
            req.amount_fen,
            &req.reason,
            admin.0.user.id,
            now_millis(),
        )
        .await
        .map_err(entry_error("annotator"))?;
    Ok((StatusCode::CREATED, Json(EntryCreated { id })))
}

/// Takes back any adjustment.
#[utoipa::path(post, path = "/api/v1/admin/adjustments/{id}/reverse", tag = "earnings", params(("id" = i64, Path)),
    request_body = ReverseRequest,
    responses((status = 201, body = EntryCreated), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn admin_reverse(
    State(state): State<AppState>,
    admin: AdminCaller,
    Path(id): Path<i64>,
    Json(req): Json<ReverseRequest>,
) -> ApiResult<(StatusCode, Json<EntryCreated>)> {
    check_reason(&req.reason)?;
    let id = state
        .store
        .reverse_adjustment(None, id, &req.reason, admin.0.user.id, now_millis())
        .await
        .map_err(entry_error("adjustment"))?;
    Ok((StatusCode::CREATED, Json(EntryCreated { id })))
}

#[derive(Serialize, ToSchema)]
pub struct PayRunOut {
    pub id: i64,
    pub centre_id: i64,
    /// The month, `YYYY-MM`.
    pub period: String,
    pub period_start: i64,
    pub period_end: i64,
    /// Entries written before this were paid in the run.
    pub cutoff_at: i64,
    pub created_by: i64,
    pub created_at: i64,
    pub entries: i64,
    pub workers: i64,
    pub total_fen: i64,
    pub payroll_url: String,
}

impl From<PayRun> for PayRunOut {
    fn from(r: PayRun) -> Self {
        PayRunOut {
            payroll_url: format!("/api/v1/admin/pay-runs/{}/payroll.csv", r.id),
            id: r.id,
            centre_id: r.centre_id,
            period: r.period,
            period_start: r.period_start,
            period_end: r.period_end,
            cutoff_at: r.cutoff_at,
            created_by: r.created_by,
            created_at: r.created_at,
            entries: r.entries,
            workers: r.workers,
            total_fen: r.total_fen,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CentreQuery {
    pub centre_id: Option<i64>,
    /// `csv` for a download (where offered).
    #[param(pattern = "^(json|csv)$")]
    pub format: Option<String>,
}

/// Pay runs, newest month first.
#[utoipa::path(get, path = "/api/v1/admin/pay-runs", tag = "earnings", params(CentreQuery),
    responses((status = 200, body = Items<PayRunOut>), (status = 403, body = ErrorBody)))]
async fn list_pay_runs(
    State(state): State<AppState>,
    _admin: AdminCaller,
    Query(q): Query<CentreQuery>,
) -> ApiResult<Json<Items<PayRunOut>>> {
    let runs = state.store.pay_runs(q.centre_id.map(CentreId::new)).await?;
    Ok(Json(Items {
        items: runs.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayRunRequest {
    pub centre_id: i64,
    /// The month to close, `YYYY-MM` (the centre's calendar). A month still running is
    /// closed as of now: later work is paid in the next one.
    pub period: String,
}

#[derive(Serialize, ToSchema)]
pub struct PayRunCreated {
    /// `false` when the month was already closed: nothing changed.
    pub created: bool,
    pub run: PayRunOut,
}

/// Closes a month for a centre: pays the quality bonus, marks every confirmed, unpaid
/// entry written before the cutoff paid, and makes the payroll. Closing it again changes
/// nothing (200 with the same run).
#[utoipa::path(post, path = "/api/v1/admin/pay-runs", tag = "earnings", request_body = PayRunRequest,
    responses((status = 201, body = PayRunCreated), (status = 200, body = PayRunCreated, description = "already closed"),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn close_pay_run(
    State(state): State<AppState>,
    admin: AdminCaller,
    Json(req): Json<PayRunRequest>,
) -> ApiResult<(StatusCode, Json<PayRunCreated>)> {
    let cal = calendar(&state, CentreId::new(req.centre_id)).await?;
    let (start, end) = month(&cal, &req.period)?;
    let (run, created) = state
        .store
        .close_pay_run(&ClosePeriod {
            centre_id: req.centre_id,
            period: req.period.trim().to_owned(),
            start,
            end,
            by: admin.0.user.id.get(),
            now: now_millis(),
        })
        .await
        .map_err(|e| match e {
            // A later month is closed (or this one, by someone else meanwhile).
            StoreError::Conflict(m) => ApiError::new(ErrorCode::PeriodClosed, m),
            e => entry_error("centre")(e),
        })?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(PayRunCreated {
            created,
            run: run.into(),
        }),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct PayRunDetail {
    pub run: PayRunOut,
    pub lines: Vec<WorkerPayOut>,
}

/// A pay run with its payroll lines.
#[utoipa::path(get, path = "/api/v1/admin/pay-runs/{id}", tag = "earnings", params(("id" = i64, Path)),
    responses((status = 200, body = PayRunDetail), (status = 404, body = ErrorBody)))]
async fn get_pay_run(
    State(state): State<AppState>,
    _admin: AdminCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<PayRunDetail>> {
    let run = state
        .store
        .pay_run(id)
        .await
        .map_err(ApiError::not_found_as("pay run"))?;
    let lines = state.store.payroll(id).await?;
    Ok(Json(PayRunDetail {
        run: run.into(),
        lines: lines.into_iter().map(Into::into).collect(),
    }))
}

fn yuan(fen: i64) -> String {
    Fen(fen).to_yuan_string()
}

/// The payroll as a file: worker, id, labels, gross, adjustments, total (yuan, two decimals).
/// Gross is label pay and the quality bonus; adjustments are a lead's or admin's.
#[utoipa::path(get, path = "/api/v1/admin/pay-runs/{id}/payroll.csv", tag = "earnings", params(("id" = i64, Path)),
    responses((status = 200, content_type = "text/csv"), (status = 404, body = ErrorBody)))]
async fn payroll_csv(
    State(state): State<AppState>,
    _admin: AdminCaller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let run = state
        .store
        .pay_run(id)
        .await
        .map_err(ApiError::not_found_as("pay run"))?;
    let lines = state.store.payroll(id).await?;
    crate::csv_out::download(
        &format!("payroll-{}-centre{}.csv", run.period, run.centre_id),
        &["worker", "id", "labels", "gross", "adjustments", "total"],
        lines
            .into_iter()
            .map(|l| {
                vec![
                    l.display_name,
                    l.annotator_id.to_string(),
                    l.labels.to_string(),
                    yuan(l.gross_fen),
                    yuan(l.adjustments_fen),
                    yuan(l.total_fen),
                ]
            })
            .collect(),
    )
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PreviewQuery {
    pub centre_id: Option<i64>,
    /// The month closing would close (e.g. `2026-11`, in the centre's calendar): pay written
    /// up to its end. Without it, up to now.
    #[param(pattern = "^[0-9]{4}-[0-9]{2}$")]
    pub period: Option<String>,
    /// `csv` for a download.
    #[param(pattern = "^(json|csv)$")]
    pub format: Option<String>,
}

/// What closing would pay a centre's workers: for `period`, exactly what closing that month
/// pays (entries up to its end, or now, and the month's quality bonus in gross pay); without
/// it, what is owed up to now (no bonus). `format=csv` downloads it.
#[utoipa::path(get, path = "/api/v1/admin/payroll-preview", tag = "earnings", params(PreviewQuery),
    responses((status = 200, body = Items<WorkerPayOut>), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn payroll_preview(
    State(state): State<AppState>,
    _admin: AdminCaller,
    Query(q): Query<PreviewQuery>,
) -> ApiResult<Response> {
    let Some(centre_id) = q.centre_id.map(CentreId::new) else {
        return Err(ApiError::validation("centre_id is needed").with("field", "centre_id"));
    };
    let cal = calendar(&state, centre_id).await?;
    let now = now_millis();
    let (cutoff, of_month) = match q.period.as_deref().map(str::trim) {
        None | Some("") => (now, None),
        Some(p) => {
            let (start, end) = month(&cal, p)?;
            let m = PreviewMonth {
                period: p.to_owned(),
                start,
                end,
            };
            (end.min(now), Some(m))
        }
    };
    let rows = state
        .store
        .payroll_preview(centre_id, cutoff, of_month.as_ref())
        .await?;
    if q.format.as_deref() == Some("csv") {
        return crate::csv_out::download(
            &format!("payroll-preview-centre{centre_id}.csv"),
            &["worker", "id", "labels", "gross", "adjustments", "total"],
            rows.into_iter()
                .map(|l| {
                    vec![
                        l.display_name,
                        l.annotator_id.to_string(),
                        l.labels.to_string(),
                        yuan(l.gross_fen),
                        yuan(l.adjustments_fen),
                        yuan(l.total_fen),
                    ]
                })
                .collect(),
        );
    }
    Ok(Json(Items {
        items: rows.into_iter().map(WorkerPayOut::from).collect::<Vec<_>>(),
    })
    .into_response())
}

/// One tier of the monthly quality bonus.
#[derive(Serialize, Deserialize, ToSchema, Clone, Copy)]
#[serde(deny_unknown_fields)]
pub struct BonusTierIo {
    /// The month's gold accuracy is at least this (percent, 1–100).
    pub min_accuracy_pct: i64,
    /// Bonus: this percent of the month's label pay (1–100).
    pub bonus_pct: i64,
}

/// A centre's monthly quality bonus (no tiers: none).
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BonusPolicyIo {
    /// Gold answers a worker must give in the month to qualify (at least 1).
    pub min_gold: i64,
    pub tiers: Vec<BonusTierIo>,
}

/// A centre's quality bonus policy.
#[utoipa::path(get, path = "/api/v1/admin/centres/{id}/bonus", tag = "earnings", params(("id" = i64, Path)),
    responses((status = 200, body = BonusPolicyIo), (status = 404, body = ErrorBody)))]
async fn get_bonus(
    State(state): State<AppState>,
    _admin: AdminCaller,
    Path(id): Path<CentreId>,
) -> ApiResult<Json<BonusPolicyIo>> {
    calendar(&state, id).await?;
    let p = state.store.bonus_policy(id).await?.unwrap_or(BonusPolicy {
        min_gold: 20,
        tiers: vec![],
    });
    Ok(Json(BonusPolicyIo {
        min_gold: p.min_gold,
        tiers: p
            .tiers
            .into_iter()
            .map(|t| BonusTierIo {
                min_accuracy_pct: t.min_accuracy_pct,
                bonus_pct: t.bonus_pct,
            })
            .collect(),
    }))
}

/// Sets a centre's quality bonus (used by months closed from now on).
#[utoipa::path(put, path = "/api/v1/admin/centres/{id}/bonus", tag = "earnings", params(("id" = i64, Path)),
    request_body = BonusPolicyIo,
    responses((status = 200, body = BonusPolicyIo), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_bonus(
    State(state): State<AppState>,
    admin: AdminCaller,
    Path(id): Path<CentreId>,
    Json(req): Json<BonusPolicyIo>,
) -> ApiResult<Json<BonusPolicyIo>> {
    if !(1..=100_000).contains(&req.min_gold) {
        return Err(ApiError::validation("min_gold: 1 to 100000").with("field", "min_gold"));
    }
    if req.tiers.len() > 10
        || req
            .tiers
            .iter()
            .any(|t| !(1..=100).contains(&t.min_accuracy_pct) || !(1..=100).contains(&t.bonus_pct))
    {
        return Err(ApiError::validation(
            "tiers: at most 10, each with min_accuracy_pct and bonus_pct from 1 to 100",
        )
        .with("field", "tiers"));
    }
    let mut tiers: Vec<BonusTier> = req
        .tiers
        .iter()
        .map(|t| BonusTier {
            min_accuracy_pct: t.min_accuracy_pct,
            bonus_pct: t.bonus_pct,
        })
        .collect();
    tiers.sort_by_key(|t| t.min_accuracy_pct);
    tiers.dedup_by_key(|t| t.min_accuracy_pct);
    state
        .store
        .set_bonus_policy(
            id,
            &BonusPolicy {
                min_gold: req.min_gold,
                tiers,
            },
            admin.0.user.id,
            now_millis(),
        )
        .await
        .map_err(ApiError::not_found_as("centre"))?;
    get_bonus(State(state), admin, Path(id)).await
}
