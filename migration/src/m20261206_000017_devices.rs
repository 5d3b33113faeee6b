use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Devices {
    Table,
    Id,
    TenantId,
    UserId,
    CookieHash,
    Name,
    Browser,
    Os,
    FirstSeenAt,
    LastSeenAt,
    LastIp,
    LastPlace,
}

#[derive(DeriveIden)]
enum LoginPlaces {
    Table,
    UserId,
    TenantId,
    Place,
    FirstSeenAt,
    LastSeenAt,
}

#[derive(DeriveIden)]
enum LoginAlertPreferences {
    Table,
    UserId,
    TenantId,
    NewLogin,
    NewDevice,
    NewLocation,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    DeviceId,
    Place,
}

#[derive(DeriveIden)]
enum LoginLinks {
    Table,
    SessionId,
}

/// Devices (a browser's long-lived cookie, per user), the places a user has signed in from, and
/// which sign-ins the user wants to hear of. A device and a place are each new exactly once per
/// user: their unique keys decide it, whatever signs in at the same moment.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Devices::Table)
                    .col(pk_uuid(Devices::Id))
                    .col(uuid_null(Devices::TenantId))
                    .col(uuid(Devices::UserId))
                    .col(string_len(Devices::CookieHash, 64))
                    .col(string_len_null(Devices::Name, 60))
                    .col(string_len(Devices::Browser, 64))
                    .col(string_len(Devices::Os, 64))
                    .col(timestamp_with_time_zone(Devices::FirstSeenAt))
                    .col(timestamp_with_time_zone(Devices::LastSeenAt))
                    .col(string_len_null(Devices::LastIp, 64))
                    .col(string_len_null(Devices::LastPlace, 120))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_devices_user_cookie")
                    .table(Devices::Table)
                    .col(Devices::UserId)
                    .col(Devices::CookieHash)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LoginPlaces::Table)
                    .col(uuid(LoginPlaces::UserId))
                    .col(uuid_null(LoginPlaces::TenantId))
                    .col(string_len(LoginPlaces::Place, 120))
                    .col(timestamp_with_time_zone(LoginPlaces::FirstSeenAt))
                    .col(timestamp_with_time_zone(LoginPlaces::LastSeenAt))
                    .primary_key(Index::create().col(LoginPlaces::UserId).col(LoginPlaces::Place))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LoginAlertPreferences::Table)
                    .col(pk_uuid(LoginAlertPreferences::UserId))
                    .col(uuid_null(LoginAlertPreferences::TenantId))
                    .col(boolean(LoginAlertPreferences::NewLogin))
                    .col(boolean(LoginAlertPreferences::NewDevice))
                    .col(boolean(LoginAlertPreferences::NewLocation))
                    .col(timestamp_with_time_zone(LoginAlertPreferences::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        // SQLite adds one column a statement
        for column in [uuid_null(Sessions::DeviceId), string_len_null(Sessions::Place, 120)] {
            let mut column = column;
            manager.alter_table(Table::alter().table(Sessions::Table).add_column(&mut column).to_owned()).await?;
        }
        manager
            .create_index(
                Index::create().name("ix_sessions_device").table(Sessions::Table).col(Sessions::DeviceId).to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter().table(LoginLinks::Table).add_column(uuid_null(LoginLinks::SessionId)).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(LoginLinks::Table).drop_column(LoginLinks::SessionId).to_owned())
            .await?;
        manager.drop_index(Index::drop().name("ix_sessions_device").table(Sessions::Table).to_owned()).await?;
        for column in [Sessions::Place, Sessions::DeviceId] {
            manager.alter_table(Table::alter().table(Sessions::Table).drop_column(column).to_owned()).await?;
        }
        for table in
            [LoginAlertPreferences::Table.into_iden(), LoginPlaces::Table.into_iden(), Devices::Table.into_iden()]
        {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
