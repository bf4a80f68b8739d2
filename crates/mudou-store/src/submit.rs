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
//!
//! [`submit_in`] is the algorithm, step by step; each step is a method of [`Batch`], the
//! batch's state as the steps read, decide and write it.

use std::collections::{HashMap, HashSet};

use crate::effects::{self, ItemFact, LabelEffects, LabelFact, Verdict};
use crate::pool::Tx;
use crate::sql::{in_list, insert_triples, item_state, lock, padded, params, tuples};
use mudou_domain::live::ModelVote;
use mudou_domain::skill::WorkerRecord;

use crate::{ConsensusUpdate, ItemLabels, NewLabel, Result, Store, SubmitOutcome, SubmitRefusal};
use mudou_domain::ItemState;

/// Rows per multi-row statement (keeps well under both engines' parameter limits).
const CHUNK: usize = 200;
/// A label renews its lease once a `1 / RENEW_AFTER` of the lease has passed.
const RENEW_AFTER: i64 = 20;

/// An item of an order: `(order, item)`.
type ItemKey = (i64, i64);
/// Submissions by UUID: `uuid → (label, annotator, order, item)`.
type Known = HashMap<String, (LabelRef, i64, i64, i64)>;

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
    state_before: ItemState,
    state: ItemState,
    answer: Option<String>,
    confidence: Option<f64>,
    /// Assignments holding a lease on the item.
    leases: Vec<i64>,
    labels: Vec<ItemLabel>,
    /// The model's vote on the item, when its order trusts the model and it has a
    /// suggestion that is not planted ([`crate::suggest_quality::read_votes`]).
    model: Option<ModelVote>,
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
    Stored { pending: usize, key: ItemKey },
    Changed { write: Write, key: ItemKey },
    Replay { label: LabelRef, key: ItemKey },
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
            submit_in(&mut Tx::from(&mut *tx), batch, now, lease_ms, self.skill_records, decide).await?
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

/// A batch of labels on its way through [`submit_in`]: what its steps read, and what
/// deciding the labels made of it.
struct Batch<'b> {
    labels: &'b [NewLabel],
    now: i64,
    lease_ms: i64,
    /// The assignments the labels name, by id.
    assignments: HashMap<i64, AssignmentRow>,
    /// The touched items, sorted (the lock order), and their orders and items as the
    /// `IN (…)` lists of [`Batch::in_keys`].
    keys: Vec<ItemKey>,
    order_ids: Vec<i64>,
    item_ids: Vec<i64>,
    items: HashMap<ItemKey, ItemRow>,
    /// Every submission seen: stored before, or made by this batch as it is decided.
    known: Known,
    /// The labels that may use up a lease (see [`Batch::fresh_labels`]).
    fresh: Vec<&'b NewLabel>,
    /// `(assignment, item)`: the leases the batch deleted (held by its labels).
    held: HashSet<(i64, i64)>,
    /// `(unit, item)`: the labels' items that are in their assignment's unit.
    in_unit: HashSet<(i64, i64)>,
    /// `(order, annotator)`: what the workers answering the touched items have shown
    /// (`crate::skills`), for the live consensus to weigh them by.
    records: HashMap<(i64, i64), WorkerRecord>,
    decided: Decided,
}

/// What deciding the labels made: the rows to write, and each label's draft outcome.
#[derive(Default)]
struct Decided {
    /// New label rows, in the order they are inserted.
    pending: Vec<Pending>,
    /// Batch indices of changed stored rows.
    updates: Vec<usize>,
    /// `(assignment, item)` leases used up.
    consumed: HashSet<(i64, i64)>,
    /// One per label, in batch order.
    drafts: Vec<Draft>,
    /// `(batch index, changed, gold_correct)` of every label stored or changed.
    facts: Vec<(usize, bool, Option<bool>)>,
    /// `(batch index, pending label)` of submissions superseded before their label was written.
    superseded: Vec<(usize, usize)>,
    /// The ids of the `pending` rows, once inserted.
    new_ids: Vec<i64>,
}

