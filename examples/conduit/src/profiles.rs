//! Profiles: `GET /profiles/{username}`, `POST` and `DELETE /profiles/{username}/follow`.

use axum::extract::State;
use rustbe_auth::layer::OptionalPrincipal;
use rustbe_core::Error;
use rustbe_core::access::Principal;
use rustbe_core::envelope::ErrorEnvelope;
use rustbe_core::extract::Path;
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, FromQueryResult, QueryFilter, QuerySelect,
};
use serde::Serialize;
use utoipa::ToSchema;

use crate::entities::{follow, user};
use crate::{Answer, Ctx, caller, format, id};

/// A user as the caller sees them; read by the queries of articles and comments too
/// (`username`, `bio`, `image`, `following` columns).
#[derive(Debug, Serialize, ToSchema, FromQueryResult)]
pub struct Profile {
    username: String,
    bio: Option<String>,
    image: Option<String>,
    following: bool,
}

/// `following`: whether the caller `me` follows the user whose id is in column `author`
/// (`me` is an integer, written into the SQL as one).
pub fn following(me: Option<i32>, author: &str) -> SimpleExpr {
    let me = me.unwrap_or(-1);
    Expr::cust(format!(
        "EXISTS (SELECT 1 FROM follows w WHERE w.followee_id = {author} AND w.follower_id = {me})"
    ))
}

/// The id of the user called `name`: 404 when there is none.
pub async fn user_id(ctx: &Ctx, name: &str) -> Result<i32, Error> {
    let found = user::Entity::find().select_only().column(user::Column::Id);
    let found = found
        .filter(user::Column::Username.eq(name))
        .into_tuple()
        .one(&ctx.db)
        .await?;
    found.ok_or_else(|| Error::not_found().with_message("No such user"))
}

/// `{"profile": …}` of `name` for `me`.
async fn profile(ctx: &Ctx, me: Option<i32>, name: &str) -> Answer {
    let select = user::Entity::find()
        .select_only()
        .columns([user::Column::Username, user::Column::Bio]);
    let select = select
        .column(user::Column::Image)
        .column_as(following(me, "users.id"), "following");
    let found = select
        .filter(user::Column::Username.eq(name))
        .into_model::<Profile>()
        .one(&ctx.db)
        .await?;
    Ok(format::named(
        "profile",
        found.ok_or_else(|| Error::not_found().with_message("No such user"))?,
    ))
}

/// A profile.
#[utoipa::path(get, path = "/api/profiles/{username}", tag = "Profile", params(("username" = String, Path)),
    responses((status = 200, body = Profile), (status = 404, body = ErrorEnvelope)))]
pub async fn get(ctx: State<Ctx>, me: OptionalPrincipal, Path(name): Path<String>) -> Answer {
    profile(&ctx, caller(&me.0), &name).await
}

/// Follows a user.
#[utoipa::path(post, path = "/api/profiles/{username}/follow", tag = "Profile", params(("username" = String, Path)),
    security(("bearer_auth" = [])), responses((status = 200, body = Profile), (status = 401, body = ErrorEnvelope)))]
pub async fn follow(ctx: State<Ctx>, me: Principal, Path(name): Path<String>) -> Answer {
    let row = follow::ActiveModel {
        follower_id: Set(id(&me)?),
        followee_id: Set(user_id(&ctx, &name).await?),
    };
    follow::Entity::insert(row)
        .on_conflict_do_nothing()
        .exec(&ctx.db)
        .await?;
    profile(&ctx, Some(id(&me)?), &name).await
}

/// Stops following a user.
#[utoipa::path(delete, path = "/api/profiles/{username}/follow", tag = "Profile", params(("username" = String, Path)),
    security(("bearer_auth" = [])), responses((status = 200, body = Profile), (status = 401, body = ErrorEnvelope)))]
pub async fn unfollow(ctx: State<Ctx>, me: Principal, Path(name): Path<String>) -> Answer {
    follow::Entity::delete_by_id((id(&me)?, user_id(&ctx, &name).await?))
        .exec(&ctx.db)
        .await?;
    profile(&ctx, Some(id(&me)?), &name).await
}
