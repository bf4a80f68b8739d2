//! Turning files into stored items: decode with limits and make renditions off the async
//! runtime (both cores), store each file once by SHA-256, then add the items in one
//! transaction.
//!
//! [`Ingest`] takes files in chunks, so memory stays bounded whatever the upload's size
//! (a chunk is at most [`CHUNK_FILES`] files or [`CHUNK_BYTES`] bytes). Files the dataset
//! already holds are recognised by their SHA-256 before any decoding. Items wait in memory
//! (they are small) until [`Ingest::commit`]; the HTTP upload commits once at the end, so a
//! failed request leaves no rows, and [`Ingest::abort`] removes the files it stored that no
//! committed item refers to. The command-line import commits after every chunk, so an
//! interrupted import keeps what it did and a re-run skips it.
//!
//! [`ingest_sources`] drives a whole upload from files on disk: plain images, ZIP archives
//! (read one entry at a time on a blocking thread), text items, and a manifest.
//!
//! A ZIP whose manifest has no `file` column holds records ([`mudou_media::RecordManifest`]):
//! each row is one item whose fields are the manifest's columns. Every picture a row names is
//! taken like a plain picture (decoded within the decode memory budget, stored once with its
//! renditions); a row naming a file that is missing, not a picture or too large is refused
//! with its reason (`manifest.csv:LINE`), the others are added. Files no row names are not
//! items.

use mudou_domain::DatasetId;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

use bytes::Bytes;
use mudou_domain::FieldKind;
use mudou_media::{
    AnyManifest, BoxAnnotation, ColumnKind, Conversation, ConversationLine, Limits, ManifestRow,
    MediaError, Processed, RecordManifest, RecordRow, TableFormat, TextItem, ZipImport, ZipItem,
    ZipLimits,
};
use mudou_store::{Blob, Inserted, ItemContent, ItemField, NewItem, StoreError, now_millis};
use serde_json::Value;

use crate::error::AppError;
use crate::services::Services;

/// Most files handled in one chunk.
pub const CHUNK_FILES: usize = 64;
/// Most bytes of files held in memory for one chunk.
pub const CHUNK_BYTES: usize = 128 << 20;
/// Largest text-items file or manifest read.
pub const MAX_TABLE_BYTES: u64 = 64 << 20;
/// Most bytes of DICOM files one upload takes (they are read together at its end, since a
/// series may be spread over archives; held in memory, or written aside when the ingest has
/// a folder for them: [`Ingest::spill_dicom_to`]).
pub const MAX_DICOM_BYTES: usize = 512 << 20;

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

/// One thing offered to a dataset, in the order the answer lists them.
pub enum Offered {
    Image(IncomingImage),
    /// A text item; `name` is what the answer calls it (e.g. `texts.csv:2`).
    Text {
        name: String,
        item: NewItem,
    },
    /// A record whose pictures are stored already ([`Ingest::store_pictures`]); `name` is
    /// what the answer calls it (e.g. `manifest.csv:2`). Never a duplicate.
    Record {
        name: String,
        item: NewItem,
    },
    /// Refused before any processing (unsafe path, bad archive, …).
    Rejected {
        file_name: String,
        error: MediaError,
    },
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

impl FileOutcome {
    fn accepted(file_name: String) -> Self {
        FileOutcome {
            file_name,
            status: "accepted",
            item_id: None,
            code: None,
            message: None,
        }
    }
    fn rejected(file_name: String, e: &MediaError) -> Self {
        FileOutcome {
            file_name,
            status: "rejected",
            item_id: None,
            code: Some(e.code()),
            message: Some(e.to_string()),
        }
    }
    fn duplicate(file_name: String, item_id: Option<i64>) -> Self {
        FileOutcome {
            file_name,
            status: "duplicate",
            item_id,
            code: None,
            message: None,
        }
    }
}

/// Files being added to one dataset: stored as they come, their items added on `commit`.
pub struct Ingest {
    svc: Services,
    dataset_id: i64,
    limits: Limits,
    outcomes: Vec<FileOutcome>,
    blobs: Vec<Blob>,
    items: Vec<NewItem>,
    /// The outcome index of each pending item, and for texts the hash of their body.
    item_slots: Vec<usize>,
    item_text_hash: Vec<Option<String>>,
    /// SHA-256 of the body → item id, for the dataset's text items (loaded when first needed).
    text_known: Option<HashMap<String, i64>>,
    /// Outcomes that repeat an earlier file of this ingest: (index, index of the first).
    same_as: Vec<(usize, usize)>,
    /// SHA-256 → outcome index, for files of this ingest not yet committed.
    pending_sha: HashMap<String, usize>,
    /// Originals this ingest stored that were absent before (deleted by `abort`).
    created: Vec<String>,
    /// Pictures of records stored since the last commit, by SHA-256.
    pictures: HashMap<String, StoredPicture>,
    /// DICOM files of this upload, taken together at the end ([`Ingest::add_dicom`]): a
    /// series may be spread over chunks and archives.
    dicom_files: Vec<(String, mudou_media::dicom::DicomFile)>,
    /// Their bytes in all.
    dicom_total: usize,
    /// Where DICOM files are written aside until [`Ingest::add_dicom`] (none: kept in memory).
    dicom_spill: Option<std::path::PathBuf>,
    /// UIDs and holds to write with the pending items.
    dicom_rows: mudou_store::DicomRows,
}

/// A picture of a record's field, stored with its renditions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPicture {
    pub sha256: String,
    pub width: i64,
    pub height: i64,
}

impl Ingest {
    pub fn new(svc: &Services, dataset_id: i64) -> Self {
        Ingest {
            svc: svc.clone(),
            dataset_id,
            limits: svc.media_limits(),
            outcomes: Vec::new(),
            blobs: Vec::new(),
            items: Vec::new(),
            item_slots: Vec::new(),
            item_text_hash: Vec::new(),
            text_known: None,
            same_as: Vec::new(),
            pending_sha: HashMap::new(),
            created: Vec::new(),
            pictures: HashMap::new(),
            dicom_files: Vec::new(),
            dicom_total: 0,
            dicom_spill: None,
            dicom_rows: mudou_store::DicomRows::default(),
        }
    }

