//! Worker quality, kept by the label effects: each label's verdict (against the gold answer
//! or the final answer), running figures per worker and order and per worker and hour, the
//! review queue's entries that labels make (gold failures, escalated items), the automatic
//! rules that pause a worker, and promotions by rule.
//!
//! [`follow`] runs inside the labels' transaction with the whole batch: a few statements
//! per batch (multi-row upserts), not per label.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use mudou_consensus::quality::{QualityOptions, is_too_fast, median, wilson_interval};
use mudou_domain::career::promotion_for;
use mudou_domain::reading::{self, Hurried, Reading, Text};
use mudou_domain::{CentreId, ItemState, OrderId, OrderSpec, SkillLevel, UserId};
use serde_json::json;

use crate::effects::LabelEffects;
use crate::pool::Tx;
use crate::skills::CheckedDelta;
use crate::sql::{CHUNK, item_state, lock, padded, params, tuples};
use crate::throughput::HOUR_MS;
use crate::{QualityItem, QualityLabel, Result, Store};

/// Skips that send an item to review (dispatch's rule); such an entry says `skipped`.
pub const SKIPS_FOR_REVIEW: i64 = 3;
/// The too-fast rule looks again after every this many labels of a worker on an order.
const FAST_CHECK_EVERY: i64 = 5;
/// Promotions are looked at after every this many labels of a worker on an order.
const PROMOTION_CHECK_EVERY: i64 = 10;
/// Answers another worker must have given on the order to count in the crowd's pace.
const CROWD_MIN_ANSWERS: i64 = 10;

/// A centre's automatic rules on one order.
#[derive(Debug, Clone, Copy, PartialEq, sqlx::FromRow)]
pub struct QualityRules {
    /// Pause when the upper end of the gold accuracy's 95% interval is below
    /// `gold_threshold`, once `gold_min_items` gold items were answered.
    pub gold_enabled: bool,
    pub gold_min_items: i64,
    pub gold_threshold: f64,
    /// Pause when the median time of the last `fast_min_labels` answers is below
    /// `fast_seconds`, or below 30% of the other workers' median.
    pub fast_enabled: bool,
    pub fast_min_labels: i64,
    pub fast_seconds: f64,
    /// Pause when the upper end of the agreement with final answers' 95% interval is below
    /// `spam_agreement`, once `spam_min_labels` answers were judged.
    pub spam_enabled: bool,
    pub spam_min_labels: i64,
    pub spam_agreement: f64,
    /// Leave the labels of the paused stretch out of consensus.
    pub exclude_labels: bool,
}

impl Default for QualityRules {
    fn default() -> Self {
        QualityRules {
            gold_enabled: true,
            gold_min_items: 10,
            gold_threshold: 0.7,
            fast_enabled: true,
            fast_min_labels: 20,
            fast_seconds: QualityOptions::default().too_fast_seconds,
            spam_enabled: true,
            spam_min_labels: 30,
            spam_agreement: 0.5,
            exclude_labels: true,
        }
    }
}

const RULE_COLS: &str = "gold_enabled, gold_min_items, gold_threshold, fast_enabled, fast_min_labels, fast_seconds, \
                         spam_enabled, spam_min_labels, spam_agreement, exclude_labels";

/// Changes of the counters, per worker and order or per worker and hour.
#[derive(Debug, Clone, Copy, Default)]
struct Delta {
    centre_id: i64,
    labels: i64,
    skips: i64,
    gold_total: i64,
    gold_correct: i64,
    judged: i64,
    agreed: i64,
    ms_sum: i64,
    last_at: i64,
}

impl Delta {
    fn is_zero(&self) -> bool {
        self.labels == 0
            && self.skips == 0
            && self.gold_total == 0
            && self.gold_correct == 0
            && self.judged == 0
            && self.agreed == 0
            && self.ms_sum == 0
    }
}

struct VerdictIn {
    label_id: i64,
    annotator_id: i64,
    order_id: i64,
    gold: bool,
    agrees: bool,
}

