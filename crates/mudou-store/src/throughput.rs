//! Throughput rollups: kept up to date inside the labels' own transaction (a follower of
//! the label effects), so reports read a bounded number of rollup rows — hours × people
//! of the window asked for — never the labels themselves.
//!
//! - `tp_hours` per centre, hour and annotator: labels, skips, answer time, gold answers,
//!   accepted / not paid, items resolved, label pay (by the hour the work was done).
//! - `tp_seconds` per centre and hour: a histogram of seconds per answer, for medians.
//! - `tp_orders` per order and centre: labels, skips, items resolved, pay; order 0 holds
//!   money outside orders. Credited and debited fen are monotonic, for Prometheus.
//!
//! On PostgreSQL a key may have up to 16 rows (the `shard` column): transactions running at
//! the same time add to different rows instead of queueing on one row's lock until their
//! commit, and every reader sums a key's rows. SQLite (one writer) has one row per key.

use std::collections::BTreeMap;

use mudou_domain::{CentreId, ItemState, OrgId};

use crate::effects::LabelEffects;
use crate::ledger::{ACCEPTED, NOT_PAID, NewEntry, PayChanges, PayRow};
use crate::pool::Tx;
use crate::sql::CHUNK;
use crate::{Result, Store};

pub const HOUR_MS: i64 = 3_600_000;
pub const DAY_MS: i64 = 86_400_000;

/// The start of the UTC hour holding `ms`.
pub fn hour_of(ms: i64) -> i64 {
    ms - ms.rem_euclid(HOUR_MS)
}

/// Histogram bucket of an answer's time: whole seconds below a minute, 10-second steps
/// to ten minutes, then minutes (up to the 30-minute clamp).
pub fn seconds_bucket(ms: i64) -> i64 {
    let s = ms.max(0) / 1000;
    if s < 60 {
        s
    } else if s < 600 {
        60 + (s - 60) / 10
    } else {
        114 + ((s - 600) / 60).min(30)
    }
}

/// A bucket's lower bound and width, in seconds.
pub fn bucket_bounds(b: i64) -> (f64, f64) {
    if b < 60 {
        (b as f64, 1.0)
    } else if b < 114 {
        (60.0 + (b - 60) as f64 * 10.0, 10.0)
    } else {
        (600.0 + (b - 114) as f64 * 60.0, 60.0)
    }
}

/// The median of a histogram of `(bucket, n)`: the middle of the bucket holding the
/// middle answer (the lower one of an even count). `None` when empty.
pub fn histogram_median(hist: &[(i64, i64)]) -> Option<f64> {
    let mut hist: Vec<(i64, i64)> = hist.iter().copied().filter(|h| h.1 > 0).collect();
    hist.sort_unstable();
    let total: i64 = hist.iter().map(|h| h.1).sum();
    if total == 0 {
        return None;
    }
    let rank = (total + 1) / 2;
    let mut seen = 0;
    for (b, n) in hist {
        seen += n;
        if seen >= rank {
            let (lo, w) = bucket_bounds(b);
            return Some(lo + w / 2.0);
        }
    }
    None
}

#[derive(Default, Clone, Copy)]
struct HourDelta {
    labels: i64,
    skips: i64,
    answer_ms: i64,
    gold_seen: i64,
    gold_correct: i64,
    accepted: i64,
    not_paid: i64,
    resolved: i64,
    pay_fen: i64,
}

#[derive(Default, Clone, Copy)]
struct OrderDelta {
    labels: i64,
    skips: i64,
    resolved: i64,
    pay_fen: i64,
    credited_fen: i64,
    debited_fen: i64,
}

fn counts(r: &PayRow) -> HourDelta {
    let b = |x: bool| x as i64;
    HourDelta {
        labels: b(r.answered),
        skips: b(!r.answered),
        answer_ms: if r.answered { r.client_ms } else { 0 },
        gold_seen: b(r.is_gold && r.answered),
        gold_correct: b(r.is_gold && r.answered && r.gold_correct == Some(true)),
        accepted: b(r.status == ACCEPTED),
        not_paid: b(r.status == NOT_PAID),
        ..Default::default()
    }
}

