//! Logging: pretty lines for people, JSON lines for machines.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt;

use crate::config::LogFormat;

/// The filter used when `RUST_LOG` is not set.
///
/// ```
/// use rustbe_core::app::DEFAULT_FILTER;
/// assert!(DEFAULT_FILTER.starts_with("info,"));
/// assert!(DEFAULT_FILTER.contains("sqlx=warn"));
/// assert!(tracing_subscriber::EnvFilter::try_new(DEFAULT_FILTER).is_ok());
/// ```
pub const DEFAULT_FILTER: &str = "info,sqlx=warn,sea_orm=warn,tower_http=info";

/// Installs the global subscriber: `format` as configured, filtered by `RUST_LOG` (or
/// [`DEFAULT_FILTER`]). Returns `false` if a subscriber was already installed (tests).
///
/// ```no_run
/// rustbe_core::app::init_tracing(rustbe_core::config::LogFormat::Json);
/// ```
pub fn init_tracing(format: LogFormat) -> bool {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let builder = fmt().with_env_filter(filter).with_target(true);
    match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init().is_ok(),
        LogFormat::Pretty => builder.try_init().is_ok(),
    }
}
