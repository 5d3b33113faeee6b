//! Live events: what GraphQL subscriptions (`/graphql/ws`) hear, on every gateway replica.
//!
//! A context calls [`publish`] in the transaction of the change (a timeline event, a
//! notification). On PostgreSQL that is a `pg_notify`, which the database delivers when, and
//! only if, the transaction commits, to every process listening on the database; each gateway's
//! [`LiveHub`] listens and hands the event to its subscribers. On SQLite (one process) the event
//! waits in the transaction's scope (see [`crate::write::transaction`]) and is handed to the
//! process's hubs after the commit.
//!
//! An event carries ids only (tenant, topic, item). A subscription re-reads the item for its
//! viewer, whose session is checked again at every event, so what reaches a subscriber is what
//! its viewer may read at that moment, never more.

use std::cell::RefCell;
use std::collections::HashMap;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use futures::Stream;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement};
use tokio::sync::{broadcast, mpsc, watch};
use uuid::Uuid;

use crate::{AppError, AppResult, Reason, RequestContext, Viewer};

/// The PostgreSQL channel of live events.
pub const CHANNEL: &str = "scriptorium_live";

/// The most subscriptions one WebSocket connection may hold at once.
pub const MAX_SUBSCRIPTIONS_PER_CONNECTION: usize = 20;

/// Events a subscriber may fall behind by before it is let go (see [`LiveHub::dispatch`]).
const SUBSCRIBER_BUFFER: usize = 64;

/// What an event is about: one order's timeline, one user's notifications, or one writer's
/// requests for orders.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Topic {
    Order(Uuid),
    User(Uuid),
    OrderRequests(Uuid),
    /// One support ticket's messages and steps.
    Ticket(Uuid),
    /// A site's SLA warnings and breaches (the tenant's id), for its agents.
    Sla(Uuid),
}

/// Something happened to `item` (an event, a notification) under `topic`, in `tenant`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LiveEvent {
    pub tenant: Uuid,
    pub topic: Topic,
    pub item: Uuid,
}

impl LiveEvent {
    /// `o:<tenant>:<order>:<item>`, `u:<tenant>:<user>:<item>` or `r:<tenant>:<writer>:<item>` (a
    /// NOTIFY payload).
    fn encode(&self) -> String {
        let (kind, id) = match self.topic {
            Topic::Order(id) => ('o', id),
            Topic::User(id) => ('u', id),
            Topic::OrderRequests(id) => ('r', id),
            Topic::Ticket(id) => ('t', id),
            Topic::Sla(id) => ('s', id),
        };
        format!("{kind}:{}:{id}:{}", self.tenant, self.item)
    }

    fn decode(text: &str) -> Option<LiveEvent> {
        let mut parts = text.split(':');
        let kind = parts.next()?;
        let tenant = parts.next()?.parse().ok()?;
        let id = parts.next()?.parse().ok()?;
        let item = parts.next()?.parse().ok()?;
        let topic = match kind {
            "o" => Topic::Order(id),
            "u" => Topic::User(id),
            "r" => Topic::OrderRequests(id),
            "t" => Topic::Ticket(id),
            "s" => Topic::Sla(id),
            _ => return None,
        };
        parts.next().is_none().then_some(LiveEvent { tenant, topic, item })
    }
}

tokio::task_local! {
    /// The live events of the SQLite write transaction in progress, sent after its commit.
    static PENDING: RefCell<Vec<LiveEvent>>;
}

/// SQLite's committed events, for every hub of this process.
static COMMITTED: LazyLock<broadcast::Sender<LiveEvent>> = LazyLock::new(|| broadcast::channel(4096).0);

/// Publishes `event` in the caller's transaction: delivered to subscribers when it commits,
/// never if it rolls back.
pub async fn publish(conn: &impl ConnectionTrait, event: LiveEvent) -> Result<(), DbErr> {
    match conn.get_database_backend() {
        DbBackend::Postgres => {
            let notify = Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_notify($1, $2)",
                [CHANNEL.into(), event.encode().into()],
            );
            conn.execute_raw(notify).await.map(|_| ())
        }
        _ => {
            // outside a write transaction's scope there is no commit to send it with; every
            // write goes through one (crate::write)
            let kept = PENDING.try_with(|pending| pending.borrow_mut().push(event)).is_ok();
            debug_assert!(kept, "a live event published outside kernel::transaction would be lost");
            if !kept {
                tracing::warn!(?event, "a live event published outside a write transaction is lost");
            }
            Ok(())
        }
    }
}

/// Runs `work` collecting the live events it publishes on SQLite; answers them with its result.
pub(crate) async fn collect<T>(work: impl Future<Output = T>) -> (T, Vec<LiveEvent>) {
    PENDING
        .scope(RefCell::new(Vec::new()), async move {
            let result = work.await;
            let events = PENDING.with(|pending| std::mem::take(&mut *pending.borrow_mut()));
            (result, events)
        })
        .await
}

