//! A client's orders: create and edit while draft, publish (split into work units),
//! pause, resume, cancel, gold answers, and progress. Drafts, gold answers, publishing and
//! syncs are use-cases of `mudou_app::orders`; the handlers here check the caller and shape
//! the answers.

use axum::extract::State;
use axum::http::StatusCode;
use mudou_domain::reading::Reading;
use mudou_domain::template::Template;
use mudou_domain::wage::{ASSUMED_SECONDS_PER_ANSWER, PaceBasis, WagePolicy};
use mudou_domain::{DatasetId, ErrorCode, ItemId, OrderId, OrderSpec, TaskType};
use mudou_store::{Order, now_millis};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::types::{ErrorBody, Items};
use crate::auth::ClientCaller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_orders, create_order))
        .routes(routes!(get_order, update_order))
        .routes(routes!(publish_order))
        .routes(routes!(pause_order))
        .routes(routes!(resume_order))
        .routes(routes!(cancel_order))
        .routes(routes!(set_gold, delete_gold))
        .routes(routes!(list_gold))
        .routes(routes!(sync_order))
        .routes(routes!(list_units))
        .routes(routes!(order_progress))
        .routes(routes!(wage_check))
        .routes(routes!(followup))
}

/// The rates to check: what the order form holds as the client types.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WageCheckRequest {
    pub task_type: TaskType,
    /// Pay per accepted answer, fen (0 to 100000).
    pub piece_rate_fen: i64,
    #[serde(default)]
    pub box_rate_fen: i64,
    #[serde(default)]
    pub box_pay_cap: u32,
    /// Centres the order may go to; empty or absent: every centre.
    #[serde(default)]
    pub eligible_centres: Vec<i64>,
    /// The order being edited (one of the client's): its own answers count once it has some.
    #[serde(default)]
    pub order_id: Option<i64>,
    /// The dataset (one of the client's; else the order's): for an order whose items are
    /// read, the time per item comes from its texts (`basis: reading`).
    #[serde(default)]
    pub dataset_id: Option<i64>,
    /// The template as typed so far (its fields say whether items are read, its questions
    /// how long answering takes); one that does not read as a template is left out.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub template: Option<Value>,
    /// Reading speeds (`mudou_domain::reading`; the defaults when absent).
    #[serde(default)]
    pub reading: Option<Reading>,
    /// Items per unit (default 20).
    #[serde(default)]
    pub unit_size: Option<u32>,
}

/// The expected time of a read order's items, from its dataset's median item.
#[derive(Serialize, ToSchema)]
pub struct ReadingEstimateOut {
    /// Dataset items measured (those with something to read; at most 2000).
    pub items: i64,
    /// The median item's Chinese characters and other words.
    pub median_cjk: u64,
    pub median_words: u64,
    /// Reading the median item, answering its questions, both; a unit of such items (ms).
    pub read_ms: i64,
    pub answer_ms: i64,
    pub item_ms: i64,
    pub unit_ms: i64,
    pub cjk_per_minute: u32,
    pub words_per_minute: u32,
}

/// A centre the order may go to, with its minimum hourly wage.
#[derive(Serialize, ToSchema)]
pub struct CentreFloorOut {
    pub centre_id: i64,
    pub name: String,
    pub floor_fen: i64,
    pub policy: WagePolicy,
    /// The expected earning is under this floor.
    pub under: bool,
}

/// What an order is expected to earn an annotator per hour, and against which floors.
#[derive(Serialize, ToSchema)]
pub struct WageCheckOut {
    /// Fen per hour: pay per answer × answers per hour.
    pub expected_fen_per_hour: i64,
    /// Pay per accepted answer (box-paid orders: one box assumed until it has answers).
    pub pay_per_answer_fen: i64,
    /// `order`: its own answers; `history`: past work of the same task type; `assumed`:
    /// neither, one answer every `assumed_seconds_per_answer` seconds.
    pub basis: PaceBasis,
    /// How many answers, over how many ms of work, the pace comes from.
    pub basis_answers: i64,
    pub basis_active_ms: i64,
    pub answers_per_hour: f64,
    pub assumed_seconds_per_answer: i64,
    /// Centres the order may go to that have a floor.
    pub centres: Vec<CentreFloorOut>,
    /// Under at least one of those floors.
    pub under: bool,
    /// Under the floor of a centre that refuses such orders: publishing answers 422
    /// `wage_below_floor`.
    pub refused: bool,
    /// An order whose items are read (with a dataset): the time per item and unit.
    pub reading: Option<ReadingEstimateOut>,
}

