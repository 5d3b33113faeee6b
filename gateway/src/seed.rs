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

/// Benchmark data: tops the `essays` tenant up to `orders` orders, over 2,000 clients and 300
/// writers (created once, with the demo password), drawing a progress bar. Running it again
/// adds only what is missing. When it added orders it refreshes the planner's statistics through
/// `owner`, the tables' owner.
pub async fn seed_scale(
    db: &DatabaseConnection,
    owner: &DatabaseConnection,
    clock: Arc<dyn Clock>,
    orders: u64,
) -> kernel::AppResult<u64> {
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
    let existing = orders::service::scale::count(db, tenant.id).await?;
    let missing = orders.saturating_sub(existing);
    if missing > 0 {
        add_orders(db, clock, &tenant, &clients, &writers, missing).await?;
    }
    // Fresh statistics, so the planner knows the tables' sizes before the first query (by the
    // tables' owner: on PostgreSQL the server's runtime role may not analyze them)
    if missing > 0 {
        owner.execute_unprepared("ANALYZE").await?;
    }
    Ok(missing)
}

async fn add_orders(
    db: &DatabaseConnection,
    clock: Arc<dyn Clock>,
    tenant: &tenancy::Tenant,
    clients: &[uuid::Uuid],
    writers: &[uuid::Uuid],
    missing: u64,
) -> kernel::AppResult<()> {
    let bar = indicatif::ProgressBar::new(missing).with_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} orders ({per_sec}, {eta} left)")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
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
