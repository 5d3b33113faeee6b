//! Fines on writers. A site's policies (`fine_policies`, one per kind): lateness by the hour and
//! the day late, capped at the writer's pay for the order; the other kinds a fixed amount or a
//! percent of it. A fine (`fines`) waits `PENDING` through the site's appeal window, then is
//! `APPLIED` (its amount debited from the writer's earnings through the ledger), unless it is
//! `WAIVED` or `VOIDED` (an applied one's money returns). The writer's appeal, at most one a
//! fine, is kept on the fine itself.

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
enum FinePolicies {
    Table,
    TenantId,
    Kind,
    Mode,
    AmountMinor,
    PercentE4,
    HourlyPercentE4,
    DailyPercentE4,
    Active,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum FineSettings {
    Table,
    TenantId,
    AppealWindowHours,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Fines {
    Table,
    Id,
    TenantId,
    WriterId,
    OrderId,
    Kind,
    AmountMinor,
    Currency,
    Reason,
    Status,
    Automatic,
    IssuedBy,
    CreatedAt,
    AppealUntil,
    AppliedAt,
    ClosedAt,
    ClosedBy,
    CloseNote,
    AppealStatus,
    AppealReason,
    AppealedAt,
    AppealDecidedAt,
    AppealDecidedBy,
    AppealNote,
}

fn tenant_key<T: IntoIden + 'static>(table: T, column: T) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(Tenants::Table, Tenants::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(FinePolicies::Table)
                    .col(uuid(FinePolicies::TenantId))
                    .col(string_len(FinePolicies::Kind, 32))
                    .col(string_len(FinePolicies::Mode, 16))
                    .col(big_integer(FinePolicies::AmountMinor).default(0))
                    .col(big_integer(FinePolicies::PercentE4).default(0))
                    .col(big_integer(FinePolicies::HourlyPercentE4).default(0))
                    .col(big_integer(FinePolicies::DailyPercentE4).default(0))
                    .col(boolean(FinePolicies::Active).default(true))
                    .col(timestamp_with_time_zone(FinePolicies::UpdatedAt))
                    .primary_key(Index::create().col(FinePolicies::TenantId).col(FinePolicies::Kind))
                    .foreign_key(&mut tenant_key(FinePolicies::Table, FinePolicies::TenantId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FineSettings::Table)
                    .col(uuid(FineSettings::TenantId).primary_key())
                    .col(integer(FineSettings::AppealWindowHours).default(72))
                    .col(timestamp_with_time_zone(FineSettings::UpdatedAt))
                    .foreign_key(&mut tenant_key(FineSettings::Table, FineSettings::TenantId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Fines::Table)
                    .col(uuid(Fines::Id).primary_key())
                    .col(uuid(Fines::TenantId))
                    .col(uuid(Fines::WriterId))
                    .col(uuid(Fines::OrderId))
                    .col(string_len(Fines::Kind, 32))
                    .col(big_integer(Fines::AmountMinor))
                    .col(string_len(Fines::Currency, 3))
                    .col(string_len(Fines::Reason, 1000))
                    .col(string_len(Fines::Status, 16))
                    .col(boolean(Fines::Automatic).default(false))
                    .col(uuid_null(Fines::IssuedBy))
                    .col(timestamp_with_time_zone(Fines::CreatedAt))
                    .col(timestamp_with_time_zone(Fines::AppealUntil))
                    .col(timestamp_with_time_zone_null(Fines::AppliedAt))
                    .col(timestamp_with_time_zone_null(Fines::ClosedAt))
                    .col(uuid_null(Fines::ClosedBy))
                    .col(string_len_null(Fines::CloseNote, 1000))
                    .col(string_len_null(Fines::AppealStatus, 16))
                    .col(string_len_null(Fines::AppealReason, 2000))
                    .col(timestamp_with_time_zone_null(Fines::AppealedAt))
                    .col(timestamp_with_time_zone_null(Fines::AppealDecidedAt))
                    .col(uuid_null(Fines::AppealDecidedBy))
                    .col(string_len_null(Fines::AppealNote, 1000))
                    .foreign_key(&mut tenant_key(Fines::Table, Fines::TenantId))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        for statement in [
            // the queues (pending, appealed), a writer's fines, the months' analytics
            "CREATE INDEX ix_fines_status ON fines (tenant_id, status, id)",
            "CREATE INDEX ix_fines_appeal ON fines (tenant_id, appeal_status, id)",
            "CREATE INDEX ix_fines_writer ON fines (tenant_id, writer_id, id)",
            "CREATE INDEX ix_fines_created ON fines (tenant_id, created_at)",
            // one automatic lateness fine an order
            "CREATE UNIQUE INDEX ux_fines_lateness ON fines (order_id) WHERE automatic",
        ] {
            db.execute_unprepared(statement).await?;
        }
        if db.get_database_backend() == sea_orm_migration::sea_orm::DbBackend::Postgres {
            for table in ["fine_policies", "fine_settings", "fines"] {
                protect(db, table).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [Fines::Table.into_iden(), FineSettings::Table.into_iden(), FinePolicies::Table.into_iden()] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
