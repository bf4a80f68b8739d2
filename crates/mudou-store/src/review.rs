//! The lead's review queue, decisions on items, clients' flags, and leaving the labels of
//! a quality-paused stretch out of consensus.
//!
//! Scope: a lead sees an item when one of their centre's annotators labelled (or skipped)
//! it, and a gold failure when the failing label is their centre's. Answers shown are
//! their centre's only. Decisions go through [`crate::effects::apply`] in their own
//! transaction, like labels, so pay and quality follow.

use std::collections::BTreeMap;

use crate::effects::{self, Exclusion, ItemFact, LabelEffects, Verdict};
use crate::pool::Tx;
use crate::sql::{item_state, lock, params};
use crate::{ConsensusUpdate, ItemLabels, Result, Store, StoreError};
use mudou_domain::{CentreId, ItemId, ItemState, OrderId, OrgId, UserId};

/// What the queue may be narrowed to.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    pub order_id: Option<i64>,
    /// `escalated`, `skipped`, `gold_failure` or `client_flag`.
    pub reason: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

/// One item waiting in a centre's queue.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct QueueRow {
    pub order_id: i64,
    pub item_id: i64,
    /// When it first entered the queue.
    pub since: i64,
}

/// An open entry of a queued item.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct QueueEntry {
    pub id: i64,
    pub order_id: i64,
    pub item_id: i64,
    pub reason: String,
    pub label_id: Option<i64>,
    pub note: Option<String>,
    pub created_at: i64,
}

/// A queued item with what a lead needs to decide.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReviewItem {
    pub order_id: i64,
    pub item_id: i64,
    pub kind: String,
    pub sha256: Option<String>,
    pub body: Option<String>,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub is_gold: bool,
    pub gold: Option<String>,
    #[sqlx(try_from = "String")]
    pub state: ItemState,
    pub answer: Option<String>,
    pub confidence: Option<f64>,
    pub labels_count: i64,
    pub needed: i64,
    pub skips: i64,
    pub final_by: Option<i64>,
    /// A record's fields (JSON); `None` for a one-field item from before.
    pub fields: Option<String>,
}

impl ReviewItem {
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

/// One label of the lead's centre on a queued item.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReviewLabel {
    pub label_id: i64,
    pub order_id: i64,
    pub item_id: i64,
    pub annotator_id: i64,
    pub annotator_name: String,
    pub answer: Option<String>,
    pub skip_reason: Option<String>,
    pub client_ms: i64,
    pub created_at: i64,
    pub excluded: bool,
    /// Whether it agrees with the gold or final answer, once judged.
    pub agrees: Option<bool>,
}

/// Per order, how many items wait in the centre's queue, by reason.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct QueueCount {
    pub order_id: i64,
    pub order_name: String,
    pub deadline: Option<i64>,
    pub reason: String,
    pub items: i64,
}

/// An item as a decision finds it: its row and every real answer (all centres).
#[derive(Debug, Clone)]
pub struct ItemNow {
    pub order_id: OrderId,
    pub item_id: ItemId,
    pub is_gold: bool,
    pub gold: Option<String>,
    pub state: ItemState,
    pub answer: Option<String>,
    pub confidence: Option<f64>,
    pub labels_count: i64,
    pub needed: i64,
    pub skips: i64,
    /// `(label_id, annotator_id, answer JSON)`, oldest first (left-out labels included).
    pub answers: Vec<(i64, i64, String)>,
}

/// What a decision does to the item, as the server's consensus logic worked it out.
#[derive(Debug, Clone)]
pub enum DecisionPlan {
    /// The item is final with this answer; `agrees` has one entry per answer of
    /// [`ItemNow::answers`].
    Final { answer: String, agrees: Vec<bool> },
    /// More labels: `extra` beyond those it has. `rejected` answers (`(label_id,
    /// annotator_id)`, written answers sent back) are judged wrong by the review: not paid,
    /// their pay reversed.
    SendBack {
        extra: i64,
        rejected: Vec<(i64, i64)>,
    },
    /// A gold item's answer stands (the failures are seen).
    GoldStands,
}

