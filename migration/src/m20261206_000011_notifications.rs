use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    TenantId,
    UserId,
    RecipientName,
    Kind,
    Cause,
    Data,
    Title,
    Body,
    InApp,
    ReadAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum NotificationDeliveries {
    Table,
    Id,
    TenantId,
    NotificationId,
    Channel,
    Address,
    Status,
    Attempts,
    LastError,
    MessageId,
    CreatedAt,
    UpdatedAt,
    SentAt,
}

#[derive(DeriveIden)]
enum EmailTemplates {
    Table,
    Id,
    TenantId,
    Kind,
    Subject,
    Html,
    Text,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum NotificationPreferences {
    Table,
    Id,
    TenantId,
    UserId,
    Kind,
    Email,
    InApp,
    UpdatedAt,
}

/// The outbox (`notifications`, one row a recipient and cause, written in the cause's
/// transaction; it is also the in-app list) and its deliveries (one per channel, sent by a job),
/// the tenants' own e-mail templates, and each user's choices of channel per kind.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Notifications::Table)
                    .col(pk_uuid(Notifications::Id))
                    .col(uuid(Notifications::TenantId))
                    .col(uuid(Notifications::UserId))
                    .col(string_len(Notifications::RecipientName, 200))
                    .col(string_len(Notifications::Kind, 40))
                    .col(string_len(Notifications::Cause, 200))
                    .col(json(Notifications::Data))
                    .col(string_len(Notifications::Title, 300))
                    .col(text(Notifications::Body))
                    .col(boolean(Notifications::InApp))
                    .col(timestamp_with_time_zone_null(Notifications::ReadAt))
                    .col(timestamp_with_time_zone(Notifications::CreatedAt))
                    .to_owned(),
            )
            .await?;
        // once per recipient, kind and cause
        manager
            .create_index(
                Index::create()
                    .name("ux_notifications_cause")
                    .table(Notifications::Table)
                    .col(Notifications::UserId)
                    .col(Notifications::Kind)
                    .col(Notifications::Cause)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // a user's list, newest first
        manager
            .create_index(
                Index::create()
                    .name("ix_notifications_user")
                    .table(Notifications::Table)
                    .col(Notifications::TenantId)
                    .col(Notifications::UserId)
                    .col(Notifications::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(NotificationDeliveries::Table)
                    .col(pk_uuid(NotificationDeliveries::Id))
                    .col(uuid(NotificationDeliveries::TenantId))
                    .col(uuid(NotificationDeliveries::NotificationId))
                    .col(string_len(NotificationDeliveries::Channel, 16))
                    .col(string_len(NotificationDeliveries::Address, 320))
                    .col(string_len(NotificationDeliveries::Status, 16))
                    .col(integer(NotificationDeliveries::Attempts))
                    .col(text_null(NotificationDeliveries::LastError))
                    .col(string_len_null(NotificationDeliveries::MessageId, 200))
                    .col(timestamp_with_time_zone(NotificationDeliveries::CreatedAt))
                    .col(timestamp_with_time_zone(NotificationDeliveries::UpdatedAt))
                    .col(timestamp_with_time_zone_null(NotificationDeliveries::SentAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(NotificationDeliveries::Table, NotificationDeliveries::NotificationId)
                            .to(Notifications::Table, Notifications::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
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
            .create_index(
                Index::create()
                    .name("ix_notification_deliveries_status")
                    .table(NotificationDeliveries::Table)
                    .col(NotificationDeliveries::TenantId)
                    .col(NotificationDeliveries::Status)
                    .col(NotificationDeliveries::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EmailTemplates::Table)
                    .col(pk_uuid(EmailTemplates::Id))
                    .col(uuid(EmailTemplates::TenantId))
                    .col(string_len(EmailTemplates::Kind, 40))
                    .col(text(EmailTemplates::Subject))
                    .col(text(EmailTemplates::Html))
                    .col(text(EmailTemplates::Text))
                    .col(uuid_null(EmailTemplates::UpdatedBy))
                    .col(timestamp_with_time_zone(EmailTemplates::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_email_templates_kind")
                    .table(EmailTemplates::Table)
                    .col(EmailTemplates::TenantId)
                    .col(EmailTemplates::Kind)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(NotificationPreferences::Table)
                    .col(pk_uuid(NotificationPreferences::Id))
                    .col(uuid(NotificationPreferences::TenantId))
                    .col(uuid(NotificationPreferences::UserId))
                    .col(string_len(NotificationPreferences::Kind, 40))
                    .col(boolean(NotificationPreferences::Email))
                    .col(boolean(NotificationPreferences::InApp))
                    .col(timestamp_with_time_zone(NotificationPreferences::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_notification_preferences_kind")
                    .table(NotificationPreferences::Table)
                    .col(NotificationPreferences::TenantId)
                    .col(NotificationPreferences::UserId)
                    .col(NotificationPreferences::Kind)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            NotificationPreferences::Table.into_iden(),
            EmailTemplates::Table.into_iden(),
            NotificationDeliveries::Table.into_iden(),
            Notifications::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
