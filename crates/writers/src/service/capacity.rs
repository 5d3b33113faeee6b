//! A writer's capacity: how many orders they hold at once and take on a day (their own limits,
//! within their level's), blackouts, preferences; and how much of it is used now. The numbers
//! for any number of writers cost the same few statements.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use kernel::{AppError, AppResult, RequestContext, Role, new_id, validate};
use orders::service::catalog::CatalogKind;
use orders::service::workload::{self, WriterLoad};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::entity::writer_blackout::{self, Entity as Blackouts};
use crate::entity::writer_profile::{self, WriterStatus};
use crate::service::badges;
use crate::service::levels::{self, Level, Rules};
use crate::service::profiles::{self, WriterRecord};

/// How many current and upcoming blackouts a writer keeps (so they list without paging).
pub const MAX_BLACKOUTS: u64 = 20;
/// How long one blackout may last, and how far ahead it may start.
pub const MAX_BLACKOUT_DAYS: i64 = 366;
pub const MAX_BLACKOUT_AHEAD_DAYS: i64 = 730;

/// A stretch of time without work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blackout {
    pub id: Uuid,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub reason: String,
}

impl From<writer_blackout::Model> for Blackout {
    fn from(m: writer_blackout::Model) -> Self {
        Blackout { id: m.id, from: m.starts_at, to: m.ends_at, reason: m.reason }
    }
}

/// A writer's limits as they apply: their own, never above their level's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capacity {
    pub max_active_orders: i32,
    pub max_new_per_day: i32,
    /// The level's ceiling for both.
    pub level_max_active_orders: i32,
    pub blackouts: Vec<Blackout>,
    pub preferred_subject_ids: Vec<Uuid>,
    pub preferred_work_type_ids: Vec<Uuid>,
    pub auto_accept: bool,
}

/// How much of it is used now.
#[derive(Debug, Clone, PartialEq)]
pub struct CapacityStatus {
    pub active: i64,
    pub limit: i64,
    /// `active / limit`, 0 to 1 (above 1 when a lower limit was set under orders already held).
    pub utilization: f64,
    pub available_slots: i64,
    pub taken_today: i64,
    pub daily_limit: i64,
    /// Whether an order could be given to them now: active, in no blackout, a slot and the day's
    /// allowance free.
    pub accepting_now: bool,
    pub next_blackout: Option<Blackout>,
}

/// A writer's record in the workforce.
#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    pub completed_orders: i64,
    pub active_orders: i64,
    /// Completed orders first submitted by their deadline, of all completed; none yet without any.
    pub on_time_rate: Option<f64>,
}

/// Everything a profile shows that depends on the writer's level and orders.
#[derive(Debug, Clone, PartialEq)]
pub struct Usage {
    pub level: Option<Level>,
    /// Read only when asked for (`usage_of`'s `with_workload`).
    pub workload: Option<Workload>,
    pub badges: Vec<badges::Awarded>,
    pub capacity: Capacity,
    pub status: CapacityStatus,
    pub stats: Stats,
}

/// The limits of a writer at `rules`.
pub(crate) fn limits(writer: &WriterRecord, rules: &Rules) -> (i32, i32) {
    let active = writer.max_active_orders.map_or(rules.max_active_orders, |own| own.min(rules.max_active_orders));
    let daily = writer.max_new_per_day.map_or(active, |own| own.min(rules.max_active_orders));
    (active, daily)
}

