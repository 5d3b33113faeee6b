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
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

use sea_orm::sqlx::{self, Postgres};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, ExecResult, QueryResult, RuntimeErr,
    Statement, TransactionTrait,
};
use sea_query_sqlx::SqlxValues;
use tokio::sync::{Mutex, MutexGuard};
use uuid::Uuid;

use crate::db;

/// What is told of each statement a request runs on its own connection (the metrics and the SQL
/// log; sea-orm tells the pool's statements to the callback set on the pool).
pub type OnStatement = Arc<dyn Fn(&sea_orm::metric::Info<'_>) + Send + Sync>;

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
    txn.execute_raw(scope_statement(reach)).await?;
    Ok(())
}

fn scope_statement(reach: Reach) -> Statement {
    let [tenant, installation, cross] = reach.settings();
    Statement::from_sql_and_values(DbBackend::Postgres, SCOPE_SQL, [tenant.into(), installation.into(), cross.into()])
}

/// `BEGIN` and the scope in one message (one round trip instead of two), as `SET LOCAL`s:
/// utility statements, which PostgreSQL neither plans nor executes as a query (a `SELECT
/// set_config(..)` sent this way costs it a third more). The values are written into the text,
/// which a simple-protocol message needs: a tenant id as a UUID prints (hexadecimal digits and
/// dashes), `on` or nothing, so nothing can be injected.
fn begin_scoped_sql(reach: Reach) -> String {
    let [tenant, installation, cross] = reach.settings();
    debug_assert!(
        [&tenant, &installation, &cross].iter().all(|v| v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
    );
    format!(
        "BEGIN; SET LOCAL app.tenant_id = '{tenant}'; SET LOCAL app.installation = '{installation}'; \
         SET LOCAL app.cross_tenant = '{cross}'"
    )
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

/// A request's transaction on PostgreSQL. It runs on a connection of its own, taken from the
/// pool at the first statement, rather than through sea-orm's transaction: so that `BEGIN` and
/// the scope go in one round trip (sea-orm sends `BEGIN` alone), and a statement does not pass
/// through two locks and two boxed futures on its way.
struct RequestTransaction {
    pool: DatabaseConnection,
    /// The system pool, for the installation's counters ([`RequestDb::counters`]).
    system: DatabaseConnection,
    reach: Reach,
    on_statement: Option<OnStatement>,
    /// The request has widened to the installation's rows ([`RequestDb::include_installation`]).
    installation: AtomicBool,
    /// One statement at a time on the connection (the request's fields run concurrently).
    state: Mutex<State>,
    /// A statement failed outside a savepoint (or a savepoint could not end): PostgreSQL has
    /// aborted the transaction, and a `COMMIT` would quietly roll back what the request wrote
    /// before, so finishing fails.
    failed: AtomicBool,
    /// Something other than a plain `SELECT` ran (a write, a savepoint): finishing commits and
    /// waits for it. A request that only read ends without a round trip of its own.
    wrote: AtomicBool,
    /// What the request wrote in a transaction it ended early ([`RequestDb::commit`]) was rolled
    /// back: finishing fails.
    lost: AtomicBool,
    /// Names the savepoints of [`RequestDb::begin_write`].
    savepoints: AtomicU32,
    /// Savepoints dropped before they ended (a write's work returned early): rolled back before
    /// the next statement or the commit, as sqlx queues a dropped transaction's rollback.
    abandoned: std::sync::Mutex<Vec<String>>,
}

enum State {
    NotBegun,
    /// sqlx's transaction: dropped, it queues its `ROLLBACK`, which the connection's return to
    /// the pool sends with its ping.
    Open(sqlx::Transaction<'static, Postgres>),
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
    /// `on_statement` is told of each statement run on the request's own connection.
    pub fn for_request(
        pool: DatabaseConnection,
        system: DatabaseConnection,
        reach: Reach,
        on_statement: Option<OnStatement>,
    ) -> RequestDb {
        if pool.get_database_backend() != DbBackend::Postgres {
            return RequestDb(Inner::Pool(pool));
        }
        RequestDb(Inner::Request(Arc::new(RequestTransaction {
            pool,
            system,
            reach,
            on_statement,
            installation: AtomicBool::new(false),
            state: Mutex::new(State::NotBegun),
            failed: AtomicBool::new(false),
            wrote: AtomicBool::new(false),
            lost: AtomicBool::new(false),
            savepoints: AtomicU32::new(0),
            abandoned: std::sync::Mutex::new(Vec::new()),
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
        let mut state = request.state.lock().await;
        if matches!(*state, State::Finished) {
            return Err(ended());
        }
        let finishing = matches!(next, State::Finished);
        let wrote = request.wrote.swap(false, Ordering::AcqRel);
        let ending = match std::mem::replace(&mut *state, next) {
            State::Open(mut txn) if wrote => {
                let abandoned = request.roll_back_abandoned(&mut txn).await;
                if abandoned.is_err() || request.failed.load(Ordering::Acquire) {
                    txn.rollback().await.map_err(exec_err)?;
                    request.lost.store(true, Ordering::Release);
                    Err(lost())
                } else {
                    txn.commit().await.map_err(exec_err)
                }
            }
            // Only read: rolling back is committing. Dropped, the transaction queues its
            // `ROLLBACK`, which the connection's return to the pool sends with its ping.
            State::Open(txn) => {
                drop(txn);
                Ok(())
            }
            State::NotBegun | State::Finished => Ok(()),
        };
        // the next transaction starts clean
        request.failed.store(false, Ordering::Release);
        request.abandoned.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clear();
        // What an earlier transaction of the request wrote was rolled back (ended early with
        // `commit`): the request fails, though the field that wrote may have answered success.
        if ending.is_ok() && finishing && request.lost.load(Ordering::Acquire) {
            return Err(lost());
        }
        ending
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
        let mut state = request.state.lock().await;
        if let State::Open(txn) = &mut *state {
            request.roll_back_abandoned(txn).await?;
            let statement = scope_statement(request.reach());
            let scoped = request.run(txn, &statement, async |conn| sql(&statement).execute(conn).await).await;
            if scoped.is_err() {
                request.failed.store(true, Ordering::Release);
            }
            scoped.map_err(exec_err)?;
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
    pub async fn begin_write(&self) -> Result<WriteTransaction, DbErr> {
        match &self.0 {
            Inner::Pool(pool) => Ok(db::begin_write(pool).await?.into()),
            Inner::Request(request) => {
                let name = format!("request_write_{}", request.savepoints.fetch_add(1, Ordering::Relaxed));
                request.simple(&format!("SAVEPOINT {name}")).await?;
                Ok(WriteTransaction(Write::Savepoint { request: request.clone(), name, ended: false }))
            }
            Inner::EachStatement(pool, reach) => Ok(begin_scoped(pool, *reach).await?.into()),
        }
    }
}

/// A write transaction ([`crate::write`]): sea-orm's, or a savepoint of a request's transaction
/// on PostgreSQL. End it with [`WriteTransaction::commit`] or [`WriteTransaction::rollback`].
pub struct WriteTransaction(Write);

enum Write {
    /// Taken when it ends.
    Orm(Option<DatabaseTransaction>),
    Savepoint {
        request: Arc<RequestTransaction>,
        name: String,
        ended: bool,
    },
}

impl From<DatabaseTransaction> for WriteTransaction {
    fn from(txn: DatabaseTransaction) -> Self {
        WriteTransaction(Write::Orm(Some(txn)))
    }
}

impl WriteTransaction {
    pub async fn commit(self) -> Result<(), DbErr> {
        self.end(true).await
    }

    pub async fn rollback(self) -> Result<(), DbErr> {
        self.end(false).await
    }

    async fn end(mut self, keep: bool) -> Result<(), DbErr> {
        match &mut self.0 {
            Write::Orm(txn) => {
                let txn = txn.take().ok_or_else(ended)?;
                if keep { txn.commit().await } else { txn.rollback().await }
            }
            Write::Savepoint { request, name, ended } => {
                let sql = if keep { format!("RELEASE SAVEPOINT {name}") } else { rollback_to(name) };
                request.end_savepoint(&sql).await?;
                *ended = true;
                Ok(())
            }
        }
    }
}

/// Undoes a savepoint's writes and ends it.
fn rollback_to(savepoint: &str) -> String {
    format!("ROLLBACK TO SAVEPOINT {savepoint}; RELEASE SAVEPOINT {savepoint}")
}

impl Drop for WriteTransaction {
    /// A savepoint dropped before it ended is rolled back before the request's next statement
    /// (sea-orm's transaction rolls back when dropped too).
    fn drop(&mut self) {
        if let Write::Savepoint { request, name, ended: false } = &mut self.0 {
            request.abandoned.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(std::mem::take(name));
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

fn lost() -> DbErr {
    DbErr::Custom("a statement of the request failed; what it wrote was rolled back".into())
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

    /// The state, locked, with the transaction begun (and scoped) if it was not.
    async fn open(&self) -> Result<MutexGuard<'_, State>, DbErr> {
        let mut state = self.state.lock().await;
        if matches!(*state, State::NotBegun) {
            let reach = self.reach();
            let started = Instant::now();
            let begun =
                self.pool.get_postgres_connection_pool().begin_with(sqlx::AssertSqlSafe(begin_scoped_sql(reach))).await;
            // the log shows the scope as a statement of its own (the ceiling benchmark replays it)
            self.tell(&scope_statement(reach), started.elapsed(), begun.is_err());
            *state = State::Open(begun.map_err(|e| match e {
                sqlx::Error::PoolTimedOut => DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout),
                sqlx::Error::PoolClosed => DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::ConnectionClosed),
                e => DbErr::Conn(RuntimeErr::SqlxError(Arc::new(e))),
            })?);
        }
        Ok(state)
    }

    /// Rolls back the savepoints dropped before they ended, in the order they were dropped
    /// (an inner one before the one around it). When that fails, what the request wrote is
    /// rolled back at its end.
    async fn roll_back_abandoned(&self, txn: &mut sqlx::Transaction<'static, Postgres>) -> Result<(), DbErr> {
        let names = std::mem::take(&mut *self.abandoned.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
        for name in names {
            if let Err(e) = sqlx::raw_sql(sqlx::AssertSqlSafe(rollback_to(&name))).execute(&mut **txn).await {
                self.failed.store(true, Ordering::Release);
                return Err(exec_err(e));
            }
        }
        Ok(())
    }

    fn tell(&self, statement: &Statement, elapsed: Duration, failed: bool) {
        if let Some(on_statement) = &self.on_statement {
            on_statement(&sea_orm::metric::Info { elapsed, statement, failed });
        }
    }

    /// Runs `statement` (with `query`, which runs it) on the request's connection, and tells of
    /// it. (The caller marks the transaction failed when it must.)
    async fn run<T>(
        &self,
        txn: &mut sqlx::Transaction<'static, Postgres>,
        statement: &Statement,
        query: impl AsyncFnOnce(&mut sqlx::PgConnection) -> Result<T, sqlx::Error>,
    ) -> Result<T, sqlx::Error> {
        let started = Instant::now();
        let result = query(&mut **txn).await;
        self.tell(statement, started.elapsed(), result.is_err());
        result
    }

    /// A statement of the request: begins the transaction if need be. `in_savepoint`: its
    /// failure is the savepoint's to roll back (else it marks the transaction failed).
    async fn statement<T>(
        &self,
        statement: Statement,
        reads: bool,
        in_savepoint: bool,
        to_err: fn(sqlx::Error) -> DbErr,
        query: impl AsyncFnOnce(&Statement, &mut sqlx::PgConnection) -> Result<T, sqlx::Error>,
    ) -> Result<T, DbErr> {
        // boxed: a statement's future is deep in every resolver's, and debug builds' stacks are
        // small for it
        let mut state = Box::pin(self.open()).await?;
        if !reads {
            // under the lock: an early `commit` cannot take it for its own transaction
            self.wrote.store(true, Ordering::Release);
        }
        let State::Open(txn) = &mut *state else { return Err(ended()) };
        self.roll_back_abandoned(txn).await?;
        let result = Box::pin(self.run(txn, &statement, async |conn| query(&statement, conn).await)).await;
        if result.is_err() && !in_savepoint {
            self.failed.store(true, Ordering::Release);
        }
        result.map_err(to_err)
    }

    async fn execute(&self, statement: Statement, in_savepoint: bool) -> Result<ExecResult, DbErr> {
        self.statement(statement, false, in_savepoint, exec_err, async |s, conn| {
            sql(s).execute(conn).await.map(ExecResult::from)
        })
        .await
    }

    async fn execute_unprepared(&self, text: &str, in_savepoint: bool) -> Result<ExecResult, DbErr> {
        let statement = Statement::from_string(DbBackend::Postgres, text);
        self.statement(statement, false, in_savepoint, exec_err, async |s, conn| {
            sqlx::raw_sql(sqlx::AssertSqlSafe(s.sql.clone())).execute(conn).await.map(ExecResult::from)
        })
        .await
    }

    async fn query_one(&self, statement: Statement, in_savepoint: bool) -> Result<Option<QueryResult>, DbErr> {
        let reads = only_reads(&statement.sql);
        self.statement(statement, reads, in_savepoint, query_err, async |s, conn| {
            sql(s).fetch_optional(conn).await.map(|row| row.map(QueryResult::from))
        })
        .await
    }

    async fn query_all(&self, statement: Statement, in_savepoint: bool) -> Result<Vec<QueryResult>, DbErr> {
        let reads = only_reads(&statement.sql);
        self.statement(statement, reads, in_savepoint, query_err, async |s, conn| {
            sql(s).fetch_all(conn).await.map(|rows| rows.into_iter().map(QueryResult::from).collect())
        })
        .await
    }

    /// A savepoint's statement: how the request runs, not what it asks, so the metrics and the
    /// log are not told of it (nor of `BEGIN` and `COMMIT`), as sea-orm's savepoints were not.
    async fn simple(&self, text: &str) -> Result<(), DbErr> {
        let mut state = Box::pin(self.open()).await?;
        let State::Open(txn) = &mut *state else { return Err(ended()) };
        self.wrote.store(true, Ordering::Release);
        self.roll_back_abandoned(txn).await?;
        let result = sqlx::raw_sql(sqlx::AssertSqlSafe(text.to_owned())).execute(&mut **txn).await;
        if result.is_err() {
            self.failed.store(true, Ordering::Release);
        }
        result.map(|_| ()).map_err(exec_err)
    }

    /// Releases or rolls back a savepoint; when that fails the transaction is in a state
    /// nobody knows, and what the request wrote is rolled back.
    async fn end_savepoint(&self, text: &str) -> Result<(), DbErr> {
        let ended = self.simple(text).await;
        if ended.is_err() {
            self.failed.store(true, Ordering::Release);
        }
        ended
    }
}

/// The statement as sqlx runs it, its values bound as sea-orm binds them.
fn sql(statement: &Statement) -> sqlx::query::Query<'_, Postgres, SqlxValues> {
    let values = statement.values.clone().unwrap_or(sea_orm::sea_query::Values(Vec::new()));
    sqlx::query_with(sqlx::AssertSqlSafe(statement.sql.as_str()), SqlxValues(values))
}

fn exec_err(e: sqlx::Error) -> DbErr {
    DbErr::Exec(RuntimeErr::SqlxError(Arc::new(e)))
}

fn query_err(e: sqlx::Error) -> DbErr {
    DbErr::Query(RuntimeErr::SqlxError(Arc::new(e)))
}

/// Whether `sql` only reads (a `SELECT` that locks nothing; the services' writes are never
/// `SELECT`s, and their side effects, `pg_notify` say, run in write transactions).
fn only_reads(sql: &str) -> bool {
    sql.get(..6).is_some_and(|head| head.eq_ignore_ascii_case("SELECT")) && !sql.contains(" FOR ")
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
        match &self.0 {
            Inner::Pool(pool) => pool.execute_raw(stmt).await,
            Inner::Request(request) => request.execute(stmt, false).await,
            Inner::EachStatement(pool, reach) => {
                on_its_own(pool, *reach, async |txn| txn.execute_raw(stmt).await).await
            }
        }
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        match &self.0 {
            Inner::Pool(pool) => pool.execute_unprepared(sql).await,
            Inner::Request(request) => request.execute_unprepared(sql, false).await,
            Inner::EachStatement(pool, reach) => {
                on_its_own(pool, *reach, async |txn| txn.execute_unprepared(sql).await).await
            }
        }
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        match &self.0 {
            Inner::Pool(pool) => pool.query_one_raw(stmt).await,
            Inner::Request(request) => request.query_one(stmt, false).await,
            Inner::EachStatement(pool, reach) => {
                on_its_own(pool, *reach, async |txn| txn.query_one_raw(stmt).await).await
            }
        }
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        match &self.0 {
            Inner::Pool(pool) => pool.query_all_raw(stmt).await,
            Inner::Request(request) => request.query_all(stmt, false).await,
            Inner::EachStatement(pool, reach) => {
                on_its_own(pool, *reach, async |txn| txn.query_all_raw(stmt).await).await
            }
        }
    }

    fn support_returning(&self) -> bool {
        match &self.0 {
            Inner::Pool(pool) | Inner::EachStatement(pool, _) => pool.support_returning(),
            Inner::Request(request) => request.pool.support_returning(),
        }
    }
}

/// A statement of a long-lived context: a scoped transaction of its own, committed.
async fn on_its_own<T>(
    pool: &DatabaseConnection,
    reach: Reach,
    statement: impl AsyncFnOnce(&DatabaseTransaction) -> Result<T, DbErr>,
) -> Result<T, DbErr> {
    let txn = begin_scoped(pool, reach).await?;
    let result = statement(&txn).await?;
    txn.commit().await?;
    Ok(result)
}

#[async_trait::async_trait]
impl ConnectionTrait for WriteTransaction {
    fn get_database_backend(&self) -> DbBackend {
        match &self.0 {
            Write::Orm(txn) => txn.as_ref().map_or(DbBackend::Postgres, |t| t.get_database_backend()),
            Write::Savepoint { .. } => DbBackend::Postgres,
        }
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        match &self.0 {
            Write::Orm(txn) => txn.as_ref().ok_or_else(ended)?.execute_raw(stmt).await,
            Write::Savepoint { request, .. } => request.execute(stmt, true).await,
        }
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        match &self.0 {
            Write::Orm(txn) => txn.as_ref().ok_or_else(ended)?.execute_unprepared(sql).await,
            Write::Savepoint { request, .. } => request.execute_unprepared(sql, true).await,
        }
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        match &self.0 {
            Write::Orm(txn) => txn.as_ref().ok_or_else(ended)?.query_one_raw(stmt).await,
            Write::Savepoint { request, .. } => request.query_one(stmt, true).await,
        }
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        match &self.0 {
            Write::Orm(txn) => txn.as_ref().ok_or_else(ended)?.query_all_raw(stmt).await,
            Write::Savepoint { request, .. } => request.query_all(stmt, true).await,
        }
    }

    fn support_returning(&self) -> bool {
        match &self.0 {
            Write::Orm(txn) => txn.as_ref().is_some_and(|t| t.support_returning()),
            Write::Savepoint { .. } => true,
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
