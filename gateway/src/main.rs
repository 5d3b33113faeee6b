//! `scriptorium`: the server and its maintenance commands.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand};
use gateway::config::{DatabaseArgs, DeliveryArgs, FileArgs, LogArgs, LogFormat, Settings, redact};
use gateway::{AppOptions, build_router, housekeeping, metrics_router, observability, schema, seed};
use identity::IdentitySettings;
use jobs::WorkerSettings;
use kernel::{Clock, SystemClock};
use migration::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;
use secrecy::{ExposeSecret, SecretString};

/// glibc's allocator spent about a third of the CPU of a loaded server consolidating
/// small blocks freed across threads; mimalloc keeps per-thread heaps.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "scriptorium", version, about = "Scriptorium: writing-services platform, one GraphQL API")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate and serve the API (GraphiQL at /graphql).
    Serve {
        /// Seed the demo tenants and users when they are missing.
        #[arg(long)]
        demo: bool,
        /// Serve only: run no background jobs here (a `scriptorium worker` elsewhere runs them).
        #[arg(long)]
        no_worker: bool,
        #[command(flatten)]
        settings: Box<Settings>,
    },
    /// Run the background jobs only (any number of workers and servers may share a database).
    Worker {
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(flatten)]
        log: LogArgs,
        #[command(flatten)]
        mail: DeliveryArgs,
        #[command(flatten)]
        files: FileArgs,
    },
    /// Print a new VAPID key pair for web push (set SCRIPTORIUM_VAPID_PRIVATE_KEY to the private
    /// key; browsers subscribe with the public one, which the API also answers).
    VapidKeys,
    /// Apply pending migrations, print which, and exit.
    Migrate {
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(flatten)]
        log: LogArgs,
    },
    /// Seed the demo tenants, users and catalogue (creates nothing that exists).
    SeedDemo {
        /// Also top the `essays` tenant up to N orders over 2,000 clients and 300 writers, and
        /// N/5 editing tasks over 50 editors (benchmark data).
        #[arg(long, value_name = "N")]
        scale: Option<u64>,
        /// Then add N fresh tasks to the `essays` editing pool, on orders that have a writer
        /// and no task (the claim storm's; benchmark data).
        #[arg(long, value_name = "N")]
        editing_pool: Option<u64>,
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(flatten)]
        log: LogArgs,
    },
    /// Print the GraphQL schema (SDL, sorted) to stdout.
    ExportSchema,
    /// Create a superadmin. Exits non-zero, changing nothing, when the address is taken.
    CreateSuperadmin {
        /// The superadmin's sign-in address (reserved: no tenant user may have it).
        #[arg(long)]
        email: String,
        /// The name shown for them.
        #[arg(long, default_value = "Superadmin")]
        display_name: String,
        /// At least 10 characters. Prefer the environment variable: a flag shows in `ps`.
        #[arg(long, env = "SCRIPTORIUM_SUPERADMIN_PASSWORD", hide_env_values = true, value_parser = secret)]
        password: SecretString,
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(flatten)]
        log: LogArgs,
    },
}

fn secret(value: &str) -> Result<SecretString, String> {
    Ok(SecretString::from(value.to_owned()))
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::ExportSchema => {
            print!("{}", schema::sdl());
            Ok(())
        }
        Command::VapidKeys => {
            let (private, public) = notifications::WebPush::generate_keys();
            println!("SCRIPTORIUM_VAPID_PRIVATE_KEY={private}");
            println!("# the public key (applicationServerKey; the API answers it as webPushPublicKey):");
            println!("# {public}");
            Ok(())
        }
        Command::Migrate { database, log } => {
            observability::init_logging(log.log_format);
            let db = connect(&database).await?;
            let applied = migrate(&db).await?;
            // the server's own role gets the tables (and, with one URL, the runtime role exists)
            open_pools(&database, &db).await?;
            if applied.is_empty() {
                say(log.log_format, "migrations: nothing to apply");
            }
            for name in applied {
                say(log.log_format, &format!("migration applied: {name}"));
            }
            Ok(())
        }
        Command::SeedDemo { scale, editing_pool, database, log } => {
            observability::init_logging(log.log_format);
            let owner = connect(&database).await?;
            migrate(&owner).await?;
            let db = open_pools(&database, &owner).await?.system;
            housekeeping::purge(&db, SystemClock.now()).await.map_err(|e| e.to_string())?;
            let report = seed::seed_demo(&db, Arc::new(SystemClock)).await.map_err(|e| e.to_string())?;
            say(
                log.log_format,
                &format!("demo data: {} tenants and {} users created", report.tenants_created, report.users_created),
            );
            if let Some(orders) = scale {
                let added =
                    seed::seed_scale(&db, &owner, Arc::new(SystemClock), orders).await.map_err(|e| e.to_string())?;
                say(
                    log.log_format,
                    &format!(
                        "benchmark data: {} orders, {} editing tasks and {} tickets added to essays",
                        added.orders_added, added.tasks_added, added.tickets_added
                    ),
                );
            }
            if let Some(count) = editing_pool {
                let added =
                    seed::seed_editing_pool(&db, Arc::new(SystemClock), count).await.map_err(|e| e.to_string())?;
                say(log.log_format, &format!("benchmark data: {added} editing tasks added to the essays pool"));
            }
            Ok(())
        }
        Command::CreateSuperadmin { email, display_name, password, database, log } => {
            observability::init_logging(log.log_format);
            let db = open_database(&database).await?.system;
            let user = identity::service::users::prepare(
                &email,
                &display_name,
                kernel::Role::Superadmin,
                password.expose_secret(),
            )
            .await
            .map_err(|e| e.to_string())?;
            let created = identity::service::users::ensure(&db, None, user, SystemClock.now())
                .await
                .map_err(|e| e.to_string())?;
            if !created {
                return Err(format!("unchanged: a superadmin with the e-mail {email} exists already"));
            }
            say(log.log_format, &format!("superadmin {email} created"));
            Ok(())
        }
        Command::Serve { demo, no_worker, settings } => serve(demo, !no_worker, *settings).await,
        Command::Worker { database, log, mail, files } => {
            observability::init_logging(log.log_format);
            let outlets = mail.outlets()?;
            let files = files.store()?;
            let db = open_database(&database).await?.system;
            gateway::worker::worker(db, Arc::new(SystemClock), outlets, files, WorkerSettings::default())
                .run(shutdown_signal())
                .await;
            Ok(())
        }
    }
}

