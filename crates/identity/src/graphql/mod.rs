//! Thin resolvers over the identity services.

mod mutation;
mod query;
mod types;

pub use mutation::IdentityMutation;
pub use query::IdentityQuery;
pub use types::{AuthPayload, Device, LoginAlertPreferences, Person, SessionView, SignUpResult, User, ViewerPart};

pub use crate::settings::{IdentitySettings, SESSION_COOKIE};