/// Folds a batch's changes into the rollups: three upserts, whatever the batch's size (one
/// statement on PostgreSQL).
pub(crate) async fn follow(tx: &mut Tx<'_>, fx: &LabelEffects, pay: &PayChanges) -> Result<()> {
    let mut hours: BTreeMap<(i64, i64, i64), HourDelta> = BTreeMap::new();
    let mut seconds: BTreeMap<(i64, i64, i64), i64> = BTreeMap::new();
    let mut orders: BTreeMap<(i64, i64), OrderDelta> = BTreeMap::new();
    for (old, new) in &pay.rows {
        let hour = hour_of(new.worked_at);
        let (n, o) = (counts(new), old.as_ref().map(counts).unwrap_or_default());
        let d = hours
            .entry((new.centre_id, hour, new.annotator_id))
            .or_default();
        d.labels += n.labels - o.labels;
        d.skips += n.skips - o.skips;
        d.answer_ms += n.answer_ms - o.answer_ms;
        d.gold_seen += n.gold_seen - o.gold_seen;
        d.gold_correct += n.gold_correct - o.gold_correct;
        d.accepted += n.accepted - o.accepted;
        d.not_paid += n.not_paid - o.not_paid;
        if let Some(old) = old.as_ref().filter(|o| o.answered) {
            *seconds
                .entry((old.centre_id, hour, seconds_bucket(old.client_ms)))
                .or_default() -= 1;
        }
        if new.answered {
            *seconds
                .entry((new.centre_id, hour, seconds_bucket(new.client_ms)))
                .or_default() += 1;
        }
        let od = orders.entry((new.order_id, new.centre_id)).or_default();
        od.labels += n.labels - o.labels;
        od.skips += n.skips - o.skips;
    }
    for e in &pay.entries {
        money(&mut hours, &mut orders, e);
    }
    for item in &fx.items {
        let (was, is) = (
            item.state_before == ItemState::Resolved,
            item.state == ItemState::Resolved,
        );
        if was == is {
            continue;
        }
        let delta = if is { 1 } else { -1 };
        let Some((centre, who)) = resolver(tx, fx, item.order_id, item.item_id).await? else {
            continue;
        };
        hours
            .entry((centre, hour_of(fx.now), who))
            .or_default()
            .resolved += delta;
        orders.entry((item.order_id, centre)).or_default().resolved += delta;
    }
    write(tx, &hours, &seconds, &orders).await
}

/// Adds an entry's money to the rollups: label pay to the hour of the work and the order.
fn money(
    hours: &mut BTreeMap<(i64, i64, i64), HourDelta>,
    orders: &mut BTreeMap<(i64, i64), OrderDelta>,
    e: &NewEntry,
) {
    if e.label_id.is_some() {
        hours
            .entry((e.centre_id, hour_of(e.work_at), e.annotator_id))
            .or_default()
            .pay_fen += e.amount_fen;
    }
    let od = orders
        .entry((e.order_id.unwrap_or(0), e.centre_id))
        .or_default();
    if e.label_id.is_some() {
        od.pay_fen += e.amount_fen;
    }
    if e.amount_fen > 0 {
        od.credited_fen += e.amount_fen;
    } else {
        od.debited_fen -= e.amount_fen;
    }
}

/// Who completed an item's consensus: the label of this batch on it, else the reviewing
/// lead, else the item's newest label.
async fn resolver(
    tx: &mut Tx<'_>,
    fx: &LabelEffects,
    order_id: i64,
    item_id: i64,
) -> Result<Option<(i64, i64)>> {
    if let Some(l) = fx
        .labels
        .iter()
        .rev()
        .find(|l| l.order_id == order_id && l.item_id == item_id)
    {
        return Ok(Some((l.centre_id, l.annotator_id)));
    }
    if let Some(lead) = fx.reviewed_by {
        let centre: Option<Option<i64>> = on_tx!(tx, c => sqlx::query_scalar("SELECT centre_id FROM users WHERE id = $1")
            .bind(lead).fetch_optional(&mut *c).await?);
        if let Some(Some(centre)) = centre {
            return Ok(Some((centre, lead)));
        }
    }
    let newest: Option<(i64, i64)> = on_tx!(tx, c => sqlx::query_as(
        "SELECT centre_id, annotator_id FROM labels WHERE order_id = $1 AND item_id = $2 ORDER BY id DESC LIMIT 1")
        .bind(order_id).bind(item_id).fetch_optional(&mut *c).await?);
    Ok(newest)
}

