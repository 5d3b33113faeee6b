//! `GET /graphql/ws`: GraphQL subscriptions over WebSocket (the `graphql-transport-ws` protocol,
//! and the older `graphql-ws`), as async-graphql serves them.
//!
//! The site comes from the upgrade request's `Host` (or `X-Tenant`), or from `x-tenant` in
//! `connection_init`'s payload; the viewer from `authorization` (`Bearer <token>`) in that
//! payload, else the session cookie. GraphiQL sends its Headers tab as that payload. A
//! connection without a valid session is refused: there are no public events. Each operation
//! passes the same checks as over HTTP (size, depth, aliases, fields, strings), and only
//! subscriptions run here (queries and mutations go to `POST /graphql`). Limits: 10 connections a
//! user per gateway, 20 subscriptions a connection (`kernel::live`), 10 seconds to send
//! `connection_init`, and a connection without a subscription for 5 minutes is closed.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use async_graphql::futures_util::stream::{self, BoxStream, StreamExt};
use async_graphql::parser::types::OperationType;
use async_graphql::{Data, Executor, Request, Response};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use axum_client_ip::ClientIp;
use identity::service::sessions;
use kernel::live::{LiveConnection, Reauthenticate};
use kernel::{AppError, ClientInfo, Reason, RequestContext};
use tenancy::graphql::CurrentTenant;

use crate::app::AppState;
use crate::responses::{assign_codes, null_at_error_paths};
use crate::schema::attach_loaders;
use crate::transport::{Admitted, Credential, admit, credentials, refuse_suspended};

/// A user's open connections to one gateway, at most.
pub const MAX_CONNECTIONS_PER_USER: usize = 10;
/// The time a client has to send `connection_init`.
pub const INIT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a connection may hold no subscription before it is closed.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(300);
/// The largest message a client may send (a subscription document and its variables).
const MAX_MESSAGE_BYTES: usize = 64 * 1024;
/// The read buffer of a connection (a larger message still arrives, in several reads).
const READ_BUFFER_BYTES: usize = 4 * 1024;

/// The connection's request, set once `connection_init` is accepted.
struct Session {
    request: RequestContext,
    connection: LiveConnection,
    tenant: CurrentTenant,
}

pub async fn websocket(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    client_ip: Result<ClientIp, axum_client_ip::Rejection>,
    protocol: GraphQLProtocol,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> impl IntoResponse {
    let ip = client_ip.map_or(peer.ip(), |ClientIp(ip)| ip);
    upgrade
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .max_message_size(MAX_MESSAGE_BYTES)
        // tungstenite's defaults (128 KiB each way, allocated per connection) are for bulk
        // transfer; a subscription's messages are small, and a gateway holds thousands
        .read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(0)
        .max_write_buffer_size(MAX_MESSAGE_BYTES * 4)
        .on_upgrade(move |socket| async move {
            let session = Arc::new(OnceLock::new());
            let open = Arc::new(AtomicUsize::new(0));
            let executor = LiveExecutor { state: state.clone(), session: session.clone() };
            let init = {
                let (session, open) = (session.clone(), open.clone());
                move |payload: serde_json::Value| async move {
                    let (guard, accepted) = accept(&state, &headers, ip, &payload, open).await?;
                    let _ = session.set(accepted);
                    // the connection's data lives as long as the connection: so does its count
                    let mut data = Data::default();
                    data.insert(guard);
                    Ok(data)
                }
            };
            let serve = GraphQLWebSocket::new(socket, executor, protocol).on_connection_init(init).serve();
            tokio::select! {
                () = serve => {}
                () = watch(session, open) => {}
            }
        })
}

/// Ends a connection that never sends `connection_init`, or holds no subscription for
/// [`IDLE_TIMEOUT`] (dropping the connection closes it).
async fn watch(session: Arc<OnceLock<Session>>, open: Arc<AtomicUsize>) {
    tokio::time::sleep(INIT_TIMEOUT).await;
    if session.get().is_none() {
        return;
    }
    let mut idle = Duration::ZERO;
    let step = Duration::from_secs(5);
    loop {
        tokio::time::sleep(step).await;
        idle = if open.load(Ordering::Relaxed) == 0 { idle + step } else { Duration::ZERO };
        if idle >= IDLE_TIMEOUT.saturating_sub(INIT_TIMEOUT) {
            return;
        }
    }
}

/// A header-like value of the `connection_init` payload (any case), else of the upgrade request.
fn setting<'a>(payload: &'a serde_json::Value, headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    let from_payload = payload
        .as_object()
        .and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)))
        .and_then(|(_, v)| v.as_str());
    from_payload.or_else(|| headers.get(name).and_then(|v| v.to_str().ok()))
}

