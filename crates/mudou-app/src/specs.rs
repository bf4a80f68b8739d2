//! The parsed specs of published orders, kept in memory: dispatch and every label read an
//! order's spec. A published spec changes only by a new instructions version, which
//! drops the kept entry ([`OrderSpecs::forget`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use mudou_domain::{OrderId, OrderSpec};
use mudou_store::Store;

use crate::error::{AppError, AppResult};

/// An order's parsed spec and name, as dispatch uses them.
#[derive(Clone)]
pub struct SpecEntry {
    pub spec: Arc<OrderSpec>,
    pub name: Arc<str>,
    /// The version of its instructions in force (see [`OrderSpecs::forget`]).
    pub instructions_version: i64,
}

/// Parsed specs of published orders, read once. A draft's spec may still change, so
/// drafts are never kept.
#[derive(Default)]
pub struct OrderSpecs {
    map: Mutex<HashMap<i64, SpecEntry>>,
}

impl OrderSpecs {
    const CAP: usize = 10_000;

    pub async fn get(&self, store: &Store, order_id: i64) -> AppResult<SpecEntry> {
        if let Some(e) = self.lock().get(&order_id) {
            return Ok(e.clone());
        }
        let o = store.order_by_id(OrderId::new(order_id)).await?;
        let spec: OrderSpec = serde_json::from_str(&o.spec).map_err(AppError::internal)?;
        let e = SpecEntry {
            spec: Arc::new(spec),
            name: o.name.into(),
            instructions_version: o.instructions_version,
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

    /// Drops an order's kept spec: its instructions changed (a new version), so the next
    /// read takes the new spec and version from the store.
    pub fn forget(&self, order_id: i64) {
        self.lock().remove(&order_id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, SpecEntry>> {
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }
}
