//! The claims rustbe-auth's tokens carry ([`Claims`]) and their two kinds ([`TokenKind`]).

use serde::{Deserialize, Serialize};

/// Which secret signed a token, and what it may be used for.
///
/// ```
/// use rustbe_auth::token::{TokenIssuer, TokenKind};
/// use rustbe_core::config::Config;
///
/// let issuer = TokenIssuer::from_config(&rustbe_auth::AuthConfig::for_tests("shop"));
/// assert_eq!(issuer.issue_refresh("7", "s1").unwrap().claims.typ, TokenKind::Refresh);
/// assert_eq!(serde_json::to_string(&TokenKind::Access).unwrap(), r#""access""#);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    /// Short-lived, sent as `Authorization: Bearer …` on every request.
    Access,
    /// Long-lived, spent once at `/auth/refresh` for a new pair.
    Refresh,
}

/// The claims of rustbe's tokens.
///
/// ```
/// use rustbe_auth::token::{Claims, TokenKind};
/// let json = r#"{"sub":"7","iss":"shop","aud":"shop","exp":2000000000,"nbf":1,"iat":1,
///   "jti":"a","typ":"access","sid":"s","roles":["customer"]}"#;
/// let claims: Claims = serde_json::from_str(json).unwrap();
/// assert_eq!(claims.typ, TokenKind::Access);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user's id.
    pub sub: String,
    /// Who issued the token (the app's name).
    pub iss: String,
    /// Who the token is for (the app's name).
    pub aud: String,
    /// Expiry, seconds since the epoch.
    pub exp: u64,
    /// Not valid before, seconds since the epoch.
    pub nbf: u64,
    /// Issued at, seconds since the epoch.
    pub iat: u64,
    /// The token's unique id (revocation is keyed by it).
    pub jti: String,
    /// Access or refresh.
    pub typ: TokenKind,
    /// The session (refresh-token family) the token belongs to.
    pub sid: String,
    /// The user's roles (access tokens only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
}
