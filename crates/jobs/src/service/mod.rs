//! The jobs context's rules: the queue itself, and what admins may see and do with it.

pub mod admin;
pub mod queue;
