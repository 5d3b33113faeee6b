//! Order files end to end over HTTP: GraphQL multipart uploads (instructions from the client,
//! the work from the writer, a version per submission), what each party sees, signed download
//! URLs that stop working when they expire and never serve another site; refused files (by
//! content, by size) store and write nothing.

use serde_json::{Value, json};
use tests::{TEST_UPLOAD_MAX_BYTES, TestApp, code, field};

const ACT: &str = "mutation($id: ID!, $a: OrderAction!) { performOrderAction(orderId: $id, action: $a) { status } }";
const ATTACH: &str = "mutation($id: ID!, $files: [Upload!]!) { attachOrderFiles(orderId: $id, files: $files) { id name size contentType kind version uploadedBy { displayName } url sha256 } }";
const SUBMIT: &str = "mutation($id: ID!, $files: [Upload!]!, $n: String) { submitOrderWork(orderId: $id, files: $files, note: $n) { status } }";
const FILES: &str = "query($id: ID!, $k: OrderFileKind, $v: FileVersionFilter) { order(id: $id) { status files(kind: $k, versions: $v) { id name size contentType kind version uploadedBy { displayName } uploadedAt url } } }";

const PDF: &[u8] =
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
const EXE: &[u8] = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0\xb8\0\0\0\0\0\0\0@\0\0\0";

struct Cast {
    client: String,
    writer: String,
    admin: String,
    writer_id: String,
}

async fn cast(app: &TestApp) -> Cast {
    app.roomy_writer_levels("essays").await;
    Cast {
        client: app.sign_in("essays", "client@essays.test").await,
        writer: app.sign_in("essays", "writer@essays.test").await,
        admin: app.sign_in("essays", "admin@essays.test").await,
        writer_id: app.user_id("essays", "writer@essays.test").await,
    }
}

async fn as_(app: &TestApp, token: &str, query: &str, vars: Value) -> Value {
    app.gql(query).vars(vars).tenant("essays").token(token).send().await
}

async fn upload(app: &TestApp, token: &str, query: &str, vars: Value, files: Vec<(&str, Vec<u8>)>) -> Value {
    app.gql(query).vars(vars).tenant("essays").token(token).files(files).send().await
}

fn reason(body: &Value) -> &str {
    body["errors"][0]["extensions"]["reason"].as_str().unwrap_or("")
}

/// A paid order of the demo client, in progress with the demo writer.
async fn in_progress(app: &TestApp, cast: &Cast) -> String {
    app.order_in_progress(&cast.client, &cast.admin, (&cast.writer, &cast.writer_id), "Hume on causation", 2).await
}

/// Downloads a file by the URL the API gave, as a browser on `tenant`'s site would.
async fn download(app: &TestApp, url: &str, tenant: &str) -> reqwest::Response {
    app.http().get(app.url(url)).header("X-Tenant", tenant).send().await.unwrap()
}

/// The objects in the file store's folder.
fn stored_objects(app: &TestApp) -> usize {
    fn walk(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir)
            .map(|entries| entries.flatten().map(|e| if e.path().is_dir() { walk(&e.path()) } else { 1 }).sum())
            .unwrap_or(0)
    }
    walk(app.files.path())
}