    /// Writes the DICOM files offered from now on into `dir` (an upload's own scratch folder,
    /// removed with it) instead of holding them in memory until [`Ingest::add_dicom`], which
    /// then reads them one at a time.
    pub fn spill_dicom_to(&mut self, dir: std::path::PathBuf) {
        self.dicom_spill = Some(dir);
    }

    /// Keeps a DICOM file for [`Ingest::add_dicom`]: written aside when there is a folder for
    /// it, else in memory.
    pub async fn offer_dicom(&mut self, name: String, bytes: Vec<u8>) -> Result<(), AppError> {
        use mudou_media::dicom::DicomFile;
        self.dicom_total += bytes.len();
        let file = match &self.dicom_spill {
            Some(dir) => {
                let path = dir.join(format!("dicom-{}.dcm", self.dicom_files.len()));
                tokio::fs::write(&path, &bytes)
                    .await
                    .map_err(AppError::internal)?;
                DicomFile::Disk(path)
            }
            None => DicomFile::Memory(bytes),
        };
        self.dicom_files.push((name, file));
        Ok(())
    }

    /// Bytes of DICOM files waiting for [`Ingest::add_dicom`].
    pub fn dicom_bytes(&self) -> usize {
        self.dicom_total
    }

    /// Makes the DICOM files offered so far into series (de-identified on the way in, see
    /// [`mudou_media::dicom`]): one item per series, its volume stored by SHA-256, its UIDs'
    /// originals and its hold (burned-in text) queued for the commit; each refused file gets
    /// its outcome with the reason. A series the dataset holds already is a duplicate.
    pub async fn add_dicom(&mut self) -> Result<(), AppError> {
        if self.dicom_files.is_empty() {
            return Ok(());
        }
        let files = std::mem::take(&mut self.dicom_files);
        self.dicom_total = 0;
        let org = self
            .svc
            .store
            .dataset_org(DatasetId::new(self.dataset_id))
            .await?;
        let mut fresh = [0u8; 32];
        getrandom::fill(&mut fresh).map_err(AppError::internal)?;
        let salt = self.svc.store.dicom_salt(org, &hex::encode(fresh)).await?;
        let limits = mudou_media::dicom::DicomLimits {
            budget: self.limits.budget.clone(),
            ..Default::default()
        };
        let span = tracing::info_span!("import_dicom", files = files.len());
        let import = tokio::task::spawn_blocking(move || {
            let _g = span.enter();
            mudou_media::dicom::import_dicom(&files, salt.as_bytes(), &limits)
        })
        .await
        .map_err(AppError::internal)?;
        for r in import.refused {
            self.outcomes.push(FileOutcome {
                file_name: r.file,
                status: "rejected",
                item_id: None,
                code: Some(r.code),
                message: Some(r.reason),
            });
        }
        self.dicom_rows.org_id = Some(org);
        for s in import.series {
            let name = format!("{} {}", s.modality, s.series_uid);
            let known = self
                .svc
                .store
                .item_by_blob(DatasetId::new(self.dataset_id), &s.sha256)
                .await?;
            if let Some(id) = known.or_else(|| self.pending_sha.get(&s.sha256).map(|_| 0)) {
                self.outcomes
                    .push(FileOutcome::duplicate(name, (id > 0).then_some(id)));
                continue;
            }
            let g = &s.header.geometry;
            let (columns, rows, slices) = (g.columns, g.rows, g.slices);
            let blobs = &self.svc.blobs;
            let existed = blobs
                .exists(mudou_media::BlobKind::Original, &s.sha256)
                .await
                .map_err(AppError::internal)?;
            if !existed {
                self.created.push(s.sha256.clone());
            }
            let size = s.blob.len() as i64;
            blobs
                .put_original(Bytes::from(s.blob))
                .await
                .map_err(AppError::internal)?;
            self.blobs.push(Blob {
                sha256: s.sha256.clone(),
                mime: mudou_media::dicom::VOLUME_MIME.to_owned(),
                size_bytes: size,
                width: columns as i64,
                height: rows as i64,
            });
            for u in &s.uids {
                self.dicom_rows.uids.push(mudou_store::UidRow {
                    deid: u.deid.clone(),
                    original: u.original.clone(),
                    level: u.level.as_str().to_owned(),
                });
            }
            if s.burned_in {
                self.dicom_rows.held.push((
                    self.items.len(),
                    format!(
                        "{} series: its pictures may show burned-in text (names, dates)",
                        s.modality
                    ),
                ));
            }
            let mut field = ItemField::image("series", &s.sha256, (columns as i64, rows as i64));
            field.kind = FieldKind::Series;
            field.volume = Some(s.header.geometry.clone());
            let meta = serde_json::json!({
                "study_uid": s.study_uid,
                "series_uid": s.series_uid,
                "modality": s.modality,
                "slices": slices,
                "burned_in": s.burned_in,
            });
            let idx = self.outcomes.len();
            self.pending_sha.insert(s.sha256.clone(), idx);
            self.outcomes.push(FileOutcome::accepted(name.clone()));
            self.item_slots.push(idx);
            self.item_text_hash.push(None);
            self.items.push(NewItem {
                content: ItemContent::Record {
                    fields: vec![field],
                },
                file_name: name,
                tag: s.modality.clone(),
                meta: meta.to_string(),
                gold: None,
            });
        }
        Ok(())
    }

    /// Items waiting for `commit`.
    pub fn pending(&self) -> usize {
        self.items.len()
    }

