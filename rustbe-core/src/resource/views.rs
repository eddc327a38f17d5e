//! Named list views: a second list route over a resource with a fixed order, size and cache
//! (`GET /products/popular`).

use std::time::Duration;

use axum::extract::Request;
use axum::response::Response;
use http::StatusCode;
use sea_orm::EntityTrait;

use super::Hooks;
use super::list::ListQuery;
use crate::access::{AccessRule, Grant};
use crate::cache::Cache;
use crate::db::Db;
use crate::extract::SortKey;
use crate::response::data_response;
use crate::{Error, FieldError};

/// The cache group of a resource's views: every write to the resource drops it.
pub(crate) const VIEWS_GROUP: &str = "views";

/// A named list view: `GET {path}/{name}` answers the first `limit` rows in `sort` order (the
/// key breaks ties) as `{"success": true, "data": [...]}`, under the list's access rule, and
/// takes no query parameters. With `cache_ttl` the answer is cached (for callers who may see
/// every row) and dropped by every write to the resource.
/// `#[resource(view(name = "popular", sort = "-popularity_score,name", limit = 10, cache = "15m"))]`
/// writes one.
///
/// ```
/// use rustbe_core::extract::SortKey;
/// use rustbe_core::resource::ListView;
/// const POPULAR: ListView = ListView {
///     name: "popular",
///     summary: "The 10 most popular products",
///     sort: &[SortKey::desc("popularity_score"), SortKey::asc("name")],
///     limit: 10,
///     cache_ttl: None,
/// };
/// assert_eq!(POPULAR.limit, 10);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListView {
    /// The path segment after the collection's path.
    pub name: &'static str,
    /// The route's summary in OpenAPI.
    pub summary: &'static str,
    /// The order of the rows (sortable fields or the key).
    pub sort: &'static [SortKey],
    /// How many rows it shows.
    pub limit: u64,
    /// How long its answer stays cached; `None`: not cached.
    pub cache_ttl: Option<Duration>,
}

pub(crate) async fn view<R>(
    view: &'static ListView,
    Db(db): Db,
    request: Request,
) -> Result<Response, Error>
where
    R: Hooks,
    R::Entity: EntityTrait<Model = R>,
{
    let extensions = request.extensions();
    let rule = R::META.list.unwrap_or(AccessRule::Authenticated);
    let grant = rule.authorize_request(extensions)?;
    if let Some(query) = request.uri().query() {
        let unknown: Vec<FieldError> = form_urlencoded::parse(query.as_bytes())
            .map(|(key, _)| {
                let key: String = key.chars().take(64).collect();
                FieldError::new(key, "is not a parameter of this list")
            })
            .collect();
        if !unknown.is_empty() {
            return Err(Error::bad_request("Invalid query string").with_details(unknown));
        }
    }
    let scope = super::scope::Owned::of::<R>(&grant)?;
    let load = || async {
        let select = super::scope::in_scope(
            ListQuery::ordered::<R>(view.sort)?,
            super::scope::read_scope::<R>(extensions.get::<crate::access::Principal>()),
        );
        let Some(select) = scope.restrict(select) else {
            return Ok(Some("[]".to_owned()));
        };
        let mut rows = crate::db::limited(select, view.limit, 0, &db).await?;
        let principal = extensions.get::<crate::access::Principal>();
        super::hooks::after_read(principal, &db, &mut rows).await?;
        let views: Vec<_> = rows.iter().map(R::view).collect();
        serde_json::to_string(&views)
            .map(Some)
            .map_err(Error::internal)
    };
    let cache = extensions.get::<Cache>();
    let json = match (view.cache_ttl, cache, &grant) {
        (Some(ttl), Some(cache), Grant::All) => {
            cache
                .get_or_load_in_group(R::META.collection, VIEWS_GROUP, view.name, ttl, load)
                .await?
        }
        _ => load().await?,
    };
    Ok(data_response(
        StatusCode::OK,
        crate::format::Names::one_only(R::META.collection),
        &json.unwrap_or_else(|| "[]".to_owned()),
    ))
}
