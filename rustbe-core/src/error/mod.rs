//! The one error type of rustbe and how it renders, in the app's [format](crate::format).

mod code;
mod db;
mod field;

use std::borrow::Cow;
use std::time::Duration;

use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};

pub use code::ErrorCode;
pub use field::FieldError;

/// A `Result` whose error is rustbe's [`Error`].
///
/// ```
/// use rustbe_core::{Error, Result};
/// fn find(id: u32) -> Result<&'static str> {
///     if id == 1 { Ok("widget") } else { Err(Error::not_found()) }
/// }
/// assert_eq!(find(1).unwrap(), "widget");
/// assert!(find(2).unwrap_err().is_not_found());
/// ```
pub type Result<T, E = Error> = std::result::Result<T, E>;

type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// An API error: a [`ErrorCode`], a message a client may read, optional field `details`,
/// headers that go with it (`Retry-After`, `Allow`, `WWW-Authenticate`) and, for server
/// errors, the cause that is logged with the request id and never sent.
///
/// Handlers return it; it renders the envelope
/// `{"success": false, "error": {"code", "message", "details"?, "request_id"}}`.
///
/// ```
/// use rustbe_core::{Error, ErrorCode, FieldError};
///
/// let err = Error::validation([FieldError::new("price", "Price must be a positive number")]);
/// assert_eq!(err.code(), ErrorCode::ValidationError);
/// assert_eq!(err.details()[0].field(), "price");
///
/// let err = Error::not_found().with_message("No product with that id");
/// assert!(err.is_not_found());
/// assert_eq!(err.message(), "No product with that id");
/// ```
pub struct Error(Box<Inner>);

struct Inner {
    code: ErrorCode,
    message: Cow<'static, str>,
    details: Vec<FieldError>,
    headers: HeaderMap,
    source: Option<BoxError>,
}

impl Error {
    /// An error with `code` and its default message.
    ///
    /// ```
    /// use rustbe_core::{Error, ErrorCode};
    /// assert_eq!(Error::new(ErrorCode::Conflict).message(), ErrorCode::Conflict.default_message());
    /// ```
    #[must_use]
    pub fn new(code: ErrorCode) -> Self {
        Self(Box::new(Inner {
            code,
            message: Cow::Borrowed(code.default_message()),
            details: Vec::new(),
            headers: HeaderMap::new(),
            source: None,
        }))
    }

