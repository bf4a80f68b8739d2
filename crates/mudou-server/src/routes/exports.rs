//! Downloads of an order's results (JSONL, CSV, COCO, YOLO, Label Studio), streamed a page
//! of items at a time, and the Label Studio import that turns a Label Studio export into
//! the known answers of a dataset's items.

use std::collections::HashSet;
use std::io::{Seek, Write};

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures::Stream;
use mudou_domain::{DatasetId, ItemId, ItemState, OrderId, OrderSpec};
use mudou_store::{ExportItem, ExportLabel, ItemContent, NewItem, Store, now_millis};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use super::types::ErrorBody;
use crate::auth::ClientCaller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

/// Items read from the database per page while an export streams.
const PAGE: i64 = 500;
/// Largest Label Studio export accepted for import.
const MAX_IMPORT_BYTES: usize = 64 << 20;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(export_order))
        .routes(routes!(import_labelstudio).layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES)))
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Debug, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// One JSON object per item: consensus, confidence, state and every raw label.
    Jsonl,
    /// One row per item.
    Csv,
    /// COCO object detection JSON (box orders).
    Coco,
    /// A ZIP of YOLO label files and `classes.txt` (box orders).
    Yolo,
    /// A Label Studio JSON export.
    Labelstudio,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Debug, Default, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExportSource {
    /// The consensus answers.
    #[default]
    Consensus,
    /// The known right answers: the order's gold, else the dataset's manifest answer
    /// (COCO and YOLO only; lets COCOeval compare the consensus with them).
    Gold,
}

/// Which items' answers an export writes.
#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Debug, Default, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExportInclude {
    /// Only settled answers (items `resolved` by consensus or by a lead). An item still open
    /// or in review has no answer in the export (COCO and YOLO leave its picture out).
    #[default]
    Settled,
    /// Every item's current answer, settled or not, each marked with its `state`.
    All,
}

#[derive(Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    pub format: ExportFormat,
    #[serde(default)]
    pub source: ExportSource,
    #[serde(default)]
    pub include: ExportInclude,
}

/// What an export writes as each item's answer.
#[derive(Clone, Copy, Debug)]
struct Pick {
    source: ExportSource,
    include: ExportInclude,
}

impl Pick {
    /// Whether an item's consensus is settled: only then is it an answer.
    fn settled(it: &ExportItem) -> bool {
        it.state == ItemState::Resolved
    }

    /// The answer an export writes for an item: the consensus (settled only, unless asked
    /// for all), or with `source=gold` the order's gold, else the dataset's known answer.
    /// `None` when there is none (yet).
    fn answer(self, it: &ExportItem) -> Option<Value> {
        match self.source {
            ExportSource::Consensus => it
                .answer
                .as_deref()
                .filter(|_| self.include == ExportInclude::All || Self::settled(it))
                .map(|a| parse(Some(a))),
            ExportSource::Gold => {
                if it.is_gold {
                    it.gold.as_deref().map(|a| parse(Some(a)))
                } else {
                    let known = parse(it.known.as_deref());
                    match known.get("boxes") {
                        Some(b) => Some(json!({"boxes": b})),
                        // A template's known answer, keyed by question.
                        None if known.as_object().is_some_and(|m| !m.is_empty()) => Some(known),
                        None => None,
                    }
                }
            }
        }
    }

    /// The confidence written beside a consensus answer (decided without reading the answer
    /// again).
    fn confidence(self, it: &ExportItem) -> Option<f64> {
        let shown = self.source == ExportSource::Consensus
            && it.answer.is_some()
            && (self.include == ExportInclude::All || Self::settled(it));
        it.confidence.filter(|_| shown)
    }
}

/// The pseudonym of an annotator in an order's exports: stable within the order, different
/// between orders, and not reversible without the order's secret seed.
pub fn pseudonym(order_seed: i64, annotator_id: i64) -> String {
    let mut h = Sha256::new();
    h.update(order_seed.to_le_bytes());
    h.update(annotator_id.to_le_bytes());
    let hex = hex::encode(h.finalize());
    format!("w{}", &hex[..10])
}

/// A page of items with, when asked for, their raw labels.
struct Page {
    items: Vec<ExportItem>,
    labels: Vec<ExportLabel>,
}

impl Page {
    fn labels_of(&self, item_id: i64) -> &[ExportLabel] {
        let start = self.labels.partition_point(|l| l.item_id < item_id);
        let end = self.labels.partition_point(|l| l.item_id <= item_id);
        &self.labels[start..end]
    }
}

