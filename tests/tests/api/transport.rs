use serde_json::{Value, json};
use tests::{TestApp, code};

#[tokio::test]
async fn health_readiness_and_metrics_answer() {
    let app = TestApp::spawn().await;
    let http = app.http();
    assert_eq!(http.get(app.url("/healthz")).send().await.unwrap().text().await.unwrap(), "ok");
    assert_eq!(http.get(app.url("/readyz")).send().await.unwrap().status(), 200);
    app.gql("{ viewer { id } }").tenant("essays").send().await;
    let metrics = http.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("scriptorium_http_requests_total"), "{metrics}");
    assert!(metrics.contains("scriptorium_http_request_duration_seconds_bucket"), "{metrics}");
    assert!(metrics.contains("scriptorium_sql_statements_total"), "{metrics}");
}

/// With `SCRIPTORIUM_METRICS_BIND`, `/metrics` is not on the API's address (anyone who reaches
/// the API would read it, unauthenticated); it is served by its own router on the private one.
#[tokio::test]
async fn metrics_on_a_private_address_are_not_served_with_the_api() {
    let app = TestApp::spawn_with(|options| options.metrics = false).await;
    assert_eq!(app.http().get(app.url("/metrics")).send().await.unwrap().status(), 404);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let private = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, gateway::app::metrics_router()).await.unwrap() });
    app.gql("{ viewer { id } }").tenant("essays").send().await;
    let metrics = app.http().get(format!("http://{private}/metrics")).send().await.unwrap();
    assert_eq!(metrics.status(), 200);
    assert!(metrics.text().await.unwrap().contains("scriptorium_http_requests_total"));
}

#[tokio::test]
async fn graphiql_is_served_from_the_binary_with_no_external_host() {
    let app = TestApp::spawn().await;
    let page = app.http().get(app.url("/graphql")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("GraphiQL.createFetcher"));
    assert!(
        !page.contains("http://") && !page.contains("https://") && !page.contains("//unpkg") && !page.contains("cdn"),
        "{page}"
    );
    for asset in ["graphiql.min.js", "graphiql.min.css", "react.production.min.js", "react-dom.production.min.js"] {
        let response = app.http().get(app.url(&format!("/graphql/assets/{asset}"))).send().await.unwrap();
        assert_eq!(response.status(), 200, "{asset}");
        assert!(response.bytes().await.unwrap().len() > 5_000, "{asset}");
    }
    assert_eq!(app.http().get(app.url("/graphql/assets/../../etc/passwd")).send().await.unwrap().status(), 404);
}

#[tokio::test]
async fn every_response_reports_its_sql_statements() {
    let app = TestApp::spawn().await;
    let token = app.sign_in("essays", "client@essays.test").await;
    let body = app.gql("{ viewer { id email } }").tenant("essays").token(&token).send().await;
    let sql = &body["extensions"]["sql"];
    // the tenant is cached; the session lookup is one statement
    assert!(sql["statements"].as_u64().unwrap() >= 1, "{body}");
    assert!(sql["millis"].as_f64().is_some(), "{body}");
}