/// A decision as recorded.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Decision {
    pub id: i64,
    pub order_id: i64,
    pub item_id: i64,
    pub centre_id: i64,
    pub decision: String,
    pub answer: Option<String>,
    #[sqlx(try_from = "String")]
    pub state_before: ItemState,
    pub answer_before: Option<String>,
    pub confidence_before: Option<f64>,
    pub extra_labels: Option<i64>,
    pub note: Option<String>,
    pub decided_by: i64,
    pub decided_at: i64,
}

const DECISION_COLS: &str = "id, order_id, item_id, centre_id, decision, answer, state_before, answer_before, \
                             confidence_before, extra_labels, note, decided_by, decided_at";

/// A client's flag on an item, and what became of it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClientFlag {
    pub id: i64,
    pub item_id: i64,
    pub note: Option<String>,
    pub created_at: i64,
    pub closed_at: Option<i64>,
    pub decision: Option<String>,
    /// The item's answer now.
    pub answer: Option<String>,
    #[sqlx(try_from = "String")]
    pub state: ItemState,
}

/// An item of an order with its final answer, as the client sees it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ResultItem {
    pub item_id: i64,
    pub kind: String,
    pub sha256: Option<String>,
    pub body: Option<String>,
    pub file_name: String,
    pub width: Option<i64>,
    pub height: Option<i64>,
    #[sqlx(try_from = "String")]
    pub state: ItemState,
    pub answer: Option<String>,
    pub confidence: Option<f64>,
    /// A lead checked it.
    pub reviewed: bool,
    /// The client flagged it and the flag is still open.
    pub flagged: bool,
}

/// What leaving out (or taking back) a pause's labels did.
#[derive(Debug, Clone, Default)]
pub struct ExclusionOutcome {
    pub labels: i64,
    pub items: i64,
    /// Items whose state changed (e.g. resolved → open: they need new labels).
    pub changed_items: i64,
}

/// How the queue's scope is written: `e` is a `review_entries` row, `$1` the centre.
const IN_SCOPE: &str = "((e.reason = 'gold_failure' AND e.centre_id = $1) OR (e.reason <> 'gold_failure' AND EXISTS \
     (SELECT 1 FROM labels l WHERE l.order_id = e.order_id AND l.item_id = e.item_id AND l.centre_id = $1)))";

impl Store {
    /// The centre's queue: items a client flagged first (a paying customer is waiting on
    /// them), then nearest order deadline first (orders without one last), then the least
    /// certain items (the live consensus's confidence, skill-weighted; entries about no
    /// doubt of the item's, such as gold failures, after them), then the longest waiting.
    pub async fn review_queue(
        &self,
        centre_id: CentreId,
        f: &QueueFilter,
    ) -> Result<Vec<QueueRow>> {
        let mut cond = String::new();
        let mut next = 4;
        if f.order_id.is_some() {
            cond.push_str(&format!(" AND e.order_id = ${next}"));
            next += 1;
        }
        if f.reason.is_some() {
            cond.push_str(&format!(" AND e.reason = ${next}"));
        }
        let sql = self.sql(format!(
                "SELECT e.order_id, e.item_id, MIN(e.created_at) AS since FROM review_entries e \
             JOIN orders o ON o.id = e.order_id \
             LEFT JOIN order_items oi ON oi.order_id = e.order_id AND oi.item_id = e.item_id AND oi.is_gold = FALSE \
             WHERE e.closed_at IS NULL AND o.state <> 'cancelled' AND {IN_SCOPE}{cond} \
             GROUP BY e.order_id, e.item_id, o.deadline, oi.confidence \
             ORDER BY MAX(CASE WHEN e.reason = 'client_flag' THEN 1 ELSE 0 END) DESC, \
             CASE WHEN o.deadline IS NULL THEN 1 ELSE 0 END, o.deadline, \
             COALESCE(oi.confidence, 2.0), since, e.order_id, e.item_id \
             LIMIT $2 OFFSET $3"
            ),
        );
        Ok(on_read!(self, p => {
            let mut q = sqlx::query_as::<_, QueueRow>(&sql).bind(centre_id.get()).bind(f.limit).bind(f.offset);
            if let Some(o) = f.order_id { q = q.bind(o); }
            if let Some(r) = &f.reason { q = q.bind(r.clone()); }
            q.fetch_all(p).await?
        }))
    }

