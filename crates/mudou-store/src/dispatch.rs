//! Dispatch: leasing work units to annotators and taking their labels.
//!
//! Each item carries `labels_count` (real answers) and `needed` (how many it should
//! get by now). An active assignment holds a lease on each item it shows; leases count
//! against `needed`, so an item is never handed to more people than it needs. On
//! PostgreSQL the rows are locked (`FOR UPDATE`, `SKIP LOCKED` for units) so several
//! server processes can lease at once; on SQLite the single writer serialises it.

use std::collections::HashMap;

use crate::sql::{ASSIGNMENT_COLS, in_list, lock, params};
use crate::writes::{FinishJob, LeaseJob, WriteDone, WriteJob};
use crate::{ConsensusUpdate, ItemLabels, OpenOrder, Result, Standing, Store, StoreError};
use mudou_domain::{AssignmentId, CentreId, Finish, ItemId, ItemState, OrderId, UserId};

/// A consensus that leaves every item open as it is: for batches without labels (leases,
/// heartbeats, ends of units), and for callers that decide nothing.
pub fn keep_open(_order_id: i64, item: &ItemLabels) -> ConsensusUpdate {
    ConsensusUpdate {
        state: ItemState::Open,
        answer: None,
        confidence: None,
        needed: item.needed,
        agrees: Vec::new(),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Assignment {
    pub id: i64,
    pub unit_id: i64,
    pub order_id: i64,
    pub annotator_id: i64,
    pub centre_id: i64,
    pub state: String,
    pub leased_at: i64,
    pub lease_expires_at: i64,
    pub finished_at: Option<i64>,
    /// Where in the unit this assignment starts (see [`Store::assignment_items`]).
    pub item_offset: i64,
}

/// An item as an annotator sees it in their assignment.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AssignmentItem {
    pub item_id: i64,
    pub kind: String,
    pub sha256: Option<String>,
    pub body: Option<String>,
    pub width: Option<i64>,
    pub height: Option<i64>,
    /// The annotator's answer so far (JSON), if any.
    pub answer: Option<String>,
    pub skip_reason: Option<String>,
    /// A record's fields (JSON); `None` for a one-field item from before.
    pub fields: Option<String>,
}

impl AssignmentItem {
    /// Every field of the item (see [`crate::item_fields`]).
    pub fn fields(&self) -> Vec<crate::ItemField> {
        crate::item_fields(
            self.fields.as_deref(),
            &self.kind,
            self.sha256.as_deref(),
            self.body.as_deref(),
            self.width.zip(self.height),
        )
    }
}

/// A label as submitted.
#[derive(Debug, Clone)]
pub struct NewLabel {
    pub client_uuid: String,
    pub assignment_id: i64,
    pub item_id: i64,
    pub annotator_id: i64,
    /// JSON answer, or `None` for a skip.
    pub answer: Option<String>,
    pub skip_reason: Option<String>,
    pub client_ms: i64,
    pub server_ms: i64,
    /// What the label earns when accepted, in fen (the order's pay policy).
    pub pay_fen: i64,
    /// The order pays on submit rather than on acceptance.
    pub pay_on_submit: bool,
    /// The order's instructions version in force when the label came (from the cached
    /// order spec: no query of its own); `None` where not known.
    pub instructions_version: Option<i64>,
    /// The model suggestion the annotator was shown (`suggestions.id`), and what they did
    /// with it (`accepted`, `fixed`, `rejected`: `mudou_domain::suggest::Outcome`).
    pub suggestion_id: Option<i64>,
    pub suggestion_outcome: Option<&'static str>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SubmitOutcome {
    /// Stored (or, when `replay`, the same UUID was already stored: nothing changed).
    Stored {
        label_id: i64,
        replay: bool,
        item_state: ItemState,
    },
    /// The annotator changed their answer to an item of the open unit.
    Changed {
        label_id: i64,
        item_state: ItemState,
    },
}

/// What [`Store::audit_order`] finds. All but `leases` and `labels` must be zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, sqlx::FromRow)]
pub struct OrderAudit {
    /// Work items with more answers (that count for consensus) than they need.
    pub over_labelled: i64,
    /// (item, annotator) pairs with more than one label.
    pub duplicate_labels: i64,
    /// Items whose answer count disagrees with their stored answers.
    pub count_mismatch: i64,
    /// Leases held by an assignment that is no longer live.
    pub stray_leases: i64,
    /// Units whose slot count disagrees with their assignments.
    pub slot_mismatch: i64,
    /// Leases held right now, and labels stored (answers and skips).
    pub leases: i64,
    pub labels: i64,
}

/// What grading a training unit needs: the pass share and the qualification it grants.
#[derive(Debug, Clone, Copy)]
pub struct TrainingGrade<'a> {
    pub pass_share: f64,
    pub qualification: &'a str,
}

