//! Mistakes returned to learn from: an annotator's labels that a lead's review found wrong
//! (the item's latest decision gave a final answer their label does not agree with, or a
//! gold answer they failed stands), whether they saw them, and the practice units a lead
//! makes of them. Practice answers are not labels: never paid, never part of a consensus.
//! Every query is the annotator's own, or a lead's for their centre's annotators.

use crate::{Result, Store, StoreError};
use mudou_domain::{CentreId, UserId};

/// One wrong label with what the review said.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Mistake {
    /// The label's id: the mistake's id.
    pub label_id: i64,
    pub order_id: i64,
    pub order_name: String,
    pub item_id: i64,
    /// The item's (first field's) kind, file and text.
    pub item_kind: String,
    pub item_sha256: Option<String>,
    pub item_text: Option<String>,
    /// A picture's size (boxes are drawn on it).
    pub width: Option<i64>,
    pub height: Option<i64>,
    /// The annotator's answer and the right one (JSON).
    pub given: String,
    pub answer: String,
    /// The lead's note (only a lead of the annotator's own centre's).
    pub note: Option<String>,
    pub decided_by_name: Option<String>,
    pub decided_at: i64,
    pub seen_at: Option<i64>,
}

/// Shared by the list and the practice unit: `$1` the annotator, `$2` their centre.
const MISTAKE_SELECT: &str = "SELECT l.id AS label_id, l.order_id, o.name AS order_name, l.item_id, \
    i.kind AS item_kind, i.sha256 AS item_sha256, i.body AS item_text, b.width, b.height, l.answer AS given, d.answer, \
    CASE WHEN d.centre_id = $2 THEN d.note END AS note, u.display_name AS decided_by_name, d.decided_at, s.seen_at \
    FROM label_verdicts v JOIN labels l ON l.id = v.label_id \
    JOIN review_decisions d ON d.order_id = l.order_id AND d.item_id = l.item_id \
    JOIN orders o ON o.id = l.order_id JOIN items i ON i.id = l.item_id LEFT JOIN blobs b ON b.sha256 = i.sha256 \
    LEFT JOIN users u ON u.id = d.decided_by LEFT JOIN mistakes_seen s ON s.label_id = l.id \
    WHERE v.annotator_id = $1 AND l.annotator_id = $1 AND v.agrees = FALSE AND l.answer IS NOT NULL \
    AND d.answer IS NOT NULL \
    AND d.id = (SELECT MAX(d2.id) FROM review_decisions d2 WHERE d2.order_id = l.order_id AND d2.item_id = l.item_id)";

/// A practice unit as its annotator sees it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PracticeUnit {
    pub id: i64,
    pub annotator_id: i64,
    pub created_by_name: String,
    pub created_at: i64,
    pub finished_at: Option<i64>,
}

/// One item of a practice unit.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PracticeItem {
    pub pos: i64,
    pub label_id: i64,
    pub order_id: i64,
    pub order_name: String,
    pub item_id: i64,
    pub item_kind: String,
    pub item_sha256: Option<String>,
    pub item_text: Option<String>,
    pub width: Option<i64>,
    pub height: Option<i64>,
    /// The right answer (JSON).
    pub answer: String,
    /// The practice answer (JSON) and whether it was right; `None` until answered.
    pub given: Option<String>,
    pub correct: Option<bool>,
    pub answered_at: Option<i64>,
}

const PRACTICE_UNIT_SELECT: &str = "SELECT p.id, p.annotator_id, u.display_name AS created_by_name, p.created_at, \
    p.finished_at FROM practice_units p JOIN users u ON u.id = p.created_by";

const PRACTICE_ITEM_SELECT: &str = "SELECT pi.pos, pi.label_id, pi.order_id, o.name AS order_name, pi.item_id, \
    i.kind AS item_kind, i.sha256 AS item_sha256, i.body AS item_text, b.width, b.height, pi.answer, pi.given, pi.correct, pi.answered_at \
    FROM practice_items pi JOIN orders o ON o.id = pi.order_id JOIN items i ON i.id = pi.item_id \
    LEFT JOIN blobs b ON b.sha256 = i.sha256";