    /// Per order and reason, the items waiting in the centre's queue.
    pub async fn review_counts(&self, centre_id: CentreId) -> Result<Vec<QueueCount>> {
        let sql = self.sql(format!(
                "SELECT e.order_id, o.name AS order_name, o.deadline, e.reason, COUNT(DISTINCT e.item_id) AS items \
             FROM review_entries e JOIN orders o ON o.id = e.order_id \
             WHERE e.closed_at IS NULL AND o.state <> 'cancelled' AND {IN_SCOPE} \
             GROUP BY e.order_id, o.name, o.deadline, e.reason \
             ORDER BY CASE WHEN o.deadline IS NULL THEN 1 ELSE 0 END, o.deadline, e.order_id, e.reason"
            ),
        );
        Ok(
            on_read!(self, p => sqlx::query_as::<_, QueueCount>(&sql).bind(centre_id.get()).fetch_all(p).await?),
        )
    }

    /// The items, open entries and the centre's labels of queued items of one order.
    pub async fn review_details(
        &self,
        centre_id: CentreId,
        order_id: OrderId,
        items: &[ItemId],
    ) -> Result<(Vec<ReviewItem>, Vec<QueueEntry>, Vec<ReviewLabel>)> {
        if items.is_empty() {
            return Ok(Default::default());
        }
        let list = params(3, items.len());
        let items_sql = format!(
            "SELECT oi.order_id, oi.item_id, i.kind, i.sha256, i.body, b.width, b.height, oi.is_gold, oi.gold, oi.state, \
             oi.answer, oi.confidence, oi.labels_count, oi.needed, oi.skips, oi.final_by, i.fields \
             FROM order_items oi JOIN items i ON i.id = oi.item_id LEFT JOIN blobs b ON b.sha256 = i.sha256 \
             WHERE oi.order_id = $1 AND oi.item_id IN ({}) ORDER BY oi.item_id",
            params(2, items.len())
        );
        let entries_sql = format!(
            "SELECT e.id, e.order_id, e.item_id, e.reason, e.label_id, e.note, e.created_at FROM review_entries e \
             WHERE e.order_id = $2 AND e.item_id IN ({list}) AND e.closed_at IS NULL AND {IN_SCOPE} ORDER BY e.id"
        );
        let labels_sql = format!(
            "SELECT l.id AS label_id, l.order_id, l.item_id, l.annotator_id, u.display_name AS annotator_name, l.answer, \
             l.skip_reason, l.client_ms, l.created_at, l.excluded_reason IS NOT NULL AS excluded, v.agrees \
             FROM labels l JOIN users u ON u.id = l.annotator_id LEFT JOIN label_verdicts v ON v.label_id = l.id \
             WHERE l.order_id = $2 AND l.centre_id = $1 AND l.item_id IN ({list}) ORDER BY l.item_id, l.id"
        );
        Ok(on_read!(self, p => {
            let mut q1 = sqlx::query_as::<_, ReviewItem>(&items_sql).bind(order_id.get());
            let mut q2 = sqlx::query_as::<_, QueueEntry>(&entries_sql).bind(centre_id.get()).bind(order_id.get());
            let mut q3 = sqlx::query_as::<_, ReviewLabel>(&labels_sql).bind(centre_id.get()).bind(order_id.get());
            for i in items {
                q1 = q1.bind(i.get());
                q2 = q2.bind(i.get());
                q3 = q3.bind(i.get());
            }
            (q1.fetch_all(p).await?, q2.fetch_all(p).await?, q3.fetch_all(p).await?)
        }))
    }

    /// Every answer on an order as `(annotator_id, answer JSON)` (any centre's: a flag that
    /// two workers wrote the same words compares them, and shows no one's words), at most
    /// `limit`, newest first.
    pub async fn recent_answers(
        &self,
        order_id: OrderId,
        limit: i64,
    ) -> Result<Vec<(i64, String)>> {
        let sql = "SELECT annotator_id, answer FROM labels WHERE order_id = $1 AND answer IS NOT NULL \
                   ORDER BY id DESC LIMIT $2";
        Ok(
            on_read!(self, p => sqlx::query_as::<_, (i64, String)>(sql).bind(order_id.get()).bind(limit)
            .fetch_all(p).await?),
        )
    }