/// Applies a batch of label facts to the quality figures, the review queue and the rules.
pub(crate) async fn follow(tx: &mut Tx<'_>, fx: &LabelEffects) -> Result<()> {
    let now = fx.now;
    let mut by_order: BTreeMap<(i64, i64), Delta> = BTreeMap::new();
    let mut by_hour: BTreeMap<(i64, i64), Delta> = BTreeMap::new();
    // New labels (a changed answer was counted when it was first given).
    for l in fx.labels.iter().filter(|l| !l.changed) {
        for d in [
            by_order.entry((l.annotator_id, l.order_id)).or_default(),
            by_hour
                .entry((l.annotator_id, now.div_euclid(HOUR_MS)))
                .or_default(),
        ] {
            d.centre_id = l.centre_id;
            d.labels += 1;
            d.skips += l.answer.is_none() as i64;
            d.ms_sum += l.client_ms;
            d.last_at = now;
        }
    }
    // Verdicts: gold checks of labels, and answers against items' final answers.
    let mut verdicts: BTreeMap<i64, VerdictIn> = BTreeMap::new();
    for l in &fx.labels {
        if let Some(ok) = l.gold_correct {
            verdicts.insert(
                l.label_id,
                VerdictIn {
                    label_id: l.label_id,
                    annotator_id: l.annotator_id,
                    order_id: l.order_id,
                    gold: true,
                    agrees: ok,
                },
            );
        }
    }
    for it in &fx.items {
        for v in &it.verdicts {
            verdicts.insert(
                v.label_id,
                VerdictIn {
                    label_id: v.label_id,
                    annotator_id: v.annotator_id,
                    order_id: it.order_id,
                    gold: false,
                    agrees: v.agrees,
                },
            );
        }
    }
    let verdicts: Vec<VerdictIn> = verdicts.into_values().collect();
    for chunk in verdicts.chunks(CHUNK) {
        // Each label's centre, time and earlier verdict.
        let sql = tx.sql(format!(
            "SELECT l.id, l.centre_id, l.created_at, v.agrees FROM labels l \
             LEFT JOIN label_verdicts v ON v.label_id = l.id WHERE l.id IN ({})",
            params(1, chunk.len())
        ));
        let known: Vec<(i64, i64, i64, Option<bool>)> = on_tx!(tx, c => {
            let mut q = sqlx::query_as(&sql);
            for v in chunk {
                q = q.bind(v.label_id);
            }
            q.fetch_all(&mut *c).await?
        });
        let known: HashMap<i64, (i64, i64, Option<bool>)> = known
            .into_iter()
            .map(|(id, centre, at, prev)| (id, (centre, at, prev)))
            .collect();
        let mut rows = Vec::new();
        for v in chunk {
            let Some(&(centre_id, at, prev)) = known.get(&v.label_id) else {
                continue;
            };
            if prev == Some(v.agrees) {
                continue;
            }
            rows.push(v);
            let (total, right) = match prev {
                None => (1, v.agrees as i64),
                Some(p) => (0, v.agrees as i64 - p as i64),
            };
            for d in [
                by_order.entry((v.annotator_id, v.order_id)).or_default(),
                by_hour
                    .entry((v.annotator_id, at.div_euclid(HOUR_MS)))
                    .or_default(),
            ] {
                d.centre_id = centre_id;
                if v.gold {
                    d.gold_total += total;
                    d.gold_correct += right;
                } else {
                    d.judged += total;
                    d.agreed += right;
                }
            }
        }
        if rows.is_empty() {
            continue;
        }
        let sql = tx.sql(format!(
                "INSERT INTO label_verdicts (label_id, annotator_id, order_id, kind, agrees, updated_at) VALUES {} \
             ON CONFLICT (label_id) DO UPDATE SET agrees = excluded.agrees, updated_at = excluded.updated_at",
                tuples(rows.len(), 6)
            ),
        );
        on_tx!(tx, c => {
            let mut q = sqlx::query(&sql);
            for v in &rows {
                q = q.bind(v.label_id).bind(v.annotator_id).bind(v.order_id)
                    .bind(if v.gold { "gold" } else { "consensus" }).bind(v.agrees).bind(now);
            }
            q.execute(&mut *c).await?;
        });
    }
    // The rules look at the figures of each worker and order in the batch as the upsert
    // left them (every pair has a delta: a new label or a changed verdict).
    let facts = upsert_deltas(tx, "worker_order_stats", "order_id", &by_order).await?;
    upsert_deltas(tx, "worker_hourly_stats", "hour", &by_hour).await?;
    let checked: Vec<((i64, i64), CheckedDelta)> = by_order
        .iter()
        .map(|(k, d)| {
            let c = CheckedDelta {
                gold_total: d.gold_total,
                gold_correct: d.gold_correct,
                judged: d.judged,
                agreed: d.agreed,
            };
            (*k, c)
        })
        .collect();
    crate::skills::add_to_kinds(tx, &checked).await?;
    queue_entries(tx, fx).await?;
    let mut fresh: BTreeMap<(i64, i64), i64> = BTreeMap::new();
    for l in fx.labels.iter().filter(|l| !l.changed) {
        *fresh.entry((l.annotator_id, l.order_id)).or_default() += 1;
    }
    // Promotions are looked at when a worker's labels on an order pass a multiple of
    // PROMOTION_CHECK_EVERY (the look sums all their figures: not worth it at every label).
    let annotators: BTreeSet<i64> = facts
        .iter()
        .filter(|f| {
            fresh.get(&(f.annotator_id, f.order_id)).is_some_and(|n| {
                f.labels / PROMOTION_CHECK_EVERY > (f.labels - n) / PROMOTION_CHECK_EVERY
            })
        })
        .map(|f| f.annotator_id)
        .collect();
    rules(tx, now, facts, &fresh).await?;
    promotions(tx, now, &annotators).await?;
    Ok(())
}

/// Adds the deltas to `table`'s rows; for `worker_order_stats` returns the rows as they
/// are now, for the rules (one statement instead of an upsert and a read).
async fn upsert_deltas(
    tx: &mut Tx<'_>,
    table: &str,
    key: &str,
    deltas: &BTreeMap<(i64, i64), Delta>,
) -> Result<Vec<RuleFacts>> {
    let mut out = Vec::new();
    let rows: Vec<((i64, i64), Delta)> = deltas
        .iter()
        .filter(|(_, d)| !d.is_zero() || d.last_at != 0)
        .map(|(k, d)| (*k, *d))
        .collect();
    let has_last = table == "worker_order_stats";
    for chunk in rows.chunks(CHUNK) {
        let add = |col: &str| format!("{col} = {table}.{col} + excluded.{col}");
        let mut sets: Vec<String> = [
            "labels",
            "skips",
            "gold_total",
            "gold_correct",
            "judged",
            "agreed",
            "ms_sum",
        ]
        .iter()
        .map(|c| add(c))
        .collect();
        let cols = if has_last {
            sets.push(format!(
                "last_label_at = CASE WHEN excluded.last_label_at > {table}.last_label_at \
                 THEN excluded.last_label_at ELSE {table}.last_label_at END"
            ));
            11
        } else {
            10
        };
        let sql = tx.sql(format!(
                "INSERT INTO {table} (annotator_id, {key}, centre_id, labels, skips, gold_total, gold_correct, judged, agreed, ms_sum{}) \
             VALUES {} ON CONFLICT (annotator_id, {key}) DO UPDATE SET {}{}",
                if has_last { ", last_label_at" } else { "" },
                tuples(chunk.len(), cols),
                sets.join(", "),
                if has_last {
                    format!(" RETURNING {RULE_FACT_COLS}")
                } else {
                    String::new()
                }
            ),
        );
        let rows: Vec<RuleFacts> = on_tx!(tx, c => {
            let mut q = sqlx::query_as::<_, RuleFacts>(&sql);
            for ((a, k), d) in chunk {
                q = q.bind(*a).bind(*k).bind(d.centre_id).bind(d.labels).bind(d.skips).bind(d.gold_total)
                    .bind(d.gold_correct).bind(d.judged).bind(d.agreed).bind(d.ms_sum);
                if has_last {
                    q = q.bind(d.last_at);
                }
            }
            q.fetch_all(&mut *c).await?
        });
        out.extend(rows);
    }
    Ok(out)
}

