//! `GET /api/products` and `GET /api/products/popular`: the catalogue's reads that the
//! `#[resource]` derive does not write (it serves single reads and writes of products).
//!
//! The list takes these query parameters, and answers 400 `BAD_REQUEST` naming every unknown
//! one and every bad value at once (a `page` or `limit` out of range alone is a
//! `VALIDATION_ERROR`, as everywhere):
//!
//! | parameter | rows |
//! |---|---|
//! | `category` | of the category with this id (UUID) or slug; an unknown one gives an empty list |
//! | `min_price`, `max_price` | whose price is at least / at most this (inclusive) |
//! | `in_stock` | `true`: `stock_quantity > 0`; `false`: `stock_quantity = 0` |
//! | `q` | whose name or description matches: full-text search on PostgreSQL (the expression of the GIN index `idx_products_search`), a case-insensitive substring elsewhere |
//! | `sort`, `order` | `name`, `price`, `created_at`, `popularity_score`; default `-created_at`, the id breaks ties |
//! | `page`, `limit` | the page, from 1, and its size (the app's bounds) |
//!
//! The category is resolved in a scalar subquery; the page and its total come from
//! `rustbe_core::resource::fetch_page`, as the generated lists' do (one statement on
//! PostgreSQL). Rows look exactly as `GET /api/products/{id}` shows them.
//!
//! `/products/popular` is the top 10 by `popularity_score` (ties by name), cached 15 minutes
//! under `products`/`popular`: writes to products do not refresh it sooner.

use rustbe_core::resource::{MAX_SEARCH_CHARS, fetch_page, order_by, text_search};
use std::time::Duration;

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rustbe_core::cache::Cache;
use rustbe_core::extract::{Pagination, PaginationLimits, Query, Sort, SortFields, SortKey};
use rustbe_core::response::{Page, Single};
use rustbe_core::{Error, ErrorCode, FieldError, Resource as _};
use sea_orm::sea_query::{ExprTrait, Query as Sql, SimpleExpr};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbBackend, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use utoipa::openapi::OpenApi;
use utoipa::openapi::path::{HttpMethod, PathItem, PathsBuilder};
use uuid::Uuid;

use super::doc;
use crate::entities::{category, checks, product};

/// How long `/products/popular` stays cached.
const POPULAR_TTL: Duration = Duration::from_secs(15 * 60);
/// How many products `/products/popular` shows.
const POPULAR_COUNT: u64 = 10;

/// The routes, relative to `/api`: `GET /products` and `GET /products/popular`.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use rustbe_core::testing::TestRequest;
/// let config = rustbe_core::config::Config::for_tests(shop::APP_NAME);
/// let db = rustbe_core::db::connect(&config.database).await.unwrap();
/// let router = shop::app(config, db).await.unwrap().into_router(); // merges `routes::products::router`
/// let list = TestRequest::get("/api/products?in_stock=true&sort=-price").send(&router).await;
/// assert_eq!(list.json()["pagination"]["total"], 0);
/// let bad = TestRequest::get("/api/products?colour=red").send(&router).await;
/// assert_eq!(bad.json()["error"]["details"][0]["field"], "colour");
/// # });
/// ```
pub fn router(db: DatabaseConnection) -> Router {
    Router::new()
        .route("/products", get(list))
        .route("/products/popular", get(popular))
        .with_state(db)
}

struct ProductSort;

impl SortFields for ProductSort {
    const FIELDS: &'static [&'static str] = &["name", "price", "created_at", "popularity_score"];
    const DEFAULT: &'static [SortKey] = &[SortKey::desc("created_at")];
}

fn sort_column(field: &str) -> product::Column {
    match field {
        "name" => product::Column::Name,
        "price" => product::Column::Price,
        "popularity_score" => product::Column::PopularityScore,
        _ => product::Column::CreatedAt,
    }
}

