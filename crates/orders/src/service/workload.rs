//! How busy writers are, from their orders: what they hold, what they took since a moment, what
//! they completed and how much of it on time. The workforce context (`crates/writers`) asks this
//! for capacity and statistics; it reads orders only through here.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use kernel::AppResult;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query, SimpleExpr, SubQueryStatement};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::entity::order::{self, Entity as Orders, OrderStatus};

/// The statuses in which an order is in a writer's hands and counts against their capacity:
/// offered and waiting for their answer, being written, held, edited, disputed or revised.
pub const IN_HAND: &[OrderStatus] = &[
    OrderStatus::PendingAcceptance,
    OrderStatus::InProgress,
    OrderStatus::OnHold,
    OrderStatus::UnderEditing,
    OrderStatus::RevisionRequested,
    OrderStatus::InRevision,
    OrderStatus::Disputed,
];

/// One writer's load and record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriterLoad {
    /// Orders in hand (`IN_HAND`).
    pub active: i64,
    /// Orders that came into their hands since the moment asked about (offered, given or taken)
    /// and are still theirs.
    pub taken_since: i64,
    /// Orders completed (archived ones that had been completed too).
    pub completed: i64,
    /// Completed orders first submitted by the writer's deadline.
    pub on_time: i64,
}

/// The load of each of `writers` (absent writers have none), in two statements whatever the
/// number of writers or the length of their history.
pub async fn writer_loads(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    writers: &[Uuid],
    since: DateTime<Utc>,
) -> AppResult<HashMap<Uuid, WriterLoad>> {
    let mut loads: HashMap<Uuid, WriterLoad> = HashMap::new();
    if writers.is_empty() {
        return Ok(loads);
    }
    let ids = kernel::db::in_list(writers);
    let theirs =
        || Orders::find().filter(order::Column::TenantId.eq(tenant)).filter(order::Column::WriterId.is_in(ids.clone()));
    // on time: first submitted by the writer's deadline (written out, not bound: PostgreSQL
    // would not see a bound value's expression in the GROUP BY as the same)
    let on_time =
        Expr::cust(r#"SUM(CASE WHEN "orders"."first_submitted_at" <= "orders"."writer_deadline" THEN 1 ELSE 0 END)"#);
    let by_status: Vec<(Uuid, OrderStatus, bool, i64, i64)> = theirs()
        .select_only()
        .column(order::Column::WriterId)
        .column(order::Column::Status)
        .column_as(order::Column::CompletedAt.is_not_null(), "done")
        .column_as(on_time, "on_time")
        .column_as(order::Column::Id.count(), "n")
        .group_by(order::Column::WriterId)
        .group_by(order::Column::Status)
        .group_by(order::Column::CompletedAt.is_not_null())
        .into_tuple()
        .all(conn)
        .await?;
    for (writer, status, done, on_time, n) in by_status {
        let load = loads.entry(writer).or_default();
        if IN_HAND.contains(&status) {
            load.active += n;
        } else if done && matches!(status, OrderStatus::Completed | OrderStatus::Archived) {
            load.completed += n;
            load.on_time += on_time;
        }
    }
    let taken: Vec<(Uuid, i64)> = theirs()
        .select_only()
        .column(order::Column::WriterId)
        .column_as(order::Column::Id.count(), "n")
        .filter(order::Column::WriterAssignedAt.gte(since))
        .group_by(order::Column::WriterId)
        .into_tuple()
        .all(conn)
        .await?;
    for (writer, n) in taken {
        loads.entry(writer).or_default().taken_since = n;
    }
    Ok(loads)
}

/// A condition on a writer id column (`availableNow` filters writers by it in SQL): the
/// writer's orders in hand are fewer than `limit`.
pub fn in_hand_below(tenant: Uuid, writer: SimpleExpr, limit: SimpleExpr) -> SimpleExpr {
    let held = Query::select()
        .expr(Expr::col((Alias::new("h"), order::Column::Id)).count())
        .from_as(Orders, Alias::new("h"))
        .and_where(Expr::col((Alias::new("h"), order::Column::TenantId)).eq(tenant))
        .and_where(Expr::col((Alias::new("h"), order::Column::WriterId)).eq(writer))
        .and_where(
            Expr::col((Alias::new("h"), order::Column::Status))
                .is_in(IN_HAND.iter().map(sea_orm::ActiveEnum::to_value)),
        )
        .to_owned();
    SimpleExpr::SubQuery(None, Box::new(SubQueryStatement::SelectStatement(held))).lt(limit)
}

/// A condition on a writer id column: fewer than `limit` orders came into the writer's hands
/// since `since` (what [`writer_loads`] counts as `taken_since`).
pub fn taken_since_below(tenant: Uuid, writer: SimpleExpr, since: DateTime<Utc>, limit: SimpleExpr) -> SimpleExpr {
    let taken = Query::select()
        .expr(Expr::col((Alias::new("t"), order::Column::Id)).count())
        .from_as(Orders, Alias::new("t"))
        .and_where(Expr::col((Alias::new("t"), order::Column::TenantId)).eq(tenant))
        .and_where(Expr::col((Alias::new("t"), order::Column::WriterId)).eq(writer))
        .and_where(Expr::col((Alias::new("t"), order::Column::WriterAssignedAt)).gte(since))
        .to_owned();
    SimpleExpr::SubQuery(None, Box::new(SubQueryStatement::SelectStatement(taken))).lt(limit)
}

/// The pages a writer has due, and how fast they have been writing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PagesDue {
    /// Pages of the orders in hand due by the writer's deadline within 24 hours, 72 hours and 7
    /// days (an order already past its deadline counts in each).
    pub next_24h: i64,
    pub next_72h: i64,
    pub next_7d: i64,
    /// Pages the writer first submitted in the last 30 days.
    pub submitted_30d: i64,
    /// Orders behind those pages.
    pub orders_submitted_30d: i64,
}