/// Which row of a sharded rollup key (`tp_hours`, `tp_seconds`, `tp_orders`) a transaction
/// adds to on PostgreSQL (`migrations/postgres/0064_rollup_shards.sql`): the column to name
/// and the value to give it; neither on SQLite. The value is the connection's server
/// process number, so transactions running at the same time nearly always add to
/// different rows.
struct Shard {
    col: &'static str,
    value: Option<&'static str>,
}

impl Shard {
    fn of(tx: &Tx<'_>) -> Shard {
        match tx.backend() {
            crate::Backend::Postgres => Shard {
                col: ", shard",
                value: Some("CAST(pg_backend_pid() % 16 AS SMALLINT)"),
            },
            crate::Backend::Sqlite => Shard {
                col: "",
                value: None,
            },
        }
    }
}

/// One table's rows of a batch, for one multi-row upsert.
enum Part<'a> {
    Hours(&'a [(&'a (i64, i64, i64), &'a HourDelta)]),
    Seconds(&'a [(&'a (i64, i64, i64), &'a i64)]),
    Orders(&'a [(&'a (i64, i64), &'a OrderDelta)]),
}

async fn write(
    tx: &mut Tx<'_>,
    hours: &BTreeMap<(i64, i64, i64), HourDelta>,
    seconds: &BTreeMap<(i64, i64, i64), i64>,
    orders: &BTreeMap<(i64, i64), OrderDelta>,
) -> Result<()> {
    // Keys are sorted (BTreeMap), so concurrent transactions lock rollup rows in one order.
    let shard = Shard::of(tx);
    let hours: Vec<_> = hours
        .iter()
        .filter(|(_, d)| {
            [
                d.labels,
                d.skips,
                d.answer_ms,
                d.gold_seen,
                d.gold_correct,
                d.accepted,
                d.not_paid,
                d.resolved,
                d.pay_fen,
            ]
            .iter()
            .any(|v| *v != 0)
        })
        .collect();
    let seconds: Vec<_> = seconds.iter().filter(|(_, n)| **n != 0).collect();
    let orders: Vec<_> = orders
        .iter()
        .filter(|(_, d)| {
            [
                d.labels,
                d.skips,
                d.resolved,
                d.pay_fen,
                d.credited_fen,
                d.debited_fen,
            ]
            .iter()
            .any(|v| *v != 0)
        })
        .collect();
    let mut parts: Vec<Part<'_>> = Vec::new();
    parts.extend(hours.chunks(CHUNK).map(Part::Hours));
    parts.extend(seconds.chunks(CHUNK).map(Part::Seconds));
    parts.extend(orders.chunks(CHUNK).map(Part::Orders));
    // PostgreSQL runs a batch's upserts as one statement, each a data-modifying WITH part:
    // one round trip and one statement's overhead instead of three. Every part runs whether
    // or not the final SELECT reads it, and every connection runs the same statement, so
    // rows are taken in the same order everywhere. SQLite has no data-modifying WITH: there
    // they run one by one.
    let statements: Vec<&[Part<'_>]> = if shard.value.is_some() && parts.len() <= 3 {
        vec![&parts[..]]
    } else {
        parts.chunks(1).collect()
    };
    for statement in statements {
        on_tx!(tx, c => {
            let mut qb = sqlx::QueryBuilder::new("");
            let with = statement.len() > 1;
            for (k, part) in statement.iter().enumerate() {
                if with {
                    qb.push(if k == 0 { "WITH " } else { ", " });
                    qb.push(format!("w{k} AS ("));
                }
                match part {
                    Part::Hours(rows) => {
                        qb.push(format!(
                            "INSERT INTO tp_hours (centre_id, hour, annotator_id, labels, skips, answer_ms, gold_seen, gold_correct, \
                             accepted, not_paid, resolved, pay_fen{}) ", shard.col));
                        qb.push_values(rows.iter(), |mut b, ((centre, hour, who), d)| {
                            b.push_bind(*centre).push_bind(*hour).push_bind(*who).push_bind(d.labels).push_bind(d.skips)
                                .push_bind(d.answer_ms).push_bind(d.gold_seen).push_bind(d.gold_correct).push_bind(d.accepted)
                                .push_bind(d.not_paid).push_bind(d.resolved).push_bind(d.pay_fen);
                            if let Some(v) = shard.value {
                                b.push(v);
                            }
                        });
                        qb.push(format!(" ON CONFLICT (centre_id, hour, annotator_id{}) DO UPDATE SET", shard.col));
                        qb.push(" labels = tp_hours.labels + excluded.labels, \
                                 skips = tp_hours.skips + excluded.skips, answer_ms = tp_hours.answer_ms + excluded.answer_ms, \
                                 gold_seen = tp_hours.gold_seen + excluded.gold_seen, \
                                 gold_correct = tp_hours.gold_correct + excluded.gold_correct, \
                                 accepted = tp_hours.accepted + excluded.accepted, not_paid = tp_hours.not_paid + excluded.not_paid, \
                                 resolved = tp_hours.resolved + excluded.resolved, pay_fen = tp_hours.pay_fen + excluded.pay_fen");
                    }
                    Part::Seconds(rows) => {
                        qb.push(format!("INSERT INTO tp_seconds (centre_id, hour, bucket, n{}) ", shard.col));
                        qb.push_values(rows.iter(), |mut b, ((centre, hour, bucket), n)| {
                            b.push_bind(*centre).push_bind(*hour).push_bind(*bucket).push_bind(**n);
                            if let Some(v) = shard.value {
                                b.push(v);
                            }
                        });
                        qb.push(format!(" ON CONFLICT (centre_id, hour, bucket{}) DO UPDATE SET n = tp_seconds.n + excluded.n", shard.col));
                    }
                    Part::Orders(rows) => {
                        qb.push(format!(
                            "INSERT INTO tp_orders (order_id, centre_id, labels, skips, resolved, pay_fen, credited_fen, debited_fen{}) ",
                            shard.col));
                        qb.push_values(rows.iter(), |mut b, ((order, centre), d)| {
                            b.push_bind(*order).push_bind(*centre).push_bind(d.labels).push_bind(d.skips).push_bind(d.resolved)
                                .push_bind(d.pay_fen).push_bind(d.credited_fen).push_bind(d.debited_fen);
                            if let Some(v) = shard.value {
                                b.push(v);
                            }
                        });
                        qb.push(format!(" ON CONFLICT (order_id, centre_id{}) DO UPDATE SET", shard.col));
                        qb.push(" labels = tp_orders.labels + excluded.labels, \
                                 skips = tp_orders.skips + excluded.skips, resolved = tp_orders.resolved + excluded.resolved, \
                                 pay_fen = tp_orders.pay_fen + excluded.pay_fen, \
                                 credited_fen = tp_orders.credited_fen + excluded.credited_fen, \
                                 debited_fen = tp_orders.debited_fen + excluded.debited_fen");
                    }
                }
                if with {
                    qb.push(")");
                }
            }
            if with {
                qb.push(" SELECT 1");
            }
            qb.build().execute(&mut *c).await?;
        });
    }
    Ok(())
}

/// Adds money outside labels (bonuses, adjustments) to the rollups.
pub(crate) async fn follow_money(tx: &mut Tx<'_>, entries: &[NewEntry]) -> Result<()> {
    let mut hours = BTreeMap::new();
    let mut orders = BTreeMap::new();
    for e in entries {
        money(&mut hours, &mut orders, e);
    }
    write(tx, &hours, &BTreeMap::new(), &orders).await
}

/// Throughput of one centre in one hour or day.
#[derive(Debug, Clone, Default, PartialEq, sqlx::FromRow)]
pub struct TpBucket {
    pub centre_id: i64,
    /// Unix ms: the hour's start, or the day's local midnight.
    pub start: i64,
    pub labels: i64,
    pub skips: i64,
    pub resolved: i64,
    pub active: i64,
    pub answer_ms: i64,
    pub gold_seen: i64,
    pub gold_correct: i64,
    pub accepted: i64,
    pub not_paid: i64,
    pub pay_fen: i64,
    /// Filled in from the histogram: median seconds per answer.
    #[sqlx(skip)]
    pub median_s: Option<f64>,
}

/// One annotator's throughput over a window.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct TpWorker {
    pub annotator_id: i64,
    pub display_name: String,
    pub labels: i64,
    pub skips: i64,
    /// Hours in which they labelled.
    pub hours: i64,
    pub answer_ms: i64,
    pub gold_seen: i64,
    pub gold_correct: i64,
    pub accepted: i64,
    pub not_paid: i64,
    pub pay_fen: i64,
}

/// An order's cost so far: pay for its labels, summed over centres (or for one centre).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct OrderCost {
    pub order_id: i64,
    pub name: String,
    pub state: String,
    pub labels: i64,
    pub skips: i64,
    pub resolved: i64,
    pub pay_fen: i64,
    /// Time spent on its answers and skips (ms), at the centre asked about or at all.
    pub active_ms: i64,
}

