//! The ways a writer gets an order besides asking for it (`requests`): an admin's offer
//! (`assignWriter`, accepted at once when the writer auto-accepts and the order matches their
//! preferences), a take from the pool, and the preferred writer taking the order that waits for
//! them. Each passes the gate, then the orders context hands the order over.

use kernel::{AppError, AppResult, Feature, Reason, RequestContext, Role};
use orders::service::actions::{self, HandedOver};
use orders::service::lifecycle::OrderAction;
use orders::service::pool::{self, PoolOrder};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::service::gate;
use crate::service::profiles::{self, WriterRecord};
use crate::service::requests;

/// The refusal of an order that left the pool.
pub(crate) fn gone() -> AppError {
    AppError::conflict("the order is no longer available").with_reason(Reason::InvalidTransition)
}

/// Whether an offer of `order` matches the writer's preferences (none set: anything matches).
fn matches_preferences(writer: &WriterRecord, order: &PoolOrder) -> bool {
    (writer.preferred_subject_ids.is_empty() || writer.preferred_subject_ids.contains(&order.subject_id))
        && (writer.preferred_work_type_ids.is_empty() || writer.preferred_work_type_ids.contains(&order.work_type_id))
}

/// The viewer (a writer) takes the order: the one waiting for them as its preferred writer, or
/// one from the pool where the site allows direct takes and their level may.
pub async fn take(conn: &impl ConnectionTrait, request: &RequestContext, order_id: Uuid) -> AppResult<HandedOver> {
    let viewer = request.require_role(&[Role::Writer])?;
    let tenant = request.tenant()?.id;
    let writer = profiles::find(conn, tenant, viewer.user_id).await?;
    let order = pool::find(conn, tenant, order_id).await?;
    if order.waiting_for == Some(writer.id) {
        // the client asked for this writer: no direct-take rule applies, the gate does
    } else if order.waiting_for.is_some() {
        // waiting for another writer: not in the pool, and not this writer's to see
        return Err(AppError::not_found("order"));
    } else if !order.available {
        return Err(gone());
    } else {
        request.require_feature(Feature::DirectTake)?;
        if !gate::rules_of(conn, &writer).await?.may_take_directly {
            return Err(AppError::conflict("your level does not take orders directly: request it")
                .with_reason(Reason::LevelLimit));
        }
    }
    let pay = gate::admit(conn, request, &writer, &order).await?;
    let handed = actions::hand_over(conn, request, order.id, OrderAction::Take, writer.id, pay, None).await?;
    requests::expire_for(conn, request, order.id).await?;
    Ok(handed)
}

/// An admin offers an order of the pool to a writer (`assignWriter`), who answers within the
/// site's acceptance window; a writer who auto-accepts gets an order matching their preferences
/// at once.
pub async fn offer(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    order_id: Uuid,
    writer_id: Uuid,
    note: Option<String>,
) -> AppResult<HandedOver> {
    request.require_role(crate::service::levels::ADMINS)?;
    let tenant = request.tenant()?.id;
    let order = pool::find(conn, tenant, order_id).await?;
    let writer = match profiles::find(conn, tenant, writer_id).await {
        Err(e) if e.code == kernel::ErrorCode::NotFound => {
            return Err(AppError::bad_input("writerId", "not a writer of this site"));
        }
        found => found?,
    };
    if !order.available {
        return Err(gone());
    }
    let pay = gate::admit(conn, request, &writer, &order).await?;
    let action = if writer.auto_accept && matches_preferences(&writer, &order) {
        OrderAction::Give
    } else {
        OrderAction::AssignWriter
    };
    let handed = actions::hand_over(conn, request, order.id, action, writer.id, pay, note).await?;
    // an offer may be declined or lapse back to the pool: the requests wait for that
    if action == OrderAction::Give {
        requests::expire_for(conn, request, order.id).await?;
    }
    Ok(handed)
}
