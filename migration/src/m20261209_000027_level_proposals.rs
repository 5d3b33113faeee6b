use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::m20261206_000021_row_level_security::protect;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum WriterLevelProposals {
    Table,
    Id,
    TenantId,
    WriterId,
    FromLevelId,
    ToLevelId,
    Direction,
    Status,
    CompletedOrders,
    RecentOrders,
    OnTimeRateE4,
    RevisionRateE4,
    Ratings,
    AverageRatingE2,
    CreatedAt,
    DecidedAt,
    DecidedBy,
    Reason,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum CatalogItems {
    Table,
    Id,
}

/// Proposals to move writers a level up or down (`writers::service::promotions`): made by the
/// `writers.promotions` job from each writer's record, decided by an admin; at most one pending
/// per writer, by a partial unique index, whichever of two racing job runs writes it first.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let level = |column: WriterLevelProposals| {
            ForeignKey::create()
                .from(WriterLevelProposals::Table, column)
                .to(CatalogItems::Table, CatalogItems::Id)
                .to_owned()
        };
        manager
            .create_table(
                Table::create()
                    .table(WriterLevelProposals::Table)
                    .col(pk_uuid(WriterLevelProposals::Id))
                    .col(uuid(WriterLevelProposals::TenantId))
                    .col(uuid(WriterLevelProposals::WriterId))
                    .col(uuid(WriterLevelProposals::FromLevelId))
                    .col(uuid(WriterLevelProposals::ToLevelId))
                    .col(string_len(WriterLevelProposals::Direction, 16))
                    .col(string_len(WriterLevelProposals::Status, 16))
                    .col(big_integer(WriterLevelProposals::CompletedOrders))
                    .col(big_integer(WriterLevelProposals::RecentOrders))
                    .col(big_integer_null(WriterLevelProposals::OnTimeRateE4))
                    .col(big_integer_null(WriterLevelProposals::RevisionRateE4))
                    .col(big_integer(WriterLevelProposals::Ratings))
                    .col(integer_null(WriterLevelProposals::AverageRatingE2))
                    .col(timestamp_with_time_zone(WriterLevelProposals::CreatedAt))
                    .col(timestamp_with_time_zone_null(WriterLevelProposals::DecidedAt))
                    .col(uuid_null(WriterLevelProposals::DecidedBy))
                    .col(string_len_null(WriterLevelProposals::Reason, 500))
                    .foreign_key(
                        ForeignKey::create()
                            .from(WriterLevelProposals::Table, WriterLevelProposals::WriterId)
                            .to(Users::Table, Users::Id),
                    )
                    .foreign_key(&mut level(WriterLevelProposals::FromLevelId))
                    .foreign_key(&mut level(WriterLevelProposals::ToLevelId))
                    .to_owned(),
            )
            .await?;
        // the admins' queue: a site's proposals by status, newest first
        manager
            .create_index(
                Index::create()
                    .name("ix_writer_level_proposals_status")
                    .table(WriterLevelProposals::Table)
                    .col(WriterLevelProposals::TenantId)
                    .col(WriterLevelProposals::Status)
                    .col(WriterLevelProposals::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_writer_level_proposals_writer")
                    .table(WriterLevelProposals::Table)
                    .col(WriterLevelProposals::TenantId)
                    .col(WriterLevelProposals::WriterId)
                    .col(WriterLevelProposals::Status)
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // one pending proposal per writer, whichever of two racing job runs writes it first (a
        // partial unique index: both backends have them; the job's insert names it in its
        // ON CONFLICT ... WHERE status = 'PENDING' DO NOTHING)
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_writer_level_proposals_pending ON writer_level_proposals \
             (tenant_id, writer_id) WHERE status = 'PENDING'",
        )
        .await?;
        if db.get_database_backend() == DbBackend::Postgres {
            protect(db, "writer_level_proposals").await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(WriterLevelProposals::Table).to_owned()).await?;
        Ok(())
    }
}
