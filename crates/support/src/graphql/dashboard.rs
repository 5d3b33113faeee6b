//! The support dashboard (`supportDashboard`, support agents and admins) and support's part of
//! the admins' dashboard. Each part's numbers come from a fixed number of statements.

use std::sync::Arc;

use async_graphql::{Context, Object, Result, SimpleObject};
use identity::graphql::Person;
use kernel::{ContextExt, Money, Timestamp};
use sea_orm::{EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use tokio::sync::OnceCell;

use super::tickets::{Ticket, prefetch};
use crate::entity::dispute::{DisputeStatus, Outcome};
use crate::entity::escalation::{self, Entity as Escalations};
use crate::entity::ticket::{self, Category, Entity as Tickets, TicketStatus};
use crate::service::dashboard;

/// The most rows a dashboard list shows.
const MAX_FIRST: i32 = 50;

fn first_of(first: Option<i32>) -> Result<u64> {
    let first = first.unwrap_or(10);
    if !(1..=MAX_FIRST).contains(&first) {
        return Err(kernel::AppError::bad_input("first", format!("from 1 to {MAX_FIRST}")).into());
    }
    Ok(first as u64)
}

/// The site's active tickets per category, read once a request by whichever part asks first
/// (the queue, the viewer's open tickets, the categories, the payment issues).
#[derive(Clone, Default)]
struct ActiveTickets(Arc<OnceCell<Vec<dashboard::Active>>>);

impl ActiveTickets {
    async fn get(&self, ctx: &Context<'_>) -> Result<&[dashboard::Active]> {
        let request = ctx.request();
        Ok(self.0.get_or_try_init(|| dashboard::active(&request.db, request)).await?)
    }
}

/// What support works on now, and how it goes.
#[derive(Default)]
pub struct SupportDashboard {
    active: ActiveTickets,
}

#[derive(SimpleObject)]
pub struct SupportQueue {
    /// Active tickets no agent has.
    pub unassigned: i64,
    /// The viewer's active tickets.
    pub mine: i64,
    /// Active tickets of high or critical priority.
    pub high_priority: i64,
    /// Active tickets past an SLA target not yet met, as the SLA job found them (it looks every
    /// minute; a ticket's own countdown is live).
    pub overdue: i64,
    /// Every active ticket.
    pub active: i64,
}

/// The viewer's load and record over the last 30 days.
#[derive(SimpleObject)]
pub struct SupportWorkload {
    pub open_tickets: i64,
    /// Seconds from opening to the first response, on average.
    pub average_first_response: Option<f64>,
    /// The share of their tickets opened in the period that are closed, 0 to 1.
    pub resolution_rate: Option<f64>,
    /// The share of their SLA clocks met, 0 to 1.
    pub sla_compliance: Option<f64>,
}

#[derive(SimpleObject)]
pub struct OrdersNeedingSupport {
    /// Disputes to decide.
    pub disputed: i64,
    /// Active payment tickets.
    pub payment_issues: i64,
    /// Refunds waiting for a decision.
    pub refund_requests: u64,
}

#[derive(SimpleObject)]
pub struct DayCount {
    /// The start of the day in the site's time zone.
    pub day: Timestamp,
    pub count: i64,
}

#[derive(SimpleObject)]
pub struct WeekAverage {
    /// The start of the week's first day in the site's time zone (the last week ends today).
    pub week_start: Timestamp,
    /// Seconds from opening to closing, on average, of the tickets closed that week (a ticket
    /// reopened counts where it last closed).
    pub average_seconds: Option<f64>,
    pub closed: i64,
}

#[derive(SimpleObject)]
pub struct CategoryCount {
    pub category: Category,
    /// Tickets of the category opened in the period.
    pub total: i64,
    /// Tickets of the category active now, whenever they were opened.
    pub active: i64,
}

#[derive(SimpleObject)]
pub struct Satisfaction {
    /// How many ratings of 1, 2, 3, 4 and 5.
    pub distribution: Vec<i64>,
    pub count: i64,
    pub average: Option<f64>,
}

/// Trends of the site's support.
pub struct SupportAnalytics {
    active: ActiveTickets,
}

#[Object]
impl SupportAnalytics {
    /// Tickets opened per day, oldest first (1 to 90 days).
    async fn tickets_per_day(&self, ctx: &Context<'_>, #[graphql(default = 14)] days: i32) -> Result<Vec<DayCount>> {
        let request = ctx.request();
        let days = dashboard::days("days", days)?;
        let series = dashboard::tickets_per_day(&request.db, request, days).await?;
        Ok(series.into_iter().map(|(day, count)| DayCount { day: day.into(), count }).collect())
    }

    /// The average resolution time per week, oldest first (1 to 26 weeks).
    async fn resolution_time_trend(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 8)] weeks: i32,
    ) -> Result<Vec<WeekAverage>> {
        let request = ctx.request();
        if !(1..=26).contains(&weeks) {
            return Err(kernel::AppError::bad_input("weeks", "from 1 to 26 weeks").into());
        }
        let series = dashboard::resolution_trend(&request.db, request, i64::from(weeks)).await?;
        Ok(series
            .into_iter()
            .map(|(week, average, closed)| WeekAverage { week_start: week.into(), average_seconds: average, closed })
            .collect())
    }

    /// Per category, the tickets opened in the last `days` days (1 to 90, today the last) and the
    /// active ones.
    async fn by_category(&self, ctx: &Context<'_>, #[graphql(default = 30)] days: i32) -> Result<Vec<CategoryCount>> {
        let request = ctx.request();
        let days = dashboard::days("days", days)?;
        let opened = dashboard::opened_by_category(&request.db, request, days).await?;
        let rows = dashboard::by_category(&opened, self.active.get(ctx).await?);
        Ok(rows.into_iter().map(|(category, total, active)| CategoryCount { category, total, active }).collect())
    }

    /// Requesters' ratings of closed tickets, given in the last `days` days (1 to 90).
    async fn satisfaction(&self, ctx: &Context<'_>, #[graphql(default = 30)] days: i32) -> Result<Satisfaction> {
        let request = ctx.request();
        let days = dashboard::days("days", days)?;
        let scores = dashboard::satisfaction(&request.db, request, days).await?;
        let count: i64 = scores.iter().sum();
        let weighted: i64 = scores.iter().enumerate().map(|(i, n)| (i as i64 + 1) * n).sum();
        Ok(Satisfaction {
            distribution: scores.to_vec(),
            count,
            average: (count > 0).then(|| weighted as f64 / count as f64),
        })
    }
}

