//! Configuration from the environment (and a `.env` file), with the defaults of a
//! development machine and the refusals of production.
//!
//! Every variable is optional in development. With `APP_ENV=production`, [`Config::from_env`]
//! refuses to load, naming the variable, when `DATABASE_URL`, `JWT_SECRET` or
//! `JWT_REFRESH_SECRET` is missing, when a JWT secret is shorter than 32 bytes, or when the
//! two secrets are equal. See `docs/configuration.md` for the full table.

mod observability;
mod parse;
mod secret;

use std::collections::HashMap;
use std::time::Duration;

pub use observability::{MetricsConfig, OtelConfig};
pub use parse::{Rate, parse_bool, parse_duration, parse_size};
pub use secret::Secret;

/// The shortest JWT secret accepted in production.
///
/// ```
/// # use rustbe_core::config::{Config, MIN_SECRET_LEN};
/// let short = "s".repeat(MIN_SECRET_LEN - 1);
/// let err = Config::from_lookup("shop", |key| match key {
///     "APP_ENV" => Some("production".into()),
///     "DATABASE_URL" => Some("postgres://db.internal/shop".into()),
///     "JWT_SECRET" | "JWT_REFRESH_SECRET" => Some(short.clone()),
///     _ => None,
/// }).unwrap_err();
/// assert_eq!(err.to_string(), "JWT_SECRET is invalid: must be at least 32 bytes long");
/// ```
pub const MIN_SECRET_LEN: usize = 32;
/// The fewest different bytes a JWT secret must have in production: 32 times the same letter,
/// or a short word repeated, is long enough but guessable. A random base64 secret of 32 bytes
/// has about 25 different ones; this refuses only the obviously patterned.
///
/// ```
/// # use rustbe_core::config::Config;
/// let err = Config::from_lookup("shop", |key| match key {
///     "APP_ENV" => Some("production".into()),
///     "DATABASE_URL" => Some("postgres://db.internal/shop".into()),
///     "JWT_SECRET" => Some("a".repeat(32)),
///     "JWT_REFRESH_SECRET" => Some("0123456789abcdef0123456789abcdef-refresh".into()),
///     _ => None,
/// }).unwrap_err();
/// assert!(err.to_string().starts_with("JWT_SECRET is invalid: has too little entropy"));
/// ```
pub const MIN_SECRET_DISTINCT: usize = 10;

fn distinct_bytes(value: &str) -> usize {
    let mut seen = [false; 256];
    for &b in value.as_bytes() {
        seen[usize::from(b)] = true;
    }
    seen.iter().filter(|&&s| s).count()
}

/// The largest clock-skew allowance accepted.
///
/// ```
/// use rustbe_core::config::{Config, MAX_LEEWAY};
/// assert_eq!(MAX_LEEWAY.as_secs(), 60);
/// let err = Config::from_lookup("shop", |k| (k == "JWT_LEEWAY").then(|| "61s".into())).unwrap_err();
/// assert_eq!(err.to_string(), "JWT_LEEWAY is invalid: must be at most 60s");
/// ```
pub const MAX_LEEWAY: Duration = Duration::from_secs(60);

const DEV_JWT_SECRET: &str = "rustbe-development-access-secret-do-not-deploy";
const DEV_JWT_REFRESH_SECRET: &str = "rustbe-development-refresh-secret-do-not-deploy";

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

/// How SMTP connections are secured.
///
/// ```
/// use rustbe_core::config::{Config, SmtpTls};
/// let config = Config::from_lookup("shop", |key| match key {
///     "SMTP_HOST" => Some("mail.example".into()),
///     "SMTP_TLS" => Some("tls".into()),
///     _ => None,
/// }).unwrap();
/// let smtp = config.smtp.unwrap();
/// assert_eq!((smtp.tls, smtp.port), (SmtpTls::Tls, 465));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain text (a local relay or a test sink).
    None,
    /// Upgrade with STARTTLS.
    StartTls,
    /// TLS from the first byte.
    Tls,
}

