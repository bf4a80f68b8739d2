//! Group commit: the annotators' writes (leases, labels, heartbeats, ends of units) are
//! queued and stored together, many in one transaction.
//!
//! A writer task takes whatever is waiting (up to [`MAX_BATCH`]), hands it to
//! [`Store::write_batch`] and answers each request with its own outcome. There is no
//! timer: while one batch commits, the next one gathers, so a lone write is stored at once
//! and a busy server commits fewer, larger transactions — one disk flush for many writes.
//! A request is answered only after its transaction committed and is on disk: on SQLite
//! the writer commits without waiting for the disk and a thread of its own flushes the log,
//! then answers (`flusher`), so the next batch runs while the disk works.

use std::collections::HashMap;
use std::sync::Arc;

use mudou_domain::live::Trust;
use mudou_domain::{ErrorCode, OrderSpec};
use mudou_store::{
    Backend, ItemLabels, Store, StoreError, WriteConn, WriteDone, WriteJob, now_millis,
};
use prometheus::{Histogram, HistogramOpts};
use tokio::sync::{mpsc, oneshot};

use crate::error::{AppError, AppResult};

/// Writes per transaction at most.
pub const MAX_BATCH: usize = 256;
/// Requests that may wait for a writer before senders are held back.
const QUEUE: usize = 8192;
/// How long an idle SQLite writer keeps the write connection for a next write before it
/// gives it back to the pool.
const IDLE_HOLD: std::time::Duration = std::time::Duration::from_millis(2);
/// How often the writer checks that it and SQLite's write connection are on their core.
const PIN_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// The writer's figures, registered by whoever serves `/metrics` ([`WriterMetrics::register`]).
#[derive(Clone)]
pub struct WriterMetrics {
    /// Writes stored per transaction.
    pub batch_size: Histogram,
    /// Time to store one batch, its commit included.
    pub batch_seconds: Histogram,
    /// SQLite: flushes of the log after the writer's commits (`flusher`).
    pub flush_seconds: Histogram,
}

impl WriterMetrics {
    pub fn new() -> WriterMetrics {
        let histogram = |name: &str, help: &str, buckets: Vec<f64>| {
            Histogram::with_opts(HistogramOpts::new(name, help).buckets(buckets))
                .expect("valid metric")
        };
        WriterMetrics {
            batch_size: histogram(
                "mudou_write_batch_size",
                "Annotators' writes (leases, labels, heartbeats, ends of units) stored together in one transaction",
                vec![1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0],
            ),
            batch_seconds: histogram(
                "mudou_write_batch_seconds",
                "Time to store one batch of annotators' writes, its commit included (on SQLite the disk flush follows, in mudou_write_flush_seconds)",
                prometheus::exponential_buckets(0.001, 2.0, 12).expect("valid buckets"),
            ),
            flush_seconds: histogram(
                "mudou_write_flush_seconds",
                "SQLite: time to flush the log to disk after the writer's commits, before they are answered",
                prometheus::exponential_buckets(0.0001, 2.0, 14).expect("valid buckets"),
            ),
        }
    }

    /// Adds the writer's histograms to `registry`.
    pub fn register(&self, registry: &prometheus::Registry) -> prometheus::Result<()> {
        for h in [&self.batch_size, &self.batch_seconds, &self.flush_seconds] {
            registry.register(Box::new(h.clone()))?;
        }
        Ok(())
    }
}

impl Default for WriterMetrics {
    fn default() -> Self {
        Self::new()
    }
}

struct Job {
    job: WriteJob,
    /// The order's spec, for a label's consensus.
    spec: Option<(i64, Arc<OrderSpec>)>,
    reply: oneshot::Sender<Result<WriteDone, Failure>>,
}

/// Why a write did not happen.
#[derive(Debug)]
pub enum Failure {
    /// The job itself was refused (not found, already submitted, …).
    Job(StoreError),
    /// Its transaction could not commit, or the writer stopped: nothing was written;
    /// the same request may be sent again.
    Unavailable(String),
}

