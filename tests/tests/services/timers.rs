//! The order's timers, run by the worker as the clock moves (never by sleeping): an unanswered
//! offer lapses after the tenant's window (admins told), a submitted order the client leaves
//! alone completes itself after the tenant's days (the writer paid once, as on approval), a
//! missed writer deadline tells the writer and the admins once; a timer whose move was
//! overtaken (the offer answered, the order approved, the work submitted) does nothing.

use std::sync::Arc;

use chrono::Duration;
use jobs::{Worker, WorkerSettings};
use kernel::{AppResult, Clock, RequestContext};
use notifications::Mailer;
use orders::entity::order::{self, OrderStatus};
use orders::service::actions;
use orders::service::lifecycle::OrderAction;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::common::*;

async fn perform(request: &RequestContext, id: Uuid, action: OrderAction) -> AppResult<order::Model> {
    kernel::write(request, async |txn| actions::perform(txn, request, id, action, None).await).await
}

struct Cast {
    client: RequestContext,
    admin: RequestContext,
    writer: RequestContext,
}

impl Cast {
    async fn new(world: &World) -> Cast {
        Cast {
            client: world.as_user("essays", "client@essays.test").await,
            admin: world.as_user("essays", "admin@essays.test").await,
            writer: world.as_user("essays", "writer@essays.test").await,
        }
    }

    /// A paid order offered to the demo writer.
    async fn offered(&self, world: &World) -> order::Model {
        let order = place(&self.client, &world.spec(&self.client, None).await).await.unwrap();
        perform(&self.admin, order.id, OrderAction::MarkPaid).await.unwrap();
        let writer = self.writer.viewer().unwrap().user_id;
        offer(&self.admin, order.id, writer).await.unwrap()
    }
}

fn worker(world: &World) -> Worker {
    let mailer = Mailer::new(None, std::env::temp_dir().join("scriptorium-test-mail")).unwrap();
    Worker::new(
        world.db.clone(),
        Arc::new(world.clock.clone()),
        gateway::worker::registry(mailer.into(), tests::scratch_files()),
        WorkerSettings::default(),
    )
}

async fn drain(worker: &Worker) {
    while worker.poll().await.unwrap().claimed > 0 {}
}

/// The kinds of notification `user` has, sorted.
async fn told(world: &World, user: Uuid) -> Vec<String> {
    let mut kinds: Vec<String> = notifications::entity::notification::Entity::find()
        .filter(notifications::entity::notification::Column::UserId.eq(user))
        .all(&world.db)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.kind.code().to_owned())
        .collect();
    kinds.sort();
    kinds
}

async fn timeline(world: &World, id: Uuid) -> Vec<(String, Option<Uuid>)> {
    let mut events = orders::entity::order_event::Entity::find()
        .filter(orders::entity::order_event::Column::OrderId.eq(id))
        .all(&world.db)
        .await
        .unwrap();
    events.sort_by_key(|e| e.id);
    events.into_iter().map(|e| (e.kind, e.actor_id)).collect()
}

#[tokio::test]
async fn an_unanswered_offer_lapses_after_the_window_and_the_admins_are_told() {
    let world = World::new().await;
    let cast = Cast::new(&world).await;
    let worker = worker(&world);
    let order = cast.offered(&world).await;
    drain(&worker).await;
    world.clock.advance(Duration::hours(23));
    drain(&worker).await;
    assert_eq!(world.order(order.id).await.status, OrderStatus::PendingAcceptance, "not yet");
    world.clock.advance(Duration::hours(1));
    drain(&worker).await;
    let lapsed = world.order(order.id).await;
    assert_eq!((lapsed.status, lapsed.writer_id), (OrderStatus::Available, None));
    assert_eq!(timeline(&world, order.id).await.last().unwrap(), &("OFFER_LAPSED".to_owned(), None), "by the system");
    let admin = cast.admin.viewer().unwrap().user_id;
    assert!(told(&world, admin).await.contains(&"offer_lapsed".to_owned()));

    // an offer answered in time: its timer finds nothing to do
    let answered = cast.offered(&world).await;
    perform(&cast.writer, answered.id, OrderAction::AcceptAssignment).await.unwrap();
    world.clock.advance(Duration::hours(25));
    drain(&worker).await;
    assert_eq!(world.order(answered.id).await.status, OrderStatus::InProgress);
}