/// How a training unit went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainingResult {
    /// Items in the unit, and how many were answered right.
    pub total: i64,
    pub right: i64,
    pub passed: bool,
    pub qualification: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmitRefusal {
    /// The assignment is not this annotator's.
    NotYours,
    /// The item is not in the assignment's unit.
    NotInUnit,
    /// The unit was already submitted: answers are final.
    UnitClosed,
    /// The lease expired and the item has all the labels it needs.
    NoLongerNeeded,
    /// The UUID was used for another label.
    UuidReused,
}

/// How long an open question holds its unit past the lease: three days (a question asked on
/// a Friday evening is still held when the lead is back on Monday); then the unit lapses like
/// any other, so one unanswered question never keeps items from an order for good. The
/// question stays open and is answered all the same.
pub const QUESTION_HOLD_MS: i64 = 72 * 3600 * 1000;

/// Leases that do not lapse: an open question of the annotator's, asked less than
/// [`QUESTION_HOLD_MS`] before `now` (the statement's parameter named), holds the item for them.
fn holding(now: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM questions q WHERE q.assignment_id = assignments.id \
         AND q.hold AND q.answered_at IS NULL AND q.created_at > {now} - {QUESTION_HOLD_MS})"
    )
}

impl Store {
    pub async fn open_orders(&self) -> Result<std::sync::Arc<Vec<OpenOrder>>> {
        if let Some(v) = self.caches.open_orders.get(&()) {
            return Ok(v);
        }
        let changes = || {
            self.caches
                .orders_changed
                .load(std::sync::atomic::Ordering::SeqCst)
        };
        let before = changes();
        let sql = "SELECT id, org_id, name, priority, deadline, published_at FROM orders WHERE state = 'open'";
        let v: std::sync::Arc<Vec<OpenOrder>> =
            on_read!(self, p => sqlx::query_as::<_, (i64, i64, String, i64, Option<i64>, Option<i64>)>(sql).fetch_all(p).await?)
                .into_iter()
                .map(|(id, org_id, name, priority, deadline, published_at)| OpenOrder { id, org_id, name, priority, deadline, published_at })
                .collect::<Vec<_>>()
                .into();
        if changes() == before {
            self.caches.open_orders.insert((), v.clone());
        }
        Ok(v)
    }

    /// Ends leases that ran out: their unlabelled items go back to the pool, and their
    /// units' slots are free again.
    pub async fn expire_leases(&self, now: i64) -> Result<u64> {
        retry_transient!(self.expire_once(now).await)
    }

