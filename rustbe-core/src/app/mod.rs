//! The app builder: the standard middleware stack around the app's routes, `/health`,
//! `/ready`, `/openapi.json` and `/docs`.

mod docs;
mod health;
mod observability;
mod resources;
mod serve;
mod shared;
mod stack;
mod telemetry;

use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use sea_orm::DatabaseConnection;
use utoipa::openapi::OpenApi;

pub use docs::{BEARER_SCHEME, base_openapi};
pub use health::ReadinessCheck;
pub use serve::{Server, serve, shutdown_signal};
pub use shared::{MEMORY_CACHE_BYTES, Shared};
pub use telemetry::{DEFAULT_FILTER, Telemetry, init_telemetry, init_tracing};

use crate::cache::Cache;
use crate::config::Config;
use crate::extract::PaginationLimits;
use crate::format::{Format, FormatLayer};
use crate::rate_limit::{KeyBy, RateLimitLayer, RateLimitRule, RateLimiter};
use crate::{Error, ErrorCode};

/// Builds a rustbe app: the app's routes under `/api`, wrapped in the standard stack.
///
/// From the outside in, every request passes: request id (generated or propagated, set on
/// every response), error envelope (for errors not rendered by [`Error`]), security headers,
/// request metrics (feature `metrics`, `METRICS=on`), CORS (from `ALLOWED_ORIGINS`;
/// credentials only with listed origins; `Vary: Origin`), tracing (method, path and request
/// id; never headers or query strings; with trace export, the caller's `traceparent` as
/// parent and the `trace_id`), compression, panic catcher (500 envelope, the server keeps
/// serving), rate limit (with [`App::rate_limiter`], `/api/` only), timeout (503 envelope),
/// body limit (413 envelope), the handler span (with trace export). With `METRICS=on` the
/// scrape is served at `METRICS_PATH`, or on `METRICS_ADDR` by [`App::serve`]. Unknown routes
/// answer a 404 envelope, wrong methods a 405 envelope with `Allow`.
///
/// ```
/// use axum::{Router, routing::get};
/// use rustbe_core::app::App;
/// use rustbe_core::config::Config;
/// use rustbe_core::response::Single;
///
/// let api = Router::new().route("/hello", get(|| async { Single("world") }));
/// let router: Router = App::new(Config::for_tests("demo")).api(api).into_router();
/// ```
#[must_use]
pub struct App {
    config: Arc<Config>,
    db: Option<DatabaseConnection>,
    api: Router,
    root: Router,
    openapi: OpenApi,
    checks: Vec<Arc<dyn ReadinessCheck>>,
    pagination: PaginationLimits,
    cache: Option<Cache>,
    rate_limiter: Option<Arc<dyn RateLimiter>>,
    resources: resources::Registry,
    format: FormatLayer,
}

impl App {
    /// An app configured by `config`, with no routes yet.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use rustbe_core::{app::App, config::Config, testing::TestRequest};
    /// let router = App::new(Config::for_tests("demo")).into_router();
    /// assert_eq!(TestRequest::get("/health").send(&router).await.status(), 200);
    /// let missing = TestRequest::get("/api/anything").send(&router).await;
    /// assert_eq!(missing.error_code(), "NOT_FOUND");
    /// # });
    /// ```
    pub fn new(config: Config) -> Self {
        let openapi = base_openapi(&config.app_name, env!("CARGO_PKG_VERSION"));
        Self {
            config: Arc::new(config),
            db: None,
            api: Router::new(),
            root: Router::new(),
            openapi,
            checks: Vec::new(),
            pagination: PaginationLimits::default(),
            cache: None,
            rate_limiter: None,
            resources: resources::Registry::default(),
            format: FormatLayer::envelope(),
        }
    }

