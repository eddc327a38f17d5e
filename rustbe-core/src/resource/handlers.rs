//! The generated routes: generic handlers over [`Resource`], and [`router`].
//!
//! Reads take one statement (a list: the page and its total in one `SELECT` with a window
//! count). Writes without hooks and without `If-Match` take one statement too (`INSERT …
//! RETURNING`, `UPDATE … WHERE key AND owner RETURNING`, `DELETE … WHERE key AND owner`);
//! with hooks or `If-Match` they read the row under a row lock in a transaction first
//! (`BEGIN IMMEDIATE` on SQLite, see [`begin_write`]).

use axum::Router;
use axum::extract::{FromRequest, OriginalUri, Request};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use http::{HeaderValue, StatusCode, header};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    DbBackend, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QuerySelect,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::etag::{check_if_match, etag_of, has_if_match, not_modified};
use super::list::{ListQuery, Paging, fetch_page};
use super::{HookContext, Hooks, Resource, Validate};
use crate::access::{AccessRule, Grant, Principal};
use crate::cache::Cache;
use crate::db::Db;
use crate::envelope::{CursorMeta, CursorPaged, PageMeta, Paged};
use crate::extract::{Json, PaginationLimits, Path};
use crate::response::json_response;
use crate::{Error, FieldError};

/// The routes of resource `R`, relative to where the router is nested (usually `/api`):
/// `GET`/`POST` on its path, `GET`/`PUT`/`PATCH`/`DELETE` on `path/{id}`, and its nested
/// list route, each only when the operation is on. Every handler answers in the envelope.
///
/// The routes read the database pool, the cache and the pagination limits from the request
/// (the [`App`](crate::app::App) puts them there), and the caller from the [`Principal`] an
/// authentication layer left.
///
/// ```
/// # use rustbe_core::Resource;
/// # use sea_orm::entity::prelude::*;
/// # #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Resource)]
/// # #[sea_orm(table_name = "tags")]
/// # pub struct Model { #[sea_orm(primary_key)] pub id: i32, pub name: String }
/// # #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
/// # pub enum Relation {}
/// # impl ActiveModelBehavior for ActiveModel {}
/// let api = axum::Router::new().merge(rustbe_core::resource::router::<Model>());
/// ```
pub fn router<R>() -> Router
where
    R: Hooks + IntoActiveModel<R::ActiveModel>,
    R::Entity: EntityTrait<Model = R>,
{
    let meta = &R::META;
    let mut router = Router::new();
    let mut collection = MethodRouter::new();
    if meta.list.is_some() {
        collection = collection.get(list::<R>);
    }
    if meta.create.is_some() {
        collection = collection.post(create::<R>);
    }
    if meta.list.is_some() || meta.create.is_some() {
        router = router.route(meta.path, collection);
    }
    let mut item = MethodRouter::new();
    let mut any_item = false;
    if meta.get.is_some() {
        item = item.get(get_one::<R>);
        any_item = true;
    }
    if meta.replace.is_some() {
        item = item.put(replace::<R>);
        any_item = true;
    }
    if meta.update.is_some() {
        item = item.patch(update::<R>);
        any_item = true;
    }
    if meta.delete.is_some() {
        item = item.delete(delete::<R>);
        any_item = true;
    }
    if any_item {
        router = router.route(&format!("{}/{{id}}", meta.path), item);
    }
    if let (Some(nested), Some(_)) = (meta.nested, meta.list) {
        router = router.route(nested.path, get(list_nested::<R>));
    }
    router
}

/// A row as it is sent: the view's JSON, its ETag and its owner. This is what the cache
/// holds, so a hit costs no database and no serialisation.
#[derive(Debug, Serialize, Deserialize)]
struct Rendered {
    json: String,
    etag: String,
    owner: Option<String>,
}

fn render<R: Resource>(row: &R) -> Result<Rendered, Error> {
    let json = serde_json::to_string(&row.view()).map_err(Error::internal)?;
    let etag = etag_of(json.as_bytes());
    Ok(Rendered {
        json,
        etag,
        owner: row.owner(),
    })
}