/// Running totals per centre, for the Prometheus counters.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CentreTotals {
    pub centre_id: i64,
    pub labels: i64,
    pub resolved: i64,
    pub credited_fen: i64,
    pub debited_fen: i64,
}

const SUMS: &str = "CAST(COALESCE(SUM(labels), 0) AS BIGINT) AS labels, CAST(COALESCE(SUM(skips), 0) AS BIGINT) AS skips, \
    CAST(COALESCE(SUM(resolved), 0) AS BIGINT) AS resolved, \
    CAST(COALESCE(SUM(answer_ms), 0) AS BIGINT) AS answer_ms, CAST(COALESCE(SUM(gold_seen), 0) AS BIGINT) AS gold_seen, \
    CAST(COALESCE(SUM(gold_correct), 0) AS BIGINT) AS gold_correct, CAST(COALESCE(SUM(accepted), 0) AS BIGINT) AS accepted, \
    CAST(COALESCE(SUM(not_paid), 0) AS BIGINT) AS not_paid, CAST(COALESCE(SUM(pay_fen), 0) AS BIGINT) AS pay_fen";

fn centre_filter(centres: &[i64]) -> String {
    // Ids are integers we hold, not user text: safe to inline.
    let ids: Vec<String> = centres.iter().map(i64::to_string).collect();
    format!("centre_id IN ({})", ids.join(", "))
}

