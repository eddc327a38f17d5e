//! Comments: `GET` and `POST /articles/{slug}/comments`, `DELETE /articles/{slug}/comments/{id}`.

use std::collections::{HashMap, HashSet};

use axum::extract::State;
use axum::response::Response;
use chrono::{DateTime, Utc};
use rustbe_auth::layer::OptionalPrincipal;
use rustbe_core::access::Principal;
use rustbe_core::extract::{Json, Path};
use rustbe_core::response::NoContent;
use rustbe_core::{Error, FieldError};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::articles::{by_slug, millis};
use crate::entities::{comment, user};
use crate::profiles::{Profile, followed};
use crate::{Ctx, caller, format, id};

/// A comment as the caller sees it.
#[derive(Debug, Serialize, ToSchema)]
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

async fn views(
    ctx: &Ctx,
    me: Option<i32>,
    rows: Vec<comment::Model>,
) -> Result<Vec<CommentView>, Error> {
    let ids: Vec<i32> = rows
        .iter()
        .map(|c| c.author_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let authors: HashMap<i32, user::Model> = user::Entity::find()
        .filter(user::Column::Id.is_in(ids.clone()))
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let following: HashSet<i32> = followed(ctx, me, ids).await?.into_iter().collect();
    rows.into_iter()
        .map(|c| {
            let author = authors
                .get(&c.author_id)
                .cloned()
                .ok_or_else(Error::not_found)?;
            let author = Profile::new(author, following.contains(&c.author_id));
            Ok(CommentView {
                id: c.id,
                created_at: c.created_at,
                updated_at: c.updated_at,
                body: c.body,
                author,
            })
        })
        .collect()
}

/// The comments of an article, oldest first.
#[utoipa::path(get, path = "/api/articles/{slug}/comments", tag = "Comments", params(("slug" = String, Path)),
    responses((status = 200, description = "`{\"comments\": [Comment]}`"), (status = 404, body = format::GenericError)))]
pub async fn list(
    State(ctx): State<Ctx>,
    me: OptionalPrincipal,
    Path(slug): Path<String>,
) -> Result<Response, Error> {
    let article = by_slug(&ctx, &slug).await?;
    let rows = comment::Entity::find()
        .filter(comment::Column::ArticleId.eq(article.id))
        .order_by_asc(comment::Column::Id)
        .all(&ctx.db)
        .await?;
    Ok(format::named(
        "comments",
        views(&ctx, caller(&me.0), rows).await?,
    ))
}

/// Comments on an article.
#[utoipa::path(post, path = "/api/articles/{slug}/comments", tag = "Comments", params(("slug" = String, Path)), request_body = CommentIn,
    security(("bearer_auth" = [])), responses((status = 200, body = CommentView), (status = 422, body = format::GenericError)))]
pub async fn create(
    State(ctx): State<Ctx>,
    me: Principal,
    Path(slug): Path<String>,
    Json(body): Json<CommentIn>,
) -> Result<Response, Error> {
    let article = by_slug(&ctx, &slug).await?;
    let text = body.comment.body.trim().to_owned();
    if text.is_empty() {
        return Err(Error::validation([FieldError::new(
            "body",
            "can't be blank",
        )]));
    }
    let (now, me) = (Utc::now(), id(&me)?);
    let row = comment::ActiveModel {
        article_id: Set(article.id),
        author_id: Set(me),
        body: Set(text),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let row = row.insert(&ctx.db).await?;
    let view = views(&ctx, Some(me), vec![row])
        .await?
        .pop()
        .ok_or_else(Error::not_found)?;
    Ok(format::named("comment", view))
}

/// Deletes a comment (its author only).
#[utoipa::path(delete, path = "/api/articles/{slug}/comments/{id}", tag = "Comments", params(("slug" = String, Path), ("id" = i32, Path)),
    security(("bearer_auth" = [])), responses((status = 204), (status = 403, body = format::GenericError), (status = 404, body = format::GenericError)))]
pub async fn delete(
    State(ctx): State<Ctx>,
    me: Principal,
    Path((slug, comment_id)): Path<(String, i32)>,
) -> Result<NoContent, Error> {
    let article = by_slug(&ctx, &slug).await?;
    let found =
        comment::Entity::find_by_id(comment_id).filter(comment::Column::ArticleId.eq(article.id));
    let row = rustbe_core::db::first(found, &ctx.db)
        .await?
        .ok_or_else(|| Error::not_found().with_message("No such comment"))?;
    if row.author_id != id(&me)? {
        return Err(Error::forbidden().with_message("Only the author may delete this comment"));
    }
    comment::Entity::delete_by_id(row.id).exec(&ctx.db).await?;
    Ok(NoContent)
}