#[tokio::test]
async fn the_client_attaches_instructions_and_the_writer_delivers_versions_of_the_work() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    let order = in_progress(&app, &cast).await;

    // the client attaches the brief; the type is read from the content
    let notes = "Use Hume's Enquiry, section VII.\nTwo pages, double spaced.\n".as_bytes().to_vec();
    let attached = upload(
        &app,
        &cast.client,
        ATTACH,
        json!({ "id": order }),
        vec![("brief.pdf", PDF.to_vec()), ("C:\\Users\\me\\notes.txt", notes.clone())],
    )
    .await;
    assert!(attached["errors"].is_null(), "{attached}");
    let files = attached["data"]["attachOrderFiles"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["name"], "brief.pdf");
    assert_eq!(files[0]["contentType"], "application/pdf");
    assert_eq!(files[0]["size"], PDF.len());
    assert_eq!(files[0]["kind"], "INSTRUCTIONS");
    assert_eq!(files[0]["version"], 0);
    assert_eq!(files[0]["uploadedBy"]["displayName"], "Demo Client");
    // a browser's path is not part of the name
    assert_eq!(files[1]["name"], "notes.txt");
    assert_eq!(files[1]["contentType"], "text/plain; charset=utf-8");

    // the writer sees them and downloads the notes, byte for byte, with the sniffed type
    let seen = as_(&app, &cast.writer, FILES, json!({ "id": order })).await;
    let seen_files = seen["data"]["order"]["files"].as_array().unwrap_or_else(|| panic!("{seen}"));
    assert_eq!(seen_files.len(), 2, "{seen}");
    let url = seen_files[1]["url"].as_str().unwrap();
    let response = download(&app, url, "essays").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/plain; charset=utf-8");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert!(
        response.headers()["content-disposition"].to_str().unwrap().starts_with("attachment; filename=\"notes.txt\"")
    );
    assert_eq!(response.bytes().await.unwrap().to_vec(), notes);

    // the writer delivers: the order is submitted with version 1 of the work
    let submitted = upload(
        &app,
        &cast.writer,
        SUBMIT,
        json!({ "id": order, "n": "first draft" }),
        vec![("essay.pdf", PDF.to_vec()), ("figure.png", PNG.to_vec())],
    )
    .await;
    assert_eq!(submitted["data"]["submitOrderWork"]["status"], "SUBMITTED", "{submitted}");

    // sent back for a revision, delivered again: version 2
    let revise = json!({
        "severity": "MINOR", "reason": "Cite the Treatise too",
        "changes": [{ "section": "Sources", "description": "Add the Treatise" }], "deadline": app.in_hours(48),
    });
    let revised = as_(
        &app,
        &cast.client,
        "mutation($id: ID!, $i: RevisionRequestInput!) { requestRevision(orderId: $id, input: $i) { id } }",
        json!({ "id": order, "i": revise }),
    )
    .await;
    assert!(revised["errors"].is_null(), "{revised}");
    let started = as_(&app, &cast.writer, ACT, json!({ "id": order, "a": "START_REVISION" })).await;
    assert!(started["errors"].is_null(), "{started}");
    let again = upload(&app, &cast.writer, SUBMIT, json!({ "id": order }), vec![("essay-v2.pdf", PDF.to_vec())]).await;
    assert_eq!(again["data"]["submitOrderWork"]["status"], "SUBMITTED", "{again}");

    let all = as_(&app, &cast.client, FILES, json!({ "id": order, "k": "DELIVERABLE" })).await;
    let versions: Vec<(String, i64)> = all["data"]["order"]["files"]
        .as_array()
        .unwrap_or_else(|| panic!("{all}"))
        .iter()
        .map(|f| (f["name"].as_str().unwrap().to_owned(), f["version"].as_i64().unwrap()))
        .collect();
    assert_eq!(versions, [("essay.pdf".to_owned(), 1), ("figure.png".to_owned(), 1), ("essay-v2.pdf".to_owned(), 2)]);
    let latest = as_(&app, &cast.client, FILES, json!({ "id": order, "v": "LATEST" })).await;
    let names: Vec<&str> =
        latest["data"]["order"]["files"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["brief.pdf", "notes.txt", "essay-v2.pdf"], "instructions and the newest delivery");
    assert_eq!(app.count("order_files").await, 5);
    assert_eq!(stored_objects(&app), 5);

    // the client downloads the delivered work
    let url = latest["data"]["order"]["files"][2]["url"].as_str().unwrap();
    let response = download(&app, url, "essays").await;
    assert_eq!(response.headers()["content-type"], "application/pdf");
    assert_eq!(response.bytes().await.unwrap().to_vec(), PDF);
}

