//! The expert ladder of medical orders (`mudou_domain::medical`, store `ladder.rs`): the
//! expert tier's queue, items and decisions (`/work/expert…`), and the order's doctor's
//! (`/orders/{id}/medical/queue…`).
//!
//! Scope: an expert is an annotator of skill level `expert` holding the `medical`
//! qualification (anyone else: 403 `not_expert`); they see items of medical orders whose
//! centres include theirs, and never an item they labelled themselves (404). The doctor is
//! the client user the order names: another organisation's client gets 404, the
//! organisation's other users 403 `not_doctor`. Annotators are shown as `A`, `B`, … only.

use axum::extract::State;
use mudou_domain::dispatch::Standing;
use mudou_domain::medical::{self, ExpertDecision};
use mudou_domain::{ErrorCode, ItemId, OrderId, OrderSpec};
use mudou_store::{
    LadderDecision, LadderOutcome, LadderRow, LadderTier, LadderWaiting, now_millis,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::types::{ErrorBody, FieldOut, Items, media_url};
use crate::auth::{AnnotatorCaller, ClientCaller};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(expert_queue))
        .routes(routes!(expert_item, expert_decide))
        .routes(routes!(doctor_queue))
        .routes(routes!(doctor_item, doctor_decide))
        .routes(routes!(org_users))
}

/// The most items an expert's queue lists at once.
const EXPERT_QUEUE: i64 = 200;
/// The longest note kept with a decision, in characters.
const MAX_NOTE: usize = 2000;

fn json(s: Option<&str>) -> Option<Value> {
    s.and_then(|s| serde_json::from_str(s).ok())
}

#[derive(Serialize, ToSchema)]
pub struct WaitingOut {
    pub order_id: i64,
    pub item_id: i64,
    pub order_name: String,
    /// Answers the item has.
    pub labels: i64,
    /// When it began waiting for this step, Unix ms.
    pub waiting_since: i64,
}

