//! What a cancellation gives back: the whole payment while less than half the time from placing
//! the order to its deadline has passed; from then on the share of that time already used is
//! forfeited, never more than the site's ceiling (80% unless the site sets another). One
//! function, so the quote a client reads before confirming and the cancellation that applies
//! it cannot differ. Amounts are minor units; what cannot be split exactly is the client's.

use billing::service::order_money;
use billing::service::refunds::RefundDestination;
use chrono::{DateTime, Utc};
use kernel::{AppError, AppResult, CLIENT_MONEY_READERS, Feature, Money, Reason, RequestContext};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use crate::entity::order::{self, Entity as Orders, OrderStatus};
use crate::entity::pricing_settings;
use crate::service::access::find_visible;

/// 100 %, as the site's percent settings count (×10 000).
const ALL_E4: i64 = 1_000_000;

/// How a paid amount divides when the order is cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split {
    /// Back to the client.
    pub refund_minor: i64,
    /// Kept: the time the order held its writer and the site.
    pub forfeited_minor: i64,
}

/// How `paid_minor` of an order placed at `placed`, due at `deadline`, divides if cancelled at
/// `at`, with at most `max_forfeit_e4` (a percent ×10 000, 0 to 1 000 000; outside, the nearest
/// bound) forfeited.
/// Nothing is forfeited before half the time has passed; from half on, the share used (all of
/// it once the deadline has passed), capped by the ceiling; rounded down, for the client. An
/// order due no later than it was placed counts as wholly used.
pub fn split(
    paid_minor: i64,
    placed: DateTime<Utc>,
    deadline: DateTime<Utc>,
    at: DateTime<Utc>,
    max_forfeit_e4: i64,
) -> Split {
    let paid = paid_minor.max(0);
    let total = (deadline - placed).num_seconds().max(1);
    let used = (at - placed).num_seconds().clamp(0, total);
    if used.saturating_mul(2) < total {
        return Split { refund_minor: paid, forfeited_minor: 0 };
    }
    let ceiling = i128::from(max_forfeit_e4.clamp(0, ALL_E4));
    // both in i128: a payment times seconds cannot overflow it
    let by_time = i128::from(paid) * i128::from(used) / i128::from(total);
    let capped = i128::from(paid) * ceiling / i128::from(ALL_E4);
    // at most `paid`, so it fits back
    let forfeited = i64::try_from(by_time.min(capped)).unwrap_or(paid).min(paid);
    Split { refund_minor: paid - forfeited, forfeited_minor: forfeited }
}

/// What cancelling an order now does with its money: the split of what is paid and not yet
/// refunded, the part of the forfeited share that goes to the writer who was working on it,
/// and where the refund goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quote {
    /// Paid and not yet refunded: what the split divides.
    pub paid_minor: i64,
    pub split: Split,
    /// Of `split.forfeited_minor`, the writer's (the rest stays with the site).
    pub writer_share_minor: i64,
    /// From when a cancellation forfeits anything: half the time from placing to the deadline.
    pub forfeit_from: DateTime<Utc>,
    pub max_forfeit_e4: i64,
    pub destination: RefundDestination,
}

/// The writer who was working on the order (an offer not yet accepted is no work).
fn working_writer(order: &order::Model) -> Option<Uuid> {
    use OrderStatus::*;
    let working = matches!(order.status, InProgress | UnderEditing | Submitted | RevisionRequested | InRevision)
        || (order.status == OnHold && order.status_before_hold != Some(PendingAcceptance));
    order.writer_id.filter(|_| working)
}

