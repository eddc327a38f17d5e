//! Who is calling ([`Principal`]) and what they may do ([`AccessRule`]).
//!
//! rustbe-core knows nothing of tokens: an authentication layer (rustbe-auth, or an app's
//! own) puts a [`Principal`] into the request's extensions, and the rules read it.

use std::sync::Arc;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use http::request::Parts;

use crate::Error;

/// The caller: an id and its roles.
///
/// Cheap to clone (one reference count). As an extractor it answers 401 `UNAUTHORIZED` when
/// no authentication layer put one into the request; `Option<Principal>` never fails.
///
/// ```
/// use rustbe_core::access::Principal;
///
/// let admin = Principal::new("42", ["admin"]);
/// assert!(admin.has_role("admin"));
/// assert_eq!(admin.id(), "42");
///
/// async fn me(principal: Principal) -> String {
///     principal.id().to_owned()
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal(Arc<PrincipalInner>);

#[derive(Debug, PartialEq, Eq)]
struct PrincipalInner {
    id: String,
    roles: Vec<String>,
}

impl Principal {
    /// A caller with `id` and `roles`.
    ///
    /// ```
    /// use rustbe_core::access::Principal;
    /// let editor = Principal::new(String::from("7"), vec!["editor", "author"]);
    /// assert_eq!(editor.id(), "7");
    /// assert_eq!(editor.roles(), ["editor", "author"]);
    /// ```
    #[must_use]
    pub fn new<I, R>(id: impl Into<String>, roles: I) -> Self
    where
        I: IntoIterator<Item = R>,
        R: Into<String>,
    {
        Self(Arc::new(PrincipalInner {
            id: id.into(),
            roles: roles.into_iter().map(Into::into).collect(),
        }))
    }

    /// The caller's id, as text whatever the key type (UUID, integer, string).
    ///
    /// ```
    /// let p = rustbe_core::access::Principal::new(42.to_string(), ["customer"]);
    /// assert_eq!(p.id(), "42");
    /// ```
    #[must_use]
    pub fn id(&self) -> &str {
        &self.0.id
    }

    /// The caller's roles.
    ///
    /// ```
    /// let p = rustbe_core::access::Principal::new("1", ["admin", "editor"]);
    /// assert_eq!(p.roles(), ["admin", "editor"]);
    /// ```
    #[must_use]
    pub fn roles(&self) -> &[String] {
        &self.0.roles
    }

    /// Does the caller have `role`?
    ///
    /// ```
    /// let p = rustbe_core::access::Principal::new("1", ["editor"]);
    /// assert!(p.has_role("editor"));
    /// assert!(!p.has_role("admin"));
    /// ```
    #[must_use]
    pub fn has_role(&self, role: &str) -> bool {
        self.0.roles.iter().any(|r| r == role)
    }

    /// Does the caller have any of `roles`?
    ///
    /// ```
    /// let p = rustbe_core::access::Principal::new("1", ["editor"]);
    /// assert!(p.has_any_role(&["admin", "editor"]));
    /// assert!(!p.has_any_role(&[]));
    /// ```
    #[must_use]
    pub fn has_any_role(&self, roles: &[&str]) -> bool {
        roles.iter().any(|r| self.has_role(r))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Principal::require(&parts.extensions)
    }
}

impl Principal {
    /// The caller of a request, from its extensions: 401 when there is none, with the reason
    /// an authentication layer left ([`AuthFailure`]) when the request carried credentials
    /// that were refused, a plain `UNAUTHORIZED` otherwise.
    ///
    /// ```
    /// use rustbe_core::access::{AuthFailure, Principal};
    /// use rustbe_core::ErrorCode;
    ///
    /// let mut extensions = http::Extensions::new();
    /// assert_eq!(Principal::require(&extensions).unwrap_err().code(), ErrorCode::Unauthorized);
    /// extensions.insert(AuthFailure::new(ErrorCode::TokenExpired, "Token expired"));
    /// assert_eq!(Principal::require(&extensions).unwrap_err().code(), ErrorCode::TokenExpired);
    /// extensions.insert(Principal::new("7", ["customer"]));
    /// assert_eq!(Principal::require(&extensions).unwrap().id(), "7");
    /// ```
    pub fn require(extensions: &http::Extensions) -> Result<Principal, Error> {
        if let Some(principal) = extensions.get::<Principal>() {
            return Ok(principal.clone());
        }
        Err(extensions
            .get::<AuthFailure>()
            .map_or_else(Error::unauthorized, AuthFailure::to_error))
    }
}

/// Why the credentials a request carried were refused (a bad, expired or revoked token, or a
/// revocation store that could not answer), left in the request's extensions by an
/// authentication layer.
///
/// The request goes on anonymous: a public route serves it; anything that needs a
/// [`Principal`] answers with this failure instead of a plain `UNAUTHORIZED`. So a client that
/// sends a stale token everywhere can still log in and refresh.
///
/// ```
/// use rustbe_core::access::AuthFailure;
/// use rustbe_core::ErrorCode;
/// let failure = AuthFailure::new(ErrorCode::InvalidToken, "Token has been revoked");
/// assert_eq!(failure.to_error().status(), 401);
/// assert_eq!(failure.code(), ErrorCode::InvalidToken);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthFailure {
    code: crate::ErrorCode,
    message: std::borrow::Cow<'static, str>,
}

