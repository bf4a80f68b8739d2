//! A lead's care of their people: feedback messages (with read receipts) and the rules'
//! alerts, pauses, qualifications, skill levels, and proposals of new leads that an admin
//! confirms. Every function takes the caller's centre and touches nothing outside it.

use crate::{Result, Store, StoreError};
use mudou_domain::{CentreId, ItemId, OrderId, UserId};

/// A message: a lead's feedback to an annotator, or an alert from a rule to a lead.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Message {
    pub id: i64,
    pub centre_id: i64,
    /// `feedback` or `alert`.
    pub kind: String,
    pub from_id: Option<i64>,
    pub from_name: Option<String>,
    pub to_id: i64,
    pub to_name: String,
    pub body: String,
    pub order_id: Option<i64>,
    pub order_name: Option<String>,
    pub item_id: Option<i64>,
    /// The item's file (images) or text.
    pub item_kind: Option<String>,
    pub item_sha256: Option<String>,
    pub item_text: Option<String>,
    /// The right answer marked on the item (JSON).
    pub answer: Option<String>,
    pub about_id: Option<i64>,
    pub about_name: Option<String>,
    pub pause_id: Option<i64>,
    pub data: Option<String>,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

const MESSAGE_SELECT: &str = "SELECT m.id, m.centre_id, m.kind, m.from_id, f.display_name AS from_name, m.to_id, \
    t.display_name AS to_name, m.body, m.order_id, o.name AS order_name, m.item_id, i.kind AS item_kind, \
    i.sha256 AS item_sha256, i.body AS item_text, m.answer, m.about_id, a.display_name AS about_name, m.pause_id, \
    m.data, m.created_at, m.read_at FROM messages m JOIN users t ON t.id = m.to_id \
    LEFT JOIN users f ON f.id = m.from_id LEFT JOIN users a ON a.id = m.about_id \
    LEFT JOIN orders o ON o.id = m.order_id LEFT JOIN items i ON i.id = m.item_id";

/// Feedback to write.
#[derive(Debug, Clone)]
pub struct NewFeedback {
    pub to_id: UserId,
    pub body: String,
    /// The item it is about (with its order), which the annotator labelled.
    pub item: Option<(OrderId, ItemId)>,
    /// The right answer marked on it (JSON).
    pub answer: Option<String>,
}

/// A pause with the names a screen shows.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Pause {
    pub id: i64,
    pub annotator_id: i64,
    pub annotator_name: String,
    pub centre_id: i64,
    pub order_id: Option<i64>,
    pub order_name: Option<String>,
    pub reason: String,
    pub note: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub lifted_at: Option<i64>,
    pub lifted_by: Option<i64>,
    pub exclude_pending: bool,
    pub excluded_at: Option<i64>,
    /// Labels of the stretch now left out of consensus.
    pub excluded_labels: i64,
}

