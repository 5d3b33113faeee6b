//! Web push: the browsers a user registers (`registerPushSubscription` with what the browser's
//! `pushManager.subscribe` answered), and sending one notification to one of them, its payload
//! encrypted to the browser's keys (RFC 8291) and the server identified by its VAPID key
//! (RFC 8292), with `web-push-native`; the request itself goes out with `reqwest`.
//!
//! The server only ever posts to push services it knows (`SCRIPTORIUM_PUSH_HOSTS`): an endpoint
//! is a URL a user chose, and without that list this would be a way to make the server post to
//! any address, the private network's included.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use kernel::{AppError, AppResult, RequestContext, new_id};
use sea_orm::ActiveValue::Set;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::OnConflict;
use sea_orm::{QueryFilter, QueryOrder, QuerySelect};
use web_push_native::jwt_simple::algorithms::{ECDSAP256PublicKeyLike, ES256KeyPair};
use web_push_native::{Auth, WebPushBuilder, p256};

use crate::entity::delivery;
use crate::entity::notification;
use crate::entity::push_subscription::{self, Entity as Subscriptions};

/// The push services of the major browsers (Chrome, Firefox, Safari, Edge): the default of
/// `SCRIPTORIUM_PUSH_HOSTS`. `*.` stands for any subdomain.
pub const DEFAULT_PUSH_HOSTS: &str =
    "fcm.googleapis.com,updates.push.services.mozilla.com,*.push.apple.com,*.notify.windows.com";

/// The most browsers a user keeps: registering one more forgets the oldest (browsers replace
/// their subscriptions from time to time and never say so).
pub const MAX_SUBSCRIPTIONS_PER_USER: u64 = 20;

/// How long a push service should keep trying to reach a browser that is offline; also how
/// long the VAPID signature is valid (RFC 8292 allows at most 24 hours, and push services
/// refuse a signature that looks longer with their clock).
const TIME_TO_LIVE: Duration = Duration::from_secs(12 * 60 * 60);

/// The most JSON a push carries (the encrypted record must stay under 4 KiB).
const MAX_PAYLOAD_BYTES: usize = 3_000;

/// Web push as this server is configured for it: off (no VAPID key), or the key, the contact the
/// push services may write to, the push services it may post to, and an HTTP client.
#[derive(Clone, Default)]
pub struct WebPush(Option<Arc<Configured>>);

struct Configured {
    key: ES256KeyPair,
    public_key: String,
    subject: String,
    hosts: Vec<String>,
    http: reqwest::Client,
}

impl WebPush {
    /// Off: registering a browser is refused, and nothing is pushed.
    pub fn off() -> Self {
        Self(None)
    }

