//! The list query: filters, search, sort and pagination, parsed against the allowlists and
//! turned into one `SELECT`.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, SimpleExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, IdenStatic, Order,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};

use super::{ColumnOf, Resource};
use crate::extract::{Direction, Pagination, PaginationLimits, SortKey, parse_sort};
use crate::{Error, FieldError};

/// A filtered field and the forms its filter takes in the query string.
///
/// ```
/// use rustbe_core::resource::Filter;
/// // `?price=…`, `?min_price=…&max_price=…`, `?price_in=1,2`
/// let price = Filter {
///     field: "price",
///     eq: true,
///     range: true,
///     any_of: true,
///     schema: <f64 as rustbe_core::resource::FieldSchema>::schema,
/// };
/// assert!(price.range);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Filter {
    /// The field (JSON name).
    pub field: &'static str,
    /// `?field=value`.
    pub eq: bool,
    /// `?min_field=…` and `?max_field=…` (inclusive).
    pub range: bool,
    /// `?field_in=a,b,c`.
    pub any_of: bool,
    /// The schema of one value (the field's type, without its rules), as OpenAPI shows the
    /// parameters.
    pub schema: fn() -> utoipa::openapi::schema::Schema,
}

/// At most this many values in one `_in` filter.
const MAX_IN_VALUES: usize = 100;
/// At most this many characters of `q`, counted as sent (before trimming), as the `maxLength`
/// of its parameter in the document counts them.
///
/// ```
/// assert_eq!(rustbe_core::resource::MAX_SEARCH_CHARS, 200);
/// ```
pub const MAX_SEARCH_CHARS: usize = 200;
/// The alias of the window count.
const TOTAL: &str = "__rustbe_total";

/// How a list is paged.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Paging {
    /// `page` and `limit`, with a total.
    Page(Pagination),
    /// `cursor` and `limit`: rows after the cursor's position.
    Cursor {
        limit: u64,
        after: Option<Vec<serde_json::Value>>,
    },
}

/// A list query checked against a resource's allowlists: what to select, in which order,
/// and which page.
///
/// ```
/// # use rustbe_core::resource::ListQuery;
/// // Built by the generated list handler from the request's query string; unknown
/// // parameters, bad values and unknown sort fields are 400s naming the parameter.
/// fn takes(_: &ListQuery) {}
/// ```
#[derive(Debug)]
pub struct ListQuery {
    pub(crate) condition: Condition,
    pub(crate) sort: Vec<SortKey>,
    pub(crate) paging: Paging,
}

fn bad(parameter: &str, message: impl Into<String>) -> FieldError {
    FieldError::new(parameter.to_owned(), message.into())
}

impl ListQuery {
    /// Parses `query` for resource `R` on `backend` (which picks the text search).
    pub(crate) fn parse<R: Resource>(
        query: Option<&str>,
        limits: PaginationLimits,
        backend: DbBackend,
    ) -> Result<Self, Error> {
        let meta = &R::META;
        let mut errors = Vec::new();
        let mut seen: Vec<String> = Vec::new();
        let mut condition = Condition::all();
        let (mut sort, mut order, mut cursor) = (None, None, None);
        for (key, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
            if seen.iter().any(|k| *k == key) {
                errors.push(bad(&key, "must be given at most once"));
                continue;
            }
            seen.push(key.to_string());
            match &*key {
                "limit" => {}
                "page" | "offset" if !meta.cursor => {}
                "cursor" if meta.cursor => cursor = Some(value.into_owned()),
                "sort" => sort = Some(value.into_owned()),
                "order" => order = Some(value.into_owned()),
                "q" if !meta.search.is_empty() => match search::<R>(&value, backend) {
                    Ok(Some(expr)) => condition = condition.add(expr),
                    Ok(None) => {}
                    Err(message) => errors.push(bad("q", message)),
                },
                other => {
                    if let Some(custom) = meta.custom_filters.iter().find(|f| f.name == other) {
                        match (custom.condition)(&value) {
                            Ok(expr) => condition = condition.add(expr),
                            Err(message) => errors.push(bad(other, message)),
                        }
                        continue;
                    }
                    match filter_condition::<R>(other, &value) {
                        Some(Ok(expr)) => condition = condition.add(expr),
                        Some(Err(message)) => errors.push(bad(other, message)),
                        None => {
                            let name: String = other.chars().take(64).collect();
                            errors.push(bad(&name, "is not a parameter of this list"));
                        }
                    }
                }
            }
        }
        let sort = parse_sort(
            meta.sorts,
            meta.default_sort,
            sort.as_deref(),
            order.as_deref(),
        );
        let paging = if meta.cursor {
            Pagination::parse(query, limits).map(|p| Paging::Cursor {
                limit: p.limit(),
                after: None,
            })
        } else {
            Pagination::parse(query, limits).map(Paging::Page)
        };
        // One 400 names every bad parameter: the filters', the sort's, and a malformed `page`
        // or `limit` (one out of bounds alone stays a `VALIDATION_ERROR`).
        if !errors.is_empty() {
            if let Err(err) = &sort {
                errors.extend(err.details().iter().cloned());
            }
            if let Err(err) = &paging
                && err.code() == crate::ErrorCode::BadRequest
            {
                errors.extend(err.details().iter().cloned());
            }
            return Err(Error::bad_request("Invalid query string").with_details(errors));
        }
        let sort = sort?;
        let mut paging = paging?;
        if let (Paging::Cursor { after, .. }, Some(cursor)) = (&mut paging, cursor) {
            *after = Some(decode_cursor(&cursor, &sort)?);
        }
        Ok(Self {
            condition,
            sort,
            paging,
        })
    }