/// The condition of every filter in `pairs`, or a detail for each parameter that is unknown,
/// repeated or bad. `page`, `limit`, `sort` and `order` are left to their own parsers.
fn filters(pairs: &[(String, String)], backend: DbBackend) -> (Condition, Vec<FieldError>) {
    let mut errors = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    let mut condition = Condition::all();
    for (key, value) in pairs {
        if matches!(key.as_str(), "page" | "limit" | "sort" | "order") {
            continue;
        }
        let name: String = key.chars().take(64).collect();
        if seen.contains(&key.as_str()) {
            errors.push(FieldError::new(name, "must be given at most once"));
            continue;
        }
        seen.push(key);
        let parsed = match key.as_str() {
            "category" => category_filter(value).map(Some),
            "min_price" => price(value).map(|p| Some(product::Column::Price.gte(p))),
            "max_price" => price(value).map(|p| Some(product::Column::Price.lte(p))),
            "in_stock" => in_stock(value).map(Some),
            "q" => text_search(
                &[product::Column::Name, product::Column::Description],
                "simple",
                value,
                backend,
            ),
            _ => Err("is not a parameter of this list".to_owned()),
        };
        match parsed {
            Ok(Some(expr)) => condition = condition.add(expr),
            Ok(None) => {}
            Err(message) => errors.push(FieldError::new(name, message)),
        }
    }
    (condition, errors)
}

/// `category`: an id or a slug. A UUID-shaped value is the category with that id, else the one
/// whose slug it is; anything else a slug. The category is resolved by a scalar subquery, so
/// the filter is `category_id = (…)`: an equality that the `(category_id, price)` index
/// serves in price order (`category_id IN (…)` made SQLite sort every matching row).
fn category_filter(raw: &str) -> Result<SimpleExpr, String> {
    let raw = raw.trim();
    let one = |condition: SimpleExpr| {
        SimpleExpr::SubQuery(
            None,
            Box::new(sea_orm::sea_query::SubQueryStatement::SelectStatement(
                Sql::select()
                    .column(category::Column::Id)
                    .from(category::Entity)
                    .and_where(condition)
                    .limit(1)
                    .to_owned(),
            )),
        )
    };
    let by_slug = one(category::Column::Slug.eq(raw));
    let category = match Uuid::parse_str(raw) {
        Ok(id) => SimpleExpr::FunctionCall(sea_orm::sea_query::Func::coalesce([
            one(category::Column::Id.eq(id)),
            by_slug,
        ])),
        Err(_) if raw.len() <= 100 && !raw.is_empty() && checks::slug(raw).is_ok() => by_slug,
        Err(_) => return Err("must be a category id (UUID) or slug".to_owned()),
    };
    Ok(sea_orm::sea_query::Expr::col((product::Entity, product::Column::CategoryId)).eq(category))
}

fn price(raw: &str) -> Result<f64, String> {
    match raw.trim().parse::<f64>() {
        Ok(price) if price.is_finite() => Ok(price),
        _ => Err("must be a number".to_owned()),
    }
}

fn in_stock(raw: &str) -> Result<SimpleExpr, String> {
    match raw.trim() {
        "true" => Ok(product::Column::StockQuantity.gt(0)),
        "false" => Ok(product::Column::StockQuantity.eq(0)),
        _ => Err("must be true or false".to_owned()),
    }
}

async fn list(
    State(db): State<DatabaseConnection>,
    limits: PaginationLimits,
    RawQuery(raw): RawQuery,
) -> Result<Response, Error> {
    let query = raw.as_deref();
    let Query(pairs) = Query::<Vec<(String, String)>>::parse(query.unwrap_or_default())?;
    let (condition, mut errors) = filters(&pairs, db.get_database_backend());
    let sort = Sort::<ProductSort>::parse(query);
    let page = Pagination::parse(query, limits);
    if let Err(err) = &sort {
        errors.extend(err.details().iter().cloned());
    }
    if let Err(err) = &page
        && err.code() == ErrorCode::BadRequest
    {
        errors.extend(err.details().iter().cloned());
    }
    if !errors.is_empty() {
        return Err(Error::bad_request("Invalid query string").with_details(errors));
    }
    let (sort, page) = (sort?, page?);

    let select = order_by(
        product::Entity::find().filter(condition.clone()),
        sort.keys(),
        sort_column,
    );
    let (rows, total) = fetch_page(select.order_by_asc(product::Column::Id), page, &db).await?;
    let views: Vec<_> = rows.iter().map(|row| row.view()).collect();
    Ok(Page::new(views, page, total).into_response())
}