/// What each of `writers` has due from `now` and submitted in the 30 days before it (absent
/// writers have nothing): two statements whatever their number.
pub async fn pages_due(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    writers: &[Uuid],
    now: DateTime<Utc>,
) -> AppResult<HashMap<Uuid, PagesDue>> {
    let mut found: HashMap<Uuid, PagesDue> = HashMap::new();
    if writers.is_empty() {
        return Ok(found);
    }
    let ids = kernel::db::in_list(writers);
    let theirs = || {
        Orders::find()
            .select_only()
            .column(order::Column::WriterId)
            .filter(order::Column::TenantId.eq(tenant))
            .filter(order::Column::WriterId.is_in(ids.clone()))
            .group_by(order::Column::WriterId)
    };
    let due_within = |hours: i64| {
        Expr::case(
            Expr::col(order::Column::WriterDeadline).lte(now + chrono::Duration::hours(hours)),
            Expr::col(order::Column::Pages),
        )
        .finally(0)
    };
    let sum = |e: SimpleExpr| Expr::expr(Func::sum(e)).if_null(0);
    let due: Vec<(Uuid, i64, i64, i64)> = theirs()
        .column_as(sum(due_within(24).into()), "d1")
        .column_as(sum(due_within(72).into()), "d3")
        .column_as(sum(due_within(24 * 7).into()), "d7")
        .filter(order::Column::Status.is_in(IN_HAND.iter().copied()))
        .into_tuple()
        .all(conn)
        .await?;
    for (writer, next_24h, next_72h, next_7d) in due {
        let d = found.entry(writer).or_default();
        (d.next_24h, d.next_72h, d.next_7d) = (next_24h, next_72h, next_7d);
    }
    let done: Vec<(Uuid, i64, i64)> = theirs()
        .column_as(sum(Expr::col(order::Column::Pages)), "pages")
        .column_as(order::Column::Id.count(), "n")
        .filter(order::Column::FirstSubmittedAt.gt(now - chrono::Duration::days(30)))
        .filter(order::Column::FirstSubmittedAt.lte(now))
        .into_tuple()
        .all(conn)
        .await?;
    for (writer, pages, orders) in done {
        let d = found.entry(writer).or_default();
        (d.submitted_30d, d.orders_submitted_30d) = (pages, orders);
    }
    Ok(found)
}