impl From<mudou_app::wage::WageCheck> for WageCheckOut {
    fn from(c: mudou_app::wage::WageCheck) -> Self {
        WageCheckOut {
            expected_fen_per_hour: c.expected_fen_per_hour,
            pay_per_answer_fen: c.pay_per_answer_fen,
            basis: c.basis,
            basis_answers: c.basis_answers,
            basis_active_ms: c.basis_active_ms,
            answers_per_hour: c.answers_per_hour,
            assumed_seconds_per_answer: ASSUMED_SECONDS_PER_ANSWER,
            centres: c
                .centres
                .into_iter()
                .map(|f| CentreFloorOut {
                    centre_id: f.centre_id,
                    name: f.name,
                    floor_fen: f.floor_fen,
                    policy: f.policy,
                    under: f.under,
                })
                .collect(),
            under: c.under,
            refused: c.refused,
            reading: c.reading.map(|r| ReadingEstimateOut {
                items: r.items,
                median_cjk: r.median.cjk,
                median_words: r.median.words,
                read_ms: r.read_ms,
                answer_ms: r.answer_ms,
                item_ms: r.item_ms,
                unit_ms: r.unit_ms,
                cjk_per_minute: r.speeds.cjk_per_minute,
                words_per_minute: r.speeds.words_per_minute,
            }),
        }
    }
}

/// The fair-wage check of rates being typed: the expected hourly earning (from the order's
/// own answers, past work of the kind, or a stated assumption) against the minimum hourly
/// wage of each centre the order may go to.
#[utoipa::path(post, path = "/api/v1/orders/wage-check", tag = "orders", request_body = WageCheckRequest,
    responses((status = 200, body = WageCheckOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn wage_check(
    State(state): State<AppState>,
    client: ClientCaller,
    Json(req): Json<WageCheckRequest>,
) -> ApiResult<Json<WageCheckOut>> {
    let rates = mudou_app::wage::Rates {
        task_type: req.task_type,
        piece_rate_fen: req.piece_rate_fen,
        box_rate_fen: req.box_rate_fen,
        box_pay_cap: req.box_pay_cap,
        eligible_centres: req.eligible_centres,
        template: req
            .template
            .and_then(|t| serde_json::from_value::<Template>(t).ok()),
        reading: req.reading,
        dataset_id: req.dataset_id,
        unit_size: req.unit_size,
    };
    if let Some(r) = &rates.reading {
        r.validate().map_err(ApiError::from)?;
    }
    let c = mudou_app::wage::check(
        &state,
        client.org_id,
        &rates,
        req.order_id.map(OrderId::new),
    )
    .await?;
    Ok(Json(c.into()))
}

#[derive(Serialize, ToSchema)]
pub struct HourCount {
    /// Start of the hour, Unix ms.
    pub hour: i64,
    pub labels: i64,
}

/// How far an order has come, what it has cost so far and when it should be done.
#[derive(Serialize, ToSchema)]
pub struct ProgressOut {
    pub state: String,
    pub items: i64,
    pub resolved: i64,
    pub escalated: i64,
    /// Answers received (gold included, skips not).
    pub labels: i64,
    /// Answers given to gold items, and the share that were right (`null` before any).
    pub gold_labels: i64,
    pub gold_accuracy: Option<f64>,
    /// Piece pay owed for the answers so far, in fen (before review: an upper bound), and
    /// on a medical order what its expert ladder cost (`expert_fen` + `doctor_fen`).
    pub cost_fen: i64,
    /// A medical order: what the experts' decisions cost so far, in fen.
    pub expert_fen: i64,
    /// A medical order: what the doctor's decisions cost so far, in fen (`doctor_rate_fen` each).
    pub doctor_fen: i64,
    /// A medical order: decisions made by experts, and by the doctor.
    pub expert_decisions: i64,
    pub doctor_decisions: i64,
    pub labels_last_hour: i64,
    /// Labels still needed by open items at their current overlap.
    pub labels_remaining: i64,
    /// At the last hour's rate; `null` when nothing came in during the last hour.
    pub eta_seconds: Option<i64>,
    /// Labels per hour over the last 24 hours (hours without labels left out).
    pub hourly: Vec<HourCount>,
}

/// Progress: counts, gold accuracy so far, cost so far and an ETA from the recent rate.
#[utoipa::path(get, path = "/api/v1/orders/{id}/progress", tag = "orders", params(("id" = i64, Path)),
    responses((status = 200, body = ProgressOut), (status = 404, body = ErrorBody)))]