/// The usage of each of `writers` at `now`: six statements whatever their number (levels two,
/// orders two, badges one, blackouts one), and two more `with_workload`.
pub async fn usage_of(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    writers: &[WriterRecord],
    with_workload: bool,
) -> AppResult<HashMap<Uuid, Usage>> {
    if writers.is_empty() {
        return Ok(HashMap::new());
    }
    let tenant = request.tenant()?;
    let now = request.now();
    let (day_start, _) = kernel::time::day_and_month_start(now, tenant.time_zone);
    let ids: Vec<Uuid> = writers.iter().map(|w| w.id).collect();
    let levels = levels::of_tenant(conn, tenant.id).await?;
    let loads = workload::writer_loads(conn, tenant.id, &ids, day_start).await?;
    let mut badges = badges::of_writers(conn, tenant.id, &ids).await?;
    // the pages due read every listed writer's orders again: only when asked
    let due = if with_workload { workload::pages_due(conn, tenant.id, &ids, now).await? } else { HashMap::new() };
    let mut blackouts: HashMap<Uuid, Vec<Blackout>> = HashMap::new();
    for row in Blackouts::find()
        .filter(writer_blackout::Column::TenantId.eq(tenant.id))
        .filter(writer_blackout::Column::WriterId.is_in(kernel::db::in_list(&ids)))
        .filter(writer_blackout::Column::EndsAt.gt(now))
        .order_by_asc(writer_blackout::Column::StartsAt)
        .order_by_asc(writer_blackout::Column::Id)
        .all(conn)
        .await?
    {
        blackouts.entry(row.writer_id).or_default().push(row.into());
    }
    Ok(writers
        .iter()
        .map(|w| {
            let level = w.level_id.and_then(|id| levels.iter().find(|l| l.entry.id == id)).cloned();
            let rules = level.as_ref().map(|l| l.rules).unwrap_or_default();
            let (active_limit, daily_limit) = limits(w, &rules);
            let load = loads.get(&w.id).copied().unwrap_or(WriterLoad::default());
            let own_blackouts = blackouts.remove(&w.id).unwrap_or_default();
            let in_blackout = own_blackouts.iter().any(|b| b.from <= now);
            let limit = i64::from(active_limit);
            let status = CapacityStatus {
                active: load.active,
                limit,
                utilization: load.active as f64 / limit as f64,
                available_slots: (limit - load.active).max(0),
                taken_today: load.taken_since,
                daily_limit: i64::from(daily_limit),
                accepting_now: w.status == WriterStatus::Active
                    && !in_blackout
                    && load.active < limit
                    && load.taken_since < i64::from(daily_limit),
                next_blackout: own_blackouts.first().cloned(),
            };
            let stats = Stats {
                completed_orders: load.completed,
                active_orders: load.active,
                on_time_rate: (load.completed > 0).then(|| load.on_time as f64 / load.completed as f64),
            };
            let capacity = Capacity {
                max_active_orders: active_limit,
                max_new_per_day: daily_limit,
                level_max_active_orders: rules.max_active_orders,
                blackouts: own_blackouts,
                preferred_subject_ids: w.preferred_subject_ids.clone(),
                preferred_work_type_ids: w.preferred_work_type_ids.clone(),
                auto_accept: w.auto_accept,
            };
            let workload =
                with_workload.then(|| workload_of(w, &status, &due.get(&w.id).copied().unwrap_or_default(), now));
            let badges = badges.remove(&w.id).unwrap_or_default();
            (w.id, Usage { level, workload, badges, capacity, status, stats })
        })
        .collect())
}

/// A writer's new capacity settings; `None` keeps a value. A limit set to `Some(None)` follows
/// the level's again.
#[derive(Debug, Clone, Default)]
pub struct CapacityFields {
    pub max_active_orders: Option<Option<i32>>,
    pub max_new_per_day: Option<Option<i32>>,
    pub preferred_subject_ids: Option<Vec<Uuid>>,
    pub preferred_work_type_ids: Option<Vec<Uuid>>,
    pub auto_accept: Option<bool>,
}

