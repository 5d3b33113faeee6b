//! Billing's numbers for the admin dashboard. Days and months are the tenant's: they begin at
//! midnight in its time zone.

use kernel::time::day_and_month_start;
use kernel::{AppResult, Money, RequestContext, Role};
use sea_orm::ConnectionTrait;

use crate::entity::account::AccountKind;
use crate::entity::journal_entry::EntryKind;
use crate::service::{ledger, refunds};

/// Payments received for orders (from wallets, and recorded by staff).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Revenue {
    pub today: Money,
    pub this_month: Money,
}

pub async fn revenue(conn: &impl ConnectionTrait, request: &RequestContext) -> AppResult<Revenue> {
    request.require_role(&[Role::Admin, Role::Superadmin])?;
    let tenant = request.tenant()?;
    let now = request.now();
    let (day, month) = day_and_month_start(now, tenant.time_zone);
    let end = now + chrono::Duration::seconds(1);
    let paid = [EntryKind::OrderPayment, EntryKind::ManualPayment];
    Ok(Revenue {
        today: ledger::flow(conn, tenant.id, AccountKind::PlatformRevenue, &paid, day, end).await?,
        this_month: ledger::flow(conn, tenant.id, AccountKind::PlatformRevenue, &paid, month, end).await?,
    })
}

/// Refunds waiting on a provider, and what was refunded this month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundTotals {
    pub pending_count: u64,
    pub refunded_this_month: Money,
}

pub async fn refund_totals(conn: &impl ConnectionTrait, request: &RequestContext) -> AppResult<RefundTotals> {
    request.require_role(&[Role::Admin, Role::Superadmin])?;
    let tenant = request.tenant()?;
    let now = request.now();
    let (_, month) = day_and_month_start(now, tenant.time_zone);
    let (pending_count, refunded_this_month) =
        refunds::summary(conn, tenant.id, month, now + chrono::Duration::seconds(1)).await?;
    Ok(RefundTotals { pending_count, refunded_this_month })
}

/// Payments received from each tenant's `from` (the start of its month, say) until now, for
/// many tenants in one statement; a tenant with none is left out.
pub async fn revenue_since(
    conn: &impl ConnectionTrait,
    starts: &[(uuid::Uuid, chrono::DateTime<chrono::Utc>)],
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<std::collections::HashMap<uuid::Uuid, Money>> {
    let paid = [EntryKind::OrderPayment, EntryKind::ManualPayment];
    ledger::flows(conn, starts, AccountKind::PlatformRevenue, &paid, now + chrono::Duration::seconds(1)).await
}
