//! Reading variables: [`Vars`], the checked reader every [`Section`] of the configuration is
//! read through, which collects every bad variable instead of stopping at the first.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use super::{AppEnv, Rate, Secret, parse_bool, parse_duration};

/// The shortest secret [`Vars::secret`] accepts in production.
///
/// ```
/// # use rustbe_core::config::{Vars, MIN_SECRET_LEN};
/// let short = "s".repeat(MIN_SECRET_LEN - 1);
/// let lookup = |key: &str| match key {
///     "APP_ENV" => Some("production".to_owned()),
///     "SIGNING_KEY" => Some(short.clone()),
///     _ => None,
/// };
/// let mut vars = Vars::new("shop", &lookup);
/// vars.secret("SIGNING_KEY");
/// let err = vars.finish().unwrap_err();
/// assert_eq!(err.to_string(), "SIGNING_KEY is invalid: must be at least 32 bytes long");
/// ```
pub const MIN_SECRET_LEN: usize = 32;

/// The fewest different bytes a secret must have in production: 32 times the same letter, or
/// a short word repeated, is long enough but guessable. A random base64 secret of 32 bytes has
/// about 25 different ones; this refuses only the obviously patterned.
///
/// ```
/// # use rustbe_core::config::Vars;
/// let lookup = |key: &str| match key {
///     "APP_ENV" => Some("production".to_owned()),
///     "SIGNING_KEY" => Some("a".repeat(32)),
///     _ => None,
/// };
/// let mut vars = Vars::new("shop", &lookup);
/// vars.secret("SIGNING_KEY");
/// assert!(vars.finish().unwrap_err().to_string().starts_with("SIGNING_KEY is invalid: has too little entropy"));
/// ```
pub const MIN_SECRET_DISTINCT: usize = 10;

/// One part of an app's configuration, read from the environment through [`Vars`]: rustbe's
/// own [`Config`](super::Config), rustbe-auth's `AuthConfig`, an app's settings. A section
/// records what is wrong in `vars` and goes on with the default, so loading reports every
/// bad variable of every section at once
/// ([`Config::from_env_with`](super::Config::from_env_with)). Tuples of sections are sections.
///
/// ```
/// use rustbe_core::config::{Config, Section, Vars};
///
/// struct Shop {
///     seed_demo_data: bool,
/// }
///
/// impl Section for Shop {
///     fn read(vars: &mut Vars<'_>) -> Self {
///         let development = vars.app_env() == rustbe_core::config::AppEnv::Development;
///         Self { seed_demo_data: vars.boolean("SEED_DEMO_DATA", development) }
///     }
/// }
///
/// let (config, shop) = Config::from_lookup_with::<Shop>("shop", |_| None).unwrap();
/// assert!(shop.seed_demo_data && config.port == 8080);
/// let Err(errors) = Config::from_lookup_with::<Shop>("shop", |key| match key {
///     "PORT" => Some("http".into()),
///     "SEED_DEMO_DATA" => Some("maybe".into()),
///     _ => None,
/// }) else { unreachable!() };
/// let named: Vec<_> = errors.iter().map(|e| e.var()).collect();
/// assert_eq!(named, ["PORT", "SEED_DEMO_DATA"], "every bad variable at once");
/// ```
pub trait Section: Sized {
    /// Reads the section; what is wrong goes to `vars` ([`Vars::invalid`]).
    fn read(vars: &mut Vars<'_>) -> Self;
}

impl Section for () {
    fn read(_: &mut Vars<'_>) -> Self {}
}

impl<A: Section, B: Section> Section for (A, B) {
    fn read(vars: &mut Vars<'_>) -> Self {
        (A::read(vars), B::read(vars))
    }
}

impl<A: Section, B: Section, C: Section> Section for (A, B, C) {
    fn read(vars: &mut Vars<'_>) -> Self {
        (A::read(vars), B::read(vars), C::read(vars))
    }
}

/// Why one variable was refused. The message names the variable; it never shows a secret.
///
/// ```
/// use rustbe_core::config::{Config, ConfigError};
/// let errors = Config::from_lookup("shop", |k| (k == "APP_ENV").then(|| "production".into())).unwrap_err();
/// assert_eq!(errors.first(), &ConfigError::Missing("DATABASE_URL"));
/// assert_eq!(errors.first().to_string(), "DATABASE_URL must be set when APP_ENV=production");
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

impl ConfigError {
    /// The variable this is about.
    ///
    /// ```
    /// use rustbe_core::config::ConfigError;
    /// assert_eq!(ConfigError::Missing("DATABASE_URL").var(), "DATABASE_URL");
    /// ```
    #[must_use]
    pub fn var(&self) -> &'static str {
        match self {
            Self::Missing(var) | Self::Invalid { var, .. } => var,
        }
    }
}

/// Every variable a configuration refused, in the order they were read (never empty).
/// Displayed as one line for one error and as a list for more.
///
/// ```
/// use rustbe_core::config::Config;
/// let errors = Config::from_lookup("shop", |key| match key {
///     "PORT" => Some("http".into()),
///     "LOG_FORMAT" => Some("xml".into()),
///     _ => None,
/// }).unwrap_err();
/// assert_eq!(errors.len(), 2);
/// assert_eq!(errors.to_string(), "2 configuration variables are invalid:\n  \
///     PORT is invalid: must be a whole number from 0 to 65535\n  \
///     LOG_FORMAT is invalid: `xml` is not pretty or json");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(Vec<ConfigError>);

impl ConfigErrors {
    /// The first error read.
    #[must_use]
    pub fn first(&self) -> &ConfigError {
        &self.0[0]
    }

