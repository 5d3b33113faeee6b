//! What the gateway configures of identity: session lifetime, cookies, e-mailed links' address,
//! and how sign-ins are placed.

use crate::service::devices::{DEVICE_COOKIE, DEVICE_COOKIE_DAYS};
use crate::service::location::Locator;

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
    /// Places sign-ins (`SCRIPTORIUM_GEOIP_DB`; the address's network without one).
    pub locator: Locator,
}

impl Default for IdentitySettings {
    fn default() -> Self {
        Self {
            session_ttl: chrono::Duration::days(30),
            cookie_secure: true,
            public_url: "http://localhost:8080".into(),
            locator: Locator::default(),
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

    /// The cookie naming the browser as a device (see `service::devices`).
    pub fn device_cookie(&self, value: &str) -> String {
        let secure = if self.cookie_secure { "; Secure" } else { "" };
        format!(
            "{DEVICE_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
            chrono::Duration::days(DEVICE_COOKIE_DAYS).num_seconds()
        )
    }

    pub fn expired_cookie(&self) -> String {
        let secure = if self.cookie_secure { "; Secure" } else { "" };
        format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}")
    }
}
