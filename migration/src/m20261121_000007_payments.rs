use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::m20261121_000001_tenancy::Tenants;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Money coming in through a payment provider (a wallet top-up through Stripe Checkout).
/// It is credited once, when the provider's signed webhook confirms it.
#[derive(DeriveIden)]
enum Payments {
    Table,
    Id,
    TenantId,
    UserId,
    AmountMinor,
    Currency,
    Provider,
    ProviderRef,
    CheckoutUrl,
    Status,
    EntryId,
    CreatedAt,
    CompletedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Payments::Table)
                    .col(pk_uuid(Payments::Id))
                    .col(uuid(Payments::TenantId))
                    .col(uuid(Payments::UserId))
                    .col(big_integer(Payments::AmountMinor))
                    .col(string_len(Payments::Currency, 3))
                    .col(string_len(Payments::Provider, 16))
                    .col(string_len_null(Payments::ProviderRef, 255))
                    .col(text_null(Payments::CheckoutUrl))
                    .col(string_len(Payments::Status, 16))
                    .col(uuid_null(Payments::EntryId))
                    .col(timestamp_with_time_zone(Payments::CreatedAt))
                    .col(timestamp_with_time_zone_null(Payments::CompletedAt))
                    .foreign_key(
                        ForeignKey::create().from(Payments::Table, Payments::TenantId).to(Tenants::Table, Tenants::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_payments_provider_ref")
                    .table(Payments::Table)
                    .col(Payments::Provider)
                    .col(Payments::ProviderRef)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Payments::Table).to_owned()).await
    }
}
