//! What every import of known answers into a dataset shares (Label Studio JSON, COCO, YOLO,
//! CVAT): the order whose template reads the file, a picture found by its file name, and an
//! imported answer merged into what the item knew.

use mudou_domain::{DatasetId, OrderId, OrderSpec, OrgId};
use mudou_store::Store;
use serde_json::Value;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The spec of the client's order `order_id`, which must label dataset `dataset`
/// (else 404 for an order not theirs, 422 `validation` on `order` for another dataset's).
pub(super) async fn order_of_dataset(
    state: &AppState,
    org: OrgId,
    dataset: DatasetId,
    order_id: OrderId,
) -> ApiResult<OrderSpec> {
    let order = state
        .store
        .get_order(org, order_id)
        .await
        .map_err(ApiError::not_found_as("order"))?;
    if order.dataset_id != dataset.get() {
        return Err(ApiError::validation(
            "the order labels another dataset: name an order of this one",
        )
        .with("field", "order"));
    }
    serde_json::from_str(&order.spec).map_err(ApiError::internal)
}

/// The dataset's picture with one of `names` (most specific first): its id, width and
/// height; `Err(Some(reason))` when a name is shared by several pictures in different
/// folders, `Err(None)` when none matches.
pub(super) async fn picture_named(
    store: &Store,
    dataset: DatasetId,
    names: &[String],
) -> ApiResult<Result<(i64, Option<i64>, Option<i64>), Option<String>>> {
    for n in names {
        let found = store.image_items_named(dataset, n, 5).await?;
        match found.as_slice() {
            [] => {}
            [one] => return Ok(Ok((one.id, one.width, one.height))),
            many => {
                return Ok(Err(Some(format!(
                    "{n:?} is ambiguous: {} pictures of this dataset have that name ({})",
                    many.len(),
                    many.iter()
                        .map(|m| m.file_name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))));
            }
        }
    }
    Ok(Err(None))
}

/// An import's answer merged into what the item knew: questions it answers replace the old
/// answers, the others stay.
pub(super) fn merge_known(old: Option<&str>, new: &str) -> String {
    let old = old.and_then(|o| serde_json::from_str::<Value>(o).ok());
    match (old, serde_json::from_str::<Value>(new)) {
        (Some(Value::Object(mut o)), Ok(Value::Object(n))) => {
            o.extend(n);
            Value::Object(o).to_string()
        }
        _ => new.to_owned(),
    }
}