impl Store {
    /// The annotator's mistakes, newest decision first.
    pub async fn my_mistakes(
        &self,
        annotator_id: UserId,
        centre_id: CentreId,
        limit: i64,
    ) -> Result<Vec<Mistake>> {
        let sql = format!("{MISTAKE_SELECT} ORDER BY d.decided_at DESC, l.id DESC LIMIT $3");
        Ok(
            on_read!(self, p => sqlx::query_as::<_, Mistake>(&sql).bind(annotator_id.get())
            .bind(centre_id.get()).bind(limit).fetch_all(p).await?),
        )
    }

    /// Marks one of the annotator's mistakes seen (the first time counts); `NotFound` when
    /// the label is not a mistake of theirs.
    pub async fn mark_mistake_seen(
        &self,
        annotator_id: UserId,
        centre_id: CentreId,
        label_id: i64,
        now: i64,
    ) -> Result<Mistake> {
        let m = self.my_mistake(annotator_id, centre_id, label_id).await?;
        if m.seen_at.is_some() {
            return Ok(m);
        }
        let ins = "INSERT INTO mistakes_seen (label_id, annotator_id, seen_at) VALUES ($1, $2, $3) \
                   ON CONFLICT (label_id) DO NOTHING";
        on_write!(self, p => sqlx::query(ins).bind(label_id).bind(annotator_id.get()).bind(now)
            .execute(p).await?.rows_affected());
        self.my_mistake(annotator_id, centre_id, label_id).await
    }

    async fn my_mistake(
        &self,
        annotator_id: UserId,
        centre_id: CentreId,
        label_id: i64,
    ) -> Result<Mistake> {
        let sql = format!("{MISTAKE_SELECT} AND l.id = $3");
        on_read!(self, p => sqlx::query_as::<_, Mistake>(&sql).bind(annotator_id.get())
            .bind(centre_id.get()).bind(label_id).fetch_optional(p).await?)
        .ok_or(StoreError::NotFound)
    }

    /// Makes a practice unit of up to `size` of an annotator's latest mistakes (each item
    /// once), for a lead of their centre. `NotFound`: not an annotator of the centre;
    /// `Ok(None)`: they have no mistakes; `Conflict`: a practice unit is still open.
    pub async fn make_practice(
        &self,
        centre_id: CentreId,
        lead_id: UserId,
        annotator_id: UserId,
        size: i64,
        now: i64,
    ) -> Result<Option<i64>> {
        let who = "SELECT 1 FROM users WHERE id = $1 AND centre_id = $2 AND role = 'annotator'";
        let open = "SELECT 1 FROM practice_units WHERE annotator_id = $1 AND finished_at IS NULL";
        let list = format!("{MISTAKE_SELECT} ORDER BY d.decided_at DESC, l.id DESC LIMIT $3");
        let unit = "INSERT INTO practice_units (annotator_id, centre_id, created_by, created_at) \
                    VALUES ($1, $2, $3, $4) RETURNING id";
        let item = "INSERT INTO practice_items (unit_id, pos, label_id, order_id, item_id, answer) \
                    VALUES ($1, $2, $3, $4, $5, $6)";
        Ok(in_tx!(self, tx => {
            let hit: Option<i32> = sqlx::query_scalar(who).bind(annotator_id.get()).bind(centre_id.get())
                .fetch_optional(&mut *tx).await?;
            if hit.is_none() {
                return Err(StoreError::NotFound);
            }
            let busy: Option<i32> = sqlx::query_scalar(open).bind(annotator_id.get()).fetch_optional(&mut *tx).await?;
            if busy.is_some() {
                return Err(StoreError::Conflict("a practice unit of this annotator is still open".into()));
            }
            // Read a few more than needed: an item answered wrongly twice (two orders of one
            // dataset) is practised once.
            let rows: Vec<Mistake> = sqlx::query_as(&list).bind(annotator_id.get()).bind(centre_id.get())
                .bind(size * 2).fetch_all(&mut *tx).await?;
            let mut seen = std::collections::HashSet::new();
            let chosen: Vec<&Mistake> = rows.iter().filter(|m| seen.insert(m.item_id)).take(size as usize).collect();
            if chosen.is_empty() {
                None
            } else {
                let id: i64 = sqlx::query_scalar(unit).bind(annotator_id.get()).bind(centre_id.get())
                    .bind(lead_id.get()).bind(now).fetch_one(&mut *tx).await?;
                for (pos, m) in chosen.iter().enumerate() {
                    sqlx::query(item).bind(id).bind(pos as i64).bind(m.label_id).bind(m.order_id)
                        .bind(m.item_id).bind(&m.answer).execute(&mut *tx).await?;
                }
                Some(id)
            }
        }))
    }

