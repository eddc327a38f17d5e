//! `/api/products/{id}/reviews`: anyone reads a product's reviews, newest first and
//! paginated; a signed-in user writes one review per product.
//!
//! - `GET` takes `page` and `limit` only (anything else is a 400); an unknown product is a
//!   404. A page and its total come from `rustbe_core::resource::fetch_page`; the product
//!   is looked up only when that page is empty.
//! - `POST` takes `{rating, comment}`: `rating` a whole number from 1 to 5, `comment` 1 to
//!   2000 characters (trimmed). The author is the caller, never the body. A second review of
//!   the same product by the same user is 409 `DUPLICATE_ENTRY` (the unique index
//!   `uq_reviews_product_user` decides, so two racing requests cannot both win). It answers
//!   201 with `Location: /api/products/{id}/reviews/{review_id}`.

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::routing::get;
use chrono::Utc;
use rustbe_core::access::Principal;
use rustbe_core::extract::{Json, Pagination, PaginationLimits, Path, Query};
use rustbe_core::resource::fetch_page;
use rustbe_core::response::{Created, Page};
use rustbe_core::{Error, ErrorCode, FieldError};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde::Deserialize;
use utoipa::openapi::OpenApi;
use utoipa::openapi::path::{HttpMethod, PathItem, PathsBuilder};
use utoipa::{PartialSchema, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::doc;
use crate::entities::{product, review};

/// The routes, relative to `/api`: `GET` and `POST /products/{id}/reviews`.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use rustbe_core::testing::TestRequest;
/// let config = rustbe_core::config::Config::for_tests(shop::APP_NAME);
/// let db = rustbe_core::db::connect(&config.database).await.unwrap();
/// let router = shop::app(config, db).await.unwrap().into_router(); // merges `routes::reviews::router`
/// let path = format!("/api/products/{}/reviews", uuid::Uuid::new_v4());
/// assert_eq!(TestRequest::get(&path).send(&router).await.error_code(), "NOT_FOUND");
/// assert_eq!(TestRequest::post(&path).send(&router).await.error_code(), "UNAUTHORIZED");
/// # });
/// ```
pub fn router(db: DatabaseConnection) -> Router {
    Router::new()
        .route("/products/{id}/reviews", get(list).post(create))
        .with_state(db)
}

async fn product_exists(db: &DatabaseConnection, id: Uuid) -> Result<bool, Error> {
    Ok(product::Entity::find_by_id(id)
        .select_only()
        .column(product::Column::Id)
        .into_tuple::<Uuid>()
        .one(db)
        .await?
        .is_some())
}

async fn list(
    State(db): State<DatabaseConnection>,
    Path(id): Path<Uuid>,
    limits: PaginationLimits,
    RawQuery(raw): RawQuery,
) -> Result<Page<review::Model>, Error> {
    let query = raw.as_deref();
    let Query(pairs) = Query::<Vec<(String, String)>>::parse(query.unwrap_or_default())?;
    let unknown: Vec<FieldError> = pairs
        .iter()
        .filter(|(key, _)| key != "page" && key != "limit")
        .map(|(key, _)| {
            FieldError::new(
                key.chars().take(64).collect::<String>(),
                "is not a parameter of this list",
            )
        })
        .collect();
    let page = Pagination::parse(query, limits);
    if !unknown.is_empty() {
        let mut details = unknown;
        if let Err(err) = &page
            && err.code() == ErrorCode::BadRequest
        {
            details.extend(err.details().iter().cloned());
        }
        return Err(Error::bad_request("Invalid query string").with_details(details));
    }
    let page = page?;
    let select = review::Entity::find()
        .filter(review::Column::ProductId.eq(id))
        .order_by_desc(review::Column::CreatedAt)
        .order_by_desc(review::Column::Id);
    let (rows, total) = fetch_page(select, page, &db).await?;
    // An empty page of a product that does not exist is a 404.
    if rows.is_empty() && !product_exists(&db, id).await? {
        return Err(Error::not_found().with_message("Product not found"));
    }
    Ok(Page::new(rows, page, total))
}

/// The body of `POST /api/products/{id}/reviews`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(as = ReviewCreate)]
struct NewReview {
    /// From 1 to 5.
    #[validate(range(min = 1, max = 5, message = "must be between 1 and 5"))]
    #[schema(minimum = 1, maximum = 5)]
    rating: i32,
    /// 1 to 2000 characters once trimmed.
    #[validate(length(
        min = 1,
        max = 2000,
        message = "must be between 1 and 2000 characters long"
    ))]
    // `rustbe_core::resource::NOT_BLANK_PATTERN`: the comment is trimmed before it is checked.
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = r"[^\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
    )]
    comment: String,
}

