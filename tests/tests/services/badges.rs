//! Badges: the hourly job awards what each writer's record earns, once, however often it runs;
//! a record that falls short earns nothing, and a badge belongs to its writer and site.

use std::sync::Arc;

use jobs::{Worker, WorkerSettings};
use kernel::{AppResult, Clock, RequestContext};
use notifications::Mailer;
use orders::entity::order;
use orders::service::actions;
use orders::service::lifecycle::OrderAction;
use uuid::Uuid;
use writers::service::badges;

use crate::common::*;

async fn perform(request: &RequestContext, id: Uuid, action: OrderAction) -> AppResult<order::Model> {
    kernel::write(request, async |txn| actions::perform(txn, request, id, action, None).await).await
}

/// Places an order on `writer`'s site, has them write it and the client approve it; `revised`
/// sends it back once first.
async fn complete(world: &World, writer: &RequestContext, revised: bool) {
    let site = writer.tenant().unwrap().slug.clone();
    let client = world.as_user(&site, &format!("client@{site}.test")).await;
    let admin = world.as_user(&site, &format!("admin@{site}.test")).await;
    let order = place(&client, &world.spec(&client, None).await).await.unwrap();
    perform(&admin, order.id, OrderAction::MarkPaid).await.unwrap();
    let writer_id = writer.viewer().unwrap().user_id;
    offer(&admin, order.id, writer_id).await.unwrap();
    perform(writer, order.id, OrderAction::AcceptAssignment).await.unwrap();
    perform(writer, order.id, OrderAction::Submit).await.unwrap();
    if revised {
        let input = orders::service::revisions::RevisionInput {
            severity: orders::entity::revision_request::RevisionSeverity::Minor,
            reason: "A citation is missing".into(),
            changes: vec![orders::entity::revision_request::RevisionChange {
                section: "References".into(),
                description: "Cite the 2019 survey".into(),
            }],
            deadline: world.clock.now() + chrono::Duration::hours(24),
        };
        kernel::write(&client, async |txn| {
            orders::service::revisions::request_revision(txn, &client, order.id, input).await
        })
        .await
        .unwrap();
        perform(writer, order.id, OrderAction::StartRevision).await.unwrap();
        perform(writer, order.id, OrderAction::Submit).await.unwrap();
    }
    perform(&client, order.id, OrderAction::Approve).await.unwrap();
}

async fn codes(world: &World, writer: &RequestContext) -> Vec<String> {
    let id = writer.viewer().unwrap().user_id;
    let tenant = writer.tenant().unwrap().id;
    let mut codes: Vec<String> = badges::of_writers(&world.db, tenant, &[id])
        .await
        .unwrap()
        .remove(&id)
        .unwrap_or_default()
        .into_iter()
        .map(|a| a.code)
        .collect();
    codes.sort();
    codes
}

#[tokio::test]
async fn the_job_awards_what_a_record_earns_once() {
    let world = World::new().await;
    world.roomy_writer_levels("essays").await;
    let writer = world.as_user("essays", "writer@essays.test").await;
    for _ in 0..10 {
        complete(&world, &writer, false).await;
    }
    // two runs at once: each badge once between them
    let now = world.clock.now();
    let both = race(2, |_| {
        let db = world.db.clone();
        async move { badges::award(&db, now).await.unwrap() }
    })
    .await;
    assert_eq!(both.iter().sum::<u64>(), 4, "{both:?}");
    assert_eq!(codes(&world, &writer).await, ["COMPLETED_10", "FIRST_ORDER", "NO_REVISIONS", "ON_TIME_STREAK"]);
    // the worker runs the periodic job as its period begins: nothing new, nothing twice
    let mailer = Mailer::new(None, std::env::temp_dir().join("scriptorium-test-mail")).unwrap();
    let worker = Worker::new(
        world.db.clone(),
        Arc::new(world.clock.clone()),
        gateway::worker::registry(mailer.into(), tests::scratch_files()),
        WorkerSettings::default(),
    );
    let ran = worker.poll().await.unwrap();
    assert!(ran.claimed >= 1, "the periodic job ran: {ran:?}");
    while worker.poll().await.unwrap().claimed > 0 {}
    assert_eq!(world.count("writer_badges").await, 4);
}

#[tokio::test]
async fn a_record_that_falls_short_earns_only_what_it_reached() {
    let world = World::new().await;
    world.roomy_writer_levels("essays").await;
    let writer = world.as_user("essays", "writer@essays.test").await;
    // ten orders, the last sent back once: no streak without revisions
    for i in 0..10 {
        complete(&world, &writer, i == 9).await;
    }
    let now = world.clock.now();
    assert_eq!(badges::award(&world.db, now).await.unwrap(), 3);
    assert_eq!(codes(&world, &writer).await, ["COMPLETED_10", "FIRST_ORDER", "ON_TIME_STREAK"]);
    // another site's writer earns on their own site's record
    let theirs = world.as_user("papers", "writer@papers.test").await;
    complete(&world, &theirs, false).await;
    assert_eq!(badges::award(&world.db, now).await.unwrap(), 1);
    assert_eq!(codes(&world, &theirs).await, ["FIRST_ORDER"]);
    assert_eq!(codes(&world, &writer).await, ["COMPLETED_10", "FIRST_ORDER", "ON_TIME_STREAK"]);
}
