//! The expert ladder of medical orders (`mudou_domain::medical`): an item the live
//! consensus escalates on an order with the ladder (`orders.medical`) enters stage `expert`
//! in the labels' own transaction ([`follow`], a follower of [`crate::effects`]) and not
//! the lead's queue (`quality.rs` leaves it out); an expert settles it or refers it to the
//! client's doctor, whose answer is final.
//!
//! A decision is one transaction: the ladder row, the item made final (every answer judged
//! against the final one through [`crate::effects::apply`], as a lead's review does, so
//! verdicts and pay follow), and the expert's pay — one ledger entry per decision, its id
//! kept on the row (unique), never paid twice. A retry with the same `client_uuid` is a
//! replay: nothing changes, nothing more is paid.

use crate::effects::{self, ItemFact, LabelEffects, Verdict};
use crate::ledger::{NewEntry, insert_entry};
use crate::pool::Tx;
use crate::sql::lock;
use crate::{Result, Store, StoreError};
use mudou_domain::{CentreId, ItemId, ItemState, OrderId, UserId};

/// Whether an order's spec (JSON) has the expert ladder: `orders.medical`, written with it.
pub(crate) fn is_medical(spec: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(spec)
        .ok()
        .is_some_and(|v| v.get("medical").is_some_and(|m| m.is_object()))
}

/// An item's place on the ladder, with each step's decision.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LadderRow {
    pub order_id: i64,
    pub item_id: i64,
    /// `expert`, `doctor` or `done`.
    pub stage: String,
    pub entered_at: i64,
    pub expert_id: Option<i64>,
    pub expert_centre_id: Option<i64>,
    /// `settle` or `refer`.
    pub expert_decision: Option<String>,
    pub expert_answer: Option<String>,
    pub expert_note: Option<String>,
    pub expert_at: Option<i64>,
    pub expert_uuid: Option<String>,
    pub expert_fen: i64,
    pub expert_entry_id: Option<i64>,
    pub doctor_id: Option<i64>,
    pub doctor_answer: Option<String>,
    pub doctor_note: Option<String>,
    pub doctor_at: Option<i64>,
    pub doctor_uuid: Option<String>,
    pub doctor_fen: i64,
    /// `expert` or `doctor`: who settled it.
    pub outcome: Option<String>,
    pub done_at: Option<i64>,
}

const LADDER_COLS: &str = "order_id, item_id, stage, entered_at, expert_id, expert_centre_id, expert_decision, \
    expert_answer, expert_note, expert_at, expert_uuid, expert_fen, expert_entry_id, doctor_id, doctor_answer, \
    doctor_note, doctor_at, doctor_uuid, doctor_fen, outcome, done_at";

/// One item waiting at a step of the ladder.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LadderWaiting {
    pub order_id: i64,
    pub item_id: i64,
    pub order_name: String,
    /// Real answers the item has.
    pub labels: i64,
    /// When it entered the step (the expert's: escalated; the doctor's: referred).
    pub waiting_since: i64,
}

/// Who decides, at which step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LadderTier {
    /// An expert of `centre_id`, paid per decision.
    Expert { centre_id: CentreId },
    /// The order's doctor (a client user): each decision costs the order.
    Doctor,
}

/// A decision to store.
#[derive(Debug, Clone)]
pub struct LadderDecision<'a> {
    pub order_id: OrderId,
    pub item_id: ItemId,
    pub user_id: UserId,
    pub tier: LadderTier,
    pub client_uuid: &'a str,
    /// The final answer (JSON, checked against the order); `None`: the expert refers.
    pub answer: Option<&'a str>,
    pub note: Option<&'a str>,
    /// What the decision pays the expert, or costs the order (the doctor), in fen.
    pub fen: i64,
    pub now: i64,
}

/// What became of a decision.
#[derive(Debug, Clone)]
pub enum LadderOutcome {
    /// Stored: the row as it is now.
    Decided(LadderRow),
    /// This UUID was stored before by the same person for the same item: nothing changed.
    Replay(LadderRow),
    /// The item is not waiting for this step (decided already, or no longer escalated).
    NotWaiting(String),
    /// The UUID was used for another decision.
    UuidReused,
}