type Render = Box<dyn FnMut(&Page) -> Vec<u8> + Send>;

/// A piece of an export: fixed bytes, or a pass over all the order's items.
enum Part {
    Bytes(Vec<u8>),
    Pass { with_labels: bool, render: Render },
}

async fn fetch_page(
    store: &Store,
    order_id: OrderId,
    after: i64,
    with_labels: bool,
) -> mudou_store::Result<Page> {
    let items = store.export_items_page(order_id, after, PAGE).await?;
    let labels = match (with_labels, items.last()) {
        (true, Some(last)) => {
            store
                .export_labels_between(order_id, after, last.item_id)
                .await?
        }
        _ => Vec::new(),
    };
    Ok(Page { items, labels })
}

/// Streams the parts in order, reading each pass a page at a time.
fn stream_parts(
    store: Store,
    order_id: OrderId,
    parts: Vec<Part>,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send {
    type Current = Option<(bool, Render, i64)>;
    let init: (Store, std::vec::IntoIter<Part>, Current) = (store, parts.into_iter(), None);
    futures::stream::unfold(init, move |(store, mut parts, mut cur)| async move {
        loop {
            if let Some((with_labels, mut render, after)) = cur.take() {
                match fetch_page(&store, order_id, after, with_labels).await {
                    Err(e) => {
                        tracing::error!(error = %e, order_id = order_id.get(), "export stopped");
                        let none: Vec<Part> = Vec::new();
                        return Some((
                            Err(std::io::Error::other(e.to_string())),
                            (store, none.into_iter(), None),
                        ));
                    }
                    Ok(page) => {
                        let Some(last) = page.items.last().map(|i| i.item_id) else {
                            continue;
                        };
                        let bytes = render(&page);
                        return Some((
                            Ok(Bytes::from(bytes)),
                            (store, parts, Some((with_labels, render, last))),
                        ));
                    }
                }
            }
            match parts.next() {
                None => return None,
                Some(Part::Bytes(b)) => return Some((Ok(Bytes::from(b)), (store, parts, None))),
                Some(Part::Pass {
                    with_labels,
                    render,
                }) => cur = Some((with_labels, render, 0)),
            }
        }
    })
}

fn parse(json: Option<&str>) -> Value {
    json.and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or(Value::Null)
}

/// Where an order's boxes are: the answer's key holding them (`boxes`, or a template's
/// first boxes question) and their classes in order.
#[derive(Clone)]
struct BoxSource {
    key: String,
    classes: Vec<String>,
}

impl BoxSource {
    fn of(spec: &OrderSpec) -> BoxSource {
        let t = spec.template();
        let q = t.questions.iter().find(|q| q.kind().needs_image());
        BoxSource {
            key: q.map_or("boxes".into(), |q| q.key.clone()),
            classes: q
                .map(|q| q.options.iter().map(|o| o.key.clone()).collect())
                .unwrap_or_default(),
        }
    }

    /// The boxes of an answer as `(label, x, y, w, h, attributes)` in pixels.
    fn boxes(&self, answer: &Value) -> Vec<(String, f64, f64, f64, f64, Value)> {
        answer[self.key.as_str()]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|b| {
                Some((
                    b["label"].as_str()?.to_owned(),
                    b["x"].as_f64()?,
                    b["y"].as_f64()?,
                    b["w"].as_f64()?,
                    b["h"].as_f64()?,
                    b["attributes"].clone(),
                ))
            })
            .collect()
    }
}

/// The boxes of an answer of a box order as `(label, x, y, w, h)` in pixels.
fn boxes_of(answer: &Value) -> Vec<(String, f64, f64, f64, f64)> {
    let all = BoxSource {
        key: "boxes".into(),
        classes: Vec::new(),
    };
    all.boxes(answer)
        .into_iter()
        .map(|(l, x, y, w, h, _)| (l, x, y, w, h))
        .collect()
}

