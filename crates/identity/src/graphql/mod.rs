//! Thin resolvers over the identity services.

mod mutation;
mod query;
mod types;

pub use mutation::IdentityMutation;
pub use query::IdentityQuery;
pub use types::{AuthPayload, Person, SessionView, SignUpResult, User, ViewerPart};

/// The browser cookie holding the session token (HttpOnly, SameSite=Lax).
pub const SESSION_COOKIE: &str = "scriptorium_session";

/// Identity settings the gateway provides as schema data.
#[derive(Debug, Clone)]
pub struct IdentitySettings {
    pub session_ttl: chrono::Duration,
    /// Mark the cookie `Secure` (browsers then send it only over HTTPS, and to `localhost`).
    pub cookie_secure: bool,
    /// `SCRIPTORIUM_PUBLIC_URL`: the scheme and port of e-mailed links to development sites
    /// (`localhost` domains); a real site's links are `https://` on its own domain.
    pub public_url: String,
}

impl Default for IdentitySettings {
    fn default() -> Self {
        Self {
            session_ttl: chrono::Duration::days(30),
            cookie_secure: true,
            public_url: "http://localhost:8080".into(),
        }
    }
}

impl IdentitySettings {
    pub fn cookie(&self, token: &str) -> String {
        let secure = if self.cookie_secure { "; Secure" } else { "" };
        format!(
            "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
            self.session_ttl.num_seconds()
        )
    }

    pub fn expired_cookie(&self) -> String {
        let secure = if self.cookie_secure { "; Secure" } else { "" };
        format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}")
    }
}
