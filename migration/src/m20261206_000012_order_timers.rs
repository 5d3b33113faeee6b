use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PricingSettings {
    Table,
    AcceptanceWindowHours,
    AutoCompleteDays,
    LargeRefundMinor,
}

/// The tenant's timers of an order's life: how long a writer has to answer an offer before it
/// lapses, and how long a submitted order waits for the client before it completes itself; and
/// the refund from which the site's admins are all told (0: never).
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // one ALTER a statement (SQLite)
        manager
            .alter_table(
                Table::alter()
                    .table(PricingSettings::Table)
                    .add_column(integer(PricingSettings::AcceptanceWindowHours).default(24))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(PricingSettings::Table)
                    .add_column(integer(PricingSettings::AutoCompleteDays).default(3))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(PricingSettings::Table)
                    .add_column(big_integer(PricingSettings::LargeRefundMinor).default(10_000))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            PricingSettings::AcceptanceWindowHours,
            PricingSettings::AutoCompleteDays,
            PricingSettings::LargeRefundMinor,
        ] {
            manager.alter_table(Table::alter().table(PricingSettings::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
