//! The JSON shapes of every answer: `{"success": true, "data": …}`, the paged form with
//! `pagination`, and `{"success": false, "error": …}`.
//!
//! These types serialise the responses in [`crate::response`] and the errors of
//! [`crate::Error`], and they are the schemas the OpenAPI document names, so the document and
//! the wire never disagree.

use std::borrow::Cow;

use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ErrorCode, FieldError};

/// `{"success": true, "data": T}`.
///
/// ```
/// let json = serde_json::to_value(rustbe_core::envelope::Data::new(7)).unwrap();
/// assert_eq!(json, serde_json::json!({"success": true, "data": 7}));
/// ```
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Data<T> {
    /// Always `true`.
    pub success: bool,
    /// The resource.
    pub data: T,
}

impl<T> Data<T> {
    /// Wraps `data`.
    ///
    /// ```
    /// let data = rustbe_core::envelope::Data::new("hi");
    /// assert!(data.success);
    /// assert_eq!(data.data, "hi");
    /// ```
    #[must_use]
    pub fn new(data: T) -> Self {
        Self {
            success: true,
            data,
        }
    }
}

/// `{"success": true, "data": [T], "pagination": {…}}`.
///
/// ```
/// use rustbe_core::envelope::{PageMeta, Paged};
/// let page = Paged::new(vec!["a", "b"], PageMeta::new(1, 2, 3));
/// let json = serde_json::to_value(page).unwrap();
/// assert_eq!(json["pagination"]["total_pages"], 2);
/// ```
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Paged<T> {
    /// Always `true`.
    pub success: bool,
    /// The items of this page.
    pub data: Vec<T>,
    /// Where this page stands.
    pub pagination: PageMeta,
}

impl<T> Paged<T> {
    /// Wraps a page of `data`.
    ///
    /// ```
    /// use rustbe_core::envelope::{PageMeta, Paged};
    /// let page = Paged::new(vec![1, 2], PageMeta::new(1, 2, 5));
    /// assert!(page.success);
    /// assert_eq!(page.pagination.total_pages, 3);
    /// ```
    #[must_use]
    pub fn new(data: Vec<T>, pagination: PageMeta) -> Self {
        Self {
            success: true,
            data,
            pagination,
        }
    }
}

/// `pagination` of a paged list.
///
/// ```
/// let meta = rustbe_core::envelope::PageMeta::new(3, 20, 57);
/// assert_eq!(meta.total_pages, 3);
/// let empty = rustbe_core::envelope::PageMeta::new(1, 20, 0);
/// assert_eq!(empty.total_pages, 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct PageMeta {
    /// The page, from 1.
    pub page: u64,
    /// Items per page.
    pub limit: u64,
    /// Items in all pages.
    pub total: u64,
    /// Pages in all (0 when there is nothing).
    pub total_pages: u64,
    /// The rows skipped, when the page was asked for by `offset` (then `page` is the page
    /// its first row falls in).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
}

impl PageMeta {
    /// Meta for `page` of `limit` items out of `total`.
    ///
    /// ```
    /// use rustbe_core::envelope::PageMeta;
    /// let meta = PageMeta::new(2, 10, 25);
    /// assert_eq!((meta.page, meta.limit, meta.total, meta.total_pages), (2, 10, 25, 3));
    /// assert_eq!(PageMeta::new(1, 0, 5).total_pages, 0);
    /// ```
    #[must_use]
    pub fn new(page: u64, limit: u64, total: u64) -> Self {
        let total_pages = if limit == 0 { 0 } else { total.div_ceil(limit) };
        Self {
            page,
            limit,
            total,
            total_pages,
            offset: None,
        }
    }

    /// The same meta for a page asked for by `offset`.
    ///
    /// ```
    /// use rustbe_core::envelope::PageMeta;
    /// let meta = PageMeta::new(1, 10, 25).with_offset(5);
    /// assert_eq!(serde_json::to_value(meta).unwrap()["offset"], 5);
    /// assert!(serde_json::to_value(PageMeta::new(1, 10, 25)).unwrap().get("offset").is_none());
    /// ```
    #[must_use]
    pub fn with_offset(mut self, offset: u64) -> Self {
        self.offset = Some(offset);
        self
    }
}

/// `pagination` of a list paged by cursor (keyset): pass `next_cursor` as `cursor` to get
/// the next page; `null` on the last page.
///
/// ```
/// let meta = rustbe_core::envelope::CursorMeta { limit: 20, next_cursor: None };
/// assert_eq!(serde_json::to_value(meta).unwrap()["next_cursor"], serde_json::Value::Null);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CursorMeta {
    /// Items per page.
    pub limit: u64,
    /// The cursor of the next page, if there is one.
    pub next_cursor: Option<String>,
}

/// `{"success": true, "data": [...], "pagination": {"limit": …, "next_cursor": …}}`.
///
/// ```
/// use rustbe_core::envelope::{CursorMeta, CursorPaged};
/// let page = CursorPaged::new(vec![1], CursorMeta { limit: 1, next_cursor: Some("abc".into()) });
/// assert_eq!(serde_json::to_value(page).unwrap()["pagination"]["next_cursor"], "abc");
/// ```
#[derive(Debug, Clone, Serialize)]
pub struct CursorPaged<T> {
    /// Always `true`.
    pub success: bool,
    /// The items of this page.
    pub data: Vec<T>,
    /// Where the next page starts.
    pub pagination: CursorMeta,
}

impl<T> CursorPaged<T> {
    /// Wraps a page of `data`.
    ///
    /// ```
    /// use rustbe_core::envelope::{CursorMeta, CursorPaged};
    /// assert!(CursorPaged::new(vec![1], CursorMeta { limit: 1, next_cursor: None }).success);
    /// ```
    #[must_use]
    pub fn new(data: Vec<T>, pagination: CursorMeta) -> Self {
        Self {
            success: true,
            data,
            pagination,
        }
    }
}

/// `{"success": false, "error": {…}}`.
///
/// ```
/// use rustbe_core::{ErrorCode, envelope::{ErrorBody, ErrorEnvelope}};
/// let error = ErrorBody { code: ErrorCode::NotFound, message: "Resource not found".into(), details: vec![], request_id: "r1".into() };
/// let json = serde_json::to_value(ErrorEnvelope { success: false, error }).unwrap();
/// assert_eq!(json["success"], false);
/// assert_eq!(json["error"]["code"], "NOT_FOUND");
/// ```
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorEnvelope {
    /// Always `false`.
    pub success: bool,
    /// What went wrong.
    pub error: ErrorBody,
}

/// The `error` member of an error envelope.
///
/// ```
/// use rustbe_core::{ErrorCode, envelope::ErrorBody};
/// let body = ErrorBody { code: ErrorCode::Conflict, message: "taken".into(), details: vec![], request_id: "r1".into() };
/// let json = serde_json::to_value(&body).unwrap();
/// assert_eq!(json, serde_json::json!({"code": "CONFLICT", "message": "taken", "request_id": "r1"}));
/// ```
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Machine-readable code, e.g. `VALIDATION_ERROR`.
    pub code: ErrorCode,
    /// Human-readable message.
    #[schema(value_type = String)]
    pub message: Cow<'static, str>,
    /// Every failing field, on validation errors.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<FieldError>,
    /// The request's `X-Request-Id`.
    pub request_id: String,
}
