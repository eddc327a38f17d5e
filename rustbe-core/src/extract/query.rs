//! [`Query`]: axum's query extractor with its rejections as rustbe errors naming the parameter.

use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use serde::de::DeserializeOwned;

use crate::{Error, FieldError};

/// A typed query string; a value that does not parse is a 400 `BAD_REQUEST` naming the
/// parameter.
///
/// ```
/// use rustbe_core::extract::Query;
///
/// #[derive(serde::Deserialize)]
/// struct Filters { min_price: Option<f64>, in_stock: Option<bool> }
///
/// async fn list(Query(filters): Query<Filters>) -> String {
///     format!("{:?}", filters.min_price)
/// }
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

/// Why a [`Query`] was refused.
///
/// ```
/// use rustbe_core::{Error, extract::Query};
/// #[derive(serde::Deserialize, Debug)]
/// struct Filters { min_price: f64 }
/// let rejection = Query::<Filters>::parse("min_price=cheap").unwrap_err();
/// assert_eq!(rejection.parameter, "min_price");
/// assert_eq!(Error::from(rejection).details()[0].field(), "min_price");
/// assert_eq!(Query::<Filters>::parse("").unwrap_err().message, "is required");
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct QueryRejection {
    /// The parameter at fault (empty when the whole string is at fault).
    pub parameter: String,
    /// What is wrong with it.
    pub message: String,
}

impl From<QueryRejection> for Error {
    fn from(rejection: QueryRejection) -> Self {
        let field = if rejection.parameter.is_empty() {
            "query".to_owned()
        } else {
            rejection.parameter
        };
        Error::bad_request("Invalid query string")
            .with_details([FieldError::new(field, rejection.message)])
    }
}

impl IntoResponse for QueryRejection {
    fn into_response(self) -> Response {
        Error::from(self).into_response()
    }
}

impl<T: DeserializeOwned> Query<T> {
    /// Parses a raw query string (without the `?`).
    ///
    /// ```
    /// use rustbe_core::extract::Query;
    /// #[derive(serde::Deserialize, Debug)]
    /// struct P { page: u32 }
    /// assert_eq!(Query::<P>::parse("page=2").unwrap().0.page, 2);
    /// assert_eq!(Query::<P>::parse("page=two").unwrap_err().parameter, "page");
    /// ```
    pub fn parse(query: &str) -> Result<Self, QueryRejection> {
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(Self)
            .map_err(|err| {
                let path = err.path().to_string();
                let message = err.into_inner().to_string();
                match message
                    .strip_prefix("missing field `")
                    .and_then(|m| m.strip_suffix('`'))
                {
                    Some(field) => QueryRejection {
                        parameter: field.to_owned(),
                        message: "is required".into(),
                    },
                    None => QueryRejection {
                        parameter: if path == "." { String::new() } else { path },
                        message,
                    },
                }
            })
    }
}

/// The query parameters of a hand-written list other than its paging and sorting ones
/// (`page`, `offset`, `cursor`, `limit`, `sort`, `order`), which [`Pagination`](super::Pagination)
/// and [`Sort`](super::Sort) read: a filter struct with `#[serde(deny_unknown_fields)]` then
/// refuses every other parameter (400 `BAD_REQUEST` naming it) without listing those six.
///
/// ```
/// use rustbe_core::extract::Filters;
///
/// #[derive(serde::Deserialize, Debug)]
/// #[serde(deny_unknown_fields)]
/// struct OrderFilters { status: Option<String> }
///
/// let Filters(f) = Filters::<OrderFilters>::parse("page=2&status=paid&sort=total&limit=5").unwrap();
/// assert_eq!(f.status.as_deref(), Some("paid"));
/// assert_eq!(Filters::<OrderFilters>::parse("colour=red").unwrap_err().parameter, "colour");
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Filters<T>(pub T);

/// The parameters [`Filters`] leaves to `Pagination` and `Sort`.
const LIST_PARAMETERS: [&str; 6] = ["page", "offset", "cursor", "limit", "sort", "order"];

impl<T: DeserializeOwned> Filters<T> {
    /// Parses a raw query string (without the `?`), leaving out the paging and sorting
    /// parameters.
    ///
    /// # Errors
    /// As [`Query::parse`], for the parameters left.
    ///
    /// See [`Filters`] for an example.
    pub fn parse(query: &str) -> Result<Self, QueryRejection> {
        let pairs = form_urlencoded::parse(query.as_bytes())
            .filter(|(name, _)| !LIST_PARAMETERS.contains(&name.as_ref()));
        let rest = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        Query::parse(&rest).map(|Query(filters)| Self(filters))
    }
}

impl<T, S> FromRequestParts<S> for Filters<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = QueryRejection;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Self::parse(parts.uri.query().unwrap_or_default())
    }
}

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = QueryRejection;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Self::parse(parts.uri.query().unwrap_or_default())
    }
}
