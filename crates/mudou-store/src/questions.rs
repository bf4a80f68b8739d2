//! Questions on an item: an annotator asks about an item of their unit (a reason, words, a
//! voice note), a lead of their centre answers or forwards it to the order's client, who
//! answers. Every query is scoped by the caller: the asker's own, a centre's, an order's.

use crate::{Result, Store, StoreError};
use mudou_domain::{CentreId, UserId};

/// A question with its item and answer, as every list shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Question {
    pub id: i64,
    pub centre_id: i64,
    pub asker_id: i64,
    pub asker_name: String,
    pub assignment_id: i64,
    pub order_id: i64,
    pub order_name: String,
    pub item_id: i64,
    pub item_kind: String,
    pub item_sha256: Option<String>,
    pub item_text: Option<String>,
    pub reason: String,
    pub body: Option<String>,
    pub voice_sha256: Option<String>,
    pub voice_ms: Option<i64>,
    pub hold: bool,
    pub created_at: i64,
    pub forwarded_at: Option<i64>,
    pub answer_body: Option<String>,
    pub answer_voice_sha256: Option<String>,
    pub answer_voice_ms: Option<i64>,
    /// The item's picture as the answerer marked it up (a blob, by SHA-256).
    pub answer_picture_sha256: Option<String>,
    pub answered_by_name: Option<String>,
    /// `lead` or `client`.
    pub answered_by_role: Option<String>,
    pub answered_at: Option<i64>,
    pub answer_seen_at: Option<i64>,
}

const SELECT: &str = "SELECT q.id, q.centre_id, q.asker_id, a.display_name AS asker_name, q.assignment_id, \
    q.order_id, o.name AS order_name, q.item_id, i.kind AS item_kind, i.sha256 AS item_sha256, i.body AS item_text, \
    q.reason, q.body, q.voice_sha256, q.voice_ms, q.hold, q.created_at, q.forwarded_at, q.answer_body, \
    q.answer_voice_sha256, q.answer_voice_ms, q.answer_picture_sha256, b.display_name AS answered_by_name, b.role AS answered_by_role, \
    q.answered_at, q.answer_seen_at \
    FROM questions q JOIN users a ON a.id = q.asker_id JOIN orders o ON o.id = q.order_id \
    JOIN items i ON i.id = q.item_id LEFT JOIN users b ON b.id = q.answered_by";

/// A question to store (the caller checked the item is leased to the asker).
#[derive(Debug, Clone)]
pub struct NewQuestion {
    pub centre_id: i64,
    pub asker_id: i64,
    pub assignment_id: i64,
    pub order_id: i64,
    pub item_id: i64,
    pub reason: String,
    pub body: Option<String>,
    pub voice: Option<(String, i64)>,
    pub hold: bool,
    pub created_at: i64,
}

/// An answer: words, a voice note (SHA-256, milliseconds) and/or the item's picture marked
/// up (SHA-256).
#[derive(Debug, Clone)]
pub struct NewAnswer {
    pub body: Option<String>,
    pub voice: Option<(String, i64)>,
    pub picture: Option<String>,
    pub by: i64,
    pub at: i64,
    /// Renew the asker's lease to at least this when the question held their item.
    pub lease_until: i64,
}

impl Store {
    pub async fn insert_question(&self, q: &NewQuestion) -> Result<i64> {
        let sql = "INSERT INTO questions (centre_id, asker_id, assignment_id, order_id, item_id, reason, body, \
                   voice_sha256, voice_ms, hold, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                   RETURNING id";
        let (sha, ms) = q.voice.clone().unzip();
        Ok(
            on_write!(self, p => sqlx::query_scalar(sql).bind(q.centre_id).bind(q.asker_id)
            .bind(q.assignment_id).bind(q.order_id).bind(q.item_id).bind(&q.reason).bind(&q.body)
            .bind(sha).bind(ms).bind(q.hold).bind(q.created_at).fetch_one(p).await?),
        )
    }

    pub async fn question(&self, id: i64) -> Result<Question> {
        let sql = format!("{SELECT} WHERE q.id = $1");
        on_read!(self, p => sqlx::query_as::<_, Question>(&sql).bind(id).fetch_optional(p).await?)
            .ok_or(StoreError::NotFound)
    }

    /// The asker's questions, newest first.
    pub async fn my_questions(&self, asker: UserId, limit: i64) -> Result<Vec<Question>> {
        let sql = format!("{SELECT} WHERE q.asker_id = $1 ORDER BY q.id DESC LIMIT $2");
        Ok(
            on_read!(self, p => sqlx::query_as::<_, Question>(&sql).bind(asker.get()).bind(limit)
            .fetch_all(p).await?),
        )
    }

