//! Response formats: how a single value, a page, a created resource and an error are written
//! on the wire, and how the OpenAPI document describes them.
//!
//! Every answer of rustbe (the derive's routes, [`response`](crate::response)'s types, every
//! [`Error`](crate::Error), and the framework's own rejections: 404, 405, 413, 415, timeouts,
//! panics) is rendered by the app's [`Format`]. Three ship:
//!
//! | format | a value | a page | an error |
//! |---|---|---|---|
//! | [`Envelope`] (the default) | `{"success": true, "data": …}` | `… "pagination": {…}` | `{"success": false, "error": {…}}` |
//! | [`Plain::bare`] | the value | the array, `X-Total-Count` | RFC 9457 [`Problem`] |
//! | [`Plain::wrapped`] | `{"article": …}` | `{"articles": […], "articlesCount": n}` | RFC 9457 [`Problem`] |
//!
//! An app picks one with [`App::format`](crate::app::App::format), overrides it for one router
//! with [`FormatLayer`], and writes its own by implementing [`Format`] (its errors through
//! [`ErrorFormat`]). See the guide, docs/formats.md.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use axum::{Router, routing::get};
//! use rustbe_core::format::{FormatLayer, Plain};
//! use rustbe_core::{Error, response::Single, testing::TestRequest};
//!
//! let app = Router::new()
//!     .route("/tags/{name}", get(|| async { Single::named("tag", "rust") }))
//!     .route("/missing", get(|| async { Err::<Single<()>, _>(Error::not_found()) }))
//!     .layer(FormatLayer::new(Plain::wrapped()));
//! let ok = TestRequest::get("/tags/rust").send(&app).await;
//! assert_eq!(ok.json(), serde_json::json!({"tag": "rust"}));
//! let missing = TestRequest::get("/missing").send(&app).await;
//! assert_eq!(missing.header("content-type"), Some("application/problem+json"));
//! assert_eq!(missing.json()["status"], 404);
//! # });
//! ```

mod current;
mod envelope;
mod layer;
mod openapi;
mod plain;
mod problem;

use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use serde::Serialize;
use utoipa::openapi::{RefOr, schema::Schema};

use current::{CURRENT, Scope};
pub(crate) use current::{ErrorParts, error_body, one_json, one_value, page_json, page_values};
pub use envelope::Envelope;
pub use layer::{FormatLayer, Formatted, ResponseFuture};
pub use plain::Plain;
pub use problem::Problem;

use crate::envelope::{CursorMeta, PageMeta};
use crate::{ErrorCode, FieldError};

/// The names a format may wrap an answer in: `one` for a single value (`"article"`), `many`
/// for a page (`"articles"`). The derive names every resource (its schema name in lower camel
/// case and its collection); hand-written handlers name theirs with
/// [`Single::named`](crate::response::Single::named) and the like. Formats that do not wrap
/// ignore them.
///
/// ```
/// use rustbe_core::format::Names;
/// let names = Names::new("article", "articles");
/// assert_eq!((names.one(), names.many()), (Some("article"), Some("articles")));
/// assert_eq!(Names::NONE.one(), None);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Names<'a> {
    one: Option<&'a str>,
    many: Option<&'a str>,
}

impl<'a> Names<'a> {
    /// No names: wrapping formats answer the bare value.
    pub const NONE: Self = Self {
        one: None,
        many: None,
    };

    /// `one` for a value, `many` for a page.
    ///
    /// ```
    /// assert_eq!(rustbe_core::format::Names::new("tag", "tags").many(), Some("tags"));
    /// ```
    #[must_use]
    pub const fn new(one: &'a str, many: &'a str) -> Self {
        Self {
            one: Some(one),
            many: Some(many),
        }
    }

    /// Only the name of a single value.
    ///
    /// ```
    /// let names = rustbe_core::format::Names::one_only("user");
    /// assert_eq!((names.one(), names.many()), (Some("user"), None));
    /// ```
    #[must_use]
    pub const fn one_only(one: &'a str) -> Self {
        Self {
            one: Some(one),
            many: None,
        }
    }

    /// Only the name of a page.
    ///
    /// ```
    /// let names = rustbe_core::format::Names::many_only("tags");
    /// assert_eq!((names.one(), names.many()), (None, Some("tags")));
    /// ```
    #[must_use]
    pub const fn many_only(many: &'a str) -> Self {
        Self {
            one: None,
            many: Some(many),
        }
    }