    /// Processes one chunk: skips what the dataset already holds, decodes the rest on the
    /// blocking pool, stores their files and queues their items.
    pub async fn add(&mut self, batch: Vec<Offered>) -> Result<(), AppError> {
        let has_text = batch.iter().any(|o| matches!(o, Offered::Text { .. }));
        if has_text && self.text_known.is_none() {
            let mut known = HashMap::new();
            self.svc
                .store
                .for_each_text_item(DatasetId::new(self.dataset_id), |id, body| {
                    known.insert(text_hash(body), id);
                })
                .await?;
            self.text_known = Some(known);
        }
        let mut images: Vec<(usize, IncomingImage)> = Vec::new();
        for offered in batch {
            match offered {
                Offered::Rejected { file_name, error } => {
                    if !error.is_client_error() && !error.is_retryable() {
                        return Err(AppError::internal(error));
                    }
                    self.outcomes.push(FileOutcome::rejected(file_name, &error));
                }
                Offered::Record { name, item } => {
                    self.item_slots.push(self.outcomes.len());
                    self.item_text_hash.push(None);
                    self.items.push(item);
                    self.outcomes.push(FileOutcome::accepted(name));
                }
                Offered::Text { name, item } => {
                    let idx = self.outcomes.len();
                    let hash = match &item.content {
                        ItemContent::Text { body } => text_hash(body),
                        ItemContent::Image { sha256 } => sha256.clone(),
                        ItemContent::Record { .. } => {
                            return Err(AppError::internal("a record offered as a text"));
                        }
                    };
                    // The same text again is a duplicate, like the same picture.
                    let known = self.text_known.as_ref().and_then(|k| k.get(&hash));
                    if let Some(&id) = known {
                        self.outcomes.push(FileOutcome::duplicate(name, Some(id)));
                    } else if let Some(&first) = self.pending_sha.get(&hash) {
                        self.outcomes.push(FileOutcome::duplicate(name, None));
                        self.same_as.push((idx, first));
                    } else {
                        self.pending_sha.insert(hash.clone(), idx);
                        self.item_slots.push(idx);
                        self.item_text_hash.push(Some(hash));
                        self.items.push(item);
                        self.outcomes.push(FileOutcome::accepted(name));
                    }
                }
                Offered::Image(img) => {
                    images.push((self.outcomes.len(), img));
                    // Filled in below.
                    self.outcomes.push(FileOutcome::accepted(String::new()));
                }
            }
        }
        if images.is_empty() {
            return Ok(());
        }
        let inputs: Vec<Bytes> = images.iter().map(|(_, f)| f.bytes.clone()).collect();
        let hashes: Vec<String> = tokio::task::spawn_blocking(move || {
            inputs.iter().map(|b| mudou_media::sha256_hex(b)).collect()
        })
        .await
        .map_err(AppError::internal)?;
        let known: HashMap<String, i64> = self
            .svc
            .store
            .items_by_sha256(DatasetId::new(self.dataset_id), &hashes)
            .await?
            .into_iter()
            .collect();

        let mut todo: Vec<(usize, IncomingImage)> = Vec::new();
        for ((idx, img), sha) in images.into_iter().zip(hashes) {
            if let Some(id) = known.get(&sha) {
                self.outcomes[idx] = FileOutcome::duplicate(img.file_name, Some(*id));
            } else if let Some(&first) = self.pending_sha.get(&sha) {
                self.outcomes[idx] = FileOutcome::duplicate(img.file_name, None);
                self.same_as.push((idx, first));
            } else {
                self.pending_sha.insert(sha, idx);
                self.outcomes[idx].file_name = img.file_name.clone();
                todo.push((idx, img));
            }
        }
        if todo.is_empty() {
            return Ok(());
        }

        let inputs: Vec<Bytes> = todo.iter().map(|(_, f)| f.bytes.clone()).collect();
        let limits = self.limits.clone();
        let span = tracing::info_span!("process_images", n = inputs.len());
        let processed: Vec<Result<Processed, MediaError>> =
            tokio::task::spawn_blocking(move || {
                let _g = span.enter();
                mudou_media::process_many(&inputs, &limits)
            })
            .await
            .map_err(AppError::internal)?;

        for ((idx, file), result) in todo.into_iter().zip(processed) {
            let p = match result {
                // No decode memory came free in time: this file is refused, to be sent again.
                Err(e) if e.is_retryable() => {
                    tracing::warn!(file = %file.file_name, error = %e, "decode memory busy");
                    self.outcomes[idx] = FileOutcome::rejected(file.file_name, &e);
                    continue;
                }
                Err(e) if !e.is_client_error() => return Err(AppError::internal(e)),
                Err(e) => {
                    self.outcomes[idx] = FileOutcome::rejected(file.file_name, &e);
                    continue;
                }
                Ok(p) => p,
            };
            self.keep(file.bytes, &p).await?;
            self.items.push(NewItem {
                content: ItemContent::Image { sha256: p.sha256 },
                file_name: file.file_name,
                tag: file.tag,
                meta: file.meta,
                gold: file.gold,
            });
            self.item_slots.push(idx);
            self.item_text_hash.push(None);
        }
        Ok(())
    }

    /// Stores the pictures of records: each decoded within the decode memory budget and stored
    /// once with its renditions, like a plain picture, but never an item of its own. A picture
    /// stored before (by any upload) is not decoded again. Answers each file's picture or why
    /// it was refused, in the order given.
    /// Puts a processed picture (original and renditions) in the blob store, to be
    /// recorded with the next commit; a blob new to the store is removed again on abort.
    async fn keep(&mut self, bytes: Bytes, p: &Processed) -> Result<(), AppError> {
        let blobs = &self.svc.blobs;
        let existed = blobs
            .exists(mudou_media::BlobKind::Original, &p.sha256)
            .await
            .map_err(AppError::internal)?;
        if !existed {
            // Recorded before the put, so a put that fails halfway is cleaned up too.
            self.created.push(p.sha256.clone());
        }
        blobs
            .put_processed(bytes, p)
            .await
            .map_err(AppError::internal)?;
        self.blobs.push(Blob {
            sha256: p.sha256.clone(),
            mime: p.content_type.to_owned(),
            size_bytes: p.byte_len as i64,
            width: p.width as i64,
            height: p.height as i64,
        });
        Ok(())
    }

