//! The label hot path: many labels in one transaction (group commit).
//!
//! A batch is read with a handful of set-based statements (the leases it uses up are
//! deleted at once, the delete telling which existed), decided in memory one label after
//! another (so the outcome is exactly what submitting them one by one would give), and
//! written back with a handful more: a multi-row insert, one update of the touched items,
//! a renewal of the assignments whose lease is due. What the batch changed goes to the
//! followers ([`crate::effects`]) in the same transaction.
//!
//! On PostgreSQL the touched items are locked first, in key order (so batches of several
//! processes, and leases, never deadlock), and everything else is read after the lock.

use std::collections::{HashMap, HashSet};

use crate::effects::{self, ItemFact, LabelEffects, LabelFact, Verdict};
use crate::pool::Tx;
use crate::{
    Backend, ConsensusUpdate, ItemLabels, NewLabel, Result, Store, SubmitOutcome, SubmitRefusal,
};

/// `$from, $from+1, …` for `n` parameters.
pub(crate) fn params(from: usize, n: usize) -> String {
    let mut s = String::with_capacity(n * 5);
    for i in 0..n {
        if i > 0 {
            s.push_str(", ");
        }
        s.push('$');
        s.push_str(&(from + i).to_string());
    }
    s
}

/// The statement as `backend` should get it. On SQLite a statement whose parameters
/// appear in text order `$1, $2, …`, each once, gets anonymous `?` parameters instead:
/// binding a numbered parameter makes SQLite look its name up in a list (sqlx asks for the
/// name of every parameter), which is quadratic in the count and cost a third of the
/// writer's time on multi-row inserts of hundreds of parameters. Anything else, and
/// every statement on PostgreSQL, is left as written.
pub(crate) fn for_backend(backend: Backend, sql: String) -> String {
    if backend != Backend::Sqlite {
        return sql;
    }
    let b = sql.as_bytes();
    let mut out = String::with_capacity(sql.len());
    let (mut next, mut i, mut from, mut quoted) = (1usize, 0usize, 0usize, false);
    while i < b.len() {
        match b[i] {
            b'\'' => quoted = !quoted,
            b'$' if !quoted => {
                let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
                if digits > 0 {
                    let n: usize = sql[i + 1..i + 1 + digits].parse().unwrap_or(0);
                    if n != next {
                        return sql;
                    }
                    next += 1;
                    out.push_str(&sql[from..i]);
                    out.push('?');
                    i += 1 + digits;
                    from = i;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out.push_str(&sql[from..]);
    out
}

/// Pads an `IN (…)` list to the next power of two with its last value, so a statement
/// comes in a handful of shapes whatever the batch size, and prepared statements are
/// reused instead of parsed anew. (A value twice in an `IN` list changes nothing.)
pub(crate) fn padded<T: Clone>(mut v: Vec<T>) -> Vec<T> {
    if let Some(last) = v.last().cloned() {
        v.resize(v.len().next_power_of_two(), last);
    }
    v
}

/// The values for an `IN (…)` list: sorted, each once, padded like [`padded`].
pub(crate) fn in_list<T: Ord + Clone>(values: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut v: Vec<T> = values.into_iter().collect();
    v.sort_unstable();
    v.dedup();
    padded(v)
}

/// `($1, $2, $3), ($4, $5, $6), …` for `rows` tuples of `width`.
pub(crate) fn tuples(rows: usize, width: usize) -> String {
    let mut s = String::with_capacity(rows * width * 5);
    for r in 0..rows {
        if r > 0 {
            s.push_str(", ");
        }
        s.push('(');
        s.push_str(&params(1 + r * width, width));
        s.push(')');
    }
    s
}

/// Rows per multi-row statement (keeps well under both engines' parameter limits).
const CHUNK: usize = 200;
/// A label renews its lease once a `1 / RENEW_AFTER` of the lease has passed.
const RENEW_AFTER: i64 = 20;

#[derive(Debug, Clone)]
struct AssignmentRow {
    order_id: i64,
    unit_id: i64,
    centre_id: i64,
    state: String,
    annotator_id: i64,
    lease_expires_at: i64,
}

/// An item's label as the batch sees it: stored before, or new in this batch.
#[derive(Debug, Clone)]
struct ItemLabel {
    /// The stored id, or `None` for a label first stored by this batch.
    id: Option<i64>,
    /// For a new label: its index in `pending`.
    pending: Option<usize>,
    annotator_id: i64,
    assignment_id: i64,
    answer: Option<String>,
    /// Left out of consensus (made in a quality-paused stretch).
    excluded: bool,
}

#[derive(Debug)]
struct ItemRow {
    is_gold: bool,
    /// A lead decided the item's answer: labels still arrive, but never change it.
    is_final: bool,
    gold: Option<String>,
    needed: i64,
    skips: i64,
    labels_count: i64,
    state_before: String,
    state: String,
    answer: Option<String>,
    confidence: Option<f64>,
    /// Assignments holding a lease on the item.
    leases: Vec<i64>,
    labels: Vec<ItemLabel>,
    dirty: bool,
    verdicts: Vec<Verdict>,
}

/// What the batch will write for one label.
#[derive(Debug)]
enum Write {
    /// A new row (index into `pending`).
    Insert(usize),
    /// A stored row gets a new answer.
    Update(i64),
}

#[derive(Debug, Clone)]
struct Pending {
    batch_index: usize,
    order_id: i64,
    centre_id: i64,
    gold_correct: Option<bool>,
}

/// A label's outcome before the new rows have their ids.
enum Draft {
    Done(Result<SubmitOutcome, SubmitRefusal>),
    Stored { pending: usize, key: (i64, i64) },
    Changed { write: Write, key: (i64, i64) },
    Replay { label: LabelRef, key: (i64, i64) },
}

#[derive(Debug, Clone, Copy)]
enum LabelRef {
    Id(i64),
    Pending(usize),
}

impl Store {
    /// Stores a batch of labels in one transaction, with the consensus of every touched
    /// item updated by `decide(order_id, item)` after each label, exactly as if they had
    /// been submitted one after another in this order. Each label gets its own outcome.
    pub async fn submit_labels<F>(
        &self,
        batch: &[NewLabel],
        now: i64,
        lease_ms: i64,
        decide: F,
    ) -> Result<Vec<Result<SubmitOutcome, SubmitRefusal>>>
    where
        F: FnMut(i64, &ItemLabels) -> ConsensusUpdate,
    {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        Ok(in_tx!(self, tx => {
            submit_in(&mut Tx::from(&mut *tx), batch, now, lease_ms, decide).await?
        }))
    }

    /// One label (see [`Store::submit_labels`]).
    pub async fn submit_label<F>(
        &self,
        l: &NewLabel,
        now: i64,
        lease_ms: i64,
        decide: F,
    ) -> Result<Result<SubmitOutcome, SubmitRefusal>>
    where
        F: FnOnce(&ItemLabels) -> ConsensusUpdate,
    {
        let mut decide = Some(decide);
        let mut out = self
            .submit_labels(std::slice::from_ref(l), now, lease_ms, |_, item| {
                // One label touches one item, decided once.
                (decide.take().expect("decided once"))(item)
            })
            .await?;
        Ok(out.pop().expect("one outcome"))
    }
}

pub(crate) async fn submit_in<F>(
    tx: &mut Tx<'_>,
    batch: &[NewLabel],
    now: i64,
    lease_ms: i64,
    mut decide: F,
) -> Result<Vec<Result<SubmitOutcome, SubmitRefusal>>>
where
    F: FnMut(i64, &ItemLabels) -> ConsensusUpdate,
{
    // 1. The assignments the labels name.
    let asg_ids = in_list(batch.iter().map(|l| l.assignment_id));
    let sql = tx.sql(format!(
            "SELECT id, order_id, unit_id, centre_id, state, annotator_id, lease_expires_at FROM assignments WHERE id IN ({})",
            params(1, asg_ids.len())
        ),
    );
    let rows: Vec<(i64, i64, i64, i64, String, i64, i64)> = on_tx!(tx, c => {
        let mut q = sqlx::query_as(&sql);
        for id in &asg_ids { q = q.bind(id); }
        q.fetch_all(&mut *c).await?
    });
    let assignments: HashMap<i64, AssignmentRow> = rows
        .into_iter()
        .map(
            |(id, order_id, unit_id, centre_id, state, annotator_id, lease_expires_at)| {
                (
                    id,
                    AssignmentRow {
                        order_id,
                        unit_id,
                        centre_id,
                        state,
                        annotator_id,
                        lease_expires_at,
                    },
                )
            },
        )
        .collect();

    // 2. The items they touch, locked in key order on PostgreSQL.
    let mut keys: Vec<(i64, i64)> = batch
        .iter()
        .filter_map(|l| {
            assignments
                .get(&l.assignment_id)
                .map(|a| (a.order_id, l.item_id))
        })
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let key_set: HashSet<(i64, i64)> = keys.iter().copied().collect();
    let order_ids = in_list(keys.iter().map(|k| k.0));
    let item_ids = in_list(keys.iter().map(|k| k.1));
    // Orders and items as two lists: a superset of the keys, filtered below.
    let in_keys = |col_o: &str, col_i: &str| {
        format!(
            "{col_o} IN ({}) AND {col_i} IN ({})",
            params(1, order_ids.len()),
            params(1 + order_ids.len(), item_ids.len())
        )
    };
    let lock = if tx.backend() == Backend::Postgres {
        " FOR UPDATE"
    } else {
        ""
    };
    let mut items: HashMap<(i64, i64), ItemRow> = HashMap::new();
    if !keys.is_empty() {
        let sql = tx.sql(format!(
                "SELECT order_id, item_id, is_gold, gold, needed, skips, labels_count, state, answer, confidence, \
             final_by IS NOT NULL FROM order_items WHERE {} ORDER BY order_id, item_id{lock}",
                in_keys("order_id", "item_id")
            ),
        );
        type Row = (
            i64,
            i64,
            bool,
            Option<String>,
            i64,
            i64,
            i64,
            String,
            Option<String>,
            Option<f64>,
            bool,
        );
        let rows: Vec<Row> = on_tx!(tx, c => {
            let mut q = sqlx::query_as(&sql);
            for id in order_ids.iter().chain(&item_ids) { q = q.bind(id); }
            q.fetch_all(&mut *c).await?
        });
        for (
            o,
            i,
            is_gold,
            gold,
            needed,
            skips,
            labels_count,
            state,
            answer,
            confidence,
            is_final,
        ) in rows
        {
            if key_set.contains(&(o, i)) {
                items.insert(
                    (o, i),
                    ItemRow {
                        is_gold,
                        is_final,
                        gold,
                        needed,
                        skips,
                        labels_count,
                        state_before: state.clone(),
                        state,
                        answer,
                        confidence,
                        leases: Vec::new(),
                        labels: Vec::new(),
                        dirty: false,
                        verdicts: Vec::new(),
                    },
                );
            }
        }
    }

    // 3. Labels already stored under these UUIDs, as their latest submission or as one a
    // later change of mind superseded (`label_uuids`): a UUID once seen is a replay forever.
    let uuids = in_list(batch.iter().map(|l| l.client_uuid.as_str()));
    let sql = tx.sql(format!(
            "SELECT client_uuid, id, annotator_id, item_id, order_id FROM labels WHERE client_uuid IN ({0}) \
             UNION ALL SELECT u.client_uuid, l.id, l.annotator_id, l.item_id, l.order_id \
             FROM label_uuids u JOIN labels l ON l.id = u.label_id WHERE u.client_uuid IN ({0})",
            params(1, uuids.len())
        ),
    );
    let rows: Vec<(String, i64, i64, i64, i64)> = on_tx!(tx, c => {
        let mut q = sqlx::query_as(&sql);
        for u in &uuids { q = q.bind(*u); }
        q.fetch_all(&mut *c).await?
    });
    // uuid → (label, annotator, order, item)
    let mut known: HashMap<String, (LabelRef, i64, i64, i64)> = rows
        .into_iter()
        .map(|(u, id, who, item, order)| (u, (LabelRef::Id(id), who, order, item)))
        .collect();

    // 4. Every label of the touched items.
    if !keys.is_empty() {
        let sql = tx.sql(format!(
                "SELECT id, order_id, item_id, annotator_id, assignment_id, answer, excluded_reason IS NOT NULL \
             FROM labels WHERE {}",
                in_keys("order_id", "item_id")
            ),
        );
        // (id, order, item, annotator, assignment, answer, excluded)
        type LabelRow = (i64, i64, i64, i64, i64, Option<String>, bool);
        let mut rows: Vec<LabelRow> = on_tx!(tx, c => {
            let mut q = sqlx::query_as(&sql);
            for id in order_ids.iter().chain(&item_ids) { q = q.bind(id); }
            q.fetch_all(&mut *c).await?
        });
        // Oldest first. Sorted here: an ORDER BY would tempt SQLite to walk the order's
        // labels by id instead of looking the items up.
        rows.sort_unstable_by_key(|r| r.0);
        for (id, o, i, annotator_id, assignment_id, answer, excluded) in rows {
            if let Some(item) = items.get_mut(&(o, i)) {
                item.labels.push(ItemLabel {
                    id: Some(id),
                    pending: None,
                    annotator_id,
                    assignment_id,
                    answer,
                    excluded,
                });
            }
        }
    }

    // The labels that may use up a lease: new answers of their assignment's own annotator.
    let fresh: Vec<&NewLabel> = batch
        .iter()
        .filter(|l| !known.contains_key(&l.client_uuid))
        .filter(|l| {
            assignments
                .get(&l.assignment_id)
                .is_some_and(|a| a.annotator_id == l.annotator_id)
        })
        .collect();

    // 5. Renewals: a label renews its assignment's lease once the lease has run for a
    // twentieth of its length (30 s of 10 minutes); renewing at every label rewrote the
    // assignment's row, and every index entry of it, for each answer of a batch.
    // Assignments before leases: the lock order of every writer (units → items →
    // assignments → leases), so none of them waits for another in a circle.
    let renew_before = now + lease_ms - lease_ms / RENEW_AFTER;
    let renew = in_list(
        fresh
            .iter()
            .filter(|l| {
                let a = &assignments[&l.assignment_id];
                a.state == "active" && a.lease_expires_at < renew_before
            })
            .map(|l| l.assignment_id),
    );
    for chunk in renew.chunks(CHUNK) {
        let sql = tx.sql(format!(
                "UPDATE assignments SET lease_expires_at = $1 WHERE id IN ({}) AND state = 'active' AND lease_expires_at < ${}",
                params(2, chunk.len()),
                chunk.len() + 2
            ),
        );
        on_tx!(tx, c => {
            let mut q = sqlx::query(&sql).bind(now + lease_ms);
            for id in chunk { q = q.bind(id); }
            q.bind(renew_before).execute(&mut *c).await?.rows_affected()
        });
    }

    // 6. The leases these labels use up are deleted at once, and the delete tells which
    // existed. Other annotators' leases of the items matter only to a label that held no
    // lease (its lease ran out: is the item still needed?), and are read only for those.
    // (Reading every lease of the touched items and deleting the used ones afterwards cost
    // two statements and ~two rows per label read.)
    let mut wanted: Vec<(i64, i64)> = fresh.iter().map(|l| (l.assignment_id, l.item_id)).collect();
    wanted.sort_unstable();
    wanted.dedup();
    let mut held: HashSet<(i64, i64)> = HashSet::new();
    for chunk in wanted.chunks(CHUNK) {
        let chunk = padded(chunk.to_vec());
        let cond: Vec<String> = (0..chunk.len())
            .map(|k| {
                format!(
                    "(assignment_id = ${} AND item_id = ${})",
                    2 * k + 1,
                    2 * k + 2
                )
            })
            .collect();
        let sql = tx.sql(format!(
            "DELETE FROM item_leases WHERE {} RETURNING assignment_id, item_id",
            cond.join(" OR ")
        ));
        let rows: Vec<(i64, i64)> = on_tx!(tx, c => {
            let mut q = sqlx::query_as(&sql);
            for (a, i) in &chunk { q = q.bind(a).bind(i); }
            q.fetch_all(&mut *c).await?
        });
        held.extend(rows);
    }
    // (Only their orders and items are used, each as an `in_list` of its own.)
    let unleased: Vec<(i64, i64)> = fresh
        .iter()
        .filter_map(|l| {
            let key = (assignments[&l.assignment_id].order_id, l.item_id);
            let item = items.get(&key)?;
            let answered = item.labels.iter().any(|x| x.annotator_id == l.annotator_id);
            (!held.contains(&(l.assignment_id, l.item_id)) && !answered).then_some(key)
        })
        .collect();
    for (a, i) in &held {
        if let Some(item) = items.get_mut(&(assignments[a].order_id, *i)) {
            item.leases.push(*a);
        }
    }
    // Which items are in the labels' units: a held lease says so (leases are only of the
    // unit's items); the others are read.
    let mut in_unit: HashSet<(i64, i64)> = held
        .iter()
        .map(|(a, i)| (assignments[a].unit_id, *i))
        .collect();
    let unsure: Vec<(i64, i64)> = fresh
        .iter()
        .map(|l| (assignments[&l.assignment_id].unit_id, l.item_id))
        .filter(|k| !in_unit.contains(k))
        .collect();
    if !unsure.is_empty() {
        let (unit_ids, i_ids) = (
            in_list(unsure.iter().map(|k| k.0)),
            in_list(unsure.iter().map(|k| k.1)),
        );
        let sql = tx.sql(format!(
            "SELECT unit_id, item_id FROM unit_items WHERE unit_id IN ({}) AND item_id IN ({})",
            params(1, unit_ids.len()),
            params(1 + unit_ids.len(), i_ids.len())
        ));
        let rows: Vec<(i64, i64)> = on_tx!(tx, c => {
            let mut q = sqlx::query_as(&sql);
            for id in unit_ids.iter().chain(&i_ids) { q = q.bind(id); }
            q.fetch_all(&mut *c).await?
        });
        in_unit.extend(rows);
    }
    if !unleased.is_empty() {
        let (o_ids, i_ids) = (
            in_list(unleased.iter().map(|k| k.0)),
            in_list(unleased.iter().map(|k| k.1)),
        );
        let sql = tx.sql(format!(
            "SELECT assignment_id, order_id, item_id FROM item_leases WHERE order_id IN ({}) AND item_id IN ({})",
            params(1, o_ids.len()),
            params(1 + o_ids.len(), i_ids.len())
        ));
        let rows: Vec<(i64, i64, i64)> = on_tx!(tx, c => {
            let mut q = sqlx::query_as(&sql);
            for id in o_ids.iter().chain(&i_ids) { q = q.bind(id); }
            q.fetch_all(&mut *c).await?
        });
        for (a, o, i) in rows {
            if let Some(item) = items.get_mut(&(o, i)) {
                item.leases.push(a);
            }
        }
    }

    // 7. Each label in turn, in memory.
    let mut pending: Vec<Pending> = Vec::new();
    let mut updates: Vec<usize> = Vec::new(); // batch indices of changed stored rows
    let mut consumed: HashSet<(i64, i64)> = HashSet::new(); // (assignment, item) leases used up
    let mut drafts: Vec<Draft> = Vec::with_capacity(batch.len());
    let mut facts: Vec<(usize, bool, Option<bool>)> = Vec::new(); // (batch index, changed, gold_correct)
    // (batch index, pending label) of submissions superseded before their label was written.
    let mut superseded: Vec<(usize, usize)> = Vec::new();
    for (bi, l) in batch.iter().enumerate() {
        let draft = (|| {
            if let Some((label, who, order, item)) = known.get(&l.client_uuid) {
                if *who != l.annotator_id || *item != l.item_id {
                    return Draft::Done(Err(SubmitRefusal::UuidReused));
                }
                return Draft::Replay {
                    label: *label,
                    key: (*order, *item),
                };
            }
            let Some(a) = assignments.get(&l.assignment_id) else {
                return Draft::Done(Err(SubmitRefusal::NotYours));
            };
            if a.annotator_id != l.annotator_id {
                return Draft::Done(Err(SubmitRefusal::NotYours));
            }
            let key = (a.order_id, l.item_id);
            let Some(item) = items
                .get_mut(&key)
                .filter(|_| in_unit.contains(&(a.unit_id, l.item_id)))
            else {
                return Draft::Done(Err(SubmitRefusal::NotInUnit));
            };
            let mine = item
                .labels
                .iter()
                .position(|x| x.annotator_id == l.annotator_id);
            let write = match mine {
                Some(pos) => {
                    // A change of mind: allowed while the unit is open.
                    let x = &mut item.labels[pos];
                    if x.assignment_id != l.assignment_id || a.state != "active" {
                        return Draft::Done(Err(SubmitRefusal::UnitClosed));
                    }
                    let delta = l.answer.is_some() as i64 - x.answer.is_some() as i64;
                    item.labels_count += delta;
                    item.skips -= delta;
                    x.answer = l.answer.clone();
                    let r = x.id.map(LabelRef::Id).or(x.pending.map(LabelRef::Pending));
                    if let Some(r) = r {
                        known.insert(
                            l.client_uuid.clone(),
                            (r, l.annotator_id, a.order_id, l.item_id),
                        );
                    }
                    match (x.id, x.pending) {
                        (Some(id), _) => {
                            updates.push(bi);
                            Write::Update(id)
                        }
                        (None, Some(p)) => {
                            // Changed again before it was ever written: write the last answer.
                            superseded.push((pending[p].batch_index, p));
                            pending[p].batch_index = bi;
                            Write::Insert(p)
                        }
                        (None, None) => unreachable!("a label is stored or pending"),
                    }
                }
                None => {
                    let leased = match item.leases.iter().position(|x| *x == l.assignment_id) {
                        Some(p) => {
                            item.leases.swap_remove(p);
                            consumed.insert((l.assignment_id, l.item_id));
                            true
                        }
                        None => false,
                    };
                    if !leased {
                        if a.state == "submitted" {
                            return Draft::Done(Err(SubmitRefusal::UnitClosed));
                        }
                        if item.is_gold {
                            if a.state != "active" && a.state != "expired" {
                                return Draft::Done(Err(SubmitRefusal::UnitClosed));
                            }
                        } else if item.state != "open"
                            || item.labels_count + item.leases.len() as i64 >= item.needed
                        {
                            // The lease ran out and others filled the item meanwhile.
                            return Draft::Done(Err(SubmitRefusal::NoLongerNeeded));
                        }
                    }
                    if l.answer.is_some() {
                        item.labels_count += 1;
                    } else {
                        item.skips += 1;
                    }
                    let p = pending.len();
                    pending.push(Pending {
                        batch_index: bi,
                        order_id: a.order_id,
                        centre_id: a.centre_id,
                        gold_correct: None,
                    });
                    item.labels.push(ItemLabel {
                        id: None,
                        pending: Some(p),
                        annotator_id: l.annotator_id,
                        assignment_id: l.assignment_id,
                        answer: l.answer.clone(),
                        excluded: false,
                    });
                    known.insert(
                        l.client_uuid.clone(),
                        (LabelRef::Pending(p), l.annotator_id, a.order_id, l.item_id),
                    );
                    Write::Insert(p)
                }
            };
            // The item's consensus after this label (labels of a quality-paused stretch are
            // left out of it).
            let answered: Vec<&ItemLabel> = item
                .labels
                .iter()
                .filter(|x| x.answer.is_some() && !x.excluded)
                .collect();
            let u = decide(
                a.order_id,
                &ItemLabels {
                    needed: item.needed,
                    skips: item.skips,
                    gold: item.gold.clone(),
                    answers: answered
                        .iter()
                        .map(|x| (x.annotator_id, x.answer.clone().unwrap_or_default()))
                        .collect(),
                },
            );
            let mine_at = answered
                .iter()
                .position(|x| x.annotator_id == l.annotator_id);
            let gold_correct = if item.is_gold {
                mine_at.and_then(|i| u.agrees.get(i).copied())
            } else {
                None
            };
            if !item.is_gold && !item.is_final {
                item.state = u.state.to_owned();
                item.answer = u.answer.clone();
                item.confidence = u.confidence;
                item.needed = u.needed;
                item.verdicts = if u.state == "resolved" {
                    answered
                        .iter()
                        .zip(&u.agrees)
                        .map(|(x, agrees)| Verdict {
                            label_id: x.id.unwrap_or(-1 - x.pending.unwrap_or(0) as i64),
                            annotator_id: x.annotator_id,
                            agrees: *agrees,
                        })
                        .collect()
                } else {
                    Vec::new()
                };
            }
            item.dirty = true;
            if let Write::Insert(p) = write {
                pending[p].gold_correct = gold_correct;
            }
            facts.push((bi, mine.is_some(), gold_correct));
            match write {
                Write::Insert(p) if mine.is_none() => Draft::Stored { pending: p, key },
                w => Draft::Changed { write: w, key },
            }
        })();
        drafts.push(draft);
    }

    // 8. Writes: new labels, changed labels, items.
    let mut new_ids: Vec<i64> = vec![0; pending.len()];
    for (chunk_no, chunk) in pending.chunks(CHUNK).enumerate() {
        const W: usize = 13;
        let sql = tx.sql(format!(
                "INSERT INTO labels (client_uuid, order_id, item_id, annotator_id, centre_id, assignment_id, answer, \
             skip_reason, client_ms, server_ms, created_at, updated_at, gold_correct) VALUES {} RETURNING id, client_uuid",
                tuples(chunk.len(), W)
            ),
        );
        let rows: Vec<(i64, String)> = on_tx!(tx, c => {
            let mut q = sqlx::query_as(&sql);
            for p in chunk {
                let l = &batch[p.batch_index];
                q = q.bind(&l.client_uuid).bind(p.order_id).bind(l.item_id).bind(l.annotator_id).bind(p.centre_id)
                    .bind(l.assignment_id).bind(&l.answer).bind(&l.skip_reason).bind(l.client_ms).bind(l.server_ms)
                    .bind(now).bind(now).bind(p.gold_correct);
            }
            q.fetch_all(&mut *c).await?
        });
        let by_uuid: HashMap<String, i64> = rows.into_iter().map(|(id, u)| (u, id)).collect();
        for (k, p) in chunk.iter().enumerate() {
            new_ids[chunk_no * CHUNK + k] = by_uuid[&batch[p.batch_index].client_uuid];
        }
    }
    let gold_correct_at: HashMap<usize, Option<bool>> =
        facts.iter().map(|(bi, _, g)| (*bi, *g)).collect();
    for &bi in &updates {
        let l = &batch[bi];
        let Draft::Changed {
            write: Write::Update(id),
            ..
        } = drafts[bi]
        else {
            continue;
        };
        // The submission this one supersedes stays known (a retry of it is a replay).
        on_tx!(tx, c => sqlx::query(
            "INSERT INTO label_uuids (client_uuid, label_id) SELECT client_uuid, id FROM labels WHERE id = $1")
            .bind(id).execute(&mut *c).await?.rows_affected());
        on_tx!(tx, c => sqlx::query(
            "UPDATE labels SET answer = $2, skip_reason = $3, client_ms = $4, server_ms = $5, updated_at = $6, \
             client_uuid = $7, gold_correct = $8 WHERE id = $1")
            .bind(id).bind(&l.answer).bind(&l.skip_reason).bind(l.client_ms).bind(l.server_ms).bind(now)
            .bind(&l.client_uuid).bind(gold_correct_at.get(&bi).copied().flatten()).execute(&mut *c).await?.rows_affected());
    }
    for &(bi, p) in &superseded {
        on_tx!(tx, c => sqlx::query("INSERT INTO label_uuids (client_uuid, label_id) VALUES ($1, $2)")
            .bind(&batch[bi].client_uuid).bind(new_ids[p]).execute(&mut *c).await?.rows_affected());
    }
    // A lease deleted above whose label was then refused is put back (the delete took only
    // the labellers' own leases, of items in their units, so this is next to never).
    let restore: Vec<[i64; 3]> = held
        .iter()
        .filter(|k| !consumed.contains(k))
        .map(|(a, i)| [*a, assignments[a].order_id, *i])
        .collect();
    crate::writes::insert_triples(
        tx,
        "INSERT INTO item_leases (assignment_id, order_id, item_id)",
        &restore,
    )
    .await?;
    let dirty: Vec<((i64, i64), &ItemRow)> = keys
        .iter()
        .filter_map(|k| items.get(k).filter(|i| i.dirty).map(|i| (*k, i)))
        .collect();
    for chunk in dirty.chunks(CHUNK) {
        const W: usize = 8;
        let sql = tx.sql(format!(
                "UPDATE order_items SET labels_count = v.column3, skips = v.column4, state = v.column5, \
             answer = v.column6, confidence = v.column7, needed = v.column8 \
             FROM (VALUES {}) AS v WHERE order_items.order_id = v.column1 AND order_items.item_id = v.column2",
                tuples(chunk.len(), W)
            ),
        );
        on_tx!(tx, c => {
            let mut q = sqlx::query(&sql);
            for ((o, i), it) in chunk {
                q = q.bind(o).bind(i).bind(it.labels_count).bind(it.skips).bind(&it.state).bind(&it.answer)
                    .bind(it.confidence).bind(it.needed);
            }
            q.execute(&mut *c).await?.rows_affected()
        });
    }
    // 9. The facts, for the followers.
    let label_id = |r: LabelRef| match r {
        LabelRef::Id(id) => id,
        LabelRef::Pending(p) => new_ids[p],
    };
    let real_id = |id: i64| {
        if id < 0 {
            new_ids[(-1 - id) as usize]
        } else {
            id
        }
    };
    let mut fx = LabelEffects {
        now,
        ..Default::default()
    };
    for &(bi, changed, gold_correct) in &facts {
        let l = &batch[bi];
        let (label_id, key) = match &drafts[bi] {
            Draft::Stored { pending: p, key } => (new_ids[*p], *key),
            Draft::Changed {
                write: Write::Update(id),
                key,
            } => (*id, *key),
            Draft::Changed {
                write: Write::Insert(p),
                key,
            } => (new_ids[*p], *key),
            _ => continue,
        };
        // A label changed again later in the batch is told once, with its last answer.
        if let Draft::Changed {
            write: Write::Insert(p),
            ..
        }
        | Draft::Stored { pending: p, .. } = &drafts[bi]
            && pending[*p].batch_index != bi
        {
            continue;
        }
        let a = &assignments[&l.assignment_id];
        fx.labels.push(LabelFact {
            label_id,
            order_id: key.0,
            item_id: key.1,
            annotator_id: l.annotator_id,
            centre_id: a.centre_id,
            assignment_id: l.assignment_id,
            is_gold: items[&key].is_gold,
            answer: l.answer.clone(),
            skip_reason: l.skip_reason.clone(),
            changed,
            gold_correct,
            client_ms: l.client_ms,
            pay_fen: l.pay_fen,
            pay_on_submit: l.pay_on_submit,
        });
    }
    for (key, it) in &dirty {
        if it.is_gold || it.is_final || (it.state == it.state_before && it.state != "resolved") {
            continue;
        }
        fx.items.push(ItemFact {
            order_id: key.0,
            item_id: key.1,
            state_before: it.state_before.clone(),
            state: state_str(&it.state),
            answer: it.answer.clone(),
            confidence: it.confidence,
            verdicts: it
                .verdicts
                .iter()
                .map(|v| Verdict {
                    label_id: real_id(v.label_id),
                    ..*v
                })
                .collect(),
        });
    }
    effects::apply(tx, &fx).await?;

    Ok(drafts
        .into_iter()
        .map(|d| match d {
            Draft::Done(r) => r,
            Draft::Stored { pending: p, key } => Ok(SubmitOutcome::Stored {
                label_id: new_ids[p],
                replay: false,
                item_state: items[&key].state.clone(),
            }),
            Draft::Changed { write, key } => Ok(SubmitOutcome::Changed {
                label_id: match write {
                    Write::Update(id) => id,
                    Write::Insert(p) => new_ids[p],
                },
                item_state: items[&key].state.clone(),
            }),
            Draft::Replay { label, key } => Ok(SubmitOutcome::Stored {
                label_id: label_id(label),
                replay: true,
                item_state: items
                    .get(&key)
                    .map(|i| i.state.clone())
                    .unwrap_or_else(|| "open".into()),
            }),
        })
        .collect())
}

fn state_str(s: &str) -> &'static str {
    match s {
        "resolved" => "resolved",
        "escalated" => "escalated",
        _ => "open",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_gets_anonymous_parameters_only_when_they_are_in_order() {
        let s = |q: &str| for_backend(Backend::Sqlite, q.to_owned());
        assert_eq!(
            s(&format!("INSERT INTO t (a, b) VALUES {}", tuples(2, 2))),
            "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)"
        );
        assert_eq!(
            s("UPDATE t SET x = $1 WHERE id IN ($2, $3) AND note <> '$9'"),
            "UPDATE t SET x = ? WHERE id IN (?, ?) AND note <> '$9'"
        );
        // Out of order or used twice: left as written.
        for q in [
            "SELECT 1 WHERE a IN ($2, $3) AND b < $1",
            "UPDATE t SET x = $1 WHERE y < $1",
        ] {
            assert_eq!(s(q), q);
        }
        let pg = "INSERT INTO t VALUES ($1, $2)";
        assert_eq!(for_backend(Backend::Postgres, pg.to_owned()), pg);
    }
}
