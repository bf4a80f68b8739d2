//! A lead's people: the quality page (per annotator: gold accuracy with its interval,
//! agreement, skill, speed, trend, flags; per order: confusion), feedback with read
//! receipts, the rules' alerts, pauses (by hand and by rule), each order's automatic rules,
//! qualifications, skill levels, and proposing a new lead (an admin confirms).

use std::collections::{BTreeMap, HashMap};

use axum::extract::State;
use axum::http::StatusCode;
use mudou_consensus::quality::{QualityOptions, wilson_interval};
use mudou_domain::{
    Calendar, CentreId, ItemId, LabelDef, OrderId, OrderSpec, Role, SkillLevel, TaskType, UserId,
    validate_password, validate_username,
};
use mudou_store::{
    HOUR_MS, LeadProposal, Message, NewFeedback, Pause, QualityRules, UserFilter, WorkerHourStats,
    now_millis,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::me::{MessageItem, message_item};
use super::types::{ErrorBody, Items, UserOut};
use crate::auth::{self, AdminCaller, LeadCaller};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;
use mudou_domain::quality::{OrderEngine, WorkerEngine, combine, order_engine};
use mudou_domain::reading::{self, Hurried};
use mudou_domain::skill::Skill;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(lead_orders))
        .routes(routes!(quality_page))
        .routes(routes!(worker_quality_page))
        .routes(routes!(send_feedback, list_feedback))
        .routes(routes!(list_alerts))
        .routes(routes!(read_alert))
        .routes(routes!(list_pauses, create_pause))
        .routes(routes!(lift_pause))
        .routes(routes!(exclude_pause))
        .routes(routes!(get_rules, put_rules))
        .routes(routes!(list_qualifications, grant_qualification))
        .routes(routes!(revoke_qualification))
        .routes(routes!(set_level))
        .routes(routes!(level_changes))
        .routes(routes!(list_proposals, propose_lead))
        .routes(routes!(admin_proposals))
        .routes(routes!(confirm_proposal))
        .routes(routes!(decline_proposal))
}

fn json_of(s: Option<&str>) -> Option<Value> {
    s.and_then(|s| serde_json::from_str(s).ok())
}

/// An order the centre may see: open or paused and open to the centre, or worked on by it.
async fn centre_order(
    state: &AppState,
    centre_id: CentreId,
    order_id: OrderId,
) -> ApiResult<(mudou_store::Order, OrderSpec)> {
    let not_found = || ApiError::not_found("order");
    let order = state
        .store
        .order_by_id(order_id)
        .await
        .map_err(|_| not_found())?;
    let spec: OrderSpec = serde_json::from_str(&order.spec).map_err(ApiError::internal)?;
    let eligible = matches!(order.state.as_str(), "open" | "paused")
        && (spec.eligible_centres.is_empty() || spec.eligible_centres.contains(&centre_id.get()));
    if eligible || state.store.centre_worked_on(centre_id, order_id).await? {
        Ok((order, spec))
    } else {
        Err(not_found())
    }
}

#[derive(Serialize, ToSchema)]
pub struct LeadOrderOut {
    pub id: i64,
    pub name: String,
    pub state: String,
    pub task_type: TaskType,
    pub deadline: Option<i64>,
    pub labels: Vec<LabelDef>,
    pub required_level: Option<SkillLevel>,
    pub required_qualification: Option<String>,
}

/// Orders the centre works on or may work on, nearest deadline first.
#[utoipa::path(get, path = "/api/v1/lead/orders", tag = "lead",
    responses((status = 200, body = Items<LeadOrderOut>), (status = 403, body = ErrorBody)))]
async fn lead_orders(
    State(state): State<AppState>,
    lead: LeadCaller,
) -> ApiResult<Json<Items<LeadOrderOut>>> {
    let mut items = Vec::new();
    for o in state.store.centre_orders(lead.centre_id).await? {
        let Ok(spec) = serde_json::from_str::<OrderSpec>(&o.spec) else {
            continue;
        };
        let open_to_us = spec.eligible_centres.is_empty()
            || spec.eligible_centres.contains(&lead.centre_id.get());
        if !open_to_us
            && !state
                .store
                .centre_worked_on(lead.centre_id, OrderId::new(o.id))
                .await?
        {
            continue;
        }
        items.push(LeadOrderOut {
            id: o.id,
            name: o.name,
            state: o.state,
            task_type: spec.task_type,
            deadline: o.deadline,
            labels: spec.labels,
            required_level: spec.required_level,
            required_qualification: spec.required_qualification,
        });
    }
    Ok(Json(Items { items }))
}

// ---- the quality page --------------------------------------------------------------

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DaysQuery {
    /// Days to look back (default 14, at most 90).
    #[param(minimum = 1, maximum = 90)]
    pub days: Option<i64>,
}

fn days_of(q: &DaysQuery) -> ApiResult<i64> {
    let d = q.days.unwrap_or(14);
    if !(1..=90).contains(&d) {
        return Err(ApiError::validation("days: 1 to 90").with("field", "days"));
    }
    Ok(d)
}

