//! Image files by content hash, for those allowed to see them.

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
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_media))
}

#[derive(Deserialize, Clone, Copy, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Variant {
    /// Longest side at most 256 px.
    Thumb,
    /// Longest side at most 1600 px.
    Screen,
    /// The uploaded file, unchanged.
    Original,
}

/// Whether the file shows one of the examples (of a label, or with the instructions) of the
/// order the annotator is working on now.
async fn is_current_example(
    state: &AppState,
    annotator_id: UserId,
    sha256: &str,
) -> ApiResult<bool> {
    let now = mudou_store::now_millis();
    let Some(a) = state.store.active_assignment(annotator_id, now).await? else {
        return Ok(false);
    };
    let order = state.store.order_by_id(OrderId::new(a.order_id)).await?;
    let Ok(spec) = serde_json::from_str::<mudou_domain::OrderSpec>(&order.spec) else {
        return Ok(false);
    };
    let ids: Vec<ItemId> = super::work::example_ids(&spec)
        .into_iter()
        .map(ItemId::new)
        .collect();
    let items = state
        .store
        .items_media(DatasetId::new(order.dataset_id), &ids)
        .await?;
    Ok(items
        .iter()
        .flat_map(|i| i.fields())
        .any(|f| f.sha256.as_deref() == Some(sha256)))
}

/// An image rendition. Clients see their own organisation's files, annotators the items
/// they were given and the examples of the order they work on, leads the items their centre's
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
    let allowed = match (caller.user.role, caller.user.org_id) {
        (Role::Admin, _) => true,
        (Role::Client, Some(org)) => state.store.org_sees_blob(org, &sha256).await?,
        (Role::Annotator, _) => {
            state
                .store
                .annotator_sees_blob(caller.user.id, &sha256)
                .await?
                || is_current_example(&state, caller.user.id, &sha256).await?
        }
        (Role::Lead, _) => match caller.user.centre_id {
            Some(centre) => state.store.centre_sees_blob(centre, &sha256).await?,
            None => false,
        },
        _ => false,
    };
    if !allowed {
        return Err(not_found());
    }
    let kind = match variant {
        Variant::Thumb => BlobKind::Thumb,
        Variant::Screen => BlobKind::Screen,
        Variant::Original => BlobKind::Original,
    };
    let blob = state
        .blobs
        .get(kind, &sha256)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(not_found)?;
    let ct = HeaderValue::from_str(blob.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    Ok((
        [
            (header::CONTENT_TYPE, ct),
            // Content-addressed: the bytes behind a URL never change.
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=31536000, immutable"),
            ),
        ],
        blob.bytes,
    )
        .into_response())
}