    /// Whether the centre may see the item (one of its people labelled or skipped it).
    pub async fn centre_sees_item(
        &self,
        centre_id: CentreId,
        order_id: OrderId,
        item_id: ItemId,
    ) -> Result<bool> {
        let sql =
            "SELECT 1 FROM labels WHERE order_id = $1 AND item_id = $2 AND centre_id = $3 LIMIT 1";
        let hit: Option<i32> = on_read!(self, p => sqlx::query_scalar(sql).bind(order_id.get()).bind(item_id.get()).bind(centre_id.get())
            .fetch_optional(p).await?);
        Ok(hit.is_some())
    }

    /// Whether a stored file is a picture (of any field) of an item the centre's people were given.
    pub async fn centre_sees_blob(&self, centre_id: CentreId, sha256: &str) -> Result<bool> {
        let sql = "SELECT 1 FROM item_blobs ib WHERE ib.sha256 = $2 AND EXISTS (SELECT 1 FROM unit_items u \
                   JOIN assignments a ON a.unit_id = u.unit_id WHERE u.item_id = ib.item_id AND a.centre_id = $1) LIMIT 1";
        let hit: Option<i32> = on_read!(self, p => sqlx::query_scalar(sql).bind(centre_id.get()).bind(sha256)
            .fetch_optional(p).await?);
        Ok(hit.is_some())
    }

