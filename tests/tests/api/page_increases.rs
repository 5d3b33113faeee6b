//! Page and slide increases, end to end: priced at the order's own rates (a price change after
//! placing does not reach it), accepted or declined by the writer who holds the order, paid from
//! the wallet before the order changes, the writer's pay grown by their level's rule, delivery
//! held while one is open, and the ledger checked after each step. Refusals write nothing.

use serde_json::{Value, json};
use tests::{TestApp, cents, code, field};

use crate::money_invariants::Walk;

const QUOTE: &str = "query($id: ID!, $p: Int!, $s: Int!) { pageIncreaseQuote(orderId: $id, addPages: $p, addSlides: $s) { pages slides amount total writerDecides } }";
const ASK: &str = "mutation($id: ID!, $p: Int!, $s: Int!, $now: Boolean!) { requestPageIncrease(orderId: $id, addPages: $p, addSlides: $s, payFromWallet: $now) { id status pages newPages newSlides amount } }";
const ACCEPT: &str = "mutation($id: ID!) { acceptPageIncrease(id: $id) { status writerPay } }";
const DECLINE: &str = "mutation($id: ID!) { declinePageIncrease(id: $id, reason: \"More than I can write by the deadline\") { status note } }";
const PAY: &str = "mutation($id: ID!) { payPageIncrease(id: $id) { status appliedAt } }";
const WITHDRAW: &str = "mutation($id: ID!) { withdrawPageIncrease(id: $id) { status } }";
const SUBMIT: &str = "mutation($id: ID!) { performOrderAction(orderId: $id, action: SUBMIT) { status } }";
const ORDER: &str = "query($id: ID!) { order(id: $id) { pages slides total writerCompensation lines { code amount } timeline { kind note } } }";

async fn order(walk: &Walk<'_>) -> Value {
    walk.send(&walk.admin, ORDER, json!({ "id": walk.order })).await["data"]["order"].clone()
}

async fn ask(walk: &Walk<'_>, pages: i32, slides: i32, now: bool) -> Value {
    let body = walk.send(&walk.client, ASK, json!({ "id": walk.order, "p": pages, "s": slides, "now": now })).await;
    body["data"]["requestPageIncrease"].clone()
}

/// What the refusals below must leave alone: increases and their states, the order's size and
/// money, the ledger, the timeline.
async fn written(app: &TestApp) -> Vec<i64> {
    vec![
        app.count("page_increases").await,
        app.count_where("SELECT COUNT(*) AS n FROM page_increases WHERE status <> 'WAITING_WRITER'").await,
        app.count_where("SELECT COALESCE(SUM(pages + slides), 0) AS n FROM orders").await,
        app.count_where("SELECT CAST(COALESCE(SUM(total_minor + paid_minor + writer_compensation_minor), 0) AS BIGINT) AS n FROM orders").await,
        app.count("journal_entries").await,
        app.count("order_lines").await,
        app.count("order_events").await,
    ]
}

/// Sets every writer level's rules of the demo site to `rules`.
async fn level_rules(walk: &Walk<'_>, rules: Value) {
    let levels = walk.send(&walk.admin, "{ writerLevels { id } }", json!({})).await;
    for level in levels["data"]["writerLevels"].as_array().unwrap() {
        walk.send(
            &walk.admin,
            "mutation($l: ID!, $i: WriterLevelRulesInput!) { updateWriterLevelRules(levelId: $l, input: $i) { id } }",
            json!({ "l": level["id"], "i": rules }),
        )
        .await;
    }
}