/// Hands the events of a committed SQLite transaction to this process's hubs.
pub(crate) fn committed(events: Vec<LiveEvent>) {
    for event in events {
        // no hub listening: nobody to tell
        let _ = COMMITTED.send(event);
    }
}

type Subscribers = HashMap<(Uuid, Topic), Vec<(u64, mpsc::Sender<LiveEvent>)>>;

/// One gateway's subscribers by tenant and topic, fed by the database's events (a `LISTEN`
/// connection on PostgreSQL, started with the hub; must be made inside the Tokio runtime).
pub struct LiveHub {
    subscribers: Mutex<Subscribers>,
    next_id: AtomicU64,
    /// Whether the feed is listening (a subscription waits for it, so that nothing committed
    /// after it was answered can be missed).
    listening: watch::Receiver<bool>,
    connections: Mutex<HashMap<Uuid, usize>>,
}

impl LiveHub {
    pub fn new(db: &DatabaseConnection) -> Arc<LiveHub> {
        let (listening_now, listening) = watch::channel(false);
        let hub = Arc::new(LiveHub {
            subscribers: Mutex::default(),
            next_id: AtomicU64::new(1),
            listening,
            connections: Mutex::default(),
        });
        hub.feed(db, listening_now);
        hub
    }

    /// The events of `topic` in `tenant` from now on, until the returned stream is dropped.
    pub async fn subscribe(self: &Arc<Self>, tenant: Uuid, topic: Topic) -> LiveStream {
        let mut listening = self.listening.clone();
        // a feed that cannot listen (the database is down) is not waited for long: the
        // subscription hears what comes once it can
        let _ = tokio::time::timeout(Duration::from_secs(5), listening.wait_for(|on| *on)).await;
        let (sender, receiver) = mpsc::channel(SUBSCRIBER_BUFFER);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.lock().entry((tenant, topic)).or_default().push((id, sender));
        metrics::gauge!("scriptorium_live_subscriptions").increment(1.0);
        LiveStream { hub: self.clone(), key: (tenant, topic), id, receiver }
    }

    /// Counts a connection of `user` while the guard lives; refused past `limit`.
    pub fn connect(self: &Arc<Self>, user: Uuid, limit: usize) -> AppResult<ConnectionGuard> {
        let mut connections = self.connections.lock().unwrap_or_else(|e| e.into_inner());
        let open = connections.entry(user).or_default();
        if *open >= limit {
            return Err(AppError::rate_limited(format!("at most {limit} live connections a user"))
                .with_reason(Reason::TooManyConnections));
        }
        *open += 1;
        metrics::gauge!("scriptorium_live_connections").increment(1.0);
        Ok(ConnectionGuard { hub: self.clone(), user })
    }

    /// How many subscriptions this hub feeds.
    pub fn subscriptions(&self) -> usize {
        self.lock().values().map(Vec::len).sum()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Subscribers> {
        self.subscribers.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Hands `event` to its subscribers. One that has fallen [`SUBSCRIBER_BUFFER`] events behind
    /// is let go: its stream ends (the client sees its subscription complete and reloads), which
    /// is better than a gap it cannot see.
    fn dispatch(&self, event: LiveEvent) {
        let mut subscribers = self.lock();
        let key = (event.tenant, event.topic);
        if let Some(list) = subscribers.get_mut(&key) {
            list.retain(|(_, sender)| match sender.try_send(event) {
                Ok(()) => true,
                Err(_) => {
                    metrics::counter!("scriptorium_live_dropped_total").increment(1);
                    false
                }
            });
            if list.is_empty() {
                subscribers.remove(&key);
            }
        }
    }

    fn feed(self: &Arc<Self>, db: &DatabaseConnection, listening: watch::Sender<bool>) {
        let hub = Arc::downgrade(self);
        match db.get_database_backend() {
            DbBackend::Postgres => {
                let pool = db.get_postgres_connection_pool().clone();
                tokio::spawn(async move {
                    // reconnects after a lost connection (events in between are lost: a client
                    // reloads on reconnect)
                    loop {
                        if hub.strong_count() == 0 {
                            return; // the gateway is gone
                        }
                        let listener = async {
                            let mut listener = sea_orm::sqlx::postgres::PgListener::connect_with(&pool).await?;
                            listener.listen(CHANNEL).await?;
                            Ok::<_, sea_orm::sqlx::Error>(listener)
                        };
                        let mut listener = match listener.await {
                            Ok(listener) => {
                                listening.send_replace(true);
                                listener
                            }
                            Err(e) => {
                                tracing::warn!(error = %e, "cannot listen for live events; trying again");
                                tokio::time::sleep(Duration::from_secs(1)).await;
                                continue;
                            }
                        };
                        loop {
                            match listener.recv().await {
                                Ok(notification) => {
                                    let Some(hub) = hub.upgrade() else { return };
                                    if let Some(event) = LiveEvent::decode(notification.payload()) {
                                        hub.dispatch(event);
                                    }
                                }
                                Err(e) => {
                                    tracing::warn!(error = %e, "live events listener failed; reconnecting");
                                    listening.send_replace(false);
                                    break;
                                }
                            }
                        }
                    }
                });
            }
            _ => {
                let mut committed = COMMITTED.subscribe();
                listening.send_replace(true);
                tokio::spawn(async move {
                    loop {
                        match committed.recv().await {
                            Ok(event) => {
                                let Some(hub) = hub.upgrade() else { return };
                                hub.dispatch(event);
                            }
                            Err(broadcast::error::RecvError::Lagged(n)) => {
                                metrics::counter!("scriptorium_live_dropped_total").increment(n);
                            }
                            Err(broadcast::error::RecvError::Closed) => return,
                        }
                    }
                });
            }
        }
    }
}

/// A subscription's events; dropping it unsubscribes.
pub struct LiveStream {
    hub: Arc<LiveHub>,
    key: (Uuid, Topic),
    id: u64,
    receiver: mpsc::Receiver<LiveEvent>,
}

impl Stream for LiveStream {
    type Item = LiveEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<LiveEvent>> {
        self.receiver.poll_recv(cx)
    }
}

impl Drop for LiveStream {
    fn drop(&mut self) {
        let mut subscribers = self.hub.lock();
        if let Some(list) = subscribers.get_mut(&self.key) {
            list.retain(|(id, _)| *id != self.id);
            if list.is_empty() {
                subscribers.remove(&self.key);
            }
        }
        metrics::gauge!("scriptorium_live_subscriptions").decrement(1.0);
    }
}

/// A user's open connection, counted until dropped.
pub struct ConnectionGuard {
    hub: Arc<LiveHub>,
    user: Uuid,
}

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        let mut connections = self.hub.connections.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(open) = connections.get_mut(&self.user) {
            *open = open.saturating_sub(1);
            if *open == 0 {
                connections.remove(&self.user);
            }
        }
        metrics::gauge!("scriptorium_live_connections").decrement(1.0);
    }
}

