//! [`AuthLayer`] and its service [`Auth`]: every request's token turned into its caller, or
//! into the reason it was refused, before the routes run.

use std::convert::Infallible;
use std::task::{Context, Poll};

use axum::response::Response;
use futures_util::future::{BoxFuture, Either};
use http::{Request, header};
use rustbe_core::Error;
use rustbe_core::access::{AuthFailure, Principal};
use tower::{Layer, Service};

use super::{AccessClaims, Authenticator, BEARER};

/// Authenticates every request that carries `Authorization: Bearer …`: a valid token puts a
/// [`Principal`] and its [`AccessClaims`] into the request. A bad, expired or revoked token (or
/// a revocation store that cannot answer) leaves an [`AuthFailure`] instead and the request goes
/// on anonymous: public routes serve it, and whatever needs a [`Principal`] (the extractor,
/// [`RequireAuthLayer`](super::RequireAuthLayer), [`RequireRoleLayer`](super::RequireRoleLayer)) answers with that failure: 401
/// `INVALID_TOKEN` / `TOKEN_EXPIRED`, or 503 when revocation could not be checked. Requests
/// without a token pass through anonymous.
///
/// ```
/// use std::sync::Arc;
/// use axum::{Router, routing::get};
/// use rustbe_auth::{layer::{AuthLayer, Authenticator}, revocation::MemoryRevocationList, token::TokenIssuer};
/// use rustbe_core::{access::Principal, config::Config};
///
/// let auth = Authenticator::new(TokenIssuer::from_config(&rustbe_auth::AuthConfig::for_tests("shop")), Arc::new(MemoryRevocationList::new()));
/// let app: Router = Router::new()
///     .route("/me", get(|p: Principal| async move { p.id().to_owned() }))
///     .layer(AuthLayer::new(auth));
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct AuthLayer {
    auth: Authenticator,
}

impl AuthLayer {
    /// The layer.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # use std::sync::Arc;
    /// # use rustbe_auth::{layer::Authenticator, revocation::MemoryRevocationList, token::TokenIssuer};
    /// # use rustbe_core::config::Config;
    /// use axum::{Router, routing::get};
    /// use rustbe_auth::layer::AuthLayer;
    /// use rustbe_core::{access::Principal, testing::TestRequest};
    /// # let issuer = TokenIssuer::from_config(&rustbe_auth::AuthConfig::for_tests("shop"));
    /// # let token = issuer.issue_access(&Principal::new("7", ["customer"]), "s1").unwrap().token;
    /// # let auth = Authenticator::new(issuer, Arc::new(MemoryRevocationList::new()));
    /// let app = Router::new()
    ///     .route("/me", get(|p: Principal| async move { p.id().to_owned() }))
    ///     .layer(AuthLayer::new(auth));
    /// let me = TestRequest::get("/me").bearer(&token).send(&app).await;
    /// assert_eq!((me.status().as_u16(), me.body()), (200, &b"7"[..]));
    /// assert_eq!(TestRequest::get("/me").send(&app).await.status(), 401);
    /// assert_eq!(TestRequest::get("/me").bearer("forged").send(&app).await.error_code(), "INVALID_TOKEN");
    /// # });
    /// ```
    pub fn new(auth: Authenticator) -> Self {
        Self { auth }
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = Auth<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Auth {
            inner,
            auth: self.auth.clone(),
        }
    }
}

/// The service of [`AuthLayer`].
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// # use std::{convert::Infallible, sync::Arc};
/// # use rustbe_auth::{layer::{AuthLayer, Authenticator}, revocation::MemoryRevocationList, token::TokenIssuer};
/// # use rustbe_core::{access::Principal, config::Config};
/// use axum::{body::Body, response::{IntoResponse, Response}};
/// use tower::{Layer, ServiceExt, service_fn};
/// # let issuer = TokenIssuer::from_config(&rustbe_auth::AuthConfig::for_tests("shop"));
/// # let token = issuer.issue_access(&Principal::new("7", ["customer"]), "s1").unwrap().token;
/// # let auth = Authenticator::new(issuer, Arc::new(MemoryRevocationList::new()));
/// let inner = service_fn(|req: http::Request<Body>| async move {
///     let caller = req.extensions().get::<Principal>().map(|p| p.id().to_owned());
///     Ok::<Response, Infallible>(caller.unwrap_or_default().into_response())
/// });
/// let service = AuthLayer::new(auth).layer(inner);
/// let request = http::Request::get("/").header("authorization", format!("Bearer {token}"));
/// let response = service.oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
/// assert_eq!(axum::body::to_bytes(response.into_body(), 64).await.unwrap(), "7");
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct Auth<S> {
    inner: S,
    auth: Authenticator,
}

