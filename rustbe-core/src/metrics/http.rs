//! Request count, latency and in-flight requests, by method, route template and status class.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Instant;

use axum::extract::MatchedPath;
use http::{Method, Request, Response};
use tower::{Layer, Service};

use super::{HTTP_DURATION, HTTP_IN_FLIGHT, HTTP_REQUESTS, UNMATCHED_ROUTE};

/// Records [`HTTP_REQUESTS`], [`HTTP_DURATION`] and [`HTTP_IN_FLIGHT`] for every request.
///
/// The `route` label is the route template axum matched ([`MatchedPath`]), so put the layer
/// on a `Router` with `Router::layer` (where the template is known); requests no route
/// matched get [`UNMATCHED_ROUTE`]. Methods outside the standard nine are `_OTHER`, so a
/// client cannot add series. [`App`](crate::app::App) installs it when `METRICS=on`.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use axum::{Router, routing::get};
/// use rustbe_core::metrics::{HttpMetricsLayer, Metrics};
/// use rustbe_core::testing::TestRequest;
///
/// let metrics = Metrics::install().unwrap();
/// let app = Router::new()
///     .route("/layer-doc/{id}", get(|| async { "hi" }))
///     .layer(HttpMetricsLayer::new());
/// TestRequest::get("/layer-doc/7").send(&app).await;
/// let text = metrics.render();
/// assert!(text.contains(r#"rustbe_http_requests_total{method="GET",route="/layer-doc/{id}",status_class="2xx"} 1"#));
/// # });
/// ```
#[derive(Debug, Clone, Copy, Default)]
#[must_use]
pub struct HttpMetricsLayer;

impl HttpMetricsLayer {
    /// The layer.
    ///
    /// ```
    /// let layer = rustbe_core::metrics::HttpMetricsLayer::new();
    /// ```
    pub fn new() -> Self {
        Self
    }
}

impl<S> Layer<S> for HttpMetricsLayer {
    type Service = HttpMetrics<S>;

    fn layer(&self, inner: S) -> Self::Service {
        HttpMetrics { inner }
    }
}

/// The service of [`HttpMetricsLayer`].
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// # use std::convert::Infallible;
/// use http::{Request, Response};
/// use rustbe_core::metrics::{HttpMetricsLayer, Metrics};
/// use tower::{Layer, ServiceExt, service_fn};
/// let metrics = Metrics::install().unwrap();
/// let inner = service_fn(|_: Request<()>| async { Ok::<_, Infallible>(Response::new(())) });
/// let request = Request::builder().method("BREW").body(()).unwrap();
/// HttpMetricsLayer::new().layer(inner).oneshot(request).await.unwrap();
/// assert!(metrics.render().contains(r#"method="_OTHER",route="unmatched",status_class="2xx""#));
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct HttpMetrics<S> {
    inner: S,
}

impl<S, B, ResB> Service<Request<B>> for HttpMetrics<S>
where
    S: Service<Request<B>, Response = Response<ResB>>,
{
    type Response = Response<ResB>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let route = req
            .extensions()
            .get::<MatchedPath>()
            .map_or(UNMATCHED_ROUTE, MatchedPath::as_str)
            .to_owned();
        let method = method_label(req.method());
        ::metrics::gauge!(HTTP_IN_FLIGHT).increment(1.0);
        ResponseFuture {
            inner: self.inner.call(req),
            record: Some(Pending {
                method,
                route,
                start: Instant::now(),
            }),
        }
    }
}

/// What a request's series need once it is answered.
#[derive(Debug)]
struct Pending {
    method: &'static str,
    route: String,
    start: Instant,
}

impl Pending {
    fn finish(self, status_class: &'static str) {
        let elapsed = self.start.elapsed().as_secs_f64();
        let labels = [
            ("method", self.method.into()),
            ("route", self.route),
            ("status_class", status_class.into()),
        ];
        ::metrics::counter!(HTTP_REQUESTS, &labels).increment(1);
        ::metrics::histogram!(HTTP_DURATION, &labels).record(elapsed);
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`HttpMetrics`]: records the request when the response head is
    /// ready (or, if the request is dropped first, counts it out of the in-flight gauge).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # use std::convert::Infallible;
    /// use http::{Request, Response};
    /// use rustbe_core::metrics::{HttpMetricsLayer, ResponseFuture};
    /// use tower::{Layer, Service, ServiceExt, service_fn};
    /// let mut service = HttpMetricsLayer::new().layer(service_fn(|_: Request<()>| async { Ok::<_, Infallible>(Response::new(())) }));
    /// let future: ResponseFuture<_> = service.ready().await.unwrap().call(Request::new(()));
    /// assert_eq!(future.await.unwrap().status(), 200);
    /// # });
    /// ```
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        record: Option<Pending>,
    }

    impl<F> PinnedDrop for ResponseFuture<F> {
        fn drop(this: Pin<&mut Self>) {
            if this.project().record.take().is_some() {
                ::metrics::gauge!(HTTP_IN_FLIGHT).decrement(1.0);
            }
        }
    }
}

impl<F, ResB, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<ResB>, E>>,
{
    type Output = Result<Response<ResB>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let outcome = ready!(this.inner.poll(cx));
        if let Some(pending) = this.record.take() {
            ::metrics::gauge!(HTTP_IN_FLIGHT).decrement(1.0);
            let class = match &outcome {
                Ok(response) => status_class(response.status().as_u16()),
                Err(_) => "5xx",
            };
            pending.finish(class);
        }
        Poll::Ready(outcome)
    }
}

/// The method as a label: the standard nine, or `_OTHER`.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "_OTHER",
    }
}

/// `2xx`, `4xx` …
fn status_class(status: u16) -> &'static str {
    match status / 100 {
        1 => "1xx",
        2 => "2xx",
        3 => "3xx",
        4 => "4xx",
        _ => "5xx",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_bounded() {
        assert_eq!(
            method_label(&Method::from_bytes(b"PROPFIND").unwrap_or_default()),
            "_OTHER"
        );
        assert_eq!(method_label(&Method::PATCH), "PATCH");
        assert_eq!(
            [100, 204, 304, 429, 503, 999].map(status_class),
            ["1xx", "2xx", "3xx", "4xx", "5xx", "5xx"]
        );
    }
}
