//! Devices, places and login alerts end to end: a browser's device cookie makes it one device
//! across sign-ins, named from its user agent; sessions show their device and approximate place
//! (the network without a location database, the city with one: a real `.mmdb` written here);
//! devices are renamed and forgotten (ending their sessions) by their owner only; a sign-in from
//! a new device or place alerts the user once, as they chose, and the e-mail's "this wasn't me"
//! link ends that session once and sends a password reset link.

use serde_json::{Value, json};
use tests::mail::Mail;
use tests::{TestApp, code, field};

const FIREFOX: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
const SAFARI: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
const SIGN_IN: &str =
    "mutation($e: String!, $p: String!) { signIn(input: {email: $e, password: $p}) { token user { email } } }";
const DEVICES: &str = "{ viewer { devices { id name browser os lastIp location current sessions { id current } } sessions { id current location deviceId deviceName browser os } } }";
const RENAME: &str = "mutation($id: ID!, $n: String!) { renameDevice(id: $id, name: $n) { id name current } }";
const FORGET: &str = "mutation($id: ID!) { forgetDevice(id: $id) }";
const PREFERENCES: &str = "{ viewer { loginAlertPreferences { newLogin newDevice newLocation email push inApp } } }";
const UPDATE: &str = "mutation($i: LoginAlertPreferencesInput!) { updateLoginAlertPreferences(input: $i) { newLogin newDevice newLocation email push inApp } }";
const NOT_ME: &str = "mutation($t: String!) { reportUnrecognizedSignIn(token: $t) }";
const ME: &str = "{ viewer { email } }";

/// A sign-in from a browser: its user agent, its address, and its device cookie if it has one.
/// Answers the session token and the device cookie the site set.
async fn sign_in_from(
    app: &TestApp,
    email: &str,
    user_agent: &str,
    ip: &str,
    device: Option<&str>,
) -> (String, String) {
    // a minute apart, so that "most recently seen first" has one answer
    app.clock.advance(chrono::Duration::minutes(1));
    let mut request = app
        .gql(SIGN_IN)
        .vars(json!({ "e": email, "p": tests::DEMO_PASSWORD }))
        .tenant("essays")
        .ip(ip)
        .header("User-Agent", user_agent);
    if let Some(device) = device {
        request = request.cookie(&format!("scriptorium_device={device}"));
    }
    let response = request.response().await;
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("scriptorium_device="))
        .map(|c| c.split(';').next().unwrap().to_owned());
    let body: Value = response.json().await.unwrap();
    let cookie = cookie.unwrap_or_else(|| panic!("no device cookie: {body}"));
    let token = body["data"]["signIn"]["token"].as_str().unwrap_or_else(|| panic!("{body}")).to_owned();
    (token, cookie)
}

async fn as_user(app: &TestApp, token: &str, query: &str, vars: Value) -> Value {
    app.gql(query).vars(vars).tenant("essays").token(token).send().await
}

/// How many sign-in alerts were written for `email`.
async fn alerts(app: &TestApp, email: &str) -> i64 {
    app.count_where(&format!("SELECT COUNT(*) AS n FROM notifications n JOIN users u ON u.id = n.user_id WHERE n.kind = 'SIGN_IN_ALERT' AND u.email = '{email}'")).await
}