impl AuthFailure {
    /// A failure answered with `code` and `message`.
    ///
    /// ```
    /// use rustbe_core::{ErrorCode, access::AuthFailure};
    ///
    /// let failure = AuthFailure::new(ErrorCode::TokenExpired, "Token expired");
    /// let error = failure.to_error();
    /// assert_eq!((error.status().as_u16(), error.message()), (401, "Token expired"));
    /// ```
    #[must_use]
    pub fn new(code: crate::ErrorCode, message: impl Into<std::borrow::Cow<'static, str>>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// The failure an error stands for.
    ///
    /// ```
    /// let failure = rustbe_core::access::AuthFailure::from_error(&rustbe_core::Error::forbidden());
    /// assert_eq!(failure.to_error().status(), 403);
    /// ```
    #[must_use]
    pub fn from_error(error: &Error) -> Self {
        Self::new(error.code(), error.message().to_owned())
    }

    /// The code it is answered with.
    ///
    /// ```
    /// use rustbe_core::{Error, ErrorCode, access::AuthFailure};
    ///
    /// assert_eq!(AuthFailure::new(ErrorCode::InvalidToken, "Bad token").code(), ErrorCode::InvalidToken);
    /// let unavailable = Error::service_unavailable(std::time::Duration::from_secs(2));
    /// assert_eq!(AuthFailure::from_error(&unavailable).code(), ErrorCode::ServiceUnavailable);
    /// ```
    #[must_use]
    pub fn code(&self) -> crate::ErrorCode {
        self.code
    }

    /// The error it is answered with (headers such as `WWW-Authenticate` and `Retry-After`
    /// follow from the code).
    ///
    /// ```
    /// use axum::response::IntoResponse;
    /// use rustbe_core::{ErrorCode, access::AuthFailure};
    ///
    /// let error = AuthFailure::new(ErrorCode::InvalidToken, "Token has been revoked").to_error();
    /// assert_eq!(error.message(), "Token has been revoked");
    /// let response = error.into_response();
    /// assert_eq!(response.status(), 401);
    /// assert_eq!(response.headers()["www-authenticate"], r#"Bearer error="invalid_token""#);
    /// ```
    #[must_use]
    pub fn to_error(&self) -> Error {
        Error::new(self.code).with_message(self.message.clone())
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for Principal {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<Principal>().cloned())
    }
}

/// Who may perform an operation.
///
/// ```
/// use rustbe_core::access::{AccessRule, Grant, Principal};
///
/// const ADMIN_ONLY: AccessRule = AccessRule::Roles(&["admin"]);
/// const OWN_ROWS: AccessRule = AccessRule::Owner { bypass: &["admin"] };
///
/// let customer = Principal::new("7", ["customer"]);
/// assert_eq!(ADMIN_ONLY.authorize(Some(&customer)).unwrap_err().status(), 403);
/// assert_eq!(ADMIN_ONLY.authorize(None).unwrap_err().status(), 401);
/// assert_eq!(OWN_ROWS.authorize(Some(&customer)).unwrap(), Grant::OwnedBy("7".into()));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessRule {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in caller.
    Authenticated,
    /// Callers with at least one of these roles.
    Roles(&'static [&'static str]),
    /// Signed-in callers, limited to rows whose owner field holds their id; callers with one of
    /// the `bypass` roles see every row.
    Owner {
        /// Roles that see every row (typically `["admin"]`).
        bypass: &'static [&'static str],
    },
}

/// What an [`AccessRule`] allowed.
///
/// ```
/// use rustbe_core::access::{AccessRule, Grant, Principal};
/// let owner_rule = AccessRule::Owner { bypass: &["admin"] };
/// let admin = Principal::new("1", ["admin"]);
/// let customer = Principal::new("7", ["customer"]);
/// assert_eq!(owner_rule.authorize(Some(&admin)).unwrap(), Grant::All);
/// assert_eq!(owner_rule.authorize(Some(&customer)).unwrap(), Grant::OwnedBy("7".into()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grant {
    /// Every row.
    All,
    /// Only rows owned by this id: lists and counts must filter by it, single rows of another
    /// owner must answer 404.
    OwnedBy(String),
}

