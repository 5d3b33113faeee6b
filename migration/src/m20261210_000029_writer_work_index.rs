//! A writer's dashboard, workload and record read every order they ever had (their counts, rates
//! and pages due): through `ix_orders_writer_assigned` each of those rows is a heap page of its
//! own (a writer's orders are spread over the table), some 5 ms of PostgreSQL a statement for a
//! writer with 1,500 orders. This index holds what those statements read, so on PostgreSQL they
//! are index-only scans (`INCLUDE`), and on SQLite the same columns as keys. Only orders with a
//! writer are in it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let sql = match manager.get_database_backend() {
            DbBackend::Postgres => {
                "CREATE INDEX ix_orders_writer_work ON orders (tenant_id, writer_id, status, writer_deadline) \
                 INCLUDE (id, deadline, first_submitted_at, completed_at, pages, writer_compensation_minor) \
                 WHERE writer_id IS NOT NULL"
            }
            _ => {
                "CREATE INDEX ix_orders_writer_work ON orders (tenant_id, writer_id, status, writer_deadline, id, \
                 deadline, first_submitted_at, completed_at, pages, writer_compensation_minor) \
                 WHERE writer_id IS NOT NULL"
            }
        };
        manager.get_connection().execute_unprepared(sql).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared("DROP INDEX ix_orders_writer_work").await?;
        Ok(())
    }
}
