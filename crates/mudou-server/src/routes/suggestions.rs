//! Model suggestions in: a client's JSONL of a model's answers (per item, or per item and
//! question), and what every way in shares — each suggestion checked against the order
//! (`mudou_domain::suggest::check`: its questions, each answer fitting, drawings inside the
//! item's pictures) and stored, or dropped with its reason, a log line and a count in
//! `/metrics` (`mudou_suggestions_dropped_total`); nothing else changes. The other ways in
//! (Label Studio predictions, COCO / YOLO files with scores, a model backend) call
//! [`store_suggestions`].

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use mudou_domain::{ItemId, OrderId, OrderSpec, suggest};
use mudou_store::{NewSuggestion, SuggestionSource, now_millis};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use super::types::ErrorBody;
use crate::auth::ClientCaller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

/// Largest JSONL file of suggestions accepted.
const MAX_IMPORT_BYTES: usize = 64 << 20;
/// Longest model name or version kept.
const MAX_NAME: usize = 100;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(import_jsonl, list).layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES)))
}

/// A suggestion on its way in, before the order's checks.
#[derive(Debug, Clone)]
pub(crate) struct Incoming {
    /// Where it came from, for the report: a line, a task, an image (from 0).
    pub index: usize,
    pub item_id: i64,
    /// Keyed by question.
    pub answer: Value,
    pub model: String,
    pub model_version: Option<String>,
    pub score: Option<f64>,
}

/// A suggestion left out, and why.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Dropped {
    /// The line (JSONL, from 1), task or image (from 0) it came from.
    pub index: usize,
    pub item_id: Option<i64>,
    /// `not_json`, `unknown_item`, `unknown_question`, `does_not_fit`, `bad_score`, …
    pub code: &'static str,
    pub reason: String,
}

/// What an import of suggestions did.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct SuggestionsOut {
    /// Stored, each replacing the item's earlier suggestion.
    pub stored: u64,
    /// Items whose planted (known-wrong) suggestion stays in place.
    pub kept_planted: u64,
    pub dropped: Vec<Dropped>,
}

impl SuggestionsOut {
    /// Counts a dropped suggestion (log, metrics) and keeps it for the answer.
    pub(crate) fn drop_one(&mut self, state: &AppState, source: SuggestionSource, d: Dropped) {
        tracing::info!(source = source.as_str(), code = d.code, index = d.index, item = ?d.item_id,
            reason = %d.reason, "suggestion dropped");
        state
            .metrics
            .suggestions_dropped_total
            .with_label_values(&[source.as_str(), d.code])
            .inc();
        self.dropped.push(d);
    }
}

fn clip(s: &str) -> String {
    s.trim().chars().take(MAX_NAME).collect()
}