/// Gold failures and escalated items enter the review queue (an escalated item of a
/// medical order goes up the expert ladder instead: `ladder.rs`); entries that no longer
/// apply (an answer changed to the right one, an item no longer escalated) close.
async fn queue_entries(tx: &mut Tx<'_>, fx: &LabelEffects) -> Result<()> {
    let now = fx.now;
    let failed: Vec<_> = fx
        .labels
        .iter()
        .filter(|l| l.gold_correct == Some(false))
        .collect();
    for chunk in failed.chunks(CHUNK) {
        let sql = tx.sql(format!(
                "INSERT INTO review_entries (order_id, item_id, reason, label_id, centre_id, created_at) VALUES {} \
             ON CONFLICT DO NOTHING",
                tuples(chunk.len(), 6)
            ),
        );
        on_tx!(tx, c => {
            let mut q = sqlx::query(&sql);
            for l in chunk {
                q = q.bind(l.order_id).bind(l.item_id).bind("gold_failure").bind(l.label_id).bind(l.centre_id).bind(now);
            }
            q.execute(&mut *c).await?;
        });
    }
    let mended: Vec<i64> = fx
        .labels
        .iter()
        .filter(|l| l.changed && l.gold_correct != Some(false))
        .map(|l| l.label_id)
        .collect();
    for chunk in mended.chunks(CHUNK) {
        let sql = tx.sql(format!(
                "UPDATE review_entries SET closed_at = $1 WHERE reason = 'gold_failure' AND closed_at IS NULL \
             AND label_id IN ({})",
                params(2, chunk.len())
            ),
        );
        on_tx!(tx, c => {
            let mut q = sqlx::query(&sql).bind(now);
            for id in chunk {
                q = q.bind(*id);
            }
            q.execute(&mut *c).await?;
        });
    }
    for it in &fx.items {
        let was = it.state_before == ItemState::Escalated;
        let is = it.state == ItemState::Escalated;
        if is && !was {
            on_tx!(tx, c => sqlx::query(
                "INSERT INTO review_entries (order_id, item_id, reason, created_at) \
                 SELECT order_id, item_id, CASE WHEN skips >= $3 THEN 'skipped' ELSE 'escalated' END, $4 \
                 FROM order_items WHERE order_id = $1 AND item_id = $2 \
                 AND (skips >= $3 OR NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = $1 AND o.medical = TRUE)) \
                 ON CONFLICT DO NOTHING")
                .bind(it.order_id).bind(it.item_id).bind(SKIPS_FOR_REVIEW).bind(now)
                .execute(&mut *c).await?.rows_affected());
        } else if was && !is {
            on_tx!(tx, c => sqlx::query(
                "UPDATE review_entries SET closed_at = $3 WHERE order_id = $1 AND item_id = $2 \
                 AND reason IN ('escalated', 'skipped') AND closed_at IS NULL")
                .bind(it.order_id).bind(it.item_id).bind(now)
                .execute(&mut *c).await?.rows_affected());
        }
    }
    Ok(())
}

/// The columns of [`RuleFacts`].
const RULE_FACT_COLS: &str = "annotator_id, order_id, centre_id, labels, gold_total, gold_correct, judged, agreed, \
                              rule_since, rule_gold_total, rule_gold_correct, rule_judged, rule_agreed";

#[derive(sqlx::FromRow)]
struct RuleFacts {
    annotator_id: i64,
    order_id: i64,
    centre_id: i64,
    labels: i64,
    gold_total: i64,
    gold_correct: i64,
    judged: i64,
    agreed: i64,
    rule_since: i64,
    rule_gold_total: i64,
    rule_gold_correct: i64,
    rule_judged: i64,
    rule_agreed: i64,
}

/// A rule that fired: the pause's reason and the figures behind it.
struct Fired {
    reason: &'static str,
    data: serde_json::Value,
    text: String,
}

fn check_ratio(right: i64, total: i64, min: i64, threshold: f64) -> Option<(f64, f64, f64)> {
    if total < min.max(1) {
        return None;
    }
    let (lo, hi) = wilson_interval(
        right.clamp(0, total) as u32,
        total as u32,
        QualityOptions::default().z,
    )?;
    (hi < threshold).then_some((right as f64 / total as f64, lo, hi))
}

/// Checks the automatic rules for the workers and orders in the batch; pauses those who
/// broke one (on that order), and tells the centre's leads.
async fn rules(
    tx: &mut Tx<'_>,
    now: i64,
    facts: Vec<RuleFacts>,
    fresh: &BTreeMap<(i64, i64), i64>,
) -> Result<()> {
    if facts.is_empty() {
        return Ok(());
    }
    let (live, rule_rows) = pauses_and_rules(tx, &facts).await?;
    // The crowd's pace per order: (annotator, mean milliseconds per answer).
    let mut paces: HashMap<i64, Vec<(i64, i64)>> = HashMap::new();
    // The too-fast rule looks at each due worker's latest answers: read for all of them at
    // once (one statement per batch, not one per worker).
    let fast_due = |f: &RuleFacts| -> Option<i64> {
        let key = (f.annotator_id, f.order_id);
        if live.contains_key(&key) || live.contains_key(&(f.annotator_id, 0)) {
            return None;
        }
        let r = rule_rows
            .get(&(f.order_id, f.centre_id))
            .copied()
            .unwrap_or_default();
        let due = r.fast_enabled
            && f.labels >= r.fast_min_labels
            && fresh
                .get(&key)
                .is_some_and(|n| f.labels / FAST_CHECK_EVERY > (f.labels - n) / FAST_CHECK_EVERY);
        due.then_some(r.fast_min_labels)
    };
    let due: Vec<(i64, i64, i64, i64)> = facts
        .iter()
        .filter_map(|f| fast_due(f).map(|n| (f.annotator_id, f.order_id, f.rule_since, n)))
        .collect();
    let latest = latest_answer_times(tx, &due).await?;
    let reading = reading_rules(tx, &latest).await?;
    for f in &facts {
        let key = (f.annotator_id, f.order_id);
        if let Some((pause_id, excluded)) = live.get(&key).copied() {
            // Labels that arrive after a pause's stretch was left out are left out too.
            if excluded && fresh.contains_key(&key) {
                on_tx!(tx, c => sqlx::query("UPDATE worker_pauses SET exclude_pending = TRUE WHERE id = $1")
                    .bind(pause_id).execute(&mut *c).await?.rows_affected());
            }
            continue;
        }
        if live.contains_key(&(f.annotator_id, 0)) {
            continue;
        }
        let r = rule_rows
            .get(&(f.order_id, f.centre_id))
            .copied()
            .unwrap_or_default();
        let mut fired: Option<Fired> = None;
        if r.gold_enabled {
            let n = f.gold_total - f.rule_gold_total;
            let right = f.gold_correct - f.rule_gold_correct;
            if let Some((acc, lo, hi)) = check_ratio(right, n, r.gold_min_items, r.gold_threshold) {
                fired = Some(Fired {
                    reason: "gold_accuracy",
                    data: json!({"gold_correct": right, "gold_total": n, "accuracy": acc, "low": lo, "high": hi,
                                 "threshold": r.gold_threshold}),
                    text: format!(
                        "gold accuracy {:.0}% ({right}/{n}; 95% interval {:.0}–{:.0}%) is below {:.0}%",
                        acc * 100.0,
                        lo * 100.0,
                        hi * 100.0,
                        r.gold_threshold * 100.0
                    ),
                });
            }
        }
        if fired.is_none() && r.spam_enabled {
            let n = f.judged - f.rule_judged;
            let right = f.agreed - f.rule_agreed;
            if let Some((acc, lo, hi)) = check_ratio(right, n, r.spam_min_labels, r.spam_agreement)
            {
                fired = Some(Fired {
                    reason: "spam",
                    data: json!({"agreed": right, "judged": n, "agreement": acc, "low": lo, "high": hi,
                                 "threshold": r.spam_agreement}),
                    text: format!(
                        "agreement with final answers {:.0}% ({right}/{n}) is below {:.0}%: answers look unrelated to the items",
                        acc * 100.0,
                        r.spam_agreement * 100.0
                    ),
                });
            }
        }
        if fired.is_none()
            && let Some(mine) = latest.get(&key)
        {
            // The crowd-pace rule as ever (pictures and texts alike), then for orders whose
            // items are read, the reading rule: answers faster than their texts can be skimmed.
            fired = match too_fast(tx, f, &r, mine, &mut paces).await? {
                Some(fired) => Some(fired),
                None => reading_too_fast(f, &r, mine, &reading),
            };
        }
        if let Some(fired) = fired {
            pause_by_rule(tx, now, f, &fired, r.exclude_labels).await?;
        }
    }
    Ok(())
}

