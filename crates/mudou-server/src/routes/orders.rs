//! A client's orders: create and edit while draft, publish (split into work units),
//! pause, resume, cancel, gold answers, and progress.

use axum::extract::State;
use axum::http::StatusCode;
use mudou_domain::{Answer, ErrorCode, OrderSpec, TRAINING_SLOTS, plan_training_units, plan_units};
use mudou_store::{CandidateItem, Order, OrderFields, OrderItemPlan, now_millis};
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
    /// Piece pay owed for the answers so far, in fen (before review: an upper bound).
    pub cost_fen: i64,
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
    Path(id): Path<i64>,
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
        .filter(|(a, g)| {
            match (
                serde_json::from_str::<Answer>(a),
                serde_json::from_str::<Answer>(g),
            ) {
                (Ok(a), Ok(g)) => a.matches(&g),
                _ => false,
            }
        })
        .count();
    let gold_labels = f.gold_answers.len() as i64;
    let eta_seconds = (f.labels_last_hour > 0).then(|| f.labels_owed * 3600 / f.labels_last_hour);
    Ok(Json(ProgressOut {
        state: order.state,
        items: c.items,
        resolved: c.resolved,
        escalated: c.escalated,
        labels: f.answers,
        gold_labels,
        gold_accuracy: (gold_labels > 0).then(|| right as f64 / gold_labels as f64),
        cost_fen: f.answers * spec.piece_rate_fen,
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
}

#[derive(Serialize, ToSchema)]
pub struct SyncOut {
    pub added_items: usize,
    pub added_units: usize,
    /// Items left out because they are not of the kind the order labels (image or text).
    pub skipped_items: usize,
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
    let c = state.store.order_counts(o.id).await?;
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
    })
}

fn fields(spec: &OrderSpec) -> ApiResult<OrderFields> {
    Ok(OrderFields {
        name: spec.name.trim().to_owned(),
        task_type: spec.task_type.as_str().to_owned(),
        spec: serde_json::to_string(spec).map_err(ApiError::internal)?,
        priority: spec.priority as i64,
        deadline: spec.deadline,
    })
}

/// Checks the items the spec points at (label examples, instruction examples) belong to the dataset.
async fn check_examples(state: &AppState, dataset_id: i64, spec: &OrderSpec) -> ApiResult<()> {
    let ids = spec
        .labels
        .iter()
        .flat_map(|l| l.examples.iter())
        .chain(spec.instruction_examples.iter());
    for id in ids {
        if state.store.dataset_item(dataset_id, *id).await.is_err() {
            return Err(
                ApiError::validation(format!("example item {id} is not in this dataset"))
                    .with("field", "labels"),
            );
        }
    }
    Ok(())
}

/// "Not found" names the order; a change its state refuses answers `order_state`.
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
    let order = new_draft(
        &state,
        client.org_id,
        client.caller.user.id,
        req.dataset_id,
        &req.spec,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(order_out(&state, order).await?)))
}

/// Checks a spec and stores it as a draft order of `org_id` on one of its datasets.
async fn new_draft(
    state: &AppState,
    org_id: i64,
    user_id: i64,
    dataset_id: i64,
    spec: &OrderSpec,
) -> ApiResult<Order> {
    let now = now_millis();
    spec.validate(now)?;
    state
        .store
        .get_dataset(org_id, dataset_id)
        .await
        .map_err(ApiError::not_found_as("dataset"))?;
    check_examples(state, dataset_id, spec).await?;
    let mut seed = [0u8; 8];
    getrandom::fill(&mut seed).map_err(ApiError::internal)?;
    let seed = i64::from_le_bytes(seed) & i64::MAX;
    Ok(state
        .store
        .create_order(org_id, dataset_id, &fields(spec)?, seed, user_id, now)
        .await?)
}

/// Creates an order and publishes it at once, as a client would in two steps (the demo's
/// seeded orders).
pub async fn create_published(
    state: &AppState,
    org_id: i64,
    user_id: i64,
    dataset_id: i64,
    spec: &OrderSpec,
) -> ApiResult<Order> {
    let order = new_draft(state, org_id, user_id, dataset_id, spec).await?;
    add_units(state, &order, true).await?;
    Ok(state.store.get_order(org_id, order.id).await?)
}

#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders", params(("id" = i64, Path)),
    responses((status = 200, body = OrderOut), (status = 404, body = ErrorBody)))]
