//! Earnings as people see them: a worker's own pay (by day, week and month; per order;
//! each unpaid label with its reason; the ledger's lines), adjustments by leads and
//! admins, the monthly quality bonus, and pay runs that close a month per centre.
//!
//! Nothing here changes a ledger entry: adjustments, reversals and bonuses are new
//! entries, and a pay run records which entries it paid in tables of its own.

use serde::{Deserialize, Serialize};

use crate::ledger::{NewEntry, insert_entries, insert_entry};
use crate::pool::Tx;
use crate::sql::lock;
use crate::{Result, Store, StoreError};
use mudou_domain::{CentreId, UserId};

/// A pay run takes every unpaid entry written before its cutoff; it looks back this far
/// before the previous run's cutoff for entries whose transaction committed after that run
/// (transactions last milliseconds: an hour is ample).
pub const STRAGGLER_MS: i64 = 3_600_000;

/// Starts (Unix ms) of the windows a worker's summary covers, in the centre's zone.
#[derive(Debug, Clone, Copy)]
pub struct Windows {
    pub today: i64,
    pub week: i64,
    pub month: i64,
}

/// A worker's pay at a glance (fen).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EarningsSummary {
    /// Earned for work done today / this week / this month: accepted and pending label pay,
    /// plus bonuses and adjustments made in the window.
    pub today_fen: i64,
    pub week_fen: i64,
    pub month_fen: i64,
    /// Label pay waiting for consensus or review (any day).
    pub pending_fen: i64,
    /// Confirmed and not yet paid: what the next pay run pays.
    pub confirmed_fen: i64,
    /// Paid in pay runs, all time.
    pub paid_fen: i64,
    pub today_labels: i64,
    pub today_pending_fen: i64,
    pub today_confirmed_fen: i64,
    pub today_not_paid: i64,
    pub week_labels: i64,
    pub month_labels: i64,
}

#[derive(sqlx::FromRow)]
struct LabelWindows {
    today_fen: i64,
    week_fen: i64,
    month_fen: i64,
    today_pending_fen: i64,
    today_confirmed_fen: i64,
    today_labels: i64,
    week_labels: i64,
    month_labels: i64,
    today_not_paid: i64,
}

/// A worker's labels on one order in a window.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OrderEarnings {
    pub order_id: i64,
    pub name: String,
    /// The order's spec (JSON): its piece rate and labels.
    pub spec: String,
    pub labels: i64,
    pub skips: i64,
    pub accepted: i64,
    pub pending: i64,
    pub not_paid: i64,
    pub confirmed_fen: i64,
    pub pending_fen: i64,
}

/// A label that is not paid, with why and what the right answer was.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct UnpaidLabel {
    pub label_id: i64,
    pub order_id: i64,
    pub order_name: String,
    pub spec: String,
    pub item_id: i64,
    pub kind: String,
    pub sha256: Option<String>,
    /// The picture's size (boxes are in its pixels); none for a text.
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub body: Option<String>,
    /// The worker's answer (JSON).
    pub answer: Option<String>,
    /// The final answer: the consensus, a lead's decision, or a gold item's known answer.
    pub right_answer: Option<String>,
    /// `differs`, `rejected` or `paused:<rule>`.
    pub reason: String,
    /// What it would have earned.
    pub amount_fen: i64,
    pub worked_at: i64,
}

/// One line of a worker's pay: a ledger entry, or a label still waiting (no entry yet).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct PayLine {
    /// The entry's id; `None` for a pending label.
    pub id: Option<i64>,
    /// `piece`, `bonus`, `adjustment` or `reversal`.
    pub kind: String,
    pub amount_fen: i64,
    pub label_id: Option<i64>,
    pub order_id: Option<i64>,
    pub order_name: Option<String>,
    pub reverses_id: Option<i64>,
    pub period: Option<String>,
    pub reason: Option<String>,
    pub work_at: i64,
    pub created_at: i64,
    /// `pending` (waiting for consensus), `confirmed`, `not_paid` (see `reason`) or
    /// `paid` (in a pay run).
    #[sqlx(skip)]
    pub state: String,
    /// The month of the pay run that paid it.
    pub paid_in: Option<String>,
    /// For a label's piece: its current standing (`accepted`, `not_paid`, …) and reason.
    #[serde(skip)]
    pub label_status: Option<String>,
    #[serde(skip)]
    pub label_reason: Option<String>,
    /// For a bonus or adjustment: whether a reversal took it back.
    #[serde(skip)]
    pub reversed_reason: Option<String>,
}

/// One tier of a centre's quality bonus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BonusTier {
    /// Gold accuracy of the month at least this (percent).
    pub min_accuracy_pct: i64,
    /// Bonus: this percent of the month's label pay.
    pub bonus_pct: i64,
}

/// A centre's monthly quality bonus.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BonusPolicy {
    /// Gold answers a worker must have given in the month to qualify.
    pub min_gold: i64,
    pub tiers: Vec<BonusTier>,
}

impl BonusPolicy {
    /// The policy as stored (`tiers` as JSON; unreadable tiers are none).
    pub fn stored(min_gold: i64, tiers: &str) -> BonusPolicy {
        BonusPolicy {
            min_gold,
            tiers: serde_json::from_str(tiers).unwrap_or_default(),
        }
    }

