//! A portfolio sample may be an uploaded file (instead of, or beside, its text excerpt): the
//! file's name, type, size, SHA-256 and where its bytes are, all null for a text-only sample.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PortfolioSamples {
    Table,
    FileName,
    FileContentType,
    FileSizeBytes,
    FileSha256,
    FileKey,
}

fn columns() -> [ColumnDef; 5] {
    [
        ColumnDef::new(PortfolioSamples::FileName).string_len(200).null().to_owned(),
        ColumnDef::new(PortfolioSamples::FileContentType).string_len(100).null().to_owned(),
        ColumnDef::new(PortfolioSamples::FileSizeBytes).big_integer().null().to_owned(),
        ColumnDef::new(PortfolioSamples::FileSha256).string_len(64).null().to_owned(),
        ColumnDef::new(PortfolioSamples::FileKey).string_len(200).null().to_owned(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // one column a statement: SQLite alters a table one column at a time
        for mut column in columns() {
            manager
                .alter_table(Table::alter().table(PortfolioSamples::Table).add_column(&mut column).to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            PortfolioSamples::FileName,
            PortfolioSamples::FileContentType,
            PortfolioSamples::FileSizeBytes,
            PortfolioSamples::FileSha256,
            PortfolioSamples::FileKey,
        ] {
            manager.alter_table(Table::alter().table(PortfolioSamples::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
