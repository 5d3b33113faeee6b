//! Page and slide increases: the client asks for more of an order whose work is not delivered
//! yet. The difference is priced by the one pricing engine at the order's own rates, as they
//! were when it was placed (`order_prices`): the order priced at its new size less the order
//! priced at its size now, so increases in steps cost what one increase would. A writer who
//! holds the order accepts it (their pay grows by their level's rule, and their level's page
//! limit bounds it) or declines; then the client pays it from the wallet, and only then does the
//! order change: size, total, paid, the writer's pay, one more frozen line. An increase that
//! waits keeps the work from being delivered (`SUBMIT` is refused), so no one delivers more
//! than was paid for or less than was asked.
//!
//! At most one increase is open an order (a partial unique index); each step is a conditional
//! update of the increase, the order's change is guarded by the size it was priced against (and
//! the writer who agreed), and the payment is a ledger entry with its own cause, so nothing is
//! charged or applied twice.

use std::sync::{Arc, OnceLock};

use kernel::pagination::{Order, paginate};
use kernel::request_db::WriteTransaction;
use kernel::{AppError, AppResult, Feature, Money, PageArgs, Paged, Reason, RequestContext, Role, new_id, validate};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

use crate::entity::order::{self, Entity as Orders, OrderStatus, PaymentStatus};
use crate::entity::order_line::{self, Entity as OrderLines};
use crate::entity::order_price::{Entity as OrderPrices, FrozenPrice};
use crate::entity::page_increase::{self, Entity as Increases, PageIncreaseStatus};
use crate::service::access::find_visible;
use crate::service::lifecycle;
use crate::service::pricing::{self, PREFERRED_WRITER_LINE, Quote};

/// The statuses in which an order's work is still to be delivered, so it may grow (`ON_HOLD`
/// only when it was held before delivery).
const GROWING: [OrderStatus; 4] =
    [OrderStatus::Available, OrderStatus::PendingPreferred, OrderStatus::PendingAcceptance, OrderStatus::InProgress];

/// The statuses of an increase still open (at most one an order).
pub const OPEN: [PageIncreaseStatus; 2] = [PageIncreaseStatus::WaitingWriter, PageIncreaseStatus::AwaitingPayment];

/// What a change of size costs the client and pays the writer, at the order's own rates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeChange {
    /// The order's total at the new size less its total now.
    pub amount: i64,
    /// Of `amount`, the preferred writer's fee.
    pub preferred_fee: i64,
    /// The writer's pay at the order's own per-page and per-slide rates, new less now.
    pub pay_at_order_rates: i64,
}

/// The difference between the order priced by `frozen` at `to` (pages, slides) and at `from`;
/// without the preferred writer's fee when it no longer applies. `None` when a size is beyond
/// what one order may cost.
pub fn price_change(
    frozen: &FrozenPrice,
    from: (i32, i32),
    to: (i32, i32),
    with_preferred: bool,
) -> Option<SizeChange> {
    let at = |(pages, slides): (i32, i32)| {
        let mut input = frozen.input.clone();
        (input.pages, input.slides) = (pages, slides);
        if !with_preferred {
            input.preferred_writer_percent = None;
        }
        pricing::price(&input)
    };
    let fee = |q: &Quote| q.lines.iter().find(|l| l.code == PREFERRED_WRITER_LINE).map_or(0, |l| l.amount.0);
    let pay = |(pages, slides): (i32, i32)| {
        let input = &frozen.input;
        pricing::writer_compensation(pages, input.page_factor, slides, frozen.pay_per_page, frozen.pay_per_slide)
    };
    let (before, after) = (at(from)?, at(to)?);
    // more pages never cost less (the engine's property), so these are never below zero
    let amount = after.total.0.checked_sub(before.total.0)?.max(0);
    Some(SizeChange {
        amount,
        preferred_fee: fee(&after).checked_sub(fee(&before))?.clamp(0, amount),
        pay_at_order_rates: pay(to)?.0.checked_sub(pay(from)?.0)?.max(0),
    })
}

/// What the workforce says of a writer's part in an increase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriterTerms {
    /// What their pay grows by.
    pub pay_minor: i64,
    /// The most pages their level takes in one order.
    pub max_pages: Option<i32>,
}