/// How many orders to look back over for a writer's recent record (streaks).
pub const RECENT: i64 = 10;

/// A writer's completed orders in all, and how the most recent [`RECENT`] of them went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record {
    pub tenant: Uuid,
    pub writer: Uuid,
    pub completed: i64,
    /// Of the most recent completed orders (at most `RECENT`): how many, how many first
    /// submitted by the writer's deadline, and how many were sent back for revision.
    pub recent: i64,
    pub recent_on_time: i64,
    pub recent_revised: i64,
}

/// The record of every writer who completed an order, on every site (for a job on the system
/// pool): two statements, whatever the number of writers.
pub async fn records(conn: &impl ConnectionTrait) -> AppResult<Vec<Record>> {
    use sea_orm::Statement;
    let backend = conn.get_database_backend();
    // no bound values: the same text on both backends
    let done = "writer_id IS NOT NULL AND completed_at IS NOT NULL AND status IN ('COMPLETED', 'ARCHIVED')";
    let totals = conn
        .query_all_raw(Statement::from_string(
            backend,
            format!(
                // in key order: two runs inserting the same badges then lock them in the same order
                "SELECT tenant_id, writer_id, COUNT(*) AS n FROM orders WHERE {done} \
                 GROUP BY tenant_id, writer_id ORDER BY tenant_id, writer_id"
            ),
        ))
        .await?;
    let recent = conn
        .query_all_raw(Statement::from_string(
            backend,
            format!(
                "SELECT o.tenant_id, o.writer_id, COUNT(*) AS n, \
                 SUM(CASE WHEN o.first_submitted_at <= o.writer_deadline THEN 1 ELSE 0 END) AS on_time, \
                 SUM(CASE WHEN EXISTS (SELECT 1 FROM revision_requests r WHERE r.order_id = o.id) THEN 1 ELSE 0 END) \
                   AS revised \
                 FROM (SELECT id, tenant_id, writer_id, first_submitted_at, writer_deadline, \
                         ROW_NUMBER() OVER (PARTITION BY tenant_id, writer_id ORDER BY completed_at DESC, id DESC) AS rn \
                       FROM orders WHERE {done}) o \
                 WHERE o.rn <= {RECENT} GROUP BY o.tenant_id, o.writer_id"
            ),
        ))
        .await?;
    let mut recents: HashMap<(Uuid, Uuid), (i64, i64, i64)> = HashMap::new();
    for row in recent {
        let key = (row.try_get_by_index(0)?, row.try_get_by_index(1)?);
        recents.insert(key, (row.try_get_by_index(2)?, row.try_get_by_index(3)?, row.try_get_by_index(4)?));
    }
    totals
        .into_iter()
        .map(|row| {
            let (tenant, writer): (Uuid, Uuid) = (row.try_get_by_index(0)?, row.try_get_by_index(1)?);
            let (recent, recent_on_time, recent_revised) = recents.get(&(tenant, writer)).copied().unwrap_or_default();
            Ok(Record { tenant, writer, completed: row.try_get_by_index(2)?, recent, recent_on_time, recent_revised })
        })
        .collect()
}

/// Which deadline a calendar entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeadlineKind {
    /// The writer's own deadline for an order in hand.
    Writer,
    /// The client's deadline for an order in hand or submitted.
    Client,
    /// A revision's deadline, while it is open.
    Revision,
}

/// A deadline of one of a writer's orders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline {
    pub kind: DeadlineKind,
    pub order_id: Uuid,
    pub topic: String,
    pub at: DateTime<Utc>,
}

