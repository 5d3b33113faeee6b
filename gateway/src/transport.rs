//! `POST /graphql`: from HTTP request to GraphQL execution and back.
//!
//! Before anything executes: the body is read under its size cap and parsed, the batch is
//! bounded, each document is measured (fragments expanded, for the whole batch together) and
//! its strings checked, the tenant is resolved from `Host`/`X-Tenant`, the token (bearer or
//! cookie) is checked against it, and a suspended tenant turns its users away. Then each
//! operation runs with a fresh request context, and every error leaves with its code.

use kernel::Reason;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use async_graphql::{BatchRequest, BatchResponse};
use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum_client_ip::ClientIp;
use identity::SESSION_COOKIE;
use identity::service::sessions;
use kernel::{AppError, ClientInfo, Reach, RequestContext, RequestDb, Role, Viewer};
use tenancy::Tenant;
use tenancy::graphql::CurrentTenant;

use crate::app::AppState;
use crate::documents::DocumentCache;
use crate::inputs;
use crate::observability::{OperationNames, SqlStats, count_statements, statement_counter};
use crate::responses::{assign_codes, error_response, null_at_error_paths};
use crate::schema::{LIMITS, attach_loaders};

pub const MAX_BODY_BYTES: usize = 1024 * 1024;
pub const MAX_BATCH: usize = 10;
/// The most document text a request may send (a batch's operations together). async-graphql's
/// parser costs about 160 ns a byte, so a 1 MiB document would take some 165 ms of CPU before
/// anything could refuse it; 32 KiB stays under 6 ms. Real documents are a few KiB (GraphiQL's
/// introspection query 2); variables, which carry the long texts, are not counted.
pub const MAX_DOCUMENT_BYTES: usize = 32 * 1024;

pub async fn graphql(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    client_ip: Result<ClientIp, axum_client_ip::Rejection>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let started = Instant::now();
    // Behind a proxy, the address its header names; a request without the header came past
    // the proxy, and its TCP peer is the client.
    let ip = client_ip.map_or(peer.ip(), |ClientIp(ip)| ip);
    let mut response = match prepare_and_execute(&state, ip, &headers, body).await {
        Ok(response) => response,
        Err((status, error)) => error_response(status, error),
    };
    if state.sql_stats {
        let timing = format!("app;dur={:.3}", started.elapsed().as_secs_f64() * 1000.0);
        if let Ok(value) = HeaderValue::from_str(&timing) {
            response.headers_mut().insert("server-timing", value);
        }
    }
    response
}

type Refusal = (StatusCode, AppError);