    pub async fn store_pictures(
        &mut self,
        files: Vec<(String, Bytes)>,
    ) -> Result<Vec<(String, Result<StoredPicture, MediaError>)>, AppError> {
        if files.is_empty() {
            return Ok(Vec::new());
        }
        let inputs: Vec<Bytes> = files.iter().map(|(_, b)| b.clone()).collect();
        let hashes: Vec<String> = tokio::task::spawn_blocking(move || {
            inputs.iter().map(|b| mudou_media::sha256_hex(b)).collect()
        })
        .await
        .map_err(AppError::internal)?;
        let mut out: Vec<(String, Option<Result<StoredPicture, MediaError>>)> = Vec::new();
        let mut todo: Vec<(usize, Bytes)> = Vec::new();
        for ((path, bytes), sha) in files.into_iter().zip(hashes) {
            let known = match self.pictures.get(&sha) {
                Some(p) => Some(p.clone()),
                None => match self.svc.store.get_blob(&sha).await {
                    Ok(b) => Some(StoredPicture {
                        sha256: b.sha256,
                        width: b.width,
                        height: b.height,
                    }),
                    Err(StoreError::NotFound) => None,
                    Err(e) => return Err(e.into()),
                },
            };
            if known.is_none() {
                todo.push((out.len(), bytes));
            }
            out.push((path, known.map(Ok)));
        }
        let inputs: Vec<Bytes> = todo.iter().map(|(_, b)| b.clone()).collect();
        let limits = self.limits.clone();
        let processed: Vec<Result<Processed, MediaError>> = if inputs.is_empty() {
            Vec::new()
        } else {
            let span = tracing::info_span!("process_record_pictures", n = inputs.len());
            tokio::task::spawn_blocking(move || {
                let _g = span.enter();
                mudou_media::process_many(&inputs, &limits)
            })
            .await
            .map_err(AppError::internal)?
        };
        for ((idx, bytes), result) in todo.into_iter().zip(processed) {
            let p = match result {
                Err(e) if !e.is_client_error() && !e.is_retryable() => {
                    return Err(AppError::internal(e));
                }
                Err(e) => {
                    out[idx].1 = Some(Err(e));
                    continue;
                }
                Ok(p) => p,
            };
            // The same picture twice in one chunk: stored once.
            if let Some(known) = self.pictures.get(&p.sha256) {
                out[idx].1 = Some(Ok(known.clone()));
                continue;
            }
            self.keep(bytes, &p).await?;
            let pic = StoredPicture {
                sha256: p.sha256.clone(),
                width: p.width as i64,
                height: p.height as i64,
            };
            self.pictures.insert(p.sha256, pic.clone());
            out[idx].1 = Some(Ok(pic));
        }
        Ok(out
            .into_iter()
            .map(|(path, r)| {
                let r = r.unwrap_or_else(|| {
                    Err(MediaError::Corrupt {
                        detail: "not processed".into(),
                    })
                });
                (path, r)
            })
            .collect())
    }

    /// Adds the pending items in one transaction and returns the outcomes gathered since the
    /// last commit.
    pub async fn commit(&mut self) -> Result<Vec<FileOutcome>, AppError> {
        if !self.items.is_empty() {
            let inserted = self
                .svc
                .store
                .add_items_with(
                    DatasetId::new(self.dataset_id),
                    &self.blobs,
                    &self.items,
                    now_millis(),
                    &self.dicom_rows,
                )
                .await?;
            for ((&slot, hash), ins) in self
                .item_slots
                .iter()
                .zip(&self.item_text_hash)
                .zip(inserted)
            {
                let o = &mut self.outcomes[slot];
                match ins {
                    Inserted::New(id) => {
                        o.item_id = Some(id);
                        if let (Some(h), Some(known)) = (hash, self.text_known.as_mut()) {
                            known.insert(h.clone(), id);
                        }
                    }
                    Inserted::Duplicate(id) => {
                        o.item_id = Some(id);
                        o.status = "duplicate";
                    }
                }
            }
        }
        for &(idx, first) in &self.same_as {
            let f = self.outcomes[first].clone();
            let o = &mut self.outcomes[idx];
            o.item_id = f.item_id;
            if f.status == "rejected" {
                o.status = f.status;
                o.code = f.code;
                o.message = f.message;
            }
        }
        self.blobs.clear();
        self.items.clear();
        self.item_slots.clear();
        self.item_text_hash.clear();
        self.same_as.clear();
        self.pending_sha.clear();
        self.created.clear();
        self.pictures.clear();
        self.dicom_rows = mudou_store::DicomRows::default();
        Ok(std::mem::take(&mut self.outcomes))
    }

    /// Forgets the pending items and deletes the files this ingest stored since the last
    /// commit, unless a committed item (of any request) refers to them by now.
    ///
    /// A narrow race remains: a concurrent upload of the very same picture that found this
    /// ingest's file already stored, and commits after the check below but before the delete,
    /// would point at a deleted file. It needs two requests with the same bytes, one failing
    /// within milliseconds of the other committing; closing it would need a lease per file.
    pub async fn abort(mut self) {
        for sha in self.created.drain(..) {
            match self.svc.store.get_blob(&sha).await {
                Ok(_) => {}
                Err(StoreError::NotFound) => {
                    if let Err(e) = self.svc.blobs.delete_all(&sha).await {
                        tracing::warn!(%sha, error = %e, "could not delete a file of a failed upload");
                    }
                }
                // Unsure: keeping a stray file is better than losing one that is used.
                Err(e) => {
                    tracing::warn!(%sha, error = %e, "kept a file of a failed upload")
                }
            }
        }
    }
}

/// Processes and stores `files` into `dataset_id`. A rejected file never stops the rest; the
/// accepted ones are added in one transaction, after their bytes are stored; on failure
/// nothing is added and the files stored for it are removed.
pub async fn add_images(
    svc: &Services,
    dataset_id: i64,
    files: Vec<IncomingImage>,
) -> Result<Vec<FileOutcome>, AppError> {
    let mut ingest = Ingest::new(svc, dataset_id);
    let result = async {
        let mut files = files.into_iter().peekable();
        while files.peek().is_some() {
            let chunk: Vec<Offered> = files
                .by_ref()
                .take(CHUNK_FILES)
                .map(Offered::Image)
                .collect();
            ingest.add(chunk).await?;
        }
        ingest.commit().await
    }
    .await;
    if result.is_err() {
        ingest.abort().await;
    }
    result
}