/// The deadlines of `writer`'s orders in `[from, to)`, at most `limit`, soonest first: two
/// statements.
pub async fn deadlines(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    writer: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: usize,
) -> AppResult<Vec<Deadline>> {
    use crate::entity::revision_request::{self, Entity as Revisions, RevisionStatus};
    let within = |c: order::Column| Condition::all().add(c.gte(from)).add(c.lt(to));
    let mut open: Vec<OrderStatus> = IN_HAND.to_vec();
    open.push(OrderStatus::Submitted);
    // id, topic, status, the writer's deadline, the client's
    type Row = (Uuid, String, OrderStatus, DateTime<Utc>, DateTime<Utc>);
    let rows: Vec<Row> = Orders::find()
        .select_only()
        .columns([
            order::Column::Id,
            order::Column::Topic,
            order::Column::Status,
            order::Column::WriterDeadline,
            order::Column::Deadline,
        ])
        .filter(order::Column::TenantId.eq(tenant))
        .filter(order::Column::WriterId.eq(writer))
        .filter(order::Column::Status.is_in(open))
        .filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(order::Column::Status.is_in(IN_HAND.iter().copied()))
                        .add(within(order::Column::WriterDeadline)),
                )
                .add(within(order::Column::Deadline)),
        )
        // the soonest first, so that the limit keeps them (a writer's deadline comes before its
        // order's client deadline)
        .order_by_asc(order::Column::WriterDeadline)
        .order_by_asc(order::Column::Id)
        .limit(limit as u64)
        .into_tuple()
        .all(conn)
        .await?;
    let inside = |at: DateTime<Utc>| at >= from && at < to;
    let mut found = Vec::new();
    for (id, topic, status, writer_deadline, deadline) in rows {
        if IN_HAND.contains(&status) && inside(writer_deadline) {
            found.push(Deadline {
                kind: DeadlineKind::Writer,
                order_id: id,
                topic: topic.clone(),
                at: writer_deadline,
            });
        }
        if inside(deadline) {
            found.push(Deadline { kind: DeadlineKind::Client, order_id: id, topic, at: deadline });
        }
    }
    let revisions: Vec<(Uuid, DateTime<Utc>, String)> = Revisions::find()
        .select_only()
        .column(revision_request::Column::OrderId)
        .column(revision_request::Column::Deadline)
        .column_as(Expr::col((Orders, order::Column::Topic)), "topic")
        .join_rev(
            sea_orm::JoinType::InnerJoin,
            Orders::belongs_to(Revisions).from(order::Column::Id).to(revision_request::Column::OrderId).into(),
        )
        .filter(revision_request::Column::TenantId.eq(tenant))
        .filter(order::Column::WriterId.eq(writer))
        .filter(revision_request::Column::Status.is_in([RevisionStatus::Requested, RevisionStatus::InProgress]))
        .filter(revision_request::Column::Deadline.gte(from))
        .filter(revision_request::Column::Deadline.lt(to))
        .order_by_asc(revision_request::Column::Deadline)
        .limit(limit as u64)
        .into_tuple()
        .all(conn)
        .await?;
    found.extend(revisions.into_iter().map(|(order_id, at, topic)| Deadline {
        kind: DeadlineKind::Revision,
        order_id,
        topic,
        at,
    }));
    found.sort_by_key(|d| (d.at, d.order_id));
    found.truncate(limit);
    Ok(found)
}

/// The subjects of the orders `writer` completed (what a recommendation counts as done before),
/// in one statement.
pub async fn subjects_completed(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    writer: Uuid,
) -> AppResult<std::collections::HashSet<Uuid>> {
    let subjects: Vec<Uuid> = Orders::find()
        .select_only()
        .column(order::Column::SubjectId)
        .distinct()
        .filter(order::Column::TenantId.eq(tenant))
        .filter(order::Column::WriterId.eq(writer))
        .filter(order::Column::CompletedAt.is_not_null())
        .into_tuple()
        .all(conn)
        .await?;
    Ok(subjects.into_iter().collect())
}

