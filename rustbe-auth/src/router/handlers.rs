//! The handlers of the `/auth/*` routes: each reads its body and calls the service.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use bytes::Bytes;
use http::StatusCode;
use rand::RngCore as _;
use rustbe_core::extract::Json;
use rustbe_core::response::{Created, NoContent, Single};
use rustbe_core::{Error, FieldError};
use validator::Validate as _;

use super::dto::{
    Accepted, ChangePasswordRequest, ForgotPasswordRequest, LoginRequest, LogoutRequest,
    RefreshRequest, RegisterRequest, ResetPasswordRequest, Session,
};
use super::{AuthService, TokenPair};
use crate::layer::AccessClaims;
use crate::mail::Email;
use crate::revocation::access_token_key;
use crate::store::token_hash;
use crate::token::now_secs;
use crate::users::UserStore;

use super::account::normalize_email;
#[allow(unused_imports, reason = "named by the `#[utoipa::path]`s")]
use super::openapi::{AppUser, SessionDoc};
#[allow(unused_imports, reason = "named by the `#[utoipa::path]`s")]
use rustbe_core::envelope::{Data, ErrorEnvelope};
#[allow(unused_imports, reason = "named by the `#[utoipa::path]`s")]
use rustbe_core::openapi::{Invalid, Unauthorized, Unsupported};

/// Create an account and start a session
#[utoipa::path(post, path = "/api/auth/register", tag = "auth", request_body = RegisterRequest,
    responses(Created<SessionDoc>, Invalid, (status = 409, description = "The email is taken (`DUPLICATE_ENTRY`)", body = ErrorEnvelope), Unsupported, (status = 503, description = "The database or the revocation store is unavailable (with `Retry-After`)", body = ErrorEnvelope)))]
pub(super) async fn register<U: UserStore>(
    State(auth): State<AuthService<U>>,
    Json(body): Json<RegisterRequest>,
) -> Result<Created<Session<U::User>>, Error> {
    let (credentials, user) = auth
        .register(&body.email, &body.name, &body.password)
        .await?;
    let tokens = auth.start_session(&credentials).await?;
    Ok(Created::new(
        format!("/api/users/{}", credentials.id),
        Session { user, tokens },
    ))
}

/// Start a session with email and password
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = LoginRequest,
    responses(Single<SessionDoc>, Invalid,
        (status = 401, description = "Unknown email or wrong password (`INVALID_CREDENTIALS`, the same for both)", body = ErrorEnvelope),
        Unsupported, (status = 503, description = "The database or the revocation store is unavailable (with `Retry-After`)", body = ErrorEnvelope)))]
pub(super) async fn login<U: UserStore>(
    State(auth): State<AuthService<U>>,
    Json(body): Json<LoginRequest>,
) -> Result<Single<Session<U::User>>, Error> {
    let (credentials, user) = auth.check_login(&body.email, &body.password).await?;
    let tokens = auth.start_session(&credentials).await?;
    Ok(Single(Session { user, tokens }))
}

/// Spend a refresh token for a new pair (a spent token revokes its whole session)
#[utoipa::path(post, path = "/api/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses(Single<TokenPair>, Invalid,
        (status = 401, description = "A bad, spent, revoked or expired refresh token (`INVALID_TOKEN`, `TOKEN_EXPIRED`)", body = ErrorEnvelope),
        Unsupported, (status = 503, description = "The database or the revocation store is unavailable (with `Retry-After`)", body = ErrorEnvelope)))]
pub(super) async fn refresh<U: UserStore>(
    State(auth): State<AuthService<U>>,
    Json(body): Json<RefreshRequest>,
) -> Result<Single<TokenPair>, Error> {
    auth.rotate(&body.refresh_token).await.map(Single)
}

/// End the session: the access token and the session's refresh tokens stop working at once
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth", security(("bearer_auth" = [])),
    request_body(content = LogoutRequest, description = "May be left out: the session's refresh token, to end it too"),
    responses((status = 204, description = "Signed out"), Invalid, Unauthorized, (status = 503, description = "The database or the revocation store is unavailable (with `Retry-After`)", body = ErrorEnvelope)))]
pub(super) async fn logout<U: UserStore>(
    State(auth): State<AuthService<U>>,
    claims: AccessClaims,
    body: Bytes,
) -> Result<NoContent, Error> {
    let inner = &auth.inner;
    let body: LogoutRequest = if body.iter().all(u8::is_ascii_whitespace) {
        LogoutRequest::default()
    } else {
        Json::from_bytes(&body).map_err(Error::from)?.0
    };
    // Until the token would stop being accepted: its expiry plus the leeway.
    let until = claims.exp.saturating_add(inner.issuer.leeway().as_secs());
    inner
        .revocation
        .revoke(&access_token_key(&claims.jti), until)
        .await?;
    let mut sessions = vec![claims.sid.clone()];
    if let Some(token) = body.refresh_token
        && let Ok(refresh) = inner.issuer.verify_refresh(&token)
        && refresh.sub == claims.sub
    {
        sessions.push(refresh.sid);
    }
    auth.end_sessions(&sessions).await?;
    Ok(NoContent)
}

/// The signed-in user
#[utoipa::path(get, path = "/api/users/me", tag = "auth", security(("bearer_auth" = [])),
    responses(Single<AppUser>, Unauthorized, (status = 503, description = "The database or the revocation store is unavailable (with `Retry-After`)", body = ErrorEnvelope)))]