    /// The database: handed to handlers through [`Db`](crate::db::Db) and checked by `/ready`.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use rustbe_core::{app::App, config::Config, testing::TestRequest};
    /// let config = Config::for_tests("demo");
    /// let db = rustbe_core::db::connect(&config.database).await.unwrap();
    /// let router = App::new(config).database(db).into_router();
    /// let ready = TestRequest::get("/ready").send(&router).await;
    /// assert_eq!(ready.json()["data"]["status"], "ready");
    /// # });
    /// ```
    pub fn database(mut self, db: DatabaseConnection) -> Self {
        self.checks
            .push(Arc::new(health::DatabaseCheck(db.clone())));
        self.db = Some(db);
        self
    }

    /// Adds routes under `/api` (a route `/products` is served at `/api/products`).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use axum::{Router, routing::get};
    /// use rustbe_core::{app::App, config::Config, response::Single, testing::TestRequest};
    /// let api = Router::new().route("/products", get(|| async { Single("list") }));
    /// let router = App::new(Config::for_tests("demo")).api(api).into_router();
    /// assert_eq!(TestRequest::get("/api/products").send(&router).await.json()["data"], "list");
    /// assert_eq!(TestRequest::get("/products").send(&router).await.status(), 404);
    /// # });
    /// ```
    pub fn api(mut self, routes: Router) -> Self {
        self.api = self.api.merge(routes);
        self
    }

    /// Adds routes outside `/api` (still behind the whole stack).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use axum::{Router, routing::get};
    /// use rustbe_core::{app::App, config::Config, testing::TestRequest};
    /// let routes = Router::new().route("/robots.txt", get(|| async { "User-agent: *" }));
    /// let router = App::new(Config::for_tests("demo")).routes(routes).into_router();
    /// let response = TestRequest::get("/robots.txt").send(&router).await;
    /// assert_eq!(response.body(), b"User-agent: *");
    /// assert!(response.header("x-request-id").is_some());
    /// # });
    /// ```
    pub fn routes(mut self, routes: Router) -> Self {
        self.root = self.root.merge(routes);
        self
    }

    /// Merges `doc` into the OpenAPI document served at `/openapi.json`. Paths in `doc` are
    /// written as served (`/api/products`).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # use rustbe_core::{app::App, config::Config, testing::TestRequest};
    /// # use utoipa::OpenApi;
    /// #[utoipa::path(get, path = "/api/products", responses((status = 200)))]
    /// async fn list_products() {}
    /// #[derive(OpenApi)]
    /// #[openapi(paths(list_products))]
    /// struct ShopDoc;
    /// let router = App::new(Config::for_tests("demo")).openapi(ShopDoc::openapi()).into_router();
    /// let doc = TestRequest::get("/openapi.json").send(&router).await.json();
    /// assert!(doc["paths"]["/api/products"]["get"].is_object() && doc["paths"]["/health"].is_object());
    /// # });
    /// ```
    pub fn openapi(mut self, doc: OpenApi) -> Self {
        // The app's security schemes replace the defaults of the same name (a `Token` scheme
        // from rustbe-auth for `bearer_auth`); everything else already present is kept.
        if let Some(theirs) = doc.components.as_ref() {
            let ours = self.openapi.components.get_or_insert_with(Default::default);
            for (name, scheme) in &theirs.security_schemes {
                ours.security_schemes.insert(name.clone(), scheme.clone());
            }
        }
        self.openapi.merge(doc);
        self
    }

    /// Answers every request in `format`: the derive's routes, [`response`](crate::response)'s
    /// types, every [`Error`] and the framework's own rejections (unknown paths, wrong
    /// methods, bodies too large, timeouts, panics); and the OpenAPI document describes the
    /// answers in it. The envelope ([`Envelope`](crate::format::Envelope)) by default. A
    /// router may still answer in another with [`FormatLayer`].
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use rustbe_core::{app::App, config::Config, format::Plain, testing::TestRequest};
    /// let router = App::new(Config::for_tests("demo")).format(Plain::wrapped()).into_router();
    /// let missing = TestRequest::get("/api/nothing").send(&router).await;
    /// assert_eq!(missing.status(), 404);
    /// assert_eq!(missing.header("content-type"), Some("application/problem+json"));
    /// assert_eq!(missing.json()["instance"], "/api/nothing");
    /// # });
    /// ```
    pub fn format<F: Format>(mut self, format: F) -> Self {
        self.format = FormatLayer::for_app(format);
        self
    }