async fn create(
    State(db): State<DatabaseConnection>,
    principal: Principal,
    Path(id): Path<Uuid>,
    Json(mut body): Json<NewReview>,
) -> Result<Created<review::Model>, Error> {
    let user_id = Uuid::parse_str(principal.id()).map_err(|_| Error::unauthorized())?;
    body.comment = body.comment.trim().to_owned();
    body.validate()?;
    if !product_exists(&db, id).await? {
        return Err(Error::not_found().with_message("Product not found"));
    }
    let row = review::ActiveModel {
        id: Set(Uuid::new_v4()),
        product_id: Set(id),
        user_id: Set(user_id),
        rating: Set(body.rating),
        comment: Set(body.comment),
        created_at: Set(Utc::now()),
    }
    .insert(&db)
    .await
    .map_err(|err| {
        let err = Error::from(err);
        if err.code() == ErrorCode::DuplicateEntry {
            err.with_message("You have already reviewed this product")
        } else {
            err
        }
    })?;
    Ok(Created::new(
        format!("/api/products/{id}/reviews/{}", row.id),
        row,
    ))
}

/// The OpenAPI document of these routes, tag `reviews`.
///
/// ```
/// let doc = serde_json::to_value(shop::routes::reviews::openapi()).unwrap();
/// let item = &doc["paths"]["/api/products/{id}/reviews"];
/// assert_eq!(item["get"]["tags"][0], "reviews");
/// assert_eq!(item["post"]["security"][0]["bearer_auth"], serde_json::json!([]));
/// assert!(doc["components"]["schemas"]["ReviewCreate"].is_object());
/// ```
#[must_use]
pub fn openapi() -> OpenApi {
    use doc::{UNAUTHORIZED, UNAVAILABLE, UNSUPPORTED, errors, operation, path_id};
    const NOT_FOUND: doc::ErrorResponse = ("404", "No such product (`NOT_FOUND`)");
    let review = || doc::reference("Review");
    let mut list = operation("reviews", "A product's reviews, newest first", false)
        .parameter(path_id("id", "The product"));
    for parameter in doc::page_parameters() {
        list = list.parameter(parameter);
    }
    let list = list.response(
        "200",
        doc::ok(
            "A page of reviews, with its `pagination`",
            doc::paged(review()),
        ),
    );
    let bad_query = (
        "400",
        "The id is not a UUID, or an unknown parameter (`BAD_REQUEST`); `page` or `limit` out of range (`VALIDATION_ERROR`)",
    );
    let list = errors(list, &[bad_query, NOT_FOUND, UNAVAILABLE]);

    let create = operation(
        "reviews",
        "Review a product (once per user and product)",
        true,
    )
    .parameter(path_id("id", "The product"))
    .request_body(Some(doc::body(doc::reference("ReviewCreate"))))
    .response(
        "201",
        doc::created(
            "Created; `Location` is `/api/products/{id}/reviews/{review_id}`",
            doc::data(review()),
        ),
    );
    let create = errors(
        create,
        &[
            (
                "400",
                "The id is not a UUID or the body is malformed (`BAD_REQUEST`), or it breaks rules (`VALIDATION_ERROR`, with `details`)",
            ),
            UNAUTHORIZED,
            NOT_FOUND,
            (
                "409",
                "The caller has already reviewed this product (`DUPLICATE_ENTRY`)",
            ),
            UNSUPPORTED,
            UNAVAILABLE,
        ],
    );

    let mut item = PathItem::new(HttpMethod::Get, list.build());
    item.merge_operations(PathItem::new(HttpMethod::Post, create.build()));
    let mut schemas = Vec::new();
    for (name, schema) in [
        (review::Model::name(), review::Model::schema()),
        (NewReview::name(), NewReview::schema()),
    ] {
        schemas.push((name.into_owned(), schema));
    }
    doc::document(
        PathsBuilder::new().path("/api/products/{id}/reviews", item),
        schemas,
        ("reviews", "Product reviews: one per user and product"),
    )
}
