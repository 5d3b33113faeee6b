//! A site's support set-up: the SLA targets per priority, the working week and holidays its
//! clocks count, the warning share and the reopening window. Admins change them (audited);
//! staff read them. A change of the working week or the holidays moves the due times of the
//! clocks running now (what they used so far stays used); a change of targets applies to
//! tickets opened, or given a priority, from then on.

use chrono::NaiveDate;
use kernel::{AppError, AppResult, RequestContext};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::json;
use tenancy::service::audit::{self, Change};
use uuid::Uuid;

use super::calendar::{self, Calendar, CalendarError, Opening};
use super::{ADMINS, STAFF, clocks};
use crate::entity::sla_policy::{self, Entity as Policies};
use crate::entity::support_holiday::{self, Entity as Holidays};
use crate::entity::support_setting::{self, Entity as SettingsRows, Openings};
use crate::entity::ticket::Priority;

/// The longest target a site may set: a year of minutes.
pub const MAX_TARGET_MINUTES: i32 = 366 * 24 * 60;
/// The most holidays a site keeps (a few years' worth).
pub const MAX_HOLIDAYS: u64 = 500;

/// A site's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupportSettings {
    pub warning_percent: i32,
    pub reopen_window_hours: i32,
    pub dispute_window_days: i32,
    pub openings: Vec<Opening>,
}

impl Default for SupportSettings {
    fn default() -> Self {
        Self {
            warning_percent: 80,
            reopen_window_hours: 7 * 24,
            dispute_window_days: 14,
            openings: calendar::round_the_clock(),
        }
    }
}

/// The working minutes a ticket of a priority gets for its first response and its resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Targets {
    pub first_response_minutes: i32,
    pub resolution_minutes: i32,
}

/// The defaults: resolution in 1, 4, 24 and 72 hours from critical to low; the first response
/// in half of that.
pub fn default_targets(priority: Priority) -> Targets {
    let resolution_minutes = match priority {
        Priority::Critical => 60,
        Priority::High => 4 * 60,
        Priority::Medium => 24 * 60,
        Priority::Low => 72 * 60,
    };
    Targets { first_response_minutes: resolution_minutes / 2, resolution_minutes }
}

/// The site's settings (the defaults until an admin changes them).
pub async fn of_tenant(conn: &impl ConnectionTrait, tenant: Uuid) -> AppResult<SupportSettings> {
    Ok(SettingsRows::find_by_id(tenant).one(conn).await?.map_or_else(SupportSettings::default, |row| SupportSettings {
        warning_percent: row.warning_percent,
        reopen_window_hours: row.reopen_window_hours,
        dispute_window_days: row.dispute_window_days,
        openings: row.openings.0,
    }))
}

/// The settings (staff).
pub async fn get(conn: &impl ConnectionTrait, request: &RequestContext) -> AppResult<SupportSettings> {
    request.require_role(STAFF)?;
    of_tenant(conn, request.tenant()?.id).await
}

/// The targets of every priority, lowest first (staff).
pub async fn policies(conn: &impl ConnectionTrait, request: &RequestContext) -> AppResult<Vec<(Priority, Targets)>> {
    request.require_role(STAFF)?;
    let tenant = request.tenant()?.id;
    let rows = Policies::find().filter(sla_policy::Column::TenantId.eq(tenant)).all(conn).await?;
    Ok(Priority::ALL
        .iter()
        .map(|&priority| {
            let targets = rows.iter().find(|r| r.priority == priority).map_or_else(
                || default_targets(priority),
                |r| Targets {
                    first_response_minutes: r.first_response_minutes,
                    resolution_minutes: r.resolution_minutes,
                },
            );
            (priority, targets)
        })
        .collect())
}

/// The targets of one priority.
pub async fn targets(conn: &impl ConnectionTrait, tenant: Uuid, priority: Priority) -> AppResult<Targets> {
    Ok(Policies::find_by_id((tenant, priority)).one(conn).await?.map_or_else(
        || default_targets(priority),
        |r| Targets { first_response_minutes: r.first_response_minutes, resolution_minutes: r.resolution_minutes },
    ))
}

/// The site's holidays, earliest first.
pub async fn holidays(conn: &impl ConnectionTrait, tenant: Uuid) -> AppResult<Vec<support_holiday::Model>> {
    Ok(Holidays::find()
        .filter(support_holiday::Column::TenantId.eq(tenant))
        .order_by_asc(support_holiday::Column::Day)
        .all(conn)
        .await?)
}

