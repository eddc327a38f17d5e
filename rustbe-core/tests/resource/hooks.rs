//! A client-chosen string key, and hooks that run in the write's transaction.

use rustbe_core::testing::TestRequest;
use serde_json::json;

use super::{TestApp, as_user, delete, outcome, patch, put};

pub(crate) async fn run(app: &TestApp) {
    let user = |r| as_user(r, "ada", "customer");
    let r = app
        .send(
            user(TestRequest::post("/api/tags"))
                .json(&json!({"slug": "rust lang", "name": "Rust"})),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.json());
    // The hook set a read-only field; the key is encoded in Location.
    assert_eq!(
        r.json()["data"],
        json!({"slug": "rust lang", "name": "Rust", "label": "RUST"})
    );
    assert_eq!(r.header("location"), Some("/api/tags/rust%20lang"));
    let taken = app
        .send(
            user(TestRequest::post("/api/tags"))
                .json(&json!({"slug": "rust lang", "name": "Again"})),
        )
        .await;
    assert_eq!(outcome(&taken), (409, "DUPLICATE_ENTRY".to_owned()));

    let uri = "/api/tags/rust%20lang";
    let got = app.send(TestRequest::get(uri)).await;
    assert_eq!(got.json()["data"]["label"], "RUST");

    // A hook's error rolls the write back, its own audit row with it.
    let refused = app
        .send(user(patch(uri)).json(&json!({"name": "locked"})))
        .await;
    assert_eq!(outcome(&refused), (409, "CONFLICT".to_owned()));
    assert_eq!(
        refused.json()["error"]["message"],
        "rust lang may not be locked"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit WHERE what = 'refused'")
            .await,
        0
    );
    assert_eq!(
        app.send(TestRequest::get(uri)).await.json()["data"]["name"],
        "Rust"
    );

    // The key is write-once: not in PUT or PATCH bodies.
    let r = app
        .send(user(put(uri)).json(&json!({"name": "Rustlang", "slug": "other"})))
        .await;
    assert_eq!(r.status(), 200, "{}", r.json());
    assert_eq!(
        r.json()["data"],
        json!({"slug": "rust lang", "name": "Rustlang", "label": "RUSTLANG"})
    );
    let anonymous = app.send(patch(uri).json(&json!({"name": "x"}))).await;
    assert_eq!(anonymous.status(), 401);

    assert_eq!(app.send(user(delete(uri))).await.status(), 204);
    assert_eq!(app.send(TestRequest::get(uri)).await.status(), 404);
    assert_eq!(app.send(user(delete(uri))).await.status(), 404);

    let audit = app
        .count("SELECT COUNT(*) FROM audit WHERE who = 'ada'")
        .await;
    // before_create, after_create, after_update, before_delete, after_delete.
    assert_eq!(audit, 5);
    for what in [
        "before_create",
        "after_create rust lang",
        "after_update Rustlang",
        "before_delete rust lang",
        "after_delete rust lang",
    ] {
        let n = app
            .count(&format!("SELECT COUNT(*) FROM audit WHERE what = '{what}'"))
            .await;
        assert_eq!(n, 1, "{what}");
    }
}
