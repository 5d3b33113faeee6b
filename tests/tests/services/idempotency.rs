//! Idempotency keys: a replay answers what the first call answered and does nothing again; the
//! same key with another input is refused; racing replays make one effect.

use billing::service::wallets::{self, Direction};
use kernel::write::{Once, write_once};
use kernel::{ErrorCode, Money, Reason};
use tests::db::{TestDatabase, request_as, start_clock};
use uuid::Uuid;

use crate::{failures, race, user_of};

/// Credits the demo client `cents` under `key`, as `adjustWallet` does.
async fn credit(
    admin: &kernel::RequestContext,
    client: Uuid,
    cents: i64,
    key: Option<&str>,
) -> kernel::AppResult<Uuid> {
    write_once(admin, Once::new("adjustWallet", key, &(client, cents)), async |txn| {
        wallets::adjust(txn, admin, client, Money(cents), Direction::Credit, "goodwill").await
    })
    .await
}

async fn balance(request: &kernel::RequestContext) -> i64 {
    wallets::own_wallet(&request.db, request).await.unwrap().expect("the demo wallet").balance_minor
}

#[tokio::test]
async fn a_replay_answers_the_first_result_and_moves_nothing_again() {
    let test = TestDatabase::fresh().await;
    let clock = start_clock();
    let admin = request_as(&test.db, &clock, "essays", Some("admin@essays.test")).await;
    let client = request_as(&test.db, &clock, "essays", Some("client@essays.test")).await;
    let client_id = user_of(&client);

    let first = credit(&admin, client_id, 1_000, Some("k-1")).await.unwrap();
    let again = credit(&admin, client_id, 1_000, Some("k-1")).await.unwrap();
    assert_eq!(first, again);
    assert_eq!(balance(&client).await, 51_000, "credited once");

    let reused = credit(&admin, client_id, 2_000, Some("k-1")).await.unwrap_err();
    assert_eq!((reused.code, reused.reason), (ErrorCode::Conflict, Some(Reason::IdempotencyKeyReused)));
    assert_eq!(balance(&client).await, 51_000, "another input under the key changes nothing");

    // without a key each call is its own
    credit(&admin, client_id, 1_000, None).await.unwrap();
    credit(&admin, client_id, 1_000, None).await.unwrap();
    assert_eq!(balance(&client).await, 53_000);

    // a key is the caller's own: another admin's identical key is another call
    let other = request_as(&test.db, &clock, "essays", Some("support@essays.test")).await;
    let by_support = credit(&other, client_id, 1_000, Some("k-1")).await.unwrap_err();
    assert_eq!(by_support.code, ErrorCode::Forbidden, "support may not adjust wallets at all");
    assert_eq!(balance(&client).await, 53_000);
}

/// Ten replays of one key race: all answer the same, and the wallet is credited once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_replays_of_one_key_make_one_effect() {
    let test = TestDatabase::fresh().await;
    let clock = start_clock();
    let admin = request_as(&test.db, &clock, "essays", Some("admin@essays.test")).await;
    let client = request_as(&test.db, &clock, "essays", Some("client@essays.test")).await;
    let client_id = user_of(&client);

    let results = race(10, move |_| {
        let admin = admin.clone();
        Box::pin(async move { credit(&admin, client_id, 1_000, Some("same-key")).await })
    })
    .await;

    assert!(results.iter().all(|r| r.is_ok()), "on {}: {:?}", test.backend(), failures(&results));
    let answers: std::collections::BTreeSet<Uuid> = results.into_iter().map(Result::unwrap).collect();
    assert_eq!(answers.len(), 1, "every replay answers the first result");
    assert_eq!(balance(&client).await, 51_000, "credited once");
}