async fn raw(app: &TestApp, content_type: &str, body: Vec<u8>) -> (u16, Value) {
    let response = app
        .http()
        .post(app.url("/graphql"))
        .header("Content-Type", content_type)
        .header("X-Tenant", "essays")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn bodies_over_one_mebibyte_invalid_json_and_other_media_types_are_refused() {
    let app = TestApp::spawn().await;
    let users_before = app.count("users").await;
    let padding = "x".repeat(1024 * 1024);
    let big = json!({ "query": "mutation { signUp(input: {email: \"big@x.test\", password: \"long-enough-pw\", displayName: \"B\"}) { token } }", "variables": { "pad": padding } });
    let (status, body) = raw(&app, "application/json", serde_json::to_vec(&big).unwrap()).await;
    assert_eq!(status, 413);
    assert_eq!(code(&body), "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["reason"], "BODY_TOO_LARGE");

    let (status, body) = raw(&app, "application/json", b"{\"query\": ".to_vec()).await;
    assert_eq!(status, 400);
    assert_eq!(code(&body), "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["reason"], "INVALID_JSON");

    let (status, body) = raw(&app, "text/plain", br#"{"query":"{ viewer { id } }"}"#.to_vec()).await;
    assert_eq!(status, 415);
    assert_eq!(code(&body), "BAD_USER_INPUT");
    assert_eq!(app.count("users").await, users_before);
}

#[tokio::test]
async fn batches_run_up_to_ten_operations() {
    let app = TestApp::spawn().await;
    let one = json!({ "query": "{ tenant { slug } }" });
    let (status, body) = raw(&app, "application/json", serde_json::to_vec(&vec![one.clone(); 10]).unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(body.as_array().unwrap().len(), 10);
    assert_eq!(body[9]["data"]["tenant"]["slug"], "essays");
    let (status, body) = raw(&app, "application/json", serde_json::to_vec(&vec![one; 11]).unwrap()).await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["extensions"]["reason"], "BATCH_TOO_LARGE");
}

#[tokio::test]
async fn depth_and_alias_limits_hold() {
    let app = TestApp::spawn().await;
    // 13 levels (depth is checked before the fields are, so any names do)
    let deep = format!("{{ {} leaf {} }}", "a { ".repeat(12), "} ".repeat(12));
    let body = app.gql(&deep).tenant("essays").send().await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["reason"], "QUERY_TOO_DEEP", "{body}");
    assert!(body["data"].is_null());

    // 12 levels pass the depth check (and then fail validation on the made-up names)
    let twelve = format!("{{ {} leaf {} }}", "a { ".repeat(11), "} ".repeat(11));
    let body = app.gql(&twelve).tenant("essays").send().await;
    assert_ne!(body["errors"][0]["extensions"]["reason"], "QUERY_TOO_DEEP", "{body}");

    let aliases = |n: usize| {
        format!("{{ {} }}", (0..n).map(|i| format!("a{i}: tenant {{ slug }}")).collect::<Vec<_>>().join(" "))
    };
    let ok = app.gql(&aliases(15)).tenant("essays").send().await;
    assert!(ok["errors"].is_null(), "{ok}");
    assert_eq!(ok["data"]["a14"]["slug"], "essays");
    let refused = app.gql(&aliases(16)).tenant("essays").send().await;
    assert_eq!(code(&refused), "BAD_USER_INPUT");
    assert_eq!(refused["errors"][0]["extensions"]["reason"], "TOO_MANY_ALIASES");
}

#[tokio::test]
async fn unknown_fields_and_wrong_argument_types_are_bad_user_input_without_internals() {
    let app = TestApp::spawn().await;
    let body = app.gql("{ nope }").tenant("essays").send().await;
    assert_eq!(code(&body), "BAD_USER_INPUT");
    let body = app.gql("{ users(first: \"many\") { totalCount } }").tenant("essays").send().await;
    assert_eq!(code(&body), "BAD_USER_INPUT");
    let text = body.to_string().to_lowercase();
    assert!(!text.contains("select") && !text.contains("sqlx") && !text.contains("panicked"), "{body}");
}

/// GraphiQL's introspection query (as graphql-js builds it, `ofType` nested nine deep) must
/// pass the limits, or GraphiQL loses its docs and completion.
#[tokio::test]
async fn graphiqls_introspection_query_passes_the_limits() {
    let app = TestApp::spawn().await;
    let type_ref =
        format!("fragment TypeRef on __Type {{ kind name {} }}", "ofType { kind name ".repeat(9) + &"} ".repeat(9));
    let query = format!(
        "query IntrospectionQuery {{ __schema {{ queryType {{ name }} mutationType {{ name }} subscriptionType {{ name }} \
         types {{ ...FullType }} directives {{ name description locations args {{ ...InputValue }} }} }} }} \
         fragment FullType on __Type {{ kind name description fields(includeDeprecated: true) {{ name description \
         args {{ ...InputValue }} type {{ ...TypeRef }} isDeprecated deprecationReason }} inputFields {{ ...InputValue }} \
         interfaces {{ ...TypeRef }} enumValues(includeDeprecated: true) {{ name description isDeprecated deprecationReason }} \
         possibleTypes {{ ...TypeRef }} }} \
         fragment InputValue on __InputValue {{ name description type {{ ...TypeRef }} defaultValue }} {type_ref}"
    );
    let body = app.gql(&query).send().await;
    assert!(body["errors"].is_null(), "{}", body["errors"]);
    assert!(body["data"]["__schema"]["types"].as_array().unwrap().len() > 20);
}

/// Every `scriptorium_http_requests_total` series line with its labels.
fn request_series(metrics: &str) -> Vec<String> {
    metrics.lines().filter(|l| l.starts_with("scriptorium_http_requests_total{")).map(|l| l.to_owned()).collect()
}

fn label<'a>(series: &'a str, name: &str) -> &'a str {
    let start = series.find(&format!("{name}=\"")).map(|i| i + name.len() + 2).unwrap_or(0);
    series[start..].split('"').next().unwrap_or("")
}

#[tokio::test]
async fn random_methods_and_paths_cannot_grow_the_metrics() {
    let app = TestApp::spawn().await;
    let http = app.http();
    let metrics = || async { http.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap() };
    // one of each kind first, so the series they fall into exist
    for method in ["FOO", "GET"] {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        http.request(method.clone(), app.url("/warm-up/x")).send().await.unwrap();
        http.request(method, app.url("/graphql")).send().await.unwrap();
    }
    let before = request_series(&metrics().await);
    for i in 0..1000u32 {
        let method = format!("M{}X{}", i % 97, i.wrapping_mul(2_654_435_761) % 100_000);
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let path = format!("/random/{i}/{}", i.wrapping_mul(40_503));
        let target = if i % 2 == 0 { app.url(&path) } else { app.url("/graphql") };
        http.request(method, target).send().await.unwrap();
    }
    let after = request_series(&metrics().await);
    let methods = ["GET", "POST", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE", "OTHER"];
    let paths = [
        "/graphql",
        "/graphql/ws",
        "/graphql/assets/{name}",
        "/healthz",
        "/readyz",
        "/metrics",
        "/webhooks/stripe",
        "/calendar/{file}",
        "/files/{id}",
        "unmatched",
    ];
    for series in &after {
        assert!(methods.contains(&label(series, "method")), "{series}");
        assert!(paths.contains(&label(series, "path")), "{series}");
    }
    // other tests share the process's recorder and may add a series meanwhile, but 1,000
    // made-up methods and paths added none of their own
    let new: Vec<_> =
        after.iter().filter(|s| !before.iter().any(|b| b.split('}').next() == s.split('}').next())).collect();
    assert!(new.iter().all(|s| label(s, "method") != "OTHER" || label(s, "status") != "404"), "{new:?}");
    assert!(new.len() < 10, "{} new series: {new:?}", new.len());
}

#[tokio::test]
async fn the_client_address_is_the_rightmost_hop_not_the_clients_own_claim() {
    let app = TestApp::spawn().await;
    let sign_in = |forwarded: &'static str| {
        let app = &app;
        async move {
            app.http()
                .post(app.url("/graphql"))
                .header("X-Tenant", "essays")
                .header("X-Forwarded-For", forwarded)
                .json(&json!({ "query": "mutation { signIn(input: {email: \"client@essays.test\", password: \"demo-password\"}) { token } }" }))
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()["data"]["signIn"]["token"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    // the client wrote "6.6.6.6"; the proxy appended the address it saw
    let token = sign_in("6.6.6.6, 203.0.113.7").await;
    let body = app.gql("{ viewer { sessions { ip current } } }").tenant("essays").token(&token).send().await;
    let sessions = body["data"]["viewer"]["sessions"].as_array().unwrap();
    let current = sessions.iter().find(|s| s["current"] == true).unwrap();
    assert_eq!(current["ip"], "203.0.113.7", "{body}");
}

#[tokio::test]
async fn with_introspection_off_it_is_refused_with_a_reason_and_no_field_is_suggested() {
    let app = TestApp::spawn_with(|options| options.introspection = false).await;
    for query in [
        "{ __schema { types { name } } }",
        "{ __type(name: \"Order\") { name } }",
        "{ ...I } fragment I on Query { __schema { queryType { name } } }",
    ] {
        let body = app.gql(query).tenant("essays").send().await;
        assert_eq!(code(&body), "FORBIDDEN", "{query}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["reason"], "INTROSPECTION_DISABLED", "{body}");
        assert!(body["data"].is_null(), "{body}");
    }
    // __typename is not introspection
    let body = app.gql("{ __typename tenant { slug } }").tenant("essays").send().await;
    assert!(body["errors"].is_null(), "{body}");
    // a misspelt field is refused without "Did you mean"
    let body = app.gql("{ tenat { slug } }").tenant("essays").send().await;
    assert_eq!(code(&body), "BAD_USER_INPUT");
    assert!(!body.to_string().contains("Did you mean"), "{body}");
    // with introspection on (the default), suggestions help
    let open = TestApp::spawn().await;
    let body = open.gql("{ tenat { slug } }").tenant("essays").send().await;
    assert!(body.to_string().contains("Did you mean"), "{body}");
}
