use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::m20261121_000001_tenancy::Tenants;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
    /// What was paid for the order; refunds are guarded against it in the database.
    PaidMinor,
    RefundedMinor,
}

#[derive(DeriveIden)]
enum Refunds {
    Table,
    Id,
    TenantId,
    OrderId,
    AmountMinor,
    Currency,
    Destination,
    Reason,
    Status,
    EntryId,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Discounts {
    Table,
    Id,
    TenantId,
    Code,
    Kind,
    /// Percent (×10 000 percent points) or a fixed amount in minor units.
    Value,
    StartsAt,
    EndsAt,
    MaxUses,
    MaxUsesPerClient,
    FirstOrderOnly,
    MinOrderMinor,
    MaxDiscountMinor,
    Uses,
    Archived,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum DiscountUsages {
    Table,
    Id,
    TenantId,
    DiscountId,
    ClientId,
    OrderId,
    AmountMinor,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(Orders::Table).add_column(big_integer(Orders::PaidMinor).default(0)).to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Orders::Table)
                    .add_column(big_integer(Orders::RefundedMinor).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Refunds::Table)
                    .col(pk_uuid(Refunds::Id))
                    .col(uuid(Refunds::TenantId))
                    .col(uuid(Refunds::OrderId))
                    .col(big_integer(Refunds::AmountMinor))
                    .col(string_len(Refunds::Currency, 3))
                    .col(string_len(Refunds::Destination, 16))
                    .col(string_len(Refunds::Reason, 500))
                    .col(string_len(Refunds::Status, 16))
                    .col(uuid_null(Refunds::EntryId))
                    .col(uuid_null(Refunds::CreatedBy))
                    .col(timestamp_with_time_zone(Refunds::CreatedAt))
                    .foreign_key(
                        ForeignKey::create().from(Refunds::Table, Refunds::TenantId).to(Tenants::Table, Tenants::Id),
                    )
                    .foreign_key(
                        ForeignKey::create().from(Refunds::Table, Refunds::OrderId).to(Orders::Table, Orders::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_refunds_tenant")
                    .table(Refunds::Table)
                    .col(Refunds::TenantId)
                    .col(Refunds::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ix_refunds_order").table(Refunds::Table).col(Refunds::OrderId).to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Discounts::Table)
                    .col(pk_uuid(Discounts::Id))
                    .col(uuid(Discounts::TenantId))
                    .col(string_len(Discounts::Code, 40))
                    .col(string_len(Discounts::Kind, 16))
                    .col(big_integer(Discounts::Value))
                    .col(timestamp_with_time_zone_null(Discounts::StartsAt))
                    .col(timestamp_with_time_zone_null(Discounts::EndsAt))
                    .col(integer_null(Discounts::MaxUses))
                    .col(integer_null(Discounts::MaxUsesPerClient))
                    .col(boolean(Discounts::FirstOrderOnly))
                    .col(big_integer_null(Discounts::MinOrderMinor))
                    .col(big_integer_null(Discounts::MaxDiscountMinor))
                    .col(integer(Discounts::Uses).default(0))
                    .col(boolean(Discounts::Archived).default(false))
                    .col(timestamp_with_time_zone(Discounts::CreatedAt))
                    .col(timestamp_with_time_zone(Discounts::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Discounts::Table, Discounts::TenantId)
                            .to(Tenants::Table, Tenants::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_discounts_code")
                    .table(Discounts::Table)
                    .col(Discounts::TenantId)
                    .col(Discounts::Code)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DiscountUsages::Table)
                    .col(pk_uuid(DiscountUsages::Id))
                    .col(uuid(DiscountUsages::TenantId))
                    .col(uuid(DiscountUsages::DiscountId))
                    .col(uuid(DiscountUsages::ClientId))
                    .col(uuid(DiscountUsages::OrderId))
                    .col(big_integer(DiscountUsages::AmountMinor))
                    .col(timestamp_with_time_zone(DiscountUsages::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(DiscountUsages::Table, DiscountUsages::DiscountId)
                            .to(Discounts::Table, Discounts::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(DiscountUsages::Table, DiscountUsages::OrderId)
                            .to(Orders::Table, Orders::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_discount_usages_client")
                    .table(DiscountUsages::Table)
                    .col(DiscountUsages::DiscountId)
                    .col(DiscountUsages::ClientId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(DiscountUsages::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Discounts::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Refunds::Table).to_owned()).await?;
        manager.alter_table(Table::alter().table(Orders::Table).drop_column(Orders::RefundedMinor).to_owned()).await?;
        manager.alter_table(Table::alter().table(Orders::Table).drop_column(Orders::PaidMinor).to_owned()).await
    }
}
