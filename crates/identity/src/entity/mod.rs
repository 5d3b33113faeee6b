pub mod login_link;
pub mod session;
pub mod throttle_event;
pub mod two_factor;
pub mod user;
