use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use kernel::pagination::IdConnection;
use kernel::{AppError, ContextExt, PageArgs, Paged, RequestContext, Role, RoleGuard, Timestamp, parse_id, write};

use super::levels::WriterLevel;
use crate::entity::writer_profile::WriterStatus;
use crate::service::badges;
use crate::service::calendar::{self, CalendarEventKind};
use crate::service::capacity::{self, Blackout, CapacityFields, Usage};
use crate::service::profiles::{self, ProfileFields, WriterFilter, WriterRecord};

use super::{ADMINS, WRITERS};

/// Who reads a profile: the writer their own, staff any (the service decides which).
const PROFILE_READERS: RoleGuard = RoleGuard::new(&[Role::Writer, Role::Support, Role::Admin, Role::Superadmin]);

/// The fields of a profile that need the writer's level and orders: asked for any of them, a
/// page reads them for all its writers at once.
const USAGE_FIELDS: [&str; 6] = ["level", "badges", "stats", "capacity", "capacityStatus", "workload"];

fn wants_usage(selection: &async_graphql::Lookahead<'_>) -> bool {
    USAGE_FIELDS.iter().any(|f| selection.field(f).exists())
}

fn ids(list: &[uuid::Uuid]) -> Vec<ID> {
    list.iter().map(|id| ID(id.to_string())).collect()
}

/// A writer's workforce profile (the writer and staff).
pub struct WriterProfile {
    record: WriterRecord,
    usage: Option<Arc<Usage>>,
    /// The feedback in numbers, read for a whole page when it asks for it.
    feedback: Option<crate::service::feedback::Summary>,
}

impl WriterProfile {
    /// Profiles for `records`, with their usage read in one batch when `selection` asks for it.
    async fn many(
        request: &RequestContext,
        records: Vec<WriterRecord>,
        selection: async_graphql::Lookahead<'_>,
    ) -> Result<Vec<WriterProfile>> {
        let mut usage = if wants_usage(&selection) {
            capacity::usage_of(&request.db, request, &records, selection.field("workload").exists()).await?
        } else {
            Default::default()
        };
        // read for the page at once; refused (the feature off), each profile's field says so
        let mut feedback = if selection.field("feedbackSummary").exists() {
            let ids: Vec<uuid::Uuid> = records.iter().map(|r| r.id).collect();
            crate::service::feedback::summaries(&request.db, request, &ids).await.unwrap_or_default()
        } else {
            Default::default()
        };
        Ok(records
            .into_iter()
            .map(|record| WriterProfile {
                usage: usage.remove(&record.id).map(Arc::new),
                feedback: feedback.remove(&record.id),
                record,
            })
            .collect())
    }

    async fn one(ctx: &Context<'_>, record: WriterRecord) -> Result<WriterProfile> {
        let mut found = Self::many(ctx.request(), vec![record], ctx.look_ahead()).await?;
        found.pop().ok_or_else(|| AppError::internal("a profile went missing").into())
    }

    async fn usage(&self, ctx: &Context<'_>) -> Result<Arc<Usage>> {
        if let Some(usage) = &self.usage {
            return Ok(usage.clone());
        }
        let request = ctx.request();
        let mut found = capacity::usage_of(&request.db, request, std::slice::from_ref(&self.record), true).await?;
        found.remove(&self.record.id).map(Arc::new).ok_or_else(|| AppError::internal("no usage for a writer").into())
    }
}

#[derive(SimpleObject)]
pub struct WriterStats {
    pub completed_orders: i64,
    pub active_orders: i64,
    /// Share (0 to 1) of completed orders first submitted by their deadline; null before the first.
    pub on_time_rate: Option<f64>,
}

#[derive(SimpleObject)]
pub struct WriterBlackout {
    pub id: ID,
    #[graphql(name = "from")]
    pub starts_at: Timestamp,
    /// The end, exclusive.
    #[graphql(name = "to")]
    pub ends_at: Timestamp,
    pub reason: String,
}

impl From<Blackout> for WriterBlackout {
    fn from(b: Blackout) -> Self {
        WriterBlackout { id: ID(b.id.to_string()), starts_at: b.from.into(), ends_at: b.to.into(), reason: b.reason }
    }
}

/// A writer's limits as they apply (their own, never above their level's), blackouts (current
/// and upcoming) and preferences.
#[derive(SimpleObject)]
pub struct WriterCapacity {
    pub max_active_orders: i32,
    pub max_new_per_day: i32,
    /// The level's ceiling for both limits.
    pub level_max_active_orders: i32,
    pub blackouts: Vec<WriterBlackout>,
    pub preferred_subject_ids: Vec<ID>,
    pub preferred_work_type_ids: Vec<ID>,
    /// Accept an admin's offer at once when the order matches the preferences.
    pub auto_accept: bool,
}

