//! Tower layers in the tower-http style: [`AuthLayer`] turns a bearer token into a
//! [`Principal`]; [`RequireAuthLayer`] and [`RequireRoleLayer`] guard routes.

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use futures_util::future::{BoxFuture, Either, Ready, ready};
use http::request::Parts;
use http::{HeaderMap, Request, header};
use rustbe_core::access::{AuthFailure, Principal};
use rustbe_core::{Error, ErrorCode};
use tower::{Layer, Service};

use crate::revocation::{RevocationList, access_token_key, session_key};
use crate::token::{Claims, TokenIssuer, now_secs};

/// Verifies access tokens and checks them against the revocation list.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use std::sync::Arc;
/// use rustbe_auth::{layer::Authenticator, revocation::MemoryRevocationList, token::TokenIssuer};
/// use rustbe_core::{access::Principal, config::Config};
///
/// let issuer = TokenIssuer::from_config(&Config::for_tests("shop"));
/// let token = issuer.issue_access(&Principal::new("7", ["customer"]), "session-1").unwrap().token;
/// let auth = Authenticator::new(issuer, Arc::new(MemoryRevocationList::new()));
/// let mut headers = http::HeaderMap::new();
/// headers.insert("authorization", format!("Bearer {token}").parse().unwrap());
/// let (principal, claims) = auth.authenticate(&headers).await.unwrap().unwrap();
/// assert_eq!((principal.id(), claims.sid.as_str()), ("7", "session-1"));
/// # });
/// ```
///
/// Cheap to clone (one reference count): the auth layer's service is cloned for every request.
#[derive(Clone)]
pub struct Authenticator {
    inner: Arc<AuthenticatorInner>,
}

struct AuthenticatorInner {
    issuer: TokenIssuer,
    revocation: Arc<dyn RevocationList>,
    verified: VerifiedTokens,
    /// The scheme of `Authorization: <scheme> <token>`; `None` is the default, `Bearer`.
    scheme: Option<Arc<str>>,
}

/// The default token scheme: `Authorization: Bearer <jwt>`.
pub const BEARER: &str = "Bearer";

/// Access tokens whose signature was checked already: a client sends the same token on every
/// request, and checking an HMAC and parsing the claims cost more than the rest of a cached
/// read. An entry is used only for the exact same token, and only while its `exp` and `nbf`
/// hold (with the leeway); revocation is checked on every request all the same. At most
/// [`VerifiedTokens::MAX`] entries; a full map is emptied.
///
/// The map is keyed by the token's last 8 bytes, which end its signature: an HMAC's output, so
/// they already are a uniform hash and are used as one as they are (no hashing of the token
/// per request). Only verified tokens are stored, so nobody can fill the map with chosen
/// keys; two tokens that share their last 8 bytes only take turns in one slot.
#[derive(Default)]
struct VerifiedTokens {
    map: std::sync::RwLock<
        std::collections::HashMap<u64, Arc<Verified>, std::hash::BuildHasherDefault<Tail>>,
    >,
}

/// The hasher of [`VerifiedTokens`]: its keys are hashes already.
#[derive(Default)]
struct Tail(u64);

impl std::hash::Hasher for Tail {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// A verified token and what every request with it needs: its claims, the caller and the
/// revocation keys, built once per token instead of once per request.
struct Verified {
    token: Box<str>,
    claims: Arc<Claims>,
    principal: Principal,
    keys: [String; 2],
}

impl Verified {
    fn new(token: &str, claims: Claims) -> Self {
        let principal = Principal::new(claims.sub.clone(), claims.roles.iter().cloned());
        let keys = [access_token_key(&claims.jti), session_key(&claims.sid)];
        Self {
            token: token.into(),
            claims: Arc::new(claims),
            principal,
            keys,
        }
    }

    /// The caller and claims, or 401 `INVALID_TOKEN` when the token or its session is
    /// `revoked`.
    fn caller(&self, revoked: bool) -> Result<(Principal, AccessClaims), Error> {
        if revoked {
            #[cfg(feature = "metrics")]
            rustbe_core::metrics::record::auth_failure("revoked");
            return Err(Error::new(ErrorCode::InvalidToken).with_message("Token has been revoked"));
        }
        Ok((self.principal.clone(), AccessClaims(self.claims.clone())))
    }
}

impl VerifiedTokens {
    const MAX: usize = 4096;

    /// The key of `token`: its last 8 bytes (fewer for a shorter token).
    fn key(bytes: &[u8]) -> u64 {
        let tail = &bytes[bytes.len().saturating_sub(8)..];
        let mut key = [0_u8; 8];
        key[..tail.len()].copy_from_slice(tail);
        u64::from_le_bytes(key)
    }

