//! Bulk tickets for benchmarks: `seed-demo --scale N` tops the `essays` tenant up to N tickets
//! (one in ten still active) over the last 26 weeks, from its clients, worked by 20 agents and
//! the demo agent, each with its opening message, its history's first step and its two SLA
//! clocks as they would stand (met, breached, running or paused). They are written straight to
//! the tables in large batches, not through the tickets' steps, and the clocks are on the default
//! round-the-clock calendar. Benchmark data only.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use kernel::{AppResult, new_id};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

use super::settings::default_targets;
use super::stats;
use crate::entity::ticket::{self, Category, Entity as Tickets, Priority, RequesterRole, TicketStatus};
use crate::entity::ticket_event;
use crate::entity::ticket_message;
use crate::entity::ticket_sla::{self, ClockState, Metric};

const BATCH: usize = 500;
/// The weeks the tickets are spread over.
const HISTORY_WEEKS: i64 = 26;
/// One ticket in this many is still active.
const ACTIVE_EVERY: u64 = 10;

const CATEGORIES: [Category; 6] =
    [Category::Order, Category::Payment, Category::Refund, Category::Account, Category::Technical, Category::Other];

/// How many tickets the tenant has.
pub async fn count(db: &DatabaseConnection, tenant: Uuid) -> AppResult<u64> {
    Ok(Tickets::find().filter(ticket::Column::TenantId.eq(tenant)).count(db).await?)
}

fn priority(n: u64) -> Priority {
    match n % 20 {
        0 => Priority::Critical,
        1..=4 => Priority::High,
        5..=14 => Priority::Medium,
        _ => Priority::Low,
    }
}

/// A deterministic spread (a multiplicative hash of `n`), so reruns and backends agree.
fn spread(n: u64, modulo: u64) -> u64 {
    n.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17) % modulo.max(1)
}

