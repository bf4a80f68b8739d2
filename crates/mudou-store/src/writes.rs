//! Group commit of everything annotators write while they work: leases, answers,
//! heartbeats and the end of a unit.
//!
//! A durable commit costs a disk flush (several milliseconds on ordinary disks), and SQLite
//! has one writer. So the server queues these writes and stores whatever is waiting in one
//! transaction ([`Store::write_batch`]): one flush for many writes. A batch runs first
//! without savepoints; should a job fail, the transaction is rolled back and the batch runs
//! again carefully: jobs of one kind together in one savepoint, and should one fail, that
//! group is rolled back and run again one job per savepoint, so one job's failure is rolled
//! back alone and never fails the others.
//! Labels go together through [`crate::submit`]'s set-based path.
//! Inside a batch: hand-backs, labels, leases, heartbeats, then submitted units (so a unit
//! submitted together with its last answers sees them). Every writer takes row locks in one
//! order — units, items, assignments, leases — so they never wait for each other in a circle;
//! should PostgreSQL still break a deadlock, the whole batch is rolled back and run again.

use mudou_domain::Finish;

use crate::pool::Tx;
use crate::sql::{ASSIGNMENT_COLS, insert_triples, lock};
use crate::submit::submit_in;
use crate::{
    Assignment, Backend, ConsensusUpdate, ItemLabels, NewLabel, Result, Store, StoreError,
    SubmitOutcome, SubmitRefusal, TrainingResult,
};

/// Lease a unit of an order (see [`Store::lease`]).
#[derive(Debug, Clone)]
pub struct LeaseJob {
    pub order_id: i64,
    pub annotator_id: i64,
    pub centre_id: i64,
    pub topup_size: i64,
    /// A training order: its units are all gold.
    pub training: bool,
}

/// End an active assignment: `submitted` or `returned`.
#[derive(Debug, Clone)]
pub struct FinishJob {
    pub annotator_id: i64,
    pub assignment_id: i64,
    pub to: Finish,
    /// For a training unit: the pass share and the qualification passing grants.
    pub training: Option<(f64, String)>,
}

/// One write an annotator's request asks for.
#[derive(Debug, Clone)]
pub enum WriteJob {
    Lease(LeaseJob),
    Label(NewLabel),
    /// Renew an active lease: `(annotator, assignment)`.
    Renew(i64, i64),
    Finish(FinishJob),
}

/// What a job did.
#[derive(Debug, Clone, PartialEq)]
pub enum WriteDone {
    /// A unit, or none; `busy` when there was none only because items that still need
    /// labels were locked by other transactions at that moment (PostgreSQL): asking again
    /// in a moment will find them.
    Lease {
        unit: Option<Assignment>,
        busy: bool,
        /// The unit's items this lease holds, in the order the annotator gets them (from
        /// the assignment's `item_offset` round): a fresh assignment shows exactly these.
        items: Vec<i64>,
    },
    Label(Result<SubmitOutcome, SubmitRefusal>),
    Renew(Assignment),
    Finish(Assignment, Option<TrainingResult>),
}

/// Prepared statements the PostgreSQL writer's own connection keeps.
const WRITER_STATEMENTS: usize = 4096;

/// The writer's hold on SQLite's one write connection between batches.
///
/// Giving the connection back to the pool after every batch costs a round trip to its
/// thread (sqlx checks a connection as it comes back) and a wake-up of the next batch: a
/// few milliseconds per batch. A busy writer keeps it instead, for at most
/// [`WriteConn::HOLD`] at a time, so other writes (a lead's decision, a publish) still get
/// their turn; [`WriteConn::release`] gives it back when the queue is empty. On
/// PostgreSQL the server's writer keeps a connection of its own ([`WriteConn::own`]).
#[derive(Default)]
pub struct WriteConn {
    conn: Option<(sqlx::pool::PoolConnection<sqlx::Sqlite>, std::time::Instant)>,
    /// PostgreSQL: a connection of the writer's own ([`WriteConn::own`]), opened outside the
    /// pool and kept, so the statements it prepares are prepared (and planned) once.
    pg: Option<sqlx::PgConnection>,
    own: bool,
    /// SQLite: commit without flushing the log (see [`WriteConn::defer_flush`]).
    deferred: bool,
}

impl WriteConn {
    /// Longest a writer keeps the connection before others get a turn.
    pub const HOLD: std::time::Duration = std::time::Duration::from_millis(200);

