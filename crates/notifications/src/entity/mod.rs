//! The notifications context's tables.

pub mod delivery;
pub mod email_template;
pub mod notification;
pub mod preference;
pub mod push_subscription;
