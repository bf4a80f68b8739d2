//! Model backends: an order's model server (the Label Studio ML backend protocol), its
//! circuit breaker's state and counts, what it was asked of the order's items and which
//! settled items it was told of. The calls themselves are the server's
//! (`mudou-server/src/model_backend.rs`); nothing here is held across one.

use crate::{Result, Store};
use mudou_domain::OrderId;

/// A backend as configured by the order's client.
#[derive(Debug, Clone)]
pub struct NewModelBackend {
    pub url: String,
    /// Sent to the backend; kept as given (an outbound credential).
    pub token: Option<String>,
    /// JSON list of question keys; `None`: the order's `suggestions.questions`.
    pub questions: Option<String>,
    pub batch_size: i64,
    pub timeout_ms: i64,
    /// What the backend said on `/setup`, when it said.
    pub model_version: Option<String>,
}

/// A stored backend with its breaker and counts.
#[derive(Clone, PartialEq, sqlx::FromRow)]
pub struct ModelBackend {
    pub order_id: i64,
    pub url: String,
    pub token: Option<String>,
    pub questions: Option<String>,
    pub batch_size: i64,
    pub timeout_ms: i64,
    pub model_version: Option<String>,
    /// Failed calls in a row.
    pub failures: i64,
    /// The circuit is open (no calls) until then, Unix ms.
    pub open_until: Option<i64>,
    pub last_error: Option<String>,
    pub last_error_at: Option<i64>,
    pub last_success_at: Option<i64>,
    pub asked: i64,
    pub stored: i64,
    pub dropped: i64,
    pub trained: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

// The token stays out of logs.
impl std::fmt::Debug for ModelBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelBackend")
            .field("order_id", &self.order_id)
            .field("url", &self.url)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("failures", &self.failures)
            .field("open_until", &self.open_until)
            .finish_non_exhaustive()
    }
}

/// An item of the order to ask the backend about.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ItemToAsk {
    pub id: i64,
    pub kind: String,
    pub sha256: Option<String>,
    pub body: Option<String>,
    pub file_name: String,
    pub fields: Option<String>,
    pub width: Option<i64>,
    pub height: Option<i64>,
}

/// A settled item to tell the backend of: its content and final answer.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SettledItem {
    #[sqlx(flatten)]
    pub item: ItemToAsk,
    pub answer: String,
}

/// What one call to a backend did, for its row.
#[derive(Debug, Clone, Default)]
pub struct BackendCall {
    /// `Some(now)` after a call that succeeded (the breaker closes).
    pub success_at: Option<i64>,
    /// The error of a call that failed, and when.
    pub error: Option<(String, i64)>,
    /// Failed calls in a row after this one.
    pub failures: i64,
    pub open_until: Option<i64>,
    pub model_version: Option<String>,
    pub asked: i64,
    pub stored: i64,
    pub dropped: i64,
    pub trained: i64,
}

const COLS: &str = "order_id, url, token, questions, batch_size, timeout_ms, model_version, failures, \
    open_until, last_error, last_error_at, last_success_at, asked, stored, dropped, trained, created_at, updated_at";

const ITEM_COLS: &str = "i.id, i.kind, i.sha256, i.body, i.file_name, i.fields, b.width, b.height";

impl Store {
    /// Sets the order's backend (replacing one). A new address forgets what the old one was
    /// asked, so the new model is asked of every item still without a suggestion. One
    /// transaction.
    pub async fn put_model_backend(
        &self,
        order_id: OrderId,
        b: &NewModelBackend,
        now: i64,
    ) -> Result<()> {
        let order = order_id.get();
        in_tx!(self, tx => {
            let old: Option<String> = sqlx::query_scalar("SELECT url FROM model_backends WHERE order_id = $1")
                .bind(order).fetch_optional(&mut *tx).await?;
            if old.as_deref().is_some_and(|u| u != b.url) {
                sqlx::query("DELETE FROM model_backend_items WHERE order_id = $1 AND trained_at IS NULL")
                    .bind(order).execute(&mut *tx).await?;
                sqlx::query("UPDATE model_backend_items SET asked_at = NULL, outcome = NULL WHERE order_id = $1")
                    .bind(order).execute(&mut *tx).await?;
            }
            sqlx::query(
                "INSERT INTO model_backends (order_id, url, token, questions, batch_size, timeout_ms, \
                 model_version, last_success_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $8) \
                 ON CONFLICT (order_id) DO UPDATE SET url = excluded.url, token = excluded.token, \
                 questions = excluded.questions, batch_size = excluded.batch_size, timeout_ms = excluded.timeout_ms, \
                 model_version = excluded.model_version, failures = 0, open_until = NULL, \
                 last_success_at = excluded.last_success_at, updated_at = excluded.updated_at",
            )
            .bind(order).bind(&b.url).bind(&b.token).bind(&b.questions).bind(b.batch_size)
            .bind(b.timeout_ms).bind(&b.model_version).bind(now)
            .execute(&mut *tx).await?;
        });
        Ok(())
    }

    /// The order's backend, if it has one.
    pub async fn model_backend(&self, order_id: OrderId) -> Result<Option<ModelBackend>> {
        let sql = format!("SELECT {COLS} FROM model_backends WHERE order_id = $1");
        Ok(on_read!(self, p => sqlx::query_as::<_, ModelBackend>(&sql)
            .bind(order_id.get()).fetch_optional(p).await?))
    }

