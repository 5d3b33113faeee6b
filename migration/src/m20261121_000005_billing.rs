use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::m20261121_000001_tenancy::Tenants;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// One account of the double-entry ledger: per tenant, kind and owner (a user, or the
/// platform). `balance_minor` caches the sum of its postings and is only ever changed by a
/// guarded update in the transaction that writes the posting.
#[derive(DeriveIden)]
enum LedgerAccounts {
    Table,
    Id,
    TenantId,
    Kind,
    /// The owning user's id, or `platform`.
    OwnerKey,
    OwnerId,
    Currency,
    BalanceMinor,
    AllowNegative,
    CreatedAt,
}

/// One money movement; its postings sum to zero. Never updated or deleted.
#[derive(DeriveIden)]
enum JournalEntries {
    Table,
    Id,
    TenantId,
    Kind,
    Description,
    OrderId,
    ActorId,
    Currency,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Postings {
    Table,
    Id,
    EntryId,
    AccountId,
    AmountMinor,
    BalanceAfterMinor,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LedgerAccounts::Table)
                    .col(pk_uuid(LedgerAccounts::Id))
                    .col(uuid(LedgerAccounts::TenantId))
                    .col(string_len(LedgerAccounts::Kind, 24))
                    .col(string_len(LedgerAccounts::OwnerKey, 40))
                    .col(uuid_null(LedgerAccounts::OwnerId))
                    .col(string_len(LedgerAccounts::Currency, 3))
                    .col(big_integer(LedgerAccounts::BalanceMinor))
                    .col(boolean(LedgerAccounts::AllowNegative))
                    .col(timestamp_with_time_zone(LedgerAccounts::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(LedgerAccounts::Table, LedgerAccounts::TenantId)
                            .to(Tenants::Table, Tenants::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_ledger_accounts_owner")
                    .table(LedgerAccounts::Table)
                    .col(LedgerAccounts::TenantId)
                    .col(LedgerAccounts::Kind)
                    .col(LedgerAccounts::OwnerKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(JournalEntries::Table)
                    .col(pk_uuid(JournalEntries::Id))
                    .col(uuid(JournalEntries::TenantId))
                    .col(string_len(JournalEntries::Kind, 32))
                    .col(string_len(JournalEntries::Description, 300))
                    .col(uuid_null(JournalEntries::OrderId))
                    .col(uuid_null(JournalEntries::ActorId))
                    .col(string_len(JournalEntries::Currency, 3))
                    .col(timestamp_with_time_zone(JournalEntries::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(JournalEntries::Table, JournalEntries::TenantId)
                            .to(Tenants::Table, Tenants::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_journal_entries_order")
                    .table(JournalEntries::Table)
                    .col(JournalEntries::OrderId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Postings::Table)
                    .col(pk_uuid(Postings::Id))
                    .col(uuid(Postings::EntryId))
                    .col(uuid(Postings::AccountId))
                    .col(big_integer(Postings::AmountMinor))
                    .col(big_integer(Postings::BalanceAfterMinor))
                    .col(timestamp_with_time_zone(Postings::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Postings::Table, Postings::EntryId)
                            .to(JournalEntries::Table, JournalEntries::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Postings::Table, Postings::AccountId)
                            .to(LedgerAccounts::Table, LedgerAccounts::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_postings_account")
                    .table(Postings::Table)
                    .col(Postings::AccountId)
                    .col(Postings::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ix_postings_entry").table(Postings::Table).col(Postings::EntryId).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Postings::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(JournalEntries::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(LedgerAccounts::Table).to_owned()).await
    }
}
