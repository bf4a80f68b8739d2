//! The figures the live consensus weighs workers by ([`mudou_domain::skill`]): each worker's
//! checked answers on an order (`worker_order_stats`, kept by [`crate::quality`]) and on all
//! orders of its kind (`worker_kind_stats`, kept here from the same deltas). Read once per
//! write batch, before its labels are decided, so a worker's skill is as of the batch
//! before: the lag is one batch.

use std::collections::{BTreeMap, HashMap};

use mudou_domain::skill::{Checked, WorkerRecord};

use crate::pool::Tx;
use crate::sql::{CHUNK, in_list, params, tuples};
use crate::{Result, Store};

/// What each `(order_id, annotator_id)` pair's worker has shown: on the order, and on the
/// other orders of its kind. Pairs with no figures yet are left out (a new worker).
pub(crate) async fn read_records(
    tx: &mut Tx<'_>,
    pairs: &[(i64, i64)],
) -> Result<HashMap<(i64, i64), WorkerRecord>> {
    let mut out: HashMap<(i64, i64), WorkerRecord> = HashMap::new();
    if pairs.is_empty() {
        return Ok(out);
    }
    let orders = in_list(pairs.iter().map(|p| p.0));
    let people = in_list(pairs.iter().map(|p| p.1));
    let (no, np) = (orders.len(), people.len());
    type Row = (i64, i64, i64, i64, i64, i64);
    let sql = tx.sql(format!(
        "SELECT order_id, annotator_id, gold_total, gold_correct, judged, agreed FROM worker_order_stats \
         WHERE order_id IN ({}) AND annotator_id IN ({})",
        params(1, no),
        params(1 + no, np)
    ));
    let on_order: Vec<Row> = on_tx!(tx, c => {
        let mut q = sqlx::query_as(&sql);
        for id in orders.iter().chain(&people) { q = q.bind(id); }
        q.fetch_all(&mut *c).await?
    });
    let sql = tx.sql(format!(
        "SELECT o.id, k.annotator_id, k.gold_total, k.gold_correct, k.judged, k.agreed \
         FROM orders o JOIN worker_kind_stats k ON k.task_type = o.task_type \
         WHERE o.id IN ({}) AND k.annotator_id IN ({})",
        params(1, no),
        params(1 + no, np)
    ));
    let on_kind: Vec<Row> = on_tx!(tx, c => {
        let mut q = sqlx::query_as(&sql);
        for id in orders.iter().chain(&people) { q = q.bind(id); }
        q.fetch_all(&mut *c).await?
    });
    let checked = |r: &Row| Checked {
        gold_total: r.2,
        gold_correct: r.3,
        judged: r.4,
        agreed: r.5,
    };
    let wanted: std::collections::HashSet<(i64, i64)> = pairs.iter().copied().collect();
    for r in &on_order {
        if wanted.contains(&(r.0, r.1)) {
            out.entry((r.0, r.1)).or_default().order = checked(r);
        }
    }
    for r in &on_kind {
        if wanted.contains(&(r.0, r.1)) {
            let rec = out.entry((r.0, r.1)).or_default();
            // The kind's totals include this order's: the history is the rest.
            rec.history = checked(r).minus(&rec.order);
        }
    }
    Ok(out)
}

/// Checked-answer deltas of one worker on one order.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct CheckedDelta {
    pub gold_total: i64,
    pub gold_correct: i64,
    pub judged: i64,
    pub agreed: i64,
}

/// Adds `(annotator_id, order_id)` deltas to the workers' per-kind figures.
pub(crate) async fn add_to_kinds(
    tx: &mut Tx<'_>,
    deltas: &[((i64, i64), CheckedDelta)],
) -> Result<()> {
    let deltas: Vec<&((i64, i64), CheckedDelta)> = deltas
        .iter()
        .filter(|(_, d)| d.gold_total != 0 || d.gold_correct != 0 || d.judged != 0 || d.agreed != 0)
        .collect();
    if deltas.is_empty() {
        return Ok(());
    }
    let orders = in_list(deltas.iter().map(|((_, o), _)| *o));
    let sql = tx.sql(format!(
        "SELECT id, task_type FROM orders WHERE id IN ({})",
        params(1, orders.len())
    ));
    let kinds: Vec<(i64, String)> = on_tx!(tx, c => {
        let mut q = sqlx::query_as(&sql);
        for id in &orders { q = q.bind(id); }
        q.fetch_all(&mut *c).await?
    });
    let kinds: HashMap<i64, String> = kinds.into_iter().collect();
    let mut by_kind: BTreeMap<(i64, &str), CheckedDelta> = BTreeMap::new();
    for ((annotator, order), d) in deltas {
        let Some(kind) = kinds.get(order) else {
            continue;
        };
        let e = by_kind.entry((*annotator, kind.as_str())).or_default();
        e.gold_total += d.gold_total;
        e.gold_correct += d.gold_correct;
        e.judged += d.judged;
        e.agreed += d.agreed;
    }
    let rows: Vec<((i64, &str), CheckedDelta)> = by_kind.into_iter().collect();
    for chunk in rows.chunks(CHUNK) {
        let add = |c: &str| format!("{c} = worker_kind_stats.{c} + excluded.{c}");
        let sql = tx.sql(format!(
            "INSERT INTO worker_kind_stats (annotator_id, task_type, gold_total, gold_correct, judged, agreed) \
             VALUES {} ON CONFLICT (annotator_id, task_type) DO UPDATE SET {}, {}, {}, {}",
            tuples(chunk.len(), 6),
            add("gold_total"),
            add("gold_correct"),
            add("judged"),
            add("agreed")
        ));
        on_tx!(tx, c => {
            let mut q = sqlx::query(&sql);
            for ((a, k), d) in chunk {
                q = q.bind(*a).bind(*k).bind(d.gold_total).bind(d.gold_correct).bind(d.judged).bind(d.agreed);
            }
            q.execute(&mut *c).await?;
        });
    }
    Ok(())
}

impl Store {
    /// What each `(order_id, annotator_id)` pair's worker has shown (see [`read_records`]);
    /// a pair with no figures gets the empty record. The caller scopes the pairs.
    pub async fn worker_records(
        &self,
        pairs: &[(i64, i64)],
    ) -> Result<HashMap<(i64, i64), WorkerRecord>> {
        let mut out = HashMap::with_capacity(pairs.len());
        on_read!(self, p => {
            // One connection for every chunk.
            let mut c = p.acquire().await?;
            for chunk in pairs.chunks(CHUNK / 2) {
                let records = read_records(&mut Tx::from(&mut *c), chunk).await?;
                out.extend(
                    chunk
                        .iter()
                        .map(|k| (*k, records.get(k).copied().unwrap_or_default())),
                );
            }
        });
        Ok(out)
    }
}