impl From<LadderWaiting> for WaitingOut {
    fn from(w: LadderWaiting) -> Self {
        WaitingOut {
            order_id: w.order_id,
            item_id: w.item_id,
            order_name: w.order_name,
            labels: w.labels,
            waiting_since: w.waiting_since,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct LadderOrderOut {
    pub id: i64,
    pub name: String,
    pub instructions: String,
    /// The fields shown and the questions asked.
    pub template: mudou_domain::Template,
}

/// The item as a unit shows it.
#[derive(Serialize, ToSchema)]
pub struct LadderItemOut {
    pub item_id: i64,
    /// `image` or `text` (the first field's).
    pub kind: String,
    pub thumb_url: Option<String>,
    pub screen_url: Option<String>,
    pub text: Option<String>,
    pub width: Option<i64>,
    pub height: Option<i64>,
    /// Every field of the item, in order.
    pub fields: Vec<FieldOut>,
}

/// One annotator's answer, anonymised.
#[derive(Serialize, ToSchema)]
pub struct AnonAnswerOut {
    pub label_id: i64,
    /// `A`, `B`, … in the order they answered.
    pub who: String,
    #[schema(value_type = Object)]
    pub answer: Value,
}

/// A step's decision as the next step sees it.
#[derive(Serialize, ToSchema)]
pub struct StepOut {
    /// `settle` or `refer` (the expert's); `final` (the doctor's).
    pub decision: String,
    #[schema(value_type = Option<Object>)]
    pub answer: Option<Value>,
    pub note: Option<String>,
    pub decided_at: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct LadderDetailOut {
    pub order: LadderOrderOut,
    pub item: LadderItemOut,
    /// `expert`, `doctor` or `done`.
    pub stage: String,
    /// Every annotator's answer.
    pub answers: Vec<AnonAnswerOut>,
    /// The expert's decision, when there is one.
    pub expert: Option<StepOut>,
    /// The doctor's decision, when there is one.
    pub doctor: Option<StepOut>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpertDecisionRequest {
    /// Made by the browser; sending the same UUID again never decides (or pays) twice.
    pub client_uuid: String,
    pub decision: ExpertDecision,
    /// Settle only: the final answer in the order's shape.
    #[schema(value_type = Option<Object>)]
    pub answer: Option<Value>,
    /// Why, in the expert's words (the doctor sees it).
    pub note: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DoctorDecisionRequest {
    /// Made by the browser; sending the same UUID again never decides twice.
    pub client_uuid: String,
    /// The final answer in the order's shape.
    #[schema(value_type = Object)]
    pub answer: Value,
    pub note: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LadderDecisionOut {
    /// `stored`, or `replay` (this UUID was stored before: nothing changed, nothing paid).
    pub status: &'static str,
    pub order_id: i64,
    pub item_id: i64,
    /// Where the item stands now: `doctor` (referred) or `done`.
    pub stage: String,
    /// The item's final answer, once settled.
    #[schema(value_type = Option<Object>)]
    pub answer: Option<Value>,
    /// What this decision paid the expert, or cost the order (the doctor), in fen.
    pub fen: i64,
}

fn checked_uuid(s: &str) -> ApiResult<String> {
    uuid::Uuid::parse_str(s)
        .map(|u| u.hyphenated().to_string())
        .map_err(|_| {
            ApiError::validation("client_uuid: a UUID such as 0f8fad5b-d9cb-469f-a165-70867728950e")
                .with("field", "client_uuid")
        })
}

fn checked_note(note: Option<&str>) -> ApiResult<Option<String>> {
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > MAX_NOTE) {
        return Err(
            ApiError::validation(format!("note: at most {MAX_NOTE} characters"))
                .with("field", "note"),
        );
    }
    Ok(note.map(str::to_owned))
}

/// The caller's standing, when they are of the expert tier.
async fn expert_standing(state: &AppState, me: &AnnotatorCaller) -> ApiResult<Standing> {
    let standing = state.store.standing(me.caller.user.id).await?;
    if medical::is_expert(&standing) {
        Ok(standing)
    } else {
        Err(ApiError::new(
            ErrorCode::NotExpert,
            "only experts with the medical qualification decide medical items",
        ))
    }
}

/// Whether an annotator may see a stored file as an expert: it is a file of an item that
/// waits for an expert (or that they decided) on an order they may decide as one (the
/// media route's rule for the expert tier).
pub async fn expert_sees_blob(
    state: &AppState,
    user: mudou_domain::UserId,
    centre_id: mudou_domain::CentreId,
    sha256: &str,
) -> ApiResult<bool> {
    let orders = state.store.ladder_orders_of_blob(user, sha256).await?;
    if orders.is_empty() {
        return Ok(false);
    }
    let standing = state.store.standing(user).await?;
    if !medical::is_expert(&standing) {
        return Ok(false);
    }
    for o in orders {
        let spec = spec_of(state, OrderId::new(o)).await?;
        if medical::may_expert(&spec, centre_id.get(), &standing) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// An order's spec, or 404 when there is no such order.
async fn spec_of(state: &AppState, order_id: OrderId) -> ApiResult<Arc<OrderSpec>> {
    match state.specs.get(&state.store, order_id.get()).await {
        Ok(e) => Ok(e.spec),
        Err(e) if e.code == ErrorCode::NotFound => Err(ApiError::not_found("item")),
        Err(e) => Err(e.into()),
    }
}

/// The item and its ladder row, when the expert may see it: the order's rules let them
/// decide it, they did not label it, and (to be shown, not `deciding`) it waits for an
/// expert or they decided it. Deciding an item another expert decided is a 409, not a 404.
async fn expert_scope(
    state: &AppState,
    me: &AnnotatorCaller,
    order_id: OrderId,
    item_id: ItemId,
    deciding: bool,
) -> ApiResult<(Arc<OrderSpec>, LadderRow)> {
    let standing = expert_standing(state, me).await?;
    let not_found = || ApiError::not_found("item");
    let spec = spec_of(state, order_id).await?;
    if !medical::may_expert(&spec, me.centre_id.get(), &standing) {
        return Err(not_found());
    }
    let row = state
        .store
        .ladder_row(order_id, item_id)
        .await?
        .ok_or_else(not_found)?;
    let mine = row.expert_id == Some(me.caller.user.id.get());
    if row.stage != "expert" && !mine && !deciding {
        return Err(not_found());
    }
    if !mine
        && state
            .store
            .annotator_labelled(me.caller.user.id, order_id, item_id)
            .await?
    {
        return Err(not_found());
    }
    Ok((spec, row))
}

/// The order of the caller's organisation with its spec, when the caller is its doctor.
async fn doctor_scope(
    state: &AppState,
    me: &ClientCaller,
    order_id: OrderId,
) -> ApiResult<(mudou_store::Order, OrderSpec)> {
    let order = state
        .store
        .get_order(me.org_id, order_id)
        .await
        .map_err(ApiError::not_found_as("order"))?;
    let spec: OrderSpec = serde_json::from_str(&order.spec).map_err(ApiError::internal)?;
    if spec.medical.is_none() {
        return Err(ApiError::not_found("order"));
    }
    if !medical::may_doctor(&spec, me.caller.user.id.get()) {
        return Err(ApiError::new(
            ErrorCode::NotDoctor,
            "only the doctor the order names decides its referred items",
        ));
    }
    Ok((order, spec))
}

async fn detail(
    state: &AppState,
    spec: &OrderSpec,
    order_name: String,
    row: &LadderRow,
    order_id: OrderId,
    item_id: ItemId,
) -> ApiResult<LadderDetailOut> {
    let (it, answers) = state
        .store
        .ladder_item(order_id, item_id)
        .await?
        .ok_or_else(|| ApiError::not_found("item"))?;
    let mut who: Vec<i64> = Vec::new();
    let answers = answers
        .into_iter()
        .filter_map(|(label_id, annotator_id, a)| {
            let i = who
                .iter()
                .position(|w| *w == annotator_id)
                .unwrap_or_else(|| {
                    who.push(annotator_id);
                    who.len() - 1
                });
            Some(AnonAnswerOut {
                label_id,
                who: medical::anonymous_name(i),
                answer: json(Some(&a))?,
            })
        })
        .collect();
    let media = |v: &str| it.sha256.as_deref().map(|s| media_url(s, v));
    let item = LadderItemOut {
        fields: super::types::fields_out(it.fields()),
        thumb_url: media("thumb"),
        screen_url: media("screen"),
        item_id: it.item_id,
        kind: it.kind.clone(),
        text: it.body.clone(),
        width: it.width,
        height: it.height,
    };
    let expert = row.expert_decision.as_ref().map(|_| StepOut {
        decision: row.expert_decision.clone().unwrap_or_default(),
        answer: json(row.expert_answer.as_deref()),
        note: row.expert_note.clone(),
        decided_at: row.expert_at,
    });
    let doctor = row.doctor_id.map(|_| StepOut {
        decision: "final".into(),
        answer: json(row.doctor_answer.as_deref()),
        note: row.doctor_note.clone(),
        decided_at: row.doctor_at,
    });
    Ok(LadderDetailOut {
        order: LadderOrderOut {
            id: order_id.get(),
            name: order_name,
            instructions: spec.instructions.clone(),
            template: spec.template().into_owned(),
        },
        item,
        stage: row.stage.clone(),
        answers,
        expert,
        doctor,
    })
}

fn decision_out(outcome: LadderOutcome, tier: LadderTier) -> ApiResult<LadderDecisionOut> {
    let (status, row) = match outcome {
        LadderOutcome::Decided(r) => ("stored", r),
        LadderOutcome::Replay(r) => ("replay", r),
        LadderOutcome::NotWaiting(why) => {
            return Err(ApiError::new(ErrorCode::AlreadyDecided, why));
        }
        LadderOutcome::UuidReused => {
            return Err(ApiError::new(
                ErrorCode::UuidReused,
                "this client_uuid was used for another decision",
            )
            .with("field", "client_uuid"));
        }
    };
    let (answer, fen) = match tier {
        LadderTier::Expert { .. } => (row.expert_answer.as_deref(), row.expert_fen),
        LadderTier::Doctor => (row.doctor_answer.as_deref(), row.doctor_fen),
    };
    Ok(LadderDecisionOut {
        status,
        order_id: row.order_id,
        item_id: row.item_id,
        stage: row.stage.clone(),
        answer: json(answer),
        fen,
    })
}

/// Who decides which item at which step of the ladder.
struct Step<'a> {
    order_id: OrderId,
    item_id: ItemId,
    user_id: mudou_domain::UserId,
    tier: LadderTier,
    client_uuid: &'a str,
}

/// Stores a step's decision at the order's rate for that step (the expert's pay or the
/// doctor's fee), judging the labels against a final answer, and answers it.
async fn decide(
    state: &AppState,
    spec: &OrderSpec,
    step: Step<'_>,
    answer: Option<&str>,
    note: Option<&str>,
) -> ApiResult<Json<LadderDecisionOut>> {
    let fen = spec.medical.as_ref().map_or(0, |m| match step.tier {
        LadderTier::Expert { .. } => m.expert_rate_fen,
        LadderTier::Doctor => m.doctor_rate_fen,
    });
    let outcome = state
        .store
        .ladder_decide(
            &LadderDecision {
                order_id: step.order_id,
                item_id: step.item_id,
                user_id: step.user_id,
                tier: step.tier,
                client_uuid: step.client_uuid,
                answer,
                note,
                fen,
                now: now_millis(),
            },
            |a, f| spec.agrees_str(a, f),
        )
        .await
        .map_err(ApiError::not_found_as("item"))?;
    Ok(Json(decision_out(outcome, step.tier)?))
}

// ---- the expert tier ------------------------------------------------------------------

/// Items of medical orders waiting for an expert, oldest first: those of orders the
/// caller's centre may work on, leaving out items the caller labelled.
#[utoipa::path(get, path = "/api/v1/work/expert", tag = "work",
    responses((status = 200, body = Items<WaitingOut>), (status = 403, body = ErrorBody)))]
async fn expert_queue(
    State(state): State<AppState>,
    me: AnnotatorCaller,
) -> ApiResult<Json<Items<WaitingOut>>> {
    let standing = expert_standing(&state, &me).await?;
    // The orders whose rules let this expert decide (their centre eligible), then their
    // items in one query: a page is never cut short by items of orders they may not take.
    let mut orders = Vec::new();
    for o in state.store.expert_orders().await? {
        let spec = spec_of(&state, OrderId::new(o)).await?;
        if medical::may_expert(&spec, me.centre_id.get(), &standing) {
            orders.push(o);
        }
    }
    let items = state
        .store
        .expert_queue(me.caller.user.id, &orders, EXPERT_QUEUE)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(Json(Items { items }))
}

/// An item waiting for an expert (or one the caller decided): the order's template, the
/// item's fields, and every annotator's answer as `A`, `B`, ….
#[utoipa::path(get, path = "/api/v1/work/expert/{order_id}/{item_id}", tag = "work",
    params(("order_id" = i64, Path), ("item_id" = i64, Path)),
    responses((status = 200, body = LadderDetailOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn expert_item(
    State(state): State<AppState>,
    me: AnnotatorCaller,
    Path((order_id, item_id)): Path<(OrderId, ItemId)>,
) -> ApiResult<Json<LadderDetailOut>> {
    let (spec, row) = expert_scope(&state, &me, order_id, item_id, false).await?;
    let name = spec.name.clone();
    Ok(Json(
        detail(&state, &spec, name, &row, order_id, item_id).await?,
    ))
}

/// An expert's decision: `settle` makes the answer final (the item resolved, every label
/// judged against it as a lead's review does: verdicts and pay follow), `refer` sends the
/// item to the order's doctor. The expert earns the order's `expert_rate_fen` once per
/// decision; the same `client_uuid` again answers `replay` and pays nothing more; another
/// expert deciding the same item gets 409 `already_decided`.
#[utoipa::path(post, path = "/api/v1/work/expert/{order_id}/{item_id}", tag = "work",
    params(("order_id" = i64, Path), ("item_id" = i64, Path)), request_body = ExpertDecisionRequest,
    responses((status = 200, body = LadderDecisionOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn expert_decide(
    State(state): State<AppState>,
    me: AnnotatorCaller,
    Path((order_id, item_id)): Path<(OrderId, ItemId)>,
    Json(req): Json<ExpertDecisionRequest>,
) -> ApiResult<Json<LadderDecisionOut>> {
    let uuid = checked_uuid(&req.client_uuid)?;
    let note = checked_note(req.note.as_deref())?;
    let (spec, _) = expert_scope(&state, &me, order_id, item_id, true).await?;
    let answer = match (req.decision, &req.answer) {
        (ExpertDecision::Settle, Some(v)) => Some(
            super::work::parse_answer(&state, &spec, item_id, v)
                .await?
                .to_json()
                .to_string(),
        ),
        (ExpertDecision::Settle, None) => {
            return Err(
                ApiError::validation("answer: settling gives the final answer")
                    .with("field", "answer"),
            );
        }
        (ExpertDecision::Refer, Some(_)) => {
            return Err(ApiError::validation(
                "answer: a referral carries no answer (the doctor gives it); say why in the note",
            )
            .with("field", "answer"));
        }
        (ExpertDecision::Refer, None) => None,
    };
    let tier = LadderTier::Expert {
        centre_id: me.centre_id,
    };
    let step = Step {
        order_id,
        item_id,
        user_id: me.caller.user.id,
        tier,
        client_uuid: &uuid,
    };
    decide(&state, &spec, step, answer.as_deref(), note.as_deref()).await
}

// ---- the doctor -----------------------------------------------------------------------

/// A client user of the caller's organisation.
#[derive(Serialize, ToSchema)]
pub struct OrgUserOut {
    pub id: i64,
    pub display_name: String,
    pub username: Option<String>,
}

/// The client users of the caller's organisation (enabled ones): whom a medical order may
/// name as its doctor (`medical.doctor_user_id`).
#[utoipa::path(get, path = "/api/v1/org/users", tag = "orders",
    responses((status = 200, body = Items<OrgUserOut>), (status = 403, body = ErrorBody)))]
async fn org_users(
    State(state): State<AppState>,
    me: ClientCaller,
) -> ApiResult<Json<Items<OrgUserOut>>> {
    let filter = mudou_store::UserFilter {
        org_id: Some(me.org_id.get()),
        role: Some(mudou_domain::Role::Client),
        ..Default::default()
    };
    let items = state
        .store
        .list_users(&filter)
        .await?
        .into_iter()
        .filter(|u| !u.disabled && u.org_id == Some(me.org_id))
        .map(|u| OrgUserOut {
            id: u.id.get(),
            display_name: u.display_name,
            username: u.username,
        })
        .collect();
    Ok(Json(Items { items }))
}

/// The order's items an expert referred to its doctor, oldest referral first.
#[utoipa::path(get, path = "/api/v1/orders/{id}/medical/queue", tag = "orders", params(("id" = i64, Path)),
    responses((status = 200, body = Items<WaitingOut>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn doctor_queue(
    State(state): State<AppState>,
    me: ClientCaller,
    Path(order_id): Path<OrderId>,
) -> ApiResult<Json<Items<WaitingOut>>> {
    doctor_scope(&state, &me, order_id).await?;
    let items = state
        .store
        .doctor_queue(order_id)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(Json(Items { items }))
}

/// A referred item (or one the doctor decided): the template, the item, every annotator's
/// answer as `A`, `B`, … and the expert's decision with their note.
#[utoipa::path(get, path = "/api/v1/orders/{id}/medical/queue/{item_id}", tag = "orders",
    params(("id" = i64, Path), ("item_id" = i64, Path)),
    responses((status = 200, body = LadderDetailOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn doctor_item(
    State(state): State<AppState>,
    me: ClientCaller,
    Path((order_id, item_id)): Path<(OrderId, ItemId)>,
) -> ApiResult<Json<LadderDetailOut>> {
    let (order, spec) = doctor_scope(&state, &me, order_id).await?;
    let row = state
        .store
        .ladder_row(order_id, item_id)
        .await?
        .filter(|r| r.stage == "doctor" || r.doctor_id.is_some())
        .ok_or_else(|| ApiError::not_found("item"))?;
    Ok(Json(
        detail(&state, &spec, order.name, &row, order_id, item_id).await?,
    ))
}

/// The doctor's answer to a referred item: final (the item resolved, every label judged
/// against it). Each decision costs the order its `doctor_rate_fen`; the same
/// `client_uuid` again answers `replay`.
#[utoipa::path(post, path = "/api/v1/orders/{id}/medical/queue/{item_id}", tag = "orders",
    params(("id" = i64, Path), ("item_id" = i64, Path)), request_body = DoctorDecisionRequest,
    responses((status = 200, body = LadderDecisionOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn doctor_decide(
    State(state): State<AppState>,
    me: ClientCaller,
    Path((order_id, item_id)): Path<(OrderId, ItemId)>,
    Json(req): Json<DoctorDecisionRequest>,
) -> ApiResult<Json<LadderDecisionOut>> {
    let uuid = checked_uuid(&req.client_uuid)?;
    let note = checked_note(req.note.as_deref())?;
    let (_, spec) = doctor_scope(&state, &me, order_id).await?;
    if state.store.ladder_row(order_id, item_id).await?.is_none() {
        return Err(ApiError::not_found("item"));
    }
    let answer = super::work::parse_answer(&state, &spec, item_id, &req.answer)
        .await?
        .to_json()
        .to_string();
    let step = Step {
        order_id,
        item_id,
        user_id: me.caller.user.id,
        tier: LadderTier::Doctor,
        client_uuid: &uuid,
    };
    decide(&state, &spec, step, Some(&answer), note.as_deref()).await
}
