//! Known answers from the drawing formats other tools write: a YOLO ZIP and a CVAT for
//! images 1.1 XML (`mudou_domain::formats::{yolo, cvat}` read them), into a dataset's
//! pictures for an order of it (the order's first drawing question reads the objects).
//! Each object is checked by the question exactly as a submitted answer (with the
//! picture's size); a picture with any refused object is skipped whole with the reason;
//! the rest is stored in one transaction, merged question by question into what each item
//! knew. A picture the file lists with no objects (a YOLO empty label file, a CVAT
//! `<image>` without shapes) was looked at and holds nothing: its known answer becomes the
//! empty list ("unlabelled"). With `?as=suggestions` a model's file (YOLO lines with their
//! trailing confidence) becomes the order's model suggestions instead, one per picture,
//! through `routes::suggestions::store_suggestions`.

use std::collections::HashMap;
use std::io::Read;

use axum::extract::{DefaultBodyLimit, State};
use bytes::Bytes;
use mudou_domain::formats::{cvat, drawing_question, yolo};
use mudou_domain::template::Question;
use mudou_domain::{DatasetId, ItemId, OrderId, OrderSpec};
use mudou_store::{SuggestionSource, now_millis};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
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

/// Largest file accepted, and the most a ZIP may unpack to.
const MAX_IMPORT_BYTES: usize = 64 << 20;
const MAX_UNPACKED_BYTES: u64 = 256 << 20;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(import_yolo).layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES)))
        .routes(routes!(import_cvat).layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES)))
}

#[derive(Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DrawingImportQuery {
    /// Your order on this dataset whose first drawing question reads the objects.
    #[param(value_type = Option<i64>)]
    #[schema(value_type = Option<i64>)]
    pub order: Option<OrderId>,
    /// `known` (default): the pictures' known answers; `suggestions`: the order's model
    /// suggestions (a YOLO line's last number, after its drawing, is its confidence; a
    /// picture's score is its lowest).
    #[serde(rename = "as", default)]
    pub as_: Option<ImportAs>,
    /// With `as=suggestions`: the model's name (default `yolo` or `cvat`).
    pub model: Option<String>,
    /// With `as=suggestions`: the model's version.
    pub model_version: Option<String>,
}

/// What became of one picture of the file.
#[derive(Serialize, ToSchema, Debug)]
pub struct DrawingImageOutcome {
    /// Its position in the file (label files in name order for YOLO).
    pub index: usize,
    /// The name the file gives it (a YOLO label file's path).
    pub file_name: String,
    /// `labelled`, `unlabelled` (listed with no objects: known answer the empty list) or
    /// `skipped`.
    pub outcome: &'static str,
    pub item_id: Option<i64>,
    pub reason: Option<String>,
}

#[derive(Serialize, ToSchema, Debug)]
pub struct DrawingImportOut {
    pub labelled: usize,
    pub unlabelled: usize,
    pub skipped: usize,
    /// Known answers: each picture's outcome (empty with `as=suggestions`).
    pub images: Vec<DrawingImageOutcome>,
    /// With `as=suggestions`: what was stored and what dropped (a picture's index, why).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestions: Option<SuggestionsOut>,
}

/// The order's drawing question, checked to be one `format` carries.
async fn question_for(
    state: &AppState,
    client: &ClientCaller,
    dataset: DatasetId,
    order: Option<OrderId>,
    unsupported: fn(&Question) -> Option<String>,
) -> ApiResult<(Question, OrderId, OrderSpec)> {
    state
        .store
        .get_dataset(client.org_id, dataset)
        .await
        .map_err(ApiError::not_found_as("dataset"))?;
    let order = order.ok_or_else(|| {
        ApiError::validation("name the order whose drawing question reads the file: ?order=ID")
            .with("field", "order")
    })?;
    let spec = super::known::order_of_dataset(state, client.org_id, dataset, order).await?;
    let t = spec.template();
    let q = drawing_question(&t).ok_or_else(|| {
        ApiError::validation("the order draws nothing on its pictures").with("field", "order")
    })?;
    if let Some(reason) = unsupported(q) {
        return Err(ApiError::validation(reason).with("field", "order"));
    }
    let q = q.clone();
    drop(t);
    Ok((q, order, spec))
}

/// Where an import's pictures go: known answers, or an order's model suggestions.
enum Target {
    Known,
    Suggestions {
        order: OrderId,
        spec: Box<OrderSpec>,
        model: String,
        model_version: Option<String>,
        incoming: Vec<Incoming>,
        at: HashMap<i64, usize>,
        dropped: Vec<Dropped>,
    },
}

