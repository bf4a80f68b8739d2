//! Image files by content hash, for those allowed to see them.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use mudou_domain::{DatasetId, ItemId, OrderId, Role, UserId};
use mudou_media::BlobKind;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::types::ErrorBody;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::settings::Settings;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_media))
        .routes(routes!(get_signed_media))
}

#[derive(Deserialize, Clone, Copy, Debug, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Variant {
    /// Longest side at most 256 px.
    Thumb,
    /// Longest side at most 800 px: enough for a phone's picture box at a pixel ratio of 2.
    Phone,
    /// Longest side at most 1600 px.
    Screen,
    /// The uploaded file, unchanged.
    Original,
}

/// Whether the file shows one of the examples (of a label, or with the instructions) of the
/// order the annotator is working on now, or of an order they have mistakes on (the "learn
/// from these" list shows the right label's examples).
async fn is_current_example(
    state: &AppState,
    annotator_id: UserId,
    centre_id: Option<mudou_domain::CentreId>,
    sha256: &str,
) -> ApiResult<bool> {
    let now = mudou_store::now_millis();
    let mut orders = Vec::new();
    if let Some(a) = state.store.active_assignment(annotator_id, now).await? {
        orders.push(a.order_id);
    }
    if let Some(c) = centre_id {
        let mistakes = state
            .store
            .my_mistakes(annotator_id, c, super::mistakes::MISTAKES_SHOWN)
            .await?;
        orders.extend(mistakes.iter().map(|m| m.order_id));
    }
    orders.sort_unstable();
    orders.dedup();
    for order_id in orders {
        let order = state.store.order_by_id(OrderId::new(order_id)).await?;
        let Ok(spec) = serde_json::from_str::<mudou_domain::OrderSpec>(&order.spec) else {
            continue;
        };
        let ids: Vec<ItemId> = super::work::example_ids(&spec)
            .into_iter()
            .map(ItemId::new)
            .collect();
        if ids.is_empty() {
            continue;
        }
        let items = state
            .store
            .items_media(DatasetId::new(order.dataset_id), &ids)
            .await?;
        if items
            .iter()
            .flat_map(|i| i.fields())
            .any(|f| f.sha256.as_deref() == Some(sha256))
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// An image rendition. Clients see their own organisation's files, annotators the items
/// they were given, the examples of the order they work on and the items of answered
/// questions of their centre on orders they were given work of, leads the items their centre's
/// people were given, admins all: every picture of such an item, whichever its field.
#[utoipa::path(get, path = "/api/v1/media/{sha256}/{variant}", tag = "media",
    params(("sha256" = String, Path, description = "SHA-256 of the original, lowercase hex"),
           ("variant" = Variant, Path)),
    responses((status = 200, description = "the image bytes"), (status = 404, body = ErrorBody)))]
async fn get_media(
    State(state): State<AppState>,
    caller: Caller,
    Path((sha256, variant)): Path<(String, Variant)>,
) -> ApiResult<Response> {
    caller.require_for(&axum::http::Method::GET)?;
    let not_found = || ApiError::not_found("image");
    if mudou_media::blob_key(BlobKind::Original, &sha256).is_err() {
        return Err(not_found());
    }
    if !caller_sees_blob(&state, &caller, &sha256).await? {
        return Err(not_found());
    }
    let blob = rendition(&state, variant, &sha256)
        .await?
        .ok_or_else(not_found)?;
    Ok(content_addressed(blob.content_type, blob.bytes))
}

/// Whether the caller may read the file `sha256` (see [`get_media`]: clients their
/// organisation's files, annotators what they were given, leads their centre's, admins all).
/// The volume routes share this rule.
pub(crate) async fn caller_sees_blob(
    state: &AppState,
    caller: &Caller,
    sha256: &str,
) -> ApiResult<bool> {
    let allowed = match (caller.user.role, caller.user.org_id) {
        (Role::Admin, _) => true,
        (Role::Client, Some(org)) => state.store.org_sees_blob(org, sha256).await?,
        (Role::Annotator, _) => {
            state
                .store
                .annotator_sees_blob(caller.user.id, sha256)
                .await?
                || is_current_example(state, caller.user.id, caller.user.centre_id, sha256).await?
                || match caller.user.centre_id {
                    // The item of an answered question that reaches them (same order).
                    Some(c) => {
                        state
                            .store
                            .annotator_sees_question_item(caller.user.id, c, sha256)
                            .await?
                    }
                    None => false,
                }
                || match caller.user.centre_id {
                    // An item waiting for the expert tier (medical orders).
                    Some(c) => {
                        super::ladder::expert_sees_blob(state, caller.user.id, c, sha256).await?
                    }
                    None => false,
                }
        }
        (Role::Lead, _) => match caller.user.centre_id {
            Some(centre) => state.store.centre_sees_blob(centre, sha256).await?,
            None => false,
        },
        _ => false,
    };
    Ok(allowed)
}