pub(super) async fn me<U: UserStore>(
    State(auth): State<AuthService<U>>,
    claims: AccessClaims,
) -> Result<Single<U::User>, Error> {
    auth.inner
        .users
        .profile(&claims.sub)
        .await?
        .map(Single)
        .ok_or_else(Error::not_found)
}

/// Change the password; other sessions are revoked
#[utoipa::path(put, path = "/api/users/me/password", tag = "auth", security(("bearer_auth" = [])), request_body = ChangePasswordRequest,
    responses((status = 204, description = "Password changed"),
        (status = 400, description = "Malformed body (`BAD_REQUEST`); a new password that breaks the rules, or a wrong `current_password` (`VALIDATION_ERROR`, with `details` on `new_password` or `current_password`)", body = ErrorEnvelope),
        Unauthorized, Unsupported, (status = 503, description = "The database or the revocation store is unavailable (with `Retry-After`)", body = ErrorEnvelope)))]
pub(super) async fn change_password<U: UserStore>(
    State(auth): State<AuthService<U>>,
    claims: AccessClaims,
    Json(body): Json<ChangePasswordRequest>,
) -> Result<NoContent, Error> {
    let inner = &auth.inner;
    inner.policy.check(&body.new_password)?;
    let credentials = inner
        .users
        .credentials(&claims.sub)
        .await?
        .ok_or_else(Error::unauthorized)?;
    let current_ok = body.current_password.chars().count() <= inner.policy.max_len()
        && inner
            .hasher
            .verify(&body.current_password, &credentials.password_hash)
            .await?;
    if !current_ok {
        return Err(Error::validation([FieldError::new(
            "current_password",
            "is incorrect",
        )]));
    }
    let hash = inner.hasher.hash(&body.new_password).await?;
    inner.users.set_password(&credentials.id, &hash).await?;
    let others = inner
        .refresh
        .revoke_user(&credentials.id, Some(&claims.sid))
        .await?;
    auth.refuse_access_tokens(&others).await?;
    Ok(NoContent)
}

/// Email a reset link; the same answer whether or not the account exists
#[utoipa::path(post, path = "/api/auth/forgot-password", tag = "auth", request_body = ForgotPasswordRequest,
    responses((status = 202, description = "Accepted", body = Data<Accepted>), Invalid, Unsupported))]
pub(super) async fn forgot_password<U: UserStore>(
    State(auth): State<AuthService<U>>,
    Json(mut body): Json<ForgotPasswordRequest>,
) -> Result<Response, Error> {
    // Trimmed and lower-cased before it is checked, as register and login do.
    body.email = normalize_email(&body.email);
    body.validate()?;
    let email = body.email;
    auth.count_account_attempt(&email).await?;
    // All the work happens after the answer, so known and unknown emails answer alike.
    tokio::spawn(async move {
        if let Err(err) = send_reset_link(&auth, &email).await {
            tracing::warn!(error = %err, "password reset mail could not be sent");
        }
    });
    let accepted = Accepted {
        message: "If an account exists for that email, a reset link has been sent",
    };
    Ok((StatusCode::ACCEPTED, Single(accepted)).into_response())
}

async fn send_reset_link<U: UserStore>(auth: &AuthService<U>, email: &str) -> Result<(), Error> {
    let inner = &auth.inner;
    let Some((user, _)) = inner.users.find_by_email(email).await? else {
        return Ok(());
    };
    let mut bytes = [0_u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let expires_at = now_secs() + inner.reset_ttl.as_secs();
    inner
        .resets
        .insert_reset(&token_hash(&token), &user.id, expires_at)
        .await?;
    let minutes = inner.reset_ttl.as_secs().div_ceil(60);
    let link = format!("{}/reset-password?token={token}", inner.app_url);
    let body = format!(
        "Someone asked to reset the password of this account.\n\nTo choose a new password, open:\n{link}\n\nThe link works once and expires in {minutes} minutes. If you did not ask for this, ignore this email."
    );
    inner
        .mailer
        .send(Email {
            to: email.to_owned(),
            subject: "Reset your password".into(),
            body,
        })
        .await
}

/// Choose a new password with a reset token (single use, 1 h); revokes every session
#[utoipa::path(post, path = "/api/auth/reset-password", tag = "auth", request_body = ResetPasswordRequest,
    responses((status = 204, description = "Password changed"),
        (status = 400, description = "Malformed body (`BAD_REQUEST`); a password that breaks the rules, or a token that is unknown, already used or expired (`VALIDATION_ERROR`, with `details` on `password` or `token`)", body = ErrorEnvelope),
        Unsupported, (status = 503, description = "The database or the revocation store is unavailable (with `Retry-After`)", body = ErrorEnvelope)))]
pub(super) async fn reset_password<U: UserStore>(
    State(auth): State<AuthService<U>>,
    Json(body): Json<ResetPasswordRequest>,
) -> Result<NoContent, Error> {
    let inner = &auth.inner;
    // Check and hash the password first, so a weak password or a busy hasher does not spend
    // the token.
    inner.policy.check(&body.password)?;
    let hash = inner.hasher.hash(&body.password).await?;
    let Some(user_id) = inner.resets.consume_reset(&token_hash(&body.token)).await? else {
        return Err(Error::validation([FieldError::new(
            "token",
            "is invalid, already used or expired",
        )]));
    };
    inner.users.set_password(&user_id, &hash).await?;
    inner.resets.invalidate_resets(&user_id).await?;
    let sessions = inner.refresh.revoke_user(&user_id, None).await?;
    auth.refuse_access_tokens(&sessions).await?;
    Ok(NoContent)
}
