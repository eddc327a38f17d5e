//! `Hooks::after_read`: what a row shows from another table is in every answer that shows the
//! row, in its `ETag`, and in what `If-Match` compares.

use rustbe_core::testing::TestRequest;
use serde_json::json;

use super::{TestApp, delete, outcome, patch};

pub(crate) async fn run(app: &TestApp) {
    let created = app
        .send(TestRequest::post("/api/boards").json(&json!({"name": "Ideas"})))
        .await;
    assert_eq!(created.status(), 201, "{}", created.json());
    // The write's answer went through the hook too: no pins yet.
    assert_eq!(created.json()["data"]["pins"], json!([]));
    let id = created.json()["data"]["id"].as_i64().expect("id");
    let second = app
        .send(TestRequest::post("/api/boards").json(&json!({"name": "Later"})))
        .await;
    assert_eq!(second.status(), 201, "{}", second.json());
    assert_eq!(second.json()["data"]["pins"], json!([]));
    let other = second.json()["data"]["id"].as_i64().expect("id");
    app.sql(&format!(
        "INSERT INTO pins VALUES ({id}, 'b'), ({id}, 'a'), ({other}, 'c')"
    ))
    .await;

    let uri = format!("/api/boards/{id}");
    let got = app.send(TestRequest::get(&uri)).await;
    assert_eq!(got.json()["data"]["pins"], json!(["a", "b"]));
    let etag = got.header("etag").expect("etag").to_owned();

    // A list page and a named view fill every row of theirs.
    let list = app.send(TestRequest::get("/api/boards")).await;
    assert_eq!(
        list.json()["data"],
        json!([{"id": id, "name": "Ideas", "pins": ["a", "b"]}, {"id": other, "name": "Later", "pins": ["c"]}])
    );
    let first = app.send(TestRequest::get("/api/boards/first")).await;
    assert_eq!(first.json()["data"][0]["pins"], json!(["a", "b"]));

    // The tag a read gave is the one `If-Match` compares: the pins are part of it.
    let renamed = app
        .send(
            patch(&uri)
                .header("if-match", &etag)
                .json(&json!({"name": "Good ideas"})),
        )
        .await;
    assert_eq!(renamed.status(), 200, "{}", renamed.json());
    assert_eq!(renamed.json()["data"]["pins"], json!(["a", "b"]));
    assert_ne!(renamed.header("etag"), Some(etag.as_str()));
    let stale = app
        .send(
            patch(&uri)
                .header("if-match", &etag)
                .json(&json!({"name": "Again"})),
        )
        .await;
    assert_eq!(outcome(&stale), (412, "PRECONDITION_FAILED".to_owned()));
    let current = app.send(TestRequest::get(&uri)).await;
    let tag = current.header("etag").expect("etag").to_owned();
    app.sql(&format!("INSERT INTO pins VALUES ({id}, 'z')"))
        .await;
    // A pin added behind the API changes what the row shows, so the old tag is stale.
    let moved = app.send(delete(&uri).header("if-match", &tag)).await;
    assert_eq!(outcome(&moved), (412, "PRECONDITION_FAILED".to_owned()));
    // The row a write answers with is read in its transaction: a failing hook undoes it.
    let failed = app
        .send(TestRequest::post("/api/boards").json(&json!({"name": "unreadable"})))
        .await;
    assert_eq!(outcome(&failed), (409, "CONFLICT".to_owned()));
    let failed = app
        .send(patch(&uri).json(&json!({"name": "unreadable"})))
        .await;
    assert_eq!(outcome(&failed), (409, "CONFLICT".to_owned()));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM boards WHERE name = 'unreadable'")
            .await,
        0
    );
    let fresh = app.send(TestRequest::get(&uri)).await;
    let gone = app
        .send(delete(&uri).header("if-match", fresh.header("etag").expect("etag")))
        .await;
    assert_eq!(gone.status(), 204);
}
