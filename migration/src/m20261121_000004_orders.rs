use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::m20261121_000001_tenancy::Tenants;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

/// Every catalogue entry of a tenant, one row each; `kind` says which list it belongs to and
/// which of the numeric columns mean something for it.
#[derive(DeriveIden)]
enum CatalogItems {
    Table,
    Id,
    TenantId,
    Kind,
    Code,
    Name,
    RateBp,
    AmountMinor,
    PayPerPageMinor,
    PayPerSlideMinor,
    Hours,
    Technical,
    Pricing,
    Active,
    SortOrder,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PricingSettings {
    Table,
    TenantId,
    PricePerPageMinor,
    PricePerSlideMinor,
    SingleSpacingFactorBp,
    TechnicalMultiplierBp,
    PreferredWriterPercentBp,
    WriterDeadlinePercentBp,
    FreeRevisionDays,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
    TenantId,
    ClientId,
    WriterId,
    Topic,
    PaperTypeId,
    AcademicLevelId,
    SubjectId,
    WorkTypeId,
    Pages,
    Slides,
    Spacing,
    Deadline,
    WriterDeadline,
    ExtraServiceIds,
    WriterLevelId,
    PreferredWriterId,
    Instructions,
    CitationStyleId,
    EnglishTypeId,
    ReferenceCount,
    Tone,
    Status,
    StatusBeforeHold,
    PaymentStatus,
    Currency,
    TotalMinor,
    WriterCompensationMinor,
    PlacedAt,
    UpdatedAt,
    CompletedAt,
}

#[derive(DeriveIden)]
enum OrderLines {
    Table,
    Id,
    OrderId,
    Position,
    Code,
    Label,
    AmountMinor,
}

#[derive(DeriveIden)]
enum OrderEvents {
    Table,
    Id,
    TenantId,
    OrderId,
    At,
    Kind,
    ActorId,
    FromStatus,
    ToStatus,
    Note,
}

#[derive(DeriveIden)]
enum RevisionRequests {
    Table,
    Id,
    TenantId,
    OrderId,
    RequestedBy,
    Severity,
    Reason,
    Changes,
    Deadline,
    Status,
    AssignedTo,
    CreatedAt,
    StartedAt,
    CompletedAt,
}

#[derive(DeriveIden)]
enum OrderDrafts {
    Table,
    Id,
    TenantId,
    ClientId,
    Spec,
    CreatedAt,
    UpdatedAt,
    LastViewedAt,
}

#[derive(DeriveIden)]
enum OrderPresets {
    Table,
    Id,
    TenantId,
    ClientId,
    Name,
    Spec,
    IsDefault,
    UsageCount,
    CreatedAt,
    UpdatedAt,
}

fn index(name: &str, table: impl IntoIden + 'static, cols: Vec<DynIden>) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table);
    for col in cols {
        index.col(col);
    }
    index.to_owned()
}

fn fk_user(from: impl IntoIden + 'static, col: impl IntoIden + 'static) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(from, col).to(Users::Table, Users::Id).to_owned()
}

