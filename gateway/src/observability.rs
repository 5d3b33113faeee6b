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

use crate::config::LogFormat;

/// Installs the global tracing subscriber: lines for people (coloured only on a terminal), or
/// JSON lines.
pub fn init_logging(format: LogFormat) {
    use std::io::IsTerminal;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(true).try_init(),
        LogFormat::Text => builder.with_ansi(std::io::stdout().is_terminal()).try_init(),
    };
}

/// The GraphQL operation names a response answered, for the request's log line (the transport
/// puts them in the response's extensions).
#[derive(Clone, Debug, Default)]
pub struct OperationNames(pub String);

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

/// The method label: the standard methods by name, anything else `OTHER`. A label's values
/// must come from a closed set, or a client sending made-up methods grows `/metrics` (and the
/// recorder's memory) without bound.
fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        _ => "OTHER",
    }
}

/// Counts requests and records their latency, labelled by route template (every unmatched path
/// is `unmatched`), method (closed set) and status; and logs one line per request at info:
/// method, path, GraphQL operations, status, duration and request id.
pub async fn track_requests(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let path =
        request.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = method_label(request.method());
    let request_id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let response = next.run(request).await;
    let operations = response.extensions().get::<OperationNames>().map(|o| o.0.clone()).unwrap_or_default();
    tracing::info!(
        method,
        path = %path,
        operation = %operations,
        status = response.status().as_u16(),
        millis = started.elapsed().as_secs_f64() * 1000.0,
        request_id = %request_id,
        "request"
    );
    let status = response.status().as_u16().to_string();
    let labels = [("path", path), ("method", method.to_owned()), ("status", status)];
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

/// Column names that hold secrets or their hashes. By convention every such column's name says
/// so (`password_hash`, `token_hash`, `..._secret`), so a new one is covered by naming it well;
/// and the outbox (`notifications`), whose data carries a reset or sign-in link until it is sent.
const SECRET_COLUMN_MARKS: [&str; 5] = ["hash", "secret", "password", "token", "notifications"];

/// A statement as the SQL log shows it: with its bound values written in, unless it touches a
/// secret column, when the values are withheld (the SQL with placeholders is still shown).
pub fn loggable_sql(statement: &sea_orm::Statement) -> String {
    let sql = statement.sql.to_ascii_lowercase();
    if SECRET_COLUMN_MARKS.iter().any(|mark| sql.contains(mark)) {
        let values = statement.values.as_ref().map_or(0, |v| v.0.len());
        format!("{} -- {values} values withheld", statement.sql)
    } else {
        statement.to_string()
    }
}

/// Makes `db` count every statement into the process metrics and, when given, into `stats`.
/// sea-orm keeps the callback per connection handle and passes it to the transactions it
/// begins, so a per-request clone of the pool handle sees exactly that request's statements
/// (the tenant and session lookups; on PostgreSQL the request's own transaction tells
/// [`statement_counter`]'s callback).
pub fn count_statements(db: &mut DatabaseConnection, stats: Option<Arc<SqlStats>>) {
    let count = statement_counter(stats);
    db.set_metric_callback(move |info| count(info));
}

/// What [`count_statements`] does with each statement, for a request's own connection
/// ([`kernel::RequestDb::for_request`]).
pub fn statement_counter(stats: Option<Arc<SqlStats>>) -> kernel::request_db::OnStatement {
    Arc::new(move |info: &sea_orm::metric::Info<'_>| {
        if tracing::enabled!(target: "scriptorium::sql", tracing::Level::DEBUG) {
            let sql = loggable_sql(info.statement);
            tracing::debug!(target: "scriptorium::sql", micros = info.elapsed.as_micros() as u64, failed = info.failed, sql = %sql);
        }
        if info.statement.sql == kernel::request_db::SCOPE_SQL {
            return; // how a request runs, not what it asks: uncounted, like BEGIN and COMMIT
        }
        metrics::counter!("scriptorium_sql_statements_total").increment(1);
        metrics::histogram!("scriptorium_sql_statement_duration_seconds").record(info.elapsed.as_secs_f64());
        if info.failed {
            metrics::counter!("scriptorium_sql_statement_failures_total").increment(1);
        }
        if let Some(stats) = &stats {
            stats.statements.fetch_add(1, Ordering::Relaxed);
            stats.micros.fetch_add(info.elapsed.as_micros() as u64, Ordering::Relaxed);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{DbBackend, Statement};

    #[test]
    fn secret_columns_never_reach_the_sql_log() {
        let hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$c2VjcmV0";
        let insert = Statement::from_sql_and_values(
            DbBackend::Postgres,
            r#"INSERT INTO "users" ("id", "email", "password_hash") VALUES ($1, $2, $3)"#,
            ["u1".into(), "a@b.test".into(), hash.into()],
        );
        let logged = loggable_sql(&insert);
        assert!(!logged.contains("argon2id") && !logged.contains("a@b.test"), "{logged}");
        assert!(logged.contains("3 values withheld"), "{logged}");
        let session = Statement::from_sql_and_values(
            DbBackend::Sqlite,
            r#"SELECT "id" FROM "sessions" WHERE "token_hash" = ?"#,
            ["deadbeef".into()],
        );
        assert!(!loggable_sql(&session).contains("deadbeef"));
        let plain = Statement::from_sql_and_values(
            DbBackend::Postgres,
            r#"SELECT "id" FROM "orders" WHERE "status" = $1"#,
            ["PAID".into()],
        );
        assert!(loggable_sql(&plain).contains("'PAID'"), "{}", loggable_sql(&plain));
    }

    #[test]
    fn unknown_methods_share_one_label() {
        use axum::http::Method;
        assert_eq!(method_label(&Method::POST), "POST");
        assert_eq!(method_label(&Method::from_bytes(b"FOOBAR").unwrap()), "OTHER");
        assert_eq!(method_label(&Method::from_bytes(b"BREW").unwrap()), "OTHER");
    }
}
