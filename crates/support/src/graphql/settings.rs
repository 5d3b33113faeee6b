//! A site's support set-up: SLA targets per priority, the working week and holidays, the
//! warning share and the reopening window.

use async_graphql::{Context, Enum, InputObject, Object, Result, SimpleObject};
use chrono::NaiveDate;
use kernel::{AppError, ContextExt, write};

use super::{ADMINS, STAFF};
use crate::entity::ticket::Priority;
use crate::service::calendar::{DAY_MINUTES, Opening};
use crate::service::settings::{self, SettingsChange, Targets};

/// A day of the week.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum Weekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

const WEEK: [Weekday; 7] = [
    Weekday::Monday,
    Weekday::Tuesday,
    Weekday::Wednesday,
    Weekday::Thursday,
    Weekday::Friday,
    Weekday::Saturday,
    Weekday::Sunday,
];

/// Working hours of one weekday, in the site's time zone.
#[derive(SimpleObject)]
pub struct SupportOpening {
    pub weekday: Weekday,
    /// `HH:MM`.
    pub opens: String,
    /// `HH:MM`, up to `24:00`.
    pub closes: String,
}

fn clock_text(minute: u16) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// `HH:MM` (00:00 to 24:00) as minutes of the day.
fn minute_of(field: &str, text: &str) -> Result<u16, AppError> {
    let parsed = text.trim().split_once(':').and_then(|(h, m)| {
        let (h, m) = (h.parse::<u16>().ok()?, m.parse::<u16>().ok()?);
        (m < 60 && h * 60 + m <= DAY_MINUTES && text.trim().len() == 5).then_some(h * 60 + m)
    });
    parsed.ok_or_else(|| AppError::bad_input(field, "a time as HH:MM, from 00:00 to 24:00"))
}

/// Working hours of one weekday.
#[derive(InputObject)]
pub struct SupportOpeningInput {
    pub weekday: Weekday,
    /// `HH:MM`.
    pub opens: String,
    /// `HH:MM`, after `opens`, up to `24:00`.
    pub closes: String,
}

/// A day support does not work.
#[derive(SimpleObject)]
pub struct SupportHoliday {
    /// A date in the site's time zone, `YYYY-MM-DD`.
    pub day: String,
    pub name: String,
}

/// The targets of one priority, in working minutes.
#[derive(SimpleObject)]
pub struct SlaPolicy {
    pub priority: Priority,
    pub first_response_minutes: i32,
    pub resolution_minutes: i32,
}

/// How a site's support works.
#[derive(SimpleObject)]
pub struct SupportSettings {
    /// An SLA clock warns once this share of its target is used.
    pub warning_percent: i32,
    /// How long after closing a requester may reopen a ticket.
    pub reopen_window_hours: i32,
    /// How long after completion a client or writer may dispute an order.
    pub dispute_window_days: i32,
    /// The working week SLA clocks count (round the clock until set).
    pub openings: Vec<SupportOpening>,
    /// The days they do not count, earliest first.
    pub holidays: Vec<SupportHoliday>,
    /// The targets per priority, lowest first.
    pub sla_policies: Vec<SlaPolicy>,
}

/// Changes to the settings (a missing field keeps its value).
#[derive(InputObject)]
pub struct SupportSettingsInput {
    /// 1 to 99.
    pub warning_percent: Option<i32>,
    /// 0 to 8784 (a year).
    pub reopen_window_hours: Option<i32>,
    /// 0 to 366.
    pub dispute_window_days: Option<i32>,
    /// The whole working week: openings of a weekday may not overlap, and one at least.
    pub openings: Option<Vec<SupportOpeningInput>>,
}

/// The targets of one priority.
#[derive(InputObject)]
pub struct SlaPolicyInput {
    pub priority: Priority,
    /// 1 to a year's minutes, no more than the resolution target.
    pub first_response_minutes: i32,
    pub resolution_minutes: i32,
}

fn day_of(field: &str, text: &str) -> Result<NaiveDate, AppError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| AppError::bad_input(field, "a date as YYYY-MM-DD"))
}

