//! The business rules of tenancy, free of GraphQL. Functions take `&impl ConnectionTrait` so a
//! caller can run them inside its own transaction.

pub mod audit;
pub mod directory;
pub mod stats;
pub mod system;
pub mod tenants;