    /// Answered questions of others of the same centre on items this annotator was given
    /// (any unit of theirs that holds the item), newest answer first.
    pub async fn answered_on_my_items(
        &self,
        annotator: UserId,
        centre: CentreId,
        limit: i64,
    ) -> Result<Vec<Question>> {
        let sql = format!(
            "{SELECT} WHERE q.centre_id = $2 AND q.asker_id <> $1 AND q.answered_at IS NOT NULL \
             AND EXISTS (SELECT 1 FROM assignments s JOIN unit_items u ON u.unit_id = s.unit_id \
                         WHERE s.annotator_id = $1 AND u.item_id = q.item_id) \
             ORDER BY q.answered_at DESC, q.id DESC LIMIT $3"
        );
        Ok(
            on_read!(self, p => sqlx::query_as::<_, Question>(&sql).bind(annotator.get())
            .bind(centre.get()).bind(limit).fetch_all(p).await?),
        )
    }

    /// Answered questions of others of the centre on orders where this annotator asked a
    /// question with the same reason, newest answer first: the candidates for "someone
    /// asked what you asked" (the caller decides which are alike).
    pub async fn answered_like_mine(
        &self,
        annotator: UserId,
        centre: CentreId,
        limit: i64,
    ) -> Result<Vec<Question>> {
        let sql = format!(
            "{SELECT} WHERE q.centre_id = $2 AND q.asker_id <> $1 AND q.answered_at IS NOT NULL \
             AND EXISTS (SELECT 1 FROM questions m WHERE m.asker_id = $1 AND m.centre_id = $2 \
                         AND m.order_id = q.order_id AND m.reason = q.reason) \
             ORDER BY q.answered_at DESC, q.id DESC LIMIT $3"
        );
        Ok(
            on_read!(self, p => sqlx::query_as::<_, Question>(&sql).bind(annotator.get())
            .bind(centre.get()).bind(limit).fetch_all(p).await?),
        )
    }

    /// Answered questions of a centre on an order with a reason, newest answer first.
    pub async fn answered_on_order(
        &self,
        centre: CentreId,
        order_id: i64,
        reason: &str,
        limit: i64,
    ) -> Result<Vec<Question>> {
        let sql = format!(
            "{SELECT} WHERE q.order_id = $1 AND q.centre_id = $2 AND q.reason = $3 \
             AND q.answered_at IS NOT NULL ORDER BY q.answered_at DESC, q.id DESC LIMIT $4"
        );
        Ok(
            on_read!(self, p => sqlx::query_as::<_, Question>(&sql).bind(order_id)
            .bind(centre.get()).bind(reason).bind(limit).fetch_all(p).await?),
        )
    }

    /// Whether the annotator was ever given work of the order.
    pub async fn annotator_on_order(&self, annotator: UserId, order_id: i64) -> Result<bool> {
        let sql = "SELECT 1 FROM assignments WHERE annotator_id = $1 AND order_id = $2 LIMIT 1";
        let hit: Option<i32> = on_read!(self, p => sqlx::query_scalar(sql).bind(annotator.get())
            .bind(order_id).fetch_optional(p).await?);
        Ok(hit.is_some())
    }

    /// Whether the file is a picture of the item of an answered question of the centre on
    /// an order the annotator was given work of (such answers reach them: same item, or a
    /// question like theirs).
    pub async fn annotator_sees_question_item(
        &self,
        annotator: UserId,
        centre: CentreId,
        sha256: &str,
    ) -> Result<bool> {
        let sql = "SELECT 1 FROM item_blobs ib JOIN questions q ON q.item_id = ib.item_id \
                   WHERE ib.sha256 = $3 AND q.centre_id = $2 AND q.answered_at IS NOT NULL \
                   AND EXISTS (SELECT 1 FROM assignments s WHERE s.annotator_id = $1 \
                               AND s.order_id = q.order_id) LIMIT 1";
        let hit: Option<i32> = on_read!(self, p => sqlx::query_scalar(sql).bind(annotator.get())
            .bind(centre.get()).bind(sha256).fetch_optional(p).await?);
        Ok(hit.is_some())
    }

    /// Whether the annotator was given the item (in any unit of theirs).
    pub async fn annotator_met_item(&self, annotator: UserId, item_id: i64) -> Result<bool> {
        let sql = "SELECT 1 FROM assignments s JOIN unit_items u ON u.unit_id = s.unit_id \
                   WHERE s.annotator_id = $1 AND u.item_id = $2 LIMIT 1";
        let hit: Option<i32> = on_read!(self, p => sqlx::query_scalar(sql).bind(annotator.get())
            .bind(item_id).fetch_optional(p).await?);
        Ok(hit.is_some())
    }

