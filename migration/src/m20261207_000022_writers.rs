use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::m20261206_000021_row_level_security::protect;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A writer's workforce profile. A writer without a row has the defaults (`writer_directory`).
#[derive(DeriveIden)]
enum WriterProfiles {
    Table,
    UserId,
    TenantId,
    Bio,
    SubjectIds,
    Languages,
    Status,
    StatusReason,
    LevelId,
    MaxActiveOrders,
    MaxNewPerDay,
    PreferredSubjectIds,
    PreferredWorkTypeIds,
    AutoAccept,
    CreatedAt,
    UpdatedAt,
}

/// What a writer level (a `WRITER_LEVEL` catalogue entry) allows and pays. A level without a
/// row has the defaults (`writers::service::levels::Rules::default`).
#[derive(DeriveIden)]
enum WriterLevelRules {
    Table,
    LevelId,
    TenantId,
    PayMode,
    PayPercentE4,
    MaxActiveOrders,
    MaxOpenRequests,
    MayTakeDirectly,
    MaxPagesPerOrder,
    PromoteCompleted,
    PromoteRatingE2,
    PromoteOnTimeE4,
    PromoteMaxRevisionE4,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum WriterBadges {
    Table,
    Id,
    TenantId,
    WriterId,
    Code,
    AwardedAt,
}

/// A writer's private calendar feed: the SHA-256 of its secret (the secret is shown once).
#[derive(DeriveIden)]
enum WriterCalendarFeeds {
    Table,
    WriterId,
    TenantId,
    SecretHash,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum CatalogItems {
    Table,
    Id,
}

fn to_user(from: impl IntoIden + 'static, col: impl IntoIden + 'static) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(from, col).to(Users::Table, Users::Id).to_owned()
}

fn to_catalog(from: impl IntoIden + 'static, col: impl IntoIden + 'static) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(from, col).to(CatalogItems::Table, CatalogItems::Id).to_owned()
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    FirstSubmittedAt,
}

#[derive(DeriveIden)]
enum OrderEvents {
    Table,
    TenantId,
    ActorId,
    At,
}

#[derive(DeriveIden)]
enum WriterBlackouts {
    Table,
    Id,
    TenantId,
    WriterId,
    StartsAt,
    EndsAt,
    Reason,
    CreatedAt,
}

