//! Bulk demo orders for benchmarks (`seed-demo --scale N`): realistic rows, priced by the
//! real engine (a few templates priced once), written in large batches. They are written
//! straight to the orders tables, not through the lifecycle: their payments and earnings are
//! not in the ledger, so `ledgerIntegrity` on a scaled database names them. Benchmark data only.

use chrono::{DateTime, Duration, Utc};
use kernel::{AppResult, RequestContext, new_id};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::entity::catalog_item::CatalogKind;
use crate::entity::order::{self, Entity as Orders, OrderStatus, PaymentStatus, Spacing};
use crate::entity::{order_editor, order_event, order_line, order_price};
use crate::service::catalog::{self, Entries};
use crate::service::placing;
use crate::service::spec::{self, OrderSpec, Priced};

const BATCH: usize = 500;

/// The status whose cumulative weight first exceeds `roll` (weights sum to 100).
fn pick(statuses: &[(OrderStatus, u32)], mut roll: u32) -> OrderStatus {
    for (status, weight) in statuses {
        if roll < *weight {
            return *status;
        }
        roll -= weight;
    }
    OrderStatus::Completed
}

/// How many orders the tenant has.
pub async fn count(db: &DatabaseConnection, tenant: Uuid) -> AppResult<u64> {
    Ok(Orders::find().filter(order::Column::TenantId.eq(tenant)).count(db).await?)
}

/// An order in a writer's hands, as an editing task copies it: its id, writer, pages, work type,
/// subject and the client's deadline.
pub type WrittenOrder = (Uuid, Uuid, i32, Uuid, Uuid, DateTime<Utc>);

/// The tenant's orders that have a writer, by id (the editing tasks' benchmark data goes on
/// them; which already have a task is the workforce's to know). One statement.
pub async fn with_writers(db: &DatabaseConnection, tenant: Uuid) -> AppResult<Vec<WrittenOrder>> {
    use order::Column as C;
    // the writer decoded as present: only orders that have one are read
    Ok(Orders::find()
        .select_only()
        .columns([C::Id, C::WriterId, C::Pages, C::WorkTypeId, C::SubjectId, C::Deadline])
        .filter(C::TenantId.eq(tenant))
        .filter(C::WriterId.is_not_null())
        .order_by_asc(C::Id)
        .into_tuple()
        .all(db)
        .await?)
}