/// What identifies a text item's content (kept apart from picture hashes).
fn text_hash(body: &str) -> String {
    format!("text:{}", mudou_media::sha256_hex(body.as_bytes()))
}

// ---- gold, meta and names -----------------------------------------------------------

/// The gold answer as stored: `{"label", "labels", "boxes"}`, each key only when known.
pub fn gold_json(
    label: Option<&str>,
    labels: &[String],
    boxes: Option<&[BoxAnnotation]>,
) -> Option<String> {
    let mut gold = serde_json::Map::new();
    if let Some(l) = label {
        gold.insert("label".into(), l.into());
    }
    if !labels.is_empty() {
        gold.insert("labels".into(), labels.into());
    }
    if let Some(b) = boxes {
        gold.insert(
            "boxes".into(),
            serde_json::to_value(b).unwrap_or(Value::Array(Vec::new())),
        );
    }
    (!gold.is_empty()).then(|| Value::Object(gold).to_string())
}

fn meta_json(meta: &BTreeMap<String, Value>, text: Option<&str>) -> String {
    let mut m: serde_json::Map<String, Value> =
        meta.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    if let Some(t) = text {
        m.insert("text".into(), t.into());
    }
    Value::Object(m).to_string()
}

/// A file name as sent (possibly a relative path from a folder upload): `/`-separated, no
/// `.` parts; `unsafe_path` for absolute paths, `..`, drive letters and NUL.
pub fn safe_relative_name(name: &str) -> Result<String, MediaError> {
    mudou_media::safe_path(name)?.ok_or_else(|| MediaError::UnsafePath {
        path: name.to_owned(),
    })
}

/// Manifest rows by file path (relative, `/`-separated).
#[derive(Debug, Default, Clone)]
pub struct Manifest {
    rows: HashMap<String, ManifestRow>,
}

impl Manifest {
    pub fn new(rows: Vec<ManifestRow>) -> Self {
        Manifest {
            rows: rows.into_iter().map(|r| (r.file.clone(), r)).collect(),
        }
    }
    pub fn get(&self, file: &str) -> Option<&ManifestRow> {
        self.rows.get(file)
    }
    pub fn len(&self) -> usize {
        self.rows.len()
    }
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// An image read from an upload, with what the manifest says about it.
fn incoming(
    path: String,
    folder_tag: Option<String>,
    bytes: Bytes,
    manifest: Option<&Manifest>,
) -> IncomingImage {
    let row = manifest.and_then(|m| m.get(&path));
    let tag = row
        .and_then(|r| r.tag.clone())
        .or(folder_tag)
        .unwrap_or_default();
    let (meta, gold) = match row {
        Some(r) => (
            meta_json(&r.meta, r.text.as_deref()),
            gold_json(r.label.as_deref(), &r.labels, r.boxes.as_deref()),
        ),
        None => ("{}".to_owned(), None),
    };
    IncomingImage {
        file_name: path,
        tag,
        bytes,
        meta,
        gold,
    }
}

/// Text items as offered items; `source` names the file in the answer.
pub fn text_items(source: &str, items: Vec<TextItem>) -> Vec<Offered> {
    items
        .into_iter()
        .map(|t| {
            let name = format!("{source}:{}", t.line);
            let mut meta = t.meta;
            if let Some(id) = &t.id {
                meta.insert("id".into(), id.clone().into());
            }
            Offered::Text {
                item: NewItem {
                    content: ItemContent::Text { body: t.text },
                    file_name: t.id.clone().unwrap_or_else(|| name.clone()),
                    tag: t.tag.unwrap_or_default(),
                    meta: meta_json(&meta, None),
                    gold: gold_json(t.label.as_deref(), &t.labels, None),
                },
                name,
            }
        })
        .collect()
}

/// CSV or JSONL: by the file name, else by the first character (`{` means JSONL).
pub fn table_format(file_name: &str, bytes: &[u8]) -> TableFormat {
    TableFormat::from_file_name(file_name).unwrap_or_else(|| {
        let first = bytes
            .iter()
            .copied()
            .find(|b| !b.is_ascii_whitespace() && !matches!(b, 0xEF | 0xBB | 0xBF));
        if first == Some(b'{') {
            TableFormat::Jsonl
        } else {
            TableFormat::Csv
        }
    })
}

/// True if the bytes start like a ZIP archive.
pub fn looks_like_zip(head: &[u8]) -> bool {
    head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06")
}

// ---- uploads from files on disk -----------------------------------------------------

/// A file on disk to take in; `name` is its relative, `/`-separated name in the upload.
#[derive(Debug, Clone)]
pub struct DiskFile {
    pub path: PathBuf,
    pub name: String,
    pub len: u64,
}

/// What one file of an upload is.
#[derive(Debug, Clone)]
pub enum Source {
    /// An image (or something claiming to be one: it is sniffed and decoded).
    Image(DiskFile),
    /// A ZIP archive of images (folders → tags, an optional manifest inside).
    Zip(DiskFile),
    /// Text items (CSV or JSONL).
    Texts(DiskFile),
    /// Conversations (JSONL): one record per line, a `prompt` and its responses
    /// ([`conversation_item`]).
    Conversations(DiskFile),
    /// Refused before reading (e.g. an unsafe name).
    Rejected { name: String, error: MediaError },
}

/// How [`ingest_sources`] commits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitMode {
    /// Everything in one transaction at the end (HTTP uploads: all or nothing).
    AtEnd,
    /// After every chunk (command-line import: resumable).
    EachChunk,
}

/// Takes in every source in order. `manifest` applies to plain images (by name) and to
/// archives without a manifest of their own. `progress` is told how many files each chunk
/// handled. On failure, what was not committed is removed (see [`Ingest::abort`]).
pub async fn ingest_sources(
    svc: &Services,
    dataset_id: i64,
    sources: Vec<Source>,
    manifest: Option<Manifest>,
    mode: CommitMode,
    progress: &mut (dyn FnMut(usize) + Send),
) -> Result<Vec<FileOutcome>, AppError> {
    ingest_sources_with(svc, dataset_id, sources, manifest, mode, None, progress).await
}

