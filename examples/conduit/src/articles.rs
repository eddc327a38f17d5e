//! Articles, their tags and favourites: `/articles` (filtered list, create), `/articles/feed`,
//! `/articles/{slug}` (read, update, delete), `/articles/{slug}/favorite`, `/tags`.

use std::collections::{HashMap, HashSet};

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use http::StatusCode;
use rustbe_auth::layer::OptionalPrincipal;
use rustbe_core::access::Principal;
use rustbe_core::extract::{Json, Path, Query};
use rustbe_core::response::NoContent;
use rustbe_core::{Error, FieldError};
use sea_orm::sea_query::{Expr, Func, Query as Sql};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, EntityTrait};
use sea_orm::{PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize, Serializer};
use utoipa::{IntoParams, ToSchema};

use crate::entities::{article, article_tag, favorite, follow, user};
use crate::profiles::{Profile, by_name, followed};
use crate::{Ctx, caller, format, id};

/// Timestamps with milliseconds, as the RealWorld tests want them: `2026-12-03T10:00:00.123Z`.
pub fn millis<S: Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&at.to_rfc3339_opts(SecondsFormat::Millis, true))
}

/// An article as the caller sees it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ArticleView {
    slug: String,
    title: String,
    description: String,
    /// Left out of lists (RealWorld spec, 2024-08-16).
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<String>,
    /// Sorted.
    tag_list: Vec<String>,
    #[serde(serialize_with = "millis")]
    #[schema(value_type = String, format = DateTime)]
    created_at: DateTime<Utc>,
    #[serde(serialize_with = "millis")]
    #[schema(value_type = String, format = DateTime)]
    updated_at: DateTime<Utc>,
    favorited: bool,
    favorites_count: u64,
    author: Profile,
}

/// `{"article": …}` in a request.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ArticleIn<T> {
    article: T,
}

/// `POST /articles`; `PUT` takes the same fields, all optional.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ArticleFields {
    title: Option<String>,
    description: Option<String>,
    body: Option<String>,
    tag_list: Option<Vec<String>>,
}

/// The filters of `GET /articles` (and the paging of the feed).
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct ListQuery {
    /// Articles with this tag.
    tag: Option<String>,
    /// Articles by this username.
    author: Option<String>,
    /// Articles favourited by this username.
    favorited: Option<String>,
    /// At most this many (default 20, at most 100).
    limit: Option<u64>,
    /// Skip this many.
    offset: Option<u64>,
}

