//! The end-to-end harness: the real router, over HTTP on port 0, against a fresh database
//! (an SQLite file, or a new PostgreSQL database when `TEST_DATABASE_URL` is set, dropped after).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test scaffolding: a failure should stop the test loudly

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use gateway::{AppOptions, build_router, seed};
use identity::IdentitySettings;
use kernel::ManualClock;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::{Value, json};

pub use seed::DEMO_PASSWORD;

pub const STRIPE_SECRET_KEY: &str = "sk_test_scriptorium";
pub const STRIPE_WEBHOOK_SECRET: &str = "whsec_test_scriptorium";

/// A local stand-in for Stripe's API: creates Checkout Sessions and remembers the forms it was
/// sent. Requests without the right secret key are refused, as Stripe would.
pub struct FakeStripe {
    pub base: String,
    pub sessions: Arc<std::sync::Mutex<Vec<std::collections::HashMap<String, String>>>>,
}

impl FakeStripe {
    async fn spawn() -> FakeStripe {
        use axum::extract::{Form, State};
        use axum::http::{HeaderMap, StatusCode};
        type Seen = Arc<std::sync::Mutex<Vec<std::collections::HashMap<String, String>>>>;
        async fn create(
            State(seen): State<Seen>,
            headers: HeaderMap,
            Form(form): Form<std::collections::HashMap<String, String>>,
        ) -> (StatusCode, axum::Json<Value>) {
            let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
            if auth != format!("Bearer {STRIPE_SECRET_KEY}") {
                return (StatusCode::UNAUTHORIZED, axum::Json(json!({ "error": { "message": "Invalid API Key" } })));
            }
            let mut seen = seen.lock().unwrap();
            seen.push(form);
            let id = format!("cs_test_{}", seen.len());
            (
                StatusCode::OK,
                axum::Json(
                    json!({ "id": id, "object": "checkout.session", "url": format!("https://checkout.stripe.test/pay/{id}") }),
                ),
            )
        }
        let sessions: Seen = Arc::default();
        let router = axum::Router::new()
            .route("/v1/checkout/sessions", axum::routing::post(create))
            .with_state(sessions.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        FakeStripe { base, sessions }
    }
}

/// A running server with its own database and a clock the test moves.
pub struct TestApp {
    pub addr: SocketAddr,
    pub db: DatabaseConnection,
    pub clock: ManualClock,
    pub stripe: FakeStripe,
    http: reqwest::Client,
    _database: TestDatabase,
}

enum TestDatabase {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let TestDatabase::Postgres { admin_url, name } = self {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs outside any runtime we may block, so the cleanup gets a thread of its own.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                rt.block_on(async {
                    if let Ok(admin) = sea_orm::Database::connect(&admin_url).await {
                        let _ =
                            admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await;
                        let _ = admin.close().await;
                    }
                });
            })
            .join();
        }
    }
}

/// `postgres://u@h:p/db?x` with its database replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let root = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

async fn fresh_database() -> (DatabaseConnection, TestDatabase) {
    match std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) {
        Some(admin_url) => {
            let name = format!("scriptorium_test_{}", uuid::Uuid::now_v7().simple());
            let admin = sea_orm::Database::connect(&admin_url).await.expect("TEST_DATABASE_URL must be reachable");
            admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.unwrap();
            admin.close().await.unwrap();
            let db = kernel::db::connect(&with_database(&admin_url, &name)).await.unwrap();
            (db, TestDatabase::Postgres { admin_url, name })
        }
        None => {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
            (kernel::db::connect(&url).await.unwrap(), TestDatabase::Sqlite(dir))
        }
    }
}