async fn order_progress(
    State(state): State<AppState>,
    client: ClientCaller,
    Path(id): Path<OrderId>,
) -> ApiResult<Json<ProgressOut>> {
    let order = state
        .store
        .get_order(client.org_id, id)
        .await
        .map_err(order_not_found)?;
    let spec: OrderSpec = serde_json::from_str(&order.spec).map_err(ApiError::internal)?;
    let c = state.store.order_counts(id).await?;
    let f = state.store.order_progress(id, now_millis()).await?;
    let right = f
        .gold_answers
        .iter()
        .filter(|(a, g)| spec.agrees_str(a, g))
        .count();
    let gold_labels = f.gold_answers.len() as i64;
    let eta_seconds = (f.labels_last_hour > 0).then(|| f.labels_owed * 3600 / f.labels_last_hour);
    let (expert_fen, expert_decisions, doctor_fen, doctor_decisions) = if spec.medical.is_some() {
        state.store.ladder_cost(id).await?
    } else {
        (0, 0, 0, 0)
    };
    Ok(Json(ProgressOut {
        state: order.state,
        items: c.items,
        resolved: c.resolved,
        escalated: c.escalated,
        labels: f.answers,
        gold_labels,
        gold_accuracy: (gold_labels > 0).then(|| right as f64 / gold_labels as f64),
        cost_fen: f.answers * spec.piece_rate_fen + expert_fen + doctor_fen,
        expert_fen,
        doctor_fen,
        expert_decisions,
        doctor_decisions,
        labels_last_hour: f.labels_last_hour,
        labels_remaining: f.labels_owed,
        eta_seconds,
        hourly: f
            .hourly
            .into_iter()
            .map(|(hour, labels)| HourCount { hour, labels })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrderRequest {
    pub dataset_id: i64,
    pub spec: OrderSpec,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateOrderRequest {
    pub spec: OrderSpec,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GoldRequest {
    /// An answer in the order's shape, e.g. `{"label": "cat"}`.
    #[schema(value_type = Object)]
    pub answer: Value,
}

#[derive(Serialize, ToSchema)]
pub struct OrderCountsOut {
    /// Items to label (gold items not counted).
    pub items: i64,
    pub resolved: i64,
    pub escalated: i64,
    pub gold_items: i64,
    pub labels: i64,
    pub units: i64,
}

#[derive(Serialize, ToSchema)]
pub struct OrderOut {
    pub id: i64,
    pub dataset_id: i64,
    /// `draft`, `open`, `paused`, `done` or `cancelled`.
    pub state: String,
    pub spec: OrderSpec,
    pub created_at: i64,
    pub published_at: Option<i64>,
    pub counts: OrderCountsOut,
    /// Publishing only: the fair-wage check it passed (`under`: a warning to show).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wage: Option<WageCheckOut>,
}

#[derive(Serialize, ToSchema)]
pub struct SyncOut {
    pub added_items: usize,
    pub added_units: usize,
    /// Items left out because they are not of the kind the order labels (image or text).
    pub skipped_items: usize,
}

#[derive(Serialize, ToSchema)]
pub struct FollowUpOut {
    /// The new dataset: one conversation item per settled written answer (`prompt`, and the
    /// answer as `response_1`).
    pub dataset_id: i64,
    pub name: String,
    pub items: usize,
}

/// Makes a dataset of the order's settled written answers, for a second worker to rate (a
/// rubric, rating or pairwise order over `response_1` created on it as on any dataset).
#[utoipa::path(post, path = "/api/v1/orders/{id}/followup", tag = "orders", params(("id" = i64, Path)),
    responses((status = 201, body = FollowUpOut), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "nothing settled yet, or made before"),
              (status = 422, body = ErrorBody, description = "the order asks no writing question")))]
async fn followup(
    State(state): State<AppState>,
    client: ClientCaller,
    Path(id): Path<OrderId>,
) -> ApiResult<(StatusCode, Json<FollowUpOut>)> {
    let f = mudou_app::orders::followup(&state, client.org_id, id, client.caller.user.id).await?;
    Ok((
        StatusCode::CREATED,
        Json(FollowUpOut {
            dataset_id: f.dataset_id,
            name: f.name,
            items: f.items,
        }),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct UnitOut {
    pub id: i64,
    pub seq: i64,
    pub kind: String,
    /// How many different annotators should do it.
    pub slots: i64,
    pub items: i64,
}

async fn order_out(state: &AppState, o: Order) -> ApiResult<OrderOut> {
    let spec: OrderSpec = serde_json::from_str(&o.spec).map_err(ApiError::internal)?;
    let c = state.store.order_counts(OrderId::new(o.id)).await?;
    Ok(OrderOut {
        id: o.id,
        dataset_id: o.dataset_id,
        state: o.state,
        spec,
        created_at: o.created_at,
        published_at: o.published_at,
        counts: OrderCountsOut {
            items: c.items,
            resolved: c.resolved,
            escalated: c.escalated,
            gold_items: c.gold_items,
            labels: c.labels,
            units: c.units,
        },
        wage: None,
    })
}

fn order_not_found(e: mudou_store::StoreError) -> ApiError {
    match e {
        mudou_store::StoreError::Conflict(m) => ApiError::new(ErrorCode::OrderState, m),
        e => ApiError::not_found_as("order")(e),
    }
}

/// The order's state does not allow this (`order_state`, with the state).
fn order_state(order: &Order, why: &str) -> ApiError {
    ApiError::new(
        ErrorCode::OrderState,
        format!("the order is {}: {why}", order.state),
    )
    .with("state", order.state.as_str())
}

/// The client's orders, newest first.
#[utoipa::path(get, path = "/api/v1/orders", tag = "orders",
    responses((status = 200, body = Items<OrderOut>), (status = 403, body = ErrorBody)))]
async fn list_orders(
    State(state): State<AppState>,
    client: ClientCaller,
) -> ApiResult<Json<Items<OrderOut>>> {
    let mut items = Vec::new();
    for o in state.store.list_orders(client.org_id).await? {
        items.push(order_out(&state, o).await?);
    }
    Ok(Json(Items { items }))
}

/// Creates a draft order on one of the client's datasets.
#[utoipa::path(post, path = "/api/v1/orders", tag = "orders", request_body = NewOrderRequest,
    responses((status = 201, body = OrderOut), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn create_order(
    State(state): State<AppState>,
    client: ClientCaller,
    Json(req): Json<NewOrderRequest>,
) -> ApiResult<(StatusCode, Json<OrderOut>)> {
    let order = mudou_app::orders::new_draft(
        &state,
        client.org_id,
        client.caller.user.id,
        DatasetId::new(req.dataset_id),
        &req.spec,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(order_out(&state, order).await?)))
}

#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders", params(("id" = i64, Path)),
    responses((status = 200, body = OrderOut), (status = 404, body = ErrorBody)))]
async fn get_order(
    State(state): State<AppState>,
    client: ClientCaller,
    Path(id): Path<OrderId>,
) -> ApiResult<Json<OrderOut>> {
    let o = state
        .store
        .get_order(client.org_id, id)
        .await
        .map_err(order_not_found)?;
    Ok(Json(order_out(&state, o).await?))
}

/// Changes a draft order (409 once it is published).
#[utoipa::path(put, path = "/api/v1/orders/{id}", tag = "orders", params(("id" = i64, Path)),
    request_body = UpdateOrderRequest,
    responses((status = 200, body = OrderOut), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_order(
    State(state): State<AppState>,
    client: ClientCaller,
    Path(id): Path<OrderId>,
    Json(req): Json<UpdateOrderRequest>,
) -> ApiResult<Json<OrderOut>> {
    let o = mudou_app::orders::update_draft(&state, client.org_id, id, &req.spec).await?;
    Ok(Json(order_out(&state, o).await?))
}

/// Opens a draft order: its items are split into work units (gold mixed in, seeded shuffle).
/// Its expected hourly earning is checked against the floors of the centres it may go to:
/// under one, the answer's `wage` says so (a warning), or, where the centre's policy
/// refuses, nothing is published (422 `wage_below_floor`).
#[utoipa::path(post, path = "/api/v1/orders/{id}/publish", tag = "orders", params(("id" = i64, Path)),
    responses((status = 200, body = OrderOut), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody, description = "`validation`, or `wage_below_floor`")))]