    async fn expire_once(&self, now: i64) -> Result<u64> {
        // Most calls find nothing: look with a reader first, so the writer is not taken
        // on every request for work.
        let look = format!(
            "SELECT id, unit_id FROM assignments WHERE state = 'active' AND lease_expires_at < $1 \
             AND NOT {} ORDER BY id LIMIT 500",
            holding("$1")
        );
        let due: Vec<(i64, i64)> = on_read!(self, p => sqlx::query_as(&look)
            .bind(now).fetch_all(p).await?);
        if due.is_empty() {
            return Ok(0);
        }
        let mut units: Vec<i64> = due.iter().map(|d| d.1).collect();
        units.sort_unstable();
        units.dedup();
        let ids: Vec<i64> = due.iter().map(|d| d.0).collect();
        let lock = lock(self.backend(), " FOR UPDATE");
        // The writers' lock order: units, assignments (checked again once locked: a label may
        // have renewed one meanwhile), then their leases.
        let lock_units = self.sql(format!(
            "SELECT id FROM work_units WHERE id IN ({}) ORDER BY id{lock}",
            params(1, units.len())
        ));
        let still_due = self.sql(format!(
                "SELECT id, unit_id FROM assignments WHERE id IN ({}) AND state = 'active' AND lease_expires_at < $1 AND NOT {} \
             ORDER BY id{lock}",
                params(2, ids.len()),
                holding("$1")
            ),
        );
        Ok(in_tx!(self, tx => {
            let mut q = sqlx::query(&lock_units);
            for u in &units { q = q.bind(u); }
            q.execute(&mut *tx).await?;
            let mut q = sqlx::query_as(&still_due).bind(now);
            for id in &ids { q = q.bind(id); }
            let due: Vec<(i64, i64)> = q.fetch_all(&mut *tx).await?;
            if due.is_empty() {
                return Ok(0);
            }
            let ids: Vec<i64> = due.iter().map(|d| d.0).collect();
            let sql = self.sql(format!(
                "UPDATE assignments SET state = 'expired', finished_at = $1 WHERE id IN ({})",
                params(2, ids.len())));
            let mut q = sqlx::query(&sql).bind(now);
            for id in &ids { q = q.bind(id); }
            let n = q.execute(&mut *tx).await?.rows_affected();
            let sql = self.sql(format!("DELETE FROM item_leases WHERE assignment_id IN ({})", params(1, ids.len())));
            let mut q = sqlx::query(&sql);
            for id in &ids { q = q.bind(id); }
            q.execute(&mut *tx).await?;
            let mut freed: Vec<i64> = due.iter().map(|d| d.1).collect();
            freed.sort_unstable();
            for unit in &freed {
                sqlx::query("UPDATE work_units SET taken = taken - 1 WHERE id = $1 AND taken > 0")
                    .bind(unit).execute(&mut *tx).await?;
            }
            n
        }))
    }

    /// The annotator's live assignment, if any (a shared PC or a power cut brings it back).
    pub async fn active_assignment(
        &self,
        annotator_id: UserId,
        now: i64,
    ) -> Result<Option<Assignment>> {
        let sql = self.sql(format!(
                "SELECT {ASSIGNMENT_COLS} FROM assignments WHERE annotator_id = $1 AND state = 'active' \
             AND (lease_expires_at >= $2 OR {}) ORDER BY id DESC LIMIT 1",
                holding("$2")
            ),
        );
        Ok(
            on_read!(self, p => sqlx::query_as::<_, Assignment>(&sql).bind(annotator_id.get()).bind(now).fetch_optional(p).await?),
        )
    }

    /// Who holds an assignment, of which order and centre: `(annotator, order, centre)`.
    /// These never change, so they are kept in memory once read.
    pub async fn assignment_owner(&self, assignment_id: AssignmentId) -> Result<(i64, i64, i64)> {
        if let Some(o) = self.caches.assignment_owner.get(&assignment_id.get()) {
            return Ok(o);
        }
        let row: Option<(i64, i64, i64)> = on_read!(self, p => sqlx::query_as(
            "SELECT annotator_id, order_id, centre_id FROM assignments WHERE id = $1")
            .bind(assignment_id.get()).fetch_optional(p).await?);
        let o = row.ok_or(StoreError::NotFound)?;
        self.caches.assignment_owner.insert(assignment_id.get(), o);
        Ok(o)
    }

    pub async fn get_assignment(
        &self,
        annotator_id: UserId,
        assignment_id: AssignmentId,
    ) -> Result<Assignment> {
        let sql = self.sql(format!(
            "SELECT {ASSIGNMENT_COLS} FROM assignments WHERE id = $1 AND annotator_id = $2"
        ));
        on_read!(self, p => sqlx::query_as::<_, Assignment>(&sql).bind(assignment_id.get()).bind(annotator_id.get()).fetch_optional(p).await?)
            .ok_or(StoreError::NotFound)
    }