    fn get(&self, token: &[u8], now: u64, leeway: u64) -> Option<Arc<Verified>> {
        let map = self
            .map
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let verified = map.get(&Self::key(token))?;
        let claims = &verified.claims;
        let current = verified.token.as_bytes() == token
            && now <= claims.exp.saturating_add(leeway)
            && claims.nbf <= now.saturating_add(leeway);
        current.then(|| verified.clone())
    }

    fn insert(&self, verified: Arc<Verified>) {
        let mut map = self
            .map
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() >= Self::MAX {
            map.clear();
        }
        map.insert(Self::key(verified.token.as_bytes()), verified);
    }
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("issuer", &self.inner.issuer)
            .finish_non_exhaustive()
    }
}

impl Authenticator {
    /// An authenticator with `issuer`'s keys and `revocation`.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use std::sync::Arc;
    /// use rustbe_auth::{layer::Authenticator, revocation::MemoryRevocationList, token::TokenIssuer};
    /// use rustbe_core::config::Config;
    ///
    /// let issuer = TokenIssuer::from_config(&Config::for_tests("shop"));
    /// let auth = Authenticator::new(issuer, Arc::new(MemoryRevocationList::new()));
    /// // No `Authorization: Bearer …`: an anonymous request, not an error.
    /// assert!(auth.authenticate(&http::HeaderMap::new()).await.unwrap().is_none());
    /// # });
    /// ```
    #[must_use]
    pub fn new(issuer: TokenIssuer, revocation: Arc<dyn RevocationList>) -> Self {
        Self::with_scheme(issuer, revocation, BEARER)
    }

    /// An authenticator that reads `Authorization: <scheme> <token>` instead of `Bearer`
    /// (compared case-insensitively), as an API with its own contract needs it: the RealWorld
    /// "Conduit" API sends `Token <jwt>`. Behind [`AuthLayer`], the `WWW-Authenticate`
    /// challenge of every 401 names `scheme` too.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use std::sync::Arc;
    /// use rustbe_auth::{layer::Authenticator, revocation::MemoryRevocationList, token::TokenIssuer};
    /// use rustbe_core::{access::Principal, config::Config};
    ///
    /// let issuer = TokenIssuer::from_config(&Config::for_tests("conduit"));
    /// let token = issuer.issue_access(&Principal::new("7", ["user"]), "s1").unwrap().token;
    /// let auth = Authenticator::with_scheme(issuer, Arc::new(MemoryRevocationList::new()), "Token");
    /// assert_eq!(auth.scheme(), "Token");
    /// let mut headers = http::HeaderMap::new();
    /// headers.insert("authorization", format!("Token {token}").parse().unwrap());
    /// assert_eq!(auth.authenticate(&headers).await.unwrap().unwrap().0.id(), "7");
    /// headers.insert("authorization", format!("Bearer {token}").parse().unwrap());
    /// assert!(auth.authenticate(&headers).await.unwrap().is_none(), "another scheme: anonymous");
    /// # });
    /// ```
    #[must_use]
    pub fn with_scheme(
        issuer: TokenIssuer,
        revocation: Arc<dyn RevocationList>,
        scheme: &str,
    ) -> Self {
        let scheme = (!scheme.eq_ignore_ascii_case(BEARER)).then(|| Arc::from(scheme));
        Self {
            inner: Arc::new(AuthenticatorInner {
                issuer,
                revocation,
                verified: VerifiedTokens::default(),
                scheme,
            }),
        }
    }

    /// The scheme of the `Authorization` header this authenticator reads (`Bearer` by
    /// default).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use rustbe_auth::{layer::Authenticator, revocation::MemoryRevocationList, token::TokenIssuer};
    /// let issuer = TokenIssuer::from_config(&rustbe_core::config::Config::for_tests("shop"));
    /// assert_eq!(Authenticator::new(issuer, Arc::new(MemoryRevocationList::new())).scheme(), "Bearer");
    /// ```
    #[must_use]
    pub fn scheme(&self) -> &str {
        self.inner.scheme.as_deref().unwrap_or(BEARER)
    }

