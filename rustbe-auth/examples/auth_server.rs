//! A small server with rustbe's stack and the auth router, for load runs
//! (`scripts/bench-auth.sh`): in-memory users, one account `bench@example.com` /
//! `Correct1!horse`, token tables in an in-memory SQLite database.
//!
//! `cargo run --release -p rustbe-auth --example auth_server` serves on `HOST:PORT`;
//! `… -- verify-time` prints the median time of one argon2 verify on this machine.

#![allow(clippy::print_stdout, clippy::expect_used, reason = "a benchmark tool")]

use std::time::{Duration, Instant};

use rustbe_auth::password::PasswordHasher;
use rustbe_auth::store::SeaOrmTokenStore;
use rustbe_auth::users::{MemoryUserStore, NewUser, UserStore};
use rustbe_auth::{AuthConfig, AuthService};
use rustbe_core::app::{App, init_tracing};
use rustbe_core::config::Config;

const PASSWORD: &str = "Correct1!horse";

#[tokio::main]
async fn main() {
    let hasher = PasswordHasher::new();
    if std::env::args().nth(1).as_deref() == Some("verify-time") {
        let hash = hasher.hash(PASSWORD).await.expect("hash");
        let mut times: Vec<Duration> = Vec::new();
        for _ in 0..25 {
            let started = Instant::now();
            assert!(hasher.verify(PASSWORD, &hash).await.expect("verify"));
            times.push(started.elapsed());
        }
        times.sort();
        println!("{:.3}", times[times.len() / 2].as_secs_f64() * 1000.0);
        return;
    }
    let (mut config, auth_config) =
        Config::from_env_with::<AuthConfig>("bench").expect("configuration");
    config.database = rustbe_core::config::DatabaseConfig::new("sqlite::memory:");
    init_tracing(config.log_format);
    let db = rustbe_core::db::connect(&config.database)
        .await
        .expect("sqlite");
    let tokens = SeaOrmTokenStore::new(db.clone());
    tokens.create_tables().await.expect("tables");
    let users = MemoryUserStore::new();
    let hash = hasher.hash(PASSWORD).await.expect("hash");
    users
        .create(NewUser {
            email: "bench@example.com".into(),
            name: "Bench".into(),
            password_hash: hash,
        })
        .await
        .expect("bench user");
    let auth = AuthService::builder(&auth_config, users, tokens)
        .hasher(hasher)
        .build();
    App::new(config)
        .database(db)
        .api(auth.router())
        .serve()
        .await
        .expect("serve");
}
