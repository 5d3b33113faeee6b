//! How errors leave the server: every GraphQL error carries `extensions.code`, and nothing
//! internal (panic text, SQL, a driver's message) reaches a client.

use async_graphql::{ErrorExtensionValues, Response, ServerError};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response as HttpResponse};
use kernel::{AppError, ErrorCode};

/// Puts `null` where each error happened. async-graphql 7 leaves an errored field out of its
/// object, and turns an object whose every selected field errored into `null`; GraphQL says the
/// field answers `null` in place, so a client reading `order.total` finds it null next to the
/// rest of the order. Along an error's path, a `null` object is opened again so the field can
/// sit in it (`order(id) { total }` refused to a writer is `{"order": {"total": null}}`).
pub fn null_at_error_paths(response: &mut Response) {
    for error in &response.errors {
        put_null(&mut response.data, &error.path);
    }
}

fn put_null(value: &mut async_graphql::Value, path: &[async_graphql::PathSegment]) {
    use async_graphql::{PathSegment, Value};
    let Some((segment, rest)) = path.split_first() else { return };
    if let (Value::Null, PathSegment::Field(_)) = (&*value, segment) {
        *value = Value::Object(Default::default());
    }
    match (value, segment) {
        (Value::Object(fields), PathSegment::Field(name)) => {
            let field = fields.entry(async_graphql::Name::new(name)).or_insert(Value::Null);
            put_null(field, rest);
        }
        (Value::List(items), PathSegment::Index(i)) => {
            if let Some(item) = items.get_mut(*i) {
                put_null(item, rest);
            }
        }
        _ => {}
    }
}

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

    fn refused(path: &[&str]) -> ServerError {
        let mut error = ServerError::new("your role may not do this", None);
        error.path = path.iter().map(|p| async_graphql::PathSegment::Field((*p).to_owned())).collect();
        error
    }

    #[test]
    fn a_refused_field_answers_null_in_place() {
        let data = async_graphql::Value::from_json(serde_json::json!({ "order": { "id": "o1" } })).unwrap();
        let mut response = Response::new(data);
        response.errors = vec![refused(&["order", "total"])];
        null_at_error_paths(&mut response);
        assert_eq!(response.data.into_json().unwrap(), serde_json::json!({ "order": { "id": "o1", "total": null } }));

        // every selected field refused: the object is there, with the field null in it
        let mut response =
            Response::new(async_graphql::Value::from_json(serde_json::json!({ "order": null })).unwrap());
        response.errors = vec![refused(&["order", "total"])];
        null_at_error_paths(&mut response);
        assert_eq!(response.data.into_json().unwrap(), serde_json::json!({ "order": { "total": null } }));

        // in a list, by index
        let data = serde_json::json!({ "orders": { "nodes": [{ "id": "a" }, null] } });
        let mut response = Response::new(async_graphql::Value::from_json(data).unwrap());
        let mut error = refused(&["orders", "nodes"]);
        error.path.extend([async_graphql::PathSegment::Index(1), async_graphql::PathSegment::Field("total".into())]);
        response.errors = vec![error];
        null_at_error_paths(&mut response);
        assert_eq!(
            response.data.into_json().unwrap(),
            serde_json::json!({ "orders": { "nodes": [{ "id": "a" }, { "total": null }] } })
        );

        // an error with no path (refused before execution) touches nothing
        let mut response = Response::from_errors(vec![ServerError::new("too deep", None)]);
        null_at_error_paths(&mut response);
        assert_eq!(response.data, async_graphql::Value::Null);
    }

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
