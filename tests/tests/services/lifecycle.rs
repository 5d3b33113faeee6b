//! The lifecycle's transition: one table of who may do what from which status, applied with a
//! conditional update, so a transition happens once however often it is asked for at once.

use kernel::{ErrorCode, Reason, write};
use orders::service::actions;
use orders::service::lifecycle::OrderAction;
use orders::service::placing;
use tests::db::{TestDatabase, request_as, start_clock};
use uuid::Uuid;

use crate::{count, failures, race, spec};

async fn placed(client: &kernel::RequestContext) -> Uuid {
    let spec = spec(client, "Lifecycle").await;
    write(client, async |txn| placing::place(txn, client, &spec).await).await.expect("the order is placed").id
}

async fn status(request: &kernel::RequestContext, id: Uuid) -> String {
    let order = orders::service::access::find_visible(&request.db, request, id).await.unwrap();
    <&str>::from(order.status).to_owned()
}

#[tokio::test]
async fn a_transition_happens_only_from_its_status_and_by_its_role() {
    let test = TestDatabase::fresh().await;
    let clock = start_clock();
    let client = request_as(&test.db, &clock, "essays", Some("client@essays.test")).await;
    let admin = request_as(&test.db, &clock, "essays", Some("admin@essays.test")).await;
    let id = placed(&client).await;
    let perform = async |who: &kernel::RequestContext, action| {
        write(who, async |txn| actions::perform(txn, who, id, action, None).await).await
    };

    // the client may not record an outside payment; nothing moves
    let err = perform(&client, OrderAction::MarkPaid).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden, "{err:?}");
    assert_eq!(status(&admin, id).await, "UNPAID");

    // an unpaid order cannot be approved
    let err = perform(&client, OrderAction::Approve).await.unwrap_err();
    assert_eq!((err.code, err.reason), (ErrorCode::Conflict, Some(Reason::InvalidTransition)));
    assert_eq!(status(&admin, id).await, "UNPAID");

    // staff record the payment: AVAILABLE, and the timeline says so once
    let order = perform(&admin, OrderAction::MarkPaid).await.unwrap();
    assert_eq!(<&str>::from(order.status), "AVAILABLE");
    let err = perform(&admin, OrderAction::MarkPaid).await.unwrap_err();
    assert_eq!((err.code, err.reason), (ErrorCode::Conflict, Some(Reason::InvalidTransition)));
    assert_eq!(count(&test.db, "SELECT COUNT(*) AS n FROM order_events WHERE kind = 'MARK_PAID'").await, 1);
}

/// Eight admins record the same payment at once: one transition, one timeline event, one
/// payment in the ledger; the others are told the order changed.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_transitions_happen_once() {
    let test = TestDatabase::fresh().await;
    let clock = start_clock();
    let client = request_as(&test.db, &clock, "essays", Some("client@essays.test")).await;
    let admin = request_as(&test.db, &clock, "essays", Some("admin@essays.test")).await;
    let id = placed(&client).await;
    let entries_before = count(&test.db, "SELECT COUNT(*) AS n FROM journal_entries").await;

    let results = race(8, move |_| {
        let admin = admin.clone();
        Box::pin(async move {
            write(&admin, async |txn| actions::perform(txn, &admin, id, OrderAction::MarkPaid, None).await.map(|_| ()))
                .await
        })
    })
    .await;

    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "on {}: {:?}", test.backend(), failures(&results));
    assert!(
        failures(&results).iter().all(|f| f == "CONFLICT/STALE" || f == "CONFLICT/INVALID_TRANSITION"),
        "{:?}",
        failures(&results)
    );
    assert_eq!(count(&test.db, "SELECT COUNT(*) AS n FROM order_events WHERE kind = 'MARK_PAID'").await, 1);
    assert_eq!(count(&test.db, "SELECT COUNT(*) AS n FROM journal_entries").await, entries_before + 1);
}
