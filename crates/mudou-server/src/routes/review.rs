//! The review queue: a lead's doubtful items (escalated, skipped repeatedly, gold failures,
//! flagged by the client) with every answer of their centre side by side, and decisions on
//! them; and the client's side: their order's results, flags on items, and what became of
//! the flags.

use std::collections::BTreeMap;

use axum::extract::State;
use mudou_app::review::{DecisionKind, check_decision, plan};
use mudou_domain::{ItemId, ItemState, LabelDef, OrderId, OrderSpec, TaskType};
use mudou_store::{Decision, QueueFilter, ReviewItem, now_millis};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::types::{ErrorBody, Items, media_url};
use crate::auth::{ClientCaller, LeadCaller};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(review_queue))
        .routes(routes!(review_orders))
        .routes(routes!(decide))
        .routes(routes!(item_decisions))
        .routes(routes!(recent_decisions))
        .routes(routes!(flag_item))
        .routes(routes!(list_flags))
        .routes(routes!(order_results))
}

/// The colours answers are drawn in, one per annotator of an item (in the order they
/// answered); chosen to stay apart from each other and readable on photos.
pub const ANNOTATOR_COLOURS: [&str; 8] = [
    "#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#9a6324",
];

fn json(s: Option<&str>) -> Option<Value> {
    s.and_then(|s| serde_json::from_str(s).ok())
}

fn spec_of(order: &mudou_store::Order) -> ApiResult<OrderSpec> {
    serde_json::from_str(&order.spec).map_err(ApiError::internal)
}

#[derive(Deserialize, ToSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ReviewReason {
    /// No confident consensus.
    Escalated,
    /// Skipped too often.
    Skipped,
    /// An annotator of the centre answered a gold item wrongly.
    GoldFailure,
    /// The client flagged the item.
    ClientFlag,
}