fn jsonl_pass(seed: i64, pick: Pick) -> Part {
    let render = move |page: &Page| {
        let mut out = Vec::new();
        for it in &page.items {
            let labels: Vec<Value> = page
                .labels_of(it.item_id)
                .iter()
                .map(|l| {
                    let mut o = json!({
                        "annotator": pseudonym(seed, l.annotator_id),
                        "duration_ms": l.client_ms,
                        "created_at": l.created_at,
                    });
                    match (&l.answer, &l.skip_reason) {
                        (Some(a), _) => o["answer"] = parse(Some(a)),
                        (None, r) => o["skip"] = json!(r.as_deref().unwrap_or("skipped")),
                    }
                    o
                })
                .collect();
            let mut line = json!({
                "item_id": it.item_id,
                "kind": it.kind,
                "file_name": it.file_name,
                "tag": it.tag,
                "state": it.state,
                "settled": Pick::settled(it),
                "answer": pick.answer(it),
                "confidence": pick.confidence(it),
                "is_gold": it.is_gold,
                "review": Value::Null,
                "labels": labels,
            });
            if let Some(t) = &it.body {
                line["text"] = json!(t);
            }
            if let (Some(w), Some(h)) = (it.width, it.height) {
                line["width"] = json!(w);
                line["height"] = json!(h);
            }
            if it.is_gold {
                line["gold"] = parse(it.gold.as_deref());
            }
            let _ = serde_json::to_writer(&mut out, &line);
            out.push(b'\n');
        }
        out
    };
    Part::Pass {
        with_labels: true,
        render: Box::new(render),
    }
}

/// One row per item: its answer in one column per question (`answer` for the
/// one-question task types), the confidence, and every annotator's label.
fn csv_parts(seed: i64, spec: &OrderSpec, pick: Pick) -> Vec<Part> {
    let task = spec.task_type;
    let columns = task.kind().columns(spec);
    let head = {
        let mut w = crate::csv_out::writer(false);
        let names: Vec<&str> = ["item_id", "file_name", "tag", "state"]
            .into_iter()
            .chain(columns.iter().map(String::as_str))
            .chain(["confidence", "labels"])
            .collect();
        let _ = crate::csv_out::row(&mut w, names);
        w.into_inner().unwrap_or_default()
    };
    let spec = spec.clone();
    let render = move |page: &Page| {
        // A page's rows, after the head (and its byte-order mark) went out.
        let mut w = csv::Writer::from_writer(Vec::new());
        for it in &page.items {
            let answer = match pick.answer(it) {
                Some(a) => task.kind().cells(&spec, &a),
                None => vec![String::new(); columns.len()],
            };
            let labels = page
                .labels_of(it.item_id)
                .iter()
                .map(|l| {
                    let what = match &l.answer {
                        Some(a) => task.kind().label_text(&parse(Some(a))),
                        None => format!("skip:{}", l.skip_reason.as_deref().unwrap_or("")),
                    };
                    format!("{}:{what}", pseudonym(seed, l.annotator_id))
                })
                .collect::<Vec<_>>()
                .join("|");
            let confidence = pick
                .confidence(it)
                .map(|c| format!("{c:.4}"))
                .unwrap_or_default();
            let cells: Vec<String> = [
                it.item_id.to_string(),
                it.file_name.clone(),
                it.tag.clone(),
                it.state.to_string(),
            ]
            .into_iter()
            .chain(answer)
            .chain([confidence, labels])
            .collect();
            let _ = crate::csv_out::row(&mut w, cells);
        }
        w.into_inner().unwrap_or_default()
    };
    vec![
        Part::Bytes(head),
        Part::Pass {
            with_labels: true,
            render: Box::new(render),
        },
    ]
}

/// Writes `value` after a comma unless it is the first of its list.
fn list_entry(out: &mut Vec<u8>, first: &mut bool, value: &Value) {
    if !*first {
        out.push(b',');
    }
    *first = false;
    let _ = serde_json::to_writer(&mut *out, value);
}