    /// The caller of a request with these headers: `None` without `Authorization: Bearer`;
    /// 401 `INVALID_TOKEN` / `TOKEN_EXPIRED` for a bad, revoked or expired token; 503 when the
    /// revocation list cannot answer (it fails closed).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # use std::sync::Arc;
    /// # use rustbe_auth::{layer::Authenticator, token::TokenIssuer};
    /// # use rustbe_core::{access::Principal, config::Config};
    /// # use rustbe_auth::revocation::{MemoryRevocationList, RevocationList};
    /// # use rustbe_core::ErrorCode;
    /// # let issuer = TokenIssuer::from_config(&Config::for_tests("shop"));
    /// # let token = issuer.issue_access(&Principal::new("7", ["customer"]), "s1").unwrap().token;
    /// let revoked = Arc::new(MemoryRevocationList::new());
    /// let auth = Authenticator::new(issuer, revoked.clone());
    /// let mut headers = http::HeaderMap::new();
    /// headers.insert("authorization", format!("Bearer {token}").parse().unwrap());
    /// let (_, claims) = auth.authenticate(&headers).await.unwrap().unwrap();
    /// revoked.revoke(&rustbe_auth::revocation::access_token_key(&claims.jti), claims.exp).await.unwrap();
    /// assert_eq!(auth.authenticate(&headers).await.unwrap_err().code(), ErrorCode::InvalidToken);
    /// headers.insert("authorization", "Bearer not-a-jwt".parse().unwrap());
    /// assert_eq!(auth.authenticate(&headers).await.unwrap_err().code(), ErrorCode::InvalidToken);
    /// # });
    /// ```
    pub async fn authenticate(
        &self,
        headers: &HeaderMap,
    ) -> Result<Option<(Principal, AccessClaims)>, Error> {
        let Some(verified) = self.verified(headers)? else {
            return Ok(None);
        };
        let revocation = &self.inner.revocation;
        let revoked = match revocation.is_any_revoked_now(&verified.keys) {
            Some(answer) => answer?,
            None => revocation.is_any_revoked(&verified.keys).await?,
        };
        verified.caller(revoked).map(Some)
    }

    /// The bearer token of `headers`, verified (or found verified already): `None` without
    /// `Authorization: Bearer`. Revocation is not checked yet.
    fn verified(&self, headers: &HeaderMap) -> Result<Option<Arc<Verified>>, Error> {
        let Some(value) = headers.get(header::AUTHORIZATION) else {
            return Ok(None);
        };
        // Bytes until the cache is asked: a token seen before is found without checking its
        // text again; a new one is checked as UTF-8 before its signature.
        let value = value.as_bytes();
        let Some(space) = value.iter().position(|&b| b == b' ') else {
            return Ok(None);
        };
        let inner = &*self.inner;
        if !value[..space].eq_ignore_ascii_case(self.scheme().as_bytes()) {
            return Ok(None);
        }
        let token = value[space + 1..].trim_ascii();
        let leeway = inner.issuer.leeway().as_secs();
        if let Some(verified) = inner.verified.get(token, now_secs(), leeway) {
            return Ok(Some(verified));
        }
        let checked = std::str::from_utf8(token)
            .map_err(|_| Error::new(ErrorCode::InvalidToken))
            .and_then(|token| Ok((token, inner.issuer.verify_access(token)?)));
        let (token, claims) = checked.inspect_err(count_failure)?;
        let verified = Arc::new(Verified::new(token, claims));
        inner.verified.insert(verified.clone());
        Ok(Some(verified))
    }
}

/// Counts a refused token in `rustbe_auth_failures_total` (feature `metrics`).
#[cfg_attr(
    not(feature = "metrics"),
    allow(unused_variables, reason = "nothing to count")
)]
fn count_failure(err: &Error) {
    #[cfg(feature = "metrics")]
    rustbe_core::metrics::record::auth_failure(match err.code() {
        ErrorCode::TokenExpired => "expired",
        _ => "invalid",
    });
}

/// The verified claims of the request's access token (`jti`, `exp`, `sid` …), put next to the
/// [`Principal`] by [`AuthLayer`]. As an extractor it answers 401 when there is none.
///
/// ```
/// use rustbe_auth::layer::AccessClaims;
/// async fn session(claims: AccessClaims) -> String {
///     claims.sid.clone()
/// }
/// ```
#[derive(Debug, Clone)]
pub struct AccessClaims(pub Arc<Claims>);

impl std::ops::Deref for AccessClaims {
    type Target = Claims;

    fn deref(&self) -> &Claims {
        &self.0
    }
}

impl<S: Send + Sync> FromRequestParts<S> for AccessClaims {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<AccessClaims>() {
            Some(claims) => Ok(claims.clone()),
            // Without claims: the reason the token was refused, or a plain 401.
            None => Principal::require(&parts.extensions).and(Err(Error::unauthorized())),
        }
    }
}