/// Checks each suggestion against the order and stores those that pass, in one
/// transaction; the others are dropped with their reasons (counted in `/metrics`).
pub(crate) async fn store_suggestions(
    state: &AppState,
    order_id: OrderId,
    spec: &OrderSpec,
    incoming: Vec<Incoming>,
    source: SuggestionSource,
    mut out: SuggestionsOut,
) -> ApiResult<SuggestionsOut> {
    let mut ready = Vec::with_capacity(incoming.len());
    let mut index_of: HashMap<i64, usize> = HashMap::new();
    for s in incoming {
        if let Some(sc) = s.score
            && !(sc.is_finite() && (0.0..=1.0).contains(&sc))
        {
            out.drop_one(
                state,
                source,
                Dropped {
                    index: s.index,
                    item_id: Some(s.item_id),
                    code: "bad_score",
                    reason: format!("a score is between 0 and 1, not {sc}"),
                },
            );
            continue;
        }
        let sizes = if spec.task_type.kind().needs_image_size(spec) || spec.template.is_some() {
            state.store.item_sizes(ItemId::new(s.item_id)).await?
        } else {
            Vec::new()
        };
        // Findings placed in millimetres as a label's are (one off its series is dropped).
        let placed = match mudou_app::orders::place_answer(
            &state.store,
            spec,
            ItemId::new(s.item_id),
            &s.answer,
        )
        .await
        {
            Ok(p) => p.into_owned(),
            Err(e) if e.code != mudou_domain::ErrorCode::Internal => {
                out.drop_one(
                    state,
                    source,
                    Dropped {
                        index: s.index,
                        item_id: Some(s.item_id),
                        code: "does_not_fit",
                        reason: e.message,
                    },
                );
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        let answer = match suggest::check(spec, &placed, &sizes) {
            Ok(a) => a,
            Err(e) => {
                let template = spec.template();
                let unknown = s
                    .answer
                    .as_object()
                    .is_some_and(|o| o.keys().any(|k| template.question(k).is_none()));
                out.drop_one(
                    state,
                    source,
                    Dropped {
                        index: s.index,
                        item_id: Some(s.item_id),
                        code: if unknown {
                            "unknown_question"
                        } else {
                            "does_not_fit"
                        },
                        reason: e.message,
                    },
                );
                continue;
            }
        };
        index_of.insert(s.item_id, s.index);
        ready.push(NewSuggestion {
            item_id: s.item_id,
            answer: answer.to_string(),
            model: clip(&s.model),
            model_version: s
                .model_version
                .as_deref()
                .map(clip)
                .filter(|v| !v.is_empty()),
            score: s.score,
            source,
        });
    }
    let put = state
        .store
        .put_suggestions(order_id, &ready, now_millis())
        .await?;
    for item in put.unknown_items {
        out.drop_one(
            state,
            source,
            Dropped {
                index: index_of.get(&item).copied().unwrap_or_default(),
                item_id: Some(item),
                code: "unknown_item",
                reason: format!("item {item} is not of this order's dataset"),
            },
        );
    }
    state
        .metrics
        .suggestions_stored_total
        .with_label_values(&[source.as_str()])
        .inc_by(put.stored);
    out.stored += put.stored;
    out.kept_planted += put.kept_planted;
    out.dropped.sort_by_key(|d| d.index);
    Ok(out)
}

#[derive(Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct JsonlQuery {
    /// The model's name for lines that give none (default `model`).
    pub model: Option<String>,
    /// The model's version for lines that give none.
    pub model_version: Option<String>,
}

/// One line of a suggestions JSONL.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    /// The item, by Mudou's id …
    item_id: Option<i64>,
    /// … or, for a picture, by its file name in the dataset.
    name: Option<String>,
    /// A question's key: `answer` is then that question's answer; without it, `answer` is
    /// an object keyed by question.
    question: Option<String>,
    answer: Value,
    model: Option<String>,
    model_version: Option<String>,
    score: Option<f64>,
}

