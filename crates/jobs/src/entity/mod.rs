//! The jobs context's tables.

pub mod job;
