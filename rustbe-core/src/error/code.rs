//! [`ErrorCode`]: the machine-readable codes of API.md, their statuses and their schema.

use http::StatusCode;

/// The machine-readable `code` of an error envelope.
///
/// Each code has one HTTP status; clients branch on the code, not on the message.
///
/// ```
/// use rustbe_core::ErrorCode;
/// use http::StatusCode;
///
/// assert_eq!(ErrorCode::DuplicateEntry.as_str(), "DUPLICATE_ENTRY");
/// assert_eq!(ErrorCode::DuplicateEntry.status(), StatusCode::CONFLICT);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// 400: malformed JSON, bad query string or path parameter.
    BadRequest,
    /// 400: well-formed input that breaks a rule; comes with `details`.
    ValidationError,
    /// 401: no credentials.
    Unauthorized,
    /// 401: login with an unknown email or a wrong password.
    InvalidCredentials,
    /// 401: a bad or revoked token.
    InvalidToken,
    /// 401: an expired token.
    TokenExpired,
    /// 403: authenticated but not allowed.
    Forbidden,
    /// 404: no such resource, or one the caller may not know exists.
    NotFound,
    /// 405: the path exists but not with this method.
    MethodNotAllowed,
    /// 409: a unique value is taken.
    DuplicateEntry,
    /// 409: the request conflicts with the resource's state.
    Conflict,
    /// 412: `If-Match` does not match the current `ETag`.
    PreconditionFailed,
    /// 413: the body is over the limit.
    PayloadTooLarge,
    /// 415: the body is not of a media type the route accepts.
    UnsupportedMediaType,
    /// 422: the request is understood but cannot be processed (an idempotency key reused
    /// with another body, for instance).
    UnprocessableEntity,
    /// 429: too many requests; comes with `Retry-After`.
    RateLimited,
    /// 500: anything unexpected; the cause is logged, never sent.
    InternalError,
    /// 503: a dependency is unreachable or saturated; comes with `Retry-After`.
    ServiceUnavailable,
}

impl ErrorCode {
    /// Every code, in the order of the table in the API contract.
    ///
    /// ```
    /// use rustbe_core::ErrorCode;
    /// assert_eq!(ErrorCode::ALL.len(), 18);
    /// assert_eq!(ErrorCode::ALL[0], ErrorCode::BadRequest);
    /// assert!(ErrorCode::ALL.iter().all(|c| c.status().as_u16() >= 400));
    /// ```
    pub const ALL: [ErrorCode; 18] = [
        Self::BadRequest,
        Self::ValidationError,
        Self::Unauthorized,
        Self::InvalidCredentials,
        Self::InvalidToken,
        Self::TokenExpired,
        Self::Forbidden,
        Self::NotFound,
        Self::MethodNotAllowed,
        Self::DuplicateEntry,
        Self::Conflict,
        Self::PreconditionFailed,
        Self::PayloadTooLarge,
        Self::UnsupportedMediaType,
        Self::UnprocessableEntity,
        Self::RateLimited,
        Self::InternalError,
        Self::ServiceUnavailable,
    ];