/// Lets each editor read the order of a task that reached them (`(order, editor, when)`), in
/// batches, once however often (benchmark data: what `access::grant_editor` writes one at a time).
pub async fn grant_editors(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    grants: &[(Uuid, Uuid, DateTime<Utc>)],
) -> AppResult<()> {
    for chunk in grants.chunks(BATCH) {
        let rows = chunk.iter().map(|&(order, editor, at)| order_editor::ActiveModel {
            order_id: Set(order),
            editor_id: Set(editor),
            tenant_id: Set(tenant),
            granted_at: Set(at),
        });
        order_editor::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::columns([order_editor::Column::OrderId, order_editor::Column::EditorId])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// Puts the orders `ids` under editing (benchmark data: the orders of the open editing tasks the
/// seed writes, which a real submission would have moved there).
pub async fn put_under_editing(conn: &impl ConnectionTrait, tenant: Uuid, ids: &[Uuid]) -> AppResult<()> {
    for chunk in ids.chunks(BATCH) {
        Orders::update_many()
            .col_expr(order::Column::Status, sea_orm::sea_query::Expr::value(OrderStatus::UnderEditing))
            .filter(order::Column::TenantId.eq(tenant))
            .filter(order::Column::Id.is_in(chunk.to_vec()))
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// One order in this many (with a writer) goes to the first writer.
const LONG_HISTORY_EVERY: usize = 60;

/// Adds `count` orders for random `clients`, assigned to random `writers` where their status
/// implies one, placed over the past year; every `LONG_HISTORY_EVERY`th order with a writer goes
/// to the first writer instead, so one writer has a long history (some 1,500 orders of 100,000,
/// 600 of them completed) for the writer benchmarks. Calls `progress` with each batch's size.
pub async fn seed_orders(
    db: &DatabaseConnection,
    request: &RequestContext,
    clients: &[Uuid],
    writers: &[Uuid],
    count: u64,
    mut progress: impl FnMut(u64),
) -> AppResult<()> {
    let tenant = request.tenant()?;
    let now = request.now();
    let entries = catalog::list(db, tenant.id, Entries::Active).await?;
    let of = |kind: CatalogKind| entries.iter().filter(|e| e.kind == kind).map(|e| e.id).collect::<Vec<_>>();
    let (papers, levels, subjects, works, extras, writer_levels) = (
        of(CatalogKind::PaperType),
        of(CatalogKind::AcademicLevel),
        of(CatalogKind::Subject),
        of(CatalogKind::WorkType),
        of(CatalogKind::ExtraService),
        of(CatalogKind::WriterLevel),
    );
    let mut templates: Vec<(OrderSpec, Priced)> = Vec::new();
    for i in 0..12usize {
        let spec = OrderSpec {
            topic: Some(format!("Benchmark topic {i}")),
            paper_type_id: papers.get(i % papers.len().max(1)).map(|id| async_graphql::ID(id.to_string())),
            academic_level_id: levels.get(i % levels.len().max(1)).map(|id| async_graphql::ID(id.to_string())),
            subject_id: subjects.get(i % subjects.len().max(1)).map(|id| async_graphql::ID(id.to_string())),
            work_type_id: works.get(i % works.len().max(1)).map(|id| async_graphql::ID(id.to_string())),
            pages: Some(1 + (i as i32 * 3) % 15),
            slides: Some((i as i32) % 3),
            spacing: Some(if i % 4 == 0 { Spacing::Single } else { Spacing::Double }),
            deadline: Some((now + Duration::hours(24 * (1 + i as i64 % 14))).into()),
            extra_service_ids: Some(extras.iter().take(i % 3).map(|id| async_graphql::ID(id.to_string())).collect()),
            writer_level_id: writer_levels
                .get(i % writer_levels.len().max(1))
                .map(|id| async_graphql::ID(id.to_string())),
            ..OrderSpec::default()
        };
        let priced = spec::price(db, tenant, &spec, None, now).await?;
        templates.push((spec, priced));
    }
    let statuses: [(OrderStatus, u32); 8] = [
        (OrderStatus::Completed, 40),
        (OrderStatus::InProgress, 15),
        (OrderStatus::Available, 10),
        (OrderStatus::Unpaid, 10),
        (OrderStatus::Submitted, 8),
        (OrderStatus::Cancelled, 7),
        (OrderStatus::PendingAcceptance, 5),
        (OrderStatus::RevisionRequested, 5),
    ];
    let mut left = count;
    while left > 0 {
        let n = left.min(BATCH as u64) as usize;
        let (mut orders, mut lines, mut events, mut prices) =
            (Vec::with_capacity(n), Vec::with_capacity(n * 3), Vec::with_capacity(n * 3), Vec::with_capacity(n));
        {
            // seeded by what is left, so the same count gives the same orders every time (the
            // instruction-count check compares runs)
            let mut rng = rand::rngs::StdRng::seed_from_u64(left);
            for k in 0..n {
                let (spec, priced) = &templates[rng.random_range(0..templates.len())];
                let status = pick(&statuses, rng.random_range(0..100));
                let placed = now - Duration::minutes(rng.random_range(0..60 * 24 * 365));
                let client = *clients.choose(&mut rng).unwrap_or(&Uuid::nil());
                let has_writer =
                    !matches!(status, OrderStatus::Unpaid | OrderStatus::Available | OrderStatus::Cancelled);
                let writer = has_writer.then(|| *writers.choose(&mut rng).unwrap_or(&Uuid::nil()));
                // by position, not by a draw: the other orders stay as they were
                let long_history = (count - left) as usize + k;
                let writer = writer.map(|w| match writers.first() {
                    Some(first) if long_history.is_multiple_of(LONG_HISTORY_EVERY) => *first,
                    _ => w,
                });
                let id = new_id();
                let paid = !matches!(status, OrderStatus::Unpaid | OrderStatus::Cancelled);
                let template = placing::order_row(tenant, client, spec, priced, now)?;
                let deadline = placed + (template.deadline - now);
                let order = order::Model {
                    id,
                    writer_id: writer,
                    deadline,
                    writer_deadline: placed + (priced.writer_deadline - now),
                    status,
                    payment_status: if paid { PaymentStatus::Paid } else { PaymentStatus::Unpaid },
                    paid_minor: if paid { priced.quote.total.0 } else { 0 },
                    placed_at: placed,
                    writer_assigned_at: writer.map(|_| placed),
                    updated_at: placed,
                    completed_at: (status == OrderStatus::Completed).then_some(deadline),
                    // submitted around the writer's deadline: mostly before it, some late
                    first_submitted_at: matches!(
                        status,
                        OrderStatus::Submitted | OrderStatus::RevisionRequested | OrderStatus::Completed
                    )
                    .then(|| placed + (priced.writer_deadline - now) + Duration::hours(rng.random_range(-48..12))),
                    ..template
                };
                lines.extend(placing::line_rows(&order, priced));
                prices.push(placing::price_row(&order, priced));
                orders.push(order::ActiveModel::from(order));
                let mut event = |kind: &str, actor: Uuid, from: Option<OrderStatus>, to: OrderStatus| {
                    events.push(order_event::ActiveModel {
                        id: Set(new_id()),
                        tenant_id: Set(tenant.id),
                        order_id: Set(id),
                        at: Set(placed),
                        kind: Set(kind.to_owned()),
                        actor_id: Set(Some(actor)),
                        from_status: Set(from),
                        to_status: Set(Some(to)),
                        note: Set(None),
                    });
                };
                event("PLACED", client, None, OrderStatus::Unpaid);
                if paid {
                    event("MARK_PAID", client, Some(OrderStatus::Unpaid), OrderStatus::Available);
                }
                if let Some(writer) = writer {
                    event("ACCEPT_ASSIGNMENT", writer, Some(OrderStatus::PendingAcceptance), status);
                }
            }
        }
        kernel::transaction(db, async |txn| {
            Orders::insert_many(orders).exec_without_returning(txn).await?;
            order_price::Entity::insert_many(prices).exec_without_returning(txn).await?;
            for chunk in lines.chunks(BATCH) {
                order_line::Entity::insert_many(chunk.to_vec()).exec_without_returning(txn).await?;
            }
            for chunk in events.chunks(BATCH) {
                order_event::Entity::insert_many(chunk.to_vec()).exec_without_returning(txn).await?;
            }
            Ok(())
        })
        .await?;
        left -= n as u64;
        progress(n as u64);
    }
    Ok(())
}
