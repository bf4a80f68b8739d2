//! A COCO file as the known answers of a dataset's pictures (what a published order samples
//! as gold), read by one of the client's orders on that dataset: its drawing questions COCO
//! carries (`mudou_domain::formats::coco`). The export is `GET /orders/{id}/export?format=coco`.
//! With `?as=suggestions` the same file (a model's, each annotation with its `score`) becomes
//! the order's model suggestions instead (`routes::suggestions::store_suggestions`).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use mudou_domain::formats::coco;
use mudou_domain::{DatasetId, ItemId, OrderId};
use mudou_store::{SuggestionSource, now_millis};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use super::known::ImportAs;
use super::suggestions::{Dropped, Incoming, SuggestionsOut, store_suggestions};
use super::types::ErrorBody;
use crate::auth::ClientCaller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

/// Largest COCO file accepted.
const MAX_IMPORT_BYTES: usize = 64 << 20;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(import_coco).layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES)))
}

#[derive(Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CocoImportQuery {
    /// An order of yours on this dataset: its drawing questions read the file (required).
    #[param(value_type = Option<i64>)]
    #[schema(value_type = Option<i64>)]
    pub order: Option<OrderId>,
    /// `known` (default): the pictures' known answers; `suggestions`: the order's model
    /// suggestions, each picture's score the lowest of its annotations' `score`s.
    #[serde(rename = "as", default)]
    pub as_: Option<ImportAs>,
    /// With `as=suggestions`: the model's name (default `coco`).
    pub model: Option<String>,
    /// With `as=suggestions`: the model's version.
    pub model_version: Option<String>,
}