impl ReviewReason {
    fn as_str(self) -> &'static str {
        match self {
            ReviewReason::Escalated => "escalated",
            ReviewReason::Skipped => "skipped",
            ReviewReason::GoldFailure => "gold_failure",
            ReviewReason::ClientFlag => "client_flag",
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// Only this order's items.
    pub order_id: Option<i64>,
    /// Only items waiting for this reason.
    pub reason: Option<ReviewReason>,
    /// At most this many items (default 20, at most 100).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// Skip this many (the queue is sorted by order deadline, then waiting time).
    pub offset: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct QueueOrder {
    pub id: i64,
    pub name: String,
    pub state: String,
    pub deadline: Option<i64>,
    pub task_type: TaskType,
    pub labels: Vec<LabelDef>,
    /// The fields shown and the questions asked (for the one-question task types, the
    /// template they amount to).
    pub template: mudou_domain::Template,
}

#[derive(Serialize, ToSchema)]
pub struct ReasonOut {
    /// `escalated`, `skipped`, `gold_failure` or `client_flag`.
    pub reason: String,
    /// The client's words, for a flag.
    pub note: Option<String>,
    /// The failing label, for a gold failure.
    pub label_id: Option<i64>,
    pub created_at: i64,
}

/// One annotator's answer, drawn in `colour`.
#[derive(Serialize, ToSchema)]
pub struct AnswerOut {
    pub label_id: i64,
    pub annotator_id: i64,
    pub annotator_name: String,
    /// `#rrggbb`: this annotator's colour on this item.
    pub colour: String,
    #[schema(value_type = Option<Object>)]
    pub answer: Option<Value>,
    /// `unclear`, `cannot_judge` or `broken_file` for a skip.
    pub skip_reason: Option<String>,
    pub seconds: f64,
    pub created_at: i64,
    /// Left out of consensus (a quality-paused stretch).
    pub excluded: bool,
    /// Agrees with the gold or final answer (`null`: not judged yet).
    pub agrees: Option<bool>,
    /// A written answer's flags: `copied_prompt`, `unchanged` (a rewrite that changed
    /// nothing real), `same_as_other` (another worker wrote the same words on the order).
    pub flags: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ReviewItemOut {
    pub order_id: i64,
    pub item_id: i64,
    /// `image` or `text`.
    pub kind: String,
    pub thumb_url: Option<String>,
    pub screen_url: Option<String>,
    pub text: Option<String>,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub is_gold: bool,
    /// A gold item's known answer.
    #[schema(value_type = Option<Object>)]
    pub gold: Option<Value>,
    /// `open`, `resolved` or `escalated`.
    pub state: String,
    /// The consensus answer so far.
    #[schema(value_type = Option<Object>)]
    pub consensus: Option<Value>,
    pub confidence: Option<f64>,
    /// A lead already made the answer final.
    pub final_answer: bool,
    pub labels_count: i64,
    pub needed: i64,
    pub skips: i64,
    /// When it entered the queue.
    pub since: i64,
    pub reasons: Vec<ReasonOut>,
    /// The centre's answers and skips, oldest first.
    pub answers: Vec<AnswerOut>,
    /// Every field of the item, in order (the first is also `kind`, `text`, `thumb_url`…).
    pub fields: Vec<super::types::FieldOut>,
}

#[derive(Serialize, ToSchema)]
pub struct QueueOut {
    /// The orders the items belong to.
    pub orders: Vec<QueueOrder>,
    pub items: Vec<ReviewItemOut>,
}

/// The most answers of an order read to flag written answers alike across workers.
const FLAG_ANSWERS: i64 = 50_000;

/// The flags of each written answer of a queued item (see [`AnswerOut::flags`]).
fn written_flags(
    spec: &OrderSpec,
    it: &ReviewItem,
    labels: &[mudou_store::ReviewLabel],
    order_answers: &[(i64, Value)],
) -> BTreeMap<i64, Vec<String>> {
    let Some(t) = spec.template.as_ref().filter(|_| spec.by_review()) else {
        return BTreeMap::new();
    };
    let fields = it.fields();
    let field = |name: &str| {
        fields
            .iter()
            .find(|f| f.name == name)
            .and_then(|f| Some((f.kind, f.text.clone()?)))
    };
    labels
        .iter()
        .filter(|l| l.item_id == it.item_id)
        .filter_map(|l| {
            let answer = json(l.answer.as_deref())?;
            let others = order_answers
                .iter()
                .filter(|(who, _)| *who != l.annotator_id)
                .map(|(_, a)| a);
            let flags = mudou_domain::kinds::answer_flags(t, &field, &answer, others);
            Some((l.label_id, flags.into_iter().map(str::to_owned).collect()))
        })
        .collect()
}

fn item_out(
    it: ReviewItem,
    since: i64,
    entries: &[mudou_store::QueueEntry],
    labels: &[mudou_store::ReviewLabel],
    mut flags: BTreeMap<i64, Vec<String>>,
) -> ReviewItemOut {
    let media = |v: &str| it.sha256.as_deref().map(|s| media_url(s, v));
    let mut colours: Vec<i64> = Vec::new();
    let answers = labels
        .iter()
        .filter(|l| l.item_id == it.item_id)
        .map(|l| {
            let i = colours
                .iter()
                .position(|a| *a == l.annotator_id)
                .unwrap_or_else(|| {
                    colours.push(l.annotator_id);
                    colours.len() - 1
                });
            AnswerOut {
                label_id: l.label_id,
                annotator_id: l.annotator_id,
                annotator_name: l.annotator_name.clone(),
                colour: ANNOTATOR_COLOURS[i % ANNOTATOR_COLOURS.len()].to_owned(),
                answer: json(l.answer.as_deref()),
                skip_reason: l.skip_reason.clone(),
                seconds: l.client_ms as f64 / 1000.0,
                created_at: l.created_at,
                excluded: l.excluded,
                agrees: l.agrees,
                flags: flags.remove(&l.label_id).unwrap_or_default(),
            }
        })
        .collect();
    let reasons = entries
        .iter()
        .filter(|e| e.item_id == it.item_id)
        .map(|e| ReasonOut {
            reason: e.reason.clone(),
            note: e.note.clone(),
            label_id: e.label_id,
            created_at: e.created_at,
        })
        .collect();
    ReviewItemOut {
        fields: super::types::fields_out(it.fields()),
        thumb_url: media("thumb"),
        screen_url: media("screen"),
        order_id: it.order_id,
        item_id: it.item_id,
        kind: it.kind,
        text: it.body,
        width: it.width,
        height: it.height,
        is_gold: it.is_gold,
        gold: json(it.gold.as_deref()),
        state: it.state.to_string(),
        consensus: json(it.answer.as_deref()),
        confidence: it.confidence,
        final_answer: it.final_by.is_some(),
        labels_count: it.labels_count,
        needed: it.needed,
        skips: it.skips,
        since,
        reasons,
        answers,
    }
}

/// The centre's review queue: items whose order's deadline is nearest first, each with
/// every answer of the centre's annotators, the consensus and its confidence.
#[utoipa::path(get, path = "/api/v1/lead/review", tag = "lead", params(QueueQuery),
    responses((status = 200, body = QueueOut), (status = 403, body = ErrorBody)))]
async fn review_queue(
    State(state): State<AppState>,
    lead: LeadCaller,
    Query(q): Query<QueueQuery>,
) -> ApiResult<Json<QueueOut>> {
    let limit = q.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::validation("limit: 1 to 100").with("field", "limit"));
    }
    let offset = q.offset.unwrap_or(0);
    if offset < 0 {
        return Err(ApiError::validation("offset: 0 or more").with("field", "offset"));
    }
    let filter = QueueFilter {
        order_id: q.order_id,
        reason: q.reason.map(|r| r.as_str().to_owned()),
        limit,
        offset,
    };
    let rows = state.store.review_queue(lead.centre_id, &filter).await?;
    let mut by_order: BTreeMap<i64, Vec<(i64, i64)>> = BTreeMap::new();
    for r in &rows {
        by_order
            .entry(r.order_id)
            .or_default()
            .push((r.item_id, r.since));
    }
    let mut orders = Vec::new();
    let mut done: BTreeMap<(i64, i64), ReviewItemOut> = BTreeMap::new();
    for (order_id, items) in by_order {
        let order = state.store.order_by_id(OrderId::new(order_id)).await?;
        let spec = spec_of(&order)?;
        let ids: Vec<ItemId> = items.iter().map(|(i, _)| ItemId::new(*i)).collect();
        let (its, entries, labels) = state
            .store
            .review_details(lead.centre_id, OrderId::new(order_id), &ids)
            .await?;
        let order_answers: Vec<(i64, Value)> = if spec.by_review() {
            state
                .store
                .recent_answers(OrderId::new(order_id), FLAG_ANSWERS)
                .await?
                .into_iter()
                .filter_map(|(who, a)| Some((who, json(Some(&a))?)))
                .collect()
        } else {
            Vec::new()
        };
        for it in its {
            let since = items
                .iter()
                .find(|(i, _)| *i == it.item_id)
                .map(|(_, s)| *s)
                .unwrap_or(0);
            let flags = written_flags(&spec, &it, &labels, &order_answers);
            done.insert(
                (order_id, it.item_id),
                item_out(it, since, &entries, &labels, flags),
            );
        }
        orders.push(QueueOrder {
            id: order.id,
            name: order.name,
            state: order.state,
            deadline: order.deadline,
            task_type: spec.task_type,
            template: spec.template().into_owned(),
            labels: spec.labels,
        });
    }
    // Back in the queue's order.
    let items = rows
        .iter()
        .filter_map(|r| done.remove(&(r.order_id, r.item_id)))
        .collect();
    Ok(Json(QueueOut { orders, items }))
}

