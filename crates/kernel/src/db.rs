//! Connecting to the database and opening write transactions the same way on both backends.

use std::time::Duration;

use sea_orm::{
    AccessMode, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    IsolationLevel, SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};

/// Opens a pool. SQLite gets WAL, a busy timeout and foreign keys; an in-memory SQLite database
/// is one connection (each connection would otherwise see its own empty database).
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    connect_as(url, None, false).await
}

/// The role the server's PostgreSQL connections act as when the URL's own role would pass
/// row-level security by (it owns the tables, or is a superuser): created by the server when it
/// may (`serve --demo` with one URL), or beforehand as the README says.
pub const RUNTIME_ROLE: &str = "scriptorium_app";

/// The connection's role and whether it passes row-level security by: a superuser, or a role
/// with `BYPASSRLS`. (The tables' owner does not: the policies are `FORCE`d.)
pub const PASSES_THE_WALL_BY: &str =
    "SELECT current_user::text, rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user";

/// The server's two pools. On SQLite both are the one pool.
#[derive(Clone)]
pub struct Pools {
    /// Requests' work, through [`crate::RequestDb`]. On PostgreSQL its connections pass the
    /// row-level security policies, so they see no tenant's rows until a transaction names one.
    pub requests: DatabaseConnection,
    /// Work that is no request's (the worker, commands, the live hub) and the steps that find a
    /// request's tenant and viewer (a host's tenant, a token's session): on PostgreSQL its
    /// connections set `app.cross_tenant`, which the policies let past.
    pub system: DatabaseConnection,
}

impl Pools {
    /// Both pools on `url`, a migrated database; `owner` is the connection that migrated it
    /// (it grants the tables to the role the pools act as). On PostgreSQL, when `url`'s role
    /// would pass row-level security by, the pools act as [`RUNTIME_ROLE`], created here if
    /// `owner` may create roles; if not, this fails and says what to do.
    pub async fn open(url: &str, owner: &DatabaseConnection) -> Result<Pools, DbErr> {
        if owner.get_database_backend() != DbBackend::Postgres {
            return Ok(Pools { requests: owner.clone(), system: owner.clone() });
        }
        let plain = connect_as(url, None, false).await?;
        let row = plain
            .query_one_raw(Statement::from_string(DbBackend::Postgres, PASSES_THE_WALL_BY))
            .await?
            .ok_or_else(|| DbErr::Custom("the database role is not in pg_roles".into()))?;
        let (user, passes_by): (String, bool) = (row.try_get_by_index(0)?, row.try_get_by_index(1)?);
        plain.close().await?;
        let role = if passes_by {
            become_runtime_role(owner).await.map_err(|e| {
                DbErr::Custom(format!(
                    "the database role {user} would pass row-level security by (a superuser, or BYPASSRLS), \
                     and the role {RUNTIME_ROLE} could not be prepared for the server to act as ({e}); \
                     create it as the README's \"PostgreSQL roles\" says"
                ))
            })?;
            Some(RUNTIME_ROLE)
        } else {
            grant_tables(owner, &user).await?;
            None
        };
        Ok(Pools { requests: connect_as(url, role, false).await?, system: connect_as(url, role, true).await? })
    }
}

/// Creates [`RUNTIME_ROLE`] if it is missing, lets the owner's role act as it, and grants it the
/// tables.
async fn become_runtime_role(owner: &DatabaseConnection) -> Result<(), DbErr> {
    // two servers (or tests) starting at once may both create it: the loser's error is no error
    owner
        .execute_unprepared(&format!(
            "DO $$ BEGIN \
               IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{RUNTIME_ROLE}') THEN \
                 CREATE ROLE {RUNTIME_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS; \
               END IF; \
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; \
             END $$"
        ))
        .await?;
    // acting as it takes membership, and from PostgreSQL 16 on its SET option (a role that
    // creates another gets only ADMIN on it there)
    owner
        .execute_unprepared(&format!(
            "DO $$ BEGIN \
               IF current_setting('server_version_num')::int >= 160000 THEN \
                 IF NOT pg_has_role(current_user, '{RUNTIME_ROLE}', 'SET') THEN \
                   EXECUTE 'GRANT {RUNTIME_ROLE} TO ' || quote_ident(current_user) || ' WITH SET TRUE'; \
                 END IF; \
               ELSIF NOT pg_has_role(current_user, '{RUNTIME_ROLE}', 'MEMBER') THEN \
                 EXECUTE 'GRANT {RUNTIME_ROLE} TO ' || quote_ident(current_user); \
               END IF; \
             END $$"
        ))
        .await?;
    grant_tables(owner, RUNTIME_ROLE).await
}

/// Grants the role `name` what the server does with every table of the schema the migrations
/// made: read and write rows (nothing to do when `owner` is that role).
pub async fn grant_tables(owner: &DatabaseConnection, name: &str) -> Result<(), DbErr> {
    let name = name.replace('\'', "''");
    owner
        .execute_unprepared(&format!(
            "DO $$ DECLARE grantee text := '{name}'; BEGIN \
               IF grantee <> current_user THEN \
                 EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', current_schema(), grantee); \
                 EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO %I', \
                                current_schema(), grantee); \
                 EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO %I', current_schema(), grantee); \
               END IF; \
             END $$"
        ))
        .await?;
    Ok(())
}

/// A pool whose PostgreSQL connections act as `role` and, with `cross_tenant`, set
/// `app.cross_tenant` (both startup parameters, so every connection the pool opens has them).
async fn connect_as(url: &str, role: Option<&str>, cross_tenant: bool) -> Result<DatabaseConnection, DbErr> {
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
        // A connection is pinged when it goes back to the pool (sqlx does, always); pinging it
        // again when taken out is one more round trip per request for nothing, unless it sat
        // idle long enough for a proxy or firewall to have dropped it.
        options.max_connections(16).min_connections(1).test_before_acquire_if_idle_for(Duration::from_secs(30));
        let plain_text = plain_text_by_default(url, std::env::var_os("PGSSLMODE").is_some());
        let mut parameters = Vec::new();
        if let Some(role) = role {
            parameters.push(("role", role.to_owned()));
        }
        if cross_tenant {
            parameters.push(("app.cross_tenant", "on".to_owned()));
        }
        options.map_sqlx_postgres_opts(move |mut opts| {
            if plain_text {
                opts = opts.ssl_mode(sea_orm::sqlx::postgres::PgSslMode::Disable);
            }
            opts.options(parameters.iter().map(|(k, v)| (*k, v.as_str())))
        });
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
