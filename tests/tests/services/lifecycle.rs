//! Order lifecycle transitions (`actions::perform`, `pay_from_wallet`): a legal transition
//! moves the order and writes its event (and its money); an illegal one is `CONFLICT` and the
//! wrong person `FORBIDDEN` or `NOT_FOUND`, changing nothing; racing transitions of one order
//! take effect once, and racing payments from one wallet spend only what it holds.

use kernel::{AppResult, ErrorCode, Reason, RequestContext};
use orders::entity::order::{self, OrderStatus, PaymentStatus};
use orders::service::actions;
use orders::service::lifecycle::OrderAction;
use uuid::Uuid;

use crate::common::*;

/// What a transition writes.
const TRANSITION: [&str; 4] = ["order_events", "journal_entries", "postings", "audit_log"];

async fn perform(request: &RequestContext, id: Uuid, action: OrderAction) -> AppResult<order::Model> {
    kernel::write(request, async |txn| actions::perform(txn, request, id, action, None).await).await
}

async fn pay(client: &RequestContext, id: Uuid) -> AppResult<order::Model> {
    kernel::write(client, async |txn| actions::pay_from_wallet(txn, client, id).await).await
}

async fn placed(world: &World, client: &RequestContext) -> order::Model {
    let order = place(client, &world.spec(client, None).await).await.unwrap();
    assert_eq!((order.status, order.total_minor), (OrderStatus::Unpaid, EXAMPLE_TOTAL));
    order
}

#[tokio::test]
async fn legal_transitions_move_the_order_write_their_event_and_move_the_money() {
    let world = World::new().await;
    let client = world.as_user("essays", "client@essays.test").await;
    let admin = world.as_user("essays", "admin@essays.test").await;
    let writer = world.as_user("essays", "writer@essays.test").await;

    // the client pays from the wallet: AVAILABLE and PAID, the wallet charged the total
    let order = placed(&world, &client).await;
    let before = world.counts(&TRANSITION).await;
    let paid = pay(&client, order.id).await.unwrap();
    assert_eq!(
        (paid.status, paid.payment_status, paid.paid_minor),
        (OrderStatus::Available, PaymentStatus::Paid, EXAMPLE_TOTAL)
    );
    assert_eq!(world.wallet(&client).await, ESSAYS_WALLET - EXAMPLE_TOTAL);
    let after = world.counts(&TRANSITION).await;
    assert_eq!((after[0].1 - before[0].1, after[1].1 - before[1].1), (1, 1), "one event, one payment entry");

    // staff record an outside payment of another: the wallet is not touched
    let other = placed(&world, &client).await;
    let marked = perform(&admin, other.id, OrderAction::MarkPaid).await.unwrap();
    assert_eq!((marked.status, marked.payment_status), (OrderStatus::Available, PaymentStatus::Paid));
    assert_eq!(world.wallet(&client).await, ESSAYS_WALLET - EXAMPLE_TOTAL);

    // the writer it is offered to accepts it
    let writer_id = writer.viewer().unwrap().user_id;
    let offered = offer(&admin, order.id, writer_id).await.unwrap();
    assert_eq!((offered.status, offered.writer_id), (OrderStatus::PendingAcceptance, Some(writer_id)));
    let accepted = perform(&writer, order.id, OrderAction::AcceptAssignment).await.unwrap();
    assert_eq!(accepted.status, OrderStatus::InProgress);
    assert_eq!(world.order(order.id).await.status, OrderStatus::InProgress);
    assert_eq!(world.ledger_mismatches().await, Vec::<String>::new());
}

