//! `?sort=` and `?order=`: [`SortKey`]s parsed against a [`SortFields`] allowlist.

use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use http::request::Parts;

use super::params;
use crate::{Error, FieldError};

/// Sort direction.
///
/// ```
/// use rustbe_core::extract::{Direction, parse_sort};
/// let keys = parse_sort(&["price", "name"], &[], Some("-price,name"), None).unwrap();
/// assert_eq!(keys[0].direction, Direction::Desc);
/// assert_eq!(keys[1].direction, Direction::Asc);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Smallest first.
    Asc,
    /// Largest first.
    Desc,
}

/// One field to sort by. `field` is the allowlist's own `&'static str`, so code can match on it.
///
/// ```
/// use rustbe_core::extract::{Direction, SortKey};
/// let key = SortKey { field: "price", direction: Direction::Asc };
/// assert_eq!(key, SortKey::asc("price"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SortKey {
    /// The field, as named in the allowlist.
    pub field: &'static str,
    /// Which way.
    pub direction: Direction,
}

impl SortKey {
    /// Ascending by `field`.
    ///
    /// ```
    /// use rustbe_core::extract::{Direction, SortKey};
    /// let key = SortKey::asc("name");
    /// assert_eq!((key.field, key.direction), ("name", Direction::Asc));
    /// ```
    #[must_use]
    pub const fn asc(field: &'static str) -> Self {
        Self {
            field,
            direction: Direction::Asc,
        }
    }

    /// Descending by `field`.
    ///
    /// ```
    /// use rustbe_core::extract::{Direction, SortKey};
    /// const NEWEST_FIRST: SortKey = SortKey::desc("created_at");
    /// assert_eq!((NEWEST_FIRST.field, NEWEST_FIRST.direction), ("created_at", Direction::Desc));
    /// ```
    #[must_use]
    pub const fn desc(field: &'static str) -> Self {
        Self {
            field,
            direction: Direction::Desc,
        }
    }
}

/// The sortable fields of a list, and its default order.
///
/// ```
/// use rustbe_core::extract::{SortFields, SortKey};
///
/// struct ProductSort;
/// impl SortFields for ProductSort {
///     const FIELDS: &'static [&'static str] = &["name", "price", "created_at"];
///     const DEFAULT: &'static [SortKey] = &[SortKey::desc("created_at")];
/// }
/// ```
pub trait SortFields: Send + Sync + 'static {
    /// The fields a client may sort by.
    const FIELDS: &'static [&'static str];
    /// The order when the client gives none.
    const DEFAULT: &'static [SortKey] = &[];
}

