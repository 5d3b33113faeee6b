//! Wallet top-ups through a payment provider: opened by the client, credited once when the
//! provider's signed webhook confirms the money arrived.

use kernel::Reason;
use std::sync::Arc;

use kernel::{AppError, AppResult, Feature, Money, RequestContext, Role, new_id};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::entity::account::AccountKind;
use crate::entity::journal_entry::EntryKind;
use crate::entity::payment::{self, Entity as Payments, PaymentState};
use crate::service::ledger::{self, Leg, NewEntry, Owner};
use crate::service::provider::{PaymentProvider, ProviderEvent};
use crate::service::wallets::check_amount;

/// The installation's payment provider, if one is configured.
#[derive(Clone, Default)]
pub struct Providers(pub Option<Arc<dyn PaymentProvider>>);

/// Records a pending top-up for the viewing client (in the caller's transaction).
pub async fn open(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    providers: &Providers,
    amount: Money,
) -> AppResult<payment::Model> {
    let viewer = request.require_role(&[Role::Client])?;
    request.require_feature(Feature::Wallet)?;
    let tenant = request.tenant()?;
    let amount = check_amount("amount", amount)?;
    let Some(provider) = &providers.0 else {
        return Err(AppError::forbidden("online top-ups are not set up on this installation")
            .with_reason(Reason::FeatureDisabled));
    };
    let model = payment::Model {
        id: new_id(),
        tenant_id: tenant.id,
        user_id: viewer.user_id,
        amount_minor: amount,
        currency: tenant.currency.clone(),
        provider: provider.name().to_owned(),
        provider_ref: None,
        checkout_url: None,
        status: PaymentState::Pending,
        entry_id: None,
        created_at: request.now(),
        completed_at: None,
    };
    Payments::insert(payment::ActiveModel::from(model.clone())).exec_without_returning(conn).await?;
    Ok(model)
}

/// Opens the provider's checkout for a pending top-up that has none yet (outside any
/// transaction: it is a network call) and stores it. A provider failure marks it FAILED.
pub async fn start_checkout(db: &impl ConnectionTrait, providers: &Providers, id: Uuid) -> AppResult<payment::Model> {
    let found = Payments::find_by_id(id).one(db).await?.ok_or_else(|| AppError::not_found("top-up"))?;
    let (Some(provider), None, PaymentState::Pending) = (&providers.0, &found.provider_ref, found.status) else {
        return Ok(found);
    };
    match provider.create_checkout(found.id, found.amount_minor, &found.currency, "Wallet top-up").await {
        Ok(checkout) => {
            Payments::update_many()
                .col_expr(payment::Column::ProviderRef, Expr::value(checkout.reference))
                .col_expr(payment::Column::CheckoutUrl, Expr::value(checkout.url))
                .filter(payment::Column::Id.eq(id))
                .filter(payment::Column::ProviderRef.is_null())
                .exec(db)
                .await?;
        }
        Err(err) => {
            Payments::update_many()
                .col_expr(payment::Column::Status, Expr::value(PaymentState::Failed))
                .filter(payment::Column::Id.eq(id))
                .exec(db)
                .await?;
            return Err(AppError::internal(format!("payment provider failed: {}", err.message)));
        }
    }
    Payments::find_by_id(id).one(db).await?.ok_or_else(|| AppError::not_found("top-up"))
}

pub async fn find_own(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid) -> AppResult<payment::Model> {
    let viewer = request.viewer()?;
    request.require_feature(Feature::Wallet)?;
    Payments::find_by_id(id)
        .filter(payment::Column::UserId.eq(viewer.user_id))
        .filter(payment::Column::TenantId.eq(request.tenant()?.id))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::not_found("top-up"))
}

/// Applies a verified provider event (in the caller's transaction). A paid checkout credits the
/// wallet exactly once: the PENDING → SUCCEEDED update is conditional, so a replayed webhook
/// changes nothing. Returns whether anything changed.
pub async fn apply_event(
    conn: &impl ConnectionTrait,
    provider: &str,
    event: ProviderEvent,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<bool> {
    let (reference, next) = match &event {
        ProviderEvent::Paid { reference, .. } => (reference, PaymentState::Succeeded),
        ProviderEvent::Expired { reference } => (reference, PaymentState::Failed),
        ProviderEvent::Other => return Ok(false),
    };
    let Some(found) = Payments::find()
        .filter(payment::Column::Provider.eq(provider))
        .filter(payment::Column::ProviderRef.eq(reference.as_str()))
        .one(conn)
        .await?
    else {
        return Ok(false);
    };
    if let ProviderEvent::Paid { amount, currency, .. } = &event
        && (*amount != found.amount_minor || *currency != found.currency)
    {
        return Err(AppError::bad_input("amount", "the provider reports another amount than was asked for")
            .with_reason(Reason::AmountMismatch));
    }
    let moved = Payments::update_many()
        .col_expr(payment::Column::Status, Expr::value(next))
        .col_expr(payment::Column::CompletedAt, Expr::value(now))
        .filter(payment::Column::Id.eq(found.id))
        .filter(payment::Column::Status.eq(PaymentState::Pending))
        .exec(conn)
        .await?;
    if moved.rows_affected == 0 || next != PaymentState::Succeeded {
        return Ok(moved.rows_affected > 0);
    }
    let wallet = ledger::open_account(
        conn,
        found.tenant_id,
        AccountKind::ClientWallet,
        Owner::User(found.user_id),
        &found.currency,
        now,
    )
    .await?;
    let cash =
        ledger::open_account(conn, found.tenant_id, AccountKind::PlatformCash, Owner::Platform, &found.currency, now)
            .await?;
    let posted = ledger::post(
        conn,
        NewEntry {
            tenant: found.tenant_id,
            kind: EntryKind::TopUp,
            description: "Wallet top-up",
            order_id: None,
            actor_id: Some(found.user_id),
            currency: &found.currency,
            at: now,
            cause: Some(format!("topup:{}", found.id)),
        },
        &[
            Leg { account: cash.id, amount: -found.amount_minor },
            Leg { account: wallet.id, amount: found.amount_minor },
        ],
    )
    .await?;
    let ledger::Posted::Entry(entry) = posted else { return Ok(false) };
    Payments::update_many()
        .col_expr(payment::Column::EntryId, Expr::value(entry))
        .filter(payment::Column::Id.eq(found.id))
        .exec(conn)
        .await?;
    let notice = notifications::Notice {
        tenant_id: found.tenant_id,
        kind: notifications::NotificationKind::WalletCredited,
        cause: format!("topup:{}", found.id),
        data: serde_json::json!({ "amount": kernel::Money(found.amount_minor).to_string(), "currency": found.currency }),
        recipient: identity::service::users::recipient(conn, found.user_id).await?,
    };
    notifications::notify(conn, notice, now).await?;
    Ok(true)
}
