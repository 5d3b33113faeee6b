//! A writer's calendar: the deadlines of their orders (their own, the client's, open revisions')
//! and their blackouts, in a range, for the writer's or staff's eyes.

use chrono::{DateTime, Duration, Utc};
use kernel::{AppError, AppResult, RequestContext};
use orders::service::workload::{self, DeadlineKind};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::entity::writer_blackout::{self, Entity as Blackouts};
use crate::service::profiles;

/// The longest range one asks for, and the most events it holds (a bounded list).
pub const MAX_DAYS: i64 = 92;
pub const MAX_EVENTS: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum CalendarEventKind {
    WriterDeadline,
    ClientDeadline,
    RevisionDeadline,
    Blackout,
}

/// One entry: a deadline (a moment: `ends_at` is `starts_at`) or a blackout (a stretch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarEvent {
    pub kind: CalendarEventKind,
    /// The order's topic, or the blackout's reason.
    pub title: String,
    pub order_id: Option<Uuid>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// The events of `writer` (the viewer's own when absent; any for staff) that touch
/// `[from, to)`, soonest first, at most `MAX_EVENTS`. Three statements.
pub async fn events(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    writer: Option<Uuid>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<Vec<CalendarEvent>> {
    if to <= from {
        return Err(AppError::bad_input("to", "the range ends after it starts"));
    }
    if to - from > Duration::days(MAX_DAYS) {
        return Err(AppError::bad_input("to", format!("a range spans at most {MAX_DAYS} days")));
    }
    let writer = profiles::get(conn, request, writer).await?;
    let tenant = request.tenant()?.id;
    let mut events: Vec<CalendarEvent> = workload::deadlines(conn, tenant, writer.id, from, to, MAX_EVENTS)
        .await?
        .into_iter()
        .map(|d| CalendarEvent {
            kind: match d.kind {
                DeadlineKind::Writer => CalendarEventKind::WriterDeadline,
                DeadlineKind::Client => CalendarEventKind::ClientDeadline,
                DeadlineKind::Revision => CalendarEventKind::RevisionDeadline,
            },
            title: d.topic,
            order_id: Some(d.order_id),
            starts_at: d.at,
            ends_at: d.at,
        })
        .collect();
    let blackouts = Blackouts::find()
        .filter(writer_blackout::Column::TenantId.eq(tenant))
        .filter(writer_blackout::Column::WriterId.eq(writer.id))
        .filter(writer_blackout::Column::StartsAt.lt(to))
        .filter(writer_blackout::Column::EndsAt.gt(from))
        .order_by_asc(writer_blackout::Column::StartsAt)
        .limit(MAX_EVENTS as u64)
        .all(conn)
        .await?;
    events.extend(blackouts.into_iter().map(|b| CalendarEvent {
        kind: CalendarEventKind::Blackout,
        title: b.reason,
        order_id: None,
        starts_at: b.starts_at,
        ends_at: b.ends_at,
    }));
    events.sort_by_key(|e| (e.starts_at, e.ends_at));
    events.truncate(MAX_EVENTS);
    Ok(events)
}
