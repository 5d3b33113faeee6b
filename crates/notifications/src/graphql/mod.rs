//! Thin resolvers over the notifications services: the viewer's notifications, preferences and
//! browsers (web push),
//! and the admins' templates and deliveries.

mod admin;
mod inbox;
mod push;

use async_graphql::MergedObject;

pub use inbox::{InboxSubscription, ViewerPart};
pub use push::PushSubscription;

#[derive(MergedObject, Default)]
pub struct NotificationsQuery(admin::AdminQuery, push::PushQuery);

#[derive(MergedObject, Default)]
pub struct NotificationsMutation(inbox::InboxMutation, admin::AdminMutation, push::PushMutation);