#[tokio::test]
async fn refused_files_store_and_write_nothing() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    let order = in_progress(&app, &cast).await;

    // the files sent, and the field and reason of the refusal
    type Case<'a> = (Vec<(&'a str, Vec<u8>)>, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        // an executable is refused whatever it is called
        (vec![("essay.pdf", EXE.to_vec())], "files.0", "FILE_TYPE_REFUSED"),
        // a PDF named as a Word document would open in the wrong program
        (vec![("essay.pdf", PDF.to_vec()), ("essay.docx", PDF.to_vec())], "files.1", "FILE_TYPE_REFUSED"),
        (vec![("empty.txt", Vec::new())], "files.0", "FILE_TYPE_REFUSED"),
        (vec![("no-extension", PDF.to_vec())], "files.0", "FILE_TYPE_REFUSED"),
        // past the size limit the upload is cut off while it streams in
        (
            vec![("long.txt", vec![b'a'; usize::try_from(TEST_UPLOAD_MAX_BYTES).unwrap() + 1])],
            "files",
            "FILE_TOO_LARGE",
        ),
    ];
    for (files, bad_field, bad_reason) in cases {
        let names: Vec<String> = files.iter().map(|(n, _)| (*n).to_owned()).collect();
        let body = upload(&app, &cast.writer, SUBMIT, json!({ "id": order }), files).await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{names:?}: {body}");
        assert_eq!(field(&body), bad_field, "{names:?}: {body}");
        assert_eq!(reason(&body), bad_reason, "{names:?}: {body}");
    }
    let ten_and_one: Vec<(&str, Vec<u8>)> = (0..11).map(|_| ("page.pdf", PDF.to_vec())).collect();
    let body = upload(&app, &cast.client, ATTACH, json!({ "id": order }), ten_and_one).await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");

    // nothing was stored, recorded, or moved
    let state = as_(&app, &cast.writer, FILES, json!({ "id": order })).await;
    assert_eq!(state["data"]["order"]["status"], "IN_PROGRESS", "{state}");
    assert_eq!(state["data"]["order"]["files"], json!([]));
    assert_eq!(app.count("order_files").await, 0);
    assert_eq!(stored_objects(&app), 0);

    // a submission needs the work, and a move that is not possible stores nothing either
    let body = upload(&app, &cast.client, SUBMIT, json!({ "id": order }), vec![("essay.pdf", PDF.to_vec())]).await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
    assert_eq!(app.count("order_files").await, 0);
    assert_eq!(stored_objects(&app), 0);
}

#[tokio::test]
async fn downloads_need_a_fresh_signature_and_the_files_own_site() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    let order = in_progress(&app, &cast).await;
    let attached = upload(&app, &cast.client, ATTACH, json!({ "id": order }), vec![("brief.pdf", PDF.to_vec())]).await;
    let url =
        attached["data"]["attachOrderFiles"][0]["url"].as_str().unwrap_or_else(|| panic!("{attached}")).to_owned();
    assert_eq!(download(&app, &url, "essays").await.status(), 200);

    // another site's host never gets the bytes, with a good signature or not
    let elsewhere = download(&app, &url, "papers").await;
    assert_eq!(elsewhere.status(), 404);
    let body: Value = elsewhere.json().await.unwrap();
    assert_eq!(code(&body), "NOT_FOUND");
    // a signature changed, or moved to another file, is not one
    let tampered = url.replace("signature=", "signature=A");
    assert_eq!(download(&app, &tampered, "essays").await.status(), 404);
    let (path, query) = url.split_once('?').unwrap();
    let other_file = format!("/files/{}?{query}", uuid::Uuid::now_v7());
    assert_eq!(download(&app, &other_file, "essays").await.status(), 404);
    assert!(path.starts_with("/files/"));
    // nor is none, or one that does not parse: the same 404, not a parser's complaint
    for unsigned in [path.to_owned(), format!("{path}?expires=soon&signature=x")] {
        let response = download(&app, &unsigned, "essays").await;
        assert_eq!(response.status(), 404, "{unsigned}");
        assert_eq!(code(&response.json().await.unwrap()), "NOT_FOUND", "{unsigned}");
    }

    // URLs work for 15 minutes; a fresh one comes with the order
    app.clock.advance(chrono::Duration::minutes(16));
    assert_eq!(download(&app, &url, "essays").await.status(), 404);
    let client = app.sign_in("essays", "client@essays.test").await;
    let fresh = as_(&app, &client, FILES, json!({ "id": order })).await;
    let fresh_url = fresh["data"]["order"]["files"][0]["url"].as_str().unwrap_or_else(|| panic!("{fresh}"));
    assert_eq!(download(&app, fresh_url, "essays").await.status(), 200);
}

