//! rustbe-auth's section of the configuration: [`AuthConfig`] (`JWT_*`, `SMTP_*`, `APP_URL`,
//! `RATE_LIMIT_AUTH`, `RATE_LIMIT_ACCOUNT`, `ADMIN_*`), read beside rustbe-core's
//! [`Config`] with
//! [`Config::from_env_with`].

use std::time::Duration;

use rustbe_core::config::{AppEnv, Config, MIN_SECRET_LEN, Rate, Secret, Section, Vars};

/// The largest clock-skew allowance accepted (`JWT_LEEWAY`).
///
/// ```
/// use rustbe_auth::config::{AuthConfig, MAX_LEEWAY};
/// assert_eq!(MAX_LEEWAY.as_secs(), 60);
/// let err = AuthConfig::from_lookup("shop", |k| (k == "JWT_LEEWAY").then(|| "61s".into())).unwrap_err();
/// assert_eq!(err.to_string(), "JWT_LEEWAY is invalid: must be at most 60s");
/// ```
pub const MAX_LEEWAY: Duration = Duration::from_secs(60);

const TEST_JWT_SECRET: &str = "rustbe-development-access-secret-do-not-deploy";
const TEST_JWT_REFRESH_SECRET: &str = "rustbe-development-refresh-secret-do-not-deploy";

/// What rustbe-auth reads from the environment.
///
/// ```
/// use rustbe_auth::config::AuthConfig;
/// use rustbe_core::config::Config;
///
/// let (config, auth) = Config::from_lookup_with::<AuthConfig>("shop", |key| match key {
///     "PORT" => Some("9000".into()),
///     "APP_URL" => Some("https://shop.example/".into()),
///     _ => None,
/// }).unwrap();
/// assert_eq!((config.port, auth.app_url.as_str()), (9000, "https://shop.example"));
/// assert_eq!(auth.issuer, "shop");
/// assert!(config.warnings().iter().any(|w| w.starts_with("JWT_SECRET is not set")), "announced at start");
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AuthConfig {
    /// The tokens' issuer and audience: the app's name.
    pub issuer: String,
    /// `JWT_*`.
    pub jwt: JwtConfig,
    /// `SMTP_*`, when `SMTP_HOST` is set.
    pub smtp: Option<SmtpConfig>,
    /// `APP_URL`, without a trailing `/`: the links of the mails.
    pub app_url: String,
    /// `RATE_LIMIT_AUTH`: register, login and password resets per client address; by default
    /// `5/15m`, and `100/1m` when `APP_ENV=development` (someone trying the API logs in often).
    ///
    /// ```
    /// use rustbe_auth::config::AuthConfig;
    /// let dev = AuthConfig::from_lookup("shop", |_| None).unwrap();
    /// assert_eq!((dev.rate_limit_auth.count, dev.rate_limit_auth.window.as_secs()), (100, 60));
    /// assert_eq!(AuthConfig::for_tests("shop").rate_limit_auth.count, 5, "APP_ENV=test is strict");
    /// ```
    pub rate_limit_auth: Rate,
    /// `RATE_LIMIT_ACCOUNT`: login and forgot-password per email address, whatever the
    /// client address; by default twice `RATE_LIMIT_AUTH` (`10/15m`): one person on two
    /// networks, never more guesses at one password than two addresses get.
    ///
    /// ```
    /// use rustbe_auth::config::AuthConfig;
    /// assert_eq!(AuthConfig::for_tests("shop").rate_limit_account.count, 10);
    /// let config = AuthConfig::from_lookup("shop", |k| (k == "RATE_LIMIT_AUTH").then(|| "50/1m".into())).unwrap();
    /// assert_eq!((config.rate_limit_account.count, config.rate_limit_account.window.as_secs()), (100, 60));
    /// ```
    pub rate_limit_account: Rate,
    /// `ADMIN_EMAIL` and `ADMIN_PASSWORD`, when both are set: the account
    /// [`AuthService::bootstrap_admin`](crate::AuthService::bootstrap_admin) makes sure of.
    pub admin: Option<(String, Secret)>,
}

