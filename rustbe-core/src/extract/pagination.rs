//! [`Pagination`]: `page` or `offset`, and `limit`, bounded by the app's [`PaginationLimits`].

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use http::request::Parts;

use super::params;
use crate::{Error, FieldError};

/// The highest page number accepted, so `offset` arithmetic can never overflow.
const MAX_PAGE: u64 = u32::MAX as u64;

/// The highest `offset` accepted (the same bound as the last page's first row at the largest
/// limit would need, and well inside what every database takes).
const MAX_OFFSET: u64 = u32::MAX as u64;

/// How a request says where its page starts: by page number or by rows to skip.
///
/// An API speaks one of them, so its OpenAPI document lists one parameter and a request that
/// gives the other is told which one this API reads.
///
/// ```
/// use rustbe_core::extract::PageBy;
/// assert_eq!((PageBy::Number.param(), PageBy::Offset.param()), ("page", "offset"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PageBy {
    /// `page`, from 1 (the default).
    #[default]
    Number,
    /// `offset`, the rows to skip, from 0 (RealWorld's `limit`/`offset`).
    Offset,
}

impl PageBy {
    /// The query parameter: `page` or `offset`.
    #[must_use]
    pub fn param(self) -> &'static str {
        match self {
            Self::Number => "page",
            Self::Offset => "offset",
        }
    }

    /// The style this one is not.
    pub(crate) fn other(self) -> Self {
        match self {
            Self::Number => Self::Offset,
            Self::Offset => Self::Number,
        }
    }
}

/// Bounds for [`Pagination`]: the `limit` used when none is given, the largest allowed, and
/// whether pages start by `page` or by `offset` ([`PageBy`]). The app builder puts the
/// configured bounds into every request and into its OpenAPI document; without them the
/// defaults (20 and 100, by `page`) apply.
///
/// ```
/// use rustbe_core::extract::{PageBy, PaginationLimits};
/// let limits = PaginationLimits::new(50, 500).unwrap();
/// assert_eq!((limits.max_limit(), limits.by()), (500, PageBy::Number));
/// assert!(PaginationLimits::new(0, 10).is_none());
/// assert!(PaginationLimits::new(20, 10).is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaginationLimits {
    default_limit: u64,
    max_limit: u64,
    by: PageBy,
}

impl PaginationLimits {
    /// Limits with `default_limit` ≤ `max_limit`, both at least 1.
    ///
    /// ```
    /// use rustbe_core::extract::PaginationLimits;
    /// let limits = PaginationLimits::new(10, 50).unwrap();
    /// assert_eq!((limits.default_limit(), limits.max_limit()), (10, 50));
    /// assert!(PaginationLimits::new(0, 50).is_none());
    /// ```
    #[must_use]
    pub fn new(default_limit: u64, max_limit: u64) -> Option<Self> {
        (default_limit >= 1 && default_limit <= max_limit).then_some(Self {
            default_limit,
            max_limit,
            by: PageBy::Number,
        })
    }

    /// These limits, with pages starting by `by`.
    ///
    /// ```
    /// use rustbe_core::extract::{PageBy, Pagination, PaginationLimits};
    /// let limits = PaginationLimits::default().paged_by(PageBy::Offset);
    /// assert_eq!(Pagination::parse(Some("offset=40"), limits).unwrap().offset(), 40);
    /// let err = Pagination::parse(Some("page=3"), limits).unwrap_err();
    /// assert_eq!(err.details()[0].field(), "page");
    /// ```
    #[must_use]
    pub fn paged_by(mut self, by: PageBy) -> Self {
        self.by = by;
        self
    }

    /// Whether pages start by `page` or by `offset`.
    ///
    /// ```
    /// use rustbe_core::extract::{PageBy, PaginationLimits};
    /// assert_eq!(PaginationLimits::default().by(), PageBy::Number);
    /// ```
    #[must_use]
    pub fn by(self) -> PageBy {
        self.by
    }

    /// The `limit` used when the request gives none.
    ///
    /// ```
    /// use rustbe_core::extract::PaginationLimits;
    /// assert_eq!(PaginationLimits::default().default_limit(), 20);
    /// ```
    #[must_use]
    pub fn default_limit(self) -> u64 {
        self.default_limit
    }

    /// The largest `limit` accepted.
    ///
    /// ```
    /// use rustbe_core::extract::PaginationLimits;
    /// assert_eq!(PaginationLimits::default().max_limit(), 100);
    /// ```
    #[must_use]
    pub fn max_limit(self) -> u64 {
        self.max_limit
    }
}

