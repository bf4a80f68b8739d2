//! Throughput reports, read from the rollups that labels keep up to date (never from the
//! labels themselves): a centre per hour and per day, its annotators, its orders; every
//! centre side by side for admins; cost per order for clients. Each table is also a CSV
//! download (`format=csv`).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use mudou_app::wage::real_fen_per_hour;
use mudou_domain::wage::{enough_evidence, fen_per_hour};
use mudou_domain::{Calendar, CentreId, Fen, Role};
use mudou_store::{HOUR_MS, OrderCost, TpBucket, TpWorker, now_millis};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::earnings::calendar;
use super::types::{ErrorBody, Items};
use crate::auth::{AdminCaller, ClientCaller, StaffCaller};
use crate::csv_out::download as csv_download;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Query};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(hours))
        .routes(routes!(days))
        .routes(routes!(annotators))
        .routes(routes!(orders))
        .routes(routes!(centres))
        .routes(routes!(costs))
}

/// Most days a report covers.
pub const MAX_DAYS: i64 = 366;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// The centre (a lead always gets their own; an admin names one).
    pub centre_id: Option<i64>,
    /// Days back from today, today included (`days`: default 30; `annotators`: default 7).
    #[param(minimum = 1, maximum = 366)]
    pub days: Option<i64>,
    /// A day, `YYYY-MM-DD` (`hours`: default today).
    #[param(format = Date)]
    pub date: Option<String>,
    /// `csv` downloads the table.
    #[param(pattern = "^(json|csv)$")]
    pub format: Option<String>,
}

impl ReportQuery {
    fn csv(&self) -> ApiResult<bool> {
        match self.format.as_deref() {
            None | Some("json") => Ok(false),
            Some("csv") => Ok(true),
            Some(_) => Err(ApiError::validation("format: json or csv").with("field", "format")),
        }
    }
    fn days(&self, default: i64) -> ApiResult<i64> {
        let d = self.days.unwrap_or(default);
        if !(1..=MAX_DAYS).contains(&d) {
            return Err(
                ApiError::validation(format!("days: 1 to {MAX_DAYS}")).with("field", "days")
            );
        }
        Ok(d)
    }
}

/// The centre a lead or admin may report on.
async fn scope(state: &AppState, who: &StaffCaller, asked: Option<i64>) -> ApiResult<CentreId> {
    let asked = asked.map(CentreId::new);
    let user = &who.0.user;
    if matches!(user.role, Role::Lead | Role::Admin) {
        who.0.require_for(&axum::http::Method::GET)?;
    }
    match user.role {
        Role::Lead => {
            let own = user.centre_id.ok_or_else(ApiError::forbidden)?;
            match asked {
                Some(c) if c != own => Err(ApiError::not_found("centre")),
                _ => Ok(own),
            }
        }
        Role::Admin => {
            let c = asked.ok_or_else(|| {
                ApiError::validation("centre_id is needed").with("field", "centre_id")
            })?;
            state
                .store
                .get_centre(c)
                .await
                .map_err(ApiError::not_found_as("centre"))?;
            Ok(c)
        }
        _ => Err(ApiError::forbidden()),
    }
}

/// A centre's throughput in one hour or day.
#[derive(Serialize, ToSchema, Clone, Default)]
pub struct BucketOut {
    pub centre_id: i64,
    /// Unix ms: the hour's start, or the day's local midnight.
    pub start: i64,
    /// Answers given (gold included), and skips.
    pub labels: i64,
    pub skips: i64,
    /// Items whose consensus was completed (net of items sent back).
    pub resolved: i64,
    /// Annotators who answered or skipped at least once.
    pub active: i64,
    /// Median seconds per answer (`null` without answers).
    pub median_seconds: Option<f64>,
    pub gold_seen: i64,
    pub gold_correct: i64,
    pub gold_accuracy: Option<f64>,
    /// Answers accepted and not paid so far; `agreement` is accepted ÷ (accepted + not paid).
    pub accepted: i64,
    pub not_paid: i64,
    pub agreement: Option<f64>,
    /// Label pay for this stretch's work (fen).
    pub pay_fen: i64,
}