/// Writers' profiles, level rules, blackouts and badges (the workforce context, `crates/writers`), an
/// order's first submission (a writer's on-time record), and
/// `writer_directory`: every writer of a tenant (a `WRITER` user) with their profile or its
/// defaults, so that a writer an admin has just created is listed before anyone edits a profile.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WriterProfiles::Table)
                    .col(pk_uuid(WriterProfiles::UserId))
                    .col(uuid(WriterProfiles::TenantId))
                    .col(text(WriterProfiles::Bio))
                    .col(text(WriterProfiles::SubjectIds))
                    .col(text(WriterProfiles::Languages))
                    .col(string_len(WriterProfiles::Status, 16))
                    .col(string_len_null(WriterProfiles::StatusReason, 500))
                    .col(uuid_null(WriterProfiles::LevelId))
                    .col(integer_null(WriterProfiles::MaxActiveOrders))
                    .col(integer_null(WriterProfiles::MaxNewPerDay))
                    .col(text(WriterProfiles::PreferredSubjectIds))
                    .col(text(WriterProfiles::PreferredWorkTypeIds))
                    .col(boolean(WriterProfiles::AutoAccept))
                    .col(timestamp_with_time_zone(WriterProfiles::CreatedAt))
                    .col(timestamp_with_time_zone(WriterProfiles::UpdatedAt))
                    .foreign_key(&mut to_user(WriterProfiles::Table, WriterProfiles::UserId))
                    .foreign_key(&mut to_catalog(WriterProfiles::Table, WriterProfiles::LevelId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("writer_profiles_tenant")
                    .table(WriterProfiles::Table)
                    .col(WriterProfiles::TenantId)
                    .col(WriterProfiles::Status)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WriterLevelRules::Table)
                    .col(pk_uuid(WriterLevelRules::LevelId))
                    .col(uuid(WriterLevelRules::TenantId))
                    .col(string_len(WriterLevelRules::PayMode, 16))
                    .col(big_integer(WriterLevelRules::PayPercentE4))
                    .col(integer(WriterLevelRules::MaxActiveOrders))
                    .col(integer(WriterLevelRules::MaxOpenRequests))
                    .col(boolean(WriterLevelRules::MayTakeDirectly))
                    .col(integer(WriterLevelRules::MaxPagesPerOrder))
                    .col(integer(WriterLevelRules::PromoteCompleted))
                    .col(integer(WriterLevelRules::PromoteRatingE2))
                    .col(big_integer(WriterLevelRules::PromoteOnTimeE4))
                    .col(big_integer(WriterLevelRules::PromoteMaxRevisionE4))
                    .col(timestamp_with_time_zone(WriterLevelRules::UpdatedAt))
                    .foreign_key(&mut to_catalog(WriterLevelRules::Table, WriterLevelRules::LevelId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("writer_level_rules_tenant")
                    .table(WriterLevelRules::Table)
                    .col(WriterLevelRules::TenantId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WriterBlackouts::Table)
                    .col(pk_uuid(WriterBlackouts::Id))
                    .col(uuid(WriterBlackouts::TenantId))
                    .col(uuid(WriterBlackouts::WriterId))
                    .col(timestamp_with_time_zone(WriterBlackouts::StartsAt))
                    .col(timestamp_with_time_zone(WriterBlackouts::EndsAt))
                    .col(string_len(WriterBlackouts::Reason, 200))
                    .col(timestamp_with_time_zone(WriterBlackouts::CreatedAt))
                    .foreign_key(&mut to_user(WriterBlackouts::Table, WriterBlackouts::WriterId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("writer_blackouts_writer")
                    .table(WriterBlackouts::Table)
                    .col(WriterBlackouts::TenantId)
                    .col(WriterBlackouts::WriterId)
                    .col(WriterBlackouts::EndsAt)
                    .to_owned(),
            )
            .await?;
        // a badge is awarded once: the key decides it, whichever job run gets there first
        manager
            .create_table(
                Table::create()
                    .table(WriterBadges::Table)
                    .col(pk_uuid(WriterBadges::Id))
                    .col(uuid(WriterBadges::TenantId))
                    .col(uuid(WriterBadges::WriterId))
                    .col(string_len(WriterBadges::Code, 32))
                    .col(timestamp_with_time_zone(WriterBadges::AwardedAt))
                    .foreign_key(&mut to_user(WriterBadges::Table, WriterBadges::WriterId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_writer_badges")
                    .table(WriterBadges::Table)
                    .col(WriterBadges::TenantId)
                    .col(WriterBadges::WriterId)
                    .col(WriterBadges::Code)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WriterCalendarFeeds::Table)
                    .col(pk_uuid(WriterCalendarFeeds::WriterId))
                    .col(uuid(WriterCalendarFeeds::TenantId))
                    .col(string_len(WriterCalendarFeeds::SecretHash, 64).unique_key())
                    .col(timestamp_with_time_zone(WriterCalendarFeeds::CreatedAt))
                    .foreign_key(&mut to_user(WriterCalendarFeeds::Table, WriterCalendarFeeds::WriterId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_writer_calendar_feeds_tenant")
                    .table(WriterCalendarFeeds::Table)
                    .col(WriterCalendarFeeds::TenantId)
                    .to_owned(),
            )
            .await?;
        // whether a writer was on time is read from the order, not searched for in its timeline
        manager
            .alter_table(
                Table::alter()
                    .table(Orders::Table)
                    .add_column(timestamp_with_time_zone_null(Orders::FirstSubmittedAt))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        if db.get_database_backend() == DbBackend::Postgres {
            // the backfill reads and writes every tenant's rows, behind the wall's FORCE
            db.execute_unprepared("SELECT set_config('app.cross_tenant', 'on', true)").await?;
        }
        db.execute_unprepared(
            "UPDATE orders SET first_submitted_at = (SELECT MIN(e.at) FROM order_events e \
             WHERE e.order_id = orders.id AND e.kind = 'SUBMIT') \
             WHERE status IN ('SUBMITTED', 'REVISION_REQUESTED', 'IN_REVISION', 'UNDER_EDITING', 'COMPLETED', \
                              'DISPUTED', 'ARCHIVED', 'ON_HOLD', 'CANCELLED')",
        )
        .await?;
        // what a writer took on since a moment (a daily limit) is counted by actor
        manager
            .create_index(
                Index::create()
                    .name("ix_order_events_actor")
                    .table(OrderEvents::Table)
                    .col(OrderEvents::TenantId)
                    .col(OrderEvents::ActorId)
                    .col(OrderEvents::At)
                    .to_owned(),
            )
            .await?;
        // PostgreSQL runs a view with its owner's rights unless told otherwise; with the
        // invoker's, the users' and profiles' row-level security applies through it.
        let options = match db.get_database_backend() {
            DbBackend::Postgres => " WITH (security_invoker = true)",
            _ => "",
        };
        // A writer's level, when none was set: the tenant's first active writer level, in the
        // catalogue's display order. (The view names columns of `users` and `catalog_items`; a
        // later migration that changes one of them recreates the view on PostgreSQL. It needs
        // PostgreSQL 15 for `security_invoker`.)
        db.execute_unprepared(&format!(
            "CREATE VIEW writer_directory{options} AS \
             SELECT u.id AS user_id, u.tenant_id AS tenant_id, u.display_name AS display_name, \
                    u.created_at AS joined_at, \
                    COALESCE(p.status, 'ACTIVE') AS status, p.status_reason AS status_reason, \
                    COALESCE(p.level_id, (SELECT c.id FROM catalog_items c \
                        WHERE c.tenant_id = u.tenant_id AND c.kind = 'WRITER_LEVEL' AND c.active = TRUE \
                        ORDER BY c.sort_order, c.code LIMIT 1)) AS level_id, \
                    COALESCE(p.bio, '') AS bio, COALESCE(p.subject_ids, '[]') AS subject_ids, \
                    COALESCE(p.languages, '[]') AS languages, \
                    p.max_active_orders AS max_active_orders, p.max_new_per_day AS max_new_per_day, \
                    COALESCE(p.preferred_subject_ids, '[]') AS preferred_subject_ids, \
                    COALESCE(p.preferred_work_type_ids, '[]') AS preferred_work_type_ids, \
                    COALESCE(p.auto_accept, FALSE) AS auto_accept \
             FROM users u LEFT JOIN writer_profiles p ON p.user_id = u.id AND p.tenant_id = u.tenant_id \
             WHERE u.role = 'WRITER' AND u.tenant_id IS NOT NULL"
        ))
        .await?;
        if db.get_database_backend() == DbBackend::Postgres {
            for table in
                ["writer_profiles", "writer_level_rules", "writer_blackouts", "writer_badges", "writer_calendar_feeds"]
            {
                protect(db, table).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared("DROP VIEW writer_directory").await?;
        manager.drop_index(Index::drop().name("ix_order_events_actor").table(OrderEvents::Table).to_owned()).await?;
        manager
            .alter_table(Table::alter().table(Orders::Table).drop_column(Orders::FirstSubmittedAt).to_owned())
            .await?;
        manager.drop_table(Table::drop().table(WriterCalendarFeeds::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(WriterBadges::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(WriterBlackouts::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(WriterLevelRules::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(WriterProfiles::Table).to_owned()).await
    }
}
