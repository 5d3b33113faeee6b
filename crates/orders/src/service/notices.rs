//! What the order's people are told as it moves, through the notifications outbox, in the
//! transaction of the move: each notice's cause is the timeline event it follows, so a person
//! hears of each event once.

use kernel::{AppResult, Money, RequestContext};
use notifications::{Notice, NotificationKind, notify};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::entity::order::{self, OrderStatus};
use crate::entity::order_line::{self, Entity as OrderLines};
use crate::service::lifecycle::OrderAction;

fn when(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// The order as `kind`'s templates see it (`order.*`): the client's money only for kinds that
/// never reach a writer, the price lines only on the receipt.
async fn order_data(conn: &impl ConnectionTrait, order: &order::Model, kind: NotificationKind) -> AppResult<Value> {
    let lines: Vec<Value> = if kind == NotificationKind::OrderPlaced {
        OrderLines::find()
            .filter(order_line::Column::OrderId.eq(order.id))
            .order_by_asc(order_line::Column::Position)
            .all(conn)
            .await?
            .into_iter()
            .map(|l| json!({ "label": l.label, "amount": Money(l.amount_minor).to_string() }))
            .collect()
    } else {
        Vec::new()
    };
    let mut data = json!({
        "id": order.id,
        "topic": order.topic,
        "status": order.status,
        "pages": order.pages,
        "deadline": when(order.deadline),
        "writer_deadline": when(order.writer_deadline),
        "currency": order.currency,
    });
    if !kind.reaches_writers() {
        data["total"] = json!(Money(order.total_minor).to_string());
        data["lines"] = json!(lines);
    }
    Ok(data)
}

/// Tells `who` of `kind` for `order`, caused by the timeline event `event`.
async fn tell(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    order: &order::Model,
    event: Uuid,
    kind: NotificationKind,
    who: Uuid,
    data: Value,
) -> AppResult<()> {
    tell_of(conn, request.now(), order, &format!("order_event:{event}"), kind, who, data).await
}

/// Tells `who` of `kind` about the tenant's order `id`, once for `cause` (for the contexts above
/// orders: the workforce tells writers of their requests).
pub async fn tell_about(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    cause: &str,
    kind: NotificationKind,
    who: Uuid,
    data: Value,
) -> AppResult<()> {
    let order = super::pool::model(conn, request.tenant()?.id, id).await?;
    tell_of(conn, request.now(), &order, cause, kind, who, data).await
}

/// Tells `who` of `kind` about the tenant's order `id`, once for `cause`, with no request (a
/// job of the contexts above orders).
#[allow(clippy::too_many_arguments)]
pub async fn tell_of_id(
    conn: &impl ConnectionTrait,
    now: chrono::DateTime<chrono::Utc>,
    tenant: Uuid,
    id: Uuid,
    cause: &str,
    kind: NotificationKind,
    who: Uuid,
    data: Value,
) -> AppResult<()> {
    let order = super::pool::model(conn, tenant, id).await?;
    tell_of(conn, now, &order, cause, kind, who, data).await
}

/// Tells `who` of `kind` for `order`, once for `cause`.
pub async fn tell_of(
    conn: &impl ConnectionTrait,
    now: chrono::DateTime<chrono::Utc>,
    order: &order::Model,
    cause: &str,
    kind: NotificationKind,
    who: Uuid,
    mut data: Value,
) -> AppResult<()> {
    let recipient = identity::service::users::recipient(conn, who).await?;
    if let Value::Object(map) = &mut data {
        map.insert("order".into(), order_data(conn, order, kind).await?);
    }
    let notice = Notice { tenant_id: order.tenant_id, kind, cause: cause.to_owned(), data, recipient };
    notify(conn, notice, now).await?;
    Ok(())
}

/// The client's receipt for a placed order, with its price lines.
pub async fn placed(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    order: &order::Model,
    event: Uuid,
) -> AppResult<()> {
    tell(conn, request, order, event, NotificationKind::OrderPlaced, order.client_id, json!({})).await
}

/// After `action` moved the order (`after` is the order as it is now).
pub async fn moved(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    after: &order::Model,
    action: OrderAction,
    event: Uuid,
    note: Option<&str>,
) -> AppResult<()> {
    use NotificationKind::*;
    let (client, writer) = (after.client_id, after.writer_id);
    let told: Vec<(NotificationKind, Uuid)> = match action {
        OrderAction::Pay | OrderAction::MarkPaid => std::iter::once((OrderPaid, client))
            .chain(
                after
                    .preferred_writer_id
                    .filter(|_| after.status == OrderStatus::PendingPreferred)
                    .map(|w| (OrderOffered, w)),
            )
            .collect(),
        OrderAction::AssignWriter => writer.map(|w| (OrderOffered, w)).into_iter().collect(),
        OrderAction::AcceptAssignment | OrderAction::Take => vec![(OrderAccepted, client)],
        // the writer asked for it (a request approved: told as such) or auto-accepts it
        OrderAction::Give => vec![(OrderAccepted, client)],
        // work that goes to an editor reaches the client when the editor passes it
        OrderAction::Submit if after.status == OrderStatus::UnderEditing => Vec::new(),
        OrderAction::Submit | OrderAction::CompleteEditing => vec![(OrderSubmitted, client)],
        OrderAction::ReturnToWriter => writer.map(|w| (RevisionRequested, w)).into_iter().collect(),
        OrderAction::RequestRevision => writer.map(|w| (RevisionRequested, w)).into_iter().collect(),
        OrderAction::Approve => {
            std::iter::once((OrderCompleted, client)).chain(writer.map(|w| (OrderCompleted, w))).collect()
        }
        _ => Vec::new(),
    };
    for (kind, who) in told {
        let data = if kind == RevisionRequested { json!({ "note": note }) } else { json!({}) };
        tell(conn, request, after, event, kind, who, data).await?;
    }
    Ok(())
}

/// The client: `amount` was refunded, to the wallet or outside; and every admin of the site when
/// it reaches the site's large-refund threshold.
pub async fn refunded(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    after: &order::Model,
    event: Uuid,
    amount: Money,
    to_wallet: bool,
    reason: &str,
) -> AppResult<()> {
    let destination = if to_wallet { "to your wallet" } else { "to your original payment method" };
    let data = json!({ "amount": amount.to_string(), "destination": destination });
    tell(conn, request, after, event, NotificationKind::OrderRefunded, after.client_id, data).await?;
    let threshold = super::catalog::settings(conn, after.tenant_id).await?.large_refund_minor;
    if threshold > 0 && amount.0 >= threshold {
        let by = request.viewer.as_ref().map_or("The system", |v| v.display_name.as_str());
        let data = json!({ "amount": amount.to_string(), "by": by, "reason": reason });
        for admin in identity::service::users::admins(conn, after.tenant_id).await? {
            tell(conn, request, after, event, NotificationKind::LargeRefund, admin.user_id, data.clone()).await?;
        }
    }
    Ok(())
}
