//! The database as a request sees it.
//!
//! On PostgreSQL every tenant-owned table has a row-level security policy (migration
//! `m20261206_000021_row_level_security`) that shows a connection only the rows of the tenant its
//! transaction names. So a request's work runs in one transaction, begun at its first statement
//! with the request's [`Reach`] set for that transaction (`set_config(.., true)`) and committed
//! by the gateway when the request is answered: a statement that forgot its tenant filter still
//! reads and writes only the request's tenant. A write inside it ([`RequestDb::begin_write`]) is a
//! savepoint of that transaction, so a request holds one connection whatever it does.
//!
//! On SQLite, which has no row-level security, and for work that is no request's (the worker,
//! commands), a `RequestDb` is the pool, as it always was.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, ExecResult, QueryResult, Statement,
    TransactionTrait,
};
use tokio::sync::RwLock;
use uuid::Uuid;

use crate::db;

/// Which rows a request may see (the row-level security settings of its transaction).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// The tenant's rows, and when `installation` also the installation's own (no tenant:
    /// superadmins' accounts and sessions, the installation's audit chain): a signed-out request
    /// that turns out to be a superadmin signing in at a site widens to those
    /// ([`RequestDb::include_installation`]), and only then.
    Tenant { tenant: Option<Uuid>, installation: bool },
    /// Every tenant's rows: a superadmin's requests. The gateway grants it from the
    /// authenticated role and nothing else ([`Reach::of`]).
    AllTenants,
}

impl Reach {
    /// What a request may see: a superadmin every tenant, anyone else (signed out too) the
    /// request's tenant; a request at no site, the installation's rows.
    pub fn of(tenant: Option<Uuid>, viewer: Option<&crate::Viewer>) -> Reach {
        match viewer {
            Some(v) if v.role == crate::Role::Superadmin => Reach::AllTenants,
            _ => Reach::Tenant { tenant, installation: tenant.is_none() },
        }
    }

    /// The values of `app.tenant_id`, `app.installation` and `app.cross_tenant`, which the
    /// policies read ('' is "not set").
    fn settings(self) -> [String; 3] {
        match self {
            Reach::Tenant { tenant, installation } => [
                tenant.map(|t| t.to_string()).unwrap_or_default(),
                if installation { "on".into() } else { String::new() },
                String::new(),
            ],
            Reach::AllTenants => [String::new(), "on".into(), "on".into()],
        }
    }
}

/// The statement that scopes a transaction. The metrics leave it out, as they leave out
/// `BEGIN` and `COMMIT`: it is how a request runs, not what it asks.
pub const SCOPE_SQL: &str = "SELECT set_config('app.tenant_id', $1, true), set_config('app.installation', $2, true), \
                             set_config('app.cross_tenant', $3, true)";

/// Sets `reach` for the rest of `txn` (PostgreSQL).
pub async fn scope(txn: &impl ConnectionTrait, reach: Reach) -> Result<(), DbErr> {
    let [tenant, installation, cross] = reach.settings();
    txn.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        SCOPE_SQL,
        [tenant.into(), installation.into(), cross.into()],
    ))
    .await?;
    Ok(())
}

/// A request's handle on the database: a [`ConnectionTrait`] that services take like any
/// other. Cheap to clone (loaders hold one).
#[derive(Clone)]
pub struct RequestDb(Inner);

#[derive(Clone)]
enum Inner {
    /// Statements go to the pool: SQLite, and work that is no request's.
    Pool(DatabaseConnection),
    /// A request on PostgreSQL: one scoped transaction.
    Request(Arc<RequestTransaction>),
    /// A long-lived context on PostgreSQL (a WebSocket connection, which has no end to commit
    /// at): each statement is a scoped transaction of its own.
    EachStatement(DatabaseConnection, Reach),
}

struct RequestTransaction {
    pool: DatabaseConnection,
    /// The system pool, for the installation's counters ([`RequestDb::counters`]).
    system: DatabaseConnection,
    reach: Reach,
    /// The request has widened to the installation's rows ([`RequestDb::include_installation`]).
    installation: AtomicBool,
    state: RwLock<State>,
    /// A statement failed outside a savepoint: PostgreSQL has aborted the transaction, and a
    /// `COMMIT` would quietly roll back what the request wrote before, so finishing fails.
    failed: AtomicBool,
    /// Something other than a plain `SELECT` ran (a write, a savepoint): finishing commits and
    /// waits for it. A request that only read ends without a round trip of its own.
    wrote: AtomicBool,
}

enum State {
    NotBegun,
    Open(DatabaseTransaction),
    Finished,
}

impl From<DatabaseConnection> for RequestDb {
    fn from(pool: DatabaseConnection) -> Self {
        RequestDb(Inner::Pool(pool))
    }
}

