use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::m20261206_000021_row_level_security::protect;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OrderFiles {
    Table,
    Id,
    TenantId,
    OrderId,
    DraftId,
    Kind,
    Version,
    Name,
    ContentType,
    SizeBytes,
    Sha256,
    StorageKey,
    UploadedBy,
    UploadedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

/// Files of orders and drafts (`orders::service::files`): instructions and, a version per
/// submission, the delivered work. The bytes live in the object store under `storage_key`; a
/// row exists only for a stored object. A draft's files move to its order when it is placed.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OrderFiles::Table)
                    .col(pk_uuid(OrderFiles::Id))
                    .col(uuid(OrderFiles::TenantId))
                    .col(uuid_null(OrderFiles::OrderId))
                    .col(uuid_null(OrderFiles::DraftId))
                    .col(string_len(OrderFiles::Kind, 16))
                    .col(integer(OrderFiles::Version))
                    .col(string_len(OrderFiles::Name, 255))
                    .col(string_len(OrderFiles::ContentType, 128))
                    .col(big_integer(OrderFiles::SizeBytes))
                    .col(string_len(OrderFiles::Sha256, 64))
                    .col(string_len(OrderFiles::StorageKey, 255))
                    .col(uuid(OrderFiles::UploadedBy))
                    .col(timestamp_with_time_zone(OrderFiles::UploadedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(OrderFiles::Table, OrderFiles::UploadedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .check(
                        Expr::col(OrderFiles::OrderId).is_not_null().or(Expr::col(OrderFiles::DraftId).is_not_null()),
                    )
                    .check(Expr::col(OrderFiles::SizeBytes).gte(0))
                    .to_owned(),
            )
            .await?;
        for (name, owner) in
            [("ix_order_files_order", OrderFiles::OrderId), ("ix_order_files_draft", OrderFiles::DraftId)]
        {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(OrderFiles::Table)
                        .col(OrderFiles::TenantId)
                        .col(owner)
                        .col(OrderFiles::UploadedAt)
                        .to_owned(),
                )
                .await?;
        }
        let db = manager.get_connection();
        if db.get_database_backend() == DbBackend::Postgres {
            protect(db, "order_files").await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(OrderFiles::Table).to_owned()).await?;
        Ok(())
    }
}
