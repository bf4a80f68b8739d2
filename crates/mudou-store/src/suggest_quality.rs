//! Model suggestions and quality: the model's vote in the live consensus, what its
//! suggestions were worth once their items settled, planted (known-wrong) suggestions and
//! the workers who accept them without looking.
//!
//! - [`read_votes`]: the model's vote on the touched items of a write batch (one read of
//!   their suggestions, and, only when some have one, of their orders' policy and the
//!   model's record on them).
//! - [`follow`], a follower of [`crate::effects`] in the labels' transaction: when an item
//!   settles (a resolved consensus, a lead's decision, a gold item answered), whether its
//!   suggestion agreed with the settled answer goes to `model_order_stats`, the model's
//!   record on the order; when a label on a gold item answered a planted suggestion, the
//!   worker's planted shown / accepted are counted again (`blind_accepts`) and the
//!   centre's leads are alerted the first time `flag_blind` says so (real work only: a
//!   training order tells the trainee at once instead).
//!
//! What agreeing means is the order's (`mudou_domain::suggest::outcome`, by its pass mark)
//! and when a worker is flagged the domain's (`suggest::flag_blind`); here only the counts.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use mudou_domain::live::ModelVote;
use mudou_domain::suggest::{self, Outcome, SuggestionPolicy};
use mudou_domain::{CentreId, ItemState, OrderId, OrderSpec, UserId};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::effects::LabelEffects;
use crate::pool::Tx;
use crate::sql::{in_list, params};
use crate::{Result, Store};

/// An item of an order: `(order, item)`.
type ItemKey = (i64, i64);

/// The one part of an order's spec the vote needs (the rest of the JSON is skipped).
#[derive(Deserialize)]
struct PolicyOnly {
    #[serde(default)]
    suggestions: Option<SuggestionPolicy>,
}

/// `order_id IN (…) AND item_id IN (…)` from `$1` for these keys' lists.
fn in_keys(prefix: &str, orders: usize, items: usize) -> String {
    format!(
        "{prefix}order_id IN ({}) AND {prefix}item_id IN ({})",
        params(1, orders),
        params(1 + orders, items)
    )
}

/// The model's vote on each of `keys` (items neither gold nor decided by a lead, as the
/// caller picks them) that has a suggestion that is not planted, on an order that trusts
/// the model: its estimated accuracy on the order (`suggest::model_accuracy` of
/// `model_order_stats`) capped by the order's trust. Items without one are left out.
pub(crate) async fn read_votes(
    tx: &mut Tx<'_>,
    keys: &[ItemKey],
) -> Result<HashMap<ItemKey, ModelVote>> {
    let mut out = HashMap::new();
    if keys.is_empty() {
        return Ok(out);
    }
    let wanted: HashSet<ItemKey> = keys.iter().copied().collect();
    let orders = in_list(keys.iter().map(|k| k.0));
    let items = in_list(keys.iter().map(|k| k.1));
    let sql = tx.sql(format!(
        "SELECT order_id, item_id, answer FROM suggestions WHERE {} AND source <> 'planted'",
        in_keys("", orders.len(), items.len())
    ));
    let rows: Vec<(i64, i64, String)> = on_tx!(tx, c => {
        let mut q = sqlx::query_as(&sql);
        for id in orders.iter().chain(&items) { q = q.bind(id); }
        q.fetch_all(&mut *c).await?
    });
    let rows: Vec<(i64, i64, String)> = rows
        .into_iter()
        .filter(|r| wanted.contains(&(r.0, r.1)))
        .collect();
    if rows.is_empty() {
        return Ok(out);
    }
    let with = in_list(rows.iter().map(|r| r.0));
    let sql = tx.sql(format!(
        "SELECT o.id, o.spec, COALESCE(m.judged, 0), COALESCE(m.agreed, 0) FROM orders o \
         LEFT JOIN model_order_stats m ON m.order_id = o.id WHERE o.id IN ({})",
        params(1, with.len())
    ));
    let specs: Vec<(i64, String, i64, i64)> = on_tx!(tx, c => {
        let mut q = sqlx::query_as(&sql);
        for id in &with { q = q.bind(id); }
        q.fetch_all(&mut *c).await?
    });
    let accuracy: HashMap<i64, f64> = specs
        .into_iter()
        .filter_map(|(id, spec, judged, agreed)| {
            let p = serde_json::from_str::<PolicyOnly>(&spec).ok()?;
            let a = suggest::vote_accuracy(
                p.suggestions.as_ref(),
                suggest::model_accuracy(judged, agreed),
            )?;
            Some((id, a))
        })
        .collect();
    for (o, i, answer) in rows {
        if let Some(&accuracy) = accuracy.get(&o) {
            out.insert((o, i), ModelVote { answer, accuracy });
        }
    }
    Ok(out)
}