#[tokio::test]
async fn a_browser_is_one_device_across_sign_ins_and_its_sessions_show_device_and_place() {
    let app = TestApp::spawn().await;
    let (first, cookie) = sign_in_from(&app, "client@essays.test", FIREFOX, "203.0.113.9", None).await;
    assert_eq!(cookie.len(), 43, "256 random bits");
    let (second, again) = sign_in_from(&app, "client@essays.test", FIREFOX, "203.0.113.10", Some(&cookie)).await;
    assert_eq!(again, cookie, "the same browser keeps its cookie");
    let (phone, _) = sign_in_from(&app, "client@essays.test", SAFARI, "198.51.100.20", None).await;

    let body = as_user(&app, &second, DEVICES, json!({})).await;
    let devices = body["data"]["viewer"]["devices"].as_array().unwrap_or_else(|| panic!("{body}"));
    assert_eq!(devices.len(), 2, "{body}");
    let (iphone, firefox) = (&devices[0], &devices[1]); // most recently seen first
    assert_eq!(firefox["name"], "Firefox on Windows 10");
    assert_eq!((firefox["browser"].as_str(), firefox["lastIp"].as_str()), (Some("Firefox"), Some("203.0.113.10")));
    assert_eq!(firefox["location"], "203.0.113.0/24", "without a location database, the network");
    assert_eq!(firefox["current"], true);
    assert_eq!(firefox["sessions"].as_array().unwrap().len(), 2);
    assert_eq!((iphone["name"].as_str(), iphone["current"].as_bool()), (Some("Safari on iPhone"), Some(false)));
    assert_eq!(iphone["location"], "198.51.100.0/24");
    let sessions = body["data"]["viewer"]["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 3);
    assert!(sessions.iter().all(|s| s["deviceId"].is_string() && s["browser"].is_string()), "{body}");
    let current = sessions.iter().find(|s| s["current"] == true).unwrap();
    assert_eq!(
        (current["deviceName"].as_str(), current["location"].as_str()),
        (Some("Firefox on Windows 10"), Some("203.0.113.0/24"))
    );

    // renaming: one's own devices only, with a real name; nothing changes otherwise
    let firefox_id = firefox["id"].as_str().unwrap();
    for bad in ["", "   ", &"x".repeat(61), "two\nlines"] {
        let refused = as_user(&app, &first, RENAME, json!({ "id": firefox_id, "n": bad })).await;
        assert_eq!((code(&refused), field(&refused)), ("BAD_USER_INPUT", "name"), "{bad:?}: {refused}");
    }
    let other = app.sign_in("essays", "writer@essays.test").await;
    let theirs = as_user(&app, &other, RENAME, json!({ "id": firefox_id, "n": "Mine now" })).await;
    assert_eq!(code(&theirs), "NOT_FOUND", "{theirs}");
    assert_eq!(code(&as_user(&app, &other, FORGET, json!({ "id": firefox_id })).await), "NOT_FOUND");
    let unchanged = as_user(&app, &first, DEVICES, json!({})).await;
    assert_eq!(unchanged["data"]["viewer"]["devices"][1]["name"], "Firefox on Windows 10", "{unchanged}");
    assert_eq!(unchanged["data"]["viewer"]["devices"].as_array().unwrap().len(), 2);
    let renamed = as_user(&app, &first, RENAME, json!({ "id": firefox_id, "n": "  Study laptop " })).await;
    assert_eq!(renamed["data"]["renameDevice"]["name"], "Study laptop", "{renamed}");
    let body = as_user(&app, &phone, DEVICES, json!({})).await;
    assert_eq!(body["data"]["viewer"]["devices"][1]["name"], "Study laptop");

    // forgetting a device ends its sessions (and only its)
    let forgot = as_user(&app, &phone, FORGET, json!({ "id": firefox_id })).await;
    assert_eq!(forgot["data"]["forgetDevice"], true, "{forgot}");
    for ended in [&first, &second] {
        assert_eq!(code(&as_user(&app, ended, ME, json!({})).await), "UNAUTHENTICATED");
    }
    let body = as_user(&app, &phone, DEVICES, json!({})).await;
    assert_eq!(body["data"]["viewer"]["devices"].as_array().unwrap().len(), 1, "{body}");
    assert_eq!(body["data"]["viewer"]["sessions"].as_array().unwrap().len(), 1);
    // the browser's cookie now names a new device
    sign_in_from(&app, "client@essays.test", FIREFOX, "203.0.113.9", Some(&cookie)).await;
    let body = as_user(&app, &phone, DEVICES, json!({})).await;
    assert_eq!(body["data"]["viewer"]["devices"][0]["name"], "Firefox on Windows 10", "{body}");
}

#[tokio::test]
async fn a_new_device_or_place_alerts_once_and_this_wasnt_me_ends_that_session_once() {
    let app = TestApp::spawn().await;
    let mail = Mail::start(&app).await;
    let email = "client@essays.test";
    let (home, cookie) = sign_in_from(&app, email, FIREFOX, "203.0.113.9", None).await;
    assert_eq!(alerts(&app, email).await, 0, "an account's first device is no news");
    sign_in_from(&app, email, FIREFOX, "203.0.113.9", Some(&cookie)).await;
    assert_eq!(alerts(&app, email).await, 0, "a known device at a known place is no news");

    let defaults = as_user(&app, &home, PREFERENCES, json!({})).await;
    assert_eq!(
        defaults["data"]["viewer"]["loginAlertPreferences"],
        json!({ "newLogin": false, "newDevice": true, "newLocation": true, "email": true, "push": true, "inApp": true })
    );

    // a wrong password from a new browser records nothing and hands out no cookie
    let devices_before = app.count_where("SELECT COUNT(*) AS n FROM devices").await;
    let wrong = app
        .gql(SIGN_IN)
        .vars(json!({ "e": email, "p": "not the password" }))
        .tenant("essays")
        .ip("192.0.2.99")
        .header("User-Agent", SAFARI)
        .response()
        .await;
    assert!(wrong.headers().get_all("set-cookie").iter().next().is_none());
    assert_eq!(app.count_where("SELECT COUNT(*) AS n FROM devices").await, devices_before);
    assert_eq!(app.count_where("SELECT COUNT(*) AS n FROM login_places").await, 1);

    // someone else, elsewhere
    let (intruder, _) = sign_in_from(&app, email, SAFARI, "198.51.100.20", None).await;
    assert_eq!(alerts(&app, email).await, 1);
    let token = mail.token(email, "/not-me").await;
    let subjects = mail.subjects(email);
    assert!(subjects.iter().any(|s| s.contains("New sign-in")), "{subjects:?}");
    // the link went by e-mail only: not in the in-app text, and gone from the outbox once sent
    let leaked = app.count_where(&format!("SELECT COUNT(*) AS n FROM notifications WHERE body LIKE '%{token}%' OR CAST(data AS TEXT) LIKE '%{token}%' OR body LIKE '%not-me%'"),
    )
    .await;
    assert_eq!(leaked, 0);
    let inbox = as_user(&app, &home, "{ viewer { notifications(first: 5) { nodes { kind body } } } }", json!({})).await;
    let alert = &inbox["data"]["viewer"]["notifications"]["nodes"][0];
    assert_eq!(alert["kind"], "SIGN_IN_ALERT", "{inbox}");
    let text = alert["body"].as_str().unwrap();
    assert!(
        text.contains("Safari on iPhone")
            && text.contains("198.51.100.0/24")
            && text.contains("a new device, in a new place"),
        "{text}"
    );

    // a link of another site, or nonsense, changes nothing
    let elsewhere = app.gql(NOT_ME).vars(json!({ "t": token })).tenant("papers").send().await;
    assert_eq!((code(&elsewhere), field(&elsewhere)), ("BAD_USER_INPUT", "token"), "{elsewhere}");
    let nonsense = app.gql(NOT_ME).vars(json!({ "t": "nonsense" })).tenant("essays").send().await;
    assert_eq!(code(&nonsense), "BAD_USER_INPUT");
    assert_eq!(as_user(&app, &intruder, ME, json!({})).await["data"]["viewer"]["email"], email);

    let reported = app.gql(NOT_ME).vars(json!({ "t": token })).tenant("essays").send().await;
    assert_eq!(reported["data"]["reportUnrecognizedSignIn"], true, "{reported}");
    assert_eq!(code(&as_user(&app, &intruder, ME, json!({})).await), "UNAUTHENTICATED", "that session ended");
    let known = as_user(&app, &home, DEVICES, json!({})).await;
    let names: Vec<&str> =
        known["data"]["viewer"]["devices"].as_array().unwrap().iter().filter_map(|d| d["name"].as_str()).collect();
    assert_eq!(names, ["Firefox on Windows 10"], "the intruder's browser is forgotten: {known}");
    assert_eq!(as_user(&app, &home, ME, json!({})).await["data"]["viewer"]["email"], email, "the owner's did not");
    mail.token(email, "/reset-password").await; // and a reset link is on its way
    let again = app.gql(NOT_ME).vars(json!({ "t": token })).tenant("essays").send().await;
    assert_eq!((code(&again), field(&again)), ("BAD_USER_INPUT", "token"), "once: {again}");

    // as the user chose: nothing for new devices or places, then every sign-in
    let off =
        as_user(&app, &home, UPDATE, json!({ "i": { "newDevice": false, "newLocation": false, "push": false } })).await;
    assert_eq!(
        off["data"]["updateLoginAlertPreferences"],
        json!({ "newLogin": false, "newDevice": false, "newLocation": false, "email": true, "push": false, "inApp": true }),
        "{off}"
    );
    sign_in_from(&app, email, SAFARI, "192.0.2.44", None).await;
    assert_eq!(alerts(&app, email).await, 1);
    as_user(&app, &home, UPDATE, json!({ "i": { "newLogin": true } })).await;
    sign_in_from(&app, email, FIREFOX, "203.0.113.9", Some(&cookie)).await;
    assert_eq!(alerts(&app, email).await, 2);
    // the channels are the SIGN_IN_ALERT notification preferences: one choice, seen from both
    let kinds = as_user(&app, &home, "{ viewer { notificationPreferences { kind push } } }", json!({})).await;
    let kinds = kinds["data"]["viewer"]["notificationPreferences"].as_array().unwrap_or_else(|| panic!("{kinds}"));
    assert!(kinds.iter().any(|k| k["kind"] == "SIGN_IN_ALERT" && k["push"] == false), "{kinds:?}");

    // without e-mail the alert goes in-app, and no "wasn't me" link is made (none would reach anyone)
    let links_before = app.count_where("SELECT COUNT(*) AS n FROM login_links").await;
    as_user(&app, &home, UPDATE, json!({ "i": { "email": false } })).await;
    sign_in_from(&app, email, FIREFOX, "203.0.113.9", Some(&cookie)).await;
    assert_eq!(alerts(&app, email).await, 3);
    assert_eq!(app.count_where("SELECT COUNT(*) AS n FROM login_links").await, links_before);

    // superadmins belong to no site and get no site's alerts
    let superadmin = app.sign_in("essays", gateway::seed::SUPERADMIN_EMAIL).await;
    let refused = as_user(&app, &superadmin, PREFERENCES, json!({})).await;
    assert_eq!(code(&refused), "FORBIDDEN", "{refused}");
}

#[tokio::test]
async fn sign_ins_racing_from_one_new_browser_make_one_device_and_one_alert() {
    let app = TestApp::spawn().await;
    let email = "client@essays.test";
    sign_in_from(&app, email, FIREFOX, "203.0.113.9", None).await;
    let cookie = "A".repeat(43); // a browser's cookie the site has not seen for this user
    let racing = (0..4).map(|_| sign_in_from(&app, email, SAFARI, "203.0.113.9", Some(&cookie)));
    let signed = futures::future::join_all(racing).await;
    assert!(signed.iter().all(|(_, c)| c == &cookie));
    let devices = app
        .count_where(&format!(
            "SELECT COUNT(*) AS n FROM devices d JOIN users u ON u.id = d.user_id WHERE u.email = '{email}'"
        ))
        .await;
    assert_eq!(devices, 2, "the first browser and the racing one");
    assert_eq!(alerts(&app, email).await, 1, "one new device, one alert");
}

/// Writes a MaxMind-format City database placing 198.51.100.0/24 in Lisbon, Portugal.
fn write_city_database(path: &std::path::Path) {
    use maxminddb_writer::paths::IpAddrWithMask;
    let mut db = maxminddb_writer::Database::default();
    db.metadata.binary_format_major_version = 2;
    db.metadata.database_type = "GeoIP2-City".into();
    db.metadata.languages = vec!["en".into()];
    let lisbon = db
        .insert_value(json!({ "city": { "names": { "en": "Lisbon" } }, "country": { "names": { "en": "Portugal" }, "iso_code": "PT" } }))
        .unwrap();
    db.insert_node("198.51.100.0/24".parse::<IpAddrWithMask>().unwrap(), lisbon);
    let file = std::fs::File::create(path).unwrap();
    db.write_to(std::io::BufWriter::new(file)).unwrap();
}

#[tokio::test]
async fn with_a_location_database_sessions_name_the_city_and_country() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("city.mmdb");
    write_city_database(&path);
    let locator = identity::service::location::Locator::open(path.to_str().unwrap()).expect("the database opens");
    assert_eq!(locator.place("198.51.100.7").as_deref(), Some("Lisbon, Portugal"));
    let app = TestApp::spawn_with(|o| o.identity.locator = locator).await;
    let (token, _) = sign_in_from(&app, "client@essays.test", FIREFOX, "198.51.100.7", None).await;
    sign_in_from(&app, "client@essays.test", FIREFOX, "192.0.2.1", None).await;
    let body = as_user(&app, &token, DEVICES, json!({})).await;
    let places: Vec<&str> =
        body["data"]["viewer"]["sessions"].as_array().unwrap().iter().filter_map(|s| s["location"].as_str()).collect();
    assert_eq!(places.len(), 2, "{body}");
    assert!(places.contains(&"Lisbon, Portugal") && places.contains(&"192.0.2.0/24"), "{places:?}");
    assert!(identity::service::location::Locator::open("/nonexistent/city.mmdb").is_err());
}
