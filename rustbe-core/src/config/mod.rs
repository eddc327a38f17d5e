//! Configuration from the environment (and a `.env` file), with the defaults of a
//! development machine and the refusals of production.
//!
//! Each crate reads its own [`Section`] through one [`Vars`] reader: rustbe-core the
//! [`Config`] of the server, database, cache, limits and telemetry; rustbe-auth its
//! `AuthConfig` (JWT, mail, the auth limits, the admin account); an app its own settings.
//! [`Config::from_env_with`] reads them all in one pass and refuses to start naming every
//! bad variable at once ([`ConfigErrors`]). Every variable is optional in development; with
//! `APP_ENV=production` a variable production requires (`DATABASE_URL`, the JWT secrets) is
//! refused when missing. See `docs/configuration.md` for the full table.

mod database;
mod observability;
mod parse;
mod secret;
mod server;
mod vars;

use std::collections::HashMap;
use std::time::Duration;

pub use database::{DatabaseConfig, SqliteJournal, SqliteSynchronous};
pub use observability::{MetricsConfig, OtelConfig};
pub use parse::{Rate, parse_bool, parse_duration, parse_size};
pub use secret::Secret;
pub use server::ServerConfig;
pub use vars::{ConfigError, ConfigErrors, MIN_SECRET_DISTINCT, MIN_SECRET_LEN, Section, Vars};

/// Where the app runs.
///
/// ```
/// use rustbe_core::config::{AppEnv, Config};
/// let config = Config::from_lookup("shop", |k| (k == "APP_ENV").then(|| "test".into())).unwrap();
/// assert_eq!(config.env, AppEnv::Test);
/// assert!(Config::from_lookup("shop", |k| (k == "APP_ENV").then(|| "staging".into())).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppEnv {
    /// A developer's machine: defaults for everything, demo data, pretty logs.
    Development,
    /// Automated tests.
    Test,
    /// Production: secrets required, HSTS on.
    Production,
}

/// How logs are written.
///
/// ```
/// use rustbe_core::config::{Config, LogFormat};
/// let config = Config::from_lookup("shop", |k| (k == "LOG_FORMAT").then(|| "json".into())).unwrap();
/// assert_eq!(config.log_format, LogFormat::Json);
/// assert_eq!(Config::for_tests("shop").log_format, LogFormat::Pretty);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line.
    Json,
}

/// rustbe-core's configuration: the server, the database, Redis, CORS, the request limits,
/// the cache, logging and telemetry. Other crates and the app read their own [`Section`]s
/// beside it ([`Config::from_env_with`]).
///
/// ```
/// use rustbe_core::config::{AppEnv, Config};
///
/// let config = Config::from_lookup("shop", |key| match key {
///     "PORT" => Some("9000".into()),
///     "RATE_LIMIT" => Some("10/1m".into()),
///     _ => None,
/// })
/// .unwrap();
/// assert_eq!(config.env, AppEnv::Development);
/// assert_eq!(config.port, 9000);
/// assert_eq!(config.database.url.expose(), "sqlite://shop.db?mode=rwc");
/// assert_eq!(config.rate_limit.count, 10);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// The app's name (cache key prefixes, the default SQLite file).
    pub app_name: String,
    /// `APP_ENV`.
    pub env: AppEnv,
    /// `HOST`.
    pub host: String,
    /// `PORT`.
    pub port: u16,
    /// `DATABASE_URL`, `DATABASE_MAX_CONNECTIONS`, `DATABASE_ACQUIRE_TIMEOUT`.
    pub database: DatabaseConfig,
    /// `REDIS_URL`.
    pub redis_url: Option<Secret>,
    /// `ALLOWED_ORIGINS`: exact origins; `*` alone allows any origin without credentials.
    pub allowed_origins: Vec<String>,
    /// `RATE_LIMIT`.
    pub rate_limit: Rate,
    /// `RATE_LIMITS` (default on): `off` switches every limit off (this one and rustbe-auth's),
    /// for a deployment whose gateway limits already, or a benchmark. Announced as a warning
    /// in production.
    pub rate_limits: bool,
    /// `CACHE` (default on): `off` serves every read from the database
    /// ([`crate::cache::Cache::disabled`]).
    pub cache: bool,
    /// `TRUST_PROXY`.
    pub trust_proxy: bool,
    /// `BODY_LIMIT` in bytes.
    pub body_limit: usize,
    /// `REQUEST_TIMEOUT`.
    pub request_timeout: Duration,
    /// `LOG_FORMAT`.
    pub log_format: LogFormat,
    /// `METRICS`, `METRICS_PATH`, `METRICS_TOKEN`, `METRICS_ADDR`.
    pub metrics: MetricsConfig,
    /// `OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_SERVICE_NAME`: trace export, when set.
    pub otel: Option<OtelConfig>,
    /// `HEADER_READ_TIMEOUT`, `IDLE_TIMEOUT`, `MAX_CONNECTIONS`.
    pub server: ServerConfig,
    warnings: Vec<String>,
}

