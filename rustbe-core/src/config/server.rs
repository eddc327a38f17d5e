//! The server section: [`ServerConfig`], how connections are treated (`HEADER_READ_TIMEOUT`,
//! `IDLE_TIMEOUT`, `MAX_CONNECTIONS`).

use std::time::Duration;

use super::{Section, Vars};

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

impl Section for ServerConfig {
    /// `HEADER_READ_TIMEOUT`, `IDLE_TIMEOUT`, `MAX_CONNECTIONS`.
    fn read(vars: &mut Vars<'_>) -> Self {
        let default = Self::default();
        Self {
            header_read_timeout: vars.positive("HEADER_READ_TIMEOUT", default.header_read_timeout),
            idle_timeout: vars.positive("IDLE_TIMEOUT", default.idle_timeout),
            max_connections: vars.number("MAX_CONNECTIONS", default.max_connections, 1, 1_000_000),
        }
    }
}
