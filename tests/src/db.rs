//! A fresh database for every test, on SQLite (files) or, when `TEST_DATABASE_URL` is set,
//! PostgreSQL (a new database, dropped after). Migrating and seeding the demo data is done once
//! a process, into a template: on SQLite a file each test copies, on PostgreSQL a database each
//! test is created from (`CREATE DATABASE ... TEMPLATE`). The first use says on standard error
//! which backend the tests run on.

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use chrono::{DateTime, TimeZone, Utc};
use kernel::ManualClock;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DatabaseConnection};

/// When every test's clock starts (and when the template's demo data was seeded).
pub fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 0).single().expect("a valid instant")
}

/// A clock at [`start`], moved only by the test.
pub fn start_clock() -> ManualClock {
    ManualClock::new(start())
}

/// The backend the tests run on.
pub fn postgres_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty())
}

const TEMPLATE_PREFIX: &str = "scriptorium_template_";

enum Template {
    Sqlite(PathBuf),
    Postgres { admin_url: String, name: String },
}

/// A test's own database, removed when it is dropped.
pub struct TestDatabase {
    pub db: DatabaseConnection,
    /// How another process (a second gateway) connects to it.
    pub url: String,
    keep: Keep,
}

enum Keep {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl Drop for Keep {
    fn drop(&mut self) {
        if let Keep::Postgres { admin_url, name } = self {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs inside a test's runtime, which must not block: a thread of its own.
            let _ = std::thread::spawn(move || {
                blocking(async {
                    if let Ok(admin) = sea_orm::Database::connect(&admin_url).await {
                        let _ =
                            admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await;
                        let _ = admin.close().await;
                    }
                })
            })
            .join();
        }
    }
}

fn blocking<T>(work: impl std::future::Future<Output = T>) -> T {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    runtime.block_on(work)
}

/// `postgres://u@h:p/db?x` with its database replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
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

/// Whether the process that made a template (its id is in the name) is still running.
fn maker_alive(name: &str) -> bool {
    let pid = name.rsplit('_').nth(1).or_else(|| name.rsplit('-').nth(1)).and_then(|p| p.parse::<u32>().ok());
    pid.is_none_or(|pid| pid == std::process::id() || std::path::Path::new(&format!("/proc/{pid}")).exists())
}

async fn migrated_and_seeded(db: &DatabaseConnection) {
    Migrator::up(db, None).await.expect("migrations apply");
    gateway::seed::seed_demo(db, Arc::new(start_clock())).await.expect("demo data seeds");
}

fn build_template() -> Template {
    blocking(async {
        match postgres_url() {
            Some(admin_url) => {
                let admin = sea_orm::Database::connect(&admin_url).await.expect("TEST_DATABASE_URL must be reachable");
                // Templates of test processes that have ended are dropped; live ones are in use.
                let rows = admin
                    .query_all_raw(sea_orm::Statement::from_string(
                        admin.get_database_backend(),
                        format!("SELECT datname FROM pg_database WHERE datname LIKE '{TEMPLATE_PREFIX}%'"),
                    ))
                    .await
                    .unwrap_or_default();
                for row in rows {
                    if let Ok(old) = row.try_get::<String>("", "datname")
                        && !maker_alive(&old)
                    {
                        let _ =
                            admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{old}\" WITH (FORCE)")).await;
                    }
                }
                let name = format!("{TEMPLATE_PREFIX}{}_{}", std::process::id(), uuid::Uuid::now_v7().simple());
                admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.expect("a template database");
                let db = kernel::db::connect(&with_database(&admin_url, &name)).await.expect("the template connects");
                migrated_and_seeded(&db).await;
                db.close().await.expect("the template closes");
                admin.close().await.expect("the admin connection closes");
                banner(&format!("tests run on PostgreSQL ({})", gateway::config::redact(&admin_url)));
                Template::Postgres { admin_url, name }
            }
            None => {
                let base = std::env::temp_dir();
                if let Ok(entries) = std::fs::read_dir(&base) {
                    for entry in entries.flatten() {
                        let name = entry.file_name().to_string_lossy().into_owned();
                        if name.starts_with("scriptorium-template-") && !maker_alive(&name) {
                            let _ = std::fs::remove_dir_all(entry.path());
                        }
                    }
                }
                let dir = tempfile::Builder::new()
                    .prefix(&format!("scriptorium-template-{}-", std::process::id()))
                    .tempdir()
                    .expect("a template folder")
                    .keep();
                let file = dir.join("template.db");
                let db = kernel::db::connect(&format!("sqlite://{}?mode=rwc", file.display())).await.expect("SQLite");
                migrated_and_seeded(&db).await;
                // Fold the write-ahead log into the file, so the file alone is the database.
                db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)").await.expect("a checkpoint");
                db.close().await.expect("the template closes");
                banner("tests run on SQLite (set TEST_DATABASE_URL to run them on PostgreSQL)");
                Template::Sqlite(file)
            }
        }
    })
}

