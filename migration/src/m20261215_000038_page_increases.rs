//! Page and slide increases. `order_prices` keeps what priced each order when it was placed (the
//! pricing engine's input and the writer's pay rates), so that more pages later are priced at
//! the order's own rates, not today's. `page_increases` are the clients' requests: at most one
//! open an order (a partial unique index), each applied once. `orders.rate_pay_minor` is the
//! writer's pay at the order's own rates, kept apart from the pay of the writer who has it (their
//! level may pay a percent, a dispute may take it back) so that whoever gets the order next on a
//! per-page level is paid its rates; orders placed before take their current pay as it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::m20261206_000021_row_level_security::protect;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
    RatePayMinor,
}

#[derive(DeriveIden)]
enum OrderPrices {
    Table,
    OrderId,
    TenantId,
    Frozen,
}

#[derive(DeriveIden)]
enum PageIncreases {
    Table,
    Id,
    TenantId,
    OrderId,
    RequestedBy,
    Pages,
    Slides,
    NewPages,
    NewSlides,
    AmountMinor,
    PreferredFeeMinor,
    WriterPayMinor,
    Status,
    WriterId,
    CreatedAt,
    DecidedBy,
    DecidedAt,
    Note,
    AppliedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(Orders::Table).add_column(big_integer(Orders::RatePayMinor).default(0)).to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared("UPDATE orders SET rate_pay_minor = writer_compensation_minor")
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OrderPrices::Table)
                    .col(uuid(OrderPrices::OrderId).primary_key())
                    .col(uuid(OrderPrices::TenantId))
                    .col(json(OrderPrices::Frozen))
                    .foreign_key(
                        ForeignKey::create()
                            .from(OrderPrices::Table, OrderPrices::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(OrderPrices::Table, OrderPrices::OrderId)
                            .to(Orders::Table, Orders::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PageIncreases::Table)
                    .col(uuid(PageIncreases::Id).primary_key())
                    .col(uuid(PageIncreases::TenantId))
                    .col(uuid(PageIncreases::OrderId))
                    .col(uuid(PageIncreases::RequestedBy))
                    .col(integer(PageIncreases::Pages))
                    .col(integer(PageIncreases::Slides))
                    .col(integer(PageIncreases::NewPages))
                    .col(integer(PageIncreases::NewSlides))
                    .col(big_integer(PageIncreases::AmountMinor))
                    .col(big_integer(PageIncreases::PreferredFeeMinor))
                    .col(big_integer(PageIncreases::WriterPayMinor))
                    .col(string_len(PageIncreases::Status, 24))
                    .col(uuid_null(PageIncreases::WriterId))
                    .col(timestamp_with_time_zone(PageIncreases::CreatedAt))
                    .col(uuid_null(PageIncreases::DecidedBy))
                    .col(timestamp_with_time_zone_null(PageIncreases::DecidedAt))
                    .col(string_len_null(PageIncreases::Note, 1000))
                    .col(timestamp_with_time_zone_null(PageIncreases::AppliedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PageIncreases::Table, PageIncreases::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        for statement in [
            "CREATE INDEX ix_page_increases_order ON page_increases (tenant_id, order_id, id)",
            "CREATE UNIQUE INDEX ux_page_increases_open ON page_increases (order_id) \
             WHERE status IN ('WAITING_WRITER', 'AWAITING_PAYMENT')",
        ] {
            db.execute_unprepared(statement).await?;
        }
        if db.get_database_backend() == sea_orm_migration::sea_orm::DbBackend::Postgres {
            protect(db, "order_prices").await?;
            protect(db, "page_increases").await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(PageIncreases::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(OrderPrices::Table).to_owned()).await?;
        manager.alter_table(Table::alter().table(Orders::Table).drop_column(Orders::RatePayMinor).to_owned()).await
    }
}