/// Live pauses: `(annotator, order or 0 for all work) → (pause, its labels already left out)`.
type LivePauses = BTreeMap<(i64, i64), (i64, bool)>;
/// The rules of orders by `(order, centre)`.
type RulesOf = HashMap<(i64, i64), QualityRules>;

/// The live pauses of the batch's workers, and the rules of their orders.
async fn pauses_and_rules(tx: &mut Tx<'_>, facts: &[RuleFacts]) -> Result<(LivePauses, RulesOf)> {
    let annotators: BTreeSet<i64> = facts.iter().map(|f| f.annotator_id).collect();
    let orders: BTreeSet<i64> = facts.iter().map(|f| f.order_id).collect();
    let mut live = LivePauses::new();
    let mut rule_rows = RulesOf::new();
    let ann: Vec<i64> = annotators.iter().copied().collect();
    let ord: Vec<i64> = orders.iter().copied().collect();
    for a_chunk in ann.chunks(CHUNK) {
        // Live pauses (order 0: all work) and whether their labels were already left out.
        // On PostgreSQL the pauses are locked (in id order; only paused workers' rows, so
        // batches wait for each other only over those): a stretch being left out at this
        // moment (`exclude_pause_labels` holds its pause for update) either finishes first,
        // and these labels see it and are marked for leaving out too, or waits for this
        // batch, and then finds these labels among the stretch's. Without it a label could
        // slip between the two and be paid and counted from a paused stretch. (A share lock
        // would deadlock two batches that both mark the same pause.)
        let share = lock(tx.backend(), " FOR UPDATE");
        let sql = tx.sql(format!(
                "SELECT annotator_id, COALESCE(order_id, 0), id, excluded_at IS NOT NULL FROM worker_pauses \
             WHERE lifted_at IS NULL AND annotator_id IN ({}) ORDER BY id{share}",
                params(1, a_chunk.len())
            ),
        );
        let rows: Vec<(i64, i64, i64, bool)> = on_tx!(tx, c => {
            let mut q = sqlx::query_as(&sql);
            for a in a_chunk { q = q.bind(*a); }
            q.fetch_all(&mut *c).await?
        });
        for (a, o, id, excluded) in rows {
            live.insert((a, o), (id, excluded));
        }
    }
    for o_chunk in ord.chunks(CHUNK) {
        let sql = tx.sql(format!(
            "SELECT order_id, centre_id, {RULE_COLS} FROM quality_rules WHERE order_id IN ({})",
            params(1, o_chunk.len())
        ));
        let rows: Vec<RuleRow> = on_tx!(tx, c => {
            let mut q = sqlx::query_as::<_, RuleRow>(&sql);
            for o in o_chunk { q = q.bind(*o); }
            q.fetch_all(&mut *c).await?
        });
        for r in rows {
            rule_rows.insert((r.order_id, r.centre_id), r.rules);
        }
    }
    Ok((live, rule_rows))
}

/// The too-fast rule on the worker's latest answers (`mine`, read for the whole batch)
/// against the others' usual pace on the order: the median of each one's mean time per
/// answer, from their running figures (a few rows, not a scan of answers), read into
/// `paces` once per order and batch.
async fn too_fast(
    tx: &mut Tx<'_>,
    f: &RuleFacts,
    r: &QualityRules,
    mine: &[(i64, i64)],
    paces: &mut HashMap<i64, Vec<(i64, i64)>>,
) -> Result<Option<Fired>> {
    let mine: Vec<i64> = mine.iter().map(|(ms, _)| *ms).collect();
    let mut fired: Option<Fired> = None;
    let opts = QualityOptions::default();
    if mine.len() as i64 >= r.fast_min_labels {
        // Each worker's mean on the order, read once per order and batch.
        if let std::collections::hash_map::Entry::Vacant(slot) = paces.entry(f.order_id) {
            let rows: Vec<(i64, i64, i64)> = on_tx!(tx, c => sqlx::query_as(
                "SELECT annotator_id, ms_sum, labels FROM worker_order_stats WHERE order_id = $1 \
                 AND labels >= $2")
                .bind(f.order_id).bind(CROWD_MIN_ANSWERS)
                .fetch_all(&mut *c).await?);
            let means = rows.iter().map(|(a, ms, n)| (*a, ms / n.max(&1))).collect();
            slot.insert(means);
        }
        let crowd: Vec<i64> = paces[&f.order_id]
            .iter()
            .filter(|(a, _)| *a != f.annotator_id)
            .map(|(_, ms)| *ms)
            .collect();
        let secs = |v: &[i64]| -> Vec<f64> { v.iter().map(|ms| *ms as f64 / 1000.0).collect() };
        let m = median(&mut secs(&mine)).unwrap_or(f64::INFINITY);
        let crowd_m = if crowd.len() >= 2 {
            median(&mut secs(&crowd))
        } else {
            None
        };
        let o = QualityOptions {
            too_fast_seconds: r.fast_seconds,
            ..opts
        };
        if is_too_fast(m, crowd_m, &o) {
            fired = Some(Fired {
                reason: "too_fast",
                data: json!({"median_seconds": m, "crowd_median_seconds": crowd_m, "labels": mine.len(),
                             "threshold_seconds": r.fast_seconds, "ratio": o.too_fast_ratio}),
                text: format!(
                    "median {m:.1} s per item over the last {} answers is too fast (limit {:.1} s{})",
                    mine.len(),
                    r.fast_seconds,
                    crowd_m
                        .map(|c| format!(
                            ", or {:.0}% of the others' {c:.1} s",
                            o.too_fast_ratio * 100.0
                        ))
                        .unwrap_or_default()
                ),
            });
        }
    }
    Ok(fired)
}

