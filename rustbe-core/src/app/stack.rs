//! The standard middleware stack every request passes through, as one `ServiceBuilder`: request
//! id, format, security headers, metrics, CORS, the request span, compression, the panic
//! catcher, the rate limit, the timeout and the body limit.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::response::IntoResponse;
use http::{HeaderName, HeaderValue, Method, Request, header};
use sea_orm::DatabaseConnection;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use super::observability;
use crate::cache::Cache;
use crate::config::Config;
use crate::extract::PaginationLimits;
use crate::format::FormatLayer;
use crate::middleware::{RequestTimeoutLayer, SecurityHeadersLayer, panic_response};
use crate::rate_limit::RateLimitLayer;
use crate::request_id::{RequestId, SetRequestIdLayer, X_REQUEST_ID};

/// Wraps `router` in the standard stack, the request extensions (pagination limits, database,
/// cache) innermost.
pub(super) fn with_stack(
    router: Router,
    config: &Config,
    rate_limit: Option<RateLimitLayer>,
    observe: &observability::Observability,
    (pagination, db, cache): (PaginationLimits, Option<DatabaseConnection>, Option<Cache>),
    format: FormatLayer,
) -> Router {
    // `Router::layer` wraps every route in one more boxed service, which a request clones
    // (recursively: each box clones the boxes inside it) and calls through a box, and whose
    // response body it boxes again: the whole stack is one `ServiceBuilder`, one box. The
    // optional layers are `option_layer`s; where a layer wants axum's `Response` under a layer
    // that changed the body type, `into_response` converts it, as `Router::layer` did.
    let stack = ServiceBuilder::new()
        .layer(SetRequestIdLayer::new())
        .layer(format)
        .layer(
            SecurityHeadersLayer::new()
                .hsts(config.is_production())
                .sensitive_request_headers(),
        )
        .option_layer(observe.outer())
        .option_layer(cors(&config.allowed_origins))
        .map_response(IntoResponse::into_response)
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_response(observability::OnResponse(
                    DefaultOnResponse::new().level(Level::INFO),
                )),
        )
        .layer(CompressionLayer::new())
        .layer(CatchPanicLayer::custom(panic_response))
        .option_layer(rate_limit)
        .map_response(IntoResponse::into_response)
        .layer(RequestTimeoutLayer::new(config.request_timeout))
        .layer(RequestBodyLimitLayer::new(config.body_limit))
        .layer(DefaultBodyLimit::max(config.body_limit))
        .layer(axum::Extension(pagination))
        .option_layer(db.map(axum::Extension))
        .option_layer(cache.map(axum::Extension));
    observe.inner(router).layer(stack)
}

/// The span of one request: method, path and request id. Never the query string (it may
/// hold a token) nor headers.
fn request_span(req: &Request<axum::body::Body>) -> tracing::Span {
    // The fields are computed only when the span is enabled; the empty ones are filled when
    // traces are exported (`observability`).
    let span = tracing::info_span!(
        "request",
        method = %req.method(),
        path = req.uri().path(),
        request_id = req
            .extensions()
            .get::<RequestId>()
            .map(RequestId::as_str)
            .unwrap_or_default(),
        trace_id = tracing::field::Empty,
        otel.name = tracing::field::Empty,
        otel.kind = tracing::field::Empty,
        http.response.status_code = tracing::field::Empty,
        otel.status_code = tracing::field::Empty,
    );
    observability::start_request_span(&span, req);
    span
}

/// CORS from `ALLOWED_ORIGINS`: none when empty; `*` allows any origin without credentials;
/// a list allows exactly those origins, with credentials.
fn cors(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let methods = [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::OPTIONS,
    ];
    let headers = [
        header::AUTHORIZATION,
        header::CONTENT_TYPE,
        header::IF_MATCH,
        header::IF_NONE_MATCH,
        X_REQUEST_ID.clone(),
        HeaderName::from_static("idempotency-key"),
    ];
    let exposed = [
        X_REQUEST_ID.clone(),
        header::ETAG,
        header::LOCATION,
        header::RETRY_AFTER,
        HeaderName::from_static("ratelimit-limit"),
        HeaderName::from_static("ratelimit-remaining"),
        HeaderName::from_static("ratelimit-reset"),
    ];
    let layer = CorsLayer::new()
        .allow_methods(methods)
        .allow_headers(headers)
        .expose_headers(exposed)
        .max_age(std::time::Duration::from_secs(600));
    if origins.iter().any(|o| o == "*") {
        return Some(layer.allow_origin(AllowOrigin::any()));
    }
    let list: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    Some(
        layer
            .allow_origin(AllowOrigin::list(list))
            .allow_credentials(true),
    )
}