impl RequestDb {
    /// The handle for one request: on PostgreSQL a transaction on `pool` scoped to `reach`
    /// (end it with [`RequestDb::finish`]); on SQLite the pool. `system` is the system pool.
    pub fn for_request(pool: DatabaseConnection, system: DatabaseConnection, reach: Reach) -> RequestDb {
        if pool.get_database_backend() != DbBackend::Postgres {
            return RequestDb(Inner::Pool(pool));
        }
        RequestDb(Inner::Request(Arc::new(RequestTransaction {
            pool,
            system,
            reach,
            installation: AtomicBool::new(false),
            state: RwLock::new(State::NotBegun),
            failed: AtomicBool::new(false),
            wrote: AtomicBool::new(false),
        })))
    }

    /// The handle for a long-lived context (a subscription's connection): on PostgreSQL each
    /// statement runs in its own transaction scoped to `reach`; on SQLite the pool.
    pub fn for_connection(pool: DatabaseConnection, reach: Reach) -> RequestDb {
        if pool.get_database_backend() != DbBackend::Postgres {
            return RequestDb(Inner::Pool(pool));
        }
        RequestDb(Inner::EachStatement(pool, reach))
    }

    /// Ends the request's transaction, committing what it wrote (nothing to do when it never
    /// began or is the pool), before the answer is sent. An error means nothing the request
    /// wrote was kept.
    pub async fn finish(&self) -> Result<(), DbErr> {
        self.end(State::Finished).await
    }

    /// Ends the request's transaction now, committing what it wrote; the next statement begins
    /// another. For work that must not hold a connection (hashing a password, a payment
    /// provider's API) and for effects that must follow the commit (a cache dropped, settings
    /// announced to the process).
    pub async fn commit(&self) -> Result<(), DbErr> {
        self.end(State::NotBegun).await
    }

    async fn end(&self, next: State) -> Result<(), DbErr> {
        let Inner::Request(request) = &self.0 else { return Ok(()) };
        let mut state = request.state.write().await;
        if matches!(*state, State::Finished) {
            return Err(ended());
        }
        let wrote = request.wrote.swap(false, Ordering::AcqRel);
        let failed = request.failed.swap(false, Ordering::AcqRel);
        match std::mem::replace(&mut *state, next) {
            State::Open(txn) if wrote && failed => {
                txn.rollback().await?;
                Err(DbErr::Custom("a statement of the request failed; what it wrote was rolled back".into()))
            }
            State::Open(txn) if wrote => txn.commit().await,
            // Only read: rolling back is committing. Dropped, the transaction queues its
            // `ROLLBACK`, which the connection's return to the pool sends with its ping.
            State::Open(txn) => {
                drop(txn);
                Ok(())
            }
            State::NotBegun | State::Finished => Ok(()),
        }
    }

    /// Widens the rest of a signed-out request to the installation's own rows as well as its
    /// tenant's: for a superadmin signing in at a site (their account, session, challenge and
    /// audit entries have no tenant). Returns whether the view changed (it does not on SQLite,
    /// for a superadmin's request, or twice).
    pub async fn include_installation(&self) -> Result<bool, DbErr> {
        let Inner::Request(request) = &self.0 else { return Ok(false) };
        if matches!(request.reach, Reach::AllTenants | Reach::Tenant { installation: true, .. })
            || request.installation.swap(true, Ordering::AcqRel)
        {
            return Ok(false);
        }
        let state = request.state.read().await;
        if let State::Open(txn) = &*state {
            scope(txn, request.reach()).await?;
        }
        Ok(true)
    }

    /// Where the installation's counters (sign-in throttling's attempts, a table outside the
    /// wall, kept per address across sites) are written when they must count at once: a
    /// request's transaction would hide an attempt from concurrent guesses until it ends. On
    /// PostgreSQL the system pool, each statement committed as it runs (not a second connection
    /// of the requests' pool, which a flood of sign-ins holding one each could wait on forever);
    /// `None` where the caller's own connection already commits each statement or holds the
    /// one write lock (SQLite).
    pub fn counters(&self) -> Option<RequestDb> {
        match &self.0 {
            Inner::Request(request) => Some(RequestDb(Inner::Pool(request.system.clone()))),
            Inner::Pool(_) | Inner::EachStatement(..) => None,
        }
    }

    /// A write transaction in the request's scope: a savepoint of the request's transaction,
    /// or on the pool [`db::begin_write`] (scoped, for a long-lived context on PostgreSQL).
    pub async fn begin_write(&self) -> Result<DatabaseTransaction, DbErr> {
        match &self.0 {
            Inner::Pool(pool) => db::begin_write(pool).await,
            Inner::Request(request) => {
                request.wrote.store(true, Ordering::Release);
                let state = request.open().await?;
                match &*state {
                    State::Open(txn) => txn.begin().await,
                    _ => Err(ended()),
                }
            }
            Inner::EachStatement(pool, reach) => begin_scoped(pool, *reach).await,
        }
    }
}

/// A transaction on `pool` with `reach` set for it (PostgreSQL's default isolation, read
/// committed, as [`db::begin_write`] asks).
async fn begin_scoped(pool: &DatabaseConnection, reach: Reach) -> Result<DatabaseTransaction, DbErr> {
    let txn = pool.begin().await?;
    scope(&txn, reach).await?;
    Ok(txn)
}

