//! Mudou's HTTP service. `build` makes the application from [`Settings`];
//! `serve` runs it on a listener until a shutdown signal, letting in-flight
//! requests finish. Tests bind port 0 and drive the real thing over HTTP.

pub mod auth;
pub mod browser;
pub mod csv_out;
pub mod error;
pub mod extract;
pub mod metrics;
pub mod model_backend;
pub mod routes;
pub mod settings;
pub mod state;
pub mod web;

mod app;

pub use app::{App, build, build_with_store, serve, shutdown_signal};
pub use error::ApiError;
pub use settings::Settings;
pub use state::AppState;