    /// Leases the annotator a unit of a work order (see [`Store::lease`]).
    pub async fn lease_unit(
        &self,
        order_id: OrderId,
        annotator_id: UserId,
        centre_id: CentreId,
        now: i64,
        lease_ms: i64,
        topup_size: i64,
    ) -> Result<Option<Assignment>> {
        self.lease(
            order_id,
            annotator_id,
            centre_id,
            now,
            lease_ms,
            topup_size,
            false,
        )
        .await
    }

    /// Leases the annotator a unit of `order_id`: the first planned unit with a free
    /// slot that still has items they may label (for a work order, at least one that is
    /// not gold; a training order's units are all gold), or else a top-up unit of up to
    /// `topup_size` items that need more labels. `None` when the order has nothing for them.
    #[allow(clippy::too_many_arguments)]
    pub async fn lease(
        &self,
        order_id: OrderId,
        annotator_id: UserId,
        centre_id: CentreId,
        now: i64,
        lease_ms: i64,
        topup_size: i64,
        training: bool,
    ) -> Result<Option<Assignment>> {
        let job = WriteJob::Lease(LeaseJob {
            order_id: order_id.get(),
            annotator_id: annotator_id.get(),
            centre_id: centre_id.get(),
            topup_size,
            training,
        });
        match self.write_one(job, now, lease_ms, keep_open).await? {
            WriteDone::Lease { unit, .. } => Ok(unit),
            other => unreachable!("a lease answers a lease: {other:?}"),
        }
    }

    /// The items an assignment shows: those it leases and those already answered in it,
    /// from where in the unit it starts (`item_offset`) round to just before it.
    ///
    /// Every key is a parameter of its own, not a column of a joined assignment: joined
    /// through `assignments`, PostgreSQL turned the lease test into a hashed subplan that
    /// read every lease of the order (with its planning, a fifth of PostgreSQL's time in
    /// the dispatch bench). A fresh assignment needs none of this: [`Store::fresh_items`].
    pub async fn assignment_items(&self, a: &Assignment) -> Result<Vec<AssignmentItem>> {
        let sql = "SELECT i.id AS item_id, i.kind, i.sha256, i.body, b.width, b.height, l.answer, l.skip_reason, i.fields \
                   FROM unit_items u JOIN items i ON i.id = u.item_id LEFT JOIN blobs b ON b.sha256 = i.sha256 \
                   LEFT JOIN labels l ON l.order_id = $2 AND l.item_id = u.item_id AND l.annotator_id = $3 \
                   WHERE u.unit_id = $4 AND (l.assignment_id = $1 OR u.item_id IN \
                       (SELECT il.item_id FROM item_leases il WHERE il.assignment_id = $1)) \
                   ORDER BY u.pos < $5, u.pos";
        Ok(on_read!(self, p => sqlx::query_as::<_, AssignmentItem>(sql)
            .bind(a.id).bind(a.order_id).bind(a.annotator_id).bind(a.unit_id).bind(a.item_offset)
            .fetch_all(p).await?))
    }

