use std::sync::Arc;

use mudou_media::BlobStore;
use mudou_store::Store;

use crate::metrics::Metrics;
use crate::settings::Settings;

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
}