/// Stored bytes as an answer: their content type, kept by the browser for good (the URL
/// names the content, so the bytes behind it never change).
pub(crate) fn content_addressed(content_type: &str, bytes: impl IntoResponse) -> Response {
    let ct = HeaderValue::from_str(content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    (
        [
            (header::CONTENT_TYPE, ct),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=31536000, immutable"),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// The stored file of a variant. A phone rendition missing (an image stored before they were
/// made at ingest) is made from the screen rendition now and stored, so it is made once; if
/// that cannot be done (the decode memory is busy, the screen copy does not decode), the
/// screen rendition is served instead: larger, but the picture shows.
async fn rendition(
    state: &AppState,
    variant: Variant,
    sha256: &str,
) -> ApiResult<Option<mudou_media::Blob>> {
    let got = state
        .blobs
        .get(blob_kind(variant), sha256)
        .await
        .map_err(ApiError::internal)?;
    if got.is_some() || variant != Variant::Phone {
        return Ok(got);
    }
    let Some(screen) = state
        .blobs
        .get(BlobKind::Screen, sha256)
        .await
        .map_err(ApiError::internal)?
    else {
        return Ok(None);
    };
    let limits = state.services.media_limits();
    let bytes = screen.bytes.clone();
    let made = tokio::task::spawn_blocking(move || mudou_media::phone_from_screen(&bytes, &limits))
        .await
        .map_err(ApiError::internal)?;
    let phone = match made {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(sha256, error = %e, "phone rendition not made; serving the screen one");
            return Ok(Some(screen));
        }
    };
    if let Err(e) = state
        .blobs
        .put(BlobKind::Phone, sha256, phone.bytes.clone())
        .await
    {
        // served all the same; made again next time
        tracing::warn!(sha256, error = %e, "phone rendition not stored");
    }
    Ok(Some(mudou_media::Blob {
        bytes: phone.bytes,
        content_type: phone.content_type,
    }))
}

// ---- signed links -------------------------------------------------------------------------

/// Signing keys by data folder (read or made once per process).
static KEYS: std::sync::OnceLock<std::sync::Mutex<HashMap<std::path::PathBuf, [u8; 32]>>> =
    std::sync::OnceLock::new();

/// The key signed media links are made with: the configured secret, else a random key
/// kept in `DATA_DIR/media-signing.key` (made on first use).
fn signing_key(settings: &Settings) -> ApiResult<[u8; 32]> {
    use sha2::{Digest, Sha256};
    if let Some(s) = &settings.media_signing_key {
        return Ok(Sha256::digest(s.0.as_bytes()).into());
    }
    let keys = KEYS.get_or_init(Default::default);
    let mut keys = keys.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(k) = keys.get(&settings.data_dir) {
        return Ok(*k);
    }
    let path = settings.data_dir.join("media-signing.key");
    let fresh = || {
        let mut h = Sha256::new();
        h.update(uuid::Uuid::new_v4().as_bytes());
        h.update(uuid::Uuid::new_v4().as_bytes());
        h.update(uuid::Uuid::new_v4().as_bytes());
        hex::encode(h.finalize())
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            use std::io::Write;
            let key = fresh();
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut f) => {
                    f.write_all(key.as_bytes()).map_err(ApiError::internal)?;
                    f.sync_all().map_err(ApiError::internal)?;
                    key
                }
                // Another server on the same folder made it first.
                Err(_) => std::fs::read_to_string(&path).map_err(ApiError::internal)?,
            }
        }
        Err(e) => return Err(ApiError::internal(e)),
    };
    let key: [u8; 32] = Sha256::digest(text.trim().as_bytes()).into();
    keys.insert(settings.data_dir.clone(), key);
    Ok(key)
}