/// [`ingest_sources`], writing DICOM files aside in `scratch` (a folder that outlives the
/// call, such as the upload's own) rather than holding them in memory.
pub async fn ingest_sources_with(
    svc: &Services,
    dataset_id: i64,
    sources: Vec<Source>,
    manifest: Option<Manifest>,
    mode: CommitMode,
    scratch: Option<std::path::PathBuf>,
    progress: &mut (dyn FnMut(usize) + Send),
) -> Result<Vec<FileOutcome>, AppError> {
    let mut ingest = Ingest::new(svc, dataset_id);
    if let Some(dir) = scratch {
        ingest.spill_dicom_to(dir);
    }
    let mut run = Run {
        ingest: &mut ingest,
        mode,
        chunk: Vec::new(),
        chunk_bytes: 0,
        done: Vec::new(),
        progress,
    };
    let result = run.all(sources, manifest.as_ref()).await;
    let done = std::mem::take(&mut run.done);
    match result {
        Ok(()) => {
            let mut out = done;
            out.extend(ingest.commit().await?);
            Ok(out)
        }
        Err(e) => {
            ingest.abort().await;
            Err(e)
        }
    }
}

struct Run<'a> {
    ingest: &'a mut Ingest,
    mode: CommitMode,
    chunk: Vec<Offered>,
    chunk_bytes: usize,
    done: Vec<FileOutcome>,
    progress: &'a mut (dyn FnMut(usize) + Send),
}

enum ZipMsg {
    /// The manifest's path in the archive and what it says.
    Manifest(Result<Option<(String, AnyManifest)>, MediaError>),
    Items(Vec<ZipItem>),
}

/// A ZIP of records being read: its manifest, and what became of each picture its rows name.
struct Records {
    manifest_name: String,
    manifest: RecordManifest,
    /// Paths of pictures the rows name.
    wanted: HashSet<String>,
    got: HashMap<String, Result<StoredPicture, MediaError>>,
}

impl Records {
    fn new(manifest_name: String, manifest: RecordManifest) -> Self {
        let wanted = manifest
            .rows
            .iter()
            .flat_map(|r| {
                manifest
                    .fields
                    .iter()
                    .zip(&r.values)
                    .filter(|(f, _)| f.kind == ColumnKind::Image)
                    .filter_map(|(_, v)| v.clone())
            })
            .collect();
        Records {
            manifest_name,
            manifest,
            wanted,
            got: HashMap::new(),
        }
    }

    /// One row as an item, or why it is refused.
    fn item(&self, row: &RecordRow) -> Result<NewItem, MediaError> {
        let mut fields = Vec::with_capacity(row.values.len());
        let mut first_path = None;
        for (col, value) in self.manifest.fields.iter().zip(&row.values) {
            match col.kind {
                ColumnKind::Text => fields.push(ItemField::text(
                    &col.name,
                    value.clone().unwrap_or_default(),
                )),
                ColumnKind::Image => {
                    let Some(path) = value else {
                        return Err(MediaError::BadManifest {
                            file: self.manifest_name.clone(),
                            line: row.line,
                            message: format!("`{}` names no picture", col.name),
                        });
                    };
                    let in_record = |error: MediaError| MediaError::InRecord {
                        field: col.name.clone(),
                        path: path.clone(),
                        error: Box::new(error),
                    };
                    let pic = match self.got.get(path) {
                        None => {
                            return Err(in_record(MediaError::MissingFile { path: path.clone() }));
                        }
                        Some(Err(e)) => return Err(in_record(e.clone())),
                        Some(Ok(p)) => p,
                    };
                    first_path.get_or_insert_with(|| path.clone());
                    fields.push(
                        ItemField::image(&col.name, &pic.sha256, (pic.width, pic.height))
                            .with_file(path.clone()),
                    );
                }
            }
        }
        let mut gold: serde_json::Map<String, Value> = row.gold.clone().unwrap_or_default();
        if let Some(Ok(Value::Object(known))) =
            gold_json(row.label.as_deref(), &row.labels, row.boxes.as_deref())
                .map(|g| serde_json::from_str::<Value>(&g))
        {
            gold.extend(known);
        }
        let name = format!("{}:{}", self.manifest_name, row.line);
        Ok(NewItem {
            content: ItemContent::Record { fields },
            file_name: row.id.clone().or(first_path).unwrap_or(name),
            tag: row.tag.clone().unwrap_or_default(),
            meta: "{}".to_owned(),
            gold: (!gold.is_empty()).then(|| Value::Object(gold).to_string()),
        })
    }
}