    /// Adds `column = value` (an owner or a parent).
    pub(crate) fn require<R: Resource>(
        &mut self,
        field: &str,
        value: sea_orm::Value,
    ) -> Result<(), Error> {
        let column = R::column(field).ok_or_else(|| unmapped(field))?;
        let condition = std::mem::replace(&mut self.condition, Condition::all());
        self.condition = condition.add(column.eq(value));
        Ok(())
    }

    /// The `SELECT` of the list: filtered and ordered (the key breaks ties); in cursor mode
    /// also limited, with the keyset condition (one row more than the page, to know whether
    /// there is a next one). Page mode is paged by [`fetch_page`].
    pub(crate) fn select<R: Resource>(&self) -> Result<Select<R::Entity>, Error> {
        let keys = keys::<R>(&self.sort)?;
        let mut select = R::Entity::find().filter(self.condition.clone());
        for (column, direction) in &keys {
            select = select.order_by(*column, order(*direction));
        }
        match &self.paging {
            Paging::Page(_) => Ok(select),
            Paging::Cursor { limit, after } => {
                if let Some(after) = after {
                    select = select.filter(self.keyset::<R>(&keys, after)?);
                }
                Ok(select.limit(limit.saturating_add(1)))
            }
        }
    }

    /// Every row of `R` in `sort` order (the key breaks ties): a named view's `SELECT`.
    pub(crate) fn ordered<R: Resource>(sort: &[SortKey]) -> Result<Select<R::Entity>, Error> {
        let mut select = R::Entity::find();
        for (column, direction) in keys::<R>(sort)? {
            select = select.order_by(column, order(direction));
        }
        Ok(select)
    }

    /// Rows after `values` in the order of `keys`: `(a > x) OR (a = x AND b > y) OR …`.
    fn keyset<R: Resource>(
        &self,
        keys: &[(ColumnOf<R>, Direction)],
        values: &[serde_json::Value],
    ) -> Result<Condition, Error> {
        if values.len() != keys.len() {
            return Err(bad_cursor());
        }
        let mut sql_values = Vec::with_capacity(values.len());
        for (index, value) in values.iter().enumerate() {
            let field = self
                .sort
                .get(index)
                .map_or_else(|| key_field::<R>(), |s| s.field);
            sql_values.push(R::parse_cursor_value(field, value.clone()).map_err(|_| bad_cursor())?);
        }
        let mut any = Condition::any();
        for (i, (column, direction)) in keys.iter().enumerate() {
            let mut all = Condition::all();
            for (j, (previous, _)) in keys.iter().enumerate().take(i) {
                all = all.add(previous.eq(sql_values[j].clone()));
            }
            let value = sql_values[i].clone();
            all = all.add(match direction {
                Direction::Asc => column.gt(value),
                Direction::Desc => column.lt(value),
            });
            any = any.add(all);
        }
        Ok(any)
    }

    /// The cursor that continues after `last` (the last row of a full page).
    pub(crate) fn cursor_after<R: Resource>(&self, last: &R) -> String {
        let mut values: Vec<serde_json::Value> = self
            .sort
            .iter()
            .map(|s| last.cursor_value(s.field))
            .collect();
        let key = key_field::<R>();
        if !self
            .sort
            .iter()
            .any(|s| R::column(s.field).map(|c| c.as_str()) == Some(R::key_column().as_str()))
        {
            values.push(last.cursor_value(key));
        }
        let payload = serde_json::json!({ "s": signature(&self.sort), "v": values });
        URL_SAFE_NO_PAD.encode(payload.to_string())
    }

