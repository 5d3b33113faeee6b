//! The workforce's rules, free of GraphQL; functions take `&impl ConnectionTrait`.

pub mod capacity;
pub mod levels;
pub mod profiles;
