//! What exports read (an order's items with their consensus and raw labels, a page at a
//! time) and what a Label Studio import writes (known answers of a dataset's items).

use mudou_domain::{CentreId, DatasetId, ItemId, ItemState, OrderId};

use crate::{NewItem, Result, Store, StoreError};

/// One item of an order as an export sees it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExportItem {
    pub item_id: i64,
    /// `image` or `text`.
    pub kind: String,
    pub sha256: Option<String>,
    /// A text item's text.
    pub body: Option<String>,
    pub file_name: String,
    pub tag: String,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub is_gold: bool,
    /// The order's gold answer (JSON) of a gold item.
    pub gold: Option<String>,
    /// The dataset's known answer (manifest JSON: `label`, `labels`, `boxes`), if any.
    pub known: Option<String>,
    #[sqlx(try_from = "String")]
    pub state: ItemState,
    /// The consensus answer (JSON), once there is one.
    pub answer: Option<String>,
    pub confidence: Option<f64>,
    /// A record's fields (JSON, see [`crate::ItemField`]); `None` for an item of one field.
    pub fields: Option<String>,
}

/// One raw label of an order's item.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExportLabel {
    pub item_id: i64,
    pub annotator_id: i64,
    /// The answer (JSON), or `None` for a skip.
    pub answer: Option<String>,
    pub skip_reason: Option<String>,
    /// The time the annotator's device measured on the item.
    pub client_ms: i64,
    pub created_at: i64,
    /// The order's instructions version the label was made under (`None`: before versions).
    pub instructions_version: Option<i64>,
    /// What the annotator did with the model's suggestion they were shown (`accepted`,
    /// `fixed`, `rejected`), when they were shown one.
    pub suggestion_outcome: Option<String>,
}

/// A settled series item of a medical order, for the findings export.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SeriesResult {
    pub item_id: i64,
    /// The item's meta (JSON: the de-identified `study_uid`, `series_uid`).
    pub meta: String,
    /// The item's fields (JSON, with the series' geometry).
    pub fields: Option<String>,
    /// The final answer (JSON).
    pub answer: Option<String>,
    /// How the expert ladder ended for it (`expert`, `doctor`), when it went up the ladder.
    pub ladder: Option<String>,
}

/// One label's answer (JSON) of an order's item.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrderAnswer {
    pub item_id: i64,
    pub annotator_id: i64,
    pub answer: String,
}

/// An image item found by its file name.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NamedTarget {
    pub id: i64,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub file_name: String,
}

/// An item of a dataset that a Label Studio task may point at.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ImportTarget {
    pub id: i64,
    pub width: Option<i64>,
    pub height: Option<i64>,
}

impl Store {
    /// The order's settled items with their final answers, by item (the findings export).
    pub async fn series_results(&self, order_id: OrderId) -> Result<Vec<SeriesResult>> {
        let sql = "SELECT oi.item_id, i.meta, i.fields, oi.answer, li.outcome AS ladder \
                   FROM order_items oi JOIN items i ON i.id = oi.item_id \
                   LEFT JOIN ladder_items li ON li.order_id = oi.order_id AND li.item_id = oi.item_id \
                   WHERE oi.order_id = $1 AND oi.state = 'resolved' AND oi.answer IS NOT NULL ORDER BY oi.item_id";
        Ok(on_read!(self, p => sqlx::query_as::<_, SeriesResult>(sql)
            .bind(order_id.get()).fetch_all(p).await?))
    }

    /// Up to `limit` items of an order with ids greater than `after`, in id order.
    pub async fn export_items_page(
        &self,
        order_id: OrderId,
        after: i64,
        limit: i64,
    ) -> Result<Vec<ExportItem>> {
        let sql = "SELECT oi.item_id, i.kind, i.sha256, i.body, i.file_name, i.tag, b.width, b.height, \
                   oi.is_gold, oi.gold, i.gold AS known, oi.state, oi.answer, oi.confidence, i.fields \
                   FROM order_items oi JOIN items i ON i.id = oi.item_id LEFT JOIN blobs b ON b.sha256 = i.sha256 \
                   WHERE oi.order_id = $1 AND oi.item_id > $2 ORDER BY oi.item_id LIMIT $3";
        Ok(on_read!(self, p => sqlx::query_as::<_, ExportItem>(sql)
            .bind(order_id.get()).bind(after).bind(limit).fetch_all(p).await?))
    }

