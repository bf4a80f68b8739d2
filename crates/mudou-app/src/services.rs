//! [`Services`]: what the use-cases work with — the store, the media, the annotators' writer,
//! the cache of published specs and the decode memory budget. One per running application;
//! cheap to clone. The server's state holds one (and derefs to it), the command line builds
//! a server and hands its services to the use-cases.

use std::sync::Arc;

use mudou_media::{BlobStore, DecodeBudget, Limits};
use mudou_store::Store;

use crate::specs::OrderSpecs;
use crate::writer::{Writer, WriterMetrics};

#[derive(Clone)]
pub struct Services {
    pub store: Store,
    /// Originals and renditions of images, by SHA-256.
    pub blobs: BlobStore,
    /// Group commit of annotators' writes (leases, labels, heartbeats, ends of units).
    pub writer: Writer,
    /// Specs of published orders (they never change once published).
    pub specs: Arc<OrderSpecs>,
    /// The memory every decode reserves from.
    pub decode_budget: DecodeBudget,
}

impl Services {
    /// Starts the writer (leases last `lease_ms`; the live consensus trusts workers as
    /// `trust` says) and gathers the rest.
    pub fn start(
        store: Store,
        blobs: BlobStore,
        decode_budget: DecodeBudget,
        writer_metrics: WriterMetrics,
        lease_ms: i64,
        trust: mudou_domain::live::Trust,
    ) -> Services {
        let writer = Writer::start(store.clone(), writer_metrics, lease_ms, trust);
        Services {
            store,
            blobs,
            writer,
            specs: Arc::default(),
            decode_budget,
        }
    }

    /// The limits every decode of this application uses: the defaults, with its decode budget.
    pub fn media_limits(&self) -> Limits {
        Limits {
            budget: self.decode_budget.clone(),
            ..Default::default()
        }
    }
}