/// The database settings.
///
/// ```
/// use std::time::Duration;
/// use rustbe_core::config::Config;
/// let config = Config::from_lookup("shop", |k| (k == "DATABASE_MAX_CONNECTIONS").then(|| "25".into())).unwrap();
/// assert_eq!(config.database.max_connections, 25);
/// assert_eq!(config.database.acquire_timeout, Duration::from_secs(5));
/// assert_eq!(config.database.url.expose(), "sqlite://shop.db?mode=rwc");
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DatabaseConfig {
    /// `sqlite://…` or `postgres://…` (a secret: it may hold a password).
    pub url: Secret,
    /// Pool size (`DATABASE_MAX_CONNECTIONS`).
    pub max_connections: u32,
    /// How long a request waits for a pooled connection before a 503
    /// (`DATABASE_ACQUIRE_TIMEOUT`).
    pub acquire_timeout: Duration,
    /// SQLite's journal mode of a file database (`DATABASE_SQLITE_JOURNAL`, default `wal`).
    /// An in-memory database keeps its own (`memory`): it cannot use a write-ahead log.
    pub sqlite_journal: SqliteJournal,
    /// SQLite's `synchronous` setting (`DATABASE_SQLITE_SYNCHRONOUS`, default `normal`).
    pub sqlite_synchronous: SqliteSynchronous,
}

/// SQLite's journal mode (`PRAGMA journal_mode`), read from `DATABASE_SQLITE_JOURNAL`.
///
/// ```
/// use rustbe_core::config::SqliteJournal;
/// assert_eq!("WAL".parse::<SqliteJournal>(), Ok(SqliteJournal::Wal));
/// assert_eq!("delete".parse::<SqliteJournal>(), Ok(SqliteJournal::Delete));
/// assert!("fast".parse::<SqliteJournal>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SqliteJournal {
    /// A write-ahead log: readers do not block the writer (the default).
    #[default]
    Wal,
    /// A rollback journal deleted after each transaction (SQLite's own default).
    Delete,
    /// A rollback journal truncated after each transaction.
    Truncate,
    /// A rollback journal whose header is zeroed after each transaction.
    Persist,
}

impl std::str::FromStr for SqliteJournal {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "wal" => Ok(Self::Wal),
            "delete" => Ok(Self::Delete),
            "truncate" => Ok(Self::Truncate),
            "persist" => Ok(Self::Persist),
            _ => Err(format!("`{s}` is not wal, delete, truncate or persist")),
        }
    }
}

/// SQLite's `PRAGMA synchronous`, read from `DATABASE_SQLITE_SYNCHRONOUS`.
///
/// `Normal` (the default) in WAL mode syncs the log at checkpoints only: a power loss or an
/// OS crash can lose the last committed transactions, never corrupt the database; an
/// application crash loses nothing. `Full` syncs at every commit.
///
/// ```
/// use rustbe_core::config::SqliteSynchronous;
/// assert_eq!("normal".parse::<SqliteSynchronous>(), Ok(SqliteSynchronous::Normal));
/// assert_eq!("FULL".parse::<SqliteSynchronous>(), Ok(SqliteSynchronous::Full));
/// assert!("2".parse::<SqliteSynchronous>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SqliteSynchronous {
    /// No syncs at all: an OS crash or power loss can corrupt the database.
    Off,
    /// Sync at the critical moments only (the default).
    #[default]
    Normal,
    /// Sync at every commit.
    Full,
    /// As `Full`, and the directory after a rollback journal is deleted.
    Extra,
}

impl std::str::FromStr for SqliteSynchronous {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "off" => Ok(Self::Off),
            "normal" => Ok(Self::Normal),
            "full" => Ok(Self::Full),
            "extra" => Ok(Self::Extra),
            _ => Err(format!("`{s}` is not off, normal, full or extra")),
        }
    }
}

impl DatabaseConfig {
    /// Settings for `url` with the default pool (10 connections, 5 s acquire timeout) and
    /// SQLite in WAL mode with `synchronous=NORMAL`.
    ///
    /// ```
    /// use rustbe_core::config::{SqliteJournal, SqliteSynchronous};
    /// let db = rustbe_core::config::DatabaseConfig::new("sqlite::memory:");
    /// assert_eq!(db.max_connections, 10);
    /// assert_eq!(db.sqlite_journal, SqliteJournal::Wal);
    /// assert_eq!(db.sqlite_synchronous, SqliteSynchronous::Normal);
    /// ```
    #[must_use]
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: Secret::new(url),
            max_connections: 10,
            acquire_timeout: Duration::from_secs(5),
            sqlite_journal: SqliteJournal::default(),
            sqlite_synchronous: SqliteSynchronous::default(),
        }
    }
}

