//! Conduit's wire format: plain objects wrapped by resource name (`{"article": …}`,
//! `{"articles": […], "articlesCount": n}`) and errors as `{"errors": {"body": […]}}`, with
//! validation answered 422. Kept in this one module until rustbe-core's `Format` lands.

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{StatusCode, header};
use serde::{Deserialize, Serialize};

/// `{"<name>": value}`, 200.
pub fn named(name: &'static str, value: impl Serialize) -> Response {
    wrapped(StatusCode::OK, name, value)
}

/// `{"<name>": value}` with `status` (201 for a creation).
pub fn wrapped(status: StatusCode, name: &'static str, value: impl Serialize) -> Response {
    (status, axum::Json(serde_json::json!({ name: value }))).into_response()
}

/// `{"articles": […], "articlesCount": total}`.
pub fn articles(items: impl Serialize, total: u64) -> Response {
    axum::Json(serde_json::json!({"articles": items, "articlesCount": total})).into_response()
}

/// `{"errors": {"body": […]}}`: the body of every Conduit error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GenericError {
    /// The messages.
    pub errors: ErrorBody,
}

/// The messages of a [`GenericError`].
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// One message per problem (`"email must be a valid email address"`).
    pub body: Vec<String>,
}

#[derive(Deserialize)]
struct Envelope {
    error: Rendered,
}

#[derive(Deserialize)]
struct Rendered {
    code: String,
    message: String,
    #[serde(default)]
    details: Vec<Detail>,
}

#[derive(Deserialize)]
struct Detail {
    field: String,
    message: String,
}

/// Re-renders rustbe's error envelope as a [`GenericError`]: `VALIDATION_ERROR`,
/// `BAD_REQUEST` (a malformed body) and `DUPLICATE_ENTRY` (a taken email, username or slug)
/// become 422, every other status is kept. Success answers pass untouched.
pub async fn errors(response: Response) -> Response {
    if response.status().as_u16() < 400 {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 1 << 16).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let Ok(Envelope { error }) = serde_json::from_slice(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    let body = if error.details.is_empty() {
        vec![error.message]
    } else {
        let detail = |d: Detail| format!("{} {}", d.field, d.message);
        error.details.into_iter().map(detail).collect()
    };
    if matches!(
        error.code.as_str(),
        "VALIDATION_ERROR" | "BAD_REQUEST" | "DUPLICATE_ENTRY"
    ) {
        parts.status = StatusCode::UNPROCESSABLE_ENTITY;
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    let json = serde_json::to_vec(&GenericError {
        errors: ErrorBody { body },
    });
    Response::from_parts(parts, Body::from(json.unwrap_or_default()))
}
