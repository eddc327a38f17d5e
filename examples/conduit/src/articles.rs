//! Articles, their tags and favourites: `/articles` (filtered list, create), `/articles/feed`,
//! `/articles/{slug}` (read, update, delete), `/articles/{slug}/favorite`, `/tags`.

use std::collections::{HashMap, HashSet};

use axum::extract::State;
use axum::response::IntoResponse;
use chrono::{DateTime, SecondsFormat, Utc};
use http::StatusCode;
use rustbe_auth::layer::OptionalPrincipal;
use rustbe_core::access::Principal;
use rustbe_core::envelope::ErrorEnvelope;
use rustbe_core::extract::{Json, Pagination, Path, Query};
use rustbe_core::response::{NoContent, Page};
use rustbe_core::{Error, FieldError};
use sea_orm::sea_query::{Expr, Query as Sql, SelectStatement, SimpleExpr};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, EntityTrait, FromQueryResult,
};
use sea_orm::{PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, RelationTrait, Select};
use serde::{Deserialize, Serialize, Serializer};
use utoipa::{IntoParams, ToSchema};

use crate::entities::{article, article_tag, favorite, follow, user};
use crate::profiles::{Profile, following, user_id};
use crate::{Answer, Ctx, caller, format, id};

/// Timestamps with milliseconds, as the RealWorld tests want them: `2026-12-03T10:00:00.123Z`.
pub fn millis<S: Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&at.to_rfc3339_opts(SecondsFormat::Millis, true))
}

/// An article as the caller sees it, read in one query (`select`) but for its tags.
#[derive(Debug, Serialize, ToSchema, FromQueryResult)]
#[serde(rename_all = "camelCase")]
pub struct ArticleView {
    #[serde(skip)]
    id: i32,
    slug: String,
    title: String,
    description: String,
    /// Left out of lists (RealWorld spec, 2024-08-16).
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<String>,
    /// Sorted.
    #[sea_orm(skip)]
    tag_list: Vec<String>,
    #[serde(serialize_with = "millis")]
    #[schema(value_type = String, format = DateTime)]
    created_at: DateTime<Utc>,
    #[serde(serialize_with = "millis")]
    #[schema(value_type = String, format = DateTime)]
    updated_at: DateTime<Utc>,
    favorited: bool,
    favorites_count: i64,
    #[sea_orm(nested)]
    author: Profile,
}

/// `{"article": …}` in a request.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ArticleIn {
    article: ArticleFields,
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

/// The filters of `GET /articles` (`limit` and `offset` are read by `Pagination`).
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct ListQuery {
    /// Articles with this tag.
    tag: Option<String>,
    /// Articles by this username.
    author: Option<String>,
    /// Articles favourited by this username.
    favorited: Option<String>,
}

/// Articles with their author, favourite count and what the caller `me` sees: whether they
/// favourited each and follow its author (`me` is an integer, written into the SQL as one).
fn select(me: Option<i32>) -> Select<article::Entity> {
    let me = me.unwrap_or(-1);
    let liked = format!(
        "EXISTS (SELECT 1 FROM favorites f WHERE f.article_id = articles.id AND f.user_id = {me})"
    );
    let count = "(SELECT COUNT(*) FROM favorites f WHERE f.article_id = articles.id)";
    article::Entity::find()
        .join(
            sea_orm::JoinType::InnerJoin,
            article::Relation::Author.def(),
        )
        .columns([
            user::Column::Username,
            user::Column::Bio,
            user::Column::Image,
        ])
        .column_as(following(Some(me), "articles.author_id"), "following")
        .column_as(Expr::cust(liked), "favorited")
        .column_as(Expr::cust(count), "favorites_count")
}

/// The views `select` finds, with their sorted tags; `body` off for lists.
async fn views(
    ctx: &Ctx,
    select: Select<article::Entity>,
    body: bool,
) -> Result<Vec<ArticleView>, Error> {
    let mut views = select.into_model::<ArticleView>().all(&ctx.db).await?;
    let ids = views.iter().map(|a| a.id);
    let tags = article_tag::Entity::find().filter(article_tag::Column::ArticleId.is_in(ids));
    let mut tagged: HashMap<i32, Vec<String>> = HashMap::new();
    for t in tags
        .order_by_asc(article_tag::Column::Tag)
        .all(&ctx.db)
        .await?
    {
        tagged.entry(t.article_id).or_default().push(t.tag);
    }
    for view in &mut views {
        view.tag_list = tagged.remove(&view.id).unwrap_or_default();
        view.body = view.body.take().filter(|_| body);
    }
    Ok(views)
}

/// `{"article": …}` of the article with `id`.
async fn one(ctx: &Ctx, me: Option<i32>, id: i32, status: StatusCode) -> Answer {
    let found = views(ctx, select(me).filter(article::Column::Id.eq(id)), true)
        .await?
        .pop();
    let view = found.ok_or_else(Error::not_found)?;
    if status == StatusCode::CREATED {
        return Ok(format::created(
            format!("/api/articles/{}", view.slug),
            "article",
            view,
        ));
    }
    Ok(format::named("article", view))
}