#[tokio::test]
async fn a_submitted_order_completes_itself_after_the_days_and_the_writer_is_paid_once() {
    let world = World::new().await;
    let cast = Cast::new(&world).await;
    let worker = worker(&world);
    let order = cast.offered(&world).await;
    perform(&cast.writer, order.id, OrderAction::AcceptAssignment).await.unwrap();
    perform(&cast.writer, order.id, OrderAction::Submit).await.unwrap();
    let writer = cast.writer.viewer().unwrap().user_id;
    let entries = world.count("journal_entries").await;
    world.clock.advance(Duration::days(3) - Duration::minutes(1));
    drain(&worker).await;
    assert_eq!(world.order(order.id).await.status, OrderStatus::Submitted, "not yet");
    world.clock.advance(Duration::minutes(1));
    drain(&worker).await;
    drain(&worker).await;
    let completed = world.order(order.id).await;
    assert_eq!(completed.status, OrderStatus::Completed);
    assert_eq!(completed.completed_at, Some(world.clock.now()));
    assert_eq!(world.count("journal_entries").await, entries + 1, "the writer's earnings, once");
    assert!(world.ledger_mismatches().await.is_empty());
    assert_eq!(timeline(&world, order.id).await.last().unwrap(), &("AUTO_COMPLETE".to_owned(), None));
    assert!(told(&world, writer).await.contains(&"order_completed".to_owned()));
    let client = cast.client.viewer().unwrap().user_id;
    assert!(told(&world, client).await.contains(&"order_completed".to_owned()));

    // approved by the client in time: the timer leaves it alone
    let approved = cast.offered(&world).await;
    perform(&cast.writer, approved.id, OrderAction::AcceptAssignment).await.unwrap();
    perform(&cast.writer, approved.id, OrderAction::Submit).await.unwrap();
    perform(&cast.client, approved.id, OrderAction::Approve).await.unwrap();
    let entries = world.count("journal_entries").await;
    world.clock.advance(Duration::days(4));
    drain(&worker).await;
    assert_eq!(world.count("journal_entries").await, entries, "paid once, on approval");
    assert_eq!(timeline(&world, approved.id).await.last().unwrap().0, "APPROVE");
}

#[tokio::test]
async fn a_missed_writer_deadline_tells_the_writer_and_the_admins_once() {
    let world = World::new().await;
    let cast = Cast::new(&world).await;
    let worker = worker(&world);
    let order = cast.offered(&world).await;
    perform(&cast.writer, order.id, OrderAction::AcceptAssignment).await.unwrap();
    let on_time = cast.offered(&world).await;
    perform(&cast.writer, on_time.id, OrderAction::AcceptAssignment).await.unwrap();
    perform(&cast.writer, on_time.id, OrderAction::Submit).await.unwrap();
    let writer = cast.writer.viewer().unwrap().user_id;
    let admin = cast.admin.viewer().unwrap().user_id;
    drain(&worker).await;
    assert!(!told(&world, writer).await.contains(&"order_late".to_owned()), "not before the deadline");
    world.clock.set(order.writer_deadline + Duration::minutes(1));
    drain(&worker).await;
    world.clock.advance(Duration::hours(2));
    drain(&worker).await;
    let late = |kinds: Vec<String>| kinds.iter().filter(|k| *k == "order_late").count();
    assert_eq!(late(told(&world, writer).await), 1, "one notice, for the order still owed");
    assert_eq!(late(told(&world, admin).await), 1);
}
