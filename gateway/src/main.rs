//! `scriptorium`: the server and its maintenance commands.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand};
use gateway::config::{Settings, redact};
use gateway::{AppOptions, build_router, observability, schema, seed};
use identity::IdentitySettings;
use kernel::{Clock, SystemClock};
use migration::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;

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
        #[command(flatten)]
        settings: Settings,
    },
    /// Apply pending migrations and exit.
    Migrate {
        #[command(flatten)]
        settings: Settings,
    },
    /// Seed the demo tenants, users and catalogue (creates nothing that exists).
    SeedDemo {
        /// Also top the `essays` tenant up to N orders over 2,000 clients and 300 writers
        /// (benchmark data).
        #[arg(long, value_name = "N")]
        scale: Option<u64>,
        #[command(flatten)]
        settings: Settings,
    },
    /// Print the GraphQL schema (SDL, sorted) to stdout.
    ExportSchema,
    /// Create a superadmin; the password is read from SCRIPTORIUM_SUPERADMIN_PASSWORD.
    CreateSuperadmin {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "Superadmin")]
        display_name: String,
        #[arg(long, env = "SCRIPTORIUM_SUPERADMIN_PASSWORD", hide_env_values = true)]
        password: String,
        #[command(flatten)]
        settings: Settings,
    },
}

#[tokio::main]
async fn main() {
    if let Err(message) = run(Cli::parse()).await {
        eprintln!("error: {message}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::ExportSchema => {
            print!("{}", schema::sdl());
            Ok(())
        }
        Command::Migrate { settings } => {
            observability::init_logging(&settings.log_format);
            open_database(&settings).await.map(|_| ())
        }
        Command::SeedDemo { scale, settings } => {
            observability::init_logging(&settings.log_format);
            let db = open_database(&settings).await?;
            let report = seed::seed_demo(&db, Arc::new(SystemClock)).await.map_err(|e| e.to_string())?;
            println!("demo data: {} tenants and {} users created", report.tenants_created, report.users_created);
            if let Some(orders) = scale {
                let added = seed::seed_scale(&db, Arc::new(SystemClock), orders).await.map_err(|e| e.to_string())?;
                println!("benchmark data: {added} orders added to essays");
            }
            Ok(())
        }
        Command::CreateSuperadmin { email, display_name, password, settings } => {
            observability::init_logging(&settings.log_format);
            let db = open_database(&settings).await?;
            let user = identity::service::users::prepare(&email, &display_name, kernel::Role::Superadmin, &password)
                .await
                .map_err(|e| e.to_string())?;
            let created = identity::service::users::ensure(&db, None, user, SystemClock.now())
                .await
                .map_err(|e| e.to_string())?;
            println!("{}", if created { "superadmin created" } else { "a superadmin with that e-mail already exists" });
            Ok(())
        }
        Command::Serve { demo, settings } => serve(demo, settings).await,
    }
}

/// Connects (creating the SQLite file's folder if needed) and migrates.
async fn open_database(settings: &Settings) -> Result<DatabaseConnection, String> {
    if let Some(path) = sqlite_path(&settings.database_url)
        && let Some(dir) = std::path::Path::new(path).parent().filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let db = kernel::db::connect(&settings.database_url)
        .await
        .map_err(|e| format!("cannot open database {}: {e}", redact(&settings.database_url)))?;
    Migrator::up(&db, None).await.map_err(|e| format!("migration failed: {e}"))?;
    Ok(db)
}

fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && !path.contains(":memory:")).then_some(path)
}

async fn serve(demo: bool, settings: Settings) -> Result<(), String> {
    observability::init_logging(&settings.log_format);
    tracing::info!(?settings, "starting");
    let db = open_database(&settings).await?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    if demo {
        let report = seed::seed_demo(&db, clock.clone()).await.map_err(|e| e.to_string())?;
        tracing::info!(tenants = report.tenants_created, users = report.users_created, "demo data ready");
    }
    let router = build_router(AppOptions {
        db,
        clock,
        sql_stats: settings.sql_stats,
        graphiql: settings.graphiql,
        introspection: settings.introspection,
        trust_proxy: settings.trust_proxy,
        identity: IdentitySettings {
            session_ttl: chrono::Duration::days(settings.session_days),
            cookie_secure: settings.cookie_secure,
        },
        tenant_cache_ttl: Duration::from_secs(5),
        providers: settings.providers(),
    });
    let listener = tokio::net::TcpListener::bind(settings.bind)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", settings.bind))?;
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(settings.bind.port());
    println!("Scriptorium is listening on http://{}", settings.bind);
    if settings.graphiql {
        println!(
            "GraphiQL: http://localhost:{port}/graphql (tenant essays)  http://papers.localhost:{port}/graphql (tenant papers)"
        );
    }
    if demo {
        println!("Demo logins (password \"{}\"): {}", seed::DEMO_PASSWORD, seed::demo_logins().join(", "));
    }
    axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| e.to_string())
}
