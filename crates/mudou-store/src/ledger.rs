//! The pay ledger, as a follower of the label effects.
//!
//! Each label has a pay standing in `label_pay` (what its current answer earns and whether
//! it is pending, accepted, not paid — with the reason — or a skip). The money is only
//! ever in `ledger_entries`, which is append-only: this module inserts entries and never
//! changes one. After every batch, for each label whose standing changed, the sum of the
//! label's entries equals what it earns now (its amount when accepted, else nothing):
//! a piece when it is first accepted, a reversal when it is no longer accepted, a reversal
//! of that reversal when it is accepted again, and — when a changed answer changes the pay
//! of an accepted label — the system's correcting adjustment.
//!
//! A batch costs a handful of statements whatever its size: read the standings, write the
//! changed ones, read the entries of labels whose money moves, write the new entries.

use std::collections::{BTreeMap, HashMap};

use mudou_domain::ItemState;

use crate::Result;
use crate::effects::LabelEffects;
use crate::pool::Tx;
use crate::sql::CHUNK;

pub(crate) const PENDING: &str = "pending";
pub(crate) const ACCEPTED: &str = "accepted";
pub(crate) const NOT_PAID: &str = "not_paid";
pub(crate) const SKIPPED: &str = "skipped";

/// A label's pay standing (a `label_pay` row).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct PayRow {
    pub label_id: i64,
    pub annotator_id: i64,
    pub centre_id: i64,
    pub order_id: i64,
    pub item_id: i64,
    pub is_gold: bool,
    pub answered: bool,
    pub gold_correct: Option<bool>,
    pub client_ms: i64,
    pub amount_fen: i64,
    pub pay_on_submit: bool,
    pub status: String,
    pub reason: Option<String>,
    pub worked_at: i64,
    pub decided_at: Option<i64>,
    pub updated_at: i64,
}

impl PayRow {
    /// What the label earns as it stands.
    pub fn target(&self) -> i64 {
        if self.status == ACCEPTED {
            self.amount_fen
        } else {
            0
        }
    }
    fn paused(&self) -> bool {
        self.status == NOT_PAID
            && self
                .reason
                .as_deref()
                .is_some_and(|r| r.starts_with("paused:"))
    }
    fn set(&mut self, status: &str, reason: Option<&str>, now: i64) {
        if self.status != status || self.reason.as_deref() != reason {
            self.status = status.to_owned();
            self.reason = reason.map(str::to_owned);
            self.decided_at = (status == ACCEPTED || status == NOT_PAID).then_some(now);
        }
    }
}

const PAY_COLS: &str = "label_id, annotator_id, centre_id, order_id, item_id, is_gold, answered, gold_correct, \
                        client_ms, amount_fen, pay_on_submit, status, reason, worked_at, decided_at, updated_at";

/// A ledger entry to insert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NewEntry {
    pub annotator_id: i64,
    pub centre_id: i64,
    pub kind: &'static str,
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

/// An entry as the reconciliation needs it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct EntryRow {
    pub id: i64,
    pub label_id: Option<i64>,
    pub kind: String,
    pub amount_fen: i64,
    pub labels_delta: i64,
    pub reverses_id: Option<i64>,
}

/// What the ledger follower changed in one batch, for the throughput rollups.
#[derive(Debug, Default)]
pub(crate) struct PayChanges {
    /// Each label whose standing changed: before (`None` when new) and after.
    pub rows: Vec<(Option<PayRow>, PayRow)>,
    /// The entries written (all about labels).
    pub entries: Vec<NewEntry>,
}

