//! Living instructions and voice: versions of an open order's instructions (a new one may
//! add one of its items as an example with words: the one step a promoted answer takes),
//! read-alouds a lead or the client records for the instructions and each label, and
//! speech made on the server (espeak-ng, cached) for browsers without a Chinese voice.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use mudou_domain::question_effect::EffectReport;
use mudou_domain::{ErrorCode, OrderId, OrderSpec, Role};
use mudou_media::BlobKind;
use mudou_store::{EffectViewer, InstructionsVersion, Order, now_millis};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::types::ErrorBody;
use crate::auth::{Caller, ClientCaller};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

/// The longest text the server speaks.
pub const MAX_SPEECH_CHARS: usize = 300;
/// How long espeak-ng may take.
const SPEECH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_versions, new_version))
        .routes(routes!(effect))
        .routes(routes!(put_recording, get_recording))
        .routes(routes!(speech))
}

/// A change of the instructions: new words, and/or an item of the order added as an example
/// with words of its own.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewVersionRequest {
    /// The instructions' new text (absent: unchanged).
    #[serde(default)]
    pub instructions: Option<String>,
    /// An item of the order's dataset to show as a new example.
    #[serde(default)]
    pub example_item_id: Option<i64>,
    /// What the example shows, in a few words (at most 200 characters).
    #[serde(default)]
    pub example_words: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct VersionOut {
    pub version: i64,
    pub instructions: String,
    pub instruction_examples: Vec<i64>,
    pub example_item_id: Option<i64>,
    pub example_words: Option<String>,
    pub created_at: i64,
}

