//! `Decimal` fields, a custom filter and a named view, through HTTP.

use rustbe_core::testing::TestRequest;
use serde_json::json;

use super::{TestApp, column, detail_fields, outcome, patch};

pub(crate) async fn run(app: &TestApp) {
    decimals_are_exact(app).await;
    custom_filters(app).await;
    views(app).await;
}

async fn create(app: &TestApp, body: serde_json::Value) -> serde_json::Value {
    let r = app.send(TestRequest::post("/api/items").json(&body)).await;
    assert_eq!(r.status(), 201, "{}", r.json());
    r.json()["data"].clone()
}

async fn decimals_are_exact(app: &TestApp) {
    // Written with its scale, as a JSON number: the body text says `0.10`, not `0.1` nor "0.10".
    let r = app
        .send(TestRequest::post("/api/items").json(&json!({"name": "Pin", "price": 0.10})))
        .await;
    assert_eq!(r.status(), 201, "{}", r.json());
    let text = String::from_utf8_lossy(r.body()).into_owned();
    assert!(text.contains(r#""price":0.10"#), "{text}");
    assert!(text.contains(r#""discount":null"#), "{text}");
    let id = r.json()["data"]["id"].as_i64().expect("id");

    // The sum of three 0.10 and one 0.20 is 0.50 in the database, exactly.
    create(app, json!({"name": "Pin", "price": 0.10})).await;
    create(app, json!({"name": "Pin", "price": 0.10})).await;
    create(
        app,
        json!({"name": "Clip", "price": 0.20, "discount": 0.05}),
    )
    .await;
    let cents = app
        .count("SELECT CAST(ROUND(SUM(price) * 100) AS BIGINT) FROM items")
        .await;
    assert_eq!(cents, 50);

    // Read back with the column's scale.
    let one = app
        .send(TestRequest::get(&format!("/api/items/{id}")))
        .await;
    assert!(
        String::from_utf8_lossy(one.body()).contains(r#""price":0.10"#),
        "{}",
        one.json()
    );

    // A string, three decimals, zero and `null` are refused, each named.
    let r = app
        .send(TestRequest::post("/api/items").json(&json!({"name": "Bad", "price": "1.50"})))
        .await;
    assert_eq!(
        outcome(&r),
        (400, "VALIDATION_ERROR".into()),
        "{}",
        r.json()
    );
    assert_eq!(detail_fields(&r), ["price"]);
    for price in [json!(1.555), json!(0)] {
        let r = app
            .send(TestRequest::post("/api/items").json(&json!({"name": "Bad", "price": price})))
            .await;
        assert_eq!(
            outcome(&r),
            (400, "VALIDATION_ERROR".into()),
            "{}",
            r.json()
        );
        assert_eq!(detail_fields(&r), ["price"], "{price}");
    }
    // A missing field, a wrong type and a broken rule on a third field: one answer names all.
    let r = app
        .send(TestRequest::post("/api/items").json(&json!({"price": 0.001, "discount": "x"})))
        .await;
    assert_eq!(
        outcome(&r),
        (400, "VALIDATION_ERROR".into()),
        "{}",
        r.json()
    );
    assert_eq!(
        detail_fields(&r),
        ["discount", "name", "price", "price"],
        "{}",
        r.json()
    );
    let r = app
        .send(patch(&format!("/api/items/{id}")).json(&json!({"price": 2.5, "discount": null})))
        .await;
    assert_eq!(r.status(), 200, "{}", r.json());
    assert!(String::from_utf8_lossy(r.body()).contains(r#""price":2.50"#));

    // Range filters and sorts compare numbers, not text (`10.00` > `9.00`).
    create(app, json!({"name": "Lamp", "price": 10.00})).await;
    create(app, json!({"name": "Mug", "price": 9.00})).await;
    let r = app
        .send(TestRequest::get("/api/items?min_price=2.5&sort=-price"))
        .await;
    assert_eq!(r.status(), 200, "{}", r.json());
    assert_eq!(column(&r, "name"), ["Lamp", "Mug", "Pin"]);
    assert_eq!(r.json()["data"][0]["price"], json!(10.0));
    let r = app.send(TestRequest::get("/api/items?max_price=abc")).await;
    assert_eq!(outcome(&r), (400, "BAD_REQUEST".into()));
    assert_eq!(detail_fields(&r), ["max_price"]);
}

async fn custom_filters(app: &TestApp) {
    let r = app
        .send(TestRequest::get("/api/items?cheap=true&sort=id"))
        .await;
    assert_eq!(r.status(), 200, "{}", r.json());
    assert_eq!(column(&r, "name"), ["Pin", "Pin", "Clip"]);
    let r = app.send(TestRequest::get("/api/items?cheap=false")).await;
    assert_eq!(r.json()["pagination"]["total"], 3, "{}", r.json());
    // A bad value, an unknown parameter and a bad sort are named in one 400.
    let r = app
        .send(TestRequest::get(
            "/api/items?cheap=maybe&colour=red&sort=colour",
        ))
        .await;
    assert_eq!(outcome(&r), (400, "BAD_REQUEST".into()), "{}", r.json());
    assert_eq!(detail_fields(&r), ["cheap", "colour", "sort"]);
    assert_eq!(
        r.json()["error"]["details"][0]["message"],
        "must be true or false"
    );
}

async fn views(app: &TestApp) {
    let r = app.send(TestRequest::get("/api/items/priciest")).await;
    assert_eq!(r.status(), 200, "{}", r.json());
    assert_eq!(column(&r, "name"), ["Lamp", "Mug"]);
    assert!(r.json().get("pagination").is_none());
    // Cached, and dropped by a generated write.
    app.sql("UPDATE items SET price = 99 WHERE name = 'Clip'")
        .await;
    let r = app.send(TestRequest::get("/api/items/priciest")).await;
    assert_eq!(column(&r, "name"), ["Lamp", "Mug"], "served from the cache");
    let r = app
        .send(TestRequest::post("/api/items").json(&json!({"name": "Cup", "price": 1.00})))
        .await;
    assert_eq!(r.status(), 201);
    let r = app.send(TestRequest::get("/api/items/priciest")).await;
    assert_eq!(column(&r, "name"), ["Clip", "Lamp"]);
    // No parameters.
    let r = app
        .send(TestRequest::get("/api/items/priciest?page=2"))
        .await;
    assert_eq!(outcome(&r), (400, "BAD_REQUEST".into()));
    assert_eq!(detail_fields(&r), ["page"]);
}
