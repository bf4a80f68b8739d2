//! Turning image files into stored items: decode with limits and make
//! renditions off the async runtime (both cores), store each file once by
//! SHA-256, then add the items in one transaction.

use bytes::Bytes;
use mudou_media::{Limits, MediaError, Processed};
use mudou_store::{Blob, Inserted, ItemContent, NewItem, now_millis};

use crate::error::ApiError;
use crate::state::AppState;

/// One file offered for a dataset.
pub struct IncomingImage {
    pub file_name: String,
    pub tag: String,
    pub bytes: Bytes,
    /// JSON object text with per-item facts.
    pub meta: String,
    /// JSON gold answer text, if known.
    pub gold: Option<String>,
}

/// What became of one offered file.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct FileOutcome {
    pub file_name: String,
    /// `accepted`, `duplicate` or `rejected`.
    pub status: &'static str,
    pub item_id: Option<i64>,
    /// Why it was rejected (a stable code such as `decompression_bomb`).
    pub code: Option<&'static str>,
    pub message: Option<String>,
}

/// Processes and stores `files` into `dataset_id`. A rejected file never stops the rest;
/// the accepted ones are added in one transaction, after their bytes are stored.
pub async fn add_images(
    state: &AppState,
    dataset_id: i64,
    files: Vec<IncomingImage>,
) -> Result<Vec<FileOutcome>, ApiError> {
    let inputs: Vec<Bytes> = files.iter().map(|f| f.bytes.clone()).collect();
    let span = tracing::info_span!("process_images", n = inputs.len());
    let processed: Vec<Result<Processed, MediaError>> = tokio::task::spawn_blocking(move || {
        let _g = span.enter();
        mudou_media::process_many(&inputs, &Limits::default())
    })
    .await
    .map_err(ApiError::internal)?;

    let mut outcomes = Vec::with_capacity(files.len());
    let mut blobs = Vec::new();
    let mut items = Vec::new();
    let mut slots = Vec::new();
    for (file, result) in files.into_iter().zip(processed) {
        match result {
            Err(e) if !e.is_client_error() => return Err(ApiError::internal(e)),
            Err(e) => outcomes.push(FileOutcome {
                file_name: file.file_name,
                status: "rejected",
                item_id: None,
                code: Some(e.code()),
                message: Some(e.to_string()),
            }),
            Ok(p) => {
                state
                    .blobs
                    .put_processed(file.bytes.clone(), &p)
                    .await
                    .map_err(ApiError::internal)?;
                blobs.push(Blob {
                    sha256: p.sha256.clone(),
                    mime: p.content_type.to_owned(),
                    size_bytes: p.byte_len as i64,
                    width: p.width as i64,
                    height: p.height as i64,
                });
                items.push(NewItem {
                    content: ItemContent::Image { sha256: p.sha256 },
                    file_name: file.file_name.clone(),
                    tag: file.tag,
                    meta: file.meta,
                    gold: file.gold,
                });
                slots.push(outcomes.len());
                outcomes.push(FileOutcome {
                    file_name: file.file_name,
                    status: "accepted",
                    item_id: None,
                    code: None,
                    message: None,
                });
            }
        }
    }
    let inserted = state
        .store
        .add_items(dataset_id, &blobs, &items, now_millis())
        .await?;
    for (slot, ins) in slots.into_iter().zip(inserted) {
        let o = &mut outcomes[slot];
        match ins {
            Inserted::New(id) => o.item_id = Some(id),
            Inserted::Duplicate(id) => {
                o.item_id = Some(id);
                o.status = "duplicate";
            }
        }
    }
    Ok(outcomes)
}
