//! Payouts: a writer asks for available earnings to be paid out (`payout_requests`); admins
//! group what waits into a batch (`payout_batches`), pay it through the bank and mark it paid,
//! or fail single payouts (their money returns to earnings). The site's rules: earnings are
//! held a number of days after they are credited (against refunds and disputes), and a request
//! asks at least a minimum.

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
enum PayoutSettings {
    Table,
    TenantId,
    HoldDays,
    MinimumMinor,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PayoutBatches {
    Table,
    Id,
    TenantId,
    Status,
    RequestCount,
    TotalMinor,
    Currency,
    CreatedAt,
    CreatedBy,
    PaidAt,
    ExternalReference,
}

#[derive(DeriveIden)]
enum PayoutRequests {
    Table,
    Id,
    TenantId,
    WriterId,
    AmountMinor,
    Currency,
    Status,
    BatchId,
    RequestedAt,
    DecidedAt,
    FailureReason,
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
                    .table(PayoutSettings::Table)
                    .col(uuid(PayoutSettings::TenantId).primary_key())
                    .col(integer(PayoutSettings::HoldDays).default(14))
                    .col(big_integer(PayoutSettings::MinimumMinor).default(5_000))
                    .col(timestamp_with_time_zone(PayoutSettings::UpdatedAt))
                    .foreign_key(&mut tenant_key(PayoutSettings::Table, PayoutSettings::TenantId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PayoutBatches::Table)
                    .col(uuid(PayoutBatches::Id).primary_key())
                    .col(uuid(PayoutBatches::TenantId))
                    .col(string_len(PayoutBatches::Status, 16))
                    .col(integer(PayoutBatches::RequestCount))
                    .col(big_integer(PayoutBatches::TotalMinor))
                    .col(string_len(PayoutBatches::Currency, 3))
                    .col(timestamp_with_time_zone(PayoutBatches::CreatedAt))
                    .col(uuid_null(PayoutBatches::CreatedBy))
                    .col(timestamp_with_time_zone_null(PayoutBatches::PaidAt))
                    .col(string_len_null(PayoutBatches::ExternalReference, 200))
                    .foreign_key(&mut tenant_key(PayoutBatches::Table, PayoutBatches::TenantId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PayoutRequests::Table)
                    .col(uuid(PayoutRequests::Id).primary_key())
                    .col(uuid(PayoutRequests::TenantId))
                    .col(uuid(PayoutRequests::WriterId))
                    .col(big_integer(PayoutRequests::AmountMinor))
                    .col(string_len(PayoutRequests::Currency, 3))
                    .col(string_len(PayoutRequests::Status, 16))
                    .col(uuid_null(PayoutRequests::BatchId))
                    .col(timestamp_with_time_zone(PayoutRequests::RequestedAt))
                    .col(timestamp_with_time_zone_null(PayoutRequests::DecidedAt))
                    .col(string_len_null(PayoutRequests::FailureReason, 500))
                    .foreign_key(&mut tenant_key(PayoutRequests::Table, PayoutRequests::TenantId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PayoutRequests::Table, PayoutRequests::BatchId)
                            .to(PayoutBatches::Table, PayoutBatches::Id),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        for statement in [
            "CREATE INDEX ix_payout_batches_tenant ON payout_batches (tenant_id, id)",
            // the queue (what waits for a batch), a writer's history, a batch's payouts
            "CREATE INDEX ix_payout_requests_status ON payout_requests (tenant_id, status, id)",
            "CREATE INDEX ix_payout_requests_writer ON payout_requests (tenant_id, writer_id, id)",
            "CREATE INDEX ix_payout_requests_batch ON payout_requests (tenant_id, batch_id, id)",
        ] {
            db.execute_unprepared(statement).await?;
        }
        if db.get_database_backend() == sea_orm_migration::sea_orm::DbBackend::Postgres {
            for table in ["payout_settings", "payout_batches", "payout_requests"] {
                protect(db, table).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in
            [PayoutRequests::Table.into_iden(), PayoutBatches::Table.into_iden(), PayoutSettings::Table.into_iden()]
        {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