impl AccessRule {
    /// Decides for `principal`: 401 `UNAUTHORIZED` if the rule needs a caller and there is
    /// none, 403 `FORBIDDEN` if the caller lacks the role, otherwise what the caller may see.
    ///
    /// ```
    /// use rustbe_core::access::{AccessRule, Grant, Principal};
    /// let editors = AccessRule::Roles(&["editor", "admin"]);
    /// let editor = Principal::new("3", ["editor"]);
    /// assert_eq!(editors.authorize(Some(&editor)).unwrap(), Grant::All);
    /// assert_eq!(editors.authorize(None).unwrap_err().status(), 401);
    /// assert_eq!(AccessRule::Public.authorize(None).unwrap(), Grant::All);
    /// ```
    pub fn authorize(&self, principal: Option<&Principal>) -> Result<Grant, Error> {
        match (self, principal) {
            (Self::Public, _) => Ok(Grant::All),
            (_, None) => Err(Error::unauthorized()),
            (Self::Authenticated, Some(_)) => Ok(Grant::All),
            (Self::Roles(roles), Some(p)) => {
                if p.has_any_role(roles) {
                    Ok(Grant::All)
                } else {
                    Err(Error::forbidden())
                }
            }
            (Self::Owner { bypass }, Some(p)) => Ok(if p.has_any_role(bypass) {
                Grant::All
            } else {
                Grant::OwnedBy(p.id().to_owned())
            }),
        }
    }
}

impl AccessRule {
    /// Decides for the caller of a request, from its extensions. Unlike
    /// [`AccessRule::authorize`] with `None`, a request whose token was refused answers with
    /// that refusal ([`AuthFailure`]: `TOKEN_EXPIRED`, `INVALID_TOKEN`, or a 503 when
    /// revocation could not be checked) rather than a plain `UNAUTHORIZED`.
    ///
    /// ```
    /// use rustbe_core::access::{AccessRule, AuthFailure, Grant};
    /// use rustbe_core::ErrorCode;
    ///
    /// let mut extensions = http::Extensions::new();
    /// assert_eq!(AccessRule::Public.authorize_request(&extensions).unwrap(), Grant::All);
    /// extensions.insert(AuthFailure::new(ErrorCode::TokenExpired, "Token expired"));
    /// let err = AccessRule::Authenticated.authorize_request(&extensions).unwrap_err();
    /// assert_eq!(err.code(), ErrorCode::TokenExpired);
    /// ```
    pub fn authorize_request(&self, extensions: &http::Extensions) -> Result<Grant, Error> {
        match extensions.get::<Principal>() {
            Some(principal) => self.authorize(Some(principal)),
            None if *self == Self::Public => Ok(Grant::All),
            None => Principal::require(extensions).and_then(|p| self.authorize(Some(&p))),
        }
    }
}

impl Grant {
    /// Checks a single row whose owner is `owner`: a row of someone else is a 404, so a caller
    /// cannot learn that it exists.
    ///
    /// ```
    /// use rustbe_core::access::Grant;
    /// assert!(Grant::OwnedBy("7".into()).check_owner("7").is_ok());
    /// assert!(Grant::OwnedBy("7".into()).check_owner("8").unwrap_err().is_not_found());
    /// assert!(Grant::All.check_owner("8").is_ok());
    /// ```
    pub fn check_owner(&self, owner: &str) -> Result<(), Error> {
        match self {
            Self::All => Ok(()),
            Self::OwnedBy(id) if id == owner => Ok(()),
            Self::OwnedBy(_) => Err(Error::not_found()),
        }
    }

    /// The owner id lists must filter by, if any.
    ///
    /// ```
    /// use rustbe_core::access::Grant;
    /// assert_eq!(Grant::OwnedBy("7".into()).owner(), Some("7"));
    /// assert_eq!(Grant::All.owner(), None);
    /// ```
    #[must_use]
    pub fn owner(&self) -> Option<&str> {
        match self {
            Self::All => None,
            Self::OwnedBy(id) => Some(id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_against_every_kind_of_caller() {
        let admin = Principal::new("1", ["admin"]);
        let user = Principal::new("2", ["customer"]);
        let owner = AccessRule::Owner { bypass: &["admin"] };
        assert_eq!(AccessRule::Public.authorize(None).ok(), Some(Grant::All));
        assert_eq!(
            AccessRule::Authenticated
                .authorize(None)
                .map_err(|e| e.status().as_u16()),
            Err(401)
        );
        assert_eq!(
            AccessRule::Authenticated.authorize(Some(&user)).ok(),
            Some(Grant::All)
        );
        assert_eq!(
            AccessRule::Roles(&["admin"]).authorize(Some(&admin)).ok(),
            Some(Grant::All)
        );
        assert_eq!(
            AccessRule::Roles(&["admin"])
                .authorize(Some(&user))
                .map_err(|e| e.status().as_u16()),
            Err(403)
        );
        assert_eq!(owner.authorize(Some(&admin)).ok(), Some(Grant::All));
        assert_eq!(
            owner
                .authorize(Some(&user))
                .ok()
                .as_ref()
                .and_then(Grant::owner),
            Some("2")
        );
        assert_eq!(
            owner.authorize(None).map_err(|e| e.status().as_u16()),
            Err(401)
        );
        let unauthorized = AccessRule::Authenticated.authorize(None).err();
        assert_eq!(
            unauthorized.map(|e| e.headers()["www-authenticate"].clone()),
            Some(
                "Bearer"
                    .parse()
                    .unwrap_or(http::HeaderValue::from_static(""))
            )
        );
    }
}