impl Section for Config {
    fn read(vars: &mut Vars<'_>) -> Self {
        let allowed_origins = origins(vars);
        let rate_limits = vars.boolean("RATE_LIMITS", true);
        if !rate_limits && vars.is_production() {
            vars.warn(
                "RATE_LIMITS=off: no request is rate limited (RATE_LIMIT and RATE_LIMIT_AUTH are ignored)",
            );
        }
        let body_limit = vars.parse_with("BODY_LIMIT", 1024 * 1024, |value| {
            match parse_size(value)? {
                0 => Err("must be larger than zero".into()),
                size => Ok(size),
            }
        });
        Self {
            app_name: vars.app_name().to_owned(),
            env: vars.app_env(),
            host: vars.get("HOST").unwrap_or_else(|| "127.0.0.1".into()),
            port: vars.number("PORT", 8080, 0, 65_535),
            database: DatabaseConfig::read(vars),
            redis_url: vars.get("REDIS_URL").map(Secret::new),
            allowed_origins,
            rate_limit: vars.rate("RATE_LIMIT", Rate::per(100, Duration::from_secs(15 * 60))),
            rate_limits,
            cache: vars.boolean("CACHE", true),
            trust_proxy: vars.boolean("TRUST_PROXY", false),
            body_limit,
            request_timeout: vars.positive("REQUEST_TIMEOUT", Duration::from_secs(30)),
            log_format: vars.choice(
                "LOG_FORMAT",
                LogFormat::Pretty,
                &[("pretty", LogFormat::Pretty), ("json", LogFormat::Json)],
            ),
            metrics: observability::metrics(vars),
            otel: observability::otel(vars),
            server: ServerConfig::read(vars),
            warnings: Vec::new(),
        }
    }
}

/// `ALLOWED_ORIGINS`: comma-separated origins, each without a trailing `/`.
fn origins(vars: &mut Vars<'_>) -> Vec<String> {
    let origins: Vec<String> = vars
        .get("ALLOWED_ORIGINS")
        .map(|v| {
            v.split(',')
                .map(|o| o.trim().trim_end_matches('/').to_owned())
                .filter(|o| !o.is_empty())
                .collect()
        })
        .unwrap_or_default();
    for origin in &origins {
        let valid = origin == "*" && origins.len() == 1
            || (origin.starts_with("http://") || origin.starts_with("https://"))
                && http::HeaderValue::from_str(origin).is_ok();
        if !valid {
            vars.invalid(
                "ALLOWED_ORIGINS",
                format!("`{origin}` is not an origin such as https://shop.example (or `*` alone)"),
            );
            return Vec::new();
        }
    }
    origins
}

impl Config {
    /// Loads from the process environment, then from `.env` in the working directory for
    /// variables the environment does not set. The environment is never modified.
    ///
    /// ```no_run
    /// let config = rustbe_core::config::Config::from_env("shop").expect("valid configuration");
    /// ```
    ///
    /// # Errors
    /// Every variable that is missing in production or invalid.
    pub fn from_env(app_name: &str) -> Result<Self, ConfigErrors> {
        Self::from_env_with::<()>(app_name).map(|(config, ())| config)
    }

    /// [`Config::from_env`] and the sections `S` of other crates and the app, read in one
    /// pass: what is wrong in any of them is reported at once. `S` is one [`Section`] or a
    /// tuple of them.
    ///
    /// ```no_run
    /// # struct AuthConfig;
    /// # impl rustbe_core::config::Section for AuthConfig { fn read(_: &mut rustbe_core::config::Vars<'_>) -> Self { AuthConfig } }
    /// use rustbe_core::config::Config;
    /// let (config, auth) = Config::from_env_with::<AuthConfig>("shop").expect("valid configuration");
    /// ```
    ///
    /// # Errors
    /// Every variable that is missing in production or invalid, in every section.
    pub fn from_env_with<S: Section>(app_name: &str) -> Result<(Self, S), ConfigErrors> {
        let dotenv: HashMap<String, String> = dotenvy::from_filename_iter(".env")
            .map(|iter| iter.filter_map(Result::ok).collect())
            .unwrap_or_default();
        Self::from_lookup_with(app_name, |key| {
            std::env::var(key).ok().or_else(|| dotenv.get(key).cloned())
        })
    }