/// The caller, when there is one, for routes where authentication is optional: `None`
/// without credentials (an anonymous read), the caller with a valid token, and 401 (the
/// reason [`AuthLayer`] left: `INVALID_TOKEN`, `TOKEN_EXPIRED`, or 503 when revocation could
/// not be checked) when a token was sent and refused. `Option<Principal>` differs: it treats a
/// refused token as no token.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// # use std::sync::Arc;
/// # use rustbe_auth::{layer::{AuthLayer, Authenticator}, revocation::MemoryRevocationList, token::TokenIssuer};
/// # use rustbe_core::{access::Principal, config::Config, testing::TestRequest};
/// # let issuer = TokenIssuer::from_config(&Config::for_tests("shop"));
/// # let token = issuer.issue_access(&Principal::new("7", ["customer"]), "s1").unwrap().token;
/// # let auth = Authenticator::new(issuer, Arc::new(MemoryRevocationList::new()));
/// use axum::{Router, routing::get};
/// use rustbe_auth::layer::OptionalPrincipal;
///
/// let greet = |OptionalPrincipal(caller): OptionalPrincipal| async move {
///     caller.map_or("anonymous".to_owned(), |p| p.id().to_owned())
/// };
/// let app = Router::new().route("/hello", get(greet)).layer(AuthLayer::new(auth));
/// assert_eq!(TestRequest::get("/hello").send(&app).await.body(), b"anonymous");
/// assert_eq!(TestRequest::get("/hello").bearer(&token).send(&app).await.body(), b"7");
/// assert_eq!(TestRequest::get("/hello").bearer("forged").send(&app).await.status(), 401);
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct OptionalPrincipal(pub Option<Principal>);

impl<S: Send + Sync> FromRequestParts<S> for OptionalPrincipal {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        if let Some(failure) = parts.extensions.get::<AuthFailure>() {
            return Err(failure.to_error());
        }
        Ok(Self(parts.extensions.get::<Principal>().cloned()))
    }
}

/// Authenticates every request that carries `Authorization: Bearer …`: a valid token puts a
/// [`Principal`] and its [`AccessClaims`] into the request. A bad, expired or revoked token (or
/// a revocation store that cannot answer) leaves an [`AuthFailure`] instead and the request goes
/// on anonymous: public routes serve it, and whatever needs a [`Principal`] (the extractor,
/// [`RequireAuthLayer`], [`RequireRoleLayer`]) answers with that failure: 401
/// `INVALID_TOKEN` / `TOKEN_EXPIRED`, or 503 when revocation could not be checked. Requests
/// without a token pass through anonymous.
///
/// ```
/// use std::sync::Arc;
/// use axum::{Router, routing::get};
/// use rustbe_auth::{layer::{AuthLayer, Authenticator}, revocation::MemoryRevocationList, token::TokenIssuer};
/// use rustbe_core::{access::Principal, config::Config};
///
/// let auth = Authenticator::new(TokenIssuer::from_config(&Config::for_tests("shop")), Arc::new(MemoryRevocationList::new()));
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
    /// # let issuer = TokenIssuer::from_config(&Config::for_tests("shop"));
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
/// # let issuer = TokenIssuer::from_config(&Config::for_tests("shop"));
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