/// Applies a batch of label effects to the pay standings and the ledger.
pub(crate) async fn follow(tx: &mut Tx<'_>, fx: &LabelEffects) -> Result<PayChanges> {
    let mut ids: Vec<i64> = fx
        .labels
        .iter()
        .map(|l| l.label_id)
        .chain(
            fx.items
                .iter()
                .filter(|i| i.state == ItemState::Resolved || fx.reviewed_by.is_some())
                .flat_map(|i| i.verdicts.iter().map(|v| v.label_id)),
        )
        .chain(fx.excluded.iter().map(|e| e.label_id))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(PayChanges::default());
    }
    let before: HashMap<i64, PayRow> = load_rows(tx, &ids)
        .await?
        .into_iter()
        .map(|r| (r.label_id, r))
        .collect();
    let mut rows: BTreeMap<i64, PayRow> = before.iter().map(|(k, v)| (*k, v.clone())).collect();
    let now = fx.now;

    for l in &fx.labels {
        let r = rows.entry(l.label_id).or_insert_with(|| PayRow {
            label_id: l.label_id,
            annotator_id: l.annotator_id,
            centre_id: l.centre_id,
            order_id: l.order_id,
            item_id: l.item_id,
            is_gold: l.is_gold,
            answered: false,
            gold_correct: None,
            client_ms: 0,
            amount_fen: 0,
            pay_on_submit: l.pay_on_submit,
            status: PENDING.into(),
            reason: None,
            worked_at: now,
            decided_at: None,
            updated_at: now,
        });
        r.answered = l.answer.is_some();
        r.gold_correct = if l.is_gold { l.gold_correct } else { None };
        r.client_ms = l.client_ms.max(0);
        r.amount_fen = if r.answered { l.pay_fen.max(0) } else { 0 };
        r.pay_on_submit = l.pay_on_submit;
        r.updated_at = now;
        if r.paused() {
            continue;
        }
        if !r.answered {
            r.set(SKIPPED, None, now);
        } else if l.pay_on_submit {
            r.set(ACCEPTED, None, now);
        } else if l.is_gold {
            match l.gold_correct {
                Some(true) => r.set(ACCEPTED, None, now),
                Some(false) => r.set(NOT_PAID, Some("differs"), now),
                None => r.set(PENDING, None, now),
            }
        } else {
            // Decided by the item's verdicts (below, when it is resolved).
            r.set(PENDING, None, now);
        }
    }
    for e in &fx.excluded {
        if let Some(r) = rows.get_mut(&e.label_id) {
            r.set(NOT_PAID, Some(&format!("paused:{}", e.reason)), now);
            r.updated_at = now;
        }
    }
    // A review's verdicts count whatever the item's state: a written answer sent back is
    // rejected while its item goes back to be written again.
    for item in fx
        .items
        .iter()
        .filter(|i| i.state == ItemState::Resolved || fx.reviewed_by.is_some())
    {
        for v in &item.verdicts {
            // A label stored before the ledger existed has no standing: nothing to pay.
            let Some(r) = rows.get_mut(&v.label_id) else {
                continue;
            };
            if r.paused() || !r.answered {
                continue;
            }
            let decision = if fx.reviewed_by.is_some() {
                if v.agrees {
                    (ACCEPTED, Some("review"))
                } else {
                    (NOT_PAID, Some("rejected"))
                }
            } else if r.pay_on_submit {
                // Paid on submit: the consensus does not take it back (a review may).
                continue;
            } else if v.agrees {
                (ACCEPTED, None)
            } else {
                (NOT_PAID, Some("differs"))
            };
            r.set(decision.0, decision.1, now);
            r.updated_at = now;
        }
    }

    let changed: Vec<(Option<PayRow>, PayRow)> = rows
        .into_iter()
        .filter(|(id, r)| before.get(id) != Some(r))
        .map(|(id, r)| (before.get(&id).cloned(), r))
        .collect();
    if changed.is_empty() {
        return Ok(PayChanges::default());
    }
    write_rows(tx, changed.iter().map(|(_, r)| r)).await?;

    // Money: labels whose pay now differs from what their entries held before. A new
    // standing has no entries; an old one's entries hold its old target (the invariant),
    // but they are read and summed rather than trusted.
    let mut entries = Vec::new();
    let mut to_read = Vec::new();
    for (old, new) in &changed {
        match old {
            None if new.target() > 0 => entries.push(piece(new, now)),
            None => {}
            Some(old) if old.target() != new.target() => to_read.push(new),
            Some(_) => {}
        }
    }
    if !to_read.is_empty() {
        let ids: Vec<i64> = to_read.iter().map(|r| r.label_id).collect();
        let existing = load_entries(tx, &ids).await?;
        let mut by_label: HashMap<i64, Vec<EntryRow>> = HashMap::new();
        for e in existing {
            if let Some(l) = e.label_id {
                by_label.entry(l).or_default().push(e);
            }
        }
        for r in to_read {
            let es = by_label.remove(&r.label_id).unwrap_or_default();
            entries.extend(reconcile(r, &es, now));
        }
    }
    insert_entries(tx, &entries).await?;
    Ok(PayChanges {
        rows: changed,
        entries,
    })
}

fn piece(r: &PayRow, now: i64) -> NewEntry {
    NewEntry {
        annotator_id: r.annotator_id,
        centre_id: r.centre_id,
        kind: "piece",
        amount_fen: r.amount_fen,
        label_id: Some(r.label_id),
        order_id: Some(r.order_id),
        labels_delta: 1,
        reverses_id: None,
        period: None,
        reason: None,
        created_by: None,
        work_at: r.worked_at,
        created_at: now,
    }
}