impl Store {
    /// Per centre and hour in `[from, to)`.
    pub async fn throughput_hours(
        &self,
        centres: &[CentreId],
        from: i64,
        to: i64,
    ) -> Result<Vec<TpBucket>> {
        let mut out = Vec::new();
        for c in centres {
            out.extend(self.centre_hours(c.get(), from, to).await?);
        }
        Ok(out)
    }

    async fn centre_hours(&self, centre: i64, from: i64, to: i64) -> Result<Vec<TpBucket>> {
        // One centre per query, so each reads only its window of the rollup's key.
        let f = centre_filter(&[centre]);
        let sql = format!(
            "SELECT centre_id, hour AS start, {SUMS}, \
             CAST(COUNT(DISTINCT CASE WHEN labels + skips > 0 THEN annotator_id END) AS BIGINT) AS active \
             FROM tp_hours WHERE {f} AND hour >= $1 AND hour < $2 GROUP BY centre_id, hour ORDER BY centre_id, hour"
        );
        let hist_sql = format!(
            "SELECT centre_id, hour, bucket, CAST(SUM(n) AS BIGINT) FROM tp_seconds WHERE {f} AND hour >= $1 AND hour < $2 \
             GROUP BY centre_id, hour, bucket"
        );
        let mut rows: Vec<TpBucket> =
            on_read!(self, p => sqlx::query_as(&sql).bind(from).bind(to).fetch_all(p).await?);
        let hist: Vec<(i64, i64, i64, i64)> =
            on_read!(self, p => sqlx::query_as(&hist_sql).bind(from).bind(to).fetch_all(p).await?);
        attach_medians(&mut rows, hist);
        Ok(rows)
    }

    /// Per centre and local day in `[from, to)`: `from` is a local midnight, and days are
    /// 24 hours from it (hours line up with local days in whole-hour zones such as China's).
    pub async fn throughput_days(
        &self,
        centres: &[CentreId],
        from: i64,
        to: i64,
    ) -> Result<Vec<TpBucket>> {
        let mut out = Vec::new();
        for c in centres {
            out.extend(self.centre_days(c.get(), from, to).await?);
        }
        Ok(out)
    }

