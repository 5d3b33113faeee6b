//! Billing's numbers for the admin dashboard. Days and months are the tenant's: they begin at
//! midnight in its time zone.

use chrono::{DateTime, Duration, Utc};
use kernel::time::day_and_month_start;
use kernel::{AppError, AppResult, Money, RequestContext, Role};
use sea_orm::{ConnectionTrait, Statement, Value};

use crate::entity::account::AccountKind;
use crate::entity::journal_entry::EntryKind;
use crate::service::{ledger, refunds};

/// Payments received for orders (from wallets, and recorded by staff).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Revenue {
    pub today: Money,
    pub this_month: Money,
}

pub async fn revenue(conn: &impl ConnectionTrait, request: &RequestContext) -> AppResult<Revenue> {
    request.require_role(&[Role::Admin, Role::Superadmin])?;
    let tenant = request.tenant()?;
    let now = request.now();
    let (day, month) = day_and_month_start(now, tenant.time_zone);
    let end = now + chrono::Duration::seconds(1);
    let paid = [EntryKind::OrderPayment, EntryKind::ManualPayment];
    Ok(Revenue {
        today: ledger::flow(conn, tenant.id, AccountKind::PlatformRevenue, &paid, day, end).await?,
        this_month: ledger::flow(conn, tenant.id, AccountKind::PlatformRevenue, &paid, month, end).await?,
    })
}

/// Refunds waiting (clients' requests to decide, or a payment provider), and what was refunded
/// this month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundTotals {
    pub pending_count: u64,
    pub refunded_this_month: Money,
}

pub async fn refund_totals(conn: &impl ConnectionTrait, request: &RequestContext) -> AppResult<RefundTotals> {
    request.require_role(&[Role::Admin, Role::Superadmin])?;
    let tenant = request.tenant()?;
    let now = request.now();
    let (_, month) = day_and_month_start(now, tenant.time_zone);
    let (pending_count, refunded_this_month) =
        refunds::summary(conn, tenant.id, month, now + chrono::Duration::seconds(1)).await?;
    Ok(RefundTotals { pending_count, refunded_this_month })
}

/// Payments received from each tenant's `from` (the start of its month, say) until now, for
/// many tenants in one statement; a tenant with none is left out.
pub async fn revenue_since(
    conn: &impl ConnectionTrait,
    starts: &[(uuid::Uuid, chrono::DateTime<chrono::Utc>)],
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<std::collections::HashMap<uuid::Uuid, Money>> {
    let paid = [EntryKind::OrderPayment, EntryKind::ManualPayment];
    ledger::flows(conn, starts, AccountKind::PlatformRevenue, &paid, now + chrono::Duration::seconds(1)).await
}

/// The most months of refund analytics.
pub const MAX_MONTHS: i64 = 12;

/// One month of refunds, in the tenant's months: refunds made (count and amount; a request counts
/// in the month it was approved) and requests turned down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundMonth {
    pub start: DateTime<Utc>,
    pub refunds: i64,
    pub refunded: Money,
    pub rejected: i64,
}

/// The last `months` months (this one the last), oldest first: one statement.
pub async fn refund_months(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    months: i64,
) -> AppResult<Vec<RefundMonth>> {
    request.require_role(&[Role::Admin, Role::Superadmin])?;
    if !(1..=MAX_MONTHS).contains(&months) {
        return Err(AppError::bad_input("months", format!("from 1 to {MAX_MONTHS} months")));
    }
    let tenant = request.tenant()?;
    let now = request.now();
    // each month's start, oldest first, and the end of the last (now)
    let mut starts = Vec::with_capacity(months as usize);
    let (_, mut month) = day_and_month_start(now, tenant.time_zone);
    for _ in 0..months {
        starts.push(month);
        month = day_and_month_start(month - Duration::hours(1), tenant.time_zone).1;
    }
    starts.reverse();
    let mut bounds = starts.clone();
    bounds.push(now + Duration::seconds(1));
    let postgres = conn.get_database_backend() == sea_orm::DbBackend::Postgres;
    let p = |n: usize| if postgres { format!("${n}") } else { format!("?{n}") };
    let at = "COALESCE(decided_at, created_at)";
    let mut columns = Vec::with_capacity(3 * starts.len());
    for i in 0..starts.len() {
        // bounds are parameters 2.. (the tenant is 1)
        let (from, to) = (p(i + 2), p(i + 3));
        let within = format!("{at} >= {from} AND {at} < {to}");
        columns.push(format!("SUM(CASE WHEN status = 'COMPLETED' AND {within} THEN 1 ELSE 0 END) AS n{i}"));
        columns.push(format!(
            "CAST(SUM(CASE WHEN status = 'COMPLETED' AND {within} THEN amount_minor ELSE 0 END) AS BIGINT) AS a{i}"
        ));
        columns.push(format!("SUM(CASE WHEN status = 'REJECTED' AND {within} THEN 1 ELSE 0 END) AS r{i}"));
    }
    let mut values: Vec<Value> = vec![tenant.id.into()];
    values.extend(bounds.iter().map(|b| Value::from(*b)));
    let sql = format!("SELECT {} FROM refunds WHERE tenant_id = {} AND {at} >= {}", columns.join(", "), p(1), p(2));
    let row = conn
        .query_one_raw(Statement::from_sql_and_values(conn.get_database_backend(), sql, values))
        .await?
        .ok_or_else(|| AppError::internal("an aggregate answered no row"))?;
    let cell = |name: String| -> AppResult<i64> { Ok(row.try_get::<Option<i64>>("", &name)?.unwrap_or(0)) };
    starts
        .iter()
        .enumerate()
        .map(|(i, start)| {
            Ok(RefundMonth {
                start: *start,
                refunds: cell(format!("n{i}"))?,
                refunded: Money(cell(format!("a{i}"))?),
                rejected: cell(format!("r{i}"))?,
            })
        })
        .collect()
}