/// A line for whoever ran the command: plain text, or a JSON log line in JSON mode (so a JSON
/// log holds nothing else).
fn say(format: LogFormat, line: &str) {
    match format {
        LogFormat::Text => println!("{line}"),
        LogFormat::Json => tracing::info!("{line}"),
    }
}

/// The connection that migrates: the tables' owner.
async fn connect(database: &DatabaseArgs) -> Result<DatabaseConnection, String> {
    let url = database.database_owner_url.as_ref().unwrap_or(&database.database_url);
    if let Some(path) = sqlite_path(url)
        && let Some(dir) = std::path::Path::new(path).parent().filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    kernel::db::connect(url).await.map_err(|e| format!("cannot open database {}: {e}", redact(url)))
}

/// Applies what is pending; returns the names applied.
async fn migrate(db: &DatabaseConnection) -> Result<Vec<String>, String> {
    let pending = Migrator::get_pending_migrations(db).await.map_err(|e| format!("cannot read migrations: {e}"))?;
    Migrator::up(db, None).await.map_err(|e| format!("migration failed: {e}"))?;
    Ok(pending.iter().map(|m| m.name().to_owned()).collect())
}

/// Connects (creating the SQLite file's folder if needed), migrates and opens the server's pools.
async fn open_database(database: &DatabaseArgs) -> Result<kernel::db::Pools, String> {
    let owner = connect(database).await?;
    for name in migrate(&owner).await? {
        tracing::info!(migration = %name, "migration applied");
    }
    open_pools(database, &owner).await
}

async fn open_pools(database: &DatabaseArgs, owner: &DatabaseConnection) -> Result<kernel::db::Pools, String> {
    let url = &database.database_url;
    kernel::db::Pools::open(url, owner).await.map_err(|e| format!("cannot open database {}: {e}", redact(url)))
}

fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && !path.contains(":memory:")).then_some(path)
}

