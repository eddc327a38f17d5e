use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::body::Body;
use axum::response::IntoResponse;
use http::{Request, Response, header};
use tower::{Layer, Service};

use crate::error::Rendered;
use crate::{Error, ErrorCode};

/// Renders the error envelope for error responses that were not produced by [`Error`]:
/// axum's 405 (keeping `Allow`), tower-http's 413 and timeouts, any handler returning a bare
/// status. Headers such as `Allow`, `Retry-After` and `WWW-Authenticate` are kept; the body is
/// replaced. Responses rendered by [`Error`] pass untouched.
///
/// ```
/// use axum::{Router, routing::get};
/// use rustbe_core::middleware::ErrorEnvelopeLayer;
///
/// // A GET-only route answers POST with a 405 envelope and `Allow: GET,HEAD`.
/// let app: Router = Router::new().route("/", get(|| async { "hi" })).layer(ErrorEnvelopeLayer::new());
/// ```
#[derive(Debug, Clone, Copy, Default)]
#[must_use]
pub struct ErrorEnvelopeLayer;

impl ErrorEnvelopeLayer {
    /// The layer.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use axum::{Router, routing::get};
    /// use rustbe_core::{middleware::ErrorEnvelopeLayer, testing::TestRequest};
    /// let app = Router::new().route("/", get(|| async { "hi" })).layer(ErrorEnvelopeLayer::new());
    /// let response = TestRequest::post("/").send(&app).await;
    /// assert_eq!(response.error_code(), "METHOD_NOT_ALLOWED");
    /// assert_eq!(response.header("allow"), Some("GET,HEAD"));
    /// # });
    /// ```
    pub fn new() -> Self {
        Self
    }
}

impl<S> Layer<S> for ErrorEnvelopeLayer {
    type Service = ErrorEnvelope<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ErrorEnvelope { inner }
    }
}

/// The service of [`ErrorEnvelopeLayer`].
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// # use std::convert::Infallible;
/// # use axum::{body::Body, response::IntoResponse};
/// # use http::{Request, StatusCode};
/// use rustbe_core::middleware::ErrorEnvelopeLayer;
/// use tower::{Layer, ServiceExt, service_fn};
/// let inner = service_fn(|_: Request<Body>| async { Ok::<_, Infallible>(StatusCode::GONE.into_response()) });
/// let response = ErrorEnvelopeLayer::new().layer(inner).oneshot(Request::new(Body::empty())).await.unwrap();
/// assert_eq!(response.status(), StatusCode::GONE);
/// assert_eq!(response.headers()["content-type"], "application/json");
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct ErrorEnvelope<S> {
    inner: S,
}

impl<S, B> Service<Request<B>> for ErrorEnvelope<S>
where
    S: Service<Request<B>, Response = Response<Body>>,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        ResponseFuture {
            inner: self.inner.call(req),
        }
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`ErrorEnvelope`].
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # use std::convert::Infallible;
    /// # use axum::{body::Body, response::IntoResponse};
    /// # use http::{Request, StatusCode};
    /// use rustbe_core::middleware::ErrorEnvelopeLayer;
    /// use tower::{Layer, Service, ServiceExt, service_fn};
    /// let inner = service_fn(|_: Request<Body>| async { Ok::<_, Infallible>(StatusCode::NOT_FOUND.into_response()) });
    /// let mut service = ErrorEnvelopeLayer::new().layer(inner);
    /// let future = service.ready().await.unwrap().call(Request::new(Body::empty())); // a `ResponseFuture`
    /// assert_eq!(future.await.unwrap().headers()["content-type"], "application/json");
    /// # });
    /// ```
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
    }
}

impl<F, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<Body>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let response = ready!(self.project().inner.poll(cx))?;
        Poll::Ready(Ok(envelope(response)))
    }
}

fn envelope(response: Response<Body>) -> Response<Body> {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error())
        || response.extensions().get::<Rendered>().is_some()
    {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    for stale in [
        header::CONTENT_TYPE,
        header::CONTENT_LENGTH,
        header::CONTENT_ENCODING,
    ] {
        parts.headers.remove(stale);
    }
    let code = ErrorCode::from_status(status);
    let mut error = Error::new(code);
    if status == http::StatusCode::SERVICE_UNAVAILABLE
        || status == http::StatusCode::GATEWAY_TIMEOUT
    {
        error = error.with_message("The request took too long or the service is overloaded");
    }
    let mut rendered = error.into_response();
    *rendered.status_mut() = status;
    let own: Vec<header::HeaderName> = rendered.headers().keys().cloned().collect();
    for (name, value) in &parts.headers {
        if !own.contains(name) {
            rendered.headers_mut().append(name.clone(), value.clone());
        }
    }
    rendered
}