#[derive(Serialize, ToSchema, Default, Clone)]
pub struct TrendDay {
    /// The day's start in the centre's time zone, Unix ms.
    pub day: i64,
    /// `YYYY-MM-DD` in the centre's time zone.
    pub date: String,
    pub labels: i64,
    pub gold_total: i64,
    pub gold_correct: i64,
    pub gold_accuracy: Option<f64>,
    pub judged: i64,
    pub agreement: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct PauseBrief {
    pub id: i64,
    pub order_id: Option<i64>,
    pub order_name: Option<String>,
    pub reason: String,
}

/// One annotator's quality over the window.
#[derive(Serialize, ToSchema)]
pub struct WorkerQualityOut {
    pub annotator_id: i64,
    pub display_name: String,
    pub photo_url: Option<String>,
    pub level: SkillLevel,
    pub disabled: bool,
    /// Answers and skips given.
    pub labels: i64,
    pub skips: i64,
    pub gold_total: i64,
    pub gold_correct: i64,
    pub gold_accuracy: Option<f64>,
    /// Wilson 95% interval of the gold accuracy.
    pub gold_low: Option<f64>,
    pub gold_high: Option<f64>,
    /// Answers on items with a final answer, and the share that agree with it.
    pub judged: i64,
    pub agreement: Option<f64>,
    /// The consensus engine's estimate (one-coin Dawid–Skene) that an answer is right.
    pub skill: Option<f64>,
    pub median_seconds: Option<f64>,
    /// Labels per hour in the hours they worked.
    pub items_per_hour: Option<f64>,
    pub active_hours: i64,
    /// Much faster than the others (or than a second).
    pub too_fast: bool,
    /// Answers look unrelated to the items.
    pub spam_like: bool,
    /// One entry per day of the window, oldest first.
    pub trend: Vec<TrendDay>,
    /// Live pauses.
    pub pauses: Vec<PauseBrief>,
    /// Live qualifications.
    pub qualifications: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct QualityPageOut {
    pub days: i64,
    /// Start of the window, Unix ms.
    pub since: i64,
    pub workers: Vec<WorkerQualityOut>,
}

fn ratio(right: i64, total: i64) -> Option<f64> {
    (total > 0).then(|| right as f64 / total as f64)
}

fn gold_interval(right: i64, total: i64) -> Option<(f64, f64)> {
    if total <= 0 {
        return None;
    }
    wilson_interval(
        right.clamp(0, total) as u32,
        total as u32,
        QualityOptions::default().z,
    )
}

/// One entry per day of the window (`starts`: the days' local midnights), oldest first.
fn trend(rows: &[&WorkerHourStats], cal: &Calendar, starts: &[i64]) -> Vec<TrendDay> {
    let mut out: Vec<(TrendDay, i64)> = starts
        .iter()
        .map(|d| {
            (
                TrendDay {
                    day: *d,
                    date: cal.date_string(*d),
                    ..Default::default()
                },
                0,
            )
        })
        .collect();
    for r in rows {
        let at = r.hour * HOUR_MS;
        let i = starts.partition_point(|d| *d <= at);
        let Some((t, agreed)) = i.checked_sub(1).and_then(|i| out.get_mut(i)) else {
            continue;
        };
        t.labels += r.labels;
        t.gold_total += r.gold_total;
        t.gold_correct += r.gold_correct;
        t.judged += r.judged;
        *agreed += r.agreed;
    }
    out.into_iter()
        .map(|(mut t, agreed)| {
            t.gold_accuracy = ratio(t.gold_correct, t.gold_total);
            t.agreement = ratio(agreed, t.judged);
            t
        })
        .collect()
}

/// Runs the engine over the orders the centre worked on since `since` (per order: every
/// centre's answers, so the consensus is the order's).
async fn engines(
    state: &AppState,
    order_ids: &[i64],
    since: i64,
) -> ApiResult<Vec<(i64, OrderEngine)>> {
    let mut out = Vec::new();
    for &id in order_ids {
        let order_id = OrderId::new(id);
        let order = state.store.order_by_id(order_id).await?;
        let Ok(spec) = serde_json::from_str::<OrderSpec>(&order.spec) else {
            continue;
        };
        let sample = state
            .store
            .quality_labels(order_id, since, true, mudou_domain::quality::SAMPLE_ANSWERS)
            .await?;
        let items = match sample.item_range() {
            Some((lo, hi)) => state.store.quality_items(order_id, lo, hi).await?,
            None => Vec::new(),
        };
        let labels = sample.labels;
        let e = tokio::task::spawn_blocking(move || order_engine(&spec, &labels, &items))
            .await
            .map_err(ApiError::internal)?;
        out.push((id, e));
    }
    Ok(out)
}

async fn worker_rows(
    state: &AppState,
    centre_id: CentreId,
    days: i64,
    only: Option<UserId>,
) -> ApiResult<(Vec<WorkerQualityOut>, i64)> {
    let now = now_millis();
    let cal = super::earnings::calendar(state, centre_id).await?;
    let since = cal.add_days(cal.day_start(now), 1 - days);
    let starts: Vec<i64> = (0..days).map(|d| cal.add_days(since, d)).collect();
    let hourly = state
        .store
        .centre_hourly_stats(centre_id, since.div_euclid(HOUR_MS))
        .await?;
    let stats = state.store.centre_order_stats(centre_id, since).await?;
    let annotators = state
        .store
        .list_users(&UserFilter {
            centre_id: Some(centre_id.get()),
            role: Some(Role::Annotator),
            org_id: None,
        })
        .await?;
    let mut order_ids: Vec<i64> = stats
        .iter()
        .filter(|s| only.is_none_or(|a| a.get() == s.annotator_id))
        .map(|s| s.order_id)
        .collect();
    order_ids.sort_unstable();
    order_ids.dedup();
    let engines = engines(state, &order_ids, since).await?;
    let refs: Vec<(i64, &OrderEngine)> = engines.iter().map(|(id, e)| (*id, e)).collect();
    let combined: HashMap<i64, WorkerEngine> = combine(&refs);
    let pauses = state.store.centre_pauses(centre_id, true, 1000).await?;
    let quals = state.store.centre_qualifications(centre_id, false).await?;
    let mut by_worker: BTreeMap<i64, Vec<&WorkerHourStats>> = BTreeMap::new();
    for h in &hourly {
        by_worker.entry(h.annotator_id).or_default().push(h);
    }
    let mut out = Vec::new();
    for a in annotators
        .into_iter()
        .filter(|a| only.is_none_or(|id| id == a.id))
    {
        let rows = by_worker.remove(&a.id.get()).unwrap_or_default();
        let sum = |f: fn(&WorkerHourStats) -> i64| rows.iter().map(|r| f(r)).sum::<i64>();
        let (labels, skips) = (sum(|r| r.labels), sum(|r| r.skips));
        let (gold_total, gold_correct) = (sum(|r| r.gold_total), sum(|r| r.gold_correct));
        let (judged, agreed) = (sum(|r| r.judged), sum(|r| r.agreed));
        let active_hours = rows.iter().filter(|r| r.labels > 0).count() as i64;
        let interval = gold_interval(gold_correct, gold_total);
        let e = combined.get(&a.id.get()).cloned().unwrap_or_default();
        out.push(WorkerQualityOut {
            annotator_id: a.id.get(),
            display_name: a.display_name.clone(),
            photo_url: a.photo_url.clone(),
            level: a.skill_level.unwrap_or(SkillLevel::Trainee),
            disabled: a.disabled,
            labels,
            skips,
            gold_total,
            gold_correct,
            gold_accuracy: ratio(gold_correct, gold_total),
            gold_low: interval.map(|i| i.0),
            gold_high: interval.map(|i| i.1),
            judged,
            agreement: ratio(agreed, judged),
            skill: e.skill,
            median_seconds: e.median_seconds,
            items_per_hour: (active_hours > 0).then(|| labels as f64 / active_hours as f64),
            active_hours,
            too_fast: e.too_fast,
            spam_like: e.spam_like,
            trend: trend(&rows, &cal, &starts),
            pauses: pauses
                .iter()
                .filter(|p| p.annotator_id == a.id.get())
                .map(|p| PauseBrief {
                    id: p.id,
                    order_id: p.order_id,
                    order_name: p.order_name.clone(),
                    reason: p.reason.clone(),
                })
                .collect(),
            qualifications: quals
                .iter()
                .filter(|q| q.annotator_id == a.id.get())
                .map(|q| q.qualification.clone())
                .collect(),
        });
    }
    Ok((out, since))
}

/// Every annotator of the centre over the last `days` days (default 14).
#[utoipa::path(get, path = "/api/v1/lead/quality", tag = "lead", params(DaysQuery),
    responses((status = 200, body = QualityPageOut), (status = 403, body = ErrorBody)))]