/// The holidays (staff).
pub async fn list_holidays(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
) -> AppResult<Vec<support_holiday::Model>> {
    request.require_role(STAFF)?;
    holidays(conn, request.tenant()?.id).await
}

/// The working calendar of `tenant` in its time zone `zone`.
pub async fn calendar_of(conn: &impl ConnectionTrait, tenant: Uuid, zone: chrono_tz::Tz) -> AppResult<Calendar> {
    let settings = of_tenant(conn, tenant).await?;
    let days = holidays(conn, tenant).await?.into_iter().map(|h| h.day);
    Calendar::new(zone, &settings.openings, days)
        .map_err(|e| AppError::internal(format!("a site's stored working week does not hold: {e:?}")))
}

/// Changes to the settings (`None` keeps a value).
#[derive(Debug, Clone, Default)]
pub struct SettingsChange {
    pub warning_percent: Option<i32>,
    pub reopen_window_hours: Option<i32>,
    pub dispute_window_days: Option<i32>,
    pub openings: Option<Vec<Opening>>,
}

/// Changes the site's settings (admins; audited). A new working week moves the running clocks'
/// due times.
pub async fn update(conn: &impl ConnectionTrait, request: &RequestContext, change: SettingsChange) -> AppResult<()> {
    request.require_role(ADMINS)?;
    let scope = request.tenant()?;
    let tenant = scope.id;
    // two admins at once: the second reads what the first wrote
    kernel::db::lock_key(conn, &format!("support_settings:{tenant}")).await?;
    let before = of_tenant(conn, tenant).await?;
    let mut after = before.clone();
    if let Some(percent) = change.warning_percent {
        if !(1..=99).contains(&percent) {
            return Err(AppError::bad_input("input.warningPercent", "a percent from 1 to 99"));
        }
        after.warning_percent = percent;
    }
    if let Some(hours) = change.reopen_window_hours {
        if !(0..=366 * 24).contains(&hours) {
            return Err(AppError::bad_input("input.reopenWindowHours", "from 0 to 8784 hours (a year)"));
        }
        after.reopen_window_hours = hours;
    }
    if let Some(days) = change.dispute_window_days {
        if !(0..=366).contains(&days) {
            return Err(AppError::bad_input("input.disputeWindowDays", "from 0 to 366 days"));
        }
        after.dispute_window_days = days;
    }
    if let Some(openings) = change.openings {
        calendar::check(&openings).map_err(|e| opening_error("input.openings", e))?;
        let mut openings = openings;
        openings.sort_unstable();
        after.openings = openings;
    }
    let old_calendar = calendar_of(conn, tenant, scope.time_zone).await?;
    let row = support_setting::Model {
        tenant_id: tenant,
        warning_percent: after.warning_percent,
        reopen_window_hours: after.reopen_window_hours,
        dispute_window_days: after.dispute_window_days,
        openings: Openings(after.openings.clone()),
        updated_at: request.now(),
    };
    use support_setting::Column as C;
    SettingsRows::insert(support_setting::ActiveModel::from(row))
        .on_conflict(
            OnConflict::column(C::TenantId)
                .update_columns([
                    C::WarningPercent,
                    C::ReopenWindowHours,
                    C::DisputeWindowDays,
                    C::Openings,
                    C::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    if after.openings != before.openings {
        let new_calendar = calendar_of(conn, tenant, scope.time_zone).await?;
        clocks::reschedule(conn, tenant, &old_calendar, &new_calendar, request.now()).await?;
    }
    audit::record(
        conn,
        request,
        Change {
            action: "support.settings",
            target_type: "tenant",
            target_id: Some(tenant.to_string()),
            tenant_id: None,
            before: Some(view(&before)),
            after: Some(view(&after)),
        },
    )
    .await?;
    Ok(())
}

/// `BAD_USER_INPUT` on the opening at fault (`input.openings[2]`).
fn opening_error(field: &str, error: CalendarError) -> AppError {
    match error {
        CalendarError::OutOfRange(i) => {
            AppError::bad_input(format!("{field}[{i}]"), "a time from 00:00 to 24:00 on a weekday")
        }
        CalendarError::Inverted(i) => AppError::bad_input(format!("{field}[{i}]"), "closes before it opens"),
        CalendarError::Overlapping(i) => {
            AppError::bad_input(format!("{field}[{i}]"), "overlaps another opening of the same day")
        }
        CalendarError::Empty => AppError::bad_input(field, "at least one opening: with none, nothing falls due"),
    }
}

fn view(s: &SupportSettings) -> serde_json::Value {
    json!({
        "warningPercent": s.warning_percent,
        "reopenWindowHours": s.reopen_window_hours,
        "disputeWindowDays": s.dispute_window_days,
        "openings": s.openings,
    })
}

/// Sets the targets of one priority (admins; audited): tickets opened (or given this priority)
/// from now on have them.
pub async fn set_policy(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    priority: Priority,
    targets: Targets,
) -> AppResult<()> {
    request.require_role(ADMINS)?;
    let tenant = request.tenant()?.id;
    for (field, minutes) in [
        ("input.firstResponseMinutes", targets.first_response_minutes),
        ("input.resolutionMinutes", targets.resolution_minutes),
    ] {
        if !(1..=MAX_TARGET_MINUTES).contains(&minutes) {
            return Err(AppError::bad_input(field, format!("from 1 to {MAX_TARGET_MINUTES} minutes")));
        }
    }
    if targets.first_response_minutes > targets.resolution_minutes {
        return Err(AppError::bad_input("input.firstResponseMinutes", "no longer than the resolution target"));
    }
    let before = self::targets(conn, tenant, priority).await?;
    use sla_policy::Column as C;
    Policies::insert(sla_policy::ActiveModel {
        tenant_id: Set(tenant),
        priority: Set(priority),
        first_response_minutes: Set(targets.first_response_minutes),
        resolution_minutes: Set(targets.resolution_minutes),
        updated_at: Set(request.now()),
    })
    .on_conflict(
        OnConflict::columns([C::TenantId, C::Priority])
            .update_columns([C::FirstResponseMinutes, C::ResolutionMinutes, C::UpdatedAt])
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    let shown = |t: Targets| json!({ "firstResponseMinutes": t.first_response_minutes, "resolutionMinutes": t.resolution_minutes });
    audit::record(
        conn,
        request,
        Change {
            action: "support.sla_policy",
            target_type: "sla_policy",
            target_id: Some(<&str>::from(priority).to_owned()),
            tenant_id: None,
            before: Some(shown(before)),
            after: Some(shown(targets)),
        },
    )
    .await?;
    Ok(())
}

/// Adds a holiday (admins; audited); `CONFLICT` when the day is one already. The running clocks
/// skip it.
pub async fn add_holiday(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    day: NaiveDate,
    name: &str,
) -> AppResult<()> {
    change_holidays(conn, request, day, Some(name)).await
}

/// Removes a holiday (admins; audited); `NOT_FOUND` when the day is none.
pub async fn remove_holiday(conn: &impl ConnectionTrait, request: &RequestContext, day: NaiveDate) -> AppResult<()> {
    change_holidays(conn, request, day, None).await
}

async fn change_holidays(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    day: NaiveDate,
    adding: Option<&str>,
) -> AppResult<()> {
    request.require_role(ADMINS)?;
    let scope = request.tenant()?;
    let tenant = scope.id;
    kernel::db::lock_key(conn, &format!("support_settings:{tenant}")).await?;
    let old_calendar = calendar_of(conn, tenant, scope.time_zone).await?;
    match adding {
        Some(name) => {
            let name = kernel::validate::name("input.name", name, 100)?;
            let count = Holidays::find().filter(support_holiday::Column::TenantId.eq(tenant)).count(conn).await?;
            if count >= MAX_HOLIDAYS {
                return Err(AppError::bad_input("day", format!("a site keeps at most {MAX_HOLIDAYS} holidays")));
            }
            Holidays::insert(support_holiday::ActiveModel { tenant_id: Set(tenant), day: Set(day), name: Set(name) })
                .exec_without_returning(conn)
                .await
                .map_err(|e| AppError::from_db_unique(e, "day", "that day is a holiday already"))?;
        }
        None => {
            let removed = Holidays::delete_many()
                .filter(support_holiday::Column::TenantId.eq(tenant))
                .filter(support_holiday::Column::Day.eq(day))
                .exec(conn)
                .await?;
            if removed.rows_affected == 0 {
                return Err(AppError::not_found("holiday"));
            }
        }
    }
    let new_calendar = calendar_of(conn, tenant, scope.time_zone).await?;
    clocks::reschedule(conn, tenant, &old_calendar, &new_calendar, request.now()).await?;
    audit::record(
        conn,
        request,
        Change {
            action: if adding.is_some() { "support.holiday_added" } else { "support.holiday_removed" },
            target_type: "support_holiday",
            target_id: Some(day.to_string()),
            tenant_id: None,
            before: None,
            after: adding.map(|name| json!({ "day": day, "name": name })),
        },
    )
    .await?;
    Ok(())
}
