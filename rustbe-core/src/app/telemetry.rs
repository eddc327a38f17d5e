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

/// What [`init_telemetry`] installed: keep it for the life of the process and call
/// [`Telemetry::shutdown`] at the end, so the spans still buffered are sent.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let telemetry = rustbe_core::app::init_telemetry(&rustbe_core::config::Config::for_tests("demo"));
/// assert!(!telemetry.exports_traces());
/// telemetry.shutdown().await;
/// # });
/// ```
#[must_use = "dropping it stops the trace export"]
#[derive(Debug, Default)]
pub struct Telemetry {
    #[cfg(feature = "otel")]
    provider: Option<opentelemetry_sdk::trace::SdkTracerProvider>,
}

impl Telemetry {
    /// Are spans exported (feature `otel` and `OTEL_EXPORTER_OTLP_ENDPOINT`)?
    ///
    /// ```
    /// assert!(!rustbe_core::app::Telemetry::default().exports_traces());
    /// ```
    #[must_use]
    pub fn exports_traces(&self) -> bool {
        #[cfg(feature = "otel")]
        return self.provider.is_some();
        #[cfg(not(feature = "otel"))]
        false
    }

    /// Sends the spans still buffered and stops the export (off the async workers: the
    /// exporter's flush blocks).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// rustbe_core::app::Telemetry::default().shutdown().await;
    /// # });
    /// ```
    pub async fn shutdown(self) {
        #[cfg(feature = "otel")]
        if let Some(provider) = self.provider {
            let flushed = tokio::task::spawn_blocking(move || provider.shutdown()).await;
            if let Ok(Err(err)) = flushed {
                tracing::warn!(error = %err, "the last spans could not be exported");
            }
        }
    }
}

/// Installs the global subscriber like [`init_tracing`] (the log, as `config.log_format`
/// says), and with the feature `otel` and `OTEL_EXPORTER_OTLP_ENDPOINT` set, the trace
/// export beside it (filtered by [`crate::otel::EXPORT_FILTER`], whatever `RUST_LOG` says;
/// the log lines of a request then carry its `trace_id`). Call it inside the Tokio runtime,
/// before the app is built. If a subscriber was installed already, nothing is installed.
///
/// ```no_run
/// # async fn run() {
/// let config = rustbe_core::config::Config::from_env("shop").expect("config");
/// let telemetry = rustbe_core::app::init_telemetry(&config);
/// // … serve …
/// telemetry.shutdown().await;
/// # }
/// ```
pub fn init_telemetry(config: &crate::config::Config) -> Telemetry {
    #[cfg(feature = "otel")]
    if let Some(otel) = &config.otel {
        return with_export(config.log_format, otel);
    }
    init_tracing(config.log_format);
    Telemetry::default()
}

#[cfg(feature = "otel")]
fn with_export(format: LogFormat, otel: &crate::config::OtelConfig) -> Telemetry {
    use tracing_subscriber::Layer as _;
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;

    let provider = match crate::otel::provider(otel) {
        Ok(provider) => provider,
        Err(err) => {
            init_tracing(format);
            tracing::warn!(error = %err, "traces are not exported: the OTLP exporter could not be built");
            return Telemetry::default();
        }
    };
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let log = match format {
        LogFormat::Json => fmt::layer()
            .json()
            .flatten_event(true)
            .with_target(true)
            .with_filter(filter)
            .boxed(),
        LogFormat::Pretty => fmt::layer().with_target(true).with_filter(filter).boxed(),
    };
    let export =
        crate::otel::layer(&provider).with_filter(EnvFilter::new(crate::otel::EXPORT_FILTER));
    let installed = tracing_subscriber::registry()
        .with(log)
        .with(export)
        .try_init()
        .is_ok();
    if !installed {
        // The batch processor runs on the runtime: its shutdown waits off the workers.
        drop(tokio::task::spawn_blocking(move || provider.shutdown()));
        return Telemetry::default();
    }
    crate::otel::activate();
    tracing::info!(endpoint = %otel.traces_endpoint(), service = %otel.service_name, "exporting traces over OTLP/HTTP");
    Telemetry {
        provider: Some(provider),
    }
}