/// JWT settings (`JWT_SECRET`, `JWT_REFRESH_SECRET`, `JWT_ACCESS_TTL`, `JWT_REFRESH_TTL`,
/// `JWT_LEEWAY`).
///
/// ```
/// use std::time::Duration;
/// let jwt = rustbe_auth::config::AuthConfig::for_tests("shop").jwt;
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
/// use rustbe_auth::config::{AuthConfig, SmtpTls};
/// let config = AuthConfig::from_lookup("shop", |k| (k == "SMTP_HOST").then(|| "mail.example".into())).unwrap();
/// let smtp = config.smtp.unwrap();
/// assert_eq!((smtp.port, smtp.tls), (587, SmtpTls::StartTls));
/// assert_eq!(smtp.from, "no-reply@shop.localhost");
/// assert!(AuthConfig::for_tests("shop").smtp.is_none());
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

/// How SMTP connections are secured (`SMTP_TLS`: `starttls`, the default, `tls` or `none`).
///
/// ```
/// use rustbe_auth::config::{AuthConfig, SmtpTls};
/// let config = AuthConfig::from_lookup("shop", |key| match key {
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

impl Section for AuthConfig {
    fn read(vars: &mut Vars<'_>) -> Self {
        // Development is generous: a person trying the API logs in far more often than five
        // times in a quarter of an hour. Test and production keep the strict default.
        let auth_default = if vars.app_env() == AppEnv::Development {
            Rate::per(100, Duration::from_secs(60))
        } else {
            Rate::per(5, Duration::from_secs(15 * 60))
        };
        let rate_limit_auth = vars.rate("RATE_LIMIT_AUTH", auth_default);
        let twice = Rate::per(
            rate_limit_auth.count.saturating_mul(2),
            rate_limit_auth.window,
        );
        Self {
            issuer: vars.app_name().to_owned(),
            jwt: JwtConfig::read(vars),
            smtp: smtp(vars),
            app_url: vars
                .get("APP_URL")
                .unwrap_or_else(|| "http://localhost:8080".into())
                .trim_end_matches('/')
                .to_owned(),
            rate_limit_auth,
            rate_limit_account: vars.rate("RATE_LIMIT_ACCOUNT", twice),
            admin: admin(vars),
        }
    }
}

impl Section for JwtConfig {
    fn read(vars: &mut Vars<'_>) -> Self {
        let secret = vars.secret("JWT_SECRET");
        let refresh_secret = vars.secret("JWT_REFRESH_SECRET");
        if vars.is_set("JWT_SECRET") && secret == refresh_secret {
            vars.invalid("JWT_REFRESH_SECRET", "must differ from JWT_SECRET");
        }
        for var in ["JWT_SECRET", "JWT_REFRESH_SECRET"] {
            if !vars.is_set(var) && !vars.is_production() {
                vars.warn(format!(
                    "{var} is not set, so this process signs tokens with a random secret and \
                     every token stops working when it exits. Set {var} to a random string of \
                     at least {MIN_SECRET_LEN} characters (e.g. `openssl rand -base64 48`) to \
                     keep sessions across restarts; production refuses to start without it."
                ));
            }
        }
        let leeway = vars.parse_with("JWT_LEEWAY", Duration::from_secs(5), |value| {
            match rustbe_core::config::parse_duration(value)? {
                leeway if leeway > MAX_LEEWAY => Err("must be at most 60s".into()),
                leeway => Ok(leeway),
            }
        });
        Self {
            secret,
            refresh_secret,
            access_ttl: vars.positive("JWT_ACCESS_TTL", Duration::from_secs(15 * 60)),
            refresh_ttl: vars.positive("JWT_REFRESH_TTL", Duration::from_secs(7 * 86_400)),
            leeway,
        }
    }
}