    /// 400 `BAD_REQUEST` with a message saying what was wrong.
    ///
    /// ```
    /// let err = rustbe_core::Error::bad_request("`page` must be a whole number");
    /// assert_eq!(err.status(), http::StatusCode::BAD_REQUEST);
    /// ```
    #[must_use]
    pub fn bad_request(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::BadRequest).with_message(message)
    }

    /// 400 `VALIDATION_ERROR` listing every failing field.
    ///
    /// ```
    /// use rustbe_core::{Error, FieldError};
    /// let err = Error::validation([FieldError::new("email", "must be a valid email")]);
    /// assert_eq!(err.details().len(), 1);
    /// ```
    #[must_use]
    pub fn validation(details: impl IntoIterator<Item = FieldError>) -> Self {
        Self::new(ErrorCode::ValidationError).with_details(details)
    }

    /// 401 `UNAUTHORIZED` with `WWW-Authenticate: Bearer`. (Every 401 carries a
    /// `WWW-Authenticate` challenge: `Bearer` here, `Bearer error="invalid_token"` for
    /// `INVALID_TOKEN` and `TOKEN_EXPIRED`.)
    ///
    /// ```
    /// let err = rustbe_core::Error::unauthorized();
    /// assert_eq!(err.headers()["www-authenticate"], "Bearer");
    /// ```
    #[must_use]
    pub fn unauthorized() -> Self {
        Self::new(ErrorCode::Unauthorized)
            .with_header(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))
    }

    /// 403 `FORBIDDEN`.
    ///
    /// ```
    /// assert_eq!(rustbe_core::Error::forbidden().status(), http::StatusCode::FORBIDDEN);
    /// ```
    #[must_use]
    pub fn forbidden() -> Self {
        Self::new(ErrorCode::Forbidden)
    }

    /// 404 `NOT_FOUND`.
    ///
    /// ```
    /// assert!(rustbe_core::Error::not_found().is_not_found());
    /// ```
    #[must_use]
    pub fn not_found() -> Self {
        Self::new(ErrorCode::NotFound)
    }

    /// 409 `CONFLICT` with a message naming the conflict.
    ///
    /// ```
    /// let err = rustbe_core::Error::conflict("Not enough stock");
    /// assert_eq!(err.status(), http::StatusCode::CONFLICT);
    /// ```
    #[must_use]
    pub fn conflict(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::Conflict).with_message(message)
    }

    /// 429 `RATE_LIMITED` with `Retry-After` in whole seconds (rounded up).
    ///
    /// ```
    /// use std::time::Duration;
    /// let err = rustbe_core::Error::rate_limited(Duration::from_millis(1500));
    /// assert_eq!(err.headers()["retry-after"], "2");
    /// ```
    #[must_use]
    pub fn rate_limited(retry_after: Duration) -> Self {
        Self::new(ErrorCode::RateLimited).with_retry_after(retry_after)
    }

    /// 503 `SERVICE_UNAVAILABLE` with `Retry-After`.
    ///
    /// ```
    /// use std::time::Duration;
    /// let err = rustbe_core::Error::service_unavailable(Duration::from_secs(5));
    /// assert_eq!(err.headers()["retry-after"], "5");
    /// ```
    #[must_use]
    pub fn service_unavailable(retry_after: Duration) -> Self {
        Self::new(ErrorCode::ServiceUnavailable).with_retry_after(retry_after)
    }

    /// 500 `INTERNAL_ERROR` caused by `source`. The cause is logged with the request id when
    /// the error is rendered; the client sees only a generic message.
    ///
    /// ```
    /// let err = rustbe_core::Error::internal(std::io::Error::other("disk on fire"));
    /// assert_eq!(err.message(), "Internal server error");
    /// ```
    #[must_use]
    pub fn internal(source: impl Into<BoxError>) -> Self {
        Self::new(ErrorCode::InternalError).with_source(source)
    }

    /// Replaces the message sent to the client.
    ///
    /// ```
    /// let err = rustbe_core::Error::forbidden().with_message("Admins only");
    /// assert_eq!(err.message(), "Admins only");
    /// ```
    #[must_use]
    pub fn with_message(mut self, message: impl Into<Cow<'static, str>>) -> Self {
        self.0.message = message.into();
        self
    }

    /// Adds field details.
    ///
    /// ```
    /// use rustbe_core::{Error, FieldError};
    /// let err = Error::bad_request("Bad query").with_details([FieldError::new("limit", "must be at most 100")]);
    /// assert_eq!(err.details()[0].message(), "must be at most 100");
    /// ```
    #[must_use]
    pub fn with_details(mut self, details: impl IntoIterator<Item = FieldError>) -> Self {
        self.0.details.extend(details);
        self
    }

    /// Adds a response header (replacing one of the same name).
    ///
    /// ```
    /// use http::{header, HeaderValue};
    /// let err = rustbe_core::Error::new(rustbe_core::ErrorCode::MethodNotAllowed)
    ///     .with_header(header::ALLOW, HeaderValue::from_static("GET,HEAD"));
    /// assert_eq!(err.headers()["allow"], "GET,HEAD");
    /// ```
    #[must_use]
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.0.headers.insert(name, value);
        self
    }

    /// Sets `Retry-After` to `after`, in whole seconds rounded up (at least 1).
    ///
    /// ```
    /// use std::time::Duration;
    /// let err = rustbe_core::Error::new(rustbe_core::ErrorCode::ServiceUnavailable)
    ///     .with_retry_after(Duration::ZERO);
    /// assert_eq!(err.headers()["retry-after"], "1");
    /// ```
    #[must_use]
    pub fn with_retry_after(self, after: Duration) -> Self {
        let secs = after.as_secs() + u64::from(after.subsec_nanos() > 0);
        self.with_header(header::RETRY_AFTER, HeaderValue::from(secs.max(1)))
    }

    /// Attaches the underlying cause (logged for server errors, never sent).
    ///
    /// ```
    /// use std::error::Error as _;
    /// let err = rustbe_core::Error::conflict("taken").with_source(std::io::Error::other("why"));
    /// assert!(err.source().is_some());
    /// ```
    #[must_use]
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.0.source = Some(source.into());
        self
    }

    /// The machine-readable code.
    ///
    /// ```
    /// use rustbe_core::{Error, ErrorCode};
    /// assert_eq!(Error::forbidden().code(), ErrorCode::Forbidden);
    /// assert_eq!(Error::bad_request("nope").code(), ErrorCode::BadRequest);
    /// ```
    #[must_use]
    pub fn code(&self) -> ErrorCode {
        self.0.code
    }

    /// The HTTP status.
    ///
    /// ```
    /// use std::time::Duration;
    /// let err = rustbe_core::Error::rate_limited(Duration::from_secs(1));
    /// assert_eq!(err.status(), http::StatusCode::TOO_MANY_REQUESTS);
    /// ```
    #[must_use]
    pub fn status(&self) -> StatusCode {
        self.0.code.status()
    }

    /// The message sent to the client.
    ///
    /// ```
    /// use rustbe_core::Error;
    /// assert_eq!(Error::not_found().message(), "Resource not found");
    /// assert_eq!(Error::bad_request("`limit` is too large").message(), "`limit` is too large");
    /// ```
    #[must_use]
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The field details (empty unless this is a validation error or a bad query).
    ///
    /// ```
    /// use rustbe_core::{Error, FieldError};
    /// assert!(Error::not_found().details().is_empty());
    /// let err = Error::validation([FieldError::new("email", "is required")]);
    /// assert_eq!(err.details(), [FieldError::new("email", "is required")]);
    /// ```
    #[must_use]
    pub fn details(&self) -> &[FieldError] {
        &self.0.details
    }

    /// Headers sent with the error.
    ///
    /// ```
    /// use std::time::Duration;
    /// use rustbe_core::Error;
    /// assert_eq!(Error::rate_limited(Duration::from_secs(30)).headers()["retry-after"], "30");
    /// assert!(Error::not_found().headers().is_empty());
    /// ```
    #[must_use]
    pub fn headers(&self) -> &HeaderMap {
        &self.0.headers
    }

    /// Is this a 404?
    ///
    /// ```
    /// use rustbe_core::Error;
    /// assert!(Error::not_found().with_message("No such order").is_not_found());
    /// assert!(!Error::forbidden().is_not_found());
    /// ```
    #[must_use]
    pub fn is_not_found(&self) -> bool {
        self.0.code == ErrorCode::NotFound
    }

    /// Is this a 5xx, an error of the server rather than of the request?
    ///
    /// ```
    /// assert!(rustbe_core::Error::internal("boom").is_server_error());
    /// assert!(!rustbe_core::Error::not_found().is_server_error());
    /// ```
    #[must_use]
    pub fn is_server_error(&self) -> bool {
        self.status().is_server_error()
    }

    /// Renders the envelope, with `request_id` in the body. Used by [`IntoResponse`], which
    /// takes the id of the request being served.
    fn render(self, request_id: &str) -> Response {
        let Inner {
            code,
            message,
            details,
            mut headers,
            source,
        } = *self.0;
        if code.status().is_server_error() {
            match &source {
                Some(cause) => tracing::error!(
                    request_id,
                    code = code.as_str(),
                    cause = %ErrorChain(cause.as_ref()),
                    "request failed: {message}"
                ),
                None => tracing::error!(
                    request_id,
                    code = code.as_str(),
                    "request failed: {message}"
                ),
            }
        } else {
            tracing::debug!(
                request_id,
                code = code.as_str(),
                "request rejected: {message}"
            );
        }
        let (status, media, body, extra) = crate::format::error_body(&crate::format::ErrorParts {
            code,
            message: &message,
            details: &details,
            request_id,
        });
        headers.insert(header::CONTENT_TYPE, media);
        headers.extend(extra);
        let implied = match code {
            ErrorCode::ServiceUnavailable | ErrorCode::RateLimited => {
                Some((header::RETRY_AFTER, "1"))
            }
            ErrorCode::Unauthorized => Some((header::WWW_AUTHENTICATE, "Bearer")),
            ErrorCode::InvalidToken | ErrorCode::TokenExpired => {
                Some((header::WWW_AUTHENTICATE, r#"Bearer error="invalid_token""#))
            }
            _ => None,
        };
        if let Some((name, value)) = implied
            && !headers.contains_key(&name)
        {
            headers.insert(name, HeaderValue::from_static(value));
        }
        let mut response = (status, headers, body).into_response();
        response.extensions_mut().insert(ErrorRendered);
        response
    }
}

/// Marks a response whose body is already an error in the app's format, so
/// [`FormatLayer`](crate::format::FormatLayer) leaves it alone.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ErrorRendered;

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let id = crate::request_id::current_or_new();
        self.render(id.as_str())
    }
}

