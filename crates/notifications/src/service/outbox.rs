//! `notify`: the one way a context tells a user something. It writes, through the caller's
//! connection (the transaction of the change that causes it), the notification (the in-app
//! entry) and, for each other channel the user takes for its kind, a delivery (an e-mail; a
//! push to each of the user's browsers) and the job that sends it. A rolled-back change therefore notifies no one; a committed one is delivered at
//! least once, and the same cause notifies a user of a kind at most once (a unique key).

use chrono::{DateTime, Utc};
use kernel::live::{LiveEvent, Topic};
use kernel::{AppError, AppResult, new_id};
use sea_orm::ActiveValue::Set;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::OnConflict;
use serde_json::{Value, json};

use crate::entity::delivery::{self, Channel, DeliveryStatus, Entity as Deliveries};
use crate::entity::notification::{self, Entity as Notifications};
use crate::kinds::NotificationKind;
use crate::service::{preferences, push, templates};
use crate::templates::{Look, render};

/// The job kind that sends one delivery.
pub const DELIVER: &str = "notifications.deliver";

/// Who is told: the user, with the address and name as they are now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub user_id: Uuid,
    pub email: String,
    pub name: String,
}

/// Something to tell one user.
#[derive(Debug, Clone)]
pub struct Notice {
    pub tenant_id: Uuid,
    pub kind: NotificationKind,
    /// What caused it, unique per recipient and kind (`order:<id>:placed`).
    pub cause: String,
    /// The kind's template variables (see `NotificationKind::sample`).
    pub data: Value,
    pub recipient: Recipient,
}

/// Writes `notice` in the caller's transaction. Answers the notification's id, or none when the
/// user turned the kind off everywhere or was already told of this cause.
pub async fn notify(conn: &impl ConnectionTrait, notice: Notice, now: DateTime<Utc>) -> AppResult<Option<Uuid>> {
    let channels = preferences::channels(conn, notice.tenant_id, notice.recipient.user_id, notice.kind).await?;
    if !channels.email && !channels.in_app && !channels.push {
        return Ok(None);
    }
    let tenant = tenancy::service::tenants::find(conn, notice.tenant_id).await?;
    let parts = templates::parts_for(conn, notice.tenant_id, notice.kind).await?;
    let look = Look { site_name: &tenant.name, branding: &tenant.branding };
    // the tenant's own templates were checked against the sample when saved; should this data
    // not fit them, the default templates still say it
    // what goes in-app and by push: the data without what only the e-mail may carry
    let shown = without(&notice.data, notice.kind.email_only_data());
    let rendered = render(&parts, &shown, &look, &notice.recipient.name)
        .or_else(|e| {
            tracing::warn!(kind = notice.kind.code(), error = %e, "a tenant's template does not render; using the default");
            render(&templates::defaults(notice.kind), &shown, &look, &notice.recipient.name)
        })
        .map_err(|e| AppError::internal(format!("the default {} template does not render: {e}", notice.kind.code())))?;

    let id = new_id();
    let inserted = Notifications::insert(notification::ActiveModel {
        id: Set(id),
        tenant_id: Set(notice.tenant_id),
        user_id: Set(notice.recipient.user_id),
        recipient_name: Set(notice.recipient.name.chars().take(200).collect()),
        kind: Set(notice.kind),
        cause: Set(notice.cause.clone()),
        data: Set(notice.data.clone()),
        title: Set(rendered.title.chars().take(300).collect()),
        // a secret's text (its link) is not kept beyond the e-mail, which renders from `data`
        body: Set(if notice.kind.carries_secret() { String::new() } else { rendered.text_content }),
        in_app: Set(channels.in_app),
        read_at: Set(None),
        created_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([notification::Column::UserId, notification::Column::Kind, notification::Column::Cause])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    if inserted == 0 {
        return Ok(None);
    }
    metrics::counter!("scriptorium_notifications_total", "kind" => notice.kind.code()).increment(1);
    if channels.in_app {
        // the user's open pages hear of it when this commits
        let event = LiveEvent { tenant: notice.tenant_id, topic: Topic::User(notice.recipient.user_id), item: id };
        kernel::live::publish(conn, event).await?;
    }
    if channels.email {
        let delivery_id = new_id();
        let domain = tenant.domains.first().map_or("scriptorium.invalid", String::as_str);
        let message_id = format!("<{delivery_id}@{domain}>");
        queue(conn, &notice, delivery_id, id, Channel::Email, notice.recipient.email.clone(), Some(message_id), now)
            .await?;
    }
    if channels.push {
        for browser in push::subscriptions_of(conn, notice.tenant_id, notice.recipient.user_id).await? {
            queue(conn, &notice, new_id(), id, Channel::Push, browser.to_string(), None, now).await?;
        }
    }
    Ok(Some(id))
}

/// `data` without the keys `left_out`.
pub fn without(data: &Value, left_out: &[&str]) -> Value {
    match data {
        Value::Object(map) if !left_out.is_empty() => Value::Object(
            map.iter().filter(|(k, _)| !left_out.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect(),
        ),
        _ => data.clone(),
    }
}

/// A delivery of notification `id` on `channel` to `address`, and the job that sends it.
#[allow(clippy::too_many_arguments)]
async fn queue(
    conn: &impl ConnectionTrait,
    notice: &Notice,
    delivery_id: Uuid,
    id: Uuid,
    channel: Channel,
    address: String,
    message_id: Option<String>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    Deliveries::insert(delivery::ActiveModel {
        id: Set(delivery_id),
        tenant_id: Set(notice.tenant_id),
        notification_id: Set(id),
        channel: Set(channel),
        address: Set(address),
        status: Set(DeliveryStatus::Queued),
        attempts: Set(0),
        last_error: Set(None),
        message_id: Set(message_id),
        created_at: Set(now),
        updated_at: Set(now),
        sent_at: Set(None),
    })
    .exec_without_returning(conn)
    .await?;
    enqueue_delivery(conn, notice.tenant_id, delivery_id, "first", now).await
}

/// The job that sends `delivery` (`attempt` names it, so that each send is enqueued once).
pub(crate) async fn enqueue_delivery(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    delivery: Uuid,
    attempt: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let job = jobs::NewJob::new(DELIVER, json!({ "delivery": delivery }), now)
        .for_tenant(tenant)
        .once_per(format!("delivery:{delivery}:{attempt}"));
    jobs::enqueue(conn, job, now).await?;
    Ok(())
}
