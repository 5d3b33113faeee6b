//! Client wallets and writer earnings: balances, history, and admin adjustments.

use kernel::{AppError, AppResult, Money, RequestContext, Role};
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
/// zero. Audited.
pub async fn adjust(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    client: Uuid,
    amount: Money,
    direction: Direction,
    reason: &str,
) -> AppResult<account::Model> {
    let viewer = request.require_role(&[Role::Admin, Role::Superadmin])?;
    let tenant = request.tenant()?;
    let amount = check_amount("amount", amount)?;
    let reason = kernel::validate::text("reason", reason, 300)?;
    if !identity::service::users::has_role_in_tenant(conn, tenant.id, client, Role::Client).await? {
        return Err(AppError::not_found("client"));
    }
    let now = request.now();
    let wallet =
        ledger::account(conn, tenant.id, AccountKind::ClientWallet, Owner::User(client), &tenant.currency, now).await?;
    let other =
        ledger::account(conn, tenant.id, AccountKind::Adjustments, Owner::Platform, &tenant.currency, now).await?;
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
        after: Some(json!({ "balance": Money(wallet.balance_minor + signed).to_string(), "direction": direction, "amount": Money(amount).to_string(), "reason": reason })),
    })
    .await?;
    ledger::find_account(conn, tenant.id, AccountKind::ClientWallet, Owner::User(client))
        .await?
        .ok_or_else(|| AppError::internal("wallet vanished"))
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
    let wallet = ledger::account(conn, tenant, AccountKind::ClientWallet, Owner::User(client), currency, now).await?;
    let other = ledger::account(conn, tenant, AccountKind::Adjustments, Owner::Platform, currency, now).await?;
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
        },
        &[Leg { account: wallet.id, amount }, Leg { account: other.id, amount: -amount }],
    )
    .await?;
    Ok(true)
}