/// The viewer (a writer) sets their capacity, each limit between 1 and their level's.
pub async fn update(conn: &impl ConnectionTrait, request: &RequestContext, f: CapacityFields) -> AppResult<Uuid> {
    let viewer = request.require_role(&[Role::Writer])?;
    let tenant = request.tenant()?.id;
    let writer = profiles::find(conn, tenant, viewer.user_id).await?;
    let rules = match writer.level_id {
        Some(level) => {
            levels::of_tenant(conn, tenant).await?.into_iter().find(|l| l.entry.id == level).map(|l| l.rules)
        }
        None => None,
    }
    .unwrap_or_default();
    let ceiling = rules.max_active_orders;
    let mut columns = Vec::new();
    for (field, value, column) in [
        ("input.maxActiveOrders", f.max_active_orders, writer_profile::Column::MaxActiveOrders),
        ("input.maxNewPerDay", f.max_new_per_day, writer_profile::Column::MaxNewPerDay),
    ] {
        match value {
            None => {}
            Some(Some(value)) if value < 1 => return Err(AppError::bad_input(field, "at least 1")),
            Some(Some(value)) if value > ceiling => {
                return Err(AppError::bad_input(field, format!("at most {ceiling}, your level's limit"))
                    .with_reason(kernel::Reason::LevelLimit));
            }
            Some(value) => columns.push((column, value.into())),
        }
    }
    if let Some(ids) = &f.preferred_subject_ids {
        let ids = profiles::catalogue_ids(conn, tenant, "input.preferredSubjectIds", ids, CatalogKind::Subject).await?;
        columns.push((writer_profile::Column::PreferredSubjectIds, profiles::text_of(&ids)?.into()));
    }
    if let Some(ids) = &f.preferred_work_type_ids {
        let ids =
            profiles::catalogue_ids(conn, tenant, "input.preferredWorkTypeIds", ids, CatalogKind::WorkType).await?;
        columns.push((writer_profile::Column::PreferredWorkTypeIds, profiles::text_of(&ids)?.into()));
    }
    if let Some(auto_accept) = f.auto_accept {
        columns.push((writer_profile::Column::AutoAccept, auto_accept.into()));
    }
    profiles::set_columns(conn, &writer, request.now(), columns).await?;
    Ok(writer.id)
}

/// The viewer (a writer) blacks out `[from, to)`: it must end after it starts and after now,
/// last at most a year and start within two; at most `MAX_BLACKOUTS` current and upcoming.
pub async fn add_blackout(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    reason: &str,
) -> AppResult<Blackout> {
    let viewer = request.require_role(&[Role::Writer])?;
    let tenant = request.tenant()?.id;
    let now = request.now();
    let reason = if reason.trim().is_empty() { String::new() } else { validate::name("input.reason", reason, 200)? };
    if to <= from {
        return Err(AppError::bad_input("input.to", "a blackout ends after it starts"));
    }
    if to <= now {
        return Err(AppError::bad_input("input.to", "a blackout must end in the future"));
    }
    if to - from > Duration::days(MAX_BLACKOUT_DAYS) {
        return Err(AppError::bad_input("input.to", format!("a blackout lasts at most {MAX_BLACKOUT_DAYS} days")));
    }
    if from > now + Duration::days(MAX_BLACKOUT_AHEAD_DAYS) {
        return Err(AppError::bad_input("input.from", "a blackout starts within two years"));
    }
    // counted under a lock on the writer's blackouts, so racing additions respect the cap
    kernel::db::lock_key(conn, &format!("blackouts:{}", viewer.user_id)).await?;
    let kept = Blackouts::find()
        .filter(writer_blackout::Column::TenantId.eq(tenant))
        .filter(writer_blackout::Column::WriterId.eq(viewer.user_id))
        .filter(writer_blackout::Column::EndsAt.gt(now))
        .count(conn)
        .await?;
    if kept >= MAX_BLACKOUTS {
        return Err(AppError::conflict(format!("at most {MAX_BLACKOUTS} current and upcoming blackouts")));
    }
    let row = writer_blackout::Model {
        id: new_id(),
        tenant_id: tenant,
        writer_id: viewer.user_id,
        starts_at: from,
        ends_at: to,
        reason,
        created_at: now,
    };
    Blackouts::insert(writer_blackout::ActiveModel::from(row.clone())).exec_without_returning(conn).await?;
    Ok(row.into())
}

/// The viewer (a writer) removes one of their blackouts; another's is `NOT_FOUND`.
pub async fn remove_blackout(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid) -> AppResult<()> {
    let viewer = request.require_role(&[Role::Writer])?;
    let removed = Blackouts::delete_many()
        .filter(writer_blackout::Column::Id.eq(id))
        .filter(writer_blackout::Column::TenantId.eq(request.tenant()?.id))
        .filter(writer_blackout::Column::WriterId.eq(viewer.user_id))
        .exec(conn)
        .await?;
    if removed.rows_affected == 0 {
        return Err(AppError::not_found("blackout"));
    }
    Ok(())
}

