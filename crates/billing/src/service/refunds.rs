//! Refunds: the record and its ledger entry. Whether an order may be refunded this much is the
//! orders context's rule (it guards the order row); this writes the money side. Other contexts
//! see refunds as [`RefundRecord`]s, never as rows.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use kernel::pagination::{Order, paginate};
use kernel::{AppError, AppResult, Money, PageArgs, Paged, RequestContext, Role, new_id};
use sea_orm::entity::prelude::*;
use sea_orm::{ConnectionTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};

use crate::entity::account::AccountKind;
use crate::entity::journal_entry::EntryKind;
use crate::entity::refund::{self, Entity as Refunds};
use crate::service::ledger::{self, Leg, NewEntry, Owner, Posted};
use crate::service::order_money::OrderMoney;

/// Where refunded money goes.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum, async_graphql::Enum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum RefundDestination {
    /// Into the client's wallet, at once (the `wallet` feature).
    #[sea_orm(string_value = "WALLET")]
    Wallet,
    /// Paid back outside the platform (the ledger records it as cash out).
    #[sea_orm(string_value = "EXTERNAL")]
    External,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum, async_graphql::Enum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum RefundStatus {
    /// Waiting on a payment provider.
    #[sea_orm(string_value = "PENDING")]
    Pending,
    #[sea_orm(string_value = "COMPLETED")]
    Completed,
    #[sea_orm(string_value = "FAILED")]
    Failed,
}

/// A refund, as every context sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundRecord {
    pub id: Uuid,
    pub order_id: Uuid,
    pub amount: Money,
    pub currency: String,
    pub destination: RefundDestination,
    pub reason: String,
    pub status: RefundStatus,
    pub created_at: DateTime<Utc>,
}

impl From<refund::Model> for RefundRecord {
    fn from(r: refund::Model) -> Self {
        Self {
            id: r.id,
            order_id: r.order_id,
            amount: Money(r.amount_minor),
            currency: r.currency,
            destination: r.destination,
            reason: r.reason,
            status: r.status,
            created_at: r.created_at,
        }
    }
}

/// Records a refund of `amount` for the order and moves the money: out of the refunds
/// (contra-revenue) account into the client's wallet, or out to the world. The entry's cause is
/// the refund, so it is posted once.
pub async fn record(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    of: &OrderMoney,
    amount: i64,
    destination: RefundDestination,
    reason: &str,
) -> AppResult<RefundRecord> {
    let now = request.now();
    let id = new_id();
    let refunds =
        ledger::open_account(conn, of.tenant, AccountKind::Refunds, Owner::Platform, &of.currency, now).await?;
    let to = match destination {
        RefundDestination::Wallet => {
            ledger::open_account(conn, of.tenant, AccountKind::ClientWallet, Owner::User(of.client), &of.currency, now)
                .await?
        }
        RefundDestination::External => {
            ledger::open_account(conn, of.tenant, AccountKind::PlatformCash, Owner::Platform, &of.currency, now).await?
        }
    };
    let actor = request.viewer.as_ref().map(|v| v.user_id);
    let posted = ledger::post(
        conn,
        NewEntry {
            tenant: of.tenant,
            kind: EntryKind::Refund,
            description: reason,
            order_id: Some(of.order),
            actor_id: actor,
            currency: &of.currency,
            at: now,
            cause: Some(format!("refund:{id}")),
        },
        &[Leg { account: refunds.id, amount: -amount }, Leg { account: to.id, amount }],
    )
    .await?;
    let Posted::Entry(entry) = posted else { return Err(AppError::internal("a new refund's entry existed")) };
    let model = refund::Model {
        id,
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
    Ok(model.into())
}

/// The refunds of each of `orders`, oldest first (one statement).
pub async fn for_orders(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    orders: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<RefundRecord>>> {
    let rows = Refunds::find()
        .filter(refund::Column::TenantId.eq(tenant))
        .filter(refund::Column::OrderId.is_in(kernel::db::in_list(orders)))
        .order_by_asc(refund::Column::Id)
        .all(conn)
        .await?;
    let mut by_order: HashMap<Uuid, Vec<RefundRecord>> = HashMap::new();
    for row in rows {
        by_order.entry(row.order_id).or_default().push(row.into());
    }
    Ok(by_order)
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
) -> AppResult<Paged<RefundRecord>> {
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
    Ok(paginate(conn, query, refund::Column::Id, Order::newest_first(), page).await?.map(RefundRecord::from))
}

/// How many refunds wait on a provider, and what was refunded in `[from, to)`.
pub async fn summary(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<(u64, Money)> {
    let pending = Refunds::find()
        .filter(refund::Column::TenantId.eq(tenant))
        .filter(refund::Column::Status.eq(RefundStatus::Pending))
        .count(conn)
        .await?;
    let refunded = ledger::flow(conn, tenant, AccountKind::Refunds, &[], from, to).await?;
    Ok((pending, Money(refunded.0.checked_neg().ok_or_else(|| AppError::internal("refund sum overflows"))?)))
}