/// Imports a model's suggestions for the order's items from a JSONL body, one suggestion
/// per line: `{"item_id": 12, "answer": {"label": "cat"}, "model": "resnet", "score": 0.93}`,
/// or per question `{"name": "a.jpg", "question": "boxes", "answer": [...]}` (lines of one
/// item are merged; the lowest score is kept). A line that is not JSON, names an unknown
/// item or question, or whose answer does not fit the question is dropped with its reason;
/// the others are stored (each replacing the item's earlier suggestion). Works on a draft
/// too. The client's own orders only.
#[utoipa::path(post, path = "/api/v1/orders/{id}/suggestions", tag = "orders",
    params(("id" = i64, Path), JsonlQuery),
    request_body(content = String, content_type = "text/plain", description = "JSON lines, one suggestion per line (sent as any content type)"),
    responses((status = 200, body = SuggestionsOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn import_jsonl(
    State(state): State<AppState>,
    client: ClientCaller,
    Path(id): Path<OrderId>,
    Query(q): Query<JsonlQuery>,
    body: Bytes,
) -> ApiResult<Json<SuggestionsOut>> {
    let order = state
        .store
        .get_order(client.org_id, id)
        .await
        .map_err(ApiError::not_found_as("order"))?;
    let spec: OrderSpec = serde_json::from_str(&order.spec).map_err(ApiError::internal)?;
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::validation("the body is not UTF-8 text (JSON lines)"))?;
    let source = SuggestionSource::Import;
    let mut out = SuggestionsOut::default();
    let default_model = q
        .model
        .as_deref()
        .map(clip)
        .unwrap_or_else(|| "model".into());
    // Lines of one item merged, in the order first seen.
    let mut merged: Vec<Incoming> = Vec::new();
    let mut at: HashMap<i64, usize> = HashMap::new();
    for (n, raw) in text.lines().enumerate() {
        let index = n + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let line: Line = match serde_json::from_str(raw) {
            Ok(l) => l,
            Err(e) => {
                out.drop_one(
                    &state,
                    source,
                    Dropped {
                        index,
                        item_id: None,
                        code: "not_json",
                        reason: format!("not a suggestion line: {e}"),
                    },
                );
                continue;
            }
        };
        let item_id = match (line.item_id, &line.name) {
            (Some(i), _) => i,
            (None, Some(name)) => {
                let found = super::known::picture_named(
                    &state.store,
                    mudou_domain::DatasetId::new(order.dataset_id),
                    std::slice::from_ref(name),
                )
                .await?;
                match found {
                    Ok((i, _, _)) => i,
                    Err(why) => {
                        out.drop_one(
                            &state,
                            source,
                            Dropped {
                                index,
                                item_id: None,
                                code: "unknown_item",
                                reason: why.unwrap_or_else(|| {
                                    format!("no picture of the order's dataset is named {name:?}")
                                }),
                            },
                        );
                        continue;
                    }
                }
            }
            (None, None) => {
                out.drop_one(
                    &state,
                    source,
                    Dropped {
                        index,
                        item_id: None,
                        code: "unknown_item",
                        reason: "name the item: item_id, or name for a picture".into(),
                    },
                );
                continue;
            }
        };
        let answer = match line.question {
            Some(k) => Value::Object([(k, line.answer)].into_iter().collect()),
            None => line.answer,
        };
        let model = line.model.unwrap_or_else(|| default_model.clone());
        let version = line.model_version.or_else(|| q.model_version.clone());
        match at.get(&item_id) {
            Some(&k) => {
                let m = &mut merged[k];
                if let (Value::Object(o), Value::Object(n)) = (&mut m.answer, answer.clone()) {
                    o.extend(n);
                } else {
                    m.answer = answer;
                }
                m.score = match (m.score, line.score) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                m.model = model;
                m.model_version = version;
            }
            None => {
                at.insert(item_id, merged.len());
                merged.push(Incoming {
                    index,
                    item_id,
                    answer,
                    model,
                    model_version: version,
                    score: line.score,
                });
            }
        }
    }
    let out = store_suggestions(&state, id, &spec, merged, source, out).await?;
    Ok(Json(out))
}

/// A stored suggestion, as the order's client sees it.
#[derive(Serialize, ToSchema)]
pub struct SuggestionRow {
    pub id: i64,
    pub item_id: i64,
    #[schema(value_type = Object)]
    pub answer: Value,
    pub model: String,
    pub model_version: Option<String>,
    pub score: Option<f64>,
    /// `import`, `backend` or `planted` (a known-wrong one on a gold item).
    pub source: String,
    pub created_at: i64,
}

/// The order's suggestions, by item. The client's own orders only.
#[utoipa::path(get, path = "/api/v1/orders/{id}/suggestions", tag = "orders",
    params(("id" = i64, Path)),
    responses((status = 200, body = Vec<SuggestionRow>), (status = 404, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    client: ClientCaller,
    Path(id): Path<OrderId>,
) -> ApiResult<Json<Vec<SuggestionRow>>> {
    state
        .store
        .get_order(client.org_id, id)
        .await
        .map_err(ApiError::not_found_as("order"))?;
    let rows = state.store.order_suggestions(id).await?;
    Ok(Json(
        rows.into_iter()
            .map(|s| SuggestionRow {
                id: s.id,
                item_id: s.item_id,
                answer: serde_json::from_str(&s.answer).unwrap_or(Value::Null),
                model: s.model,
                model_version: s.model_version,
                score: s.score,
                source: s.source,
                created_at: s.created_at,
            })
            .collect(),
    ))
}
