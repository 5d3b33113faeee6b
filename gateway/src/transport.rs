//! `POST /graphql`: from HTTP request to GraphQL execution and back.
//!
//! Before anything executes: the body is read under its size cap and parsed, the batch is
//! bounded, the tenant is resolved from `Host`/`X-Tenant`, the token (bearer or cookie) is
//! checked against it, and a suspended tenant turns its users away. Then each operation runs
//! with a fresh request context, and every error leaves with its code.

use std::net::SocketAddr;
use std::sync::Arc;

use async_graphql::{BatchRequest, BatchResponse};
use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use identity::SESSION_COOKIE;
use identity::service::sessions;
use kernel::{AppError, ClientInfo, RequestContext, Role, Viewer};
use tenancy::Tenant;
use tenancy::graphql::CurrentTenant;

use crate::app::AppState;
use crate::observability::{SqlStats, count_statements};
use crate::responses::{assign_codes, error_response};
use crate::schema::{LIMITS, attach_loaders};

pub const MAX_BODY_BYTES: usize = 1024 * 1024;
pub const MAX_BATCH: usize = 10;

pub async fn graphql(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match prepare_and_execute(&state, peer, &headers, body).await {
        Ok(response) => response,
        Err((status, error)) => error_response(status, error),
    }
}

type Refusal = (StatusCode, AppError);

async fn prepare_and_execute(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, Refusal> {
    let batch = read_batch(headers, body).await?;

    // Every statement of this request, the tenant and session lookups included, goes through
    // this handle, so `extensions.sql` counts them all.
    let stats = state.sql_stats.then(|| Arc::new(SqlStats::default()));
    let mut db = state.db.clone();
    if stats.is_some() {
        count_statements(&mut db, stats.clone());
    }

    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let tenant =
        state.directory.resolve(&db, header("host"), header("x-tenant")).await.map_err(|e| (StatusCode::OK, e))?;
    let scope = tenant.as_ref().map(|t| t.scope());

    let mut clear_cookie = false;
    let viewer = match credentials(headers) {
        Some(Credential::Bearer(token)) => Some(
            sessions::authenticate(&db, &token, scope.as_ref(), state.clock.now())
                .await
                .map_err(|e| (StatusCode::OK, e))?,
        ),
        // A stale browser cookie must not lock its owner out of signing in again: it is
        // dropped (and cleared) instead of failing the request.
        Some(Credential::Cookie(token)) => {
            match sessions::authenticate(&db, &token, scope.as_ref(), state.clock.now()).await {
                Ok(viewer) => Some(viewer),
                Err(e) if e.code == kernel::ErrorCode::Unauthenticated => {
                    clear_cookie = true;
                    None
                }
                Err(e) => return Err((StatusCode::OK, e)),
            }
        }
        None => None,
    };
    refuse_suspended(tenant.as_deref(), viewer.as_ref()).map_err(|e| (StatusCode::OK, e))?;

    let request = RequestContext {
        db,
        clock: state.clock.clone(),
        tenant: scope,
        viewer,
        client: client_info(headers, peer, state.trust_proxy),
    };
    let current = CurrentTenant(tenant);
    let run = async |r: async_graphql::Request| -> async_graphql::Response {
        let mut r = attach_loaders(r, &request).data(request.clone()).data(current.clone());
        // A document that does not parse is left to the engine, which reports it.
        if let Ok(document) = r.parsed_query()
            && let Err(refused) = LIMITS.check(document)
        {
            return async_graphql::Response::from_errors(vec![refused.into()]);
        }
        state.schema.execute(r).await
    };
    let mut response = match batch {
        BatchRequest::Single(r) => BatchResponse::Single(run(r).await),
        BatchRequest::Batch(rs) => {
            let mut responses = Vec::with_capacity(rs.len());
            for r in rs {
                responses.push(run(r).await);
            }
            BatchResponse::Batch(responses)
        }
    };
    let sql = stats.map(|s| s.json());
    let finish = |r: &mut async_graphql::Response| {
        assign_codes(r);
        if let Some(sql) = &sql {
            r.extensions.insert("sql".into(), async_graphql::Value::from_json(sql.clone()).unwrap_or_default());
        }
    };
    match &mut response {
        BatchResponse::Single(r) => finish(r),
        BatchResponse::Batch(rs) => rs.iter_mut().for_each(finish),
    }
    let mut http = async_graphql_axum::GraphQLResponse::from(response).into_response();
    if clear_cookie {
        let expired = state.identity.expired_cookie();
        if let Ok(value) = HeaderValue::from_str(&expired) {
            http.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    Ok(http)
}

/// Reads and parses the body: at most 1 MiB of JSON, at most ten operations.
async fn read_batch(headers: &HeaderMap, body: Body) -> Result<BatchRequest, Refusal> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    // JSON only: a browser form cannot send it cross-site, which keeps cookie sessions safe
    // from forged posts.
    if !content_type.to_ascii_lowercase().starts_with("application/json") {
        return Err((
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::bad_input("Content-Type", "send the request as application/json")
                .with_reason("UNSUPPORTED_MEDIA_TYPE"),
        ));
    }
    let bytes = to_bytes(body, MAX_BODY_BYTES).await.map_err(|_| {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            AppError::bad_input("body", "the request body exceeds 1 MiB").with_reason("BODY_TOO_LARGE"),
        )
    })?;
    let batch: BatchRequest = serde_json::from_slice(&bytes).map_err(|e| {
        (
            StatusCode::BAD_REQUEST,
            AppError::bad_input("body", format!("invalid JSON request: {e}")).with_reason("INVALID_JSON"),
        )
    })?;
    if let BatchRequest::Batch(operations) = &batch
        && (operations.is_empty() || operations.len() > MAX_BATCH)
    {
        return Err((
            StatusCode::BAD_REQUEST,
            AppError::bad_input("body", format!("a batch holds 1 to {MAX_BATCH} operations"))
                .with_reason("BATCH_TOO_LARGE"),
        ));
    }
    Ok(batch)
}

enum Credential {
    Bearer(String),
    Cookie(String),
}

fn credentials(headers: &HeaderMap) -> Option<Credential> {
    if let Some(auth) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        let token = auth.strip_prefix("Bearer ").or_else(|| auth.strip_prefix("bearer ")).unwrap_or(auth).trim();
        return Some(Credential::Bearer(token.to_owned()));
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == SESSION_COOKIE && !value.is_empty())
        .map(|(_, value)| Credential::Cookie(value.to_owned()))
}

/// A suspended tenant's users (and visitors) are refused everything; superadmins are not.
fn refuse_suspended(tenant: Option<&Tenant>, viewer: Option<&Viewer>) -> Result<(), AppError> {
    let suspended = tenant.is_some_and(|t| !t.is_active());
    let superadmin = viewer.is_some_and(|v| v.role == Role::Superadmin);
    if suspended && !superadmin {
        return Err(AppError::forbidden("this site is suspended").with_reason("TENANT_SUSPENDED"));
    }
    Ok(())
}

fn client_info(headers: &HeaderMap, peer: SocketAddr, trust_proxy: bool) -> ClientInfo {
    let forwarded = trust_proxy
        .then(|| headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()))
        .flatten()
        .and_then(|v| v.split(',').next())
        .map(|ip| ip.trim().to_owned())
        .filter(|ip| !ip.is_empty());
    ClientInfo {
        ip: Some(forwarded.unwrap_or_else(|| peer.ip().to_string())),
        user_agent: headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_owned),
    }
}