    pub(crate) fn paging(&self) -> &Paging {
        &self.paging
    }
}

/// The sort columns, then the key (unless a sort field is already the key).
fn keys<R: Resource>(sort: &[SortKey]) -> Result<Vec<(ColumnOf<R>, Direction)>, Error> {
    let key = R::key_column();
    let mut keys = Vec::with_capacity(sort.len() + 1);
    for sort in sort {
        let column = R::column(sort.field).ok_or_else(|| unmapped(sort.field))?;
        keys.push((column, sort.direction));
    }
    if !keys.iter().any(|(c, _)| c.as_str() == key.as_str()) {
        keys.push((key, Direction::Asc));
    }
    Ok(keys)
}

/// The JSON name of the key field: the field whose column is the key column.
fn key_field<R: Resource>() -> &'static str {
    R::META.key
}

fn unmapped(field: &str) -> Error {
    Error::internal(format!("resource field `{field}` has no column"))
}

fn bad_cursor() -> Error {
    Error::bad_request("Invalid query string")
        .with_details([FieldError::new("cursor", "is not a cursor of this list")])
}

fn signature(sort: &[SortKey]) -> String {
    sort.iter()
        .map(|k| match k.direction {
            Direction::Asc => k.field.to_owned(),
            Direction::Desc => format!("-{}", k.field),
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn decode_cursor(cursor: &str, sort: &[SortKey]) -> Result<Vec<serde_json::Value>, Error> {
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor.trim())
        .map_err(|_| bad_cursor())?;
    let payload: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| bad_cursor())?;
    if payload["s"].as_str() != Some(signature(sort).as_str()) {
        return Err(Error::bad_request("Invalid query string")
            .with_details([FieldError::new("cursor", "was made for another sort order")]));
    }
    match payload.get("v") {
        Some(serde_json::Value::Array(values)) => Ok(values.clone()),
        _ => Err(bad_cursor()),
    }
}

fn order(direction: Direction) -> Order {
    match direction {
        Direction::Asc => Order::Asc,
        Direction::Desc => Order::Desc,
    }
}

/// The condition of filter parameter `parameter`, or `None` when it is no filter of `R`.
fn filter_condition<R: Resource>(parameter: &str, raw: &str) -> Option<Result<SimpleExpr, String>> {
    let filters = R::META.filters;
    let find = |field: &str, want: fn(&Filter) -> bool| {
        filters.iter().find(|f| f.field == field && want(f))
    };
    let (filter, form) = if let Some(f) = find(parameter, |f| f.eq) {
        (f, Form::Eq)
    } else if let Some(f) = parameter
        .strip_prefix("min_")
        .and_then(|n| find(n, |f| f.range))
    {
        (f, Form::Min)
    } else if let Some(f) = parameter
        .strip_prefix("max_")
        .and_then(|n| find(n, |f| f.range))
    {
        (f, Form::Max)
    } else if let Some(f) = parameter
        .strip_suffix("_in")
        .and_then(|n| find(n, |f| f.any_of))
    {
        (f, Form::In)
    } else {
        return None;
    };
    let column = R::column(filter.field)?;
    let parse = |raw: &str| R::parse_field(filter.field, raw);
    Some(match form {
        Form::Eq => parse(raw).map(|v| column.eq(v)),
        Form::Min => parse(raw).map(|v| column.gte(v)),
        Form::Max => parse(raw).map(|v| column.lte(v)),
        Form::In => {
            let items: Vec<&str> = raw.split(',').map(str::trim).collect();
            if items.len() > MAX_IN_VALUES {
                return Some(Err(format!("may list at most {MAX_IN_VALUES} values")));
            }
            if items.iter().any(|i| i.is_empty()) {
                return Some(Err("must be a comma-separated list of values".to_owned()));
            }
            items
                .into_iter()
                .map(parse)
                .collect::<Result<Vec<_>, _>>()
                .map(|values| column.is_in(values))
        }
    })
}

#[derive(Clone, Copy)]
enum Form {
    Eq,
    Min,
    Max,
    In,
}

fn search<R: Resource>(raw: &str, backend: DbBackend) -> Result<Option<SimpleExpr>, String> {
    let mut columns = Vec::with_capacity(R::META.search.len());
    for field in R::META.search {
        columns
            .push(R::column(field).ok_or_else(|| format!("search field `{field}` has no column"))?);
    }
    text_search(&columns, R::META.search_language, raw, backend)
}

/// `q`, the text search of a list over `columns`: on PostgreSQL full-text search with the
/// expression an index
/// `USING GIN (to_tsvector('<language>', coalesce(a, '') || ' ' || coalesce(b, '')))` serves;
/// elsewhere [`contains_ignore_case`]. A blank `q` is no condition (`None`); one longer than
/// [`MAX_SEARCH_CHARS`] as sent (surrounding spaces count, as they do for the parameter's
/// `maxLength`), or a `language` that is not `[a-z_]+`, is a message for the client.
///
/// ```
/// use rustbe_core::resource::text_search;
/// use sea_orm::{DbBackend, entity::prelude::*};
/// # #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
/// # #[sea_orm(table_name = "books")]
/// # pub struct Model { #[sea_orm(primary_key)] pub id: i32, pub title: String, pub blurb: String }
/// # #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
/// # pub enum Relation {}
/// # impl ActiveModelBehavior for ActiveModel {}
/// let columns = [Column::Title, Column::Blurb];
/// assert!(text_search(&columns, "simple", "  ", DbBackend::Postgres).unwrap().is_none());
/// assert!(text_search(&columns, "simple", "dune", DbBackend::Postgres).unwrap().is_some());
/// assert!(text_search(&columns, "simple", &"x".repeat(201), DbBackend::Sqlite).is_err());
/// assert!(text_search(&columns, "simple", &format!("{} ", "x".repeat(200)), DbBackend::Sqlite).is_err());
/// assert!(text_search(&columns, "simple", &" ".repeat(200), DbBackend::Sqlite).unwrap().is_none());
/// ```
///
/// # Errors
/// A message for the client, under the parameter `q`.
pub fn text_search<C: ColumnTrait>(
    columns: &[C],
    language: &str,
    raw: &str,
    backend: DbBackend,
) -> Result<Option<SimpleExpr>, String> {
    if raw.chars().count() > MAX_SEARCH_CHARS {
        return Err(format!(
            "must be at most {MAX_SEARCH_CHARS} characters long"
        ));
    }
    let q = raw.trim();
    if q.is_empty() {
        return Ok(None);
    }
    if backend == DbBackend::Postgres {
        if !language
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b == b'_')
        {
            return Err("search is misconfigured".to_owned());
        }
        let document = columns
            .iter()
            .map(|c| format!("coalesce(\"{}\", '')", c.as_str().replace('"', "\"\"")))
            .collect::<Vec<_>>()
            .join(" || ' ' || ");
        let sql =
            format!("to_tsvector('{language}', {document}) @@ plainto_tsquery('{language}', $1)");
        return Ok(Some(Expr::cust_with_values(sql, [q.to_owned()])));
    }
    Ok(Some(
        contains_ignore_case(columns.iter().copied(), q).into(),
    ))
}

