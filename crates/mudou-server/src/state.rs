use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use mudou_domain::{OrderId, OrderSpec};
use mudou_media::BlobStore;
use mudou_store::Store;

use crate::error::{ApiError, ApiResult};
use crate::metrics::Metrics;
use crate::settings::Settings;
use crate::writer::Writer;

/// Shared by every handler. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// Originals and renditions of images, by SHA-256.
    pub blobs: BlobStore,
    pub settings: Arc<Settings>,
    pub metrics: Arc<Metrics>,
    /// The OpenAPI document, rendered once when the router is built.
    pub openapi: Arc<std::sync::OnceLock<serde_json::Value>>,
    /// Group commit of annotators' writes (leases, labels, heartbeats, ends of units).
    pub writer: Writer,
    /// Specs of published orders (they never change once published).
    pub specs: Arc<OrderSpecs>,
    /// The memory every decode reserves from (`Settings::decode_memory_bytes`).
    pub decode_budget: mudou_media::DecodeBudget,
}

impl AppState {
    /// The limits every decode of this server uses: the defaults, with its decode budget.
    pub fn media_limits(&self) -> mudou_media::Limits {
        mudou_media::Limits {
            budget: self.decode_budget.clone(),
            ..Default::default()
        }
    }
}

/// An order's parsed spec and name, as dispatch uses them.
#[derive(Clone)]
pub struct SpecEntry {
    pub spec: Arc<OrderSpec>,
    pub name: Arc<str>,
}

/// Parsed specs of published orders, read once. A draft's spec may still change, so
/// drafts are never kept.
#[derive(Default)]
pub struct OrderSpecs {
    map: Mutex<HashMap<i64, SpecEntry>>,
}

impl OrderSpecs {
    const CAP: usize = 10_000;

    pub async fn get(&self, store: &Store, order_id: i64) -> ApiResult<SpecEntry> {
        if let Some(e) = self.lock().get(&order_id) {
            return Ok(e.clone());
        }
        let o = store.order_by_id(OrderId::new(order_id)).await?;
        let spec: OrderSpec = serde_json::from_str(&o.spec).map_err(ApiError::internal)?;
        let e = SpecEntry {
            spec: Arc::new(spec),
            name: o.name.into(),
        };
        if o.state != "draft" {
            let mut map = self.lock();
            if map.len() >= Self::CAP {
                map.clear();
            }
            map.insert(order_id, e.clone());
        }
        Ok(e)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, SpecEntry>> {
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }
}