/// An order growing under a writer, as the workforce is asked about it.
#[derive(Debug, Clone)]
pub struct Growth {
    pub tenant_id: Uuid,
    pub order_id: Uuid,
    pub writer_id: Uuid,
    pub new_pages: i32,
    /// What the client pays for it.
    pub amount_minor: i64,
    /// The writer's pay for it at the order's own rates.
    pub pay_at_order_rates: i64,
}

/// The seam to the workforce (`crates/writers`), which knows how a writer's level pays and how
/// many pages it takes; the gateway installs it. Without one (a tool that assembles no
/// workforce) a writer's pay grows at the order's own rates and no level limit applies.
#[async_trait::async_trait]
pub trait GrowthDesk: Send + Sync {
    async fn terms(&self, txn: &WriteTransaction, request: &RequestContext, growth: &Growth) -> AppResult<WriterTerms>;
}

static DESK: OnceLock<Arc<dyn GrowthDesk>> = OnceLock::new();

/// Installs the desk (once a process; later calls keep the first).
pub fn install(desk: Arc<dyn GrowthDesk>) {
    let _ = DESK.set(desk);
}

async fn terms_of(txn: &WriteTransaction, request: &RequestContext, growth: &Growth) -> AppResult<WriterTerms> {
    match DESK.get() {
        Some(desk) => desk.terms(txn, request, growth).await,
        None => Ok(WriterTerms { pay_minor: growth.pay_at_order_rates, max_pages: None }),
    }
}

/// Whether the order's work is still to be delivered and it is paid for.
fn may_grow(order: &order::Model) -> AppResult<()> {
    let pay_first = || {
        AppError::conflict("pay for the order first; then ask for more pages").with_reason(Reason::InvalidTransition)
    };
    // an order waiting for its payment is told so, not that it is closed
    if order.status == OrderStatus::Unpaid {
        return Err(pay_first());
    }
    let held_before_delivery =
        order.status == OrderStatus::OnHold && order.status_before_hold.is_some_and(|s| GROWING.contains(&s));
    if !GROWING.contains(&order.status) && !held_before_delivery {
        return Err(AppError::conflict(format!(
            "an order that is {} no longer grows: its work is delivered or closed",
            <&str>::from(order.status)
        ))
        .with_reason(Reason::InvalidTransition));
    }
    if order.payment_status == PaymentStatus::Unpaid {
        return Err(pay_first());
    }
    Ok(())
}

/// The SQL side of [`may_grow`], for the guarded updates.
fn growing() -> Condition {
    Condition::any().add(order::Column::Status.is_in(GROWING)).add(
        Condition::all()
            .add(order::Column::Status.eq(OrderStatus::OnHold))
            .add(order::Column::StatusBeforeHold.is_in(GROWING)),
    )
}

/// The order's size after adding `pages` and `slides`: each at least 0, one of them more, and
/// within the site's limits (`BAD_USER_INPUT` on `addPages` or `addSlides`).
fn new_size(request: &RequestContext, order: &order::Model, pages: i32, slides: i32) -> AppResult<(i32, i32)> {
    let limits = &request.tenant()?.features;
    if pages < 0 {
        return Err(AppError::bad_input("addPages", "addPages is 0 or more"));
    }
    if slides < 0 {
        return Err(AppError::bad_input("addSlides", "addSlides is 0 or more"));
    }
    if pages == 0 && slides == 0 {
        return Err(AppError::bad_input("addPages", "ask for at least one more page or slide"));
    }
    let new_pages = order.pages.checked_add(pages).filter(|p| *p <= limits.max_pages_per_order);
    let Some(new_pages) = new_pages else {
        return Err(AppError::bad_input(
            "addPages",
            format!("an order has at most {} pages; this one has {}", limits.max_pages_per_order, order.pages),
        ));
    };
    let new_slides = order.slides.checked_add(slides).filter(|s| *s <= limits.max_slides_per_order);
    let Some(new_slides) = new_slides else {
        return Err(AppError::bad_input(
            "addSlides",
            format!("an order has at most {} slides; this one has {}", limits.max_slides_per_order, order.slides),
        ));
    };
    Ok((new_pages, new_slides))
}

/// Whether the preferred writer's fee is part of the order's price still: it was not given back
/// (`preferred::refund_fee` clears it) and the order waits for them or they have it.
fn with_preferred(order: &order::Model) -> bool {
    order.preferred_writer_id.is_some()
        && order.preferred_fee_minor > 0
        && (order.status == OrderStatus::PendingPreferred || order.writer_id == order.preferred_writer_id)
}

