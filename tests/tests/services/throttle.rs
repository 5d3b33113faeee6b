//! Sign-in throttling: five failures of one account within fifteen minutes and the sixth try is
//! refused, until the window passes (the clock, not sleep, moves it).

use identity::service::throttle;
use kernel::{ErrorCode, write};
use tests::db::{TestDatabase, request_as, start_clock};

/// One password attempt that fails (it is never marked succeeded).
async fn fail_once(request: &kernel::RequestContext, key: &str) -> kernel::AppResult<()> {
    write(request, async |txn| throttle::begin(txn, request, key, None).await.map(|_| ())).await
}

#[tokio::test]
async fn the_sixth_failure_within_the_window_is_refused_until_it_passes() {
    let test = TestDatabase::fresh().await;
    let clock = start_clock();
    let anyone = request_as(&test.db, &clock, "essays", None).await;
    let tenant = anyone.tenant.as_ref().unwrap().id;
    let key = throttle::account_key(Some(tenant), "client@essays.test");

    for attempt in 1..=throttle::MAX_PER_ACCOUNT {
        fail_once(&anyone, &key).await.unwrap_or_else(|e| panic!("attempt {attempt}: {e:?}"));
    }
    let refused = fail_once(&anyone, &key).await.unwrap_err();
    assert_eq!(refused.code, ErrorCode::RateLimited);

    // another account from the same address is not held up by this one
    let other = throttle::account_key(Some(tenant), "writer@essays.test");
    fail_once(&anyone, &other).await.unwrap();

    // a refused attempt is not counted: once the first failures leave the window, tries resume
    clock.advance(chrono::Duration::minutes(throttle::WINDOW_MINUTES) + chrono::Duration::seconds(1));
    fail_once(&anyone, &key).await.unwrap();
}
