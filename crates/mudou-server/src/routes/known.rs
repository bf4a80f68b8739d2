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

/// What an import makes of a file's answers (`?as=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportAs {
    /// The items' known answers (what a published order samples as gold).
    #[default]
    Known,
    /// The order's model suggestions (kept with their model, version and score).
    Suggestions,
}

/// Why an object of a file was refused, as a dropped suggestion's code: a class the order
/// lacks is `unknown_class`, anything else `does_not_fit`.
pub(super) fn refusal_code(reason: &str) -> &'static str {
    let r = reason.to_ascii_lowercase();
    let class = r.contains("class") || r.contains("categor");
    if class && (r.contains("not one of") || r.contains("out of range") || r.contains("none of"))
        || r.contains("not in the file's categories")
    {
        "unknown_class"
    } else {
        "does_not_fit"
    }
}

/// A suggestion's answer kept to the questions the order takes suggestions for (a file
/// answers every question it carries; the order's policy may take fewer).
pub(super) fn suggested_part(spec: &OrderSpec, answer: serde_json::Map<String, Value>) -> Value {
    Value::Object(
        answer
            .into_iter()
            .filter(|(k, _)| spec.suggestions.as_ref().is_none_or(|p| p.covers(k)))
            .collect(),
    )
}

/// The lowest of the scores given (a picture's score is its least sure object's).
pub(super) fn lowest(scores: impl IntoIterator<Item = f64>) -> Option<f64> {
    scores
        .into_iter()
        .fold(None, |m, s| Some(m.map_or(s, |m: f64| m.min(s))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_name_a_class_or_a_misfit() {
        assert_eq!(
            refusal_code("line 1: class 4 is out of range (the order has 2 classes: a, b)"),
            "unknown_class"
        );
        assert_eq!(
            refusal_code("object [0]: \"cow\" is not one of this question's classes"),
            "unknown_class"
        );
        assert_eq!(
            refusal_code("annotation 0: category 9 is not in the file's categories"),
            "unknown_class"
        );
        assert_eq!(
            refusal_code("the point [900, 1] is outside the 64×48 picture"),
            "does_not_fit"
        );
        assert_eq!(lowest([0.9, 0.4, 0.7]), Some(0.4));
        assert_eq!(lowest([]), None);
    }
}
