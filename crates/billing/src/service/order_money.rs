//! The money side of an order, as intents. The orders context says what happened (the client
//! paid from the wallet, staff recorded an outside payment, the order was completed, it was
//! fully refunded) and this module posts the entries; no other crate names billing's accounts.
//!
//! Each effect has a cause (`order:<id>:payment`, `order:<id>:earnings`,
//! `order:<id>:earnings-reversal`, `order:<id>:forfeit-share`, `order:<id>:tip`,
//! `order:<id>:page-increase:<increase>`), unique in the ledger, so it happens at most once per order
//! however often the lifecycle passes the same step (approve, revise, approve again).

use kernel::{AppResult, RequestContext};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::entity::account::AccountKind;
use crate::entity::journal_entry::EntryKind;
use crate::service::ledger::{self, Leg, NewEntry, Owner, Posted};

/// The order a movement is for, as the orders context hands it over.
#[derive(Debug, Clone)]
pub struct OrderMoney {
    pub tenant: Uuid,
    pub order: Uuid,
    pub client: Uuid,
    pub currency: String,
}

impl OrderMoney {
    fn cause(&self, what: &str) -> String {
        format!("order:{}:{what}", self.order)
    }
}

/// Moves `amount` between two accounts of the order's tenant (`from` loses it) as one entry.
async fn transfer(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    of: &OrderMoney,
    (kind, description, cause): (EntryKind, &str, String),
    from: (AccountKind, Owner),
    to: (AccountKind, Owner),
    amount: i64,
) -> AppResult<Posted> {
    let now = request.now();
    let from = ledger::open_account(conn, of.tenant, from.0, from.1, &of.currency, now).await?;
    let to = ledger::open_account(conn, of.tenant, to.0, to.1, &of.currency, now).await?;
    let entry = NewEntry {
        tenant: of.tenant,
        kind,
        description,
        order_id: Some(of.order),
        actor_id: request.viewer.as_ref().map(|v| v.user_id),
        currency: &of.currency,
        at: now,
        cause: Some(cause),
    };
    ledger::post(conn, entry, &[Leg { account: from.id, amount: -amount }, Leg { account: to.id, amount }]).await
}

/// The client pays the order's `amount` from their wallet into revenue. Not enough money is
/// `BAD_USER_INPUT` (`INSUFFICIENT_FUNDS`).
pub async fn charge_from_wallet(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    of: &OrderMoney,
    amount: i64,
) -> AppResult<()> {
    wallet_payment(conn, request, of, "Order paid from wallet", of.cause("payment"), amount).await
}

/// An order payment of `amount` from the client's wallet into revenue, for `cause`.
async fn wallet_payment(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    of: &OrderMoney,
    description: &str,
    cause: String,
    amount: i64,
) -> AppResult<()> {
    let what = (EntryKind::OrderPayment, description, cause);
    let wallet = (AccountKind::ClientWallet, Owner::User(of.client));
    transfer(conn, request, of, what, wallet, (AccountKind::PlatformRevenue, Owner::Platform), amount).await?;
    Ok(())
}

/// The client pays `amount` for more pages or slides on the order (increase `increase`) from
/// their wallet into revenue: an order payment like the first, once per increase. Not enough
/// money is `BAD_USER_INPUT` (`INSUFFICIENT_FUNDS`).
pub async fn charge_increase_from_wallet(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    of: &OrderMoney,
    increase: Uuid,
    amount: i64,
) -> AppResult<()> {
    let cause = of.cause(&format!("page-increase:{increase}"));
    wallet_payment(conn, request, of, "Page increase paid from wallet", cause, amount).await
}

/// Staff record that the order's `amount` was paid outside the platform.
pub async fn record_external_payment(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    of: &OrderMoney,
    amount: i64,
) -> AppResult<()> {
    let what = (EntryKind::ManualPayment, "Order paid outside the platform", of.cause("payment"));
    let cash = (AccountKind::PlatformCash, Owner::Platform);
    transfer(conn, request, of, what, cash, (AccountKind::PlatformRevenue, Owner::Platform), amount).await?;
    Ok(())
}