/// `{"success":true,"data":…}` with its `ETag`.
fn single(status: StatusCode, rendered: &Rendered) -> Response {
    let mut body = String::with_capacity(rendered.json.len() + 27);
    body.push_str(r#"{"success":true,"data":"#);
    body.push_str(&rendered.json);
    body.push('}');
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(etag) = HeaderValue::from_str(&rendered.etag) {
        headers.insert(header::ETAG, etag);
    }
    response
}

fn not_modified_response(etag: &str) -> Response {
    let mut response = StatusCode::NOT_MODIFIED.into_response();
    if let Ok(etag) = HeaderValue::from_str(etag) {
        response.headers_mut().insert(header::ETAG, etag);
    }
    response
}

/// The rule of an operation that is routed (so it is on).
fn rule(op: Option<AccessRule>) -> AccessRule {
    op.unwrap_or(AccessRule::Authenticated)
}

/// A row of another owner is a 404, as is a row without an owner to a caller limited to
/// their own.
fn check_owner(grant: &Grant, owner: Option<&str>) -> Result<(), Error> {
    match (grant, owner) {
        (Grant::All, _) => Ok(()),
        (Grant::OwnedBy(_), Some(owner)) => grant.check_owner(owner),
        (Grant::OwnedBy(_), None) => Err(Error::not_found()),
    }
}

fn bad_path(parameter: &str, message: String) -> Error {
    Error::bad_request("Invalid path parameter")
        .with_details([FieldError::new(parameter.to_owned(), message)])
}

/// The key of a path, and its canonical text (the cache key).
fn parse_key<R: Resource>(raw: &str) -> Result<(sea_orm::Value, String), Error> {
    let value = R::parse_key(raw).map_err(|m| bad_path("id", m))?;
    let text = value_text(&value).unwrap_or_else(|| raw.to_owned());
    Ok((value, text))
}

/// The text of a key value, as `Resource::key` writes it.
fn value_text(value: &sea_orm::Value) -> Option<String> {
    use sea_orm::Value as V;
    Some(match value {
        V::String(Some(s)) => s.clone(),
        V::Char(Some(c)) => c.to_string(),
        V::TinyInt(Some(n)) => n.to_string(),
        V::SmallInt(Some(n)) => n.to_string(),
        V::Int(Some(n)) => n.to_string(),
        V::BigInt(Some(n)) => n.to_string(),
        V::TinyUnsigned(Some(n)) => n.to_string(),
        V::SmallUnsigned(Some(n)) => n.to_string(),
        V::Unsigned(Some(n)) => n.to_string(),
        V::BigUnsigned(Some(n)) => n.to_string(),
        V::Uuid(Some(u)) => u.to_string(),
        _ => return None,
    })
}

/// Which rows a grant reaches, as a condition on the owner field.
enum Owned {
    /// Every row.
    All,
    /// Rows owned by the caller.
    Only(sea_orm::Condition),
    /// None: the caller's id is not a value of the owner field.
    Nothing,
}

impl Owned {
    fn of<R: Resource>(grant: &Grant) -> Result<Self, Error> {
        let Some(me) = grant.owner() else {
            return Ok(Self::All);
        };
        let field = R::META
            .owner
            .ok_or_else(|| Error::internal("an owner rule on a resource without an owner field"))?;
        let column = R::column(field)
            .ok_or_else(|| Error::internal(format!("owner field `{field}` has no column")))?;
        Ok(match R::parse_field(field, me) {
            Ok(value) => Self::Only(sea_orm::Condition::all().add(column.eq(value))),
            Err(_) => Self::Nothing,
        })
    }

    /// `query` limited to these rows; `None` when no row can match.
    fn restrict<Q: QueryFilter>(self, query: Q) -> Option<Q> {
        match self {
            Self::All => Some(query),
            Self::Only(condition) => Some(query.filter(condition)),
            Self::Nothing => None,
        }
    }
}

async fn fetch<R, C>(db: &C, key: sea_orm::Value, lock: bool) -> Result<Option<R>, Error>
where
    R: Resource,
    R::Entity: EntityTrait<Model = R>,
    C: ConnectionTrait,
{
    let mut select = R::Entity::find().filter(R::key_column().eq(key));
    if lock && db.get_database_backend() == DbBackend::Postgres {
        select = select.lock_exclusive();
    }
    Ok(crate::db::first(select, db).await?)
}

async fn load<R>(
    db: &DatabaseConnection,
    cache: Option<&Cache>,
    key: sea_orm::Value,
    key_text: &str,
) -> Result<Option<Rendered>, Error>
where
    R: Resource,
    R::Entity: EntityTrait<Model = R>,
{
    let from_db = || async {
        match fetch::<R, _>(db, key, false).await? {
            Some(row) => render(&row).map(Some),
            None => Ok(None),
        }
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

async fn invalidate<R: Resource>(cache: Option<&Cache>, key: &str) {
    if let (Some(_), Some(cache)) = (R::META.cache_ttl, cache) {
        cache.invalidate(R::META.collection, key).await;
    }
}

async fn get_one<R>(
    Path(raw): Path<String>,
    Db(db): Db,
    request: Request,
) -> Result<Response, Error>
where
    R: Resource,
    R::Entity: EntityTrait<Model = R>,
{
    let grant = rule(R::META.get).authorize_request(request.extensions())?;
    let (key, key_text) = parse_key::<R>(&raw)?;
    let cache = request.extensions().get::<Cache>();
    let rendered = load::<R>(&db, cache, key, &key_text)
        .await?
        .ok_or_else(Error::not_found)?;
    check_owner(&grant, rendered.owner.as_deref())?;
    if not_modified(request.headers(), &rendered.etag) {
        return Ok(not_modified_response(&rendered.etag));
    }
    Ok(single(StatusCode::OK, &rendered))
}

/// `%`-encodes a key for a URL path segment.
fn path_segment(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for byte in key.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The body, checked: shape errors from [`Json`], then the rules.
async fn body<B: DeserializeOwned + Validate>(request: Request) -> Result<B, Error> {
    let Json(body) = Json::<B>::from_request(request, &()).await?;
    let errors = body.validate();
    if errors.is_empty() {
        Ok(body)
    } else {
        Err(Error::validation(errors))
    }
}

/// A transaction that writes. On SQLite it is `BEGIN IMMEDIATE`: it takes the write lock at
/// once, waiting for another writer within the busy timeout. A deferred `BEGIN` reads first
/// and upgrades at its first write, and when another connection committed in between SQLite
/// refuses the upgrade at once (`SQLITE_BUSY`, "database is locked", a 503) rather than wait,
/// since the read it already made is stale. PostgreSQL ignores the mode (rows are locked with
/// `FOR UPDATE` there).
async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}

async fn create<R>(Db(db): Db, request: Request) -> Result<Response, Error>
where
    R: Hooks + IntoActiveModel<R::ActiveModel>,
    R::Entity: EntityTrait<Model = R>,
{
    let extensions = request.extensions();
    rule(R::META.create).authorize_request(extensions)?;
    let principal = extensions.get::<Principal>().cloned();
    let cache = extensions.get::<Cache>().cloned();
    let base = extensions.get::<OriginalUri>().map_or_else(
        || request.uri().path().to_owned(),
        |uri| uri.path().to_owned(),
    );
    let body = body::<R::Create>(request).await?;
    let mut row = R::create_model(body, principal.as_ref())?;
    let row: R = if R::META.hooks {
        let txn = begin_write(&db).await?;
        let ctx = HookContext {
            principal: principal.as_ref(),
            txn: &txn,
        };
        R::before_create(&ctx, &mut row).await?;
        let row = R::Entity::insert(row).exec_with_returning(&txn).await?;
        R::after_create(&ctx, &row).await?;
        txn.commit().await?;
        row
    } else {
        R::Entity::insert(row).exec_with_returning(&db).await?
    };
    let key = row.key();
    invalidate::<R>(cache.as_ref(), &key).await;
    let rendered = render(&row)?;
    let mut response = single(StatusCode::CREATED, &rendered);
    let location = format!("{}/{}", base.trim_end_matches('/'), path_segment(&key));
    if let Ok(location) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

async fn replace<R>(
    Path(raw): Path<String>,
    Db(db): Db,
    request: Request,
) -> Result<Response, Error>
where
    R: Hooks,
    R::Entity: EntityTrait<Model = R>,
{
    write::<R, R::Replace>(R::META.replace, &raw, db, request, R::replace_model).await
}

async fn update<R>(Path(raw): Path<String>, Db(db): Db, request: Request) -> Result<Response, Error>
where
    R: Hooks,
    R::Entity: EntityTrait<Model = R>,
{
    write::<R, R::Patch>(R::META.update, &raw, db, request, R::patch_model).await
}

/// `PUT` and `PATCH`.
async fn write<R, B>(
    op: Option<AccessRule>,
    raw: &str,
    db: DatabaseConnection,
    request: Request,
    apply: fn(B, &mut R::ActiveModel),
) -> Result<Response, Error>
where
    R: Hooks,
    R::Entity: EntityTrait<Model = R>,
    B: DeserializeOwned + Validate,
{
    let extensions = request.extensions();
    let grant = rule(op).authorize_request(extensions)?;
    let (key, key_text) = parse_key::<R>(raw)?;
    let principal = extensions.get::<Principal>().cloned();
    let cache = extensions.get::<Cache>().cloned();
    let headers = has_if_match(request.headers()).then(|| request.headers().clone());
    let body = body::<B>(request).await?;
    let mut changes = <R::ActiveModel as ActiveModelTrait>::default();
    apply(body, &mut changes);
    let row = if R::META.hooks || headers.is_some() {
        let txn = begin_write(&db).await?;
        let old = fetch::<R, _>(&txn, key.clone(), true)
            .await?
            .ok_or_else(Error::not_found)?;
        check_owner(&grant, old.owner().as_deref())?;
        if let Some(headers) = &headers {
            check_if_match(headers, &render(&old)?.etag)?;
        }
        let ctx = HookContext {
            principal: principal.as_ref(),
            txn: &txn,
        };
        R::before_update(&ctx, &old, &mut changes).await?;
        let row = if changes.is_changed() {
            R::Entity::update_many()
                .set(changes)
                .filter(R::key_column().eq(key))
                .exec_with_returning(&txn)
                .await?
                .into_iter()
                .next()
                .ok_or_else(Error::not_found)?
        } else {
            old
        };
        R::after_update(&ctx, &row).await?;
        txn.commit().await?;
        row
    } else {
        if changes.is_changed() {
            let update = R::Entity::update_many()
                .set(changes)
                .filter(R::key_column().eq(key));
            Owned::of::<R>(&grant)?
                .restrict(update)
                .ok_or_else(Error::not_found)?
                .exec_with_returning(&db)
                .await?
                .into_iter()
                .next()
                .ok_or_else(Error::not_found)?
        } else {
            let row = fetch::<R, _>(&db, key, false)
                .await?
                .ok_or_else(Error::not_found)?;
            check_owner(&grant, row.owner().as_deref())?;
            row
        }
    };
    invalidate::<R>(cache.as_ref(), &key_text).await;
    Ok(single(StatusCode::OK, &render(&row)?))
}

async fn delete<R>(Path(raw): Path<String>, Db(db): Db, request: Request) -> Result<Response, Error>
where
    R: Hooks,
    R::Entity: EntityTrait<Model = R>,
{
    let extensions = request.extensions();
    let grant = rule(R::META.delete).authorize_request(extensions)?;
    let (key, key_text) = parse_key::<R>(&raw)?;
    let cache = extensions.get::<Cache>();
    if R::META.hooks || has_if_match(request.headers()) {
        let txn = begin_write(&db).await?;
        let old = fetch::<R, _>(&txn, key.clone(), true)
            .await?
            .ok_or_else(Error::not_found)?;
        check_owner(&grant, old.owner().as_deref())?;
        check_if_match(request.headers(), &render(&old)?.etag)?;
        let ctx = HookContext {
            principal: extensions.get::<Principal>(),
            txn: &txn,
        };
        R::before_delete(&ctx, &old).await?;
        R::Entity::delete_many()
            .filter(R::key_column().eq(key))
            .exec(&txn)
            .await?;
        R::after_delete(&ctx, &old).await?;
        txn.commit().await?;
    } else {
        let delete = R::Entity::delete_many().filter(R::key_column().eq(key));
        let delete = Owned::of::<R>(&grant)?
            .restrict(delete)
            .ok_or_else(Error::not_found)?;
        if delete.exec(&db).await?.rows_affected == 0 {
            return Err(Error::not_found());
        }
    }
    invalidate::<R>(cache, &key_text).await;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn list<R>(Db(db): Db, request: Request) -> Result<Response, Error>
where
    R: Resource,
    R::Entity: EntityTrait<Model = R>,
{
    let (parts, _) = request.into_parts();
    list_rows::<R>(&db, &parts, None).await
}

async fn list_nested<R>(
    Path(parent): Path<String>,
    Db(db): Db,
    request: Request,
) -> Result<Response, Error>
where
    R: Resource,
    R::Entity: EntityTrait<Model = R>,
{
    let (parts, _) = request.into_parts();
    list_rows::<R>(&db, &parts, Some(&parent)).await
}

/// Whether `table` has a row whose `key` is `value`: the parent of a nested list.
async fn parent_exists(
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

async fn list_rows<R>(
    db: &DatabaseConnection,
    request: &http::request::Parts,
    parent: Option<&str>,
) -> Result<Response, Error>
where
    R: Resource,
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
    let select = query.select::<R>()?;
    let Some(select) = Owned::of::<R>(&grant)?.restrict(select) else {
        if missing_parent().await? {
            return Err(Error::not_found());
        }
        return empty_page::<R>(&query);
    };
    match query.paging() {
        Paging::Page(page) => {
            let (rows, total) = fetch_page(select, *page, db).await?;
            if rows.is_empty() && missing_parent().await? {
                return Err(Error::not_found());
            }
            let views: Vec<_> = rows.iter().map(R::view).collect();
            Ok(json_response(
                StatusCode::OK,
                &Paged::new(views, PageMeta::new(page.page(), page.limit(), total)),
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
            let views: Vec<_> = rows.iter().map(R::view).collect();
            Ok(json_response(
                StatusCode::OK,
                &CursorPaged::new(views, CursorMeta { limit, next_cursor }),
            ))
        }
    }
}

fn empty_page<R: Resource>(query: &ListQuery) -> Result<Response, Error> {
    let empty: Vec<R::View<'_>> = Vec::new();
    Ok(match query.paging() {
        Paging::Page(page) => json_response(
            StatusCode::OK,
            &Paged::new(empty, PageMeta::new(page.page(), page.limit(), 0)),
        ),
        Paging::Cursor { limit, .. } => json_response(
            StatusCode::OK,
            &CursorPaged::new(
                empty,
                CursorMeta {
                    limit: *limit,
                    next_cursor: None,
                },
            ),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_encoded_for_a_path_segment() {
        assert_eq!(path_segment("abc-1_2.3~"), "abc-1_2.3~");
        assert_eq!(path_segment("a b/c?"), "a%20b%2Fc%3F");
        assert_eq!(path_segment("é"), "%C3%A9");
    }

    #[test]
    fn key_values_as_text() {
        assert_eq!(
            value_text(&sea_orm::Value::from(5_i32)).as_deref(),
            Some("5")
        );
        assert_eq!(value_text(&sea_orm::Value::from("x")).as_deref(), Some("x"));
        assert_eq!(value_text(&sea_orm::Value::from(1.5_f64)), None);
    }
}