    /// The name of a single value.
    ///
    /// ```
    /// assert_eq!(rustbe_core::format::Names::new("a", "b").one(), Some("a"));
    /// ```
    #[must_use]
    pub const fn one(self) -> Option<&'a str> {
        self.one
    }

    /// The name of a page.
    ///
    /// ```
    /// assert_eq!(rustbe_core::format::Names::new("a", "b").many(), Some("b"));
    /// ```
    #[must_use]
    pub const fn many(self) -> Option<&'a str> {
        self.many
    }
}

/// Where a page stands: numbered (or by offset) with its total, or by cursor.
///
/// ```
/// use rustbe_core::{envelope::PageMeta, format::Paging};
/// let meta = PageMeta::new(1, 20, 3);
/// assert_eq!(Paging::Page(&meta).total(), Some(3));
/// ```
#[derive(Debug, Clone, Copy)]
pub enum Paging<'a> {
    /// `page`/`offset` and `limit`, with the total.
    Page(&'a PageMeta),
    /// A keyset page and the cursor of the next one.
    Cursor(&'a CursorMeta),
}

impl Paging<'_> {
    /// The rows in all pages, when the page knows it.
    ///
    /// ```
    /// use rustbe_core::{envelope::CursorMeta, format::Paging};
    /// let meta = CursorMeta { limit: 5, next_cursor: None };
    /// assert_eq!(Paging::Cursor(&meta).total(), None);
    /// ```
    #[must_use]
    pub fn total(&self) -> Option<u64> {
        match self {
            Self::Page(meta) => Some(meta.total),
            Self::Cursor(_) => None,
        }
    }
}

/// The kind of a page, for its OpenAPI schema.
///
/// ```
/// assert_ne!(rustbe_core::format::PageKind::Page, rustbe_core::format::PageKind::Cursor);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageKind {
    /// Numbered or by offset, with a total.
    Page,
    /// By cursor.
    Cursor,
}

/// A body being written by a format, with the headers that go with it (`X-Total-Count`).
///
/// ```
/// let mut reply = rustbe_core::format::Reply::default();
/// reply.push_str("[]");
/// reply.header(http::HeaderName::from_static("x-total-count"), http::HeaderValue::from(0));
/// assert_eq!(reply.body(), "[]");
/// ```
#[derive(Debug, Default)]
pub struct Reply {
    body: String,
    headers: HeaderMap,
}

impl Reply {
    /// Appends raw JSON text.
    ///
    /// ```
    /// let mut reply = rustbe_core::format::Reply::default();
    /// reply.push_str("{}");
    /// assert_eq!(reply.body(), "{}");
    /// ```
    pub fn push_str(&mut self, json: &str) {
        self.body.push_str(json);
    }

    /// Appends `value` as JSON (a string is quoted and escaped).
    ///
    /// ```
    /// let mut reply = rustbe_core::format::Reply::default();
    /// reply.push_json(&"a\"b");
    /// assert_eq!(reply.body(), r#""a\"b""#);
    /// ```
    pub fn push_json(&mut self, value: &(impl Serialize + ?Sized)) {
        match serde_json::to_string(value) {
            Ok(json) => self.body.push_str(&json),
            Err(_) => self.body.push_str("null"),
        }
    }

    /// Adds a response header.
    ///
    /// ```
    /// let mut reply = rustbe_core::format::Reply::default();
    /// reply.header(http::header::LINK, http::HeaderValue::from_static("</x>"));
    /// ```
    pub fn header(&mut self, name: HeaderName, value: HeaderValue) {
        self.headers.insert(name, value);
    }

    /// The body written so far.
    ///
    /// ```
    /// assert_eq!(rustbe_core::format::Reply::default().body(), "");
    /// ```
    #[must_use]
    pub fn body(&self) -> &str {
        &self.body
    }

    fn with_capacity(capacity: usize) -> Self {
        Self {
            body: String::with_capacity(capacity),
            headers: HeaderMap::new(),
        }
    }

    fn into_response(self, status: StatusCode, content_type: HeaderValue) -> Response {
        let mut headers = self.headers;
        headers.insert(header::CONTENT_TYPE, content_type);
        (status, headers, self.body).into_response()
    }
}