#[derive(Serialize, ToSchema)]
pub struct QueueOrderCount {
    pub order_id: i64,
    pub order_name: String,
    pub deadline: Option<i64>,
    /// Items waiting, by reason (an item may wait for several).
    pub escalated: i64,
    pub skipped: i64,
    pub gold_failure: i64,
    pub client_flag: i64,
}

/// Per order, how many of the centre's items wait for review and why (nearest deadline first).
#[utoipa::path(get, path = "/api/v1/lead/review/orders", tag = "lead",
    responses((status = 200, body = Items<QueueOrderCount>), (status = 403, body = ErrorBody)))]
async fn review_orders(
    State(state): State<AppState>,
    lead: LeadCaller,
) -> ApiResult<Json<Items<QueueOrderCount>>> {
    let mut out: Vec<QueueOrderCount> = Vec::new();
    for c in state.store.review_counts(lead.centre_id).await? {
        if out.last().is_none_or(|o| o.order_id != c.order_id) {
            out.push(QueueOrderCount {
                order_id: c.order_id,
                order_name: c.order_name.clone(),
                deadline: c.deadline,
                escalated: 0,
                skipped: 0,
                gold_failure: 0,
                client_flag: 0,
            });
        }
        let o = out.last_mut().expect("pushed above");
        match c.reason.as_str() {
            "escalated" => o.escalated = c.items,
            "skipped" => o.skipped = c.items,
            "gold_failure" => o.gold_failure = c.items,
            _ => o.client_flag = c.items,
        }
    }
    Ok(Json(Items { items: out }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    pub decision: DecisionKind,
    /// Override: the lead's answer in the order's shape, e.g. `{"label": "cat"}`.
    #[schema(value_type = Option<Object>)]
    pub answer: Option<Value>,
    /// Send back: how many more labels to ask for (default 2).
    pub extra_labels: Option<i64>,
    /// Why, in the lead's words (kept with the decision).
    pub note: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DecisionOut {
    pub id: i64,
    pub order_id: i64,
    pub item_id: i64,
    /// `accept`, `override` or `send_back`.
    pub decision: String,
    /// The final answer after an accept or override.
    #[schema(value_type = Option<Object>)]
    pub answer: Option<Value>,
    pub state_before: String,
    #[schema(value_type = Option<Object>)]
    pub answer_before: Option<Value>,
    pub confidence_before: Option<f64>,
    pub extra_labels: Option<i64>,
    pub note: Option<String>,
    pub decided_by: i64,
    pub decided_at: i64,
}

impl From<Decision> for DecisionOut {
    fn from(d: Decision) -> Self {
        DecisionOut {
            id: d.id,
            order_id: d.order_id,
            item_id: d.item_id,
            decision: d.decision,
            answer: json(d.answer.as_deref()),
            state_before: d.state_before.to_string(),
            answer_before: json(d.answer_before.as_deref()),
            confidence_before: d.confidence_before,
            extra_labels: d.extra_labels,
            note: d.note,
            decided_by: d.decided_by,
            decided_at: d.decided_at,
        }
    }
}

/// Decides an item: accept the consensus, override it with the lead's own answer (both
/// final), or send it back for more labels. Recorded with who and when; the item's final
/// answer, the workers' quality figures and their pay follow in the same transaction.
#[utoipa::path(post, path = "/api/v1/lead/review/{id}/items/{item_id}/decision", tag = "lead",
    params(("id" = i64, Path, description = "order"), ("item_id" = i64, Path)), request_body = DecisionRequest,
    responses((status = 200, body = DecisionOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn decide(
    State(state): State<AppState>,
    lead: LeadCaller,
    Path((order_id, item_id)): Path<(OrderId, ItemId)>,
    Json(req): Json<DecisionRequest>,
) -> ApiResult<Json<DecisionOut>> {
    let not_found = || ApiError::not_found("item");
    if !state
        .store
        .centre_sees_item(lead.centre_id, order_id, item_id)
        .await?
    {
        return Err(not_found());
    }
    let note = req.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > 500) {
        return Err(ApiError::validation("note: at most 500 characters").with("field", "note"));
    }
    let order = state
        .store
        .order_by_id(order_id)
        .await
        .map_err(|_| not_found())?;
    let spec = spec_of(&order)?;
    // An override's findings are placed on the item's series as a label's are.
    let sizes = mudou_app::orders::answer_sizes(&state.store, &spec, item_id).await?;
    let answer = match &req.answer {
        Some(v) => Some(
            mudou_app::orders::place_answer(&state.store, &spec, item_id, v)
                .await?
                .into_owned(),
        ),
        None => None,
    };
    let checked = check_decision(
        &spec,
        req.decision,
        answer.as_ref(),
        req.extra_labels,
        &sizes,
    )?;
    let d = state
        .store
        .decide_review(
            lead.centre_id,
            lead.caller.user.id,
            order_id,
            item_id,
            req.decision.as_str(),
            note,
            now_millis(),
            |item| plan(&spec, &checked, item),
        )
        .await
        .map_err(ApiError::not_found_as("item"))?
        .map_err(ApiError::conflict)?;
    Ok(Json(d.into()))
}

/// The decisions taken on an item of the centre's scope, oldest first.
#[utoipa::path(get, path = "/api/v1/lead/review/{id}/items/{item_id}/decisions", tag = "lead",
    params(("id" = i64, Path, description = "order"), ("item_id" = i64, Path)),
    responses((status = 200, body = Items<DecisionOut>), (status = 404, body = ErrorBody)))]
async fn item_decisions(
    State(state): State<AppState>,
    lead: LeadCaller,
    Path((order_id, item_id)): Path<(OrderId, ItemId)>,
) -> ApiResult<Json<Items<DecisionOut>>> {
    if !state
        .store
        .centre_sees_item(lead.centre_id, order_id, item_id)
        .await?
    {
        return Err(ApiError::not_found("item"));
    }
    let items = state
        .store
        .item_decisions(order_id, item_id)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(Json(Items { items }))
}

/// The centre's latest decisions (at most 100).
#[utoipa::path(get, path = "/api/v1/lead/decisions", tag = "lead",
    responses((status = 200, body = Items<DecisionOut>), (status = 403, body = ErrorBody)))]
