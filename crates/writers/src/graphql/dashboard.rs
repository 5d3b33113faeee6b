//! The writer's dashboard: earnings, performance, queue, requests, badges, level standing,
//! workload, capacity and calendar, each part a few statements whatever the writer's history.

use std::sync::Arc;

use async_graphql::{Context, Object, Result, SimpleObject};
use kernel::{AppError, ContextExt, Money, PageArgs, Timestamp};
use tokio::sync::OnceCell;

use super::levels::WriterLevel;
use super::profiles::{
    CapacityStatus, WriterBadge, WriterCalendar, WriterCapacity, WriterWorkload, badges_view, calendar_view,
    capacity_view, status_view, workload_view,
};
use super::work::OrderRequest;
use crate::entity::writer_order_request::RequestStatus;
use crate::service::capacity::{self, Usage};
use crate::service::dashboard::{self, MAX_MONTHS, Performance};
use crate::service::profiles::WriterRecord;
use crate::service::requests;

/// A writer's dashboard (the viewer's own).
pub struct WriterDashboard {
    writer: WriterRecord,
    usage: OnceCell<Arc<Usage>>,
    performance: OnceCell<Performance>,
}

impl WriterDashboard {
    pub(super) fn new(writer: WriterRecord) -> Self {
        WriterDashboard { writer, usage: OnceCell::new(), performance: OnceCell::new() }
    }

    /// The writer's usage with their workload, read once for every field that needs it.
    async fn usage(&self, ctx: &Context<'_>) -> Result<Arc<Usage>> {
        let request = ctx.request();
        let usage = self
            .usage
            .get_or_try_init(|| async {
                let mut found =
                    capacity::usage_of(&request.db, request, std::slice::from_ref(&self.writer), true).await?;
                found.remove(&self.writer.id).map(Arc::new).ok_or_else(|| AppError::internal("no usage for a writer"))
            })
            .await?;
        Ok(usage.clone())
    }

    async fn performance_of(&self, ctx: &Context<'_>) -> Result<Performance> {
        let request = ctx.request();
        Ok(*self.performance.get_or_try_init(|| dashboard::performance(&request.db, request, &self.writer)).await?)
    }
}

/// What the writer has earned.
pub struct WriterEarnings {
    writer: WriterRecord,
    pending_minor: i64,
    /// This month's, read once for `balance` and `thisMonth`.
    current: OnceCell<dashboard::Earnings>,
    /// Where the earnings stand for payouts, read once for `available`, `held` and `paidOut`.
    payouts: OnceCell<billing::service::payouts::Standing>,
}

impl WriterEarnings {
    async fn current(&self, ctx: &Context<'_>) -> Result<&dashboard::Earnings> {
        let request = ctx.request();
        Ok(self.current.get_or_try_init(|| dashboard::earnings(&request.db, request, &self.writer, 1)).await?)
    }

    async fn payouts(&self, ctx: &Context<'_>) -> Result<&billing::service::payouts::Standing> {
        let request = ctx.request();
        let (tenant, now) = (self.writer.tenant_id, request.now());
        let standing = billing::service::payouts::standing(&request.db, tenant, self.writer.id, now);
        Ok(self.payouts.get_or_try_init(|| standing).await?)
    }
}

#[derive(SimpleObject)]
pub struct MonthEarnings {
    /// `YYYY-MM`, the site's month.
    pub month: String,
    /// The net change: credits less reversals.
    pub amount: Money,
}

#[Object]
impl WriterEarnings {
    /// Credited and not yet paid out or asked for (below zero when fines took more).
    async fn balance(&self, ctx: &Context<'_>) -> Result<Money> {
        Ok(Money(self.current(ctx).await?.available_minor))
    }
    /// What may be paid out now (`requestPayout`): the balance less what is still held.
    async fn available(&self, ctx: &Context<'_>) -> Result<Money> {
        Ok(Money(self.payouts(ctx).await?.available))
    }
    /// Credits still inside the site's hold (against refunds and disputes).
    async fn held(&self, ctx: &Context<'_>) -> Result<Money> {
        Ok(Money(self.payouts(ctx).await?.held))
    }
    /// Asked to be paid out and not yet paid.
    async fn payout_pending(&self, ctx: &Context<'_>) -> Result<Money> {
        Ok(Money(self.payouts(ctx).await?.pending))
    }
    /// Paid out, all time.
    async fn paid_out(&self, ctx: &Context<'_>) -> Result<Money> {
        Ok(Money(self.payouts(ctx).await?.paid_out))
    }
    /// What the orders in hand or submitted will pay once completed.
    async fn pending(&self) -> Money {
        Money(self.pending_minor)
    }
    /// Credited this month (the site's month), less reversals.
    async fn this_month(&self, ctx: &Context<'_>) -> Result<Money> {
        Ok(Money(self.current(ctx).await?.this_month_minor))
    }
    /// Each of the last `last` months (1 to 24), oldest first, months without earnings included.
    async fn by_month(&self, ctx: &Context<'_>, #[graphql(default = 12)] last: i32) -> Result<Vec<MonthEarnings>> {
        let months = u32::try_from(last).ok().filter(|n| (1..=MAX_MONTHS).contains(n));
        let Some(months) = months else {
            return Err(AppError::bad_input("last", format!("last must be between 1 and {MAX_MONTHS}")).into());
        };
        let request = ctx.request();
        let found = dashboard::earnings(&request.db, request, &self.writer, months).await?;
        Ok(found.by_month.into_iter().map(|(month, amount)| MonthEarnings { month, amount: Money(amount) }).collect())
    }
}

