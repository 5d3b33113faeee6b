//! `POST /webhooks/stripe`: the payment provider tells us money arrived. The signature and its
//! timestamp are checked before anything is read; a forged, stale or replayed webhook changes
//! nothing.

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use billing::service::topups;
use kernel::AppError;

use crate::app::AppState;
use crate::responses::error_response;
use crate::transport::MAX_BODY_BYTES;

pub async fn stripe(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Body) -> Response {
    let Some(provider) = state.providers.0.clone() else {
        return error_response(StatusCode::NOT_FOUND, AppError::not_found("payment provider"));
    };
    let Ok(payload) = to_bytes(body, MAX_BODY_BYTES).await else {
        return error_response(StatusCode::PAYLOAD_TOO_LARGE, AppError::bad_input("body", "the webhook exceeds 1 MiB"));
    };
    let signature = headers.get("stripe-signature").and_then(|v| v.to_str().ok()).unwrap_or("");
    let now = state.clock.now();
    let event = match provider.verify_webhook(&payload, signature, now) {
        Ok(event) => event,
        Err(refused) => {
            tracing::warn!(reason = %refused, "refused a webhook");
            return error_response(StatusCode::BAD_REQUEST, refused);
        }
    };
    let applied =
        kernel::transaction(&state.db, async |txn| topups::apply_event(txn, provider.name(), event, now).await).await;
    match applied {
        Ok(changed) => {
            (StatusCode::OK, axum::Json(serde_json::json!({ "received": true, "changed": changed }))).into_response()
        }
        Err(err) if err.code == kernel::ErrorCode::BadUserInput => error_response(StatusCode::BAD_REQUEST, err),
        Err(err) => error_response(StatusCode::INTERNAL_SERVER_ERROR, err),
    }
}