    /// Decides an item of the centre's scope. `plan` sees the item as it is (locked) and
    /// says what to do, or refuses with a reason. One transaction: the item, the decision,
    /// the entries it closes and the label effects (pay, quality) are stored together.
    #[allow(clippy::too_many_arguments)]
    pub async fn decide_review<F>(
        &self,
        centre_id: CentreId,
        lead_id: UserId,
        order_id: OrderId,
        item_id: ItemId,
        decision: &str,
        note: Option<&str>,
        now: i64,
        plan: F,
    ) -> Result<std::result::Result<Decision, String>>
    where
        F: FnOnce(&ItemNow) -> std::result::Result<DecisionPlan, String>,
    {
        let lock = lock(self.backend(), " FOR UPDATE");
        let item_sql = format!(
            "SELECT is_gold, gold, state, answer, confidence, labels_count, needed, skips FROM order_items \
             WHERE order_id = $1 AND item_id = $2{lock}"
        );
        let decision_sql = format!(
            "INSERT INTO review_decisions (order_id, item_id, centre_id, decision, answer, state_before, answer_before, \
             confidence_before, extra_labels, note, decided_by, decided_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING {DECISION_COLS}"
        );
        Ok(in_tx!(self, tx => {
            type Row = (bool, Option<String>, String, Option<String>, Option<f64>, i64, i64, i64);
            let row: Option<Row> = sqlx::query_as(&item_sql).bind(order_id.get()).bind(item_id.get()).fetch_optional(&mut *tx).await?;
            let Some((is_gold, gold, state, answer, confidence, labels_count, needed, skips)) = row else {
                return Err(StoreError::NotFound);
            };
            let seen: Option<i32> = sqlx::query_scalar(
                "SELECT 1 FROM labels WHERE order_id = $1 AND item_id = $2 AND centre_id = $3 LIMIT 1")
                .bind(order_id.get()).bind(item_id.get()).bind(centre_id.get()).fetch_optional(&mut *tx).await?;
            if seen.is_none() {
                return Err(StoreError::NotFound);
            }
            // A medical item on its way up the ladder is the expert's or the doctor's to decide.
            let waiting: Option<String> = sqlx::query_scalar(
                "SELECT stage FROM ladder_items WHERE order_id = $1 AND item_id = $2 AND stage IN ('expert', 'doctor')")
                .bind(order_id.get()).bind(item_id.get()).fetch_optional(&mut *tx).await?;
            if let Some(stage) = waiting {
                return Ok(Err(format!(
                    "this item waits for the medical ladder's {stage}: it decides the item, not a lead")));
            }
            let answers: Vec<(i64, i64, String)> = sqlx::query_as(
                "SELECT id, annotator_id, answer FROM labels WHERE order_id = $1 AND item_id = $2 AND answer IS NOT NULL ORDER BY id")
                .bind(order_id.get()).bind(item_id.get()).fetch_all(&mut *tx).await?;
            let now_item = ItemNow {
                order_id, item_id, is_gold, gold, state: item_state(&state)?, answer: answer.clone(), confidence,
                labels_count, needed, skips, answers,
            };
            let plan = match plan(&now_item) {
                Ok(p) => p,
                Err(why) => return Ok(Err(why)),
            };
            let mut fx = LabelEffects { now, reviewed_by: Some(lead_id.get()), ..Default::default() };
            let (final_answer, extra) = match &plan {
                DecisionPlan::Final { answer: a, agrees } => {
                    sqlx::query("UPDATE order_items SET state = 'resolved', answer = $3, confidence = 1.0, final_by = $4, \
                                 final_at = $5 WHERE order_id = $1 AND item_id = $2")
                        .bind(order_id.get()).bind(item_id.get()).bind(a).bind(lead_id.get()).bind(now).execute(&mut *tx).await?;
                    let verdicts = now_item.answers.iter().zip(agrees)
                        .map(|((label_id, annotator_id, _), agrees)| Verdict {
                            label_id: *label_id, annotator_id: *annotator_id, agrees: *agrees })
                        .collect();
                    fx.items.push(ItemFact {
                        order_id: order_id.get(), item_id: item_id.get(), state_before: now_item.state, state: ItemState::Resolved,
                        answer: Some(a.clone()), confidence: Some(1.0), verdicts,
                    });
                    (Some(a.clone()), None)
                }
                DecisionPlan::SendBack { extra, rejected } => {
                    sqlx::query("UPDATE order_items SET state = 'open', needed = labels_count + $3, final_by = NULL, \
                                 final_at = NULL WHERE order_id = $1 AND item_id = $2")
                        .bind(order_id.get()).bind(item_id.get()).bind(*extra).execute(&mut *tx).await?;
                    fx.items.push(ItemFact {
                        order_id: order_id.get(), item_id: item_id.get(), state_before: now_item.state, state: ItemState::Open,
                        answer: answer.clone(), confidence,
                        verdicts: rejected.iter().map(|(label_id, annotator_id)| Verdict {
                            label_id: *label_id, annotator_id: *annotator_id, agrees: false }).collect(),
                    });
                    (None, Some(*extra))
                }
                DecisionPlan::GoldStands => (now_item.gold.clone(), None),
            };
            let d = sqlx::query_as::<_, Decision>(&decision_sql)
                .bind(order_id.get()).bind(item_id.get()).bind(centre_id.get()).bind(decision).bind(&final_answer).bind(now_item.state.as_str())
                .bind(&answer).bind(confidence).bind(extra).bind(note).bind(lead_id.get()).bind(now)
                .fetch_one(&mut *tx).await?;
            // The decision answers every reason the item waits for; a gold failure of
            // another centre's label is that centre's to see.
            sqlx::query("UPDATE review_entries SET closed_at = $3, closed_by = $4, decision_id = $5 \
                         WHERE order_id = $1 AND item_id = $2 AND closed_at IS NULL \
                         AND (reason <> 'gold_failure' OR centre_id = $6)")
                .bind(order_id.get()).bind(item_id.get()).bind(now).bind(lead_id.get()).bind(d.id).bind(centre_id.get())
                .execute(&mut *tx).await?;
            effects::apply(&mut Tx::from(&mut *tx), &fx).await?;
            Ok(d)
        }))
    }

    /// The decisions taken on an item, oldest first (any centre's: they decide the item).
    pub async fn item_decisions(
        &self,
        order_id: OrderId,
        item_id: ItemId,
    ) -> Result<Vec<Decision>> {
        let sql = self.sql(format!(
                "SELECT {DECISION_COLS} FROM review_decisions WHERE order_id = $1 AND item_id = $2 ORDER BY id"
            ),
        );
        Ok(
            on_read!(self, p => sqlx::query_as::<_, Decision>(&sql).bind(order_id.get()).bind(item_id.get()).fetch_all(p).await?),
        )
    }

