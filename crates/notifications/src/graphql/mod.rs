//! Thin resolvers over the notifications services: the viewer's notifications and preferences,
//! and the admins' templates and deliveries.

mod admin;
mod inbox;

use async_graphql::MergedObject;

pub use inbox::ViewerPart;

#[derive(MergedObject, Default)]
pub struct NotificationsQuery(admin::AdminQuery);

#[derive(MergedObject, Default)]
pub struct NotificationsMutation(inbox::InboxMutation, admin::AdminMutation);
