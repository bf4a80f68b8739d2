//! The annotator's work: next unit (leased), heartbeat, answers (idempotent by a
//! client-made UUID), skip, submit the unit, hand it back.

use std::time::Duration;

use axum::extract::State;
use mudou_app::{AppError, AppResult};
use mudou_domain::{
    Answer, AssignmentId, DatasetId, ErrorCode, Finish, ItemId, LabelDef, OrderId, OrderSpec,
    suggest,
};
use mudou_store::{
    Assignment, FinishJob, LeaseJob, NewLabel, SubmitOutcome, SubmitRefusal, WriteDone, WriteJob,
    now_millis,
};
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
/// Times `next` asks again when the only free items were locked for a moment.
const BUSY_RETRIES: u32 = 5;
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
    /// The fields shown and the questions asked; for the one-question task types, the
    /// template they amount to (its question keyed like their answers).
    pub template: mudou_domain::Template,
    pub instructions: String,
    pub instruction_examples: Vec<i64>,
    pub piece_rate_fen: i64,
    /// The pictures (or texts) that `labels[].examples` and `instruction_examples` point at.
    pub examples: Vec<ExampleItem>,
    /// The version of the instructions in force (labels given now carry it).
    pub instructions_version: i64,
    /// The instructions' recorded read-aloud, if a lead or the client recorded one.
    pub audio_url: Option<String>,
    /// Each label's recorded read-aloud, by label key.
    pub label_audio: std::collections::BTreeMap<String, String>,
    /// The instructions changed since this annotator last worked on the order: the new
    /// example to show before the next item (once per version).
    pub new_example: Option<NewExample>,
}