async fn serve(demo: bool, with_worker: bool, settings: Settings) -> Result<(), String> {
    let format = settings.log.log_format;
    observability::init_logging(format);
    tracing::info!(
        database_url = %redact(&settings.database.database_url),
        bind = %settings.bind,
        metrics_bind = ?settings.metrics_bind,
        sql_stats = settings.sql_stats,
        graphiql = settings.graphiql,
        introspection = settings.introspection,
        cookie_secure = settings.cookie_secure,
        client_ip_source = %settings.client_ip_source,
        stripe = settings.stripe_secret_key.is_some(),
        public_url = %settings.public_url,
        session_days = settings.session_days,
        geoip_db = ?settings.geoip_db,
        worker = with_worker,
        "starting"
    );
    // an SMTP URL or VAPID key that does not parse stops the start, before anything is served
    let outlets = settings.mail.outlets()?;
    let locator = settings.locator()?;
    let files = settings.files.store()?;
    let pools = open_database(&settings.database).await?;
    let db = pools.system.clone();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    if demo {
        let report = seed::seed_demo(&db, clock.clone()).await.map_err(|e| e.to_string())?;
        tracing::info!(tenants = report.tenants_created, users = report.users_created, "demo data ready");
    }
    let sites = sites(&db).await?;
    // the embedded worker stops when the server has answered its last request
    let (stop_worker, worker_stopped) = tokio::sync::oneshot::channel::<()>();
    let worker = with_worker.then(|| {
        let worker = gateway::worker::worker(
            db.clone(),
            clock.clone(),
            outlets.clone(),
            files.clone(),
            WorkerSettings::default(),
        );
        tokio::spawn(worker.run(async {
            let _ = worker_stopped.await;
        }))
    });
    let router = build_router(AppOptions {
        db: pools,
        clock,
        sql_stats: settings.sql_stats,
        graphiql: settings.graphiql,
        introspection: settings.introspection,
        client_ip_source: settings.client_ip_source.clone(),
        metrics: settings.metrics_bind.is_none(),
        identity: IdentitySettings {
            session_ttl: chrono::Duration::days(settings.session_days),
            cookie_secure: settings.cookie_secure,
            public_url: settings.public_url.clone(),
            locator,
        },
        tenant_cache_ttl: Duration::from_secs(5),
        providers: settings.providers(),
        push: outlets.push,
        files,
    });
    let listener = tokio::net::TcpListener::bind(settings.bind)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", settings.bind))?;
    let bound = listener.local_addr().unwrap_or(settings.bind);
    if let Some(metrics_bind) = settings.metrics_bind {
        let metrics = tokio::net::TcpListener::bind(metrics_bind)
            .await
            .map_err(|e| format!("cannot listen on {metrics_bind}: {e}"))?;
        tokio::spawn(async move {
            if let Err(e) = axum::serve(metrics, metrics_router()).await {
                tracing::error!(error = %e, "the metrics listener stopped");
            }
        });
        tracing::info!(address = %metrics_bind, "metrics served apart");
    }
    announce(format, &sites, bound, settings.graphiql, demo);
    axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| e.to_string())?;
    tracing::info!("stopped: every request in flight was answered");
    let _ = stop_worker.send(());
    if let Some(worker) = worker {
        let _ = worker.await;
    }
    Ok(())
}

/// The start-up lines, sites first: each answers at its own host name; any other host name (the
/// bare address included) is no site, where only superadmins and an X-Tenant header work.
fn announce(format: LogFormat, sites: &[(String, String)], bound: SocketAddr, graphiql: bool, demo: bool) {
    let port = bound.port();
    let what = if graphiql { "API and GraphiQL" } else { "API" };
    match format {
        LogFormat::Text => {
            if sites.is_empty() {
                println!("No sites yet: a superadmin creates them (createTenant).");
            } else {
                println!("Sites ({what}):");
                for (slug, domain) in sites {
                    println!("  {slug:<16} http://{domain}:{port}/graphql");
                }
            }
            println!(
                "Scriptorium is listening on http://{bound} (other host names are no site: send X-Tenant: <slug>)"
            );
            if demo {
                println!("Demo logins (password \"{}\"): {}", seed::DEMO_PASSWORD, seed::demo_logins().join(", "));
            }
        }
        LogFormat::Json => {
            for (slug, domain) in sites {
                tracing::info!(site = %slug, url = %format!("http://{domain}:{port}/graphql"), "site");
            }
            tracing::info!(address = %bound, "listening");
            if demo {
                tracing::info!(password = seed::DEMO_PASSWORD, logins = %seed::demo_logins().join(","), "demo logins");
            }
        }
    }
}

/// Ctrl-C or SIGTERM: stop taking connections, answer what is in flight, then stop.
/// Completes on Ctrl-C or SIGTERM. The handlers are installed when this is called, not when it
/// is first polled, so a signal that comes while start-up work runs is not lost (it would
/// otherwise kill the process at once).
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let (interrupt, terminate) = {
        use tokio::signal::unix::{SignalKind, signal};
        (signal(SignalKind::interrupt()).ok(), signal(SignalKind::terminate()).ok())
    };
    async move {
        #[cfg(unix)]
        {
            let wait = |s: Option<tokio::signal::unix::Signal>| async move {
                match s {
                    Some(mut s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = wait(interrupt) => {}
                () = wait(terminate) => {}
            }
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down: no new connections; finishing the work in flight");
    }
}

/// Each tenant's slug and first domain, for the start-up lines (at most 50).
async fn sites(db: &DatabaseConnection) -> Result<Vec<(String, String)>, String> {
    let page = kernel::PageArgs { limit: 50, after: None, with_total: false };
    let tenants = tenancy::service::tenants::list(db, None, false, page)
        .await
        .map_err(|e| format!("cannot list tenants: {e}"))?;
    Ok(tenants.items.into_iter().filter_map(|t| t.domains.first().cloned().map(|d| (t.slug, d))).collect())
}