/// JWT settings, read here so every crate sees one configuration; used by rustbe-auth.
///
/// ```
/// use std::time::Duration;
/// let jwt = rustbe_core::config::Config::for_tests("shop").jwt;
/// assert_eq!(jwt.access_ttl, Duration::from_secs(15 * 60));
/// assert_eq!(jwt.refresh_ttl, Duration::from_secs(7 * 86_400));
/// assert_ne!(jwt.secret, jwt.refresh_secret);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct JwtConfig {
    /// HMAC secret of access tokens.
    pub secret: Secret,
    /// HMAC secret of refresh tokens.
    pub refresh_secret: Secret,
    /// Lifetime of access tokens.
    pub access_ttl: Duration,
    /// Lifetime of refresh tokens.
    pub refresh_ttl: Duration,
    /// Clock-skew allowance when checking `exp` and `nbf`.
    pub leeway: Duration,
}

/// SMTP settings, present when `SMTP_HOST` is set.
///
/// ```
/// use rustbe_core::config::{Config, SmtpTls};
/// let config = Config::from_lookup("shop", |k| (k == "SMTP_HOST").then(|| "mail.example".into())).unwrap();
/// let smtp = config.smtp.unwrap();
/// assert_eq!((smtp.port, smtp.tls), (587, SmtpTls::StartTls));
/// assert_eq!(smtp.from, "no-reply@shop.localhost");
/// assert!(Config::for_tests("shop").smtp.is_none());
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SmtpConfig {
    /// Server host.
    pub host: String,
    /// Server port (default 587 for STARTTLS, 465 for TLS, 25 otherwise).
    pub port: u16,
    /// User name, if the server wants one.
    pub user: Option<String>,
    /// Password, if the server wants one.
    pub pass: Option<Secret>,
    /// The `From` address.
    pub from: String,
    /// Transport security.
    pub tls: SmtpTls,
}

/// How the server treats connections (`HEADER_READ_TIMEOUT`, `IDLE_TIMEOUT`,
/// `MAX_CONNECTIONS`), read by [`crate::app::Server`].
///
/// ```
/// use std::time::Duration;
/// use rustbe_core::config::{Config, ServerConfig};
/// let server = Config::for_tests("shop").server;
/// assert_eq!(server.header_read_timeout, Duration::from_secs(10));
/// assert_eq!(server.idle_timeout, Duration::from_secs(60));
/// assert_eq!(server.max_connections, 1024);
/// let config = Config::from_lookup("shop", |k| (k == "MAX_CONNECTIONS").then(|| "64".into())).unwrap();
/// assert_eq!(config.server.max_connections, 64);
/// assert_eq!(ServerConfig::default().max_connections, 1024);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerConfig {
    /// How long a client has to send a request's head (request line and headers): from the
    /// connection's start for its first request, from the head's first byte for the next ones.
    /// A slow or silent client (slowloris) is disconnected after it. Default 10 s.
    pub header_read_timeout: Duration,
    /// How long a kept-alive connection may wait, with no request in flight, for the next
    /// request's first byte before it is closed. Default 60 s.
    pub idle_timeout: Duration,
    /// Connections served at once; one more waits (in the listen backlog, unanswered) until
    /// one closes. Default 1024.
    pub max_connections: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 1024,
        }
    }
}

impl ServerConfig {
    /// These settings with `timeout` to read a request head.
    ///
    /// ```
    /// use std::time::Duration;
    /// let server = rustbe_core::config::ServerConfig::default().header_read_timeout(Duration::from_secs(2));
    /// assert_eq!(server.header_read_timeout, Duration::from_secs(2));
    /// ```
    #[must_use]
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// These settings with `timeout` for an idle kept-alive connection.
    ///
    /// ```
    /// use std::time::Duration;
    /// let server = rustbe_core::config::ServerConfig::default().idle_timeout(Duration::from_secs(5));
    /// assert_eq!(server.idle_timeout, Duration::from_secs(5));
    /// ```
    #[must_use]
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// These settings with at most `max` connections at once (at least 1).
    ///
    /// ```
    /// let server = rustbe_core::config::ServerConfig::default().max_connections(0);
    /// assert_eq!(server.max_connections, 1);
    /// ```
    #[must_use]
    pub fn max_connections(mut self, max: usize) -> Self {
        self.max_connections = max.max(1);
        self
    }
}

