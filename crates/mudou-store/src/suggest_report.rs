//! The facts of the model suggestions report (issue 29): suggestions by source and the
//! items with one, every answered label with what it was shown, what was done, its time
//! and its pay, and the settled items' suggestions against their final answers. Counts and
//! rows only: the shares, medians and the agreement by the order's pass mark are
//! `mudou_domain::suggest_report`'s.
//!
//! Scope: the client sees the whole order; a lead (`EffectViewer::Lead`) their centre's
//! labels, and the items their centre answered.

use mudou_domain::OrderId;
use mudou_domain::suggest::Outcome;
use mudou_domain::suggest_report::{LabelFact, ReportFacts, Settled, SettledFact, Shown};

use crate::question_effect::EffectViewer;
use crate::{Result, Store};

/// An item the viewer's centre answered (`$2 = 0`: every item), for an alias `x` of a row
/// with `order_id` and `item_id`.
fn centre_item(x: &str) -> String {
    format!(
        "($2 = 0 OR EXISTS (SELECT 1 FROM labels cl WHERE cl.order_id = {x}.order_id \
         AND cl.item_id = {x}.item_id AND cl.centre_id = $2 AND cl.answer IS NOT NULL))"
    )
}

impl Store {
    /// Everything the suggestions report of an order is made from, in `viewer`'s scope. The
    /// caller checked the viewer may see the order.
    pub async fn suggest_report_facts(
        &self,
        order_id: OrderId,
        viewer: EffectViewer,
    ) -> Result<ReportFacts> {
        let order = order_id.get();
        // The centre the figures are limited to (0: every centre; ids start at 1).
        let centre = match viewer {
            EffectViewer::Client => 0,
            EffectViewer::Lead(c) => c.get(),
        };

        // Suggestions by source, on the order's items (a draft's: its dataset's).
        let sources = format!(
            "SELECT s.source, COUNT(*) FROM suggestions s WHERE s.order_id = $1 AND {} GROUP BY s.source",
            centre_item("s")
        );
        let by_source: Vec<(String, i64)> = on_read!(self, p => sqlx::query_as(&sources)
            .bind(order).bind(centre).fetch_all(p).await?);
        let count = |s: &str| {
            by_source
                .iter()
                .filter(|(x, _)| x == s)
                .map(|(_, n)| *n)
                .sum::<i64>()
        };

        let items_sql = format!(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN s.id IS NULL THEN 0 ELSE 1 END), 0) \
             FROM order_items oi LEFT JOIN suggestions s ON s.order_id = oi.order_id AND s.item_id = oi.item_id \
             WHERE oi.order_id = $1 AND {}",
            centre_item("oi")
        );
        let (mut items, mut items_with): (i64, i64) = on_read!(self, p => sqlx::query_as(&items_sql)
            .bind(order).bind(centre).fetch_one(p).await?);
        if items == 0 && centre == 0 {
            // A draft has no items of its own yet: its dataset's.
            let sql = "SELECT COUNT(*), COALESCE(SUM(CASE WHEN s.id IS NULL THEN 0 ELSE 1 END), 0) \
                 FROM orders o JOIN items i ON i.dataset_id = o.dataset_id \
                 LEFT JOIN suggestions s ON s.order_id = o.id AND s.item_id = i.id WHERE o.id = $1";
            (items, items_with) =
                on_read!(self, p => sqlx::query_as(sql).bind(order).fetch_one(p).await?);
        }

        // Every answered label: shown what, done what, time, pay in the ledger and to come.
        let labels_sql = "SELECT CASE WHEN l.suggestion_id IS NULL THEN 'none' \
                WHEN s.source = 'planted' THEN 'planted' ELSE 'model' END, \
            l.suggestion_outcome, l.client_ms, \
            CAST(COALESCE((SELECT SUM(e.amount_fen) FROM ledger_entries e WHERE e.label_id = l.id), 0) AS BIGINT), \
            CAST(COALESCE((SELECT lp.amount_fen FROM label_pay lp WHERE lp.label_id = l.id \
                AND lp.status = 'pending'), 0) AS BIGINT) \
            FROM labels l LEFT JOIN suggestions s ON s.id = l.suggestion_id \
            WHERE l.order_id = $1 AND l.answer IS NOT NULL AND ($2 = 0 OR l.centre_id = $2) ORDER BY l.id";
        type LabelRow = (String, Option<String>, i64, i64, i64);
        let rows: Vec<LabelRow> = on_read!(self, p => sqlx::query_as(labels_sql)
            .bind(order).bind(centre).fetch_all(p).await?);
        let labels = rows
            .into_iter()
            .map(|(shown, outcome, client_ms, paid_fen, pending_fen)| {
                let shown = match shown.as_str() {
                    "none" => Shown::Nothing,
                    "planted" => Shown::Planted,
                    _ => Shown::Model,
                };
                LabelFact {
                    shown,
                    outcome: outcome.as_deref().and_then(Outcome::parse),
                    client_ms,
                    paid_fen,
                    pending_fen,
                }
            })
            .collect();

        // Settled items with a model's suggestion: resolved (by consensus or a lead) and
        // gold items (their known answer).
        let settled_sql = format!(
            "SELECT s.answer, s.model, s.model_version, \
                CASE WHEN oi.is_gold THEN 'gold' WHEN oi.final_by IS NOT NULL THEN 'review' ELSE 'consensus' END, \
                CASE WHEN oi.is_gold THEN oi.gold ELSE oi.answer END \
             FROM suggestions s JOIN order_items oi ON oi.order_id = s.order_id AND oi.item_id = s.item_id \
             WHERE s.order_id = $1 AND s.source <> 'planted' \
             AND (oi.is_gold OR (oi.state = 'resolved' AND oi.answer IS NOT NULL)) AND {} ORDER BY s.item_id",
            centre_item("s")
        );
        type SettledRow = (String, String, Option<String>, String, Option<String>);
        let rows: Vec<SettledRow> = on_read!(self, p => sqlx::query_as(&settled_sql)
            .bind(order).bind(centre).fetch_all(p).await?);
        let settled = rows
            .into_iter()
            .filter_map(|(answer, model, model_version, how, fin)| {
                Some(SettledFact {
                    suggestion: serde_json::from_str(&answer).ok()?,
                    model,
                    model_version,
                    final_answer: serde_json::from_str(fin.as_deref()?).ok()?,
                    how: match how.as_str() {
                        "gold" => Settled::Gold,
                        "review" => Settled::Review,
                        _ => Settled::Consensus,
                    },
                })
            })
            .collect();

        Ok(ReportFacts {
            items,
            items_with,
            import: count("import"),
            backend: count("backend"),
            planted: count("planted"),
            labels,
            settled,
        })
    }
}