    /// The code as it appears in the envelope (`SCREAMING_SNAKE_CASE`).
    ///
    /// ```
    /// assert_eq!(rustbe_core::ErrorCode::RateLimited.as_str(), "RATE_LIMITED");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "BAD_REQUEST",
            Self::ValidationError => "VALIDATION_ERROR",
            Self::Unauthorized => "UNAUTHORIZED",
            Self::InvalidCredentials => "INVALID_CREDENTIALS",
            Self::InvalidToken => "INVALID_TOKEN",
            Self::TokenExpired => "TOKEN_EXPIRED",
            Self::Forbidden => "FORBIDDEN",
            Self::NotFound => "NOT_FOUND",
            Self::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Self::DuplicateEntry => "DUPLICATE_ENTRY",
            Self::Conflict => "CONFLICT",
            Self::PreconditionFailed => "PRECONDITION_FAILED",
            Self::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            Self::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            Self::UnprocessableEntity => "UNPROCESSABLE_ENTITY",
            Self::RateLimited => "RATE_LIMITED",
            Self::InternalError => "INTERNAL_ERROR",
            Self::ServiceUnavailable => "SERVICE_UNAVAILABLE",
        }
    }

    /// The HTTP status that goes with the code.
    ///
    /// ```
    /// use http::StatusCode;
    /// assert_eq!(rustbe_core::ErrorCode::TokenExpired.status(), StatusCode::UNAUTHORIZED);
    /// ```
    #[must_use]
    pub const fn status(self) -> StatusCode {
        match self {
            Self::BadRequest | Self::ValidationError => StatusCode::BAD_REQUEST,
            Self::Unauthorized
            | Self::InvalidCredentials
            | Self::InvalidToken
            | Self::TokenExpired => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::DuplicateEntry | Self::Conflict => StatusCode::CONFLICT,
            Self::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::UnprocessableEntity => StatusCode::UNPROCESSABLE_ENTITY,
            Self::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Self::InternalError => StatusCode::INTERNAL_SERVER_ERROR,
            Self::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The message sent when nobody chose a better one.
    ///
    /// ```
    /// assert_eq!(rustbe_core::ErrorCode::NotFound.default_message(), "Resource not found");
    /// ```
    #[must_use]
    pub const fn default_message(self) -> &'static str {
        match self {
            Self::BadRequest => "Bad request",
            Self::ValidationError => "Invalid input",
            Self::Unauthorized => "Authentication required",
            Self::InvalidCredentials => "Invalid email or password",
            Self::InvalidToken => "Invalid token",
            Self::TokenExpired => "Token expired",
            Self::Forbidden => "You are not allowed to do this",
            Self::NotFound => "Resource not found",
            Self::MethodNotAllowed => "Method not allowed",
            Self::DuplicateEntry => "A resource with this value already exists",
            Self::Conflict => "The request conflicts with the current state of the resource",
            Self::PreconditionFailed => "The resource has changed since it was read",
            Self::PayloadTooLarge => "Request body is too large",
            Self::UnsupportedMediaType => "Expected a body with Content-Type: application/json",
            Self::UnprocessableEntity => "The request cannot be processed",
            Self::RateLimited => "Too many requests",
            Self::InternalError => "Internal server error",
            Self::ServiceUnavailable => "Service temporarily unavailable",
        }
    }

    /// The code a bare status maps to, for responses that were produced without an [`Error`]
    /// (axum's own rejections, tower-http layers). Statuses with no code of their own map to
    /// the nearest general one.
    ///
    /// ```
    /// use http::StatusCode;
    /// use rustbe_core::ErrorCode;
    /// assert_eq!(ErrorCode::from_status(StatusCode::METHOD_NOT_ALLOWED), ErrorCode::MethodNotAllowed);
    /// assert_eq!(ErrorCode::from_status(StatusCode::GATEWAY_TIMEOUT), ErrorCode::ServiceUnavailable);
    /// ```
    ///
    /// [`Error`]: crate::Error
    #[must_use]
    pub fn from_status(status: StatusCode) -> Self {
        match status {
            StatusCode::UNAUTHORIZED => Self::Unauthorized,
            StatusCode::FORBIDDEN => Self::Forbidden,
            StatusCode::NOT_FOUND => Self::NotFound,
            StatusCode::METHOD_NOT_ALLOWED => Self::MethodNotAllowed,
            StatusCode::CONFLICT => Self::Conflict,
            StatusCode::PRECONDITION_FAILED => Self::PreconditionFailed,
            StatusCode::PAYLOAD_TOO_LARGE => Self::PayloadTooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => Self::UnsupportedMediaType,
            StatusCode::UNPROCESSABLE_ENTITY => Self::UnprocessableEntity,
            StatusCode::TOO_MANY_REQUESTS => Self::RateLimited,
            StatusCode::REQUEST_TIMEOUT
            | StatusCode::SERVICE_UNAVAILABLE
            | StatusCode::GATEWAY_TIMEOUT
            | StatusCode::BAD_GATEWAY => Self::ServiceUnavailable,
            s if s.is_client_error() => Self::BadRequest,
            _ => Self::InternalError,
        }
    }
}

/// The schema of `code`: a string, one of [`ErrorCode::ALL`].
impl utoipa::PartialSchema for ErrorCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::String))
            .enum_values(Some(ErrorCode::ALL.iter().map(|c| c.as_str())))
            .description(Some("Machine-readable error code"))
            .into()
    }
}

impl utoipa::ToSchema for ErrorCode {}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_screaming_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "{s} twice");
            assert!(s.chars().all(|c| c.is_ascii_uppercase() || c == '_'), "{s}");
            assert!(code.status().is_client_error() || code.status().is_server_error());
        }
    }

    #[test]
    fn from_status_round_trips_for_codes_that_own_their_status() {
        for code in [
            ErrorCode::Forbidden,
            ErrorCode::NotFound,
            ErrorCode::MethodNotAllowed,
            ErrorCode::PreconditionFailed,
            ErrorCode::PayloadTooLarge,
            ErrorCode::UnsupportedMediaType,
            ErrorCode::UnprocessableEntity,
            ErrorCode::RateLimited,
            ErrorCode::InternalError,
            ErrorCode::ServiceUnavailable,
        ] {
            assert_eq!(ErrorCode::from_status(code.status()), code);
        }
        assert_eq!(
            ErrorCode::from_status(StatusCode::IM_A_TEAPOT),
            ErrorCode::BadRequest
        );
        assert_eq!(
            ErrorCode::from_status(StatusCode::NOT_IMPLEMENTED),
            ErrorCode::InternalError
        );
    }
}
