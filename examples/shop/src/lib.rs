//! The reference shop built on rustbe: users, products and orders (see `docs/shop.md`).
//!
//! The binary (`cargo run -p shop`) loads its [`Settings`] from the environment, connects the
//! database and serves [`app`]. Tests build the same router in-process.
//!
//! What is wired so far: accounts and sessions (rustbe-auth over the `users` table), the
//! `/api` rate limit and the strict limit of the auth routes, token revocation and the cache
//! (in Redis when `REDIS_URL` is set, in memory otherwise), mail (SMTP when `SMTP_HOST` is set,
//! the log otherwise). The catalogue and orders come with the `#[resource]` derive.

pub mod entities;
pub mod migration;
pub mod routes;
pub mod seed;
mod settings;
pub mod users;

pub use settings::Settings;

/// The walk-through of the shop, `docs/shop.md`.
#[doc = include_str!("../../../docs/shop.md")]
pub mod guide {}

use std::sync::Arc;

use rustbe_auth::AuthService;
use rustbe_auth::mail::{LogMailer, Mailer, SmtpMailer};
use rustbe_auth::store::SeaOrmTokenStore;
use rustbe_core::Error;
use rustbe_core::app::{App, Shared};
use rustbe_core::config::AppEnv;
use rustbe_core::resource;
use sea_orm::DatabaseConnection;
use sea_orm_migration::MigratorTrait;

/// The name the shop's configuration and documents go by.
///
/// ```
/// assert_eq!(shop::APP_NAME, "shop");
/// ```
pub const APP_NAME: &str = "shop";

/// Brings the schema up to date: the shop's migrations, then rustbe-auth's token tables.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let db = rustbe_core::db::connect(&rustbe_core::config::DatabaseConfig::new("sqlite::memory:")).await.unwrap();
/// shop::migrate(&db).await.unwrap();
/// shop::migrate(&db).await.unwrap(); // idempotent
/// # });
/// ```
pub async fn migrate(db: &DatabaseConnection) -> Result<(), Error> {
    migration::Migrator::up(db, None).await?;
    SeaOrmTokenStore::new(db.clone()).create_tables().await
}

/// The shop: migrates `db`, wires auth, limits, revocation, cache and mail as `settings`
/// say, and returns the app ready to serve.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let settings = shop::Settings::for_tests();
/// let db = rustbe_core::db::connect(&settings.core.database).await.unwrap();
/// let router = shop::app(settings, db).await.unwrap().into_router();
/// # });
/// ```
pub async fn app(settings: Settings, db: DatabaseConnection) -> Result<App, Error> {
    let Settings {
        core: config,
        auth: auth_config,
        seed_demo_data,
    } = settings;
    migrate(&db).await?;
    // Redis with REDIS_URL (the rate limits, the cache, the revocation list), else memory.
    let shared = Shared::connect(&config).await?;
    let mailer: Arc<dyn Mailer> = match &auth_config.smtp {
        Some(smtp) => Arc::new(SmtpMailer::new(smtp)?),
        None => Arc::new(LogMailer::new(config.env == AppEnv::Development)),
    };
    let users = rustbe_auth::users::Accounts::new(db.clone());
    let auth = AuthService::builder(&auth_config, users, SeaOrmTokenStore::new(db.clone()))
        .shared(&config, &shared)
        .mailer(mailer)
        .build();
    // ADMIN_EMAIL / ADMIN_PASSWORD: an account that exists without the admin role is never
    // promoted; the shop refuses to start naming the conflict.
    auth.bootstrap_admin(&auth_config).await?;
    if seed_demo_data && seed::seed(&db, auth.hasher()).await? {
        tracing::info!(
            "demo data seeded into the empty database (see the README for the demo accounts)"
        );
    }
    let accounts = auth.account_routes(users::ROLES);
    let api = auth
        .router()
        .merge(accounts.router())
        .merge(resource::router::<entities::category::Model>())
        .merge(resource::router::<entities::product::Model>())
        .merge(resource::router::<entities::address::Model>())
        .merge(resource::router::<entities::review::Model>())
        .merge(routes::orders::router(db.clone()))
        .layer(auth.layer());
    let mut doc = auth.openapi();
    doc.merge(resource::openapi::<entities::category::Model>("/api"));
    doc.merge(resource::openapi::<entities::product::Model>("/api"));
    doc.merge(resource::openapi::<entities::address::Model>("/api"));
    doc.merge(accounts.openapi());
    doc.merge(resource::openapi::<entities::review::Model>("/api"));
    doc.merge(routes::orders::openapi());
    Ok(App::new(config)
        .database(db)
        .shared(&shared)
        .api(api)
        .openapi(doc))
}