/// The queue in front of the writers. Cheap to clone.
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the writer: one per server on either engine. SQLite has one writer anyway.
    /// On PostgreSQL, one writer with a connection of its own gathers larger batches, and
    /// its statements stay prepared on that connection; measured on two servers sharing one
    /// PostgreSQL, three writers per server each taking pooled connections stored ~1,750
    /// labels/s, one ~2,400 (`benches/dispatch/RESULTS.md`): the three waited on each
    /// other's item locks, and every pooled connection prepared and planned every statement.
    pub fn start(store: Store, metrics: WriterMetrics, lease_ms: i64, trust: Trust) -> Writer {
        // Everyone trusted alike: no skill records to read for the consensus.
        let store = match trust {
            Trust::Skills => store,
            Trust::Equal => store.without_skill_records(),
        };
        let (tx, mut rx) = mpsc::channel::<Job>(QUEUE);
        let sqlite = store.backend() == Backend::Sqlite;
        // SQLite on a file: commits skip the disk flush, a thread of its own flushes the
        // log and answers (see `flusher`).
        // With it, the writer's own handle on the log, for a batch with nothing behind it.
        let mut flush = store
            .log_flush()
            .and_then(|log| Some((store.log_flush()?, flusher(log, metrics.clone()))));
        let work = async move {
            let mut held = match flush {
                Some(_) => WriteConn::own().defer_flush(),
                None => WriteConn::own(),
            };
            let mut pinned: Option<std::time::Instant> = None;
            let mut next: Option<Job> = None;
            loop {
                // The writer and SQLite's write connection share a core of their own when
                // the server reserved one (crate::affinity). Checked now and then: should the
                // pool open the connection anew, it has a new thread.
                if sqlite && pinned.is_none_or(|t| t.elapsed() > PIN_EVERY) {
                    crate::affinity::pin_writer(mudou_store::WRITE_THREAD);
                    pinned = Some(std::time::Instant::now());
                }
                let first = match next.take() {
                    Some(j) => j,
                    None => match rx.recv().await {
                        Some(j) => j,
                        None => break,
                    },
                };
                let mut jobs = vec![first];
                while jobs.len() < MAX_BATCH {
                    match rx.try_recv() {
                        Ok(j) => jobs.push(j),
                        Err(_) => break,
                    }
                }
                let answers = write(&store, &mut held, &metrics, lease_ms, trust, jobs).await;
                match &mut flush {
                    // Nothing else waiting: flushed here and answered at once, without the
                    // hop through the flush thread (there is no next batch to overlap).
                    Some((log, _)) if rx.is_empty() => flush_and_answer(log, &metrics, answers),
                    // Answered once the log is on disk; the next batch runs meanwhile.
                    Some((_, f)) => {
                        if let Err(lost) = f.send(answers) {
                            // The flusher's thread is gone: nothing written from now on
                            // would reach the disk in time. The writer stops with it.
                            for (reply, _) in lost.0 {
                                let _ = reply.send(Err(Failure::Unavailable(
                                    "the log flusher has stopped".into(),
                                )));
                            }
                            break;
                        }
                    }
                    // The commit flushed the log itself.
                    None => {
                        for (reply, out) in answers {
                            let _ = reply.send(out);
                        }
                    }
                }
                // Nothing waiting: give SQLite's connection back so other writes need not
                // wait for the next batch — unless a write comes within IDLE_HOLD (a lone
                // annotator's next answer, say): giving it back and taking it again costs
                // SQLite two statements (`WriteConn::release`).
                if rx.is_empty() {
                    if sqlite {
                        match tokio::time::timeout(IDLE_HOLD, rx.recv()).await {
                            Ok(Some(j)) => next = Some(j),
                            Ok(None) => break,
                            Err(_) => held.release().await,
                        }
                    } else {
                        held.release().await;
                    }
                }
            }
            held.release().await;
        };
        if sqlite {
            // The one SQLite writer is the server's narrowest point: it gets a thread of its
            // own, so each of its statements is followed up at once instead of queueing
            // behind hundreds of request tasks on the shared runtime.
            // Time only: the writer does no network I/O of its own, and a runtime without an
            // I/O driver sleeps on a futex instead of in epoll, which is cheaper to wake after
            // each of a batch's statements.
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
                .expect("a runtime for the writer");
            std::thread::Builder::new()
                .name("mudou-writer".into())
                .spawn(move || {
                    crate::affinity::wake_without_preempting();
                    rt.block_on(work)
                })
                .expect("the writer's thread");
        } else {
            tokio::spawn(work);
        }
        Writer { tx }
    }

    /// Stores one write with whatever else is waiting; answers after the commit. A label
    /// names its order's spec (`spec`), which decides the item's consensus.
    pub async fn submit(
        &self,
        job: WriteJob,
        spec: Option<(i64, Arc<OrderSpec>)>,
    ) -> Result<WriteDone, Failure> {
        let mut tries = 0;
        loop {
            let (reply, rx) = oneshot::channel();
            let j = Job {
                job: job.clone(),
                spec: spec.clone(),
                reply,
            };
            let gone = || Failure::Unavailable("the writer has stopped".into());
            self.tx.send(j).await.map_err(|_| gone())?;
            match rx.await.map_err(|_| gone())? {
                // The batch committed but this job's own part was rolled back (PostgreSQL
                // broke a deadlock in its savepoint): it goes round again, as often as the
                // store tries a transaction again. (Whole batches are retried by the store.)
                Err(Failure::Job(e)) if e.is_transient() && tries < mudou_store::RETRIES => {
                    tries += 1
                }
                r => return r,
            }
        }
    }

    /// [`Writer::submit`] for use-cases and handlers: a refusal becomes the store error's
    /// [`AppError`], a failed transaction `unavailable` (503: nothing was changed, send the
    /// same request again).
    pub async fn run(
        &self,
        job: WriteJob,
        spec: Option<(i64, Arc<OrderSpec>)>,
    ) -> AppResult<WriteDone> {
        self.run_or(job, spec, AppError::from).await
    }

    /// [`Writer::run`], with the caller's own words for a refusal (`refused`).
    pub async fn run_or(
        &self,
        job: WriteJob,
        spec: Option<(i64, Arc<OrderSpec>)>,
        refused: impl FnOnce(StoreError) -> AppError,
    ) -> AppResult<WriteDone> {
        match self.submit(job, spec).await {
            Ok(d) => Ok(d),
            Err(Failure::Job(e)) => Err(refused(e)),
            Err(Failure::Unavailable(why)) => {
                tracing::error!(%why, "a write was not stored");
                Err(AppError::new(
                    ErrorCode::Unavailable,
                    "could not store this just now; nothing was changed, please send it again",
                ))
            }
        }
    }
}

