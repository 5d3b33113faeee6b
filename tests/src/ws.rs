//! A `graphql-transport-ws` client for tests (as GraphiQL's graphql-ws speaks it), over
//! tokio-tungstenite.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub struct WsClient {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// How a connection ended before it was acknowledged.
#[derive(Debug)]
pub struct Refused {
    pub code: Option<u16>,
    pub reason: String,
}

impl WsClient {
    /// Opens a socket to `/graphql/ws` of the server at `addr`, and says nothing.
    pub async fn open(addr: std::net::SocketAddr) -> WsClient {
        WsClient::open_with(addr, &[]).await
    }

    /// `open`, with these headers on the upgrade request (`cookie`, `origin`...).
    pub async fn open_with(addr: std::net::SocketAddr, headers: &[(&'static str, &str)]) -> WsClient {
        let mut request = format!("ws://{addr}/graphql/ws").into_client_request().unwrap();
        request.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().unwrap());
        for (name, value) in headers {
            request.headers_mut().insert(*name, value.parse().unwrap());
        }
        let (socket, _) = tokio_tungstenite::connect_async(request).await.expect("the upgrade");
        WsClient { socket }
    }

    /// Sends `connection_init` with `payload` on an opened socket; answers once acknowledged.
    pub async fn init(mut self, payload: Value) -> Result<WsClient, Refused> {
        self.send(json!({ "type": "connection_init", "payload": payload })).await;
        match self.message(Duration::from_secs(5)).await {
            Ok(ack) if ack["type"] == "connection_ack" => Ok(self),
            Ok(other) => Err(Refused { code: None, reason: other.to_string() }),
            Err(refused) => Err(refused),
        }
    }

    /// Connects to `/graphql/ws` of the server at `addr` and sends `connection_init` with
    /// `payload`; answers once the server acknowledges it.
    pub async fn connect(addr: std::net::SocketAddr, payload: Value) -> Result<WsClient, Refused> {
        WsClient::open(addr).await.init(payload).await
    }

    /// `connect` under a site, with a session token.
    pub async fn signed_in(addr: std::net::SocketAddr, tenant: &str, token: &str) -> WsClient {
        WsClient::connect(addr, json!({ "x-tenant": tenant, "authorization": format!("Bearer {token}") }))
            .await
            .unwrap_or_else(|e| panic!("{e:?}"))
    }

    async fn send(&mut self, message: Value) {
        self.socket.send(Message::text(message.to_string())).await.expect("the socket is open");
    }

    /// Starts operation `id`.
    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        self.send(json!({ "type": "subscribe", "id": id, "payload": { "query": query, "variables": variables } }))
            .await;
    }

    /// Stops operation `id`.
    pub async fn complete(&mut self, id: &str) {
        self.send(json!({ "type": "complete", "id": id })).await;
    }

    /// The next protocol message (answering pings), or how the connection closed.
    pub async fn message(&mut self, within: Duration) -> Result<Value, Refused> {
        loop {
            let next = tokio::time::timeout(within, self.socket.next())
                .await
                .map_err(|_| Refused { code: None, reason: "nothing arrived in time".into() })?;
            match next {
                Some(Ok(Message::Text(text))) => {
                    let value: Value = serde_json::from_str(&text).expect("JSON");
                    if value["type"] == "ping" {
                        self.send(json!({ "type": "pong" })).await;
                        continue;
                    }
                    return Ok(value);
                }
                Some(Ok(Message::Close(frame))) => {
                    return Err(Refused {
                        code: frame.as_ref().map(|f| u16::from(f.code)),
                        reason: frame.map(|f| f.reason.to_string()).unwrap_or_default(),
                    });
                }
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(Refused { code: None, reason: e.to_string() }),
                None => return Err(Refused { code: None, reason: "closed".into() }),
            }
        }
    }

    /// The next message, which must be one (within 5 seconds).
    pub async fn expect(&mut self) -> Value {
        self.message(Duration::from_secs(5)).await.unwrap_or_else(|e| panic!("{e:?}"))
    }

    /// Nothing arrives within `within`.
    pub async fn expect_silence(&mut self, within: Duration) {
        if let Ok(message) = self.message(within).await {
            panic!("expected nothing, got {message}");
        }
    }
}
