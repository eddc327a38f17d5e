//! Public reads and admin writes: filters, search, sorting, pagination, validation, ETags,
//! the cache, and `PUT`/`PATCH`/`DELETE` semantics.

use rustbe_core::testing::TestRequest;
use serde_json::{Value, json};

use super::{TestApp, admin, as_user, column, delete, detail_fields, outcome, patch, put};

const CATALOGUE: [(&str, f64, &str, i32, &str); 7] = [
    ("Red Running Shoes", 79.5, "shoes", 10, "SH-1"),
    ("Blue Running Shoes", 89.0, "shoes", 0, "SH-2"),
    ("Trail Shoes", 120.0, "shoes", 3, "SH-3"),
    ("Sun Hat", 15.0, "hats", 25, "HA-1"),
    ("Wool Hat", 22.0, "hats", 8, "HA-2"),
    ("Tote Bag", 30.0, "bags", 12, "BA-1"),
    ("Backpack", 64.99, "bags", 4, "BA-2"),
];

pub(crate) async fn run(app: &TestApp) {
    seed(app).await;
    lists(app).await;
    bad_queries(app).await;
    creates(app).await;
    reads_and_etags(app).await;
    cache(app).await;
    writes(app).await;
}

async fn create(app: &TestApp, body: Value) -> Value {
    let r = app
        .send(admin(TestRequest::post("/api/products")).json(&body))
        .await;
    assert_eq!(r.status(), 201, "{}", r.json());
    r.json()["data"].clone()
}

async fn seed(app: &TestApp) {
    for (name, price, category, stock, sku) in CATALOGUE {
        let description = (name == "Tote Bag").then_some("A canvas tote for groceries");
        create(
            app,
            json!({"name": name, "price": price, "category": category, "stock": stock,
                   "sku": sku, "description": description}),
        )
        .await;
    }
    for n in 1..=18 {
        create(
            app,
            json!({"name": format!("Item {n:02}"), "price": f64::from(n), "category": "bags",
                   "stock": 1, "sku": format!("IT-{n:02}")}),
        )
        .await;
    }
}

async fn list(app: &TestApp, query: &str) -> super::TestResponse {
    app.send(TestRequest::get(&format!("/api/products{query}")))
        .await
}

async fn names(app: &TestApp, query: &str) -> Vec<Value> {
    let r = list(app, query).await;
    assert_eq!(r.status(), 200, "{query}: {}", r.json());
    column(&r, "name")
}

