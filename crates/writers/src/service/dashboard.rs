//! A writer's dashboard: their earnings (credited, pending, this month, by month), performance,
//! queue and standing against their level's promotion thresholds. Each part costs the same few
//! statements however long the writer's history.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, Utc};
use kernel::{AppResult, RequestContext, Role};
use orders::service::workload;
use sea_orm::ConnectionTrait;

use crate::service::levels::{self, Level, Thresholds};
use crate::service::profiles::{self, WriterRecord};

/// How far ahead an order in hand counts as due soon.
pub const DUE_SOON_HOURS: i64 = 24;
/// The most months `byMonth` reaches back.
pub const MAX_MONTHS: u32 = 24;

/// The viewer, a writer.
pub async fn viewer(conn: &impl ConnectionTrait, request: &RequestContext) -> AppResult<WriterRecord> {
    let viewer = request.require_role(&[Role::Writer])?;
    profiles::find(conn, request.tenant()?.id, viewer.user_id).await
}

/// How the writer works, and what is in their hands.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Performance {
    pub completed: i64,
    pub on_time_rate: Option<f64>,
    pub revision_rate: Option<f64>,
    pub active: i64,
    pub in_revision: i64,
    pub due_soon: i64,
    pub pending_pay_minor: i64,
}

pub async fn performance(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    writer: &WriterRecord,
) -> AppResult<Performance> {
    let due_by = request.now() + Duration::hours(DUE_SOON_HOURS);
    let r = workload::writer_record(conn, writer.tenant_id, writer.id, due_by).await?;
    let share = |n: i64| (r.completed > 0).then(|| n as f64 / r.completed as f64);
    Ok(Performance {
        completed: r.completed,
        on_time_rate: share(r.on_time),
        revision_rate: share(r.revised),
        active: r.active,
        in_revision: r.in_revision,
        due_soon: r.due_soon,
        pending_pay_minor: r.pending_pay_minor,
    })
}

/// What a writer has earned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Earnings {
    /// Credited and not paid out.
    pub available_minor: i64,
    /// The net change this month (the site's month).
    pub this_month_minor: i64,
    /// The net change in each of the last months, oldest first, as `YYYY-MM` (every month, none
    /// skipped).
    pub by_month: Vec<(String, i64)>,
}

/// The first moment of the month `back` months before the one `at` is in, in `zone`.
pub(crate) fn month_start(at: DateTime<Utc>, zone: chrono_tz::Tz, back: u32) -> DateTime<Utc> {
    let local = at.with_timezone(&zone);
    let months = local.year() * 12 + local.month0() as i32 - back as i32;
    let (year, month) = (months.div_euclid(12), months.rem_euclid(12) as u32 + 1);
    let first =
        chrono::NaiveDate::from_ymd_opt(year, month, 1).unwrap_or_default().and_hms_opt(0, 0, 0).unwrap_or_default();
    // a midnight the clocks skip (a zone that starts summer time at 00:00) begins at the first
    // hour that exists
    first
        .and_local_timezone(zone)
        .earliest()
        .or_else(|| (first + Duration::hours(1)).and_local_timezone(zone).earliest())
        .map_or(at, |d| d.with_timezone(&Utc))
}

/// The writer's earnings over the last `months` months (1 to `MAX_MONTHS`, this one included).
pub async fn earnings(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    writer: &WriterRecord,
    months: u32,
) -> AppResult<Earnings> {
    let tenant = request.tenant()?;
    let now = request.now();
    let zone = tenant.time_zone;
    let since = month_start(now, zone, months.saturating_sub(1));
    let (available, changes) = billing::service::wallets::earnings_since(conn, tenant.id, writer.id, since).await?;
    let key = |at: DateTime<Utc>| {
        let local = at.with_timezone(&zone);
        format!("{:04}-{:02}", local.year(), local.month())
    };
    let mut by_month: BTreeMap<String, i64> = (0..months).map(|back| (key(month_start(now, zone, back)), 0)).collect();
    for (at, amount) in changes {
        if let Some(sum) = by_month.get_mut(&key(at)) {
            *sum = sum.saturating_add(amount);
        }
    }
    let this_month = by_month.get(&key(now)).copied().unwrap_or(0);
    Ok(Earnings { available_minor: available, this_month_minor: this_month, by_month: by_month.into_iter().collect() })
}

/// Where a writer stands: their level, the next, and how far they are from its thresholds (their
/// level's promotion thresholds).
#[derive(Debug, Clone, PartialEq)]
pub struct Standing {
    pub current: Option<Level>,
    pub next: Option<Level>,
    pub thresholds: Thresholds,
    /// Whether the completed-orders, on-time and revision thresholds are reached (ratings are
    /// not counted yet: an admin weighs them).
    pub eligible: bool,
}

pub async fn standing(
    conn: &impl ConnectionTrait,
    writer: &WriterRecord,
    performance: &Performance,
) -> AppResult<Standing> {
    let all = levels::of_tenant(conn, writer.tenant_id).await?;
    let position = writer.level_id.and_then(|id| all.iter().position(|l| l.entry.id == id));
    let current = position.map(|i| all[i].clone());
    let next = position.and_then(|i| all.iter().skip(i + 1).find(|l| l.entry.active).cloned());
    let thresholds = current.as_ref().map(|l| l.rules.promotion).unwrap_or(levels::Rules::default().promotion);
    let e4 = |rate: Option<f64>| rate.map(|r| (r * kernel::RATE_ONE as f64 * 100.0).round() as i64);
    let eligible = next.is_some()
        && performance.completed >= i64::from(thresholds.completed_orders)
        && e4(performance.on_time_rate).is_some_and(|r| r >= thresholds.on_time_rate_e4)
        && e4(performance.revision_rate).is_some_and(|r| r <= thresholds.max_revision_rate_e4);
    Ok(Standing { current, next, thresholds, eligible })
}
