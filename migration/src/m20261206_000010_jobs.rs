use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Jobs {
    Table,
    Id,
    TenantId,
    Kind,
    Payload,
    Status,
    RunAt,
    Attempts,
    MaxAttempts,
    LockedBy,
    LockedUntil,
    LastError,
    UniqueKey,
    CreatedAt,
    UpdatedAt,
    FinishedAt,
}

/// Background jobs, claimed by any number of workers (`crates/jobs`): a job is due when it is
/// queued and its time has come, or running under a lease that ran out (its worker died).
/// `unique_key` names a cause (a periodic job's slot, a business event) so that it is enqueued
/// once however many workers or transactions try.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Jobs::Table)
                    .col(pk_uuid(Jobs::Id))
                    .col(uuid_null(Jobs::TenantId))
                    .col(string_len(Jobs::Kind, 100))
                    .col(json(Jobs::Payload))
                    .col(string_len(Jobs::Status, 16))
                    .col(timestamp_with_time_zone(Jobs::RunAt))
                    .col(integer(Jobs::Attempts))
                    .col(integer(Jobs::MaxAttempts))
                    .col(string_len_null(Jobs::LockedBy, 100))
                    .col(timestamp_with_time_zone_null(Jobs::LockedUntil))
                    .col(text_null(Jobs::LastError))
                    .col(string_len_null(Jobs::UniqueKey, 200))
                    .col(timestamp_with_time_zone(Jobs::CreatedAt))
                    .col(timestamp_with_time_zone(Jobs::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Jobs::FinishedAt))
                    .to_owned(),
            )
            .await?;
        // the claim's scan: only unfinished jobs, by time (finished ones, kept for days, are
        // most of the table and never scanned); partial indexes exist on both backends
        manager
            .get_connection()
            .execute_unprepared("CREATE INDEX ix_jobs_due ON jobs (run_at, id) WHERE status IN ('QUEUED', 'RUNNING')")
            .await?;
        // the purge of finished jobs past their keeping time
        manager
            .create_index(
                Index::create()
                    .name("ix_jobs_finished")
                    .table(Jobs::Table)
                    .col(Jobs::Status)
                    .col(Jobs::FinishedAt)
                    .to_owned(),
            )
            .await?;
        // admins list their tenant's jobs by status
        manager
            .create_index(
                Index::create()
                    .name("ix_jobs_tenant_status")
                    .table(Jobs::Table)
                    .col(Jobs::TenantId)
                    .col(Jobs::Status)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ux_jobs_unique_key").table(Jobs::Table).col(Jobs::UniqueKey).unique().to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Jobs::Table).to_owned()).await
    }
}
