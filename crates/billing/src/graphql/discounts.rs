use async_graphql::{Context, ID, Object, Result};
use kernel::pagination::IdConnection;
use kernel::{ContextExt, Money, PageArgs, Rate, Role, RoleGuard, Timestamp, parse_id, write};
use serde::Serialize;

use crate::entity::discount;
use crate::service::discounts::{self, DiscountKind};

/// A discount code and how it has been used (admins).
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
    /// PERCENT codes: the percent of the order's other lines (`"10"` is 10 %).
    async fn percent(&self) -> Option<Rate> {
        (self.0.kind == DiscountKind::Percent).then_some(Rate(self.0.value))
    }
    /// FIXED codes: the amount off.
    async fn amount(&self) -> Option<Money> {
        (self.0.kind == DiscountKind::Fixed).then_some(Money(self.0.value))
    }
    async fn starts_at(&self) -> Option<Timestamp> {
        self.0.starts_at.map(Into::into)
    }
    async fn ends_at(&self) -> Option<Timestamp> {
        self.0.ends_at.map(Into::into)
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
    /// PERCENT codes: the percent (`"10"` is 10 %), more than 0 and at most 100.
    pub percent: Option<Rate>,
    /// FIXED codes: the amount off.
    pub amount: Option<Money>,
    pub starts_at: Option<Timestamp>,
    pub ends_at: Option<Timestamp>,
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
            percent: i.percent,
            amount: i.amount,
            starts_at: i.starts_at.map(Into::into),
            ends_at: i.ends_at.map(Into::into),
            max_uses: i.max_uses,
            max_uses_per_client: i.max_uses_per_client,
            first_order_only: i.first_order_only,
            min_order: i.min_order_total,
            max_discount: i.max_discount,
        }
    }
}

#[derive(Default)]
pub struct DiscountQuery;

#[Object]
impl DiscountQuery {
    /// The tenant's discount codes, newest first (admins).
    #[graphql(guard = "RoleGuard::new(&[Role::Admin, Role::Superadmin])")]
    async fn discounts(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<IdConnection<Discount>> {
        let request = ctx.request();
        let page = PageArgs::of_field(ctx, first, after)?;
        Ok(discounts::list(&request.db, request, page).await?.into_connection(|d| d.id, Discount))
    }
}

#[derive(Default)]
pub struct DiscountMutation;

#[Object]
impl DiscountMutation {
    #[graphql(guard = "RoleGuard::new(&[Role::Admin, Role::Superadmin])")]
    async fn create_discount(&self, ctx: &Context<'_>, input: DiscountInput) -> Result<Discount> {
        let request = ctx.request();
        Ok(Discount(write(request, async |txn| discounts::create(txn, request, input.into()).await).await?))
    }

    /// Replaces a code's settings; its use count stays.
    #[graphql(guard = "RoleGuard::new(&[Role::Admin, Role::Superadmin])")]
    async fn update_discount(&self, ctx: &Context<'_>, id: ID, input: DiscountInput) -> Result<Discount> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        Ok(Discount(write(request, async |txn| discounts::update(txn, request, id, input.into()).await).await?))
    }

    /// Retires a code: it stops working; its history stays.
    #[graphql(guard = "RoleGuard::new(&[Role::Admin, Role::Superadmin])")]
    async fn archive_discount(&self, ctx: &Context<'_>, id: ID) -> Result<Discount> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        Ok(Discount(write(request, async |txn| discounts::archive(txn, request, id).await).await?))
    }
}
