use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OrderLines {
    Table,
    TenantId,
}

#[derive(DeriveIden)]
enum Postings {
    Table,
    TenantId,
}

#[derive(DeriveIden)]
enum CatalogItems {
    Table,
    RateBp,
    RateE4,
}

#[derive(DeriveIden)]
enum PricingSettings {
    Table,
    SingleSpacingFactorBp,
    SingleSpacingFactorE4,
    TechnicalMultiplierBp,
    TechnicalMultiplierE4,
    PreferredWriterPercentBp,
    PreferredWriterPercentE4,
    WriterDeadlinePercentBp,
    WriterDeadlinePercentE4,
}

/// Every tenant-owned row carries its tenant (PostgreSQL row-level security will rely on it):
/// order lines and postings get theirs from their order and journal entry. Rates stored ×10 000
/// were named `_bp` though a percent of 10 is 100 000 of them: they are `_e4`.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let postgres = manager.get_database_backend() == sea_orm::DbBackend::Postgres;
        for (table, parent, key) in [("order_lines", "orders", "order_id"), ("postings", "journal_entries", "entry_id")]
        {
            let add = Table::alter()
                .table(Alias::new(table))
                .add_column(ColumnDef::new(Alias::new("tenant_id")).uuid().null())
                .to_owned();
            manager.alter_table(add).await?;
            db.execute_unprepared(&format!(
                "UPDATE {table} SET tenant_id = (SELECT {parent}.tenant_id FROM {parent} WHERE {parent}.id = {table}.{key})"
            ))
            .await?;
            if postgres {
                db.execute_unprepared(&format!("ALTER TABLE {table} ALTER COLUMN tenant_id SET NOT NULL")).await?;
            }
        }
        manager
            .create_index(
                Index::create()
                    .name("ix_order_lines_tenant")
                    .table(OrderLines::Table)
                    .col(OrderLines::TenantId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ix_postings_tenant").table(Postings::Table).col(Postings::TenantId).to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(CatalogItems::Table)
                    .rename_column(CatalogItems::RateBp, CatalogItems::RateE4)
                    .to_owned(),
            )
            .await?;
        for (from, to) in [
            (PricingSettings::SingleSpacingFactorBp, PricingSettings::SingleSpacingFactorE4),
            (PricingSettings::TechnicalMultiplierBp, PricingSettings::TechnicalMultiplierE4),
            (PricingSettings::PreferredWriterPercentBp, PricingSettings::PreferredWriterPercentE4),
            (PricingSettings::WriterDeadlinePercentBp, PricingSettings::WriterDeadlinePercentE4),
        ] {
            manager
                .alter_table(Table::alter().table(PricingSettings::Table).rename_column(from, to).to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (from, to) in [
            (PricingSettings::SingleSpacingFactorE4, PricingSettings::SingleSpacingFactorBp),
            (PricingSettings::TechnicalMultiplierE4, PricingSettings::TechnicalMultiplierBp),
            (PricingSettings::PreferredWriterPercentE4, PricingSettings::PreferredWriterPercentBp),
            (PricingSettings::WriterDeadlinePercentE4, PricingSettings::WriterDeadlinePercentBp),
        ] {
            manager
                .alter_table(Table::alter().table(PricingSettings::Table).rename_column(from, to).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(CatalogItems::Table)
                    .rename_column(CatalogItems::RateE4, CatalogItems::RateBp)
                    .to_owned(),
            )
            .await?;
        manager.drop_index(Index::drop().name("ix_postings_tenant").table(Postings::Table).to_owned()).await?;
        manager.drop_index(Index::drop().name("ix_order_lines_tenant").table(OrderLines::Table).to_owned()).await?;
        manager.alter_table(Table::alter().table(Postings::Table).drop_column(Postings::TenantId).to_owned()).await?;
        manager.alter_table(Table::alter().table(OrderLines::Table).drop_column(OrderLines::TenantId).to_owned()).await
    }
}