    /// From `SCRIPTORIUM_VAPID_PRIVATE_KEY` (base64url of the 32-byte P-256 secret, as
    /// `scriptorium vapid-keys` prints it), `SCRIPTORIUM_VAPID_SUBJECT` (`mailto:` or `https:`,
    /// required with a key) and `SCRIPTORIUM_PUSH_HOSTS` (comma-separated). No key: off. A key
    /// or subject that is not one is an error for the operator, at start-up.
    pub fn new(private_key: Option<&str>, subject: Option<&str>, hosts: &str) -> Result<Self, String> {
        let Some(private_key) = private_key.map(str::trim).filter(|k| !k.is_empty()) else {
            return Ok(Self::off());
        };
        let key = decode_base64url(private_key)
            .ok()
            .and_then(|bytes| ES256KeyPair::from_bytes(&bytes).ok())
            .ok_or("SCRIPTORIUM_VAPID_PRIVATE_KEY is not a base64url P-256 private key (make one with `scriptorium vapid-keys`)")?;
        let subject = subject.map(str::trim).filter(|s| !s.is_empty()).ok_or(
            "SCRIPTORIUM_VAPID_SUBJECT is required with a VAPID key: mailto:you@example.com or https://your.site",
        )?;
        if !(subject.starts_with("mailto:") || subject.starts_with("https://")) {
            return Err("SCRIPTORIUM_VAPID_SUBJECT must start with mailto: or https://".into());
        }
        let hosts: Vec<String> =
            hosts.split(',').map(|h| h.trim().to_ascii_lowercase()).filter(|h| !h.is_empty()).collect();
        if hosts.is_empty() {
            return Err("SCRIPTORIUM_PUSH_HOSTS names no push service".into());
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .connect_timeout(Duration::from_secs(5))
            // a push service answers; it never sends the server elsewhere
            .redirect(reqwest::redirect::Policy::none())
            // straight to the push service (a proxy from the environment is not for this)
            .no_proxy()
            // a listed name that resolves into a private network is not followed there
            .dns_resolver(Arc::new(PublicAddressesOnly))
            .build()
            .map_err(|e| format!("cannot make the push HTTP client: {e}"))?;
        let public_key = URL_SAFE_NO_PAD.encode(key.public_key().public_key().to_bytes_uncompressed());
        Ok(Self(Some(Arc::new(Configured { key, public_key, subject: subject.to_owned(), hosts, http }))))
    }

    /// A new VAPID key pair: the private key (for `SCRIPTORIUM_VAPID_PRIVATE_KEY`) and the public
    /// key (the `applicationServerKey` browsers subscribe with), both base64url.
    pub fn generate_keys() -> (String, String) {
        let key = ES256KeyPair::generate();
        (
            URL_SAFE_NO_PAD.encode(key.to_bytes()),
            URL_SAFE_NO_PAD.encode(key.public_key().public_key().to_bytes_uncompressed()),
        )
    }

    /// The key browsers subscribe with, when push is on.
    pub fn public_key(&self) -> Option<&str> {
        self.0.as_deref().map(|c| c.public_key.as_str())
    }

    pub fn describe(&self) -> String {
        match self.0.as_deref() {
            None => "off (no SCRIPTORIUM_VAPID_PRIVATE_KEY)".into(),
            Some(c) => format!("on, to {}", c.hosts.join(", ")),
        }
    }
}

/// Base64url, padded or not (browsers give it unpadded; some libraries pad).
fn decode_base64url(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    if text.ends_with('=') { URL_SAFE.decode(text) } else { URL_SAFE_NO_PAD.decode(text) }
}

fn host_allowed(host: &str, hosts: &[String]) -> bool {
    hosts.iter().any(|allowed| match allowed.strip_prefix("*.") {
        Some(domain) => host.strip_suffix(domain).is_some_and(|sub| sub.ends_with('.') && sub.len() > 1),
        None => host == allowed,
    })
}

/// Resolves names to their public addresses only: a push service is on the internet, and a
/// name (listed, or under a listed `*.` domain) that points into this machine or its network
/// must not take the server there.
struct PublicAddressesOnly;

fn is_public(ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    match ip {
        IpAddr::V4(v4) => {
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64 // carrier-grade NAT
                || v4.octets()[0] >= 224)
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public(IpAddr::V4(v4)),
            None => {
                let first = v6.segments()[0];
                !(v6.is_loopback()
                    || v6.is_unspecified()
                    || v6.is_multicast()
                    || (first & 0xfe00) == 0xfc00 // unique local
                    || (first & 0xffc0) == 0xfe80) // link local
            }
        },
    }
}

