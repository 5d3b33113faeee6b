//! The one pricing engine, used by quotes, drafts and orders (PRODUCT.md §3.3).
//!
//! `base = (effectivePages × pricePerPage + slides × pricePerSlide) × level × workType ×
//! subject × deadline`; then each extra (fixed, or percent of base), the writer level (amount
//! per effective page) and the preferred-writer fee (percent of base). Rates are integers in
//! ten-thousandths, all products are exact (i128), and each line is rounded once, to cents,
//! half away from zero. The total is the sum of the lines, never below zero.
//!
//! Nothing wraps: a line or total beyond [`MAX_ORDER_TOTAL`] is no price at all (`None`), which
//! the caller refuses as bad input; it is never a wrapped, saturated or zero total.

use chrono::{DateTime, Duration, Utc};
use kernel::Money;
use serde::{Deserialize, Serialize};

pub use kernel::RATE_ONE;

/// The code of the preferred-writer fee's line.
pub const PREFERRED_WRITER_LINE: &str = "preferred_writer";

/// The most an order may cost, and so the most any of its lines may be: 1,000,000.00.
pub const MAX_ORDER_TOTAL: i64 = 100_000_000;

/// The bounds an admin's pricing numbers are checked against at input, so that no accepted
/// setting is absurd: a price (per page, per slide, a fixed extra, a writer level's rate) at
/// most 10,000.00; a multiplier (level, work type, deadline tier, technical subject, single
/// spacing) at most ×10; a percent at most 100 %.
pub const MAX_UNIT_PRICE: i64 = 1_000_000;
pub const MAX_MULTIPLIER: i64 = 10 * RATE_ONE;
pub const MAX_PERCENT: i64 = 100 * RATE_ONE;
/// The most pages and slides a tenant may allow in one order.
pub const MAX_PAGES: i32 = tenancy::service::tenants::MAX_PAGES_PER_ORDER;
pub const MAX_SLIDES: i32 = tenancy::service::tenants::MAX_SLIDES_PER_ORDER;
const ONE: i128 = RATE_ONE as i128;
const PERCENT: i128 = 100 * ONE;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Charge {
    Fixed(i64),
    /// Percent of the base line, ×10 000.
    PercentOfBase(i64),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extra {
    pub code: String,
    pub label: String,
    pub charge: Charge,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceInput {
    pub price_per_page: i64,
    pub price_per_slide: i64,
    pub pages: i32,
    pub slides: i32,
    /// How many pages one page counts as (×10 000): 10 000 double-spaced, the tenant's factor
    /// single-spaced.
    pub page_factor: i64,
    pub level: i64,
    pub work_type: i64,
    /// The technical multiplier, or 10 000.
    pub subject: i64,
    pub deadline: i64,
    pub extras: Vec<Extra>,
    /// `(label, client price per effective page)`.
    pub writer_level: Option<(String, i64)>,
    /// Percent of base (×10 000) when a preferred writer is asked for.
    pub preferred_writer_percent: Option<i64>,
    pub discount: Option<DiscountRule>,
}

/// A discount as the engine applies it: a percent of the other lines (×10 000, rounded half
/// away from zero) or a fixed amount, capped by `max` and never more than the other lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscountRule {
    pub label: String,
    pub charge: Charge,
    pub max: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub code: String,
    pub label: String,
    pub amount: Money,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    pub lines: Vec<Line>,
    pub total: Money,
}

/// `numerator / denominator` rounded half away from zero (`denominator > 0`); `None` when the
/// arithmetic would overflow.
pub fn round_div(numerator: i128, denominator: i128) -> Option<i128> {
    let half = denominator / 2;
    let shifted = if numerator >= 0 { numerator.checked_add(half)? } else { numerator.checked_sub(half)? };
    shifted.checked_div(denominator)
}

/// A line amount in minor units, if it is within the order range.
fn line(amount: i128) -> Option<i64> {
    i64::try_from(amount).ok().filter(|a| a.abs() <= MAX_ORDER_TOTAL)
}

/// `a × b × ...`, or `None` on overflow.
fn product(factors: &[i128]) -> Option<i128> {
    factors.iter().try_fold(1i128, |acc, f| acc.checked_mul(*f))
}

/// Effective pages ×10 000.
fn effective_pages(input: &PriceInput) -> i128 {
    i128::from(input.pages) * i128::from(input.page_factor)
}

/// Prices `input`: the lines and their total. `None` when a line or the total would pass
/// [`MAX_ORDER_TOTAL`] (or the arithmetic overflow on the way there).
pub fn price(input: &PriceInput) -> Option<Quote> {
    let pages = effective_pages(input);
    // (pages×10⁴ × ppp + slides × pps × 10⁴) is ×10⁴; four more rates make it ×10²⁰.
    let volume = product(&[pages, i128::from(input.price_per_page)])?.checked_add(product(&[
        i128::from(input.slides),
        i128::from(input.price_per_slide),
        ONE,
    ])?)?;
    let numerator = product(&[
        volume,
        i128::from(input.level),
        i128::from(input.work_type),
        i128::from(input.subject),
        i128::from(input.deadline),
    ])?;
    let base = line(round_div(numerator, ONE.pow(5))?)?;
    let percent_of =
        |amount: i64, rate: i64| line(round_div(product(&[i128::from(amount), i128::from(rate)])?, PERCENT)?);
    let mut lines = vec![Line { code: "base".into(), label: "Base price".into(), amount: Money(base) }];
    for extra in &input.extras {
        let amount = match extra.charge {
            Charge::Fixed(minor) => line(i128::from(minor))?,
            Charge::PercentOfBase(rate) => percent_of(base, rate)?,
        };
        lines.push(Line { code: extra.code.clone(), label: extra.label.clone(), amount: Money(amount) });
    }
    if let Some((label, per_page)) = &input.writer_level {
        let amount = line(round_div(product(&[pages, i128::from(*per_page)])?, ONE)?)?;
        lines.push(Line { code: "writer_level".into(), label: label.clone(), amount: Money(amount) });
    }
    if let Some(rate) = input.preferred_writer_percent {
        let amount = percent_of(base, rate)?;
        lines.push(Line {
            code: PREFERRED_WRITER_LINE.into(),
            label: "Preferred writer".into(),
            amount: Money(amount),
        });
    }
    // Every line is at most MAX_ORDER_TOTAL and there are few, so these sums cannot overflow
    // an i128; the total is checked against the range once more.
    let subtotal: i128 = lines.iter().map(|l| i128::from(l.amount.0)).sum();
    if let Some(rule) = &input.discount {
        let off = match rule.charge {
            Charge::Fixed(minor) => i128::from(minor),
            Charge::PercentOfBase(rate) => round_div(product(&[subtotal, i128::from(rate)])?, PERCENT)?,
        };
        let off = off.min(rule.max.map_or(i128::MAX, i128::from)).min(subtotal).max(0);
        lines.push(Line { code: "discount".into(), label: rule.label.clone(), amount: Money(line(-off)?) });
    }
    let total: i128 = lines.iter().map(|l| i128::from(l.amount.0)).sum();
    let total = line(total.max(0))?;
    Some(Quote { lines, total: Money(total) })
}

/// What the writer earns: effective pages × pay per page + slides × pay per slide; `None`
/// beyond [`MAX_ORDER_TOTAL`].
pub fn writer_compensation(
    pages: i32,
    page_factor: i64,
    slides: i32,
    pay_per_page: i64,
    pay_per_slide: i64,
) -> Option<Money> {
    let per_pages = round_div(product(&[i128::from(pages), i128::from(page_factor), i128::from(pay_per_page)])?, ONE)?;
    let per_slides = product(&[i128::from(slides), i128::from(pay_per_slide)])?;
    line(per_pages.checked_add(per_slides)?).map(Money)
}

/// The multiplier of the tier with the largest `hours` not above the time left; `None` when
/// the deadline is past or closer than the shortest tier.
pub fn deadline_tier(tiers: &[(i32, i64)], now: DateTime<Utc>, deadline: DateTime<Utc>) -> Option<i64> {
    let left = deadline - now;
    tiers
        .iter()
        .filter(|(hours, _)| Duration::hours(i64::from(*hours)) <= left && *hours > 0)
        .max_by_key(|(hours, _)| *hours)
        .map(|(_, rate)| *rate)
}

/// The writer's deadline: `percent` (×10 000) of the way from placement to the client's.
pub fn writer_deadline(placed: DateTime<Utc>, deadline: DateTime<Utc>, percent: i64) -> DateTime<Utc> {
    let span = (deadline - placed).num_seconds();
    // A span of at most a year in seconds times a percent ×10⁴ is far inside i128.
    let share = round_div(i128::from(span) * i128::from(percent), PERCENT).unwrap_or(0);
    placed + Duration::seconds(i64::try_from(share).unwrap_or(span))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    // the demo's tiers, which the README's worked examples use
    const TIERS: [(i32, i64); 8] = crate::service::demo_catalog::DEADLINE_TIERS;

    /// The README's first worked example at `pages` (3: 80.49).
    pub(crate) fn essay(pages: i32) -> PriceInput {
        PriceInput {
            price_per_page: 1200,
            price_per_slide: 600,
            pages,
            slides: 0,
            page_factor: RATE_ONE,
            level: 12_500,
            work_type: 10_000,
            subject: 10_000,
            deadline: 14_000,
            extras: vec![Extra {
                code: "plagiarism_report".into(),
                label: "Plagiarism report".into(),
                charge: Charge::Fixed(999),
            }],
            writer_level: Some(("Advanced writer".into(), 250)),
            preferred_writer_percent: None,
            discount: None,
        }
    }

    #[test]
    fn the_first_worked_example_is_80_49() {
        let quote = price(&essay(3)).unwrap();
        let amounts: Vec<i64> = quote.lines.iter().map(|l| l.amount.0).collect();
        assert_eq!(amounts, vec![6300, 999, 750]);
        assert_eq!(quote.total, Money(8049));
    }

    #[test]
    fn the_second_worked_example_is_168_50() {
        let input = PriceInput {
            price_per_page: 1200,
            price_per_slide: 600,
            pages: 2,
            slides: 3,
            page_factor: 20_000,
            level: 18_500,
            work_type: 5_000,
            subject: 12_000,
            deadline: 20_000,
            extras: vec![Extra {
                code: "priority_support".into(),
                label: "Priority support".into(),
                charge: Charge::PercentOfBase(100_000),
            }],
            writer_level: None,
            preferred_writer_percent: Some(50_000),
            discount: None,
        };
        let quote = price(&input).unwrap();
        let amounts: Vec<i64> = quote.lines.iter().map(|l| l.amount.0).collect();
        assert_eq!(amounts, vec![14_652, 1_465, 733]);
        assert_eq!(quote.total, Money(16_850));
    }

    #[test]
    fn the_first_example_at_ten_a_page_is_69_99() {
        let quote = price(&PriceInput { price_per_page: 1000, ..essay(3) }).unwrap();
        assert_eq!(quote.total, Money(6999));
    }

    #[test]
    fn welcome10_takes_the_first_example_to_72_44() {
        let discount =
            Some(DiscountRule { label: "WELCOME10".into(), charge: Charge::PercentOfBase(100_000), max: None });
        let quote = price(&PriceInput { discount, ..essay(3) }).unwrap();
        assert_eq!(quote.lines.last().map(|l| l.amount), Some(Money(-805)));
        assert_eq!(quote.total, Money(7244));
    }

    #[test]
    fn discounts_are_capped_and_never_exceed_the_order() {
        let capped =
            Some(DiscountRule { label: "BIG".into(), charge: Charge::PercentOfBase(500_000), max: Some(1000) });
        assert_eq!(price(&PriceInput { discount: capped, ..essay(3) }).unwrap().total, Money(7049));
        let huge = Some(DiscountRule { label: "ALL".into(), charge: Charge::Fixed(1_000_000), max: None });
        assert_eq!(price(&PriceInput { discount: huge, ..essay(3) }).unwrap().total, Money(0));
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(round_div(5, 10), Some(1));
        assert_eq!(round_div(4, 10), Some(0));
        assert_eq!(round_div(-5, 10), Some(-1));
        assert_eq!(round_div(14_652 * 100_000, 100 * 10_000), Some(1465));
        assert_eq!(round_div(i128::MAX, 10), None);
    }

    #[test]
    fn the_tier_is_the_largest_not_above_the_time_left() {
        let now = Utc::now();
        assert_eq!(deadline_tier(&TIERS, now, now + Duration::hours(50)), Some(14_000));
        assert_eq!(deadline_tier(&TIERS, now, now + Duration::hours(7)), Some(20_000));
        assert_eq!(deadline_tier(&TIERS, now, now + Duration::hours(6)), Some(20_000));
        assert_eq!(deadline_tier(&TIERS, now, now + Duration::days(30)), Some(10_000));
        assert_eq!(deadline_tier(&TIERS, now, now + Duration::hours(3)), None);
        assert_eq!(deadline_tier(&TIERS, now, now - Duration::hours(1)), None);
    }

    #[test]
    fn the_writer_deadline_is_a_share_of_the_time() {
        let placed = Utc::now();
        assert_eq!(writer_deadline(placed, placed + Duration::hours(50), 800_000), placed + Duration::hours(40));
    }

    #[test]
    fn writer_pay_counts_effective_pages_and_slides() {
        assert_eq!(writer_compensation(3, RATE_ONE, 0, 700, 200), Some(Money(2100)));
        assert_eq!(writer_compensation(2, 20_000, 3, 500, 200), Some(Money(2600)));
        assert_eq!(writer_compensation(MAX_PAGES, MAX_MULTIPLIER, MAX_SLIDES, MAX_UNIT_PRICE, MAX_UNIT_PRICE), None);
    }

    fn arbitrary_input() -> impl Strategy<Value = PriceInput> {
        (
            1i32..200,
            0i32..100,
            prop::sample::select(vec![RATE_ONE, 15_000, 20_000]),
            1i64..30_000,
            1i64..30_000,
            prop::collection::vec((0i64..50_000, any::<bool>()), 0..4),
            proptest::option::of(0i64..2_000),
            proptest::option::of(0i64..500_000),
        )
            .prop_map(|(pages, slides, page_factor, level, deadline, extras, writer, preferred)| PriceInput {
                price_per_page: 1234,
                price_per_slide: 567,
                pages,
                slides,
                page_factor,
                level,
                work_type: 7_500,
                subject: 12_000,
                deadline,
                extras: extras
                    .into_iter()
                    .enumerate()
                    .map(|(i, (n, fixed))| Extra {
                        code: format!("x{i}"),
                        label: String::new(),
                        charge: if fixed { Charge::Fixed(n) } else { Charge::PercentOfBase(n * 10) },
                    })
                    .collect(),
                writer_level: writer.map(|w| (String::new(), w)),
                preferred_writer_percent: preferred,
                discount: None,
            })
    }

    /// The lines and total with no range checks, in plain i128 (which the accepted ranges
    /// cannot overflow: at most about 10³⁴): the oracle for refusals.
    fn unchecked(input: &PriceInput) -> (Vec<i128>, i128) {
        let round = |n: i128, d: i128| if n >= 0 { (n + d / 2) / d } else { (n - d / 2) / d };
        let pages = i128::from(input.pages) * i128::from(input.page_factor);
        let volume = pages * i128::from(input.price_per_page)
            + i128::from(input.slides) * i128::from(input.price_per_slide) * ONE;
        let rates = [input.level, input.work_type, input.subject, input.deadline];
        let base = round(rates.iter().fold(volume, |acc, r| acc * i128::from(*r)), ONE.pow(5));
        let mut lines = vec![base];
        for extra in &input.extras {
            lines.push(match extra.charge {
                Charge::Fixed(m) => i128::from(m),
                Charge::PercentOfBase(r) => round(base * i128::from(r), PERCENT),
            });
        }
        if let Some((_, per_page)) = &input.writer_level {
            lines.push(round(pages * i128::from(*per_page), ONE));
        }
        if let Some(r) = input.preferred_writer_percent {
            lines.push(round(base * i128::from(r), PERCENT));
        }
        let subtotal: i128 = lines.iter().sum();
        if let Some(rule) = &input.discount {
            let off = match rule.charge {
                Charge::Fixed(m) => i128::from(m),
                Charge::PercentOfBase(r) => round(subtotal * i128::from(r), PERCENT),
            };
            lines.push(-off.min(rule.max.map_or(i128::MAX, i128::from)).min(subtotal).max(0));
        }
        let total = lines.iter().sum::<i128>().max(0);
        (lines, total)
    }

    /// Inputs drawn from the whole accepted range of every setting and spec field, with the
    /// extremes weighted in.
    fn extreme_input() -> impl Strategy<Value = PriceInput> {
        let money = || prop_oneof![Just(0i64), Just(1), Just(MAX_UNIT_PRICE), 0..=MAX_UNIT_PRICE];
        let multiplier = || prop_oneof![Just(1i64), Just(MAX_MULTIPLIER), 1..=MAX_MULTIPLIER];
        let percent = || prop_oneof![Just(0i64), Just(MAX_PERCENT), 0..=MAX_PERCENT];
        let extra = (any::<bool>(), money(), percent())
            .prop_map(|(fixed, m, p)| if fixed { Charge::Fixed(m) } else { Charge::PercentOfBase(p) });
        let discount =
            proptest::option::of((any::<bool>(), money(), percent(), proptest::option::of(money())).prop_map(
                |(fixed, m, p, max)| DiscountRule {
                    label: String::new(),
                    charge: if fixed { Charge::Fixed(m) } else { Charge::PercentOfBase(p) },
                    max,
                },
            ));
        (
            (prop_oneof![Just(MAX_PAGES), 1..=MAX_PAGES], prop_oneof![Just(MAX_SLIDES), 0..=MAX_SLIDES]),
            (money().prop_filter("a page has a price", |m| *m > 0), money()),
            (
                prop_oneof![Just(RATE_ONE), RATE_ONE..=MAX_MULTIPLIER],
                multiplier(),
                multiplier(),
                multiplier(),
                multiplier(),
            ),
            prop::collection::vec(extra, 0..6),
            (proptest::option::of(money()), proptest::option::of(percent()), discount),
        )
            .prop_map(
                |(
                    (pages, slides),
                    (ppp, pps),
                    (factor, level, work, subject, deadline),
                    extras,
                    (writer, preferred, discount),
                )| {
                    PriceInput {
                        price_per_page: ppp,
                        price_per_slide: pps,
                        pages,
                        slides,
                        page_factor: factor,
                        level,
                        work_type: work,
                        subject,
                        deadline,
                        extras: extras
                            .into_iter()
                            .enumerate()
                            .map(|(i, charge)| Extra { code: format!("x{i}"), label: String::new(), charge })
                            .collect(),
                        writer_level: writer.map(|w| (String::new(), w)),
                        preferred_writer_percent: preferred,
                        discount,
                    }
                },
            )
    }

    #[test]
    fn the_most_expensive_accepted_order_is_refused_not_wrapped() {
        let input = PriceInput {
            price_per_page: MAX_UNIT_PRICE,
            price_per_slide: MAX_UNIT_PRICE,
            pages: MAX_PAGES,
            slides: MAX_SLIDES,
            page_factor: MAX_MULTIPLIER,
            level: MAX_MULTIPLIER,
            work_type: MAX_MULTIPLIER,
            subject: MAX_MULTIPLIER,
            deadline: MAX_MULTIPLIER,
            extras: vec![],
            writer_level: None,
            preferred_writer_percent: None,
            discount: None,
        };
        assert_eq!(price(&input), None);
        // i64-overflowing raw numbers (never accepted at input) are refused too, not wrapped
        assert_eq!(price(&PriceInput { price_per_page: i64::MAX, level: i64::MAX, ..input.clone() }), None);
    }

    proptest! {
        #[test]
        fn the_total_is_the_sum_of_the_lines_and_never_negative(input in arbitrary_input()) {
            let quote = price(&input).unwrap();
            prop_assert_eq!(quote.total.0, quote.lines.iter().map(|l| l.amount.0).sum::<i64>().max(0));
            prop_assert!(quote.total.0 >= 0);
            prop_assert!(quote.lines.iter().all(|l| l.amount.0 >= 0));
        }

        #[test]
        fn more_pages_never_cost_less(input in arbitrary_input(), more in 1i32..50) {
            let bigger = PriceInput { pages: input.pages + more, ..input.clone() };
            prop_assert!(price(&bigger).unwrap().total >= price(&input).unwrap().total);
        }

        /// Any settings and spec inside what the API accepts, up to every bound at once: the
        /// engine either prices it (the total is the sum of the lines and fits the column and
        /// the order range) or refuses it; it never panics, wraps or saturates.
        #[test]
        fn every_accepted_input_prices_within_range_or_is_refused(input in extreme_input()) {
            match price(&input) {
                Some(quote) => {
                    let sum: i128 = quote.lines.iter().map(|l| i128::from(l.amount.0)).sum();
                    prop_assert_eq!(i128::from(quote.total.0), sum.max(0));
                    prop_assert!((0..=MAX_ORDER_TOTAL).contains(&quote.total.0));
                    prop_assert!(quote.lines.iter().all(|l| l.amount.0.abs() <= MAX_ORDER_TOTAL));
                }
                None => {
                    // refused only when some line or the total really is out of range
                    let (lines, total) = unchecked(&input);
                    let max = i128::from(MAX_ORDER_TOTAL);
                    prop_assert!(total > max || lines.iter().any(|l| l.abs() > max), "refused {lines:?} = {total}");
                }
            }
        }
    }
}
