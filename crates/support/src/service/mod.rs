//! Support's rules: the working calendar and SLA policies of a site, tickets and their
//! messages, the SLA clocks and the job that watches them, and the reports.

pub mod alerts;
pub mod calendar;
pub mod clocks;
pub mod dashboard;
pub mod disputes;
pub mod escalations;
pub mod reports;
pub mod scale;
pub mod settings;
mod sql;
pub mod stats;
pub mod tickets;

use kernel::Role;

/// Who works tickets: support agents and admins (and superadmins in a site).
pub const STAFF: &[Role] = &[Role::Support, Role::Admin, Role::Superadmin];
/// Who sets a site's support up.
pub const ADMINS: &[Role] = &[Role::Admin, Role::Superadmin];
