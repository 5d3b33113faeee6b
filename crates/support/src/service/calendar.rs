//! Business time: the hours a site's support works, in the site's time zone, less its holidays.
//! SLA clocks count only this time, so "resolved within 4 hours" on a ticket opened Friday at
//! 16:00 with a working day to 17:00 means by Monday at 12:00.
//!
//! A calendar is a set of intervals of real time: each working day's openings, read in the
//! site's zone and turned into instants. [`Calendar::add`] walks those intervals forward and
//! [`Calendar::between`] sums their overlap with a span; because both read the very same
//! intervals, measuring what was added gives back what was added, across weekends, holidays and
//! daylight-saving changes (a working day that spans a change is an hour shorter or longer in
//! real time, as the people working it live it). Times are counted in whole seconds.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Duration, NaiveDate, SubsecRound, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// Minutes in a day: an opening may close at `24:00`.
pub const DAY_MINUTES: u16 = 24 * 60;

/// How far ahead [`Calendar::add`] looks for working time (ten years: past any target a site can
/// set, so it ends on a calendar with working hours even with a long run of holidays).
const HORIZON_DAYS: i64 = 3660;

/// One working stretch of a weekday, in local minutes from midnight: `opens < closes <= 24:00`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Opening {
    /// 0 is Monday, 6 is Sunday.
    pub weekday: u8,
    pub opens: u16,
    pub closes: u16,
}

/// What is wrong with a set of openings: the index of the opening at fault and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalendarError {
    /// A weekday past Sunday, or a minute past 24:00.
    OutOfRange(usize),
    /// Closes at or before it opens.
    Inverted(usize),
    /// Overlaps an earlier opening of the same weekday.
    Overlapping(usize),
    /// No working time in the week at all: nothing would ever fall due.
    Empty,
}

/// The working time of a site.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Calendar {
    zone: Tz,
    /// Each weekday's openings (Monday first), sorted and disjoint.
    week: [Vec<(u16, u16)>; 7],
    holidays: BTreeSet<NaiveDate>,
}

/// Round the clock, every day: the calendar of a site that has set no hours.
pub fn round_the_clock() -> Vec<Opening> {
    (0..7).map(|weekday| Opening { weekday, opens: 0, closes: DAY_MINUTES }).collect()
}

/// Checks `openings`: each within its day and not inverted, no two of a weekday overlapping
/// (touching is fine: 9–12 and 12–17), and some working time in the week.
pub fn check(openings: &[Opening]) -> Result<(), CalendarError> {
    for (i, opening) in openings.iter().enumerate() {
        if opening.weekday > 6 || opening.opens > DAY_MINUTES || opening.closes > DAY_MINUTES {
            return Err(CalendarError::OutOfRange(i));
        }
        if opening.closes <= opening.opens {
            return Err(CalendarError::Inverted(i));
        }
        let overlaps = openings[..i]
            .iter()
            .any(|o| o.weekday == opening.weekday && o.opens < opening.closes && opening.opens < o.closes);
        if overlaps {
            return Err(CalendarError::Overlapping(i));
        }
    }
    if openings.is_empty() {
        return Err(CalendarError::Empty);
    }
    Ok(())
}

impl Calendar {
    /// The calendar of `openings` (checked) in `zone`, closed on `holidays` (local dates).
    pub fn new(
        zone: Tz,
        openings: &[Opening],
        holidays: impl IntoIterator<Item = NaiveDate>,
    ) -> Result<Self, CalendarError> {
        check(openings)?;
        let mut week: [Vec<(u16, u16)>; 7] = Default::default();
        for opening in openings {
            week[usize::from(opening.weekday)].push((opening.opens, opening.closes));
        }
        for day in &mut week {
            day.sort_unstable();
        }
        Ok(Self { zone, week, holidays: holidays.into_iter().collect() })
    }

    pub fn zone(&self) -> Tz {
        self.zone
    }

