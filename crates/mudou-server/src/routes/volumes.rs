//! Medical series (issue 31): a volume's header and its slices' values, for those allowed to
//! see the volume's file (the media route's rule), and the series a client holds back.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use mudou_domain::{DatasetId, ItemId};
use mudou_media::BlobKind;
use mudou_media::dicom::{VolumeHeader, read_volume_header};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::types::{ErrorBody, Items};
use crate::auth::{Caller, ClientCaller};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_volume))
        .routes(routes!(get_slices))
        .routes(routes!(list_holds))
        .routes(routes!(decide_hold))
}

/// How long a browser may keep a volume's answers (they never change: content-addressed).
const CACHE: &str = "private, max-age=31536000, immutable";

/// A volume's header (the MDV1 blob's JSON) and the bytes of one slice.
#[derive(Serialize, ToSchema)]
pub struct VolumeOut {
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub header: VolumeHeader,
    pub bytes_per_slice: u64,
}

/// Reads a volume's header after checking the caller may see it; 404 otherwise.
async fn header_of(
    state: &AppState,
    caller: &Caller,
    sha256: &str,
) -> ApiResult<(VolumeHeader, u64)> {
    caller.require_for(&axum::http::Method::GET)?;
    let not_found = || ApiError::not_found("volume");
    if mudou_media::blob_key(BlobKind::Original, sha256).is_err() {
        return Err(not_found());
    }
    if !super::media::caller_sees_blob(state, caller, sha256).await? {
        return Err(not_found());
    }
    let blobs = &state.services.blobs;
    let head = blobs
        .get_range(BlobKind::Original, sha256, 0..8)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(not_found)?;
    if head.len() < 8 || &head[..4] != mudou_media::dicom::MDV1_MAGIC {
        return Err(not_found());
    }
    let n = u32::from_le_bytes([head[4], head[5], head[6], head[7]]) as u64;
    let all = blobs
        .get_range(BlobKind::Original, sha256, 0..8 + n)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(not_found)?;
    let (header, at) = read_volume_header(&all).map_err(ApiError::internal)?;
    Ok((header, at as u64))
}

fn cached(
    etag: String,
    headers: &HeaderMap,
    content_type: &'static str,
    body: Vec<u8>,
) -> Response {
    let etag = format!("\"{etag}\"");
    let mut out = if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag))
    {
        axum::http::StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
            body,
        )
            .into_response()
    };
    let h = out.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    out
}

/// A volume's header: geometry, value type, modality, window, value range, and the bytes of
/// one slice. Who may read it: whoever may read the item's files (the media route's rule).
#[utoipa::path(get, path = "/api/v1/volumes/{sha256}", tag = "media",
    params(("sha256" = String, Path, description = "SHA-256 of the volume blob")),
    responses((status = 200, body = VolumeOut), (status = 404, body = ErrorBody)))]
async fn get_volume(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(sha256): Path<String>,
) -> ApiResult<Response> {
    let (header, _) = header_of(&state, &caller, &sha256).await?;
    let bytes_per_slice = header.bytes_per_slice();
    let body = serde_json::to_vec(&VolumeOut {
        header,
        bytes_per_slice,
    })
    .map_err(ApiError::internal)?;
    Ok(cached(sha256, &headers, "application/json", body))
}

#[derive(Deserialize, Debug, utoipa::IntoParams)]
pub struct SliceRange {
    /// The first slice (0-based); required (read after the caller's scope is checked, so a
    /// token without the scope hears that first).
    pub from: Option<u32>,
    /// The slice after the last (exclusive); required.
    pub to: Option<u32>,
}

