//! Datasets, stored files (blobs) and items: what clients bring to be labelled.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::{Result, Store, StoreError};
use mudou_domain::{DatasetId, FieldKind, ItemId, OrgId, UserId};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Dataset {
    pub id: i64,
    pub org_id: i64,
    pub name: String,
    pub created_by: i64,
    pub created_at: i64,
    pub item_count: i64,
}

/// A stored file's facts, keyed by the SHA-256 of its bytes.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Blob {
    pub sha256: String,
    pub mime: String,
    pub size_bytes: i64,
    pub width: i64,
    pub height: i64,
}

#[derive(Debug, Clone)]
pub enum ItemContent {
    Image {
        sha256: String,
    },
    Text {
        body: String,
    },
    /// A record: named fields, each a picture (its blob among the ones added with it) or a
    /// text. The first field is also stored as the item's `kind`/`sha256`/`body`. Records
    /// are never refused as duplicates (many may share a first picture).
    Record {
        fields: Vec<ItemField>,
    },
}

/// One field of an item: a picture (by hash, with its size) or a text. What `items.fields`
/// holds, one JSON object per field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemField {
    pub name: String,
    pub kind: FieldKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// A picture's path as the dataset named it (a manifest's cell), so exports can pair
    /// answers with the client's files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Who wrote a response (an LLM's name), when the data says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// A medical series' geometry (its `sha256` is the de-identified volume; `width` and
    /// `height` are its columns and rows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume: Option<mudou_domain::volume::VolumeGeometry>,
}

impl ItemField {
    pub fn image(name: impl Into<String>, sha256: impl Into<String>, size: (i64, i64)) -> Self {
        ItemField {
            name: name.into(),
            kind: FieldKind::Image,
            sha256: Some(sha256.into()),
            width: Some(size.0),
            height: Some(size.1),
            text: None,
            file: None,
            model: None,
            volume: None,
        }
    }

    /// This picture field with the path the dataset named it by.
    pub fn with_file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }

    pub fn text(name: impl Into<String>, text: impl Into<String>) -> Self {
        ItemField {
            name: name.into(),
            kind: FieldKind::Text,
            sha256: None,
            width: None,
            height: None,
            text: Some(text.into()),
            file: None,
            model: None,
            volume: None,
        }
    }

    /// A text field of another kind of words (a conversation's JSON, a Markdown text).
    pub fn words(name: impl Into<String>, kind: FieldKind, text: impl Into<String>) -> Self {
        ItemField {
            kind,
            ..ItemField::text(name, text)
        }
    }

    /// This field with the model that wrote it.
    pub fn with_model(mut self, model: Option<String>) -> Self {
        self.model = model;
        self
    }

    /// The picture's (width, height), for an image field.
    pub fn size(&self) -> Option<(i64, i64)> {
        self.width.zip(self.height)
    }
}

/// An item's fields from its columns: the record's `fields` when it has them, else the one
/// field of an item from before, named after its kind (`image` or `text`).
pub fn item_fields(
    fields: Option<&str>,
    kind: &str,
    sha256: Option<&str>,
    body: Option<&str>,
    size: Option<(i64, i64)>,
) -> Vec<ItemField> {
    if let Some(list) = fields.and_then(|f| serde_json::from_str::<Vec<ItemField>>(f).ok()) {
        return list;
    }
    if kind == "image" {
        vec![ItemField {
            name: "image".into(),
            kind: FieldKind::Image,
            sha256: sha256.map(str::to_owned),
            width: size.map(|s| s.0),
            height: size.map(|s| s.1),
            text: None,
            file: None,
            model: None,
            volume: None,
        }]
    } else {
        vec![ItemField::text("text", body.unwrap_or_default())]
    }
}

#[derive(Debug, Clone)]
pub struct NewItem {
    pub content: ItemContent,
    pub file_name: String,
    pub tag: String,
    /// JSON object text.
    pub meta: String,
    /// JSON answer text, when the item comes with a known right answer.
    pub gold: Option<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Item {
    pub id: i64,
    pub dataset_id: i64,
    pub kind: String,
    pub sha256: Option<String>,
    pub body: Option<String>,
    pub file_name: String,
    pub tag: String,
    pub meta: String,
    pub gold: Option<String>,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub created_at: i64,
    /// A record's fields (JSON); `None` for a one-field item from before.
    pub fields: Option<String>,
}

impl Item {
    /// Every field of the item (see [`item_fields`]).
    pub fn fields(&self) -> Vec<ItemField> {
        item_fields(
            self.fields.as_deref(),
            &self.kind,
            self.sha256.as_deref(),
            self.body.as_deref(),
            self.width.zip(self.height),
        )
    }
}

const ITEM_COLS: &str = "i.id, i.dataset_id, i.kind, i.sha256, i.body, i.file_name, i.tag, i.meta, i.gold, \
                         b.width, b.height, i.created_at, i.fields";

/// What shows an item on screen: its picture (by hash) or its text.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ItemMedia {
    pub id: i64,
    pub kind: String,
    pub sha256: Option<String>,
    pub body: Option<String>,
    pub fields: Option<String>,
}

