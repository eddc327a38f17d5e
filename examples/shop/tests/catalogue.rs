//! The catalogue of API.md through HTTP: categories, products (list filters, search, sorts,
//! pages, writes, the cache, popular), reviews, and the OpenAPI document of these routes and
//! the users routes. Each test runs on SQLite, then on PostgreSQL + Redis when
//! `TEST_DATABASE_URL` / `TEST_REDIS_URL` are set.

#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

mod common;

use axum::Router;
use common::{
    admin_token, column, delete, detail_fields, get, on_every_backend, outcome, patch, post, put,
    register, shop,
};
use rustbe_core::testing::TestDb;
use serde_json::{Value, json};

/// Creates a category as the admin; its id.
async fn category(app: &Router, admin: &str, name: &str, slug: &str) -> String {
    let r = post(
        app,
        "/api/categories",
        admin,
        json!({"name": name, "slug": slug}),
    )
    .await;
    assert_eq!(r.status(), 201, "{}", r.json());
    r.json()["data"]["id"].as_str().expect("id").to_owned()
}

/// Creates a product as the admin; its id.
async fn product(
    app: &Router,
    admin: &str,
    category_id: &str,
    (name, description, price, stock): (&str, &str, f64, i32),
) -> String {
    let body = json!({
        "name": name,
        "description": description,
        "price": price,
        "category_id": category_id,
        "stock_quantity": stock,
        "images": ["https://cdn.example/p.jpg"],
    });
    let r = post(app, "/api/products", admin, body).await;
    assert_eq!(r.status(), 201, "{}", r.json());
    r.json()["data"]["id"].as_str().expect("id").to_owned()
}

