//! Typed settings from the environment (or the matching flags of `scriptorium serve`).

use std::net::SocketAddr;

use clap::Args;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/scriptorium.db?mode=rwc";

#[derive(Args, Clone)]
pub struct Settings {
    /// Database URL: `sqlite://path?mode=rwc` (embedded default) or `postgres://user@host/db`.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,

    /// Address to listen on.
    #[arg(long, env = "SCRIPTORIUM_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// `text` or `json` logs (filter with RUST_LOG).
    #[arg(long, env = "SCRIPTORIUM_LOG_FORMAT", default_value = "text")]
    pub log_format: String,

    /// Add `extensions.sql = { statements, millis }` to every GraphQL response.
    #[arg(long, env = "SCRIPTORIUM_SQL_STATS", default_value_t = false, value_parser = parse_flag)]
    pub sql_stats: bool,

    /// Serve GraphiQL at `GET /graphql`.
    #[arg(long, env = "SCRIPTORIUM_GRAPHIQL", default_value_t = true, value_parser = parse_flag)]
    pub graphiql: bool,

    /// Answer introspection queries (GraphiQL needs them).
    #[arg(long, env = "SCRIPTORIUM_INTROSPECTION", default_value_t = true, value_parser = parse_flag)]
    pub introspection: bool,

    /// Mark the session cookie `Secure` (browsers still send it to http://localhost).
    #[arg(long, env = "SCRIPTORIUM_COOKIE_SECURE", default_value_t = true, value_parser = parse_flag)]
    pub cookie_secure: bool,

    /// Take the client address from `X-Forwarded-For` (only behind a proxy you run).
    #[arg(long, env = "SCRIPTORIUM_TRUST_PROXY", default_value_t = false, value_parser = parse_flag)]
    pub trust_proxy: bool,

    /// Stripe secret key; with the webhook secret it turns on wallet top-ups through Stripe Checkout.
    #[arg(long, env = "SCRIPTORIUM_STRIPE_SECRET_KEY", hide_env_values = true)]
    pub stripe_secret_key: Option<String>,

    /// Stripe webhook signing secret (`whsec_...`) for `POST /webhooks/stripe`.
    #[arg(long, env = "SCRIPTORIUM_STRIPE_WEBHOOK_SECRET", hide_env_values = true)]
    pub stripe_webhook_secret: Option<String>,

    /// Stripe API base URL.
    #[arg(long, env = "SCRIPTORIUM_STRIPE_API_BASE", default_value = "https://api.stripe.com")]
    pub stripe_api_base: String,

    /// The public address clients reach the site at (where Checkout sends them back).
    #[arg(long, env = "SCRIPTORIUM_PUBLIC_URL", default_value = "http://localhost:8080")]
    pub public_url: String,

    /// How long a session lasts, in days.
    #[arg(long, env = "SCRIPTORIUM_SESSION_DAYS", default_value_t = 30)]
    pub session_days: i64,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("database_url", &redact(&self.database_url))
            .field("bind", &self.bind)
            .field("sql_stats", &self.sql_stats)
            .field("graphiql", &self.graphiql)
            .field("introspection", &self.introspection)
            .field("stripe", &self.stripe_secret_key.as_ref().map(|_| "configured"))
            .finish_non_exhaustive()
    }
}

/// Hides the password of a database URL.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

/// `1/0`, `true/false`, `yes/no`, `on/off`.
fn parse_flag(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" | "" => Ok(false),
        other => Err(format!("expected 1 or 0, got '{other}'")),
    }
}

impl Settings {
    /// The payment provider these settings configure, if any.
    pub fn providers(&self) -> billing::service::topups::Providers {
        match (&self.stripe_secret_key, &self.stripe_webhook_secret) {
            (Some(key), Some(secret)) if !key.is_empty() && !secret.is_empty() => {
                let stripe =
                    billing::service::provider::Stripe::new(&self.stripe_api_base, key, secret, &self.public_url);
                billing::service::topups::Providers(Some(std::sync::Arc::new(stripe)))
            }
            _ => billing::service::topups::Providers(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_passwords_never_print() {
        assert_eq!(redact("postgres://app:s3cret@db:5432/x"), "postgres://app:***@db:5432/x");
        assert_eq!(redact("sqlite://data/x.db?mode=rwc"), "sqlite://data/x.db?mode=rwc");
    }

    #[test]
    fn flags() {
        assert_eq!(parse_flag("1"), Ok(true));
        assert_eq!(parse_flag("off"), Ok(false));
        assert!(parse_flag("maybe").is_err());
    }
}