/// The reading rule's inputs for a batch: the speeds of the orders whose items are read
/// (`mudou_domain::reading::reads_texts`), and what the latest answers' items give to read.
#[derive(Default)]
struct ReadingRules {
    orders: HashMap<i64, Reading>,
    texts: HashMap<i64, Text>,
}

/// Reads the specs of the orders with a due too-fast check, and for those that read texts
/// the texts of the answers' items (only then: picture orders cost nothing more).
async fn reading_rules(
    tx: &mut Tx<'_>,
    latest: &HashMap<(i64, i64), Vec<(i64, i64)>>,
) -> Result<ReadingRules> {
    let mut out = ReadingRules::default();
    let orders: BTreeSet<i64> = latest.keys().map(|(_, o)| *o).collect();
    let orders: Vec<i64> = orders.into_iter().collect();
    for chunk in orders.chunks(CHUNK) {
        let sql = tx.sql(format!(
            "SELECT id, spec FROM orders WHERE id IN ({})",
            params(1, chunk.len())
        ));
        let rows: Vec<(i64, String)> = on_tx!(tx, c => {
            let mut q = sqlx::query_as(&sql);
            for o in chunk { q = q.bind(*o); }
            q.fetch_all(&mut *c).await?
        });
        for (id, spec) in rows {
            if let Ok(spec) = serde_json::from_str::<OrderSpec>(&spec)
                && reading::reads_texts(&spec)
            {
                out.orders.insert(id, reading::of(&spec));
            }
        }
    }
    let items: BTreeSet<i64> = latest
        .iter()
        .filter(|((_, o), _)| out.orders.contains_key(o))
        .flat_map(|(_, v)| v.iter().map(|(_, item)| *item))
        .collect();
    let items: Vec<i64> = items.into_iter().collect();
    out.texts = item_texts_tx(tx, &items).await?;
    Ok(out)
}

/// The columns [`text_of_row`] reads.
const TEXT_COLS: &str = "id, kind, body, fields";

/// What one item gives to read, from its columns.
fn text_of_row(kind: &str, body: Option<&str>, fields: Option<&str>) -> Text {
    crate::catalog::item_fields(fields, kind, None, body, None)
        .iter()
        .map(|f| reading::field_text(f.kind, f.text.as_deref().unwrap_or_default()))
        .fold(Text::default(), |a, b| a + b)
}

/// What each of `ids` gives to read (items with nothing to read are absent).
async fn item_texts_tx(tx: &mut Tx<'_>, ids: &[i64]) -> Result<HashMap<i64, Text>> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        let sql = tx.sql(format!(
            "SELECT {TEXT_COLS} FROM items WHERE id IN ({}) AND (kind = 'text' OR fields IS NOT NULL)",
            params(1, chunk.len())
        ));
        let rows: Vec<(i64, String, Option<String>, Option<String>)> = on_tx!(tx, c => {
            let mut q = sqlx::query_as(&sql);
            for id in chunk { q = q.bind(*id); }
            q.fetch_all(&mut *c).await?
        });
        for (id, kind, body, fields) in rows {
            let t = text_of_row(&kind, body.as_deref(), fields.as_deref());
            if !t.is_empty() {
                out.insert(id, t);
            }
        }
    }
    Ok(out)
}

/// The reading rule on a worker's latest answers (`mine`: milliseconds and item) of an
/// order whose items are read: enough of them faster than their texts can be skimmed.
fn reading_too_fast(
    f: &RuleFacts,
    r: &QualityRules,
    mine: &[(i64, i64)],
    rules: &ReadingRules,
) -> Option<Fired> {
    let rd = rules.orders.get(&f.order_id)?;
    let h = Hurried::count(
        rd,
        mine.iter()
            .map(|(ms, item)| (*ms, rules.texts.get(item).copied().unwrap_or_default())),
    );
    if !rd.breaks_rule(
        h.too_fast as usize,
        h.answers as usize,
        r.fast_min_labels as usize,
    ) {
        return None;
    }
    Some(Fired {
        reason: "too_fast",
        data: json!({"reading": true, "too_fast_labels": h.too_fast, "labels": h.answers,
                     "share": h.share(), "too_fast_share": rd.too_fast_share,
                     "pause_share": rd.pause_share, "cjk_per_minute": rd.cjk_per_minute,
                     "words_per_minute": rd.words_per_minute}),
        text: format!(
            "{} of the last {} answers took under {:.0}% of the time their texts take to skim \
             ({} characters or {} words a minute): too fast to have read them",
            h.too_fast,
            h.answers,
            rd.too_fast_share * 100.0,
            rd.cjk_per_minute,
            rd.words_per_minute
        ),
    })
}

