//! Every business effect on money happens at most once per cause, and `ledgerIntegrity` checks
//! the business invariants, not only double entry: per order, the writer's net earnings equal
//! the compensation of a completed, unrefunded order (zero after a full refund), net payments
//! less refunds equal what the order shows as paid, and no wallet is below zero. Each path
//! below walks the lifecycle and checks after every step.

use serde_json::{Value, json};
use tests::{TestApp, cents};

/// The 80.49 example; an advanced writer earns 21.00 for it.
const COMPENSATION: &str = "21.00";

/// One order of the demo client (80.49, due in 50 hours, for an advanced writer) walked through
/// its life by the demo client, writer and admin; `check` after each step. Shared by the tests of
/// every money path (cancellations, tips...).
pub(crate) struct Walk<'a> {
    pub app: &'a TestApp,
    pub client: String,
    pub writer: String,
    pub admin: String,
    pub writer_id: String,
    pub order: String,
}

impl<'a> Walk<'a> {
    pub async fn start(app: &'a TestApp) -> Walk<'a> {
        let c = app.catalog("essays").await;
        let client = app.sign_in("essays", "client@essays.test").await;
        let spec = json!({
            "topic": "Invariants", "paperTypeId": c["essay"], "academicLevelId": c["undergraduate"], "subjectId": c["english"],
            "workTypeId": c["writing"], "pages": 3, "deadline": app.in_hours(50), "extraServiceIds": [c["plagiarism_report"]],
            "writerLevelId": c["advanced"],
        });
        let placed = app
            .gql("mutation($i: OrderSpecInput!) { placeOrder(input: $i) { id } }")
            .vars(json!({ "i": spec }))
            .tenant("essays")
            .token(&client)
            .send()
            .await;
        let walk = Walk {
            app,
            order: placed["data"]["placeOrder"]["id"].as_str().unwrap_or_else(|| panic!("{placed}")).to_owned(),
            client,
            writer: app.sign_in("essays", "writer@essays.test").await,
            admin: app.sign_in("essays", "admin@essays.test").await,
            writer_id: app.user_id("essays", "writer@essays.test").await,
        };
        walk.check("placed", "0.00").await;
        walk
    }

    pub async fn send(&self, token: &str, query: &str, vars: Value) -> Value {
        let body = self.app.gql(query).vars(vars).tenant("essays").token(token).send().await;
        assert!(body["errors"].is_null(), "{query}: {body}");
        body
    }

    pub async fn act(&self, who: &str, action: &str) {
        let token = match who {
            "client" => &self.client,
            "writer" => &self.writer,
            _ => &self.admin,
        };
        self.send(
            token,
            "mutation($id: ID!, $a: OrderAction!) { performOrderAction(orderId: $id, action: $a) { id } }",
            json!({ "id": self.order, "a": action }),
        )
        .await;
    }

    pub async fn pay_from_wallet(&self) {
        self.send(
            &self.client,
            "mutation($id: ID!) { payOrderFromWallet(orderId: $id) { id } }",
            json!({ "id": self.order }),
        )
        .await;
    }

    pub async fn assign_and_accept(&self) {
        self.send(
            &self.admin,
            "mutation($id: ID!, $w: ID!) { assignWriter(orderId: $id, writerId: $w) { id } }",
            json!({ "id": self.order, "w": self.writer_id }),
        )
        .await;
        self.act("writer", "ACCEPT_ASSIGNMENT").await;
    }

    /// Paid from the wallet, written, approved: the writer has earned the 21.00.
    pub async fn complete(&self) {
        self.pay_from_wallet().await;
        self.assign_and_accept().await;
        self.act("writer", "SUBMIT").await;
        self.act("client", "APPROVE").await;
        self.check("completed", COMPENSATION).await;
    }

    pub async fn revise(&self) {
        self.send(
            &self.client,
            "mutation($id: ID!, $i: RevisionRequestInput!) { requestRevision(orderId: $id, input: $i) { id } }",
            json!({ "id": self.order, "i": { "severity": "MINOR", "reason": "Fix the references", "deadline": self.app.in_hours(24) } }),
        )
        .await;
        self.act("writer", "START_REVISION").await;
        self.act("writer", "SUBMIT").await;
    }

    pub async fn refund(&self, amount: &str) {
        self.send(
            &self.admin,
            "mutation($id: ID!, $a: Decimal!) { refundOrder(orderId: $id, input: {amount: $a, destination: WALLET, reason: \"goodwill\"}) { id } }",
            json!({ "id": self.order, "a": amount }),
        )
        .await;
    }

    /// Sends `query` as `token`, answering the body whatever it holds (errors too).
    pub async fn try_send(&self, token: &str, query: &str, vars: Value) -> Value {
        self.app.gql(query).vars(vars).tenant("essays").token(token).send().await
    }

    /// The demo client's wallet balance, in cents.
    pub async fn wallet(&self) -> i64 {
        let body = self.send(&self.client, "{ viewer { wallet { balance } } }", json!({})).await;
        cents(&body["data"]["viewer"]["wallet"]["balance"])
    }

    /// After `step`: the ledger balances and holds every business invariant, and the writer's
    /// earnings are `earned`.
    pub async fn check(&self, step: &str, earned: &str) {
        let body = self.send(&self.admin, "{ ledgerIntegrity { balanced mismatches } }", json!({})).await;
        assert_eq!(body["data"]["ledgerIntegrity"], json!({ "balanced": true, "mismatches": [] }), "after {step}");
        let body = self.send(&self.writer, "{ viewer { earnings { balance } } }", json!({})).await;
        assert_eq!(body["data"]["viewer"]["earnings"]["balance"], earned, "writer's earnings after {step}");
    }
}

#[tokio::test]
async fn approving_again_after_a_revision_does_not_pay_the_writer_twice() {
    let app = TestApp::spawn().await;
    let walk = Walk::start(&app).await;
    walk.act("admin", "MARK_PAID").await;
    walk.check("marked paid", "0.00").await;
    walk.assign_and_accept().await;
    walk.act("writer", "SUBMIT").await;
    walk.check("submitted", "0.00").await;
    walk.act("client", "APPROVE").await;
    walk.check("approved", COMPENSATION).await;
    walk.revise().await;
    walk.check("revised after completion", COMPENSATION).await;
    walk.act("client", "APPROVE").await;
    walk.check("approved again", COMPENSATION).await;
    walk.revise().await;
    walk.act("client", "APPROVE").await;
    walk.check("approved a third time", COMPENSATION).await;
    // a full refund takes back exactly what was credited, once
    walk.refund("80.49").await;
    walk.check("fully refunded", "0.00").await;
    // and a revision and approval after it credits nothing again
    walk.revise().await;
    walk.act("client", "APPROVE").await;
    walk.check("approved after the full refund", "0.00").await;
}

#[tokio::test]
async fn refunds_at_each_stage_keep_payments_and_earnings_in_step() {
    let app = TestApp::spawn().await;
    let walk = Walk::start(&app).await;
    walk.pay_from_wallet().await;
    walk.check("paid from the wallet", "0.00").await;
    walk.refund("10.00").await;
    walk.check("partly refunded before work", "0.00").await;
    walk.assign_and_accept().await;
    walk.refund("0.49").await;
    walk.check("partly refunded in progress", "0.00").await;
    walk.act("writer", "SUBMIT").await;
    walk.revise().await;
    walk.act("client", "APPROVE").await;
    walk.check("approved after a revision before completion", COMPENSATION).await;
    walk.refund("20.00").await;
    walk.check("partly refunded after completion", COMPENSATION).await;
    walk.refund("50.00").await;
    walk.check("the rest refunded", "0.00").await;
}

#[tokio::test]
async fn a_full_refund_before_completion_cancels_and_nobody_is_paid() {
    let app = TestApp::spawn().await;
    let walk = Walk::start(&app).await;
    walk.pay_from_wallet().await;
    walk.assign_and_accept().await;
    walk.act("writer", "SUBMIT").await;
    walk.refund("80.49").await;
    walk.check("fully refunded while submitted", "0.00").await;
    let body = walk
        .send(&walk.admin, "query($id: ID!) { order(id: $id) { status paymentStatus } }", json!({ "id": walk.order }))
        .await;
    assert_eq!(body["data"]["order"], json!({ "status": "CANCELLED", "paymentStatus": "REFUNDED" }));
}