/// The configuration of a rustbe app. See the module docs.
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
/// assert!(!config.warnings().is_empty(), "development secrets are announced");
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
    /// `JWT_*`.
    pub jwt: JwtConfig,
    /// `ALLOWED_ORIGINS`: exact origins; `*` alone allows any origin without credentials.
    pub allowed_origins: Vec<String>,
    /// `RATE_LIMIT`.
    pub rate_limit: Rate,
    /// `RATE_LIMIT_AUTH`: register, login and password resets per client address; by default
    /// `5/15m`, and `100/1m` when `APP_ENV=development` (someone trying the API logs in often).
    ///
    /// ```
    /// use rustbe_core::config::Config;
    /// let dev = Config::from_lookup("shop", |_| None).unwrap();
    /// assert_eq!((dev.rate_limit_auth.count, dev.rate_limit_auth.window.as_secs()), (100, 60));
    /// assert_eq!(Config::for_tests("shop").rate_limit_auth.count, 5, "APP_ENV=test is strict");
    /// ```
    pub rate_limit_auth: Rate,
    /// `RATE_LIMIT_ACCOUNT`: login and forgot-password per email address, whatever the
    /// client address; by default twice `RATE_LIMIT_AUTH` (`10/15m`): one person on two
    /// networks, never more guesses at one password than two addresses get.
    ///
    /// ```
    /// use rustbe_core::config::Config;
    /// assert_eq!(Config::for_tests("shop").rate_limit_account.count, 10);
    /// let config = Config::from_lookup("shop", |k| (k == "RATE_LIMIT_AUTH").then(|| "50/1m".into())).unwrap();
    /// assert_eq!((config.rate_limit_account.count, config.rate_limit_account.window.as_secs()), (100, 60));
    /// ```
    pub rate_limit_account: Rate,
    /// `RATE_LIMITS` (default on): `off` switches both limits off, for a deployment whose
    /// gateway limits already, or a benchmark. Announced as a warning in production.
    pub rate_limits: bool,
    /// `CACHE` (default on): `off` serves every read from the database
    /// ([`crate::cache::Cache::disabled`]).
    pub cache: bool,
    /// `TRUST_PROXY`.
    pub trust_proxy: bool,
    /// `SMTP_*`.
    pub smtp: Option<SmtpConfig>,
    /// `APP_URL`, without a trailing `/`.
    pub app_url: String,
    /// `ADMIN_EMAIL` and `ADMIN_PASSWORD`, when both are set.
    pub admin: Option<(String, Secret)>,
    /// `SEED_DEMO_DATA`.
    pub seed_demo_data: bool,
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

/// Why configuration was refused. The message names the variable; it never shows a secret.
///
/// ```
/// use rustbe_core::config::{Config, ConfigError};
/// let err = Config::from_lookup("shop", |k| (k == "APP_ENV").then(|| "production".into())).unwrap_err();
/// assert_eq!(err, ConfigError::Missing("DATABASE_URL"));
/// assert_eq!(err.to_string(), "DATABASE_URL must be set when APP_ENV=production");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A variable production requires is not set.
    #[error("{0} must be set when APP_ENV=production")]
    Missing(&'static str),
    /// A variable's value cannot be used.
    #[error("{var} is invalid: {reason}")]
    Invalid {
        /// The variable.
        var: &'static str,
        /// Why.
        reason: String,
    },
}