impl Run<'_> {
    async fn push(&mut self, offered: Offered) -> Result<(), AppError> {
        if let Offered::Image(i) = &offered {
            self.chunk_bytes += i.bytes.len();
        }
        self.chunk.push(offered);
        if self.chunk.len() >= CHUNK_FILES || self.chunk_bytes >= CHUNK_BYTES {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), AppError> {
        if self.chunk.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::take(&mut self.chunk);
        let n = chunk.len();
        self.chunk_bytes = 0;
        self.ingest.add(chunk).await?;
        if self.mode == CommitMode::EachChunk {
            let out = self.ingest.commit().await?;
            self.done.extend(out);
        }
        (self.progress)(n);
        Ok(())
    }

    async fn all(
        &mut self,
        sources: Vec<Source>,
        manifest: Option<&Manifest>,
    ) -> Result<(), AppError> {
        let limits = Limits::default();
        for source in sources {
            match source {
                Source::Rejected { name, error } => {
                    self.push(Offered::Rejected {
                        file_name: name,
                        error,
                    })
                    .await?
                }
                Source::Image(f) => {
                    if f.len > limits.max_file_bytes {
                        let error = MediaError::TooLarge {
                            what: format!(
                                "{} bytes; the limit is {}",
                                f.len, limits.max_file_bytes
                            ),
                        };
                        self.push(Offered::Rejected {
                            file_name: f.name,
                            error,
                        })
                        .await?;
                        continue;
                    }
                    let bytes = tokio::fs::read(&f.path).await.map_err(AppError::internal)?;
                    if mudou_media::dicom::is_dicom(&bytes) {
                        self.dicom(f.name, bytes).await?;
                        continue;
                    }
                    let tag = f.name.rsplit_once('/').map(|(dir, _)| dir.to_owned());
                    let img = incoming(f.name, tag, Bytes::from(bytes), manifest);
                    self.push(Offered::Image(img)).await?;
                }
                Source::Texts(f) => {
                    let offered = read_texts(&f).await?;
                    for o in offered {
                        self.push(o).await?;
                    }
                }
                Source::Conversations(f) => {
                    let offered = read_conversations(&f).await?;
                    for o in offered {
                        self.push(o).await?;
                    }
                }
                Source::Zip(f) => self.zip(f, manifest).await?,
            }
        }
        self.flush().await?;
        self.ingest.add_dicom().await?;
        if self.mode == CommitMode::EachChunk {
            let out = self.ingest.commit().await?;
            self.done.extend(out);
        }
        Ok(())
    }

    /// Keeps a DICOM file for the end of the upload (series span files and archives).
    async fn dicom(&mut self, name: String, bytes: Vec<u8>) -> Result<(), AppError> {
        if self.ingest.dicom_bytes() + bytes.len() > MAX_DICOM_BYTES {
            self.push(Offered::Rejected {
                file_name: name,
                error: MediaError::TooLarge {
                    what: format!(
                        "the upload's DICOM files pass {} MiB; send a study per upload",
                        MAX_DICOM_BYTES >> 20
                    ),
                },
            })
            .await?;
            return Ok(());
        }
        self.ingest.offer_dicom(name, bytes).await
    }

    /// Reads the archive on a blocking thread, one chunk ahead of the processing.
    async fn zip(&mut self, f: DiskFile, outer: Option<&Manifest>) -> Result<(), AppError> {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<ZipMsg, MediaError>>(1);
        let path = f.path.clone();
        let reader = tokio::task::spawn_blocking(move || {
            let mut zip = match ZipImport::open(&path, ZipLimits::default()) {
                Ok(z) => z,
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    return;
                }
            };
            let name = zip.manifest_path().unwrap_or_default().to_owned();
            let manifest = zip.read_any_manifest().map(|m| m.map(|m| (name, m)));
            let failed = manifest.is_err();
            if tx.blocking_send(Ok(ZipMsg::Manifest(manifest))).is_err() || failed {
                return;
            }
            let mut chunk = Vec::new();
            let mut bytes = 0;
            for item in zip.entries() {
                if let ZipItem::File(e) = &item {
                    bytes += e.bytes.len();
                }
                chunk.push(item);
                if chunk.len() >= CHUNK_FILES || bytes >= CHUNK_BYTES {
                    bytes = 0;
                    if tx
                        .blocking_send(Ok(ZipMsg::Items(std::mem::take(&mut chunk))))
                        .is_err()
                    {
                        return;
                    }
                }
            }
            if !chunk.is_empty() {
                let _ = tx.blocking_send(Ok(ZipMsg::Items(chunk)));
            }
        });

        let mut own: Option<Manifest> = None;
        let mut records: Option<Records> = None;
        let result: Result<(), AppError> = async {
            while let Some(msg) = rx.recv().await {
                match msg {
                    Err(error) => {
                        self.push(Offered::Rejected {
                            file_name: f.name.clone(),
                            error,
                        })
                        .await?
                    }
                    Ok(ZipMsg::Manifest(Err(error))) => {
                        // Without its manifest the archive's gold would be lost: refuse it whole.
                        self.push(Offered::Rejected {
                            file_name: f.name.clone(),
                            error,
                        })
                        .await?
                    }
                    Ok(ZipMsg::Manifest(Ok(None))) => {}
                    Ok(ZipMsg::Manifest(Ok(Some((_, AnyManifest::Files(rows)))))) => {
                        own = Some(Manifest::new(rows))
                    }
                    Ok(ZipMsg::Manifest(Ok(Some((name, AnyManifest::Records(m)))))) => {
                        records = Some(Records::new(name, m))
                    }
                    Ok(ZipMsg::Items(items)) if records.is_some() => {
                        let Some(rec) = records.as_mut() else {
                            continue;
                        };
                        let mut files = Vec::new();
                        for item in items {
                            match item {
                                ZipItem::Skipped(s) if s.error.is_noise() => {}
                                ZipItem::Skipped(s) => {
                                    if rec.wanted.contains(&s.path) {
                                        rec.got.insert(s.path.clone(), Err(s.error.clone()));
                                    }
                                    self.push(Offered::Rejected {
                                        file_name: s.path,
                                        error: s.error,
                                    })
                                    .await?;
                                }
                                // Files no row names are not items.
                                ZipItem::File(e) if rec.wanted.contains(&e.path) => {
                                    files.push((e.path, Bytes::from(e.bytes)))
                                }
                                ZipItem::File(_) => {}
                            }
                        }
                        let stored = self.ingest.store_pictures(files).await?;
                        rec.got.extend(stored);
                    }
                    Ok(ZipMsg::Items(items)) => {
                        let manifest = own.as_ref().or(outer);
                        for item in items {
                            let offered = match item {
                                ZipItem::Skipped(s) if s.error.is_noise() => continue,
                                ZipItem::Skipped(s) => Offered::Rejected {
                                    file_name: s.path,
                                    error: s.error,
                                },
                                ZipItem::File(e) if mudou_media::dicom::is_dicom(&e.bytes) => {
                                    self.dicom(e.path, e.bytes).await?;
                                    continue;
                                }
                                ZipItem::File(e) => Offered::Image(incoming(
                                    e.path,
                                    e.tag,
                                    Bytes::from(e.bytes),
                                    manifest,
                                )),
                            };
                            self.push(offered).await?;
                        }
                    }
                }
            }
            Ok(())
        }
        .await;
        drop(rx);
        reader.await.map_err(AppError::internal)?;
        result?;
        if let Some(rec) = records {
            for row in &rec.manifest.rows {
                let name = format!("{}:{}", rec.manifest_name, row.line);
                let offered = match rec.item(row) {
                    Ok(item) => Offered::Record { name, item },
                    Err(error) => Offered::Rejected {
                        file_name: name,
                        error,
                    },
                };
                self.push(offered).await?;
            }
        }
        Ok(())
    }
}

