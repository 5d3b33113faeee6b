//! The ledger's guard: a client's wallet never goes below zero, however money leaves it (an
//! order paid from it, an admin's debit) and however many payments race; a refused movement
//! writes nothing; an order is charged at most once; an opening balance is credited once.

use billing::entity::account::AccountKind;
use billing::service::ledger::{self, Owner};
use billing::service::order_money::{self, OrderMoney};
use billing::service::wallets::{self, Direction};
use kernel::{AppResult, Clock, ErrorCode, Money, Reason, RequestContext};
use uuid::Uuid;

use crate::common::*;

const LEDGER: [&str; 3] = ["journal_entries", "postings", "ledger_accounts"];

/// The money of a new order of the request's client.
fn new_order(client: &RequestContext) -> OrderMoney {
    let tenant = client.tenant().unwrap();
    OrderMoney {
        tenant: tenant.id,
        order: kernel::new_id(),
        client: client.viewer().unwrap().user_id,
        currency: tenant.currency.clone(),
    }
}

/// Charges `amount` to the client's wallet for `order`, in a write transaction of its own.
async fn charge(client: &RequestContext, order: &OrderMoney, amount: i64) -> AppResult<()> {
    kernel::write(client, async |txn| order_money::charge_from_wallet(txn, client, order, amount).await).await
}

/// An admin's credit or debit of `client`'s wallet, in a write transaction of its own.
async fn adjust(admin: &RequestContext, client: Uuid, cents: i64, direction: Direction) -> AppResult<Uuid> {
    kernel::write(admin, async |txn| wallets::adjust(txn, admin, client, Money(cents), direction, "service test").await)
        .await
}

#[tokio::test]
async fn a_charge_above_the_balance_is_refused_and_writes_nothing() {
    let world = World::new().await;
    let client = world.as_user("essays", "client@essays.test").await;
    assert_eq!(world.wallet(&client).await, ESSAYS_WALLET);

    let before = world.counts(&LEDGER).await;
    let err = assert_refused(
        charge(&client, &new_order(&client), ESSAYS_WALLET + 1).await,
        ErrorCode::BadUserInput,
        Some(Reason::InsufficientFunds),
    );
    assert_eq!(err.field.as_deref(), Some("amount"));
    // not an entry, not a posting, not even the revenue account the charge opened
    assert_eq!(world.counts(&LEDGER).await, before, "a refused charge writes nothing");
    assert_eq!(world.wallet(&client).await, ESSAYS_WALLET);

    // every last cent can be spent, and not one more
    let order = new_order(&client);
    charge(&client, &order, ESSAYS_WALLET).await.unwrap();
    assert_eq!(world.wallet(&client).await, 0);
    let before = world.counts(&LEDGER).await;
    assert_refused(
        charge(&client, &new_order(&client), 1).await,
        ErrorCode::BadUserInput,
        Some(Reason::InsufficientFunds),
    );
    assert_eq!(world.counts(&LEDGER).await, before);
    assert_eq!(world.wallet(&client).await, 0);

    // charging the same order again moves nothing (its payment has happened)
    adjust(&world.as_user("essays", "admin@essays.test").await, order.client, 10_000, Direction::Credit).await.unwrap();
    let before = world.counts(&LEDGER).await;
    charge(&client, &order, 5_000).await.unwrap();
    assert_eq!(world.counts(&LEDGER).await, before, "an order's payment is posted once");
    assert_eq!(world.wallet(&client).await, 10_000);
    assert_eq!(world.lowest_wallet_balance(&client).await, 0);
    assert_eq!(world.ledger_mismatches().await, Vec::<String>::new());
}

#[tokio::test]
async fn an_admin_debit_never_takes_a_wallet_below_zero_and_only_an_admin_of_the_tenant_adjusts() {
    let world = World::new().await;
    let admin = world.as_user("essays", "admin@essays.test").await;
    let client = world.as_user("essays", "client@essays.test").await;
    let papers_client = world.as_user("papers", "client@papers.test").await;
    let client_id = client.viewer().unwrap().user_id;
    let tables = ["journal_entries", "postings", "ledger_accounts", "audit_log"];

    let before = world.counts(&tables).await;
    assert_refused(
        adjust(&admin, client_id, ESSAYS_WALLET + 1, Direction::Debit).await,
        ErrorCode::BadUserInput,
        Some(Reason::InsufficientFunds),
    );
    assert_eq!(world.counts(&tables).await, before, "a refused debit writes nothing, not even its audit record");
    assert_eq!(world.wallet(&client).await, ESSAYS_WALLET);

    // not the client, not support; and an essays admin cannot reach a papers client
    for who in ["client@essays.test", "support@essays.test", "writer@essays.test"] {
        let someone = world.as_user("essays", who).await;
        assert_refused(adjust(&someone, client_id, 100, Direction::Credit).await, ErrorCode::Forbidden, None);
    }
    let papers_id = papers_client.viewer().unwrap().user_id;
    assert_refused(adjust(&admin, papers_id, 100, Direction::Credit).await, ErrorCode::NotFound, None);
    // only clients have wallets
    let writer_id = world.as_user("essays", "writer@essays.test").await.viewer().unwrap().user_id;
    assert_refused(adjust(&admin, writer_id, 100, Direction::Credit).await, ErrorCode::NotFound, None);
    for bad in [0, -100, wallets::MAX_AMOUNT + 1] {
        let err =
            assert_refused(adjust(&admin, client_id, bad, Direction::Credit).await, ErrorCode::BadUserInput, None);
        assert_eq!(err.field.as_deref(), Some("amount"));
    }
    assert_eq!(world.counts(&tables).await, before, "refused adjustments write nothing");
    assert_eq!(world.wallet(&papers_client).await, 30_000, "the other tenant's wallet is untouched");

    // the whole balance may be taken, and then nothing more
    adjust(&admin, client_id, ESSAYS_WALLET, Direction::Debit).await.unwrap();
    assert_eq!(world.wallet(&client).await, 0);
    assert_eq!(world.count("audit_log").await, before[3].1 + 1, "the adjustment is audited");
    assert_refused(
        adjust(&admin, client_id, 1, Direction::Debit).await,
        ErrorCode::BadUserInput,
        Some(Reason::InsufficientFunds),
    );
    assert_eq!(world.wallet(&client).await, 0);
    assert_eq!(world.ledger_mismatches().await, Vec::<String>::new());
}