impl Default for PaginationLimits {
    fn default() -> Self {
        Self {
            default_limit: 20,
            max_limit: 100,
            by: PageBy::Number,
        }
    }
}

/// `page` (from 1) and `limit`, or, when the limits say [`PageBy::Offset`], `offset` (rows to
/// skip, from 0) and `limit`, from the query string. Other parameters are left for filters.
///
/// A value that is not a whole number is a 400 `BAD_REQUEST`, one out of range a 400
/// `VALIDATION_ERROR`; both name the parameter in `details`, and every parameter is checked
/// before answering. The parameter of the other style (`offset` where pages go by number,
/// `page` where they go by offset) is a 400 `BAD_REQUEST` naming it. A page asked for by
/// `offset` answers its `pagination` with `offset` (see [`PageMeta`](crate::envelope::PageMeta)).
///
/// ```
/// use rustbe_core::extract::{PageBy, Pagination, PaginationLimits};
///
/// let p = Pagination::parse(Some("page=3&limit=10&q=shoes"), PaginationLimits::default()).unwrap();
/// assert_eq!((p.page(), p.limit(), p.offset()), (3, 10, 20));
///
/// let by_offset = PaginationLimits::default().paged_by(PageBy::Offset);
/// let p = Pagination::parse(Some("limit=10&offset=25"), by_offset).unwrap();
/// assert_eq!((p.limit(), p.offset(), p.by_offset()), (10, 25, true));
///
/// let err = Pagination::parse(Some("page=0&limit=1000"), PaginationLimits::default()).unwrap_err();
/// assert_eq!(err.details().len(), 2);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pagination {
    page: u64,
    limit: u64,
    offset: Option<u64>,
}

