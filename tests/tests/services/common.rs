//! What the service tests share: a fresh demo database with a clock, request contexts for the
//! demo users, row counts (to check that nothing was written), the ledger's self-check, orders
//! placed through the service, and a starting gun for racing tasks.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use billing::entity::account::AccountKind;
use chrono::Duration;
use kernel::{AppError, AppResult, Clock, ErrorCode, ManualClock, Reason, RequestContext, Role, Timestamp};
use orders::entity::order;
use orders::service::catalog::{self, Entries};
use orders::service::spec::OrderSpec;
use sea_orm::{DatabaseConnection, EntityTrait};
use serde_json::json;
use tests::db::{TestDatabase, request_as, start_clock};
use uuid::Uuid;

pub const SUPERADMIN: &str = "superadmin@scriptorium.test";

/// The demo data's essays client starts with 500.00 in the wallet.
pub const ESSAYS_WALLET: i64 = 50_000;

/// The price of [`World::spec`] in `essays` (the README's worked example).
pub const EXAMPLE_TOTAL: i64 = 8_049;

/// A test's own database with the demo data, and the clock its requests read.
pub struct World {
    pub db: DatabaseConnection,
    pub clock: ManualClock,
    _database: TestDatabase,
}

impl World {
    pub async fn new() -> World {
        let database = TestDatabase::fresh().await;
        World { db: database.db.clone(), clock: start_clock(), _database: database }
    }

    /// The request of the demo user `email` under the tenant `slug`.
    pub async fn as_user(&self, slug: &str, email: &str) -> RequestContext {
        request_as(&self.db, &self.clock, slug, Some(email)).await
    }

    /// A request of no one under the tenant `slug` (a sign-in, a sign-up).
    pub async fn anonymous(&self, slug: &str) -> RequestContext {
        request_as(&self.db, &self.clock, slug, None).await
    }

    /// A new client of the tenant `slug`, without a wallet yet.
    pub async fn new_client(&self, slug: &str, email: &str) -> RequestContext {
        self.new_user(slug, email, Role::Client).await
    }

    /// A new user of the tenant `slug` in `role`.
    pub async fn new_user(&self, slug: &str, email: &str, role: Role) -> RequestContext {
        let tenant = tenancy::service::tenants::find_by_slug(&self.db, slug).await.unwrap().unwrap().id;
        let user = identity::service::users::PreparedUser {
            email: email.to_owned(),
            email_normalized: email.to_owned(),
            display_name: format!("New {role:?}"),
            role,
            password_hash: "not-a-password-hash".to_owned(),
        };
        let now = self.clock.now();
        let created = kernel::transaction(&self.db, async |txn| {
            identity::service::users::ensure(txn, Some(tenant), user, now).await
        })
        .await
        .unwrap();
        assert!(created, "{email} is new");
        self.as_user(slug, email).await
    }

    /// Lets every writer of `slug` hold (and take on in a day) up to 100 orders, for tests that
    /// give one writer more than a new writer's three.
    pub async fn roomy_writer_levels(&self, slug: &str) {
        let admin = self.as_user(slug, &format!("admin@{slug}.test")).await;
        for level in writers::service::levels::list(&self.db, &admin).await.unwrap() {
            let rules = writers::service::levels::RuleFields { max_active_orders: Some(100), ..Default::default() };
            kernel::write(&admin, async |txn| {
                writers::service::levels::update(txn, &admin, level.entry.id, rules).await
            })
            .await
            .unwrap();
        }
    }

    /// The rows of `table`.
    pub async fn count(&self, table: &str) -> i64 {
        tests::db::count_rows(&self.db, table).await
    }