    /// How many there are (at least one).
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Never: a `ConfigErrors` holds at least one error (for clippy's `len` rule).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Each error, in the order read.
    pub fn iter(&self) -> std::slice::Iter<'_, ConfigError> {
        self.0.iter()
    }
}

impl<'a> IntoIterator for &'a ConfigErrors {
    type Item = &'a ConfigError;
    type IntoIter = std::slice::Iter<'a, ConfigError>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let [one] = self.0.as_slice() {
            return one.fmt(f);
        }
        write!(f, "{} configuration variables are invalid:", self.0.len())?;
        for error in &self.0 {
            write!(f, "\n  {error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// The environment's variables as a configuration reads them: trimmed (an empty value is
/// unset), parsed as their type, with production's requirements. A bad value is recorded and
/// the default is returned, so one pass finds every bad variable; [`Vars::finish`] gives
/// them all, or the warnings to announce at start.
///
/// ```
/// use std::time::Duration;
/// use rustbe_core::config::Vars;
/// let lookup = |key: &str| match key {
///     "WORKERS" => Some(" 4 ".to_owned()),
///     "POLL_EVERY" => Some("30s".to_owned()),
///     _ => None,
/// };
/// let mut vars = Vars::new("jobs", &lookup);
/// assert_eq!(vars.number("WORKERS", 2_u16, 1, 64), 4);
/// assert_eq!(vars.positive("POLL_EVERY", Duration::from_secs(5)), Duration::from_secs(30));
/// assert!(vars.boolean("VERBOSE", true));
/// assert!(vars.finish().is_ok());
/// ```
pub struct Vars<'a> {
    app_name: &'a str,
    env: AppEnv,
    lookup: &'a dyn Fn(&str) -> Option<String>,
    errors: Vec<ConfigError>,
    warnings: Vec<String>,
}

impl fmt::Debug for Vars<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vars")
            .field("app_name", &self.app_name)
            .field("env", &self.env)
            .field("errors", &self.errors)
            .finish_non_exhaustive()
    }
}

impl<'a> Vars<'a> {
    /// A reader over `lookup` (the process environment, a map in tests), for the app
    /// `app_name`. `APP_ENV` is read first: `development` (the default), `test` or
    /// `production`.
    #[must_use]
    pub fn new(app_name: &'a str, lookup: &'a dyn Fn(&str) -> Option<String>) -> Self {
        let mut vars = Self {
            app_name,
            env: AppEnv::Development,
            lookup,
            errors: Vec::new(),
            warnings: Vec::new(),
        };
        vars.env = vars.choice(
            "APP_ENV",
            AppEnv::Development,
            &[
                ("development", AppEnv::Development),
                ("test", AppEnv::Test),
                ("production", AppEnv::Production),
            ],
        );
        vars
    }