async fn lists(app: &TestApp) {
    let first = list(app, "").await;
    assert_eq!(first.status(), 200);
    assert_eq!(
        first.json()["pagination"],
        json!({"page": 1, "limit": 20, "total": 25, "total_pages": 2})
    );
    // Default sort: by name.
    assert_eq!(
        column(&first, "name")[..3],
        [
            json!("Backpack"),
            json!("Blue Running Shoes"),
            json!("Item 01")
        ]
    );
    // Hidden fields are never shown; renamed ones under their JSON name.
    let row = first.json()["data"][0].clone();
    let mut keys: Vec<_> = row.as_object().expect("a row").keys().cloned().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "category",
            "created_at",
            "description",
            "id",
            "name",
            "price",
            "sku",
            "stock",
            "updated_at"
        ]
    );

    let last = list(app, "?limit=5&page=5").await;
    assert_eq!(column(&last, "name").len(), 5);
    assert_eq!(last.json()["pagination"]["total_pages"], 5);
    // Past the end: no rows, and still the total.
    let past = list(app, "?limit=5&page=6").await;
    assert_eq!(past.status(), 200);
    assert_eq!(past.json()["data"], json!([]));
    assert_eq!(past.json()["pagination"]["total"], 25);
    let filtered_past = list(app, "?category=hats&page=2").await;
    assert_eq!(filtered_past.json()["pagination"]["total"], 2);

    assert_eq!(
        names(app, "?category=hats").await,
        [json!("Sun Hat"), json!("Wool Hat")]
    );
    let by_price = list(app, "?category_in=hats,shoes&sort=-price").await;
    assert_eq!(
        column(&by_price, "price"),
        [
            json!(120.0),
            json!(89.0),
            json!(79.5),
            json!(22.0),
            json!(15.0)
        ]
    );
    assert_eq!(by_price.json()["pagination"]["total"], 5);
    assert_eq!(
        names(
            app,
            "?min_price=20&max_price=80&category_in=shoes,hats,bags"
        )
        .await,
        [
            json!("Backpack"),
            json!("Red Running Shoes"),
            json!("Tote Bag"),
            json!("Wool Hat")
        ]
    );
    // Range bounds are inclusive.
    assert_eq!(
        names(app, "?min_price=79.5&max_price=79.5").await,
        [json!("Red Running Shoes")]
    );
    assert_eq!(
        names(app, "?min_stock=1&category=shoes").await,
        [json!("Red Running Shoes"), json!("Trail Shoes")]
    );
    assert_eq!(names(app, "?sku=HA-2").await, [json!("Wool Hat")]);
    assert_eq!(
        names(app, "?name_in=Sun%20Hat,Backpack").await,
        [json!("Backpack"), json!("Sun Hat")]
    );
    assert_eq!(
        names(app, "?q=running").await,
        [json!("Blue Running Shoes"), json!("Red Running Shoes")]
    );
    assert_eq!(names(app, "?q=groceries").await, [json!("Tote Bag")]);
    assert_eq!(names(app, "?q=%20%20").await.len(), 20);
    assert_eq!(
        names(app, "?sort=-stock,name&limit=3").await,
        [
            json!("Sun Hat"),
            json!("Tote Bag"),
            json!("Red Running Shoes")
        ]
    );
    // A field named again is ignored: its first occurrence decides.
    assert_eq!(
        names(app, "?sort=-stock,name,stock,-name&limit=3").await,
        names(app, "?sort=-stock,name&limit=3").await
    );
    assert_eq!(
        names(app, "?sort=stock&order=desc&limit=2").await,
        [json!("Sun Hat"), json!("Tote Bag")]
    );
    // The key breaks ties: equal stock (1) in a stable order across pages.
    let page1 = names(app, "?sort=stock&limit=10&page=1").await;
    let page2 = names(app, "?sort=stock&limit=10&page=2").await;
    let mut both: Vec<_> = page1.iter().chain(&page2).collect();
    both.sort_by_key(|v| v.to_string());
    both.dedup();
    assert_eq!(both.len(), 20);
}

async fn bad_queries(app: &TestApp) {
    for (query, field, code) in [
        ("?supplier=acme", "supplier", "BAD_REQUEST"),
        ("?code=HA-2", "code", "BAD_REQUEST"),
        ("?price=5", "price", "BAD_REQUEST"),
        ("?stock_in=1,2", "stock_in", "BAD_REQUEST"),
        ("?min_price=cheap", "min_price", "BAD_REQUEST"),
        ("?category_in=hats,,shoes", "category_in", "BAD_REQUEST"),
        ("?name=a&name=b", "name", "BAD_REQUEST"),
        ("?sort=supplier", "sort", "BAD_REQUEST"),
        ("?sort=description", "sort", "BAD_REQUEST"),
        ("?order=up", "order", "BAD_REQUEST"),
        ("?limit=101", "limit", "VALIDATION_ERROR"),
        ("?page=0", "page", "VALIDATION_ERROR"),
        ("?limit=ten", "limit", "BAD_REQUEST"),
        ("?cursor=abc", "cursor", "BAD_REQUEST"),
    ] {
        let r = list(app, query).await;
        assert_eq!(outcome(&r), (400, code.to_owned()), "{query}: {}", r.json());
        assert!(
            detail_fields(&r).contains(&field.to_owned()),
            "{query}: {}",
            r.json()
        );
    }
    // Every bad parameter at once.
    let r = list(app, "?colour=red&min_price=x").await;
    let mut fields = detail_fields(&r);
    fields.sort();
    assert_eq!(fields, ["colour", "min_price"]);
}

