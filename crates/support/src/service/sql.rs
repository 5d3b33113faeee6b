//! Raw statements of the support crate's aggregates, written once with `$n` placeholders and
//! run on either backend.

use kernel::{AppError, AppResult};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement, Value};

/// A statement with `$n` placeholders, as the backend spells them.
pub(crate) fn statement(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = if backend == DbBackend::Postgres {
        sql.to_owned()
    } else {
        // SQLite numbers its placeholders `?NNN`
        let mut out = String::with_capacity(sql.len());
        let mut chars = sql.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
                out.push('?');
            } else {
                out.push(c);
            }
        }
        out
    };
    Statement::from_sql_and_values(backend, sql, values)
}

pub(crate) async fn one_row(conn: &impl ConnectionTrait, sql: &str, values: Vec<Value>) -> AppResult<QueryResult> {
    let stmt = statement(conn.get_database_backend(), sql, values);
    conn.query_one_raw(stmt).await?.ok_or_else(|| AppError::internal("an aggregate answered no row"))
}

pub(crate) async fn rows(conn: &impl ConnectionTrait, sql: &str, values: Vec<Value>) -> AppResult<Vec<QueryResult>> {
    let stmt = statement(conn.get_database_backend(), sql, values);
    Ok(conn.query_all_raw(stmt).await?)
}

/// The seconds from `from` to `to` (two timestamp columns) as SQL of the backend.
pub(crate) fn seconds_between(backend: DbBackend, from: &str, to: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("EXTRACT(EPOCH FROM ({to} - {from}))"),
        _ => format!("((julianday({to}) - julianday({from})) * 86400.0)"),
    }
}

pub(crate) fn count(row: &QueryResult, column: &str) -> AppResult<i64> {
    Ok(row.try_get::<Option<i64>>("", column)?.unwrap_or(0))
}

pub(crate) fn average(row: &QueryResult, column: &str) -> AppResult<Option<f64>> {
    Ok(row.try_get::<Option<f64>>("", column)?)
}

/// Runs a statement that answers no rows.
pub(crate) async fn execute(conn: &impl ConnectionTrait, sql: &str, values: Vec<Value>) -> AppResult<()> {
    let stmt = statement(conn.get_database_backend(), sql, values);
    conn.execute_raw(stmt).await?;
    Ok(())
}

/// `count` placeholders from `$first` on, comma separated, as an `IN (...)` list needs.
pub(crate) fn placeholders(first: usize, count: usize) -> String {
    (first..first + count).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ")
}