/// Checks the connection's session again: the viewer as the session stands now, or why it no
/// longer stands (signed out, expired, the site suspended).
pub type Reauthenticate = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = AppResult<Viewer>> + Send>> + Send + Sync>;

/// What a subscription resolver needs of its WebSocket connection (request data, set by the
/// gateway's `/graphql/ws`).
#[derive(Clone)]
pub struct LiveConnection {
    pub hub: Arc<LiveHub>,
    pub reauthenticate: Reauthenticate,
    /// Subscriptions open on the connection.
    pub open: Arc<AtomicUsize>,
}

/// Counts one subscription of a connection while it lives.
struct OpenSubscription(Arc<AtomicUsize>);

impl Drop for OpenSubscription {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The events of `topic` for a subscription of the request's viewer, subscribed when this
/// answers: each with the request as it stands at that event (the session checked again). A
/// session that no longer stands ends the subscription with its error.
pub async fn events(
    connection: &LiveConnection,
    request: &RequestContext,
    topic: Topic,
) -> AppResult<impl Stream<Item = AppResult<(RequestContext, LiveEvent)>> + use<>> {
    let tenant = request.tenant()?.id;
    request.viewer()?;
    let open = connection.open.fetch_add(1, Ordering::Relaxed);
    let counted = OpenSubscription(connection.open.clone());
    if open >= MAX_SUBSCRIPTIONS_PER_CONNECTION {
        return Err(AppError::rate_limited(format!(
            "at most {MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions a connection"
        ))
        .with_reason(Reason::TooManySubscriptions));
    }
    let stream = connection.hub.subscribe(tenant, topic).await;
    let state = (stream, connection.reauthenticate.clone(), request.clone(), counted, false);
    Ok(futures::stream::unfold(state, |(mut stream, reauthenticate, request, counted, ended)| async move {
        if ended {
            return None;
        }
        let event = futures::StreamExt::next(&mut stream).await?;
        match reauthenticate().await {
            Ok(viewer) => {
                let now = RequestContext { viewer: Some(viewer), ..request.clone() };
                Some((Ok((now, event)), (stream, reauthenticate, request, counted, false)))
            }
            Err(e) => Some((Err(e), (stream, reauthenticate, request, counted, true))),
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_survives_its_payload_and_nothing_else_parses() {
        let event = LiveEvent { tenant: Uuid::now_v7(), topic: Topic::Order(Uuid::now_v7()), item: Uuid::now_v7() };
        assert_eq!(LiveEvent::decode(&event.encode()), Some(event));
        let event = LiveEvent { topic: Topic::User(Uuid::now_v7()), ..event };
        assert_eq!(LiveEvent::decode(&event.encode()), Some(event));
        for bad in ["", "x:1:2:3", &format!("{}:extra", event.encode()), "o:not:a:uuid"] {
            assert_eq!(LiveEvent::decode(bad), None, "{bad}");
        }
    }
}
