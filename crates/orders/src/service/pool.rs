//! The pool: paid orders waiting for a writer (`AVAILABLE`), as writers are shown them — the
//! work and its writer's deadline, never the client or the price (the workforce's resolvers
//! expose only those fields). Who may see which is the workforce's rule (`crates/writers`,
//! service `pool`); it passes its bounds here as part of the filter.

use chrono::{DateTime, Utc};
use kernel::pagination::{Direction, Order, page_select};
use kernel::{AppError, AppResult, PageArgs, Paged};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select};
use uuid::Uuid;

use crate::entity::order::{self, Entity as Orders, OrderStatus};

/// What a pool order shows, and what a writer's pay and fit are computed from.
pub const COLUMNS: &[order::Column] = &[
    order::Column::Id,
    order::Column::TenantId,
    order::Column::Topic,
    order::Column::PaperTypeId,
    order::Column::AcademicLevelId,
    order::Column::SubjectId,
    order::Column::WorkTypeId,
    order::Column::Pages,
    order::Column::Slides,
    order::Column::Spacing,
    order::Column::WriterDeadline,
    order::Column::Instructions,
    order::Column::Status,
    order::Column::PreferredWriterId,
    order::Column::TotalMinor,
    order::Column::RefundedMinor,
    order::Column::RatePayMinor,
];

/// An order as the workforce decides on it and shows it to writers (the client and the price
/// stay here: `total_minor` is read only for a writer's percent pay).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolOrder {
    pub id: Uuid,
    pub topic: String,
    pub paper_type_id: Uuid,
    pub academic_level_id: Uuid,
    pub subject_id: Uuid,
    pub work_type_id: Uuid,
    pub pages: i32,
    pub slides: i32,
    pub writer_deadline: DateTime<Utc>,
    pub instructions: Option<String>,
    /// In the pool now.
    pub available: bool,
    /// The writer it waits for (`PENDING_PREFERRED`), if it does.
    pub waiting_for: Option<Uuid>,
    pub total_minor: i64,
    /// What was refunded of it (a preferred-writer fee given back, say).
    pub refunded_minor: i64,
    /// The writer's pay per the order's own rates (as placed).
    pub compensation_minor: i64,
}

impl From<order::Model> for PoolOrder {
    fn from(m: order::Model) -> Self {
        PoolOrder {
            id: m.id,
            topic: m.topic,
            paper_type_id: m.paper_type_id,
            academic_level_id: m.academic_level_id,
            subject_id: m.subject_id,
            work_type_id: m.work_type_id,
            pages: m.pages,
            slides: m.slides,
            writer_deadline: m.writer_deadline,
            instructions: m.instructions,
            available: m.status == OrderStatus::Available,
            waiting_for: m.preferred_writer_id.filter(|_| m.status == OrderStatus::PendingPreferred),
            total_minor: m.total_minor,
            refunded_minor: m.refunded_minor,
            compensation_minor: m.rate_pay_minor,
        }
    }
}

/// What a writer filters the pool by, and the workforce's bounds on what they may see.
#[derive(Debug, Clone, Default)]
pub struct PoolFilter {
    pub subject: Option<Uuid>,
    pub work_type: Option<Uuid>,
    pub academic_level: Option<Uuid>,
    pub pages_min: Option<i32>,
    pub pages_max: Option<i32>,
    pub deadline_before: Option<DateTime<Utc>>,
    /// The most pages the writer's level takes.
    pub level_max_pages: i32,
    /// The subjects the writer writes in; none: any.
    pub subjects: Option<Vec<Uuid>>,
}

fn select(tenant: Uuid, f: &PoolFilter) -> Select<Orders> {
    let mut query = Orders::find()
        .filter(order::Column::TenantId.eq(tenant))
        .filter(order::Column::Status.eq(OrderStatus::Available))
        .filter(order::Column::Pages.lte(f.level_max_pages));
    if let Some(subjects) = &f.subjects {
        query = query.filter(order::Column::SubjectId.is_in(kernel::db::in_list(subjects)));
    }
    for (column, value) in [
        (order::Column::SubjectId, f.subject),
        (order::Column::WorkTypeId, f.work_type),
        (order::Column::AcademicLevelId, f.academic_level),
    ] {
        if let Some(value) = value {
            query = query.filter(column.eq(value));
        }
    }
    if let Some(min) = f.pages_min {
        query = query.filter(order::Column::Pages.gte(min));
    }
    if let Some(max) = f.pages_max {
        query = query.filter(order::Column::Pages.lte(max));
    }
    if let Some(before) = f.deadline_before {
        query = query.filter(order::Column::WriterDeadline.lt(before));
    }
    query
}

