//! How a generated route answers: a row rendered once (its JSON, ETag and owner, what the
//! cache holds), the format around it, and the keys of paths.

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use serde::{Deserialize, Serialize};

use super::Resource;
use super::etag::etag_of;
use crate::response::data_response;
use crate::{Error, FieldError};

/// A row as it is sent: the view's JSON, its ETag and its owner. This is what the cache
/// holds, so a hit costs no database and no serialisation.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Rendered {
    pub(super) json: String,
    pub(super) etag: String,
    pub(super) owner: Option<String>,
}

pub(super) fn render<R: Resource>(row: &R) -> Result<Rendered, Error> {
    let json = serde_json::to_string(&row.view()).map_err(Error::internal)?;
    let etag = etag_of(json.as_bytes());
    Ok(Rendered {
        json,
        etag,
        owner: row.owner(),
    })
}

/// `row` answered as the generated routes answer it: its view in the app's format, with its
/// strong `ETag`. For a hand-written route over a derived resource (a state change, an
/// operation of several tables), so that its answers and tags are the generated routes' own;
/// fill what the read hook fills first ([`Hooks::after_read`](super::Hooks::after_read)).
///
/// # Errors
/// 500 if the view does not serialise.
///
/// ```
/// # use sea_orm::entity::prelude::*;
/// #[derive(Clone, Debug, PartialEq, DeriveEntityModel, rustbe_core::Resource)]
/// #[sea_orm(table_name = "notes")]
/// pub struct Model {
///     #[sea_orm(primary_key)]
///     pub id: i32,
///     pub text: String,
/// }
/// # #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
/// # pub enum Relation {}
/// # impl ActiveModelBehavior for ActiveModel {}
/// let note = Model { id: 7, text: "hi".into() };
/// let response = rustbe_core::resource::respond(http::StatusCode::OK, &note).unwrap();
/// assert_eq!(response.headers()["etag"], rustbe_core::resource::etag_of(br#"{"id":7,"text":"hi"}"#).as_str());
/// ```
pub fn respond<R: Resource>(status: StatusCode, row: &R) -> Result<Response, Error> {
    Ok(single::<R>(status, &render(row)?))
}

/// 412 `PRECONDITION_FAILED` when the request's `If-Match` names no state that `row` is in
/// (by the `ETag` [`respond`] gives it); nothing to check without `If-Match`.
///
/// # Errors
/// The 412.
///
/// ```
/// # use sea_orm::entity::prelude::*;
/// # #[derive(Clone, Debug, PartialEq, DeriveEntityModel, rustbe_core::Resource)]
/// # #[sea_orm(table_name = "notes")]
/// # pub struct Model { #[sea_orm(primary_key)] pub id: i32, pub text: String }
/// # #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
/// # pub enum Relation {}
/// # impl ActiveModelBehavior for ActiveModel {}
/// let note = Model { id: 7, text: "hi".into() };
/// let mut headers = http::HeaderMap::new();
/// assert!(rustbe_core::resource::check_if_match(&headers, &note).is_ok());
/// headers.insert("if-match", "\"stale\"".parse().unwrap());
/// assert_eq!(rustbe_core::resource::check_if_match(&headers, &note).unwrap_err().status(), 412);
/// ```
pub fn check_if_match<R: Resource>(headers: &http::HeaderMap, row: &R) -> Result<(), Error> {
    if headers.contains_key(header::IF_MATCH) {
        super::etag::check_if_match(headers, &render(row)?.etag)
    } else {
        Ok(())
    }
}

/// The names of `R`'s answers in formats that wrap them.
pub(super) fn names<R: Resource>() -> crate::format::Names<'static> {
    crate::format::Names::new(R::META.one, R::META.collection)
}

/// The row in the app's format (`{"success":true,"data":…}`) with its `ETag`.
pub(super) fn single<R: Resource>(status: StatusCode, rendered: &Rendered) -> Response {
    let mut response = data_response(status, names::<R>(), &rendered.json);
    if let Ok(etag) = HeaderValue::from_str(&rendered.etag) {
        response.headers_mut().insert(header::ETAG, etag);
    }
    response
}

pub(super) fn not_modified_response(etag: &str) -> Response {
    let mut response = StatusCode::NOT_MODIFIED.into_response();
    if let Ok(etag) = HeaderValue::from_str(etag) {
        response.headers_mut().insert(header::ETAG, etag);
    }
    response
}

pub(super) fn bad_path(parameter: &str, message: String) -> Error {
    Error::bad_request("Invalid path parameter")
        .with_details([FieldError::new(parameter.to_owned(), message)])
}

/// The key of a path, and its canonical text (the cache key).
pub(super) fn parse_key<R: Resource>(raw: &str) -> Result<(sea_orm::Value, String), Error> {
    let value = R::parse_key(raw).map_err(|m| bad_path("id", m))?;
    let text = value_text(&value).unwrap_or_else(|| raw.to_owned());
    Ok((value, text))
}

/// The text of a key value, as `Resource::key` writes it.
pub(super) fn value_text(value: &sea_orm::Value) -> Option<String> {
    use sea_orm::Value as V;
    Some(match value {
        V::String(Some(s)) => s.clone(),
        V::Char(Some(c)) => c.to_string(),
        V::TinyInt(Some(n)) => n.to_string(),
        V::SmallInt(Some(n)) => n.to_string(),
        V::Int(Some(n)) => n.to_string(),
        V::BigInt(Some(n)) => n.to_string(),
        V::TinyUnsigned(Some(n)) => n.to_string(),
        V::SmallUnsigned(Some(n)) => n.to_string(),
        V::Unsigned(Some(n)) => n.to_string(),
        V::BigUnsigned(Some(n)) => n.to_string(),
        V::Uuid(Some(u)) => u.to_string(),
        _ => return None,
    })
}

/// `%`-encodes a key for a URL path segment.
pub(super) fn path_segment(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for byte in key.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_encoded_for_a_path_segment() {
        assert_eq!(path_segment("abc-1_2.3~"), "abc-1_2.3~");
        assert_eq!(path_segment("a b/c?"), "a%20b%2Fc%3F");
        assert_eq!(path_segment("é"), "%C3%A9");
    }

    #[test]
    fn key_values_as_text() {
        assert_eq!(
            value_text(&sea_orm::Value::from(5_i32)).as_deref(),
            Some("5")
        );
        assert_eq!(value_text(&sea_orm::Value::from("x")).as_deref(), Some("x"));
        assert_eq!(value_text(&sea_orm::Value::from(1.5_f64)), None);
    }
}
