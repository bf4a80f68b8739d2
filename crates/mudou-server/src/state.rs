//! The state every handler receives: the application's [`Services`] (store, media, writer,
//! spec cache: what the use-cases of `mudou_app` work with; `AppState` derefs to them) and
//! what only the HTTP side needs (settings, metrics, the rendered OpenAPI document).

use std::sync::Arc;

use mudou_app::Services;

use crate::metrics::Metrics;
use crate::settings::Settings;

/// Shared by every handler. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub services: Services,
    pub settings: Arc<Settings>,
    pub metrics: Arc<Metrics>,
    /// The OpenAPI document, rendered once when the router is built.
    pub openapi: Arc<std::sync::OnceLock<serde_json::Value>>,
}

impl std::ops::Deref for AppState {
    type Target = Services;
    fn deref(&self) -> &Services {
        &self.services
    }
}
