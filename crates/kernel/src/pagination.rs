//! Relay connections, keyset-paginated: `first` (1..=100, default 20) and an opaque `after`
//! cursor naming the last row seen. [`paginate`] serves every connection: a SeaORM select, an
//! order (by a column then the id, or by the id alone: ids are UUIDv7, so that is creation
//! order), and the page; `totalCount` is counted only when the query asks for it.

use async_graphql::SimpleObject;
use async_graphql::connection::{Connection, Edge};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_orm::sea_query::{Expr, ExprTrait, SimpleExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, Select,
};
use uuid::Uuid;

use crate::AppError;

pub const DEFAULT_PAGE: u64 = 20;
pub const MAX_PAGE: u64 = 100;

/// A validated page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageArgs {
    pub limit: u64,
    pub after: Option<Uuid>,
    /// Whether to count every row (the query selects `totalCount`).
    pub with_total: bool,
}

impl PageArgs {
    /// The page a connection field asks for, counting the total when it selects `totalCount`.
    pub fn of_field(
        ctx: &async_graphql::Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Self, AppError> {
        Ok(Self { with_total: ctx.look_ahead().field("totalCount").exists(), ..Self::parse(first, after)? })
    }

    pub fn parse(first: Option<i32>, after: Option<String>) -> Result<Self, AppError> {
        let limit = match first {
            None => DEFAULT_PAGE,
            Some(n) if (1..=MAX_PAGE as i32).contains(&n) => n as u64,
            Some(_) => return Err(AppError::bad_input("first", "first must be between 1 and 100")),
        };
        let after = after
            .map(|c| Cursor::decode(&c).ok_or_else(|| AppError::bad_input("after", "invalid cursor")))
            .transpose()?;
        Ok(Self { limit, after, with_total: true })
    }

    /// How many rows to fetch: one more than the page, to learn whether another page follows.
    pub fn fetch(&self) -> u64 {
        self.limit + 1
    }
}

/// Which way a connection runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    OldestFirst,
    NewestFirst,
}

/// How a connection is ordered: by `column` (then the id, to break ties), or by the id alone.
#[derive(Debug, Clone, Copy)]
pub struct Order<C> {
    pub column: Option<C>,
    pub direction: Direction,
}

impl<C> Order<C> {
    pub fn newest_first() -> Self {
        Order { column: None, direction: Direction::NewestFirst }
    }
    pub fn oldest_first() -> Self {
        Order { column: None, direction: Direction::OldestFirst }
    }
    pub fn by(column: C, direction: Direction) -> Self {
        Order { column: Some(column), direction }
    }
}

/// One page of `query`, keyset-paginated on `id` (the cursor) in `order`. With a sort column,
/// the page continues after the cursor row's value of it, looked up in the database, so the
/// cursor stays an opaque id whatever the order.
pub async fn paginate<E>(
    conn: &impl ConnectionTrait,
    query: Select<E>,
    id: E::Column,
    order: Order<E::Column>,
    page: PageArgs,
) -> Result<Paged<E::Model>, AppError>
where
    E: EntityTrait,
    E::Model: Send + Sync,
{
    let (query, total) = page_select(conn, query, id, order, page).await?;
    Ok(Paged::new(page, query.all(conn).await?, total))
}

/// The statement that reads one page of `query` (as [`paginate`] runs it), and the total when the
/// page asks for it; for callers that read the rows their own way (a projection of the columns a
/// request needs), then make the page with [`Paged::new`].
pub async fn page_select<E>(
    conn: &impl ConnectionTrait,
    query: Select<E>,
    id: E::Column,
    order: Order<E::Column>,
    page: PageArgs,
) -> Result<(Select<E>, u64), AppError>
where
    E: EntityTrait,
    E::Model: Send + Sync,
{
    let total = if page.with_total { query.clone().count(conn).await? } else { 0 };
    let newest = order.direction == Direction::NewestFirst;
    let past =
        |col: E::Column, value: SimpleExpr| if newest { Expr::col(col).lt(value) } else { Expr::col(col).gt(value) };
    let mut query = query;
    if let Some(after) = page.after {
        query = match order.column {
            None => query.filter(past(id, Expr::value(after))),
            Some(column) => {
                let value_at = || {
                    SimpleExpr::SubQuery(
                        None,
                        Box::new(sea_orm::sea_query::SubQueryStatement::SelectStatement(
                            E::find().select_only().column(column).filter(id.eq(after)).into_query(),
                        )),
                    )
                };
                query.filter(
                    Condition::any()
                        .add(past(column, value_at()))
                        .add(Condition::all().add(Expr::col(column).eq(value_at())).add(past(id, Expr::value(after)))),
                )
            }
        };
    }
    let sort = if newest { sea_orm::Order::Desc } else { sea_orm::Order::Asc };
    if let Some(column) = order.column {
        query = query.order_by(column, sort.clone());
    }
    Ok((query.order_by(id, sort).limit(page.fetch()), total))
}

