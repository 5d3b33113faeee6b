//! A page of orders reads only the columns its query asks for (`projection` in
//! `crates/orders/src/graphql/order.rs`); a single order reads its whole row. For every field of
//! `Order`, found by introspection, asking for it alone on a page (directly, or in a fragment)
//! must answer exactly what the single order answers: a field whose columns the projection
//! forgot would show a placeholder (a nil id, an empty text, the epoch) here.

use serde_json::json;
use tests::TestApp;

use crate::common::ok;
use crate::field_access::{Role, order_fields, setup};

#[tokio::test]
async fn a_page_that_asks_for_one_field_answers_it_as_the_whole_row_does() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    let admin = &s.tokens[&Role::Admin];
    let fields = order_fields(&app, admin).await;
    assert!(fields.len() > 30, "introspection found the fields of Order: {fields:?}");

    let mut differences = Vec::new();
    for (name, selection) in &fields {
        let single = ok(
            &app,
            admin,
            &format!("query($id: ID!) {{ order(id: $id) {{ {selection} }} }}"),
            json!({ "id": s.order }),
        )
        .await;
        let expected = &single["order"];
        for (shape, page_query) in [
            ("edges", format!("{{ orders(first: 20) {{ edges {{ node {{ id {selection} }} }} }} }}")),
            ("nodes", format!("{{ orders(first: 20) {{ nodes {{ id {selection} }} }} }}")),
            // the projection follows fragment spreads and inline fragments too
            (
                "fragment",
                format!(
                    "{{ orders(first: 20) {{ nodes {{ id ...F }} }} }} \
                     fragment F on Order {{ ... on Order {{ {selection} }} }}"
                ),
            ),
        ] {
            let page = ok(&app, admin, &page_query, json!({})).await;
            let nodes: Vec<&serde_json::Value> = match shape {
                "edges" => page["orders"]["edges"].as_array().unwrap().iter().map(|e| &e["node"]).collect(),
                _ => page["orders"]["nodes"].as_array().unwrap().iter().collect(),
            };
            let node = nodes.iter().find(|n| n["id"] == s.order.as_str()).expect("the order is on the first page");
            if node[name.as_str()] != expected[name.as_str()] {
                differences.push(format!(
                    "{name} ({shape}): the page answers {} where the order answers {}",
                    node[name.as_str()],
                    expected[name.as_str()]
                ));
            }
        }
    }
    assert!(
        differences.is_empty(),
        "fields a page answers differently from the whole row (list their columns in `columns_of`, \
         crates/orders/src/graphql/order.rs):\n{}",
        differences.join("\n")
    );
}

#[tokio::test]
async fn a_page_makes_the_same_statements_however_many_columns_it_asks_for() {
    // the projection changes what a statement reads, not how many statements a page makes
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    let admin = &s.tokens[&Role::Admin];
    let count = |query: &'static str| {
        let app = &app;
        async move {
            let body = app.gql(query).tenant(crate::common::TENANT).token(admin).send().await;
            assert!(body["errors"].is_null(), "{body}");
            body["extensions"]["sql"]["statements"].as_u64().unwrap()
        }
    };
    count("{ orders(first: 1) { edges { node { id } } } }").await; // the tenant is resolved and cached
    let lean = count("{ orders(first: 20) { edges { node { id status } } } }").await;
    let wide = count("{ orders(first: 20) { edges { node { id status topic instructions placedAt tone } } } }").await;
    assert_eq!(lean, wide);
}
