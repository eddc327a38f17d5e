//! The read hook (`scope`): one condition on every list, view, read, update and delete.

use rustbe_core::testing::TestRequest;
use serde_json::json;

use super::{TestApp, admin, as_user, column, delete, patch};

pub(crate) async fn run(app: &TestApp) {
    for (team, text) in [
        ("red", "r1"),
        ("blue", "b1"),
        ("red", "r2"),
        ("public", "p1"),
    ] {
        let r = app
            .send(TestRequest::post("/api/memos").json(&json!({"team": team, "text": text})))
            .await;
        assert_eq!(r.status(), 201, "{}", r.json());
    }
    app.sql("UPDATE memos SET deleted = TRUE WHERE text = 'r2'")
        .await;

    let red = |request| as_user(request, "red", "member");
    let list = app.send(red(TestRequest::get("/api/memos"))).await;
    assert_eq!(column(&list, "text"), ["r1"], "{}", list.json());
    assert_eq!(list.json()["pagination"]["total"], 1);
    let everyone = app.send(admin(TestRequest::get("/api/memos"))).await;
    assert_eq!(column(&everyone, "text"), ["r1", "b1", "p1"]);
    let anonymous = app.send(TestRequest::get("/api/memos")).await;
    assert_eq!(column(&anonymous, "text"), ["p1"]);

    // Another team's memo and a deleted one are not there, for reads and writes alike.
    for (id, expected) in [(1, 200), (2, 404), (3, 404)] {
        let uri = format!("/api/memos/{id}");
        let r = app.send(red(TestRequest::get(&uri))).await;
        assert_eq!(r.status(), expected, "GET {uri}");
    }
    let r = app
        .send(red(patch("/api/memos/2")).json(&json!({"text": "mine now"})))
        .await;
    assert_eq!(r.status(), 404);
    let r = app.send(red(delete("/api/memos/3"))).await;
    assert_eq!(r.status(), 404);
    let r = app.send(admin(TestRequest::get("/api/memos/2"))).await;
    assert_eq!(r.json()["data"]["text"], "b1", "untouched");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM memos").await,
        4,
        "nothing deleted"
    );

    // The view is scoped too.
    let first = app
        .send(as_user(
            TestRequest::get("/api/memos/first"),
            "blue",
            "member",
        ))
        .await;
    assert_eq!(column(&first, "text"), ["b1"], "{}", first.json());
}