fn rows(rows: &[sea_orm::QueryResult]) -> AppResult<Vec<PoolOrder>> {
    let mut found = Vec::with_capacity(rows.len());
    for row in rows {
        found.push(order::Model::from_columns(row, COLUMNS)?.into());
    }
    Ok(found)
}

/// A page of the pool, the soonest writer's deadline first (`COLUMNS` read of each).
pub async fn list(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    filter: &PoolFilter,
    page: PageArgs,
) -> AppResult<Paged<PoolOrder>> {
    if filter.pages_min.zip(filter.pages_max).is_some_and(|(min, max)| min > max) {
        return Err(AppError::bad_input("filter.pagesMax", "at least pagesMin"));
    }
    let order = Order::by(order::Column::WriterDeadline, Direction::OldestFirst);
    let (query, total) = page_select(conn, select(tenant, filter), order::Column::Id, order, page).await?;
    let statement = query.select_only().columns(COLUMNS.iter().copied()).build(conn.get_database_backend());
    Ok(Paged::new(page, rows(&conn.query_all_raw(statement).await?)?, total))
}

/// Up to `limit` orders of the pool with the soonest writer's deadlines (what recommendations
/// rank), in one statement.
pub async fn soonest(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    filter: &PoolFilter,
    limit: u64,
) -> AppResult<Vec<PoolOrder>> {
    let statement = select(tenant, filter)
        .order_by_asc(order::Column::WriterDeadline)
        .order_by_asc(order::Column::Id)
        .limit(limit)
        .select_only()
        .columns(COLUMNS.iter().copied())
        .build(conn.get_database_backend());
    rows(&conn.query_all_raw(statement).await?)
}

/// The tenant's order `id` as the workforce decides on it (any status; `NOT_FOUND` when the
/// tenant has none). Only the workforce's gated paths call this: what a writer is shown of it
/// is theirs to decide.
pub async fn find(conn: &impl ConnectionTrait, tenant: Uuid, id: Uuid) -> AppResult<PoolOrder> {
    Ok(model(conn, tenant, id).await?.into())
}

/// Locks the order's row until the transaction ends if it is in the pool (a request for it then
/// cannot interleave with its hand-over: whichever comes second sees the first); false when it
/// is not in the pool.
pub async fn hold_if_available(conn: &impl ConnectionTrait, tenant: Uuid, id: Uuid) -> AppResult<bool> {
    use sea_orm::sea_query::Expr;
    let held = Orders::update_many()
        .col_expr(order::Column::UpdatedAt, Expr::col(order::Column::UpdatedAt))
        .filter(order::Column::Id.eq(id))
        .filter(order::Column::TenantId.eq(tenant))
        .filter(order::Column::Status.eq(OrderStatus::Available))
        .exec(conn)
        .await?;
    Ok(held.rows_affected == 1)
}

/// Which of `ids` are in the pool now (one statement).
pub async fn available_among(conn: &impl ConnectionTrait, tenant: Uuid, ids: &[Uuid]) -> AppResult<Vec<Uuid>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(Orders::find()
        .select_only()
        .column(order::Column::Id)
        .filter(order::Column::TenantId.eq(tenant))
        .filter(order::Column::Id.is_in(kernel::db::in_list(ids)))
        .filter(order::Column::Status.eq(OrderStatus::Available))
        .into_tuple()
        .all(conn)
        .await?)
}

pub async fn model(conn: &impl ConnectionTrait, tenant: Uuid, id: Uuid) -> AppResult<order::Model> {
    Orders::find_by_id(id)
        .filter(order::Column::TenantId.eq(tenant))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::not_found("order"))
}