    /// For a long-lived writer: on PostgreSQL it opens a connection of its own (outside
    /// the pool) on first use and keeps it. Without it, each batch takes a pooled one.
    pub fn own() -> Self {
        WriteConn {
            own: true,
            ..Default::default()
        }
    }

    /// SQLite: while this writer holds the write connection, its commits write the log
    /// without flushing it to disk (`synchronous = NORMAL`); the connection goes back to the
    /// pool flushing at every commit again (`FULL`), for everyone else's writes. Nothing it
    /// commits may be acknowledged before [`crate::LogFlush::flush`] returned after the
    /// commit. Only for a writer that has a [`crate::LogFlush`] (`Store::log_flush`); no
    /// effect on PostgreSQL.
    pub fn defer_flush(mut self) -> Self {
        self.deferred = true;
        self
    }

    /// Gives the connection back (the writer has nothing waiting).
    pub async fn release(&mut self) {
        let Some((mut conn, _)) = self.conn.take() else {
            return;
        };
        if self.deferred
            && sqlx::query("PRAGMA synchronous = FULL")
                .execute(&mut *conn)
                .await
                .is_err()
        {
            // Not given back as it is: the pool opens a fresh connection (flushing, as all
            // its connections are opened) in its place.
            let _ = conn.close().await;
        }
    }
}

impl Store {
    /// Runs many annotators' writes in one transaction (see the module's notes), and
    /// commits once. `decide(order_id, item)` is the consensus of a label's order. The
    /// outer error is the transaction's own (nothing was written); each job's own failure
    /// is in its slot.
    ///
    /// A batch PostgreSQL rolled back for a deadlock or a serialization conflict (nothing
    /// was written) is run again, like every transaction of the store (`retry_transient!`).
    pub async fn write_batch<F>(
        &self,
        held: &mut WriteConn,
        jobs: &[WriteJob],
        now: i64,
        lease_ms: i64,
        mut decide: F,
    ) -> Result<Vec<Result<WriteDone>>>
    where
        F: FnMut(i64, &ItemLabels) -> ConsensusUpdate,
    {
        retry_transient!(
            self.write_batch_once(held, jobs, now, lease_ms, &mut decide)
                .await
        )
    }

    /// One try of [`Store::write_batch`].
    async fn write_batch_once<F>(
        &self,
        held: &mut WriteConn,
        jobs: &[WriteJob],
        now: i64,
        lease_ms: i64,
        mut decide: F,
    ) -> Result<Vec<Result<WriteDone>>>
    where
        F: FnMut(i64, &ItemLabels) -> ConsensusUpdate,
    {
        if jobs.is_empty() {
            return Ok(Vec::new());
        }
        // The batch optimistically, then carefully should a job have failed (`batch_in`),
        // each in a transaction of its own from `$begin`.
        macro_rules! optimistic_then_careful {
            ($begin:expr) => {{
                let mut done = None;
                for careful in [false, true] {
                    let mut tx = $begin.await?;
                    let run = batch_in(
                        &mut Tx::from(&mut *tx),
                        jobs,
                        now,
                        lease_ms,
                        careful,
                        self.skill_records,
                        &mut decide,
                    )
                    .await?;
                    if run.is_some() {
                        tx.commit().await?;
                        done = run;
                        break;
                    }
                    tx.rollback().await?;
                }
                done.expect("a careful run has an outcome for every job")
            }};
        }
        let out = match &self.pool {
            crate::pool::Pool::Sqlite { write, .. } => {
                if held
                    .conn
                    .as_ref()
                    .is_some_and(|(_, at)| at.elapsed() > WriteConn::HOLD)
                {
                    held.release().await;
                }
                let (conn, _) = match &mut held.conn {
                    Some(c) => c,
                    None => {
                        let mut c = write.acquire().await?;
                        if held.deferred {
                            sqlx::query("PRAGMA synchronous = NORMAL")
                                .execute(&mut *c)
                                .await?;
                        }
                        held.conn.insert((c, std::time::Instant::now()))
                    }
                };
                let r: Result<_> = async {
                    Ok(optimistic_then_careful!(sqlx::Connection::begin(
                        &mut **conn
                    )))
                }
                .await;
                if r.is_err() {
                    // Back to the pool (or closed, should it not answer).
                    held.release().await;
                }
                r?
            }
            crate::pool::Pool::Postgres(pool) if held.own => {
                let conn = match &mut held.pg {
                    Some(c) => c,
                    None => {
                        // Multi-row statements come in one shape per row count: room for
                        // all of them (sqlx keeps 100 by default, and re-prepared and
                        // re-planned the ones it dropped).
                        let opts = (*pool.connect_options())
                            .clone()
                            .statement_cache_capacity(WRITER_STATEMENTS);
                        let mut c: sqlx::PgConnection =
                            sqlx::Connection::connect_with(&opts).await?;
                        // The writer runs the same few dozen statements all day, each
                        // prepared once on this connection. PostgreSQL would still plan most of
                        // them afresh at every call (a plan for the given values, kept when it
                        // looks cheaper than the generic one, as it does for IN-lists): ~10% of
                        // its time in the dispatch bench. Their plans do not depend on the
                        // values (keys and short lists), so the generic plan is kept.
                        sqlx::query("SET plan_cache_mode = force_generic_plan")
                            .execute(&mut c)
                            .await?;
                        held.pg.insert(c)
                    }
                };
                let r: Result<_> = async {
                    Ok(optimistic_then_careful!(sqlx::Connection::begin(
                        &mut *conn
                    )))
                }
                .await;
                if r.is_err() {
                    // Opened anew for the next batch, should this one be broken.
                    held.pg = None;
                }
                r?
            }
            crate::pool::Pool::Postgres(pool) => optimistic_then_careful!(pool.begin()),
        };
        Ok(out)
    }