async fn creates(app: &TestApp) {
    let body = json!({"name": "Cap", "price": 9.5, "category": "hats", "stock": 2, "sku": "HA-3"});
    let anonymous = app
        .send(TestRequest::post("/api/products").json(&body))
        .await;
    assert_eq!(outcome(&anonymous), (401, "UNAUTHORIZED".to_owned()));
    assert_eq!(anonymous.header("www-authenticate"), Some("Bearer"));
    let customer = app
        .send(as_user(TestRequest::post("/api/products"), "7", "customer").json(&body))
        .await;
    assert_eq!(outcome(&customer), (403, "FORBIDDEN".to_owned()));

    let broken = app
        .send(admin(TestRequest::post("/api/products")).json(
            &json!({"name": "", "price": -1, "category": "cars", "stock": 1, "sku": "X",
                    "description": "x".repeat(2001)}),
        ))
        .await;
    assert_eq!(outcome(&broken), (400, "VALIDATION_ERROR".to_owned()));
    let mut fields = detail_fields(&broken);
    fields.sort();
    assert_eq!(fields, ["category", "description", "name", "price"]);

    // The rules the schema states as `multipleOf` and `pattern`.
    let off = app
        .send(admin(TestRequest::post("/api/products")).json(
            &json!({"name": "Cap", "price": 9.999, "category": "hats", "stock": 1, "sku": "ha 3"}),
        ))
        .await;
    assert_eq!(outcome(&off), (400, "VALIDATION_ERROR".to_owned()));
    let found: Vec<_> = off.json()["error"]["details"]
        .as_array()
        .expect("details")
        .iter()
        .map(|d| (d["field"].clone(), d["message"].clone()))
        .collect();
    assert_eq!(
        found,
        [
            (json!("price"), json!("must be a multiple of 0.01")),
            (
                json!("sku"),
                json!("must match the pattern ^[A-Z]+(-[A-Z0-9]+)?$")
            ),
        ]
    );

    let missing = app
        .send(
            admin(TestRequest::post("/api/products")).json(&json!({"name": "x", "price": "free"})),
        )
        .await;
    assert_eq!(outcome(&missing), (400, "VALIDATION_ERROR".to_owned()));
    let mut fields = detail_fields(&missing);
    fields.sort();
    assert_eq!(fields, ["category", "price", "sku", "stock"]);

    let not_json = app
        .send(
            admin(TestRequest::post("/api/products"))
                .header("content-type", "application/json")
                .body("{"),
        )
        .await;
    assert_eq!(outcome(&not_json), (400, "BAD_REQUEST".to_owned()));

    // Read-only, hidden and server-set fields in the body are ignored.
    let sneaky = json!({"name": "Cap", "price": 9.5, "category": "hats", "stock": 2, "sku": "HA-3",
        "id": "00000000-0000-0000-0000-000000000001", "supplier": "evil",
        "created_at": "2000-01-01T00:00:00Z"});
    let r = app
        .send(admin(TestRequest::post("/api/products")).json(&sneaky))
        .await;
    assert_eq!(r.status(), 201, "{}", r.json());
    let data = r.json()["data"].clone();
    assert_ne!(data["id"], "00000000-0000-0000-0000-000000000001");
    assert_ne!(data["created_at"], "2000-01-01T00:00:00Z");
    assert_eq!(
        r.header("location").map(str::to_owned),
        Some(format!(
            "/api/products/{}",
            data["id"].as_str().expect("an id")
        ))
    );
    assert!(r.header("etag").is_some_and(|t| t.starts_with('"')));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM products WHERE supplier IS NOT NULL")
            .await,
        0
    );
}

async fn id_of(app: &TestApp, sku: &str) -> String {
    let r = list(app, &format!("?sku={sku}")).await;
    r.json()["data"][0]["id"]
        .as_str()
        .expect("a product")
        .to_owned()
}

