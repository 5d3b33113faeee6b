//! Payment providers: where a client pays money in. One implementation, Stripe Checkout; the
//! base URL is configurable (tests run a local fake), and webhooks are verified by signature.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use kernel::Reason;
use kernel::{AppError, AppResult};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

/// A hosted checkout the client is sent to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkout {
    pub reference: String,
    pub url: String,
}

/// What a verified webhook says happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderEvent {
    /// The checkout `reference` was paid: `amount` minor units of `currency`.
    Paid { reference: String, amount: i64, currency: String },
    /// The checkout expired unpaid.
    Expired { reference: String },
    /// Anything else, acknowledged and ignored.
    Other,
}

#[async_trait::async_trait]
pub trait PaymentProvider: Send + Sync {
    fn name(&self) -> &'static str;

    /// Opens a checkout for `amount` minor units; `payment` is our id, echoed back.
    async fn create_checkout(
        &self,
        payment: uuid::Uuid,
        amount: i64,
        currency: &str,
        description: &str,
    ) -> AppResult<Checkout>;

    /// Checks a webhook's signature and freshness and reads it; a forged or stale one is refused.
    fn verify_webhook(&self, payload: &[u8], signature: &str, now: DateTime<Utc>) -> AppResult<ProviderEvent>;
}

/// Stripe Checkout over its HTTP API.
pub struct Stripe {
    http: reqwest::Client,
    api_base: String,
    secret_key: SecretString,
    webhook_secret: SecretString,
    /// Where Checkout sends the client back (`{public_url}/wallet?topUp=...`).
    public_url: String,
}

/// Webhooks older (or newer) than this are refused, so a captured one cannot be replayed later.
pub const WEBHOOK_TOLERANCE_SECONDS: i64 = 300;

impl Stripe {
    pub fn new(api_base: &str, secret_key: SecretString, webhook_secret: SecretString, public_url: &str) -> Self {
        Self {
            http: reqwest::Client::builder().timeout(std::time::Duration::from_secs(15)).build().unwrap_or_default(),
            api_base: api_base.trim_end_matches('/').to_owned(),
            secret_key,
            webhook_secret,
            public_url: public_url.trim_end_matches('/').to_owned(),
        }
    }
}

/// `t=...,v1=...` signature of a payload, as Stripe computes it (for tests and fakes too).
pub fn stripe_signature(secret: &str, timestamp: i64, payload: &[u8]) -> String {
    let mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).map(|mut mac| {
        mac.update(format!("{timestamp}.").as_bytes());
        mac.update(payload);
        hex::encode(mac.finalize().into_bytes())
    });
    format!("t={timestamp},v1={}", mac.unwrap_or_default())
}

fn refused(message: &str) -> AppError {
    AppError::bad_input("Stripe-Signature", message).with_reason(Reason::InvalidWebhook)
}

#[async_trait::async_trait]
impl PaymentProvider for Stripe {
    fn name(&self) -> &'static str {
        "stripe"
    }

    async fn create_checkout(
        &self,
        payment: uuid::Uuid,
        amount: i64,
        currency: &str,
        description: &str,
    ) -> AppResult<Checkout> {
        let back = format!("{}/wallet?topUp={payment}", self.public_url);
        let form = [
            ("mode", "payment".to_owned()),
            ("client_reference_id", payment.to_string()),
            ("metadata[payment_id]", payment.to_string()),
            ("line_items[0][quantity]", "1".to_owned()),
            ("line_items[0][price_data][currency]", currency.to_ascii_lowercase()),
            ("line_items[0][price_data][unit_amount]", amount.to_string()),
            ("line_items[0][price_data][product_data][name]", description.to_owned()),
            ("success_url", format!("{back}&result=success")),
            ("cancel_url", format!("{back}&result=cancelled")),
        ];
        let response = self
            .http
            .post(format!("{}/v1/checkout/sessions", self.api_base))
            .bearer_auth(self.secret_key.expose_secret())
            .header("Idempotency-Key", payment.to_string())
            .form(&form)
            .send()
            .await
            .map_err(AppError::internal)?;
        if !response.status().is_success() {
            return Err(AppError::internal(format!("stripe answered {}", response.status())));
        }
        let body: serde_json::Value = response.json().await.map_err(AppError::internal)?;
        match (body["id"].as_str(), body["url"].as_str()) {
            (Some(id), Some(url)) => Ok(Checkout { reference: id.to_owned(), url: url.to_owned() }),
            _ => Err(AppError::internal("stripe checkout session without id or url")),
        }
    }

    fn verify_webhook(&self, payload: &[u8], signature: &str, now: DateTime<Utc>) -> AppResult<ProviderEvent> {
        let mut timestamp = None;
        let mut candidates = Vec::new();
        for part in signature.split(',') {
            match part.trim().split_once('=') {
                Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
                Some(("v1", v)) => candidates.push(v.to_owned()),
                _ => {}
            }
        }
        let timestamp = timestamp.ok_or_else(|| refused("no timestamp in the signature"))?;
        if (now.timestamp() - timestamp).abs() > WEBHOOK_TOLERANCE_SECONDS {
            return Err(refused("the webhook is too old or from the future"));
        }
        // `verify_slice` compares in constant time.
        let valid = candidates.iter().filter_map(|c| hex::decode(c).ok()).any(|given| {
            let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(self.webhook_secret.expose_secret().as_bytes()) else {
                return false;
            };
            mac.update(format!("{timestamp}.").as_bytes());
            mac.update(payload);
            mac.verify_slice(&given).is_ok()
        });
        if !valid {
            return Err(refused("the signature does not match"));
        }
        let event: serde_json::Value =
            serde_json::from_slice(payload).map_err(|_| refused("the webhook is not JSON"))?;
        let object = &event["data"]["object"];
        let reference = object["id"].as_str().unwrap_or_default().to_owned();
        Ok(match event["type"].as_str() {
            Some("checkout.session.completed") if object["payment_status"] == "paid" => ProviderEvent::Paid {
                reference,
                amount: object["amount_total"].as_i64().unwrap_or(-1),
                currency: object["currency"].as_str().unwrap_or_default().to_ascii_uppercase(),
            },
            Some("checkout.session.expired") => ProviderEvent::Expired { reference },
            _ => ProviderEvent::Other,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stripe() -> Stripe {
        Stripe::new("http://127.0.0.1:1", "sk_test".into(), "whsec_test".into(), "http://localhost:8080")
    }

    #[test]
    fn a_signed_fresh_webhook_is_read_and_anything_else_refused() {
        let now = Utc::now();
        let payload = br#"{"type":"checkout.session.completed","data":{"object":{"id":"cs_1","payment_status":"paid","amount_total":2500,"currency":"usd"}}}"#;
        let good = stripe_signature("whsec_test", now.timestamp(), payload);
        assert_eq!(
            stripe().verify_webhook(payload, &good, now).unwrap(),
            ProviderEvent::Paid { reference: "cs_1".into(), amount: 2500, currency: "USD".into() }
        );
        let forged = stripe_signature("another_secret", now.timestamp(), payload);
        assert!(stripe().verify_webhook(payload, &forged, now).is_err());
        let stale = stripe_signature("whsec_test", now.timestamp() - 301, payload);
        assert!(stripe().verify_webhook(payload, &stale, now).is_err());
        let tampered = br#"{"type":"checkout.session.completed","data":{"object":{"id":"cs_1","payment_status":"paid","amount_total":999999,"currency":"usd"}}}"#;
        assert!(stripe().verify_webhook(tampered, &good, now).is_err());
        assert!(stripe().verify_webhook(payload, "garbage", now).is_err());
    }
}