/// Credits the writer's earnings for the completed order, once per order: a second completion
/// (after a revision) credits nothing. Returns whether it credited.
pub async fn credit_earnings(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    of: &OrderMoney,
    writer: Uuid,
    amount: i64,
) -> AppResult<bool> {
    if amount <= 0 {
        return Ok(false);
    }
    let what = (EntryKind::WriterEarnings, "Earnings for a completed order", of.cause("earnings"));
    let revenue = (AccountKind::PlatformRevenue, Owner::Platform);
    let posted =
        transfer(conn, request, of, what, revenue, (AccountKind::WriterEarnings, Owner::User(writer)), amount).await?;
    Ok(matches!(posted, Posted::Entry(_)))
}

/// Gives the writer's earnings for the order back to revenue (the order was fully refunded), if
/// they were credited, once: `held`, what the writer holds for it now (the order's pay, less
/// what a part refund already took back). Returns whether it reversed anything.
pub async fn reverse_earnings(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    of: &OrderMoney,
    writer: Uuid,
    held: i64,
) -> AppResult<bool> {
    if ledger::entry_for_cause(conn, of.tenant, &of.cause("earnings")).await?.is_none() {
        return Ok(false);
    }
    let amount = held;
    if amount <= 0 {
        return Ok(false);
    }
    let what =
        (EntryKind::EarningsReversal, "Earnings reversed: the order was fully refunded", of.cause("earnings-reversal"));
    let earnings = (AccountKind::WriterEarnings, Owner::User(writer));
    let posted =
        transfer(conn, request, of, what, earnings, (AccountKind::PlatformRevenue, Owner::Platform), amount).await?;
    Ok(matches!(posted, Posted::Entry(_)))
}

/// Takes `amount` of the writer's credited earnings for the order back to revenue, once for
/// `cause` (`dispute:<id>`: a dispute the client won in part). Returns whether it took anything.
pub async fn reverse_earnings_part(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    of: &OrderMoney,
    writer: Uuid,
    amount: i64,
    cause: &str,
) -> AppResult<bool> {
    if amount <= 0 {
        return Ok(false);
    }
    let what = (
        EntryKind::EarningsReversal,
        "Earnings reduced: part of the order was refunded",
        of.cause(&format!("earnings-reversal:{cause}")),
    );
    let earnings = (AccountKind::WriterEarnings, Owner::User(writer));
    let posted =
        transfer(conn, request, of, what, earnings, (AccountKind::PlatformRevenue, Owner::Platform), amount).await?;
    Ok(matches!(posted, Posted::Entry(_)))
}

/// Credits the writer who was working on the order `share` of what its cancellation forfeited
/// (the rest stays in revenue), once per order. Returns whether it credited.
pub async fn credit_forfeit_share(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    of: &OrderMoney,
    writer: Uuid,
    share: i64,
) -> AppResult<bool> {
    if share <= 0 {
        return Ok(false);
    }
    let what = (EntryKind::ForfeitShare, "Share of a cancelled order's forfeited payment", of.cause("forfeit-share"));
    let revenue = (AccountKind::PlatformRevenue, Owner::Platform);
    let posted =
        transfer(conn, request, of, what, revenue, (AccountKind::WriterEarnings, Owner::User(writer)), share).await?;
    Ok(matches!(posted, Posted::Entry(_)))
}

/// The client tips the order's writer `amount` from their wallet, `writer_part` of it to the
/// writer's earnings and the rest to revenue, as one entry, once per order. Not enough money is
/// `BAD_USER_INPUT` (`INSUFFICIENT_FUNDS`).
pub async fn tip(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    of: &OrderMoney,
    writer: Uuid,
    amount: i64,
    writer_part: i64,
) -> AppResult<()> {
    let platform_part = amount
        .checked_sub(writer_part)
        .filter(|rest| *rest >= 0 && writer_part >= 0)
        .ok_or_else(|| kernel::AppError::internal("a tip's writer part exceeds the tip"))?;
    let now = request.now();
    let account = |kind, owner| ledger::open_account(conn, of.tenant, kind, owner, &of.currency, now);
    let wallet = account(AccountKind::ClientWallet, Owner::User(of.client)).await?;
    let earnings = account(AccountKind::WriterEarnings, Owner::User(writer)).await?;
    let revenue = account(AccountKind::PlatformRevenue, Owner::Platform).await?;
    let mut legs = vec![Leg { account: wallet.id, amount: -amount }];
    legs.extend(
        [(earnings.id, writer_part), (revenue.id, platform_part)]
            .into_iter()
            .filter(|(_, a)| *a > 0)
            .map(|(account, amount)| Leg { account, amount }),
    );
    let entry = NewEntry {
        tenant: of.tenant,
        kind: EntryKind::Tip,
        description: "Tip for the writer",
        order_id: Some(of.order),
        actor_id: request.viewer.as_ref().map(|v| v.user_id),
        currency: &of.currency,
        at: now,
        cause: Some(of.cause("tip")),
    };
    ledger::post(conn, entry, &legs).await?;
    Ok(())
}

