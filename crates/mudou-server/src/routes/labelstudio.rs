//! Label Studio JSON, both ways: an order's results as a Label Studio export (each template
//! question as results keyed by its name; the consensus as a prediction, each annotator's
//! labels as annotations, gold as a ground-truth annotation, the order's model suggestions
//! as predictions beside it; pictures by signed links that work in Label Studio without a
//! Mudou login) and a Label Studio export as the known answers of a dataset's items
//! (question by question, merged into what each item knew), its model predictions as the
//! order's suggestions.

use std::collections::HashMap;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, header};
use mudou_domain::labelstudio::{read_results, results_from_answer};
use mudou_domain::{DatasetId, FieldKind, ItemId, OrderId, OrderSpec, Template};
use mudou_store::{ItemContent, NewItem, Suggestion, SuggestionSource, now_millis};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use utoipa::ToSchema;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use super::exports::{Page, Part, Pick, list_entry, parse, pseudonym};
use super::known::ImportAs;
use super::suggestions::{Dropped, Incoming, SuggestionsOut, store_suggestions};
use super::types::ErrorBody;
use crate::auth::ClientCaller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

/// Largest Label Studio export accepted for import.
const MAX_IMPORT_BYTES: usize = 64 << 20;
/// The `model_version` of the consensus in an export.
const CONSENSUS: &str = "mudou-consensus";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(import_labelstudio).layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES)))
}

// ---- export -------------------------------------------------------------------------------

/// The address links in an export start with: the configured public address, else the
/// request's `Host` (with `https` when cookies are secure, or a trusted proxy says so).
fn public_base(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(u) = &state.settings.public_url {
        return u.trim_end_matches('/').to_owned();
    }
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return String::new();
    };
    let forwarded = (state.settings.trusted_proxy_hops > 0)
        .then(|| headers.get("x-forwarded-proto")?.to_str().ok())
        .flatten()
        .map(|p| p.split(',').next().unwrap_or_default().trim().to_owned());
    let scheme = match forwarded.as_deref() {
        Some("https") => "https",
        Some("http") => "http",
        _ if state.settings.secure_cookies => "https",
        _ => "http",
    };
    format!("{scheme}://{host}")
}

/// The template field an item's content fills: the first of its kind, else the first.
fn item_field(t: &Template, it_kind: &str) -> String {
    t.fields
        .iter()
        .find(|f| f.kind.as_str() == it_kind)
        .or(t.fields.first())
        .map(|f| f.name.clone())
        .unwrap_or_else(|| it_kind.to_owned())
}

