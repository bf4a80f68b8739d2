//! The annotator's own corner: messages from their lead (with the item they are about) and
//! their standing (stars from gold accuracy, skill level).

use axum::extract::State;
use mudou_domain::SkillLevel;
use mudou_domain::career::stars;
use mudou_store::{Message, now_millis};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::types::{ErrorBody, media_url};
use crate::auth::AnnotatorCaller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::state::AppState;

/// Days of gold answers the stars are worked out from.
pub const STARS_DAYS: i64 = 30;
/// Messages the home screen shows at most.
const MESSAGES_SHOWN: i64 = 50;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(my_messages))
        .routes(routes!(read_message))
        .routes(routes!(my_quality))
        .routes(routes!(my_pauses))
}

/// A pause of the caller's work, as they are told it.
#[derive(Serialize, ToSchema)]
pub struct MyPauseOut {
    pub id: i64,
    /// The order paused; `null`: all work.
    pub order_id: Option<i64>,
    pub order_name: Option<String>,
    /// `lead` (by hand), or the rule that fired: `gold_accuracy`, `too_fast`, `spam`.
    pub reason: String,
    /// `lead` or `rule`.
    pub by: &'static str,
    /// The lead who paused (a rule's pause: `null`).
    pub by_name: Option<String>,
    /// A lead's note to the worker.
    pub note: Option<String>,
    /// A rule's figures, e.g. `{"median_seconds": 0.8, "crowd_median_seconds": 4.1}` or
    /// `{"gold_correct": 3, "gold_total": 10, "threshold": 0.7}`.
    #[schema(value_type = Option<Object>)]
    pub figures: Option<Value>,
    pub created_at: i64,
    /// When it was lifted; `null` while it holds.
    pub lifted_at: Option<i64>,
    /// Answers made just before the pause that are left out (not paid), and their pay.
    pub unpaid_labels: i64,
    pub unpaid_fen: i64,
}

#[derive(Serialize, ToSchema)]
pub struct MyPauses {
    /// Live pauses first, then those lifted in the last day.
    pub pauses: Vec<MyPauseOut>,
    /// The names of the leads of the caller's centre: who can lift a pause.
    pub leads: Vec<String>,
}

/// How long a lifted pause is still listed (its cost still shows in the day's earnings).
const LIFTED_SHOWN_MS: i64 = 24 * 3600 * 1000;

/// The caller's pauses (live, and lifted in the last day): why, by whom, what they cost, and
/// who can lift them.
#[utoipa::path(get, path = "/api/v1/me/pauses", tag = "me",
    responses((status = 200, body = MyPauses), (status = 403, body = ErrorBody)))]
async fn my_pauses(
    State(state): State<AppState>,
    me: AnnotatorCaller,
) -> ApiResult<Json<MyPauses>> {
    let mut rows = state
        .store
        .my_pauses(me.caller.user.id, now_millis() - LIFTED_SHOWN_MS)
        .await?;
    rows.sort_by_key(|p| p.lifted_at.is_some());
    let leads = if rows.is_empty() {
        Vec::new()
    } else {
        state.store.centre_lead_names(me.centre_id).await?
    };
    let pauses = rows
        .into_iter()
        .map(|p| {
            let by_lead = p.reason == "lead";
            MyPauseOut {
                id: p.id,
                order_id: p.order_id,
                order_name: p.order_name,
                by: if by_lead { "lead" } else { "rule" },
                by_name: p.by_name,
                figures: (!by_lead)
                    .then(|| p.note.as_deref().and_then(|n| serde_json::from_str(n).ok()))
                    .flatten(),
                note: if by_lead { p.note } else { None },
                reason: p.reason,
                created_at: p.created_at,
                lifted_at: p.lifted_at,
                unpaid_labels: p.unpaid_labels,
                unpaid_fen: p.unpaid_fen,
            }
        })
        .collect();
    Ok(Json(MyPauses { pauses, leads }))
}