    async fn centre_days(&self, centre: i64, from: i64, to: i64) -> Result<Vec<TpBucket>> {
        let f = centre_filter(&[centre]);
        let sql = format!(
            "SELECT centre_id, CAST($1 + d * 86400000 AS BIGINT) AS start, {SUMS}, \
             CAST(COUNT(DISTINCT CASE WHEN labels + skips > 0 THEN annotator_id END) AS BIGINT) AS active \
             FROM (SELECT t.*, (hour - $1) / 86400000 AS d FROM tp_hours t WHERE {f} AND hour >= $1 AND hour < $2) h \
             GROUP BY centre_id, d ORDER BY centre_id, d"
        );
        let hist_sql = format!(
            "SELECT centre_id, CAST($1 + d * 86400000 AS BIGINT), bucket, CAST(SUM(n) AS BIGINT) \
             FROM (SELECT t.*, (hour - $1) / 86400000 AS d FROM tp_seconds t WHERE {f} AND hour >= $1 AND hour < $2) h \
             GROUP BY centre_id, d, bucket"
        );
        let mut rows: Vec<TpBucket> =
            on_read!(self, p => sqlx::query_as(&sql).bind(from).bind(to).fetch_all(p).await?);
        let hist: Vec<(i64, i64, i64, i64)> =
            on_read!(self, p => sqlx::query_as(&hist_sql).bind(from).bind(to).fetch_all(p).await?);
        attach_medians(&mut rows, hist);
        Ok(rows)
    }

    /// One centre's sums over `[from, to)`, with the annotators active in it.
    pub async fn throughput_window(
        &self,
        centre_id: CentreId,
        from: i64,
        to: i64,
    ) -> Result<TpBucket> {
        let sql = format!(
            "SELECT CAST($1 AS BIGINT) AS centre_id, CAST($2 AS BIGINT) AS start, {SUMS}, \
             CAST(COUNT(DISTINCT CASE WHEN labels + skips > 0 THEN annotator_id END) AS BIGINT) AS active \
             FROM tp_hours WHERE centre_id = $1 AND hour >= $2 AND hour < $3"
        );
        let hist_sql = "SELECT bucket, CAST(SUM(n) AS BIGINT) FROM tp_seconds \
                        WHERE centre_id = $1 AND hour >= $2 AND hour < $3 GROUP BY bucket";
        let mut row: TpBucket = on_read!(self, p => sqlx::query_as(&sql).bind(centre_id.get()).bind(from).bind(to)
            .fetch_one(p).await?);
        let hist: Vec<(i64, i64)> = on_read!(self, p => sqlx::query_as(hist_sql).bind(centre_id.get()).bind(from).bind(to)
            .fetch_all(p).await?);
        row.median_s = histogram_median(&hist);
        Ok(row)
    }

    /// Every annotator of a centre who worked in `[from, to)`, with their sums.
    pub async fn throughput_workers(
        &self,
        centre_id: CentreId,
        from: i64,
        to: i64,
    ) -> Result<Vec<TpWorker>> {
        let sql = format!(
            "SELECT t.annotator_id, u.display_name, {SUMS}, \
             CAST(COUNT(DISTINCT CASE WHEN labels + skips > 0 THEN hour END) AS BIGINT) AS hours \
             FROM tp_hours t JOIN users u ON u.id = t.annotator_id \
             WHERE t.centre_id = $1 AND t.hour >= $2 AND t.hour < $3 AND u.role = 'annotator' \
             GROUP BY t.annotator_id, u.display_name ORDER BY t.annotator_id"
        );
        Ok(
            on_read!(self, p => sqlx::query_as(&sql).bind(centre_id.get()).bind(from).bind(to).fetch_all(p).await?),
        )
    }

    /// Cost so far of an organisation's orders (pay for their labels, over all centres).
    pub async fn order_costs(&self, org_id: OrgId) -> Result<Vec<OrderCost>> {
        let sql = "SELECT o.id AS order_id, o.name, o.state, \
                   CAST(COALESCE(SUM(t.labels), 0) AS BIGINT) AS labels, CAST(COALESCE(SUM(t.skips), 0) AS BIGINT) AS skips, \
                   CAST(COALESCE(SUM(t.resolved), 0) AS BIGINT) AS resolved, CAST(COALESCE(SUM(t.pay_fen), 0) AS BIGINT) AS pay_fen, \
                   CAST(COALESCE((SELECT SUM(s.ms_sum) FROM worker_order_stats s WHERE s.order_id = o.id), 0) AS BIGINT) AS active_ms \
                   FROM orders o LEFT JOIN tp_orders t ON t.order_id = o.id \
                   WHERE o.org_id = $1 AND o.state <> 'draft' GROUP BY o.id, o.name, o.state ORDER BY o.id DESC";
        Ok(on_read!(self, p => sqlx::query_as(sql).bind(org_id.get()).fetch_all(p).await?))
    }