/// The article with `slug`: 404 when there is none.
pub async fn by_slug(ctx: &Ctx, slug: &str) -> Result<article::Model, Error> {
    let found = article::Entity::find()
        .filter(article::Column::Slug.eq(slug))
        .one(&ctx.db)
        .await?;
    found.ok_or_else(|| Error::not_found().with_message("No such article"))
}

/// A page of the articles matching `filter`, newest first, with the total.
async fn page(ctx: &Ctx, me: Option<i32>, filter: Condition, paging: Pagination) -> Answer {
    let total = article::Entity::find()
        .filter(filter.clone())
        .count(&ctx.db)
        .await?;
    let newest = select(me)
        .filter(filter)
        .order_by_desc(article::Column::CreatedAt)
        .order_by_desc(article::Column::Id);
    let rows = views(
        ctx,
        newest.limit(paging.limit()).offset(paging.offset()),
        false,
    )
    .await?;
    Ok(Page::new(rows, paging, total)
        .named("articles")
        .into_response())
}

/// Recent articles, filtered.
#[utoipa::path(get, path = "/api/articles", tag = "Articles", params(ListQuery, Pagination),
    responses((status = 200, description = "`{\"articles\": [Article], \"articlesCount\": n}`")))]
pub async fn list(
    ctx: State<Ctx>,
    me: OptionalPrincipal,
    Query(q): Query<ListQuery>,
    paging: Pagination,
) -> Answer {
    let mut filter = Condition::all();
    if let Some(tag) = &q.tag {
        let tagged = sub(
            article_tag::Column::ArticleId,
            article_tag::Column::Tag.eq(tag),
        );
        filter = filter.add(article::Column::Id.in_subquery(tagged));
    }
    if let Some(author) = &q.author {
        filter =
            filter.add(article::Column::AuthorId.eq(user_id(&ctx, author).await.unwrap_or(-1)));
    }
    if let Some(fan) = &q.favorited {
        let fan = favorite::Column::UserId.eq(user_id(&ctx, fan).await.unwrap_or(-1));
        filter = filter.add(article::Column::Id.in_subquery(sub(favorite::Column::ArticleId, fan)));
    }
    page(&ctx, caller(&me.0), filter, paging).await
}

/// `SELECT column FROM its table WHERE condition`, for an `IN (…)` filter.
fn sub<C: ColumnTrait>(column: C, condition: SimpleExpr) -> SelectStatement {
    let table = column.entity_name();
    Sql::select()
        .column((table.clone(), column))
        .from(table)
        .and_where(condition)
        .to_owned()
}

/// Recent articles by the authors the caller follows.
#[utoipa::path(get, path = "/api/articles/feed", tag = "Articles", params(Pagination), security(("bearer_auth" = [])),
    responses((status = 200, description = "`{\"articles\": [Article], \"articlesCount\": n}`")))]
pub async fn feed(ctx: State<Ctx>, me: Principal, paging: Pagination) -> Answer {
    let followed = sub(
        follow::Column::FolloweeId,
        follow::Column::FollowerId.eq(id(&me)?),
    );
    page(
        &ctx,
        Some(id(&me)?),
        Condition::all().add(article::Column::AuthorId.in_subquery(followed)),
        paging,
    )
    .await
}

/// One article.
#[utoipa::path(get, path = "/api/articles/{slug}", tag = "Articles", params(("slug" = String, Path)),
    responses((status = 200, body = ArticleView), (status = 404, body = ErrorEnvelope)))]
pub async fn get(ctx: State<Ctx>, me: OptionalPrincipal, Path(slug): Path<String>) -> Answer {
    one(
        &ctx,
        caller(&me.0),
        by_slug(&ctx, &slug).await?.id,
        StatusCode::OK,
    )
    .await
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

/// A text field that must not be blank when given (or when `needed`), trimmed.
fn text(
    value: Option<String>,
    field: &'static str,
    needed: bool,
    problems: &mut Vec<FieldError>,
) -> Option<String> {
    let value = value.map(|v| v.trim().to_owned());
    if value.as_ref().map_or(needed, String::is_empty) {
        problems.push(FieldError::new(field, "can't be blank"));
    }
    value
}

/// Replaces the tags of `article_id` with `tags` (trimmed, deduplicated).
async fn set_tags(ctx: &Ctx, article_id: i32, tags: Vec<String>) -> Result<(), Error> {
    article_tag::Entity::delete_many()
        .filter(article_tag::Column::ArticleId.eq(article_id))
        .exec(&ctx.db)
        .await?;
    let tags: HashSet<String> = tags
        .into_iter()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect();
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

/// Writes `fields` into `row` (a new article when `new`): 422 for a blank field.
async fn write(
    ctx: &Ctx,
    mut row: article::ActiveModel,
    fields: ArticleFields,
    new: bool,
) -> Result<i32, Error> {
    let mut problems = Vec::new();
    let title = text(fields.title, "title", new, &mut problems);
    let description = text(fields.description, "description", new, &mut problems);
    let body = text(fields.body, "body", new, &mut problems);
    if !problems.is_empty() {
        return Err(Error::validation(problems));
    }
    if let Some(title) = title.filter(|t| row.title.as_ref() != t) {
        row.slug = Set(slug(ctx, &title).await?);
        row.title = Set(title);
    }
    row.description = description.map_or(row.description, Set);
    row.body = body.map_or(row.body, Set);
    row.updated_at = Set(Utc::now());
    let row = row.save(&ctx.db).await?;
    let id = *row.id.as_ref();
    if let Some(tags) = fields.tag_list {
        set_tags(ctx, id, tags).await?;
    }
    Ok(id)
}

/// Writes an article.
#[utoipa::path(post, path = "/api/articles", tag = "Articles", request_body = ArticleIn, security(("bearer_auth" = [])),
    responses((status = 201, body = ArticleView), (status = 422, body = ErrorEnvelope)))]