#[tokio::test]
async fn only_those_who_see_the_order_attach_or_list_its_files() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    let order = in_progress(&app, &cast).await;
    let before = app.count("order_files").await;

    // another site's client: the order does not exist for them
    let papers = app.sign_in("papers", "client@papers.test").await;
    let body = app
        .gql(ATTACH)
        .vars(json!({ "id": order }))
        .tenant("papers")
        .token(&papers)
        .files(vec![("brief.pdf", PDF.to_vec())])
        .send()
        .await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");
    // an editor does not see orders yet
    let editor = app.sign_in("essays", "editor@essays.test").await;
    let body = upload(&app, &editor, ATTACH, json!({ "id": order }), vec![("brief.pdf", PDF.to_vec())]).await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");
    // staff may attach (support answering a client's e-mail)
    let support = app.sign_in("essays", "support@essays.test").await;
    let body = upload(&app, &support, ATTACH, json!({ "id": order }), vec![("rubric.pdf", PDF.to_vec())]).await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(app.count("order_files").await, before + 1);

    // uploads need a session; a cookie session needs the preflight header a form cannot send
    let anonymous = app
        .gql(ATTACH)
        .vars(json!({ "id": order }))
        .tenant("essays")
        .files(vec![("brief.pdf", PDF.to_vec())])
        .send()
        .await;
    assert_eq!(code(&anonymous), "UNAUTHENTICATED", "{anonymous}");
    let by_cookie = app
        .gql(ATTACH)
        .vars(json!({ "id": order }))
        .tenant("essays")
        .cookie(&format!("{}={}", identity::SESSION_COOKIE, cast.client))
        .files(vec![("brief.pdf", PDF.to_vec())])
        .response()
        .await;
    assert_eq!(by_cookie.status(), 400);
    let preflighted = app
        .gql(ATTACH)
        .vars(json!({ "id": order }))
        .tenant("essays")
        .cookie(&format!("{}={}", identity::SESSION_COOKIE, cast.client))
        .header("Apollo-Require-Preflight", "true")
        .files(vec![("brief.pdf", PDF.to_vec())])
        .send()
        .await;
    assert!(preflighted["errors"].is_null(), "{preflighted}");
    assert_eq!(app.count("order_files").await, before + 2);

    // a completed order takes no more files
    let done = upload(&app, &cast.writer, SUBMIT, json!({ "id": order }), vec![("essay.pdf", PDF.to_vec())]).await;
    assert!(done["errors"].is_null(), "{done}");
    let approved = as_(&app, &cast.client, ACT, json!({ "id": order, "a": "APPROVE" })).await;
    assert_eq!(approved["data"]["performOrderAction"]["status"], "COMPLETED", "{approved}");
    let late = upload(&app, &cast.client, ATTACH, json!({ "id": order }), vec![("more.pdf", PDF.to_vec())]).await;
    assert_eq!(code(&late), "CONFLICT", "{late}");
    assert_eq!(app.count("order_files").await, before + 3);
}

