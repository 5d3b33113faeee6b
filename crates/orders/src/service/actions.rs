//! The lifecycle's entry points that take more than a note: paying from the wallet, assigning a
//! writer, and the plain actions (`performOrderAction`).

use kernel::{AppError, AppResult, RequestContext, Role};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::entity::order;
use crate::service::access::find_visible;
use crate::service::catalog;
use crate::service::lifecycle::{self, Effects, OrderAction};

/// Performs a plain action (one that takes no input besides a note).
pub async fn perform(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    action: OrderAction,
    note: Option<String>,
) -> AppResult<order::Model> {
    if matches!(action, OrderAction::AssignWriter | OrderAction::RequestRevision | OrderAction::Pay) {
        let mutation = match action {
            OrderAction::AssignWriter => "assignWriter",
            OrderAction::RequestRevision => "requestRevision",
            _ => "payOrderFromWallet",
        };
        return Err(AppError::bad_input("action", format!("{} takes input: use {mutation}", action.as_str())));
    }
    let order = find_visible(conn, request, id).await?;
    let settings = catalog::settings(conn, order.tenant_id).await?;
    lifecycle::transition(conn, request, &order, action, note, Effects::default(), settings.free_revision_days).await
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

/// Offers the order to a writer of the tenant (admins).
pub async fn assign_writer(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    writer: Uuid,
    note: Option<String>,
) -> AppResult<order::Model> {
    let order = find_visible(conn, request, id).await?;
    if !identity::service::users::has_role_in_tenant(conn, order.tenant_id, writer, Role::Writer).await? {
        return Err(AppError::bad_input("writerId", "not a writer of this site"));
    }
    let settings = catalog::settings(conn, order.tenant_id).await?;
    lifecycle::transition(
        conn,
        request,
        &order,
        OrderAction::AssignWriter,
        note,
        Effects { writer: Some(Some(writer)) },
        settings.free_revision_days,
    )
    .await
}
