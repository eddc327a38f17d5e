//! Criterion benchmarks of the cache-aside helper and the rate limiter, in-process:
//! a cache hit in memory (and in Redis with `TEST_REDIS_URL`), the same row read from SQLite
//! by primary key, and one GCRA decision.
//!
//! `cargo bench -p rustbe-core --features redis --bench cache`

#![allow(clippy::expect_used, missing_docs, reason = "a benchmark")]

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use rustbe_core::cache::{Cache, RedisStore};
use rustbe_core::config::{DatabaseConfig, Rate};
use rustbe_core::rate_limit::MemoryRateLimiter;
use sea_orm::{ConnectionTrait, DbBackend, Statement};

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Product {
    id: i64,
    name: String,
    description: String,
    price: f64,
    stock_quantity: i64,
}

fn product(id: i64) -> Product {
    Product {
        id,
        name: format!("Product {id}"),
        description: "A sturdy, well-made thing that does what it says.".repeat(3),
        price: 59.99,
        stock_quantity: 12,
    }
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let ttl = Duration::from_secs(3600);
    let mut group = c.benchmark_group("get one product");

    let memory = Cache::memory("bench", 64 << 20);
    rt.block_on(memory.get_or_load("product", "1", ttl, || async { Ok(Some(product(1))) }))
        .expect("warm");
    group.bench_function("in-process cache hit", |b| {
        b.iter(|| {
            let hit: Option<Product> = rt
                .block_on(memory.get_or_load("product", "1", ttl, || async { Ok(None) }))
                .expect("hit");
            black_box(hit);
        });
    });

    if let Ok(url) = std::env::var("TEST_REDIS_URL") {
        let client = rt
            .block_on(rustbe_core::redis::connect(&url))
            .expect("redis");
        let redis = Cache::new(Arc::new(RedisStore::new(client)), "bench");
        rt.block_on(redis.get_or_load("product", "1", ttl, || async { Ok(Some(product(1))) }))
            .expect("warm");
        group.bench_function("redis cache hit", |b| {
            b.iter(|| {
                let hit: Option<Product> = rt
                    .block_on(redis.get_or_load("product", "1", ttl, || async { Ok(None) }))
                    .expect("hit");
                black_box(hit);
            });
        });
    }

    let db = rt
        .block_on(rustbe_core::db::connect(&DatabaseConfig::new(
            "sqlite::memory:",
        )))
        .expect("sqlite");
    rt.block_on(async {
        db.execute_unprepared(
            "CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT, description TEXT, price REAL, stock_quantity INTEGER);
             INSERT INTO products VALUES (1, 'Product 1', 'A sturdy thing', 59.99, 12);",
        )
        .await
        .expect("schema");
    });
    group.bench_function("sqlite select by id (uncached)", |b| {
        b.iter(|| {
            let row = rt
                .block_on(db.query_one_raw(Statement::from_string(
                    DbBackend::Sqlite,
                    "SELECT id, name, description, price, stock_quantity FROM products WHERE id = 1",
                )))
                .expect("row");
            black_box(row);
        });
    });
    group.finish();

    let limiter = MemoryRateLimiter::new();
    let rate = Rate {
        count: u32::MAX,
        window: Duration::from_secs(1),
    };
    c.bench_function("rate limiter: one in-memory decision", |b| {
        b.iter(|| black_box(limiter.check_now(black_box("api:ip:127.0.0.1"), rate)));
    });
}

criterion_group!(cache, benches);
criterion_main!(cache);
