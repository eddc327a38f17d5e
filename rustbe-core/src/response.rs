//! Success responses in the app's [response format](crate::format) (the envelope by default):
//! [`Single`] (200), [`Created`] (201 with `Location`), [`NoContent`] (204) and [`Page`] (200
//! with its `pagination`). Each may carry [`Names`] for formats that wrap answers in them.

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;

use crate::Error;
use crate::envelope::PageMeta;
use crate::format::{self, Names, Paging};

/// 200 with `T`: `{"success": true, "data": T}` in the envelope.
///
/// ```
/// use rustbe_core::response::Single;
/// async fn handler() -> Single<&'static str> {
///     Single("hello")
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Single<T>(pub T);

impl<T> Single<T> {
    /// `value` named `one` for formats that wrap values (`{"article": …}` in
    /// [`Plain::wrapped`](crate::format::Plain::wrapped)).
    ///
    /// ```
    /// use rustbe_core::response::Single;
    /// async fn handler() -> Named<Single<&'static str>> {
    ///     Single::named("greeting", "hello")
    /// }
    /// # use rustbe_core::response::Named;
    /// ```
    pub fn named(one: &'static str, value: T) -> Named<Self> {
        Named {
            names: Names::one_only(one),
            inner: Self(value),
        }
    }
}

impl<T: Serialize> IntoResponse for Single<T> {
    fn into_response(self) -> Response {
        format::one_value(StatusCode::OK, Names::NONE, &self.0)
    }
}

/// A response with the [`Names`] a wrapping format puts it in; made by [`Single::named`],
/// [`Created::named`] and [`Page::named`].
///
/// ```
/// use axum::response::IntoResponse;
/// use rustbe_core::response::Single;
/// let response = Single::named("tag", "rust").into_response();
/// assert_eq!(response.status(), 200);
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct Named<R> {
    names: Names<'static>,
    inner: R,
}

impl<T: Serialize> IntoResponse for Named<Single<T>> {
    fn into_response(self) -> Response {
        format::one_value(StatusCode::OK, self.names, &self.inner.0)
    }
}

impl<T: Serialize> IntoResponse for Named<Created<T>> {
    fn into_response(self) -> Response {
        self.inner.respond(self.names)
    }
}

impl<T: Serialize> IntoResponse for Named<Page<T>> {
    fn into_response(self) -> Response {
        self.inner.respond(self.names)
    }
}

/// 201 with `{"success": true, "data": T}` and `Location` pointing at the new resource.
///
/// ```
/// use rustbe_core::response::Created;
/// async fn handler() -> Created<u32> {
///     Created::new("/api/things/7", 7)
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Created<T> {
    location: String,
    value: T,
}

impl<T> Created<T> {
    /// The created `value`, found at `location`.
    ///
    /// ```
    /// use axum::response::IntoResponse;
    /// use rustbe_core::response::Created;
    /// let response = Created::new("/api/things/7", 7).into_response();
    /// assert_eq!(response.status(), 201);
    /// assert_eq!(response.headers()["location"], "/api/things/7");
    /// ```
    #[must_use]
    pub fn new(location: impl Into<String>, value: T) -> Self {
        Self {
            location: location.into(),
            value,
        }
    }
}

impl<T> Created<T> {
    /// The created value named `one` for formats that wrap values.
    ///
    /// ```
    /// use axum::response::IntoResponse;
    /// use rustbe_core::response::Created;
    /// let response = Created::new("/api/articles/a", "a").named("article").into_response();
    /// assert_eq!(response.status(), 201);
    /// ```
    pub fn named(self, one: &'static str) -> Named<Self> {
        Named {
            names: Names::one_only(one),
            inner: self,
        }
    }
}

impl<T: Serialize> Created<T> {
    fn respond(self, names: Names<'_>) -> Response {
        let Ok(location) = HeaderValue::try_from(self.location) else {
            return Error::internal("Location header is not a valid header value").into_response();
        };
        let mut response = format::one_value(StatusCode::CREATED, names, &self.value);
        response.headers_mut().insert(header::LOCATION, location);
        response
    }
}

impl<T: Serialize> IntoResponse for Created<T> {
    fn into_response(self) -> Response {
        self.respond(Names::NONE)
    }
}

/// 204 with no body.
///
/// ```
/// use rustbe_core::response::NoContent;
/// async fn delete() -> NoContent {
///     NoContent
/// }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct NoContent;

impl IntoResponse for NoContent {
    fn into_response(self) -> Response {
        StatusCode::NO_CONTENT.into_response()
    }
}

/// 200 with one page of items and its `pagination`.
///
/// ```
/// use rustbe_core::extract::Pagination;
/// use rustbe_core::response::Page;
///
/// async fn list(pagination: Pagination) -> Page<String> {
///     let (items, total) = (vec!["a".to_owned()], 1);
///     Page::new(items, pagination, total)
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Page<T> {
    items: Vec<T>,
    meta: PageMeta,
}

impl<T> Page<T> {
    /// A page of `items` for the requested `pagination`, out of `total` items.
    ///
    /// ```
    /// use rustbe_core::extract::{Pagination, PaginationLimits};
    /// use rustbe_core::response::Page;
    /// let pagination = Pagination::parse(Some("page=2&limit=10"), PaginationLimits::default()).unwrap();
    /// let page = Page::new(vec!["item"; 10], pagination, 35);
    /// assert_eq!((page.meta().page, page.meta().total_pages), (2, 4));
    /// ```
    #[must_use]
    pub fn new(items: Vec<T>, pagination: crate::extract::Pagination, total: u64) -> Self {
        Self {
            items,
            meta: pagination.meta(total),
        }
    }

    /// The page named `many` for formats that wrap pages (`{"articles": […],
    /// "articlesCount": n}` in [`Plain::wrapped`](crate::format::Plain::wrapped)).
    ///
    /// ```
    /// use rustbe_core::extract::Pagination;
    /// use rustbe_core::response::{Named, Page};
    /// async fn list(pagination: Pagination) -> Named<Page<String>> {
    ///     Page::new(vec!["rust".to_owned()], pagination, 1).named("tags")
    /// }
    /// ```
    pub fn named(self, many: &'static str) -> Named<Self> {
        Named {
            names: Names::many_only(many),
            inner: self,
        }
    }

    /// The page's metadata.
    ///
    /// ```
    /// use rustbe_core::{envelope::PageMeta, response::Page};
    /// use rustbe_core::extract::{Pagination, PaginationLimits};
    /// let page = Page::new(vec![1, 2, 3], Pagination::first(PaginationLimits::default()), 3);
    /// assert_eq!(page.meta(), PageMeta::new(1, 20, 3));
    /// ```
    #[must_use]
    pub fn meta(&self) -> PageMeta {
        self.meta
    }
}

impl<T: Serialize> Page<T> {
    fn respond(self, names: Names<'_>) -> Response {
        format::page_values(names, &self.items, Paging::Page(&self.meta))
    }
}

impl<T: Serialize> IntoResponse for Page<T> {
    fn into_response(self) -> Response {
        self.respond(Names::NONE)
    }
}

pub(crate) fn json_response(status: StatusCode, body: &impl Serialize) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            bytes,
        )
            .into_response(),
        Err(err) => Error::internal(err).into_response(),
    }
}

/// `data`, JSON already rendered (a cached row or list), as a single value in the current
/// format.
pub(crate) fn data_response(status: StatusCode, names: Names<'_>, data: &str) -> Response {
    format::one_json(status, names, data)
}
