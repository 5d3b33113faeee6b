//! Time on the wire and in a tenant's calendar.
//!
//! The `DateTime` scalar is RFC 3339 in UTC, always written with `Z` and at most microseconds
//! (what both databases keep), so every timestamp of the API has one format. Input may carry
//! any offset. A tenant's days and months begin at midnight in its own time zone.

use std::fmt;

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, SubsecRound, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// An instant, as the API shows it (`"2026-11-23T04:00:00Z"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub DateTime<Utc>);

impl Timestamp {
    pub fn to_rfc3339(self) -> String {
        self.0.trunc_subsecs(6).to_rfc3339_opts(SecondsFormat::AutoSi, true)
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(at: DateTime<Utc>) -> Self {
        Timestamp(at)
    }
}

impl From<Timestamp> for DateTime<Utc> {
    fn from(at: Timestamp) -> Self {
        at.0
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

/// An instant in RFC 3339 (`2026-11-23T04:00:00Z`): UTC with `Z`, at most microseconds. Input
/// may carry any offset.
#[Scalar(name = "DateTime")]
impl ScalarType for Timestamp {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => {
                DateTime::parse_from_rfc3339(s).map(|at| Timestamp(at.with_timezone(&Utc))).map_err(|_| {
                    InputValueError::custom("expected an RFC 3339 date and time, like \"2026-11-23T04:00:00Z\"")
                })
            }
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.to_rfc3339())
    }
}

/// Parses an IANA time-zone name (`Europe/Berlin`, `UTC`).
pub fn time_zone(name: &str) -> Option<Tz> {
    name.parse().ok()
}

/// When `at`'s day and month began in `zone`, as instants.
pub fn day_and_month_start(at: DateTime<Utc>, zone: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
    let local = at.with_timezone(&zone);
    let midnight = |date: NaiveDate| {
        let naive = date.and_hms_opt(0, 0, 0).unwrap_or_default();
        // A midnight that a daylight-saving jump skips begins at the first instant after it.
        zone.from_local_datetime(&naive)
            .earliest()
            .or_else(|| zone.from_local_datetime(&(naive + chrono::Duration::hours(1))).earliest())
            .map_or(at, |t| t.with_timezone(&Utc))
    };
    let day = midnight(local.date_naive());
    let month = midnight(NaiveDate::from_ymd_opt(local.year(), local.month(), 1).unwrap_or(local.date_naive()));
    (day, month)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_utc_with_z_and_at_most_microseconds() {
        let at = Utc.with_ymd_and_hms(2026, 11, 23, 4, 0, 0).unwrap();
        assert_eq!(Timestamp(at).to_value(), Value::String("2026-11-23T04:00:00Z".into()));
        let precise = at + chrono::Duration::nanoseconds(123_456_789);
        assert_eq!(Timestamp(precise).to_rfc3339(), "2026-11-23T04:00:00.123456Z");
        let parsed = <Timestamp as ScalarType>::parse(Value::String("2026-11-23T06:00:00+02:00".into())).unwrap();
        assert_eq!(parsed.0, at);
        assert!(<Timestamp as ScalarType>::parse(Value::String("yesterday".into())).is_err());
    }

    #[test]
    fn days_and_months_begin_at_the_tenants_midnight() {
        let berlin = time_zone("Europe/Berlin").unwrap();
        // 00:30 on 1 December in Berlin is still 30 November in UTC
        let at = Utc.with_ymd_and_hms(2026, 11, 30, 23, 30, 0).unwrap();
        let (day, month) = day_and_month_start(at, berlin);
        assert_eq!(day, Utc.with_ymd_and_hms(2026, 11, 30, 23, 0, 0).unwrap());
        assert_eq!(month, day);
        let (day, month) = day_and_month_start(at, chrono_tz::UTC);
        assert_eq!(day, Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap());
        assert_eq!(month, Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap());
        assert!(time_zone("Mars/Olympus").is_none());
    }
}
