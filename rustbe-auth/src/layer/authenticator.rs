//! [`Authenticator`]: the `Authorization` header of a request to its caller, with the token
//! verified (once per token) and checked against the revocation list (on every request).

use std::sync::Arc;

use http::{HeaderMap, header};
use rustbe_core::access::Principal;
use rustbe_core::{Error, ErrorCode};

use super::AccessClaims;
use super::verified::{Verified, VerifiedTokens};
use crate::revocation::RevocationList;
use crate::token::{TokenIssuer, now_secs};

/// Verifies access tokens and checks them against the revocation list.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use std::sync::Arc;
/// use rustbe_auth::{layer::Authenticator, revocation::MemoryRevocationList, token::TokenIssuer};
/// use rustbe_core::{access::Principal, config::Config};
///
/// let issuer = TokenIssuer::from_config(&rustbe_auth::AuthConfig::for_tests("shop"));
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
    pub(super) inner: Arc<AuthenticatorInner>,
}

pub(super) struct AuthenticatorInner {
    pub(super) issuer: TokenIssuer,
    pub(super) revocation: Arc<dyn RevocationList>,
    pub(super) verified: VerifiedTokens,
    /// The scheme of `Authorization: <scheme> <token>`; `None` is the default, `Bearer`.
    pub(super) scheme: Option<Arc<str>>,
}

/// The default token scheme: `Authorization: Bearer <jwt>`.
pub const BEARER: &str = "Bearer";

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
    /// let issuer = TokenIssuer::from_config(&rustbe_auth::AuthConfig::for_tests("shop"));
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
    /// "Conduit" API sends `Token <jwt>`. Behind [`AuthLayer`](super::AuthLayer), the `WWW-Authenticate`
    /// challenge of every 401 names `scheme` too.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use std::sync::Arc;
    /// use rustbe_auth::{layer::Authenticator, revocation::MemoryRevocationList, token::TokenIssuer};
    /// use rustbe_core::{access::Principal, config::Config};
    ///
    /// let issuer = TokenIssuer::from_config(&rustbe_auth::AuthConfig::for_tests("conduit"));
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
    /// let issuer = TokenIssuer::from_config(&rustbe_auth::AuthConfig::for_tests("shop"));
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
    /// # let issuer = TokenIssuer::from_config(&rustbe_auth::AuthConfig::for_tests("shop"));
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
        let revocation = &*self.inner.revocation;
        match verified.caller_now(revocation) {
            Some(outcome) => outcome,
            None => verified.caller_later(revocation).await,
        }
        .map(Some)
    }

    /// The bearer token of `headers`, verified (or found verified already): `None` without
    /// `Authorization: Bearer`. Revocation is not checked yet.
    pub(super) fn verified(&self, headers: &HeaderMap) -> Result<Option<Arc<Verified>>, Error> {
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
