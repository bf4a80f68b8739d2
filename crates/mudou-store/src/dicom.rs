//! DICOM in (issue 31): each organisation's UID salt, the de-identified UIDs' originals
//! (only ever read for their organisation), and series held for their client's decision.

use std::collections::HashMap;

use crate::{Result, Store, StoreError};
use mudou_domain::{DatasetId, ItemId, OrgId, UserId};

/// A de-identified UID and the client's original (`level`: `study` or `series`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UidRow {
    pub deid: String,
    pub original: String,
    pub level: String,
}

/// What [`Store::add_items_with`] writes with the items: the UIDs of `org_id`, and the
/// items (by index in the batch) held with their reason.
#[derive(Debug, Clone, Default)]
pub struct DicomRows {
    pub org_id: Option<OrgId>,
    pub uids: Vec<UidRow>,
    pub held: Vec<(usize, String)>,
}

/// A series waiting for (or given) its client's decision.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct SeriesHold {
    pub item_id: i64,
    pub file_name: String,
    pub reason: String,
    /// `held`, `release` or `drop`.
    pub decision: String,
    pub decided_at: Option<i64>,
    pub created_at: i64,
}

impl Store {
    /// The organisation's UID salt (hex), made from `fresh` at the first call.
    pub async fn dicom_salt(&self, org_id: OrgId, fresh: &str) -> Result<String> {
        let insert = "INSERT INTO dicom_salts (org_id, salt) VALUES ($1, $2) ON CONFLICT (org_id) DO NOTHING";
        on_write!(self, p => sqlx::query(insert).bind(org_id.get()).bind(fresh).execute(p).await?.rows_affected());
        let sql = "SELECT salt FROM dicom_salts WHERE org_id = $1";
        Ok(on_write!(self, p => sqlx::query_scalar(sql).bind(org_id.get()).fetch_one(p).await?))
    }

    /// The originals of de-identified UIDs, only those of `org_id` (de-identified → original).
    pub async fn original_uids(
        &self,
        org_id: OrgId,
        deid: &[String],
    ) -> Result<HashMap<String, String>> {
        // One query for the lot (an export asks for every UID of its order at once).
        let mut out = HashMap::new();
        for chunk in deid.chunks(500) {
            let marks: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
            let sql = format!(
                "SELECT deid_uid, original_uid FROM dicom_uids WHERE org_id = $1 AND deid_uid IN ({})",
                marks.join(", ")
            );
            let rows: Vec<(String, String)> = on_read!(self, p => {
                let mut q = sqlx::query_as(&sql).bind(org_id.get());
                for d in chunk {
                    q = q.bind(d);
                }
                q.fetch_all(p).await?
            });
            out.extend(rows);
        }
        Ok(out)
    }

    /// The dataset's item holding the blob `sha256` as its first field (a series stored
    /// before), if any.
    pub async fn item_by_blob(&self, dataset_id: DatasetId, sha256: &str) -> Result<Option<i64>> {
        let sql = "SELECT id FROM items WHERE dataset_id = $1 AND sha256 = $2 ORDER BY id LIMIT 1";
        Ok(
            on_read!(self, p => sqlx::query_scalar(sql).bind(dataset_id.get()).bind(sha256)
            .fetch_optional(p).await?),
        )
    }

    /// The dataset's held series (every decision), oldest first. The dataset must be the
    /// org's (`NotFound` otherwise).
    pub async fn series_holds(
        &self,
        org_id: OrgId,
        dataset_id: DatasetId,
    ) -> Result<Vec<SeriesHold>> {
        self.get_dataset(org_id, dataset_id).await?;
        let sql = "SELECT h.item_id, i.file_name, h.reason, h.decision, h.decided_at, h.created_at \
                   FROM series_holds h JOIN items i ON i.id = h.item_id \
                   WHERE h.dataset_id = $1 ORDER BY h.item_id";
        Ok(on_read!(self, p => sqlx::query_as(sql).bind(dataset_id.get()).fetch_all(p).await?))
    }

    /// The client decides on a held series: `release` (it may be planned from now on) or
    /// `drop` (never). `NotFound` unless the item is a hold of a dataset of `org_id`;
    /// `Conflict` when it was decided already (the same decision again is answered as is).
    pub async fn decide_hold(
        &self,
        org_id: OrgId,
        dataset_id: DatasetId,
        item_id: ItemId,
        decision: &str,
        by: UserId,
        now: i64,
    ) -> Result<SeriesHold> {
        let update = "UPDATE series_holds SET decision = $3, decided_by = $4, decided_at = $5 \
                      WHERE item_id = $1 AND dataset_id = $2 AND decision = 'held' \
                      AND EXISTS (SELECT 1 FROM datasets d WHERE d.id = $2 AND d.org_id = $6)";
        let n = on_write!(self, p => sqlx::query(update).bind(item_id.get()).bind(dataset_id.get()).bind(decision)
            .bind(by.get()).bind(now).bind(org_id.get()).execute(p).await?.rows_affected());
        let hold = self
            .series_holds(org_id, dataset_id)
            .await?
            .into_iter()
            .find(|h| h.item_id == item_id.get())
            .ok_or(StoreError::NotFound)?;
        if n == 0 && hold.decision != decision {
            return Err(StoreError::Conflict(format!(
                "the series was decided already ({})",
                hold.decision
            )));
        }
        Ok(hold)
    }
}

impl Store {
    /// The organisation a dataset belongs to.
    pub async fn dataset_org(&self, dataset_id: DatasetId) -> Result<OrgId> {
        let sql = "SELECT org_id FROM datasets WHERE id = $1";
        let id: Option<i64> = on_read!(self, p => sqlx::query_scalar(sql).bind(dataset_id.get())
            .fetch_optional(p).await?);
        id.map(OrgId::new).ok_or(StoreError::NotFound)
    }
}