const PAUSE_SELECT: &str = "SELECT p.id, p.annotator_id, u.display_name AS annotator_name, p.centre_id, p.order_id, \
    o.name AS order_name, p.reason, p.note, p.created_by, p.created_at, p.lifted_at, p.lifted_by, p.exclude_pending, \
    p.excluded_at, (SELECT COUNT(*) FROM labels l WHERE l.excluded_pause_id = p.id) AS excluded_labels \
    FROM worker_pauses p JOIN users u ON u.id = p.annotator_id LEFT JOIN orders o ON o.id = p.order_id";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Qualification {
    pub id: i64,
    pub annotator_id: i64,
    pub qualification: String,
    /// `training` or `lead`.
    pub source: String,
    pub granted_by: Option<i64>,
    pub granted_at: i64,
    pub revoked_at: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LevelChange {
    pub id: i64,
    pub annotator_id: i64,
    pub annotator_name: String,
    pub from_level: Option<String>,
    pub to_level: String,
    /// `rule` or `lead`.
    pub source: String,
    pub changed_by: Option<i64>,
    pub note: Option<String>,
    pub created_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LeadProposal {
    pub id: i64,
    pub annotator_id: i64,
    pub annotator_name: String,
    pub centre_id: i64,
    pub centre_name: String,
    pub proposed_by: i64,
    pub proposed_by_name: String,
    pub note: String,
    pub created_at: i64,
    pub decision: Option<String>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<i64>,
}

const PROPOSAL_SELECT: &str = "SELECT p.id, p.annotator_id, u.display_name AS annotator_name, p.centre_id, \
    c.name AS centre_name, p.proposed_by, l.display_name AS proposed_by_name, p.note, p.created_at, p.decision, \
    p.decided_by, p.decided_at FROM lead_proposals p JOIN users u ON u.id = p.annotator_id \
    JOIN centres c ON c.id = p.centre_id JOIN users l ON l.id = p.proposed_by";

impl Store {
    async fn annotator_in_centre(&self, centre_id: CentreId, annotator_id: UserId) -> Result<()> {
        let sql = "SELECT 1 FROM users WHERE id = $1 AND centre_id = $2 AND role = 'annotator'";
        let hit: Option<i32> = on_read!(self, p => sqlx::query_scalar(sql).bind(annotator_id.get()).bind(centre_id.get())
            .fetch_optional(p).await?);
        hit.map(|_| ()).ok_or(StoreError::NotFound)
    }

    /// Whether a lead of `centre_id` may write to `to_id` (an annotator of the centre) about
    /// `item` (one they labelled): `NotFound` otherwise. Checked before anything else of the
    /// request is looked at, so nothing of another centre's orders shows through.
    pub async fn feedback_in_scope(
        &self,
        centre_id: CentreId,
        to_id: UserId,
        item: Option<(OrderId, ItemId)>,
    ) -> Result<()> {
        self.annotator_in_centre(centre_id, to_id).await?;
        if let Some((order_id, item_id)) = item {
            let sql =
                "SELECT 1 FROM labels WHERE order_id = $1 AND item_id = $2 AND annotator_id = $3";
            let hit: Option<i32> = on_read!(self, p => sqlx::query_scalar(sql).bind(order_id.get()).bind(item_id.get())
                .bind(to_id.get()).fetch_optional(p).await?);
            if hit.is_none() {
                return Err(StoreError::NotFound);
            }
        }
        Ok(())
    }

    /// Sends feedback from a lead to an annotator of their centre. An item must be one the
    /// annotator labelled (so they may see its picture).
    pub async fn send_feedback(
        &self,
        centre_id: CentreId,
        from_id: UserId,
        f: &NewFeedback,
        now: i64,
    ) -> Result<Message> {
        self.feedback_in_scope(centre_id, f.to_id, f.item).await?;
        let sql = "INSERT INTO messages (centre_id, kind, from_id, to_id, body, order_id, item_id, answer, created_at) \
                   VALUES ($1, 'feedback', $2, $3, $4, $5, $6, $7, $8) RETURNING id";
        let id: i64 = on_write!(self, p => sqlx::query_scalar(sql).bind(centre_id.get()).bind(from_id.get()).bind(f.to_id.get())
            .bind(&f.body).bind(f.item.map(|i| i.0.get())).bind(f.item.map(|i| i.1.get())).bind(&f.answer).bind(now)
            .fetch_one(p).await?);
        self.message(id).await
    }

    async fn message(&self, id: i64) -> Result<Message> {
        let sql = format!("{MESSAGE_SELECT} WHERE m.id = $1");
        on_read!(self, p => sqlx::query_as::<_, Message>(&sql).bind(id).fetch_optional(p).await?)
            .ok_or(StoreError::NotFound)
    }

    /// Messages to a user, newest first.
    pub async fn messages_to(
        &self,
        user_id: UserId,
        kind: &str,
        limit: i64,
    ) -> Result<Vec<Message>> {
        let sql = format!(
            "{MESSAGE_SELECT} WHERE m.to_id = $1 AND m.kind = $2 ORDER BY m.id DESC LIMIT $3"
        );
        Ok(
            on_read!(self, p => sqlx::query_as::<_, Message>(&sql).bind(user_id.get()).bind(kind).bind(limit)
            .fetch_all(p).await?),
        )
    }

    /// Feedback the centre's leads sent (with read receipts), newest first; optionally to one annotator.
    pub async fn centre_feedback(
        &self,
        centre_id: CentreId,
        to_id: Option<UserId>,
        limit: i64,
    ) -> Result<Vec<Message>> {
        let to = if to_id.is_some() {
            " AND m.to_id = $3"
        } else {
            ""
        };
        let sql = format!(
            "{MESSAGE_SELECT} WHERE m.centre_id = $1 AND m.kind = 'feedback'{to} ORDER BY m.id DESC LIMIT $2"
        );
        Ok(on_read!(self, p => {
            let mut q = sqlx::query_as::<_, Message>(&sql).bind(centre_id.get()).bind(limit);
            if let Some(t) = to_id { q = q.bind(t.get()); }
            q.fetch_all(p).await?
        }))
    }

    /// Marks a message to `user_id` read (the first time counts); `NotFound` when it is not theirs.
    pub async fn mark_read(&self, user_id: UserId, message_id: i64, now: i64) -> Result<Message> {
        let sql =
            "UPDATE messages SET read_at = COALESCE(read_at, $3) WHERE id = $1 AND to_id = $2";
        let n = on_write!(self, p => sqlx::query(sql).bind(message_id).bind(user_id.get()).bind(now)
            .execute(p).await?.rows_affected());
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        self.message(message_id).await
    }

    /// Unread messages to a user.
    pub async fn unread_count(&self, user_id: UserId, kind: &str) -> Result<i64> {
        let sql =
            "SELECT COUNT(*) FROM messages WHERE to_id = $1 AND kind = $2 AND read_at IS NULL";
        Ok(
            on_read!(self, p => sqlx::query_scalar::<_, i64>(sql).bind(user_id.get()).bind(kind).fetch_one(p).await?),
        )
    }

    /// The centre's pauses, live ones first, then newest.
    pub async fn centre_pauses(
        &self,
        centre_id: CentreId,
        live_only: bool,
        limit: i64,
    ) -> Result<Vec<Pause>> {
        let live = if live_only {
            " AND p.lifted_at IS NULL"
        } else {
            ""
        };
        let sql = format!(
            "{PAUSE_SELECT} WHERE p.centre_id = $1{live} \
             ORDER BY CASE WHEN p.lifted_at IS NULL THEN 0 ELSE 1 END, p.id DESC LIMIT $2"
        );
        Ok(
            on_read!(self, p => sqlx::query_as::<_, Pause>(&sql).bind(centre_id.get()).bind(limit).fetch_all(p).await?),
        )
    }

    pub async fn centre_pause(&self, centre_id: CentreId, pause_id: i64) -> Result<Pause> {
        let sql = format!("{PAUSE_SELECT} WHERE p.id = $1 AND p.centre_id = $2");
        on_read!(self, p => sqlx::query_as::<_, Pause>(&sql).bind(pause_id).bind(centre_id.get()).fetch_optional(p).await?)
            .ok_or(StoreError::NotFound)
    }

    /// A lead pauses an annotator of their centre (on one order, or on all work).
    /// `Conflict` when such a pause is already live.
    pub async fn pause_by_lead(
        &self,
        centre_id: CentreId,
        lead_id: UserId,
        annotator_id: UserId,
        order_id: Option<OrderId>,
        note: &str,
        now: i64,
    ) -> Result<Pause> {
        self.annotator_in_centre(centre_id, annotator_id).await?;
        if let Some(o) = order_id {
            self.order_by_id(o).await?;
        }
        let sql = "INSERT INTO worker_pauses (annotator_id, centre_id, order_id, reason, note, created_by, created_at, stretch_from) \
                   VALUES ($1, $2, $3, 'lead', $4, $5, $6, $6) RETURNING id";
        let id: i64 = on_write!(self, p => sqlx::query_scalar(sql).bind(annotator_id.get()).bind(centre_id.get()).bind(order_id.map(OrderId::get))
            .bind(note).bind(lead_id.get()).bind(now).fetch_one(p).await?);
        self.centre_pause(centre_id, id).await
    }

    /// Lifts a live pause; the automatic rules start afresh for that worker (on that order,
    /// or on all orders for an all-work pause).
    pub async fn lift_pause(
        &self,
        centre_id: CentreId,
        lead_id: UserId,
        pause_id: i64,
        now: i64,
    ) -> Result<Pause> {
        in_tx!(self, tx => {
            let row: Option<(i64, Option<i64>, Option<i64>)> = sqlx::query_as(
                "SELECT annotator_id, order_id, lifted_at FROM worker_pauses WHERE id = $1 AND centre_id = $2")
                .bind(pause_id).bind(centre_id.get()).fetch_optional(&mut *tx).await?;
            let Some((annotator_id, order_id, lifted)) = row else { return Err(StoreError::NotFound) };
            if lifted.is_some() {
                return Err(StoreError::Conflict("the pause was already lifted".into()));
            }
            sqlx::query("UPDATE worker_pauses SET lifted_at = $2, lifted_by = $3, exclude_pending = FALSE WHERE id = $1")
                .bind(pause_id).bind(now).bind(lead_id.get()).execute(&mut *tx).await?;
            sqlx::query("UPDATE worker_order_stats SET rule_since = $3, rule_gold_total = gold_total, \
                         rule_gold_correct = gold_correct, rule_judged = judged, rule_agreed = agreed \
                         WHERE annotator_id = $1 AND ($2 = 0 OR order_id = $2)")
                .bind(annotator_id).bind(order_id.unwrap_or(0)).bind(now).execute(&mut *tx).await?;
        });
        self.centre_pause(centre_id, pause_id).await
    }

    /// Live pauses of an annotator (dispatch refuses them work).
    pub async fn live_pauses(&self, annotator_id: UserId) -> Result<Vec<Pause>> {
        let sql = format!(
            "{PAUSE_SELECT} WHERE p.annotator_id = $1 AND p.lifted_at IS NULL ORDER BY p.id"
        );
        Ok(
            on_read!(self, p => sqlx::query_as::<_, Pause>(&sql).bind(annotator_id.get()).fetch_all(p).await?),
        )
    }

    /// The centre's live qualifications (and revoked ones with `all`).
    pub async fn centre_qualifications(
        &self,
        centre_id: CentreId,
        all: bool,
    ) -> Result<Vec<Qualification>> {
        let live = if all { "" } else { " AND q.revoked_at IS NULL" };
        let sql = format!(
            "SELECT q.id, q.annotator_id, q.qualification, q.source, q.granted_by, q.granted_at, q.revoked_at \
             FROM qualifications q JOIN users u ON u.id = q.annotator_id WHERE u.centre_id = $1{live} \
             ORDER BY q.annotator_id, q.qualification, q.id"
        );
        Ok(
            on_read!(self, p => sqlx::query_as::<_, Qualification>(&sql).bind(centre_id.get()).fetch_all(p).await?),
        )
    }

    /// A lead grants a qualification by hand; `Conflict` when it is already held.
    pub async fn grant_qualification(
        &self,
        centre_id: CentreId,
        lead_id: UserId,
        annotator_id: UserId,
        qualification: &str,
        now: i64,
    ) -> Result<Qualification> {
        self.annotator_in_centre(centre_id, annotator_id).await?;
        let sql = "INSERT INTO qualifications (annotator_id, qualification, source, granted_by, granted_at) \
                   VALUES ($1, $2, 'lead', $3, $4) RETURNING id, annotator_id, qualification, source, granted_by, granted_at, revoked_at";
        Ok(
            on_write!(self, p => sqlx::query_as::<_, Qualification>(sql).bind(annotator_id.get()).bind(qualification)
            .bind(lead_id.get()).bind(now).fetch_one(p).await?),
        )
    }

    /// A lead revokes a live qualification of their centre.
    pub async fn revoke_qualification(
        &self,
        centre_id: CentreId,
        lead_id: UserId,
        qualification_id: i64,
        now: i64,
    ) -> Result<Qualification> {
        let sql = "UPDATE qualifications SET revoked_at = $3, revoked_by = $4 WHERE id = $1 AND revoked_at IS NULL \
                   AND annotator_id IN (SELECT id FROM users WHERE centre_id = $2) \
                   RETURNING id, annotator_id, qualification, source, granted_by, granted_at, revoked_at";
        on_write!(self, p => sqlx::query_as::<_, Qualification>(sql).bind(qualification_id).bind(centre_id.get())
            .bind(now).bind(lead_id.get()).fetch_optional(p).await?)
            .ok_or(StoreError::NotFound)
    }

    /// A lead sets an annotator's level (either way); recorded as a level change.
    pub async fn set_level_by_lead(
        &self,
        centre_id: CentreId,
        lead_id: UserId,
        annotator_id: UserId,
        level: mudou_domain::SkillLevel,
        note: &str,
        now: i64,
    ) -> Result<()> {
        in_tx!(self, tx => {
            let old: Option<Option<String>> = sqlx::query_scalar(
                "SELECT skill_level FROM users WHERE id = $1 AND centre_id = $2 AND role = 'annotator'")
                .bind(annotator_id.get()).bind(centre_id.get()).fetch_optional(&mut *tx).await?;
            let Some(old) = old else { return Err(StoreError::NotFound) };
            if old.as_deref() == Some(level.as_str()) {
                return Ok(());
            }
            sqlx::query("UPDATE users SET skill_level = $2 WHERE id = $1").bind(annotator_id.get()).bind(level.as_str())
                .execute(&mut *tx).await?;
            sqlx::query("INSERT INTO level_changes (annotator_id, centre_id, from_level, to_level, source, changed_by, note, created_at) \
                         VALUES ($1, $2, $3, $4, 'lead', $5, $6, $7)")
                .bind(annotator_id.get()).bind(centre_id.get()).bind(old).bind(level.as_str()).bind(lead_id.get()).bind(note).bind(now)
                .execute(&mut *tx).await?;
        });
        Ok(())
    }

    /// The centre's level changes, newest first.
    pub async fn centre_level_changes(
        &self,
        centre_id: CentreId,
        limit: i64,
    ) -> Result<Vec<LevelChange>> {
        let sql = "SELECT lc.id, lc.annotator_id, u.display_name AS annotator_name, lc.from_level, lc.to_level, lc.source, \
                   lc.changed_by, lc.note, lc.created_at FROM level_changes lc JOIN users u ON u.id = lc.annotator_id \
                   WHERE lc.centre_id = $1 ORDER BY lc.id DESC LIMIT $2";
        Ok(
            on_read!(self, p => sqlx::query_as::<_, LevelChange>(sql).bind(centre_id.get()).bind(limit).fetch_all(p).await?),
        )
    }

    /// A lead proposes an annotator of their centre as a lead; `Conflict` when a proposal waits.
    pub async fn propose_lead(
        &self,
        centre_id: CentreId,
        lead_id: UserId,
        annotator_id: UserId,
        note: &str,
        now: i64,
    ) -> Result<LeadProposal> {
        self.annotator_in_centre(centre_id, annotator_id).await?;
        let sql = "INSERT INTO lead_proposals (annotator_id, centre_id, proposed_by, note, created_at) \
                   VALUES ($1, $2, $3, $4, $5) RETURNING id";
        let id: i64 = on_write!(self, p => sqlx::query_scalar(sql).bind(annotator_id.get()).bind(centre_id.get()).bind(lead_id.get())
            .bind(note).bind(now).fetch_one(p).await?);
        self.proposal(id).await
    }

    pub async fn proposal(&self, id: i64) -> Result<LeadProposal> {
        let sql = format!("{PROPOSAL_SELECT} WHERE p.id = $1");
        on_read!(self, p => sqlx::query_as::<_, LeadProposal>(&sql).bind(id).fetch_optional(p).await?)
            .ok_or(StoreError::NotFound)
    }

    /// Proposals of a centre (or of every centre), waiting ones first, then newest.
    pub async fn proposals(
        &self,
        centre_id: Option<CentreId>,
        limit: i64,
    ) -> Result<Vec<LeadProposal>> {
        let centre = if centre_id.is_some() {
            " WHERE p.centre_id = $2"
        } else {
            ""
        };
        let sql = format!(
            "{PROPOSAL_SELECT}{centre} ORDER BY CASE WHEN p.decided_at IS NULL THEN 0 ELSE 1 END, p.id DESC LIMIT $1"
        );
        Ok(on_read!(self, p => {
            let mut q = sqlx::query_as::<_, LeadProposal>(&sql).bind(limit);
            if let Some(c) = centre_id { q = q.bind(c.get()); }
            q.fetch_all(p).await?
        }))
    }

    /// An admin declines a waiting proposal.
    pub async fn decline_proposal(
        &self,
        admin_id: UserId,
        id: i64,
        now: i64,
    ) -> Result<LeadProposal> {
        let sql = "UPDATE lead_proposals SET decision = 'declined', decided_by = $2, decided_at = $3 \
                   WHERE id = $1 AND decided_at IS NULL";
        let n = on_write!(self, p => sqlx::query(sql).bind(id).bind(admin_id.get()).bind(now).execute(p).await?.rows_affected());
        if n == 0 {
            self.proposal(id).await?;
            return Err(StoreError::Conflict(
                "the proposal was already decided".into(),
            ));
        }
        self.proposal(id).await
    }

    /// An admin confirms a waiting proposal: the annotator's account becomes a lead's of the
    /// same centre, logging in with `username` and a password from now on (their PIN, open
    /// sessions and live work end; their history stays theirs).
    pub async fn confirm_proposal(
        &self,
        admin_id: UserId,
        id: i64,
        username: &str,
        password_hash: &str,
        now: i64,
    ) -> Result<LeadProposal> {
        in_tx!(self, tx => {
            let row: Option<(i64, Option<i64>)> = sqlx::query_as(
                "SELECT annotator_id, decided_at FROM lead_proposals WHERE id = $1")
                .bind(id).fetch_optional(&mut *tx).await?;
            let Some((annotator_id, decided)) = row else { return Err(StoreError::NotFound) };
            if decided.is_some() {
                return Err(StoreError::Conflict("the proposal was already decided".into()));
            }
            let n = sqlx::query("UPDATE users SET role = 'lead', username = $2, password_hash = $3, pin_hash = NULL, \
                                 skill_level = NULL, failed_attempts = 0, locked_until = NULL WHERE id = $1 AND role = 'annotator'")
                .bind(annotator_id).bind(username).bind(password_hash).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict("the account is no longer an annotator's".into()));
            }
            sqlx::query("UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL")
                .bind(annotator_id).bind(now).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM item_leases WHERE assignment_id IN \
                         (SELECT id FROM assignments WHERE annotator_id = $1 AND state = 'active')")
                .bind(annotator_id).execute(&mut *tx).await?;
            sqlx::query("UPDATE assignments SET state = 'returned', finished_at = $2 WHERE annotator_id = $1 AND state = 'active'")
                .bind(annotator_id).bind(now).execute(&mut *tx).await?;
            sqlx::query("UPDATE lead_proposals SET decision = 'confirmed', decided_by = $2, decided_at = $3 WHERE id = $1")
                .bind(id).bind(admin_id.get()).bind(now).execute(&mut *tx).await?;
        });
        self.proposal(id).await
    }

    /// Whether the centre's people worked on an order.
    pub async fn centre_worked_on(&self, centre_id: CentreId, order_id: OrderId) -> Result<bool> {
        let sql = "SELECT 1 FROM worker_order_stats WHERE centre_id = $1 AND order_id = $2 LIMIT 1";
        let hit: Option<i32> = on_read!(self, p => sqlx::query_scalar(sql).bind(centre_id.get()).bind(order_id.get())
            .fetch_optional(p).await?);
        Ok(hit.is_some())
    }
}