#[tokio::test]
async fn a_drafts_files_go_to_its_order() {
    let app = TestApp::spawn().await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let c = app.catalog("essays").await;
    let spec = json!({
        "topic": "Kant's categorical imperative", "paperTypeId": c["essay"], "academicLevelId": c["undergraduate"],
        "subjectId": c["english"], "workTypeId": c["writing"], "pages": 2, "deadline": app.in_hours(72),
    });
    let saved =
        as_(&app, &client, "mutation($i: OrderSpecInput!) { saveOrderDraft(input: $i) { id } }", json!({ "i": spec }))
            .await;
    let draft = saved["data"]["saveOrderDraft"]["id"].as_str().unwrap_or_else(|| panic!("{saved}")).to_owned();
    let attached = upload(
        &app,
        &client,
        "mutation($id: ID!, $files: [Upload!]!) { attachDraftFiles(draftId: $id, files: $files) { name kind } }",
        json!({ "id": draft }),
        vec![("rubric.pdf", PDF.to_vec())],
    )
    .await;
    assert_eq!(
        attached["data"]["attachDraftFiles"],
        json!([{ "name": "rubric.pdf", "kind": "INSTRUCTIONS" }]),
        "{attached}"
    );
    // another client cannot attach to it
    let other = app.sign_up("essays", "other-client@essays.test", "Other").await;
    let refused = upload(
        &app,
        &other,
        "mutation($id: ID!, $files: [Upload!]!) { attachDraftFiles(draftId: $id, files: $files) { name } }",
        json!({ "id": draft }),
        vec![("rubric.pdf", PDF.to_vec())],
    )
    .await;
    assert_eq!(code(&refused), "NOT_FOUND", "{refused}");

    let placed = as_(
        &app,
        &client,
        "mutation($id: ID!) { convertOrderDraft(id: $id) { id files { name kind version } } }",
        json!({ "id": draft }),
    )
    .await;
    assert_eq!(
        placed["data"]["convertOrderDraft"]["files"],
        json!([{ "name": "rubric.pdf", "kind": "INSTRUCTIONS", "version": 0 }]),
        "{placed}"
    );
    assert_eq!(app.count_where("SELECT COUNT(*) AS n FROM order_files WHERE draft_id IS NOT NULL").await, 0);
}