async fn get_order(
    State(state): State<AppState>,
    client: ClientCaller,
    Path(id): Path<i64>,
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
    Path(id): Path<i64>,
    Json(req): Json<UpdateOrderRequest>,
) -> ApiResult<Json<OrderOut>> {
    let now = now_millis();
    let current = state
        .store
        .get_order(client.org_id, id)
        .await
        .map_err(order_not_found)?;
    req.spec.validate(now)?;
    check_examples(&state, current.dataset_id, &req.spec).await?;
    // Gold answers typed in earlier must still fit the new label set.
    for (item_id, answer) in state.store.order_gold(id).await? {
        let value: Value = serde_json::from_str(&answer).map_err(ApiError::internal)?;
        if let Err(e) = Answer::parse(&req.spec, &value, None) {
            return Err(ApiError::validation(format!(
                "the gold answer of item {item_id} no longer fits: {}",
                e.message
            ))
            .with("field", "labels"));
        }
    }
    let o = state
        .store
        .update_order(client.org_id, id, &fields(&req.spec)?, now)
        .await
        .map_err(order_not_found)?;
    Ok(Json(order_out(&state, o).await?))
}

/// Decides which candidates join the order and with which gold; refuses gold that
/// does not fit the order.
async fn plan_items(
    state: &AppState,
    order_id: i64,
    spec: &OrderSpec,
    seed: u64,
    gold_already: usize,
    candidates: Vec<CandidateItem>,
) -> ApiResult<(Vec<OrderItemPlan>, usize)> {
    let typed: std::collections::HashMap<i64, String> = state
        .store
        .order_gold(order_id)
        .await?
        .into_iter()
        .collect();
    let want = spec.task_type.item_kind();
    // Which items' known answers serve as gold: all, or a seeded sample of `max_gold_items`.
    let mut with_answer: Vec<i64> = candidates
        .iter()
        .filter(|c| c.gold.is_some() && c.kind == want)
        .map(|c| c.id)
        .collect();
    if let Some(max) = spec.max_gold_items {
        let room = (max as usize).saturating_sub(gold_already);
        with_answer.sort_by_key(|id| (*id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ seed);
        with_answer.truncate(room);
    }
    let use_manifest: std::collections::HashSet<i64> = with_answer.into_iter().collect();
    let mut plans = Vec::with_capacity(candidates.len());
    let mut skipped = 0;
    for c in candidates {
        if c.kind != want {
            skipped += 1;
            continue;
        }
        let dims = c.width.zip(c.height);
        let gold = match typed.get(&c.id) {
            Some(answer) => Some(answer.clone()),
            None if !use_manifest.contains(&c.id) => None,
            None => match c.gold.as_deref().map(serde_json::from_str::<Value>) {
                Some(Ok(g)) => match spec.task_type.kind().manifest_gold(&g) {
                    Some(v) => {
                        let a = Answer::parse(spec, &v, dims).map_err(|e| {
                            ApiError::validation(format!(
                                "item {}: the manifest's gold answer does not fit: {}",
                                c.id, e.message
                            ))
                            .with("field", "gold")
                            .with("item_id", c.id)
                        })?;
                        Some(a.to_json().to_string())
                    }
                    None => None,
                },
                _ => None,
            },
        };
        if spec.training.is_some() && gold.is_none() {
            // Training shows the right answer after each item: only items that have one.
            skipped += 1;
            continue;
        }
        plans.push(OrderItemPlan {
            item_id: c.id,
            gold,
        });
    }
    Ok((plans, skipped))
}

async fn add_units(state: &AppState, order: &Order, publish: bool) -> ApiResult<SyncOut> {
    let spec: OrderSpec = serde_json::from_str(&order.spec).map_err(ApiError::internal)?;
    let candidates = state
        .store
        .items_outside_order(order.id, order.dataset_id)
        .await?;
    let mut gold: Vec<i64> = state.store.order_gold_items(order.id).await?;
    let (plans, skipped) = plan_items(
        state,
        order.id,
        &spec,
        order.seed as u64,
        gold.len(),
        candidates,
    )
    .await?;
    let work: Vec<i64> = plans
        .iter()
        .filter(|p| p.gold.is_none())
        .map(|p| p.item_id)
        .collect();
    gold.extend(plans.iter().filter(|p| p.gold.is_some()).map(|p| p.item_id));
    let seed = (order.seed as u64).wrapping_add(state.store.unit_count(order.id).await? as u64);
    let (units, slots) = if spec.training.is_some() {
        if publish && gold.is_empty() {
            return Err(ApiError::validation(format!(
                "a training order needs {} items with a known answer (a manifest's gold, or typed in)",
                spec.task_type.item_kind()
            ))
            .with("field", "training"));
        }
        // Every trainee may take any unit: the slots never run out.
        let new_gold: Vec<i64> = plans.iter().map(|p| p.item_id).collect();
        (
            plan_training_units(&new_gold, spec.unit_size, seed),
            TRAINING_SLOTS,
        )
    } else {
        if publish && work.is_empty() {
            return Err(ApiError::validation(format!(
                "the dataset has no {} items without a gold answer to label",
                spec.task_type.item_kind()
            )));
        }
        (
            plan_units(&work, &gold, spec.unit_size, spec.gold_share, seed),
            spec.overlap.initial() as i64,
        )
    };
    let n = state
        .store
        .add_order_units(order.id, &plans, &units, slots, publish, now_millis())
        .await?;
    Ok(SyncOut {
        added_items: plans.len(),
        added_units: n,
        skipped_items: skipped,
    })
}

/// Opens a draft order: its items are split into work units (gold mixed in, seeded shuffle).
#[utoipa::path(post, path = "/api/v1/orders/{id}/publish", tag = "orders", params(("id" = i64, Path)),
    responses((status = 200, body = OrderOut), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn publish_order(
    State(state): State<AppState>,
    client: ClientCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<OrderOut>> {
    let order = state
        .store
        .get_order(client.org_id, id)
        .await
        .map_err(order_not_found)?;
    if order.state != "draft" {
        return Err(order_state(&order, "not a draft"));
    }
    let spec: OrderSpec = serde_json::from_str(&order.spec).map_err(ApiError::internal)?;
    spec.validate(now_millis())?;
    add_units(&state, &order, true).await?;
    let o = state.store.get_order(client.org_id, id).await?;
    Ok(Json(order_out(&state, o).await?))
}

/// Adds the dataset's new items to an open or paused order as new units.
#[utoipa::path(post, path = "/api/v1/orders/{id}/sync", tag = "orders", params(("id" = i64, Path)),
    responses((status = 200, body = SyncOut), (status = 409, body = ErrorBody)))]
async fn sync_order(
    State(state): State<AppState>,
    client: ClientCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<SyncOut>> {
    let order = state
        .store
        .get_order(client.org_id, id)
        .await
        .map_err(order_not_found)?;
    if !matches!(order.state.as_str(), "open" | "paused") {
        return Err(order_state(&order, "publish it first"));
    }
    Ok(Json(add_units(&state, &order, false).await?))
}

async fn transition(
    state: &AppState,
    client: &ClientCaller,
    id: i64,
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
    Path(id): Path<i64>,
) -> ApiResult<Json<OrderOut>> {
    transition(&state, &client, id, &["open"], "paused").await
}

#[utoipa::path(post, path = "/api/v1/orders/{id}/resume", tag = "orders", params(("id" = i64, Path)),
    responses((status = 200, body = OrderOut), (status = 409, body = ErrorBody)))]