fn coco_parts(order: &mudou_store::Order, spec: &OrderSpec, pick: Pick) -> Vec<Part> {
    let source = pick.source;
    let src = BoxSource::of(spec);
    let categories: Vec<Value> = src
        .classes
        .iter()
        .enumerate()
        .map(|(i, k)| json!({"id": i + 1, "name": k, "supercategory": ""}))
        .collect();
    let head = json!({
        "description": format!("{} ({})", order.name, match source {
            ExportSource::Consensus => "consensus",
            ExportSource::Gold => "gold",
        }),
        "version": "1.0",
        "date_created": now_millis(),
    });
    let open = format!(
        "{{\"info\":{head},\"licenses\":[],\"categories\":{},\"images\":[",
        Value::Array(categories)
    );
    let mut first = true;
    let images = move |page: &Page| {
        let mut out = Vec::new();
        for it in &page.items {
            let (Some(w), Some(h)) = (it.width, it.height) else {
                continue;
            };
            // A picture without an answer is left out: in COCO a listed picture without
            // annotations says "nothing there".
            if pick.answer(it).is_none() {
                continue;
            }
            list_entry(
                &mut out,
                &mut first,
                &json!({"id": it.item_id, "file_name": it.file_name, "width": w, "height": h,
                        "state": it.state}),
            );
        }
        out
    };
    let mut first = true;
    let mut next_id = 0i64;
    let annotations = move |page: &Page| {
        let mut out = Vec::new();
        for it in &page.items {
            if it.width.is_none() {
                continue;
            }
            let Some(answer) = pick.answer(it) else {
                continue;
            };
            for (label, x, y, w, h, attributes) in src.boxes(&answer) {
                let Some(cat) = src.classes.iter().position(|k| *k == label) else {
                    continue;
                };
                next_id += 1;
                let mut a = json!({
                    "id": next_id, "image_id": it.item_id, "category_id": cat + 1,
                    "bbox": [x, y, w, h], "area": w * h, "iscrowd": 0,
                });
                // Per-object attributes as CVAT writes them in COCO.
                if attributes.as_object().is_some_and(|m| !m.is_empty()) {
                    a["attributes"] = attributes;
                }
                if source == ExportSource::Consensus {
                    a["score"] = json!(it.confidence.unwrap_or(0.0));
                }
                list_entry(&mut out, &mut first, &a);
            }
        }
        out
    };
    vec![
        Part::Bytes(open.into_bytes()),
        Part::Pass {
            with_labels: false,
            render: Box::new(images),
        },
        Part::Bytes(b"],\"annotations\":[".to_vec()),
        Part::Pass {
            with_labels: false,
            render: Box::new(annotations),
        },
        Part::Bytes(b"]}".to_vec()),
    ]
}

/// The Label Studio `result` entries of an answer.
fn ls_result(it: &ExportItem, answer: &Value) -> Vec<Value> {
    let to_name = if it.kind == "text" { "text" } else { "image" };
    let mut out = Vec::new();
    if let Some(l) = answer["label"].as_str() {
        out.push(
            json!({"id": format!("{}c", it.item_id), "from_name": "choice", "to_name": to_name,
                        "type": "choices", "origin": "manual", "value": {"choices": [l]}}),
        );
    }
    if let Some(ls) = answer["labels"].as_array() {
        out.push(
            json!({"id": format!("{}c", it.item_id), "from_name": "choice", "to_name": to_name,
                        "type": "choices", "origin": "manual", "value": {"choices": ls}}),
        );
    }
    if let (Some(w), Some(h)) = (it.width, it.height) {
        for (i, (label, x, y, bw, bh)) in boxes_of(answer).into_iter().enumerate() {
            let pct = |v: f64, of: i64| v * 100.0 / of.max(1) as f64;
            out.push(json!({
                "id": format!("{}b{i}", it.item_id), "from_name": "label", "to_name": "image",
                "type": "rectanglelabels", "origin": "manual",
                "original_width": w, "original_height": h, "image_rotation": 0,
                "value": {"x": pct(x, w), "y": pct(y, h), "width": pct(bw, w), "height": pct(bh, h),
                          "rotation": 0, "rectanglelabels": [label]},
            }));
        }
    }
    out
}

fn labelstudio_parts(pick: Pick) -> Vec<Part> {
    let mut first = true;
    let render = move |page: &Page| {
        let mut out = Vec::new();
        for it in &page.items {
            let mut data = json!({"file_name": it.file_name, "tag": it.tag});
            match (&it.sha256, &it.body) {
                (Some(sha), _) => data["image"] = json!(super::types::media_url(sha, "screen")),
                (None, Some(text)) => data["text"] = json!(text),
                _ => {}
            }
            let mut annotations = Vec::new();
            if let Some(a) = pick.answer(it) {
                annotations.push(json!({"id": it.item_id, "result": ls_result(it, &a),
                    "was_cancelled": false, "ground_truth": false}));
            }
            if it.is_gold {
                annotations.push(
                    json!({"id": -it.item_id, "result": ls_result(it, &parse(it.gold.as_deref())),
                    "was_cancelled": false, "ground_truth": true}),
                );
            }
            let task = json!({
                "id": it.item_id, "data": data, "annotations": annotations, "predictions": [],
                "meta": {"state": it.state, "settled": Pick::settled(it),
                         "confidence": pick.confidence(it)},
                "file_upload": it.file_name,
            });
            list_entry(&mut out, &mut first, &task);
        }
        out
    };
    vec![
        Part::Bytes(b"[".to_vec()),
        Part::Pass {
            with_labels: false,
            render: Box::new(render),
        },
        Part::Bytes(b"]\n".to_vec()),
    ]
}

