//! Editing (`writers::service::editing`): the tenant's editing settings, an admin's choice per
//! order, editors' profiles, editing tasks with their reviews and history, and which orders an
//! editor may read (`order_editors`, the orders context's, written when a task reaches them).
//! Writers' feedback totals gain the editors' part (quality and following instructions).
//!
//! The guards are the database's: one open task per order (a partial unique index), a task
//! claimed by one editor (a conditional update of an AVAILABLE row), one review per task (its
//! key), an editor's access to an order once (its key).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::m20261206_000021_row_level_security::protect;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum EditingSettings {
    Table,
    TenantId,
    Policy,
    NewWriterOrders,
    LevelIds,
    EditorSharePercent,
    RequireExpertise,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum EditingOrderFlags {
    Table,
    OrderId,
    TenantId,
    Required,
    SetBy,
    SetAt,
}

#[derive(DeriveIden)]
enum EditorProfiles {
    Table,
    UserId,
    TenantId,
    SubjectIds,
    WorkTypeIds,
    MaxConcurrentTasks,
    MayClaim,
    Status,
    StatusReason,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum EditingTasks {
    Table,
    Id,
    TenantId,
    OrderId,
    WriterId,
    Pages,
    WorkTypeId,
    SubjectId,
    Status,
    Assignment,
    EditorId,
    Deadline,
    ClientDeadline,
    CreatedAt,
    ClaimedAt,
    StartedAt,
    FinishedAt,
    TurnaroundSeconds,
    OverdueAt,
    Note,
}

#[derive(DeriveIden)]
enum EditingReviews {
    Table,
    TaskId,
    TenantId,
    EditorId,
    QualityScore,
    Issues,
    Corrections,
    Summary,
    SubmittedAt,
}

#[derive(DeriveIden)]
enum EditingTaskEvents {
    Table,
    Id,
    TenantId,
    TaskId,
    OrderId,
    EditorId,
    ActorId,
    Kind,
    At,
    Note,
}

#[derive(DeriveIden)]
enum OrderEditors {
    Table,
    OrderId,
    EditorId,
    TenantId,
    GrantedAt,
}

#[derive(DeriveIden)]
enum WriterFeedbackTotals {
    Table,
    EditorCount,
    EditorQualitySum,
    EditorInstructionsSum,
}

#[derive(DeriveIden)]
enum OrderFiles {
    Table,
    Released,
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

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let user = |table: DynIden, column: DynIden| {
            ForeignKey::create().from(table, column).to(Users::Table, Users::Id).to_owned()
        };
        let order = |table: DynIden, column: DynIden| {
            ForeignKey::create().from(table, column).to(Orders::Table, Orders::Id).to_owned()
        };
        manager
            .create_table(
                Table::create()
                    .table(EditingSettings::Table)
                    .col(uuid(EditingSettings::TenantId).primary_key())
                    .col(string_len(EditingSettings::Policy, 16))
                    .col(integer(EditingSettings::NewWriterOrders))
                    .col(text(EditingSettings::LevelIds))
                    .col(
                        integer(EditingSettings::EditorSharePercent)
                            .check(Expr::col(EditingSettings::EditorSharePercent).between(1, 99)),
                    )
                    .col(boolean(EditingSettings::RequireExpertise))
                    .col(timestamp_with_time_zone(EditingSettings::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(EditingSettings::Table, EditingSettings::TenantId)
                            .to(Tenants::Table, Tenants::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EditingOrderFlags::Table)
                    .col(uuid(EditingOrderFlags::OrderId).primary_key())
                    .col(uuid(EditingOrderFlags::TenantId))
                    .col(boolean(EditingOrderFlags::Required))
                    .col(uuid(EditingOrderFlags::SetBy))
                    .col(timestamp_with_time_zone(EditingOrderFlags::SetAt))
                    .foreign_key(&mut order(
                        EditingOrderFlags::Table.into_iden(),
                        EditingOrderFlags::OrderId.into_iden(),
                    ))
                    .foreign_key(&mut user(EditingOrderFlags::Table.into_iden(), EditingOrderFlags::SetBy.into_iden()))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_editing_order_flags_tenant")
                    .table(EditingOrderFlags::Table)
                    .col(EditingOrderFlags::TenantId)
                    .col(EditingOrderFlags::OrderId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EditorProfiles::Table)
                    .col(uuid(EditorProfiles::UserId).primary_key())
                    .col(uuid(EditorProfiles::TenantId))
                    .col(text(EditorProfiles::SubjectIds))
                    .col(text(EditorProfiles::WorkTypeIds))
                    .col(
                        integer(EditorProfiles::MaxConcurrentTasks)
                            .check(Expr::col(EditorProfiles::MaxConcurrentTasks).between(0, 100)),
                    )
                    .col(boolean(EditorProfiles::MayClaim))
                    .col(string_len(EditorProfiles::Status, 16))
                    .col(string_len_null(EditorProfiles::StatusReason, 500))
                    .col(timestamp_with_time_zone(EditorProfiles::CreatedAt))
                    .col(timestamp_with_time_zone(EditorProfiles::UpdatedAt))
                    .foreign_key(&mut user(EditorProfiles::Table.into_iden(), EditorProfiles::UserId.into_iden()))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_editor_profiles_tenant")
                    .table(EditorProfiles::Table)
                    .col(EditorProfiles::TenantId)
                    .col(EditorProfiles::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EditingTasks::Table)
                    .col(pk_uuid(EditingTasks::Id))
                    .col(uuid(EditingTasks::TenantId))
                    .col(uuid(EditingTasks::OrderId))
                    .col(uuid(EditingTasks::WriterId))
                    .col(integer(EditingTasks::Pages))
                    .col(uuid_null(EditingTasks::WorkTypeId))
                    .col(uuid_null(EditingTasks::SubjectId))
                    .col(string_len(EditingTasks::Status, 16))
                    .col(string_len_null(EditingTasks::Assignment, 16))
                    .col(uuid_null(EditingTasks::EditorId))
                    .col(timestamp_with_time_zone(EditingTasks::Deadline))
                    .col(timestamp_with_time_zone(EditingTasks::ClientDeadline))
                    .col(timestamp_with_time_zone(EditingTasks::CreatedAt))
                    .col(timestamp_with_time_zone_null(EditingTasks::ClaimedAt))
                    .col(timestamp_with_time_zone_null(EditingTasks::StartedAt))
                    .col(timestamp_with_time_zone_null(EditingTasks::FinishedAt))
                    .col(big_integer_null(EditingTasks::TurnaroundSeconds))
                    .col(timestamp_with_time_zone_null(EditingTasks::OverdueAt))
                    .col(string_len_null(EditingTasks::Note, 2000))
                    .foreign_key(&mut order(EditingTasks::Table.into_iden(), EditingTasks::OrderId.into_iden()))
                    .foreign_key(&mut user(EditingTasks::Table.into_iden(), EditingTasks::WriterId.into_iden()))
                    .foreign_key(&mut user(EditingTasks::Table.into_iden(), EditingTasks::EditorId.into_iden()))
                    .to_owned(),
            )
            .await?;
        // the pool and the admins' lists: a site's tasks by status, soonest deadline first
        manager
            .create_index(
                Index::create()
                    .name("ix_editing_tasks_status")
                    .table(EditingTasks::Table)
                    .col(EditingTasks::TenantId)
                    .col(EditingTasks::Status)
                    .col(EditingTasks::Deadline)
                    .col(EditingTasks::Id)
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        let postgres = db.get_database_backend() == DbBackend::Postgres;
        // an editor's tasks: their load, their counts by status and how they came, their record
        // (finished, when, in what time, by when), read from the index alone on PostgreSQL
        // (`INCLUDE`; on SQLite the same columns as keys), whatever their history
        db.execute_unprepared(if postgres {
            "CREATE INDEX ix_editing_tasks_editor ON editing_tasks (tenant_id, editor_id, status, finished_at) \
             INCLUDE (assignment, deadline, claimed_at)"
        } else {
            "CREATE INDEX ix_editing_tasks_editor ON editing_tasks \
             (tenant_id, editor_id, status, finished_at, assignment, deadline, claimed_at)"
        })
        .await?;
        // an editor's recent tasks, newest first
        manager
            .create_index(
                Index::create()
                    .name("ix_editing_tasks_recent")
                    .table(EditingTasks::Table)
                    .col(EditingTasks::TenantId)
                    .col(EditingTasks::EditorId)
                    .col(EditingTasks::ClaimedAt)
                    .col(EditingTasks::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_editing_tasks_order")
                    .table(EditingTasks::Table)
                    .col(EditingTasks::TenantId)
                    .col(EditingTasks::OrderId)
                    .to_owned(),
            )
            .await?;
        // one open task per order, whichever of two racing submissions writes it first
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_editing_tasks_open ON editing_tasks (order_id) \
             WHERE status IN ('AVAILABLE', 'CLAIMED', 'IN_PROGRESS')",
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(EditingReviews::Table)
                    .col(uuid(EditingReviews::TaskId).primary_key())
                    .col(uuid(EditingReviews::TenantId))
                    .col(uuid(EditingReviews::EditorId))
                    .col(
                        small_integer(EditingReviews::QualityScore)
                            .check(Expr::col(EditingReviews::QualityScore).between(1, 10)),
                    )
                    .col(json(EditingReviews::Issues))
                    .col(text(EditingReviews::Corrections))
                    .col(text(EditingReviews::Summary))
                    .col(timestamp_with_time_zone(EditingReviews::SubmittedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(EditingReviews::Table, EditingReviews::TaskId)
                            .to(EditingTasks::Table, EditingTasks::Id),
                    )
                    .foreign_key(&mut user(EditingReviews::Table.into_iden(), EditingReviews::EditorId.into_iden()))
                    .to_owned(),
            )
            .await?;
        // the average score an editor gives, from the index alone
        db.execute_unprepared(if postgres {
            "CREATE INDEX ix_editing_reviews_editor ON editing_reviews (tenant_id, editor_id) INCLUDE (quality_score)"
        } else {
            "CREATE INDEX ix_editing_reviews_editor ON editing_reviews (tenant_id, editor_id, quality_score)"
        })
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(EditingTaskEvents::Table)
                    .col(pk_uuid(EditingTaskEvents::Id))
                    .col(uuid(EditingTaskEvents::TenantId))
                    .col(uuid(EditingTaskEvents::TaskId))
                    .col(uuid(EditingTaskEvents::OrderId))
                    .col(uuid_null(EditingTaskEvents::EditorId))
                    .col(uuid_null(EditingTaskEvents::ActorId))
                    .col(string_len(EditingTaskEvents::Kind, 24))
                    .col(timestamp_with_time_zone(EditingTaskEvents::At))
                    .col(string_len_null(EditingTaskEvents::Note, 2000))
                    .foreign_key(
                        ForeignKey::create()
                            .from(EditingTaskEvents::Table, EditingTaskEvents::TaskId)
                            .to(EditingTasks::Table, EditingTasks::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // an editor's recent activity, newest first
        manager
            .create_index(
                Index::create()
                    .name("ix_editing_task_events_editor")
                    .table(EditingTaskEvents::Table)
                    .col(EditingTaskEvents::TenantId)
                    .col(EditingTaskEvents::EditorId)
                    .col(EditingTaskEvents::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OrderEditors::Table)
                    .col(uuid(OrderEditors::OrderId))
                    .col(uuid(OrderEditors::EditorId))
                    .col(uuid(OrderEditors::TenantId))
                    .col(timestamp_with_time_zone(OrderEditors::GrantedAt))
                    .primary_key(Index::create().col(OrderEditors::OrderId).col(OrderEditors::EditorId))
                    .foreign_key(&mut order(OrderEditors::Table.into_iden(), OrderEditors::OrderId.into_iden()))
                    .foreign_key(&mut user(OrderEditors::Table.into_iden(), OrderEditors::EditorId.into_iden()))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_order_editors_editor")
                    .table(OrderEditors::Table)
                    .col(OrderEditors::TenantId)
                    .col(OrderEditors::EditorId)
                    .col(OrderEditors::OrderId)
                    .to_owned(),
            )
            .await?;
        for column in [
            WriterFeedbackTotals::EditorCount,
            WriterFeedbackTotals::EditorQualitySum,
            WriterFeedbackTotals::EditorInstructionsSum,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(WriterFeedbackTotals::Table)
                        .add_column(big_integer(column).default(0))
                        .to_owned(),
                )
                .await?;
        }
        // delivered work an editor has not passed is not the client's yet (what exists was delivered)
        manager
            .alter_table(
                Table::alter()
                    .table(OrderFiles::Table)
                    .add_column(boolean(OrderFiles::Released).default(true))
                    .to_owned(),
            )
            .await?;
        if postgres {
            for table in [
                "editing_settings",
                "editing_order_flags",
                "editor_profiles",
                "editing_tasks",
                "editing_reviews",
                "editing_task_events",
                "order_editors",
            ] {
                protect(db, table).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            OrderEditors::Table.into_iden(),
            EditingTaskEvents::Table.into_iden(),
            EditingReviews::Table.into_iden(),
            EditingTasks::Table.into_iden(),
            EditorProfiles::Table.into_iden(),
            EditingOrderFlags::Table.into_iden(),
            EditingSettings::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