async fn quality_page(
    State(state): State<AppState>,
    lead: LeadCaller,
    Query(q): Query<DaysQuery>,
) -> ApiResult<Json<QualityPageOut>> {
    let days = days_of(&q)?;
    let (workers, since) = worker_rows(&state, lead.centre_id, days, None).await?;
    Ok(Json(QualityPageOut {
        days,
        since,
        workers,
    }))
}

/// One annotator on one order since the order began, with the confusion matrix.
#[derive(Serialize, ToSchema)]
pub struct WorkerOrderOut {
    pub order_id: i64,
    pub order_name: String,
    pub task_type: TaskType,
    pub labels: i64,
    pub skips: i64,
    pub gold_total: i64,
    pub gold_correct: i64,
    pub gold_accuracy: Option<f64>,
    pub gold_low: Option<f64>,
    pub gold_high: Option<f64>,
    pub judged: i64,
    pub agreement: Option<f64>,
    pub skill: Option<f64>,
    /// How far the live consensus trusts the worker's answers on this order now: their
    /// estimated chance of answering right, with its 95% interval, from their gold answers
    /// and agreement here and their record on earlier orders of the kind.
    pub live_skill: Skill,
    /// Cohen's kappa between the worker's answers and the final answers.
    pub kappa: Option<f64>,
    pub median_seconds: Option<f64>,
    /// Much faster than the others, or (an order whose items are read) at least the
    /// order's `pause_share` of answers faster than their texts can be read.
    pub too_fast: bool,
    /// An order whose items are read: the worker's answers too fast to have read them.
    pub reading: Option<ReadingOut>,
    pub spam_like: bool,
    /// The classes of the matrix: label keys, or `no`/`yes` per label for multi-label.
    pub classes: Vec<String>,
    /// `[final answer][the worker's answer]` counts (empty for box orders).
    pub confusion: Vec<Vec<u32>>,
    /// An order with pairwise questions: how often the worker picked the answer shown on
    /// the left (a careful worker's share is near a half).
    pub position_bias: Option<PositionBiasOut>,
    /// The order's questions of several parts (a rubric's axes): everyone's agreement on
    /// each part, from the same answers as the order's quality report.
    pub axes: Vec<QuestionAxesOut>,
    /// What the worker did with the model's suggestions on this order, when they were
    /// shown any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestions: Option<WorkerSuggestionsOut>,
}

/// A worker's answers given with a model suggestion shown, and the planted (known-wrong)
/// ones among them: accepting those as they are is accepting without looking.
#[derive(Serialize, ToSchema)]
pub struct WorkerSuggestionsOut {
    /// Answers given with a suggestion shown.
    pub shown: i64,
    /// Of those, accepted as they were.
    pub accepted: i64,
    /// `accepted / shown`.
    pub accepted_share: Option<f64>,
    /// Planted (known-wrong) suggestions shown, and accepted as they were.
    pub planted_shown: i64,
    pub planted_accepted: i64,
    /// The accuracy on planted suggestions: the share not accepted as they were.
    pub planted_accuracy: Option<f64>,
    /// The centre's leads were alerted (`mudou_domain::suggest::flag_blind`).
    pub flagged: bool,
    pub flagged_at: Option<i64>,
}

impl From<mudou_store::WorkerSuggestions> for WorkerSuggestionsOut {
    fn from(w: mudou_store::WorkerSuggestions) -> Self {
        WorkerSuggestionsOut {
            shown: w.shown,
            accepted: w.accepted,
            accepted_share: ratio(w.accepted, w.shown),
            planted_shown: w.planted_shown,
            planted_accepted: w.planted_accepted,
            planted_accuracy: ratio(w.planted_shown - w.planted_accepted, w.planted_shown),
            flagged: w.flagged_at.is_some(),
            flagged_at: w.flagged_at,
        }
    }
}

/// One question's agreement per part (a rubric's axes), with their names.
#[derive(Serialize, ToSchema)]
pub struct QuestionAxesOut {
    pub key: String,
    pub title_zh: String,
    pub title_en: String,
    pub parts: Vec<AxisOut>,
}

#[derive(Serialize, ToSchema)]
pub struct AxisOut {
    pub key: String,
    pub name_zh: String,
    pub name_en: String,
    /// Krippendorff's alpha (interval) on this axis; none with too little to compare.
    pub krippendorff_alpha: Option<f64>,
}

/// The per-part agreement of an order's questions over its labels, named from the template.
fn axes_of(
    spec: &OrderSpec,
    labels: &[mudou_domain::quality::QualityLabel],
) -> Vec<QuestionAxesOut> {
    let Some(template) = &spec.template else {
        return Vec::new();
    };
    mudou_domain::quality::question_figures(spec, labels, &[])
        .into_iter()
        .filter(|f| !f.parts.is_empty())
        .filter_map(|f| {
            let q = template.questions.iter().find(|q| q.key == f.key)?;
            Some(QuestionAxesOut {
                key: f.key,
                title_zh: q.title_zh.clone(),
                title_en: q.title_en.clone(),
                parts: f
                    .parts
                    .into_iter()
                    .map(|p| {
                        let o = q.options.iter().find(|o| o.key == p.key);
                        AxisOut {
                            name_zh: o
                                .map(|o| o.name_zh.clone())
                                .unwrap_or_else(|| p.key.clone()),
                            name_en: o.map(|o| o.name_en.clone()).unwrap_or_default(),
                            key: p.key,
                            krippendorff_alpha: p.krippendorff_alpha,
                        }
                    })
                    .collect(),
            })
        })
        .collect()
}

/// Answers on an order whose items are read that, one by one, were faster than the
/// order's `too_fast_share` of the time their texts take to skim (`mudou_domain::reading`).
#[derive(Serialize, ToSchema)]
pub struct ReadingOut {
    /// Answers on items with something to read.
    pub answers: u32,
    /// Of those, answers too fast to have read the item.
    pub too_fast: u32,
    /// `too_fast / answers`; none before any answer.
    pub share: Option<f64>,
    /// The order's rule: one answer is too fast under this share of the reading time…
    pub too_fast_share: f64,
    /// …and the worker is paused with this share of their latest answers too fast.
    pub pause_share: f64,
}

/// Answers on a read order from which the page calls a worker too fast by reading.
const READING_MIN_ANSWERS: usize = 5;

