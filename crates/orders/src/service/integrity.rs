//! The orders context's money invariants, which billing's `ledgerIntegrity` reports (registered
//! by the gateway). Per order:
//! - what reached revenue and stayed there (payments less refunds) equals what the order shows
//!   as paid less refunded;
//! - the writer's net earnings equal the order's compensation when it was completed (approved
//!   at least once) and not fully refunded, and zero otherwise: credited once however often it
//!   is approved, and taken back once by a full refund.
//! - the writer's share of a cancellation is what the order says its cancellation gave them;
//! - the client's tip and the writer's part of it are what the order says they were.

use billing::service::integrity::MoneyInvariant;
use billing::service::order_money::totals_by_order;
use chrono::{DateTime, Utc};
use kernel::AppResult;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::entity::order::{self, Entity as Orders, PaymentStatus};

pub struct OrderMoneyInvariant;

type Row = (Uuid, i64, i64, i64, Option<DateTime<Utc>>, Option<Uuid>, PaymentStatus, i64, i64, i64);

#[async_trait::async_trait]
impl MoneyInvariant for OrderMoneyInvariant {
    async fn violations(&self, db: &kernel::RequestDb, tenant: Option<Uuid>) -> AppResult<Vec<String>> {
        let totals = totals_by_order(db, tenant).await?;
        let mut query = Orders::find().select_only().columns([
            order::Column::Id,
            order::Column::PaidMinor,
            order::Column::RefundedMinor,
            order::Column::WriterCompensationMinor,
            order::Column::CompletedAt,
            order::Column::WriterId,
            order::Column::PaymentStatus,
            order::Column::WriterForfeitMinor,
            order::Column::TipMinor,
            order::Column::TipWriterMinor,
        ]);
        if let Some(tenant) = tenant {
            query = query.filter(order::Column::TenantId.eq(tenant));
        }
        let rows: Vec<Row> = query.into_tuple().all(db).await?;
        let mut violations = Vec::new();
        for (id, paid, refunded, compensation, completed_at, writer, payment, forfeit_share, tip, tip_writer) in rows {
            let ledger = totals.get(&id).copied().unwrap_or_default();
            let shown = paid.saturating_sub(refunded);
            if ledger.paid_net != shown {
                violations.push(format!(
                    "order {id} shows {shown} paid (less refunds) but the ledger holds {}",
                    ledger.paid_net
                ));
            }
            let earned = completed_at.is_some() && writer.is_some() && payment != PaymentStatus::Refunded;
            let expected = if earned { compensation } else { 0 };
            if ledger.earnings_net != expected {
                violations.push(format!(
                    "order {id}: its writer should have earned {expected} but the ledger credits {}",
                    ledger.earnings_net
                ));
            }
            if forfeit_share > shown {
                violations.push(format!(
                    "order {id}: its writer's cancellation share {forfeit_share} is more than the site kept ({shown})"
                ));
            }
            if ledger.forfeit_share != forfeit_share {
                violations.push(format!(
                    "order {id}: its cancellation gave its writer {forfeit_share} but the ledger credits {}",
                    ledger.forfeit_share
                ));
            }
            if (ledger.tip, ledger.tip_writer) != (tip, tip_writer) {
                violations.push(format!(
                    "order {id}: its tip was {tip} ({tip_writer} to the writer) but the ledger holds {} ({} to the writer)",
                    ledger.tip, ledger.tip_writer
                ));
            }
        }
        Ok(violations)
    }
}