/// How much of a writer's capacity is used now.
#[derive(SimpleObject)]
pub struct CapacityStatus {
    pub active: i64,
    pub limit: i64,
    /// `active / limit`.
    pub utilization: f64,
    pub available_slots: i64,
    /// Orders taken on today (the tenant's day).
    pub taken_today: i64,
    pub daily_limit: i64,
    /// Active, in no blackout, with a slot and the day's allowance free.
    pub accepting_now: bool,
    /// The current or next blackout.
    pub next_blackout: Option<WriterBlackout>,
}

/// One entry of a writer's calendar.
#[derive(SimpleObject)]
pub struct CalendarEntry {
    pub kind: CalendarEventKind,
    /// The order's topic, or the blackout's reason.
    pub title: String,
    pub order_id: Option<ID>,
    pub starts_at: Timestamp,
    /// A deadline ends when it starts; a blackout when it is over.
    pub ends_at: Timestamp,
    /// The same moments in the site's time zone, with its offset.
    pub starts_at_local: String,
    pub ends_at_local: String,
}

/// A writer's deadlines and blackouts in a range.
#[derive(SimpleObject)]
pub struct WriterCalendar {
    /// The site's time zone, which the local times are in.
    pub time_zone: String,
    pub events: Vec<CalendarEntry>,
}

/// A writer's private calendar feed.
#[derive(SimpleObject)]
pub struct WriterCalendarFeed {
    /// Served on the site's host; whoever holds it reads the calendar, so keep it private.
    pub path: String,
}

/// A badge a writer earned.
#[derive(SimpleObject)]
pub struct WriterBadge {
    pub code: String,
    pub name: String,
    pub description: String,
    pub awarded_at: Timestamp,
}

/// How loaded a writer is and how many new orders they should take now.
#[derive(SimpleObject)]
pub struct WriterWorkload {
    pub active_orders: i64,
    /// Pages of the orders in hand due by the writer's deadline within 24 hours (overdue ones too).
    #[graphql(name = "pagesDueNext24h")]
    pub pages_due_next_24h: i64,
    #[graphql(name = "pagesDueNext72h")]
    pub pages_due_next_72h: i64,
    #[graphql(name = "pagesDueNext7d")]
    pub pages_due_next_7d: i64,
    /// Free slots.
    pub capacity_left: i64,
    /// Pages first submitted per day over the last 30 days.
    pub pages_per_day: f64,
    /// None while not accepting work; else the free slots and the day's allowance left, no more
    /// than the writer's pace leaves room for in the next three days.
    pub recommended_new_orders: i64,
}

impl WriterProfile {
    async fn workload_of(&self, ctx: &Context<'_>) -> Result<WriterWorkload> {
        let mut usage = self.usage(ctx).await?;
        if usage.workload.is_none() {
            // prefetched without it (cannot happen when the selection asks for it)
            let request = ctx.request();
            let mut found = capacity::usage_of(&request.db, request, std::slice::from_ref(&self.record), true).await?;
            usage = found.remove(&self.record.id).map(Arc::new).ok_or_else(|| AppError::internal("no usage"))?;
        }
        workload_view(&usage)
    }
}

/// The GraphQL views of a writer's usage, shared by the profile and the dashboard.
pub(super) fn workload_view(usage: &Usage) -> Result<WriterWorkload> {
    let Some(w) = &usage.workload else { return Err(AppError::internal("no workload").into()) };
    Ok(WriterWorkload {
        active_orders: w.active_orders,
        pages_due_next_24h: w.pages_due_next_24h,
        pages_due_next_72h: w.pages_due_next_72h,
        pages_due_next_7d: w.pages_due_next_7d,
        capacity_left: w.capacity_left,
        pages_per_day: w.pages_per_day,
        recommended_new_orders: w.recommended_new_orders,
    })
}

pub(super) fn badges_view(usage: &Usage) -> Vec<WriterBadge> {
    usage
        .badges
        .iter()
        .filter_map(|a| {
            badges::badge(&a.code).map(|b| WriterBadge {
                code: b.code.to_owned(),
                name: b.name.to_owned(),
                description: b.description.to_owned(),
                awarded_at: a.awarded_at.into(),
            })
        })
        .collect()
}

