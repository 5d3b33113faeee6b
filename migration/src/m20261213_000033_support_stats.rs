//! What the support dashboard reads kept as it happens, so its cost does not grow with the
//! history:
//!
//! - `support_daily_stats`: per site, day of the site's time zone and ticket category, the
//!   tickets opened, the closings (and their seconds from opening), and the ratings given by
//!   score. Written in the transaction of each step (an upsert adding the step's counts); a
//!   reopened ticket's closing is taken back from its day. The past is filled here from the
//!   tickets as they stand ([`fill_daily_stats`]).
//!   The day each closing was counted on is kept on the ticket (`closed_day`), for a reopening
//!   to take it back from there.
//! - per ticket, its SLA record: clocks met on time, clocks breached, and whether a breached
//!   clock still runs (`overdue`); recomputed from its clocks whenever one meets, breaches or
//!   runs again, and read with the agent's and the active tickets' indexes.
//!
//! The indexes that fed the dashboard's scans of the period's tickets go.

use std::collections::HashMap;

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::prelude::{ChronoDate, ChronoDateTimeUtc, Uuid};
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement, Value};

use crate::m20261206_000021_row_level_security::protect;
use crate::m20261212_000031_support::covering_index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SupportDailyStats {
    Table,
    TenantId,
    Day,
    Category,
    Opened,
    Closed,
    ResolutionSeconds,
    #[sea_orm(iden = "rated_1")]
    Rated1,
    #[sea_orm(iden = "rated_2")]
    Rated2,
    #[sea_orm(iden = "rated_3")]
    Rated3,
    #[sea_orm(iden = "rated_4")]
    Rated4,
    #[sea_orm(iden = "rated_5")]
    Rated5,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    ClosedDay,
    SlaMet,
    SlaBreached,
    SlaOverdue,
}

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
}