async fn publish_order(
    State(state): State<AppState>,
    client: ClientCaller,
    Path(id): Path<OrderId>,
) -> ApiResult<Json<OrderOut>> {
    let o = mudou_app::orders::publish(&state, client.org_id, id).await?;
    let spec: OrderSpec = serde_json::from_str(&o.spec).map_err(ApiError::internal)?;
    let wage = mudou_app::wage::check(&state, client.org_id, &(&spec).into(), Some(id)).await?;
    let mut out = order_out(&state, o).await?;
    out.wage = Some(wage.into());
    Ok(Json(out))
}

/// Adds the dataset's new items to an open or paused order as new units.
#[utoipa::path(post, path = "/api/v1/orders/{id}/sync", tag = "orders", params(("id" = i64, Path)),
    responses((status = 200, body = SyncOut), (status = 409, body = ErrorBody)))]
async fn sync_order(
    State(state): State<AppState>,
    client: ClientCaller,
    Path(id): Path<OrderId>,
) -> ApiResult<Json<SyncOut>> {
    let added = mudou_app::orders::sync(&state, client.org_id, id).await?;
    Ok(Json(SyncOut {
        added_items: added.items,
        added_units: added.units,
        skipped_items: added.skipped,
    }))
}

async fn transition(
    state: &AppState,
    client: &ClientCaller,
    id: OrderId,
    from: &[&str],
    to: &str,
) -> ApiResult<Json<OrderOut>> {
    let o = state
        .store
        .set_order_state(client.org_id, id, from, to, now_millis())
        .await
        .map_err(order_not_found)?;
    Ok(Json(order_out(state, o).await?))
}

