//! Mistakes returned to learn from: an annotator's labels a lead's review found wrong, with
//! the right answer and the lead's note (`/me/mistakes`), and short practice units a lead
//! makes of them (`/lead/annotators/{id}/practice`), answered like training: right or wrong
//! at once with the right answer, never paid, never part of a consensus.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use mudou_domain::{ErrorCode, ItemId, LabelDef, OrderSpec, TaskType, UserId};
use mudou_store::{Mistake, PracticeItem, PracticeUnit, StoreError, now_millis};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::types::{ErrorBody, media_url};
use super::work::{ExampleItem, order_examples};
use crate::auth::{AnnotatorCaller, LeadCaller};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::state::AppState;

/// Mistakes the list shows at most.
pub const MISTAKES_SHOWN: i64 = 50;
/// Items a practice unit holds at most, and by default.
const PRACTICE_MAX: i64 = 20;
const PRACTICE_DEFAULT: i64 = 10;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(my_mistakes))
        .routes(routes!(mistake_seen))
        .routes(routes!(my_practice))
        .routes(routes!(answer_practice))
        .routes(routes!(make_practice, list_practice))
}

/// The item a mistake (or a practice question) is about.
#[derive(Serialize, ToSchema)]
pub struct MistakeItem {
    pub item_id: i64,
    /// `image` or `text`.
    pub kind: String,
    pub thumb_url: Option<String>,
    pub screen_url: Option<String>,
    /// A text item's text.
    pub text: Option<String>,
    /// A picture's size in pixels (boxes are in the picture's own pixels).
    pub width: Option<i64>,
    pub height: Option<i64>,
}

fn mistake_item(
    item_id: i64,
    kind: &str,
    sha: Option<&str>,
    text: Option<&str>,
    size: (Option<i64>, Option<i64>),
) -> MistakeItem {
    MistakeItem {
        item_id,
        kind: kind.to_owned(),
        thumb_url: sha.map(|s| media_url(s, "thumb")),
        screen_url: sha.map(|s| media_url(s, "screen")),
        text: text.map(str::to_owned),
        width: size.0,
        height: size.1,
    }
}

/// What the annotator needs of an order to show answers: its labels (with their example
/// pictures) and questions.
#[derive(Serialize, ToSchema)]
pub struct MistakeOrder {
    pub id: i64,
    pub name: String,
    pub task_type: TaskType,
    pub labels: Vec<LabelDef>,
    pub template: mudou_domain::Template,
    /// The order's instructions (the question a practice screen asks).
    pub instructions: String,
    /// The pictures (or texts) that `labels[].examples` point at.
    pub examples: Vec<ExampleItem>,
}

async fn orders_of(
    state: &AppState,
    ids: Vec<i64>,
) -> ApiResult<(Vec<MistakeOrder>, BTreeMap<i64, std::sync::Arc<OrderSpec>>)> {
    let mut specs = BTreeMap::new();
    let mut out = Vec::new();
    for id in ids {
        if specs.contains_key(&id) {
            continue;
        }
        let e = state.specs.get(&state.store, id).await?;
        out.push(MistakeOrder {
            id,
            name: e.name.to_string(),
            task_type: e.spec.task_type,
            labels: e.spec.labels.clone(),
            template: e.spec.template().into_owned(),
            instructions: e.spec.instructions.clone(),
            examples: order_examples(state, id, &e.spec).await?,
        });
        specs.insert(id, e.spec);
    }
    Ok((out, specs))
}

fn json(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or(Value::Null)
}

/// One of the annotator's labels that a lead's review found wrong.
#[derive(Serialize, ToSchema)]
pub struct MistakeOut {
    /// The label's id.
    pub id: i64,
    pub order_id: i64,
    pub order_name: String,
    pub item: MistakeItem,
    /// The annotator's answer, in the order's shape.
    #[schema(value_type = Object)]
    pub given: Value,
    /// The right answer as the review decided it.
    #[schema(value_type = Object)]
    pub answer: Value,
    /// The lead's note with the decision (a lead of the annotator's centre).
    pub note: Option<String>,
    pub decided_by_name: Option<String>,
    pub decided_at: i64,
    /// When the annotator saw it in the list (`null`: new).
    pub seen_at: Option<i64>,
}

