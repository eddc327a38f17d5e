//! JWT access and refresh tokens: HS256 only, different secrets, a type claim, explicit
//! leeway.

mod claims;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::config::{AuthConfig, JwtConfig};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rustbe_core::access::Principal;
use rustbe_core::{Error, ErrorCode};

pub use claims::{Claims, TokenKind};

/// A token and the claims it carries.
///
/// ```
/// use rustbe_auth::token::TokenIssuer;
/// use rustbe_core::{access::Principal, config::Config};
///
/// let issuer = TokenIssuer::from_config(&rustbe_auth::AuthConfig::for_tests("shop"));
/// let issued = issuer.issue_access(&Principal::new("7", ["customer"]), "s1").unwrap();
/// assert_eq!(issued.token.split('.').count(), 3, "header.payload.signature");
/// assert_eq!(issuer.verify_access(&issued.token).unwrap(), issued.claims);
/// ```
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// The encoded JWT.
    pub token: String,
    /// Its claims.
    pub claims: Claims,
}

/// Issues and verifies tokens. The algorithm is pinned to HS256: `none` and every other
/// algorithm are refused. `exp`, `nbf`, `iss`, `aud`, `sub` are required and checked, with
/// the configured leeway; `typ` keeps a refresh token from working as an access token and the
/// reverse (they are also signed with different secrets).
///
/// `Debug` never shows the secrets.
///
/// ```
/// use rustbe_auth::token::TokenIssuer;
/// use rustbe_core::{access::Principal, config::Config};
///
/// let issuer = TokenIssuer::from_config(&rustbe_auth::AuthConfig::for_tests("shop"));
/// let access = issuer.issue_access(&Principal::new("7", ["customer"]), "session-1").unwrap();
/// let claims = issuer.verify_access(&access.token).unwrap();
/// assert_eq!((claims.sub.as_str(), claims.sid.as_str()), ("7", "session-1"));
/// assert_eq!(issuer.verify_refresh(&access.token).unwrap_err().code(), rustbe_core::ErrorCode::InvalidToken);
/// assert!(!format!("{issuer:?}").contains("secret"));
/// ```
#[derive(Clone)]
pub struct TokenIssuer {
    access: (EncodingKey, DecodingKey),
    refresh: (EncodingKey, DecodingKey),
    validation: Validation,
    access_ttl: Duration,
    refresh_ttl: Duration,
    issuer: String,
}

