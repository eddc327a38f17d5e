//! [`Secret`]: a configuration value that never prints (`Debug` and `Display` show `[redacted]`).

use std::fmt;

/// A value that must not be printed: a password, a signing key, a DSN with credentials.
/// `Debug` and `Display` show `[redacted]`; [`Secret::expose`] gives the value to the code
/// that needs it.
///
/// ```
/// use rustbe_core::config::Secret;
/// let secret = Secret::new("hunter2");
/// assert_eq!(format!("{secret:?}"), "Secret([redacted])");
/// assert_eq!(secret.expose(), "hunter2");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps `value`.
    ///
    /// ```
    /// let secret = rustbe_core::config::Secret::new(String::from("hunter2"));
    /// assert_eq!(secret.to_string(), "[redacted]");
    /// ```
    #[must_use]
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value itself.
    ///
    /// ```
    /// let dsn = rustbe_core::config::Secret::new("postgres://shop:pw@db/shop");
    /// assert_eq!(dsn.expose(), "postgres://shop:pw@db/shop");
    /// ```
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}