    /// Adds a dependency that `/ready` checks.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # use std::{future::Future, pin::Pin};
    /// use rustbe_core::{app::{App, ReadinessCheck}, config::Config, testing::TestRequest};
    /// // `Cache` is a `ReadinessCheck` named "cache" whose check fails (see `ReadinessCheck`).
    /// # struct Cache;
    /// # impl ReadinessCheck for Cache {
    /// #     fn name(&self) -> &str { "cache" }
    /// #     fn check(&self) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + '_>> {
    /// #         Box::pin(async { Err("connection refused".into()) })
    /// #     }
    /// # }
    /// let router = App::new(Config::for_tests("demo")).readiness_check(Cache).into_router();
    /// let response = TestRequest::get("/ready").send(&router).await;
    /// assert_eq!(response.status(), 503);
    /// assert_eq!(response.json()["error"]["details"][0]["field"], "cache");
    /// # });
    /// ```
    pub fn readiness_check(mut self, check: impl ReadinessCheck) -> Self {
        self.checks.push(Arc::new(check));
        self
    }

    /// Bounds of `limit` for every list (default 20, at most 100), and whether pages start
    /// by `page` (the default) or by `offset` ([`PageBy`](crate::extract::PageBy)); the
    /// OpenAPI document lists the one parameter and the configured bounds.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use axum::{Router, routing::get};
    /// use rustbe_core::extract::{Pagination, PaginationLimits};
    /// use rustbe_core::{app::App, config::Config, testing::TestRequest};
    /// let api = Router::new().route("/items", get(|p: Pagination| async move { p.limit().to_string() }));
    /// let limits = PaginationLimits::new(5, 10).unwrap();
    /// let router = App::new(Config::for_tests("demo")).pagination(limits).api(api).into_router();
    /// assert_eq!(TestRequest::get("/api/items").send(&router).await.body(), b"5");
    /// assert_eq!(TestRequest::get("/api/items?limit=11").send(&router).await.status(), 400);
    /// # });
    /// ```
    pub fn pagination(mut self, limits: PaginationLimits) -> Self {
        self.pagination = limits;
        self
    }

    /// The cache: handed to handlers (the [`Cache`] extractor) and checked by `/ready`.
    ///
    /// ```
    /// use rustbe_core::{app::App, cache::Cache, config::Config};
    /// let app = App::new(Config::for_tests("shop")).cache(Cache::memory("shop", 64 << 20));
    /// ```
    pub fn cache(mut self, cache: Cache) -> Self {
        self.checks
            .push(Arc::new(health::CacheCheck(cache.clone())));
        self.cache = Some(cache);
        self
    }

    /// Limits every `/api` request per client to `RATE_LIMIT` (`TRUST_PROXY` decides whether
    /// `X-Forwarded-For` names the client), counting in `limiter`. `/health`, `/ready` and
    /// the docs are not limited.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use rustbe_core::{app::App, config::Config, rate_limit::MemoryRateLimiter};
    /// let app = App::new(Config::for_tests("shop")).rate_limiter(Arc::new(MemoryRateLimiter::new()));
    /// ```
    pub fn rate_limiter(mut self, limiter: Arc<dyn RateLimiter>) -> Self {
        self.rate_limiter = Some(limiter);
        self
    }