impl TestApp {
    /// A server with the demo data seeded.
    pub async fn spawn() -> TestApp {
        let (db, database) = fresh_database().await;
        Migrator::up(&db, None).await.unwrap();
        let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 0).unwrap());
        seed::seed_demo(&db, Arc::new(clock.clone())).await.unwrap();
        let stripe = FakeStripe::spawn().await;
        let provider = billing::service::provider::Stripe::new(
            &stripe.base,
            STRIPE_SECRET_KEY,
            STRIPE_WEBHOOK_SECRET,
            "http://localhost:8080",
        );
        let router = build_router(AppOptions {
            db: db.clone(),
            clock: Arc::new(clock.clone()),
            sql_stats: true,
            graphiql: true,
            introspection: true,
            // so tests can speak from several client addresses
            trust_proxy: true,
            identity: IdentitySettings { session_ttl: chrono::Duration::days(30), cookie_secure: false },
            tenant_cache_ttl: Duration::from_secs(5),
            providers: billing::service::topups::Providers(Some(Arc::new(provider))),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).await.unwrap();
        });
        let http = reqwest::Client::builder().build().unwrap();
        TestApp { addr, db, clock, stripe, http, _database: database }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// A GraphQL request builder: `app.gql(query).tenant("essays").token(&t).send().await`.
    pub fn gql(&self, query: &str) -> Gql<'_> {
        Gql {
            app: self,
            query: query.to_owned(),
            variables: json!({}),
            tenant: None,
            host: None,
            token: None,
            ip: None,
            cookie: None,
        }
    }

    /// Signs in `email` with the demo password under `tenant` and returns the token.
    pub async fn sign_in(&self, tenant: &str, email: &str) -> String {
        self.sign_in_with(tenant, email, DEMO_PASSWORD).await
    }

    pub async fn sign_in_with(&self, tenant: &str, email: &str, password: &str) -> String {
        let body = self
            .gql("mutation($e: String!, $p: String!) { signIn(input: {email: $e, password: $p}) { token } }")
            .vars(json!({ "e": email, "p": password }))
            .tenant(tenant)
            .send()
            .await;
        body["data"]["signIn"]["token"]
            .as_str()
            .unwrap_or_else(|| panic!("sign-in of {email} failed: {body}"))
            .to_owned()
    }

    /// The tenant's catalogue as `code → id` (demo codes are unique across lists).
    pub async fn catalog(&self, tenant: &str) -> std::collections::HashMap<String, String> {
        let lists = [
            "paperTypes",
            "academicLevels",
            "subjects",
            "workTypes",
            "deadlineTiers",
            "extraServices",
            "writerLevels",
            "citationStyles",
            "englishTypes",
        ];
        let query = format!("{{ orderCatalog {{ {} }} }}", lists.map(|l| format!("{l} {{ id code }}")).join(" "));
        let body = self.gql(&query).tenant(tenant).send().await;
        let mut map = std::collections::HashMap::new();
        for list in lists {
            for entry in body["data"]["orderCatalog"][list].as_array().unwrap_or_else(|| panic!("{body}")) {
                map.insert(entry["code"].as_str().unwrap().to_owned(), entry["id"].as_str().unwrap().to_owned());
            }
        }
        map
    }

    /// The test clock's now plus `hours`, as RFC 3339.
    pub fn in_hours(&self, hours: i64) -> String {
        use kernel::Clock;
        (self.clock.now() + chrono::Duration::hours(hours)).to_rfc3339()
    }

    /// The id of a user of `tenant` by e-mail (for assigning writers, preferred writers).
    pub async fn user_id(&self, tenant: &str, email: &str) -> String {
        let admin = self.sign_in(tenant, &format!("admin@{tenant}.test")).await;
        let body =
            self.gql("{ users(first: 100) { edges { node { id email } } } }").tenant(tenant).token(&admin).send().await;
        body["data"]["users"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["node"]["email"] == email)
            .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
            .unwrap_or_else(|| panic!("no {email} in {tenant}"))
    }

    /// Posts a webhook to `/webhooks/stripe`, signed with `secret` at `timestamp`.
    pub async fn stripe_webhook(&self, payload: &Value, secret: &str, timestamp: i64) -> (u16, Value) {
        let body = serde_json::to_vec(payload).unwrap();
        let signature = billing::service::provider::stripe_signature(secret, timestamp, &body);
        let response = self
            .http
            .post(self.url("/webhooks/stripe"))
            .header("Stripe-Signature", signature)
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Counts the rows of `table` (for asserting that nothing was written).
    pub async fn count(&self, table: &str) -> i64 {
        let row = self
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                self.db.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get::<i64>("", "n").unwrap()
    }
}

pub struct Gql<'a> {
    app: &'a TestApp,
    query: String,
    variables: Value,
    tenant: Option<String>,
    host: Option<String>,
    token: Option<String>,
    ip: Option<String>,
    cookie: Option<String>,
}

impl Gql<'_> {
    pub fn vars(mut self, variables: Value) -> Self {
        self.variables = variables;
        self
    }
    /// Sends `X-Tenant`.
    pub fn tenant(mut self, slug: &str) -> Self {
        self.tenant = Some(slug.to_owned());
        self
    }
    /// Sends this `Host` header instead of the socket address.
    pub fn host(mut self, host: &str) -> Self {
        self.host = Some(host.to_owned());
        self
    }
    pub fn token(mut self, token: &str) -> Self {
        self.token = Some(token.to_owned());
        self
    }
    /// Speaks from this client address (`X-Forwarded-For`; the test server trusts it).
    pub fn ip(mut self, ip: &str) -> Self {
        self.ip = Some(ip.to_owned());
        self
    }
    pub fn cookie(mut self, cookie: &str) -> Self {
        self.cookie = Some(cookie.to_owned());
        self
    }

    pub async fn response(self) -> reqwest::Response {
        let mut request = self
            .app
            .http
            .post(self.app.url("/graphql"))
            .json(&json!({ "query": self.query, "variables": self.variables }));
        if let Some(t) = &self.tenant {
            request = request.header("X-Tenant", t);
        }
        if let Some(h) = &self.host {
            request = request.header("Host", h);
        }
        if let Some(t) = &self.token {
            request = request.bearer_auth(t);
        }
        if let Some(ip) = &self.ip {
            request = request.header("X-Forwarded-For", ip);
        }
        if let Some(c) = &self.cookie {
            request = request.header("Cookie", c);
        }
        request.send().await.unwrap()
    }

    pub async fn send(self) -> Value {
        self.response().await.json().await.unwrap()
    }
}

/// The `extensions.code` of the first error, or "" when there is none.
pub fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"].as_str().unwrap_or("")
}

/// The `extensions.field` of the first error.
pub fn field(body: &Value) -> &str {
    body["errors"][0]["extensions"]["field"].as_str().unwrap_or("")
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_names_are_swapped_in_urls() {
        assert_eq!(
            super::with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(super::with_database("postgres://u@h/db?sslmode=disable", "x"), "postgres://u@h/x?sslmode=disable");
        assert_eq!(super::with_database("postgres://u@h", "x"), "postgres://u@h/x");
    }
}
