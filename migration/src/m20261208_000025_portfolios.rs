use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::m20261206_000021_row_level_security::protect;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum WriterPortfolios {
    Table,
    WriterId,
    TenantId,
    Visibility,
    Bio,
    Specialties,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PortfolioSamples {
    Table,
    Id,
    TenantId,
    WriterId,
    Title,
    SubjectId,
    WorkTypeId,
    Excerpt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

/// Writers' portfolios (`writers::service::portfolio`): a row is the writer's opt-in, with who
/// may see it; samples of their work as text excerpts.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WriterPortfolios::Table)
                    .col(pk_uuid(WriterPortfolios::WriterId))
                    .col(uuid(WriterPortfolios::TenantId))
                    .col(string_len(WriterPortfolios::Visibility, 16))
                    .col(string_len(WriterPortfolios::Bio, 2000))
                    .col(text(WriterPortfolios::Specialties))
                    .col(timestamp_with_time_zone(WriterPortfolios::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(WriterPortfolios::Table, WriterPortfolios::WriterId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_writer_portfolios_tenant")
                    .table(WriterPortfolios::Table)
                    .col(WriterPortfolios::TenantId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PortfolioSamples::Table)
                    .col(pk_uuid(PortfolioSamples::Id))
                    .col(uuid(PortfolioSamples::TenantId))
                    .col(uuid(PortfolioSamples::WriterId))
                    .col(string_len(PortfolioSamples::Title, 300))
                    .col(uuid_null(PortfolioSamples::SubjectId))
                    .col(uuid_null(PortfolioSamples::WorkTypeId))
                    .col(text(PortfolioSamples::Excerpt))
                    .col(timestamp_with_time_zone(PortfolioSamples::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PortfolioSamples::Table, PortfolioSamples::WriterId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_portfolio_samples_writer")
                    .table(PortfolioSamples::Table)
                    .col(PortfolioSamples::TenantId)
                    .col(PortfolioSamples::WriterId)
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        if db.get_database_backend() == DbBackend::Postgres {
            for table in ["writer_portfolios", "portfolio_samples"] {
                protect(db, table).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(PortfolioSamples::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(WriterPortfolios::Table).to_owned()).await?;
        Ok(())
    }
}
