//! Thin resolvers over the billing services.

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use kernel::idempotency::{self, input_hash};
use kernel::pagination::IdConnection;
use kernel::{AppError, ContextExt, Money, PageArgs, Role, RoleGuard, parse_id};
use serde::Serialize;
use uuid::Uuid;

use crate::entity::account::{self, AccountKind};
use crate::entity::discount::{self, DiscountKind};
use crate::entity::journal_entry::{self, EntryKind};
use crate::entity::payment::{self, PaymentState};
use crate::entity::posting;
use crate::entity::refund::{self, RefundDestination, RefundStatus};
use crate::service::wallets::{self, Direction};
use crate::service::{discounts, integrity, ledger, refunds, topups};

/// A wallet (a client's money) or earnings (a writer's), with its history.
pub struct Wallet {
    account: Option<account::Model>,
    currency: String,
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
        let page = PageArgs::parse(first, after)?;
        let Some(account) = &self.account else {
            return Ok(
                kernel::Paged::new(page, Vec::new(), 0).into_connection(|_: &WalletTransaction| Uuid::nil(), |t| t)
            );
        };
        let with_total = ctx.look_ahead().field("totalCount").exists();
        let paged = ledger::history(&ctx.request().db, account.id, page, with_total).await?;
        Ok(paged.into_connection(|(p, _)| p.id, WalletTransaction::from))
    }
}

#[derive(SimpleObject)]
pub struct WalletTransaction {
    pub id: ID,
    pub at: DateTime<Utc>,
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
            at: p.created_at,
            kind: e.kind,
            amount: Money(p.amount_minor),
            balance_after: Money(p.balance_after_minor),
            description: e.description,
            order_id: e.order_id.map(|o| ID(o.to_string())),
        }
    }
}

/// Wallets are a tenant feature; a disabled one answers `FORBIDDEN` (`FEATURE_DISABLED`).
pub fn require_wallets(ctx: &Context<'_>) -> Result<(), AppError> {
    let enabled = ctx
        .data_opt::<tenancy::graphql::CurrentTenant>()
        .and_then(|c| c.0.as_ref())
        .is_none_or(|t| t.feature_toggles.wallet);
    if enabled {
        Ok(())
    } else {
        Err(AppError::forbidden("wallets are turned off on this site").with_reason("FEATURE_DISABLED"))
    }
}

async fn wallet_of(ctx: &Context<'_>, kind: AccountKind, user: Uuid) -> Result<Wallet> {
    let request = ctx.request();
    let tenant = request.tenant()?;
    let account = wallets::of(&request.db, tenant.id, kind, user).await?;
    Ok(Wallet { account, currency: tenant.currency.clone() })
}

/// Billing's part of `viewer`.
#[derive(Default)]
pub struct ViewerPart;

#[Object(name = "BillingViewerPart")]
impl ViewerPart {
    /// A client's wallet.
    async fn wallet(&self, ctx: &Context<'_>) -> Result<Wallet> {
        require_wallets(ctx)?;
        let viewer = ctx.request().require_role(&[Role::Client])?;
        wallet_of(ctx, AccountKind::ClientWallet, viewer.user_id).await
    }
    /// A writer's earnings.
    async fn earnings(&self, ctx: &Context<'_>) -> Result<Wallet> {
        let viewer = ctx.request().require_role(&[Role::Writer])?;
        wallet_of(ctx, AccountKind::WriterEarnings, viewer.user_id).await
    }
}

/// Billing's part of `clientDashboard`.
#[derive(Default)]
pub struct ClientDashboardPart;

#[Object(name = "BillingClientDashboardPart")]
impl ClientDashboardPart {
    async fn wallet(&self, ctx: &Context<'_>) -> Result<Wallet> {
        let viewer = ctx.request().require_role(&[Role::Client])?;
        wallet_of(ctx, AccountKind::ClientWallet, viewer.user_id).await
    }
}