async fn reads_and_etags(app: &TestApp) {
    let id = id_of(app, "HA-1").await;
    let uri = format!("/api/products/{id}");
    let r = app.send(TestRequest::get(&uri)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json()["data"]["name"], "Sun Hat");
    let etag = r.header("etag").expect("an ETag").to_owned();
    // The same representation has the same tag.
    let again = app.send(TestRequest::get(&uri)).await;
    assert_eq!(again.header("etag"), Some(etag.as_str()));
    let upper = app
        .send(TestRequest::get(
            &uri.to_uppercase()
                .replace("/API/PRODUCTS/", "/api/products/"),
        ))
        .await;
    assert_eq!(upper.header("etag"), Some(etag.as_str()));

    for tags in [
        etag.clone(),
        format!("W/{etag}"),
        format!("\"other\", {etag}"),
        "*".to_owned(),
    ] {
        let r = app
            .send(TestRequest::get(&uri).header("if-none-match", &tags))
            .await;
        assert_eq!(r.status(), 304, "{tags}");
        assert!(r.body().is_empty());
        assert_eq!(r.header("etag"), Some(etag.as_str()));
    }
    let stale = app
        .send(TestRequest::get(&uri).header("if-none-match", "\"old\""))
        .await;
    assert_eq!(stale.status(), 200);

    let missing = app
        .send(TestRequest::get(
            "/api/products/00000000-0000-0000-0000-000000000000",
        ))
        .await;
    assert_eq!(outcome(&missing), (404, "NOT_FOUND".to_owned()));
    let bad = app.send(TestRequest::get("/api/products/not-a-uuid")).await;
    assert_eq!(outcome(&bad), (400, "BAD_REQUEST".to_owned()));
    assert_eq!(detail_fields(&bad), ["id"]);
}

async fn cache(app: &TestApp) {
    let id = id_of(app, "SH-1").await;
    let uri = format!("/api/products/{id}");
    let first = app.send(TestRequest::get(&uri)).await;
    assert_eq!(first.json()["data"]["stock"], 10);
    let hits = app.cache.stats().hits;
    // Behind the API's back: the cached row is still served.
    app.sql("UPDATE products SET stock = 999 WHERE code = 'SH-1'")
        .await;
    let cached = app.send(TestRequest::get(&uri)).await;
    assert_eq!(cached.json()["data"]["stock"], 10);
    assert_eq!(app.cache.stats().hits, hits + 1);
    // A write through the API invalidates it.
    let r = app
        .send(admin(patch(&uri)).json(&json!({"stock": 5})))
        .await;
    assert_eq!(r.status(), 200, "{}", r.json());
    let fresh = app.send(TestRequest::get(&uri)).await;
    assert_eq!(fresh.json()["data"]["stock"], 5);
    assert_eq!(fresh.header("etag"), r.header("etag"));
    // Missing rows are not cached as errors: a row created later is found.
    let gone = app.send(admin(delete(&uri))).await;
    assert_eq!(gone.status(), 204);
    let after = app.send(TestRequest::get(&uri)).await;
    assert_eq!(after.status(), 404);
}

