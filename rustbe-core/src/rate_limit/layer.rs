//! The rate-limit middleware: [`RateLimitLayer`] applies a [`RateLimitRule`], answers 429 with
//! `Retry-After` and writes the `RateLimit-*` headers.

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::response::{IntoResponse, Response};
use futures_util::future::BoxFuture;
use http::{HeaderMap, HeaderName, HeaderValue, Request};
use tower::{Layer, Service};

use super::client::{client_ip, write_bucket};
use super::rule::{KeyBy, RateLimitRule};
use super::{Decision, RateLimiter};
use crate::Error;
use crate::access::Principal;

/// Applies a [`RateLimitRule`]: each request is checked and counted by the limiter; one over
/// the limit gets 429 `RATE_LIMITED` with `Retry-After`. Every answer carries
/// `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (seconds).
///
/// If the limiter itself fails (a custom one; the built-in ones do not), the request is let
/// through and the failure logged.
///
/// ```
/// use std::sync::Arc;
/// use axum::{Router, routing::get};
/// use rustbe_core::rate_limit::{KeyBy, MemoryRateLimiter, RateLimitLayer, RateLimitRule};
///
/// let rule = RateLimitRule::new("api", "100/15m".parse().unwrap(), KeyBy::ClientIp { trust_proxy: false });
/// let app: Router = Router::new()
///     .route("/", get(|| async { "hi" }))
///     .layer(RateLimitLayer::new(Arc::new(MemoryRateLimiter::new()), rule));
/// ```
#[derive(Clone)]
#[must_use]
pub struct RateLimitLayer {
    limiter: Arc<dyn RateLimiter>,
    rule: Arc<RateLimitRule>,
    prefix: Option<Arc<str>>,
    success_headers: bool,
}

impl std::fmt::Debug for RateLimitLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimitLayer")
            .field("rule", &self.rule)
            .finish_non_exhaustive()
    }
}

impl RateLimitLayer {
    /// The layer for `rule`, counting in `limiter`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use rustbe_core::rate_limit::{KeyBy, MemoryRateLimiter, RateLimitLayer, RateLimitRule};
    /// let rule = RateLimitRule::new("login", "5/15m".parse().unwrap(), KeyBy::ClientIp { trust_proxy: false });
    /// let layer = RateLimitLayer::new(Arc::new(MemoryRateLimiter::new()), rule);
    /// assert!(format!("{layer:?}").contains("login"));
    /// ```
    pub fn new(limiter: Arc<dyn RateLimiter>, rule: RateLimitRule) -> Self {
        Self {
            limiter,
            rule: Arc::new(rule),
            prefix: None,
            success_headers: true,
        }
    }

    /// Whether answers that were let through carry `RateLimit-*` too (the default). A 429
    /// always carries them with `Retry-After`. Turning them off saves a few dozen bytes on
    /// every answer.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use rustbe_core::rate_limit::{KeyBy, MemoryRateLimiter, RateLimitLayer, RateLimitRule};
    /// let rule = RateLimitRule::new("api", "100/15m".parse().unwrap(), KeyBy::ClientIp { trust_proxy: false });
    /// let layer = RateLimitLayer::new(Arc::new(MemoryRateLimiter::new()), rule).success_headers(false);
    /// ```
    pub fn success_headers(mut self, on: bool) -> Self {
        self.success_headers = on;
        self
    }

    /// Limits only requests whose path starts with `prefix`. The app puts its `/api` rule in
    /// the stack every route shares this way, so `/health`, `/ready` and the docs stay
    /// unlimited.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use rustbe_core::rate_limit::{KeyBy, MemoryRateLimiter, RateLimitLayer, RateLimitRule};
    /// let rule = RateLimitRule::new("api", "100/15m".parse().unwrap(), KeyBy::ClientIp { trust_proxy: false });
    /// let layer = RateLimitLayer::new(Arc::new(MemoryRateLimiter::new()), rule).path_prefix("/api/");
    /// ```
    pub fn path_prefix(mut self, prefix: &str) -> Self {
        self.prefix = Some(prefix.into());
        self
    }
}