/// One writer's record and queue, as their dashboard shows it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriterRecord {
    /// Completed orders (archived ones that had been completed too).
    pub completed: i64,
    /// Of those: first submitted by the writer's deadline, and sent back for revision at least once.
    pub on_time: i64,
    pub revised: i64,
    /// Orders in hand, and of those sent back for revision or being revised.
    pub active: i64,
    pub in_revision: i64,
    /// Orders in hand due by the writer's deadline before `due_by` (overdue ones too).
    pub due_soon: i64,
    /// What the writer will earn for the orders in hand or submitted, not yet credited.
    pub pending_pay_minor: i64,
}

/// `writer`'s record and queue: one statement, whatever their history.
pub async fn writer_record(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    writer: Uuid,
    due_by: DateTime<Utc>,
) -> AppResult<WriterRecord> {
    let list = |statuses: &[OrderStatus]| {
        statuses.iter().map(|s| format!("'{}'", <&str>::from(*s))).collect::<Vec<_>>().join(", ")
    };
    let in_hand = list(IN_HAND);
    let mut owed = IN_HAND.to_vec();
    owed.push(OrderStatus::Submitted);
    let owed = list(&owed);
    let done = "\"orders\".\"completed_at\" IS NOT NULL AND \"orders\".\"status\" IN ('COMPLETED', 'ARCHIVED')";
    // the statuses are this crate's own constants, written out (no bound values but the moment)
    let count = |condition: String| Expr::cust(format!("SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"));
    let revised = "EXISTS (SELECT 1 FROM \"revision_requests\" r WHERE r.\"order_id\" = \"orders\".\"id\")";
    let due_soon = Expr::expr(Func::sum(
        Expr::case(
            Expr::col(order::Column::Status)
                .is_in(IN_HAND.iter().copied())
                .and(Expr::col(order::Column::WriterDeadline).lt(due_by)),
            1,
        )
        .finally(0),
    ));
    type Row = (Option<i64>, Option<i64>, Option<i64>, Option<i64>, Option<i64>, Option<i64>, Option<i64>);
    let row: Option<Row> = Orders::find()
        .select_only()
        .column_as(count(done.to_owned()), "completed")
        .column_as(
            count(format!("{done} AND \"orders\".\"first_submitted_at\" <= \"orders\".\"writer_deadline\"")),
            "on_time",
        )
        .column_as(count(format!("{done} AND {revised}")), "revised")
        .column_as(count(format!("\"orders\".\"status\" IN ({in_hand})")), "active")
        .column_as(count("\"orders\".\"status\" IN ('REVISION_REQUESTED', 'IN_REVISION')".to_owned()), "in_revision")
        .column_as(due_soon, "due_soon")
        .column_as(
            Expr::cust(format!(
                // a sum of BIGINT is NUMERIC on PostgreSQL: cast back
                "CAST(SUM(CASE WHEN \"orders\".\"status\" IN ({owed}) \
                 THEN \"orders\".\"writer_compensation_minor\" ELSE 0 END) AS BIGINT)"
            )),
            "pending",
        )
        .filter(order::Column::TenantId.eq(tenant))
        .filter(order::Column::WriterId.eq(writer))
        .into_tuple()
        .one(conn)
        .await?;
    let (completed, on_time, revised, active, in_revision, due_soon, pending) = row.unwrap_or_default();
    Ok(WriterRecord {
        completed: completed.unwrap_or(0),
        on_time: on_time.unwrap_or(0),
        revised: revised.unwrap_or(0),
        active: active.unwrap_or(0),
        in_revision: in_revision.unwrap_or(0),
        due_soon: due_soon.unwrap_or(0),
        pending_pay_minor: pending.unwrap_or(0),
    })
}