    /// One job in a transaction of its own (see [`Store::write_batch`]).
    /// PostgreSQL's deadlock and serialization failures are tried again.
    pub async fn write_one<F>(
        &self,
        job: WriteJob,
        now: i64,
        lease_ms: i64,
        mut decide: F,
    ) -> Result<WriteDone>
    where
        F: FnMut(i64, &ItemLabels) -> ConsensusUpdate,
    {
        retry_transient!(
            self.write_batch_once(
                &mut WriteConn::default(),
                std::slice::from_ref(&job),
                now,
                lease_ms,
                &mut decide,
            )
            .await
            .and_then(|mut v| v.pop().expect("one outcome"))
        )
    }
}

async fn savepoint(tx: &mut Tx<'_>, sql: &str) -> Result<()> {
    on_tx!(tx, c => sqlx::query(sql).execute(&mut *c).await?.rows_affected());
    Ok(())
}

/// One run of a batch. Optimistic (`careful` false): no savepoints, and `None` as soon as
/// a job fails, for the caller to roll the transaction back and run the batch again
/// carefully. Careful: each kind of job in a savepoint, and one job per savepoint should
/// the kind fail, so a failure is rolled back alone. Failures are rare (a refusal such
/// as a unit already submitted is one; a label's refusal is not, it is an outcome), and a
/// savepoint costs SQLite a copy of every page the batch then changes.
async fn batch_in<F>(
    tx: &mut Tx<'_>,
    jobs: &[WriteJob],
    now: i64,
    lease_ms: i64,
    careful: bool,
    skill_records: bool,
    decide: &mut F,
) -> Result<Option<Vec<Result<WriteDone>>>>
where
    F: FnMut(i64, &ItemLabels) -> ConsensusUpdate,
{
    let mut out: Vec<Option<Result<WriteDone>>> = (0..jobs.len()).map(|_| None).collect();
    let kind = |pick: fn(&WriteJob) -> bool| -> Vec<usize> {
        (0..jobs.len()).filter(|i| pick(&jobs[*i])).collect()
    };
    // Hand-backs first: they lock their unit, and units come first in the writers' lock
    // order (units → items → assignments → leases).
    let hand_backs = kind(|j| matches!(j, WriteJob::Finish(f) if f.to != Finish::Submit));
    if !group(tx, jobs, &hand_backs, now, lease_ms, careful, &mut out).await? {
        return Ok(None);
    }
    // Labels: all together, or one by one when the batch fails.
    let idx = kind(|j| matches!(j, WriteJob::Label(_)));
    if !idx.is_empty() {
        let labels: Vec<NewLabel> = idx
            .iter()
            .map(|i| match &jobs[*i] {
                WriteJob::Label(l) => l.clone(),
                _ => unreachable!("filtered"),
            })
            .collect();
        if careful {
            savepoint(tx, "SAVEPOINT job").await?;
        }
        let r = submit_in(tx, &labels, now, lease_ms, skill_records, &mut *decide).await;
        fatal(&r)?;
        if careful {
            end_savepoint(tx, r.is_ok()).await?;
        }
        match r {
            Ok(results) => {
                for (i, r) in idx.iter().zip(results) {
                    out[*i] = Some(Ok(WriteDone::Label(r)));
                }
            }
            Err(_) if !careful => return Ok(None),
            Err(_) => {
                // One label's trouble must not fail the others.
                for (i, l) in idx.iter().zip(&labels) {
                    savepoint(tx, "SAVEPOINT job").await?;
                    let r = submit_in(
                        tx,
                        std::slice::from_ref(l),
                        now,
                        lease_ms,
                        skill_records,
                        &mut *decide,
                    )
                    .await;
                    fatal(&r)?;
                    end_savepoint(tx, r.is_ok()).await?;
                    out[*i] = Some(r.map(|mut v| WriteDone::Label(v.pop().expect("one outcome"))));
                }
            }
        }
    }
    // Leases after labels: they never wait for a lock (they skip locked rows), so the
    // batch waits for item locks only before it holds any of its own. Then heartbeats,
    // then the ends of units.
    for pick in [
        (|j| matches!(j, WriteJob::Lease(_))) as fn(&WriteJob) -> bool,
        |j| matches!(j, WriteJob::Renew(..)),
        |j| matches!(j, WriteJob::Finish(f) if f.to == Finish::Submit),
    ] {
        if !group(tx, jobs, &kind(pick), now, lease_ms, careful, &mut out).await? {
            return Ok(None);
        }
    }
    Ok(Some(
        out.into_iter().map(|o| o.expect("every job ran")).collect(),
    ))
}

