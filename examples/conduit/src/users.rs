//! Users and authentication: rustbe-auth's [`UserStore`] over the `users` table, and
//! `POST /users`, `POST /users/login`, `GET /user`, `PUT /user`.

use axum::extract::State;
use http::StatusCode;
use rustbe_auth::users::{Credentials, NewUser, UserStore};
use rustbe_core::access::Principal;
use rustbe_core::envelope::ErrorEnvelope;
use rustbe_core::extract::Json;
use rustbe_core::{Error, FieldError};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::entities::user;
use crate::{Answer, Ctx, format};

/// The users of rustbe-auth: Conduit's `users` table.
#[derive(Debug, Clone)]
pub struct Users(pub DatabaseConnection);

fn credentials(m: &user::Model) -> Credentials {
    let (id, password_hash) = (m.id.to_string(), m.password_hash.clone());
    Credentials {
        id,
        password_hash,
        roles: Vec::new(),
    }
}

impl Users {
    async fn find(
        &self,
        filter: impl sea_orm::sea_query::IntoCondition,
    ) -> Result<Option<user::Model>, Error> {
        Ok(rustbe_core::db::first(user::Entity::find().filter(filter), &self.0).await?)
    }

    /// The user with `id` (a Principal's id).
    pub(crate) async fn by_id(&self, id: &str) -> Result<Option<user::Model>, Error> {
        let Ok(id) = id.parse::<i32>() else {
            return Ok(None);
        };
        self.find(user::Column::Id.eq(id)).await
    }
}

impl UserStore for Users {
    type User = user::Model;

    async fn find_by_email(
        &self,
        email: &str,
    ) -> Result<Option<(Credentials, user::Model)>, Error> {
        Ok(self
            .find(user::Column::Email.eq(email))
            .await?
            .map(|m| (credentials(&m), m)))
    }

    async fn credentials(&self, id: &str) -> Result<Option<Credentials>, Error> {
        Ok(self.by_id(id).await?.as_ref().map(credentials))
    }

    async fn profile(&self, id: &str) -> Result<Option<user::Model>, Error> {
        self.by_id(id).await
    }

    async fn create(&self, new: NewUser) -> Result<(Credentials, user::Model), Error> {
        let row = user::ActiveModel {
            email: Set(new.email),
            username: Set(new.name),
            password_hash: Set(new.password_hash),
            ..Default::default()
        };
        let row = row.insert(&self.0).await?;
        Ok((credentials(&row), row))
    }

    async fn create_with_role(
        &self,
        new: NewUser,
        _: &str,
    ) -> Result<(Credentials, user::Model), Error> {
        self.create(new).await // Conduit has no roles
    }

    async fn set_password(&self, id: &str, password_hash: &str) -> Result<(), Error> {
        let row = self.by_id(id).await?.ok_or_else(Error::not_found)?;
        let mut row: user::ActiveModel = row.into();
        row.password_hash = Set(password_hash.to_owned());
        row.update(&self.0).await?;
        Ok(())
    }
}

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
    let token = ctx.auth.access_token(&credentials(&m))?.token;
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
        .by_id(me.id())
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
        .by_id(me.id())
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