#[derive(SimpleObject)]
pub struct WriterPerformance {
    pub completed: i64,
    /// Shares from 0 to 1 of completed orders; null before the first.
    pub on_time_rate: Option<f64>,
    pub revision_rate: Option<f64>,
    /// All ratings together, 1 to 5; null before the first or with writer feedback off.
    pub average_rating: Option<f64>,
}

#[derive(SimpleObject)]
pub struct WriterQueue {
    /// Orders in hand (offers waiting for an answer included).
    pub active: i64,
    /// Sent back for revision or being revised.
    pub in_revision: i64,
    /// Due by the writer's deadline within 24 hours, or overdue.
    pub due_soon: i64,
}

/// How far the writer is from their level's promotion thresholds.
#[derive(SimpleObject)]
pub struct LevelProgress {
    pub completed_orders: i64,
    pub completed_orders_needed: i32,
    /// Shares from 0 to 1, as the thresholds beside them.
    pub on_time_rate: Option<f64>,
    pub on_time_rate_needed: f64,
    pub revision_rate: Option<f64>,
    pub max_revision_rate: f64,
    /// Whether the writer reaches every threshold there is a record for (an admin still
    /// decides a promotion).
    pub eligible: bool,
}

/// A rate in ten-thousandths of a percent as a share from 0 to 1.
fn share(rate_e4: i64) -> f64 {
    rate_e4 as f64 / (100 * kernel::RATE_ONE) as f64
}

/// The writer's level, the next one up, and the way there.
#[derive(SimpleObject)]
pub struct LevelStanding {
    pub current: Option<WriterLevel>,
    pub next: Option<WriterLevel>,
    pub progress: LevelProgress,
}

#[derive(Default)]
pub struct WriterDashboardQuery;

#[Object]
impl WriterDashboardQuery {
    /// The viewer's (a writer's) dashboard.
    #[graphql(guard = "super::WRITERS")]
    async fn writer_dashboard(&self, ctx: &Context<'_>) -> Result<WriterDashboard> {
        let request = ctx.request();
        Ok(WriterDashboard::new(dashboard::viewer(&request.db, request).await?))
    }
}

#[Object]
impl WriterDashboard {
    async fn earnings(&self, ctx: &Context<'_>) -> Result<WriterEarnings> {
        let pending_minor = self.performance_of(ctx).await?.pending_pay_minor;
        Ok(WriterEarnings {
            writer: self.writer.clone(),
            pending_minor,
            current: OnceCell::new(),
            payouts: OnceCell::new(),
        })
    }
    async fn performance(&self, ctx: &Context<'_>) -> Result<WriterPerformance> {
        let p = self.performance_of(ctx).await?;
        let request = ctx.request();
        Ok(WriterPerformance {
            completed: p.completed,
            on_time_rate: p.on_time_rate,
            revision_rate: p.revision_rate,
            average_rating: crate::service::feedback::overall(&request.db, request, self.writer.id).await?,
        })
    }
    async fn queue(&self, ctx: &Context<'_>) -> Result<WriterQueue> {
        let p = self.performance_of(ctx).await?;
        Ok(WriterQueue { active: p.active, in_revision: p.in_revision, due_soon: p.due_soon })
    }
    /// The writer's pending requests for orders, newest first (at most 20).
    async fn requests(&self, ctx: &Context<'_>) -> Result<Vec<OrderRequest>> {
        let request = ctx.request();
        let page = PageArgs { limit: 20, after: None, with_total: false };
        let found = requests::list(&request.db, request, Some(RequestStatus::Pending), None, None, page).await?;
        Ok(found.items.into_iter().map(OrderRequest::from).collect())
    }
    async fn badges(&self, ctx: &Context<'_>) -> Result<Vec<WriterBadge>> {
        Ok(badges_view(&*self.usage(ctx).await?))
    }
    async fn level(&self, ctx: &Context<'_>) -> Result<LevelStanding> {
        let performance = self.performance_of(ctx).await?;
        let request = ctx.request();
        let s = dashboard::standing(&request.db, &self.writer, &performance).await?;
        Ok(LevelStanding {
            current: s.current.map(WriterLevel),
            next: s.next.map(WriterLevel),
            progress: LevelProgress {
                completed_orders: performance.completed,
                completed_orders_needed: s.thresholds.completed_orders,
                on_time_rate: performance.on_time_rate,
                on_time_rate_needed: share(s.thresholds.on_time_rate_e4),
                revision_rate: performance.revision_rate,
                max_revision_rate: share(s.thresholds.max_revision_rate_e4),
                eligible: s.eligible,
            },
        })
    }
    async fn workload(&self, ctx: &Context<'_>) -> Result<WriterWorkload> {
        workload_view(&*self.usage(ctx).await?)
    }
    async fn capacity(&self, ctx: &Context<'_>) -> Result<WriterCapacity> {
        Ok(capacity_view(&*self.usage(ctx).await?))
    }
    async fn capacity_status(&self, ctx: &Context<'_>) -> Result<CapacityStatus> {
        Ok(status_view(&*self.usage(ctx).await?))
    }
    /// The writer's deadlines and blackouts in `[from, to)` (at most 92 days).
    async fn calendar(&self, ctx: &Context<'_>, from: Timestamp, to: Timestamp) -> Result<WriterCalendar> {
        calendar_view(ctx.request(), None, from, to).await
    }
}
