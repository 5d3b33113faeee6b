use async_graphql::{Context, ID, Object, Result, SimpleObject};
use kernel::{ContextExt, Money, Once, Timestamp, parse_id, write_once};
use uuid::Uuid;

use crate::entity::payment::{self, PaymentState};
use crate::service::topups;

/// A wallet top-up through the payment provider: pay at `checkoutUrl`; the wallet is credited
/// when the provider confirms.
#[derive(SimpleObject)]
pub struct TopUp {
    pub id: ID,
    pub amount: Money,
    pub currency: String,
    pub status: PaymentState,
    pub checkout_url: Option<String>,
    pub created_at: Timestamp,
    pub completed_at: Option<Timestamp>,
}

impl From<payment::Model> for TopUp {
    fn from(p: payment::Model) -> Self {
        Self {
            id: ID(p.id.to_string()),
            amount: Money(p.amount_minor),
            currency: p.currency,
            status: p.status,
            checkout_url: p.checkout_url,
            created_at: p.created_at.into(),
            completed_at: p.completed_at.map(Into::into),
        }
    }
}

#[derive(Default)]
pub struct TopUpQuery;

#[Object]
impl TopUpQuery {
    /// One of the viewer's top-ups (to follow its status after the checkout; the `wallet`
    /// feature).
    async fn top_up(&self, ctx: &Context<'_>, id: ID) -> Result<TopUp> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        Ok(topups::find_own(&request.db, request, id).await?.into())
    }
}

#[derive(Default)]
pub struct TopUpMutation;

#[Object]
impl TopUpMutation {
    /// Opens a top-up of the client's wallet through the payment provider (the `wallet`
    /// feature). Idempotent with `idempotencyKey`: a retry returns the same top-up and checkout.
    async fn top_up_wallet(&self, ctx: &Context<'_>, amount: Money, idempotency_key: Option<String>) -> Result<TopUp> {
        let request = ctx.request();
        let providers = ctx.data_opt::<topups::Providers>().cloned().unwrap_or_default();
        let id: Uuid =
            write_once(request, Once::new("topUpWallet", idempotency_key.as_deref(), &amount.0), async |txn| {
                Ok(topups::open(txn, request, &providers, amount).await?.id)
            })
            .await?;
        // the top-up is committed before the provider hears of it: a checkout is never opened
        // for a payment that could still roll back
        request.db.commit().await?;
        Ok(topups::start_checkout(&request.db, &providers, id).await?.into())
    }
}