/// A new instructions version's example, shown once to each annotator of the order.
#[derive(Serialize, ToSchema)]
pub struct NewExample {
    pub version: i64,
    /// The example item (absent when the version changed only the words).
    pub item_id: Option<i64>,
    /// What the example shows, or the new instructions when there is no example.
    pub words: String,
    pub thumb_url: Option<String>,
    pub screen_url: Option<String>,
    pub text: Option<String>,
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

pub(crate) async fn order_examples(
    state: &AppState,
    order_id: i64,
    spec: &OrderSpec,
) -> ApiResult<Vec<ExampleItem>> {
    let ids: Vec<ItemId> = example_ids(spec).into_iter().map(ItemId::new).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let order = state.store.order_by_id(OrderId::new(order_id)).await?;
    let items = state
        .store
        .items_media(DatasetId::new(order.dataset_id), &ids)
        .await?;
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
    /// Every field of the item, in order (the first is also `kind`, `text`, `thumb_url`…).
    pub fields: Vec<super::types::FieldOut>,
    /// A model's answer to check and fix, when the item has one: the workbench opens with
    /// it chosen or drawn, marked as the model's; the label names it (`suggestion_id`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<SuggestionOut>,
}

/// A model's suggestion as the annotator sees it (a planted one looks like any other).
#[derive(Serialize, ToSchema)]
pub struct SuggestionOut {
    pub id: i64,
    /// Keyed by question, like an answer; only the questions the model answers.
    #[schema(value_type = Object)]
    pub answer: Value,
    pub model: String,
    pub model_version: Option<String>,
    /// The model's own score (0 to 1), when it gave one.
    pub score: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct AssignmentOut {
    pub id: i64,
    pub order: OrderBrief,
    /// A training unit: every answer is told right or wrong at once (`feedback`), and
    /// passing the unit opens real work of its task type.
    pub training: bool,
    pub lease_expires_at: i64,
    pub items: Vec<WorkItem>,
}

/// Either a leased unit, or "nothing now" with the reason.
#[derive(Serialize, ToSchema)]
pub struct NextOut {
    /// `assigned` or `nothing`.
    pub status: &'static str,
    /// Why there is nothing: `no_open_orders`, `paused` (by the lead, or a quality rule),
    /// `not_qualified`, `all_done`, or `busy`: work is waiting but every free item is being
    /// saved by other answers right now (PostgreSQL row locks); ask again in a moment.
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
    /// For a submitted training unit: how it went.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub training: Option<TrainingOut>,
}

/// The result of a training unit.
#[derive(Serialize, ToSchema)]
pub struct TrainingOut {
    /// Items in the unit and how many were answered right.
    pub total: i64,
    pub right: i64,
    /// At least the order's pass share was right: the qualification is held from now on.
    pub passed: bool,
    /// What passing grants (a task type such as `bbox`, or a named skill).
    pub qualification: String,
}

impl From<Assignment> for LeaseOut {
    fn from(a: Assignment) -> Self {
        LeaseOut {
            id: a.id,
            state: a.state,
            lease_expires_at: a.lease_expires_at,
            training: None,
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
    /// The model suggestion the annotator was shown (the item's `suggestion.id`): what they
    /// did with it is worked out from the answer, and pays the order's check or fix rate.
    #[serde(default)]
    pub suggestion_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct LabelOut {
    pub label_id: i64,
    /// `stored`, `replay` (this UUID was already stored: nothing changed) or `changed`.
    pub status: &'static str,
    /// The item's consensus state: `open`, `resolved` or `escalated`.
    pub item_state: String,
    /// Training units only: whether the answer was right, and the right answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feedback: Option<Feedback>,
    /// Set when the caller's work on this order is paused now (by a lead, or a quality rule
    /// this very answer may have set off): the reason, as in `/me/pauses`. The answer is
    /// stored all the same; the workbench stops and says why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paused: Option<String>,
}

/// What a trainee sees after each answer.
#[derive(Serialize, ToSchema)]
pub struct Feedback {
    pub correct: bool,
    /// The right answer, in the order's answer shape.
    #[schema(value_type = Object)]
    pub answer: Value,
    /// The model's suggestion was wrong and was accepted as it was: look before accepting.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub accepted_wrong_suggestion: bool,
}

/// An assignment as the annotator gets it. `fresh`: the items a lease just took, in the
/// order shown (nothing answered yet); otherwise they are looked up with their answers.
async fn assignment_out(
    state: &AppState,
    a: &Assignment,
    fresh: Option<&[i64]>,
    spec: &OrderSpec,
    name: &str,
) -> ApiResult<AssignmentOut> {
    let items = match fresh {
        Some(ids) => state.store.fresh_items(ids).await?,
        None => state.store.assignment_items(a).await?,
    };
    let ids: Vec<i64> = items.iter().map(|i| i.item_id).collect();
    let mut suggestions: std::collections::HashMap<i64, SuggestionOut> = state
        .store
        .suggestions_for(OrderId::new(a.order_id), &ids)
        .await?
        .into_iter()
        .filter_map(|s| {
            Some((
                s.item_id,
                SuggestionOut {
                    id: s.id,
                    answer: serde_json::from_str(&s.answer).ok()?,
                    model: s.model,
                    model_version: s.model_version,
                    score: s.score,
                },
            ))
        })
        .collect();
    let items = items
        .into_iter()
        .map(|i| {
            let media = |v: &str| i.sha256.as_deref().map(|s| super::types::media_url(s, v));
            let fields = super::types::fields_out(i.fields());
            WorkItem {
                fields,
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
                suggestion: suggestions.remove(&i.item_id),
            }
        })
        .collect();
    let examples = order_examples(state, a.order_id, spec).await?;
    let version = state
        .specs
        .get(&state.store, a.order_id)
        .await?
        .instructions_version;
    let new_example = new_example(state, a, version, spec, &examples).await?;
    let mut audio_url = None;
    let mut label_audio = std::collections::BTreeMap::new();
    for r in state.store.recordings(OrderId::new(a.order_id)).await? {
        let url = super::instructions::recording_url(a.order_id, &r.target, &r.sha256);
        match r.target.strip_prefix("label:") {
            Some(key) => {
                label_audio.insert(key.to_owned(), url);
            }
            None => audio_url = Some(url),
        }
    }
    Ok(AssignmentOut {
        id: a.id,
        order: OrderBrief {
            id: a.order_id,
            name: name.to_owned(),
            task_type: spec.task_type,
            labels: spec.labels.clone(),
            template: spec.template().into_owned(),
            instructions: spec.instructions.clone(),
            instruction_examples: spec.instruction_examples.clone(),
            piece_rate_fen: spec.piece_rate_fen,
            examples,
            instructions_version: version,
            audio_url,
            label_audio,
            new_example,
        },
        training: spec.training.is_some(),
        lease_expires_at: a.lease_expires_at,
        items,
    })
}

/// The new example of the order's instructions version `version` when the annotator worked
/// under an older version and has not been shown this one yet; marks it shown (it comes
/// once). Someone new to the order is shown nothing "new" (every example is new to them: the
/// help shows them all) and is marked as having seen the version in force.
async fn new_example(
    state: &AppState,
    a: &Assignment,
    version: i64,
    spec: &OrderSpec,
    examples: &[ExampleItem],
) -> ApiResult<Option<NewExample>> {
    let (annotator, order) = (
        mudou_domain::UserId::new(a.annotator_id),
        OrderId::new(a.order_id),
    );
    let seen = state.store.instructions_seen(annotator, order).await?;
    if seen >= version {
        return Ok(None);
    }
    state
        .store
        .mark_instructions_seen(annotator, order, version, mudou_store::now_millis())
        .await?;
    if seen == 0 {
        return Ok(None);
    }
    let Some(v) = state.store.instructions_version(order, version).await? else {
        return Ok(None);
    };
    let shown = v
        .example_item_id
        .and_then(|id| examples.iter().find(|e| e.item_id == id));
    Ok(Some(NewExample {
        version,
        item_id: v.example_item_id,
        words: v.example_words.unwrap_or_else(|| spec.instructions.clone()),
        thumb_url: shown.and_then(|e| e.thumb_url.clone()),
        screen_url: shown.and_then(|e| e.screen_url.clone()),
        text: shown.and_then(|e| e.text.clone()),
    }))
}

/// The next unit of work: the same one again while its lease lives, else a new lease
/// of the orders this annotator may work on (see [`mudou_domain::dispatch`]).
#[utoipa::path(get, path = "/api/v1/work/next", tag = "work",
    responses((status = 200, body = NextOut), (status = 403, body = ErrorBody)))]
async fn next_work(State(state): State<AppState>, me: AnnotatorCaller) -> ApiResult<Json<NextOut>> {
    let _timer = state.metrics.dispatch_seconds.start_timer();
    let now = now_millis();
    let user = &me.caller.user;
    let expired = state.store.expire_leases(now).await?;
    state.metrics.leases_expired_total.inc_by(expired);
    let standing = state.store.standing(user.id).await?;
    let nothing = |reason| {
        Ok(Json(NextOut {
            status: "nothing",
            reason: Some(reason),
            assignment: None,
        }))
    };
    if let Some(a) = state.store.active_assignment(user.id, now).await? {
        let paused = standing.paused_everywhere.is_some()
            || standing.paused_orders.iter().any(|(o, _)| *o == a.order_id);
        if !paused {
            let entry = state.specs.get(&state.store, a.order_id).await?;
            return Ok(Json(NextOut {
                status: "assigned",
                reason: None,
                assignment: Some(assignment_out(&state, &a, None, &entry.spec, &entry.name).await?),
            }));
        }
        // Paused meanwhile: the unit goes back, so its items do not wait for the lease to run out.
        let job = FinishJob {
            annotator_id: user.id.get(),
            assignment_id: a.id,
            to: Finish::Return,
            training: None,
        };
        match finish(&state, job, AppError::from).await {
            // Ended meanwhile: nothing to give back.
            Ok(_) => {}
            Err(e) if e.code == ErrorCode::Conflict => {}
            Err(e) => return Err(e.into()),
        }
    }
    let mut open = Vec::new();
    for o in state.store.open_orders().await?.iter() {
        let entry = state.specs.get(&state.store, o.id).await?;
        open.push((o.clone(), entry.spec, entry.name));
    }
    let candidates = match mudou_domain::dispatch::plan(
        &open,
        me.centre_id.get(),
        &standing,
        now,
        mudou_domain::dispatch::seed(user.id.get(), standing.last_assignment),
    ) {
        mudou_domain::dispatch::Plan::Nothing(reason) => return nothing(reason),
        mudou_domain::dispatch::Plan::Try(c) => c,
    };
    // On PostgreSQL an order may have nothing free only because its items are locked by a
    // label batch for a moment: then ask again shortly, and if it stays so, say "busy" (the
    // UI asks again by itself), never "all done".
    let mut busy = false;
    for attempt in 0..BUSY_RETRIES {
        busy = false;
        for c in &candidates {
            let job = WriteJob::Lease(LeaseJob {
                order_id: c.order_id,
                annotator_id: user.id.get(),
                centre_id: me.centre_id.get(),
                topup_size: c.spec.unit_size as i64,
                training: c.spec.training.is_some(),
            });
            match state.writer.run(job, None).await? {
                WriteDone::Lease {
                    unit: Some(a),
                    items,
                    ..
                } => {
                    return Ok(Json(NextOut {
                        status: "assigned",
                        reason: None,
                        assignment: Some(
                            assignment_out(&state, &a, Some(&items), &c.spec, &c.name).await?,
                        ),
                    }));
                }
                WriteDone::Lease { busy: b, .. } => busy |= b,
                other => return Err(ApiError::internal(format!("a lease answered {other:?}"))),
            }
        }
        if !busy || attempt + 1 == BUSY_RETRIES {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10 << attempt)).await;
    }
    nothing(if busy { "busy" } else { "all_done" })
}

/// Ends an assignment through the writer (group commit); `refused` words the store's refusal.
async fn finish(
    state: &AppState,
    job: FinishJob,
    refused: fn(mudou_store::StoreError) -> AppError,
) -> AppResult<(Assignment, Option<mudou_store::TrainingResult>)> {
    match state
        .writer
        .run_or(WriteJob::Finish(job), None, refused)
        .await?
    {
        WriteDone::Finish(a, t) => Ok((a, t)),
        other => Err(AppError::internal(format!("an end answered {other:?}"))),
    }
}

/// An assignment that is no longer active answers `assignment_ended`.
fn assignment_error(e: mudou_store::StoreError) -> AppError {
    match e {
        mudou_store::StoreError::Conflict(m) => AppError::new(ErrorCode::AssignmentEnded, m),
        e => AppError::not_found_as("assignment")(e),
    }
}

/// Keeps the lease alive while the annotator works.
#[utoipa::path(post, path = "/api/v1/work/assignments/{id}/heartbeat", tag = "work", params(("id" = i64, Path)),
    responses((status = 200, body = LeaseOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn heartbeat(
    State(state): State<AppState>,
    me: AnnotatorCaller,
    Path(id): Path<AssignmentId>,
) -> ApiResult<Json<LeaseOut>> {
    let job = WriteJob::Renew(me.caller.user.id.get(), id.get());
    match state.writer.run_or(job, None, assignment_error).await? {
        WriteDone::Renew(a) => Ok(Json(a.into())),
        other => Err(ApiError::internal(format!("a renewal answered {other:?}"))),
    }
}

/// Finishes the unit: answers become final. A training unit is graded: passing it
/// grants its qualification at once.
#[utoipa::path(post, path = "/api/v1/work/assignments/{id}/submit", tag = "work", params(("id" = i64, Path)),
    responses((status = 200, body = LeaseOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn submit_unit(
    State(state): State<AppState>,
    me: AnnotatorCaller,
    Path(id): Path<AssignmentId>,
) -> ApiResult<Json<LeaseOut>> {
    let user = me.caller.user.id;
    let (owner, order_id, _) = state
        .store
        .assignment_owner(id)
        .await
        .map_err(ApiError::not_found_as("assignment"))?;
    if owner != user.get() {
        return Err(ApiError::not_found("assignment"));
    }
    let spec = state.specs.get(&state.store, order_id).await?.spec;
    let job = FinishJob {
        annotator_id: user.get(),
        assignment_id: id.get(),
        to: Finish::Submit,
        training: spec
            .training
            .as_ref()
            .map(|t| (t.pass_share, spec.grants().unwrap_or_default().to_owned())),
    };
    let (a, result) = finish(&state, job, assignment_error).await?;
    let mut out = LeaseOut::from(a);
    out.training = result.map(|r| TrainingOut {
        total: r.total,
        right: r.right,
        passed: r.passed,
        qualification: r.qualification,
    });
    Ok(Json(out))
}

/// Hands the unit back: its unanswered items go to someone else.
#[utoipa::path(post, path = "/api/v1/work/assignments/{id}/return", tag = "work", params(("id" = i64, Path)),
    responses((status = 200, body = LeaseOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn return_unit(
    State(state): State<AppState>,
    me: AnnotatorCaller,
    Path(id): Path<AssignmentId>,
) -> ApiResult<Json<LeaseOut>> {
    let job = FinishJob {
        annotator_id: me.caller.user.id.get(),
        assignment_id: id.get(),
        to: Finish::Return,
        training: None,
    };
    let (a, _) = finish(&state, job, assignment_error).await?;
    Ok(Json(a.into()))
}

/// Checks an answer for an item against its order, as every path that takes one does:
/// the item's picture sizes when drawings need them, its findings placed in millimetres on
/// its series (422 `outside_volume` off the volume), then the order's own checks.
pub async fn parse_answer(
    state: &AppState,
    spec: &OrderSpec,
    item_id: ItemId,
    value: &Value,
) -> ApiResult<Answer> {
    Ok(mudou_app::orders::parse_answer(&state.store, spec, item_id, value).await?)
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
        .assignment_owner(AssignmentId::new(req.assignment_id))
        .await
        .map_err(ApiError::not_found_as("assignment"))?;
    if owner != me.caller.user.id.get() {
        return Err(ApiError::not_found("assignment"));
    }
    let entry = state.specs.get(&state.store, order_id).await?;
    let spec = entry.spec.clone();
    let (answer, skip) = match (&req.answer, req.skip) {
        (Some(v), None) => (
            Some(parse_answer(&state, &spec, ItemId::new(req.item_id), v).await?),
            None,
        ),
        (None, Some(r)) => (None, Some(r.as_str().to_owned())),
        _ => {
            return Err(
                ApiError::validation("give either an answer or a skip reason")
                    .with("field", "answer"),
            );
        }
    };
    // What was done with the suggestion shown. One no longer the item's (an outbox retry
    // after a change) is left out: the label is never refused for it.
    let shown = match req.suggestion_id {
        Some(id) => state
            .store
            .suggestion(OrderId::new(order_id), req.item_id)
            .await?
            .filter(|s| s.id == id),
        None => None,
    };
    let did = shown.as_ref().and_then(|s| {
        let sug: Value = serde_json::from_str(&s.answer).ok()?;
        suggest::outcome(&spec, &sug, answer.as_ref().map(|a| a.to_json()).as_ref())
    });
    let label = NewLabel {
        client_uuid: uuid.hyphenated().to_string(),
        assignment_id: req.assignment_id,
        item_id: req.item_id,
        annotator_id: me.caller.user.id.get(),
        pay_fen: suggest::pay_for(&spec, answer.as_ref(), did),
        suggestion_id: shown.as_ref().map(|s| s.id),
        suggestion_outcome: did.map(suggest::Outcome::as_str),
        pay_on_submit: spec.pay_on == mudou_domain::PayOn::Submit,
        answer: answer.map(|a| a.to_json().to_string()),
        skip_reason: skip,
        client_ms: req.duration_ms.clamp(0, MAX_ITEM_MS),
        server_ms: started.elapsed().as_millis() as i64,
        instructions_version: Some(entry.instructions_version),
    };
    let given = label.answer.clone();
    let outcome = match state
        .writer
        .run(WriteJob::Label(label), Some((order_id, spec.clone())))
        .await?
    {
        WriteDone::Label(o) => o,
        other => return Err(ApiError::internal(format!("a label answered {other:?}"))),
    };
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
            item_state: item_state.to_string(),
            feedback: None,
            paused: None,
        },
        Ok(SubmitOutcome::Changed {
            label_id,
            item_state,
        }) => LabelOut {
            label_id,
            status: "changed",
            item_state: item_state.to_string(),
            feedback: None,
            paused: None,
        },
        Err(r) => {
            return Err(match r {
                SubmitRefusal::NotYours => ApiError::not_found("assignment"),
                SubmitRefusal::NotInUnit => ApiError::not_found("item in this unit"),
                SubmitRefusal::UnitClosed => ApiError::new(
                    ErrorCode::UnitClosed,
                    "this unit was already submitted; its answers are final",
                ),
                SubmitRefusal::NoLongerNeeded => ApiError::new(
                    ErrorCode::NoLongerNeeded,
                    "the lease ran out and this item already has all the labels it needs",
                ),
                SubmitRefusal::UuidReused => ApiError::new(
                    ErrorCode::UuidReused,
                    "this client_uuid was used for another answer",
                ),
            });
        }
    };
    let mut out = out;
    out.paused = state
        .store
        .pause_on(me.caller.user.id, OrderId::new(order_id))
        .await?;
    if spec.training.is_some() {
        // Only a training order tells the right answer: real work's gold stays hidden.
        out.feedback =
            training_feedback(&state, &spec, order_id, req.item_id, given.as_deref()).await?;
        if let Some(f) = &mut out.feedback {
            f.accepted_wrong_suggestion = !f.correct && did == Some(suggest::Outcome::Accepted);
        }
    }
    Ok(Json(out))
}

/// Whether `given` (an answer as stored, or `None` for a skip) matches the item's gold.
async fn training_feedback(
    state: &AppState,
    spec: &OrderSpec,
    order_id: i64,
    item_id: i64,
    given: Option<&str>,
) -> ApiResult<Option<Feedback>> {
    let Some(gold) = state
        .store
        .gold_answer(OrderId::new(order_id), ItemId::new(item_id))
        .await?
    else {
        return Ok(None);
    };
    let gold: Value = serde_json::from_str(&gold).map_err(ApiError::internal)?;
    let correct = given
        .and_then(|g| serde_json::from_str::<Value>(g).ok())
        .is_some_and(|g| spec.agrees(&g, &gold));
    Ok(Some(Feedback {
        correct,
        answer: gold,
        accepted_wrong_suggestion: false,
    }))
}