/// The SQL side of [`with_preferred`], for the guarded update of an increase priced with the fee.
fn still_preferred() -> Condition {
    Condition::all().add(order::Column::PreferredFeeMinor.gt(0)).add(
        Condition::any().add(order::Column::Status.eq(OrderStatus::PendingPreferred)).add(
            sea_orm::sea_query::ExprTrait::equals(Expr::col(order::Column::WriterId), order::Column::PreferredWriterId),
        ),
    )
}

/// The refusal of a size whose price is beyond what one order may cost.
fn out_of_range() -> AppError {
    AppError::bad_input(
        "addPages",
        format!("the order would cost more than {}; ask for fewer pages or slides", Money(pricing::MAX_ORDER_TOTAL)),
    )
    .with_reason(Reason::PriceOutOfRange)
}

/// The order's size change to `to`, priced by what priced it.
async fn change_of(conn: &impl ConnectionTrait, order: &order::Model, to: (i32, i32)) -> AppResult<SizeChange> {
    let frozen = OrderPrices::find_by_id(order.id)
        .filter(crate::entity::order_price::Column::TenantId.eq(order.tenant_id))
        .one(conn)
        .await?
        .ok_or_else(|| {
            AppError::conflict("this order was placed before its prices were kept: it cannot grow; place another")
                .with_reason(Reason::PricingNotConfigured)
        })?
        .frozen;
    price_change(&frozen, (order.pages, order.slides), to, with_preferred(order)).ok_or_else(out_of_range)
}

/// What adding pages and slides to an order would cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncreaseQuote {
    pub pages: i32,
    pub slides: i32,
    pub amount: Money,
    /// The order's total after it.
    pub total: Money,
    /// Whether the order's writer has to accept it before it can be paid.
    pub writer_decides: bool,
}

/// What adding `pages` and `slides` to the order would cost now (its client, support, admins;
/// the `wallet` feature, which pays increases). `CONFLICT` for an order that can no longer grow.
pub async fn quote(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    pages: i32,
    slides: i32,
) -> AppResult<IncreaseQuote> {
    request.require_feature(Feature::Wallet)?;
    request.require_role(kernel::CLIENT_MONEY_READERS)?;
    let order = find_visible(conn, request, id).await?;
    may_grow(&order)?;
    let (new_pages, new_slides) = new_size(request, &order, pages, slides)?;
    let change = change_of(conn, &order, (new_pages, new_slides)).await?;
    Ok(IncreaseQuote {
        pages: new_pages,
        slides: new_slides,
        amount: Money(change.amount),
        total: Money(order.total_minor.checked_add(change.amount).ok_or_else(out_of_range)?),
        writer_decides: order.writer_id.is_some(),
    })
}

/// Locks the order's row to the end of the transaction if it is still as `order` was (status and
/// size): increases and submissions of one order are decided one at a time.
async fn lock_unchanged(conn: &impl ConnectionTrait, order: &order::Model) -> AppResult<()> {
    let locked = Orders::update_many()
        .col_expr(order::Column::UpdatedAt, Expr::col(order::Column::UpdatedAt))
        .filter(order::Column::Id.eq(order.id))
        .filter(order::Column::TenantId.eq(order.tenant_id))
        .filter(order::Column::Status.eq(order.status))
        .filter(order::Column::Pages.eq(order.pages))
        .filter(order::Column::Slides.eq(order.slides))
        .exec(conn)
        .await?;
    if locked.rows_affected == 0 {
        return Err(AppError::conflict("the order changed meanwhile; reload it").with_reason(Reason::Stale));
    }
    Ok(())
}

/// "2 more pages", "1 more slide", "2 more pages and 1 more slide".
fn size_note(pages: i32, slides: i32) -> String {
    let more = |n: i32, what: &str| format!("{n} more {what}{}", if n == 1 { "" } else { "s" });
    match (pages, slides) {
        (p, 0) => more(p, "page"),
        (0, s) => more(s, "slide"),
        (p, s) => format!("{} and {}", more(p, "page"), more(s, "slide")),
    }
}

