use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PushSubscriptions {
    Table,
    SessionId,
}

/// A browser takes web push only while the session that registered it lives: signing out (or a
/// session revoked, or expired) stops the pushes to that device.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(PushSubscriptions::Table)
                    .add_column(uuid_null(PushSubscriptions::SessionId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_push_subscriptions_session")
                    .table(PushSubscriptions::Table)
                    .col(PushSubscriptions::SessionId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name("ix_push_subscriptions_session").table(PushSubscriptions::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter().table(PushSubscriptions::Table).drop_column(PushSubscriptions::SessionId).to_owned(),
            )
            .await
    }
}
