//! Discount redemption: a code's usage limit holds however many placements race for it, and a
//! placement refused for the limit writes nothing.

use billing::service::discounts::{self, DiscountFields, DiscountKind};
use kernel::{Money, write};
use orders::service::placing;
use tests::db::{TestDatabase, request_as, start_clock};

use crate::{count, failures, race, spec};

async fn limited_code(admin: &kernel::RequestContext, code: &str, max_uses: i32) {
    let fields = DiscountFields {
        code: code.to_owned(),
        kind: DiscountKind::Fixed,
        percent: None,
        amount: Some(Money(100)),
        starts_at: None,
        ends_at: None,
        max_uses: Some(max_uses),
        max_uses_per_client: None,
        first_order_only: false,
        min_order: None,
        max_discount: None,
    };
    write(admin, async |txn| discounts::create(txn, admin, fields).await).await.expect("the code is created");
}

/// Ten placements race for a code that may be used three times: exactly three orders are
/// placed with it, the code counts three uses, and the refused placements leave no order.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_placements_never_pass_a_codes_usage_limit() {
    let test = TestDatabase::fresh().await;
    let clock = start_clock();
    let admin = request_as(&test.db, &clock, "essays", Some("admin@essays.test")).await;
    let client = request_as(&test.db, &clock, "essays", Some("client@essays.test")).await;
    limited_code(&admin, "RACE3", 3).await;
    let mut with_code = spec(&client, "Raced order").await;
    with_code.discount_code = Some("RACE3".into());
    let orders_before = count(&test.db, "SELECT COUNT(*) AS n FROM orders").await;

    let results = race(10, move |_| {
        let (client, with_code) = (client.clone(), with_code.clone());
        Box::pin(async move {
            write(&client, async |txn| placing::place(txn, &client, &with_code).await.map(|order| order.id)).await
        })
    })
    .await;

    let placed = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(placed, 3, "on {}: {:?}", test.backend(), failures(&results));
    assert!(failures(&results).iter().all(|f| f == "BAD_USER_INPUT/USAGE_LIMIT"), "{:?}", failures(&results));
    assert_eq!(count(&test.db, "SELECT COUNT(*) AS n FROM orders").await, orders_before + 3);
    assert_eq!(count(&test.db, "SELECT COUNT(*) AS n FROM discount_usages").await, 3);
    assert_eq!(count(&test.db, "SELECT CAST(uses AS BIGINT) AS n FROM discounts WHERE code = 'RACE3'").await, 3);
}
