use async_graphql::{Context, ID, Object, Result, SimpleObject};
use kernel::pagination::IdConnection;
use kernel::{ContextExt, Money, Once, PageArgs, Paged, Role, RoleGuard, Timestamp, parse_id, write_once};
use serde::Serialize;
use uuid::Uuid;

use crate::entity::account;
use crate::entity::journal_entry::{self, EntryKind};
use crate::entity::posting;
use crate::service::ledger;
use crate::service::wallets::{self, Direction};

/// A wallet (a client's money) or earnings (a writer's), with its history.
pub struct Wallet {
    account: Option<account::Model>,
    currency: String,
}

impl Wallet {
    fn of(account: Option<account::Model>, ctx: &Context<'_>) -> Result<Self> {
        Ok(Wallet { account, currency: ctx.request().tenant()?.currency.clone() })
    }
}

#[Object]
impl Wallet {
    async fn balance(&self) -> Money {
        Money(self.account.as_ref().map_or(0, |a| a.balance_minor))
    }
    async fn currency(&self) -> &str {
        &self.currency
    }
    /// Movements, newest first.
    async fn transactions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<IdConnection<WalletTransaction>> {
        let page = PageArgs::of_field(ctx, first, after)?;
        let paged = match &self.account {
            Some(account) => ledger::history(&ctx.request().db, account, page).await?,
            None => Paged::empty(page),
        };
        Ok(paged.into_connection(|(p, _)| p.id, WalletTransaction::from))
    }
}

#[derive(SimpleObject)]
pub struct WalletTransaction {
    pub id: ID,
    pub at: Timestamp,
    pub kind: EntryKind,
    /// Positive into the wallet, negative out of it.
    pub amount: Money,
    pub balance_after: Money,
    pub description: String,
    pub order_id: Option<ID>,
}

impl From<(posting::Model, journal_entry::Model)> for WalletTransaction {
    fn from((p, e): (posting::Model, journal_entry::Model)) -> Self {
        Self {
            id: ID(p.id.to_string()),
            at: p.created_at.into(),
            kind: e.kind,
            amount: Money(p.amount_minor),
            balance_after: Money(p.balance_after_minor),
            description: e.description,
            order_id: e.order_id.map(|o| ID(o.to_string())),
        }
    }
}

/// Billing's part of `viewer`. Each field is for one role and nullable, so asking for another
/// role's part answers `FORBIDDEN` for that field alone.
#[derive(Default)]
pub struct ViewerPart;

#[Object(name = "BillingViewerPart")]
impl ViewerPart {
    /// A client's wallet (the `wallet` feature).
    async fn wallet(&self, ctx: &Context<'_>) -> Result<Option<Wallet>> {
        let request = ctx.request();
        Ok(Some(Wallet::of(wallets::own_wallet(&request.db, request).await?, ctx)?))
    }
    /// A writer's earnings.
    async fn earnings(&self, ctx: &Context<'_>) -> Result<Option<Wallet>> {
        let request = ctx.request();
        Ok(Some(Wallet::of(wallets::own_earnings(&request.db, request).await?, ctx)?))
    }
    /// A writer's earnings as payouts see them: available, held, pending and paid out, and
    /// their payout requests.
    async fn payouts(&self, ctx: &Context<'_>) -> Result<Option<super::payouts::PayoutStanding>> {
        Ok(Some(super::payouts::standing(ctx).await?))
    }
}

/// Billing's part of `clientDashboard`.
#[derive(Default)]
pub struct ClientDashboardPart;

#[Object(name = "BillingClientDashboardPart")]
impl ClientDashboardPart {
    /// The client's wallet (the `wallet` feature).
    async fn wallet(&self, ctx: &Context<'_>) -> Result<Option<Wallet>> {
        let request = ctx.request();
        Ok(Some(Wallet::of(wallets::own_wallet(&request.db, request).await?, ctx)?))
    }
}

#[derive(Default)]
pub struct WalletMutation;

#[derive(Serialize)]
struct AdjustInput<'a> {
    user: &'a str,
    amount: i64,
    direction: Direction,
    reason: &'a str,
}

#[Object]
impl WalletMutation {
    /// Credits or debits a client's wallet (admins; audited; the `wallet` feature). A debit
    /// never takes it below zero. Idempotent with `idempotencyKey`.
    #[graphql(guard = "RoleGuard::new(&[Role::Admin, Role::Superadmin])")]
    async fn adjust_wallet(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        amount: Money,
        direction: Direction,
        reason: String,
        idempotency_key: Option<String>,
    ) -> Result<Wallet> {
        let request = ctx.request();
        let user = parse_id("userId", &user_id)?;
        let input = AdjustInput { user: &user_id, amount: amount.0, direction, reason: &reason };
        let account: Uuid =
            write_once(request, Once::new("adjustWallet", idempotency_key.as_deref(), &input), async |txn| {
                wallets::adjust(txn, request, user, amount, direction, &reason).await
            })
            .await?;
        Wallet::of(Some(wallets::adjusted(&request.db, request, user, account).await?), ctx)
    }
}