/// The followers of this file (see the module's notes), in the labels' transaction.
pub(crate) async fn follow(tx: &mut Tx<'_>, fx: &LabelEffects) -> Result<()> {
    settle_model(tx, fx).await?;
    count_blind(tx, fx).await
}

/// Reads and parses the specs of these orders (those that do not parse are left out).
async fn specs_of(tx: &mut Tx<'_>, orders: &BTreeSet<i64>) -> Result<HashMap<i64, OrderSpec>> {
    if orders.is_empty() {
        return Ok(HashMap::new());
    }
    let ids = in_list(orders.iter().copied());
    let sql = tx.sql(format!(
        "SELECT id, spec FROM orders WHERE id IN ({})",
        params(1, ids.len())
    ));
    let rows: Vec<(i64, String)> = on_tx!(tx, c => {
        let mut q = sqlx::query_as(&sql);
        for id in &ids { q = q.bind(id); }
        q.fetch_all(&mut *c).await?
    });
    Ok(rows
        .into_iter()
        .filter_map(|(id, s)| Some((id, serde_json::from_str(&s).ok()?)))
        .collect())
}

/// Items that settled: their suggestion (not planted) checked against the settled answer,
/// the model's record on the order changed by what changed (an item settling again with
/// another answer counts once, as it now stands).
async fn settle_model(tx: &mut Tx<'_>, fx: &LabelEffects) -> Result<()> {
    // (order, item) → the settled answer; gold items' answers are read below.
    let mut settled: BTreeMap<ItemKey, Option<String>> = BTreeMap::new();
    for it in &fx.items {
        if it.state == ItemState::Resolved
            && let Some(a) = &it.answer
        {
            settled.insert((it.order_id, it.item_id), Some(a.clone()));
        }
    }
    for l in &fx.labels {
        if l.is_gold && l.answer.is_some() {
            settled.entry((l.order_id, l.item_id)).or_insert(None);
        }
    }
    if settled.is_empty() {
        return Ok(());
    }
    let orders = in_list(settled.keys().map(|k| k.0));
    let items = in_list(settled.keys().map(|k| k.1));
    let sql = tx.sql(format!(
        "SELECT s.id, s.order_id, s.item_id, s.answer, s.settled_agrees, oi.gold FROM suggestions s \
         JOIN order_items oi ON oi.order_id = s.order_id AND oi.item_id = s.item_id \
         WHERE {} AND s.source <> 'planted'",
        in_keys("s.", orders.len(), items.len())
    ));
    type Row = (i64, i64, i64, String, Option<bool>, Option<String>);
    let rows: Vec<Row> = on_tx!(tx, c => {
        let mut q = sqlx::query_as(&sql);
        for id in orders.iter().chain(&items) { q = q.bind(id); }
        q.fetch_all(&mut *c).await?
    });
    // A gold item's suggestion is checked once: its answer never changes.
    let rows: Vec<Row> = rows
        .into_iter()
        .filter(|r| match settled.get(&(r.1, r.2)) {
            Some(Some(_)) => true,
            Some(None) => r.4.is_none() && r.5.is_some(),
            None => false,
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    let specs = specs_of(tx, &rows.iter().map(|r| r.1).collect()).await?;
    let mut delta: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    for (id, o, i, suggestion, before, gold) in rows {
        let Some(spec) = specs.get(&o) else {
            continue;
        };
        let Some(answer) = settled[&(o, i)].clone().or(gold) else {
            continue;
        };
        let (Ok(s), Ok(a)) = (
            serde_json::from_str::<Value>(&suggestion),
            serde_json::from_str::<Value>(&answer),
        ) else {
            continue;
        };
        let agrees = suggest::outcome(spec, &s, Some(&a)).is_some_and(|x| x != Outcome::Rejected);
        if before == Some(agrees) {
            continue;
        }
        let d = delta.entry(o).or_default();
        if before.is_none() {
            d.0 += 1;
        }
        d.1 += agrees as i64 - before.unwrap_or(false) as i64;
        on_tx!(tx, c => sqlx::query("UPDATE suggestions SET settled_agrees = $2 WHERE id = $1")
            .bind(id).bind(agrees).execute(&mut *c).await?.rows_affected());
    }
    for (o, (judged, agreed)) in delta {
        on_tx!(tx, c => sqlx::query(
            "INSERT INTO model_order_stats (order_id, judged, agreed) VALUES ($1, $2, $3) \
             ON CONFLICT (order_id) DO UPDATE SET judged = model_order_stats.judged + excluded.judged, \
             agreed = model_order_stats.agreed + excluded.agreed")
            .bind(o).bind(judged).bind(agreed).execute(&mut *c).await?.rows_affected());
    }
    Ok(())
}

/// Labels on gold items that answered a planted suggestion: each such worker's planted
/// shown / accepted on the order counted again from their labels, and the centre's leads
/// alerted once when they first call for it.
async fn count_blind(tx: &mut Tx<'_>, fx: &LabelEffects) -> Result<()> {
    let on_gold: Vec<i64> = fx
        .labels
        .iter()
        .filter(|l| l.is_gold && l.answer.is_some())
        .map(|l| l.label_id)
        .collect();
    if on_gold.is_empty() {
        return Ok(());
    }
    let ids = in_list(on_gold);
    let sql = tx.sql(format!(
        "SELECT DISTINCT l.order_id, l.annotator_id, l.centre_id FROM labels l \
         JOIN suggestions s ON s.id = l.suggestion_id WHERE l.id IN ({}) AND s.source = 'planted'",
        params(1, ids.len())
    ));
    let pairs: Vec<(i64, i64, i64)> = on_tx!(tx, c => {
        let mut q = sqlx::query_as(&sql);
        for id in &ids { q = q.bind(id); }
        q.fetch_all(&mut *c).await?
    });
    if pairs.is_empty() {
        return Ok(());
    }
    let specs = specs_of(tx, &pairs.iter().map(|p| p.0).collect()).await?;
    for (order, annotator, centre) in pairs {
        // A training order tells the trainee at once (the feedback); no lead is alerted.
        if specs.get(&order).is_none_or(|s| s.training.is_some()) {
            continue;
        }
        let (shown, accepted): (i64, i64) = on_tx!(tx, c => sqlx::query_as(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN l.suggestion_outcome = 'accepted' THEN 1 ELSE 0 END), 0) \
             FROM labels l JOIN suggestions s ON s.id = l.suggestion_id \
             WHERE l.annotator_id = $1 AND l.order_id = $2 AND l.answer IS NOT NULL AND s.source = 'planted'")
            .bind(annotator).bind(order).fetch_one(&mut *c).await?);
        on_tx!(tx, c => sqlx::query(
            "INSERT INTO blind_accepts (order_id, annotator_id, centre_id, shown, accepted) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (order_id, annotator_id) DO UPDATE SET shown = excluded.shown, accepted = excluded.accepted")
            .bind(order).bind(annotator).bind(centre).bind(shown).bind(accepted).execute(&mut *c).await?.rows_affected());
        if !suggest::flag_blind(shown as u32, accepted as u32) {
            continue;
        }
        let now = fx.now;
        let first = on_tx!(tx, c => sqlx::query(
            "UPDATE blind_accepts SET flagged_at = $3 WHERE order_id = $1 AND annotator_id = $2 AND flagged_at IS NULL")
            .bind(order).bind(annotator).bind(now).execute(&mut *c).await?.rows_affected());
        if first == 0 {
            continue;
        }
        let data =
            json!({"event": "blind_accept", "shown": shown, "accepted": accepted}).to_string();
        let body = format!(
            "accepted {accepted} of {shown} known-wrong model suggestions on order {order} as they were: \
             check whether they look before accepting"
        );
        on_tx!(tx, c => sqlx::query(
            "INSERT INTO messages (centre_id, kind, to_id, body, order_id, about_id, data, created_at) \
             SELECT $1, 'alert', u.id, $2, $3, $4, $5, $6 FROM users u \
             WHERE u.role = 'lead' AND u.centre_id = $1 AND u.disabled = FALSE")
            .bind(centre).bind(&body).bind(order).bind(annotator).bind(&data).bind(now)
            .execute(&mut *c).await?.rows_affected());
        tracing::info!(
            annotator,
            order,
            shown,
            accepted,
            "flagged for accepting planted suggestions"
        );
    }
    Ok(())
}

/// One worker's suggestions on one order, as their lead sees them.
#[derive(Debug, Clone, Default, PartialEq, sqlx::FromRow)]
pub struct WorkerSuggestions {
    pub order_id: i64,
    /// Answers given with a suggestion shown, and of those accepted as they were.
    pub shown: i64,
    pub accepted: i64,
    /// Planted (known-wrong) suggestions shown, and of those accepted as they were.
    pub planted_shown: i64,
    pub planted_accepted: i64,
    /// The centre's leads were alerted (Unix ms).
    pub flagged_at: Option<i64>,
}

/// The model's record on an order: suggestions whose items settled, and how many agreed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ModelRecord {
    pub judged: i64,
    pub agreed: i64,
}