async fn current(ctx: &Context<'_>) -> Result<SupportSettings> {
    let request = ctx.request();
    let s = settings::get(&request.db, request).await?;
    let holidays = settings::list_holidays(&request.db, request).await?;
    let policies = settings::policies(&request.db, request).await?;
    Ok(SupportSettings {
        warning_percent: s.warning_percent,
        reopen_window_hours: s.reopen_window_hours,
        dispute_window_days: s.dispute_window_days,
        openings: s
            .openings
            .iter()
            .map(|o| SupportOpening {
                weekday: WEEK[usize::from(o.weekday.min(6))],
                opens: clock_text(o.opens),
                closes: clock_text(o.closes),
            })
            .collect(),
        holidays: holidays.into_iter().map(|h| SupportHoliday { day: h.day.to_string(), name: h.name }).collect(),
        sla_policies: policies
            .into_iter()
            .map(|(priority, t)| SlaPolicy {
                priority,
                first_response_minutes: t.first_response_minutes,
                resolution_minutes: t.resolution_minutes,
            })
            .collect(),
    })
}

#[derive(Default)]
pub struct SupportSettingsQuery;

#[Object]
impl SupportSettingsQuery {
    /// How the site's support works: SLA targets, working week, holidays (staff).
    #[graphql(guard = "STAFF")]
    async fn support_settings(&self, ctx: &Context<'_>) -> Result<SupportSettings> {
        current(ctx).await
    }
}

#[derive(Default)]
pub struct SupportSettingsMutation;

#[Object]
impl SupportSettingsMutation {
    /// Changes the site's support settings (admins; audited). A new working week moves the due
    /// times of the clocks running now.
    #[graphql(guard = "ADMINS")]
    async fn update_support_settings(&self, ctx: &Context<'_>, input: SupportSettingsInput) -> Result<SupportSettings> {
        let request = ctx.request();
        let openings = match &input.openings {
            Some(list) => Some(
                list.iter()
                    .enumerate()
                    .map(|(i, o)| {
                        Ok(Opening {
                            weekday: WEEK.iter().position(|w| *w == o.weekday).unwrap_or(0) as u8,
                            opens: minute_of(&format!("input.openings[{i}].opens"), &o.opens)?,
                            closes: minute_of(&format!("input.openings[{i}].closes"), &o.closes)?,
                        })
                    })
                    .collect::<Result<Vec<_>, AppError>>()?,
            ),
            None => None,
        };
        let change = SettingsChange {
            warning_percent: input.warning_percent,
            reopen_window_hours: input.reopen_window_hours,
            dispute_window_days: input.dispute_window_days,
            openings,
        };
        write(request, async |txn| settings::update(txn, request, change).await).await?;
        current(ctx).await
    }

    /// Sets the SLA targets of one priority (admins; audited): for tickets opened or given this
    /// priority from now on.
    #[graphql(guard = "ADMINS")]
    async fn update_sla_policy(&self, ctx: &Context<'_>, input: SlaPolicyInput) -> Result<SupportSettings> {
        let request = ctx.request();
        let targets = Targets {
            first_response_minutes: input.first_response_minutes,
            resolution_minutes: input.resolution_minutes,
        };
        write(request, async |txn| settings::set_policy(txn, request, input.priority, targets).await).await?;
        current(ctx).await
    }

    /// Adds a holiday, `YYYY-MM-DD` in the site's time zone (admins; audited): running clocks
    /// skip it. `CONFLICT` when it is one already.
    #[graphql(guard = "ADMINS")]
    async fn add_support_holiday(&self, ctx: &Context<'_>, day: String, name: String) -> Result<SupportSettings> {
        let request = ctx.request();
        let day = day_of("day", &day)?;
        write(request, async |txn| settings::add_holiday(txn, request, day, &name).await).await?;
        current(ctx).await
    }

    /// Removes a holiday (admins; audited). `NOT_FOUND` when the day is none.
    #[graphql(guard = "ADMINS")]
    async fn remove_support_holiday(&self, ctx: &Context<'_>, day: String) -> Result<SupportSettings> {
        let request = ctx.request();
        let day = day_of("day", &day)?;
        write(request, async |txn| settings::remove_holiday(txn, request, day).await).await?;
        current(ctx).await
    }
}
