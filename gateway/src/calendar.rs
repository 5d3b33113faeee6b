//! `GET /calendar/<secret>.ics`: a writer's deadlines and blackouts for their own calendar app.
//! The secret is the whole credential (256 random bits, only its SHA-256 kept, rotatable with
//! `rotateWriterCalendarFeed`), so a calendar app needs no session; an unknown, rotated or
//! malformed one, a site that is gone and a user who is no longer its writer all answer 404.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use kernel::AppError;

use crate::app::AppState;
use crate::responses::error_response;

pub async fn feed(State(state): State<Arc<AppState>>, Path(file): Path<String>) -> Response {
    let gone = || error_response(StatusCode::NOT_FOUND, AppError::not_found("calendar"));
    // a secret is 43 base64url characters; anything else is not one, and costs no query
    let Some(secret) = file.strip_suffix(".ics").filter(|s| s.len() == 43) else { return gone() };
    match writers::service::calendar::feed(&state.db, secret, state.clock.now()).await {
        Ok(Some(text)) => (
            [(header::CONTENT_TYPE, "text/calendar; charset=utf-8"), (header::CACHE_CONTROL, "private, max-age=300")],
            text,
        )
            .into_response(),
        Ok(None) => gone(),
        Err(err) => error_response(StatusCode::INTERNAL_SERVER_ERROR, err),
    }
}
