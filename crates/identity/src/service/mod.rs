//! Identity rules, free of GraphQL; functions take `&impl ConnectionTrait`.

pub mod alerts;
pub mod devices;
pub mod links;
pub mod location;
pub mod password;
pub mod sessions;
pub mod throttle;
pub mod token;
pub mod two_factor;
pub mod users;