    /// What a centre's people did on each order, and what it paid them.
    pub async fn centre_order_costs(&self, centre_id: CentreId) -> Result<Vec<OrderCost>> {
        // Summed: on PostgreSQL a key may have several rows (shards).
        let sql = "SELECT o.id AS order_id, o.name, o.state, CAST(SUM(t.labels) AS BIGINT) AS labels, \
                   CAST(SUM(t.skips) AS BIGINT) AS skips, CAST(SUM(t.resolved) AS BIGINT) AS resolved, \
                   CAST(SUM(t.pay_fen) AS BIGINT) AS pay_fen, \
                   CAST(COALESCE((SELECT SUM(s.ms_sum) FROM worker_order_stats s WHERE s.order_id = o.id \
                       AND s.centre_id = $1), 0) AS BIGINT) AS active_ms \
                   FROM tp_orders t JOIN orders o ON o.id = t.order_id WHERE t.centre_id = $1 \
                   GROUP BY o.id, o.name, o.state ORDER BY o.id DESC";
        Ok(on_read!(self, p => sqlx::query_as(sql).bind(centre_id.get()).fetch_all(p).await?))
    }

    /// Running totals per centre (labels, resolved items, fen credited and debited).
    pub async fn centre_totals(&self) -> Result<Vec<CentreTotals>> {
        let sql = "SELECT centre_id, CAST(SUM(labels) AS BIGINT) AS labels, CAST(SUM(resolved) AS BIGINT) AS resolved, \
                   CAST(SUM(credited_fen) AS BIGINT) AS credited_fen, CAST(SUM(debited_fen) AS BIGINT) AS debited_fen \
                   FROM tp_orders GROUP BY centre_id ORDER BY centre_id";
        Ok(on_read!(self, p => sqlx::query_as(sql).fetch_all(p).await?))
    }

    /// Per centre: annotators holding a live work unit now.
    pub async fn active_annotators(&self, now: i64) -> Result<Vec<(i64, i64)>> {
        let sql = "SELECT centre_id, CAST(COUNT(DISTINCT annotator_id) AS BIGINT) FROM assignments \
                   WHERE state = 'active' AND lease_expires_at >= $1 GROUP BY centre_id";
        Ok(on_read!(self, p => sqlx::query_as(sql).bind(now).fetch_all(p).await?))
    }
}

fn attach_medians(rows: &mut [TpBucket], hist: Vec<(i64, i64, i64, i64)>) {
    let mut by: BTreeMap<(i64, i64), Vec<(i64, i64)>> = BTreeMap::new();
    for (centre, start, bucket, n) in hist {
        by.entry((centre, start)).or_default().push((bucket, n));
    }
    for r in rows {
        r.median_s = by
            .get(&(r.centre_id, r.start))
            .and_then(|h| histogram_median(h));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_and_medians() {
        assert_eq!(seconds_bucket(0), 0);
        assert_eq!(seconds_bucket(1500), 1);
        assert_eq!(seconds_bucket(59_999), 59);
        assert_eq!(seconds_bucket(60_000), 60);
        assert_eq!(seconds_bucket(125_000), 66);
        assert_eq!(seconds_bucket(600_000), 114);
        assert_eq!(seconds_bucket(30 * 60_000), 134);
        assert_eq!(seconds_bucket(i64::MAX), 144);
        for ms in [0, 999, 1000, 61_000, 599_999, 600_000, 1_799_999] {
            let (lo, w) = bucket_bounds(seconds_bucket(ms));
            let s = ms as f64 / 1000.0;
            assert!(lo <= s && s < lo + w, "{ms}");
        }
        assert_eq!(histogram_median(&[]), None);
        assert_eq!(histogram_median(&[(2, 1)]), Some(2.5));
        // 1, 2, 2, 9 seconds: the lower middle is 2.
        assert_eq!(histogram_median(&[(9, 1), (1, 1), (2, 2)]), Some(2.5));
        assert_eq!(histogram_median(&[(1, 1), (3, 1), (4, 0)]), Some(1.5));
        assert_eq!(histogram_median(&[(1, 1), (3, 2)]), Some(3.5));
        assert_eq!(hour_of(HOUR_MS * 5 + 17), HOUR_MS * 5);
    }
}
