//! The migrations run up, down and up again, on SQLite and on PostgreSQL, and leave the
//! indexes API.md's queries need.

#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

use rustbe_core::testing::TestDb;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use sea_orm_migration::MigratorTrait;
use shop::migration::Migrator;

const TABLES: [&str; 8] = [
    "users",
    "categories",
    "products",
    "reviews",
    "addresses",
    "orders",
    "order_items",
    "idempotency_keys",
];

async fn names(db: &TestDb, sql: &str) -> Vec<String> {
    let backend = db.db.get_database_backend();
    db.db
        .query_all_raw(Statement::from_string(backend, sql))
        .await
        .expect(sql)
        .iter()
        .map(|row| row.try_get_by_index::<String>(0).expect("a name"))
        .collect()
}

async fn tables(db: &TestDb) -> Vec<String> {
    let sql = match db.db.get_database_backend() {
        DbBackend::Postgres => {
            "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
        }
        _ => "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1",
    };
    names(db, sql).await
}

async fn indexes(db: &TestDb) -> Vec<String> {
    let sql = match db.db.get_database_backend() {
        DbBackend::Postgres => {
            "SELECT indexname::text FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1"
        }
        _ => {
            "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY 1"
        }
    };
    names(db, sql).await
}

async fn up_down_up(db: TestDb) {
    let postgres = db.db.get_database_backend() == DbBackend::Postgres;
    Migrator::up(&db.db, None).await.expect("up");
    let created = tables(&db).await;
    for table in TABLES {
        assert!(created.iter().any(|t| t == table), "{table} in {created:?}");
    }
    let made = indexes(&db).await;
    let mut expected = vec![
        "idx_products_category_price",
        "idx_addresses_user",
        "idx_orders_user",
        "idx_orders_address",
        "idx_order_items_order",
        "idx_order_items_product",
        "idx_reviews_user",
        "uq_reviews_product_user",
    ];
    if postgres {
        expected.extend(["idx_products_search", "idx_orders_pending"]);
    }
    for index in expected {
        assert!(made.iter().any(|i| i == index), "{index} in {made:?}");
    }
    if postgres {
        // The search index is the GIN expression the product list's `q` uses, and the
        // pending-orders index is partial.
        let definition = names(
            &db,
            "SELECT indexdef::text FROM pg_indexes WHERE indexname IN ('idx_products_search', 'idx_orders_pending') ORDER BY indexname",
        )
        .await;
        assert!(
            definition[0].contains("WHERE ((status)::text = 'pending'::text)"),
            "{}",
            definition[0]
        );
        assert!(
            definition[1].contains("USING gin (to_tsvector('simple'::regconfig"),
            "{}",
            definition[1]
        );
    }
    Migrator::down(&db.db, None).await.expect("down");
    let left = tables(&db).await;
    for table in TABLES {
        assert!(
            !left.iter().any(|t| t == table),
            "{table} left after down: {left:?}"
        );
    }
    Migrator::up(&db.db, None).await.expect("up again");
    assert_eq!(tables(&db).await, created);
    db.cleanup().await;
}

#[tokio::test]
async fn migrations_go_up_and_down_on_sqlite() {
    up_down_up(TestDb::sqlite().await).await;
}

#[tokio::test]
async fn migrations_go_up_and_down_on_postgres() {
    let Some(db) = TestDb::postgres("migrations_go_up_and_down_on_postgres", |_| {}).await else {
        return;
    };
    up_down_up(db).await;
}
