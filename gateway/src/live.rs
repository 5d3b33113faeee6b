//! `GET /graphql/ws`: GraphQL subscriptions over WebSocket (the `graphql-transport-ws` protocol,
//! and the older `graphql-ws`), as async-graphql serves them.
//!
//! The site comes from the upgrade request's `Host`, or from `x-tenant` in `connection_init`'s
//! payload (or header); the viewer from `authorization` (`Bearer <token>`) in that payload, else
//! the session cookie, which is taken only from the site's own pages (`Origin` is the `Host`).
//! GraphiQL sends its Headers tab as that payload. A connection without a valid session is
//! refused: there are no public events. Each operation passes the same checks as over HTTP
//! (size, depth, aliases, fields, strings), and only subscriptions run here (queries and
//! mutations go to `POST /graphql`). Limits: 10 connections a user per gateway, 20 subscriptions
//! a connection (`kernel::live`), 10 seconds to send `connection_init` (then close 4408), 64 KiB
//! a message; the session and the site are checked again every minute and at every event (close
//! 4403 when they no longer stand); a graphql-transport-ws client is pinged every 30 seconds
//! and closed after 75 silent ones; a connection without a subscription for 5 minutes is closed.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use async_graphql::futures_util::SinkExt;
use async_graphql::futures_util::stream::{self, BoxStream, StreamExt};
use async_graphql::http::{WebSocketProtocols as Protocols, WsMessage};
use async_graphql::parser::types::OperationType;
use async_graphql::{Data, Executor, Request, Response};
use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response as HttpResponse};
use axum_client_ip::ClientIp;
use identity::service::sessions;
use kernel::live::{LiveConnection, Reauthenticate};
use kernel::{AppError, ClientInfo, Reason, RequestContext};
use tenancy::graphql::CurrentTenant;

use crate::app::AppState;
use crate::responses::{assign_codes, null_at_error_paths};
use crate::schema::attach_loaders;
use crate::transport::{
    Admitted, Credential, admit, credentials, enrolment_required, must_enrol, operation_passes, refuse_suspended,
};

/// A user's open connections to one gateway, at most.
pub const MAX_CONNECTIONS_PER_USER: usize = 10;
/// The time a client has to send `connection_init`.
pub const INIT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a connection may hold no subscription before it is closed.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(300);
/// How often the session of a connection is checked again (and its idleness), events or not.
const CHECK_EVERY: Duration = Duration::from_secs(60);
/// How often the server pings a graphql-transport-ws client ...
const PING_EVERY: Duration = Duration::from_secs(30);
/// ... which is closed when nothing (not even a pong) came from it for this long: a client
/// that went away without closing (a laptop shut, a network gone) frees its place.
const PONG_TIMEOUT: Duration = Duration::from_secs(75);
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
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> HttpResponse {
    let ip = client_ip.map_or(peer.ip(), |ClientIp(ip)| ip);
    // the sub-protocol the client asks for (graphql-transport-ws, or the older graphql-ws)
    let protocol = headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .and_then(|list| list.split(',').find_map(|p| p.trim().parse::<Protocols>().ok()));
    let Some(protocol) = protocol else {
        return (StatusCode::BAD_REQUEST, "Sec-WebSocket-Protocol: graphql-transport-ws (or graphql-ws)")
            .into_response();
    };
    upgrade
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .max_message_size(MAX_MESSAGE_BYTES)
        .max_frame_size(MAX_MESSAGE_BYTES)
        // tungstenite's defaults (128 KiB each way, allocated per connection) are for bulk
        // transfer; a subscription's messages are small, and a gateway holds thousands
        .read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(0)
        .max_write_buffer_size(MAX_MESSAGE_BYTES * 4)
        .on_upgrade(move |socket| serve(state, headers, ip, protocol, socket))
        .into_response()
}

