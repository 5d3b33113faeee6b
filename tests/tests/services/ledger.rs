//! The ledger's guard: a wallet never goes below zero, however many debits race, and a refused
//! debit writes nothing.

use billing::service::wallets::{self, Direction};
use kernel::{ErrorCode, Money, Reason, write};
use tests::db::{TestDatabase, request_as, start_clock};

use crate::{count, failures, race, user_of};

const MOVEMENTS: &str = "SELECT (SELECT COUNT(*) FROM journal_entries) + (SELECT COUNT(*) FROM postings) AS n";

async fn balance(request: &kernel::RequestContext) -> i64 {
    wallets::own_wallet(&request.db, request).await.unwrap().expect("the demo wallet").balance_minor
}

#[tokio::test]
async fn a_debit_beyond_the_balance_is_refused_and_writes_nothing() {
    let test = TestDatabase::fresh().await;
    let clock = start_clock();
    let admin = request_as(&test.db, &clock, "essays", Some("admin@essays.test")).await;
    let client = request_as(&test.db, &clock, "essays", Some("client@essays.test")).await;
    let client_id = user_of(&client);
    let before = count(&test.db, MOVEMENTS).await;

    let err = write(&admin, async |txn| {
        wallets::adjust(txn, &admin, client_id, Money(50_001), Direction::Debit, "too much").await
    })
    .await
    .unwrap_err();

    assert_eq!((err.code, err.reason), (ErrorCode::BadUserInput, Some(Reason::InsufficientFunds)));
    assert_eq!(balance(&client).await, 50_000, "the 500.00 demo balance is untouched");
    assert_eq!(count(&test.db, MOVEMENTS).await, before, "no entry and no posting remain");
    assert_eq!(count(&test.db, "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'wallet.adjust'").await, 0);
}

/// Sixteen debits of 100.00 race for the 500.00 the wallet holds: exactly five succeed, the
/// balance ends at exactly zero, the rest are refused for want of money, and the postings
/// account for every cent.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_debits_never_overdraw_a_wallet() {
    let test = TestDatabase::fresh().await;
    let clock = start_clock();
    let admin = request_as(&test.db, &clock, "essays", Some("admin@essays.test")).await;
    let client = request_as(&test.db, &clock, "essays", Some("client@essays.test")).await;
    let client_id = user_of(&client);

    let results = race(16, move |_| {
        let admin = admin.clone();
        Box::pin(async move {
            write(&admin, async |txn| {
                wallets::adjust(txn, &admin, client_id, Money(10_000), Direction::Debit, "race").await
            })
            .await
        })
    })
    .await;

    let won = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(won, 5, "{} on {}: {:?}", won, test.backend(), failures(&results));
    assert!(failures(&results).iter().all(|f| f == "BAD_USER_INPUT/INSUFFICIENT_FUNDS"), "{:?}", failures(&results));
    assert_eq!(balance(&client).await, 0);
    // the demo data has no movement of 100.00, so these are the race's
    let postings = count(&test.db, "SELECT COUNT(*) AS n FROM postings WHERE amount_minor = -10000").await;
    assert_eq!(postings, 5, "one posting per successful debit");
}