/// Escalations at a glance.
#[derive(Default)]
pub struct SupportEscalations;

#[Object]
impl SupportEscalations {
    /// Open escalations.
    async fn open(&self, ctx: &Context<'_>) -> Result<i64> {
        let request = ctx.request();
        Ok(dashboard::open_escalations(&request.db, request).await?)
    }

    /// The latest escalations, newest first.
    async fn recent(&self, ctx: &Context<'_>, first: Option<i32>) -> Result<Vec<super::escalations::Escalation>> {
        let request = ctx.request();
        request.require_feature(kernel::Feature::Escalations)?;
        let first = first_of(first)?;
        let found = Escalations::find()
            .filter(sea_orm::ColumnTrait::eq(&escalation::Column::TenantId, request.tenant()?.id))
            .order_by_desc(escalation::Column::Id)
            .limit(first)
            .all(&request.db)
            .await?;
        let people = Arc::new(super::escalations::page_people(ctx, &found, &ctx.look_ahead()).await?);
        Ok(found.into_iter().map(|e| super::escalations::Escalation { people: people.clone(), ..e.into() }).collect())
    }
}

#[Object]
impl SupportDashboard {
    /// The site's newest tickets.
    async fn recent_tickets(&self, ctx: &Context<'_>, first: Option<i32>) -> Result<Vec<Ticket>> {
        let request = ctx.request();
        let first = first_of(first)?;
        let rows = Tickets::find()
            .filter(sea_orm::ColumnTrait::eq(&ticket::Column::TenantId, request.tenant()?.id))
            .order_by_desc(ticket::Column::Id)
            .limit(first)
            .all(&request.db)
            .await?;
        let related = Arc::new(prefetch(ctx, &rows, &ctx.look_ahead()).await?);
        Ok(rows.into_iter().map(|ticket| Ticket { ticket, related: related.clone() }).collect())
    }

    async fn queue(&self, ctx: &Context<'_>) -> Result<SupportQueue> {
        let q = dashboard::Queue::of(self.active.get(ctx).await?);
        Ok(SupportQueue {
            unassigned: q.unassigned,
            mine: q.mine,
            high_priority: q.high_priority,
            overdue: q.overdue,
            active: q.active,
        })
    }

    /// The viewer's load and record.
    async fn workload(&self, ctx: &Context<'_>) -> Result<SupportWorkload> {
        let request = ctx.request();
        let agent = request.viewer()?.user_id;
        let w = dashboard::record(&request.db, request, agent).await?;
        Ok(SupportWorkload {
            open_tickets: dashboard::Queue::of(self.active.get(ctx).await?).mine,
            average_first_response: w.average_first_response,
            resolution_rate: w.resolution_rate,
            sla_compliance: w.sla_compliance,
        })
    }