fn signature(key: &[u8; 32], sha256: &str, variant: &str, expires: i64) -> HmacSha256 {
    let mut mac = <HmacSha256 as hmac::Mac>::new_from_slice(key).expect("any key length");
    hmac::Mac::update(
        &mut mac,
        format!("{sha256}\n{variant}\n{expires}").as_bytes(),
    );
    mac
}

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// A link to a picture that works without a login until it expires: `base` (the server's
/// public address), the SHA-256 and variant, the file's own name last in the path (Label
/// Studio names exported files after it), the expiry (Unix seconds) and an HMAC-SHA256
/// over the three in the query.
pub fn signed_url(
    settings: &Settings,
    base: &str,
    sha256: &str,
    variant: &str,
    file_name: &str,
    now_ms: i64,
) -> ApiResult<String> {
    let key = signing_key(settings)?;
    let expires = now_ms / 1000 + settings.signed_media_ttl.as_secs() as i64;
    let sig =
        hex::encode(hmac::Mac::finalize(signature(&key, sha256, variant, expires)).into_bytes());
    let base_name = file_name.rsplit(['/', '\\']).next().unwrap_or_default();
    let name: String = if base_name.is_empty() {
        "file".into()
    } else {
        url_escape(base_name)
    };
    Ok(format!(
        "{}/api/v1/signed-media/{sha256}/{variant}/{name}?expires={expires}&sig={sig}",
        base.trim_end_matches('/')
    ))
}

/// Percent-encodes all but unreserved characters (a path segment).
fn url_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            o.push(b as char);
        } else {
            o.push_str(&format!("%{b:02X}"));
        }
    }
    o
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SignedQuery {
    /// Unix seconds after which the link stops working.
    pub expires: i64,
    /// HMAC-SHA256 of the SHA-256, variant and expiry, hex.
    pub sig: String,
}

/// A picture by a signed link from an export (no login: the link is the permission, until
/// it expires). Answered with `Access-Control-Allow-Origin: *` so that other tools (Label
/// Studio) can show it. A wrong, altered or expired link is 404.
#[utoipa::path(get, path = "/api/v1/signed-media/{sha256}/{variant}/{name}", tag = "signed",
    params(("sha256" = String, Path, description = "SHA-256 of the original, lowercase hex"),
           ("variant" = Variant, Path),
           ("name" = String, Path, description = "the file's name (not checked)"),
           SignedQuery),
    responses((status = 200, description = "the image bytes"), (status = 404, body = ErrorBody)))]
async fn get_signed_media(
    State(state): State<AppState>,
    Path((sha256, variant, _name)): Path<(String, Variant, String)>,
    crate::extract::Query(q): crate::extract::Query<SignedQuery>,
) -> ApiResult<Response> {
    let not_found = || ApiError::not_found("image");
    if mudou_media::blob_key(BlobKind::Original, &sha256).is_err() {
        return Err(not_found());
    }
    let key = signing_key(&state.settings)?;
    let Ok(sig) = hex::decode(&q.sig) else {
        return Err(not_found());
    };
    let name = variant_name(variant);
    if hmac::Mac::verify_slice(signature(&key, &sha256, name, q.expires), &sig).is_err()
        || q.expires < mudou_store::now_millis() / 1000
    {
        return Err(not_found());
    }
    let blob = rendition(&state, variant, &sha256)
        .await?
        .ok_or_else(not_found)?;
    let ct = HeaderValue::from_str(blob.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    Ok((
        [
            (header::CONTENT_TYPE, ct),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=3600"),
            ),
            (
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            ),
            (
                header::HeaderName::from_static("cross-origin-resource-policy"),
                HeaderValue::from_static("cross-origin"),
            ),
        ],
        blob.bytes,
    )
        .into_response())
}

fn variant_name(v: Variant) -> &'static str {
    match v {
        Variant::Thumb => "thumb",
        Variant::Phone => "phone",
        Variant::Screen => "screen",
        Variant::Original => "original",
    }
}

fn blob_kind(v: Variant) -> BlobKind {
    match v {
        Variant::Thumb => BlobKind::Thumb,
        Variant::Phone => BlobKind::Phone,
        Variant::Screen => BlobKind::Screen,
        Variant::Original => BlobKind::Original,
    }
}