/// The views of `rows` for the caller `me`: authors, sorted tags, favourite counts, whether
/// `me` favourited each and follows each author, in five queries whatever the page size.
async fn views(
    ctx: &Ctx,
    me: Option<i32>,
    rows: Vec<article::Model>,
    body: bool,
) -> Result<Vec<ArticleView>, Error> {
    let ids: Vec<i32> = rows.iter().map(|a| a.id).collect();
    let author_ids: Vec<i32> = rows.iter().map(|a| a.author_id).collect();
    let db = &ctx.db;
    let authors: HashMap<i32, user::Model> = user::Entity::find()
        .filter(user::Column::Id.is_in(author_ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let mut tags: HashMap<i32, Vec<String>> = HashMap::new();
    let tag_rows =
        article_tag::Entity::find().filter(article_tag::Column::ArticleId.is_in(ids.clone()));
    for t in tag_rows
        .order_by_asc(article_tag::Column::Tag)
        .all(db)
        .await?
    {
        tags.entry(t.article_id).or_default().push(t.tag);
    }
    let counts: HashMap<i32, i64> = favorite::Entity::find()
        .select_only()
        .column(favorite::Column::ArticleId)
        .column_as(
            Expr::expr(Func::count(Expr::col(favorite::Column::UserId))),
            "n",
        )
        .filter(favorite::Column::ArticleId.is_in(ids.clone()))
        .group_by(favorite::Column::ArticleId)
        .into_tuple::<(i32, i64)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let mine: HashSet<i32> = match me {
        Some(me) => favorite::Entity::find()
            .filter(favorite::Column::UserId.eq(me))
            .filter(favorite::Column::ArticleId.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|f| f.article_id)
            .collect(),
        None => HashSet::new(),
    };
    let following: HashSet<i32> = followed(ctx, me, author_ids).await?.into_iter().collect();
    let mut out = Vec::with_capacity(rows.len());
    for a in rows {
        let author = authors
            .get(&a.author_id)
            .cloned()
            .ok_or_else(Error::not_found)?;
        out.push(ArticleView {
            tag_list: tags.remove(&a.id).unwrap_or_default(),
            favorited: mine.contains(&a.id),
            favorites_count: counts.get(&a.id).copied().unwrap_or(0).unsigned_abs(),
            author: Profile::new(author, following.contains(&a.author_id)),
            body: body.then_some(a.body),
            slug: a.slug,
            title: a.title,
            description: a.description,
            created_at: a.created_at,
            updated_at: a.updated_at,
        });
    }
    Ok(out)
}

async fn one(
    ctx: &Ctx,
    me: Option<i32>,
    row: article::Model,
    status: StatusCode,
) -> Result<Response, Error> {
    let view = views(ctx, me, vec![row], true)
        .await?
        .pop()
        .ok_or_else(Error::not_found)?;
    Ok(format::wrapped(status, "article", view))
}

/// The article with `slug`: 404 when there is none.
pub async fn by_slug(ctx: &Ctx, slug: &str) -> Result<article::Model, Error> {
    let found = article::Entity::find().filter(article::Column::Slug.eq(slug));
    rustbe_core::db::first(found, &ctx.db)
        .await?
        .ok_or_else(|| Error::not_found().with_message("No such article"))
}

/// A page of the articles matching `filter`, newest first, with the total.
async fn page(
    ctx: &Ctx,
    me: Option<i32>,
    filter: Condition,
    q: &ListQuery,
) -> Result<Response, Error> {
    let limit = q.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(Error::validation([FieldError::new(
            "limit",
            "must be between 1 and 100",
        )]));
    }
    let select = article::Entity::find().filter(filter);
    let total = select.clone().count(&ctx.db).await?;
    let rows = select
        .order_by_desc(article::Column::CreatedAt)
        .order_by_desc(article::Column::Id)
        .limit(limit)
        .offset(q.offset.unwrap_or(0))
        .all(&ctx.db)
        .await?;
    Ok(format::articles(views(ctx, me, rows, false).await?, total))
}

/// The id of the user called `name`, or an id no row has (`?author=nobody` matches nothing).
async fn user_id(ctx: &Ctx, name: &str) -> Result<i32, Error> {
    Ok(by_name(ctx, name).await.map_or(-1, |u| u.id))
}

/// Recent articles, filtered.
#[utoipa::path(get, path = "/api/articles", tag = "Articles", params(ListQuery),
    responses((status = 200, description = "`{\"articles\": [Article], \"articlesCount\": n}`")))]
pub async fn list(
    State(ctx): State<Ctx>,
    me: OptionalPrincipal,
    Query(q): Query<ListQuery>,
) -> Result<Response, Error> {
    let mut filter = Condition::all();
    if let Some(tag) = &q.tag {
        let tagged = Sql::select()
            .column(article_tag::Column::ArticleId)
            .from(article_tag::Entity)
            .and_where(article_tag::Column::Tag.eq(tag))
            .to_owned();
        filter = filter.add(article::Column::Id.in_subquery(tagged));
    }
    if let Some(author) = &q.author {
        filter = filter.add(article::Column::AuthorId.eq(user_id(&ctx, author).await?));
    }
    if let Some(fan) = &q.favorited {
        let liked = Sql::select()
            .column(favorite::Column::ArticleId)
            .from(favorite::Entity)
            .and_where(favorite::Column::UserId.eq(user_id(&ctx, fan).await?))
            .to_owned();
        filter = filter.add(article::Column::Id.in_subquery(liked));
    }
    page(&ctx, caller(&me.0), filter, &q).await
}

/// Recent articles by the authors the caller follows.
#[utoipa::path(get, path = "/api/articles/feed", tag = "Articles", params(ListQuery), security(("bearer_auth" = [])),
    responses((status = 200, description = "`{\"articles\": [Article], \"articlesCount\": n}`")))]