/// The names of a list's rows.
async fn names(app: &Router, path: &str) -> Vec<String> {
    let r = get(app, path, "").await;
    assert_eq!(r.status(), 200, "{path}: {}", r.json());
    column(&r, "name")
        .into_iter()
        .map(|v| v.as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn categories() {
    on_every_backend("catalogue_categories", |db: TestDb, redis| async move {
        let app = shop(&db, redis.as_deref()).await;
        let admin = admin_token(&app).await;
        let (_, customer) = register(&app, "ada@example.com", "Ada").await;

        // Admin CRUD.
        let shoes = category(&app, &admin, "Shoes", "shoes").await;
        let hats = category(&app, &admin, "Hats", "hats").await;
        let r = put(
            &app,
            &format!("/api/categories/{hats}"),
            &admin,
            json!({"name": "Hats & Caps", "slug": "hats-caps", "description": "On your head"}),
        )
        .await;
        assert_eq!(r.status(), 200, "{}", r.json());
        assert_eq!(r.json()["data"]["slug"], "hats-caps");
        let r = patch(
            &app,
            &format!("/api/categories/{hats}"),
            &admin,
            json!({"description": null}),
        )
        .await;
        assert_eq!(r.status(), 200, "{}", r.json());
        assert_eq!(r.json()["data"]["description"], Value::Null);
        assert_eq!(r.json()["data"]["name"], "Hats & Caps");

        // Anyone reads.
        for token in ["", customer.as_str()] {
            let list = get(&app, "/api/categories", token).await;
            assert_eq!(list.status(), 200, "{}", list.json());
            assert_eq!(column(&list, "slug"), [json!("hats-caps"), json!("shoes")]);
            assert_eq!(list.json()["pagination"]["total"], 2);
            let one = get(&app, &format!("/api/categories/{shoes}"), token).await;
            assert_eq!(one.status(), 200);
            assert_eq!(one.json()["data"]["name"], "Shoes");
        }

        // Customers may not write; anonymous callers must sign in.
        let body = json!({"name": "Socks", "slug": "socks"});
        let item = format!("/api/categories/{shoes}");
        for (token, expected) in [
            (customer.as_str(), (403, "FORBIDDEN")),
            ("", (401, "UNAUTHORIZED")),
        ] {
            let expected = (expected.0, expected.1.to_owned());
            assert_eq!(
                outcome(&post(&app, "/api/categories", token, body.clone()).await),
                expected
            );
            assert_eq!(
                outcome(&put(&app, &item, token, body.clone()).await),
                expected
            );
            assert_eq!(
                outcome(&patch(&app, &item, token, json!({"name": "X"})).await),
                expected
            );
            assert_eq!(outcome(&delete(&app, &item, token).await), expected);
        }

        // Rules and the unique slug.
        let bad = post(
            &app,
            "/api/categories",
            &admin,
            json!({"name": "Bad", "slug": "Bad Slug"}),
        )
        .await;
        assert_eq!(
            outcome(&bad),
            (400, "VALIDATION_ERROR".into()),
            "{}",
            bad.json()
        );
        assert_eq!(detail_fields(&bad), ["slug"]);
        let taken = post(
            &app,
            "/api/categories",
            &admin,
            json!({"name": "More shoes", "slug": "shoes"}),
        )
        .await;
        assert_eq!(outcome(&taken), (409, "DUPLICATE_ENTRY".into()));
        assert_eq!(detail_fields(&taken), ["slug"], "{}", taken.json());
        assert_eq!(
            taken.json()["error"]["details"][0]["message"],
            "is already taken"
        );

        // Delete.
        assert_eq!(delete(&app, &item, &admin).await.status(), 204);
        assert_eq!(
            outcome(&get(&app, &item, "").await),
            (404, "NOT_FOUND".into())
        );
        db.cleanup().await;
    })
    .await;
}

#[tokio::test]
async fn product_list() {
    on_every_backend("catalogue_product_list", |db: TestDb, redis| async move {
        let app = shop(&db, redis.as_deref()).await;
        let admin = admin_token(&app).await;
        let shoes = category(&app, &admin, "Shoes", "shoes").await;
        let hats = category(&app, &admin, "Hats", "hats").await;
        category(&app, &admin, "Empty", "empty").await;
        let a = product(
            &app,
            &admin,
            &shoes,
            ("Running Shoes", "Light trail runner", 50.0, 10),
        )
        .await;
        product(
            &app,
            &admin,
            &shoes,
            ("Leather Boots", "Waterproof boots for hiking", 120.0, 0),
        )
        .await;
        product(
            &app,
            &admin,
            &hats,
            ("Sun Hat", "Wide brim, 100% cotton", 19.99, 5),
        )
        .await;
        product(
            &app,
            &admin,
            &hats,
            ("Wool Beanie", "Warm winter hat", 25.0, 0),
        )
        .await;
        product(
            &app,
            &admin,
            &shoes,
            ("Trail Socks", "Pack of three", 9.5, 100),
        )
        .await;

        // Newest first by default; rows look as the single read shows them.
        let all = get(&app, "/api/products", "").await;
        assert_eq!(all.status(), 200, "{}", all.json());
        assert_eq!(
            column(&all, "name"),
            [
                "Trail Socks",
                "Wool Beanie",
                "Sun Hat",
                "Leather Boots",
                "Running Shoes"
            ]
            .map(Value::from)
        );
        assert_eq!(
            all.json()["pagination"],
            json!({"page": 1, "limit": 20, "total": 5, "total_pages": 1})
        );
        let single = get(&app, &format!("/api/products/{a}"), "").await;
        assert_eq!(all.json()["data"][4], single.json()["data"]);
        let mut keys: Vec<String> = single.json()["data"]
            .as_object()
            .expect("object")
            .keys()
            .cloned()
            .collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "category_id",
                "created_at",
                "description",
                "id",
                "images",
                "name",
                "popularity_score",
                "price",
                "stock_quantity",
                "updated_at"
            ]
        );

        // Category by slug and by id; an unknown slug is an empty list.
        let sorted = |filter: &str| format!("/api/products?{filter}&sort=name");
        assert_eq!(
            names(&app, &sorted("category=shoes")).await,
            ["Leather Boots", "Running Shoes", "Trail Socks"]
        );
        assert_eq!(
            names(&app, &sorted(&format!("category={hats}"))).await,
            ["Sun Hat", "Wool Beanie"]
        );
        assert!(names(&app, &sorted("category=empty")).await.is_empty());
        let unknown = get(&app, "/api/products?category=no-such-slug", "").await;
        assert_eq!(unknown.status(), 200);
        assert_eq!(unknown.json()["pagination"]["total"], 0);
        assert!(
            names(&app, &sorted(&format!("category={}", uuid::Uuid::new_v4())))
                .await
                .is_empty()
        );

        // Price bounds are inclusive.
        assert_eq!(
            names(&app, &sorted("min_price=19.99&max_price=50")).await,
            ["Running Shoes", "Sun Hat", "Wool Beanie"]
        );
        assert_eq!(
            names(&app, &sorted("min_price=100")).await,
            ["Leather Boots"]
        );
        assert_eq!(names(&app, &sorted("max_price=9.5")).await, ["Trail Socks"]);

        // Stock.
        assert_eq!(
            names(&app, &sorted("in_stock=true")).await,
            ["Running Shoes", "Sun Hat", "Trail Socks"]
        );
        assert_eq!(
            names(&app, &sorted("in_stock=false")).await,
            ["Leather Boots", "Wool Beanie"]
        );

        // Search over name and description.
        assert_eq!(names(&app, &sorted("q=boots")).await, ["Leather Boots"]);
        assert_eq!(
            names(&app, &sorted("q=WATERPROOF")).await,
            ["Leather Boots"]
        );
        assert_eq!(
            names(&app, &sorted("q=trail")).await,
            ["Running Shoes", "Trail Socks"]
        );
        assert_eq!(
            names(&app, &sorted("q=winter%20hat")).await,
            ["Wool Beanie"]
        );
        assert!(
            names(&app, &sorted("q=r_n")).await.is_empty(),
            "`_` is no wildcard"
        );
        assert_eq!(
            names(&app, &sorted("q=%20")).await.len(),
            5,
            "a blank q is no filter"
        );

        // Filters combine.
        assert_eq!(
            names(
                &app,
                "/api/products?category=shoes&in_stock=true&sort=price"
            )
            .await,
            ["Trail Socks", "Running Shoes"]
        );

        // Sorts.
        let by_price = [
            "Trail Socks",
            "Sun Hat",
            "Wool Beanie",
            "Running Shoes",
            "Leather Boots",
        ];
        assert_eq!(names(&app, "/api/products?sort=price").await, by_price);
        let mut descending = by_price;
        descending.reverse();
        assert_eq!(names(&app, "/api/products?sort=-price").await, descending);
        assert_eq!(
            names(&app, "/api/products?sort=price&order=desc").await,
            descending
        );
        assert_eq!(
            names(&app, "/api/products?order=asc").await,
            [
                "Running Shoes",
                "Leather Boots",
                "Sun Hat",
                "Wool Beanie",
                "Trail Socks"
            ]
        );
        db.execute(
            "UPDATE products SET popularity_score = 7 WHERE name IN ('Sun Hat', 'Leather Boots')",
        )
        .await;
        db.execute("UPDATE products SET popularity_score = 3 WHERE name = 'Trail Socks'")
            .await;
        assert_eq!(
            names(&app, "/api/products?sort=-popularity_score,name&limit=3").await,
            ["Leather Boots", "Sun Hat", "Trail Socks"]
        );
        // A repeated sort field is ignored: the first occurrence wins (docs/resource.md).
        assert_eq!(
            names(
                &app,
                "/api/products?sort=-popularity_score,name,popularity_score,name&limit=3"
            )
            .await,
            ["Leather Boots", "Sun Hat", "Trail Socks"]
        );

        // Pages and their total.
        let first = get(&app, "/api/products?sort=price&limit=2", "").await;
        assert_eq!(
            column(&first, "name"),
            [json!("Trail Socks"), json!("Sun Hat")]
        );
        assert_eq!(
            first.json()["pagination"],
            json!({"page": 1, "limit": 2, "total": 5, "total_pages": 3})
        );
        let last = get(&app, "/api/products?sort=price&limit=2&page=3", "").await;
        assert_eq!(column(&last, "name"), [json!("Leather Boots")]);
        let past = get(
            &app,
            "/api/products?sort=price&limit=2&page=4&in_stock=true",
            "",
        )
        .await;
        assert_eq!(past.status(), 200);
        assert_eq!(column(&past, "name"), Vec::<Value>::new());
        assert_eq!(past.json()["pagination"]["total"], 3);

        // Bad parameters name themselves, all at once.
        let r = get(
            &app,
            "/api/products?colour=red&min_price=cheap&sort=stock_quantity",
            "",
        )
        .await;
        assert_eq!(outcome(&r), (400, "BAD_REQUEST".into()), "{}", r.json());
        assert_eq!(detail_fields(&r), ["colour", "min_price", "sort"]);
        for (query, field) in [
            ("in_stock=maybe", "in_stock"),
            ("max_price=", "max_price"),
            ("category=Not%20A%20Slug", "category"),
            ("category=shoes&category=hats", "category"),
            ("order=sideways", "order"),
            ("page=first", "page"),
        ] {
            let r = get(&app, &format!("/api/products?{query}"), "").await;
            assert_eq!(
                outcome(&r),
                (400, "BAD_REQUEST".into()),
                "{query}: {}",
                r.json()
            );
            assert_eq!(detail_fields(&r), [field], "{query}");
        }
        let r = get(&app, "/api/products?limit=101", "").await;
        assert_eq!(outcome(&r), (400, "VALIDATION_ERROR".into()));
        assert_eq!(detail_fields(&r), ["limit"]);
        let long = "x".repeat(201);
        let r = get(&app, &format!("/api/products?q={long}"), "").await;
        assert_eq!(detail_fields(&r), ["q"]);
        db.cleanup().await;
    })
    .await;
}