/// A Label Studio JSON export of an order: one task per item whose `data` holds the item
/// under its template field's name (a picture as a signed absolute link ending in its file
/// name, and `file_name` with its path), `annotations` with each annotator's own answer
/// (`completed_by` a pseudonym; a skip is a cancelled annotation) and the gold answer
/// (`ground_truth`), and `predictions` with the consensus (`score` = its confidence; the
/// item's state in the task's `meta`) and the item's model suggestion from `suggestions`
/// (the order's; `model_version` and `score` its own; a planted one never goes out), so
/// that a task imported with a model's predictions goes back out with them.
pub(super) fn export_parts(
    state: &AppState,
    headers: &HeaderMap,
    seed: i64,
    template: Template,
    pick: Pick,
    suggestions: Vec<Suggestion>,
) -> ApiResult<Vec<Part>> {
    let suggested: HashMap<i64, Suggestion> = suggestions
        .into_iter()
        .filter(|s| s.source != SuggestionSource::Planted.as_str())
        .map(|s| (s.item_id, s))
        .collect();
    let base = public_base(state, headers);
    let settings = state.settings.clone();
    let now = now_millis();
    // Fail before streaming when links cannot be signed.
    super::media::signed_url(&settings, &base, &"0".repeat(64), "screen", "x", now)?;
    let mut first = true;
    // Label Studio has no line tag: each task says which questions were left out.
    let left_out: Vec<String> = template
        .questions
        .iter()
        .filter(|q| q.kind == "polyline")
        .map(|q| format!("{} (polyline: Label Studio has no line tag)", q.key))
        .collect();
    let render = move |page: &Page| {
        let mut out = Vec::new();
        for it in &page.items {
            let field = item_field(&template, &it.kind);
            let size = |f: &str| (f == field).then(|| it.width.zip(it.height)).flatten();
            let results =
                |answer: &Value, id: &str| results_from_answer(&template, answer, &size, id);
            let mut data = json!({"file_name": it.file_name, "tag": it.tag});
            match (&it.sha256, &it.body) {
                (Some(sha), _) => {
                    let url = super::media::signed_url(
                        &settings,
                        &base,
                        sha,
                        "screen",
                        &it.file_name,
                        now,
                    )
                    .unwrap_or_else(|_| super::types::media_url(sha, "screen"));
                    data[&field] = json!(url);
                }
                (None, Some(text)) => data[&field] = json!(text),
                _ => {}
            }
            // A record's words, each under its field's name: a conversation as the list of
            // turns Label Studio's `Paragraphs` shows, a text or Markdown as it is.
            for f in it
                .fields
                .as_deref()
                .and_then(|f| serde_json::from_str::<Vec<mudou_store::ItemField>>(f).ok())
                .unwrap_or_default()
            {
                let Some(text) = &f.text else { continue };
                data[&f.name] = match f.kind {
                    FieldKind::Image | FieldKind::Series => continue,
                    FieldKind::Conversation => {
                        serde_json::from_str::<Value>(text).unwrap_or_else(|_| json!(text))
                    }
                    FieldKind::Text | FieldKind::Markdown => json!(text),
                };
            }
            let mut annotations: Vec<Value> = page
                .labels_of(it.item_id)
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    let (result, cancelled) = match &l.answer {
                        Some(a) => (
                            results(&parse(Some(a)), &format!("{}a{i}", it.item_id)),
                            false,
                        ),
                        None => (Vec::new(), true),
                    };
                    json!({"result": result, "was_cancelled": cancelled, "ground_truth": false,
                           "completed_by": pseudonym(seed, l.annotator_id),
                           "lead_time": l.client_ms as f64 / 1000.0})
                })
                .collect();
            if it.is_gold {
                annotations.push(json!({
                    "result": results(&parse(it.gold.as_deref()), &format!("{}g", it.item_id)),
                    "was_cancelled": false, "ground_truth": true, "completed_by": "gold"}));
            }
            let mut predictions: Vec<Value> = pick
                .answer(it)
                .map(|a| {
                    json!({"model_version": CONSENSUS,
                           "score": pick.confidence(it).unwrap_or(0.0),
                           "result": results(&a, &format!("{}c", it.item_id))})
                })
                .into_iter()
                .collect();
            if let Some(s) = suggested.get(&it.item_id) {
                let answer = parse(Some(&s.answer));
                // Label Studio tells a prediction's model by its version alone; the model's
                // name rides in `meta` (read back by the import).
                let version = s.model_version.clone().unwrap_or_else(|| s.model.clone());
                let mut p = json!({"model_version": version,
                    "result": results(&answer, &format!("{}s", it.item_id)),
                    "meta": {"model": s.model, "model_version": s.model_version}});
                if let Some(score) = s.score {
                    p["score"] = json!(score);
                }
                predictions.push(p);
            }
            let mut task = json!({
                "id": it.item_id, "data": data, "annotations": annotations,
                "predictions": predictions,
                "meta": {"state": it.state, "settled": Pick::settled(it),
                         "confidence": pick.confidence(it)},
                "file_upload": it.file_name,
            });
            if !left_out.is_empty() {
                task["meta"]["left_out"] = json!(left_out);
            }
            list_entry(&mut out, &mut first, &task);
        }
        out
    };
    Ok(vec![
        Part::Bytes(b"[".to_vec()),
        Part::Pass {
            with_labels: true,
            render: Box::new(render),
        },
        Part::Bytes(b"]\n".to_vec()),
    ])
}

// ---- import -------------------------------------------------------------------------------

#[derive(Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LsImportQuery {
    /// An order of yours on this dataset whose template reads the annotations (question
    /// by question, fields by their names). Without it, choices become `label`/`labels`,
    /// rectangles `boxes`, and other results are kept under their `from_name`.
    #[param(value_type = Option<i64>)]
    #[schema(value_type = Option<i64>)]
    pub order: Option<OrderId>,
    /// `known` (default): annotations become known answers and, with `order`, the tasks'
    /// model predictions become that order's suggestions too; `suggestions`: only the
    /// predictions, as the order's suggestions (`order` required; no item is created).
    #[serde(rename = "as", default)]
    pub as_: Option<ImportAs>,
    /// The model's name for the predictions (default: each prediction's `model_version`).
    pub model: Option<String>,
}

/// One task of a Label Studio JSON export (other fields are ignored).
#[derive(Deserialize, ToSchema)]
pub struct LsTask {
    #[serde(default)]
    #[schema(value_type = Object)]
    pub id: Value,
    /// The task's data: any key may hold the item (`{"image": url}`, `{"text": "…"}`,
    /// `{"photo": url}`); with `order`, the keys of the order's template fields.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub data: Value,
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub annotations: Vec<Value>,
    /// Model predictions; Mudou's own exports carry the consensus as one
    /// (`model_version` `mudou-consensus`).
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub predictions: Vec<Value>,
    /// The uploaded file's name (Label Studio prefixes it with 8 hex digits and `-`).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub file_upload: Value,
}