/// Stores `batch` inside `tx` (see [`Store::submit_labels`] and the module's notes), with
/// the workers' skill records read for the consensus when `skill_records`. The
/// statements run in this order, which is the writers' lock order: items (locked on
/// PostgreSQL) before assignments, assignments before leases.
pub(crate) async fn submit_in<F>(
    tx: &mut Tx<'_>,
    batch: &[NewLabel],
    now: i64,
    lease_ms: i64,
    skill_records: bool,
    mut decide: F,
) -> Result<Vec<Result<SubmitOutcome, SubmitRefusal>>>
where
    F: FnMut(i64, &ItemLabels) -> ConsensusUpdate,
{
    let mut b = Batch::new(batch, now, lease_ms);
    // Read.
    b.read_assignments(tx).await?;
    b.lock_items(tx).await?;
    b.read_known_uuids(tx).await?;
    b.read_item_labels(tx).await?;
    if skill_records {
        b.read_records(tx).await?;
    }
    b.read_model_votes(tx).await?;
    b.fresh = b.fresh_labels();
    b.renew_leases(tx).await?;
    b.use_up_leases(tx).await?;
    b.read_units(tx).await?;
    b.read_other_leases(tx).await?;
    // Decide, in memory.
    b.decide_each(&mut decide);
    // Write back.
    b.insert_labels(tx).await?;
    b.update_changed_labels(tx).await?;
    b.keep_superseded_uuids(tx).await?;
    b.restore_refused_leases(tx).await?;
    b.update_items(tx).await?;
    b.hand_to_followers(tx).await?;
    Ok(b.outcomes())
}

impl<'b> Batch<'b> {
    fn new(labels: &'b [NewLabel], now: i64, lease_ms: i64) -> Self {
        Batch {
            labels,
            now,
            lease_ms,
            assignments: HashMap::new(),
            keys: Vec::new(),
            order_ids: Vec::new(),
            item_ids: Vec::new(),
            items: HashMap::new(),
            known: HashMap::new(),
            fresh: Vec::new(),
            held: HashSet::new(),
            in_unit: HashSet::new(),
            records: HashMap::new(),
            decided: Decided::default(),
        }
    }

    /// The assignments the labels name.
    async fn read_assignments(&mut self, tx: &mut Tx<'_>) -> Result<()> {
        let asg_ids = in_list(self.labels.iter().map(|l| l.assignment_id));
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
        self.assignments = rows
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
        Ok(())
    }

    /// `order_id IN (…) AND item_id IN (…)` (from `$1`) of the touched items: orders and
    /// items as two lists, a superset of the keys, filtered once read.
    fn in_keys(&self) -> String {
        format!(
            "order_id IN ({}) AND item_id IN ({})",
            params(1, self.order_ids.len()),
            params(1 + self.order_ids.len(), self.item_ids.len())
        )
    }

    /// The items the labels touch, locked in key order on PostgreSQL.
    async fn lock_items(&mut self, tx: &mut Tx<'_>) -> Result<()> {
        let mut keys: Vec<ItemKey> = self
            .labels
            .iter()
            .filter_map(|l| {
                self.assignments
                    .get(&l.assignment_id)
                    .map(|a| (a.order_id, l.item_id))
            })
            .collect();
        keys.sort_unstable();
        keys.dedup();
        self.order_ids = in_list(keys.iter().map(|k| k.0));
        self.item_ids = in_list(keys.iter().map(|k| k.1));
        self.keys = keys;
        if self.keys.is_empty() {
            return Ok(());
        }
        let key_set: HashSet<ItemKey> = self.keys.iter().copied().collect();
        let lock = lock(tx.backend(), " FOR UPDATE");
        let sql = tx.sql(format!(
                "SELECT order_id, item_id, is_gold, gold, needed, skips, labels_count, state, answer, confidence, \
             final_by IS NOT NULL FROM order_items WHERE {} ORDER BY order_id, item_id{lock}",
                self.in_keys()
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
            for id in self.order_ids.iter().chain(&self.item_ids) { q = q.bind(id); }
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
                self.items.insert(
                    (o, i),
                    ItemRow {
                        is_gold,
                        is_final,
                        gold,
                        needed,
                        skips,
                        labels_count,
                        state_before: item_state(&state)?,
                        state: item_state(&state)?,
                        answer,
                        confidence,
                        leases: Vec::new(),
                        labels: Vec::new(),
                        model: None,
                        dirty: false,
                        verdicts: Vec::new(),
                    },
                );
            }
        }
        Ok(())
    }