/// Debits the fine `fine` of `amount` from the writer's earnings to revenue, once (earnings may
/// go below zero: later credits make it up). Returns whether it moved anything.
pub async fn debit_fine(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    of: &OrderMoney,
    writer: Uuid,
    amount: i64,
    fine: Uuid,
) -> AppResult<bool> {
    if amount <= 0 {
        return Ok(false);
    }
    let what = (EntryKind::Fine, "Fine", format!("fine:{fine}"));
    let earnings = (AccountKind::WriterEarnings, Owner::User(writer));
    let posted =
        transfer(conn, request, of, what, earnings, (AccountKind::PlatformRevenue, Owner::Platform), amount).await?;
    Ok(matches!(posted, Posted::Entry(_)))
}

/// Returns a voided fine's `amount` to the writer's earnings, once.
pub async fn return_fine(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    of: &OrderMoney,
    writer: Uuid,
    amount: i64,
    fine: Uuid,
) -> AppResult<bool> {
    if amount <= 0 {
        return Ok(false);
    }
    let what = (EntryKind::FineReturned, "Fine voided: returned", format!("fine:{fine}:returned"));
    let revenue = (AccountKind::PlatformRevenue, Owner::Platform);
    let posted =
        transfer(conn, request, of, what, revenue, (AccountKind::WriterEarnings, Owner::User(writer)), amount).await?;
    Ok(matches!(posted, Posted::Entry(_)))
}

/// What fines took from writers' earnings and what voided fines gave back, per tenant, in
/// `tenant` (every tenant when `None`): for the fines' check (one statement).
pub async fn fines_moved(
    conn: &impl ConnectionTrait,
    tenant: Option<Uuid>,
) -> AppResult<std::collections::HashMap<Uuid, (i64, i64)>> {
    let scope = if tenant.is_some() { "e.tenant_id = $1" } else { "1 = 1" };
    let sql = format!(
        "SELECT e.tenant_id AS tenant_id, \
           CAST(SUM(CASE WHEN e.kind = 'FINE' THEN -p.amount_minor ELSE 0 END) AS BIGINT) AS taken, \
           CAST(SUM(CASE WHEN e.kind = 'FINE_RETURNED' THEN p.amount_minor ELSE 0 END) AS BIGINT) AS returned \
         FROM journal_entries e JOIN postings p ON p.entry_id = e.id JOIN ledger_accounts a ON a.id = p.account_id \
         WHERE e.kind IN ('FINE', 'FINE_RETURNED') AND a.kind = 'WRITER_EARNINGS' AND {scope} GROUP BY e.tenant_id"
    );
    let statement = crate::service::integrity::statement(conn.get_database_backend(), &sql, tenant);
    let mut moved = std::collections::HashMap::new();
    for row in conn.query_all_raw(statement).await? {
        moved.insert(row.try_get::<Uuid>("", "tenant_id")?, (row.try_get("", "taken")?, row.try_get("", "returned")?));
    }
    Ok(moved)
}

/// How money for an order arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum, serde::Serialize)]
pub enum PaymentMethod {
    /// From the client's wallet.
    Wallet,
    /// Paid outside the platform and recorded by staff (`MARK_PAID`).
    Manual,
}

/// A payment received for an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderPayment {
    pub id: Uuid,
    pub at: chrono::DateTime<chrono::Utc>,
    pub method: PaymentMethod,
    pub amount: kernel::Money,
}

