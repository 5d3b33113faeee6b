//! Throttling, counted in the database over a window the clock moves (no sleeping): five
//! failed password attempts on an account and the next is `RATE_LIMITED` until fifteen minutes
//! pass; a success is no failure; an address the account signed in from keeps a limit of its
//! own; twenty failures from an address lock the address; twenty sign-ups an hour an address.

use chrono::Duration;
use identity::service::{sessions, throttle, users};
use kernel::{AppResult, ErrorCode, RequestContext};
use uuid::Uuid;

use crate::common::*;

/// `request` as if it came from `ip`.
fn from(request: &RequestContext, ip: &str) -> RequestContext {
    let mut request = request.clone();
    request.client.ip = Some(ip.to_owned());
    request
}

/// The papers demo client: its throttle key and id.
async fn papers_client(world: &World) -> (String, Uuid) {
    let tenant = world.anonymous("papers").await.tenant().unwrap().id;
    let user = users::find_for_sign_in(&world.db, Some(tenant), "client@papers.test").await.unwrap().unwrap();
    (throttle::account_key(Some(tenant), "client@papers.test"), user.id)
}

/// A password attempt that fails (never marked succeeded), as sign-in makes it: on the pool,
/// each statement committed at once so concurrent attempts see it.
async fn fail(world: &World, request: &RequestContext, key: &str, user: Option<Uuid>) -> AppResult<()> {
    throttle::begin(&world.db, request, key, user).await.map(drop)
}

async fn succeed(world: &World, request: &RequestContext, key: &str, user: Option<Uuid>) -> AppResult<()> {
    throttle::begin(&world.db, request, key, user).await?.succeeded(&world.db).await
}

#[tokio::test]
async fn five_failures_lock_an_account_from_everywhere_until_the_window_passes() {
    let world = World::new().await;
    let anyone = world.anonymous("papers").await;
    let (key, user) = papers_client(&world).await;
    let here = from(&anyone, "203.0.113.7");

    for i in 0..5 {
        fail(&world, &here, &key, Some(user)).await.unwrap_or_else(|e| panic!("failure {i} is counted: {e:?}"));
    }
    assert_eq!(world.count("throttle_events").await, 5);
    // the sixth is refused, even with the right password (a success), from anywhere
    for ip in ["203.0.113.7", "198.51.100.1"] {
        let err =
            assert_refused(succeed(&world, &from(&anyone, ip), &key, Some(user)).await, ErrorCode::RateLimited, None);
        assert!(err.message.contains("15 minutes"), "{err:?}");
    }
    assert_eq!(world.count("throttle_events").await, 5, "a refused attempt is not counted");
    // other accounts are not locked with it, even from the same address
    let tenant = anyone.tenant().unwrap().id;
    let admin_key = throttle::account_key(Some(tenant), "admin@papers.test");
    succeed(&world, &here, &admin_key, None).await.unwrap();
    // the same e-mail in another tenant is another account
    let essays = world.anonymous("essays").await.tenant().unwrap().id;
    succeed(&world, &here, &throttle::account_key(Some(essays), "client@papers.test"), None).await.unwrap();

    world.clock.advance(Duration::minutes(14));
    assert_refused(succeed(&world, &here, &key, Some(user)).await, ErrorCode::RateLimited, None);
    world.clock.advance(Duration::minutes(1) + Duration::seconds(1));
    succeed(&world, &here, &key, Some(user)).await.unwrap();
    // and the count starts again
    for _ in 0..5 {
        fail(&world, &here, &key, Some(user)).await.unwrap();
    }
    assert_refused(fail(&world, &here, &key, Some(user)).await, ErrorCode::RateLimited, None);
}

#[tokio::test]
async fn a_success_is_no_failure_and_an_unknown_account_is_throttled_alike() {
    let world = World::new().await;
    let anyone = from(&world.anonymous("papers").await, "203.0.113.8");
    let (key, user) = papers_client(&world).await;

    for _ in 0..4 {
        fail(&world, &anyone, &key, Some(user)).await.unwrap();
    }
    for _ in 0..3 {
        succeed(&world, &anyone, &key, Some(user)).await.unwrap();
    }
    assert_eq!(world.count("throttle_events").await, 4, "successes leave nothing counted");
    fail(&world, &anyone, &key, Some(user)).await.unwrap();
    assert_refused(fail(&world, &anyone, &key, Some(user)).await, ErrorCode::RateLimited, None);

    // no account behind the key: the same answers, so throttling tells no one who exists
    let tenant = anyone.tenant().unwrap().id;
    let ghost = throttle::account_key(Some(tenant), "ghost@papers.test");
    for _ in 0..5 {
        fail(&world, &anyone, &ghost, None).await.unwrap();
    }
    assert_refused(fail(&world, &anyone, &ghost, None).await, ErrorCode::RateLimited, None);
}