/// A worker's position bias on pairwise questions.
#[derive(Serialize, ToSchema)]
pub struct PositionBiasOut {
    /// Answers that picked one of the two responses (ties and both-bad left out).
    pub picked: u32,
    /// Of those, the ones that picked the response shown on the left (on top on a phone).
    pub left: u32,
    /// `left / picked`; none before any pick.
    pub left_share: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct WorkerPageOut {
    pub worker: WorkerQualityOut,
    pub orders: Vec<WorkerOrderOut>,
    pub rules_paused: Vec<PauseOut>,
}

/// One annotator of the centre: the window's figures and, per order worked on in it, the
/// figures since the order began with the confusion matrix.
#[utoipa::path(get, path = "/api/v1/lead/quality/{id}", tag = "lead", params(("id" = i64, Path), DaysQuery),
    responses((status = 200, body = WorkerPageOut), (status = 404, body = ErrorBody)))]
async fn worker_quality_page(
    State(state): State<AppState>,
    lead: LeadCaller,
    Path(id): Path<UserId>,
    Query(q): Query<DaysQuery>,
) -> ApiResult<Json<WorkerPageOut>> {
    let days = days_of(&q)?;
    let (mut rows, since) = worker_rows(&state, lead.centre_id, days, Some(id)).await?;
    let worker = rows.pop().ok_or_else(|| ApiError::not_found("annotator"))?;
    let stats: Vec<_> = state
        .store
        .centre_order_stats(lead.centre_id, since)
        .await?
        .into_iter()
        .filter(|s| s.annotator_id == id.get())
        .collect();
    let order_ids: Vec<i64> = stats.iter().map(|s| s.order_id).collect();
    let engines = engines(&state, &order_ids, 0).await?;
    let pairs: Vec<(i64, i64)> = order_ids.iter().map(|o| (*o, id.get())).collect();
    let records = state.store.worker_records(&pairs).await?;
    let mut suggested: std::collections::HashMap<i64, mudou_store::WorkerSuggestions> = state
        .store
        .worker_suggestions(lead.centre_id, id)
        .await?
        .into_iter()
        .map(|w| (w.order_id, w))
        .collect();
    let mut orders = Vec::new();
    for s in &stats {
        let order = state.store.order_by_id(OrderId::new(s.order_id)).await?;
        let Ok(spec) = serde_json::from_str::<OrderSpec>(&order.spec) else {
            continue;
        };
        let e = engines
            .iter()
            .find(|(o, _)| *o == s.order_id)
            .map(|(_, e)| e);
        let w = e.and_then(|e| e.workers.get(&id.get()));
        let secs = e
            .and_then(|e| e.seconds.get(&id.get()))
            .cloned()
            .unwrap_or_default();
        let k = e.map(|e| e.classes.len()).unwrap_or(0);
        let interval = gold_interval(s.gold_correct, s.gold_total);
        let wants_bias = mudou_domain::kinds::order_position_bias(&spec, []).is_some();
        let reads = reading::reads_texts(&spec);
        let is_template = spec.template.is_some();
        let all = if wants_bias || reads || is_template {
            state
                .store
                .quality_labels(
                    OrderId::new(s.order_id),
                    0,
                    true,
                    mudou_domain::quality::SAMPLE_ANSWERS,
                )
                .await?
                .labels
        } else {
            Vec::new()
        };
        // The order's agreement per part of a question (a rubric's axes), everyone's answers.
        let axes = if is_template {
            axes_of(&spec, &all)
        } else {
            Vec::new()
        };
        let sample: Vec<_> = all
            .into_iter()
            .filter(|l| l.annotator_id == id.get())
            .collect();
        let hurried = if reads {
            let items: Vec<i64> = sample.iter().map(|l| l.item_id).collect();
            let texts = state.store.item_texts(&items).await?;
            let speeds = reading::of(&spec);
            let h = Hurried::count(
                &speeds,
                sample.iter().map(|l| {
                    (
                        l.client_ms,
                        texts.get(&l.item_id).copied().unwrap_or_default(),
                    )
                }),
            );
            Some((h, speeds))
        } else {
            None
        };
        let position_bias = if wants_bias {
            let mine: Vec<Value> = sample
                .iter()
                .filter_map(|l| serde_json::from_str(&l.answer).ok())
                .collect();
            mudou_domain::kinds::order_position_bias(&spec, &mine).map(|b| PositionBiasOut {
                picked: b.picked,
                left: b.left,
                left_share: b.share(),
            })
        } else {
            None
        };
        orders.push(WorkerOrderOut {
            order_id: s.order_id,
            order_name: order.name,
            task_type: spec.task_type,
            labels: s.labels,
            skips: s.skips,
            gold_total: s.gold_total,
            gold_correct: s.gold_correct,
            gold_accuracy: ratio(s.gold_correct, s.gold_total),
            gold_low: interval.map(|i| i.0),
            gold_high: interval.map(|i| i.1),
            judged: s.judged,
            agreement: ratio(s.agreed, s.judged),
            skill: w.and_then(|w| w.skill),
            live_skill: records
                .get(&(s.order_id, id.get()))
                .copied()
                .unwrap_or_default()
                .skill(),
            kappa: w.and_then(|w| w.quality.kappa_vs_consensus),
            median_seconds: w.and_then(|w| w.quality.median_seconds).or_else(|| {
                let mut v = secs;
                mudou_consensus::quality::median(&mut v)
            }),
            too_fast: w.is_some_and(|w| w.quality.too_fast)
                || hurried.is_some_and(|(h, r)| {
                    r.breaks_rule(h.too_fast as usize, h.answers as usize, READING_MIN_ANSWERS)
                }),
            reading: hurried.map(|(h, r)| ReadingOut {
                answers: h.answers,
                too_fast: h.too_fast,
                share: h.share(),
                too_fast_share: r.too_fast_share,
                pause_share: r.pause_share,
            }),
            spam_like: w.is_some_and(|w| w.quality.spam_like),
            classes: e.map(|e| e.classes.clone()).unwrap_or_default(),
            confusion: match w {
                Some(w) if k > 0 => w.quality.confusion.chunks(k).map(<[u32]>::to_vec).collect(),
                _ => Vec::new(),
            },
            position_bias,
            axes,
            suggestions: suggested.remove(&s.order_id).map(Into::into),
        });
    }
    let rules_paused = state
        .store
        .centre_pauses(lead.centre_id, false, 1000)
        .await?
        .into_iter()
        .filter(|p| p.annotator_id == id.get() && p.reason != "lead")
        .map(Into::into)
        .collect();
    Ok(Json(WorkerPageOut {
        worker,
        orders,
        rules_paused,
    }))
}

// ---- feedback and alerts ------------------------------------------------------------

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackRequest {
    pub annotator_id: i64,
    /// Short and concrete (1 to 500 characters).
    pub text: String,
    /// The order and item it is about (one the annotator labelled).
    pub order_id: Option<i64>,
    pub item_id: Option<i64>,
    /// The right answer marked on the item, in the order's shape.
    #[schema(value_type = Option<Object>)]
    pub answer: Option<Value>,
}