impl From<ErrorCode> for Error {
    fn from(code: ErrorCode) -> Self {
        Self::new(code)
    }
}

impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Error")
            .field("code", &self.0.code)
            .field("message", &self.0.message)
            .field("details", &self.0.details)
            .field("source", &self.0.source)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.0.code, self.0.message)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0
            .source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// Displays an error and its sources, `outer: inner: innermost`.
struct ErrorChain<'a>(&'a (dyn std::error::Error + 'static));

impl std::fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut next = self.0.source();
        while let Some(cause) = next {
            write!(f, ": {cause}")?;
            next = cause.source();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    async fn body_json(response: Response) -> serde_json::Value {
        let bytes = response
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        serde_json::from_slice(&bytes).unwrap_or_default()
    }

    #[tokio::test]
    async fn internal_errors_never_leak_their_cause() {
        let err = Error::internal(std::io::Error::other(
            "password=hunter2 at db.internal:5432",
        ));
        let response = err.render("req-1");
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let json = body_json(response).await;
        assert_eq!(json["error"]["message"], "Internal server error");
        assert_eq!(json["error"]["request_id"], "req-1");
        assert!(!json.to_string().contains("hunter2"));
    }

    #[tokio::test]
    async fn details_are_omitted_when_empty_and_listed_when_present() {
        let json = body_json(Error::not_found().render("r")).await;
        assert!(json["error"].get("details").is_none());
        let json = body_json(
            Error::validation([FieldError::new("a", "x"), FieldError::new("b", "y")]).render("r"),
        )
        .await;
        assert_eq!(json["error"]["details"][1]["field"], "b");
        assert_eq!(json["success"], false);
    }

    #[test]
    fn rate_limited_and_unavailable_always_carry_retry_after() {
        let response = Error::new(ErrorCode::ServiceUnavailable).render("r");
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
        let response = Error::rate_limited(Duration::from_secs(30)).render("r");
        assert_eq!(response.headers()[header::RETRY_AFTER], "30");
    }

    #[test]
    fn display_and_chain() {
        let err = Error::internal(std::io::Error::other("inner"));
        assert_eq!(err.to_string(), "INTERNAL_ERROR: Internal server error");
        let wrapped = Error::internal(err);
        let chain = ErrorChain(&wrapped).to_string();
        assert!(
            chain.ends_with("INTERNAL_ERROR: Internal server error: inner"),
            "{chain}"
        );
    }
}