impl From<InstructionsVersion> for VersionOut {
    fn from(v: InstructionsVersion) -> Self {
        VersionOut {
            version: v.version,
            instruction_examples: serde_json::from_str(&v.examples).unwrap_or_default(),
            instructions: v.instructions,
            example_item_id: v.example_item_id,
            example_words: v.example_words,
            created_at: v.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct VersionsOut {
    /// The version in force: labels stored now carry it.
    pub current_version: i64,
    /// Newest first.
    pub versions: Vec<VersionOut>,
    /// The recorded read-alouds: `instructions` or `label:{key}`, with their URLs.
    pub recordings: Vec<RecordingOut>,
}

#[derive(Serialize, ToSchema)]
pub struct RecordingOut {
    pub target: String,
    pub url: String,
}

/// The URL a recording is played from.
pub fn recording_url(order_id: i64, target: &str, sha256: &str) -> String {
    // The hash makes a new recording a new URL (the old one may stay cached).
    format!(
        "/api/v1/orders/{order_id}/recordings/{target}?v={}",
        &sha256[..12.min(sha256.len())]
    )
}

/// The order's instructions versions, newest first (before any change: version 1, the
/// spec as published).
#[utoipa::path(get, path = "/api/v1/orders/{id}/instructions", tag = "orders", params(("id" = i64, Path)),
    responses((status = 200, body = VersionsOut), (status = 404, body = ErrorBody)))]
async fn list_versions(
    State(state): State<AppState>,
    client: ClientCaller,
    Path(id): Path<OrderId>,
) -> ApiResult<Json<VersionsOut>> {
    let o = state
        .store
        .get_order(client.org_id, id)
        .await
        .map_err(ApiError::not_found_as("order"))?;
    let mut versions: Vec<VersionOut> = state
        .store
        .instructions_versions(id)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    if versions.is_empty() {
        let spec: OrderSpec = serde_json::from_str(&o.spec).map_err(ApiError::internal)?;
        versions.push(VersionOut {
            version: o.instructions_version,
            instructions: spec.instructions,
            instruction_examples: spec.instruction_examples,
            example_item_id: None,
            example_words: None,
            created_at: o.published_at.unwrap_or(o.created_at),
        });
    }
    Ok(Json(VersionsOut {
        current_version: o.instructions_version,
        versions,
        recordings: recordings(&state, id).await?,
    }))
}

async fn recordings(state: &AppState, id: OrderId) -> ApiResult<Vec<RecordingOut>> {
    Ok(state
        .store
        .recordings(id)
        .await?
        .into_iter()
        .map(|r| RecordingOut {
            url: recording_url(id.get(), &r.target, &r.sha256),
            target: r.target,
        })
        .collect())
}

/// Changes an open or paused order's instructions as a new version (history kept): new
/// text and/or one of its items as a new example with words. Labels stored from now on
/// carry the new version; each annotator sees the new example before their next unit.
/// A draft is changed with `PUT /orders/{id}`; a cancelled or finished order: 409
/// `order_state`, nothing stored.
#[utoipa::path(post, path = "/api/v1/orders/{id}/instructions", tag = "orders", params(("id" = i64, Path)),
    request_body = NewVersionRequest,
    responses((status = 200, body = VersionOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn new_version(
    State(state): State<AppState>,
    client: ClientCaller,
    Path(id): Path<OrderId>,
    Json(req): Json<NewVersionRequest>,
) -> ApiResult<Json<VersionOut>> {
    let change = mudou_app::orders::InstructionsChange {
        instructions: req.instructions,
        example_item_id: req.example_item_id,
        example_words: req.example_words,
    };
    let v = mudou_app::orders::new_instructions_version(
        &state,
        client.org_id,
        id,
        &change,
        client.caller.user.id,
    )
    .await?;
    Ok(Json(v.into()))
}

/// What the questions and the instruction changes did to the order's results: per
/// instructions version (oldest first) when and why it was made (the answered question its
/// example came from), the answers made under it, the share agreeing with their item's final
/// answer and its change against the version before, gold accuracy, the mean confidence and
/// the escalation share of the items it decided; the items asked about (questions open and
/// answered, median time to answer, how the items ended, their agreement against the
/// order's); the open questions and what waits for the caller. Shares are 0 to 1 (four
/// decimals), `null` when there is nothing to count. The order's client sees all of it; a
/// lead of a centre working on the order sees their centre's labels and questions.
/// Anyone else: 404 (an annotator: 403).
#[utoipa::path(get, path = "/api/v1/orders/{id}/instructions/effect", tag = "orders", params(("id" = i64, Path)),
    responses((status = 200, body = EffectReport), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn effect(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<OrderId>,
) -> ApiResult<Json<EffectReport>> {
    if !matches!(caller.user.role, Role::Client | Role::Lead) {
        return Err(ApiError::forbidden());
    }
    caller.require_for(&axum::http::Method::GET)?;
    let o = order_for(&state, &caller, id).await?;
    let viewer = match (caller.user.role, caller.user.centre_id) {
        (Role::Lead, Some(centre)) => EffectViewer::Lead(centre),
        _ => EffectViewer::Client,
    };
    let facts = state
        .store
        .question_effect_facts(
            id,
            o.instructions_version,
            o.published_at.unwrap_or(o.created_at),
            viewer,
            now_millis(),
        )
        .await?;
    Ok(Json(mudou_domain::question_effect::report(&facts)))
}

/// Whether the caller may hear (and, as a lead or client, record) the order's read-alouds:
/// a client of its org; a lead or annotator whose centre works on it (it is published, not
/// cancelled, and open to their centre). Anyone else: 404, as if it did not exist.
pub(super) async fn order_for(state: &AppState, caller: &Caller, id: OrderId) -> ApiResult<Order> {
    let not_found = || ApiError::not_found("order");
    let o = match state.store.order_by_id(id).await {
        Ok(o) => o,
        Err(mudou_store::StoreError::NotFound) => return Err(not_found()),
        Err(e) => return Err(e.into()),
    };
    let ok = match (caller.user.role, caller.user.org_id, caller.user.centre_id) {
        (Role::Client, Some(org), _) => o.org_id == org.get(),
        (Role::Lead | Role::Annotator, _, Some(centre)) => {
            let spec: OrderSpec = serde_json::from_str(&o.spec).map_err(ApiError::internal)?;
            matches!(o.state.as_str(), "open" | "paused" | "done")
                && (spec.eligible_centres.is_empty()
                    || spec.eligible_centres.contains(&centre.get()))
        }
        _ => false,
    };
    if ok { Ok(o) } else { Err(not_found()) }
}

/// `instructions` or `label:{key}` of one of the order's labels.
fn check_target(o: &Order, target: &str) -> ApiResult<()> {
    if target == "instructions" {
        return Ok(());
    }
    let spec: OrderSpec = serde_json::from_str(&o.spec).map_err(ApiError::internal)?;
    match target.strip_prefix("label:") {
        Some(key) if spec.labels.iter().any(|l| l.key == key) => Ok(()),
        _ => Err(ApiError::validation(
            "the target is `instructions` or `label:{key}` of one of the order's labels",
        )
        .with("field", "target")),
    }
}

/// Records the read-aloud of the instructions (`instructions`) or of a label
/// (`label:{key}`): the body is the audio (WAV, Ogg, WebM, MP4 or MP3, by its bytes), at
/// most 1 MiB and 60 s. A lead whose centre works on the order, or its client.
#[utoipa::path(put, path = "/api/v1/orders/{id}/recordings/{target}", tag = "orders",
    params(("id" = i64, Path), ("target" = String, Path, description = "`instructions` or `label:{key}`")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = RecordingOut), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_recording(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, target)): Path<(OrderId, String)>,
    body: Bytes,
) -> ApiResult<Json<RecordingOut>> {
    if !matches!(caller.user.role, Role::Client | Role::Lead) {
        return Err(ApiError::forbidden());
    }
    caller.require_for(&axum::http::Method::PUT)?;
    let o = order_for(&state, &caller, id).await?;
    if o.state == "cancelled" {
        return Err(
            ApiError::new(ErrorCode::OrderState, "the order is cancelled")
                .with("state", "cancelled"),
        );
    }
    check_target(&o, &target)?;
    let kind = mudou_media::check_recording(&body).map_err(|e| {
        // The same codes as a question's voice note.
        let code = match e {
            mudou_media::AudioError::TooLarge(_) => ErrorCode::VoiceTooLarge,
            mudou_media::AudioError::NotAudio => ErrorCode::NotAudio,
            mudou_media::AudioError::TooLong(_) => ErrorCode::VoiceTooLong,
            mudou_media::AudioError::Empty => ErrorCode::Validation,
        };
        ApiError::new(code, e.to_string())
    })?;
    let sha = mudou_media::sha256_hex(&body);
    state
        .blobs
        .put(BlobKind::Audio, &sha, body)
        .await
        .map_err(ApiError::internal)?;
    state
        .store
        .put_recording(id, &target, &sha, kind.mime(), caller.user.id, now_millis())
        .await?;
    Ok(Json(RecordingOut {
        url: recording_url(id.get(), &target, &sha),
        target,
    }))
}

/// Plays a recorded read-aloud (scoped as recording it, annotators of a centre working on
/// the order too).
#[utoipa::path(get, path = "/api/v1/orders/{id}/recordings/{target}", tag = "orders",
    params(("id" = i64, Path), ("target" = String, Path, description = "`instructions` or `label:{key}`")),
    responses((status = 200, description = "the audio"), (status = 404, body = ErrorBody)))]