pub async fn feed(
    State(ctx): State<Ctx>,
    me: Principal,
    Query(q): Query<ListQuery>,
) -> Result<Response, Error> {
    let me = id(&me)?;
    let followed = Sql::select()
        .column(follow::Column::FolloweeId)
        .from(follow::Entity)
        .and_where(follow::Column::FollowerId.eq(me))
        .to_owned();
    page(
        &ctx,
        Some(me),
        Condition::all().add(article::Column::AuthorId.in_subquery(followed)),
        &q,
    )
    .await
}

/// One article.
#[utoipa::path(get, path = "/api/articles/{slug}", tag = "Articles", params(("slug" = String, Path)),
    responses((status = 200, body = ArticleView), (status = 404, body = format::GenericError)))]
pub async fn get(
    State(ctx): State<Ctx>,
    me: OptionalPrincipal,
    Path(slug): Path<String>,
) -> Result<Response, Error> {
    let row = by_slug(&ctx, &slug).await?;
    one(&ctx, caller(&me.0), row, StatusCode::OK).await
}

/// `title` as a slug (`How to train your dragon` → `how-to-train-your-dragon`), with a
/// random suffix when another article has it already.
async fn slug(ctx: &Ctx, title: &str) -> Result<String, Error> {
    let words: Vec<String> = title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let slug = if words.is_empty() {
        "article".to_owned()
    } else {
        words.join("-")
    };
    let taken = article::Entity::find()
        .filter(article::Column::Slug.eq(&slug))
        .count(&ctx.db)
        .await?
        > 0;
    Ok(if taken {
        format!("{slug}-{}", &uuid::Uuid::new_v4().simple().to_string()[..8])
    } else {
        slug
    })
}

/// A required text field: trimmed, never blank.
fn required(value: Option<String>, field: &'static str, problems: &mut Vec<FieldError>) -> String {
    let value = value.map(|v| v.trim().to_owned()).unwrap_or_default();
    if value.is_empty() {
        problems.push(FieldError::new(field, "can't be blank"));
    }
    value
}

async fn set_tags(ctx: &Ctx, article_id: i32, tags: Vec<String>) -> Result<(), Error> {
    let tags: HashSet<String> = tags
        .into_iter()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect();
    if tags.is_empty() {
        return Ok(());
    }
    let rows = tags.into_iter().map(|tag| article_tag::ActiveModel {
        article_id: Set(article_id),
        tag: Set(tag),
    });
    article_tag::Entity::insert_many(rows)
        .on_conflict_do_nothing()
        .exec(&ctx.db)
        .await?;
    Ok(())
}

/// Writes an article.
#[utoipa::path(post, path = "/api/articles", tag = "Articles", request_body = ArticleIn<ArticleFields>, security(("bearer_auth" = [])),
    responses((status = 201, body = ArticleView), (status = 422, body = format::GenericError)))]
pub async fn create(
    State(ctx): State<Ctx>,
    me: Principal,
    Json(body): Json<ArticleIn<ArticleFields>>,
) -> Result<Response, Error> {
    let fields = body.article;
    let mut problems = Vec::new();
    let title = required(fields.title, "title", &mut problems);
    let description = required(fields.description, "description", &mut problems);
    let body = required(fields.body, "body", &mut problems);
    if !problems.is_empty() {
        return Err(Error::validation(problems));
    }
    let now = Utc::now();
    let row = article::ActiveModel {
        slug: Set(slug(&ctx, &title).await?),
        title: Set(title),
        description: Set(description),
        body: Set(body),
        author_id: Set(id(&me)?),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let row = row.insert(&ctx.db).await?;
    set_tags(&ctx, row.id, fields.tag_list.unwrap_or_default()).await?;
    one(&ctx, Some(row.author_id), row, StatusCode::CREATED).await
}

/// The article with `slug`, when the caller wrote it: 403 otherwise.
async fn authored(ctx: &Ctx, me: &Principal, slug: &str) -> Result<article::Model, Error> {
    let row = by_slug(ctx, slug).await?;
    if row.author_id == id(me)? {
        Ok(row)
    } else {
        Err(Error::forbidden().with_message("Only the author may change this article"))
    }
}

/// Changes an article (its author only).
#[utoipa::path(put, path = "/api/articles/{slug}", tag = "Articles", params(("slug" = String, Path)), request_body = ArticleIn<ArticleFields>,
    security(("bearer_auth" = [])), responses((status = 200, body = ArticleView), (status = 403, body = format::GenericError)))]
