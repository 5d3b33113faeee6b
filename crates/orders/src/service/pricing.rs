//! The one pricing engine, used by quotes, drafts and orders (PRODUCT.md §3.3).
//!
//! `base = (effectivePages × pricePerPage + slides × pricePerSlide) × level × workType ×
//! subject × deadline`; then each extra (fixed, or percent of base), the writer level (amount
//! per effective page) and the preferred-writer fee (percent of base). Rates are integers in
//! ten-thousandths, all products are exact (i128), and each line is rounded once, to cents,
//! half away from zero. The total is the sum of the lines, never below zero.

use chrono::{DateTime, Duration, Utc};
use kernel::Money;

/// Rates are stored ×10 000: a multiplier of 1.25 is 12 500; a percent of 10 % is 100 000.
pub const RATE_ONE: i64 = 10_000;
const ONE: i128 = RATE_ONE as i128;
const PERCENT: i128 = 100 * ONE;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Charge {
    Fixed(i64),
    /// Percent of the base line, ×10 000.
    PercentOfBase(i64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extra {
    pub code: String,
    pub label: String,
    pub charge: Charge,
}

#[derive(Debug, Clone, PartialEq, Eq)]
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
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// `numerator / denominator` rounded half away from zero (`denominator > 0`).
pub fn round_div(numerator: i128, denominator: i128) -> i64 {
    let half = denominator / 2;
    let rounded = if numerator >= 0 { (numerator + half) / denominator } else { (numerator - half) / denominator };
    i64::try_from(rounded).unwrap_or(if rounded > 0 { i64::MAX } else { i64::MIN })
}

/// Effective pages ×10 000.
fn effective_pages(input: &PriceInput) -> i128 {
    i128::from(input.pages) * i128::from(input.page_factor)
}

pub fn price(input: &PriceInput) -> Quote {
    let pages = effective_pages(input);
    // (pages×10⁴ × ppp + slides × pps × 10⁴) is ×10⁴; four more rates make it ×10²⁰.
    let volume =
        pages * i128::from(input.price_per_page) + i128::from(input.slides) * i128::from(input.price_per_slide) * ONE;
    let numerator = volume
        * i128::from(input.level)
        * i128::from(input.work_type)
        * i128::from(input.subject)
        * i128::from(input.deadline);
    let base = round_div(numerator, ONE.pow(5));
    let mut lines = vec![Line { code: "base".into(), label: "Base price".into(), amount: Money(base) }];
    for extra in &input.extras {
        let amount = match extra.charge {
            Charge::Fixed(minor) => minor,
            Charge::PercentOfBase(rate) => round_div(i128::from(base) * i128::from(rate), PERCENT),
        };
        lines.push(Line { code: extra.code.clone(), label: extra.label.clone(), amount: Money(amount) });
    }
    if let Some((label, per_page)) = &input.writer_level {
        let amount = round_div(pages * i128::from(*per_page), ONE);
        lines.push(Line { code: "writer_level".into(), label: label.clone(), amount: Money(amount) });
    }
    if let Some(rate) = input.preferred_writer_percent {
        let amount = round_div(i128::from(base) * i128::from(rate), PERCENT);
        lines.push(Line { code: "preferred_writer".into(), label: "Preferred writer".into(), amount: Money(amount) });
    }
    if let Some(rule) = &input.discount {
        let subtotal = lines.iter().map(|l| l.amount.0).sum::<i64>();
        let off = match rule.charge {
            Charge::Fixed(minor) => minor,
            Charge::PercentOfBase(rate) => round_div(i128::from(subtotal) * i128::from(rate), PERCENT),
        };
        let off = off.min(rule.max.unwrap_or(i64::MAX)).min(subtotal).max(0);
        lines.push(Line { code: "discount".into(), label: rule.label.clone(), amount: Money(-off) });
    }
    let total = lines.iter().map(|l| l.amount.0).sum::<i64>().max(0);
    Quote { lines, total: Money(total) }
}

/// What the writer earns: effective pages × pay per page + slides × pay per slide.
pub fn writer_compensation(pages: i32, page_factor: i64, slides: i32, pay_per_page: i64, pay_per_slide: i64) -> Money {
    let per_pages = round_div(i128::from(pages) * i128::from(page_factor) * i128::from(pay_per_page), ONE);
    Money(per_pages + i64::from(slides) * pay_per_slide)
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
    placed + Duration::seconds(round_div(i128::from(span) * i128::from(percent), PERCENT))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TIERS: [(i32, i64); 8] = [
        (6, 20_000),
        (12, 18_000),
        (24, 16_000),
        (48, 14_000),
        (72, 13_000),
        (120, 11_500),
        (168, 11_000),
        (336, 10_000),
    ];

    fn essay(pages: i32) -> PriceInput {
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
        let quote = price(&essay(3));
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
        let quote = price(&input);
        let amounts: Vec<i64> = quote.lines.iter().map(|l| l.amount.0).collect();
        assert_eq!(amounts, vec![14_652, 1_465, 733]);
        assert_eq!(quote.total, Money(16_850));
    }

    #[test]
    fn the_first_example_at_ten_a_page_is_69_99() {
        let quote = price(&PriceInput { price_per_page: 1000, ..essay(3) });
        assert_eq!(quote.total, Money(6999));
    }

    #[test]
    fn welcome10_takes_the_first_example_to_72_44() {
        let discount =
            Some(DiscountRule { label: "WELCOME10".into(), charge: Charge::PercentOfBase(100_000), max: None });
        let quote = price(&PriceInput { discount, ..essay(3) });
        assert_eq!(quote.lines.last().map(|l| l.amount), Some(Money(-805)));
        assert_eq!(quote.total, Money(7244));
    }

    #[test]
    fn discounts_are_capped_and_never_exceed_the_order() {
        let capped =
            Some(DiscountRule { label: "BIG".into(), charge: Charge::PercentOfBase(500_000), max: Some(1000) });
        assert_eq!(price(&PriceInput { discount: capped, ..essay(3) }).total, Money(7049));
        let huge = Some(DiscountRule { label: "ALL".into(), charge: Charge::Fixed(1_000_000), max: None });
        assert_eq!(price(&PriceInput { discount: huge, ..essay(3) }).total, Money(0));
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(round_div(5, 10), 1);
        assert_eq!(round_div(4, 10), 0);
        assert_eq!(round_div(-5, 10), -1);
        assert_eq!(round_div(14_652 * 100_000, 100 * 10_000), 1465);
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
        assert_eq!(writer_compensation(3, RATE_ONE, 0, 700, 200), Money(2100));
        assert_eq!(writer_compensation(2, 20_000, 3, 500, 200), Money(2600));
    }

    fn arbitrary_input() -> impl Strategy<Value = PriceInput> {
        (
            1i32..500,
            0i32..100,
            prop::sample::select(vec![RATE_ONE, 15_000, 20_000]),
            1i64..200_000,
            1i64..200_000,
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

    proptest! {
        #[test]
        fn the_total_is_the_sum_of_the_lines_and_never_negative(input in arbitrary_input()) {
            let quote = price(&input);
            prop_assert_eq!(quote.total.0, quote.lines.iter().map(|l| l.amount.0).sum::<i64>().max(0));
            prop_assert!(quote.total.0 >= 0);
            prop_assert!(quote.lines.iter().all(|l| l.amount.0 >= 0));
        }

        #[test]
        fn more_pages_never_cost_less(input in arbitrary_input(), more in 1i32..50) {
            let bigger = PriceInput { pages: input.pages + more, ..input.clone() };
            prop_assert!(price(&bigger).total >= price(&input).total);
        }
    }
}