/// The future of [`Auth`]: the inner service's own when the request is decided at once (no
/// token, or a token verified already and a revocation list that answers in memory), boxed
/// when the revocation list is asked over the network or the challenge is rewritten for
/// another scheme.
pub type ResponseFuture<F> = Either<F, BoxFuture<'static, Result<Response, Infallible>>>;

impl<S, B> Service<Request<B>> for Auth<S>
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
        let future = self.dispatch(req);
        let Some(scheme) = self.auth.inner.scheme.clone() else {
            return future;
        };
        // Another scheme than `Bearer`: the challenge of a 401 from inside names it.
        Either::Right(Box::pin(async move {
            let mut response = future.await?;
            rechallenge(&mut response, &scheme);
            Ok(response)
        }))
    }
}

/// Replaces the `Bearer` of a `WWW-Authenticate` challenge with `scheme`, keeping its
/// parameters (`error="invalid_token"`).
pub(super) fn rechallenge(response: &mut Response, scheme: &str) {
    let Some(value) = response.headers().get(header::WWW_AUTHENTICATE) else {
        return;
    };
    let bytes = value.as_bytes();
    if bytes.len() < BEARER.len() || !bytes[..BEARER.len()].eq_ignore_ascii_case(BEARER.as_bytes())
    {
        return;
    }
    let mut challenge = scheme.as_bytes().to_vec();
    challenge.extend_from_slice(&bytes[BEARER.len()..]);
    if let Ok(value) = http::HeaderValue::from_bytes(&challenge) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
}

impl<S> Auth<S> {
    fn dispatch<B>(&mut self, mut req: Request<B>) -> ResponseFuture<S::Future>
    where
        S: Service<Request<B>, Response = Response, Error = Infallible> + Clone + Send + 'static,
        S::Future: Send + 'static,
        B: Send + 'static,
    {
        // A request looked at already, no token, or a token verified already and a revocation
        // list that answers at once (in memory): decided here, with no box and no clone.
        if req.extensions().get::<Principal>().is_some()
            || req.extensions().get::<AuthFailure>().is_some()
        {
            return Either::Left(self.inner.call(req));
        }
        let verified = match self.auth.verified(req.headers()) {
            Ok(Some(verified)) => verified,
            Ok(None) => return Either::Left(self.inner.call(req)),
            Err(err) => {
                record(&mut req, Err(err));
                return Either::Left(self.inner.call(req));
            }
        };
        if let Some(outcome) = verified.caller_now(&*self.auth.inner.revocation) {
            record(&mut req, outcome);
            return Either::Left(self.inner.call(req));
        }
        let ready_inner = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, ready_inner);
        let auth = self.auth.clone();
        Either::Right(Box::pin(async move {
            let outcome = verified.caller_later(&*auth.inner.revocation).await;
            record(&mut req, outcome);
            inner.call(req).await
        }))
    }
}

/// Puts the outcome of authentication into the request: the caller and claims, or the
/// reason the token was refused (logged when the server is at fault).
fn record<B>(req: &mut Request<B>, outcome: Result<(Principal, AccessClaims), Error>) {
    match outcome {
        Ok((principal, claims)) => {
            req.extensions_mut().insert(principal);
            req.extensions_mut().insert(claims);
        }
        Err(err) => {
            if err.is_server_error() {
                tracing::warn!(error = %err, "could not authenticate: {}", err.message());
            }
            req.extensions_mut().insert(AuthFailure::from_error(&err));
        }
    }
}