    /// The bonus for a month with `correct` of `seen` gold answers and `base` fen of label
    /// pay, with the tier that earned it. Rounded down to the fen.
    pub fn bonus(&self, correct: i64, seen: i64, base: i64) -> Option<(i64, BonusTier)> {
        if seen < self.min_gold || seen <= 0 || base <= 0 {
            return None;
        }
        let tier = self
            .tiers
            .iter()
            .filter(|t| correct * 100 >= t.min_accuracy_pct * seen)
            .max_by_key(|t| t.min_accuracy_pct)?;
        let fen = base * tier.bonus_pct / 100;
        (fen > 0).then_some((fen, *tier))
    }
}

/// A month closed for a centre.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PayRun {
    pub id: i64,
    pub centre_id: i64,
    pub period: String,
    pub period_start: i64,
    pub period_end: i64,
    pub cutoff_at: i64,
    pub created_by: i64,
    pub created_at: i64,
    pub entries: i64,
    pub workers: i64,
    pub total_fen: i64,
}

/// One worker's line of a payroll.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PayrollLine {
    pub annotator_id: i64,
    pub display_name: String,
    /// Labels paid (net of reversals).
    pub labels: i64,
    /// Label pay and quality bonus.
    pub gross_fen: i64,
    /// Adjustments by leads and admins (and their reversals).
    pub adjustments_fen: i64,
    pub total_fen: i64,
}

/// A lead's or admin's adjustment, with its reversal if any.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Adjustment {
    pub id: i64,
    pub annotator_id: i64,
    pub display_name: String,
    pub amount_fen: i64,
    pub reason: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub reversed_reason: Option<String>,
    pub paid_in: Option<String>,
}

/// A ledger entry as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LedgerEntry {
    pub id: i64,
    pub annotator_id: i64,
    pub centre_id: i64,
    pub kind: String,
    pub amount_fen: i64,
    pub label_id: Option<i64>,
    pub order_id: Option<i64>,
    pub labels_delta: i64,
    pub reverses_id: Option<i64>,
    pub period: Option<String>,
    pub reason: Option<String>,
    pub created_by: Option<i64>,
    pub work_at: i64,
    pub created_at: i64,
}

/// A label whose entries do not add up to what it earns now (an audit finding).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditFinding {
    pub label_id: i64,
    pub status: String,
    pub target_fen: i64,
    pub entries_fen: i64,
    pub pieces: i64,
}

/// What to close.
#[derive(Debug, Clone)]
pub struct ClosePeriod {
    pub centre_id: i64,
    /// `YYYY-MM`.
    pub period: String,
    /// The month's bounds in the centre's zone (Unix ms).
    pub start: i64,
    pub end: i64,
    pub by: i64,
    pub now: i64,
}

const RUN_COLS: &str = "r.id, r.centre_id, r.period, r.period_start, r.period_end, r.cutoff_at, r.created_by, r.created_at, \
    (SELECT CAST(COUNT(*) AS BIGINT) FROM pay_run_entries p WHERE p.pay_run_id = r.id) AS entries, \
    (SELECT CAST(COUNT(*) AS BIGINT) FROM pay_run_workers w WHERE w.pay_run_id = r.id) AS workers, \
    (SELECT CAST(COALESCE(SUM(w.total_fen), 0) AS BIGINT) FROM pay_run_workers w WHERE w.pay_run_id = r.id) AS total_fen";

/// Per annotator of centre `$1`, for hours in `[$2, $3)`: gold answers right, gold answers
/// given, and label pay — what the month's quality bonus is reckoned on. Closing a month and
/// its preview both read it.
const BONUS_BASE_SQL: &str = "SELECT t.annotator_id, CAST(SUM(t.gold_correct) AS BIGINT), CAST(SUM(t.gold_seen) AS BIGINT), \
     CAST(SUM(t.pay_fen) AS BIGINT) FROM tp_hours t JOIN users u ON u.id = t.annotator_id \
     WHERE t.centre_id = $1 AND t.hour >= $2 AND t.hour < $3 AND u.role = 'annotator' \
     GROUP BY t.annotator_id ORDER BY t.annotator_id";

/// The month a payroll preview is of, so that it adds the quality bonus closing it would pay.
#[derive(Debug, Clone)]
pub struct PreviewMonth {
    /// `YYYY-MM`.
    pub period: String,
    /// The month's bounds in the centre's zone (Unix ms).
    pub start: i64,
    pub end: i64,
}

/// Money that counts as adjustments in a payroll: entries outside labels other than bonuses.
const IS_ADJUSTMENT: &str = "e.label_id IS NULL AND e.kind IN ('adjustment', 'reversal')";

