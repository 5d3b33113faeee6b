//! A push service on loopback for tests, strict as the real ones: it accepts a message only with
//! a valid VAPID `Authorization` (an ES256 JWT for this origin, signed by the key it carries) and
//! an `aes128gcm` body, which it decrypts with the browser's keys, so a test reads what the user's
//! browser would show. A browser marked gone answers `410 Gone`, as a push service does for a
//! subscription the user dropped.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use web_push_native::jwt_simple::algorithms::{ECDSAP256PublicKeyLike, ES256PublicKey};
use web_push_native::jwt_simple::claims::NoCustomClaims;
use web_push_native::jwt_simple::common::VerificationOptions;
use web_push_native::p256::elliptic_curve::rand_core::{OsRng, RngCore};
use web_push_native::{Auth, p256};

/// A browser's push subscription, as `pushManager.subscribe` answers it.
#[derive(Debug, Clone)]
pub struct Browser {
    pub id: String,
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
}

/// One message the service accepted.
#[derive(Debug, Clone)]
pub struct Delivered {
    pub browser: String,
    /// The decrypted payload.
    pub payload: Value,
    /// The VAPID public key that signed it (base64url).
    pub vapid_key: String,
    pub topic: Option<String>,
    pub ttl: Option<String>,
}

#[derive(Default)]
struct Inner {
    keys: HashMap<String, (p256::SecretKey, Auth)>,
    gone: HashSet<String>,
    delivered: Vec<Delivered>,
    /// Why requests were refused (a bad signature, a body that does not decrypt).
    refused: Vec<String>,
}

#[derive(Clone)]
pub struct FakePushService {
    pub base: String,
    inner: Arc<Mutex<Inner>>,
}

impl FakePushService {
    pub async fn start() -> FakePushService {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let router = Router::new().route("/push/{id}", post(receive)).with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        FakePushService { base, inner }
    }

    /// A new browser subscribed to this service.
    pub fn browser(&self) -> Browser {
        let secret = p256::SecretKey::random(&mut OsRng);
        let mut auth = [0u8; 16];
        OsRng.fill_bytes(&mut auth);
        let id = uuid::Uuid::now_v7().simple().to_string();
        let p256dh = URL_SAFE_NO_PAD.encode(secret.public_key().to_sec1_bytes());
        self.inner.lock().unwrap().keys.insert(id.clone(), (secret, Auth::clone_from_slice(&auth)));
        Browser { endpoint: format!("{}/push/{id}", self.base), id, p256dh, auth: URL_SAFE_NO_PAD.encode(auth) }
    }

    /// The user dropped this browser's subscription: the service answers 410 from now on.
    pub fn drop_browser(&self, browser: &Browser) {
        self.inner.lock().unwrap().gone.insert(browser.id.clone());
    }

    pub fn delivered(&self) -> Vec<Delivered> {
        self.inner.lock().unwrap().delivered.clone()
    }

    pub fn refused(&self) -> Vec<String> {
        self.inner.lock().unwrap().refused.clone()
    }
}

async fn receive(
    State(inner): State<Arc<Mutex<Inner>>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let mut inner = inner.lock().unwrap();
    if inner.gone.contains(&id) {
        return StatusCode::GONE;
    }
    let Some((secret, auth)) = inner.keys.get(&id).cloned() else {
        return StatusCode::NOT_FOUND;
    };
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let checked = check_vapid(header("authorization").as_deref()).and_then(|vapid_key| {
        if header("content-encoding").as_deref() != Some("aes128gcm") {
            return Err("the body is not aes128gcm".to_owned());
        }
        let plain = web_push_native::decrypt(body.to_vec(), &secret, &auth)
            .map_err(|e| format!("the body does not decrypt: {e}"))?;
        let payload = serde_json::from_slice(&plain).map_err(|e| format!("the payload is not JSON: {e}"))?;
        Ok(Delivered { browser: id, payload, vapid_key, topic: header("topic"), ttl: header("ttl") })
    });
    match checked {
        Ok(delivered) => {
            inner.delivered.push(delivered);
            StatusCode::CREATED
        }
        Err(why) => {
            inner.refused.push(why);
            StatusCode::UNAUTHORIZED
        }
    }
}

/// `vapid t=<JWT>, k=<public key>`: the JWT is ES256, signed by `k`, for this origin, not
/// expired, with a contact; answers `k`.
fn check_vapid(authorization: Option<&str>) -> Result<String, String> {
    let value = authorization.ok_or("no Authorization header")?;
    let rest = value.strip_prefix("vapid ").ok_or("the Authorization is not vapid")?;
    let mut token = None;
    let mut key = None;
    for part in rest.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => token = Some(v.to_owned()),
            Some(("k", v)) => key = Some(v.to_owned()),
            _ => {}
        }
    }
    let (token, key) = (token.ok_or("no t=")?, key.ok_or("no k=")?);
    let public = URL_SAFE_NO_PAD
        .decode(&key)
        .ok()
        .and_then(|bytes| ES256PublicKey::from_bytes(&bytes).ok())
        .ok_or("k is not a P-256 key")?;
    let options = VerificationOptions {
        allowed_audiences: Some(HashSet::from(["http://127.0.0.1".to_owned()])),
        ..Default::default()
    };
    let claims =
        public.verify_token::<NoCustomClaims>(&token, Some(options)).map_err(|e| format!("the JWT fails: {e}"))?;
    if !claims.subject.is_some_and(|s| s.starts_with("mailto:") || s.starts_with("https://")) {
        return Err("the JWT names no contact".into());
    }
    if claims.expires_at.is_none() {
        return Err("the JWT does not expire".into());
    }
    Ok(key)
}