/// The payments of each of `orders`, oldest first (two statements, whatever the count).
pub async fn payments_for_orders(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    orders: &[Uuid],
) -> AppResult<std::collections::HashMap<Uuid, Vec<OrderPayment>>> {
    use crate::entity::journal_entry::{self, Entity as Entries};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let entries = Entries::find()
        .filter(journal_entry::Column::TenantId.eq(tenant))
        .filter(journal_entry::Column::OrderId.is_in(kernel::db::in_list(orders)))
        .filter(journal_entry::Column::Kind.is_in([EntryKind::OrderPayment, EntryKind::ManualPayment]))
        .order_by_asc(journal_entry::Column::Id)
        .all(conn)
        .await?;
    let ids: Vec<Uuid> = entries.iter().map(|e| e.id).collect();
    let amounts = if ids.is_empty() { Default::default() } else { ledger::entry_amounts(conn, tenant, &ids).await? };
    let mut by_order: std::collections::HashMap<Uuid, Vec<OrderPayment>> = std::collections::HashMap::new();
    for e in entries {
        let Some(order) = e.order_id else { continue };
        by_order.entry(order).or_default().push(OrderPayment {
            id: e.id,
            at: e.created_at,
            method: if e.kind == EntryKind::OrderPayment { PaymentMethod::Wallet } else { PaymentMethod::Manual },
            amount: amounts.get(&e.id).copied().unwrap_or_default(),
        });
    }
    Ok(by_order)
}

/// What the ledger says about one order: payments less refunds (what reached revenue and
/// stayed), the writer's earnings for the work less their reversal, the writer's share of a
/// cancellation, and the client's tip with the writer's part of it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OrderTotals {
    pub paid_net: i64,
    pub earnings_net: i64,
    pub forfeit_share: i64,
    pub tip: i64,
    pub tip_writer: i64,
}

/// [`OrderTotals`] of every order with an entry, in `tenant` (every tenant when `None`).
pub async fn totals_by_order(
    conn: &impl ConnectionTrait,
    tenant: Option<Uuid>,
) -> AppResult<std::collections::HashMap<Uuid, OrderTotals>> {
    let scope = if tenant.is_some() { "e.tenant_id = $1" } else { "1 = 1" };
    let sql = format!(
        "SELECT e.order_id AS order_id, \
           CAST(SUM(CASE WHEN a.kind IN ('PLATFORM_REVENUE', 'REFUNDS') AND e.kind IN ('ORDER_PAYMENT', 'MANUAL_PAYMENT', 'REFUND') \
             THEN p.amount_minor ELSE 0 END) AS BIGINT) AS paid_net, \
           CAST(SUM(CASE WHEN a.kind = 'WRITER_EARNINGS' AND e.kind IN ('WRITER_EARNINGS', 'EARNINGS_REVERSAL') \
             THEN p.amount_minor ELSE 0 END) AS BIGINT) AS earnings_net, \
           CAST(SUM(CASE WHEN a.kind = 'WRITER_EARNINGS' AND e.kind = 'FORFEIT_SHARE' THEN p.amount_minor ELSE 0 END) AS BIGINT) AS forfeit_share, \
           CAST(SUM(CASE WHEN a.kind = 'CLIENT_WALLET' AND e.kind = 'TIP' THEN -p.amount_minor ELSE 0 END) AS BIGINT) AS tip, \
           CAST(SUM(CASE WHEN a.kind = 'WRITER_EARNINGS' AND e.kind = 'TIP' THEN p.amount_minor ELSE 0 END) AS BIGINT) AS tip_writer \
         FROM journal_entries e JOIN postings p ON p.entry_id = e.id JOIN ledger_accounts a ON a.id = p.account_id \
         WHERE e.order_id IS NOT NULL AND {scope} GROUP BY e.order_id"
    );
    let statement = crate::service::integrity::statement(conn.get_database_backend(), &sql, tenant);
    let mut totals = std::collections::HashMap::new();
    for row in conn.query_all_raw(statement).await? {
        let order: Uuid = row.try_get("", "order_id")?;
        totals.insert(
            order,
            OrderTotals {
                paid_net: row.try_get("", "paid_net")?,
                earnings_net: row.try_get("", "earnings_net")?,
                forfeit_share: row.try_get("", "forfeit_share")?,
                tip: row.try_get("", "tip")?,
                tip_writer: row.try_get("", "tip_writer")?,
            },
        );
    }
    Ok(totals)
}
