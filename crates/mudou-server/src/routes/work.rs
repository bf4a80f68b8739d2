//! The annotator's work: next unit (leased), heartbeat, answers (idempotent by a
//! client-made UUID), skip, submit the unit, hand it back.

use std::time::Duration;

use axum::extract::State;
use mudou_domain::{Answer, LabelDef, OrderSpec, SkillLevel};
use mudou_store::{Assignment, NewLabel, SubmitOutcome, SubmitRefusal, now_millis};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::types::ErrorBody;
use crate::auth::AnnotatorCaller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::state::AppState;

/// How long a lease lasts without a heartbeat or an answer.
pub const LEASE: Duration = Duration::from_secs(10 * 60);
/// Time spent on one item as reported by the browser is clamped to this.
pub const MAX_ITEM_MS: i64 = 30 * 60 * 1000;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(next_work))
        .routes(routes!(heartbeat))
        .routes(routes!(submit_unit))
        .routes(routes!(return_unit))
        .routes(routes!(post_label))
}

#[derive(Serialize, ToSchema)]
pub struct OrderBrief {
    pub id: i64,
    pub name: String,
    pub task_type: mudou_domain::TaskType,
    pub labels: Vec<LabelDef>,
    pub instructions: String,
    pub instruction_examples: Vec<i64>,
    pub piece_rate_fen: i64,
    /// The pictures (or texts) that `labels[].examples` and `instruction_examples` point at.
    pub examples: Vec<ExampleItem>,
}

/// An item the order shows as an example of a label or with its instructions.
#[derive(Serialize, ToSchema)]
pub struct ExampleItem {
    pub item_id: i64,
    pub thumb_url: Option<String>,
    pub screen_url: Option<String>,
    pub text: Option<String>,
}