impl ItemMedia {
    /// Every field of the item (sizes left out).
    pub fn fields(&self) -> Vec<ItemField> {
        item_fields(
            self.fields.as_deref(),
            &self.kind,
            self.sha256.as_deref(),
            self.body.as_deref(),
            None,
        )
    }
}

impl ItemContent {
    /// `(kind, sha256, body, fields JSON, every picture's hash)` as stored. A record whose
    /// first field is words is a `text` item whose body is that text (a conversation's
    /// turns' words, one after another).
    #[allow(clippy::type_complexity)]
    fn columns(
        &self,
    ) -> Result<(
        &str,
        Option<&str>,
        Option<Cow<'_, str>>,
        Option<String>,
        Vec<&str>,
    )> {
        Ok(match self {
            ItemContent::Image { sha256 } => {
                ("image", Some(sha256), None, None, vec![sha256.as_str()])
            }
            ItemContent::Text { body } => {
                ("text", None, Some(Cow::Borrowed(body)), None, Vec::new())
            }
            ItemContent::Record { fields } => {
                let first = fields.first().ok_or_else(|| {
                    StoreError::Invalid("a record needs at least one field".into())
                })?;
                let pictures: Vec<&str> =
                    fields.iter().filter_map(|f| f.sha256.as_deref()).collect();
                let json = serde_json::to_string(fields)
                    .map_err(|e| StoreError::Invalid(e.to_string()))?;
                match first.kind {
                    // A series' first file is its de-identified volume.
                    FieldKind::Image | FieldKind::Series => {
                        let sha = first.sha256.as_deref().ok_or_else(|| {
                            StoreError::Invalid(format!("picture field {} has no file", first.name))
                        })?;
                        ("image", Some(sha), None, Some(json), pictures)
                    }
                    FieldKind::Text | FieldKind::Markdown => (
                        "text",
                        None,
                        Some(Cow::Borrowed(first.text.as_deref().unwrap_or_default())),
                        Some(json),
                        pictures,
                    ),
                    FieldKind::Conversation => (
                        "text",
                        None,
                        Some(Cow::Owned(conversation_words(
                            first.text.as_deref().unwrap_or_default(),
                        ))),
                        Some(json),
                        pictures,
                    ),
                }
            }
        })
    }
}

/// The words of a conversation field's turns (`[{"role", "content"}]`), one after another;
/// the text itself when it is not such a list.
pub fn conversation_words(text: &str) -> String {
    match serde_json::from_str::<Vec<serde_json::Value>>(text) {
        Ok(turns) => turns
            .iter()
            .filter_map(|t| t.get("content").and_then(|c| c.as_str()))
            .collect::<Vec<_>>()
            .join("\n\n"),
        Err(_) => text.to_owned(),
    }
}

/// Whether an insert made a new item or found the same content already in the dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Inserted {
    New(i64),
    Duplicate(i64),
}

impl Store {
    pub async fn create_dataset(
        &self,
        org_id: OrgId,
        name: &str,
        created_by: UserId,
        now: i64,
    ) -> Result<Dataset> {
        let sql = "INSERT INTO datasets (org_id, name, created_by, created_at) VALUES ($1, $2, $3, $4) \
                   RETURNING id, org_id, name, created_by, created_at, CAST(0 AS BIGINT) AS item_count";
        Ok(on_write!(self, p => sqlx::query_as::<_, Dataset>(sql)
            .bind(org_id.get()).bind(name).bind(created_by.get()).bind(now).fetch_one(p).await?))
    }

    /// The organisation's datasets with their item counts.
    pub async fn list_datasets(&self, org_id: OrgId) -> Result<Vec<Dataset>> {
        let sql = "SELECT d.id, d.org_id, d.name, d.created_by, d.created_at, \
                   (SELECT COUNT(*) FROM items i WHERE i.dataset_id = d.id) AS item_count \
                   FROM datasets d WHERE d.org_id = $1 ORDER BY d.id";
        Ok(
            on_read!(self, p => sqlx::query_as::<_, Dataset>(sql).bind(org_id.get()).fetch_all(p).await?),
        )
    }