/// Stops handing out the order's work (labels in progress may still arrive).
#[utoipa::path(post, path = "/api/v1/orders/{id}/pause", tag = "orders", params(("id" = i64, Path)),
    responses((status = 200, body = OrderOut), (status = 409, body = ErrorBody)))]
async fn pause_order(
    State(state): State<AppState>,
    client: ClientCaller,
    Path(id): Path<OrderId>,
) -> ApiResult<Json<OrderOut>> {
    transition(&state, &client, id, &["open"], "paused").await
}

#[utoipa::path(post, path = "/api/v1/orders/{id}/resume", tag = "orders", params(("id" = i64, Path)),
    responses((status = 200, body = OrderOut), (status = 409, body = ErrorBody)))]
async fn resume_order(
    State(state): State<AppState>,
    client: ClientCaller,
    Path(id): Path<OrderId>,
) -> ApiResult<Json<OrderOut>> {
    transition(&state, &client, id, &["paused"], "open").await
}

/// Cancels an order for good (labels already given stay, and are still paid).
#[utoipa::path(post, path = "/api/v1/orders/{id}/cancel", tag = "orders", params(("id" = i64, Path)),
    responses((status = 200, body = OrderOut), (status = 409, body = ErrorBody)))]
async fn cancel_order(
    State(state): State<AppState>,
    client: ClientCaller,
    Path(id): Path<OrderId>,
) -> ApiResult<Json<OrderOut>> {
    transition(
        &state,
        &client,
        id,
        &["draft", "open", "paused"],
        "cancelled",
    )
    .await
}

