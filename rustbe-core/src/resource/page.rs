//! Ordering and fetching one page: [`order_by`] and [`fetch_page`] (rows and total in one
//! statement), for generated and hand-written lists alike.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ConnectionTrait, DbBackend, EntityTrait, Order, PaginatorTrait, QueryOrder, QuerySelect, Select,
};

use crate::Error;
use crate::extract::{Direction, Pagination, SortKey};

/// SeaORM's order of a sort direction.
pub(super) fn order(direction: Direction) -> Order {
    match direction {
        Direction::Asc => Order::Asc,
        Direction::Desc => Order::Desc,
    }
}

/// The alias of the window count.
const TOTAL: &str = "__rustbe_total";

/// `select` ordered by `keys` (from [`Sort`](crate::extract::Sort) or
/// [`parse_sort`](crate::extract::parse_sort)), each field mapped to its column by `column`.
///
/// ```
/// use rustbe_core::extract::SortKey;
/// use rustbe_core::resource::order_by;
/// use sea_orm::{DbBackend, EntityTrait, QueryTrait, entity::prelude::*};
/// # #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
/// # #[sea_orm(table_name = "users")]
/// # pub struct Model { #[sea_orm(primary_key)] pub id: i32, pub name: String }
/// # #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
/// # pub enum Relation {}
/// # impl ActiveModelBehavior for ActiveModel {}
/// let keys = [SortKey::desc("name")];
/// let sql = order_by(Entity::find(), &keys, |_| Column::Name).build(DbBackend::Sqlite).to_string();
/// assert!(sql.ends_with(r#"ORDER BY "users"."name" DESC"#));
/// ```
pub fn order_by<E: EntityTrait>(
    mut select: Select<E>,
    keys: &[SortKey],
    column: impl Fn(&'static str) -> E::Column,
) -> Select<E> {
    for key in keys {
        select = select.order_by(column(key.field), order(key.direction));
    }
    select
}

/// One page of `select` (filtered and ordered by the caller) and the number of rows of all
/// pages, in as few statements as the backend makes cheapest:
///
/// - PostgreSQL: one statement, the page with a window count (`COUNT(*) OVER ()`), one round
///   trip;
/// - SQLite, in process: the `LIMIT`ed page (its numbers written into the SQL, see
///   [`limited`](crate::db::limited)), then a `COUNT`, each of which an index can serve
///   (a window count must visit every matching row first; measured in `docs/benchmarks.md`);
/// - a short page that is not past the end needs no count on either; a page past the end
///   costs a `COUNT`, since no row carries the total.
///
/// The derive's lists use it; hand-written lists use it for the same behaviour.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use rustbe_core::extract::{Pagination, PaginationLimits};
/// use rustbe_core::resource::fetch_page;
/// use sea_orm::{EntityTrait, QueryOrder, entity::prelude::*};
/// # #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
/// # #[sea_orm(table_name = "tags")]
/// # pub struct Model { #[sea_orm(primary_key)] pub id: i32, pub name: String }
/// # #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
/// # pub enum Relation {}
/// # impl ActiveModelBehavior for ActiveModel {}
/// let test_db = rustbe_core::testing::TestDb::sqlite().await;
/// test_db.execute("CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL)").await;
/// test_db.execute("INSERT INTO tags (name) VALUES ('a'), ('b'), ('c')").await;
/// let page = Pagination::parse(Some("page=2&limit=2"), PaginationLimits::default()).unwrap();
/// let (rows, total) = fetch_page(Entity::find().order_by_asc(Column::Id), page, &test_db.db).await.unwrap();
/// assert_eq!((rows.len(), total), (1, 3));
/// # });
/// ```
///
/// # Errors
/// The database's, mapped as every database error is.
pub async fn fetch_page<E, C>(
    select: Select<E>,
    page: Pagination,
    db: &C,
) -> Result<(Vec<E::Model>, u64), Error>
where
    E: EntityTrait,
    E::Model: Send + Sync,
    C: ConnectionTrait,
{
    let window = db.get_database_backend() == DbBackend::Postgres;
    let counter = select.clone();
    let (rows, counted) = if window {
        let rows: Vec<Counted<E::Model>> = select
            .limit(page.limit())
            .offset(page.offset())
            .expr_as(Expr::cust("COUNT(*) OVER ()"), TOTAL)
            .into_model::<Counted<E::Model>>()
            .all(db)
            .await?;
        let total = rows.first().map(|r| r.total);
        (rows.into_iter().map(|r| r.row).collect::<Vec<_>>(), total)
    } else {
        (
            crate::db::limited(select, page.limit(), page.offset(), db).await?,
            None,
        )
    };
    let fetched = u64::try_from(rows.len()).unwrap_or(u64::MAX);
    let total = match counted {
        Some(total) => u64::try_from(total).unwrap_or_default(),
        // A short page that is not past the end holds the last rows.
        None if fetched < page.limit() && (fetched > 0 || page.offset() == 0) => {
            page.offset() + fetched
        }
        None => counter.count(db).await?,
    };
    Ok((rows, total))
}

/// A row with the window count of its list.
struct Counted<R> {
    row: R,
    total: i64,
}

impl<R: sea_orm::FromQueryResult> sea_orm::FromQueryResult for Counted<R> {
    fn from_query_result(res: &sea_orm::QueryResult, pre: &str) -> Result<Self, sea_orm::DbErr> {
        Ok(Self {
            row: R::from_query_result(res, pre)?,
            total: res.try_get(pre, TOTAL)?,
        })
    }
}
