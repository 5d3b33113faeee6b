use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Chain,
    Seq,
    Salt,
}

/// The audit log becomes hash chains: one per tenant and one for installation-wide actions. Each
/// entry has its place in its chain (`seq`, from 1) and `hash` = SHA-256 over the previous
/// entry's hash and its own canonical form with a random salt (never shown to admins: it keeps a
/// redacted address from being found by trying every one against the hash); (chain, seq) is
/// unique, so a chain cannot fork.
/// Entries written before this migration stay outside the chains (`chain` null).
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(AuditLog::Table).add_column(string_len_null(AuditLog::Chain, 36)).to_owned(),
            )
            .await?;
        manager
            .alter_table(Table::alter().table(AuditLog::Table).add_column(big_integer_null(AuditLog::Seq)).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter().table(AuditLog::Table).add_column(string_len_null(AuditLog::Salt, 32)).to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_audit_log_chain_seq")
                    .table(AuditLog::Table)
                    .col(AuditLog::Chain)
                    .col(AuditLog::Seq)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("ux_audit_log_chain_seq").table(AuditLog::Table).to_owned()).await?;
        for column in [AuditLog::Salt, AuditLog::Seq, AuditLog::Chain] {
            manager.alter_table(Table::alter().table(AuditLog::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