impl From<Mistake> for MistakeOut {
    fn from(m: Mistake) -> Self {
        MistakeOut {
            item: mistake_item(
                m.item_id,
                &m.item_kind,
                m.item_sha256.as_deref(),
                m.item_text.as_deref(),
                (m.width, m.height),
            ),
            id: m.label_id,
            order_id: m.order_id,
            order_name: m.order_name,
            given: json(&m.given),
            answer: json(&m.answer),
            note: m.note,
            decided_by_name: m.decided_by_name,
            decided_at: m.decided_at,
            seen_at: m.seen_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MyMistakes {
    /// Newest decision first.
    pub mistakes: Vec<MistakeOut>,
    /// Mistakes not seen yet (the badge).
    pub new_count: i64,
    /// The orders the mistakes are of.
    pub orders: Vec<MistakeOrder>,
}

/// The caller's labels a lead's review found wrong ("learn from these"), newest first, with
/// the right answer and the lead's note.
#[utoipa::path(get, path = "/api/v1/me/mistakes", tag = "me",
    responses((status = 200, body = MyMistakes), (status = 403, body = ErrorBody)))]
async fn my_mistakes(
    State(state): State<AppState>,
    me: AnnotatorCaller,
) -> ApiResult<Json<MyMistakes>> {
    let rows = state
        .store
        .my_mistakes(me.caller.user.id, me.centre_id, MISTAKES_SHOWN)
        .await?;
    let (orders, _) = orders_of(&state, rows.iter().map(|m| m.order_id).collect()).await?;
    let mistakes: Vec<MistakeOut> = rows.into_iter().map(Into::into).collect();
    Ok(Json(MyMistakes {
        new_count: mistakes.iter().filter(|m| m.seen_at.is_none()).count() as i64,
        mistakes,
        orders,
    }))
}

/// Marks one of the caller's mistakes seen (the badge counts the others).
#[utoipa::path(post, path = "/api/v1/me/mistakes/{id}/seen", tag = "me", params(("id" = i64, Path)),
    responses((status = 200, body = MistakeOut), (status = 404, body = ErrorBody)))]
async fn mistake_seen(
    State(state): State<AppState>,
    me: AnnotatorCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<MistakeOut>> {
    let m = state
        .store
        .mark_mistake_seen(me.caller.user.id, me.centre_id, id, now_millis())
        .await
        .map_err(ApiError::not_found_as("mistake"))?;
    Ok(Json(m.into()))
}

/// A question of a practice unit.
#[derive(Serialize, ToSchema)]
pub struct PracticeItemOut {
    pub pos: i64,
    pub order_id: i64,
    pub item: MistakeItem,
    /// The practice answer; with `correct` and the right `answer` once answered.
    #[schema(value_type = Option<Object>)]
    pub given: Option<Value>,
    pub correct: Option<bool>,
    /// The right answer, told once the question is answered.
    #[schema(value_type = Option<Object>)]
    pub answer: Option<Value>,
}

impl From<PracticeItem> for PracticeItemOut {
    fn from(p: PracticeItem) -> Self {
        let answered = p.given.is_some();
        PracticeItemOut {
            item: mistake_item(
                p.item_id,
                &p.item_kind,
                p.item_sha256.as_deref(),
                p.item_text.as_deref(),
                (p.width, p.height),
            ),
            pos: p.pos,
            order_id: p.order_id,
            given: p.given.as_deref().map(json),
            correct: p.correct,
            answer: answered.then(|| json(&p.answer)),
        }
    }
}

/// A practice unit made of the annotator's mistakes.
#[derive(Serialize, ToSchema)]
pub struct PracticeOut {
    pub id: i64,
    /// The lead who sent it.
    pub by_name: String,
    pub created_at: i64,
    /// Every question answered.
    pub finished_at: Option<i64>,
    pub total: i64,
    pub answered: i64,
    pub right: i64,
    pub items: Vec<PracticeItemOut>,
    pub orders: Vec<MistakeOrder>,
}

async fn practice_out(
    state: &AppState,
    u: PracticeUnit,
    items: Vec<PracticeItem>,
    with_orders: bool,
) -> ApiResult<PracticeOut> {
    let orders = if with_orders {
        orders_of(state, items.iter().map(|i| i.order_id).collect())
            .await?
            .0
    } else {
        Vec::new()
    };
    Ok(PracticeOut {
        id: u.id,
        by_name: u.created_by_name,
        created_at: u.created_at,
        finished_at: u.finished_at,
        total: items.len() as i64,
        answered: items.iter().filter(|i| i.given.is_some()).count() as i64,
        right: items.iter().filter(|i| i.correct == Some(true)).count() as i64,
        items: items.into_iter().map(Into::into).collect(),
        orders,
    })
}

#[derive(Serialize, ToSchema)]
pub struct MyPractice {
    /// The open practice unit (`null`: none).
    pub unit: Option<PracticeOut>,
}

/// The caller's open practice unit, made by their lead of their mistakes.
#[utoipa::path(get, path = "/api/v1/me/practice", tag = "me",
    responses((status = 200, body = MyPractice), (status = 403, body = ErrorBody)))]
