//! Connecting to the database and opening write transactions the same way on both backends.

use std::time::Duration;

use sea_orm::{
    AccessMode, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    IsolationLevel, SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};

/// Opens a pool. SQLite gets WAL, a busy timeout and foreign keys; an in-memory SQLite database
/// is one connection (each connection would otherwise see its own empty database).
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options.sqlx_logging(false).acquire_timeout(Duration::from_secs(10));
    if url.starts_with("sqlite:") {
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        options.max_connections(if in_memory { 1 } else { 8 }).min_connections(1).map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
        });
    } else {
        options.max_connections(16).min_connections(1);
        if plain_text_by_default(url, std::env::var_os("PGSSLMODE").is_some()) {
            options.map_sqlx_postgres_opts(|opts| opts.ssl_mode(sea_orm::sqlx::postgres::PgSslMode::Disable));
        }
    }
    Database::connect(options).await
}

/// Whether a PostgreSQL connection should skip TLS: the URL names no `sslmode` (nor does
/// `PGSSLMODE`) and the server is on this machine (a loopback address or a Unix socket). The
/// driver's default, `prefer`, would encrypt whenever the server offers it, which on loopback
/// protects nothing and costs about a tenth of a request's CPU. Any `sslmode` the URL gives is
/// respected; a remote server keeps `prefer` (production should say `sslmode=verify-full`).
fn plain_text_by_default(url: &str, sslmode_in_environment: bool) -> bool {
    let (address, query) = url.split_once('?').unwrap_or((url, ""));
    let names_sslmode = query.split('&').any(|pair| pair.starts_with("sslmode=") || pair.starts_with("ssl-mode="));
    if names_sslmode || sslmode_in_environment {
        return false;
    }
    // postgres://user:password@host:port/database, the host possibly a bracketed IPv6 address;
    // a `host=` query parameter (a socket directory) or no host at all means a Unix socket
    let host_param = query.split('&').find_map(|pair| pair.strip_prefix("host="));
    let authority = address.split_once("://").map_or("", |(_, rest)| rest).split('/').next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    let host = host_param.unwrap_or(host);
    host.is_empty()
        || host.starts_with('/')
        || host.starts_with("%2F")
        || host.eq_ignore_ascii_case("localhost")
        || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// A transaction that takes the write lock up front (used by [`crate::write`]; nothing else opens
/// write transactions): `BEGIN IMMEDIATE` on SQLite (so two
/// writers never both read then fail to upgrade), a plain read-committed transaction on
/// PostgreSQL, where row locks and conditional updates do the guarding.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    match db.get_database_backend() {
        DbBackend::Sqlite => {
            db.begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await
        }
        _ => db.begin_with_config(Some(IsolationLevel::ReadCommitted), Some(AccessMode::ReadWrite)).await,
    }
}

/// Holds a lock on a business key (an e-mail address, say) until the caller's write transaction
/// ends, so that a check-then-insert spanning several rows cannot interleave with another:
/// `pg_advisory_xact_lock` on PostgreSQL; on SQLite the write transaction from [`begin_write`]
/// already holds the database's one write lock.
pub async fn lock_key(conn: &impl ConnectionTrait, key: &str) -> Result<(), DbErr> {
    if conn.get_database_backend() == DbBackend::Postgres {
        conn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
            [key.into()],
        ))
        .await?;
    }
    Ok(())
}

/// The ids for an `IN (...)` list, deduplicated and padded (repeating the last) to a power of
/// two of at least 8. Prepared statements are cached per distinct SQL text, and an `IN` list
/// of every length would be a new statement each time; padded, a few shapes serve all.
pub fn in_list(ids: &[uuid::Uuid]) -> Vec<uuid::Uuid> {
    let mut list = ids.to_vec();
    list.sort_unstable();
    list.dedup();
    if let Some(&last) = list.last() {
        let target = list.len().next_power_of_two().max(8);
        list.resize(target, last);
    }
    list
}

#[cfg(test)]
mod tests {
    use super::{in_list, plain_text_by_default};

    #[test]
    fn loopback_databases_skip_tls_unless_the_url_or_environment_asks() {
        for local in [
            "postgres://postgres@127.0.0.1:5432/postgres",
            "postgres://u:p@localhost/db",
            "postgresql://[::1]:5432/db",
            "postgres:///db",
            "postgres://u@%2Fvar%2Frun%2Fpostgresql/db",
            "postgres://u@/db?host=/var/run/postgresql",
            "postgres://u@127.0.0.2/db?application_name=x",
        ] {
            assert!(plain_text_by_default(local, false), "{local}");
        }
        for kept in [
            "postgres://u@db.example.com:5432/db",
            "postgres://u@10.0.0.5/db",
            "postgres://u@127.0.0.1/db?sslmode=require",
            "postgres://u@localhost/db?application_name=x&sslmode=prefer",
            "postgres://u@localhost/db?ssl-mode=verify-full",
        ] {
            assert!(!plain_text_by_default(kept, false), "{kept}");
        }
        assert!(!plain_text_by_default("postgres://u@127.0.0.1/db", true), "PGSSLMODE is respected");
    }

    #[test]
    fn in_lists_come_in_few_shapes_and_keep_every_id() {
        let ids: Vec<uuid::Uuid> = (0..37).map(|_| crate::new_id()).collect();
        let list = in_list(&ids);
        assert_eq!(list.len(), 64);
        assert!(ids.iter().all(|id| list.contains(id)));
        assert_eq!(in_list(&ids[..3]).len(), 8);
        assert!(in_list(&[]).is_empty());
    }
}