#[derive(Serialize, ToSchema)]
pub struct FeedbackOut {
    pub id: i64,
    pub to_id: i64,
    pub to_name: String,
    pub from_id: Option<i64>,
    pub from_name: Option<String>,
    pub text: String,
    pub order_id: Option<i64>,
    pub order_name: Option<String>,
    pub item: Option<MessageItem>,
    pub created_at: i64,
    /// When the annotator opened it (`null`: not yet).
    pub read_at: Option<i64>,
}

impl From<Message> for FeedbackOut {
    fn from(m: Message) -> Self {
        FeedbackOut {
            item: message_item(&m),
            id: m.id,
            to_id: m.to_id,
            to_name: m.to_name,
            from_id: m.from_id,
            from_name: m.from_name,
            text: m.body,
            order_id: m.order_id,
            order_name: m.order_name,
            created_at: m.created_at,
            read_at: m.read_at,
        }
    }
}

/// Sends an annotator of the centre a message, optionally about an item they labelled with
/// the right answer marked.
#[utoipa::path(post, path = "/api/v1/lead/feedback", tag = "lead", request_body = FeedbackRequest,
    responses((status = 201, body = FeedbackOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn send_feedback(
    State(state): State<AppState>,
    lead: LeadCaller,
    Json(req): Json<FeedbackRequest>,
) -> ApiResult<(StatusCode, Json<FeedbackOut>)> {
    let text = req.text.trim();
    if text.is_empty() || text.chars().count() > 500 {
        return Err(ApiError::validation("text: 1 to 500 characters").with("field", "text"));
    }
    let item = match (req.order_id, req.item_id) {
        (Some(o), Some(i)) => Some((OrderId::new(o), ItemId::new(i))),
        (None, None) => None,
        _ => {
            return Err(
                ApiError::validation("order_id and item_id go together").with("field", "item_id")
            );
        }
    };
    // Scope first: the annotator is the centre's and labelled the item, or nothing of the
    // item's order (its labels, its task type) is looked at.
    let to = UserId::new(req.annotator_id);
    state
        .store
        .feedback_in_scope(lead.centre_id, to, item)
        .await
        .map_err(ApiError::not_found_as("annotator or item"))?;
    let answer = match (&req.answer, item) {
        (None, _) => None,
        (Some(_), None) => {
            return Err(
                ApiError::validation("answer: mark it on an item (order_id, item_id)")
                    .with("field", "answer"),
            );
        }
        (Some(v), Some((order_id, item_id))) => {
            let order = state
                .store
                .order_by_id(order_id)
                .await
                .map_err(ApiError::not_found_as("item"))?;
            let spec: OrderSpec = serde_json::from_str(&order.spec).map_err(ApiError::internal)?;
            Some(
                super::work::parse_answer(&state, &spec, item_id, v)
                    .await?
                    .to_json()
                    .to_string(),
            )
        }
    };
    let f = NewFeedback {
        to_id: to,
        body: text.to_owned(),
        item,
        answer,
    };
    let m = state
        .store
        .send_feedback(lead.centre_id, lead.caller.user.id, &f, now_millis())
        .await
        .map_err(ApiError::not_found_as("annotator or item"))?;
    Ok((StatusCode::CREATED, Json(m.into())))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FeedbackQuery {
    /// Only messages to this annotator.
    pub annotator_id: Option<i64>,
}

/// Feedback the centre's leads sent, newest first, with read receipts.
#[utoipa::path(get, path = "/api/v1/lead/feedback", tag = "lead", params(FeedbackQuery),
    responses((status = 200, body = Items<FeedbackOut>), (status = 403, body = ErrorBody)))]
async fn list_feedback(
    State(state): State<AppState>,
    lead: LeadCaller,
    Query(q): Query<FeedbackQuery>,
) -> ApiResult<Json<Items<FeedbackOut>>> {
    let items = state
        .store
        .centre_feedback(lead.centre_id, q.annotator_id.map(UserId::new), 200)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(Json(Items { items }))
}

#[derive(Serialize, ToSchema)]
pub struct AlertOut {
    pub id: i64,
    /// An English summary; `data` has the figures to say it in the UI's words.
    pub text: String,
    pub about_id: Option<i64>,
    pub about_name: Option<String>,
    pub order_id: Option<i64>,
    pub order_name: Option<String>,
    pub pause_id: Option<i64>,
    /// `{"event": "paused", "reason", "figures"}`, `{"event": "promoted", "from", "to", …}`,
    /// `{"event": "wage_low", "centre_id", "fen_per_hour", "floor_fen", "answers", "active_ms", "pay_fen"}`
    /// or `{"event": "blind_accept", "shown", "accepted"}` (planted model suggestions
    /// accepted as they were).
    #[schema(value_type = Object)]
    pub data: Value,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

impl From<Message> for AlertOut {
    fn from(m: Message) -> Self {
        AlertOut {
            id: m.id,
            text: m.body,
            about_id: m.about_id,
            about_name: m.about_name,
            order_id: m.order_id,
            order_name: m.order_name,
            pause_id: m.pause_id,
            data: json_of(m.data.as_deref()).unwrap_or(Value::Null),
            created_at: m.created_at,
            read_at: m.read_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AlertsOut {
    pub unread: i64,
    pub items: Vec<AlertOut>,
}

/// What the automatic rules told this lead (pauses, promotions, open orders paying under
/// the centre's minimum wage), newest first.
#[utoipa::path(get, path = "/api/v1/lead/alerts", tag = "lead",
    responses((status = 200, body = AlertsOut), (status = 403, body = ErrorBody)))]
async fn list_alerts(
    State(state): State<AppState>,
    lead: LeadCaller,
) -> ApiResult<Json<AlertsOut>> {
    let me = lead.caller.user.id;
    let items = state
        .store
        .messages_to(me, "alert", 200)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(Json(AlertsOut {
        unread: state.store.unread_count(me, "alert").await?,
        items,
    }))
}

/// Marks an alert read.
#[utoipa::path(post, path = "/api/v1/lead/alerts/{id}/read", tag = "lead", params(("id" = i64, Path)),
    responses((status = 200, body = AlertOut), (status = 404, body = ErrorBody)))]
async fn read_alert(
    State(state): State<AppState>,
    lead: LeadCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<AlertOut>> {
    let m = state
        .store
        .mark_read(lead.caller.user.id, id, now_millis())
        .await
        .map_err(ApiError::not_found_as("alert"))?;
    Ok(Json(m.into()))
}

// ---- pauses and rules ---------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct PauseOut {
    pub id: i64,
    pub annotator_id: i64,
    pub annotator_name: String,
    /// `null`: paused on all work.
    pub order_id: Option<i64>,
    pub order_name: Option<String>,
    /// `lead` (by hand), `gold_accuracy`, `too_fast` or `spam` (a rule).
    pub reason: String,
    /// The lead's words (a pause by hand).
    pub note: Option<String>,
    /// The figures that made a rule fire.
    #[schema(value_type = Option<Object>)]
    pub figures: Option<Value>,
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub live: bool,
    pub lifted_at: Option<i64>,
    pub lifted_by: Option<i64>,
    /// The stretch's labels wait to be left out of consensus.
    pub exclude_pending: bool,
    pub excluded_at: Option<i64>,
    pub excluded_labels: i64,
}

impl From<Pause> for PauseOut {
    fn from(p: Pause) -> Self {
        let by_rule = p.reason != "lead";
        PauseOut {
            id: p.id,
            annotator_id: p.annotator_id,
            annotator_name: p.annotator_name,
            order_id: p.order_id,
            order_name: p.order_name,
            figures: if by_rule {
                json_of(p.note.as_deref())
            } else {
                None
            },
            note: if by_rule { None } else { p.note },
            reason: p.reason,
            created_by: p.created_by,
            created_at: p.created_at,
            live: p.lifted_at.is_none(),
            lifted_at: p.lifted_at,
            lifted_by: p.lifted_by,
            exclude_pending: p.exclude_pending,
            excluded_at: p.excluded_at,
            excluded_labels: p.excluded_labels,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PausesQuery {
    /// Only live pauses (default false: live first, then the latest lifted ones).
    pub live: Option<bool>,
}

/// The centre's pauses, live ones first.
#[utoipa::path(get, path = "/api/v1/lead/pauses", tag = "lead", params(PausesQuery),
    responses((status = 200, body = Items<PauseOut>), (status = 403, body = ErrorBody)))]
async fn list_pauses(
    State(state): State<AppState>,
    lead: LeadCaller,
    Query(q): Query<PausesQuery>,
) -> ApiResult<Json<Items<PauseOut>>> {
    let items = state
        .store
        .centre_pauses(lead.centre_id, q.live.unwrap_or(false), 200)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(Json(Items { items }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PauseRequest {
    pub annotator_id: i64,
    /// One order, or leave out to pause all work.
    pub order_id: Option<i64>,
    #[serde(default)]
    pub note: String,
}

/// Pauses an annotator of the centre on an order (or on all work).
#[utoipa::path(post, path = "/api/v1/lead/pauses", tag = "lead", request_body = PauseRequest,
    responses((status = 201, body = PauseOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn create_pause(
    State(state): State<AppState>,
    lead: LeadCaller,
    Json(req): Json<PauseRequest>,
) -> ApiResult<(StatusCode, Json<PauseOut>)> {
    let note = req.note.trim();
    if note.chars().count() > 500 {
        return Err(ApiError::validation("note: at most 500 characters").with("field", "note"));
    }
    let order = req.order_id.map(OrderId::new);
    if let Some(o) = order {
        centre_order(&state, lead.centre_id, o).await?;
    }
    let p = state
        .store
        .pause_by_lead(
            lead.centre_id,
            lead.caller.user.id,
            UserId::new(req.annotator_id),
            order,
            note,
            now_millis(),
        )
        .await
        .map_err(|e| match e {
            mudou_store::StoreError::Conflict(_) => {
                ApiError::conflict("this annotator is already paused there")
            }
            e => ApiError::not_found_as("annotator")(e),
        })?;
    Ok((StatusCode::CREATED, Json(p.into())))
}

/// Lifts a pause: the annotator gets work again, and the rules start afresh.
#[utoipa::path(post, path = "/api/v1/lead/pauses/{id}/lift", tag = "lead", params(("id" = i64, Path)),
    responses((status = 200, body = PauseOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn lift_pause(
    State(state): State<AppState>,
    lead: LeadCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<PauseOut>> {
    let p = state
        .store
        .lift_pause(lead.centre_id, lead.caller.user.id, id, now_millis())
        .await
        .map_err(|e| match e {
            mudou_store::StoreError::Conflict(m) => ApiError::conflict(m),
            e => ApiError::not_found_as("pause")(e),
        })?;
    Ok(Json(p.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExcludeRequest {
    /// `true`: leave the stretch's labels out of consensus; `false`: take them back.
    pub exclude: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ExcludeOut {
    pub pause: PauseOut,
    /// Labels left out (or taken back).
    pub labels: i64,
    /// Items they were on, decided again.
    pub items: i64,
    /// Items whose state changed (e.g. they need new labels now).
    pub changed_items: i64,
}

/// Leaves the labels of a paused stretch (the worker's labels on the order since the rules
/// last started afresh) out of consensus, or takes them back; their items are decided again.
#[utoipa::path(post, path = "/api/v1/lead/pauses/{id}/exclude", tag = "lead", params(("id" = i64, Path)),
    request_body = ExcludeRequest,
    responses((status = 200, body = ExcludeOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn exclude_pause(
    State(state): State<AppState>,
    lead: LeadCaller,
    Path(id): Path<i64>,
    Json(req): Json<ExcludeRequest>,
) -> ApiResult<Json<ExcludeOut>> {
    let p = state
        .store
        .centre_pause(lead.centre_id, id)
        .await
        .map_err(ApiError::not_found_as("pause"))?;
    let Some(order_id) = p.order_id else {
        return Err(ApiError::validation(
            "a pause on all work has no stretch of labels on one order",
        ));
    };
    let out = mudou_app::review::exclude_stretch(&state, id, order_id, req.exclude).await?;
    let pause = state.store.centre_pause(lead.centre_id, id).await?.into();
    Ok(Json(ExcludeOut {
        pause,
        labels: out.labels,
        items: out.items,
        changed_items: out.changed_items,
    }))
}

/// A centre's automatic rules on one order.
#[derive(Serialize, Deserialize, ToSchema, Clone, Copy)]
#[serde(deny_unknown_fields)]
pub struct RulesBody {
    /// Pause when the gold accuracy's 95% interval lies wholly below `gold_threshold`
    /// after at least `gold_min_items` gold items.
    pub gold_enabled: bool,
    pub gold_min_items: i64,
    pub gold_threshold: f64,
    /// Pause when the median time of the last `fast_min_labels` answers is below
    /// `fast_seconds` (or below 30% of the others' median).
    pub fast_enabled: bool,
    pub fast_min_labels: i64,
    pub fast_seconds: f64,
    /// Pause when the agreement with final answers' 95% interval lies wholly below
    /// `spam_agreement` after `spam_min_labels` judged answers.
    pub spam_enabled: bool,
    pub spam_min_labels: i64,
    pub spam_agreement: f64,
    /// Leave a rule-paused stretch's labels out of consensus.
    pub exclude_labels: bool,
}

impl From<QualityRules> for RulesBody {
    fn from(r: QualityRules) -> Self {
        RulesBody {
            gold_enabled: r.gold_enabled,
            gold_min_items: r.gold_min_items,
            gold_threshold: r.gold_threshold,
            fast_enabled: r.fast_enabled,
            fast_min_labels: r.fast_min_labels,
            fast_seconds: r.fast_seconds,
            spam_enabled: r.spam_enabled,
            spam_min_labels: r.spam_min_labels,
            spam_agreement: r.spam_agreement,
            exclude_labels: r.exclude_labels,
        }
    }
}

impl RulesBody {
    fn check(&self) -> ApiResult<QualityRules> {
        let bad = |field: &'static str, why: &str| {
            ApiError::validation(format!("{field}: {why}")).with("field", field)
        };
        if !(1..=1000).contains(&self.gold_min_items) {
            return Err(bad("gold_min_items", "1 to 1000"));
        }
        if !(self.gold_threshold > 0.0 && self.gold_threshold <= 1.0) {
            return Err(bad("gold_threshold", "above 0 and at most 1"));
        }
        if !(5..=500).contains(&self.fast_min_labels) {
            return Err(bad("fast_min_labels", "5 to 500"));
        }
        if !(self.fast_seconds >= 0.1 && self.fast_seconds <= 60.0) {
            return Err(bad("fast_seconds", "0.1 to 60"));
        }
        if !(5..=5000).contains(&self.spam_min_labels) {
            return Err(bad("spam_min_labels", "5 to 5000"));
        }
        if !(self.spam_agreement > 0.0 && self.spam_agreement <= 1.0) {
            return Err(bad("spam_agreement", "above 0 and at most 1"));
        }
        Ok(QualityRules {
            gold_enabled: self.gold_enabled,
            gold_min_items: self.gold_min_items,
            gold_threshold: self.gold_threshold,
            fast_enabled: self.fast_enabled,
            fast_min_labels: self.fast_min_labels,
            fast_seconds: self.fast_seconds,
            spam_enabled: self.spam_enabled,
            spam_min_labels: self.spam_min_labels,
            spam_agreement: self.spam_agreement,
            exclude_labels: self.exclude_labels,
        })
    }
}

/// The centre's automatic rules on an order (the defaults until set).
#[utoipa::path(get, path = "/api/v1/lead/orders/{id}/rules", tag = "lead", params(("id" = i64, Path)),
    responses((status = 200, body = RulesBody), (status = 404, body = ErrorBody)))]
async fn get_rules(
    State(state): State<AppState>,
    lead: LeadCaller,
    Path(id): Path<OrderId>,
) -> ApiResult<Json<RulesBody>> {
    centre_order(&state, lead.centre_id, id).await?;
    Ok(Json(
        state.store.quality_rules(id, lead.centre_id).await?.into(),
    ))
}

/// Sets the centre's automatic rules on an order.
#[utoipa::path(put, path = "/api/v1/lead/orders/{id}/rules", tag = "lead", params(("id" = i64, Path)),
    request_body = RulesBody,
    responses((status = 200, body = RulesBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_rules(
    State(state): State<AppState>,
    lead: LeadCaller,
    Path(id): Path<OrderId>,
    Json(req): Json<RulesBody>,
) -> ApiResult<Json<RulesBody>> {
    let rules = req.check()?;
    centre_order(&state, lead.centre_id, id).await?;
    let r = state
        .store
        .set_quality_rules(
            id,
            lead.centre_id,
            &rules,
            lead.caller.user.id,
            now_millis(),
        )
        .await?;
    Ok(Json(r.into()))
}

// ---- qualifications, levels, proposals ---------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct QualificationOut {
    pub id: i64,
    pub annotator_id: i64,
    /// A task type (`bbox`, …) or a named skill (`medical`).
    pub qualification: String,
    /// `training` (passed a training unit) or `lead` (granted by hand).
    pub source: String,
    pub granted_by: Option<i64>,
    pub granted_at: i64,
    pub revoked_at: Option<i64>,
}

impl From<mudou_store::Qualification> for QualificationOut {
    fn from(q: mudou_store::Qualification) -> Self {
        QualificationOut {
            id: q.id,
            annotator_id: q.annotator_id,
            qualification: q.qualification,
            source: q.source,
            granted_by: q.granted_by,
            granted_at: q.granted_at,
            revoked_at: q.revoked_at,
        }
    }
}

/// The centre's live qualifications.
#[utoipa::path(get, path = "/api/v1/lead/qualifications", tag = "lead",
    responses((status = 200, body = Items<QualificationOut>), (status = 403, body = ErrorBody)))]
async fn list_qualifications(
    State(state): State<AppState>,
    lead: LeadCaller,
) -> ApiResult<Json<Items<QualificationOut>>> {
    let items = state
        .store
        .centre_qualifications(lead.centre_id, false)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(Json(Items { items }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantRequest {
    pub annotator_id: i64,
    /// A short key: a task type (`single_choice`, `multi_label`, `bbox`,
    /// `text_classification`) or a named skill (`medical`).
    pub qualification: String,
}

/// Grants a qualification by hand.
#[utoipa::path(post, path = "/api/v1/lead/qualifications", tag = "lead", request_body = GrantRequest,
    responses((status = 201, body = QualificationOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn grant_qualification(
    State(state): State<AppState>,
    lead: LeadCaller,
    Json(req): Json<GrantRequest>,
) -> ApiResult<(StatusCode, Json<QualificationOut>)> {
    let q = req.qualification.trim();
    let ok = (1..=40).contains(&q.len())
        && q.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-' | b'.')
        });
    if !ok {
        return Err(ApiError::validation(
            "qualification: 1 to 40 of a-z, 0-9, '_', '-', '.' (e.g. bbox, medical)",
        )
        .with("field", "qualification"));
    }
    let out = state
        .store
        .grant_qualification(
            lead.centre_id,
            lead.caller.user.id,
            UserId::new(req.annotator_id),
            q,
            now_millis(),
        )
        .await
        .map_err(|e| match e {
            mudou_store::StoreError::Conflict(_) => {
                ApiError::conflict("the annotator already holds it")
            }
            e => ApiError::not_found_as("annotator")(e),
        })?;
    Ok((StatusCode::CREATED, Json(out.into())))
}

/// Revokes a live qualification.
#[utoipa::path(post, path = "/api/v1/lead/qualifications/{id}/revoke", tag = "lead", params(("id" = i64, Path)),
    responses((status = 200, body = QualificationOut), (status = 404, body = ErrorBody)))]
async fn revoke_qualification(
    State(state): State<AppState>,
    lead: LeadCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<QualificationOut>> {
    let q = state
        .store
        .revoke_qualification(lead.centre_id, lead.caller.user.id, id, now_millis())
        .await
        .map_err(ApiError::not_found_as("qualification"))?;
    Ok(Json(q.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LevelRequest {
    pub level: SkillLevel,
    #[serde(default)]
    pub note: String,
}

/// Sets an annotator's skill level (promote or demote); recorded with who and when.
#[utoipa::path(post, path = "/api/v1/lead/annotators/{id}/level", tag = "lead", params(("id" = i64, Path)),
    request_body = LevelRequest,
    responses((status = 200, body = UserOut), (status = 404, body = ErrorBody)))]
async fn set_level(
    State(state): State<AppState>,
    lead: LeadCaller,
    Path(id): Path<UserId>,
    Json(req): Json<LevelRequest>,
) -> ApiResult<Json<UserOut>> {
    let note = req.note.trim();
    if note.chars().count() > 500 {
        return Err(ApiError::validation("note: at most 500 characters").with("field", "note"));
    }
    state
        .store
        .set_level_by_lead(
            lead.centre_id,
            lead.caller.user.id,
            id,
            req.level,
            note,
            now_millis(),
        )
        .await
        .map_err(ApiError::not_found_as("annotator"))?;
    Ok(Json(state.store.get_user(id).await?.into()))
}

#[derive(Serialize, ToSchema)]
pub struct LevelChangeOut {
    pub id: i64,
    pub annotator_id: i64,
    pub annotator_name: String,
    pub from_level: Option<String>,
    pub to_level: String,
    /// `rule` or `lead`.
    pub source: String,
    pub changed_by: Option<i64>,
    pub note: Option<String>,
    pub created_at: i64,
}

/// The centre's level changes (by rule and by hand), newest first.
#[utoipa::path(get, path = "/api/v1/lead/levels", tag = "lead",
    responses((status = 200, body = Items<LevelChangeOut>), (status = 403, body = ErrorBody)))]
async fn level_changes(
    State(state): State<AppState>,
    lead: LeadCaller,
) -> ApiResult<Json<Items<LevelChangeOut>>> {
    let items = state
        .store
        .centre_level_changes(lead.centre_id, 200)
        .await?
        .into_iter()
        .map(|c| LevelChangeOut {
            id: c.id,
            annotator_id: c.annotator_id,
            annotator_name: c.annotator_name,
            from_level: c.from_level,
            to_level: c.to_level,
            source: c.source,
            changed_by: c.changed_by,
            note: c.note,
            created_at: c.created_at,
        })
        .collect();
    Ok(Json(Items { items }))
}

#[derive(Serialize, ToSchema)]
pub struct ProposalOut {
    pub id: i64,
    pub annotator_id: i64,
    pub annotator_name: String,
    pub centre_id: i64,
    pub centre_name: String,
    pub proposed_by: i64,
    pub proposed_by_name: String,
    pub note: String,
    pub created_at: i64,
    /// `null` while waiting; `confirmed` or `declined`.
    pub decision: Option<String>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<i64>,
}

impl From<LeadProposal> for ProposalOut {
    fn from(p: LeadProposal) -> Self {
        ProposalOut {
            id: p.id,
            annotator_id: p.annotator_id,
            annotator_name: p.annotator_name,
            centre_id: p.centre_id,
            centre_name: p.centre_name,
            proposed_by: p.proposed_by,
            proposed_by_name: p.proposed_by_name,
            note: p.note,
            created_at: p.created_at,
            decision: p.decision,
            decided_by: p.decided_by,
            decided_at: p.decided_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposeRequest {
    pub annotator_id: i64,
    /// Why (shown to the admin).
    #[serde(default)]
    pub note: String,
}

/// Proposes an annotator of the centre as a lead; an admin confirms.
#[utoipa::path(post, path = "/api/v1/lead/proposals", tag = "lead", request_body = ProposeRequest,
    responses((status = 201, body = ProposalOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn propose_lead(
    State(state): State<AppState>,
    lead: LeadCaller,
    Json(req): Json<ProposeRequest>,
) -> ApiResult<(StatusCode, Json<ProposalOut>)> {
    let note = req.note.trim();
    if note.chars().count() > 500 {
        return Err(ApiError::validation("note: at most 500 characters").with("field", "note"));
    }
    let p = state
        .store
        .propose_lead(
            lead.centre_id,
            lead.caller.user.id,
            UserId::new(req.annotator_id),
            note,
            now_millis(),
        )
        .await
        .map_err(|e| match e {
            mudou_store::StoreError::Conflict(_) => {
                ApiError::conflict("a proposal for this annotator is waiting")
            }
            e => ApiError::not_found_as("annotator")(e),
        })?;
    Ok((StatusCode::CREATED, Json(p.into())))
}

/// The centre's proposals, waiting ones first.
#[utoipa::path(get, path = "/api/v1/lead/proposals", tag = "lead",
    responses((status = 200, body = Items<ProposalOut>), (status = 403, body = ErrorBody)))]
async fn list_proposals(
    State(state): State<AppState>,
    lead: LeadCaller,
) -> ApiResult<Json<Items<ProposalOut>>> {
    let items = state
        .store
        .proposals(Some(lead.centre_id), 200)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(Json(Items { items }))
}

/// Every centre's proposals of new leads, waiting ones first.
#[utoipa::path(get, path = "/api/v1/admin/lead-proposals", tag = "admin",
    responses((status = 200, body = Items<ProposalOut>), (status = 403, body = ErrorBody)))]
async fn admin_proposals(
    State(state): State<AppState>,
    _admin: AdminCaller,
) -> ApiResult<Json<Items<ProposalOut>>> {
    let items = state
        .store
        .proposals(None, 500)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(Json(Items { items }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmRequest {
    /// The new lead's username for logging in with a password.
    pub username: String,
    pub password: String,
}

/// Confirms a proposal: the annotator's account becomes a lead's of the same centre, with a
/// username and password (their PIN and open sessions end).
#[utoipa::path(post, path = "/api/v1/admin/lead-proposals/{id}/confirm", tag = "admin", params(("id" = i64, Path)),
    request_body = ConfirmRequest,
    responses((status = 200, body = ProposalOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn confirm_proposal(
    State(state): State<AppState>,
    admin: AdminCaller,
    Path(id): Path<i64>,
    Json(req): Json<ConfirmRequest>,
) -> ApiResult<Json<ProposalOut>> {
    validate_username(&req.username)?;
    validate_password(&req.password)?;
    state
        .store
        .proposal(id)
        .await
        .map_err(ApiError::not_found_as("proposal"))?;
    let hash = auth::hash_secret(req.password).await?;
    let p = state
        .store
        .confirm_proposal(admin.0.user.id, id, &req.username, &hash, now_millis())
        .await
        // A username already taken answers `username_taken` (`From<StoreError>`).
        .map_err(ApiError::not_found_as("proposal"))?;
    Ok(Json(p.into()))
}

/// Declines a proposal.
#[utoipa::path(post, path = "/api/v1/admin/lead-proposals/{id}/decline", tag = "admin", params(("id" = i64, Path)),
    responses((status = 200, body = ProposalOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn decline_proposal(
    State(state): State<AppState>,
    admin: AdminCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<ProposalOut>> {
    let p = state
        .store
        .decline_proposal(admin.0.user.id, id, now_millis())
        .await
        .map_err(ApiError::not_found_as("proposal"))?;
    Ok(Json(p.into()))
}
