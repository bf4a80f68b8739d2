//! Questions on an item: an annotator asks about an item of their unit (a reason picture,
//! words, a voice note) and keeps the item (hold) or skips it; a lead of their centre answers
//! (words, a voice note, the item's picture marked up) or forwards it to the order's client,
//! who answers on the order page. The asker, others of the centre given the same item, and
//! others of the centre who asked a question like it on the order see the answer; before
//! asking, an annotator sees the answered questions like theirs (`/work/questions/similar`).

use axum::extract::{DefaultBodyLimit, State};
use axum::response::Response;
use base64::Engine;
use mudou_domain::similar::{Asked, Likeness, likeness};
use mudou_domain::{ErrorCode, OrderId, Role};
use mudou_media::BlobKind;
use mudou_store::{NewAnswer, NewLabel, NewQuestion, Question, WriteDone, WriteJob, now_millis};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use super::types::{ErrorBody, media_url};
use crate::auth::{AnnotatorCaller, Caller, ClientCaller, LeadCaller};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

/// A voice note's largest size.
pub const MAX_VOICE_BYTES: usize = 1 << 20;
/// A voice note's longest length.
pub const MAX_VOICE_MS: i64 = 60_000;
/// The most bytes a second of voice may take (384 kbit/s: far above what a browser's
/// recorder makes), plus room for headers: more is not the length the client claims.
const VOICE_BYTES_PER_S: i64 = 48_000;
const VOICE_HEADER_BYTES: i64 = 16 * 1024;
/// Questions a list shows.
const LISTED: i64 = 200;
/// Body limit of the routes that take a voice note (base64 makes 1 MiB into 1.34 MiB).
const VOICE_BODY: usize = 2 << 20;
/// A marked-up picture's largest size.
pub const MAX_PICTURE_BYTES: usize = 2 << 20;
/// A marked-up picture's widest and tallest side: it is drawn on the item's screen copy
/// (at most 1600 px), so more is not a drawing of it.
pub const MAX_PICTURE_SIDE: u32 = 4096;
/// Body limit of the answer routes: a voice note and a picture, each in base64.
const ANSWER_BODY: usize = 5 << 20;
/// Answered questions of others read to find those like the caller's.
const CANDIDATES: i64 = 500;
/// Answered questions like theirs the ask sheet shows.
const SIMILAR_SHOWN: usize = 10;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(ask).layer(DefaultBodyLimit::max(VOICE_BODY)))
        .routes(routes!(my_questions))
        .routes(routes!(mark_seen))
        .routes(routes!(lead_questions))
        .routes(routes!(similar))
        .routes(routes!(lead_answer).layer(DefaultBodyLimit::max(ANSWER_BODY)))
        .routes(routes!(lead_forward))
        .routes(routes!(order_questions))
        .routes(routes!(client_answer).layer(DefaultBodyLimit::max(ANSWER_BODY)))
        .routes(routes!(question_voice))
        .routes(routes!(answer_voice))
        .routes(routes!(answer_picture))
}

/// Why the annotator asks: each has a picture in the workbench.
#[derive(Deserialize, Serialize, ToSchema, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "snake_case")]
pub enum QuestionReason {
    /// The picture (or text) is hard to make out.
    Unclear,
    /// No label fits.
    NoLabelFits,
    /// More than one label fits.
    SeveralFit,
    /// The rule (instructions) is not clear for this case.
    RuleUnclear,
    /// Something else (say it, or record it).
    Other,
}

impl QuestionReason {
    fn as_str(self) -> &'static str {
        match self {
            QuestionReason::Unclear => "unclear",
            QuestionReason::NoLabelFits => "no_label_fits",
            QuestionReason::SeveralFit => "several_fit",
            QuestionReason::RuleUnclear => "rule_unclear",
            QuestionReason::Other => "other",
        }
    }
}

/// What happens to the item while the question is open.
#[derive(Deserialize, ToSchema, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "snake_case")]
pub enum WhileOpen {
    /// The item stays the asker's: their lease does not lapse while the question is open.
    Hold,
    /// The item is skipped for them (as "cannot judge") and goes on to others.
    Skip,
}

/// A recorded voice note: the browser's bytes in base64 and the length it measured.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoiceIn {
    /// The audio file (WebM, Ogg, MP4, WAV or MP3), base64; at most 1 MiB.
    pub base64: String,
    /// Its length in milliseconds, at most 60 000.
    pub duration_ms: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AskRequest {
    pub assignment_id: i64,
    pub item_id: i64,
    pub reason: QuestionReason,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub voice: Option<VoiceIn>,
    pub while_open: WhileOpen,
}