    /// The centre's latest decisions.
    pub async fn centre_decisions(&self, centre_id: CentreId, limit: i64) -> Result<Vec<Decision>> {
        let sql = self.sql(format!(
                "SELECT {DECISION_COLS} FROM review_decisions WHERE centre_id = $1 ORDER BY decided_at DESC, id DESC LIMIT $2"
            ),
        );
        Ok(
            on_read!(self, p => sqlx::query_as::<_, Decision>(&sql).bind(centre_id.get()).bind(limit).fetch_all(p).await?),
        )
    }

    /// A client flags an item of their order for review (again: the note is updated).
    pub async fn flag_item(
        &self,
        org_id: OrgId,
        order_id: OrderId,
        item_id: ItemId,
        client_id: UserId,
        note: &str,
        now: i64,
    ) -> Result<ClientFlag> {
        in_tx!(self, tx => {
            let hit: Option<bool> = sqlx::query_scalar(
                "SELECT oi.is_gold FROM order_items oi JOIN orders o ON o.id = oi.order_id \
                 WHERE oi.order_id = $1 AND oi.item_id = $2 AND o.org_id = $3")
                .bind(order_id.get()).bind(item_id.get()).bind(org_id.get()).fetch_optional(&mut *tx).await?;
            match hit {
                None => return Err(StoreError::NotFound),
                Some(true) => return Err(StoreError::Invalid("a gold item's answer is your own".into())),
                Some(false) => {}
            }
            let updated = sqlx::query("UPDATE review_entries SET note = $3 WHERE order_id = $1 AND item_id = $2 \
                                       AND reason = 'client_flag' AND closed_at IS NULL")
                .bind(order_id.get()).bind(item_id.get()).bind(note).execute(&mut *tx).await?.rows_affected();
            if updated == 0 {
                sqlx::query("INSERT INTO review_entries (order_id, item_id, reason, note, created_by, created_at) \
                             VALUES ($1, $2, 'client_flag', $3, $4, $5)")
                    .bind(order_id.get()).bind(item_id.get()).bind(note).bind(client_id.get()).bind(now).execute(&mut *tx).await?;
            }
        });
        self.client_flags(org_id, order_id, Some(item_id))
            .await?
            .pop()
            .ok_or(StoreError::NotFound)
    }

    /// The client's flags on an order (or on one item), newest first.
    pub async fn client_flags(
        &self,
        org_id: OrgId,
        order_id: OrderId,
        item_id: Option<ItemId>,
    ) -> Result<Vec<ClientFlag>> {
        let only_item = if item_id.is_some() {
            " AND e.item_id = $3"
        } else {
            ""
        };
        let sql = self.sql(format!(
                "SELECT e.id, e.item_id, e.note, e.created_at, e.closed_at, d.decision, oi.answer, oi.state \
             FROM review_entries e JOIN orders o ON o.id = e.order_id \
             JOIN order_items oi ON oi.order_id = e.order_id AND oi.item_id = e.item_id \
             LEFT JOIN review_decisions d ON d.id = e.decision_id \
             WHERE e.order_id = $1 AND o.org_id = $2 AND e.reason = 'client_flag'{only_item} ORDER BY e.id DESC"
            ),
        );
        Ok(on_read!(self, p => {
            let mut q = sqlx::query_as::<_, ClientFlag>(&sql).bind(order_id.get()).bind(org_id.get());
            if let Some(i) = item_id { q = q.bind(i.get()); }
            q.fetch_all(p).await?
        }))
    }

