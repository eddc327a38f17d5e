//! What the app adds for metrics (feature `metrics`, `METRICS=on`) and traces (feature
//! `otel`): the scrape route, the request-metrics layer, the handler span. With both off it
//! is empty: no route, no layer.

use axum::Router;
use sea_orm::DatabaseConnection;

use crate::cache::Cache;
use crate::config::Config;

/// The observability parts of one app, built from its configuration.
#[derive(Default)]
pub(crate) struct Observability {
    /// The scrape route, served beside the app's routes.
    routes: Option<Router>,
    /// The scrape route and the address of its own listener (`METRICS_ADDR`).
    separate: Option<(std::net::SocketAddr, Router)>,
    /// Install the request-metrics layer.
    http_metrics: bool,
    /// Keep histogram memory flat between scrapes (spawned by `serve`).
    #[cfg(feature = "metrics")]
    upkeep: Option<crate::metrics::Metrics>,
}

impl Observability {
    /// The parts `config` asks for; `db` and `cache` are read at each scrape.
    #[cfg_attr(
        not(feature = "metrics"),
        allow(unused_variables, reason = "only metrics read them")
    )]
    pub(crate) fn new(
        config: &Config,
        db: Option<&DatabaseConnection>,
        cache: Option<&Cache>,
    ) -> Self {
        #[allow(unused_mut, reason = "set only with the metrics feature")]
        let mut parts = Self::default();
        #[cfg(feature = "metrics")]
        if config.metrics.enabled {
            match crate::metrics::Metrics::install() {
                Ok(metrics) => {
                    let endpoint = crate::metrics::MetricsEndpoint::new(
                        metrics.clone(),
                        &config.app_name,
                        db.cloned(),
                        cache.cloned(),
                        config.metrics.token.as_ref().map(|t| t.expose()),
                    );
                    let router = crate::metrics::metrics_router(&config.metrics.path, endpoint);
                    match config.metrics.addr {
                        Some(addr) => parts.separate = Some((addr, router)),
                        None => parts.routes = Some(router),
                    }
                    parts.http_metrics = true;
                    parts.upkeep = Some(metrics);
                }
                Err(err) => tracing::warn!(error = %err, "METRICS=on, but metrics are off"),
            }
        }
        parts
    }

    /// The scrape route when it is served beside the app's routes.
    pub(crate) fn take_routes(&mut self) -> Option<Router> {
        self.routes.take()
    }

    /// The scrape route and its own address (`METRICS_ADDR`).
    pub(crate) fn take_separate(&mut self) -> Option<(std::net::SocketAddr, Router)> {
        self.separate.take()
    }

    /// Starts what runs beside the server (histogram upkeep); call inside the runtime.
    pub(crate) fn spawn_background(&self) {
        #[cfg(feature = "metrics")]
        if let Some(metrics) = &self.upkeep {
            drop(metrics.spawn_upkeep(std::time::Duration::from_secs(5)));
        }
    }

    /// Wraps `router` in the layers that run closest to the route (the handler span, when
    /// trace export is on).
    pub(crate) fn inner(&self, router: Router) -> Router {
        #[cfg(feature = "otel")]
        if crate::otel::is_active() {
            return router.layer(crate::otel::HandlerSpanLayer::new());
        }
        router
    }

    /// The layer that must see the final answer of every request (outside everything but
    /// the request id, the envelope and the security headers): request metrics, when on.
    #[cfg(feature = "metrics")]
    pub(crate) fn outer(&self) -> Option<crate::metrics::HttpMetricsLayer> {
        self.http_metrics
            .then(crate::metrics::HttpMetricsLayer::new)
    }

    /// The layer that must see the final answer of every request: none without the
    /// `metrics` feature.
    #[cfg(not(feature = "metrics"))]
    pub(crate) fn outer(&self) -> Option<tower::layer::util::Identity> {
        let _ = self.http_metrics;
        None
    }
}

/// Links the request span to the caller's `traceparent` and records its trace id (trace
/// export on); names it `METHOD route`.
#[cfg_attr(
    not(feature = "otel"),
    allow(unused_variables, reason = "only traces use them")
)]
pub(crate) fn start_request_span(span: &tracing::Span, req: &http::Request<axum::body::Body>) {
    #[cfg(feature = "otel")]
    if crate::otel::is_active() {
        let name = req
            .extensions()
            .get::<axum::extract::MatchedPath>()
            .map(|route| format!("{} {}", req.method(), route.as_str()));
        crate::otel::start_request(span, req.headers(), name);
    }
}

/// The stack's `on_response`: tower-http's line in the log, and with trace export the
/// status on the request span (`http.response.status_code`; `otel.status_code = ERROR` for a
/// 5xx).
#[derive(Clone)]
pub(crate) struct OnResponse(pub(crate) tower_http::trace::DefaultOnResponse);

impl<B> tower_http::trace::OnResponse<B> for OnResponse {
    fn on_response(
        self,
        response: &http::Response<B>,
        latency: std::time::Duration,
        span: &tracing::Span,
    ) {
        #[cfg(feature = "otel")]
        if crate::otel::is_active() {
            let status = response.status();
            span.record("http.response.status_code", i64::from(status.as_u16()));
            if status.is_server_error() {
                span.record("otel.status_code", "ERROR");
            }
        }
        self.0.on_response(response, latency, span);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Metrics off (the default, and `METRICS=off`): no layer on the request path and no
    /// scrape route, whether or not the feature is compiled in.
    #[test]
    fn metrics_off_adds_nothing_per_request() {
        let config = Config::for_tests("observability");
        assert!(!config.metrics.enabled);
        let parts = Observability::new(&config, None, None);
        assert!(parts.outer().is_none(), "no request metrics layer");
        assert!(!parts.http_metrics);
        assert!(
            parts.routes.is_none() && parts.separate.is_none(),
            "no scrape route"
        );
    }
}
