//! The generated routes of a resource: [`router`] puts the reads, writes and views of
//! [`Resource`] on their paths.

use axum::Router;
use axum::extract::Request;
use axum::routing::{MethodRouter, get};
use sea_orm::sea_query::{TableName, TableRef};
use sea_orm::{EntityTrait, IntoActiveModel, Iterable, RelationTrait};

use super::Hooks;
use super::read::{get_one, list, list_nested};
use super::write::{create, create_nested, delete, replace, update};
use crate::db::Db;

/// The routes of resource `R`, relative to where the router is nested (usually `/api`):
/// `GET`/`POST` on its path, `GET`/`PUT`/`PATCH`/`DELETE` on `path/{id}`, its nested list (and
/// create) route and its views, each only when the operation is on. Every handler answers in
/// the envelope.
///
/// The routes read the database pool, the cache and the pagination limits from the request
/// (the [`App`](crate::app::App) puts them there), and the caller from the
/// [`Principal`](crate::access::Principal) an authentication layer left.
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
///
/// # Panics
/// When the entity declares SeaORM relations and none of them leads to the table and column
/// of `#[resource(parent = "…")]`: a misspelt parent fails at start-up, as axum's own route
/// conflicts do, not as a 500 on the first nested request. (With no relation declared there
/// is nothing to check the name against here; [`App::resource`](crate::app::App::resource)
/// then checks it against the database when the app starts.)
pub fn router<R>() -> Router
where
    R: Hooks + IntoActiveModel<R::ActiveModel>,
    R::Entity: EntityTrait<Model = R>,
{
    if let Err(message) = check_parent::<R>() {
        #[allow(
            clippy::panic,
            reason = "a misconfigured resource fails at start-up, like axum's route conflicts"
        )]
        {
            panic!("{message}");
        }
    }
    let meta = &R::META;
    let mut router = Router::new();
    let only_nested = meta.nested.is_some_and(|nested| nested.only);
    let mut collection = MethodRouter::new();
    if meta.list.is_some() {
        collection = collection.get(list::<R>);
    }
    if meta.create.is_some() {
        collection = collection.post(create::<R>);
    }
    if (meta.list.is_some() || meta.create.is_some()) && !only_nested {
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
    if let Some(nested) = meta.nested {
        let mut under = MethodRouter::new();
        if meta.list.is_some() {
            under = under.get(list_nested::<R>);
        }
        if nested.create && meta.create.is_some() {
            under = under.post(create_nested::<R>);
        }
        if meta.list.is_some() || (nested.create && meta.create.is_some()) {
            router = router.route(nested.path, under);
        }
    }
    if meta.list.is_some() {
        for view in meta.views {
            let path = format!("{}/{}", meta.path, view.name);
            router = router.route(
                &path,
                get(move |db: Db, request: Request| super::views::view::<R>(view, db, request)),
            );
        }
    }
    router
}

/// The parent table and key column of `R` when no relation of its entity can vouch for them
/// (it declares none), to be checked against the database instead.
pub(crate) fn unchecked_parent<R: super::Resource>() -> Option<(&'static str, &'static str)> {
    let parent = R::META.nested?.parent?;
    <R::Entity as EntityTrait>::Relation::iter()
        .next()
        .is_none()
        .then_some(parent)
}

/// `parent = "table"` (or `"table.column"`) against the relations `R`'s entity declares: `Err`
/// with what to fix when there are some and none reaches that table and column.
fn check_parent<R: super::Resource>() -> Result<(), String> {
    let Some(super::Nested {
        parent: Some((table, key)),
        ..
    }) = R::META.nested
    else {
        return Ok(());
    };
    let reached: Vec<(String, Vec<String>)> = <R::Entity as EntityTrait>::Relation::iter()
        .filter_map(|relation| {
            let def = relation.def();
            let TableRef::Table(TableName(_, to), _) = &def.to_tbl else {
                return None;
            };
            let columns = def.to_col.iter().map(ToString::to_string).collect();
            Some((to.to_string(), columns))
        })
        .collect();
    if reached.is_empty()
        || reached
            .iter()
            .any(|(to, columns)| to == table && columns == &[key])
    {
        return Ok(());
    }
    let declared: Vec<String> = reached
        .iter()
        .map(|(to, columns)| format!("`{to}.{}`", columns.join(",")))
        .collect();
    Err(format!(
        "resource `{}`: `#[resource(parent = \"{table}\")]` names `{table}.{key}`, which no relation of its entity reaches (its relations reach {}): name the parent table of one of them, or declare the relation in `enum Relation`",
        R::META.name,
        declared.join(", "),
    ))
}
