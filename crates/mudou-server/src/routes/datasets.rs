//! A client's datasets and their items (uploading comes with the client-orders work).

use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::types::*;
use crate::auth::ClientCaller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_datasets))
        .routes(routes!(get_dataset))
        .routes(routes!(list_items))
}

#[utoipa::path(get, path = "/api/v1/datasets", tag = "datasets",
    responses((status = 200, body = Items<DatasetOut>), (status = 403, body = ErrorBody)))]
async fn list_datasets(
    State(state): State<AppState>,
    client: ClientCaller,
) -> ApiResult<Json<Items<DatasetOut>>> {
    Ok(Json(Items {
        items: state
            .store
            .list_datasets(client.org_id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    }))
}

#[utoipa::path(get, path = "/api/v1/datasets/{id}", tag = "datasets", params(("id" = i64, Path)),
    responses((status = 200, body = DatasetOut), (status = 404, body = ErrorBody)))]
async fn get_dataset(
    State(state): State<AppState>,
    client: ClientCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<DatasetOut>> {
    let d = state
        .store
        .get_dataset(client.org_id, id)
        .await
        .map_err(|_| ApiError::not_found("dataset"))?;
    Ok(Json(d.into()))
}

/// A page of a dataset's items, oldest first.
#[utoipa::path(get, path = "/api/v1/datasets/{id}/items", tag = "datasets", params(("id" = i64, Path), PageQuery),
    responses((status = 200, body = Items<ItemOut>), (status = 404, body = ErrorBody)))]
async fn list_items(
    State(state): State<AppState>,
    client: ClientCaller,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> ApiResult<Json<Items<ItemOut>>> {
    state
        .store
        .get_dataset(client.org_id, id)
        .await
        .map_err(|_| ApiError::not_found("dataset"))?;
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let items = state
        .store
        .list_items(client.org_id, id, q.after.unwrap_or(0), limit)
        .await?;
    Ok(Json(Items {
        items: items.into_iter().map(Into::into).collect(),
    }))
}