/// The client asks for `pages` more pages and `slides` more slides on their order (paid from the
/// wallet: the `wallet` feature). Priced now at the order's own rates. With a writer on the
/// order it waits for their answer; without one it waits for payment, or is paid and applied at
/// once when `pay_now`. `CONFLICT` for work delivered or closed, an unpaid order, or another
/// increase open (`DUPLICATE`); nothing is written on any refusal.
pub async fn request(
    txn: &WriteTransaction,
    request: &RequestContext,
    id: Uuid,
    pages: i32,
    slides: i32,
    pay_now: bool,
) -> AppResult<page_increase::Model> {
    request.require_feature(Feature::Wallet)?;
    let viewer = request.require_role(&[Role::Client])?;
    let order = find_visible(txn, request, id).await?;
    may_grow(&order)?;
    let (new_pages, new_slides) = new_size(request, &order, pages, slides)?;
    let change = change_of(txn, &order, (new_pages, new_slides)).await?;
    lock_unchanged(txn, &order).await?;
    let now = request.now();
    let (status, writer_pay) = match order.writer_id {
        Some(writer) => {
            let growth = growth(&order, writer, new_pages, &change);
            (PageIncreaseStatus::WaitingWriter, terms_of(txn, request, &growth).await?.pay_minor)
        }
        None => (PageIncreaseStatus::AwaitingPayment, change.pay_at_order_rates),
    };
    let row = page_increase::Model {
        id: new_id(),
        tenant_id: order.tenant_id,
        order_id: order.id,
        requested_by: viewer.user_id,
        pages: order.pages,
        slides: order.slides,
        new_pages,
        new_slides,
        amount_minor: change.amount,
        preferred_fee_minor: change.preferred_fee,
        writer_pay_minor: writer_pay,
        status,
        writer_id: None,
        created_at: now,
        decided_by: None,
        decided_at: None,
        note: None,
        applied_at: None,
    };
    let inserted = Increases::insert(page_increase::ActiveModel::from(row.clone()))
        .on_conflict(OnConflict::new().do_nothing().to_owned())
        .exec_without_returning(txn)
        .await?;
    if inserted == 0 {
        return Err(AppError::conflict("an increase of this order is open already: pay, or withdraw it first")
            .with_reason(Reason::Duplicate));
    }
    let note = format!("{} asked", size_note(pages, slides));
    lifecycle::record(txn, request, &order, "PAGE_INCREASE_REQUESTED", None, None, Some(note)).await?;
    if pay_now && status == PageIncreaseStatus::AwaitingPayment {
        return apply(txn, request, &row, &order, change.pay_at_order_rates).await;
    }
    Ok(row)
}

fn growth(order: &order::Model, writer: Uuid, new_pages: i32, change: &SizeChange) -> Growth {
    Growth {
        tenant_id: order.tenant_id,
        order_id: order.id,
        writer_id: writer,
        new_pages,
        amount_minor: change.amount,
        pay_at_order_rates: change.pay_at_order_rates,
    }
}

/// The tenant's increase `id` and its order, if the viewer sees the order (`NOT_FOUND` else).
async fn find(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
) -> AppResult<(page_increase::Model, order::Model)> {
    let increase = Increases::find_by_id(id)
        .filter(page_increase::Column::TenantId.eq(request.tenant()?.id))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::not_found("page increase"))?;
    let order = find_visible(conn, request, increase.order_id).await?;
    Ok((increase, order))
}

/// Moves the increase from `from` to `to` with what else is set, if it is still in `from`
/// (`CONFLICT` else: it was decided meanwhile).
async fn step(
    conn: &impl ConnectionTrait,
    increase: &page_increase::Model,
    from: &[PageIncreaseStatus],
    to: PageIncreaseStatus,
    sets: Vec<(page_increase::Column, sea_orm::sea_query::SimpleExpr)>,
) -> AppResult<()> {
    let mut update = Increases::update_many()
        .col_expr(page_increase::Column::Status, Expr::value(to))
        .filter(page_increase::Column::Id.eq(increase.id))
        .filter(page_increase::Column::TenantId.eq(increase.tenant_id))
        .filter(page_increase::Column::Status.is_in(from.iter().copied()));
    for (column, value) in sets {
        update = update.col_expr(column, value);
    }
    if update.exec(conn).await?.rows_affected == 0 {
        return Err(AppError::conflict("the increase was answered, paid or closed already")
            .with_reason(Reason::InvalidTransition));
    }
    Ok(())
}