impl<S> Layer<S> for RateLimitLayer {
    type Service = RateLimit<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RateLimit {
            inner,
            limiter: self.limiter.clone(),
            rule: self.rule.clone(),
            prefix: self.prefix.clone(),
            success_headers: self.success_headers,
        }
    }
}

/// The service of [`RateLimitLayer`].
///
/// ```
/// use std::sync::Arc;
/// use rustbe_core::rate_limit::{KeyBy, MemoryRateLimiter, RateLimit, RateLimitLayer, RateLimitRule};
/// use tower::Layer;
/// let rule = RateLimitRule::new("api", "1/1m".parse().unwrap(), KeyBy::ClientIp { trust_proxy: false });
/// let service: RateLimit<axum::routing::Router> = RateLimitLayer::new(Arc::new(MemoryRateLimiter::new()), rule).layer(axum::Router::new());
/// ```
#[derive(Clone)]
pub struct RateLimit<S> {
    inner: S,
    limiter: Arc<dyn RateLimiter>,
    rule: Arc<RateLimitRule>,
    prefix: Option<Arc<str>>,
    success_headers: bool,
}

impl<S: std::fmt::Debug> std::fmt::Debug for RateLimit<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimit")
            .field("inner", &self.inner)
            .field("rule", &self.rule)
            .finish_non_exhaustive()
    }
}

impl<S, B> Service<Request<B>> for RateLimit<S>
where
    S: Service<Request<B>, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        if let Some(prefix) = &self.prefix
            && !req.uri().path().starts_with(&**prefix)
        {
            return ResponseFuture::inner(self.inner.call(req), None);
        }
        let key = request_key(&req, &self.rule);
        // In-process limiters answer at once: no future, no clone of the inner service.
        if let Some(decision) = self.limiter.check_local(&key, self.rule.rate) {
            return self.answer(decision, req);
        }
        let ready_inner = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, ready_inner);
        let (limiter, rule, success_headers) = (
            self.limiter.clone(),
            self.rule.clone(),
            self.success_headers,
        );
        ResponseFuture::boxed(Box::pin(async move {
            match limiter.check(&key, rule.rate).await {
                Ok(decision) if !decision.allowed => {
                    #[cfg(feature = "metrics")]
                    crate::metrics::record::rate_limited(rule.name);
                    Ok(refused(&decision))
                }
                Ok(decision) => {
                    let mut response = inner.call(req).await?;
                    if success_headers {
                        set_headers(response.headers_mut(), &decision);
                    }
                    Ok(response)
                }
                Err(err) => {
                    tracing::warn!(error = %err, rule = rule.name, "rate limiter failed; request let through");
                    inner.call(req).await
                }
            }
        }))
    }
}

impl<S> RateLimit<S> {
    fn answer<B>(&mut self, decision: Decision, req: Request<B>) -> ResponseFuture<S::Future>
    where
        S: Service<Request<B>, Response = Response, Error = Infallible>,
    {
        if decision.allowed {
            ResponseFuture::inner(
                self.inner.call(req),
                self.success_headers.then_some(decision),
            )
        } else {
            #[cfg(feature = "metrics")]
            crate::metrics::record::rate_limited(self.rule.name);
            ResponseFuture::refused(refused(&decision))
        }
    }
}

fn refused(decision: &Decision) -> Response {
    let mut response = Error::rate_limited(decision.retry_after).into_response();
    set_headers(response.headers_mut(), decision);
    response
}