/// An error as a format sees it: its code, the status the format gave it, the message, the
/// failing fields, the request id and the path it happened on.
///
/// ```
/// use rustbe_core::{ErrorCode, format::ErrorView};
/// let view = ErrorView::new(ErrorCode::NotFound, "Resource not found", &[], "r1");
/// assert_eq!(view.status(), http::StatusCode::NOT_FOUND);
/// assert_eq!(view.instance(), None);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ErrorView<'a> {
    code: ErrorCode,
    status: StatusCode,
    message: &'a str,
    details: &'a [FieldError],
    request_id: &'a str,
    instance: Option<&'a str>,
}

impl<'a> ErrorView<'a> {
    /// A view of an error with its code's own status and no path.
    ///
    /// ```
    /// use rustbe_core::{ErrorCode, format::ErrorView};
    /// assert_eq!(ErrorView::new(ErrorCode::Conflict, "taken", &[], "r").message(), "taken");
    /// ```
    #[must_use]
    pub fn new(
        code: ErrorCode,
        message: &'a str,
        details: &'a [FieldError],
        request_id: &'a str,
    ) -> Self {
        Self {
            code,
            status: code.status(),
            message,
            details,
            request_id,
            instance: None,
        }
    }

    /// The machine-readable code.
    ///
    /// ```
    /// use rustbe_core::{ErrorCode, format::ErrorView};
    /// assert_eq!(ErrorView::new(ErrorCode::Forbidden, "no", &[], "r").code(), ErrorCode::Forbidden);
    /// ```
    #[must_use]
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The status the response goes out with ([`ErrorFormat::status`] of the code).
    ///
    /// ```
    /// use rustbe_core::{ErrorCode, format::ErrorView};
    /// assert_eq!(ErrorView::new(ErrorCode::Conflict, "x", &[], "r").status(), 409);
    /// ```
    #[must_use]
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The message a client may read.
    ///
    /// ```
    /// use rustbe_core::{ErrorCode, format::ErrorView};
    /// assert_eq!(ErrorView::new(ErrorCode::Conflict, "taken", &[], "r").message(), "taken");
    /// ```
    #[must_use]
    pub fn message(&self) -> &'a str {
        self.message
    }

    /// The failing fields (validation errors and bad queries).
    ///
    /// ```
    /// use rustbe_core::{ErrorCode, FieldError, format::ErrorView};
    /// let details = [FieldError::new("email", "is required")];
    /// assert_eq!(ErrorView::new(ErrorCode::ValidationError, "x", &details, "r").details().len(), 1);
    /// ```
    #[must_use]
    pub fn details(&self) -> &'a [FieldError] {
        self.details
    }

    /// The request's `X-Request-Id`.
    ///
    /// ```
    /// use rustbe_core::{ErrorCode, format::ErrorView};
    /// assert_eq!(ErrorView::new(ErrorCode::Conflict, "x", &[], "r9").request_id(), "r9");
    /// ```
    #[must_use]
    pub fn request_id(&self) -> &'a str {
        self.request_id
    }

    /// The path of the request, when the format asked for it (formats set by
    /// [`FormatLayer`] or [`App::format`](crate::app::App::format) always have it).
    ///
    /// ```
    /// use rustbe_core::{ErrorCode, format::ErrorView};
    /// assert_eq!(ErrorView::new(ErrorCode::Conflict, "x", &[], "r").instance(), None);
    /// ```
    #[must_use]
    pub fn instance(&self) -> Option<&'a str> {
        self.instance
    }
}