/// `SMTP_*`, when `SMTP_HOST` is set.
fn smtp(vars: &mut Vars<'_>) -> Option<SmtpConfig> {
    let host = vars.get("SMTP_HOST")?;
    let tls = vars.choice(
        "SMTP_TLS",
        SmtpTls::StartTls,
        &[
            ("none", SmtpTls::None),
            ("starttls", SmtpTls::StartTls),
            ("tls", SmtpTls::Tls),
        ],
    );
    let default_port = match tls {
        SmtpTls::StartTls => 587,
        SmtpTls::Tls => 465,
        SmtpTls::None => 25,
    };
    Some(SmtpConfig {
        host,
        port: vars.number("SMTP_PORT", default_port, 1, 65_535),
        user: vars.get("SMTP_USER"),
        pass: vars.get("SMTP_PASS").map(Secret::new),
        from: vars
            .get("SMTP_FROM")
            .unwrap_or_else(|| format!("no-reply@{}.localhost", vars.app_name())),
        tls,
    })
}

/// `ADMIN_EMAIL` and `ADMIN_PASSWORD`: both or neither.
fn admin(vars: &mut Vars<'_>) -> Option<(String, Secret)> {
    match (vars.get("ADMIN_EMAIL"), vars.get("ADMIN_PASSWORD")) {
        (Some(email), Some(password)) => Some((email, Secret::new(password))),
        (None, None) => None,
        (Some(_), None) => {
            vars.invalid("ADMIN_PASSWORD", "must be set together with ADMIN_EMAIL");
            None
        }
        (None, Some(_)) => {
            vars.invalid("ADMIN_EMAIL", "must be set together with ADMIN_PASSWORD");
            None
        }
    }
}

impl AuthConfig {
    /// Only this section, from `lookup` (rustbe-core's variables are read too, so an app
    /// gets the same answer here as from
    /// [`Config::from_lookup_with`]).
    ///
    /// ```
    /// use rustbe_auth::config::AuthConfig;
    /// let errors = AuthConfig::from_lookup("shop", |key| match key {
    ///     "JWT_ACCESS_TTL" => Some("0s".into()),
    ///     "SMTP_HOST" => Some("mail.example".into()),
    ///     "SMTP_TLS" => Some("ssl".into()),
    ///     _ => None,
    /// }).unwrap_err();
    /// let named: Vec<_> = errors.iter().map(|e| e.var()).collect();
    /// assert_eq!(named, ["JWT_ACCESS_TTL", "SMTP_TLS"]);
    /// ```
    ///
    /// # Errors
    /// Every variable that is missing in production or invalid.
    pub fn from_lookup(
        app_name: &str,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, rustbe_core::config::ConfigErrors> {
        Config::from_lookup_with(app_name, lookup).map(|(_, auth)| auth)
    }

    /// Settings for in-process tests: `APP_ENV=test` defaults and fixed JWT secrets, so two
    /// calls give configurations that accept each other's tokens. Those secrets are in our
    /// source: nothing that serves a port may use them, and
    /// [`Config::from_env_with`] never does
    /// (`APP_ENV=test` without secrets gets random ones, like development).
    ///
    /// ```
    /// use rustbe_auth::config::AuthConfig;
    /// let config = AuthConfig::for_tests("shop");
    /// assert_eq!(config.jwt.secret, AuthConfig::for_tests("shop").jwt.secret);
    /// let served = AuthConfig::from_lookup("shop", |k| (k == "APP_ENV").then(|| "test".into())).unwrap();
    /// assert_ne!(served.jwt.secret, config.jwt.secret, "APP_ENV=test alone gets random secrets");
    /// ```
    #[must_use]
    pub fn for_tests(app_name: &str) -> Self {
        Self::from_lookup(app_name, |key| match key {
            "JWT_SECRET" => Some(TEST_JWT_SECRET.into()),
            "JWT_REFRESH_SECRET" => Some(TEST_JWT_REFRESH_SECRET.into()),
            _ => Config::test_vars(key),
        })
        .unwrap_or_else(|_| unreachable!("the test configuration is valid"))
    }
}

#[cfg(test)]
mod tests;