async fn recent_decisions(
    State(state): State<AppState>,
    lead: LeadCaller,
) -> ApiResult<Json<Items<DecisionOut>>> {
    let items = state
        .store
        .centre_decisions(lead.centre_id, 100)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(Json(Items { items }))
}

// ---- the client's side ----------------------------------------------------------------

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FlagRequest {
    /// What looks wrong, in the client's words (up to 500 characters).
    #[serde(default)]
    pub note: String,
}

#[derive(Serialize, ToSchema)]
pub struct FlagOut {
    pub id: i64,
    pub item_id: i64,
    pub note: Option<String>,
    pub created_at: i64,
    /// `waiting` (for a lead) or `decided`.
    pub status: &'static str,
    pub closed_at: Option<i64>,
    /// The lead's decision: `accept`, `override` or `send_back`.
    pub decision: Option<String>,
    /// The item's answer now.
    #[schema(value_type = Option<Object>)]
    pub answer: Option<Value>,
    /// The item's state now.
    pub state: String,
}

impl From<mudou_store::ClientFlag> for FlagOut {
    fn from(f: mudou_store::ClientFlag) -> Self {
        FlagOut {
            id: f.id,
            item_id: f.item_id,
            note: f.note,
            created_at: f.created_at,
            status: if f.closed_at.is_some() {
                "decided"
            } else {
                "waiting"
            },
            closed_at: f.closed_at,
            decision: f.decision,
            answer: json(f.answer.as_deref()),
            state: f.state.to_string(),
        }
    }
}

