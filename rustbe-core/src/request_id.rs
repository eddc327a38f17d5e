//! Request ids: taken from `X-Request-Id` when the client sent a sane one, generated
//! otherwise, echoed on every response and written into every error body.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::extract::FromRequestParts;
use http::request::Parts;
use http::{HeaderName, HeaderValue, Request, Response};
use tokio::task::futures::TaskLocalFuture;
use tower::{Layer, Service};

/// The `X-Request-Id` header.
///
/// ```
/// use rustbe_core::request_id::X_REQUEST_ID;
/// assert_eq!(X_REQUEST_ID.as_str(), "x-request-id");
/// let mut headers = http::HeaderMap::new();
/// headers.insert(X_REQUEST_ID.clone(), http::HeaderValue::from_static("abc-123"));
/// assert_eq!(headers["X-Request-Id"], "abc-123");
/// ```
pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The longest client-sent id that is kept; longer ones are replaced.
const MAX_LEN: usize = 128;

tokio::task_local! {
    static CURRENT: RequestId;
}

/// The id of the request being served.
///
/// As an extractor it never fails: behind [`SetRequestIdLayer`] it is the request's id, and
/// elsewhere a fresh one.
///
/// ```
/// use rustbe_core::request_id::RequestId;
/// async fn handler(id: RequestId) -> String {
///     format!("you are request {id}")
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(HeaderValue);

impl RequestId {
    /// A new id: 32 hex digits, a random half drawn once per process and a half that is a
    /// counter mixed by a bijection (splitmix64), so ids never repeat within a process and
    /// look unrelated to each other. Unlike a UUID v4 it needs no system call per request;
    /// it is an id for logs, not a secret.
    ///
    /// ```
    /// use rustbe_core::request_id::RequestId;
    /// let (a, b) = (RequestId::generate(), RequestId::generate());
    /// assert_eq!(a.as_str().len(), 32);
    /// assert!(a.as_str().bytes().all(|c| c.is_ascii_hexdigit()));
    /// assert_ne!(a, b);
    /// assert_eq!(a.as_str()[..16], b.as_str()[..16], "the same process");
    /// ```
    #[must_use]
    pub fn generate() -> Self {
        static PROCESS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let process = *PROCESS.get_or_init(|| uuid::Uuid::new_v4().as_u64_pair().0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // One allocation, shared by every clone (the extension, the task-local, the request
        // and response headers); hex digits are always a valid header value.
        let hex = bytes::Bytes::from_owner(hex_pair(process, splitmix64(n)));
        Self(
            HeaderValue::from_maybe_shared(hex)
                .unwrap_or_else(|_| HeaderValue::from_static("invalid")),
        )
    }

    /// The id a client sent, if it is 1 to 128 characters of `A-Z a-z 0-9 - _ . :`.
    /// Anything else is not echoed back, so a client cannot inject into logs or bodies.
    ///
    /// ```
    /// use rustbe_core::request_id::RequestId;
    /// assert!(RequestId::parse("abc-123").is_some());
    /// assert!(RequestId::parse("evil\"}, {\"x").is_none());
    /// assert!(RequestId::parse("").is_none());
    /// ```
    #[must_use]
    pub fn parse(value: &str) -> Option<Self> {
        if !is_sane(value.as_bytes()) {
            return None;
        }
        HeaderValue::from_str(value).ok().map(Self)
    }

    /// The id a client sent in `X-Request-Id`, kept without a copy when it is sane.
    fn from_header(value: &HeaderValue) -> Option<Self> {
        is_sane(value.as_bytes()).then(|| Self(value.clone()))
    }

    /// The id as text.
    ///
    /// ```
    /// use rustbe_core::request_id::RequestId;
    /// assert_eq!(RequestId::parse("abc-123").unwrap().as_str(), "abc-123");
    /// ```
    #[must_use]
    pub fn as_str(&self) -> &str {
        // Both constructors allow only ASCII, so this is never empty for a real id.
        std::str::from_utf8(self.0.as_bytes()).unwrap_or_default()
    }

    /// The id of the request this task is serving, if it runs behind [`SetRequestIdLayer`].
    ///
    /// ```
    /// assert!(rustbe_core::request_id::RequestId::current().is_none());
    /// ```
    #[must_use]
    pub fn current() -> Option<Self> {
        CURRENT.try_with(Clone::clone).ok()
    }

    fn header_value(&self) -> HeaderValue {
        self.0.clone()
    }
}

/// 1 to 128 characters of `A-Z a-z 0-9 - _ . :`.
fn is_sane(value: &[u8]) -> bool {
    !value.is_empty()
        && value.len() <= MAX_LEN
        && value
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(b))
}

/// splitmix64's finalizer: a bijection of `u64`, so distinct counters give distinct ids.
fn splitmix64(n: u64) -> u64 {
    let mut z = n.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// `a` then `b` as 32 lower-case hex digits, as `format!("{a:016x}{b:016x}")` writes them
/// without the formatting machinery (this runs on every request).
fn hex_pair(a: u64, b: u64) -> [u8; 32] {
    let mut hex = [0_u8; 32];
    let (first, second) = hex.split_at_mut(16);
    crate::hex::write(&a.to_be_bytes(), first);
    crate::hex::write(&b.to_be_bytes(), second);
    hex
}

/// The current id, or a new one outside [`SetRequestIdLayer`].
pub(crate) fn current_or_new() -> RequestId {
    RequestId::current().unwrap_or_else(RequestId::generate)
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestId {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<RequestId>()
            .cloned()
            .unwrap_or_else(current_or_new))
    }
}