/// Escalated items of medical orders enter the expert step (an item escalated because it
/// was skipped too often stays the lead's: see `quality.rs`).
pub(crate) async fn follow(tx: &mut Tx<'_>, fx: &LabelEffects) -> Result<()> {
    for it in &fx.items {
        if it.state != ItemState::Escalated || it.state_before == ItemState::Escalated {
            continue;
        }
        on_tx!(tx, c => sqlx::query(
            "INSERT INTO ladder_items (order_id, item_id, stage, entered_at) \
             SELECT oi.order_id, oi.item_id, 'expert', $3 FROM order_items oi JOIN orders o ON o.id = oi.order_id \
             WHERE oi.order_id = $1 AND oi.item_id = $2 AND o.medical = TRUE AND oi.is_gold = FALSE AND oi.skips < $4 \
             ON CONFLICT DO NOTHING")
            .bind(it.order_id).bind(it.item_id).bind(fx.now).bind(crate::quality::SKIPS_FOR_REVIEW)
            .execute(&mut *c).await?.rows_affected());
    }
    Ok(())
}

impl Store {
    /// Items waiting for an expert on `orders` (those whose rules let the expert decide:
    /// [`Store::expert_orders`] filtered by the caller), oldest first, on orders not cancelled,
    /// leaving out items `annotator_id` labelled (no one judges their own answer).
    pub async fn expert_queue(
        &self,
        annotator_id: UserId,
        orders: &[i64],
        limit: i64,
    ) -> Result<Vec<LadderWaiting>> {
        if orders.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = (0..orders.len()).map(|i| format!("${}", i + 3)).collect();
        let sql = format!(
            "SELECT li.order_id, li.item_id, o.name AS order_name, \
             (SELECT COUNT(*) FROM labels l WHERE l.order_id = li.order_id AND l.item_id = li.item_id \
              AND l.answer IS NOT NULL) AS labels, li.entered_at AS waiting_since \
             FROM ladder_items li JOIN orders o ON o.id = li.order_id \
             JOIN order_items oi ON oi.order_id = li.order_id AND oi.item_id = li.item_id \
             WHERE li.stage = 'expert' AND oi.state = 'escalated' AND o.state <> 'cancelled' \
             AND li.order_id IN ({}) \
             AND NOT EXISTS (SELECT 1 FROM labels l WHERE l.order_id = li.order_id AND l.item_id = li.item_id \
                             AND l.annotator_id = $1) \
             ORDER BY li.entered_at, li.order_id, li.item_id LIMIT $2",
            marks.join(", ")
        );
        Ok(on_read!(self, p => {
            let mut q = sqlx::query_as::<_, LadderWaiting>(&sql).bind(annotator_id.get()).bind(limit);
            for o in orders {
                q = q.bind(o);
            }
            q.fetch_all(p).await?
        }))
    }

    /// The orders (not cancelled) with items waiting for an expert.
    pub async fn expert_orders(&self) -> Result<Vec<i64>> {
        let sql = "SELECT DISTINCT li.order_id FROM ladder_items li JOIN orders o ON o.id = li.order_id \
                   WHERE li.stage = 'expert' AND o.state <> 'cancelled' ORDER BY li.order_id";
        Ok(on_read!(self, p => sqlx::query_scalar::<_, i64>(sql).fetch_all(p).await?))
    }

    /// An order's items waiting for its doctor, oldest referral first.
    pub async fn doctor_queue(&self, order_id: OrderId) -> Result<Vec<LadderWaiting>> {
        let sql = "SELECT li.order_id, li.item_id, o.name AS order_name, \
                   (SELECT COUNT(*) FROM labels l WHERE l.order_id = li.order_id AND l.item_id = li.item_id \
                    AND l.answer IS NOT NULL) AS labels, COALESCE(li.expert_at, li.entered_at) AS waiting_since \
                   FROM ladder_items li JOIN orders o ON o.id = li.order_id \
                   JOIN order_items oi ON oi.order_id = li.order_id AND oi.item_id = li.item_id \
                   WHERE li.order_id = $1 AND li.stage = 'doctor' AND oi.state = 'escalated' \
                   ORDER BY waiting_since, li.item_id";
        Ok(on_read!(self, p => sqlx::query_as::<_, LadderWaiting>(sql)
            .bind(order_id.get()).fetch_all(p).await?))
    }

