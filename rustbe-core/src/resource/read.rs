//! The generated reads: one row (through the cache when the resource has one) and the lists,
//! each one statement.

use axum::extract::Request;
use axum::response::Response;
use http::StatusCode;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter,
    QuerySelect,
};

use super::etag::not_modified;
use super::hooks::after_read;
use super::list::{ListQuery, Paging};
use super::page::fetch_page;
use super::render::{Rendered, bad_path, names, not_modified_response, parse_key, render, single};
use super::scope::{Owned, check_owner, in_scope, read_scope, rule};
use super::{Hooks, Resource};
use crate::Error;
use crate::access::Principal;
use crate::cache::Cache;
use crate::db::Db;
use crate::envelope::CursorMeta;
use crate::extract::{PaginationLimits, Path};
use crate::format::{self, Paging as Answer};

pub(super) async fn fetch<R, C>(
    db: &C,
    key: sea_orm::Value,
    lock: bool,
    scope: Option<sea_orm::Condition>,
) -> Result<Option<R>, Error>
where
    R: Resource,
    R::Entity: EntityTrait<Model = R>,
    C: ConnectionTrait,
{
    let mut select = in_scope(R::Entity::find().filter(R::key_column().eq(key)), scope);
    if lock && db.get_database_backend() == DbBackend::Postgres {
        select = select.lock_exclusive();
    }
    Ok(crate::db::first(select, db).await?)
}

pub(super) async fn load<R>(
    db: &DatabaseConnection,
    cache: Option<&Cache>,
    key: sea_orm::Value,
    key_text: &str,
    scope: Option<sea_orm::Condition>,
    principal: Option<&Principal>,
) -> Result<Option<Rendered>, Error>
where
    R: Hooks,
    R::Entity: EntityTrait<Model = R>,
{
    let from_db = || async {
        let Some(mut row) = fetch::<R, _>(db, key, false, scope).await? else {
            return Ok(None);
        };
        after_read(principal, db, std::slice::from_mut(&mut row)).await?;
        render(&row).map(Some)
    };
    match (R::META.cache_ttl, cache) {
        (Some(ttl), Some(cache)) => {
            cache
                .get_or_load(R::META.collection, key_text, ttl, from_db)
                .await
        }
        _ => from_db().await,
    }
}

pub(super) async fn get_one<R>(
    Path(raw): Path<String>,
    Db(db): Db,
    request: Request,
) -> Result<Response, Error>
where
    R: Hooks,
    R::Entity: EntityTrait<Model = R>,
{
    let grant = rule(R::META.get).authorize_request(request.extensions())?;
    let (key, key_text) = parse_key::<R>(&raw)?;
    let cache = request.extensions().get::<Cache>();
    let principal = request.extensions().get::<Principal>();
    let scope = read_scope::<R>(principal);
    let rendered = load::<R>(&db, cache, key, &key_text, scope, principal)
        .await?
        .ok_or_else(Error::not_found)?;
    check_owner(&grant, rendered.owner.as_deref())?;
    if not_modified(request.headers(), &rendered.etag) {
        return Ok(not_modified_response(&rendered.etag));
    }
    Ok(single::<R>(StatusCode::OK, &rendered))
}

pub(super) async fn list<R>(Db(db): Db, request: Request) -> Result<Response, Error>
where
    R: Hooks,
    R::Entity: EntityTrait<Model = R>,
{
    let (parts, _) = request.into_parts();
    list_rows::<R>(&db, &parts, None).await
}

pub(super) async fn list_nested<R>(
    Path(parent): Path<String>,
    Db(db): Db,
    request: Request,
) -> Result<Response, Error>
where
    R: Hooks,
    R::Entity: EntityTrait<Model = R>,
{
    let (parts, _) = request.into_parts();
    list_rows::<R>(&db, &parts, Some(&parent)).await
}

