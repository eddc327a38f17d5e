//! [`SecurityHeadersLayer`]: the security headers of every answer (`nosniff`, frame
//! denial, referrer policy, the CSP of the API or of the docs, HSTS in production), and the
//! request headers kept out of logs and traces.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use http::{HeaderMap, HeaderName, HeaderValue, Request, Response, header};
use tower::{Layer, Service};

/// The Content-Security-Policy of API responses: nothing may be loaded or framed.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use axum::{Router, routing::get};
/// use rustbe_core::middleware::{API_CSP, SecurityHeadersLayer};
/// use rustbe_core::testing::TestRequest;
/// let app = Router::new().route("/", get(|| async { "hi" })).layer(SecurityHeadersLayer::new());
/// let response = TestRequest::get("/").send(&app).await;
/// assert_eq!(response.header("content-security-policy"), Some(API_CSP));
/// # });
/// ```
pub const API_CSP: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// The Content-Security-Policy of the Swagger UI pages: their own scripts, styles and images
/// only, no framing.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use rustbe_core::{app::App, config::Config, middleware::DOCS_CSP, testing::TestRequest};
/// let router = App::new(Config::for_tests("demo")).into_router();
/// let response = TestRequest::get("/docs/").send(&router).await;
/// assert_eq!(response.status(), 200);
/// assert_eq!(response.header("content-security-policy"), Some(DOCS_CSP));
/// # });
/// ```
pub const DOCS_CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
    script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const HSTS: &str = "max-age=63072000; includeSubDomains";

/// Sets the security headers on every response:
/// `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`, `Referrer-Policy: no-referrer`,
/// `Cross-Origin-Opener-Policy: same-origin`, a `Content-Security-Policy` ([`API_CSP`] unless
/// the response set its own), `Strict-Transport-Security` when enabled (production), and
/// removes `Server` and `X-Powered-By` so no version is advertised.
///
/// ```
/// use axum::{Router, routing::get};
/// use rustbe_core::middleware::SecurityHeadersLayer;
///
/// let app: Router = Router::new()
///     .route("/", get(|| async { "hi" }))
///     .layer(SecurityHeadersLayer::new().hsts(true));
/// ```
#[derive(Debug, Clone, Copy, Default)]
#[must_use]
pub struct SecurityHeadersLayer {
    hsts: bool,
    sensitive_requests: bool,
}

impl SecurityHeadersLayer {
    /// The layer, without HSTS.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use axum::{Router, routing::get};
    /// use rustbe_core::{middleware::SecurityHeadersLayer, testing::TestRequest};
    /// let app = Router::new().route("/", get(|| async { "hi" })).layer(SecurityHeadersLayer::new());
    /// let response = TestRequest::get("/").send(&app).await;
    /// assert_eq!(response.header("x-frame-options"), Some("DENY"));
    /// assert_eq!(response.header("strict-transport-security"), None);
    /// # });
    /// ```
    pub fn new() -> Self {
        Self {
            hsts: false,
            sensitive_requests: false,
        }
    }

    /// Sends `Strict-Transport-Security` too (only behind HTTPS: production).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use axum::{Router, routing::get};
    /// use rustbe_core::{middleware::SecurityHeadersLayer, testing::TestRequest};
    /// let app = Router::new().route("/", get(|| async { "hi" })).layer(SecurityHeadersLayer::new().hsts(true));
    /// let response = TestRequest::get("/").send(&app).await;
    /// let hsts = response.header("strict-transport-security");
    /// assert_eq!(hsts, Some("max-age=63072000; includeSubDomains"));
    /// # });
    /// ```
    pub fn hsts(mut self, on: bool) -> Self {
        self.hsts = on;
        self
    }

    /// Marks the request's `Authorization` and `Cookie` values sensitive too (what
    /// tower-http's `SetSensitiveRequestHeadersLayer` does), in one pass over the request's
    /// headers: the app's stack does it here instead of in a layer of its own, whose hashed
    /// lookups (each reserving room in the map first) cost more than the pass.
    pub(crate) fn sensitive_request_headers(mut self) -> Self {
        self.sensitive_requests = true;
        self
    }
}

impl<S> Layer<S> for SecurityHeadersLayer {
    type Service = SecurityHeaders<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SecurityHeaders {
            inner,
            hsts: self.hsts,
            sensitive_requests: self.sensitive_requests,
        }
    }
}

