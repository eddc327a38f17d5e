//! A server for the derive's load runs (`scripts/bench-resource.sh`): the same table served
//! by `#[derive(Resource)]` under `/api/gen/items` and by hand-written axum + SeaORM
//! handlers doing the same work under `/api/hand/items`: a list with filters, sort and total,
//! a get by id with an ETag, and a create. `DATABASE_URL` picks SQLite or PostgreSQL; 10 000
//! rows are seeded into an empty table at start.

#![allow(clippy::expect_used, reason = "a benchmark tool")]

use axum::Router;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::{HeaderValue, StatusCode, header};
use rustbe_core::Error;
use rustbe_core::app::{App, init_tracing};
use rustbe_core::config::Config;
use rustbe_core::db::Db;
use rustbe_core::extract::{
    Direction, Pagination, Path, Query, Sort, SortFields, SortKey, ValidJson,
};
use rustbe_core::resource::{etag_of, router};
use rustbe_core::response::{Created, Page};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Schema,
};

mod item {
    #![allow(missing_docs, unreachable_pub)]
    use rustbe_core::Resource;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Resource, serde::Serialize)]
    #[sea_orm(table_name = "bench_items")]
    #[resource(path = "/gen/items", access(all = public), default_sort = "price")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[resource(filter, sort, length(min = 1, max = 100))]
        pub name: String,
        #[resource(filter)]
        pub category: String,
        #[resource(filter(range), sort, range(min = 0.01))]
        pub price: f64,
        #[resource(range(min = 0))]
        pub stock: i32,
        #[resource(created_at)]
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

struct ItemSort;

impl SortFields for ItemSort {
    const FIELDS: &'static [&'static str] = &["name", "price"];
    const DEFAULT: &'static [SortKey] = &[SortKey::asc("price")];
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Filters {
    name: Option<String>,
    category: Option<String>,
    min_price: Option<f64>,
    max_price: Option<f64>,
    #[serde(rename = "page")]
    _page: Option<String>,
    #[serde(rename = "limit")]
    _limit: Option<String>,
    #[serde(rename = "sort")]
    _sort: Option<String>,
    #[serde(rename = "order")]
    _order: Option<String>,
}

async fn hand_list(
    Db(db): Db,
    page: Pagination,
    sort: Sort<ItemSort>,
    Query(filters): Query<Filters>,
) -> Result<Page<item::Model>, Error> {
    let mut select = item::Entity::find();
    if let Some(name) = filters.name {
        select = select.filter(item::Column::Name.eq(name));
    }
    if let Some(category) = filters.category {
        select = select.filter(item::Column::Category.eq(category));
    }
    if let Some(min) = filters.min_price {
        select = select.filter(item::Column::Price.gte(min));
    }
    if let Some(max) = filters.max_price {
        select = select.filter(item::Column::Price.lte(max));
    }
    for key in sort.keys() {
        let column = if key.field == "name" {
            item::Column::Name
        } else {
            item::Column::Price
        };
        select = match key.direction {
            Direction::Asc => select.order_by_asc(column),
            Direction::Desc => select.order_by_desc(column),
        };
    }
    let pages = select
        .order_by_asc(item::Column::Id)
        .paginate(&db, page.limit());
    let total = pages.num_items().await?;
    let rows = pages.fetch_page(page.page() - 1).await?;
    Ok(Page::new(rows, page, total))
}

async fn hand_get(Db(db): Db, Path(id): Path<i64>, request: Request) -> Result<Response, Error> {
    let row = item::Entity::find_by_id(id)
        .one(&db)
        .await?
        .ok_or_else(Error::not_found)?;
    let json = serde_json::to_string(&row).map_err(Error::internal)?;
    let etag = etag_of(json.as_bytes());
    let matches = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let etag = HeaderValue::from_str(&etag).map_err(Error::internal)?;
    if matches {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
    }
    let body = format!(r#"{{"success":true,"data":{json}}}"#);
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (header::ETAG, etag),
        ],
        body,
    )
        .into_response())
}

#[derive(serde::Deserialize, validator::Validate)]
struct NewItem {
    #[validate(length(min = 1, max = 100))]
    name: String,
    category: String,
    #[validate(range(min = 0.01))]
    price: f64,
    #[validate(range(min = 0))]
    stock: i32,
}

async fn hand_create(
    Db(db): Db,
    ValidJson(new): ValidJson<NewItem>,
) -> Result<Created<item::Model>, Error> {
    let row = item::ActiveModel {
        id: NotSet,
        name: Set(new.name),
        category: Set(new.category),
        price: Set(new.price),
        stock: Set(new.stock),
        created_at: Set(chrono::Utc::now()),
    }
    .insert(&db)
    .await?;
    Ok(Created::new(format!("/api/hand/items/{}", row.id), row))
}

async fn seed(db: &sea_orm::DatabaseConnection) {
    let backend = db.get_database_backend();
    let create = Schema::new(backend)
        .create_table_from_entity(item::Entity)
        .if_not_exists()
        .to_owned();
    db.execute(&create).await.expect("create table");
    db.execute_unprepared(
        "CREATE INDEX IF NOT EXISTS bench_items_category_price ON bench_items (category, price)",
    )
    .await
    .expect("index");
    if item::Entity::find().count(db).await.expect("count") > 0 {
        return;
    }
    let categories = [
        "shoes", "hats", "bags", "coats", "socks", "belts", "gloves", "scarves", "boots", "shirts",
    ];
    for chunk in (0..10_000_i64).collect::<Vec<_>>().chunks(500) {
        let rows = chunk.iter().map(|n| item::ActiveModel {
            id: NotSet,
            name: Set(format!("Item {n:05}")),
            category: Set(categories[usize::try_from(n % 10).unwrap_or_default()].to_owned()),
            #[allow(clippy::cast_precision_loss, reason = "small numbers")]
            price: Set(((n * 37) % 20_000) as f64 / 100.0 + 0.5),
            stock: Set(i32::try_from(n % 50).unwrap_or_default()),
            created_at: Set(chrono::Utc::now()),
        });
        item::Entity::insert_many(rows)
            .exec(db)
            .await
            .expect("seed");
    }
}

#[tokio::main]
async fn main() {
    let config = Config::from_env("resource-bench").expect("configuration");
    init_tracing(config.log_format);
    let db = rustbe_core::db::connect(&config.database)
        .await
        .expect("database");
    seed(&db).await;
    let hand = Router::new()
        .route("/hand/items", get(hand_list).post(hand_create))
        .route("/hand/items/{id}", get(hand_get));
    let api = Router::new().merge(router::<item::Model>()).merge(hand);
    App::new(config)
        .database(db)
        .api(api)
        .serve()
        .await
        .expect("serve");
}
