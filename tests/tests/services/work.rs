//! The gate every way of getting work passes, under concurrency: however the hand-overs to one
//! writer race (takes from the pool, approvals of their requests, their preferred orders), they
//! get no more orders than their free slots; however many writers race for one order, it has
//! one writer.

use async_graphql::ID;
use kernel::{AppResult, ErrorCode, Reason, RequestContext, Role};
use orders::entity::order::{self, OrderStatus};
use orders::service::lifecycle::OrderAction;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;
use writers::service::levels::{self, RuleFields};
use writers::service::{requests, work};

use crate::common::*;

async fn mark_paid(admin: &RequestContext, id: Uuid) {
    kernel::write(admin, async |txn| {
        orders::service::actions::perform(txn, admin, id, OrderAction::MarkPaid, None).await
    })
    .await
    .unwrap();
}

/// A paid order of the demo client, waiting for `preferred` when given.
async fn paid_order(world: &World, client: &RequestContext, admin: &RequestContext, preferred: Option<Uuid>) -> Uuid {
    let mut spec = world.spec(client, None).await;
    spec.preferred_writer_id = preferred.map(|w| ID(w.to_string()));
    let order = place(client, &spec).await.unwrap();
    mark_paid(admin, order.id).await;
    order.id
}

/// Sets the rules of the writers' level (every writer here is at the tenant's first level).
async fn level_rules(admin: &RequestContext, writer: &RequestContext, f: RuleFields) {
    let level = writers::service::profiles::get(&writer.db, writer, None).await.unwrap().level_id.unwrap();
    kernel::write(admin, async |txn| levels::update(txn, admin, level, f).await).await.unwrap();
}

async fn take(writer: &RequestContext, order: Uuid) -> AppResult<Uuid> {
    Ok(kernel::write(writer, async |txn| work::take(txn, writer, order).await).await?.id())
}

async fn held_by(world: &World, writer: Uuid) -> u64 {
    order::Entity::find().filter(order::Column::WriterId.eq(writer)).count(&world.db).await.unwrap()
}

#[tokio::test]
async fn twenty_racing_hand_overs_to_a_writer_with_three_free_slots_give_three() {
    let world = World::new().await;
    let client = world.as_user("essays", "client@essays.test").await;
    let admin = world.as_user("essays", "admin@essays.test").await;
    let writer = world.as_user("essays", "writer@essays.test").await;
    let writer_id = writer.viewer().unwrap().user_id;
    let rules = RuleFields {
        max_active_orders: Some(3),
        may_take_directly: Some(true),
        max_open_requests: Some(10),
        ..Default::default()
    };
    level_rules(&admin, &writer, rules).await;

    // seven orders of the pool to take, seven the writer asked for, six waiting for them
    let mut pool = Vec::new();
    let mut asked = Vec::new();
    let mut preferred = Vec::new();
    for i in 0..20 {
        match i % 3 {
            0 if preferred.len() < 6 => preferred.push(paid_order(&world, &client, &admin, Some(writer_id)).await),
            1 => {
                let order = paid_order(&world, &client, &admin, None).await;
                let request =
                    kernel::write(&writer, async |txn| requests::request(txn, &writer, order, "").await).await.unwrap();
                asked.push(request.id);
            }
            _ => pool.push(paid_order(&world, &client, &admin, None).await),
        }
    }
    assert_eq!((pool.len(), asked.len(), preferred.len()), (7, 7, 6));
    for id in &preferred {
        assert_eq!(world.order(*id).await.status, OrderStatus::PendingPreferred);
    }

    let results = race(20, |i| {
        let (writer, admin) = (writer.clone(), admin.clone());
        let (pool, asked, preferred) = (pool.clone(), asked.clone(), preferred.clone());
        async move {
            match i {
                0..7 => take(&writer, pool[i]).await,
                7..14 => {
                    let id = asked[i - 7];
                    kernel::write(&admin, async |txn| requests::approve(txn, &admin, id).await)
                        .await
                        .map(|(r, _)| r.order_id)
                }
                _ => take(&writer, preferred[i - 14]).await,
            }
        }
    })
    .await;
    assert_eq!(successes(&results), 3, "{:?}", outcomes(&results));
    for failed in results.iter().filter_map(|r| r.as_ref().err()) {
        assert_eq!((failed.code, failed.reason), (ErrorCode::Conflict, Some(Reason::CapacityFull)), "{failed:?}");
    }
    assert_eq!(held_by(&world, writer_id).await, 3);
}

#[tokio::test]
async fn one_order_taken_by_twenty_writers_at_once_has_one_writer() {
    let world = World::new().await;
    let client = world.as_user("essays", "client@essays.test").await;
    let admin = world.as_user("essays", "admin@essays.test").await;
    let mut writers = Vec::new();
    for i in 0..20 {
        writers.push(world.new_user("essays", &format!("racer{i}@essays.test"), Role::Writer).await);
    }
    level_rules(&admin, &writers[0], RuleFields { may_take_directly: Some(true), ..Default::default() }).await;
    let order = paid_order(&world, &client, &admin, None).await;

    let results = race(20, |i| {
        let writer = writers[i].clone();
        async move { take(&writer, order).await }
    })
    .await;
    assert_eq!(successes(&results), 1, "{:?}", outcomes(&results));
    for failed in results.iter().filter_map(|r| r.as_ref().err()) {
        assert_eq!(failed.code, ErrorCode::Conflict, "{failed:?}");
    }
    let taken = world.order(order).await;
    assert_eq!(taken.status, OrderStatus::InProgress);
    let winner = writers.iter().position(|w| Some(w.viewer().unwrap().user_id) == taken.writer_id);
    assert!(winner.is_some_and(|i| results[i].is_ok()), "the writer on the order is the one whose take succeeded");
}
