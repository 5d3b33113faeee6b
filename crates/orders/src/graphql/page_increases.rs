//! More pages or slides on an order (`service::page_increases`).

use async_graphql::{Context, ID, Object, Result};
use kernel::pagination::IdConnection;
use kernel::{
    CLIENT_MONEY_READERS, ContextExt, Money, PageArgs, RoleGuard, Timestamp, WRITER_PAY_READERS, parse_id, write,
};

use crate::entity::page_increase::{self, PageIncreaseStatus};
use crate::service::page_increases::{self, IncreaseQuote};

const CLIENT_MONEY: RoleGuard = RoleGuard::new(CLIENT_MONEY_READERS);
const WRITER_PAY: RoleGuard = RoleGuard::new(WRITER_PAY_READERS);

/// What adding pages or slides to the order would cost now, at the order's own rates (those it
/// was placed at).
pub struct PageIncreaseQuote(IncreaseQuote);

#[Object]
impl PageIncreaseQuote {
    /// The order's size after it.
    async fn pages(&self) -> i32 {
        self.0.pages
    }
    async fn slides(&self) -> i32 {
        self.0.slides
    }
    /// What the client pays for it.
    async fn amount(&self) -> Money {
        self.0.amount
    }
    /// The order's total after it.
    async fn total(&self) -> Money {
        self.0.total
    }
    /// Whether the order's writer accepts it before it can be paid.
    async fn writer_decides(&self) -> bool {
        self.0.writer_decides
    }
}

/// A request for more pages or slides on an order, and where it stands.
pub struct PageIncrease(page_increase::Model);

#[Object]
impl PageIncrease {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn order_id(&self) -> ID {
        ID(self.0.order_id.to_string())
    }
    /// The order's size when it was asked, and what it becomes.
    async fn pages(&self) -> i32 {
        self.0.pages
    }
    async fn slides(&self) -> i32 {
        self.0.slides
    }
    async fn new_pages(&self) -> i32 {
        self.0.new_pages
    }
    async fn new_slides(&self) -> i32 {
        self.0.new_slides
    }
    /// What the client pays for it (not shown to writers).
    #[graphql(guard = "CLIENT_MONEY")]
    async fn amount(&self) -> Option<Money> {
        Some(Money(self.0.amount_minor))
    }
    /// What the writer's pay grows by: by their level's rule once they accept (not shown to
    /// clients).
    #[graphql(guard = "WRITER_PAY")]
    async fn writer_pay(&self) -> Option<Money> {
        Some(Money(self.0.writer_pay_minor))
    }
    async fn status(&self) -> PageIncreaseStatus {
        self.0.status
    }
    async fn created_at(&self) -> Timestamp {
        self.0.created_at.into()
    }
    async fn decided_at(&self) -> Option<Timestamp> {
        self.0.decided_at.map(Into::into)
    }
    /// Why it was declined or withdrawn.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// When it was paid and the order grew.
    async fn applied_at(&self) -> Option<Timestamp> {
        self.0.applied_at.map(Into::into)
    }
}

#[derive(Default)]
pub struct PageIncreaseQuery;

#[Object]
impl PageIncreaseQuery {
    /// What adding `addPages` pages and `addSlides` slides to the order would cost now (its
    /// client, support and admins). `CONFLICT` for an order whose work is delivered or closed, or
    /// not paid yet.
    #[graphql(guard = "CLIENT_MONEY")]
    async fn page_increase_quote(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
        #[graphql(default)] add_pages: i32,
        #[graphql(default)] add_slides: i32,
    ) -> Result<PageIncreaseQuote> {
        let request = ctx.request();
        let id = parse_id("orderId", &order_id)?;
        Ok(PageIncreaseQuote(page_increases::quote(&request.db, request, id, add_pages, add_slides).await?))
    }

    /// The order's page increases, newest first (everyone who sees the order).
    async fn page_increases(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<IdConnection<PageIncrease>> {
        let request = ctx.request();
        let id = parse_id("orderId", &order_id)?;
        let page = PageArgs::of_field(ctx, first, after)?;
        let paged = page_increases::of_order(&request.db, request, id, page).await?;
        Ok(paged.into_connection(|i| i.id, PageIncrease))
    }
}

#[derive(Default)]
pub struct PageIncreaseMutation;

#[Object]
impl PageIncreaseMutation {
    /// The client asks for more pages or slides on their paid order whose work is not delivered
    /// yet (sites with wallets). Priced at the order's own rates (`pageIncreaseQuote`). With a
    /// writer on the order it waits for their answer; otherwise for payment, or, with
    /// `payFromWallet`, it is paid and the order grows at once. Until it is paid or withdrawn the
    /// work cannot be delivered. One increase is open an order at a time.
    async fn request_page_increase(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
        #[graphql(default)] add_pages: i32,
        #[graphql(default)] add_slides: i32,
        #[graphql(default)] pay_from_wallet: bool,
    ) -> Result<PageIncrease> {
        let request = ctx.request();
        let id = parse_id("orderId", &order_id)?;
        let asked = write(request, async |txn| {
            page_increases::request(txn, request, id, add_pages, add_slides, pay_from_wallet).await
        })
        .await?;
        Ok(PageIncrease(asked))
    }

    /// The order's writer accepts the increase (within their level's page limit); their pay grows
    /// by their level's rule once it is paid.
    async fn accept_page_increase(&self, ctx: &Context<'_>, id: ID) -> Result<PageIncrease> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        Ok(PageIncrease(write(request, async |txn| page_increases::accept(txn, request, id).await).await?))
    }

    /// The order's writer declines the increase, saying why (more than they can take on, say).
    async fn decline_page_increase(&self, ctx: &Context<'_>, id: ID, reason: String) -> Result<PageIncrease> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        Ok(PageIncrease(write(request, async |txn| page_increases::decline(txn, request, id, &reason).await).await?))
    }

    /// The client pays an accepted increase from the wallet; the order grows (size, total, the
    /// writer's pay).
    async fn pay_page_increase(&self, ctx: &Context<'_>, id: ID) -> Result<PageIncrease> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        Ok(PageIncrease(write(request, async |txn| page_increases::pay(txn, request, id).await).await?))
    }

    /// The client (or an admin) withdraws an open increase; the order stays as it is.
    async fn withdraw_page_increase(&self, ctx: &Context<'_>, id: ID, note: Option<String>) -> Result<PageIncrease> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        Ok(PageIncrease(write(request, async |txn| page_increases::withdraw(txn, request, id, note).await).await?))
    }
}