impl Store {
    /// Per order, what `annotator_id` did with the suggestions they were shown, their
    /// labels made for `centre_id` only (the caller's scope); orders without one left out.
    pub async fn worker_suggestions(
        &self,
        centre_id: CentreId,
        annotator_id: UserId,
    ) -> Result<Vec<WorkerSuggestions>> {
        let sql = "SELECT l.order_id, COUNT(*) AS shown, \
            COALESCE(SUM(CASE WHEN l.suggestion_outcome = 'accepted' THEN 1 ELSE 0 END), 0) AS accepted, \
            COALESCE(SUM(CASE WHEN s.source = 'planted' THEN 1 ELSE 0 END), 0) AS planted_shown, \
            COALESCE(SUM(CASE WHEN s.source = 'planted' AND l.suggestion_outcome = 'accepted' THEN 1 ELSE 0 END), 0) \
              AS planted_accepted, \
            MAX(b.flagged_at) AS flagged_at \
            FROM labels l JOIN suggestions s ON s.id = l.suggestion_id \
            LEFT JOIN blind_accepts b ON b.order_id = l.order_id AND b.annotator_id = l.annotator_id \
            WHERE l.annotator_id = $1 AND l.centre_id = $2 AND l.answer IS NOT NULL \
            GROUP BY l.order_id ORDER BY l.order_id";
        Ok(
            on_read!(self, p => sqlx::query_as::<_, WorkerSuggestions>(sql)
            .bind(annotator_id.get()).bind(centre_id.get()).fetch_all(p).await?),
        )
    }