impl TokenIssuer {
    /// An issuer for `config`, naming `issuer` as both `iss` and `aud`.
    ///
    /// ```
    /// use rustbe_auth::token::TokenIssuer;
    ///
    /// let jwt = rustbe_auth::AuthConfig::for_tests("shop").jwt;
    /// let (shop, blog) = (TokenIssuer::new(&jwt, "shop"), TokenIssuer::new(&jwt, "blog"));
    /// let token = shop.issue_refresh("7", "s1").unwrap().token;
    /// assert_eq!(shop.verify_refresh(&token).unwrap().aud, "shop");
    /// assert!(blog.verify_refresh(&token).is_err(), "same secret, another audience");
    /// ```
    #[must_use]
    pub fn new(config: &JwtConfig, issuer: &str) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = config.leeway.as_secs();
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[issuer]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        let keys = |secret: &str| {
            (
                EncodingKey::from_secret(secret.as_bytes()),
                DecodingKey::from_secret(secret.as_bytes()),
            )
        };
        Self {
            access: keys(config.secret.expose()),
            refresh: keys(config.refresh_secret.expose()),
            validation,
            access_ttl: config.access_ttl,
            refresh_ttl: config.refresh_ttl,
            issuer: issuer.to_owned(),
        }
    }

    /// An issuer from the auth configuration (`iss` and `aud` are the app's name).
    ///
    /// ```
    /// use rustbe_auth::token::TokenIssuer;
    ///
    /// let config = rustbe_auth::AuthConfig::for_tests("shop");
    /// let claims = TokenIssuer::from_config(&config).issue_refresh("7", "s1").unwrap().claims;
    /// assert_eq!((claims.iss.as_str(), claims.aud.as_str()), ("shop", "shop"));
    /// assert_eq!(claims.exp - claims.iat, config.jwt.refresh_ttl.as_secs());
    /// ```
    #[must_use]
    pub fn from_config(config: &AuthConfig) -> Self {
        Self::new(&config.jwt, &config.issuer)
    }

    /// Lifetime of access tokens (`expires_in` of the token answers).
    ///
    /// ```
    /// # use rustbe_auth::token::TokenIssuer;
    /// # use rustbe_core::{access::Principal, config::Config};
    /// # let issuer = TokenIssuer::from_config(&rustbe_auth::AuthConfig::for_tests("shop"));
    /// assert_eq!(issuer.access_ttl(), std::time::Duration::from_secs(15 * 60));
    /// let claims = issuer.issue_access(&Principal::new("7", ["customer"]), "s1").unwrap().claims;
    /// assert_eq!(claims.exp - claims.iat, issuer.access_ttl().as_secs());
    /// ```
    #[must_use]
    pub fn access_ttl(&self) -> Duration {
        self.access_ttl
    }

    /// The clock-skew allowance: a token is accepted until `exp` plus this.
    ///
    /// ```
    /// let issuer = rustbe_auth::token::TokenIssuer::from_config(&rustbe_auth::AuthConfig::for_tests("shop"));
    /// assert_eq!(issuer.leeway(), std::time::Duration::from_secs(5));
    /// ```
    #[must_use]
    pub fn leeway(&self) -> Duration {
        Duration::from_secs(self.validation.leeway)
    }

    /// Lifetime of refresh tokens.
    ///
    /// ```
    /// # use rustbe_auth::token::TokenIssuer;
    /// # use rustbe_core::config::Config;
    /// # let issuer = TokenIssuer::from_config(&rustbe_auth::AuthConfig::for_tests("shop"));
    /// assert_eq!(issuer.refresh_ttl(), std::time::Duration::from_secs(7 * 86_400));
    /// let claims = issuer.issue_refresh("7", "s1").unwrap().claims;
    /// assert_eq!(claims.exp - claims.iat, issuer.refresh_ttl().as_secs());
    /// ```
    #[must_use]
    pub fn refresh_ttl(&self) -> Duration {
        self.refresh_ttl
    }

    /// An access token for `principal` in session `sid`.
    ///
    /// ```
    /// use rustbe_auth::token::TokenIssuer;
    /// use rustbe_core::{access::Principal, config::Config};
    ///
    /// let issuer = TokenIssuer::from_config(&rustbe_auth::AuthConfig::for_tests("shop"));
    /// let issued = issuer.issue_access(&Principal::new("7", ["admin", "editor"]), "s1").unwrap();
    /// assert_eq!(issued.claims.typ, rustbe_auth::token::TokenKind::Access);
    /// assert_eq!(issued.claims.roles, ["admin", "editor"]);
    /// ```
    pub fn issue_access(&self, principal: &Principal, sid: &str) -> Result<IssuedToken, Error> {
        self.issue(
            TokenKind::Access,
            principal.id(),
            sid,
            principal.roles().to_vec(),
        )
    }

    /// A refresh token for user `sub` in session `sid`.
    ///
    /// ```
    /// # use rustbe_auth::token::TokenIssuer;
    /// # use rustbe_core::config::Config;
    /// # let issuer = TokenIssuer::from_config(&rustbe_auth::AuthConfig::for_tests("shop"));
    /// let issued = issuer.issue_refresh("7", "s1").unwrap();
    /// assert!(issued.claims.roles.is_empty(), "roles live in access tokens only");
    /// assert_eq!(issuer.verify_refresh(&issued.token).unwrap().sid, "s1");
    /// assert!(issuer.verify_access(&issued.token).is_err(), "never usable as an access token");
    /// ```
    pub fn issue_refresh(&self, sub: &str, sid: &str) -> Result<IssuedToken, Error> {
        self.issue(TokenKind::Refresh, sub, sid, Vec::new())
    }

    fn issue(
        &self,
        typ: TokenKind,
        sub: &str,
        sid: &str,
        roles: Vec<String>,
    ) -> Result<IssuedToken, Error> {
        let now = now_secs();
        let (ttl, key) = match typ {
            TokenKind::Access => (self.access_ttl, &self.access.0),
            TokenKind::Refresh => (self.refresh_ttl, &self.refresh.0),
        };
        let claims = Claims {
            sub: sub.to_owned(),
            iss: self.issuer.clone(),
            aud: self.issuer.clone(),
            exp: now + ttl.as_secs(),
            nbf: now,
            iat: now,
            jti: uuid::Uuid::new_v4().simple().to_string(),
            typ,
            sid: sid.to_owned(),
            roles,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, key)
            .map_err(Error::internal)?;
        Ok(IssuedToken { token, claims })
    }

    /// Verifies an access token: 401 `TOKEN_EXPIRED` when expired, 401 `INVALID_TOKEN` for
    /// anything else wrong.
    ///
    /// ```
    /// # use rustbe_auth::token::TokenIssuer;
    /// # use rustbe_core::access::Principal;
    /// use rustbe_core::ErrorCode;
    ///
    /// let config = rustbe_auth::AuthConfig::for_tests("shop");
    /// let issuer = TokenIssuer::from_config(&config);
    /// let mut claims = issuer.issue_access(&Principal::new("7", ["customer"]), "s1").unwrap().claims;
    /// claims.exp = 1_000; // long past; signed with the right secret all the same:
    /// let key = jsonwebtoken::EncodingKey::from_secret(config.jwt.secret.expose().as_bytes());
    /// let expired = jsonwebtoken::encode(&jsonwebtoken::Header::default(), &claims, &key).unwrap();
    /// assert_eq!(issuer.verify_access(&expired).unwrap_err().code(), ErrorCode::TokenExpired);
    /// assert_eq!(issuer.verify_access("not.a.jwt").unwrap_err().code(), ErrorCode::InvalidToken);
    /// ```
    pub fn verify_access(&self, token: &str) -> Result<Claims, Error> {
        self.verify(token, TokenKind::Access)
    }

    /// Verifies a refresh token, with the same answers as [`TokenIssuer::verify_access`].
    ///
    /// ```
    /// # use rustbe_auth::token::TokenIssuer;
    /// # use rustbe_core::{access::Principal, config::Config};
    /// # let issuer = TokenIssuer::from_config(&rustbe_auth::AuthConfig::for_tests("shop"));
    /// let refresh = issuer.issue_refresh("7", "s1").unwrap().token;
    /// assert_eq!(issuer.verify_refresh(&refresh).unwrap().sub, "7");
    /// let access = issuer.issue_access(&Principal::new("7", ["customer"]), "s1").unwrap().token;
    /// assert_eq!(issuer.verify_refresh(&access).unwrap_err().status(), 401);
    /// ```
    pub fn verify_refresh(&self, token: &str) -> Result<Claims, Error> {
        self.verify(token, TokenKind::Refresh)
    }

    fn verify(&self, token: &str, typ: TokenKind) -> Result<Claims, Error> {
        let key = match typ {
            TokenKind::Access => &self.access.1,
            TokenKind::Refresh => &self.refresh.1,
        };
        let data =
            jsonwebtoken::decode::<Claims>(token, key, &self.validation).map_err(|e| {
                match e.kind() {
                    ErrorKind::ExpiredSignature => Error::new(ErrorCode::TokenExpired),
                    _ => Error::new(ErrorCode::InvalidToken),
                }
            })?;
        if data.claims.typ != typ {
            return Err(Error::new(ErrorCode::InvalidToken));
        }
        Ok(data.claims)
    }
}

impl std::fmt::Debug for TokenIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenIssuer")
            .field("issuer", &self.issuer)
            .field("access_ttl", &self.access_ttl)
            .field("refresh_ttl", &self.refresh_ttl)
            .field("leeway", &self.validation.leeway)
            .finish_non_exhaustive()
    }
}

/// Seconds since the epoch.
pub(crate) fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