/// How loaded a writer is and how much more they should take.
#[derive(Debug, Clone, PartialEq)]
pub struct Workload {
    pub active_orders: i64,
    pub pages_due_next_24h: i64,
    pub pages_due_next_72h: i64,
    pub pages_due_next_7d: i64,
    /// Free slots (the limit less the orders in hand).
    pub capacity_left: i64,
    /// Pages first submitted per day over the last 30 days.
    pub pages_per_day: f64,
    pub recommended_new_orders: i64,
}

/// The writer's workload from their capacity status and the pages they have due and wrote.
fn workload_of(
    writer: &WriterRecord,
    status: &CapacityStatus,
    due: &workload::PagesDue,
    now: DateTime<Utc>,
) -> Workload {
    // a pace over the days the writer has been here, up to 30 (a new writer's first days count
    // for what they are)
    let days = (now - writer.joined_at).num_days().clamp(1, 30);
    Workload {
        active_orders: status.active,
        pages_due_next_24h: due.next_24h,
        pages_due_next_72h: due.next_72h,
        pages_due_next_7d: due.next_7d,
        capacity_left: status.available_slots,
        pages_per_day: due.submitted_30d as f64 / days as f64,
        recommended_new_orders: recommended(status, due, days),
    }
}

/// New orders to take: none while not accepting; else the free slots and the day's allowance
/// left, and, once the writer has a pace (pages first submitted over the last `days`, at most
/// 30), no more than the pages they would write in the next three days beyond what is due in
/// them, at their average order's length.
fn recommended(status: &CapacityStatus, due: &workload::PagesDue, days: i64) -> i64 {
    if !status.accepting_now {
        return 0;
    }
    let slots = status.available_slots.min(status.daily_limit - status.taken_today).max(0);
    if due.submitted_30d <= 0 || due.orders_submitted_30d <= 0 {
        return slots;
    }
    // spare pages over three days = 3 * S / days - D; orders = spare / (S / N)
    //                             = (3S - days * D) * N / (days * S)
    let spare_x_days = due.submitted_30d.saturating_mul(3).saturating_sub(due.next_72h.saturating_mul(days));
    if spare_x_days <= 0 {
        return 0;
    }
    let by_pace = spare_x_days.saturating_mul(due.orders_submitted_30d) / due.submitted_30d.saturating_mul(days);
    slots.min(by_pace)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(slots: i64, taken: i64, daily: i64) -> CapacityStatus {
        CapacityStatus {
            active: 3 - slots,
            limit: 3,
            utilization: 0.0,
            available_slots: slots,
            taken_today: taken,
            daily_limit: daily,
            accepting_now: true,
            next_blackout: None,
        }
    }

    fn due(next_72h: i64, submitted: i64, orders: i64) -> workload::PagesDue {
        workload::PagesDue { next_72h, submitted_30d: submitted, orders_submitted_30d: orders, ..Default::default() }
    }

    #[test]
    fn a_recommendation_stays_within_slots_the_day_and_the_pace() {
        // no history: the free slots, within the day's allowance
        assert_eq!(recommended(&status(3, 0, 3), &due(0, 0, 0), 30), 3);
        assert_eq!(recommended(&status(3, 2, 3), &due(0, 0, 0), 30), 1);
        // 60 pages in 12 orders over 30 days: 2 pages a day, 5 an order; 6 pages in three days
        assert_eq!(recommended(&status(3, 0, 3), &due(0, 60, 12), 30), 1);
        assert_eq!(recommended(&status(3, 0, 3), &due(6, 60, 12), 30), 0, "what is due fills the three days");
        // a fast writer is held to their slots
        assert_eq!(recommended(&status(2, 0, 3), &due(0, 3000, 300), 30), 2);
        // two pages on a first day: a pace of two a day, room for one more order of two pages
        assert_eq!(recommended(&status(2, 1, 3), &due(3, 2, 1), 1), 1);
        // not accepting: none
        let mut away = status(3, 0, 3);
        away.accepting_now = false;
        assert_eq!(recommended(&away, &due(0, 0, 0), 30), 0);
    }
}
