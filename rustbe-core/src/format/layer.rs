//! [`FormatLayer`]: the format of the requests under it, and the error body of every
//! rejection that was not rendered by [`Error`](crate::Error).

use std::any::TypeId;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use axum::body::Body;
use axum::response::IntoResponse;
use http::{Request, Response, StatusCode, header};
use tokio::task::futures::TaskLocalFuture;
use tower::{Layer, Service};

use super::{CURRENT, Envelope, Format, Scope};
use crate::ErrorCode;
use crate::error::ErrorRendered;

/// Answers the requests under it in a [`Format`], and renders the error body of every error
/// response that was not produced by [`Error`](crate::Error): axum's 404 and 405 (keeping
/// `Allow`), tower-http's 413 and timeouts, a handler returning a bare status. Headers such
/// as `Allow`, `Retry-After` and `WWW-Authenticate` are kept; the body is replaced. Responses
/// rendered by `Error` pass untouched.
///
/// [`App`](crate::app::App) installs one with the app's format
/// ([`App::format`](crate::app::App::format)); add another on a router to answer it in its
/// own format. [`FormatLayer::envelope`] (what the app uses by default) costs no task-local
/// scope: the envelope is what every answer falls back to. To answer one router in the
/// envelope inside an app of another format, use `FormatLayer::new(Envelope)`, which sets it.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use axum::{Router, routing::get};
/// use rustbe_core::format::{FormatLayer, Problem};
/// use rustbe_core::testing::TestRequest;
///
/// let app = Router::new()
///     .route("/", get(|| async { "hi" }))
///     .layer(FormatLayer::new(Problem::new()));
/// let response = TestRequest::post("/").send(&app).await;
/// assert_eq!(response.status(), 405);
/// assert_eq!(response.header("content-type"), Some("application/problem+json"));
/// assert_eq!(response.header("allow"), Some("GET,HEAD"));
/// assert_eq!(response.json()["instance"], "/");
/// # });
/// ```
#[derive(Clone, Default)]
#[must_use]
pub struct FormatLayer {
    format: Option<Arc<dyn Format>>,
}

impl std::fmt::Debug for FormatLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FormatLayer")
            .field("envelope", &self.format.is_none())
            .finish()
    }
}

impl FormatLayer {
    /// Answers in `format`.
    ///
    /// ```
    /// let layer = rustbe_core::format::FormatLayer::new(rustbe_core::format::Plain::bare());
    /// ```
    pub fn new<F: Format>(format: F) -> Self {
        Self::shared(Arc::new(format))
    }

    /// The app's layer for `format`: the scope-free [`FormatLayer::envelope`] when it is the
    /// envelope, which every answer falls back to outside a scope.
    pub(crate) fn for_app<F: Format>(format: F) -> Self {
        if TypeId::of::<F>() == TypeId::of::<Envelope>() {
            return Self::envelope();
        }
        Self::new(format)
    }

    /// Answers in a shared `format`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use rustbe_core::format::{Format, FormatLayer, Plain};
    /// let format: Arc<dyn Format> = Arc::new(Plain::wrapped());
    /// let layer = FormatLayer::shared(format);
    /// ```
    pub fn shared(format: Arc<dyn Format>) -> Self {
        Self {
            format: Some(format),
        }
    }

    /// rustbe's envelope, the default.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use axum::{Router, routing::get};
    /// use rustbe_core::{format::FormatLayer, testing::TestRequest};
    /// let app = Router::new().route("/", get(|| async { "hi" })).layer(FormatLayer::envelope());
    /// let response = TestRequest::post("/").send(&app).await;
    /// assert_eq!(response.error_code(), "METHOD_NOT_ALLOWED");
    /// # });
    /// ```
    pub fn envelope() -> Self {
        Self { format: None }
    }

    /// The format of this layer (`None`: the envelope).
    pub(crate) fn format(&self) -> Option<&Arc<dyn Format>> {
        self.format.as_ref()
    }
}

impl<S> Layer<S> for FormatLayer {
    type Service = Formatted<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Formatted {
            inner,
            format: self.format.clone(),
        }
    }
}

/// The service of [`FormatLayer`].
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// # use std::convert::Infallible;
/// # use axum::{body::Body, response::IntoResponse};
/// # use http::{Request, StatusCode};
/// use rustbe_core::format::FormatLayer;
/// use tower::{Layer, ServiceExt, service_fn};
/// let inner = service_fn(|_: Request<Body>| async { Ok::<_, Infallible>(StatusCode::GONE.into_response()) });
/// let response = FormatLayer::envelope().layer(inner).oneshot(Request::new(Body::empty())).await.unwrap();
/// assert_eq!(response.status(), StatusCode::GONE);
/// assert_eq!(response.headers()["content-type"], "application/json");
/// # });
/// ```
#[derive(Clone)]
pub struct Formatted<S> {
    inner: S,
    format: Option<Arc<dyn Format>>,
}

impl<S: std::fmt::Debug> std::fmt::Debug for Formatted<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Formatted")
            .field("inner", &self.inner)
            .field("envelope", &self.format.is_none())
            .finish()
    }
}

impl<S, B> Service<Request<B>> for Formatted<S>
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
        match &self.format {
            None => ResponseFuture {
                kind: Kind::Envelope {
                    inner: self.inner.call(req),
                },
            },
            Some(format) => {
                let scope = Scope {
                    format: Arc::clone(format),
                    uri: req.uri().clone(),
                };
                let inner = CURRENT.scope(scope.clone(), self.inner.call(req));
                ResponseFuture {
                    kind: Kind::Scoped {
                        inner,
                        scope: Some(scope),
                    },
                }
            }
        }
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`Formatted`].
    pub struct ResponseFuture<F> {
        #[pin]
        kind: Kind<F>,
    }
}

pin_project_lite::pin_project! {
    #[project = KindProj]
    enum Kind<F> {
        Envelope { #[pin] inner: F },
        Scoped { #[pin] inner: TaskLocalFuture<Scope, F>, scope: Option<Scope> },
    }
}

impl<F, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<Body>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            KindProj::Envelope { inner } => {
                let response = ready!(inner.poll(cx))?;
                Poll::Ready(Ok(rejection(response, None)))
            }
            KindProj::Scoped { inner, scope } => {
                let response = ready!(inner.poll(cx))?;
                Poll::Ready(Ok(rejection(response, scope.take().as_ref())))
            }
        }
    }
}

/// An error response not rendered by `Error`, with its body in the format of `scope`.
fn rejection(response: Response<Body>, scope: Option<&Scope>) -> Response<Body> {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error())
        || response.extensions().get::<ErrorRendered>().is_some()
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
    let message =
        if status == StatusCode::SERVICE_UNAVAILABLE || status == StatusCode::GATEWAY_TIMEOUT {
            "The request took too long or the service is overloaded"
        } else {
            code.default_message()
        };
    let error = crate::Error::new(code).with_message(message);
    let mut rendered = match scope {
        None => error.into_response(),
        Some(scope) => CURRENT.sync_scope(scope.clone(), || error.into_response()),
    };
    // A status no code names (410, 418…) keeps its own, whatever the format maps the code to.
    if code.status() != status {
        *rendered.status_mut() = status;
    }
    let own: Vec<header::HeaderName> = rendered.headers().keys().cloned().collect();
    for (name, value) in &parts.headers {
        if !own.contains(name) {
            rendered.headers_mut().append(name.clone(), value.clone());
        }
    }
    rendered
}
