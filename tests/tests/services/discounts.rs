//! Discount redemption: a code limited to N uses is redeemed N times and then refused, even by
//! placements that race for it or that checked it before it ran out; a per-client limit holds
//! per client; a refused placement writes nothing; a code is its own tenant's.

use billing::entity::discount;
use billing::service::discounts::{self, DiscountFields, DiscountKind};
use kernel::{AppResult, Clock, ErrorCode, Money, Reason, RequestContext};
use sea_orm::EntityTrait;
use uuid::Uuid;

use crate::common::*;

/// What a placement writes.
const PLACEMENT: [&str; 4] = ["orders", "order_lines", "order_events", "discount_usages"];

/// A code taking 1.00 off, usable `max_uses` times in all and `per_client` times by a client.
async fn create_code(admin: &RequestContext, code: &str, max_uses: Option<i32>, per_client: Option<i32>) -> Uuid {
    let fields = DiscountFields {
        code: code.to_owned(),
        kind: DiscountKind::Fixed,
        percent: None,
        amount: Some(Money(100)),
        starts_at: None,
        ends_at: None,
        max_uses,
        max_uses_per_client: per_client,
        first_order_only: false,
        min_order: None,
        max_discount: None,
    };
    kernel::write(admin, async |txn| discounts::create(txn, admin, fields).await).await.unwrap().id
}

async fn uses(world: &World, id: Uuid) -> i32 {
    discount::Entity::find_by_id(id).one(&world.db).await.unwrap().unwrap().uses
}

/// Places the worked example with `code` and checks, when it is placed, that the code took
/// its 1.00 off.
async fn place_with(world: &World, client: &RequestContext, code: &str) -> AppResult<Uuid> {
    let order = place(client, &world.spec(client, Some(code)).await).await?;
    assert_eq!(order.total_minor, EXAMPLE_TOTAL - 100, "the code took 1.00 off");
    Ok(order.id)
}

#[tokio::test]
async fn a_code_limited_to_n_uses_is_redeemed_n_times_and_then_refused_without_writing() {
    const N: i32 = 3;
    let world = World::new().await;
    let admin = world.as_user("essays", "admin@essays.test").await;
    let client = world.as_user("essays", "client@essays.test").await;
    let code = create_code(&admin, "THRICE", Some(N), None).await;

    for i in 0..N {
        place_with(&world, &client, "thrice").await.unwrap_or_else(|e| panic!("use {i}: {e:?}"));
    }
    assert_eq!(uses(&world, code).await, N);
    let before = world.counts(&PLACEMENT).await;
    let err =
        assert_refused(place_with(&world, &client, "THRICE").await, ErrorCode::BadUserInput, Some(Reason::UsageLimit));
    assert_eq!(err.field.as_deref(), Some("discountCode"));
    assert_eq!(world.counts(&PLACEMENT).await, before, "the refused placement left no order, line, event or use");
    assert_eq!(uses(&world, code).await, N);

    // The database guard itself: a redemption that checked the code while a use was left, and
    // redeems after another placement took it, is refused and counts nothing.
    let once = create_code(&admin, "ONCE", Some(1), None).await;
    let tenant = client.tenant().unwrap().id;
    let checked = discounts::evaluate(&world.db, tenant, "once", world.clock.now(), None).await.unwrap();
    place_with(&world, &client, "ONCE").await.unwrap();
    let late = place(&client, &world.spec(&client, None).await).await.unwrap();
    let before = world.counts(&PLACEMENT).await;
    let (user, now) = (client.viewer().unwrap().user_id, world.clock.now());
    let redeemed =
        kernel::write(&client, async |txn| discounts::redeem(txn, &checked, user, late.id, Money(100), now).await)
            .await;
    assert_refused(redeemed, ErrorCode::BadUserInput, Some(Reason::UsageLimit));
    assert_eq!(world.counts(&PLACEMENT).await, before);
    assert_eq!(uses(&world, once).await, 1);
}

