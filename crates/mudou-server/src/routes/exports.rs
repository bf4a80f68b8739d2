//! Downloads of an order's results (JSONL, CSV, COCO, YOLO, Label Studio), streamed a page
//! of items at a time. The Label Studio export's tasks and the Label Studio import live in
//! `labelstudio.rs`.

use std::collections::HashSet;
use std::io::{Seek, Write};

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures::Stream;
use mudou_domain::template::Question;
use mudou_domain::{ItemState, OrderId, OrderSpec};
use mudou_store::{ExportItem, ExportLabel, Store, now_millis};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::types::ErrorBody;
use crate::auth::ClientCaller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Path, Query};
use crate::state::AppState;

/// Items read from the database per page while an export streams.
const PAGE: i64 = 500;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(export_order))
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Debug, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// One JSON object per item: consensus, confidence, state and every raw label.
    Jsonl,
    /// One row per item.
    Csv,
    /// COCO JSON of the drawings: boxes, polygons, rotated boxes, masks, keypoints (not
    /// polylines; see `mudou_domain::formats::coco`).
    Coco,
    /// A ZIP of YOLO label files, `data.yaml` and `classes.txt` (drawing orders but
    /// polylines: detection, segmentation, oriented boxes, pose; `mudou_domain::formats::yolo`).
    Yolo,
    /// CVAT for images 1.1 XML (every drawing kind; `mudou_domain::formats::cvat`).
    Cvat,
    /// A Label Studio JSON export.
    Labelstudio,
    // The LLM formats (`llm_exports.rs`): orders with the questions they need.
    /// Preference pairs, JSONL in TRL's form (`prompt`, `chosen`, `rejected`; messages when
    /// some prompt is multi-turn): a pairwise pick, every pair of a ranking's places; ties and
    /// both-bad left out.
    Preference,
    /// One JSONL line per item and ranking question: the responses in the settled order.
    Ranking,
    /// One JSONL line per item and rubric question: the response and `{axis: step}`.
    Ratings,
    /// The model leaderboard as CSV (Bradley–Terry over every annotator's comparisons).
    Leaderboard,
    /// Supervised fine-tuning JSONL (writing orders): one line per settled written answer,
    /// `{"messages": [...the prompt's turns..., {"role": "assistant", "content": answer}]}`.
    Sft,
    /// Medical findings (orders with a finding question), JSON: one row per final finding in
    /// voxel and patient mm, with the client's own study and series UIDs.
    Findings,
    /// The same findings as CSV.
    #[serde(rename = "findings_csv")]
    FindingsCsv,
}

impl ExportFormat {
    /// The format as the query names it.
    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Jsonl => "jsonl",
            ExportFormat::Csv => "csv",
            ExportFormat::Coco => "coco",
            ExportFormat::Yolo => "yolo",
            ExportFormat::Cvat => "cvat",
            ExportFormat::Labelstudio => "labelstudio",
            ExportFormat::Preference => "preference",
            ExportFormat::Ranking => "ranking",
            ExportFormat::Ratings => "ratings",
            ExportFormat::Leaderboard => "leaderboard",
            ExportFormat::Sft => "sft",
            ExportFormat::Findings => "findings",
            ExportFormat::FindingsCsv => "findings_csv",
        }
    }
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Debug, Default, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExportSource {
    /// The consensus answers.
    #[default]
    Consensus,
    /// The known right answers: the order's gold, else the dataset's manifest answer
    /// (COCO, YOLO and CVAT only; lets COCOeval compare the consensus with them).
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
    /// How the `leaderboard` format is fitted: `bt` (default) or `noisy-bt`.
    #[serde(default)]
    #[param(value_type = Option<String>)]
    #[schema(value_type = Option<String>)]
    pub method: Option<mudou_domain::llm_results::BoardMethod>,
}

/// What an export writes as each item's answer.
#[derive(Clone, Copy, Debug)]
pub(super) struct Pick {
    pub(super) source: ExportSource,
    pub(super) include: ExportInclude,
}

impl Pick {
    /// Whether an item's consensus is settled: only then is it an answer.
    pub(super) fn settled(it: &ExportItem) -> bool {
        it.state == ItemState::Resolved
    }

