use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::m20261121_000001_tenancy::Tenants;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    TenantId,
    Email,
    EmailNormalized,
    DisplayName,
    Role,
    PasswordHash,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    UserId,
    TenantId,
    TokenHash,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
    RevokedAt,
    Ip,
    UserAgent,
}

#[derive(DeriveIden)]
enum SignInFailures {
    Table,
    Id,
    AccountKey,
    Ip,
    At,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(pk_uuid(Users::Id))
                    .col(uuid_null(Users::TenantId))
                    .col(string_len(Users::Email, 254))
                    .col(string_len(Users::EmailNormalized, 254))
                    .col(string_len(Users::DisplayName, 100))
                    .col(string_len(Users::Role, 16))
                    .col(string_len(Users::PasswordHash, 200))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .col(timestamp_with_time_zone(Users::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create().from(Users::Table, Users::TenantId).to(Tenants::Table, Tenants::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // E-mail is unique per tenant, case-insensitively (the normalized form is lower-cased).
        // Superadmins have no tenant; NULLs never collide, so their uniqueness is kept by the
        // one command that creates them.
        manager
            .create_index(
                Index::create()
                    .name("ux_users_tenant_email")
                    .table(Users::Table)
                    .col(Users::TenantId)
                    .col(Users::EmailNormalized)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ix_users_email").table(Users::Table).col(Users::EmailNormalized).to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(pk_uuid(Sessions::Id))
                    .col(uuid(Sessions::UserId))
                    .col(uuid_null(Sessions::TenantId))
                    .col(string_len_uniq(Sessions::TokenHash, 64))
                    .col(timestamp_with_time_zone(Sessions::CreatedAt))
                    .col(timestamp_with_time_zone(Sessions::LastSeenAt))
                    .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                    .col(timestamp_with_time_zone_null(Sessions::RevokedAt))
                    .col(string_len_null(Sessions::Ip, 64))
                    .col(string_len_null(Sessions::UserAgent, 512))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Sessions::Table, Sessions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ix_sessions_user").table(Sessions::Table).col(Sessions::UserId).to_owned(),
            )
            .await?;
        // Failed sign-ins, counted per account (tenant + e-mail, whether or not it exists) and
        // per client IP over a sliding window.
        manager
            .create_table(
                Table::create()
                    .table(SignInFailures::Table)
                    .col(pk_uuid(SignInFailures::Id))
                    .col(string_len(SignInFailures::AccountKey, 300))
                    .col(string_len_null(SignInFailures::Ip, 64))
                    .col(timestamp_with_time_zone(SignInFailures::At))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_sign_in_failures_account")
                    .table(SignInFailures::Table)
                    .col(SignInFailures::AccountKey)
                    .col(SignInFailures::At)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_sign_in_failures_ip")
                    .table(SignInFailures::Table)
                    .col(SignInFailures::Ip)
                    .col(SignInFailures::At)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(SignInFailures::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Sessions::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Users::Table).to_owned()).await
    }
}