    /// The raw labels (skips included) of an order's items with `from < item_id <= to`,
    /// by item, oldest first.
    pub async fn export_labels_between(
        &self,
        order_id: OrderId,
        from: i64,
        to: i64,
    ) -> Result<Vec<ExportLabel>> {
        let sql = "SELECT item_id, annotator_id, answer, skip_reason, client_ms, created_at, instructions_version, \
                   suggestion_outcome FROM labels WHERE order_id = $1 AND item_id > $2 AND item_id <= $3 ORDER BY item_id, id";
        Ok(on_read!(self, p => sqlx::query_as::<_, ExportLabel>(sql)
            .bind(order_id.get()).bind(from).bind(to).fetch_all(p).await?))
    }

    /// The answers (skips and excluded labels left out) of an order's labels, by item, oldest
    /// first; with `centre`, only that centre's labels. What the model leaderboard reads.
    pub async fn order_answers(
        &self,
        order_id: OrderId,
        centre: Option<CentreId>,
    ) -> Result<Vec<OrderAnswer>> {
        let sql = "SELECT item_id, annotator_id, answer FROM labels \
                   WHERE order_id = $1 AND answer IS NOT NULL AND excluded_reason IS NULL \
                   AND ($2 IS NULL OR centre_id = $2) ORDER BY item_id, id";
        let centre = centre.map(|c| c.get());
        Ok(on_read!(self, p => sqlx::query_as::<_, OrderAnswer>(sql)
            .bind(order_id.get()).bind(centre).fetch_all(p).await?))
    }

    /// Each of an order's items with its record fields (JSON, see [`crate::ItemField`]),
    /// items of one field left out.
    pub async fn order_item_fields(&self, order_id: OrderId) -> Result<Vec<(i64, String)>> {
        let sql = "SELECT oi.item_id, i.fields FROM order_items oi JOIN items i ON i.id = oi.item_id \
                   WHERE oi.order_id = $1 AND i.fields IS NOT NULL ORDER BY oi.item_id";
        Ok(on_read!(self, p => sqlx::query_as::<_, (i64, String)>(sql)
            .bind(order_id.get()).fetch_all(p).await?))
    }

    /// The image item of `dataset_id` holding the file with this SHA-256.
    pub async fn image_item_by_sha256(
        &self,
        dataset_id: DatasetId,
        sha256: &str,
    ) -> Result<Option<ImportTarget>> {
        let sql = "SELECT i.id, b.width, b.height FROM items i JOIN blobs b ON b.sha256 = i.sha256 \
                   WHERE i.dataset_id = $1 AND i.sha256 = $2 \
                   ORDER BY CASE WHEN i.fields IS NULL THEN 0 ELSE 1 END, i.id LIMIT 1";
        Ok(on_read!(self, p => sqlx::query_as::<_, ImportTarget>(sql)
            .bind(dataset_id.get()).bind(sha256).fetch_optional(p).await?))
    }

    /// The image items of `dataset_id` named `name` exactly, else those whose path ends in
    /// `/name` (at most `limit`, oldest first): more than one is an ambiguous name.
    pub async fn image_items_named(
        &self,
        dataset_id: DatasetId,
        name: &str,
        limit: i64,
    ) -> Result<Vec<NamedTarget>> {
        let sql = "SELECT i.id, b.width, b.height, i.file_name FROM items i JOIN blobs b ON b.sha256 = i.sha256 \
                   WHERE i.dataset_id = $1 AND i.kind = 'image' AND i.file_name = $2 ORDER BY i.id LIMIT $3";
        let exact = on_read!(self, p => sqlx::query_as::<_, NamedTarget>(sql)
            .bind(dataset_id.get()).bind(name).bind(limit).fetch_all(p).await?);
        if !exact.is_empty() {
            return Ok(exact);
        }
        let sql = "SELECT i.id, b.width, b.height, i.file_name FROM items i JOIN blobs b ON b.sha256 = i.sha256 \
                   WHERE i.dataset_id = $1 AND i.kind = 'image' AND length(i.file_name) > length($2) \
                   AND substr(i.file_name, length(i.file_name) - length($2) + 1) = $2 ORDER BY i.id LIMIT $3";
        let suffix = format!("/{name}");
        Ok(on_read!(self, p => sqlx::query_as::<_, NamedTarget>(sql)
            .bind(dataset_id.get()).bind(&suffix).bind(limit).fetch_all(p).await?))
    }