/// A file name's last part without its extension, safe as a ZIP entry name.
fn stem(file_name: &str) -> String {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or_default();
    let base = match base.rfind('.') {
        Some(i) if i > 0 => &base[..i],
        _ => base,
    };
    let s: String = base
        .chars()
        .map(|c| {
            // Characters some unzip tools refuse in names (Windows).
            if c.is_control() || matches!(c, ':' | '<' | '>' | '"' | '|' | '?' | '*') {
                '_'
            } else {
                c
            }
        })
        .collect();
    if s.is_empty() || s == "." || s == ".." {
        "item".into()
    } else {
        s
    }
}

/// Builds the YOLO ZIP in an unnamed temporary file (a page of items at a time) and
/// returns it, rewound.
async fn yolo_zip(
    state: &AppState,
    order_id: OrderId,
    spec: &OrderSpec,
    pick: Pick,
) -> ApiResult<std::fs::File> {
    let tmp = state.settings.data_dir.join("tmp");
    std::fs::create_dir_all(&tmp).map_err(ApiError::internal)?;
    let file = tempfile::tempfile_in(&tmp).map_err(ApiError::internal)?;
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut zip = zip::ZipWriter::new(file);
    let src = BoxSource::of(spec);
    let classes: String = src.classes.iter().map(|k| format!("{k}\n")).collect();
    zip.start_file("classes.txt", opts)
        .map_err(ApiError::internal)?;
    zip.write_all(classes.as_bytes())
        .map_err(ApiError::internal)?;
    let mut used: HashSet<String> = HashSet::new();
    // Each label file's item state (`states.csv`), so that unsettled ones, when asked
    // for, are marked.
    let mut states = String::from("file,state\n");
    let mut after = 0;
    loop {
        let page = fetch_page(&state.store, order_id, after, false).await?;
        let Some(last) = page.items.last() else { break };
        after = last.item_id;
        let mut files = Vec::new();
        for it in &page.items {
            let (Some(w), Some(h)) = (it.width, it.height) else {
                continue;
            };
            let Some(answer) = pick.answer(it) else {
                continue;
            };
            let mut text = String::new();
            for (label, x, y, bw, bh, _) in src.boxes(&answer) {
                let Some(class) = src.classes.iter().position(|k| *k == label) else {
                    continue;
                };
                let n = |v: f64, of: i64| (v / of.max(1) as f64).clamp(0.0, 1.0);
                text.push_str(&format!(
                    "{class} {:.6} {:.6} {:.6} {:.6}\n",
                    n(x + bw / 2.0, w),
                    n(y + bh / 2.0, h),
                    n(bw, w),
                    n(bh, h)
                ));
            }
            let mut name = stem(&it.file_name);
            if !used.insert(name.clone()) {
                name = format!("{name}_{}", it.item_id);
                used.insert(name.clone());
            }
            states.push_str(&format!("{name}.txt,{}\n", it.state));
            files.push((format!("labels/{name}.txt"), text));
        }
        zip = tokio::task::spawn_blocking(move || -> zip::result::ZipResult<_> {
            for (name, text) in files {
                zip.start_file(name, opts)?;
                zip.write_all(text.as_bytes())?;
            }
            Ok(zip)
        })
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    }
    tokio::task::spawn_blocking(move || -> std::io::Result<std::fs::File> {
        zip.start_file("states.csv", opts)
            .map_err(std::io::Error::other)?;
        zip.write_all(states.as_bytes())?;
        let mut f = zip.finish().map_err(std::io::Error::other)?;
        f.rewind()?;
        Ok(f)
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)
}

/// Streams a file in 64 KiB pieces.
fn file_stream(file: std::fs::File) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send {
    use tokio::io::AsyncReadExt;
    futures::stream::unfold(tokio::fs::File::from_std(file), |mut f| async move {
        let mut buf = vec![0u8; 64 << 10];
        match f.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(Bytes::from(buf)), f))
            }
            Err(e) => Some((Err(e), f)),
        }
    })
}

fn needs_boxes(format: ExportFormat, spec: &OrderSpec) -> ApiResult<()> {
    let task = spec.task_type;
    if !task.kind().exports_objects(spec) {
        return Err(ApiError::validation(format!(
            "{} exports hold boxes and this is a {} order: use jsonl, csv or labelstudio",
            match format {
                ExportFormat::Coco => "COCO",
                _ => "YOLO",
            },
            task.as_str()
        ))
        .with("field", "format"));
    }
    Ok(())
}