/// Flags an item of the client's order for a lead's review (again: the note is updated).
#[utoipa::path(post, path = "/api/v1/orders/{id}/items/{item_id}/flag", tag = "orders",
    params(("id" = i64, Path), ("item_id" = i64, Path)), request_body = FlagRequest,
    responses((status = 200, body = FlagOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn flag_item(
    State(state): State<AppState>,
    client: ClientCaller,
    Path((order_id, item_id)): Path<(OrderId, ItemId)>,
    Json(req): Json<FlagRequest>,
) -> ApiResult<Json<FlagOut>> {
    let note = req.note.trim();
    if note.chars().count() > 500 {
        return Err(ApiError::validation("note: at most 500 characters").with("field", "note"));
    }
    state
        .store
        .get_order(client.org_id, order_id)
        .await
        .map_err(ApiError::not_found_as("order"))?;
    let f = state
        .store
        .flag_item(
            client.org_id,
            order_id,
            item_id,
            client.caller.user.id,
            note,
            now_millis(),
        )
        .await
        .map_err(|e| match e {
            mudou_store::StoreError::Invalid(m) => ApiError::validation(m).with("field", "item_id"),
            e => ApiError::not_found_as("item")(e),
        })?;
    Ok(Json(f.into()))
}

/// The client's flags on an order, newest first, with what became of each.
#[utoipa::path(get, path = "/api/v1/orders/{id}/flags", tag = "orders", params(("id" = i64, Path)),
    responses((status = 200, body = Items<FlagOut>), (status = 404, body = ErrorBody)))]