/// The latest answer times (client-measured ms) of each `(annotator, order, since, n)`,
/// with the item answered: up to `n` answers made since `since`, newest first, by the
/// annotator's own index.
async fn latest_answer_times(
    tx: &mut Tx<'_>,
    due: &[(i64, i64, i64, i64)],
) -> Result<HashMap<(i64, i64), Vec<(i64, i64)>>> {
    let mut out: HashMap<(i64, i64), Vec<(i64, i64)>> = HashMap::new();
    for chunk in due.chunks(64) {
        // Padded like the IN-lists, so the statement comes in a few shapes only.
        let chunk = padded(chunk.to_vec());
        let parts: Vec<String> = (0..chunk.len())
            .map(|k| {
                let p = 4 * k + 1;
                format!(
                    "SELECT CAST({k} AS BIGINT) AS k, client_ms, item_id FROM (SELECT client_ms, item_id FROM labels WHERE annotator_id = ${} \
                     AND order_id = ${} AND created_at >= ${} AND answer IS NOT NULL \
                     ORDER BY created_at DESC LIMIT ${}) AS t{k}",
                    p,
                    p + 1,
                    p + 2,
                    p + 3
                )
            })
            .collect();
        let sql = tx.sql(parts.join(" UNION ALL "));
        let rows: Vec<(i64, i64, i64)> = on_tx!(tx, c => {
            let mut q = sqlx::query_as(&sql);
            for (a, o, since, n) in &chunk { q = q.bind(*a).bind(*o).bind(*since).bind(*n); }
            q.fetch_all(&mut *c).await?
        });
        let mut by_k: BTreeMap<usize, Vec<(i64, i64)>> = BTreeMap::new();
        for (k, ms, item) in rows {
            by_k.entry(k as usize).or_default().push((ms, item));
        }
        for (k, (a, o, _, _)) in chunk.iter().enumerate() {
            out.entry((*a, *o))
                .or_insert_with(|| by_k.remove(&k).unwrap_or_default());
        }
    }
    Ok(out)
}

#[derive(sqlx::FromRow)]
struct RuleRow {
    order_id: i64,
    centre_id: i64,
    #[sqlx(flatten)]
    rules: QualityRules,
}

async fn pause_by_rule(
    tx: &mut Tx<'_>,
    now: i64,
    f: &RuleFacts,
    fired: &Fired,
    exclude: bool,
) -> Result<()> {
    let note = fired.data.to_string();
    let id: Option<i64> = on_tx!(tx, c => sqlx::query_scalar(
        "INSERT INTO worker_pauses (annotator_id, centre_id, order_id, reason, note, created_at, exclude_pending, stretch_from) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING id")
        .bind(f.annotator_id).bind(f.centre_id).bind(f.order_id).bind(fired.reason).bind(&note).bind(now)
        .bind(exclude).bind(f.rule_since)
        .fetch_optional(&mut *c).await?);
    let Some(pause_id) = id else {
        return Ok(());
    };
    let data =
        json!({"event": "paused", "reason": fired.reason, "figures": fired.data}).to_string();
    let body = format!("paused on order {}: {}", f.order_id, fired.text);
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO messages (centre_id, kind, to_id, body, order_id, about_id, pause_id, data, created_at) \
         SELECT $1, 'alert', u.id, $2, $3, $4, $5, $6, $7 FROM users u \
         WHERE u.role = 'lead' AND u.centre_id = $1 AND u.disabled = FALSE")
        .bind(f.centre_id).bind(&body).bind(f.order_id).bind(f.annotator_id).bind(pause_id).bind(&data).bind(now)
        .execute(&mut *c).await?.rows_affected());
    tracing::info!(
        annotator = f.annotator_id,
        order = f.order_id,
        reason = fired.reason,
        "paused by a quality rule"
    );
    Ok(())
}

/// Promotes annotators whose figures meet the next level's rule (never demotes; a lead's
/// own demotion is not undone by a rule, and a paused worker is not promoted).
async fn promotions(tx: &mut Tx<'_>, now: i64, annotators: &BTreeSet<i64>) -> Result<()> {
    let ids: Vec<i64> = annotators.iter().copied().collect();
    for chunk in ids.chunks(CHUNK) {
        let list = params(1, chunk.len());
        let sql = tx.sql(format!(
                "SELECT u.id, u.centre_id, u.skill_level, \
             CAST(COALESCE(SUM(s.labels - s.skips), 0) AS BIGINT), CAST(COALESCE(SUM(s.gold_total), 0) AS BIGINT), \
             CAST(COALESCE(SUM(s.gold_correct), 0) AS BIGINT) \
             FROM users u JOIN worker_order_stats s ON s.annotator_id = u.id \
             WHERE u.id IN ({list}) AND u.role = 'annotator' AND COALESCE(u.skill_level, 'trainee') <> 'expert' \
             AND NOT EXISTS (SELECT 1 FROM worker_pauses p WHERE p.annotator_id = u.id AND p.lifted_at IS NULL) \
             AND NOT EXISTS (SELECT 1 FROM level_changes lc WHERE lc.annotator_id = u.id AND lc.source = 'lead' \
                 AND lc.id = (SELECT MAX(id) FROM level_changes WHERE annotator_id = u.id) \
                 AND lc.to_level = u.skill_level AND lc.from_level IS NOT NULL AND lc.from_level <> lc.to_level \
                 AND ((lc.from_level = 'expert') OR (lc.from_level = 'standard' AND lc.to_level = 'trainee'))) \
             GROUP BY u.id, u.centre_id, u.skill_level"
            ),
        );
        type Row = (i64, Option<i64>, Option<String>, i64, i64, i64);
        let rows: Vec<Row> = on_tx!(tx, c => {
            let mut q = sqlx::query_as(&sql);
            for id in chunk { q = q.bind(*id); }
            q.fetch_all(&mut *c).await?
        });
        for (id, centre, level, answers, gold_total, gold_correct) in rows {
            let Some(centre) = centre else {
                continue;
            };
            let Ok(level) = level.as_deref().unwrap_or("trainee").parse::<SkillLevel>() else {
                continue;
            };
            let Some(p) = promotion_for(level, answers, gold_total, gold_correct) else {
                continue;
            };
            let note =
                json!({"answers": answers, "gold_total": gold_total, "gold_correct": gold_correct})
                    .to_string();
            on_tx!(tx, c => {
                sqlx::query("UPDATE users SET skill_level = $2 WHERE id = $1")
                    .bind(id).bind(p.to.as_str()).execute(&mut *c).await?;
                sqlx::query("INSERT INTO level_changes (annotator_id, centre_id, from_level, to_level, source, note, created_at) \
                             VALUES ($1, $2, $3, $4, 'rule', $5, $6)")
                    .bind(id).bind(centre).bind(level.as_str()).bind(p.to.as_str()).bind(&note).bind(now)
                    .execute(&mut *c).await?;
                let data = json!({"event": "promoted", "from": level.as_str(), "to": p.to.as_str(),
                                  "answers": answers, "gold_total": gold_total, "gold_correct": gold_correct}).to_string();
                let body = format!("promoted from {} to {} by rule ({answers} answers, gold {gold_correct}/{gold_total})",
                                   level.as_str(), p.to.as_str());
                sqlx::query("INSERT INTO messages (centre_id, kind, to_id, body, about_id, data, created_at) \
                             SELECT $1, 'alert', u.id, $2, $3, $4, $5 FROM users u \
                             WHERE u.role = 'lead' AND u.centre_id = $1 AND u.disabled = FALSE")
                    .bind(centre).bind(&body).bind(id).bind(&data).bind(now).execute(&mut *c).await?;
            });
        }
    }
    Ok(())
}