#[tokio::test]
async fn a_per_client_limit_counts_each_client_alone_and_a_code_is_its_tenants_own() {
    let world = World::new().await;
    let admin = world.as_user("essays", "admin@essays.test").await;
    let client = world.as_user("essays", "client@essays.test").await;
    let code = create_code(&admin, "ONEEACH", None, Some(1)).await;

    place_with(&world, &client, "ONEEACH").await.unwrap();
    let before = world.counts(&PLACEMENT).await;
    let err =
        assert_refused(place_with(&world, &client, "ONEEACH").await, ErrorCode::BadUserInput, Some(Reason::UsageLimit));
    assert_eq!(err.field.as_deref(), Some("discountCode"));
    assert_eq!(world.counts(&PLACEMENT).await, before);
    assert_eq!(uses(&world, code).await, 1, "the refused redemption's count was rolled back");

    let other = world.new_client("essays", "other@essays.test").await;
    place_with(&world, &other, "ONEEACH").await.unwrap();
    assert_eq!(uses(&world, code).await, 2);

    // the papers tenant has no such code (nor does it see essays' demo codes)
    let papers = world.as_user("papers", "client@papers.test").await;
    let before = world.counts(&PLACEMENT).await;
    for code in ["ONEEACH", "FLAT5"] {
        let placed = place(&papers, &world.spec(&papers, Some(code)).await).await;
        assert_refused(placed, ErrorCode::BadUserInput, Some(Reason::NotFound));
    }
    assert_eq!(world.counts(&PLACEMENT).await, before);
    assert_eq!(uses(&world, code).await, 2);
}

/// Ten placements race for a code that may be used three times: exactly three orders are
/// placed, the code counts three uses, and the refused placements leave nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_placements_redeem_a_limited_code_exactly_its_limit() {
    const TASKS: usize = 10;
    const LIMIT: i32 = 3;
    let world = World::new().await;
    let admin = world.as_user("essays", "admin@essays.test").await;
    let client = world.as_user("essays", "client@essays.test").await;
    let spec = world.spec(&client, None).await;

    for round in 0..2 {
        let code = create_code(&admin, &format!("LIMITED{round}"), Some(LIMIT), None).await;
        let spec = orders::service::spec::OrderSpec { discount_code: Some(format!("limited{round}")), ..spec.clone() };
        let before = world.counts(&PLACEMENT).await;
        let results = race(TASKS, |_| {
            let (client, spec) = (client.clone(), spec.clone());
            async move { place(&client, &spec).await }
        })
        .await;

        assert_eq!(successes(&results), LIMIT as usize, "round {round}: {:?}", outcomes(&results));
        for result in results {
            match result {
                Ok(order) => assert_eq!(order.total_minor, EXAMPLE_TOTAL - 100),
                Err(err) => assert_eq!((err.code, err.reason), (ErrorCode::BadUserInput, Some(Reason::UsageLimit))),
            }
        }
        assert_eq!(uses(&world, code).await, LIMIT, "round {round}");
        let after = world.counts(&PLACEMENT).await;
        assert_eq!(after[0].1 - before[0].1, i64::from(LIMIT), "round {round}: orders");
        assert_eq!(after[3].1 - before[3].1, i64::from(LIMIT), "round {round}: uses recorded");
        assert_eq!(after[2].1 - before[2].1, i64::from(LIMIT), "round {round}: one PLACED event an order");
    }
}

/// Eight placements by one client race for a once-per-client code (no overall limit): one is
/// placed with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_placements_by_one_client_redeem_a_once_per_client_code_once() {
    let world = World::new().await;
    let admin = world.as_user("essays", "admin@essays.test").await;
    let client = world.as_user("essays", "client@essays.test").await;
    let code = create_code(&admin, "MINE", None, Some(1)).await;
    let spec = world.spec(&client, Some("MINE")).await;
    let before = world.counts(&PLACEMENT).await;

    let results = race(8, |_| {
        let (client, spec) = (client.clone(), spec.clone());
        async move { place(&client, &spec).await }
    })
    .await;

    assert_eq!(successes(&results), 1, "{:?}", outcomes(&results));
    for err in results.into_iter().filter_map(Result::err) {
        assert_eq!((err.code, err.reason), (ErrorCode::BadUserInput, Some(Reason::UsageLimit)), "{err:?}");
    }
    assert_eq!(uses(&world, code).await, 1);
    let after = world.counts(&PLACEMENT).await;
    assert_eq!(after[0].1 - before[0].1, 1);
    assert_eq!(after[3].1 - before[3].1, 1);
}