/// Parses `sort` and `order` against an allowlist.
///
/// `sort` is a comma-separated list of fields, each optionally prefixed with `-` for
/// descending (`sort=-price,name`); `order` (`asc` or `desc`) sets the direction of the fields
/// without a prefix (`sort=price&order=desc`), or of the default order when `sort` is absent.
/// A field named again later in the list changes nothing: its first occurrence (and
/// direction) wins, since a later key could never break a tie the earlier one left.
/// Unknown fields, empty items and other `order` values are 400 `BAD_REQUEST` naming the
/// parameter.
///
/// ```
/// use rustbe_core::extract::{parse_sort, SortKey};
/// let keys = parse_sort(&["name", "price"], &[], Some("-price,name"), None).unwrap();
/// assert_eq!(keys, [SortKey::desc("price"), SortKey::asc("name")]);
/// let keys = parse_sort(&["name", "price"], &[], Some("price"), Some("desc")).unwrap();
/// assert_eq!(keys, [SortKey::desc("price")]);
/// let keys = parse_sort(&["name", "price"], &[], Some("-price,name,price"), None).unwrap();
/// assert_eq!(keys, [SortKey::desc("price"), SortKey::asc("name")]);
/// assert!(parse_sort(&["name"], &[], Some("password_hash"), None).is_err());
/// ```
pub fn parse_sort(
    allowed: &'static [&'static str],
    default: &[SortKey],
    sort: Option<&str>,
    order: Option<&str>,
) -> Result<Vec<SortKey>, Error> {
    let bare = match order.map(|o| o.trim().to_ascii_lowercase()).as_deref() {
        None | Some("asc") => Direction::Asc,
        Some("desc") => Direction::Desc,
        Some(_) => return Err(bad("order", "must be `asc` or `desc`".to_owned())),
    };
    let Some(sort) = sort else {
        return Ok(default
            .iter()
            .map(|k| match order {
                Some(_) => SortKey {
                    field: k.field,
                    direction: bare,
                },
                None => *k,
            })
            .collect());
    };
    let mut keys: Vec<SortKey> = Vec::new();
    for item in sort.split(',') {
        let item = item.trim();
        let (name, direction) = match item.strip_prefix('-') {
            Some(name) => (name, Direction::Desc),
            None => (item, bare),
        };
        if name.is_empty() {
            return Err(bad(
                "sort",
                "must be a comma-separated list of field names".to_owned(),
            ));
        }
        let Some(field) = allowed.iter().copied().find(|f| *f == name) else {
            let name: String = name.chars().take(64).collect();
            return Err(bad(
                "sort",
                format!(
                    "cannot sort by `{name}`; sortable fields: {}",
                    allowed.join(", ")
                ),
            ));
        };
        if !keys.iter().any(|k| k.field == field) {
            keys.push(SortKey { field, direction });
        }
    }
    Ok(keys)
}

fn bad(parameter: &'static str, message: String) -> Error {
    Error::bad_request("Invalid sort").with_details([FieldError::new(parameter, message)])
}

/// `sort` and `order` parsed against the allowlist of `F` (see [`parse_sort`]).
///
/// ```
/// use rustbe_core::extract::{Sort, SortFields, SortKey};
///
/// struct ProductSort;
/// impl SortFields for ProductSort {
///     const FIELDS: &'static [&'static str] = &["name", "price"];
/// }
///
/// async fn list(sort: Sort<ProductSort>) -> String {
///     sort.keys().iter().map(|k| k.field).collect::<Vec<_>>().join(",")
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Sort<F> {
    keys: Vec<SortKey>,
    fields: PhantomData<fn() -> F>,
}

impl<F: SortFields> Sort<F> {
    /// Parses a raw query string.
    ///
    /// ```
    /// use rustbe_core::extract::{Sort, SortFields, SortKey};
    /// struct ProductSort;
    /// impl SortFields for ProductSort {
    ///     const FIELDS: &'static [&'static str] = &["name", "price"];
    /// }
    /// let sort = Sort::<ProductSort>::parse(Some("sort=-price,name")).unwrap();
    /// assert_eq!(sort.keys(), [SortKey::desc("price"), SortKey::asc("name")]);
    /// assert!(Sort::<ProductSort>::parse(Some("sort=password")).is_err());
    /// ```
    pub fn parse(query: Option<&str>) -> Result<Self, Error> {
        let sort = params::single(query, "sort")?;
        let order = params::single(query, "order")?;
        let keys = parse_sort(F::FIELDS, F::DEFAULT, sort.as_deref(), order.as_deref())?;
        Ok(Self {
            keys,
            fields: PhantomData,
        })
    }

    /// The keys, most significant first; empty when nothing was asked and there is no default.
    ///
    /// ```
    /// use rustbe_core::extract::{Sort, SortFields, SortKey};
    /// # struct ProductSort;
    /// # impl SortFields for ProductSort {
    /// #     const FIELDS: &'static [&'static str] = &["name", "created_at"];
    /// #     const DEFAULT: &'static [SortKey] = &[SortKey::desc("created_at")];
    /// # }
    /// // `ProductSort` sorts newest first by default.
    /// let sort = Sort::<ProductSort>::parse(None).unwrap();
    /// assert_eq!(sort.keys(), [SortKey::desc("created_at")]);
    /// ```
    #[must_use]
    pub fn keys(&self) -> &[SortKey] {
        &self.keys
    }
}

