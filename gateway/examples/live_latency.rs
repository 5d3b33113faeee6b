//! How fast a committed change reaches its subscribers, across gateway replicas: opens S
//! WebSocket connections to the gateways given (alternately), each a different client of the
//! `essays` demo site subscribed to `orderEvents` of one of their orders, then writes E timeline
//! events (`orders::service::lifecycle::record`, as every step of an order does), each in its
//! own committed transaction, to those orders in turn. Prints the latency from each commit to its
//! receipt by the subscriber (p50, p99, max), that every event arrived once, and the gateways'
//! resident memory per open subscription (RSS after the subscriptions less RSS before, from
//! `/proc`), beside the database's own floor: a committed `pg_notify` received by a `LISTEN`
//! connection, at the same pace. `scripts/bench.sh live` starts the gateways.
//!
//!     DATABASE_URL=postgres://... live_latency <ws-url-a,ws-url-b> <pid-a,pid-b> [subscriptions] [events]
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)] // a measuring tool: a failure should stop it loudly

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_graphql::futures_util::{SinkExt, StreamExt};
use kernel::{ClientInfo, RequestContext, SystemClock};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

fn rss_kb(pid: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the gateway runs");
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).expect("VmRSS");
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let urls: Vec<String> = args.next().expect("ws urls").split(',').map(str::to_owned).collect();
    let pids: Vec<String> = args.next().expect("pids").split(',').map(str::to_owned).collect();
    let subscriptions: usize = args.next().map_or(1_000, |n| n.parse().expect("subscriptions: a number"));
    let events: usize = args.next().map_or(2_000, |n| n.parse().expect("events: a number"));
    let db = kernel::db::connect(&std::env::var("DATABASE_URL").expect("DATABASE_URL")).await.unwrap();
    let tenant = tenancy::service::tenants::find_by_slug(&db, "essays").await.unwrap().expect("the demo data");

    // one order of each of S clients, and a session for each client
    use orders::entity::order;
    let mut picked: Vec<order::Model> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for order in
        order::Entity::find().filter(order::Column::TenantId.eq(tenant.id)).limit(50_000).all(&db).await.unwrap()
    {
        if seen.insert(order.client_id) {
            picked.push(order);
        }
        if picked.len() == subscriptions {
            break;
        }
    }
    assert_eq!(picked.len(), subscriptions, "seed more clients (seed-demo --scale)");
    let request = RequestContext {
        db: db.clone().into(),
        clock: Arc::new(SystemClock),
        tenant: Some(tenant.scope()),
        viewer: None,
        client: ClientInfo::default(),
    };
    let mut tokens = Vec::with_capacity(subscriptions);
    let settings = identity::IdentitySettings::default();
    kernel::transaction(&db, async |txn| {
        for o in &picked {
            let user = identity::entity::user::Entity::find_by_id(o.client_id).one(txn).await?.expect("the client");
            tokens.push(identity::service::sessions::start(txn, &request, user, &settings).await?.token);
        }
        Ok(())
    })
    .await
    .unwrap();

    let floor = notify_floor(&db, events.min(2_000)).await;

    let before: u64 = pids.iter().map(|p| rss_kb(p)).sum();
    let received: Arc<Mutex<HashMap<(usize, String), Instant>>> = Arc::default();
    let query = "subscription($id: ID!) { orderEvents(orderId: $id) { kind note at } }";
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<()>(subscriptions);
    for (i, (order, token)) in picked.iter().zip(&tokens).enumerate() {
        let mut request = urls[i % urls.len()].as_str().into_client_request().unwrap();
        request.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().unwrap());
        let (mut socket, _) = tokio_tungstenite::connect_async(request).await.expect("the upgrade");
        let init = json!({ "type": "connection_init", "payload": { "x-tenant": "essays", "authorization": format!("Bearer {token}") } });
        socket.send(Message::text(init.to_string())).await.unwrap();
        let subscribe =
            json!({ "type": "subscribe", "id": "1", "payload": { "query": query, "variables": { "id": order.id } } });
        socket.send(Message::text(subscribe.to_string())).await.unwrap();
        let (received, ready) = (received.clone(), ready_tx.clone());
        tokio::spawn(async move {
            while let Some(Ok(message)) = socket.next().await {
                let Message::Text(text) = message else { continue };
                let value: Value = serde_json::from_str(&text).unwrap();
                match value["type"].as_str() {
                    Some("connection_ack") => ready.send(()).await.unwrap(),
                    Some("next") => {
                        let at = Instant::now();
                        let note = value["payload"]["data"]["orderEvents"]["note"]
                            .as_str()
                            .unwrap_or_else(|| panic!("{value}"));
                        let twice = received.lock().unwrap().insert((i, note.to_owned()), at);
                        assert!(twice.is_none(), "an event arrived twice: {note}");
                    }
                    Some("ping") => socket.send(Message::text(r#"{"type":"pong"}"#)).await.unwrap(),
                    _ => panic!("{value}"),
                }
            }
        });
    }
    for _ in 0..subscriptions {
        ready_rx.recv().await.unwrap();
    }
    // the subscribe messages follow each acknowledgement; give the gateways time to take them
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after: u64 = pids.iter().map(|p| rss_kb(p)).sum();

    let mut committed = HashMap::with_capacity(events);
    let started = Instant::now();
    for n in 0..events {
        let i = n % subscriptions;
        let note = format!("bench {n}");
        let order = &picked[i];
        let key = (i, note.clone());
        kernel::transaction(&db, async |txn| {
            orders::service::lifecycle::record(txn, &request, order, "NOTE", None, None, Some(note)).await
        })
        .await
        .unwrap();
        committed.insert(key, Instant::now());
        // a steady 500 events a second
        let due = started + Duration::from_micros(2_000 * (n as u64 + 1));
        tokio::time::sleep_until(due.into()).await;
    }
    for _ in 0..100 {
        if received.lock().unwrap().len() >= events {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let received = received.lock().unwrap().clone();
    let mut latencies: Vec<Duration> = committed
        .iter()
        .filter_map(|(key, at)| received.get(key).map(|got| got.saturating_duration_since(*at)))
        .collect();
    latencies.sort();
    let lost = events - latencies.len();
    assert!(received.keys().all(|k| committed.contains_key(k)), "an event no one sent");
    println!(
        "subscriptions: {subscriptions} on {} gateways  events: {events} in {:.1} s",
        urls.len(),
        started.elapsed().as_secs_f64()
    );
    println!(
        "commit to subscriber: p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms  received {}  lost {lost}",
        percentile(&latencies, 0.50).as_secs_f64() * 1000.0,
        percentile(&latencies, 0.99).as_secs_f64() * 1000.0,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1000.0,
        latencies.len(),
    );
    println!(
        "gateways' RSS: {:.1} MB before, {:.1} MB with the subscriptions: {:.1} KB per open subscription (its connection included)",
        before as f64 / 1024.0,
        after as f64 / 1024.0,
        (after.saturating_sub(before)) as f64 / subscriptions as f64
    );
    println!(
        "the database's own floor (a committed pg_notify to a LISTEN connection, no gateway): p50 {:.2} ms  p99 {:.2} ms",
        percentile(&floor, 0.50).as_secs_f64() * 1000.0,
        percentile(&floor, 0.99).as_secs_f64() * 1000.0,
    );
    assert_eq!(lost, 0, "every event arrives");
}

/// PostgreSQL's own commit-to-listener latency, the same pace: what no gateway can beat.
async fn notify_floor(db: &sea_orm::DatabaseConnection, n: usize) -> Vec<Duration> {
    use sea_orm::ConnectionTrait;
    let mut listener =
        sea_orm::sqlx::postgres::PgListener::connect_with(db.get_postgres_connection_pool()).await.unwrap();
    listener.listen("bench_floor").await.unwrap();
    let mut latencies = Vec::with_capacity(n);
    let started = Instant::now();
    for i in 0..n {
        let notify = sea_orm::Statement::from_string(
            db.get_database_backend(),
            format!("SELECT pg_notify('bench_floor', '{i}')"),
        );
        kernel::transaction(db, async |txn| Ok(txn.execute_raw(notify).await.map(|_| ())?)).await.unwrap();
        let committed = Instant::now();
        let got = listener.recv().await.unwrap();
        assert_eq!(got.payload(), i.to_string());
        latencies.push(committed.elapsed());
        let due = started + Duration::from_micros(2_000 * (i as u64 + 1));
        tokio::time::sleep_until(due.into()).await;
    }
    latencies.sort();
    latencies
}
