//! Generated REST resources: the runtime behind `#[derive(Resource)]`.
//!
//! The derive (crate `rustbe-macros`) reads a SeaORM `Model` and its `#[resource(...)]`
//! attributes and writes an implementation of [`Resource`] (the DTOs, their validation, the
//! column map, the OpenAPI schemas) and of [`Hooks`]. Everything that does not depend on the
//! model's fields lives here, generic over [`Resource`]: the handlers, the list query parser,
//! ETags, caching, access rules and the OpenAPI paths. [`router`] and [`openapi`] put it
//! together.
//!
//! The attribute reference, with a compiled example of each attribute, is the guide
//! [`crate::guide::resource`].
//!
//! ```
//! use rustbe_core::Resource;
//! use sea_orm::entity::prelude::*;
//!
//! #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Resource)]
//! #[sea_orm(table_name = "notes")]
//! #[resource(access(read = public, write = authenticated), default_sort = "-id")]
//! pub struct Model {
//!     #[sea_orm(primary_key)]
//!     #[resource(sort)]
//!     pub id: i32,
//!     #[resource(filter, sort, length(min = 1, max = 200))]
//!     pub title: String,
//! }
//!
//! #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
//! pub enum Relation {}
//! impl ActiveModelBehavior for ActiveModel {}
//!
//! let api: axum::Router = rustbe_core::resource::router::<Model>();
//! let doc = rustbe_core::resource::openapi::<Model>("/api");
//! assert!(doc.paths.paths.contains_key("/api/notes/{id}"));
//! ```

use std::time::Duration;

use sea_orm::{ActiveModelBehavior, ActiveModelTrait, EntityTrait, FromQueryResult, ModelTrait};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::access::{AccessRule, Principal};
use crate::extract::SortKey;
use crate::{Error, FieldError};

mod constraint;
mod custom;
mod etag;
mod hooks;
mod list;
mod openapi;
mod page;
mod patch;
mod read;
mod render;
mod router;
pub mod rules;
mod schema;
mod scope;
mod search;
pub mod trimmed;
mod value;
mod views;
mod write;

pub use custom::{
    CustomFilter, IntoCondition, QueryValue, custom_filter_condition, custom_filter_schema,
    scope_condition,
};
pub use etag::etag_of;
pub use hooks::{HookContext, Hooks, ReadContext};
pub use list::{Filter, ListQuery};
pub use openapi::openapi;
pub use page::{fetch_page, order_by};
pub use patch::Patch;
pub use render::{check_if_match, respond};
pub use router::router;
pub(crate) use router::unchecked_parent;
pub use schema::{
    Constraint, FieldSchema, NOT_BLANK_PATTERN, ObjectSchema, Schemas, UUID_PATTERN, ViewSchema,
    constrained,
};
pub use search::{MAX_SEARCH_CHARS, contains_ignore_case, text_search};
pub use value::{FilterValue, GeneratedKey, Timestamp, owner_id};
pub use views::ListView;