async fn prepare_and_execute(
    state: &AppState,
    ip: IpAddr,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, Refusal> {
    // JSON is read and measured before anything is looked up, so garbage costs no query; an
    // upload (a multipart request) is read only once its sender is known to be signed in
    let pending = match Upload::from(headers)? {
        None => Pending::Admitted(admit_batch(read_batch(headers, body).await?, state)?),
        Some(upload) => Pending::Upload(upload, body),
    };

    // Every statement of this request, the tenant and session lookups included, goes through
    // this handle, so `extensions.sql` counts them all.
    let stats = state.sql_stats.then(|| Arc::new(SqlStats::default()));
    let (mut db, mut requests_db) = (state.db.clone(), state.requests_db.clone());
    if stats.is_some() {
        count_statements(&mut db, stats.clone());
        count_statements(&mut requests_db, stats.clone());
    }

    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let tenant =
        state.directory.resolve(&db, header("host"), header("x-tenant")).await.map_err(|e| (StatusCode::OK, e))?;
    let killed = state.system.kill_switches().await.map_err(|e| (StatusCode::OK, e))?;
    let scope = tenant.as_ref().map(|t| t.scope_under(killed));

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
    let (is_batch, operations, names) = match pending {
        Pending::Admitted(admitted) => admitted,
        Pending::Upload(upload, body) => {
            if viewer.is_none() {
                return Err((StatusCode::OK, AppError::unauthenticated("sign in to upload files")));
            }
            admit_batch(upload.read(body, state.files.max_file_bytes).await?, state)?
        }
    };
    let operations = if must_enrol(scope.as_ref(), viewer.as_ref()) {
        operations.into_iter().map(enrolment_only).collect()
    } else {
        operations
    };

    // From here on the request sees its tenant's rows only (on PostgreSQL, the database sees
    // to it), in one transaction committed below, before the answer leaves.
    let reach = Reach::of(tenant.as_ref().map(|t| t.id), viewer.as_ref());
    let request = RequestContext {
        db: RequestDb::for_request(
            requests_db,
            state.db.clone(),
            reach,
            Some(
                stats.as_ref().map_or_else(|| state.statement_counter.clone(), |s| statement_counter(Some(s.clone()))),
            ),
        ),
        clock: state.clock.clone(),
        tenant: scope,
        viewer,
        client: ClientInfo {
            ip: Some(ip.to_string()),
            user_agent: header(header::USER_AGENT.as_str()).map(str::to_owned),
            host: header("host").map(str::to_owned),
            device: cookie(headers, identity::service::devices::DEVICE_COOKIE).map(str::to_owned),
        },
    };
    let current = CurrentTenant(tenant);
    let mut responses = Vec::with_capacity(operations.len());
    for operation in operations {
        responses.push(match operation {
            Admitted::Run(r) => {
                let r = attach_loaders(*r, &request).data(request.clone()).data(current.clone());
                state.schema.execute(r).await
            }
            Admitted::Refused(refused) => async_graphql::Response::from_errors(vec![refused.into()]),
        });
    }
    if let Err(e) = request.db.finish().await {
        tracing::error!(error = %e, "the request's transaction did not commit");
        return Err((StatusCode::OK, AppError::internal(e)));
    }
    let mut response = match (is_batch, responses.pop()) {
        (false, Some(single)) => BatchResponse::Single(single),
        (_, last) => {
            responses.extend(last);
            BatchResponse::Batch(responses)
        }
    };
    let sql = stats.map(|s| s.json());
    let finish = |r: &mut async_graphql::Response| {
        null_at_error_paths(r);
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
    http.extensions_mut().insert(names);
    if clear_cookie {
        let expired = state.identity.expired_cookie();
        if let Ok(value) = HeaderValue::from_str(&expired) {
            http.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    Ok(http)
}

/// A request's operations once read and measured (whether it was a batch, each operation's
/// verdict, their names for the log).
type AdmittedBatch = (bool, Vec<Admitted>, OperationNames);

enum Pending {
    Admitted(AdmittedBatch),
    Upload(Upload, Body),
}

fn admit_batch(batch: BatchRequest, state: &AppState) -> Result<AdmittedBatch, Refusal> {
    let (is_batch, operations) = match batch {
        BatchRequest::Single(r) => (false, vec![r]),
        BatchRequest::Batch(rs) => (true, rs),
    };
    let (operations, names) = admit(operations, &state.documents, state.introspection)?;
    Ok((is_batch, operations, names))
}

/// A GraphQL multipart request (files with their operations), as its headers announce it.
struct Upload {
    content_type: String,
}

impl Upload {
    /// The upload `headers` announce, if they announce one. A browser form can post multipart
    /// across sites with the user's cookie, so one that relies on the cookie must carry a header
    /// no form can set (`Apollo-Require-Preflight`, as Apollo's clients send); a bearer token is
    /// proof enough (and one with neither is refused as anonymous below).
    fn from(headers: &HeaderMap) -> Result<Option<Upload>, Refusal> {
        let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        if !content_type.to_ascii_lowercase().starts_with("multipart/form-data") {
            return Ok(None);
        }
        let preflighted = headers.contains_key("apollo-require-preflight")
            || !matches!(credentials(headers), Some(Credential::Cookie(_)));
        if !preflighted {
            return Err((
                StatusCode::BAD_REQUEST,
                AppError::bad_input(
                    "Content-Type",
                    "a multipart request signed in by cookie needs the header Apollo-Require-Preflight",
                )
                .with_reason(Reason::UnsupportedMediaType),
            ));
        }
        Ok(Some(Upload { content_type: content_type.to_owned() }))
    }

    /// Reads the parts (`crate::multipart`): each file streams to a temporary file, none
    /// larger than `max_file_bytes`, at most ten; the operations are bounded as JSON's.
    async fn read(self, body: Body, max_file_bytes: u64) -> Result<BatchRequest, Refusal> {
        bounded(crate::multipart::read(&self.content_type, body, max_file_bytes).await?)
    }
}

/// Reads and parses the body: at most 1 MiB of JSON, at most ten operations.
async fn read_batch(headers: &HeaderMap, body: Body) -> Result<BatchRequest, Refusal> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    // JSON only: a browser form cannot send it cross-site, which keeps cookie sessions safe
    // from forged posts.
    if !content_type.to_ascii_lowercase().starts_with("application/json") {
        return Err((
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::bad_input(
                "Content-Type",
                "send the request as application/json (multipart/form-data to upload files)",
            )
            .with_reason(Reason::UnsupportedMediaType),
        ));
    }
    let bytes = to_bytes(body, MAX_BODY_BYTES).await.map_err(|_| {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            AppError::bad_input("body", "the request body exceeds 1 MiB").with_reason(Reason::BodyTooLarge),
        )
    })?;
    let batch: BatchRequest = serde_json::from_slice(&bytes).map_err(|e| {
        (
            StatusCode::BAD_REQUEST,
            AppError::bad_input("body", format!("invalid JSON request: {e}")).with_reason(Reason::InvalidJson),
        )
    })?;
    bounded(batch)
}

/// A batch of one to ten operations.
fn bounded(batch: BatchRequest) -> Result<BatchRequest, Refusal> {
    if let BatchRequest::Batch(operations) = &batch
        && (operations.is_empty() || operations.len() > MAX_BATCH)
    {
        return Err((
            StatusCode::BAD_REQUEST,
            AppError::bad_input("body", format!("a batch holds 1 to {MAX_BATCH} operations"))
                .with_reason(Reason::BatchTooLarge),
        ));
    }
    Ok(batch)
}

pub(crate) enum Credential {
    Bearer(String),
    Cookie(String),
}

pub(crate) fn credentials(headers: &HeaderMap) -> Option<Credential> {
    if let Some(auth) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        let token = auth.strip_prefix("Bearer ").or_else(|| auth.strip_prefix("bearer ")).unwrap_or(auth).trim();
        return Some(Credential::Bearer(token.to_owned()));
    }
    cookie(headers, SESSION_COOKIE).map(|value| Credential::Cookie(value.to_owned()))
}

/// The value of the request's cookie `name`, if it has a non-empty one.
fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, value)| *n == name && !value.is_empty())
        .map(|(_, value)| value)
}