pub(super) fn capacity_view(usage: &Usage) -> WriterCapacity {
    let c = usage.capacity.clone();
    WriterCapacity {
        max_active_orders: c.max_active_orders,
        max_new_per_day: c.max_new_per_day,
        level_max_active_orders: c.level_max_active_orders,
        blackouts: c.blackouts.into_iter().map(WriterBlackout::from).collect(),
        preferred_subject_ids: ids(&c.preferred_subject_ids),
        preferred_work_type_ids: ids(&c.preferred_work_type_ids),
        auto_accept: c.auto_accept,
    }
}

pub(super) fn status_view(usage: &Usage) -> CapacityStatus {
    let s = usage.status.clone();
    CapacityStatus {
        active: s.active,
        limit: s.limit,
        utilization: s.utilization,
        available_slots: s.available_slots,
        taken_today: s.taken_today,
        daily_limit: s.daily_limit,
        accepting_now: s.accepting_now,
        next_blackout: s.next_blackout.map(WriterBlackout::from),
    }
}

/// The writer's calendar in `[from, to)` (theirs, or `writer`'s for staff).
pub(super) async fn calendar_view(
    request: &RequestContext,
    writer: Option<uuid::Uuid>,
    from: Timestamp,
    to: Timestamp,
) -> Result<WriterCalendar> {
    let events = calendar::events(&request.db, request, writer, from.into(), to.into()).await?;
    let zone = request.tenant()?.time_zone;
    let local = |at: chrono::DateTime<chrono::Utc>| at.with_timezone(&zone).to_rfc3339();
    Ok(WriterCalendar {
        time_zone: zone.name().to_owned(),
        events: events
            .into_iter()
            .map(|e| CalendarEntry {
                kind: e.kind,
                title: e.title,
                order_id: e.order_id.map(|id| ID(id.to_string())),
                starts_at_local: local(e.starts_at),
                ends_at_local: local(e.ends_at),
                starts_at: e.starts_at.into(),
                ends_at: e.ends_at.into(),
            })
            .collect(),
    })
}

#[Object]
impl WriterProfile {
    /// The writer's user id.
    async fn id(&self) -> ID {
        ID(self.record.id.to_string())
    }
    async fn display_name(&self) -> &str {
        &self.record.display_name
    }
    async fn bio(&self) -> &str {
        &self.record.bio
    }
    /// Subjects (catalogue entries) the writer writes in.
    async fn subject_ids(&self) -> Vec<ID> {
        ids(&self.record.subject_ids)
    }
    async fn languages(&self) -> &[String] {
        &self.record.languages
    }
    async fn status(&self) -> WriterStatus {
        self.record.status
    }
    /// Why an admin set the status (a suspension's reason).
    async fn status_reason(&self) -> Option<&str> {
        self.record.status_reason.as_deref()
    }
    async fn joined_at(&self) -> Timestamp {
        self.record.joined_at.into()
    }
    /// The writer's level; null while the tenant has none.
    async fn level(&self, ctx: &Context<'_>) -> Result<Option<WriterLevel>> {
        Ok(self.usage(ctx).await?.level.clone().map(WriterLevel))
    }
    /// Badges earned, oldest first (awarded by an hourly job).
    async fn badges(&self, ctx: &Context<'_>) -> Result<Vec<WriterBadge>> {
        Ok(badges_view(&*self.usage(ctx).await?))
    }
    async fn stats(&self, ctx: &Context<'_>) -> Result<WriterStats> {
        let s = self.usage(ctx).await?.stats.clone();
        Ok(WriterStats {
            completed_orders: s.completed_orders,
            active_orders: s.active_orders,
            on_time_rate: s.on_time_rate,
        })
    }
    async fn capacity(&self, ctx: &Context<'_>) -> Result<WriterCapacity> {
        Ok(capacity_view(&*self.usage(ctx).await?))
    }
    /// The writer's feedback in numbers (the `writerFeedback` feature).
    async fn feedback_summary(&self, ctx: &Context<'_>) -> Result<super::feedback::FeedbackSummary> {
        if let Some(summary) = self.feedback {
            return Ok(summary.into());
        }
        super::feedback::summary_of(ctx, self.record.id).await
    }
    /// The writer's feedback, newest first, private included (the writer and staff; the
    /// `writerFeedback` feature).
    async fn feedback(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<IdConnection<super::feedback::WriterFeedback>> {
        super::feedback::page_of(ctx, self.record.id, first, after).await
    }
    /// Pages due and what to take next.
    async fn workload(&self, ctx: &Context<'_>) -> Result<WriterWorkload> {
        self.workload_of(ctx).await
    }
    async fn capacity_status(&self, ctx: &Context<'_>) -> Result<CapacityStatus> {
        Ok(status_view(&*self.usage(ctx).await?))
    }
}

#[derive(InputObject, Default)]
pub struct WriterFilterInput {
    pub level_id: Option<ID>,
    pub status: Option<WriterStatus>,
    pub subject_id: Option<ID>,
    /// Writers who could take an order now (active, in no blackout, a slot free), or who could not.
    pub available_now: Option<bool>,
}

/// What a writer says of themself; what is left out stays.
#[derive(InputObject, Default)]
pub struct WriterProfileInput {
    pub bio: Option<String>,
    pub subject_ids: Option<Vec<ID>>,
    pub languages: Option<Vec<String>>,
}

/// A writer's capacity; what is left out stays. Limits between 1 and the level's; a limit set to
/// null follows the level's again.
#[derive(InputObject, Default)]
pub struct WriterCapacityInput {
    pub max_active_orders: MaybeUndefined<i32>,
    pub max_new_per_day: MaybeUndefined<i32>,
    pub preferred_subject_ids: Option<Vec<ID>>,
    pub preferred_work_type_ids: Option<Vec<ID>>,
    pub auto_accept: Option<bool>,
}

#[derive(InputObject)]
pub struct WriterBlackoutInput {
    pub from: Timestamp,
    pub to: Timestamp,
    #[graphql(default)]
    pub reason: String,
}

fn parse_ids(field: &str, list: Option<Vec<ID>>) -> Result<Option<Vec<uuid::Uuid>>, AppError> {
    list.map(|list| list.iter().map(|id| parse_id(field, id)).collect()).transpose()
}

#[derive(Default)]
pub struct ProfileQuery;

#[Object]
impl ProfileQuery {
    /// A writer's profile: the viewer's own without `writerId` (writers), or any writer's
    /// (support and admins).
    #[graphql(guard = "PROFILE_READERS")]
    async fn writer_profile(&self, ctx: &Context<'_>, writer_id: Option<ID>) -> Result<WriterProfile> {
        let request = ctx.request();
        let writer = writer_id.map(|id| parse_id("writerId", &id)).transpose()?;
        let record = profiles::get(&request.db, request, writer).await?;
        WriterProfile::one(ctx, record).await
    }