    /// The annotator's open practice unit (the oldest), if any.
    pub async fn open_practice(&self, annotator_id: UserId) -> Result<Option<PracticeUnit>> {
        let sql = format!(
            "{PRACTICE_UNIT_SELECT} WHERE p.annotator_id = $1 AND p.finished_at IS NULL ORDER BY p.id LIMIT 1"
        );
        Ok(
            on_read!(self, p => sqlx::query_as::<_, PracticeUnit>(&sql).bind(annotator_id.get())
            .fetch_optional(p).await?),
        )
    }

    /// A practice unit of the annotator's; `NotFound` otherwise.
    pub async fn my_practice(&self, annotator_id: UserId, unit_id: i64) -> Result<PracticeUnit> {
        let sql = format!("{PRACTICE_UNIT_SELECT} WHERE p.id = $1 AND p.annotator_id = $2");
        on_read!(self, p => sqlx::query_as::<_, PracticeUnit>(&sql).bind(unit_id)
            .bind(annotator_id.get()).fetch_optional(p).await?)
        .ok_or(StoreError::NotFound)
    }

    /// The practice units of a centre's annotator, newest first (`NotFound`: not the centre's).
    pub async fn centre_practice(
        &self,
        centre_id: CentreId,
        annotator_id: UserId,
        limit: i64,
    ) -> Result<Vec<PracticeUnit>> {
        let sql = format!(
            "{PRACTICE_UNIT_SELECT} WHERE p.annotator_id = $1 AND p.centre_id = $2 ORDER BY p.id DESC LIMIT $3"
        );
        Ok(
            on_read!(self, p => sqlx::query_as::<_, PracticeUnit>(&sql).bind(annotator_id.get())
            .bind(centre_id.get()).bind(limit).fetch_all(p).await?),
        )
    }

    /// A practice unit's items, in the order shown.
    pub async fn practice_items(&self, unit_id: i64) -> Result<Vec<PracticeItem>> {
        let sql = format!("{PRACTICE_ITEM_SELECT} WHERE pi.unit_id = $1 ORDER BY pi.pos");
        Ok(
            on_read!(self, p => sqlx::query_as::<_, PracticeItem>(&sql).bind(unit_id).fetch_all(p).await?),
        )
    }

    /// Stores a practice answer (`given`, checked and judged by the caller against
    /// `PracticeItem::answer`). An item answered before keeps its first answer: `Conflict`.
    /// The unit is finished with its last answer. Returns the unit's items as they are now.
    pub async fn answer_practice(
        &self,
        annotator_id: UserId,
        unit_id: i64,
        pos: i64,
        given: &str,
        correct: bool,
        now: i64,
    ) -> Result<Vec<PracticeItem>> {
        let set = "UPDATE practice_items SET given = $3, correct = $4, answered_at = $5 \
                   WHERE unit_id = $1 AND pos = $2 AND given IS NULL \
                   AND EXISTS (SELECT 1 FROM practice_units p WHERE p.id = $1 AND p.annotator_id = $6)";
        let finish = "UPDATE practice_units SET finished_at = $2 WHERE id = $1 AND finished_at IS NULL \
                      AND NOT EXISTS (SELECT 1 FROM practice_items WHERE unit_id = $1 AND given IS NULL)";
        in_tx!(self, tx => {
            let n = sqlx::query(set).bind(unit_id).bind(pos).bind(given).bind(correct).bind(now)
                .bind(annotator_id.get()).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict("this practice item is answered already".into()));
            }
            sqlx::query(finish).bind(unit_id).bind(now).execute(&mut *tx).await?;
        });
        self.practice_items(unit_id).await
    }
}
