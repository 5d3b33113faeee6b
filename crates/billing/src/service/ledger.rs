//! Accounts and journal entries. `post` is the only way money moves.

use chrono::{DateTime, Utc};
use kernel::Reason;
use kernel::pagination::{Order, paginate};
use kernel::{AppError, AppResult, Money, PageArgs, Paged, new_id};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait, StatementBuilder,
};
use uuid::Uuid;

use crate::entity::account::{self, AccountKind, Entity as Accounts};
use crate::entity::journal_entry::{self, Entity as Entries, EntryKind};
use crate::entity::posting::{self, Entity as Postings};

/// Whose account: a user's, or the platform's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    User(Uuid),
    Platform,
}

impl Owner {
    fn key(self) -> String {
        match self {
            Owner::User(id) => id.to_string(),
            Owner::Platform => "platform".to_owned(),
        }
    }
}

/// The account of `kind` and `owner` in the tenant, opened (empty) on first use.
pub async fn open_account(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    kind: AccountKind,
    owner: Owner,
    currency: &str,
    now: DateTime<Utc>,
) -> AppResult<account::Model> {
    let find = || {
        Accounts::find()
            .filter(account::Column::TenantId.eq(tenant))
            .filter(account::Column::Kind.eq(kind))
            .filter(account::Column::OwnerKey.eq(owner.key()))
    };
    if let Some(found) = find().one(conn).await? {
        return Ok(found);
    }
    let new = account::ActiveModel {
        id: Set(new_id()),
        tenant_id: Set(tenant),
        kind: Set(kind),
        owner_key: Set(owner.key()),
        owner_id: Set(match owner {
            Owner::User(id) => Some(id),
            Owner::Platform => None,
        }),
        currency: Set(currency.to_owned()),
        balance_minor: Set(0),
        allow_negative: Set(kind.allows_negative()),
        created_at: Set(now),
    };
    // Two first uses at once: one insert wins, the other finds it.
    Accounts::insert(new)
        .on_conflict(
            OnConflict::columns([account::Column::TenantId, account::Column::Kind, account::Column::OwnerKey])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    find().one(conn).await?.ok_or_else(|| AppError::internal("ledger account vanished"))
}

/// The account if it exists (reads never create accounts).
pub async fn find_account(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    kind: AccountKind,
    owner: Owner,
) -> AppResult<Option<account::Model>> {
    Ok(Accounts::find()
        .filter(account::Column::TenantId.eq(tenant))
        .filter(account::Column::Kind.eq(kind))
        .filter(account::Column::OwnerKey.eq(owner.key()))
        .one(conn)
        .await?)
}

pub struct NewEntry<'a> {
    pub tenant: Uuid,
    pub kind: EntryKind,
    pub description: &'a str,
    pub order_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub currency: &'a str,
    pub at: DateTime<Utc>,
    /// What caused it (`order:<id>:earnings`, `refund:<id>`...), unique in the ledger: an entry
    /// with a cause that was posted already is not posted again.
    pub cause: Option<String>,
}

/// What [`post`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Posted {
    Entry(Uuid),
    /// An entry with this cause exists; nothing moved.
    AlreadyPosted,
}

/// One leg: `amount` (signed) on `account`.
#[derive(Debug, Clone, Copy)]
pub struct Leg {
    pub account: Uuid,
    pub amount: i64,
}

/// Writes one journal entry and moves the balances. The legs must sum to zero (in exact
/// arithmetic). Each balance changes by a guarded `UPDATE ... WHERE allow_negative OR balance +
/// amount >= 0`, so a wallet can never be overdrawn however many payments race: the loser gets
/// `BAD_USER_INPUT` with reason `INSUFFICIENT_FUNDS`, and the caller's transaction rolls back
/// whole. An entry whose cause was posted before is not posted again ([`Posted::AlreadyPosted`]);
/// the unique index on the cause decides, so two racing posts of one cause make one entry.
pub async fn post(conn: &impl ConnectionTrait, entry: NewEntry<'_>, legs: &[Leg]) -> AppResult<Posted> {
    post_above(conn, entry, legs, None).await
}

