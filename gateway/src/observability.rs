//! Logs, Prometheus metrics and per-request SQL statistics.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sea_orm::DatabaseConnection;
use tracing_subscriber::EnvFilter;

/// Installs the global tracing subscriber: human-readable, or JSON lines when asked.
pub fn init_logging(format: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = if format.eq_ignore_ascii_case("json") {
        builder.json().flatten_event(true).with_current_span(true).try_init()
    } else {
        builder.try_init()
    };
}

/// The process-wide Prometheus recorder (installed once, shared by every router in the
/// process, as tests build many).
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &buckets)
                .unwrap_or_else(|_| PrometheusBuilder::new());
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// Counts requests and records their latency, labelled by route and status.
pub async fn track_requests(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let path =
        request.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().to_string();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    let labels = [("path", path), ("method", method), ("status", status)];
    metrics::counter!("scriptorium_http_requests_total", &labels).increment(1);
    metrics::histogram!("scriptorium_http_request_duration_seconds", &labels).record(started.elapsed().as_secs_f64());
    response
}

/// SQL statements run for one request, and their total time.
#[derive(Default, Debug)]
pub struct SqlStats {
    statements: AtomicU64,
    micros: AtomicU64,
}

impl SqlStats {
    pub fn json(&self) -> serde_json::Value {
        let micros = self.micros.load(Ordering::Relaxed);
        serde_json::json!({
            "statements": self.statements.load(Ordering::Relaxed),
            "millis": micros as f64 / 1000.0,
        })
    }
}

/// Makes `db` count every statement into the process metrics and, when given, into `stats`.
/// sea-orm keeps the callback per connection handle and passes it to the transactions it
/// begins, so a per-request clone of the pool handle sees exactly that request's statements.
pub fn count_statements(db: &mut DatabaseConnection, stats: Option<Arc<SqlStats>>) {
    db.set_metric_callback(move |info| {
        metrics::counter!("scriptorium_sql_statements_total").increment(1);
        metrics::histogram!("scriptorium_sql_statement_duration_seconds").record(info.elapsed.as_secs_f64());
        if info.failed {
            metrics::counter!("scriptorium_sql_statement_failures_total").increment(1);
        }
        tracing::debug!(target: "scriptorium::sql", micros = info.elapsed.as_micros() as u64, failed = info.failed, sql = %info.statement);
        if let Some(stats) = &stats {
            stats.statements.fetch_add(1, Ordering::Relaxed);
            stats.micros.fetch_add(info.elapsed.as_micros() as u64, Ordering::Relaxed);
        }
    });
}