async fn my_practice(
    State(state): State<AppState>,
    me: AnnotatorCaller,
) -> ApiResult<Json<MyPractice>> {
    let Some(u) = state.store.open_practice(me.caller.user.id).await? else {
        return Ok(Json(MyPractice { unit: None }));
    };
    let items = state.store.practice_items(u.id).await?;
    Ok(Json(MyPractice {
        unit: Some(practice_out(&state, u, items, true).await?),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PracticeAnswer {
    pub item_id: i64,
    /// The answer in the order's shape.
    #[schema(value_type = Object)]
    pub answer: Value,
}

#[derive(Serialize, ToSchema)]
pub struct PracticeAnswerOut {
    pub correct: bool,
    /// The right answer.
    #[schema(value_type = Object)]
    pub answer: Value,
    /// The unit as it is now (finished with its last answer).
    pub unit: PracticeOut,
}

/// Answers a practice question: told right or wrong at once, with the right answer. Not a
/// label: nothing is paid and no consensus changes. Each question is answered once.
#[utoipa::path(post, path = "/api/v1/me/practice/{id}/answers", tag = "me", params(("id" = i64, Path)),
    request_body = PracticeAnswer,
    responses((status = 200, body = PracticeAnswerOut), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn answer_practice(
    State(state): State<AppState>,
    me: AnnotatorCaller,
    Path(id): Path<i64>,
    Json(req): Json<PracticeAnswer>,
) -> ApiResult<Json<PracticeAnswerOut>> {
    let annotator = me.caller.user.id;
    let unit = state
        .store
        .my_practice(annotator, id)
        .await
        .map_err(ApiError::not_found_as("practice unit"))?;
    if unit.finished_at.is_some() {
        return Err(ApiError::new(
            ErrorCode::UnitClosed,
            "this practice unit is finished",
        ));
    }
    let items = state.store.practice_items(id).await?;
    let Some(q) = items.iter().find(|i| i.item_id == req.item_id) else {
        return Err(ApiError::not_found("item in this practice unit"));
    };
    let spec = state.specs.get(&state.store, q.order_id).await?.spec;
    let given = super::work::parse_answer(&state, &spec, ItemId::new(q.item_id), &req.answer)
        .await?
        .to_json();
    let right = json(&q.answer);
    let correct = spec.agrees(&given, &right);
    let items = state
        .store
        .answer_practice(
            annotator,
            id,
            q.pos,
            &given.to_string(),
            correct,
            now_millis(),
        )
        .await
        .map_err(|e| match e {
            StoreError::Conflict(m) => ApiError::new(ErrorCode::Conflict, m),
            e => e.into(),
        })?;
    let unit = state.store.my_practice(annotator, id).await?;
    Ok(Json(PracticeAnswerOut {
        correct,
        answer: right,
        unit: practice_out(&state, unit, items, false).await?,
    }))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct PracticeRequest {
    /// Questions, 1 to 20 (default 10): the annotator's latest mistakes, each item once.
    pub size: Option<i64>,
}

/// Sends an annotator of the centre a practice unit made of their latest mistakes; they get
/// it first on their home screen. 404: not the centre's annotator; 409 `no_mistakes`: none
/// to practise; 409 `conflict`: a practice unit is still open.
#[utoipa::path(post, path = "/api/v1/lead/annotators/{id}/practice", tag = "lead", params(("id" = i64, Path)),
    request_body = PracticeRequest,
    responses((status = 201, body = PracticeOut), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn make_practice(
    State(state): State<AppState>,
    lead: LeadCaller,
    Path(id): Path<UserId>,
    Json(req): Json<PracticeRequest>,
) -> ApiResult<(StatusCode, Json<PracticeOut>)> {
    let size = req.size.unwrap_or(PRACTICE_DEFAULT);
    if !(1..=PRACTICE_MAX).contains(&size) {
        return Err(ApiError::validation("size: 1 to 20").with("field", "size"));
    }
    let made = state
        .store
        .make_practice(lead.centre_id, lead.caller.user.id, id, size, now_millis())
        .await
        .map_err(|e| match e {
            StoreError::NotFound => ApiError::not_found("annotator"),
            StoreError::Conflict(m) => ApiError::conflict(m),
            e => e.into(),
        })?;
    let Some(unit_id) = made else {
        return Err(ApiError::new(
            ErrorCode::NoMistakes,
            "this annotator has no mistakes to practise on",
        ));
    };
    let unit = state.store.my_practice(id, unit_id).await?;
    let items = state.store.practice_items(unit_id).await?;
    Ok((
        StatusCode::CREATED,
        Json(practice_out(&state, unit, items, false).await?),
    ))
}

/// The practice units sent to an annotator of the centre, newest first, with how they went.
#[utoipa::path(get, path = "/api/v1/lead/annotators/{id}/practice", tag = "lead", params(("id" = i64, Path)),
    responses((status = 200, body = super::types::Items<PracticeOut>), (status = 404, body = ErrorBody)))]
async fn list_practice(
    State(state): State<AppState>,
    lead: LeadCaller,
    Path(id): Path<UserId>,
) -> ApiResult<Json<super::types::Items<PracticeOut>>> {
    let user = state
        .store
        .get_user(id)
        .await
        .map_err(ApiError::not_found_as("annotator"))?;
    if user.centre_id != Some(lead.centre_id) || user.role != mudou_domain::Role::Annotator {
        return Err(ApiError::not_found("annotator"));
    }
    let mut items = Vec::new();
    for u in state.store.centre_practice(lead.centre_id, id, 20).await? {
        let its = state.store.practice_items(u.id).await?;
        items.push(practice_out(&state, u, its, false).await?);
    }
    Ok(Json(super::types::Items { items }))
}
