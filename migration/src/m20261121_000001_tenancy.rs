use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Tenants {
    Table,
    Id,
    Slug,
    Name,
    Currency,
    TimeZone,
    ContactEmail,
    AllowRegistration,
    Status,
    Branding,
    FeatureToggles,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TenantDomains {
    Table,
    Domain,
    TenantId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    TenantId,
    ActorId,
    ActorRole,
    Action,
    TargetType,
    TargetId,
    Before,
    After,
    Ip,
    At,
    PrevHash,
    Hash,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Tenants::Table)
                    .col(pk_uuid(Tenants::Id))
                    .col(string_len_uniq(Tenants::Slug, 63))
                    .col(string_len(Tenants::Name, 200))
                    .col(string_len(Tenants::Currency, 3))
                    .col(string_len(Tenants::TimeZone, 64))
                    .col(string_len_null(Tenants::ContactEmail, 254))
                    .col(boolean(Tenants::AllowRegistration))
                    .col(string_len(Tenants::Status, 16))
                    .col(json(Tenants::Branding))
                    .col(json(Tenants::FeatureToggles))
                    .col(timestamp_with_time_zone(Tenants::CreatedAt))
                    .col(timestamp_with_time_zone(Tenants::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        // A domain is the primary key: one host can never point at two tenants.
        manager
            .create_table(
                Table::create()
                    .table(TenantDomains::Table)
                    .col(string_len(TenantDomains::Domain, 253).primary_key())
                    .col(uuid(TenantDomains::TenantId))
                    .col(timestamp_with_time_zone(TenantDomains::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(TenantDomains::Table, TenantDomains::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_tenant_domains_tenant")
                    .table(TenantDomains::Table)
                    .col(TenantDomains::TenantId)
                    .to_owned(),
            )
            .await?;
        // Append-only. `prev_hash`/`hash` are left empty for now: a hash chain can be filled in
        // (and verified) later without rewriting the table. The actor has no foreign key because
        // users live in a higher context and the log must outlive them.
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(pk_uuid(AuditLog::Id))
                    .col(uuid_null(AuditLog::TenantId))
                    .col(uuid_null(AuditLog::ActorId))
                    .col(string_len_null(AuditLog::ActorRole, 16))
                    .col(string_len(AuditLog::Action, 64))
                    .col(string_len(AuditLog::TargetType, 32))
                    .col(string_len_null(AuditLog::TargetId, 64))
                    .col(json_null(AuditLog::Before))
                    .col(json_null(AuditLog::After))
                    .col(string_len_null(AuditLog::Ip, 64))
                    .col(timestamp_with_time_zone(AuditLog::At))
                    .col(string_len_null(AuditLog::PrevHash, 64))
                    .col(string_len_null(AuditLog::Hash, 64))
                    .foreign_key(
                        ForeignKey::create().from(AuditLog::Table, AuditLog::TenantId).to(Tenants::Table, Tenants::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_audit_log_tenant")
                    .table(AuditLog::Table)
                    .col(AuditLog::TenantId)
                    .col(AuditLog::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(AuditLog::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(TenantDomains::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Tenants::Table).to_owned()).await
    }
}
