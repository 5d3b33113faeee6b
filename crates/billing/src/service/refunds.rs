//! Refunds: the record and its ledger entry. Whether an order may be refunded this much is
//! the orders context's rule (it guards the order row); this writes the money side.

use chrono::{DateTime, Utc};
use kernel::{AppResult, PageArgs, Paged, RequestContext, Role, new_id};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::entity::account::AccountKind;
use crate::entity::journal_entry::EntryKind;
use crate::entity::refund::{self, Entity as Refunds, RefundDestination, RefundStatus};
use crate::service::ledger::{self, Leg, NewEntry, Owner};

/// The order side of a refund, as the orders context hands it over.
pub struct RefundFor {
    pub tenant: Uuid,
    pub order: Uuid,
    pub client: Uuid,
    pub currency: String,
}

/// Records a refund of `amount` and moves the money: out of the refunds (contra-revenue)
/// account into the client's wallet, or out to the world.
pub async fn record(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    of: &RefundFor,
    amount: i64,
    destination: RefundDestination,
    reason: &str,
) -> AppResult<refund::Model> {
    let now = request.now();
    let refunds = ledger::account(conn, of.tenant, AccountKind::Refunds, Owner::Platform, &of.currency, now).await?;
    let to = match destination {
        RefundDestination::Wallet => {
            ledger::account(conn, of.tenant, AccountKind::ClientWallet, Owner::User(of.client), &of.currency, now)
                .await?
        }
        RefundDestination::External => {
            ledger::account(conn, of.tenant, AccountKind::PlatformCash, Owner::Platform, &of.currency, now).await?
        }
    };
    let actor = request.viewer.as_ref().map(|v| v.user_id);
    let entry = ledger::post(
        conn,
        NewEntry {
            tenant: of.tenant,
            kind: EntryKind::Refund,
            description: reason,
            order_id: Some(of.order),
            actor_id: actor,
            currency: &of.currency,
            at: now,
        },
        &[Leg { account: refunds.id, amount: -amount }, Leg { account: to.id, amount }],
    )
    .await?;
    let model = refund::Model {
        id: new_id(),
        tenant_id: of.tenant,
        order_id: of.order,
        amount_minor: amount,
        currency: of.currency.clone(),
        destination,
        reason: reason.to_owned(),
        status: RefundStatus::Completed,
        entry_id: Some(entry),
        created_by: actor,
        created_at: now,
    };
    Refunds::insert(refund::ActiveModel::from(model.clone())).exec_without_returning(conn).await?;
    Ok(model)
}

/// Gives the writer's earnings for the order back to revenue, if they were credited and not
/// reversed yet. Returns whether it reversed anything.
pub async fn reverse_earnings(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    of: &RefundFor,
    writer: Uuid,
) -> AppResult<bool> {
    let entries = ledger::entries_for_order(conn, of.tenant, of.order).await?;
    let credited = entries.iter().filter(|e| e.kind == EntryKind::WriterEarnings).count();
    let reversed = entries.iter().filter(|e| e.kind == EntryKind::EarningsReversal).count();
    if credited <= reversed {
        return Ok(false);
    }
    let earned =
        entries.iter().find(|e| e.kind == EntryKind::WriterEarnings).map(|e| e.id).into_iter().collect::<Vec<_>>();
    let amount = ledger::entry_amounts(conn, &earned).await?.values().map(|m| m.0).sum::<i64>();
    let now = request.now();
    let earnings =
        ledger::account(conn, of.tenant, AccountKind::WriterEarnings, Owner::User(writer), &of.currency, now).await?;
    let revenue =
        ledger::account(conn, of.tenant, AccountKind::PlatformRevenue, Owner::Platform, &of.currency, now).await?;
    ledger::post(
        conn,
        NewEntry {
            tenant: of.tenant,
            kind: EntryKind::EarningsReversal,
            description: "Earnings reversed: the order was fully refunded",
            order_id: Some(of.order),
            actor_id: request.viewer.as_ref().map(|v| v.user_id),
            currency: &of.currency,
            at: now,
        },
        &[Leg { account: earnings.id, amount: -amount }, Leg { account: revenue.id, amount }],
    )
    .await?;
    Ok(true)
}

pub async fn for_order(conn: &impl ConnectionTrait, tenant: Uuid, order: Uuid) -> AppResult<Vec<refund::Model>> {
    Ok(Refunds::find()
        .filter(refund::Column::TenantId.eq(tenant))
        .filter(refund::Column::OrderId.eq(order))
        .order_by_asc(refund::Column::Id)
        .all(conn)
        .await?)
}

#[derive(Debug, Clone, Default)]
pub struct RefundFilter {
    pub status: Option<RefundStatus>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// The tenant's refunds, newest first (admins).
pub async fn list(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    filter: RefundFilter,
    page: PageArgs,
    with_total: bool,
) -> AppResult<Paged<refund::Model>> {
    request.require_role(&[Role::Admin, Role::Superadmin])?;
    let mut query = Refunds::find().filter(refund::Column::TenantId.eq(request.tenant()?.id));
    if let Some(status) = filter.status {
        query = query.filter(refund::Column::Status.eq(status));
    }
    if let Some(from) = filter.from {
        query = query.filter(refund::Column::CreatedAt.gte(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(refund::Column::CreatedAt.lt(to));
    }
    let total = if with_total { query.clone().count(conn).await? } else { 0 };
    if let Some(after) = page.after {
        query = query.filter(refund::Column::Id.lt(after));
    }
    Ok(Paged::new(page, query.order_by_desc(refund::Column::Id).limit(page.fetch()).all(conn).await?, total))
}

/// How many refunds wait on a provider, and what was refunded in `[from, to)`.
pub async fn summary(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<(u64, kernel::Money)> {
    let pending = Refunds::find()
        .filter(refund::Column::TenantId.eq(tenant))
        .filter(refund::Column::Status.eq(RefundStatus::Pending))
        .count(conn)
        .await?;
    let refunded = ledger::flow(conn, tenant, AccountKind::Refunds, &[], from, to).await?;
    Ok((pending, kernel::Money(-refunded.0)))
}