    /// A page of an order's items (gold left out) with their answers, for its client.
    pub async fn order_results(
        &self,
        order_id: OrderId,
        state: Option<ItemState>,
        after: i64,
        limit: i64,
    ) -> Result<Vec<ResultItem>> {
        let state_cond = if state.is_some() {
            " AND oi.state = $4"
        } else {
            ""
        };
        let sql = self.sql(format!(
                "SELECT oi.item_id, i.kind, i.sha256, i.body, i.file_name, b.width, b.height, oi.state, oi.answer, \
             oi.confidence, oi.final_by IS NOT NULL AS reviewed, EXISTS (SELECT 1 FROM review_entries e \
             WHERE e.order_id = oi.order_id AND e.item_id = oi.item_id AND e.reason = 'client_flag' \
             AND e.closed_at IS NULL) AS flagged \
             FROM order_items oi JOIN items i ON i.id = oi.item_id LEFT JOIN blobs b ON b.sha256 = i.sha256 \
             WHERE oi.order_id = $1 AND oi.is_gold = FALSE AND oi.item_id > $2{state_cond} \
             ORDER BY oi.item_id LIMIT $3"
            ),
        );
        Ok(on_read!(self, p => {
            let mut q = sqlx::query_as::<_, ResultItem>(&sql).bind(order_id.get()).bind(after).bind(limit);
            if let Some(s) = state { q = q.bind(s.as_str()); }
            q.fetch_all(p).await?
        }))
    }

    /// Items of an order whose final answer a lead gave (accepted or overrode).
    pub async fn reviewed_count(&self, order_id: OrderId) -> Result<i64> {
        let sql = "SELECT COUNT(*) FROM order_items WHERE order_id = $1 AND final_by IS NOT NULL";
        Ok(
            on_read!(self, p => sqlx::query_scalar::<_, i64>(sql).bind(order_id.get()).fetch_one(p).await?),
        )
    }

    /// Pauses whose stretch waits to be left out of consensus.
    pub async fn pending_exclusions(&self) -> Result<Vec<(i64, i64)>> {
        let sql = "SELECT id, order_id FROM worker_pauses WHERE exclude_pending = TRUE AND order_id IS NOT NULL ORDER BY id";
        Ok(on_read!(self, p => sqlx::query_as::<_, (i64, i64)>(sql).fetch_all(p).await?))
    }