    /// The image items of `dataset_id` whose base name without its extension is `stem`
    /// (how YOLO names a picture's label file), at most `limit`.
    pub async fn image_items_by_stem(
        &self,
        dataset_id: DatasetId,
        stem: &str,
        limit: i64,
    ) -> Result<Vec<NamedTarget>> {
        // Candidates by a LIKE on `stem.` (escaped), the exact base name checked here.
        let mut pattern = String::from("%");
        for c in stem.chars() {
            if matches!(c, '%' | '_' | '\\') {
                pattern.push('\\');
            }
            pattern.push(c);
        }
        pattern.push_str(".%");
        let sql = "SELECT i.id, b.width, b.height, i.file_name FROM items i JOIN blobs b ON b.sha256 = i.sha256 \
                   WHERE i.dataset_id = $1 AND i.kind = 'image' AND i.file_name LIKE $2 ESCAPE '\\' ORDER BY i.id LIMIT 1000";
        let found = on_read!(self, p => sqlx::query_as::<_, NamedTarget>(sql)
            .bind(dataset_id.get()).bind(&pattern).fetch_all(p).await?);
        Ok(found
            .into_iter()
            .filter(|t| {
                let base = t.file_name.rsplit(['/', '\\']).next().unwrap_or_default();
                base.rfind('.').is_some_and(|i| i > 0 && &base[..i] == stem)
            })
            .take(usize::try_from(limit).unwrap_or(0))
            .collect())
    }

    /// The text item of `dataset_id` with exactly this text.
    pub async fn text_item_by_body(
        &self,
        dataset_id: DatasetId,
        body: &str,
    ) -> Result<Option<i64>> {
        let sql = "SELECT id FROM items WHERE dataset_id = $1 AND kind = 'text' AND body = $2 ORDER BY id LIMIT 1";
        Ok(on_read!(self, p => sqlx::query_scalar::<_, i64>(sql)
            .bind(dataset_id.get()).bind(body).fetch_optional(p).await?))
    }

    /// Sets the known answers of items of `dataset_id` and adds new text items, in one
    /// transaction. Each item's new known answer is `merge(old, new)` (the caller decides
    /// how an import combines with what the item knew). Returns the new items' ids in the
    /// order given.
    pub async fn import_known_answers(
        &self,
        dataset_id: DatasetId,
        known: &[(ItemId, String)],
        new_items: &[NewItem],
        now: i64,
        merge: &(dyn Fn(Option<&str>, &str) -> String + Send + Sync),
    ) -> Result<Vec<i64>> {
        Ok(in_tx!(self, tx => {
            for (item_id, gold) in known {
                let old: Option<Option<String>> =
                    sqlx::query_scalar("SELECT gold FROM items WHERE id = $1 AND dataset_id = $2")
                        .bind(item_id.get()).bind(dataset_id.get()).fetch_optional(&mut *tx).await?;
                let Some(old) = old else {
                    return Err(StoreError::NotFound);
                };
                let merged = merge(old.as_deref(), gold);
                sqlx::query("UPDATE items SET gold = $3 WHERE id = $1 AND dataset_id = $2")
                    .bind(item_id.get()).bind(dataset_id.get()).bind(&merged).execute(&mut *tx).await?;
            }
            let mut ids = Vec::with_capacity(new_items.len());
            for it in new_items {
                let body = match &it.content {
                    crate::ItemContent::Text { body } => body,
                    crate::ItemContent::Image { .. } | crate::ItemContent::Record { .. } => {
                        return Err(StoreError::Invalid("an import adds text items only".into()));
                    }
                };
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO items (dataset_id, kind, sha256, body, file_name, tag, meta, gold, created_at) \
                     VALUES ($1, 'text', NULL, $2, $3, $4, $5, $6, $7) RETURNING id")
                    .bind(dataset_id.get()).bind(body).bind(&it.file_name).bind(&it.tag).bind(&it.meta)
                    .bind(&it.gold).bind(now).fetch_one(&mut *tx).await?;
                ids.push(id);
            }
            ids
        }))
    }
}
