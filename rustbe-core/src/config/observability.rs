//! The observability settings: the Prometheus endpoint (`METRICS*`) and trace export over
//! OTLP (`OTEL_*`). Read whatever features are compiled; a setting that needs a feature the
//! build lacks is announced as a warning at start.

use std::net::SocketAddr;

use super::{Secret, Vars};

/// Where and how `/metrics` is served (`METRICS`, `METRICS_PATH`, `METRICS_TOKEN`,
/// `METRICS_ADDR`). Off by default.
///
/// ```
/// use rustbe_core::config::Config;
/// let config = Config::from_lookup("shop", |key| match key {
///     "METRICS" => Some("true".into()),
///     "METRICS_TOKEN" => Some("scrape-secret".into()),
///     _ => None,
/// }).unwrap();
/// assert!(config.metrics.enabled);
/// assert_eq!(config.metrics.path, "/metrics");
/// assert_eq!(config.metrics.token.as_ref().map(|t| t.expose()), Some("scrape-secret"));
/// assert!(!Config::for_tests("shop").metrics.enabled);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct MetricsConfig {
    /// `METRICS` (default off): serve the Prometheus text format.
    pub enabled: bool,
    /// `METRICS_PATH` (default `/metrics`): an absolute path outside `/api`.
    pub path: String,
    /// `METRICS_TOKEN`: when set, a scrape must send `Authorization: Bearer <token>`.
    pub token: Option<Secret>,
    /// `METRICS_ADDR`: serve the endpoint on its own listener (e.g. `0.0.0.0:9100`) instead
    /// of beside the app's routes.
    pub addr: Option<SocketAddr>,
}

impl Default for MetricsConfig {
    /// Off, at `/metrics`, without a token, beside the app's routes.
    ///
    /// ```
    /// let metrics = rustbe_core::config::MetricsConfig::default();
    /// assert!(!metrics.enabled && metrics.token.is_none() && metrics.addr.is_none());
    /// ```
    fn default() -> Self {
        Self {
            enabled: false,
            path: "/metrics".into(),
            token: None,
            addr: None,
        }
    }
}

/// Trace export over OTLP/HTTP (protobuf), on when `OTEL_EXPORTER_OTLP_ENDPOINT` is set.
///
/// ```
/// use rustbe_core::config::Config;
/// let config = Config::from_lookup("shop", |key| match key {
///     "OTEL_EXPORTER_OTLP_ENDPOINT" => Some("http://127.0.0.1:4318/".into()),
///     _ => None,
/// }).unwrap();
/// let otel = config.otel.unwrap();
/// assert_eq!(otel.traces_endpoint(), "http://127.0.0.1:4318/v1/traces");
/// assert_eq!(otel.service_name, "shop");
/// assert!(Config::for_tests("shop").otel.is_none());
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OtelConfig {
    /// `OTEL_EXPORTER_OTLP_ENDPOINT`: the collector's base URL, without a trailing `/`.
    pub endpoint: String,
    /// `OTEL_SERVICE_NAME` (default: the app's name).
    pub service_name: String,
    /// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, the whole URL of the traces endpoint.
    traces_endpoint: Option<String>,
}

impl OtelConfig {
    /// Where spans are sent: the endpoint followed by `/v1/traces`, as the OTLP
    /// specification says (unless `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` names it whole).
    ///
    /// ```
    /// use rustbe_core::config::Config;
    /// let config = Config::from_lookup("shop", |key| match key {
    ///     "OTEL_EXPORTER_OTLP_ENDPOINT" => Some("http://collector:4318".into()),
    ///     "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT" => Some("http://other:4318/traces".into()),
    ///     _ => None,
    /// }).unwrap();
    /// assert_eq!(config.otel.unwrap().traces_endpoint(), "http://other:4318/traces");
    /// ```
    #[must_use]
    pub fn traces_endpoint(&self) -> String {
        self.traces_endpoint
            .clone()
            .unwrap_or_else(|| format!("{}/v1/traces", self.endpoint))
    }
}

/// Reads the `METRICS*` variables.
pub(super) fn metrics(vars: &mut Vars<'_>) -> MetricsConfig {
    let enabled = vars.boolean("METRICS", false);
    let path = vars.parse_with("METRICS_PATH", "/metrics".to_owned(), |path| {
        let reserved = ["/health", "/ready", "/openapi.json", "/docs"];
        if !path.starts_with('/')
            || path.len() < 2
            || path == "/api"
            || path.starts_with("/api/")
            || reserved.contains(&path)
            || path.contains(['?', '#', '{', '}', '*', ' '])
        {
            Err(
                "must be an absolute path such as /metrics, outside /api and the built-in routes"
                    .into(),
            )
        } else {
            Ok(path.to_owned())
        }
    });
    let addr = vars.parse_with("METRICS_ADDR", None, |v| {
        v.parse::<SocketAddr>()
            .map(Some)
            .map_err(|_| "must be an address such as 0.0.0.0:9100".to_owned())
    });
    if enabled && !cfg!(feature = "metrics") {
        vars.warn(
            "METRICS=on, but rustbe-core was built without its `metrics` feature: no metrics are served",
        );
    }
    MetricsConfig {
        enabled,
        path,
        token: vars.get("METRICS_TOKEN").map(Secret::new),
        addr,
    }
}

/// Reads the `OTEL_*` variables.
pub(super) fn otel(vars: &mut Vars<'_>) -> Option<OtelConfig> {
    let url = |v: &str| {
        if v.starts_with("http://") || v.starts_with("https://") {
            Ok(Some(v.to_owned()))
        } else {
            Err("must be an http:// or https:// URL such as http://127.0.0.1:4318".to_owned())
        }
    };
    let endpoint = vars.parse_with("OTEL_EXPORTER_OTLP_ENDPOINT", None, url)?;
    let traces_endpoint = vars.parse_with("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", None, url);
    if !cfg!(feature = "otel") {
        vars.warn(
            "OTEL_EXPORTER_OTLP_ENDPOINT is set, but rustbe-core was built without its `otel` feature: no traces are exported",
        );
    }
    Some(OtelConfig {
        endpoint: endpoint.trim_end_matches('/').to_owned(),
        service_name: vars
            .get("OTEL_SERVICE_NAME")
            .unwrap_or_else(|| vars.app_name().to_owned()),
        traces_endpoint,
    })
}