    /// The app's name.
    #[must_use]
    pub fn app_name(&self) -> &'a str {
        self.app_name
    }

    /// `APP_ENV`.
    #[must_use]
    pub fn app_env(&self) -> AppEnv {
        self.env
    }

    /// Is this production?
    #[must_use]
    pub fn is_production(&self) -> bool {
        self.env == AppEnv::Production
    }

    /// The variable's value, trimmed; `None` when unset or blank.
    #[must_use]
    pub fn get(&self, var: &str) -> Option<String> {
        (self.lookup)(var)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    /// Is the variable set (to something not blank)?
    #[must_use]
    pub fn is_set(&self, var: &str) -> bool {
        self.get(var).is_some()
    }

    /// The value of a variable production requires: unset in production is recorded as
    /// [`ConfigError::Missing`].
    pub fn required(&mut self, var: &'static str) -> Option<String> {
        let value = self.get(var);
        if value.is_none() && self.is_production() {
            self.errors.push(ConfigError::Missing(var));
        }
        value
    }

    /// Records that `var` cannot be used, and why.
    pub fn invalid(&mut self, var: &'static str, reason: impl Into<String>) {
        let error = ConfigError::Invalid {
            var,
            reason: reason.into(),
        };
        // A variable is reported once, however many readers look at it.
        if !self.errors.contains(&error) {
            self.errors.push(error);
        }
    }

    /// A warning announced at start ([`Config::warnings`](super::Config::warnings)).
    pub fn warn(&mut self, warning: impl Into<String>) {
        self.warnings.push(warning.into());
    }

    /// The variable parsed with `parse`, or `default` when unset (or invalid, recorded).
    pub fn parse_with<T>(
        &mut self,
        var: &'static str,
        default: T,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> T {
        match self.get(var) {
            None => default,
            Some(value) => parse(&value).unwrap_or_else(|reason| {
                self.invalid(var, reason);
                default
            }),
        }
    }

    /// One of a few spellings (case-insensitive), or `default` when unset.
    ///
    /// ```
    /// use rustbe_core::config::Vars;
    /// let lookup = |k: &str| (k == "MODE").then(|| "Fast".to_owned());
    /// let mut vars = Vars::new("shop", &lookup);
    /// assert_eq!(vars.choice("MODE", 0, &[("slow", 0), ("fast", 1)]), 1);
    /// assert_eq!(vars.choice("MODE", 0, &[("slow", 0)]), 0);
    /// assert_eq!(vars.finish().unwrap_err().to_string(), "MODE is invalid: `Fast` is not slow");
    /// ```
    pub fn choice<T: Copy>(&mut self, var: &'static str, default: T, choices: &[(&str, T)]) -> T {
        self.parse_with(var, default, |value| parse_choice(value, choices))
    }

    /// A duration (`500ms`, `30s`, `15m`, `1h`, `7d`), or `default`.
    pub fn duration(&mut self, var: &'static str, default: Duration) -> Duration {
        self.parse_with(var, default, parse_duration)
    }

    /// A duration longer than zero, or `default`.
    pub fn positive(&mut self, var: &'static str, default: Duration) -> Duration {
        self.parse_with(var, default, |value| match parse_duration(value)? {
            d if d.is_zero() => Err("must be longer than zero".into()),
            d => Ok(d),
        })
    }

    /// A whole number from `min` to `max`, or `default`.
    pub fn number<T>(&mut self, var: &'static str, default: T, min: T, max: T) -> T
    where
        T: FromStr + PartialOrd + fmt::Display + Copy,
    {
        self.parse_with(var, default, |value| {
            value
                .parse::<T>()
                .ok()
                .filter(|n| (min..=max).contains(n))
                .ok_or_else(|| format!("must be a whole number from {min} to {max}"))
        })
    }

    /// `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`), or `default`.
    pub fn boolean(&mut self, var: &'static str, default: bool) -> bool {
        self.parse_with(var, default, parse_bool)
    }

    /// A [`Rate`] (`100/15m`), or `default`.
    pub fn rate(&mut self, var: &'static str, default: Rate) -> Rate {
        self.parse_with(var, default, str::parse)
    }

    /// A secret (a signing key): required in production, and there at least
    /// [`MIN_SECRET_LEN`] bytes of at least [`MIN_SECRET_DISTINCT`] different ones. Unset
    /// outside production it is a fresh random one for this process, so nothing that binds a
    /// port ever uses a secret printed in source (see [`Vars::is_set`] to warn about it).
    pub fn secret(&mut self, var: &'static str) -> Secret {
        let random = || {
            Secret::new(format!(
                "{}{}",
                uuid::Uuid::new_v4().simple(),
                uuid::Uuid::new_v4().simple()
            ))
        };
        match self.required(var) {
            Some(value) if self.is_production() && value.len() < MIN_SECRET_LEN => {
                self.invalid(var, format!("must be at least {MIN_SECRET_LEN} bytes long"));
                random()
            }
            Some(value) if self.is_production() && distinct_bytes(&value) < MIN_SECRET_DISTINCT => {
                self.invalid(
                    var,
                    format!(
                        "has too little entropy: at least {MIN_SECRET_DISTINCT} different \
                         characters (generate one with `openssl rand -base64 48`)"
                    ),
                );
                random()
            }
            Some(value) => Secret::new(value),
            None => random(),
        }
    }

    /// Every error recorded, or the warnings when there is none.
    ///
    /// # Errors
    /// The variables that were refused, in the order read.
    pub fn finish(self) -> Result<Vec<String>, ConfigErrors> {
        if self.errors.is_empty() {
            Ok(self.warnings)
        } else {
            Err(ConfigErrors(self.errors))
        }
    }
}

/// `value` as one of `choices` (case-insensitive), or a message naming them all
/// (`` `fast` is not wal, delete or truncate ``); the `FromStr` of the configuration's enums.
pub(crate) fn parse_choice<T: Copy>(value: &str, choices: &[(&str, T)]) -> Result<T, String> {
    if let Some(&(_, choice)) = choices
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(value))
    {
        return Ok(choice);
    }
    let names: Vec<&str> = choices.iter().map(|(name, _)| *name).collect();
    let names = match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => names.concat(),
    };
    Err(format!("`{value}` is not {names}"))
}

fn distinct_bytes(value: &str) -> usize {
    let mut seen = [false; 256];
    for &b in value.as_bytes() {
        seen[usize::from(b)] = true;
    }
    seen.iter().filter(|&&s| s).count()
}