impl Store {
    /// A worker's pay at a glance.
    pub async fn earnings_summary(
        &self,
        annotator_id: UserId,
        w: Windows,
    ) -> Result<EarningsSummary> {
        let since = w.today.min(w.week).min(w.month);
        let sum = |cond: &str, what: &str| {
            format!("CAST(COALESCE(SUM(CASE WHEN {cond} THEN {what} ELSE 0 END), 0) AS BIGINT)")
        };
        let earning = "status IN ('pending', 'accepted')";
        let labels_sql = format!(
            "SELECT {} AS today_fen, {} AS week_fen, {} AS month_fen, {} AS today_pending_fen, {} AS today_confirmed_fen, \
             {} AS today_labels, {} AS week_labels, {} AS month_labels, {} AS today_not_paid \
             FROM label_pay WHERE annotator_id = $1 AND worked_at >= $5",
            sum(&format!("worked_at >= $2 AND {earning}"), "amount_fen"),
            sum(&format!("worked_at >= $3 AND {earning}"), "amount_fen"),
            sum(&format!("worked_at >= $4 AND {earning}"), "amount_fen"),
            sum("worked_at >= $2 AND status = 'pending'", "amount_fen"),
            sum("worked_at >= $2 AND status = 'accepted'", "amount_fen"),
            sum("worked_at >= $2 AND answered", "1"),
            sum("worked_at >= $3 AND answered", "1"),
            sum("worked_at >= $4 AND answered", "1"),
            sum("worked_at >= $2 AND status = 'not_paid'", "1"),
        );
        let other_sql = format!(
            "SELECT {}, {}, {} FROM ledger_entries WHERE annotator_id = $1 AND label_id IS NULL AND work_at >= $5",
            sum("work_at >= $2", "amount_fen"),
            sum("work_at >= $3", "amount_fen"),
            sum("work_at >= $4", "amount_fen"),
        );
        let pending_sql = "SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM label_pay \
                           WHERE annotator_id = $1 AND status = 'pending'";
        let since_paid_sql = "SELECT CAST(COALESCE(MAX(r.cutoff_at), 0) AS BIGINT) FROM pay_runs r \
                              JOIN users u ON u.centre_id = r.centre_id WHERE u.id = $1";
        let owed_sql = "SELECT CAST(COALESCE(SUM(e.amount_fen), 0) AS BIGINT) FROM ledger_entries e \
                        WHERE e.annotator_id = $1 AND e.created_at >= $2 \
                        AND NOT EXISTS (SELECT 1 FROM pay_run_entries p WHERE p.entry_id = e.id)";
        let paid_sql = "SELECT CAST(COALESCE(SUM(total_fen), 0) AS BIGINT) FROM pay_run_workers WHERE annotator_id = $1";
        on_read!(self, p => {
            let l: LabelWindows = sqlx::query_as(&labels_sql).bind(annotator_id.get()).bind(w.today).bind(w.week)
                .bind(w.month).bind(since).fetch_one(p).await?;
            let (o_today, o_week, o_month): (i64, i64, i64) = sqlx::query_as(&other_sql).bind(annotator_id.get())
                .bind(w.today).bind(w.week).bind(w.month).bind(since).fetch_one(p).await?;
            let pending_fen: i64 = sqlx::query_scalar(pending_sql).bind(annotator_id.get()).fetch_one(p).await?;
            let last_cutoff: i64 = sqlx::query_scalar(since_paid_sql).bind(annotator_id.get()).fetch_one(p).await?;
            let confirmed_fen: i64 = sqlx::query_scalar(owed_sql).bind(annotator_id.get())
                .bind(unpaid_since(last_cutoff)).fetch_one(p).await?;
            let paid_fen: i64 = sqlx::query_scalar(paid_sql).bind(annotator_id.get()).fetch_one(p).await?;
            Ok(EarningsSummary {
                today_fen: l.today_fen + o_today,
                week_fen: l.week_fen + o_week,
                month_fen: l.month_fen + o_month,
                pending_fen,
                confirmed_fen,
                paid_fen,
                today_labels: l.today_labels,
                today_pending_fen: l.today_pending_fen,
                today_confirmed_fen: l.today_confirmed_fen,
                today_not_paid: l.today_not_paid,
                week_labels: l.week_labels,
                month_labels: l.month_labels,
            })
        })
    }

    /// A worker's labels per order for work done in `[from, to)`.
    pub async fn earnings_by_order(
        &self,
        annotator_id: UserId,
        from: i64,
        to: i64,
    ) -> Result<Vec<OrderEarnings>> {
        let sql = "SELECT lp.order_id, o.name, o.spec, \
                   CAST(COUNT(CASE WHEN lp.answered THEN 1 END) AS BIGINT) AS labels, \
                   CAST(COUNT(CASE WHEN NOT lp.answered THEN 1 END) AS BIGINT) AS skips, \
                   CAST(COUNT(CASE WHEN lp.status = 'accepted' THEN 1 END) AS BIGINT) AS accepted, \
                   CAST(COUNT(CASE WHEN lp.status = 'pending' THEN 1 END) AS BIGINT) AS pending, \
                   CAST(COUNT(CASE WHEN lp.status = 'not_paid' THEN 1 END) AS BIGINT) AS not_paid, \
                   CAST(COALESCE(SUM(CASE WHEN lp.status = 'accepted' THEN lp.amount_fen ELSE 0 END), 0) AS BIGINT) AS confirmed_fen, \
                   CAST(COALESCE(SUM(CASE WHEN lp.status = 'pending' THEN lp.amount_fen ELSE 0 END), 0) AS BIGINT) AS pending_fen \
                   FROM label_pay lp JOIN orders o ON o.id = lp.order_id \
                   WHERE lp.annotator_id = $1 AND lp.worked_at >= $2 AND lp.worked_at < $3 \
                   GROUP BY lp.order_id, o.name, o.spec ORDER BY MAX(lp.worked_at) DESC";
        Ok(
            on_read!(self, p => sqlx::query_as(sql).bind(annotator_id.get()).bind(from).bind(to).fetch_all(p).await?),
        )
    }