/// One job other than a label.
async fn run_job(tx: &mut Tx<'_>, job: &WriteJob, now: i64, lease_ms: i64) -> Result<WriteDone> {
    match job {
        WriteJob::Lease(l) => lease_in(tx, l, now, lease_ms)
            .await
            .map(|(unit, busy, items)| WriteDone::Lease { unit, busy, items }),
        WriteJob::Renew(annotator, assignment) => {
            renew_in(tx, *annotator, *assignment, now, lease_ms)
                .await
                .map(WriteDone::Renew)
        }
        WriteJob::Finish(f) => finish_in(tx, f, now)
            .await
            .map(|(a, t)| WriteDone::Finish(a, t)),
        WriteJob::Label(_) => unreachable!("labels go through submit_in"),
    }
}

/// Runs jobs of one kind. Careful: in one savepoint, and should one of them fail (a
/// refusal such as a unit already submitted, or an error), the group is rolled back and
/// run again one job per savepoint, so a failure is rolled back alone and never fails the
/// others (two statements for the whole group in the usual case, not two per job).
/// Optimistic: no savepoints, and `false` at the first failure (see [`batch_in`]).
async fn group(
    tx: &mut Tx<'_>,
    jobs: &[WriteJob],
    idx: &[usize],
    now: i64,
    lease_ms: i64,
    careful: bool,
    out: &mut [Option<Result<WriteDone>>],
) -> Result<bool> {
    if !careful || idx.len() > 1 {
        if careful {
            savepoint(tx, "SAVEPOINT grp").await?;
        }
        let mut done = Vec::with_capacity(idx.len());
        for i in idx {
            let r = run_job(tx, &jobs[*i], now, lease_ms).await;
            fatal(&r)?;
            match r {
                Ok(d) => done.push(d),
                Err(_) => break,
            }
        }
        if done.len() == idx.len() {
            if careful {
                savepoint(tx, "RELEASE SAVEPOINT grp").await?;
            }
            for (i, d) in idx.iter().zip(done) {
                out[*i] = Some(Ok(d));
            }
            return Ok(true);
        }
        if !careful {
            return Ok(false);
        }
        savepoint(tx, "ROLLBACK TO SAVEPOINT grp").await?;
        savepoint(tx, "RELEASE SAVEPOINT grp").await?;
    }
    for i in idx {
        savepoint(tx, "SAVEPOINT job").await?;
        let r = run_job(tx, &jobs[*i], now, lease_ms).await;
        fatal(&r)?;
        end_savepoint(tx, r.is_ok()).await?;
        out[*i] = Some(r);
    }
    Ok(true)
}

fn fatal<T>(r: &Result<T>) -> Result<()> {
    match r {
        Err(e) if e.is_transient() => Err(StoreError::Transient),
        _ => Ok(()),
    }
}

async fn end_savepoint(tx: &mut Tx<'_>, ok: bool) -> Result<()> {
    if ok {
        savepoint(tx, "RELEASE SAVEPOINT job").await
    } else {
        savepoint(tx, "ROLLBACK TO SAVEPOINT job").await?;
        savepoint(tx, "RELEASE SAVEPOINT job").await
    }
}

