//! A client's datasets, their items, and uploads into them.

use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, State};
use axum::http::StatusCode;
use mudou_app::ingest::{CommitMode, DiskFile, FileOutcome, Manifest, Source};
use mudou_domain::{DatasetId, ErrorCode};
use mudou_media::MediaError;
use mudou_store::now_millis;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;
use utoipa::ToSchema;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use super::types::*;
use crate::auth::ClientCaller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_datasets, create_dataset))
        .routes(routes!(get_dataset))
        .routes(routes!(list_items))
        // The upload streams to disk with its own limit (`max_upload_bytes`), not the JSON one.
        .routes(routes!(upload_files).layer(DefaultBodyLimit::disable()))
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
    Path(id): Path<DatasetId>,
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
    Path(id): Path<DatasetId>,
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

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDatasetRequest {
    /// 1 to 100 characters, unique within the organisation.
    pub name: String,
}

/// Creates an empty dataset for the caller's organisation.
#[utoipa::path(post, path = "/api/v1/datasets", tag = "datasets", request_body = NewDatasetRequest,
    responses((status = 201, body = DatasetOut), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_dataset(
    State(state): State<AppState>,
    client: ClientCaller,
    Json(req): Json<NewDatasetRequest>,
) -> ApiResult<(StatusCode, Json<DatasetOut>)> {
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(ApiError::validation("name: 1 to 100 characters").with("field", "name"));
    }
    if state
        .store
        .dataset_by_name(client.org_id, name)
        .await?
        .is_some()
    {
        return Err(ApiError::conflict(format!(
            "a dataset named {name:?} exists already"
        )));
    }
    let d = state
        .store
        .create_dataset(client.org_id, name, client.caller.user.id, now_millis())
        .await?;
    Ok((StatusCode::CREATED, Json(d.into())))
}

/// The parts an upload may carry (any number of each).
#[derive(ToSchema)]
#[allow(dead_code)]
struct UploadForm {
    /// Images (JPEG, PNG, WebP, BMP, TIFF, GIF) and ZIP archives of them, recognised by
    /// content. A file name may be a relative path (`cats/a.jpg`): its folders become the tag.
    /// In a ZIP, folder names become tags and a `manifest.csv`/`manifest.jsonl` in its root
    /// gives per-item metadata and gold answers. A ZIP manifest without a `file` column makes
    /// records: one item per row, every column a field except `id`, `tag`, `label`,
    /// `labels`, `boxes` and `gold` (a JSON answer); a column is a picture field when its
    /// header says `name:image` or every value names a file of the ZIP or ends like a
    /// picture's name, a text field otherwise (or with `name:text`). A row naming a missing
    /// or bad picture is refused (`manifest.csv:LINE`) with its reason; files no row names
    /// are not items.
    #[schema(value_type = Vec<String>, format = Binary)]
    files: Vec<Vec<u8>>,
    /// A part whose file name is `manifest.csv` or `manifest.jsonl`: columns `file`, `tag`,
    /// `label`, `labels` (`a|b`), `boxes` (JSON), others kept as metadata.
    #[schema(value_type = Option<String>, format = Binary)]
    manifest: Option<Vec<u8>>,
    /// Text items, CSV or JSONL: `text` (required), `id`, `tag`, `label`, `labels`.
    #[schema(value_type = Option<String>, format = Binary)]
    texts: Option<Vec<u8>>,
    /// Conversations for LLM work, JSONL (UTF-8, UTF-16 with BOM or GBK), one per line; each
    /// line becomes a record item with a `prompt` field (kind `conversation`: every turn up to
    /// and including the last user turn) and `response_1` … `response_N` (kind `markdown`,
    /// with the `model` that wrote each when given). Shapes: `messages`
    /// (`[{"role": "system"|"user"|"assistant", "content"}]`; a last assistant turn is
    /// `response_1`, a last user turn makes a prompt without responses); `prompt` (a string
    /// or a message list; `Human:`/`Assistant:` transcripts are split) or `instruction` +
    /// `input`, with `system`; responses from `responses` (strings or `{"text", "model"}`,
    /// `preferred` = the index of the better one), `response_a`/`response_b` with
    /// `model_a`/`model_b`, `chosen`/`rejected` (shown in an order fixed by a hash; the item's
    /// meta `preferred` names the chosen field) or `output`. `id` (unique in the file) names
    /// the item, `tag` tags it; other keys are kept as its meta, with `response_count`. A line
    /// that is not an object, has no user turn, is over 256 KiB, has a turn or response over
    /// 64 KiB, more than 50 turns or more than 7 responses is `rejected` as `FILE:LINE` with
    /// its reason (`bad_conversation` or `too_large`); the other lines are taken. Every line
    /// makes a new item (an upload sent twice adds its items twice).
    #[schema(value_type = Option<String>, format = Binary)]
    conversations: Option<Vec<u8>>,
}