pub async fn update(
    State(ctx): State<Ctx>,
    me: Principal,
    Path(slug): Path<String>,
    Json(body): Json<ArticleIn<ArticleFields>>,
) -> Result<Response, Error> {
    let row = authored(&ctx, &me, &slug).await?;
    let fields = body.article;
    let mut problems = Vec::new();
    let mut active: article::ActiveModel = row.clone().into();
    if let Some(title) = fields
        .title
        .map(|t| required(Some(t), "title", &mut problems))
        .filter(|t| *t != row.title)
    {
        active.slug = Set(self::slug(&ctx, &title).await?);
        active.title = Set(title);
    }
    if let Some(description) = fields.description {
        active.description = Set(required(Some(description), "description", &mut problems));
    }
    if let Some(body) = fields.body {
        active.body = Set(required(Some(body), "body", &mut problems));
    }
    if !problems.is_empty() {
        return Err(Error::validation(problems));
    }
    active.updated_at = Set(Utc::now());
    let row = active.update(&ctx.db).await?;
    if let Some(tags) = fields.tag_list {
        article_tag::Entity::delete_many()
            .filter(article_tag::Column::ArticleId.eq(row.id))
            .exec(&ctx.db)
            .await?;
        set_tags(&ctx, row.id, tags).await?;
    }
    one(&ctx, Some(row.author_id), row, StatusCode::OK).await
}

/// Deletes an article (its author only), with its tags, favourites and comments.
#[utoipa::path(delete, path = "/api/articles/{slug}", tag = "Articles", params(("slug" = String, Path)), security(("bearer_auth" = [])),
    responses((status = 204), (status = 403, body = format::GenericError), (status = 404, body = format::GenericError)))]
pub async fn delete(
    State(ctx): State<Ctx>,
    me: Principal,
    Path(slug): Path<String>,
) -> Result<NoContent, Error> {
    let row = authored(&ctx, &me, &slug).await?;
    article::Entity::delete_by_id(row.id).exec(&ctx.db).await?;
    Ok(NoContent)
}

/// Favourites an article.
#[utoipa::path(post, path = "/api/articles/{slug}/favorite", tag = "Favorites", params(("slug" = String, Path)),
    security(("bearer_auth" = [])), responses((status = 200, body = ArticleView), (status = 404, body = format::GenericError)))]
pub async fn favorite(
    State(ctx): State<Ctx>,
    me: Principal,
    Path(slug): Path<String>,
) -> Result<Response, Error> {
    let (row, me) = (by_slug(&ctx, &slug).await?, id(&me)?);
    let fav = favorite::ActiveModel {
        user_id: Set(me),
        article_id: Set(row.id),
    };
    favorite::Entity::insert(fav)
        .on_conflict_do_nothing()
        .exec(&ctx.db)
        .await?;
    one(&ctx, Some(me), row, StatusCode::OK).await
}

/// Takes a favourite back.
#[utoipa::path(delete, path = "/api/articles/{slug}/favorite", tag = "Favorites", params(("slug" = String, Path)),
    security(("bearer_auth" = [])), responses((status = 200, body = ArticleView), (status = 404, body = format::GenericError)))]
pub async fn unfavorite(
    State(ctx): State<Ctx>,
    me: Principal,
    Path(slug): Path<String>,
) -> Result<Response, Error> {
    let (row, me) = (by_slug(&ctx, &slug).await?, id(&me)?);
    favorite::Entity::delete_by_id((me, row.id))
        .exec(&ctx.db)
        .await?;
    one(&ctx, Some(me), row, StatusCode::OK).await
}

/// Every tag in use, sorted.
#[utoipa::path(get, path = "/api/tags", tag = "Tags", responses((status = 200, description = "`{\"tags\": [string]}`")))]
pub async fn tags(State(ctx): State<Ctx>) -> Result<Response, Error> {
    let tags: Vec<String> = article_tag::Entity::find()
        .select_only()
        .column(article_tag::Column::Tag)
        .distinct()
        .order_by_asc(article_tag::Column::Tag)
        .into_tuple()
        .all(&ctx.db)
        .await?;
    Ok(format::named("tags", tags).into_response())
}
