//! The extractors of what [`AuthLayer`](super::AuthLayer) found: the token's
//! [`AccessClaims`] and the caller when authentication is optional ([`OptionalPrincipal`]).

use std::sync::Arc;

use axum::extract::FromRequestParts;
use http::request::Parts;
use rustbe_core::Error;
use rustbe_core::access::{AuthFailure, Principal};

use crate::token::Claims;

/// The verified claims of the request's access token (`jti`, `exp`, `sid` …), put next to the
/// [`Principal`] by [`AuthLayer`](super::AuthLayer). As an extractor it answers 401 when there is none.
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
/// reason [`AuthLayer`](super::AuthLayer) left: `INVALID_TOKEN`, `TOKEN_EXPIRED`, or 503 when revocation could
/// not be checked) when a token was sent and refused. `Option<Principal>` differs: it treats a
/// refused token as no token.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// # use std::sync::Arc;
/// # use rustbe_auth::{layer::{AuthLayer, Authenticator}, revocation::MemoryRevocationList, token::TokenIssuer};
/// # use rustbe_core::{access::Principal, config::Config, testing::TestRequest};
/// # let issuer = TokenIssuer::from_config(&rustbe_auth::AuthConfig::for_tests("shop"));
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
