//! Profiles: `GET /profiles/{username}`, `POST` and `DELETE /profiles/{username}/follow`.

use axum::extract::State;
use axum::response::Response;
use rustbe_auth::layer::OptionalPrincipal;
use rustbe_core::Error;
use rustbe_core::access::Principal;
use rustbe_core::extract::Path;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde::Serialize;
use utoipa::ToSchema;

use crate::entities::{follow, user};
use crate::{Ctx, caller, format};

/// A user as others see them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Profile {
    username: String,
    bio: Option<String>,
    image: Option<String>,
    following: bool,
}

impl Profile {
    /// `m` as the caller sees them.
    pub fn new(m: user::Model, following: bool) -> Self {
        Self {
            username: m.username,
            bio: m.bio,
            image: m.image,
            following,
        }
    }
}

/// The user called `username`: 404 when there is none.
pub async fn by_name(ctx: &Ctx, username: &str) -> Result<user::Model, Error> {
    let found = user::Entity::find().filter(user::Column::Username.eq(username));
    rustbe_core::db::first(found, &ctx.db)
        .await?
        .ok_or_else(|| Error::not_found().with_message("No such user"))
}

/// Which of `ids` the caller `me` follows.
pub async fn followed(ctx: &Ctx, me: Option<i32>, ids: Vec<i32>) -> Result<Vec<i32>, Error> {
    let Some(me) = me else { return Ok(Vec::new()) };
    let rows = follow::Entity::find()
        .filter(follow::Column::FollowerId.eq(me))
        .filter(follow::Column::FolloweeId.is_in(ids))
        .all(&ctx.db)
        .await?;
    Ok(rows.into_iter().map(|f| f.followee_id).collect())
}

/// A profile.
#[utoipa::path(get, path = "/api/profiles/{username}", tag = "Profile", params(("username" = String, Path)),
    responses((status = 200, body = Profile), (status = 404, body = format::GenericError)))]
pub async fn get(
    State(ctx): State<Ctx>,
    me: OptionalPrincipal,
    Path(name): Path<String>,
) -> Result<Response, Error> {
    let them = by_name(&ctx, &name).await?;
    let following = !followed(&ctx, caller(&me.0), vec![them.id])
        .await?
        .is_empty();
    Ok(format::named("profile", Profile::new(them, following)))
}

/// Follows a user.
#[utoipa::path(post, path = "/api/profiles/{username}/follow", tag = "Profile", params(("username" = String, Path)),
    security(("bearer_auth" = [])), responses((status = 200, body = Profile), (status = 401, body = format::GenericError)))]
pub async fn follow(
    State(ctx): State<Ctx>,
    me: Principal,
    Path(name): Path<String>,
) -> Result<Response, Error> {
    let them = by_name(&ctx, &name).await?;
    let row = follow::ActiveModel {
        follower_id: Set(crate::id(&me)?),
        followee_id: Set(them.id),
    };
    follow::Entity::insert(row)
        .on_conflict_do_nothing()
        .exec(&ctx.db)
        .await?;
    Ok(format::named("profile", Profile::new(them, true)))
}

/// Stops following a user.
#[utoipa::path(delete, path = "/api/profiles/{username}/follow", tag = "Profile", params(("username" = String, Path)),
    security(("bearer_auth" = [])), responses((status = 200, body = Profile), (status = 401, body = format::GenericError)))]
pub async fn unfollow(
    State(ctx): State<Ctx>,
    me: Principal,
    Path(name): Path<String>,
) -> Result<Response, Error> {
    let them = by_name(&ctx, &name).await?;
    follow::Entity::delete_by_id((crate::id(&me)?, them.id))
        .exec(&ctx.db)
        .await?;
    Ok(format::named("profile", Profile::new(them, false)))
}
