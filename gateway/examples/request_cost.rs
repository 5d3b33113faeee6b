//! Runs a fixed number of GraphQL requests through the whole router in this process (no
//! sockets), on a fresh SQLite database with the same data every time, so that
//! `valgrind --tool=callgrind` can count the instructions a request costs: a number a busy
//! machine cannot change, unlike seconds. `scripts/instructions.sh` runs it and compares
//! the counts with the committed baseline.
//!
//!     request_cost <viewer|orders> [requests]
//!
//! What callgrind reports is what runs between the two calls of `checkpoint`: set-up, seeding
//! and the warm-up requests are left out. Runs with the server's allocator.
//!
//! `COST_DATABASE_URL` runs it on another database instead, e.g. an empty PostgreSQL one, to see
//! where a request's instructions go on that backend (the committed check stays on SQLite,
//! which needs no server):
//!
//!     createdb cost && COST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/cost \
//!       valgrind --tool=callgrind --dump-before='*request_cost::checkpoint*' request_cost orders 20
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)] // a measuring tool: a failure should stop it loudly

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, to_bytes};
use axum::extract::connect_info::MockConnectInfo;
use axum::http::Request;
use chrono::TimeZone;
use gateway::{AppOptions, build_router, seed};
use identity::IdentitySettings;
use kernel::ManualClock;
use migration::{Migrator, MigratorTrait};
use tower::ServiceExt;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Orders in the database: enough that the page's 50 are a slice of a larger table.
const ORDERS: u64 = 500;
/// Requests run before measuring, so caches (tenants, prepared statements) are warm.
const WARM_UP: usize = 5;

/// An answer with GraphQL errors (searched for, not parsed: parsing is the client's cost).
fn failed(answer: &[u8]) -> bool {
    answer.windows(8).any(|w| w == b"\"errors\"")
}

/// Called just before and just after the measured requests: callgrind dumps its counts on
/// entering it (`--dump-before`), so the second dump holds the requests alone. (One function:
/// two with the same empty body are folded into one by the compiler.)
#[inline(never)]
fn checkpoint(at: &str) {
    std::hint::black_box(at);
}

fn main() {
    let mut args = std::env::args().skip(1);
    let scenario = args.next().unwrap_or_else(|| "orders".into());
    let requests: usize = args.next().map_or(50, |n| n.parse().expect("requests: a number"));
    let (email, query) = match scenario.as_str() {
        "viewer" => ("client@essays.test", "{ viewer { id email displayName role tenant { slug } } }"),
        "orders" => (
            "admin@essays.test",
            "{ orders(first: 50) { edges { node { id status total client { displayName } writer { displayName } timeline { kind actor { displayName } } } } } }",
        ),
        other => panic!("unknown scenario {other}: viewer or orders"),
    };
    // One thread: the same interleaving, hence the same instructions, on every run.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(run(email, query, requests));
}

async fn run(email: &str, query: &str, requests: usize) {
    let folder = tempfile::tempdir().unwrap();
    let url = std::env::var("COST_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}/cost.db?mode=rwc", folder.path().display()));
    let db = kernel::db::connect(&url).await.unwrap();
    Migrator::up(&db, None).await.unwrap();
    let clock = ManualClock::new(chrono::Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap());
    seed::seed_scale(&db, &db, Arc::new(clock.clone()), ORDERS).await.unwrap();
    let router = build_router(AppOptions {
        db: kernel::db::Pools::open(&url, &db).await.unwrap(),
        clock: Arc::new(clock),
        sql_stats: false,
        graphiql: false,
        introspection: true,
        client_ip_source: axum_client_ip::ClientIpSource::ConnectInfo,
        metrics: false,
        identity: IdentitySettings { cookie_secure: false, ..IdentitySettings::default() },
        tenant_cache_ttl: Duration::from_secs(3600),
        providers: billing::service::topups::Providers(None),
        push: notifications::WebPush::off(),
        files: Arc::new(
            orders::service::files::FileStore::open(
                &folder.path().join("files").to_string_lossy(),
                None,
                orders::service::files::store::DEFAULT_MAX_FILE_BYTES,
            )
            .unwrap(),
        ),
    })
    .layer(MockConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));

    let post = |body: String, token: Option<&str>| {
        let mut request =
            Request::post("/graphql").header("content-type", "application/json").header("x-tenant", "essays");
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let router = router.clone();
        async move {
            let response = router.oneshot(request.body(Body::from(body)).unwrap()).await.unwrap();
            to_bytes(response.into_body(), usize::MAX).await.unwrap()
        }
    };
    let sign_in = serde_json::json!({
        "query": "mutation($e: String!, $p: String!) { signIn(input: {email: $e, password: $p}) { token } }",
        "variables": { "e": email, "p": seed::DEMO_PASSWORD },
    });
    let signed: serde_json::Value = serde_json::from_slice(&post(sign_in.to_string(), None).await).unwrap();
    let token = signed["data"]["signIn"]["token"].as_str().unwrap_or_else(|| panic!("sign-in failed: {signed}"));
    let body = serde_json::json!({ "query": query }).to_string();
    for _ in 0..WARM_UP {
        let answer = post(body.clone(), Some(token)).await;
        assert!(!failed(&answer), "the query failed: {}", String::from_utf8_lossy(&answer));
    }

    checkpoint("start");
    for _ in 0..requests {
        let answer = post(body.clone(), Some(token)).await;
        assert!(!failed(&answer), "the query failed: {}", String::from_utf8_lossy(&answer));
    }
    checkpoint("stop");
    println!("{requests} requests answered");
}
