//! The gate: the one check every way of getting work passes (an admin's offer, a take from the
//! pool, an approved request, the preferred writer taking their order). It runs under a lock on
//! the writer held to the end of the transaction, so hand-overs to one writer are decided one
//! at a time, each counting what the last committed; the hand-over itself is the lifecycle's
//! conditional update, so one order goes to one writer.

use kernel::{AppError, AppResult, Reason, RequestContext};
use orders::service::page_increases::{Growth, GrowthDesk, WriterTerms};
use orders::service::pool::PoolOrder;
use orders::service::workload;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::entity::writer_blackout::{self, Entity as Blackouts};
use crate::entity::writer_level_rule::PayMode;
use crate::entity::writer_profile::WriterStatus;
use crate::service::capacity;
use crate::service::levels::{self, Rules};
use crate::service::profiles::{self, WriterRecord};

/// 100 % as a rate in ten-thousandths of a percent.
const PERCENT_100: i128 = 100 * kernel::RATE_ONE as i128;

/// Holds the writer's gate until the transaction ends.
pub async fn lock(conn: &impl ConnectionTrait, writer: &WriterRecord) -> AppResult<()> {
    kernel::db::lock_key(conn, &format!("writer_gate:{}", writer.id)).await?;
    Ok(())
}

/// The rules of the writer's level (the defaults without one).
pub async fn rules_of(conn: &impl ConnectionTrait, writer: &WriterRecord) -> AppResult<Rules> {
    Ok(match writer.level_id {
        Some(level) => {
            levels::of_tenant(conn, writer.tenant_id).await?.into_iter().find(|l| l.entry.id == level).map(|l| l.rules)
        }
        None => None,
    }
    .unwrap_or_default())
}

/// What the writer earns for `order` under `rules`: per page (and slide) at the order's own
/// rates, as placed, or their level's percent of its total less what was refunded.
pub fn pay(rules: &Rules, order: &PoolOrder) -> AppResult<i64> {
    match rules.pay_mode {
        PayMode::PerPage => Ok(order.compensation_minor),
        PayMode::Percent => {
            // of what the client keeps paid: a refunded fee is no one's to share
            let kept = (i128::from(order.total_minor) - i128::from(order.refunded_minor)).max(0);
            i64::try_from(kept * i128::from(rules.pay_percent_e4) / PERCENT_100)
                .map_err(|_| AppError::internal("a writer's pay out of range"))
        }
    }
}

/// What the workforce says when an order grows under its writer: their pay grows by their
/// level's rule (per page: at the order's own rates; percent: their percent of what the client
/// pays more), and their level's page limit bounds it.
pub struct LevelTerms;

#[async_trait::async_trait]
impl GrowthDesk for LevelTerms {
    async fn terms(
        &self,
        txn: &kernel::WriteTransaction,
        _request: &RequestContext,
        growth: &Growth,
    ) -> AppResult<WriterTerms> {
        let writer = profiles::find(txn, growth.tenant_id, growth.writer_id).await?;
        let rules = rules_of(txn, &writer).await?;
        let pay_minor = match rules.pay_mode {
            PayMode::PerPage => growth.pay_at_order_rates,
            PayMode::Percent => {
                i64::try_from(i128::from(growth.amount_minor.max(0)) * i128::from(rules.pay_percent_e4) / PERCENT_100)
                    .map_err(|_| AppError::internal("a writer's pay out of range"))?
            }
        };
        Ok(WriterTerms { pay_minor, max_pages: Some(rules.max_pages_per_order) })
    }
}

/// Whether the order is work the writer's level and subjects allow (what the pool shows them).
pub fn allows(writer: &WriterRecord, rules: &Rules, order: &PoolOrder) -> AppResult<()> {
    if order.pages > rules.max_pages_per_order {
        return Err(AppError::conflict(format!(
            "your level takes orders of at most {} pages",
            rules.max_pages_per_order
        ))
        .with_reason(Reason::LevelLimit));
    }
    if !writer.subject_ids.is_empty() && !writer.subject_ids.contains(&order.subject_id) {
        return Err(
            AppError::conflict("the order's subject is not one of yours").with_reason(Reason::SubjectNotAllowed)
        );
    }
    Ok(())
}

/// Admits `writer` to `order` now, or says why not (`CONFLICT` with a reason): the writer is
/// ACTIVE, in no blackout now or at the order's writer deadline, holds fewer orders than their
/// limit and took on fewer today than their daily limit, and the order is within their level
/// and subjects. Takes the writer's lock first; answers what they will earn for it.
pub async fn admit(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    writer: &WriterRecord,
    order: &PoolOrder,
) -> AppResult<i64> {
    lock(conn, writer).await?;
    let tenant = request.tenant()?;
    let now = request.now();
    if writer.status != WriterStatus::Active {
        return Err(AppError::conflict("the writer is not active: no new work").with_reason(Reason::WriterInactive));
    }
    let rules = rules_of(conn, writer).await?;
    allows(writer, &rules, order)?;
    let covering = |at| {
        Condition::all().add(writer_blackout::Column::StartsAt.lte(at)).add(writer_blackout::Column::EndsAt.gt(at))
    };
    let blacked_out = Blackouts::find()
        .filter(writer_blackout::Column::TenantId.eq(tenant.id))
        .filter(writer_blackout::Column::WriterId.eq(writer.id))
        .filter(Condition::any().add(covering(now)).add(covering(order.writer_deadline)))
        .count(conn)
        .await?;
    if blacked_out > 0 {
        return Err(AppError::conflict("a blackout covers now or the order's deadline").with_reason(Reason::Blackout));
    }
    let (active_limit, daily_limit) = capacity::limits(writer, &rules);
    let (day_start, _) = kernel::time::day_and_month_start(now, tenant.time_zone);
    let load =
        workload::writer_loads(conn, tenant.id, &[writer.id], day_start).await?.remove(&writer.id).unwrap_or_default();
    if load.active >= i64::from(active_limit) {
        return Err(AppError::conflict(format!("the writer holds {} orders, their limit", load.active))
            .with_reason(Reason::CapacityFull));
    }
    if load.taken_since >= i64::from(daily_limit) {
        return Err(AppError::conflict(format!("the writer took on {} orders today, their limit", load.taken_since))
            .with_reason(Reason::DailyLimit));
    }
    pay(&rules, order)
}
