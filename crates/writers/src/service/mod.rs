//! The workforce's rules, free of GraphQL; functions take `&impl ConnectionTrait`.

pub mod badges;
pub mod calendar;
pub mod capacity;
pub mod dashboard;
pub mod editing;
pub mod feedback;
pub mod fines;
pub mod gate;
pub mod levels;
pub mod pool;
pub mod portfolio;
pub mod profiles;
pub mod promotions;
pub mod requests;
pub mod work;
