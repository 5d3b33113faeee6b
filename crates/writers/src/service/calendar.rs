//! A writer's calendar: the deadlines of their orders (their own, the client's, open revisions')
//! and their blackouts, in a range, for the writer's or staff's eyes.

use chrono::{DateTime, Duration, Utc};
use kernel::{AppError, AppResult, RequestContext};
use orders::service::workload::{self, DeadlineKind};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::entity::writer_blackout::{self, Entity as Blackouts};
use crate::entity::writer_calendar_feed::{self, Entity as Feeds};
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
    pub blackout_id: Option<Uuid>,
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
    events_of(conn, request.tenant()?.id, writer.id, from, to).await
}

/// The events of the tenant's `writer` that touch `[from, to)` (no access check: the caller's).
async fn events_of(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    writer: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<Vec<CalendarEvent>> {
    let mut events: Vec<CalendarEvent> = workload::deadlines(conn, tenant, writer, from, to, MAX_EVENTS)
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
            blackout_id: None,
            starts_at: d.at,
            ends_at: d.at,
        })
        .collect();
    let blackouts = Blackouts::find()
        .filter(writer_blackout::Column::TenantId.eq(tenant))
        .filter(writer_blackout::Column::WriterId.eq(writer))
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
        blackout_id: Some(b.id),
        starts_at: b.starts_at,
        ends_at: b.ends_at,
    }));
    events.sort_by_key(|e| (e.starts_at, e.ends_at));
    events.truncate(MAX_EVENTS);
    Ok(events)
}

/// How far back and ahead a calendar feed reaches.
pub const FEED_DAYS_BACK: i64 = 7;

/// The viewer (a writer) gets a new secret for their calendar feed; the old one stops answering.
/// The secret is shown this once (only its SHA-256 is kept).
pub async fn rotate_feed(conn: &impl ConnectionTrait, request: &RequestContext) -> AppResult<String> {
    let viewer = request.require_role(&[kernel::Role::Writer])?;
    let secret = identity::service::token::generate();
    let row = writer_calendar_feed::Model {
        writer_id: viewer.user_id,
        tenant_id: request.tenant()?.id,
        secret_hash: identity::service::token::digest(&secret),
        created_at: request.now(),
    };
    Feeds::insert(writer_calendar_feed::ActiveModel::from(row))
        .on_conflict(
            OnConflict::column(writer_calendar_feed::Column::WriterId)
                .update_columns([writer_calendar_feed::Column::SecretHash, writer_calendar_feed::Column::CreatedAt])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(secret)
}

/// The feed of `secret` at `now` as iCalendar text, or `None` when no live writer of a live site
/// holds it (on the system pool: the secret says whose it is). The writer's deadlines and
/// blackouts from a week back to `MAX_DAYS` ahead.
pub async fn feed(conn: &impl ConnectionTrait, secret: &str, now: DateTime<Utc>) -> AppResult<Option<String>> {
    let Some(feed) = Feeds::find()
        .filter(writer_calendar_feed::Column::SecretHash.eq(identity::service::token::digest(secret)))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let site = tenancy::service::tenants::find(conn, feed.tenant_id).await?;
    if site.deleted_at.is_some() || site.status != tenancy::service::tenants::TenantStatus::Active {
        return Ok(None);
    }
    // still a writer of the site, and not suspended
    let Ok(writer) = profiles::find(conn, feed.tenant_id, feed.writer_id).await else { return Ok(None) };
    if writer.status == crate::entity::writer_profile::WriterStatus::Suspended {
        return Ok(None);
    }
    let from = now - Duration::days(FEED_DAYS_BACK);
    let events = events_of(conn, feed.tenant_id, writer.id, from, now + Duration::days(MAX_DAYS)).await?;
    Ok(Some(ical(&site.name, &writer.display_name, &events, now)))
}

/// RFC 5545 text of `events`.
fn ical(site: &str, writer: &str, events: &[CalendarEvent], now: DateTime<Utc>) -> String {
    use icalendar::{Calendar, Component, Event, EventLike};
    let mut calendar = Calendar::new();
    calendar.name(&format!("{site}: {writer}"));
    for e in events {
        let id = e.order_id.or(e.blackout_id).unwrap_or_default();
        let (what, uid) = match e.kind {
            CalendarEventKind::WriterDeadline => ("Your deadline", format!("writer-{id}")),
            CalendarEventKind::ClientDeadline => ("Client deadline", format!("client-{id}")),
            CalendarEventKind::RevisionDeadline => {
                ("Revision due", format!("revision-{id}-{}", e.starts_at.timestamp()))
            }
            CalendarEventKind::Blackout => ("Blackout", format!("blackout-{id}")),
        };
        let summary = if e.title.is_empty() { what.to_owned() } else { format!("{what}: {}", e.title) };
        let mut event = Event::new();
        event.uid(&format!("{uid}@scriptorium")).timestamp(now).summary(&summary).starts(e.starts_at);
        // a deadline is a moment (no end: RFC 5545 wants an end after the start); a blackout a stretch
        if e.kind == CalendarEventKind::Blackout {
            event.ends(e.ends_at);
        }
        calendar.push(event.done());
    }
    calendar.done().to_string()
}