    /// The instant of local `minute` of `date`. A minute a daylight-saving jump skips is the
    /// first instant after the jump; a minute that happens twice is its first time. Both keep
    /// later local minutes at later (or equal) instants, so a day's intervals stay in order.
    fn instant(&self, date: NaiveDate, minute: u16) -> DateTime<Utc> {
        let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
        let local = midnight + Duration::minutes(i64::from(minute));
        // jumps are at most a few hours; a zone's skipped stretch ends within them
        (0..=24 * 60)
            .find_map(|skip| self.zone.from_local_datetime(&(local + Duration::minutes(skip))).earliest())
            .map_or_else(|| Utc.from_utc_datetime(&local), |at| at.with_timezone(&Utc))
    }

    /// The working intervals of local `date`, in order (none on a holiday).
    fn intervals(&self, date: NaiveDate) -> impl Iterator<Item = (DateTime<Utc>, DateTime<Utc>)> + '_ {
        let openings: &[(u16, u16)] = if self.holidays.contains(&date) {
            &[]
        } else {
            &self.week[date.weekday().num_days_from_monday() as usize]
        };
        openings
            .iter()
            .map(move |&(opens, closes)| (self.instant(date, opens), self.instant(date, closes)))
            .filter(|(start, end)| start < end)
    }

    /// The local date of `at`, less one (an interval of the day before may not reach `at`, but
    /// starting there costs a day and never misses one).
    fn first_date(&self, at: DateTime<Utc>) -> NaiveDate {
        let date = at.with_timezone(&self.zone).date_naive();
        date.pred_opt().unwrap_or(date)
    }

    /// The instant at which `seconds` of working time have passed from `from`: `from` itself
    /// for none, and the end of the interval that completes them when they run out at one (so
    /// work due at closing time is due at closing time, not at the next opening). `None` when
    /// the calendar has no working time in the next ten years (every day a holiday).
    pub fn add(&self, from: DateTime<Utc>, seconds: i64) -> Option<DateTime<Utc>> {
        let from = from.trunc_subsecs(0);
        if seconds <= 0 {
            return Some(from);
        }
        let mut left = seconds;
        let mut date = self.first_date(from);
        for _ in 0..HORIZON_DAYS {
            for (start, end) in self.intervals(date) {
                let start = start.max(from);
                if end <= start {
                    continue;
                }
                let length = (end - start).num_seconds();
                if left <= length {
                    return Some(start + Duration::seconds(left));
                }
                left -= length;
            }
            date = date.succ_opt()?;
        }
        None
    }

    /// Seconds of working time between `from` and `to` (none when `to` is not later).
    pub fn between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        let (from, to) = (from.trunc_subsecs(0), to.trunc_subsecs(0));
        if to <= from {
            return 0;
        }
        let last = to.with_timezone(&self.zone).date_naive();
        let mut date = self.first_date(from);
        let mut total = 0;
        while date <= last {
            for (start, end) in self.intervals(date) {
                let (start, end) = (start.max(from), end.min(to));
                if start < end {
                    total += (end - start).num_seconds();
                }
            }
            let Some(next) = date.succ_opt() else { break };
            date = next;
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(zone: Tz, y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        zone.with_ymd_and_hms(y, m, d, h, min, 0).earliest().unwrap().with_timezone(&Utc)
    }

    fn nine_to_five() -> Vec<Opening> {
        (0..5).map(|weekday| Opening { weekday, opens: 9 * 60, closes: 17 * 60 }).collect()
    }

    fn berlin() -> Tz {
        "Europe/Berlin".parse().unwrap()
    }

    #[test]
    fn a_friday_afternoon_ticket_is_due_on_monday() {
        let calendar = Calendar::new(berlin(), &nine_to_five(), []).unwrap();
        // Friday 2026-12-04 16:00 + 4 h: one hour on Friday, three on Monday
        let due = calendar.add(at(berlin(), 2026, 12, 4, 16, 0), 4 * 3600).unwrap();
        assert_eq!(due, at(berlin(), 2026, 12, 7, 12, 0));
        // opened on Saturday: the clock starts on Monday morning
        let due = calendar.add(at(berlin(), 2026, 12, 5, 11, 0), 3600).unwrap();
        assert_eq!(due, at(berlin(), 2026, 12, 7, 10, 0));
        // work due exactly at closing time is due then, not at the next opening
        let due = calendar.add(at(berlin(), 2026, 12, 7, 9, 0), 8 * 3600).unwrap();
        assert_eq!(due, at(berlin(), 2026, 12, 7, 17, 0));
    }

    #[test]
    fn holidays_are_skipped() {
        let christmas =
            [NaiveDate::from_ymd_opt(2026, 12, 24).unwrap(), NaiveDate::from_ymd_opt(2026, 12, 25).unwrap()];
        let calendar = Calendar::new(berlin(), &nine_to_five(), christmas).unwrap();
        // Wednesday 23rd 16:00 + 2 h: one hour on the 23rd, then Thursday and Friday are off
        let due = calendar.add(at(berlin(), 2026, 12, 23, 16, 0), 2 * 3600).unwrap();
        assert_eq!(due, at(berlin(), 2026, 12, 28, 10, 0));
        assert_eq!(calendar.between(at(berlin(), 2026, 12, 23, 16, 0), due), 2 * 3600);
    }

    #[test]
    fn a_working_day_across_a_daylight_saving_change_is_as_long_as_it_really_is() {
        // round the clock: Sunday 2026-03-29 in Berlin has 23 hours, 2026-10-25 has 25
        let calendar = Calendar::new(berlin(), &round_the_clock(), []).unwrap();
        let spring = (at(berlin(), 2026, 3, 29, 0, 0), at(berlin(), 2026, 3, 30, 0, 0));
        assert_eq!(calendar.between(spring.0, spring.1), 23 * 3600);
        let autumn = (at(berlin(), 2026, 10, 25, 0, 0), at(berlin(), 2026, 10, 26, 0, 0));
        assert_eq!(calendar.between(autumn.0, autumn.1), 25 * 3600);
        // 9 to 5 on the day after the change is still 8 hours, an hour later in UTC
        let calendar = Calendar::new(berlin(), &nine_to_five(), []).unwrap();
        let monday = at(berlin(), 2026, 3, 30, 9, 0);
        assert_eq!(monday, Utc.with_ymd_and_hms(2026, 3, 30, 7, 0, 0).unwrap());
        assert_eq!(calendar.add(monday, 8 * 3600).unwrap(), Utc.with_ymd_and_hms(2026, 3, 30, 15, 0, 0).unwrap());
    }

    #[test]
    fn openings_that_cannot_be_are_refused() {
        let open = |weekday, opens, closes| Opening { weekday, opens, closes };
        assert_eq!(check(&[open(0, 600, 540)]), Err(CalendarError::Inverted(0)));
        assert_eq!(check(&[open(0, 540, 540)]), Err(CalendarError::Inverted(0)));
        assert_eq!(check(&[open(0, 540, 720), open(0, 700, 900)]), Err(CalendarError::Overlapping(1)));
        assert_eq!(check(&[open(7, 540, 720)]), Err(CalendarError::OutOfRange(0)));
        assert_eq!(check(&[open(0, 540, 1441)]), Err(CalendarError::OutOfRange(0)));
        assert_eq!(check(&[]), Err(CalendarError::Empty));
        // touching is not overlapping; another weekday is another day
        assert_eq!(check(&[open(0, 540, 720), open(0, 720, 1020), open(1, 600, 700)]), Ok(()));
    }

    #[test]
    fn a_calendar_of_only_holidays_never_falls_due() {
        let calendar = Calendar::new(berlin(), &[Opening { weekday: 0, opens: 540, closes: 600 }], []).unwrap();
        assert!(calendar.add(at(berlin(), 2026, 12, 7, 9, 0), 3600).is_some());
        let mondays = (0..600).map(|week| NaiveDate::from_ymd_opt(2026, 12, 7).unwrap() + Duration::weeks(week));
        let closed = Calendar::new(berlin(), &[Opening { weekday: 0, opens: 540, closes: 600 }], mondays).unwrap();
        assert_eq!(closed.add(at(berlin(), 2026, 12, 7, 9, 0), 1), None);
    }

    /// Zones with daylight saving on either hemisphere, one with a half-hour change, and UTC.
    fn zones() -> impl Strategy<Value = Tz> {
        prop_oneof![
            Just("Europe/Berlin"),
            Just("America/New_York"),
            Just("Australia/Sydney"),
            Just("Australia/Lord_Howe"),
            Just("Asia/Kolkata"),
            Just("UTC"),
        ]
        .prop_map(|name| name.parse().unwrap())
    }

    /// One to three disjoint openings on some weekdays (always at least one), on whole minutes
    /// or quarter hours, some running to midnight and some through the small hours when clocks
    /// change.
    fn openings() -> impl Strategy<Value = Vec<Opening>> {
        proptest::collection::vec((0u8..7, 0u16..96, 1u16..48), 1..10).prop_map(|raw| {
            let mut chosen: Vec<Opening> = Vec::new();
            for (weekday, start, length) in raw {
                let opens = start * 15;
                let closes = (opens + length * 15).min(DAY_MINUTES);
                let candidate = Opening { weekday, opens, closes };
                if closes > opens
                    && !chosen.iter().any(|o| o.weekday == weekday && o.opens < closes && opens < o.closes)
                {
                    chosen.push(candidate);
                }
            }
            chosen
        })
    }

    /// Instants over two years around 2027 (each zone changes its clocks in them), on whole seconds.
    fn instants() -> impl Strategy<Value = DateTime<Utc>> {
        (1_767_225_600i64..1_830_297_600).prop_map(|s| Utc.timestamp_opt(s, 0).unwrap())
    }

    fn holidays() -> impl Strategy<Value = Vec<NaiveDate>> {
        proptest::collection::vec(0i64..730, 0..40).prop_map(|days| {
            days.into_iter().map(|d| NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + Duration::days(d)).collect()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// Adding n seconds of working time and measuring from the start gives n back.
        #[test]
        fn measuring_what_was_added_gives_it_back(
            zone in zones(), openings in openings(), holidays in holidays(), from in instants(), seconds in 0i64..2_000_000,
        ) {
            let calendar = Calendar::new(zone, &openings, holidays).unwrap();
            // a sparse week may not hold that much working time within the horizon: then there
            // is truly less than that in it
            let Some(due) = calendar.add(from, seconds) else {
                let horizon = from + Duration::days(HORIZON_DAYS - 1);
                prop_assert!(calendar.between(from, horizon) < seconds);
                return Ok(());
            };
            prop_assert!(due >= from);
            prop_assert_eq!(calendar.between(from, due), seconds);
            // and not a second sooner: just before it, less had passed
            if seconds > 0 {
                prop_assert_eq!(calendar.between(from, due - Duration::seconds(1)), seconds - 1);
            }
        }

        /// Working time is additive: a span split anywhere measures the sum of its parts, so a
        /// clock that pauses and resumes counts what it ran, whatever the pauses.
        #[test]
        fn a_split_span_measures_the_sum_of_its_parts(
            zone in zones(), openings in openings(), holidays in holidays(), a in instants(), b in instants(), c in instants(),
        ) {
            let calendar = Calendar::new(zone, &openings, holidays).unwrap();
            let mut points = [a, b, c];
            points.sort();
            let [a, b, c] = points;
            prop_assert_eq!(calendar.between(a, c), calendar.between(a, b) + calendar.between(b, c));
            prop_assert!(calendar.between(a, c) <= (c - a).num_seconds());
        }

        /// A clock paused for a while and resumed falls due later by what is left, counted from
        /// the resumption: never sooner than had it run through.
        #[test]
        fn a_pause_moves_the_due_time_by_working_time_only(
            zone in zones(), openings in openings(), from in instants(), target in 1i64..500_000, ran in 0i64..500_000, pause in 0i64..1_000_000,
        ) {
            let calendar = Calendar::new(zone, &openings, []).unwrap();
            let Some(straight) = calendar.add(from, target) else { return Ok(()) };
            let ran = ran.min(target);
            let paused_at = calendar.add(from, ran).unwrap();
            let resumed_at = paused_at + Duration::seconds(pause);
            let used = calendar.between(from, paused_at);
            prop_assert_eq!(used, ran);
            let Some(due) = calendar.add(resumed_at, target - used) else { return Ok(()) };
            prop_assert!(due >= straight);
            prop_assert_eq!(calendar.between(from, paused_at) + calendar.between(resumed_at, due), target);
        }
    }
}
