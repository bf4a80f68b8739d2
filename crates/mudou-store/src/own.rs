//! What an annotator is told about themselves on the work and earnings screens: their live
//! pauses (why, by whom, what they cost) and their label pay per day. Every query is the
//! caller's own (`annotator_id`).

use crate::{Result, Store};
use mudou_domain::{CentreId, OrderId, UserId};

/// A pause as its worker sees it (live, or lifted lately).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MyPause {
    pub id: i64,
    /// `None`: all work is paused.
    pub order_id: Option<i64>,
    pub order_name: Option<String>,
    /// `lead`, or the rule that fired: `gold_accuracy`, `too_fast`, `spam`.
    pub reason: String,
    /// A lead's note, or a rule's figures (JSON).
    pub note: Option<String>,
    /// The lead who paused (a rule's pause: `None`).
    pub by_name: Option<String>,
    pub created_at: i64,
    /// `None` while it holds.
    pub lifted_at: Option<i64>,
    /// Labels of the stretch before the pause left out, and what they would have earned.
    pub unpaid_labels: i64,
    pub unpaid_fen: i64,
}

/// One day of a worker's label pay (pending and accepted), and the labels not paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct PaySlice {
    /// The start of a quarter hour (Unix ms); the caller groups them into days.
    pub slot: i64,
    pub fen: i64,
    pub labels: i64,
    pub not_paid: i64,
}

/// Quarter hours: fine enough that any zone's midnight falls on a boundary.
pub const SLICE_MS: i64 = 15 * 60 * 1000;

impl Store {
    /// The caller's live pauses and those lifted since `lifted_since` (what they cost still
    /// shows in today's earnings), newest first.
    pub async fn my_pauses(&self, annotator_id: UserId, lifted_since: i64) -> Result<Vec<MyPause>> {
        let sql = "SELECT p.id, p.order_id, o.name AS order_name, p.reason, p.note, u.display_name AS by_name, \
                   p.created_at, p.lifted_at, \
                   (SELECT COUNT(*) FROM labels l WHERE l.excluded_pause_id = p.id) AS unpaid_labels, \
                   (SELECT CAST(COALESCE(SUM(lp.amount_fen), 0) AS BIGINT) FROM labels l JOIN label_pay lp ON lp.label_id = l.id \
                    WHERE l.excluded_pause_id = p.id) AS unpaid_fen \
                   FROM worker_pauses p LEFT JOIN orders o ON o.id = p.order_id \
                   LEFT JOIN users u ON u.id = p.created_by \
                   WHERE p.annotator_id = $1 AND (p.lifted_at IS NULL OR p.lifted_at >= $2) ORDER BY p.id DESC";
        Ok(
            on_read!(self, p => sqlx::query_as::<_, MyPause>(sql).bind(annotator_id.get()).bind(lifted_since)
            .fetch_all(p).await?),
        )
    }

    /// The display names of a centre's leads (who can lift a pause), by name.
    pub async fn centre_lead_names(&self, centre_id: CentreId) -> Result<Vec<String>> {
        let sql = "SELECT display_name FROM users WHERE centre_id = $1 AND role = 'lead' AND disabled = FALSE \
                   ORDER BY display_name";
        Ok(on_read!(self, p => sqlx::query_scalar(sql).bind(centre_id.get()).fetch_all(p).await?))
    }

    /// The reason of a live pause that stops the caller's work on `order_id` (a pause of
    /// that order or of all work), if any.
    pub async fn pause_on(
        &self,
        annotator_id: UserId,
        order_id: OrderId,
    ) -> Result<Option<String>> {
        let sql = "SELECT reason FROM worker_pauses WHERE annotator_id = $1 AND lifted_at IS NULL \
                   AND (order_id IS NULL OR order_id = $2) ORDER BY id DESC LIMIT 1";
        Ok(
            on_read!(self, p => sqlx::query_scalar(sql).bind(annotator_id.get()).bind(order_id.get())
            .fetch_optional(p).await?),
        )
    }

    /// The caller's label pay from `from` on, per quarter hour with any label (ascending).
    pub async fn my_pay_slices(&self, annotator_id: UserId, from: i64) -> Result<Vec<PaySlice>> {
        let sql = "SELECT CAST((worked_at / 900000) * 900000 AS BIGINT) AS slot, \
                   CAST(COALESCE(SUM(CASE WHEN status IN ('pending', 'accepted') THEN amount_fen ELSE 0 END), 0) AS BIGINT) AS fen, \
                   CAST(COALESCE(SUM(CASE WHEN answered THEN 1 ELSE 0 END), 0) AS BIGINT) AS labels, \
                   CAST(COALESCE(SUM(CASE WHEN status = 'not_paid' THEN 1 ELSE 0 END), 0) AS BIGINT) AS not_paid \
                   FROM label_pay WHERE annotator_id = $1 AND worked_at >= $2 \
                   GROUP BY (worked_at / 900000) ORDER BY 1";
        Ok(
            on_read!(self, p => sqlx::query_as::<_, PaySlice>(sql).bind(annotator_id.get()).bind(from).fetch_all(p).await?),
        )
    }
}
