//! `/api/orders…` of API.md through the whole router, on SQLite and (with `TEST_DATABASE_URL`
//! and `TEST_REDIS_URL`) PostgreSQL + Redis: prices and totals from the catalogue, stock taken
//! in one transaction (and given back on cancel), concurrent orders for the last item,
//! idempotent retries, who sees what, status moves, validation details, the product cache, a
//! fixed number of statements per read, and the OpenAPI document.

#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

mod common;

use std::sync::{Arc, Mutex};

use axum::Router;
use common::{
    admin_token, delete, detail_fields, get, on_every_backend, outcome, patch, post, register, shop,
};
use rustbe_core::testing::{TestDb, TestRequest, TestResponse};
use serde_json::{Value, json};

/// A category for the products of a test.
async fn category(app: &Router, admin: &str) -> String {
    let r = post(
        app,
        "/api/categories",
        admin,
        json!({"name": "Shoes", "slug": "shoes"}),
    )
    .await;
    assert_eq!(r.status(), 201, "{}", r.json());
    r.json()["data"]["id"]
        .as_str()
        .expect("category id")
        .to_owned()
}

/// A product at `price` with `stock` in stock.
async fn product(app: &Router, admin: &str, category: &str, price: f64, stock: i64) -> String {
    let body = json!({
        "name": format!("Product at {price}"),
        "description": "A product",
        "price": price,
        "category_id": category,
        "stock_quantity": stock,
        "images": ["https://img.example/p.png"],
    });
    let r = post(app, "/api/products", admin, body).await;
    assert_eq!(r.status(), 201, "{}", r.json());
    r.json()["data"]["id"]
        .as_str()
        .expect("product id")
        .to_owned()
}

/// `(stock_quantity, popularity_score)` as the public (cached) product read shows them.
async fn stock(app: &Router, product: &str) -> (i64, i64) {
    let r = get(app, &format!("/api/products/{product}"), "").await;
    assert_eq!(r.status(), 200, "{}", r.json());
    let data = &r.json()["data"];
    (
        data["stock_quantity"].as_i64().expect("stock"),
        data["popularity_score"].as_i64().expect("popularity"),
    )
}

async fn address(app: &Router, token: &str) -> String {
    let body =
        json!({"line1": "1 Main St", "city": "Berlin", "postal_code": "10115", "country": "DE"});
    let r = post(app, "/api/addresses", token, body).await;
    assert_eq!(r.status(), 201, "{}", r.json());
    r.json()["data"]["id"]
        .as_str()
        .expect("address id")
        .to_owned()
}

fn lines(items: &[(&str, i64)]) -> Value {
    json!({"items": items.iter().map(|(p, q)| json!({"product_id": p, "quantity": q})).collect::<Vec<_>>()})
}

async fn order(app: &Router, token: &str, items: &[(&str, i64)]) -> Value {
    let r = post(app, "/api/orders", token, lines(items)).await;
    assert_eq!(r.status(), 201, "{}", r.json());
    r.json()["data"].clone()
}

/// `POST /api/orders` with an `Idempotency-Key` and a raw JSON body.
async fn order_with_key(app: &Router, token: &str, key: &str, body: &str) -> TestResponse {
    TestRequest::post("/api/orders")
        .bearer(token)
        .header("idempotency-key", key)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send(app)
        .await
}

fn id(value: &Value) -> String {
    value["id"].as_str().expect("an id").to_owned()
}

async fn set_status(app: &Router, token: &str, order: &str, status: &str) -> TestResponse {
    patch(
        app,
        &format!("/api/orders/{order}"),
        token,
        json!({"status": status}),
    )
    .await
}

async fn total_orders(app: &Router, admin: &str) -> u64 {
    let r = get(app, "/api/orders", admin).await;
    assert_eq!(r.status(), 200, "{}", r.json());
    r.json()["pagination"]["total"].as_u64().expect("total")
}