#[tokio::test]
async fn an_illegal_transition_is_a_conflict_and_changes_nothing() {
    let world = World::new().await;
    let client = world.as_user("essays", "client@essays.test").await;
    let admin = world.as_user("essays", "admin@essays.test").await;
    let order = placed(&world, &client).await;
    let before = world.counts(&TRANSITION).await;

    for (who, action) in [
        (&client, OrderAction::Approve),
        (&admin, OrderAction::Archive),
        (&admin, OrderAction::Resume),
        (&admin, OrderAction::Hold),
    ] {
        let err =
            assert_refused(perform(who, order.id, action).await, ErrorCode::Conflict, Some(Reason::InvalidTransition));
        assert!(err.message.contains("UNPAID"), "{err:?}");
    }
    // actions that take input are not plain actions
    for action in [OrderAction::Pay, OrderAction::AssignWriter, OrderAction::RequestRevision] {
        let err = assert_refused(perform(&client, order.id, action).await, ErrorCode::BadUserInput, None);
        assert_eq!(err.field.as_deref(), Some("action"));
    }
    assert_eq!(world.order(order.id).await, order, "the order is as it was");
    assert_eq!(world.counts(&TRANSITION).await, before, "no event, entry or audit record");

    // a cancelled order cannot be paid any more, from the wallet or by staff
    let cancelled = perform(&client, order.id, OrderAction::Cancel).await.unwrap();
    assert_eq!(cancelled.status, OrderStatus::Cancelled);
    let before = world.counts(&TRANSITION).await;
    assert_refused(pay(&client, order.id).await, ErrorCode::Conflict, Some(Reason::InvalidTransition));
    assert_refused(
        perform(&admin, order.id, OrderAction::MarkPaid).await,
        ErrorCode::Conflict,
        Some(Reason::InvalidTransition),
    );
    assert_eq!(world.order(order.id).await, cancelled);
    assert_eq!(world.counts(&TRANSITION).await, before);
    assert_eq!(world.wallet(&client).await, ESSAYS_WALLET);
}

#[tokio::test]
async fn the_wrong_person_is_forbidden_or_finds_no_order_and_changes_nothing() {
    let world = World::new().await;
    let client = world.as_user("essays", "client@essays.test").await;
    let order = placed(&world, &client).await;
    let before = world.counts(&TRANSITION).await;

    // they see the order, but the rule is not theirs
    let support = world.as_user("essays", "support@essays.test").await;
    assert_refused(perform(&support, order.id, OrderAction::Cancel).await, ErrorCode::Forbidden, None);
    assert_refused(perform(&client, order.id, OrderAction::MarkPaid).await, ErrorCode::Forbidden, None);
    let admin = world.as_user("essays", "admin@essays.test").await;
    assert_refused(pay(&admin, order.id).await, ErrorCode::Forbidden, None);
    // they do not see it at all: an unassigned writer, an editor, another client, another
    // tenant's admin
    let mut strangers = Vec::new();
    for who in ["writer@essays.test", "editor@essays.test"] {
        strangers.push(world.as_user("essays", who).await);
    }
    strangers.push(world.new_client("essays", "stranger@essays.test").await);
    strangers.push(world.as_user("papers", "admin@papers.test").await);
    for stranger in &strangers {
        assert_refused(perform(stranger, order.id, OrderAction::Cancel).await, ErrorCode::NotFound, None);
        assert_refused(perform(stranger, order.id, OrderAction::MarkPaid).await, ErrorCode::NotFound, None);
    }
    // no one at all
    let anonymous = world.anonymous("essays").await;
    assert_refused(perform(&anonymous, order.id, OrderAction::Cancel).await, ErrorCode::Unauthenticated, None);

    assert_eq!(world.order(order.id).await, order);
    assert_eq!(world.counts(&TRANSITION).await, before);
}

/// The client's eight racing payments of one order: one pays it, the wallet is charged once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_payments_of_one_order_charge_it_once() {
    let world = World::new().await;
    let client = world.as_user("essays", "client@essays.test").await;
    let order = placed(&world, &client).await;
    let before = world.counts(&TRANSITION).await;

    let results = race(8, |_| {
        let client = client.clone();
        async move { pay(&client, order.id).await }
    })
    .await;

    assert_eq!(successes(&results), 1, "{:?}", outcomes(&results));
    for err in results.into_iter().filter_map(Result::err) {
        // refused by the guarded update (it changed meanwhile) or, having seen it paid, by the table
        assert_eq!(err.code, ErrorCode::Conflict, "{err:?}");
        assert!(matches!(err.reason, Some(Reason::Stale | Reason::InvalidTransition)), "{err:?}");
    }
    assert_eq!(world.wallet(&client).await, ESSAYS_WALLET - EXAMPLE_TOTAL, "charged once");
    let after = world.counts(&TRANSITION).await;
    assert_eq!((after[0].1 - before[0].1, after[1].1 - before[1].1), (1, 1), "one event, one payment");
    assert_eq!(world.order(order.id).await.status, OrderStatus::Available);
    assert_eq!(world.ledger_mismatches().await, Vec::<String>::new());
}