/// Adds `missing` tickets to `tenant` (whose days are `zone`'s), from `requesters` (clients),
/// worked by `agents` (the first gets one in twenty), with their daily statistics and SLA
/// records; `progress` is told of each batch.
#[allow(clippy::too_many_arguments)]
pub async fn seed_tickets(
    db: &DatabaseConnection,
    tenant: Uuid,
    zone: Tz,
    now: DateTime<Utc>,
    requesters: &[Uuid],
    agents: &[Uuid],
    missing: u64,
    progress: impl Fn(u64),
) -> AppResult<()> {
    let start = count(db, tenant).await?;
    let span = Duration::weeks(HISTORY_WEEKS).num_seconds() as u64;
    let mut n = start;
    let end = start + missing;
    while n < end {
        let take = (end - n).min(BATCH as u64);
        let mut tickets = Vec::with_capacity(take as usize);
        let mut messages = Vec::with_capacity(take as usize);
        let mut events = Vec::with_capacity(take as usize);
        let mut clocks = Vec::with_capacity(2 * take as usize);
        let mut ids = Vec::with_capacity(take as usize);
        let mut counts: HashMap<(NaiveDate, Category), stats::Counts> = HashMap::new();
        for i in n..n + take {
            let id = new_id();
            let created = now - Duration::seconds(spread(i, span) as i64);
            let active = i % ACTIVE_EVERY == 0;
            let priority = priority(spread(i + 7, 20));
            let targets = default_targets(priority);
            let agent = if i % 20 == 0 {
                agents.first().copied()
            } else if active && i % 3 == 0 {
                None
            } else {
                agents.get(1 + spread(i, agents.len().saturating_sub(1) as u64) as usize).copied()
            };
            let requester = requesters[spread(i + 3, requesters.len() as u64) as usize];
            let status = if !active {
                TicketStatus::Closed
            } else {
                match i % 40 {
                    0 => TicketStatus::AwaitingCustomer,
                    10 => TicketStatus::Escalated,
                    20 if agent.is_some() => TicketStatus::InProgress,
                    _ => TicketStatus::Open,
                }
            };
            let first_minutes = i64::from(targets.first_response_minutes);
            let resolution_minutes = i64::from(targets.resolution_minutes);
            // one in ten answered or resolved late
            let late = spread(i + 11, 10) == 0;
            let answered =
                agent.map(|_| created + Duration::minutes(if late { first_minutes + 30 } else { first_minutes / 2 }));
            let closed = (!active).then(|| {
                created + Duration::minutes(if late { resolution_minutes * 2 } else { resolution_minutes * 2 / 3 })
            });
            let rating = (!active && spread(i + 5, 5) < 2).then(|| 1 + spread(i + 13, 5) as i16);
            let category = CATEGORIES[(i % CATEGORIES.len() as u64) as usize];
            ids.push(id);
            counts.entry((stats::day_of(created, zone), category)).or_default().opened += 1;
            if let Some(closed) = closed {
                let day = counts.entry((stats::day_of(closed, zone), category)).or_default();
                day.closed += 1;
                day.resolution_seconds += stats::seconds_between(created, closed);
                if let Some(rating) = rating {
                    counts.entry((stats::day_of(closed, zone), category)).or_default().rated[rating as usize - 1] += 1;
                }
            }
            tickets.push(ticket::ActiveModel::from(ticket::Model {
                id,
                tenant_id: tenant,
                requester_id: requester,
                requester_role: RequesterRole::Client,
                order_id: None,
                subject: format!("Scale ticket {i}"),
                category,
                priority,
                status,
                assignee_id: agent,
                opened_by: requester,
                created_at: created,
                updated_at: closed.or(answered).unwrap_or(created),
                first_response_at: answered,
                closed_at: closed,
                closed_day: closed.map(|at| stats::day_of(at, zone)),
                reopen_count: 0,
                rating,
                rating_comment: None,
                rated_at: rating.and(closed),
            }));
            messages.push(ticket_message::ActiveModel::from(ticket_message::Model {
                id: new_id(),
                tenant_id: tenant,
                ticket_id: id,
                author_id: requester,
                internal: false,
                body: "Where is my paper?".to_owned(),
                created_at: created,
            }));
            events.push(ticket_event::ActiveModel::from(ticket_event::Model {
                id: new_id(),
                tenant_id: tenant,
                ticket_id: id,
                kind: "OPENED".to_owned(),
                metric: None,
                actor_id: Some(requester),
                note: None,
                at: created,
            }));
            for (metric, minutes, met) in
                [(Metric::FirstResponse, first_minutes, answered), (Metric::Resolution, resolution_minutes, closed)]
            {
                let target = minutes * 60;
                let due = created + Duration::seconds(target);
                let breached = match met {
                    Some(at) => (at > due).then_some(due),
                    None => (due <= now).then_some(due),
                };
                let paused = met.is_none() && status == TicketStatus::AwaitingCustomer;
                let running = met.is_none() && !paused;
                let warn = created + Duration::seconds(target * 80 / 100);
                clocks.push(ticket_sla::ActiveModel::from(ticket_sla::Model {
                    ticket_id: id,
                    metric,
                    tenant_id: tenant,
                    target_seconds: target,
                    warn_percent: 80,
                    used_seconds: if paused { target / 2 } else { 0 },
                    state: if running {
                        ClockState::Running
                    } else if paused {
                        ClockState::Paused
                    } else {
                        ClockState::Stopped
                    },
                    started_at: created,
                    running_since: running.then_some(created),
                    due_at: running.then_some(due),
                    warn_at: (running && warn > now).then_some(warn),
                    // what the job still has to look at: a warning or a breach to come
                    next_check_at: if !running || breached.is_some() {
                        None
                    } else if warn > now {
                        Some(warn)
                    } else {
                        Some(due)
                    },
                    warned_at: (running && warn <= now).then_some(warn),
                    breached_at: breached,
                    met_at: met,
                }));
            }
        }
        let batch = take;
        kernel::transaction(db, async |txn| {
            Tickets::insert_many(tickets).exec_without_returning(txn).await?;
            ticket_message::Entity::insert_many(messages).exec_without_returning(txn).await?;
            ticket_event::Entity::insert_many(events).exec_without_returning(txn).await?;
            ticket_sla::Entity::insert_many(clocks).exec_without_returning(txn).await?;
            stats::recount_sla(txn, tenant, &ids).await?;
            let counts: Vec<_> = counts.into_iter().map(|((day, category), c)| (day, category, c)).collect();
            stats::add(txn, tenant, &counts).await?;
            Ok(())
        })
        .await?;
        progress(batch);
        n += take;
    }
    Ok(())
}