/// Whether the viewer must enrol in two-factor sign-in before anything else: their site requires
/// it (`twoFactorRequired`) and they have not (superadmins excepted: no site governs them).
pub(crate) fn must_enrol(scope: Option<&kernel::TenantScope>, viewer: Option<&Viewer>) -> bool {
    let required = scope.is_some_and(|s| s.features.two_factor_required);
    required && viewer.is_some_and(|v| v.role != Role::Superadmin && !v.two_factor)
}

/// What a user who must enrol may still do.
const ENROLMENT: [&str; 7] = [
    "beginTwoFactorEnrollment",
    "confirmTwoFactorEnrollment",
    "signOut",
    // a "this wasn't me" link opened in a browser that is signed in, but not enrolled
    "reportUnrecognizedSignIn",
    "__typename",
    "__schema",
    "__type",
];

pub(crate) fn enrolment_required() -> AppError {
    AppError::forbidden(
        "this site requires two-factor sign-in: enrol first (beginTwoFactorEnrollment, then confirmTwoFactorEnrollment)",
    )
    .with_reason(Reason::TwoFactorEnrollmentRequired)
}

/// Lets an operation through only if every field it asks of the root is part of enrolment.
fn enrolment_only(admitted: Admitted) -> Admitted {
    let Admitted::Run(mut request) = admitted else { return admitted };
    let allowed = operation_passes(&mut request, |op| {
        op.selection_set.node.items.iter().all(|item| match &item.node {
            async_graphql::parser::types::Selection::Field(field) => ENROLMENT.contains(&field.node.name.node.as_str()),
            _ => false,
        })
    });
    if allowed { Admitted::Run(request) } else { Admitted::Refused(enrolment_required()) }
}