/// How errors are written: their status, media type, body and OpenAPI schema.
///
/// ```
/// use rustbe_core::format::{ErrorFormat, ErrorView};
/// use rustbe_core::ErrorCode;
/// use utoipa::openapi::{RefOr, schema::{ObjectBuilder, Schema}};
///
/// /// `{"errors": {"body": ["…"]}}`, validation failures as 422.
/// struct BodyErrors;
///
/// impl ErrorFormat for BodyErrors {
///     fn status(&self, code: ErrorCode) -> http::StatusCode {
///         match code {
///             ErrorCode::ValidationError => http::StatusCode::UNPROCESSABLE_ENTITY,
///             other => other.status(),
///         }
///     }
///     fn render(&self, error: &ErrorView<'_>, out: &mut rustbe_core::format::Reply) {
///         let body: Vec<String> = error.details().iter()
///             .map(|d| format!("{} {}", d.field(), d.message()))
///             .chain(error.details().is_empty().then(|| error.message().to_owned()))
///             .collect();
///         out.push_json(&serde_json::json!({"errors": {"body": body}}));
///     }
///     fn schema(&self) -> (&'static str, RefOr<Schema>) {
///         ("GenericError", ObjectBuilder::new().into())
///     }
/// }
/// ```
pub trait ErrorFormat: Send + Sync + 'static {
    /// The status an error of `code` goes out with; its own by default.
    fn status(&self, code: ErrorCode) -> StatusCode {
        code.status()
    }

    /// The media type of error bodies; `application/json` by default.
    fn media_type(&self) -> &'static str {
        "application/json"
    }

    /// Writes the body of `error`.
    fn render(&self, error: &ErrorView<'_>, out: &mut Reply);

    /// The component name and schema of error bodies, for the OpenAPI document.
    fn schema(&self) -> (&'static str, RefOr<Schema>);
}

/// A response format: values and pages here, errors through [`Format::errors`].
///
/// `data` and `items` arrive as JSON text already rendered (a cached row costs no
/// serialisation); a format writes the body around them.
///
/// ```
/// use rustbe_core::format::{ErrorFormat, Format, Names, PageKind, Paging, Plain, Reply};
/// use utoipa::openapi::{RefOr, schema::Schema};
///
/// /// Plain objects, but every page wrapped as `{"items": […], "total": n}`.
/// struct Items(Plain);
///
/// impl Format for Items {
///     fn one(&self, names: Names<'_>, data: &str, out: &mut Reply) {
///         self.0.one(names, data, out);
///     }
///     fn page(&self, _: Names, items: &str, paging: Paging<'_>, out: &mut Reply) {
///         out.push_str(r#"{"items":"#);
///         out.push_str(items);
///         out.push_str(r#","total":"#);
///         out.push_json(&paging.total());
///         out.push_str("}");
///     }
///     fn errors(&self) -> &dyn ErrorFormat {
///         Format::errors(&self.0)
///     }
///     fn one_schema(&self, names: Names<'_>, data: RefOr<Schema>) -> RefOr<Schema> {
///         self.0.one_schema(names, data)
///     }
///     fn page_schema(&self, names: Names<'_>, item: RefOr<Schema>, kind: PageKind) -> RefOr<Schema> {
///         self.0.page_schema(names, item, kind)
///     }
/// }
/// ```
pub trait Format: Send + Sync + 'static {
    /// Writes a single value (a read, an update, a create).
    fn one(&self, names: Names<'_>, data: &str, out: &mut Reply);

    /// Writes a page of `items` (a JSON array).
    fn page(&self, names: Names<'_>, items: &str, paging: Paging<'_>, out: &mut Reply);

    /// How this format writes errors.
    fn errors(&self) -> &dyn ErrorFormat;

    /// The OpenAPI schema of a single value whose own schema is `data`.
    fn one_schema(&self, names: Names<'_>, data: RefOr<Schema>) -> RefOr<Schema>;

    /// The OpenAPI schema of a page of `item`s.
    fn page_schema(&self, names: Names<'_>, item: RefOr<Schema>, kind: PageKind) -> RefOr<Schema>;

    /// The headers a page of `kind` carries besides its body, as `(name, description)`, for
    /// the OpenAPI document: none by default; [`Plain::bare`] sends the total (or the next
    /// cursor) in one.
    ///
    /// ```
    /// use rustbe_core::format::{Envelope, Format, PageKind, Plain};
    /// assert!(Envelope.page_headers(PageKind::Page).is_empty());
    /// assert_eq!(Plain::bare().page_headers(PageKind::Page)[0].0, "X-Total-Count");
    /// assert!(Plain::wrapped().page_headers(PageKind::Page).is_empty());
    /// ```
    fn page_headers(&self, kind: PageKind) -> Vec<(&'static str, &'static str)> {
        let _ = kind;
        Vec::new()
    }
}

pub(crate) use openapi::{apply as apply_to_document, tag as tag_schema};