/// Leases the annotator a unit of an order: the first planned unit with a free slot that
/// still has items they may label (for a work order, at least one that is not gold; a
/// training order's units are all gold), or else a top-up unit of up to `topup_size` items
/// that need more labels, with its items in the order shown. `None` when the order has
/// nothing for them, with `true` when only locked items (PostgreSQL) stood in the way.
/// Leases come only from an open order (`$1` is the order).
const OPEN: &str = "EXISTS (SELECT 1 FROM orders o WHERE o.id = $1 AND o.state = 'open')";

pub(crate) async fn lease_in(
    tx: &mut Tx<'_>,
    l: &LeaseJob,
    now: i64,
    lease_ms: i64,
) -> Result<(Option<Assignment>, bool, Vec<i64>)> {
    let (order_id, annotator_id) = (l.order_id, l.annotator_id);
    // Units with a free slot that this annotator has not had (a partial index holds only
    // units with free slots, so full ones cost nothing however many there are).
    let units_sql = format!(
        "SELECT w.id, CAST(w.taken AS BIGINT), w.slots FROM work_units w WHERE w.order_id = $1 AND w.taken < w.slots AND {OPEN} \
         AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.unit_id = w.id AND a.annotator_id = $2) \
         ORDER BY w.seq LIMIT 16{}",
        lock(tx.backend(), " FOR UPDATE SKIP LOCKED")
    );
    // On PostgreSQL the unit's items are locked before they are looked at. A lease never
    // waits for an item another transaction holds (a label batch, another lease): it leaves
    // that item out, so leases and batches can never deadlock.
    let lock_items_sql = "SELECT oi.item_id FROM order_items oi WHERE oi.order_id = $1 AND oi.item_id IN \
         (SELECT item_id FROM unit_items WHERE unit_id = $2) ORDER BY oi.item_id FOR UPDATE SKIP LOCKED";
    // The unit's items this annotator may get: gold they have not seen, and work that still
    // needs labels (leases included) and that they have not labelled.
    let items_sql = "SELECT u.item_id, oi.is_gold, u.pos FROM unit_items u \
         JOIN order_items oi ON oi.order_id = $1 AND oi.item_id = u.item_id \
         WHERE u.unit_id = $2 \
         AND NOT EXISTS (SELECT 1 FROM labels l WHERE l.order_id = $1 AND l.item_id = u.item_id AND l.annotator_id = $3) \
         AND (oi.is_gold = TRUE OR (oi.state = 'open' AND oi.labels_count + \
             (SELECT COUNT(*) FROM item_leases il WHERE il.order_id = $1 AND il.item_id = u.item_id) < oi.needed)) \
         ORDER BY u.pos";
    let topup_sql = format!(
        "SELECT oi.item_id FROM order_items oi WHERE oi.order_id = $1 AND oi.is_gold = FALSE AND oi.state = 'open' AND {OPEN} \
         AND oi.labels_count + (SELECT COUNT(*) FROM item_leases il WHERE il.order_id = $1 AND il.item_id = oi.item_id) < oi.needed \
         AND NOT EXISTS (SELECT 1 FROM labels l WHERE l.order_id = $1 AND l.item_id = oi.item_id AND l.annotator_id = $2) \
         ORDER BY oi.item_id LIMIT $3{}",
        lock(tx.backend(), " FOR UPDATE SKIP LOCKED")
    );
    let assignment_sql = format!(
        "INSERT INTO assignments (unit_id, order_id, annotator_id, centre_id, state, leased_at, lease_expires_at, item_offset) \
         VALUES ($1, $2, $3, $4, 'active', $5, $6, $7) RETURNING {ASSIGNMENT_COLS}"
    );
    let is_pg = tx.backend() == Backend::Postgres;

    let units: Vec<(i64, i64, i64)> = on_tx!(tx, c => sqlx::query_as(&units_sql)
        .bind(order_id).bind(annotator_id).fetch_all(&mut *c).await?);
    // (unit, items, the unit position this assignment starts at, and its index in items)
    let mut chosen: Option<(i64, Vec<i64>, i64, usize)> = None;
    for (unit, taken, slots) in units {
        let locked: Vec<i64> = if is_pg {
            on_tx!(tx, c => sqlx::query_scalar(lock_items_sql).bind(order_id).bind(unit).fetch_all(&mut *c).await?)
        } else {
            Vec::new()
        };
        let mut rows: Vec<(i64, bool, i64)> = on_tx!(tx, c => sqlx::query_as(items_sql)
            .bind(order_id).bind(unit).bind(annotator_id).fetch_all(&mut *c).await?);
        if is_pg {
            rows.retain(|(id, _, _)| locked.binary_search(id).is_ok());
        }
        if rows.iter().any(|(_, gold, _)| !gold) || (l.training && !rows.is_empty()) {
            // On PostgreSQL the unit's takers start spread over it (the first at its start,
            // the second a third of the way in with three slots, …) and go round, so they
            // seldom answer the same item at the same moment, when one server's batch would
            // wait for another's lock on it. SQLite's one writer stores such answers in one
            // batch, where they share the item's reads and update: there they start together.
            let (start, at) = if is_pg {
                let at = (taken.max(0) as usize * rows.len()) / slots.max(1) as usize % rows.len();
                (rows[at].2, at)
            } else {
                (0, 0)
            };
            chosen = Some((
                unit,
                rows.into_iter().map(|(id, _, _)| id).collect(),
                start,
                at,
            ));
            break;
        }
    }
    if chosen.is_none() {
        let items: Vec<i64> = on_tx!(tx, c => sqlx::query_scalar(&topup_sql)
            .bind(order_id).bind(annotator_id).bind(l.topup_size).fetch_all(&mut *c).await?);
        if !items.is_empty() {
            // Numbered after every planned unit; on PostgreSQL from a sequence, so concurrent
            // leases never wait for each other here.
            let seq: i64 = if is_pg {
                on_tx!(tx, c => sqlx::query_scalar("SELECT CAST(1000000000000 + nextval('topup_seq') AS BIGINT)")
                    .fetch_one(&mut *c).await?)
            } else {
                on_tx!(tx, c => sqlx::query_scalar(
                    "SELECT CAST(COALESCE(MAX(seq), 0) + 1 AS BIGINT) FROM work_units WHERE order_id = $1")
                    .bind(order_id).fetch_one(&mut *c).await?)
            };
            let unit: i64 = on_tx!(tx, c => sqlx::query_scalar(
                "INSERT INTO work_units (order_id, seq, kind, slots, created_at) VALUES ($1, $2, 'topup', 1, $3) RETURNING id")
                .bind(order_id).bind(seq).bind(now).fetch_one(&mut *c).await?);
            let rows: Vec<[i64; 3]> = (0..)
                .zip(&items)
                .map(|(pos, item)| [unit, pos, *item])
                .collect();
            insert_triples(tx, "INSERT INTO unit_items (unit_id, pos, item_id)", &rows).await?;
            chosen = Some((unit, items, 0, 0));
        }
    }
    let Some((unit, items, start, start_at)) = chosen else {
        // Nothing free: on PostgreSQL, tell apart "all done" from "locked right now".
        let busy = if is_pg {
            let waiting_sql = format!(
                "SELECT oi.item_id FROM order_items oi WHERE oi.order_id = $1 AND oi.is_gold = FALSE AND oi.state = 'open' AND {OPEN} \
                 AND oi.labels_count + (SELECT COUNT(*) FROM item_leases il WHERE il.order_id = $1 AND il.item_id = oi.item_id) < oi.needed \
                 AND NOT EXISTS (SELECT 1 FROM labels l WHERE l.order_id = $1 AND l.item_id = oi.item_id AND l.annotator_id = $2) \
                 LIMIT 1"
            );
            let waiting: Option<i64> = on_tx!(tx, c => sqlx::query_scalar(&waiting_sql)
                .bind(order_id).bind(annotator_id).fetch_optional(&mut *c).await?);
            waiting.is_some()
        } else {
            false
        };
        return Ok((None, busy, Vec::new()));
    };
    let a: Assignment = on_tx!(tx, c => sqlx::query_as::<_, Assignment>(&assignment_sql)
        .bind(unit).bind(order_id).bind(annotator_id).bind(l.centre_id).bind(now).bind(now + lease_ms).bind(start)
        .fetch_one(&mut *c).await?);
    on_tx!(tx, c => sqlx::query("UPDATE work_units SET taken = taken + 1 WHERE id = $1")
        .bind(unit).execute(&mut *c).await?.rows_affected());
    let rows: Vec<[i64; 3]> = items.iter().map(|item| [a.id, order_id, *item]).collect();
    insert_triples(
        tx,
        "INSERT INTO item_leases (assignment_id, order_id, item_id)",
        &rows,
    )
    .await?;
    // As `Store::assignment_items` orders them: from the starting place round.
    let mut shown = items;
    shown.rotate_left(start_at);
    Ok((Some(a), false, shown))
}

