use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::response::{IntoResponse, Response};
use mudou_domain::ErrorCode;
use mudou_store::{Store, StoreConfig};
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::settings::Settings;
use crate::state::AppState;

/// How often SQLite's write-ahead log is copied into the database file (see `serve`).
const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);
/// How often PostgreSQL's statistics of fast-growing tables are looked at.
const STATISTICS_EVERY: Duration = Duration::from_secs(1);

/// A built application: the router and the state behind it.
pub struct App {
    pub router: Router,
    pub state: AppState,
    /// Where `serve` also answers `/metrics` alone, without a token (`--metrics-listen`).
    metrics_listener: Option<TcpListener>,
}

impl App {
    /// Serves `/metrics` (only) on this listener too, without the metrics token.
    pub fn with_metrics_listener(mut self, listener: TcpListener) -> App {
        self.metrics_listener = Some(listener);
        self
    }
}

/// Opens the database (migrating it) and assembles the router.
pub async fn build(settings: Settings) -> anyhow::Result<App> {
    std::fs::create_dir_all(&settings.data_dir)
        .with_context(|| format!("creating data folder {}", settings.data_dir.display()))?;
    crate::routes::datasets::remove_stale_uploads(&settings.data_dir, settings.upload_timeout);
    let mut cfg = StoreConfig::new(settings.database_url.clone());
    cfg.pg_schema = settings.database_schema.clone();
    cfg.max_connections = settings.database_max_connections;
    let store = Store::open(&cfg).await.context("opening the database")?;
    let blobs = match &settings.media_s3 {
        None => mudou_media::BlobStore::local(settings.data_dir.join("media"))
            .context("opening the media folder")?,
        Some(s3) => {
            let where_ = format!("s3://{}/{}", s3.bucket, s3.prefix);
            let blobs =
                mudou_media::BlobStore::from_config(&mudou_media::BlobStoreConfig::S3(s3.clone()))
                    .with_context(|| format!("configuring media storage {where_}"))?;
            blobs
                .check()
                .await
                .with_context(|| format!("reaching media storage {where_}"))?;
            tracing::info!(media = %where_, endpoint = ?s3.endpoint, "media on S3-compatible storage");
            blobs
        }
    };
    Ok(build_with_store(settings, store, blobs))
}

pub fn build_with_store(settings: Settings, store: Store, blobs: mudou_media::BlobStore) -> App {
    let metrics = Metrics::new();
    let decode_budget =
        mudou_media::DecodeBudget::new(settings.decode_memory_bytes, settings.decode_wait);
    metrics.watch_decode_budget(&decode_budget);
    let services = mudou_app::Services::start(
        store,
        blobs,
        decode_budget,
        metrics.writer.clone(),
        crate::routes::work::LEASE.as_millis() as i64,
        settings.live_trust,
    );
    let state = AppState {
        services,
        settings: Arc::new(settings),
        metrics: metrics.clone(),
        openapi: Arc::default(),
    };
    let (api, openapi) = crate::routes::router().split_for_parts();
    let mut rendered = serde_json::to_value(&openapi).expect("the OpenAPI document serialises");
    crate::routes::contract(&mut rendered);
    let _ = state.openapi.set(rendered);
    let timeout = state.settings.request_timeout;
    let router = api
        .fallback(crate::web::static_handler)
        .layer(axum::extract::DefaultBodyLimit::max(
            state.settings.max_body_bytes,
        ))
        .layer(axum::middleware::from_fn_with_state(
            Timeouts {
                request: timeout,
                upload: state.settings.upload_timeout,
            },
            time_limit,
        ))
        .layer(axum::middleware::from_fn(crate::error::json_errors))
        .layer(axum::middleware::from_fn(crate::browser::same_origin))
        .route_layer(axum::middleware::from_fn_with_state(
            metrics,
            crate::metrics::track,
        ))
        // A handler that panics answers 500 `internal` instead of dropping the connection.
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            |_: Box<dyn std::any::Any + Send>| {
                ApiError::internal("a request handler panicked").into_response()
            },
        ))
        .layer(TraceLayer::new_for_http());
    let router = with_security_headers(router, &state.settings).with_state(state.clone());
    App {
        router,
        state,
        metrics_listener: None,
    }
}

/// Every answer, errors and the web app's files included, gets the security headers
/// (`crate::browser`).
fn with_security_headers<S: Clone + Send + Sync + 'static>(
    router: Router<S>,
    settings: &Settings,
) -> Router<S> {
    router.layer(axum::middleware::map_response_with_state(
        settings.secure_cookies,
        crate::browser::security_headers,
    ))
}

#[derive(Clone, Copy)]
struct Timeouts {
    request: Duration,
    upload: Duration,
}

