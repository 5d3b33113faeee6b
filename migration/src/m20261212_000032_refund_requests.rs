//! Refund requests (`requestRefund`): a client's request is a refund `PENDING` a decision, at
//! most one per order (a partial unique index); an admin approves it (it becomes the refund,
//! `COMPLETED`) or rejects it (`REJECTED`, with why). Who decided, when and why are kept.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Refunds {
    Table,
    DecidedBy,
    DecidedAt,
    DecisionNote,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Refunds::Table).add_column(uuid_null(Refunds::DecidedBy)).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Refunds::Table)
                    .add_column(timestamp_with_time_zone_null(Refunds::DecidedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter().table(Refunds::Table).add_column(string_len_null(Refunds::DecisionNote, 500)).to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_refunds_pending_order ON refunds (order_id) WHERE status = 'PENDING'",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared("DROP INDEX ux_refunds_pending_order").await?;
        for column in [Refunds::DecisionNote, Refunds::DecidedAt, Refunds::DecidedBy] {
            manager.alter_table(Table::alter().table(Refunds::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