/// Whether `table` has a row whose `key` is `value`: the parent of a nested list.
pub(super) async fn parent_exists(
    db: &DatabaseConnection,
    table: &'static str,
    key: &'static str,
    value: sea_orm::Value,
) -> Result<bool, Error> {
    use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
    // No bound `LIMIT` (SQLite would plan the statement again on every call, see
    // `db::limited`); the first row is all that is read.
    let select = Query::select()
        .expr(Expr::val(1))
        .from(Alias::new(table))
        .and_where(Expr::col(Alias::new(key)).eq(value))
        .to_owned();
    Ok(db.query_one(&select).await?.is_some())
}

pub(super) async fn list_rows<R>(
    db: &DatabaseConnection,
    request: &http::request::Parts,
    parent: Option<&str>,
) -> Result<Response, Error>
where
    R: Hooks,
    R::Entity: EntityTrait<Model = R>,
{
    let extensions = &request.extensions;
    let grant = rule(R::META.list).authorize_request(extensions)?;
    let limits = extensions
        .get::<PaginationLimits>()
        .copied()
        .unwrap_or_default();
    let mut query = ListQuery::parse::<R>(request.uri.query(), limits, db.get_database_backend())?;
    // The parent of a nested list, looked up only when the answer has no rows: a row of the
    // list proves its parent exists, so a non-empty page costs no extra statement.
    let mut parent_key = None;
    if let (Some(nested), Some(parent)) = (R::META.nested, parent) {
        let value = R::parse_field(nested.field, parent).map_err(|m| bad_path(nested.param, m))?;
        // `/users/{id}/orders` of someone else, to a caller limited to their own: 404.
        if let (Some(owner), Some(me)) = (R::META.owner, grant.owner())
            && owner == nested.field
            && R::parse_field(owner, me).ok() != Some(value.clone())
        {
            return Err(Error::not_found());
        }
        parent_key = nested
            .parent
            .map(|(table, key)| (table, key, value.clone()));
        query.require::<R>(nested.field, value)?;
    }
    let missing_parent = async || match &parent_key {
        Some((table, key, value)) => {
            Ok::<_, Error>(!parent_exists(db, table, key, value.clone()).await?)
        }
        None => Ok(false),
    };
    let select = in_scope(
        query.select::<R>()?,
        read_scope::<R>(extensions.get::<Principal>()),
    );
    let Some(select) = Owned::of::<R>(&grant)?.restrict(select) else {
        if missing_parent().await? {
            return Err(Error::not_found());
        }
        return empty_page::<R>(&query);
    };
    match query.paging() {
        Paging::Page(page) => {
            let (mut rows, total) = fetch_page(select, *page, db).await?;
            if rows.is_empty() && missing_parent().await? {
                return Err(Error::not_found());
            }
            after_read(extensions.get::<Principal>(), db, &mut rows).await?;
            let views: Vec<_> = rows.iter().map(R::view).collect();
            Ok(format::page_values(
                names::<R>(),
                &views,
                Answer::Page(&page.meta(total)),
            ))
        }
        Paging::Cursor { limit, .. } => {
            let mut rows: Vec<R> = select.all(db).await?;
            if rows.is_empty() && missing_parent().await? {
                return Err(Error::not_found());
            }
            let limit = *limit;
            let next_cursor = if u64::try_from(rows.len()).unwrap_or(u64::MAX) > limit {
                rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
                rows.last().map(|last| query.cursor_after(last))
            } else {
                None
            };
            after_read(extensions.get::<Principal>(), db, &mut rows).await?;
            let views: Vec<_> = rows.iter().map(R::view).collect();
            Ok(format::page_values(
                names::<R>(),
                &views,
                Answer::Cursor(&CursorMeta { limit, next_cursor }),
            ))
        }
    }
}

pub(super) fn empty_page<R: Resource>(query: &ListQuery) -> Result<Response, Error> {
    Ok(match query.paging() {
        Paging::Page(page) => format::page_json(names::<R>(), "[]", Answer::Page(&page.meta(0))),
        Paging::Cursor { limit, .. } => format::page_json(
            names::<R>(),
            "[]",
            Answer::Cursor(&CursorMeta {
                limit: *limit,
                next_cursor: None,
            }),
        ),
    })
}