async fn writes(app: &TestApp) {
    let id = id_of(app, "HA-2").await;
    let uri = format!("/api/products/{id}");
    let current = app.send(TestRequest::get(&uri)).await;
    let etag = current.header("etag").expect("an ETag").to_owned();
    let before = current.json()["data"].clone();

    // PUT needs every writable field.
    let partial = app
        .send(admin(put(&uri)).json(&json!({"name": "Wool Hat"})))
        .await;
    assert_eq!(outcome(&partial), (400, "VALIDATION_ERROR".to_owned()));
    let mut fields = detail_fields(&partial);
    fields.sort();
    assert_eq!(fields, ["category", "price", "sku", "stock"]);

    let full = json!({"name": "Warm Wool Hat", "price": 25.0, "category": "hats", "stock": 6, "sku": "HA-2"});
    let stale = app
        .send(admin(put(&uri)).header("if-match", "\"stale\"").json(&full))
        .await;
    assert_eq!(outcome(&stale), (412, "PRECONDITION_FAILED".to_owned()));
    assert_eq!(
        app.send(TestRequest::get(&uri)).await.json()["data"],
        before
    );
    let weak = app
        .send(
            admin(put(&uri))
                .header("if-match", &format!("W/{etag}"))
                .json(&full),
        )
        .await;
    assert_eq!(weak.status(), 412, "a weak tag never matches If-Match");

    let replaced = app
        .send(admin(put(&uri)).header("if-match", &etag).json(&full))
        .await;
    assert_eq!(replaced.status(), 200, "{}", replaced.json());
    let data = replaced.json()["data"].clone();
    assert_eq!(
        (
            data["name"].clone(),
            data["price"].clone(),
            data["description"].clone()
        ),
        (json!("Warm Wool Hat"), json!(25.0), Value::Null)
    );
    assert_eq!(data["created_at"], before["created_at"]);
    assert_ne!(data["updated_at"], before["updated_at"]);
    let new_etag = replaced.header("etag").expect("an ETag").to_owned();
    assert_ne!(new_etag, etag);
    // The old tag is stale now.
    let late = app
        .send(
            admin(patch(&uri))
                .header("if-match", &etag)
                .json(&json!({"stock": 1})),
        )
        .await;
    assert_eq!(late.status(), 412);

    // PATCH: a value sets, null clears, absent leaves.
    let r = app
        .send(admin(patch(&uri)).json(&json!({"description": "Soft", "sku": "HA-9"})))
        .await;
    assert_eq!(r.status(), 200, "{}", r.json());
    assert_eq!(
        (
            r.json()["data"]["description"].clone(),
            r.json()["data"]["sku"].clone(),
            r.json()["data"]["price"].clone()
        ),
        (json!("Soft"), json!("HA-9"), json!(25.0))
    );
    let r = app
        .send(admin(patch(&uri)).json(&json!({"description": null})))
        .await;
    assert_eq!(r.json()["data"]["description"], Value::Null);
    assert_eq!(r.json()["data"]["name"], "Warm Wool Hat");
    let r = app.send(admin(patch(&uri)).json(&json!({}))).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json()["data"]["sku"], "HA-9");
    // A body is an object: `[]` is not an empty patch, and `2.0` is the integer 2.
    let r = app.send(admin(patch(&uri)).json(&json!([]))).await;
    assert_eq!(outcome(&r), (400, "VALIDATION_ERROR".to_owned()));
    assert_eq!(
        r.json()["error"]["details"][0]["message"],
        "must be a JSON object"
    );
    let r = app
        .send(admin(patch(&uri)).json(&json!({"stock": 7.0})))
        .await;
    assert_eq!(r.status(), 200, "{}", r.json());
    assert_eq!(r.json()["data"]["stock"], 7);
    let r = app
        .send(admin(patch(&uri)).json(&json!({"name": null, "price": "cheap", "stock": -1})))
        .await;
    assert_eq!(outcome(&r), (400, "VALIDATION_ERROR".to_owned()));
    let mut fields = detail_fields(&r);
    fields.sort();
    // The shape error and the other fields' rules, in one answer.
    assert_eq!(fields, ["name", "price", "stock"], "{}", r.json());
    let r = app
        .send(admin(patch(&uri)).json(&json!({"name": null, "stock": -1})))
        .await;
    let mut fields = detail_fields(&r);
    fields.sort();
    assert_eq!(fields, ["name", "stock"]);
    let customer = app
        .send(as_user(patch(&uri), "7", "customer").json(&json!({"stock": 0})))
        .await;
    assert_eq!(customer.status(), 403);
    let missing = app
        .send(
            admin(patch("/api/products/00000000-0000-0000-0000-000000000000"))
                .json(&json!({"stock": 0})),
        )
        .await;
    assert_eq!(outcome(&missing), (404, "NOT_FOUND".to_owned()));

    // DELETE.
    let stale = app
        .send(admin(delete(&uri)).header("if-match", "\"stale\""))
        .await;
    assert_eq!(stale.status(), 412);
    assert_eq!(app.send(TestRequest::get(&uri)).await.status(), 200);
    let etag = app
        .send(TestRequest::get(&uri))
        .await
        .header("etag")
        .expect("an ETag")
        .to_owned();
    let gone = app
        .send(admin(delete(&uri)).header("if-match", &etag))
        .await;
    assert_eq!(gone.status(), 204);
    assert!(gone.body().is_empty());
    assert_eq!(app.send(TestRequest::get(&uri)).await.status(), 404);
    assert_eq!(app.send(admin(delete(&uri))).await.status(), 404);
    let anonymous = app.send(delete(&uri)).await;
    assert_eq!(anonymous.status(), 401);
}