/// What became of each file of an upload.
#[derive(Serialize, ToSchema)]
pub struct UploadOut {
    pub files: Vec<FileOutcome>,
    pub accepted: usize,
    pub duplicates: usize,
    pub rejected: usize,
}

/// Most parts in one upload request.
const MAX_PARTS: usize = 100_000;

/// Adds images, ZIP archives of images, text items and conversations to a dataset.
///
/// The body is streamed to a temporary folder first (never held in memory), then every file
/// is checked and stored; each is answered `accepted`, `duplicate` (already in the dataset),
/// or `rejected` with a stable `code`. A rejected file never stops the others. The items are
/// added in one transaction: if the request fails, nothing is added and no file is left.
#[utoipa::path(post, path = "/api/v1/datasets/{id}/files", tag = "datasets", params(("id" = i64, Path)),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 200, body = UploadOut), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn upload_files(
    State(state): State<AppState>,
    client: ClientCaller,
    Path(id): Path<DatasetId>,
    req: axum::extract::Request,
) -> ApiResult<Json<UploadOut>> {
    state
        .store
        .get_dataset(client.org_id, id)
        .await
        .map_err(|_| ApiError::not_found("dataset"))?;
    let limit = usize::try_from(state.settings.max_upload_bytes).unwrap_or(usize::MAX);
    let (parts, body) = req.into_parts();
    let body = axum::body::Body::new(http_body_util::Limited::new(body, limit));
    let req = axum::extract::Request::from_parts(parts, body);
    let multipart = Multipart::from_request(req, &state).await.map_err(|e| {
        ApiError::new(
            ErrorCode::UnsupportedMediaType,
            format!("send multipart/form-data ({})", e.body_text()),
        )
    })?;

    let tmp_root = upload_tmp(&state.settings.data_dir);
    tokio::fs::create_dir_all(&tmp_root)
        .await
        .map_err(ApiError::internal)?;
    let dir = tempfile::Builder::new()
        .prefix("upload-")
        .tempdir_in(&tmp_root)
        .map_err(ApiError::internal)?;
    let (sources, manifest) = spool(multipart, dir.path()).await?;
    if sources.is_empty() {
        return Err(ApiError::new(
            ErrorCode::NoFiles,
            "the upload holds no files",
        ));
    }

    // From here on the work runs to its end (commit, or clean-up) even if the caller goes away.
    let task = tokio::spawn(async move {
        // DICOM files (from archives too) wait for the end of the upload on disk, in its
        // folder, not in memory.
        let scratch = dir.path().join("dicom");
        let out = match tokio::fs::create_dir(&scratch).await {
            Ok(()) => {
                mudou_app::ingest::ingest_sources_with(
                    &state,
                    id.get(),
                    sources,
                    manifest,
                    CommitMode::AtEnd,
                    Some(scratch),
                    &mut |_| {},
                )
                .await
            }
            Err(e) => Err(mudou_app::AppError::internal(e)),
        };
        let _ = tokio::task::spawn_blocking(move || drop(dir)).await;
        out
    });
    let files = task.await.map_err(ApiError::internal)??;
    let count = |s: &str| files.iter().filter(|f| f.status == s).count();
    Ok(Json(UploadOut {
        accepted: count("accepted"),
        duplicates: count("duplicate"),
        rejected: count("rejected"),
        files,
    }))
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            ErrorCode::PayloadTooLarge,
            "the upload is larger than this server accepts",
        )
    } else {
        ApiError::new(ErrorCode::InvalidMultipart, e.body_text())
    }
}

/// Where uploads are spooled: `DATA_DIR/tmp/upload-*`, one folder per request.
fn upload_tmp(data_dir: &std::path::Path) -> std::path::PathBuf {
    data_dir.join("tmp")
}