/// Whether the order's writer `writer` still has to answer `increase`: it waits for a writer, or
/// another writer had accepted it before the order changed hands.
fn waits_for(increase: &page_increase::Model, writer: Uuid) -> bool {
    match increase.status {
        PageIncreaseStatus::WaitingWriter => true,
        PageIncreaseStatus::AwaitingPayment => increase.writer_id != Some(writer),
        _ => false,
    }
}

fn the_writer(request: &RequestContext, order: &order::Model) -> AppResult<Uuid> {
    let viewer = request.require_role(&[Role::Writer])?;
    match order.writer_id {
        Some(writer) if writer == viewer.user_id => Ok(writer),
        _ => Err(AppError::forbidden("only the order's writer answers an increase")),
    }
}

/// The order's writer accepts the increase: their pay will grow by their level's rule, within
/// their level's page limit (`CONFLICT LEVEL_LIMIT` beyond it: decline it instead). It then
/// waits for the client's payment.
pub async fn accept(txn: &WriteTransaction, request: &RequestContext, id: Uuid) -> AppResult<page_increase::Model> {
    let (increase, order) = find(txn, request, id).await?;
    let writer = the_writer(request, &order)?;
    if !waits_for(&increase, writer) {
        return Err(
            AppError::conflict("the increase does not wait for your answer").with_reason(Reason::InvalidTransition)
        );
    }
    may_grow(&order)?;
    let change = SizeChange {
        amount: increase.amount_minor,
        preferred_fee: increase.preferred_fee_minor,
        pay_at_order_rates: change_of(txn, &order, (increase.new_pages, increase.new_slides)).await?.pay_at_order_rates,
    };
    let terms = terms_of(txn, request, &growth(&order, writer, increase.new_pages, &change)).await?;
    if let Some(max) = terms.max_pages.filter(|max| increase.new_pages > *max) {
        return Err(AppError::conflict(format!(
            "your level takes orders of at most {max} pages; decline the increase instead"
        ))
        .with_reason(Reason::LevelLimit));
    }
    let now = request.now();
    step(
        txn,
        &increase,
        &[increase.status],
        PageIncreaseStatus::AwaitingPayment,
        vec![
            (page_increase::Column::WriterId, Expr::value(writer)),
            (page_increase::Column::WriterPayMinor, Expr::value(terms.pay_minor)),
            (page_increase::Column::DecidedBy, Expr::value(writer)),
            (page_increase::Column::DecidedAt, Expr::value(now)),
        ],
    )
    .await?;
    let note = format!("{} accepted by the writer", size_note(increase.added_pages(), increase.added_slides()));
    lifecycle::record(txn, request, &order, "PAGE_INCREASE_ACCEPTED", None, None, Some(note)).await?;
    reload(txn, increase.id).await
}

/// The order's writer declines the increase, saying why; the order stays as it is. One they
/// accepted may be declined until the client pays it: the work is held for it meanwhile, and the
/// writer is not kept waiting on a payment that does not come.
pub async fn decline(
    txn: &WriteTransaction,
    request: &RequestContext,
    id: Uuid,
    reason: &str,
) -> AppResult<page_increase::Model> {
    let reason = validate::text("reason", reason, 1000)?;
    let (increase, order) = find(txn, request, id).await?;
    the_writer(request, &order)?;
    close(txn, request, &increase, &order, PageIncreaseStatus::Declined, reason, "PAGE_INCREASE_DECLINED").await
}

/// The client (or an admin) withdraws an open increase; the order stays as it is.
pub async fn withdraw(
    txn: &WriteTransaction,
    request: &RequestContext,
    id: Uuid,
    note: Option<String>,
) -> AppResult<page_increase::Model> {
    let note = validate::optional_text("note", note.as_deref(), 1000)?;
    let viewer = request.require_role(&[Role::Client, Role::Admin, Role::Superadmin])?;
    let (increase, order) = find(txn, request, id).await?;
    if viewer.role == Role::Client && viewer.user_id != order.client_id {
        return Err(AppError::not_found("page increase"));
    }
    let note = note.unwrap_or_else(|| "withdrawn".to_owned());
    close(txn, request, &increase, &order, PageIncreaseStatus::Withdrawn, note, "PAGE_INCREASE_WITHDRAWN").await
}

