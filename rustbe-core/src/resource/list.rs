//! The list query: filters, search, sort and pagination, parsed against the allowlists and
//! turned into one `SELECT`.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_orm::sea_query::SimpleExpr;
use sea_orm::{
    ColumnTrait, Condition, DbBackend, EntityTrait, IdenStatic, QueryFilter, QueryOrder,
    QuerySelect, Select,
};

use super::page::order;
use super::search::search;
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
