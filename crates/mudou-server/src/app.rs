use std::future::Future;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use axum::error_handling::HandleErrorLayer;
use axum::http::StatusCode;
use mudou_store::{Store, StoreConfig};
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::trace::TraceLayer;

use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::settings::Settings;
use crate::state::AppState;

/// A built application: the router and the state behind it.
pub struct App {
    pub router: Router,
    pub state: AppState,
    pub openapi: utoipa::openapi::OpenApi,
}

/// Opens the database (migrating it) and assembles the router.
pub async fn build(settings: Settings) -> anyhow::Result<App> {
    std::fs::create_dir_all(&settings.data_dir)
        .with_context(|| format!("creating data folder {}", settings.data_dir.display()))?;
    let mut cfg = StoreConfig::new(settings.database_url.clone());
    cfg.pg_schema = settings.database_schema.clone();
    cfg.max_connections = settings.database_max_connections;
    let store = Store::open(&cfg).await.context("opening the database")?;
    let blobs = mudou_media::BlobStore::local(settings.data_dir.join("media"))
        .context("opening the media folder")?;
    Ok(build_with_store(settings, store, blobs))
}

pub fn build_with_store(settings: Settings, store: Store, blobs: mudou_media::BlobStore) -> App {
    let metrics = Metrics::new();
    let state = AppState {
        store,
        blobs,
        settings: Arc::new(settings),
        metrics: metrics.clone(),
        openapi: Arc::default(),
    };
    let (api, openapi) = crate::routes::router().split_for_parts();
    let rendered = serde_json::to_value(&openapi).expect("the OpenAPI document serialises");
    let _ = state.openapi.set(rendered);
    let timeout = state.settings.request_timeout;
    let router = api
        .fallback(crate::web::static_handler)
        .layer(axum::extract::DefaultBodyLimit::max(
            state.settings.max_body_bytes,
        ))
        .layer(
            ServiceBuilder::new()
                .layer(axum::middleware::from_fn(crate::error::json_errors))
                .layer(HandleErrorLayer::new(|e: tower::BoxError| async move {
                    if e.is::<tower::timeout::error::Elapsed>() {
                        ApiError::new(
                            StatusCode::SERVICE_UNAVAILABLE,
                            "timeout",
                            "the request took too long",
                        )
                    } else {
                        ApiError::internal(e)
                    }
                }))
                .timeout(timeout),
        )
        .route_layer(axum::middleware::from_fn_with_state(
            metrics,
            crate::metrics::track,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state.clone());
    App {
        router,
        state,
        openapi,
    }
}

/// Serves until `shutdown` resolves, then lets in-flight requests finish.
pub async fn serve(
    listener: TcpListener,
    app: App,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let store = app.state.store.clone();
    axum::serve(listener, app.router)
        .with_graceful_shutdown(shutdown)
        .await
        .context("serving HTTP")?;
    store.close().await;
    Ok(())
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: finishing in-flight requests");
}