    /// Leaves the labels of a pause's stretch out of consensus (`exclude`), or takes them
    /// back, and decides the items they touch again with `decide` (the server's consensus).
    /// Items with a lead's final answer keep it. `labels_count` counts the labels that
    /// count, so dispatch asks for replacements of the ones left out.
    pub async fn exclude_pause_labels<F>(
        &self,
        pause_id: i64,
        exclude: bool,
        now: i64,
        decide: F,
    ) -> Result<ExclusionOutcome>
    where
        F: Fn(&ItemLabels) -> ConsensusUpdate,
    {
        let lock = lock(self.backend(), " FOR UPDATE");
        let pause_sql = format!(
            "SELECT annotator_id, order_id, COALESCE(stretch_from, 0), lifted_at, reason FROM worker_pauses WHERE id = $1{lock}"
        );
        let item_sql = format!(
            "SELECT state, needed, skips, labels_count, answer, confidence, final_by IS NOT NULL FROM order_items \
             WHERE order_id = $1 AND item_id = $2 AND is_gold = FALSE{lock}"
        );
        Ok(in_tx!(self, tx => {
            type P = (i64, Option<i64>, i64, Option<i64>, String);
            let p: Option<P> = sqlx::query_as(&pause_sql).bind(pause_id).fetch_optional(&mut *tx).await?;
            let Some((annotator_id, Some(order_id), from, lifted_at, reason)) = p else {
                return Err(StoreError::NotFound);
            };
            let touched: Vec<(i64, i64)> = if exclude {
                sqlx::query_as(
                    "UPDATE labels SET excluded_reason = $6, excluded_pause_id = $1 \
                     WHERE annotator_id = $2 AND order_id = $3 AND created_at >= $4 AND created_at <= $5 \
                     AND answer IS NOT NULL AND excluded_reason IS NULL RETURNING id, item_id")
                    .bind(pause_id).bind(annotator_id).bind(order_id).bind(from).bind(lifted_at.unwrap_or(i64::MAX))
                    .bind(&reason).fetch_all(&mut *tx).await?
            } else {
                sqlx::query_as(
                    "UPDATE labels SET excluded_reason = NULL, excluded_pause_id = NULL WHERE excluded_pause_id = $1 \
                     RETURNING id, item_id")
                    .bind(pause_id).fetch_all(&mut *tx).await?
            };
            let mut per_item: BTreeMap<i64, i64> = BTreeMap::new();
            for (_, i) in &touched {
                *per_item.entry(*i).or_default() += 1;
            }
            let mut out = ExclusionOutcome { labels: touched.len() as i64, items: per_item.len() as i64, changed_items: 0 };
            // Labels newly left out stay unpaid (the ledger); taken back, they count for
            // consensus again but are not paid after all.
            let excluded = if exclude {
                touched.iter().map(|(id, _)| Exclusion { label_id: *id, reason: reason.clone() }).collect()
            } else {
                Vec::new()
            };
            let mut fx = LabelEffects { now, excluded, ..Default::default() };
            for (item_id, n) in per_item {
                type I = (String, i64, i64, i64, Option<String>, Option<f64>, bool);
                let row: Option<I> = sqlx::query_as(&item_sql).bind(order_id).bind(item_id).fetch_optional(&mut *tx).await?;
                let delta = if exclude { -n } else { n };
                sqlx::query("UPDATE order_items SET labels_count = labels_count + $3 WHERE order_id = $1 AND item_id = $2")
                    .bind(order_id).bind(item_id).bind(delta).execute(&mut *tx).await?;
                let Some((state, needed, skips, _count, old_answer, old_conf, is_final)) = row else {
                    continue; // a gold item: its answers are only checked, never decided
                };
                if is_final {
                    continue;
                }
                let all: Vec<(i64, i64, String, bool)> = sqlx::query_as(
                    "SELECT id, annotator_id, answer, excluded_reason IS NOT NULL FROM labels \
                     WHERE order_id = $1 AND item_id = $2 AND answer IS NOT NULL ORDER BY id")
                    .bind(order_id).bind(item_id).fetch_all(&mut *tx).await?;
                let counted: Vec<&(i64, i64, String, bool)> = all.iter().filter(|l| !l.3).collect();
                let u = decide(&ItemLabels {
                    needed,
                    skips,
                    gold: None,
                    answers: counted.iter().map(|(_, who, a, _)| (*who, a.clone())).collect(),
                    records: {
                        let pairs: Vec<(i64, i64)> = counted.iter().map(|(_, who, _, _)| (order_id, *who)).collect();
                        let known = crate::skills::read_records(&mut Tx::from(&mut *tx), &pairs).await?;
                        pairs.iter().map(|p| known.get(p).copied().unwrap_or_default()).collect()
                    },
                    model: crate::suggest_quality::read_votes(&mut Tx::from(&mut *tx), &[(order_id, item_id)])
                        .await?.remove(&(order_id, item_id)),
                });
                sqlx::query("UPDATE order_items SET state = $3, answer = $4, confidence = $5, needed = $6 \
                             WHERE order_id = $1 AND item_id = $2")
                    .bind(order_id).bind(item_id).bind(u.state.as_str()).bind(&u.answer).bind(u.confidence).bind(u.needed)
                    .execute(&mut *tx).await?;
                let state = item_state(&state)?;
                if u.state != state || u.answer != old_answer || u.confidence != old_conf {
                    out.changed_items += (u.state != state) as i64;
                    let verdicts = if u.state == ItemState::Resolved {
                        counted.iter().zip(&u.agrees).map(|((id, who, _, _), agrees)| Verdict {
                            label_id: *id, annotator_id: *who, agrees: *agrees }).collect()
                    } else {
                        Vec::new()
                    };
                    fx.items.push(ItemFact {
                        order_id, item_id, state_before: state, state: u.state,
                        answer: u.answer.clone(), confidence: u.confidence, verdicts,
                    });
                }
            }
            sqlx::query("UPDATE worker_pauses SET exclude_pending = FALSE, excluded_at = $2 WHERE id = $1")
                .bind(pause_id).bind(if exclude { Some(now) } else { None }).execute(&mut *tx).await?;
            effects::apply(&mut Tx::from(&mut *tx), &fx).await?;
            out
        }))
    }
}