    /// The rows of each of `tables`, to compare before and after.
    pub async fn counts(&self, tables: &[&'static str]) -> Vec<(&'static str, i64)> {
        let mut counts = Vec::new();
        for table in tables {
            counts.push((*table, self.count(table).await));
        }
        counts
    }

    /// The wallet of `client` (the user of the request), if money ever moved on it.
    pub async fn wallet_account(&self, client: &RequestContext) -> Option<billing::entity::account::Model> {
        let (tenant, user) = (client.tenant().unwrap().id, client.viewer().unwrap().user_id);
        billing::service::wallets::of(&self.db, tenant, AccountKind::ClientWallet, user).await.unwrap()
    }

    /// The balance of `client`'s wallet, in minor units (0 without one).
    pub async fn wallet(&self, client: &RequestContext) -> i64 {
        self.wallet_account(client).await.map_or(0, |w| w.balance_minor)
    }

    /// The lowest balance `client`'s wallet ever had after a posting.
    pub async fn lowest_wallet_balance(&self, client: &RequestContext) -> i64 {
        use billing::entity::posting;
        use sea_orm::{ColumnTrait, QueryFilter};
        let wallet = self.wallet_account(client).await.unwrap();
        let postings =
            posting::Entity::find().filter(posting::Column::AccountId.eq(wallet.id)).all(&self.db).await.unwrap();
        postings.iter().map(|p| p.balance_after_minor).chain([wallet.balance_minor]).min().unwrap()
    }

    /// What the ledger's self-check (as `ledgerIntegrity` runs it for a superadmin) finds wrong
    /// in any tenant: an entry that does not sum to zero, a cached balance that is not its
    /// postings, a wallet below zero, an order whose payments or earnings disagree with it.
    pub async fn ledger_mismatches(&self) -> Vec<String> {
        let superadmin = request_as(&self.db, &self.clock, "essays", Some(SUPERADMIN)).await;
        billing::service::integrity::check(&self.db.clone().into(), &superadmin, &gateway::schema::money_invariants())
            .await
            .unwrap()
            .mismatches
    }

    /// The worked example (3 pages, 80.49 in `essays`), deadline in 50 hours, with `discount`.
    pub async fn spec(&self, request: &RequestContext, discount: Option<&str>) -> OrderSpec {
        let tenant = request.tenant().unwrap().id;
        let ids: HashMap<String, String> = catalog::list(&self.db, tenant, Entries::Active)
            .await
            .unwrap()
            .into_iter()
            .map(|entry| (entry.code, entry.id.to_string()))
            .collect();
        serde_json::from_value(json!({
            "topic": "The French Revolution", "paperTypeId": ids["essay"], "academicLevelId": ids["undergraduate"],
            "subjectId": ids["english"], "workTypeId": ids["writing"], "pages": 3,
            "deadline": Timestamp(self.clock.now() + Duration::hours(50)),
            "extraServiceIds": [ids["plagiarism_report"]], "writerLevelId": ids["advanced"], "discountCode": discount,
        }))
        .unwrap()
    }

    /// The order as it is in the database.
    pub async fn order(&self, id: Uuid) -> order::Model {
        order::Entity::find_by_id(id).one(&self.db).await.unwrap().unwrap()
    }
}

/// Places `spec` for the client of `request`, in a write transaction of its own (as
/// `placeOrder` does).
pub async fn place(request: &RequestContext, spec: &OrderSpec) -> AppResult<order::Model> {
    kernel::write(request, async |txn| orders::service::placing::place(txn, request, spec).await).await
}

/// An admin (`request`) offers the order to `writer` through the workforce's gate (as
/// `assignWriter` does); answers the order as it is after.
pub async fn offer(request: &RequestContext, order: Uuid, writer: Uuid) -> AppResult<order::Model> {
    let handed =
        kernel::write(request, async |txn| writers::service::work::offer(txn, request, order, writer, None).await)
            .await?;
    Ok(order::Entity::find_by_id(handed.id()).one(&request.db).await?.expect("the order offered"))
}

/// The error of a call that must fail.
#[track_caller]
pub fn refused<T>(result: AppResult<T>) -> AppError {
    match result {
        Ok(_) => panic!("expected an error, but the call succeeded"),
        Err(err) => err,
    }
}

/// Asserts that the call failed with `code` and `reason`, and returns the error.
#[track_caller]
pub fn assert_refused<T>(result: AppResult<T>, code: ErrorCode, reason: Option<Reason>) -> AppError {
    let err = refused(result);
    assert_eq!((err.code, err.reason), (code, reason), "{err:?}");
    err
}

/// Runs `tasks` tasks made by `make` (given their index), each on the runtime's worker
/// threads, started together by a barrier, and returns their results in index order.
pub async fn race<T, F>(tasks: usize, make: impl Fn(usize) -> F) -> Vec<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let gun = Arc::new(tokio::sync::Barrier::new(tasks));
    let handles: Vec<_> = (0..tasks)
        .map(|i| {
            let gun = gun.clone();
            let work = make(i);
            tokio::spawn(async move {
                gun.wait().await;
                work.await
            })
        })
        .collect();
    let mut results = Vec::with_capacity(tasks);
    for handle in handles {
        results.push(handle.await.expect("a racing task panicked"));
    }
    results
}

/// Each result as `ok` or `CODE/REASON`, for a failure message.
pub fn outcomes<T>(results: &[AppResult<T>]) -> Vec<String> {
    results
        .iter()
        .map(|r| match r {
            Ok(_) => "ok".to_owned(),
            Err(e) => format!("{}/{}", e.code.as_str(), e.reason.map_or("-", |r| r.as_str())),
        })
        .collect()
}

/// How many of `results` succeeded.
pub fn successes<T>(results: &[AppResult<T>]) -> usize {
    results.iter().filter(|r| r.is_ok()).count()
}
