use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TwoFactorSecrets {
    Table,
    UserId,
    Secret,
    ConfirmedAt,
    LastStep,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RecoveryCodes {
    Table,
    Id,
    UserId,
    CodeHash,
    UsedAt,
}

#[derive(DeriveIden)]
enum TwoFactorChallenges {
    Table,
    Id,
    UserId,
    TenantId,
    TokenHash,
    Attempts,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    TwoFactorEnabled,
}

/// TOTP two-factor sign-in: a user's secret (pending until a first code confirms it) with the
/// last time step accepted (a code is never accepted twice), their single-use recovery codes
/// (hashed), the short-lived challenges a password sign-in answers with when it is on, and the
/// flag on the user that the session lookup reads.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TwoFactorSecrets::Table)
                    .col(pk_uuid(TwoFactorSecrets::UserId))
                    .col(string_len(TwoFactorSecrets::Secret, 64))
                    .col(timestamp_with_time_zone_null(TwoFactorSecrets::ConfirmedAt))
                    .col(big_integer_null(TwoFactorSecrets::LastStep))
                    .col(timestamp_with_time_zone(TwoFactorSecrets::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RecoveryCodes::Table)
                    .col(pk_uuid(RecoveryCodes::Id))
                    .col(uuid(RecoveryCodes::UserId))
                    .col(string_len(RecoveryCodes::CodeHash, 64))
                    .col(timestamp_with_time_zone_null(RecoveryCodes::UsedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_recovery_codes_code")
                    .table(RecoveryCodes::Table)
                    .col(RecoveryCodes::UserId)
                    .col(RecoveryCodes::CodeHash)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TwoFactorChallenges::Table)
                    .col(pk_uuid(TwoFactorChallenges::Id))
                    .col(uuid(TwoFactorChallenges::UserId))
                    .col(uuid_null(TwoFactorChallenges::TenantId))
                    .col(string_len(TwoFactorChallenges::TokenHash, 64))
                    .col(integer(TwoFactorChallenges::Attempts).default(0))
                    .col(timestamp_with_time_zone(TwoFactorChallenges::ExpiresAt))
                    .col(timestamp_with_time_zone_null(TwoFactorChallenges::UsedAt))
                    .col(timestamp_with_time_zone(TwoFactorChallenges::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_two_factor_challenges_token")
                    .table(TwoFactorChallenges::Table)
                    .col(TwoFactorChallenges::TokenHash)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(boolean(Users::TwoFactorEnabled).default(false))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Users::Table).drop_column(Users::TwoFactorEnabled).to_owned()).await?;
        for table in [
            TwoFactorChallenges::Table.into_iden(),
            RecoveryCodes::Table.into_iden(),
            TwoFactorSecrets::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
