//! Typed settings from the environment or the matching command-line flags. Each command takes
//! only the groups it uses: every command the database and logging, `serve` the rest.

use std::net::SocketAddr;

use clap::ArgAction;
use clap::builder::BoolishValueParser;
use clap::{Args, ValueEnum};
use secrecy::{ExposeSecret, SecretString};

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/scriptorium.db?mode=rwc";

fn secret(value: &str) -> Result<SecretString, String> {
    Ok(SecretString::from(value.to_owned()))
}

/// Where the data is.
#[derive(Args, Clone)]
pub struct DatabaseArgs {
    /// Database URL: `sqlite://path?mode=rwc` (embedded default) or `postgres://user@host/db`.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, hide_env_values = true)]
    pub database_url: String,
    /// On PostgreSQL, the role that owns the tables, to run the migrations as (the server then
    /// connects as `DATABASE_URL`'s role, which must not own them). Unset: `DATABASE_URL` runs
    /// them, and its connections act as the role `scriptorium_app` (see the README).
    #[arg(long, env = "DATABASE_OWNER_URL", hide_env_values = true)]
    pub database_owner_url: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Lines for people (colours only on a terminal).
    Text,
    /// JSON lines only (the start-up lines too), for log collectors.
    Json,
}

/// How the process logs.
#[derive(Args, Clone)]
pub struct LogArgs {
    /// `text` or `json`; filter with RUST_LOG (default `info`).
    #[arg(long, env = "SCRIPTORIUM_LOG_FORMAT", default_value = "text")]
    pub log_format: LogFormat,
}

/// Where notifications go, by e-mail and web push (`serve` and `worker`).
#[derive(Args, Debug, Clone)]
pub struct DeliveryArgs {
    /// SMTP server: `smtps://user:pass@host:465` (TLS), `smtp://user:pass@host:587?tls=required`
    /// (STARTTLS), `smtp://host:25` (plain, a relay on a trusted network; never with a password).
    /// Unset: e-mail is written as `.eml` files into the mail folder.
    #[arg(long, env = "SCRIPTORIUM_SMTP_URL", hide_env_values = true, value_parser = secret)]
    pub smtp_url: Option<SecretString>,
    /// Where e-mail is written when no SMTP server is set.
    #[arg(long, env = "SCRIPTORIUM_MAIL_DIR", default_value = "data/mail")]
    pub mail_dir: std::path::PathBuf,
    /// Web push: the VAPID private key, base64url (`scriptorium vapid-keys` makes a pair).
    /// Unset: no web push (registering a browser is refused).
    #[arg(long, env = "SCRIPTORIUM_VAPID_PRIVATE_KEY", hide_env_values = true, value_parser = secret)]
    pub vapid_private_key: Option<SecretString>,
    /// Who the push services may contact about this server: `mailto:you@example.com` or an
    /// `https://` URL (required with a VAPID key).
    #[arg(long, env = "SCRIPTORIUM_VAPID_SUBJECT")]
    pub vapid_subject: Option<String>,
    /// The push services the server posts to (comma-separated hosts, `*.` for subdomains); a
    /// browser's endpoint elsewhere is refused.
    #[arg(long, env = "SCRIPTORIUM_PUSH_HOSTS", default_value = notifications::service::push::DEFAULT_PUSH_HOSTS)]
    pub push_hosts: String,
}

impl DeliveryArgs {
    /// The mailer, or why it cannot be made (an SMTP URL that does not parse).
    pub fn mailer(&self) -> Result<notifications::Mailer, String> {
        notifications::Mailer::new(self.smtp_url.as_ref().map(|u| u.expose_secret()), self.mail_dir.clone())
    }

    /// Web push, or why it cannot be set up (a key or subject that is not one).
    pub fn web_push(&self) -> Result<notifications::WebPush, String> {
        notifications::WebPush::new(
            self.vapid_private_key.as_ref().map(|k| k.expose_secret()),
            self.vapid_subject.as_deref(),
            &self.push_hosts,
        )
    }

    /// Both outlets, each described in the log.
    pub fn outlets(&self) -> Result<notifications::Outlets, String> {
        let outlets = notifications::Outlets { mailer: self.mailer()?, push: self.web_push()? };
        tracing::info!(mail = %outlets.mailer.describe(), push = %outlets.push.describe(), "notifications");
        Ok(outlets)
    }
}

/// Everything `serve` needs. Booleans take `1`/`0`, `true`/`false`, `yes`/`no`, `on`/`off`,
/// as flags (`--graphiql false`) and in the environment.
#[derive(Args, Clone)]
pub struct Settings {
    #[command(flatten)]
    pub database: DatabaseArgs,