    /// The configuration the app was built with.
    ///
    /// ```
    /// use rustbe_core::{app::App, config::Config};
    /// let app = App::new(Config::for_tests("demo"));
    /// assert_eq!(app.config().app_name, "demo");
    /// assert!(!app.config().is_production());
    /// ```
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The finished router, ready for [`serve`] or for tests with `tower::ServiceExt::oneshot`.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use rustbe_core::{app::App, config::Config};
    /// use tower::ServiceExt;
    /// let router = App::new(Config::for_tests("demo")).into_router();
    /// let request = http::Request::post("/health").body(axum::body::Body::empty()).unwrap();
    /// let response = router.oneshot(request).await.unwrap();
    /// assert_eq!(response.status(), 405);
    /// assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    /// # });
    /// ```
    pub fn into_router(self) -> Router {
        self.build().0
    }

    /// The router, and the observability parts (the scrape route on its own address when
    /// `METRICS_ADDR` is set).
    fn build(self) -> (Router, observability::Observability) {
        let Self {
            config,
            db,
            api,
            root,
            openapi,
            checks,
            pagination,
            cache,
            rate_limiter,
            resources,
            format,
        } = self;
        let api = resources.wrap(api);
        let mut observe = observability::Observability::new(&config, db.as_ref(), cache.as_ref());
        let readiness = health::Readiness {
            checks: checks.into(),
            timeout: config.database.acquire_timeout,
        };
        let limited = rate_limiter.is_some() && config.rate_limits;
        let mut openapi = openapi;
        if limited {
            docs::document_rate_limit(&mut openapi, "/api/");
        }
        docs::document_pagination(&mut openapi, pagination);
        crate::format::apply_to_document(format.format().map(AsRef::as_ref), &mut openapi);
        let operations = Router::new()
            .route("/health", get(health::health))
            .route("/ready", get(health::ready))
            .with_state(readiness);
        let router = Router::new()
            .nest("/api", api)
            .merge(root)
            .merge(operations)
            .merge(docs::docs_router(openapi))
            .merge(observe.take_routes().unwrap_or_default())
            .fallback(|| async {
                Error::new(ErrorCode::NotFound).with_message("No route matches this path")
            });
        let rate_limit = rate_limiter.filter(|_| config.rate_limits).map(|limiter| {
            let key = KeyBy::ClientIp {
                trust_proxy: config.trust_proxy,
            };
            RateLimitLayer::new(limiter, RateLimitRule::new("api", config.rate_limit, key))
                .path_prefix("/api/")
        });
        let extensions = (pagination, db, cache);
        (
            stack::with_stack(router, &config, rate_limit, &observe, extensions, format),
            observe,
        )
    }

    /// Connects nothing, builds the router and serves it on `HOST:PORT` until Ctrl-C or
    /// SIGTERM, letting in-flight requests finish. First it checks each
    /// `#[resource(parent = "…")]` that no declared relation vouches for against the database
    /// (one `SELECT … WHERE 1 = 0` each): a parent table or key column that is not there is an
    /// error naming the resource, and nothing is served.
    ///
    /// ```no_run
    /// # async fn run() -> std::io::Result<()> {
    /// use rustbe_core::{app::App, config::Config};
    /// App::new(Config::from_env("shop").expect("config")).serve().await
    /// # }
    /// ```
    pub async fn serve(self) -> std::io::Result<()> {
        if let Some(db) = &self.db {
            self.resources
                .check_parents(db)
                .await
                .map_err(std::io::Error::other)?;
        }
        let listener = tokio::net::TcpListener::bind(self.config.listen_addr()).await?;
        let server = Server::new(self.config.server.clone());
        let (router, mut observe) = self.build();
        observe.spawn_background();
        let separate = match observe.take_separate() {
            Some((addr, metrics)) => {
                let listener = tokio::net::TcpListener::bind(addr).await?;
                tracing::info!(%addr, "metrics on their own listener");
                Some(tokio::spawn(
                    async move { axum::serve(listener, metrics).await },
                ))
            }
            None => None,
        };
        let served = server.serve(listener, router, shutdown_signal()).await;
        if let Some(task) = separate {
            task.abort();
        }
        served
    }
}