async fn close(
    txn: &WriteTransaction,
    request: &RequestContext,
    increase: &page_increase::Model,
    order: &order::Model,
    to: PageIncreaseStatus,
    note: String,
    event: &str,
) -> AppResult<page_increase::Model> {
    step(
        txn,
        increase,
        &OPEN,
        to,
        vec![
            (page_increase::Column::DecidedBy, Expr::value(request.viewer()?.user_id)),
            (page_increase::Column::DecidedAt, Expr::value(request.now())),
            (page_increase::Column::Note, Expr::value(note.clone())),
        ],
    )
    .await?;
    lifecycle::record(txn, request, order, event, None, None, Some(note)).await?;
    reload(txn, increase.id).await
}

/// The client pays the increase from the wallet (the `wallet` feature) and the order grows.
/// `BAD_USER_INPUT INSUFFICIENT_FUNDS` when the wallet holds less; `CONFLICT` while the order's
/// writer has not accepted it. Nothing is written on any refusal.
pub async fn pay(txn: &WriteTransaction, request: &RequestContext, id: Uuid) -> AppResult<page_increase::Model> {
    request.require_feature(Feature::Wallet)?;
    let viewer = request.require_role(&[Role::Client])?;
    let (increase, order) = find(txn, request, id).await?;
    if viewer.user_id != order.client_id {
        return Err(AppError::not_found("page increase"));
    }
    if let Some(writer) = order.writer_id
        && waits_for(&increase, writer)
    {
        return Err(AppError::conflict("the order's writer has not accepted the increase yet")
            .with_reason(Reason::InvalidTransition));
    }
    let at_rates = change_of(txn, &order, (increase.new_pages, increase.new_slides)).await?.pay_at_order_rates;
    apply(txn, request, &increase, &order, at_rates).await
}

/// Takes the payment and grows the order (`at_rates`: the writer's pay for it at the order's own
/// rates), as one: the increase is paid once (its conditional
/// update and the ledger's cause), and the order only if it still has the size the increase was
/// priced at and the writer who accepted it.
async fn apply(
    txn: &WriteTransaction,
    request: &RequestContext,
    increase: &page_increase::Model,
    order: &order::Model,
    at_rates: i64,
) -> AppResult<page_increase::Model> {
    may_grow(order)?;
    let now = request.now();
    // a writer who left before it was paid takes no pay for it: the order's own rates apply to
    // whoever takes the order next
    let add = |column: order::Column, amount: i64| sea_orm::sea_query::ExprTrait::add(Expr::col(column), amount);
    let (writer_pay, compensation) = match order.writer_id {
        // no one has the order: its pay is its own rates', for whoever takes it next
        None => (at_rates, add(order::Column::RatePayMinor, at_rates)),
        // the writer who accepted it (`pay` checked it is theirs still), by their level's rule
        Some(_) => (increase.writer_pay_minor, add(order::Column::WriterCompensationMinor, increase.writer_pay_minor)),
    };
    let writer = match order.writer_id {
        Some(writer) => order::Column::WriterId.eq(writer),
        None => order::Column::WriterId.is_null(),
    };
    let grown = Orders::update_many()
        .col_expr(order::Column::Pages, Expr::value(increase.new_pages))
        .col_expr(order::Column::Slides, Expr::value(increase.new_slides))
        .col_expr(order::Column::TotalMinor, add(order::Column::TotalMinor, increase.amount_minor))
        .col_expr(order::Column::PaidMinor, add(order::Column::PaidMinor, increase.amount_minor))
        .col_expr(order::Column::PreferredFeeMinor, add(order::Column::PreferredFeeMinor, increase.preferred_fee_minor))
        .col_expr(order::Column::RatePayMinor, add(order::Column::RatePayMinor, at_rates))
        .col_expr(order::Column::WriterCompensationMinor, compensation)
        .col_expr(order::Column::UpdatedAt, Expr::value(now))
        .filter(order::Column::Id.eq(order.id))
        .filter(order::Column::TenantId.eq(order.tenant_id))
        .filter(order::Column::Pages.eq(increase.pages))
        .filter(order::Column::Slides.eq(increase.slides))
        .filter(order::Column::PaymentStatus.ne(PaymentStatus::Unpaid))
        .filter(growing())
        .filter(writer)
        .filter(if increase.preferred_fee_minor > 0 { still_preferred() } else { Condition::all() })
        .exec(txn)
        .await?;
    if grown.rows_affected == 0 {
        return Err(AppError::conflict("the order changed since the increase was asked; withdraw it and ask again")
            .with_reason(Reason::Stale));
    }
    // the order's row is held from here (a cancellation at the same moment waits, or came first),
    // and the increase is taken after it, in the order a cancellation takes them
    step(
        txn,
        increase,
        &OPEN,
        PageIncreaseStatus::Applied,
        vec![
            (page_increase::Column::AppliedAt, Expr::value(now)),
            (page_increase::Column::WriterPayMinor, Expr::value(writer_pay)),
        ],
    )
    .await?;
    if increase.amount_minor > 0 {
        let of = super::refunds::money_of(order);
        billing::service::order_money::charge_increase_from_wallet(
            txn,
            request,
            &of,
            increase.id,
            increase.amount_minor,
        )
        .await?;
    }
    let position = OrderLines::find()
        .filter(order_line::Column::TenantId.eq(order.tenant_id))
        .filter(order_line::Column::OrderId.eq(order.id))
        .count(txn)
        .await?;
    OrderLines::insert(order_line::ActiveModel {
        id: Set(new_id()),
        tenant_id: Set(order.tenant_id),
        order_id: Set(order.id),
        position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
        code: Set("page_increase".into()),
        label: Set(size_note(increase.added_pages(), increase.added_slides())),
        amount_minor: Set(increase.amount_minor),
    })
    .exec_without_returning(txn)
    .await?;
    let note = format!("now {} pages and {} slides", increase.new_pages, increase.new_slides);
    lifecycle::record(txn, request, order, "PAGE_INCREASE_APPLIED", None, None, Some(note)).await?;
    reload(txn, increase.id).await
}

