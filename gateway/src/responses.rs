//! How errors leave the server: every GraphQL error carries `extensions.code`, and nothing
//! internal (panic text, SQL, a driver's message) reaches a client.

use async_graphql::{ErrorExtensionValues, Response, ServerError};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response as HttpResponse};
use kernel::{AppError, ErrorCode};

/// Gives every error of a GraphQL response its code and public message:
/// - raised by a service: the `AppError`'s message, code, field and reason;
/// - any other failure with a source (database, I/O): `INTERNAL`, logged, no details;
/// - raised by the engine before execution (parse, validation, limits, argument types):
///   `BAD_USER_INPUT`, since the request itself is at fault.
pub fn assign_codes(response: &mut Response) {
    for error in &mut response.errors {
        assign_code(error);
    }
}

fn assign_code(error: &mut ServerError) {
    if let Some((message, extensions)) = error.source::<AppError>().map(|app| (app.message.clone(), app.extensions())) {
        error.message = message;
        error.extensions = Some(extensions);
        return;
    }
    if error.source.is_some() {
        tracing::error!(error = %error.message, path = ?error.path, "internal error in resolver");
        error.message = "internal error".into();
        error.extensions = Some(code_only(ErrorCode::Internal));
        return;
    }
    let has_code = error.extensions.as_ref().is_some_and(|e| e.get("code").is_some());
    if !has_code {
        let mut ext = error.extensions.take().unwrap_or_default();
        ext.set("code", ErrorCode::BadUserInput.as_str());
        error.extensions = Some(ext);
    }
}

fn code_only(code: ErrorCode) -> ErrorExtensionValues {
    let mut ext = ErrorExtensionValues::default();
    ext.set("code", code.as_str());
    ext
}

/// A response carrying one error and no data, for failures before execution (bad body,
/// unknown tenant, invalid token).
pub fn error_response(status: StatusCode, error: AppError) -> HttpResponse {
    let body = serde_json::json!({
        "errors": [{ "message": error.message, "extensions": serde_json::to_value(error.extensions()).unwrap_or_default() }]
    });
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// What a panic becomes: `INTERNAL`, and the panic message only in the log.
pub fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> HttpResponse {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    tracing::error!(panic = detail, "request handler panicked");
    error_response(StatusCode::INTERNAL_SERVER_ERROR, AppError::internal("request handler panicked"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_errors_become_bad_user_input_and_sources_become_internal() {
        let mut response = Response::from_errors(vec![
            ServerError::new("Unknown field \"nope\"", None),
            async_graphql::Error::from(std::io::Error::other("disk on fire at /var/lib"))
                .into_server_error(Default::default()),
            async_graphql::Error::from(AppError::conflict("taken").with_field("email"))
                .into_server_error(Default::default()),
        ]);
        assign_codes(&mut response);
        let json = serde_json::to_value(&response).unwrap();
        let errors = json["errors"].as_array().unwrap();
        assert_eq!(errors[0]["extensions"]["code"], "BAD_USER_INPUT");
        assert_eq!(errors[1]["extensions"]["code"], "INTERNAL");
        assert_eq!(errors[1]["message"], "internal error");
        assert_eq!(errors[2]["extensions"]["code"], "CONFLICT");
        assert_eq!(errors[2]["extensions"]["field"], "email");
    }
}
