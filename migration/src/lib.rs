//! Every table of every crate, in the order the crates depend on each other. Migrations are
//! portable: string-backed enums, inline foreign keys, one change a statement.

pub use sea_orm_migration::prelude::*;

mod m20261121_000001_tenancy;
mod m20261121_000002_identity;
mod m20261121_000003_idempotency;
mod m20261121_000004_orders;
mod m20261121_000005_billing;
mod m20261121_000006_refunds_discounts;
mod m20261121_000007_payments;
mod m20261122_000008_hardening;
mod m20261123_000009_house;
mod m20261206_000010_jobs;
mod m20261206_000011_notifications;
mod m20261206_000012_order_timers;
mod m20261206_000013_web_push;
mod m20261206_000014_login_links;
mod m20261206_000015_push_sessions;
mod m20261206_000016_two_factor;
mod m20261206_000017_devices;
mod m20261206_000018_audit_chain;
mod m20261206_000019_tenant_deletion;
mod m20261206_000020_system_settings;
pub mod m20261206_000021_row_level_security;
mod m20261207_000022_writers;
mod m20261208_000023_getting_work;
mod m20261208_000024_writer_feedback;
mod m20261208_000025_portfolios;
mod m20261209_000026_order_files;
mod m20261209_000027_level_proposals;
mod m20261210_000028_portfolio_sample_files;
mod m20261210_000029_writer_work_index;
mod m20261211_000030_editing;
mod m20261212_000031_support;
mod m20261212_000032_refund_requests;
pub mod m20261213_000033_support_stats;
mod m20261214_000034_cancellation_and_tips;
mod m20261214_000035_payouts;
mod m20261214_000036_fines;
mod m20261214_000037_deadline_extensions;
mod m20261215_000038_page_increases;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261121_000001_tenancy::Migration),
            Box::new(m20261121_000002_identity::Migration),
            Box::new(m20261121_000003_idempotency::Migration),
            Box::new(m20261121_000004_orders::Migration),
            Box::new(m20261121_000005_billing::Migration),
            Box::new(m20261121_000006_refunds_discounts::Migration),
            Box::new(m20261121_000007_payments::Migration),
            Box::new(m20261122_000008_hardening::Migration),
            Box::new(m20261123_000009_house::Migration),
            Box::new(m20261206_000010_jobs::Migration),
            Box::new(m20261206_000011_notifications::Migration),
            Box::new(m20261206_000012_order_timers::Migration),
            Box::new(m20261206_000013_web_push::Migration),
            Box::new(m20261206_000014_login_links::Migration),
            Box::new(m20261206_000015_push_sessions::Migration),
            Box::new(m20261206_000016_two_factor::Migration),
            Box::new(m20261206_000017_devices::Migration),
            Box::new(m20261206_000018_audit_chain::Migration),
            Box::new(m20261206_000019_tenant_deletion::Migration),
            Box::new(m20261206_000020_system_settings::Migration),
            Box::new(m20261206_000021_row_level_security::Migration),
            Box::new(m20261207_000022_writers::Migration),
            Box::new(m20261208_000023_getting_work::Migration),
            Box::new(m20261208_000024_writer_feedback::Migration),
            Box::new(m20261208_000025_portfolios::Migration),
            Box::new(m20261209_000026_order_files::Migration),
            Box::new(m20261209_000027_level_proposals::Migration),
            Box::new(m20261210_000028_portfolio_sample_files::Migration),
            Box::new(m20261210_000029_writer_work_index::Migration),
            Box::new(m20261211_000030_editing::Migration),
            Box::new(m20261212_000031_support::Migration),
            Box::new(m20261212_000032_refund_requests::Migration),
            Box::new(m20261213_000033_support_stats::Migration),
            Box::new(m20261214_000034_cancellation_and_tips::Migration),
            Box::new(m20261214_000035_payouts::Migration),
            Box::new(m20261214_000036_fines::Migration),
            Box::new(m20261214_000037_deadline_extensions::Migration),
            Box::new(m20261215_000038_page_increases::Migration),
        ]
    }
}