#[tokio::test]
async fn placing_an_order() {
    on_every_backend("placing_an_order", |db, redis| async move {
        let app = shop(&db, redis.as_deref()).await;
        let admin = admin_token(&app).await;
        let (ada, ada_token) = register(&app, "ada@example.com", "Ada").await;
        let (_, grace_token) = register(&app, "grace@example.com", "Grace").await;
        let cat = category(&app, &admin).await;
        let shoes = product(&app, &admin, &cat, 19.99, 10).await;
        let laces = product(&app, &admin, &cat, 0.1, 5).await;
        let home = address(&app, &ada_token).await;
        // Read once so that the cache holds the old stock.
        assert_eq!(stock(&app, &shoes).await, (10, 0));
        assert_eq!(stock(&app, &laces).await, (5, 0));

        let mut body = lines(&[(&shoes, 3), (&laces, 3)]);
        body["address_id"] = json!(home);
        body["total"] = json!(0.01); // server-owned: ignored
        body["status"] = json!("delivered");
        let r = post(&app, "/api/orders", &ada_token, body).await;
        assert_eq!(r.status(), 201, "{}", r.json());
        let placed = r.json()["data"].clone();
        let order_id = id(&placed);
        assert_eq!(r.header("location"), Some(format!("/api/orders/{order_id}").as_str()));
        assert_eq!(placed["user_id"], ada.as_str());
        assert_eq!(placed["address_id"], home.as_str());
        assert_eq!(placed["status"], "pending");
        assert_eq!(placed["total"], json!(60.27), "3 × 19.99 + 3 × 0.10, in cents");
        let mut items = placed["items"].as_array().expect("items").clone();
        items.sort_by_key(|i| i["unit_price"].as_f64().map(|p| (p * 100.0) as i64));
        assert_eq!(
            items,
            [
                json!({"product_id": laces, "quantity": 3, "unit_price": 0.1}),
                json!({"product_id": shoes, "quantity": 3, "unit_price": 19.99}),
            ]
        );
        // The cache was invalidated: the public read shows the new stock at once.
        assert_eq!(stock(&app, &shoes).await, (7, 3));
        assert_eq!(stock(&app, &laces).await, (2, 3));

        // Read back: the same order, with an ETag and 304.
        let path = format!("/api/orders/{order_id}");
        let r = get(&app, &path, &ada_token).await;
        assert_eq!(r.status(), 200, "{}", r.json());
        assert_eq!(r.json()["data"], placed);
        let etag = r.header("etag").expect("an ETag").to_owned();
        let again = TestRequest::get(&path)
            .bearer(&ada_token)
            .header("if-none-match", &etag)
            .send(&app)
            .await;
        assert_eq!(again.status(), 304);
        assert_eq!(get(&app, &path, &admin).await.json()["data"], placed);

        // Not enough stock: 409 naming the line, and nothing changes.
        let r = post(&app, "/api/orders", &ada_token, lines(&[(&laces, 1), (&shoes, 8)])).await;
        assert_eq!(outcome(&r), (409, "CONFLICT".into()), "{}", r.json());
        assert_eq!(detail_fields(&r), ["items[1].product_id"]);
        assert!(r.json()["error"]["details"][0]["message"].as_str().unwrap_or_default().contains(&shoes));
        assert_eq!(stock(&app, &shoes).await, (7, 3));
        assert_eq!(stock(&app, &laces).await, (2, 3));
        assert_eq!(total_orders(&app, &admin).await, 1);

        // Validation names every field.
        let cases: [(Value, &[&str]); 6] = [
            (json!({"items": []}), &["items"]),
            (json!({}), &["items"]),
            (lines(&[(&shoes, 0), (&laces, 1001)]), &["items[0].quantity", "items[1].quantity"]),
            (
                json!({"items": [{"product_id": shoes, "quantity": "x"}, {"product_id": "nope", "quantity": 1}]}),
                &["items[0].quantity", "items[1].product_id"],
            ),
            (json!({"items": [{"product_id": shoes, "quantity": 1}], "address_id": ""}), &["address_id"]),
            (json!({"items": (0..51).map(|_| json!({"product_id": uuid::Uuid::new_v4(), "quantity": 1})).collect::<Vec<_>>()}), &["items"]),
        ];
        for (body, fields) in cases {
            let r = post(&app, "/api/orders", &ada_token, body.clone()).await;
            assert_eq!(outcome(&r), (400, "VALIDATION_ERROR".into()), "{body}: {}", r.json());
            let fields: Vec<String> = fields.iter().map(|f| (*f).to_owned()).collect();
            let mut got = detail_fields(&r);
            got.dedup();
            assert_eq!(got, fields, "{body}");
        }
        // A product or an address that does not exist is a conflict with the database's
        // state, as a foreign key violation is (409, naming each), not a broken rule.
        let unknown = "6f1c9a4e-3c1b-4bde-9b55-2a4f3c0d9e11";
        let cases: [(Value, &[&str]); 3] = [
            (lines(&[(&shoes, 1), (unknown, 1)]), &["items[1].product_id"]),
            (json!({"items": [{"product_id": shoes, "quantity": 1}], "address_id": unknown}), &["address_id"]),
            (json!({"items": [{"product_id": unknown, "quantity": 1}], "address_id": unknown}), &["address_id", "items[0].product_id"]),
        ];
        for (body, fields) in cases {
            let r = post(&app, "/api/orders", &ada_token, body.clone()).await;
            assert_eq!(outcome(&r), (409, "CONFLICT".into()), "{body}: {}", r.json());
            assert_eq!(detail_fields(&r), fields, "{body}");
        }
        // Another user's address is no address at all.
        let mut body = lines(&[(&shoes, 1)]);
        body["address_id"] = json!(home);
        let r = post(&app, "/api/orders", &grace_token, body).await;
        assert_eq!(outcome(&r), (409, "CONFLICT".into()));
        assert_eq!(detail_fields(&r), ["address_id"]);
        assert_eq!(outcome(&post(&app, "/api/orders", "", lines(&[(&shoes, 1)])).await), (401, "UNAUTHORIZED".into()));
        let r = TestRequest::post("/api/orders").bearer(&ada_token).body("{").header("content-type", "application/json").send(&app).await;
        assert_eq!(outcome(&r), (400, "BAD_REQUEST".into()));
        assert_eq!(stock(&app, &shoes).await, (7, 3));
        assert_eq!(total_orders(&app, &admin).await, 1);

        // Lines for the same product are merged: stock is checked against the sum (4 + 4 of
        // the 7 shoes left is short, named by the product's first line) ...
        let r = post(&app, "/api/orders", &ada_token, lines(&[(&shoes, 4), (&laces, 1), (&shoes, 4)])).await;
        assert_eq!(outcome(&r), (409, "CONFLICT".into()), "{}", r.json());
        assert_eq!(detail_fields(&r), ["items[0].product_id"]);
        assert_eq!(stock(&app, &shoes).await, (7, 3));
        assert_eq!(stock(&app, &laces).await, (2, 3));
        // ... and the order holds one item per product with the summed quantity. Each line is
        // still 1 to 1000 on its own; a sum above that is fine while the stock lasts.
        let r = post(&app, "/api/orders", &ada_token, lines(&[(&laces, 1), (&shoes, 2), (&laces, 1), (&shoes, 3)])).await;
        assert_eq!(r.status(), 201, "{}", r.json());
        let merged = r.json()["data"].clone();
        let mut items = merged["items"].as_array().expect("items").clone();
        items.sort_by_key(|i| i["unit_price"].as_f64().map(|p| (p * 100.0) as i64));
        assert_eq!(
            items,
            [
                json!({"product_id": laces, "quantity": 2, "unit_price": 0.1}),
                json!({"product_id": shoes, "quantity": 5, "unit_price": 19.99}),
            ]
        );
        assert_eq!(merged["total"], json!(100.15), "5 × 19.99 + 2 × 0.10");
        assert_eq!(stock(&app, &shoes).await, (2, 8));
        assert_eq!(stock(&app, &laces).await, (0, 5));
        assert_eq!(get(&app, &format!("/api/orders/{}", id(&merged)), &ada_token).await.json()["data"], merged);
        let bulk = product(&app, &admin, &cat, 0.5, 2000).await;
        let r = post(&app, "/api/orders", &ada_token, lines(&[(&bulk, 1000), (&bulk, 1000)])).await;
        assert_eq!(r.status(), 201, "{}", r.json());
        assert_eq!(r.json()["data"]["items"][0]["quantity"], 2000);
        assert_eq!(stock(&app, &bulk).await, (0, 2000));
        assert_eq!(total_orders(&app, &admin).await, 3);
        db.cleanup().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_orders_for_the_last_item() {
    on_every_backend(
        "concurrent_orders_for_the_last_item",
        |db, redis| async move {
            let app = shop(&db, redis.as_deref()).await;
            let admin = admin_token(&app).await;
            let (_, token) = register(&app, "ada@example.com", "Ada").await;
            let cat = category(&app, &admin).await;
            let last = product(&app, &admin, &cat, 5.0, 1).await;
            assert_eq!(stock(&app, &last).await, (1, 0));

            let mut tasks = tokio::task::JoinSet::new();
            for _ in 0..8 {
                let (app, token, body) = (app.clone(), token.clone(), lines(&[(&last, 1)]));
                tasks.spawn(async move { outcome(&post(&app, "/api/orders", &token, body).await) });
            }
            let mut outcomes = tasks.join_all().await;
            outcomes.sort();
            let mut expected = vec![(201, String::new())];
            expected.extend(std::iter::repeat_n((409, "CONFLICT".to_owned()), 7));
            assert_eq!(outcomes, expected);
            assert_eq!(stock(&app, &last).await, (0, 1));
            assert_eq!(total_orders(&app, &admin).await, 1);

            // Eight concurrent retries of one request: one order, the stock taken once.
            let plenty = product(&app, &admin, &cat, 2.5, 5).await;
            let body = lines(&[(&plenty, 2)]).to_string();
            let mut tasks = tokio::task::JoinSet::new();
            for _ in 0..8 {
                let (app, token, body) = (app.clone(), token.clone(), body.clone());
                tasks.spawn(async move {
                    let r = order_with_key(&app, &token, "same-key", &body).await;
                    assert_eq!(r.status(), 201, "{}", r.json());
                    id(&r.json()["data"])
                });
            }
            let mut ids = tasks.join_all().await;
            ids.dedup();
            assert_eq!(ids.len(), 1, "{ids:?}");
            assert_eq!(stock(&app, &plenty).await, (3, 2));
            assert_eq!(total_orders(&app, &admin).await, 2);
            db.cleanup().await;
        },
    )
    .await;
}

#[tokio::test]
async fn idempotent_retries() {
    on_every_backend("idempotent_retries", |db, redis| async move {
        let app = shop(&db, redis.as_deref()).await;
        let admin = admin_token(&app).await;
        let (_, ada) = register(&app, "ada@example.com", "Ada").await;
        let (_, grace) = register(&app, "grace@example.com", "Grace").await;
        let cat = category(&app, &admin).await;
        let p = product(&app, &admin, &cat, 9.99, 10).await;

        let first = order_with_key(
            &app,
            &ada,
            "order-1",
            &format!(r#"{{"items":[{{"product_id":"{p}","quantity":2}}]}}"#),
        )
        .await;
        assert_eq!(first.status(), 201, "{}", first.json());
        // The same body, spelled differently.
        let body = format!(
            r#"{{ "address_id": null, "items": [ {{ "quantity": 2, "product_id": "{}" }} ] }}"#,
            p.to_uppercase()
        );
        let retry = order_with_key(&app, &ada, "order-1", &body).await;
        assert_eq!(retry.status(), 201, "{}", retry.json());
        assert_eq!(retry.json(), first.json());
        assert_eq!(retry.header("location"), first.header("location"));
        assert_eq!(stock(&app, &p).await, (8, 2));
        assert_eq!(total_orders(&app, &admin).await, 1);

        // The same key with another body.
        let other = order_with_key(&app, &ada, "order-1", &lines(&[(&p, 3)]).to_string()).await;
        assert_eq!(
            outcome(&other),
            (422, "UNPROCESSABLE_ENTITY".into()),
            "{}",
            other.json()
        );
        // Keys are per user.
        let graces = order_with_key(&app, &grace, "order-1", &lines(&[(&p, 3)]).to_string()).await;
        assert_eq!(graces.status(), 201, "{}", graces.json());
        assert_ne!(id(&graces.json()["data"]), id(&first.json()["data"]));
        assert_eq!(stock(&app, &p).await, (5, 5));
        // A failed request records nothing: the key still works once the stock is there.
        let short = order_with_key(&app, &ada, "order-2", &lines(&[(&p, 6)]).to_string()).await;
        assert_eq!(outcome(&short), (409, "CONFLICT".into()));
        let r = patch(
            &app,
            &format!("/api/products/{p}"),
            &admin,
            json!({"stock_quantity": 6}),
        )
        .await;
        assert_eq!(r.status(), 200, "{}", r.json());
        let later = order_with_key(&app, &ada, "order-2", &lines(&[(&p, 6)]).to_string()).await;
        assert_eq!(later.status(), 201, "{}", later.json());
        assert_eq!(stock(&app, &p).await.0, 0);
        // Keys are 1 to 200 characters.
        let long =
            order_with_key(&app, &ada, &"k".repeat(201), &lines(&[(&p, 1)]).to_string()).await;
        assert_eq!(outcome(&long), (400, "BAD_REQUEST".into()));
        assert_eq!(total_orders(&app, &admin).await, 3);
        db.cleanup().await;
    })
    .await;
}

#[tokio::test]
async fn who_sees_which_orders() {
    on_every_backend("who_sees_which_orders", |db, redis| async move {
        let app = shop(&db, redis.as_deref()).await;
        let admin = admin_token(&app).await;
        let (ada, ada_token) = register(&app, "ada@example.com", "Ada").await;
        let (grace, grace_token) = register(&app, "grace@example.com", "Grace").await;
        let cat = category(&app, &admin).await;
        let cheap = product(&app, &admin, &cat, 1.0, 100).await;
        let dear = product(&app, &admin, &cat, 100.0, 100).await;
        let a1 = id(&order(&app, &ada_token, &[(&cheap, 1)]).await);
        let a2 = id(&order(&app, &ada_token, &[(&dear, 1), (&cheap, 2)]).await);
        let g1 = id(&order(&app, &grace_token, &[(&cheap, 5)]).await);
        assert_eq!(set_status(&app, &admin, &a2, "paid").await.status(), 200);

        // Own orders only, newest first, with their items.
        let mine = get(&app, "/api/orders", &ada_token).await;
        assert_eq!(mine.status(), 200, "{}", mine.json());
        assert_eq!(common::column(&mine, "id"), [json!(a2), json!(a1)]);
        assert_eq!(
            mine.json()["pagination"],
            json!({"page": 1, "limit": 20, "total": 2, "total_pages": 1})
        );
        assert_eq!(
            mine.json()["data"][0]["items"].as_array().map(Vec::len),
            Some(2)
        );
        assert_eq!(
            common::column(
                &get(&app, "/api/orders?sort=total", &ada_token).await,
                "total"
            ),
            [json!(1.0), json!(102.0)]
        );
        assert_eq!(
            common::column(
                &get(&app, "/api/orders?status=paid", &ada_token).await,
                "id"
            ),
            [json!(a2)]
        );
        let page2 = get(&app, "/api/orders?limit=1&page=2", &ada_token).await;
        assert_eq!(common::column(&page2, "id"), [json!(a1)]);
        assert_eq!(page2.json()["pagination"]["total_pages"], 2);

        // Someone else's order is not there.
        for path in [
            format!("/api/orders/{a1}"),
            format!("/api/users/{ada}/orders"),
        ] {
            assert_eq!(
                outcome(&get(&app, &path, &grace_token).await),
                (404, "NOT_FOUND".into()),
                "{path}"
            );
        }
        let r = set_status(&app, &grace_token, &a1, "cancelled").await;
        assert_eq!(outcome(&r), (404, "NOT_FOUND".into()));
        let theirs = get(&app, &format!("/api/users/{grace}/orders"), &grace_token).await;
        assert_eq!(common::column(&theirs, "id"), [json!(g1)]);
        assert_eq!(
            common::column(
                &get(
                    &app,
                    &format!("/api/users/{ada}/orders?sort=created_at"),
                    &ada_token
                )
                .await,
                "id"
            ),
            [json!(a1), json!(a2)]
        );

        // The admin sees everyone's and filters by status.
        let all = get(&app, "/api/orders", &admin).await;
        assert_eq!(all.json()["pagination"]["total"], 3);
        assert_eq!(
            common::column(
                &get(&app, "/api/orders?status=pending&sort=-total", &admin).await,
                "id"
            ),
            [json!(g1), json!(a1)]
        );
        assert_eq!(
            common::column(
                &get(
                    &app,
                    &format!("/api/users/{ada}/orders?status=paid"),
                    &admin
                )
                .await,
                "id"
            ),
            [json!(a2)]
        );
        assert_eq!(
            get(&app, &format!("/api/orders/{g1}"), &admin)
                .await
                .status(),
            200
        );
        // A user that does not exist has no orders to list, even for an admin: 404, as
        // `/api/users/{id}` answers (an empty page would say the user is there).
        let nobody = uuid::Uuid::new_v4();
        assert_eq!(
            outcome(&get(&app, &format!("/api/users/{nobody}/orders"), &admin).await),
            (404, "NOT_FOUND".into())
        );
        assert_eq!(
            outcome(&get(&app, &format!("/api/users/{nobody}/addresses"), &admin).await),
            (404, "NOT_FOUND".into())
        );

        // Bad queries are 400; anonymous callers are 401.
        for bad in [
            "/api/orders?status=lost",
            "/api/orders?colour=red",
            "/api/orders?sort=user_id",
            "/api/orders?limit=101",
            "/api/orders?page=x",
        ] {
            let r = get(&app, bad, &admin).await;
            assert_eq!(r.status(), 400, "{bad}: {}", r.json());
        }
        assert_eq!(
            outcome(&get(&app, "/api/orders/not-a-uuid", &admin).await),
            (400, "BAD_REQUEST".into())
        );
        assert_eq!(
            outcome(
                &get(
                    &app,
                    "/api/orders/6f1c9a4e-3c1b-4bde-9b55-2a4f3c0d9e11",
                    &admin
                )
                .await
            ),
            (404, "NOT_FOUND".into())
        );
        assert_eq!(
            outcome(&get(&app, "/api/orders", "").await),
            (401, "UNAUTHORIZED".into())
        );
        assert_eq!(
            outcome(&delete(&app, &format!("/api/orders/{a1}"), &admin).await).0,
            405
        );
        db.cleanup().await;
    })
    .await;
}

#[tokio::test]
async fn status_moves_and_cancelling() {
    on_every_backend("status_moves_and_cancelling", |db, redis| async move {
        let app = shop(&db, redis.as_deref()).await;
        let admin = admin_token(&app).await;
        let (_, ada) = register(&app, "ada@example.com", "Ada").await;
        let cat = category(&app, &admin).await;
        let p = product(&app, &admin, &cat, 3.0, 20).await;
        let q = product(&app, &admin, &cat, 4.0, 20).await;

        // The admin, forward one step at a time.
        let o = id(&order(&app, &ada, &[(&p, 1)]).await);
        for (to, expected) in [
            ("shipped", 409),
            ("paid", 200),
            ("pending", 409),
            ("paid", 409),
            ("shipped", 200),
            ("delivered", 200),
            ("cancelled", 409),
            ("shipped", 409),
        ] {
            let r = set_status(&app, &admin, &o, to).await;
            assert_eq!(r.status(), expected, "{to}: {}", r.json());
            if expected == 409 {
                assert_eq!(r.error_code(), "CONFLICT");
            } else {
                assert_eq!(r.json()["data"]["status"], to);
            }
        }
        let r = set_status(&app, &admin, &o, "lost").await;
        assert_eq!(outcome(&r), (400, "VALIDATION_ERROR".into()));
        assert_eq!(detail_fields(&r), ["status"]);
        assert_eq!(
            stock(&app, &p).await,
            (19, 1),
            "delivered orders keep their stock"
        );

        // The owner may cancel a pending order, and nothing else.
        let o = id(&order(&app, &ada, &[(&p, 2), (&q, 3)]).await);
        assert_eq!(stock(&app, &p).await, (17, 3));
        assert_eq!(stock(&app, &q).await, (17, 3));
        assert_eq!(
            outcome(&set_status(&app, &ada, &o, "paid").await),
            (403, "FORBIDDEN".into())
        );
        let r = set_status(&app, &ada, &o, "cancelled").await;
        assert_eq!(r.status(), 200, "{}", r.json());
        assert_eq!(r.json()["data"]["status"], "cancelled");
        assert_eq!(r.json()["data"]["items"].as_array().map(Vec::len), Some(2));
        assert_eq!(
            stock(&app, &p).await,
            (19, 1),
            "stock and popularity given back"
        );
        assert_eq!(stock(&app, &q).await, (20, 0));
        assert_eq!(
            outcome(&set_status(&app, &ada, &o, "cancelled").await),
            (409, "CONFLICT".into())
        );
        assert_eq!(
            outcome(&set_status(&app, &admin, &o, "cancelled").await),
            (409, "CONFLICT".into())
        );
        assert_eq!(
            stock(&app, &p).await,
            (19, 1),
            "a second cancel gives nothing back"
        );

        let paid = id(&order(&app, &ada, &[(&q, 5)]).await);
        assert_eq!(set_status(&app, &admin, &paid, "paid").await.status(), 200);
        assert_eq!(
            outcome(&set_status(&app, &ada, &paid, "cancelled").await),
            (403, "FORBIDDEN".into())
        );
        // A stale If-Match is 412; the current one works.
        let path = format!("/api/orders/{paid}");
        let etag = get(&app, &path, &admin)
            .await
            .header("etag")
            .expect("etag")
            .to_owned();
        assert_eq!(
            set_status(&app, &admin, &paid, "shipped").await.status(),
            200
        );
        let stale = TestRequest::new(http::Method::PATCH, &path)
            .bearer(&admin)
            .header("if-match", &etag)
            .json(&json!({"status": "cancelled"}))
            .send(&app)
            .await;
        assert_eq!(outcome(&stale), (412, "PRECONDITION_FAILED".into()));
        let etag = get(&app, &path, &admin)
            .await
            .header("etag")
            .expect("etag")
            .to_owned();
        let r = TestRequest::new(http::Method::PATCH, &path)
            .bearer(&admin)
            .header("if-match", &etag)
            .json(&json!({"status": "cancelled"}))
            .send(&app)
            .await;
        assert_eq!(r.status(), 200, "{}", r.json());
        assert_eq!(
            stock(&app, &q).await,
            (20, 0),
            "a shipped order cancelled by an admin"
        );
        db.cleanup().await;
    })
    .await;
}

/// Statements run while `request` is answered.
async fn statements(
    log: &Mutex<Vec<String>>,
    request: impl std::future::Future<Output = TestResponse>,
) -> Vec<String> {
    log.lock().expect("log").clear();
    let r = request.await;
    assert_eq!(r.status(), 200, "{}", r.json());
    std::mem::take(&mut *log.lock().expect("log"))
}

#[tokio::test]
async fn reads_cost_a_fixed_number_of_statements() {
    on_every_backend(
        "reads_cost_a_fixed_number_of_statements",
        |mut db: TestDb, redis| async move {
            let log = Arc::new(Mutex::new(Vec::<String>::new()));
            let sink = log.clone();
            db.db.set_metric_callback(move |info| {
                sink.lock().expect("log").push(info.statement.sql.clone());
            });
            let app = shop(&db, redis.as_deref()).await;
            let admin = admin_token(&app).await;
            let (_, few) = register(&app, "few@example.com", "Few").await;
            let (_, many) = register(&app, "many@example.com", "Many").await;
            let cat = category(&app, &admin).await;
            let mut products = Vec::new();
            for i in 0..5 {
                products.push(product(&app, &admin, &cat, f64::from(i) + 1.0, 1000).await);
            }
            let one = id(&order(&app, &few, &[(&products[0], 1)]).await);
            let five_lines: Vec<(&str, i64)> = products.iter().map(|p| (p.as_str(), 2)).collect();
            let five = id(&order(&app, &many, &five_lines).await);
            for _ in 0..9 {
                order(&app, &many, &five_lines).await;
            }

            let single = statements(&log, get(&app, &format!("/api/orders/{one}"), &few)).await;
            let fivefold = statements(&log, get(&app, &format!("/api/orders/{five}"), &many)).await;
            assert_eq!(single.len(), 2, "{single:#?}");
            assert_eq!(fivefold.len(), single.len(), "{fivefold:#?}");

            // One order of one line, against ten orders of five lines: the page (a page that
            // is not full is its own total) and the lines of all its orders.
            let short = statements(&log, get(&app, "/api/orders?limit=20", &few)).await;
            let long = statements(&log, get(&app, "/api/orders?limit=20", &many)).await;
            assert_eq!(short.len(), 2, "{short:#?}");
            assert_eq!(long.len(), short.len(), "{long:#?}");
            // A full page (5 of 10 orders) counts the rest too: in the page's statement on
            // PostgreSQL (a window), in one of its own on SQLite; the lines are one statement.
            let full = statements(&log, get(&app, "/api/orders?limit=5", &many)).await;
            assert!((2..=3).contains(&full.len()), "{full:#?}");
            assert!(
                full.last().is_some_and(|sql| sql.contains("order_items")),
                "{full:#?}"
            );
            let r = get(&app, "/api/orders?limit=20", &many).await;
            assert_eq!(r.json()["data"].as_array().map(Vec::len), Some(10));
            assert!(
                r.json()["data"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .all(|o| o["items"].as_array().map(Vec::len) == Some(5))
            );
            db.cleanup().await;
        },
    )
    .await;
}

#[tokio::test]
async fn openapi_document() {
    let db = TestDb::sqlite().await;
    let app = shop(&db, None).await;
    let doc = get(&app, "/openapi.json", "").await.json();
    let operations = [
        ("/api/orders", "get", "200"),
        ("/api/orders", "post", "201"),
        ("/api/orders/{id}", "get", "200"),
        ("/api/orders/{id}", "patch", "200"),
        ("/api/users/{id}/orders", "get", "200"),
    ];
    for (path, method, ok) in operations {
        let op = &doc["paths"][path][method];
        assert_eq!(op["tags"], json!(["orders"]), "{path} {method}");
        assert_eq!(
            op["security"],
            json!([{"bearer_auth": []}]),
            "{path} {method}"
        );
        let schema = &op["responses"][ok]["content"]["application/json"]["schema"];
        assert_eq!(
            schema["properties"]["success"]["type"], "boolean",
            "{path} {method}"
        );
        let data = &schema["properties"]["data"];
        let order = if data["type"] == "array" {
            &data["items"]
        } else {
            data
        };
        assert_eq!(
            order["$ref"], "#/components/schemas/Order",
            "{path} {method}"
        );
        let responses = op["responses"].as_object().expect("responses");
        for (status, response) in responses
            .iter()
            .filter(|(s, _)| s.starts_with('4') || s.starts_with('5'))
        {
            assert_eq!(
                response["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/ErrorEnvelope",
                "{path} {method} {status}"
            );
        }
        assert!(responses.contains_key("401"), "{path} {method}");
    }
    let post = &doc["paths"]["/api/orders"]["post"];
    assert_eq!(
        post["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/CreateOrder"
    );
    assert!(
        post["parameters"]
            .as_array()
            .expect("parameters")
            .iter()
            .any(|p| p["name"] == "Idempotency-Key" && p["in"] == "header")
    );
    for status in ["409", "422"] {
        assert!(post["responses"][status].is_object(), "{status}");
    }
    let list = &doc["paths"]["/api/orders"]["get"]["parameters"];
    let names: Vec<&str> = list
        .as_array()
        .expect("parameters")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(
        names,
        ["page", "limit", "sort", "order", "status"],
        "the shop pages by number: `offset` is not its parameter"
    );
    let status = list
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "status"))
        .expect("status");
    assert_eq!(
        status["schema"]["enum"],
        json!(["pending", "paid", "shipped", "delivered", "cancelled"]),
        "the values the filter takes (any other is a 400)"
    );
    assert_eq!(
        doc["paths"]["/api/users/{id}/orders"]["get"]["parameters"][0]["in"],
        "path"
    );
    assert!(doc["paths"]["/api/orders/{id}"]["get"]["responses"]["304"].is_object());
    for schema in [
        "Order",
        "OrderLine",
        "OrderStatus",
        "CreateOrder",
        "CreateOrderLine",
        "UpdateOrder",
    ] {
        assert!(doc["components"]["schemas"][schema].is_object(), "{schema}");
    }
    assert_eq!(
        doc["components"]["schemas"]["OrderStatus"]["enum"],
        json!(["pending", "paid", "shipped", "delivered", "cancelled"])
    );
}

/// Money is exact end to end: 3 × 0.10 + 1 × 0.20 is 0.50 in the JSON (written `0.50`) and
/// in the database; on PostgreSQL the money columns are `numeric(12,2)`.
#[tokio::test]
async fn money_is_exact() {
    on_every_backend("orders_money", |db: TestDb, redis| async move {
        use sea_orm::ConnectionTrait;
        let app = shop(&db, redis.as_deref()).await;
        let admin = admin_token(&app).await;
        let (_, token) = register(&app, "ada@example.com", "Ada").await;
        let cat = category(&app, &admin).await;
        let dime = product(&app, &admin, &cat, 0.1, 10).await;
        let fifth = product(&app, &admin, &cat, 0.2, 10).await;
        let r = post(&app, "/api/orders", &token, lines(&[(&dime, 3), (&fifth, 1)])).await;
        assert_eq!(r.status(), 201, "{}", r.json());
        let text = String::from_utf8_lossy(r.body()).into_owned();
        assert!(text.contains(r#""total":0.50"#), "{text}");
        assert!(text.contains(r#""unit_price":0.10"#), "{text}");
        let order_id = id(&r.json()["data"]);
        let shown = get(&app, &format!("/api/orders/{order_id}"), &token).await;
        assert!(String::from_utf8_lossy(shown.body()).contains(r#""total":0.50"#));
        let product = get(&app, &format!("/api/products/{fifth}"), "").await;
        assert!(String::from_utf8_lossy(product.body()).contains(r#""price":0.20"#));

        let backend = db.db.get_database_backend();
        let query = |sql: String| {
            let db = db.db.clone();
            async move {
                db.query_one_raw(sea_orm::Statement::from_string(backend, sql))
                    .await
                    .expect("query")
                    .expect("a row")
            }
        };
        let row = query(
            "SELECT CAST(ROUND(total * 100) AS BIGINT) AS cents, COUNT(*) OVER () AS orders FROM orders"
                .to_owned(),
        )
        .await;
        assert_eq!(row.try_get::<i64>("", "orders").expect("count"), 1, "{order_id} alone");
        assert_eq!(row.try_get::<i64>("", "cents").expect("cents"), 50);
        if backend == sea_orm::DbBackend::Postgres {
            let row = query("SELECT total::text AS total FROM orders".to_owned()).await;
            assert_eq!(row.try_get::<String>("", "total").expect("total"), "0.50");
            for (table, column) in [
                ("products", "price"),
                ("order_items", "unit_price"),
                ("orders", "total"),
            ] {
                let row = query(format!(
                    "SELECT data_type, numeric_scale FROM information_schema.columns \
                     WHERE table_name = '{table}' AND column_name = '{column}'"
                ))
                .await;
                assert_eq!(row.try_get::<String>("", "data_type").expect("type"), "numeric");
                assert_eq!(row.try_get::<i32>("", "numeric_scale").expect("scale"), 2);
            }
        }
        db.cleanup().await;
    })
    .await;
}
