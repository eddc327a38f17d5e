//! [`Json`]: axum's JSON extractor with its rejections as rustbe errors naming the field.

use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderMap, StatusCode, header};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::shape::{data_error, reads_an_object, refit};
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
    /// // JSON does not tell 2 from 2.0: a whole number is an integer however it is written.
    /// assert_eq!(Json::<Item>::from_bytes(br#"{"quantity": 2.0}"#).unwrap().0.quantity, 2);
    /// assert!(Json::<Item>::from_bytes(br#"{"quantity": 2.5}"#).is_err());
    /// // A struct is read from an object only, not from an array of its fields.
    /// assert!(matches!(Json::<Item>::from_bytes(b"[2]"), Err(JsonRejection::Invalid(_))));
    /// match Json::<Item>::from_bytes(br#"{"quantity": "two"}"#) {
    ///     Err(JsonRejection::Invalid(details)) => assert_eq!(details[0].field(), "quantity"),
    ///     other => panic!("{other:?}"),
    /// }
    /// assert!(matches!(Json::<Item>::from_bytes(b"{"), Err(JsonRejection::Malformed(_))));
    /// // The same key twice is refused, with or without a whole-number float beside it.
    /// assert!(Json::<Item>::from_bytes(br#"{"quantity": 2, "quantity": 3}"#).is_err());
    /// assert!(Json::<Item>::from_bytes(br#"{"quantity": 2.0, "quantity": 3}"#).is_err());
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, JsonRejection> {
        Self::fitted(bytes).map_err(|(rejection, _)| rejection)
    }

    /// [`Json::from_bytes`], and for a body whose fields have the wrong shape, the value it
    /// reads as with placeholders at those fields (if it then fits), so that the rules of the
    /// other fields can be checked and every problem reported at once.
    pub(crate) fn fitted(bytes: &[u8]) -> Result<Self, (JsonRejection, Option<T>)> {
        // serde takes a struct from an array of its fields too; a body is an object.
        let not_an_object = || {
            let array = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
            (array && reads_an_object::<T>()).then(|| {
                (
                    JsonRejection::Invalid(vec![FieldError::new("body", "must be a JSON object")]),
                    None,
                )
            })
        };
        let mut de = serde_json::Deserializer::from_slice(bytes);
        match serde_path_to_error::deserialize(&mut de) {
            Ok(value) => {
                de.end()
                    .map_err(|err| (JsonRejection::Malformed(err.to_string()), None))?;
                not_an_object().map_or(Ok(Self(value)), Err)
            }
            Err(err) => {
                let path = err.path().to_string();
                let inner = err.into_inner();
                if !inner.is_data() {
                    return Err((JsonRejection::Malformed(inner.to_string()), None));
                }
                if let Some(rejection) = not_an_object() {
                    return Err(rejection);
                }
                // Parsed again as a tree, which also rejects trailing garbage.
                refit::<T>(bytes, data_error(&path, &inner))
                    .map(Self)
                    .map_err(|(details, fitted)| (JsonRejection::Invalid(details), fitted))
            }
        }
    }
}

/// The bytes of a JSON body: 415 for another content type, 413 past the body limit.
pub(crate) async fn json_bytes<S: Send + Sync>(
    req: Request,
    state: &S,
) -> Result<Bytes, JsonRejection> {
    if !is_json(req.headers()) {
        return Err(JsonRejection::UnsupportedMediaType);
    }
    Bytes::from_request(req, state).await.map_err(|err| {
        if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
            JsonRejection::PayloadTooLarge
        } else {
            JsonRejection::BodyUnreadable
        }
    })
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
        Self::from_bytes(&json_bytes(req, state).await?)
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

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Changes {
        name: Option<String>,
    }

    #[test]
    fn a_struct_is_read_from_an_object_only() {
        let message = |body: &str| match Json::<Changes>::from_bytes(body.as_bytes()) {
            Err(JsonRejection::Invalid(d)) => format!("{}: {}", d[0].field(), d[0].message()),
            other => format!("{other:?}"),
        };
        assert_eq!(message("[]"), "body: must be a JSON object");
        assert_eq!(message(" [\"x\"]"), "body: must be a JSON object");
        assert!(Json::<Changes>::from_bytes(b"{}").is_ok());
        assert!(Json::<Vec<Changes>>::from_bytes(b"[{}]").is_ok());
        assert_eq!(
            invalid(r#"[[{"product_id":1,"quantity":1}]]"#),
            ("body".into(), "must be a JSON object".into())
        );
        assert!(matches!(
            Json::<Changes>::from_bytes(b"["),
            Err(JsonRejection::Malformed(_))
        ));
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