impl<S, B> Service<Request<B>> for Auth<S>
where
    S: Service<Request<B>, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Either<S::Future, BoxFuture<'static, Result<Response, Infallible>>>;

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
fn rechallenge(response: &mut Response, scheme: &str) {
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
    #[allow(clippy::type_complexity, reason = "the service's own future type")]
    fn dispatch<B>(
        &mut self,
        mut req: Request<B>,
    ) -> Either<S::Future, BoxFuture<'static, Result<Response, Infallible>>>
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
        let revocation = &self.auth.inner.revocation;
        if let Some(answer) = revocation.is_any_revoked_now(&verified.keys) {
            record(
                &mut req,
                answer.and_then(|revoked| verified.caller(revoked)),
            );
            return Either::Left(self.inner.call(req));
        }
        let ready_inner = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, ready_inner);
        let auth = self.auth.clone();
        Either::Right(Box::pin(async move {
            let answer = auth.inner.revocation.is_any_revoked(&verified.keys).await;
            record(
                &mut req,
                answer.and_then(|revoked| verified.caller(revoked)),
            );
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

/// Lets through only requests with a [`Principal`]: otherwise the [`AuthFailure`] the
/// [`AuthLayer`] left, or 401 `UNAUTHORIZED` with `WWW-Authenticate: Bearer`. Put it inside
/// [`AuthLayer`].
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
    /// # let issuer = TokenIssuer::from_config(&Config::for_tests("shop"));
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

impl<S, B> Service<Request<B>> for Require<S>
where
    S: Service<Request<B>, Response = Response<Body>>,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = Either<Ready<Result<Response<Body>, S::Error>>, S::Future>;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::revocation::MemoryRevocationList;
    use crate::token::TokenKind;

    fn verified(token: &str, exp: u64, nbf: u64) -> Arc<Verified> {
        Arc::new(Verified::new(token, claims(exp, nbf)))
    }

    fn claims(exp: u64, nbf: u64) -> Claims {
        Claims {
            sub: "7".into(),
            iss: "shop".into(),
            aud: "shop".into(),
            exp,
            nbf,
            iat: nbf,
            jti: "j".into(),
            typ: TokenKind::Access,
            sid: "s".into(),
            roles: vec!["customer".into()],
        }
    }

    #[test]
    fn a_verified_token_is_reused_only_while_current_and_only_for_the_same_bytes() {
        let verified = VerifiedTokens::default();
        verified.insert(self::verified("head.body.sig", 100, 50));
        let found = verified.get(b"head.body.sig", 100, 5).expect("current");
        assert_eq!(found.principal.id(), "7");
        assert_eq!(found.keys, ["jti:j", "sid:s"]);
        assert!(
            verified.get(b"head.body.sig", 105, 5).is_some(),
            "within the leeway"
        );
        assert!(
            verified.get(b"head.body.sig", 106, 5).is_none(),
            "expired: verify again"
        );
        assert!(
            verified.get(b"head.body.sig", 44, 5).is_none(),
            "not yet valid"
        );
        assert!(
            verified.get(b"head.other.sig", 100, 5).is_none(),
            "another token"
        );
        assert!(verified.get(b"head.body.other", 100, 5).is_none());
        assert!(
            verified.get(b"x.head.body.sig", 100, 5).is_none(),
            "the same last 8 bytes (the same slot), another token"
        );
        assert!(VerifiedTokens::key(b"a.b") != VerifiedTokens::key(b"a.c"));
        assert_eq!(VerifiedTokens::key(b""), 0, "a short token is a key too");
    }

    #[test]
    fn a_challenge_names_the_scheme_and_keeps_its_parameters() {
        let challenged = |value: &'static str| {
            let mut response = Response::new(Body::empty());
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                http::HeaderValue::from_static(value),
            );
            rechallenge(&mut response, "Token");
            response.headers()[header::WWW_AUTHENTICATE].clone()
        };
        assert_eq!(challenged("Bearer"), "Token");
        assert_eq!(
            challenged(r#"Bearer error="invalid_token""#),
            r#"Token error="invalid_token""#
        );
        assert_eq!(
            challenged("Basic realm=\"x\""),
            "Basic realm=\"x\"",
            "not ours"
        );
        let mut bare = Response::new(Body::empty());
        rechallenge(&mut bare, "Token");
        assert!(bare.headers().get(header::WWW_AUTHENTICATE).is_none());
    }

    #[test]
    fn a_full_map_is_emptied_not_grown() {
        let verified = VerifiedTokens::default();
        for n in 0..=VerifiedTokens::MAX {
            verified.insert(self::verified(&format!("h.b.{n}"), 100, 0));
        }
        let map = verified
            .map
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        assert_eq!(map.len(), 1, "the insert after MAX started over");
    }

    #[tokio::test]
    async fn a_token_is_verified_once_then_served_from_the_cache() {
        let issuer = TokenIssuer::from_config(&rustbe_core::config::Config::for_tests("shop"));
        let token = issuer
            .issue_access(&Principal::new("7", ["customer"]), "s1")
            .expect("token")
            .token;
        let auth = Authenticator::new(issuer, Arc::new(MemoryRevocationList::new()));
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            format!("Bearer {token}").parse().expect("header"),
        );
        let first = auth
            .authenticate(&headers)
            .await
            .expect("ok")
            .expect("caller");
        let cached = auth.inner.verified.get(
            token.as_bytes(),
            now_secs(),
            auth.inner.issuer.leeway().as_secs(),
        );
        assert!(cached.is_some(), "the verified token is kept");
        let second = auth
            .authenticate(&headers)
            .await
            .expect("ok")
            .expect("caller");
        assert_eq!(first.0, second.0);
        assert!(
            Arc::ptr_eq(&first.1.0, &second.1.0),
            "the second request reuses the claims"
        );
    }
}
