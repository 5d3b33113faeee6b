use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PushSubscriptions {
    Table,
    Id,
    TenantId,
    UserId,
    Endpoint,
    P256dh,
    Auth,
    CreatedAt,
    LastUsedAt,
}

#[derive(DeriveIden)]
enum NotificationDeliveries {
    Table,
    NotificationId,
    Channel,
    Address,
}

#[derive(DeriveIden)]
enum NotificationPreferences {
    Table,
    Push,
}

/// Web push: the browsers' push subscriptions (one per endpoint and site; a browser that
/// subscribes again replaces its keys), the push channel in each user's choices per kind, and a
/// delivery per notification, channel and address (a push goes to each of the user's browsers).
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PushSubscriptions::Table)
                    .col(pk_uuid(PushSubscriptions::Id))
                    .col(uuid(PushSubscriptions::TenantId))
                    .col(uuid(PushSubscriptions::UserId))
                    .col(string_len(PushSubscriptions::Endpoint, 1024))
                    .col(string_len(PushSubscriptions::P256dh, 100))
                    .col(string_len(PushSubscriptions::Auth, 40))
                    .col(timestamp_with_time_zone(PushSubscriptions::CreatedAt))
                    .col(timestamp_with_time_zone_null(PushSubscriptions::LastUsedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_push_subscriptions_endpoint")
                    .table(PushSubscriptions::Table)
                    .col(PushSubscriptions::TenantId)
                    .col(PushSubscriptions::Endpoint)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // a user's browsers, when a notification is written
        manager
            .create_index(
                Index::create()
                    .name("ix_push_subscriptions_user")
                    .table(PushSubscriptions::Table)
                    .col(PushSubscriptions::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(NotificationPreferences::Table)
                    .add_column(boolean(NotificationPreferences::Push).default(true))
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ux_notification_deliveries_channel")
                    .table(NotificationDeliveries::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_notification_deliveries_address")
                    .table(NotificationDeliveries::Table)
                    .col(NotificationDeliveries::NotificationId)
                    .col(NotificationDeliveries::Channel)
                    .col(NotificationDeliveries::Address)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ux_notification_deliveries_address")
                    .table(NotificationDeliveries::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_notification_deliveries_channel")
                    .table(NotificationDeliveries::Table)
                    .col(NotificationDeliveries::NotificationId)
                    .col(NotificationDeliveries::Channel)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(NotificationPreferences::Table)
                    .drop_column(NotificationPreferences::Push)
                    .to_owned(),
            )
            .await?;
        manager.drop_table(Table::drop().table(PushSubscriptions::Table).to_owned()).await
    }
}
