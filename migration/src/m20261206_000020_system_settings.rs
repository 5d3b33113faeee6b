use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SystemSettings {
    Table,
    Id,
    Settings,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum FlagChanges {
    Table,
    Id,
    Feature,
    Enabled,
    At,
    Status,
    CreatedBy,
    CreatedAt,
    DoneAt,
}

/// The installation's settings (one row: defaults for new sites, the registration switch, the
/// maintenance banner, the features switched off everywhere) and global flag changes scheduled
/// for a time.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SystemSettings::Table)
                    .col(integer(SystemSettings::Id).primary_key())
                    .col(json(SystemSettings::Settings))
                    .col(timestamp_with_time_zone(SystemSettings::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FlagChanges::Table)
                    .col(pk_uuid(FlagChanges::Id))
                    .col(string_len(FlagChanges::Feature, 32))
                    .col(boolean(FlagChanges::Enabled))
                    .col(timestamp_with_time_zone(FlagChanges::At))
                    .col(string_len(FlagChanges::Status, 16))
                    .col(uuid_null(FlagChanges::CreatedBy))
                    .col(timestamp_with_time_zone(FlagChanges::CreatedAt))
                    .col(timestamp_with_time_zone_null(FlagChanges::DoneAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ix_flag_changes_at").table(FlagChanges::Table).col(FlagChanges::At).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(FlagChanges::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(SystemSettings::Table).to_owned()).await
    }
}