// ---- reads and writes for the lead's screens --------------------------------------------

/// One worker's figures on one order.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WorkerOrderStats {
    pub annotator_id: i64,
    pub order_id: i64,
    pub centre_id: i64,
    pub labels: i64,
    pub skips: i64,
    pub gold_total: i64,
    pub gold_correct: i64,
    pub judged: i64,
    pub agreed: i64,
    pub ms_sum: i64,
    pub last_label_at: i64,
}

/// One worker's figures in one clock hour.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WorkerHourStats {
    pub annotator_id: i64,
    pub hour: i64,
    pub labels: i64,
    pub skips: i64,
    pub gold_total: i64,
    pub gold_correct: i64,
    pub judged: i64,
    pub agreed: i64,
    pub ms_sum: i64,
}

/// The answers the quality engine reads from one order, oldest item first.
#[derive(Debug, Clone, Default)]
pub struct QualitySample {
    pub labels: Vec<QualityLabel>,
    /// More answers were there than asked for: these are the latest items' only.
    pub capped: bool,
}

impl QualitySample {
    /// The item ids the sample covers (`None` when empty).
    pub fn item_range(&self) -> Option<(i64, i64)> {
        let lo = self.labels.iter().map(|l| l.item_id).min()?;
        let hi = self.labels.iter().map(|l| l.item_id).max()?;
        Some((lo, hi))
    }
}

/// A [`QualityItem`] as read.
type QualityItemRow = (
    i64,
    bool,
    Option<String>,
    String,
    Option<String>,
    Option<f64>,
    Option<String>,
);

impl Store {
    /// The centre's per-worker, per-hour figures since `since_hour`.
    pub async fn centre_hourly_stats(
        &self,
        centre_id: CentreId,
        since_hour: i64,
    ) -> Result<Vec<WorkerHourStats>> {
        let sql = "SELECT annotator_id, hour, labels, skips, gold_total, gold_correct, judged, agreed, ms_sum \
                   FROM worker_hourly_stats WHERE centre_id = $1 AND hour >= $2 ORDER BY annotator_id, hour";
        Ok(
            on_read!(self, p => sqlx::query_as::<_, WorkerHourStats>(sql).bind(centre_id.get()).bind(since_hour).fetch_all(p).await?),
        )
    }

    /// The centre's per-worker, per-order figures of orders worked on since `since`.
    pub async fn centre_order_stats(
        &self,
        centre_id: CentreId,
        since: i64,
    ) -> Result<Vec<WorkerOrderStats>> {
        let sql = "SELECT annotator_id, order_id, centre_id, labels, skips, gold_total, gold_correct, judged, agreed, \
                   ms_sum, last_label_at FROM worker_order_stats WHERE centre_id = $1 AND last_label_at >= $2 \
                   ORDER BY annotator_id, order_id";
        Ok(
            on_read!(self, p => sqlx::query_as::<_, WorkerOrderStats>(sql).bind(centre_id.get()).bind(since).fetch_all(p).await?),
        )
    }

    /// One annotator's gold figures since `since` (from the hourly figures).
    pub async fn gold_since(&self, annotator_id: UserId, since: i64) -> Result<(i64, i64)> {
        let sql = "SELECT CAST(COALESCE(SUM(gold_total), 0) AS BIGINT), CAST(COALESCE(SUM(gold_correct), 0) AS BIGINT) \
                   FROM worker_hourly_stats WHERE annotator_id = $1 AND hour >= $2";
        Ok(
            on_read!(self, p => sqlx::query_as::<_, (i64, i64)>(sql).bind(annotator_id.get())
            .bind(since.div_euclid(HOUR_MS)).fetch_one(p).await?),
        )
    }

    /// An annotator's gold figures over the last `days` days.
    pub async fn recent_gold(
        &self,
        annotator_id: UserId,
        now: i64,
        days: i64,
    ) -> Result<(i64, i64)> {
        self.gold_since(annotator_id, now - days * 24 * HOUR_MS)
            .await
    }

    /// The answers given to an order since `since` (skips left out; labels left out of
    /// consensus too, unless `with_excluded`: a worker's quality counts all their answers).
    /// At most about `max` answers, of whole items: those of the latest items (by id; the
    /// answers of the item at the edge are dropped when the cap cut it).
    pub async fn quality_labels(
        &self,
        order_id: OrderId,
        since: i64,
        with_excluded: bool,
        max: i64,
    ) -> Result<QualitySample> {
        let sql = self.sql(format!(
                "SELECT item_id, annotator_id, answer, client_ms FROM labels WHERE order_id = $1 AND created_at >= $2 \
             AND answer IS NOT NULL{} ORDER BY item_id DESC LIMIT $3",
                if with_excluded {
                    ""
                } else {
                    " AND excluded_reason IS NULL"
                }
            ),
        );
        let mut labels: Vec<QualityLabel> =
            on_read!(self, p => sqlx::query_as::<_, (i64, i64, String, i64)>(&sql)
            .bind(order_id.get()).bind(since).bind(max.max(1)).fetch_all(p).await?)
            .into_iter()
            .map(|(item_id, annotator_id, answer, client_ms)| QualityLabel {
                item_id,
                annotator_id,
                answer,
                client_ms,
            })
            .collect();
        let capped = labels.len() as i64 >= max.max(1);
        if capped && let Some(edge) = labels.last().map(|l| l.item_id) {
            labels.retain(|l| l.item_id != edge);
        }
        labels.reverse();
        Ok(QualitySample { labels, capped })
    }

