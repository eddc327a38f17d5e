//! Request and response bodies of the auth router.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

/// `POST /auth/register`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct RegisterRequest {
    /// Email (compared case-insensitively).
    #[validate(email(message = "must be a valid email address"), length(max = 254))]
    #[schema(format = "email", example = "ada@example.com")]
    pub email: String,
    /// The password (see the password rules).
    #[schema(format = "password", example = "Correct1!horse")]
    pub password: String,
    /// Display name.
    #[validate(length(min = 1, max = 100))]
    #[schema(example = "Ada Lovelace")]
    pub name: String,
}

/// `POST /auth/login`.
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
#[derive(Debug, Deserialize, ToSchema)]
pub struct RefreshRequest {
    /// The refresh token of the last pair.
    pub refresh_token: String,
}

/// `POST /auth/logout` (the body is optional).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct LogoutRequest {
    /// A refresh token to revoke too (the current session's is always revoked).
    pub refresh_token: Option<String>,
}

/// `POST /auth/forgot-password`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct ForgotPasswordRequest {
    /// The account's email.
    #[validate(email(message = "must be a valid email address"))]
    #[schema(format = "email")]
    pub email: String,
}

/// `POST /auth/reset-password`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ResetPasswordRequest {
    /// The token from the emailed link.
    pub token: String,
    /// The new password.
    #[schema(format = "password")]
    pub password: String,
}

/// `PUT /users/me/password`.
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

/// A user and a token pair: the answer of register and login.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Session<U> {
    /// The user.
    pub user: U,
    /// The tokens.
    #[serde(flatten)]
    pub tokens: TokenPair,
}

/// The answer of `forgot-password`, the same whether or not the account exists.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Accepted {
    /// What happens next.
    pub message: &'static str,
}