impl Pagination {
    /// Reads `page` and `limit` from a raw query string.
    ///
    /// ```
    /// use rustbe_core::{ErrorCode, extract::{Pagination, PaginationLimits}};
    /// let p = Pagination::parse(None, PaginationLimits::default()).unwrap();
    /// assert_eq!((p.page(), p.limit()), (1, 20));
    /// let err = Pagination::parse(Some("page=abc"), PaginationLimits::default()).unwrap_err();
    /// assert_eq!(err.code(), ErrorCode::BadRequest);
    /// assert_eq!(err.details()[0].field(), "page");
    /// ```
    pub fn parse(query: Option<&str>, limits: PaginationLimits) -> Result<Self, Error> {
        let (wanted, other) = (limits.by.param(), limits.by.other().param());
        if params::single(query, other)?.is_some() {
            return Err(
                Error::bad_request(format!("This API pages by `{wanted}`, not `{other}`"))
                    .with_details([FieldError::new(
                        other,
                        format!("is not a parameter of this API; give `{wanted}`"),
                    )]),
            );
        }
        let (page, offset) = match limits.by {
            PageBy::Number => (params::single(query, "page")?, None),
            PageBy::Offset => (None, params::single(query, "offset")?),
        };
        let limit = params::single(query, "limit")?;
        let mut malformed = Vec::new();
        let mut out_of_range = Vec::new();
        let mut read = |name: &'static str, raw: Option<&str>, default: u64, max: u64| -> u64 {
            let Some(raw) = raw else { return default };
            match raw.trim().parse::<u64>() {
                Ok(n) if (1..=max).contains(&n) => n,
                Ok(_) => {
                    out_of_range.push(FieldError::new(
                        name,
                        format!("must be between 1 and {max}"),
                    ));
                    default
                }
                Err(_) => {
                    malformed.push(FieldError::new(name, "must be a whole number"));
                    default
                }
            }
        };
        let page = read("page", page.as_deref(), 1, MAX_PAGE);
        let limit = read(
            "limit",
            limit.as_deref(),
            limits.default_limit,
            limits.max_limit,
        );
        let offset = offset.map(|raw| match raw.trim().parse::<u64>() {
            Ok(n) if n <= MAX_OFFSET => n,
            Ok(_) => {
                out_of_range.push(FieldError::new(
                    "offset",
                    format!("must be between 0 and {MAX_OFFSET}"),
                ));
                0
            }
            Err(_) => {
                malformed.push(FieldError::new("offset", "must be a whole number"));
                0
            }
        });
        if !malformed.is_empty() {
            malformed.extend(out_of_range);
            return Err(Error::bad_request("Invalid pagination parameters").with_details(malformed));
        }
        if !out_of_range.is_empty() {
            return Err(
                Error::validation(out_of_range).with_message("Invalid pagination parameters")
            );
        }
        Ok(Self {
            page,
            limit,
            offset,
        })
    }

    /// The first page with the default limit.
    ///
    /// ```
    /// use rustbe_core::extract::{Pagination, PaginationLimits};
    /// let p = Pagination::first(PaginationLimits::new(5, 10).unwrap());
    /// assert_eq!((p.page(), p.limit(), p.offset()), (1, 5, 0));
    /// ```
    #[must_use]
    pub fn first(limits: PaginationLimits) -> Self {
        Self {
            page: 1,
            limit: limits.default_limit,
            offset: None,
        }
    }

    /// The page, from 1. A request by `offset` is on the page its first row falls in.
    ///
    /// ```
    /// use rustbe_core::extract::{Pagination, PaginationLimits};
    /// use rustbe_core::extract::PageBy;
    /// assert_eq!(Pagination::parse(Some("page=4"), PaginationLimits::default()).unwrap().page(), 4);
    /// let by_offset = PaginationLimits::default().paged_by(PageBy::Offset);
    /// assert_eq!(Pagination::parse(Some("offset=45&limit=20"), by_offset).unwrap().page(), 3);
    /// ```
    #[must_use]
    pub fn page(self) -> u64 {
        match self.offset {
            Some(offset) => offset / self.limit + 1,
            None => self.page,
        }
    }

    /// Was the page asked for by `offset` rather than `page`?
    ///
    /// ```
    /// use rustbe_core::extract::{PageBy, Pagination, PaginationLimits};
    /// let by_offset = PaginationLimits::default().paged_by(PageBy::Offset);
    /// assert!(Pagination::parse(Some("offset=0"), by_offset).unwrap().by_offset());
    /// assert!(!Pagination::parse(Some("page=1"), PaginationLimits::default()).unwrap().by_offset());
    /// ```
    #[must_use]
    pub fn by_offset(self) -> bool {
        self.offset.is_some()
    }

    /// The `pagination` of this page out of `total` rows: its page (or offset), limit and
    /// totals.
    ///
    /// ```
    /// use rustbe_core::extract::{PageBy, Pagination, PaginationLimits};
    /// let by_offset = PaginationLimits::default().paged_by(PageBy::Offset);
    /// let p = Pagination::parse(Some("offset=10&limit=5"), by_offset).unwrap();
    /// let meta = p.meta(12);
    /// assert_eq!((meta.offset, meta.total, meta.total_pages), (Some(10), 12, 3));
    /// ```
    #[must_use]
    pub fn meta(self, total: u64) -> crate::envelope::PageMeta {
        let meta = crate::envelope::PageMeta::new(self.page(), self.limit, total);
        match self.offset {
            Some(offset) => meta.with_offset(offset),
            None => meta,
        }
    }

    /// Items per page.
    ///
    /// ```
    /// use rustbe_core::extract::{Pagination, PaginationLimits};
    /// assert_eq!(Pagination::parse(Some("limit=50"), PaginationLimits::default()).unwrap().limit(), 50);
    /// ```
    #[must_use]
    pub fn limit(self) -> u64 {
        self.limit
    }

    /// Items to skip: `offset` when it was given, else `(page - 1) * limit`.
    ///
    /// ```
    /// use rustbe_core::extract::{PageBy, Pagination, PaginationLimits};
    /// let p = Pagination::parse(Some("page=3&limit=25"), PaginationLimits::default()).unwrap();
    /// assert_eq!(p.offset(), 50);
    /// let p = Pagination::parse(Some("offset=7"), PaginationLimits::default().paged_by(PageBy::Offset)).unwrap();
    /// assert_eq!(p.offset(), 7);
    /// ```
    #[must_use]
    pub fn offset(self) -> u64 {
        self.offset.unwrap_or((self.page - 1) * self.limit)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Pagination {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let limits = parts
            .extensions
            .get::<PaginationLimits>()
            .copied()
            .unwrap_or_default();
        Self::parse(parts.uri.query(), limits)
    }
}