pub async fn create(ctx: State<Ctx>, me: Principal, Json(body): Json<ArticleIn>) -> Answer {
    let now = Utc::now();
    let row = article::ActiveModel {
        author_id: Set(id(&me)?),
        created_at: Set(now),
        title: Set(String::new()),
        ..Default::default()
    };
    let id = write(&ctx, row, body.article, true).await?;
    one(&ctx, Some(crate::id(&me)?), id, StatusCode::CREATED).await
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
#[utoipa::path(put, path = "/api/articles/{slug}", tag = "Articles", params(("slug" = String, Path)), request_body = ArticleIn,
    security(("bearer_auth" = [])), responses((status = 200, body = ArticleView), (status = 403, body = ErrorEnvelope)))]
pub async fn update(
    ctx: State<Ctx>,
    me: Principal,
    Path(slug): Path<String>,
    Json(body): Json<ArticleIn>,
) -> Answer {
    let row = authored(&ctx, &me, &slug).await?;
    let id = write(&ctx, row.into(), body.article, false).await?;
    one(&ctx, Some(crate::id(&me)?), id, StatusCode::OK).await
}

/// Deletes an article (its author only), with its tags, favourites and comments.
#[utoipa::path(delete, path = "/api/articles/{slug}", tag = "Articles", params(("slug" = String, Path)), security(("bearer_auth" = [])),
    responses((status = 204), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn delete(
    ctx: State<Ctx>,
    me: Principal,
    Path(slug): Path<String>,
) -> Result<NoContent, Error> {
    article::Entity::delete_by_id(authored(&ctx, &me, &slug).await?.id)
        .exec(&ctx.db)
        .await?;
    Ok(NoContent)
}

/// Favourites an article.
#[utoipa::path(post, path = "/api/articles/{slug}/favorite", tag = "Favorites", params(("slug" = String, Path)),
    security(("bearer_auth" = [])), responses((status = 200, body = ArticleView), (status = 404, body = ErrorEnvelope)))]
pub async fn favorite(ctx: State<Ctx>, me: Principal, Path(slug): Path<String>) -> Answer {
    let (article, me) = (by_slug(&ctx, &slug).await?.id, id(&me)?);
    let fav = favorite::ActiveModel {
        user_id: Set(me),
        article_id: Set(article),
    };
    favorite::Entity::insert(fav)
        .on_conflict_do_nothing()
        .exec(&ctx.db)
        .await?;
    one(&ctx, Some(me), article, StatusCode::OK).await
}

/// Takes a favourite back.
#[utoipa::path(delete, path = "/api/articles/{slug}/favorite", tag = "Favorites", params(("slug" = String, Path)),
    security(("bearer_auth" = [])), responses((status = 200, body = ArticleView), (status = 404, body = ErrorEnvelope)))]
pub async fn unfavorite(ctx: State<Ctx>, me: Principal, Path(slug): Path<String>) -> Answer {
    let (article, me) = (by_slug(&ctx, &slug).await?.id, id(&me)?);
    favorite::Entity::delete_by_id((me, article))
        .exec(&ctx.db)
        .await?;
    one(&ctx, Some(me), article, StatusCode::OK).await
}

/// Every tag in use, sorted.
#[utoipa::path(get, path = "/api/tags", tag = "Tags", responses((status = 200, description = "`{\"tags\": [string]}`")))]
pub async fn tags(ctx: State<Ctx>) -> Answer {
    let tags = article_tag::Entity::find()
        .select_only()
        .column(article_tag::Column::Tag)
        .distinct();
    let tags: Vec<String> = tags
        .order_by_asc(article_tag::Column::Tag)
        .into_tuple()
        .all(&ctx.db)
        .await?;
    Ok(format::named("tags", tags))
}