    /// Labels already stored under these UUIDs, as their latest submission or as one a
    /// later change of mind superseded (`label_uuids`): a UUID once seen is a replay forever.
    async fn read_known_uuids(&mut self, tx: &mut Tx<'_>) -> Result<()> {
        let uuids = in_list(self.labels.iter().map(|l| l.client_uuid.as_str()));
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
        self.known = rows
            .into_iter()
            .map(|(u, id, who, item, order)| (u, (LabelRef::Id(id), who, order, item)))
            .collect();
        Ok(())
    }

    /// Every label of the touched items, oldest first.
    async fn read_item_labels(&mut self, tx: &mut Tx<'_>) -> Result<()> {
        if self.keys.is_empty() {
            return Ok(());
        }
        let sql = tx.sql(format!(
                "SELECT id, order_id, item_id, annotator_id, assignment_id, answer, excluded_reason IS NOT NULL \
             FROM labels WHERE {}",
                self.in_keys()
            ),
        );
        // (id, order, item, annotator, assignment, answer, excluded)
        type LabelRow = (i64, i64, i64, i64, i64, Option<String>, bool);
        let mut rows: Vec<LabelRow> = on_tx!(tx, c => {
            let mut q = sqlx::query_as(&sql);
            for id in self.order_ids.iter().chain(&self.item_ids) { q = q.bind(id); }
            q.fetch_all(&mut *c).await?
        });
        // Oldest first. Sorted here: an ORDER BY would tempt SQLite to walk the order's
        // labels by id instead of looking the items up.
        rows.sort_unstable_by_key(|r| r.0);
        for (id, o, i, annotator_id, assignment_id, answer, excluded) in rows {
            if let Some(item) = self.items.get_mut(&(o, i)) {
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
        Ok(())
    }

    /// The skill records of everyone answering a touched item that is not gold: those who
    /// answered it before and this batch's annotators.
    async fn read_records(&mut self, tx: &mut Tx<'_>) -> Result<()> {
        let mut pairs: Vec<(i64, i64)> = Vec::new();
        for (&(order, _), item) in &self.items {
            if !item.is_gold && !item.is_final {
                pairs.extend(item.labels.iter().map(|l| (order, l.annotator_id)));
            }
        }
        pairs.extend(
            self.assignments
                .values()
                .map(|a| (a.order_id, a.annotator_id)),
        );
        pairs.sort_unstable();
        pairs.dedup();
        self.records = crate::skills::read_records(tx, &pairs).await?;
        Ok(())
    }

    /// The model's vote on the touched items that are decided (neither gold nor final):
    /// one read of their suggestions, more only when some have one. It is read whether or
    /// not skills are: a model trusted by its order votes either way.
    async fn read_model_votes(&mut self, tx: &mut Tx<'_>) -> Result<()> {
        let keys: Vec<ItemKey> = self
            .items
            .iter()
            .filter(|(_, it)| !it.is_gold && !it.is_final)
            .map(|(k, _)| *k)
            .collect();
        for (k, vote) in crate::suggest_quality::read_votes(tx, &keys).await? {
            if let Some(it) = self.items.get_mut(&k) {
                it.model = Some(vote);
            }
        }
        Ok(())
    }

    /// The labels that may use up a lease: new answers of their assignment's own annotator.
    fn fresh_labels(&self) -> Vec<&'b NewLabel> {
        let labels: &'b [NewLabel] = self.labels;
        labels
            .iter()
            .filter(|l| !self.known.contains_key(&l.client_uuid))
            .filter(|l| {
                self.assignments
                    .get(&l.assignment_id)
                    .is_some_and(|a| a.annotator_id == l.annotator_id)
            })
            .collect()
    }

    /// Renewals: a label renews its assignment's lease once the lease has run for a
    /// twentieth of its length (30 s of 10 minutes); renewing at every label rewrote the
    /// assignment's row, and every index entry of it, for each answer of a batch.
    /// Assignments before leases: the lock order of every writer (units → items →
    /// assignments → leases), so none of them waits for another in a circle.
    async fn renew_leases(&self, tx: &mut Tx<'_>) -> Result<()> {
        let (now, lease_ms) = (self.now, self.lease_ms);
        let renew_before = now + lease_ms - lease_ms / RENEW_AFTER;
        let renew = in_list(
            self.fresh
                .iter()
                .filter(|l| {
                    let a = &self.assignments[&l.assignment_id];
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
        Ok(())
    }

    /// The leases these labels use up are deleted at once, and the delete tells which
    /// existed: those are the items' leases the labels hold ([`Batch::held`]). (Reading
    /// every lease of the touched items and deleting the used ones afterwards cost two
    /// statements and ~two rows per label read.)
    async fn use_up_leases(&mut self, tx: &mut Tx<'_>) -> Result<()> {
        let mut wanted: Vec<(i64, i64)> = self
            .fresh
            .iter()
            .map(|l| (l.assignment_id, l.item_id))
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
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
            self.held.extend(rows);
        }
        for (a, i) in &self.held {
            if let Some(item) = self.items.get_mut(&(self.assignments[a].order_id, *i)) {
                item.leases.push(*a);
            }
        }
        Ok(())
    }

    /// Which items are in the labels' units: a held lease says so (leases are only of the
    /// unit's items); the others are read.
    async fn read_units(&mut self, tx: &mut Tx<'_>) -> Result<()> {
        self.in_unit = self
            .held
            .iter()
            .map(|(a, i)| (self.assignments[a].unit_id, *i))
            .collect();
        let unsure: Vec<(i64, i64)> = self
            .fresh
            .iter()
            .map(|l| (self.assignments[&l.assignment_id].unit_id, l.item_id))
            .filter(|k| !self.in_unit.contains(k))
            .collect();
        if unsure.is_empty() {
            return Ok(());
        }
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
        self.in_unit.extend(rows);
        Ok(())
    }

    /// Other annotators' leases of the items matter only to a label that held no lease
    /// (its lease ran out: is the item still needed?), and are read only for those.
    async fn read_other_leases(&mut self, tx: &mut Tx<'_>) -> Result<()> {
        // (Only their orders and items are used, each as an `in_list` of its own.)
        let unleased: Vec<ItemKey> = self
            .fresh
            .iter()
            .filter_map(|l| {
                let key = (self.assignments[&l.assignment_id].order_id, l.item_id);
                let item = self.items.get(&key)?;
                let answered = item.labels.iter().any(|x| x.annotator_id == l.annotator_id);
                (!self.held.contains(&(l.assignment_id, l.item_id)) && !answered).then_some(key)
            })
            .collect();
        if unleased.is_empty() {
            return Ok(());
        }
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
            if let Some(item) = self.items.get_mut(&(o, i)) {
                item.leases.push(a);
            }
        }
        Ok(())
    }

    /// Each label in turn, in memory, with the item's consensus after it.
    fn decide_each<F>(&mut self, decide: &mut F)
    where
        F: FnMut(i64, &ItemLabels) -> ConsensusUpdate,
    {
        self.decided.drafts = Vec::with_capacity(self.labels.len());
        for bi in 0..self.labels.len() {
            let draft = self.decide_one(bi, decide);
            self.decided.drafts.push(draft);
        }
    }

    /// The `bi`th label's draft outcome: a replay, a refusal (which changes nothing), a
    /// new label or a changed one.
    fn decide_one<F>(&mut self, bi: usize, decide: &mut F) -> Draft
    where
        F: FnMut(i64, &ItemLabels) -> ConsensusUpdate,
    {
        let labels: &'b [NewLabel] = self.labels;
        let l = &labels[bi];
        if let Some(&(label, who, order, item)) = self.known.get(&l.client_uuid) {
            if who != l.annotator_id || item != l.item_id {
                return Draft::Done(Err(SubmitRefusal::UuidReused));
            }
            return Draft::Replay {
                label,
                key: (order, item),
            };
        }
        let Some(a) = self.assignments.get(&l.assignment_id) else {
            return Draft::Done(Err(SubmitRefusal::NotYours));
        };
        if a.annotator_id != l.annotator_id {
            return Draft::Done(Err(SubmitRefusal::NotYours));
        }
        let key = (a.order_id, l.item_id);
        let in_unit = &self.in_unit;
        let Some(item) = self
            .items
            .get_mut(&key)
            .filter(|_| in_unit.contains(&(a.unit_id, l.item_id)))
        else {
            return Draft::Done(Err(SubmitRefusal::NotInUnit));
        };
        let mine = item
            .labels
            .iter()
            .position(|x| x.annotator_id == l.annotator_id);
        let d = &mut self.decided;
        let write = match mine {
            Some(pos) => d.change_answer(&mut self.known, item, pos, bi, l, a),
            None => d.add_label(&mut self.known, item, bi, l, a),
        };
        let write = match write {
            Ok(w) => w,
            Err(refusal) => return Draft::Done(Err(refusal)),
        };
        let gold_correct =
            follow_consensus(item, l.annotator_id, a.order_id, &self.records, decide);
        item.dirty = true;
        if let Write::Insert(p) = write {
            d.pending[p].gold_correct = gold_correct;
        }
        d.facts.push((bi, mine.is_some(), gold_correct));
        match write {
            Write::Insert(p) if mine.is_none() => Draft::Stored { pending: p, key },
            w => Draft::Changed { write: w, key },
        }
    }

    /// The new labels, in multi-row inserts; their ids go to `new_ids`.
    async fn insert_labels(&mut self, tx: &mut Tx<'_>) -> Result<()> {
        let (labels, now) = (self.labels, self.now);
        let d = &mut self.decided;
        d.new_ids = vec![0; d.pending.len()];
        for (chunk_no, chunk) in d.pending.chunks(CHUNK).enumerate() {
            const W: usize = 16;
            let sql = tx.sql(format!(
                    "INSERT INTO labels (client_uuid, order_id, item_id, annotator_id, centre_id, assignment_id, answer, \
                 skip_reason, client_ms, server_ms, created_at, updated_at, gold_correct, instructions_version, suggestion_id, \
                 suggestion_outcome) VALUES {} RETURNING id, client_uuid",
                    tuples(chunk.len(), W)
                ),
            );
            let rows: Vec<(i64, String)> = on_tx!(tx, c => {
                let mut q = sqlx::query_as(&sql);
                for p in chunk {
                    let l = &labels[p.batch_index];
                    q = q.bind(&l.client_uuid).bind(p.order_id).bind(l.item_id).bind(l.annotator_id).bind(p.centre_id)
                        .bind(l.assignment_id).bind(&l.answer).bind(&l.skip_reason).bind(l.client_ms).bind(l.server_ms)
                        .bind(now).bind(now).bind(p.gold_correct).bind(l.instructions_version)
                        .bind(l.suggestion_id).bind(l.suggestion_outcome);
                }
                q.fetch_all(&mut *c).await?
            });
            let by_uuid: HashMap<String, i64> = rows.into_iter().map(|(id, u)| (u, id)).collect();
            for (k, p) in chunk.iter().enumerate() {
                d.new_ids[chunk_no * CHUNK + k] = by_uuid[&labels[p.batch_index].client_uuid];
            }
        }
        Ok(())
    }

    /// Stored labels whose annotator changed the answer get it.
    async fn update_changed_labels(&self, tx: &mut Tx<'_>) -> Result<()> {
        let d = &self.decided;
        let gold_correct_at: HashMap<usize, Option<bool>> =
            d.facts.iter().map(|(bi, _, g)| (*bi, *g)).collect();
        for &bi in &d.updates {
            let l = &self.labels[bi];
            let Draft::Changed {
                write: Write::Update(id),
                ..
            } = d.drafts[bi]
            else {
                continue;
            };
            // The submission this one supersedes stays known (a retry of it is a replay).
            on_tx!(tx, c => sqlx::query(
                "INSERT INTO label_uuids (client_uuid, label_id) SELECT client_uuid, id FROM labels WHERE id = $1")
                .bind(id).execute(&mut *c).await?.rows_affected());
            on_tx!(tx, c => sqlx::query(
                "UPDATE labels SET answer = $2, skip_reason = $3, client_ms = $4, server_ms = $5, updated_at = $6, \
                 client_uuid = $7, gold_correct = $8, suggestion_id = $9, suggestion_outcome = $10 WHERE id = $1")
                .bind(id).bind(&l.answer).bind(&l.skip_reason).bind(l.client_ms).bind(l.server_ms).bind(self.now)
                .bind(&l.client_uuid).bind(gold_correct_at.get(&bi).copied().flatten())
                .bind(l.suggestion_id).bind(l.suggestion_outcome).execute(&mut *c).await?.rows_affected());
        }
        Ok(())
    }

    /// Submissions changed again in the batch before their label was written stay known
    /// (a retry of one is a replay).
    async fn keep_superseded_uuids(&self, tx: &mut Tx<'_>) -> Result<()> {
        for &(bi, p) in &self.decided.superseded {
            on_tx!(tx, c => sqlx::query("INSERT INTO label_uuids (client_uuid, label_id) VALUES ($1, $2)")
                .bind(&self.labels[bi].client_uuid).bind(self.decided.new_ids[p]).execute(&mut *c).await?.rows_affected());
        }
        Ok(())
    }

    /// A lease deleted above whose label was then refused is put back (the delete took only
    /// the labellers' own leases, of items in their units, so this is next to never).
    async fn restore_refused_leases(&self, tx: &mut Tx<'_>) -> Result<()> {
        let restore: Vec<[i64; 3]> = self
            .held
            .iter()
            .filter(|k| !self.decided.consumed.contains(k))
            .map(|(a, i)| [*a, self.assignments[a].order_id, *i])
            .collect();
        insert_triples(
            tx,
            "INSERT INTO item_leases (assignment_id, order_id, item_id)",
            &restore,
        )
        .await
    }

    /// The items the batch changed, in key order.
    fn dirty(&self) -> Vec<(ItemKey, &ItemRow)> {
        self.keys
            .iter()
            .filter_map(|k| self.items.get(k).filter(|i| i.dirty).map(|i| (*k, i)))
            .collect()
    }

    /// The changed items' counts and consensus, in one multi-row update per chunk.
    async fn update_items(&self, tx: &mut Tx<'_>) -> Result<()> {
        for chunk in self.dirty().chunks(CHUNK) {
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
                    q = q.bind(o).bind(i).bind(it.labels_count).bind(it.skips).bind(it.state.as_str()).bind(&it.answer)
                        .bind(it.confidence).bind(it.needed);
                }
                q.execute(&mut *c).await?.rows_affected()
            });
        }
        Ok(())
    }

    /// The facts, for the followers (pay, quality, throughput) in this transaction.
    async fn hand_to_followers(&self, tx: &mut Tx<'_>) -> Result<()> {
        let fx = LabelEffects {
            now: self.now,
            labels: self.label_facts(),
            items: self.item_facts(),
            ..Default::default()
        };
        effects::apply(tx, &fx).await
    }

    /// Each label stored or changed, once: a label changed again later in the batch is
    /// told once, with its last answer.
    fn label_facts(&self) -> Vec<LabelFact> {
        let d = &self.decided;
        let mut out = Vec::new();
        for &(bi, changed, gold_correct) in &d.facts {
            let l = &self.labels[bi];
            let (label_id, key) = match &d.drafts[bi] {
                Draft::Stored { pending: p, key } => (d.new_ids[*p], *key),
                Draft::Changed {
                    write: Write::Update(id),
                    key,
                } => (*id, *key),
                Draft::Changed {
                    write: Write::Insert(p),
                    key,
                } => (d.new_ids[*p], *key),
                _ => continue,
            };
            if let Draft::Changed {
                write: Write::Insert(p),
                ..
            }
            | Draft::Stored { pending: p, .. } = &d.drafts[bi]
                && d.pending[*p].batch_index != bi
            {
                continue;
            }
            let a = &self.assignments[&l.assignment_id];
            out.push(LabelFact {
                label_id,
                order_id: key.0,
                item_id: key.1,
                annotator_id: l.annotator_id,
                centre_id: a.centre_id,
                assignment_id: l.assignment_id,
                is_gold: self.items[&key].is_gold,
                answer: l.answer.clone(),
                skip_reason: l.skip_reason.clone(),
                changed,
                gold_correct,
                client_ms: l.client_ms,
                pay_fen: l.pay_fen,
                pay_on_submit: l.pay_on_submit,
            });
        }
        out
    }

    /// The items whose consensus state changed (or that resolved again), gold and items
    /// with a lead's final answer left out.
    fn item_facts(&self) -> Vec<ItemFact> {
        let mut out = Vec::new();
        for (key, it) in &self.dirty() {
            if it.is_gold
                || it.is_final
                || (it.state == it.state_before && it.state != ItemState::Resolved)
            {
                continue;
            }
            out.push(ItemFact {
                order_id: key.0,
                item_id: key.1,
                state_before: it.state_before,
                state: it.state,
                answer: it.answer.clone(),
                confidence: it.confidence,
                verdicts: it
                    .verdicts
                    .iter()
                    .map(|v| Verdict {
                        label_id: self.decided.real_id(v.label_id),
                        ..*v
                    })
                    .collect(),
            });
        }
        out
    }

    /// Each label's outcome, in batch order, with the new rows' ids.
    fn outcomes(mut self) -> Vec<Result<SubmitOutcome, SubmitRefusal>> {
        let drafts = std::mem::take(&mut self.decided.drafts);
        drafts
            .into_iter()
            .map(|d| match d {
                Draft::Done(r) => r,
                Draft::Stored { pending: p, key } => Ok(SubmitOutcome::Stored {
                    label_id: self.decided.new_ids[p],
                    replay: false,
                    item_state: self.items[&key].state,
                }),
                Draft::Changed { write, key } => Ok(SubmitOutcome::Changed {
                    label_id: match write {
                        Write::Update(id) => id,
                        Write::Insert(p) => self.decided.new_ids[p],
                    },
                    item_state: self.items[&key].state,
                }),
                Draft::Replay { label, key } => Ok(SubmitOutcome::Stored {
                    label_id: self.decided.id_of(label),
                    replay: true,
                    item_state: self
                        .items
                        .get(&key)
                        .map(|i| i.state)
                        .unwrap_or(ItemState::Open),
                }),
            })
            .collect()
    }
}

