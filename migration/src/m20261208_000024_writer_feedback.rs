use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::m20261206_000021_row_level_security::protect;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum WriterFeedback {
    Table,
    Id,
    TenantId,
    OrderId,
    WriterId,
    AuthorId,
    AuthorRole,
    Quality,
    Communication,
    Timeliness,
    FollowingInstructions,
    Comment,
    Public,
    CreatedAt,
}

#[derive(DeriveIden)]
enum WriterFeedbackTotals {
    Table,
    WriterId,
    TenantId,
    Count,
    QualitySum,
    CommunicationSum,
    TimelinessSum,
    FollowingInstructionsSum,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
}

/// Feedback on writers (`writers::service::feedback`): one per order and author, and each
/// writer's running totals, kept in the transaction of each feedback by an upsert that adds to
/// them in the database.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WriterFeedback::Table)
                    .col(pk_uuid(WriterFeedback::Id))
                    .col(uuid(WriterFeedback::TenantId))
                    .col(uuid(WriterFeedback::OrderId))
                    .col(uuid(WriterFeedback::WriterId))
                    .col(uuid(WriterFeedback::AuthorId))
                    .col(string_len(WriterFeedback::AuthorRole, 16))
                    .col(small_integer(WriterFeedback::Quality).check(Expr::col(WriterFeedback::Quality).between(1, 5)))
                    .col(
                        small_integer(WriterFeedback::Communication)
                            .check(Expr::col(WriterFeedback::Communication).between(1, 5)),
                    )
                    .col(
                        small_integer(WriterFeedback::Timeliness)
                            .check(Expr::col(WriterFeedback::Timeliness).between(1, 5)),
                    )
                    .col(
                        small_integer(WriterFeedback::FollowingInstructions)
                            .check(Expr::col(WriterFeedback::FollowingInstructions).between(1, 5)),
                    )
                    .col(string_len(WriterFeedback::Comment, 2000))
                    .col(boolean(WriterFeedback::Public))
                    .col(timestamp_with_time_zone(WriterFeedback::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(WriterFeedback::Table, WriterFeedback::OrderId)
                            .to(Orders::Table, Orders::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(WriterFeedback::Table, WriterFeedback::WriterId)
                            .to(Users::Table, Users::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(WriterFeedback::Table, WriterFeedback::AuthorId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // one feedback per order and author, whichever of two racing submissions comes first
        manager
            .create_index(
                Index::create()
                    .name("ux_writer_feedback_order_author")
                    .table(WriterFeedback::Table)
                    .col(WriterFeedback::TenantId)
                    .col(WriterFeedback::OrderId)
                    .col(WriterFeedback::AuthorId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_writer_feedback_writer")
                    .table(WriterFeedback::Table)
                    .col(WriterFeedback::TenantId)
                    .col(WriterFeedback::WriterId)
                    .col(WriterFeedback::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WriterFeedbackTotals::Table)
                    .col(pk_uuid(WriterFeedbackTotals::WriterId))
                    .col(uuid(WriterFeedbackTotals::TenantId))
                    .col(big_integer(WriterFeedbackTotals::Count))
                    .col(big_integer(WriterFeedbackTotals::QualitySum))
                    .col(big_integer(WriterFeedbackTotals::CommunicationSum))
                    .col(big_integer(WriterFeedbackTotals::TimelinessSum))
                    .col(big_integer(WriterFeedbackTotals::FollowingInstructionsSum))
                    .col(timestamp_with_time_zone(WriterFeedbackTotals::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(WriterFeedbackTotals::Table, WriterFeedbackTotals::WriterId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_writer_feedback_totals_tenant")
                    .table(WriterFeedbackTotals::Table)
                    .col(WriterFeedbackTotals::TenantId)
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        if db.get_database_backend() == DbBackend::Postgres {
            for table in ["writer_feedback", "writer_feedback_totals"] {
                protect(db, table).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(WriterFeedbackTotals::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(WriterFeedback::Table).to_owned()).await?;
        Ok(())
    }
}