#[tokio::test]
async fn an_instruction_file_is_removed_by_who_attached_it_and_delivered_work_stays() {
    const REMOVE: &str = "mutation($id: ID!) { removeOrderFile(id: $id) }";
    const TIMELINE: &str = "query($id: ID!) { order(id: $id) { timeline { kind note } } }";
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    let order = in_progress(&app, &cast).await;
    let attached = upload(&app, &cast.client, ATTACH, json!({ "id": order }), vec![("brief.pdf", PDF.to_vec())]).await;
    let brief = &attached["data"]["attachOrderFiles"][0];
    let (brief_id, brief_url) = (brief["id"].as_str().unwrap().to_owned(), brief["url"].as_str().unwrap().to_owned());
    let by_writer =
        upload(&app, &cast.writer, ATTACH, json!({ "id": order }), vec![("outline.pdf", PDF.to_vec())]).await;
    let outline_id = by_writer["data"]["attachOrderFiles"][0]["id"].as_str().unwrap_or_else(|| panic!("{by_writer}"));
    // the timeline (and so the order's subscribers) tells of each attachment
    let timeline = as_(&app, &cast.writer, TIMELINE, json!({ "id": order })).await;
    let attachments: Vec<&Value> = timeline["data"]["order"]["timeline"]
        .as_array()
        .unwrap_or_else(|| panic!("{timeline}"))
        .iter()
        .filter(|e| e["kind"] == "FILES_ATTACHED")
        .map(|e| &e["note"])
        .collect();
    assert_eq!(attachments, [&json!("brief.pdf"), &json!("outline.pdf")]);

    // not the uploader, nor staff: refused; another site: no such file; nothing removed
    let body = as_(&app, &cast.writer, REMOVE, json!({ "id": brief_id })).await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
    let papers = app.sign_in("papers", "client@papers.test").await;
    let body = app.gql(REMOVE).vars(json!({ "id": brief_id })).tenant("papers").token(&papers).send().await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");
    assert_eq!((app.count("order_files").await, stored_objects(&app)), (2, 2));

    // the client removes their brief: the row, the bytes and the URL are gone, the timeline says so
    let body = as_(&app, &cast.client, REMOVE, json!({ "id": brief_id })).await;
    assert_eq!(body["data"]["removeOrderFile"], true, "{body}");
    assert_eq!((app.count("order_files").await, stored_objects(&app)), (1, 1));
    assert_eq!(download(&app, &brief_url, "essays").await.status(), 404);
    let timeline = as_(&app, &cast.client, TIMELINE, json!({ "id": order })).await;
    let last = timeline["data"]["order"]["timeline"].as_array().unwrap().last().cloned().unwrap();
    assert_eq!(last, json!({ "kind": "FILE_REMOVED", "note": "brief.pdf" }));
    let again = as_(&app, &cast.client, REMOVE, json!({ "id": brief_id })).await;
    assert_eq!(code(&again), "NOT_FOUND", "{again}");

    // delivered work stays, whoever asks
    let done = upload(&app, &cast.writer, SUBMIT, json!({ "id": order }), vec![("essay.pdf", PDF.to_vec())]).await;
    assert!(done["errors"].is_null(), "{done}");
    let work = as_(&app, &cast.client, FILES, json!({ "id": order, "k": "DELIVERABLE" })).await;
    let work_id = work["data"]["order"]["files"][0]["id"].as_str().unwrap_or_else(|| panic!("{work}")).to_owned();
    for token in [&cast.writer, &cast.admin] {
        let body = as_(&app, token, REMOVE, json!({ "id": work_id })).await;
        assert_eq!(code(&body), "CONFLICT", "{body}");
    }
    assert_eq!((app.count("order_files").await, stored_objects(&app)), (2, 2));
    // staff remove anyone's instructions while the order is open
    let body = as_(&app, &cast.admin, REMOVE, json!({ "id": outline_id })).await;
    assert_eq!(body["data"]["removeOrderFile"], true, "{body}");
    assert_eq!((app.count("order_files").await, stored_objects(&app)), (1, 1));
}

#[tokio::test]
async fn the_sweep_removes_stored_bytes_no_file_names_once_they_are_old_enough() {
    use orders::service::files::{FileStore, sweep};
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    let order = in_progress(&app, &cast).await;
    let kept = upload(&app, &cast.client, ATTACH, json!({ "id": order }), vec![("brief.pdf", PDF.to_vec())]).await;
    let kept_url = kept["data"]["attachOrderFiles"][0]["url"].as_str().unwrap_or_else(|| panic!("{kept}")).to_owned();
    // bytes a failed request left behind: stored, never recorded
    let store = app.state.files.clone();
    let site = as_(&app, &cast.client, "{ tenant { id } }", json!({})).await;
    let tenant =
        uuid::Uuid::parse_str(site["data"]["tenant"]["id"].as_str().unwrap_or_else(|| panic!("{site}"))).unwrap();
    let orphan = std::env::temp_dir().join(format!("orphan-{}", uuid::Uuid::now_v7()));
    std::fs::write(&orphan, PDF).unwrap();
    store.put(&FileStore::new_key(tenant, uuid::Uuid::now_v7()), std::fs::File::open(&orphan).unwrap()).await.unwrap();
    std::fs::remove_file(&orphan).unwrap();
    assert_eq!(stored_objects(&app), 2);

    // young bytes stay: their request may still be running
    let now = chrono::Utc::now();
    assert_eq!(sweep::sweep(&app.db, &store, now).await.unwrap(), 0);
    assert_eq!(stored_objects(&app), 2);
    // past the grace, the unnamed bytes go and the file's stay
    let later = now + sweep::GRACE + chrono::Duration::minutes(1);
    assert_eq!(sweep::sweep(&app.db, &store, later).await.unwrap(), 1);
    assert_eq!(stored_objects(&app), 1);
    assert_eq!(download(&app, &kept_url, "essays").await.status(), 200);
    assert_eq!(sweep::sweep(&app.db, &store, later).await.unwrap(), 0, "nothing twice");
}