    async fn orders_needing_support(&self, ctx: &Context<'_>) -> Result<OrdersNeedingSupport> {
        let request = ctx.request();
        let disputed = dashboard::disputes_to_decide(&request.db, request).await?;
        let payment_issues =
            self.active.get(ctx).await?.iter().filter(|a| a.category == Category::Payment).map(|a| a.active).sum();
        let refund_requests = billing::service::refunds::pending_count(&request.db, request.tenant()?.id).await?;
        Ok(OrdersNeedingSupport { disputed, payment_issues, refund_requests })
    }

    async fn analytics(&self) -> SupportAnalytics {
        SupportAnalytics { active: self.active.clone() }
    }

    /// Escalations (where the site has them on).
    async fn escalations(&self, ctx: &Context<'_>) -> Result<Option<SupportEscalations>> {
        ctx.request().require_feature(kernel::Feature::Escalations)?;
        Ok(Some(SupportEscalations))
    }
}

/// Support's part of `adminDashboard`.
#[derive(Default)]
pub struct AdminDashboardPart;

#[derive(SimpleObject)]
pub struct DisputeStatusCount {
    pub status: DisputeStatus,
    pub count: i64,
}

#[derive(SimpleObject)]
pub struct DisputeOutcomeCount {
    pub outcome: Outcome,
    pub count: i64,
}

/// The site's disputes at a glance.
#[derive(SimpleObject)]
pub struct DisputesSummary {
    pub by_status: Vec<DisputeStatusCount>,
    pub by_outcome: Vec<DisputeOutcomeCount>,
    /// Still to be decided.
    pub pending: i64,
    /// Refunded to clients by decisions, in all.
    pub refunded: Money,
    /// Hours from opening to decision, on average.
    pub average_hours_to_decision: Option<f64>,
}

#[derive(SimpleObject)]
pub struct TicketStatusCount {
    pub status: TicketStatus,
    pub count: i64,
}

/// One agent's active tickets (for balancing the load).
#[derive(SimpleObject)]
pub struct AgentLoad {
    pub agent: Option<kernel::Inline<Person>>,
    pub active_tickets: i64,
}

/// The site's tickets at a glance.
#[derive(SimpleObject)]
pub struct TicketsSummary {
    pub by_status: Vec<TicketStatusCount>,
    /// Active tickets no agent has.
    pub unassigned: i64,
    /// Active tickets past an SLA target not yet met, as the SLA job found them (every minute).
    pub overdue: i64,
    pub high_priority: i64,
    /// Agents with active tickets, busiest first.
    pub agent_loads: Vec<AgentLoad>,
}

#[Object(name = "SupportAdminDashboardPart")]
impl AdminDashboardPart {
    /// Disputes (where the site has them on).
    async fn disputes(&self, ctx: &Context<'_>) -> Result<Option<DisputesSummary>> {
        let request = ctx.request();
        let n = dashboard::dispute_numbers(&request.db, request).await?;
        let mut by_status: Vec<DisputeStatusCount> =
            n.by_status.iter().map(|(status, count)| DisputeStatusCount { status: *status, count: *count }).collect();
        by_status.sort_by_key(|c| c.status as u8);
        let mut by_outcome: Vec<DisputeOutcomeCount> = n
            .by_outcome
            .iter()
            .map(|(outcome, count)| DisputeOutcomeCount { outcome: *outcome, count: *count })
            .collect();
        by_outcome.sort_by_key(|c| c.outcome as u8);
        let pending = DisputeStatus::PENDING.iter().map(|s| n.by_status.get(s).copied().unwrap_or(0)).sum();
        Ok(Some(DisputesSummary {
            by_status,
            by_outcome,
            pending,
            refunded: Money(n.refunded_minor),
            average_hours_to_decision: n.average_seconds_to_decision.map(|s| s / 3600.0),
        }))
    }

    async fn tickets(&self, ctx: &Context<'_>) -> Result<TicketsSummary> {
        let request = ctx.request();
        let by_status = dashboard::tickets_by_status(&request.db, request).await?;
        let queue = dashboard::Queue::of(&dashboard::active(&request.db, request).await?);
        let loads = dashboard::agent_loads(&request.db, request).await?;
        let people = Person::load_all(ctx, loads.iter().map(|(agent, _)| *agent).collect()).await?;
        Ok(TicketsSummary {
            by_status: by_status.into_iter().map(|(status, count)| TicketStatusCount { status, count }).collect(),
            unassigned: queue.unassigned,
            overdue: queue.overdue,
            high_priority: queue.high_priority,
            agent_loads: loads
                .into_iter()
                .map(|(agent, active_tickets)| AgentLoad {
                    agent: people.get(&agent).cloned().map(kernel::Inline),
                    active_tickets,
                })
                .collect(),
        })
    }
}
