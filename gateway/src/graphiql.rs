//! GraphiQL, served from the binary: the page and its scripts and styles are compiled in, so it
//! works on a network with no way out. (Assets: `scripts/fetch-graphiql.sh`.)

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

const PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Scriptorium GraphiQL</title>
  <link rel="stylesheet" href="/graphql/assets/graphiql.min.css">
  <style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script src="/graphql/assets/react.production.min.js"></script>
  <script src="/graphql/assets/react-dom.production.min.js"></script>
  <script src="/graphql/assets/graphiql.min.js"></script>
  <script>
    const defaultQuery = `# Scriptorium. The tenant comes from the host name (localhost = essays,
# papers.localhost = papers) or an X-Tenant header (Headers tab: {"X-Tenant": "papers"}).
# Signing in sets a session cookie, so later requests from this page are signed in too;
# other clients send the token as "Authorization: Bearer <token>".

mutation SignIn {
  signIn(input: { email: "client@essays.test", password: "demo-password" }) {
    token
    user { id email displayName role }
  }
}

# Live (run it, then place or move an order in another tab): the events of one order
# subscription Live { orderEvents(orderId: "<an order id>") { at kind toStatus actor { displayName } } }
# subscription Bell { notificationAdded { kind title body createdAt } }
query Me {
  viewer { id email displayName role tenant { slug name } sessions { id lastSeenAt current } }
  tenant { slug name currency branding { fromName primaryColor } featureToggles { drafts wallet } }
}
`;
    // subscriptions go over a WebSocket; the Headers tab (X-Tenant, Authorization) is sent as
    // its connection_init payload, and the session cookie with the upgrade
    const subscriptionUrl = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/graphql/ws';
    const fetcher = GraphiQL.createFetcher({ url: '/graphql', subscriptionUrl });
    ReactDOM.createRoot(document.getElementById('graphiql')).render(
      React.createElement(GraphiQL, { fetcher, defaultQuery, defaultEditorToolsVisibility: true }),
    );
  </script>
</body>
</html>
"#;

pub async fn page() -> Html<&'static str> {
    Html(PAGE)
}

pub async fn asset(Path(name): Path<String>) -> Response {
    let (body, content_type): (&'static [u8], &str) = match name.as_str() {
        "graphiql.min.js" => (include_bytes!("../assets/graphiql/graphiql.min.js"), "text/javascript; charset=utf-8"),
        "graphiql.min.css" => (include_bytes!("../assets/graphiql/graphiql.min.css"), "text/css; charset=utf-8"),
        "react.production.min.js" => {
            (include_bytes!("../assets/graphiql/react.production.min.js"), "text/javascript; charset=utf-8")
        }
        "react-dom.production.min.js" => {
            (include_bytes!("../assets/graphiql/react-dom.production.min.js"), "text/javascript; charset=utf-8")
        }
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
    response
}