    /// One dataset, only if it belongs to `org_id`.
    pub async fn get_dataset(&self, org_id: OrgId, dataset_id: DatasetId) -> Result<Dataset> {
        let sql = "SELECT d.id, d.org_id, d.name, d.created_by, d.created_at, \
                   (SELECT COUNT(*) FROM items i WHERE i.dataset_id = d.id) AS item_count \
                   FROM datasets d WHERE d.id = $1 AND d.org_id = $2";
        on_read!(self, p => sqlx::query_as::<_, Dataset>(sql).bind(dataset_id.get()).bind(org_id.get()).fetch_optional(p).await?)
            .ok_or(StoreError::NotFound)
    }

    pub async fn dataset_by_name(&self, org_id: OrgId, name: &str) -> Result<Option<Dataset>> {
        let sql = "SELECT d.id, d.org_id, d.name, d.created_by, d.created_at, \
                   (SELECT COUNT(*) FROM items i WHERE i.dataset_id = d.id) AS item_count \
                   FROM datasets d WHERE d.name = $1 AND d.org_id = $2";
        Ok(
            on_read!(self, p => sqlx::query_as::<_, Dataset>(sql).bind(name).bind(org_id.get()).fetch_optional(p).await?),
        )
    }

    /// Adds items (and the blobs they need) in one transaction: all or nothing.
    /// An image already in the dataset is reported as a duplicate, not added twice (a
    /// record never is). Every picture of an item is listed in `item_blobs` with it.
    pub async fn add_items(
        &self,
        dataset_id: DatasetId,
        blobs: &[Blob],
        items: &[NewItem],
        now: i64,
    ) -> Result<Vec<Inserted>> {
        self.add_items_with(dataset_id, blobs, items, now, &crate::DicomRows::default())
            .await
    }