/// The service of [`SecurityHeadersLayer`].
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// # use std::convert::Infallible;
/// # use http::{Request, Response};
/// use rustbe_core::middleware::SecurityHeadersLayer;
/// use tower::{Layer, ServiceExt, service_fn};
/// let inner = service_fn(|_: Request<()>| async {
///     Ok::<_, Infallible>(Response::builder().header("server", "hyper/1.0").body(()).unwrap())
/// });
/// let response = SecurityHeadersLayer::new().layer(inner).oneshot(Request::new(())).await.unwrap();
/// assert!(!response.headers().contains_key("server"));
/// assert_eq!(response.headers()["x-content-type-options"], "nosniff");
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct SecurityHeaders<S> {
    inner: S,
    hsts: bool,
    sensitive_requests: bool,
}

impl<S, B, ResB> Service<Request<B>> for SecurityHeaders<S>
where
    S: Service<Request<B>, Response = Response<ResB>>,
{
    type Response = Response<ResB>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        if self.sensitive_requests {
            mark_sensitive(req.headers_mut());
        }
        ResponseFuture {
            inner: self.inner.call(req),
            hsts: self.hsts,
        }
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`SecurityHeaders`].
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # use std::convert::Infallible;
    /// # use http::{Request, Response};
    /// use rustbe_core::middleware::SecurityHeadersLayer;
    /// use tower::{Layer, Service, ServiceExt, service_fn};
    /// let inner = service_fn(|_: Request<()>| async { Ok::<_, Infallible>(Response::new(())) });
    /// let mut service = SecurityHeadersLayer::new().layer(inner);
    /// let future = service.ready().await.unwrap().call(Request::new(())); // a `ResponseFuture`
    /// assert_eq!(future.await.unwrap().headers()["referrer-policy"], "no-referrer");
    /// # });
    /// ```
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        hsts: bool,
    }
}

impl<F, ResB, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<ResB>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = ready!(this.inner.poll(cx))?;
        apply(response.headers_mut(), *this.hsts);
        Poll::Ready(Ok(response))
    }
}

/// The headers set on every response, built once: a `HeaderValue::from_static` in a function
/// body checks its bytes on every call, and a custom `HeaderName::from_static` parses its name.
const FIXED: [(HeaderName, HeaderValue); 4] = [
    (
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    ),
    (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
    (
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    ),
    (
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    ),
];
const API_CSP_VALUE: HeaderValue = HeaderValue::from_static(API_CSP);
const HSTS_VALUE: HeaderValue = HeaderValue::from_static(HSTS);
const X_POWERED_BY: HeaderName = HeaderName::from_static("x-powered-by");

/// Every value of `Authorization` and `Cookie` marked sensitive (kept out of `Debug` and
/// HPACK tables).
fn mark_sensitive(headers: &mut HeaderMap) {
    for (name, value) in headers.iter_mut() {
        if name == header::AUTHORIZATION || name == header::COOKIE {
            value.set_sensitive(true);
        }
    }
}

fn apply(headers: &mut HeaderMap, hsts: bool) {
    for (name, value) in FIXED {
        headers.insert(name, value);
    }
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(API_CSP_VALUE);
    if hsts {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HSTS_VALUE);
    }
    headers.remove(header::SERVER);
    headers.remove(X_POWERED_BY);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_csp_is_kept_and_server_is_removed() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(DOCS_CSP),
        );
        headers.insert(header::SERVER, HeaderValue::from_static("hyper/1.0"));
        apply(&mut headers, false);
        assert_eq!(headers[header::CONTENT_SECURITY_POLICY], DOCS_CSP);
        assert!(!headers.contains_key(header::SERVER));
        assert!(!headers.contains_key(header::STRICT_TRANSPORT_SECURITY));
        apply(&mut headers, true);
        assert_eq!(headers[header::STRICT_TRANSPORT_SECURITY], HSTS);
    }

    #[test]
    fn every_credential_value_is_marked_sensitive() {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer t"));
        headers.append(header::COOKIE, HeaderValue::from_static("a=1"));
        headers.append(header::COOKIE, HeaderValue::from_static("b=2"));
        headers.insert(header::ACCEPT, HeaderValue::from_static("*/*"));
        mark_sensitive(&mut headers);
        assert!(headers[header::AUTHORIZATION].is_sensitive());
        assert!(
            headers
                .get_all(header::COOKIE)
                .iter()
                .all(HeaderValue::is_sensitive)
        );
        assert_eq!(headers.get_all(header::COOKIE).iter().count(), 2);
        assert!(!headers[header::ACCEPT].is_sensitive());
    }
}
