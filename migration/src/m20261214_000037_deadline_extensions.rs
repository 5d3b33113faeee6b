//! Deadline extensions: the client or the writer asks for a later deadline, the other side (or
//! an admin) approves or declines. At most one waits an order (a partial unique index). The
//! site's limit of how far a deadline may move (`max_extension_days`, 14 by default).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::m20261206_000021_row_level_security::protect;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum PricingSettings {
    Table,
    MaxExtensionDays,
}

#[derive(DeriveIden)]
enum DeadlineExtensions {
    Table,
    Id,
    TenantId,
    OrderId,
    RequestedBy,
    RequestedByRole,
    Deadline,
    NewDeadline,
    WriterDeadline,
    NewWriterDeadline,
    Reason,
    Status,
    CreatedAt,
    DecidedBy,
    DecidedAt,
    Note,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(PricingSettings::Table)
                    .add_column(integer(PricingSettings::MaxExtensionDays).default(14))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DeadlineExtensions::Table)
                    .col(uuid(DeadlineExtensions::Id).primary_key())
                    .col(uuid(DeadlineExtensions::TenantId))
                    .col(uuid(DeadlineExtensions::OrderId))
                    .col(uuid(DeadlineExtensions::RequestedBy))
                    .col(string_len(DeadlineExtensions::RequestedByRole, 16))
                    .col(timestamp_with_time_zone(DeadlineExtensions::Deadline))
                    .col(timestamp_with_time_zone(DeadlineExtensions::NewDeadline))
                    .col(timestamp_with_time_zone(DeadlineExtensions::WriterDeadline))
                    .col(timestamp_with_time_zone(DeadlineExtensions::NewWriterDeadline))
                    .col(string_len(DeadlineExtensions::Reason, 1000))
                    .col(string_len(DeadlineExtensions::Status, 16))
                    .col(timestamp_with_time_zone(DeadlineExtensions::CreatedAt))
                    .col(uuid_null(DeadlineExtensions::DecidedBy))
                    .col(timestamp_with_time_zone_null(DeadlineExtensions::DecidedAt))
                    .col(string_len_null(DeadlineExtensions::Note, 1000))
                    .foreign_key(
                        ForeignKey::create()
                            .from(DeadlineExtensions::Table, DeadlineExtensions::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        for statement in [
            "CREATE INDEX ix_deadline_extensions_order ON deadline_extensions (tenant_id, order_id, id)",
            "CREATE UNIQUE INDEX ux_deadline_extensions_pending ON deadline_extensions (order_id) WHERE status = 'PENDING'",
        ] {
            db.execute_unprepared(statement).await?;
        }
        if db.get_database_backend() == sea_orm_migration::sea_orm::DbBackend::Postgres {
            protect(db, "deadline_extensions").await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(DeadlineExtensions::Table).to_owned()).await?;
        manager
            .alter_table(
                Table::alter().table(PricingSettings::Table).drop_column(PricingSettings::MaxExtensionDays).to_owned(),
            )
            .await
    }
}
