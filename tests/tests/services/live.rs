//! Live events leave with their transaction: heard when it commits, never when it rolls back,
//! only by the subscribers of their tenant and topic, and by every hub of the database (each
//! gateway has one).

use std::time::Duration;

use futures::StreamExt;
use kernel::AppError;
use kernel::live::{LiveEvent, LiveHub, LiveStream, Topic, publish};
use uuid::Uuid;

use crate::common::World;

async fn next(stream: &mut LiveStream) -> Option<LiveEvent> {
    tokio::time::timeout(Duration::from_millis(500), stream.next()).await.ok().flatten()
}

#[tokio::test]
async fn an_event_is_heard_when_its_transaction_commits_and_never_when_it_rolls_back() {
    let world = World::new().await;
    let (hub, other_gateway) = (LiveHub::new(&world.db), LiveHub::new(&world.db));
    let (tenant, order) = (Uuid::now_v7(), Uuid::now_v7());
    let mut heard = hub.subscribe(tenant, Topic::Order(order)).await;
    let mut also_heard = other_gateway.subscribe(tenant, Topic::Order(order)).await;
    let mut other_tenant = hub.subscribe(Uuid::now_v7(), Topic::Order(order)).await;
    let mut other_topic = hub.subscribe(tenant, Topic::User(order)).await;
    let event = |item| LiveEvent { tenant, topic: Topic::Order(order), item };

    let (rolled_back, committed) = (Uuid::now_v7(), Uuid::now_v7());
    let failed = kernel::transaction(&world.db, async |txn| {
        publish(txn, event(rolled_back)).await?;
        Err::<(), _>(AppError::conflict("the change fails after publishing"))
    })
    .await;
    assert!(failed.is_err());
    kernel::transaction(&world.db, async |txn| Ok(publish(txn, event(committed)).await?)).await.unwrap();

    assert_eq!(next(&mut heard).await, Some(event(committed)), "the committed one, and it first");
    assert_eq!(next(&mut also_heard).await, Some(event(committed)), "on every gateway");
    assert_eq!(next(&mut heard).await, None, "the rolled-back one never");
    assert_eq!(next(&mut other_tenant).await, None);
    assert_eq!(next(&mut other_topic).await, None);
    assert_eq!(hub.subscriptions(), 3);
    drop(heard);
    assert_eq!(hub.subscriptions(), 2, "a dropped stream unsubscribes");
}