/// The entries that bring a label's entries to what it earns now.
pub(crate) fn reconcile(r: &PayRow, entries: &[EntryRow], now: i64) -> Vec<NewEntry> {
    let target = r.target();
    let reversed_by: HashMap<i64, &EntryRow> = entries
        .iter()
        .filter_map(|e| e.reverses_id.map(|r| (r, e)))
        .collect();
    // Each original entry (piece or correction) with the last entry of its reversal chain,
    // and whether it is in effect (reversed an even number of times).
    let mut chains: Vec<(&EntryRow, &EntryRow, bool)> = Vec::new();
    for root in entries.iter().filter(|e| e.kind != "reversal") {
        let (mut head, mut in_effect) = (root, true);
        while let Some(next) = reversed_by.get(&head.id) {
            head = next;
            in_effect = !in_effect;
        }
        chains.push((root, head, in_effect));
    }
    let mut sum: i64 = chains
        .iter()
        .filter(|c| c.2)
        .map(|(root, _, _)| root.amount_fen)
        .sum();
    if sum == target {
        return Vec::new();
    }
    let base = NewEntry {
        annotator_id: r.annotator_id,
        centre_id: r.centre_id,
        kind: "reversal",
        amount_fen: 0,
        label_id: Some(r.label_id),
        order_id: Some(r.order_id),
        labels_delta: 0,
        reverses_id: None,
        period: None,
        reason: None,
        created_by: None,
        work_at: r.worked_at,
        created_at: now,
    };
    let reverse = |head: &EntryRow, reason: &str| NewEntry {
        amount_fen: -head.amount_fen,
        labels_delta: -head.labels_delta,
        reverses_id: Some(head.id),
        reason: Some(reason.to_owned()),
        ..base.clone()
    };
    let mut out = Vec::new();
    if target == 0 {
        let reason = match (r.status.as_str(), r.reason.as_deref()) {
            (_, Some(why)) => why.to_owned(),
            (SKIPPED, None) => "skipped".to_owned(),
            _ => "answer_changed".to_owned(),
        };
        for (_, head, in_effect) in &chains {
            if *in_effect {
                out.push(reverse(head, &reason));
            }
        }
        return out;
    }
    match chains.iter().find(|(root, _, _)| root.kind == "piece") {
        None => {
            // No piece yet, so nothing else either (corrections follow a piece).
            return vec![piece(r, now)];
        }
        Some((root, head, false)) => {
            let why = r.reason.as_deref().unwrap_or("accepted");
            out.push(reverse(head, why));
            sum += root.amount_fen;
        }
        Some(_) => {}
    }
    if sum != target {
        out.push(NewEntry {
            kind: "adjustment",
            amount_fen: target - sum,
            reason: Some("answer_changed".into()),
            ..base
        });
    }
    out
}

async fn load_rows(tx: &mut Tx<'_>, ids: &[i64]) -> Result<Vec<PayRow>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        on_tx!(tx, c => {
            let mut qb = sqlx::QueryBuilder::new(format!("SELECT {PAY_COLS} FROM label_pay WHERE label_id IN ("));
            let mut sep = qb.separated(", ");
            for id in chunk {
                sep.push_bind(*id);
            }
            qb.push(")");
            out.extend(qb.build_query_as::<PayRow>().fetch_all(&mut *c).await?);
        });
    }
    Ok(out)
}

async fn write_rows<'r>(tx: &mut Tx<'_>, rows: impl Iterator<Item = &'r PayRow>) -> Result<()> {
    let rows: Vec<&PayRow> = rows.collect();
    for chunk in rows.chunks(CHUNK) {
        on_tx!(tx, c => {
            let mut qb = sqlx::QueryBuilder::new(format!("INSERT INTO label_pay ({PAY_COLS}) "));
            qb.push_values(chunk, |mut b, r| {
                b.push_bind(r.label_id).push_bind(r.annotator_id).push_bind(r.centre_id).push_bind(r.order_id)
                    .push_bind(r.item_id).push_bind(r.is_gold).push_bind(r.answered).push_bind(r.gold_correct)
                    .push_bind(r.client_ms).push_bind(r.amount_fen).push_bind(r.pay_on_submit)
                    .push_bind(r.status.as_str()).push_bind(r.reason.as_deref()).push_bind(r.worked_at)
                    .push_bind(r.decided_at).push_bind(r.updated_at);
            });
            qb.push(" ON CONFLICT (label_id) DO UPDATE SET answered = excluded.answered, \
                     gold_correct = excluded.gold_correct, client_ms = excluded.client_ms, \
                     amount_fen = excluded.amount_fen, pay_on_submit = excluded.pay_on_submit, \
                     status = excluded.status, reason = excluded.reason, decided_at = excluded.decided_at, \
                     updated_at = excluded.updated_at");
            qb.build().execute(&mut *c).await?;
        });
    }
    Ok(())
}

