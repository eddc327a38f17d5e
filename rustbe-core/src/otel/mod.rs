//! OpenTelemetry traces (feature `otel`): spans exported over OTLP/HTTP (protobuf) when
//! `OTEL_EXPORTER_OTLP_ENDPOINT` is set.
//!
//! [`init_telemetry`](crate::app::init_telemetry) installs the exporter beside the log. Then
//! every request has a span (`GET /api/products/{id}`, kind server) whose parent is the
//! caller's W3C `traceparent` when it sent one, a `handler` span inside it, and SeaORM's
//! spans of each SQL statement (`sea_orm.query_one` … with `db.statement`). The request's
//! log lines carry its `trace_id` beside its `request_id`. [`inject`] writes the current
//! context into the headers of a request the app sends on, so the trace continues there.
//!
//! Without the endpoint nothing of this is installed: no layer, no exporter, no parent
//! lookup (one relaxed atomic load per request).
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use rustbe_core::{app::{App, init_telemetry}, config::Config};
//! let config = Config::from_env("shop")?; // with OTEL_EXPORTER_OTLP_ENDPOINT=http://collector:4318
//! let telemetry = init_telemetry(&config);
//! App::new(config).serve().await?;
//! telemetry.shutdown().await; // sends the spans still buffered
//! # Ok(()) }
//! ```

mod handler;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use http::{HeaderMap, HeaderName, HeaderValue};
use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry::trace::{TraceContextExt, TracerProvider as _};
use opentelemetry_otlp::WithExportConfig as _;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_opentelemetry::OpenTelemetrySpanExt;

pub use handler::{HandlerSpan, HandlerSpanLayer, ResponseFuture};

use crate::config::OtelConfig;

/// Set once the exporter is installed: the request span looks for `traceparent` only then.
static ACTIVE: AtomicBool = AtomicBool::new(false);

/// The filter of the exported spans: the app's and rustbe's at `info`, SeaORM's statements,
/// never the exporter's own HTTP client (which would trace its own exports).
///
/// ```
/// use rustbe_core::otel::EXPORT_FILTER;
/// assert!(EXPORT_FILTER.contains("sea_orm=info") && EXPORT_FILTER.contains("hyper=off"));
/// assert!(EXPORT_FILTER.contains("rustbe::redis=debug"), "a span per Redis command");
/// assert!(tracing_subscriber::EnvFilter::try_new(EXPORT_FILTER).is_ok());
/// ```
pub const EXPORT_FILTER: &str = "info,sea_orm=info,rustbe::redis=debug,sqlx=warn,hyper=off,hyper_util=off,h2=off,\
                                 opentelemetry=off,opentelemetry_sdk=off,opentelemetry_otlp=off,\
                                 opentelemetry-otlp=off,opentelemetry_http=off";

/// Is trace export installed?
///
/// ```
/// assert!(!rustbe_core::otel::is_active(), "nothing installed in this doctest");
/// ```
#[must_use]
#[inline]
pub fn is_active() -> bool {
    ACTIVE.load(Ordering::Relaxed)
}

/// The exporter and the tracer provider for `config`. Needs a Tokio runtime (the batch
/// processor and the HTTP client run on it).
pub(crate) fn provider(config: &OtelConfig) -> Result<SdkTracerProvider, String> {
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_endpoint(config.traces_endpoint())
        .with_timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| e.to_string())?;
    let processor =
        opentelemetry_sdk::trace::span_processor_with_async_runtime::BatchSpanProcessor::builder(
            exporter,
            opentelemetry_sdk::runtime::Tokio,
        )
        .build();
    let resource = opentelemetry_sdk::Resource::builder()
        .with_service_name(config.service_name.clone())
        .build();
    let provider = SdkTracerProvider::builder()
        .with_span_processor(processor)
        .with_resource(resource)
        .build();
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    Ok(provider)
}

/// Export is installed: requests look for `traceparent` from now on.
pub(crate) fn activate() {
    ACTIVE.store(true, Ordering::Relaxed);
}

/// The tracing layer exporting through `provider`.
pub(crate) fn layer<S>(
    provider: &SdkTracerProvider,
) -> tracing_opentelemetry::OpenTelemetryLayer<S, opentelemetry_sdk::trace::Tracer>
where
    S: tracing::Subscriber + for<'span> tracing_subscriber::registry::LookupSpan<'span>,
{
    tracing_opentelemetry::layer().with_tracer(provider.tracer("rustbe"))
}

/// Makes the caller's `traceparent` (if any) the parent of `span`, names it after the route
/// and records its trace id in its `trace_id` field. Does nothing unless export is on.
pub(crate) fn start_request(span: &tracing::Span, headers: &HeaderMap, name: Option<String>) {
    if !is_active() {
        return;
    }
    let parent = TraceContextPropagator::new().extract(&Headers(headers));
    // A span disabled by the filter has no OpenTelemetry data: nothing to link.
    if span.set_parent(parent).is_err() {
        return;
    }
    if let Some(name) = name {
        span.record("otel.name", name);
    }
    span.record("otel.kind", "server");
    let trace_id = span.context().span().span_context().trace_id();
    span.record("trace_id", tracing::field::display(trace_id));
}

/// The trace id of the current span, when export is on and the span is traced.
///
/// ```
/// assert_eq!(rustbe_core::otel::trace_id(), None);
/// ```
#[must_use]
pub fn trace_id() -> Option<String> {
    if !is_active() {
        return None;
    }
    let context = tracing::Span::current().context();
    let span = context.span();
    let span_context = span.span_context();
    span_context
        .is_valid()
        .then(|| span_context.trace_id().to_string())
}

/// Writes the current span's context (`traceparent`, `tracestate`) into `headers`, for a
/// request the app sends to another service. Writes nothing unless export is on.
///
/// ```
/// let mut headers = http::HeaderMap::new();
/// rustbe_core::otel::inject(&mut headers);
/// assert!(headers.is_empty(), "export is off in this doctest");
/// ```
pub fn inject(headers: &mut HeaderMap) {
    if !is_active() {
        return;
    }
    let context = tracing::Span::current().context();
    TraceContextPropagator::new().inject_context(&context, &mut HeadersMut(headers));
}

/// Reads propagation headers.
struct Headers<'a>(&'a HeaderMap);

impl Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(HeaderName::as_str).collect()
    }
}

/// Writes propagation headers.
struct HeadersMut<'a>(&'a mut HeaderMap);

impl Injector for HeadersMut<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(key.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            self.0.insert(name, value);
        }
    }
}
