//! The workforce's rules, free of GraphQL; functions take `&impl ConnectionTrait`.

pub mod badges;
pub mod calendar;
pub mod capacity;
pub mod levels;
pub mod profiles;
