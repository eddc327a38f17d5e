//! [`RequireAuthLayer`] and [`RequireRoleLayer`], with their service [`Require`]: routes
//! only a caller, or only a caller with a role, reaches.

use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use futures_util::future::{Either, Ready, ready};
use http::Request;
use rustbe_core::Error;
use rustbe_core::access::Principal;
use tower::{Layer, Service};

/// Lets through only requests with a [`Principal`]: otherwise the [`AuthFailure`](rustbe_core::access::AuthFailure) the
/// [`AuthLayer`](super::AuthLayer) left, or 401 `UNAUTHORIZED` with `WWW-Authenticate: Bearer`. Put it inside
/// [`AuthLayer`](super::AuthLayer).
///
/// ```
/// use axum::{Router, routing::get};
/// use rustbe_auth::layer::RequireAuthLayer;
/// let private: Router = Router::new().route("/orders", get(|| async { "mine" })).route_layer(RequireAuthLayer::new());
/// ```
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct RequireAuthLayer {
    roles: Option<Arc<[String]>>,
}

impl RequireAuthLayer {
    /// The layer.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use axum::{Router, routing::get};
    /// use rustbe_auth::layer::RequireAuthLayer;
    /// use rustbe_core::testing::TestRequest;
    ///
    /// let private = Router::new().route("/orders", get(|| async { "mine" })).route_layer(RequireAuthLayer::new());
    /// let anonymous = TestRequest::get("/orders").send(&private).await;
    /// assert_eq!(anonymous.status(), 401);
    /// assert_eq!(anonymous.header("www-authenticate"), Some("Bearer"));
    /// # });
    /// ```
    pub fn new() -> Self {
        Self { roles: None }
    }
}

/// Lets through only callers with one of the roles: 401 `UNAUTHORIZED` without a caller, 403
/// `FORBIDDEN` without the role.
///
/// ```
/// use axum::{Router, routing::delete};
/// use rustbe_auth::layer::RequireRoleLayer;
/// let admin: Router = Router::new()
///     .route("/products/{id}", delete(|| async { "gone" }))
///     .route_layer(RequireRoleLayer::new(["admin"]));
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct RequireRoleLayer {
    roles: Arc<[String]>,
}

impl RequireRoleLayer {
    /// The layer, allowing any of `roles`.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # use std::sync::Arc;
    /// # use rustbe_auth::{layer::{AuthLayer, Authenticator}, revocation::MemoryRevocationList, token::TokenIssuer};
    /// # use rustbe_core::{access::Principal, config::Config, testing::TestRequest};
    /// # let issuer = TokenIssuer::from_config(&rustbe_auth::AuthConfig::for_tests("shop"));
    /// # let auth = Authenticator::new(issuer.clone(), Arc::new(MemoryRevocationList::new()));
    /// # let token = |role: &str| issuer.issue_access(&Principal::new("7", [role]), "s1").unwrap().token;
    /// use axum::{Router, routing::get};
    /// use rustbe_auth::layer::RequireRoleLayer;
    /// let stats = Router::new()
    ///     .route("/stats", get(|| async { "42" }))
    ///     .route_layer(RequireRoleLayer::new(["admin", "analyst"]))
    ///     .layer(AuthLayer::new(auth));
    /// assert_eq!(TestRequest::get("/stats").send(&stats).await.status(), 401);
    /// assert_eq!(TestRequest::get("/stats").bearer(&token("customer")).send(&stats).await.status(), 403);
    /// assert_eq!(TestRequest::get("/stats").bearer(&token("analyst")).send(&stats).await.status(), 200);
    /// # });
    /// ```
    pub fn new<I: IntoIterator<Item = R>, R: Into<String>>(roles: I) -> Self {
        Self {
            roles: roles.into_iter().map(Into::into).collect(),
        }
    }
}

impl<S> Layer<S> for RequireAuthLayer {
    type Service = Require<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Require {
            inner,
            roles: self.roles.clone(),
        }
    }
}

impl<S> Layer<S> for RequireRoleLayer {
    type Service = Require<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Require {
            inner,
            roles: Some(self.roles.clone()),
        }
    }
}

/// The service of [`RequireAuthLayer`] and [`RequireRoleLayer`].
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// # use std::convert::Infallible;
/// # use axum::body::Body;
/// # use rustbe_core::access::Principal;
/// use rustbe_auth::layer::{Require, RequireAuthLayer};
/// use tower::{Layer, ServiceExt, service_fn};
///
/// let inner = service_fn(|_: http::Request<Body>| async { Ok::<_, Infallible>(http::Response::new(Body::from("secret"))) });
/// let guarded: Require<_> = RequireAuthLayer::new().layer(inner);
/// let anonymous = guarded.clone().oneshot(http::Request::new(Body::empty())).await.unwrap();
/// assert_eq!(anonymous.status(), 401);
/// let mut request = http::Request::new(Body::empty());
/// request.extensions_mut().insert(Principal::new("7", ["customer"]));
/// assert_eq!(guarded.oneshot(request).await.unwrap().status(), 200);
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct Require<S> {
    inner: S,
    roles: Option<Arc<[String]>>,
}

/// The future of [`Require`]: the refusal, ready at once, or the inner service's own.
pub type ResponseFuture<F, E> = Either<Ready<Result<Response<Body>, E>>, F>;

impl<S, B> Service<Request<B>> for Require<S>
where
    S: Service<Request<B>, Response = Response<Body>>,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let verdict = Principal::require(req.extensions()).and_then(|p| match &self.roles {
            Some(roles) if !roles.iter().any(|r| p.has_role(r)) => Err(Error::forbidden()),
            _ => Ok(()),
        });
        match verdict {
            Ok(()) => Either::Right(self.inner.call(req)),
            Err(err) => Either::Left(ready(Ok(err.into_response()))),
        }
    }
}
