//! Demo data: two tenants with one user of every role, and a superadmin. Running it again
//! creates nothing new.

use kernel::{ClientInfo, Clock, RequestContext, Role};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use std::sync::Arc;
use tenancy::service::tenants::{self, NewTenant};

use identity::service::password;
use identity::service::users::{self, PreparedUser};

pub const DEMO_PASSWORD: &str = "demo-password";
pub const SUPERADMIN_EMAIL: &str = "superadmin@scriptorium.test";

pub struct DemoTenant {
    pub slug: &'static str,
    /// The demo client's opening wallet balance, in minor units.
    pub client_wallet: i64,
    /// The demo price of a page, in minor units.
    pub price_per_page: i64,
    pub name: &'static str,
    pub domain: &'static str,
    pub currency: &'static str,
    pub email_domain: &'static str,
}

pub const DEMO_TENANTS: [DemoTenant; 2] = [
    DemoTenant {
        slug: "essays",
        client_wallet: 50_000,
        price_per_page: 1200,
        name: "Essays Demo",
        domain: "localhost",
        currency: "USD",
        email_domain: "essays.test",
    },
    DemoTenant {
        slug: "papers",
        client_wallet: 30_000,
        price_per_page: 1000,
        name: "Papers Demo",
        domain: "papers.localhost",
        currency: "EUR",
        email_domain: "papers.test",
    },
];

pub const DEMO_ROLES: [(Role, &str, &str); 5] = [
    (Role::Client, "client", "Demo Client"),
    (Role::Writer, "writer", "Demo Writer"),
    (Role::Editor, "editor", "Demo Editor"),
    (Role::Support, "support", "Demo Support"),
    (Role::Admin, "admin", "Demo Admin"),
];

/// What a seeding run created.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub tenants_created: usize,
    pub users_created: usize,
}

pub async fn seed_demo(db: &DatabaseConnection, clock: Arc<dyn Clock>) -> kernel::AppResult<SeedReport> {
    let request = RequestContext {
        db: db.clone().into(),
        clock: clock.clone(),
        tenant: None,
        viewer: None,
        client: ClientInfo::default(),
    };
    // One hash serves every demo account: they share the published demo password anyway, and
    // hashing eleven times would only slow start-up.
    let hash = password::hash(DEMO_PASSWORD).await?;
    kernel::transaction(db, async |txn| {
        let mut report = SeedReport::default();
        for demo in &DEMO_TENANTS {
            let tenant = match tenants::find_by_slug_any(txn, demo.slug).await? {
                // a demo site a superadmin deleted stays deleted
                Some(t) if t.deleted_at.is_some() => continue,
                Some(t) => t,
                None => {
                    report.tenants_created += 1;
                    tenants::create(
                        txn,
                        &request,
                        NewTenant {
                            slug: demo.slug.into(),
                            name: demo.name.into(),
                            currency: demo.currency.into(),
                            domains: vec![demo.domain.into()],
                            time_zone: None,
                            contact_email: Some(format!("support@{}", demo.email_domain)),
                            allow_registration: Some(true),
                        },
                    )
                    .await?
                }
            };
            orders::service::demo_catalog::seed(txn, tenant.id, demo.price_per_page, clock.now()).await?;
            for (role, local, name) in DEMO_ROLES {
                let email = format!("{local}@{}", demo.email_domain);
                let user = PreparedUser {
                    email: email.clone(),
                    email_normalized: email,
                    display_name: name.into(),
                    role,
                    password_hash: hash.clone(),
                };
                report.users_created += usize::from(users::ensure(txn, Some(tenant.id), user, clock.now()).await?);
            }
            let client = users::find_for_sign_in(txn, Some(tenant.id), &format!("client@{}", demo.email_domain))
                .await?
                .ok_or_else(|| kernel::AppError::internal("demo client missing"))?;
            billing::service::wallets::open_with(
                txn,
                tenant.id,
                &tenant.currency,
                client.id,
                demo.client_wallet,
                clock.now(),
            )
            .await?;
            if demo.slug == "essays" {
                billing::service::discounts::seed_demo(txn, tenant.id, clock.now()).await?;
            }
        }
        let superadmin = PreparedUser {
            email: SUPERADMIN_EMAIL.into(),
            email_normalized: SUPERADMIN_EMAIL.into(),
            display_name: "Demo Superadmin".into(),
            role: Role::Superadmin,
            password_hash: hash,
        };
        report.users_created += usize::from(users::ensure(txn, None, superadmin, clock.now()).await?);
        Ok(report)
    })
    .await
}

