pub mod session;
pub mod sign_in_failure;
pub mod user;