fn fk_catalog(from: impl IntoIden + 'static, col: impl IntoIden + 'static) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(from, col).to(CatalogItems::Table, CatalogItems::Id).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CatalogItems::Table)
                    .col(pk_uuid(CatalogItems::Id))
                    .col(uuid(CatalogItems::TenantId))
                    .col(string_len(CatalogItems::Kind, 32))
                    .col(string_len(CatalogItems::Code, 64))
                    .col(string_len(CatalogItems::Name, 200))
                    .col(big_integer(CatalogItems::RateBp).default(0))
                    .col(big_integer(CatalogItems::AmountMinor).default(0))
                    .col(big_integer(CatalogItems::PayPerPageMinor).default(0))
                    .col(big_integer(CatalogItems::PayPerSlideMinor).default(0))
                    .col(integer(CatalogItems::Hours).default(0))
                    .col(boolean(CatalogItems::Technical).default(false))
                    .col(string_len_null(CatalogItems::Pricing, 16))
                    .col(boolean(CatalogItems::Active).default(true))
                    .col(integer(CatalogItems::SortOrder).default(0))
                    .col(timestamp_with_time_zone(CatalogItems::CreatedAt))
                    .col(timestamp_with_time_zone(CatalogItems::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CatalogItems::Table, CatalogItems::TenantId)
                            .to(Tenants::Table, Tenants::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "ux_catalog_items_code",
                    CatalogItems::Table,
                    vec![
                        CatalogItems::TenantId.into_iden(),
                        CatalogItems::Kind.into_iden(),
                        CatalogItems::Code.into_iden(),
                    ],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PricingSettings::Table)
                    .col(uuid(PricingSettings::TenantId).primary_key())
                    .col(big_integer(PricingSettings::PricePerPageMinor))
                    .col(big_integer(PricingSettings::PricePerSlideMinor))
                    .col(big_integer(PricingSettings::SingleSpacingFactorBp))
                    .col(big_integer(PricingSettings::TechnicalMultiplierBp))
                    .col(big_integer(PricingSettings::PreferredWriterPercentBp))
                    .col(big_integer(PricingSettings::WriterDeadlinePercentBp))
                    .col(integer(PricingSettings::FreeRevisionDays))
                    .col(timestamp_with_time_zone(PricingSettings::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PricingSettings::Table, PricingSettings::TenantId)
                            .to(Tenants::Table, Tenants::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Orders::Table)
                    .col(pk_uuid(Orders::Id))
                    .col(uuid(Orders::TenantId))
                    .col(uuid(Orders::ClientId))
                    .col(uuid_null(Orders::WriterId))
                    .col(string_len(Orders::Topic, 300))
                    .col(uuid(Orders::PaperTypeId))
                    .col(uuid(Orders::AcademicLevelId))
                    .col(uuid(Orders::SubjectId))
                    .col(uuid(Orders::WorkTypeId))
                    .col(integer(Orders::Pages))
                    .col(integer(Orders::Slides))
                    .col(string_len(Orders::Spacing, 8))
                    .col(timestamp_with_time_zone(Orders::Deadline))
                    .col(timestamp_with_time_zone(Orders::WriterDeadline))
                    .col(json(Orders::ExtraServiceIds))
                    .col(uuid_null(Orders::WriterLevelId))
                    .col(uuid_null(Orders::PreferredWriterId))
                    .col(text_null(Orders::Instructions))
                    .col(uuid_null(Orders::CitationStyleId))
                    .col(uuid_null(Orders::EnglishTypeId))
                    .col(integer_null(Orders::ReferenceCount))
                    .col(string_len_null(Orders::Tone, 100))
                    .col(string_len(Orders::Status, 24))
                    .col(string_len_null(Orders::StatusBeforeHold, 24))
                    .col(string_len(Orders::PaymentStatus, 24))
                    .col(string_len(Orders::Currency, 3))
                    .col(big_integer(Orders::TotalMinor))
                    .col(big_integer(Orders::WriterCompensationMinor))
                    .col(timestamp_with_time_zone(Orders::PlacedAt))
                    .col(timestamp_with_time_zone(Orders::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Orders::CompletedAt))
                    .foreign_key(
                        ForeignKey::create().from(Orders::Table, Orders::TenantId).to(Tenants::Table, Tenants::Id),
                    )
                    .foreign_key(&mut fk_user(Orders::Table, Orders::ClientId))
                    .foreign_key(&mut fk_user(Orders::Table, Orders::WriterId))
                    .foreign_key(&mut fk_user(Orders::Table, Orders::PreferredWriterId))
                    .foreign_key(&mut fk_catalog(Orders::Table, Orders::PaperTypeId))
                    .foreign_key(&mut fk_catalog(Orders::Table, Orders::AcademicLevelId))
                    .foreign_key(&mut fk_catalog(Orders::Table, Orders::SubjectId))
                    .foreign_key(&mut fk_catalog(Orders::Table, Orders::WorkTypeId))
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("ix_orders_tenant", None),
            ("ix_orders_client", Some(Orders::ClientId)),
            ("ix_orders_writer", Some(Orders::WriterId)),
            ("ix_orders_status", Some(Orders::Status)),
        ] {
            let mut cols = vec![Orders::TenantId.into_iden()];
            cols.extend(col.map(IntoIden::into_iden));
            cols.push(Orders::Id.into_iden());
            manager.create_index(index(name, Orders::Table, cols)).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(OrderLines::Table)
                    .col(pk_uuid(OrderLines::Id))
                    .col(uuid(OrderLines::OrderId))
                    .col(integer(OrderLines::Position))
                    .col(string_len(OrderLines::Code, 64))
                    .col(string_len(OrderLines::Label, 200))
                    .col(big_integer(OrderLines::AmountMinor))
                    .foreign_key(
                        ForeignKey::create()
                            .from(OrderLines::Table, OrderLines::OrderId)
                            .to(Orders::Table, Orders::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("ix_order_lines_order", OrderLines::Table, vec![OrderLines::OrderId.into_iden()]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OrderEvents::Table)
                    .col(pk_uuid(OrderEvents::Id))
                    .col(uuid(OrderEvents::TenantId))
                    .col(uuid(OrderEvents::OrderId))
                    .col(timestamp_with_time_zone(OrderEvents::At))
                    .col(string_len(OrderEvents::Kind, 32))
                    .col(uuid_null(OrderEvents::ActorId))
                    .col(string_len_null(OrderEvents::FromStatus, 24))
                    .col(string_len_null(OrderEvents::ToStatus, 24))
                    .col(text_null(OrderEvents::Note))
                    .foreign_key(
                        ForeignKey::create()
                            .from(OrderEvents::Table, OrderEvents::OrderId)
                            .to(Orders::Table, Orders::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_order_events_order",
                OrderEvents::Table,
                vec![OrderEvents::OrderId.into_iden(), OrderEvents::Id.into_iden()],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RevisionRequests::Table)
                    .col(pk_uuid(RevisionRequests::Id))
                    .col(uuid(RevisionRequests::TenantId))
                    .col(uuid(RevisionRequests::OrderId))
                    .col(uuid(RevisionRequests::RequestedBy))
                    .col(string_len(RevisionRequests::Severity, 16))
                    .col(text(RevisionRequests::Reason))
                    .col(json(RevisionRequests::Changes))
                    .col(timestamp_with_time_zone(RevisionRequests::Deadline))
                    .col(string_len(RevisionRequests::Status, 16))
                    .col(uuid_null(RevisionRequests::AssignedTo))
                    .col(timestamp_with_time_zone(RevisionRequests::CreatedAt))
                    .col(timestamp_with_time_zone_null(RevisionRequests::StartedAt))
                    .col(timestamp_with_time_zone_null(RevisionRequests::CompletedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(RevisionRequests::Table, RevisionRequests::OrderId)
                            .to(Orders::Table, Orders::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_revision_requests_order",
                RevisionRequests::Table,
                vec![RevisionRequests::OrderId.into_iden()],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OrderDrafts::Table)
                    .col(pk_uuid(OrderDrafts::Id))
                    .col(uuid(OrderDrafts::TenantId))
                    .col(uuid(OrderDrafts::ClientId))
                    .col(json(OrderDrafts::Spec))
                    .col(timestamp_with_time_zone(OrderDrafts::CreatedAt))
                    .col(timestamp_with_time_zone(OrderDrafts::UpdatedAt))
                    .col(timestamp_with_time_zone_null(OrderDrafts::LastViewedAt))
                    .foreign_key(&mut fk_user(OrderDrafts::Table, OrderDrafts::ClientId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_order_drafts_client",
                OrderDrafts::Table,
                vec![OrderDrafts::TenantId.into_iden(), OrderDrafts::ClientId.into_iden(), OrderDrafts::Id.into_iden()],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OrderPresets::Table)
                    .col(pk_uuid(OrderPresets::Id))
                    .col(uuid(OrderPresets::TenantId))
                    .col(uuid(OrderPresets::ClientId))
                    .col(string_len(OrderPresets::Name, 100))
                    .col(json(OrderPresets::Spec))
                    .col(boolean(OrderPresets::IsDefault))
                    .col(integer(OrderPresets::UsageCount))
                    .col(timestamp_with_time_zone(OrderPresets::CreatedAt))
                    .col(timestamp_with_time_zone(OrderPresets::UpdatedAt))
                    .foreign_key(&mut fk_user(OrderPresets::Table, OrderPresets::ClientId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "ux_order_presets_name",
                    OrderPresets::Table,
                    vec![OrderPresets::ClientId.into_iden(), OrderPresets::Name.into_iden()],
                )
                .unique()
                .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            OrderPresets::Table.into_iden(),
            OrderDrafts::Table.into_iden(),
            RevisionRequests::Table.into_iden(),
            OrderEvents::Table.into_iden(),
            OrderLines::Table.into_iden(),
            Orders::Table.into_iden(),
            PricingSettings::Table.into_iden(),
            CatalogItems::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
