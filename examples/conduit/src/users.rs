//! Users and authentication: rustbe-auth's [`SeaOrmUserStore`] over the `users` table
//! (`entities::user` names its columns), and `POST /users`, `POST /users/login`, `GET /user`,
//! `PUT /user`.

use axum::extract::State;
use http::StatusCode;
use rustbe_auth::users::SeaOrmUserStore;
use rustbe_core::access::Principal;
use rustbe_core::envelope::ErrorEnvelope;
use rustbe_core::extract::Json;
use rustbe_core::{Error, FieldError};
use sea_orm::{ActiveModelTrait, ActiveValue::Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::entities::user;
use crate::{Answer, Ctx, format};

/// The users of rustbe-auth: Conduit's `users` table.
pub type Users = SeaOrmUserStore<user::Entity>;

/// The signed-in user, with a token.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    email: String,
    token: String,
    username: String,
    bio: Option<String>,
    image: Option<String>,
}

/// `{"user": …}` in a request.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UserIn<T> {
    user: T,
}

/// `POST /users`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewUserIn {
    username: String,
    email: String,
    password: String,
}

/// `POST /users/login`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginIn {
    email: String,
    password: String,
}

/// `PUT /user`: every field optional.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateUserIn {
    email: Option<String>,
    username: Option<String>,
    password: Option<String>,
    bio: Option<String>,
    image: Option<String>,
}

fn view(ctx: &Ctx, status: StatusCode, m: user::Model) -> Answer {
    let token = ctx.auth.access_token(&Users::credentials_of(&m))?.token;
    let (email, username, bio, image) = (m.email, m.username, m.bio, m.image);
    let user = UserView {
        email,
        token,
        username,
        bio,
        image,
    };
    if status == StatusCode::CREATED {
        return Ok(format::created("/api/user".to_owned(), "user", user));
    }
    Ok(format::named("user", user))
}

/// Registers a user.
#[utoipa::path(post, path = "/api/users", tag = "User and Authentication", request_body = UserIn<NewUserIn>,
    responses((status = 201, body = UserView), (status = 422, body = ErrorEnvelope)))]
pub async fn register(ctx: State<Ctx>, Json(body): Json<UserIn<NewUserIn>>) -> Answer {
    let user = body.user;
    let (_, row) = ctx
        .auth
        .register(&user.email, &user.username, &user.password)
        .await?;
    view(&ctx, StatusCode::CREATED, row)
}

/// Logs in.
#[utoipa::path(post, path = "/api/users/login", tag = "User and Authentication", request_body = UserIn<LoginIn>,
    responses((status = 200, body = UserView), (status = 401, body = ErrorEnvelope)))]
pub async fn login(ctx: State<Ctx>, Json(body): Json<UserIn<LoginIn>>) -> Answer {
    let (_, row) = ctx
        .auth
        .check_login(&body.user.email, &body.user.password)
        .await?;
    view(&ctx, StatusCode::OK, row)
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/user", tag = "User and Authentication", security(("bearer_auth" = [])),
    responses((status = 200, body = UserView), (status = 401, body = ErrorEnvelope)))]
pub async fn current(ctx: State<Ctx>, me: Principal) -> Answer {
    let row = ctx
        .users
        .row(me.id())
        .await?
        .ok_or_else(Error::unauthorized)?;
    view(&ctx, StatusCode::OK, row)
}

/// Updates the signed-in user.
#[utoipa::path(put, path = "/api/user", tag = "User and Authentication", security(("bearer_auth" = [])),
    request_body = UserIn<UpdateUserIn>, responses((status = 200, body = UserView), (status = 422, body = ErrorEnvelope)))]
pub async fn update(
    ctx: State<Ctx>,
    me: Principal,
    Json(body): Json<UserIn<UpdateUserIn>>,
) -> Answer {
    let row = ctx
        .users
        .row(me.id())
        .await?
        .ok_or_else(Error::unauthorized)?;
    let (change, mut row) = (body.user, user::ActiveModel::from(row));
    let blank = |field: &'static str| Error::validation([FieldError::new(field, "can't be blank")]);
    if let Some(email) = change.email.map(|e| e.trim().to_lowercase()) {
        if !email.contains('@') {
            return Err(Error::validation([FieldError::new(
                "email",
                "must be a valid email address",
            )]));
        }
        row.email = Set(email);
    }
    if let Some(username) = change.username.map(|u| u.trim().to_owned()) {
        row.username = Set(Some(username)
            .filter(|u| !u.is_empty())
            .ok_or_else(|| blank("username"))?);
    }
    if let Some(password) = change.password {
        ctx.auth.policy().check_field(&password, "password")?;
        row.password_hash = Set(ctx.auth.hasher().hash(&password).await?);
    }
    row.bio = change.bio.map_or(row.bio, |bio| Set(Some(bio)));
    row.image = change.image.map_or(row.image, |image| Set(Some(image)));
    let row = row.update(&ctx.db).await?;
    view(&ctx, StatusCode::OK, row)
}