pin_project_lite::pin_project! {
    /// The response future of [`RateLimit`].
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use std::sync::Arc;
    /// use rustbe_core::rate_limit::{KeyBy, MemoryRateLimiter, RateLimitLayer, RateLimitRule};
    /// use tower::{Layer, Service, ServiceExt};
    /// let rule = RateLimitRule::new("api", "1/1m".parse().unwrap(), KeyBy::ClientIp { trust_proxy: false });
    /// let mut service = RateLimitLayer::new(Arc::new(MemoryRateLimiter::new()), rule).layer(axum::Router::new());
    /// let request = || http::Request::builder().uri("/").body(axum::body::Body::empty()).unwrap();
    /// type Req = http::Request<axum::body::Body>;
/// let first = ServiceExt::<Req>::ready(&mut service).await.unwrap().call(request()).await.unwrap(); // a ResponseFuture
    /// assert_eq!(first.headers()["ratelimit-remaining"], "0");
    /// let second = ServiceExt::<Req>::ready(&mut service).await.unwrap().call(request()).await.unwrap();
    /// assert_eq!(second.status(), 429);
    /// # });
    /// ```
    pub struct ResponseFuture<F> {
        #[pin]
        kind: Kind<F>,
    }
}

pin_project_lite::pin_project! {
    #[project = KindProjection]
    enum Kind<F> {
        // Let through (or not limited): the inner answer, with the decision's headers added.
        Inner { #[pin] future: F, decision: Option<Decision> },
        // Refused at once.
        Refused { response: Option<Response> },
        // Decided by a limiter that does I/O.
        Boxed { future: BoxFuture<'static, Result<Response, Infallible>> },
    }
}

impl<F> ResponseFuture<F> {
    fn inner(future: F, decision: Option<Decision>) -> Self {
        Self {
            kind: Kind::Inner { future, decision },
        }
    }

    fn refused(response: Response) -> Self {
        Self {
            kind: Kind::Refused {
                response: Some(response),
            },
        }
    }

    fn boxed(future: BoxFuture<'static, Result<Response, Infallible>>) -> Self {
        Self {
            kind: Kind::Boxed { future },
        }
    }
}

impl<F> std::future::Future for ResponseFuture<F>
where
    F: std::future::Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            KindProjection::Inner { future, decision } => {
                let mut response = std::task::ready!(future.poll(cx))?;
                if let Some(decision) = decision {
                    set_headers(response.headers_mut(), decision);
                }
                Poll::Ready(Ok(response))
            }
            KindProjection::Refused { response } => Poll::Ready(Ok(response
                .take()
                .unwrap_or_else(|| Error::internal("polled after completion").into_response()))),
            KindProjection::Boxed { future } => future.as_mut().poll(cx),
        }
    }
}

fn set_headers(headers: &mut HeaderMap, decision: &Decision) {
    let reset = decision.reset.as_secs() + u64::from(decision.reset.subsec_nanos() > 0);
    for (name, value) in [
        ("ratelimit-limit", u64::from(decision.limit)),
        ("ratelimit-remaining", u64::from(decision.remaining)),
        ("ratelimit-reset", reset),
    ] {
        // An inner, stricter rule (login) has already answered: keep its numbers.
        headers
            .entry(HeaderName::from_static(name))
            .or_insert_with(|| HeaderValue::from(value));
    }
}

/// The key of a request under `rule`: `{rule}:user:{id}` or `{rule}:ip:{address}`, built in
/// one allocation.
fn request_key<B>(req: &Request<B>, rule: &RateLimitRule) -> String {
    let mut key = String::with_capacity(rule.name.len() + 48);
    key.push_str(rule.name);
    let trust_proxy = match rule.key {
        KeyBy::PrincipalOrIp { trust_proxy } => {
            if let Some(principal) = req.extensions().get::<Principal>() {
                key.push_str(":user:");
                key.push_str(principal.id());
                return key;
            }
            trust_proxy
        }
        KeyBy::ClientIp { trust_proxy } => trust_proxy,
    };
    match client_ip(req, trust_proxy) {
        Some(ip) => {
            key.push_str(":ip:");
            write_bucket(&mut key, ip);
        }
        None => {
            static WARNED: std::sync::atomic::AtomicBool =
                std::sync::atomic::AtomicBool::new(false);
            if !WARNED.swap(true, std::sync::atomic::Ordering::Relaxed) {
                tracing::warn!(
                    "rate limiting cannot see client addresses: every client shares one limit. Serve with \
                     `into_make_service_with_connect_info::<SocketAddr>()` (as `App::serve` does)"
                );
            }
            key.push_str(":ip:unknown");
        }
    }
    key
}