#[tokio::test]
async fn product_writes_and_cache() {
    on_every_backend("catalogue_product_writes", |db: TestDb, redis| async move {
        let app = shop(&db, redis.as_deref()).await;
        let admin = admin_token(&app).await;
        let (_, customer) = register(&app, "ada@example.com", "Ada").await;
        let shoes = category(&app, &admin, "Shoes", "shoes").await;

        // Every broken rule at once.
        let bad = post(
            &app,
            "/api/products",
            &admin,
            json!({
                "name": "Bad", "description": "", "price": 0, "category_id": shoes,
                "stock_quantity": -1, "images": ["not a url", "https://ok.example/a.png"],
            }),
        )
        .await;
        assert_eq!(outcome(&bad), (400, "VALIDATION_ERROR".into()), "{}", bad.json());
        assert_eq!(detail_fields(&bad), ["images[0]", "price", "stock_quantity"]);
        let negative = post(
            &app,
            "/api/products",
            &admin,
            json!({"name": "Bad", "description": "", "price": -5, "category_id": shoes,
                   "stock_quantity": 1, "images": []}),
        )
        .await;
        assert_eq!(detail_fields(&negative), ["price"]);

        // Only admins write.
        let body = json!({"name": "Shoe", "description": "A shoe", "price": 10, "category_id": shoes,
                          "stock_quantity": 1, "images": []});
        assert_eq!(
            outcome(&post(&app, "/api/products", &customer, body.clone()).await),
            (403, "FORBIDDEN".into())
        );
        assert_eq!(
            outcome(&post(&app, "/api/products", "", body.clone()).await),
            (401, "UNAUTHORIZED".into())
        );
        let created = post(&app, "/api/products", &admin, body.clone()).await;
        assert_eq!(created.status(), 201, "{}", created.json());
        let id = created.json()["data"]["id"].as_str().expect("id").to_owned();
        assert_eq!(
            created.header("location"),
            Some(format!("/api/products/{id}").as_str())
        );
        let item = format!("/api/products/{id}");
        assert_eq!(
            outcome(&patch(&app, &item, &customer, json!({"price": 1})).await),
            (403, "FORBIDDEN".into())
        );
        assert_eq!(
            outcome(&delete(&app, &item, &customer).await),
            (403, "FORBIDDEN".into())
        );

        // The single read is cached, and writes through the API invalidate it.
        assert_eq!(get(&app, &item, "").await.json()["data"]["price"], 10.0);
        assert_eq!(get(&app, &item, "").await.json()["data"]["price"], 10.0);
        let mut replaced = body.clone();
        replaced["price"] = json!(12.5);
        let r = put(&app, &item, &admin, replaced).await;
        assert_eq!(r.status(), 200, "{}", r.json());
        assert_eq!(get(&app, &item, "").await.json()["data"]["price"], 12.5);
        let r = patch(&app, &item, &admin, json!({"name": "Better Shoe"})).await;
        assert_eq!(r.status(), 200, "{}", r.json());
        let after = get(&app, &item, "").await.json();
        assert_eq!(after["data"]["name"], "Better Shoe");
        assert_eq!(after["data"]["price"], 12.5);
        assert_eq!(
            names(&app, "/api/products").await,
            ["Better Shoe"],
            "the list is never stale"
        );
        assert_eq!(delete(&app, &item, &admin).await.status(), 204);
        assert_eq!(
            outcome(&get(&app, &item, "").await),
            (404, "NOT_FOUND".into())
        );
        db.cleanup().await;
    })
    .await;
}