impl reqwest::dns::Resolve for PublicAddressesOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let public: Vec<std::net::SocketAddr> = found.filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                return Err(format!("{host} has no public address").into());
            }
            Ok(Box::new(public.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The endpoint, if the server may post to it: `https://` on a listed push service (`http://`
/// only to a listed loopback address, a push service run for tests).
fn check_endpoint(endpoint: &str, hosts: &[String]) -> AppResult<http::Uri> {
    let refuse = |why: &str| AppError::bad_input("endpoint", why);
    if endpoint.len() > 1024 {
        return Err(refuse("at most 1024 characters"));
    }
    let url = reqwest::Url::parse(endpoint).map_err(|_| refuse("not a URL"))?;
    let host = url.host_str().unwrap_or("").to_ascii_lowercase();
    match url.scheme() {
        // on the standard port: a push service is a web server
        "https" if url.port().is_none() => {}
        "https" => return Err(refuse("a push endpoint is on the https port (443)")),
        // a push service on this machine, for tests, when one is listed
        "http" if is_loopback(&host) => {}
        _ => return Err(refuse("a push endpoint is an https:// URL")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse("a push endpoint carries no credentials"));
    }
    if !host_allowed(&host, hosts) {
        return Err(refuse("not a push service this server sends to"));
    }
    endpoint.parse().map_err(|_| refuse("not a URL"))
}

/// The browser's keys, checked: a P-256 point and a 16-byte secret.
fn check_keys(p256dh: &str, auth: &str) -> AppResult<(p256::PublicKey, Auth)> {
    let public = decode_base64url(p256dh.trim())
        .ok()
        .and_then(|bytes| p256::PublicKey::from_sec1_bytes(&bytes).ok())
        .ok_or_else(|| AppError::bad_input("p256dh", "not a base64url P-256 public key"))?;
    let secret = decode_base64url(auth.trim())
        .ok()
        .filter(|bytes| bytes.len() == 16)
        .ok_or_else(|| AppError::bad_input("auth", "not a base64url 16-byte secret"))?;
    Ok((public, Auth::clone_from_slice(&secret)))
}

/// Registers the viewer's browser (or replaces its keys: one subscription per endpoint and
/// site, the latest user's); a user keeps their 20 latest. The browser takes pushes while the
/// session that registered it lives.
pub async fn register(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    push: &WebPush,
    endpoint: &str,
    p256dh: &str,
    auth: &str,
) -> AppResult<push_subscription::Model> {
    let viewer = request.viewer()?;
    let tenant = request.tenant()?.id;
    let Some(configured) = push.0.as_deref() else {
        return Err(AppError::conflict("web push is not set up on this server"));
    };
    let endpoint = endpoint.trim();
    check_endpoint(endpoint, &configured.hosts)?;
    check_keys(p256dh, auth)?;
    let now = request.now();
    Subscriptions::insert(push_subscription::ActiveModel {
        id: Set(new_id()),
        tenant_id: Set(tenant),
        user_id: Set(viewer.user_id),
        endpoint: Set(endpoint.to_owned()),
        p256dh: Set(p256dh.trim().to_owned()),
        auth: Set(auth.trim().to_owned()),
        created_at: Set(now),
        last_used_at: Set(None),
        session_id: Set(Some(viewer.session_id)),
    })
    .on_conflict(
        OnConflict::columns([push_subscription::Column::TenantId, push_subscription::Column::Endpoint])
            .update_columns([
                push_subscription::Column::UserId,
                push_subscription::Column::P256dh,
                push_subscription::Column::Auth,
                push_subscription::Column::CreatedAt,
                push_subscription::Column::SessionId,
            ])
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    // the oldest beyond the user's allowance are forgotten
    let keep: Vec<Uuid> = Subscriptions::find()
        .select_only()
        .column(push_subscription::Column::Id)
        .filter(push_subscription::Column::TenantId.eq(tenant))
        .filter(push_subscription::Column::UserId.eq(viewer.user_id))
        .order_by_desc(push_subscription::Column::CreatedAt)
        .order_by_desc(push_subscription::Column::Id)
        .limit(MAX_SUBSCRIPTIONS_PER_USER)
        .into_tuple()
        .all(conn)
        .await?;
    Subscriptions::delete_many()
        .filter(push_subscription::Column::TenantId.eq(tenant))
        .filter(push_subscription::Column::UserId.eq(viewer.user_id))
        .filter(push_subscription::Column::Id.is_not_in(keep))
        .exec(conn)
        .await?;
    Subscriptions::find()
        .filter(push_subscription::Column::TenantId.eq(tenant))
        .filter(push_subscription::Column::Endpoint.eq(endpoint))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::internal("the push subscription just written is gone"))
}

/// Forgets the viewer's browser at `endpoint`; answers whether there was one.
pub async fn unregister(conn: &impl ConnectionTrait, request: &RequestContext, endpoint: &str) -> AppResult<bool> {
    let viewer = request.viewer()?;
    let removed = Subscriptions::delete_many()
        .filter(push_subscription::Column::TenantId.eq(request.tenant()?.id))
        .filter(push_subscription::Column::UserId.eq(viewer.user_id))
        .filter(push_subscription::Column::Endpoint.eq(endpoint.trim()))
        .exec(conn)
        .await?
        .rows_affected;
    Ok(removed > 0)
}

/// The viewer's browsers, newest first (at most [`MAX_SUBSCRIPTIONS_PER_USER`]).
pub async fn list(conn: &impl ConnectionTrait, request: &RequestContext) -> AppResult<Vec<push_subscription::Model>> {
    let viewer = request.viewer()?;
    Ok(Subscriptions::find()
        .filter(push_subscription::Column::TenantId.eq(request.tenant()?.id))
        .filter(push_subscription::Column::UserId.eq(viewer.user_id))
        .order_by_desc(push_subscription::Column::CreatedAt)
        .limit(MAX_SUBSCRIPTIONS_PER_USER)
        .all(conn)
        .await?)
}

/// Forgets the browsers registered by these sessions (they ended: signed out, revoked,
/// expired); answers how many.
pub async fn forget_sessions(conn: &impl ConnectionTrait, sessions: Vec<Uuid>) -> AppResult<u64> {
    if sessions.is_empty() {
        return Ok(0);
    }
    Ok(Subscriptions::delete_many()
        .filter(push_subscription::Column::SessionId.is_in(sessions))
        .exec(conn)
        .await?
        .rows_affected)
}

/// Forgets the browsers registered by the sessions `sessions` selects (one id column): ended
/// sessions, chosen by their owner's query; answers how many.
pub async fn forget_sessions_in(
    conn: &impl ConnectionTrait,
    sessions: sea_orm::sea_query::SelectStatement,
) -> AppResult<u64> {
    Ok(Subscriptions::delete_many()
        .filter(push_subscription::Column::SessionId.in_subquery(sessions))
        .exec(conn)
        .await?
        .rows_affected)
}

/// The user's browsers (their ids), when a notification is written.
pub(crate) async fn subscriptions_of(conn: &impl ConnectionTrait, tenant: Uuid, user: Uuid) -> AppResult<Vec<Uuid>> {
    Ok(Subscriptions::find()
        .select_only()
        .column(push_subscription::Column::Id)
        .filter(push_subscription::Column::TenantId.eq(tenant))
        .filter(push_subscription::Column::UserId.eq(user))
        .into_tuple()
        .all(conn)
        .await?)
}

/// What a push carries: `{ id, kind, title, body }` as JSON, the body shortened (at a
/// character) until the whole fits [`MAX_PAYLOAD_BYTES`].
fn payload(note: &notification::Model) -> String {
    let mut body: &str = &note.body;
    loop {
        let json = serde_json::json!({
            "id": note.id,
            // as the API names it (ORDER_PLACED)
            "kind": sea_orm::ActiveEnum::to_value(&note.kind),
            "title": note.title,
            "body": body,
        })
        .to_string();
        if json.len() <= MAX_PAYLOAD_BYTES || body.is_empty() {
            return json;
        }
        let over = json.len() - MAX_PAYLOAD_BYTES;
        let mut cut = body.len().saturating_sub(over.max(16));
        while !body.is_char_boundary(cut) {
            cut -= 1;
        }
        body = &body[..cut];
    }
}

/// Why a push was not delivered.
pub enum Failure {
    /// Worth trying again (the push service is down, busy, or refused for now).
    Retry(String),
    /// Never deliverable (the browser unsubscribed): the delivery is dead at once.
    Final(String),
}

/// Sends `note` to the browser of `found` (a push delivery). A push service that answers 404 or
/// 410 says the browser is gone: its subscription is removed. Every attempt carries the
/// notification's id as its `Topic`, so a message the push service still holds is replaced, not
/// doubled.
pub async fn send(
    db: &impl ConnectionTrait,
    push: &WebPush,
    found: &delivery::Model,
    note: &notification::Model,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<Result<(), Failure>> {
    let Some(configured) = push.0.as_deref() else {
        return Ok(Err(Failure::Retry(
            "web push is not set up on this worker (no SCRIPTORIUM_VAPID_PRIVATE_KEY)".into(),
        )));
    };
    let subscription = match found.address.parse::<Uuid>() {
        Ok(id) => Subscriptions::find_by_id(id).one(db).await?,
        Err(_) => None,
    };
    // a browser registered again by someone else since is no longer this user's
    let Some(subscription) = subscription.filter(|s| s.user_id == note.user_id && s.tenant_id == note.tenant_id) else {
        return Ok(Err(Failure::Final("the browser was unregistered".into())));
    };
    let (Ok(endpoint), Ok((public, auth))) = (
        check_endpoint(&subscription.endpoint, &configured.hosts),
        check_keys(&subscription.p256dh, &subscription.auth),
    ) else {
        return Ok(Err(Failure::Final("the push endpoint is no longer allowed (SCRIPTORIUM_PUSH_HOSTS)".into())));
    };
    let payload = payload(note);
    let built = WebPushBuilder::new(endpoint, public, auth)
        .with_valid_duration(TIME_TO_LIVE)
        .with_vapid(&configured.key, &configured.subject)
        .build(payload);
    let mut built = match built {
        Ok(request) => request,
        Err(e) => return Ok(Err(Failure::Final(format!("cannot encrypt for this browser: {e}")))),
    };
    if let Ok(topic) = http::HeaderValue::from_str(&note.id.simple().to_string()) {
        built.headers_mut().insert("topic", topic);
    }
    built.headers_mut().insert("urgency", http::HeaderValue::from_static("normal"));
    let request = match reqwest::Request::try_from(built) {
        Ok(request) => request,
        Err(e) => return Ok(Err(Failure::Final(format!("cannot make the push request: {e}")))),
    };
    let response = match configured.http.execute(request).await {
        Ok(response) => response,
        Err(e) => return Ok(Err(Failure::Retry(format!("the push service did not answer: {e}")))),
    };
    let status = response.status();
    if status.is_success() {
        Subscriptions::update_many()
            .col_expr(push_subscription::Column::LastUsedAt, sea_orm::sea_query::Expr::value(Some(now)))
            .filter(push_subscription::Column::Id.eq(subscription.id))
            .exec(db)
            .await?;
        return Ok(Ok(()));
    }
    if status == reqwest::StatusCode::NOT_FOUND || status == reqwest::StatusCode::GONE {
        Subscriptions::delete_by_id(subscription.id).exec(db).await?;
        return Ok(Err(Failure::Final(format!(
            "the browser unsubscribed (the push service answered {status}); removed"
        ))));
    }
    let body: String = response.text().await.unwrap_or_default().chars().take(200).collect();
    Ok(Err(Failure::Retry(format!("the push service answered {status}: {body}"))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts() -> Vec<String> {
        DEFAULT_PUSH_HOSTS.split(',').map(str::to_owned).chain(["127.0.0.1".to_owned()]).collect()
    }

    #[test]
    fn only_listed_push_services_on_their_https_port_are_endpoints() {
        let hosts = hosts();
        for good in [
            "https://fcm.googleapis.com/fcm/send/abc",
            "https://updates.push.services.mozilla.com/wpush/v2/x",
            "https://web.push.apple.com/QGx",
            "https://db5p.notify.windows.com/w/?token=1",
            "http://127.0.0.1:4000/push/1",
        ] {
            assert!(check_endpoint(good, &hosts).is_ok(), "{good}");
        }
        for bad in [
            "https://fcm.googleapis.com:25/fcm/send/abc",
            "http://fcm.googleapis.com/fcm/send/abc",
            "https://push.apple.com/x",
            "https://evilpush.apple.com.example.org/x",
            "https://user:pw@fcm.googleapis.com/x",
            "https://10.0.0.1/x",
            "https://[::1]/x",
            "http://localhost:4000/x",
            "file:///etc/passwd",
        ] {
            assert!(check_endpoint(bad, &hosts).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_resolving_into_private_networks_are_not_followed() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "::1",
            "fc00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "0.0.0.0",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in ["142.250.74.10", "2a00:1450:4001:82b::200a"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn a_long_body_is_cut_to_fit_the_push_at_a_character() {
        let note = notification::Model {
            id: Uuid::now_v7(),
            tenant_id: Uuid::now_v7(),
            user_id: Uuid::now_v7(),
            recipient_name: "A".into(),
            kind: crate::NotificationKind::OrderPlaced,
            cause: "c".into(),
            data: serde_json::json!({}),
            title: "Title".into(),
            body: "é🦀".repeat(2_000),
            in_app: true,
            read_at: None,
            created_at: chrono::Utc::now(),
        };
        let json = payload(&note);
        assert!(json.len() <= MAX_PAYLOAD_BYTES && json.len() > MAX_PAYLOAD_BYTES - 64, "{}", json.len());
        let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(parsed["kind"], "ORDER_PLACED");
        assert!(note.body.starts_with(parsed["body"].as_str().unwrap()));
    }
}