#[tokio::test]
async fn a_multipart_request_is_read_in_the_specs_order_and_bounded_part_by_part() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    let order = in_progress(&app, &cast).await;
    let operations = json!({ "query": ATTACH, "variables": { "id": order, "files": [null] } }).to_string();
    // (part name, content) in the order sent; a part with a file name is a file
    let send = |parts: Vec<(String, Vec<u8>)>| {
        let mut body = Vec::new();
        for (name, content) in &parts {
            let file = if ["operations", "map"].contains(&name.as_str()) {
                String::new()
            } else {
                "; filename=\"brief.pdf\"".to_owned()
            };
            body.extend_from_slice(
                format!("--B0undary\r\nContent-Disposition: form-data; name=\"{name}\"{file}\r\n\r\n").as_bytes(),
            );
            body.extend_from_slice(content);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(b"--B0undary--\r\n");
        app.http()
            .post(app.url("/graphql"))
            .header("X-Tenant", "essays")
            .bearer_auth(&cast.client)
            .header("Content-Type", "multipart/form-data; boundary=B0undary")
            .body(body)
            .send()
    };
    let part = |name: &str, content: &[u8]| (name.to_owned(), content.to_vec());
    let ok_map = br#"{"0": ["variables.files.0"]}"#;
    // the well-formed request works
    let response =
        send(vec![part("operations", operations.as_bytes()), part("map", ok_map), part("0", PDF)]).await.unwrap();
    let body: Value = response.json().await.unwrap();
    assert!(body["errors"].is_null(), "{body}");
    let before = (app.count("order_files").await, stored_objects(&app));

    let eleven: String = format!(
        "{{{}}}",
        (0..11).map(|i| format!("\"{i}\": [\"variables.files.{i}\"]")).collect::<Vec<_>>().join(", ")
    );
    // what is wrong, the parts sent, the status and the reason of the refusal
    type Case<'a> = (&'a str, Vec<(String, Vec<u8>)>, u16, &'a str);
    let cases: Vec<Case> = vec![
        (
            "a file part the map does not name",
            vec![part("operations", operations.as_bytes()), part("map", ok_map), part("0", PDF), part("extra", PDF)],
            400,
            "",
        ),
        (
            "the map before the operations",
            vec![part("map", ok_map), part("operations", operations.as_bytes()), part("0", PDF)],
            400,
            "",
        ),
        (
            "one file in two variables",
            vec![
                part("operations", operations.as_bytes()),
                part("map", br#"{"0": ["variables.files.0", "variables.files.1"]}"#),
                part("0", PDF),
            ],
            400,
            "",
        ),
        (
            "eleven files",
            vec![part("operations", operations.as_bytes()), part("map", eleven.as_bytes())],
            400,
            "TOO_MANY_FILES",
        ),
        (
            "a file the map names but the request lacks",
            vec![part("operations", operations.as_bytes()), part("map", ok_map)],
            400,
            "",
        ),
        (
            "operations past 1 MiB",
            vec![part("operations", &vec![b' '; 1024 * 1024 + 1]), part("map", ok_map), part("0", PDF)],
            413,
            "BODY_TOO_LARGE",
        ),
    ];
    for (case, parts, status, why) in cases {
        let response = send(parts).await.unwrap();
        assert_eq!(response.status().as_u16(), status, "{case}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(code(&body), "BAD_USER_INPUT", "{case}: {body}");
        assert_eq!(reason(&body), why, "{case}: {body}");
    }
    assert_eq!((app.count("order_files").await, stored_objects(&app)), before, "nothing stored or recorded");
}