    /// The answer an export writes for an item: the consensus (settled only, unless asked
    /// for all), or with `source=gold` the order's gold, else the dataset's known answer.
    /// `None` when there is none (yet).
    pub(super) fn answer(self, it: &ExportItem) -> Option<Value> {
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
    pub(super) fn confidence(self, it: &ExportItem) -> Option<f64> {
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
pub(super) struct Page {
    pub(super) items: Vec<ExportItem>,
    pub(super) labels: Vec<ExportLabel>,
}

impl Page {
    pub(super) fn labels_of(&self, item_id: i64) -> &[ExportLabel] {
        let start = self.labels.partition_point(|l| l.item_id < item_id);
        let end = self.labels.partition_point(|l| l.item_id <= item_id);
        &self.labels[start..end]
    }
}

pub(super) type Render = Box<dyn FnMut(&Page) -> Vec<u8> + Send>;

/// A piece of an export: fixed bytes, or a pass over all the order's items.
pub(super) enum Part {
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

pub(super) fn parse(json: Option<&str>) -> Value {
    json.and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or(Value::Null)
}

/// A record's fields as an export writes them: each picture by the path the dataset named
/// it (`file`), its hash and size; each text as it is. `None` for an item of one field.
fn record_fields(it: &ExportItem) -> Option<Value> {
    let list: Vec<mudou_store::ItemField> = serde_json::from_str(it.fields.as_deref()?).ok()?;
    Some(Value::Array(
        list.into_iter()
            .map(|f| serde_json::to_value(f).unwrap_or_default())
            .collect(),
    ))
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
                    if let Some(v) = l.instructions_version {
                        o["instructions_version"] = json!(v);
                    }
                    if let Some(s) = &l.suggestion_outcome {
                        o["suggestion"] = json!(s);
                    }
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
            if let Some(fields) = record_fields(it) {
                line["fields"] = fields;
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

/// One `{"messages": [...]}` line per settled written answer (gold items left out): the
/// prompt's own turns and the final answer as the assistant's.
fn sft_pass(spec: &OrderSpec) -> Part {
    let template = spec.template().into_owned();
    let render = move |page: &Page| {
        let mut out = Vec::new();
        for it in page
            .items
            .iter()
            .filter(|it| !it.is_gold && Pick::settled(it))
        {
            let answer = parse(it.answer.as_deref());
            let content = mudou_store::item_fields(
                it.fields.as_deref(),
                &it.kind,
                it.sha256.as_deref(),
                it.body.as_deref(),
                it.width.zip(it.height),
            );
            let field = |name: &str| {
                content
                    .iter()
                    .find(|f| f.name == name)
                    .and_then(|f| Some((f.kind, f.text.clone()?)))
            };
            if let Some(messages) = mudou_domain::kinds::sft_messages(&template, &field, &answer) {
                let _ = serde_json::to_writer(&mut out, &json!({"messages": messages}));
                out.push(b'\n');
            }
        }
        out
    };
    Part::Pass {
        with_labels: false,
        render: Box::new(render),
    }
}

/// One row per item: its answer in one column per question (`answer` for the
/// one-question task types), the confidence, and every annotator's label.
fn csv_parts(seed: i64, spec: &OrderSpec, pick: Pick) -> Vec<Part> {
    let task = spec.task_type;
    let columns = task.kind().columns(spec);
    // A template order names each field's content too: a picture's path, a text.
    let fields: Vec<String> = match &spec.template {
        Some(t) => t.fields.iter().map(|f| f.name.clone()).collect(),
        None => Vec::new(),
    };
    let head = {
        let mut w = crate::csv_out::writer(false);
        let field_heads: Vec<String> = fields.iter().map(|f| format!("field.{f}")).collect();
        let names: Vec<&str> = ["item_id", "file_name", "tag", "state"]
            .into_iter()
            .chain(field_heads.iter().map(String::as_str))
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
            let content = mudou_store::item_fields(
                it.fields.as_deref(),
                &it.kind,
                it.sha256.as_deref(),
                it.body.as_deref(),
                it.width.zip(it.height),
            );
            let field_cells =
                fields
                    .iter()
                    .map(|name| match content.iter().find(|f| &f.name == name) {
                        Some(f) => f
                            .text
                            .clone()
                            .or_else(|| f.file.clone())
                            .unwrap_or_else(|| it.file_name.clone()),
                        None => String::new(),
                    });
            let cells: Vec<String> = [
                it.item_id.to_string(),
                it.file_name.clone(),
                it.tag.clone(),
                it.state.to_string(),
            ]
            .into_iter()
            .chain(field_cells)
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
pub(super) fn list_entry(out: &mut Vec<u8>, first: &mut bool, value: &Value) {
    if !*first {
        out.push(b',');
    }
    *first = false;
    let _ = serde_json::to_writer(&mut *out, value);
}

/// The COCO file of an order (every drawing question but polylines, see
/// `mudou_domain::formats::coco`): images, then annotations, a page of items at a time.
fn coco_parts(order: &mudou_store::Order, spec: &OrderSpec, pick: Pick) -> Vec<Part> {
    use mudou_domain::formats::coco;
    let source = pick.source;
    let template = spec.template().into_owned();
    let qs: Vec<mudou_domain::template::Question> =
        coco::questions(&template).into_iter().cloned().collect();
    let categories = coco::categories(&qs.iter().collect::<Vec<_>>());
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
            let Some(answer) = pick.answer(it) else {
                continue;
            };
            let (Some(w), Some(h)) = (it.width, it.height) else {
                continue;
            };
            let refs: Vec<&mudou_domain::template::Question> = qs.iter().collect();
            for mut a in coco::annotations(&refs, &answer, (w, h)) {
                next_id += 1;
                a.insert("id".into(), json!(next_id));
                a.insert("image_id".into(), json!(it.item_id));
                let mut a = Value::Object(a);
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

/// The drawing question a format writes, or 422 `validation` (field `format`) saying why
/// the order has none it can carry (`why` is the format's own reason for a question).
fn drawing_for(spec: &OrderSpec, why: fn(&Question) -> Option<String>) -> ApiResult<Question> {
    let t = spec.template();
    let q = mudou_domain::formats::drawing_question(&t).ok_or_else(|| {
        ApiError::validation(format!(
            "this {} order draws nothing on its pictures: use jsonl, csv or labelstudio",
            spec.task_type.as_str()
        ))
        .with("field", "format")
    })?;
    if let Some(reason) = why(q) {
        return Err(ApiError::validation(reason).with("field", "format"));
    }
    Ok(q.clone())
}

/// The CVAT for images XML: the task's labels, then a page of pictures at a time (those
/// with an answer, each with its objects).
fn cvat_parts(name: &str, q: Question, pick: Pick) -> Vec<Part> {
    use mudou_domain::formats::cvat;
    let head = cvat::header(&q, name);
    let mut next = 0usize;
    let images = move |page: &Page| {
        let mut out = String::new();
        for it in &page.items {
            let (Some(w), Some(h)) = (it.width, it.height) else {
                continue;
            };
            let Some(answer) = pick.answer(it) else {
                continue;
            };
            out.push_str(&cvat::image_element(
                &q,
                next,
                &it.file_name,
                (w, h),
                &answer[q.key.as_str()],
            ));
            next += 1;
        }
        out.into_bytes()
    };
    vec![
        Part::Bytes(head.into_bytes()),
        Part::Pass {
            with_labels: false,
            render: Box::new(images),
        },
        Part::Bytes(cvat::FOOTER.as_bytes().to_vec()),
    ]
}

/// Builds the YOLO ZIP in an unnamed temporary file (a page of items at a time) and
/// returns it, rewound: `data.yaml`, `classes.txt`, `labels/<stem>.txt` per picture with an
/// answer (an empty file: nothing there), `states.csv`, and `notes.txt` when holes were
/// left out (YOLO has none).
async fn yolo_zip(
    state: &AppState,
    order_id: OrderId,
    title: &str,
    q: &Question,
    pick: Pick,
) -> ApiResult<std::fs::File> {
    use mudou_domain::formats::yolo;
    let tmp = state.settings.data_dir.join("tmp");
    std::fs::create_dir_all(&tmp).map_err(ApiError::internal)?;
    let file = tempfile::tempfile_in(&tmp).map_err(ApiError::internal)?;
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut zip = zip::ZipWriter::new(file);
    for (name, text) in [
        ("data.yaml", yolo::data_yaml(q, title)),
        ("classes.txt", yolo::classes_txt(q)),
    ] {
        zip.start_file(name, opts).map_err(ApiError::internal)?;
        zip.write_all(text.as_bytes()).map_err(ApiError::internal)?;
    }
    let mut used: HashSet<String> = HashSet::new();
    // Each label file's item state (`states.csv`), so that unsettled ones, when asked
    // for, are marked.
    let mut states = String::from("file,state\n");
    let mut lost = yolo::Lost::default();
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
            let text = yolo::label_file(q, &answer[q.key.as_str()], (w, h), &mut lost);
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
        let mut tail = vec![("states.csv", states)];
        tail.extend(lost.notes().map(|n| ("notes.txt", n)));
        for (name, text) in tail {
            zip.start_file(name, opts).map_err(std::io::Error::other)?;
            zip.write_all(text.as_bytes())?;
        }
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

/// Downloads an order's results. Every format streams; `coco` needs a drawing question COCO
/// carries (boxes, polygon, rotated box, mask, keypoints; a polyline order is refused),
/// `yolo` a drawing order but a polyline one, `cvat` a drawing order;
/// `preference` and `leaderboard` a pairwise or ranking question, `ranking` a ranking
/// question, `ratings` a rubric (else 422 `validation`, field `format`).
/// `source=gold` (COCO, YOLO, CVAT) writes the known right answers instead of the consensus, with
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
    headers: axum::http::HeaderMap,
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
        && !matches!(
            q.format,
            ExportFormat::Coco | ExportFormat::Yolo | ExportFormat::Cvat
        )
    {
        return Err(ApiError::validation(
            "source=gold is offered for the coco, yolo and cvat formats",
        )
        .with("field", "source"));
    }
    if q.method.is_some() && q.format != ExportFormat::Leaderboard {
        return Err(
            ApiError::validation("method is offered for the leaderboard format")
                .with("field", "method"),
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
        ExportFormat::Findings | ExportFormat::FindingsCsv => {
            let t = spec.template().into_owned();
            super::findings_export::fits(&t)?;
            let rows = super::findings_export::rows(&state, client.org_id, id, &t).await?;
            if q.format == ExportFormat::Findings {
                (
                    "application/json",
                    "findings.json",
                    Body::from(super::findings_export::json_bytes(id, &rows)?),
                )
            } else {
                (
                    "text/csv; charset=utf-8",
                    "findings.csv",
                    Body::from(super::findings_export::csv_bytes(&t, &rows)?),
                )
            }
        }
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
            if let Some(why) =
                mudou_domain::formats::coco::refusal(&spec.template(), spec.task_type.as_str())
            {
                return Err(ApiError::validation(why).with("field", "format"));
            }
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
            let q = drawing_for(&spec, mudou_domain::formats::yolo::unsupported)?;
            let file = yolo_zip(&state, id, &order.name, &q, pick).await?;
            (
                "application/zip",
                "yolo.zip",
                Body::from_stream(file_stream(file)),
            )
        }
        ExportFormat::Cvat => {
            let q = drawing_for(&spec, mudou_domain::formats::cvat::unsupported)?;
            (
                "application/xml",
                "cvat.xml",
                Body::from_stream(stream_parts(
                    state.store.clone(),
                    id,
                    cvat_parts(&order.name, q, pick),
                )),
            )
        }
        ExportFormat::Sft => {
            if !spec.by_review() {
                return Err(ApiError::validation(
                    "format=sft is offered for orders that ask a writing question",
                )
                .with("field", "format"));
            }
            (
                "application/x-ndjson",
                "sft.jsonl",
                Body::from_stream(stream_parts(state.store.clone(), id, vec![sft_pass(&spec)])),
            )
        }
        ExportFormat::Labelstudio => (
            "application/json",
            "labelstudio.json",
            Body::from_stream(stream_parts(
                state.store.clone(),
                id,
                super::labelstudio::export_parts(
                    &state,
                    &headers,
                    order.seed,
                    spec.template().into_owned(),
                    pick,
                    state.store.order_suggestions(id).await?,
                )?,
            )),
        ),
        ExportFormat::Preference | ExportFormat::Ranking | ExportFormat::Ratings => {
            let t = spec.template().into_owned();
            super::llm_exports::fits(q.format, &t)?;
            let form = super::llm_exports::prompt_form(&state.store, id, &t).await?;
            let pass = match q.format {
                ExportFormat::Preference => super::llm_exports::preference_pass,
                ExportFormat::Ranking => super::llm_exports::ranking_pass,
                _ => super::llm_exports::ratings_pass,
            };
            (
                "application/x-ndjson",
                match q.format {
                    ExportFormat::Preference => "preference.jsonl",
                    ExportFormat::Ranking => "ranking.jsonl",
                    _ => "ratings.jsonl",
                },
                Body::from_stream(stream_parts(
                    state.store.clone(),
                    id,
                    vec![pass(order.seed, t, pick, form)],
                )),
            )
        }
        ExportFormat::Leaderboard => {
            let t = spec.template();
            super::llm_exports::fits(q.format, &t)?;
            let b =
                super::llm_exports::board(&state.store, id, &t, q.method.unwrap_or_default(), None)
                    .await?;
            (
                "text/csv; charset=utf-8",
                "leaderboard.csv",
                Body::from(super::llm_exports::leaderboard_csv(&b)),
            )
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zip_names() {
        assert_eq!(stem("cats/=x.y.jpg"), "=x.y");
        assert_eq!(stem(".."), "item");
        assert_eq!(stem("a:b?\"c\".jpg"), "a_b__c_");
    }
}