/// [`post`], with one account held to a floor: its balance after the entry must be at least
/// `floor.1` (a writer's earnings must still cover what is held when a payout leaves them),
/// whether or not the account may go negative, in the same guarded update. Otherwise
/// `BAD_USER_INPUT` (`INSUFFICIENT_FUNDS`) and the caller's transaction rolls back whole.
pub async fn post_above(
    conn: &impl ConnectionTrait,
    entry: NewEntry<'_>,
    legs: &[Leg],
    floor: Option<(Uuid, i64)>,
) -> AppResult<Posted> {
    if legs.iter().map(|l| i128::from(l.amount)).sum::<i128>() != 0 || legs.len() < 2 {
        return Err(AppError::internal("unbalanced journal entry"));
    }
    let id = new_id();
    let inserted = Entries::insert(journal_entry::ActiveModel {
        id: Set(id),
        tenant_id: Set(entry.tenant),
        kind: Set(entry.kind),
        description: Set(entry.description.chars().take(300).collect()),
        order_id: Set(entry.order_id),
        actor_id: Set(entry.actor_id),
        currency: Set(entry.currency.to_owned()),
        created_at: Set(entry.at),
        cause: Set(entry.cause),
    })
    .on_conflict_do_nothing_on([journal_entry::Column::Cause])
    .exec_without_returning(conn)
    .await?;
    if !matches!(inserted, sea_orm::TryInsertResult::Inserted(n) if n > 0) {
        return Ok(Posted::AlreadyPosted);
    }
    // A fixed order of updates keeps two entries touching the same accounts from deadlocking.
    let mut ordered = legs.to_vec();
    ordered.sort_by_key(|l| l.account);
    for leg in ordered {
        let update = Query::update()
            .table(account::Entity)
            .value(account::Column::BalanceMinor, Expr::col(account::Column::BalanceMinor).add(leg.amount))
            .and_where(account::Column::Id.eq(leg.account))
            .and_where(account::Column::TenantId.eq(entry.tenant))
            .and_where(account::Column::Currency.eq(entry.currency))
            .and_where(match floor {
                Some((held, at_least)) if held == leg.account => {
                    Expr::col(account::Column::BalanceMinor).add(leg.amount).gte(at_least)
                }
                _ => Expr::col(account::Column::AllowNegative)
                    .eq(true)
                    .or(Expr::col(account::Column::BalanceMinor).add(leg.amount).gte(0)),
            })
            .returning_col(account::Column::BalanceMinor)
            .to_owned();
        let row = conn.query_one_raw(StatementBuilder::build(&update, &conn.get_database_backend())).await?;
        let Some(row) = row else {
            return Err(
                AppError::bad_input("amount", "not enough money in the wallet").with_reason(Reason::InsufficientFunds)
            );
        };
        let balance_after: i64 = row.try_get("", "balance_minor")?;
        Postings::insert(posting::ActiveModel {
            id: Set(new_id()),
            tenant_id: Set(entry.tenant),
            entry_id: Set(id),
            account_id: Set(leg.account),
            amount_minor: Set(leg.amount),
            balance_after_minor: Set(balance_after),
            created_at: Set(entry.at),
        })
        .exec_without_returning(conn)
        .await?;
    }
    Ok(Posted::Entry(id))
}

/// The entry posted for `cause` in the tenant, if any.
pub async fn entry_for_cause(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    cause: &str,
) -> AppResult<Option<journal_entry::Model>> {
    Ok(Entries::find()
        .filter(journal_entry::Column::TenantId.eq(tenant))
        .filter(journal_entry::Column::Cause.eq(cause))
        .one(conn)
        .await?)
}

/// An account's postings with their entries, newest first.
pub async fn history(
    conn: &impl ConnectionTrait,
    account: &account::Model,
    page: PageArgs,
) -> AppResult<Paged<(posting::Model, journal_entry::Model)>> {
    let query = Postings::find()
        .filter(posting::Column::TenantId.eq(account.tenant_id))
        .filter(posting::Column::AccountId.eq(account.id));
    let postings = paginate(conn, query, posting::Column::Id, Order::newest_first(), page).await?;
    let ids: Vec<Uuid> = postings.items.iter().map(|p| p.entry_id).collect();
    let mut entries: std::collections::HashMap<Uuid, journal_entry::Model> = Entries::find()
        .filter(journal_entry::Column::TenantId.eq(account.tenant_id))
        .filter(journal_entry::Column::Id.is_in(kernel::db::in_list(&ids)))
        .all(conn)
        .await?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    if postings.items.iter().any(|p| !entries.contains_key(&p.entry_id)) {
        return Err(AppError::internal("a posting's journal entry is missing"));
    }
    let items = postings.items.into_iter().filter_map(|p| entries.remove(&p.entry_id).map(|e| (p, e))).collect();
    Ok(Paged { items, total: postings.total, has_previous: postings.has_previous, has_next: postings.has_next })
}

