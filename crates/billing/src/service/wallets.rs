//! Client wallets and writer earnings: balances, history, and admin adjustments.

use kernel::{AppError, AppResult, Feature, Money, RequestContext, Role};
use sea_orm::ConnectionTrait;
use serde_json::json;
use tenancy::service::audit::{self, Change};
use uuid::Uuid;

use crate::entity::account::{self, AccountKind};
use crate::entity::journal_entry::EntryKind;
use crate::service::ledger::{self, Leg, NewEntry, Owner};

/// The most a single movement may be: 1,000,000.00.
pub const MAX_AMOUNT: i64 = 100_000_000;

/// An amount a person typed for a movement: more than zero, at most 1,000,000.00.
pub fn check_amount(field: &str, amount: Money) -> AppResult<i64> {
    if amount.0 <= 0 {
        return Err(AppError::bad_input(field, "the amount must be more than zero"));
    }
    if amount.0 > MAX_AMOUNT {
        return Err(AppError::bad_input(field, "the amount may be at most 1,000,000.00"));
    }
    Ok(amount.0)
}

/// The viewing client's wallet, if money ever moved on it (clients; the `wallet` feature).
pub async fn own_wallet(conn: &impl ConnectionTrait, request: &RequestContext) -> AppResult<Option<account::Model>> {
    let viewer = request.require_role(&[Role::Client])?;
    request.require_feature(Feature::Wallet)?;
    of(conn, request.tenant()?.id, AccountKind::ClientWallet, viewer.user_id).await
}

/// The viewing writer's earnings, if any were ever credited (writers).
pub async fn own_earnings(conn: &impl ConnectionTrait, request: &RequestContext) -> AppResult<Option<account::Model>> {
    let viewer = request.require_role(&[Role::Writer])?;
    of(conn, request.tenant()?.id, AccountKind::WriterEarnings, viewer.user_id).await
}

/// The user's account of `kind` (a wallet or earnings), if money ever moved on it.
pub async fn of(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    kind: AccountKind,
    user: Uuid,
) -> AppResult<Option<account::Model>> {
    ledger::find_account(conn, tenant, kind, Owner::User(user)).await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum, serde::Serialize)]
pub enum Direction {
    Credit,
    Debit,
}

/// An admin credits or debits a client's wallet, with a reason; a debit never takes it below
/// zero (the `wallet` feature). Audited. Returns the wallet's id (what an idempotent replay
/// answers; [`adjusted`] reads the wallet back).
pub async fn adjust(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    client: Uuid,
    amount: Money,
    direction: Direction,
    reason: &str,
) -> AppResult<Uuid> {
    let viewer = request.require_role(&[Role::Admin, Role::Superadmin])?;
    request.require_feature(Feature::Wallet)?;
    let tenant = request.tenant()?;
    let amount = check_amount("amount", amount)?;
    let reason = kernel::validate::text("reason", reason, 300)?;
    if !identity::service::users::has_role_in_tenant(conn, tenant.id, client, Role::Client).await? {
        return Err(AppError::not_found("client"));
    }
    let now = request.now();
    let wallet =
        ledger::open_account(conn, tenant.id, AccountKind::ClientWallet, Owner::User(client), &tenant.currency, now)
            .await?;
    let other =
        ledger::open_account(conn, tenant.id, AccountKind::Adjustments, Owner::Platform, &tenant.currency, now).await?;
    let signed = match direction {
        Direction::Credit => amount,
        Direction::Debit => -amount,
    };
    ledger::post(
        conn,
        NewEntry {
            tenant: tenant.id,
            kind: EntryKind::Adjustment,
            description: &reason,
            order_id: None,
            actor_id: Some(viewer.user_id),
            currency: &tenant.currency,
            at: now,
            cause: None,
        },
        &[Leg { account: wallet.id, amount: signed }, Leg { account: other.id, amount: -signed }],
    )
    .await?;
    audit::record(conn, request, Change {
        action: "wallet.adjust",
        target_type: "user",
        target_id: Some(client.to_string()),
        tenant_id: None,
        before: Some(json!({ "balance": Money(wallet.balance_minor).to_string() })),
        after: Some(json!({ "balance": Money(wallet.balance_minor.saturating_add(signed)).to_string(), "direction": direction, "amount": Money(amount).to_string(), "reason": reason })),
    })
    .await?;
    Ok(wallet.id)
}

/// The client's wallet `account` after an adjustment (admins; `NOT_FOUND` unless it is that
/// client's wallet in this tenant).
pub async fn adjusted(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    client: Uuid,
    account: Uuid,
) -> AppResult<account::Model> {
    request.require_role(&[Role::Admin, Role::Superadmin])?;
    of(conn, request.tenant()?.id, AccountKind::ClientWallet, client)
        .await?
        .filter(|wallet| wallet.id == account)
        .ok_or_else(|| AppError::not_found("wallet"))
}

/// Credits a wallet from the platform (the demo seed's opening balances), unless the wallet
/// already exists. Returns whether it credited.
pub async fn open_with(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    currency: &str,
    client: Uuid,
    amount: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<bool> {
    if ledger::find_account(conn, tenant, AccountKind::ClientWallet, Owner::User(client)).await?.is_some() {
        return Ok(false);
    }
    let wallet =
        ledger::open_account(conn, tenant, AccountKind::ClientWallet, Owner::User(client), currency, now).await?;
    let other = ledger::open_account(conn, tenant, AccountKind::Adjustments, Owner::Platform, currency, now).await?;
    ledger::post(
        conn,
        NewEntry {
            tenant,
            kind: EntryKind::Adjustment,
            description: "Opening balance",
            order_id: None,
            actor_id: None,
            currency,
            at: now,
            cause: Some(format!("opening-balance:{}", wallet.id)),
        },
        &[Leg { account: wallet.id, amount }, Leg { account: other.id, amount: -amount }],
    )
    .await?;
    Ok(true)
}

/// A writer's earnings: what is credited now, and each change since `since` (when, how much:
/// credits on completion, tips and cancellation shares, reversals on refunds), oldest first;
/// payouts are not changes to what was earned, so they are left out. Two statements, whatever
/// the writer's history before `since`.
pub async fn earnings_since(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    writer: Uuid,
    since: chrono::DateTime<chrono::Utc>,
) -> AppResult<(i64, Vec<(chrono::DateTime<chrono::Utc>, i64)>)> {
    use crate::entity::journal_entry::{self, Entity as Entries, EntryKind};
    use crate::entity::posting::{self, Entity as Postings};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait};
    let Some(account) = of(conn, tenant, AccountKind::WriterEarnings, writer).await? else {
        return Ok((0, Vec::new()));
    };
    let payouts = Entries::find()
        .select_only()
        .column(journal_entry::Column::Id)
        .filter(journal_entry::Column::TenantId.eq(tenant))
        .filter(journal_entry::Column::Kind.is_in([EntryKind::Payout, EntryKind::PayoutReturned]))
        .into_query();
    let changes: Vec<(chrono::DateTime<chrono::Utc>, i64)> = Postings::find()
        .select_only()
        .column(posting::Column::CreatedAt)
        .column(posting::Column::AmountMinor)
        .filter(posting::Column::TenantId.eq(tenant))
        .filter(posting::Column::AccountId.eq(account.id))
        .filter(posting::Column::CreatedAt.gte(since))
        .filter(posting::Column::EntryId.not_in_subquery(payouts))
        .order_by_asc(posting::Column::CreatedAt)
        .into_tuple()
        .all(conn)
        .await?;
    Ok((account.balance_minor, changes))
}