impl Decided {
    /// A change of mind (the annotator already labelled the item, in an earlier batch or
    /// in this one): allowed while the unit is open. A stored row is updated; a pending
    /// one, not written yet, is written once with the last answer.
    fn change_answer(
        &mut self,
        known: &mut Known,
        item: &mut ItemRow,
        pos: usize,
        bi: usize,
        l: &NewLabel,
        a: &AssignmentRow,
    ) -> Result<Write, SubmitRefusal> {
        let x = &mut item.labels[pos];
        if x.assignment_id != l.assignment_id || a.state != "active" {
            return Err(SubmitRefusal::UnitClosed);
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
        Ok(match (x.id, x.pending) {
            (Some(id), _) => {
                self.updates.push(bi);
                Write::Update(id)
            }
            (None, Some(p)) => {
                // Changed again before it was ever written: write the last answer.
                self.superseded.push((self.pending[p].batch_index, p));
                self.pending[p].batch_index = bi;
                Write::Insert(p)
            }
            (None, None) => unreachable!("a label is stored or pending"),
        })
    }

    /// The annotator's first label of the item: it uses up the assignment's lease of the
    /// item, or, should the lease have run out, is taken while the item still needs it.
    fn add_label(
        &mut self,
        known: &mut Known,
        item: &mut ItemRow,
        bi: usize,
        l: &NewLabel,
        a: &AssignmentRow,
    ) -> Result<Write, SubmitRefusal> {
        let leased = match item.leases.iter().position(|x| *x == l.assignment_id) {
            Some(p) => {
                item.leases.swap_remove(p);
                self.consumed.insert((l.assignment_id, l.item_id));
                true
            }
            None => false,
        };
        if !leased {
            if a.state == "submitted" {
                return Err(SubmitRefusal::UnitClosed);
            }
            if item.is_gold {
                if a.state != "active" && a.state != "expired" {
                    return Err(SubmitRefusal::UnitClosed);
                }
            } else if item.state != ItemState::Open
                || item.labels_count + item.leases.len() as i64 >= item.needed
            {
                // The lease ran out and others filled the item meanwhile.
                return Err(SubmitRefusal::NoLongerNeeded);
            }
        }
        if l.answer.is_some() {
            item.labels_count += 1;
        } else {
            item.skips += 1;
        }
        let p = self.pending.len();
        self.pending.push(Pending {
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
        Ok(Write::Insert(p))
    }

    /// A label's id once the new rows are written.
    fn id_of(&self, r: LabelRef) -> i64 {
        match r {
            LabelRef::Id(id) => id,
            LabelRef::Pending(p) => self.new_ids[p],
        }
    }

    /// A verdict's label id: a stored id, or `-1 - p` for pending row `p`
    /// ([`follow_consensus`]).
    fn real_id(&self, id: i64) -> i64 {
        if id < 0 {
            self.new_ids[(-1 - id) as usize]
        } else {
            id
        }
    }
}

/// The item's consensus after a label of `annotator_id` (labels of a quality-paused stretch
/// are left out of it), kept unless the item is gold or has a lead's final answer. Returns
/// the label's gold check (a gold item only).
fn follow_consensus<F>(
    item: &mut ItemRow,
    annotator_id: i64,
    order_id: i64,
    records: &HashMap<(i64, i64), WorkerRecord>,
    decide: &mut F,
) -> Option<bool>
where
    F: FnMut(i64, &ItemLabels) -> ConsensusUpdate,
{
    let answered: Vec<&ItemLabel> = item
        .labels
        .iter()
        .filter(|x| x.answer.is_some() && !x.excluded)
        .collect();
    let u = decide(
        order_id,
        &ItemLabels {
            needed: item.needed,
            skips: item.skips,
            gold: item.gold.clone(),
            answers: answered
                .iter()
                .map(|x| (x.annotator_id, x.answer.clone().unwrap_or_default()))
                .collect(),
            records: answered
                .iter()
                .map(|x| {
                    records
                        .get(&(order_id, x.annotator_id))
                        .copied()
                        .unwrap_or_default()
                })
                .collect(),
            model: item.model.clone(),
        },
    );
    let mine_at = answered.iter().position(|x| x.annotator_id == annotator_id);
    let gold_correct = if item.is_gold {
        mine_at.and_then(|i| u.agrees.get(i).copied())
    } else {
        None
    };
    if !item.is_gold && !item.is_final {
        item.state = u.state;
        item.answer = u.answer.clone();
        item.confidence = u.confidence;
        item.needed = u.needed;
        item.verdicts = if u.state == ItemState::Resolved {
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
    gold_correct
}
