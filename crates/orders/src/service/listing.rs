//! The viewer's orders, filtered and paged.

use chrono::{DateTime, Utc};
use kernel::pagination::{Order, page_select};
use kernel::{AppResult, PageArgs, Paged, RequestContext};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait};

use crate::entity::order::{self, Entity as Orders, OrderStatus};
use crate::service::access::visible_to;

#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    pub search: Option<String>,
    pub placed_from: Option<DateTime<Utc>>,
    pub placed_to: Option<DateTime<Utc>>,
}

/// The viewer's orders, newest first, reading only `columns` of each (see
/// [`order::Model::from_columns`]; `order::Column::iter()` for whole rows).
pub async fn list(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    filter: OrderFilter,
    page: PageArgs,
    columns: &[order::Column],
) -> AppResult<Paged<order::Model>> {
    let mut query = Orders::find().filter(visible_to(request)?);
    if let Some(status) = filter.status {
        query = query.filter(order::Column::Status.eq(status));
    }
    if let Some(search) = filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let pattern =
            format!("%{}%", search.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        query = query.filter(
            Expr::expr(Func::lower(Expr::col(order::Column::Topic)))
                .like(sea_orm::sea_query::LikeExpr::new(pattern).escape('\\')),
        );
    }
    if let Some(from) = filter.placed_from {
        query = query.filter(order::Column::PlacedAt.gte(from));
    }
    if let Some(to) = filter.placed_to {
        query = query.filter(order::Column::PlacedAt.lt(to));
    }
    let (query, total) = page_select(conn, query, order::Column::Id, Order::newest_first(), page).await?;
    let statement = query.select_only().columns(columns.iter().copied()).build(conn.get_database_backend());
    let rows = conn.query_all_raw(statement).await?;
    let orders = rows.iter().map(|row| order::Model::from_columns(row, columns)).collect::<Result<Vec<_>, _>>()?;
    Ok(Paged::new(page, orders, total))
}