/// The item ids an order shows as examples (of its labels, with its instructions).
pub fn example_ids(spec: &OrderSpec) -> Vec<i64> {
    let mut ids: Vec<i64> = spec
        .labels
        .iter()
        .flat_map(|l| l.examples.iter().copied())
        .chain(spec.instruction_examples.iter().copied())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

async fn order_examples(
    state: &AppState,
    order_id: i64,
    spec: &OrderSpec,
) -> ApiResult<Vec<ExampleItem>> {
    let ids = example_ids(spec);
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let order = state.store.order_by_id(order_id).await?;
    let items = state.store.items_media(order.dataset_id, &ids).await?;
    Ok(items
        .into_iter()
        .map(|i| {
            let media = |v: &str| i.sha256.as_deref().map(|s| super::types::media_url(s, v));
            ExampleItem {
                item_id: i.id,
                thumb_url: media("thumb"),
                screen_url: media("screen"),
                text: i.body,
            }
        })
        .collect())
}

#[derive(Serialize, ToSchema)]
pub struct WorkItem {
    pub item_id: i64,
    pub kind: String,
    pub thumb_url: Option<String>,
    pub screen_url: Option<String>,
    pub text: Option<String>,
    pub width: Option<i64>,
    pub height: Option<i64>,
    /// The annotator's answer so far (they may change it until the unit is submitted).
    #[schema(value_type = Option<Object>)]
    pub answer: Option<Value>,
    pub skip_reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AssignmentOut {
    pub id: i64,
    pub order: OrderBrief,
    pub lease_expires_at: i64,
    pub items: Vec<WorkItem>,
}

/// Either a leased unit, or "nothing now" with the reason.
#[derive(Serialize, ToSchema)]
pub struct NextOut {
    /// `assigned` or `nothing`.
    pub status: &'static str,
    /// Why there is nothing: `no_open_orders`, `not_qualified`, `all_done`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignment: Option<AssignmentOut>,
}

#[derive(Serialize, ToSchema)]
pub struct LeaseOut {
    pub id: i64,
    pub state: String,
    pub lease_expires_at: i64,
}

impl From<Assignment> for LeaseOut {
    fn from(a: Assignment) -> Self {
        LeaseOut {
            id: a.id,
            state: a.state,
            lease_expires_at: a.lease_expires_at,
        }
    }
}

#[derive(Deserialize, ToSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// Blurry / can't see it well.
    Unclear,
    /// Not sure.
    CannotJudge,
    /// The picture does not load.
    BrokenFile,
}

impl SkipReason {
    fn as_str(self) -> &'static str {
        match self {
            SkipReason::Unclear => "unclear",
            SkipReason::CannotJudge => "cannot_judge",
            SkipReason::BrokenFile => "broken_file",
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LabelRequest {
    /// Made by the browser; sending the same UUID again never stores twice.
    pub client_uuid: String,
    pub assignment_id: i64,
    pub item_id: i64,
    /// The answer in the order's shape; leave out when skipping.
    #[schema(value_type = Option<Object>)]
    pub answer: Option<Value>,
    pub skip: Option<SkipReason>,
    /// Milliseconds spent, as the browser measured (clamped).
    #[serde(default)]
    pub duration_ms: i64,
}

#[derive(Serialize, ToSchema)]
pub struct LabelOut {
    pub label_id: i64,
    /// `stored`, `replay` (this UUID was already stored: nothing changed) or `changed`.
    pub status: &'static str,
    /// The item's consensus state: `open`, `resolved` or `escalated`.
    pub item_state: String,
}

fn lease_ms() -> i64 {
    LEASE.as_millis() as i64
}

async fn assignment_out(
    state: &AppState,
    a: &Assignment,
    spec: OrderSpec,
    name: String,
) -> ApiResult<AssignmentOut> {
    let items = state
        .store
        .assignment_items(a.id)
        .await?
        .into_iter()
        .map(|i| {
            let media = |v: &str| i.sha256.as_deref().map(|s| super::types::media_url(s, v));
            WorkItem {
                thumb_url: media("thumb"),
                screen_url: media("screen"),
                item_id: i.item_id,
                kind: i.kind,
                text: i.body,
                width: i.width,
                height: i.height,
                answer: i
                    .answer
                    .as_deref()
                    .and_then(|a| serde_json::from_str(a).ok()),
                skip_reason: i.skip_reason,
            }
        })
        .collect();
    let examples = order_examples(state, a.order_id, &spec).await?;
    Ok(AssignmentOut {
        id: a.id,
        order: OrderBrief {
            id: a.order_id,
            name,
            task_type: spec.task_type,
            labels: spec.labels,
            instructions: spec.instructions,
            instruction_examples: spec.instruction_examples,
            piece_rate_fen: spec.piece_rate_fen,
            examples,
        },
        lease_expires_at: a.lease_expires_at,
        items,
    })
}

async fn order_spec(state: &AppState, order_id: i64) -> ApiResult<(OrderSpec, String)> {
    let o = state.store.order_by_id(order_id).await?;
    let spec = serde_json::from_str(&o.spec).map_err(ApiError::internal)?;
    Ok((spec, o.name))
}

/// The next unit of work: the same one again while its lease lives, else a new lease.
#[utoipa::path(get, path = "/api/v1/work/next", tag = "work",
    responses((status = 200, body = NextOut), (status = 403, body = ErrorBody)))]
async fn next_work(State(state): State<AppState>, me: AnnotatorCaller) -> ApiResult<Json<NextOut>> {
    let _timer = state.metrics.dispatch_seconds.start_timer();
    let now = now_millis();
    let user = &me.caller.user;
    let expired = state.store.expire_leases(now).await?;
    state.metrics.leases_expired_total.inc_by(expired);
    if let Some(a) = state.store.active_assignment(user.id, now).await? {
        let (spec, name) = order_spec(&state, a.order_id).await?;
        let out = assignment_out(&state, &a, spec, name).await?;
        return Ok(Json(NextOut {
            status: "assigned",
            reason: None,
            assignment: Some(out),
        }));
    }
    let open = state.store.open_orders().await?;
    if open.is_empty() {
        return Ok(Json(NextOut {
            status: "nothing",
            reason: Some("no_open_orders"),
            assignment: None,
        }));
    }
    let mut eligible = Vec::new();
    for o in open {
        let Ok(spec) = serde_json::from_str::<OrderSpec>(&o.spec) else {
            continue;
        };
        let centre_ok =
            spec.eligible_centres.is_empty() || spec.eligible_centres.contains(&me.centre_id);
        let level_ok = spec
            .required_level
            .is_none_or(|l| user.skill_level.unwrap_or(SkillLevel::Trainee) >= l);
        // Qualifications are earned in training (lead review work); none is held yet.
        let qual_ok = spec.required_qualification.is_none();
        if centre_ok {
            eligible.push((o, spec, level_ok && qual_ok));
        }
    }
    let mut qualified: Vec<_> = eligible.iter().filter(|(_, _, ok)| *ok).collect();
    if qualified.is_empty() {
        let reason = if eligible.is_empty() {
            "no_open_orders"
        } else {
            "not_qualified"
        };
        return Ok(Json(NextOut {
            status: "nothing",
            reason: Some(reason),
            assignment: None,
        }));
    }
    // Priority first, then the nearest deadline, then the oldest order.
    qualified.sort_by_key(|(o, _, _)| {
        (
            -o.priority,
            o.deadline.unwrap_or(i64::MAX),
            o.published_at.unwrap_or(0),
            o.id,
        )
    });
    for (o, spec, _) in qualified {
        let topup = spec.unit_size as i64;
        if let Some(a) = state
            .store
            .lease_unit(o.id, user.id, me.centre_id, now, lease_ms(), topup)
            .await?
        {
            let out = assignment_out(&state, &a, spec.clone(), o.name.clone()).await?;
            return Ok(Json(NextOut {
                status: "assigned",
                reason: None,
                assignment: Some(out),
            }));
        }
    }
    Ok(Json(NextOut {
        status: "nothing",
        reason: Some("all_done"),
        assignment: None,
    }))
}

fn assignment_error(e: mudou_store::StoreError) -> ApiError {
    match e {
        mudou_store::StoreError::Conflict(m) => ApiError::conflict(m),
        e => ApiError::not_found_as("assignment")(e),
    }
}

/// Keeps the lease alive while the annotator works.
#[utoipa::path(post, path = "/api/v1/work/assignments/{id}/heartbeat", tag = "work", params(("id" = i64, Path)),
    responses((status = 200, body = LeaseOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn heartbeat(
    State(state): State<AppState>,
    me: AnnotatorCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<LeaseOut>> {
    let a = state
        .store
        .renew_lease(me.caller.user.id, id, now_millis(), lease_ms())
        .await
        .map_err(assignment_error)?;
    Ok(Json(a.into()))
}

/// Finishes the unit: answers become final.
#[utoipa::path(post, path = "/api/v1/work/assignments/{id}/submit", tag = "work", params(("id" = i64, Path)),
    responses((status = 200, body = LeaseOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn submit_unit(
    State(state): State<AppState>,
    me: AnnotatorCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<LeaseOut>> {
    let a = state
        .store
        .finish_assignment(me.caller.user.id, id, "submitted", now_millis())
        .await
        .map_err(assignment_error)?;
    Ok(Json(a.into()))
}

/// Hands the unit back: its unanswered items go to someone else.
#[utoipa::path(post, path = "/api/v1/work/assignments/{id}/return", tag = "work", params(("id" = i64, Path)),
    responses((status = 200, body = LeaseOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn return_unit(
    State(state): State<AppState>,
    me: AnnotatorCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<LeaseOut>> {
    let a = state
        .store
        .finish_assignment(me.caller.user.id, id, "returned", now_millis())
        .await
        .map_err(assignment_error)?;
    Ok(Json(a.into()))
}

/// Answers (or skips) one item. Checked against the order; the same `client_uuid`
/// again returns the first result and stores nothing.
#[utoipa::path(post, path = "/api/v1/work/labels", tag = "work", request_body = LabelRequest,
    responses((status = 200, body = LabelOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn post_label(
    State(state): State<AppState>,
    me: AnnotatorCaller,
    Json(req): Json<LabelRequest>,
) -> ApiResult<Json<LabelOut>> {
    let started = std::time::Instant::now();
    let uuid = uuid::Uuid::parse_str(&req.client_uuid).map_err(|_| {
        ApiError::validation("client_uuid: a UUID such as 0f8fad5b-d9cb-469f-a165-70867728950e")
            .with("field", "client_uuid")
    })?;
    let (owner, order_id, _) = state
        .store
        .assignment_owner(req.assignment_id)
        .await
        .map_err(ApiError::not_found_as("assignment"))?;
    if owner != me.caller.user.id {
        return Err(ApiError::not_found("assignment"));
    }
    let spec = state.specs.get(&state.store, order_id).await?.spec;
    let (answer, skip) = match (&req.answer, req.skip) {
        (Some(v), None) => {
            // Only boxes need the picture's size (to keep them inside it).
            let dims = if spec.task_type == mudou_domain::TaskType::Bbox {
                state.store.item_size(req.item_id).await?
            } else {
                None
            };
            (Some(Answer::parse(&spec, v, dims)?), None)
        }
        (None, Some(r)) => (None, Some(r.as_str().to_owned())),
        _ => {
            return Err(
                ApiError::validation("give either an answer or a skip reason")
                    .with("field", "answer"),
            );
        }
    };
    let label = NewLabel {
        client_uuid: uuid.hyphenated().to_string(),
        assignment_id: req.assignment_id,
        item_id: req.item_id,
        annotator_id: me.caller.user.id,
        pay_fen: spec.pay_for(answer.as_ref()),
        pay_on_submit: spec.pay_on == mudou_domain::PayOn::Submit,
        answer: answer.map(|a| a.to_json().to_string()),
        skip_reason: skip,
        client_ms: req.duration_ms.clamp(0, MAX_ITEM_MS),
        server_ms: started.elapsed().as_millis() as i64,
    };
    let outcome = state.labels.submit(label, order_id, spec).await?;
    if let Ok(SubmitOutcome::Stored { replay: false, .. }) = &outcome {
        state
            .metrics
            .labels_submitted_total
            .with_label_values(&[&me.centre_id.to_string()])
            .inc();
    }
    let out = match outcome {
        Ok(SubmitOutcome::Stored {
            label_id,
            replay,
            item_state,
        }) => LabelOut {
            label_id,
            status: if replay { "replay" } else { "stored" },
            item_state,
        },
        Ok(SubmitOutcome::Changed {
            label_id,
            item_state,
        }) => LabelOut {
            label_id,
            status: "changed",
            item_state,
        },
        Err(r) => {
            return Err(match r {
                SubmitRefusal::NotYours => ApiError::not_found("assignment"),
                SubmitRefusal::NotInUnit => ApiError::not_found("item in this unit"),
                SubmitRefusal::UnitClosed => {
                    ApiError::conflict("this unit was already submitted; its answers are final")
                }
                SubmitRefusal::NoLongerNeeded => ApiError::conflict(
                    "the lease ran out and this item already has all the labels it needs",
                ),
                SubmitRefusal::UuidReused => {
                    ApiError::conflict("this client_uuid was used for another answer")
                }
            });
        }
    };
    Ok(Json(out))
}
