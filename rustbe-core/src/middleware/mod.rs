//! The layers of the standard stack that rustbe writes itself. The rest (CORS, compression,
//! body limit, panic catching, tracing) come from tower-http and are put together by
//! [`App`](crate::app::App).
//!
//! Each layer has its module, where its service's future is named too
//! (`middleware::timeout::ResponseFuture`, `middleware::security_headers::ResponseFuture`);
//! the layers and services are also here.

pub mod security_headers;
pub mod timeout;

pub use security_headers::{API_CSP, DOCS_CSP, SecurityHeaders, SecurityHeadersLayer};
pub use timeout::{RequestTimeout, RequestTimeoutLayer, TICK};

/// Turns a panic caught by tower-http's `CatchPanicLayer` into a 500 envelope. The panic
/// message is logged with the request id; the client sees a generic message.
///
/// ```
/// use tower_http::catch_panic::CatchPanicLayer;
/// let layer = CatchPanicLayer::custom(rustbe_core::middleware::panic_response);
/// ```
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use http_body_util::BodyExt;
/// let response = rustbe_core::middleware::panic_response(Box::new("db password is hunter2"));
/// assert_eq!(response.status(), http::StatusCode::INTERNAL_SERVER_ERROR);
/// let body = response.into_body().collect().await.unwrap().to_bytes();
/// assert!(!String::from_utf8_lossy(&body).contains("hunter2"));
/// # });
/// ```
#[must_use]
#[allow(
    clippy::needless_pass_by_value,
    reason = "the signature CatchPanicLayer::custom asks for"
)]
pub fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    use axum::response::IntoResponse;
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a non-string panic payload".to_owned());
    crate::Error::internal(format!("handler panicked: {message}")).into_response()
}
