//! The generated writes: create, replace, update and delete. Without hooks and without
//! `If-Match` each is one statement (`INSERT … RETURNING`, `UPDATE … WHERE key AND owner
//! RETURNING`, `DELETE … WHERE key AND owner`); with hooks or `If-Match` the row is read under
//! a row lock in a transaction first (`BEGIN IMMEDIATE` on SQLite, see [`begin_write`]).

use axum::extract::{OriginalUri, Request};
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    IntoActiveModel, QueryFilter, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use serde::de::DeserializeOwned;

use super::constraint::name_fields;
use super::etag::{check_if_match, has_if_match};
use super::hooks::after_read;
use super::read::{fetch, parent_exists};
use super::render::{bad_path, parse_key, path_segment, render, single};
use super::scope::{Owned, check_owner, in_scope, read_scope, rule};
use super::views::VIEWS_GROUP;
use super::{HookContext, Hooks, Resource, Validate};
use crate::access::{AccessRule, Principal};
use crate::cache::Cache;
use crate::db::Db;
use crate::extract::{Json, JsonRejection, Path, json_bytes, with_rule_errors};
use crate::{Error, ErrorCode};

/// Drops what the cache holds of the row `key` and of the resource's cached views.
pub(super) async fn invalidate<R: Resource>(cache: Option<&Cache>, key: &str) {
    let Some(cache) = cache else { return };
    if R::META.cache_ttl.is_some() {
        cache.invalidate(R::META.collection, key).await;
    }
    if R::META.views.iter().any(|view| view.cache_ttl.is_some()) {
        cache
            .invalidate_group(R::META.collection, VIEWS_GROUP)
            .await;
    }
}

/// The body, checked: its shape and its rules, every problem at once. A field of the wrong
/// type or a missing one is a shape error; the rules of the other fields are still checked,
/// on the body with placeholders at those fields, and their errors join the same
/// `VALIDATION_ERROR`.
async fn body<B: DeserializeOwned + Validate>(request: Request) -> Result<B, Error> {
    let bytes = json_bytes(request, &()).await?;
    match Json::<B>::fitted(&bytes) {
        Ok(Json(body)) => {
            let errors = body.validate();
            if errors.is_empty() {
                Ok(body)
            } else {
                Err(Error::validation(errors))
            }
        }
        Err((JsonRejection::Invalid(shape), Some(fitted))) => {
            let all = with_rule_errors(shape, fitted.validate());
            Err(JsonRejection::Invalid(all).into())
        }
        Err((rejection, _)) => Err(rejection.into()),
    }
}

/// A transaction that writes. On SQLite it is `BEGIN IMMEDIATE`: it takes the write lock at
/// once, waiting for another writer within the busy timeout. A deferred `BEGIN` reads first
/// and upgrades at its first write, and when another connection committed in between SQLite
/// refuses the upgrade at once (`SQLITE_BUSY`, "database is locked", a 503) rather than wait,
/// since the read it already made is stale. PostgreSQL ignores the mode (rows are locked with
/// `FOR UPDATE` there).
pub(super) async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}

pub(super) async fn create<R>(db: Db, request: Request) -> Result<Response, Error>
where
    R: Hooks + IntoActiveModel<R::ActiveModel>,
    R::Entity: EntityTrait<Model = R>,
{
    insert::<R>(db, request, None).await
}

/// `POST` under a parent (`/products/{id}/reviews`): the nested field comes from the path.
pub(super) async fn create_nested<R>(
    Path(parent): Path<String>,
    db: Db,
    request: Request,
) -> Result<Response, Error>
where
    R: Hooks + IntoActiveModel<R::ActiveModel>,
    R::Entity: EntityTrait<Model = R>,
{
    insert::<R>(db, request, Some(&parent)).await
}

async fn insert<R>(Db(db): Db, request: Request, parent: Option<&str>) -> Result<Response, Error>
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
    let under = match (R::META.nested, parent) {
        (Some(nested), Some(raw)) => {
            let value = R::parse_field(nested.field, raw).map_err(|m| bad_path(nested.param, m))?;
            let column = R::column(nested.field).ok_or_else(|| {
                Error::internal(format!("nested field `{}` has no column", nested.field))
            })?;
            Some((nested, column, value))
        }
        _ => None,
    };
    let body = body::<R::Create>(request).await?;
    let mut row = R::create_model(body, principal.as_ref())?;
    if let Some((_, column, value)) = &under {
        row.set(*column, value.clone());
    }
    let inserted: Result<R, Error> = async {
        if R::META.hooks {
            let txn = begin_write(&db).await?;
            let ctx = HookContext {
                principal: principal.as_ref(),
                txn: &txn,
            };
            R::before_create(&ctx, &mut row).await?;
            let mut row = R::Entity::insert(row).exec_with_returning(&txn).await?;
            R::after_create(&ctx, &row).await?;
            // What the answer shows, read in the write's transaction: a failure rolls it back.
            after_read(principal.as_ref(), &txn, std::slice::from_mut(&mut row)).await?;
            txn.commit().await?;
            Ok(row)
        } else {
            Ok(R::Entity::insert(row).exec_with_returning(&db).await?)
        }
    }
    .await;
    let row = match inserted {
        Ok(row) => row,
        Err(err) => {
            // A missing parent fails the foreign key: the answer is the 404 a list under it
            // gives, looked up only on this error path.
            if let Some((nested, _, value)) = under
                && err.code() == ErrorCode::Conflict
                && let Some((table, key)) = nested.parent
                && !parent_exists(&db, table, key, value).await?
            {
                return Err(Error::not_found());
            }
            return Err(name_fields::<R>(err));
        }
    };
    let key = row.key();
    invalidate::<R>(cache.as_ref(), &key).await;
    let rendered = render(&row)?;
    let mut response = single::<R>(StatusCode::CREATED, &rendered);
    let location = format!("{}/{}", base.trim_end_matches('/'), path_segment(&key));
    if let Ok(location) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

