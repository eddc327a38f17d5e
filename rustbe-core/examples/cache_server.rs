//! A server for cache and rate-limit load runs (`scripts/bench-cache.sh`): `GET` of one
//! product row by id, straight from the database (`/api/products/{id}`), through the
//! in-process cache (`/api/memory/products/{id}`) and through Redis
//! (`/api/redis/products/{id}`, with `REDIS_URL`). `BENCH_RATE_LIMIT=1` puts
//! `/api/memory/…` behind the rate limiter (with a limit too high to refuse anything) and
//! leaves the same route at `/api/plain/memory/products/{id}` unlimited, so the limiter's cost
//! is measured inside one process through identical routing. `DATABASE_URL` picks SQLite or
//! PostgreSQL; 1000 rows are seeded at start.

#![allow(clippy::expect_used, reason = "a benchmark tool")]

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use rustbe_core::Error;
use rustbe_core::app::{App, init_tracing};
use rustbe_core::cache::{Cache, RedisStore};
use rustbe_core::config::Config;
use rustbe_core::db::Db;
use rustbe_core::extract::Path;
use rustbe_core::rate_limit::{KeyBy, MemoryRateLimiter, RateLimitLayer, RateLimitRule};
use rustbe_core::response::Single;
use sea_orm::{ConnectionTrait, EntityTrait, Schema};

mod product {
    #![allow(missing_docs, unreachable_pub)]
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
    #[sea_orm(table_name = "bench_products")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub name: String,
        pub description: String,
        pub price: f64,
        pub stock_quantity: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

const TTL: Duration = Duration::from_secs(3600);

async fn from_db(Db(db): Db, Path(id): Path<i32>) -> Result<Single<product::Model>, Error> {
    product::Entity::find_by_id(id)
        .one(&db)
        .await?
        .map(Single)
        .ok_or_else(Error::not_found)
}

async fn cached(
    cache: Cache,
    db: sea_orm::DatabaseConnection,
    id: i32,
) -> Result<Single<product::Model>, Error> {
    let load = || async move {
        product::Entity::find_by_id(id)
            .one(&db)
            .await
            .map_err(Error::from)
    };
    cache
        .get_or_load("product", &id.to_string(), TTL, load)
        .await?
        .map(Single)
        .ok_or_else(Error::not_found)
}

#[tokio::main]
async fn main() {
    let config = Config::from_env("bench").expect("configuration");
    init_tracing(config.log_format);
    let db = rustbe_core::db::connect(&config.database)
        .await
        .expect("database");
    let schema = Schema::new(db.get_database_backend());
    db.execute(
        schema
            .create_table_from_entity(product::Entity)
            .if_not_exists(),
    )
    .await
    .expect("table");
    if product::Entity::find_by_id(1)
        .one(&db)
        .await
        .expect("read")
        .is_none()
    {
        let rows = (1..=1000).map(|id| product::ActiveModel {
            id: sea_orm::ActiveValue::Set(id),
            name: sea_orm::ActiveValue::Set(format!("Product {id}")),
            description: sea_orm::ActiveValue::Set(
                "A sturdy, well-made thing that does what it says.".repeat(3),
            ),
            price: sea_orm::ActiveValue::Set(f64::from(id) + 0.99),
            stock_quantity: sea_orm::ActiveValue::Set(id % 50),
        });
        product::Entity::insert_many(rows)
            .exec(&db)
            .await
            .expect("seed");
    }
    let memory = Cache::memory("bench", 64 << 20);
    let hit = {
        let memory = memory.clone();
        move |Db(db): Db, Path(id): Path<i32>| cached(memory.clone(), db, id)
    };
    // The same cached route twice under `/api`; with BENCH_RATE_LIMIT=1 only the first is
    // limited: an A/B of the limiter inside one process, through identical routing.
    let mut api = Router::new()
        .route("/products/{id}", get(from_db))
        .route("/memory/products/{id}", get(hit.clone()))
        .route("/plain/memory/products/{id}", get(hit));
    if let Some(url) = &config.redis_url {
        let client = rustbe_core::redis::connect(url.expose())
            .await
            .expect("redis");
        let redis = Cache::new(Arc::new(RedisStore::new(client)), "bench");
        api = api.route(
            "/redis/products/{id}",
            get(move |Db(db): Db, Path(id): Path<i32>| cached(redis.clone(), db, id)),
        );
    }
    let limited = std::env::var("BENCH_RATE_LIMIT").is_ok_and(|v| v == "1");
    let listen = config.listen_addr();
    let rule = RateLimitRule::new(
        "api",
        config.rate_limit,
        KeyBy::ClientIp { trust_proxy: false },
    );
    let mut router = App::new(config).database(db).api(api).into_router();
    if limited {
        // What `App::rate_limiter` does, with a prefix that leaves `/api/plain/` out.
        let limiter = Arc::new(MemoryRateLimiter::new());
        let headers = std::env::var("BENCH_RATE_LIMIT_HEADERS").map_or(true, |v| v != "0");
        let layer = RateLimitLayer::new(limiter, rule)
            .path_prefix("/api/memory/")
            .success_headers(headers);
        router = router.layer(layer);
    }
    let listener = tokio::net::TcpListener::bind(listen).await.expect("bind");
    rustbe_core::app::serve(listener, router, rustbe_core::app::shutdown_signal())
        .await
        .expect("serve");
}