fn ratio(a: i64, b: i64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

impl From<TpBucket> for BucketOut {
    fn from(b: TpBucket) -> Self {
        BucketOut {
            centre_id: b.centre_id,
            start: b.start,
            labels: b.labels,
            skips: b.skips,
            resolved: b.resolved,
            active: b.active,
            median_seconds: b.median_s,
            gold_seen: b.gold_seen,
            gold_correct: b.gold_correct,
            gold_accuracy: ratio(b.gold_correct, b.gold_seen),
            accepted: b.accepted,
            not_paid: b.not_paid,
            agreement: ratio(b.accepted, b.accepted + b.not_paid),
            pay_fen: b.pay_fen,
        }
    }
}

/// Every step from `from` to `to`, filling the ones without work with zeros.
fn fill(centre_id: i64, rows: Vec<TpBucket>, starts: impl Iterator<Item = i64>) -> Vec<BucketOut> {
    let mut rows = rows.into_iter().peekable();
    starts
        .map(|s| match rows.peek() {
            Some(r) if r.start == s => rows.next().map(Into::into).unwrap_or_default(),
            _ => BucketOut {
                centre_id,
                start: s,
                ..Default::default()
            },
        })
        .collect()
}

fn opt_f(v: Option<f64>, digits: usize) -> String {
    v.map(|v| format!("{v:.digits$}")).unwrap_or_default()
}

const BUCKET_HEAD: [&str; 13] = [
    "start",
    "labels",
    "skips",
    "resolved",
    "active_annotators",
    "median_seconds",
    "gold_seen",
    "gold_correct",
    "gold_accuracy",
    "accepted",
    "not_paid",
    "agreement",
    "pay_yuan",
];

fn bucket_csv(cal: &Calendar, name: &str, rows: &[BucketOut], daily: bool) -> ApiResult<Response> {
    csv_download(
        name,
        &BUCKET_HEAD,
        rows.iter()
            .map(|b| {
                vec![
                    if daily {
                        cal.date_string(b.start)
                    } else {
                        cal.datetime_string(b.start)
                    },
                    b.labels.to_string(),
                    b.skips.to_string(),
                    b.resolved.to_string(),
                    b.active.to_string(),
                    opt_f(b.median_seconds, 1),
                    b.gold_seen.to_string(),
                    b.gold_correct.to_string(),
                    opt_f(b.gold_accuracy, 4),
                    b.accepted.to_string(),
                    b.not_paid.to_string(),
                    opt_f(b.agreement, 4),
                    Fen(b.pay_fen).to_yuan_string(),
                ]
            })
            .collect(),
    )
}

/// A centre hour by hour over one local day (default today): 24 rows.
#[utoipa::path(get, path = "/api/v1/reports/hours", tag = "reports", params(ReportQuery),
    responses((status = 200, body = Items<BucketOut>), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn hours(
    State(state): State<AppState>,
    who: StaffCaller,
    Query(q): Query<ReportQuery>,
) -> ApiResult<Response> {
    let csv = q.csv()?;
    let centre = scope(&state, &who, q.centre_id).await?;
    let cal = calendar(&state, centre).await?;
    let day = match q.date.as_deref() {
        None => cal.day_start(now_millis()),
        Some(d) => cal.date_start(d).ok_or_else(|| {
            ApiError::validation("date: a day such as 2026-11-30").with("field", "date")
        })?,
    };
    let next = cal.add_days(day, 1);
    let rows = state.store.throughput_hours(&[centre], day, next).await?;
    let out = fill(centre.get(), rows, (day..next).step_by(HOUR_MS as usize));
    if csv {
        return bucket_csv(
            &cal,
            &format!("hours-centre{centre}-{}.csv", cal.date_string(day)),
            &out,
            false,
        );
    }
    Ok(Json(Items { items: out }).into_response())
}

/// A centre day by day over the last `days` days (default 30), today included.
#[utoipa::path(get, path = "/api/v1/reports/days", tag = "reports", params(ReportQuery),
    responses((status = 200, body = Items<BucketOut>), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn days(
    State(state): State<AppState>,
    who: StaffCaller,
    Query(q): Query<ReportQuery>,
) -> ApiResult<Response> {
    let csv = q.csv()?;
    let n = q.days(30)?;
    let centre = scope(&state, &who, q.centre_id).await?;
    let cal = calendar(&state, centre).await?;
    let today = cal.day_start(now_millis());
    let (from, to) = (cal.add_days(today, 1 - n), cal.add_days(today, 1));
    let rows = state.store.throughput_days(&[centre], from, to).await?;
    let starts: Vec<i64> = (0..n).map(|i| cal.add_days(from, i)).collect();
    let out = fill(centre.get(), rows, starts.into_iter());
    if csv {
        return bucket_csv(&cal, &format!("days-centre{centre}.csv"), &out, true);
    }
    Ok(Json(Items { items: out }).into_response())
}

/// One annotator's throughput and quality over the window.
#[derive(Serialize, ToSchema)]
pub struct AnnotatorOut {
    pub annotator_id: i64,
    pub display_name: String,
    pub labels: i64,
    pub skips: i64,
    /// Hours in which they worked, and answers per such hour.
    pub hours: i64,
    pub labels_per_hour: Option<f64>,
    pub mean_seconds: Option<f64>,
    pub gold_seen: i64,
    pub gold_correct: i64,
    pub gold_accuracy: Option<f64>,
    pub accepted: i64,
    pub not_paid: i64,
    pub agreement: Option<f64>,
    pub pay_fen: i64,
    /// Time spent answering (ms), and the effective hourly earning: label pay ÷ that time
    /// (fen an hour; `null` without time).
    pub answer_ms: i64,
    pub fen_per_hour: Option<i64>,
    /// The centre's minimum hourly wage, and whether this earning is under it (judged from
    /// one hour of answering or 50 answers).
    pub floor_fen: Option<i64>,
    pub below_floor: bool,
}

impl AnnotatorOut {
    fn with_floor(mut self, floor: Option<i64>) -> Self {
        self.floor_fen = floor;
        self.below_floor = match (floor, self.fen_per_hour) {
            (Some(f), Some(e)) => enough_evidence(self.labels, self.answer_ms) && e < f,
            _ => false,
        };
        self
    }
}

impl From<TpWorker> for AnnotatorOut {
    fn from(w: TpWorker) -> Self {
        AnnotatorOut {
            answer_ms: w.answer_ms,
            fen_per_hour: fen_per_hour(w.pay_fen, w.answer_ms),
            floor_fen: None,
            below_floor: false,
            labels_per_hour: ratio(w.labels, w.hours),
            mean_seconds: ratio(w.answer_ms, w.labels).map(|ms| ms / 1000.0),
            gold_accuracy: ratio(w.gold_correct, w.gold_seen),
            agreement: ratio(w.accepted, w.accepted + w.not_paid),
            annotator_id: w.annotator_id,
            display_name: w.display_name,
            labels: w.labels,
            skips: w.skips,
            hours: w.hours,
            gold_seen: w.gold_seen,
            gold_correct: w.gold_correct,
            accepted: w.accepted,
            not_paid: w.not_paid,
            pay_fen: w.pay_fen,
        }
    }
}

/// A centre's annotators over the last `days` days (default 7), most answers first.
#[utoipa::path(get, path = "/api/v1/reports/annotators", tag = "reports", params(ReportQuery),
    responses((status = 200, body = Items<AnnotatorOut>), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn annotators(
    State(state): State<AppState>,
    who: StaffCaller,
    Query(q): Query<ReportQuery>,
) -> ApiResult<Response> {
    let csv = q.csv()?;
    let n = q.days(7)?;
    let centre = scope(&state, &who, q.centre_id).await?;
    let cal = calendar(&state, centre).await?;
    let floor = state.store.get_centre(centre).await?.min_hourly_wage_fen;
    let today = cal.day_start(now_millis());
    let (from, to) = (cal.add_days(today, 1 - n), cal.add_days(today, 1));
    let mut out: Vec<AnnotatorOut> = state
        .store
        .throughput_workers(centre, from, to)
        .await?
        .into_iter()
        .map(|w| AnnotatorOut::from(w).with_floor(floor))
        .collect();
    out.sort_by(|a, b| {
        b.labels
            .cmp(&a.labels)
            .then(a.annotator_id.cmp(&b.annotator_id))
    });
    if csv {
        return csv_download(
            &format!("annotators-centre{centre}-{n}d.csv"),
            &[
                "annotator",
                "id",
                "labels",
                "skips",
                "hours",
                "labels_per_hour",
                "mean_seconds",
                "gold_seen",
                "gold_correct",
                "gold_accuracy",
                "accepted",
                "not_paid",
                "agreement",
                "pay_yuan",
                "yuan_per_hour",
            ],
            out.iter()
                .map(|a| {
                    vec![
                        a.display_name.clone(),
                        a.annotator_id.to_string(),
                        a.labels.to_string(),
                        a.skips.to_string(),
                        a.hours.to_string(),
                        opt_f(a.labels_per_hour, 1),
                        opt_f(a.mean_seconds, 1),
                        a.gold_seen.to_string(),
                        a.gold_correct.to_string(),
                        opt_f(a.gold_accuracy, 4),
                        a.accepted.to_string(),
                        a.not_paid.to_string(),
                        opt_f(a.agreement, 4),
                        Fen(a.pay_fen).to_yuan_string(),
                        a.fen_per_hour
                            .map(|f| Fen(f).to_yuan_string())
                            .unwrap_or_default(),
                    ]
                })
                .collect(),
        );
    }
    Ok(Json(Items { items: out }).into_response())
}

/// An order's cost so far.
#[derive(Serialize, ToSchema)]
pub struct OrderCostOut {
    pub order_id: i64,
    pub name: String,
    pub state: String,
    pub labels: i64,
    pub skips: i64,
    pub resolved: i64,
    /// Pay for its labels so far (fen), and per resolved item.
    pub pay_fen: i64,
    pub pay_per_resolved_fen: Option<f64>,
    /// Time spent on it (ms), and its real earning per hour so far: pay ÷ that time (fen an
    /// hour; `null` without time).
    pub active_ms: i64,
    pub fen_per_hour: Option<i64>,
    /// A centre's report: its minimum hourly wage, and whether an open order pays under it
    /// (judged from one hour of work or 50 answers, as the alerts are).
    pub floor_fen: Option<i64>,
    pub below_floor: bool,
}

impl OrderCostOut {
    fn with_floor(mut self, floor: Option<i64>) -> Self {
        self.floor_fen = floor;
        self.below_floor = match floor {
            Some(f) if self.state == "open" => {
                real_fen_per_hour(self.labels, self.active_ms, self.pay_fen).is_some_and(|e| e < f)
            }
            _ => false,
        };
        self
    }
}

impl From<OrderCost> for OrderCostOut {
    fn from(c: OrderCost) -> Self {
        OrderCostOut {
            active_ms: c.active_ms,
            fen_per_hour: fen_per_hour(c.pay_fen, c.active_ms),
            floor_fen: None,
            below_floor: false,
            pay_per_resolved_fen: ratio(c.pay_fen, c.resolved),
            order_id: c.order_id,
            name: c.name,
            state: c.state,
            labels: c.labels,
            skips: c.skips,
            resolved: c.resolved,
            pay_fen: c.pay_fen,
        }
    }
}

fn costs_csv(name: &str, rows: &[OrderCostOut]) -> ApiResult<Response> {
    csv_download(
        name,
        &[
            "order",
            "id",
            "state",
            "labels",
            "skips",
            "resolved",
            "pay_yuan",
            "pay_per_resolved_yuan",
        ],
        rows.iter()
            .map(|c| {
                vec![
                    c.name.clone(),
                    c.order_id.to_string(),
                    c.state.clone(),
                    c.labels.to_string(),
                    c.skips.to_string(),
                    c.resolved.to_string(),
                    Fen(c.pay_fen).to_yuan_string(),
                    opt_f(c.pay_per_resolved_fen.map(|f| f / 100.0), 4),
                ]
            })
            .collect(),
    )
}

/// What a centre's people did on each order, and what it paid them.
#[utoipa::path(get, path = "/api/v1/reports/orders", tag = "reports", params(ReportQuery),
    responses((status = 200, body = Items<OrderCostOut>), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn orders(
    State(state): State<AppState>,
    who: StaffCaller,
    Query(q): Query<ReportQuery>,
) -> ApiResult<Response> {
    let csv = q.csv()?;
    let centre = scope(&state, &who, q.centre_id).await?;
    let floor = state.store.get_centre(centre).await?.min_hourly_wage_fen;
    let out: Vec<OrderCostOut> = state
        .store
        .centre_order_costs(centre)
        .await?
        .into_iter()
        .map(|c| OrderCostOut::from(c).with_floor(floor))
        .collect();
    if csv {
        return costs_csv(&format!("orders-centre{centre}.csv"), &out);
    }
    Ok(Json(Items { items: out }).into_response())
}

/// One centre's figures over the window, for comparing centres (`centre_id` is the
/// figures' own).
#[derive(Serialize, ToSchema)]
pub struct CentreFigures {
    pub name: String,
    #[serde(flatten)]
    pub figures: BucketOut,
    /// Answers per active annotator per day worked.
    pub labels_per_annotator_day: Option<f64>,
}

/// Every centre side by side over the last `days` days (default 30).
#[utoipa::path(get, path = "/api/v1/reports/centres", tag = "reports", params(ReportQuery),
    responses((status = 200, body = Items<CentreFigures>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn centres(
    State(state): State<AppState>,
    _admin: AdminCaller,
    Query(q): Query<ReportQuery>,
) -> ApiResult<Response> {
    let csv = q.csv()?;
    let n = q.days(30)?;
    let all = state.store.list_centres().await?;
    let now = now_millis();
    let mut out = Vec::with_capacity(all.len());
    for c in all {
        let cal = Calendar::new(&c.timezone).unwrap_or_else(|_| Calendar::china());
        let today = cal.day_start(now);
        let (from, to) = (cal.add_days(today, 1 - n), cal.add_days(today, 1));
        let days = state
            .store
            .throughput_days(&[CentreId::new(c.id)], from, to)
            .await?;
        let window = state
            .store
            .throughput_window(CentreId::new(c.id), from, to)
            .await?;
        let annotator_days: i64 = days.iter().map(|d| d.active).sum();
        let mut figures: BucketOut = window.into();
        figures.start = from;
        figures.centre_id = c.id;
        out.push(CentreFigures {
            name: c.name,
            labels_per_annotator_day: ratio(figures.labels, annotator_days),
            figures,
        });
    }
    if csv {
        return csv_download(
            &format!("centres-{n}d.csv"),
            &[
                "centre",
                "id",
                "labels",
                "skips",
                "resolved",
                "active_annotators",
                "labels_per_annotator_day",
                "median_seconds",
                "gold_accuracy",
                "agreement",
                "pay_yuan",
            ],
            out.iter()
                .map(|c| {
                    let f = &c.figures;
                    vec![
                        c.name.clone(),
                        c.figures.centre_id.to_string(),
                        f.labels.to_string(),
                        f.skips.to_string(),
                        f.resolved.to_string(),
                        f.active.to_string(),
                        opt_f(c.labels_per_annotator_day, 1),
                        opt_f(f.median_seconds, 1),
                        opt_f(f.gold_accuracy, 4),
                        opt_f(f.agreement, 4),
                        Fen(f.pay_fen).to_yuan_string(),
                    ]
                })
                .collect(),
        );
    }
    Ok(Json(Items { items: out }).into_response())
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CostsQuery {
    /// `csv` downloads the table.
    #[param(pattern = "^(json|csv)$")]
    pub format: Option<String>,
}

/// The client's orders with what they have cost so far (pay to annotators).
#[utoipa::path(get, path = "/api/v1/reports/costs", tag = "reports", params(CostsQuery),
    responses((status = 200, body = Items<OrderCostOut>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn costs(
    State(state): State<AppState>,
    client: ClientCaller,
    Query(q): Query<CostsQuery>,
) -> ApiResult<Response> {
    let csv = ReportQuery {
        centre_id: None,
        days: None,
        date: None,
        format: q.format,
    }
    .csv()?;
    let out: Vec<OrderCostOut> = state
        .store
        .order_costs(client.org_id)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    if csv {
        return costs_csv("order-costs.csv", &out);
    }
    Ok(Json(Items { items: out }).into_response())
}
