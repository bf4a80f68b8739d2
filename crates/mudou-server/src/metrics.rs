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
    /// The group commit's batches and log flushes (`mudou_app::writer`).
    pub writer: mudou_app::writer::WriterMetrics,
    /// SQLite: the background copies of the log into the database file (every 100 ms).
    pub checkpoint_seconds: prometheus::Histogram,
    /// Model suggestions stored, by source (`import`, `backend`, `planted`).
    pub suggestions_stored_total: IntCounterVec,
    /// Model suggestions dropped, by source and reason (`unknown_item`,
    /// `unknown_question`, `does_not_fit`, `garbage`, `timeout`, `backend_error`, …).
    pub suggestions_dropped_total: IntCounterVec,
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
        let dispatch_seconds = histogram(
            "mudou_dispatch_seconds",
            "Time to find and lease a work unit",
            vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
            ],
        );
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
        let writer = mudou_app::writer::WriterMetrics::new();
        let checkpoint_seconds = histogram(
            "mudou_checkpoint_seconds",
            "SQLite: time to copy the write-ahead log into the database file (a background job, every 100 ms)",
            prometheus::exponential_buckets(0.0001, 2.0, 16).expect("valid buckets"),
        );
        let suggestions_stored_total = IntCounterVec::new(
            Opts::new(
                "mudou_suggestions_stored_total",
                "Model suggestions stored, by source",
            ),
            &["source"],
        )
        .expect("valid metric");
        let suggestions_dropped_total = IntCounterVec::new(
            Opts::new(
                "mudou_suggestions_dropped_total",
                "Model suggestions dropped, by source and reason",
            ),
            &["source", "reason"],
        )
        .expect("valid metric");
        for m in [
            Box::new(dispatch_seconds.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(suggestions_stored_total.clone()),
            Box::new(suggestions_dropped_total.clone()),
            Box::new(checkpoint_seconds.clone()),
            Box::new(labels_submitted_total.clone()),
            Box::new(leases_expired_total.clone()),
            Box::new(active_assignments.clone()),
            Box::new(items_waiting.clone()),
        ] {
            registry.register(m).expect("registers once");
        }
        writer.register(&registry).expect("registers once");
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
            writer,
            checkpoint_seconds,
            suggestions_stored_total,
            suggestions_dropped_total,
        })
    }

    /// Reports the decode memory budget at every scrape: `mudou_decode_memory_budget_bytes`,
    /// `mudou_decode_memory_reserved_bytes` (now), `mudou_decode_memory_reserved_max_bytes`
    /// (the most at once since start), `mudou_decode_memory_waits_total` (decodes that waited
    /// for room) and `mudou_decode_memory_busy_total` (refused after waiting in vain).
    pub fn watch_decode_budget(&self, budget: &mudou_media::DecodeBudget) {
        let gauge =
            |name: &str, help: &str| prometheus::IntGauge::new(name, help).expect("valid metric");
        let counter =
            |name: &str, help: &str| prometheus::IntCounter::new(name, help).expect("valid metric");
        let c = DecodeBudgetCollector {
            budget: budget.clone(),
            total: gauge(
                "mudou_decode_memory_budget_bytes",
                "Memory all image decodes at once may reserve (--decode-memory-mb)",
            ),
            reserved: gauge(
                "mudou_decode_memory_reserved_bytes",
                "Memory reserved by image decodes now",
            ),
            high_water: gauge(
                "mudou_decode_memory_reserved_max_bytes",
                "The most memory image decodes reserved at once since start",
            ),
            waited: counter(
                "mudou_decode_memory_waits_total",
                "Image decodes that waited for decode memory",
            ),
            busy: counter(
                "mudou_decode_memory_busy_total",
                "Image decodes refused (decode_busy) after waiting in vain for decode memory",
            ),
        };
        if let Err(e) = self.registry.register(Box::new(c)) {
            tracing::error!(error = %e, "registering the decode memory metrics");
        }
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        self.render_with(Vec::new())
    }

    /// The text exposition format, with families made at scrape time added.
    pub fn render_with(&self, extra: Vec<prometheus::proto::MetricFamily>) -> String {
        let mut families = self.registry.gather();
        // A family without a point (no centre has labels yet) would stop the encoder there.
        families.extend(extra.into_iter().filter(|f| !f.get_metric().is_empty()));
        let mut buf = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&families, &mut buf) {
            tracing::error!(error = %e, "encoding metrics");
        }
        String::from_utf8(buf).unwrap_or_default()
    }
}