/// Whether the operation a request runs (the one it names, else its first) passes `test`. A
/// document that does not parse, or lacks the operation named, passes: the engine reports it.
pub(crate) fn operation_passes(
    request: &mut async_graphql::Request,
    test: impl Fn(&async_graphql::parser::types::OperationDefinition) -> bool,
) -> bool {
    let name = request.operation_name.clone();
    let Ok(document) = request.parsed_query() else {
        return true;
    };
    let mut operations = document.operations.iter();
    let selected = match &name {
        Some(name) => operations.find(|(n, _)| n.is_some_and(|n| n.as_str() == name)).map(|(_, op)| op),
        None => operations.next().map(|(_, op)| op),
    };
    selected.is_none_or(|op| test(&op.node))
}

/// A suspended tenant's users (and visitors) are refused everything; superadmins are not.
pub(crate) fn refuse_suspended(tenant: Option<&Tenant>, viewer: Option<&Viewer>) -> Result<(), AppError> {
    let suspended = tenant.is_some_and(|t| !t.is_active());
    let superadmin = viewer.is_some_and(|v| v.role == Role::Superadmin);
    if suspended && !superadmin {
        return Err(AppError::forbidden("this site is suspended").with_reason(Reason::TenantSuspended));
    }
    Ok(())
}

/// An operation that may run, or the answer that refuses it.
pub(crate) enum Admitted {
    Run(Box<async_graphql::Request>),
    Refused(AppError),
}

/// Measures every operation before any runs: the document text first (before it is parsed),
/// then each operation's own limits (a refused one answers alone, the others run), then the
/// batch's expanded fields together (over the budget, the whole batch is refused).
/// Introspection, when it is off, is refused with its reason; strings with control characters
/// are refused on their field. A document that does not parse is left to the engine, which
/// reports it. Also names the operations, for the request's log line.
pub(crate) fn admit(
    operations: Vec<async_graphql::Request>,
    documents: &DocumentCache,
    introspection: bool,
) -> Result<(Vec<Admitted>, OperationNames), Refusal> {
    let text: usize = operations.iter().map(|r| r.query.len()).sum();
    if text > MAX_DOCUMENT_BYTES {
        return Err((
            StatusCode::PAYLOAD_TOO_LARGE,
            AppError::bad_input(
                "query",
                format!("the query text is {text} bytes; at most {MAX_DOCUMENT_BYTES} (send long texts as variables)"),
            )
            .with_reason(Reason::DocumentTooLarge),
        ));
    }
    let mut total_fields = 0u64;
    let mut admitted = Vec::with_capacity(operations.len());
    let mut names = Vec::with_capacity(operations.len());
    for mut r in operations {
        let verdict = match documents.check(&r.query) {
            None => Ok(()),
            Some(checked) => {
                names.push(
                    r.operation_name
                        .clone()
                        .or_else(|| checked.only_operation_name.clone())
                        .unwrap_or_else(|| "-".into()),
                );
                let verdict = checked.measure.clone().and_then(|measure| {
                    total_fields = total_fields.saturating_add(measure.fields);
                    if measure.introspection && !introspection {
                        return Err(AppError::forbidden("introspection is turned off on this server")
                            .with_reason(Reason::IntrospectionDisabled));
                    }
                    inputs::check(&r.variables, &checked.document)
                });
                if verdict.is_ok() {
                    r.set_parsed_query(checked.document.clone());
                }
                verdict
            }
        };
        admitted.push(match verdict {
            Ok(()) => Admitted::Run(Box::new(r)),
            Err(refused) => Admitted::Refused(refused),
        });
    }
    if total_fields > LIMITS.max_fields {
        return Err((
            StatusCode::BAD_REQUEST,
            AppError::bad_input(
                "body",
                format!(
                    "the batch's operations select {total_fields} fields together; at most {} are allowed",
                    LIMITS.max_fields
                ),
            )
            .with_reason(Reason::QueryTooLarge),
        ));
    }
    Ok((admitted, OperationNames(names.join(","))))
}