/// The quote for `order` cancelled at `at` under the site's `settings`: the one computation
/// behind both `cancellationQuote` and the cancellation itself.
pub fn quote_of(order: &order::Model, settings: &pricing_settings::Model, wallets: bool, at: DateTime<Utc>) -> Quote {
    let paid = order.paid_minor.saturating_sub(order.refunded_minor).max(0);
    let split = split(paid, order.placed_at, order.deadline, at, settings.max_forfeit_percent_e4);
    let share_e4 = i128::from(settings.writer_forfeit_share_e4.clamp(0, ALL_E4));
    let writer_share = match working_writer(order) {
        // at most what was forfeited, so it fits back
        Some(_) => i64::try_from(i128::from(split.forfeited_minor) * share_e4 / i128::from(ALL_E4)).unwrap_or(0),
        None => 0,
    };
    Quote {
        paid_minor: paid,
        split,
        writer_share_minor: writer_share.min(split.forfeited_minor),
        forfeit_from: order.placed_at + (order.deadline - order.placed_at) / 2,
        max_forfeit_e4: settings.max_forfeit_percent_e4,
        destination: if wallets { RefundDestination::Wallet } else { RefundDestination::External },
    }
}

/// Whether the order may still be cancelled by someone: not once delivered and approved (a
/// completed order, or one approved and reopened by a revision: its writer has been paid; it is
/// refunded instead), disputed (its dispute decides) or ended.
pub fn cancellable(order: &order::Model) -> bool {
    use OrderStatus::*;
    order.completed_at.is_none() && !matches!(order.status, Completed | Disputed | Cancelled | Archived)
}

fn not_cancellable(order: &order::Model) -> AppError {
    let why = match order.status {
        OrderStatus::Disputed => "the order is disputed: its dispute's decision settles its money".to_owned(),
        _ if order.completed_at.is_some() => {
            "the order was completed: ask for a refund or open a dispute instead".to_owned()
        }
        status => format!("an order that is {} cannot be cancelled", <&str>::from(status)),
    };
    AppError::conflict(why).with_reason(Reason::InvalidTransition)
}

/// What cancelling the order would do now, for its client, support and admins (`NOT_FOUND` for
/// an order the viewer does not see; `CONFLICT` for one that can no longer be cancelled).
pub async fn quote(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    at: DateTime<Utc>,
) -> AppResult<Quote> {
    request.require_role(CLIENT_MONEY_READERS)?;
    let order = find_visible(conn, request, id).await?;
    if !cancellable(&order) {
        return Err(not_cancellable(&order));
    }
    let settings = super::catalog::settings(conn, order.tenant_id).await?;
    Ok(quote_of(&order, &settings, request.tenant()?.features.is_on(Feature::Wallet), at))
}