impl Target {
    fn of(q: &DrawingImportQuery, order: OrderId, spec: OrderSpec, format: &str) -> Target {
        match q.as_.unwrap_or_default() {
            ImportAs::Known => Target::Known,
            ImportAs::Suggestions => Target::Suggestions {
                order,
                spec: Box::new(spec),
                model: q
                    .model
                    .clone()
                    .filter(|m| !m.trim().is_empty())
                    .unwrap_or_else(|| format.to_owned()),
                model_version: q.model_version.clone(),
                incoming: Vec::new(),
                at: HashMap::new(),
                dropped: Vec::new(),
            },
        }
    }
}

/// Collects the outcomes and known answers, then stores them in one transaction.
struct Outcomes {
    q: Question,
    images: Vec<DrawingImageOutcome>,
    known: Vec<(ItemId, String)>,
    known_at: HashMap<i64, usize>,
    target: Target,
    /// Pictures seen, in file order.
    seen: usize,
}

impl Outcomes {
    fn new(q: Question, target: Target) -> Self {
        Outcomes {
            q,
            images: Vec::new(),
            known: Vec::new(),
            known_at: HashMap::new(),
            target,
            seen: 0,
        }
    }

    fn skip(&mut self, file_name: String, item_id: Option<i64>, reason: String) {
        let index = self.seen;
        self.seen += 1;
        if let Target::Suggestions { dropped, .. } = &mut self.target {
            let code = match item_id {
                None => "unknown_item",
                Some(_) => super::known::refusal_code(&reason),
            };
            dropped.push(Dropped {
                index,
                item_id,
                code,
                reason: format!("{file_name}: {reason}"),
            });
            return;
        }
        self.images.push(DrawingImageOutcome {
            index,
            file_name,
            outcome: "skipped",
            item_id,
            reason: Some(reason),
        });
    }

    /// Checks `objects` by the question for a `size` picture and keeps the answer, or
    /// skips the picture with why.
    fn add(
        &mut self,
        file_name: String,
        item_id: i64,
        size: (i64, i64),
        objects: Value,
        score: Option<f64>,
    ) {
        match self.q.kind().parse(&self.q, &objects, Some(size)) {
            Err(e) => self.skip(file_name, Some(item_id), format!("object {}", e.message)),
            Ok(answer) => {
                let index = self.seen;
                self.seen += 1;
                if let Target::Suggestions {
                    model,
                    model_version,
                    incoming,
                    at,
                    ..
                } = &mut self.target
                {
                    let s = Incoming {
                        index,
                        item_id,
                        answer: json!({ self.q.key.as_str(): answer }),
                        model: model.clone(),
                        model_version: model_version.clone(),
                        score,
                    };
                    // A later entry for the same picture replaces the earlier one.
                    match at.get(&item_id) {
                        Some(&k) => incoming[k] = s,
                        None => {
                            at.insert(item_id, incoming.len());
                            incoming.push(s);
                        }
                    }
                    return;
                }
                let empty = answer.as_array().is_some_and(Vec::is_empty);
                let known = json!({ self.q.key.as_str(): answer }).to_string();
                // A later entry for the same picture replaces the earlier one.
                match self.known_at.get(&item_id) {
                    Some(&k) => self.known[k].1 = known,
                    None => {
                        self.known_at.insert(item_id, self.known.len());
                        self.known.push((ItemId::new(item_id), known));
                    }
                }
                self.images.push(DrawingImageOutcome {
                    index,
                    file_name,
                    outcome: if empty { "unlabelled" } else { "labelled" },
                    item_id: Some(item_id),
                    reason: None,
                });
            }
        }
    }

    async fn store(self, state: &AppState, dataset: DatasetId) -> ApiResult<DrawingImportOut> {
        if let Target::Suggestions {
            order,
            spec,
            incoming,
            dropped,
            ..
        } = self.target
        {
            let source = SuggestionSource::Import;
            let mut out = SuggestionsOut::default();
            for d in dropped {
                out.drop_one(state, source, d);
            }
            let out = store_suggestions(state, order, &spec, incoming, source, out).await?;
            return Ok(DrawingImportOut {
                labelled: 0,
                unlabelled: 0,
                skipped: 0,
                images: Vec::new(),
                suggestions: Some(out),
            });
        }
        state
            .store
            .import_known_answers(
                dataset,
                &self.known,
                &[],
                now_millis(),
                &super::known::merge_known,
            )
            .await?;
        let count = |o: &str| self.images.iter().filter(|i| i.outcome == o).count();
        Ok(DrawingImportOut {
            labelled: count("labelled"),
            unlabelled: count("unlabelled"),
            skipped: count("skipped"),
            images: self.images,
            suggestions: None,
        })
    }
}

fn unreadable(reason: impl Into<String>) -> ApiError {
    ApiError::validation(reason).with("field", "file")
}