/// Recomputes every ticket's SLA record from its clocks (also what a test checks the record kept
/// step by step against).
pub const RECOUNT_SLA: &str = "UPDATE tickets SET \
     sla_met = (SELECT COUNT(*) FROM ticket_slas s WHERE s.ticket_id = tickets.id \
                AND s.met_at IS NOT NULL AND s.breached_at IS NULL), \
     sla_breached = (SELECT COUNT(*) FROM ticket_slas s WHERE s.ticket_id = tickets.id AND s.breached_at IS NOT NULL), \
     sla_overdue = EXISTS (SELECT 1 FROM ticket_slas s WHERE s.ticket_id = tickets.id \
                           AND s.state <> 'STOPPED' AND s.breached_at IS NOT NULL)";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// All or nothing on SQLite too: the statistics are deleted and filled again.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SupportDailyStats::Table)
                    .col(uuid(SupportDailyStats::TenantId))
                    .col(date(SupportDailyStats::Day))
                    .col(string_len(SupportDailyStats::Category, 24))
                    .col(integer(SupportDailyStats::Opened).default(0))
                    .col(integer(SupportDailyStats::Closed).default(0))
                    .col(big_integer(SupportDailyStats::ResolutionSeconds).default(0))
                    .col(integer(SupportDailyStats::Rated1).default(0))
                    .col(integer(SupportDailyStats::Rated2).default(0))
                    .col(integer(SupportDailyStats::Rated3).default(0))
                    .col(integer(SupportDailyStats::Rated4).default(0))
                    .col(integer(SupportDailyStats::Rated5).default(0))
                    .primary_key(
                        Index::create()
                            .col(SupportDailyStats::TenantId)
                            .col(SupportDailyStats::Day)
                            .col(SupportDailyStats::Category),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(SupportDailyStats::Table, SupportDailyStats::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for column in [
            date_null(Tickets::ClosedDay).to_owned(),
            integer(Tickets::SlaMet).default(0).to_owned(),
            integer(Tickets::SlaBreached).default(0).to_owned(),
            boolean(Tickets::SlaOverdue).default(false).to_owned(),
        ] {
            manager.alter_table(Table::alter().table(Tickets::Table).add_column(column).to_owned()).await?;
        }
        let db = manager.get_connection();
        let postgres = db.get_database_backend() == DbBackend::Postgres;
        if postgres {
            // the backfill reads and writes every site's rows
            db.execute_unprepared("SELECT set_config('app.cross_tenant', 'on', true)").await?;
        }
        db.execute_unprepared(RECOUNT_SLA).await?;
        fill_daily_stats(db).await?;
        // the active tickets (the queue, overdue ones, categories, payment issues) and an agent's
        // tickets of a period (their record), each counted from its index alone (on PostgreSQL
        // `INCLUDE`d columns; on SQLite the same columns as keys)
        for (name, keys, included, only) in [
            (
                "ix_tickets_queue",
                "tenant_id, category, priority, assignee_id",
                "sla_overdue",
                "WHERE status IN ('OPEN', 'IN_PROGRESS', 'AWAITING_CUSTOMER', 'ESCALATED')",
            ),
            (
                "ix_tickets_agent_record",
                "tenant_id, assignee_id, created_at",
                "status, first_response_at, sla_met, sla_breached",
                "",
            ),
        ] {
            covering_index(db, name, keys, included, only).await?;
        }
        for name in [
            "ix_tickets_active",
            "ix_tickets_agent_period",
            "ix_tickets_created",
            "ix_tickets_closed",
            "ix_tickets_rated",
            "ix_ticket_slas_overdue",
        ] {
            db.execute_unprepared(&format!("DROP INDEX {name}")).await?;
        }
        if postgres {
            protect(db, "support_daily_stats").await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for name in ["ix_tickets_queue", "ix_tickets_agent_record"] {
            db.execute_unprepared(&format!("DROP INDEX {name}")).await?;
        }
        for column in [Tickets::SlaOverdue, Tickets::SlaBreached, Tickets::SlaMet, Tickets::ClosedDay] {
            manager.alter_table(Table::alter().table(Tickets::Table).drop_column(column).to_owned()).await?;
        }
        manager.drop_table(Table::drop().table(SupportDailyStats::Table).to_owned()).await?;
        for (name, keys, included, only) in [
            (
                "ix_tickets_active",
                "tenant_id, category, priority, assignee_id",
                "",
                "WHERE status IN ('OPEN', 'IN_PROGRESS', 'AWAITING_CUSTOMER', 'ESCALATED')",
            ),
            ("ix_tickets_agent_period", "tenant_id, assignee_id, created_at", "status, first_response_at", ""),
            ("ix_tickets_created", "tenant_id, created_at", "category, status", ""),
            ("ix_tickets_closed", "tenant_id, closed_at", "created_at", "WHERE closed_at IS NOT NULL"),
            ("ix_tickets_rated", "tenant_id, rated_at", "rating", "WHERE rating IS NOT NULL"),
        ] {
            covering_index(db, name, keys, included, only).await?;
        }
        db.execute_unprepared(
            "CREATE INDEX ix_ticket_slas_overdue ON ticket_slas (tenant_id, ticket_id) \
             WHERE state <> 'STOPPED' AND breached_at IS NOT NULL",
        )
        .await?;
        Ok(())
    }
}

/// One day's counts of one category.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Counts {
    opened: i64,
    closed: i64,
    resolution_seconds: i64,
    rated: [i64; 5],
}

/// A day's count as its column holds it (no site opens two billion tickets a day).
fn narrow(n: i64) -> i32 {
    <i32 as TryFrom<i64>>::try_from(n).unwrap_or(i32::MAX)
}

/// Tickets read a batch while filling the statistics.
const BATCH: u64 = 1000;