/// The demo sign-ins, for the start-up banner.
pub fn demo_logins() -> Vec<String> {
    let mut logins: Vec<String> = DEMO_TENANTS
        .iter()
        .flat_map(|t| DEMO_ROLES.iter().map(move |(_, local, _)| format!("{local}@{}", t.email_domain)))
        .collect();
    logins.push(SUPERADMIN_EMAIL.into());
    logins
}

pub const SCALE_CLIENTS: usize = 2_000;
pub const SCALE_WRITERS: usize = 300;
pub const SCALE_EDITORS: usize = 50;
/// Support agents of the scaled tenant (besides the demo agent, who works one ticket in twenty).
pub const SCALE_AGENTS: usize = 20;
/// Editing tasks per order of the benchmark data (one in five: 20,000 of 100,000).
pub const SCALE_TASKS_EVERY: u64 = 5;

/// What a benchmark seeding run added.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ScaleReport {
    pub orders_added: u64,
    pub tasks_added: u64,
    pub tickets_added: u64,
}

/// Benchmark data: tops the `essays` tenant up to `orders` orders, over 2,000 clients and 300
/// writers, and up to `orders / 5` editing tasks on them, over 50 editors (`scale-editor-0` has
/// one task in ten), and as many support tickets (one in ten active) over 20 agents and the demo
/// agent, creating the people once (with the demo password) and drawing progress
/// bars. Running it again adds only what is missing. When it added anything it refreshes the
/// planner's statistics through `owner`, the tables' owner.
pub async fn seed_scale(
    db: &DatabaseConnection,
    owner: &DatabaseConnection,
    clock: Arc<dyn Clock>,
    orders: u64,
) -> kernel::AppResult<ScaleReport> {
    seed_demo(db, clock.clone()).await?;
    let tenant =
        tenants::find_by_slug(db, "essays").await?.ok_or_else(|| kernel::AppError::not_found("tenant essays"))?;
    let hash = password::hash(DEMO_PASSWORD).await?;
    let people = |prefix: &'static str, role: Role, count: usize| {
        let db = db.clone();
        let hash = hash.clone();
        let clock = clock.clone();
        let tenant_id = tenant.id;
        async move {
            let mut ids = users::ids_with_email_prefix(&db, tenant_id, prefix).await?;
            if ids.len() < count {
                let new: Vec<PreparedUser> = (ids.len()..count)
                    .map(|i| {
                        let email = format!("{prefix}{i}@essays.test");
                        PreparedUser {
                            email: email.clone(),
                            email_normalized: email,
                            display_name: format!("{role:?} {i}"),
                            role,
                            password_hash: hash.clone(),
                        }
                    })
                    .collect();
                let now = clock.now();
                ids.extend(
                    kernel::transaction(&db, async |txn| users::insert_many(txn, tenant_id, new, now).await).await?,
                );
            }
            Ok::<_, kernel::AppError>(ids)
        }
    };
    let clients = people("scale-client-", Role::Client, SCALE_CLIENTS).await?;
    let writers = people("scale-writer-", Role::Writer, SCALE_WRITERS).await?;
    let mut editors = people("scale-editor-", Role::Editor, SCALE_EDITORS).await?;
    // the long history goes to scale-editor-0, the editing benchmarks' editor, whatever order
    // the ids were read in
    if let Some(first) = users::find_for_sign_in(db, Some(tenant.id), "scale-editor-0@essays.test").await? {
        editors.retain(|id| *id != first.id);
        editors.insert(0, first.id);
    }
    let mut agents = people("scale-agent-", Role::Support, SCALE_AGENTS).await?;
    // the demo agent (the support benchmarks' viewer) works one ticket in twenty
    if let Some(demo) = users::find_for_sign_in(db, Some(tenant.id), "support@essays.test").await? {
        agents.insert(0, demo.id);
    }
    let existing = orders::service::scale::count(db, tenant.id).await?;
    let missing = orders.saturating_sub(existing);
    if missing > 0 {
        add_orders(db, clock.clone(), &tenant, &clients, &writers, missing).await?;
    }
    let tasks = writers::service::editing::scale::count(db, tenant.id).await?;
    let missing_tasks = (orders / SCALE_TASKS_EVERY).saturating_sub(tasks);
    if missing_tasks > 0 {
        add_tasks(db, clock.now(), tenant.id, &editors, missing_tasks).await?;
    }
    let tickets = support::service::scale::count(db, tenant.id).await?;
    let missing_tickets = orders.saturating_sub(tickets);
    if missing_tickets > 0 {
        let bar = progress_bar(missing_tickets, "tickets");
        bar.set_message("seeding essays");
        let zone = kernel::time::time_zone(&tenant.time_zone).unwrap_or_default();
        support::service::scale::seed_tickets(
            db,
            tenant.id,
            zone,
            clock.now(),
            &clients,
            &agents,
            missing_tickets,
            |n| bar.inc(n),
        )
        .await?;
        bar.finish();
    }
    let report = ScaleReport {
        orders_added: missing,
        tasks_added: writers::service::editing::scale::count(db, tenant.id).await?.saturating_sub(tasks),
        tickets_added: missing_tickets,
    };
    // Fresh statistics, so the planner knows the tables' sizes before the first query, and on
    // PostgreSQL a vacuum, so the visibility map lets index-only scans skip the heap as they
    // would on a table autovacuum keeps (by the tables' owner: the server's runtime role may
    // not do either)
    if report != ScaleReport::default() {
        let postgres = owner.get_database_backend() == sea_orm::DbBackend::Postgres;
        owner.execute_unprepared(if postgres { "VACUUM ANALYZE" } else { "ANALYZE" }).await?;
    }
    Ok(report)
}