/// Checks `connection_init`: the site, a session that stands, the user's connection allowance.
async fn accept(
    state: &Arc<AppState>,
    headers: &HeaderMap,
    ip: std::net::IpAddr,
    payload: &serde_json::Value,
    open: Arc<AtomicUsize>,
) -> async_graphql::Result<(kernel::live::ConnectionGuard, Session)> {
    let db = state.db.clone();
    let tenant =
        state.directory.resolve(&db, setting(payload, headers, "host"), setting(payload, headers, "x-tenant")).await?;
    let scope = tenant.as_ref().map(|t| t.scope());
    let token = match setting(payload, headers, "authorization") {
        Some(auth) => Some(
            auth.strip_prefix("Bearer ").or_else(|| auth.strip_prefix("bearer ")).unwrap_or(auth).trim().to_owned(),
        ),
        None => match credentials(headers) {
            Some(Credential::Bearer(token) | Credential::Cookie(token)) => Some(token),
            None => None,
        },
    };
    let token = token.ok_or_else(|| {
        AppError::unauthenticated("sign in first: send the token as `authorization` in connection_init's payload")
    })?;
    let viewer = sessions::authenticate(&db, &token, scope.as_ref(), state.clock.now()).await?;
    refuse_suspended(tenant.as_deref(), Some(&viewer))?;
    let guard = state.live.connect(viewer.user_id, MAX_CONNECTIONS_PER_USER)?;
    let reauthenticate: Reauthenticate = {
        let (db, clock, scope, token) = (db.clone(), state.clock.clone(), scope.clone(), token.clone());
        Arc::new(move || {
            let (db, clock, scope, token) = (db.clone(), clock.clone(), scope.clone(), token.clone());
            Box::pin(async move { sessions::authenticate(&db, &token, scope.as_ref(), clock.now()).await })
        })
    };
    let request = RequestContext {
        db,
        clock: state.clock.clone(),
        tenant: scope,
        viewer: Some(viewer),
        client: ClientInfo {
            ip: Some(ip.to_string()),
            user_agent: headers.get("user-agent").and_then(|v| v.to_str().ok()).map(str::to_owned),
            host: headers.get("host").and_then(|v| v.to_str().ok()).map(str::to_owned),
        },
    };
    let connection = LiveConnection { hub: state.live.clone(), reauthenticate, open };
    Ok((guard, Session { request, connection, tenant: CurrentTenant(tenant) }))
}

/// Runs the connection's operations as `POST /graphql` would (the same admission, loaders and
/// error codes), subscriptions only.
#[derive(Clone)]
struct LiveExecutor {
    state: Arc<AppState>,
    session: Arc<OnceLock<Session>>,
}

fn refusal(error: AppError) -> BoxStream<'static, Response> {
    let mut response = Response::from_errors(vec![error.into()]);
    assign_codes(&mut response);
    stream::once(async move { response }).boxed()
}

impl Executor for LiveExecutor {
    fn execute(&self, _request: Request) -> impl Future<Output = Response> + Send {
        let mut response = Response::from_errors(vec![subscriptions_only().into()]);
        assign_codes(&mut response);
        std::future::ready(response)
    }

    fn execute_stream(&self, request: Request, session_data: Option<Arc<Data>>) -> BoxStream<'static, Response> {
        let Some(session) = self.session.get() else {
            return refusal(AppError::unauthenticated("the connection is not initialised"));
        };
        let request = match admit(vec![request], &self.state.documents, self.state.introspection) {
            Err((_, error)) => return refusal(error),
            Ok((mut admitted, _)) => match admitted.pop() {
                Some(Admitted::Run(request)) => *request,
                Some(Admitted::Refused(error)) => return refusal(error),
                None => return refusal(AppError::bad_input("query", "no operation")),
            },
        };
        let mut request = request;
        if !is_subscription(&mut request) {
            return refusal(subscriptions_only());
        }
        let request = attach_loaders(request, &session.request)
            .data(session.request.clone())
            .data(session.connection.clone())
            .data(session.tenant.clone());
        let responses = match session_data {
            Some(data) => self.state.schema.execute_stream_with_session_data(request, data).boxed(),
            None => self.state.schema.execute_stream(request).boxed(),
        };
        responses
            .map(|mut response| {
                null_at_error_paths(&mut response);
                assign_codes(&mut response);
                response
            })
            .boxed()
    }
}

fn subscriptions_only() -> AppError {
    AppError::bad_input("query", "only subscriptions run over /graphql/ws; send queries and mutations to POST /graphql")
        .with_reason(Reason::SubscriptionsOnly)
}

/// Whether the operation the request names (or its only one) is a subscription. A document
/// that does not parse is left to the engine, which reports it.
fn is_subscription(request: &mut Request) -> bool {
    let name = request.operation_name.clone();
    let Ok(document) = request.parsed_query() else {
        return true;
    };
    let mut operations = document.operations.iter();
    let selected = match &name {
        Some(name) => operations.find(|(n, _)| n.is_some_and(|n| n.as_str() == name)).map(|(_, op)| op),
        None => operations.next().map(|(_, op)| op),
    };
    selected.is_none_or(|op| op.node.ty == OperationType::Subscription)
}
