//! Idempotent writes (`write_once`): a replay of a key with the same input answers the first
//! result and the effect happens once, even when the calls race; the same key with another
//! input is `CONFLICT`; without a key every call is its own write; a failed call leaves its
//! key unused; a key belongs to its user and lives a day.

use billing::service::wallets::{self, Direction};
use chrono::Duration;
use kernel::{AppResult, ErrorCode, Money, Once, Reason, RequestContext};
use serde_json::json;
use uuid::Uuid;

use crate::common::*;

const EFFECTS: [&str; 3] = ["journal_entries", "postings", "audit_log"];

/// An admin's wallet adjustment, as `adjustWallet` makes it: at most once per key.
async fn adjust_once(
    admin: &RequestContext,
    key: Option<&str>,
    client: Uuid,
    cents: i64,
    direction: Direction,
) -> AppResult<Uuid> {
    let input = json!({ "user": client, "amount": cents, "direction": format!("{direction:?}"), "reason": "goodwill" });
    kernel::write_once(admin, Once::new("adjustWallet", key, &input), async |txn| {
        wallets::adjust(txn, admin, client, Money(cents), direction, "goodwill").await
    })
    .await
}

#[tokio::test]
async fn a_replayed_key_answers_the_first_result_and_the_effect_happens_once() {
    let world = World::new().await;
    let admin = world.as_user("essays", "admin@essays.test").await;
    let client = world.as_user("essays", "client@essays.test").await;
    let client_id = client.viewer().unwrap().user_id;
    let before = world.counts(&EFFECTS).await;

    let wallet = adjust_once(&admin, Some("credit-1"), client_id, 100, Direction::Credit).await.unwrap();
    assert_eq!(world.wallet(&client).await, ESSAYS_WALLET + 100);
    let once = world.counts(&EFFECTS).await;
    assert_ne!(once, before);
    assert_eq!(world.count("idempotency_keys").await, 1);

    // the replay (its key trimmed as it is stored) answers the same, and moves nothing
    for key in ["credit-1", "  credit-1 "] {
        assert_eq!(adjust_once(&admin, Some(key), client_id, 100, Direction::Credit).await.unwrap(), wallet);
    }
    assert_eq!(world.counts(&EFFECTS).await, once, "a replay writes nothing");
    assert_eq!(world.wallet(&client).await, ESSAYS_WALLET + 100);

    // the same key with another input is a conflict, and moves nothing either
    for (cents, direction) in [(200, Direction::Credit), (100, Direction::Debit)] {
        let err = assert_refused(
            adjust_once(&admin, Some("credit-1"), client_id, cents, direction).await,
            ErrorCode::Conflict,
            Some(Reason::IdempotencyKeyReused),
        );
        assert_eq!(err.field.as_deref(), Some("idempotencyKey"));
    }
    assert_eq!(world.counts(&EFFECTS).await, once);
    assert_eq!(world.wallet(&client).await, ESSAYS_WALLET + 100);

    // another key is another call
    assert_eq!(adjust_once(&admin, Some("credit-2"), client_id, 100, Direction::Credit).await.unwrap(), wallet);
    assert_eq!(world.wallet(&client).await, ESSAYS_WALLET + 200);

    // without a key, each call is a write of its own, and no key is kept
    for _ in 0..2 {
        adjust_once(&admin, None, client_id, 100, Direction::Credit).await.unwrap();
    }
    assert_eq!(world.wallet(&client).await, ESSAYS_WALLET + 400);
    assert_eq!(world.count("idempotency_keys").await, 2);

    // a key has 1 to 200 characters
    for bad in ["", "   ", &"k".repeat(201)] {
        let err = assert_refused(
            adjust_once(&admin, Some(bad), client_id, 100, Direction::Credit).await,
            ErrorCode::BadUserInput,
            None,
        );
        assert_eq!(err.field.as_deref(), Some("idempotencyKey"));
    }
    assert_eq!(world.wallet(&client).await, ESSAYS_WALLET + 400);
    assert_eq!(world.ledger_mismatches().await, Vec::<String>::new());
}

