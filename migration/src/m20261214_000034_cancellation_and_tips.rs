use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PricingSettings {
    Table,
    MaxForfeitPercentE4,
    WriterForfeitShareE4,
    TipWriterPercentE4,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    ForfeitedMinor,
    WriterForfeitMinor,
    TipMinor,
    TipWriterMinor,
}

/// What a cancellation keeps and a tip gives. The site's numbers: the most of a payment a
/// cancellation forfeits (80 %), the writer's share of what is forfeited (50 %), the writer's
/// share of a tip (90 %). The order's facts, fixed when they happen, so the ledger's check can
/// compare each order with its entries: what its cancellation kept and gave its writer, and its
/// tip and the writer's part of it.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // one ALTER a statement (SQLite)
        for (column, default) in [
            (PricingSettings::MaxForfeitPercentE4, 800_000),
            (PricingSettings::WriterForfeitShareE4, 500_000),
            (PricingSettings::TipWriterPercentE4, 900_000),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(PricingSettings::Table)
                        .add_column(big_integer(column).default(default))
                        .to_owned(),
                )
                .await?;
        }
        for column in [Orders::ForfeitedMinor, Orders::WriterForfeitMinor, Orders::TipMinor, Orders::TipWriterMinor] {
            manager
                .alter_table(Table::alter().table(Orders::Table).add_column(big_integer(column).default(0)).to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Orders::ForfeitedMinor, Orders::WriterForfeitMinor, Orders::TipMinor, Orders::TipWriterMinor] {
            manager.alter_table(Table::alter().table(Orders::Table).drop_column(column).to_owned()).await?;
        }
        for column in [
            PricingSettings::MaxForfeitPercentE4,
            PricingSettings::WriterForfeitShareE4,
            PricingSettings::TipWriterPercentE4,
        ] {
            manager.alter_table(Table::alter().table(PricingSettings::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
