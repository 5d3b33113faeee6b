//! What a cancellation would give back, before the client confirms it (`CANCEL` applies the same
//! computation: `service::cancellation`).

use async_graphql::{Context, ID, Object, Result};
use billing::service::refunds::RefundDestination;
use kernel::{CLIENT_MONEY_READERS, ContextExt, Money, Rate, Role, RoleGuard, Timestamp, parse_id};

use crate::service::cancellation::{self, Quote};

const CLIENT_MONEY: RoleGuard = RoleGuard::new(CLIENT_MONEY_READERS);
const ADMINS: RoleGuard = RoleGuard::new(&[Role::Admin, Role::Superadmin]);

/// What cancelling the order now would do with what was paid: `refund` back to the client,
/// `forfeited` kept for the time the order has used. Nothing is forfeited before `forfeitFrom`
/// (half the time from placing to the deadline); from then on the share of that time used, at
/// most `maxForfeitPercent`. Later is never cheaper: a quote holds as a best case.
pub struct CancellationQuote(Quote, chrono::DateTime<chrono::Utc>);

#[Object]
impl CancellationQuote {
    /// Paid for the order and not yet refunded: what is divided.
    async fn paid(&self) -> Money {
        Money(self.0.paid_minor)
    }
    async fn refund(&self) -> Money {
        Money(self.0.split.refund_minor)
    }
    async fn forfeited(&self) -> Money {
        Money(self.0.split.forfeited_minor)
    }
    /// Of `forfeited`, what the writer who was working on the order is credited (admins).
    #[graphql(guard = "ADMINS")]
    async fn writer_share(&self) -> Option<Money> {
        Some(Money(self.0.writer_share_minor))
    }
    async fn forfeit_from(&self) -> Timestamp {
        self.0.forfeit_from.into()
    }
    async fn max_forfeit_percent(&self) -> Rate {
        Rate(self.0.max_forfeit_e4)
    }
    /// Where the refund goes: the wallet where the site has wallets, else back outside.
    async fn destination(&self) -> RefundDestination {
        self.0.destination
    }
    /// When this was computed.
    async fn at(&self) -> Timestamp {
        self.1.into()
    }
}

#[derive(Default)]
pub struct CancellationQuery;

#[Object]
impl CancellationQuery {
    /// What `performOrderAction(action: CANCEL)` would give back now (its client, support and
    /// admins). `CONFLICT` for an order that can no longer be cancelled.
    #[graphql(guard = "CLIENT_MONEY")]
    async fn cancellation_quote(&self, ctx: &Context<'_>, order_id: ID) -> Result<CancellationQuote> {
        let request = ctx.request();
        let id = parse_id("orderId", &order_id)?;
        let at = request.now();
        Ok(CancellationQuote(cancellation::quote(&request.db, request, id, at).await?, at))
    }
}