/// Money given back for an order.
#[derive(SimpleObject)]
pub struct Refund {
    pub id: ID,
    pub order_id: ID,
    pub amount: Money,
    pub currency: String,
    pub destination: RefundDestination,
    pub reason: String,
    pub status: RefundStatus,
    pub created_at: DateTime<Utc>,
}

impl From<refund::Model> for Refund {
    fn from(r: refund::Model) -> Self {
        Self {
            id: ID(r.id.to_string()),
            order_id: ID(r.order_id.to_string()),
            amount: Money(r.amount_minor),
            currency: r.currency,
            destination: r.destination,
            reason: r.reason,
            status: r.status,
            created_at: r.created_at,
        }
    }
}

#[derive(async_graphql::InputObject, Default)]
pub struct RefundFilter {
    pub status: Option<RefundStatus>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// A discount code and how it has been used.
pub struct Discount(pub discount::Model);

#[Object]
impl Discount {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn code(&self) -> &str {
        &self.0.code
    }
    async fn kind(&self) -> DiscountKind {
        self.0.kind
    }
    /// A percent (`"10.00"` is 10 %) or an amount, by `kind`.
    async fn value(&self) -> Money {
        match self.0.kind {
            DiscountKind::Percent => Money(self.0.value / 100),
            DiscountKind::Fixed => Money(self.0.value),
        }
    }
    async fn starts_at(&self) -> Option<DateTime<Utc>> {
        self.0.starts_at
    }
    async fn ends_at(&self) -> Option<DateTime<Utc>> {
        self.0.ends_at
    }
    async fn max_uses(&self) -> Option<i32> {
        self.0.max_uses
    }
    async fn max_uses_per_client(&self) -> Option<i32> {
        self.0.max_uses_per_client
    }
    async fn first_order_only(&self) -> bool {
        self.0.first_order_only
    }
    async fn min_order_total(&self) -> Option<Money> {
        self.0.min_order_minor.map(Money)
    }
    async fn max_discount(&self) -> Option<Money> {
        self.0.max_discount_minor.map(Money)
    }
    async fn uses(&self) -> i32 {
        self.0.uses
    }
    async fn archived(&self) -> bool {
        self.0.archived
    }
}

#[derive(async_graphql::InputObject, Serialize)]
pub struct DiscountInput {
    /// 3-40 letters, digits, `_` or `-`; matched case-insensitively.
    pub code: String,
    pub kind: DiscountKind,
    /// PERCENT: the percent (`"10"`); FIXED: the amount off.
    pub value: Money,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub max_uses: Option<i32>,
    pub max_uses_per_client: Option<i32>,
    #[graphql(default)]
    pub first_order_only: bool,
    pub min_order_total: Option<Money>,
    pub max_discount: Option<Money>,
}

impl From<DiscountInput> for discounts::DiscountFields {
    fn from(i: DiscountInput) -> Self {
        Self {
            code: i.code,
            kind: i.kind,
            value: i.value,
            starts_at: i.starts_at,
            ends_at: i.ends_at,
            max_uses: i.max_uses,
            max_uses_per_client: i.max_uses_per_client,
            first_order_only: i.first_order_only,
            min_order: i.min_order_total,
            max_discount: i.max_discount,
        }
    }
}

/// A wallet top-up through the payment provider: pay at `checkoutUrl`; the wallet is credited
/// when the provider confirms.
#[derive(SimpleObject)]
pub struct TopUp {
    pub id: ID,
    pub amount: Money,
    pub currency: String,
    pub status: PaymentState,
    pub checkout_url: Option<String>,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

impl From<payment::Model> for TopUp {
    fn from(p: payment::Model) -> Self {
        Self {
            id: ID(p.id.to_string()),
            amount: Money(p.amount_minor),
            currency: p.currency,
            status: p.status,
            checkout_url: p.checkout_url,
            created_at: p.created_at,
            completed_at: p.completed_at,
        }
    }
}

/// Billing's part of `adminDashboard` (UTC days and months).
#[derive(Default)]
pub struct AdminDashboardPart;

#[derive(SimpleObject)]
pub struct RevenueSummary {
    /// Payments received for orders (wallet and recorded ones) today.
    pub today: Money,
    pub this_month: Money,
}

#[derive(SimpleObject)]
pub struct RefundSummary {
    /// Refunds waiting on a payment provider.
    pub pending_count: u64,
    pub refunded_this_month: Money,
}

fn day_and_month_start(now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    use chrono::{Datelike, TimeZone};
    let day = Utc.with_ymd_and_hms(now.year(), now.month(), now.day(), 0, 0, 0).single().unwrap_or(now);
    let month = Utc.with_ymd_and_hms(now.year(), now.month(), 1, 0, 0, 0).single().unwrap_or(now);
    (day, month)
}

#[Object(name = "BillingAdminDashboardPart")]
impl AdminDashboardPart {
    async fn revenue(&self, ctx: &Context<'_>) -> Result<RevenueSummary> {
        let request = ctx.request();
        request.require_role(&[Role::Admin, Role::Superadmin])?;
        let tenant = request.tenant()?.id;
        let now = request.now();
        let (day, month) = day_and_month_start(now);
        let end = now + chrono::Duration::seconds(1);
        let paid = [EntryKind::OrderPayment, EntryKind::ManualPayment];
        let today = ledger::flow(&request.db, tenant, AccountKind::PlatformRevenue, &paid, day, end).await?;
        let this_month = ledger::flow(&request.db, tenant, AccountKind::PlatformRevenue, &paid, month, end).await?;
        Ok(RevenueSummary { today, this_month })
    }