/// Downloads an order's results. Every format streams; `coco` and `yolo` need a box order.
/// `source=gold` (COCO, YOLO) writes the known right answers instead of the consensus, with
/// the same image and category ids, so the two can be compared (e.g. with COCOeval).
/// Every format carries each item's `state`; by default only settled (`resolved`) items
/// have an answer, `include=all` writes the others' current answers too.
#[utoipa::path(get, path = "/api/v1/orders/{id}/export", tag = "exports",
    params(("id" = i64, Path), ExportQuery),
    responses((status = 200, description = "the export file, as an attachment"),
              (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn export_order(
    State(state): State<AppState>,
    client: ClientCaller,
    Path(id): Path<OrderId>,
    Query(q): Query<ExportQuery>,
) -> ApiResult<Response> {
    let order = state
        .store
        .get_order(client.org_id, id)
        .await
        .map_err(ApiError::not_found_as("order"))?;
    let spec: OrderSpec = serde_json::from_str(&order.spec).map_err(ApiError::internal)?;
    if q.source == ExportSource::Gold
        && !matches!(q.format, ExportFormat::Coco | ExportFormat::Yolo)
    {
        return Err(
            ApiError::validation("source=gold is offered for the coco and yolo formats")
                .with("field", "source"),
        );
    }
    let pick = Pick {
        source: q.source,
        include: q.include,
    };
    let suffix = if q.source == ExportSource::Gold {
        "-gold"
    } else {
        ""
    };
    let (content_type, ext, body) = match q.format {
        ExportFormat::Jsonl => (
            "application/x-ndjson",
            "jsonl",
            Body::from_stream(stream_parts(
                state.store.clone(),
                id,
                vec![jsonl_pass(order.seed, pick)],
            )),
        ),
        ExportFormat::Csv => (
            "text/csv; charset=utf-8",
            "csv",
            Body::from_stream(stream_parts(
                state.store.clone(),
                id,
                csv_parts(order.seed, &spec, pick),
            )),
        ),
        ExportFormat::Coco => {
            needs_boxes(q.format, &spec)?;
            (
                "application/json",
                "coco.json",
                Body::from_stream(stream_parts(
                    state.store.clone(),
                    id,
                    coco_parts(&order, &spec, pick),
                )),
            )
        }
        ExportFormat::Yolo => {
            needs_boxes(q.format, &spec)?;
            let file = yolo_zip(&state, id, &spec, pick).await?;
            (
                "application/zip",
                "yolo.zip",
                Body::from_stream(file_stream(file)),
            )
        }
        ExportFormat::Labelstudio => (
            "application/json",
            "labelstudio.json",
            Body::from_stream(stream_parts(
                state.store.clone(),
                id,
                labelstudio_parts(pick),
            )),
        ),
    };
    let disposition = format!("attachment; filename=\"order-{id}{suffix}.{ext}\"");
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).map_err(ApiError::internal)?,
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

// ---- Label Studio import ------------------------------------------------------------

/// One task of a Label Studio JSON export (other fields are ignored).
#[derive(Deserialize, ToSchema)]
pub struct LsTask {
    #[serde(default)]
    #[schema(value_type = Object)]
    pub id: Value,
    /// `{"image": url}` or `{"text": "…"}`.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub data: Value,
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub annotations: Vec<Value>,
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
    pub tasks: Vec<LsTaskOutcome>,
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

/// The SHA-256 in a Mudou media URL (`/api/v1/media/{sha256}/{variant}`).
fn media_sha(url: &str) -> Option<&str> {
    let rest = &url[url.find("/api/v1/media/")? + "/api/v1/media/".len()..];
    let sha = rest.split('/').next()?;
    (sha.len() == 64 && sha.bytes().all(|c| c.is_ascii_hexdigit())).then_some(sha)
}

/// The annotation a task's known answer comes from: a ground-truth one, else the last one
/// not cancelled.
fn pick_annotation(annotations: &[Value]) -> Option<&Value> {
    let live = |a: &&Value| !a["was_cancelled"].as_bool().unwrap_or(false);
    annotations
        .iter()
        .filter(live)
        .find(|a| a["ground_truth"].as_bool().unwrap_or(false))
        .or_else(|| annotations.iter().rfind(live))
}

/// A Label Studio annotation as a known answer (`label`, `labels`, `boxes` in pixels);
/// `size` is the item's picture size. Returns the answer and what was left out.
fn known_answer(annotation: &Value, size: Option<(i64, i64)>) -> (Option<Value>, Option<String>) {
    let mut choices: Vec<Value> = Vec::new();
    let mut boxes: Vec<Value> = Vec::new();
    let mut left_out: Vec<String> = Vec::new();
    let round = |v: f64| (v * 100.0).round() / 100.0;
    for r in annotation["result"].as_array().into_iter().flatten() {
        let v = &r["value"];
        match r["type"].as_str().unwrap_or_default() {
            "choices" => choices.extend(v["choices"].as_array().into_iter().flatten().cloned()),
            "rectanglelabels" | "rectangle" => {
                let w = size
                    .map(|s| s.0 as f64)
                    .or_else(|| r["original_width"].as_f64());
                let h = size
                    .map(|s| s.1 as f64)
                    .or_else(|| r["original_height"].as_f64());
                let label = v["rectanglelabels"]
                    .get(0)
                    .or_else(|| v["labels"].get(0))
                    .and_then(Value::as_str);
                let nums = (
                    v["x"].as_f64(),
                    v["y"].as_f64(),
                    v["width"].as_f64(),
                    v["height"].as_f64(),
                );
                let rotated = v["rotation"].as_f64().unwrap_or(0.0).abs() > 1e-6;
                match (w, h, label, nums) {
                    _ if rotated => left_out.push("a rotated box".into()),
                    (Some(w), Some(h), Some(label), (Some(x), Some(y), Some(bw), Some(bh))) => {
                        let x0 = (x / 100.0 * w).clamp(0.0, w);
                        let y0 = (y / 100.0 * h).clamp(0.0, h);
                        let x1 = ((x + bw) / 100.0 * w).clamp(0.0, w);
                        let y1 = ((y + bh) / 100.0 * h).clamp(0.0, h);
                        if x1 - x0 > 0.0 && y1 - y0 > 0.0 {
                            boxes.push(json!({"label": label, "x": round(x0), "y": round(y0),
                                              "w": round(x1 - x0), "h": round(y1 - y0)}));
                        }
                    }
                    _ => left_out.push("a box without a label or size".into()),
                }
            }
            other => left_out.push(format!("{other:?} results")),
        }
    }
    let mut answer = serde_json::Map::new();
    match choices.len() {
        0 => {}
        1 => {
            answer.insert("label".into(), choices[0].clone());
        }
        _ => {
            answer.insert("labels".into(), Value::Array(choices));
        }
    }
    if !boxes.is_empty() {
        answer.insert("boxes".into(), Value::Array(boxes));
    }
    left_out.dedup();
    let note = (!left_out.is_empty()).then(|| {
        format!(
            "left out (only choices and rectangle labels are understood): {}",
            left_out.join(", ")
        )
    });
    ((!answer.is_empty()).then_some(Value::Object(answer)), note)
}

/// Imports a Label Studio JSON export into a dataset: each task's annotation (a ground-truth
/// one, else the last) becomes the item's known answer (`label`, `labels`, or `boxes` in
/// pixels), which orders on the dataset use as gold. Text tasks become text items (or find
/// the item with the same text). Image tasks are matched with the dataset's pictures by
/// Mudou media URL or file name (Label Studio's upload prefix is ignored); images are never
/// fetched, so upload the pictures first. Every task's outcome is answered.
#[utoipa::path(post, path = "/api/v1/datasets/{id}/labelstudio", tag = "exports",
    params(("id" = i64, Path)), request_body = Vec<LsTask>,
    responses((status = 200, body = LsImportOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn import_labelstudio(
    State(state): State<AppState>,
    client: ClientCaller,
    Path(id): Path<DatasetId>,
    Json(tasks): Json<Vec<LsTask>>,
) -> ApiResult<Json<LsImportOut>> {
    state
        .store
        .get_dataset(client.org_id, id)
        .await
        .map_err(ApiError::not_found_as("dataset"))?;
    let mut outcomes = Vec::with_capacity(tasks.len());
    let mut known: Vec<(ItemId, String)> = Vec::new();
    // Position in `known` of each item's answer: a later task about the same item wins.
    let mut known_at: std::collections::HashMap<i64, usize> = Default::default();
    let mut set_known = |item_id: i64, answer: String| match known_at.get(&item_id) {
        Some(&k) => known[k].1 = answer,
        None => {
            known_at.insert(item_id, known.len());
            known.push((ItemId::new(item_id), answer));
        }
    };
    let mut new_items: Vec<NewItem> = Vec::new();
    // Outcome index of each new item, to fill in its id after the commit.
    let mut new_at: Vec<usize> = Vec::new();
    let mut seen_text: std::collections::HashMap<String, usize> = Default::default();
    for (index, t) in tasks.into_iter().enumerate() {
        let mut out = LsTaskOutcome {
            index,
            task_id: t.id.clone(),
            outcome: "skipped",
            item_id: None,
            reason: None,
        };
        let annotation = pick_annotation(&t.annotations);
        let str_of = |v: &Value| v.as_str().map(str::to_owned);
        if let Some(url) = t.data.get("image").and_then(Value::as_str) {
            let mut target = None;
            if let Some(sha) = media_sha(url) {
                target = state
                    .store
                    .image_item_by_sha256(id, &sha.to_ascii_lowercase())
                    .await?;
            }
            let names = image_names(
                url,
                t.file_upload.as_str(),
                t.data.get("file_name").and_then(Value::as_str),
            );
            for n in &names {
                if target.is_some() {
                    break;
                }
                target = state.store.image_item_by_file_name(id, n).await?;
            }
            let Some(item) = target else {
                out.reason = Some(format!(
                    "no picture of this dataset matches {:?}: upload the file first",
                    names.first().map(String::as_str).unwrap_or(url)
                ));
                outcomes.push(out);
                continue;
            };
            out.item_id = Some(item.id);
            let (answer, note) = match annotation {
                Some(a) => known_answer(a, item.width.zip(item.height)),
                None => (None, Some("the task has no annotation".into())),
            };
            out.reason = note;
            match answer {
                Some(a) => {
                    out.outcome = "labelled";
                    set_known(item.id, a.to_string());
                }
                None => out.outcome = "unlabelled",
            }
        } else if let Some(text) = t.data.get("text").and_then(Value::as_str) {
            if text.trim().is_empty() {
                out.reason = Some("the task's text is empty".into());
                outcomes.push(out);
                continue;
            }
            let (answer, note) = match annotation {
                Some(a) => known_answer(a, None),
                None => (None, Some("the task has no annotation".into())),
            };
            out.reason = note;
            let existing = state.store.text_item_by_body(id, text).await?;
            match (existing, seen_text.get(text)) {
                (Some(item_id), _) => {
                    out.item_id = Some(item_id);
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
                        new_items[k].gold = Some(a.to_string());
                    }
                    out.outcome = "skipped";
                    out.reason = Some(format!("the same text as task {}", new_at[k]));
                }
                (None, None) => {
                    let name = str_of(&t.data["file_name"]).unwrap_or_else(|| match &t.id {
                        Value::Null => format!("labelstudio:{index}"),
                        v => format!(
                            "labelstudio:{}",
                            v.as_str()
                                .map(str::to_owned)
                                .unwrap_or_else(|| v.to_string())
                        ),
                    });
                    let tag = str_of(&t.data["tag"]).unwrap_or_default();
                    let mut meta = serde_json::Map::new();
                    meta.insert("labelstudio_id".into(), t.id.clone());
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
        } else {
            out.reason = Some("the task has neither data.image nor data.text".into());
        }
        outcomes.push(out);
    }
    let ids = state
        .store
        .import_known_answers(id, &known, &new_items, now_millis())
        .await?;
    for (k, item_id) in ids.into_iter().enumerate() {
        outcomes[new_at[k]].item_id = Some(item_id);
    }
    let count = |o: &str| outcomes.iter().filter(|t| t.outcome == o).count();
    Ok(Json(LsImportOut {
        labelled: count("labelled"),
        created: count("created"),
        unlabelled: count("unlabelled"),
        skipped: count("skipped"),
        tasks: outcomes,
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
        assert_eq!(
            media_sha(&format!("http://x/api/v1/media/{}/screen", "a".repeat(64))),
            Some("a".repeat(64).as_str())
        );
        assert_eq!(stem("cats/=x.y.jpg"), "=x.y");
        assert_eq!(stem(".."), "item");
        assert_eq!(stem("a:b?\"c\".jpg"), "a_b__c_");
    }

    #[test]
    fn label_studio_boxes_become_pixels() {
        let a = json!({"result": [{"type": "rectanglelabels", "original_width": 200, "original_height": 100,
            "value": {"x": 10.0, "y": 20.0, "width": 50.0, "height": 30.0, "rotation": 0, "rectanglelabels": ["car"]}}]});
        let (answer, note) = known_answer(&a, Some((200, 100)));
        assert_eq!(
            answer.unwrap(),
            json!({"boxes": [{"label": "car", "x": 20.0, "y": 20.0, "w": 100.0, "h": 30.0}]})
        );
        assert!(note.is_none());
        let c = json!({"result": [{"type": "choices", "value": {"choices": ["a", "b"]}}, {"type": "polygonlabels"}]});
        let (answer, note) = known_answer(&c, None);
        assert_eq!(answer.unwrap(), json!({"labels": ["a", "b"]}));
        assert!(note.unwrap().contains("polygonlabels"));
    }
}