/// The decode budget's figures, read at each scrape.
struct DecodeBudgetCollector {
    budget: mudou_media::DecodeBudget,
    total: prometheus::IntGauge,
    reserved: prometheus::IntGauge,
    high_water: prometheus::IntGauge,
    waited: prometheus::IntCounter,
    busy: prometheus::IntCounter,
}

impl prometheus::core::Collector for DecodeBudgetCollector {
    fn desc(&self) -> Vec<&prometheus::core::Desc> {
        [
            self.total.desc(),
            self.reserved.desc(),
            self.high_water.desc(),
            self.waited.desc(),
            self.busy.desc(),
        ]
        .concat()
    }

    fn collect(&self) -> Vec<prometheus::proto::MetricFamily> {
        let b = &self.budget;
        let clamp = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        self.total.set(clamp(b.total()));
        self.reserved.set(clamp(b.reserved()));
        self.high_water.set(clamp(b.high_water()));
        self.waited
            .inc_by(b.waited().saturating_sub(self.waited.get()));
        self.busy
            .inc_by(b.timed_out().saturating_sub(self.busy.get()));
        [
            self.total.collect(),
            self.reserved.collect(),
            self.high_water.collect(),
            self.waited.collect(),
            self.busy.collect(),
        ]
        .concat()
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

/// Centre throughput from the database at scrape time (so every process of a deployment
/// reports the same, complete figures: aggregate them with `max`, not `sum`):
/// `mudou_labels_total`, `mudou_items_resolved_total`, `mudou_earnings_fen_total` (fen
/// credited: piece pay, bonuses, positive adjustments), `mudou_earnings_reversed_fen_total`
/// (fen taken back) and `mudou_active_annotators` (holding a live work unit), by centre id.
pub fn centre_families(
    totals: &[mudou_store::CentreTotals],
    active: &[(i64, i64)],
) -> Vec<prometheus::proto::MetricFamily> {
    use prometheus::proto::{Counter, Gauge, LabelPair, Metric, MetricFamily, MetricType};
    let family = |name: &str, help: &str, kind: MetricType, points: Vec<(i64, f64)>| {
        let mut f = MetricFamily::default();
        f.set_name(name.to_owned());
        f.set_help(help.to_owned());
        f.set_field_type(kind);
        for (centre, v) in points {
            let mut l = LabelPair::default();
            l.set_name("centre".to_owned());
            l.set_value(centre.to_string());
            let mut m = Metric::from_label(vec![l]);
            if kind == MetricType::COUNTER {
                let mut c = Counter::default();
                c.set_value(v);
                m.set_counter(c);
            } else {
                let mut g = Gauge::default();
                g.set_value(v);
                m.set_gauge(g);
            }
            f.mut_metric().push(m);
        }
        f
    };
    let each = |get: fn(&mudou_store::CentreTotals) -> i64| {
        totals
            .iter()
            .map(|t| (t.centre_id, get(t) as f64))
            .collect::<Vec<_>>()
    };
    // Every centre with totals shows a gauge, 0 when nobody works there now.
    let mut now: Vec<(i64, f64)> = totals.iter().map(|t| (t.centre_id, 0.0)).collect();
    for (centre, n) in active {
        match now.iter_mut().find(|p| p.0 == *centre) {
            Some(p) => p.1 = *n as f64,
            None => now.push((*centre, *n as f64)),
        }
    }
    now.sort_by_key(|p| p.0);
    vec![
        family(
            "mudou_labels_total",
            "Answers stored, by centre (from the database)",
            MetricType::COUNTER,
            each(|t| t.labels),
        ),
        family(
            "mudou_items_resolved_total",
            "Items whose consensus was completed, by centre (from the database)",
            MetricType::COUNTER,
            each(|t| t.resolved),
        ),
        family(
            "mudou_earnings_fen_total",
            "Pay credited to annotators in fen: piece pay, bonuses and positive adjustments, by centre (from the database)",
            MetricType::COUNTER,
            each(|t| t.credited_fen),
        ),
        family(
            "mudou_earnings_reversed_fen_total",
            "Pay taken back in fen: reversals and negative adjustments, by centre (from the database)",
            MetricType::COUNTER,
            each(|t| t.debited_fen),
        ),
        family(
            "mudou_active_annotators",
            "Annotators holding a live work unit now, by centre (from the database)",
            MetricType::GAUGE,
            now,
        ),
    ]
}

/// A histogram with its buckets (names and help are fixed strings: it cannot fail).
fn histogram(name: &str, help: &str, buckets: Vec<f64>) -> prometheus::Histogram {
    prometheus::Histogram::with_opts(HistogramOpts::new(name, help).buckets(buckets))
        .expect("valid metric")
}

/// The secret that opens `/metrics` on the main listener (`--metrics-token`,
/// `MUDOU_METRICS_TOKEN`), sent by the scraper as `Authorization: Bearer <token>`. `Debug`
/// never shows it, and it is compared in constant time.
#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(try_from = "String")]
pub struct MetricsToken(String);

impl MetricsToken {
    /// At least this many characters, so it cannot be guessed.
    pub const MIN_LEN: usize = 16;

    /// Whether `given` is the token, in time that does not depend on where they differ (both
    /// are hashed first, so neither does it tell the token's length).
    pub fn matches(&self, given: &str) -> bool {
        use sha2::{Digest, Sha256};
        use subtle::ConstantTimeEq;
        let want = Sha256::digest(self.0.as_bytes());
        let got = Sha256::digest(given.as_bytes());
        want.ct_eq(&got).into()
    }

    /// The token itself, for a program that must hand it on (the demo prints it).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for MetricsToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MetricsToken(redacted)")
    }
}

impl std::str::FromStr for MetricsToken {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s.len() < Self::MIN_LEN || !s.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(format!(
                "the metrics token must be at least {} visible ASCII characters without spaces (e.g. `openssl rand -hex 32`)",
                Self::MIN_LEN
            ));
        }
        Ok(MetricsToken(s.to_owned()))
    }
}

impl TryFrom<String> for MetricsToken {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_metrics_token_is_checked_and_never_shown() {
        let t: MetricsToken = "0123456789abcdef-secret".parse().unwrap();
        assert!(t.matches("0123456789abcdef-secret"));
        assert!(!t.matches("0123456789abcdef-secreT"));
        assert!(!t.matches("0123456789abcdef-secret "));
        assert!(!t.matches(""));
        let shown = format!("{t:?} {:?}", Some(t.clone()));
        assert!(!shown.contains("secret"), "{shown}");
        assert!("short".parse::<MetricsToken>().is_err());
        assert!("has a space in it, long".parse::<MetricsToken>().is_err());
    }

    #[test]
    fn centre_families_render_before_any_label() {
        // Someone holds a unit, and no centre has totals yet.
        let text = Metrics::new().render_with(centre_families(&[], &[(7, 2)]));
        assert!(
            text.contains("mudou_active_annotators{centre=\"7\"} 2"),
            "{text}"
        );
        assert!(!text.contains("mudou_labels_total"), "{text}");
    }
}