    async fn refunds(&self, ctx: &Context<'_>) -> Result<RefundSummary> {
        let request = ctx.request();
        request.require_role(&[Role::Admin, Role::Superadmin])?;
        let now = request.now();
        let (_, month) = day_and_month_start(now);
        let (pending_count, refunded_this_month) =
            refunds::summary(&request.db, request.tenant()?.id, month, now + chrono::Duration::seconds(1)).await?;
        Ok(RefundSummary { pending_count, refunded_this_month })
    }
}

#[derive(SimpleObject)]
pub struct LedgerIntegrity {
    /// Every entry sums to zero and every cached balance equals its postings.
    pub balanced: bool,
    pub accounts: u64,
    pub entries: u64,
    pub mismatches: Vec<String>,
}

#[derive(Default)]
pub struct BillingQuery;

#[Object]
impl BillingQuery {
    /// One of the viewer's top-ups (to follow its status after the checkout).
    async fn top_up(&self, ctx: &Context<'_>, id: ID) -> Result<TopUp> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        Ok(topups::find_own(&request.db, request, id).await?.into())
    }

    /// The tenant's discount codes, newest first (admins).
    #[graphql(guard = "RoleGuard::new(&[Role::Admin, Role::Superadmin])")]
    async fn discounts(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<IdConnection<Discount>> {
        let request = ctx.request();
        let page = PageArgs::parse(first, after)?;
        let with_total = ctx.look_ahead().field("totalCount").exists();
        Ok(discounts::list(&request.db, request, page, with_total).await?.into_connection(|d| d.id, Discount))
    }

    /// The tenant's refunds, newest first (admins).
    #[graphql(guard = "RoleGuard::new(&[Role::Admin, Role::Superadmin])")]
    async fn refunds(
        &self,
        ctx: &Context<'_>,
        filter: Option<RefundFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<IdConnection<Refund>> {
        let request = ctx.request();
        let page = PageArgs::parse(first, after)?;
        let filter = filter.unwrap_or_default();
        let with_total = ctx.look_ahead().field("totalCount").exists();
        let spec = refunds::RefundFilter { status: filter.status, from: filter.from, to: filter.to };
        let paged = refunds::list(&request.db, request, spec, page, with_total).await?;
        Ok(paged.into_connection(|r| r.id, Refund::from))
    }

    /// Checks the ledger: an admin's tenant, or for superadmins every tenant.
    #[graphql(guard = "RoleGuard::new(&[Role::Admin, Role::Superadmin])")]
    async fn ledger_integrity(&self, ctx: &Context<'_>) -> Result<LedgerIntegrity> {
        let request = ctx.request();
        let i = integrity::check(&request.db, request).await?;
        Ok(LedgerIntegrity { balanced: i.balanced, accounts: i.accounts, entries: i.entries, mismatches: i.mismatches })
    }
}

#[derive(Default)]
pub struct BillingMutation;

#[derive(Serialize)]
struct AdjustInput<'a> {
    user: &'a str,
    amount: i64,
    direction: Direction,
    reason: &'a str,
}

#[Object]
impl BillingMutation {
    /// Opens a top-up of the client's wallet through the payment provider. Idempotent with
    /// `idempotencyKey`: a retry returns the same top-up and checkout.
    async fn top_up_wallet(&self, ctx: &Context<'_>, amount: Money, idempotency_key: Option<String>) -> Result<TopUp> {
        require_wallets(ctx)?;
        let request = ctx.request();
        let providers = ctx.data_opt::<topups::Providers>().cloned().unwrap_or_default();
        let id: Uuid =
            idempotency::run(request, "topUpWallet", idempotency_key.as_deref(), input_hash(&amount.0), async |txn| {
                Ok(topups::open(txn, request, &providers, amount).await?.id)
            })
            .await?;
        Ok(topups::start_checkout(&request.db, &providers, id).await?.into())
    }

