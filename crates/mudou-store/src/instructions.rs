//! Living instructions (versions of an order's instructions after publish, and which
//! version each annotator was shown) and the read-alouds recorded for an order.

use crate::{Result, Store, StoreError};
use mudou_domain::{OrderId, OrgId, UserId};

/// One version of an order's instructions.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InstructionsVersion {
    pub version: i64,
    pub instructions: String,
    /// Item ids (JSON array).
    pub examples: String,
    /// The example this version added, with its words.
    pub example_item_id: Option<i64>,
    pub example_words: Option<String>,
    pub created_by: i64,
    pub created_at: i64,
}

/// A new version to store: the order's new spec and what changed.
#[derive(Debug, Clone)]
pub struct NewInstructions {
    /// The version the change was made from (refused if the order moved on meanwhile).
    pub from_version: i64,
    /// The whole spec with the new instructions (JSON).
    pub spec: String,
    /// The spec as it was (written as version 1 when this is the first change).
    pub old_instructions: String,
    pub old_examples: String,
    pub instructions: String,
    pub examples: String,
    pub example_item_id: Option<i64>,
    pub example_words: Option<String>,
}

/// A recorded read-aloud.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Recording {
    pub target: String,
    pub sha256: String,
    pub mime: String,
    pub created_at: i64,
}

impl Store {
    /// Stores a new instructions version of an open or paused order of `org_id`, and makes
    /// its spec the order's: one transaction. `Conflict` when the order is in another state
    /// or changed meanwhile; `NotFound` when it is not the org's.
    pub async fn add_instructions_version(
        &self,
        org_id: OrgId,
        order_id: OrderId,
        n: &NewInstructions,
        by: UserId,
        now: i64,
    ) -> Result<InstructionsVersion> {
        let update = "UPDATE orders SET spec = $3, instructions_version = instructions_version + 1, updated_at = $4 \
                      WHERE id = $1 AND org_id = $2 AND state IN ('open', 'paused') AND instructions_version = $5 \
                      RETURNING instructions_version";
        let first = "INSERT INTO order_instructions (order_id, version, instructions, examples, created_by, created_at) \
                     SELECT $1, 1, $2, $3, created_by, COALESCE(published_at, created_at) FROM orders WHERE id = $1 \
                     ON CONFLICT (order_id, version) DO NOTHING";
        let insert = "INSERT INTO order_instructions (order_id, version, instructions, examples, example_item_id, \
                      example_words, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                      RETURNING version, instructions, examples, example_item_id, example_words, created_by, created_at";
        let out = in_tx!(self, tx => {
            let v: Option<i64> = sqlx::query_scalar(update).bind(order_id.get()).bind(org_id.get()).bind(&n.spec)
                .bind(now).bind(n.from_version).fetch_optional(&mut *tx).await?;
            let Some(v) = v else {
                return Err(StoreError::Conflict("the order is not open or paused, or changed meanwhile".into()));
            };
            if n.from_version == 1 {
                sqlx::query(first).bind(order_id.get()).bind(&n.old_instructions).bind(&n.old_examples)
                    .execute(&mut *tx).await?;
            }
            let row: InstructionsVersion = sqlx::query_as(insert).bind(order_id.get()).bind(v).bind(&n.instructions)
                .bind(&n.examples).bind(n.example_item_id).bind(&n.example_words).bind(by.get()).bind(now)
                .fetch_one(&mut *tx).await?;
            row
        });
        self.caches.order_state_changed();
        Ok(out)
    }

    /// Every stored version of an order's instructions, newest first (none until the first
    /// change after publish).
    pub async fn instructions_versions(
        &self,
        order_id: OrderId,
    ) -> Result<Vec<InstructionsVersion>> {
        let sql = "SELECT version, instructions, examples, example_item_id, example_words, created_by, created_at \
                   FROM order_instructions WHERE order_id = $1 ORDER BY version DESC";
        Ok(on_read!(self, p => sqlx::query_as(sql).bind(order_id.get()).fetch_all(p).await?))
    }

    /// One version of an order's instructions.
    pub async fn instructions_version(
        &self,
        order_id: OrderId,
        version: i64,
    ) -> Result<Option<InstructionsVersion>> {
        let sql = "SELECT version, instructions, examples, example_item_id, example_words, created_by, created_at \
                   FROM order_instructions WHERE order_id = $1 AND version = $2";
        Ok(
            on_read!(self, p => sqlx::query_as(sql).bind(order_id.get()).bind(version).fetch_optional(p).await?),
        )
    }

    /// The latest instructions version the annotator was shown on the order (0: none).
    pub async fn instructions_seen(&self, annotator_id: UserId, order_id: OrderId) -> Result<i64> {
        let sql = "SELECT version FROM instructions_seen WHERE annotator_id = $1 AND order_id = $2";
        let v: Option<i64> = on_read!(self, p => sqlx::query_scalar(sql).bind(annotator_id.get()).bind(order_id.get())
            .fetch_optional(p).await?);
        Ok(v.unwrap_or(0))
    }

    /// The annotator was shown version `version` of the order's instructions.
    pub async fn mark_instructions_seen(
        &self,
        annotator_id: UserId,
        order_id: OrderId,
        version: i64,
        now: i64,
    ) -> Result<()> {
        let sql = "INSERT INTO instructions_seen (annotator_id, order_id, version, seen_at) VALUES ($1, $2, $3, $4) \
                   ON CONFLICT (annotator_id, order_id) DO UPDATE SET version = excluded.version, seen_at = excluded.seen_at \
                   WHERE instructions_seen.version < excluded.version";
        on_write!(self, p => sqlx::query(sql).bind(annotator_id.get()).bind(order_id.get()).bind(version).bind(now)
            .execute(p).await?.rows_affected());
        Ok(())
    }

    /// Records (or replaces) a read-aloud of the order.
    pub async fn put_recording(
        &self,
        order_id: OrderId,
        target: &str,
        sha256: &str,
        mime: &str,
        by: UserId,
        now: i64,
    ) -> Result<()> {
        let sql = "INSERT INTO order_recordings (order_id, target, sha256, mime, created_by, created_at) \
                   VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (order_id, target) DO UPDATE SET sha256 = excluded.sha256, \
                   mime = excluded.mime, created_by = excluded.created_by, created_at = excluded.created_at";
        on_write!(self, p => sqlx::query(sql).bind(order_id.get()).bind(target).bind(sha256).bind(mime).bind(by.get())
            .bind(now).execute(p).await?.rows_affected());
        Ok(())
    }

    /// The order's read-alouds.
    pub async fn recordings(&self, order_id: OrderId) -> Result<Vec<Recording>> {
        let sql = "SELECT target, sha256, mime, created_at FROM order_recordings WHERE order_id = $1 ORDER BY target";
        Ok(on_read!(self, p => sqlx::query_as(sql).bind(order_id.get()).fetch_all(p).await?))
    }
}