    #[command(flatten)]
    pub log: LogArgs,
    #[command(flatten)]
    pub mail: DeliveryArgs,

    /// Address to listen on.
    #[arg(long, env = "SCRIPTORIUM_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// Serve `/metrics` only on this address (keep it private: metrics are not authenticated);
    /// unset, it is served with the API.
    #[arg(long, env = "SCRIPTORIUM_METRICS_BIND")]
    pub metrics_bind: Option<SocketAddr>,

    /// Add `extensions.sql = { statements, millis }` and a `Server-Timing` header to every
    /// GraphQL response.
    #[arg(long, env = "SCRIPTORIUM_SQL_STATS", default_value = "false", value_parser = BoolishValueParser::new(), action = ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub sql_stats: bool,

    /// Serve GraphiQL at `GET /graphql`.
    #[arg(long, env = "SCRIPTORIUM_GRAPHIQL", default_value = "true", value_parser = BoolishValueParser::new(), action = ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub graphiql: bool,

    /// Answer introspection queries (GraphiQL needs them); off, they are refused with a reason
    /// and errors suggest no field names.
    #[arg(long, env = "SCRIPTORIUM_INTROSPECTION", default_value = "true", value_parser = BoolishValueParser::new(), action = ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub introspection: bool,

    /// Mark the session cookie `Secure` (browsers still send it to http://localhost).
    #[arg(long, env = "SCRIPTORIUM_COOKIE_SECURE", default_value = "true", value_parser = BoolishValueParser::new(), action = ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub cookie_secure: bool,

    /// Where the client's address comes from: `ConnectInfo` (the TCP peer; no proxy), or the
    /// header your proxy sets: `RightmostXForwardedFor` (nginx, HAProxy, most load balancers:
    /// the hop your proxy appended, not the ones the client wrote), `XRealIp`,
    /// `CfConnectingIp`, `TrueClientIp`, `FlyClientIp`, `CloudFrontViewerAddress`,
    /// `XEnvoyExternalAddress`. A request without that header (one that bypassed the proxy) is
    /// taken at its TCP peer.
    #[arg(long, env = "SCRIPTORIUM_CLIENT_IP_SOURCE", default_value = "ConnectInfo")]
    pub client_ip_source: axum_client_ip::ClientIpSource,

    /// Stripe secret key; with the webhook secret it turns on wallet top-ups through Stripe Checkout.
    #[arg(long, env = "SCRIPTORIUM_STRIPE_SECRET_KEY", hide_env_values = true, value_parser = secret)]
    pub stripe_secret_key: Option<SecretString>,

    /// Stripe webhook signing secret (`whsec_...`) for `POST /webhooks/stripe`.
    #[arg(long, env = "SCRIPTORIUM_STRIPE_WEBHOOK_SECRET", hide_env_values = true, value_parser = secret)]
    pub stripe_webhook_secret: Option<SecretString>,

    /// Stripe API base URL.
    #[arg(long, env = "SCRIPTORIUM_STRIPE_API_BASE", default_value = "https://api.stripe.com")]
    pub stripe_api_base: String,

    /// The public address clients reach the site at (where Checkout sends them back).
    #[arg(long, env = "SCRIPTORIUM_PUBLIC_URL", default_value = "http://localhost:8080")]
    pub public_url: String,

    /// How long a session lasts, in days.
    #[arg(long, env = "SCRIPTORIUM_SESSION_DAYS", default_value_t = 30)]
    pub session_days: i64,

    /// A MaxMind-format database (`.mmdb`: GeoLite2 or GeoIP2 City, or Country) that places
    /// sign-ins by city and country; without one a sign-in's place is its address's network.
    #[arg(long, env = "SCRIPTORIUM_GEOIP_DB")]
    pub geoip_db: Option<std::path::PathBuf>,

    #[command(flatten)]
    pub files: FileArgs,
}

/// Where order files are kept and how they are handed out (`serve`, and `worker`, which sweeps
/// the store).
#[derive(Args, Clone)]
pub struct FileArgs {
    /// Where order files are kept: a folder, or `s3://bucket/prefix` for any S3-compatible store
    /// (credentials, region and endpoint from the `AWS_*` variables).
    #[arg(long, env = "SCRIPTORIUM_FILES", default_value = "data/files")]
    pub files: String,

    /// The key (32 bytes or more) that signs file download URLs; servers sharing a site share it.
    /// Without one each start picks its own, and URLs handed out before a restart stop working.
    #[arg(long, env = "SCRIPTORIUM_FILE_URL_KEY", hide_env_values = true, value_parser = secret)]
    pub file_url_key: Option<SecretString>,