#[tokio::test]
async fn an_address_the_account_signed_in_from_keeps_a_limit_of_its_own() {
    let world = World::new().await;
    let anyone = world.anonymous("papers").await;
    let (key, user) = papers_client(&world).await;
    let home = from(&anyone, "192.0.2.77");
    // the client once signed in from home
    let model = users::find(&world.db, user).await.unwrap();
    sessions::start(&world.db, &home, model, &identity::IdentitySettings::default()).await.unwrap();

    // someone elsewhere fails five times on purpose
    let attacker = from(&anyone, "198.51.100.66");
    for _ in 0..5 {
        fail(&world, &attacker, &key, Some(user)).await.unwrap();
    }
    assert_refused(fail(&world, &attacker, &key, Some(user)).await, ErrorCode::RateLimited, None);
    // the client at home is not locked out ...
    succeed(&world, &home, &key, Some(user)).await.unwrap();
    // ... but home has five failures of its own, then it is locked too
    for _ in 0..5 {
        fail(&world, &home, &key, Some(user)).await.unwrap();
    }
    assert_refused(succeed(&world, &home, &key, Some(user)).await, ErrorCode::RateLimited, None);
    // an attempt whose account is not known gets no such exception
    assert_refused(fail(&world, &home, &key, None).await, ErrorCode::RateLimited, None);
}

#[tokio::test]
async fn twenty_failures_from_one_address_lock_that_address() {
    let world = World::new().await;
    let anyone = world.anonymous("essays").await;
    let tenant = anyone.tenant().unwrap().id;
    let guesser = from(&anyone, "192.0.2.50");
    for i in 0..20 {
        let key = throttle::account_key(Some(tenant), &format!("guess{}@essays.test", i % 4));
        fail(&world, &guesser, &key, None).await.unwrap_or_else(|e| panic!("attempt {i}: {e:?}"));
    }
    let admin = throttle::account_key(Some(tenant), "admin@essays.test");
    assert_refused(succeed(&world, &guesser, &admin, None).await, ErrorCode::RateLimited, None);
    // another address is not locked
    succeed(&world, &from(&anyone, "192.0.2.51"), &admin, None).await.unwrap();
    assert_eq!(world.count("throttle_events").await, 20);
    world.clock.advance(Duration::minutes(15) + Duration::seconds(1));
    succeed(&world, &guesser, &admin, None).await.unwrap();
}

#[tokio::test]
async fn twenty_sign_ups_an_hour_from_one_address() {
    let world = World::new().await;
    let anyone = world.anonymous("essays").await;
    let tenant = anyone.tenant().unwrap().id;
    let busy = from(&anyone, "192.0.2.60");
    for i in 0..20 {
        throttle::sign_up(&world.db, &busy, tenant).await.unwrap_or_else(|e| panic!("sign-up {i}: {e:?}"));
    }
    let err = assert_refused(throttle::sign_up(&world.db, &busy, tenant).await, ErrorCode::RateLimited, None);
    assert!(err.message.contains("60 minutes"), "{err:?}");
    assert_eq!(world.count("throttle_events").await, 20, "the refused sign-up is not counted");
    // another address may still sign up; the busy one is refused on every tenant's page
    throttle::sign_up(&world.db, &from(&anyone, "192.0.2.61"), tenant).await.unwrap();
    let papers = world.anonymous("papers").await.tenant().unwrap().id;
    assert_refused(throttle::sign_up(&world.db, &busy, papers).await, ErrorCode::RateLimited, None);

    world.clock.advance(Duration::minutes(59));
    assert_refused(throttle::sign_up(&world.db, &busy, tenant).await, ErrorCode::RateLimited, None);
    world.clock.advance(Duration::minutes(1) + Duration::seconds(1));
    throttle::sign_up(&world.db, &busy, tenant).await.unwrap();
}
