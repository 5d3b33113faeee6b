//! The lifecycle's entry points that take more than a note: paying from the wallet, assigning a
//! writer, and the plain actions (`performOrderAction`).

use kernel::{AppError, AppResult, RequestContext, WriteTransaction};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::entity::order;
use crate::service::access::find_visible;
use crate::service::catalog;
use crate::service::lifecycle::{self, Effects, OrderAction};

/// Performs a plain action (one that takes no input besides a note). A submission asks the
/// editing desk whether the work goes to an editor first (`UNDER_EDITING`, its task opened in
/// this transaction); a cancellation settles the order's money (`cancellation::settle`) and
/// closes its editing task and its open page increase, if it has them. An open page increase
/// keeps the work from being submitted.
pub async fn perform(
    conn: &WriteTransaction,
    request: &RequestContext,
    id: Uuid,
    action: OrderAction,
    note: Option<String>,
) -> AppResult<order::Model> {
    let mutation = match action {
        OrderAction::AssignWriter => Some("assignWriter"),
        OrderAction::RequestRevision => Some("requestRevision"),
        OrderAction::Pay => Some("payOrderFromWallet"),
        // the ways to get work pass the workforce's gate
        OrderAction::Take => Some("takeOrder"),
        OrderAction::Give => Some("approveOrderRequest or assignWriter"),
        // editing ends through its task
        OrderAction::CompleteEditing => Some("completeEditingTask"),
        OrderAction::ReturnToWriter => Some("rejectEditingTask"),
        _ => None,
    };
    if let Some(mutation) = mutation {
        return Err(AppError::bad_input("action", format!("{} has its own mutation: use {mutation}", action.as_str())));
    }
    let order = find_visible(conn, request, id).await?;
    let settings = catalog::settings(conn, order.tenant_id).await?;
    let desk = super::editing::desk();
    let mut effects = Effects::default();
    if action == OrderAction::Submit {
        // the order's row first, so an increase asked at the same moment is either committed
        // before the check below or refused
        super::editing::lock(conn, &order).await?;
        super::page_increases::blocks_delivery(conn, &order).await?;
    }
    if let (OrderAction::Submit, Some(desk)) = (action, desk) {
        // asked only of the order's writer's submission (anyone else's is refused below)
        let writer = request.viewer.as_ref().is_some_and(|v| order.writer_id == Some(v.user_id));
        if writer && matches!(order.status, order::OrderStatus::InProgress | order::OrderStatus::InRevision) {
            // the row first: an admin's choice for this order made at the same moment is
            // either committed before the question below or refused
            super::editing::lock(conn, &order).await?;
            effects.to_editing = desk.needs_editing(conn, request, &(&order).into()).await?;
        }
    }
    let after =
        lifecycle::transition(conn, request, &order, action, note, effects, settings.free_revision_days).await?;
    if action == OrderAction::Submit {
        // a first submission after the writer's deadline may be fined (the workforce's rule)
        let at = after.first_submitted_at.unwrap_or_else(|| request.now());
        super::late_work::submitted(conn, request, &order, &after, at).await?;
    }
    match action {
        OrderAction::Submit if after.status == order::OrderStatus::UnderEditing => {
            if let Some(desk) = desk {
                desk.open(conn, request, &(&after).into()).await?
            }
        }
        OrderAction::Cancel => {
            let at = request.now();
            super::cancellation::settle(conn, request, &order, &after, at).await?;
            super::editing::cancelled(conn, request, &after).await?;
            super::page_increases::cancelled(conn, request, &after).await?;
            // as the settlement left it
            return super::pool::model(conn, after.tenant_id, after.id).await;
        }
        _ => {}
    }
    Ok(after)
}

/// Ends the editing of `id` (only the workforce's editing tasks call this, once they have checked
/// the editor holds the task): `COMPLETE_EDITING` sends the work to the client,
/// `RETURN_TO_WRITER` back to the writer with a new deadline for them (`writer_deadline`).
pub async fn end_editing(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    action: OrderAction,
    note: Option<String>,
    writer_deadline: Option<chrono::DateTime<chrono::Utc>>,
) -> AppResult<order::Model> {
    if !matches!(action, OrderAction::CompleteEditing | OrderAction::ReturnToWriter) {
        return Err(AppError::internal(format!("{} does not end editing", action.as_str())));
    }
    let order = super::pool::model(conn, request.tenant()?.id, id).await?;
    let settings = catalog::settings(conn, order.tenant_id).await?;
    let effects = Effects { writer_deadline, ..Effects::default() };
    let after =
        lifecycle::transition(conn, request, &order, action, note, effects, settings.free_revision_days).await?;
    if action == OrderAction::CompleteEditing {
        super::files::release(conn, after.tenant_id, after.id).await?;
    }
    Ok(after)
}

/// The client pays the order from their wallet (the `wallet` feature): UNPAID → AVAILABLE,
/// payment status PAID. Not enough money is `BAD_USER_INPUT` (`INSUFFICIENT_FUNDS`) and changes
/// nothing.
pub async fn pay_from_wallet(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
) -> AppResult<order::Model> {
    request.require_feature(kernel::Feature::Wallet)?;
    let order = find_visible(conn, request, id).await?;
    let settings = catalog::settings(conn, order.tenant_id).await?;
    lifecycle::transition(
        conn,
        request,
        &order,
        OrderAction::Pay,
        None,
        Effects::default(),
        settings.free_revision_days,
    )
    .await
}

/// Hands the order to `writer` by `action`: `ASSIGN_WRITER` (an offer they answer), `GIVE` (theirs
/// at once) or `TAKE` (the writer takes it), with the pay fixed as they get it. Only the
/// workforce's gate calls this (`writers::service::work`), once it has admitted the writer under
/// its lock; the move itself is the lifecycle's conditional update, so of two racing hand-overs
/// of one order one wins and the other is `CONFLICT`.
pub async fn hand_over(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    order: Uuid,
    action: OrderAction,
    writer: Uuid,
    compensation_minor: i64,
    note: Option<String>,
) -> AppResult<HandedOver> {
    if !matches!(action, OrderAction::AssignWriter | OrderAction::Give | OrderAction::Take) {
        return Err(AppError::internal(format!("{} does not hand an order over", action.as_str())));
    }
    let order = super::pool::model(conn, request.tenant()?.id, order).await?;
    let settings = catalog::settings(conn, order.tenant_id).await?;
    let effects =
        Effects { writer: Some(Some(writer)), compensation_minor: Some(compensation_minor), ..Effects::default() };
    let after =
        lifecycle::transition(conn, request, &order, action, note, effects, settings.free_revision_days).await?;
    Ok(HandedOver(after))
}

/// An order as a hand-over left it (the workforce answers it as an `Order`).
pub struct HandedOver(pub(crate) order::Model);

impl HandedOver {
    pub fn id(&self) -> Uuid {
        self.0.id
    }
    pub fn writer_id(&self) -> Option<Uuid> {
        self.0.writer_id
    }
}
