//! `GET /files/<id>?expires=..&signature=..`: a file's bytes, for whoever holds a URL the API
//! signed (handed only to those who see the order or the portfolio, good for minutes). The URL names the file;
//! the host names the site, and a file of another site, a bad or expired signature and a
//! missing file all answer the same 404. The body streams from the store.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::TryStreamExt;
use kernel::AppError;
use orders::service::files;
use serde::Deserialize;

use crate::app::AppState;
use crate::responses::error_response;

#[derive(Deserialize)]
pub struct Signed {
    expires: i64,
    signature: String,
}

pub async fn download(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    signed: Result<Query<Signed>, QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let gone = || error_response(StatusCode::NOT_FOUND, AppError::not_found("file"));
    // a URL without its signature is as unknown as one with a wrong one
    let (Ok(id), Ok(Query(signed))) = (uuid::Uuid::parse_str(&id), signed) else { return gone() };
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let tenant = match state.directory.resolve(&state.db, header("host"), header("x-tenant")).await {
        Ok(Some(tenant)) if tenant.is_active() => tenant,
        Ok(_) => return gone(),
        Err(err) => return error_response(StatusCode::INTERNAL_SERVER_ERROR, err),
    };
    if !files::signed(&state.files, tenant.id, id, signed.expires, &signed.signature, state.clock.now()) {
        return gone();
    }
    // an order's file, or a portfolio sample's
    let found = match files::find(&state.db, tenant.id, id).await {
        Ok(None) => writers::service::portfolio::sample_file(&state.db, tenant.id, id).await,
        found => found,
    };
    let file = match found {
        Ok(Some(file)) => file,
        Ok(None) => return gone(),
        Err(err) => return error_response(StatusCode::INTERNAL_SERVER_ERROR, err),
    };
    let body = match state.files.get(&file.storage_key).await {
        Ok(Some(body)) => body,
        // recorded, but its bytes are not there (removed by hand, a store restored from an older
        // copy): as missing to the browser, and logged as what it is
        Ok(None) => {
            tracing::error!(key = %file.storage_key, file = %id, "a recorded file's bytes are missing from the store");
            return gone();
        }
        Err(err) => return error_response(StatusCode::INTERNAL_SERVER_ERROR, AppError::internal(err)),
    };
    let mut response = Body::from_stream(body.map_err(std::io::Error::other)).into_response();
    let headers = response.headers_mut();
    let mut set = |name: header::HeaderName, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    };
    set(header::CONTENT_TYPE, &file.content_type);
    set(header::CONTENT_LENGTH, &file.size_bytes.to_string());
    set(header::CONTENT_DISPOSITION, &attachment(&file.name));
    // the type is the one read from the content: a browser must not guess another
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::CACHE_CONTROL, "private, no-store");
    set(header::CONTENT_SECURITY_POLICY, "sandbox; default-src 'none'");
    response
}

/// `Content-Disposition` for a download named `name` (RFC 6266): an ASCII fallback, and the
/// name itself percent-encoded as UTF-8 (RFC 8187).
fn attachment(name: &str) -> String {
    let fallback: String =
        name.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' }).collect();
    let encoded: String = name
        .bytes()
        .map(|b| match b {
            b'a'..=b'z'
            | b'A'..=b'Z'
            | b'0'..=b'9'
            | b'!'
            | b'#'
            | b'$'
            | b'&'
            | b'+'
            | b'-'
            | b'.'
            | b'^'
            | b'_'
            | b'`'
            | b'|'
            | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::attachment;

    #[test]
    fn names_are_given_plain_and_encoded() {
        assert_eq!(attachment("essay.pdf"), "attachment; filename=\"essay.pdf\"; filename*=UTF-8''essay.pdf");
        assert_eq!(
            attachment("Résumé \"final\".docx"),
            "attachment; filename=\"R_sum_ _final_.docx\"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%22final%22.docx"
        );
    }
}
