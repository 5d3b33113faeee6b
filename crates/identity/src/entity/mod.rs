pub mod alert_preference;
pub mod device;
pub mod login_link;
pub mod login_place;
pub mod session;
pub mod throttle_event;
pub mod two_factor;
pub mod user;