/// Opaque cursors: the row id, base64url-encoded so clients do not build them.
pub struct Cursor;

impl Cursor {
    pub fn encode(id: Uuid) -> String {
        URL_SAFE_NO_PAD.encode(id.as_bytes())
    }

    pub fn decode(cursor: &str) -> Option<Uuid> {
        let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
        Uuid::from_slice(&bytes).ok()
    }
}

/// The connection-level fields every list carries besides edges and `pageInfo`.
#[derive(SimpleObject, Debug, Clone, Copy)]
pub struct ConnectionTotals {
    pub total_count: u64,
}

pub type IdConnection<N> = Connection<String, N, ConnectionTotals>;

/// One page of a service's list: the rows (at most `limit`), the total and whether more follow.
#[derive(Debug, Clone)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub has_previous: bool,
    pub has_next: bool,
}

impl<T> Paged<T> {
    /// An empty page (a list that does not exist yet, such as a wallet never used).
    pub fn empty(page: PageArgs) -> Self {
        Self::new(page, Vec::new(), 0)
    }

    /// The same page with each row turned into something else.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Paged<U> {
        Paged {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            has_previous: self.has_previous,
            has_next: self.has_next,
        }
    }

    /// From `rows` fetched with [`PageArgs::fetch`], so possibly one more than the page.
    pub fn new(page: PageArgs, mut rows: Vec<T>, total: u64) -> Self {
        let has_next = rows.len() as u64 > page.limit;
        rows.truncate(page.limit as usize);
        Self { items: rows, total, has_previous: page.after.is_some(), has_next }
    }

    /// The Relay connection of this page: each row becomes a node, its cursor naming its id.
    pub fn into_connection<N: async_graphql::OutputType>(
        self,
        id_of: impl Fn(&T) -> Uuid,
        mut to_node: impl FnMut(T) -> N,
    ) -> IdConnection<N> {
        let mut conn = Connection::with_additional_fields(
            self.has_previous,
            self.has_next,
            ConnectionTotals { total_count: self.total },
        );
        conn.edges.extend(self.items.into_iter().map(|row| Edge::new(Cursor::encode(id_of(&row)), to_node(row))));
        conn
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_is_bounded() {
        assert_eq!(PageArgs::parse(None, None).unwrap().limit, 20);
        assert_eq!(PageArgs::parse(Some(100), None).unwrap().limit, 100);
        assert_eq!(PageArgs::parse(Some(0), None).unwrap_err().field.as_deref(), Some("first"));
        assert_eq!(PageArgs::parse(Some(101), None).unwrap_err().field.as_deref(), Some("first"));
    }

    #[test]
    fn a_page_fetched_one_too_long_knows_more_follow() {
        let page = PageArgs::parse(Some(2), None).unwrap();
        let paged = Paged::new(page, vec![1, 2, 3], 7);
        assert_eq!(paged.items, vec![1, 2]);
        assert!(paged.has_next && !paged.has_previous);
        assert_eq!(paged.total, 7);
        let last = Paged::new(page, vec![1], 1);
        assert!(!last.has_next);
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_rejected() {
        let id = crate::new_id();
        let page = PageArgs::parse(Some(5), Some(Cursor::encode(id))).unwrap();
        assert_eq!(page.after, Some(id));
        assert_eq!(PageArgs::parse(None, Some("%%".into())).unwrap_err().field.as_deref(), Some("after"));
    }
}