/// The item's picture as the answerer marked it up in the browser.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PictureIn {
    /// The picture file (PNG, JPEG or WebP), base64; at most 2 MiB and 4096 px a side.
    pub base64: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerRequest {
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub voice: Option<VoiceIn>,
    /// The item's picture, drawn on (only for an item with a picture).
    #[serde(default)]
    pub picture: Option<PictureIn>,
}

#[derive(Serialize, ToSchema)]
pub struct QuestionItem {
    pub item_id: i64,
    pub kind: String,
    pub thumb_url: Option<String>,
    pub screen_url: Option<String>,
    pub text: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct QuestionAnswerOut {
    pub text: Option<String>,
    pub voice_url: Option<String>,
    pub voice_ms: Option<i64>,
    /// The item's picture as the answerer marked it up.
    pub picture_url: Option<String>,
    pub by_name: Option<String>,
    /// `lead` or `client`.
    pub by_role: Option<String>,
    pub at: i64,
    /// For the asker: when they saw it (`null`: new).
    pub seen_at: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct QuestionOut {
    pub id: i64,
    pub asker_name: String,
    pub order_id: i64,
    pub order_name: String,
    pub item: QuestionItem,
    pub reason: QuestionReasonOut,
    pub text: Option<String>,
    pub voice_url: Option<String>,
    pub voice_ms: Option<i64>,
    /// The item stays the asker's while the question is open (else it was skipped).
    pub hold: bool,
    pub created_at: i64,
    pub forwarded_at: Option<i64>,
    pub answer: Option<QuestionAnswerOut>,
    /// Why an answered question of someone else is shown to the caller (`null` in the
    /// lists of one's own, a centre's, an order's questions).
    pub why: Option<QuestionWhy>,
    /// For `why: similar` in `/me/questions`: the caller's own question it is like.
    pub similar_to: Option<i64>,
}

/// Why someone else's answered question is shown.
#[derive(Serialize, ToSchema, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "snake_case")]
pub enum QuestionWhy {
    /// It is about an item the caller was given.
    SameItem,
    /// Its reason and words are like those of the caller's question.
    Similar,
    /// Its reason is the caller's (one of the two has no words to compare).
    SameReason,
}

/// The reason key, as stored (see [`QuestionReason`]).
pub type QuestionReasonOut = String;

fn question_out(q: Question) -> QuestionOut {
    let media = |v: &str| q.item_sha256.as_deref().map(|s| media_url(s, v));
    let answer = q.answered_at.map(|at| QuestionAnswerOut {
        text: q.answer_body.clone(),
        voice_url: q
            .answer_voice_sha256
            .as_ref()
            .map(|_| format!("/api/v1/questions/{}/answer/voice", q.id)),
        voice_ms: q.answer_voice_ms,
        picture_url: q
            .answer_picture_sha256
            .as_ref()
            .map(|_| format!("/api/v1/questions/{}/answer/picture", q.id)),
        by_name: q.answered_by_name.clone(),
        by_role: q.answered_by_role.clone(),
        at,
        seen_at: q.answer_seen_at,
    });
    QuestionOut {
        id: q.id,
        item: QuestionItem {
            item_id: q.item_id,
            kind: q.item_kind.clone(),
            thumb_url: media("thumb"),
            screen_url: media("screen"),
            text: q.item_text.clone(),
        },
        voice_url: q
            .voice_sha256
            .as_ref()
            .map(|_| format!("/api/v1/questions/{}/voice", q.id)),
        asker_name: q.asker_name,
        order_id: q.order_id,
        order_name: q.order_name,
        reason: q.reason,
        text: q.body,
        voice_ms: q.voice_ms,
        hold: q.hold,
        created_at: q.created_at,
        forwarded_at: q.forwarded_at,
        answer,
        why: None,
        similar_to: None,
    }
}

fn why_out(q: Question, why: QuestionWhy, similar_to: Option<i64>) -> QuestionOut {
    QuestionOut {
        why: Some(why),
        similar_to,
        ..question_out(q)
    }
}

fn asked(q: &Question) -> Asked<'_> {
    Asked {
        reason: &q.reason,
        text: q.body.as_deref(),
    }
}

/// Words: trimmed, at most 500 characters; empty is none.
fn words(text: Option<String>) -> ApiResult<Option<String>> {
    let t = text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
    if t.as_ref().is_some_and(|t| t.chars().count() > 500) {
        return Err(ApiError::validation("text: at most 500 characters").with("field", "text"));
    }
    Ok(t)
}

/// Checks a voice note: really audio (by its bytes), at most 1 MiB and 60 s (the length the
/// client reports, bounded by the bytes; a WAV's own header is believed over the client).
/// Returns the bytes and the length.
pub fn check_voice(v: &VoiceIn) -> ApiResult<(Vec<u8>, i64)> {
    // Base64 of 1 MiB is at most this long: refuse a larger one before decoding it.
    if v.base64.len() > MAX_VOICE_BYTES.div_ceil(3) * 4 + 8 {
        return Err(too_large());
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(v.base64.trim())
        .map_err(|_| ApiError::validation("voice.base64: not base64").with("field", "voice"))?;
    if bytes.len() > MAX_VOICE_BYTES {
        return Err(too_large());
    }
    let Ok(kind) = mudou_media::sniff_audio(&bytes) else {
        return Err(ApiError::new(
            ErrorCode::NotAudio,
            "the voice note is not audio (WebM, Ogg, MP4, WAV or MP3)",
        ));
    };
    if v.duration_ms <= 0 {
        return Err(ApiError::validation("voice.duration_ms: more than 0").with("field", "voice"));
    }
    // Where the file says how long it plays (WAV, Ogg), it is believed over the client.
    let mut ms = v.duration_ms;
    if let Some(own) = mudou_media::audio_duration_ms(kind, &bytes) {
        ms = ms.max(i64::try_from(own).unwrap_or(i64::MAX));
    }
    let bound = (ms + 999) / 1000 * VOICE_BYTES_PER_S + VOICE_HEADER_BYTES;
    if ms > MAX_VOICE_MS || bytes.len() as i64 > bound {
        return Err(ApiError::new(
            ErrorCode::VoiceTooLong,
            "the voice note is over 60 seconds: record a shorter one",
        ));
    }
    Ok((bytes, ms))
}

/// Checks a marked-up picture: at most 2 MiB, PNG, JPEG or WebP by its bytes, and decoded
/// whole within the server's decode memory and 4096 px a side. Returns its bytes.
pub async fn check_picture(state: &AppState, p: &PictureIn) -> ApiResult<Vec<u8>> {
    let too_large = || {
        ApiError::new(
            ErrorCode::PictureTooLarge,
            "the picture is over 2 MiB or 4096 px a side: send a smaller one",
        )
    };
    if p.base64.len() > MAX_PICTURE_BYTES.div_ceil(3) * 4 + 8 {
        return Err(too_large());
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(p.base64.trim())
        .map_err(|_| ApiError::validation("picture.base64: not base64").with("field", "picture"))?;
    if bytes.len() > MAX_PICTURE_BYTES {
        return Err(too_large());
    }
    let not_image = || {
        ApiError::new(
            ErrorCode::NotImage,
            "the picture is not a PNG, JPEG or WebP",
        )
    };
    match mudou_media::sniff(&bytes) {
        Ok(
            mudou_media::ImageKind::Png
            | mudou_media::ImageKind::Jpeg
            | mudou_media::ImageKind::Webp,
        ) => {}
        _ => return Err(not_image()),
    }
    let limits = mudou_media::Limits {
        max_file_bytes: MAX_PICTURE_BYTES as u64,
        max_width: MAX_PICTURE_SIDE,
        max_height: MAX_PICTURE_SIDE,
        max_pixels: u64::from(MAX_PICTURE_SIDE) * u64::from(MAX_PICTURE_SIDE),
        ..state.media_limits()
    };
    let span = tracing::Span::current();
    let (bytes, decoded) = tokio::task::spawn_blocking(move || {
        let _g = span.enter();
        let d = mudou_media::decode(&bytes, &limits).map(drop);
        (bytes, d)
    })
    .await
    .map_err(|e| ApiError::internal(format!("checking a picture: {e}")))?;
    match decoded {
        Ok(()) => Ok(bytes),
        Err(e @ mudou_media::MediaError::Busy { .. }) => {
            Err(ApiError::new(ErrorCode::Busy, e.to_string()))
        }
        Err(
            mudou_media::MediaError::TooLarge { .. }
            | mudou_media::MediaError::DecompressionBomb { .. },
        ) => Err(too_large()),
        Err(e) if e.is_client_error() => Err(not_image()),
        Err(e) => Err(ApiError::internal(format!("checking a picture: {e}"))),
    }
}

fn too_large() -> ApiError {
    ApiError::new(
        ErrorCode::VoiceTooLarge,
        "the voice note is over 1 MiB: record a shorter one",
    )
}

/// Stores a checked voice note or picture as a blob; its SHA-256.
async fn store_blob(state: &AppState, bytes: Vec<u8>) -> ApiResult<String> {
    let (sha, _) = state
        .blobs
        .put_original(bytes.into())
        .await
        .map_err(|e| ApiError::internal(format!("storing a question's file: {e}")))?;
    Ok(sha)
}

/// Asks about an item of the caller's current unit. Nothing is stored when the voice note
/// is refused or the item is not leased to the caller (404).
#[utoipa::path(post, path = "/api/v1/work/questions", tag = "questions", request_body = AskRequest,
    responses((status = 200, body = QuestionOut), (status = 404, body = ErrorBody),
              (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn ask(
    State(state): State<AppState>,
    me: AnnotatorCaller,
    Json(req): Json<AskRequest>,
) -> ApiResult<Json<QuestionOut>> {
    let user = &me.caller.user;
    let text = words(req.text)?;
    let voice = req.voice.as_ref().map(check_voice).transpose()?;
    let now = now_millis();
    let a = state
        .store
        .active_assignment(user.id, now)
        .await?
        .filter(|a| a.id == req.assignment_id)
        .ok_or_else(|| ApiError::not_found("item of your unit"))?;
    let items = state.store.assignment_items(&a).await?;
    if !items.iter().any(|i| i.item_id == req.item_id) {
        return Err(ApiError::not_found("item of your unit"));
    }
    if req.while_open == WhileOpen::Skip {
        skip_item(&state, &me, &a, req.item_id).await?;
    }
    let voice = match voice {
        Some((bytes, ms)) => Some((store_blob(&state, bytes).await?, ms)),
        None => None,
    };
    let id = state
        .store
        .insert_question(&NewQuestion {
            centre_id: a.centre_id,
            asker_id: user.id.get(),
            assignment_id: a.id,
            order_id: a.order_id,
            item_id: req.item_id,
            reason: req.reason.as_str().to_owned(),
            body: text,
            voice,
            hold: req.while_open == WhileOpen::Hold,
            created_at: now,
        })
        .await?;
    Ok(Json(question_out(state.store.question(id).await?)))
}

/// Skips the item for the asker the way the workbench's skip does (a label with the skip
/// reason `cannot_judge`), so it goes on to others.
async fn skip_item(
    state: &AppState,
    me: &AnnotatorCaller,
    a: &mudou_store::Assignment,
    item_id: i64,
) -> ApiResult<()> {
    let entry = state.specs.get(&state.store, a.order_id).await?;
    let spec = entry.spec;
    let label = NewLabel {
        client_uuid: uuid::Uuid::new_v4().hyphenated().to_string(),
        assignment_id: a.id,
        item_id,
        annotator_id: me.caller.user.id.get(),
        pay_fen: spec.pay_for(None),
        pay_on_submit: spec.pay_on == mudou_domain::PayOn::Submit,
        answer: None,
        skip_reason: Some("cannot_judge".to_owned()),
        client_ms: 0,
        server_ms: 0,
        instructions_version: Some(entry.instructions_version),
        suggestion_id: None,
        suggestion_outcome: None,
    };
    match state
        .writer
        .run(WriteJob::Label(label), Some((a.order_id, spec)))
        .await?
    {
        WriteDone::Label(Ok(_)) => Ok(()),
        WriteDone::Label(Err(_)) => Err(ApiError::new(
            ErrorCode::UnitClosed,
            "this item can no longer be skipped",
        )),
        other => Err(ApiError::internal(format!("a label answered {other:?}"))),
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SimilarQuery {
    /// The caller's active unit.
    pub assignment_id: i64,
    /// The reason the caller picked.
    pub reason: QuestionReason,
    /// The words the caller typed so far (at most 500 characters).
    #[serde(default)]
    pub text: Option<String>,
}

/// Answered questions like the one being asked: of the caller's centre, on the order of
/// their active unit, with the same reason and, when both have words, alike words
/// (`why: similar`) — those first, the most alike first — else the same reason alone
/// (`why: same_reason`), newest answer first. At most 10. The caller's own included.
#[utoipa::path(get, path = "/api/v1/work/questions/similar", tag = "questions", params(SimilarQuery),
    responses((status = 200, body = QuestionsOut), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn similar(
    State(state): State<AppState>,
    me: AnnotatorCaller,
    Query(q): Query<SimilarQuery>,
) -> ApiResult<Json<QuestionsOut>> {
    let text = words(q.text)?;
    let a = state
        .store
        .active_assignment(me.caller.user.id, now_millis())
        .await?
        .filter(|a| a.id == q.assignment_id && a.centre_id == me.centre_id.get())
        .ok_or_else(|| ApiError::not_found("unit"))?;
    let reason = q.reason.as_str();
    let candidates = state
        .store
        .answered_on_order(me.centre_id, a.order_id, reason, CANDIDATES)
        .await?;
    let this = Asked {
        reason,
        text: text.as_deref(),
    };
    let mut alike: Vec<(f64, i64, Question, QuestionWhy)> = candidates
        .into_iter()
        .filter_map(|c| {
            let l = likeness(this, asked(&c))?;
            let why = match l {
                Likeness::Words(_) => QuestionWhy::Similar,
                Likeness::Reason => QuestionWhy::SameReason,
            };
            Some((l.rank(), c.answered_at.unwrap_or(0), c, why))
        })
        .collect();
    alike.sort_by(|x, y| y.0.total_cmp(&x.0).then(y.1.cmp(&x.1)));
    Ok(Json(QuestionsOut {
        questions: alike
            .into_iter()
            .take(SIMILAR_SHOWN)
            .map(|(_, _, c, why)| why_out(c, why, None))
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct MyQuestionsOut {
    /// The caller's questions, newest first.
    pub questions: Vec<QuestionOut>,
    /// Answers the caller has not seen yet.
    pub new_answers: i64,
    /// Answered questions of others of the centre, each once, newest answer first: on items
    /// the caller was given (`why: same_item`), or on an order where the caller asked a
    /// question with the same reason and alike words (`why: similar`, `similar_to` says
    /// which of theirs).
    pub on_my_items: Vec<QuestionOut>,
}

/// Others' answered questions that reach the caller: same item first, then those like one
/// of the caller's own (same order, reason and alike words), each once, newest answer first.
fn reaching_me(
    mine: &[Question],
    same_item: Vec<Question>,
    like_mine: Vec<Question>,
) -> Vec<QuestionOut> {
    let mut seen: std::collections::HashSet<i64> = same_item.iter().map(|q| q.id).collect();
    let mut out: Vec<(i64, i64, QuestionOut)> = same_item
        .into_iter()
        .map(|q| {
            (
                q.answered_at.unwrap_or(0),
                q.id,
                why_out(q, QuestionWhy::SameItem, None),
            )
        })
        .collect();
    for q in like_mine {
        if !seen.insert(q.id) {
            continue;
        }
        // The most alike of the caller's questions on that order, by words only and close
        // enough to push (`Likeness::pushes`): a voice note alone says too little to push an
        // answer on someone.
        let best = mine
            .iter()
            .filter(|m| m.order_id == q.order_id)
            .filter_map(|m| match likeness(asked(m), asked(&q)) {
                Some(l @ Likeness::Words(d)) if l.pushes() => Some((d, m.id)),
                _ => None,
            })
            .max_by(|a, b| a.0.total_cmp(&b.0));
        if let Some((_, mine_id)) = best {
            out.push((
                q.answered_at.unwrap_or(0),
                q.id,
                why_out(q, QuestionWhy::Similar, Some(mine_id)),
            ));
        }
    }
    out.sort_by_key(|x| std::cmp::Reverse((x.0, x.1)));
    out.truncate(LISTED as usize);
    out.into_iter().map(|(_, _, q)| q).collect()
}

/// My questions with their answers, and answers others got on items I was given or to
/// questions like mine.
#[utoipa::path(get, path = "/api/v1/me/questions", tag = "questions",
    responses((status = 200, body = MyQuestionsOut), (status = 403, body = ErrorBody)))]
async fn my_questions(
    State(state): State<AppState>,
    me: AnnotatorCaller,
) -> ApiResult<Json<MyQuestionsOut>> {
    let mine = state.store.my_questions(me.caller.user.id, LISTED).await?;
    let new_answers = mine
        .iter()
        .filter(|q| q.answered_at.is_some() && q.answer_seen_at.is_none())
        .count() as i64;
    let same_item = state
        .store
        .answered_on_my_items(me.caller.user.id, me.centre_id, LISTED)
        .await?;
    let like_mine = state
        .store
        .answered_like_mine(me.caller.user.id, me.centre_id, CANDIDATES)
        .await?;
    let on_my_items = reaching_me(&mine, same_item, like_mine);
    Ok(Json(MyQuestionsOut {
        questions: mine.into_iter().map(question_out).collect(),
        new_answers,
        on_my_items,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct SeenOut {
    pub marked: u64,
}

/// Marks the caller's answers seen (the badge clears).
#[utoipa::path(post, path = "/api/v1/me/questions/seen", tag = "questions",
    responses((status = 200, body = SeenOut), (status = 403, body = ErrorBody)))]
async fn mark_seen(State(state): State<AppState>, me: AnnotatorCaller) -> ApiResult<Json<SeenOut>> {
    let marked = state
        .store
        .mark_answers_seen(me.caller.user.id, now_millis())
        .await?;
    Ok(Json(SeenOut { marked }))
}

#[derive(Serialize, ToSchema)]
pub struct QuestionsOut {
    pub questions: Vec<QuestionOut>,
}

/// The lead's centre's questions: open ones first (oldest first), then answered ones.
#[utoipa::path(get, path = "/api/v1/lead/questions", tag = "questions",
    responses((status = 200, body = QuestionsOut), (status = 403, body = ErrorBody)))]
async fn lead_questions(
    State(state): State<AppState>,
    lead: LeadCaller,
) -> ApiResult<Json<QuestionsOut>> {
    let qs = state.store.centre_questions(lead.centre_id, LISTED).await?;
    Ok(Json(QuestionsOut {
        questions: qs.into_iter().map(question_out).collect(),
    }))
}

/// A question of the lead's centre (404 otherwise).
async fn centre_question(state: &AppState, lead: &LeadCaller, id: i64) -> ApiResult<Question> {
    let q = state
        .store
        .question(id)
        .await
        .map_err(ApiError::not_found_as("question"))?;
    if q.centre_id != lead.centre_id.get() {
        return Err(ApiError::not_found("question"));
    }
    Ok(q)
}

/// Checks an answer (words, a voice note and/or the item's picture marked up) and stores
/// its files; nothing is stored when any part is refused. A picture needs an item with one.
async fn answer_of(
    state: &AppState,
    q: &Question,
    req: AnswerRequest,
    by: i64,
) -> ApiResult<NewAnswer> {
    let text = words(req.text)?;
    let voice = req.voice.as_ref().map(check_voice).transpose()?;
    if text.is_none() && voice.is_none() && req.picture.is_none() {
        return Err(ApiError::validation("say, write or draw the answer").with("field", "text"));
    }
    let picture = match &req.picture {
        Some(_) if q.item_sha256.is_none() => {
            return Err(
                ApiError::validation("picture: this item has no picture to draw on")
                    .with("field", "picture"),
            );
        }
        Some(p) => Some(check_picture(state, p).await?),
        None => None,
    };
    let now = now_millis();
    let voice = match voice {
        Some((bytes, ms)) => Some((store_blob(state, bytes).await?, ms)),
        None => None,
    };
    let picture = match picture {
        Some(bytes) => Some(store_blob(state, bytes).await?),
        None => None,
    };
    Ok(NewAnswer {
        body: text,
        voice,
        picture,
        by,
        at: now,
        lease_until: now + super::work::LEASE.as_millis() as i64,
    })
}

/// Answers a question of the lead's centre (409 when it was already answered): words, a
/// voice note and/or the item's picture marked up (413 `picture_too_large`, 422
/// `not_image`).
#[utoipa::path(post, path = "/api/v1/lead/questions/{id}/answer", tag = "questions",
    params(("id" = i64, Path)), request_body = AnswerRequest,
    responses((status = 200, body = QuestionOut), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody),
              (status = 503, body = ErrorBody)))]
async fn lead_answer(
    State(state): State<AppState>,
    lead: LeadCaller,
    Path(id): Path<i64>,
    Json(req): Json<AnswerRequest>,
) -> ApiResult<Json<QuestionOut>> {
    let q = centre_question(&state, &lead, id).await?;
    let answer = answer_of(&state, &q, req, lead.caller.user.id.get()).await?;
    state.store.answer_question(q.id, &answer).await?;
    Ok(Json(question_out(state.store.question(q.id).await?)))
}

/// Forwards a question of the lead's centre to the order's client (409 when it was
/// already answered or forwarded).
#[utoipa::path(post, path = "/api/v1/lead/questions/{id}/forward", tag = "questions",
    params(("id" = i64, Path)),
    responses((status = 200, body = QuestionOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn lead_forward(
    State(state): State<AppState>,
    lead: LeadCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<QuestionOut>> {
    let q = centre_question(&state, &lead, id).await?;
    state
        .store
        .forward_question(q.id, lead.caller.user.id.get(), now_millis())
        .await?;
    Ok(Json(question_out(state.store.question(q.id).await?)))
}

/// The questions on one of the client's orders: those forwarded to them, and answered ones.
#[utoipa::path(get, path = "/api/v1/orders/{id}/questions", tag = "questions",
    params(("id" = i64, Path)),
    responses((status = 200, body = QuestionsOut), (status = 404, body = ErrorBody)))]
async fn order_questions(
    State(state): State<AppState>,
    client: ClientCaller,
    Path(id): Path<OrderId>,
) -> ApiResult<Json<QuestionsOut>> {
    let o = state
        .store
        .get_order(client.org_id, id)
        .await
        .map_err(ApiError::not_found_as("order"))?;
    let qs = state.store.order_questions(o.id, LISTED).await?;
    Ok(Json(QuestionsOut {
        questions: qs.into_iter().map(question_out).collect(),
    }))
}

/// Answers a question forwarded to the client on one of their orders, like the lead's
/// answer (words, a voice note and/or the item's picture marked up).
#[utoipa::path(post, path = "/api/v1/orders/{id}/questions/{qid}/answer", tag = "questions",
    params(("id" = i64, Path), ("qid" = i64, Path)), request_body = AnswerRequest,
    responses((status = 200, body = QuestionOut), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody),
              (status = 503, body = ErrorBody)))]
async fn client_answer(
    State(state): State<AppState>,
    client: ClientCaller,
    Path((id, qid)): Path<(OrderId, i64)>,
    Json(req): Json<AnswerRequest>,
) -> ApiResult<Json<QuestionOut>> {
    let o = state
        .store
        .get_order(client.org_id, id)
        .await
        .map_err(ApiError::not_found_as("order"))?;
    let q = state
        .store
        .question(qid)
        .await
        .map_err(ApiError::not_found_as("question"))?;
    if q.order_id != o.id || q.forwarded_at.is_none() {
        return Err(ApiError::not_found("question"));
    }
    let answer = answer_of(&state, &q, req, client.caller.user.id.get()).await?;
    state.store.answer_question(q.id, &answer).await?;
    Ok(Json(question_out(state.store.question(q.id).await?)))
}

/// Whether the caller may read the question (hear its voice notes, see its answer's
/// picture): its asker; once it is answered, others of the centre given the item or work of
/// its order (answers reach those who ask alike questions there); the centre's leads; the
/// order's client once it is forwarded or answered; admins.
async fn may_read(state: &AppState, caller: &Caller, q: &Question) -> ApiResult<bool> {
    let user = &caller.user;
    Ok(match user.role {
        Role::Admin => true,
        Role::Annotator => {
            q.asker_id == user.id.get()
                || (user.centre_id.map(|c| c.get()) == Some(q.centre_id)
                    && q.answered_at.is_some()
                    && (state.store.annotator_met_item(user.id, q.item_id).await?
                        || state.store.annotator_on_order(user.id, q.order_id).await?))
        }
        Role::Lead => user.centre_id.map(|c| c.get()) == Some(q.centre_id),
        Role::Client => match user.org_id {
            Some(org) => {
                (q.forwarded_at.is_some() || q.answered_at.is_some())
                    && state
                        .store
                        .get_order(org, OrderId::new(q.order_id))
                        .await
                        .is_ok()
            }
            None => false,
        },
    })
}

/// A question's stored files.
#[derive(Clone, Copy)]
enum QuestionFile {
    Voice,
    AnswerVoice,
    AnswerPicture,
}

async fn file(
    state: &AppState,
    caller: &Caller,
    id: i64,
    which: QuestionFile,
) -> ApiResult<Response> {
    caller.require_for(&axum::http::Method::GET)?;
    let not_found = || match which {
        QuestionFile::AnswerPicture => ApiError::not_found("picture"),
        _ => ApiError::not_found("voice note"),
    };
    let q = state.store.question(id).await.map_err(|_| not_found())?;
    if !may_read(state, caller, &q).await? {
        return Err(not_found());
    }
    let sha = match which {
        QuestionFile::Voice => q.voice_sha256,
        QuestionFile::AnswerVoice => q.answer_voice_sha256,
        QuestionFile::AnswerPicture => q.answer_picture_sha256,
    }
    .ok_or_else(not_found)?;
    let blob = state
        .blobs
        .get(BlobKind::Original, &sha)
        .await
        .map_err(|e| ApiError::internal(format!("reading a question's file: {e}")))?
        .ok_or_else(not_found)?;
    Ok(super::media::content_addressed(
        blob.content_type,
        blob.bytes,
    ))
}

/// The question's voice note, for those who may read the question.
#[utoipa::path(get, path = "/api/v1/questions/{id}/voice", tag = "questions",
    params(("id" = i64, Path)),
    responses((status = 200, description = "the audio bytes"), (status = 404, body = ErrorBody)))]
async fn question_voice(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    file(&state, &caller, id, QuestionFile::Voice).await
}

/// The answer's voice note, for those who may read the question.
#[utoipa::path(get, path = "/api/v1/questions/{id}/answer/voice", tag = "questions",
    params(("id" = i64, Path)),
    responses((status = 200, description = "the audio bytes"), (status = 404, body = ErrorBody)))]
async fn answer_voice(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    file(&state, &caller, id, QuestionFile::AnswerVoice).await
}

/// The answer's picture (the item's picture as the answerer marked it up), for those who
/// may read the question.
#[utoipa::path(get, path = "/api/v1/questions/{id}/answer/picture", tag = "questions",
    params(("id" = i64, Path)),
    responses((status = 200, description = "the picture bytes (PNG, JPEG or WebP)"), (status = 404, body = ErrorBody)))]