/// Adds `count` fresh tasks to the `essays` tenant's editing pool (for the claim storm), on
/// orders that have a writer and no task; answers how many (fewer when fewer orders are free).
pub async fn seed_editing_pool(db: &DatabaseConnection, clock: Arc<dyn Clock>, count: u64) -> kernel::AppResult<usize> {
    let tenant =
        tenants::find_by_slug(db, "essays").await?.ok_or_else(|| kernel::AppError::not_found("tenant essays"))?;
    Ok(writers::service::editing::scale::seed_pool(db, tenant.id, clock.now(), count).await?.len())
}

fn progress_bar(count: u64, what: &str) -> indicatif::ProgressBar {
    indicatif::ProgressBar::new(count).with_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{{msg}} [{{bar:40}}] {{pos}}/{{len}} {what} ({{per_sec}}, {{eta}} left)"
        ))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    )
}

async fn add_tasks(
    db: &DatabaseConnection,
    now: chrono::DateTime<chrono::Utc>,
    tenant: uuid::Uuid,
    editors: &[uuid::Uuid],
    missing: u64,
) -> kernel::AppResult<()> {
    let bar = progress_bar(missing, "editing tasks");
    bar.set_message("seeding essays");
    writers::service::editing::scale::seed_tasks(db, tenant, now, editors, missing, |n| bar.inc(n)).await?;
    bar.finish();
    Ok(())
}

async fn add_orders(
    db: &DatabaseConnection,
    clock: Arc<dyn Clock>,
    tenant: &tenancy::Tenant,
    clients: &[uuid::Uuid],
    writers: &[uuid::Uuid],
    missing: u64,
) -> kernel::AppResult<()> {
    let bar = progress_bar(missing, "orders");
    bar.set_message("seeding essays");
    let request = RequestContext {
        db: db.clone().into(),
        clock: clock.clone(),
        tenant: Some(tenant.scope()),
        viewer: None,
        client: ClientInfo::default(),
    };
    orders::service::scale::seed_orders(db, &request, clients, writers, missing, |n| bar.inc(n)).await?;
    bar.finish();
    Ok(())
}
