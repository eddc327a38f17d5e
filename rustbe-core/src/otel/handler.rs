//! The `handler` span: the part of a request spent in its route, inside the stack.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::extract::MatchedPath;
use http::Request;
use tower::{Layer, Service};
use tracing::Instrument as _;
use tracing::instrument::Instrumented;

/// Runs each request's route inside an `info` span named `handler`, with the route template
/// as `http.route` (and as its OpenTelemetry name). Put it on a `Router` with
/// `Router::layer`, innermost; [`App`](crate::app::App) does when trace export is on.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use axum::{Router, routing::get};
/// use rustbe_core::otel::HandlerSpanLayer;
/// use rustbe_core::testing::TestRequest;
/// let app = Router::new()
///     .route("/items/{id}", get(|| async { "item" }))
///     .layer(HandlerSpanLayer::new());
/// let response = TestRequest::get("/items/3").send(&app).await;
/// assert_eq!(response.body(), b"item");
/// # });
/// ```
#[derive(Debug, Clone, Copy, Default)]
#[must_use]
pub struct HandlerSpanLayer;

impl HandlerSpanLayer {
    /// The layer.
    ///
    /// ```
    /// let layer = rustbe_core::otel::HandlerSpanLayer::new();
    /// ```
    pub fn new() -> Self {
        Self
    }
}

impl<S> Layer<S> for HandlerSpanLayer {
    type Service = HandlerSpan<S>;

    fn layer(&self, inner: S) -> Self::Service {
        HandlerSpan { inner }
    }
}

/// The service of [`HandlerSpanLayer`].
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// # use std::convert::Infallible;
/// use http::{Request, Response};
/// use rustbe_core::otel::HandlerSpanLayer;
/// use tower::{Layer, ServiceExt, service_fn};
/// let inner = service_fn(|_: Request<()>| async { Ok::<_, Infallible>(Response::new(())) });
/// let response = HandlerSpanLayer::new().layer(inner).oneshot(Request::new(())).await.unwrap();
/// assert_eq!(response.status(), 200);
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct HandlerSpan<S> {
    inner: S,
}

impl<S, B> Service<Request<B>> for HandlerSpan<S>
where
    S: Service<Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let route = req
            .extensions()
            .get::<MatchedPath>()
            .map_or("unmatched", MatchedPath::as_str);
        let span = tracing::info_span!(
            "handler",
            otel.name = format_args!("handler {route}"),
            http.route = route
        );
        let inner = {
            let _entered = span.enter();
            self.inner.call(req)
        };
        ResponseFuture {
            inner: inner.instrument(span),
        }
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`HandlerSpan`]: the route's future, inside its span.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # use std::convert::Infallible;
    /// use http::{Request, Response};
    /// use rustbe_core::otel::{HandlerSpanLayer, ResponseFuture};
    /// use tower::{Layer, Service, ServiceExt, service_fn};
    /// let mut service = HandlerSpanLayer::new().layer(service_fn(|_: Request<()>| async { Ok::<_, Infallible>(Response::new(())) }));
    /// let future: ResponseFuture<_> = service.ready().await.unwrap().call(Request::new(()));
    /// assert_eq!(future.await.unwrap().status(), 200);
    /// # });
    /// ```
    pub struct ResponseFuture<F> {
        #[pin]
        inner: Instrumented<F>,
    }
}

impl<F: Future> Future for ResponseFuture<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.project().inner.poll(cx)
    }
}