    /// What each of `ids` gives to read (`mudou_domain::reading`; items with nothing to
    /// read are absent).
    pub async fn item_texts(&self, ids: &[i64]) -> Result<HashMap<i64, Text>> {
        let mut out = HashMap::new();
        for chunk in ids.chunks(CHUNK) {
            let sql = self.sql(format!(
                "SELECT {TEXT_COLS} FROM items WHERE id IN ({}) AND (kind = 'text' OR fields IS NOT NULL)",
                params(1, chunk.len())
            ));
            let rows: Vec<(i64, String, Option<String>, Option<String>)> = on_read!(self, p => {
                let mut q = sqlx::query_as(&sql);
                for id in chunk { q = q.bind(*id); }
                q.fetch_all(p).await?
            });
            for (id, kind, body, fields) in rows {
                let t = text_of_row(&kind, body.as_deref(), fields.as_deref());
                if !t.is_empty() {
                    out.insert(id, t);
                }
            }
        }
        Ok(out)
    }

    /// What the dataset's items give to read, at most `max` of them (the first by id; items
    /// with nothing to read left out). The caller has checked the dataset is the caller's.
    pub async fn dataset_texts(&self, dataset_id: i64, max: i64) -> Result<Vec<Text>> {
        let sql = format!(
            "SELECT {TEXT_COLS} FROM items WHERE dataset_id = $1 \
             AND (kind = 'text' OR fields IS NOT NULL) ORDER BY id LIMIT $2"
        );
        let rows: Vec<(i64, String, Option<String>, Option<String>)> = on_read!(self, p =>
            sqlx::query_as(&sql).bind(dataset_id).bind(max.max(1)).fetch_all(p).await?);
        Ok(rows
            .into_iter()
            .map(|(_, kind, body, fields)| text_of_row(&kind, body.as_deref(), fields.as_deref()))
            .filter(|t| !t.is_empty())
            .collect())
    }

    /// The gold, final and known answers of the order's items with ids in `from..=to`.
    pub async fn quality_items(
        &self,
        order_id: OrderId,
        from: i64,
        to: i64,
    ) -> Result<Vec<QualityItem>> {
        let sql = "SELECT oi.item_id, oi.is_gold, oi.gold, oi.state, oi.answer, oi.confidence, \
                   CASE WHEN oi.is_gold THEN NULL ELSE i.gold END AS known \
                   FROM order_items oi JOIN items i ON i.id = oi.item_id \
                   WHERE oi.order_id = $1 AND oi.item_id >= $2 AND oi.item_id <= $3 ORDER BY oi.item_id";
        on_read!(self, p => sqlx::query_as::<_, QualityItemRow>(sql).bind(order_id.get()).bind(from).bind(to).fetch_all(p).await?)
            .into_iter()
            .map(|(item_id, is_gold, gold, state, answer, confidence, known)| {
                Ok(QualityItem {
                    item_id, is_gold, gold, state: item_state(&state)?, answer, confidence, known,
                })
            })
            .collect()
    }

    /// Answers of an order that count (skips and labels left out of consensus not counted).
    pub async fn answer_count(&self, order_id: OrderId) -> Result<i64> {
        let sql = "SELECT COUNT(*) FROM labels WHERE order_id = $1 AND answer IS NOT NULL AND excluded_reason IS NULL";
        Ok(
            on_read!(self, p => sqlx::query_scalar::<_, i64>(sql).bind(order_id.get()).fetch_one(p).await?),
        )
    }

    /// Answers on an order's gold items, and how many were right (all of them, from the verdicts).
    pub async fn gold_tally(&self, order_id: OrderId) -> Result<(i64, i64)> {
        let sql = "SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN v.agrees THEN 1 ELSE 0 END), 0) AS BIGINT) \
                   FROM label_verdicts v JOIN labels l ON l.id = v.label_id \
                   WHERE v.order_id = $1 AND v.kind = 'gold' AND l.excluded_reason IS NULL";
        Ok(
            on_read!(self, p => sqlx::query_as::<_, (i64, i64)>(sql).bind(order_id.get()).fetch_one(p).await?),
        )
    }

    /// The centre's rules for an order (the defaults when it set none).
    pub async fn quality_rules(
        &self,
        order_id: OrderId,
        centre_id: CentreId,
    ) -> Result<QualityRules> {
        let sql =
            format!("SELECT {RULE_COLS} FROM quality_rules WHERE order_id = $1 AND centre_id = $2");
        Ok(on_read!(self, p => sqlx::query_as::<_, QualityRules>(&sql).bind(order_id.get()).bind(centre_id.get())
            .fetch_optional(p).await?).unwrap_or_default())
    }

    /// Sets the centre's rules for an order.
    pub async fn set_quality_rules(
        &self,
        order_id: OrderId,
        centre_id: CentreId,
        r: &QualityRules,
        by: UserId,
        now: i64,
    ) -> Result<QualityRules> {
        let sql = self.sql(format!(
                "INSERT INTO quality_rules (order_id, centre_id, {RULE_COLS}, updated_by, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
             ON CONFLICT (order_id, centre_id) DO UPDATE SET gold_enabled = excluded.gold_enabled, \
             gold_min_items = excluded.gold_min_items, gold_threshold = excluded.gold_threshold, \
             fast_enabled = excluded.fast_enabled, fast_min_labels = excluded.fast_min_labels, \
             fast_seconds = excluded.fast_seconds, spam_enabled = excluded.spam_enabled, \
             spam_min_labels = excluded.spam_min_labels, spam_agreement = excluded.spam_agreement, \
             exclude_labels = excluded.exclude_labels, updated_by = excluded.updated_by, updated_at = excluded.updated_at"
            ),
        );
        on_write!(self, p => sqlx::query(&sql).bind(order_id.get()).bind(centre_id.get()).bind(r.gold_enabled).bind(r.gold_min_items)
            .bind(r.gold_threshold).bind(r.fast_enabled).bind(r.fast_min_labels).bind(r.fast_seconds).bind(r.spam_enabled)
            .bind(r.spam_min_labels).bind(r.spam_agreement).bind(r.exclude_labels).bind(by.get()).bind(now)
            .execute(p).await?.rows_affected());
        self.quality_rules(order_id, centre_id).await
    }
}