/// The annotator's own assignment, in whatever state.
async fn owned(
    tx: &mut Tx<'_>,
    annotator_id: i64,
    assignment_id: i64,
) -> Result<Option<Assignment>> {
    let sql =
        format!("SELECT {ASSIGNMENT_COLS} FROM assignments WHERE id = $1 AND annotator_id = $2");
    Ok(on_tx!(tx, c => sqlx::query_as::<_, Assignment>(&sql)
        .bind(assignment_id).bind(annotator_id).fetch_optional(&mut *c).await?))
}

/// Why an assignment cannot be renewed or ended: the state it is in.
async fn not_active(
    tx: &mut Tx<'_>,
    annotator_id: i64,
    assignment_id: i64,
    already: bool,
) -> StoreError {
    match owned(tx, annotator_id, assignment_id).await {
        Ok(Some(a)) if already => {
            StoreError::Conflict(format!("the assignment is already {}", a.state))
        }
        Ok(Some(a)) => StoreError::Conflict(format!(
            "the assignment is {}",
            if a.state == "active" {
                "expired"
            } else {
                a.state.as_str()
            }
        )),
        Ok(None) => StoreError::NotFound,
        Err(e) => e,
    }
}

/// Renews an active, unexpired lease.
pub(crate) async fn renew_in(
    tx: &mut Tx<'_>,
    annotator_id: i64,
    assignment_id: i64,
    now: i64,
    lease_ms: i64,
) -> Result<Assignment> {
    let sql = tx.sql(format!(
            "UPDATE assignments SET lease_expires_at = $3 WHERE id = $1 AND annotator_id = $2 AND state = 'active' \
         AND lease_expires_at >= $4 RETURNING {ASSIGNMENT_COLS}"
        ),
    );
    let row: Option<Assignment> = on_tx!(tx, c => sqlx::query_as::<_, Assignment>(&sql)
        .bind(assignment_id).bind(annotator_id).bind(now + lease_ms).bind(now).fetch_optional(&mut *c).await?);
    match row {
        Some(a) => Ok(a),
        None => Err(not_active(tx, annotator_id, assignment_id, false).await),
    }
}