async fn read_texts(f: &DiskFile) -> Result<Vec<Offered>, AppError> {
    let rejected = |error| {
        vec![Offered::Rejected {
            file_name: f.name.clone(),
            error,
        }]
    };
    if f.len > MAX_TABLE_BYTES {
        return Ok(rejected(MediaError::TooLarge {
            what: format!(
                "a text-items file of {} bytes; the limit is {MAX_TABLE_BYTES}",
                f.len
            ),
        }));
    }
    let bytes = tokio::fs::read(&f.path).await.map_err(AppError::internal)?;
    let format = table_format(&f.name, &bytes);
    Ok(
        match mudou_media::parse_text_items(format, &f.name, &bytes) {
            Ok(items) if items.is_empty() => rejected(MediaError::BadManifest {
                file: f.name.clone(),
                line: 1,
                message: "no text items".into(),
            }),
            Ok(items) => text_items(&f.name, items),
            Err(e) => rejected(e),
        },
    )
}

async fn read_conversations(f: &DiskFile) -> Result<Vec<Offered>, AppError> {
    if f.len > MAX_TABLE_BYTES {
        return Ok(vec![Offered::Rejected {
            file_name: f.name.clone(),
            error: MediaError::TooLarge {
                what: format!(
                    "a conversations file of {} bytes; the limit is {MAX_TABLE_BYTES}",
                    f.len
                ),
            },
        }]);
    }
    let bytes = tokio::fs::read(&f.path).await.map_err(AppError::internal)?;
    let name = f.name.clone();
    let lines =
        tokio::task::spawn_blocking(move || mudou_media::parse_conversations(&name, &bytes))
            .await
            .map_err(AppError::internal)?;
    Ok(match lines {
        Err(error) => vec![Offered::Rejected {
            file_name: f.name.clone(),
            error,
        }],
        Ok(lines) if lines.is_empty() => vec![Offered::Rejected {
            file_name: f.name.clone(),
            error: MediaError::BadConversation {
                file: f.name.clone(),
                line: 1,
                message: "no conversations".into(),
            },
        }],
        Ok(lines) => conversation_items(&f.name, lines),
    })
}

/// Conversations as offered records (or refusals), named `source:LINE` in the answer.
pub fn conversation_items(source: &str, lines: Vec<ConversationLine>) -> Vec<Offered> {
    lines
        .into_iter()
        .map(|(line, result)| {
            let name = format!("{source}:{line}");
            match result {
                Ok(c) => Offered::Record {
                    item: conversation_item(&name, c),
                    name,
                },
                Err(error) => Offered::Rejected {
                    file_name: name,
                    error,
                },
            }
        })
        .collect()
}

/// One conversation as a record item: `prompt` (a conversation field: the turns as JSON)
/// and `response_1` … `response_N` (Markdown fields, with the model that wrote each when
/// known). The item's meta keeps the line's other keys, its `id`, `response_count`, and
/// `preferred` (the name of the preferred response's field) when the data says.
pub fn conversation_item(name: &str, c: Conversation) -> NewItem {
    let mut fields = Vec::with_capacity(1 + c.responses.len());
    fields.push(ItemField::words(
        "prompt",
        FieldKind::Conversation,
        mudou_media::prompt_json(&c.prompt),
    ));
    for (i, r) in c.responses.iter().enumerate() {
        fields.push(
            ItemField::words(
                Conversation::response_field(i),
                FieldKind::Markdown,
                r.text.clone(),
            )
            .with_model(r.model.clone()),
        );
    }
    let mut meta = c.meta;
    if let Some(id) = &c.id {
        meta.insert("id".into(), id.clone().into());
    }
    meta.insert("response_count".into(), c.responses.len().into());
    if let Some(p) = c.preferred {
        meta.insert("preferred".into(), Conversation::response_field(p).into());
    }
    NewItem {
        content: ItemContent::Record { fields },
        file_name: c.id.unwrap_or_else(|| name.to_owned()),
        tag: c.tag.unwrap_or_default(),
        meta: meta_json(&meta, None),
        gold: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_made_safe() {
        assert_eq!(safe_relative_name("a.jpg").unwrap(), "a.jpg");
        assert_eq!(
            safe_relative_name(".\\cats\\./x.jpg").unwrap(),
            "cats/x.jpg"
        );
        for bad in [
            "../x.jpg",
            "/etc/passwd",
            "C:/x.jpg",
            "a/../../b",
            "",
            "a\0b",
        ] {
            assert_eq!(
                safe_relative_name(bad).unwrap_err().code(),
                "unsafe_path",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn gold_has_only_known_keys() {
        assert_eq!(gold_json(None, &[], None), None);
        assert_eq!(
            gold_json(Some("cat"), &[], None).unwrap(),
            r#"{"label":"cat"}"#
        );
        let boxes = [BoxAnnotation {
            label: "dog".into(),
            x: 1.0,
            y: 2.0,
            w: 3.0,
            h: 4.0,
        }];
        let g: Value =
            serde_json::from_str(&gold_json(None, &["a".into()], Some(&boxes)).unwrap()).unwrap();
        assert_eq!(g["labels"][0], "a");
        assert_eq!(g["boxes"][0]["label"], "dog");
        assert_eq!(g["boxes"][0]["h"], 4.0);
    }

    #[test]
    fn table_format_falls_back_to_content() {
        assert_eq!(table_format("x.jsonl", b"a,b"), TableFormat::Jsonl);
        assert_eq!(table_format("texts", b"  {\"text\":1}"), TableFormat::Jsonl);
        assert_eq!(table_format("texts", b"text\nhello"), TableFormat::Csv);
    }
}