    /// Whether the annotator answered or skipped the item (then they do not judge it).
    pub async fn annotator_labelled(
        &self,
        annotator_id: UserId,
        order_id: OrderId,
        item_id: ItemId,
    ) -> Result<bool> {
        let sql = "SELECT 1 FROM labels WHERE order_id = $1 AND item_id = $2 AND annotator_id = $3 LIMIT 1";
        let hit: Option<i32> = on_read!(self, p => sqlx::query_scalar(sql).bind(order_id.get()).bind(item_id.get())
            .bind(annotator_id.get()).fetch_optional(p).await?);
        Ok(hit.is_some())
    }

    /// Orders with an item holding the file (any field) that waits for an expert or that
    /// `annotator_id` decided as one: the expert's pictures (the caller checks the orders).
    pub async fn ladder_orders_of_blob(
        &self,
        annotator_id: UserId,
        sha256: &str,
    ) -> Result<Vec<i64>> {
        let sql = "SELECT DISTINCT li.order_id FROM ladder_items li JOIN item_blobs ib ON ib.item_id = li.item_id \
                   WHERE ib.sha256 = $1 AND (li.stage = 'expert' OR li.expert_id = $2) ORDER BY li.order_id LIMIT 50";
        Ok(
            on_read!(self, p => sqlx::query_scalar::<_, i64>(sql).bind(sha256).bind(annotator_id.get()).fetch_all(p).await?),
        )
    }

    /// An item's place on the ladder, if it has one.
    pub async fn ladder_row(
        &self,
        order_id: OrderId,
        item_id: ItemId,
    ) -> Result<Option<LadderRow>> {
        let sql =
            format!("SELECT {LADDER_COLS} FROM ladder_items WHERE order_id = $1 AND item_id = $2");
        Ok(on_read!(self, p => sqlx::query_as::<_, LadderRow>(&sql)
            .bind(order_id.get()).bind(item_id.get()).fetch_optional(p).await?))
    }

    /// An item of an order as a decision shows it (its fields), and its real answers as
    /// `(label_id, annotator_id, answer JSON)`, oldest first.
    pub async fn ladder_item(
        &self,
        order_id: OrderId,
        item_id: ItemId,
    ) -> Result<Option<(crate::ReviewItem, Vec<(i64, i64, String)>)>> {
        let item_sql = "SELECT oi.order_id, oi.item_id, i.kind, i.sha256, i.body, b.width, b.height, oi.is_gold, oi.gold, \
             oi.state, oi.answer, oi.confidence, oi.labels_count, oi.needed, oi.skips, oi.final_by, i.fields \
             FROM order_items oi JOIN items i ON i.id = oi.item_id LEFT JOIN blobs b ON b.sha256 = i.sha256 \
             WHERE oi.order_id = $1 AND oi.item_id = $2";
        let answers_sql = "SELECT id, annotator_id, answer FROM labels WHERE order_id = $1 AND item_id = $2 \
                           AND answer IS NOT NULL ORDER BY id";
        Ok(on_read!(self, p => {
            let item = sqlx::query_as::<_, crate::ReviewItem>(item_sql)
                .bind(order_id.get()).bind(item_id.get()).fetch_optional(p).await?;
            match item {
                None => None,
                Some(it) => {
                    let answers: Vec<(i64, i64, String)> = sqlx::query_as(answers_sql)
                        .bind(order_id.get()).bind(item_id.get()).fetch_all(p).await?;
                    Some((it, answers))
                }
            }
        }))
    }

