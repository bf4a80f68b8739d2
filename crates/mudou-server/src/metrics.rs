//! Prometheus metrics. HTTP metrics are labelled by the matched route template,
//! never the raw path, so their cardinality stays bounded.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder,
};

pub struct Metrics {
    pub registry: Registry,
    pub http_requests_total: IntCounterVec,
    pub http_request_duration_seconds: HistogramVec,
    /// Time to find and lease a unit (`GET /api/v1/work/next`).
    pub dispatch_seconds: prometheus::Histogram,
    /// Labels stored, by centre id.
    pub labels_submitted_total: IntCounterVec,
    /// Leases that ran out before their unit was submitted.
    pub leases_expired_total: prometheus::IntCounter,
    /// Live assignments (set at each scrape).
    pub active_assignments: prometheus::IntGauge,
    /// Items still needing labels, by open order (set at each scrape).
    pub items_waiting: prometheus::IntGaugeVec,
}

impl Metrics {
    pub fn new() -> Arc<Metrics> {
        let registry = Registry::new();
        let http_requests_total = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests answered, by method, matched route and status",
            ),
            &["method", "route", "status"],
        )
        .expect("valid metric");
        let http_request_duration_seconds = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "HTTP request latency by method and matched route",
            )
            .buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                10.0,
            ]),
            &["method", "route"],
        )
        .expect("valid metric");
        let dispatch_seconds = prometheus::Histogram::with_opts(
            HistogramOpts::new(
                "mudou_dispatch_seconds",
                "Time to find and lease a work unit",
            )
            .buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
            ]),
        )
        .expect("valid metric");
        let labels_submitted_total = IntCounterVec::new(
            Opts::new("mudou_labels_submitted_total", "Labels stored, by centre"),
            &["centre"],
        )
        .expect("valid metric");
        let leases_expired_total = prometheus::IntCounter::new(
            "mudou_leases_expired_total",
            "Leases that ran out before submit",
        )
        .expect("valid metric");
        let active_assignments =
            prometheus::IntGauge::new("mudou_active_assignments", "Work units leased right now")
                .expect("valid metric");
        let items_waiting = prometheus::IntGaugeVec::new(
            Opts::new(
                "mudou_items_waiting",
                "Items still needing labels, by open order",
            ),
            &["order"],
        )
        .expect("valid metric");
        for m in [
            Box::new(dispatch_seconds.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(labels_submitted_total.clone()),
            Box::new(leases_expired_total.clone()),
            Box::new(active_assignments.clone()),
            Box::new(items_waiting.clone()),
        ] {
            registry.register(m).expect("registers once");
        }
        registry
            .register(Box::new(http_requests_total.clone()))
            .expect("registers once");
        registry
            .register(Box::new(http_request_duration_seconds.clone()))
            .expect("registers once");
        #[cfg(target_os = "linux")]
        registry
            .register(Box::new(
                prometheus::process_collector::ProcessCollector::for_self(),
            ))
            .expect("registers once");
        Arc::new(Metrics {
            registry,
            http_requests_total,
            http_request_duration_seconds,
            dispatch_seconds,
            labels_submitted_total,
            leases_expired_total,
            active_assignments,
            items_waiting,
        })
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&self.registry.gather(), &mut buf) {
            tracing::error!(error = %e, "encoding metrics");
        }
        String::from_utf8(buf).unwrap_or_default()
    }
}

/// Records every request's count and latency.
pub async fn track(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| {
            if req.uri().path().starts_with("/api/") {
                "unmatched"
            } else {
                "static"
            }
            .to_owned()
        });
    let method = req.method().as_str().to_owned();
    let start = Instant::now();
    let res = next.run(req).await;
    let secs = start.elapsed().as_secs_f64();
    metrics
        .http_request_duration_seconds
        .with_label_values(&[&method, &route])
        .observe(secs);
    metrics
        .http_requests_total
        .with_label_values(&[&method, &route, res.status().as_str()])
        .inc();
    res
}
