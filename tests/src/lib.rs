//! The test harness: a fresh database per test ([`db`]), and for end-to-end tests the real
//! router over HTTP on port 0 ([`TestApp`]).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test scaffolding: a failure should stop the test loudly

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use gateway::{AppOptions, seed};
use identity::IdentitySettings;
use kernel::ManualClock;
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};

pub use seed::DEMO_PASSWORD;

/// The device cookie of the browser the harness signs in from.
pub const HARNESS_DEVICE: &str = "scriptorium_device=harness-browser-000000000000000000000000000";
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
    database_url: String,
    live: Arc<kernel::live::LiveHub>,
    /// The server's own state (its pools: `requests_db` is what requests' work runs on).
    pub state: Arc<gateway::app::AppState>,
    _database: Option<TestDatabase>,
    /// The folder order files are kept in (a replica shares it, as servers share a bucket).
    pub files: Arc<tempfile::TempDir>,
}

/// The largest upload the test servers take (small, so a test can go past it cheaply).
pub const TEST_UPLOAD_MAX_BYTES: u64 = 1024 * 1024;

pub mod db;
pub mod mail;
pub mod push;
pub mod smtp;
pub mod ws;
pub use db::TestDatabase;

impl TestApp {
    /// A server with the demo data seeded.
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    /// A server with the demo data seeded and its options changed by `configure`.
    pub async fn spawn_with(configure: impl FnOnce(&mut AppOptions)) -> TestApp {
        let database = TestDatabase::fresh().await;
        let db = database.db.clone();
        let clock = db::start_clock();
        let url = database.url.clone();
        let files = Arc::new(tempfile::tempdir().expect("a folder for files"));
        Self::serve(db, url, clock, Some(database), files, configure).await
    }

    /// A second gateway on this one's database (its own pool and live events feed), as another
    /// replica would be.
    pub async fn replica(&self) -> TestApp {
        let db = kernel::db::connect(&self.database_url).await.expect("a second pool");
        Self::serve(db, self.database_url.clone(), self.clock.clone(), None, self.files.clone(), |_| {}).await
    }