    /// A worker's unpaid labels of work done in `[from, to)`, newest first.
    pub async fn unpaid_labels(
        &self,
        annotator_id: UserId,
        from: i64,
        to: i64,
        limit: i64,
    ) -> Result<Vec<UnpaidLabel>> {
        let sql = "SELECT lp.label_id, lp.order_id, o.name AS order_name, o.spec, lp.item_id, i.kind, i.sha256, \
                   b.width, b.height, i.body, \
                   l.answer, CASE WHEN oi.is_gold THEN oi.gold ELSE oi.answer END AS right_answer, \
                   lp.reason, lp.amount_fen, lp.worked_at \
                   FROM label_pay lp JOIN labels l ON l.id = lp.label_id JOIN orders o ON o.id = lp.order_id \
                   JOIN items i ON i.id = lp.item_id LEFT JOIN blobs b ON b.sha256 = i.sha256 \
                   JOIN order_items oi ON oi.order_id = lp.order_id AND oi.item_id = lp.item_id \
                   WHERE lp.annotator_id = $1 AND lp.status = 'not_paid' AND lp.worked_at >= $2 AND lp.worked_at < $3 \
                   ORDER BY lp.worked_at DESC, lp.label_id DESC LIMIT $4";
        Ok(
            on_read!(self, p => sqlx::query_as(sql).bind(annotator_id.get()).bind(from).bind(to).bind(limit)
            .fetch_all(p).await?),
        )
    }

    /// A worker's pay lines: labels still pending (all of them, up to `limit`) and ledger
    /// entries older than `before` (an entry id; newest first).
    pub async fn pay_lines(
        &self,
        annotator_id: UserId,
        before: Option<i64>,
        limit: i64,
    ) -> Result<(Vec<PayLine>, Vec<PayLine>)> {
        let pending_sql = "SELECT NULL AS id, 'piece' AS kind, lp.amount_fen, lp.label_id, lp.order_id, o.name AS order_name, \
                   NULL AS reverses_id, NULL AS period, NULL AS reason, lp.worked_at AS work_at, lp.worked_at AS created_at, \
                   NULL AS paid_in, lp.status AS label_status, lp.reason AS label_reason, NULL AS reversed_reason \
                   FROM label_pay lp JOIN orders o ON o.id = lp.order_id \
                   WHERE lp.annotator_id = $1 AND lp.status = 'pending' AND lp.amount_fen > 0 \
                   ORDER BY lp.worked_at DESC LIMIT $2";
        let entries_sql = "SELECT e.id, e.kind, e.amount_fen, e.label_id, e.order_id, o.name AS order_name, e.reverses_id, \
                   e.period, e.reason, e.work_at, e.created_at, r.period AS paid_in, lp.status AS label_status, \
                   lp.reason AS label_reason, rv.reason AS reversed_reason \
                   FROM ledger_entries e LEFT JOIN orders o ON o.id = e.order_id \
                   LEFT JOIN pay_run_entries pe ON pe.entry_id = e.id LEFT JOIN pay_runs r ON r.id = pe.pay_run_id \
                   LEFT JOIN label_pay lp ON lp.label_id = e.label_id \
                   LEFT JOIN ledger_entries rv ON rv.reverses_id = e.id AND e.label_id IS NULL \
                   WHERE e.annotator_id = $1 AND e.id < $2 ORDER BY e.id DESC LIMIT $3";
        let (mut pending, mut entries): (Vec<PayLine>, Vec<PayLine>) = on_read!(self, p => {
            let a = sqlx::query_as(pending_sql).bind(annotator_id.get()).bind(limit).fetch_all(p).await?;
            let b = sqlx::query_as(entries_sql).bind(annotator_id.get()).bind(before.unwrap_or(i64::MAX)).bind(limit)
                .fetch_all(p).await?;
            (a, b)
        });
        for l in &mut pending {
            l.state = "pending".into();
        }
        for l in &mut entries {
            let (state, why) = line_state(l);
            l.state = state.into();
            if l.reason.is_none() {
                l.reason = why;
            }
        }
        Ok((pending, entries))
    }

    /// Adds a lead's or admin's adjustment for an annotator. `centre_id`: the caller's
    /// scope (a lead's centre), or `None` for an admin.
    pub async fn add_adjustment(
        &self,
        centre_id: Option<CentreId>,
        annotator_id: UserId,
        amount_fen: i64,
        reason: &str,
        by: UserId,
        now: i64,
    ) -> Result<i64> {
        if amount_fen == 0 || reason.trim().is_empty() {
            return Err(StoreError::Invalid(
                "an adjustment has an amount and a reason".into(),
            ));
        }
        Ok(in_tx!(self, tx => {
            let who: Option<(Option<i64>, String)> =
                sqlx::query_as("SELECT centre_id, role FROM users WHERE id = $1")
                    .bind(annotator_id.get()).fetch_optional(&mut *tx).await?;
            let worker_centre = match who {
                Some((Some(c), role)) if role == "annotator" && centre_id.is_none_or(|s| s.get() == c) => c,
                _ => return Err(StoreError::NotFound),
            };
            let e = NewEntry {
                annotator_id: annotator_id.get(),
                centre_id: worker_centre,
                kind: "adjustment",
                amount_fen,
                label_id: None,
                order_id: None,
                labels_delta: 0,
                reverses_id: None,
                period: None,
                reason: Some(reason.trim().to_owned()),
                created_by: Some(by.get()),
                work_at: now,
                created_at: now,
            };
            let mut t = Tx::from(&mut *tx);
            let id = insert_entry(&mut t, &e).await?;
            crate::throughput::follow_money(&mut t, std::slice::from_ref(&e)).await?;
            id
        }))
    }