    /// The largest file an upload may carry, in MiB.
    #[arg(long, env = "SCRIPTORIUM_UPLOAD_MAX_MB", default_value_t = 25)]
    pub upload_max_mb: u64,
}

impl FileArgs {
    /// The store of order files these settings name; one that cannot be opened stops the start.
    pub fn store(&self) -> Result<std::sync::Arc<orders::service::files::FileStore>, String> {
        let key = self.file_url_key.as_ref().map(|k| k.expose_secret().as_bytes());
        let max = self
            .upload_max_mb
            .checked_mul(1024 * 1024)
            .filter(|m| *m > 0)
            .ok_or("SCRIPTORIUM_UPLOAD_MAX_MB must be 1 or more")?;
        Ok(std::sync::Arc::new(orders::service::files::FileStore::open(&self.files, key, max)?))
    }
}

/// The settings as a log line shows them: every value, secrets and database passwords hidden.
impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let configured = |s: &Option<SecretString>| s.as_ref().map(|_| "<configured>");
        f.debug_struct("Settings")
            .field("database_url", &redact(&self.database.database_url))
            .field("log_format", &self.log.log_format)
            .field("bind", &self.bind)
            .field("metrics_bind", &self.metrics_bind)
            .field("sql_stats", &self.sql_stats)
            .field("graphiql", &self.graphiql)
            .field("introspection", &self.introspection)
            .field("cookie_secure", &self.cookie_secure)
            .field("client_ip_source", &self.client_ip_source)
            .field("stripe_secret_key", &configured(&self.stripe_secret_key))
            .field("stripe_webhook_secret", &configured(&self.stripe_webhook_secret))
            .field("stripe_api_base", &self.stripe_api_base)
            .field("public_url", &self.public_url)
            .field("session_days", &self.session_days)
            .field("geoip_db", &self.geoip_db)
            .field("files", &redact(&self.files.files))
            .field("file_url_key", &configured(&self.files.file_url_key))
            .field("upload_max_mb", &self.files.upload_max_mb)
            .finish()
    }
}

/// Hides the password of a database URL.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

impl Settings {
    /// How sign-ins are placed: by the configured database, or by network. A database that
    /// cannot be read stops the start.
    pub fn locator(&self) -> Result<identity::service::location::Locator, String> {
        match &self.geoip_db {
            Some(path) => identity::service::location::Locator::open(&path.to_string_lossy()),
            None => Ok(identity::service::location::Locator::default()),
        }
    }

    /// The payment provider these settings configure, if any.
    pub fn providers(&self) -> billing::service::topups::Providers {
        match (&self.stripe_secret_key, &self.stripe_webhook_secret) {
            (Some(key), Some(secret)) if !key.expose_secret().is_empty() && !secret.expose_secret().is_empty() => {
                let stripe = billing::service::provider::Stripe::new(
                    &self.stripe_api_base,
                    key.clone(),
                    secret.clone(),
                    &self.public_url,
                );
                billing::service::topups::Providers(Some(std::sync::Arc::new(stripe)))
            }
            _ => billing::service::topups::Providers(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        settings: Settings,
    }

    #[test]
    fn database_passwords_never_print() {
        assert_eq!(redact("postgres://app:s3cret@db:5432/x"), "postgres://app:***@db:5432/x");
        assert_eq!(redact("postgres://app@db:5432/x"), "postgres://app@db:5432/x");
        assert_eq!(redact("sqlite://data/x.db?mode=rwc"), "sqlite://data/x.db?mode=rwc");
    }

    #[test]
    fn flags_read_the_usual_booleans_and_secrets_never_print() {
        let cli = Cli::try_parse_from([
            "scriptorium",
            "--graphiql",
            "off",
            "--introspection",
            "0",
            "--sql-stats",
            "yes",
            "--stripe-secret-key",
            "sk_live_very_secret",
            "--database-url",
            "postgres://app:pw@db/x",
        ])
        .unwrap();
        assert!(!cli.settings.graphiql && !cli.settings.introspection && cli.settings.sql_stats);
        let printed = format!("{:?}", cli.settings);
        assert!(!printed.contains("sk_live_very_secret") && !printed.contains(":pw@"), "{printed}");
        assert!(Cli::try_parse_from(["scriptorium", "--graphiql", "maybe"]).is_err());
        let bare = Cli::try_parse_from(["scriptorium", "--sql-stats"]).unwrap();
        assert!(bare.settings.sql_stats && bare.settings.graphiql, "a bare flag turns its setting on");
    }
}