    #[graphql(guard = "RoleGuard::new(&[Role::Admin, Role::Superadmin])")]
    async fn create_discount(&self, ctx: &Context<'_>, input: DiscountInput) -> Result<Discount> {
        let request = ctx.request();
        let txn = kernel::db::begin_write(&request.db).await?;
        let created = discounts::create(&txn, request, input.into()).await?;
        txn.commit().await?;
        Ok(Discount(created))
    }

    /// Replaces a code's settings; its use count stays.
    #[graphql(guard = "RoleGuard::new(&[Role::Admin, Role::Superadmin])")]
    async fn update_discount(&self, ctx: &Context<'_>, id: ID, input: DiscountInput) -> Result<Discount> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        let txn = kernel::db::begin_write(&request.db).await?;
        let updated = discounts::update(&txn, request, id, input.into()).await?;
        txn.commit().await?;
        Ok(Discount(updated))
    }

    /// Retires a code: it stops working; its history stays.
    #[graphql(guard = "RoleGuard::new(&[Role::Admin, Role::Superadmin])")]
    async fn archive_discount(&self, ctx: &Context<'_>, id: ID) -> Result<Discount> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        let txn = kernel::db::begin_write(&request.db).await?;
        let archived = discounts::archive(&txn, request, id).await?;
        txn.commit().await?;
        Ok(Discount(archived))
    }

    /// Credits or debits a client's wallet (admins; audited). A debit never takes it below zero.
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
        let hash = input_hash(&AdjustInput { user: &user_id, amount: amount.0, direction, reason: &reason });
        let account: Uuid = idempotency::run(request, "adjustWallet", idempotency_key.as_deref(), hash, async |txn| {
            Ok(wallets::adjust(txn, request, user, amount, direction, &reason).await?.id)
        })
        .await?;
        let tenant = request.tenant()?;
        let wallet = wallets::of(&request.db, tenant.id, AccountKind::ClientWallet, user).await?;
        if wallet.as_ref().map(|w| w.id) != Some(account) {
            return Err(AppError::internal("adjusted wallet not found").into());
        }
        Ok(Wallet { account: wallet, currency: tenant.currency.clone() })
    }
}
