use async_graphql::{Context, Object, Result, SimpleObject};
use kernel::{ContextExt, Money, Role};

use crate::service::pricing::Quote;
use crate::service::spec::{self, OrderSpec};

#[derive(SimpleObject, Clone)]
pub struct QuoteLine {
    pub code: String,
    pub label: String,
    pub amount: Money,
}

/// A price: its lines, which sum to the total.
#[derive(SimpleObject)]
#[graphql(name = "Quote")]
pub struct QuoteView {
    pub total: Money,
    pub currency: String,
    pub lines: Vec<QuoteLine>,
}

impl QuoteView {
    pub fn new(quote: Quote, currency: &str) -> Self {
        Self {
            total: quote.total,
            currency: currency.to_owned(),
            lines: quote
                .lines
                .into_iter()
                .map(|l| QuoteLine { code: l.code, label: l.label, amount: l.amount })
                .collect(),
        }
    }
}

#[derive(Default)]
pub struct QuoteQuery;

#[Object]
impl QuoteQuery {
    /// Prices an order as it would be placed now, without placing it.
    async fn quote(&self, ctx: &Context<'_>, input: OrderSpec) -> Result<QuoteView> {
        let request = ctx.request();
        let tenant = request.tenant()?;
        let buyer = request.viewer.as_ref().filter(|v| v.role == Role::Client).map(|v| v.user_id);
        let priced = spec::price(&request.db, tenant, &input, buyer, request.now()).await?;
        Ok(QuoteView::new(priced.quote, &tenant.currency))
    }
}