/// Gives every request an id: the client's `X-Request-Id` when it is sane (see
/// [`RequestId::parse`]), a new one otherwise. The id is put in the request's extensions and
/// headers, made [`RequestId::current`] for everything that runs inside, and set as
/// `X-Request-Id` on the response.
///
/// ```
/// use axum::{Router, routing::get};
/// use rustbe_core::request_id::SetRequestIdLayer;
///
/// let app: Router = Router::new().route("/", get(|| async { "hi" })).layer(SetRequestIdLayer::new());
/// ```
#[derive(Debug, Clone, Copy, Default)]
#[must_use]
pub struct SetRequestIdLayer;

impl SetRequestIdLayer {
    /// The layer.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use axum::{Router, routing::get};
    /// use rustbe_core::request_id::{RequestId, SetRequestIdLayer};
    /// use rustbe_core::testing::TestRequest;
    /// let app = Router::new().route("/", get(|id: RequestId| async move { id.to_string() })).layer(SetRequestIdLayer::new());
    /// let response = TestRequest::get("/").header("x-request-id", "abc-123").send(&app).await;
    /// assert_eq!(response.header("x-request-id"), Some("abc-123"));
    /// assert_eq!(response.body(), b"abc-123");
    /// # });
    /// ```
    pub fn new() -> Self {
        Self
    }
}

impl<S> Layer<S> for SetRequestIdLayer {
    type Service = SetRequestId<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SetRequestId { inner }
    }
}

/// The service of [`SetRequestIdLayer`].
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// # use std::convert::Infallible;
/// # use http::{Request, Response};
/// use rustbe_core::request_id::{RequestId, SetRequestIdLayer};
/// use tower::{Layer, ServiceExt, service_fn};
/// let inner = service_fn(|req: Request<()>| async move {
///     assert_eq!(req.headers()["x-request-id"], RequestId::current().unwrap().as_str());
///     Ok::<_, Infallible>(Response::new(()))
/// });
/// let response = SetRequestIdLayer::new().layer(inner).oneshot(Request::new(())).await.unwrap();
/// assert_eq!(response.headers()["x-request-id"].len(), 32);
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct SetRequestId<S> {
    inner: S,
}

/// The old name of [`SetRequestId`].
#[deprecated(
    since = "0.1.0",
    note = "renamed `SetRequestId` (beside `SetRequestIdLayer`, as tower-http names them)"
)]
pub type RequestIdService<S> = SetRequestId<S>;

/// The old name of [`SetRequestIdLayer`].
#[deprecated(
    since = "0.1.0",
    note = "renamed `SetRequestIdLayer` (beside `SetRequestId`, as tower-http names them)"
)]
pub type RequestIdLayer = SetRequestIdLayer;

impl<S, B, ResB> Service<Request<B>> for SetRequestId<S>
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
        let id = req
            .headers()
            .get(&X_REQUEST_ID)
            .and_then(RequestId::from_header)
            .unwrap_or_else(RequestId::generate);
        let header = id.header_value();
        req.headers_mut()
            .insert(X_REQUEST_ID.clone(), header.clone());
        req.extensions_mut().insert(id.clone());
        ResponseFuture {
            inner: CURRENT.scope(id, self.inner.call(req)),
            header: Some(header),
        }
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`SetRequestId`].
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # use std::convert::Infallible;
    /// # use http::{Request, Response};
    /// use rustbe_core::request_id::{SetRequestIdLayer, ResponseFuture};
    /// use tower::{Layer, Service, ServiceExt, service_fn};
    /// let mut service = SetRequestIdLayer::new().layer(service_fn(|_: Request<()>| async { Ok::<_, Infallible>(Response::new(())) }));
    /// let future: ResponseFuture<_> = service.ready().await.unwrap().call(Request::new(()));
    /// assert!(future.await.unwrap().headers().contains_key("x-request-id"));
    /// # });
    /// ```
    pub struct ResponseFuture<F> {
        #[pin]
        inner: TaskLocalFuture<RequestId, F>,
        header: Option<HeaderValue>,
    }
}

impl<F, ResB, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<ResB>, E>>,
{
    type Output = Result<Response<ResB>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = ready!(this.inner.poll(cx))?;
        if let Some(header) = this.header.take() {
            response.headers_mut().insert(X_REQUEST_ID.clone(), header);
        }
        Poll::Ready(Ok(response))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_pair_writes_what_format_writes() {
        for (a, b) in [
            (0, 0),
            (u64::MAX, 1),
            (0x0123_4567_89ab_cdef, 0xfedc_ba98_7654_3210),
            (splitmix64(7), splitmix64(8)),
        ] {
            let hex = hex_pair(a, b);
            assert_eq!(
                std::str::from_utf8(&hex),
                Ok(format!("{a:016x}{b:016x}").as_str())
            );
        }
    }
}
