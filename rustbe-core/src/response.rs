//! Success responses in the envelope: [`Single`] (200), [`Created`] (201 with `Location`),
//! [`NoContent`] (204) and [`Page`] (200 with `pagination`).

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;

use crate::Error;
use crate::envelope::{Data, PageMeta, Paged};

/// 200 with `{"success": true, "data": T}`.
///
/// ```
/// use rustbe_core::response::Single;
/// async fn handler() -> Single<&'static str> {
///     Single("hello")
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Single<T>(pub T);

impl<T: Serialize> IntoResponse for Single<T> {
    fn into_response(self) -> Response {
        json_response(StatusCode::OK, &Data::new(self.0))
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

impl<T: Serialize> IntoResponse for Created<T> {
    fn into_response(self) -> Response {
        let Ok(location) = HeaderValue::try_from(self.location) else {
            return Error::internal("Location header is not a valid header value").into_response();
        };
        let mut response = json_response(StatusCode::CREATED, &Data::new(self.value));
        response.headers_mut().insert(header::LOCATION, location);
        response
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
            meta: PageMeta::new(pagination.page(), pagination.limit(), total),
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

impl<T: Serialize> IntoResponse for Page<T> {
    fn into_response(self) -> Response {
        json_response(StatusCode::OK, &Paged::new(self.items, self.meta))
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

/// `{"success":true,"data":…}` around `data`, JSON already rendered (a cached row or list).
pub(crate) fn data_response(status: StatusCode, data: &str) -> Response {
    let mut body = String::with_capacity(data.len() + 27);
    body.push_str(r#"{"success":true,"data":"#);
    body.push_str(data);
    body.push('}');
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}