/// The raw values of slices `from..to` (little-endian, of the header's `dtype`, slice after
/// slice, each row-major): exactly `(to − from) × bytes_per_slice` bytes.
#[utoipa::path(get, path = "/api/v1/volumes/{sha256}/slices", tag = "media",
    params(("sha256" = String, Path, description = "SHA-256 of the volume blob"), SliceRange),
    responses((status = 200, description = "the slices' values", content_type = "application/octet-stream"),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn get_slices(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(sha256): Path<String>,
    Query(range): Query<SliceRange>,
) -> ApiResult<Response> {
    let (header, at) = header_of(&state, &caller, &sha256).await?;
    let slices = header.geometry.slices;
    let (Some(from), Some(to)) = (range.from, range.to) else {
        return Err(
            ApiError::validation("give the slices as from and to (0 ≤ from < to)")
                .with("field", "from"),
        );
    };
    if from >= to || to > slices {
        return Err(ApiError::validation(format!(
            "slices {from}..{to} are not within the volume's {slices} (0 ≤ from < to ≤ {slices})"
        ))
        .with("field", "from"));
    }
    let bps = header.bytes_per_slice();
    let start = at + from as u64 * bps;
    let end = at + to as u64 * bps;
    let bytes = state
        .services
        .blobs
        .get_range(BlobKind::Original, &sha256, start..end)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::not_found("volume"))?;
    if bytes.len() as u64 != end - start {
        return Err(ApiError::internal(
            "a volume blob is shorter than its header says",
        ));
    }
    Ok(cached(
        format!("{sha256}-{from}-{to}"),
        &headers,
        "application/octet-stream",
        bytes.to_vec(),
    ))
}

/// The dataset's series held for a decision (burned-in text), with their decisions.
#[utoipa::path(get, path = "/api/v1/datasets/{id}/holds", tag = "datasets", params(("id" = i64, Path)),
    responses((status = 200, body = Items<HoldOut>), (status = 404, body = ErrorBody)))]
async fn list_holds(
    State(state): State<AppState>,
    client: ClientCaller,
    Path(id): Path<DatasetId>,
) -> ApiResult<Json<Items<HoldOut>>> {
    let items = state
        .store
        .series_holds(client.org_id, id)
        .await
        .map_err(ApiError::not_found_as("dataset"))?;
    Ok(Json(Items {
        items: items.into_iter().map(HoldOut::from).collect(),
    }))
}

/// A series held back for its client's decision (it may show burned-in text).
#[derive(Serialize, Debug, ToSchema)]
pub struct HoldOut {
    pub item_id: i64,
    /// The item's name (modality and de-identified series UID).
    pub file_name: String,
    pub reason: String,
    /// `held` (waiting), `release` or `drop`.
    pub decision: String,
    pub decided_at: Option<i64>,
    pub created_at: i64,
}

impl From<mudou_store::SeriesHold> for HoldOut {
    fn from(h: mudou_store::SeriesHold) -> Self {
        HoldOut {
            item_id: h.item_id,
            file_name: h.file_name,
            reason: h.reason,
            decision: h.decision,
            decided_at: h.decided_at,
            created_at: h.created_at,
        }
    }
}

/// The client's decision on a held series.
#[derive(Deserialize, Debug, Clone, Copy, PartialEq, Eq, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum HoldDecision {
    /// The series may be given to annotators.
    Release,
    /// The series is never given out.
    Drop,
}

#[derive(Deserialize, Debug, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldIn {
    pub decision: HoldDecision,
}

/// Releases or drops a held series. Deciding again differently is a conflict (409).
#[utoipa::path(post, path = "/api/v1/datasets/{id}/holds/{item_id}", tag = "datasets",
    params(("id" = i64, Path), ("item_id" = i64, Path)), request_body = HoldIn,
    responses((status = 200, body = HoldOut), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
async fn decide_hold(
    State(state): State<AppState>,
    client: ClientCaller,
    Path((id, item_id)): Path<(DatasetId, ItemId)>,
    Json(body): Json<HoldIn>,
) -> ApiResult<Json<HoldOut>> {
    let decision = match body.decision {
        HoldDecision::Release => "release",
        HoldDecision::Drop => "drop",
    };
    let hold = state
        .store
        .decide_hold(
            client.org_id,
            id,
            item_id,
            decision,
            client.caller.user.id,
            mudou_store::now_millis(),
        )
        .await
        .map_err(|e| match e {
            mudou_store::StoreError::NotFound => ApiError::not_found("held series"),
            e => e.into(),
        })?;
    Ok(Json(hold.into()))
}