async fn reload(conn: &impl ConnectionTrait, id: Uuid) -> AppResult<page_increase::Model> {
    Increases::find_by_id(id).one(conn).await?.ok_or_else(|| AppError::not_found("page increase"))
}

/// Whether an increase of the order is open: its work cannot be delivered meanwhile (the caller
/// holds the order's row).
pub(crate) async fn blocks_delivery(conn: &impl ConnectionTrait, order: &order::Model) -> AppResult<()> {
    let open = Increases::find()
        .filter(page_increase::Column::TenantId.eq(order.tenant_id))
        .filter(page_increase::Column::OrderId.eq(order.id))
        .filter(page_increase::Column::Status.is_in(OPEN))
        .one(conn)
        .await?;
    match open {
        Some(open) if open.status == PageIncreaseStatus::AwaitingPayment => Err(AppError::conflict(
            "an increase of this order waits for the client's payment: the work is delivered once it is paid or withdrawn",
        )
        .with_reason(Reason::InvalidTransition)),
        Some(_) => Err(AppError::conflict("answer the order's page increase before delivering the work")
            .with_reason(Reason::InvalidTransition)),
        None => Ok(()),
    }
}

/// Closes the order's open increase, if any, as the order is cancelled.
pub(crate) async fn cancelled(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    order: &order::Model,
) -> AppResult<()> {
    Increases::update_many()
        .col_expr(page_increase::Column::Status, Expr::value(PageIncreaseStatus::Withdrawn))
        .col_expr(page_increase::Column::DecidedBy, Expr::value(request.viewer.as_ref().map(|v| v.user_id)))
        .col_expr(page_increase::Column::DecidedAt, Expr::value(request.now()))
        .col_expr(page_increase::Column::Note, Expr::value("the order was cancelled"))
        .filter(page_increase::Column::TenantId.eq(order.tenant_id))
        .filter(page_increase::Column::OrderId.eq(order.id))
        .filter(page_increase::Column::Status.is_in(OPEN))
        .exec(conn)
        .await?;
    Ok(())
}

/// The order's increases, newest first (everyone who sees the order).
pub async fn of_order(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    page: PageArgs,
) -> AppResult<Paged<page_increase::Model>> {
    let order = find_visible(conn, request, id).await?;
    let query = Increases::find()
        .filter(page_increase::Column::TenantId.eq(order.tenant_id))
        .filter(page_increase::Column::OrderId.eq(order.id));
    paginate(conn, query, page_increase::Column::Id, Order::newest_first(), page).await
}