async fn resume_order(
    State(state): State<AppState>,
    client: ClientCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<OrderOut>> {
    transition(&state, &client, id, &["paused"], "open").await
}

/// Cancels an order for good (labels already given stay, and are still paid).
#[utoipa::path(post, path = "/api/v1/orders/{id}/cancel", tag = "orders", params(("id" = i64, Path)),
    responses((status = 200, body = OrderOut), (status = 409, body = ErrorBody)))]
async fn cancel_order(
    State(state): State<AppState>,
    client: ClientCaller,
    Path(id): Path<i64>,
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
    Path((id, item_id)): Path<(i64, i64)>,
    Json(req): Json<GoldRequest>,
) -> ApiResult<StatusCode> {
    let order = state
        .store
        .get_order(client.org_id, id)
        .await
        .map_err(order_not_found)?;
    if order.state != "draft" {
        return Err(order_state(
            &order,
            "gold answers are set while the order is a draft",
        ));
    }
    let spec: OrderSpec = serde_json::from_str(&order.spec).map_err(ApiError::internal)?;
    let item = state
        .store
        .dataset_item(order.dataset_id, item_id)
        .await
        .map_err(ApiError::not_found_as("item"))?;
    let answer = Answer::parse(&spec, &req.answer, item.width.zip(item.height))?;
    state
        .store
        .put_order_gold(id, item_id, &answer.to_json().to_string(), now_millis())
        .await?;
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
    Path(id): Path<i64>,
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
    Path((id, item_id)): Path<(i64, i64)>,
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
    Path(id): Path<i64>,
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