/// The item a message is about, with the right answer marked.
#[derive(Serialize, ToSchema)]
pub struct MessageItem {
    pub item_id: i64,
    pub thumb_url: Option<String>,
    pub screen_url: Option<String>,
    /// A text item's text.
    pub text: Option<String>,
    /// The right answer in the order's shape, e.g. `{"label": "cat"}` (`null`: none marked).
    #[schema(value_type = Option<Object>)]
    pub answer: Option<Value>,
}

#[derive(Serialize, ToSchema)]
pub struct MyMessage {
    pub id: i64,
    pub from_name: String,
    pub text: String,
    pub created_at: i64,
    /// When the annotator first opened it (`null`: not yet).
    pub read_at: Option<i64>,
    pub item: Option<MessageItem>,
}

#[derive(Serialize, ToSchema)]
pub struct MyMessages {
    pub messages: Vec<MyMessage>,
}

/// The item part of a message, with media URLs for image items.
pub fn message_item(m: &Message) -> Option<MessageItem> {
    let item_id = m.item_id?;
    let media = |v: &str| m.item_sha256.as_deref().map(|s| media_url(s, v));
    Some(MessageItem {
        item_id,
        thumb_url: media("thumb"),
        screen_url: media("screen"),
        text: m.item_text.clone(),
        answer: m
            .answer
            .as_deref()
            .and_then(|a| serde_json::from_str(a).ok()),
    })
}

impl From<Message> for MyMessage {
    fn from(m: Message) -> Self {
        MyMessage {
            item: message_item(&m),
            id: m.id,
            from_name: m.from_name.unwrap_or_default(),
            text: m.body,
            created_at: m.created_at,
            read_at: m.read_at,
        }
    }
}

/// Messages from the lead, newest first.
#[utoipa::path(get, path = "/api/v1/me/messages", tag = "me",
    responses((status = 200, body = MyMessages), (status = 403, body = ErrorBody)))]
async fn my_messages(
    State(state): State<AppState>,
    me: AnnotatorCaller,
) -> ApiResult<Json<MyMessages>> {
    let messages = state
        .store
        .messages_to(me.caller.user.id, "feedback", MESSAGES_SHOWN)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(Json(MyMessages { messages }))
}

/// Marks a message read (the lead sees when).
#[utoipa::path(post, path = "/api/v1/me/messages/{id}/read", tag = "me", params(("id" = i64, Path)),
    responses((status = 200, body = MyMessage), (status = 404, body = ErrorBody)))]
async fn read_message(
    State(state): State<AppState>,
    me: AnnotatorCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<MyMessage>> {
    let m = state
        .store
        .mark_read(me.caller.user.id, id, now_millis())
        .await
        .map_err(ApiError::not_found_as("message"))?;
    if m.kind != "feedback" {
        return Err(ApiError::not_found("message"));
    }
    Ok(Json(m.into()))
}

#[derive(Serialize, ToSchema)]
pub struct MyQuality {
    /// 1 to 5 from the gold accuracy of the last 30 days; `null` with fewer than 10 gold answers.
    pub stars: Option<u8>,
    pub level: SkillLevel,
    /// Gold items answered in the last 30 days.
    pub gold_answered: i64,
}

/// The annotator's stars and level.
#[utoipa::path(get, path = "/api/v1/me/quality", tag = "me",
    responses((status = 200, body = MyQuality), (status = 403, body = ErrorBody)))]
async fn my_quality(
    State(state): State<AppState>,
    me: AnnotatorCaller,
) -> ApiResult<Json<MyQuality>> {
    // The level as it is now (a rule may have promoted them since the session began).
    let user = state.store.get_user(me.caller.user.id).await?;
    let (total, correct) = state
        .store
        .recent_gold(user.id, now_millis(), STARS_DAYS)
        .await?;
    Ok(Json(MyQuality {
        stars: stars(correct, total),
        level: user.skill_level.unwrap_or(SkillLevel::Trainee),
        gold_answered: total,
    }))
}
