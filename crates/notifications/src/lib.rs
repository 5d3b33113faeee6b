//! Notifications: what the platform tells its users, by e-mail, in the app and by web push.
//!
//! A context calls [`notify`] in the transaction of the change that causes a notification: it
//! writes the notification (the user's in-app entry) and, when the user takes e-mail for its
//! kind, a delivery and the job (`crates/jobs`) that sends it, so a rolled-back change tells no
//! one and a committed one is delivered at least once, with the same `Message-ID` on every
//! attempt. E-mail goes over SMTP (`lettre`), or into `.eml` files when no server is set, rendered
//! from the kind's templates (`templates/`, minijinja) or the tenant's own, in the tenant's
//! branding.

pub mod entity;
pub mod graphql;
pub mod kinds;
pub mod service;
pub mod templates;

pub use graphql::{InboxSubscription, NotificationsMutation, NotificationsQuery, ViewerPart};
pub use kinds::NotificationKind;
pub use service::delivery::{Mailer, Outlets};
pub use service::outbox::{Notice, Recipient, notify};
pub use service::push::WebPush;
