//! Group commit for labels: concurrent `POST /work/labels` requests are queued and
//! stored together, many in one transaction.
//!
//! A writer task takes whatever is waiting (up to [`MAX_BATCH`]), hands it to
//! [`Store::submit_labels`] and answers each request with its own outcome. There is no
//! timer: while one batch commits, the next one gathers, so a lone label is stored at
//! once and a busy server commits fewer, larger transactions. A label is answered only
//! after its transaction committed.

use std::collections::HashMap;
use std::sync::Arc;

use mudou_domain::OrderSpec;
use mudou_store::{Backend, NewLabel, Store, StoreError, SubmitOutcome, SubmitRefusal, now_millis};
use tokio::sync::{mpsc, oneshot};

use crate::error::ApiError;
use crate::metrics::Metrics;

/// Labels per transaction at most.
pub const MAX_BATCH: usize = 256;
/// Requests that may wait for a writer before senders are held back.
const QUEUE: usize = 8192;

pub type Outcome = Result<SubmitOutcome, SubmitRefusal>;

struct Job {
    label: NewLabel,
    order_id: i64,
    spec: Arc<OrderSpec>,
    reply: oneshot::Sender<Result<Outcome, StoreError>>,
}

/// The queue in front of the label writers. Cheap to clone.
#[derive(Clone)]
pub struct LabelWriter {
    tx: mpsc::Sender<Job>,
}

impl LabelWriter {
    /// Starts the writers: one on SQLite (one writer at a time anyway), two on PostgreSQL
    /// (row locks let two batches of different items commit side by side).
    pub fn start(store: Store, metrics: Arc<Metrics>, lease_ms: i64) -> LabelWriter {
        let (tx, rx) = mpsc::channel::<Job>(QUEUE);
        let rx = Arc::new(tokio::sync::Mutex::new(rx));
        let writers = match store.backend() {
            Backend::Sqlite => 1,
            Backend::Postgres => 2,
        };
        for _ in 0..writers {
            let (store, metrics, rx) = (store.clone(), metrics.clone(), rx.clone());
            tokio::spawn(async move {
                loop {
                    let jobs = {
                        let mut rx = rx.lock().await;
                        let Some(first) = rx.recv().await else { break };
                        let mut jobs = vec![first];
                        while jobs.len() < MAX_BATCH {
                            match rx.try_recv() {
                                Ok(j) => jobs.push(j),
                                Err(_) => break,
                            }
                        }
                        jobs
                    };
                    write(&store, &metrics, lease_ms, jobs).await;
                }
            });
        }
        LabelWriter { tx }
    }

    /// Stores one label with whatever else is waiting; answers after the commit.
    pub async fn submit(
        &self,
        label: NewLabel,
        order_id: i64,
        spec: Arc<OrderSpec>,
    ) -> Result<Outcome, ApiError> {
        let (reply, rx) = oneshot::channel();
        let job = Job {
            label,
            order_id,
            spec,
            reply,
        };
        let gone = || ApiError::internal("the label writer has stopped");
        self.tx.send(job).await.map_err(|_| gone())?;
        Ok(rx.await.map_err(|_| gone())??)
    }
}

async fn write(store: &Store, metrics: &Metrics, lease_ms: i64, jobs: Vec<Job>) {
    metrics.label_batch_size.observe(jobs.len() as f64);
    let specs: HashMap<i64, Arc<OrderSpec>> =
        jobs.iter().map(|j| (j.order_id, j.spec.clone())).collect();
    let (labels, replies): (Vec<NewLabel>, Vec<_>) =
        jobs.into_iter().map(|j| (j.label, j.reply)).unzip();
    let decide = |order_id: i64, item: &mudou_store::ItemLabels| match specs.get(&order_id) {
        Some(spec) => crate::consensus::decide(spec, item),
        // Every label names its order's spec; an assignment of another order is refused
        // before consensus, so this is not reached.
        None => mudou_store::ConsensusUpdate {
            state: "open",
            answer: None,
            confidence: None,
            needed: item.needed,
            agrees: Vec::new(),
        },
    };
    let mut result = store
        .submit_labels(&labels, now_millis(), lease_ms, decide)
        .await;
    for _ in 0..3 {
        match &result {
            // PostgreSQL broke a deadlock by rolling this batch back: nothing was written.
            Err(e) if e.is_transient() => {
                result = store
                    .submit_labels(&labels, now_millis(), lease_ms, decide)
                    .await;
            }
            _ => break,
        }
    }
    match result {
        Ok(outcomes) => {
            for (reply, out) in replies.into_iter().zip(outcomes) {
                let _ = reply.send(Ok(out));
            }
        }
        Err(e) if labels.len() > 1 => {
            // One label's trouble (say, the same UUID committed by another process a moment
            // ago) must not fail the others: take them one at a time.
            tracing::debug!(error = %e, n = labels.len(), "label batch failed; retrying one by one");
            for (label, reply) in labels.into_iter().zip(replies) {
                let one = std::slice::from_ref(&label);
                let mut out = store
                    .submit_labels(one, now_millis(), lease_ms, decide)
                    .await;
                for _ in 0..3 {
                    match &out {
                        // Its UUID was committed elsewhere meanwhile (now it is a replay), or
                        // a deadlock was broken: try again.
                        Err(e) if e.is_transient() || matches!(e, StoreError::Conflict(_)) => {
                            out = store
                                .submit_labels(one, now_millis(), lease_ms, decide)
                                .await;
                        }
                        _ => break,
                    }
                }
                let _ = reply.send(out.map(|mut v| v.pop().expect("one outcome")));
            }
        }
        Err(e) => {
            if let Some(reply) = replies.into_iter().next() {
                let _ = reply.send(Err(e));
            }
        }
    }
}