/// What the derive knows about a resource that is not a field: its names, routes, access
/// rules, list options and caching. Written by the derive; write one by hand only to
/// implement [`Resource`] without it.
///
/// ```
/// use rustbe_core::access::AccessRule;
/// use rustbe_core::resource::{Filter, Meta};
///
/// const META: Meta = Meta {
///     filters: &[Filter {
///         field: "price",
///         eq: false,
///         range: true,
///         any_of: false,
///         schema: <f64 as rustbe_core::resource::FieldSchema>::schema,
///     }],
///     sorts: &["price"],
///     list: Some(AccessRule::Public),
///     get: Some(AccessRule::Public),
///     ..Meta::new("Product", "products", "/products")
/// };
/// assert!(META.create.is_some());
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Meta {
    /// The singular name used for schemas (`Product`, `ProductCreate` …).
    pub name: &'static str,
    /// The name of one row in formats that wrap answers (`product`; see
    /// [`format::Names`](crate::format::Names)); the derive writes `name` in lower camel case.
    pub one: &'static str,
    /// The plural name: OpenAPI tag and cache namespace (`products`).
    pub collection: &'static str,
    /// Where the collection is routed, relative to the router (`/products`).
    pub path: &'static str,
    /// The primary key field (JSON name), as `cursor_value` and `parse_cursor_value` know it.
    pub key: &'static str,
    /// `GET path`: who may list; `None` when the route is switched off.
    pub list: Option<AccessRule>,
    /// `GET path/{id}`.
    pub get: Option<AccessRule>,
    /// `POST path`.
    pub create: Option<AccessRule>,
    /// `PUT path/{id}`.
    pub replace: Option<AccessRule>,
    /// `PATCH path/{id}`.
    pub update: Option<AccessRule>,
    /// `DELETE path/{id}`.
    pub delete: Option<AccessRule>,
    /// The list filters, by field (JSON name).
    pub filters: &'static [Filter],
    /// The list's custom filter parameters, each backed by an app function.
    pub custom_filters: &'static [CustomFilter],
    /// Named list views, each a route `path/{name}`.
    pub views: &'static [ListView],
    /// The fields a list may be sorted by (JSON names).
    pub sorts: &'static [&'static str],
    /// The order of a list when the request gives none (the key always breaks ties).
    pub default_sort: &'static [SortKey],
    /// The fields `q` searches (JSON names); empty: no `q`.
    pub search: &'static [&'static str],
    /// The PostgreSQL text search configuration of `q` (`simple`, `english` …).
    pub search_language: &'static str,
    /// How long a single read stays cached; `None`: not cached.
    pub cache_ttl: Option<Duration>,
    /// Whether writes run in a transaction with the [`Hooks`].
    pub hooks: bool,
    /// Keyset (cursor) pagination instead of `page`/`limit` with a total.
    pub cursor: bool,
    /// A second list route under a parent (`/users/{user_id}/orders`).
    pub nested: Option<Nested>,
    /// The field holding the owner's id (JSON name), if any.
    pub owner: Option<&'static str>,
    /// The read hook: a condition every list, view, single read, update and delete adds for
    /// the caller (soft deletes, tenants, "published only"); rows outside it are not there.
    pub scope: Option<fn(Option<&Principal>) -> sea_orm::Condition>,
}

impl Meta {
    /// Every operation on for authenticated callers, the key field named `id`, `one` the same
    /// as `name`; no filters,
    /// custom filters, views, sorts, search, cache, hooks, nesting, owner or scope.
    ///
    /// ```
    /// use rustbe_core::access::AccessRule;
    /// let meta = rustbe_core::resource::Meta::new("Tag", "tags", "/tags");
    /// assert_eq!(meta.delete, Some(AccessRule::Authenticated));
    /// assert!(meta.filters.is_empty());
    /// ```
    #[must_use]
    pub const fn new(name: &'static str, collection: &'static str, path: &'static str) -> Self {
        const AUTH: Option<AccessRule> = Some(AccessRule::Authenticated);
        Self {
            name,
            one: name,
            collection,
            path,
            key: "id",
            list: AUTH,
            get: AUTH,
            create: AUTH,
            replace: AUTH,
            update: AUTH,
            delete: AUTH,
            filters: &[],
            custom_filters: &[],
            views: &[],
            sorts: &[],
            default_sort: &[],
            search: &[],
            search_language: "simple",
            cache_ttl: None,
            hooks: false,
            cursor: false,
            nested: None,
            owner: None,
            scope: None,
        }
    }
}

/// Routes under a parent: `path` (`/users/{user_id}/orders`) lists the rows whose `field`
/// equals the path parameter `param`. With `parent`, the parent's table and key column, a
/// parent that is not there is a 404 instead of an empty page. With `create`, `POST path`
/// creates a row under the parent (its `field` taken from the path, never the body); with
/// `only`, the collection's own `GET`/`POST` on [`Meta::path`] are not routed, so rows are
/// listed and created only under their parent (`/products/{id}/reviews`).
///
/// ```
/// use rustbe_core::resource::Nested;
/// let nested = Nested {
///     path: "/users/{user_id}/orders",
///     param: "user_id",
///     field: "user_id",
///     parent: Some(("users", "id")),
///     create: false,
///     only: false,
/// };
/// assert!(nested.path.contains(nested.param));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Nested {
    /// The route, with one `{param}`.
    pub path: &'static str,
    /// The path parameter's name.
    pub param: &'static str,
    /// The field (JSON name) it is compared with.
    pub field: &'static str,
    /// The parent's table and key column (`#[resource(parent = "users")]`), if given.
    pub parent: Option<(&'static str, &'static str)>,
    /// `POST path` creates a row under the parent.
    pub create: bool,
    /// The collection's own list and create routes are off: only the nested ones serve.
    pub only: bool,
}