    /// Removes the order's backend and what it was asked (the suggestions it made stay).
    /// `false` when there was none.
    pub async fn delete_model_backend(&self, order_id: OrderId) -> Result<bool> {
        let order = order_id.get();
        Ok(in_tx!(self, tx => {
            sqlx::query("DELETE FROM model_backend_items WHERE order_id = $1")
                .bind(order).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM model_backends WHERE order_id = $1")
                .bind(order).execute(&mut *tx).await?.rows_affected() > 0
        }))
    }

    /// The backends of published orders (open or paused), for the worker.
    pub async fn active_model_backends(&self) -> Result<Vec<ModelBackend>> {
        let sql = format!(
            "SELECT {} FROM model_backends m JOIN orders o ON o.id = m.order_id \
             WHERE o.state IN ('open', 'paused') ORDER BY m.order_id",
            COLS.split(", ")
                .map(|c| format!("m.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        Ok(on_read!(self, p => sqlx::query_as::<_, ModelBackend>(&sql).fetch_all(p).await?))
    }

    /// Up to `limit` items of the published order with no suggestion that the backend was
    /// not asked of yet, by id.
    pub async fn items_to_ask(&self, order_id: OrderId, limit: i64) -> Result<Vec<ItemToAsk>> {
        let sql = format!(
            "SELECT {ITEM_COLS} FROM order_items oi JOIN items i ON i.id = oi.item_id \
             LEFT JOIN blobs b ON b.sha256 = i.sha256 \
             WHERE oi.order_id = $1 \
             AND NOT EXISTS (SELECT 1 FROM suggestions s WHERE s.order_id = oi.order_id AND s.item_id = oi.item_id) \
             AND NOT EXISTS (SELECT 1 FROM model_backend_items m WHERE m.order_id = oi.order_id \
                             AND m.item_id = oi.item_id AND m.asked_at IS NOT NULL) \
             ORDER BY oi.item_id LIMIT $2"
        );
        Ok(on_read!(self, p => sqlx::query_as::<_, ItemToAsk>(&sql)
            .bind(order_id.get()).bind(limit).fetch_all(p).await?))
    }

    /// Up to `limit` settled items (resolved with an answer: by the crowd or a lead) the
    /// backend was not told of yet, by id.
    pub async fn items_to_train(&self, order_id: OrderId, limit: i64) -> Result<Vec<SettledItem>> {
        let sql = format!(
            "SELECT {ITEM_COLS}, oi.answer FROM order_items oi JOIN items i ON i.id = oi.item_id \
             LEFT JOIN blobs b ON b.sha256 = i.sha256 \
             WHERE oi.order_id = $1 AND oi.state = 'resolved' AND oi.answer IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM model_backend_items m WHERE m.order_id = oi.order_id \
                             AND m.item_id = oi.item_id AND m.trained_at IS NOT NULL) \
             ORDER BY oi.item_id LIMIT $2"
        );
        Ok(on_read!(self, p => sqlx::query_as::<_, SettledItem>(&sql)
            .bind(order_id.get()).bind(limit).fetch_all(p).await?))
    }

    /// Records a call's outcome on the backend's row, and on the items: each asked one with
    /// what became of its answer (`stored`, `dropped`, `kept_planted`), each told one as
    /// told. One transaction; nothing when the backend was removed meanwhile.
    pub async fn record_backend_call(
        &self,
        order_id: OrderId,
        call: &BackendCall,
        asked: &[(i64, &'static str)],
        trained: &[i64],
        now: i64,
    ) -> Result<()> {
        let order = order_id.get();
        in_tx!(self, tx => {
            let n = sqlx::query(
                "UPDATE model_backends SET failures = $2, open_until = $3, \
                 last_error = COALESCE($4, last_error), last_error_at = COALESCE($5, last_error_at), \
                 last_success_at = COALESCE($6, last_success_at), model_version = COALESCE($7, model_version), \
                 asked = asked + $8, stored = stored + $9, dropped = dropped + $10, trained = trained + $11, \
                 updated_at = $12 WHERE order_id = $1",
            )
            .bind(order).bind(call.failures).bind(call.open_until)
            .bind(call.error.as_ref().map(|e| e.0.as_str())).bind(call.error.as_ref().map(|e| e.1))
            .bind(call.success_at).bind(&call.model_version)
            .bind(call.asked).bind(call.stored).bind(call.dropped).bind(call.trained).bind(now)
            .execute(&mut *tx).await?.rows_affected();
            if n > 0 {
                for (item, outcome) in asked {
                    sqlx::query(
                        "INSERT INTO model_backend_items (order_id, item_id, asked_at, outcome) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (order_id, item_id) DO UPDATE SET asked_at = excluded.asked_at, outcome = excluded.outcome",
                    )
                    .bind(order).bind(*item).bind(now).bind(*outcome)
                    .execute(&mut *tx).await?;
                }
                for id in trained {
                    sqlx::query(
                        "INSERT INTO model_backend_items (order_id, item_id, trained_at) VALUES ($1, $2, $3) \
                         ON CONFLICT (order_id, item_id) DO UPDATE SET trained_at = excluded.trained_at",
                    )
                    .bind(order).bind(*id).bind(now)
                    .execute(&mut *tx).await?;
                }
            }
        });
        Ok(())
    }

    /// Lets the next pass call the backend now: closes an open circuit for one trial call.
    pub async fn nudge_model_backend(&self, order_id: OrderId, now: i64) -> Result<()> {
        on_write!(self, p => sqlx::query(
            "UPDATE model_backends SET open_until = CASE WHEN open_until IS NULL THEN NULL ELSE $2 END, \
             updated_at = $2 WHERE order_id = $1")
            .bind(order_id.get()).bind(now).execute(p).await?.rows_affected());
        Ok(())
    }
}