/// Rows where any of `columns` contains `text`, ignoring case: `LOWER(column) LIKE '%text%'`
/// with `%`, `_` and `\` in `text` escaped, so a client's text matches only itself. The
/// fallback search of the derive; hand-written lists use it for the same behaviour.
///
/// ```
/// use rustbe_core::resource::contains_ignore_case;
/// use sea_orm::{DbBackend, EntityTrait, QueryFilter, QueryTrait, entity::prelude::*};
/// # #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
/// # #[sea_orm(table_name = "users")]
/// # pub struct Model { #[sea_orm(primary_key)] pub id: i32, pub name: String, pub email: String }
/// # #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
/// # pub enum Relation {}
/// # impl ActiveModelBehavior for ActiveModel {}
/// let sql = Entity::find()
///     .filter(contains_ignore_case([Column::Name, Column::Email], "50%_off"))
///     .build(DbBackend::Sqlite)
///     .to_string();
/// assert!(sql.contains(r"LIKE '%50\%\_off%' ESCAPE '\'"));
/// ```
pub fn contains_ignore_case<C: ColumnTrait>(
    columns: impl IntoIterator<Item = C>,
    text: &str,
) -> Condition {
    let pattern = format!(
        "%{}%",
        text.to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let mut any = Condition::any();
    for column in columns {
        any = any.add(
            Expr::expr(Func::lower(Expr::col(column)))
                .like(LikeExpr::new(pattern.as_str()).escape('\\')),
        );
    }
    any
}

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