/// Runs one connection: async-graphql's protocol machine, with this server's timeouts, pings
/// and session checks around it.
async fn serve(state: Arc<AppState>, headers: HeaderMap, ip: std::net::IpAddr, protocol: Protocols, socket: WebSocket) {
    let session: Arc<OnceLock<Session>> = Arc::new(OnceLock::new());
    let open = Arc::new(AtomicUsize::new(0));
    let executor = LiveExecutor { state: state.clone(), session: session.clone() };
    let init = {
        let (session, open, state) = (session.clone(), open.clone(), state.clone());
        move |payload: serde_json::Value| async move {
            let (guard, accepted) = accept(&state, &headers, ip, &payload, open).await?;
            let _ = session.set(accepted);
            // the connection's data lives as long as the connection: so does its count
            let mut data = Data::default();
            data.insert(guard);
            Ok(data)
        }
    };
    let (mut sink, input) = socket.split();
    let input = input.take_while(|message| std::future::ready(message.is_ok())).filter_map(|message| {
        std::future::ready(match message {
            Ok(Message::Text(text)) => Some(Bytes::from(text)),
            Ok(Message::Binary(bytes)) => Some(bytes),
            _ => None,
        })
    });
    let machine = async_graphql::http::WebSocket::new(executor, input, protocol)
        .on_connection_init(init)
        // any message from the client (its pongs included) resets it
        .keepalive_timeout(PONG_TIMEOUT);
    let mut machine = std::pin::pin!(machine);
    let init_deadline = tokio::time::sleep(INIT_TIMEOUT);
    let mut init_deadline = std::pin::pin!(init_deadline);
    let mut ping = tokio::time::interval(PING_EVERY);
    let mut check = tokio::time::interval(CHECK_EVERY);
    let mut idle = Duration::ZERO;
    let close = |code: u16, reason: &'static str| Message::Close(Some(CloseFrame { code, reason: reason.into() }));
    loop {
        let outgoing = tokio::select! {
            message = machine.next() => match message {
                Some(WsMessage::Text(text)) => Message::Text(text.into()),
                Some(WsMessage::Close(code, reason)) => Message::Close(Some(CloseFrame { code, reason: reason.into() })),
                None => break,
            },
            () = &mut init_deadline, if session.get().is_none() => close(4408, "Connection initialisation timeout"),
            _ = ping.tick(), if session.get().is_some() && protocol == Protocols::GraphQLWS => {
                Message::Text(r#"{"type":"ping"}"#.into())
            }
            _ = check.tick(), if session.get().is_some() => {
                idle = if open.load(Ordering::Relaxed) == 0 { idle + CHECK_EVERY } else { Duration::ZERO };
                let standing = match session.get() {
                    Some(s) => (s.connection.reauthenticate)().await.is_ok(),
                    None => true,
                };
                if !standing {
                    close(4403, "Forbidden: the session has ended")
                } else if idle >= IDLE_TIMEOUT {
                    close(1000, "idle: no subscription")
                } else {
                    continue;
                }
            }
        };
        let closing = matches!(outgoing, Message::Close(_));
        if sink.send(outgoing).await.is_err() || closing {
            break;
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

/// Whether the upgrade came from a page of the server it is addressed to (`Origin`'s host is
/// the request's `Host`): a session cookie is taken only then, so that another site (a sibling
/// subdomain included) cannot open a connection with a visitor's cookie.
fn same_origin(headers: &HeaderMap) -> bool {
    let value = |name| headers.get(name).and_then(|v: &axum::http::HeaderValue| v.to_str().ok());
    let origin_host = value("origin").and_then(|o| o.split_once("://")).map(|(_, rest)| rest.trim_end_matches('/'));
    matches!((origin_host, value("host")), (Some(origin), Some(host)) if origin.eq_ignore_ascii_case(host))
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
    // the site: the upgrade's Host, or the site the client names (as X-Tenant over HTTP)
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let slug = setting(payload, headers, "x-tenant").map(str::to_owned);
    let tenant = state.directory.resolve(&db, host.as_deref(), slug.as_deref()).await?;
    let killed = state.system.kill_switches().await?;
    let scope = tenant.as_ref().map(|t| t.scope_under(killed));
    let token = match setting(payload, headers, "authorization") {
        Some(auth) => Some(
            auth.strip_prefix("Bearer ").or_else(|| auth.strip_prefix("bearer ")).unwrap_or(auth).trim().to_owned(),
        ),
        None => match credentials(headers) {
            Some(Credential::Bearer(token)) => Some(token),
            Some(Credential::Cookie(token)) if same_origin(headers) => Some(token),
            Some(Credential::Cookie(_)) => {
                return Err(AppError::forbidden(
                    "a session cookie is taken only from this site's own pages; send the token as `authorization`",
                )
                .into());
            }
            None => None,
        },
    };
    let token = token.ok_or_else(|| {
        AppError::unauthenticated("sign in first: send the token as `authorization` in connection_init's payload")
    })?;
    let viewer = sessions::authenticate(&db, &token, scope.as_ref(), state.clock.now()).await?;
    refuse_suspended(tenant.as_deref(), Some(&viewer))?;
    if must_enrol(scope.as_ref(), Some(&viewer)) {
        return Err(enrolment_required().into());
    }
    let guard = state.live.connect(viewer.user_id, MAX_CONNECTIONS_PER_USER)?;
    let reauthenticate = reauthenticator(state.clone(), token, host, slug);
    // a connection has no end to commit at: each statement is scoped on its own
    let reach = kernel::Reach::of(scope.as_ref().map(|s| s.id), Some(&viewer));
    let request = RequestContext {
        db: kernel::RequestDb::for_connection(state.requests_db.clone(), reach),
        clock: state.clock.clone(),
        tenant: scope,
        viewer: Some(viewer),
        client: ClientInfo {
            ip: Some(ip.to_string()),
            user_agent: headers.get("user-agent").and_then(|v| v.to_str().ok()).map(str::to_owned),
            host: headers.get("host").and_then(|v| v.to_str().ok()).map(str::to_owned),
            device: None,
        },
    };
    let connection = LiveConnection { hub: state.live.clone(), reauthenticate, open };
    Ok((guard, Session { request, connection, tenant: CurrentTenant(tenant) }))
}

/// When the last check of a connection's session began, and what it found.
type LastCheck = (Instant, kernel::AppResult<kernel::Viewer>);

/// The connection's session checked again, as at `connection_init`: the session stands and the
/// site is not suspended. A check answers only for callers that asked before it began: when an
/// event reaches all of a connection's subscriptions at once they share one check, yet no event
/// is ever let through on a check made before it arrived.
fn reauthenticate_fn(
    state: Arc<AppState>,
    token: String,
    host: Option<String>,
    slug: Option<String>,
) -> impl Fn() -> std::pin::Pin<Box<dyn Future<Output = kernel::AppResult<kernel::Viewer>> + Send>> + Send + Sync {
    let last: Arc<tokio::sync::Mutex<Option<LastCheck>>> = Arc::default();
    move || {
        let asked = Instant::now();
        let (state, token, host, slug, last) = (state.clone(), token.clone(), host.clone(), slug.clone(), last.clone());
        Box::pin(async move {
            let mut last = last.lock().await;
            if let Some((began, result)) = last.as_ref()
                && *began >= asked
            {
                return result.clone();
            }
            let began = Instant::now();
            let check = async {
                let tenant = state.directory.resolve(&state.db, host.as_deref(), slug.as_deref()).await?;
                let scope = tenant.as_ref().map(|t| t.scope());
                let viewer = sessions::authenticate(&state.db, &token, scope.as_ref(), state.clock.now()).await?;
                refuse_suspended(tenant.as_deref(), Some(&viewer))?;
                // an admin's reset, or the site starting to require it, ends the connection too
                if must_enrol(scope.as_ref(), Some(&viewer)) {
                    return Err(enrolment_required());
                }
                Ok(viewer)
            };
            let result = check.await;
            *last = Some((began, result.clone()));
            result
        })
    }
}

fn reauthenticator(state: Arc<AppState>, token: String, host: Option<String>, slug: Option<String>) -> Reauthenticate {
    Arc::new(reauthenticate_fn(state, token, host, slug))
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
    operation_passes(request, |op| op.ty == OperationType::Subscription)
}
