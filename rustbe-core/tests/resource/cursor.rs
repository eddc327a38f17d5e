//! Keyset pagination, nesting under a parent, and switched-off operations.

use std::collections::HashSet;

use rustbe_core::testing::TestRequest;
use serde_json::{Value, json};

use super::{TestApp, column, delete, outcome, put};

pub(crate) async fn run(app: &TestApp) {
    // Board 1: scores with ties; board 2: three more.
    let scores = [
        (1, 50),
        (1, 40),
        (1, 40),
        (1, 40),
        (1, 30),
        (1, 20),
        (1, 10),
        (2, 45),
        (2, 35),
        (2, 5),
    ];
    for (i, (board, score)) in scores.iter().enumerate() {
        let r = app
            .send(
                TestRequest::post("/api/entries")
                    .json(&json!({"board_id": board, "score": score, "title": format!("e{i}")})),
            )
            .await;
        assert_eq!(r.status(), 201, "{}", r.json());
    }

    // Walk every page of 3, newest cursor each time.
    let mut seen = Vec::new();
    let mut uri = "/api/entries?limit=3".to_owned();
    let mut pages = 0;
    loop {
        let r = app.send(TestRequest::get(&uri)).await;
        assert_eq!(r.status(), 200, "{uri}: {}", r.json());
        pages += 1;
        let json = r.json();
        assert_eq!(json["pagination"]["limit"], 3);
        seen.extend(column(&r, "score"));
        match json["pagination"]["next_cursor"].as_str() {
            Some(cursor) => uri = format!("/api/entries?limit=3&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(pages, 4);
    let expected: Vec<Value> = [50, 45, 40, 40, 40, 35, 30, 20, 10, 5]
        .into_iter()
        .map(Value::from)
        .collect();
    assert_eq!(seen, expected);

    // Ties are broken by the key, so no row is seen twice or skipped.
    let mut ids = HashSet::new();
    let mut uri = "/api/entries?limit=2&sort=score".to_owned();
    loop {
        let r = app.send(TestRequest::get(&uri)).await;
        for id in column(&r, "id") {
            assert!(ids.insert(id.to_string()), "{id} twice");
        }
        match r.json()["pagination"]["next_cursor"].as_str() {
            Some(cursor) => uri = format!("/api/entries?limit=2&sort=score&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(ids.len(), 10);

    // Filters combine with the cursor.
    let r = app
        .send(TestRequest::get("/api/entries?min_score=30&limit=100"))
        .await;
    assert_eq!(column(&r, "score").len(), 7);
    assert_eq!(r.json()["pagination"]["next_cursor"], Value::Null);

    // A cursor of another order, or of nothing at all, is refused.
    let first = app.send(TestRequest::get("/api/entries?limit=3")).await;
    let cursor = first.json()["pagination"]["next_cursor"]
        .as_str()
        .expect("a cursor")
        .to_owned();
    let other = app
        .send(TestRequest::get(&format!(
            "/api/entries?sort=id&cursor={cursor}"
        )))
        .await;
    assert_eq!(outcome(&other), (400, "BAD_REQUEST".to_owned()));
    for bad in ["garbage!", "e30", "W10"] {
        let r = app
            .send(TestRequest::get(&format!("/api/entries?cursor={bad}")))
            .await;
        assert_eq!(outcome(&r), (400, "BAD_REQUEST".to_owned()), "{bad}");
    }
    let page = app.send(TestRequest::get("/api/entries?page=2")).await;
    assert_eq!(page.status(), 400, "no page numbers in cursor mode");

    // Nested under the board.
    let board = app.send(TestRequest::get("/api/boards/2/entries")).await;
    assert_eq!(column(&board, "score"), [json!(45), json!(35), json!(5)]);
    let board = app
        .send(TestRequest::get("/api/boards/1/entries?limit=2&sort=id"))
        .await;
    assert_eq!(column(&board, "board_id"), [json!(1), json!(1)]);
    let bad = app.send(TestRequest::get("/api/boards/one/entries")).await;
    assert_eq!(outcome(&bad), (400, "BAD_REQUEST".to_owned()));
    let none = app.send(TestRequest::get("/api/boards/9/entries")).await;
    assert_eq!(none.json()["data"], json!([]));

    // Switched-off operations are not routed.
    let id = first.json()["data"][0]["id"].clone();
    let r = app.send(delete(&format!("/api/entries/{id}"))).await;
    assert_eq!(outcome(&r), (405, "METHOD_NOT_ALLOWED".to_owned()));
    let r = app
        .send(
            put(&format!("/api/entries/{id}"))
                .json(&json!({"board_id": 1, "score": 1, "title": "x"})),
        )
        .await;
    assert_eq!(r.status(), 405);
    assert_eq!(
        app.send(TestRequest::get(&format!("/api/entries/{id}")))
            .await
            .status(),
        200
    );
}
