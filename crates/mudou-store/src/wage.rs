//! The fair-wage check's figures: centres' floors and policies, the pace of past work of a
//! kind and of an order (answers and the time spent on them, from `worker_order_stats`),
//! an order's pay so far (`tp_orders`), and the alerts raised once per order and centre
//! when an open order pays under the floor. The decisions are `mudou_domain::wage`'s.

use mudou_domain::{CentreId, OrderId};

use crate::accounts::{CENTRE_COLS, Centre};
use crate::{Result, Store, StoreError};

/// Answers made on an order (at one centre, or all) and the time spent, with its label pay.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct OrderPace {
    /// Answers (skips not counted).
    pub answers: i64,
    /// Time spent on answers and skips, ms.
    pub active_ms: i64,
    /// Label pay credited so far, fen.
    pub pay_fen: i64,
}

/// An open order's figures at a centre with a floor, not alerted on yet.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct WageCandidate {
    pub order_id: i64,
    pub order_name: String,
    pub centre_id: i64,
    pub floor_fen: i64,
    pub answers: i64,
    pub active_ms: i64,
    pub pay_fen: i64,
}

impl Store {
    /// Sets a centre's floor (`None`: none) and policy (`warn` or `refuse`).
    pub async fn set_centre_wage(
        &self,
        centre_id: CentreId,
        floor_fen: Option<i64>,
        policy: &str,
    ) -> Result<Centre> {
        let sql = format!(
            "UPDATE centres SET min_hourly_wage_fen = $2, wage_policy = $3 WHERE id = $1 RETURNING {CENTRE_COLS}"
        );
        on_write!(self, p => sqlx::query_as::<_, Centre>(&sql).bind(centre_id.get()).bind(floor_fen).bind(policy)
            .fetch_optional(p).await?)
        .ok_or(StoreError::NotFound)
    }

    /// Answers and time of past work of `task_type` on every order but `except` (training
    /// orders included: the same kind of work at the same hands).
    pub async fn kind_pace(&self, task_type: &str, except: Option<OrderId>) -> Result<(i64, i64)> {
        let sql = "SELECT CAST(COALESCE(SUM(s.labels - s.skips), 0) AS BIGINT), CAST(COALESCE(SUM(s.ms_sum), 0) AS BIGINT) \
                   FROM worker_order_stats s JOIN orders o ON o.id = s.order_id \
                   WHERE o.task_type = $1 AND o.id <> $2";
        let except = except.map(|o| o.get()).unwrap_or(0);
        Ok(
            on_read!(self, p => sqlx::query_as(sql).bind(task_type).bind(except).fetch_one(p).await?),
        )
    }

    /// An order's answers, time and label pay so far: at one centre, or at all of them.
    pub async fn order_pace(
        &self,
        order_id: OrderId,
        centre_id: Option<CentreId>,
    ) -> Result<OrderPace> {
        let centre = centre_id.map(|c| c.get()).unwrap_or(0);
        let sql = "SELECT \
             (SELECT CAST(COALESCE(SUM(s.labels - s.skips), 0) AS BIGINT) FROM worker_order_stats s \
              WHERE s.order_id = $1 AND ($2 = 0 OR s.centre_id = $2)) AS answers, \
             (SELECT CAST(COALESCE(SUM(s.ms_sum), 0) AS BIGINT) FROM worker_order_stats s \
              WHERE s.order_id = $1 AND ($2 = 0 OR s.centre_id = $2)) AS active_ms, \
             (SELECT CAST(COALESCE(SUM(t.pay_fen), 0) AS BIGINT) FROM tp_orders t \
              WHERE t.order_id = $1 AND ($2 = 0 OR t.centre_id = $2)) AS pay_fen";
        Ok(
            on_read!(self, p => sqlx::query_as::<_, OrderPace>(sql).bind(order_id.get()).bind(centre)
            .fetch_one(p).await?),
        )
    }

    /// Open orders worked on at centres with a floor, per order and centre, that have not
    /// raised a wage alert yet.
    pub async fn wage_candidates(&self) -> Result<Vec<WageCandidate>> {
        let sql = "SELECT s.order_id, o.name AS order_name, s.centre_id, \
                   CAST(c.min_hourly_wage_fen AS BIGINT) AS floor_fen, \
                   CAST(SUM(s.labels - s.skips) AS BIGINT) AS answers, CAST(SUM(s.ms_sum) AS BIGINT) AS active_ms, \
                   CAST(COALESCE((SELECT SUM(t.pay_fen) FROM tp_orders t WHERE t.order_id = s.order_id \
                       AND t.centre_id = s.centre_id), 0) AS BIGINT) AS pay_fen \
                   FROM worker_order_stats s JOIN orders o ON o.id = s.order_id JOIN centres c ON c.id = s.centre_id \
                   WHERE o.state = 'open' AND c.min_hourly_wage_fen IS NOT NULL \
                   AND NOT EXISTS (SELECT 1 FROM wage_alerts w WHERE w.order_id = s.order_id AND w.centre_id = s.centre_id) \
                   GROUP BY s.order_id, o.name, s.centre_id, c.min_hourly_wage_fen \
                   ORDER BY s.order_id, s.centre_id";
        Ok(on_read!(self, p => sqlx::query_as::<_, WageCandidate>(sql).fetch_all(p).await?))
    }

    /// Records that an order pays `fen_per_hour` at a centre, under its floor, and tells the
    /// centre's leads and every admin (an alert each), in one transaction. `false` when it
    /// was already recorded (nobody is told twice).
    pub async fn raise_wage_alert(
        &self,
        c: &WageCandidate,
        fen_per_hour: i64,
        body: &str,
        data: &str,
        now: i64,
    ) -> Result<bool> {
        in_tx!(self, tx => {
            let new: Option<i64> = sqlx::query_scalar(
                "INSERT INTO wage_alerts (order_id, centre_id, fen_per_hour, floor_fen, created_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT DO NOTHING RETURNING order_id")
                .bind(c.order_id).bind(c.centre_id).bind(fen_per_hour).bind(c.floor_fen).bind(now)
                .fetch_optional(&mut *tx).await?;
            if new.is_none() {
                return Ok(false);
            }
            sqlx::query(
                "INSERT INTO messages (centre_id, kind, to_id, body, order_id, data, created_at) \
                 SELECT $1, 'alert', u.id, $2, $3, $4, $5 FROM users u \
                 WHERE u.disabled = FALSE AND ((u.role = 'lead' AND u.centre_id = $1) OR u.role = 'admin')")
                .bind(c.centre_id).bind(body).bind(c.order_id).bind(data).bind(now)
                .execute(&mut *tx).await?;
            Ok(true)
        })
    }
}
