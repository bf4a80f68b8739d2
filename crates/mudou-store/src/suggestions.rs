//! Model suggestions: a model's answer to some of an order's questions for an item, stored
//! one per item of an order (a newer one replaces it; a planted one stays), and read for
//! the workbench (a unit's items), for a label (what the annotator was shown) and for the
//! live consensus. What a suggestion must be to be stored is checked by the caller
//! (`mudou_domain::suggest::check`); here only that its item is the order's.

use std::collections::HashSet;

use crate::sql::{in_list, params};
use crate::{Result, Store};
use mudou_domain::OrderId;

/// Where a suggestion came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuggestionSource {
    /// With the items or from a file (Label Studio predictions, COCO, YOLO, JSONL).
    Import,
    /// Asked from the order's model backend.
    Backend,
    /// A known-wrong answer on a gold item, to catch acceptance without looking.
    Planted,
}

impl SuggestionSource {
    pub fn as_str(self) -> &'static str {
        match self {
            SuggestionSource::Import => "import",
            SuggestionSource::Backend => "backend",
            SuggestionSource::Planted => "planted",
        }
    }
}

/// A suggestion to store.
#[derive(Debug, Clone)]
pub struct NewSuggestion {
    pub item_id: i64,
    /// The answer (JSON object keyed by question), already checked against the order.
    pub answer: String,
    pub model: String,
    pub model_version: Option<String>,
    /// The model's own score (confidence), when it gave one.
    pub score: Option<f64>,
    pub source: SuggestionSource,
}

/// A stored suggestion.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Suggestion {
    pub id: i64,
    pub order_id: i64,
    pub item_id: i64,
    pub answer: String,
    pub model: String,
    pub model_version: Option<String>,
    pub score: Option<f64>,
    /// `import`, `backend` or `planted`: never shown to annotators (a planted one looks
    /// like any other).
    pub source: String,
    pub created_at: i64,
}

/// What [`Store::put_suggestions`] did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PutSuggestions {
    /// Stored or replaced.
    pub stored: u64,
    /// Left as they were: a planted suggestion is not replaced by a model's.
    pub kept_planted: u64,
    /// Item ids that are not of the order's dataset (nothing stored for them).
    pub unknown_items: Vec<i64>,
}

const COLS: &str = "id, order_id, item_id, answer, model, model_version, score, source, created_at";

impl Store {
    /// Stores suggestions for items of the order's dataset (a draft's too) in one
    /// transaction: each replaces the item's suggestion, except that a planted one is only
    /// replaced by another planted one. One for an item of another dataset is left out and
    /// named.
    pub async fn put_suggestions(
        &self,
        order_id: OrderId,
        list: &[NewSuggestion],
        now: i64,
    ) -> Result<PutSuggestions> {
        let mut out = PutSuggestions::default();
        if list.is_empty() {
            return Ok(out);
        }
        let upsert = "INSERT INTO suggestions (order_id, item_id, answer, model, model_version, score, source, \
            created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
            ON CONFLICT (order_id, item_id) DO UPDATE SET answer = excluded.answer, model = excluded.model, \
            model_version = excluded.model_version, score = excluded.score, source = excluded.source, \
            updated_at = excluded.updated_at \
            WHERE suggestions.source <> 'planted' OR excluded.source = 'planted'";
        let order = order_id.get();
        Ok(in_tx!(self, tx => {
            let mut known = HashSet::new();
            for chunk in list.chunks(256) {
                let ids = in_list(chunk.iter().map(|s| s.item_id));
                let sql = format!(
                    "SELECT i.id FROM items i JOIN orders o ON o.dataset_id = i.dataset_id \
                     WHERE o.id = $1 AND i.id IN ({})",
                    params(2, ids.len())
                );
                let mut q = sqlx::query_scalar::<_, i64>(&sql).bind(order);
                for id in &ids {
                    q = q.bind(*id);
                }
                known.extend(q.fetch_all(&mut *tx).await?);
            }
            for s in list {
                if !known.contains(&s.item_id) {
                    out.unknown_items.push(s.item_id);
                    continue;
                }
                let n = sqlx::query(upsert).bind(order).bind(s.item_id).bind(&s.answer).bind(&s.model)
                    .bind(&s.model_version).bind(s.score).bind(s.source.as_str()).bind(now)
                    .execute(&mut *tx).await?.rows_affected();
                if n == 0 {
                    out.kept_planted += 1;
                } else {
                    out.stored += 1;
                }
            }
            // A planted suggestion looks like the model's: it takes the name and version of
            // the model whose suggestions came last (planted before they came, it had none).
            if let Some(last) = list.iter().rev().find(|s| s.source != SuggestionSource::Planted) {
                sqlx::query("UPDATE suggestions SET model = $2, model_version = $3 \
                             WHERE order_id = $1 AND source = 'planted' AND (model <> $2 OR model_version IS DISTINCT FROM $3)")
                    .bind(order).bind(&last.model).bind(&last.model_version).execute(&mut *tx).await?;
            }
            out
        }))
    }

    /// The suggestions of these items of the order (those that have one).
    pub async fn suggestions_for(
        &self,
        order_id: OrderId,
        item_ids: &[i64],
    ) -> Result<Vec<Suggestion>> {
        let mut out = Vec::new();
        for chunk in item_ids.chunks(256) {
            let ids = in_list(chunk.iter().copied());
            let sql = format!(
                "SELECT {COLS} FROM suggestions WHERE order_id = $1 AND item_id IN ({})",
                params(2, ids.len())
            );
            let rows: Vec<Suggestion> = on_read!(self, p => {
                let mut q = sqlx::query_as::<_, Suggestion>(&sql).bind(order_id.get());
                for id in &ids {
                    q = q.bind(*id);
                }
                q.fetch_all(p).await?
            });
            out.extend(rows);
        }
        out.sort_by_key(|s| s.item_id);
        Ok(out)
    }

    /// The item's suggestion on the order, if it has one.
    pub async fn suggestion(&self, order_id: OrderId, item_id: i64) -> Result<Option<Suggestion>> {
        let sql = format!("SELECT {COLS} FROM suggestions WHERE order_id = $1 AND item_id = $2");
        Ok(on_read!(self, p => sqlx::query_as::<_, Suggestion>(&sql)
            .bind(order_id.get()).bind(item_id).fetch_optional(p).await?))
    }

    /// Every suggestion of the order, by item (for reports and exports).
    pub async fn order_suggestions(&self, order_id: OrderId) -> Result<Vec<Suggestion>> {
        let sql = format!("SELECT {COLS} FROM suggestions WHERE order_id = $1 ORDER BY item_id");
        Ok(on_read!(self, p => sqlx::query_as::<_, Suggestion>(&sql)
            .bind(order_id.get()).fetch_all(p).await?))
    }

    /// `(item, suggestion shown, outcome)` of the order's answered labels, by item.
    pub async fn label_suggestions(
        &self,
        order_id: OrderId,
    ) -> Result<Vec<(i64, Option<i64>, Option<String>)>> {
        let sql = "SELECT item_id, suggestion_id, suggestion_outcome FROM labels \
                   WHERE order_id = $1 AND answer IS NOT NULL ORDER BY item_id, id";
        Ok(on_read!(self, p => sqlx::query_as(sql).bind(order_id.get()).fetch_all(p).await?))
    }
}
