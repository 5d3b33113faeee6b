use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    TenantId,
    UserId,
    Operation,
    Key,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SignInFailures {
    Table,
}

/// Every counted attempt (password checks and sign-ups), by kind.
#[derive(DeriveIden)]
enum ThrottleEvents {
    Table,
    Kind,
    AccountKey,
    Ip,
    At,
}

#[derive(DeriveIden)]
enum JournalEntries {
    Table,
    Cause,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // An idempotency key belongs to its tenant too: a superadmin may use one key in two
        // tenants. Keys expire, so the purge needs their age.
        manager.drop_index(Index::drop().name("ux_idempotency_keys").table(IdempotencyKeys::Table).to_owned()).await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_idempotency_keys_tenant")
                    .table(IdempotencyKeys::Table)
                    .col(IdempotencyKeys::TenantId)
                    .col(IdempotencyKeys::UserId)
                    .col(IdempotencyKeys::Operation)
                    .col(IdempotencyKeys::Key)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_idempotency_keys_created")
                    .table(IdempotencyKeys::Table)
                    .col(IdempotencyKeys::CreatedAt)
                    .to_owned(),
            )
            .await?;

        // Failed sign-ins become one table of throttled attempts of several kinds.
        manager
            .drop_index(Index::drop().name("ix_sign_in_failures_account").table(SignInFailures::Table).to_owned())
            .await?;
        manager
            .drop_index(Index::drop().name("ix_sign_in_failures_ip").table(SignInFailures::Table).to_owned())
            .await?;
        manager.rename_table(Table::rename().table(SignInFailures::Table, ThrottleEvents::Table).to_owned()).await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ThrottleEvents::Table)
                    .add_column(string_len(ThrottleEvents::Kind, 16).default("PASSWORD"))
                    .to_owned(),
            )
            .await?;
        for (name, column) in
            [("ix_throttle_events_account", ThrottleEvents::AccountKey), ("ix_throttle_events_ip", ThrottleEvents::Ip)]
        {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(ThrottleEvents::Table)
                        .col(ThrottleEvents::Kind)
                        .col(column)
                        .col(ThrottleEvents::At)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("ix_throttle_events_at")
                    .table(ThrottleEvents::Table)
                    .col(ThrottleEvents::At)
                    .to_owned(),
            )
            .await?;

        // What caused a journal entry ("order:<id>:earnings"), unique: each business effect is
        // posted at most once per cause, by the database.
        manager
            .alter_table(
                Table::alter()
                    .table(JournalEntries::Table)
                    .add_column(string_len_null(JournalEntries::Cause, 120))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_journal_entries_cause")
                    .table(JournalEntries::Table)
                    .col(JournalEntries::Cause)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name("ux_journal_entries_cause").table(JournalEntries::Table).to_owned())
            .await?;
        manager
            .alter_table(Table::alter().table(JournalEntries::Table).drop_column(JournalEntries::Cause).to_owned())
            .await?;
        for name in ["ix_throttle_events_account", "ix_throttle_events_ip", "ix_throttle_events_at"] {
            manager.drop_index(Index::drop().name(name).table(ThrottleEvents::Table).to_owned()).await?;
        }
        manager
            .alter_table(Table::alter().table(ThrottleEvents::Table).drop_column(ThrottleEvents::Kind).to_owned())
            .await?;
        manager.rename_table(Table::rename().table(ThrottleEvents::Table, SignInFailures::Table).to_owned()).await?;
        manager
            .drop_index(Index::drop().name("ix_idempotency_keys_created").table(IdempotencyKeys::Table).to_owned())
            .await?;
        manager
            .drop_index(Index::drop().name("ux_idempotency_keys_tenant").table(IdempotencyKeys::Table).to_owned())
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_idempotency_keys")
                    .table(IdempotencyKeys::Table)
                    .col(IdempotencyKeys::UserId)
                    .col(IdempotencyKeys::Operation)
                    .col(IdempotencyKeys::Key)
                    .unique()
                    .to_owned(),
            )
            .await
    }
}
