//! The outbox: a notification is written in the transaction of its cause (a rollback leaves no
//! notification, delivery or job) and at most once per recipient, kind and cause.

use kernel::{AppError, Clock};
use notifications::{Notice, NotificationKind, Recipient, notify};
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn a_notification_is_written_only_with_its_cause_and_once_per_cause() {
    let world = World::new().await;
    let client = world.as_user("essays", "client@essays.test").await;
    let viewer = client.viewer().unwrap().clone();
    let notice = Notice {
        tenant_id: client.tenant().unwrap().id,
        kind: NotificationKind::WalletCredited,
        cause: "topup:test".into(),
        data: json!({ "amount": "5.00", "currency": "USD" }),
        recipient: Recipient {
            user_id: viewer.user_id,
            email: viewer.email.clone(),
            name: viewer.display_name.clone(),
        },
    };
    let now = world.clock.now();
    let tables = ["notifications", "notification_deliveries", "jobs"];
    let rolled_back: Result<(), AppError> = kernel::transaction(&world.db, async |txn| {
        notify(txn, notice.clone(), now).await?;
        Err(AppError::conflict("the cause failed"))
    })
    .await;
    assert!(rolled_back.is_err());
    assert_eq!(world.counts(&tables).await, [("notifications", 0), ("notification_deliveries", 0), ("jobs", 0)]);

    for _ in 0..2 {
        kernel::transaction(&world.db, async |txn| notify(txn, notice.clone(), now).await).await.unwrap();
    }
    assert_eq!(
        world.counts(&tables).await,
        [("notifications", 1), ("notification_deliveries", 1), ("jobs", 1)],
        "the same cause tells the user once"
    );
}