#[derive(Serialize, ToSchema)]
pub struct LsTaskOutcome {
    /// Position of the task in the upload, from 0.
    pub index: usize,
    /// The task's own `id`, as it came (any JSON value; `null` when it had none).
    #[schema(value_type = Value)]
    pub task_id: Value,
    /// `labelled` (the item's known answer was set), `created` (a new text item, with its
    /// answer when there was one), `unlabelled` (the item was found but the task carries no
    /// annotation Mudou understands) or `skipped`.
    pub outcome: &'static str,
    pub item_id: Option<i64>,
    /// Why a task was skipped, or what of it was left out.
    pub reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LsImportOut {
    pub labelled: usize,
    pub created: usize,
    pub unlabelled: usize,
    pub skipped: usize,
    /// Each task's known-answer outcome (empty with `as=suggestions`).
    pub tasks: Vec<LsTaskOutcome>,
    /// With `order`: the tasks' model predictions stored as its suggestions, or dropped
    /// (the task's index, why); absent when no task carried a model's prediction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestions: Option<SuggestionsOut>,
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The file names a task's image may have in the dataset, most specific first.
fn image_names(url: &str, file_upload: Option<&str>, file_name: Option<&str>) -> Vec<String> {
    let mut names = Vec::new();
    if let Some(n) = file_name {
        names.push(n.to_owned());
    }
    let strip_prefix = |n: &str| -> Option<String> {
        let (head, rest) = n.split_once('-')?;
        (head.len() == 8 && head.bytes().all(|c| c.is_ascii_hexdigit()) && !rest.is_empty())
            .then(|| rest.to_owned())
    };
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let path = percent_decode(path);
    // `/data/local-files/?d=folder/a.jpg` carries the path in its query.
    let local = url
        .split_once("?d=")
        .map(|(_, d)| percent_decode(d.split('&').next().unwrap_or_default()));
    for n in [file_upload.map(str::to_owned), local, Some(path)]
        .into_iter()
        .flatten()
    {
        let base = n.rsplit('/').next().unwrap_or_default().to_owned();
        if let Some(s) = strip_prefix(&base) {
            names.push(s);
        }
        if !base.is_empty() {
            names.push(base);
        }
    }
    names.dedup();
    names
}

/// The SHA-256 in a Mudou media URL (`/api/v1/media/{sha256}/{variant}`, or a signed
/// `/api/v1/signed-media/{sha256}/…`).
fn media_sha(url: &str) -> Option<&str> {
    let at = ["/api/v1/media/", "/api/v1/signed-media/"]
        .iter()
        .find_map(|p| url.find(p).map(|i| i + p.len()))?;
    let rest = &url[at..];
    let sha = rest.split('/').next()?;
    (sha.len() == 64 && sha.bytes().all(|c| c.is_ascii_hexdigit())).then_some(sha)
}

/// The annotation (or prediction) a task's known answer comes from: a ground-truth
/// annotation, else Mudou's consensus prediction, else the last annotation not cancelled.
fn pick_annotation<'a>(annotations: &'a [Value], predictions: &'a [Value]) -> Option<&'a Value> {
    let live = |a: &&Value| !a["was_cancelled"].as_bool().unwrap_or(false);
    annotations
        .iter()
        .filter(live)
        .find(|a| a["ground_truth"].as_bool().unwrap_or(false))
        .or_else(|| predictions.iter().find(|p| p["model_version"] == CONSENSUS))
        .or_else(|| annotations.iter().rfind(live))
}

/// Result names of the task types of before (`choice`, `label`): their answers keep the
/// old keys.
const LEGACY_CHOICES: &[&str] = &["", "choice", "label", "labels"];
const LEGACY_BOXES: &[&str] = &["", "label", "boxes", "bbox"];

/// Label Studio results as a known answer without a template: choices become `label` (one)
/// or `labels` (several), rectangles `boxes` in pixels (`size` is the picture's), per-region
/// choices the attributes of their box, and ratings, numbers, texts and choices of other
/// names stay under their `from_name`. An empty list on a picture is "no boxes". Returns the
/// answer and what was left out.
fn loose_answer(
    results: &[Value],
    size: Option<(i64, i64)>,
    image: bool,
) -> (Option<Map<String, Value>>, Vec<String>) {
    let mut out = Map::new();
    let mut left_out: Vec<String> = Vec::new();
    if results.is_empty() {
        if image {
            out.insert("boxes".into(), json!([]));
        }
        return ((!out.is_empty()).then_some(out), left_out);
    }
    let mut choices: Vec<Value> = Vec::new();
    let mut boxes_at: HashMap<String, (String, usize)> = HashMap::new();
    let mut per_region: Vec<&Value> = Vec::new();
    for r in results {
        let v = &r["value"];
        let from = r["from_name"].as_str().unwrap_or_default();
        match r["type"].as_str().unwrap_or_default() {
            "choices" if v.get("x").is_some() && r["id"].is_string() => per_region.push(r),
            "choices" if LEGACY_CHOICES.contains(&from) => {
                choices.extend(v["choices"].as_array().into_iter().flatten().cloned())
            }
            "choices" => {
                let c = v["choices"].as_array().cloned().unwrap_or_default();
                let one = (c.len() == 1).then(|| c[0].clone());
                out.insert(from.into(), one.unwrap_or(Value::Array(c)));
            }
            "rectanglelabels" | "rectangle" => {
                let key = if LEGACY_BOXES.contains(&from) {
                    "boxes"
                } else {
                    from
                };
                let label = v["rectanglelabels"]
                    .get(0)
                    .or_else(|| v["labels"].get(0))
                    .and_then(Value::as_str);
                match (label, mudou_domain::labelstudio::box_pixels(r, size)) {
                    (Some(label), Ok((x, y, w, h))) => {
                        let list = out
                            .entry(key.to_owned())
                            .or_insert_with(|| json!([]))
                            .as_array_mut()
                            .map(|l| {
                                l.push(json!({"label": label, "x": x, "y": y, "w": w, "h": h}));
                                l.len() - 1
                            });
                        if let (Some(i), Some(id)) = (list, r["id"].as_str()) {
                            boxes_at.insert(id.to_owned(), (key.to_owned(), i));
                        }
                    }
                    (None, _) => left_out.push("a box without a label".into()),
                    (_, Err(why)) => left_out.push(why.into()),
                }
            }
            "rating" if v["rating"].is_number() => {
                out.insert(from.into(), v["rating"].clone());
            }
            "number" if v["number"].is_number() => {
                out.insert(from.into(), v["number"].clone());
            }
            "textarea" => {
                let t: Vec<&str> = v["text"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                out.insert(from.into(), json!(t.join("\n")));
            }
            other => left_out.push(format!("{other:?} results")),
        }
    }
    for r in per_region {
        let from = r["from_name"].as_str().unwrap_or_default();
        let at = r["id"].as_str().and_then(|id| boxes_at.get(id));
        let Some((key, i)) = at else {
            left_out.push(format!("per-region {from:?} without its box"));
            continue;
        };
        let c = r["value"]["choices"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let attr = from.rsplit('.').next().unwrap_or(from);
        out[key.as_str()][*i]["attributes"][attr] = match c.len() {
            1 => c[0].clone(),
            _ => Value::Array(c),
        };
    }
    match choices.len() {
        0 => {}
        1 => {
            out.insert("label".into(), choices.remove(0));
        }
        _ => {
            out.insert("labels".into(), Value::Array(choices));
        }
    }
    left_out.dedup();
    ((!out.is_empty()).then_some(out), left_out)
}

/// Whether a data value looks like a picture's address rather than a text.
fn looks_like_picture(v: &str) -> bool {
    let l = v.trim().to_ascii_lowercase();
    let path = l.split(['?', '#']).next().unwrap_or_default();
    media_sha(v).is_some()
        || l.starts_with("data:image/")
        || ((l.starts_with("http://")
            || l.starts_with("https://")
            || l.starts_with("s3://")
            || l.starts_with("gs://")
            || l.starts_with("azure-blob://")
            || l.starts_with('/'))
            && !l.contains(char::is_whitespace))
        || [
            ".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff",
        ]
        .iter()
        .any(|e| path.ends_with(e))
}

/// Whether a data value names a file (an address, a path, a name with an extension).
fn looks_like_file(v: &str) -> bool {
    let v = v.trim();
    if v.is_empty() || v.contains(char::is_whitespace) {
        return false;
    }
    let ext = v
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .rsplit_once('.');
    v.contains("://")
        || v.starts_with('/')
        || ext.is_some_and(|(_, e)| {
            (2..=5).contains(&e.len())
                && e.bytes().all(|b| b.is_ascii_alphanumeric())
                && !e.bytes().all(|b| b.is_ascii_digit())
        })
}

/// Keys of a task's data that describe it rather than hold it.
const DATA_NOTES: &[&str] = &["file_name", "tag", "id", "meta"];

/// The data key that holds the item and whether it is a picture: with a template, its
/// first field present in the data; else `image`, `text`, or the first other string.
fn task_content<'a>(data: &'a Value, t: Option<&Template>) -> Option<(&'a str, &'a str, bool)> {
    let obj = data.as_object()?;
    if let Some(t) = t {
        return t.fields.iter().find_map(|f| {
            let (k, v) = obj.get_key_value(&f.name)?;
            Some((k.as_str(), v.as_str()?, f.kind == FieldKind::Image))
        });
    }
    for (key, image) in [("image", true), ("text", false)] {
        if let Some((k, v)) = obj.get_key_value(key)
            && let Some(s) = v.as_str()
        {
            return Some((k.as_str(), s, image));
        }
    }
    obj.iter()
        .filter(|(k, _)| !DATA_NOTES.contains(&k.as_str()))
        .find_map(|(k, v)| {
            let s = v.as_str()?;
            Some((k.as_str(), s, looks_like_picture(s)))
        })
}

/// The answer a task's annotation gives, with what was left out; `Err` with the reason
/// when a region cannot be an object of its question (with a template, each polygon,
/// keypoints, mask and rotated box list is also checked as a submitted answer is, with the
/// picture's size): the task is then skipped whole.
fn task_answer(
    t: Option<&Template>,
    annotation: Option<&Value>,
    size: Option<(i64, i64)>,
    image: bool,
) -> Result<(Option<Value>, Option<String>), String> {
    let Some(a) = annotation else {
        return Ok((None, Some("the task has no annotation".into())));
    };
    let results: Vec<Value> = a["result"].as_array().cloned().unwrap_or_default();
    let (answer, left_out) = match t {
        Some(t) => {
            let mut r = read_results(t, &results, &|_| size);
            if !r.refused.is_empty() {
                return Err(format!("refused: {}", r.refused.join("; ")));
            }
            for q in &t.questions {
                let drawn = q.kind().needs_image() && q.kind != "boxes";
                if let Some(v) = r.answer.get_mut(&q.key).filter(|_| drawn) {
                    *v = q
                        .kind()
                        .parse(q, v, size)
                        .map_err(|e| format!("refused: {:?}{}", q.key, e.message))?;
                }
            }
            ((!r.answer.is_empty()).then_some(r.answer), r.left_out)
        }
        None => loose_answer(&results, size, image),
    };
    let note = (!left_out.is_empty()).then(|| {
        format!(
            "left out (only choices, ratings, numbers, texts, rectangles, polygons, keypoints and brush masks are understood): {}",
            left_out.join(", ")
        )
    });
    let note = match (&answer, note, results.is_empty()) {
        (None, None, true) => Some("an empty annotation answers none of the questions".into()),
        (_, n, _) => n,
    };
    Ok((answer.map(Value::Object), note))
}

/// The model prediction a task carries for the order's suggestion: the last one that is
/// not Mudou's own consensus.
fn model_prediction(predictions: &[Value]) -> Option<&Value> {
    predictions
        .iter()
        .rfind(|p| p["model_version"] != CONSENSUS && p.is_object())
}

/// A string or number as text (Label Studio writes `model_version` as either).
fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A model prediction of a task as a suggestion for `item_id`: its results read by the
/// order's template, all of them (a result the template cannot read drops the prediction:
/// a half-understood suggestion is not shown), `score` the prediction's, else the lowest
/// of its results'. `Err` is the drop's code and reason.
fn prediction_suggestion(
    spec: &OrderSpec,
    t: &Template,
    pending: &Pending,
    item_id: i64,
    model: Option<&str>,
) -> Result<Incoming, (&'static str, String)> {
    let (p, size) = (&pending.prediction, pending.size);
    let results: Vec<Value> = p["result"].as_array().cloned().unwrap_or_default();
    let unknown: Vec<String> = results
        .iter()
        .filter_map(|r| {
            let from = r["from_name"].as_str().unwrap_or_default();
            (t.question(from).is_none() && !(from.contains('.') && r["type"] == "choices"))
                .then(|| format!("{from:?}"))
        })
        .collect();
    if !unknown.is_empty() {
        return Err((
            "unknown_question",
            format!(
                "the prediction answers {}, not questions of the order",
                unknown.join(", ")
            ),
        ));
    }
    let r = read_results(t, &results, &|_| size);
    if !r.refused.is_empty() {
        let why = r.refused.join("; ");
        return Err((super::known::refusal_code(&why), why));
    }
    if !r.left_out.is_empty() {
        let why = format!(
            "the prediction holds what the order cannot read: {}",
            r.left_out.join(", ")
        );
        let code = if why.contains("does not offer") || why.contains("class it does not have") {
            "unknown_class"
        } else {
            "does_not_fit"
        };
        return Err((code, why));
    }
    if r.answer.is_empty() {
        return Err((
            "does_not_fit",
            "the prediction answers none of the order's questions".into(),
        ));
    }
    let version = text_of(&p["model_version"]);
    let model = model
        .map(str::to_owned)
        .filter(|m| !m.trim().is_empty())
        .or_else(|| text_of(&p["meta"]["model"]))
        .or_else(|| version.clone())
        .unwrap_or_else(|| "labelstudio".into());
    let score = p["score"]
        .as_f64()
        .or_else(|| super::known::lowest(results.iter().filter_map(|r| r["score"].as_f64())));
    Ok(Incoming {
        index: pending.index,
        item_id,
        answer: super::known::suggested_part(spec, r.answer),
        model,
        model_version: version,
        score,
    })
}

/// The item a pending suggestion belongs to: one found, or one the import creates.
enum Who {
    Item(i64),
    New(usize),
}

/// A task's model prediction waiting to be read as a suggestion.
struct Pending {
    who: Who,
    /// The task's index.
    index: usize,
    prediction: Value,
    /// The picture's size.
    size: Option<(i64, i64)>,
}

/// Imports a Label Studio JSON export into a dataset: each task's annotation (a
/// ground-truth one, else Mudou's consensus prediction, else the last annotation) becomes
/// the item's known answer, merged question by question into what the item knew (questions
/// the import does not answer keep their old answer); an empty annotation on a picture is
/// "no boxes". With `order`, that order's template reads the results (each `from_name` a
/// question, every data key one of its fields); without, choices become `label`/`labels`
/// and rectangles `boxes` (in pixels) as for the task types of before. Text tasks become
/// text items (or find the item with the same text). A picture is found by its Mudou media
/// link or by its file name (Label Studio's upload prefix ignored; `data.file_name` first);
/// a name several pictures of the dataset share in different folders is refused as
/// ambiguous. Pictures are never fetched: upload them first. With `order`, polygons,
/// keypoints, brush masks and rotated boxes are read too (see `mudou_domain::labelstudio`)
/// and checked as submitted answers are; a task with a region that cannot be one of its
/// question's objects (fewer than 3 points, a point outside the picture, a brush of another
/// size, a class the question lacks) is skipped whole with the reason. Every task's outcome
/// is answered.
///
/// With `order`, each task's model prediction (the last one that is not Mudou's own
/// consensus) becomes the order's suggestion for the task's item, read by its template,
/// with the prediction's `model_version` (the model's name too, unless `model` or the
/// prediction's `meta.model`, as Mudou's export writes it, names it)
/// and `score`; a prediction the template cannot read whole, of an unknown question or
/// class, or of a task whose item is not found is dropped with why (`suggestions`). With
/// `as=suggestions` only the predictions are read (no known answer is set, no item made).
#[utoipa::path(post, path = "/api/v1/datasets/{id}/labelstudio", tag = "exports",
    params(("id" = i64, Path), LsImportQuery), request_body = Vec<LsTask>,
    responses((status = 200, body = LsImportOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn import_labelstudio(
    State(state): State<AppState>,
    client: ClientCaller,
    Path(id): Path<DatasetId>,
    Query(q): Query<LsImportQuery>,
    Json(tasks): Json<Vec<LsTask>>,
) -> ApiResult<Json<LsImportOut>> {
    state
        .store
        .get_dataset(client.org_id, id)
        .await
        .map_err(ApiError::not_found_as("dataset"))?;
    let suggest_only = q.as_.unwrap_or_default() == ImportAs::Suggestions;
    let spec: Option<OrderSpec> = match q.order {
        None if suggest_only => {
            return Err(ApiError::validation(
                "name the order the suggestions are for: ?order=ORDER",
            )
            .with("field", "order"));
        }
        None => None,
        Some(order_id) => {
            Some(super::known::order_of_dataset(&state, client.org_id, id, order_id).await?)
        }
    };
    let template: Option<Template> = spec.as_ref().map(|s| s.template().into_owned());
    let t = template.as_ref();
    // Model predictions to store as suggestions.
    let mut pending: Vec<Pending> = Vec::new();
    // Tasks with a model prediction, by index.
    let mut predicted: Vec<bool> = Vec::new();
    let mut outcomes = Vec::with_capacity(tasks.len());
    let mut known: Vec<(ItemId, String)> = Vec::new();
    // Position in `known` of each item's answer: a later task about the same item wins
    // (merged question by question, like the import into what the item knew).
    let mut known_at: HashMap<i64, usize> = Default::default();
    let mut set_known = |item_id: i64, answer: String| match known_at.get(&item_id) {
        Some(&k) => known[k].1 = super::known::merge_known(Some(&known[k].1), &answer),
        None => {
            known_at.insert(item_id, known.len());
            known.push((ItemId::new(item_id), answer));
        }
    };
    let mut new_items: Vec<NewItem> = Vec::new();
    // Outcome index of each new item, to fill in its id after the commit.
    let mut new_at: Vec<usize> = Vec::new();
    let mut seen_text: HashMap<String, usize> = Default::default();
    for (index, task) in tasks.into_iter().enumerate() {
        let mut out = LsTaskOutcome {
            index,
            task_id: task.id.clone(),
            outcome: "skipped",
            item_id: None,
            reason: None,
        };
        let annotation = pick_annotation(&task.annotations, &task.predictions);
        let prediction = model_prediction(&task.predictions)
            .filter(|_| spec.is_some())
            .cloned();
        predicted.push(prediction.is_some());
        let str_of = |v: &Value| v.as_str().map(str::to_owned);
        let Some((key, content, image)) = task_content(&task.data, t) else {
            out.reason = Some(match t {
                Some(t) => format!(
                    "the task's data has none of the order's fields ({})",
                    t.fields
                        .iter()
                        .map(|f| f.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                None => "the task's data holds no picture or text".into(),
            });
            outcomes.push(out);
            continue;
        };
        if !image && t.is_none() && looks_like_file(content) {
            out.reason = Some(format!(
                "data.{key} names a file that is not a picture ({content:?})"
            ));
            outcomes.push(out);
            continue;
        }
        if image {
            let url = content;
            let by_link = match media_sha(url) {
                Some(sha) => state
                    .store
                    .image_item_by_sha256(id, &sha.to_ascii_lowercase())
                    .await?
                    .map(|i| (i.id, i.width, i.height)),
                None => None,
            };
            let names = image_names(
                url,
                task.file_upload.as_str(),
                task.data.get("file_name").and_then(Value::as_str),
            );
            let found = match by_link {
                Some(f) => Ok(f),
                None => super::known::picture_named(&state.store, id, &names).await?,
            };
            let (item_id, width, height) = match found {
                Ok(f) => f,
                Err(reason) => {
                    out.reason = Some(reason.unwrap_or_else(|| {
                        format!(
                            "no picture of this dataset matches {:?} (data.{key}): upload the file first",
                            names.first().map(String::as_str).unwrap_or(url)
                        )
                    }));
                    outcomes.push(out);
                    continue;
                }
            };
            out.item_id = Some(item_id);
            if let Some(p) = prediction {
                pending.push(Pending {
                    who: Who::Item(item_id),
                    index,
                    prediction: p,
                    size: width.zip(height),
                });
            }
            if suggest_only {
                outcomes.push(out);
                continue;
            }
            let (answer, note) = match task_answer(t, annotation, width.zip(height), true) {
                Ok(a) => a,
                Err(why) => {
                    out.reason = Some(why);
                    outcomes.push(out);
                    continue;
                }
            };
            out.reason = note;
            match answer {
                Some(a) => {
                    out.outcome = "labelled";
                    set_known(item_id, a.to_string());
                }
                None => out.outcome = "unlabelled",
            }
        } else {
            let text = content;
            if text.trim().is_empty() {
                out.reason = Some("the task's text is empty".into());
                outcomes.push(out);
                continue;
            }
            if suggest_only {
                match state.store.text_item_by_body(id, text).await? {
                    Some(item_id) => {
                        out.item_id = Some(item_id);
                        if let Some(p) = prediction {
                            pending.push(Pending {
                                who: Who::Item(item_id),
                                index,
                                prediction: p,
                                size: None,
                            });
                        }
                    }
                    None => {
                        out.reason = Some("no text item of this dataset has the task's text".into())
                    }
                }
                outcomes.push(out);
                continue;
            }
            let (answer, note) = match task_answer(t, annotation, None, false) {
                Ok(a) => a,
                Err(why) => {
                    out.reason = Some(why);
                    outcomes.push(out);
                    continue;
                }
            };
            out.reason = note;
            let existing = state.store.text_item_by_body(id, text).await?;
            match (existing, seen_text.get(text)) {
                (Some(item_id), _) => {
                    out.item_id = Some(item_id);
                    if let Some(p) = prediction {
                        pending.push(Pending {
                            who: Who::Item(item_id),
                            index,
                            prediction: p,
                            size: None,
                        });
                    }
                    match answer {
                        Some(a) => {
                            out.outcome = "labelled";
                            set_known(item_id, a.to_string());
                        }
                        None => out.outcome = "unlabelled",
                    }
                }
                (None, Some(&k)) => {
                    // The same text twice in one upload: the later task's answer wins.
                    if let Some(a) = answer {
                        let merged =
                            super::known::merge_known(new_items[k].gold.as_deref(), &a.to_string());
                        new_items[k].gold = Some(merged);
                    }
                    out.outcome = "skipped";
                    out.reason = Some(format!("the same text as task {}", new_at[k]));
                }
                (None, None) => {
                    let name = str_of(&task.data["file_name"]).unwrap_or_else(|| match &task.id {
                        Value::Null => format!("labelstudio:{index}"),
                        v => format!(
                            "labelstudio:{}",
                            v.as_str()
                                .map(str::to_owned)
                                .unwrap_or_else(|| v.to_string())
                        ),
                    });
                    let tag = str_of(&task.data["tag"]).unwrap_or_default();
                    let mut meta = Map::new();
                    meta.insert("labelstudio_id".into(), task.id.clone());
                    if let Some(p) = prediction {
                        pending.push(Pending {
                            who: Who::New(new_items.len()),
                            index,
                            prediction: p,
                            size: None,
                        });
                    }
                    seen_text.insert(text.to_owned(), new_items.len());
                    new_items.push(NewItem {
                        content: ItemContent::Text {
                            body: text.to_owned(),
                        },
                        file_name: name,
                        tag,
                        meta: Value::Object(meta).to_string(),
                        gold: answer.map(|a| a.to_string()),
                    });
                    new_at.push(outcomes.len());
                    out.outcome = "created";
                }
            }
        }
        outcomes.push(out);
    }
    let mut ids = Vec::new();
    if !suggest_only {
        ids = state
            .store
            .import_known_answers(
                id,
                &known,
                &new_items,
                now_millis(),
                &super::known::merge_known,
            )
            .await?;
        for (k, item_id) in ids.iter().enumerate() {
            outcomes[new_at[k]].item_id = Some(*item_id);
        }
    }
    let suggestions = match (&spec, t) {
        (Some(spec), Some(t)) if suggest_only || predicted.contains(&true) => {
            let source = SuggestionSource::Import;
            let mut out = SuggestionsOut::default();
            // A task with a prediction whose item was not found.
            for (o, _) in outcomes
                .iter()
                .zip(&predicted)
                .filter(|(o, p)| **p && o.item_id.is_none())
            {
                out.drop_one(
                    &state,
                    source,
                    Dropped {
                        index: o.index,
                        item_id: None,
                        code: "unknown_item",
                        reason: o
                            .reason
                            .clone()
                            .unwrap_or_else(|| "the task's item is not found".into()),
                    },
                );
            }
            let mut incoming: Vec<Incoming> = Vec::new();
            let mut at: HashMap<i64, usize> = HashMap::new();
            for pend in pending {
                let item_id = match pend.who {
                    Who::Item(i) => i,
                    Who::New(k) => ids[k],
                };
                let index = pend.index;
                match prediction_suggestion(spec, t, &pend, item_id, q.model.as_deref()) {
                    Ok(s) => {
                        // A later task about the same item wins.
                        match at.get(&item_id) {
                            Some(&k) => incoming[k] = s,
                            None => {
                                at.insert(item_id, incoming.len());
                                incoming.push(s);
                            }
                        }
                    }
                    Err((code, reason)) => out.drop_one(
                        &state,
                        source,
                        Dropped {
                            index,
                            item_id: Some(item_id),
                            code,
                            reason,
                        },
                    ),
                }
            }
            let order_id = q.order.expect("a spec comes with its order");
            Some(store_suggestions(&state, order_id, spec, incoming, source, out).await?)
        }
        _ => None,
    };
    if suggest_only {
        outcomes.clear();
    }
    let count = |o: &str| outcomes.iter().filter(|t| t.outcome == o).count();
    Ok(Json(LsImportOut {
        labelled: count("labelled"),
        created: count("created"),
        unlabelled: count("unlabelled"),
        skipped: count("skipped"),
        tasks: outcomes,
        suggestions,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_studio_names() {
        assert_eq!(
            image_names("/data/upload/3/1a2b3c4d-shape_001.jpg", None, None),
            vec!["shape_001.jpg", "1a2b3c4d-shape_001.jpg"]
        );
        assert_eq!(
            image_names("/data/local-files/?d=pics%2Fa%20b.jpg", None, None)[0],
            "a b.jpg"
        );
        let sha = "a".repeat(64);
        assert_eq!(
            media_sha(&format!("http://x/api/v1/media/{sha}/screen")),
            Some(sha.as_str())
        );
        assert_eq!(
            media_sha(&format!(
                "http://x/api/v1/signed-media/{sha}/screen/a.jpg?expires=1"
            )),
            Some(sha.as_str())
        );
        assert!(looks_like_picture("https://x/pics/1"));
        assert!(looks_like_picture("a.JPG"));
        assert!(!looks_like_picture("服务太慢了"));
        assert!(!looks_like_picture("/ is a slash"));
        assert!(looks_like_file("a.wav") && looks_like_file("s3://b/k"));
        assert!(!looks_like_file("服务太慢了。") && !looks_like_file("3.14"));
    }

    #[test]
    fn label_studio_results_become_known_answers() {
        let a = [
            json!({"type": "rectanglelabels", "id": "r1", "original_width": 200, "original_height": 100,
            "value": {"x": 10.0, "y": 20.0, "width": 50.0, "height": 30.0, "rotation": 0, "rectanglelabels": ["car"]}}),
            json!({"type": "choices", "id": "r1", "from_name": "boxes.pose",
            "value": {"x": 10.0, "y": 20.0, "width": 50.0, "height": 30.0, "choices": ["sitting"]}}),
        ];
        let (answer, note) = loose_answer(&a, Some((200, 100)), true);
        assert_eq!(
            Value::Object(answer.unwrap()),
            json!({"boxes": [{"label": "car", "x": 20.0, "y": 20.0, "w": 100.0, "h": 30.0,
                              "attributes": {"pose": "sitting"}}]})
        );
        assert!(note.is_empty());
        let c = [
            json!({"type": "choices", "value": {"choices": ["a", "b"]}}),
            json!({"type": "polygonlabels"}),
            json!({"type": "rating", "from_name": "stars", "value": {"rating": 4}}),
        ];
        let (answer, note) = loose_answer(&c, None, false);
        assert_eq!(
            Value::Object(answer.unwrap()),
            json!({"labels": ["a", "b"], "stars": 4})
        );
        assert!(note[0].contains("polygonlabels"));
        assert_eq!(
            Value::Object(loose_answer(&[], Some((1, 1)), true).0.unwrap()),
            json!({"boxes": []}),
            "an empty annotation on a picture: nothing there"
        );
        assert_eq!(
            crate::routes::known::merge_known(
                Some(r#"{"label": "cat", "boxes": [1]}"#),
                r#"{"boxes": []}"#
            ),
            r#"{"boxes":[],"label":"cat"}"#
        );
        let gt = json!({"ground_truth": true, "result": []});
        let pred = json!({"model_version": CONSENSUS, "result": [1]});
        let last = json!({"result": [2]});
        assert_eq!(
            pick_annotation(&[last.clone(), gt.clone()], std::slice::from_ref(&pred)),
            Some(&gt)
        );
        assert_eq!(
            pick_annotation(std::slice::from_ref(&last), std::slice::from_ref(&pred)),
            Some(&pred)
        );
        assert_eq!(
            pick_annotation(std::slice::from_ref(&last), &[]),
            Some(&last)
        );
    }
}