    /// The model's record on an order (zeros before any of its suggestions settled).
    pub async fn model_record(&self, order_id: OrderId) -> Result<ModelRecord> {
        let sql = "SELECT judged, agreed FROM model_order_stats WHERE order_id = $1";
        let row: Option<(i64, i64)> = on_read!(self, p => sqlx::query_as(sql)
            .bind(order_id.get()).fetch_optional(p).await?);
        Ok(row
            .map(|(judged, agreed)| ModelRecord { judged, agreed })
            .unwrap_or_default())
    }

    /// The order's gold items with their known answers, by item.
    pub async fn order_gold_answers(&self, order_id: OrderId) -> Result<Vec<(i64, String)>> {
        let sql = "SELECT item_id, gold FROM order_items WHERE order_id = $1 AND is_gold = TRUE \
                   AND gold IS NOT NULL ORDER BY item_id";
        Ok(on_read!(self, p => sqlx::query_as(sql).bind(order_id.get()).fetch_all(p).await?))
    }

    /// The items of the order that hold a planted suggestion.
    pub async fn planted_items(&self, order_id: OrderId) -> Result<Vec<i64>> {
        let sql = "SELECT item_id FROM suggestions WHERE order_id = $1 AND source = 'planted' ORDER BY item_id";
        Ok(on_read!(self, p => sqlx::query_scalar(sql).bind(order_id.get()).fetch_all(p).await?))
    }

    /// The model name and version of one of the order's suggestions that is not planted
    /// (the most recent), and whether it came with a score, if it has any.
    pub async fn order_model_name(
        &self,
        order_id: OrderId,
    ) -> Result<Option<(String, Option<String>, bool)>> {
        let sql = "SELECT model, model_version, score IS NOT NULL FROM suggestions WHERE order_id = $1 \
                   AND source <> 'planted' ORDER BY updated_at DESC, id DESC LIMIT 1";
        Ok(on_read!(self, p => sqlx::query_as(sql).bind(order_id.get()).fetch_optional(p).await?))
    }
}
