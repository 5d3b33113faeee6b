//! Support (`crates/support`): tickets with their messages and history, the site's SLA
//! policies, working hours and holidays, each ticket's SLA clocks; disputes over orders with
//! their thread and history; escalations of tickets and disputes to the admins.
//!
//! The guards are the database's: one clock per ticket and metric (its key), a warning and a
//! breach once per clock (conditional updates of a clock not yet warned or breached), one
//! rating per ticket (a conditional update of a closed, unrated ticket), one dispute in progress
//! per order and one open escalation per ticket or dispute (partial unique indexes). The SLA job finds the
//! clocks that need a look by `next_check_at` alone (a partial index), never by scanning tickets.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::m20261206_000021_row_level_security::protect;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SupportSettings {
    Table,
    TenantId,
    WarningPercent,
    ReopenWindowHours,
    DisputeWindowDays,
    Openings,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SlaPolicies {
    Table,
    TenantId,
    Priority,
    FirstResponseMinutes,
    ResolutionMinutes,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SupportHolidays {
    Table,
    TenantId,
    Day,
    Name,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    Id,
    TenantId,
    RequesterId,
    RequesterRole,
    OrderId,
    Subject,
    Category,
    Priority,
    Status,
    AssigneeId,
    OpenedBy,
    CreatedAt,
    UpdatedAt,
    FirstResponseAt,
    ClosedAt,
    ReopenCount,
    Rating,
    RatingComment,
    RatedAt,
}

#[derive(DeriveIden)]
enum TicketMessages {
    Table,
    Id,
    TenantId,
    TicketId,
    AuthorId,
    Internal,
    Body,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TicketEvents {
    Table,
    Id,
    TenantId,
    TicketId,
    Kind,
    Metric,
    ActorId,
    Note,
    At,
}

#[derive(DeriveIden)]
enum TicketSlas {
    Table,
    TicketId,
    Metric,
    TenantId,
    TargetSeconds,
    WarnPercent,
    UsedSeconds,
    State,
    StartedAt,
    RunningSince,
    DueAt,
    WarnAt,
    NextCheckAt,
    WarnedAt,
    BreachedAt,
    MetAt,
}

#[derive(DeriveIden)]
enum Disputes {
    Table,
    Id,
    TenantId,
    OrderId,
    ClientId,
    WriterId,
    OpenedBy,
    OpenerRole,
    Reason,
    Status,
    Priority,
    AssigneeId,
    OrderStatusBefore,
    Outcome,
    OutcomeNote,
    RefundMinor,
    ResolvedBy,
    ResolvedAt,
    ClosedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum DisputeMessages {
    Table,
    Id,
    TenantId,
    DisputeId,
    AuthorId,
    Internal,
    Body,
    CreatedAt,
}

#[derive(DeriveIden)]
enum DisputeEvents {
    Table,
    Id,
    TenantId,
    DisputeId,
    Kind,
    ActorId,
    Note,
    At,
}

#[derive(DeriveIden)]
enum Escalations {
    Table,
    Id,
    TenantId,
    TicketId,
    DisputeId,
    Reason,
    Status,
    EscalatedBy,
    CreatedAt,
    ResolvedBy,
    ResolvedAt,
    Resolution,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let user = |table: DynIden, column: DynIden| {
            ForeignKey::create().from(table, column).to(Users::Table, Users::Id).to_owned()
        };
        let tenant = |table: DynIden| {
            ForeignKey::create().from(table, Alias::new("tenant_id")).to(Tenants::Table, Tenants::Id).to_owned()
        };
        let ticket = |table: DynIden| {
            ForeignKey::create().from(table, Alias::new("ticket_id")).to(Tickets::Table, Tickets::Id).to_owned()
        };
        manager
            .create_table(
                Table::create()
                    .table(SupportSettings::Table)
                    .col(uuid(SupportSettings::TenantId).primary_key())
                    .col(
                        integer(SupportSettings::WarningPercent)
                            .check(Expr::col(SupportSettings::WarningPercent).between(1, 99)),
                    )
                    .col(
                        integer(SupportSettings::ReopenWindowHours)
                            .check(Expr::col(SupportSettings::ReopenWindowHours).between(0, 8784)),
                    )
                    .col(
                        integer(SupportSettings::DisputeWindowDays)
                            .check(Expr::col(SupportSettings::DisputeWindowDays).between(0, 366)),
                    )
                    .col(json(SupportSettings::Openings))
                    .col(timestamp_with_time_zone(SupportSettings::UpdatedAt))
                    .foreign_key(&mut tenant(SupportSettings::Table.into_iden()))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SlaPolicies::Table)
                    .col(uuid(SlaPolicies::TenantId))
                    .col(string_len(SlaPolicies::Priority, 16))
                    .col(
                        integer(SlaPolicies::FirstResponseMinutes)
                            .check(Expr::col(SlaPolicies::FirstResponseMinutes).gt(0)),
                    )
                    .col(integer(SlaPolicies::ResolutionMinutes).check(Expr::col(SlaPolicies::ResolutionMinutes).gt(0)))
                    .col(timestamp_with_time_zone(SlaPolicies::UpdatedAt))
                    .primary_key(Index::create().col(SlaPolicies::TenantId).col(SlaPolicies::Priority))
                    .foreign_key(&mut tenant(SlaPolicies::Table.into_iden()))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SupportHolidays::Table)
                    .col(uuid(SupportHolidays::TenantId))
                    .col(date(SupportHolidays::Day))
                    .col(string_len(SupportHolidays::Name, 100))
                    .primary_key(Index::create().col(SupportHolidays::TenantId).col(SupportHolidays::Day))
                    .foreign_key(&mut tenant(SupportHolidays::Table.into_iden()))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Tickets::Table)
                    .col(pk_uuid(Tickets::Id))
                    .col(uuid(Tickets::TenantId))
                    .col(uuid(Tickets::RequesterId))
                    .col(string_len(Tickets::RequesterRole, 16))
                    .col(uuid_null(Tickets::OrderId))
                    .col(string_len(Tickets::Subject, 200))
                    .col(string_len(Tickets::Category, 24))
                    .col(string_len(Tickets::Priority, 16))
                    .col(string_len(Tickets::Status, 24))
                    .col(uuid_null(Tickets::AssigneeId))
                    .col(uuid(Tickets::OpenedBy))
                    .col(timestamp_with_time_zone(Tickets::CreatedAt))
                    .col(timestamp_with_time_zone(Tickets::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Tickets::FirstResponseAt))
                    .col(timestamp_with_time_zone_null(Tickets::ClosedAt))
                    .col(integer(Tickets::ReopenCount).default(0))
                    .col(small_integer_null(Tickets::Rating).check(Expr::col(Tickets::Rating).between(1, 5)))
                    .col(string_len_null(Tickets::RatingComment, 2000))
                    .col(timestamp_with_time_zone_null(Tickets::RatedAt))
                    .foreign_key(&mut tenant(Tickets::Table.into_iden()))
                    .foreign_key(&mut user(Tickets::Table.into_iden(), Tickets::RequesterId.into_iden()))
                    .foreign_key(&mut user(Tickets::Table.into_iden(), Tickets::AssigneeId.into_iden()))
                    .foreign_key(&mut user(Tickets::Table.into_iden(), Tickets::OpenedBy.into_iden()))
                    .foreign_key(
                        ForeignKey::create().from(Tickets::Table, Tickets::OrderId).to(Orders::Table, Orders::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // the queues: a site's tickets by status (and priority), newest first; an agent's; a
        // requester's; the days they came in
        for (name, columns) in [
            ("ix_tickets_status", vec![Tickets::TenantId, Tickets::Status, Tickets::Priority, Tickets::Id]),
            ("ix_tickets_assignee", vec![Tickets::TenantId, Tickets::AssigneeId, Tickets::Status, Tickets::Id]),
            ("ix_tickets_requester", vec![Tickets::TenantId, Tickets::RequesterId, Tickets::Id]),
            ("ix_tickets_order", vec![Tickets::TenantId, Tickets::OrderId]),
        ] {
            let mut index = Index::create();
            index.name(name).table(Tickets::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(TicketMessages::Table)
                    .col(pk_uuid(TicketMessages::Id))
                    .col(uuid(TicketMessages::TenantId))
                    .col(uuid(TicketMessages::TicketId))
                    .col(uuid(TicketMessages::AuthorId))
                    .col(boolean(TicketMessages::Internal))
                    .col(text(TicketMessages::Body))
                    .col(timestamp_with_time_zone(TicketMessages::CreatedAt))
                    .foreign_key(&mut ticket(TicketMessages::Table.into_iden()))
                    .foreign_key(&mut user(TicketMessages::Table.into_iden(), TicketMessages::AuthorId.into_iden()))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_ticket_messages_ticket")
                    .table(TicketMessages::Table)
                    .col(TicketMessages::TenantId)
                    .col(TicketMessages::TicketId)
                    .col(TicketMessages::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TicketEvents::Table)
                    .col(pk_uuid(TicketEvents::Id))
                    .col(uuid(TicketEvents::TenantId))
                    .col(uuid(TicketEvents::TicketId))
                    .col(string_len(TicketEvents::Kind, 24))
                    .col(string_len_null(TicketEvents::Metric, 16))
                    .col(uuid_null(TicketEvents::ActorId))
                    .col(string_len_null(TicketEvents::Note, 2000))
                    .col(timestamp_with_time_zone(TicketEvents::At))
                    .foreign_key(&mut ticket(TicketEvents::Table.into_iden()))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_ticket_events_ticket")
                    .table(TicketEvents::Table)
                    .col(TicketEvents::TenantId)
                    .col(TicketEvents::TicketId)
                    .col(TicketEvents::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TicketSlas::Table)
                    .col(uuid(TicketSlas::TicketId))
                    .col(string_len(TicketSlas::Metric, 16))
                    .col(uuid(TicketSlas::TenantId))
                    .col(big_integer(TicketSlas::TargetSeconds).check(Expr::col(TicketSlas::TargetSeconds).gt(0)))
                    .col(integer(TicketSlas::WarnPercent))
                    .col(big_integer(TicketSlas::UsedSeconds))
                    .col(string_len(TicketSlas::State, 16))
                    .col(timestamp_with_time_zone(TicketSlas::StartedAt))
                    .col(timestamp_with_time_zone_null(TicketSlas::RunningSince))
                    .col(timestamp_with_time_zone_null(TicketSlas::DueAt))
                    .col(timestamp_with_time_zone_null(TicketSlas::WarnAt))
                    .col(timestamp_with_time_zone_null(TicketSlas::NextCheckAt))
                    .col(timestamp_with_time_zone_null(TicketSlas::WarnedAt))
                    .col(timestamp_with_time_zone_null(TicketSlas::BreachedAt))
                    .col(timestamp_with_time_zone_null(TicketSlas::MetAt))
                    .primary_key(Index::create().col(TicketSlas::TicketId).col(TicketSlas::Metric))
                    .foreign_key(&mut ticket(TicketSlas::Table.into_iden()))
                    .to_owned(),
            )
            .await?;
        // compliance over a period, and the clocks of a site (their state) for its dashboards
        manager
            .create_index(
                Index::create()
                    .name("ix_ticket_slas_tenant")
                    .table(TicketSlas::Table)
                    .col(TicketSlas::TenantId)
                    .col(TicketSlas::StartedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Disputes::Table)
                    .col(pk_uuid(Disputes::Id))
                    .col(uuid(Disputes::TenantId))
                    .col(uuid(Disputes::OrderId))
                    .col(uuid(Disputes::ClientId))
                    .col(uuid_null(Disputes::WriterId))
                    .col(uuid(Disputes::OpenedBy))
                    .col(string_len(Disputes::OpenerRole, 16))
                    .col(string_len(Disputes::Reason, 2000))
                    .col(string_len(Disputes::Status, 16))
                    .col(string_len(Disputes::Priority, 16))
                    .col(uuid_null(Disputes::AssigneeId))
                    .col(string_len(Disputes::OrderStatusBefore, 24))
                    .col(string_len_null(Disputes::Outcome, 24))
                    .col(string_len_null(Disputes::OutcomeNote, 2000))
                    .col(big_integer_null(Disputes::RefundMinor))
                    .col(uuid_null(Disputes::ResolvedBy))
                    .col(timestamp_with_time_zone_null(Disputes::ResolvedAt))
                    .col(timestamp_with_time_zone_null(Disputes::ClosedAt))
                    .col(timestamp_with_time_zone(Disputes::CreatedAt))
                    .col(timestamp_with_time_zone(Disputes::UpdatedAt))
                    .foreign_key(&mut tenant(Disputes::Table.into_iden()))
                    .foreign_key(&mut user(Disputes::Table.into_iden(), Disputes::OpenedBy.into_iden()))
                    .foreign_key(&mut user(Disputes::Table.into_iden(), Disputes::AssigneeId.into_iden()))
                    .foreign_key(
                        ForeignKey::create().from(Disputes::Table, Disputes::OrderId).to(Orders::Table, Orders::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            ("ix_disputes_status", vec![Disputes::TenantId, Disputes::Status, Disputes::Id]),
            ("ix_disputes_assignee", vec![Disputes::TenantId, Disputes::AssigneeId, Disputes::Status]),
            ("ix_disputes_order", vec![Disputes::TenantId, Disputes::OrderId]),
            ("ix_disputes_client", vec![Disputes::TenantId, Disputes::ClientId, Disputes::Id]),
            ("ix_disputes_writer", vec![Disputes::TenantId, Disputes::WriterId, Disputes::Id]),
        ] {
            let mut index = Index::create();
            index.name(name).table(Disputes::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        let dispute = |table: DynIden| {
            ForeignKey::create().from(table, Alias::new("dispute_id")).to(Disputes::Table, Disputes::Id).to_owned()
        };
        manager
            .create_table(
                Table::create()
                    .table(DisputeMessages::Table)
                    .col(pk_uuid(DisputeMessages::Id))
                    .col(uuid(DisputeMessages::TenantId))
                    .col(uuid(DisputeMessages::DisputeId))
                    .col(uuid(DisputeMessages::AuthorId))
                    .col(boolean(DisputeMessages::Internal))
                    .col(text(DisputeMessages::Body))
                    .col(timestamp_with_time_zone(DisputeMessages::CreatedAt))
                    .foreign_key(&mut dispute(DisputeMessages::Table.into_iden()))
                    .foreign_key(&mut user(DisputeMessages::Table.into_iden(), DisputeMessages::AuthorId.into_iden()))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_dispute_messages_dispute")
                    .table(DisputeMessages::Table)
                    .col(DisputeMessages::TenantId)
                    .col(DisputeMessages::DisputeId)
                    .col(DisputeMessages::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DisputeEvents::Table)
                    .col(pk_uuid(DisputeEvents::Id))
                    .col(uuid(DisputeEvents::TenantId))
                    .col(uuid(DisputeEvents::DisputeId))
                    .col(string_len(DisputeEvents::Kind, 24))
                    .col(uuid_null(DisputeEvents::ActorId))
                    .col(string_len_null(DisputeEvents::Note, 2000))
                    .col(timestamp_with_time_zone(DisputeEvents::At))
                    .foreign_key(&mut dispute(DisputeEvents::Table.into_iden()))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_dispute_events_dispute")
                    .table(DisputeEvents::Table)
                    .col(DisputeEvents::TenantId)
                    .col(DisputeEvents::DisputeId)
                    .col(DisputeEvents::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Escalations::Table)
                    .col(pk_uuid(Escalations::Id))
                    .col(uuid(Escalations::TenantId))
                    .col(uuid_null(Escalations::TicketId))
                    .col(uuid_null(Escalations::DisputeId))
                    .col(string_len(Escalations::Reason, 2000))
                    .col(string_len(Escalations::Status, 16))
                    .col(uuid(Escalations::EscalatedBy))
                    .col(timestamp_with_time_zone(Escalations::CreatedAt))
                    .col(uuid_null(Escalations::ResolvedBy))
                    .col(timestamp_with_time_zone_null(Escalations::ResolvedAt))
                    .col(string_len_null(Escalations::Resolution, 2000))
                    .foreign_key(&mut ticket(Escalations::Table.into_iden()))
                    .foreign_key(&mut dispute(Escalations::Table.into_iden()))
                    .foreign_key(&mut user(Escalations::Table.into_iden(), Escalations::EscalatedBy.into_iden()))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_escalations_status")
                    .table(Escalations::Table)
                    .col(Escalations::TenantId)
                    .col(Escalations::Status)
                    .col(Escalations::Id)
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        let postgres = db.get_database_backend() == DbBackend::Postgres;
        // The dashboards' counts, each from an index alone whatever the history (on PostgreSQL
        // `INCLUDE`d columns; on SQLite the same columns as keys): the active tickets (the queue,
        // payment issues), an agent's tickets of a period (their record), the tickets of a period
        // (per day, per category), those closed (resolution times), those rated (satisfaction),
        // and the clocks past their target still open (overdue).
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
        // one dispute in progress per order, one open escalation per ticket or dispute, whichever
        // of two racing writes comes first
        for sql in [
            "CREATE UNIQUE INDEX ux_disputes_active ON disputes (order_id) WHERE status IN ('OPEN', 'UNDER_REVIEW', 'ESCALATED')",
            "CREATE UNIQUE INDEX ux_escalations_ticket ON escalations (ticket_id) WHERE status = 'OPEN' AND ticket_id IS NOT NULL",
            "CREATE UNIQUE INDEX ux_escalations_dispute ON escalations (dispute_id) WHERE status = 'OPEN' AND dispute_id IS NOT NULL",
        ] {
            db.execute_unprepared(sql).await?;
        }
        // the SLA job's one look: the clocks due a warning or a breach check, soonest first
        db.execute_unprepared(
            "CREATE INDEX ix_ticket_slas_next_check ON ticket_slas (next_check_at) WHERE next_check_at IS NOT NULL",
        )
        .await?;
        if postgres {
            for table in [
                "support_settings",
                "sla_policies",
                "support_holidays",
                "tickets",
                "ticket_messages",
                "ticket_events",
                "ticket_slas",
                "disputes",
                "dispute_messages",
                "dispute_events",
                "escalations",
            ] {
                protect(db, table).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Escalations::Table.into_iden(),
            DisputeEvents::Table.into_iden(),
            DisputeMessages::Table.into_iden(),
            Disputes::Table.into_iden(),
            TicketSlas::Table.into_iden(),
            TicketEvents::Table.into_iden(),
            TicketMessages::Table.into_iden(),
            Tickets::Table.into_iden(),
            SupportHolidays::Table.into_iden(),
            SlaPolicies::Table.into_iden(),
            SupportSettings::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

/// Creates the index `name` on `tickets` over `keys` that also holds `included` (on PostgreSQL
/// `INCLUDE`d, on SQLite as more keys), for rows where `only` holds (a `WHERE`, or nothing), so
/// a count reads the index alone.
pub(crate) async fn covering_index(
    db: &impl ConnectionTrait,
    name: &str,
    keys: &str,
    included: &str,
    only: &str,
) -> Result<(), DbErr> {
    let postgres = db.get_database_backend() == DbBackend::Postgres;
    let sql = match (postgres, included.is_empty()) {
        (true, false) => format!("CREATE INDEX {name} ON tickets ({keys}) INCLUDE ({included}) {only}"),
        (false, false) => format!("CREATE INDEX {name} ON tickets ({keys}, {included}) {only}"),
        (_, true) => format!("CREATE INDEX {name} ON tickets ({keys}) {only}"),
    };
    db.execute_unprepared(&sql).await?;
    Ok(())
}