async fn popular(
    State(db): State<DatabaseConnection>,
    cache: Cache,
) -> Result<Single<Vec<serde_json::Value>>, Error> {
    let load = || async {
        let rows = product::Entity::find()
            .order_by_desc(product::Column::PopularityScore)
            .order_by_asc(product::Column::Name)
            .order_by_asc(product::Column::Id)
            .limit(POPULAR_COUNT)
            .all(&db)
            .await?;
        rows.iter()
            .map(|row| serde_json::to_value(row.view()).map_err(Error::internal))
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    };
    let rows = cache
        .get_or_load("products", "popular", POPULAR_TTL, load)
        .await?;
    Ok(Single(rows.unwrap_or_default()))
}

/// The OpenAPI document of these routes: `GET /api/products` (merged with the derive's
/// `POST` on the same path) and `GET /api/products/popular`, tag `products`.
///
/// ```
/// let doc = serde_json::to_value(shop::routes::products::openapi()).unwrap();
/// let list = &doc["paths"]["/api/products"]["get"];
/// assert_eq!(list["tags"][0], "products");
/// let names: Vec<_> = list["parameters"].as_array().unwrap().iter().map(|p| p["name"].clone()).collect();
/// for name in ["category", "min_price", "max_price", "in_stock", "q", "sort", "order", "page", "limit"] {
///     assert!(names.contains(&name.into()), "{name}");
/// }
/// assert!(doc["paths"]["/api/products/popular"]["get"].is_object());
/// ```
#[must_use]
pub fn openapi() -> OpenApi {
    use doc::{
        BAD_QUERY, UNAVAILABLE, boolean, data, errors, number, operation, paged, query, reference,
    };
    let product = || reference("Product");
    let mut list = operation(
        "products",
        "List products, filtered, searched and sorted",
        false,
    );
    for parameter in doc::page_parameters() {
        list = list.parameter(parameter);
    }
    for parameter in doc::sort_parameters(ProductSort::FIELDS, "-created_at") {
        list = list.parameter(parameter);
    }
    list = list
        .parameter(query(
            "category",
            utoipa::openapi::schema::ObjectBuilder::new()
                .schema_type(utoipa::openapi::schema::SchemaType::Type(
                    utoipa::openapi::schema::Type::String,
                ))
                // A slug (a lower-case UUID is one too), at most 100 characters.
                .pattern(Some("^[a-z0-9]([a-z0-9-]{0,98}[a-z0-9])?$"))
                .into(),
            "Products of the category with this id (UUID) or slug; an unknown slug gives an empty list",
        ))
        .parameter(query("min_price", number(), "Products whose price is at least this"))
        .parameter(query("max_price", number(), "Products whose price is at most this"))
        .parameter(query(
            "in_stock",
            boolean(),
            "`true`: products in stock (`stock_quantity > 0`); `false`: sold out",
        ))
        .parameter(query(
            "q",
            utoipa::openapi::schema::ObjectBuilder::new()
                .schema_type(utoipa::openapi::schema::SchemaType::Type(
                    utoipa::openapi::schema::Type::String,
                ))
                .max_length(Some(MAX_SEARCH_CHARS))
                .into(),
            "Full-text search over name and description (at most 200 characters)",
        ))
        .response("200", doc::ok("A page of products, with its `pagination`", paged(product())));
    let list = errors(list, &[BAD_QUERY, UNAVAILABLE]);

    let popular = operation(
        "products",
        "The 10 most popular products (cached for 15 minutes)",
        false,
    )
    .response(
        "200",
        doc::ok(
            "The products, most popular first",
            data(doc::array(product())),
        ),
    );
    let popular = errors(popular, &[UNAVAILABLE]);

    let paths = PathsBuilder::new()
        .path(
            "/api/products",
            PathItem::new(HttpMethod::Get, list.build()),
        )
        .path(
            "/api/products/popular",
            PathItem::new(HttpMethod::Get, popular.build()),
        );
    doc::document(
        paths,
        vec![(
            "Product".to_owned(),
            <product::Model as rustbe_core::Resource>::schemas()
                .view
                .into(),
        )],
        ("products", "The catalogue's products"),
    )
}