/// Answers 503 `timeout` when a request takes too long. Uploads (`POST …/files`, streamed to
/// disk) get their own, longer limit; their processing, once the body is in, runs to the end
/// in its own task whatever happens to the connection.
async fn time_limit(
    axum::extract::State(t): axum::extract::State<Timeouts>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let is_upload =
        req.method() == axum::http::Method::POST && req.uri().path().ends_with("/files");
    let limit = if is_upload { t.upload } else { t.request };
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(res) => res,
        Err(_) => ApiError::new(ErrorCode::Timeout, "the request took too long").into_response(),
    }
}

/// Serves until `shutdown` resolves, then lets in-flight requests finish.
pub async fn serve(
    listener: TcpListener,
    app: App,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let store = app.state.store.clone();
    // Leaves the labels of quality-paused stretches out of consensus (mudou_app::review).
    let sweep = tokio::spawn(mudou_app::review::sweep_loop(app.state.services.clone()));
    // Tells leads and admins when an open order pays under a centre's minimum wage.
    let wage_sweep = tokio::spawn(mudou_app::wage::sweep_loop(app.state.services.clone()));
    // Asks orders' model backends for suggestions and tells them of settled items.
    let model_backends = tokio::spawn(crate::model_backend::worker_loop(
        app.state.clone(),
        own_base(&app.state.settings, &listener),
    ));
    // SQLite's write-ahead log is copied into the database file here, on a connection and
    // thread of its own, every tenth of a second. Under load the writer's commits add up to
    // ~230 MB of log a second (each small commit writes its changed pages whole); copied only
    // every second, the log passed the write connection's own mark (`wal_autocheckpoint`,
    // 64 MB) a few times a second, and then the writer's commit copied everything since the
    // last copy itself: ~30 ms on the path of every waiting answer
    // (`benches/dispatch/RESULTS.md`, "A seventh box"). Now such a commit finds at most a
    // tenth of a second's log left to copy. With nothing to copy a check costs ~0.1 ms.
    // (Turning the writer's mark off instead let the log grow to gigabytes: it starts again
    // from its beginning only when a writer finds it all copied, and a restarting checkpoint
    // made readers fail with "database is locked".)
    // PostgreSQL's statistics of fast-growing tables are looked at every second: a young
    // order's labels outgrow the statistics of their (nearly empty) tables within seconds,
    // and until those are taken again PostgreSQL's plans count a few rows per order (looked
    // at every five seconds, the label batches' look-ups read every label of the order for
    // the first seconds of the dispatch bench). The look is one small query.
    let checkpoints = tokio::spawn({
        let store = store.clone();
        let metrics = app.state.metrics.clone();
        let sqlite = store.backend() == mudou_store::Backend::Sqlite;
        async move {
            let every = if sqlite {
                CHECKPOINT_EVERY
            } else {
                STATISTICS_EVERY
            };
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if sqlite {
                    let _timer = metrics.checkpoint_seconds.start_timer();
                    if let Err(e) = store.checkpoint().await {
                        tracing::warn!(error = %e, "checkpoint");
                    }
                } else {
                    match store.refresh_statistics().await {
                        Ok(t) if !t.is_empty() => tracing::debug!(tables = ?t, "analyzed"),
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, "refreshing statistics"),
                    }
                }
            }
        }
    });
    // The metrics address stops with the main one (scrapes are short: at most 5 s more).
    let metrics_only = app.metrics_listener.map(|l| {
        let router = with_security_headers(
            crate::routes::health::metrics_only(app.state.clone()),
            &app.state.settings,
        );
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let stopped = async {
                let _ = stopped.await;
            };
            if let Err(e) = axum::serve(l, router).with_graceful_shutdown(stopped).await {
                tracing::error!(error = %e, "serving /metrics on its own address");
            }
        });
        (stop, task)
    });
    // The peer's address reaches handlers as `ConnectInfo` (login throttling, `auth::ClientAddr`).
    let served = axum::serve(
        listener,
        app.router
            .into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
    .context("serving HTTP");
    if let Some((stop, task)) = metrics_only {
        let _ = stop.send(());
        let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
    }
    sweep.abort();
    let _ = sweep.await;
    wage_sweep.abort();
    let _ = wage_sweep.await;
    model_backends.abort();
    let _ = model_backends.await;
    checkpoints.abort();
    let _ = checkpoints.await;
    served?;
    store.close().await;
    Ok(())
}

/// The address others reach this server at (signed picture links for model backends): the
/// configured public address, else the listener's (loopback when it listens everywhere).
fn own_base(settings: &Settings, listener: &TcpListener) -> String {
    if let Some(u) = &settings.public_url {
        return u.trim_end_matches('/').to_owned();
    }
    let scheme = if settings.secure_cookies {
        "https"
    } else {
        "http"
    };
    match listener.local_addr() {
        Ok(mut a) => {
            if a.ip().is_unspecified() {
                a.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
            }
            format!("{scheme}://{a}")
        }
        Err(_) => format!("{scheme}://{}", settings.listen),
    }
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
