//! The owner rule: lists and counts filtered by the caller, other owners' rows 404, the
//! owner set from the caller and never from the body, admins bypassing it.

use rustbe_core::testing::TestRequest;
use serde_json::json;

use super::{TestApp, admin, as_user, column, delete, outcome, patch, put};

pub(crate) async fn run(app: &TestApp) {
    let ada = |r| as_user(r, "ada", "customer");
    let bob = |r| as_user(r, "bob", "customer");

    let anonymous = app.send(TestRequest::get("/api/notes")).await;
    assert_eq!(outcome(&anonymous), (401, "UNAUTHORIZED".to_owned()));
    let anonymous = app
        .send(TestRequest::post("/api/notes").json(&json!({"body": "x", "pinned": false})))
        .await;
    assert_eq!(anonymous.status(), 401);

    // The owner comes from the caller, whatever the body says.
    let r = app
        .send(
            ada(TestRequest::post("/api/notes"))
                .json(&json!({"body": "mine", "pinned": true, "user_id": "bob"})),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.json());
    assert_eq!(r.json()["data"]["user_id"], "ada");
    let ada_note = r.json()["data"]["id"].as_i64().expect("an integer key");
    assert_eq!(
        r.header("location").map(str::to_owned),
        Some(format!("/api/notes/{ada_note}"))
    );
    for body in ["second", "third"] {
        let r = app
            .send(
                ada(TestRequest::post("/api/notes")).json(&json!({"body": body, "pinned": false})),
            )
            .await;
        assert_eq!(r.status(), 201);
    }
    let r = app
        .send(bob(TestRequest::post("/api/notes")).json(&json!({"body": "bob's", "pinned": false})))
        .await;
    let bob_note = r.json()["data"]["id"].as_i64().expect("an integer key");

    // Lists and their totals hold only the caller's rows; admins see all.
    let mine = app.send(ada(TestRequest::get("/api/notes"))).await;
    assert_eq!(
        column(&mine, "body"),
        [json!("mine"), json!("second"), json!("third")]
    );
    assert_eq!(mine.json()["pagination"]["total"], 3);
    let theirs = app.send(bob(TestRequest::get("/api/notes"))).await;
    assert_eq!(column(&theirs, "body"), [json!("bob's")]);
    assert_eq!(theirs.json()["pagination"]["total"], 1);
    let all = app.send(admin(TestRequest::get("/api/notes"))).await;
    assert_eq!(all.json()["pagination"]["total"], 4);
    // Nested under the user: that user or an admin.
    let nested = app
        .send(ada(TestRequest::get("/api/users/ada/notes")))
        .await;
    assert_eq!(nested.json()["pagination"]["total"], 3);
    let nested = app
        .send(bob(TestRequest::get("/api/users/ada/notes")))
        .await;
    assert_eq!(outcome(&nested), (404, "NOT_FOUND".to_owned()));
    let nested = app
        .send(admin(TestRequest::get("/api/users/ada/notes?sort=-id")))
        .await;
    assert_eq!(
        column(&nested, "body"),
        [json!("third"), json!("second"), json!("mine")]
    );
    // A parent that is not there (`parent = "users"`) is a 404, even to an admin, rather
    // than an empty page.
    let nobody = app
        .send(admin(TestRequest::get("/api/users/carol/notes")))
        .await;
    assert_eq!(outcome(&nobody), (404, "NOT_FOUND".to_owned()));
    // An empty page of a parent that is there (the parent is looked up then) stays a 200.
    let past_the_end = app
        .send(admin(TestRequest::get("/api/users/ada/notes?page=50")))
        .await;
    assert_eq!(past_the_end.status(), 200, "{}", past_the_end.json());
    assert_eq!(past_the_end.json()["data"], json!([]));
    // A filter cannot widen the rule.
    let sneaky = app
        .send(bob(TestRequest::get("/api/notes?user_id=ada")))
        .await;
    assert_eq!(sneaky.json()["pagination"]["total"], 0);
    let pinned = app
        .send(ada(TestRequest::get("/api/notes?pinned=true")))
        .await;
    assert_eq!(column(&pinned, "body"), [json!("mine")]);
    let bad = app
        .send(ada(TestRequest::get("/api/notes?pinned=maybe")))
        .await;
    assert_eq!(bad.status(), 400);

    // Someone else's row does not exist, for every operation.
    let uri = format!("/api/notes/{ada_note}");
    assert_eq!(
        outcome(&app.send(bob(TestRequest::get(&uri))).await),
        (404, "NOT_FOUND".to_owned())
    );
    let body = json!({"body": "hijacked", "pinned": false});
    assert_eq!(app.send(bob(put(&uri)).json(&body)).await.status(), 404);
    assert_eq!(
        app.send(bob(patch(&uri)).json(&json!({"body": "hijacked"})))
            .await
            .status(),
        404
    );
    assert_eq!(app.send(bob(delete(&uri))).await.status(), 404);
    let etag = app
        .send(ada(TestRequest::get(&uri)))
        .await
        .header("etag")
        .expect("an ETag")
        .to_owned();
    assert_eq!(
        app.send(
            bob(patch(&uri))
                .header("if-match", &etag)
                .json(&json!({"body": "x"}))
        )
        .await
        .status(),
        404
    );
    assert_eq!(
        app.send(ada(TestRequest::get(&uri))).await.json()["data"]["body"],
        "mine"
    );

    // The owner may, and may not move the row to someone else.
    let r = app
        .send(ada(patch(&uri)).json(&json!({"body": "edited", "user_id": "bob"})))
        .await;
    assert_eq!(r.status(), 200, "{}", r.json());
    assert_eq!(
        (
            r.json()["data"]["body"].clone(),
            r.json()["data"]["user_id"].clone()
        ),
        (json!("edited"), json!("ada"))
    );
    let r = app
        .send(ada(put(&uri)).json(&json!({"body": "replaced", "pinned": false})))
        .await;
    assert_eq!(r.json()["data"]["user_id"], "ada");
    // Admins bypass the rule.
    let r = app
        .send(admin(TestRequest::get(&format!("/api/notes/{bob_note}"))))
        .await;
    assert_eq!(r.json()["data"]["body"], "bob's");
    assert_eq!(
        app.send(admin(delete(&format!("/api/notes/{bob_note}"))))
            .await
            .status(),
        204
    );
    assert_eq!(app.send(ada(delete(&uri))).await.status(), 204);
    assert_eq!(app.send(ada(TestRequest::get(&uri))).await.status(), 404);
    assert_eq!(
        app.send(ada(TestRequest::get("/api/notes/abc")))
            .await
            .status(),
        400
    );
}