async fn load_entries(tx: &mut Tx<'_>, label_ids: &[i64]) -> Result<Vec<EntryRow>> {
    let mut out = Vec::new();
    for chunk in label_ids.chunks(CHUNK) {
        on_tx!(tx, c => {
            let mut qb = sqlx::QueryBuilder::new(
                "SELECT id, label_id, kind, amount_fen, labels_delta, reverses_id FROM ledger_entries WHERE label_id IN (");
            let mut sep = qb.separated(", ");
            for id in chunk {
                sep.push_bind(*id);
            }
            qb.push(") ORDER BY id");
            out.extend(qb.build_query_as::<EntryRow>().fetch_all(&mut *c).await?);
        });
    }
    Ok(out)
}

/// Appends one entry and returns its id.
pub(crate) async fn insert_entry(tx: &mut Tx<'_>, e: &NewEntry) -> Result<i64> {
    Ok(on_tx!(tx, c => sqlx::query_scalar(
        "INSERT INTO ledger_entries (annotator_id, centre_id, kind, amount_fen, label_id, order_id, labels_delta, \
         reverses_id, period, reason, created_by, work_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id")
        .bind(e.annotator_id).bind(e.centre_id).bind(e.kind).bind(e.amount_fen).bind(e.label_id).bind(e.order_id)
        .bind(e.labels_delta).bind(e.reverses_id).bind(e.period.as_deref()).bind(e.reason.as_deref())
        .bind(e.created_by).bind(e.work_at).bind(e.created_at)
        .fetch_one(&mut *c).await?))
}

/// Appends entries (the only way anything enters the ledger).
pub(crate) async fn insert_entries(tx: &mut Tx<'_>, entries: &[NewEntry]) -> Result<()> {
    for chunk in entries.chunks(CHUNK) {
        on_tx!(tx, c => {
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO ledger_entries (annotator_id, centre_id, kind, amount_fen, label_id, order_id, labels_delta, \
                 reverses_id, period, reason, created_by, work_at, created_at) ");
            qb.push_values(chunk, |mut b, e| {
                b.push_bind(e.annotator_id).push_bind(e.centre_id).push_bind(e.kind).push_bind(e.amount_fen)
                    .push_bind(e.label_id).push_bind(e.order_id).push_bind(e.labels_delta).push_bind(e.reverses_id)
                    .push_bind(e.period.as_deref()).push_bind(e.reason.as_deref()).push_bind(e.created_by)
                    .push_bind(e.work_at).push_bind(e.created_at);
            });
            qb.build().execute(&mut *c).await?;
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(status: &str, amount: i64) -> PayRow {
        PayRow {
            label_id: 7,
            annotator_id: 1,
            centre_id: 1,
            order_id: 1,
            item_id: 1,
            is_gold: false,
            answered: true,
            gold_correct: None,
            client_ms: 1000,
            amount_fen: amount,
            pay_on_submit: false,
            status: status.into(),
            reason: (status == NOT_PAID).then(|| "differs".into()),
            worked_at: 5,
            decided_at: None,
            updated_at: 5,
        }
    }

    /// Applies the reconciliation's entries as the database would (ids in order).
    fn apply(entries: &mut Vec<EntryRow>, new: Vec<NewEntry>) {
        for e in new {
            let id = entries.len() as i64 + 1;
            entries.push(EntryRow {
                id,
                label_id: e.label_id,
                kind: e.kind.into(),
                amount_fen: e.amount_fen,
                labels_delta: e.labels_delta,
                reverses_id: e.reverses_id,
            });
        }
    }

    #[test]
    fn entries_follow_the_standing() {
        let mut es = Vec::new();
        let steps = [
            (ACCEPTED, 30, 30, 1),
            (NOT_PAID, 30, 0, 0),
            (ACCEPTED, 30, 30, 1),
            (ACCEPTED, 50, 50, 1),
            (PENDING, 50, 0, 0),
            (ACCEPTED, 40, 40, 1),
            (ACCEPTED, 40, 40, 1),
        ];
        for (status, amount, sum, labels) in steps {
            let new = reconcile(&row(status, amount), &es, 9);
            apply(&mut es, new);
            assert_eq!(
                es.iter().map(|e| e.amount_fen).sum::<i64>(),
                sum,
                "{status} {amount}"
            );
            assert_eq!(es.iter().map(|e| e.labels_delta).sum::<i64>(), labels);
            assert_eq!(es.iter().filter(|e| e.kind == "piece").count(), 1);
        }
        // Every reversal mirrors what it reverses, and nothing is reversed twice.
        let mut seen = std::collections::HashSet::new();
        for e in es.iter().filter(|e| e.kind == "reversal") {
            let r = &es[e.reverses_id.unwrap() as usize - 1];
            assert_eq!(r.amount_fen, -e.amount_fen);
            assert!(seen.insert(r.id));
        }
    }
}
