//! What a cancellation gives back: the whole payment while less than half the time from placing
//! the order to its deadline has passed; from then on the share of that time already used is
//! forfeited, never more than the site's ceiling (80% unless the site sets another). One
//! function, so the quote a client reads before confirming and the cancellation that applies
//! it cannot differ. Amounts are minor units; what cannot be split exactly is the client's.

use chrono::{DateTime, Utc};

/// The most of a payment a cancellation forfeits unless the site sets another ceiling.
pub const DEFAULT_MAX_FORFEIT_PERCENT: i32 = 80;

/// How a paid amount divides when the order is cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split {
    /// Back to the client.
    pub refund_minor: i64,
    /// Kept: the time the order held its writer and the site.
    pub forfeited_minor: i64,
}

/// How `paid_minor` of an order placed at `placed`, due at `deadline`, divides if cancelled at
/// `at`, with at most `max_forfeit_percent` (0 to 100; outside, the nearest bound) forfeited.
/// Nothing is forfeited before half the time has passed; from half on, the share used (all of
/// it once the deadline has passed), capped by the ceiling; rounded down, for the client. An
/// order due no later than it was placed counts as wholly used.
pub fn split(
    paid_minor: i64,
    placed: DateTime<Utc>,
    deadline: DateTime<Utc>,
    at: DateTime<Utc>,
    max_forfeit_percent: i32,
) -> Split {
    let paid = paid_minor.max(0);
    let total = (deadline - placed).num_seconds().max(1);
    let used = (at - placed).num_seconds().clamp(0, total);
    if used.saturating_mul(2) < total {
        return Split { refund_minor: paid, forfeited_minor: 0 };
    }
    let ceiling = i128::from(max_forfeit_percent.clamp(0, 100));
    // both in i128: a payment times seconds cannot overflow it
    let by_time = i128::from(paid) * i128::from(used) / i128::from(total);
    let capped = i128::from(paid) * ceiling / 100;
    // at most `paid`, so it fits back
    let forfeited = i64::try_from(by_time.min(capped)).unwrap_or(paid).min(paid);
    Split { refund_minor: paid - forfeited, forfeited_minor: forfeited }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};
    use proptest::prelude::*;

    use super::*;

    fn placed() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 0).unwrap()
    }

    #[test]
    fn whole_before_half_then_by_time_used_up_to_the_ceiling() {
        let (p, due) = (placed(), placed() + Duration::hours(100));
        let at = |hours: i64| p + Duration::hours(hours);
        assert_eq!(split(10_000, p, due, at(0), 80), Split { refund_minor: 10_000, forfeited_minor: 0 });
        assert_eq!(split(10_000, p, due, at(49), 80).forfeited_minor, 0);
        assert_eq!(split(10_000, p, due, at(50), 80).forfeited_minor, 5_000);
        assert_eq!(split(10_000, p, due, at(75), 80).forfeited_minor, 7_500);
        assert_eq!(split(10_000, p, due, at(90), 80).forfeited_minor, 8_000, "the ceiling");
        assert_eq!(split(10_000, p, due, at(500), 80).forfeited_minor, 8_000, "past the deadline");
        assert_eq!(split(10_000, p, due, at(90), 60).forfeited_minor, 6_000, "the site's own ceiling");
        // rounded down for the client
        assert_eq!(split(999, p, due, at(75), 80).forfeited_minor, 749);
        // nothing paid, nothing to divide
        assert_eq!(split(0, p, due, at(90), 80), Split { refund_minor: 0, forfeited_minor: 0 });
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn it_sums_to_what_was_paid_and_stays_in_bounds(
            paid in 0i64..10_000_000_000,
            span in 1i64..(365 * 86_400),
            at in -86_400i64..(400 * 86_400),
            ceiling in -10i32..120,
        ) {
            let (p, due) = (placed(), placed() + Duration::seconds(span));
            let s = split(paid, p, due, p + Duration::seconds(at), ceiling);
            prop_assert_eq!(s.refund_minor + s.forfeited_minor, paid);
            prop_assert!(s.forfeited_minor >= 0 && s.refund_minor >= 0);
            prop_assert!(i128::from(s.forfeited_minor) * 100 <= i128::from(paid) * i128::from(ceiling.clamp(0, 100)));
            if at.saturating_mul(2) < span {
                prop_assert_eq!(s.forfeited_minor, 0, "before half the time, all of it back");
            }
        }

        #[test]
        fn later_never_gives_back_more(
            paid in 0i64..10_000_000_000,
            span in 1i64..(365 * 86_400),
            first in -86_400i64..(400 * 86_400),
            later in 0i64..(400 * 86_400),
            ceiling in 0i32..=100,
        ) {
            let (p, due) = (placed(), placed() + Duration::seconds(span));
            let earlier = split(paid, p, due, p + Duration::seconds(first), ceiling);
            let after = split(paid, p, due, p + Duration::seconds(first + later), ceiling);
            prop_assert!(after.forfeited_minor >= earlier.forfeited_minor);
            // and a higher ceiling never gives back more either
            let higher = split(paid, p, due, p + Duration::seconds(first), (ceiling + 10).min(100));
            prop_assert!(higher.forfeited_minor >= earlier.forfeited_minor);
        }
    }
}