#[tokio::test]
async fn popular_products() {
    on_every_backend("catalogue_popular", |db: TestDb, redis| async move {
        // Redis outlives the test's database, and the other tests of this file write products
        // beside it (each write drops the cached views): cache keys of its own.
        let name = format!("shop-popular-{}", uuid::Uuid::new_v4().simple());
        let app = common::shop_named(&db, redis.as_deref(), &name).await;
        let admin = admin_token(&app).await;
        let shoes = category(&app, &admin, "Shoes", "shoes").await;
        let scores = [5, 9, 9, 1, 0, 7, 3, 9, 2, 8, 4, 6];
        for (n, score) in scores.iter().enumerate() {
            let name = format!("Product {:02}", 12 - n);
            product(&app, &admin, &shoes, (&name, "A product", 10.0, 1)).await;
            db.execute(&format!(
                "UPDATE products SET popularity_score = {score} WHERE name = '{name}'"
            ))
            .await;
        }
        let mut expected: Vec<(i32, String)> = scores
            .iter()
            .enumerate()
            .map(|(n, score)| (*score, format!("Product {:02}", 12 - n)))
            .collect();
        expected.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        let expected: Vec<String> = expected
            .into_iter()
            .take(10)
            .map(|(_, name)| name)
            .collect();

        // The static route wins over `/products/{id}`.
        let popular = get(&app, "/api/products/popular", "").await;
        assert_eq!(popular.status(), 200, "{}", popular.json());
        assert_eq!(names(&app, "/api/products/popular").await, expected);
        assert_eq!(popular.json()["data"][0]["popularity_score"], 9);
        assert!(popular.json().get("pagination").is_none());
        assert_eq!(
            names(&app, "/api/products/popular").await[..3],
            ["Product 05", "Product 10", "Product 11"],
            "ties by name"
        );

        // Cached: a change of score made behind the API's back shows after the TTL, not at once.
        db.execute("UPDATE products SET popularity_score = 100 WHERE name = 'Product 01'")
            .await;
        assert_eq!(names(&app, "/api/products/popular").await, expected);
        // A write through the API drops the cached view: the next read sees the database.
        let list = get(&app, "/api/products?sort=name&limit=1", "").await;
        let first = list.json()["data"][0]["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let renamed = patch(
            &app,
            &format!("/api/products/{first}"),
            &admin,
            json!({"name": "Product 01"}),
        )
        .await;
        assert_eq!(renamed.status(), 200, "{}", renamed.json());
        let fresh = names(&app, "/api/products/popular").await;
        assert_eq!(fresh[0], "Product 01", "{fresh:?}");
        // A view takes no parameters.
        let bad = get(&app, "/api/products/popular?limit=3", "").await;
        assert_eq!(bad.status(), 400);
        assert_eq!(bad.json()["error"]["details"][0]["field"], "limit");
        db.cleanup().await;
    })
    .await;
}

