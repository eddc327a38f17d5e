//! The shop's configuration: rustbe's [`Config`], rustbe-auth's [`AuthConfig`] and the
//! shop's own `SEED_DEMO_DATA`, read from the environment in one pass.

use rustbe_auth::AuthConfig;
use rustbe_core::config::{AppEnv, Config, ConfigErrors, Section, Vars};

use crate::APP_NAME;

/// Everything the shop is configured by.
///
/// ```
/// let settings = shop::Settings::from_lookup(|k| (k == "PORT").then(|| "9000".into())).unwrap();
/// assert_eq!(settings.core.port, 9000);
/// assert!(settings.seed_demo_data, "development seeds the demo data");
/// let errors = shop::Settings::from_lookup(|k| match k {
///     "PORT" => Some("http".into()),
///     "JWT_LEEWAY" => Some("2m".into()),
///     "SEED_DEMO_DATA" => Some("maybe".into()),
///     _ => None,
/// }).unwrap_err();
/// assert_eq!(errors.len(), 3, "every bad variable at once: {errors}");
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Settings {
    /// Server, database, Redis, limits, cache, logging and telemetry.
    pub core: Config,
    /// Tokens, mail, the auth limits and the admin account.
    pub auth: AuthConfig,
    /// `SEED_DEMO_DATA` (default: in development only; refused in production, whose demo
    /// passwords would be public): put the demo catalogue and accounts into an empty database.
    pub seed_demo_data: bool,
}

struct SeedDemoData(bool);

impl Section for SeedDemoData {
    fn read(vars: &mut Vars<'_>) -> Self {
        let seed = vars.boolean("SEED_DEMO_DATA", vars.app_env() == AppEnv::Development);
        if seed && vars.is_production() {
            vars.invalid(
                "SEED_DEMO_DATA",
                "must not be true when APP_ENV=production: the demo accounts' passwords are public",
            );
        }
        Self(seed)
    }
}

impl Settings {
    /// From the process environment and `.env`.
    ///
    /// # Errors
    /// Every variable that is missing in production or invalid.
    pub fn from_env() -> Result<Self, ConfigErrors> {
        Config::from_env_with(APP_NAME).map(Self::new)
    }

    /// From `lookup` (tests pass a map).
    ///
    /// # Errors
    /// Every variable that is missing in production or invalid.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigErrors> {
        Config::from_lookup_with(APP_NAME, lookup).map(Self::new)
    }

    /// For in-process tests: `APP_ENV=test`, an in-memory database, fixed JWT secrets.
    ///
    /// ```
    /// let settings = shop::Settings::for_tests();
    /// assert!(!settings.seed_demo_data);
    /// assert_eq!(settings.auth.jwt.secret, shop::Settings::for_tests().auth.jwt.secret);
    /// ```
    #[must_use]
    pub fn for_tests() -> Self {
        Self {
            core: Config::for_tests(APP_NAME),
            auth: AuthConfig::for_tests(APP_NAME),
            seed_demo_data: false,
        }
    }

    fn new(
        (core, (auth, SeedDemoData(seed_demo_data))): (Config, (AuthConfig, SeedDemoData)),
    ) -> Self {
        Self {
            core,
            auth,
            seed_demo_data,
        }
    }
}