/// Fills `support_daily_stats` from the tickets as they stand (the rows there are replaced):
/// each ticket's opening on its day, its closing (if closed) on that day, its rating on the
/// day it was given; days in each site's time zone. Reads the tickets a batch at a time, keeps
/// only the counts (a few per day and category). Also the check of the counts kept step by step:
/// filled again from the tickets, they must come out the same.
pub async fn fill_daily_stats(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let param = |n: usize| if backend == DbBackend::Postgres { format!("${n}") } else { format!("?{n}") };
    let sites = db.query_all_raw(Statement::from_string(backend, "SELECT id, time_zone FROM tenants")).await?;
    for site in sites {
        let tenant: Uuid = site.try_get("", "id")?;
        let zone: String = site.try_get("", "time_zone")?;
        let zone: chrono_tz::Tz = zone.parse().unwrap_or(chrono_tz::UTC);
        let day = |at: ChronoDateTimeUtc| at.with_timezone(&zone).date_naive();
        let mut counts: HashMap<(ChronoDate, String), Counts> = HashMap::new();
        let mut after: Option<Uuid> = None;
        loop {
            let (sql, values) = match after {
                None => (
                    format!(
                        "SELECT id, category, created_at, closed_at, closed_day, rating, rated_at FROM tickets \
                         WHERE tenant_id = {} ORDER BY id LIMIT {BATCH}",
                        param(1)
                    ),
                    vec![Value::from(tenant)],
                ),
                Some(last) => (
                    format!(
                        "SELECT id, category, created_at, closed_at, closed_day, rating, rated_at FROM tickets \
                         WHERE tenant_id = {} AND id > {} ORDER BY id LIMIT {BATCH}",
                        param(1),
                        param(2)
                    ),
                    vec![Value::from(tenant), Value::from(last)],
                ),
            };
            let rows = db.query_all_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
            let Some(last) = rows.last() else { break };
            after = Some(last.try_get("", "id")?);
            for row in &rows {
                let category: String = row.try_get("", "category")?;
                let created: ChronoDateTimeUtc = row.try_get("", "created_at")?;
                counts.entry((day(created), category.clone())).or_default().opened += 1;
                if let Some(closed) = row.try_get::<Option<ChronoDateTimeUtc>>("", "closed_at")? {
                    // the day its closing was counted on, once kept (the site's zone may have
                    // changed since)
                    let on = row.try_get::<Option<ChronoDate>>("", "closed_day")?.unwrap_or_else(|| day(closed));
                    let entry = counts.entry((on, category.clone())).or_default();
                    entry.closed += 1;
                    // whole seconds, as each backend keeps them
                    entry.resolution_seconds += closed.timestamp() - created.timestamp();
                }
                let rating: Option<i16> = row.try_get("", "rating")?;
                let rated: Option<ChronoDateTimeUtc> = row.try_get("", "rated_at")?;
                if let (Some(rating), Some(rated)) = (rating, rated)
                    && let Some(slot) = usize::try_from(rating - 1).ok().filter(|i| *i < 5)
                {
                    counts.entry((day(rated), category)).or_default().rated[slot] += 1;
                }
            }
        }
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            format!("DELETE FROM support_daily_stats WHERE tenant_id = {}", param(1)),
            vec![tenant.into()],
        ))
        .await?;
        let rows: Vec<_> = counts.into_iter().collect();
        for chunk in rows.chunks(200) {
            let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 11);
            let mut tuples = Vec::with_capacity(chunk.len());
            for ((day, category), c) in chunk {
                let first = values.len();
                tuples.push(format!("({})", (1..=11).map(|i| param(first + i)).collect::<Vec<_>>().join(", ")));
                values.extend([
                    Value::from(tenant),
                    Value::from(*day),
                    Value::from(category.clone()),
                    Value::from(narrow(c.opened)),
                    Value::from(narrow(c.closed)),
                    Value::from(c.resolution_seconds),
                ]);
                values.extend(c.rated.iter().map(|n| Value::from(narrow(*n))));
            }
            db.execute_raw(Statement::from_sql_and_values(
                backend,
                format!(
                    "INSERT INTO support_daily_stats (tenant_id, day, category, opened, closed, resolution_seconds, \
                     rated_1, rated_2, rated_3, rated_4, rated_5) VALUES {}",
                    tuples.join(", ")
                ),
                values,
            ))
            .await?;
        }
    }
    Ok(())
}