#[tokio::test]
async fn a_failed_call_leaves_its_key_unused() {
    let world = World::new().await;
    let admin = world.as_user("essays", "admin@essays.test").await;
    let client = world.as_user("essays", "client@essays.test").await;
    let client_id = client.viewer().unwrap().user_id;
    let before = world.counts(&EFFECTS).await;

    assert_refused(
        adjust_once(&admin, Some("debit"), client_id, ESSAYS_WALLET + 1, Direction::Debit).await,
        ErrorCode::BadUserInput,
        Some(Reason::InsufficientFunds),
    );
    assert_eq!(world.counts(&EFFECTS).await, before);
    assert_eq!(world.count("idempotency_keys").await, 0, "the claim rolled back with the work");

    // so the key is free: a corrected call with it is no conflict, and happens
    adjust_once(&admin, Some("debit"), client_id, ESSAYS_WALLET, Direction::Debit).await.unwrap();
    assert_eq!(world.wallet(&client).await, 0);
    // from now on the key answers for the corrected call: the first input again is a conflict
    assert_refused(
        adjust_once(&admin, Some("debit"), client_id, ESSAYS_WALLET + 1, Direction::Debit).await,
        ErrorCode::Conflict,
        Some(Reason::IdempotencyKeyReused),
    );
    assert_eq!(world.wallet(&client).await, 0);
}

#[tokio::test]
async fn a_key_belongs_to_its_user_and_answers_for_a_day() {
    let world = World::new().await;
    let admin = world.as_user("essays", "admin@essays.test").await;
    let superadmin = world.as_user("essays", SUPERADMIN).await;
    let client = world.as_user("essays", "client@essays.test").await;
    let client_id = client.viewer().unwrap().user_id;

    adjust_once(&admin, Some("shared"), client_id, 100, Direction::Credit).await.unwrap();
    // the same key and input from someone else is their own call
    adjust_once(&superadmin, Some("shared"), client_id, 100, Direction::Credit).await.unwrap();
    assert_eq!(world.wallet(&client).await, ESSAYS_WALLET + 200);

    // within the day a replay answers; after it the key is forgotten and the call happens again
    world.clock.advance(Duration::hours(23));
    adjust_once(&admin, Some("shared"), client_id, 100, Direction::Credit).await.unwrap();
    assert_eq!(world.wallet(&client).await, ESSAYS_WALLET + 200);
    world.clock.advance(Duration::hours(1) + Duration::seconds(1));
    adjust_once(&admin, Some("shared"), client_id, 100, Direction::Credit).await.unwrap();
    assert_eq!(world.wallet(&client).await, ESSAYS_WALLET + 300);
    assert_eq!(world.count("idempotency_keys").await, 2, "the expired claim was replaced, not duplicated");
}

/// Twelve calls with one key race: half with one input, half with another. Exactly one call
/// does the work; the calls with its input answer its result, the others are conflicts.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_calls_with_one_key_do_the_work_once() {
    const TASKS: usize = 12;
    let world = World::new().await;
    let admin = world.as_user("essays", "admin@essays.test").await;
    let client = world.as_user("essays", "client@essays.test").await;
    let client_id = client.viewer().unwrap().user_id;
    let wallet = world.wallet_account(&client).await.unwrap().id;

    for round in 0..3 {
        let key = format!("race-{round}");
        let (held, before) = (world.wallet(&client).await, world.counts(&EFFECTS).await);
        let amount = |i: usize| if i.is_multiple_of(2) { 100 } else { 200 };
        let results = race(TASKS, |i| {
            let (admin, key) = (admin.clone(), key.clone());
            async move { adjust_once(&admin, Some(&key), client_id, amount(i), Direction::Credit).await }
        })
        .await;

        let moved = world.wallet(&client).await - held;
        assert!(moved == 100 || moved == 200, "round {round}: one call's effect, not {moved}");
        let after = world.counts(&EFFECTS).await;
        assert_eq!(after[0].1 - before[0].1, 1, "round {round}: one journal entry");
        assert_eq!(after[2].1 - before[2].1, 1, "round {round}: one audit record");
        for (i, result) in results.into_iter().enumerate() {
            if amount(i) == moved {
                assert_eq!(result.unwrap(), wallet, "round {round}: task {i} answers the first result");
            } else {
                assert_refused(result, ErrorCode::Conflict, Some(Reason::IdempotencyKeyReused));
            }
        }
    }
    assert_eq!(world.count("idempotency_keys").await, 3);
    assert_eq!(world.ledger_mismatches().await, Vec::<String>::new());
}