    /// Marks every answer the asker has seen.
    pub async fn mark_answers_seen(&self, asker: UserId, now: i64) -> Result<u64> {
        let sql = "UPDATE questions SET answer_seen_at = $2 WHERE asker_id = $1 \
                   AND answered_at IS NOT NULL AND answer_seen_at IS NULL";
        Ok(
            on_write!(self, p => sqlx::query(sql).bind(asker.get()).bind(now).execute(p).await?
            .rows_affected()),
        )
    }

    /// A centre's questions: open ones first (oldest first), then answered (newest first).
    pub async fn centre_questions(&self, centre: CentreId, limit: i64) -> Result<Vec<Question>> {
        let sql = format!(
            "{SELECT} WHERE q.centre_id = $1 ORDER BY (q.answered_at IS NOT NULL), \
             CASE WHEN q.answered_at IS NULL THEN q.id ELSE -q.id END LIMIT $2"
        );
        Ok(
            on_read!(self, p => sqlx::query_as::<_, Question>(&sql).bind(centre.get()).bind(limit)
            .fetch_all(p).await?),
        )
    }

    /// An order's questions a client sees: forwarded ones and answered ones, open first.
    pub async fn order_questions(&self, order_id: i64, limit: i64) -> Result<Vec<Question>> {
        let sql = format!(
            "{SELECT} WHERE q.order_id = $1 AND (q.forwarded_at IS NOT NULL OR q.answered_at IS NOT NULL) \
             ORDER BY (q.answered_at IS NOT NULL), q.id DESC LIMIT $2"
        );
        Ok(
            on_read!(self, p => sqlx::query_as::<_, Question>(&sql).bind(order_id).bind(limit)
            .fetch_all(p).await?),
        )
    }

    /// Answers an open question; `Conflict` when it was already answered. A held item's
    /// lease is renewed so the asker can act on the answer.
    pub async fn answer_question(&self, id: i64, a: &NewAnswer) -> Result<()> {
        let (sha, ms) = a.voice.clone().unzip();
        let upd = "UPDATE questions SET answer_body = $2, answer_voice_sha256 = $3, answer_voice_ms = $4, \
                   answered_by = $5, answered_at = $6, answer_picture_sha256 = $7 \
                   WHERE id = $1 AND answered_at IS NULL RETURNING assignment_id, hold";
        let renew = "UPDATE assignments SET lease_expires_at = $2 WHERE id = $1 AND state = 'active' \
                     AND lease_expires_at < $2";
        in_tx!(self, tx => {
            let row: Option<(i64, bool)> = sqlx::query_as(upd).bind(id).bind(&a.body).bind(&sha).bind(ms)
                .bind(a.by).bind(a.at).bind(&a.picture).fetch_optional(&mut *tx).await?;
            let Some((assignment, hold)) = row else {
                return Err(StoreError::Conflict("this question was already answered".into()));
            };
            if hold {
                sqlx::query(renew).bind(assignment).bind(a.lease_until).execute(&mut *tx).await?;
            }
            Ok(())
        })
    }

    /// Forwards an open question to the order's client; `Conflict` when it was answered or
    /// forwarded already.
    pub async fn forward_question(&self, id: i64, by: i64, now: i64) -> Result<()> {
        let sql = "UPDATE questions SET forwarded_by = $2, forwarded_at = $3 WHERE id = $1 \
                   AND answered_at IS NULL AND forwarded_at IS NULL";
        let n = on_write!(self, p => sqlx::query(sql).bind(id).bind(by).bind(now).execute(p).await?
            .rows_affected());
        if n == 0 {
            return Err(StoreError::Conflict(
                "this question was already answered or forwarded".into(),
            ));
        }
        Ok(())
    }

    /// The latest items a centre's annotators were given, newest first (one per
    /// assignment): (assignment, annotator, order, item). For the demo's questions.
    pub async fn latest_given_items(
        &self,
        centre: CentreId,
        limit: i64,
    ) -> Result<Vec<(i64, i64, i64, i64)>> {
        let sql = "SELECT s.id, s.annotator_id, s.order_id, MIN(l.item_id) FROM assignments s \
                   JOIN labels l ON l.assignment_id = s.id WHERE s.centre_id = $1 \
                   GROUP BY s.id, s.annotator_id, s.order_id ORDER BY s.id DESC LIMIT $2";
        Ok(
            on_read!(self, p => sqlx::query_as(sql).bind(centre.get()).bind(limit)
            .fetch_all(p).await?),
        )
    }
}