impl page_increase::Model {
    pub fn added_pages(&self) -> i32 {
        self.new_pages - self.pages
    }
    pub fn added_slides(&self) -> i32 {
        self.new_slides - self.slides
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::service::pricing::{Charge, DiscountRule, RATE_ONE};

    /// The README's first worked example (3 pages: 80.49), the writer paid 7.00 a page and 2.00
    /// a slide.
    fn essay() -> FrozenPrice {
        FrozenPrice { input: pricing::tests::essay(3), pay_per_page: 700, pay_per_slide: 200 }
    }

    #[test]
    fn two_more_pages_of_the_first_example_cost_47_00() {
        // 5 pages: base 105.00 + report 9.99 + level 12.50 = 127.49, less 80.49
        let change = price_change(&essay(), (3, 0), (5, 0), true).unwrap();
        assert_eq!(change, SizeChange { amount: 4700, preferred_fee: 0, pay_at_order_rates: 1400 });
        // slides at 6.00 × 1.25 × 1.4 = 10.50 each, the writer 2.00
        let slides = price_change(&essay(), (3, 0), (3, 2), true).unwrap();
        assert_eq!(slides, SizeChange { amount: 2100, preferred_fee: 0, pay_at_order_rates: 400 });
    }

    #[test]
    fn a_percent_discount_carries_over_and_a_fixed_one_does_not() {
        let mut percent = essay();
        percent.input.discount =
            Some(DiscountRule { label: "TEN".into(), charge: Charge::PercentOfBase(100_000), max: None });
        assert_eq!(price_change(&percent, (3, 0), (5, 0), true).unwrap().amount, 4230);
        let mut fixed = essay();
        fixed.input.discount = Some(DiscountRule { label: "FIVE".into(), charge: Charge::Fixed(500), max: None });
        assert_eq!(price_change(&fixed, (3, 0), (5, 0), true).unwrap().amount, 4700);
    }

    #[test]
    fn the_preferred_fee_grows_only_while_it_applies() {
        let mut preferred = essay();
        preferred.input.preferred_writer_percent = Some(100_000);
        // 10 % of the base's growth (63.00 → 105.00)
        let with = price_change(&preferred, (3, 0), (5, 0), true).unwrap();
        assert_eq!((with.amount, with.preferred_fee), (4700 + 420, 420));
        let without = price_change(&preferred, (3, 0), (5, 0), false).unwrap();
        assert_eq!((without.amount, without.preferred_fee), (4700, 0));
    }

    #[test]
    fn a_size_beyond_what_an_order_may_cost_is_no_price() {
        let mut dear = essay();
        dear.input.price_per_page = pricing::MAX_UNIT_PRICE;
        dear.input.level = pricing::MAX_MULTIPLIER;
        assert_eq!(price_change(&dear, (3, 0), (pricing::MAX_PAGES, 0), true), None);
    }

    proptest! {
        /// Growing in steps costs and pays exactly what growing at once does, and never less than
        /// nothing: no client can save (or be charged more) by splitting an increase.
        #[test]
        fn steps_cost_what_one_increase_does(
            pages in 1i32..50, slides in 0i32..20,
            (p1, s1, p2, s2) in (0i32..30, 0i32..10, 0i32..30, 0i32..10),
            discount in proptest::option::of((any::<bool>(), 0i64..5_000, 0i64..400_000)),
            preferred in proptest::option::of(0i64..300_000),
            factor in prop::sample::select(vec![RATE_ONE, 20_000]),
        ) {
            let mut frozen = essay();
            frozen.input.page_factor = factor;
            frozen.input.preferred_writer_percent = preferred;
            frozen.input.discount = discount.map(|(fixed, amount, rate)| DiscountRule {
                label: String::new(),
                charge: if fixed { Charge::Fixed(amount) } else { Charge::PercentOfBase(rate) },
                max: None,
            });
            let a = (pages, slides);
            let b = (pages + p1, slides + s1);
            let c = (pages + p1 + p2, slides + s1 + s2);
            let first = price_change(&frozen, a, b, true).unwrap();
            let second = price_change(&frozen, b, c, true).unwrap();
            let whole = price_change(&frozen, a, c, true).unwrap();
            prop_assert!(first.amount >= 0 && second.amount >= 0);
            prop_assert_eq!(first.amount + second.amount, whole.amount);
            prop_assert_eq!(first.pay_at_order_rates + second.pay_at_order_rates, whole.pay_at_order_rates);
            prop_assert!(whole.preferred_fee <= whole.amount);
        }
    }
}
