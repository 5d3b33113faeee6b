use async_graphql::{Context, Object, Result, SimpleObject};
use kernel::{ContextExt, Money, Timestamp};

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

/// Refunds at a glance.
pub struct RefundSummary {
    pending_count: u64,
    refunded_this_month: Money,
}

/// One month of refunds (the site's months).
#[derive(SimpleObject)]
pub struct RefundMonth {
    pub month_start: Timestamp,
    /// Refunds made that month (a client's request counts when approved).
    pub refunds: i64,
    pub refunded: Money,
    /// Clients' requests turned down that month.
    pub rejected: i64,
}

#[Object]
impl RefundSummary {
    /// Refunds waiting: clients' requests to decide, and refunds waiting on a payment provider.
    async fn pending_count(&self) -> u64 {
        self.pending_count
    }

    async fn refunded_this_month(&self) -> Money {
        self.refunded_this_month
    }

    /// Refunds per month, oldest first, this month the last (1 to 12 months).
    async fn by_month(&self, ctx: &Context<'_>, #[graphql(default = 6)] months: i32) -> Result<Vec<RefundMonth>> {
        let request = ctx.request();
        let months = dashboard::refund_months(&request.db, request, i64::from(months)).await?;
        Ok(months
            .into_iter()
            .map(|m| RefundMonth {
                month_start: m.start.into(),
                refunds: m.refunds,
                refunded: m.refunded,
                rejected: m.rejected,
            })
            .collect())
    }
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
