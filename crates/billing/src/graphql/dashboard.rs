use async_graphql::{Context, Object, Result, SimpleObject};
use kernel::{ContextExt, Money};

use crate::service::dashboard;

/// Billing's part of `adminDashboard`. Days and months are the tenant's (its time zone).
#[derive(Default)]
pub struct AdminDashboardPart;

#[derive(SimpleObject)]
pub struct RevenueSummary {
    /// Payments received for orders (wallet and recorded ones) today.
    pub today: Money,
    pub this_month: Money,
}

#[derive(SimpleObject)]
pub struct RefundSummary {
    /// Refunds waiting on a payment provider.
    pub pending_count: u64,
    pub refunded_this_month: Money,
}

#[Object(name = "BillingAdminDashboardPart")]
impl AdminDashboardPart {
    async fn revenue(&self, ctx: &Context<'_>) -> Result<RevenueSummary> {
        let request = ctx.request();
        let revenue = dashboard::revenue(&request.db, request).await?;
        Ok(RevenueSummary { today: revenue.today, this_month: revenue.this_month })
    }

    async fn refunds(&self, ctx: &Context<'_>) -> Result<RefundSummary> {
        let request = ctx.request();
        let totals = dashboard::refund_totals(&request.db, request).await?;
        Ok(RefundSummary { pending_count: totals.pending_count, refunded_this_month: totals.refunded_this_month })
    }
}