/// 16 charges of 10.00 race for a wallet holding 50.00, each in its own write transaction:
/// exactly 5 are paid, the rest refused, and the wallet ends at exactly zero, never below.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_charges_spend_a_wallet_exactly_once() {
    const TASKS: usize = 16;
    const CHARGE: i64 = 1_000;
    let world = World::new().await;
    let admin = world.as_user("essays", "admin@essays.test").await;
    let client = world.as_user("essays", "client@essays.test").await;
    let tenant = client.tenant().unwrap().id;
    // Revenue's account exists before the race, so the charges contend on the wallet alone.
    let now = world.clock.now();
    kernel::transaction(&world.db, async |txn| {
        ledger::open_account(txn, tenant, AccountKind::PlatformRevenue, Owner::Platform, "USD", now).await
    })
    .await
    .unwrap();

    for round in 0..3 {
        // the wallet holds exactly 50.00
        let held = world.wallet(&client).await;
        let (cents, direction) =
            if held > 5_000 { (held - 5_000, Direction::Debit) } else { (5_000 - held, Direction::Credit) };
        if cents > 0 {
            adjust(&admin, client.viewer().unwrap().user_id, cents, direction).await.unwrap();
        }
        assert_eq!(world.wallet(&client).await, 5_000);
        let before = world.counts(&LEDGER).await;

        let results = race(TASKS, |_| {
            let client = client.clone();
            async move { charge(&client, &new_order(&client), CHARGE).await }
        })
        .await;

        // (charges paid, balance, lowest balance ever): 50.00 pays five, ends at zero, never below
        let seen = (successes(&results), world.wallet(&client).await, world.lowest_wallet_balance(&client).await);
        assert_eq!(seen, (5, 0, 0), "round {round}: (paid, balance, lowest): {:?}", outcomes(&results));
        for result in results.into_iter().filter(Result::is_err) {
            assert_refused(result, ErrorCode::BadUserInput, Some(Reason::InsufficientFunds));
        }
        let after = world.counts(&LEDGER).await;
        assert_eq!(after[0].1 - before[0].1, 5, "round {round}: one entry per paid charge");
        assert_eq!(after[1].1 - before[1].1, 10, "round {round}: two postings per paid charge");
        assert_eq!(after[2].1, before[2].1, "round {round}: no account opened");
        assert_eq!(world.ledger_mismatches().await, Vec::<String>::new(), "round {round}");
    }
}

/// A client's wallet opened (with its opening balance) by racing calls is credited once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_opening_balance_is_credited_once_however_often_it_is_asked_for() {
    let world = World::new().await;
    let tenant = world.as_user("essays", "admin@essays.test").await.tenant().unwrap().id;
    let now = world.clock.now();

    // the demo client's wallet exists: nothing more is credited
    let client = world.as_user("essays", "client@essays.test").await;
    let demo = client.viewer().unwrap().user_id;
    let before = world.counts(&LEDGER).await;
    let credited =
        kernel::transaction(&world.db, async |txn| wallets::open_with(txn, tenant, "USD", demo, 12_345, now).await)
            .await
            .unwrap();
    assert!(!credited);
    assert_eq!(world.counts(&LEDGER).await, before);
    assert_eq!(world.wallet(&client).await, ESSAYS_WALLET);

    let fresh = world.new_client("essays", "fresh@essays.test").await;
    let fresh_id = fresh.viewer().unwrap().user_id;
    let db = world.db.clone();
    let results = race(8, |_| {
        let db = db.clone();
        async move {
            kernel::transaction(&db, async |txn| wallets::open_with(txn, tenant, "USD", fresh_id, 7_500, now).await)
                .await
        }
    })
    .await;
    assert!(results.iter().all(Result::is_ok), "{:?}", outcomes(&results));
    assert_eq!(world.wallet(&fresh).await, 7_500, "credited exactly once");
    let after = world.counts(&LEDGER).await;
    assert_eq!(after[0].1 - before[0].1, 1, "one opening entry");
    assert_eq!(after[2].1 - before[2].1, 1, "one wallet");
    assert_eq!(world.ledger_mismatches().await, Vec::<String>::new());
}