    /// Takes back an adjustment (a lead's own centre's, or any for an admin) with a reason.
    pub async fn reverse_adjustment(
        &self,
        centre_id: Option<CentreId>,
        entry_id: i64,
        reason: &str,
        by: UserId,
        now: i64,
    ) -> Result<i64> {
        if reason.trim().is_empty() {
            return Err(StoreError::Invalid("a reversal needs a reason".into()));
        }
        Ok(in_tx!(self, tx => {
            let e: Option<(i64, i64, i64, String, Option<i64>)> = sqlx::query_as(
                "SELECT annotator_id, centre_id, amount_fen, kind, label_id FROM ledger_entries WHERE id = $1")
                .bind(entry_id).fetch_optional(&mut *tx).await?;
            let (annotator_id, entry_centre, amount, kind, label) = match e {
                Some(e) if centre_id.is_none_or(|c| c.get() == e.1) => e,
                _ => return Err(StoreError::NotFound),
            };
            if kind != "adjustment" || label.is_some() {
                return Err(StoreError::Invalid("only a lead's or admin's adjustment can be reversed by hand".into()));
            }
            let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM ledger_entries WHERE reverses_id = $1")
                .bind(entry_id).fetch_optional(&mut *tx).await?;
            if taken.is_some() {
                return Err(StoreError::Conflict("this adjustment was already reversed".into()));
            }
            let r = NewEntry {
                annotator_id,
                centre_id: entry_centre,
                kind: "reversal",
                amount_fen: -amount,
                label_id: None,
                order_id: None,
                labels_delta: 0,
                reverses_id: Some(entry_id),
                period: None,
                reason: Some(reason.trim().to_owned()),
                created_by: Some(by.get()),
                work_at: now,
                created_at: now,
            };
            let mut t = Tx::from(&mut *tx);
            let id = insert_entry(&mut t, &r).await?;
            crate::throughput::follow_money(&mut t, std::slice::from_ref(&r)).await?;
            id
        }))
    }

    /// A centre's adjustments by leads and admins, newest first.
    pub async fn adjustments(&self, centre_id: CentreId, limit: i64) -> Result<Vec<Adjustment>> {
        let sql = "SELECT e.id, e.annotator_id, u.display_name, e.amount_fen, e.reason, e.created_by, e.created_at, \
                   rv.reason AS reversed_reason, r.period AS paid_in \
                   FROM ledger_entries e JOIN users u ON u.id = e.annotator_id \
                   LEFT JOIN ledger_entries rv ON rv.reverses_id = e.id \
                   LEFT JOIN pay_run_entries pe ON pe.entry_id = e.id LEFT JOIN pay_runs r ON r.id = pe.pay_run_id \
                   WHERE e.centre_id = $1 AND e.kind = 'adjustment' AND e.label_id IS NULL \
                   ORDER BY e.id DESC LIMIT $2";
        Ok(
            on_read!(self, p => sqlx::query_as(sql).bind(centre_id.get()).bind(limit).fetch_all(p).await?),
        )
    }

    pub async fn bonus_policy(&self, centre_id: CentreId) -> Result<Option<BonusPolicy>> {
        let row: Option<(i64, String)> = on_read!(self, p => sqlx::query_as(
            "SELECT min_gold, tiers FROM bonus_policies WHERE centre_id = $1")
            .bind(centre_id.get()).fetch_optional(p).await?);
        row.map(|(min_gold, tiers)| {
            Ok(BonusPolicy {
                min_gold,
                tiers: serde_json::from_str(&tiers)
                    .map_err(|e| StoreError::Invalid(format!("bonus tiers: {e}")))?,
            })
        })
        .transpose()
    }

    /// Sets (or with no tiers, clears) a centre's bonus policy. Affects months closed from now on.
    pub async fn set_bonus_policy(
        &self,
        centre_id: CentreId,
        policy: &BonusPolicy,
        by: UserId,
        now: i64,
    ) -> Result<()> {
        let tiers = serde_json::to_string(&policy.tiers).unwrap_or_else(|_| "[]".into());
        in_tx!(self, tx => {
            let centre: Option<i64> = sqlx::query_scalar("SELECT id FROM centres WHERE id = $1")
                .bind(centre_id.get()).fetch_optional(&mut *tx).await?;
            if centre.is_none() {
                return Err(StoreError::NotFound);
            }
            sqlx::query("DELETE FROM bonus_policies WHERE centre_id = $1").bind(centre_id.get()).execute(&mut *tx).await?;
            if !policy.tiers.is_empty() {
                sqlx::query("INSERT INTO bonus_policies (centre_id, min_gold, tiers, updated_by, updated_at) \
                             VALUES ($1, $2, $3, $4, $5)")
                    .bind(centre_id.get()).bind(policy.min_gold).bind(&tiers).bind(by.get()).bind(now).execute(&mut *tx).await?;
            }
        });
        Ok(())
    }