async fn list_flags(
    State(state): State<AppState>,
    client: ClientCaller,
    Path(order_id): Path<OrderId>,
) -> ApiResult<Json<Items<FlagOut>>> {
    state
        .store
        .get_order(client.org_id, order_id)
        .await
        .map_err(ApiError::not_found_as("order"))?;
    let items = state
        .store
        .client_flags(client.org_id, order_id, None)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(Json(Items { items }))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ResultsQuery {
    pub state: Option<ItemState>,
    /// Items with ids greater than this.
    pub after: Option<i64>,
    /// At most this many (default 48, at most 200).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ResultOut {
    pub item_id: i64,
    pub kind: String,
    pub file_name: String,
    pub thumb_url: Option<String>,
    pub screen_url: Option<String>,
    pub text: Option<String>,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub state: String,
    #[schema(value_type = Option<Object>)]
    pub answer: Option<Value>,
    pub confidence: Option<f64>,
    /// A lead checked the answer.
    pub reviewed: bool,
    /// Flagged by the client and waiting for a lead.
    pub flagged: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ResultsOut {
    pub items: Vec<ResultOut>,
    /// Pass as `after` for the next page (`null`: this was the last).
    pub next_after: Option<i64>,
}

/// A page of the order's items (gold left out) with their answers, for the client to check
/// and flag.
#[utoipa::path(get, path = "/api/v1/orders/{id}/results", tag = "orders", params(("id" = i64, Path), ResultsQuery),
    responses((status = 200, body = ResultsOut), (status = 404, body = ErrorBody)))]
async fn order_results(
    State(state): State<AppState>,
    client: ClientCaller,
    Path(order_id): Path<OrderId>,
    Query(q): Query<ResultsQuery>,
) -> ApiResult<Json<ResultsOut>> {
    let limit = q.limit.unwrap_or(48);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::validation("limit: 1 to 200").with("field", "limit"));
    }
    state
        .store
        .get_order(client.org_id, order_id)
        .await
        .map_err(ApiError::not_found_as("order"))?;
    let rows = state
        .store
        .order_results(order_id, q.state, q.after.unwrap_or(0), limit)
        .await?;
    let next_after = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|r| r.item_id))
        .flatten();
    let items = rows
        .into_iter()
        .map(|r| {
            let media = |v: &str| r.sha256.as_deref().map(|s| media_url(s, v));
            ResultOut {
                thumb_url: media("thumb"),
                screen_url: media("screen"),
                item_id: r.item_id,
                kind: r.kind,
                file_name: r.file_name,
                text: r.body,
                width: r.width,
                height: r.height,
                state: r.state.to_string(),
                answer: json(r.answer.as_deref()),
                confidence: r.confidence,
                reviewed: r.reviewed,
                flagged: r.flagged,
            }
        })
        .collect();
    Ok(Json(ResultsOut { items, next_after }))
}
