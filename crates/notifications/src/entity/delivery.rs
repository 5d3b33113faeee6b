use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// How a notification leaves.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Channel {
    #[sea_orm(string_value = "EMAIL")]
    Email,
    /// Web push to one registered browser.
    #[sea_orm(string_value = "PUSH")]
    Push,
}

/// Where a delivery is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum DeliveryStatus {
    /// Waiting for the worker.
    #[sea_orm(string_value = "QUEUED")]
    Queued,
    /// Handed to the mail server (or written to the mail folder).
    #[sea_orm(string_value = "SENT")]
    Sent,
    /// The last attempt failed; it will be tried again.
    #[sea_orm(string_value = "FAILED")]
    Failed,
    /// Every attempt failed; an admin may retry it.
    #[sea_orm(string_value = "DEAD")]
    Dead,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notification_deliveries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub notification_id: Uuid,
    pub channel: Channel,
    /// The e-mail address it goes to, as it was when the notification was written; for a push,
    /// the id of the browser's push subscription.
    pub address: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub last_error: Option<String>,
    /// The message's `Message-ID`, the same on every attempt (the idempotency key).
    pub message_id: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
