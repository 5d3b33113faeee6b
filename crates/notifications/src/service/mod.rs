//! The notifications context's rules: writing notifications (the outbox), sending them (e-mail,
//! web push), the in-app list, preferences, and the tenants' templates.

pub mod delivery;
pub mod inbox;
pub mod outbox;
pub mod preferences;
pub mod push;
pub mod templates;