/// `keys` as a client writes them: `name,-created_at`.
pub(crate) fn spelled(keys: &[SortKey]) -> String {
    keys.iter()
        .map(|k| match k.direction {
            Direction::Asc => k.field.to_owned(),
            Direction::Desc => format!("-{}", k.field),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// `sort` (one of `F::FIELDS`, its default `F::DEFAULT`) and `order`, for
/// `#[utoipa::path(params(…, Sort<F>))]`.
///
/// ```
/// use rustbe_core::extract::{Sort, SortFields, SortKey};
/// use utoipa::IntoParams;
/// struct ByName;
/// impl SortFields for ByName {
///     const FIELDS: &'static [&'static str] = &["name"];
///     const DEFAULT: &'static [SortKey] = &[SortKey::desc("name")];
/// }
/// let params = Sort::<ByName>::into_params(|| None);
/// let names: Vec<_> = params.iter().map(|p| p.name.as_str()).collect();
/// assert_eq!(names, ["sort", "order"]);
/// assert!(params[0].description.as_deref().unwrap_or_default().ends_with("(default `-name`)"));
/// ```
impl<F: SortFields> utoipa::IntoParams for Sort<F> {
    fn into_params(
        _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        crate::openapi::sort_parameters(F::FIELDS, &spelled(F::DEFAULT)).into()
    }
}

impl<F: SortFields, S: Send + Sync> FromRequestParts<S> for Sort<F> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Self::parse(parts.uri.query())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct S;
    impl SortFields for S {
        const FIELDS: &'static [&'static str] = &["name", "price", "created_at"];
        const DEFAULT: &'static [SortKey] = &[SortKey::desc("created_at")];
    }

    fn keys(q: &str) -> Result<Vec<SortKey>, String> {
        Sort::<S>::parse(Some(q))
            .map(|s| s.keys().to_vec())
            .map_err(|e| {
                e.details()
                    .first()
                    .map(|d| d.message().to_owned())
                    .unwrap_or_default()
            })
    }

    #[test]
    fn default_and_order_override() {
        assert_eq!(keys(""), Ok(vec![SortKey::desc("created_at")]));
        assert_eq!(keys("order=asc"), Ok(vec![SortKey::asc("created_at")]));
    }

    #[test]
    fn mixed_prefixes_and_order() {
        assert_eq!(
            keys("sort=-price,name&order=desc"),
            Ok(vec![SortKey::desc("price"), SortKey::desc("name")])
        );
        assert_eq!(
            keys("sort=name,%20price"),
            Ok(vec![SortKey::asc("name"), SortKey::asc("price")])
        );
    }

    #[test]
    fn a_repeated_field_keeps_its_first_occurrence() {
        assert_eq!(keys("sort=name,name"), Ok(vec![SortKey::asc("name")]));
        assert_eq!(
            keys("sort=name,-price,-name,price"),
            Ok(vec![SortKey::asc("name"), SortKey::desc("price")])
        );
        assert_eq!(
            keys("sort=-name,name&order=asc"),
            Ok(vec![SortKey::desc("name")])
        );
        // Repeats are still checked: an unknown or empty item is a 400 wherever it stands.
        assert!(keys("sort=name,name,secret").is_err());
        assert!(keys("sort=name,name,").is_err());
    }

    #[test]
    fn rejections_say_why() {
        assert!(
            keys("sort=secret")
                .err()
                .unwrap_or_default()
                .contains("sortable fields: name, price, created_at")
        );
        assert!(keys("sort=name,,price").is_err());
        assert!(keys("sort=-").is_err());
        assert!(
            keys("sort=name&order=sideways")
                .err()
                .unwrap_or_default()
                .contains("asc")
        );
        assert!(
            keys("sort=name&sort=price")
                .err()
                .unwrap_or_default()
                .contains("at most once")
        );
    }
}