/// What became of one picture of the file.
#[derive(Serialize, ToSchema)]
pub struct CocoImageOutcome {
    /// Position of the picture in the file's `images`, from 0.
    pub index: usize,
    pub file_name: String,
    /// `labelled` (the item's known answer was set from its objects), `unlabelled` (listed
    /// with no annotation: its known answer is set to no objects, as COCO lists a picture
    /// to say it was looked at) or `skipped` (see `reason`).
    pub outcome: &'static str,
    pub item_id: Option<i64>,
    pub reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CocoImportOut {
    pub labelled: usize,
    pub unlabelled: usize,
    pub skipped: usize,
    /// Known answers: each picture's outcome (empty with `as=suggestions`).
    pub images: Vec<CocoImageOutcome>,
    /// With `as=suggestions`: what was stored and what dropped (a picture's index, why).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestions: Option<SuggestionsOut>,
}

/// The names a COCO `file_name` may match, most specific first: as written, then its last
/// part.
fn names(file_name: &str) -> Vec<String> {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or_default();
    let mut out = vec![file_name.to_owned()];
    if base != file_name && !base.is_empty() {
        out.push(base.to_owned());
    }
    out
}

/// Imports a COCO file (the body) as the known answers of this dataset's pictures, read by
/// the order `order`'s drawing questions (polylines aside: COCO has none). Each picture of
/// `images` is found by its `file_name` (as written, else its last part); each annotation
/// by `category_id` → the category's `name` → an option of the order's questions (with
/// several questions, the one named by `supercategory` first); each object is checked as a
/// submitted answer with the picture's size (too few points, a self-crossing outline, a
/// point outside, keypoints not fitting the skeleton, a mask of another size, an unknown
/// class are refused). A picture with any refused object is skipped whole, with the
/// annotation and why; a listed picture without annotations gets "no objects". The known
/// answer replaces the answers of those questions only. A body that is not a COCO file →
/// 422 `validation`, nothing stored.
///
/// With `as=suggestions` (and `model`, `model_version`), each picture's objects become the
/// order's model suggestion for it instead (checked as the JSONL's are; the questions the
/// order takes suggestions for), its score the lowest `score` of its annotations (none
/// when they give none); a picture not found (`unknown_item`), with a category the order
/// lacks (`unknown_class`) or an object that does not fit (`does_not_fit`, e.g. outside
/// the picture) is dropped with why; the others are stored in one transaction. A COCO
/// results list (a detector's output: a JSON list of annotations with `image_id`,
/// `category_id`, `bbox` / `segmentation` / `keypoints` and `score`) is read too, with
/// `as=suggestions` only: its `image_id`s are Mudou's item ids and its categories the
/// order's, numbered as the order's COCO export numbers them.
#[utoipa::path(post, path = "/api/v1/datasets/{id}/coco", tag = "exports",
    params(("id" = i64, Path), CocoImportQuery), request_body(content = Object, description = "a COCO JSON file"),
    responses((status = 200, body = CocoImportOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn import_coco(
    State(state): State<AppState>,
    client: ClientCaller,
    Path(id): Path<DatasetId>,
    Query(q): Query<CocoImportQuery>,
    body: Bytes,
) -> ApiResult<Json<CocoImportOut>> {
    state
        .store
        .get_dataset(client.org_id, id)
        .await
        .map_err(ApiError::not_found_as("dataset"))?;
    let order_id = q.order.ok_or_else(|| {
        ApiError::validation("name the order whose questions read the file: ?order=ORDER")
            .with("field", "order")
    })?;
    let spec = super::known::order_of_dataset(&state, client.org_id, id, order_id).await?;
    let template = spec.template().into_owned();
    if let Some(why) = coco::refusal(&template, spec.task_type.as_str()) {
        return Err(ApiError::validation(why).with("field", "order"));
    }
    let qs = coco::questions(&template);
    let mut file: Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::validation(format!("the body is not JSON: {e}")))?;
    let suggest = q.as_.unwrap_or_default() == ImportAs::Suggestions;
    // A COCO results list (a detector's output: annotations only, each with its score) of
    // pictures by Mudou's ids, the order's categories as its COCO export numbers them.
    let results = file.is_array();
    if results {
        if !suggest {
            return Err(ApiError::validation(
                "a COCO results list (annotations only) is a model's output: import it with as=suggestions",
            )
            .with("field", "as"));
        }
        let anns = file.as_array().cloned().unwrap_or_default();
        let mut ids: Vec<Value> = Vec::new();
        for a in &anns {
            if let Some(i) = a.get("image_id")
                && !ids.contains(i)
            {
                ids.push(i.clone());
            }
        }
        let images: Vec<Value> = ids
            .into_iter()
            .map(|i| serde_json::json!({"id": i, "file_name": i.to_string()}))
            .collect();
        file = serde_json::json!({"images": images, "annotations": anns,
                                  "categories": coco::categories(&qs)});
    }
    let (images, cats) = coco::read_file(&qs, &file)
        .map_err(|e| ApiError::validation(format!("not a COCO file: {e}")))?;
    if suggest {
        let out =
            suggest_coco(&state, id, order_id, &spec, &qs, &cats, images, &q, results).await?;
        return Ok(Json(CocoImportOut {
            labelled: 0,
            unlabelled: 0,
            skipped: 0,
            images: Vec::new(),
            suggestions: Some(out),
        }));
    }
    let mut outcomes = Vec::with_capacity(images.len());
    let mut known: Vec<(ItemId, String)> = Vec::new();
    // A picture listed twice: the later entry wins.
    let mut known_at: HashMap<i64, usize> = HashMap::new();
    for im in images {
        let mut out = CocoImageOutcome {
            index: im.index,
            file_name: im.file_name.clone(),
            outcome: "skipped",
            item_id: None,
            reason: None,
        };
        if im.file_name.trim().is_empty() {
            out.reason = Some("the picture has no file_name".into());
            outcomes.push(out);
            continue;
        }
        let found = super::known::picture_named(&state.store, id, &names(&im.file_name)).await?;
        let (item_id, w, h) = match found {
            Ok(f) => f,
            Err(reason) => {
                out.reason = Some(reason.unwrap_or_else(|| {
                    format!(
                        "no picture of this dataset is named {:?}: upload it first",
                        im.file_name
                    )
                }));
                outcomes.push(out);
                continue;
            }
        };
        out.item_id = Some(item_id);
        let Some(size) = w.zip(h) else {
            out.reason = Some("the picture's size is not known".into());
            outcomes.push(out);
            continue;
        };
        match coco::known_answer(&qs, &cats, &im.annotations, size) {
            Err(e) => out.reason = Some(e),
            Ok(answer) => {
                out.outcome = if im.annotations.is_empty() {
                    "unlabelled"
                } else {
                    "labelled"
                };
                let a = Value::Object(answer).to_string();
                match known_at.get(&item_id) {
                    Some(&k) => known[k].1 = a,
                    None => {
                        known_at.insert(item_id, known.len());
                        known.push((ItemId::new(item_id), a));
                    }
                }
            }
        }
        outcomes.push(out);
    }
    state
        .store
        .import_known_answers(id, &known, &[], now_millis(), &super::known::merge_known)
        .await?;
    let count = |o: &str| outcomes.iter().filter(|t| t.outcome == o).count();
    Ok(Json(CocoImportOut {
        labelled: count("labelled"),
        unlabelled: count("unlabelled"),
        skipped: count("skipped"),
        images: outcomes,
        suggestions: None,
    }))
}

/// A COCO file's pictures as the order's model suggestions (see [`import_coco`]).
#[allow(clippy::too_many_arguments)]
async fn suggest_coco(
    state: &AppState,
    dataset: DatasetId,
    order_id: OrderId,
    spec: &mudou_domain::OrderSpec,
    qs: &[&mudou_domain::template::Question],
    cats: &coco::CategoryMap,
    images: Vec<coco::FileImage>,
    q: &CocoImportQuery,
    // Pictures by Mudou's item id (a results list), not by file name.
    by_id: bool,
) -> ApiResult<SuggestionsOut> {
    let source = SuggestionSource::Import;
    let model = q
        .model
        .clone()
        .filter(|m| !m.trim().is_empty())
        .unwrap_or_else(|| "coco".into());
    let mut out = SuggestionsOut::default();
    let mut incoming: Vec<Incoming> = Vec::new();
    // A picture listed twice: the later entry wins.
    let mut at: HashMap<i64, usize> = HashMap::new();
    for im in images {
        let mut drop = |item_id: Option<i64>, code: &'static str, reason: String| {
            out.drop_one(
                state,
                source,
                Dropped {
                    index: im.index,
                    item_id,
                    code,
                    reason,
                },
            )
        };
        if im.file_name.trim().is_empty() {
            drop(None, "unknown_item", "the picture has no file_name".into());
            continue;
        }
        let found = if by_id {
            // The synthetic picture's name is its image_id.
            let item = im
                .file_name
                .trim_matches('"')
                .parse::<i64>()
                .ok()
                .filter(|i| *i > 0);
            match item {
                Some(i) => match state.store.dataset_item(dataset, ItemId::new(i)).await {
                    Ok(c) => Ok((c.id, c.width, c.height)),
                    Err(mudou_store::StoreError::NotFound) => Err(Some(format!(
                        "no item {i} in this dataset (a results list names pictures by Mudou's ids, as its COCO export does)"
                    ))),
                    Err(e) => return Err(e.into()),
                },
                None => Err(Some(format!("image_id {} is not an item id", im.file_name))),
            }
        } else {
            super::known::picture_named(&state.store, dataset, &names(&im.file_name)).await?
        };
        let (item_id, w, h) = match found {
            Ok(f) => f,
            Err(reason) => {
                drop(
                    None,
                    "unknown_item",
                    reason.unwrap_or_else(|| {
                        format!(
                            "no picture of this dataset is named {:?}: upload it first",
                            im.file_name
                        )
                    }),
                );
                continue;
            }
        };
        let Some(size) = w.zip(h) else {
            drop(
                Some(item_id),
                "does_not_fit",
                "the picture's size is not known".into(),
            );
            continue;
        };
        let mut scores = Vec::new();
        let mut bad_score = None;
        for a in &im.annotations {
            match &a["score"] {
                Value::Null => {}
                v => match v.as_f64() {
                    Some(s) => scores.push(s),
                    None => bad_score = Some(format!("an annotation's score is {v}, not a number")),
                },
            }
        }
        if let Some(why) = bad_score {
            drop(Some(item_id), "bad_score", why);
            continue;
        }
        let answer = match coco::known_answer(qs, cats, &im.annotations, size) {
            Ok(a) => a,
            Err(e) => {
                drop(Some(item_id), super::known::refusal_code(&e), e);
                continue;
            }
        };
        let s = Incoming {
            index: im.index,
            item_id,
            answer: super::known::suggested_part(spec, answer),
            model: model.clone(),
            model_version: q.model_version.clone(),
            score: super::known::lowest(scores),
        };
        match at.get(&item_id) {
            Some(&k) => incoming[k] = s,
            None => {
                at.insert(item_id, incoming.len());
                incoming.push(s);
            }
        }
    }
    store_suggestions(state, order_id, spec, incoming, source, out).await
}

#[cfg(test)]
mod tests {
    use super::names;

    #[test]
    fn names_try_the_path_then_its_last_part() {
        assert_eq!(names("a/b.jpg"), ["a/b.jpg", "b.jpg"]);
        assert_eq!(names("b.jpg"), ["b.jpg"]);
    }
}
