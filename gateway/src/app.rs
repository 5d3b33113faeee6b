//! The axum application: routes, shared state and the layers every request passes.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum_client_ip::ClientIpSource;
use identity::IdentitySettings;
use kernel::Clock;
use sea_orm::DatabaseConnection;
use tenancy::TenantDirectory;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::documents::DocumentCache;
use crate::observability::{count_statements, metrics_handle, track_requests};
use crate::schema::{self, AppSchema};
use crate::{graphiql, responses, transport, webhooks};
use billing::service::topups::Providers;

/// What the application needs besides its routes; tests pass their own clock.
pub struct AppOptions {
    pub db: kernel::db::Pools,
    pub clock: Arc<dyn Clock>,
    pub sql_stats: bool,
    pub graphiql: bool,
    pub introspection: bool,
    /// Where the client's address comes from (the TCP peer, or a header set by your proxy).
    pub client_ip_source: ClientIpSource,
    /// Serve `/metrics` with the API (otherwise [`metrics_router`] serves it on its own address).
    pub metrics: bool,
    pub identity: IdentitySettings,
    /// How long a resolved tenant is trusted before it is read again.
    pub tenant_cache_ttl: Duration,
    pub providers: Providers,
    /// Web push (browsers register with its public key).
    pub push: notifications::WebPush,
    /// Where order files are kept, and the key of their download URLs.
    pub files: Arc<orders::service::files::FileStore>,
}

pub struct AppState {
    /// The system pool: finding a request's tenant and viewer, webhooks, the live hub.
    pub db: DatabaseConnection,
    /// The pool requests' own work runs on (through `kernel::RequestDb`).
    pub requests_db: DatabaseConnection,
    pub clock: Arc<dyn Clock>,
    pub schema: AppSchema,
    pub directory: Arc<TenantDirectory>,
    /// The installation's settings and kill switches, as this process knows them.
    pub system: Arc<tenancy::SystemState>,
    pub sql_stats: bool,
    pub introspection: bool,
    pub identity: IdentitySettings,
    pub providers: Providers,
    /// Documents parsed and checked once.
    pub documents: DocumentCache,
    /// The subscribers of `/graphql/ws` and their feed of live events.
    pub live: Arc<kernel::live::LiveHub>,
    /// What a request's own transaction tells of each statement when the request keeps no
    /// statistics (the process metrics): built once, not per request.
    pub statement_counter: kernel::request_db::OnStatement,
    /// Order files (uploads are read to its size limit; downloads come from it).
    pub files: Arc<orders::service::files::FileStore>,
}

pub fn build_router(options: AppOptions) -> Router {
    build_app(options).0
}

/// The router, and its state (for tests and tools that look inside: the live hub, the
/// document cache).
pub fn build_app(options: AppOptions) -> (Router, Arc<AppState>) {
    let metrics = metrics_handle();
    let kernel::db::Pools { requests: mut requests_db, system: mut db } = options.db;
    count_statements(&mut db, None);
    count_statements(&mut requests_db, None);
    let directory = Arc::new(TenantDirectory::new(options.tenant_cache_ttl));
    let system = Arc::new(tenancy::SystemState::new(db.clone()));
    let schema = schema::builder(options.introspection)
        .data(directory.clone())
        .data(system.clone())
        .data(options.identity.clone())
        .data(options.providers.clone())
        .data(options.push)
        .data(options.files.clone())
        .data(schema::money_invariants())
        .finish();
    let db_for_live = db.clone();
    let state = Arc::new(AppState {
        db,
        requests_db,
        clock: options.clock,
        schema,
        directory,
        system,
        sql_stats: options.sql_stats,
        introspection: options.introspection,
        identity: options.identity,
        providers: options.providers,
        documents: DocumentCache::default(),
        live: kernel::live::LiveHub::new(&db_for_live),
        statement_counter: crate::observability::statement_counter(None),
        files: options.files,
    });

    let graphql = if options.graphiql {
        get(graphiql::page).post(transport::graphql)
    } else {
        axum::routing::post(transport::graphql)
    };
    let mut router = Router::new()
        .route("/graphql", graphql)
        .route("/graphql/ws", get(crate::live::websocket))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .route("/webhooks/stripe", axum::routing::post(webhooks::stripe))
        .route("/calendar/{file}", get(crate::calendar::feed))
        .route("/files/{id}", get(crate::files::download));
    if options.metrics {
        router = router.route("/metrics", get(move || std::future::ready(metrics.render())));
    }
    if options.graphiql {
        router = router.route("/graphql/assets/{name}", get(graphiql::asset));
    }
    let router = router
        .with_state(state.clone())
        .layer(options.client_ip_source.into_extension())
        .layer(axum::middleware::from_fn(track_requests))
        .layer(CatchPanicLayer::custom(responses::panic_response))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
            let id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("");
            tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id = %id)
        }))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid));
    (router, state)
}

/// `/metrics` alone, for a private address (`SCRIPTORIUM_METRICS_BIND`).
pub fn metrics_router() -> Router {
    let metrics = metrics_handle();
    Router::new().route("/metrics", get(move || std::future::ready(metrics.render())))
}

/// Ready when the database answers.
async fn ready(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(e) => {
            tracing::warn!(error = %e, "database not reachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}