    /// The items of a fresh assignment: `ids` (a lease's items, in the order shown), none
    /// of them answered yet. Two tables looked up by key, so a new unit's items cost far
    /// less than [`Store::assignment_items`] (which also looks for answers and leases).
    pub async fn fresh_items(&self, ids: &[i64]) -> Result<Vec<AssignmentItem>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = in_list(ids.iter().copied());
        let sql = self.sql(format!(
            "SELECT i.id AS item_id, i.kind, i.sha256, i.body, b.width, b.height, \
             CAST(NULL AS TEXT) AS answer, CAST(NULL AS TEXT) AS skip_reason, i.fields \
             FROM items i LEFT JOIN blobs b ON b.sha256 = i.sha256 WHERE i.id IN ({})",
            params(1, list.len())
        ));
        let rows: Vec<AssignmentItem> = on_read!(self, p => {
            let mut q = sqlx::query_as::<_, AssignmentItem>(&sql);
            for id in &list { q = q.bind(id); }
            q.fetch_all(p).await?
        });
        let mut by_id: HashMap<i64, AssignmentItem> =
            rows.into_iter().map(|r| (r.item_id, r)).collect();
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }

    /// Renews an active lease.
    pub async fn renew_lease(
        &self,
        annotator_id: UserId,
        assignment_id: AssignmentId,
        now: i64,
        lease_ms: i64,
    ) -> Result<Assignment> {
        let job = WriteJob::Renew(annotator_id.get(), assignment_id.get());
        match self.write_one(job, now, lease_ms, keep_open).await? {
            WriteDone::Renew(a) => Ok(a),
            other => unreachable!("a renewal answers a renewal: {other:?}"),
        }
    }

    /// Submits or hands back an active assignment (see [`Store::finish_graded`]).
    pub async fn finish_assignment(
        &self,
        annotator_id: UserId,
        assignment_id: AssignmentId,
        to: Finish,
        now: i64,
    ) -> Result<Assignment> {
        Ok(self
            .finish_graded(annotator_id, assignment_id, to, now, None)
            .await?
            .0)
    }

    /// Submits or hands back an active assignment; its leases
    /// end, and a handed-back unit's slot is free again. With `training`, a submitted
    /// unit is graded: an annotator who got at least the pass share of its items right
    /// earns the qualification, in the same transaction.
    pub async fn finish_graded(
        &self,
        annotator_id: UserId,
        assignment_id: AssignmentId,
        to: Finish,
        now: i64,
        training: Option<TrainingGrade<'_>>,
    ) -> Result<(Assignment, Option<TrainingResult>)> {
        let job = WriteJob::Finish(FinishJob {
            annotator_id: annotator_id.get(),
            assignment_id: assignment_id.get(),
            to,
            training: training.map(|t| (t.pass_share, t.qualification.to_owned())),
        });
        match self.write_one(job, now, 0, keep_open).await? {
            WriteDone::Finish(a, t) => Ok((a, t)),
            other => unreachable!("an end answers an end: {other:?}"),
        }
    }

    /// What an annotator may do now: their level, live pauses and qualifications, read
    /// fresh (a lead's change counts at the next request for work).
    pub async fn standing(&self, annotator_id: UserId) -> Result<Standing> {
        let user: Option<(Option<String>, Option<i64>)> = on_read!(self, p => sqlx::query_as(
            "SELECT skill_level, (SELECT MAX(id) FROM assignments WHERE annotator_id = $1) FROM users WHERE id = $1")
            .bind(annotator_id.get()).fetch_optional(p).await?);
        let (level, last_assignment) = user.unwrap_or_default();
        let pauses: Vec<(Option<i64>, String)> = on_read!(self, p => sqlx::query_as(
            "SELECT order_id, reason FROM worker_pauses WHERE annotator_id = $1 AND lifted_at IS NULL ORDER BY id")
            .bind(annotator_id.get()).fetch_all(p).await?);
        let qualifications: Vec<String> = on_read!(self, p => sqlx::query_scalar(
            "SELECT qualification FROM qualifications WHERE annotator_id = $1 AND revoked_at IS NULL ORDER BY qualification")
            .bind(annotator_id.get()).fetch_all(p).await?);
        Ok(Standing {
            level: level.as_deref().and_then(|l| l.parse().ok()),
            paused_everywhere: pauses
                .iter()
                .find(|(o, _)| o.is_none())
                .map(|(_, r)| r.clone()),
            paused_orders: pauses
                .into_iter()
                .filter_map(|(o, r)| o.map(|o| (o, r)))
                .collect(),
            qualifications,
            last_assignment: last_assignment.unwrap_or(0),
        })
    }

    /// A gold item's answer (JSON), for a training order's feedback.
    pub async fn gold_answer(&self, order_id: OrderId, item_id: ItemId) -> Result<Option<String>> {
        Ok(on_read!(self, p => sqlx::query_scalar(
            "SELECT gold FROM order_items WHERE order_id = $1 AND item_id = $2")
            .bind(order_id.get()).bind(item_id.get()).fetch_optional(p).await?)
        .flatten())
    }

    /// Checks dispatch's invariants for an order (see [`OrderAudit`]); for tests,
    /// benchmarks and operators.
    pub async fn audit_order(&self, order_id: OrderId, now: i64) -> Result<OrderAudit> {
        let sql = "SELECT \
            (SELECT COUNT(*) FROM order_items oi WHERE oi.order_id = $1 AND oi.is_gold = FALSE AND \
                (SELECT COUNT(*) FROM labels l WHERE l.order_id = $1 AND l.item_id = oi.item_id AND l.answer IS NOT NULL AND l.excluded_reason IS NULL) > oi.needed) AS over_labelled, \
            (SELECT COUNT(*) FROM (SELECT item_id, annotator_id FROM labels WHERE order_id = $1 \
                GROUP BY item_id, annotator_id HAVING COUNT(*) > 1) d) AS duplicate_labels, \
            (SELECT COUNT(*) FROM order_items oi WHERE oi.order_id = $1 AND oi.labels_count <> \
                (SELECT COUNT(*) FROM labels l WHERE l.order_id = $1 AND l.item_id = oi.item_id AND l.answer IS NOT NULL AND l.excluded_reason IS NULL)) AS count_mismatch, \
            (SELECT COUNT(*) FROM item_leases il JOIN assignments a ON a.id = il.assignment_id \
                WHERE il.order_id = $1 AND (a.state <> 'active' OR a.lease_expires_at < $2)) AS stray_leases, \
            (SELECT COUNT(*) FROM item_leases WHERE order_id = $1) AS leases, \
            (SELECT COUNT(*) FROM labels WHERE order_id = $1) AS labels, \
            (SELECT COUNT(*) FROM work_units w WHERE w.order_id = $1 AND w.taken <> \
                (SELECT COUNT(*) FROM assignments a WHERE a.unit_id = w.id AND a.state IN ('active', 'submitted'))) AS slot_mismatch";
        Ok(
            on_read!(self, p => sqlx::query_as::<_, OrderAudit>(sql).bind(order_id.get()).bind(now).fetch_one(p).await?),
        )
    }

    /// Live assignments, and per open order the items still needing labels.
    pub async fn dispatch_gauges(&self, now: i64) -> Result<(i64, Vec<(i64, i64)>)> {
        let active: i64 = on_read!(self, p => sqlx::query_scalar(
            "SELECT COUNT(*) FROM assignments WHERE state = 'active' AND lease_expires_at >= $1")
            .bind(now).fetch_one(p).await?);
        let waiting: Vec<(i64, i64)> = on_read!(self, p => sqlx::query_as(
            "SELECT o.id, (SELECT COUNT(*) FROM order_items oi WHERE oi.order_id = o.id AND oi.is_gold = FALSE \
             AND oi.state = 'open') FROM orders o WHERE o.state = 'open' ORDER BY o.id")
            .fetch_all(p).await?);
        Ok((active, waiting))
    }

    /// Whether a stored file is a picture (of any field) of an item the annotator was given.
    pub async fn annotator_sees_blob(&self, annotator_id: UserId, sha256: &str) -> Result<bool> {
        let sql = "SELECT 1 FROM assignments a JOIN unit_items u ON u.unit_id = a.unit_id \
                   JOIN item_blobs ib ON ib.item_id = u.item_id \
                   WHERE a.annotator_id = $1 AND ib.sha256 = $2 LIMIT 1";
        let hit: Option<i32> = on_read!(self, p => sqlx::query_scalar(sql).bind(annotator_id.get()).bind(sha256).fetch_optional(p).await?);
        Ok(hit.is_some())
    }
}
