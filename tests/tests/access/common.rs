//! Helpers shared by the access tests.

use serde_json::{Value, json};
use tests::TestApp;

pub const TENANT: &str = "essays";

/// The selection of a field's type reference, four levels deep (enough for `[X!]!`).
pub const TYPE_REF: &str = "type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }";

pub async fn send(app: &TestApp, token: &str, query: &str, vars: Value) -> Value {
    app.gql(query).vars(vars).tenant(TENANT).token(token).send().await
}

/// Must answer without errors; returns `data`.
pub async fn ok(app: &TestApp, token: &str, query: &str, vars: Value) -> Value {
    let body = send(app, token, query, vars).await;
    assert!(body["errors"].is_null(), "{query}: {body}");
    body["data"].clone()
}

/// A field's type from introspection with `NON_NULL` and `LIST` unwrapped: `(kind, name)`.
pub fn named_type(type_ref: &Value) -> (String, String) {
    let mut t = type_ref;
    while matches!(t["kind"].as_str(), Some("NON_NULL" | "LIST")) {
        t = &t["ofType"];
    }
    let kind = t["kind"].as_str().unwrap_or_else(|| panic!("type reference nested too deep: {type_ref}"));
    (kind.to_owned(), t["name"].as_str().unwrap_or_default().to_owned())
}

/// Whether a selection of the field needs a sub-selection.
pub fn is_composite(kind: &str) -> bool {
    matches!(kind, "OBJECT" | "INTERFACE" | "UNION")
}

/// The names of a field's arguments that a caller must give (non-null without a default).
pub fn required_args(field: &Value) -> Vec<String> {
    field["args"]
        .as_array()
        .map(|args| {
            args.iter()
                .filter(|a| a["type"]["kind"] == "NON_NULL" && a["defaultValue"].is_null())
                .map(|a| a["name"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Turns one of the tenant's toggles (`drafts`, `presets`, `wallet`, `passwordReset`,
/// `magicLinkLogin`) on or off (as its admin), and checks
/// that the tenant now reports it so.
pub async fn set_toggle(app: &TestApp, admin: &str, toggle: &str, on: bool) {
    let data = ok(
        app,
        admin,
        "mutation($i: FeatureTogglesInput!) { updateTenantFeatureToggles(input: $i) { featureToggles { drafts presets wallet passwordReset magicLinkLogin messaging disputes escalations } } }",
        json!({ "i": { toggle: on } }),
    )
    .await;
    assert_eq!(data["updateTenantFeatureToggles"]["featureToggles"][toggle], on, "{data}");
}