/// The writer an order is offered to accepts and declines it at once (four of each): exactly
/// one answer counts, and the order and its timeline agree on which.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_transitions_of_one_order_take_effect_once() {
    let world = World::new().await;
    let client = world.as_user("essays", "client@essays.test").await;
    let admin = world.as_user("essays", "admin@essays.test").await;
    let writer = world.as_user("essays", "writer@essays.test").await;
    let writer_id = writer.viewer().unwrap().user_id;

    for round in 0..3 {
        let order = placed(&world, &client).await;
        perform(&admin, order.id, OrderAction::MarkPaid).await.unwrap();
        offer(&admin, order.id, writer_id).await.unwrap();
        let before = world.counts(&TRANSITION).await;
        let action =
            |i: usize| if i.is_multiple_of(2) { OrderAction::AcceptAssignment } else { OrderAction::DeclineAssignment };
        let results = race(8, |i| {
            let writer = writer.clone();
            async move { perform(&writer, order.id, action(i)).await }
        })
        .await;

        assert_eq!(successes(&results), 1, "round {round}: {:?}", outcomes(&results));
        let winner = results.iter().position(Result::is_ok).unwrap();
        for err in results.into_iter().filter_map(Result::err) {
            // the order changed under them (CONFLICT), or after a decline it is no longer theirs
            assert!(matches!(err.code, ErrorCode::Conflict | ErrorCode::NotFound), "round {round}: {err:?}");
        }
        let now = world.order(order.id).await;
        assert_eq!(world.counts(&TRANSITION).await[0].1 - before[0].1, 1, "round {round}: one event");
        match action(winner) {
            OrderAction::AcceptAssignment => {
                assert_eq!((now.status, now.writer_id), (OrderStatus::InProgress, Some(writer_id)))
            }
            _ => assert_eq!((now.status, now.writer_id), (OrderStatus::Available, None)),
        }
    }
    assert_eq!(world.ledger_mismatches().await, Vec::<String>::new());
}

/// Eight orders of 80.49 are paid at once from a wallet of 500.00: exactly six are paid (what
/// it holds), two stay UNPAID, and the wallet keeps the rest.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_payments_of_many_orders_spend_only_what_the_wallet_holds() {
    const ORDERS: usize = 8;
    let world = World::new().await;
    let client = world.as_user("essays", "client@essays.test").await;
    let mut ids = Vec::new();
    for _ in 0..ORDERS {
        ids.push(placed(&world, &client).await.id);
    }
    let before = world.counts(&TRANSITION).await;

    let results = race(ORDERS, |i| {
        let (client, id) = (client.clone(), ids[i]);
        async move { pay(&client, id).await }
    })
    .await;

    let affordable = (ESSAYS_WALLET / EXAMPLE_TOTAL) as usize;
    assert_eq!(affordable, 6);
    let left = ESSAYS_WALLET - 6 * EXAMPLE_TOTAL;
    let seen = (successes(&results), world.wallet(&client).await, world.lowest_wallet_balance(&client).await);
    assert_eq!(seen, (affordable, left, left), "(paid, balance, lowest): {:?}", outcomes(&results));
    for (id, result) in ids.iter().zip(results) {
        let now = world.order(*id).await;
        match result {
            Ok(_) => assert_eq!((now.status, now.payment_status), (OrderStatus::Available, PaymentStatus::Paid)),
            Err(err) => {
                assert_eq!((err.code, err.reason), (ErrorCode::BadUserInput, Some(Reason::InsufficientFunds)));
                assert_eq!(
                    (now.status, now.payment_status, now.paid_minor),
                    (OrderStatus::Unpaid, PaymentStatus::Unpaid, 0)
                );
            }
        }
    }
    let after = world.counts(&TRANSITION).await;
    assert_eq!((after[0].1 - before[0].1, after[1].1 - before[1].1), (6, 6));
    assert_eq!(world.ledger_mismatches().await, Vec::<String>::new());
}