/// Removes upload folders left behind by a process that was killed mid-upload (older than the
/// upload timeout plus an hour, so another process's live upload is never touched).
pub(crate) fn remove_stale_uploads(
    data_dir: &std::path::Path,
    upload_timeout: std::time::Duration,
) {
    let Ok(entries) = std::fs::read_dir(upload_tmp(data_dir)) else {
        return;
    };
    let max_age = upload_timeout + std::time::Duration::from_secs(3600);
    for e in entries.flatten() {
        let stale = e.file_name().to_string_lossy().starts_with("upload-")
            && e.metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > max_age);
        if stale && let Err(err) = std::fs::remove_dir_all(e.path()) {
            tracing::warn!(path = %e.path().display(), error = %err, "could not remove a stale upload folder");
        }
    }
}

/// Writes each part to its own file under `dir`; sorts them into sources and the manifest.
async fn spool(
    mut multipart: Multipart,
    dir: &std::path::Path,
) -> ApiResult<(Vec<Source>, Option<Manifest>)> {
    let mut sources = Vec::new();
    let mut manifest: Option<(String, Manifest)> = None;
    let mut n = 0usize;
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        n += 1;
        if n > MAX_PARTS {
            return Err(ApiError::new(
                ErrorCode::TooManyFiles,
                format!("send at most {MAX_PARTS} files per request"),
            ));
        }
        let field_name = field.name().unwrap_or_default().to_owned();
        let raw_name = field
            .file_name()
            .map(str::to_owned)
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| field_name.clone());
        let path = dir.join(format!("part-{n}"));
        let mut file = tokio::fs::File::create(&path)
            .await
            .map_err(ApiError::internal)?;
        let mut len = 0u64;
        let mut head = Vec::with_capacity(4);
        while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
            if head.len() < 4 {
                head.extend(chunk.iter().take(4 - head.len()));
            }
            len += chunk.len() as u64;
            file.write_all(&chunk).await.map_err(ApiError::internal)?;
        }
        file.flush().await.map_err(ApiError::internal)?;
        drop(file);

        let name = match mudou_app::ingest::safe_relative_name(&raw_name) {
            Ok(name) => name,
            Err(error) => {
                sources.push(Source::Rejected {
                    name: raw_name,
                    error,
                });
                continue;
            }
        };
        let disk = DiskFile { path, name, len };
        let lower = disk.name.to_ascii_lowercase();
        let base = lower.rsplit('/').next().unwrap_or_default();
        if field_name == "texts" {
            sources.push(Source::Texts(disk));
        } else if field_name == "conversations" {
            sources.push(Source::Conversations(disk));
        } else if base == "manifest.csv" || base == "manifest.jsonl" {
            if let Some((first, _)) = &manifest {
                return Err(manifest_error(MediaError::BadManifest {
                    file: disk.name,
                    line: 0,
                    message: format!("a second manifest; send one ({first} came first)"),
                }));
            }
            manifest = Some((disk.name.clone(), read_manifest(&disk).await?));
        } else if mudou_app::ingest::looks_like_zip(&head) {
            sources.push(Source::Zip(disk));
        } else {
            sources.push(Source::Image(disk));
        }
    }
    Ok((sources, manifest.map(|(_, m)| m)))
}

/// A manifest the upload cannot use: the whole upload is refused.
fn manifest_error(e: MediaError) -> ApiError {
    let code = match e {
        MediaError::TooLarge { .. } => ErrorCode::TooLarge,
        _ if e.is_client_error() => ErrorCode::BadManifest,
        e => return ApiError::internal(e),
    };
    ApiError::new(code, e.to_string())
}

async fn read_manifest(f: &DiskFile) -> ApiResult<Manifest> {
    if f.len > mudou_app::ingest::MAX_TABLE_BYTES {
        return Err(manifest_error(MediaError::TooLarge {
            what: format!(
                "the manifest is larger than {} bytes",
                mudou_app::ingest::MAX_TABLE_BYTES
            ),
        }));
    }
    let bytes = tokio::fs::read(&f.path).await.map_err(ApiError::internal)?;
    let format = mudou_app::ingest::table_format(&f.name, &bytes);
    let rows = mudou_media::parse_manifest(format, &f.name, &bytes).map_err(manifest_error)?;
    Ok(Manifest::new(rows))
}
