//! The one schema: every domain crate's query and mutation roots, merged, and the role
//! dashboards assembled from each crate's parts.

use async_graphql::{MergedObject, MergedSubscription, Object, Schema, SchemaBuilder};
use billing::{BillingMutation, BillingQuery};
use identity::{IdentityMutation, IdentityQuery};
use jobs::{JobsMutation, JobsQuery};
use kernel::{Role, RoleGuard};
use notifications::{NotificationsMutation, NotificationsQuery};
use orders::{OrdersMutation, OrdersQuery};
use support::{SupportMutation, SupportQuery};
use tenancy::{SystemMutation, SystemQuery, TenancyMutation, TenancyQuery};
use writers::{WritersMutation, WritersQuery};

use crate::limits::QueryLimits;

/// The signed-in user: each context contributes its part.
#[derive(MergedObject, Default)]
pub struct Viewer(identity::ViewerPart, billing::ViewerPart, notifications::ViewerPart, writers::ViewerPart);

/// A client's dashboard: each context contributes its part.
#[derive(MergedObject, Default)]
pub struct ClientDashboard(orders::ClientDashboardPart, billing::ClientDashboardPart);

/// An admin's dashboard: each context contributes its part.
#[derive(MergedObject, Default)]
pub struct AdminDashboard(billing::AdminDashboardPart, writers::AdminDashboardPart, support::AdminDashboardPart);

/// The roots the gateway assembles from parts: the viewer and the role dashboards.
#[derive(Default)]
pub struct DashboardQuery;

#[Object]
impl DashboardQuery {
    /// The signed-in user, or null when anonymous.
    async fn viewer(&self, ctx: &async_graphql::Context<'_>) -> Option<Viewer> {
        use kernel::ContextExt;
        ctx.request().viewer.as_ref().map(|_| Viewer::default())
    }

    /// The tenant's admin dashboard (admins, and superadmins in a tenant).
    #[graphql(guard = "RoleGuard::new(&[Role::Admin, Role::Superadmin])")]
    async fn admin_dashboard(&self) -> AdminDashboard {
        AdminDashboard::default()
    }

    /// The site's support dashboard (support agents and admins).
    #[graphql(guard = "RoleGuard::new(&[Role::Support, Role::Admin, Role::Superadmin])")]
    async fn support_dashboard(&self) -> support::SupportDashboard {
        support::SupportDashboard::default()
    }

    /// The signed-in client's dashboard.
    #[graphql(guard = "RoleGuard::new(&[Role::Client])")]
    async fn client_dashboard(&self) -> ClientDashboard {
        ClientDashboard::default()
    }
}

#[derive(MergedObject, Default)]
pub struct Query(
    TenancyQuery,
    SystemQuery,
    IdentityQuery,
    BillingQuery,
    OrdersQuery,
    WritersQuery,
    SupportQuery,
    JobsQuery,
    NotificationsQuery,
    DashboardQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    TenancyMutation,
    SystemMutation,
    IdentityMutation,
    BillingMutation,
    OrdersMutation,
    WritersMutation,
    SupportMutation,
    JobsMutation,
    NotificationsMutation,
);

/// What `/graphql/ws` serves: live events, each context's.
#[derive(MergedSubscription, Default)]
pub struct Subscription(
    orders::OrdersSubscription,
    notifications::InboxSubscription,
    writers::WritersSubscription,
    support::SupportSubscription,
);

pub type AppSchema = Schema<Query, Mutation, Subscription>;

/// What a request may cost before anything runs (checked by the transport, for all of a
/// batch's operations together).
pub const LIMITS: QueryLimits = QueryLimits {
    max_depth: 12,
    max_introspection_depth: 20,
    max_aliases: 15,
    max_fields: 5_000,
    max_fragments: 100,
    max_spreads: 500,
};
pub const MAX_COMPLEXITY: usize = 5_000;

/// The schema with its complexity limit (the rest of the limits: [`LIMITS`], checked by the
/// transport); the caller adds data and builds. With introspection off, the transport refuses
/// `__schema` and `__type` with a reason, and error messages suggest no field names.
pub fn builder(introspection: bool) -> SchemaBuilder<Query, Mutation, Subscription> {
    install_hooks();
    let builder =
        Schema::build(Query::default(), Mutation::default(), Subscription::default()).limit_complexity(MAX_COMPLEXITY);
    if introspection { builder } else { builder.disable_introspection().disable_suggestions() }
}

/// What the lower contexts ask of the higher ones, installed once a process: whether a
/// writer's submission goes to an editor, and the editing task it opens, the fine of late work,
/// and a writer's pay and page limit when their order grows (the workforce's).
pub fn install_hooks() {
    orders::service::editing::install(std::sync::Arc::new(writers::service::editing::Desk));
    orders::service::late_work::install(std::sync::Arc::new(writers::service::fines::LatenessFines));
    orders::service::page_increases::install(std::sync::Arc::new(writers::service::gate::LevelTerms));
}

/// The money rules of the contexts above billing, which `ledgerIntegrity` checks too.
pub fn money_invariants() -> billing::service::integrity::MoneyInvariants {
    billing::service::integrity::MoneyInvariants(vec![
        std::sync::Arc::new(orders::service::integrity::OrderMoneyInvariant),
        std::sync::Arc::new(writers::service::fines::FineMoneyInvariant),
    ])
}

/// Attaches every context's per-request DataLoaders (tenant-aware, so never shared).
pub fn attach_loaders(request: async_graphql::Request, ctx: &kernel::RequestContext) -> async_graphql::Request {
    let request = identity::loaders::attach(request, ctx);
    let request = billing::loaders::attach(request, ctx);
    let request = orders::loaders::attach(request, ctx);
    // only superadmins read tenants' numbers: no one else's request pays for the loader
    if ctx.viewer.as_ref().is_some_and(|v| v.role == kernel::Role::Superadmin) {
        let stats = crate::tenant_stats::SiteStats { db: ctx.db.clone(), now: ctx.now() };
        return request.data(async_graphql::dataloader::DataLoader::new(
            tenancy::service::stats::TenantStatsLoader(std::sync::Arc::new(stats)),
            tokio::spawn,
        ));
    }
    request
}

/// The SDL, sorted, as committed in `schema.graphql`.
pub fn sdl() -> String {
    builder(true)
        .finish()
        .sdl_with_options(async_graphql::SDLExportOptions::new().sorted_fields().sorted_arguments().sorted_enum_items())
}
