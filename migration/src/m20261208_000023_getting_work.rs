use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::m20261206_000021_row_level_security::protect;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Orders {
    Table,
    TenantId,
    WriterId,
    WriterAssignedAt,
    PreferredFeeMinor,
    Status,
    WriterDeadline,
    Id,
}

#[derive(DeriveIden)]
enum PricingSettings {
    Table,
    PreferredWindowHours,
}

#[derive(DeriveIden)]
enum OrderEvents {
    Table,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum WriterOrderRequests {
    Table,
    Id,
    TenantId,
    OrderId,
    WriterId,
    Note,
    Status,
    Reason,
    CreatedAt,
    DecidedAt,
    DecidedBy,
}

/// The ways a writer gets work (`crates/writers`, service `work`): when the order came into its
/// writer's hands (what a daily limit counts, replacing the count of the writer's own timeline
/// steps), the preferred-writer fee of an order (refunded when the preferred writer lets it go),
/// the tenant's window for a preferred writer's answer, and writers' requests for orders.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Orders::Table)
                    .add_column(timestamp_with_time_zone_null(Orders::WriterAssignedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Orders::Table)
                    .add_column(big_integer(Orders::PreferredFeeMinor).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(PricingSettings::Table)
                    .add_column(integer(PricingSettings::PreferredWindowHours).default(48))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        if db.get_database_backend() == DbBackend::Postgres {
            // the backfill reads and writes every tenant's rows, behind the wall's FORCE
            db.execute_unprepared("SELECT set_config('app.cross_tenant', 'on', true)").await?;
        }
        // an order held now came to its writer with the latest offer or acceptance of it
        db.execute_unprepared(
            "UPDATE orders SET writer_assigned_at = COALESCE((SELECT MAX(e.at) FROM order_events e \
             WHERE e.order_id = orders.id AND e.kind IN ('ASSIGN_WRITER', 'ACCEPT_ASSIGNMENT')), placed_at) \
             WHERE writer_id IS NOT NULL",
        )
        .await?;
        // an order placed earlier with a preferred writer has its fee among its frozen lines
        db.execute_unprepared(
            "UPDATE orders SET preferred_fee_minor = COALESCE((SELECT SUM(l.amount_minor) FROM order_lines l \
             WHERE l.order_id = orders.id AND l.code = 'preferred_writer'), 0) \
             WHERE preferred_writer_id IS NOT NULL",
        )
        .await?;
        manager.drop_index(Index::drop().name("ix_order_events_actor").table(OrderEvents::Table).to_owned()).await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_orders_writer_assigned")
                    .table(Orders::Table)
                    .col(Orders::TenantId)
                    .col(Orders::WriterId)
                    .col(Orders::WriterAssignedAt)
                    .to_owned(),
            )
            .await?;
        // the pool, as writers page through it: the soonest writer's deadline first
        manager
            .create_index(
                Index::create()
                    .name("ix_orders_pool")
                    .table(Orders::Table)
                    .col(Orders::TenantId)
                    .col(Orders::Status)
                    .col(Orders::WriterDeadline)
                    .col(Orders::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WriterOrderRequests::Table)
                    .col(pk_uuid(WriterOrderRequests::Id))
                    .col(uuid(WriterOrderRequests::TenantId))
                    .col(uuid(WriterOrderRequests::OrderId))
                    .col(uuid(WriterOrderRequests::WriterId))
                    .col(string_len(WriterOrderRequests::Note, 1000))
                    .col(string_len(WriterOrderRequests::Status, 16))
                    .col(string_len_null(WriterOrderRequests::Reason, 500))
                    .col(timestamp_with_time_zone(WriterOrderRequests::CreatedAt))
                    .col(timestamp_with_time_zone_null(WriterOrderRequests::DecidedAt))
                    .col(uuid_null(WriterOrderRequests::DecidedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .from(WriterOrderRequests::Table, WriterOrderRequests::WriterId)
                            .to(Users::Table, Users::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(WriterOrderRequests::Table, WriterOrderRequests::OrderId)
                            .to(Orders::Table, Orders::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_writer_order_requests_writer")
                    .table(WriterOrderRequests::Table)
                    .col(WriterOrderRequests::TenantId)
                    .col(WriterOrderRequests::WriterId)
                    .col(WriterOrderRequests::Status)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_writer_order_requests_order")
                    .table(WriterOrderRequests::Table)
                    .col(WriterOrderRequests::TenantId)
                    .col(WriterOrderRequests::OrderId)
                    .col(WriterOrderRequests::Status)
                    .to_owned(),
            )
            .await?;
        // one open request per writer and order, whichever of two racing requests gets there
        // first (a partial unique index: both backends have them)
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_writer_order_requests_open ON writer_order_requests \
             (tenant_id, order_id, writer_id) WHERE status = 'PENDING'",
        )
        .await?;
        if db.get_database_backend() == DbBackend::Postgres {
            protect(db, "writer_order_requests").await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(WriterOrderRequests::Table).to_owned()).await?;
        manager.drop_index(Index::drop().name("ix_orders_writer_assigned").table(Orders::Table).to_owned()).await?;
        manager.drop_index(Index::drop().name("ix_orders_pool").table(Orders::Table).to_owned()).await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_order_events_actor")
                    .table(OrderEvents::Table)
                    .col(Alias::new("tenant_id"))
                    .col(Alias::new("actor_id"))
                    .col(Alias::new("at"))
                    .to_owned(),
            )
            .await?;
        for column in [Orders::WriterAssignedAt, Orders::PreferredFeeMinor] {
            manager.alter_table(Table::alter().table(Orders::Table).drop_column(column).to_owned()).await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(PricingSettings::Table)
                    .drop_column(PricingSettings::PreferredWindowHours)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