async fn answer_picture(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    file(&state, &caller, id, QuestionFile::AnswerPicture).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wav(seconds: u32) -> Vec<u8> {
        let rate = 8000u32;
        let data = vec![128u8; (rate * seconds) as usize];
        let mut b = b"RIFF".to_vec();
        b.extend((36 + data.len() as u32).to_le_bytes());
        b.extend(b"WAVEfmt ");
        b.extend(16u32.to_le_bytes());
        b.extend(1u16.to_le_bytes());
        b.extend(1u16.to_le_bytes());
        b.extend(rate.to_le_bytes());
        b.extend(rate.to_le_bytes());
        b.extend(1u16.to_le_bytes());
        b.extend(8u16.to_le_bytes());
        b.extend(b"data");
        b.extend((data.len() as u32).to_le_bytes());
        b.extend(data);
        b
    }

    fn voice(bytes: &[u8], ms: i64) -> VoiceIn {
        VoiceIn {
            base64: base64::engine::general_purpose::STANDARD.encode(bytes),
            duration_ms: ms,
        }
    }

    fn code(r: ApiResult<(Vec<u8>, i64)>) -> ErrorCode {
        r.err().unwrap().code
    }

    #[test]
    fn a_wav_reads_its_own_length() {
        assert_eq!(check_voice(&voice(&wav(2), 2000)).unwrap().1, 2000);
        // A client that says 1 s of a 70 s WAV is not believed.
        assert_eq!(
            code(check_voice(&voice(&wav(70), 1000))),
            ErrorCode::VoiceTooLong
        );
        assert_eq!(
            code(check_voice(&voice(b"hello", 1000))),
            ErrorCode::NotAudio
        );
        let mut big = b"OggS".to_vec();
        big.resize(MAX_VOICE_BYTES + 1, 0);
        assert_eq!(
            code(check_voice(&voice(&big, 30_000))),
            ErrorCode::VoiceTooLarge
        );
        // 500 KiB said to be 2 s long: too many bytes for its length.
        let mut ogg = b"OggS".to_vec();
        ogg.resize(500 * 1024, 0);
        assert_eq!(
            code(check_voice(&voice(&ogg, 2000))),
            ErrorCode::VoiceTooLong
        );
        assert_eq!(
            code(check_voice(&voice(&ogg, 61_000))),
            ErrorCode::VoiceTooLong
        );
    }
}
