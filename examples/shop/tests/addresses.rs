//! `/api/addresses…` and `/api/users/{id}/addresses` of API.md through HTTP: each user's own
//! addresses only (another user's is a 404), the owner set from the caller, admins see all.
//! Runs on SQLite, then on PostgreSQL + Redis when `TEST_DATABASE_URL` / `TEST_REDIS_URL` are
//! set.

#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

mod common;

use common::{
    admin_token, call, column, delete, detail_fields, get, on_every_backend, outcome, post, put,
    register, shop,
};
use rustbe_core::testing::TestDb;
use serde_json::{Value, json};

fn address(line1: &str) -> Value {
    json!({
        "line1": line1,
        "city": "Berlin",
        "postal_code": "10115",
        "country": "DE",
    })
}

#[tokio::test]
async fn addresses() {
    on_every_backend("addresses", |db: TestDb, redis| async move {
        let app = shop(&db, redis.as_deref()).await;
        let admin = admin_token(&app).await;
        let (ada_id, ada) = register(&app, "ada@example.com", "Ada").await;
        let (grace_id, grace) = register(&app, "grace@example.com", "Grace").await;

        // The owner is the caller; `user_id` in the body is ignored.
        let mut body = address("Unter den Linden 1");
        body["user_id"] = json!(grace_id);
        body["line2"] = json!("Floor 2");
        let r = post(&app, "/api/addresses", &ada, body).await;
        assert_eq!(r.status(), 201, "{}", r.json());
        let mine = r.json()["data"].clone();
        assert_eq!(mine["user_id"], ada_id.as_str());
        assert_eq!(mine["line2"], "Floor 2");
        assert_eq!(mine["state"], Value::Null);
        let mine_id = mine["id"].as_str().expect("id").to_owned();
        assert_eq!(
            r.header("location"),
            Some(format!("/api/addresses/{mine_id}").as_str())
        );
        let r = post(&app, "/api/addresses", &grace, address("Friedrichstr. 2")).await;
        assert_eq!(r.status(), 201, "{}", r.json());
        let theirs = r.json()["data"]["id"].as_str().expect("id").to_owned();
        let theirs_path = format!("/api/addresses/{theirs}");
        let mine_path = format!("/api/addresses/{mine_id}");

        // Own only: another user's address does not exist for Ada.
        assert_eq!(get(&app, &mine_path, &ada).await.status(), 200);
        let not_found = (404, "NOT_FOUND".to_owned());
        assert_eq!(outcome(&get(&app, &theirs_path, &ada).await), not_found);
        assert_eq!(
            outcome(&put(&app, &theirs_path, &ada, address("Taken over")).await),
            not_found
        );
        assert_eq!(outcome(&delete(&app, &theirs_path, &ada).await), not_found);
        assert_eq!(
            get(&app, &theirs_path, &grace).await.json()["data"]["line1"],
            "Friedrichstr. 2",
            "unchanged"
        );

        // Lists show one's own; admins see all.
        let list = get(&app, "/api/addresses", &ada).await;
        assert_eq!(list.status(), 200, "{}", list.json());
        assert_eq!(column(&list, "id"), [json!(mine_id)]);
        assert_eq!(list.json()["pagination"]["total"], 1);
        let all = get(&app, "/api/addresses", &admin).await;
        assert_eq!(all.json()["pagination"]["total"], 2);
        assert_eq!(get(&app, &theirs_path, &admin).await.status(), 200);

        // `/users/{id}/addresses`: that user or an admin.
        let ada_list = format!("/api/users/{ada_id}/addresses");
        assert_eq!(
            column(&get(&app, &ada_list, &ada).await, "id"),
            [json!(mine_id)]
        );
        assert_eq!(
            column(&get(&app, &ada_list, &admin).await, "id"),
            [json!(mine_id)]
        );
        assert_eq!(outcome(&get(&app, &ada_list, &grace).await), not_found);
        assert_eq!(
            outcome(&get(&app, "/api/addresses", "").await),
            (401, "UNAUTHORIZED".into())
        );

        // Rules.
        let mut bad = address("Somewhere");
        bad["country"] = json!("de");
        let r = post(&app, "/api/addresses", &ada, bad).await;
        assert_eq!(
            outcome(&r),
            (400, "VALIDATION_ERROR".into()),
            "{}",
            r.json()
        );
        assert_eq!(detail_fields(&r), ["country"]);
        let r = post(
            &app,
            "/api/addresses",
            &ada,
            json!({"line1": "", "city": "Berlin", "country": "DEU"}),
        )
        .await;
        assert_eq!(outcome(&r), (400, "VALIDATION_ERROR".into()));
        // The missing field and the other fields' broken rules, in one answer.
        assert_eq!(detail_fields(&r), ["country", "line1", "postal_code"]);

        // PUT replaces (the owner stays); PATCH is not part of the API.
        let mut replaced = address("Alexanderplatz 3");
        replaced["user_id"] = json!(grace_id);
        let r = put(&app, &mine_path, &ada, replaced).await;
        assert_eq!(r.status(), 200, "{}", r.json());
        assert_eq!(r.json()["data"]["line1"], "Alexanderplatz 3");
        assert_eq!(r.json()["data"]["line2"], Value::Null);
        assert_eq!(r.json()["data"]["user_id"], ada_id.as_str());
        let r = call(
            &app,
            http::Method::PATCH,
            &mine_path,
            &ada,
            Some(json!({"city": "Hamburg"})),
        )
        .await;
        assert_eq!(outcome(&r), (405, "METHOD_NOT_ALLOWED".into()));
        let allow = r.header("allow").unwrap_or_default().to_owned();
        for method in ["GET", "PUT", "DELETE"] {
            assert!(allow.contains(method), "{allow}");
        }
        assert!(!allow.contains("PATCH"), "{allow}");

        // Delete.
        assert_eq!(delete(&app, &mine_path, &ada).await.status(), 204);
        assert_eq!(outcome(&get(&app, &mine_path, &ada).await), not_found);
        assert_eq!(delete(&app, &theirs_path, &admin).await.status(), 204);
        db.cleanup().await;
    })
    .await;
}
