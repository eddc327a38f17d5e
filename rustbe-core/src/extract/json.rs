use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderMap, StatusCode, header};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::shape::{all_shape_errors, data_error};
use crate::{Error, ErrorCode, FieldError};

/// A JSON request body (or response) whose rejections render the envelope.
///
/// The body must be sent with `Content-Type: application/json` (or a `+json` type) and fit
/// the body limit. A body that is not JSON is a 400 `BAD_REQUEST`; JSON of the wrong shape (a
/// missing field, a wrong type) is a 400 `VALIDATION_ERROR` naming the field.
///
/// ```
/// use rustbe_core::extract::Json;
///
/// #[derive(serde::Deserialize)]
/// struct NewProduct { name: String, price: f64 }
///
/// async fn create(Json(body): Json<NewProduct>) -> String {
///     format!("{} costs {}", body.name, body.price)
/// }
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

/// Why a [`Json`] body was refused.
///
/// ```
/// use rustbe_core::extract::{Json, JsonRejection};
/// use rustbe_core::{Error, ErrorCode};
/// let rejection = Json::<u32>::from_bytes(b"not json").unwrap_err();
/// assert!(matches!(rejection, JsonRejection::Malformed(_)));
/// assert_eq!(Error::from(rejection).code(), ErrorCode::BadRequest);
/// assert_eq!(Error::from(JsonRejection::UnsupportedMediaType).status(), 415);
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum JsonRejection {
    /// No `application/json` content type: 415.
    UnsupportedMediaType,
    /// Over the body limit: 413.
    PayloadTooLarge,
    /// The body could not be read: 400.
    BodyUnreadable,
    /// Not JSON at all: 400 `BAD_REQUEST`.
    Malformed(String),
    /// JSON, but not of the expected shape: 400 `VALIDATION_ERROR` naming every field at fault
    /// (missing or of the wrong type).
    Invalid(Vec<FieldError>),
}

impl From<JsonRejection> for Error {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::UnsupportedMediaType => Error::new(ErrorCode::UnsupportedMediaType),
            JsonRejection::PayloadTooLarge => Error::new(ErrorCode::PayloadTooLarge),
            JsonRejection::BodyUnreadable => Error::bad_request("Could not read the request body"),
            JsonRejection::Malformed(why) => {
                Error::bad_request(format!("Malformed JSON body: {why}"))
            }
            JsonRejection::Invalid(details) => Error::validation(details),
        }
    }
}

impl IntoResponse for JsonRejection {
    fn into_response(self) -> Response {
        Error::from(self).into_response()
    }
}

impl<T: DeserializeOwned> Json<T> {
    /// Parses `bytes` as JSON of type `T`, with the rejections of the extractor.
    ///
    /// ```
    /// use rustbe_core::extract::{Json, JsonRejection};
    ///
    /// #[derive(serde::Deserialize, Debug)]
    /// struct Item { quantity: u32 }
    ///
    /// assert_eq!(Json::<Item>::from_bytes(br#"{"quantity": 2}"#).unwrap().0.quantity, 2);
    /// match Json::<Item>::from_bytes(br#"{"quantity": "two"}"#) {
    ///     Err(JsonRejection::Invalid(details)) => assert_eq!(details[0].field(), "quantity"),
    ///     other => panic!("{other:?}"),
    /// }
    /// assert!(matches!(Json::<Item>::from_bytes(b"{"), Err(JsonRejection::Malformed(_))));
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, JsonRejection> {
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let value = serde_path_to_error::deserialize(&mut de).map_err(|err| {
            let path = err.path().to_string();
            let inner = err.into_inner();
            if inner.is_data() {
                JsonRejection::Invalid(all_shape_errors::<T>(bytes, data_error(&path, &inner)))
            } else {
                JsonRejection::Malformed(inner.to_string())
            }
        })?;
        de.end()
            .map_err(|err| JsonRejection::Malformed(err.to_string()))?;
        Ok(Self(value))
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = JsonRejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(JsonRejection::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|err| {
            if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
                JsonRejection::PayloadTooLarge
            } else {
                JsonRejection::BodyUnreadable
            }
        })?;
        Self::from_bytes(&bytes)
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Line {
        product_id: u32,
        quantity: u32,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Order {
        items: Vec<Line>,
    }

    fn invalid(body: &str) -> (String, String) {
        match Json::<Order>::from_bytes(body.as_bytes()) {
            Err(JsonRejection::Invalid(d)) => (d[0].field().to_owned(), d[0].message().to_owned()),
            other => (format!("{other:?}"), String::new()),
        }
    }

    #[test]
    fn nested_shape_errors_name_the_field() {
        assert_eq!(
            invalid(r#"{"items":[{"product_id":1,"quantity":1},{"product_id":2}]}"#),
            ("items[1].quantity".into(), "is required".into())
        );
        assert_eq!(invalid(r#"{}"#), ("items".into(), "is required".into()));
        let (field, message) = invalid(r#"{"items":[{"product_id":"x","quantity":1}]}"#);
        assert_eq!(field, "items[0].product_id");
        assert!(message.starts_with("invalid type: string"), "{message}");
        assert!(!message.contains("line"), "{message}");
        assert_eq!(invalid("[]").0, "body");
    }

    #[test]
    fn trailing_garbage_and_syntax_errors_are_malformed() {
        for body in [r#"{"items":[]} x"#, "{", "", "nope"] {
            assert!(
                matches!(
                    Json::<Order>::from_bytes(body.as_bytes()),
                    Err(JsonRejection::Malformed(_))
                ),
                "{body}"
            );
        }
    }

    #[test]
    fn content_types() {
        let mut headers = HeaderMap::new();
        assert!(!is_json(&headers));
        for (ct, ok) in [
            ("application/json", true),
            ("Application/JSON; charset=utf-8", true),
            ("application/merge-patch+json", true),
            ("text/plain", false),
            ("application/jsonx", false),
        ] {
            headers.insert(
                header::CONTENT_TYPE,
                ct.parse().unwrap_or(http::HeaderValue::from_static("x")),
            );
            assert_eq!(is_json(&headers), ok, "{ct}");
        }
    }
}