/// The column type of a resource's entity.
pub type ColumnOf<R> = <<R as ModelTrait>::Entity as EntityTrait>::Column;

/// A SeaORM model served as a REST resource. Implemented by `#[derive(Resource)]`; the
/// generic handlers of this module do the rest.
///
/// Field names in every method are the JSON names (after `#[serde(rename…)]`).
pub trait Resource: ModelTrait + FromQueryResult + Send + Sync + Sized + 'static {
    /// The entity's active model.
    type ActiveModel: ActiveModelTrait<Entity = Self::Entity>
        + ActiveModelBehavior
        + Send
        + Sync
        + 'static;
    /// The body of `POST`: every writable field.
    type Create: DeserializeOwned + Validate + Send + 'static;
    /// The body of `PUT`: every writable field except write-once ones.
    type Replace: DeserializeOwned + Validate + Send + 'static;
    /// The body of `PATCH`: each field of `Replace` as a [`Patch`].
    type Patch: DeserializeOwned + Validate + Send + 'static;
    /// What a response shows of a row: every field but hidden ones, borrowed.
    type View<'a>: Serialize + Send
    where
        Self: 'a;

    /// Names, routes, access rules, list options, caching.
    const META: Meta;

    /// The public view of this row.
    fn view(&self) -> Self::View<'_>;
    /// The primary key column.
    fn key_column() -> ColumnOf<Self>;
    /// The primary key as text (for `Location` and cache keys).
    fn key(&self) -> String;
    /// A key from a path segment.
    ///
    /// # Errors
    /// A message for the client when `raw` is not a key.
    fn parse_key(raw: &str) -> Result<sea_orm::Value, String>;
    /// The owner's id as text, when the resource has an owner field.
    fn owner(&self) -> Option<String>;
    /// The column of a field that is filtered, sorted, searched, nested or owned by.
    fn column(field: &str) -> Option<ColumnOf<Self>>;
    /// A query-string value of a filtered, nested or owner field.
    ///
    /// # Errors
    /// A message for the client when `raw` is not a value of the field's type.
    fn parse_field(field: &str, raw: &str) -> Result<sea_orm::Value, String>;
    /// The JSON value of a sortable field or of the key, put into a cursor.
    fn cursor_value(&self, field: &str) -> serde_json::Value;
    /// A sortable field's or the key's value back from a cursor.
    ///
    /// # Errors
    /// A message when the JSON is not a value of the field's type.
    fn parse_cursor_value(field: &str, value: serde_json::Value) -> Result<sea_orm::Value, String>;
    /// A new row from a `POST` body: the body's fields, then the server's (generated key,
    /// timestamps, the owner from `principal`).
    ///
    /// # Errors
    /// 401 when the resource has an owner and there is no caller.
    fn create_model(
        body: Self::Create,
        principal: Option<&Principal>,
    ) -> Result<Self::ActiveModel, Error>;
    /// The changes of a `PUT` body (and `updated_at`).
    fn replace_model(body: Self::Replace, row: &mut Self::ActiveModel);
    /// The changes of a `PATCH` body (and `updated_at`).
    fn patch_model(body: Self::Patch, row: &mut Self::ActiveModel);
    /// The OpenAPI schemas of the view and the bodies.
    fn schemas() -> Schemas;
    /// The field (JSON name) of a column, so that a database error naming columns (a unique
    /// or foreign key violation) can name the fields. The derive writes it; `None` by default.
    fn field_of_column(_column: &str) -> Option<&'static str> {
        None
    }
}

/// Rule checks of a request body, run after it parsed; every failing field is reported.
///
/// ```
/// use rustbe_core::FieldError;
/// use rustbe_core::resource::{Validate, rules};
///
/// struct NewTag { name: String }
/// impl Validate for NewTag {
///     fn validate(&self) -> Vec<FieldError> {
///         let mut errors = Vec::new();
///         rules::length(&mut errors, "name", &self.name, Some(1), Some(30));
///         errors
///     }
/// }
/// assert_eq!(NewTag { name: String::new() }.validate().len(), 1);
/// ```
pub trait Validate {
    /// Every broken rule, as field errors.
    fn validate(&self) -> Vec<FieldError>;
}