impl Config {
    /// Loads from the process environment, then from `.env` in the working directory for
    /// variables the environment does not set. The environment is never modified.
    ///
    /// ```no_run
    /// let config = rustbe_core::config::Config::from_env("shop").expect("valid configuration");
    /// ```
    pub fn from_env(app_name: &str) -> Result<Self, ConfigError> {
        let dotenv: HashMap<String, String> = dotenvy::from_filename_iter(".env")
            .map(|iter| iter.filter_map(Result::ok).collect())
            .unwrap_or_default();
        Self::from_lookup(app_name, |key| {
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
    pub fn from_lookup(
        app_name: &str,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let get = |key: &str| {
            lookup(key)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let invalid = |var: &'static str, reason: String| ConfigError::Invalid { var, reason };
        let mut warnings = Vec::new();

        let env = match get("APP_ENV").as_deref() {
            None | Some("development") => AppEnv::Development,
            Some("test") => AppEnv::Test,
            Some("production") => AppEnv::Production,
            Some(other) => {
                return Err(invalid(
                    "APP_ENV",
                    format!("`{other}` is not development, test or production"),
                ));
            }
        };
        let production = env == AppEnv::Production;
        let required = |var: &'static str| -> Result<Option<String>, ConfigError> {
            match get(var) {
                None if production => Err(ConfigError::Missing(var)),
                value => Ok(value),
            }
        };

        let duration = |var: &'static str, default: Duration| -> Result<Duration, ConfigError> {
            get(var).map_or(Ok(default), |v| {
                parse_duration(&v).map_err(|r| invalid(var, r))
            })
        };
        let positive = |var: &'static str, default: Duration| -> Result<Duration, ConfigError> {
            let d = duration(var, default)?;
            if d.is_zero() {
                Err(invalid(var, "must be longer than zero".into()))
            } else {
                Ok(d)
            }
        };
        let number =
            |var: &'static str, default: u64, min: u64, max: u64| -> Result<u64, ConfigError> {
                get(var).map_or(Ok(default), |v| {
                    v.parse::<u64>()
                        .ok()
                        .filter(|n| (min..=max).contains(n))
                        .ok_or_else(|| {
                            invalid(var, format!("must be a whole number from {min} to {max}"))
                        })
                })
            };
        let boolean = |var: &'static str, default: bool| -> Result<bool, ConfigError> {
            get(var).map_or(Ok(default), |v| parse_bool(&v).map_err(|r| invalid(var, r)))
        };
        let rate = |var: &'static str, default: &str| -> Result<Rate, ConfigError> {
            get(var)
                .as_deref()
                .unwrap_or(default)
                .parse()
                .map_err(|r| invalid(var, r))
        };

        let database_url =
            required("DATABASE_URL")?.unwrap_or_else(|| format!("sqlite://{app_name}.db?mode=rwc"));
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(invalid(
                "DATABASE_URL",
                "must start with sqlite: or postgres://".into(),
            ));
        }
        let database = DatabaseConfig {
            url: Secret::new(database_url),
            max_connections: u32::try_from(number("DATABASE_MAX_CONNECTIONS", 10, 1, 10_000)?)
                .unwrap_or(10),
            acquire_timeout: positive("DATABASE_ACQUIRE_TIMEOUT", Duration::from_secs(5))?,
            sqlite_journal: get("DATABASE_SQLITE_JOURNAL").map_or(Ok(SqliteJournal::Wal), |v| {
                v.parse().map_err(|r| invalid("DATABASE_SQLITE_JOURNAL", r))
            })?,
            sqlite_synchronous: get("DATABASE_SQLITE_SYNCHRONOUS").map_or(
                Ok(SqliteSynchronous::Normal),
                |v| {
                    v.parse()
                        .map_err(|r| invalid("DATABASE_SQLITE_SYNCHRONOUS", r))
                },
            )?,
        };

        let secret = |var: &'static str| -> Result<Secret, ConfigError> {
            match required(var)? {
                Some(value) if value.len() < MIN_SECRET_LEN && production => Err(invalid(
                    var,
                    format!("must be at least {MIN_SECRET_LEN} bytes long"),
                )),
                Some(value) if production && distinct_bytes(&value) < MIN_SECRET_DISTINCT => {
                    Err(invalid(
                        var,
                        format!(
                            "has too little entropy: at least {MIN_SECRET_DISTINCT} different \
                             characters (generate one with `openssl rand -base64 48`)"
                        ),
                    ))
                }
                Some(value) => Ok(Secret::new(value)),
                // Outside production an unset secret is a fresh random one for this process
                // (development and `APP_ENV=test` alike), so no server that binds a port ever
                // accepts tokens signed with a secret printed in our source. Only
                // `Config::for_tests`, for in-process tests, uses the fixed ones.
                None => Ok(Secret::new(format!(
                    "{}{}",
                    uuid::Uuid::new_v4().simple(),
                    uuid::Uuid::new_v4().simple()
                ))),
            }
        };
        let jwt_secret = secret("JWT_SECRET")?;
        let jwt_refresh_secret = secret("JWT_REFRESH_SECRET")?;
        if jwt_secret == jwt_refresh_secret {
            return Err(invalid(
                "JWT_REFRESH_SECRET",
                "must differ from JWT_SECRET".into(),
            ));
        }
        for var in ["JWT_SECRET", "JWT_REFRESH_SECRET"] {
            if get(var).is_none() {
                warnings.push(format!(
                    "{var} is not set, so this process signs tokens with a random secret and \
                     every token stops working when it exits. Set {var} to a random string of \
                     at least {MIN_SECRET_LEN} characters (e.g. `openssl rand -base64 48`) to \
                     keep sessions across restarts; production refuses to start without it."
                ));
            }
        }
        let leeway = duration("JWT_LEEWAY", Duration::from_secs(5))?;
        if leeway > MAX_LEEWAY {
            return Err(invalid("JWT_LEEWAY", "must be at most 60s".into()));
        }
        let jwt = JwtConfig {
            secret: jwt_secret,
            refresh_secret: jwt_refresh_secret,
            access_ttl: positive("JWT_ACCESS_TTL", Duration::from_secs(15 * 60))?,
            refresh_ttl: positive("JWT_REFRESH_TTL", Duration::from_secs(7 * 86_400))?,
            leeway,
        };

        let allowed_origins: Vec<String> = get("ALLOWED_ORIGINS")
            .map(|v| {
                v.split(',')
                    .map(|o| o.trim().trim_end_matches('/').to_owned())
                    .filter(|o| !o.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        for origin in &allowed_origins {
            let valid = origin == "*" && allowed_origins.len() == 1
                || (origin.starts_with("http://") || origin.starts_with("https://"))
                    && http::HeaderValue::from_str(origin).is_ok();
            if !valid {
                return Err(invalid(
                    "ALLOWED_ORIGINS",
                    format!(
                        "`{origin}` is not an origin such as https://shop.example (or `*` alone)"
                    ),
                ));
            }
        }

        let smtp = match get("SMTP_HOST") {
            None => None,
            Some(host) => {
                let tls = match get("SMTP_TLS").as_deref() {
                    None | Some("starttls") => SmtpTls::StartTls,
                    Some("tls") => SmtpTls::Tls,
                    Some("none") => SmtpTls::None,
                    Some(other) => {
                        return Err(invalid(
                            "SMTP_TLS",
                            format!("`{other}` is not none, starttls or tls"),
                        ));
                    }
                };
                let default_port = match tls {
                    SmtpTls::StartTls => 587,
                    SmtpTls::Tls => 465,
                    SmtpTls::None => 25,
                };
                Some(SmtpConfig {
                    host,
                    port: u16::try_from(number("SMTP_PORT", default_port, 1, 65_535)?)
                        .unwrap_or(default_port as u16),
                    user: get("SMTP_USER"),
                    pass: get("SMTP_PASS").map(Secret::new),
                    from: get("SMTP_FROM")
                        .unwrap_or_else(|| format!("no-reply@{app_name}.localhost")),
                    tls,
                })
            }
        };

        let admin = match (get("ADMIN_EMAIL"), get("ADMIN_PASSWORD")) {
            (Some(email), Some(password)) => Some((email, Secret::new(password))),
            (None, None) => None,
            (Some(_), None) => {
                return Err(invalid(
                    "ADMIN_PASSWORD",
                    "must be set together with ADMIN_EMAIL".into(),
                ));
            }
            (None, Some(_)) => {
                return Err(invalid(
                    "ADMIN_EMAIL",
                    "must be set together with ADMIN_PASSWORD".into(),
                ));
            }
        };

        // Development is generous: a person trying the API logs in far more often than five
        // times in a quarter of an hour. Test and production keep the strict default.
        let auth_default = if env == AppEnv::Development {
            "100/1m"
        } else {
            "5/15m"
        };
        let rate_limit_auth = rate("RATE_LIMIT_AUTH", auth_default)?;
        let rate_limit_account = match get("RATE_LIMIT_ACCOUNT") {
            Some(_) => rate("RATE_LIMIT_ACCOUNT", "10/15m")?,
            None => Rate {
                count: rate_limit_auth.count.saturating_mul(2),
                window: rate_limit_auth.window,
            },
        };
        let seed_demo_data = boolean("SEED_DEMO_DATA", env == AppEnv::Development)?;
        if seed_demo_data && production {
            return Err(invalid(
                "SEED_DEMO_DATA",
                "must not be true when APP_ENV=production: the demo accounts' passwords are public"
                    .into(),
            ));
        }
        let rate_limits = boolean("RATE_LIMITS", true)?;
        if !rate_limits && env == AppEnv::Production {
            warnings.push(
                "RATE_LIMITS=off: no request is rate limited (RATE_LIMIT and RATE_LIMIT_AUTH are ignored)"
                    .into(),
            );
        }
        let body_limit = get("BODY_LIMIT").map_or(Ok(1024 * 1024), |v| {
            parse_size(&v).map_err(|r| invalid("BODY_LIMIT", r))
        })?;
        if body_limit == 0 {
            return Err(invalid("BODY_LIMIT", "must be larger than zero".into()));
        }
        let log_format = match get("LOG_FORMAT").as_deref() {
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(invalid(
                    "LOG_FORMAT",
                    format!("`{other}` is not json or pretty"),
                ));
            }
        };
        let metrics = observability::metrics(&get, &boolean, &mut warnings)?;
        let otel = observability::otel(app_name, &get, &mut warnings)?;

        Ok(Self {
            app_name: app_name.to_owned(),
            env,
            host: get("HOST").unwrap_or_else(|| "127.0.0.1".into()),
            port: u16::try_from(number("PORT", 8080, 0, 65_535)?).unwrap_or(8080),
            database,
            redis_url: get("REDIS_URL").map(Secret::new),
            jwt,
            allowed_origins,
            rate_limit: rate("RATE_LIMIT", "100/15m")?,
            rate_limit_auth,
            rate_limit_account,
            rate_limits,
            cache: boolean("CACHE", true)?,
            trust_proxy: boolean("TRUST_PROXY", false)?,
            smtp,
            app_url: get("APP_URL")
                .unwrap_or_else(|| "http://localhost:8080".into())
                .trim_end_matches('/')
                .to_owned(),
            admin,
            seed_demo_data,
            body_limit,
            request_timeout: positive("REQUEST_TIMEOUT", Duration::from_secs(30))?,
            log_format,
            metrics,
            otel,
            server: ServerConfig {
                header_read_timeout: positive("HEADER_READ_TIMEOUT", Duration::from_secs(10))?,
                idle_timeout: positive("IDLE_TIMEOUT", Duration::from_secs(60))?,
                max_connections: usize::try_from(number("MAX_CONNECTIONS", 1024, 1, 1_000_000)?)
                    .unwrap_or(1024),
            },
            warnings,
        })
    }

    /// Settings for in-process tests: development defaults, an in-memory SQLite database, no
    /// `.env`, and fixed JWT secrets (so two calls give configurations that accept each
    /// other's tokens). Those secrets are in our source: nothing that serves a port may use
    /// them, and [`Config::from_env`] never does (`APP_ENV=test` without secrets gets random
    /// ones, like development).
    ///
    /// ```
    /// use rustbe_core::config::{AppEnv, Config};
    /// let config = Config::for_tests("shop");
    /// assert_eq!(config.env, AppEnv::Test);
    /// assert_eq!(config.jwt.secret, Config::for_tests("shop").jwt.secret);
    /// let served = Config::from_lookup("shop", |k| (k == "APP_ENV").then(|| "test".into())).unwrap();
    /// assert_ne!(served.jwt.secret, config.jwt.secret, "APP_ENV=test alone gets random secrets");
    /// ```
    #[must_use]
    pub fn for_tests(app_name: &str) -> Self {
        let mut config = Self::from_lookup(app_name, |key| match key {
            "APP_ENV" => Some("test".into()),
            "DATABASE_URL" => Some("sqlite::memory:".into()),
            "JWT_SECRET" => Some(DEV_JWT_SECRET.into()),
            "JWT_REFRESH_SECRET" => Some(DEV_JWT_REFRESH_SECRET.into()),
            _ => None,
        })
        .unwrap_or_else(|_| unreachable!("the test configuration is valid"));
        config.warnings.clear();
        config
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

    /// Things worth a loud warning at start (development secrets in use, …).
    ///
    /// ```
    /// use rustbe_core::config::Config;
    /// let dev = Config::from_lookup("shop", |_| None).unwrap();
    /// assert!(dev.warnings().iter().any(|w| w.starts_with("JWT_SECRET is not set")));
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
