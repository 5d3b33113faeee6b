//! Identity: users and roles, password credentials, sessions, and sign-in throttling.

pub mod entity;
pub mod graphql;
pub mod loaders;
pub mod service;
pub mod settings;

pub use graphql::{IdentityMutation, IdentityQuery, IdentitySettings, Person, SESSION_COOKIE, ViewerPart};