/// A request's reply and what to answer.
type Answer = (
    oneshot::Sender<Result<WriteDone, Failure>>,
    Result<WriteDone, Failure>,
);

/// Starts the thread that flushes SQLite's log after the writer's commits and then
/// answers them: it takes every batch committed so far, flushes once for all of them
/// ([`mudou_store::LogFlush`]), and answers. Should the flush fail, the writes were
/// committed but may not be on disk: each is answered "send it again" (a label sent again
/// with its id is stored once).
fn flusher(
    mut log: mudou_store::LogFlush,
    metrics: WriterMetrics,
) -> std::sync::mpsc::Sender<Vec<Answer>> {
    let (tx, rx) = std::sync::mpsc::channel::<Vec<Answer>>();
    std::thread::Builder::new()
        .name("mudou-log-flush".into())
        .spawn(move || {
            while let Ok(mut answers) = rx.recv() {
                while let Ok(more) = rx.try_recv() {
                    answers.extend(more);
                }
                flush_and_answer(&mut log, &metrics, answers);
            }
        })
        .expect("the log flusher's thread");
    tx
}

/// Flushes the log, then answers (see [`flusher`]). Blocks for the flush.
fn flush_and_answer(
    log: &mut mudou_store::LogFlush,
    metrics: &WriterMetrics,
    answers: Vec<Answer>,
) {
    let flushed = {
        let _timer = metrics.flush_seconds.start_timer();
        log.flush()
    };
    if let Err(e) = &flushed {
        tracing::error!(error = %e, "flushing the database's log failed");
    }
    for (reply, out) in answers {
        let _ = reply.send(match &flushed {
            Ok(()) => out,
            Err(e) => Err(Failure::Unavailable(format!("flushing to disk: {e}"))),
        });
    }
}

/// Stores one batch; returns what to answer each request (answered once the commit is on
/// disk).
async fn write(
    store: &Store,
    held: &mut WriteConn,
    metrics: &WriterMetrics,
    lease_ms: i64,
    trust: Trust,
    jobs: Vec<Job>,
) -> Vec<Answer> {
    metrics.batch_size.observe(jobs.len() as f64);
    let _timer = metrics.batch_seconds.start_timer();
    let specs: HashMap<i64, Arc<OrderSpec>> = jobs.iter().filter_map(|j| j.spec.clone()).collect();
    let (work, replies): (Vec<WriteJob>, Vec<_>) =
        jobs.into_iter().map(|j| (j.job, j.reply)).unzip();
    let decide = |order_id: i64, item: &ItemLabels| match specs.get(&order_id) {
        Some(spec) => mudou_domain::live::decide_with(spec, item, trust),
        // Every label names its order's spec; an assignment of another order is refused
        // before consensus, so this is not reached.
        None => mudou_store::keep_open(order_id, item),
    };
    let result = store
        .write_batch(held, &work, now_millis(), lease_ms, decide)
        .await;
    match result {
        Ok(outcomes) => replies
            .into_iter()
            .zip(outcomes)
            .map(|(reply, out)| (reply, out.map_err(Failure::Job)))
            .collect(),
        Err(e) => {
            // The transaction itself failed (its commit, say): nothing was written.
            tracing::error!(error = %e, n = work.len(), "a write batch failed");
            let msg = e.to_string();
            replies
                .into_iter()
                .map(|reply| (reply, Err(Failure::Unavailable(msg.clone()))))
                .collect()
        }
    }
}