    /// Closes a month for a centre: pays the quality bonus of the month, then every unpaid
    /// entry of the centre written before the cutoff (the month's end, or now when the month
    /// is still running). Closing a closed month again returns the run as it was
    /// (`false`: nothing changed).
    pub async fn close_pay_run(&self, c: &ClosePeriod) -> Result<(PayRun, bool)> {
        if c.start > c.now {
            return Err(StoreError::Invalid("this month has not started yet".into()));
        }
        let cutoff = c.end.min(c.now);
        let lock = lock(self.backend(), " FOR UPDATE");
        let centre_sql = format!("SELECT id FROM centres WHERE id = $1{lock}");
        let run_sql =
            format!("SELECT {RUN_COLS} FROM pay_runs r WHERE r.centre_id = $1 AND r.period = $2");
        let created = in_tx!(self, tx => {
            let centre: Option<i64> = sqlx::query_scalar(&centre_sql).bind(c.centre_id).fetch_optional(&mut *tx).await?;
            if centre.is_none() {
                return Err(StoreError::NotFound);
            }
            let existing: Option<PayRun> = sqlx::query_as(&run_sql).bind(c.centre_id).bind(&c.period)
                .fetch_optional(&mut *tx).await?;
            if existing.is_some() {
                false
            } else {
                let later: Option<String> = sqlx::query_scalar(
                    "SELECT period FROM pay_runs WHERE centre_id = $1 AND period > $2 ORDER BY period LIMIT 1")
                    .bind(c.centre_id).bind(&c.period).fetch_optional(&mut *tx).await?;
                if let Some(p) = later {
                    return Err(StoreError::Conflict(format!("{p} is already closed: a closed month changes only through adjustments")));
                }
                let last_cutoff: i64 = sqlx::query_scalar(
                    "SELECT CAST(COALESCE(MAX(cutoff_at), 0) AS BIGINT) FROM pay_runs WHERE centre_id = $1")
                    .bind(c.centre_id).fetch_one(&mut *tx).await?;
                // The month's quality bonus.
                let policy: Option<(i64, String)> = sqlx::query_as(
                    "SELECT min_gold, tiers FROM bonus_policies WHERE centre_id = $1")
                    .bind(c.centre_id).fetch_optional(&mut *tx).await?;
                if let Some((min_gold, tiers)) = policy {
                    let policy = BonusPolicy::stored(min_gold, &tiers);
                    let month: Vec<(i64, i64, i64, i64)> = sqlx::query_as(BONUS_BASE_SQL)
                        .bind(c.centre_id).bind(c.start).bind(c.end).fetch_all(&mut *tx).await?;
                    let bonuses: Vec<NewEntry> = month.into_iter().filter_map(|(who, correct, seen, base)| {
                        let (fen, tier) = policy.bonus(correct, seen, base)?;
                        Some(NewEntry {
                            annotator_id: who,
                            centre_id: c.centre_id,
                            kind: "bonus",
                            amount_fen: fen,
                            label_id: None,
                            order_id: None,
                            labels_delta: 0,
                            reverses_id: None,
                            period: Some(c.period.clone()),
                            reason: Some(serde_json::json!({
                                "gold_correct": correct, "gold_seen": seen, "min_accuracy_pct": tier.min_accuracy_pct,
                                "bonus_pct": tier.bonus_pct, "base_fen": base}).to_string()),
                            created_by: Some(c.by),
                            work_at: cutoff.saturating_sub(1).max(c.start),
                            created_at: c.now,
                        })
                    }).collect();
                    let mut t = Tx::from(&mut *tx);
                    insert_entries(&mut t, &bonuses).await?;
                    crate::throughput::follow_money(&mut t, &bonuses).await?;
                }
                let run: i64 = sqlx::query_scalar(
                    "INSERT INTO pay_runs (centre_id, period, period_start, period_end, cutoff_at, created_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
                    .bind(c.centre_id).bind(&c.period).bind(c.start).bind(c.end).bind(cutoff).bind(c.by).bind(c.now)
                    .fetch_one(&mut *tx).await?;
                // Bonuses are written at `now`, which may be past a month-end cutoff: they
                // belong to this run all the same.
                sqlx::query(
                    "INSERT INTO pay_run_entries (entry_id, pay_run_id) SELECT e.id, $2 FROM ledger_entries e \
                     WHERE e.centre_id = $1 AND e.created_at >= $3 AND (e.created_at < $4 OR (e.kind = 'bonus' AND e.period = $5)) \
                     AND NOT EXISTS (SELECT 1 FROM pay_run_entries p WHERE p.entry_id = e.id)")
                    .bind(c.centre_id).bind(run).bind(unpaid_since(last_cutoff)).bind(cutoff).bind(&c.period)
                    .execute(&mut *tx).await?;
                let sql = format!(
                    "INSERT INTO pay_run_workers (pay_run_id, annotator_id, labels, gross_fen, adjustments_fen, total_fen) \
                     SELECT $1, e.annotator_id, CAST(SUM(e.labels_delta) AS BIGINT), \
                     CAST(SUM(CASE WHEN {IS_ADJUSTMENT} THEN 0 ELSE e.amount_fen END) AS BIGINT), \
                     CAST(SUM(CASE WHEN {IS_ADJUSTMENT} THEN e.amount_fen ELSE 0 END) AS BIGINT), \
                     CAST(SUM(e.amount_fen) AS BIGINT) \
                     FROM pay_run_entries p JOIN ledger_entries e ON e.id = p.entry_id WHERE p.pay_run_id = $1 \
                     GROUP BY e.annotator_id");
                sqlx::query(&sql).bind(run).execute(&mut *tx).await?;
                true
            }
        });
        let run: PayRun = on_read!(self, p => sqlx::query_as(&run_sql).bind(c.centre_id).bind(&c.period)
            .fetch_one(p).await?);
        Ok((run, created))
    }

    /// Pay runs, newest first; `centre_id` narrows them to one centre.
    pub async fn pay_runs(&self, centre_id: Option<CentreId>) -> Result<Vec<PayRun>> {
        let sql = format!(
            "SELECT {RUN_COLS} FROM pay_runs r WHERE ($1 = 0 OR r.centre_id = $1) ORDER BY r.period DESC, r.centre_id"
        );
        Ok(
            on_read!(self, p => sqlx::query_as(&sql).bind(centre_id.map_or(0, CentreId::get)).fetch_all(p).await?),
        )
    }

    pub async fn pay_run(&self, id: i64) -> Result<PayRun> {
        let sql = format!("SELECT {RUN_COLS} FROM pay_runs r WHERE r.id = $1");
        on_read!(self, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await?)
            .ok_or(StoreError::NotFound)
    }

    /// A run's payroll, one line per worker paid (by worker id).
    pub async fn payroll(&self, pay_run_id: i64) -> Result<Vec<PayrollLine>> {
        let sql = "SELECT w.annotator_id, u.display_name, w.labels, w.gross_fen, w.adjustments_fen, w.total_fen \
                   FROM pay_run_workers w JOIN users u ON u.id = w.annotator_id WHERE w.pay_run_id = $1 \
                   ORDER BY w.annotator_id";
        Ok(on_read!(self, p => sqlx::query_as(sql).bind(pay_run_id).fetch_all(p).await?))
    }

    /// What a pay run of the centre would pay now: unpaid entries written before `cutoff`,
    /// per worker; with `month`, plus the quality bonus closing that month would pay (none
    /// when it is closed already), reckoned exactly as `close_pay_run` does and counted in
    /// gross pay as the payroll counts it.
    pub async fn payroll_preview(
        &self,
        centre_id: CentreId,
        cutoff: i64,
        month: Option<&PreviewMonth>,
    ) -> Result<Vec<PayrollLine>> {
        let sql = format!(
            "SELECT e.annotator_id, u.display_name, CAST(SUM(e.labels_delta) AS BIGINT) AS labels, \
             CAST(SUM(CASE WHEN {IS_ADJUSTMENT} THEN 0 ELSE e.amount_fen END) AS BIGINT) AS gross_fen, \
             CAST(SUM(CASE WHEN {IS_ADJUSTMENT} THEN e.amount_fen ELSE 0 END) AS BIGINT) AS adjustments_fen, \
             CAST(SUM(e.amount_fen) AS BIGINT) AS total_fen \
             FROM ledger_entries e JOIN users u ON u.id = e.annotator_id \
             WHERE e.centre_id = $1 AND e.created_at >= $2 AND e.created_at < $3 \
             AND NOT EXISTS (SELECT 1 FROM pay_run_entries p WHERE p.entry_id = e.id) \
             GROUP BY e.annotator_id, u.display_name ORDER BY e.annotator_id"
        );
        let (mut lines, bonuses, names) = on_read!(self, p => {
            let last: i64 = sqlx::query_scalar(
                "SELECT CAST(COALESCE(MAX(cutoff_at), 0) AS BIGINT) FROM pay_runs WHERE centre_id = $1")
                .bind(centre_id.get()).fetch_one(p).await?;
            let lines: Vec<PayrollLine> = sqlx::query_as(&sql).bind(centre_id.get()).bind(unpaid_since(last)).bind(cutoff)
                .fetch_all(p).await?;
            let mut bonuses: Vec<(i64, i64)> = Vec::new();
            let mut names: Vec<(i64, String)> = Vec::new();
            if let Some(m) = month {
                let closed: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM pay_runs WHERE centre_id = $1 AND period = $2")
                    .bind(centre_id.get()).bind(&m.period).fetch_optional(p).await?;
                let policy: Option<(i64, String)> = sqlx::query_as(
                    "SELECT min_gold, tiers FROM bonus_policies WHERE centre_id = $1")
                    .bind(centre_id.get()).fetch_optional(p).await?;
                if let (None, Some((min_gold, tiers))) = (closed, policy) {
                    let policy = BonusPolicy::stored(min_gold, &tiers);
                    let base: Vec<(i64, i64, i64, i64)> = sqlx::query_as(BONUS_BASE_SQL)
                        .bind(centre_id.get()).bind(m.start).bind(m.end).fetch_all(p).await?;
                    bonuses = base.into_iter()
                        .filter_map(|(who, correct, seen, fen)| Some((who, policy.bonus(correct, seen, fen)?.0)))
                        .collect();
                    if bonuses.iter().any(|(who, _)| !lines.iter().any(|l| l.annotator_id == *who)) {
                        names = sqlx::query_as("SELECT id, display_name FROM users WHERE centre_id = $1")
                            .bind(centre_id.get()).fetch_all(p).await?;
                    }
                }
            }
            (lines, bonuses, names)
        });
        for (who, fen) in bonuses {
            match lines.iter_mut().find(|l| l.annotator_id == who) {
                Some(l) => {
                    l.gross_fen += fen;
                    l.total_fen += fen;
                }
                None => lines.push(PayrollLine {
                    annotator_id: who,
                    display_name: names
                        .iter()
                        .find(|(id, _)| *id == who)
                        .map(|(_, n)| n.clone())
                        .unwrap_or_default(),
                    labels: 0,
                    gross_fen: fen,
                    adjustments_fen: 0,
                    total_fen: fen,
                }),
            }
        }
        lines.sort_by_key(|l| l.annotator_id);
        Ok(lines)
    }

    /// Entries with an id above `after_id`, oldest first (at most `limit`).
    pub async fn ledger_entries(&self, after_id: i64, limit: i64) -> Result<Vec<LedgerEntry>> {
        let sql = "SELECT id, annotator_id, centre_id, kind, amount_fen, label_id, order_id, labels_delta, reverses_id, \
                   period, reason, created_by, work_at, created_at FROM ledger_entries WHERE id > $1 ORDER BY id LIMIT $2";
        Ok(on_read!(self, p => sqlx::query_as(sql).bind(after_id).bind(limit).fetch_all(p).await?))
    }

    /// Checks every label: its entries add up to what it earns as it stands (its amount when
    /// accepted, else nothing), with at most one piece. Returns the labels that do not.
    pub async fn ledger_audit(&self) -> Result<Vec<AuditFinding>> {
        let sql = "SELECT lp.label_id, lp.status, \
                   CAST(CASE WHEN lp.status = 'accepted' THEN lp.amount_fen ELSE 0 END AS BIGINT) AS target_fen, \
                   CAST(COALESCE(e.fen, 0) AS BIGINT) AS entries_fen, CAST(COALESCE(e.pieces, 0) AS BIGINT) AS pieces \
                   FROM label_pay lp LEFT JOIN (SELECT label_id, SUM(amount_fen) AS fen, \
                   SUM(CASE WHEN kind = 'piece' THEN 1 ELSE 0 END) AS pieces FROM ledger_entries \
                   WHERE label_id IS NOT NULL GROUP BY label_id) e ON e.label_id = lp.label_id \
                   WHERE COALESCE(e.fen, 0) <> CASE WHEN lp.status = 'accepted' THEN lp.amount_fen ELSE 0 END \
                   OR COALESCE(e.pieces, 0) > 1 ORDER BY lp.label_id";
        Ok(on_read!(self, p => sqlx::query_as(sql).fetch_all(p).await?))
    }

    /// The sum of every ledger entry of a centre (or all centres), and how many there are.
    pub async fn ledger_totals(&self, centre_id: Option<CentreId>) -> Result<(i64, i64)> {
        let sql = "SELECT CAST(COUNT(*) AS BIGINT), CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM ledger_entries \
                   WHERE $1 = 0 OR centre_id = $1";
        Ok(
            on_read!(self, p => sqlx::query_as(sql).bind(centre_id.map_or(0, CentreId::get)).fetch_one(p).await?),
        )
    }

    /// Per worker of a centre: the sum of their entries (all time) — the balance a payroll
    /// must agree with.
    pub async fn ledger_balances(&self, centre_id: CentreId) -> Result<Vec<(i64, i64)>> {
        let sql = "SELECT annotator_id, CAST(SUM(amount_fen) AS BIGINT) FROM ledger_entries WHERE centre_id = $1 \
                   GROUP BY annotator_id ORDER BY annotator_id";
        Ok(on_read!(self, p => sqlx::query_as(sql).bind(centre_id.get()).fetch_all(p).await?))
    }
}

fn unpaid_since(last_cutoff: i64) -> i64 {
    if last_cutoff == 0 {
        0
    } else {
        last_cutoff - STRAGGLER_MS
    }
}

/// A ledger entry's state for its worker, and the reason when it is not paid.
fn line_state(l: &PayLine) -> (&'static str, Option<String>) {
    let paid = if l.paid_in.is_some() {
        "paid"
    } else {
        "confirmed"
    };
    match l.kind.as_str() {
        "piece" => match l.label_status.as_deref() {
            Some("accepted") | None => (paid, None),
            Some(_) => (
                "not_paid",
                Some(
                    l.label_reason
                        .clone()
                        .unwrap_or_else(|| "answer_changed".into()),
                ),
            ),
        },
        "bonus" | "adjustment" if l.label_id.is_none() && l.reversed_reason.is_some() => {
            ("not_paid", l.reversed_reason.clone())
        }
        _ => (paid, None),
    }
}