    async fn serve(
        db: DatabaseConnection,
        database_url: String,
        clock: ManualClock,
        database: Option<TestDatabase>,
        files: Arc<tempfile::TempDir>,
        configure: impl FnOnce(&mut AppOptions),
    ) -> TestApp {
        let stripe = FakeStripe::spawn().await;
        let provider = billing::service::provider::Stripe::new(
            &stripe.base,
            STRIPE_SECRET_KEY.to_owned().into(),
            STRIPE_WEBHOOK_SECRET.to_owned().into(),
            "http://localhost:8080",
        );
        // the server's pools act as the runtime role (on PostgreSQL), as `serve` does; the
        // test's own handle `db` is TEST_DATABASE_URL's superuser, which sees every row
        let pools = kernel::db::Pools::open(&database_url, &db).await.expect("the server's pools");
        let mut options = AppOptions {
            db: pools,
            clock: Arc::new(clock.clone()),
            sql_stats: true,
            graphiql: true,
            introspection: true,
            // so tests can speak from several client addresses (as a proxy's X-Forwarded-For)
            client_ip_source: axum_client_ip::ClientIpSource::RightmostXForwardedFor,
            metrics: true,
            identity: IdentitySettings { cookie_secure: false, ..IdentitySettings::default() },
            tenant_cache_ttl: Duration::from_secs(5),
            providers: billing::service::topups::Providers(Some(Arc::new(provider))),
            push: notifications::WebPush::off(),
            files: Arc::new(
                orders::service::files::FileStore::open(
                    &files.path().to_string_lossy(),
                    Some(b"the test servers' file URL key, 32+ bytes"),
                    TEST_UPLOAD_MAX_BYTES,
                )
                .expect("the file store"),
            ),
        };
        configure(&mut options);
        let (router, state) = gateway::build_app(options);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).await.unwrap();
        });
        let http = reqwest::Client::builder().build().unwrap();
        TestApp {
            addr,
            db,
            clock,
            stripe,
            http,
            database_url,
            live: state.live.clone(),
            state,
            _database: database,
            files,
        }
    }

    /// Waits until this gateway feeds `n` subscriptions (a client cannot know when the server
    /// has taken its `subscribe`; a test that then causes an event must).
    pub async fn wait_for_subscriptions(&self, n: usize) {
        for _ in 0..500 {
            if self.live.subscriptions() >= n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("{} subscriptions, not {n}", self.live.subscriptions());
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
            headers: Vec::new(),
            files: Vec::new(),
            file_variable: None,
        }
    }

    /// Signs in `email` with the demo password under `tenant` and returns the token.
    pub async fn sign_in(&self, tenant: &str, email: &str) -> String {
        self.sign_in_with(tenant, email, DEMO_PASSWORD).await
    }

    /// Signs in from the harness's one browser (its device cookie), so that signing in again is
    /// not a new device (which alerts the user: see `tests/tests/api/devices.rs`).
    pub async fn sign_in_with(&self, tenant: &str, email: &str, password: &str) -> String {
        let body = self
            .gql("mutation($e: String!, $p: String!) { signIn(input: {email: $e, password: $p}) { token } }")
            .vars(json!({ "e": email, "p": password }))
            .tenant(tenant)
            .cookie(HARNESS_DEVICE)
            .send()
            .await;
        body["data"]["signIn"]["token"]
            .as_str()
            .unwrap_or_else(|| panic!("sign-in of {email} failed: {body}"))
            .to_owned()
    }

    /// Signs up a new client of `tenant` (then signs in) and returns the token.
    pub async fn sign_up(&self, tenant: &str, email: &str, display_name: &str) -> String {
        let body = self
            .gql("mutation($i: SignUpInput!) { signUp(input: $i) { message } }")
            .vars(json!({ "i": { "email": email, "password": "long-enough-pw", "displayName": display_name } }))
            .tenant(tenant)
            .send()
            .await;
        assert!(body["errors"].is_null(), "sign-up of {email} failed: {body}");
        self.sign_in_with(tenant, email, "long-enough-pw").await
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

    /// The test clock's now plus `hours`, as RFC 3339 (as the API writes it: UTC, `Z`).
    pub fn in_hours(&self, hours: i64) -> String {
        use kernel::Clock;
        kernel::Timestamp(self.clock.now() + chrono::Duration::hours(hours)).to_rfc3339()
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

    /// An order of the `essays` demo catalogue (`topic`, `pages`, due in 72 hours) placed by
    /// `client`, marked paid by `admin`, offered to the writer `writer_id` and accepted with their
    /// token `writer`: IN_PROGRESS. Every step must succeed.
    pub async fn order_in_progress(
        &self,
        client: &str,
        admin: &str,
        (writer, writer_id): (&str, &str),
        topic: &str,
        pages: i32,
    ) -> String {
        let c = self.catalog("essays").await;
        let spec = serde_json::json!({
            "topic": topic, "paperTypeId": c["essay"], "academicLevelId": c["undergraduate"], "subjectId": c["english"],
            "workTypeId": c["writing"], "pages": pages, "deadline": self.in_hours(72),
        });
        let send = async |token: &str, query: &str, vars: serde_json::Value| {
            let body = self.gql(query).vars(vars).tenant("essays").token(token).send().await;
            assert!(body["errors"].is_null(), "{query}: {body}");
            body
        };
        let placed = send(
            client,
            "mutation($i: OrderSpecInput!) { placeOrder(input: $i) { id } }",
            serde_json::json!({ "i": spec }),
        )
        .await;
        let id = placed["data"]["placeOrder"]["id"].as_str().unwrap_or_else(|| panic!("{placed}")).to_owned();
        let act = "mutation($id: ID!, $a: OrderAction!) { performOrderAction(orderId: $id, action: $a) { status } }";
        send(admin, act, serde_json::json!({ "id": id, "a": "MARK_PAID" })).await;
        send(
            admin,
            "mutation($id: ID!, $w: ID!) { assignWriter(orderId: $id, writerId: $w) { id } }",
            serde_json::json!({ "id": id, "w": writer_id }),
        )
        .await;
        let accepted = send(writer, act, serde_json::json!({ "id": id, "a": "ACCEPT_ASSIGNMENT" })).await;
        assert_eq!(accepted["data"]["performOrderAction"]["status"], "IN_PROGRESS", "{accepted}");
        id
    }

    /// Lets every writer of `tenant` hold (and take on in a day) up to 100 orders: for tests that
    /// give one writer more than a new writer's three. Every way to get work passes that gate.
    pub async fn roomy_writer_levels(&self, tenant: &str) {
        let admin = self.sign_in(tenant, &format!("admin@{tenant}.test")).await;
        let levels = self.gql("{ writerLevels { id } }").tenant(tenant).token(&admin).send().await;
        for level in levels["data"]["writerLevels"].as_array().unwrap_or_else(|| panic!("{levels}")) {
            let set = self
                .gql(
                    "mutation($l: ID!) { updateWriterLevelRules(levelId: $l, input: { maxActiveOrders: 100 }) { id } }",
                )
                .vars(serde_json::json!({ "l": level["id"] }))
                .tenant(tenant)
                .token(&admin)
                .send()
                .await;
            assert!(set["errors"].is_null(), "{set}");
        }
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

    /// Moves site `tenant` to time zone `zone` (as its superadmin would); answers the zone set.
    pub async fn set_time_zone(&self, tenant: &str, zone: &str) -> Value {
        let root = self.sign_in(tenant, "superadmin@scriptorium.test").await;
        let site = self.gql("{ tenant { id } }").tenant(tenant).send().await["data"]["tenant"]["id"].clone();
        let moved = self
            .gql("mutation($id: ID!, $z: String!) { updateTenant(id: $id, input: {timeZone: $z}) { timeZone } }")
            .vars(json!({ "id": site, "z": zone }))
            .token(&root)
            .send()
            .await;
        moved["data"]["updateTenant"]["timeZone"].clone()
    }

    /// Runs the background jobs due by the test's clock until none is left, as the worker
    /// process would (mail goes to a scratch folder).
    pub async fn run_jobs(&self) {
        let mailer = notifications::Mailer::new(None, std::env::temp_dir().join("scriptorium-test-mail")).unwrap();
        let registry = gateway::worker::registry(mailer.into(), self.state.files.clone());
        let settings = jobs::WorkerSettings::default();
        let worker = jobs::Worker::new(self.db.clone(), Arc::new(self.clock.clone()), registry, settings);
        while worker.poll().await.unwrap().claimed > 0 {}
    }

    /// Counts the rows of `table` (for asserting that nothing was written).
    pub async fn count(&self, table: &str) -> i64 {
        db::count_rows(&self.db, table).await
    }

    /// The number a `SELECT COUNT(*) AS n ...` statement answers.
    pub async fn count_where(&self, sql: &str) -> i64 {
        use sea_orm::ConnectionTrait;
        let statement = sea_orm::Statement::from_string(self.db.get_database_backend(), sql.to_owned());
        let row = self.db.query_one_raw(statement).await.unwrap().expect("a row");
        row.try_get::<i64>("", "n").unwrap()
    }

    /// Signs the superadmin in at no site (as the installation's operator does) and returns the token.
    pub async fn sign_in_superadmin(&self) -> String {
        let body = self
            .gql("mutation($e: String!, $p: String!) { signIn(input: {email: $e, password: $p}) { token } }")
            .vars(json!({ "e": seed::SUPERADMIN_EMAIL, "p": DEMO_PASSWORD }))
            .cookie(HARNESS_DEVICE)
            .send()
            .await;
        body["data"]["signIn"]["token"]
            .as_str()
            .unwrap_or_else(|| panic!("superadmin sign-in failed: {body}"))
            .to_owned()
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
    headers: Vec<(&'static str, String)>,
    files: Vec<(String, Vec<u8>)>,
    /// The variable a single file goes in (`file`), instead of the list `files`.
    file_variable: Option<String>,
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
    /// Sends another header (`User-Agent`, say).
    pub fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_owned()));
        self
    }

    /// Sends the request as a GraphQL multipart request with these files (name, content) as
    /// the variable `files` (a list), as a browser's upload client would.
    pub fn files(mut self, files: Vec<(&str, Vec<u8>)>) -> Self {
        self.files = files.into_iter().map(|(name, bytes)| (name.to_owned(), bytes)).collect();
        self
    }

    /// Sends the request as a GraphQL multipart request with one file (name, content) as the
    /// variable `variable` (a single `Upload`).
    pub fn file(mut self, variable: &str, name: &str, content: Vec<u8>) -> Self {
        self.files = vec![(name.to_owned(), content)];
        self.file_variable = Some(variable.to_owned());
        self
    }

    pub async fn response(self) -> reqwest::Response {
        let operations = json!({ "query": self.query, "variables": self.variables });
        let request = self.app.http.post(self.app.url("/graphql"));
        let mut request = if self.files.is_empty() {
            request.json(&operations)
        } else {
            let (content_type, body) = multipart(operations, &self.files, self.file_variable.as_deref());
            request.header("Content-Type", content_type).body(body)
        };
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
        for (name, value) in &self.headers {
            request = request.header(*name, value);
        }
        request.send().await.unwrap()
    }

    pub async fn send(self) -> Value {
        self.response().await.json().await.unwrap()
    }
}

/// A file store in a scratch folder, for workers that need one in tests that store no file.
pub fn scratch_files() -> Arc<orders::service::files::FileStore> {
    let folder = std::env::temp_dir().join("scriptorium-test-files");
    Arc::new(
        orders::service::files::FileStore::open(&folder.to_string_lossy(), None, TEST_UPLOAD_MAX_BYTES)
            .expect("the scratch file store"),
    )
}

/// A GraphQL multipart request (github.com/jaydenseric/graphql-multipart-request-spec): the
/// operations with `variables.files` set to one null per file (or, with `single`, that variable
/// set to null for the one file), the map, then the files.
pub fn multipart(mut operations: Value, files: &[(String, Vec<u8>)], single: Option<&str>) -> (String, Vec<u8>) {
    const BOUNDARY: &str = "scriptorium-test-boundary-7d9f";
    let map: serde_json::Map<String, Value> = match single {
        Some(variable) => {
            operations["variables"][variable] = Value::Null;
            std::iter::once(("0".to_owned(), json!([format!("variables.{variable}")]))).collect()
        }
        None => {
            operations["variables"]["files"] = Value::Array(vec![Value::Null; files.len()]);
            (0..files.len()).map(|i| (i.to_string(), json!([format!("variables.files.{i}")]))).collect()
        }
    };
    let mut body = Vec::new();
    let mut part = |headers: String, content: &[u8]| {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n{headers}\r\n\r\n").as_bytes());
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    };
    part("Content-Disposition: form-data; name=\"operations\"".into(), operations.to_string().as_bytes());
    part("Content-Disposition: form-data; name=\"map\"".into(), Value::Object(map).to_string().as_bytes());
    for (i, (name, content)) in files.iter().enumerate() {
        part(
            format!(
                "Content-Disposition: form-data; name=\"{i}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream"
            ),
            content,
        );
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}

/// The `extensions.code` of the first error, or "" when there is none.
/// A money answer ("80.49", "-5.00") in cents.
pub fn cents(money: &Value) -> i64 {
    let text = money.as_str().unwrap_or_else(|| panic!("not money: {money}"));
    let (whole, part) = text.split_once('.').unwrap_or_else(|| panic!("not money: {money}"));
    let sign = if whole.starts_with('-') { -1 } else { 1 };
    sign * (whole.trim_start_matches('-').parse::<i64>().unwrap() * 100 + part.parse::<i64>().unwrap())
}

pub fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"].as_str().unwrap_or("")
}

/// The `extensions.field` of the first error.
pub fn field(body: &Value) -> &str {
    body["errors"][0]["extensions"]["field"].as_str().unwrap_or("")
}