/// The sum of an account kind's postings in `[from, to)` for the tenant, from entries of
/// `entry_kinds` (all kinds when empty).
pub async fn flow(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    kind: AccountKind,
    entry_kinds: &[EntryKind],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<Money> {
    let sums = flows(conn, &[(tenant, from)], kind, entry_kinds, to).await?;
    Ok(sums.get(&tenant).copied().unwrap_or(Money(0)))
}

/// [`flow`] for many tenants at once, each from its own start (a month begins at each tenant's
/// midnight), in one statement; a tenant with nothing is left out.
pub async fn flows(
    conn: &impl ConnectionTrait,
    starts: &[(Uuid, DateTime<Utc>)],
    kind: AccountKind,
    entry_kinds: &[EntryKind],
    to: DateTime<Utc>,
) -> AppResult<std::collections::HashMap<Uuid, Money>> {
    if starts.is_empty() {
        return Ok(Default::default());
    }
    let tenants = kernel::db::in_list(&starts.iter().map(|(t, _)| *t).collect::<Vec<_>>());
    let accounts = Accounts::find()
        .select_only()
        .column(account::Column::Id)
        .filter(account::Column::TenantId.is_in(tenants.clone()))
        .filter(account::Column::Kind.eq(kind))
        .into_query();
    // one term per distinct start (tenants in one time zone share their month's), each over a
    // padded id list: a few statement shapes serve any page of tenants
    let mut by_start: std::collections::BTreeMap<DateTime<Utc>, Vec<Uuid>> = Default::default();
    for (tenant, from) in starts {
        by_start.entry(*from).or_default().push(*tenant);
    }
    let window = by_start.iter().fold(sea_orm::Condition::any(), |any, (from, ids)| {
        any.add(
            sea_orm::Condition::all()
                .add(posting::Column::TenantId.is_in(kernel::db::in_list(ids)))
                .add(posting::Column::CreatedAt.gte(*from)),
        )
    });
    let mut query = Postings::find()
        .select_only()
        .column(posting::Column::TenantId)
        .column_as(
            Expr::expr(posting::Column::AmountMinor.sum()).cast_as(sea_orm::sea_query::Alias::new("bigint")),
            "total",
        )
        .filter(window)
        .filter(posting::Column::AccountId.in_subquery(accounts))
        .filter(posting::Column::CreatedAt.lt(to))
        .group_by(posting::Column::TenantId);
    if !entry_kinds.is_empty() {
        let entries = Entries::find()
            .select_only()
            .column(journal_entry::Column::Id)
            .filter(journal_entry::Column::TenantId.is_in(tenants))
            .filter(journal_entry::Column::Kind.is_in(entry_kinds.iter().copied()))
            .into_query();
        query = query.filter(posting::Column::EntryId.in_subquery(entries));
    }
    let sums: Vec<(Uuid, Option<i64>)> = query.into_tuple().all(conn).await?;
    Ok(sums.into_iter().map(|(tenant, sum)| (tenant, Money(sum.unwrap_or(0)))).collect())
}

/// What was paid for the orders `orders` selects (order ids): payments into revenue, less
/// refunds.
pub async fn paid_for_orders(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    orders: sea_orm::sea_query::SelectStatement,
) -> AppResult<Money> {
    let entries = Entries::find()
        .select_only()
        .column(journal_entry::Column::Id)
        .filter(journal_entry::Column::TenantId.eq(tenant))
        .filter(journal_entry::Column::Kind.is_in([
            EntryKind::OrderPayment,
            EntryKind::ManualPayment,
            EntryKind::Refund,
        ]))
        .filter(journal_entry::Column::OrderId.in_subquery(orders))
        .into_query();
    let money_accounts = Accounts::find()
        .select_only()
        .column(account::Column::Id)
        .filter(account::Column::TenantId.eq(tenant))
        .filter(account::Column::Kind.is_in([AccountKind::PlatformRevenue, AccountKind::Refunds]))
        .into_query();
    let sum: Option<i64> = Postings::find()
        .select_only()
        .column_as(
            Expr::expr(posting::Column::AmountMinor.sum()).cast_as(sea_orm::sea_query::Alias::new("bigint")),
            "total",
        )
        .filter(posting::Column::TenantId.eq(tenant))
        .filter(posting::Column::EntryId.in_subquery(entries))
        .filter(posting::Column::AccountId.in_subquery(money_accounts))
        .into_tuple()
        .one(conn)
        .await?
        .flatten();
    Ok(Money(sum.unwrap_or(0)))
}

/// Each entry's size: the sum of its positive legs.
pub async fn entry_amounts(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    entries: &[Uuid],
) -> AppResult<std::collections::HashMap<Uuid, Money>> {
    let rows: Vec<(Uuid, i64)> = Postings::find()
        .filter(posting::Column::TenantId.eq(tenant))
        .filter(posting::Column::EntryId.is_in(kernel::db::in_list(entries)))
        .filter(posting::Column::AmountMinor.gt(0))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| (p.entry_id, p.amount_minor))
        .collect();
    let mut amounts: std::collections::HashMap<Uuid, Money> = std::collections::HashMap::new();
    for (entry, amount) in rows {
        let total = amounts.entry(entry).or_insert(Money(0));
        *total = Money(total.0.checked_add(amount).ok_or_else(|| AppError::internal("entry amount overflows"))?);
    }
    Ok(amounts)
}
