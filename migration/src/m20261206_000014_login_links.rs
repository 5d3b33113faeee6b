use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum LoginLinks {
    Table,
    Id,
    TenantId,
    UserId,
    Purpose,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    UsedAt,
    Ip,
}

/// Links e-mailed to a user that act once: a password reset, a magic sign-in. Only the token's
/// SHA-256 is stored; a link is bound to its tenant and user, expires, and is spent by the
/// conditional update that uses it.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LoginLinks::Table)
                    .col(pk_uuid(LoginLinks::Id))
                    .col(uuid(LoginLinks::TenantId))
                    .col(uuid(LoginLinks::UserId))
                    .col(string_len(LoginLinks::Purpose, 16))
                    .col(string_len(LoginLinks::TokenHash, 64))
                    .col(timestamp_with_time_zone(LoginLinks::CreatedAt))
                    .col(timestamp_with_time_zone(LoginLinks::ExpiresAt))
                    .col(timestamp_with_time_zone_null(LoginLinks::UsedAt))
                    .col(string_len_null(LoginLinks::Ip, 64))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_login_links_token")
                    .table(LoginLinks::Table)
                    .col(LoginLinks::TokenHash)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // the purge of expired links
        manager
            .create_index(
                Index::create()
                    .name("ix_login_links_expires")
                    .table(LoginLinks::Table)
                    .col(LoginLinks::ExpiresAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(LoginLinks::Table).to_owned()).await
    }
}