/// Submits or hands back an active assignment; its leases end, a handed-back unit's slot is
/// free again, and a submitted training unit is graded (passing inserts the qualification).
pub(crate) async fn finish_in(
    tx: &mut Tx<'_>,
    f: &FinishJob,
    now: i64,
) -> Result<(Assignment, Option<TrainingResult>)> {
    let (annotator_id, assignment_id, to) = (f.annotator_id, f.assignment_id, f.to);
    // The same end asked again (a retry whose first answer was lost) answers as the first
    // did, and changes nothing: the training grade below is read again, its grant is once.
    let ended = |a: &Assignment| a.state == to.state();
    // In the writers' lock order: the unit (only a hand-back changes it, so only a
    // hand-back looks it up and locks it first), the assignment, then its leases.
    if to != Finish::Submit {
        let live: Option<i64> = on_tx!(tx, c => sqlx::query_scalar(
            "SELECT unit_id FROM assignments WHERE id = $1 AND annotator_id = $2 AND state = 'active'")
            .bind(assignment_id).bind(annotator_id).fetch_optional(&mut *c).await?);
        let Some(unit) = live else {
            return match owned(tx, annotator_id, assignment_id).await? {
                Some(a) if ended(&a) => Ok((a, None)),
                _ => Err(not_active(tx, annotator_id, assignment_id, true).await),
            };
        };
        let sql = tx.sql(format!(
            "SELECT id FROM work_units WHERE id = $1{}",
            lock(tx.backend(), " FOR UPDATE")
        ));
        on_tx!(tx, c => sqlx::query(&sql).bind(unit).execute(&mut *c).await?.rows_affected());
    }
    let sql = tx.sql(format!(
            "UPDATE assignments SET state = $3, finished_at = $4 WHERE id = $1 AND annotator_id = $2 AND state = 'active' \
         RETURNING {ASSIGNMENT_COLS}"
        ),
    );
    let row: Option<Assignment> = on_tx!(tx, c => sqlx::query_as::<_, Assignment>(&sql)
        .bind(assignment_id).bind(annotator_id).bind(to.state()).bind(now).fetch_optional(&mut *c).await?);
    let a = match row {
        Some(a) => {
            on_tx!(tx, c => sqlx::query("DELETE FROM item_leases WHERE assignment_id = $1")
                .bind(assignment_id).execute(&mut *c).await?.rows_affected());
            if to != Finish::Submit {
                on_tx!(tx, c => sqlx::query("UPDATE work_units SET taken = taken - 1 WHERE id = $1 AND taken > 0")
                    .bind(a.unit_id).execute(&mut *c).await?.rows_affected());
            }
            a
        }
        None => match owned(tx, annotator_id, assignment_id).await? {
            Some(a) if ended(&a) => a,
            _ => return Err(not_active(tx, annotator_id, assignment_id, true).await),
        },
    };
    let Some((pass_share, qualification)) = f.training.as_ref().filter(|_| to == Finish::Submit)
    else {
        return Ok((a, None));
    };
    let (total, right): (i64, i64) = on_tx!(tx, c => sqlx::query_as(
        "SELECT CAST(COUNT(*) AS BIGINT), CAST(COALESCE(SUM(CASE WHEN l.gold_correct = TRUE THEN 1 ELSE 0 END), 0) AS BIGINT) \
         FROM unit_items u LEFT JOIN labels l ON l.order_id = $2 AND l.item_id = u.item_id AND l.annotator_id = $3 \
         WHERE u.unit_id = $1")
        .bind(a.unit_id).bind(a.order_id).bind(annotator_id).fetch_one(&mut *c).await?);
    let passed = total > 0 && right as f64 >= pass_share * total as f64 - 1e-9;
    if passed {
        let held: Option<i64> = on_tx!(tx, c => sqlx::query_scalar(
            "SELECT id FROM qualifications WHERE annotator_id = $1 AND qualification = $2 AND revoked_at IS NULL")
            .bind(annotator_id).bind(qualification).fetch_optional(&mut *c).await?);
        if held.is_none() {
            on_tx!(tx, c => sqlx::query(
                "INSERT INTO qualifications (annotator_id, qualification, source, assignment_id, granted_at) \
                 VALUES ($1, $2, 'training', $3, $4)")
                .bind(annotator_id).bind(qualification).bind(assignment_id).bind(now)
                .execute(&mut *c).await?.rows_affected());
        }
    }
    Ok((
        a,
        Some(TrainingResult {
            total,
            right,
            passed,
            qualification: qualification.clone(),
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn pragma_synchronous(c: &mut sqlx::SqliteConnection) -> i64 {
        sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(c)
            .await
            .unwrap()
    }

    /// A writer that defers the flush commits with `NORMAL` while it holds SQLite's write
    /// connection and gives it back flushing at every commit (`FULL`) for everyone else,
    /// also when the connection is given back because it was held too long.
    #[tokio::test]
    async fn a_deferred_writer_gives_the_connection_back_flushing() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let store = Store::open(&crate::StoreConfig::new(url)).await.unwrap();
        let mut log = store.log_flush().expect("a file database has a log");
        let crate::pool::Pool::Sqlite { write, .. } = &store.pool else {
            unreachable!()
        };
        // An ordinary connection of the pool flushes.
        assert_eq!(
            pragma_synchronous(&mut write.acquire().await.unwrap()).await,
            2
        );

        let mut held = WriteConn::own().defer_flush();
        // Renewing a lease that does not exist: refused, the batch still commits.
        let out = store
            .write_batch(&mut held, &[WriteJob::Renew(1, 1)], 0, 1, crate::keep_open)
            .await
            .unwrap();
        assert!(out[0].is_err(), "{out:?}");
        let (conn, _) = held.conn.as_mut().expect("held between batches");
        assert_eq!(pragma_synchronous(conn).await, 1, "NORMAL while held");
        log.flush().unwrap();
        held.release().await;
        assert!(held.conn.is_none());
        assert_eq!(
            pragma_synchronous(&mut write.acquire().await.unwrap()).await,
            2
        );

        // Held past HOLD: the next batch gives it back (FULL) and takes it again (NORMAL).
        store
            .write_batch(&mut held, &[WriteJob::Renew(1, 1)], 0, 1, crate::keep_open)
            .await
            .unwrap();
        held.conn.as_mut().unwrap().1 -= WriteConn::HOLD * 2;
        store
            .write_batch(&mut held, &[WriteJob::Renew(1, 1)], 0, 1, crate::keep_open)
            .await
            .unwrap();
        assert_eq!(
            pragma_synchronous(&mut held.conn.as_mut().unwrap().0).await,
            1
        );
        held.release().await;
        assert_eq!(
            pragma_synchronous(&mut write.acquire().await.unwrap()).await,
            2
        );

        // A writer that does not defer leaves the connection as the pool made it.
        let mut plain = WriteConn::own();
        store
            .write_batch(&mut plain, &[WriteJob::Renew(1, 1)], 0, 1, crate::keep_open)
            .await
            .unwrap();
        assert_eq!(
            pragma_synchronous(&mut plain.conn.as_mut().unwrap().0).await,
            2
        );
    }
}
