//! The ledger's self-check. Double entry: every entry sums to zero, every cached balance equals
//! its postings. Business: no client wallet is below zero, payouts payable holds what writers
//! asked for and were not yet paid (each kind of payout entry moved what its requests say), and
//! each money invariant another
//! context registers holds (the orders context checks, per order, that what it shows as paid
//! and what its writer earned match the ledger). Every entry balancing is not enough: a writer
//! credited twice for one order balances perfectly.

use std::sync::Arc;

use kernel::{AppResult, RequestContext, Role};
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};
use uuid::Uuid;

/// A rule about money that a context above billing states, and the integrity check reports.
#[async_trait::async_trait]
pub trait MoneyInvariant: Send + Sync {
    /// What breaks the rule in `tenant` (every tenant when `None`), one line each.
    async fn violations(&self, db: &kernel::RequestDb, tenant: Option<Uuid>) -> AppResult<Vec<String>>;
}

/// The invariants the gateway registers as schema data.
#[derive(Clone, Default)]
pub struct MoneyInvariants(pub Vec<Arc<dyn MoneyInvariant>>);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Integrity {
    pub balanced: bool,
    pub accounts: u64,
    pub entries: u64,
    pub mismatches: Vec<String>,
}

/// `$1`-style SQL for either backend (SQLite reads `?1`).
pub(crate) fn statement(backend: DbBackend, sql: &str, tenant: Option<Uuid>) -> Statement {
    let sql = if backend == DbBackend::Sqlite { sql.replace("$1", "?1") } else { sql.to_owned() };
    let values: Vec<Value> = tenant.into_iter().map(Value::from).collect();
    Statement::from_sql_and_values(backend, sql, values)
}

/// Checks an admin's tenant, or for superadmins every tenant.
pub async fn check(
    conn: &kernel::RequestDb,
    request: &RequestContext,
    invariants: &MoneyInvariants,
) -> AppResult<Integrity> {
    let viewer = request.require_role(&[Role::Admin, Role::Superadmin])?;
    let tenant = match viewer.role {
        Role::Superadmin => None,
        _ => Some(request.tenant()?.id),
    };
    let backend = conn.get_database_backend();
    let scope = |column: &str| tenant.map_or_else(|| "1 = 1".to_owned(), |_| format!("{column} = $1"));
    let count = |sql: String| {
        let stmt = statement(backend, &sql, tenant);
        async move {
            let row = conn.query_one_raw(stmt).await?;
            let n = match row {
                Some(row) => row.try_get::<i64>("", "n")?,
                None => 0,
            };
            Ok::<u64, kernel::AppError>(u64::try_from(n).unwrap_or(0))
        }
    };
    let accounts = count(format!("SELECT COUNT(*) AS n FROM ledger_accounts WHERE {}", scope("tenant_id"))).await?;
    let entries = count(format!("SELECT COUNT(*) AS n FROM journal_entries WHERE {}", scope("tenant_id"))).await?;
    let mut mismatches = Vec::new();
    let unbalanced = format!(
        "SELECT e.id AS id, CAST(COALESCE(SUM(p.amount_minor), 0) AS BIGINT) AS total FROM journal_entries e \
         LEFT JOIN postings p ON p.entry_id = e.id WHERE {} GROUP BY e.id HAVING COALESCE(SUM(p.amount_minor), 0) <> 0",
        scope("e.tenant_id")
    );
    for row in conn.query_all_raw(statement(backend, &unbalanced, tenant)).await? {
        let id: Uuid = row.try_get("", "id")?;
        let total: i64 = row.try_get("", "total")?;
        mismatches.push(format!("entry {id} sums to {total}, not 0"));
    }
    let drifted = format!(
        "SELECT a.id AS id, a.balance_minor AS balance, CAST(COALESCE(SUM(p.amount_minor), 0) AS BIGINT) AS total FROM ledger_accounts a \
         LEFT JOIN postings p ON p.account_id = a.id WHERE {} GROUP BY a.id, a.balance_minor HAVING a.balance_minor <> COALESCE(SUM(p.amount_minor), 0)",
        scope("a.tenant_id")
    );
    for row in conn.query_all_raw(statement(backend, &drifted, tenant)).await? {
        let id: Uuid = row.try_get("", "id")?;
        let balance: i64 = row.try_get("", "balance")?;
        let total: i64 = row.try_get("", "total")?;
        mismatches.push(format!("account {id} caches {balance} but its postings sum to {total}"));
    }
    let overdrawn = format!(
        "SELECT id, balance_minor AS balance FROM ledger_accounts WHERE kind = 'CLIENT_WALLET' AND balance_minor < 0 AND {}",
        scope("tenant_id")
    );
    for row in conn.query_all_raw(statement(backend, &overdrawn, tenant)).await? {
        let id: Uuid = row.try_get("", "id")?;
        let balance: i64 = row.try_get("", "balance")?;
        mismatches.push(format!("wallet {id} is below zero ({balance})"));
    }
    mismatches.extend(crate::service::payouts::violations(conn, tenant).await?);
    for invariant in &invariants.0 {
        mismatches.extend(invariant.violations(conn, tenant).await?);
    }
    Ok(Integrity { balanced: mismatches.is_empty(), accounts, entries, mismatches })
}