fn ended() -> DbErr {
    DbErr::Custom("the request's transaction has ended".into())
}

impl RequestTransaction {
    /// What the request may see now.
    fn reach(&self) -> Reach {
        match self.reach {
            Reach::Tenant { tenant, .. } if self.installation.load(Ordering::Acquire) => {
                Reach::Tenant { tenant, installation: true }
            }
            reach => reach,
        }
    }

    /// The state with the transaction begun (and scoped) if it was not.
    async fn open(&self) -> Result<tokio::sync::RwLockReadGuard<'_, State>, DbErr> {
        {
            let state = self.state.read().await;
            if !matches!(*state, State::NotBegun) {
                return Ok(state);
            }
        }
        let mut state = self.state.write().await;
        if matches!(*state, State::NotBegun) {
            *state = State::Open(begin_scoped(&self.pool, self.reach()).await?);
        }
        Ok(state.downgrade())
    }
}

/// Whether `sql` only reads (a `SELECT` that locks nothing; the services' writes are never
/// `SELECT`s, and their side effects, `pg_notify` say, run in write transactions).
fn only_reads(sql: &str) -> bool {
    sql.get(..6).is_some_and(|head| head.eq_ignore_ascii_case("SELECT")) && !sql.contains(" FOR ")
}

/// Runs `$call` with `$conn` bound to where the statement goes; `$reads`: whether it only reads.
macro_rules! dispatch {
    ($self:ident, $reads:expr, $conn:ident => $call:expr) => {
        match &$self.0 {
            Inner::Pool($conn) => $call.await,
            Inner::Request(request) => {
                if !$reads {
                    request.wrote.store(true, Ordering::Release);
                }
                let state = request.open().await?;
                let State::Open($conn) = &*state else { return Err(ended()) };
                let result = $call.await;
                if result.is_err() {
                    request.failed.store(true, Ordering::Release);
                }
                result
            }
            Inner::EachStatement(pool, reach) => {
                let txn = begin_scoped(pool, *reach).await?;
                let result = {
                    let $conn = &txn;
                    $call.await?
                };
                txn.commit().await?;
                Ok(result)
            }
        }
    };
}

#[async_trait::async_trait]
impl ConnectionTrait for RequestDb {
    fn get_database_backend(&self) -> DbBackend {
        match &self.0 {
            Inner::Pool(pool) | Inner::EachStatement(pool, _) => pool.get_database_backend(),
            Inner::Request(request) => request.pool.get_database_backend(),
        }
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        dispatch!(self, false, conn => conn.execute_raw(stmt))
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        dispatch!(self, false, conn => conn.execute_unprepared(sql))
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        let reads = only_reads(&stmt.sql);
        dispatch!(self, reads, conn => conn.query_one_raw(stmt))
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        let reads = only_reads(&stmt.sql);
        dispatch!(self, reads, conn => conn.query_all_raw(stmt))
    }

    fn support_returning(&self) -> bool {
        match &self.0 {
            Inner::Pool(pool) | Inner::EachStatement(pool, _) => pool.support_returning(),
            Inner::Request(request) => request.pool.support_returning(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Reach, only_reads};
    use crate::{Role, Viewer};

    #[test]
    fn only_a_plain_select_counts_as_reading() {
        assert!(only_reads(r#"SELECT "orders"."id" FROM "orders" WHERE "orders"."tenant_id" = $1 LIMIT $2"#));
        assert!(only_reads("select 1"));
        for writes in [
            r#"INSERT INTO "jobs" ("id") VALUES ($1) RETURNING "id""#,
            r#"UPDATE "sessions" SET "last_seen_at" = $1"#,
            r#"WITH moved AS (UPDATE "jobs" SET "status" = $1 RETURNING *) SELECT * FROM moved"#,
            r#"SELECT "id" FROM "orders" WHERE "id" = $1 FOR UPDATE"#,
            "SELEC",
        ] {
            assert!(!only_reads(writes), "{writes}");
        }
    }

    #[test]
    fn a_superadmin_reaches_every_tenant_and_a_request_at_no_site_the_installation() {
        let id = crate::new_id();
        let tenant = Some(id);
        let viewer = |role| Viewer {
            user_id: crate::new_id(),
            tenant_id: None,
            role,
            session_id: crate::new_id(),
            email: String::new(),
            display_name: String::new(),
            two_factor: false,
        };
        assert_eq!(Reach::of(tenant, Some(&viewer(Role::Superadmin))), Reach::AllTenants);
        for role in [Role::Client, Role::Writer, Role::Editor, Role::Support, Role::Admin] {
            assert_eq!(Reach::of(tenant, Some(&viewer(role))), Reach::Tenant { tenant, installation: false });
        }
        assert_eq!(Reach::of(tenant, None), Reach::Tenant { tenant, installation: false });
        assert_eq!(Reach::of(None, None), Reach::Tenant { tenant: None, installation: true });
        let [t, installation, cross] = Reach::of(tenant, Some(&viewer(Role::Admin))).settings();
        assert_eq!((t, installation, cross), (id.to_string(), String::new(), String::new()));
    }
}