#[tokio::test]
async fn reviews() {
    on_every_backend("catalogue_reviews", |db: TestDb, redis| async move {
        let app = shop(&db, redis.as_deref()).await;
        let admin = admin_token(&app).await;
        let (ada_id, ada) = register(&app, "ada@example.com", "Ada").await;
        let (grace_id, grace) = register(&app, "grace@example.com", "Grace").await;
        let shoes = category(&app, &admin, "Shoes", "shoes").await;
        let id = product(&app, &admin, &shoes, ("Shoe", "A shoe", 10.0, 1)).await;
        let path = format!("/api/products/{id}/reviews");

        let empty = get(&app, &path, "").await;
        assert_eq!(empty.status(), 200, "{}", empty.json());
        assert_eq!(
            empty.json()["pagination"],
            json!({"page": 1, "limit": 20, "total": 0, "total_pages": 0})
        );

        // A user reviews; the author is the caller, whatever the body says.
        let r = post(
            &app,
            &path,
            &ada,
            json!({"rating": 5, "comment": " Great shoe ", "user_id": grace_id, "id": "x"}),
        )
        .await;
        assert_eq!(r.status(), 201, "{}", r.json());
        let review = r.json()["data"].clone();
        assert_eq!(review["user_id"], ada_id.as_str());
        assert_eq!(review["product_id"], id.as_str());
        assert_eq!(
            (review["rating"].clone(), review["comment"].clone()),
            (json!(5), json!("Great shoe"))
        );
        assert_eq!(
            r.header("location"),
            Some(format!("{path}/{}", review["id"].as_str().expect("id")).as_str())
        );

        // Once per user and product.
        let again = post(
            &app,
            &path,
            &ada,
            json!({"rating": 1, "comment": "Changed my mind"}),
        )
        .await;
        assert_eq!(outcome(&again), (409, "DUPLICATE_ENTRY".into()));
        // The unique index's columns, named as fields (PostgreSQL's detail, SQLite's message).
        assert_eq!(
            detail_fields(&again),
            ["product_id", "user_id"],
            "{}",
            again.json()
        );
        assert_eq!(
            again.json()["error"]["details"][0]["message"],
            "is already taken together with `user_id`"
        );
        // Reviews live only under their product.
        assert_eq!(get(&app, "/api/reviews", "").await.status(), 404);
        let own = format!("/api/reviews/{}", review["id"].as_str().expect("id"));
        assert_eq!(get(&app, &own, "").await.status(), 404);

        // Rules, shape, access, unknown product.
        let r = post(
            &app,
            &path,
            &grace,
            json!({"rating": 6, "comment": "Too good"}),
        )
        .await;
        assert_eq!(outcome(&r), (400, "VALIDATION_ERROR".into()));
        assert_eq!(detail_fields(&r), ["rating"]);
        let r = post(&app, &path, &grace, json!({"rating": 0, "comment": "  "})).await;
        assert_eq!(detail_fields(&r), ["comment", "rating"]);
        let r = post(
            &app,
            &path,
            &grace,
            json!({"rating": 3, "comment": "x".repeat(2001)}),
        )
        .await;
        assert_eq!(detail_fields(&r), ["comment"]);
        let r = post(&app, &path, &grace, json!({"comment": "No rating"})).await;
        assert_eq!(outcome(&r), (400, "VALIDATION_ERROR".into()));
        assert_eq!(detail_fields(&r), ["rating"]);
        assert_eq!(
            outcome(&post(&app, &path, "", json!({"rating": 4, "comment": "Anon"})).await),
            (401, "UNAUTHORIZED".into())
        );
        let missing = format!("/api/products/{}/reviews", uuid::Uuid::new_v4());
        assert_eq!(
            outcome(
                &post(
                    &app,
                    &missing,
                    &grace,
                    json!({"rating": 4, "comment": "Where?"})
                )
                .await
            ),
            (404, "NOT_FOUND".into())
        );
        assert_eq!(
            outcome(&get(&app, &missing, "").await),
            (404, "NOT_FOUND".into())
        );
        assert_eq!(
            outcome(&get(&app, "/api/products/nope/reviews", "").await),
            (400, "BAD_REQUEST".into())
        );

        // Newest first, paginated.
        let r = post(&app, &path, &grace, json!({"rating": 4, "comment": "Good"})).await;
        assert_eq!(r.status(), 201, "{}", r.json());
        let list = get(&app, &path, "").await;
        assert_eq!(
            column(&list, "comment"),
            [json!("Good"), json!("Great shoe")]
        );
        assert_eq!(list.json()["pagination"]["total"], 2);
        let second = get(&app, &format!("{path}?limit=1&page=2"), "").await;
        assert_eq!(column(&second, "comment"), [json!("Great shoe")]);
        assert_eq!(
            second.json()["pagination"],
            json!({"page": 2, "limit": 1, "total": 2, "total_pages": 2})
        );
        let past = get(&app, &format!("{path}?limit=1&page=3"), "").await;
        assert_eq!(past.json()["pagination"]["total"], 2);
        let r = get(&app, &format!("{path}?sort=rating"), "").await;
        assert_eq!(outcome(&r), (400, "BAD_REQUEST".into()));
        assert_eq!(detail_fields(&r), ["sort"]);
        assert_eq!(
            outcome(&get(&app, &format!("{path}?limit=101"), "").await),
            (400, "VALIDATION_ERROR".into())
        );
        db.cleanup().await;
    })
    .await;
}

