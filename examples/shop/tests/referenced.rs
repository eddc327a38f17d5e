//! Deleting a row that others still reference is a 409, never a 500, on every backend.

#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

mod common;

use serde_json::json;

#[tokio::test]
async fn a_category_in_use_cannot_be_deleted() {
    common::on_every_backend(
        "a_category_in_use_cannot_be_deleted",
        |db, redis| async move {
            let app = common::shop(&db, redis.as_deref()).await;
            let admin = common::admin_token(&app).await;
            let category = common::post(
                &app,
                "/api/categories",
                &admin,
                json!({"name": "Hats", "slug": "hats"}),
            )
            .await;
            assert_eq!(category.status(), 201, "{}", category.json());
            let id = category.json()["data"]["id"]
                .as_str()
                .expect("an id")
                .to_owned();
            let product = common::post(
                &app,
                "/api/products",
                &admin,
                json!({"name": "Cap", "description": "A cap", "price": 9.5, "category_id": id,
                   "stock_quantity": 3, "images": []}),
            )
            .await;
            assert_eq!(product.status(), 201, "{}", product.json());
            let refused = common::delete(&app, &format!("/api/categories/{id}"), &admin).await;
            assert_eq!(
                common::outcome(&refused),
                (409, "CONFLICT".to_owned()),
                "{}",
                refused.json()
            );
            // A product naming a category that is not there: a 409 naming the field where the
            // database says which key failed (PostgreSQL; SQLite reports no column).
            let orphan = common::post(
                &app,
                "/api/products",
                &admin,
                json!({"name": "Lost", "description": "No category", "price": 1.5,
                   "category_id": uuid::Uuid::new_v4(), "stock_quantity": 1, "images": []}),
            )
            .await;
            assert_eq!(common::outcome(&orphan), (409, "CONFLICT".to_owned()));
            if db.db.get_database_backend() == sea_orm::DbBackend::Postgres {
                assert_eq!(
                    common::detail_fields(&orphan),
                    ["category_id"],
                    "{}",
                    orphan.json()
                );
            }
            let still = common::get(&app, &format!("/api/categories/{id}"), "").await;
            assert_eq!(still.status(), 200);
            db.cleanup().await;
        },
    )
    .await;
}