#[tokio::test]
async fn two_more_pages_cost_the_orders_own_rates_and_grow_it_once_accepted_and_paid() {
    let app = TestApp::spawn().await;
    let walk = Walk::start(&app).await;
    walk.pay_from_wallet().await;
    walk.assign_and_accept().await;
    // today's price of a page doubles: the order keeps the rates it was placed at
    walk.send(
        &walk.admin,
        "mutation { updatePricingSettings(input: {pricePerPage: \"24.00\"}) { pricePerPage } }",
        json!({}),
    )
    .await;
    let quote = walk.send(&walk.client, QUOTE, json!({ "id": walk.order, "p": 2, "s": 0 })).await;
    // 5 pages at the placed rates: 105.00 + 9.99 + 12.50 = 127.49, 47.00 more than 80.49
    assert_eq!(
        quote["data"]["pageIncreaseQuote"],
        json!({ "pages": 5, "slides": 0, "amount": "47.00", "total": "127.49", "writerDecides": true })
    );
    let by_writer = walk.try_send(&walk.writer, QUOTE, json!({ "id": walk.order, "p": 2, "s": 0 })).await;
    assert_eq!(code(&by_writer), "FORBIDDEN", "the client's price is not the writer's to read: {by_writer}");

    let wallet = walk.wallet().await;
    let asked = ask(&walk, 2, 0, true).await;
    assert_eq!(asked["status"], "WAITING_WRITER", "a writer holds the order: they answer first, payFromWallet waits");
    assert_eq!((&asked["pages"], &asked["newPages"], &asked["amount"]), (&json!(3), &json!(5), &json!("47.00")));
    assert_eq!(walk.wallet().await, wallet, "nothing is paid before the writer accepts");
    let id = asked["id"].clone();

    // the writer sees what they would earn more, never what the client pays
    let listed = walk
        .try_send(&walk.writer, "query($id: ID!) { pageIncreases(orderId: $id, first: 5) { totalCount nodes { status writerPay amount } } }", json!({ "id": walk.order }))
        .await;
    assert_eq!(listed["data"]["pageIncreases"]["nodes"][0]["writerPay"], "14.00", "{listed}");
    assert!(listed["data"]["pageIncreases"]["nodes"][0]["amount"].is_null());
    assert_eq!(code(&listed), "FORBIDDEN", "{listed}");

    // the work is not delivered, and the increase not paid, before the writer answers
    let before = written(&app).await;
    let submit = walk.try_send(&walk.writer, SUBMIT, json!({ "id": walk.order })).await;
    assert_eq!(code(&submit), "CONFLICT", "{submit}");
    let early = walk.try_send(&walk.client, PAY, json!({ "id": id })).await;
    assert_eq!(code(&early), "CONFLICT", "{early}");
    assert_eq!(written(&app).await, before);

    let accepted = walk.send(&walk.writer, ACCEPT, json!({ "id": id })).await;
    assert_eq!(accepted["data"]["acceptPageIncrease"], json!({ "status": "AWAITING_PAYMENT", "writerPay": "14.00" }));
    // the client never reads the writer's pay; only the client pays, only the client or an admin withdraws
    let pay_seen = walk
        .try_send(
            &walk.client,
            "query($id: ID!) { pageIncreases(orderId: $id) { nodes { amount writerPay } } }",
            json!({ "id": walk.order }),
        )
        .await;
    assert_eq!(code(&pay_seen), "FORBIDDEN", "{pay_seen}");
    assert_eq!(pay_seen["data"]["pageIncreases"]["nodes"][0], json!({ "amount": "47.00", "writerPay": null }));
    let support = app.sign_in("essays", "support@essays.test").await;
    let before = written(&app).await;
    for (token, query) in [(&walk.writer, PAY), (&walk.admin, PAY), (&walk.writer, WITHDRAW), (&support, WITHDRAW)] {
        let refused = walk.try_send(token, query, json!({ "id": id })).await;
        assert_eq!(code(&refused), "FORBIDDEN", "{query}: {refused}");
    }
    assert_eq!(written(&app).await, before);
    let submit = walk.try_send(&walk.writer, SUBMIT, json!({ "id": walk.order })).await;
    assert_eq!(code(&submit), "CONFLICT", "unpaid, it still holds the delivery: {submit}");
    assert_eq!(order(&walk).await["pages"], 3, "the order changes only when paid");
    walk.check("accepted, not paid", "0.00").await;

    let paid = walk.send(&walk.client, PAY, json!({ "id": id })).await;
    assert_eq!(paid["data"]["payPageIncrease"]["status"], "APPLIED");
    assert_eq!(walk.wallet().await, wallet - 4700);
    let grown = order(&walk).await;
    assert_eq!(
        (&grown["pages"], &grown["total"], &grown["writerCompensation"]),
        (&json!(5), &json!("127.49"), &json!("35.00"))
    );
    assert_eq!(grown["lines"].as_array().unwrap().last(), Some(&json!({ "code": "page_increase", "amount": "47.00" })));
    let kinds: Vec<&str> = grown["timeline"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert!(
        kinds.ends_with(&["PAGE_INCREASE_REQUESTED", "PAGE_INCREASE_ACCEPTED", "PAGE_INCREASE_APPLIED"]),
        "{kinds:?}"
    );
    walk.check("grown", "0.00").await;

    // paid once
    let before = written(&app).await;
    let again = walk.try_send(&walk.client, PAY, json!({ "id": id })).await;
    assert_eq!(code(&again), "CONFLICT", "{again}");
    assert_eq!((written(&app).await, walk.wallet().await), (before, wallet - 4700));

    // delivered: it grows no more (nothing written); approved: the writer earns the grown pay, once
    walk.act("writer", "SUBMIT").await;
    let before = written(&app).await;
    let submitted = walk.try_send(&walk.client, ASK, json!({ "id": walk.order, "p": 1, "s": 0, "now": true })).await;
    assert_eq!(
        (code(&submitted), &submitted["errors"][0]["extensions"]["reason"]),
        ("CONFLICT", &json!("INVALID_TRANSITION")),
        "{submitted}"
    );
    assert_eq!((written(&app).await, walk.wallet().await), (before, wallet - 4700));
    walk.act("client", "APPROVE").await;
    walk.check("approved", "35.00").await;
}

#[tokio::test]
async fn without_a_writer_it_is_paid_at_once_and_whoever_takes_the_order_is_paid_for_its_new_size() {
    let app = TestApp::spawn().await;
    let walk = Walk::start(&app).await;
    walk.pay_from_wallet().await;
    let wallet = walk.wallet().await;
    let asked = ask(&walk, 1, 2, true).await;
    assert_eq!(asked["status"], "APPLIED", "{asked}");
    let amount = cents(&asked["amount"]);
    assert_eq!(walk.wallet().await, wallet - amount);
    let grown = order(&walk).await;
    assert_eq!((&grown["pages"], &grown["slides"]), (&json!(4), &json!(2)));
    assert_eq!(cents(&grown["total"]), 8049 + amount);
    let pay = cents(&grown["writerCompensation"]);
    assert!(pay > 2100, "the pay at the order's rates grew with it: {grown}");
    walk.check("grown before a writer", "0.00").await;

    walk.assign_and_accept().await;
    walk.act("writer", "SUBMIT").await;
    walk.act("client", "APPROVE").await;
    walk.check("approved", &format!("{}.{:02}", pay / 100, pay % 100)).await;

    // an increase of delivered work is refused, and writes nothing
    let before = written(&app).await;
    let late = walk.try_send(&walk.client, ASK, json!({ "id": walk.order, "p": 1, "s": 0, "now": true })).await;
    assert_eq!(code(&late), "CONFLICT", "{late}");
    assert_eq!(written(&app).await, before);
}

#[tokio::test]
async fn a_writer_paid_a_percent_gets_their_percent_of_the_increase() {
    let app = TestApp::spawn().await;
    let walk = Walk::start(&app).await;
    level_rules(&walk, json!({ "payMode": "PERCENT", "payPercent": "50" })).await;
    walk.pay_from_wallet().await;
    walk.assign_and_accept().await;
    assert_eq!(order(&walk).await["writerCompensation"], "40.24", "half of 80.49, rounded down");
    let id = ask(&walk, 2, 0, false).await["id"].clone();
    let accepted = walk.send(&walk.writer, ACCEPT, json!({ "id": id })).await;
    assert_eq!(accepted["data"]["acceptPageIncrease"]["writerPay"], "23.50", "half of the 47.00");
    walk.send(&walk.client, PAY, json!({ "id": id })).await;
    assert_eq!(order(&walk).await["writerCompensation"], "63.74");
    walk.act("writer", "SUBMIT").await;
    walk.act("client", "APPROVE").await;
    walk.check("approved", "63.74").await;
}

/// The order keeps its pay at its own rates apart from the pay of the writer who has it: after a
/// writer paid a percent lets it go, it grows at its rates, and the next writer on a per-page
/// level is paid those rates, not the percent writer's pay.
#[tokio::test]
async fn the_order_keeps_its_own_rates_pay_whoever_had_it_before() {
    let app = TestApp::spawn().await;
    let walk = Walk::start(&app).await;
    walk.pay_from_wallet().await;
    level_rules(&walk, json!({ "payMode": "PERCENT", "payPercent": "50" })).await;
    walk.send(
        &walk.admin,
        "mutation($id: ID!, $w: ID!) { assignWriter(orderId: $id, writerId: $w) { id } }",
        json!({ "id": walk.order, "w": walk.writer_id }),
    )
    .await;
    assert_eq!(order(&walk).await["writerCompensation"], "40.24", "offered at half the total");
    walk.act("writer", "DECLINE_ASSIGNMENT").await;
    let grown = ask(&walk, 2, 0, true).await;
    assert_eq!(grown["status"], "APPLIED");
    assert_eq!(order(&walk).await["writerCompensation"], "35.00", "no one has it: its own rates, 21.00 + 14.00");
    level_rules(&walk, json!({ "payMode": "PER_PAGE" })).await;
    walk.assign_and_accept().await;
    assert_eq!(order(&walk).await["writerCompensation"], "35.00");
    walk.act("writer", "SUBMIT").await;
    walk.act("client", "APPROVE").await;
    walk.check("approved", "35.00").await;
}

#[tokio::test]
async fn the_writer_may_decline_and_cannot_accept_beyond_their_level() {
    let app = TestApp::spawn().await;
    let walk = Walk::start(&app).await;
    walk.pay_from_wallet().await;
    walk.assign_and_accept().await;
    level_rules(&walk, json!({ "maxPagesPerOrder": 4 })).await;
    let id = ask(&walk, 2, 0, false).await["id"].clone();
    let before = written(&app).await;
    let over = walk.try_send(&walk.writer, ACCEPT, json!({ "id": id })).await;
    assert_eq!(
        (code(&over), &over["errors"][0]["extensions"]["reason"]),
        ("CONFLICT", &json!("LEVEL_LIMIT")),
        "{over}"
    );
    assert_eq!(written(&app).await, before);
    // only the order's writer answers
    let by_client = walk.try_send(&walk.client, ACCEPT, json!({ "id": id })).await;
    assert_eq!(code(&by_client), "FORBIDDEN", "{by_client}");
    let declined = walk.send(&walk.writer, DECLINE, json!({ "id": id })).await;
    assert_eq!(
        declined["data"]["declinePageIncrease"],
        json!({ "status": "DECLINED", "note": "More than I can write by the deadline" })
    );
    assert_eq!(order(&walk).await["pages"], 3);
    // an accepted one the client does not pay: the writer may still decline it, and deliver
    let id = ask(&walk, 1, 0, false).await["id"].clone();
    walk.send(&walk.writer, ACCEPT, json!({ "id": id })).await;
    let taken_back = walk.send(&walk.writer, DECLINE, json!({ "id": id })).await;
    assert_eq!(taken_back["data"]["declinePageIncrease"]["status"], "DECLINED");
    let again = walk.try_send(&walk.client, PAY, json!({ "id": id })).await;
    assert_eq!(code(&again), "CONFLICT", "{again}");
    // answered: the work may be delivered, and a new increase may be asked
    let id = ask(&walk, 1, 0, false).await["id"].clone();
    walk.send(&walk.writer, ACCEPT, json!({ "id": id })).await;
    let withdrawn = walk.send(&walk.client, WITHDRAW, json!({ "id": id })).await;
    assert_eq!(withdrawn["data"]["withdrawPageIncrease"]["status"], "WITHDRAWN");
    walk.act("writer", "SUBMIT").await;
    walk.check("delivered at the old size", "0.00").await;
}

#[tokio::test]
async fn cancelling_the_order_closes_its_open_increase() {
    let app = TestApp::spawn().await;
    let walk = Walk::start(&app).await;
    walk.pay_from_wallet().await;
    let id = ask(&walk, 1, 0, false).await["id"].clone();
    walk.act("client", "CANCEL").await;
    let listed = walk
        .send(
            &walk.client,
            "query($id: ID!) { pageIncreases(orderId: $id) { nodes { id status note } } }",
            json!({ "id": walk.order }),
        )
        .await;
    assert_eq!(
        listed["data"]["pageIncreases"]["nodes"],
        json!([{ "id": id, "status": "WITHDRAWN", "note": "the order was cancelled" }])
    );
    let late = walk.try_send(&walk.client, PAY, json!({ "id": id })).await;
    assert_eq!(code(&late), "CONFLICT", "{late}");
    walk.check("cancelled", "0.00").await;
}

#[tokio::test]
async fn a_grown_order_cancelled_gives_back_what_was_paid_for_it_too() {
    let app = TestApp::spawn().await;
    let walk = Walk::start(&app).await;
    let wallet = walk.wallet().await;
    walk.pay_from_wallet().await;
    let asked = ask(&walk, 1, 0, true).await;
    assert_eq!((&asked["status"], &asked["amount"]), (&json!("APPLIED"), &json!("23.50")));
    assert_eq!(walk.wallet().await, wallet - 8049 - 2350);
    // before half its time: all of it back, the increase's part too
    walk.act("client", "CANCEL").await;
    assert_eq!(walk.wallet().await, wallet);
    walk.check("grown and cancelled", "0.00").await;
}

#[tokio::test]
async fn a_full_refund_closes_the_open_increase() {
    let app = TestApp::spawn().await;
    let walk = Walk::start(&app).await;
    walk.pay_from_wallet().await;
    let id = ask(&walk, 1, 0, false).await["id"].clone();
    walk.refund("80.49").await;
    let listed = walk
        .send(
            &walk.client,
            "query($id: ID!) { pageIncreases(orderId: $id) { nodes { status } } }",
            json!({ "id": walk.order }),
        )
        .await;
    assert_eq!(listed["data"]["pageIncreases"]["nodes"], json!([{ "status": "WITHDRAWN" }]));
    let late = walk.try_send(&walk.client, PAY, json!({ "id": id })).await;
    assert_eq!(code(&late), "CONFLICT", "{late}");
    walk.check("refunded", "0.00").await;
}

/// An increase priced while the order waited for its preferred writer carries their fee; if the
/// writer then declines (the fee goes back), it is stale and cannot be paid; asked again, it
/// costs no fee.
#[tokio::test]
async fn the_preferred_fee_is_charged_only_while_it_applies() {
    let app = TestApp::spawn().await;
    let c = app.catalog("essays").await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let writer_id = app.user_id("essays", "writer@essays.test").await;
    let spec = json!({
        "topic": "For my writer", "paperTypeId": c["essay"], "academicLevelId": c["undergraduate"], "subjectId": c["english"],
        "workTypeId": c["writing"], "pages": 3, "deadline": app.in_hours(50), "extraServiceIds": [c["plagiarism_report"]],
        "writerLevelId": c["advanced"], "preferredWriterId": writer_id,
    });
    let placed = app
        .gql("mutation($i: OrderSpecInput!) { placeOrder(input: $i) { id } }")
        .vars(json!({ "i": spec }))
        .tenant("essays")
        .token(&client)
        .send()
        .await;
    let walk = Walk {
        app: &app,
        order: placed["data"]["placeOrder"]["id"].as_str().unwrap().to_owned(),
        client,
        writer: app.sign_in("essays", "writer@essays.test").await,
        admin: app.sign_in("essays", "admin@essays.test").await,
        writer_id,
    };
    walk.pay_from_wallet().await;
    let with_fee = ask(&walk, 2, 0, false).await;
    assert!(cents(&with_fee["amount"]) > 4700, "the fee grows with the base while it applies: {with_fee}");
    walk.act("writer", "DECLINE_ASSIGNMENT").await;
    let before = written(&app).await;
    let wallet = walk.wallet().await;
    let stale = walk.try_send(&walk.client, PAY, json!({ "id": with_fee["id"] })).await;
    assert_eq!((code(&stale), &stale["errors"][0]["extensions"]["reason"]), ("CONFLICT", &json!("STALE")), "{stale}");
    assert_eq!((written(&app).await, walk.wallet().await), (before, wallet));
    walk.send(&walk.client, WITHDRAW, json!({ "id": with_fee["id"] })).await;
    let without = ask(&walk, 2, 0, true).await;
    assert_eq!((&without["status"], &without["amount"]), (&json!("APPLIED"), &json!("47.00")));
    walk.check("grown without the fee", "0.00").await;
}

#[tokio::test]
async fn racing_payments_charge_once() {
    let app = TestApp::spawn().await;
    let walk = Walk::start(&app).await;
    walk.pay_from_wallet().await;
    let id = ask(&walk, 2, 0, false).await["id"].clone();
    let wallet = walk.wallet().await;
    let tries = (0..6).map(|_| walk.try_send(&walk.client, PAY, json!({ "id": id })));
    let answers = futures::future::join_all(tries).await;
    let won = answers.iter().filter(|a| a["errors"].is_null()).count();
    assert_eq!(won, 1, "{answers:?}");
    assert!(answers.iter().filter(|a| !a["errors"].is_null()).all(|a| code(a) == "CONFLICT"), "{answers:?}");
    assert_eq!(walk.wallet().await, wallet - 4700);
    assert_eq!(order(&walk).await["pages"], 5);
    walk.check("raced", "0.00").await;
}

#[tokio::test]
async fn refused_increases_write_nothing() {
    let app = TestApp::spawn().await;
    let walk = Walk::start(&app).await;
    let stranger = app.sign_up("essays", "stranger@essays.test", "Stranger").await;
    // not paid yet
    let before = written(&app).await;
    let unpaid = walk.try_send(&walk.client, ASK, json!({ "id": walk.order, "p": 1, "s": 0, "now": false })).await;
    assert_eq!(code(&unpaid), "CONFLICT", "{unpaid}");
    assert!(unpaid["errors"][0]["message"].as_str().unwrap().contains("pay for the order first"), "{unpaid}");
    assert_eq!(written(&app).await, before);
    walk.pay_from_wallet().await;
    let before = written(&app).await;
    for (token, pages, slides, expected, at_field) in [
        (&walk.client, 0, 0, "BAD_USER_INPUT", "addPages"),
        (&walk.client, -1, 2, "BAD_USER_INPUT", "addPages"),
        (&walk.client, 1, -1, "BAD_USER_INPUT", "addSlides"),
        // beyond the site's most pages and slides in an order
        (&walk.client, 10_000, 0, "BAD_USER_INPUT", "addPages"),
        (&walk.client, 0, 10_000, "BAD_USER_INPUT", "addSlides"),
        // only the order's client asks
        (&walk.admin, 1, 0, "FORBIDDEN", ""),
        (&walk.writer, 1, 0, "FORBIDDEN", ""),
        (&stranger, 1, 0, "NOT_FOUND", ""),
    ] {
        let body = walk.try_send(token, ASK, json!({ "id": walk.order, "p": pages, "s": slides, "now": true })).await;
        assert_eq!(code(&body), expected, "{pages}/{slides}: {body}");
        if !at_field.is_empty() {
            assert_eq!(field(&body), at_field, "{body}");
        }
        assert_eq!(written(&app).await, before, "{pages}/{slides}");
    }
    // more than the wallet holds: refused whole, nothing asked, nothing charged
    let wallet = walk.wallet().await;
    walk.send(&walk.admin, "mutation { updateTenantFeatureToggles(input: {maxPagesPerOrder: 200}) { id } }", json!({}))
        .await;
    let before = written(&app).await;
    let dear = walk.try_send(&walk.client, ASK, json!({ "id": walk.order, "p": 197, "s": 0, "now": true })).await;
    assert_eq!(
        (code(&dear), &dear["errors"][0]["extensions"]["reason"]),
        ("BAD_USER_INPUT", &json!("INSUFFICIENT_FUNDS")),
        "{dear}"
    );
    assert_eq!((written(&app).await, walk.wallet().await), (before, wallet));
    // one open at a time
    ask(&walk, 1, 0, false).await;
    let before = written(&app).await;
    let twice = walk.try_send(&walk.client, ASK, json!({ "id": walk.order, "p": 2, "s": 0, "now": false })).await;
    assert_eq!(
        (code(&twice), &twice["errors"][0]["extensions"]["reason"]),
        ("CONFLICT", &json!("DUPLICATE")),
        "{twice}"
    );
    assert_eq!(written(&app).await, before);
    // another site's client finds nothing
    let papers = app.sign_in("papers", "client@papers.test").await;
    let elsewhere =
        app.gql(QUOTE).vars(json!({ "id": walk.order, "p": 1, "s": 0 })).tenant("papers").token(&papers).send().await;
    assert_eq!(code(&elsewhere), "NOT_FOUND", "{elsewhere}");
    // with the site's wallets off, an increase can be neither asked nor paid
    let id = walk
        .send(
            &walk.client,
            "query($id: ID!) { pageIncreases(orderId: $id) { nodes { id } } }",
            json!({ "id": walk.order }),
        )
        .await["data"]["pageIncreases"]["nodes"][0]["id"]
        .clone();
    walk.send(&walk.admin, "mutation { updateTenantFeatureToggles(input: {wallet: false}) { id } }", json!({})).await;
    let before = written(&app).await;
    let off = walk.try_send(&walk.client, PAY, json!({ "id": id })).await;
    assert_eq!(off["errors"][0]["extensions"]["reason"], "FEATURE_DISABLED", "{off}");
    assert_eq!(written(&app).await, before);
}