#[tokio::test]
async fn openapi() {
    on_every_backend("catalogue_openapi", |db: TestDb, redis| async move {
        let app = shop(&db, redis.as_deref()).await;
        let doc = get(&app, "/openapi.json", "").await.json();
        let paths = &doc["paths"];
        let error = json!({"$ref": "#/components/schemas/ErrorEnvelope"});
        let secured = json!([{"bearer_auth": []}]);

        // The derive's `POST` and the hand-written `GET` share `/api/products`.
        let products = &paths["/api/products"];
        assert!(products["post"].is_object(), "{products}");
        let list = &products["get"];
        assert_eq!(list["tags"], json!(["products"]));
        assert!(list.get("security").is_none());
        let parameters: Vec<&str> = list["parameters"]
            .as_array()
            .expect("parameters")
            .iter()
            .map(|p| p["name"].as_str().unwrap_or_default())
            .collect();
        for name in [
            "page",
            "limit",
            "sort",
            "order",
            "category",
            "min_price",
            "max_price",
            "in_stock",
            "q",
        ] {
            assert!(parameters.contains(&name), "{name}");
        }
        // Each filter is typed as its field (or its function's argument).
        let parameter = |name: &str| {
            list["parameters"]
                .as_array()
                .and_then(|p| p.iter().find(|p| p["name"] == name))
                .cloned()
                .unwrap_or_else(|| panic!("{name}"))
        };
        assert_eq!(parameter("min_price")["schema"]["type"], "number");
        assert_eq!(parameter("max_price")["schema"]["type"], "number");
        assert_eq!(parameter("in_stock")["schema"]["type"], "boolean");
        assert!(parameter("category")["schema"]["pattern"].is_string());
        assert_eq!(parameter("q")["schema"]["maxLength"], 200);
        // Every operation under the rate-limited `/api` documents its 429, and no operation
        // lists a parameter twice.
        for (path, item) in paths.as_object().expect("paths") {
            for (method, op) in item.as_object().expect("item") {
                if path.starts_with("/api/") {
                    assert_eq!(
                        op["responses"]["429"]["content"]["application/json"]["schema"], error,
                        "{method} {path}"
                    );
                    assert!(op["responses"]["429"]["headers"]["Retry-After"].is_object());
                }
                let mut seen: Vec<(String, String)> = Vec::new();
                for p in op["parameters"].as_array().into_iter().flatten() {
                    let key = (p["name"].to_string(), p["in"].to_string());
                    assert!(!seen.contains(&key), "{method} {path} lists {key:?} twice");
                    seen.push(key);
                }
            }
        }
        assert_eq!(paths["/health"]["get"]["responses"].get("429"), None);
        let sort = list["parameters"]
            .as_array()
            .and_then(|p| p.iter().find(|p| p["name"] == "sort"))
            .expect("sort");
        for field in ["name", "price", "created_at", "popularity_score"] {
            assert!(
                sort["description"]
                    .as_str()
                    .unwrap_or_default()
                    .contains(field)
            );
        }
        assert_eq!(
            list["responses"]["400"]["content"]["application/json"]["schema"],
            error
        );
        assert_eq!(
            list["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["data"]
                ["items"],
            json!({"$ref": "#/components/schemas/Product"})
        );
        for method in ["get", "put", "patch", "delete"] {
            assert!(paths["/api/products/{id}"][method].is_object(), "{method}");
        }
        assert_eq!(
            paths["/api/products/popular"]["get"]["tags"],
            json!(["products"])
        );

        let reviews = &paths["/api/products/{id}/reviews"];
        assert_eq!(reviews["get"]["tags"], json!(["reviews"]));
        assert_eq!(reviews["post"]["tags"], json!(["reviews"]));
        assert_eq!(reviews["post"]["security"], secured);
        assert!(reviews["post"]["responses"]["201"]["headers"]["Location"].is_object());
        assert_eq!(
            reviews["post"]["responses"]["409"]["content"]["application/json"]["schema"],
            error
        );
        assert_eq!(
            reviews["post"]["requestBody"]["content"]["application/json"]["schema"],
            json!({"$ref": "#/components/schemas/ReviewCreate"})
        );

        // The users routes.
        let users = &paths["/api/users"]["get"];
        assert_eq!(users["tags"], json!(["users"]));
        assert_eq!(users["security"], secured);
        for name in ["role", "q", "page", "limit", "sort", "order"] {
            assert!(
                users["parameters"]
                    .as_array()
                    .expect("parameters")
                    .iter()
                    .any(|p| p["name"] == name),
                "{name}"
            );
        }
        assert!(
            paths["/api/users/me"]["get"].is_object(),
            "from the auth router"
        );
        assert_eq!(paths["/api/users/me"]["put"]["tags"], json!(["users"]));
        for method in ["get", "put", "delete"] {
            let op = &paths["/api/users/{id}"][method];
            assert_eq!(op["tags"], json!(["users"]), "{method}");
            assert_eq!(op["security"], secured, "{method}");
            assert_eq!(
                op["responses"]["404"]["content"]["application/json"]["schema"],
                error
            );
        }

        // Every schema referenced is defined.
        let schemas = &doc["components"]["schemas"];
        for name in [
            "Product",
            "Review",
            "ReviewCreate",
            "User",
            "UserReplace",
            "PageMeta",
            "ErrorEnvelope",
        ] {
            assert!(schemas[name].is_object(), "{name}");
        }
        let tags: Vec<&str> = doc["tags"]
            .as_array()
            .expect("tags")
            .iter()
            .map(|t| t["name"].as_str().unwrap_or_default())
            .collect();
        for tag in ["products", "reviews", "users"] {
            assert!(tags.contains(&tag), "{tag}");
        }
        db.cleanup().await;
    })
    .await;
}