/// Said once a process, past the test harness's capture of output.
fn banner(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

fn template() -> &'static Template {
    static TEMPLATE: OnceLock<Template> = OnceLock::new();
    TEMPLATE.get_or_init(|| std::thread::spawn(build_template).join().expect("the template is built"))
}

impl TestDatabase {
    /// A database of its own for one test: migrated, with the demo data, as of [`start`].
    pub async fn fresh() -> TestDatabase {
        // the services run as the application assembles them (the editing desk)
        gateway::schema::install_hooks();
        match template() {
            Template::Postgres { admin_url, name: template } => {
                let name = format!("scriptorium_test_{}", uuid::Uuid::now_v7().simple());
                let admin = sea_orm::Database::connect(admin_url).await.expect("TEST_DATABASE_URL must be reachable");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""))
                    .await
                    .expect("a database from the template");
                admin.close().await.expect("the admin connection closes");
                let url = with_database(admin_url, &name);
                let db = kernel::db::connect(&url).await.expect("the test database");
                TestDatabase { db, url, keep: Keep::Postgres { admin_url: admin_url.clone(), name } }
            }
            Template::Sqlite(file) => {
                let dir = tempfile::tempdir().expect("a test folder");
                let copy = dir.path().join("test.db");
                std::fs::copy(file, &copy).expect("a copy of the template");
                let url = format!("sqlite://{}?mode=rwc", copy.display());
                let db = kernel::db::connect(&url).await.expect("SQLite");
                TestDatabase { db, url, keep: Keep::Sqlite(dir) }
            }
        }
    }

    pub fn backend(&self) -> &'static str {
        match self.keep {
            Keep::Sqlite(_) => "SQLite",
            Keep::Postgres { .. } => "PostgreSQL",
        }
    }
}

/// The rows of `table` (for asserting that nothing was written).
pub async fn count_rows(db: &DatabaseConnection, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) AS n FROM {table}");
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("the count runs")
        .expect("a row");
    row.try_get::<i64>("", "n").expect("a count")
}

/// What a service test needs to call services as someone: a request context for the demo user
/// `email` of the tenant `slug` (or no one, with `email` `None`), at `clock`'s time.
pub async fn request_as(
    db: &DatabaseConnection,
    clock: &ManualClock,
    slug: &str,
    email: Option<&str>,
) -> kernel::RequestContext {
    let tenant = tenancy::service::tenants::find_by_slug(db, slug).await.expect("a tenant").expect("a demo tenant");
    let viewer = match email {
        Some(email) => {
            let user = identity::service::users::find_for_sign_in(db, Some(tenant.id), email)
                .await
                .expect("a user")
                .expect("a demo user");
            Some(kernel::Viewer {
                user_id: user.id,
                tenant_id: user.tenant_id,
                role: user.role,
                session_id: kernel::new_id(),
                email: user.email,
                display_name: user.display_name,
                two_factor: user.two_factor_enabled,
            })
        }
        None => None,
    };
    kernel::RequestContext {
        db: db.clone().into(),
        clock: Arc::new(clock.clone()),
        tenant: Some(tenant.scope()),
        viewer,
        client: kernel::ClientInfo { ip: Some("192.0.2.1".into()), ..Default::default() },
    }
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
