//! Request and response bodies of the auth router.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

/// `POST /auth/register`.
///
/// ```
/// use rustbe_auth::router::RegisterRequest;
/// use validator::Validate;
///
/// let json = r#"{"email": "ada@example.com", "password": "Correct1!horse", "name": "Ada"}"#;
/// let request: RegisterRequest = serde_json::from_str(json).unwrap();
/// assert_eq!((request.email.as_str(), request.name.as_str()), ("ada@example.com", "Ada"));
/// assert!(request.validate().is_ok());
/// let bad: RegisterRequest = serde_json::from_str(r#"{"email": "nope", "password": "", "name": ""}"#).unwrap();
/// assert!(bad.validate().is_err());
/// ```
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct RegisterRequest {
    /// Email (compared case-insensitively).
    #[validate(email(message = "must be a valid email address"), length(max = 254))]
    #[schema(format = "email", max_length = 254, example = "ada@example.com")]
    pub email: String,
    /// The password (see the password rules).
    #[schema(format = "password", example = "Correct1!horse")]
    pub password: String,
    /// Display name, 1 to 100 characters once trimmed (the pattern is
    /// `rustbe_core::resource::NOT_BLANK_PATTERN`: not only white space).
    #[validate(length(min = 1, max = 100))]
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"[^\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]",
        example = "Ada Lovelace"
    )]
    pub name: String,
}

/// `POST /auth/login`.
///
/// ```
/// use rustbe_auth::router::LoginRequest;
///
/// let request: LoginRequest = serde_json::from_str(r#"{"email": "ada@example.com", "password": "pw"}"#).unwrap();
/// assert_eq!((request.email.as_str(), request.password.as_str()), ("ada@example.com", "pw"));
/// assert!(serde_json::from_str::<LoginRequest>(r#"{"email": "ada@example.com"}"#).is_err());
/// ```
#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    /// Email.
    #[schema(format = "email", example = "ada@example.com")]
    pub email: String,
    /// Password.
    #[schema(format = "password", example = "Correct1!horse")]
    pub password: String,
}

/// `POST /auth/refresh`.
///
/// ```
/// use rustbe_auth::router::RefreshRequest;
///
/// let request: RefreshRequest = serde_json::from_str(r#"{"refresh_token": "eyJ.x.y"}"#).unwrap();
/// assert_eq!(request.refresh_token, "eyJ.x.y");
/// ```
#[derive(Debug, Deserialize, ToSchema)]
pub struct RefreshRequest {
    /// The refresh token of the last pair.
    pub refresh_token: String,
}

/// `POST /auth/logout` (the body is optional).
///
/// ```
/// use rustbe_auth::router::LogoutRequest;
///
/// let bare: LogoutRequest = serde_json::from_str("{}").unwrap();
/// assert_eq!(bare.refresh_token, None);
/// let both: LogoutRequest = serde_json::from_str(r#"{"refresh_token": "eyJ.x.y"}"#).unwrap();
/// assert_eq!(both.refresh_token.as_deref(), Some("eyJ.x.y"));
/// ```
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct LogoutRequest {
    /// A refresh token to revoke too (the current session's is always revoked).
    pub refresh_token: Option<String>,
}

/// `POST /auth/forgot-password`.
///
/// ```
/// use rustbe_auth::router::ForgotPasswordRequest;
/// use validator::Validate;
///
/// let request: ForgotPasswordRequest = serde_json::from_str(r#"{"email": "ada@example.com"}"#).unwrap();
/// assert!(request.validate().is_ok());
/// let bad: ForgotPasswordRequest = serde_json::from_str(r#"{"email": "ada"}"#).unwrap();
/// assert!(bad.validate().is_err());
/// ```
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct ForgotPasswordRequest {
    /// The account's email.
    #[validate(email(message = "must be a valid email address"))]
    #[schema(format = "email")]
    pub email: String,
}

/// `POST /auth/reset-password`.
///
/// ```
/// use rustbe_auth::router::ResetPasswordRequest;
///
/// let json = r#"{"token": "from-the-link", "password": "Another1!pass"}"#;
/// let request: ResetPasswordRequest = serde_json::from_str(json).unwrap();
/// assert_eq!((request.token.as_str(), request.password.as_str()), ("from-the-link", "Another1!pass"));
/// ```
#[derive(Debug, Deserialize, ToSchema)]
pub struct ResetPasswordRequest {
    /// The token from the emailed link.
    pub token: String,
    /// The new password.
    #[schema(format = "password")]
    pub password: String,
}

/// `PUT /users/me/password`.
///
/// ```
/// use rustbe_auth::router::ChangePasswordRequest;
///
/// let json = r#"{"current_password": "Correct1!horse", "new_password": "Another1!pass"}"#;
/// let request: ChangePasswordRequest = serde_json::from_str(json).unwrap();
/// assert_eq!(request.current_password, "Correct1!horse");
/// assert_eq!(request.new_password, "Another1!pass");
/// ```
#[derive(Debug, Deserialize, ToSchema)]
pub struct ChangePasswordRequest {
    /// The password in use.
    #[schema(format = "password")]
    pub current_password: String,
    /// The new password.
    #[schema(format = "password")]
    pub new_password: String,
}

/// A token pair.
///
/// ```
/// use rustbe_auth::router::TokenPair;
///
/// let pair = TokenPair { access_token: "a".into(), refresh_token: "r".into(), token_type: "Bearer", expires_in: 900 };
/// assert_eq!(
///     serde_json::to_value(&pair).unwrap(),
///     serde_json::json!({"access_token": "a", "refresh_token": "r", "token_type": "Bearer", "expires_in": 900}),
/// );
/// ```
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenPair {
    /// Send as `Authorization: Bearer …`.
    pub access_token: String,
    /// Spend once at `/auth/refresh`.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
}

/// A user and a token pair: the answer of register and login. The tokens sit next to `user`,
/// not under a field of their own.
///
/// ```
/// use rustbe_auth::router::{Session, TokenPair};
///
/// let tokens = TokenPair { access_token: "a".into(), refresh_token: "r".into(), token_type: "Bearer", expires_in: 900 };
/// let json = serde_json::to_value(Session { user: serde_json::json!({"id": "7"}), tokens }).unwrap();
/// assert_eq!(json["user"]["id"], "7");
/// assert_eq!(json["access_token"], "a");
/// assert!(json.get("tokens").is_none());
/// ```
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Session<U> {
    /// The user.
    pub user: U,
    /// The tokens.
    #[serde(flatten)]
    pub tokens: TokenPair,
}

/// The answer of `forgot-password`, the same whether or not the account exists.
///
/// ```
/// use rustbe_auth::router::Accepted;
///
/// let accepted = Accepted { message: "If an account exists for that email, a reset link has been sent" };
/// let json = serde_json::to_string(&accepted).unwrap();
/// assert_eq!(json, r#"{"message":"If an account exists for that email, a reset link has been sent"}"#);
/// ```
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Accepted {
    /// What happens next.
    pub message: &'static str,
}