    /// A writer's workload: the viewer's own without `writerId` (writers), or any writer's
    /// (support and admins).
    #[graphql(guard = "PROFILE_READERS")]
    async fn writer_workload(&self, ctx: &Context<'_>, writer_id: Option<ID>) -> Result<WriterWorkload> {
        let request = ctx.request();
        let writer = writer_id.map(|id| parse_id("writerId", &id)).transpose()?;
        let record = profiles::get(&request.db, request, writer).await?;
        let mut usage = capacity::usage_of(&request.db, request, std::slice::from_ref(&record), true).await?;
        workload_view(&usage.remove(&record.id).ok_or_else(|| AppError::internal("no usage for a writer"))?)
    }

    /// A writer's deadlines (their own, the clients', open revisions') and blackouts that touch
    /// `[from, to)` (at most 92 days; 500 events), soonest first: the viewer's own without
    /// `writerId` (writers), or any writer's (support and admins).
    #[graphql(guard = "PROFILE_READERS")]
    async fn writer_calendar(
        &self,
        ctx: &Context<'_>,
        writer_id: Option<ID>,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<WriterCalendar> {
        let writer = writer_id.map(|id| parse_id("writerId", &id)).transpose()?;
        calendar_view(ctx.request(), writer, from, to).await
    }

    /// The tenant's writers by name, filtered (admins).
    #[graphql(guard = "ADMINS")]
    async fn writers(
        &self,
        ctx: &Context<'_>,
        filter: Option<WriterFilterInput>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<IdConnection<WriterProfile>> {
        let request = ctx.request();
        let page = PageArgs::of_field(ctx, first, after)?;
        let f = filter.unwrap_or_default();
        let filter = WriterFilter {
            level: f.level_id.map(|id| parse_id("filter.levelId", &id)).transpose()?,
            status: f.status,
            subject: f.subject_id.map(|id| parse_id("filter.subjectId", &id)).transpose()?,
            available_now: f.available_now,
        };
        let mut paged = profiles::list(&request.db, request, filter, page).await?;
        let look = ctx.look_ahead();
        let node = look.field("edges").field("node");
        let selection = if node.exists() { node } else { look.field("nodes") };
        let nodes = WriterProfile::many(request, std::mem::take(&mut paged.items), selection).await?;
        let paged =
            Paged { items: nodes, total: paged.total, has_previous: paged.has_previous, has_next: paged.has_next };
        Ok(paged.into_connection(|p| p.record.id, |p| p))
    }
}

#[derive(Default)]
pub struct ProfileMutation;

#[Object]
impl ProfileMutation {
    /// The viewer (a writer) changes their bio, subjects and languages.
    #[graphql(guard = "WRITERS")]
    async fn update_writer_profile(&self, ctx: &Context<'_>, input: WriterProfileInput) -> Result<WriterProfile> {
        let request = ctx.request();
        let fields = ProfileFields {
            bio: input.bio,
            subject_ids: parse_ids("input.subjectIds", input.subject_ids)?,
            languages: input.languages,
        };
        let id = write(request, async |txn| profiles::update_own(txn, request, fields).await).await?;
        WriterProfile::one(ctx, profiles::get(&request.db, request, Some(id)).await?).await
    }

    /// Puts a writer at a level (admins; audited).
    #[graphql(guard = "ADMINS")]
    async fn set_writer_level(
        &self,
        ctx: &Context<'_>,
        writer_id: ID,
        level_id: ID,
        reason: Option<String>,
    ) -> Result<WriterProfile> {
        let request = ctx.request();
        let writer = parse_id("writerId", &writer_id)?;
        let level = parse_id("levelId", &level_id)?;
        write(request, async |txn| profiles::set_level(txn, request, writer, level, reason.as_deref()).await).await?;
        WriterProfile::one(ctx, profiles::get(&request.db, request, Some(writer)).await?).await
    }

    /// Changes whether a writer works (admins; audited; suspending needs a reason).
    #[graphql(guard = "ADMINS")]
    async fn set_writer_status(
        &self,
        ctx: &Context<'_>,
        writer_id: ID,
        status: WriterStatus,
        reason: Option<String>,
    ) -> Result<WriterProfile> {
        let request = ctx.request();
        let writer = parse_id("writerId", &writer_id)?;
        write(request, async |txn| profiles::set_status(txn, request, writer, status, reason.as_deref()).await).await?;
        WriterProfile::one(ctx, profiles::get(&request.db, request, Some(writer)).await?).await
    }

    /// The viewer (a writer) sets their limits (within their level's) and preferences.
    #[graphql(guard = "WRITERS")]
    async fn update_writer_capacity(&self, ctx: &Context<'_>, input: WriterCapacityInput) -> Result<WriterProfile> {
        let request = ctx.request();
        let fields = CapacityFields {
            max_active_orders: input.max_active_orders.into(),
            max_new_per_day: input.max_new_per_day.into(),
            preferred_subject_ids: parse_ids("input.preferredSubjectIds", input.preferred_subject_ids)?,
            preferred_work_type_ids: parse_ids("input.preferredWorkTypeIds", input.preferred_work_type_ids)?,
            auto_accept: input.auto_accept,
        };
        let id = write(request, async |txn| capacity::update(txn, request, fields).await).await?;
        WriterProfile::one(ctx, profiles::get(&request.db, request, Some(id)).await?).await
    }

    /// The viewer (a writer) takes no work due in `[from, to)`.
    #[graphql(guard = "WRITERS")]
    async fn add_writer_blackout(&self, ctx: &Context<'_>, input: WriterBlackoutInput) -> Result<WriterBlackout> {
        let request = ctx.request();
        let (from, to) = (input.from.into(), input.to.into());
        let blackout =
            write(request, async |txn| capacity::add_blackout(txn, request, from, to, &input.reason).await).await?;
        Ok(blackout.into())
    }

    /// The viewer (a writer) gets a new address for their calendar feed (iCalendar, for their own
    /// calendar app); the old one stops answering. The address is shown this once.
    #[graphql(guard = "WRITERS")]
    async fn rotate_writer_calendar_feed(&self, ctx: &Context<'_>) -> Result<WriterCalendarFeed> {
        let request = ctx.request();
        let secret = write(request, async |txn| calendar::rotate_feed(txn, request).await).await?;
        Ok(WriterCalendarFeed { path: format!("/calendar/{secret}.ics") })
    }

    /// The viewer (a writer) removes one of their blackouts.
    #[graphql(guard = "WRITERS")]
    async fn remove_writer_blackout(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        write(request, async |txn| capacity::remove_blackout(txn, request, id).await).await?;
        Ok(true)
    }
}