/// A ZIP's entries as `(name, text)`, text files only, within the unpacked limit.
fn zip_texts(body: &[u8], wanted: impl Fn(&str) -> bool) -> ApiResult<Vec<(String, String)>> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(body))
        .map_err(|e| unreadable(format!("not a ZIP file: {e}")))?;
    let mut out = Vec::new();
    let mut budget = MAX_UNPACKED_BYTES;
    for i in 0..zip.len() {
        let mut f = zip
            .by_index(i)
            .map_err(|e| unreadable(format!("the ZIP cannot be read: {e}")))?;
        let name = f.name().replace('\\', "/");
        if f.is_dir() || !wanted(&name) {
            continue;
        }
        let mut bytes = Vec::new();
        (&mut f)
            .take(budget + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| unreadable(format!("{name}: {e}")))?;
        if bytes.len() as u64 > budget {
            return Err(unreadable(format!(
                "the ZIP unpacks to more than {} MiB",
                MAX_UNPACKED_BYTES >> 20
            )));
        }
        budget -= bytes.len() as u64;
        let text = String::from_utf8(bytes)
            .map_err(|_| unreadable(format!("{name} is not UTF-8 text")))?;
        out.push((name, text));
    }
    Ok(out)
}

fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Imports a YOLO ZIP (Ultralytics' layout: `labels/…/<stem>.txt`, class names in
/// `data.yaml` or `classes.txt`, else class indices are the order's classes by position)
/// as known answers of the dataset's pictures, for the order's drawing question (boxes,
/// polygon, oriented box, pose, mask; not polylines). A label file belongs to the picture
/// whose file name without its extension is the file's stem; a stem several pictures share
/// is skipped as ambiguous. Class names, when the ZIP has them, must be the order's option
/// keys. A pose ZIP's `kpt_shape` must fit the order's skeleton.
///
/// With `as=suggestions` (and `model`, `model_version`), each picture's objects become the
/// order's model suggestion instead: a line may end with the object's confidence
/// (Ultralytics' `save_txt(save_conf=True)`), the picture's score is the lowest; a
/// picture not found (`unknown_item`), with a class the order lacks (`unknown_class`) or
/// an object that does not fit (`does_not_fit`, e.g. outside the picture) is dropped with
/// why, the others stored in one transaction.
#[utoipa::path(post, path = "/api/v1/datasets/{id}/yolo", tag = "exports",
    params(("id" = i64, Path), DrawingImportQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "a ZIP of YOLO label files (sent as application/zip or application/octet-stream)"),
    responses((status = 200, body = DrawingImportOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn import_yolo(
    State(state): State<AppState>,
    client: ClientCaller,
    Path(id): Path<DatasetId>,
    Query(q): Query<DrawingImportQuery>,
    body: Bytes,
) -> ApiResult<Json<DrawingImportOut>> {
    let (question, order, spec) =
        question_for(&state, &client, id, q.order, yolo::unsupported).await?;
    let target = Target::of(&q, order, spec, "yolo");
    let scored = matches!(target, Target::Suggestions { .. });
    let entries = zip_texts(&body, |n| {
        n.ends_with(".txt") || base_name(n) == "data.yaml" || base_name(n) == "obj.names"
    })?;
    let by_base = |b: &str| {
        entries
            .iter()
            .filter(|(n, _)| base_name(n) == b)
            .min_by_key(|(n, _)| n.matches('/').count())
            .map(|(_, t)| t.as_str())
    };
    let yaml = match by_base("data.yaml") {
        Some(t) => yolo::read_data_yaml(t).map_err(unreadable)?,
        None => yolo::DataYaml::default(),
    };
    let names: Option<Vec<String>> = yaml.names.clone().or_else(|| {
        by_base("classes.txt")
            .or_else(|| by_base("obj.names"))
            .map(|t| {
                t.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
    });
    let mut kpt_dims = 3;
    if yolo::Drawing::of(&question) == Some(yolo::Drawing::Keypoints)
        && let Some((k, d)) = yaml.kpt_shape
    {
        let want = yolo::skeleton_len(&question);
        if k != want {
            return Err(unreadable(format!(
                "data.yaml: kpt_shape says {k} points, the order's skeleton has {want}"
            )));
        }
        kpt_dims = d;
    }
    // Label files: those under a `labels/` folder, else every other text file.
    let in_labels = |n: &str| n.starts_with("labels/") || n.contains("/labels/");
    let any_in_labels = entries.iter().any(|(n, _)| in_labels(n));
    let mut files: Vec<&(String, String)> = entries
        .iter()
        .filter(|(n, _)| n.ends_with(".txt"))
        .filter(|(n, _)| {
            if any_in_labels {
                in_labels(n)
            } else {
                !matches!(
                    base_name(n),
                    "classes.txt" | "notes.txt" | "train.txt" | "val.txt" | "test.txt"
                )
            }
        })
        .collect();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    if files.is_empty() {
        return Err(unreadable(
            "the ZIP holds no YOLO label files (labels/<picture>.txt)",
        ));
    }
    let classes = yolo::Classes {
        q: &question,
        names: names.as_deref(),
        kpt_dims,
    };
    let mut out = Outcomes::new(question.clone(), target);
    for (name, text) in files {
        let base = base_name(name);
        let stem = &base[..base.len() - ".txt".len()];
        let found = state.store.image_items_by_stem(id, stem, 5).await?;
        let pic = match found.as_slice() {
            [one] => one,
            [] => {
                out.skip(
                    name.clone(),
                    None,
                    format!("no picture of this dataset is named {stem:?} (with any extension): upload it first"),
                );
                continue;
            }
            many => {
                out.skip(
                    name.clone(),
                    None,
                    format!(
                        "{stem:?} is ambiguous: {} pictures of this dataset have that name ({})",
                        many.len(),
                        many.iter()
                            .map(|m| m.file_name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
                continue;
            }
        };
        let (Some(w), Some(h)) = (pic.width, pic.height) else {
            out.skip(
                name.clone(),
                Some(pic.id),
                "the picture's size is not known".into(),
            );
            continue;
        };
        let read = if scored {
            yolo::scored_objects_from_file(&classes, text, (w, h))
                .map(|(o, s)| (o, super::known::lowest(s)))
        } else {
            yolo::objects_from_file(&classes, text, (w, h)).map(|o| (o, None))
        };
        match read {
            Ok((objects, score)) => out.add(name.clone(), pic.id, (w, h), objects, score),
            Err(e) => out.skip(name.clone(), Some(pic.id), e),
        }
    }
    Ok(Json(out.store(&state, id).await?))
}

/// Imports a CVAT for images 1.1 XML (the body, or a ZIP holding `annotations.xml`) as
/// known answers of the dataset's pictures, for the order's drawing question (every
/// drawing kind). Each `<image>` is found by its name (the full path, else the base
/// name); its `width` and `height` must be the picture's. Labels must be the order's
/// option keys, attributes its attributes (`true`/`false` for a yes/no one). With
/// `as=suggestions`, the order's model suggestions instead, dropped with why as for YOLO.
#[utoipa::path(post, path = "/api/v1/datasets/{id}/cvat", tag = "exports",
    params(("id" = i64, Path), DrawingImportQuery),
    request_body(content = String, content_type = "application/xml"),
    responses((status = 200, body = DrawingImportOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn import_cvat(
    State(state): State<AppState>,
    client: ClientCaller,
    Path(id): Path<DatasetId>,
    Query(q): Query<DrawingImportQuery>,
    body: Bytes,
) -> ApiResult<Json<DrawingImportOut>> {
    let (question, order, spec) =
        question_for(&state, &client, id, q.order, cvat::unsupported).await?;
    let target = Target::of(&q, order, spec, "cvat");
    let xml = if body.starts_with(b"PK\x03\x04") {
        let entries = zip_texts(&body, |n| base_name(n) == "annotations.xml")?;
        entries
            .into_iter()
            .min_by_key(|(n, _)| n.matches('/').count())
            .map(|(_, t)| t)
            .ok_or_else(|| unreadable("the ZIP holds no annotations.xml"))?
    } else {
        String::from_utf8(body.to_vec()).map_err(|_| unreadable("the file is not UTF-8 XML"))?
    };
    let images = cvat::read(&xml, &question).map_err(unreadable)?;
    let mut out = Outcomes::new(question.clone(), target);
    for image in images {
        let mut names = vec![image.name.clone()];
        let base = base_name(&image.name.replace('\\', "/")).to_owned();
        if base != image.name {
            names.push(base);
        }
        let (item_id, width, height) =
            match super::known::picture_named(&state.store, id, &names).await? {
                Ok(f) => f,
                Err(reason) => {
                    out.skip(
                        image.name.clone(),
                        None,
                        reason.unwrap_or_else(|| {
                            format!(
                                "no picture of this dataset is named {:?}: upload it first",
                                image.name
                            )
                        }),
                    );
                    continue;
                }
            };
        let (Some(w), Some(h)) = (width, height) else {
            out.skip(
                image.name,
                Some(item_id),
                "the picture's size is not known".into(),
            );
            continue;
        };
        if (image.width, image.height) != (Some(w), Some(h)) {
            out.skip(
                image.name,
                Some(item_id),
                format!(
                    "the file says the picture is {}×{}, it is {w}×{h}",
                    image.width.unwrap_or(0),
                    image.height.unwrap_or(0)
                ),
            );
            continue;
        }
        match image.objects {
            Ok(objects) => out.add(image.name, item_id, (w, h), objects, None),
            Err(e) => out.skip(image.name, Some(item_id), e),
        }
    }
    Ok(Json(out.store(&state, id).await?))
}
