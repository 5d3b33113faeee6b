//! Refunds: the record and its ledger entry. Whether an order may be refunded this much is the
//! orders context's rule (it guards the order row); this writes the money side. Other contexts
//! see refunds as [`RefundRecord`]s, never as rows.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use kernel::pagination::{Order, paginate};
use kernel::{AppError, AppResult, Money, PageArgs, Paged, RequestContext, Role, new_id};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::Expr;
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
    /// A client's request waiting for an admin's decision (or a refund waiting on a provider).
    #[sea_orm(string_value = "PENDING")]
    Pending,
    #[sea_orm(string_value = "COMPLETED")]
    Completed,
    #[sea_orm(string_value = "FAILED")]
    Failed,
    /// A client's request an admin turned down (`decisionNote` says why).
    #[sea_orm(string_value = "REJECTED")]
    Rejected,
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
    /// A request's decision: when, and why (a rejection's reason).
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
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
            decided_at: r.decided_at,
            decision_note: r.decision_note,
        }
    }
}

/// Records a refund of `amount` for the order and moves the money: out of the refunds
/// (contra-revenue) account into the client's wallet, or out to the world. The entry's cause is
/// the refund, so it is posted once. `requested`: the client's pending request it grants (that
/// row becomes the refund, `CONFLICT` if it was decided meanwhile); else a new row.
pub async fn record(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    of: &OrderMoney,
    amount: i64,
    destination: RefundDestination,
    reason: &str,
    requested: Option<Uuid>,
) -> AppResult<RefundRecord> {
    let now = request.now();
    let id = requested.unwrap_or_else(new_id);
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
    if let Some(pending) = requested {
        // the request's row, still pending, becomes the refund
        let granted = Refunds::update_many()
            .col_expr(refund::Column::Status, Expr::value(RefundStatus::Completed))
            .col_expr(refund::Column::Destination, Expr::value(destination))
            .col_expr(refund::Column::EntryId, Expr::value(entry))
            .col_expr(refund::Column::DecidedBy, Expr::value(actor))
            .col_expr(refund::Column::DecidedAt, Expr::value(now))
            .filter(refund::Column::Id.eq(pending))
            .filter(refund::Column::TenantId.eq(of.tenant))
            .filter(refund::Column::OrderId.eq(of.order))
            .filter(refund::Column::AmountMinor.eq(amount))
            .filter(refund::Column::Status.eq(RefundStatus::Pending))
            .exec(conn)
            .await?;
        if granted.rows_affected == 0 {
            return Err(
                AppError::conflict("the refund request was decided meanwhile").with_reason(kernel::Reason::Stale)
            );
        }
        let row = Refunds::find_by_id(pending).one(conn).await?.ok_or_else(|| AppError::not_found("refund"))?;
        return Ok(row.into());
    }
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
        decided_by: None,
        decided_at: None,
        decision_note: None,
    };
    Refunds::insert(refund::ActiveModel::from(model.clone())).exec_without_returning(conn).await?;
    Ok(model.into())
}

/// A client asks for `amount` of the order back, saying why: a refund `PENDING` an admin's
/// decision (`CONFLICT` when the order has one pending already). Whether the order may be
/// refunded this much is the orders context's rule.
pub async fn request(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    of: &OrderMoney,
    amount: i64,
    reason: &str,
) -> AppResult<RefundRecord> {
    let now = request.now();
    let model = refund::Model {
        id: new_id(),
        tenant_id: of.tenant,
        order_id: of.order,
        amount_minor: amount,
        currency: of.currency.clone(),
        destination: RefundDestination::Wallet,
        reason: reason.to_owned(),
        status: RefundStatus::Pending,
        entry_id: None,
        created_by: request.viewer.as_ref().map(|v| v.user_id),
        created_at: now,
        decided_by: None,
        decided_at: None,
        decision_note: None,
    };
    Refunds::insert(refund::ActiveModel::from(model.clone()))
        .exec_without_returning(conn)
        .await
        .map_err(|e| AppError::from_db_unique(e, "orderId", "the order has a refund request waiting already"))?;
    Ok(model.into())
}

/// The tenant's refund `id` still pending a decision; `NOT_FOUND` otherwise (`CONFLICT` once
/// decided).
pub async fn pending(conn: &impl ConnectionTrait, tenant: Uuid, id: Uuid) -> AppResult<RefundRecord> {
    let row = Refunds::find_by_id(id)
        .filter(refund::Column::TenantId.eq(tenant))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::not_found("refund"))?;
    if row.status != RefundStatus::Pending {
        return Err(
            AppError::conflict("the refund request is decided already").with_reason(kernel::Reason::InvalidTransition)
        );
    }
    Ok(row.into())
}

/// An admin turns a pending request down, saying why (once: `CONFLICT` when decided meanwhile);
/// answers the request as decided.
pub async fn reject(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    tenant: Uuid,
    id: Uuid,
    note: &str,
) -> AppResult<RefundRecord> {
    let rejected = Refunds::update_many()
        .col_expr(refund::Column::Status, Expr::value(RefundStatus::Rejected))
        .col_expr(refund::Column::DecidedBy, Expr::value(request.viewer.as_ref().map(|v| v.user_id)))
        .col_expr(refund::Column::DecidedAt, Expr::value(request.now()))
        .col_expr(refund::Column::DecisionNote, Expr::value(note.to_owned()))
        .filter(refund::Column::Id.eq(id))
        .filter(refund::Column::TenantId.eq(tenant))
        .filter(refund::Column::Status.eq(RefundStatus::Pending))
        .exec(conn)
        .await?;
    if rejected.rows_affected == 0 {
        return Err(AppError::conflict("the refund request was decided meanwhile").with_reason(kernel::Reason::Stale));
    }
    let row = Refunds::find_by_id(id).one(conn).await?.ok_or_else(|| AppError::not_found("refund"))?;
    Ok(row.into())
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
/// How many refunds of the tenant wait for a decision or a provider (one statement).
pub async fn pending_count(conn: &impl ConnectionTrait, tenant: Uuid) -> AppResult<u64> {
    Ok(Refunds::find()
        .filter(refund::Column::TenantId.eq(tenant))
        .filter(refund::Column::Status.eq(RefundStatus::Pending))
        .count(conn)
        .await?)
}

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
