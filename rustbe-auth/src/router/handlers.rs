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

pub(super) async fn login<U: UserStore>(
    State(auth): State<AuthService<U>>,
    Json(body): Json<LoginRequest>,
) -> Result<Single<Session<U::User>>, Error> {
    let (credentials, user) = auth.check_login(&body.email, &body.password).await?;
    let tokens = auth.start_session(&credentials).await?;
    Ok(Single(Session { user, tokens }))
}

pub(super) async fn refresh<U: UserStore>(
    State(auth): State<AuthService<U>>,
    Json(body): Json<RefreshRequest>,
) -> Result<Single<TokenPair>, Error> {
    auth.rotate(&body.refresh_token).await.map(Single)
}

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