async fn get_recording(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, target)): Path<(OrderId, String)>,
) -> ApiResult<Response> {
    caller.require_for(&axum::http::Method::GET)?;
    let o = order_for(&state, &caller, id).await?;
    let rec = state
        .store
        .recordings(OrderId::new(o.id))
        .await?
        .into_iter()
        .find(|r| r.target == target)
        .ok_or_else(|| ApiError::not_found("recording"))?;
    let blob = state
        .blobs
        .get(BlobKind::Audio, &rec.sha256)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::not_found("recording"))?;
    Ok(audio(blob.bytes, &rec.mime))
}

fn audio(bytes: Bytes, mime: &str) -> Response {
    let ct = HeaderValue::from_str(mime).unwrap_or(HeaderValue::from_static("audio/wav"));
    (
        [
            (header::CONTENT_TYPE, ct),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=86400"),
            ),
        ],
        bytes,
    )
        .into_response()
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SpeechQuery {
    /// What to say: 1 to 300 characters.
    #[serde(default)]
    pub text: String,
    /// `zh` (Mandarin, the default) or `en`.
    #[serde(default)]
    pub lang: Option<String>,
}

/// Speech made on the server, for browsers without a Chinese voice: a WAV of `text` spoken
/// by espeak-ng, made once and kept (by a hash of the text) in the blob store. Any logged-in
/// user. 503 `unavailable` when the server has no espeak-ng.
#[utoipa::path(get, path = "/api/v1/speech", tag = "media", params(SpeechQuery),
    responses((status = 200, description = "audio/wav"), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn speech(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<SpeechQuery>,
) -> ApiResult<Response> {
    caller.require_for(&axum::http::Method::GET)?;
    let text = q.text.trim();
    let n = text.chars().count();
    if n == 0 || n > MAX_SPEECH_CHARS {
        return Err(ApiError::validation("text is 1 to 300 characters").with("field", "text"));
    }
    let voice = match q.lang.as_deref().unwrap_or("zh") {
        "zh" => "cmn",
        "en" => "en",
        _ => return Err(ApiError::validation("lang is zh or en").with("field", "lang")),
    };
    let sha = mudou_media::sha256_hex(format!("espeak-ng\0{voice}\0{text}").as_bytes());
    if let Some(b) = state
        .blobs
        .get(BlobKind::Audio, &sha)
        .await
        .map_err(ApiError::internal)?
    {
        return Ok(audio(b.bytes, "audio/wav"));
    }
    let wav = espeak(voice, text).await?;
    state
        .blobs
        .put(BlobKind::Audio, &sha, wav.clone())
        .await
        .map_err(ApiError::internal)?;
    Ok(audio(wav, "audio/wav"))
}

/// Runs espeak-ng: the text goes on its standard input (never its command line), the WAV
/// comes on its standard output.
async fn espeak(voice: &str, text: &str) -> ApiResult<Bytes> {
    use tokio::io::AsyncWriteExt;
    let unavailable = |why: String| {
        ApiError::new(
            ErrorCode::Unavailable,
            format!("the server cannot speak: {why}"),
        )
        .with("reason", "no_speech")
    };
    let mut child = tokio::process::Command::new("espeak-ng")
        .args(["-v", voice, "-s", "140", "--stdout"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| unavailable(format!("espeak-ng is not installed ({e})")))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(text.as_bytes())
            .await
            .map_err(|e| unavailable(e.to_string()))?;
    }
    let out = tokio::time::timeout(SPEECH_TIMEOUT, child.wait_with_output())
        .await
        .map_err(|_| unavailable("espeak-ng took too long".into()))?
        .map_err(|e| unavailable(e.to_string()))?;
    if !out.status.success()
        || mudou_media::sniff_audio(&out.stdout).ok() != Some(mudou_media::AudioKind::Wav)
    {
        return Err(unavailable(format!("espeak-ng failed ({})", out.status)));
    }
    Ok(Bytes::from(out.stdout))
}