/// `page`, `limit` and `offset` for `#[utoipa::path(params(…, Pagination))]`; the app's
/// document keeps the one of `page` and `offset` it reads, with its `limit` bounds.
///
/// ```
/// use utoipa::IntoParams;
/// let names: Vec<_> = rustbe_core::extract::Pagination::into_params(|| None)
///     .into_iter()
///     .map(|p| p.name)
///     .collect();
/// assert_eq!(names, ["page", "limit", "offset"]);
/// ```
impl utoipa::IntoParams for Pagination {
    fn into_params(
        _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        crate::openapi::page_parameters().into()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PaginationLimits {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<PaginationLimits>()
            .copied()
            .unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    fn parse(q: &str) -> Result<Pagination, Error> {
        Pagination::parse(Some(q), PaginationLimits::default())
    }

    #[test]
    fn defaults_and_bounds() {
        assert_eq!(
            parse("").ok(),
            Some(Pagination {
                page: 1,
                limit: 20,
                offset: None
            })
        );
        assert_eq!(parse("limit=100").ok().map(Pagination::limit), Some(100));
        assert_eq!(
            parse("limit=101").map_err(|e| e.code()).err(),
            Some(ErrorCode::ValidationError)
        );
        assert_eq!(
            parse("limit=0").map_err(|e| e.code()).err(),
            Some(ErrorCode::ValidationError)
        );
        assert_eq!(
            parse("page=-1").map_err(|e| e.code()).err(),
            Some(ErrorCode::BadRequest)
        );
        assert_eq!(
            parse("page=1.5").map_err(|e| e.code()).err(),
            Some(ErrorCode::BadRequest)
        );
        assert_eq!(
            parse("page=99999999999").map_err(|e| e.code()).err(),
            Some(ErrorCode::ValidationError)
        );
        let last = parse("page=4294967295&limit=100")
            .ok()
            .map(Pagination::offset);
        assert_eq!(last, Some((u64::from(u32::MAX) - 1) * 100));
    }

    #[test]
    fn both_parameters_reported_together() {
        let err = parse("page=x&limit=500").err();
        let fields: Vec<_> = err
            .iter()
            .flat_map(|e| e.details())
            .map(|d| d.field().to_owned())
            .collect();
        assert_eq!(fields, ["page", "limit"]);
    }

    #[test]
    fn offset_paging() {
        let by_offset = PaginationLimits::default().paged_by(PageBy::Offset);
        let parse = |q: &str| Pagination::parse(Some(q), by_offset);
        let p = parse("limit=10&offset=0").ok();
        assert_eq!(
            p.map(|p| (p.page(), p.offset(), p.by_offset())),
            Some((1, 0, true))
        );
        assert_eq!(
            parse("").ok().map(|p| (p.offset(), p.by_offset())),
            Some((0, false))
        );
        let err = parse("offset=-1&limit=0").err();
        let fields: Vec<_> = err
            .iter()
            .flat_map(|e| e.details())
            .map(|d| d.field().to_owned())
            .collect();
        assert_eq!(fields, ["offset", "limit"]);
        assert_eq!(
            parse("offset=99999999999").map_err(|e| e.code()).err(),
            Some(ErrorCode::ValidationError)
        );
        let meta = parse("offset=3&limit=2").map(|p| p.meta(9)).ok();
        assert_eq!(
            meta.map(|m| (m.page, m.offset, m.total_pages)),
            Some((2, Some(3), 5))
        );
    }

    /// Each style names the other's parameter as not this API's, even alone.
    #[test]
    fn the_other_style_is_refused_by_name() {
        for (limits, query, field, message) in [
            (
                PaginationLimits::default(),
                "offset=10",
                "offset",
                "This API pages by `page`, not `offset`",
            ),
            (
                PaginationLimits::default().paged_by(PageBy::Offset),
                "page=2&offset=10",
                "page",
                "This API pages by `offset`, not `page`",
            ),
        ] {
            let err = Pagination::parse(Some(query), limits).err();
            assert_eq!(err.as_ref().map(Error::code), Some(ErrorCode::BadRequest));
            assert_eq!(err.as_ref().map(Error::message), Some(message));
            let fields: Vec<_> = err
                .iter()
                .flat_map(|e| e.details())
                .map(|d| d.field())
                .collect();
            assert_eq!(fields, [field]);
        }
    }

    #[test]
    fn configured_limits_apply() {
        let limits = PaginationLimits::new(5, 10).unwrap_or_default();
        assert_eq!(
            Pagination::parse(None, limits).ok().map(Pagination::limit),
            Some(5)
        );
        assert!(Pagination::parse(Some("limit=11"), limits).is_err());
        assert_eq!(Pagination::first(limits).limit(), 5);
    }
}
