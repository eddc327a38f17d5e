//! [`Path`]: axum's path extractor with its rejections as rustbe errors.

use axum::extract::FromRequestParts;
use axum::extract::rejection::PathRejection as AxumPathRejection;
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use serde::de::DeserializeOwned;

use crate::Error;

/// Path parameters; a value that does not parse is a 400 `BAD_REQUEST` in the envelope.
///
/// ```
/// use rustbe_core::extract::Path;
///
/// async fn get_product(Path(id): Path<uuid::Uuid>) -> String {
///     id.to_string()
/// }
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Path<T>(pub T);

/// Why a [`Path`] was refused: axum's own rejection, rendered as the envelope.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use axum::{Router, routing::get};
/// use rustbe_core::{extract::Path, testing::TestRequest};
/// let app = Router::new().route("/products/{id}", get(|Path(id): Path<u32>| async move { id.to_string() }));
/// let response = TestRequest::get("/products/abc").send(&app).await;
/// assert_eq!(response.status(), 400);
/// assert_eq!(response.error_code(), "BAD_REQUEST");
/// # });
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct PathRejection(pub AxumPathRejection);

impl From<PathRejection> for Error {
    fn from(PathRejection(rejection): PathRejection) -> Self {
        if rejection.status().is_server_error() {
            // A route whose parameters do not match the extractor: a bug, not a bad request.
            return Error::internal(rejection);
        }
        Error::bad_request(format!(
            "Invalid path parameter: {}",
            strip_prefix(&rejection.body_text())
        ))
    }
}

fn strip_prefix(text: &str) -> &str {
    text.strip_prefix("Invalid URL: ").unwrap_or(text)
}

impl IntoResponse for PathRejection {
    fn into_response(self) -> Response {
        Error::from(self).into_response()
    }
}

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = PathRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| Self(v))
            .map_err(PathRejection)
    }
}
