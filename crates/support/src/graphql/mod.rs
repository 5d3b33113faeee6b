//! Thin resolvers over the support services, one file a part of the API.

mod dashboard;
mod disputes;
mod escalations;
mod live;
mod reports;
mod settings;
mod thread;
mod tickets;

use async_graphql::MergedObject;
use kernel::{Role, RoleGuard};

pub use dashboard::{AdminDashboardPart, SupportDashboard};
pub use live::SupportSubscription;
pub use tickets::Ticket;

/// Who works tickets.
const STAFF: RoleGuard = RoleGuard::new(&[Role::Support, Role::Admin, Role::Superadmin]);
/// Who sets support up.
const ADMINS: RoleGuard = RoleGuard::new(&[Role::Admin, Role::Superadmin]);
/// Who has tickets: their requesters and staff.
const TICKET_READERS: RoleGuard =
    RoleGuard::new(&[Role::Client, Role::Writer, Role::Support, Role::Admin, Role::Superadmin]);

#[derive(MergedObject, Default)]
pub struct SupportQuery(
    tickets::TicketQuery,
    settings::SupportSettingsQuery,
    reports::ReportsQuery,
    disputes::DisputeQuery,
    escalations::EscalationQuery,
);

#[derive(MergedObject, Default)]
pub struct SupportMutation(
    tickets::TicketMutation,
    settings::SupportSettingsMutation,
    disputes::DisputeMutation,
    escalations::EscalationMutation,
);