    /// What the ladder has cost an order so far: `(expert fen, expert decisions, doctor fen,
    /// doctor decisions)`.
    pub async fn ladder_cost(&self, order_id: OrderId) -> Result<(i64, i64, i64, i64)> {
        let sql = "SELECT CAST(COALESCE(SUM(expert_fen), 0) AS BIGINT), \
                   CAST(COALESCE(SUM(CASE WHEN expert_id IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT), \
                   CAST(COALESCE(SUM(doctor_fen), 0) AS BIGINT), \
                   CAST(COALESCE(SUM(CASE WHEN doctor_id IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) \
                   FROM ladder_items WHERE order_id = $1";
        Ok(
            on_read!(self, p => sqlx::query_as::<_, (i64, i64, i64, i64)>(sql)
            .bind(order_id.get()).fetch_one(p).await?),
        )
    }

    /// Stores a decision of the ladder (see the module's words). `agrees(answer, final)`
    /// says whether an annotator's answer agrees with the final one (the order's rule).
    pub async fn ladder_decide<F>(&self, d: &LadderDecision<'_>, agrees: F) -> Result<LadderOutcome>
    where
        F: Fn(&str, &str) -> bool,
    {
        let lock = lock(self.backend(), " FOR UPDATE");
        let row_sql = format!(
            "SELECT {LADDER_COLS} FROM ladder_items WHERE order_id = $1 AND item_id = $2{lock}"
        );
        let item_sql =
            format!("SELECT state FROM order_items WHERE order_id = $1 AND item_id = $2{lock}");
        let seen_sql = format!(
            "SELECT {LADDER_COLS} FROM ladder_items WHERE expert_uuid = $1 OR doctor_uuid = $1"
        );
        let (order_id, item_id, user) = (d.order_id.get(), d.item_id.get(), d.user_id.get());
        Ok(in_tx!(self, tx => {
            let seen: Option<LadderRow> = sqlx::query_as(&seen_sql).bind(d.client_uuid).fetch_optional(&mut *tx).await?;
            if let Some(r) = seen {
                let mine = r.order_id == order_id && r.item_id == item_id && match d.tier {
                    LadderTier::Expert { .. } => r.expert_uuid.as_deref() == Some(d.client_uuid) && r.expert_id == Some(user),
                    LadderTier::Doctor => r.doctor_uuid.as_deref() == Some(d.client_uuid) && r.doctor_id == Some(user),
                };
                return Ok(if mine { LadderOutcome::Replay(r) } else { LadderOutcome::UuidReused });
            }
            let row: Option<LadderRow> = sqlx::query_as(&row_sql).bind(order_id).bind(item_id).fetch_optional(&mut *tx).await?;
            let Some(row) = row else {
                return Err(StoreError::NotFound);
            };
            let state: Option<String> = sqlx::query_scalar(&item_sql).bind(order_id).bind(item_id).fetch_optional(&mut *tx).await?;
            let waiting_stage = match d.tier {
                LadderTier::Expert { .. } => "expert",
                LadderTier::Doctor => "doctor",
            };
            if row.stage != waiting_stage {
                let why = match row.stage.as_str() {
                    "done" => "the item is settled already".to_owned(),
                    "doctor" => "an expert referred the item to the doctor already".to_owned(),
                    _ => "the item waits for an expert, not the doctor".to_owned(),
                };
                return Ok(LadderOutcome::NotWaiting(why));
            }
            if state.as_deref() != Some(ItemState::Escalated.as_str()) {
                return Ok(LadderOutcome::NotWaiting("the item is no longer waiting for a decision".into()));
            }
            let mut fx = LabelEffects { now: d.now, reviewed_by: Some(user), ..Default::default() };
            if let Some(final_answer) = d.answer {
                let answers: Vec<(i64, i64, String)> = sqlx::query_as(
                    "SELECT id, annotator_id, answer FROM labels WHERE order_id = $1 AND item_id = $2 \
                     AND answer IS NOT NULL ORDER BY id")
                    .bind(order_id).bind(item_id).fetch_all(&mut *tx).await?;
                sqlx::query("UPDATE order_items SET state = 'resolved', answer = $3, confidence = 1.0, final_by = $4, \
                             final_at = $5 WHERE order_id = $1 AND item_id = $2")
                    .bind(order_id).bind(item_id).bind(final_answer).bind(user).bind(d.now).execute(&mut *tx).await?;
                fx.items.push(ItemFact {
                    order_id, item_id, state_before: ItemState::Escalated, state: ItemState::Resolved,
                    answer: Some(final_answer.to_owned()), confidence: Some(1.0),
                    verdicts: answers.iter().map(|(label_id, annotator_id, a)| Verdict {
                        label_id: *label_id, annotator_id: *annotator_id, agrees: agrees(a, final_answer) }).collect(),
                });
            }
            let (stage, outcome, done_at) = match (d.tier, d.answer) {
                (LadderTier::Expert { .. }, None) => ("doctor", None, None),
                (LadderTier::Expert { .. }, Some(_)) => ("done", Some("expert"), Some(d.now)),
                (LadderTier::Doctor, _) => ("done", Some("doctor"), Some(d.now)),
            };
            match d.tier {
                LadderTier::Expert { centre_id } => {
                    let decision = if d.answer.is_some() { "settle" } else { "refer" };
                    sqlx::query("UPDATE ladder_items SET stage = $3, outcome = $4, done_at = $5, expert_id = $6, \
                                 expert_centre_id = $7, expert_decision = $8, expert_answer = $9, expert_note = $10, \
                                 expert_at = $11, expert_uuid = $12, expert_fen = $13 WHERE order_id = $1 AND item_id = $2")
                        .bind(order_id).bind(item_id).bind(stage).bind(outcome).bind(done_at).bind(user)
                        .bind(centre_id.get()).bind(decision).bind(d.answer).bind(d.note).bind(d.now)
                        .bind(d.client_uuid).bind(d.fen).execute(&mut *tx).await?;
                    if d.fen > 0 {
                        let e = NewEntry {
                            annotator_id: user,
                            centre_id: centre_id.get(),
                            kind: "adjustment",
                            amount_fen: d.fen,
                            label_id: None,
                            order_id: Some(order_id),
                            labels_delta: 0,
                            reverses_id: None,
                            period: None,
                            reason: Some(format!("expert_decision:{item_id}")),
                            created_by: Some(user),
                            work_at: d.now,
                            created_at: d.now,
                        };
                        let mut t = Tx::from(&mut *tx);
                        let entry_id = insert_entry(&mut t, &e).await?;
                        crate::throughput::follow_money(&mut t, std::slice::from_ref(&e)).await?;
                        sqlx::query("UPDATE ladder_items SET expert_entry_id = $3 WHERE order_id = $1 AND item_id = $2")
                            .bind(order_id).bind(item_id).bind(entry_id).execute(&mut *tx).await?;
                    }
                }
                LadderTier::Doctor => {
                    sqlx::query("UPDATE ladder_items SET stage = $3, outcome = $4, done_at = $5, doctor_id = $6, \
                                 doctor_answer = $7, doctor_note = $8, doctor_at = $9, doctor_uuid = $10, doctor_fen = $11 \
                                 WHERE order_id = $1 AND item_id = $2")
                        .bind(order_id).bind(item_id).bind(stage).bind(outcome).bind(done_at).bind(user)
                        .bind(d.answer).bind(d.note).bind(d.now).bind(d.client_uuid).bind(d.fen)
                        .execute(&mut *tx).await?;
                }
            }
            effects::apply(&mut Tx::from(&mut *tx), &fx).await?;
            let now_row: LadderRow = sqlx::query_as(&row_sql).bind(order_id).bind(item_id).fetch_one(&mut *tx).await?;
            LadderOutcome::Decided(now_row)
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::is_medical;

    #[test]
    fn an_order_is_medical_by_its_policy() {
        assert!(is_medical(
            r#"{"name":"x","medical":{"expert_rate_fen":1,"doctor_rate_fen":2,"doctor_user_id":3}}"#
        ));
        assert!(!is_medical(r#"{"name":"x"}"#));
        assert!(!is_medical(r#"{"name":"x","medical":null}"#));
        assert!(!is_medical("not json"));
    }
}