/// Sets the gold answer of one of the dataset's items, before the order is published.
#[utoipa::path(put, path = "/api/v1/orders/{id}/gold/{item_id}", tag = "orders",
    params(("id" = i64, Path), ("item_id" = i64, Path)), request_body = GoldRequest,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_gold(
    State(state): State<AppState>,
    client: ClientCaller,
    Path((id, item_id)): Path<(OrderId, ItemId)>,
    Json(req): Json<GoldRequest>,
) -> ApiResult<StatusCode> {
    mudou_app::orders::set_gold(&state, client.org_id, id, item_id, &req.answer).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct GoldOut {
    pub item_id: i64,
    #[schema(value_type = Object)]
    pub answer: Value,
}

/// The gold answers typed in for this order (the manifest's are shown on the items).
#[utoipa::path(get, path = "/api/v1/orders/{id}/gold", tag = "orders", params(("id" = i64, Path)),
    responses((status = 200, body = Items<GoldOut>), (status = 404, body = ErrorBody)))]
async fn list_gold(
    State(state): State<AppState>,
    client: ClientCaller,
    Path(id): Path<OrderId>,
) -> ApiResult<Json<Items<GoldOut>>> {
    state
        .store
        .get_order(client.org_id, id)
        .await
        .map_err(order_not_found)?;
    let items = state
        .store
        .order_gold(id)
        .await?
        .into_iter()
        .map(|(item_id, a)| GoldOut {
            item_id,
            answer: serde_json::from_str(&a).unwrap_or(Value::Null),
        })
        .collect();
    Ok(Json(Items { items }))
}

/// Removes a typed-in gold answer while the order is a draft.
#[utoipa::path(delete, path = "/api/v1/orders/{id}/gold/{item_id}", tag = "orders",
    params(("id" = i64, Path), ("item_id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete_gold(
    State(state): State<AppState>,
    client: ClientCaller,
    Path((id, item_id)): Path<(OrderId, ItemId)>,
) -> ApiResult<StatusCode> {
    let order = state
        .store
        .get_order(client.org_id, id)
        .await
        .map_err(order_not_found)?;
    if order.state != "draft" {
        return Err(order_state(
            &order,
            "gold answers are changed while the order is a draft",
        ));
    }
    state
        .store
        .delete_order_gold(id, item_id)
        .await
        .map_err(ApiError::not_found_as("gold answer"))?;
    Ok(StatusCode::NO_CONTENT)
}

/// The order's work units.
#[utoipa::path(get, path = "/api/v1/orders/{id}/units", tag = "orders", params(("id" = i64, Path)),
    responses((status = 200, body = Items<UnitOut>), (status = 404, body = ErrorBody)))]
async fn list_units(
    State(state): State<AppState>,
    client: ClientCaller,
    Path(id): Path<OrderId>,
) -> ApiResult<Json<Items<UnitOut>>> {
    state
        .store
        .get_order(client.org_id, id)
        .await
        .map_err(order_not_found)?;
    let items = state
        .store
        .list_units(id)
        .await?
        .into_iter()
        .map(|u| UnitOut {
            id: u.id,
            seq: u.seq,
            kind: u.kind,
            slots: u.slots,
            items: u.items,
        })
        .collect();
    Ok(Json(Items { items }))
}