    /// [`Store::add_items`], writing with the items (same transaction) the de-identified UIDs'
    /// originals and the holds of series that wait for their client (`dicom.held` names
    /// items by their index in `items`).
    pub async fn add_items_with(
        &self,
        dataset_id: DatasetId,
        blobs: &[Blob],
        items: &[NewItem],
        now: i64,
        dicom: &crate::DicomRows,
    ) -> Result<Vec<Inserted>> {
        Ok(in_tx!(self, tx => {
            if let Some(org) = dicom.org_id {
                for u in &dicom.uids {
                    sqlx::query("INSERT INTO dicom_uids (org_id, deid_uid, original_uid, level) VALUES ($1, $2, $3, $4) \
                                 ON CONFLICT (org_id, deid_uid) DO NOTHING")
                        .bind(org.get()).bind(&u.deid).bind(&u.original).bind(&u.level)
                        .execute(&mut *tx).await?;
                }
            }
            for b in blobs {
                sqlx::query("INSERT INTO blobs (sha256, mime, size_bytes, width, height, created_at) \
                             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (sha256) DO NOTHING")
                    .bind(&b.sha256).bind(&b.mime).bind(b.size_bytes).bind(b.width).bind(b.height).bind(now)
                    .execute(&mut *tx).await?;
            }
            let mut out = Vec::with_capacity(items.len());
            for it in items {
                let (kind, sha, body, fields, pictures) = it.content.columns()?;
                if let (Some(sha), None) = (sha, &fields) {
                    let existing: Option<i64> = sqlx::query_scalar(
                        "SELECT id FROM items WHERE dataset_id = $1 AND sha256 = $2 AND fields IS NULL")
                        .bind(dataset_id.get()).bind(sha).fetch_optional(&mut *tx).await?;
                    if let Some(id) = existing {
                        out.push(Inserted::Duplicate(id));
                        continue;
                    }
                }
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO items (dataset_id, kind, sha256, body, file_name, tag, meta, gold, created_at, fields) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id")
                    .bind(dataset_id.get()).bind(kind).bind(sha).bind(body.as_deref()).bind(&it.file_name).bind(&it.tag)
                    .bind(&it.meta).bind(&it.gold).bind(now).bind(&fields)
                    .fetch_one(&mut *tx).await?;
                for sha in pictures {
                    sqlx::query("INSERT INTO item_blobs (item_id, sha256) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                        .bind(id).bind(sha).execute(&mut *tx).await?;
                }
                if let Some(reason) = dicom.held.iter().find(|(i, _)| *i == out.len()).map(|(_, r)| r) {
                    sqlx::query("INSERT INTO series_holds (item_id, dataset_id, reason, created_at) VALUES ($1, $2, $3, $4)")
                        .bind(id).bind(dataset_id.get()).bind(reason).bind(now)
                        .execute(&mut *tx).await?;
                }
                out.push(Inserted::New(id));
            }
            out
        }))
    }

    /// The items of `dataset_id` that hold one of `shas`, as `(sha256, item id)` pairs.
    /// Lets an upload skip files the dataset already has before decoding them.
    pub async fn items_by_sha256(
        &self,
        dataset_id: DatasetId,
        shas: &[String],
    ) -> Result<Vec<(String, i64)>> {
        let sql = "SELECT id FROM items WHERE dataset_id = $1 AND sha256 = $2 AND fields IS NULL";
        let mut out = Vec::new();
        for sha in shas {
            let id: Option<i64> = on_read!(self, p => sqlx::query_scalar(sql)
                .bind(dataset_id.get()).bind(sha).fetch_optional(p).await?);
            if let Some(id) = id {
                out.push((sha.clone(), id));
            }
        }
        Ok(out)
    }

    /// Calls `f(id, body)` for every text item of `dataset_id`, reading a page at a time
    /// (lets an upload recognise texts the dataset already holds).
    pub async fn for_each_text_item(
        &self,
        dataset_id: DatasetId,
        mut f: impl FnMut(i64, &str) + Send,
    ) -> Result<()> {
        let sql = "SELECT id, body FROM items WHERE dataset_id = $1 AND kind = 'text' AND fields IS NULL \
                   AND id > $2 ORDER BY id LIMIT 1000";
        let mut after = 0i64;
        loop {
            let rows: Vec<(i64, String)> = on_read!(self, p => sqlx::query_as(sql)
                .bind(dataset_id.get()).bind(after).fetch_all(p).await?);
            let Some(last) = rows.last() else {
                return Ok(());
            };
            after = last.0;
            for (id, body) in &rows {
                f(*id, body);
            }
        }
    }

    /// A page of a dataset's items (ids greater than `after`), only within `org_id`.
    pub async fn list_items(
        &self,
        org_id: OrgId,
        dataset_id: DatasetId,
        after: i64,
        limit: i64,
    ) -> Result<Vec<Item>> {
        let sql = format!(
            "SELECT {ITEM_COLS} FROM items i JOIN datasets d ON d.id = i.dataset_id \
             LEFT JOIN blobs b ON b.sha256 = i.sha256 \
             WHERE i.dataset_id = $1 AND d.org_id = $2 AND i.id > $3 ORDER BY i.id LIMIT $4"
        );
        Ok(on_read!(self, p => sqlx::query_as::<_, Item>(&sql)
            .bind(dataset_id.get()).bind(org_id.get()).bind(after).bind(limit).fetch_all(p).await?))
    }

    /// The items of `dataset_id` among `ids` (e.g. an order's example pictures), in id order;
    /// ids of other datasets are left out.
    pub async fn items_media(
        &self,
        dataset_id: DatasetId,
        ids: &[ItemId],
    ) -> Result<Vec<ItemMedia>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT id, kind, sha256, body, fields FROM items WHERE dataset_id = $1 AND id IN ({}) ORDER BY id",
            marks.join(", ")
        );
        Ok(on_read!(self, p => {
            let mut q = sqlx::query_as::<_, ItemMedia>(&sql).bind(dataset_id.get());
            for id in ids {
                q = q.bind(id.get());
            }
            q.fetch_all(p).await?
        }))
    }

    /// Whether a stored file belongs to an item of one of `org_id`'s datasets.
    pub async fn org_sees_blob(&self, org_id: OrgId, sha256: &str) -> Result<bool> {
        let sql = "SELECT 1 FROM item_blobs ib JOIN items i ON i.id = ib.item_id JOIN datasets d ON d.id = i.dataset_id \
                   WHERE ib.sha256 = $1 AND d.org_id = $2 LIMIT 1";
        let hit: Option<i32> = on_read!(self, p => sqlx::query_scalar(sql).bind(sha256).bind(org_id.get()).fetch_optional(p).await?);
        Ok(hit.is_some())
    }

    pub async fn get_blob(&self, sha256: &str) -> Result<Blob> {
        let sql = "SELECT sha256, mime, size_bytes, width, height FROM blobs WHERE sha256 = $1";
        on_read!(self, p => sqlx::query_as::<_, Blob>(sql).bind(sha256).fetch_optional(p).await?)
            .ok_or(StoreError::NotFound)
    }
}
