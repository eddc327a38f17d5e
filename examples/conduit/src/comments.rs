//! Comments: `GET` and `POST /articles/{slug}/comments`, `DELETE /articles/{slug}/comments/{id}`.

use axum::extract::State;
use chrono::{DateTime, Utc};
use rustbe_auth::layer::OptionalPrincipal;
use rustbe_core::access::Principal;
use rustbe_core::envelope::ErrorEnvelope;
use rustbe_core::extract::{Json, Path};
use rustbe_core::response::NoContent;
use rustbe_core::{Error, FieldError};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, FromQueryResult};
use sea_orm::{JoinType, QueryFilter, QueryOrder, QuerySelect, RelationTrait, Select};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::articles::{by_slug, millis};
use crate::entities::{comment, user};
use crate::profiles::{Profile, following};
use crate::{Answer, Ctx, caller, format, id};

/// A comment as the caller sees it.
#[derive(Debug, Serialize, ToSchema, FromQueryResult)]
#[serde(rename_all = "camelCase")]
pub struct CommentView {
    id: i32,
    #[serde(serialize_with = "millis")]
    #[schema(value_type = String, format = DateTime)]
    created_at: DateTime<Utc>,
    #[serde(serialize_with = "millis")]
    #[schema(value_type = String, format = DateTime)]
    updated_at: DateTime<Utc>,
    body: String,
    #[sea_orm(nested)]
    author: Profile,
}

/// `POST /articles/{slug}/comments`: `{"comment": {"body": …}}`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CommentIn {
    comment: NewComment,
}

/// The new comment.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewComment {
    body: String,
}

/// Comments with their author as the caller `me` sees them.
fn select(me: Option<i32>) -> Select<comment::Entity> {
    let author = [
        user::Column::Username,
        user::Column::Bio,
        user::Column::Image,
    ];
    let select = comment::Entity::find().join(JoinType::InnerJoin, comment::Relation::Author.def());
    select
        .columns(author)
        .column_as(following(me, "comments.author_id"), "following")
}

/// The comments of an article, oldest first.
#[utoipa::path(get, path = "/api/articles/{slug}/comments", tag = "Comments", params(("slug" = String, Path)),
    responses((status = 200, description = "`{\"comments\": [Comment]}`"), (status = 404, body = ErrorEnvelope)))]
pub async fn list(ctx: State<Ctx>, me: OptionalPrincipal, Path(slug): Path<String>) -> Answer {
    let on = comment::Column::ArticleId.eq(by_slug(&ctx, &slug).await?.id);
    let rows = select(caller(&me.0))
        .filter(on)
        .order_by_asc(comment::Column::Id);
    Ok(format::named(
        "comments",
        rows.into_model::<CommentView>().all(&ctx.db).await?,
    ))
}

/// Comments on an article.
#[utoipa::path(post, path = "/api/articles/{slug}/comments", tag = "Comments", params(("slug" = String, Path)), request_body = CommentIn,
    security(("bearer_auth" = [])), responses((status = 200, body = CommentView), (status = 422, body = ErrorEnvelope)))]
pub async fn create(
    ctx: State<Ctx>,
    me: Principal,
    Path(slug): Path<String>,
    Json(body): Json<CommentIn>,
) -> Answer {
    let (article_id, me, now) = (by_slug(&ctx, &slug).await?.id, id(&me)?, Utc::now());
    let body = body.comment.body.trim().to_owned();
    if body.is_empty() {
        return Err(Error::validation([FieldError::new(
            "body",
            "can't be blank",
        )]));
    }
    let (author_id, body, created_at, updated_at) = (Set(me), Set(body), Set(now), Set(now));
    let row = comment::ActiveModel {
        article_id: Set(article_id),
        author_id,
        body,
        created_at,
        updated_at,
        ..Default::default()
    };
    let row = row.insert(&ctx.db).await?;
    let view = select(Some(me))
        .filter(comment::Column::Id.eq(row.id))
        .into_model::<CommentView>()
        .one(&ctx.db)
        .await?;
    Ok(format::named("comment", view.ok_or_else(Error::not_found)?))
}

/// Deletes a comment (its author only).
#[utoipa::path(delete, path = "/api/articles/{slug}/comments/{id}", tag = "Comments", params(("slug" = String, Path), ("id" = i32, Path)),
    security(("bearer_auth" = [])), responses((status = 204), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn delete(
    ctx: State<Ctx>,
    me: Principal,
    Path((slug, comment)): Path<(String, i32)>,
) -> Result<NoContent, Error> {
    let on = comment::Column::ArticleId.eq(by_slug(&ctx, &slug).await?.id);
    let found = comment::Entity::find_by_id(comment)
        .filter(on)
        .one(&ctx.db)
        .await?;
    let row = found.ok_or_else(|| Error::not_found().with_message("No such comment"))?;
    if row.author_id != id(&me)? {
        return Err(Error::forbidden().with_message("Only the author may delete this comment"));
    }
    comment::Entity::delete_by_id(row.id).exec(&ctx.db).await?;
    Ok(NoContent)
}
