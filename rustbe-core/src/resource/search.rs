//! `q`: the text search of a list, full-text on PostgreSQL and a case-insensitive `LIKE`
//! elsewhere, also for hand-written lists.

use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, SimpleExpr};
use sea_orm::{ColumnTrait, Condition, DbBackend};

use super::Resource;

/// At most this many characters of `q`, counted as sent (before trimming), as the `maxLength`
/// of its parameter in the document counts them.
///
/// ```
/// assert_eq!(rustbe_core::resource::MAX_SEARCH_CHARS, 200);
/// ```
pub const MAX_SEARCH_CHARS: usize = 200;
pub(super) fn search<R: Resource>(
    raw: &str,
    backend: DbBackend,
) -> Result<Option<SimpleExpr>, String> {
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
