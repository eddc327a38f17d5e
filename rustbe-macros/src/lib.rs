//! The `#[derive(Resource)]` macro of rustbe, re-exported by `rustbe-core` (feature
//! `macros`). The attribute reference is the guide `rustbe_core::guide::resource`.
//!
//! The derive reads a SeaORM `Model` in steps: `attr` parses the attributes with plain `syn`,
//! `model` turns them into typed options, `validate` checks them against each other; only
//! then does `expand` write code. Every mistake found on the way is reported, each at its own
//! token.

mod attr;
mod errors;
mod expand;
mod model;
mod names;
mod validate;

/// Implements `rustbe_core::resource::Resource` for a SeaORM `Model`, writes its DTOs
/// (`{Name}Create`, `{Name}Replace`, `{Name}Patch`, `{Name}View`) and, without
/// `#[resource(hooks)]`, an empty `rustbe_core::resource::Hooks`.
///
/// On the struct: `name`, `path`, `skip(..)`, `access(..)`, `bypass(..)`, `default_sort`,
/// `cache(ttl = ..)`, `hooks`, `cursor`, `nested` (or `nested(path, field, create, only)`),
/// `parent`, `search_language`, `scope = path` (the read hook), `rename_all` (the JSON casing),
/// `filter_fn(..)` (a custom list filter), `view(..)` (a named list view). On a field:
/// `rename`, `read_only`, `hidden`, `write_once`, `created_at`, `updated_at`, `owner`, `filter(..)`,
/// `search`, `sort`, `trim`, `default = value`, and the rules `length(..)`, `range(..)`, `email`, `url`, `one_of(..)`,
/// `custom = path`.
///
/// ```
/// use rustbe_core::Resource;
/// use sea_orm::entity::prelude::*;
///
/// #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Resource)]
/// #[sea_orm(table_name = "products")]
/// #[resource(access(read = public, write = roles("admin")), default_sort = "name")]
/// pub struct Model {
///     #[sea_orm(primary_key, auto_increment = false)]
///     pub id: Uuid,
///     #[resource(filter, sort, search, length(min = 1, max = 200))]
///     pub name: String,
///     #[resource(filter(range), range(min = 0.01))]
///     pub price: f64,
///     #[resource(created_at)]
///     pub created_at: DateTimeUtc,
/// }
///
/// #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
/// pub enum Relation {}
/// impl ActiveModelBehavior for ActiveModel {}
///
/// use rustbe_core::resource::{Resource as _, Validate as _};
/// assert_eq!((Model::META.name, Model::META.path), ("Product", "/products"));
/// let body = ProductCreate { name: String::new(), price: 0.0 };
/// assert_eq!(body.validate().len(), 2);
/// ```
#[proc_macro_derive(Resource, attributes(resource, sea_orm))]
pub fn derive_resource(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::derive_with_names(&input).into()
}