pub(super) async fn replace<R>(
    Path(raw): Path<String>,
    Db(db): Db,
    request: Request,
) -> Result<Response, Error>
where
    R: Hooks,
    R::Entity: EntityTrait<Model = R>,
{
    write::<R, R::Replace>(R::META.replace, &raw, db, request, R::replace_model)
        .await
        .map_err(name_fields::<R>)
}

pub(super) async fn update<R>(
    Path(raw): Path<String>,
    Db(db): Db,
    request: Request,
) -> Result<Response, Error>
where
    R: Hooks,
    R::Entity: EntityTrait<Model = R>,
{
    write::<R, R::Patch>(R::META.update, &raw, db, request, R::patch_model)
        .await
        .map_err(name_fields::<R>)
}

/// `PUT` and `PATCH`.
pub(super) async fn write<R, B>(
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
    let scope = read_scope::<R>(principal.as_ref());
    let body = body::<B>(request).await?;
    let mut changes = <R::ActiveModel as ActiveModelTrait>::default();
    apply(body, &mut changes);
    let row = if R::META.hooks || headers.is_some() {
        let txn = begin_write(&db).await?;
        let mut old = fetch::<R, _>(&txn, key.clone(), true, scope)
            .await?
            .ok_or_else(Error::not_found)?;
        check_owner(&grant, old.owner().as_deref())?;
        if let Some(headers) = &headers {
            after_read(principal.as_ref(), &txn, std::slice::from_mut(&mut old)).await?;
            check_if_match(headers, &render(&old)?.etag)?;
        }
        let ctx = HookContext {
            principal: principal.as_ref(),
            txn: &txn,
        };
        R::before_update(&ctx, &old, &mut changes).await?;
        // An unchanged row compared under `If-Match` was filled by the read hook already.
        let (mut row, filled) = if changes.is_changed() {
            let row = R::Entity::update_many()
                .set(changes)
                .filter(R::key_column().eq(key))
                .exec_with_returning(&txn)
                .await?
                .into_iter()
                .next()
                .ok_or_else(Error::not_found)?;
            (row, false)
        } else {
            (old, headers.is_some())
        };
        R::after_update(&ctx, &row).await?;
        if !filled {
            after_read(principal.as_ref(), &txn, std::slice::from_mut(&mut row)).await?;
        }
        txn.commit().await?;
        row
    } else {
        if changes.is_changed() {
            let update = in_scope(
                R::Entity::update_many()
                    .set(changes)
                    .filter(R::key_column().eq(key)),
                scope,
            );
            Owned::of::<R>(&grant)?
                .restrict(update)
                .ok_or_else(Error::not_found)?
                .exec_with_returning(&db)
                .await?
                .into_iter()
                .next()
                .ok_or_else(Error::not_found)?
        } else {
            let row = fetch::<R, _>(&db, key, false, scope)
                .await?
                .ok_or_else(Error::not_found)?;
            check_owner(&grant, row.owner().as_deref())?;
            row
        }
    };
    // Without `hooks` the read hook is the derive's empty one: nothing to fill here.
    invalidate::<R>(cache.as_ref(), &key_text).await;
    Ok(single::<R>(StatusCode::OK, &render(&row)?))
}

pub(super) async fn delete<R>(
    Path(raw): Path<String>,
    Db(db): Db,
    request: Request,
) -> Result<Response, Error>
where
    R: Hooks,
    R::Entity: EntityTrait<Model = R>,
{
    let extensions = request.extensions();
    let grant = rule(R::META.delete).authorize_request(extensions)?;
    let (key, key_text) = parse_key::<R>(&raw)?;
    let cache = extensions.get::<Cache>();
    let scope = read_scope::<R>(extensions.get::<Principal>());
    if R::META.hooks || has_if_match(request.headers()) {
        let txn = begin_write(&db).await?;
        let mut old = fetch::<R, _>(&txn, key.clone(), true, scope)
            .await?
            .ok_or_else(Error::not_found)?;
        check_owner(&grant, old.owner().as_deref())?;
        if has_if_match(request.headers()) {
            let principal = extensions.get::<Principal>();
            after_read(principal, &txn, std::slice::from_mut(&mut old)).await?;
            check_if_match(request.headers(), &render(&old)?.etag)?;
        }
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
        let delete = in_scope(
            R::Entity::delete_many().filter(R::key_column().eq(key)),
            scope,
        );
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
