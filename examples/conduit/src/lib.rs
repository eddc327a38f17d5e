//! The RealWorld "Conduit" API (`gothinkster/realworld`, `api/openapi.yml`) on rustbe: users
//! and `Token` authentication from rustbe-auth, profiles and follows, articles with slugs,
//! tags and favourites, the feed, comments; Conduit's own wire format ([`format`](mod@format)); SQLite by
//! default, PostgreSQL and Redis by `DATABASE_URL` and `REDIS_URL`. See `docs/conduit.md`.

/// The guide: running, testing, what comes from rustbe, the gap list (`docs/conduit.md`).
#[doc = include_str!("../../../docs/conduit.md")]
pub mod guide {}

pub mod articles;
pub mod comments;
pub mod entities;
pub mod format;
pub mod migration;
pub mod profiles;
pub mod users;

use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use rustbe_auth::password::PasswordPolicy;
use rustbe_auth::store::SeaOrmTokenStore;
use rustbe_auth::{AuthConfig, AuthService};
use rustbe_core::access::Principal;
use rustbe_core::app::{App, Shared};
use rustbe_core::config::Config;
use rustbe_core::extract::{PageBy, PaginationLimits};
use rustbe_core::{Error, ErrorCode};
use sea_orm::DatabaseConnection;
use sea_orm_migration::MigratorTrait;
use utoipa::OpenApi;

/// The name Conduit's configuration, tokens and Redis keys go by.
pub const APP_NAME: &str = "conduit";

/// How long a Conduit token lasts when `JWT_ACCESS_TTL` is not set: a day. Conduit has no
/// refresh token, so a client signs in again when it expires.
pub const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(24 * 3600);

/// What a handler answers: a Conduit body, or an error (rendered by [`format::ConduitErrors`]).
pub type Answer = Result<axum::response::Response, Error>;

/// What every handler needs.
#[derive(Debug, Clone)]
pub struct Ctx {
    db: DatabaseConnection,
    users: users::Users,
    auth: AuthService<users::Users>,
}

/// The caller's user id, for the queries.
fn id(me: &Principal) -> Result<i32, Error> {
    me.id()
        .parse()
        .map_err(|_| Error::new(ErrorCode::InvalidToken))
}

/// The optional caller's user id.
fn caller(me: &Option<Principal>) -> Option<i32> {
    me.as_ref().and_then(|p| p.id().parse().ok())
}

#[derive(OpenApi)]
#[openapi(
    paths(
        users::register,
        users::login,
        users::current,
        users::update,
        profiles::get,
        profiles::follow,
        profiles::unfollow,
        articles::list,
        articles::feed,
        articles::get,
        articles::create,
        articles::update,
        articles::delete,
        articles::favorite,
        articles::unfavorite,
        articles::tags,
        comments::list,
        comments::create,
        comments::delete
    ),
    components(schemas(
        users::UserView,
        profiles::Profile,
        articles::ArticleView,
        comments::CommentView
    ))
)]
struct ConduitDoc;

/// Brings the schema up to date (idempotent).
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let db = rustbe_core::db::connect(&rustbe_core::config::DatabaseConfig::new("sqlite::memory:")).await.unwrap();
/// conduit::migrate(&db).await.unwrap();
/// conduit::migrate(&db).await.unwrap();
/// # });
/// ```
///
/// # Errors
/// When the database refuses a statement.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), Error> {
    migration::Migrator::up(db, None).await?;
    SeaOrmTokenStore::new(db.clone()).create_tables().await
}

/// Conduit on `db`, migrated, with revocation and rate limits in Redis when `REDIS_URL` is
/// set (in memory otherwise).
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let config = rustbe_core::config::Config::for_tests(conduit::APP_NAME);
/// let auth = rustbe_auth::AuthConfig::for_tests(conduit::APP_NAME);
/// let db = rustbe_core::db::connect(&config.database).await.unwrap();
/// let router = conduit::app(config, auth, db).await.unwrap().into_router();
/// let tags = rustbe_core::testing::TestRequest::get("/api/tags").send(&router).await;
/// assert_eq!(tags.json(), serde_json::json!({"tags": []}));
/// # });
/// ```
///
/// # Errors
/// When the database cannot be migrated or Redis cannot be reached.
pub async fn app(
    config: Config,
    auth_config: AuthConfig,
    db: DatabaseConnection,
) -> Result<App, Error> {
    migrate(&db).await?;
    let shared = Shared::connect(&config).await?; // Redis with REDIS_URL, else memory
    let users = users::Users::new(db.clone());
    let auth = AuthService::builder(
        &auth_config,
        users.clone(),
        SeaOrmTokenStore::new(db.clone()),
    )
    .token_scheme("Token")
    .policy(PasswordPolicy::lengths(8, 128))
    .shared(&config, &shared)
    .build();
    let ctx = Ctx {
        db: db.clone(),
        users,
        auth: auth.clone(),
    };
    let mut strict = Router::new()
        .route("/users", post(users::register))
        .route("/users/login", post(users::login));
    if let Some(limit) = auth.strict_limit() {
        strict = strict.route_layer(limit);
    }
    let api = Router::new()
        .route("/user", get(users::current).put(users::update))
        .route("/profiles/{username}", get(profiles::get))
        .route(
            "/profiles/{username}/follow",
            post(profiles::follow).delete(profiles::unfollow),
        )
        .route("/articles", get(articles::list).post(articles::create))
        .route("/articles/feed", get(articles::feed))
        .route(
            "/articles/{slug}",
            get(articles::get)
                .put(articles::update)
                .delete(articles::delete),
        )
        .route(
            "/articles/{slug}/favorite",
            post(articles::favorite).delete(articles::unfavorite),
        )
        .route(
            "/articles/{slug}/comments",
            get(comments::list).post(comments::create),
        )
        .route(
            "/articles/{slug}/comments/{id}",
            axum::routing::delete(comments::delete),
        )
        .route("/tags", get(articles::tags))
        .merge(strict)
        .with_state(ctx)
        .layer(auth.layer());
    let mut doc = ConduitDoc::openapi();
    doc.merge(auth.security_openapi());
    Ok(App::new(config)
        .format(format::conduit())
        .pagination(PaginationLimits::default().paged_by(PageBy::Offset))
        .database(db)
        .rate_limiter(shared.limiter()) // Conduit caches nothing: the limiter only
        .api(api)
        .openapi(doc))
}