    /// Loads from `lookup`, which returns the value of a variable (tests pass a map).
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use rustbe_core::config::Config;
    /// let vars = HashMap::from([("PORT", "3000"), ("ALLOWED_ORIGINS", "https://shop.example/")]);
    /// let config = Config::from_lookup("shop", |k| vars.get(k).map(|v| v.to_string())).unwrap();
    /// assert_eq!(config.port, 3000);
    /// assert_eq!(config.allowed_origins, ["https://shop.example"]);
    /// assert!(Config::from_lookup("shop", |k| (k == "PORT").then(|| "http".into())).is_err());
    /// ```
    ///
    /// # Errors
    /// Every variable that is missing in production or invalid.
    pub fn from_lookup(
        app_name: &str,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigErrors> {
        Self::from_lookup_with::<()>(app_name, lookup).map(|(config, ())| config)
    }

    /// [`Config::from_lookup`] with the sections `S` (see [`Config::from_env_with`]).
    ///
    /// # Errors
    /// Every variable that is missing in production or invalid, in every section.
    pub fn from_lookup_with<S: Section>(
        app_name: &str,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<(Self, S), ConfigErrors> {
        let mut vars = Vars::new(app_name, &lookup);
        let (mut config, section) = <(Self, S)>::read(&mut vars);
        config.warnings = vars.finish()?;
        Ok((config, section))
    }

    /// Settings for in-process tests: development defaults with `APP_ENV=test`, an in-memory
    /// SQLite database, and no `.env`.
    ///
    /// ```
    /// use rustbe_core::config::{AppEnv, Config};
    /// let config = Config::for_tests("shop");
    /// assert_eq!(config.env, AppEnv::Test);
    /// assert_eq!(config.database.url.expose(), "sqlite::memory:");
    /// assert!(config.warnings().is_empty());
    /// ```
    #[must_use]
    pub fn for_tests(app_name: &str) -> Self {
        Self::from_lookup(app_name, Self::test_vars)
            .unwrap_or_else(|_| unreachable!("the test configuration is valid"))
    }

    /// The variables of [`Config::for_tests`]: `APP_ENV=test` and
    /// `DATABASE_URL=sqlite::memory:`. Other sections' `for_tests` start from them.
    ///
    /// ```
    /// use rustbe_core::config::Config;
    /// assert_eq!(Config::test_vars("APP_ENV").as_deref(), Some("test"));
    /// assert_eq!(Config::test_vars("PORT"), None);
    /// ```
    #[must_use]
    pub fn test_vars(key: &str) -> Option<String> {
        match key {
            "APP_ENV" => Some("test".into()),
            "DATABASE_URL" => Some("sqlite::memory:".into()),
            _ => None,
        }
    }

    /// Is this production?
    ///
    /// ```
    /// use rustbe_core::config::{AppEnv, Config};
    /// let mut config = Config::for_tests("shop");
    /// assert!(!config.is_production());
    /// config.env = AppEnv::Production;
    /// assert!(config.is_production());
    /// ```
    #[must_use]
    pub fn is_production(&self) -> bool {
        self.env == AppEnv::Production
    }

    /// Things worth a loud warning at start, from every section read with this configuration
    /// (development secrets in use, a feature the build lacks, …).
    ///
    /// ```
    /// use rustbe_core::config::Config;
    /// let config = Config::from_lookup("shop", |k| (k == "METRICS_ADDR").then(|| "127.0.0.1:9100".into())).unwrap();
    /// assert!(config.warnings().is_empty());
    /// assert!(Config::for_tests("shop").warnings().is_empty());
    /// ```
    #[must_use]
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// `HOST:PORT`.
    ///
    /// ```
    /// use rustbe_core::config::Config;
    /// let config = Config::from_lookup("shop", |k| (k == "PORT").then(|| "9000".into())).unwrap();
    /// assert_eq!(config.listen_addr(), "127.0.0.1:9000");
    /// ```
    #[must_use]
    pub fn listen_addr(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

#[cfg(test)]
mod tests;