/// Settles the money of `before`, just cancelled (`after`) in this transaction, at `at`: the
/// client gets the refund part back (to the wallet where the site has wallets), the forfeited
/// part stays as revenue, the working writer is credited their share of it, and the order
/// keeps the split (the ledger's check compares it). Each effect is once per order: the refund
/// is guarded by the order row, the share by its cause. `after` is the order as the move left
/// it, its row held by this transaction. The writer's share stays theirs: a later refund of the
/// order gives back only the site's part (`refunds::pay_back` guards it).
pub async fn settle(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    before: &order::Model,
    after: &order::Model,
    at: DateTime<Utc>,
) -> AppResult<Option<Quote>> {
    // the money as it is now that the cancellation holds the order's row (a refund committed
    // since `before` was read counts), the work as it was before
    let basis = order::Model {
        status: before.status,
        status_before_hold: before.status_before_hold,
        writer_id: before.writer_id,
        ..after.clone()
    };
    if basis.paid_minor <= basis.refunded_minor {
        return Ok(None);
    }
    let settings = super::catalog::settings(conn, before.tenant_id).await?;
    let quote = quote_of(&basis, &settings, request.tenant()?.features.is_on(Feature::Wallet), at);
    let Quote { split, writer_share_minor: share, destination, .. } = quote;
    let kept = Orders::update_many()
        .col_expr(order::Column::ForfeitedMinor, Expr::value(split.forfeited_minor))
        .col_expr(order::Column::WriterForfeitMinor, Expr::value(share))
        .filter(order::Column::Id.eq(before.id))
        .filter(order::Column::TenantId.eq(before.tenant_id))
        .filter(order::Column::ForfeitedMinor.eq(0))
        .filter(order::Column::WriterForfeitMinor.eq(0))
        .exec(conn)
        .await?;
    if kept.rows_affected == 0 {
        return Err(AppError::conflict("the order's cancellation was settled already").with_reason(Reason::Stale));
    }
    if split.refund_minor > 0 {
        let note = match split.forfeited_minor {
            0 => format!("{} paid back on cancellation", Money(split.refund_minor)),
            kept => format!(
                "{} paid back on cancellation, {} kept for the time used",
                Money(split.refund_minor),
                Money(kept)
            ),
        };
        super::refunds::give_back(conn, request, after, split.refund_minor, "the order was cancelled", note).await?;
    }
    if let Some(writer) = working_writer(before).filter(|_| share > 0) {
        order_money::credit_forfeit_share(conn, request, &super::refunds::money_of(before), writer, share).await?;
    }
    tenancy::service::audit::record(
        conn,
        request,
        tenancy::service::audit::Change {
            action: "order.cancellation_settled",
            target_type: "order",
            target_id: Some(before.id.to_string()),
            tenant_id: Some(before.tenant_id),
            before: Some(json!({ "paid": Money(quote.paid_minor).to_string() })),
            after: Some(json!({
                "refunded": Money(split.refund_minor).to_string(),
                "forfeited": Money(split.forfeited_minor).to_string(),
                "writerShare": Money(share).to_string(),
                "destination": destination,
            })),
        },
    )
    .await?;
    Ok(Some(quote))
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
        assert_eq!(split(10_000, p, due, at(0), 800_000), Split { refund_minor: 10_000, forfeited_minor: 0 });
        assert_eq!(split(10_000, p, due, at(49), 800_000).forfeited_minor, 0);
        assert_eq!(split(10_000, p, due, at(50), 800_000).forfeited_minor, 5_000);
        assert_eq!(split(10_000, p, due, at(75), 800_000).forfeited_minor, 7_500);
        assert_eq!(split(10_000, p, due, at(90), 800_000).forfeited_minor, 8_000, "the ceiling");
        assert_eq!(split(10_000, p, due, at(500), 800_000).forfeited_minor, 8_000, "past the deadline");
        assert_eq!(split(10_000, p, due, at(90), 600_000).forfeited_minor, 6_000, "the site's own ceiling");
        // rounded down for the client
        assert_eq!(split(999, p, due, at(75), 800_000).forfeited_minor, 749);
        // nothing paid, nothing to divide
        assert_eq!(split(0, p, due, at(90), 800_000), Split { refund_minor: 0, forfeited_minor: 0 });
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn it_sums_to_what_was_paid_and_stays_in_bounds(
            paid in 0i64..10_000_000_000,
            span in 1i64..(365 * 86_400),
            at in -86_400i64..(400 * 86_400),
            ceiling in -100_000i64..1_200_000,
        ) {
            let (p, due) = (placed(), placed() + Duration::seconds(span));
            let s = split(paid, p, due, p + Duration::seconds(at), ceiling);
            prop_assert_eq!(s.refund_minor + s.forfeited_minor, paid);
            prop_assert!(s.forfeited_minor >= 0 && s.refund_minor >= 0);
            prop_assert!(i128::from(s.forfeited_minor) * 1_000_000 <= i128::from(paid) * i128::from(ceiling.clamp(0, 1_000_000)));
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
            ceiling in 0i64..=1_000_000,
        ) {
            let (p, due) = (placed(), placed() + Duration::seconds(span));
            let earlier = split(paid, p, due, p + Duration::seconds(first), ceiling);
            let after = split(paid, p, due, p + Duration::seconds(first + later), ceiling);
            prop_assert!(after.forfeited_minor >= earlier.forfeited_minor);
            // and a higher ceiling never gives back more either
            let higher = split(paid, p, due, p + Duration::seconds(first), (ceiling + 100_000).min(1_000_000));
            prop_assert!(higher.forfeited_minor >= earlier.forfeited_minor);
        }
    }
}
